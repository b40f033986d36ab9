//! `labs verify`: prove a lab on a real cluster. Reset → setup → every scored check fails →
//! solution → every check passes → reset leaves nothing of the lab.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use cks_checks::{Snapshot, Status};
use cks_cluster::{
    Condition, Connection, DirNode, NodeAccess, NodeBackups, OwnedCluster, collect_objects,
    parse_duration, patch_flags,
};
use cks_labs::LoadedLab;
use cks_labs::model::WaitCondition;
use cks_labs::steps::RenderedStep;
use serde::Serialize;
use serde_json::Value as Json;

use crate::{App, AppError, render_lab};

/// One phase of a verification.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct VerifyPhase {
    pub name: String,
    pub ok: bool,
    pub millis: u64,
    pub details: Vec<String>,
}

/// The result of verifying one lab.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct VerifyReport {
    pub lab_id: String,
    /// `verified`, `failed` or `skipped`.
    pub status: String,
    pub reason: Option<String>,
    pub phases: Vec<VerifyPhase>,
}

impl VerifyReport {
    fn skipped(lab_id: &str, reason: String) -> VerifyReport {
        VerifyReport {
            lab_id: lab_id.to_owned(),
            status: "skipped".into(),
            reason: Some(reason),
            phases: Vec::new(),
        }
    }
}

/// The nodes a lab may read and change, with the backups reset restores.
#[derive(Debug)]
pub struct Nodes {
    pub nodes: Vec<Box<dyn NodeAccess>>,
    pub data_dir: std::path::PathBuf,
}

impl Nodes {
    /// Directory nodes: every sub-folder of `root` is a node named after it.
    pub fn from_dir(root: &std::path::Path, data_dir: &std::path::Path) -> Result<Nodes, AppError> {
        let mut nodes: Vec<Box<dyn NodeAccess>> = Vec::new();
        let entries =
            std::fs::read_dir(root).map_err(|_| AppError::PathNotFound(root.to_path_buf()))?;
        let mut dirs: Vec<_> = entries
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|p| p.is_dir())
            .collect();
        dirs.sort();
        for d in dirs {
            let name = d
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            nodes.push(Box::new(DirNode::new(&name, &d)));
        }
        Ok(Nodes {
            nodes,
            data_dir: data_dir.to_path_buf(),
        })
    }

    fn get(&self, name: &str) -> Result<&dyn NodeAccess, String> {
        self.nodes
            .iter()
            .find(|n| n.name() == name)
            .map(AsRef::as_ref)
            .ok_or_else(|| format!("no node {name:?}"))
    }

    fn backups(&self, lab_id: &str) -> NodeBackups {
        NodeBackups::new(&self.data_dir, lab_id)
    }

    /// Restore every node file the lab changed.
    pub fn restore(&self, lab_id: &str) -> Result<usize, String> {
        let refs: Vec<&dyn NodeAccess> = self.nodes.iter().map(AsRef::as_ref).collect();
        self.backups(lab_id)
            .restore(&refs)
            .map_err(|e| e.to_string())
    }

    fn read_files(
        &self,
        files: &[(String, String)],
    ) -> Result<BTreeMap<String, BTreeMap<String, cks_checks::NodeFile>>, String> {
        let mut out: BTreeMap<String, BTreeMap<String, cks_checks::NodeFile>> = BTreeMap::new();
        for (node, path) in files {
            let file = self.get(node)?.read(path).map_err(|e| e.to_string())?;
            out.entry(node.clone())
                .or_default()
                .insert(path.clone(), file);
        }
        Ok(out)
    }
}

