//! Lab packs: a folder, a `.tar.gz` or a git repository with `pack.yaml`, installed under the
//! data folder after every check passed (nothing is installed otherwise). Pack labs are
//! addressed as `<pack-id>.<lab-id>`, so they never clash with the shipped labs or another pack.
//!
//! A pack declares setup; it never runs commands on the learner's machine: its labs may apply
//! manifests, wait and change node files, but not run `kubectl` steps (kubectl can write host
//! files, e.g. `kubectl cp`), and the pack may not hold symlinks.

use std::path::{Component, Path, PathBuf};

use cks_labs::Problem;
use cks_labs::model::Step;
use serde::{Deserialize, Serialize};

use crate::{App, AppError};

/// `pack.yaml`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PackManifest {
    pub id: String,
    pub name: String,
    pub version: String,
    pub author: String,
    /// Lab folders, relative to the pack.
    pub labs: Vec<String>,
    /// Exam files (`exams/*.yaml` format), relative to the pack; their tasks name the pack's labs
    /// by their id inside the pack (or shipped labs by their id). Offered as `<pack>.<exam>`.
    #[serde(default)]
    pub exams: Vec<String>,
}

/// An installed pack.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
pub struct InstalledPack {
    pub id: String,
    pub name: String,
    pub version: String,
    pub author: String,
    /// Where it came from (a path or a git URL), for `packs update`.
    pub source: String,
    pub installed_at: String,
    /// Lab ids as the app knows them (`<pack-id>.<lab-id>`).
    pub labs: Vec<String>,
}

const META: &str = ".ckslab-pack.json";

fn kebab(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= 40
        && id
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        && !id.starts_with('-')
        && !id.ends_with('-')
}

/// A relative path that stays inside its folder (no `..`, no root, no prefix).
fn inside(path: &str) -> bool {
    let p = Path::new(path);
    !path.is_empty()
        && p.components()
            .all(|c| matches!(c, Component::Normal(_) | Component::CurDir))
}

fn copy_tree(from: &Path, to: &Path, problems: &mut Vec<Problem>) {
    let _ = std::fs::create_dir_all(to);
    let Ok(entries) = std::fs::read_dir(from) else {
        problems.push(Problem::new(from, "cannot read this folder"));
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        let name = entry.file_name();
        if name == ".git" {
            continue;
        }
        let Ok(kind) = entry.file_type() else {
            continue;
        };
        if kind.is_symlink() {
            problems.push(
                Problem::new(&path, "a pack may not contain symlinks")
                    .help("replace the link with the file it points to"),
            );
        } else if kind.is_dir() {
            copy_tree(&path, &to.join(&name), problems);
        } else if let Err(e) = std::fs::copy(&path, to.join(&name)) {
            problems.push(Problem::new(&path, format!("cannot copy: {e}")));
        }
    }
}

/// Unpack a `.tar.gz` into `to`, refusing links, devices and paths that leave the folder.
fn untar(archive: &Path, to: &Path, problems: &mut Vec<Problem>) {
    let file = match std::fs::File::open(archive) {
        Ok(f) => f,
        Err(e) => {
            problems.push(Problem::new(archive, format!("cannot open: {e}")));
            return;
        }
    };
    let mut tar = tar::Archive::new(flate2::read::GzDecoder::new(file));
    let entries = match tar.entries() {
        Ok(e) => e,
        Err(e) => {
            problems.push(Problem::new(archive, format!("not a .tar.gz archive: {e}")));
            return;
        }
    };
    for entry in entries {
        let mut entry = match entry {
            Ok(e) => e,
            Err(e) => {
                problems.push(Problem::new(archive, format!("broken archive: {e}")));
                return;
            }
        };
        let path = match entry.path() {
            Ok(p) => p.into_owned(),
            Err(e) => {
                problems.push(Problem::new(archive, format!("bad entry name: {e}")));
                continue;
            }
        };
        let shown = path.display().to_string();
        let kind = entry.header().entry_type();
        if !inside(&shown) {
            problems.push(Problem::new(
                archive,
                format!("entry {shown:?} escapes the pack folder"),
            ));
            continue;
        }
        if kind.is_dir() {
            let _ = std::fs::create_dir_all(to.join(&path));
        } else if kind.is_file() {
            if let Some(parent) = to.join(&path).parent() {
                let _ = std::fs::create_dir_all(parent);
            }
            if let Err(e) = entry.unpack(to.join(&path)) {
                problems.push(Problem::new(archive, format!("cannot unpack {shown}: {e}")));
            }
        } else if kind.is_pax_global_extensions() || kind.is_pax_local_extensions() {
            // Metadata for other entries: nothing to unpack.
        } else {
            problems.push(Problem::new(
                archive,
                format!(
                    "entry {shown:?} is a link or special file; a pack holds only files and folders"
                ),
            ));
        }
    }
}

