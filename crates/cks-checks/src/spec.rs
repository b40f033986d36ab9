//! Check specifications: what a lab author writes under `checks:` in `lab.yaml`.
//!
//! These types are the engine's input contract. They derive `Deserialize` with
//! `deny_unknown_fields` (a typo is an error, never ignored) and `JsonSchema` so that
//! `labs/schema.json` is generated from them.

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// One graded check. Exactly one check kind (`object`, `absent`, `count`, `rbac`, `pss`,
/// `netpol`, `policy`, `probe`, `log`, `node-file`, `dockerfile`, `answer`) must be set.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct CheckSpec {
    /// Unique within the lab, kebab-case. Used in results, progress and fixture file names.
    pub id: String,
    /// Points awarded when the check passes. 0 marks a guard check: it must pass for the attempt
    /// to count, but scores nothing (e.g. "the workload still runs").
    #[serde(default = "default_points")]
    pub points: u32,
    /// One line shown to the learner before grading: what this check looks at.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// A documentation link shown with the result (kubernetes.io page for the concept).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub doc: Option<String>,

    /// CEL over each selected Kubernetes object.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub object: Option<ObjectCheck>,
    /// No object may match the selector (after the optional `where`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub absent: Option<AbsentCheck>,
    /// Between `min` and `max` objects match the selector (after the optional `where`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub count: Option<CountCheck>,
    /// What a subject can and cannot do, by our own RBAC evaluator over the snapshot's RBAC objects.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rbac: Option<RbacCheck>,
    /// Pod Security Standards (baseline or restricted, latest policy version) over Pods and the
    /// pod templates of workloads.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pss: Option<PssCheck>,
    /// NetworkPolicy behaviour: a reachability matrix of flows expected to be allowed or denied,
    /// decided by our own evaluator over the snapshot's Pods, Namespaces and NetworkPolicies.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub netpol: Option<NetpolCheck>,
    /// Admission-policy behaviour: the learner's Gatekeeper constraints or
    /// ValidatingAdmissionPolicies run against test objects that must be denied or admitted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub policy: Option<PolicyCheck>,
    /// Live behaviour: an allow-listed client (wget, curl, nc, nslookup) run from the lab's
    /// client pod against the lab's own Service; the recorded result is graded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub probe: Option<ProbeCheck>,
    /// An entry in a log file on a node (audit log, Falco output) matching a CEL expression,
    /// tied to a trigger the grader performs just before collecting.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub log: Option<LogCheck>,
    /// A file on a node: parsed (static pod flags, kubelet config, audit policy, encryption config,
    /// YAML, JSON, text) and asserted with helpers or CEL; mode and owner.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[serde(rename = "node-file")]
    pub node_file: Option<NodeFileCheck>,
    /// A Dockerfile (from a node file) parsed into stages and asserted with CEL.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dockerfile: Option<DockerfileCheck>,
    /// The learner's written answer (e.g. "which pod runs as root?").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub answer: Option<AnswerCheck>,
}

fn default_points() -> u32 {
    1
}

