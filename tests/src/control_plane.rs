//! The real-API test tier (DESIGN §7): etcd + kube-apiserver + kube-controller-manager v1.20.2
//! started on loopback with generated certificates, RBAC authorization and
//! `--allow-privileged`, and always stopped (kill on drop). No kubelet: pods stay Pending.
//!
//! Binaries: `CKSLAB_ETCD`, `CKSLAB_KUBE_APISERVER`, `CKSLAB_KUBE_CONTROLLER_MANAGER`; else the
//! cache `~/.cache/ckslab/k8s-1.20.2` (etcd from PATH); else `CKSLAB_BUILD_K8S=1` runs the
//! project's recipe `scripts/k8s-binaries.sh`. Without them, tests skip loudly.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// Where the three binaries are.
#[derive(Debug, Clone)]
pub struct Binaries {
    pub etcd: PathBuf,
    pub apiserver: PathBuf,
    pub controller_manager: PathBuf,
}

fn which(name: &str) -> Option<PathBuf> {
    std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|p| p.join(name))
            .find(|p| p.is_file())
    })
}

fn cache_dir() -> PathBuf {
    let base = std::env::var_os("XDG_CACHE_HOME")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(std::env::var_os("HOME").unwrap_or_default()).join(".cache")
        });
    base.join("ckslab/k8s-1.20.2")
}

impl Binaries {
    /// Find the binaries, or say why not.
    pub fn find() -> Result<Binaries, String> {
        let from_env = |var: &str| std::env::var_os(var).map(PathBuf::from);
        let cache = cache_dir();
        let mut apiserver =
            from_env("CKSLAB_KUBE_APISERVER").unwrap_or_else(|| cache.join("kube-apiserver"));
        let mut controller_manager = from_env("CKSLAB_KUBE_CONTROLLER_MANAGER")
            .unwrap_or_else(|| cache.join("kube-controller-manager"));
        if !(apiserver.is_file() && controller_manager.is_file())
            && std::env::var_os("CKSLAB_BUILD_K8S").is_some()
        {
            let status = Command::new("bash")
                .arg(crate::repo_root().join("scripts/k8s-binaries.sh"))
                .arg(&cache)
                .status()
                .map_err(|e| e.to_string())?;
            if !status.success() {
                return Err("scripts/k8s-binaries.sh failed".into());
            }
            apiserver = cache.join("kube-apiserver");
            controller_manager = cache.join("kube-controller-manager");
        }
        let etcd = from_env("CKSLAB_ETCD")
            .or_else(|| which("etcd"))
            .ok_or("etcd not found (apt-get install etcd-server, or set CKSLAB_ETCD)")?;
        for (what, path) in [
            ("kube-apiserver", &apiserver),
            ("kube-controller-manager", &controller_manager),
        ] {
            if !path.is_file() {
                return Err(format!(
                    "{what} not found at {} (run scripts/k8s-binaries.sh, or set CKSLAB_BUILD_K8S=1)",
                    path.display()
                ));
            }
        }
        if which("openssl").is_none() {
            return Err("openssl not found".into());
        }
        Ok(Binaries {
            etcd,
            apiserver,
            controller_manager,
        })
    }
}

