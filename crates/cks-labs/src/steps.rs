//! Setup and solution steps rendered for one attempt's params, ready for the cluster layer.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value as Json;

use crate::load::LoadedLab;
use crate::model::{Step, WaitCondition};
use crate::template::Sandbox;

/// A step with every template rendered and every manifest parsed.
#[derive(Debug, Clone, PartialEq)]
pub enum RenderedStep {
    Apply {
        file: String,
        objects: Vec<Json>,
    },
    Kubectl(Vec<String>),
    Node(crate::model::NodeStep),
    Wait {
        api_version: Option<String>,
        kind: String,
        namespace: Option<String>,
        name: String,
        condition: WaitCondition,
        timeout: Option<String>,
    },
}

/// Kinds that are not namespaced (Namespace itself aside: a namespace-scoped lab creates its own
/// namespaces, which a shared cluster prefixes per learner).
pub const CLUSTER_SCOPED_KINDS: &[&str] = &[
    "ClusterRole",
    "ClusterRoleBinding",
    "CustomResourceDefinition",
    "ValidatingAdmissionPolicy",
    "ValidatingAdmissionPolicyBinding",
    "ValidatingWebhookConfiguration",
    "MutatingWebhookConfiguration",
    "ConstraintTemplate",
    "RuntimeClass",
    "PriorityClass",
    "StorageClass",
    "PersistentVolume",
    "CertificateSigningRequest",
    "Node",
    "APIService",
    "IngressClass",
    "PodSecurityPolicy",
    "CSIDriver",
    "VolumeAttachment",
];

/// An image on a reserved test domain: named by a lab, never pulled.
pub fn fictional(image: &str) -> bool {
    let Some((host, _)) = image.split_once('/') else {
        return false;
    };
    if !host.contains('.') && !host.contains(':') {
        return false;
    }
    let host = host.split(':').next().unwrap_or(host);
    [".internal", ".example", ".local", ".test", ".invalid"]
        .iter()
        .any(|d| host.ends_with(d))
        || matches!(host, "example.com" | "example.org" | "example.net")
        || host.ends_with(".example.com")
        || host.ends_with(".example.org")
}

impl LoadedLab {
    /// How far the lab reaches, from what its steps and checks do (for `params`).
    pub fn inferred_scope(&self, params: &BTreeMap<String, Json>) -> crate::model::Scope {
        use crate::model::Scope;
        let mut scope = Scope::Namespace;
        for solution in [false, true] {
            for step in self.render_steps(params, solution).unwrap_or_default() {
                let reach = match &step {
                    RenderedStep::Node(_) => Scope::Node,
                    RenderedStep::Kubectl(_) => Scope::Cluster,
                    RenderedStep::Apply { objects, .. } => {
                        let cluster = objects.iter().any(|o| {
                            let kind = o.get("kind").and_then(Json::as_str).unwrap_or_default();
                            let api = o
                                .get("apiVersion")
                                .and_then(Json::as_str)
                                .unwrap_or_default();
                            CLUSTER_SCOPED_KINDS.contains(&kind)
                                || api.starts_with("constraints.gatekeeper.sh/")
                        });
                        if cluster {
                            Scope::Cluster
                        } else {
                            Scope::Namespace
                        }
                    }
                    RenderedStep::Wait { .. } => Scope::Namespace,
                };
                scope = scope.max(reach);
            }
        }
        if let Ok(rendered) = self.render(params) {
            let specs: Vec<cks_checks::CheckSpec> = rendered.checks.specs().cloned().collect();
            let s = cks_checks::spec::selections(&specs);
            if !s.node_files.is_empty() || !s.logs.is_empty() {
                scope = Scope::Node;
            }
        }
        scope
    }

    /// Images the setup and solution manifests run (containers, init and ephemeral containers),
    /// for `params`. Images on reserved test domains (`*.internal`, `*.example`, `*.local`,
    /// `example.com`/`.org`) are fictional by convention — a lab names them to be judged, never
    /// run — and are left out.
    pub fn used_images(&self, params: &BTreeMap<String, Json>) -> BTreeSet<String> {
        fn walk(v: &Json, out: &mut BTreeSet<String>) {
            match v {
                Json::Object(map) => {
                    for (k, v) in map {
                        if matches!(
                            k.as_str(),
                            "containers" | "initContainers" | "ephemeralContainers"
                        ) && let Some(list) = v.as_array()
                        {
                            for c in list {
                                if let Some(image) = c.get("image").and_then(Json::as_str)
                                    && !fictional(image)
                                {
                                    out.insert(image.to_owned());
                                }
                            }
                        }
                        walk(v, out);
                    }
                }
                Json::Array(items) => items.iter().for_each(|v| walk(v, out)),
                _ => {}
            }
        }
        let mut out = BTreeSet::new();
        for solution in [false, true] {
            for step in self.render_steps(params, solution).unwrap_or_default() {
                if let RenderedStep::Apply { objects, .. } = step {
                    objects.iter().for_each(|o| walk(o, &mut out));
                }
            }
        }
        out
    }

