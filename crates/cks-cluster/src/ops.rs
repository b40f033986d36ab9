//! Waiting for objects and running kubectl against a cluster.

use std::time::{Duration, Instant};

use kube::api::{Api, DynamicObject};
use serde_json::Value as Json;

use crate::apply::resolve;
use crate::{ClusterError, Connection, OwnedCluster};

/// What to wait for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Condition {
    Exists,
    /// A Deployment (or StatefulSet/DaemonSet) has all replicas available.
    Available,
    /// A Pod is Ready.
    Ready,
    Deleted,
}

fn satisfied(object: &Json, condition: Condition) -> bool {
    match condition {
        Condition::Exists => true,
        Condition::Deleted => false,
        Condition::Available => {
            // As `kubectl rollout status`: the controller saw the latest spec, every replica is
            // updated and available, and no old replica is left.
            let want = object
                .pointer("/spec/replicas")
                .and_then(Json::as_i64)
                .unwrap_or(1);
            let status = object.get("status");
            let int = |key: &str| {
                status
                    .and_then(|s| s.get(key))
                    .and_then(Json::as_i64)
                    .unwrap_or(0)
            };
            let generation = object
                .pointer("/metadata/generation")
                .and_then(Json::as_i64)
                .unwrap_or(0);
            let observed = int("observedGeneration");
            if status.and_then(|s| s.get("numberAvailable")).is_some() {
                // DaemonSet
                return observed >= generation
                    && int("numberAvailable") >= int("desiredNumberScheduled")
                    && int("updatedNumberScheduled") >= int("desiredNumberScheduled");
            }
            observed >= generation
                && int("updatedReplicas") >= want
                && int("availableReplicas") >= want
                && int("replicas") <= want
        }
        Condition::Ready => object
            .pointer("/status/conditions")
            .and_then(Json::as_array)
            .is_some_and(|c| {
                c.iter()
                    .any(|c| c["type"] == "Ready" && c["status"] == "True")
            }),
    }
}

impl Connection {
    /// Poll until the object reaches the condition or the timeout passes.
    pub async fn wait_for(
        &self,
        api_version: &str,
        kind: &str,
        namespace: Option<&str>,
        name: &str,
        condition: Condition,
        timeout: Duration,
    ) -> Result<(), ClusterError> {
        let (resource, _) = resolve(&self.client, api_version, kind, "wait").await?;
        let api: Api<DynamicObject> = match namespace {
            Some(ns) => Api::namespaced_with(self.client.clone(), ns, &resource),
            None => Api::all_with(self.client.clone(), &resource),
        };
        let started = Instant::now();
        loop {
            let current = api
                .get_opt(name)
                .await
                .map_err(|e| ClusterError::api(format!("waiting for {kind} {name}"), e))?;
            let done = match (&current, condition) {
                (None, Condition::Deleted) => true,
                (None, _) => false,
                (Some(o), c) => satisfied(&serde_json::to_value(o).unwrap_or(Json::Null), c),
            };
            if done {
                return Ok(());
            }
            if started.elapsed() > timeout {
                return Err(ClusterError::Timeout {
                    what: format!("{kind} {name} to be {condition:?}").to_lowercase(),
                    seconds: timeout.as_secs(),
                });
            }
            tokio::time::sleep(Duration::from_millis(250)).await;
        }
    }
}

impl OwnedCluster {
    /// Run `kubectl` against this cluster (its kubeconfig and context), returning its output.
    pub async fn kubectl(&self, args: &[String]) -> Result<String, ClusterError> {
        let c = &self.connection;
        let out = tokio::process::Command::new("kubectl")
            .arg("--kubeconfig")
            .arg(&c.kubeconfig)
            .arg("--context")
            .arg(&c.context)
            .args(args)
            .output()
            .await
            .map_err(|e| ClusterError::Api {
                what: "kubectl".into(),
                message: format!("{e} (is kubectl installed? `ckslab doctor`)"),
            })?;
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        if out.status.success() {
            Ok(text)
        } else {
            Err(ClusterError::Api {
                what: format!("kubectl {}", args.join(" ")),
                message: text.trim().to_owned(),
            })
        }
    }
}

/// Parse a timeout such as `60s`, `2m`, `90` (seconds).
pub fn parse_duration(text: &str) -> Option<Duration> {
    let t = text.trim();
    if let Some(m) = t.strip_suffix('m') {
        return m.parse::<u64>().ok().map(|m| Duration::from_secs(m * 60));
    }
    t.strip_suffix('s')
        .unwrap_or(t)
        .parse::<u64>()
        .ok()
        .map(Duration::from_secs)
}