fn is_git_url(source: &str) -> bool {
    source.starts_with("https://")
        || source.starts_with("http://")
        || source.starts_with("git@")
        || source.starts_with("ssh://")
        || source.starts_with("file://")
        || source.ends_with(".git")
}

/// Fetch a pack source into `to` (a fresh folder).
fn fetch(source: &str, to: &Path) -> Result<(), Vec<Problem>> {
    let mut problems = Vec::new();
    let path = Path::new(source);
    if path.is_dir() {
        copy_tree(path, to, &mut problems);
    } else if path.is_file() {
        untar(path, to, &mut problems);
    } else if is_git_url(source) {
        let out = std::process::Command::new("git")
            .args(["clone", "--depth", "1", "--quiet", "--"])
            .arg(source)
            .arg(to.with_extension("clone"))
            .env("GIT_TERMINAL_PROMPT", "0")
            .output();
        match out {
            Ok(o) if o.status.success() => {
                // Cloned next to the staging folder, so a pack's own `repo/` folder is safe.
                let repo = to.with_extension("clone");
                copy_tree(&repo, to, &mut problems);
                let _ = std::fs::remove_dir_all(&repo);
            }
            Ok(o) => problems.push(Problem::new(
                source,
                format!(
                    "git clone failed: {}",
                    String::from_utf8_lossy(&o.stderr).trim()
                ),
            )),
            Err(e) => problems.push(
                Problem::new(source, format!("cannot run git: {e}"))
                    .help("install git, or pass a folder or a .tar.gz"),
            ),
        }
    } else {
        problems.push(
            Problem::new(source, "no such folder or file, and not a git URL")
                .help("a pack is a folder, a .tar.gz, or a git repository URL"),
        );
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(problems)
    }
}

/// Every check a pack must pass, all problems at once: the manifest, its paths, each lab's
/// lint and self-test, and the no-commands rule.
pub fn check_pack(root: &Path) -> Result<PackManifest, Vec<Problem>> {
    let file = root.join("pack.yaml");
    let text = std::fs::read_to_string(&file)
        .map_err(|e| vec![Problem::new(&file, format!("cannot read pack.yaml: {e}"))])?;
    let manifest: PackManifest = serde_saphyr::from_str(&text).map_err(|e| {
        let problem = Problem::new(&file, e.without_snippet().to_string());
        vec![match e.location() {
            Some(l) => problem.at(l.line() as usize, l.column() as usize),
            None => problem,
        }]
    })?;
    let mut problems = Vec::new();
    if !kebab(&manifest.id) {
        problems.push(
            Problem::new(&file, format!("id {:?} is not kebab-case", manifest.id))
                .field("id")
                .help("lowercase letters, digits and dashes, at most 40 characters"),
        );
    }
    if manifest.version.trim().is_empty() {
        problems.push(Problem::new(&file, "version is empty").field("version"));
    }
    if manifest.labs.is_empty() {
        problems.push(Problem::new(&file, "labs lists no lab folder").field("labs"));
    }
    let mut lab_ids = Vec::new();
    for (i, rel) in manifest.labs.iter().enumerate() {
        let field = format!("labs[{i}]");
        if !inside(rel) {
            problems.push(
                Problem::new(&file, format!("{rel:?} leaves the pack folder"))
                    .field(&field)
                    .help("lab folders are relative paths inside the pack"),
            );
            continue;
        }
        let dir = root.join(rel);
        if !dir.join("lab.yaml").is_file() {
            problems
                .push(Problem::new(&file, format!("{rel}/lab.yaml does not exist")).field(&field));
            continue;
        }
        match cks_labs::load(&dir) {
            Err(lab_problems) => problems.extend(lab_problems),
            Ok(loaded) => {
                let lab_file = dir.join("lab.yaml");
                for (list, steps) in [
                    ("setup", &loaded.lab.setup),
                    ("solution.steps", &loaded.lab.solution.steps),
                ] {
                    for (j, step) in steps.iter().enumerate() {
                        if matches!(step, Step::Kubectl(_)) {
                            problems.push(
                                Problem::new(&lab_file, "a pack's lab may not run kubectl steps")
                                    .field(format!("{list}[{j}]"))
                                    .help("declare the objects in a manifest and use `apply`"),
                            );
                        }
                    }
                }
                let namespaced = format!("{}.{}", manifest.id, loaded.lab.id);
                if namespaced.len() > 63 {
                    problems.push(
                        Problem::new(
                            &lab_file,
                            format!("{namespaced} is longer than 63 characters (a label value)"),
                        )
                        .field("id"),
                    );
                }
                if lab_ids.contains(&loaded.lab.id) {
                    problems.push(
                        Problem::new(
                            &lab_file,
                            format!("lab id {} appears twice in the pack", loaded.lab.id),
                        )
                        .field("id"),
                    );
                }
                lab_ids.push(loaded.lab.id.clone());
                let test = cks_labs::selftest::self_test(&loaded);
                for f in &test.fixtures {
                    for failure in &f.failures {
                        problems.push(Problem::new(
                            &f.path,
                            format!("self-test ({}): {failure}", f.kind.as_str()),
                        ));
                    }
                }
                if test.fixtures.is_empty() {
                    problems.push(Problem::new(
                        &lab_file,
                        "self-test: the lab has no fixtures",
                    ));
                }
            }
        }
    }
    for (i, rel) in manifest.exams.iter().enumerate() {
        if !inside(rel) || !root.join(rel).is_file() {
            problems.push(
                Problem::new(
                    &file,
                    format!("exam file {rel:?} is missing or outside the pack"),
                )
                .field(format!("exams[{i}]")),
            );
        }
    }
    if problems.is_empty() {
        Ok(manifest)
    } else {
        Err(problems)
    }
}

