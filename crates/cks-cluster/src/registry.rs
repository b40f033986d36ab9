//! Connections, identities, and the registry of clusters labs may change.

use std::path::{Path, PathBuf};

use kube::Client;
use kube::config::{KubeConfigOptions, Kubeconfig};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::ClusterError;

/// Who a cluster is: its API server URL and the fingerprint of the CA that signs its serving
/// certificate. A kubeconfig context pointing elsewhere has another identity.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ClusterIdentity {
    pub server: String,
    /// SHA-256 of the first CA certificate (DER), hex; empty when the kubeconfig has none.
    pub ca_sha256: String,
}

/// A client for one kubeconfig context, with its identity. Reading is allowed; changing
/// needs an [`OwnedCluster`].
#[derive(Clone)]
pub struct Connection {
    pub(crate) client: Client,
    pub identity: ClusterIdentity,
    pub context: String,
    pub kubeconfig: PathBuf,
}

impl std::fmt::Debug for Connection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Connection")
            .field("identity", &self.identity)
            .field("context", &self.context)
            .finish()
    }
}

impl Connection {
    /// Connect to a context of a kubeconfig (its current context when `None`). No request is
    /// sent until something is read.
    pub async fn from_kubeconfig(
        path: &Path,
        context: Option<&str>,
    ) -> Result<Connection, ClusterError> {
        let err = |message: String| ClusterError::Kubeconfig {
            path: path.to_path_buf(),
            message,
        };
        let kubeconfig = Kubeconfig::read_from(path).map_err(|e| err(e.to_string()))?;
        let context_name = context
            .map(str::to_owned)
            .or_else(|| kubeconfig.current_context.clone())
            .ok_or_else(|| err("no current context".into()))?;
        let options = KubeConfigOptions {
            context: Some(context_name.clone()),
            ..Default::default()
        };
        let config = kube::Config::from_custom_kubeconfig(kubeconfig, &options)
            .await
            .map_err(|e| err(e.to_string()))?;
        let identity = ClusterIdentity {
            server: config
                .cluster_url
                .to_string()
                .trim_end_matches('/')
                .to_owned(),
            ca_sha256: config
                .root_cert
                .as_ref()
                .and_then(|certs| certs.first())
                .map(|der| hex::encode(Sha256::digest(der)))
                .unwrap_or_default(),
        };
        let client = Client::try_from(config).map_err(|e| err(e.to_string()))?;
        Ok(Connection {
            client,
            identity,
            context: context_name,
            kubeconfig: path.to_path_buf(),
        })
    }

    /// A connection over any client (tests use a mock service).
    pub fn with_client(client: Client, identity: ClusterIdentity, context: &str) -> Connection {
        Connection {
            client,
            identity,
            context: context.to_owned(),
            kubeconfig: PathBuf::new(),
        }
    }

    /// The client, for reading.
    pub fn client(&self) -> &Client {
        &self.client
    }

    /// Ask the API server for its version (answers within `timeout`, or the cluster counts
    /// as unreachable).
    pub async fn server_version(
        &self,
        timeout: std::time::Duration,
    ) -> Result<String, ClusterError> {
        let unreachable = |message: String| ClusterError::Unreachable {
            server: self.identity.server.clone(),
            message,
        };
        match tokio::time::timeout(timeout, self.client.apiserver_version()).await {
            Ok(Ok(info)) => Ok(info.git_version),
            Ok(Err(e)) => Err(unreachable(e.to_string())),
            Err(_) => Err(unreachable(format!(
                "no answer within {} s",
                timeout.as_secs()
            ))),
        }
    }
}

/// A cluster labs may change. Only [`Registry::authorize`] creates one.
#[derive(Clone)]
pub struct OwnedCluster {
    pub(crate) connection: Connection,
    /// On a shared cluster: the learner whose namespaces and labels this session uses.
    learner: Option<String>,
    /// Private: no code outside this module can build an `OwnedCluster` by hand.
    _sealed: (),
}

impl std::fmt::Debug for OwnedCluster {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OwnedCluster")
            .field("identity", &self.connection.identity)
            .finish()
    }
}

impl OwnedCluster {
    pub fn connection(&self) -> &Connection {
        &self.connection
    }

    /// The learner of a shared cluster (`None` on a cluster of one's own).
    pub fn learner(&self) -> Option<&str> {
        self.learner.as_deref()
    }

