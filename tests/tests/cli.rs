//! `ckslab` end to end: lint (all problems at once, file:line:col), self-test, grade with
//! recorded attempts, progress, export/import, exit codes.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;
use std::process::{Command, Output};

use cks_tests::{ckslab, copy_dir, repo_root};

const LAB: &str = "pss-restrict-namespace";

fn run(data: &Path, args: &[&str]) -> Output {
    Command::new(ckslab())
        .arg("--data-dir")
        .arg(data)
        .arg("--labs")
        .arg(repo_root().join("labs"))
        .args(args)
        .env("NO_COLOR", "1")
        .output()
        .expect("ckslab runs")
}

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

#[test]
fn lint_and_self_test_pass_on_the_shipped_labs() {
    let data = tempfile::tempdir().unwrap();
    let o = run(data.path(), &["labs", "lint"]);
    assert!(o.status.success(), "{}", text(&o));
    assert!(text(&o).contains("0 problem(s)"));
    let o = run(data.path(), &["labs", "test"]);
    assert!(o.status.success(), "{}", text(&o));
    let o = run(data.path(), &["--json", "labs", "test"]);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["failed"], 0);
}

#[test]
fn lint_reports_every_problem_with_file_line_column() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join(LAB);
    copy_dir(&repo_root().join("labs").join(LAB), &dir);
    let lab_yaml = dir.join("lab.yaml");
    let original = std::fs::read_to_string(&lab_yaml).unwrap();
    let broken = original
        .replace(
            "competencies: [mv.pod-security-standards]",
            "competencies: [mv.pod-security-standard]",
        )
        .replace(
            "hints: [hints/1.md, hints/2.md, hints/3.md]",
            "hints: [hints/1.md, hints/2.md, ../../etc/passwd]",
        )
        .replace(
            "      where: \"object.spec.?replicas.orValue(1) >= 2\"",
            "      where: \"object.spec.?replicas.orValue(1) >= \"",
        )
        .replace(
            "    description: Every running pod",
            "    descripton: Every running pod",
        );
    assert_ne!(broken, original);
    std::fs::write(&lab_yaml, &broken).unwrap();
    let data = tempfile::tempdir().unwrap();
    let o = run(data.path(), &["labs", "lint", dir.to_str().unwrap()]);
    let out = text(&o);
    assert_eq!(o.status.code(), Some(1), "{out}");
    // The typo'd field is found at once (type errors stop further checks of the typed lab,
    // but every field-level problem is listed).
    let line_of = |needle: &str| broken.lines().position(|l| l.contains(needle)).unwrap() + 1;
    assert!(
        out.contains(&format!(
            "lab.yaml:{}:5: checks[2].descripton: unknown field `descripton`",
            line_of("descripton")
        )),
        "{out}"
    );

    // Fix the typo: now the semantic problems are all reported together.
    std::fs::write(&lab_yaml, broken.replace("descripton", "description")).unwrap();
    let o = run(data.path(), &["labs", "lint", dir.to_str().unwrap()]);
    let out = text(&o);
    assert_eq!(o.status.code(), Some(1), "{out}");
    assert!(
        out.contains(&format!("lab.yaml:{}:", line_of("competencies:")))
            && out.contains("unknown competency id \"mv.pod-security-standard\""),
        "{out}"
    );
    assert!(
        out.contains("did you mean \"mv.pod-security-standards\""),
        "{out}"
    );
    assert!(
        out.contains("hints[2]") && out.contains("leaves the lab folder"),
        "{out}"
    );
    assert!(
        out.contains("checks[3].count.where") && out.contains("CEL does not compile"),
        "{out}"
    );
    assert!(
        out.contains(&format!(
            "lab.yaml:{}:",
            line_of("where: \"object.spec.?replicas")
        )),
        "{out}"
    );
}

