//! Shared helpers for the workspace-level tests.

#![allow(clippy::unwrap_used, clippy::expect_used)]

pub mod control_plane;

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

/// The `ckslab` binary of this build (built on first use, so `cargo test -p cks-tests` works
/// on its own).
pub fn ckslab() -> PathBuf {
    static BUILT: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();
    BUILT
        .get_or_init(|| {
            let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
            let status = std::process::Command::new(cargo)
                .args(["build", "--quiet", "-p", "cks-cli", "--manifest-path"])
                .arg(repo_root().join("Cargo.toml"))
                .status()
                .expect("cargo build runs");
            assert!(status.success(), "building ckslab failed");
            // tests/…/target/<profile>/deps/<test-binary> → target/<profile>/ckslab
            let exe = std::env::current_exe().expect("test exe");
            let profile_dir = exe
                .parent()
                .and_then(Path::parent)
                .expect("target/<profile>");
            let bin = profile_dir.join(format!("ckslab{}", std::env::consts::EXE_SUFFIX));
            assert!(bin.is_file(), "{} not found", bin.display());
            bin
        })
        .clone()
}

/// Copy a directory tree.
pub fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.path().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}