/// The check kind a [`CheckSpec`] uses, borrowed.
#[derive(Debug, Clone, Copy)]
pub enum CheckKindRef<'a> {
    Object(&'a ObjectCheck),
    Absent(&'a AbsentCheck),
    Count(&'a CountCheck),
    Rbac(&'a RbacCheck),
    Pss(&'a PssCheck),
    Netpol(&'a NetpolCheck),
    Policy(&'a PolicyCheck),
    Probe(&'a ProbeCheck),
    Log(&'a LogCheck),
    NodeFile(&'a NodeFileCheck),
    Dockerfile(&'a DockerfileCheck),
    Answer(&'a AnswerCheck),
}

impl CheckSpec {
    /// Names of the check-kind keys that are set. A valid check has exactly one.
    pub fn kind_names(&self) -> Vec<&'static str> {
        let mut names = Vec::new();
        if self.object.is_some() {
            names.push("object");
        }
        if self.absent.is_some() {
            names.push("absent");
        }
        if self.count.is_some() {
            names.push("count");
        }
        if self.rbac.is_some() {
            names.push("rbac");
        }
        if self.pss.is_some() {
            names.push("pss");
        }
        if self.netpol.is_some() {
            names.push("netpol");
        }
        if self.policy.is_some() {
            names.push("policy");
        }
        if self.probe.is_some() {
            names.push("probe");
        }
        if self.log.is_some() {
            names.push("log");
        }
        if self.node_file.is_some() {
            names.push("node-file");
        }
        if self.dockerfile.is_some() {
            names.push("dockerfile");
        }
        if self.answer.is_some() {
            names.push("answer");
        }
        names
    }

    /// The single check kind, or `None` when zero or several are set.
    pub fn kind(&self) -> Option<CheckKindRef<'_>> {
        let mut kinds = [
            self.object.as_ref().map(CheckKindRef::Object),
            self.absent.as_ref().map(CheckKindRef::Absent),
            self.count.as_ref().map(CheckKindRef::Count),
            self.rbac.as_ref().map(CheckKindRef::Rbac),
            self.pss.as_ref().map(CheckKindRef::Pss),
            self.netpol.as_ref().map(CheckKindRef::Netpol),
            self.policy.as_ref().map(CheckKindRef::Policy),
            self.probe.as_ref().map(CheckKindRef::Probe),
            self.log.as_ref().map(CheckKindRef::Log),
            self.node_file.as_ref().map(CheckKindRef::NodeFile),
            self.dockerfile.as_ref().map(CheckKindRef::Dockerfile),
            self.answer.as_ref().map(CheckKindRef::Answer),
        ]
        .into_iter()
        .flatten();
        let first = kinds.next()?;
        if kinds.next().is_some() {
            None
        } else {
            Some(first)
        }
    }
}

/// Which Kubernetes objects a check looks at. Every field given must match.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Selector {
    /// `group/version` or `v1`. When omitted any version of the kind matches.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub api_version: Option<String>,
    /// Object kind, e.g. `Pod`, `Deployment`, `Namespace`. When omitted, every kind matches
    /// (for `pss`: Pods and every workload kind with a pod template).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    /// Namespace of namespaced objects.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
    /// Exact object name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Labels the object must carry (equality on every pair).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub labels: BTreeMap<String, String>,
}

/// How many selected objects must satisfy `expr`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Quantifier {
    /// Every selected object (and at least one must be selected).
    #[default]
    All,
    /// At least one selected object.
    Any,
}

/// A named CEL expression evaluated once per object before `expr`, available as `variables.<name>`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Variable {
    pub name: String,
    pub expression: String,
}

/// `object`: CEL over each selected object. Variables in scope: `object`, `params`, `variables`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ObjectCheck {
    pub select: Selector,
    /// CEL expression that must be `true` for a passing object.
    pub expr: String,
    /// `all` (default) or `any`.
    #[serde(default)]
    pub quantifier: Quantifier,
    /// Message for a failing object (the object is named automatically).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// CEL expression producing the failure message (a string), evaluated on a failing object.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message_expression: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub variables: Vec<Variable>,
}

/// `absent`: nothing may match.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct AbsentCheck {
    pub select: Selector,
    /// Optional CEL filter: only objects for which it is true count as matches.
    #[serde(default, rename = "where", skip_serializing_if = "Option::is_none")]
    pub where_: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
}

/// `count`: the number of matches is within `[min, max]`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct CountCheck {
    pub select: Selector,
    #[serde(default, rename = "where", skip_serializing_if = "Option::is_none")]
    pub where_: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
}

/// Who is asking, for an `rbac` check. Exactly one of `user`, `group`, `serviceAccount`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct RbacSubject {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user: Option<String>,
    /// Extra groups of a `user` (besides the implicit `system:authenticated`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub groups: Vec<String>,
    /// A group on its own: does any member of this group get the permission through it?
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group: Option<String>,
    /// `namespace/name` of a ServiceAccount.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service_account: Option<String>,
}

/// One request, as the API server's authorizer sees it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct RbacRequest {
    /// get, list, watch, create, update, patch, delete, deletecollection, impersonate, bind,
    /// escalate, use, … or `*` meaning "every verb".
    pub verb: String,
    /// `resource` or `resource/subresource`, e.g. `pods`, `pods/exec`, `secrets`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resource: Option<String>,
    /// API group of the resource; "" (core) when omitted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub api_group: Option<String>,
    /// Namespace of the request; omitted for cluster-scoped requests.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
    /// Object name (for resourceNames rules).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// A non-resource URL such as `/metrics` or `/healthz` (instead of `resource`).
    #[serde(
        default,
        rename = "nonResourceURL",
        skip_serializing_if = "Option::is_none"
    )]
    pub non_resource_url: Option<String>,
}

