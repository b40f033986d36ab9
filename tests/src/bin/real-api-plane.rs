//! Runs the real-API tier's control plane (etcd, kube-apiserver, controller manager, fake
//! kubelet) as CKS Lab's "own cluster" for a data folder, for the desktop end-to-end test:
//! writes DATA_DIR/kubeconfig, registers the cluster, prints `ready <kubeconfig>` and serves
//! until its stdin closes.
//!
//! Usage: real-api-plane DATA_DIR LABS_DIR
//! Exit code 77 when the Kubernetes binaries are missing (the caller skips).

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::Read;
use std::path::PathBuf;

use cks_tests::control_plane::{Binaries, ControlPlane};

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let [_, data_dir, labs_dir] = args.as_slice() else {
        eprintln!("usage: real-api-plane DATA_DIR LABS_DIR");
        std::process::exit(2);
    };
    let bin = match Binaries::find() {
        Ok(bin) => bin,
        Err(why) => {
            eprintln!("real-api-plane: {why}");
            std::process::exit(77);
        }
    };
    let mut plane = ControlPlane::start(&bin).unwrap_or_else(|e| {
        eprintln!("real-api-plane: the control plane did not start: {e}");
        std::process::exit(1);
    });
    plane.start_fake_kubelet();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let kubeconfig = runtime.block_on(async {
        let app = cks_app::App::open(cks_app::AppConfig {
            data_dir: PathBuf::from(data_dir),
            labs_dir: PathBuf::from(labs_dir),
            content_dir: cks_tests::repo_root().join("content"),
        })
        .await
        .expect("open app");
        std::fs::copy(&plane.kubeconfig, app.own_kubeconfig()).expect("copy kubeconfig");
        let connection = app.connect(None, None).await.expect("connect");
        app.register_cluster(&connection, "real-api-plane")
            .expect("register");
        app.own_kubeconfig()
    });
    println!("ready {}", kubeconfig.display());
    // Serve until the caller closes our stdin (or dies).
    let _ = std::io::stdin().read_to_end(&mut Vec::new());
    drop(plane);
}
