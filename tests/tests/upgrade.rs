//! Upgrades keep data: a database made by every earlier schema opens with this build and loses
//! nothing; an export written by an earlier version imports into this one; attempts stay tied
//! to the lab version (content hash) they graded.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;

use cks_tests::repo_root;

/// Migrations released so far, oldest first. A new migration adds a line here and a test
/// below that opens a database made by the one before.
const RELEASED: &[&str] = &["0001_init.sql", "0002_exams.sql"];

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

/// A database at schema `upto` (the first n migrations), made by sqlx's migrator exactly as
/// that release would have.
async fn database_at(path: &Path, upto: usize) -> sqlx::SqlitePool {
    let dir = tempfile::tempdir().unwrap();
    for name in &RELEASED[..upto] {
        std::fs::copy(
            repo_root().join("crates/cks-store/migrations").join(name),
            dir.path().join(name),
        )
        .unwrap();
    }
    let options = sqlx::sqlite::SqliteConnectOptions::new()
        .filename(path)
        .create_if_missing(true)
        .foreign_keys(true);
    let pool = sqlx::SqlitePool::connect_with(options).await.unwrap();
    sqlx::migrate::Migrator::new(dir.path())
        .await
        .unwrap()
        .run(&pool)
        .await
        .unwrap();
    pool
}

/// What the first release's schema holds: attempts with grades, per-check results, hints,
/// lessons, quiz answers, settings.
async fn fill_v1(pool: &sqlx::SqlitePool) {
    for sql in [
        "INSERT INTO attempts (id, lab_id, lab_hash, seed, params, source, started_at, status) VALUES (1, 'pss-restrict-namespace', 'hash-v1', 42, '{\"ns\":\"billing\"}', 'cluster', '2026-10-01T10:00:00Z', 'graded')",
        "INSERT INTO attempts (id, lab_id, lab_hash, seed, params, source, started_at, status) VALUES (2, 'sa-disable-automount', 'hash-v1b', -5, '{}', 'snapshot', '2026-10-02T10:00:00Z', 'started')",
        "INSERT INTO grades (id, attempt_id, graded_at, points_awarded, points_possible, hint_penalty, passed, check_count) VALUES (1, 1, '2026-10-01T10:20:00Z', 6, 7, 1, 1, 1)",
        "INSERT INTO check_results (grade_id, position, check_id, status, points_awarded, points_possible, message, details) VALUES (1, 0, 'namespace-enforces-restricted', 'pass', 2, 2, 'ok', '{\"findings\":[],\"doc\":\"https://kubernetes.io/docs/concepts/security/pod-security-admission/\"}')",
        "INSERT INTO hints_used (attempt_id, hint_index, cost, revealed_at) VALUES (1, 0, 1, '2026-10-01T10:05:00Z')",
        "INSERT INTO lesson_progress (lesson_id, status, updated_at) VALUES ('pod-security-standards', 'read', '2026-10-01T09:00:00Z')",
        "INSERT INTO quiz_answers (lesson_id, question, answer, correct, answered_at) VALUES ('pod-security-standards', 0, 'restricted', 1, '2026-10-01T09:10:00Z')",
        "INSERT INTO settings (key, value) VALUES ('theme', 'dark')",
    ] {
        sqlx::query(sql).execute(pool).await.unwrap();
    }
}

