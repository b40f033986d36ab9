//! The author view's use cases: check a lab folder (lint, offline self-test, task preview) and
//! watch it, re-checking whenever one of its files changes.

use std::path::{Path, PathBuf};
use std::sync::mpsc::{self, RecvTimeoutError};
use std::time::Duration;

use cks_checks::Score;
use cks_labs::Problem;
use notify::{RecursiveMode, Watcher};
use serde::Serialize;

use crate::AppError;
use crate::dto::FixtureRole;

/// Changes closer together than this are checked once.
const SETTLE: Duration = Duration::from_millis(200);

/// Every lab under a folder, checked.
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
pub struct AuthorReport {
    pub path: String,
    pub labs: Vec<AuthorLab>,
    /// RFC 3339.
    pub checked_at: String,
}

/// One lab folder, checked.
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
pub struct AuthorLab {
    pub dir: String,
    pub id: Option<String>,
    pub title: Option<String>,
    /// Lint problems (empty when the lab loads).
    pub problems: Vec<Problem>,
    /// `None` when the lab does not load.
    pub self_test: Option<SelfTestView>,
    /// The task for sample params, sanitized.
    pub task_html: Option<String>,
}

#[derive(Debug, Clone, Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
pub struct SelfTestView {
    pub passed: bool,
    pub fixtures: Vec<FixtureView>,
}

#[derive(Debug, Clone, Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
pub struct FixtureView {
    /// Inside the lab folder, e.g. `fixtures/broken`.
    pub path: String,
    pub kind: FixtureRole,
    pub passed: bool,
    /// What went wrong, empty when the fixture behaved as its kind demands.
    pub failures: Vec<String>,
    pub score: u32,
    pub of: u32,
}

fn now_rfc3339() -> String {
    time::OffsetDateTime::now_utc()
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}

/// Lint, self-test and preview every lab under `path` (one lab folder or a folder of labs).
pub fn author_check(path: &Path) -> Result<AuthorReport, AppError> {
    let lints = crate::lint(&[path.to_path_buf()])?;
    let labs = lints
        .into_iter()
        .map(|lint| {
            let dir = lint.dir.clone();
            let mut lab = AuthorLab {
                dir: dir.display().to_string(),
                id: lint.id.clone(),
                title: None,
                problems: lint.problems,
                self_test: None,
                task_html: None,
            };
            if let Ok(loaded) = cks_labs::load(&dir) {
                lab.title = Some(loaded.lab.title.clone());
                let params = loaded.draw_params(0);
                match loaded.render(&params) {
                    Ok(rendered) => {
                        lab.task_html =
                            Some(cks_content::lessons::markdown_to_safe_html(&rendered.task));
                    }
                    Err(problems) => lab.problems.extend(problems),
                }
                let test = cks_labs::selftest::self_test(&loaded);
                lab.self_test = Some(SelfTestView {
                    passed: test.passed(),
                    fixtures: test
                        .fixtures
                        .iter()
                        .map(|f| {
                            let score = Score::of(&f.outcomes);
                            FixtureView {
                                path: f
                                    .path
                                    .strip_prefix(&dir)
                                    .unwrap_or(&f.path)
                                    .display()
                                    .to_string(),
                                kind: f.kind.into(),
                                passed: f.failures.is_empty(),
                                failures: f.failures.clone(),
                                score: score.awarded,
                                of: score.possible,
                            }
                        })
                        .collect(),
                });
            }
            lab
        })
        .collect();
    Ok(AuthorReport {
        path: path.display().to_string(),
        labs,
        checked_at: now_rfc3339(),
    })
}

/// A folder being watched; dropping it stops the watch.
pub struct AuthorWatch {
    _watcher: notify::RecommendedWatcher,
    pub path: PathBuf,
}

impl std::fmt::Debug for AuthorWatch {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AuthorWatch")
            .field("path", &self.path)
            .finish()
    }
}

/// Watch `path`: `sink` gets a fresh check after every burst of changes to its files (and the
/// error, readable, when a check fails — e.g. the folder was deleted).
pub fn author_watch(
    path: &Path,
    sink: impl Fn(Result<AuthorReport, String>) + Send + 'static,
) -> Result<AuthorWatch, AppError> {
    if !path.is_dir() {
        return Err(AppError::PathNotFound(path.to_path_buf()));
    }
    let (tx, rx) = mpsc::channel::<()>();
    let mut watcher = notify::recommended_watcher(move |event: notify::Result<notify::Event>| {
        if let Ok(event) = event
            && !event.kind.is_access()
        {
            let _ = tx.send(());
        }
    })
    .map_err(|e| AppError::Watch {
        path: path.to_path_buf(),
        message: e.to_string(),
    })?;
    watcher
        .watch(path, RecursiveMode::Recursive)
        .map_err(|e| AppError::Watch {
            path: path.to_path_buf(),
            message: e.to_string(),
        })?;
    let root = path.to_path_buf();
    std::thread::Builder::new()
        .name("author-watch".into())
        .spawn(move || {
            // Ends when the watcher (and with it the sender) is dropped.
            while rx.recv().is_ok() {
                loop {
                    match rx.recv_timeout(SETTLE) {
                        Ok(()) => continue,
                        Err(RecvTimeoutError::Timeout) => break,
                        Err(RecvTimeoutError::Disconnected) => return,
                    }
                }
                sink(author_check(&root).map_err(|e| e.to_string()));
            }
        })
        .map_err(|e| AppError::Watch {
            path: path.to_path_buf(),
            message: e.to_string(),
        })?;
    Ok(AuthorWatch {
        _watcher: watcher,
        path: path.to_path_buf(),
    })
}
