//! The policy playground: the lab checks' own admission evaluators (Gatekeeper/Rego and
//! ValidatingAdmissionPolicy/CEL) run on pasted text. Never fails: every problem — YAML that
//! does not parse, Rego or CEL that does not compile — comes back with its line and column in
//! the text the learner edited.

use serde::{Deserialize, Serialize};
use serde_json::Value as Json;

use crate::admission::{Admission, Gatekeeper, Request, Vaps, describe_object};

/// Which evaluator runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub enum PlayMode {
    /// `policy`: ConstraintTemplate(s) and constraint(s) as YAML; `input`: objects to admit.
    Gatekeeper,
    /// `policy`: ValidatingAdmissionPolicy(s), binding(s) and params as YAML; `input`: objects.
    Vap,
    /// `policy`: a Rego module; `input`: the input document (YAML or JSON); `query` is
    /// evaluated (default: the module's package).
    Rego,
}

/// What to evaluate.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct PlayRequest {
    pub mode: PlayMode,
    pub policy: String,
    pub input: String,
    /// Rego mode only, e.g. `data.k8srequiredlabels.violation`.
    #[serde(default)]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub query: Option<String>,
    /// CREATE (default), UPDATE, DELETE or CONNECT.
    #[serde(default)]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub operation: Option<String>,
}

/// Where a problem is: `policy` or `input`, 1-based line and column (0 when unknown).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct PlayProblem {
    pub source: String,
    pub line: u32,
    pub column: u32,
    pub message: String,
}

/// The decision on one object.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct PlayDecision {
    /// e.g. `Pod team-a/web`.
    pub object: String,
    pub allowed: bool,
    pub denials: Vec<String>,
    pub warnings: Vec<String>,
}

/// What the playground shows.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct PlayResult {
    pub mode: PlayMode,
    pub problems: Vec<PlayProblem>,
    /// Gatekeeper and VAP modes: one per input object that is not itself a policy.
    pub decisions: Vec<PlayDecision>,
    /// Constraints or bindings in force.
    pub in_force: u32,
    /// Rego mode: the query's value; absent when it is undefined (Rego's "no result").
    #[cfg_attr(feature = "ts", ts(optional))]
    pub value: Option<Json>,
}

/// Evaluate a playground request.
pub fn play(request: &PlayRequest) -> PlayResult {
    match request.mode {
        PlayMode::Rego => play_rego(request),
        PlayMode::Gatekeeper | PlayMode::Vap => play_admission(request),
    }
}

fn problem(source: &str, line: u32, column: u32, message: impl Into<String>) -> PlayProblem {
    PlayProblem {
        source: source.to_owned(),
        line,
        column,
        message: message.into(),
    }
}

/// `line L column C: message` (our YAML errors) → a problem at L:C.
fn yaml_problem(source: &str, message: &str) -> PlayProblem {
    let parsed = message.strip_prefix("line ").and_then(|rest| {
        let (line, rest) = rest.split_once(" column ")?;
        let (column, text) = rest.split_once(": ")?;
        Some((line.parse().ok()?, column.parse().ok()?, text))
    });
    match parsed {
        Some((line, column, text)) => problem(source, line, column, text),
        None => problem(source, 0, 0, message),
    }
}

/// Find `file:LINE:COL` in a Rego compiler message (regorus prints `--> name.rego:3:9` and a
/// snippet).
fn rego_position(message: &str) -> Option<(u32, u32)> {
    let at = message.find(".rego:")? + ".rego:".len();
    let digits = |s: &str| -> Option<(u32, usize)> {
        let n: String = s.chars().take_while(char::is_ascii_digit).collect();
        Some((n.parse().ok()?, n.len()))
    };
    let (line, used) = digits(&message[at..])?;
    let rest = message[at + used..].strip_prefix(':')?;
    let (column, _) = digits(rest)?;
    Some((line, column))
}

/// `… at line L, column C: …` (our CEL compile messages) → (L, C).
fn cel_position(message: &str) -> Option<(u32, u32)> {
    let at = message.find(" at line ")? + " at line ".len();
    let (line, rest) = message[at..].split_once(", column ")?;
    let column: String = rest.chars().take_while(char::is_ascii_digit).collect();
    Some((line.parse().ok()?, column.parse().ok()?))
}

/// The YAML line (1-based) where an embedded block (a Rego module, a CEL expression) starts,
/// and its indentation: found by its first non-empty line.
fn embedded_at(yaml: &str, embedded: &str) -> Option<(u32, u32)> {
    let first = embedded.lines().map(str::trim).find(|l| !l.is_empty())?;
    yaml.lines().enumerate().find_map(|(i, l)| {
        let column = l.find(first)?;
        Some((u32::try_from(i + 1).ok()?, u32::try_from(column).ok()?))
    })
}

/// Every string value under `key` anywhere in the policy documents (Rego sources, CEL
/// expressions), so a position inside one can be mapped back to the YAML.
fn strings_under(value: &Json, key: &str, out: &mut Vec<String>) {
    match value {
        Json::Object(map) => {
            for (k, v) in map {
                if k == key
                    && let Some(s) = v.as_str()
                {
                    out.push(s.to_owned());
                }
                strings_under(v, key, out);
            }
        }
        Json::Array(items) => items.iter().for_each(|v| strings_under(v, key, out)),
        _ => {}
    }
}

