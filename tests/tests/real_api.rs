//! The real-API tier: a real kube-apiserver (v1.20.2), etcd and controller manager on loopback.
//! Skips loudly when the binaries are absent (see tests/src/control_plane.rs).

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::process::Command;

use cks_tests::control_plane::{Binaries, ControlPlane};

fn control_plane(test: &str) -> Option<ControlPlane> {
    match Binaries::find() {
        Ok(bin) => Some(
            ControlPlane::start(&bin)
                .unwrap_or_else(|e| panic!("control plane did not start: {e}")),
        ),
        Err(why) => {
            cks_tests::skip(test, &why);
            None
        }
    }
}

fn kubectl(plane: &ControlPlane, args: &[&str]) -> (bool, String) {
    let out = Command::new("kubectl")
        .arg("--kubeconfig")
        .arg(&plane.kubeconfig)
        .args(args)
        .output()
        .unwrap();
    (
        out.status.success(),
        format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ),
    )
}

#[test]
fn the_control_plane_serves_rbac_and_runs_controllers() {
    let Some(plane) = control_plane("the_control_plane_serves_rbac_and_runs_controllers") else {
        return;
    };
    let (ok, out) = kubectl(&plane, &["create", "namespace", "probe"]);
    assert!(ok, "{out}");
    let (ok, out) = kubectl(
        &plane,
        &[
            "-n",
            "probe",
            "create",
            "deployment",
            "web",
            "--image=nginx",
            "--replicas=2",
        ],
    );
    assert!(ok, "{out}");
    // The controller manager turns the Deployment into Pods (Pending: there is no kubelet).
    let mut pods = 0;
    for _ in 0..100 {
        let (_, out) = kubectl(&plane, &["-n", "probe", "get", "pods", "-o", "name"]);
        pods = out.lines().filter(|l| l.starts_with("pod/")).count();
        if pods == 2 {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(200));
    }
    assert_eq!(
        pods,
        2,
        "the controller manager created the pods\n{}",
        plane.logs()
    );
    let (ok, out) = kubectl(
        &plane,
        &[
            "auth",
            "can-i",
            "get",
            "secrets",
            "--as",
            "system:serviceaccount:probe:default",
            "-n",
            "probe",
        ],
    );
    assert!(!ok && out.trim() == "no", "RBAC is enforced: {out}");
}