#[test]
fn alias_bombs_and_oversized_lab_files_are_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("bomb");
    std::fs::create_dir_all(&dir).unwrap();
    let mut bomb = String::from("a: &a [x, x, x, x, x, x, x, x, x, x]\n");
    for (prev, name) in ["a", "b", "c", "d", "e", "f", "g"]
        .iter()
        .zip(["b", "c", "d", "e", "f", "g", "h"])
    {
        bomb.push_str(&format!("{name}: &{name} [*{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}]\n"));
    }
    std::fs::write(dir.join("lab.yaml"), bomb).unwrap();
    let data = tempfile::tempdir().unwrap();
    cks_tests::ckslab(); // build first: the timing below is about parsing, not compiling
    let started = std::time::Instant::now();
    let o = run(data.path(), &["labs", "lint", dir.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    assert!(
        started.elapsed() < std::time::Duration::from_secs(10),
        "refused quickly"
    );
    assert!(text(&o).contains("lab.yaml"), "{}", text(&o));

    let big = tmp.path().join("big");
    std::fs::create_dir_all(&big).unwrap();
    std::fs::write(big.join("lab.yaml"), "# x\n".repeat(300_000)).unwrap();
    let o = run(data.path(), &["labs", "lint", big.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1));
    assert!(text(&o).contains("over the"), "{}", text(&o));
}

#[test]
fn grade_records_attempts_and_progress_export_import_round_trip() {
    let data = tempfile::tempdir().unwrap();
    let fixtures = repo_root().join("labs").join(LAB).join("fixtures");
    let solved = run(
        data.path(),
        &[
            "grade",
            LAB,
            "--snapshot",
            fixtures.join("solved").to_str().unwrap(),
        ],
    );
    assert_eq!(solved.status.code(), Some(0), "{}", text(&solved));
    assert!(
        text(&solved).contains("PASSED score 7/7"),
        "{}",
        text(&solved)
    );

    let broken = run(
        data.path(),
        &[
            "--json",
            "grade",
            LAB,
            "--snapshot",
            fixtures.join("broken").to_str().unwrap(),
        ],
    );
    assert_eq!(broken.status.code(), Some(1));
    let report: serde_json::Value = serde_json::from_slice(&broken.stdout).unwrap();
    for o in report["outcomes"].as_array().unwrap() {
        if o["pointsPossible"].as_u64().unwrap() > 0 {
            assert_eq!(o["status"], "fail", "{o}");
            assert!(
                !o["findings"].as_array().unwrap().is_empty(),
                "a failure explains itself: {o}"
            );
        }
    }
    assert_eq!(report["grade"]["pointsAwarded"], 0);

    let progress = run(data.path(), &["--json", "progress"]);
    let p: serde_json::Value = serde_json::from_slice(&progress.stdout).unwrap();
    let lab = p["labs"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["labId"] == LAB)
        .unwrap();
    assert_eq!(
        (
            lab["attempts"].as_u64(),
            lab["grades"].as_u64(),
            lab["passed"].as_bool()
        ),
        (Some(2), Some(2), Some(true))
    );
    let human = text(&run(data.path(), &["progress"]));
    // The competency's row: its lab was attempted and passed (the score depends on how many
    // labs the competency has, so it is not pinned here).
    let row = human
        .lines()
        .find(|l| l.contains("mv.pod-security-standards"))
        .unwrap_or_else(|| panic!("{human}"));
    let cells: Vec<&str> = row.split('┆').map(str::trim).collect();
    assert_eq!((cells[3], cells[4]), ("1", "1"), "{row}");
    assert!(!cells[5].ends_with(" 0%"), "{row}");

    let export = data.path().join("export.json");
    let o = run(
        data.path(),
        &["export", "--output", export.to_str().unwrap()],
    );
    assert!(o.status.success(), "{}", text(&o));
    let other = tempfile::tempdir().unwrap();
    let o = run(
        other.path(),
        &["--json", "import", export.to_str().unwrap()],
    );
    assert!(o.status.success(), "{}", text(&o));
    let summary: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(summary["attemptsAdded"], 2);
    let p2: serde_json::Value =
        serde_json::from_slice(&run(other.path(), &["--json", "progress"]).stdout).unwrap();
    assert_eq!(p2["labs"], p["labs"]);
}

#[test]
fn bad_snapshots_are_named_and_record_nothing() {
    let data = tempfile::tempdir().unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let snap = tmp.path().join("snap");
    copy_dir(
        &repo_root().join("labs").join(LAB).join("fixtures/solved"),
        &snap,
    );
    std::fs::write(
        snap.join("objects/broken.yaml"),
        "apiVersion: v1\nkind: [unterminated\n",
    )
    .unwrap();
    let o = run(
        data.path(),
        &["grade", LAB, "--snapshot", snap.to_str().unwrap()],
    );
    assert_eq!(o.status.code(), Some(1));
    assert!(text(&o).contains("broken.yaml"), "{}", text(&o));
    let p: serde_json::Value =
        serde_json::from_slice(&run(data.path(), &["--json", "progress"]).stdout).unwrap();
    assert!(
        p["labs"].as_array().unwrap().is_empty(),
        "no attempt recorded for an ungradable snapshot"
    );

    let o = run(
        data.path(),
        &["grade", "no-such-lab", "--snapshot", snap.to_str().unwrap()],
    );
    assert_eq!(o.status.code(), Some(1));
    assert!(text(&o).contains("no lab \"no-such-lab\""), "{}", text(&o));
    let o = run(data.path(), &["grade"]);
    assert_eq!(o.status.code(), Some(2), "usage errors exit 2");
}

#[test]
fn list_and_show() {
    let data = tempfile::tempdir().unwrap();
    let o = run(
        data.path(),
        &[
            "--json",
            "labs",
            "list",
            "--competency",
            "mv.pod-security-standards",
        ],
    );
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert!(v["labs"].as_array().unwrap().iter().any(|l| l["id"] == LAB));
    let o = run(data.path(), &["labs", "list", "--competency", "nope.nope"]);
    assert_eq!(o.status.code(), Some(1));
    let o = run(data.path(), &["labs", "show", LAB]);
    let out = text(&o);
    assert!(
        o.status.success()
            && out.contains("Enforce the restricted Pod Security Standard")
            && out.contains("workload-still-runs"),
        "{out}"
    );
    assert!(!out.contains("{{"), "templates are rendered: {out}");
}

#[test]
fn lessons_list_show_search() {
    let data = tempfile::tempdir().unwrap();
    let run = |args: &[&str]| {
        Command::new(ckslab())
            .arg("--data-dir")
            .arg(data.path())
            .arg("--labs")
            .arg(repo_root().join("labs"))
            .arg("--content")
            .arg(repo_root().join("content"))
            .args(args)
            .output()
            .unwrap()
    };
    let o = run(&["--json", "lessons", "list", "--domain", "cluster-setup"]);
    assert!(o.status.success(), "{}", text(&o));
    let list: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let list = list.as_array().unwrap();
    assert_eq!(list[0]["kind"], "overview", "the overview comes first");
    assert!(
        list.iter()
            .all(|l| l["domain"] == "cluster-setup" && l["status"] == "new")
    );

    let o = run(&["lessons", "show", "pod-security-standards"]);
    let out = text(&o);
    assert!(o.status.success(), "{out}");
    assert!(
        out.contains("Self-check") && out.contains("Worked example 1"),
        "{out}"
    );
    assert!(
        !out.contains('\u{1b}') && !out.contains("{{ lab("),
        "terminal output is plain text"
    );
    let o = run(&["--json", "lessons", "show", "pod-security-standards"]);
    let view: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(
        view["status"], "read",
        "showing a lesson records it as read"
    );
    assert!(view["html"].as_str().unwrap().contains("<h2>"));
    assert!(
        view["html"]
            .as_str()
            .unwrap()
            .contains("ckslab://lab/pss-restrict-namespace"),
        "links to the existing lab"
    );

    let o = run(&["--json", "lessons", "search", "NetworkPolicy", "egress"]);
    let hits: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(hits[0]["id"], "network-policies", "{hits}");
    let o = run(&["lessons", "show", "no-such-lesson"]);
    assert_eq!(o.status.code(), Some(1));

    // Output cut short by the reader (`| head`) ends quietly.
    let mut child = Command::new(ckslab())
        .arg("--data-dir")
        .arg(data.path())
        .arg("--content")
        .arg(repo_root().join("content"))
        .args(["lessons", "show", "network-policies"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let out = child.wait_with_output().unwrap();
    assert!(
        !String::from_utf8_lossy(&out.stderr).contains("panicked"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn lint_catches_a_flag_value_split_by_a_flow_list() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("apiserver-harden-flags");
    copy_dir(&repo_root().join("labs/apiserver-harden-flags"), &dir);
    let lab_yaml = dir.join("lab.yaml");
    let original = std::fs::read_to_string(&lab_yaml).unwrap();
    let broken = original.replace(
        "          set-flag:\n            - --authorization-mode=Node,RBAC\n            - --enable-admission-plugins=NodeRestriction,{{ admission }}\n            - --profiling=false",
        "          set-flag: [--authorization-mode=Node,RBAC, \"--enable-admission-plugins=NodeRestriction,{{ admission }}\", --profiling=false]",
    );
    assert_ne!(broken, original);
    std::fs::write(&lab_yaml, broken).unwrap();
    let data = tempfile::tempdir().unwrap();
    let o = run(data.path(), &["labs", "lint", dir.to_str().unwrap()]);
    let out = text(&o);
    assert_eq!(o.status.code(), Some(1), "{out}");
    assert!(
        out.contains("solution.steps[0].node.patch.set-flag[1]: \"RBAC\" is not a flag"),
        "{out}"
    );
}

#[test]
fn lint_renders_step_templates() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("rbac-least-privilege");
    copy_dir(&repo_root().join("labs/rbac-least-privilege"), &dir);
    let lab_yaml = dir.join("lab.yaml");
    let original = std::fs::read_to_string(&lab_yaml).unwrap();
    let broken = original.replace("\"tooling-{{ ns }}\"", "\"tooling-{{ namespace }}\"");
    assert_ne!(broken, original);
    std::fs::write(&lab_yaml, &broken).unwrap();
    let data = tempfile::tempdir().unwrap();
    let o = run(data.path(), &["labs", "lint", dir.to_str().unwrap()]);
    let out = text(&o);
    assert_eq!(o.status.code(), Some(1), "{out}");
    assert!(
        out.contains("solution.steps: does not render with sample params")
            && out.contains("`namespace` not found"),
        "{out}"
    );
}

#[test]
fn play_evaluates_gatekeeper_vap_and_plain_rego_with_positions() {
    let data = tempfile::tempdir().unwrap();
    let examples = repo_root().join("crates/cks-app/src/play_examples");
    let gk = examples.join("gatekeeper-required-labels.policy.yaml");
    let objects = examples.join("gatekeeper-required-labels.input.yaml");
    let o = run(
        data.path(),
        &[
            "play",
            "rego",
            gk.to_str().unwrap(),
            "--input",
            objects.to_str().unwrap(),
        ],
    );
    assert!(o.status.success(), "{}", text(&o));
    let t = text(&o);
    assert!(t.contains("ALLOWED Namespace team-a"), "{t}");
    assert!(t.contains("DENIED  Namespace team-b"), "{t}");
    assert!(t.contains("missing labels"), "{t}");

    let vap = examples.join("vap-replicas-limit.policy.yaml");
    let deployments = examples.join("vap-replicas-limit.input.yaml");
    let o = run(
        data.path(),
        &[
            "--json",
            "play",
            "cel",
            vap.to_str().unwrap(),
            "--input",
            deployments.to_str().unwrap(),
        ],
    );
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["decisions"][0]["allowed"], true);
    assert_eq!(v["decisions"][1]["allowed"], false);

    // A compile error: its line and column, exit 1, nothing else breaks.
    let tmp = tempfile::tempdir().unwrap();
    let broken = tmp.path().join("broken.rego");
    std::fs::write(&broken, "package demo\n\nallow {\n  input.x ==\n}\n").unwrap();
    let o = run(data.path(), &["play", "rego", broken.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    assert!(text(&o).contains("policy 3:7:"), "{}", text(&o));

    let plain = examples.join("rego-plain.rego");
    let input = examples.join("rego-plain.input.yaml");
    let o = run(
        data.path(),
        &[
            "play",
            "rego",
            plain.to_str().unwrap(),
            "--input",
            input.to_str().unwrap(),
            "--query",
            "data.kubernetes.admission.allowed",
        ],
    );
    assert!(o.status.success(), "{}", text(&o));
    assert!(
        String::from_utf8_lossy(&o.stdout).starts_with("undefined"),
        "{}",
        text(&o)
    );
    let o = run(
        data.path(),
        &[
            "--json",
            "play",
            "rego",
            plain.to_str().unwrap(),
            "--input",
            input.to_str().unwrap(),
            "--query",
            "data.kubernetes.admission.deny",
        ],
    );
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["value"].as_array().unwrap().len(), 2, "{v}");
}

#[test]
fn exam_list_and_plan_need_no_cluster_and_start_needs_one() {
    let data = tempfile::tempdir().unwrap();
    let o = run(data.path(), &["exam", "list"]);
    assert!(o.status.success(), "{}", text(&o));
    assert!(text(&o).contains("three-domains"), "{}", text(&o));
    let o = run(
        data.path(),
        &["--json", "exam", "plan", "--seed", "99", "--tasks", "15"],
    );
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["tasks"].as_array().unwrap().len(), 15);
    assert_eq!(v["seed"], "99");
    let again = run(
        data.path(),
        &["--json", "exam", "plan", "--seed", "99", "--tasks", "15"],
    );
    assert_eq!(o.stdout, again.stdout, "a seed replays its exam");
    let o = run(data.path(), &["exam", "start", "--exam", "three-domains"]);
    assert_eq!(o.status.code(), Some(3), "no cluster: {}", text(&o));
    let o = run(data.path(), &["exam", "status"]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    assert!(text(&o).contains("no exam is running"), "{}", text(&o));
}

#[test]
fn quiz_answers_are_checked_recorded_and_count_in_readiness() {
    let data = tempfile::tempdir().unwrap();
    let content = repo_root().join("content");
    let content = content.to_str().unwrap();
    let run = |data: &Path, args: &[&str]| {
        let mut all = vec!["--content", content];
        all.extend_from_slice(args);
        run(data, &all)
    };
    let lesson = "host-iam-least-privilege";
    // Short answer: case, spacing and a trailing full stop do not matter.
    let o = run(
        data.path(),
        &[
            "lessons",
            "answer",
            lesson,
            "3",
            "it is equivalent to  ROOT on the node.",
        ],
    );
    assert!(o.status.success(), "{}", text(&o));
    assert!(text(&o).starts_with("correct"), "{}", text(&o));
    let o = run(
        data.path(),
        &[
            "--json",
            "lessons",
            "answer",
            lesson,
            "2",
            "/etc/kubernetes/admin.conf",
        ],
    );
    assert_eq!(o.status.code(), Some(1));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["correct"], false);
    assert_eq!(v["expected"], "/etc/kubernetes/super-admin.conf");
    let o = run(data.path(), &["lessons", "answer", lesson, "99", "x"]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    assert!(text(&o).contains("has no question"), "{}", text(&o));
    // The lesson shows the verdicts, never the answers.
    let o = run(data.path(), &["--json", "lessons", "show", lesson]);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["quiz"][2]["answered"]["correct"], true);
    assert_eq!(v["quiz"][1]["answered"]["correct"], false);
    assert!(v["quiz"][0]["answered"].is_null());
    assert!(
        !String::from_utf8_lossy(&o.stdout)
            .contains("\"answer\": \"/etc/kubernetes/super-admin.conf\"")
    );
    // Readiness counts the quiz.
    let o = run(data.path(), &["--json", "progress"]);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let explanations = v["domains"].to_string();
    assert!(explanations.contains("quiz 1/"), "{explanations}");
}
