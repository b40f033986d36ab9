//! Node access: read files (with mode and owner) and change them with a backup that reset
//! restores. Two transports: a container engine (`docker exec` into kind's node containers) and
//! a local directory laid out like a kubeadm node (the directory-node test tier).

use std::path::{Path, PathBuf};
use std::process::Command;

use cks_checks::NodeFile;

use crate::ClusterError;

/// What the grader and the setup need from a node.
pub trait NodeAccess: Send + Sync + std::fmt::Debug {
    /// The node's name as labs know it (`control-plane`, `worker`).
    fn name(&self) -> &str;
    /// A file with its mode and owner; `content: None` when it does not exist.
    fn read(&self, path: &str) -> Result<NodeFile, ClusterError>;
    fn write(&self, path: &str, content: &str, mode: Option<u32>) -> Result<(), ClusterError>;
    fn remove(&self, path: &str) -> Result<(), ClusterError>;
}

fn node_err(node: &str, path: &str, e: impl std::fmt::Display) -> ClusterError {
    ClusterError::Api {
        what: format!("{node}:{path}"),
        message: e.to_string(),
    }
}

/// A directory standing in for a node: `<root>/<absolute path>`.
#[derive(Debug, Clone)]
pub struct DirNode {
    name: String,
    root: PathBuf,
}

impl DirNode {
    pub fn new(name: &str, root: &Path) -> DirNode {
        DirNode {
            name: name.to_owned(),
            root: root.to_path_buf(),
        }
    }

    fn host_path(&self, path: &str) -> Result<PathBuf, ClusterError> {
        let rel = path.trim_start_matches('/');
        if !path.starts_with('/') || rel.split('/').any(|c| c == "..") {
            return Err(node_err(
                &self.name,
                path,
                "node paths are absolute and may not use ..",
            ));
        }
        Ok(self.root.join(rel))
    }
}

impl NodeAccess for DirNode {
    fn name(&self) -> &str {
        &self.name
    }
    fn read(&self, path: &str) -> Result<NodeFile, ClusterError> {
        let p = self.host_path(path)?;
        match std::fs::read(&p) {
            Ok(bytes) => {
                use std::os::unix::fs::MetadataExt;
                let meta = std::fs::metadata(&p).map_err(|e| node_err(&self.name, path, e))?;
                Ok(NodeFile {
                    content: Some(String::from_utf8_lossy(&bytes).into_owned()),
                    mode: Some(meta.mode() & 0o7777),
                    uid: Some(meta.uid()),
                    gid: Some(meta.gid()),
                })
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(NodeFile::missing()),
            Err(e) => Err(node_err(&self.name, path, e)),
        }
    }
    fn write(&self, path: &str, content: &str, mode: Option<u32>) -> Result<(), ClusterError> {
        let p = self.host_path(path)?;
        if let Some(dir) = p.parent() {
            std::fs::create_dir_all(dir).map_err(|e| node_err(&self.name, path, e))?;
        }
        let tmp = p.with_extension("ckslab-tmp");
        std::fs::write(&tmp, content)
            .and_then(|()| std::fs::rename(&tmp, &p))
            .map_err(|e| node_err(&self.name, path, e))?;
        if let Some(mode) = mode {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&p, std::fs::Permissions::from_mode(mode))
                .map_err(|e| node_err(&self.name, path, e))?;
        }
        Ok(())
    }
    fn remove(&self, path: &str) -> Result<(), ClusterError> {
        match std::fs::remove_file(self.host_path(path)?) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
                Err(node_err(&self.name, path, e))
            }
            _ => Ok(()),
        }
    }
}

/// A kind node: a container reached with `docker exec` (or `podman exec`).
#[derive(Debug, Clone)]
pub struct ContainerNode {
    name: String,
    container: String,
    engine: String,
}

impl ContainerNode {
    /// `kind` names node containers `<cluster>-control-plane`, `<cluster>-worker`.
    pub fn kind_node(engine: &str, cluster: &str, node: &str) -> ContainerNode {
        ContainerNode {
            name: node.to_owned(),
            container: format!("{cluster}-{node}"),
            engine: engine.to_owned(),
        }
    }

