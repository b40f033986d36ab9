//! Snapshot folders on disk (fixtures and `ckslab grade --snapshot DIR`):
//!
//! ```text
//! DIR/objects/*.yaml|*.yml|*.json        Kubernetes objects (multi-document YAML or v1 List)
//! DIR/nodes/<node>/<absolute path>       node files, e.g. nodes/control-plane/etc/kubernetes/manifests/kube-apiserver.yaml
//! DIR/nodes/<node>.stat.yaml             optional { "/path": {mode: "0600", uid: 0, gid: 0, exists: false} }
//! DIR/commands/<node>/<command-id>.txt   output of an allow-listed command
//! DIR/probes/<check-id>.yaml            recorded result of a `probe` check (exitCode, output, …)
//! DIR/logs/<node>/<absolute path>        log files `log` checks read (audit log, Falco output)
//! DIR/trigger.yaml                       check id → {at, auditIds, action} of triggers performed
//! DIR/answers.yaml                       key: value
//! DIR/params.yaml                        the attempt's parameter values
//! ```
//!
//! Every file is read and parsed; any problem names the file, and nothing is skipped silently.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

use cks_checks::{NodeFile, Snapshot};
use serde::Deserialize;
use serde_json::Value as Json;

use crate::problem::Problem;

/// Largest single file read into a snapshot.
pub const MAX_FILE_BYTES: u64 = 64 * 1024 * 1024;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct StatEntry {
    #[serde(default)]
    mode: Option<String>,
    #[serde(default)]
    uid: Option<u32>,
    #[serde(default)]
    gid: Option<u32>,
    /// `false` records that the collector found no such file.
    #[serde(default = "yes")]
    exists: bool,
}

fn yes() -> bool {
    true
}

fn read_text(path: &Path, problems: &mut Vec<Problem>) -> Option<String> {
    match fs::metadata(path) {
        Ok(m) if m.len() > MAX_FILE_BYTES => {
            problems.push(Problem::new(
                path,
                format!(
                    "file is {} bytes, over the {MAX_FILE_BYTES}-byte limit",
                    m.len()
                ),
            ));
            return None;
        }
        Err(e) => {
            problems.push(Problem::new(path, format!("cannot read: {e}")));
            return None;
        }
        Ok(_) => {}
    }
    match fs::read(path) {
        Ok(bytes) => match String::from_utf8(bytes) {
            Ok(s) => Some(s),
            // Binaries (e.g. a tampered kubelet) are graded by their presence and stat, not text.
            Err(e) => Some(String::from_utf8_lossy(e.as_bytes()).into_owned()),
        },
        Err(e) => {
            problems.push(Problem::new(path, format!("cannot read: {e}")));
            None
        }
    }
}

fn sorted_entries(dir: &Path, problems: &mut Vec<Problem>) -> Vec<PathBuf> {
    match fs::read_dir(dir) {
        Ok(entries) => {
            let mut paths: Vec<PathBuf> =
                entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
            paths.sort();
            paths
        }
        Err(e) => {
            problems.push(Problem::new(dir, format!("cannot list: {e}")));
            Vec::new()
        }
    }
}

fn parse_yaml_map(
    path: &Path,
    text: &str,
    problems: &mut Vec<Problem>,
) -> Option<serde_json::Map<String, Json>> {
    match cks_checks::yaml::parse_one(text) {
        Ok(Json::Object(map)) => Some(map),
        Ok(Json::Null) => Some(serde_json::Map::new()),
        Ok(_) => {
            problems.push(Problem::new(path, "expected a mapping of key: value"));
            None
        }
        Err(e) => {
            problems.push(Problem::new(path, e));
            None
        }
    }
}

