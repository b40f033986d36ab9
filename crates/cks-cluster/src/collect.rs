//! Snapshot collection: list exactly the kinds and namespaces the checks select, concurrently.

use std::collections::BTreeSet;

use cks_checks::spec::Selections;
use kube::api::{Api, DynamicObject, ListParams};
use serde_json::Value as Json;

use crate::apply::resolve;
use crate::{ClusterError, Connection};

/// Kinds RBAC checks read.
const RBAC_KINDS: &[(&str, &str)] = &[
    ("rbac.authorization.k8s.io/v1", "Role"),
    ("rbac.authorization.k8s.io/v1", "ClusterRole"),
    ("rbac.authorization.k8s.io/v1", "RoleBinding"),
    ("rbac.authorization.k8s.io/v1", "ClusterRoleBinding"),
];

/// One list request: kind, optional namespace, optional label selector.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct Query {
    api_version: String,
    kind: String,
    namespace: Option<String>,
    labels: Option<String>,
}

/// Fetch the objects the checks select. Each object carries apiVersion and kind (list
/// responses omit them per item). Kinds the cluster does not serve are skipped: a check on
/// them then sees no objects, which fails or errors as that check defines.
pub async fn collect_objects(
    connection: &Connection,
    selections: &Selections,
) -> Result<Vec<Json>, ClusterError> {
    let mut queries = BTreeSet::new();
    for s in &selections.selectors {
        // Lint guarantees a kind and a resolvable version; refuse rather than skip if not:
        // a check that sees nothing because nothing was asked for must not pass.
        if let Some(problem) = cks_checks::spec::selector_problem(s) {
            return Err(ClusterError::Api {
                what: "snapshot".into(),
                message: problem,
            });
        }
        let kind = s.kind.clone().unwrap_or_default();
        let api_version = s
            .api_version
            .clone()
            .or_else(|| cks_checks::spec::default_api_version(&kind).map(str::to_owned))
            .unwrap_or_default();
        let labels = (!s.labels.is_empty()).then(|| {
            s.labels
                .iter()
                .map(|(k, v)| format!("{k}={v}"))
                .collect::<Vec<_>>()
                .join(",")
        });
        queries.insert(Query {
            api_version,
            kind: kind.clone(),
            namespace: s.namespace.clone(),
            labels,
        });
    }
    if selections.rbac {
        for (api_version, kind) in RBAC_KINDS {
            queries.insert(Query {
                api_version: (*api_version).into(),
                kind: (*kind).into(),
                namespace: None,
                labels: None,
            });
        }
    }
    let client = connection.client.clone();
    // Whole API groups (Gatekeeper constraints: their kinds come from the learner's templates).
    for group in &selections.groups {
        match kube::discovery::group(&client, group).await {
            Ok(api_group) => {
                for (resource, _) in api_group.recommended_resources() {
                    queries.insert(Query {
                        api_version: resource.api_version.clone(),
                        kind: resource.kind.clone(),
                        namespace: None,
                        labels: None,
                    });
                }
            }
            // The group is not served (the add-on is not installed): nothing to collect.
            Err(kube::Error::Api(status)) if status.code == 404 => {}
            Err(kube::Error::Discovery(_)) => {}
            Err(e) => {
                return Err(ClusterError::api(
                    format!("discovering API group {group}"),
                    e,
                ));
            }
        }
    }
    let fetches = queries.into_iter().map(|q| {
        let client = client.clone();
        async move {
            let (resource, caps) = match resolve(&client, &q.api_version, &q.kind, "snapshot").await
            {
                Ok(found) => found,
                Err(ClusterError::UnknownKind { .. }) => return Ok(Vec::new()),
                Err(e) => return Err(e),
            };
            let api: Api<DynamicObject> = match (&q.namespace, caps.scope) {
                (Some(ns), kube::discovery::Scope::Namespaced) => {
                    Api::namespaced_with(client.clone(), ns, &resource)
                }
                _ => Api::all_with(client.clone(), &resource),
            };
            let mut params = ListParams::default();
            if let Some(l) = &q.labels {
                params = params.labels(l);
            }
            let list = api.list(&params).await.map_err(|e| match e {
                kube::Error::HyperError(_) | kube::Error::Service(_) => ClusterError::Unreachable {
                    server: String::new(),
                    message: e.to_string(),
                },
                other => ClusterError::api(format!("listing {}", q.kind), other),
            })?;
            let mut out = Vec::with_capacity(list.items.len());
            for item in list.items {
                let mut value = serde_json::to_value(&item).unwrap_or(Json::Null);
                if let Some(map) = value.as_object_mut() {
                    map.insert(
                        "apiVersion".into(),
                        Json::String(resource.api_version.clone()),
                    );
                    map.insert("kind".into(), Json::String(resource.kind.clone()));
                    // The engine does not need server bookkeeping; keep snapshots small.
                    if let Some(meta) = map.get_mut("metadata").and_then(Json::as_object_mut) {
                        meta.remove("managedFields");
                    }
                }
                out.push(value);
            }
            Ok::<_, ClusterError>(out)
        }
    });
    let results = futures::future::join_all(fetches).await;
    let mut objects = Vec::new();
    let mut seen = BTreeSet::new();
    for r in results {
        for o in r? {
            let uid = o
                .pointer("/metadata/uid")
                .and_then(Json::as_str)
                .unwrap_or_default()
                .to_owned();
            if uid.is_empty() || seen.insert(uid) {
                objects.push(o);
            }
        }
    }
    Ok(objects)
}