fn run_node_step(
    lab: &LoadedLab,
    nodes: &Nodes,
    step: &cks_labs::model::NodeStep,
    params: &BTreeMap<String, Json>,
) -> Result<String, String> {
    let node = nodes.get(&step.host)?;
    let backups = nodes.backups(&lab.lab.id);
    if let Some(path) = &step.edit {
        backups.save(node, path).map_err(|e| e.to_string())?;
        let current = node
            .read(path)
            .map_err(|e| e.to_string())?
            .content
            .ok_or_else(|| format!("{}:{path} does not exist", step.host))?;
        let patch = step.patch.clone().unwrap_or_default();
        let patched = patch_flags(&current, &patch.set_flag, &patch.remove_flag)?;
        node.write(path, &patched, None)
            .map_err(|e| e.to_string())?;
        return Ok(format!("edited {}:{path}", step.host));
    }
    if let Some(path) = &step.write {
        backups.save(node, path).map_err(|e| e.to_string())?;
        let from = step.from.as_deref().ok_or("a write step needs `from`")?;
        let text =
            std::fs::read_to_string(lab.dir.join(from)).map_err(|e| format!("{from}: {e}"))?;
        let content = cks_labs::Sandbox::new(params).render(&text)?;
        let mode = step
            .mode
            .as_deref()
            .and_then(|m| u32::from_str_radix(m, 8).ok());
        node.write(path, &content, mode)
            .map_err(|e| e.to_string())?;
        return Ok(format!("wrote {}:{path}", step.host));
    }
    if let Some(path) = &step.remove {
        backups.save(node, path).map_err(|e| e.to_string())?;
        node.remove(path).map_err(|e| e.to_string())?;
        return Ok(format!("removed {}:{path}", step.host));
    }
    Err("a node step needs edit, write or remove".into())
}

/// Run rendered steps against an owned cluster and/or nodes.
pub(crate) async fn run_steps_on(
    cluster: Option<&OwnedCluster>,
    nodes: Option<&Nodes>,
    lab: &LoadedLab,
    params: &BTreeMap<String, Json>,
    steps: &[RenderedStep],
    progress: &(dyn Fn(&str) + Send + Sync),
) -> Result<Vec<String>, String> {
    let mut log = Vec::new();
    if let Some(cluster) = cluster {
        ensure_namespaces(cluster, &lab.lab.id, steps).await?;
    }
    for step in steps {
        let lines = if let RenderedStep::Node(n) = step {
            let nodes = nodes.ok_or("node steps need node access")?;
            vec![run_node_step(lab, nodes, n, params)?]
        } else {
            let cluster = cluster.ok_or("this step needs a cluster")?;
            run_steps(cluster, &lab.lab.id, std::slice::from_ref(step)).await?
        };
        for line in lines {
            progress(&line);
            log.push(line);
        }
    }
    Ok(log)
}

/// Create every Namespace the steps' manifests hold before anything else: the files of one
/// glob are applied one by one, and a file sorting before the one with the Namespace must
/// still apply.
async fn ensure_namespaces(
    cluster: &OwnedCluster,
    lab_id: &str,
    steps: &[RenderedStep],
) -> Result<(), String> {
    let namespaces: Vec<serde_json::Value> = steps
        .iter()
        .filter_map(|s| match s {
            RenderedStep::Apply { objects, .. } => Some(objects),
            _ => None,
        })
        .flatten()
        .filter(|o| o.get("kind").and_then(serde_json::Value::as_str) == Some("Namespace"))
        .cloned()
        .collect();
    if !namespaces.is_empty() {
        cluster
            .apply(lab_id, "namespaces", &namespaces)
            .await
            .map_err(|e| e.to_string())?;
    }
    Ok(())
}

/// Run rendered steps against an owned cluster.
pub(crate) async fn run_steps(
    cluster: &OwnedCluster,
    lab_id: &str,
    steps: &[RenderedStep],
) -> Result<Vec<String>, String> {
    let mut log = Vec::new();
    ensure_namespaces(cluster, lab_id, steps).await?;
    for step in steps {
        match step {
            RenderedStep::Apply { file, objects } => {
                let applied = cluster
                    .apply(lab_id, file, objects)
                    .await
                    .map_err(|e| e.to_string())?;
                log.push(format!("applied {file} ({} objects)", applied.len()));
            }
            RenderedStep::Kubectl(args) => {
                cluster.kubectl(args).await.map_err(|e| e.to_string())?;
                log.push(format!("kubectl {}", args.join(" ")));
            }
            RenderedStep::Wait {
                api_version,
                kind,
                namespace,
                name,
                condition,
                timeout,
            } => {
                let condition = match condition {
                    WaitCondition::Exists => Condition::Exists,
                    WaitCondition::Available => Condition::Available,
                    WaitCondition::Ready => Condition::Ready,
                    WaitCondition::Deleted => Condition::Deleted,
                };
                let api_version = api_version.clone().unwrap_or_else(|| {
                    if kind == "Deployment" {
                        "apps/v1".into()
                    } else {
                        "v1".into()
                    }
                });
                let timeout = timeout
                    .as_deref()
                    .and_then(parse_duration)
                    .unwrap_or(Duration::from_secs(60));
                cluster
                    .connection()
                    .wait_for(
                        &api_version,
                        kind,
                        namespace.as_deref(),
                        name,
                        condition,
                        timeout,
                    )
                    .await
                    .map_err(|e| e.to_string())?;
                log.push(format!("waited for {kind} {name}"));
            }
            RenderedStep::Node(_) => {
                return Err(
                    "node steps need node access, which this cluster connection does not have"
                        .into(),
                );
            }
        }
    }
    Ok(log)
}

