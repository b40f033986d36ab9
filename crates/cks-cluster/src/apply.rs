//! Server-side apply of lab manifests with one field manager and the lab label; reset.

use std::collections::{BTreeMap, BTreeSet};
use std::time::{Duration, Instant};

use kube::api::{Api, DeleteParams, DynamicObject, ListParams, Patch, PatchParams};
use kube::core::GroupVersionKind;
use kube::discovery::{ApiCapabilities, ApiResource, Scope};
use serde_json::Value as Json;

use crate::{ClusterError, OwnedCluster};

/// The one field manager CKS Lab applies with.
pub const FIELD_MANAGER: &str = "ckslab";
/// The label on every object a lab creates: `ckslab.io/lab=<lab id>`.
pub const LAB_LABEL: &str = "ckslab.io/lab";

/// An object a step applied.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct AppliedObject {
    pub api_version: String,
    pub kind: String,
    pub namespace: Option<String>,
    pub name: String,
}

pub(crate) fn gvk_of(api_version: &str, kind: &str) -> GroupVersionKind {
    let (group, version) = api_version.split_once('/').unwrap_or(("", api_version));
    GroupVersionKind::gvk(group, version, kind)
}

/// Resolve a kind through discovery (one request per group/version).
pub(crate) async fn resolve(
    client: &kube::Client,
    api_version: &str,
    kind: &str,
    file: &str,
) -> Result<(ApiResource, ApiCapabilities), ClusterError> {
    match kube::discovery::pinned_kind(client, &gvk_of(api_version, kind)).await {
        Ok(found) => Ok(found),
        Err(kube::Error::Api(status)) if status.code == 404 => Err(ClusterError::UnknownKind {
            file: file.to_owned(),
            api_version: api_version.to_owned(),
            kind: kind.to_owned(),
        }),
        Err(kube::Error::Discovery(_)) => Err(ClusterError::UnknownKind {
            file: file.to_owned(),
            api_version: api_version.to_owned(),
            kind: kind.to_owned(),
        }),
        Err(e) => Err(ClusterError::api(
            format!("discovering {api_version}/{kind}"),
            e,
        )),
    }
}

impl OwnedCluster {
    /// Does the API server serve this kind? (`false` for an API the cluster's version lacks or
    /// an add-on's CRD that is not installed.)
    pub async fn serves(&self, api_version: &str, kind: &str) -> Result<bool, ClusterError> {
        match resolve(&self.connection.client, api_version, kind, "discovery").await {
            Ok(_) => Ok(true),
            Err(ClusterError::UnknownKind { .. }) => Ok(false),
            Err(e) => Err(e),
        }
    }

    /// Does the cluster have any Node (a real kubelet that runs pods, so `exec` works)?
    pub async fn has_nodes(&self) -> Result<bool, ClusterError> {
        let nodes: Api<k8s_openapi::api::core::v1::Node> = Api::all(self.connection.client.clone());
        let list = nodes
            .list(&kube::api::ListParams::default().limit(1))
            .await
            .map_err(|e| ClusterError::api("listing nodes", e))?;
        Ok(!list.items.is_empty())
    }

