//! Compiling a lab's checks once, and grading snapshots with them.

use std::cell::OnceCell;

use regex::Regex;
use serde_json::Value as Json;

use crate::cel::{CelDoc, Expr, Vars, variables_map};
use crate::netpol::{Endpoint, FlowPort, NetpolIndex, Protocol};
use crate::nodefile::{self, ArgSplitting};
use crate::outcome::{Finding, Outcome, Status};
use crate::rbac::{RbacIndex, UserInfo, describe_request};
use crate::select::{self, pod_view};
use crate::snapshot::{NodeFile, ObjectRef, Snapshot};
use crate::spec::{CheckKindRef, CheckSpec, FileFormat, Quantifier};
use crate::{dockerfile, pss};
use cel::common::value::Val;

/// A problem found while compiling a check: which check, which field, where in the expression.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CompileProblem {
    pub check_index: usize,
    pub check_id: String,
    /// Field path inside the check, e.g. `object.expr`, `object.variables[1].expression`.
    pub field: String,
    /// 1-based position inside the field's text.
    pub line: usize,
    pub column: usize,
    pub message: String,
}

impl std::fmt::Display for CompileProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "check `{}` {} ({}:{}): {}",
            self.check_id, self.field, self.line, self.column, self.message
        )
    }
}

#[derive(Debug, Default)]
struct Compiled {
    expr: Option<Expr>,
    message_expr: Option<Expr>,
    variables: Vec<(String, Expr)>,
    regex: Option<Regex>,
}

#[derive(Debug)]
struct CompiledCheck {
    spec: CheckSpec,
    compiled: Compiled,
}

/// A lab's checks, compiled once (CEL programs, regexes) and reusable for every grade.
#[derive(Debug)]
pub struct CompiledChecks {
    checks: Vec<CompiledCheck>,
}

fn compile_expr(
    index: usize,
    spec: &CheckSpec,
    field: &str,
    source: &str,
    problems: &mut Vec<CompileProblem>,
) -> Option<Expr> {
    match Expr::compile(source) {
        Ok(expr) => Some(expr),
        Err(errors) => {
            problems.extend(errors.into_iter().map(|e| CompileProblem {
                check_index: index,
                check_id: spec.id.clone(),
                field: field.to_owned(),
                line: e.line,
                column: e.column,
                message: e.message,
            }));
            None
        }
    }
}

impl CompiledChecks {
    /// Compile every check; all problems are returned at once.
    pub fn compile(specs: &[CheckSpec]) -> Result<CompiledChecks, Vec<CompileProblem>> {
        let mut problems = Vec::new();
        let mut checks = Vec::with_capacity(specs.len());
        for (index, spec) in specs.iter().enumerate() {
            let mut compiled = Compiled::default();
            let mut problem = |field: &str, message: String| {
                problems.push(CompileProblem {
                    check_index: index,
                    check_id: spec.id.clone(),
                    field: field.into(),
                    line: 1,
                    column: 1,
                    message,
                })
            };
            let Some(kind) = spec.kind() else {
                let names = spec.kind_names();
                if names.is_empty() {
                    problem("", "a check needs one kind: object, absent, count, rbac, pss, netpol, policy, probe, log, node-file, dockerfile or answer".into());
                } else {
                    problem(
                        "",
                        format!("a check has exactly one kind, found {}", names.join(", ")),
                    );
                }
                continue;
            };
            let mut p = Vec::new();
            let selector = match kind {
                CheckKindRef::Object(o) => Some(("object.select", &o.select)),
                CheckKindRef::Absent(a) => Some(("absent.select", &a.select)),
                CheckKindRef::Count(c) => Some(("count.select", &c.select)),
                CheckKindRef::Pss(ps) if ps.select.kind.is_some() => {
                    Some(("pss.select", &ps.select))
                }
                _ => None,
            };
            if let Some((field, sel)) = selector
                && let Some(message) = crate::spec::selector_problem(sel)
            {
                problem(field, message);
            }
            match kind {
                CheckKindRef::Object(o) => {
                    compiled.expr = compile_expr(index, spec, "object.expr", &o.expr, &mut p);
                    if let Some(m) = &o.message_expression {
                        compiled.message_expr =
                            compile_expr(index, spec, "object.messageExpression", m, &mut p);
                    }
                    for (i, v) in o.variables.iter().enumerate() {
                        if let Some(e) = compile_expr(
                            index,
                            spec,
                            &format!("object.variables[{i}].expression"),
                            &v.expression,
                            &mut p,
                        ) {
                            compiled.variables.push((v.name.clone(), e));
                        }
                    }
                }
                CheckKindRef::Absent(a) => {
                    if let Some(w) = &a.where_ {
                        compiled.expr = compile_expr(index, spec, "absent.where", w, &mut p);
                    }
                }
                CheckKindRef::Count(c) => {
                    if let Some(w) = &c.where_ {
                        compiled.expr = compile_expr(index, spec, "count.where", w, &mut p);
                    }
                    if c.min.is_none() && c.max.is_none() {
                        problem("count", "set `min`, `max` or both".into());
                    }
                    if let (Some(min), Some(max)) = (c.min, c.max)
                        && min > max
                    {
                        problem("count", format!("min ({min}) is greater than max ({max})"));
                    }
                }
                CheckKindRef::NodeFile(n) => {
                    if let Some(e) = &n.expr {
                        compiled.expr = compile_expr(index, spec, "node-file.expr", e, &mut p);
                    }
                    if !n.path.starts_with('/') {
                        problem(
                            "node-file.path",
                            format!("must be an absolute path, found {:?}", n.path),
                        );
                    }
                    if !n.flags.is_empty() && n.format != FileFormat::StaticPod {
                        problem("node-file.flags", "flags need `format: static-pod`".into());
                    }
                    if !n.audit.is_empty() && n.format != FileFormat::AuditPolicy {
                        problem(
                            "node-file.audit",
                            "audit expectations need `format: audit-policy`".into(),
                        );
                    }
                    if !n.encryption.is_empty() && n.format != FileFormat::EncryptionConfig {
                        problem(
                            "node-file.encryption",
                            "encryption expectations need `format: encryption-config`".into(),
                        );
                    }
                    if let Some(mode) = n.stat.as_ref().and_then(|s| s.max_mode.as_ref())
                        && u32::from_str_radix(mode, 8).is_err()
                    {
                        problem(
                            "node-file.stat.maxMode",
                            format!("must be an octal mode such as \"0600\", found {mode:?}"),
                        );
                    }
                    let asserts = !n.flags.is_empty()
                        || !n.audit.is_empty()
                        || !n.encryption.is_empty()
                        || n.expr.is_some()
                        || n.stat.is_some()
                        || n.absent;
                    if !asserts {
                        problem(
                            "node-file",
                            "asserts nothing: add flags, audit, encryption, expr, stat or absent"
                                .into(),
                        );
                    }
                }
                CheckKindRef::Dockerfile(d) => {
                    compiled.expr = compile_expr(index, spec, "dockerfile.expr", &d.expr, &mut p);
                }
                CheckKindRef::Answer(a) => {
                    if a.equals.is_none() && a.one_of.is_empty() && a.regex.is_none() {
                        problem("answer", "set `equals`, `oneOf` or `regex`".into());
                    }
                    if let Some(r) = &a.regex {
                        let pattern = if a.ignore_case {
                            format!("(?i)^(?:{r})$")
                        } else {
                            format!("^(?:{r})$")
                        };
                        match Regex::new(&pattern) {
                            Ok(re) => compiled.regex = Some(re),
                            Err(e) => problem("answer.regex", e.to_string()),
                        }
                    }
                }
                CheckKindRef::Rbac(r) => {
                    if let Err(e) = UserInfo::from_subject(&r.subject) {
                        problem("rbac.subject", e);
                    }
                    if r.can.is_empty() && r.cannot.is_empty() {
                        problem("rbac", "set `can`, `cannot` or both".into());
                    }
                    for (i, req) in r.can.iter().chain(&r.cannot).enumerate() {
                        if req.resource.is_some() == req.non_resource_url.is_some() {
                            problem(
                                "rbac",
                                format!(
                                    "request {} must set exactly one of resource and nonResourceURL",
                                    i + 1
                                ),
                            );
                        }
                    }
                }
                CheckKindRef::Pss(_) => {}
                CheckKindRef::Policy(pc) => {
                    if pc.cases.is_empty() {
                        problem("policy.cases", "list at least one test case".into());
                    }
                    if !pc
                        .cases
                        .iter()
                        .any(|c| c.expect == crate::spec::AdmissionExpectation::Deny)
                        || !pc
                            .cases
                            .iter()
                            .any(|c| c.expect == crate::spec::AdmissionExpectation::Admit)
                    {
                        problem(
                            "policy.cases",
                            "include at least one `deny` and one `admit` case (a policy that denies everything, or nothing, must not pass)".into(),
                        );
                    }
                    for (i, case) in pc.cases.iter().enumerate() {
                        let at = format!("policy.cases[{i}]");
                        if !matches!(
                            case.operation.as_str(),
                            "CREATE" | "UPDATE" | "DELETE" | "CONNECT"
                        ) {
                            problem(
                                &format!("{at}.operation"),
                                format!(
                                    "{:?} is not CREATE, UPDATE, DELETE or CONNECT",
                                    case.operation
                                ),
                            );
                        }
                        for key in ["apiVersion", "kind"] {
                            if case
                                .object
                                .get(key)
                                .and_then(serde_json::Value::as_str)
                                .is_none()
                            {
                                problem(&format!("{at}.object"), format!("needs `{key}`"));
                            }
                        }
                        if case
                            .object
                            .pointer("/metadata/name")
                            .and_then(serde_json::Value::as_str)
                            .is_none()
                        {
                            problem(&format!("{at}.object"), "needs `metadata.name`".into());
                        }
                    }
                    for (i, sel) in pc.reads.iter().enumerate() {
                        if let Some(message) = crate::spec::selector_problem(sel) {
                            problem(&format!("policy.reads[{i}]"), message);
                        }
                    }
                }
                CheckKindRef::Probe(pr) => {
                    if pr.from.namespace.is_none() || pr.from.ip.is_some() {
                        problem(
                            "probe.from",
                            "the client is pods: set `namespace` (and labels or name), not `ip`"
                                .into(),
                        );
                    }
                    if pr.from.labels.is_empty() && pr.from.name.is_none() {
                        problem(
                            "probe.from",
                            "name the client pod by `labels` or `name`".into(),
                        );
                    }
                    if let Err(e) = pr.argv() {
                        problem("probe", e);
                    }
                    if let Some(t) = pr.timeout_seconds
                        && !(1..=10).contains(&t)
                    {
                        problem("probe.timeoutSeconds", format!("must be 1-10, found {t}"));
                    }
                    if pr.output_contains.is_some()
                        && pr.expect == crate::spec::ProbeExpectation::Failure
                    {
                        problem(
                            "probe.outputContains",
                            "only applies to `expect: success`".into(),
                        );
                    }
                }
                CheckKindRef::Log(l) => {
                    compiled.expr = compile_expr(index, spec, "log.expr", &l.expr, &mut p);
                    if !l.path.starts_with('/') {
                        problem(
                            "log.path",
                            format!("must be an absolute path, found {:?}", l.path),
                        );
                    }
                    if let Some(t) = &l.trigger {
                        if !matches!(t.verb.as_str(), "get" | "list" | "create" | "exec") {
                            problem(
                                "log.trigger.verb",
                                format!("{:?} is not get, list, create or exec", t.verb),
                            );
                        }
                        if t.verb == "create" && t.resource != "configmaps" {
                            problem(
                                "log.trigger.resource",
                                "`create` triggers only create ConfigMaps".into(),
                            );
                        }
                        if matches!(t.verb.as_str(), "get" | "exec") && t.name.is_none() {
                            problem("log.trigger.name", format!("`{}` needs a name", t.verb));
                        }
                        if t.verb == "exec" && (t.resource != "pods" || t.namespace.is_none()) {
                            problem(
                                "log.trigger",
                                "`exec` needs resource: pods, a namespace and a name".into(),
                            );
                        }
                    }
                }
                CheckKindRef::Netpol(n) => {
                    if n.flows.is_empty() {
                        problem("netpol.flows", "list at least one flow".into());
                    }
                    for (i, flow) in n.flows.iter().enumerate() {
                        for message in netpol_flow_problems(flow) {
                            problem(&format!("netpol.flows[{i}]"), message);
                        }
                    }
                }
            }
            problems.extend(p);
            checks.push(CompiledCheck {
                spec: spec.clone(),
                compiled,
            });
        }
        if problems.is_empty() {
            Ok(CompiledChecks { checks })
        } else {
            Err(problems)
        }
    }

