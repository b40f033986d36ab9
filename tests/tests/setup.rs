//! First-run setup without a container engine (the plan) and the image and add-on commands
//! against a fake docker/kind/kubectl on PATH that record their calls: skip what is present, a
//! full disk is a clear error and a retry resumes, a checksum mismatch is refused.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use cks_tests::{ckslab, repo_root};

fn run(data: &Path, path: Option<&Path>, args: &[&str]) -> Output {
    let mut cmd = Command::new(ckslab());
    cmd.arg("--data-dir")
        .arg(data)
        .arg("--labs")
        .arg(repo_root().join("labs"))
        .args(args)
        .env("NO_COLOR", "1");
    if let Some(p) = path {
        cmd.env("PATH", p);
    }
    cmd.output().expect("ckslab runs")
}

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

/// A bin folder with fake tools that log their argv to $dir/calls and behave as the scripts say.
fn fake_tools(dir: &Path, docker: &str) -> PathBuf {
    let bin = dir.join("bin");
    std::fs::create_dir_all(&bin).unwrap();
    let log = dir.join("calls");
    let write = |name: &str, body: &str| {
        let p = bin.join(name);
        std::fs::write(
            &p,
            format!(
                "#!/bin/sh\necho \"{name} $*\" >> {}\n{body}\n",
                log.display()
            ),
        )
        .unwrap();
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o755)).unwrap();
    };
    write("docker", docker);
    write(
        "kind",
        "case \"$1\" in version) echo 'kind v0.26.0';; get) echo cks;; esac; exit 0",
    );
    write("kubectl", "echo 'Client Version: v1.31.0'; exit 0");
    for tool in ["sh", "cat", "grep", "rm", "touch", "test", "echo", "curl"] {
        if let Ok(real) = which(tool) {
            let _ = std::os::unix::fs::symlink(real, bin.join(tool));
        }
    }
    bin
}

fn which(tool: &str) -> Result<PathBuf, ()> {
    std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default())
        .map(|d| d.join(tool))
        .find(|p| p.is_file())
        .ok_or(())
}

#[test]
fn the_setup_plan_without_docker_says_what_to_install_and_lists_images_and_addons() {
    let tmp = tempfile::tempdir().unwrap();
    let empty = tmp.path().join("empty-bin");
    std::fs::create_dir_all(&empty).unwrap();
    let o = run(
        &tmp.path().join("data"),
        Some(&empty),
        &["--json", "setup", "--dry-run"],
    );
    assert!(o.status.success(), "{}", text(&o));
    let plan: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let missing: Vec<&str> = plan["missing"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["name"].as_str().unwrap())
        .collect();
    assert_eq!(missing, ["docker", "kind", "kubectl"]);
    assert!(
        plan["createCluster"]
            .as_array()
            .unwrap()
            .iter()
            .any(|a| a == "create")
    );
    let images = plan["images"].as_array().unwrap();
    assert!(
        images
            .iter()
            .any(|i| i == "nginxinc/nginx-unprivileged:1.27-alpine"),
        "{images:?}"
    );
    let gatekeeper = plan["addons"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["name"] == "gatekeeper")
        .unwrap();
    assert!(
        gatekeeper["unlocks"]
            .as_array()
            .unwrap()
            .iter()
            .any(|l| l == "gatekeeper-allowed-registries")
    );
    // The text plan, and a real setup refused with what to do (exit 3), nothing changed.
    let o = run(
        &tmp.path().join("data"),
        Some(&empty),
        &["setup", "--dry-run"],
    );
    assert!(
        text(&o).contains("1. install what is missing"),
        "{}",
        text(&o)
    );
    let o = run(&tmp.path().join("data"), Some(&empty), &["setup"]);
    assert_eq!(o.status.code(), Some(3), "{}", text(&o));
    assert!(!tmp.path().join("data/kubeconfig").exists());
}

#[test]
fn images_pull_skips_what_is_present_survives_a_full_disk_and_loads_into_kind() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    let state = tmp.path().join("pulled");
    std::fs::create_dir_all(&state).unwrap();
    // A docker that knows which images it has; the third pull hits a full disk once.
    let docker = format!(
        r#"S={state}
case "$1" in
  version) echo 27.0.0; exit 0;;
  image) img="$5"; test -e "$S/$(echo "$img" | tr '/:@' '___')" && exit 0; exit 1;;
  pull) img="$3"; n=$(ls "$S" | wc -l); if [ "$n" = 2 ] && [ ! -e "$S/.full-once" ]; then touch "$S/.full-once"; echo "write /var/lib/docker: no space left on device" >&2; exit 1; fi
        touch "$S/$(echo "$img" | tr '/:@' '___')"; exit 0;;
esac
exit 0"#,
        state = state.display()
    );
    let bin = fake_tools(tmp.path(), &docker);
    for tool in ["wc", "ls", "tr"] {
        if let Ok(real) = which(tool) {
            let _ = std::os::unix::fs::symlink(real, bin.join(tool));
        }
    }
    let o = run(&data, Some(&bin), &["images", "list"]);
    let total = String::from_utf8_lossy(&o.stdout).lines().count();
    assert!(total >= 5, "{}", text(&o));
    let o = run(&data, Some(&bin), &["images", "pull"]);
    assert_eq!(o.status.code(), Some(3), "{}", text(&o));
    assert!(
        text(&o).contains("disk is full") && text(&o).contains("run it again"),
        "{}",
        text(&o)
    );
    let o = run(&data, Some(&bin), &["--json", "images", "pull"]);
    assert!(o.status.success(), "{}", text(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["present"], 2, "the retry resumed: {v}");
    assert_eq!(v["pulled"].as_u64().unwrap() as usize, total - 2);
    let o = run(&data, Some(&bin), &["images", "load"]);
    assert!(o.status.success(), "{}", text(&o));
    let calls = std::fs::read_to_string(tmp.path().join("calls")).unwrap();
    assert_eq!(
        calls
            .lines()
            .filter(|l| l.starts_with("kind load docker-image --name cks "))
            .count(),
        total,
        "{calls}"
    );
}

#[test]
fn an_addon_whose_checksum_changed_is_refused() {
    let data = tempfile::tempdir().unwrap();
    // Trust on first use: the first download's checksum is recorded …
    cks_app::setup::verify_addon(data.path(), "gatekeeper", "v1", None, b"first")
        .unwrap_or_else(|e| panic!("{e}"));
    let _ = std::fs::create_dir_all(data.path().join("cache/addons"));
    cks_app::setup::verify_addon(data.path(), "gatekeeper", "v1", None, b"first").unwrap();
    // … and a later download with other bytes is refused; a pinned checksum is enforced.
    let e = cks_app::setup::verify_addon(data.path(), "gatekeeper", "v1", None, b"tampered")
        .unwrap_err();
    assert!(e.contains("checksum mismatch"), "{e}");
    let pinned = "0000000000000000000000000000000000000000000000000000000000000000";
    let e =
        cks_app::setup::verify_addon(data.path(), "x", "v1", Some(pinned), b"first").unwrap_err();
    assert!(e.contains(pinned), "{e}");
    // Add-ons that are not automated say how to install them by hand.
    let o = run(data.path(), None, &["addons", "install", "falco"]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    assert!(text(&o).contains("by hand"), "{}", text(&o));
    let o = run(data.path(), None, &["addons", "install", "nope"]);
    assert!(text(&o).contains("unknown add-on"), "{}", text(&o));
}