/// Collect a snapshot for the lab's checks and grade it.
pub(crate) async fn grade_live(
    connection: &Connection,
    loaded: &LoadedLab,
    params: &BTreeMap<String, Json>,
) -> Result<Vec<cks_checks::Outcome>, String> {
    grade_on(Some(connection), None, loaded, params).await
}

/// Collect from a cluster and/or nodes (what is absent stays absent: those checks error).
pub(crate) async fn grade_on(
    connection: Option<&Connection>,
    nodes: Option<&Nodes>,
    loaded: &LoadedLab,
    params: &BTreeMap<String, Json>,
) -> Result<Vec<cks_checks::Outcome>, String> {
    let rendered = loaded.render(params).map_err(|p| {
        p.iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join("; ")
    })?;
    let specs: Vec<cks_checks::CheckSpec> = rendered.checks.specs().cloned().collect();
    let selections = cks_checks::spec::selections(&specs);
    // Behaviour first: triggers just before the logs are read, probes before the objects.
    let mut triggers = BTreeMap::new();
    let mut probes = BTreeMap::new();
    let mut probe_errors = BTreeMap::new();
    if let Some(c) = connection {
        for spec in &specs {
            match spec.kind() {
                Some(cks_checks::spec::CheckKindRef::Log(l)) => {
                    if let Some(t) = &l.trigger {
                        let record = cks_cluster::perform_trigger(c, t)
                            .await
                            .map_err(|e| format!("trigger of `{}`: {e}", spec.id))?;
                        triggers.insert(spec.id.clone(), record);
                    }
                }
                Some(cks_checks::spec::CheckKindRef::Probe(p)) => {
                    // A probe that cannot run (client pod gone, Service not the lab's) records
                    // nothing: the check is then an error, never a pass.
                    match cks_cluster::run_probe(c, &loaded.lab.id, p).await {
                        Ok(result) => {
                            probes.insert(spec.id.clone(), result);
                        }
                        Err(e) => {
                            probe_errors.insert(spec.id.clone(), e.to_string());
                        }
                    }
                }
                _ => {}
            }
        }
    }
    let objects = match connection {
        Some(c) if !selections.selectors.is_empty() || selections.rbac => {
            collect_objects(c, &selections)
                .await
                .map_err(|e| e.to_string())?
        }
        _ => Vec::new(),
    };
    let node_files = match nodes {
        Some(n) => n.read_files(&selections.node_files)?,
        None => BTreeMap::new(),
    };
    let mut logs: BTreeMap<String, BTreeMap<String, String>> = BTreeMap::new();
    if let Some(n) = nodes
        && !selections.logs.is_empty()
    {
        for (node, files) in n.read_files(&selections.logs)? {
            for (path, file) in files {
                if let Some(content) = file.content {
                    logs.entry(node.clone()).or_default().insert(path, content);
                }
            }
        }
    }
    let snapshot = Snapshot {
        objects,
        nodes: node_files,
        params: params.clone(),
        answers: Some(BTreeMap::new()),
        probes,
        probe_errors,
        logs,
        triggers,
        ..Default::default()
    };
    Ok(rendered.checks.grade(&snapshot))
}

impl App {
    /// Grade a lab on a live cluster for the given params (collect exactly what the checks
    /// select, then the engine). Nothing is recorded.
    pub async fn check_live(
        &self,
        lab_id: &str,
        connection: &Connection,
        params: &BTreeMap<String, Json>,
    ) -> Result<Vec<cks_checks::Outcome>, AppError> {
        let loaded = self.lab(lab_id)?;
        grade_live(connection, &loaded, params)
            .await
            .map_err(|message| AppError::LiveGrade {
                id: lab_id.to_owned(),
                message,
            })
    }