    /// The specs, in lab order.
    pub fn specs(&self) -> impl Iterator<Item = &CheckSpec> {
        self.checks.iter().map(|c| &c.spec)
    }

    /// Grade a snapshot: one outcome per check, in lab order. Never panics, never does I/O.
    pub fn grade(&self, snapshot: &Snapshot) -> Vec<Outcome> {
        let params = Json::Object(
            snapshot
                .params
                .iter()
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect(),
        );
        let grader = Grader {
            snapshot,
            params: CelDoc::new(&params),
            docs: (0..snapshot.objects.len())
                .map(|_| OnceCell::new())
                .collect(),
            rbac: OnceCell::new(),
            netpol: OnceCell::new(),
        };
        self.checks
            .iter()
            .map(|check| grader.grade(check))
            .collect()
    }
}

struct Grader<'a> {
    snapshot: &'a Snapshot,
    params: CelDoc<'a>,
    /// Each object converted to a CEL value at most once per grade, on first use.
    docs: Vec<OnceCell<CelDoc<'a>>>,
    rbac: OnceCell<RbacIndex<'a>>,
    netpol: OnceCell<NetpolIndex>,
}

/// Result of evaluating a check before points are attached.
struct Verdict {
    status: Status,
    message: String,
    findings: Vec<Finding>,
}

impl Verdict {
    fn pass(message: impl Into<String>) -> Verdict {
        Verdict {
            status: Status::Pass,
            message: message.into(),
            findings: Vec::new(),
        }
    }
    fn fail(message: impl Into<String>, findings: Vec<Finding>) -> Verdict {
        Verdict {
            status: Status::Fail,
            message: message.into(),
            findings,
        }
    }
    fn error(message: impl Into<String>) -> Verdict {
        Verdict {
            status: Status::Error,
            message: message.into(),
            findings: Vec::new(),
        }
    }
}

impl<'a> Grader<'a> {
    fn grade(&self, check: &CompiledCheck) -> Outcome {
        let spec = &check.spec;
        let verdict = match spec.kind() {
            None => Verdict::error("the check has no single kind"),
            Some(kind) => self.evaluate(&spec.id, kind, &check.compiled),
        };
        Outcome {
            check_id: spec.id.clone(),
            status: verdict.status,
            points_awarded: if verdict.status == Status::Pass {
                spec.points
            } else {
                0
            },
            points_possible: spec.points,
            message: verdict.message,
            findings: verdict.findings,
            doc: spec.doc.clone(),
        }
    }

