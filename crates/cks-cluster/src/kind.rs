//! CKS Lab's own cluster: a kind cluster (default `cks`) created through the `kind` CLI with
//! docker or podman, from a bundled config — one control plane and one worker, the audit policy
//! and log directory mounted, and a directory for admission and encryption configs. Its
//! kubeconfig lives in the data directory, never in the learner's `~/.kube/config`.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use crate::ClusterError;

/// The bundled kind configuration. `{data}` is the app's data directory.
pub fn kind_config(data_dir: &Path) -> String {
    let d = data_dir.display();
    format!(
        r#"# Written by CKS Lab. One control plane and one worker, like the exam's clusters.
kind: Cluster
apiVersion: kind.x-k8s.io/v1alpha4
nodes:
  - role: control-plane
    extraMounts:
      # Audit policies and logs (labs on audit logging edit these).
      - hostPath: {d}/node/audit
        containerPath: /etc/kubernetes/audit
      - hostPath: {d}/node/audit-logs
        containerPath: /var/log/kubernetes/audit
      # Admission and encryption configuration files (ImagePolicyWebhook, EncryptionConfiguration).
      - hostPath: {d}/node/config
        containerPath: /etc/kubernetes/config
    kubeadmConfigPatches:
      - |
        kind: ClusterConfiguration
        apiServer:
          extraVolumes:
            - name: audit
              hostPath: /etc/kubernetes/audit
              mountPath: /etc/kubernetes/audit
              readOnly: true
              pathType: DirectoryOrCreate
            - name: audit-logs
              hostPath: /var/log/kubernetes/audit
              mountPath: /var/log/kubernetes/audit
              readOnly: false
              pathType: DirectoryOrCreate
            - name: config
              hostPath: /etc/kubernetes/config
              mountPath: /etc/kubernetes/config
              readOnly: true
              pathType: DirectoryOrCreate
  - role: worker
"#
    )
}

/// A kind cluster driven through the `kind` CLI.
#[derive(Debug, Clone)]
pub struct KindProvider {
    /// `docker` or `podman`.
    pub engine: String,
    pub name: String,
    pub data_dir: PathBuf,
}

fn kind_command(engine: &str) -> Command {
    let mut cmd = Command::new("kind");
    if engine == "podman" {
        cmd.env("KIND_EXPERIMENTAL_PROVIDER", "podman");
    }
    cmd
}

impl KindProvider {
    pub fn new(engine: &str, name: &str, data_dir: &Path) -> KindProvider {
        KindProvider {
            engine: engine.to_owned(),
            name: name.to_owned(),
            data_dir: data_dir.to_path_buf(),
        }
    }

    /// Where the cluster's kubeconfig is written.
    pub fn kubeconfig(&self) -> PathBuf {
        self.data_dir.join("kubeconfig")
    }

    /// The `kind create cluster` command line (for `--dry-run` plans and tests).
    pub fn create_command(&self) -> Vec<String> {
        vec![
            "kind".into(),
            "create".into(),
            "cluster".into(),
            "--name".into(),
            self.name.clone(),
            "--config".into(),
            self.data_dir.join("kind-config.yaml").display().to_string(),
            "--kubeconfig".into(),
            self.kubeconfig().display().to_string(),
            "--wait".into(),
            "120s".into(),
        ]
    }

    /// Does the cluster exist?
    pub fn exists(&self) -> Result<bool, ClusterError> {
        let out = kind_command(&self.engine)
            .args(["get", "clusters"])
            .output()
            .map_err(|e| not_installed("kind", &e))?;
        Ok(String::from_utf8_lossy(&out.stdout)
            .lines()
            .any(|l| l.trim() == self.name))
    }

    /// Create the cluster, streaming kind's progress lines to `progress`.
    pub fn create(&self, mut progress: impl FnMut(&str)) -> Result<(), ClusterError> {
        for dir in ["node/audit", "node/audit-logs", "node/config"] {
            std::fs::create_dir_all(self.data_dir.join(dir)).map_err(|e| ClusterError::Api {
                what: "preparing mounts".into(),
                message: e.to_string(),
            })?;
        }
        std::fs::write(
            self.data_dir.join("kind-config.yaml"),
            kind_config(&self.data_dir),
        )
        .map_err(|e| ClusterError::Api {
            what: "writing the kind config".into(),
            message: e.to_string(),
        })?;
        let args = self.create_command();
        let mut child = kind_command(&self.engine)
            .args(&args[1..])
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| not_installed("kind", &e))?;
        // kind reports progress on stderr.
        if let Some(stderr) = child.stderr.take() {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                progress(line.trim());
            }
        }
        let status = child.wait().map_err(|e| ClusterError::Api {
            what: "kind".into(),
            message: e.to_string(),
        })?;
        if status.success() {
            Ok(())
        } else {
            Err(ClusterError::Api {
                what: "kind create cluster".into(),
                message: format!(
                    "exited with {status}; is {} running? (`ckslab doctor`)",
                    self.engine
                ),
            })
        }
    }

    /// Delete the cluster and its kubeconfig.
    pub fn delete(&self) -> Result<(), ClusterError> {
        let out = kind_command(&self.engine)
            .args(["delete", "cluster", "--name", &self.name, "--kubeconfig"])
            .arg(self.kubeconfig())
            .output()
            .map_err(|e| not_installed("kind", &e))?;
        if !out.status.success() {
            return Err(ClusterError::Api {
                what: "kind delete cluster".into(),
                message: String::from_utf8_lossy(&out.stderr).trim().to_owned(),
            });
        }
        let _ = std::fs::remove_file(self.kubeconfig());
        Ok(())
    }
}

fn not_installed(tool: &str, e: &std::io::Error) -> ClusterError {
    ClusterError::Api {
        what: tool.into(),
        message: format!(
            "{e} — is {tool} installed? (`ckslab doctor` lists what is missing and how to get it)"
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_bundled_config_parses_and_mounts_the_lab_directories() {
        let config = kind_config(Path::new("/data"));
        let v = cks_checks::yaml::parse_one(&config).unwrap();
        assert_eq!(v["nodes"].as_array().unwrap().len(), 2);
        assert_eq!(
            v["nodes"][0]["extraMounts"][0]["hostPath"],
            "/data/node/audit"
        );
        assert_eq!(v["nodes"][1]["role"], "worker");
    }

    #[test]
    fn the_kubeconfig_stays_in_the_data_directory() {
        let kind = KindProvider::new("docker", "cks", Path::new("/data"));
        let cmd = kind.create_command();
        let at = cmd.iter().position(|a| a == "--kubeconfig").unwrap();
        assert_eq!(cmd[at + 1], "/data/kubeconfig");
        assert!(!cmd.iter().any(|a| a.contains(".kube")));
    }
}
