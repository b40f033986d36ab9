//! Views for the desktop app's webview: the use cases' results with every piece of markdown
//! already rendered to sanitized HTML, and numbers the webview can hold exactly (a `u64` seed
//! travels as a decimal string: JavaScript numbers lose precision above 2^53).

use std::collections::BTreeMap;

use cks_labs::selftest::FixtureKind;
use serde::Serialize;
use serde_json::Value as Json;

use crate::{App, AppError, LabDetail, StartReport, markdown_to_safe_html};

/// The role of one of a lab's fixture snapshots.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
pub enum FixtureRole {
    Broken,
    Solved,
    AlsoCorrect,
    Bypass,
}

impl From<FixtureKind> for FixtureRole {
    fn from(kind: FixtureKind) -> Self {
        match kind {
            FixtureKind::Broken => FixtureRole::Broken,
            FixtureKind::Solved => FixtureRole::Solved,
            FixtureKind::AlsoCorrect => FixtureRole::AlsoCorrect,
            FixtureKind::Bypass => FixtureRole::Bypass,
        }
    }
}

/// A snapshot folder of the lab and what it represents.
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
pub struct FixtureRef {
    /// Path inside the lab folder, e.g. `fixtures/broken`.
    pub path: String,
    pub kind: FixtureRole,
}

/// A lab to work on: its detail plus the task as sanitized HTML and its fixtures.
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
pub struct LabView {
    #[serde(flatten)]
    pub detail: LabDetail,
    pub task_html: String,
    pub fixtures: Vec<FixtureRef>,
}

/// A revealed hint, as sanitized HTML.
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
pub struct HintView {
    pub number: u32,
    pub of: u32,
    pub html: String,
    /// Points deducted so far on this attempt.
    pub total_penalty: u32,
}

/// The solution explanation, as sanitized HTML.
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
pub struct SolutionView {
    pub html: String,
}

/// An attempt on the cluster, with its task rendered for its params.
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
pub struct AttemptView {
    pub lab_id: String,
    pub attempt_id: i64,
    /// Decimal: replays the attempt's params with `ckslab start --seed`.
    pub seed: String,
    pub params: BTreeMap<String, Json>,
    pub task_html: String,
    /// RFC 3339.
    pub started_at: String,
    /// The setup's log (empty for an attempt started earlier).
    pub log: Vec<String>,
}

impl From<StartReport> for AttemptView {
    fn from(r: StartReport) -> Self {
        AttemptView {
            task_html: markdown_to_safe_html(&r.task_markdown),
            lab_id: r.lab_id,
            attempt_id: r.attempt_id,
            seed: r.seed.to_string(),
            params: r.params,
            started_at: r.started_at,
            log: r.log,
        }
    }
}

/// What an export wrote.
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
pub struct ExportSummary {
    pub path: String,
    pub attempts: u32,
    pub lessons_read: u32,
}

/// What the webview gets when a command fails: a stable code and a readable message (the
/// problems behind it, when there is a list, one per line).
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
pub struct CommandError {
    pub code: String,
    pub message: String,
}

impl CommandError {
    pub fn new(code: &str, message: impl Into<String>) -> Self {
        CommandError {
            code: code.to_owned(),
            message: message.into(),
        }
    }
}

impl From<AppError> for CommandError {
    fn from(e: AppError) -> Self {
        let mut message = e.to_string();
        for p in e.problems().iter().take(10) {
            message.push_str(&format!("\n• {p}"));
        }
        CommandError {
            code: e.code().to_owned(),
            message,
        }
    }
}

/// The app's version and folders.
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
pub struct AppInfo {
    pub version: String,
    pub data_dir: String,
    pub labs_dir: String,
    pub content_dir: String,
}

/// One line of progress of a long operation (cluster create, lab start, reset).
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
#[serde(tag = "kind", rename_all = "camelCase")]
pub enum ProgressEvent {
    Line { text: String },
}

