//! Attempts on a live cluster: start (params from a seed, setup, attempt recorded), grade
//! (snapshot → engine → one store transaction), reset, hints (recorded, cost points) and the
//! solution; plus CKS Lab's own kind cluster and the doctor.

use std::collections::BTreeMap;

use cks_checks::Score;
use cks_cluster::{ContainerNode, Doctor, KindProvider, NodeAccess, OwnedCluster};
use cks_store::Source;
use serde::Serialize;
use serde_json::Value as Json;

use crate::verify::{Nodes, grade_on, run_steps_on};
use crate::{App, AppError, GradeReport, render_lab};

/// The name of CKS Lab's own kind cluster.
pub const CLUSTER_NAME: &str = "cks";

/// A started attempt.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct StartReport {
    pub lab_id: String,
    pub attempt_id: i64,
    pub seed: u64,
    pub params: BTreeMap<String, Json>,
    pub task_markdown: String,
    /// RFC 3339, when the attempt was recorded.
    pub started_at: String,
    pub log: Vec<String>,
}

/// The app's own cluster, as the settings and the lab workspace show it.
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
pub struct ClusterStatus {
    pub name: String,
    /// `docker` or `podman`, when one answers.
    pub engine: Option<String>,
    /// kind knows the cluster, or a kubeconfig for it exists.
    pub exists: bool,
    /// Its API server answered.
    pub reachable: bool,
    /// Labs may change it.
    pub registered: bool,
    /// The API server's version, when it answered.
    pub version: Option<String>,
    pub kubeconfig: String,
    /// Node containers a node shell can enter.
    pub nodes: Vec<String>,
    /// Why it is not usable and what to do.
    pub message: Option<String>,
}

/// A revealed hint.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct HintReport {
    pub lab_id: String,
    pub attempt_id: i64,
    /// 1-based.
    pub number: u32,
    pub of: u32,
    pub markdown: String,
    pub total_penalty: u32,
}

/// On a shared cluster: the lab must be namespace-scoped, and every namespace it uses comes
/// from a param, which gets the learner's prefix (`alice-billing`), so learners never meet.
fn per_learner(
    loaded: &cks_labs::LoadedLab,
    mut params: BTreeMap<String, Json>,
    learner: &str,
) -> Result<BTreeMap<String, Json>, AppError> {
    let refuse = |message: String| AppError::SharedCluster {
        id: loaded.lab.id.clone(),
        message,
    };
    let scope = loaded.scope();
    if scope != cks_labs::model::Scope::Namespace {
        return Err(refuse(format!(
            "it is {}-scoped; a shared cluster runs namespace-scoped labs only",
            scope.as_str()
        )));
    }
    let mut namespaces = std::collections::BTreeSet::new();
    for solution in [false, true] {
        let steps = loaded
            .render_steps(&params, solution)
            .map_err(|e| refuse(e.to_string()))?;
        for step in steps {
            if let cks_labs::steps::RenderedStep::Apply { objects, file } = step {
                for o in objects {
                    let kind = o.get("kind").and_then(Json::as_str).unwrap_or_default();
                    let ns = if kind == "Namespace" {
                        o.pointer("/metadata/name")
                    } else {
                        o.pointer("/metadata/namespace")
                    };
                    match ns.and_then(Json::as_str) {
                        Some(ns) => {
                            namespaces.insert(ns.to_owned());
                        }
                        None => {
                            return Err(refuse(format!(
                                "{file}: a {kind} without a namespace would land in `default`, shared by every learner"
                            )));
                        }
                    }
                }
            }
        }
    }
    for ns in namespaces {
        let keys: Vec<String> = params
            .iter()
            .filter(|(_, v)| v.as_str() == Some(ns.as_str()))
            .map(|(k, _)| k.clone())
            .collect();
        if keys.is_empty() {
            return Err(refuse(format!(
                "namespace {ns} is fixed in the lab, not a param, so learners would share it"
            )));
        }
        for k in keys {
            params.insert(k, Json::String(format!("{learner}-{ns}")));
        }
    }
    Ok(params)
}

impl App {
    pub fn doctor(&self) -> Doctor {
        Doctor::probe()
    }

    /// The app's kind cluster, with the container engine the doctor found.
    pub fn kind(&self) -> KindProvider {
        let engine = self.doctor().engine.unwrap_or_else(|| "docker".into());
        KindProvider::new(&engine, CLUSTER_NAME, &self.config.data_dir)
    }

    /// Create CKS Lab's own cluster and register it as owned.
    pub async fn create_cluster(
        &self,
        progress: impl FnMut(&str),
    ) -> Result<cks_cluster::ClusterIdentity, AppError> {
        let kind = self.kind();
        kind.create(progress)?;
        let connection = self.connect(Some(&kind.kubeconfig()), None).await?;
        let mut registry = self.registry()?;
        registry.register(CLUSTER_NAME, &connection.identity, true)?;
        Ok(connection.identity)
    }