fn now() -> String {
    time::OffsetDateTime::now_utc()
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}

impl App {
    pub fn packs_dir(&self) -> PathBuf {
        self.config.data_dir.join("packs")
    }

    /// Every installed pack, by id.
    pub fn installed_packs(&self) -> Vec<InstalledPack> {
        let mut out: Vec<InstalledPack> = std::fs::read_dir(self.packs_dir())
            .into_iter()
            .flatten()
            .flatten()
            .filter(|e| !e.file_name().to_string_lossy().starts_with('.'))
            .filter_map(|e| std::fs::read_to_string(e.path().join(META)).ok())
            .filter_map(|t| serde_json::from_str(&t).ok())
            .collect();
        out.sort_by(|a, b| a.id.cmp(&b.id));
        out
    }

    /// A pack lab's folder: `<pack>.<lab>` → the folder its pack.yaml lists.
    pub(crate) fn pack_lab_dir(&self, id: &str) -> Option<PathBuf> {
        let (pack, lab) = id.split_once('.')?;
        if !kebab(pack) || !kebab(lab) {
            return None;
        }
        let root = self.packs_dir().join(pack);
        let manifest: PackManifest =
            serde_saphyr::from_str(&std::fs::read_to_string(root.join("pack.yaml")).ok()?).ok()?;
        manifest
            .labs
            .iter()
            .map(|rel| root.join(rel))
            .find(|dir| dir.file_name().is_some_and(|n| n == lab))
    }

    /// Every installed pack lab: (namespaced id, folder).
    pub(crate) fn pack_labs(&self) -> Vec<(String, PathBuf)> {
        self.installed_packs()
            .into_iter()
            .flat_map(|p| {
                p.labs
                    .into_iter()
                    .filter_map(|id| self.pack_lab_dir(&id).map(|dir| (id, dir)))
                    .collect::<Vec<_>>()
            })
            .collect()
    }

