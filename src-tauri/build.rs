//! Registers the app's commands explicitly, so the capability file must allow each one
//! (Tauri only applies its ACL to app commands when an app manifest lists them).
fn main() {
    tauri_build::try_build(
        tauri_build::Attributes::new()
            .app_manifest(tauri_build::AppManifest::new().commands(cks_desktop_commands::COMMANDS)),
    )
    .expect("tauri build step");
}

/// Kept in one place: `src/commands.rs` registers the same list.
mod cks_desktop_commands {
    include!("src/command_names.rs");
}