    /// Server-side apply objects (each labelled with the lab) in order; namespaces first.
    pub async fn apply(
        &self,
        lab_id: &str,
        file: &str,
        objects: &[Json],
    ) -> Result<Vec<AppliedObject>, ClusterError> {
        let client = &self.connection.client;
        let mut ordered: Vec<&Json> = objects.iter().collect();
        ordered.sort_by_key(|o| o.get("kind").and_then(Json::as_str) != Some("Namespace"));
        let mut applied = Vec::new();
        for object in ordered {
            let api_version = object
                .get("apiVersion")
                .and_then(Json::as_str)
                .unwrap_or_default()
                .to_owned();
            let kind = object
                .get("kind")
                .and_then(Json::as_str)
                .unwrap_or_default()
                .to_owned();
            let (resource, caps) = resolve(client, &api_version, &kind, file).await?;
            let mut object = object.clone();
            let meta = object.as_object_mut().and_then(|o| {
                o.entry("metadata")
                    .or_insert_with(|| Json::Object(Default::default()))
                    .as_object_mut()
            });
            let Some(meta) = meta else { continue };
            let name = meta
                .get("name")
                .and_then(Json::as_str)
                .unwrap_or_default()
                .to_owned();
            let labels = meta
                .entry("labels")
                .or_insert_with(|| Json::Object(Default::default()));
            if let Some(labels) = labels.as_object_mut() {
                labels.insert(LAB_LABEL.into(), Json::String(self.lab_label(lab_id)));
            }
            let namespace = match caps.scope {
                Scope::Namespaced => Some(
                    meta.get("namespace")
                        .and_then(Json::as_str)
                        .unwrap_or("default")
                        .to_owned(),
                ),
                Scope::Cluster => None,
            };
            let api: Api<DynamicObject> = match &namespace {
                Some(ns) => Api::namespaced_with(client.clone(), ns, &resource),
                None => Api::all_with(client.clone(), &resource),
            };
            let params = PatchParams::apply(FIELD_MANAGER).force();
            api.patch(&name, &params, &Patch::Apply(&object))
                .await
                .map_err(|e| ClusterError::api(format!("{file}: applying {kind} {name}"), e))?;
            applied.push(AppliedObject {
                api_version,
                kind,
                namespace,
                name,
            });
        }
        Ok(applied)
    }

    /// Delete everything labelled with the lab among `kinds` (namespaces last), then wait until
    /// it is gone. Objects inside the lab's namespaces go with them, labelled or not.
    pub async fn reset(
        &self,
        lab_id: &str,
        kinds: &BTreeSet<(String, String)>,
        timeout: Duration,
    ) -> Result<usize, ClusterError> {
        let client = &self.connection.client;
        let selector = format!("{LAB_LABEL}={}", self.lab_label(lab_id));
        let list = ListParams::default().labels(&selector);
        let mut resolved: BTreeMap<(String, String), ApiResource> = BTreeMap::new();
        for (api_version, kind) in kinds {
            // A kind the cluster does not serve has no objects to delete.
            match resolve(client, api_version, kind, "reset").await {
                Ok((resource, _)) => {
                    resolved.insert((api_version.clone(), kind.clone()), resource);
                }
                Err(ClusterError::UnknownKind { .. }) => {}
                Err(e) => return Err(e),
            }
        }
        let mut deleted = 0;
        let mut order: Vec<&(String, String)> = resolved.keys().collect();
        order.sort_by_key(|(_, kind)| kind == "Namespace");
        for key in &order {
            let api: Api<DynamicObject> = Api::all_with(client.clone(), &resolved[*key]);
            let objects = api
                .list(&list)
                .await
                .map_err(|e| ClusterError::api(format!("listing {} to reset", key.1), e))?;
            for o in objects.items {
                let name = o.metadata.name.clone().unwrap_or_default();
                let scoped: Api<DynamicObject> = match &o.metadata.namespace {
                    Some(ns) => Api::namespaced_with(client.clone(), ns, &resolved[*key]),
                    None => Api::all_with(client.clone(), &resolved[*key]),
                };
                match scoped.delete(&name, &DeleteParams::background()).await {
                    Ok(_) => deleted += 1,
                    Err(kube::Error::Api(s)) if s.code == 404 => {}
                    Err(e) => {
                        return Err(ClusterError::api(format!("deleting {} {name}", key.1), e));
                    }
                }
            }
        }
        // Wait until nothing labelled remains (namespace deletion runs in the controller manager).
        let started = Instant::now();
        loop {
            let mut left = 0;
            for key in &order {
                let api: Api<DynamicObject> = Api::all_with(client.clone(), &resolved[*key]);
                left += api
                    .list(&list)
                    .await
                    .map_err(|e| ClusterError::api("checking reset", e))?
                    .items
                    .len();
            }
            if left == 0 {
                return Ok(deleted);
            }
            if started.elapsed() > timeout {
                return Err(ClusterError::Timeout {
                    what: format!("{left} object(s) of lab {lab_id} to be deleted"),
                    seconds: timeout.as_secs(),
                });
            }
            tokio::time::sleep(Duration::from_millis(250)).await;
        }
    }
}