/// Load a snapshot folder. All problems are returned together.
pub fn load(dir: &Path) -> Result<Snapshot, Vec<Problem>> {
    let mut problems = Vec::new();
    let mut snapshot = Snapshot::default();
    if !dir.is_dir() {
        return Err(vec![Problem::new(dir, "snapshot folder does not exist")]);
    }
    for entry in sorted_entries(dir, &mut problems) {
        let name = entry
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default()
            .to_owned();
        match name.as_str() {
            "objects" if entry.is_dir() => load_objects(&entry, &mut snapshot, &mut problems),
            "nodes" if entry.is_dir() => load_nodes(&entry, &mut snapshot, &mut problems),
            "commands" if entry.is_dir() => load_commands(&entry, &mut snapshot, &mut problems),
            "probes" if entry.is_dir() => load_probes(&entry, &mut snapshot, &mut problems),
            "logs" if entry.is_dir() => {
                for node_dir in sorted_entries(&entry, &mut problems) {
                    if !node_dir.is_dir() {
                        problems.push(Problem::new(&node_dir, "logs/ holds one folder per node"));
                        continue;
                    }
                    let node = node_dir
                        .file_name()
                        .and_then(|n| n.to_str())
                        .unwrap_or_default()
                        .to_owned();
                    let mut files = BTreeMap::new();
                    walk_node(&node_dir, &node_dir, &mut files, &mut problems);
                    snapshot.logs.entry(node).or_default().extend(
                        files
                            .into_iter()
                            .map(|(path, f)| (path, f.content.unwrap_or_default())),
                    );
                }
            }
            "trigger.yaml" => {
                if let Some(text) = read_text(&entry, &mut problems) {
                    match serde_saphyr::from_str::<BTreeMap<String, cks_checks::TriggerRecord>>(&text)
                    {
                        Ok(map) => snapshot.triggers = map,
                        Err(e) => problems.push(
                            Problem::new(&entry, e.to_string())
                                .help("expected check-id: {at: RFC 3339 time, auditIds: [...], action: text}"),
                        ),
                    }
                }
            }
            "answers.yaml" => {
                if let Some(text) = read_text(&entry, &mut problems)
                    && let Some(map) = parse_yaml_map(&entry, &text, &mut problems)
                {
                    let answers = map
                        .into_iter()
                        .map(|(k, v)| {
                            let v = match v {
                                Json::String(s) => s,
                                other => other.to_string(),
                            };
                            (k, v)
                        })
                        .collect();
                    snapshot.answers = Some(answers);
                }
            }
            "params.yaml" => {
                if let Some(text) = read_text(&entry, &mut problems)
                    && let Some(map) = parse_yaml_map(&entry, &text, &mut problems)
                {
                    snapshot.params = map.into_iter().collect();
                }
            }
            "README.md" | ".gitkeep" => {}
            _ => problems.push(
                Problem::new(&entry, "unexpected entry in a snapshot folder")
                    .help("expected objects/, nodes/, commands/, probes/, logs/, trigger.yaml, answers.yaml, params.yaml"),
            ),
        }
    }
    if problems.is_empty() {
        Ok(snapshot)
    } else {
        Err(problems)
    }
}

fn load_objects(dir: &Path, snapshot: &mut Snapshot, problems: &mut Vec<Problem>) {
    for path in sorted_entries(dir, problems) {
        let ext = path
            .extension()
            .and_then(|e| e.to_str())
            .unwrap_or_default();
        if !path.is_file() || !matches!(ext, "yaml" | "yml" | "json") {
            problems.push(Problem::new(
                &path,
                "objects/ holds only .yaml, .yml or .json files",
            ));
            continue;
        }
        let Some(text) = read_text(&path, problems) else {
            continue;
        };
        match cks_checks::yaml::parse_objects(&text) {
            Ok(objects) => {
                for (i, object) in objects.into_iter().enumerate() {
                    if object.get("kind").and_then(Json::as_str).is_none()
                        || object.get("apiVersion").and_then(Json::as_str).is_none()
                    {
                        problems.push(Problem::new(
                            &path,
                            format!("document {} has no apiVersion or kind", i + 1),
                        ));
                        continue;
                    }
                    snapshot.objects.push(object);
                }
            }
            Err(e) => problems.push(Problem::new(&path, e)),
        }
    }
}

fn load_nodes(dir: &Path, snapshot: &mut Snapshot, problems: &mut Vec<Problem>) {
    let mut stats: Vec<(String, PathBuf)> = Vec::new();
    for entry in sorted_entries(dir, problems) {
        let name = entry
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default()
            .to_owned();
        if entry.is_dir() {
            let files = snapshot.nodes.entry(name.clone()).or_default();
            walk_node(&entry, &entry, files, problems);
        } else if let Some(node) = name.strip_suffix(".stat.yaml") {
            stats.push((node.to_owned(), entry));
        } else {
            problems.push(Problem::new(
                &entry,
                "nodes/ holds one folder per node and optional <node>.stat.yaml files",
            ));
        }
    }
    for (node, path) in stats {
        let Some(text) = read_text(&path, problems) else {
            continue;
        };
        let entries: BTreeMap<String, StatEntry> = match serde_saphyr::from_str(&text) {
            Ok(e) => e,
            Err(e) => {
                problems.push(Problem::new(&path, e.to_string()));
                continue;
            }
        };
        let files = snapshot.nodes.entry(node).or_default();
        for (file_path, stat) in entries {
            if !file_path.starts_with('/') {
                problems.push(Problem::new(
                    &path,
                    format!("{file_path:?} is not an absolute path"),
                ));
                continue;
            }
            let mode = match stat.mode.as_deref().map(|m| u32::from_str_radix(m, 8)) {
                Some(Err(_)) => {
                    problems.push(Problem::new(
                        &path,
                        format!("{file_path}: mode must be octal such as \"0600\""),
                    ));
                    continue;
                }
                Some(Ok(m)) => Some(m),
                None => None,
            };
            let file = files
                .entry(file_path.clone())
                .or_insert_with(NodeFile::missing);
            if !stat.exists {
                if file.content.is_some() {
                    problems.push(Problem::new(
                        &path,
                        format!("{file_path} is marked missing but its content is in the snapshot"),
                    ));
                }
                continue;
            }
            if file.content.is_none() {
                problems.push(Problem::new(
                    &path,
                    format!("{file_path} has a stat entry but no content in the snapshot"),
                ));
                continue;
            }
            file.mode = mode;
            file.uid = stat.uid;
            file.gid = stat.gid;
        }
    }
}