    /// Run a lab's setup (or solution) steps on an owned cluster for the given params.
    pub async fn run_lab_steps(
        &self,
        lab_id: &str,
        cluster: &OwnedCluster,
        params: &BTreeMap<String, Json>,
        solution: bool,
    ) -> Result<Vec<String>, AppError> {
        let loaded = self.lab(lab_id)?;
        let steps =
            loaded
                .render_steps(params, solution)
                .map_err(|message| AppError::LiveGrade {
                    id: lab_id.to_owned(),
                    message,
                })?;
        run_steps(cluster, lab_id, &steps)
            .await
            .map_err(|message| AppError::LiveGrade {
                id: lab_id.to_owned(),
                message,
            })
    }

    /// Delete everything the lab created on an owned cluster and wait until it is gone.
    pub async fn reset_lab(
        &self,
        lab_id: &str,
        cluster: &OwnedCluster,
        params: &BTreeMap<String, Json>,
    ) -> Result<usize, AppError> {
        let loaded = self.lab(lab_id)?;
        let kinds = loaded
            .applied_kinds(params)
            .map_err(|message| AppError::LiveGrade {
                id: lab_id.to_owned(),
                message,
            })?;
        Ok(cluster
            .reset(lab_id, &kinds, Duration::from_secs(120))
            .await?)
    }

    /// Verify one lab on an owned cluster (params from seed 0, as the fixtures' first draw).
    pub async fn verify_lab(
        &self,
        lab_id: &str,
        cluster: &OwnedCluster,
    ) -> Result<VerifyReport, AppError> {
        self.verify_lab_on(lab_id, Some(cluster), None).await
    }