    /// The declared scope, else the inferred one.
    pub fn scope(&self) -> crate::model::Scope {
        self.lab.scope.unwrap_or(self.sample_scope)
    }

    /// Render setup (`solution: false`) or solution steps for params.
    pub fn render_steps(
        &self,
        params: &BTreeMap<String, Json>,
        solution: bool,
    ) -> Result<Vec<RenderedStep>, String> {
        let steps = if solution {
            &self.lab.solution.steps
        } else {
            &self.lab.setup
        };
        let mut sandbox = Sandbox::new(params);
        let mut out = Vec::new();
        for step in steps {
            match step {
                Step::Apply(pattern) => {
                    let full = self.dir.join(pattern);
                    let mut files: Vec<_> = glob::glob(&full.to_string_lossy())
                        .map_err(|e| e.to_string())?
                        .filter_map(Result::ok)
                        .collect();
                    files.sort();
                    for path in files {
                        let rel = path
                            .strip_prefix(&self.dir)
                            .unwrap_or(&path)
                            .to_string_lossy()
                            .into_owned();
                        let text =
                            std::fs::read_to_string(&path).map_err(|e| format!("{rel}: {e}"))?;
                        let rendered = sandbox.render(&text).map_err(|e| format!("{rel}: {e}"))?;
                        let objects = cks_checks::yaml::parse_objects(&rendered)
                            .map_err(|e| format!("{rel}: {e}"))?;
                        out.push(RenderedStep::Apply { file: rel, objects });
                    }
                }
                Step::Kubectl(args) => {
                    let args = args
                        .iter()
                        .map(|a| sandbox.render(a))
                        .collect::<Result<Vec<_>, _>>()?;
                    out.push(RenderedStep::Kubectl(args));
                }
                Step::Node(n) => {
                    let mut value = serde_json::to_value(n).map_err(|e| e.to_string())?;
                    let mut problems = Vec::new();
                    sandbox.render_json(&mut value, "node", &mut problems);
                    if let Some((_, e)) = problems.into_iter().next() {
                        return Err(e);
                    }
                    out.push(RenderedStep::Node(
                        serde_json::from_value(value).map_err(|e| e.to_string())?,
                    ));
                }
                Step::Wait(w) => out.push(RenderedStep::Wait {
                    api_version: w
                        .api_version
                        .as_deref()
                        .map(|a| sandbox.render(a))
                        .transpose()?,
                    kind: sandbox.render(&w.kind)?,
                    namespace: w
                        .namespace
                        .as_deref()
                        .map(|n| sandbox.render(n))
                        .transpose()?,
                    name: sandbox.render(&w.name)?,
                    condition: w.condition,
                    timeout: w.timeout.clone(),
                }),
            }
        }
        Ok(out)
    }

    /// Every (apiVersion, kind) the lab's setup and solution manifests create, plus Namespace:
    /// what reset must clean.
    pub fn applied_kinds(
        &self,
        params: &BTreeMap<String, Json>,
    ) -> Result<BTreeSet<(String, String)>, String> {
        let mut kinds = BTreeSet::new();
        kinds.insert(("v1".to_owned(), "Namespace".to_owned()));
        for solution in [false, true] {
            for step in self.render_steps(params, solution)? {
                if let RenderedStep::Apply { objects, .. } = step {
                    for o in objects {
                        let api = o
                            .get("apiVersion")
                            .and_then(Json::as_str)
                            .unwrap_or_default()
                            .to_owned();
                        let kind = o
                            .get("kind")
                            .and_then(Json::as_str)
                            .unwrap_or_default()
                            .to_owned();
                        kinds.insert((api, kind));
                    }
                }
            }
        }
        Ok(kinds)
    }

    /// Whether the lab changes nodes (it then needs node access to verify).
    pub fn has_node_steps(&self) -> bool {
        self.lab
            .setup
            .iter()
            .chain(&self.lab.solution.steps)
            .any(|s| matches!(s, Step::Node(_)))
    }
}