fn walk_node(
    root: &Path,
    dir: &Path,
    files: &mut BTreeMap<String, NodeFile>,
    problems: &mut Vec<Problem>,
) {
    for entry in sorted_entries(dir, problems) {
        if entry.is_dir() {
            walk_node(root, &entry, files, problems);
        } else if let Some(text) = read_text(&entry, problems) {
            let relative = entry.strip_prefix(root).unwrap_or(&entry);
            let absolute = format!("/{}", relative.to_string_lossy().replace('\\', "/"));
            files.insert(absolute, NodeFile::present(text));
        }
    }
}

fn load_probes(dir: &Path, snapshot: &mut Snapshot, problems: &mut Vec<Problem>) {
    for file in sorted_entries(dir, problems) {
        let Some(id) = file
            .file_name()
            .and_then(|n| n.to_str())
            .and_then(|n| n.strip_suffix(".yaml"))
            .map(str::to_owned)
        else {
            problems.push(Problem::new(
                &file,
                "probe results are <check-id>.yaml files",
            ));
            continue;
        };
        if let Some(text) = read_text(&file, problems) {
            match serde_saphyr::from_str::<cks_checks::ProbeResult>(&text) {
                Ok(result) => {
                    snapshot.probes.insert(id, result);
                }
                Err(e) => problems.push(
                    Problem::new(&file, e.to_string())
                        .help("expected exitCode, output, millis, command, client, at"),
                ),
            }
        }
    }
}

fn load_commands(dir: &Path, snapshot: &mut Snapshot, problems: &mut Vec<Problem>) {
    for node_dir in sorted_entries(dir, problems) {
        if !node_dir.is_dir() {
            problems.push(Problem::new(
                &node_dir,
                "commands/ holds one folder per node",
            ));
            continue;
        }
        let node = node_dir
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default()
            .to_owned();
        for file in sorted_entries(&node_dir, problems) {
            let Some(id) = file
                .file_name()
                .and_then(|n| n.to_str())
                .and_then(|n| n.strip_suffix(".txt"))
                .map(str::to_owned)
            else {
                problems.push(Problem::new(
                    &file,
                    "command outputs are <command-id>.txt files",
                ));
                continue;
            };
            if let Some(text) = read_text(&file, problems) {
                snapshot
                    .commands
                    .entry(node.clone())
                    .or_default()
                    .insert(id, text);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loads_every_part_and_names_bad_files() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        fs::create_dir_all(d.join("objects")).unwrap();
        fs::create_dir_all(d.join("nodes/control-plane/etc/kubernetes")).unwrap();
        fs::write(
            d.join("objects/a.yaml"),
            "apiVersion: v1\nkind: Namespace\nmetadata: {name: x}\n",
        )
        .unwrap();
        fs::write(
            d.join("nodes/control-plane/etc/kubernetes/admin.conf"),
            "secret",
        )
        .unwrap();
        fs::write(d.join("nodes/control-plane.stat.yaml"), "/etc/kubernetes/admin.conf: {mode: \"0600\", uid: 0, gid: 0}\n/etc/gone: {exists: false}\n").unwrap();
        fs::write(d.join("answers.yaml"), "pod: web-1\ncount: 3\n").unwrap();
        fs::write(d.join("params.yaml"), "ns: payments\n").unwrap();
        let s = load(d).unwrap();
        assert_eq!(s.objects.len(), 1);
        let f = s
            .node_file("control-plane", "/etc/kubernetes/admin.conf")
            .unwrap();
        assert_eq!((f.mode, f.uid), (Some(0o600), Some(0)));
        assert_eq!(
            s.node_file("control-plane", "/etc/gone").unwrap().content,
            None
        );
        assert_eq!(s.answers.as_ref().unwrap()["count"], "3");
        assert_eq!(s.params["ns"], "payments");

        fs::write(d.join("objects/bad.yaml"), "kind: [unclosed\n").unwrap();
        fs::write(d.join("objects/noversion.yaml"), "kind: Pod\n").unwrap();
        fs::write(d.join("stray.txt"), "x").unwrap();
        let problems = load(d).unwrap_err();
        let files: Vec<String> = problems
            .iter()
            .map(|p| p.file.file_name().unwrap().to_string_lossy().into_owned())
            .collect();
        assert!(files.contains(&"bad.yaml".to_string()), "{problems:?}");
        assert!(
            files.contains(&"noversion.yaml".to_string()),
            "{problems:?}"
        );
        assert!(files.contains(&"stray.txt".to_string()), "{problems:?}");
    }

    #[test]
    fn a_missing_folder_is_an_error() {
        assert!(load(Path::new("/definitely/not/here")).is_err());
    }
}
