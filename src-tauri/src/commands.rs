//! The commands the webview may call (each is listed in `command_names.rs` and allowed by
//! `capabilities/main.json`). Errors reach the UI as `{code, message}`.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Mutex, PoisonError};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use cks_app::dto;
use cks_app::exam::{self, ExamChoice};
use cks_app::terminal::{TerminalEvent, TerminalTarget, Terminals};
use tauri::ipc::Channel;

/// The app, its terminals and author-view watches, shared by every command.
pub(crate) struct State {
    app: cks_app::App,
    pub(crate) terminals: Terminals,
    watches: Mutex<HashMap<u32, cks_app::AuthorWatch>>,
    next_watch: AtomicU32,
}

impl State {
    pub(crate) fn new(app: cks_app::App) -> Self {
        State {
            app,
            terminals: Terminals::new(),
            watches: Mutex::new(HashMap::new()),
            next_watch: AtomicU32::new(0),
        }
    }

    /// The window is closing: end every shell and watch.
    pub(crate) fn shut_down(&self) {
        self.terminals.close_all();
        self.watches
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clear();
    }
}

use cks_app::dto::{
    AppInfo, AuthorMessage, CommandError, ProgressEvent, ResetView, TerminalMessage,
    TerminalOpened, WatchStarted,
};

type Result<T> = std::result::Result<T, CommandError>;

