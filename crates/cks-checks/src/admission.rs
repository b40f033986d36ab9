//! Admission-policy behaviour: run the learner's policies from a snapshot against test objects.
//!
//! Two engines, each read the way its admission controller reads it:
//! - **Gatekeeper**: every `ConstraintTemplate` (templates.gatekeeper.sh) with its Rego (and
//!   `libs`) compiled by regorus, and every Constraint (constraints.gatekeeper.sh, kind = the
//!   template's CRD kind). A constraint applies when its `match` (kinds, namespaces,
//!   excludedNamespaces, labelSelector, namespaceSelector, scope, name) selects the request; it
//!   denies when its `violation` rule yields anything and its enforcementAction is `deny`.
//!   Input is Gatekeeper's shape: `input.review` (object, kind, name, namespace, operation,
//!   userInfo) and `input.parameters`; `data.inventory` holds the snapshot's objects.
//! - **ValidatingAdmissionPolicy**: every policy with its bindings. A binding applies when the
//!   policy's `matchConstraints` and the binding's `matchResources` both select the request and
//!   every `matchCondition` is true; it denies when a validation is false (or errors under
//!   failurePolicy Fail) and its validationActions include `Deny`. CEL sees `object`,
//!   `oldObject`, `request`, `params` (from the binding's paramRef), `namespaceObject` and
//!   `variables`.
//!
//! Policies that do not compile are reported with their line and column, never skipped.
//! Kubernetes' extra CEL libraries (quantity, ip, url, authorizer) are not available.

use std::collections::BTreeMap;

use serde_json::{Value as Json, json};

use crate::cel::{CelDoc, Expr, Vars, variables_map};
use crate::netpol::LabelSelector;

/// A request to admit: the object and the operation.
#[derive(Debug, Clone)]
pub struct Request<'a> {
    pub object: &'a Json,
    /// CREATE, UPDATE, DELETE or CONNECT.
    pub operation: &'a str,
}

impl Request<'_> {
    fn api_version(&self) -> &str {
        self.object
            .get("apiVersion")
            .and_then(Json::as_str)
            .unwrap_or("v1")
    }
    fn group_version(&self) -> (&str, &str) {
        match self.api_version().split_once('/') {
            Some((g, v)) => (g, v),
            None => ("", self.api_version()),
        }
    }
    fn kind(&self) -> &str {
        self.object
            .get("kind")
            .and_then(Json::as_str)
            .unwrap_or_default()
    }
    fn meta(&self, key: &str) -> &str {
        self.object
            .get("metadata")
            .and_then(|m| m.get(key))
            .and_then(Json::as_str)
            .unwrap_or_default()
    }
    fn labels(&self) -> BTreeMap<String, String> {
        label_map(self.object.get("metadata"))
    }
    /// The plural resource name of the object's kind (Pod → pods, Ingress → ingresses).
    fn resource(&self) -> String {
        plural(self.kind())
    }
}

fn label_map(meta: Option<&Json>) -> BTreeMap<String, String> {
    meta.and_then(|m| m.get("labels"))
        .and_then(Json::as_object)
        .map(|m| {
            m.iter()
                .filter_map(|(k, v)| Some((k.clone(), v.as_str()?.to_owned())))
                .collect()
        })
        .unwrap_or_default()
}

/// The REST resource name Kubernetes uses for a kind.
pub fn plural(kind: &str) -> String {
    let lower = kind.to_ascii_lowercase();
    if lower.is_empty() {
        return lower;
    }
    if lower.ends_with('y') && !lower.ends_with("ey") && !lower.ends_with("ay") {
        format!("{}ies", &lower[..lower.len() - 1])
    } else if lower.ends_with('s') || lower.ends_with('x') || lower.ends_with("ch") {
        format!("{lower}es")
    } else {
        format!("{lower}s")
    }
}

/// The decision on one request.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Decision {
    /// Denial messages, each prefixed with the policy that denied.
    pub denials: Vec<String>,
    /// Policies that could not be evaluated on this request (runtime errors that do not deny).
    pub warnings: Vec<String>,
}

impl Decision {
    pub fn denied(&self) -> bool {
        !self.denials.is_empty()
    }
}