/// `rbac`: every `can` request is allowed and every `cannot` request is denied.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct RbacCheck {
    pub subject: RbacSubject,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub can: Vec<RbacRequest>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub cannot: Vec<RbacRequest>,
}

/// A Pod Security Standards level.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum PssLevel {
    Baseline,
    Restricted,
}

/// `pss`: every selected Pod / pod template meets the level.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct PssCheck {
    pub level: PssLevel,
    pub select: Selector,
    /// Minimum number of pods/templates that must be selected (default 1): a namespace emptied
    /// of workloads does not pass by having nothing to check.
    #[serde(default = "default_min_selected")]
    pub min: u32,
}

fn default_min_selected() -> u32 {
    1
}

/// How to parse a node file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum FileFormat {
    /// A static Pod manifest: flags of the component's container are parsed.
    StaticPod,
    /// A KubeletConfiguration (with or without `kind:`).
    KubeletConfig,
    /// An audit.k8s.io Policy.
    AuditPolicy,
    /// An apiserver.config.k8s.io EncryptionConfiguration.
    EncryptionConfig,
    Yaml,
    Json,
    Text,
}

/// An assertion on one command-line flag of a static pod's component.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct FlagAssertion {
    /// The flag, with its dashes: `--anonymous-auth`.
    pub flag: String,
    /// The component's built-in default, used when the flag is absent (e.g. `"true"` for
    /// kube-apiserver `--anonymous-auth`), so an absent flag grades as the component behaves.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default: Option<String>,
    /// The flag must be present (`true`) or absent (`false`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub present: Option<bool>,
    /// The (effective) value must equal this.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub equals: Option<String>,
    /// The (effective) value must not equal this.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub not_equals: Option<String>,
    /// The comma-separated (effective) value must contain this item.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contains: Option<String>,
    /// The comma-separated (effective) value must not contain this item.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub not_contains: Option<String>,
    /// The (effective) value must be non-empty.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub non_empty: Option<bool>,
}

/// File permission and ownership expectations.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct FileStatExpect {
    /// Most permissive mode allowed, octal string such as `"0600"`: no permission bit beyond it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_mode: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub uid: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gid: Option<u32>,
}

/// An expected audit level for a request, evaluated first-match-wins as the API server does.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct AuditExpect {
    /// `resource` or `resource/subresource`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resource: Option<String>,
    /// API group ("" = core, the default).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub api_group: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub verb: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub groups: Vec<String>,
    #[serde(
        default,
        rename = "nonResourceURL",
        skip_serializing_if = "Option::is_none"
    )]
    pub non_resource_url: Option<String>,
    /// Acceptable levels: None, Metadata, Request, RequestResponse.
    pub levels: Vec<String>,
}

/// An expectation on encryption at rest for one resource.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct EncryptionExpect {
    /// `secrets`, `configmaps`, or `resource.group` such as `deployments.apps`.
    pub resource: String,
    /// Acceptable FIRST providers (the one new writes use): aescbc, aesgcm, secretbox, kms, identity.
    pub providers: Vec<String>,
}

/// `node-file`: parse and assert a file on a node.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct NodeFileCheck {
    /// Node name as the lab knows it: `control-plane` or `worker`.
    pub node: String,
    /// Absolute path on the node.
    pub path: String,
    /// How to parse the content (default `text`).
    #[serde(default = "default_format")]
    pub format: FileFormat,
    /// For `static-pod`: the binary whose container's flags are read (default: from the path's
    /// file name, e.g. `kube-apiserver` for `kube-apiserver.yaml`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub component: Option<String>,
    /// Flag assertions (`static-pod` only).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub flags: Vec<FlagAssertion>,
    /// Audit level expectations (`audit-policy` only).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub audit: Vec<AuditExpect>,
    /// Encryption expectations (`encryption-config` only).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub encryption: Vec<EncryptionExpect>,
    /// CEL over the parsed file. Variables: `file` (parsed document; for `text` the string),
    /// `text` (raw content), `flags` (map of flag → last value, `static-pod` only), `params`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expr: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// Mode and owner expectations (from the snapshot's `<node>.stat.yaml`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stat: Option<FileStatExpect>,
    /// Expect the file NOT to exist (e.g. a removed binary or key).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub absent: bool,
}