#[tauri::command]
pub(crate) fn app_info(state: tauri::State<'_, State>) -> AppInfo {
    state.app.app_info()
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

#[tauri::command]
pub(crate) fn get_lab(state: tauri::State<'_, State>, id: String) -> Result<dto::LabView> {
    Ok(state.app.lab_view(&id)?)
}

#[tauri::command]
pub(crate) fn list_fixtures(state: tauri::State<'_, State>, id: String) -> Result<Vec<String>> {
    Ok(state
        .app
        .lab_view(&id)?
        .fixtures
        .into_iter()
        .map(|f| f.path)
        .collect())
}

/// Grade one of the lab's own fixture snapshots (offline practice until a cluster exists) and
/// record it like any attempt.
#[tauri::command]
pub(crate) async fn grade_fixture(
    state: tauri::State<'_, State>,
    id: String,
    fixture: String,
) -> Result<cks_app::GradeReport> {
    Ok(state.app.grade_fixture(&id, &fixture).await?)
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

/// Reveal the next hint of the lab's latest attempt (recorded; each costs the lab's hint cost).
#[tauri::command]
pub(crate) async fn reveal_hint(
    state: tauri::State<'_, State>,
    id: String,
) -> Result<dto::HintView> {
    Ok(state.app.hint_view(&id).await?)
}

/// The solution explanation for the latest attempt's params.
#[tauri::command]
pub(crate) async fn show_solution(
    state: tauri::State<'_, State>,
    id: String,
) -> Result<dto::SolutionView> {
    Ok(state.app.solution_view(&id).await?)
}

fn line_sender(channel: Channel<ProgressEvent>) -> impl Fn(&str) + Send + Sync {
    move |text: &str| {
        // A closed window drops the channel; the operation still finishes cleanly.
        let _ = channel.send(ProgressEvent::Line {
            text: text.to_owned(),
        });
    }
}

/// A seed typed in the UI: empty means "draw one"; anything else must be a u64.
fn parse_seed(seed: Option<&str>) -> Result<Option<u64>> {
    match seed.map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(None),
        Some(text) => text.parse::<u64>().map(Some).map_err(|_| {
            CommandError::new(
                "bad-seed",
                format!("seed {text:?} is not a whole number between 0 and 2^64-1"),
            )
        }),
    }
}

#[tauri::command]
pub(crate) async fn cluster_status(
    state: tauri::State<'_, State>,
) -> Result<cks_app::ClusterStatus> {
    Ok(state.app.cluster_status().await)
}

/// Create the app's kind cluster, streaming kind's progress (takes minutes).
#[tauri::command]
pub(crate) async fn cluster_create(
    state: tauri::State<'_, State>,
    on_event: Channel<ProgressEvent>,
) -> Result<cks_app::ClusterStatus> {
    let send = line_sender(on_event);
    state.app.create_cluster(|line| send(line)).await?;
    Ok(state.app.cluster_status().await)
}

#[tauri::command]
pub(crate) async fn cluster_delete(
    state: tauri::State<'_, State>,
) -> Result<cks_app::ClusterStatus> {
    state.app.delete_cluster().await?;
    Ok(state.app.cluster_status().await)
}

/// The attempt in progress at a lab on the cluster, if any.
#[tauri::command]
pub(crate) async fn active_attempt(
    state: tauri::State<'_, State>,
    id: String,
) -> Result<Option<dto::AttemptView>> {
    Ok(state.app.active_attempt(&id).await?.map(Into::into))
}

/// Start a lab on the app's cluster (fresh params unless a seed is given), streaming setup.
#[tauri::command]
pub(crate) async fn lab_start(
    state: tauri::State<'_, State>,
    id: String,
    seed: Option<String>,
    on_event: Channel<ProgressEvent>,
) -> Result<dto::AttemptView> {
    let seed = parse_seed(seed.as_deref())?;
    let cluster = state.app.own_cluster().await?;
    let send = line_sender(on_event);
    let report = state
        .app
        .start_with_progress(&id, seed, &cluster, None, &send)
        .await?;
    Ok(report.into())
}

/// Grade the lab's latest attempt on the cluster and record the grade.
#[tauri::command]
pub(crate) async fn lab_grade(
    state: tauri::State<'_, State>,
    id: String,
) -> Result<cks_app::GradeReport> {
    let cluster = state.app.own_cluster().await?;
    Ok(state.app.grade_attempt(&id, &cluster, None).await?)
}

/// Delete everything the lab created on the cluster and restore node files.
#[tauri::command]
pub(crate) async fn lab_reset(
    state: tauri::State<'_, State>,
    id: String,
    on_event: Channel<ProgressEvent>,
) -> Result<ResetView> {
    let cluster = state.app.own_cluster().await?;
    let send = line_sender(on_event);
    send("deleting everything labelled with the lab");
    let deleted = state.app.reset_attempt(&id, &cluster, None).await?;
    send(&format!("deleted {deleted} object(s)"));
    Ok(ResetView {
        deleted: u32::try_from(deleted).unwrap_or(u32::MAX),
    })
}

#[tauri::command]
pub(crate) fn terminal_open(
    state: tauri::State<'_, State>,
    target: TerminalTarget,
    cols: u16,
    rows: u16,
    on_event: Channel<TerminalMessage>,
) -> Result<TerminalOpened> {
    let command = state.app.terminal_command(&target)?;
    let id = state
        .terminals
        .open(&command, cols, rows, move |event| {
            let message = match event {
                TerminalEvent::Output(bytes) => TerminalMessage::Output {
                    data: BASE64.encode(bytes),
                },
                TerminalEvent::Exit(code) => TerminalMessage::Exit { code },
            };
            let _ = on_event.send(message);
        })
        .map_err(cks_app::AppError::from)?;
    tracing::info!(id, title = %command.title, "terminal opened");
    Ok(TerminalOpened {
        id,
        title: command.title,
    })
}

#[tauri::command]
pub(crate) fn terminal_write(state: tauri::State<'_, State>, id: u32, data: String) -> Result<()> {
    Ok(state
        .terminals
        .write(id, data.as_bytes())
        .map_err(cks_app::AppError::from)?)
}

#[tauri::command]
pub(crate) fn terminal_resize(
    state: tauri::State<'_, State>,
    id: u32,
    cols: u16,
    rows: u16,
) -> Result<()> {
    Ok(state
        .terminals
        .resize(id, cols, rows)
        .map_err(cks_app::AppError::from)?)
}

#[tauri::command]
pub(crate) fn terminal_close(state: tauri::State<'_, State>, id: u32) -> Result<()> {
    Ok(state.terminals.close(id).map_err(cks_app::AppError::from)?)
}

#[tauri::command]
pub(crate) async fn export_data(
    state: tauri::State<'_, State>,
    path: String,
) -> Result<dto::ExportSummary> {
    Ok(state.app.export_to(std::path::Path::new(&path)).await?)
}

#[tauri::command]
pub(crate) async fn import_data(
    state: tauri::State<'_, State>,
    path: String,
) -> Result<cks_app::ImportSummary> {
    Ok(state.app.import_from(std::path::Path::new(&path)).await?)
}

/// Lint, self-test and preview the labs under a folder.
#[tauri::command]
pub(crate) async fn author_check(path: String) -> Result<cks_app::AuthorReport> {
    let path = std::path::PathBuf::from(path);
    tauri::async_runtime::spawn_blocking(move || cks_app::author_check(&path))
        .await
        .map_err(|e| CommandError::new("internal", e.to_string()))?
        .map_err(Into::into)
}

#[tauri::command]
pub(crate) fn author_watch(
    state: tauri::State<'_, State>,
    path: String,
    on_event: Channel<AuthorMessage>,
) -> Result<WatchStarted> {
    let watch = cks_app::author_watch(std::path::Path::new(&path), move |result| {
        let _ = on_event.send(match result {
            Ok(report) => AuthorMessage::Report { report },
            Err(message) => AuthorMessage::Error { message },
        });
    })?;
    let watch_id = state.next_watch.fetch_add(1, Ordering::Relaxed) + 1;
    state
        .watches
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .insert(watch_id, watch);
    Ok(WatchStarted { watch_id })
}

#[tauri::command]
pub(crate) fn author_unwatch(state: tauri::State<'_, State>, watch_id: u32) -> Result<()> {
    state
        .watches
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .remove(&watch_id)
        .map(drop)
        .ok_or_else(|| {
            CommandError::new(
                "watch-not-found",
                format!("no watch {watch_id} (it was already stopped)"),
            )
        })
}

/// Evaluate a playground request with the lab checks' own evaluators (never fails: problems
/// are in the result).
#[tauri::command]
pub(crate) async fn play(request: cks_app::play::PlayRequest) -> Result<cks_app::play::PlayResult> {
    tauri::async_runtime::spawn_blocking(move || cks_app::play::play(&request))
        .await
        .map_err(|e| CommandError::new("internal", e.to_string()))
}

#[tauri::command]
pub(crate) fn play_examples() -> Vec<dto::PlayExample> {
    dto::play_examples()
}

/// Check and record an answer to a lesson's self-check question.
#[tauri::command]
pub(crate) async fn answer_quiz(
    state: tauri::State<'_, State>,
    lesson_id: String,
    index: u32,
    answer: String,
) -> Result<cks_app::QuizResult> {
    Ok(state.app.answer_quiz(&lesson_id, index, &answer).await?)
}

fn exam_choice(
    seed: Option<String>,
    count: Option<u32>,
    exam_id: Option<String>,
) -> Result<ExamChoice> {
    let seed = parse_seed(seed.as_deref())?;
    Ok(ExamChoice {
        exam_id: exam_id.filter(|s| !s.is_empty()),
        seed,
        count,
    })
}

#[tauri::command]
pub(crate) fn exam_files(state: tauri::State<'_, State>) -> Result<Vec<exam::ExamFile>> {
    Ok(state.app.exam_files()?)
}

/// What an exam would hold (no cluster needed; conflicts are refused here).
#[tauri::command]
pub(crate) fn exam_plan(
    state: tauri::State<'_, State>,
    seed: Option<String>,
    count: Option<u32>,
    exam_id: Option<String>,
) -> Result<exam::ExamPlan> {
    Ok(state
        .app
        .plan_exam(&exam_choice(seed, count, exam_id)?, true)?)
}

/// Set every task up on the app's cluster and start the clock, streaming progress.
#[tauri::command]
pub(crate) async fn exam_start(
    state: tauri::State<'_, State>,
    seed: Option<String>,
    count: Option<u32>,
    exam_id: Option<String>,
    on_event: Channel<ProgressEvent>,
) -> Result<exam::ExamView> {
    let choice = exam_choice(seed, count, exam_id)?;
    let cluster = state.app.own_cluster().await?;
    let send = line_sender(on_event);
    Ok(state.app.start_exam(&choice, &cluster, &send).await?)
}

#[tauri::command]
pub(crate) async fn exam_current(state: tauri::State<'_, State>) -> Result<Option<exam::ExamView>> {
    Ok(state.app.current_exam().await?)
}

#[tauri::command]
pub(crate) async fn exam_flag(
    state: tauri::State<'_, State>,
    exam_id: i64,
    position: u32,
    flagged: bool,
) -> Result<()> {
    Ok(state.app.flag_exam_task(exam_id, position, flagged).await?)
}

#[tauri::command]
pub(crate) async fn exam_note(
    state: tauri::State<'_, State>,
    exam_id: i64,
    position: u32,
    notes: String,
) -> Result<()> {
    Ok(state.app.note_exam_task(exam_id, position, &notes).await?)
}

/// Grade every task now and store the report.
#[tauri::command]
pub(crate) async fn exam_submit(
    state: tauri::State<'_, State>,
    exam_id: i64,
    on_event: Channel<ProgressEvent>,
) -> Result<exam::ExamReport> {
    let cluster = state.app.own_cluster().await?;
    let send = line_sender(on_event);
    Ok(state.app.submit_exam(exam_id, &cluster, &send).await?)
}

#[tauri::command]
pub(crate) async fn exam_report(
    state: tauri::State<'_, State>,
    exam_id: i64,
) -> Result<exam::ExamReport> {
    Ok(state.app.exam_report(exam_id).await?)
}

#[tauri::command]
pub(crate) async fn exam_history(state: tauri::State<'_, State>) -> Result<Vec<exam::ExamSummary>> {
    Ok(state.app.exam_history().await?)
}

/// What first-run setup would do on this machine (nothing is changed).
#[tauri::command]
pub(crate) async fn setup_plan(
    state: tauri::State<'_, State>,
) -> Result<cks_app::setup::SetupPlan> {
    Ok(state.app.setup_plan().await?)
}

/// Pull every lab image not present yet, streaming progress (a retry resumes).
#[tauri::command]
pub(crate) async fn images_pull(
    state: tauri::State<'_, State>,
    on_event: Channel<ProgressEvent>,
) -> Result<dto::ImagesDone> {
    let send = line_sender(on_event);
    let (pulled, present) = state.app.pull_images(&send)?;
    Ok(dto::ImagesDone {
        done: pulled,
        skipped: present,
    })
}

/// Load every lab image into the cluster's nodes, streaming progress.
#[tauri::command]
pub(crate) async fn images_load(
    state: tauri::State<'_, State>,
    on_event: Channel<ProgressEvent>,
) -> Result<dto::ImagesDone> {
    let send = line_sender(on_event);
    let loaded = state.app.load_images(&send)?;
    Ok(dto::ImagesDone {
        done: loaded,
        skipped: 0,
    })
}

#[tauri::command]
pub(crate) fn addons_list(
    state: tauri::State<'_, State>,
) -> Result<Vec<cks_app::setup::AddonInfo>> {
    Ok(state.app.addons()?)
}

/// Download (once, verified) and apply an add-on, streaming progress.
#[tauri::command]
pub(crate) async fn addon_install(
    state: tauri::State<'_, State>,
    name: String,
    on_event: Channel<ProgressEvent>,
) -> Result<cks_app::setup::AddonInfo> {
    let send = line_sender(on_event);
    Ok(state.app.install_addon(&name, &send).await?)
}