fn glob_match(pattern: &str, text: &str) -> bool {
    match pattern.strip_suffix('*') {
        Some(prefix) => text.starts_with(prefix),
        None => match pattern.strip_prefix('*') {
            Some(suffix) => text.ends_with(suffix),
            None => pattern == text,
        },
    }
}

fn strings(v: Option<&Json>) -> Vec<String> {
    v.and_then(Json::as_array)
        .map(|a| {
            a.iter()
                .filter_map(|s| s.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

fn selector(v: Option<&Json>, at: &str, problems: &mut Vec<String>) -> Option<LabelSelector> {
    let v = v?;
    match serde_json::from_value::<LabelSelector>(v.clone()) {
        Ok(s) => Some(s),
        Err(e) => {
            problems.push(format!("{at}: not a label selector: {e}"));
            None
        }
    }
}

/// The snapshot's Namespace object of that name.
fn find_namespace<'a>(objects: &'a [Json], namespace: &str) -> Option<&'a Json> {
    objects.iter().find(|o| {
        o.get("kind").and_then(Json::as_str) == Some("Namespace")
            && o.pointer("/metadata/name").and_then(Json::as_str) == Some(namespace)
    })
}

/// Namespace labels by name, with the automatic name label.
fn namespace_labels(objects: &[Json], namespace: &str) -> BTreeMap<String, String> {
    let labels = find_namespace(objects, namespace)
        .map(|o| label_map(o.get("metadata")))
        .unwrap_or_default();
    crate::netpol::with_name_label(labels, namespace)
}

/// The request's `namespaceObject`: the snapshot's Namespace, or a minimal one.
fn namespace_object(objects: &[Json], namespace: &str) -> Json {
    if namespace.is_empty() {
        return Json::Null;
    }
    find_namespace(objects, namespace)
        .cloned()
        .unwrap_or_else(|| {
            json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": namespace,
            "labels": {crate::netpol::NAMESPACE_NAME_LABEL: namespace}}})
        })
}

fn object_id(o: &Json) -> String {
    crate::snapshot::ObjectRef::of(o).to_string()
}

const USER_INFO: &str = "kubernetes-admin";

// ---------------------------------------------------------------------------------------------
// Gatekeeper
// ---------------------------------------------------------------------------------------------

struct Template {
    name: String,
    kind: String,
    engine: regorus::Engine,
    package: String,
}

struct Constraint<'a> {
    object: &'a Json,
    kind: String,
    name: String,
}

/// Gatekeeper templates and constraints of a snapshot, compiled.
pub struct Gatekeeper<'a> {
    objects: &'a [Json],
    templates: Vec<Template>,
    constraints: Vec<Constraint<'a>>,
    /// Templates or constraints that cannot work (compile errors, missing template).
    pub problems: Vec<String>,
}

impl std::fmt::Debug for Gatekeeper<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Gatekeeper")
            .field("templates", &self.templates.len())
            .field("constraints", &self.constraints.len())
            .field("problems", &self.problems)
            .finish()
    }
}

