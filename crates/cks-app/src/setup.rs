//! First-run setup: what this machine lacks (with the install command for its distribution),
//! the cluster, the images every lab runs (pulled once through the container engine and loaded
//! into the kind nodes so labs start offline), and add-ons.

use std::collections::BTreeSet;
use std::process::Command;

use serde::Serialize;

use crate::{App, AppError, CLUSTER_NAME};

/// What `ckslab setup` would do (and `--dry-run` prints).
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
pub struct SetupPlan {
    /// `debian`, `ubuntu`, `fedora`, `arch`, `macos`, … (from /etc/os-release).
    pub distribution: String,
    pub missing: Vec<MissingTool>,
    /// `docker` or `podman`, when one answers.
    pub engine: Option<String>,
    /// Whether CKS Lab's cluster exists already.
    pub cluster_exists: bool,
    /// The command that creates it (skipped when it exists).
    pub create_cluster: Vec<String>,
    /// Every image the labs run, pulled once and loaded into the nodes.
    pub images: Vec<String>,
    /// Add-ons some labs require, with what each unlocks (installed on request only).
    pub addons: Vec<AddonInfo>,
    /// Host features missing for some labs (AppArmor, BTF, cgroup v2).
    pub host: Vec<String>,
}

#[derive(Debug, Clone, Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
pub struct MissingTool {
    pub name: String,
    pub why: String,
    /// The command for this distribution.
    pub install: String,
}

/// An add-on a lab may require.
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
pub struct AddonInfo {
    pub name: String,
    pub version: String,
    /// Where its manifest comes from (empty: not automated yet, see `how`).
    pub url: String,
    /// How to install it by hand when it is not automated.
    pub how: Option<String>,
    /// SHA-256 of the manifest, when pinned in this release; otherwise the first download's
    /// checksum is recorded and every later download must match it.
    pub sha256: Option<String>,
    /// Labs that require it.
    pub unlocks: Vec<String>,
    /// Host features it needs.
    pub needs: Vec<String>,
    pub installed: bool,
}

struct Addon {
    name: &'static str,
    version: &'static str,
    url: &'static str,
    sha256: Option<&'static str>,
    needs: &'static [&'static str],
}

/// The add-ons labs may require, at pinned versions. Those without a manifest URL are not
/// automated yet: installing them prints how to do it by hand.
const ADDONS: &[Addon] = &[
    Addon {
        name: "gatekeeper",
        version: "v3.18.2",
        url: "https://raw.githubusercontent.com/open-policy-agent/gatekeeper/v3.18.2/deploy/gatekeeper.yaml",
        sha256: None,
        needs: &[],
    },
    Addon {
        name: "ingress-nginx",
        version: "controller-v1.12.0",
        url: "https://raw.githubusercontent.com/kubernetes/ingress-nginx/controller-v1.12.0/deploy/static/provider/kind/deploy.yaml",
        sha256: None,
        needs: &[],
    },
    Addon {
        name: "cilium",
        version: "v1.16.5",
        url: "https://raw.githubusercontent.com/cilium/cilium/v1.16.5/install/kubernetes/quick-install.yaml",
        sha256: None,
        needs: &["wireguard"],
    },
    Addon {
        name: "falco",
        version: "0.39.2",
        url: "",
        sha256: None,
        needs: &["btf"],
    },
    Addon {
        name: "gvisor",
        version: "release-20250113.0",
        url: "",
        sha256: None,
        needs: &[],
    },
    Addon {
        name: "registry",
        version: "2.8.3",
        url: "",
        sha256: None,
        needs: &[],
    },
    Addon {
        name: "trivy",
        version: "0.58.1",
        url: "",
        sha256: None,
        needs: &[],
    },
    Addon {
        name: "cosign",
        version: "v2.4.1",
        url: "",
        sha256: None,
        needs: &[],
    },
];

/// How to add an add-on that is not automated yet.
fn by_hand(name: &str) -> &'static str {
    match name {
        "falco" => {
            "helm install falco falcosecurity/falco --version 4.16.1 -n falco --create-namespace --set driver.kind=modern_ebpf"
        }
        "gvisor" => {
            "install runsc in each kind node and add the runsc handler to containerd (https://gvisor.dev/docs/user_guide/containerd/quick_start/)"
        }
        "registry" => {
            "run the local registry of https://kind.sigs.k8s.io/docs/user/local-registry/"
        }
        "trivy" => "install the trivy CLI on your machine (https://aquasecurity.github.io/trivy/)",
        "cosign" => {
            "install the cosign CLI on your machine (https://docs.sigstore.dev/cosign/system_config/installation/)"
        }
        _ => "see the lab's task",
    }
}

