//! Doctor: which tools are installed (with versions) and what the host can do, so labs whose
//! requirements are unmet are shown as unavailable with the reason.

use std::path::Path;
use std::process::Command;

use serde::Serialize;

/// One tool.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct Tool {
    pub name: String,
    pub version: Option<String>,
    /// How to get it when missing.
    pub install: String,
}

/// The report.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct Doctor {
    pub tools: Vec<Tool>,
    /// `docker` or `podman`, whichever answers (docker first).
    pub engine: Option<String>,
    pub apparmor: bool,
    pub btf: bool,
    pub cgroup_v2: bool,
    pub arch: String,
}

fn version(cmd: &str, args: &[&str]) -> Option<String> {
    let out = Command::new(cmd).args(args).output().ok()?;
    let text = String::from_utf8_lossy(if out.stdout.is_empty() {
        &out.stderr
    } else {
        &out.stdout
    })
    .into_owned();
    out.status
        .success()
        .then(|| text.lines().next().unwrap_or_default().trim().to_owned())
}

impl Doctor {
    /// Probe this machine.
    pub fn probe() -> Doctor {
        let tools = vec![
            Tool {
                name: "docker".into(),
                version: version("docker", &["version", "--format", "{{.Server.Version}}"]),
                install:
                    "https://docs.docker.com/engine/install/ (or: sudo apt-get install docker.io)"
                        .into(),
            },
            Tool {
                name: "podman".into(),
                version: version("podman", &["--version"]),
                install: "sudo apt-get install podman".into(),
            },
            Tool {
                name: "kind".into(),
                version: version("kind", &["version"]),
                install: "https://kind.sigs.k8s.io/docs/user/quick-start/#installation".into(),
            },
            Tool {
                name: "kubectl".into(),
                version: version("kubectl", &["version", "--client", "--output=yaml"])
                    .map(|_| version("kubectl", &["version", "--client"]).unwrap_or_default()),
                install: "https://kubernetes.io/docs/tasks/tools/".into(),
            },
        ];
        let engine = tools
            .iter()
            .find(|t| (t.name == "docker" || t.name == "podman") && t.version.is_some())
            .map(|t| t.name.clone());
        Doctor {
            engine,
            apparmor: std::fs::read_to_string("/sys/module/apparmor/parameters/enabled")
                .is_ok_and(|v| v.trim() == "Y"),
            btf: Path::new("/sys/kernel/btf/vmlinux").exists(),
            cgroup_v2: Path::new("/sys/fs/cgroup/cgroup.controllers").exists(),
            arch: std::env::consts::ARCH.to_owned(),
            tools,
        }
    }

    /// Why a lab with these requirements cannot run here, or `None` when it can.
    pub fn unmet(&self, requires: &[&str]) -> Option<String> {
        for r in requires {
            let reason = match *r {
                "apparmor" if !self.apparmor => {
                    "AppArmor is not enabled on this host (kind nodes share the host kernel)"
                }
                "falco" if !self.btf => {
                    "Falco's modern eBPF probe needs kernel BTF (/sys/kernel/btf/vmlinux)"
                }
                "node" if self.engine.is_none() => "node access needs docker or podman",
                _ => continue,
            };
            return Some(reason.to_owned());
        }
        None
    }
}