    /// The value of `ckslab.io/lab` on what a lab creates: the lab id, or on a shared cluster
    /// `<learner>.<lab id>` so one learner's reset never touches another's objects.
    pub fn lab_label(&self, lab_id: &str) -> String {
        match &self.learner {
            Some(learner) => format!("{learner}.{lab_id}"),
            None => lab_id.to_owned(),
        }
    }
}

/// A learner name for a shared cluster: kebab-case, at most 20 characters (it prefixes
/// namespaces and label values, which Kubernetes limits to 63).
pub fn valid_learner(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 20
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !name.starts_with('-')
        && !name.ends_with('-')
}

/// A cluster in the registry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RegisteredCluster {
    pub name: String,
    pub identity: ClusterIdentity,
    /// `true` for the cluster CKS Lab created itself (the kind cluster `cks`).
    pub own: bool,
    /// A shared cluster (a workshop's): the learner whose prefix namespaces and labels get.
    /// Only namespace-scoped labs run there.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub learner: Option<String>,
}

/// The clusters labs may change, kept in `clusters.json` in the data directory.
#[derive(Debug, Clone, Default)]
pub struct Registry {
    path: PathBuf,
    clusters: Vec<RegisteredCluster>,
}

impl Registry {
    /// Load the registry of a data directory (empty when the file does not exist).
    pub fn load(data_dir: &Path) -> Result<Registry, ClusterError> {
        let path = data_dir.join("clusters.json");
        let clusters = match std::fs::read_to_string(&path) {
            Ok(text) => serde_json::from_str(&text).map_err(|e| ClusterError::Registry {
                path: path.clone(),
                message: e.to_string(),
            })?,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Vec::new(),
            Err(e) => {
                return Err(ClusterError::Registry {
                    path,
                    message: e.to_string(),
                });
            }
        };
        Ok(Registry { path, clusters })
    }

    pub fn clusters(&self) -> &[RegisteredCluster] {
        &self.clusters
    }

    /// Add (or rename) a cluster and save atomically.
    pub fn register(
        &mut self,
        name: &str,
        identity: &ClusterIdentity,
        own: bool,
    ) -> Result<(), ClusterError> {
        self.register_as(name, identity, own, None)
    }

    /// Register a cluster, shared when `learner` is given.
    pub fn register_as(
        &mut self,
        name: &str,
        identity: &ClusterIdentity,
        own: bool,
        learner: Option<&str>,
    ) -> Result<(), ClusterError> {
        if let Some(l) = learner
            && !valid_learner(l)
        {
            return Err(ClusterError::Registry {
                path: self.path.clone(),
                message: format!(
                    "learner {l:?} must be lowercase letters, digits and dashes, at most 20 characters"
                ),
            });
        }
        self.clusters.retain(|c| c.identity != *identity);
        self.clusters.push(RegisteredCluster {
            name: name.to_owned(),
            identity: identity.clone(),
            own,
            learner: learner.map(str::to_owned),
        });
        let text = serde_json::to_string_pretty(&self.clusters).unwrap_or_default();
        let err = |e: std::io::Error| ClusterError::Registry {
            path: self.path.clone(),
            message: e.to_string(),
        };
        if let Some(dir) = self.path.parent() {
            std::fs::create_dir_all(dir).map_err(err)?;
        }
        let tmp = self.path.with_extension("json.tmp");
        std::fs::write(&tmp, text)
            .and_then(|()| std::fs::rename(&tmp, &self.path))
            .map_err(err)
    }

    /// Remove a cluster by identity.
    pub fn unregister(&mut self, identity: &ClusterIdentity) -> Result<bool, ClusterError> {
        let before = self.clusters.len();
        self.clusters.retain(|c| c.identity != *identity);
        let text = serde_json::to_string_pretty(&self.clusters).unwrap_or_default();
        std::fs::write(&self.path, text).map_err(|e| ClusterError::Registry {
            path: self.path.clone(),
            message: e.to_string(),
        })?;
        Ok(self.clusters.len() != before)
    }

    /// The guard: a connection becomes an [`OwnedCluster`] only if its identity is registered.
    /// The check is local — a refused connection has sent no request.
    pub fn authorize(&self, connection: &Connection) -> Result<OwnedCluster, ClusterError> {
        if let Some(c) = self
            .clusters
            .iter()
            .find(|c| c.identity == connection.identity)
        {
            Ok(OwnedCluster {
                connection: connection.clone(),
                learner: c.learner.clone(),
                _sealed: (),
            })
        } else {
            Err(ClusterError::NotRegistered {
                context: connection.context.clone(),
                server: connection.identity.server.clone(),
                kubeconfig: connection.kubeconfig.display().to_string(),
            })
        }
    }
}