impl<'a> Gatekeeper<'a> {
    pub fn new(objects: &'a [Json]) -> Gatekeeper<'a> {
        let mut problems = Vec::new();
        let mut templates = Vec::new();
        let mut broken_kinds = Vec::new();
        let inventory = inventory(objects);
        for o in objects.iter().filter(|o| {
            o.get("kind").and_then(Json::as_str) == Some("ConstraintTemplate")
                && o.get("apiVersion")
                    .and_then(Json::as_str)
                    .is_some_and(|v| v.starts_with("templates.gatekeeper.sh/"))
        }) {
            let name = o
                .pointer("/metadata/name")
                .and_then(Json::as_str)
                .unwrap_or_default()
                .to_owned();
            let id = format!("ConstraintTemplate {name}");
            let Some(kind) = o
                .pointer("/spec/crd/spec/names/kind")
                .and_then(Json::as_str)
            else {
                problems.push(format!("{id}: spec.crd.spec.names.kind is missing"));
                continue;
            };
            let target = o
                .pointer("/spec/targets")
                .and_then(Json::as_array)
                .and_then(|t| {
                    t.iter().find(|t| {
                        t.get("target").and_then(Json::as_str)
                            == Some("admission.k8s.gatekeeper.sh")
                    })
                });
            let Some(target) = target else {
                problems.push(format!(
                    "{id}: no spec.targets entry for admission.k8s.gatekeeper.sh"
                ));
                continue;
            };
            let Some(rego) = target.get("rego").and_then(Json::as_str) else {
                problems.push(format!(
                    "{id}: the admission.k8s.gatekeeper.sh target has no rego"
                ));
                continue;
            };
            let mut engine = regorus::Engine::new();
            // Gatekeeper templates are Rego v0 unless they opt into v1.
            engine.set_rego_v0(!rego.contains("import rego.v1"));
            let mut compiled = true;
            let package = match engine.add_policy(format!("{name}.rego"), rego.to_owned()) {
                Ok(p) => p,
                Err(e) => {
                    problems.push(format!("{id}: the Rego does not compile: {e}"));
                    compiled = false;
                    String::new()
                }
            };
            for (i, lib) in strings(target.get("libs")).into_iter().enumerate() {
                if let Err(e) = engine.add_policy(format!("{name}.lib{i}.rego"), lib) {
                    problems.push(format!("{id}: libs[{i}] does not compile: {e}"));
                    compiled = false;
                }
            }
            if !compiled {
                broken_kinds.push(kind.to_owned());
                continue;
            }
            let has_violation = engine
                .has_declared_rule_rooted_at(&format!("{name}.rego"), "violation")
                .unwrap_or(true);
            if !has_violation {
                problems.push(format!(
                    "{id}: the Rego declares no `violation` rule, so it can never deny"
                ));
            }
            if let Err(e) =
                engine.add_data(regorus::Value::from(json!({ "inventory": &inventory })))
            {
                problems.push(format!("{id}: could not load data.inventory: {e}"));
                continue;
            }
            templates.push(Template {
                name,
                kind: kind.to_owned(),
                engine,
                package,
            });
        }
        let mut constraints = Vec::new();
        for o in objects.iter().filter(|o| {
            o.get("apiVersion")
                .and_then(Json::as_str)
                .is_some_and(|v| v.starts_with("constraints.gatekeeper.sh/"))
        }) {
            let kind = o
                .get("kind")
                .and_then(Json::as_str)
                .unwrap_or_default()
                .to_owned();
            let name = o
                .pointer("/metadata/name")
                .and_then(Json::as_str)
                .unwrap_or_default()
                .to_owned();
            let known = templates.iter().any(|t| t.kind == kind) || broken_kinds.contains(&kind);
            if !known {
                problems.push(format!(
                    "{kind} {name}: no ConstraintTemplate defines kind {kind}"
                ));
            }
            constraints.push(Constraint {
                object: o,
                kind,
                name,
            });
        }
        Gatekeeper {
            objects,
            templates,
            constraints,
            problems,
        }
    }

    /// Number of (template, constraint) pairs in force.
    pub fn constraint_count(&self) -> usize {
        self.constraints.len()
    }

    fn constraint_matches(
        &self,
        c: &Constraint<'_>,
        request: &Request<'_>,
    ) -> Result<bool, String> {
        let Some(m) = c.object.pointer("/spec/match") else {
            return Ok(true);
        };
        let mut problems = Vec::new();
        let (group, _) = request.group_version();
        if let Some(kinds) = m.get("kinds").and_then(Json::as_array)
            && !kinds.is_empty()
        {
            let hit = kinds.iter().any(|k| {
                let groups = strings(k.get("apiGroups"));
                let names = strings(k.get("kinds"));
                (groups.is_empty() || groups.iter().any(|g| g == "*" || g == group))
                    && (names.is_empty() || names.iter().any(|n| n == "*" || n == request.kind()))
            });
            if !hit {
                return Ok(false);
            }
        }
        let namespace = request.meta("namespace");
        let scope = m.get("scope").and_then(Json::as_str).unwrap_or("*");
        match scope {
            "Namespaced" if namespace.is_empty() => return Ok(false),
            "Cluster" if !namespace.is_empty() => return Ok(false),
            _ => {}
        }
        let namespaces = strings(m.get("namespaces"));
        if !namespaces.is_empty()
            && (namespace.is_empty() || !namespaces.iter().any(|p| glob_match(p, namespace)))
        {
            return Ok(false);
        }
        if !namespace.is_empty()
            && strings(m.get("excludedNamespaces"))
                .iter()
                .any(|p| glob_match(p, namespace))
        {
            return Ok(false);
        }
        if let Some(name) = m.get("name").and_then(Json::as_str)
            && !glob_match(name, request.meta("name"))
        {
            return Ok(false);
        }
        if let Some(sel) = selector(
            m.get("labelSelector"),
            "spec.match.labelSelector",
            &mut problems,
        ) && !sel.matches(&request.labels())
        {
            return Ok(false);
        }
        if let Some(sel) = selector(
            m.get("namespaceSelector"),
            "spec.match.namespaceSelector",
            &mut problems,
        ) {
            let labels = if request.kind() == "Namespace" {
                crate::netpol::with_name_label(request.labels(), request.meta("name"))
            } else if namespace.is_empty() {
                BTreeMap::new()
            } else {
                namespace_labels(self.objects, namespace)
            };
            if !sel.matches(&labels) {
                return Ok(false);
            }
        }
        if problems.is_empty() {
            Ok(true)
        } else {
            Err(problems.join("; "))
        }
    }

    /// Admit or deny one request.
    pub fn decide(&self, request: &Request<'_>) -> Decision {
        let mut decision = Decision::default();
        let (group, version) = request.group_version();
        for c in &self.constraints {
            let id = format!("{} {}", c.kind, c.name);
            let Some(template) = self.templates.iter().find(|t| t.kind == c.kind) else {
                continue;
            };
            match self.constraint_matches(c, request) {
                Ok(false) => continue,
                Ok(true) => {}
                Err(e) => {
                    decision.warnings.push(format!("{id}: {e}"));
                    continue;
                }
            }
            let action = c
                .object
                .pointer("/spec/enforcementAction")
                .and_then(Json::as_str)
                .unwrap_or("deny");
            let denies = match action {
                "deny" => true,
                "scoped" => c
                    .object
                    .pointer("/spec/scopedEnforcementActions")
                    .and_then(Json::as_array)
                    .is_some_and(|a| {
                        a.iter()
                            .any(|s| s.get("action").and_then(Json::as_str) == Some("deny"))
                    }),
                _ => false,
            };
            let input = json!({
                "review": {
                    "kind": {"group": group, "version": version, "kind": request.kind()},
                    "resource": {"group": group, "version": version, "resource": request.resource()},
                    "name": request.meta("name"),
                    "namespace": request.meta("namespace"),
                    "operation": request.operation,
                    "userInfo": {"username": USER_INFO, "groups": ["system:masters", "system:authenticated"]},
                    "object": request.object,
                    "oldObject": Json::Null,
                    "dryRun": false,
                },
                "parameters": c.object.pointer("/spec/parameters").cloned().unwrap_or_else(|| json!({})),
            });
            let mut engine = template.engine.clone();
            engine.set_input(regorus::Value::from(input));
            let result = engine.eval_rule(format!("{}.violation", template.package));
            let violations = match result {
                Ok(v) => violation_messages(&v),
                Err(e) => {
                    decision.warnings.push(format!(
                        "{id} (template {}): evaluation failed: {e}",
                        template.name
                    ));
                    continue;
                }
            };
            if denies {
                decision
                    .denials
                    .extend(violations.into_iter().map(|m| format!("[{}] {m}", c.name)));
            }
        }
        decision
    }
}

/// Messages of a `violation` set: each element's `msg`, or the element itself.
fn violation_messages(v: &regorus::Value) -> Vec<String> {
    let json = v
        .to_json_str()
        .ok()
        .and_then(|s| serde_json::from_str::<Json>(&s).ok())
        .unwrap_or(Json::Null);
    match json {
        Json::Array(items) => items
            .into_iter()
            .map(|i| match i.get("msg") {
                Some(Json::String(m)) => m.clone(),
                _ => i.to_string(),
            })
            .collect(),
        // `undefined` (no violation rule fired) serialises as a string or null
        _ => Vec::new(),
    }
}

/// Gatekeeper's `data.inventory`: cluster[groupVersion][kind][name] and
/// namespace[ns][groupVersion][kind][name].
fn inventory(objects: &[Json]) -> Json {
    let mut cluster = serde_json::Map::new();
    let mut namespace = serde_json::Map::new();
    for o in objects {
        let (Some(gv), Some(kind), Some(name)) = (
            o.get("apiVersion").and_then(Json::as_str),
            o.get("kind").and_then(Json::as_str),
            o.pointer("/metadata/name").and_then(Json::as_str),
        ) else {
            continue;
        };
        let root = match o.pointer("/metadata/namespace").and_then(Json::as_str) {
            Some(ns) => namespace
                .entry(ns.to_owned())
                .or_insert_with(|| json!({}))
                .as_object_mut(),
            None => Some(&mut cluster),
        };
        if let Some(root) = root
            && let Some(by_kind) = root
                .entry(gv.to_owned())
                .or_insert_with(|| json!({}))
                .as_object_mut()
            && let Some(by_name) = by_kind
                .entry(kind.to_owned())
                .or_insert_with(|| json!({}))
                .as_object_mut()
        {
            by_name.insert(name.to_owned(), o.clone());
        }
    }
    json!({"cluster": cluster, "namespace": namespace})
}

// ---------------------------------------------------------------------------------------------
// ValidatingAdmissionPolicy
// ---------------------------------------------------------------------------------------------

struct Validation {
    expr: Expr,
    message: Option<String>,
    message_expr: Option<Expr>,
}

struct Vap<'a> {
    name: String,
    object: &'a Json,
    variables: Vec<(String, Expr)>,
    match_conditions: Vec<(String, Expr)>,
    validations: Vec<Validation>,
    fail_closed: bool,
    param_kind: Option<(String, String)>,
}

