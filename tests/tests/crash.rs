//! Crash consistency for real: a child process grades in a loop and is killed with SIGKILL at
//! a random moment, several times over the same database. Afterwards the database passes
//! `PRAGMA integrity_check`, holds every grade the child reported as committed (with all its
//! per-check results), and no grade is half-written.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

#[test]
fn sigkill_while_grading_loses_no_committed_grade() {
    let root = cks_tests::repo_root();
    let data = tempfile::tempdir().unwrap();
    let lab = "pss-restrict-namespace";
    let snapshot = root.join("labs").join(lab).join("fixtures/broken");
    let mut committed: Vec<(i64, usize)> = Vec::new();
    for round in 0..6u64 {
        let mut child = Command::new(env!("CARGO_BIN_EXE_grade-loop"))
            .arg(data.path())
            .arg(root.join("labs"))
            .arg(lab)
            .arg(&snapshot)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn grade-loop");
        let stdout = child.stdout.take().unwrap();
        let (tx, rx) = std::sync::mpsc::channel();
        let reader = std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        // Wait for the loop to be running, then kill at a pseudo-random moment mid-grade.
        let first = rx
            .recv_timeout(Duration::from_secs(60))
            .expect("the child grades at least once");
        let mut lines = vec![first];
        let deadline = Instant::now() + Duration::from_millis(40 + (round * 37) % 150);
        while Instant::now() < deadline {
            if let Ok(l) = rx.recv_timeout(Duration::from_millis(2)) {
                lines.push(l);
            }
        }
        child.kill().expect("SIGKILL");
        child.wait().unwrap();
        reader.join().unwrap();
        lines.extend(rx.try_iter());
        for line in lines {
            let parts: Vec<&str> = line.split_whitespace().collect();
            assert_eq!(parts[0], "committed", "{line}");
            committed.push((parts[1].parse().unwrap(), parts[2].parse().unwrap()));
        }
    }
    assert!(
        committed.len() >= 6,
        "the child committed grades before each kill"
    );

    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let store = cks_store::Store::open(&data.path().join("progress.db"))
            .await
            .unwrap();
        assert_eq!(store.integrity_check().await.unwrap(), "ok");
        assert!(
            store.inconsistent_grades().await.unwrap().is_empty(),
            "a grade was half-written"
        );
        for (id, checks) in &committed {
            let grade = store
                .grade(*id)
                .await
                .unwrap()
                .unwrap_or_else(|| panic!("grade {id} was reported committed but is missing"));
            assert_eq!(grade.checks.len(), *checks, "grade {id} lost check results");
        }
        eprintln!("{} committed grades survived 6 SIGKILLs", committed.len());
    });
}
