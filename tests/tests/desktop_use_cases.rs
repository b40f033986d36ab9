//! The use cases behind the desktop app's author view, data export/import and terminals,
//! without a window (the commands in src-tauri only adapt these).

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;
use std::time::{Duration, Instant};

use cks_app::dto::FixtureRole;
use cks_app::terminal::TerminalTarget;

async fn open_app(data: &Path) -> cks_app::App {
    cks_app::App::open(cks_app::AppConfig {
        data_dir: data.into(),
        labs_dir: cks_tests::repo_root().join("labs"),
        content_dir: cks_tests::repo_root().join("content"),
    })
    .await
    .unwrap()
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

fn lab_copy(dir: &Path) -> std::path::PathBuf {
    let lab = dir.join("sa-disable-automount");
    cks_tests::copy_dir(
        &cks_tests::repo_root().join("labs/sa-disable-automount"),
        &lab,
    );
    lab
}

#[test]
fn author_check_lints_self_tests_and_previews_a_lab_folder() {
    let tmp = tempfile::tempdir().unwrap();
    let lab = lab_copy(tmp.path());
    let report = cks_app::author_check(&lab).unwrap();
    assert_eq!(report.labs.len(), 1);
    let one = &report.labs[0];
    assert_eq!(one.id.as_deref(), Some("sa-disable-automount"));
    assert!(one.problems.is_empty(), "{:?}", one.problems);
    let test = one.self_test.as_ref().unwrap();
    assert!(test.passed);
    let kinds: Vec<FixtureRole> = test.fixtures.iter().map(|f| f.kind).collect();
    assert!(kinds.contains(&FixtureRole::Broken) && kinds.contains(&FixtureRole::Bypass));
    let solved = test
        .fixtures
        .iter()
        .find(|f| f.kind == FixtureRole::Solved)
        .unwrap();
    assert_eq!(solved.path, "fixtures/solved");
    assert!(solved.score == solved.of && solved.of > 0, "{solved:?}");
    assert!(one.task_html.as_deref().unwrap().contains("<p>"));

    // A broken lab: every problem listed, no self-test.
    let yaml = lab.join("lab.yaml");
    let text = std::fs::read_to_string(&yaml).unwrap();
    std::fs::write(
        &yaml,
        text.replace("difficulty:", "difficulty: impossible\nx_unknown:"),
    )
    .unwrap();
    let report = cks_app::author_check(&lab).unwrap();
    let one = &report.labs[0];
    assert!(one.self_test.is_none());
    assert!(!one.problems.is_empty());
    assert!(
        one.problems.iter().all(|p| p.file.ends_with("lab.yaml")),
        "{:?}",
        one.problems
    );

    let missing = cks_app::author_check(&tmp.path().join("nope")).unwrap_err();
    assert_eq!(missing.code(), "path-not-found");
}

#[test]
fn author_watch_rechecks_when_a_file_changes_and_stops_when_dropped() {
    let tmp = tempfile::tempdir().unwrap();
    let lab = lab_copy(tmp.path());
    let (tx, rx) = std::sync::mpsc::channel();
    let watch = cks_app::author_watch(&lab, move |r| {
        let _ = tx.send(r);
    })
    .unwrap();
    // Break a fixture: the solved snapshot now fails its checks.
    let objects = lab.join("fixtures/solved/objects");
    for entry in std::fs::read_dir(&objects).unwrap() {
        std::fs::remove_file(entry.unwrap().path()).unwrap();
    }
    let report = rx
        .recv_timeout(Duration::from_secs(10))
        .expect("a report after the change")
        .unwrap();
    let test = report.labs[0].self_test.as_ref().unwrap();
    assert!(!test.passed, "the watch saw the broken fixture");
    // Bursts settle into one check.
    let started = Instant::now();
    while rx.recv_timeout(Duration::from_millis(400)).is_ok() {
        assert!(
            started.elapsed() < Duration::from_secs(5),
            "reports keep coming"
        );
    }
    drop(watch);
    std::fs::write(lab.join("task.md"), "changed after the watch stopped").unwrap();
    assert!(
        rx.recv_timeout(Duration::from_millis(800)).is_err(),
        "no report after drop"
    );
}

#[test]
fn export_to_a_file_and_import_it_into_another_data_folder() {
    let a = tempfile::tempdir().unwrap();
    let b = tempfile::tempdir().unwrap();
    runtime().block_on(async {
        let app = open_app(a.path()).await;
        app.grade_fixture("sa-disable-automount", "fixtures/solved")
            .await
            .unwrap();
        app.grade_fixture("sa-disable-automount", "fixtures/broken")
            .await
            .unwrap();
        let unknown = app
            .grade_fixture("sa-disable-automount", "../../etc")
            .await
            .unwrap_err();
        assert_eq!(unknown.code(), "fixture-not-found");

        let file = a.path().join("out.json");
        let summary = app.export_to(&file).await.unwrap();
        assert_eq!(summary.attempts, 2);
        assert!(!a.path().join("out.json.partial").exists());

        let other = open_app(b.path()).await;
        let imported = other.import_from(&file).await.unwrap();
        assert_eq!((imported.attempts_added, imported.grades_added), (2, 2));
        let again = other.import_from(&file).await.unwrap();
        assert_eq!((again.attempts_added, again.attempts_skipped), (0, 2));

        std::fs::write(b.path().join("bad.json"), "{\n  \"format\": 3\n}").unwrap();
        let bad = other
            .import_from(&b.path().join("bad.json"))
            .await
            .unwrap_err();
        assert_eq!(bad.code(), "file");
        assert!(bad.to_string().contains("line 2"), "{bad}");
        // Nothing was half-imported.
        assert_eq!(other.store().attempts(None).await.unwrap().len(), 2);

        let nowhere = app
            .export_to(&a.path().join("no/such/dir/x.json"))
            .await
            .unwrap_err();
        assert_eq!(nowhere.code(), "file");
    });
}

#[test]
fn terminals_get_the_apps_kubeconfig_and_only_its_own_nodes() {
    let data = tempfile::tempdir().unwrap();
    runtime().block_on(async {
        let app = open_app(data.path()).await;
        let local = app.terminal_command(&TerminalTarget::Local).unwrap();
        let kubeconfig = app.own_kubeconfig().display().to_string();
        assert!(
            local
                .env
                .iter()
                .any(|(k, v)| k == "KUBECONFIG" && *v == kubeconfig)
        );
        assert!(
            local
                .env
                .iter()
                .any(|(k, v)| k == "TERM" && v == "xterm-256color")
        );
        let stranger = app
            .terminal_command(&TerminalTarget::Node {
                node: "some-other-container".into(),
            })
            .unwrap_err();
        assert_eq!(stranger.code(), "terminal");
        assert!(
            stranger.to_string().contains("cks-control-plane"),
            "{stranger}"
        );

        // The local shell really sees the kubeconfig.
        let terms = cks_app::terminal::Terminals::new();
        let (tx, rx) = std::sync::mpsc::channel();
        let id = terms
            .open(&local, 100, 30, move |e| {
                let _ = tx.send(e);
            })
            .unwrap();
        terms.write(id, b"echo \"kc=$KUBECONFIG\"\n").unwrap();
        let mut out = Vec::new();
        let deadline = Instant::now() + Duration::from_secs(10);
        while !String::from_utf8_lossy(&out).contains(&format!("kc={kubeconfig}")) {
            assert!(
                Instant::now() < deadline,
                "{}",
                String::from_utf8_lossy(&out)
            );
            if let Ok(cks_app::terminal::TerminalEvent::Output(b)) =
                rx.recv_timeout(Duration::from_millis(200))
            {
                out.extend(b);
            }
        }
        terms.close(id).unwrap();
    });
}

#[test]
fn every_shipped_exam_plans_without_conflicts() {
    let data = tempfile::tempdir().unwrap();
    runtime().block_on(async {
        let app = open_app(data.path()).await;
        let files = app.exam_files().unwrap();
        assert!(files.len() >= 2, "{files:?}");
        for f in files {
            let plan = app
                .plan_exam(
                    &cks_app::exam::ExamChoice {
                        exam_id: Some(f.id.clone()),
                        ..Default::default()
                    },
                    true,
                )
                .unwrap_or_else(|e| panic!("{}: {e}", f.id));
            assert_eq!(plan.tasks.len(), f.tasks.len());
        }
        // A drawn exam replays from its seed.
        let choice = cks_app::exam::ExamChoice {
            seed: Some(12345),
            count: Some(16),
            ..Default::default()
        };
        let a = app.plan_exam(&choice, true).unwrap();
        assert_eq!(a, app.plan_exam(&choice, true).unwrap());
        assert_eq!(a.tasks.len(), 16);
        // A cluster without nodes gets no node task.
        let no_nodes = app.plan_exam(&choice, false).unwrap();
        assert!(no_nodes.tasks.iter().all(|t| {
            !["apiserver-harden-flags", "kubelet-harden-config"].contains(&t.lab_id.as_str())
        }));
    });
}