fn os_release_id() -> String {
    if cfg!(target_os = "macos") {
        return "macos".into();
    }
    std::fs::read_to_string("/etc/os-release")
        .ok()
        .and_then(|t| {
            t.lines().find_map(|l| {
                l.strip_prefix("ID=")
                    .map(|v| v.trim_matches('"').to_owned())
            })
        })
        .unwrap_or_else(|| "linux".into())
}

/// The install command for a tool on a distribution.
pub fn install_command(tool: &str, distribution: &str) -> String {
    let apt = matches!(distribution, "debian" | "ubuntu" | "linuxmint" | "pop");
    match (tool, distribution) {
        ("docker", _) if apt => "sudo apt-get install -y docker.io && sudo usermod -aG docker $USER (log out and in)".into(),
        ("docker", "fedora") => "sudo dnf install -y moby-engine && sudo systemctl enable --now docker".into(),
        ("docker", "arch") => "sudo pacman -S docker && sudo systemctl enable --now docker".into(),
        ("docker", "macos") => "brew install --cask docker (then start Docker Desktop)".into(),
        ("kubectl", _) if apt => "sudo apt-get install -y kubernetes-client (or see https://kubernetes.io/docs/tasks/tools/)".into(),
        ("kubectl", "fedora") => "sudo dnf install -y kubernetes-client".into(),
        ("kubectl", "arch") => "sudo pacman -S kubectl".into(),
        ("kubectl", "macos") => "brew install kubectl".into(),
        ("kind", "macos") => "brew install kind".into(),
        ("kind", "arch") => "sudo pacman -S kind".into(),
        ("kind", _) => "go install sigs.k8s.io/kind@v0.26.0 (or download the release binary: https://kind.sigs.k8s.io/docs/user/quick-start/#installation)".into(),
        (other, _) => format!("install {other}"),
    }
}

/// Why an image step failed, in words a learner can act on.
fn image_error(image: &str, action: &str, stderr: &str) -> AppError {
    let stderr = stderr.trim();
    let message = if stderr.contains("no space left on device") {
        format!(
            "the disk is full while {action} {image}: free some space (`docker system prune`), then run it again — images already done are kept"
        )
    } else if stderr.contains("Cannot connect") || stderr.contains("daemon running") {
        format!("the container engine is not running ({stderr}); start it and run it again")
    } else {
        format!("{action} {image} failed: {stderr}")
    };
    AppError::Images { message }
}

impl App {
    /// Every image the labs run (offline preloading), sorted.
    pub fn lab_images(&self) -> Result<Vec<String>, AppError> {
        let mut images = BTreeSet::new();
        for dir in cks_labs::discover(&self.config.labs_dir) {
            if let Ok(loaded) = self.load_lab_dir(&dir) {
                images.extend(loaded.lab.images.iter().cloned());
            }
        }
        for (_, dir) in self.pack_labs() {
            if let Ok(loaded) = self.load_lab_dir(&dir) {
                images.extend(loaded.lab.images.iter().cloned());
            }
        }
        Ok(images.into_iter().collect())
    }

    /// Add-ons with what each unlocks and whether it is installed.
    pub fn addons(&self) -> Result<Vec<AddonInfo>, AppError> {
        let labs = self.list_labs(None)?.labs;
        Ok(ADDONS
            .iter()
            .map(|a| AddonInfo {
                name: a.name.into(),
                version: a.version.into(),
                url: a.url.into(),
                how: a.url.is_empty().then(|| by_hand(a.name).to_owned()),
                sha256: a.sha256.map(str::to_owned),
                unlocks: labs
                    .iter()
                    .filter(|l| l.requires.iter().any(|r| r == a.name))
                    .map(|l| l.id.clone())
                    .collect(),
                needs: a.needs.iter().map(|s| (*s).to_owned()).collect(),
                installed: self.addon_marker(a.name).is_file(),
            })
            .collect())
    }

    fn addon_marker(&self, name: &str) -> std::path::PathBuf {
        self.config
            .data_dir
            .join("addons")
            .join(format!("{name}.installed"))
    }

    fn addon_cache(&self, name: &str, version: &str) -> std::path::PathBuf {
        self.config
            .data_dir
            .join("cache/addons")
            .join(format!("{name}-{version}.yaml"))
    }

