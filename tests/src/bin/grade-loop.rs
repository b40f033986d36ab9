//! Test helper for the crash test: grades a snapshot in a loop and prints one line per grade
//! AFTER its transaction committed: `committed <grade-id> <check-count>`.
//!
//! Usage: grade-loop DATA_DIR LABS_DIR LAB_ID SNAPSHOT_DIR

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::Write;
use std::path::PathBuf;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let [_, data_dir, labs_dir, lab, snapshot] = args.as_slice() else {
        eprintln!("usage: grade-loop DATA_DIR LABS_DIR LAB_ID SNAPSHOT_DIR");
        std::process::exit(2);
    };
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    runtime.block_on(async {
        let config = cks_app::AppConfig {
            data_dir: PathBuf::from(data_dir),
            labs_dir: PathBuf::from(labs_dir),
            content_dir: PathBuf::from("content"),
        };
        let app = cks_app::App::open(config).await.expect("open app");
        let mut out = std::io::stdout().lock();
        loop {
            let report = app
                .grade_snapshot(lab, std::path::Path::new(snapshot), Some(1))
                .await
                .expect("grade");
            writeln!(
                out,
                "committed {} {}",
                report.grade.id,
                report.grade.checks.len()
            )
            .expect("stdout");
            out.flush().expect("flush");
        }
    });
}