/// What a terminal session reports to its view.
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
#[serde(tag = "kind", rename_all = "camelCase")]
pub enum TerminalMessage {
    /// Raw bytes, base64 (a `Vec<u8>` would travel as a JSON array of numbers).
    Output {
        data: String,
    },
    Exit {
        code: Option<u32>,
    },
}

/// A terminal that opened.
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
pub struct TerminalOpened {
    pub id: u32,
    pub title: String,
}

/// What a reset deleted.
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
pub struct ResetView {
    pub deleted: u32,
}

/// A watch's reports: a fresh check after each burst of changes, or why checking failed.
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
#[serde(tag = "kind", rename_all = "camelCase")]
pub enum AuthorMessage {
    Report { report: crate::AuthorReport },
    Error { message: String },
}

/// A watch that started.
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
pub struct WatchStarted {
    pub watch_id: u32,
}

impl App {
    /// The app's version and folders.
    pub fn app_info(&self) -> AppInfo {
        let c = self.config();
        AppInfo {
            version: env!("CARGO_PKG_VERSION").to_owned(),
            data_dir: c.data_dir.display().to_string(),
            labs_dir: c.labs_dir.display().to_string(),
            content_dir: c.content_dir.display().to_string(),
        }
    }

    /// The lab workspace's view of a lab.
    pub fn lab_view(&self, id: &str) -> Result<LabView, AppError> {
        let detail = self.show_lab(id)?;
        let loaded = self.lab(id)?;
        let f = &loaded.lab.fixtures;
        let mut fixtures = vec![
            FixtureRef {
                path: f.broken.clone(),
                kind: FixtureRole::Broken,
            },
            FixtureRef {
                path: f.solved.clone(),
                kind: FixtureRole::Solved,
            },
        ];
        fixtures.extend(f.also_correct.iter().map(|p| FixtureRef {
            path: p.clone(),
            kind: FixtureRole::AlsoCorrect,
        }));
        fixtures.extend(f.bypasses.iter().map(|p| FixtureRef {
            path: p.clone(),
            kind: FixtureRole::Bypass,
        }));
        Ok(LabView {
            task_html: markdown_to_safe_html(&detail.task_markdown),
            detail,
            fixtures,
        })
    }

    /// Grade one of the lab's own fixture snapshots (offline practice) and record it.
    pub async fn grade_fixture(
        &self,
        id: &str,
        fixture: &str,
    ) -> Result<crate::GradeReport, AppError> {
        let view = self.lab_view(id)?;
        if !view.fixtures.iter().any(|f| f.path == fixture) {
            let names: Vec<&str> = view.fixtures.iter().map(|f| f.path.as_str()).collect();
            return Err(AppError::FixtureNotFound {
                id: id.to_owned(),
                fixture: fixture.to_owned(),
                known: names.join(", "),
            });
        }
        let dir = self.lab(id)?.dir.join(fixture);
        self.grade_snapshot(id, &dir, None).await
    }

    pub async fn hint_view(&self, id: &str) -> Result<HintView, AppError> {
        let h = self.hint(id).await?;
        Ok(HintView {
            number: h.number,
            of: h.of,
            html: markdown_to_safe_html(&h.markdown),
            total_penalty: h.total_penalty,
        })
    }

    pub async fn solution_view(&self, id: &str) -> Result<SolutionView, AppError> {
        Ok(SolutionView {
            html: markdown_to_safe_html(&self.solution(id).await?),
        })
    }