/// A running control plane. Dropping it kills every process; logs are printed if the
/// thread is panicking (a failed test).
#[derive(Debug)]
pub struct ControlPlane {
    /// The API server's audit log (every request at Metadata level).
    pub audit_log: PathBuf,
    dir: tempfile::TempDir,
    pub kubeconfig: PathBuf,
    pub server: String,
    children: Vec<(&'static str, Child)>,
    kubelet: Option<(
        std::sync::Arc<std::sync::atomic::AtomicBool>,
        std::thread::JoinHandle<()>,
    )>,
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .unwrap_or(0)
}

fn openssl(dir: &Path, args: &[&str]) -> Result<(), String> {
    let out = Command::new("openssl")
        .args(args)
        .current_dir(dir)
        .output()
        .map_err(|e| e.to_string())?;
    if out.status.success() {
        Ok(())
    } else {
        Err(format!(
            "openssl {}: {}",
            args.join(" "),
            String::from_utf8_lossy(&out.stderr)
        ))
    }
}

fn certificates(pki: &Path) -> Result<(), String> {
    std::fs::create_dir_all(pki).map_err(|e| e.to_string())?;
    std::fs::write(pki.join("san.cnf"), "[req]\ndistinguished_name=dn\n[dn]\n[ext]\nsubjectAltName=IP:127.0.0.1,DNS:localhost,IP:10.0.0.1,DNS:kubernetes.default.svc\n[client]\nkeyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=clientAuth\n")
        .map_err(|e| e.to_string())?;
    openssl(
        pki,
        &[
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-keyout",
            "ca.key",
            "-out",
            "ca.crt",
            "-days",
            "2",
            "-subj",
            "/CN=ckslab-test-ca",
        ],
    )?;
    openssl(
        pki,
        &[
            "req",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-keyout",
            "apiserver.key",
            "-out",
            "apiserver.csr",
            "-subj",
            "/CN=kube-apiserver",
        ],
    )?;
    openssl(
        pki,
        &[
            "x509",
            "-req",
            "-in",
            "apiserver.csr",
            "-CA",
            "ca.crt",
            "-CAkey",
            "ca.key",
            "-CAcreateserial",
            "-out",
            "apiserver.crt",
            "-days",
            "2",
            "-extfile",
            "san.cnf",
            "-extensions",
            "ext",
        ],
    )?;
    openssl(
        pki,
        &[
            "req",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-keyout",
            "admin.key",
            "-out",
            "admin.csr",
            "-subj",
            "/CN=admin/O=system:masters",
        ],
    )?;
    openssl(
        pki,
        &[
            "x509",
            "-req",
            "-in",
            "admin.csr",
            "-CA",
            "ca.crt",
            "-CAkey",
            "ca.key",
            "-CAcreateserial",
            "-out",
            "admin.crt",
            "-days",
            "2",
            // Extensions make it an X.509 v3 certificate, which rustls (kube-rs) requires.
            "-extfile",
            "san.cnf",
            "-extensions",
            "client",
        ],
    )?;
    openssl(pki, &["genrsa", "-out", "sa.key", "2048"])?;
    openssl(pki, &["rsa", "-in", "sa.key", "-pubout", "-out", "sa.pub"])
}

impl ControlPlane {
    /// Start etcd, the API server and the controller manager; ready when `/readyz` answers.
    pub fn start(bin: &Binaries) -> Result<ControlPlane, String> {
        let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
        let d = dir.path().to_path_buf();
        let pki = d.join("pki");
        certificates(&pki)?;
        let (etcd_port, peer_port, api_port) = (free_port(), free_port(), free_port());
        let log = |name: &str| {
            std::fs::File::create(d.join(name))
                .map(Stdio::from)
                .map_err(|e| e.to_string())
        };
        let p = |name: &str| pki.join(name).to_string_lossy().into_owned();
        let mut plane = ControlPlane {
            audit_log: d.join("audit.log"),
            kubeconfig: d.join("kubeconfig"),
            server: format!("https://127.0.0.1:{api_port}"),
            children: Vec::new(),
            kubelet: None,
            dir,
        };
        let etcd = Command::new(&bin.etcd)
            .args(["--data-dir", &d.join("etcd").to_string_lossy()])
            .args([
                "--listen-client-urls",
                &format!("http://127.0.0.1:{etcd_port}"),
                "--advertise-client-urls",
                &format!("http://127.0.0.1:{etcd_port}"),
            ])
            .args([
                "--listen-peer-urls",
                &format!("http://127.0.0.1:{peer_port}"),
                "--initial-advertise-peer-urls",
                &format!("http://127.0.0.1:{peer_port}"),
            ])
            .args([
                "--initial-cluster",
                &format!("default=http://127.0.0.1:{peer_port}"),
            ])
            .stdout(log("etcd.log")?)
            .stderr(log("etcd.err")?)
            .spawn()
            .map_err(|e| format!("etcd: {e}"))?;
        plane.children.push(("etcd", etcd));
        // Audit everything at Metadata, as a hardened cluster would: the tier then proves that a
        // trigger's request lands in the log under the Audit-Id the grader saw.
        std::fs::write(
            d.join("audit-policy.yaml"),
            "apiVersion: audit.k8s.io/v1\nkind: Policy\nomitStages: [RequestReceived]\nrules:\n  - level: Metadata\n",
        )
        .map_err(|e| format!("audit policy: {e}"))?;
        let apiserver = Command::new(&bin.apiserver)
            .args([
                "--audit-policy-file",
                &d.join("audit-policy.yaml").to_string_lossy(),
                "--audit-log-path",
                &d.join("audit.log").to_string_lossy(),
            ])
            .args([
                "--etcd-servers",
                &format!("http://127.0.0.1:{etcd_port}"),
                "--bind-address",
                "127.0.0.1",
                "--secure-port",
                &api_port.to_string(),
            ])
            .args([
                "--advertise-address",
                "127.0.0.1",
                "--cert-dir",
                &p(""),
                "--tls-cert-file",
                &p("apiserver.crt"),
                "--tls-private-key-file",
                &p("apiserver.key"),
            ])
            .args([
                "--client-ca-file",
                &p("ca.crt"),
                "--service-account-key-file",
                &p("sa.pub"),
                "--service-account-signing-key-file",
                &p("sa.key"),
            ])
            .args([
                "--service-account-issuer",
                "https://kubernetes.default.svc",
                "--authorization-mode",
                "Node,RBAC",
                "--allow-privileged=true",
            ])
            .args([
                "--service-cluster-ip-range",
                "10.0.0.0/24",
                "--insecure-port",
                "0",
            ])
            .stdout(log("apiserver.log")?)
            .stderr(log("apiserver.err")?)
            .spawn()
            .map_err(|e| format!("kube-apiserver: {e}"))?;
        plane.children.push(("kube-apiserver", apiserver));
        let kubeconfig = format!(
            "apiVersion: v1\nkind: Config\nclusters: [{{name: realapi, cluster: {{server: \"https://127.0.0.1:{api_port}\", certificate-authority: {}}}}}]\nusers: [{{name: admin, user: {{client-certificate: {}, client-key: {}}}}}]\ncontexts: [{{name: realapi, context: {{cluster: realapi, user: admin}}}}]\ncurrent-context: realapi\n",
            p("ca.crt"),
            p("admin.crt"),
            p("admin.key")
        );
        std::fs::write(&plane.kubeconfig, kubeconfig).map_err(|e| e.to_string())?;
        plane.wait_ready(Duration::from_secs(60))?;
        let kcm = Command::new(&bin.controller_manager)
            .args(["--kubeconfig", &plane.kubeconfig.to_string_lossy()])
            .args([
                "--authentication-kubeconfig",
                &plane.kubeconfig.to_string_lossy(),
                "--authorization-kubeconfig",
                &plane.kubeconfig.to_string_lossy(),
            ])
            .args([
                "--service-account-private-key-file",
                &p("sa.key"),
                "--root-ca-file",
                &p("ca.crt"),
            ])
            .args([
                "--cluster-signing-cert-file",
                &p("ca.crt"),
                "--cluster-signing-key-file",
                &p("ca.key"),
                "--use-service-account-credentials",
            ])
            .args([
                "--controllers",
                "*,-nodeipam,-nodelifecycle,-route,-cloud-node-lifecycle",
                "--bind-address",
                "127.0.0.1",
                "--port",
                "0",
                "--secure-port",
                "0",
            ])
            .stdout(log("kcm.log")?)
            .stderr(log("kcm.err")?)
            .spawn()
            .map_err(|e| format!("kube-controller-manager: {e}"))?;
        plane.children.push(("kube-controller-manager", kcm));
        Ok(plane)
    }