    /// The plan of a first-run setup (nothing is changed).
    pub async fn setup_plan(&self) -> Result<SetupPlan, AppError> {
        let doctor = self.doctor();
        let distribution = os_release_id();
        let mut missing = Vec::new();
        if doctor.engine.is_none() {
            missing.push(MissingTool {
                name: "docker".into(),
                why: "kind runs the cluster's nodes as containers (podman works too)".into(),
                install: install_command("docker", &distribution),
            });
        }
        for name in ["kind", "kubectl"] {
            if !doctor
                .tools
                .iter()
                .any(|t| t.name == name && t.version.is_some())
            {
                missing.push(MissingTool {
                    name: name.into(),
                    why: if name == "kind" {
                        "creates the local cluster".into()
                    } else {
                        "your terminal's tool for the tasks, like in the exam".into()
                    },
                    install: install_command(name, &distribution),
                });
            }
        }
        let kind = self.kind();
        let cluster_exists = doctor.engine.is_some()
            && doctor
                .tools
                .iter()
                .any(|t| t.name == "kind" && t.version.is_some())
            && kind.exists().unwrap_or(false);
        let mut host = Vec::new();
        if !doctor.cgroup_v2 {
            host.push("cgroup v2 is not mounted: kind needs it (boot with systemd.unified_cgroup_hierarchy=1)".into());
        }
        if !doctor.apparmor {
            host.push("AppArmor is off: the AppArmor lab is unavailable".into());
        }
        if !doctor.btf {
            host.push("no kernel BTF: Falco's modern eBPF probe (falco labs) cannot run".into());
        }
        Ok(SetupPlan {
            distribution,
            missing,
            engine: doctor.engine.clone(),
            cluster_exists,
            create_cluster: kind.create_command(),
            images: self.lab_images()?,
            addons: self.addons()?,
            host,
        })
    }

    fn engine(&self) -> Result<String, AppError> {
        self.doctor().engine.ok_or_else(|| AppError::Images {
            message: "no container engine answers: install or start docker (or podman); `ckslab setup --dry-run` says how".into(),
        })
    }

    /// Pull every lab image not present yet (a retry resumes: present images are skipped).
    /// Returns (pulled, already present).
    pub fn pull_images(&self, progress: &dyn Fn(&str)) -> Result<(u32, u32), AppError> {
        let engine = self.engine()?;
        let (mut pulled, mut present) = (0, 0);
        for image in self.lab_images()? {
            let inspect = Command::new(&engine)
                .args(["image", "inspect", "--format", "{{.Id}}", &image])
                .output()
                .map_err(|e| AppError::Images {
                    message: format!("cannot run {engine}: {e}"),
                })?;
            if inspect.status.success() {
                present += 1;
                progress(&format!("present  {image}"));
                continue;
            }
            progress(&format!("pulling  {image}"));
            let out = Command::new(&engine)
                .args(["pull", "--quiet", &image])
                .output()
                .map_err(|e| AppError::Images {
                    message: format!("cannot run {engine}: {e}"),
                })?;
            if !out.status.success() {
                return Err(image_error(
                    &image,
                    "pulling",
                    &String::from_utf8_lossy(&out.stderr),
                ));
            }
            pulled += 1;
        }
        Ok((pulled, present))
    }

    /// Load every lab image into the kind nodes (after `pull_images`).
    pub fn load_images(&self, progress: &dyn Fn(&str)) -> Result<u32, AppError> {
        let engine = self.engine()?;
        let images = self.lab_images()?;
        let mut loaded = 0;
        for image in &images {
            progress(&format!("loading  {image}"));
            let mut cmd = Command::new("kind");
            if engine == "podman" {
                cmd.env("KIND_EXPERIMENTAL_PROVIDER", "podman");
            }
            let out = cmd
                .args(["load", "docker-image", "--name", CLUSTER_NAME, image])
                .output()
                .map_err(|e| AppError::Images {
                    message: format!("cannot run kind: {e} (install it: `ckslab setup --dry-run`)"),
                })?;
            if !out.status.success() {
                return Err(image_error(
                    image,
                    "loading",
                    &String::from_utf8_lossy(&out.stderr),
                ));
            }
            loaded += 1;
        }
        Ok(loaded)
    }