fn default_format() -> FileFormat {
    FileFormat::Text
}

/// `dockerfile`: CEL over a parsed Dockerfile. Variable `dockerfile` has `stages` (each with
/// `from.image`, `from.tag`, `from.digest`, `from.alias`, `user`, `users`, `adds`, `copies`,
/// `env`, `args`, `runs`, `packages`, `exposes`) and `final` (the last stage).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct DockerfileCheck {
    pub node: String,
    pub path: String,
    pub expr: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
}

/// `answer`: compare the learner's answer (from `answers.yaml`) with an exact value, a set or a regex.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct AnswerCheck {
    /// Key in `answers.yaml`.
    pub key: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub equals: Option<String>,
    /// Any one of these is right.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub one_of: Vec<String>,
    /// A regular expression the whole answer must match.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub regex: Option<String>,
    /// Compare case-insensitively (default false).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub ignore_case: bool,
}

/// `netpol`: flows that must be allowed or denied by the NetworkPolicies in force.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct NetpolCheck {
    /// The rows of the reachability matrix. Every pod pair a row selects must behave as expected.
    pub flows: Vec<NetpolFlow>,
}

/// One row of a reachability matrix.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct NetpolFlow {
    /// The client: pods (namespace + labels or name) or an IP address.
    pub from: NetpolEndpoint,
    /// The server: pods (namespace + labels or name) or an IP address.
    pub to: NetpolEndpoint,
    /// Destination port: a number, or a container port name resolved on each destination pod.
    pub port: NetpolPort,
    /// TCP (default), UDP or SCTP.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub protocol: Option<String>,
    /// `allow` or `deny`.
    pub expect: FlowExpectation,
}

/// Pods (by namespace, and labels and/or name) or an IP address outside the pod network.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct NetpolEndpoint {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub labels: BTreeMap<String, String>,
    /// An IPv4 or IPv6 address (no namespace, name or labels with it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ip: Option<String>,
}

impl NetpolEndpoint {
    /// Short text for messages: `ns/app=web`, `ns/pod-name`, `10.0.0.1`.
    pub fn describe(&self) -> String {
        if let Some(ip) = &self.ip {
            return ip.clone();
        }
        let mut parts = Vec::new();
        if let Some(name) = &self.name {
            parts.push(name.clone());
        }
        parts.extend(self.labels.iter().map(|(k, v)| format!("{k}={v}")));
        format!(
            "{}/{}",
            self.namespace.as_deref().unwrap_or("?"),
            if parts.is_empty() {
                "*".into()
            } else {
                parts.join(",")
            }
        )
    }
}

/// A port number or a named container port. A string of digits (what a templated
/// `"{{ port }}"` renders to) is a number.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(untagged)]
pub enum NetpolPort {
    Number(u16),
    Name(String),
}

impl NetpolPort {
    /// The port with numeric strings read as numbers; `Err` for a numeric string out of range.
    pub fn normalized(&self) -> Result<NetpolPort, String> {
        match self {
            NetpolPort::Name(n) if !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()) => n
                .parse::<u16>()
                .map(NetpolPort::Number)
                .map_err(|_| format!("{n} is not a port (1-65535)")),
            other => Ok(other.clone()),
        }
    }
}

/// What a flow must do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum FlowExpectation {
    Allow,
    Deny,
}