/// ValidatingAdmissionPolicies and their bindings in a snapshot, compiled.
pub struct Vaps<'a> {
    objects: &'a [Json],
    policies: Vec<Vap<'a>>,
    bindings: Vec<&'a Json>,
    /// Policies or bindings that cannot work (CEL compile errors, missing policy).
    pub problems: Vec<String>,
}

impl std::fmt::Debug for Vaps<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Vaps")
            .field("policies", &self.policies.len())
            .field("bindings", &self.bindings.len())
            .field("problems", &self.problems)
            .finish()
    }
}

fn is_admissionregistration(o: &Json, kind: &str) -> bool {
    o.get("kind").and_then(Json::as_str) == Some(kind)
        && o.get("apiVersion")
            .and_then(Json::as_str)
            .is_some_and(|v| v.starts_with("admissionregistration.k8s.io/"))
}

fn compile_list(
    items: Option<&Json>,
    id: &str,
    field: &str,
    key: &str,
    problems: &mut Vec<String>,
) -> Vec<(String, Expr)> {
    let mut out = Vec::new();
    for (i, item) in items
        .and_then(Json::as_array)
        .into_iter()
        .flatten()
        .enumerate()
    {
        let name = item
            .get(key)
            .and_then(Json::as_str)
            .unwrap_or_default()
            .to_owned();
        let source = item
            .get("expression")
            .and_then(Json::as_str)
            .unwrap_or_default();
        match Expr::compile(source) {
            Ok(e) => out.push((name, e)),
            Err(errors) => problems.extend(errors.into_iter().map(|e| {
                format!(
                    "{id}: {field}[{i}].expression does not compile at line {}, column {}: {}",
                    e.line, e.column, e.message
                )
            })),
        }
    }
    out
}

