//! Opt-in kind suite (`CKSLAB_E2E_KIND=1`): `ckslab setup` (creates CKS Lab's own kind cluster,
//! pulls the labs' images and loads them into the nodes), a lab start → grade → reset, a
//! three-task exam, every lab verified, the cluster deleted. Skips loudly without the
//! opt-in, or without docker/podman and kind (this build machine has neither engine running).

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::process::Command;

#[test]
fn kind_cluster_end_to_end() {
    if std::env::var_os("CKSLAB_E2E_KIND").is_none() {
        cks_tests::skip(
            "kind_cluster_end_to_end",
            "opt-in: set CKSLAB_E2E_KIND=1 (needs docker or podman, and kind)",
        );
        return;
    }
    let doctor = cks_app::Doctor::probe();
    let has_kind = doctor
        .tools
        .iter()
        .any(|t| t.name == "kind" && t.version.is_some());
    if doctor.engine.is_none() || !has_kind {
        cks_tests::skip(
            "kind_cluster_end_to_end",
            "CKSLAB_E2E_KIND=1 but docker/podman or kind is missing (`ckslab doctor`)",
        );
        return;
    }
    let data = tempfile::tempdir().unwrap();
    let ckslab = |args: &[&str]| {
        let out = Command::new(cks_tests::ckslab())
            .arg("--data-dir")
            .arg(data.path())
            .arg("--labs")
            .arg(cks_tests::repo_root().join("labs"))
            .args(args)
            .output()
            .unwrap();
        (
            out.status.code(),
            format!(
                "{}{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            ),
        )
    };
    let (code, out) = ckslab(&["setup"]);
    assert_eq!(code, Some(0), "{out}");
    let result = std::panic::catch_unwind(|| {
        // Images are present now: a second pull pulls nothing.
        let (code, out) = ckslab(&["--json", "images", "pull"]);
        assert_eq!(code, Some(0), "{out}");
        assert!(out.contains("\"pulled\":0"), "{out}");
        let (code, out) = ckslab(&["exam", "start", "--exam", "three-domains"]);
        assert_eq!(code, Some(0), "{out}");
        let (code, out) = ckslab(&["exam", "submit"]);
        assert_eq!(code, Some(1), "an untouched exam does not pass: {out}");
        let (code, out) = ckslab(&["start", "pss-restrict-namespace"]);
        assert_eq!(code, Some(0), "{out}");
        let (code, out) = ckslab(&["grade", "pss-restrict-namespace"]);
        assert_eq!(code, Some(1), "the broken state does not pass: {out}");
        let (code, out) = ckslab(&["reset", "pss-restrict-namespace"]);
        assert_eq!(code, Some(0), "{out}");
        let (code, out) = ckslab(&["labs", "verify", "--all"]);
        assert_eq!(code, Some(0), "{out}");
    });
    let (code, out) = ckslab(&["cluster", "delete"]);
    assert_eq!(code, Some(0), "{out}");
    if let Err(panic) = result {
        std::panic::resume_unwind(panic);
    }
}
