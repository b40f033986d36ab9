//! The CKS Lab desktop shell: Tauri 2 commands over `cks-app`. All logic lives in `cks-app`;
//! each command here is a thin, typed adapter that turns an `AppError` into `{code, message}`.

mod command_names;
mod commands;

use std::path::PathBuf;

use tauri::Manager;

/// Where this run keeps its data: `$CKSLAB_DATA_DIR` (tests point it at a temporary folder, so
/// they never touch a learner's progress), else the platform data folder the CLI uses too.
fn data_dir() -> PathBuf {
    std::env::var_os("CKSLAB_DATA_DIR")
        .map(PathBuf::from)
        .or_else(cks_app::AppConfig::default_data_dir)
        .unwrap_or_else(|| PathBuf::from(".ckslab"))
}

/// Logs go to a daily rolling file in the data folder (and stderr in debug builds).
fn init_tracing(dir: &std::path::Path) -> Option<tracing_appender::non_blocking::WorkerGuard> {
    use tracing_subscriber::prelude::*;
    let appender = tracing_appender::rolling::daily(dir.join("logs"), "ckslab-desktop.log");
    let (writer, guard) = tracing_appender::non_blocking(appender);
    let filter = tracing_subscriber::EnvFilter::try_from_env("CKSLAB_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let subscriber = tracing_subscriber::registry().with(filter).with(
        tracing_subscriber::fmt::layer()
            .with_ansi(false)
            .with_writer(writer),
    );
    tracing::subscriber::set_global_default(subscriber).ok()?;
    Some(guard)
}

/// Build and run the app.
pub fn run() {
    let data = data_dir();
    let _guard = init_tracing(&data);
    tracing::info!(data = %data.display(), "starting");
    let config = cks_app::AppConfig {
        data_dir: data,
        labs_dir: cks_app::AppConfig::default_labs_dir().unwrap_or_else(|| PathBuf::from("labs")),
        content_dir: cks_app::AppConfig::default_content_dir()
            .unwrap_or_else(|| PathBuf::from("content")),
    };
    let result = tauri::Builder::default()
        .plugin(tauri_plugin_dialog::init())
        .plugin(tauri_plugin_opener::init())
        .on_window_event(|window, event| {
            if let tauri::WindowEvent::Destroyed = event
                && let Some(state) = window.try_state::<commands::State>()
            {
                state.shut_down();
            }
        })
        .setup(move |app| {
            let opened = tauri::async_runtime::block_on(cks_app::App::open(config.clone()));
            match opened {
                Ok(state) => {
                    app.manage(commands::State::new(state));
                    Ok(())
                }
                Err(e) => {
                    tracing::error!(error = %e, "cannot open the data folder");
                    Err(Box::new(e))
                }
            }
        })
        .invoke_handler(tauri::generate_handler![
            commands::app_info,
            commands::curriculum,
            commands::list_lessons,
            commands::get_lesson,
            commands::list_labs,
            commands::get_lab,
            commands::list_fixtures,
            commands::grade_fixture,
            commands::progress,
            commands::doctor,
            commands::reveal_hint,
            commands::show_solution,
            commands::cluster_status,
            commands::cluster_create,
            commands::cluster_delete,
            commands::active_attempt,
            commands::lab_start,
            commands::lab_grade,
            commands::lab_reset,
            commands::terminal_open,
            commands::terminal_write,
            commands::terminal_resize,
            commands::terminal_close,
            commands::export_data,
            commands::import_data,
            commands::author_check,
            commands::author_watch,
            commands::author_unwatch,
            commands::play,
            commands::play_examples,
            commands::answer_quiz,
            commands::exam_files,
            commands::exam_plan,
            commands::exam_start,
            commands::exam_current,
            commands::exam_flag,
            commands::exam_note,
            commands::exam_submit,
            commands::exam_report,
            commands::exam_history,
            commands::setup_plan,
            commands::images_pull,
            commands::images_load,
            commands::addons_list,
            commands::addon_install,
        ])
        .run(tauri::generate_context!());
    if let Err(e) = result {
        tracing::error!(error = %e, "the app stopped");
        eprintln!("ckslab-desktop: {e}");
        std::process::exit(1);
    }
}

#[cfg(test)]
mod tests {
    /// Least privilege: the main window's capability allows exactly the app's commands (and
    /// Tauri's core defaults) — no shell, no filesystem, nothing a new command did not declare.
    #[test]
    fn capability_allows_exactly_the_registered_commands() {
        let text = include_str!("../capabilities/main.json");
        let capability: serde_json::Value = serde_json::from_str(text).unwrap();
        let mut allowed: Vec<String> = capability["permissions"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|p| p.as_str())
            .filter(|p| p.starts_with("allow-"))
            .map(str::to_owned)
            .collect();
        // Beyond the app's commands: core defaults, the native open/save dialogs, and opening
        // http(s) links in the browser — and nothing else (no shell, no fs, no other scheme).
        let mut others: Vec<String> = capability["permissions"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|p| !p.as_str().is_some_and(|p| p.starts_with("allow-")))
            .map(|p| p.to_string())
            .collect();
        others.sort();
        assert_eq!(
            others,
            [
                r#""core:default""#,
                r#""dialog:allow-open""#,
                r#""dialog:allow-save""#,
                r#"{"allow":[{"url":"https://*"},{"url":"http://*"}],"identifier":"opener:allow-open-url"}"#,
            ]
        );
        allowed.sort();
        let mut expected: Vec<String> = super::command_names::COMMANDS
            .iter()
            .map(|c| format!("allow-{}", c.replace('_', "-")))
            .collect();
        expected.sort();
        assert_eq!(allowed, expected);
        let source = include_str!("lib.rs");
        for c in super::command_names::COMMANDS {
            assert!(
                source.contains(&format!("commands::{c},")),
                "{c} is not registered"
            );
        }
    }

    /// The security settings the issue demands stay in the config.
    #[test]
    fn config_keeps_a_strict_csp_and_no_global_tauri() {
        let conf: serde_json::Value =
            serde_json::from_str(include_str!("../tauri.conf.json")).unwrap();
        assert_eq!(conf["app"]["withGlobalTauri"], false);
        let csp = &conf["app"]["security"]["csp"];
        assert_eq!(csp["script-src"], "'self'");
        assert_eq!(csp["default-src"], "'self'");
        assert_eq!(csp["object-src"], "'none'");
        let all = csp.to_string();
        assert!(!all.contains("unsafe-eval"), "{all}");
    }

    /// Lab task text from a lab folder is untrusted: it is sanitized before the webview sees it.
    #[test]
    fn lab_task_markdown_is_sanitized() {
        let hostile = "# Task\n\n<script>alert(1)</script>\n<img src=x onerror=\"alert(2)\">\n<a href=\"#\" onclick=\"alert(4)\">y</a>\n<iframe src=\"https://evil\"></iframe>\n\nA [link](javascript:alert(3)) in text.";
        let html = cks_app::markdown_to_safe_html(hostile);
        for bad in [
            "<script",
            "onerror",
            "href=\"javascript:",
            "onclick",
            "<iframe",
        ] {
            assert!(!html.contains(bad), "{bad} survived: {html}");
        }
        assert!(html.contains("<h1>Task</h1>"), "{html}");
    }
}