    fn doc(&self, index: usize) -> &CelDoc<'a> {
        self.docs[index].get_or_init(|| CelDoc::new(&self.snapshot.objects[index]))
    }

    fn selected(&self, selector: &crate::spec::Selector) -> Vec<usize> {
        (0..self.snapshot.objects.len())
            .filter(|&i| select::matches(selector, &self.snapshot.objects[i]))
            .collect()
    }

    /// Objects matching the selector and the optional CEL filter.
    fn filtered(
        &self,
        selector: &crate::spec::Selector,
        filter: Option<&Expr>,
    ) -> Result<Vec<usize>, String> {
        let mut out = Vec::new();
        for i in self.selected(selector) {
            let keep = match filter {
                None => true,
                Some(expr) => {
                    let vars = Vars::new()
                        .with("object", self.doc(i))
                        .with("params", &self.params);
                    expr.eval_bool(&vars).map_err(|e| {
                        format!(
                            "`where` failed on {}: {e}",
                            ObjectRef::of(&self.snapshot.objects[i])
                        )
                    })?
                }
            };
            if keep {
                out.push(i);
            }
        }
        Ok(out)
    }

    fn evaluate(&self, check_id: &str, kind: CheckKindRef<'_>, compiled: &Compiled) -> Verdict {
        match kind {
            CheckKindRef::Object(o) => self.object(o, compiled),
            CheckKindRef::Absent(a) => match self.filtered(&a.select, compiled.expr.as_ref()) {
                Err(e) => Verdict::error(e),
                Ok(found) if found.is_empty() => {
                    Verdict::pass(format!("no {} exists", select::describe(&a.select)))
                }
                Ok(found) => {
                    let findings = found
                        .iter()
                        .map(|&i| {
                            Finding::new(
                                a.message.clone().unwrap_or_else(|| "must not exist".into()),
                            )
                            .object(ObjectRef::of(&self.snapshot.objects[i]))
                        })
                        .collect();
                    Verdict::fail(
                        format!(
                            "expected no {}, found {}",
                            select::describe(&a.select),
                            found.len()
                        ),
                        findings,
                    )
                }
            },
            CheckKindRef::Count(c) => match self.filtered(&c.select, compiled.expr.as_ref()) {
                Err(e) => Verdict::error(e),
                Ok(found) => {
                    let n = u32::try_from(found.len()).unwrap_or(u32::MAX);
                    let range = match (c.min, c.max) {
                        (Some(min), Some(max)) => format!("between {min} and {max}"),
                        (Some(min), None) => format!("at least {min}"),
                        (None, Some(max)) => format!("at most {max}"),
                        (None, None) => "any number".into(),
                    };
                    let what = select::describe(&c.select);
                    if c.min.is_none_or(|min| n >= min) && c.max.is_none_or(|max| n <= max) {
                        Verdict::pass(format!("{n} {what} (expected {range})"))
                    } else {
                        let names: Vec<String> = found
                            .iter()
                            .map(|&i| ObjectRef::of(&self.snapshot.objects[i]).to_string())
                            .collect();
                        let finding = Finding::new(
                            c.message
                                .clone()
                                .unwrap_or_else(|| format!("expected {range} {what}")),
                        )
                        .expected(range.clone())
                        .found(if names.is_empty() {
                            "none".into()
                        } else {
                            format!("{n}: {}", names.join(", "))
                        });
                        Verdict::fail(format!("expected {range} {what}, found {n}"), vec![finding])
                    }
                }
            },
            CheckKindRef::Rbac(r) => self.rbac(r),
            CheckKindRef::Pss(p) => self.pss(p),
            CheckKindRef::Netpol(n) => self.netpol(n),
            CheckKindRef::Policy(p) => self.policy(p),
            CheckKindRef::Probe(p) => self.probe(check_id, p),
            CheckKindRef::Log(l) => self.log(check_id, l, compiled),
            CheckKindRef::NodeFile(n) => self.node_file(n, compiled),
            CheckKindRef::Dockerfile(d) => self.dockerfile(d, compiled),
            CheckKindRef::Answer(a) => self.answer(a, compiled),
        }
    }

    fn object(&self, o: &crate::spec::ObjectCheck, compiled: &Compiled) -> Verdict {
        let Some(expr) = &compiled.expr else {
            return Verdict::error("expression did not compile");
        };
        let selected = self.selected(&o.select);
        if selected.is_empty() {
            let finding = Finding::new(format!("no {} found", select::describe(&o.select)))
                .expected("at least one")
                .found("none");
            return Verdict::fail(
                format!("no {} found", select::describe(&o.select)),
                vec![finding],
            );
        }
        let mut failing = Vec::new();
        let mut passing = 0;
        for &i in &selected {
            let object_ref = ObjectRef::of(&self.snapshot.objects[i]);
            let vars_doc = match self.variables(i, compiled) {
                Ok(v) => CelDoc::from_val(v),
                Err(e) => return Verdict::error(format!("{object_ref}: {e}")),
            };
            let vars = Vars::new()
                .with("object", self.doc(i))
                .with("params", &self.params)
                .with("variables", &vars_doc);
            match expr.eval_bool(&vars) {
                Ok(true) => passing += 1,
                Ok(false) => {
                    let message = match (&compiled.message_expr, &o.message) {
                        (Some(m), _) => m
                            .eval_string(&vars)
                            .unwrap_or_else(|e| format!("messageExpression failed: {e}")),
                        (None, Some(m)) => m.clone(),
                        (None, None) => format!("`{}` is false", expr.source),
                    };
                    failing.push(Finding::new(message).object(object_ref));
                }
                Err(e) => {
                    return Verdict::error(format!(
                        "{object_ref}: evaluating `{}` failed: {e}",
                        expr.source
                    ));
                }
            }
        }
        let ok = match o.quantifier {
            Quantifier::All => failing.is_empty(),
            Quantifier::Any => passing > 0,
        };
        if ok {
            Verdict::pass(format!(
                "{passing} of {} {} satisfy the check",
                selected.len(),
                select::describe(&o.select)
            ))
        } else {
            Verdict::fail(
                format!(
                    "{} of {} {} fail the check",
                    failing.len(),
                    selected.len(),
                    select::describe(&o.select)
                ),
                failing,
            )
        }
    }

    /// Evaluate `variables` in order; each sees the ones before it.
    fn variables(&self, index: usize, compiled: &Compiled) -> Result<Box<dyn Val + 'a>, String> {
        let mut values: Vec<(String, Box<dyn Val + 'a>)> =
            Vec::with_capacity(compiled.variables.len());
        for (name, expr) in &compiled.variables {
            let so_far = CelDoc::from_val(variables_map(values.clone()));
            let vars = Vars::new()
                .with("object", self.doc(index))
                .with("params", &self.params)
                .with("variables", &so_far);
            let value = expr
                .eval_val(&vars)
                .map_err(|e| format!("variable `{name}` failed: {e}"))?;
            values.push((name.clone(), value));
        }
        Ok(variables_map(values))
    }

    fn rbac(&self, r: &crate::spec::RbacCheck) -> Verdict {
        let user = match UserInfo::from_subject(&r.subject) {
            Ok(u) => u,
            Err(e) => return Verdict::error(e),
        };
        let index = self
            .rbac
            .get_or_init(|| RbacIndex::new(&self.snapshot.objects));
        let who = if user.name.is_empty() {
            format!("group {}", user.groups.join(","))
        } else {
            user.name.clone()
        };
        let mut findings = Vec::new();
        for request in &r.can {
            if index.allows(&user, request).is_none() {
                findings.push(
                    Finding::new(format!(
                        "{who} cannot {}: no binding grants it",
                        describe_request(request)
                    ))
                    .rule("can")
                    .expected("allowed")
                    .found("denied"),
                );
            }
        }
        for request in &r.cannot {
            if let Some(grant) = index.allows(&user, request) {
                findings.push(
                    Finding::new(format!(
                        "{who} can {} through {grant}",
                        describe_request(request)
                    ))
                    .rule("cannot")
                    .expected("denied")
                    .found("allowed"),
                );
            }
        }
        let total = r.can.len() + r.cannot.len();
        if findings.is_empty() {
            Verdict::pass(format!("{who}: all {total} permission expectations hold"))
        } else {
            Verdict::fail(
                format!(
                    "{who}: {} of {total} permission expectations are wrong",
                    findings.len()
                ),
                findings,
            )
        }
    }

    fn pss(&self, p: &crate::spec::PssCheck) -> Verdict {
        let level = match p.level {
            crate::spec::PssLevel::Baseline => "baseline",
            crate::spec::PssLevel::Restricted => "restricted",
        };
        let mut checked = 0u32;
        let mut findings = Vec::new();
        for i in self.selected(&p.select) {
            let object = &self.snapshot.objects[i];
            let Some(view) = pod_view(object) else {
                continue;
            };
            checked += 1;
            for v in pss::evaluate(view, p.level) {
                let mut f = Finding::new(v.message)
                    .object(ObjectRef::of(object))
                    .rule(v.check)
                    .expected(v.expected)
                    .found(v.found);
                f.container = v.container;
                findings.push(f);
            }
        }
        if checked < p.min {
            let finding = Finding::new(format!(
                "no pods or workloads matched {}",
                select::describe(&p.select)
            ))
            .expected(format!("at least {}", p.min))
            .found(checked.to_string());
            return Verdict::fail(
                format!(
                    "only {checked} pod specs selected, expected at least {}",
                    p.min
                ),
                vec![finding],
            );
        }
        if findings.is_empty() {
            Verdict::pass(format!("{checked} pod specs meet Pod Security {level}"))
        } else {
            let objects: std::collections::BTreeSet<String> = findings
                .iter()
                .filter_map(|f| f.object.as_ref().map(ToString::to_string))
                .collect();
            Verdict::fail(
                format!(
                    "{} of {checked} pod specs violate Pod Security {level}",
                    objects.len()
                ),
                findings,
            )
        }
    }

    fn probe(&self, check_id: &str, p: &crate::spec::ProbeCheck) -> Verdict {
        use crate::spec::ProbeExpectation;
        let Some(result) = self.snapshot.probes.get(check_id) else {
            if let Some(reason) = self.snapshot.probe_errors.get(check_id) {
                return Verdict::error(format!("the probe could not run: {reason}"));
            }
            return Verdict::error(format!(
                "the probe was not run: no recorded result for `{check_id}` (a live grade runs it from the client pod; a fixture records it in probes/{check_id}.yaml)"
            ));
        };
        let what = format!(
            "{} from {} to {}",
            format!("{:?}", p.client).to_lowercase(),
            if result.client.is_empty() {
                p.from.describe()
            } else {
                result.client.clone()
            },
            p.host()
        );
        let excerpt: String = result.output.chars().take(300).collect();
        let found = format!(
            "exit code {} after {} ms{}",
            result.exit_code,
            result.millis,
            if excerpt.trim().is_empty() {
                String::new()
            } else {
                format!(": {}", excerpt.trim())
            }
        );
        let ok = result.exit_code == 0;
        match p.expect {
            ProbeExpectation::Success if !ok => Verdict::fail(
                format!("{what} failed"),
                vec![
                    Finding::new(format!("`{}` did not succeed", result.command.join(" ")))
                        .rule("probe")
                        .expected("exit code 0")
                        .found(found),
                ],
            ),
            ProbeExpectation::Success => {
                if let Some(text) = &p.output_contains
                    && !result.output.contains(text.as_str())
                {
                    return Verdict::fail(
                        format!("{what} succeeded without the expected output"),
                        vec![
                            Finding::new(format!("the response does not contain {text:?}"))
                                .rule("probe")
                                .expected(format!("output containing {text:?}"))
                                .found(found),
                        ],
                    );
                }
                Verdict::pass(format!("{what} succeeded ({} ms)", result.millis))
            }
            ProbeExpectation::Failure if ok => Verdict::fail(
                format!("{what} succeeded but must be blocked"),
                vec![
                    Finding::new(format!(
                        "`{}` reached the service",
                        result.command.join(" ")
                    ))
                    .rule("probe")
                    .expected("refused or timed out")
                    .found(found),
                ],
            ),
            ProbeExpectation::Failure => Verdict::pass(format!("{what} is blocked ({found})")),
        }
    }

    fn log(&self, check_id: &str, l: &crate::spec::LogCheck, compiled: &Compiled) -> Verdict {
        use crate::spec::LogFormat;
        let Some(expr) = &compiled.expr else {
            return Verdict::error("expression did not compile");
        };
        let label = format!("{}:{}", l.node, l.path);
        let Some(text) = self.snapshot.logs.get(&l.node).and_then(|m| m.get(&l.path)) else {
            return Verdict::error(format!(
                "{label} was not collected (the log does not exist, or the node could not be read)"
            ));
        };
        let record = match &l.trigger {
            None => None,
            Some(_) => match self.snapshot.triggers.get(check_id) {
                Some(r) => Some(r),
                None => {
                    return Verdict::error(format!(
                        "the trigger of `{check_id}` was not performed, so no log entry can be tied to it"
                    ));
                }
            },
        };
        let mut entries = 0usize;
        let mut unparsable = 0usize;
        let mut candidates: Vec<Json> = Vec::new();
        for line in text.lines().filter(|l| !l.trim().is_empty()) {
            let Ok(event) = serde_json::from_str::<Json>(line) else {
                unparsable += 1;
                continue;
            };
            entries += 1;
            if let Some(r) = record {
                let from_trigger = match l.format {
                    // The Audit-Id the API server returned to the grader: unguessable.
                    LogFormat::Audit => event
                        .get("auditID")
                        .and_then(Json::as_str)
                        .is_some_and(|id| r.audit_ids.iter().any(|a| a == id)),
                    LogFormat::Falco | LogFormat::JsonLines => {
                        let time = event
                            .get("time")
                            .or_else(|| event.get("output_fields").and_then(|f| f.get("evt.time")))
                            .and_then(Json::as_str);
                        time.is_some_and(|t| normalize_time(t) >= normalize_time(&r.at))
                    }
                };
                if !from_trigger {
                    continue;
                }
            }
            candidates.push(event);
        }
        let trigger_text = record.map(|r| r.action.clone()).unwrap_or_default();
        if candidates.is_empty() {
            let message = match record {
                Some(r) if l.format == LogFormat::Audit => format!(
                    "no audit event in {label} comes from the grader's request ({}, Audit-Id {}): is audit logging enabled and does the policy log it?",
                    r.action,
                    r.audit_ids.join(", ")
                ),
                Some(r) => format!(
                    "no entry in {label} is newer than the trigger ({} at {})",
                    r.action, r.at
                ),
                None => format!("{label} holds no entries"),
            };
            let mut finding = Finding::new(l.message.clone().unwrap_or_else(|| message.clone()))
                .file(label.clone())
                .rule("log")
                .found(format!(
                    "{entries} entries{}",
                    if unparsable > 0 {
                        format!(", {unparsable} lines that are not JSON")
                    } else {
                        String::new()
                    }
                ));
            if record.is_some() {
                finding = finding.expected("an entry written for the trigger");
            }
            return Verdict::fail(message, vec![finding]);
        }
        let mut first_error = None;
        for event in &candidates {
            let doc = CelDoc::new(event);
            let vars = Vars::new().with("event", &doc).with("params", &self.params);
            match expr.eval_bool(&vars) {
                Ok(true) => {
                    return Verdict::pass(format!(
                        "{label}: an entry{} matches",
                        if trigger_text.is_empty() {
                            String::new()
                        } else {
                            format!(" from the trigger ({trigger_text})")
                        }
                    ));
                }
                Ok(false) => {}
                Err(e) => {
                    first_error.get_or_insert(e);
                }
            }
        }
        let sample = candidates
            .first()
            .map(|e| {
                let mut t = e.to_string();
                t.truncate(400);
                t
            })
            .unwrap_or_default();
        let mut finding = Finding::new(
            l.message
                .clone()
                .unwrap_or_else(|| format!("no entry satisfies {}", expr.source)),
        )
        .file(label.clone())
        .rule("log")
        .expected(expr.source.clone())
        .found(sample);
        if let Some(e) = first_error {
            finding
                .message
                .push_str(&format!(" (the expression failed on some entries: {e})"));
        }
        Verdict::fail(
            format!(
                "{} candidate entries in {label}, none matches",
                candidates.len()
            ),
            vec![finding],
        )
    }

    fn policy(&self, check: &crate::spec::PolicyCheck) -> Verdict {
        use crate::admission::{Admission, Gatekeeper, Request, Vaps};
        use crate::spec::{AdmissionExpectation, PolicyEngine};
        let objects = &self.snapshot.objects;
        let (admission, what) = match check.engine {
            PolicyEngine::Gatekeeper => (
                Admission::Gatekeeper(Gatekeeper::new(objects)),
                "Gatekeeper constraints",
            ),
            PolicyEngine::Vap => (
                Admission::Vap(Vaps::new(objects)),
                "ValidatingAdmissionPolicy bindings",
            ),
        };
        if !admission.problems().is_empty() {
            let findings = admission
                .problems()
                .iter()
                .map(|p| Finding::new(p.clone()).rule("policy-invalid"))
                .collect();
            return Verdict::fail(
                format!(
                    "the admission policies cannot work as written ({} problems)",
                    admission.problems().len()
                ),
                findings,
            );
        }
        let mut findings = Vec::new();
        let mut wrong_cases = 0usize;
        for case in &check.cases {
            let before = findings.len();
            let request = Request {
                object: &case.object,
                operation: &case.operation,
            };
            let decision = admission.decide(&request);
            let verb = format!(
                "{} {}",
                case.operation,
                crate::admission::describe_object(&case.object)
            );
            for w in &decision.warnings {
                findings.push(
                    Finding::new(format!(
                        "case {}: {verb}: the policy failed to evaluate: {w}",
                        case.name
                    ))
                    .rule("policy-error"),
                );
            }
            match (case.expect, decision.denied()) {
                (AdmissionExpectation::Deny, false) => findings.push(
                    Finding::new(format!("case {}: {verb} was admitted", case.name))
                        .rule(case.name.clone())
                        .expected("denied")
                        .found("admitted"),
                ),
                (AdmissionExpectation::Admit, true) => findings.push(
                    Finding::new(format!(
                        "case {}: {verb} was denied: {}",
                        case.name,
                        decision.denials.join("; ")
                    ))
                    .rule(case.name.clone())
                    .expected("admitted")
                    .found("denied"),
                ),
                (AdmissionExpectation::Deny, true) => {
                    if let Some(text) = &case.message_contains {
                        let wanted = text.to_lowercase();
                        if !decision
                            .denials
                            .iter()
                            .any(|d| d.to_lowercase().contains(&wanted))
                        {
                            findings.push(
                                Finding::new(format!(
                                    "case {}: {verb} was denied, but no message mentions {text:?}: {}",
                                    case.name,
                                    decision.denials.join("; ")
                                ))
                                .rule(case.name.clone())
                                .expected(format!("a message containing {text:?}"))
                                .found(decision.denials.join("; ")),
                            );
                        }
                    }
                }
                (AdmissionExpectation::Admit, false) => {}
            }
            if findings.len() > before {
                wrong_cases += 1;
            }
        }
        if admission.in_force() == 0 {
            // Every deny case already failed; say why in one line.
            return Verdict::fail(format!("no {what} exist"), findings);
        }
        if findings.is_empty() {
            Verdict::pass(format!(
                "all {} test requests get the expected decision from {} {what}",
                check.cases.len(),
                admission.in_force()
            ))
        } else {
            Verdict::fail(
                format!(
                    "{wrong_cases} of {} test requests get the wrong decision",
                    check.cases.len()
                ),
                findings,
            )
        }
    }

    fn netpol(&self, check: &crate::spec::NetpolCheck) -> Verdict {
        use crate::spec::{FlowExpectation, NetpolPort};
        let index = self
            .netpol
            .get_or_init(|| NetpolIndex::new(&self.snapshot.objects));
        if !index.problems.is_empty() {
            let list: Vec<String> = index
                .problems
                .iter()
                .map(|(policy, problem)| format!("{policy}: {problem}"))
                .collect();
            return Verdict::error(format!(
                "NetworkPolicies that Kubernetes would reject: {}",
                list.join("; ")
            ));
        }
        let mut unmatched = Vec::new();
        let mut findings = Vec::new();
        let mut failed_rows = 0usize;
        let mut pairs = 0usize;
        for flow in &check.flows {
            let sources = endpoints(index, &flow.from);
            let destinations = endpoints(index, &flow.to);
            for (side, found) in [("from", &sources), ("to", &destinations)] {
                if found.is_empty() {
                    let e = if side == "from" { &flow.from } else { &flow.to };
                    unmatched.push(format!("{side} {} matches no pod", e.describe()));
                }
            }
            if sources.is_empty() || destinations.is_empty() {
                continue;
            }
            let protocol = flow
                .protocol
                .as_deref()
                .map_or(Some(Protocol::Tcp), Protocol::parse)
                .unwrap_or(Protocol::Tcp);
            let flow_port = flow.port.normalized().unwrap_or(NetpolPort::Number(0));
            let port = match &flow_port {
                NetpolPort::Number(n) => FlowPort::Number(*n),
                NetpolPort::Name(n) => FlowPort::Name(n.clone()),
            };
            let port_text = match &flow_port {
                NetpolPort::Number(n) => n.to_string(),
                NetpolPort::Name(n) => n.clone(),
            };
            let want = flow.expect == FlowExpectation::Allow;
            let row = format!(
                "{} → {} on {port_text}/{}",
                flow.from.describe(),
                flow.to.describe(),
                protocol.as_str()
            );
            let mut wrong = Vec::new();
            let pairs_before = pairs;
            for from in &sources {
                for to in &destinations {
                    if let (Endpoint::Pod(a), Endpoint::Pod(b)) = (from, to)
                        && a.id() == b.id()
                    {
                        continue;
                    }
                    pairs += 1;
                    let Some(number) = NetpolIndex::resolve(&port, to, protocol) else {
                        wrong.push(
                            Finding::new(format!(
                                "{row}: {} has no container port named {port_text}",
                                to.describe()
                            ))
                            .rule("named-port")
                            .expected(format!("a {} port named {port_text}", protocol.as_str()))
                            .found("none"),
                        );
                        continue;
                    };
                    let verdict = index.evaluate(from, to, number, protocol);
                    if verdict.allowed() != want {
                        let (expected, found) = if want {
                            ("allow", "deny")
                        } else {
                            ("deny", "allow")
                        };
                        wrong.push(
                            Finding::new(format!(
                                "{row}: {} → {}: {}",
                                from.describe(),
                                to.describe(),
                                verdict.explain(from, to)
                            ))
                            .rule(format!("{expected} {port_text}/{}", protocol.as_str()))
                            .expected(expected)
                            .found(found),
                        );
                    }
                }
            }
            if pairs == pairs_before {
                unmatched.push(format!(
                    "{row} pairs no two different pods (its only source is its only destination)"
                ));
            }
            if !wrong.is_empty() {
                failed_rows += 1;
                let extra = wrong.len().saturating_sub(3);
                findings.extend(wrong.into_iter().take(3));
                if extra > 0 {
                    findings.push(Finding::new(format!(
                        "{row}: {extra} more pod pairs behave the same way"
                    )));
                }
            }
        }
        if !unmatched.is_empty() {
            unmatched.sort();
            unmatched.dedup();
            return Verdict::error(format!(
                "the reachability matrix cannot be evaluated: {} (the pods were deleted, renamed or relabelled)",
                unmatched.join("; ")
            ));
        }
        let rows = check.flows.len();
        if findings.is_empty() {
            Verdict::pass(format!(
                "all {rows} flows behave as expected ({pairs} pod pairs checked)"
            ))
        } else {
            Verdict::fail(
                format!("{failed_rows} of {rows} flows do not behave as expected"),
                findings,
            )
        }
    }

    fn file(&self, node: &str, path: &str) -> Result<&'a NodeFile, Verdict> {
        self.snapshot.node_file(node, path).ok_or_else(|| {
            Verdict::error(format!("{node}:{path} was not collected in this snapshot"))
        })
    }

    fn node_file(&self, n: &crate::spec::NodeFileCheck, compiled: &Compiled) -> Verdict {
        let label = format!("{}:{}", n.node, n.path);
        let file = match self.file(&n.node, &n.path) {
            Ok(f) => f,
            Err(v) => return v,
        };
        let Some(content) = file.content.as_deref() else {
            return if n.absent {
                Verdict::pass(format!("{label} does not exist"))
            } else {
                Verdict::fail(
                    format!("{label} does not exist"),
                    vec![
                        Finding::new("file not found")
                            .file(label.clone())
                            .expected("the file")
                            .found("nothing"),
                    ],
                )
            };
        };
        if n.absent {
            return Verdict::fail(
                format!("{label} still exists"),
                vec![
                    Finding::new("the file must be removed")
                        .file(label)
                        .expected("no file")
                        .found("a file"),
                ],
            );
        }
        let mut findings = Vec::new();
        if let Some(stat) = &n.stat {
            if let Some(max) = stat
                .max_mode
                .as_ref()
                .and_then(|m| u32::from_str_radix(m, 8).ok())
            {
                match file.mode {
                    None => {
                        return Verdict::error(format!(
                            "{label}: the snapshot has no mode for this file"
                        ));
                    }
                    Some(mode) if mode & 0o7777 & !max != 0 => findings.push(
                        Finding::new("file permissions are too open")
                            .file(label.clone())
                            .rule("mode")
                            .expected(format!("{max:04o} or stricter"))
                            .found(format!("{:04o}", mode & 0o7777)),
                    ),
                    Some(_) => {}
                }
            }
            for (what, want, have) in [("uid", stat.uid, file.uid), ("gid", stat.gid, file.gid)] {
                if let Some(want) = want {
                    match have {
                        None => {
                            return Verdict::error(format!(
                                "{label}: the snapshot has no {what} for this file"
                            ));
                        }
                        Some(have) if have != want => findings.push(
                            Finding::new(format!("wrong owner {what}"))
                                .file(label.clone())
                                .rule(what)
                                .expected(want.to_string())
                                .found(have.to_string()),
                        ),
                        Some(_) => {}
                    }
                }
            }
        }
        let parsed: Json = match n.format {
            FileFormat::Text => Json::String(content.to_owned()),
            FileFormat::Json => match serde_json::from_str(content) {
                Ok(v) => v,
                Err(e) => {
                    return Verdict::fail(
                        format!("{label} is not valid JSON"),
                        vec![Finding::new(e.to_string()).file(label)],
                    );
                }
            },
            _ => match crate::yaml::parse_one(content) {
                Ok(v) => v,
                Err(e) => {
                    return Verdict::fail(
                        format!("{label} is not valid YAML"),
                        vec![Finding::new(e).file(label)],
                    );
                }
            },
        };
        let mut flags_json = Json::Null;
        match n.format {
            FileFormat::StaticPod => {
                let component = n
                    .component
                    .clone()
                    .unwrap_or_else(|| nodefile::component_from_path(&n.path));
                let Some((container, flags)) =
                    nodefile::component_flags(&parsed, &component, ArgSplitting::Exec)
                else {
                    return Verdict::fail(
                        format!("{label}: no container runs {component}"),
                        vec![
                            Finding::new(format!("no container runs {component}"))
                                .file(label)
                                .expected(component)
                                .found("none"),
                        ],
                    );
                };
                for item in &flags.merged_items {
                    findings.push(
                        Finding::new("several flags in one list item: the kubelet passes it as ONE argument, so the component sees one flag with a long value; put each flag in its own item")
                            .file(label.clone())
                            .container(container.clone())
                            .rule("argument")
                            .found(format!("{item:?}")),
                    );
                }
                for a in &n.flags {
                    if let Some(f) = flag_finding(a, &flags, &component) {
                        findings.push(f.file(label.clone()).container(container.clone()));
                    }
                }
                flags_json = flags.last_values();
            }
            FileFormat::KubeletConfig => {
                if let Some(kind) = parsed.get("kind").and_then(Json::as_str)
                    && kind != "KubeletConfiguration"
                {
                    findings.push(
                        Finding::new("not a KubeletConfiguration")
                            .file(label.clone())
                            .expected("KubeletConfiguration")
                            .found(kind),
                    );
                }
            }
            FileFormat::AuditPolicy => {
                for expect in &n.audit {
                    let request = nodefile::AuditRequest {
                        user: expect.user.as_deref(),
                        groups: &expect.groups,
                        verb: expect.verb.as_deref(),
                        api_group: expect.api_group.as_deref().unwrap_or(""),
                        resource: expect.resource.as_deref(),
                        namespace: expect.namespace.as_deref(),
                        name: None,
                        non_resource_url: expect.non_resource_url.as_deref(),
                    };
                    let (level, rule) = nodefile::audit_level(&parsed, &request);
                    if !expect.levels.contains(&level) {
                        let what = expect
                            .resource
                            .as_deref()
                            .or(expect.non_resource_url.as_deref())
                            .unwrap_or("requests");
                        let decided = rule.map_or("no rule matches".to_string(), |r| {
                            format!("rule {} matches first", r + 1)
                        });
                        findings.push(
                            Finding::new(format!("{what} is logged at {level} ({decided})"))
                                .file(label.clone())
                                .rule("audit-level")
                                .expected(expect.levels.join(" or "))
                                .found(level),
                        );
                    }
                }
            }
            FileFormat::EncryptionConfig => {
                for expect in &n.encryption {
                    match nodefile::encryption_providers(&parsed, &expect.resource) {
                        None => findings.push(
                            Finding::new(format!(
                                "{} is not configured: stored unencrypted",
                                expect.resource
                            ))
                            .file(label.clone())
                            .rule("encryption")
                            .expected(expect.providers.join(" or "))
                            .found("no entry"),
                        ),
                        Some(providers) => {
                            let first = providers.first().cloned().unwrap_or_else(|| "none".into());
                            if !expect.providers.contains(&first) {
                                findings.push(
                                    Finding::new(format!(
                                        "new writes of {} use the first provider, {first}",
                                        expect.resource
                                    ))
                                    .file(label.clone())
                                    .rule("encryption")
                                    .expected(expect.providers.join(" or "))
                                    .found(first),
                                );
                            }
                        }
                    }
                }
            }
            FileFormat::Yaml | FileFormat::Json | FileFormat::Text => {}
        }
        if let Some(expr) = &compiled.expr {
            let file_doc = CelDoc::new(&parsed);
            let text_doc = CelDoc::text(content);
            let flags_doc = CelDoc::new(&flags_json);
            let vars = Vars::new()
                .with("file", &file_doc)
                .with("text", &text_doc)
                .with("flags", &flags_doc)
                .with("params", &self.params);
            match expr.eval_bool(&vars) {
                Ok(true) => {}
                Ok(false) => findings.push(
                    Finding::new(
                        n.message
                            .clone()
                            .unwrap_or_else(|| format!("`{}` is false", expr.source)),
                    )
                    .file(label.clone()),
                ),
                Err(e) => {
                    return Verdict::error(format!(
                        "{label}: evaluating `{}` failed: {e}",
                        expr.source
                    ));
                }
            }
        }
        if findings.is_empty() {
            Verdict::pass(format!("{label} is configured as required"))
        } else {
            Verdict::fail(format!("{label}: {} problem(s)", findings.len()), findings)
        }
    }

    fn dockerfile(&self, d: &crate::spec::DockerfileCheck, compiled: &Compiled) -> Verdict {
        let label = format!("{}:{}", d.node, d.path);
        let file = match self.file(&d.node, &d.path) {
            Ok(f) => f,
            Err(v) => return v,
        };
        let Some(content) = file.content.as_deref() else {
            return Verdict::fail(
                format!("{label} does not exist"),
                vec![Finding::new("file not found").file(label)],
            );
        };
        let model = match dockerfile::model(content) {
            Ok(m) => m,
            Err(e) => {
                return Verdict::fail(
                    format!("{label} does not parse"),
                    vec![Finding::new(e).file(label)],
                );
            }
        };
        let Some(expr) = &compiled.expr else {
            return Verdict::error("expression did not compile");
        };
        let doc = CelDoc::new(&model);
        let vars = Vars::new()
            .with("dockerfile", &doc)
            .with("params", &self.params);
        match expr.eval_bool(&vars) {
            Ok(true) => Verdict::pass(format!("{label} meets the check")),
            Ok(false) => Verdict::fail(
                format!("{label} fails the check"),
                vec![
                    Finding::new(
                        d.message
                            .clone()
                            .unwrap_or_else(|| format!("`{}` is false", expr.source)),
                    )
                    .file(label),
                ],
            ),
            Err(e) => Verdict::error(format!("{label}: evaluating `{}` failed: {e}", expr.source)),
        }
    }

    fn answer(&self, a: &crate::spec::AnswerCheck, compiled: &Compiled) -> Verdict {
        let Some(answers) = &self.snapshot.answers else {
            return Verdict::error("no answers were recorded for this attempt");
        };
        let Some(given) = answers.get(&a.key).map(|s| s.trim()) else {
            return Verdict::fail(
                format!("no answer for `{}`", a.key),
                vec![Finding::new("no answer given").rule(a.key.clone())],
            );
        };
        let same = |want: &str| {
            if a.ignore_case {
                want.trim().eq_ignore_ascii_case(given)
            } else {
                want.trim() == given
            }
        };
        let ok = a.equals.as_deref().is_some_and(same)
            || a.one_of.iter().any(|w| same(w))
            || compiled.regex.as_ref().is_some_and(|re| re.is_match(given));
        if ok {
            Verdict::pass(format!("answer `{}` is right", a.key))
        } else {
            Verdict::fail(
                format!("answer `{}` is wrong", a.key),
                vec![
                    Finding::new("wrong answer")
                        .rule(a.key.clone())
                        .found(format!("{given:?}")),
                ],
            )
        }
    }
}

