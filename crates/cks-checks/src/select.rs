//! Selecting objects from a snapshot, and finding the pod spec inside workloads.

use serde_json::Value as Json;

use crate::spec::Selector;

/// Does `object` match every field the selector sets?
pub fn matches(selector: &Selector, object: &Json) -> bool {
    let meta = object.get("metadata");
    fn text(v: Option<&Json>) -> Option<&str> {
        v.and_then(Json::as_str)
    }
    if let Some(kind) = &selector.kind
        && text(object.get("kind")) != Some(kind.as_str())
    {
        return false;
    }
    if let Some(api_version) = &selector.api_version
        && text(object.get("apiVersion")) != Some(api_version.as_str())
    {
        return false;
    }
    if let Some(namespace) = &selector.namespace
        && text(meta.and_then(|m| m.get("namespace"))) != Some(namespace.as_str())
    {
        return false;
    }
    if let Some(name) = &selector.name
        && text(meta.and_then(|m| m.get("name"))) != Some(name.as_str())
    {
        return false;
    }
    if !selector.labels.is_empty() {
        let labels = meta.and_then(|m| m.get("labels"));
        for (key, value) in &selector.labels {
            if text(labels.and_then(|l| l.get(key))) != Some(value.as_str()) {
                return false;
            }
        }
    }
    true
}

/// Human description of a selector, for "found none" messages.
pub fn describe(selector: &Selector) -> String {
    let mut parts = vec![selector.kind.clone().unwrap_or_else(|| "object".into())];
    if let Some(ns) = &selector.namespace {
        parts.push(format!("in namespace {ns}"));
    }
    if let Some(name) = &selector.name {
        parts.push(format!("named {name}"));
    }
    if !selector.labels.is_empty() {
        let labels: Vec<String> = selector
            .labels
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect();
        parts.push(format!("labelled {}", labels.join(",")));
    }
    parts.join(" ")
}

/// A pod spec found in an object: a Pod's own, or a workload's pod template.
#[derive(Debug, Clone, Copy)]
pub struct PodView<'a> {
    pub spec: &'a Json,
    pub annotations: Option<&'a Json>,
    /// Is this an actual Pod (as opposed to a template)?
    pub is_pod: bool,
}

/// Kinds whose `.spec.template` is a pod template.
pub const TEMPLATE_KINDS: &[&str] = &[
    "Deployment",
    "ReplicaSet",
    "StatefulSet",
    "DaemonSet",
    "Job",
    "ReplicationController",
    "DeploymentConfig",
];

/// The pod spec of a Pod or of any workload with a pod template; `None` for other kinds.
pub fn pod_view(object: &Json) -> Option<PodView<'_>> {
    let kind = object.get("kind")?.as_str()?;
    let (template_meta, spec, is_pod) = match kind {
        "Pod" => (object.get("metadata"), object.get("spec")?, true),
        "CronJob" => {
            let template = object
                .get("spec")?
                .get("jobTemplate")?
                .get("spec")?
                .get("template")?;
            (template.get("metadata"), template.get("spec")?, false)
        }
        k if TEMPLATE_KINDS.contains(&k) => {
            let template = object.get("spec")?.get("template")?;
            (template.get("metadata"), template.get("spec")?, false)
        }
        _ => return None,
    };
    Some(PodView {
        spec,
        annotations: template_meta.and_then(|m| m.get("annotations")),
        is_pod,
    })
}

/// Every container of a pod spec: containers, then initContainers, then ephemeralContainers.
pub fn all_containers(spec: &Json) -> impl Iterator<Item = &Json> {
    ["containers", "initContainers", "ephemeralContainers"]
        .into_iter()
        .filter_map(|key| spec.get(key).and_then(Json::as_array))
        .flatten()
}

/// A container's name, or `<unnamed>`.
pub fn container_name(container: &Json) -> &str {
    container
        .get("name")
        .and_then(Json::as_str)
        .unwrap_or("<unnamed>")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn selector_fields_all_must_match() {
        let pod = json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "a", "namespace": "n", "labels": {"app": "web"}}});
        let mut s = Selector {
            kind: Some("Pod".into()),
            namespace: Some("n".into()),
            ..Default::default()
        };
        assert!(matches(&s, &pod));
        s.labels.insert("app".into(), "web".into());
        assert!(matches(&s, &pod));
        s.labels.insert("tier".into(), "x".into());
        assert!(!matches(&s, &pod));
        let s = Selector {
            api_version: Some("apps/v1".into()),
            ..Default::default()
        };
        assert!(!matches(&s, &pod));
    }

    #[test]
    fn pod_views_of_workloads() {
        let cron = json!({"kind": "CronJob", "spec": {"jobTemplate": {"spec": {"template": {"metadata": {"annotations": {"a": "b"}}, "spec": {"containers": []}}}}}});
        let view = pod_view(&cron).unwrap();
        assert!(!view.is_pod);
        assert_eq!(view.annotations.unwrap()["a"], "b");
        assert!(pod_view(&json!({"kind": "Service", "spec": {}})).is_none());
    }
}