/// `policy`: the admission policies in the snapshot, run against test objects.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct PolicyCheck {
    /// Which admission controller's policies decide: `gatekeeper` (ConstraintTemplates and
    /// constraints, Rego) or `vap` (ValidatingAdmissionPolicies and bindings, CEL).
    pub engine: PolicyEngine,
    /// Test requests and the decision each must get.
    pub cases: Vec<PolicyCase>,
    /// Further objects the policies read, e.g. the `paramKind` objects of a VAP binding.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub reads: Vec<Selector>,
}

/// The admission controller a `policy` check evaluates.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum PolicyEngine {
    Gatekeeper,
    Vap,
}

/// One test request.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct PolicyCase {
    /// Short name shown in results, e.g. `pod-from-docker-hub`.
    pub name: String,
    /// `deny` or `admit`.
    pub expect: AdmissionExpectation,
    /// CREATE (default), UPDATE, DELETE or CONNECT.
    #[serde(default = "default_operation")]
    pub operation: String,
    /// The object sent for admission (with apiVersion, kind, metadata).
    pub object: serde_json::Value,
    /// For `deny`: text the denial message must contain (case-insensitive).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message_contains: Option<String>,
}

fn default_operation() -> String {
    "CREATE".into()
}

/// What an admission test request must get.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum AdmissionExpectation {
    Admit,
    Deny,
}

/// `probe`: run an allow-listed client from a lab pod against a lab Service.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ProbeCheck {
    /// The client pod: `namespace` plus `labels` and/or `name` (the first Running match is used).
    pub from: NetpolEndpoint,
    /// Container to run in (default: the pod's first container).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub container: Option<String>,
    /// `wget`, `curl`, `nc` or `nslookup`.
    pub client: ProbeClient,
    /// The lab's Service to reach; it must carry the lab's `ckslab.io/lab` label.
    pub service: String,
    /// The Service's namespace (default: the client's).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
    /// Port (wget, curl, nc); a number or a digits string.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub port: Option<NetpolPort>,
    /// URL path for wget and curl (default `/`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    /// Use https (curl -k, wget --no-check-certificate).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub https: bool,
    /// Seconds the client may take (1-10, default 3).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timeout_seconds: Option<u32>,
    /// `success` (exit code 0) or `failure` (non-zero: refused, timed out, not resolved).
    pub expect: ProbeExpectation,
    /// For `success`: text the output must contain.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub output_contains: Option<String>,
}

/// Allow-listed probe clients.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum ProbeClient {
    Wget,
    Curl,
    Nc,
    Nslookup,
}

/// What a probe must do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum ProbeExpectation {
    Success,
    Failure,
}

impl ProbeCheck {
    /// The service's DNS name.
    pub fn host(&self) -> String {
        let ns = self
            .namespace
            .as_deref()
            .or(self.from.namespace.as_deref())
            .unwrap_or("default");
        format!("{}.{ns}.svc.cluster.local", self.service)
    }

    /// The exact argument list the grader runs in the client container (never a shell).
    pub fn argv(&self) -> Result<Vec<String>, String> {
        let timeout = self.timeout_seconds.unwrap_or(3).clamp(1, 10).to_string();
        let host = self.host();
        let port = match self.port.as_ref().map(NetpolPort::normalized).transpose()? {
            Some(NetpolPort::Number(n)) if n > 0 => Some(n),
            Some(NetpolPort::Number(_)) => return Err("port: 0 is not a port".into()),
            Some(NetpolPort::Name(n)) => return Err(format!("port: {n:?} is not a number")),
            None => None,
        };
        let path = self.path.clone().unwrap_or_else(|| "/".into());
        let url = |port: Option<u16>| {
            let scheme = if self.https { "https" } else { "http" };
            match port {
                Some(p) => format!("{scheme}://{host}:{p}{path}"),
                None => format!("{scheme}://{host}{path}"),
            }
        };
        let words: Vec<String> = match self.client {
            ProbeClient::Wget => {
                let mut w = vec!["wget", "-q", "-T", &timeout, "-O", "-"];
                if self.https {
                    w.push("--no-check-certificate");
                }
                let mut w: Vec<String> = w.into_iter().map(str::to_owned).collect();
                w.push(url(port));
                w
            }
            ProbeClient::Curl => {
                let mut w: Vec<String> = ["curl", "-sS", "-m", &timeout]
                    .into_iter()
                    .map(str::to_owned)
                    .collect();
                if self.https {
                    w.push("-k".into());
                }
                w.push(url(port));
                w
            }
            ProbeClient::Nc => {
                let port = port.ok_or("nc needs a port")?;
                ["nc", "-z", "-w", &timeout, &host, &port.to_string()]
                    .into_iter()
                    .map(str::to_owned)
                    .collect()
            }
            ProbeClient::Nslookup => vec!["nslookup".into(), host],
        };
        Ok(words)
    }
}

