/// Every command the webview may call; `build.rs` turns these into permissions and
/// `capabilities/main.json` allows exactly these.
// Read by build.rs (through include!) and by the capability test; not by the app itself.
#[allow(dead_code)]
pub(crate) const COMMANDS: &[&str] = &[
    "app_info",
    "curriculum",
    "list_lessons",
    "get_lesson",
    "list_labs",
    "get_lab",
    "list_fixtures",
    "grade_fixture",
    "progress",
    "doctor",
    "reveal_hint",
    "show_solution",
    "cluster_status",
    "cluster_create",
    "cluster_delete",
    "active_attempt",
    "lab_start",
    "lab_grade",
    "lab_reset",
    "terminal_open",
    "terminal_write",
    "terminal_resize",
    "terminal_close",
    "export_data",
    "import_data",
    "author_check",
    "author_watch",
    "author_unwatch",
];
