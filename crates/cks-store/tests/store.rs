//! Store behaviour on a real SQLite file: migrations, one-transaction grades, hints, progress,
//! export/import round trip.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use cks_checks::{Finding, Outcome, Status};
use cks_store::{NewAttempt, Source, Store};
use serde_json::json;

fn outcome(id: &str, status: Status, points: u32) -> Outcome {
    Outcome {
        check_id: id.into(),
        status,
        points_awarded: if status == Status::Pass { points } else { 0 },
        points_possible: points,
        message: format!("{id} message"),
        findings: if status == Status::Pass {
            vec![]
        } else {
            vec![Finding::new("bad").expected("x").found("y")]
        },
        doc: Some("https://kubernetes.io/docs/".into()),
    }
}

async fn store(dir: &tempfile::TempDir) -> Store {
    Store::open(&dir.path().join("nested/progress.db"))
        .await
        .unwrap()
}

#[tokio::test]
async fn grades_hints_and_progress() {
    let dir = tempfile::tempdir().unwrap();
    let s = store(&dir).await;
    assert_eq!(s.integrity_check().await.unwrap(), "ok");
    let params = json!({"ns": "payments"});
    let id = s
        .start_attempt(NewAttempt {
            lab_id: "lab-a",
            lab_hash: "h1",
            seed: u64::MAX,
            params: &params,
            source: Source::Snapshot,
        })
        .await
        .unwrap();
    let a = s.attempt(id).await.unwrap();
    assert_eq!(
        (a.seed, a.status.as_str(), a.params.clone()),
        (u64::MAX, "started", params.clone())
    );

    let g1 = s
        .record_grade(
            id,
            &[
                outcome("one", Status::Fail, 2),
                outcome("two", Status::Pass, 3),
            ],
        )
        .await
        .unwrap();
    assert_eq!(
        (g1.points_awarded, g1.points_possible, g1.passed),
        (3, 5, false)
    );
    assert_eq!(s.attempt(id).await.unwrap().status, "graded");

    assert_eq!(s.reveal_hint(id, 0, 1).await.unwrap(), 1);
    assert_eq!(
        s.reveal_hint(id, 0, 1).await.unwrap(),
        1,
        "the same hint costs once"
    );
    assert_eq!(s.reveal_hint(id, 1, 2).await.unwrap(), 3);
    let g2 = s
        .record_grade(
            id,
            &[
                outcome("one", Status::Pass, 2),
                outcome("two", Status::Pass, 3),
            ],
        )
        .await
        .unwrap();
    assert_eq!(
        (g2.points_awarded, g2.hint_penalty, g2.passed),
        (2, 3, true)
    );
    assert_eq!(s.attempt(id).await.unwrap().status, "passed");

    let grades = s.grades(id).await.unwrap();
    assert_eq!(grades.len(), 2);
    assert_eq!(
        grades[0].checks[0].findings[0].expected.as_deref(),
        Some("x")
    );
    assert_eq!(grades[1], g2.clone());

    let progress = s.lab_progress().await.unwrap();
    assert_eq!(progress.len(), 1);
    assert!(progress[0].passed);
    assert!((progress[0].best_ratio - 0.6).abs() < 1e-9, "{progress:?}");

    assert!(
        s.record_grade(999, &[outcome("x", Status::Pass, 1)])
            .await
            .is_err()
    );
    assert!(s.reveal_hint(999, 0, 1).await.is_err());
}

#[tokio::test]
async fn a_guard_failure_zeroes_the_grade() {
    let dir = tempfile::tempdir().unwrap();
    let s = store(&dir).await;
    let id = s
        .start_attempt(NewAttempt {
            lab_id: "lab",
            lab_hash: "h",
            seed: 1,
            params: &json!({}),
            source: Source::Snapshot,
        })
        .await
        .unwrap();
    let g = s
        .record_grade(
            id,
            &[
                outcome("scored", Status::Pass, 5),
                outcome("guard", Status::Fail, 0),
            ],
        )
        .await
        .unwrap();
    assert_eq!((g.points_awarded, g.passed), (0, false));
}

#[tokio::test]
async fn export_import_round_trip_is_idempotent() {
    let dir = tempfile::tempdir().unwrap();
    let s = store(&dir).await;
    let id = s
        .start_attempt(NewAttempt {
            lab_id: "lab-b",
            lab_hash: "h",
            seed: 7,
            params: &json!({"a": 1}),
            source: Source::Cluster,
        })
        .await
        .unwrap();
    s.reveal_hint(id, 0, 1).await.unwrap();
    s.record_grade(id, &[outcome("c", Status::Error, 1)])
        .await
        .unwrap();
    s.set_lesson_status("intro", "read").await.unwrap();
    s.set_setting("theme", "dark").await.unwrap();
    let export = s.export().await.unwrap();
    let text = serde_json::to_string(&export).unwrap();

    let other_dir = tempfile::tempdir().unwrap();
    let other = store(&other_dir).await;
    let parsed = serde_json::from_str(&text).unwrap();
    let summary = other.import(&parsed).await.unwrap();
    assert_eq!((summary.attempts_added, summary.grades_added), (1, 1));
    let again = other.import(&parsed).await.unwrap();
    assert_eq!((again.attempts_added, again.attempts_skipped), (0, 1));
    let re = other.export().await.unwrap();
    assert_eq!(re.attempts.len(), 1);
    assert_eq!(
        re.attempts[0].grades[0].checks,
        export.attempts[0].grades[0].checks
    );
    assert_eq!(re.attempts[0].hints, vec![0]);
    assert_eq!(re.lessons, vec![("intro".to_string(), "read".to_string())]);
    assert_eq!(
        other.setting("theme").await.unwrap().as_deref(),
        Some("dark")
    );

    let mut wrong = parsed.clone();
    wrong.version = 99;
    assert!(other.import(&wrong).await.is_err());
}