/// Finds (line, column) in a compiler message.
type PositionOf = fn(&str) -> Option<(u32, u32)>;

fn play_admission(request: &PlayRequest) -> PlayResult {
    let mut result = PlayResult {
        mode: request.mode,
        problems: Vec::new(),
        decisions: Vec::new(),
        in_force: 0,
        value: None,
    };
    let policies = match crate::yaml::parse_objects(&request.policy) {
        Ok(p) => p,
        Err(e) => {
            result.problems.push(yaml_problem("policy", &e));
            Vec::new()
        }
    };
    let objects = match crate::yaml::parse_objects(&request.input) {
        Ok(o) => o,
        Err(e) => {
            result.problems.push(yaml_problem("input", &e));
            Vec::new()
        }
    };
    if !result.problems.is_empty() {
        return result;
    }
    // Params (VAP) and inventory (Gatekeeper) may sit in either text.
    let everything: Vec<Json> = policies.iter().chain(&objects).cloned().collect();
    let engine = match request.mode {
        PlayMode::Vap => Admission::Vap(Vaps::new(&everything)),
        _ => Admission::Gatekeeper(Gatekeeper::new(&everything)),
    };
    let (key, position): (&str, PositionOf) = match request.mode {
        PlayMode::Vap => ("expression", cel_position),
        _ => ("rego", rego_position),
    };
    let mut sources = Vec::new();
    for p in &policies {
        strings_under(p, key, &mut sources);
    }
    for message in engine.problems() {
        let located = position(message).and_then(|(line, column)| {
            // Which embedded source? The one whose text the message quotes, else the only one.
            let source = sources
                .iter()
                .find(|s| message.contains(s.lines().next().unwrap_or("\u{0}")))
                .or(if sources.len() == 1 {
                    sources.first()
                } else {
                    None
                })?;
            let (start, indent) = embedded_at(&request.policy, source)?;
            Some((start + line - 1, indent + column))
        });
        result.problems.push(match located {
            Some((line, column)) => problem("policy", line, column, message.clone()),
            None => problem("policy", 0, 0, message.clone()),
        });
    }
    result.in_force = u32::try_from(engine.in_force()).unwrap_or(u32::MAX);
    if result.in_force == 0 && result.problems.is_empty() {
        result.problems.push(problem(
            "policy",
            0,
            0,
            match request.mode {
                PlayMode::Vap => {
                    "no ValidatingAdmissionPolicyBinding binds a policy: nothing is enforced"
                }
                _ => "no constraint uses a template: nothing is enforced",
            },
        ));
    }
    let operation = request.operation.as_deref().unwrap_or("CREATE");
    for object in objects.iter().filter(|o| !is_policy_object(o)) {
        let decision = engine.decide(&Request { object, operation });
        result.decisions.push(PlayDecision {
            object: describe_object(object),
            allowed: !decision.denied(),
            denials: decision.denials,
            warnings: decision.warnings,
        });
    }
    if result.decisions.is_empty() {
        result.problems.push(problem(
            "input",
            0,
            0,
            "no object to admit: paste a Pod, Deployment or any other object",
        ));
    }
    result
}

/// Policy machinery (templates, constraints, VAPs, bindings) is configuration, not a request.
fn is_policy_object(o: &Json) -> bool {
    let api = o
        .get("apiVersion")
        .and_then(Json::as_str)
        .unwrap_or_default();
    let kind = o.get("kind").and_then(Json::as_str).unwrap_or_default();
    api.starts_with("templates.gatekeeper.sh/")
        || api.starts_with("constraints.gatekeeper.sh/")
        || (api.starts_with("admissionregistration.k8s.io/")
            && kind.starts_with("ValidatingAdmissionPolicy"))
}

fn play_rego(request: &PlayRequest) -> PlayResult {
    let mut result = PlayResult {
        mode: PlayMode::Rego,
        problems: Vec::new(),
        decisions: Vec::new(),
        in_force: 0,
        value: None,
    };
    let input = if request.input.trim().is_empty() {
        Json::Object(serde_json::Map::new())
    } else {
        match crate::yaml::parse_one(&request.input) {
            Ok(v) => v,
            Err(e) => {
                result.problems.push(yaml_problem("input", &e));
                return result;
            }
        }
    };
    let mut engine = regorus::Engine::new();
    engine.set_rego_v0(!request.policy.contains("import rego.v1"));
    let package = match engine.add_policy("policy.rego".into(), request.policy.clone()) {
        Ok(p) => p,
        Err(e) => {
            let message = e.to_string().trim().to_owned();
            let (line, column) = rego_position(&message).unwrap_or((0, 0));
            result
                .problems
                .push(problem("policy", line, column, message));
            return result;
        }
    };
    engine.set_input(regorus::Value::from(input));
    let query = request
        .query
        .as_deref()
        .map(str::trim)
        .filter(|q| !q.is_empty())
        .map_or(package, str::to_owned);
    match engine.eval_query(query.clone(), false) {
        Ok(results) => {
            let value = results
                .result
                .first()
                .and_then(|r| r.expressions.first())
                .map(|e| e.value.clone());
            result.value = value.and_then(|v| serde_json::to_value(&v).ok());
        }
        Err(e) => {
            let message = format!("{query}: {e}");
            let (line, column) = rego_position(&message).unwrap_or((0, 0));
            result
                .problems
                .push(problem("policy", line, column, message));
        }
    }
    result
}