    fn exec(
        &self,
        args: &[&str],
        stdin: Option<&str>,
    ) -> Result<std::process::Output, ClusterError> {
        use std::io::Write;
        let mut cmd = Command::new(&self.engine);
        cmd.arg("exec")
            .args(if stdin.is_some() { vec!["-i"] } else { vec![] })
            .arg(&self.container)
            .args(args);
        cmd.stdin(if stdin.is_some() {
            std::process::Stdio::piped()
        } else {
            std::process::Stdio::null()
        });
        cmd.stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped());
        let mut child = cmd.spawn().map_err(|e| ClusterError::Unreachable {
            server: self.container.clone(),
            message: format!("{} exec: {e} (is {} running?)", self.engine, self.engine),
        })?;
        if let (Some(input), Some(mut pipe)) = (stdin, child.stdin.take()) {
            pipe.write_all(input.as_bytes())
                .map_err(|e| node_err(&self.name, "stdin", e))?;
        }
        child
            .wait_with_output()
            .map_err(|e| node_err(&self.name, "exec", e))
    }
}

impl NodeAccess for ContainerNode {
    fn name(&self) -> &str {
        &self.name
    }
    fn read(&self, path: &str) -> Result<NodeFile, ClusterError> {
        let stat = self.exec(&["stat", "-c", "%a %u %g", path], None)?;
        if !stat.status.success() {
            return Ok(NodeFile::missing());
        }
        let text = String::from_utf8_lossy(&stat.stdout).into_owned();
        let parts: Vec<&str> = text.split_whitespace().collect();
        let content = self.exec(&["cat", path], None)?;
        if !content.status.success() {
            return Err(node_err(
                &self.name,
                path,
                String::from_utf8_lossy(&content.stderr),
            ));
        }
        Ok(NodeFile {
            content: Some(String::from_utf8_lossy(&content.stdout).into_owned()),
            mode: parts.first().and_then(|m| u32::from_str_radix(m, 8).ok()),
            uid: parts.get(1).and_then(|u| u.parse().ok()),
            gid: parts.get(2).and_then(|g| g.parse().ok()),
        })
    }
    fn write(&self, path: &str, content: &str, mode: Option<u32>) -> Result<(), ClusterError> {
        let script = match mode {
            Some(m) => format!(
                "mkdir -p \"$(dirname '{path}')\" && cat > '{path}.ckslab-tmp' && chmod {m:o} '{path}.ckslab-tmp' && mv '{path}.ckslab-tmp' '{path}'"
            ),
            None => format!(
                "mkdir -p \"$(dirname '{path}')\" && cat > '{path}.ckslab-tmp' && mv '{path}.ckslab-tmp' '{path}'"
            ),
        };
        if path.contains('\'') {
            return Err(node_err(
                &self.name,
                path,
                "paths with quotes are not supported",
            ));
        }
        let out = self.exec(&["sh", "-c", &script], Some(content))?;
        if out.status.success() {
            Ok(())
        } else {
            Err(node_err(
                &self.name,
                path,
                String::from_utf8_lossy(&out.stderr),
            ))
        }
    }
    fn remove(&self, path: &str) -> Result<(), ClusterError> {
        let out = self.exec(&["rm", "-f", path], None)?;
        if out.status.success() {
            Ok(())
        } else {
            Err(node_err(
                &self.name,
                path,
                String::from_utf8_lossy(&out.stderr),
            ))
        }
    }
}

/// `path` + `suffix` (not `with_extension`, which would replace `.conf` in `a.conf`).
fn with_suffix(path: &Path, suffix: &str) -> PathBuf {
    let mut s = path.as_os_str().to_owned();
    s.push(suffix);
    PathBuf::from(s)
}

const ABSENT: &str = ".ckslab-absent";
const META: &str = ".ckslab-meta";

/// Backups of node files a lab changed, kept under the data directory, so reset can restore
/// them (or delete files the lab created).
#[derive(Debug, Clone)]
pub struct NodeBackups {
    dir: PathBuf,
}