    /// Write every attempt, grade and lesson status to a JSON file (atomically: a temporary
    /// file renamed into place, so a failed export never leaves half a file).
    pub async fn export_to(&self, path: &std::path::Path) -> Result<ExportSummary, AppError> {
        let export = self.export().await?;
        let file_error = |message: String| AppError::File {
            action: "write",
            path: path.to_path_buf(),
            message,
        };
        let text = serde_json::to_string_pretty(&export).map_err(|e| file_error(e.to_string()))?;
        let tmp = path.with_extension("json.partial");
        std::fs::write(&tmp, text).map_err(|e| file_error(e.to_string()))?;
        std::fs::rename(&tmp, path).map_err(|e| {
            let _ = std::fs::remove_file(&tmp);
            file_error(e.to_string())
        })?;
        Ok(ExportSummary {
            path: path.display().to_string(),
            attempts: u32::try_from(export.attempts.len()).unwrap_or(u32::MAX),
            lessons_read: u32::try_from(export.lessons.len()).unwrap_or(u32::MAX),
        })
    }

    /// Import a JSON export (attempts already present are skipped; one transaction).
    pub async fn import_from(
        &self,
        path: &std::path::Path,
    ) -> Result<crate::ImportSummary, AppError> {
        let text = std::fs::read_to_string(path).map_err(|e| AppError::File {
            action: "read",
            path: path.to_path_buf(),
            message: e.to_string(),
        })?;
        let export: crate::Export = serde_json::from_str(&text).map_err(|e| AppError::File {
            action: "import",
            path: path.to_path_buf(),
            message: format!(
                "not a CKS Lab export (line {}, column {}): {e}",
                e.line(),
                e.column()
            ),
        })?;
        self.import(&export).await
    }
}

/// A ready-made playground exercise.
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
pub struct PlayExample {
    pub id: String,
    pub title: String,
    pub mode: crate::play::PlayMode,
    pub policy: String,
    pub input: String,
    pub query: Option<String>,
}

/// The playground's examples: the two classic admission exercises and plain Rego.
pub fn play_examples() -> Vec<PlayExample> {
    use crate::play::PlayMode;
    vec![
        PlayExample {
            id: "gatekeeper-required-labels".into(),
            title: "Gatekeeper: every Namespace needs an owner label".into(),
            mode: PlayMode::Gatekeeper,
            policy: include_str!("play_examples/gatekeeper-required-labels.policy.yaml").into(),
            input: include_str!("play_examples/gatekeeper-required-labels.input.yaml").into(),
            query: None,
        },
        PlayExample {
            id: "vap-replicas-limit".into(),
            title: "ValidatingAdmissionPolicy: at most 5 replicas".into(),
            mode: PlayMode::Vap,
            policy: include_str!("play_examples/vap-replicas-limit.policy.yaml").into(),
            input: include_str!("play_examples/vap-replicas-limit.input.yaml").into(),
            query: None,
        },
        PlayExample {
            id: "rego-plain".into(),
            title: "Plain Rego: an admission webhook's deny rules".into(),
            mode: PlayMode::Rego,
            policy: include_str!("play_examples/rego-plain.rego").into(),
            input: include_str!("play_examples/rego-plain.input.yaml").into(),
            query: Some("data.kubernetes.admission.deny".into()),
        },
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every example evaluates cleanly and decides something both ways.
    #[test]
    fn play_examples_evaluate_without_problems() {
        for e in play_examples() {
            let r = crate::play::play(&crate::play::PlayRequest {
                mode: e.mode,
                policy: e.policy.clone(),
                input: e.input.clone(),
                query: e.query.clone(),
                operation: None,
            });
            assert!(r.problems.is_empty(), "{}: {:?}", e.id, r.problems);
            match e.mode {
                crate::play::PlayMode::Rego => {
                    let denials = r.value.unwrap();
                    assert_eq!(denials.as_array().unwrap().len(), 2, "{}", e.id);
                }
                _ => {
                    assert!(r.decisions.iter().any(|d| d.allowed), "{}", e.id);
                    assert!(r.decisions.iter().any(|d| !d.allowed), "{}", e.id);
                }
            }
        }
    }
}

/// What an image pull or load did.
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
pub struct ImagesDone {
    pub done: u32,
    /// Already present (pull).
    pub skipped: u32,
}