    fn wait_ready(&mut self, timeout: Duration) -> Result<(), String> {
        let started = Instant::now();
        while started.elapsed() < timeout {
            let exited = self.children.iter_mut().find_map(|(name, child)| {
                child
                    .try_wait()
                    .ok()
                    .flatten()
                    .map(|status| format!("{name} exited with {status}"))
            });
            if let Some(exited) = exited {
                return Err(format!("{exited}:\n{}", self.logs()));
            }
            let ok = Command::new("kubectl")
                .arg("--kubeconfig")
                .arg(&self.kubeconfig)
                .args(["get", "--raw", "/readyz"])
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .status()
                .is_ok_and(|s| s.success());
            if ok {
                return Ok(());
            }
            std::thread::sleep(Duration::from_millis(200));
        }
        Err(format!(
            "the API server was not ready within {timeout:?}:\n{}",
            self.logs()
        ))
    }

    /// Stand in for the kubelet the tier does not have: mark every pod Running and Ready with a
    /// pod IP, so Deployments become available, rollouts proceed and NetworkPolicy `ipBlock`s
    /// can match pods. Also runs a cluster-DNS stand-in (kube-system, `k8s-app=kube-dns`, ports
    /// 53/UDP, 53/TCP, 9153) as kind and kubeadm clusters have, for labs whose flows reach DNS.
    pub fn start_fake_kubelet(&mut self) {
        let dns = r#"{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"coredns","namespace":"kube-system","labels":{"k8s-app":"kube-dns"}},
"spec":{"replicas":2,"selector":{"matchLabels":{"k8s-app":"kube-dns"}},"template":{"metadata":{"labels":{"k8s-app":"kube-dns"}},
"spec":{"containers":[{"name":"coredns","image":"registry.k8s.io/coredns/coredns:v1.11.3","ports":[
{"name":"dns","containerPort":53,"protocol":"UDP"},{"name":"dns-tcp","containerPort":53,"protocol":"TCP"},{"name":"metrics","containerPort":9153,"protocol":"TCP"}]}]}}}}"#;
        let mut child = Command::new("kubectl")
            .arg("--kubeconfig")
            .arg(&self.kubeconfig)
            .args(["apply", "-f", "-"])
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("kubectl runs");
        if let Some(mut stdin) = child.stdin.take() {
            use std::io::Write;
            let _ = stdin.write_all(dns.as_bytes());
        }
        let _ = child.wait();
        let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let flag = std::sync::Arc::clone(&stop);
        let kubeconfig = self.kubeconfig.clone();
        let handle = std::thread::spawn(move || {
            let mut next_ip = 0u32;
            while !flag.load(std::sync::atomic::Ordering::Relaxed) {
                let out = Command::new("kubectl")
                    .arg("--kubeconfig")
                    .arg(&kubeconfig)
                    .args(["get", "pods", "-A", "-o", "json"])
                    .output();
                if let Ok(out) = out {
                    let list: serde_json::Value =
                        serde_json::from_slice(&out.stdout).unwrap_or_default();
                    for pod in list["items"].as_array().into_iter().flatten() {
                        let is_ready = pod["status"]["conditions"].as_array().is_some_and(|c| {
                            c.iter()
                                .any(|c| c["type"] == "Ready" && c["status"] == "True")
                        });
                        if is_ready || pod["metadata"]["deletionTimestamp"].is_string() {
                            continue;
                        }
                        let (ns, name) = (
                            pod["metadata"]["namespace"].as_str().unwrap_or_default(),
                            pod["metadata"]["name"].as_str().unwrap_or_default(),
                        );
                        next_ip += 1;
                        let ip = format!("10.244.{}.{}", (next_ip / 250) % 250, next_ip % 250 + 1);
                        let ready = format!(
                            r#"{{"status":{{"phase":"Running","podIP":"{ip}","podIPs":[{{"ip":"{ip}"}}],"conditions":[{{"type":"Ready","status":"True"}},{{"type":"ContainersReady","status":"True"}},{{"type":"Initialized","status":"True"}}]}}}}"#
                        );
                        let _ = Command::new("kubectl")
                            .arg("--kubeconfig")
                            .arg(&kubeconfig)
                            .args([
                                "-n",
                                ns,
                                "patch",
                                "pod",
                                name,
                                "--subresource=status",
                                "--type=merge",
                                "-p",
                                &ready,
                            ])
                            .stdout(Stdio::null())
                            .stderr(Stdio::null())
                            .status();
                    }
                }
                std::thread::sleep(Duration::from_millis(300));
            }
        });
        self.kubelet = Some((stop, handle));
    }

    /// Kill the API server (to test what happens when it goes away mid-session).
    pub fn stop_apiserver(&mut self) {
        for (name, child) in &mut self.children {
            if *name == "kube-apiserver" {
                let _ = child.kill();
                let _ = child.wait();
            }
        }
    }

    /// The last lines of every log.
    pub fn logs(&self) -> String {
        let mut out = String::new();
        for name in ["etcd.err", "apiserver.err", "kcm.err"] {
            let text = std::fs::read_to_string(self.dir.path().join(name)).unwrap_or_default();
            let tail: Vec<&str> = text.lines().rev().take(15).collect();
            out.push_str(&format!(
                "--- {name}\n{}\n",
                tail.into_iter().rev().collect::<Vec<_>>().join("\n")
            ));
        }
        out
    }

    pub fn dir(&self) -> &Path {
        self.dir.path()
    }
}

impl Drop for ControlPlane {
    fn drop(&mut self) {
        if std::thread::panicking() {
            eprintln!("control plane logs:\n{}", self.logs());
        }
        if let Some((stop, handle)) = self.kubelet.take() {
            stop.store(true, std::sync::atomic::Ordering::Relaxed);
            let _ = handle.join();
        }
        for (_, child) in self.children.iter_mut().rev() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}