impl NodeBackups {
    pub fn new(data_dir: &Path, lab_id: &str) -> NodeBackups {
        NodeBackups {
            dir: data_dir.join("node-backups").join(lab_id),
        }
    }

    fn entry(&self, node: &str, path: &str) -> PathBuf {
        self.dir.join(node).join(path.trim_start_matches('/'))
    }

    /// Save the current state of a file once (the first change wins: that is the original).
    pub fn save(&self, node: &dyn NodeAccess, path: &str) -> Result<(), ClusterError> {
        let entry = self.entry(node.name(), path);
        let missing_marker = with_suffix(&entry, ABSENT);
        if entry.exists() || missing_marker.exists() {
            return Ok(());
        }
        let file = node.read(path)?;
        let target = if file.content.is_some() {
            &entry
        } else {
            &missing_marker
        };
        if let Some(dir) = target.parent() {
            std::fs::create_dir_all(dir).map_err(|e| node_err(node.name(), path, e))?;
        }
        let meta = serde_json::json!({"mode": file.mode});
        std::fs::write(with_suffix(&entry, META), meta.to_string())
            .map_err(|e| node_err(node.name(), path, e))?;
        std::fs::write(target, file.content.unwrap_or_default())
            .map_err(|e| node_err(node.name(), path, e))
    }

    /// Put every saved file back and forget the backups. Returns how many files were restored.
    pub fn restore(&self, nodes: &[&dyn NodeAccess]) -> Result<usize, ClusterError> {
        let mut restored = 0;
        for node in nodes {
            let root = self.dir.join(node.name());
            let mut stack = vec![root.clone()];
            while let Some(dir) = stack.pop() {
                let Ok(entries) = std::fs::read_dir(&dir) else {
                    continue;
                };
                for entry in entries.filter_map(Result::ok).map(|e| e.path()) {
                    if entry.is_dir() {
                        stack.push(entry);
                        continue;
                    }
                    let rel = entry
                        .strip_prefix(&root)
                        .unwrap_or(&entry)
                        .to_string_lossy()
                        .into_owned();
                    if rel.ends_with(META) {
                        continue;
                    }
                    if let Some(original) = rel.strip_suffix(ABSENT) {
                        node.remove(&format!("/{original}"))?;
                    } else {
                        let path = format!("/{rel}");
                        let content = std::fs::read_to_string(&entry)
                            .map_err(|e| node_err(node.name(), &path, e))?;
                        let mode = std::fs::read_to_string(with_suffix(&entry, META))
                            .ok()
                            .and_then(|m| serde_json::from_str::<serde_json::Value>(&m).ok())
                            .and_then(|m| m["mode"].as_u64())
                            .and_then(|m| u32::try_from(m).ok());
                        node.write(&path, &content, mode)?;
                    }
                    restored += 1;
                }
            }
        }
        let _ = std::fs::remove_dir_all(&self.dir);
        Ok(restored)
    }
}

