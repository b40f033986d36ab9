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
    pub log: Vec<String>,
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

    fn nodes_for(&self, nodes: Option<Nodes>, needs: bool) -> Option<Nodes> {
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

    fn params_of(attempt: &cks_store::Attempt) -> BTreeMap<String, Json> {
        attempt
            .params
            .as_object()
            .map(|m| m.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
            .unwrap_or_default()
    }

    /// Start an attempt: reset what an earlier attempt left, draw params, record the attempt,
    /// run the setup. A setup that fails marks the attempt incomplete.
    pub async fn start(
        &self,
        lab_id: &str,
        seed: Option<u64>,
        cluster: &OwnedCluster,
        nodes: Option<Nodes>,
    ) -> Result<StartReport, AppError> {
        let loaded = self.lab(lab_id)?;
        let seed = seed.unwrap_or_else(crate::fresh_seed);
        let params = loaded.draw_params(seed);
        let nodes = self.nodes_for(nodes, loaded.has_node_steps());
        self.reset_lab(lab_id, cluster, &params).await?;
        if let Some(n) = &nodes {
            n.restore(lab_id).map_err(|message| AppError::LiveGrade {
                id: lab_id.to_owned(),
                message,
            })?;
        }
        let rendered = render_lab(&loaded, &params, lab_id)?;
        let attempt_id = self
            .record_attempt(&loaded, seed, &params, Source::Cluster)
            .await?;
        let steps = loaded
            .render_steps(&params, false)
            .map_err(|message| AppError::LiveGrade {
                id: lab_id.to_owned(),
                message,
            })?;
        match run_steps_on(Some(cluster), nodes.as_ref(), &loaded, &params, &steps).await {
            Ok(log) => Ok(StartReport {
                lab_id: lab_id.to_owned(),
                attempt_id,
                seed,
                params,
                task_markdown: rendered.task,
                log,
            }),
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
        let loaded = self.lab(lab_id)?;
        let attempt = self.latest_attempt(lab_id).await?;
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

    /// Reveal the next hint of the latest attempt (recorded; each costs the lab's hint cost).
    pub async fn hint(&self, lab_id: &str) -> Result<HintReport, AppError> {
        let loaded = self.lab(lab_id)?;
        let attempt = self.newest_attempt(lab_id).await?;
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
            Ok(a) => Self::params_of(&a),
            Err(_) => loaded.draw_params(0),
        };
        let rendered = render_lab(&loaded, &params, lab_id)?;
        Ok(rendered.explanation)
    }
}
