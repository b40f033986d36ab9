//! The directory-node tier: node-level labs verified on a directory laid out like a kubeadm
//! control-plane node. Setup edits the real manifest file, the checks read it back, the solution
//! fixes it, and reset restores the original byte for byte.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::process::Command;

#[test]
fn node_labs_verify_on_a_directory_node_and_reset_restores_it() {
    let root = cks_tests::repo_root();
    let nodes = tempfile::tempdir().unwrap();
    cks_tests::copy_dir(
        &root.join("tests/tests/fixtures/kubeadm-node"),
        nodes.path(),
    );
    let manifest = nodes
        .path()
        .join("control-plane/etc/kubernetes/manifests/kube-apiserver.yaml");
    let original = std::fs::read_to_string(&manifest).unwrap();
    let data = tempfile::tempdir().unwrap();
    let out = Command::new(cks_tests::ckslab())
        .arg("--data-dir")
        .arg(data.path())
        .arg("--labs")
        .arg(root.join("labs"))
        .args(["--json", "labs", "verify", "--all", "--node-dir"])
        .arg(nodes.path())
        .output()
        .unwrap();
    let report: serde_json::Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|_| panic!("{}", String::from_utf8_lossy(&out.stderr)));
    let labs = report["labs"].as_array().unwrap();
    let apiserver = labs
        .iter()
        .find(|l| l["labId"] == "apiserver-harden-flags")
        .unwrap();
    assert_eq!(apiserver["status"], "verified", "{apiserver:#}");
    let phases: Vec<&str> = apiserver["phases"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap())
        .collect();
    assert_eq!(phases.len(), 6, "{phases:?}");
    // API labs are skipped here with the reason, never silently.
    for lab in labs
        .iter()
        .filter(|l| l["labId"] != "apiserver-harden-flags")
    {
        assert!(
            lab["status"] == "skipped" && lab["reason"].as_str().is_some_and(|r| !r.is_empty())
                || lab["status"] == "verified",
            "{lab:#}"
        );
    }
    assert_eq!(report["failed"], 0, "{report:#}");
    assert_eq!(
        std::fs::read_to_string(&manifest).unwrap(),
        original,
        "reset restores the node file exactly"
    );
}
