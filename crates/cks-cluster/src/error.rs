//! Cluster errors, each saying what to do.

use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum ClusterError {
    #[error("cannot read kubeconfig {path}: {message}")]
    Kubeconfig { path: PathBuf, message: String },
    #[error(
        "refusing to change cluster {server} (context {context:?}): it is not CKS Lab's own cluster and was not registered. \
         Register it with `ckslab cluster register --kubeconfig {kubeconfig} --context {context}` if you really want labs to change it"
    )]
    NotRegistered {
        context: String,
        server: String,
        kubeconfig: String,
    },
    #[error(
        "the cluster at {server} cannot be reached: {message} (is it running? `ckslab cluster status`)"
    )]
    Unreachable { server: String, message: String },
    #[error("{file}: unknown kind {api_version}/{kind} (not served by this cluster)")]
    UnknownKind {
        file: String,
        api_version: String,
        kind: String,
    },
    #[error("{what}: {message}")]
    Api { what: String, message: String },
    #[error("timed out after {seconds} s waiting for {what}")]
    Timeout { what: String, seconds: u64 },
    #[error("cannot write the cluster registry {path}: {message}")]
    Registry { path: PathBuf, message: String },
}

impl ClusterError {
    pub(crate) fn api(what: impl Into<String>, error: kube::Error) -> ClusterError {
        ClusterError::Api {
            what: what.into(),
            message: error.to_string(),
        }
    }
}