    /// Delete CKS Lab's own cluster and forget it.
    pub async fn delete_cluster(&self) -> Result<(), AppError> {
        let kind = self.kind();
        let identity = match self.connect(Some(&kind.kubeconfig()), None).await {
            Ok(c) => Some(c.identity),
            Err(_) => None,
        };
        kind.delete()?;
        if let Some(identity) = identity {
            self.registry()?.unregister(&identity)?;
        }
        Ok(())
    }

    /// The nodes of CKS Lab's own kind cluster (through the container engine).
    fn kind_nodes(&self) -> Nodes {
        let engine = self.doctor().engine.unwrap_or_else(|| "docker".into());
        let nodes: Vec<Box<dyn NodeAccess>> = ["control-plane", "worker"]
            .iter()
            .map(|n| {
                Box::new(ContainerNode::kind_node(&engine, CLUSTER_NAME, n)) as Box<dyn NodeAccess>
            })
            .collect();
        Nodes {
            nodes,
            data_dir: self.config.data_dir.clone(),
        }
    }

    pub(crate) fn nodes_for(&self, nodes: Option<Nodes>, needs: bool) -> Option<Nodes> {
        if needs {
            Some(nodes.unwrap_or_else(|| self.kind_nodes()))
        } else {
            None
        }
    }

    async fn latest_attempt(&self, lab_id: &str) -> Result<cks_store::Attempt, AppError> {
        self.store
            .attempts(Some(lab_id))
            .await?
            .into_iter()
            .find(|a| a.source == "cluster")
            .ok_or_else(|| AppError::NoAttempt(lab_id.to_owned()))
    }

    /// The newest attempt of any kind (a cluster attempt or a graded snapshot): hints and the
    /// solution belong to it.
    async fn newest_attempt(&self, lab_id: &str) -> Result<cks_store::Attempt, AppError> {
        self.store
            .attempts(Some(lab_id))
            .await?
            .into_iter()
            .next()
            .ok_or_else(|| AppError::NoAttempt(lab_id.to_owned()))
    }