    /// Install a pack after every check passed; `replace` allows a pack id already installed
    /// (update). Nothing is installed when any check fails.
    fn install_pack(&self, source: &str, replace: Option<&str>) -> Result<InstalledPack, AppError> {
        let packs = self.packs_dir();
        std::fs::create_dir_all(&packs).map_err(|e| AppError::File {
            action: "create",
            path: packs.clone(),
            message: e.to_string(),
        })?;
        let staging = packs.join(format!(
            ".staging-{}-{}",
            std::process::id(),
            crate::fresh_seed()
        ));
        let result = (|| {
            // Every problem at once: what fetching refused (links, escaping entries) and what
            // the checks of whatever was fetched find.
            let mut problems = fetch(source, &staging).err().unwrap_or_default();
            let checked = if staging.join("pack.yaml").is_file() || problems.is_empty() {
                check_pack(&staging)
            } else {
                Err(Vec::new())
            };
            let manifest = match checked {
                Ok(m) if problems.is_empty() => m,
                Ok(_) => {
                    return Err(AppError::PackInvalid {
                        origin: source.to_owned(),
                        problems,
                    });
                }
                Err(more) => {
                    problems.extend(more);
                    return Err(AppError::PackInvalid {
                        origin: source.to_owned(),
                        problems,
                    });
                }
            };
            let target = packs.join(&manifest.id);
            if let Some(expected) = replace
                && manifest.id != expected
            {
                return Err(AppError::PackInvalid {
                    origin: source.to_owned(),
                    problems: vec![Problem::new(staging.join("pack.yaml"), format!(
                        "the source now holds pack {}, not {expected}; nothing was replaced",
                        manifest.id
                    ))
                    .field("id")],
                });
            }
            if target.exists() && replace.is_none() {
                return Err(AppError::PackInvalid {
                    origin: source.to_owned(),
                    problems: vec![
                        Problem::new(
                            staging.join("pack.yaml"),
                            format!("pack {} is already installed", manifest.id),
                        )
                        .field("id")
                        .help(format!("`ckslab packs update {}` replaces it", manifest.id)),
                    ],
                });
            }
            let labs: Vec<String> = manifest
                .labs
                .iter()
                .filter_map(|rel| Path::new(rel).file_name())
                .map(|n| format!("{}.{}", manifest.id, n.to_string_lossy()))
                .collect();
            let installed = InstalledPack {
                id: manifest.id.clone(),
                name: manifest.name.clone(),
                version: manifest.version.clone(),
                author: manifest.author.clone(),
                source: std::fs::canonicalize(source)
                    .map_or_else(|_| source.to_owned(), |p| p.display().to_string()),
                installed_at: now(),
                labs,
            };
            let meta = serde_json::to_string_pretty(&installed).unwrap_or_default();
            std::fs::write(staging.join(META), meta).map_err(|e| AppError::File {
                action: "write",
                path: staging.join(META),
                message: e.to_string(),
            })?;
            // Swap in: the old version moves aside first, so a failure leaves one of the two.
            let old = packs.join(format!(".old-{}", manifest.id));
            let _ = std::fs::remove_dir_all(&old);
            if target.exists() {
                std::fs::rename(&target, &old).map_err(|e| AppError::File {
                    action: "replace",
                    path: target.clone(),
                    message: e.to_string(),
                })?;
            }
            if let Err(e) = std::fs::rename(&staging, &target) {
                let _ = std::fs::rename(&old, &target);
                return Err(AppError::File {
                    action: "install",
                    path: target,
                    message: e.to_string(),
                });
            }
            let _ = std::fs::remove_dir_all(&old);
            Ok(installed)
        })();
        let _ = std::fs::remove_dir_all(&staging);
        // Problems name files in the staging folder, which is gone: point them at the source.
        result.map_err(|e| match e {
            AppError::PackInvalid { origin, problems } => AppError::PackInvalid {
                problems: problems
                    .into_iter()
                    .map(|mut p| {
                        if let Ok(rest) = p.file.strip_prefix(&staging) {
                            p.file = Path::new(&origin).join(rest);
                        }
                        p
                    })
                    .collect(),
                origin,
            },
            other => other,
        })
    }

    /// Install a pack from a folder, a `.tar.gz` or a git URL.
    pub fn add_pack(&self, source: &str) -> Result<InstalledPack, AppError> {
        self.install_pack(source, None)
    }

    /// Re-fetch an installed pack from where it came from and replace it (same checks).
    pub fn update_pack(&self, id: &str) -> Result<InstalledPack, AppError> {
        let pack = self
            .installed_packs()
            .into_iter()
            .find(|p| p.id == id)
            .ok_or_else(|| AppError::PackNotFound(id.to_owned()))?;
        self.install_pack(&pack.source, Some(id))
    }

    /// Remove an installed pack (its attempts stay in the progress store).
    pub fn remove_pack(&self, id: &str) -> Result<(), AppError> {
        if !kebab(id) || !self.packs_dir().join(id).join(META).is_file() {
            return Err(AppError::PackNotFound(id.to_owned()));
        }
        std::fs::remove_dir_all(self.packs_dir().join(id)).map_err(|e| AppError::File {
            action: "remove",
            path: self.packs_dir().join(id),
            message: e.to_string(),
        })
    }
}
