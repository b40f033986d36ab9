//! Shared helpers for the workspace-level tests.

use std::path::{Path, PathBuf};

/// The repository root.
pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_default()
}

/// `../shared` next to the repository, when present. Tests that need it skip loudly without it.
pub fn shared_dir() -> Option<PathBuf> {
    let dir = std::env::var_os("CKSLAB_SHARED")
        .map(PathBuf::from)
        .unwrap_or_else(|| repo_root().join("../shared"));
    dir.join("corpus").is_dir().then_some(dir)
}

/// Print a loud skip notice (visible with `--no-capture` and in nextest's output on failure).
pub fn skip(test: &str, why: &str) {
    eprintln!("SKIPPED {test}: {why}");
    println!("SKIPPED {test}: {why}");
}