    pub(crate) fn params_of(attempt: &cks_store::Attempt) -> BTreeMap<String, Json> {
        attempt
            .params
            .as_object()
            .map(|m| m.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
            .unwrap_or_default()
    }

    /// Start an attempt: reset what an earlier attempt left, draw params, run the setup, record
    /// the attempt. A setup that fails is recorded as an incomplete attempt.
    pub async fn start(
        &self,
        lab_id: &str,
        seed: Option<u64>,
        cluster: &OwnedCluster,
        nodes: Option<Nodes>,
    ) -> Result<StartReport, AppError> {
        self.start_with_progress(lab_id, seed, cluster, nodes, &|_| {})
            .await
    }

    /// [`App::start`], reporting each step as it finishes. The attempt is recorded only once
    /// the setup has run to its end (or failed): an interrupted start (the window closed, the
    /// process killed) leaves no half-recorded attempt, and the next start resets its leftovers.
    pub async fn start_with_progress(
        &self,
        lab_id: &str,
        seed: Option<u64>,
        cluster: &OwnedCluster,
        nodes: Option<Nodes>,
        progress: &(dyn Fn(&str) + Send + Sync),
    ) -> Result<StartReport, AppError> {
        self.start_as(lab_id, seed, cluster, nodes, progress, Source::Cluster)
            .await
    }

    /// Start an attempt recorded with `source` (`Exam` for a mock exam's tasks).
    pub(crate) async fn start_as(
        &self,
        lab_id: &str,
        seed: Option<u64>,
        cluster: &OwnedCluster,
        nodes: Option<Nodes>,
        progress: &(dyn Fn(&str) + Send + Sync),
        source: Source,
    ) -> Result<StartReport, AppError> {
        let loaded = self.lab(lab_id)?;
        let seed = seed.unwrap_or_else(crate::fresh_seed);
        let mut params = loaded.draw_params(seed);
        if let Some(learner) = cluster.learner() {
            params = per_learner(&loaded, params, learner)?;
        }
        let nodes = self.nodes_for(nodes, loaded.has_node_steps());
        progress("removing what an earlier attempt left");
        self.reset_lab(lab_id, cluster, &params).await?;
        if let Some(n) = &nodes {
            n.restore(lab_id).map_err(|message| AppError::LiveGrade {
                id: lab_id.to_owned(),
                message,
            })?;
        }
        let rendered = render_lab(&loaded, &params, lab_id)?;
        let steps = loaded
            .render_steps(&params, false)
            .map_err(|message| AppError::LiveGrade {
                id: lab_id.to_owned(),
                message,
            })?;
        progress(&format!(
            "setting up {} ({} steps)",
            loaded.lab.title,
            steps.len()
        ));
        let outcome = run_steps_on(
            Some(cluster),
            nodes.as_ref(),
            &loaded,
            &params,
            &steps,
            progress,
        )
        .await;
        let attempt_id = self.record_attempt(&loaded, seed, &params, source).await?;
        match outcome {
            Ok(log) => {
                progress("ready");
                let started_at = self.store.attempt(attempt_id).await?.started_at;
                Ok(StartReport {
                    lab_id: lab_id.to_owned(),
                    attempt_id,
                    seed,
                    params,
                    task_markdown: rendered.task,
                    started_at,
                    log,
                })
            }
            Err(message) => {
                self.store.mark_incomplete(attempt_id).await?;
                Err(AppError::LiveGrade {
                    id: lab_id.to_owned(),
                    message: format!(
                        "setup failed, the attempt is marked incomplete; `ckslab reset {lab_id}` cleans up: {message}"
                    ),
                })
            }
        }
    }

    /// The attempt in progress at a lab on a cluster: its latest cluster attempt, unless that
    /// one's setup failed. `None` when there is none.
    pub async fn active_attempt(&self, lab_id: &str) -> Result<Option<StartReport>, AppError> {
        let loaded = self.lab(lab_id)?;
        let Ok(attempt) = self.latest_attempt(lab_id).await else {
            return Ok(None);
        };
        if attempt.status == "incomplete" {
            return Ok(None);
        }
        let params = Self::params_of(&attempt);
        let rendered = render_lab(&loaded, &params, lab_id)?;
        Ok(Some(StartReport {
            lab_id: lab_id.to_owned(),
            attempt_id: attempt.id,
            seed: attempt.seed,
            params,
            task_markdown: rendered.task,
            started_at: attempt.started_at,
            log: Vec::new(),
        }))
    }

    /// The app's own cluster (its kubeconfig in the data folder), if it is registered.
    pub async fn own_cluster(&self) -> Result<OwnedCluster, AppError> {
        let connection = self.connect(None, None).await?;
        self.authorize(&connection)
    }

    /// Where the app's own cluster stands, and what to do when it is not usable. Never fails:
    /// every problem becomes the `message`.
    pub async fn cluster_status(&self) -> ClusterStatus {
        let doctor = self.doctor();
        let kind = self.kind();
        let kubeconfig = self.own_kubeconfig();
        let has_kind = doctor
            .tools
            .iter()
            .any(|t| t.name == "kind" && t.version.is_some());
        let kind_exists = doctor.engine.is_some() && has_kind && kind.exists().unwrap_or(false);
        let mut status = ClusterStatus {
            name: CLUSTER_NAME.into(),
            engine: doctor.engine.clone(),
            exists: kind_exists || kubeconfig.is_file(),
            reachable: false,
            registered: false,
            version: None,
            kubeconfig: kubeconfig.display().to_string(),
            nodes: if kind_exists {
                ["control-plane", "worker"]
                    .iter()
                    .map(|n| format!("{CLUSTER_NAME}-{n}"))
                    .collect()
            } else {
                Vec::new()
            },
            message: None,
        };
        if !status.exists {
            status.message = Some(match (&doctor.engine, has_kind) {
                (None, _) => "No container engine: install Docker (or Podman) and start it, then create the cluster. Lessons and fixture grading work without one.".into(),
                (Some(_), false) => "kind is not installed: install kind (https://kind.sigs.k8s.io), then create the cluster.".into(),
                (Some(engine), true) => format!("No cluster yet: create it (kind on {engine}, about two minutes)."),
            });
            return status;
        }
        let connection = match self.connect(None, None).await {
            Ok(c) => c,
            Err(e) => {
                status.message = Some(e.to_string());
                return status;
            }
        };
        match connection
            .server_version(std::time::Duration::from_secs(3))
            .await
        {
            Ok(version) => {
                status.reachable = true;
                status.version = Some(version);
            }
            Err(e) => {
                status.message = Some(format!(
                    "{e}. If the container engine was restarted, delete and re-create the cluster."
                ));
                return status;
            }
        }
        match self.authorize(&connection) {
            Ok(_) => status.registered = true,
            Err(e) => status.message = Some(e.to_string()),
        }
        status
    }

    /// Mark an attempt whose setup was interrupted.
    pub async fn mark_incomplete(&self, attempt_id: i64) -> Result<(), AppError> {
        Ok(self.store.mark_incomplete(attempt_id).await?)
    }

    /// Grade the latest attempt of a lab on the cluster and record the grade.
    pub async fn grade_attempt(
        &self,
        lab_id: &str,
        cluster: &OwnedCluster,
        nodes: Option<Nodes>,
    ) -> Result<GradeReport, AppError> {
        let attempt = self.latest_attempt(lab_id).await?;
        self.grade_recorded(attempt, cluster, nodes).await
    }

    /// Grade one recorded attempt (of any source) on the cluster and record the grade.
    pub(crate) async fn grade_recorded(
        &self,
        attempt: cks_store::Attempt,
        cluster: &OwnedCluster,
        nodes: Option<Nodes>,
    ) -> Result<GradeReport, AppError> {
        let lab_id = attempt.lab_id.as_str();
        let loaded = self.lab(lab_id)?;
        let params = Self::params_of(&attempt);
        let rendered = render_lab(&loaded, &params, lab_id)?;
        let specs: Vec<cks_checks::CheckSpec> = rendered.checks.specs().cloned().collect();
        let selections = cks_checks::spec::selections(&specs);
        let nodes = self.nodes_for(
            nodes,
            !selections.node_files.is_empty() || !selections.logs.is_empty(),
        );
        let outcomes = grade_on(Some(cluster.connection()), nodes.as_ref(), &loaded, &params)
            .await
            .map_err(|message| AppError::LiveGrade {
                id: lab_id.to_owned(),
                message: format!("{message} — nothing was recorded"),
            })?;
        let grade = self.store.record_grade(attempt.id, &outcomes).await?;
        Ok(GradeReport {
            lab_id: lab_id.to_owned(),
            title: loaded.lab.title.clone(),
            attempt_id: attempt.id,
            seed: attempt.seed,
            params,
            guard_failed: Score::of(&outcomes).guard_failed,
            grade,
            outcomes,
        })
    }

    /// Reset the latest attempt: delete everything labelled with the lab, restore node files.
    pub async fn reset_attempt(
        &self,
        lab_id: &str,
        cluster: &OwnedCluster,
        nodes: Option<Nodes>,
    ) -> Result<usize, AppError> {
        let loaded = self.lab(lab_id)?;
        let params = match self.latest_attempt(lab_id).await {
            Ok(a) => Self::params_of(&a),
            Err(_) => loaded.draw_params(0),
        };
        let deleted = self.reset_lab(lab_id, cluster, &params).await?;
        if let Some(n) = self.nodes_for(nodes, loaded.has_node_steps()) {
            n.restore(lab_id).map_err(|message| AppError::LiveGrade {
                id: lab_id.to_owned(),
                message,
            })?;
        }
        Ok(deleted)
    }

    /// Hints and solutions are not for a task of the exam that is running.
    async fn refuse_during_exam(&self, attempt: &cks_store::Attempt) -> Result<(), AppError> {
        if attempt.source == "exam"
            && let Some(exam) = self.store.running_exam().await?
            && exam.tasks.iter().any(|t| t.attempt_id == attempt.id)
        {
            return Err(AppError::ExamRunning(exam.id));
        }
        Ok(())
    }

    /// Reveal the next hint of the latest attempt (recorded; each costs the lab's hint cost).
    pub async fn hint(&self, lab_id: &str) -> Result<HintReport, AppError> {
        let loaded = self.lab(lab_id)?;
        let attempt = self.newest_attempt(lab_id).await?;
        self.refuse_during_exam(&attempt).await?;
        let revealed = self.store.hints_revealed(attempt.id).await?;
        let total = u32::try_from(loaded.lab.hints.len()).unwrap_or(0);
        let next = (0..total)
            .find(|i| !revealed.contains(i))
            .unwrap_or(total.saturating_sub(1));
        let penalty = self
            .store
            .reveal_hint(attempt.id, next, loaded.lab.hint_cost)
            .await?;
        let rendered = loaded
            .render(&Self::params_of(&attempt))
            .map_err(|problems| AppError::LabInvalid {
                id: lab_id.to_owned(),
                problems,
            })?;
        Ok(HintReport {
            lab_id: lab_id.to_owned(),
            attempt_id: attempt.id,
            number: next + 1,
            of: total,
            markdown: rendered
                .hints
                .get(next as usize)
                .cloned()
                .unwrap_or_default(),
            total_penalty: penalty,
        })
    }

    /// The solution explanation, rendered for the latest attempt's params.
    pub async fn solution(&self, lab_id: &str) -> Result<String, AppError> {
        let loaded = self.lab(lab_id)?;
        let params = match self.newest_attempt(lab_id).await {
            Ok(a) => {
                self.refuse_during_exam(&a).await?;
                Self::params_of(&a)
            }
            Err(_) => loaded.draw_params(0),
        };
        let rendered = render_lab(&loaded, &params, lab_id)?;
        Ok(rendered.explanation)
    }
}