async fn check_v1_data(store: &cks_store::Store) {
    let attempts = store.attempts(None).await.unwrap();
    assert_eq!(attempts.len(), 2);
    let a1 = attempts.iter().find(|a| a.id == 1).unwrap();
    assert_eq!((a1.seed, a1.lab_hash.as_str()), (42, "hash-v1"));
    assert_eq!(a1.params["ns"], "billing");
    let a2 = attempts.iter().find(|a| a.id == 2).unwrap();
    assert_eq!(
        a2.seed,
        u64::MAX - 4,
        "a seed above 2^63 survives (stored as i64)"
    );
    let grades = store.grades(1).await.unwrap();
    assert_eq!(grades.len(), 1);
    assert_eq!((grades[0].points_awarded, grades[0].hint_penalty), (6, 1));
    assert_eq!(
        grades[0].checks[0].doc.as_deref(),
        Some("https://kubernetes.io/docs/concepts/security/pod-security-admission/")
    );
    assert_eq!(store.hints_revealed(1).await.unwrap(), vec![0]);
    assert_eq!(
        store.lesson_statuses().await.unwrap(),
        vec![("pod-security-standards".into(), "read".into())]
    );
    assert_eq!(
        store
            .latest_quiz_answers("pod-security-standards")
            .await
            .unwrap(),
        vec![(0, "restricted".into(), true)]
    );
    assert_eq!(
        store.setting("theme").await.unwrap().as_deref(),
        Some("dark")
    );
    assert_eq!(store.integrity_check().await.unwrap(), "ok");
    assert!(store.inconsistent_grades().await.unwrap().is_empty());
}

#[test]
fn a_schema_1_database_upgrades_without_losing_anything() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("progress.db");
    runtime().block_on(async {
        let pool = database_at(&path, 1).await;
        fill_v1(&pool).await;
        pool.close().await;
        let store = cks_store::Store::open(&path).await.unwrap();
        check_v1_data(&store).await;
        // The new schema works on the upgraded file.
        let exam = store
            .create_exam(cks_store::NewExam {
                title: "after upgrade",
                seed: 1,
                deadline: "2026-12-01T00:00:00Z",
                tasks: &[("pss-restrict-namespace".into(), 1)],
            })
            .await
            .unwrap();
        assert_eq!(store.exam(exam).await.unwrap().unwrap().tasks.len(), 1);
        // Opening again is a no-op.
        store.close().await;
        let again = cks_store::Store::open(&path).await.unwrap();
        check_v1_data(&again).await;
    });
}

#[test]
fn every_released_schema_opens_with_this_build() {
    for upto in 1..=RELEASED.len() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("progress.db");
        runtime().block_on(async {
            let pool = database_at(&path, upto).await;
            fill_v1(&pool).await;
            pool.close().await;
            let store = cks_store::Store::open(&path)
                .await
                .unwrap_or_else(|e| panic!("schema {upto}: {e}"));
            check_v1_data(&store).await;
        });
    }
    let shipped: Vec<String> = std::fs::read_dir(repo_root().join("crates/cks-store/migrations"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    for m in &shipped {
        assert!(
            RELEASED.contains(&m.as_str()),
            "migration {m} is not in RELEASED: add it and a test of the step to it"
        );
    }
}

#[test]
fn an_export_from_the_first_release_imports_across_the_schema_change() {
    let text =
        std::fs::read_to_string(repo_root().join("tests/tests/fixtures/export-v0.1.json")).unwrap();
    let export: cks_store::Export = serde_json::from_str(&text).unwrap();
    let dir = tempfile::tempdir().unwrap();
    runtime().block_on(async {
        let store = cks_store::Store::open(&dir.path().join("progress.db"))
            .await
            .unwrap();
        let summary = store.import(&export).await.unwrap();
        assert_eq!(summary.attempts_added as usize, export.attempts.len());
        assert!(summary.grades_added >= 1);
        // Round trip: this build's export of it imports again as already present.
        let out = store.export().await.unwrap();
        assert_eq!(out.attempts.len(), export.attempts.len());
        let again = store.import(&out).await.unwrap();
        assert_eq!(
            (again.attempts_added, again.attempts_skipped as usize),
            (0, export.attempts.len())
        );
        // Every attempt keeps the content hash of the lab version it graded.
        let hashes: Vec<String> = store
            .attempts(None)
            .await
            .unwrap()
            .into_iter()
            .map(|a| a.lab_hash)
            .collect();
        let mut expected: Vec<String> = export
            .attempts
            .iter()
            .map(|a| a.attempt.lab_hash.clone())
            .collect();
        let mut got = hashes.clone();
        expected.sort();
        got.sort();
        assert_eq!(got, expected);
    });
}
