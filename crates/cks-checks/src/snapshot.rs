//! The Snapshot: everything a grade looks at, already collected. The engine never fetches
//! anything itself; a missing piece here is an `error` outcome, never a pass.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value as Json;

/// One file on one node as collected: its content and, when known, its mode and owner.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct NodeFile {
    /// `None` when the collector saw that the file does not exist.
    pub content: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mode: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub uid: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gid: Option<u32>,
}

impl NodeFile {
    pub fn present(content: impl Into<String>) -> Self {
        NodeFile {
            content: Some(content.into()),
            mode: None,
            uid: None,
            gid: None,
        }
    }
    pub fn missing() -> Self {
        NodeFile {
            content: None,
            mode: None,
            uid: None,
            gid: None,
        }
    }
}

/// The state being graded.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Snapshot {
    /// Kubernetes objects as JSON (each with apiVersion, kind, metadata). `List`s are expanded.
    pub objects: Vec<Json>,
    /// node name → absolute path → file.
    pub nodes: BTreeMap<String, BTreeMap<String, NodeFile>>,
    /// node name → command id → output.
    pub commands: BTreeMap<String, BTreeMap<String, String>>,
    /// The learner's answers, `None` when no answers were recorded at all.
    pub answers: Option<BTreeMap<String, String>>,
    /// The attempt's parameter values, available to CEL as `params`.
    pub params: BTreeMap<String, Json>,
    /// Recorded behaviour probes: check id → result (`probes/<check-id>.yaml`).
    #[serde(default)]
    pub probes: BTreeMap<String, ProbeResult>,
    /// Why a probe could not run (client pod gone, Service not the lab's …): check id → reason.
    /// Such a probe has no result, so its check is an error, never a pass.
    #[serde(default)]
    pub probe_errors: BTreeMap<String, String>,
    /// Log files a `log` check reads: node → absolute path → content (`logs/<node>/<path>`).
    #[serde(default)]
    pub logs: BTreeMap<String, BTreeMap<String, String>>,
    /// Triggers the grader performed just before collecting: check id → record (`trigger.yaml`).
    #[serde(default)]
    pub triggers: BTreeMap<String, TriggerRecord>,
}

/// What an allow-listed probe command did, as the grader ran it from the lab's client pod.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ProbeResult {
    /// The argument list that ran (for the learner to reproduce).
    #[serde(default)]
    pub command: Vec<String>,
    /// `namespace/pod` of the client.
    #[serde(default)]
    pub client: String,
    pub exit_code: i32,
    /// The first 2 KiB of stdout and stderr.
    #[serde(default)]
    pub output: String,
    #[serde(default)]
    pub millis: u64,
    /// RFC 3339 time the probe ran.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub at: Option<String>,
}

/// A harmless action the grader performed just before collecting, so a log entry can be tied
/// to it (and a hand-written one cannot).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct TriggerRecord {
    /// RFC 3339 UTC time just before the action.
    pub at: String,
    /// `Audit-Id` response headers of the API requests the action made (unguessable, so an
    /// audit line that carries one was written by the API server for this trigger).
    #[serde(default)]
    pub audit_ids: Vec<String>,
    /// What was done, for messages (`get secrets/db-password as jane`).
    #[serde(default)]
    pub action: String,
}

impl Snapshot {
    /// A file on a node: `None` when the snapshot holds nothing for that path (not collected),
    /// `Some(file)` with `content: None` when it was collected and found missing.
    pub fn node_file(&self, node: &str, path: &str) -> Option<&NodeFile> {
        self.nodes.get(node)?.get(path)
    }
}

/// `kind/namespace/name` of an object, for messages.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ObjectRef {
    pub kind: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub namespace: Option<String>,
    pub name: String,
}

impl ObjectRef {
    pub fn of(object: &Json) -> ObjectRef {
        let text = |v: Option<&Json>| v.and_then(Json::as_str).map(str::to_owned);
        let meta = object.get("metadata");
        ObjectRef {
            kind: text(object.get("kind")).unwrap_or_else(|| "Object".into()),
            namespace: text(meta.and_then(|m| m.get("namespace"))),
            name: text(meta.and_then(|m| m.get("name"))).unwrap_or_else(|| "<unnamed>".into()),
        }
    }
}

impl std::fmt::Display for ObjectRef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.namespace {
            Some(ns) => write!(f, "{} {}/{}", self.kind, ns, self.name),
            None => write!(f, "{} {}", self.kind, self.name),
        }
    }
}