impl<'a> Vaps<'a> {
    pub fn new(objects: &'a [Json]) -> Vaps<'a> {
        let mut problems = Vec::new();
        let mut policies = Vec::new();
        for o in objects
            .iter()
            .filter(|o| is_admissionregistration(o, "ValidatingAdmissionPolicy"))
        {
            let name = o
                .pointer("/metadata/name")
                .and_then(Json::as_str)
                .unwrap_or_default()
                .to_owned();
            let id = format!("ValidatingAdmissionPolicy {name}");
            let spec = o.get("spec");
            let variables = compile_list(
                spec.and_then(|s| s.get("variables")),
                &id,
                "spec.variables",
                "name",
                &mut problems,
            );
            let match_conditions = compile_list(
                spec.and_then(|s| s.get("matchConditions")),
                &id,
                "spec.matchConditions",
                "name",
                &mut problems,
            );
            let mut validations = Vec::new();
            let list = spec
                .and_then(|s| s.get("validations"))
                .and_then(Json::as_array);
            if list.is_none_or(Vec::is_empty) {
                problems.push(format!(
                    "{id}: spec.validations is empty, so the policy can never deny"
                ));
            }
            for (i, v) in list.into_iter().flatten().enumerate() {
                let source = v
                    .get("expression")
                    .and_then(Json::as_str)
                    .unwrap_or_default();
                let expr = match Expr::compile(source) {
                    Ok(e) => e,
                    Err(errors) => {
                        problems.extend(errors.into_iter().map(|e| {
                            format!(
                                "{id}: spec.validations[{i}].expression does not compile at line {}, column {}: {}",
                                e.line, e.column, e.message
                            )
                        }));
                        continue;
                    }
                };
                let message_expr = match v.get("messageExpression").and_then(Json::as_str) {
                    None => None,
                    Some(m) => match Expr::compile(m) {
                        Ok(e) => Some(e),
                        Err(errors) => {
                            problems.extend(errors.into_iter().map(|e| {
                                format!(
                                    "{id}: spec.validations[{i}].messageExpression does not compile at line {}, column {}: {}",
                                    e.line, e.column, e.message
                                )
                            }));
                            None
                        }
                    },
                };
                validations.push(Validation {
                    expr,
                    message: v.get("message").and_then(Json::as_str).map(str::to_owned),
                    message_expr,
                });
            }
            if spec.and_then(|s| s.get("matchConstraints")).is_none() {
                problems.push(format!(
                    "{id}: spec.matchConstraints is required (the API server rejects a policy without it)"
                ));
            }
            let param_kind = spec.and_then(|s| s.get("paramKind")).map(|p| {
                (
                    p.get("apiVersion")
                        .and_then(Json::as_str)
                        .unwrap_or_default()
                        .to_owned(),
                    p.get("kind")
                        .and_then(Json::as_str)
                        .unwrap_or_default()
                        .to_owned(),
                )
            });
            policies.push(Vap {
                name,
                object: o,
                variables,
                match_conditions,
                validations,
                fail_closed: spec
                    .and_then(|s| s.get("failurePolicy"))
                    .and_then(Json::as_str)
                    != Some("Ignore"),
                param_kind,
            });
        }
        let bindings: Vec<&Json> = objects
            .iter()
            .filter(|o| is_admissionregistration(o, "ValidatingAdmissionPolicyBinding"))
            .collect();
        for b in &bindings {
            let policy = b
                .pointer("/spec/policyName")
                .and_then(Json::as_str)
                .unwrap_or_default();
            if !policies.iter().any(|p| p.name == policy) {
                problems.push(format!(
                    "ValidatingAdmissionPolicyBinding {}: policy {policy:?} does not exist",
                    b.pointer("/metadata/name")
                        .and_then(Json::as_str)
                        .unwrap_or_default()
                ));
            }
        }
        Vaps {
            objects,
            policies,
            bindings,
            problems,
        }
    }

    /// Number of bindings in force.
    pub fn binding_count(&self) -> usize {
        self.bindings.len()
    }

    fn resources_match(&self, m: &Json, request: &Request<'_>) -> Result<bool, String> {
        let mut problems = Vec::new();
        let (group, version) = request.group_version();
        let resource = request.resource();
        let rule_hits = |rule: &Json| {
            let any = |key: &str, value: &str| {
                let list = strings(rule.get(key));
                list.iter().any(|x| x == "*" || x == value)
            };
            let names = strings(rule.get("resourceNames"));
            any("apiGroups", group)
                && any("apiVersions", version)
                && (any("resources", &resource) || any("resources", &format!("{resource}/*")))
                && any("operations", request.operation)
                && (names.is_empty() || names.iter().any(|n| n == request.meta("name")))
        };
        let rules = m.get("resourceRules").and_then(Json::as_array);
        if let Some(rules) = rules
            && !rules.iter().any(rule_hits)
        {
            return Ok(false);
        }
        if m.get("excludeResourceRules")
            .and_then(Json::as_array)
            .is_some_and(|r| r.iter().any(rule_hits))
        {
            return Ok(false);
        }
        if let Some(sel) = selector(m.get("objectSelector"), "objectSelector", &mut problems)
            && !sel.matches(&request.labels())
        {
            return Ok(false);
        }
        let namespace = request.meta("namespace");
        if let Some(sel) = selector(
            m.get("namespaceSelector"),
            "namespaceSelector",
            &mut problems,
        ) && !namespace.is_empty()
            && !sel.matches(&namespace_labels(self.objects, namespace))
        {
            return Ok(false);
        }
        if problems.is_empty() {
            Ok(true)
        } else {
            Err(problems.join("; "))
        }
    }

    fn params_for(
        &self,
        policy: &Vap<'_>,
        binding: &Json,
        request: &Request<'_>,
    ) -> Result<Option<Json>, String> {
        let Some(param_ref) = binding.pointer("/spec/paramRef") else {
            return if policy.param_kind.is_some() {
                Err("the policy declares paramKind but the binding has no paramRef".into())
            } else {
                Ok(Some(Json::Null))
            };
        };
        let Some((api_version, kind)) = &policy.param_kind else {
            return Err("the binding has a paramRef but the policy declares no paramKind".into());
        };
        let name = param_ref.get("name").and_then(Json::as_str);
        let namespace = param_ref
            .get("namespace")
            .and_then(Json::as_str)
            .unwrap_or_else(|| request.meta("namespace"));
        let found = self.objects.iter().find(|o| {
            o.get("kind").and_then(Json::as_str) == Some(kind.as_str())
                && o.get("apiVersion").and_then(Json::as_str) == Some(api_version.as_str())
                && name
                    .is_none_or(|n| o.pointer("/metadata/name").and_then(Json::as_str) == Some(n))
                && o.pointer("/metadata/namespace")
                    .and_then(Json::as_str)
                    .is_none_or(|ns| ns == namespace)
        });
        match found {
            Some(p) => Ok(Some(p.clone())),
            None => {
                let deny = param_ref
                    .get("parameterNotFoundAction")
                    .and_then(Json::as_str)
                    != Some("Allow");
                if deny {
                    Err(format!(
                        "param {kind} {} not found (parameterNotFoundAction Deny)",
                        name.unwrap_or("*")
                    ))
                } else {
                    // "the lack of a matched parameter resource will be treated as successful
                    // validation by the binding"
                    Ok(None)
                }
            }
        }
    }

    /// Admit or deny one request.
    pub fn decide(&self, request: &Request<'_>) -> Decision {
        let mut decision = Decision::default();
        let (group, version) = request.group_version();
        let request_json = json!({
            "kind": {"group": group, "version": version, "kind": request.kind()},
            "resource": {"group": group, "version": version, "resource": request.resource()},
            "name": request.meta("name"),
            "namespace": request.meta("namespace"),
            "operation": request.operation,
            "userInfo": {"username": USER_INFO, "groups": ["system:masters", "system:authenticated"]},
            "dryRun": false,
        });
        let namespace_json = namespace_object(self.objects, request.meta("namespace"));
        let object_doc = CelDoc::new(request.object);
        let null = Json::Null;
        let old_doc = CelDoc::new(&null);
        let request_doc = CelDoc::new(&request_json);
        let namespace_doc = CelDoc::new(&namespace_json);
        for binding in &self.bindings {
            let binding_name = binding
                .pointer("/metadata/name")
                .and_then(Json::as_str)
                .unwrap_or_default();
            let policy_name = binding
                .pointer("/spec/policyName")
                .and_then(Json::as_str)
                .unwrap_or_default();
            let Some(policy) = self.policies.iter().find(|p| p.name == policy_name) else {
                continue;
            };
            let id = format!("{policy_name} (binding {binding_name})");
            let actions = strings(binding.pointer("/spec/validationActions"));
            let denies = actions.iter().any(|a| a == "Deny");
            let constraints = policy
                .object
                .pointer("/spec/matchConstraints")
                .cloned()
                .unwrap_or_else(|| json!({"resourceRules": []}));
            let mut selected = self.resources_match(&constraints, request);
            if let (Ok(true), Some(m)) = (&selected, binding.pointer("/spec/matchResources")) {
                selected = self.resources_match(m, request);
            }
            match selected {
                Ok(true) => {}
                Ok(false) => continue,
                Err(e) => {
                    decision.warnings.push(format!("{id}: {e}"));
                    continue;
                }
            }
            let params = match self.params_for(policy, binding, request) {
                Ok(Some(p)) => p,
                Ok(None) => continue,
                Err(e) => {
                    if denies {
                        decision.denials.push(format!("[{id}] {e}"));
                    }
                    continue;
                }
            };
            let params_doc = CelDoc::new(&params);
            // variables, in order, each seeing the ones before
            let mut values = Vec::new();
            let mut failed = None;
            for (name, expr) in &policy.variables {
                let so_far = CelDoc::from_val(variables_map(values.clone()));
                let vars = Vars::new()
                    .with("object", &object_doc)
                    .with("oldObject", &old_doc)
                    .with("request", &request_doc)
                    .with("params", &params_doc)
                    .with("namespaceObject", &namespace_doc)
                    .with("variables", &so_far);
                match expr.eval_val(&vars) {
                    Ok(v) => values.push((name.clone(), v)),
                    Err(e) => {
                        failed = Some(format!("variable {name} failed: {e}"));
                        break;
                    }
                }
            }
            let variables_doc = CelDoc::from_val(variables_map(values));
            let vars = Vars::new()
                .with("object", &object_doc)
                .with("oldObject", &old_doc)
                .with("request", &request_doc)
                .with("params", &params_doc)
                .with("namespaceObject", &namespace_doc)
                .with("variables", &variables_doc);
            let mut error = failed;
            // matchConditions: all true to apply; false → skip; error → failurePolicy
            if error.is_none() {
                let mut skip = false;
                for (name, cond) in &policy.match_conditions {
                    match cond.eval_bool(&vars) {
                        Ok(true) => {}
                        Ok(false) => {
                            skip = true;
                            break;
                        }
                        Err(e) => {
                            error = Some(format!("matchCondition {name} failed: {e}"));
                            break;
                        }
                    }
                }
                if skip {
                    continue;
                }
            }
            let mut messages = Vec::new();
            if error.is_none() {
                for v in &policy.validations {
                    match v.expr.eval_bool(&vars) {
                        Ok(true) => {}
                        Ok(false) => {
                            let message = v
                                .message_expr
                                .as_ref()
                                .and_then(|m| m.eval_string(&vars).ok())
                                .or_else(|| v.message.clone())
                                .unwrap_or_else(|| format!("failed expression: {}", v.expr.source));
                            messages.push(message);
                        }
                        Err(e) => {
                            error = Some(format!("expression {:?} failed: {e}", v.expr.source));
                            break;
                        }
                    }
                }
            }
            if let Some(e) = error {
                if policy.fail_closed {
                    messages.push(format!("{e} (failurePolicy Fail)"));
                } else {
                    decision
                        .warnings
                        .push(format!("{id}: {e} (failurePolicy Ignore)"));
                }
            }
            if denies {
                decision
                    .denials
                    .extend(messages.into_iter().map(|m| format!("[{id}] {m}")));
            }
        }
        decision
    }
}

/// A policy engine's decision function over a snapshot, whichever engine it is.
#[derive(Debug)]
pub enum Admission<'a> {
    Gatekeeper(Gatekeeper<'a>),
    Vap(Vaps<'a>),
}

impl Admission<'_> {
    pub fn problems(&self) -> &[String] {
        match self {
            Admission::Gatekeeper(g) => &g.problems,
            Admission::Vap(v) => &v.problems,
        }
    }
    /// How many constraints or bindings are in force.
    pub fn in_force(&self) -> usize {
        match self {
            Admission::Gatekeeper(g) => g.constraint_count(),
            Admission::Vap(v) => v.binding_count(),
        }
    }
    pub fn decide(&self, request: &Request<'_>) -> Decision {
        match self {
            Admission::Gatekeeper(g) => g.decide(request),
            Admission::Vap(v) => v.decide(request),
        }
    }
}

/// Id for messages.
pub fn describe_object(o: &Json) -> String {
    object_id(o)
}
