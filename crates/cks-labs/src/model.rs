//! Lab format v1: the types of `lab.yaml`. `labs/schema.json` is generated from them.

use std::collections::BTreeMap;

use cks_checks::CheckSpec;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// The value of `schema:` in every v1 lab.
pub const SCHEMA_V1: &str = "ckslab/v1";

/// A lab: `lab.yaml` in a folder named after its id.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Lab {
    /// Always `ckslab/v1`.
    pub schema: String,
    /// Unique, kebab-case, equal to the folder name.
    pub id: String,
    /// Short imperative title shown in lists.
    pub title: String,
    /// Competency ids from the curriculum (e.g. `mv.pod-security-standards`); at least one.
    pub competencies: Vec<String>,
    pub difficulty: Difficulty,
    /// Exam-like time budget in minutes.
    pub minutes: u32,
    /// What the cluster or host must offer; labs with unmet requirements are shown as unavailable.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub requires: Vec<Requirement>,
    /// Parameters randomised per attempt from the attempt's seed; use them in templates as `{{ name }}`.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub params: BTreeMap<String, ParamSpec>,
    /// Markdown file with the task, rendered with params (tera).
    pub task: String,
    /// Markdown files, revealed one at a time; at least two.
    pub hints: Vec<String>,
    /// Points deducted for each hint revealed (default 1), never below zero.
    #[serde(default = "default_hint_cost")]
    pub hint_cost: u32,
    /// Every container image the lab's setup and solution run, so `ckslab images pull|load`
    /// can preload them and labs start offline. Lint refuses an image used but not listed.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub images: Vec<String>,
    /// Where the lab reaches: `namespace` (only namespaced objects in its own namespaces: it can
    /// run per learner on a shared cluster), `cluster` (cluster-scoped objects or kubectl steps)
    /// or `node` (node files). Inferred when absent; lint refuses a declaration narrower than
    /// what the lab does.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scope: Option<Scope>,
    /// Steps `start` runs in order to provision the broken state.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub setup: Vec<Step>,
    /// The graded checks.
    pub checks: Vec<CheckSpec>,
    pub solution: Solution,
    pub fixtures: Fixtures,
}

fn default_hint_cost() -> u32 {
    1
}

/// How far a lab reaches (ordered: namespace < cluster < node).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum Scope {
    Namespace,
    Cluster,
    Node,
}

impl Scope {
    pub fn as_str(self) -> &'static str {
        match self {
            Scope::Namespace => "namespace",
            Scope::Cluster => "cluster",
            Scope::Node => "node",
        }
    }
}

#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum Difficulty {
    Easy,
    Medium,
    Hard,
}

impl Difficulty {
    pub fn as_str(self) -> &'static str {
        match self {
            Difficulty::Easy => "easy",
            Difficulty::Medium => "medium",
            Difficulty::Hard => "hard",
        }
    }
}

/// Something a lab needs beyond a stock kind cluster reachable through the API.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "kebab-case")]
pub enum Requirement {
    /// Shell access to a node (docker exec into the kind node).
    Node,
    Apparmor,
    Seccomp,
    Falco,
    Gatekeeper,
    Registry,
    Gvisor,
    Cilium,
    Istio,
    IngressNginx,
    Trivy,
    Cosign,
    KubeBench,
}

impl Requirement {
    pub fn as_str(self) -> &'static str {
        match self {
            Requirement::Node => "node",
            Requirement::Apparmor => "apparmor",
            Requirement::Seccomp => "seccomp",
            Requirement::Falco => "falco",
            Requirement::Gatekeeper => "gatekeeper",
            Requirement::Registry => "registry",
            Requirement::Gvisor => "gvisor",
            Requirement::Cilium => "cilium",
            Requirement::Istio => "istio",
            Requirement::IngressNginx => "ingress-nginx",
            Requirement::Trivy => "trivy",
            Requirement::Cosign => "cosign",
            Requirement::KubeBench => "kube-bench",
        }
    }
}

/// How one parameter is drawn. Exactly one of `choice`, `name`, `int`, `value`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ParamSpec {
    /// Pick one of these strings.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub choice: Option<Vec<String>>,
    /// A random DNS-label-safe name: prefix + `length` lowercase letters and digits.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<NameParam>,
    /// A random integer in `[min, max]`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub int: Option<IntParam>,
    /// A fixed value (useful to name something once and use it everywhere).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct NameParam {
    #[serde(default)]
    pub prefix: String,
    pub length: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct IntParam {
    pub min: i64,
    pub max: i64,
}

/// One provisioning step. Exactly one key.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub enum Step {
    /// Server-side apply every manifest matching this glob (relative to the lab folder), rendered
    /// with params; every object gets the label `ckslab.io/lab=<id>`.
    Apply(String),
    /// Run `kubectl` with these arguments (rendered with params) against the lab cluster.
    Kubectl(Vec<String>),
    /// Change a file on a node (a backup is kept for reset).
    Node(NodeStep),
    /// Wait for an object to reach a condition.
    Wait(WaitStep),
}

/// A change to a node file.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct NodeStep {
    /// `control-plane` or `worker`.
    pub host: String,
    /// Edit this file in place with `patch`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub edit: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub patch: Option<FlagPatch>,
    /// Write this file with the content of `from` (a lab file, rendered with params).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub write: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from: Option<String>,
    /// Octal mode for `write`, e.g. "0644".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mode: Option<String>,
    /// Delete this file.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub remove: Option<String>,
}

/// Flag edits on a static-pod manifest's component command.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct FlagPatch {
    /// `--flag=value` items to set (replacing any existing value of the flag).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub set_flag: Vec<String>,
    /// `--flag` or `--flag=value` items to remove.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub remove_flag: Vec<String>,
}

/// Wait until an object reaches a condition.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct WaitStep {
    pub kind: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub api_version: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
    pub name: String,
    /// `exists`, `available` (Deployment), `ready` (Pod), `deleted`.
    #[serde(rename = "for")]
    pub condition: WaitCondition,
    /// e.g. `60s`, `2m` (default 60s).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timeout: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum WaitCondition {
    Exists,
    Available,
    Ready,
    Deleted,
}

/// The reference solution.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Solution {
    /// Markdown file explaining the fix, rendered with params.
    pub explanation: String,
    /// Steps that apply the fix automatically (used by `labs verify`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub steps: Vec<Step>,
}

/// Snapshot folders for the offline self-test.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Fixtures {
    /// The state right after setup: every scored check must fail.
    pub broken: String,
    /// The reference solution applied: every check must pass.
    pub solved: String,
    /// Other right answers: every check must pass.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub also_correct: Vec<String>,
    /// Wrong answers that look right: at least one check must fail.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub bypasses: Vec<String>,
}

impl Lab {
    /// Total points of the scored checks.
    pub fn points(&self) -> u32 {
        self.checks.iter().map(|c| c.points).sum()
    }
}