/// Check one flag assertion; `None` when it holds.
/// An RFC 3339 UTC time made comparable as text: `2026-11-27T04:00:00Z` and
/// `2026-11-27T04:00:00.25Z` become `2026-11-27T04:00:00.000000000` and `…00.250000000`.
fn normalize_time(t: &str) -> String {
    let t = t.trim().trim_end_matches('Z').trim_end_matches("+00:00");
    let (base, fraction) = t.split_once('.').unwrap_or((t, ""));
    let digits: String = fraction
        .chars()
        .filter(char::is_ascii_digit)
        .take(9)
        .collect();
    format!("{base}.{digits:0<9}")
}

/// Pods (or the IP) a flow endpoint names.
fn endpoints<'i>(index: &'i NetpolIndex, e: &'i crate::spec::NetpolEndpoint) -> Vec<Endpoint<'i>> {
    if let Some(ip) = &e.ip {
        return ip.parse().map(Endpoint::Ip).into_iter().collect();
    }
    let Some(namespace) = e.namespace.as_deref() else {
        return Vec::new();
    };
    index
        .pods_matching(namespace, e.name.as_deref(), &e.labels)
        .map(Endpoint::Pod)
        .collect()
}

/// What is wrong with one flow of a `netpol` check, for lint.
fn netpol_flow_problems(flow: &crate::spec::NetpolFlow) -> Vec<String> {
    let mut out = Vec::new();
    for (side, e) in [("from", &flow.from), ("to", &flow.to)] {
        match &e.ip {
            Some(ip) => {
                if ip.parse::<std::net::IpAddr>().is_err() {
                    out.push(format!("{side}.ip: {ip:?} is not an IP address"));
                }
                if e.namespace.is_some() || e.name.is_some() || !e.labels.is_empty() {
                    out.push(format!(
                        "{side}: an ip endpoint takes no namespace, name or labels"
                    ));
                }
            }
            None => {
                if e.namespace.is_none() {
                    out.push(format!("{side}: set `namespace` (pods) or `ip`"));
                }
            }
        }
    }
    if flow.from.ip.is_some() && flow.to.ip.is_some() {
        out.push("at least one end of a flow must be pods".into());
    }
    if let Some(p) = &flow.protocol
        && Protocol::parse(p).is_none()
    {
        out.push(format!("protocol: {p:?} is not TCP, UDP or SCTP"));
    }
    match &flow.port.normalized() {
        Err(e) => out.push(format!("port: {e}")),
        Ok(crate::spec::NetpolPort::Number(0)) => out.push("port: 0 is not a port".into()),
        Ok(crate::spec::NetpolPort::Name(n)) if n.is_empty() => {
            out.push("port: empty port name".into())
        }
        Ok(crate::spec::NetpolPort::Name(n)) if flow.to.ip.is_some() => out.push(format!(
            "port: the named port {n:?} cannot be resolved on an IP destination"
        )),
        _ => {}
    }
    out
}