/// Set or remove flags of a static-pod manifest, editing the text so the rest of the file
/// (comments, order, formatting) stays as it was. `set` items are `--flag=value` (or bare
/// `--flag`): an existing occurrence is replaced, else the flag is appended after the last one.
/// `remove` items are `--flag` (every occurrence) or `--flag=value` (that exact item).
pub fn patch_flags(manifest: &str, set: &[String], remove: &[String]) -> Result<String, String> {
    let mut lines: Vec<String> = manifest.lines().map(str::to_owned).collect();
    let flag_of = |item: &str| item.split('=').next().unwrap_or(item).to_owned();
    let item_of = |line: &str| -> Option<(String, String)> {
        let trimmed = line.trim_start();
        let rest = trimmed.strip_prefix("- ")?.trim();
        let unquoted = rest.trim_matches('"').trim_matches('\'');
        unquoted.starts_with("--").then(|| {
            (
                line[..line.len() - trimmed.len()].to_owned(),
                unquoted.to_owned(),
            )
        })
    };
    for r in remove {
        let exact = r.contains('=');
        lines.retain(|l| match item_of(l) {
            Some((_, item)) => {
                if exact {
                    item != *r
                } else {
                    flag_of(&item) != *r
                }
            }
            None => true,
        });
    }
    for s in set {
        let flag = flag_of(s);
        let positions: Vec<usize> = lines
            .iter()
            .enumerate()
            .filter(|(_, l)| item_of(l).is_some_and(|(_, item)| flag_of(&item) == flag))
            .map(|(i, _)| i)
            .collect();
        if let Some((&first, rest)) = positions.split_first() {
            let (indent, _) = item_of(&lines[first]).unwrap_or_default();
            lines[first] = format!("{indent}- {s}");
            for &i in rest.iter().rev() {
                lines.remove(i);
            }
        } else {
            let last = lines
                .iter()
                .rposition(|l| item_of(l).is_some())
                .ok_or("the manifest has no command-line flags to add to")?;
            let (indent, _) = item_of(&lines[last]).unwrap_or_default();
            lines.insert(last + 1, format!("{indent}- {s}"));
        }
    }
    let mut out = lines.join("\n");
    if manifest.ends_with('\n') {
        out.push('\n');
    }
    cks_checks::yaml::parse_one(&out)
        .map_err(|e| format!("the patched manifest does not parse: {e}"))?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    const MANIFEST: &str = "apiVersion: v1\nkind: Pod\nspec:\n  containers:\n  - command:\n    - kube-apiserver\n    - --authorization-mode=Node,RBAC\n    - --profiling=true\n    - --secure-port=6443\n    image: x\n    name: kube-apiserver\n";

    #[test]
    fn flags_are_set_replaced_removed_and_appended_in_place() {
        let out = patch_flags(
            MANIFEST,
            &[
                "--authorization-mode=AlwaysAllow".into(),
                "--enable-admission-plugins=AlwaysAdmit".into(),
            ],
            &["--profiling".into()],
        )
        .unwrap();
        assert!(
            out.contains("    - --authorization-mode=AlwaysAllow\n"),
            "{out}"
        );
        assert!(!out.contains("--profiling"), "{out}");
        assert!(out.contains("    - --secure-port=6443\n    - --enable-admission-plugins=AlwaysAdmit\n    image: x"), "{out}");
        let back = patch_flags(
            &out,
            &["--authorization-mode=Node,RBAC".into()],
            &["--enable-admission-plugins=AlwaysAdmit".into()],
        )
        .unwrap();
        assert!(
            back.contains("--authorization-mode=Node,RBAC") && !back.contains("AlwaysAdmit"),
            "{back}"
        );
    }

    #[test]
    fn directory_nodes_read_write_and_backups_restore() {
        let dir = tempfile::tempdir().unwrap();
        let node = DirNode::new("control-plane", dir.path());
        node.write("/etc/kubernetes/manifests/a.yaml", "one", Some(0o600))
            .unwrap();
        let f = node.read("/etc/kubernetes/manifests/a.yaml").unwrap();
        assert_eq!((f.content.as_deref(), f.mode), (Some("one"), Some(0o600)));
        assert_eq!(node.read("/nope").unwrap().content, None);
        assert!(node.read("/../../etc/passwd").is_err());

        let data = tempfile::tempdir().unwrap();
        let backups = NodeBackups::new(data.path(), "lab");
        backups
            .save(&node, "/etc/kubernetes/manifests/a.yaml")
            .unwrap();
        backups.save(&node, "/etc/new.conf").unwrap();
        node.write("/etc/kubernetes/manifests/a.yaml", "changed", Some(0o644))
            .unwrap();
        node.write("/etc/new.conf", "created", None).unwrap();
        backups
            .save(&node, "/etc/kubernetes/manifests/a.yaml")
            .unwrap(); // the original is kept
        assert_eq!(backups.restore(&[&node]).unwrap(), 2);
        let f = node.read("/etc/kubernetes/manifests/a.yaml").unwrap();
        assert_eq!((f.content.as_deref(), f.mode), (Some("one"), Some(0o600)));
        assert_eq!(node.read("/etc/new.conf").unwrap().content, None);
    }
}
