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
    let labs = report["labs"].as_array().unwrap();
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
