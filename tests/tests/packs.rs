//! Lab packs end to end through `ckslab`: a good pack (folder, .tar.gz, git) installs and its
//! labs appear and grade under `<pack>.<lab>`; a broken one is refused with every problem and
//! nothing installed; update and remove; the workshop report.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use cks_tests::{ckslab, copy_dir, repo_root};

fn run(data: &Path, args: &[&str]) -> Output {
    Command::new(ckslab())
        .arg("--data-dir")
        .arg(data)
        .arg("--labs")
        .arg(repo_root().join("labs"))
        .arg("--content")
        .arg(repo_root().join("content"))
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

/// A pack with one shipped lab (no kubectl steps), as an instructor would publish it.
fn good_pack(root: &Path, version: &str) -> PathBuf {
    let pack = root.join("workshop-pack");
    copy_dir(
        &repo_root().join("labs/sa-disable-automount"),
        &pack.join("labs/sa-disable-automount"),
    );
    std::fs::write(
        pack.join("pack.yaml"),
        format!("id: acme-workshop\nname: ACME workshop labs\nversion: \"{version}\"\nauthor: ACME training\nlabs:\n  - labs/sa-disable-automount\nexams:\n  - exams/day-one.yaml\n"),
    )
    .unwrap();
    std::fs::create_dir_all(pack.join("exams")).unwrap();
    std::fs::write(
        pack.join("exams/day-one.yaml"),
        "title: Day one check\nminutes: 20\ntasks: [sa-disable-automount, pss-restrict-namespace]\n",
    )
    .unwrap();
    pack
}

fn installed(data: &Path) -> Vec<String> {
    std::fs::read_dir(data.join("packs"))
        .map(|d| {
            d.flatten()
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default()
}

#[test]
fn a_good_pack_installs_and_its_labs_list_and_grade() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    let pack = good_pack(tmp.path(), "1.0.0");
    let o = run(&data, &["packs", "add", pack.to_str().unwrap()]);
    assert!(o.status.success(), "{}", text(&o));
    assert!(
        text(&o).contains("acme-workshop.sa-disable-automount"),
        "{}",
        text(&o)
    );

    let o = run(&data, &["--json", "labs", "list"]);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert!(
        v["labs"]
            .as_array()
            .unwrap()
            .iter()
            .any(|l| l["id"] == "acme-workshop.sa-disable-automount"),
        "the pack's lab is listed"
    );
    let solved = data.join("packs/acme-workshop/labs/sa-disable-automount/fixtures/solved");
    let o = run(
        &data,
        &[
            "grade",
            "acme-workshop.sa-disable-automount",
            "--snapshot",
            solved.to_str().unwrap(),
        ],
    );
    assert!(o.status.success(), "{}", text(&o));

    // The pack's exam: its own labs namespaced, other ids as written.
    let o = run(
        &data,
        &["--json", "exam", "plan", "--exam", "acme-workshop.day-one"],
    );
    assert!(o.status.success(), "{}", text(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["tasks"][0]["labId"], "acme-workshop.sa-disable-automount");
    assert_eq!(
        v["tasks"][1]["labId"], "pss-restrict-namespace",
        "a shipped lab as written"
    );

    // Same id again: refused; update replaces it with the new version from its source.
    let o = run(&data, &["packs", "add", pack.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    assert!(text(&o).contains("already installed"), "{}", text(&o));
    std::fs::write(
        pack.join("pack.yaml"),
        std::fs::read_to_string(pack.join("pack.yaml"))
            .unwrap()
            .replace("1.0.0", "1.1.0"),
    )
    .unwrap();
    let o = run(&data, &["--json", "packs", "update", "acme-workshop"]);
    assert!(o.status.success(), "{}", text(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["version"], "1.1.0");
    let o = run(&data, &["packs", "list"]);
    assert!(text(&o).contains("acme-workshop 1.1.0"), "{}", text(&o));
    let o = run(&data, &["packs", "remove", "acme-workshop"]);
    assert!(o.status.success(), "{}", text(&o));
    assert!(installed(&data).is_empty(), "{:?}", installed(&data));
    let o = run(&data, &["packs", "remove", "acme-workshop"]);
    assert_eq!(o.status.code(), Some(1));
}

#[test]
fn a_broken_pack_is_refused_with_every_problem_and_nothing_installed() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    let pack = good_pack(tmp.path(), "1.0.0");
    // A lab that runs kubectl, a lab with a lint error, a path escaping the pack, a symlink.
    copy_dir(
        &repo_root().join("labs/rbac-least-privilege"),
        &pack.join("labs/rbac-least-privilege"),
    );
    let broken = pack.join("labs/sa-disable-automount/lab.yaml");
    std::fs::write(
        &broken,
        std::fs::read_to_string(&broken)
            .unwrap()
            .replace("difficulty: easy", "difficulty: trivial"),
    )
    .unwrap();
    std::os::unix::fs::symlink("/etc/passwd", pack.join("passwd")).unwrap();
    std::fs::write(
        pack.join("pack.yaml"),
        "id: acme-workshop\nname: n\nversion: \"1\"\nauthor: a\nlabs:\n  - labs/sa-disable-automount\n  - labs/rbac-least-privilege\n  - ../../escape\n",
    )
    .unwrap();
    let o = run(&data, &["--json", "packs", "add", pack.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["error"]["code"], "pack-invalid");
    let problems = v["error"]["problems"].to_string();
    for expected in [
        "symlinks",
        "leaves the pack folder",
        "may not run kubectl steps",
        "trivial",
    ] {
        assert!(
            problems.contains(expected),
            "{expected} missing from {problems}"
        );
    }
    assert!(
        installed(&data).is_empty(),
        "nothing installed: {:?}",
        installed(&data)
    );
}

#[test]
fn packs_come_from_tar_gz_and_git_too_and_hostile_archives_are_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let pack = good_pack(tmp.path(), "2.0.0");
    // .tar.gz
    let archive = tmp.path().join("pack.tar.gz");
    let ok = Command::new("tar")
        .arg("czf")
        .arg(&archive)
        .arg("-C")
        .arg(&pack)
        .arg(".")
        .status()
        .unwrap();
    assert!(ok.success());
    let data = tmp.path().join("data-tar");
    let o = run(&data, &["packs", "add", archive.to_str().unwrap()]);
    assert!(o.status.success(), "{}", text(&o));

    // An archive with an entry escaping the folder: refused, nothing written outside.
    let evil = tmp.path().join("evil.tar.gz");
    let script = format!(
        "import tarfile, io\nt = tarfile.open({:?}, 'w:gz')\nd = b'pwned'\ni = tarfile.TarInfo('../../outside.txt'); i.size = len(d); t.addfile(i, io.BytesIO(d))\nl = tarfile.TarInfo('link'); l.type = tarfile.SYMTYPE; l.linkname = '/etc/passwd'; t.addfile(l)\nt.close()\n",
        evil.display().to_string()
    );
    let ok = Command::new("python3")
        .arg("-c")
        .arg(script)
        .status()
        .unwrap();
    assert!(ok.success());
    let data = tmp.path().join("data-evil");
    let o = run(&data, &["--json", "packs", "add", evil.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    let problems = String::from_utf8_lossy(&o.stdout).into_owned();
    assert!(
        problems.contains("escapes the pack folder") && problems.contains("link or special file"),
        "{problems}"
    );
    assert!(!tmp.path().join("outside.txt").exists() && !data.join("outside.txt").exists());
    assert!(installed(&data).is_empty());

    // git (a local repository; the same path serves https:// URLs).
    let repo = tmp.path().join("repo");
    copy_dir(&pack, &repo);
    let git = |args: &[&str]| {
        let o = Command::new("git")
            .args(args)
            .current_dir(&repo)
            .env("GIT_AUTHOR_NAME", "t")
            .env("GIT_AUTHOR_EMAIL", "t@example.com")
            .env("GIT_COMMITTER_NAME", "t")
            .env("GIT_COMMITTER_EMAIL", "t@example.com")
            .output()
            .unwrap();
        assert!(o.status.success(), "git {args:?}: {}", text(&o));
    };
    git(&["init", "-q"]);
    git(&["add", "."]);
    git(&["commit", "-qm", "pack"]);
    let url = format!("file://{}", repo.display());
    let data = tmp.path().join("data-git");
    let o = run(&data, &["--json", "packs", "add", &url]);
    assert!(o.status.success(), "{}", text(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["source"], url);
    assert!(!data.join("packs/acme-workshop/.git").exists());
}

#[test]
fn the_workshop_report_merges_exports_into_one_offline_page() {
    let tmp = tempfile::tempdir().unwrap();
    let mut exports = Vec::new();
    for (who, fixture) in [("alice", "solved"), ("bob", "broken")] {
        let data = tmp.path().join(who);
        let snapshot = repo_root()
            .join("labs/sa-disable-automount/fixtures")
            .join(fixture);
        let o = run(
            &data,
            &[
                "grade",
                "sa-disable-automount",
                "--snapshot",
                snapshot.to_str().unwrap(),
            ],
        );
        assert!(o.status.code().is_some_and(|c| c <= 1), "{}", text(&o));
        let file = tmp.path().join(format!("{who}.json"));
        let o = run(&data, &["export", "--output", file.to_str().unwrap()]);
        assert!(o.status.success(), "{}", text(&o));
        exports.push(file);
    }
    let html = tmp.path().join("report.html");
    let mut args = vec!["report"];
    args.extend(exports.iter().map(|p| p.to_str().unwrap()));
    args.extend(["--html", html.to_str().unwrap()]);
    let o = run(tmp.path(), &args);
    assert!(o.status.success(), "{}", text(&o));
    let page = std::fs::read_to_string(&html).unwrap();
    assert!(page.contains("<td>alice</td>") && page.contains("<td>bob</td>"));
    assert!(
        page.contains("class=\"good\">100%</td>"),
        "alice passed the lab"
    );
    assert!(!page.contains("<script") && !page.contains("http://") && !page.contains("https://"));

    // A broken export: refused with its position, no report written.
    std::fs::write(tmp.path().join("carol.json"), "{\n  \"format\": 7,\n").unwrap();
    let bad_html = tmp.path().join("bad.html");
    let o = run(
        tmp.path(),
        &[
            "report",
            tmp.path().join("carol.json").to_str().unwrap(),
            "--html",
            bad_html.to_str().unwrap(),
        ],
    );
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    assert!(text(&o).contains("carol.json"), "{}", text(&o));
    assert!(!bad_html.exists());
}