/// `log`: an entry of a JSON-lines log on a node that matches `expr`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct LogCheck {
    pub node: String,
    /// Absolute path of the log file on the node.
    pub path: String,
    /// `audit` (audit.k8s.io/v1 Event per line), `falco` (Falco's JSON output) or `json-lines`.
    pub format: LogFormat,
    /// The action the grader performs just before collecting; the entry must come from it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trigger: Option<Trigger>,
    /// CEL over one entry, as `event`: true for the entry the check looks for.
    pub expr: String,
    /// Shown when no entry matches.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
}

/// Log formats a `log` check reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum LogFormat {
    Audit,
    Falco,
    JsonLines,
}

/// A harmless action: an API request as an impersonated identity, or an exec into a lab pod.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Trigger {
    /// `get`, `list` or `create` (ConfigMaps only: a uniquely named, labelled one), or `exec`
    /// (runs `cat /etc/hostname` in the pod `name`).
    pub verb: String,
    /// Resource, e.g. `secrets`, `configmaps`, `pods`.
    pub resource: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Act as this user (impersonation).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user: Option<String>,
    /// Groups of the impersonated user.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub groups: Vec<String>,
}

/// API group whose every kind a Gatekeeper `policy` check collects (constraint kinds are
/// defined by the learner's templates, so they cannot be listed in advance).
pub const GATEKEEPER_CONSTRAINTS_GROUP: &str = "constraints.gatekeeper.sh";

/// What a set of checks reads from a cluster: the snapshot collector fetches exactly this.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Selections {
    /// Object selectors (kind, namespace, name, labels) to list.
    pub selectors: Vec<Selector>,
    /// RBAC checks need every Role, ClusterRole and binding.
    pub rbac: bool,
    /// (node, absolute path) of node files.
    pub node_files: Vec<(String, String)>,
    /// Answer keys.
    pub answers: Vec<String>,
    /// API groups whose every served kind is listed (Gatekeeper constraints).
    pub groups: Vec<String>,
    /// Check ids of `probe` checks (run live, recorded under the id).
    pub probes: Vec<String>,
    /// (node, path) of log files `log` checks read.
    pub logs: Vec<(String, String)>,
    /// Check ids of `log` checks with a trigger.
    pub triggers: Vec<String>,
}

/// Kinds a `pss` selector without a kind reads.
pub const POD_BEARING_KINDS: &[(&str, &str)] = &[
    ("v1", "Pod"),
    ("apps/v1", "Deployment"),
    ("apps/v1", "ReplicaSet"),
    ("apps/v1", "StatefulSet"),
    ("apps/v1", "DaemonSet"),
    ("batch/v1", "Job"),
    ("batch/v1", "CronJob"),
    ("v1", "ReplicationController"),
];

/// The API version a kind is read at when a selector names only the kind (built-in kinds).
/// Anything else must name its `apiVersion`, or a live cluster could not be asked for it.
pub fn default_api_version(kind: &str) -> Option<&'static str> {
    Some(match kind {
        "Pod"
        | "Namespace"
        | "Service"
        | "ServiceAccount"
        | "Secret"
        | "ConfigMap"
        | "Node"
        | "PersistentVolumeClaim"
        | "PersistentVolume"
        | "ReplicationController"
        | "LimitRange"
        | "ResourceQuota"
        | "Endpoints" => "v1",
        "Deployment" | "ReplicaSet" | "StatefulSet" | "DaemonSet" => "apps/v1",
        "Job" | "CronJob" => "batch/v1",
        "NetworkPolicy" | "Ingress" | "IngressClass" => "networking.k8s.io/v1",
        "Role" | "ClusterRole" | "RoleBinding" | "ClusterRoleBinding" => {
            "rbac.authorization.k8s.io/v1"
        }
        "RuntimeClass" => "node.k8s.io/v1",
        "ValidatingWebhookConfiguration"
        | "MutatingWebhookConfiguration"
        | "ValidatingAdmissionPolicy"
        | "ValidatingAdmissionPolicyBinding" => "admissionregistration.k8s.io/v1",
        _ => return None,
    })
}