#[test]
fn labs_verify_on_the_real_api_server() {
    let Some(mut plane) = control_plane("labs_verify_on_the_real_api_server") else {
        return;
    };
    plane.start_fake_kubelet();
    let data = tempfile::tempdir().unwrap();
    let ckslab = |args: &[&str]| {
        Command::new(cks_tests::ckslab())
            .arg("--data-dir")
            .arg(data.path())
            .arg("--labs")
            .arg(cks_tests::repo_root().join("labs"))
            .args(args)
            .output()
            .unwrap()
    };
    let kubeconfig = plane.kubeconfig.to_string_lossy().into_owned();

    // Not registered yet: refused, with the way out named.
    let o = ckslab(&[
        "labs",
        "verify",
        "pss-restrict-namespace",
        "--kubeconfig",
        &kubeconfig,
    ]);
    assert_eq!(
        o.status.code(),
        Some(3),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("ckslab cluster register"),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );

    let o = ckslab(&[
        "cluster",
        "register",
        "--kubeconfig",
        &kubeconfig,
        "--name",
        "realapi",
        "--yes",
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let o = ckslab(&["--json", "cluster", "status", "--kubeconfig", &kubeconfig]);
    let status: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(status["registered"], true);
    assert!(
        status["version"]
            .as_str()
            .unwrap_or_default()
            .starts_with("v1.20"),
        "{status}"
    );

    let started = std::time::Instant::now();
    let o = ckslab(&[
        "--json",
        "labs",
        "verify",
        "--all",
        "--kubeconfig",
        &kubeconfig,
    ]);
    let report: serde_json::Value = serde_json::from_slice(&o.stdout)
        .unwrap_or_else(|_| panic!("{}", String::from_utf8_lossy(&o.stderr)));
    let labs = report["labs"]
        .as_array()
        .unwrap_or_else(|| panic!("no labs in the report: {report:#}"));
    for lab in labs {
        eprintln!("{} {} {}", lab["labId"], lab["status"], lab["reason"]);
        for p in lab["phases"].as_array().into_iter().flatten() {
            eprintln!(
                "    {} ok={} {} ms {}",
                p["name"], p["ok"], p["millis"], p["details"]
            );
        }
    }
    eprintln!("verify --all took {:?}", started.elapsed());
    assert_eq!(report["failed"], 0, "{report:#}");
    let pss = labs
        .iter()
        .find(|l| l["labId"] == "pss-restrict-namespace")
        .unwrap();
    assert_eq!(pss["status"], "verified", "{pss:#}");
    assert!(o.status.success());
}

/// Benchmark (not an assertion): grade latency on the real API server, snapshot included, and
/// lab start/reset times. Run with `CKSLAB_BENCH=1 cargo nextest run -p cks-tests --test real_api
/// --no-capture benchmark`; figures go to docs/benchmarks.md.
#[test]
fn benchmark_grade_start_reset_on_the_real_api_server() {
    if std::env::var_os("CKSLAB_BENCH").is_none() {
        cks_tests::skip(
            "benchmark_grade_start_reset_on_the_real_api_server",
            "set CKSLAB_BENCH=1 to run benchmarks",
        );
        return;
    }
    let Some(mut plane) = control_plane("benchmark") else {
        return;
    };
    plane.start_fake_kubelet();
    let data = tempfile::tempdir().unwrap();
    let runtime = runtime();
    runtime.block_on(async {
        let app = open_app(data.path(), &cks_tests::repo_root().join("labs")).await;
        let connection = app.connect(Some(&plane.kubeconfig), None).await.unwrap();
        app.register_cluster(&connection, "bench").unwrap();
        let owned = app.authorize(&connection).unwrap();
        for lab in ["pss-restrict-namespace", "rbac-least-privilege"] {
            let params = app.lab(lab).unwrap().draw_params(0);
            let checks = app.lab(lab).unwrap().lab.checks.len();
            let mut starts = Vec::new();
            let mut resets = Vec::new();
            let mut grades = Vec::new();
            for _ in 0..3 {
                let t = std::time::Instant::now();
                app.run_lab_steps(lab, &owned, &params, false).await.unwrap();
                starts.push(t.elapsed());
                for _ in 0..10 {
                    let t = std::time::Instant::now();
                    let outcomes = app.check_live(lab, &connection, &params).await.unwrap();
                    grades.push(t.elapsed());
                    assert_eq!(outcomes.len(), checks);
                }
                let t = std::time::Instant::now();
                app.reset_lab(lab, &owned, &params).await.unwrap();
                resets.push(t.elapsed());
            }
            grades.sort();
            starts.sort();
            resets.sort();
            println!(
                "BENCH {lab} ({checks} checks): grade median {:?} (min {:?}, max {:?}, n={}); start median {:?}; reset median {:?}",
                grades[grades.len() / 2],
                grades[0],
                grades[grades.len() - 1],
                grades.len(),
                starts[1],
                resets[1]
            );
        }
    });
}

/// A learner's attempt end to end on the real API server: start (setup with a seed), grade
/// (fails and explains), a hint (costs a point), the fix, grade (passes, recorded with the
/// penalty), reset (nothing of the lab remains).
#[test]
fn an_attempt_start_grade_hint_fix_grade_reset() {
    let Some(mut plane) = control_plane("an_attempt_start_grade_hint_fix_grade_reset") else {
        return;
    };
    plane.start_fake_kubelet();
    let data = tempfile::tempdir().unwrap();
    let runtime = runtime();
    runtime.block_on(async {
        let app = open_app(data.path(), &cks_tests::repo_root().join("labs")).await;
        let connection = app.connect(Some(&plane.kubeconfig), None).await.unwrap();
        assert!(app.authorize(&connection).is_err(), "not registered yet");
        app.register_cluster(&connection, "realapi").unwrap();
        let owned = app.authorize(&connection).unwrap();
        let lab = "pss-restrict-namespace";

        let started = app.start(lab, Some(42), &owned, None).await.unwrap();
        let ns = started.params["ns"].as_str().unwrap().to_owned();
        assert!(
            started.task_markdown.contains(&ns),
            "the task names the attempt's namespace"
        );

        let first = app.grade_attempt(lab, &owned, None).await.unwrap();
        assert!(!first.grade.passed);
        assert_eq!(first.grade.points_awarded, 0);
        assert!(
            first
                .outcomes
                .iter()
                .filter(|o| o.points_possible > 0)
                .all(|o| o.status == cks_app::Status::Fail)
        );

        let hint = app.hint(lab).await.unwrap();
        assert_eq!((hint.number, hint.total_penalty), (1, 1));
        assert!(hint.markdown.contains(&ns));

        app.run_lab_steps(lab, &owned, &started.params, true)
            .await
            .unwrap();
        let second = app.grade_attempt(lab, &owned, None).await.unwrap();
        assert!(second.grade.passed, "{:#?}", second.outcomes);
        assert_eq!(
            (
                second.grade.points_awarded,
                second.grade.points_possible,
                second.grade.hint_penalty
            ),
            (6, 7, 1)
        );
        assert!(app.solution(lab).await.unwrap().contains(&ns));

        let deleted = app.reset_attempt(lab, &owned, None).await.unwrap();
        assert!(deleted >= 2);
        let after = app
            .check_live(lab, &connection, &started.params)
            .await
            .unwrap();
        assert!(
            after.iter().all(|o| o.status != cks_app::Status::Pass),
            "nothing of the lab remains: {after:#?}"
        );
        let progress = app.progress().await.unwrap();
        let lab_progress = progress.labs.iter().find(|l| l.lab_id == lab).unwrap();
        assert!(lab_progress.passed && lab_progress.grades == 2);
    });
}

/// Faults: a setup file naming a kind the cluster does not serve fails with the file and the
/// kind and marks the attempt incomplete; an API server that disappears mid-session makes
/// grading fail with a clear message and records nothing.
#[test]
fn unknown_kinds_and_a_vanished_api_server_are_clear_errors_and_record_nothing() {
    let Some(mut plane) = control_plane(
        "unknown_kinds_and_a_vanished_api_server_are_clear_errors_and_record_nothing",
    ) else {
        return;
    };
    plane.start_fake_kubelet();
    let data = tempfile::tempdir().unwrap();
    let labs = tempfile::tempdir().unwrap();
    let root = cks_tests::repo_root();
    cks_tests::copy_dir(
        &root.join("labs/pss-restrict-namespace"),
        &labs.path().join("pss-restrict-namespace"),
    );
    cks_tests::copy_dir(
        &root.join("labs/rbac-least-privilege"),
        &labs.path().join("rbac-least-privilege"),
    );
    std::fs::write(
        labs.path().join("pss-restrict-namespace/setup/widget.yaml"),
        "apiVersion: widgets.example.com/v1\nkind: Widget\nmetadata:\n  name: w\n  namespace: \"{{ ns }}\"\n",
    )
    .unwrap();
    let runtime = runtime();
    runtime.block_on(async {
        let app = open_app(data.path(), labs.path()).await;
        let connection = app.connect(Some(&plane.kubeconfig), None).await.unwrap();
        app.register_cluster(&connection, "realapi").unwrap();
        let owned = app.authorize(&connection).unwrap();

        let err = app
            .start("pss-restrict-namespace", Some(1), &owned, None)
            .await
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("setup/widget.yaml") && err.contains("widgets.example.com/v1/Widget"),
            "{err}"
        );
        assert!(err.contains("marked incomplete"), "{err}");
        let attempts = app
            .store()
            .attempts(Some("pss-restrict-namespace"))
            .await
            .unwrap();
        assert_eq!(attempts[0].status, "incomplete");

        app.start("rbac-least-privilege", Some(1), &owned, None)
            .await
            .unwrap();
        let before = app
            .store()
            .export()
            .await
            .unwrap()
            .attempts
            .iter()
            .map(|a| a.grades.len())
            .sum::<usize>();
        plane.stop_apiserver();
        let err = app
            .grade_attempt("rbac-least-privilege", &owned, None)
            .await
            .unwrap_err()
            .to_string();
        assert!(err.contains("nothing was recorded"), "{err}");
        let after = app
            .store()
            .export()
            .await
            .unwrap()
            .attempts
            .iter()
            .map(|a| a.grades.len())
            .sum::<usize>();
        assert_eq!(before, after, "no half-written grade");
    });
}

/// The live half of behaviour checks: a trigger's request comes back with the API server's own
/// Audit-Id (what ties an audit line to the grader), and probes refuse Services that are not the
/// lab's and clients that do not exist.
#[test]
fn triggers_record_audit_ids_and_probes_only_target_the_labs_own_services() {
    let Some(mut plane) = control_plane("behaviour") else {
        return;
    };
    plane.start_fake_kubelet();
    let data = tempfile::tempdir().unwrap();
    let runtime = runtime();
    runtime.block_on(async {
        let app = open_app(data.path(), &cks_tests::repo_root().join("labs")).await;
        let connection = app.connect(Some(&plane.kubeconfig), None).await.unwrap();
        let trigger: cks_checks::spec::Trigger = serde_json::from_value(serde_json::json!({
            "verb": "get", "resource": "secrets", "namespace": "default",
            "name": "ckslab-audit-probe", "user": "audit-tester"
        }))
        .unwrap();
        let record = cks_cluster::perform_trigger(&connection, &trigger)
            .await
            .unwrap();
        assert!(!record.audit_ids.is_empty(), "{record:?}");
        assert!(
            record.audit_ids.iter().all(|id| id.len() >= 32),
            "{record:?}"
        );
        assert_eq!(
            record.action,
            "get secrets/ckslab-audit-probe as audit-tester"
        );
        assert!(record.at.starts_with("20"), "{record:?}");

        // kube-system/kube-dns-like Service that no lab owns: refused.
        plane_kubectl(
            &plane,
            &[
                "create",
                "service",
                "clusterip",
                "foreign",
                "--tcp=80:80",
                "-n",
                "default",
            ],
        );
        let probe: cks_checks::spec::ProbeCheck = serde_json::from_value(serde_json::json!({
            "from": {"namespace": "default", "labels": {"app": "client"}},
            "client": "wget", "service": "foreign", "port": 80, "expect": "success"
        }))
        .unwrap();
        let e = cks_cluster::run_probe(&connection, "some-lab", &probe)
            .await
            .unwrap_err();
        assert!(
            e.to_string().contains("does not belong to lab some-lab"),
            "{e}"
        );
        let missing: cks_checks::spec::ProbeCheck = serde_json::from_value(serde_json::json!({
            "from": {"namespace": "default", "labels": {"app": "client"}},
            "client": "nc", "service": "gone", "port": 80, "expect": "failure"
        }))
        .unwrap();
        let e = cks_cluster::run_probe(&connection, "some-lab", &missing)
            .await
            .unwrap_err();
        assert!(e.to_string().contains("does not exist"), "{e}");
    });
}

fn plane_kubectl(plane: &ControlPlane, args: &[&str]) {
    let out = std::process::Command::new("kubectl")
        .arg("--kubeconfig")
        .arg(&plane.kubeconfig)
        .args(args)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

/// The app over a data folder and a labs folder, with the repository's lessons.
async fn open_app(data: &std::path::Path, labs: &std::path::Path) -> cks_app::App {
    cks_app::App::open(cks_app::AppConfig {
        data_dir: data.into(),
        labs_dir: labs.into(),
        content_dir: cks_tests::repo_root().join("content"),
    })
    .await
    .unwrap()
}

/// The desktop app's flow on "its own cluster" (the data folder's kubeconfig): status, a start
/// that streams its steps, the attempt found again after a restart, grade, reset; a start cut
/// short (the window closed mid-setup) records nothing.
#[test]
fn the_desktop_flow_on_the_apps_own_cluster() {
    let Some(mut plane) = control_plane("the_desktop_flow_on_the_apps_own_cluster") else {
        return;
    };
    plane.start_fake_kubelet();
    let data = tempfile::tempdir().unwrap();
    let runtime = runtime();
    runtime.block_on(async {
        let app = open_app(data.path(), &cks_tests::repo_root().join("labs")).await;
        let lab = "pss-restrict-namespace";

        let none = app.cluster_status().await;
        assert!(
            !none.exists && !none.reachable && !none.registered,
            "{none:?}"
        );
        assert!(none.message.is_some(), "says what to do: {none:?}");
        assert!(matches!(
            app.own_cluster().await,
            Err(cks_app::AppError::NoCluster(_))
        ));

        std::fs::copy(&plane.kubeconfig, app.own_kubeconfig()).unwrap();
        let unregistered = app.cluster_status().await;
        assert!(
            unregistered.reachable && !unregistered.registered,
            "{unregistered:?}"
        );
        assert!(
            unregistered
                .message
                .as_deref()
                .unwrap_or("")
                .contains("register"),
            "{unregistered:?}"
        );
        let connection = app.connect(None, None).await.unwrap();
        app.register_cluster(&connection, "realapi").unwrap();
        let status = app.cluster_status().await;
        assert!(
            status.exists && status.reachable && status.registered,
            "{status:?}"
        );
        assert_eq!(status.version.as_deref(), Some("v1.20.2"));
        assert_eq!(status.message, None);
        let owned = app.own_cluster().await.unwrap();

        // Cut short: nothing recorded (the next start resets whatever was applied).
        let cut = tokio::time::timeout(
            std::time::Duration::from_millis(1),
            app.start_with_progress(lab, Some(7), &owned, None, &|_| {}),
        )
        .await;
        assert!(cut.is_err(), "the start was cut short");
        assert!(app.store().attempts(Some(lab)).await.unwrap().is_empty());
        assert!(app.active_attempt(lab).await.unwrap().is_none());

        let lines = std::sync::Mutex::new(Vec::<String>::new());
        let started = app
            .start_with_progress(lab, Some(42), &owned, None, &|l| {
                lines.lock().unwrap().push(l.to_owned());
            })
            .await
            .unwrap();
        let lines = lines.into_inner().unwrap();
        assert!(
            lines.first().unwrap().contains("earlier attempt"),
            "{lines:?}"
        );
        assert!(lines.iter().any(|l| l.starts_with("applied ")), "{lines:?}");
        assert_eq!(lines.last().map(String::as_str), Some("ready"));
        for l in &started.log {
            assert!(lines.contains(l), "every log line was streamed: {l}");
        }

        // The view reopens: the attempt in progress, same params, same task.
        let active = app.active_attempt(lab).await.unwrap().unwrap();
        assert_eq!(
            (active.attempt_id, active.seed, &active.params),
            (started.attempt_id, 42, &started.params)
        );
        assert_eq!(active.task_markdown, started.task_markdown);
        let view = cks_app::dto::AttemptView::from(active);
        assert_eq!(view.seed, "42");
        assert!(!view.task_html.contains("<script"));

        let graded = app.grade_attempt(lab, &owned, None).await.unwrap();
        assert_eq!(graded.attempt_id, started.attempt_id);
        assert!(!graded.grade.passed);
        assert!(app.reset_attempt(lab, &owned, None).await.unwrap() >= 2);
    });
}

/// A three-task mock exam end to end on the real API server: plan, start (every task set up
/// side by side), resume, flag and note, solve two, submit, and a report of 2 of 3 tasks with
/// per-domain scores; nothing is graded before submit.
#[test]
fn a_three_task_exam_start_solve_two_submit_report() {
    let Some(mut plane) = control_plane("a_three_task_exam_start_solve_two_submit_report") else {
        return;
    };
    plane.start_fake_kubelet();
    let data = tempfile::tempdir().unwrap();
    let runtime = runtime();
    runtime.block_on(async {
        let app = open_app(data.path(), &cks_tests::repo_root().join("labs")).await;
        std::fs::copy(&plane.kubeconfig, app.own_kubeconfig()).unwrap();
        let connection = app.connect(None, None).await.unwrap();
        app.register_cluster(&connection, "realapi").unwrap();
        let owned = app.own_cluster().await.unwrap();
        let choice = cks_app::exam::ExamChoice {
            exam_id: Some("three-domains".into()),
            ..Default::default()
        };
        let plan = app.plan_exam(&choice, false).unwrap();
        assert_eq!(plan.tasks.len(), 3);

        let lines = std::sync::Mutex::new(Vec::<String>::new());
        let view = app
            .start_exam(&choice, &owned, &|l| {
                lines.lock().unwrap().push(l.to_owned())
            })
            .await
            .unwrap();
        assert_eq!(view.tasks.len(), 3);
        assert!(view.remaining_seconds > 29 * 60 && view.remaining_seconds <= 30 * 60);
        assert!(
            lines
                .lock()
                .unwrap()
                .iter()
                .any(|l| l.starts_with("task 3/3"))
        );
        // Nothing graded before submit.
        for t in &view.tasks {
            assert!(app.store().grades(t.attempt_id).await.unwrap().is_empty());
        }
        // One exam at a time; the running one resumes.
        assert_eq!(
            app.start_exam(&choice, &owned, &|_| {})
                .await
                .unwrap_err()
                .code(),
            "exam-running"
        );
        let resumed = app.current_exam().await.unwrap().unwrap();
        assert_eq!(resumed.exam_id, view.exam_id);
        app.flag_exam_task(view.exam_id, 2, true).await.unwrap();
        app.note_exam_task(view.exam_id, 2, "check the SA later")
            .await
            .unwrap();
        let resumed = app.exam_view(view.exam_id).await.unwrap();
        assert!(resumed.tasks[1].flagged && resumed.tasks[1].notes == "check the SA later");
        assert_eq!(
            app.flag_exam_task(view.exam_id, 9, true)
                .await
                .unwrap_err()
                .code(),
            "exam-task"
        );

        // No hints or solutions for a task of the running exam.
        assert_eq!(
            app.hint(&view.tasks[0].lab_id).await.unwrap_err().code(),
            "exam-running"
        );
        assert_eq!(
            app.solution(&view.tasks[0].lab_id)
                .await
                .unwrap_err()
                .code(),
            "exam-running"
        );
        // Solve tasks 1 and 3 with their own params.
        for t in [&view.tasks[0], &view.tasks[2]] {
            let attempt = app.store().attempt(t.attempt_id).await.unwrap();
            let params = attempt
                .params
                .as_object()
                .unwrap()
                .iter()
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect();
            app.run_lab_steps(&t.lab_id, &owned, &params, true)
                .await
                .unwrap();
        }
        let report = app
            .submit_exam(view.exam_id, &owned, &|_| {})
            .await
            .unwrap();
        let passed: Vec<u32> = report
            .tasks
            .iter()
            .filter(|t| t.passed)
            .map(|t| t.position)
            .collect();
        assert_eq!(passed, vec![1, 3], "{report:#?}");
        assert_eq!(report.domains.len(), 3);
        for d in &report.domains {
            let expected = if report
                .tasks
                .iter()
                .find(|t| t.domain == d.id)
                .unwrap()
                .passed
            {
                100
            } else {
                0
            };
            assert_eq!(d.percent, expected, "{d:?}");
        }
        let failed = &report.tasks[1];
        assert!(!failed.failed.is_empty() && failed.awarded == 0);
        assert!(!failed.lessons.is_empty(), "links to its lessons");
        assert_eq!(report.pass_mark, 67);
        assert_eq!(report.passed, report.percent >= 67);
        assert_eq!(
            report.percent,
            report.awarded * 100 / report.possible,
            "{report:#?}"
        );
        // Stored: the report and the history survive, the exam is no longer running.
        assert_eq!(app.exam_report(view.exam_id).await.unwrap(), report);
        assert!(app.current_exam().await.unwrap().is_none());
        let history = app.exam_history().await.unwrap();
        assert_eq!(history[0].percent, Some(report.percent));
        // Grades were recorded for each task's attempt.
        for t in &view.tasks {
            assert_eq!(app.store().grades(t.attempt_id).await.unwrap().len(), 1);
        }
    });
}

/// A shared cluster: two learners run the same namespace-scoped lab side by side in their own
/// prefixed namespaces; one's reset leaves the other's objects; cluster- and node-scoped labs
/// are refused there.
#[test]
fn a_shared_cluster_runs_namespace_labs_per_learner() {
    let Some(mut plane) = control_plane("a_shared_cluster_runs_namespace_labs_per_learner") else {
        return;
    };
    plane.start_fake_kubelet();
    let runtime = runtime();
    let alice_data = tempfile::tempdir().unwrap();
    let bob_data = tempfile::tempdir().unwrap();
    runtime.block_on(async {
        let labs = cks_tests::repo_root().join("labs");
        let mut apps = Vec::new();
        for (data, learner) in [(alice_data.path(), "alice"), (bob_data.path(), "bob")] {
            let app = open_app(data, &labs).await;
            let connection = app.connect(Some(&plane.kubeconfig), None).await.unwrap();
            app.register_shared_cluster(&connection, "workshop", learner)
                .unwrap();
            let owned = app.authorize(&connection).unwrap();
            assert_eq!(owned.learner(), Some(learner));
            apps.push((app, owned, learner));
        }
        let lab = "pss-restrict-namespace";
        let mut namespaces = Vec::new();
        for (app, owned, learner) in &apps {
            let started = app.start(lab, Some(42), owned, None).await.unwrap();
            let ns = started.params["ns"].as_str().unwrap().to_owned();
            assert!(ns.starts_with(&format!("{learner}-")), "{ns}");
            assert!(started.task_markdown.contains(&ns));
            namespaces.push(ns);
        }
        assert_ne!(namespaces[0], namespaces[1]);
        for ns in &namespaces {
            let (ok, out) = kubectl(&plane, &["get", "deploy", "-n", ns, "-o", "name"]);
            assert!(ok && out.contains("deployment"), "{out}");
        }
        // Labels carry the learner: bob's reset leaves alice's lab alone.
        let (ok, out) = kubectl(
            &plane,
            &[
                "get",
                "ns",
                &namespaces[0],
                "-o",
                "jsonpath={.metadata.labels.ckslab\\.io/lab}",
            ],
        );
        assert!(ok && out == format!("alice.{lab}"), "{out}");
        let (app_b, owned_b, _) = &apps[1];
        assert!(app_b.reset_attempt(lab, owned_b, None).await.unwrap() >= 1);
        let (ok, _) = kubectl(&plane, &["get", "ns", &namespaces[0]]);
        assert!(ok, "alice's namespace survives bob's reset");
        // Grading works per learner.
        let (app_a, owned_a, _) = &apps[0];
        let graded = app_a.grade_attempt(lab, owned_a, None).await.unwrap();
        assert!(!graded.grade.passed);
        assert!(
            graded
                .outcomes
                .iter()
                .any(|o| o.message.contains(&namespaces[0])
                    || o.findings
                        .iter()
                        .any(|f| f.to_string().contains(&namespaces[0]))),
            "{:#?}",
            graded.outcomes
        );
        // Labs that reach beyond their namespaces are refused before anything is applied.
        for refused in ["rbac-least-privilege", "apiserver-harden-flags"] {
            let e = app_a
                .start(refused, Some(1), owned_a, None)
                .await
                .unwrap_err();
            assert_eq!(e.code(), "shared-cluster", "{refused}: {e}");
        }
        // A shared exam draws namespace-scoped labs only.
        let plan = app_a
            .plan_exam_within(
                &cks_app::exam::ExamChoice {
                    seed: Some(3),
                    count: Some(15),
                    ..Default::default()
                },
                cks_labs::model::Scope::Namespace,
            )
            .unwrap();
        assert!(!plan.tasks.is_empty());
        for t in &plan.tasks {
            assert_eq!(
                app_a.lab(&t.lab_id).unwrap().scope(),
                cks_labs::model::Scope::Namespace,
                "{}",
                t.lab_id
            );
        }
    });
}
