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