fn flag_finding(
    a: &crate::spec::FlagAssertion,
    flags: &nodefile::Flags,
    component: &str,
) -> Option<Finding> {
    let actual = flags.get(&a.flag);
    // The author's default, else the component's own: an absent `--anonymous-auth` is `true`.
    let default = a
        .default
        .as_deref()
        .or_else(|| nodefile::builtin_default(component, &a.flag));
    let effective = actual.or(default);
    // List-valued flags (string slices such as --authorization-mode or
    // --enable-admission-plugins) accumulate: a repeated flag appends to the list instead of
    // replacing it, so list assertions look at every occurrence.
    let occurrences: Vec<&str> = flags
        .values
        .get(&a.flag)
        .map(|v| v.iter().map(String::as_str).collect())
        .unwrap_or_default();
    let list: Vec<&str> = if occurrences.is_empty() {
        effective.map(nodefile::list_items).unwrap_or_default()
    } else {
        occurrences
            .iter()
            .flat_map(|v| nodefile::list_items(v))
            .collect()
    };
    let shown = match (actual, default) {
        (Some(_), _) if occurrences.len() > 1 => format!(
            "{} occurrences: {}",
            occurrences.len(),
            occurrences
                .iter()
                .map(|o| format!("{o:?}"))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        (Some(v), _) => format!("{v:?}"),
        (None, Some(d)) => format!("unset (default {d:?})"),
        (None, None) => "unset".into(),
    };
    let fail = |message: String, expected: String| {
        Some(
            Finding::new(message)
                .rule(a.flag.clone())
                .expected(expected)
                .found(shown.clone()),
        )
    };
    if let Some(present) = a.present
        && present != actual.is_some()
    {
        return fail(
            format!(
                "{} must {}",
                a.flag,
                if present { "be set" } else { "not be set" }
            ),
            if present {
                "set".into()
            } else {
                "unset".into()
            },
        );
    }
    if let Some(want) = &a.equals
        && effective != Some(want.as_str())
    {
        return fail(format!("{} must be {want}", a.flag), format!("{want:?}"));
    }
    if let Some(bad) = &a.not_equals
        && effective == Some(bad.as_str())
    {
        return fail(
            format!("{} must not be {bad}", a.flag),
            format!("anything but {bad:?}"),
        );
    }
    if let Some(item) = &a.contains
        && !list.contains(&item.as_str())
    {
        return fail(
            format!("{} must include {item}", a.flag),
            format!("a list containing {item}"),
        );
    }
    if let Some(item) = &a.not_contains
        && list.contains(&item.as_str())
    {
        return fail(
            format!("{} must not include {item}", a.flag),
            format!("a list without {item}"),
        );
    }
    if a.non_empty == Some(true) && effective.is_none_or(str::is_empty) {
        return fail(
            format!("{} must have a value", a.flag),
            "a non-empty value".into(),
        );
    }
    None
}

#[cfg(test)]
mod flag_tests {
    use super::*;
    use crate::spec::FlagAssertion;

    fn flags(argv: &[&str]) -> nodefile::Flags {
        nodefile::Flags {
            values: nodefile::parse_flags(&argv.iter().map(|s| s.to_string()).collect::<Vec<_>>()),
            merged_items: Vec::new(),
        }
    }

    #[test]
    fn repeated_list_flags_accumulate_like_string_slices() {
        let a = FlagAssertion {
            flag: "--authorization-mode".into(),
            not_contains: Some("AlwaysAllow".into()),
            ..Default::default()
        };
        // AlwaysAllow first and Node,RBAC later is still AlwaysAllow,Node,RBAC for kube-apiserver.
        assert!(
            flag_finding(
                &a,
                &flags(&[
                    "--authorization-mode=AlwaysAllow",
                    "--authorization-mode=Node,RBAC"
                ]),
                "kube-apiserver"
            )
            .is_some()
        );
        assert!(
            flag_finding(
                &a,
                &flags(&[
                    "--authorization-mode=Node,RBAC",
                    "--authorization-mode=AlwaysAllow"
                ]),
                "kube-apiserver"
            )
            .is_some()
        );
        assert!(
            flag_finding(
                &a,
                &flags(&["--authorization-mode=Node,RBAC"]),
                "kube-apiserver"
            )
            .is_none()
        );
        let c = FlagAssertion {
            flag: "--enable-admission-plugins".into(),
            contains: Some("NodeRestriction".into()),
            ..Default::default()
        };
        assert!(
            flag_finding(
                &c,
                &flags(&[
                    "--enable-admission-plugins=NodeRestriction",
                    "--enable-admission-plugins=PodSecurity"
                ]),
                "kube-apiserver"
            )
            .is_none()
        );
        let d = FlagAssertion {
            flag: "--authorization-mode".into(),
            default: Some("AlwaysAllow".into()),
            not_contains: Some("AlwaysAllow".into()),
            ..Default::default()
        };
        assert!(
            flag_finding(&d, &flags(&[]), "kube-apiserver").is_some(),
            "an absent flag takes the component default"
        );
    }

    #[test]
    fn scalar_flags_take_the_last_occurrence() {
        let a = FlagAssertion {
            flag: "--profiling".into(),
            default: Some("true".into()),
            equals: Some("false".into()),
            ..Default::default()
        };
        assert!(
            flag_finding(
                &a,
                &flags(&["--profiling=true", "--profiling=false"]),
                "kube-apiserver"
            )
            .is_none()
        );
        assert!(
            flag_finding(
                &a,
                &flags(&["--profiling=false", "--profiling=true"]),
                "kube-apiserver"
            )
            .is_some()
        );
        assert!(flag_finding(&a, &flags(&[]), "kube-apiserver").is_some());
    }

    #[test]
    fn absent_flags_take_the_components_own_default() {
        let anonymous_off = FlagAssertion {
            flag: "--anonymous-auth".into(),
            equals: Some("false".into()),
            ..Default::default()
        };
        let found = flag_finding(&anonymous_off, &flags(&[]), "kube-apiserver")
            .expect("an absent --anonymous-auth is true on kube-apiserver");
        assert_eq!(found.found.as_deref(), Some("unset (default \"true\")"));
        assert!(
            flag_finding(
                &anonymous_off,
                &flags(&["--anonymous-auth=false"]),
                "kube-apiserver"
            )
            .is_none()
        );
        let profiling_off = FlagAssertion {
            flag: "--profiling".into(),
            equals: Some("false".into()),
            ..Default::default()
        };
        for component in [
            "kube-apiserver",
            "kube-controller-manager",
            "kube-scheduler",
        ] {
            assert!(
                flag_finding(&profiling_off, &flags(&[]), component).is_some(),
                "{component}"
            );
        }
        let client_cert = FlagAssertion {
            flag: "--client-cert-auth".into(),
            equals: Some("true".into()),
            ..Default::default()
        };
        assert!(flag_finding(&client_cert, &flags(&[]), "etcd").is_some());
        // An author's default wins over the built-in one.
        let custom = FlagAssertion {
            flag: "--anonymous-auth".into(),
            default: Some("false".into()),
            equals: Some("false".into()),
            ..Default::default()
        };
        assert!(flag_finding(&custom, &flags(&[]), "kube-apiserver").is_none());
        // Unknown components have no default: `equals` on an unset flag fails.
        let unknown = FlagAssertion {
            flag: "--anonymous-auth".into(),
            equals: Some("true".into()),
            ..Default::default()
        };
        assert!(flag_finding(&unknown, &flags(&[]), "my-proxy").is_some());
    }
}

#[cfg(test)]
mod compile_tests {
    use super::*;

    fn compile(check: serde_json::Value) -> Result<CompiledChecks, Vec<CompileProblem>> {
        CompiledChecks::compile(&[serde_json::from_value(check).unwrap()])
    }

    #[test]
    fn selectors_must_be_collectable_from_a_cluster() {
        // Without a kind, a cluster is asked for nothing and `absent` would pass trivially.
        let p = compile(serde_json::json!({"id": "a", "absent": {"select": {"namespace": "x"}}}))
            .unwrap_err();
        assert!(p[0].message.contains("select.kind is required"), "{p:?}");
        let p = compile(
            serde_json::json!({"id": "a", "count": {"select": {"kind": "Widget"}, "min": 1}}),
        )
        .unwrap_err();
        assert!(
            p[0].message.contains("select.apiVersion is required"),
            "{p:?}"
        );
        assert!(compile(serde_json::json!({"id": "a", "count": {"select": {"kind": "Widget", "apiVersion": "example.com/v1"}, "min": 1}})).is_ok());
        assert!(
            compile(serde_json::json!({"id": "a", "absent": {"select": {"kind": "Pod"}}})).is_ok()
        );
        // pss without a kind reads every pod-bearing kind, each with its version.
        assert!(compile(serde_json::json!({"id": "a", "pss": {"level": "baseline", "select": {"namespace": "x"}}})).is_ok());
    }
}