    /// Verify one lab with whatever it needs: a cluster for API objects, nodes for node files.
    /// A lab whose needs are not all present is skipped with the reason.
    pub async fn verify_lab_on(
        &self,
        lab_id: &str,
        cluster: Option<&OwnedCluster>,
        nodes: Option<&Nodes>,
    ) -> Result<VerifyReport, AppError> {
        let loaded = self.lab(lab_id)?;
        let params = loaded.draw_params(0);
        let rendered = render_lab(&loaded, &params, lab_id)?;
        let specs: Vec<cks_checks::CheckSpec> = rendered.checks.specs().cloned().collect();
        let selections = cks_checks::spec::selections(&specs);
        let needs_nodes = loaded.has_node_steps()
            || !selections.node_files.is_empty()
            || !selections.logs.is_empty();
        let needs_cluster = !selections.selectors.is_empty()
            || selections.rbac
            || loaded
                .lab
                .setup
                .iter()
                .chain(&loaded.lab.solution.steps)
                .any(|s| !matches!(s, cks_labs::model::Step::Node(_)));
        if loaded.lab.solution.steps.is_empty() {
            return Ok(VerifyReport::skipped(lab_id, "has no automated solution steps (solution.md explains the fix): verified offline by its fixtures".into()));
        }
        if !selections.answers.is_empty() {
            return Ok(VerifyReport::skipped(
                lab_id,
                "grades the learner's written answers: verified offline by its fixtures".into(),
            ));
        }
        if needs_nodes && nodes.is_none() {
            return Ok(VerifyReport::skipped(lab_id, "changes or reads node files: verify it with node access (`--node-dir` for the directory-node tier)".into()));
        }
        if needs_cluster && cluster.is_none() {
            return Ok(VerifyReport::skipped(lab_id, "needs a cluster".into()));
        }
        if let Some(r) = loaded.lab.requires.iter().find(|r| {
            !matches!(
                r,
                cks_labs::Requirement::Seccomp | cks_labs::Requirement::Node
            )
        }) {
            return Ok(VerifyReport::skipped(
                lab_id,
                format!("requires {}", r.as_str()),
            ));
        }
        let mut report = VerifyReport {
            lab_id: lab_id.to_owned(),
            status: "verified".into(),
            reason: None,
            phases: Vec::new(),
        };
        let kinds = match loaded.applied_kinds(&params) {
            Ok(k) => k,
            Err(e) => {
                return Ok(VerifyReport {
                    status: "failed".into(),
                    reason: Some(e),
                    ..report
                });
            }
        };
        if let Some(c) = cluster
            && !selections.probes.is_empty()
            && !c.has_nodes().await.unwrap_or(false)
        {
            return Ok(VerifyReport::skipped(
                lab_id,
                "runs probes from a client pod: needs a cluster whose pods really run (kind); verified offline by its fixtures".into(),
            ));
        }
        if let Some(c) = cluster {
            let mut missing = Vec::new();
            for (api_version, kind) in &kinds {
                match c.serves(api_version, kind).await {
                    Ok(true) => {}
                    Ok(false) => missing.push(format!("{api_version} {kind}")),
                    Err(e) => {
                        return Ok(VerifyReport {
                            status: "failed".into(),
                            reason: Some(format!("discovery failed: {e}")),
                            ..report
                        });
                    }
                }
            }
            if !missing.is_empty() {
                return Ok(VerifyReport::skipped(
                    lab_id,
                    format!(
                        "uses {} which this cluster does not serve (a newer Kubernetes or an add-on provides it)",
                        missing.join(", ")
                    ),
                ));
            }
        }
        let phase = |report: &mut VerifyReport,
                     name: &str,
                     started: Instant,
                     result: Result<Vec<String>, String>|
         -> bool {
            let (ok, details) = match result {
                Ok(d) => (true, d),
                Err(e) => (false, vec![e]),
            };
            report.phases.push(VerifyPhase {
                name: name.into(),
                ok,
                millis: u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX),
                details,
            });
            if !ok {
                report.status = "failed".into();
                report.reason = Some(format!("{name} failed"));
            }
            ok
        };
        let reset = || {
            let kinds = kinds.clone();
            async move {
                let mut details = Vec::new();
                if let Some(c) = cluster {
                    let n = c
                        .reset(lab_id, &kinds, Duration::from_secs(90))
                        .await
                        .map_err(|e| e.to_string())?;
                    details.push(format!("{n} labelled objects deleted"));
                }
                if let Some(n) = nodes {
                    details.push(format!("{} node files restored", n.restore(lab_id)?));
                }
                Ok::<_, String>(details)
            }
        };
        let t = Instant::now();
        let r = reset().await;
        if !phase(&mut report, "clean start", t, r) {
            return Ok(report);
        }
        let connection = cluster.map(OwnedCluster::connection);
        let t = Instant::now();
        let setup = match loaded.render_steps(&params, false) {
            Ok(steps) => run_steps_on(cluster, nodes, &loaded, &params, &steps, &|_| {}).await,
            Err(e) => Err(e),
        };
        if !phase(&mut report, "setup", t, setup) {
            return Ok(report);
        }
        let t = Instant::now();
        let broken = grade_on(connection, nodes, &loaded, &params)
            .await
            .and_then(|outcomes| {
                let passing: Vec<String> = outcomes
                    .iter()
                    .filter(|o| o.points_possible > 0 && o.status == Status::Pass)
                    .map(|o| format!("{} passes before the fix: {}", o.check_id, o.message))
                    .collect();
                if passing.is_empty() {
                    Ok(outcomes
                        .iter()
                        .map(|o| format!("{} {}", o.check_id, o.status.as_str()))
                        .collect())
                } else {
                    Err(passing.join("; "))
                }
            });
        if !phase(
            &mut report,
            "every scored check fails after setup",
            t,
            broken,
        ) {
            let _ = reset().await;
            return Ok(report);
        }
        let t = Instant::now();
        let solution = match loaded.render_steps(&params, true) {
            Ok(steps) => run_steps_on(cluster, nodes, &loaded, &params, &steps, &|_| {}).await,
            Err(e) => Err(e),
        };
        if !phase(&mut report, "solution", t, solution) {
            let _ = reset().await;
            return Ok(report);
        }
        let t = Instant::now();
        let solved = grade_on(connection, nodes, &loaded, &params)
            .await
            .and_then(|outcomes| {
                let failing: Vec<String> = outcomes
                    .iter()
                    .filter(|o| o.status != Status::Pass)
                    .map(|o| {
                        format!(
                            "{} {}: {} {}",
                            o.check_id,
                            o.status.as_str(),
                            o.message,
                            o.findings
                                .iter()
                                .map(ToString::to_string)
                                .collect::<Vec<_>>()
                                .join("; ")
                        )
                    })
                    .collect();
                if failing.is_empty() {
                    Ok(vec![format!("{} checks pass", outcomes.len())])
                } else {
                    Err(failing.join(" | "))
                }
            });
        if !phase(
            &mut report,
            "every check passes after the solution",
            t,
            solved,
        ) {
            let _ = reset().await;
            return Ok(report);
        }
        let t = Instant::now();
        let r = reset().await;
        phase(&mut report, "reset leaves nothing", t, r);
        Ok(report)
    }
}