/// Why a selector cannot be collected from a live cluster, if it cannot. Offline fixtures see
/// every object, a cluster only what is asked for: a selector without a kind would make an
/// `absent` check pass trivially there.
pub fn selector_problem(selector: &Selector) -> Option<String> {
    match &selector.kind {
        None => Some("select.kind is required (a cluster is asked for one kind at a time)".into()),
        Some(kind) if selector.api_version.is_none() && default_api_version(kind).is_none() => {
            Some(format!(
                "select.apiVersion is required for kind {kind:?} (it is not a built-in kind with a known version)"
            ))
        }
        _ => None,
    }
}

/// Everything `specs` read.
pub fn selections(specs: &[CheckSpec]) -> Selections {
    let mut s = Selections::default();
    for spec in specs {
        match spec.kind() {
            Some(CheckKindRef::Object(o)) => s.selectors.push(o.select.clone()),
            Some(CheckKindRef::Absent(a)) => s.selectors.push(a.select.clone()),
            Some(CheckKindRef::Count(c)) => s.selectors.push(c.select.clone()),
            Some(CheckKindRef::Pss(p)) => {
                if p.select.kind.is_some() {
                    s.selectors.push(p.select.clone());
                } else {
                    for (api_version, kind) in POD_BEARING_KINDS {
                        s.selectors.push(Selector {
                            api_version: Some((*api_version).into()),
                            kind: Some((*kind).into()),
                            ..p.select.clone()
                        });
                    }
                }
            }
            Some(CheckKindRef::Rbac(_)) => s.rbac = true,
            Some(CheckKindRef::Policy(p)) => {
                let kinds: &[(&str, &str)] = match p.engine {
                    PolicyEngine::Gatekeeper => {
                        if !s.groups.iter().any(|g| g == GATEKEEPER_CONSTRAINTS_GROUP) {
                            s.groups.push(GATEKEEPER_CONSTRAINTS_GROUP.into());
                        }
                        &[
                            ("templates.gatekeeper.sh/v1", "ConstraintTemplate"),
                            ("v1", "Namespace"),
                        ]
                    }
                    PolicyEngine::Vap => &[
                        (
                            "admissionregistration.k8s.io/v1",
                            "ValidatingAdmissionPolicy",
                        ),
                        (
                            "admissionregistration.k8s.io/v1",
                            "ValidatingAdmissionPolicyBinding",
                        ),
                        ("v1", "Namespace"),
                    ],
                };
                for (api_version, kind) in kinds {
                    s.selectors.push(Selector {
                        api_version: Some((*api_version).into()),
                        kind: Some((*kind).into()),
                        ..Selector::default()
                    });
                }
                s.selectors.extend(p.reads.iter().cloned());
            }
            Some(CheckKindRef::Probe(_)) => s.probes.push(spec.id.clone()),
            Some(CheckKindRef::Log(l)) => {
                s.logs.push((l.node.clone(), l.path.clone()));
                if l.trigger.is_some() {
                    s.triggers.push(spec.id.clone());
                }
            }
            Some(CheckKindRef::Netpol(_)) => {
                for kind in ["Pod", "Namespace", "NetworkPolicy"] {
                    s.selectors.push(Selector {
                        api_version: default_api_version(kind).map(Into::into),
                        kind: Some(kind.into()),
                        ..Selector::default()
                    });
                }
            }
            Some(CheckKindRef::NodeFile(n)) => s.node_files.push((n.node.clone(), n.path.clone())),
            Some(CheckKindRef::Dockerfile(d)) => {
                s.node_files.push((d.node.clone(), d.path.clone()))
            }
            Some(CheckKindRef::Answer(a)) => s.answers.push(a.key.clone()),
            None => {}
        }
    }
    s.node_files.sort();
    s.node_files.dedup();
    s.logs.sort();
    s.logs.dedup();
    s
}
