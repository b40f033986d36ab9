//! Progress per domain and competency, from the labs available and the grades recorded.
//!
//! Formula (documented in docs/progress.md): a lab's score is its best grade ratio
//! (points awarded / possible, after hint penalties); a competency's score is the mean over its
//! labs (unattempted labs count 0); a domain's score is the mean of its competencies that have
//! labs. A lab is "passed" when any grade passed every check.

use std::collections::BTreeMap;

use cks_store::LabProgress;
use serde::Serialize;

use crate::LabSummary;

#[derive(Debug, Clone, Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
pub struct CompetencyProgress {
    pub id: String,
    pub title: String,
    pub labs: u32,
    pub attempted: u32,
    pub passed: u32,
    /// 0..=1, see the module docs.
    pub score: f64,
}

#[derive(Debug, Clone, Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
pub struct DomainProgress {
    pub id: String,
    pub title: String,
    pub weight: u32,
    pub score: f64,
    pub competencies: Vec<CompetencyProgress>,
}

#[derive(Debug, Clone, Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
pub struct ProgressReport {
    pub domains: Vec<DomainProgress>,
    pub labs: Vec<LabProgress>,
    /// Weighted by the exam's domain weights, 0..=1.
    pub overall: f64,
}

pub(crate) fn report(labs: &[LabSummary], progress: &[LabProgress]) -> ProgressReport {
    let by_lab: BTreeMap<&str, &LabProgress> =
        progress.iter().map(|p| (p.lab_id.as_str(), p)).collect();
    let curriculum = cks_content::curriculum();
    let mut domains = Vec::new();
    let mut overall = 0.0;
    for domain in &curriculum.domains {
        let mut competencies = Vec::new();
        for c in &domain.competencies {
            let mine: Vec<&LabSummary> = labs
                .iter()
                .filter(|l| l.competencies.contains(&c.id))
                .collect();
            let scores: Vec<f64> = mine
                .iter()
                .map(|l| by_lab.get(l.id.as_str()).map_or(0.0, |p| p.best_ratio))
                .collect();
            competencies.push(CompetencyProgress {
                id: c.id.clone(),
                title: c.title.clone(),
                labs: u32::try_from(mine.len()).unwrap_or(u32::MAX),
                attempted: u32::try_from(
                    mine.iter()
                        .filter(|l| by_lab.get(l.id.as_str()).is_some_and(|p| p.grades > 0))
                        .count(),
                )
                .unwrap_or(0),
                passed: u32::try_from(
                    mine.iter()
                        .filter(|l| by_lab.get(l.id.as_str()).is_some_and(|p| p.passed))
                        .count(),
                )
                .unwrap_or(0),
                score: if scores.is_empty() {
                    0.0
                } else {
                    scores.iter().sum::<f64>() / scores.len() as f64
                },
            });
        }
        let with_labs: Vec<&CompetencyProgress> =
            competencies.iter().filter(|c| c.labs > 0).collect();
        let score = if with_labs.is_empty() {
            0.0
        } else {
            with_labs.iter().map(|c| c.score).sum::<f64>() / with_labs.len() as f64
        };
        overall += score * f64::from(domain.weight) / 100.0;
        domains.push(DomainProgress {
            id: domain.id.clone(),
            title: domain.title.clone(),
            weight: domain.weight,
            score,
            competencies,
        });
    }
    ProgressReport {
        domains,
        labs: progress.to_vec(),
        overall,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lab(id: &str, comp: &str) -> LabSummary {
        LabSummary {
            id: id.into(),
            title: id.into(),
            competencies: vec![comp.into()],
            difficulty: "easy".into(),
            minutes: 5,
            points: 5,
            requires: vec![],
            checks: 2,
            unavailable: None,
        }
    }

    #[test]
    fn competency_score_is_the_mean_of_best_ratios_with_unattempted_as_zero() {
        let labs = vec![
            lab("a", "ch.rbac"),
            lab("b", "ch.rbac"),
            lab("c", "mv.secrets"),
        ];
        let progress = vec![LabProgress {
            lab_id: "a".into(),
            attempts: 2,
            grades: 2,
            best_ratio: 1.0,
            passed: true,
            last_graded_at: None,
        }];
        let r = report(&labs, &progress);
        let hardening = r
            .domains
            .iter()
            .find(|d| d.id == "cluster-hardening")
            .unwrap();
        let rbac = hardening
            .competencies
            .iter()
            .find(|c| c.id == "ch.rbac")
            .unwrap();
        assert_eq!((rbac.labs, rbac.attempted, rbac.passed), (2, 1, 1));
        assert!((rbac.score - 0.5).abs() < 1e-9);
        assert!(
            (hardening.score - 0.5).abs() < 1e-9,
            "only competencies with labs count"
        );
        assert!((r.overall - 0.5 * 0.15).abs() < 1e-9);
    }
}
