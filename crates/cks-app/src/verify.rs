//! `labs verify`: prove a lab on a real cluster. Reset → setup → every scored check fails →
//! solution → every check passes → reset leaves nothing of the lab.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use cks_checks::{Snapshot, Status};
use cks_cluster::{Condition, Connection, OwnedCluster, collect_objects, parse_duration};
use cks_labs::LoadedLab;
use cks_labs::model::WaitCondition;
use cks_labs::steps::RenderedStep;
use serde::Serialize;
use serde_json::Value as Json;

use crate::{App, AppError};

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

/// Run rendered steps against an owned cluster.
pub(crate) async fn run_steps(
    cluster: &OwnedCluster,
    lab_id: &str,
    steps: &[RenderedStep],
) -> Result<Vec<String>, String> {
    let mut log = Vec::new();
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
    let rendered = loaded.render(params).map_err(|p| {
        p.iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join("; ")
    })?;
    let specs: Vec<cks_checks::CheckSpec> = rendered.checks.specs().cloned().collect();
    let selections = cks_checks::spec::selections(&specs);
    let objects = collect_objects(connection, &selections)
        .await
        .map_err(|e| e.to_string())?;
    let snapshot = Snapshot {
        objects,
        params: params.clone(),
        answers: Some(BTreeMap::new()),
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
        let loaded = self.lab(lab_id)?;
        if loaded.has_node_steps() {
            return Ok(VerifyReport::skipped(
                lab_id,
                "changes node files: verified on the directory-node tier, not through the API"
                    .into(),
            ));
        }
        if let Some(r) = loaded
            .lab
            .requires
            .iter()
            .find(|r| !matches!(r, cks_labs::Requirement::Seccomp))
        {
            return Ok(VerifyReport::skipped(
                lab_id,
                format!("requires {}", r.as_str()),
            ));
        }
        let params = loaded.draw_params(0);
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
        let t = Instant::now();
        let r = cluster
            .reset(lab_id, &kinds, Duration::from_secs(90))
            .await
            .map(|n| vec![format!("{n} leftover objects deleted")])
            .map_err(|e| e.to_string());
        if !phase(&mut report, "clean start", t, r) {
            return Ok(report);
        }
        let t = Instant::now();
        let setup = match loaded.render_steps(&params, false) {
            Ok(steps) => run_steps(cluster, lab_id, &steps).await,
            Err(e) => Err(e),
        };
        if !phase(&mut report, "setup", t, setup) {
            return Ok(report);
        }
        let t = Instant::now();
        let broken = grade_live(cluster.connection(), &loaded, &params)
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
            return Ok(report);
        }
        let t = Instant::now();
        let solution = match loaded.render_steps(&params, true) {
            Ok(steps) => run_steps(cluster, lab_id, &steps).await,
            Err(e) => Err(e),
        };
        if !phase(&mut report, "solution", t, solution) {
            return Ok(report);
        }
        let t = Instant::now();
        let solved = grade_live(cluster.connection(), &loaded, &params)
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
            return Ok(report);
        }
        let t = Instant::now();
        let r = cluster
            .reset(lab_id, &kinds, Duration::from_secs(90))
            .await
            .map(|n| vec![format!("{n} objects deleted, nothing labelled remains")])
            .map_err(|e| e.to_string());
        phase(&mut report, "reset leaves nothing", t, r);
        Ok(report)
    }
}