    /// Download (once, cached), verify and apply an add-on to CKS Lab's own cluster.
    pub async fn install_addon(
        &self,
        name: &str,
        progress: &(dyn Fn(&str) + Send + Sync),
    ) -> Result<AddonInfo, AppError> {
        let addon = ADDONS
            .iter()
            .find(|a| a.name == name)
            .ok_or_else(|| AppError::Addon {
                name: name.to_owned(),
                message: format!(
                    "unknown add-on; known: {}",
                    ADDONS.iter().map(|a| a.name).collect::<Vec<_>>().join(", ")
                ),
            })?;
        let fail = |message: String| AppError::Addon {
            name: name.to_owned(),
            message,
        };
        if addon.url.is_empty() {
            return Err(fail(format!(
                "{} {} is not installed automatically yet; by hand: {}",
                addon.name,
                addon.version,
                by_hand(addon.name)
            )));
        }
        let cache = self.addon_cache(addon.name, addon.version);
        if !cache.is_file() {
            progress(&format!("downloading {} {}", addon.name, addon.version));
            if let Some(dir) = cache.parent() {
                std::fs::create_dir_all(dir).map_err(|e| fail(e.to_string()))?;
            }
            let partial = cache.with_extension("partial");
            let out = Command::new("curl")
                .args(["-fsSL", "--retry", "2", "-o"])
                .arg(&partial)
                .arg(addon.url)
                .output()
                .map_err(|e| fail(format!("cannot run curl: {e}")))?;
            if !out.status.success() {
                let _ = std::fs::remove_file(&partial);
                return Err(fail(format!(
                    "download failed ({}); offline? an add-on is cached after its first download",
                    String::from_utf8_lossy(&out.stderr).trim()
                )));
            }
            std::fs::rename(&partial, &cache).map_err(|e| fail(e.to_string()))?;
        }
        let bytes = std::fs::read(&cache).map_err(|e| fail(e.to_string()))?;
        verify_addon(
            &self.config.data_dir,
            addon.name,
            addon.version,
            addon.sha256,
            &bytes,
        )
        .map_err(|message| {
            let _ = std::fs::remove_file(&cache);
            fail(message)
        })?;
        let cluster = self.own_cluster().await?;
        progress(&format!("applying {} to the cluster", addon.name));
        let out = Command::new("kubectl")
            .arg("--kubeconfig")
            .arg(&cluster.connection().kubeconfig)
            .args(["apply", "--server-side", "-f"])
            .arg(&cache)
            .output()
            .map_err(|e| fail(format!("cannot run kubectl: {e}")))?;
        if !out.status.success() {
            return Err(fail(String::from_utf8_lossy(&out.stderr).trim().to_owned()));
        }
        let marker = self.addon_marker(addon.name);
        if let Some(dir) = marker.parent() {
            let _ = std::fs::create_dir_all(dir);
        }
        std::fs::write(&marker, addon.version).map_err(|e| fail(e.to_string()))?;
        self.addons()?
            .into_iter()
            .find(|a| a.name == name)
            .ok_or_else(|| fail("vanished".into()))
    }

    /// Delete an add-on's objects from the cluster (from its cached manifest).
    pub async fn remove_addon(&self, name: &str) -> Result<(), AppError> {
        let addon = ADDONS
            .iter()
            .find(|a| a.name == name)
            .ok_or_else(|| AppError::Addon {
                name: name.to_owned(),
                message: "unknown add-on".into(),
            })?;
        let cache = self.addon_cache(addon.name, addon.version);
        let cluster = self.own_cluster().await?;
        let out = Command::new("kubectl")
            .arg("--kubeconfig")
            .arg(&cluster.connection().kubeconfig)
            .args(["delete", "--ignore-not-found", "-f"])
            .arg(&cache)
            .output()
            .map_err(|e| AppError::Addon {
                name: name.to_owned(),
                message: format!("cannot run kubectl: {e}"),
            })?;
        if !out.status.success() {
            return Err(AppError::Addon {
                name: name.to_owned(),
                message: String::from_utf8_lossy(&out.stderr).trim().to_owned(),
            });
        }
        let _ = std::fs::remove_file(self.addon_marker(name));
        Ok(())
    }
}

/// Check an add-on manifest against its pinned checksum, or against the checksum recorded at
/// its first download (trust on first use) when this release pins none.
pub fn verify_addon(
    data_dir: &std::path::Path,
    name: &str,
    version: &str,
    pinned: Option<&str>,
    bytes: &[u8],
) -> Result<(), String> {
    use sha2::Digest;
    let actual = hex::encode(sha2::Sha256::digest(bytes));
    let record = data_dir
        .join("cache/addons")
        .join(format!("{name}-{version}.sha256"));
    let expected = match pinned {
        Some(p) => Some(p.to_owned()),
        None => std::fs::read_to_string(&record)
            .ok()
            .map(|s| s.trim().to_owned()),
    };
    match expected {
        Some(e) if e != actual => Err(format!(
            "checksum mismatch: expected sha256 {e}, got {actual}; the download was refused and removed"
        )),
        Some(_) => Ok(()),
        None => {
            if let Some(dir) = record.parent() {
                std::fs::create_dir_all(dir).map_err(|e| e.to_string())?;
            }
            std::fs::write(&record, &actual).map_err(|e| e.to_string())?;
            Ok(())
        }
    }
}
