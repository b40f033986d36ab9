//! The commands the webview may call (each is listed in `command_names.rs` and allowed by
//! `capabilities/main.json`). Errors reach the UI as `{code, message}`.

use serde::Serialize;

/// The app, shared by every command.
pub(crate) struct State {
    app: cks_app::App,
}

impl State {
    pub(crate) fn new(app: cks_app::App) -> Self {
        State { app }
    }
}

/// What the UI gets when a command fails: a stable code and a readable message.
#[derive(Debug, Serialize)]
pub(crate) struct CommandError {
    pub(crate) code: String,
    pub(crate) message: String,
}

impl From<cks_app::AppError> for CommandError {
    fn from(e: cks_app::AppError) -> Self {
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

type Result<T> = std::result::Result<T, CommandError>;

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct AppInfo {
    pub(crate) version: String,
    pub(crate) data_dir: String,
    pub(crate) labs_dir: String,
    pub(crate) content_dir: String,
}

#[tauri::command]
pub(crate) fn app_info(state: tauri::State<'_, State>) -> AppInfo {
    let c = state.app.config();
    AppInfo {
        version: env!("CARGO_PKG_VERSION").to_owned(),
        data_dir: c.data_dir.display().to_string(),
        labs_dir: c.labs_dir.display().to_string(),
        content_dir: c.content_dir.display().to_string(),
    }
}

#[tauri::command]
pub(crate) fn curriculum() -> &'static cks_app::Curriculum {
    cks_app::curriculum()
}

#[tauri::command]
pub(crate) async fn list_lessons(
    state: tauri::State<'_, State>,
) -> Result<Vec<cks_app::LessonSummary>> {
    Ok(state.app.list_lessons(None).await?)
}

#[tauri::command]
pub(crate) async fn get_lesson(
    state: tauri::State<'_, State>,
    id: String,
) -> Result<cks_app::LessonView> {
    Ok(state.app.show_lesson(&id, true).await?)
}

#[tauri::command]
pub(crate) fn list_labs(state: tauri::State<'_, State>) -> Result<cks_app::LabList> {
    Ok(state.app.list_labs(None)?)
}

/// A lab to work on: its detail plus the task and hints as sanitized HTML.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct LabView {
    #[serde(flatten)]
    pub(crate) detail: cks_app::LabDetail,
    pub(crate) task_html: String,
    pub(crate) fixtures: Vec<FixtureRef>,
}

/// A snapshot folder of the lab and what it represents.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct FixtureRef {
    /// Path inside the lab folder, e.g. `fixtures/broken`.
    pub(crate) path: String,
    /// `broken`, `solved`, `alsoCorrect` or `bypass`.
    pub(crate) kind: &'static str,
}

#[tauri::command]
pub(crate) fn get_lab(state: tauri::State<'_, State>, id: String) -> Result<LabView> {
    let detail = state.app.show_lab(&id)?;
    let task_html = cks_app::markdown_to_safe_html(&detail.task_markdown);
    let loaded = state.app.lab(&id)?;
    let f = &loaded.lab.fixtures;
    let mut fixtures = vec![
        FixtureRef {
            path: f.broken.clone(),
            kind: "broken",
        },
        FixtureRef {
            path: f.solved.clone(),
            kind: "solved",
        },
    ];
    fixtures.extend(f.also_correct.iter().map(|p| FixtureRef {
        path: p.clone(),
        kind: "alsoCorrect",
    }));
    fixtures.extend(f.bypasses.iter().map(|p| FixtureRef {
        path: p.clone(),
        kind: "bypass",
    }));
    Ok(LabView {
        detail,
        task_html,
        fixtures,
    })
}

fn fixture_names(state: &State, id: &str) -> Result<Vec<String>> {
    let loaded = state.app.lab(id)?;
    let f = &loaded.lab.fixtures;
    let mut names = vec![f.broken.clone(), f.solved.clone()];
    names.extend(f.also_correct.iter().cloned());
    names.extend(f.bypasses.iter().cloned());
    Ok(names)
}

#[tauri::command]
pub(crate) fn list_fixtures(state: tauri::State<'_, State>, id: String) -> Result<Vec<String>> {
    fixture_names(&state, &id)
}

/// Grade one of the lab's own fixture snapshots (offline practice until a cluster exists) and
/// record it like any attempt.
#[tauri::command]
pub(crate) async fn grade_fixture(
    state: tauri::State<'_, State>,
    id: String,
    fixture: String,
) -> Result<cks_app::GradeReport> {
    let names = fixture_names(&state, &id)?;
    if !names.contains(&fixture) {
        return Err(CommandError {
            code: "fixture-not-found".into(),
            message: format!(
                "lab {id} has no fixture {fixture:?}; it has {}",
                names.join(", ")
            ),
        });
    }
    let dir = state.app.lab(&id)?.dir.join(&fixture);
    Ok(state.app.grade_snapshot(&id, &dir, None).await?)
}

#[tauri::command]
pub(crate) async fn progress(state: tauri::State<'_, State>) -> Result<cks_app::ProgressReport> {
    Ok(state.app.progress().await?)
}

/// Tools, versions and host capabilities.
#[tauri::command]
pub(crate) fn doctor(state: tauri::State<'_, State>) -> cks_app::Doctor {
    state.app.doctor()
}

/// A revealed hint, as sanitized HTML.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct HintView {
    pub(crate) number: u32,
    pub(crate) of: u32,
    pub(crate) html: String,
    /// Points deducted so far on this attempt.
    pub(crate) total_penalty: u32,
}

/// Reveal the next hint of the lab's latest attempt (recorded; each costs the lab's hint cost).
#[tauri::command]
pub(crate) async fn reveal_hint(state: tauri::State<'_, State>, id: String) -> Result<HintView> {
    let h = state.app.hint(&id).await?;
    Ok(HintView {
        number: h.number,
        of: h.of,
        html: cks_app::markdown_to_safe_html(&h.markdown),
        total_penalty: h.total_penalty,
    })
}

/// The solution explanation for the latest attempt's params, as sanitized HTML.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct SolutionView {
    pub(crate) html: String,
}

#[tauri::command]
pub(crate) async fn show_solution(
    state: tauri::State<'_, State>,
    id: String,
) -> Result<SolutionView> {
    let markdown = state.app.solution(&id).await?;
    Ok(SolutionView {
        html: cks_app::markdown_to_safe_html(&markdown),
    })
}
