//! Progress per domain and competency, from the labs available and the grades recorded.
//!
//! Two figures (both documented in docs/readiness.md):
//! - `score`: a lab's best grade ratio (points awarded / possible, after hint penalties); a
//!   competency's score is the mean over its labs (unattempted labs count 0); a domain's score
//!   is the mean of its competencies that have labs. A lab is "passed" when any grade passed
//!   every check.
//! - `readiness`: how ready the learner looks, from every grade (recent ones weigh more, exam
//!   grades most, fixture grades least, hints already deducted), quiz answers and lessons read.

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
    /// 0..=1, see docs/readiness.md.
    pub readiness: f64,
    /// What the readiness figure is made of, in words.
    pub explanation: String,
}

#[derive(Debug, Clone, Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
pub struct DomainProgress {
    pub id: String,
    pub title: String,
    pub weight: u32,
    pub score: f64,
    /// Mean readiness of the domain's competencies.
    pub readiness: f64,
    pub explanation: String,
    pub competencies: Vec<CompetencyProgress>,
}

/// What to practise next, and why.
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
pub struct Suggestion {
    pub competency: String,
    pub title: String,
    pub reason: String,
    pub lab_id: Option<String>,
    pub lesson_id: Option<String>,
}

/// Everything readiness is computed from (besides the labs and their best grades).
#[derive(Debug, Clone, Default)]
pub struct Evidence {
    pub grades: Vec<cks_store::GradeEvidence>,
    /// Per lesson: its competencies, question count, questions answered correctly (latest
    /// answers) and whether it was read.
    pub lessons: Vec<LessonEvidence>,
    /// Now, as seconds since the epoch (a parameter so tests are exact).
    pub now: i64,
}

#[derive(Debug, Clone, Default)]
pub struct LessonEvidence {
    pub id: String,
    pub competencies: Vec<String>,
    pub questions: u32,
    pub correct: u32,
    pub read: bool,
}

/// How much one grade counts, by where it came from: an exam task is the strongest evidence,
/// a lab on a cluster next, grading a shipped fixture snapshot the weakest.
pub fn source_weight(source: &str) -> f64 {
    match source {
        "exam" => 3.0,
        "cluster" => 1.5,
        _ => 0.5,
    }
}

/// Half-life of a grade's weight, in days: practice fades.
pub const HALF_LIFE_DAYS: f64 = 30.0;
/// Weight at which a lab counts as fully evidenced (one cluster attempt today).
pub const FULL_CONFIDENCE: f64 = 1.5;

fn seconds_of(rfc3339: &str) -> Option<i64> {
    time::OffsetDateTime::parse(rfc3339, &time::format_description::well_known::Rfc3339)
        .ok()
        .map(time::OffsetDateTime::unix_timestamp)
}

/// A lab's practice evidence, 0..=1: the weighted mean of its grade ratios (weight = source
/// weight × ½^(age / 30 days)), scaled by confidence = min(1, total weight / 1.5).
pub fn lab_evidence(grades: &[&cks_store::GradeEvidence], now: i64) -> f64 {
    let mut total = 0.0;
    let mut sum = 0.0;
    for g in grades {
        if g.points_possible == 0 {
            continue;
        }
        let age_days =
            seconds_of(&g.graded_at).map_or(0.0, |t| ((now - t).max(0)) as f64 / 86_400.0);
        let w = source_weight(&g.source) * 0.5f64.powf(age_days / HALF_LIFE_DAYS);
        total += w;
        sum += w * f64::from(g.points_awarded) / f64::from(g.points_possible);
    }
    if total == 0.0 {
        return 0.0;
    }
    (sum / total) * (total / FULL_CONFIDENCE).min(1.0)
}

/// Readiness of one competency and its explanation: practice (weight 0.7), quiz (0.2) and
/// reading (0.1); a part with nothing to measure (no quiz questions, no lessons) is left out
/// and the rest re-weighted.
pub fn competency_readiness(
    lab_ids: &[&str],
    competency: &str,
    evidence: &Evidence,
) -> (f64, String) {
    let practice: Vec<f64> = lab_ids
        .iter()
        .map(|id| {
            let mine: Vec<&cks_store::GradeEvidence> =
                evidence.grades.iter().filter(|g| g.lab_id == *id).collect();
            lab_evidence(&mine, evidence.now)
        })
        .collect();
    let lessons: Vec<&LessonEvidence> = evidence
        .lessons
        .iter()
        .filter(|l| l.competencies.iter().any(|c| c == competency))
        .collect();
    let questions: u32 = lessons.iter().map(|l| l.questions).sum();
    let correct: u32 = lessons.iter().map(|l| l.correct).sum();
    let read = lessons.iter().filter(|l| l.read).count();
    let mut parts: Vec<(f64, f64)> = Vec::new();
    let mut words = Vec::new();
    if !practice.is_empty() {
        let p = practice.iter().sum::<f64>() / practice.len() as f64;
        parts.push((0.7, p));
        let practised = lab_ids
            .iter()
            .filter(|id| evidence.grades.iter().any(|g| g.lab_id == **id))
            .count();
        words.push(format!(
            "labs {practised}/{} practised, practice {:.0}%",
            lab_ids.len(),
            p * 100.0
        ));
    }
    if questions > 0 {
        parts.push((0.2, f64::from(correct) / f64::from(questions)));
        words.push(format!("quiz {correct}/{questions} correct"));
    }
    if !lessons.is_empty() {
        parts.push((0.1, read as f64 / lessons.len() as f64));
        words.push(format!("lessons {read}/{} read", lessons.len()));
    }
    let weight: f64 = parts.iter().map(|p| p.0).sum();
    let readiness = if weight == 0.0 {
        0.0
    } else {
        parts.iter().map(|(w, v)| w * v).sum::<f64>() / weight
    };
    let explanation = if words.is_empty() {
        "nothing to practise yet for this competency".into()
    } else {
        words.join(", ")
    };
    (readiness, explanation)
}

#[derive(Debug, Clone, Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
pub struct ProgressReport {
    pub domains: Vec<DomainProgress>,
    pub labs: Vec<LabProgress>,
    /// Weighted by the exam's domain weights, 0..=1.
    pub overall: f64,
    /// Readiness weighted by the exam's domain weights, 0..=1.
    pub readiness: f64,
    pub suggestions: Vec<Suggestion>,
}

pub(crate) fn report(
    labs: &[LabSummary],
    progress: &[LabProgress],
    evidence: &Evidence,
) -> ProgressReport {
    let by_lab: BTreeMap<&str, &LabProgress> =
        progress.iter().map(|p| (p.lab_id.as_str(), p)).collect();
    let curriculum = cks_content::curriculum();
    let mut domains = Vec::new();
    let mut overall = 0.0;
    let mut overall_readiness = 0.0;
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
            let ids: Vec<&str> = mine.iter().map(|l| l.id.as_str()).collect();
            let (readiness, explanation) = competency_readiness(&ids, &c.id, evidence);
            competencies.push(CompetencyProgress {
                readiness,
                explanation,
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
        let measured: Vec<&CompetencyProgress> = competencies
            .iter()
            .filter(|c| !c.explanation.starts_with("nothing"))
            .collect();
        let readiness = if measured.is_empty() {
            0.0
        } else {
            measured.iter().map(|c| c.readiness).sum::<f64>() / measured.len() as f64
        };
        overall += score * f64::from(domain.weight) / 100.0;
        overall_readiness += readiness * f64::from(domain.weight) / 100.0;
        domains.push(DomainProgress {
            id: domain.id.clone(),
            title: domain.title.clone(),
            weight: domain.weight,
            score,
            readiness,
            explanation: format!(
                "mean readiness of its {} competencies; weighs {}% of the exam",
                measured.len(),
                domain.weight
            ),
            competencies,
        });
    }
    let suggestions = suggest(&domains, labs, progress, evidence);
    ProgressReport {
        domains,
        labs: progress.to_vec(),
        overall,
        readiness: overall_readiness,
        suggestions,
    }
}

/// The three competencies where practice gains most — lowest readiness, weighted by the
/// domain's exam weight — each with the lab practised least and a lesson not read yet.
fn suggest(
    domains: &[DomainProgress],
    labs: &[LabSummary],
    progress: &[LabProgress],
    evidence: &Evidence,
) -> Vec<Suggestion> {
    let mut ranked: Vec<(f64, &DomainProgress, &CompetencyProgress)> = domains
        .iter()
        .flat_map(|d| d.competencies.iter().map(move |c| (d, c)))
        .filter(|(_, c)| c.labs > 0 && c.readiness < 0.8)
        .map(|(d, c)| ((1.0 - c.readiness) * f64::from(d.weight), d, c))
        .collect();
    ranked.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.2.id.cmp(&b.2.id)));
    ranked
        .into_iter()
        .take(3)
        .map(|(_, _, c)| {
            let best = |id: &str| {
                progress
                    .iter()
                    .find(|p| p.lab_id == id)
                    .map_or(-1.0, |p| if p.grades == 0 { -1.0 } else { p.best_ratio })
            };
            let lab = labs
                .iter()
                .filter(|l| l.competencies.contains(&c.id) && l.unavailable.is_none())
                .min_by(|a, b| best(&a.id).total_cmp(&best(&b.id)).then(a.id.cmp(&b.id)));
            let lesson = evidence
                .lessons
                .iter()
                .filter(|l| l.competencies.contains(&c.id))
                .min_by_key(|l| (l.read, l.id.clone()));
            Suggestion {
                competency: c.id.clone(),
                title: c.title.clone(),
                reason: format!("readiness {:.0}% ({})", c.readiness * 100.0, c.explanation),
                lab_id: lab.map(|l| l.id.clone()),
                lesson_id: lesson
                    .filter(|l| !l.read || lab.is_none())
                    .map(|l| l.id.clone()),
            }
        })
        .collect()
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
            scope: "namespace".into(),
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
        let r = report(&labs, &progress, &Evidence::default());
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

#[cfg(test)]
mod readiness_tests {
    use super::*;

    const DAY: i64 = 86_400;
    // 2026-11-27T00:00:00Z
    const NOW: i64 = 1_795_737_600;

    fn at(days_ago: i64) -> String {
        time::OffsetDateTime::from_unix_timestamp(NOW - days_ago * DAY)
            .unwrap()
            .format(&time::format_description::well_known::Rfc3339)
            .unwrap()
    }

    fn grade(
        lab: &str,
        source: &str,
        days_ago: i64,
        awarded: u32,
        of: u32,
    ) -> cks_store::GradeEvidence {
        cks_store::GradeEvidence {
            lab_id: lab.into(),
            source: source.into(),
            graded_at: at(days_ago),
            points_awarded: awarded,
            points_possible: of,
            hint_penalty: 0,
        }
    }

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 1e-9
    }

    #[test]
    fn one_cluster_pass_today_is_full_evidence_and_a_fixture_pass_a_third() {
        let g = grade("a", "cluster", 0, 5, 5);
        assert!(close(lab_evidence(&[&g], NOW), 1.0));
        let f = grade("a", "snapshot", 0, 5, 5);
        assert!(close(lab_evidence(&[&f], NOW), 0.5 / 1.5));
        assert!(close(lab_evidence(&[], NOW), 0.0));
    }

    #[test]
    fn recent_grades_weigh_more_and_exams_most() {
        // A fail 60 days ago (weight 1.5/4) and a pass today (1.5): mean = 1.5/(1.875) = 0.8.
        let old_fail = grade("a", "cluster", 60, 0, 5);
        let new_pass = grade("a", "cluster", 0, 5, 5);
        assert!(close(lab_evidence(&[&old_fail, &new_pass], NOW), 0.8));
        // Reversed in time, the same two grades say much less.
        let old_pass = grade("a", "cluster", 60, 5, 5);
        let new_fail = grade("a", "cluster", 0, 0, 5);
        assert!(close(lab_evidence(&[&old_pass, &new_fail], NOW), 0.2));
        // An exam fail today outweighs a cluster pass today: 1.5 / 4.5.
        let exam_fail = grade("a", "exam", 0, 0, 5);
        assert!(close(
            lab_evidence(&[&new_pass, &exam_fail], NOW),
            1.0 / 3.0
        ));
    }

    #[test]
    fn hint_penalties_lower_readiness_through_the_awarded_points() {
        let with_hints = grade("a", "cluster", 0, 3, 5);
        assert!(close(lab_evidence(&[&with_hints], NOW), 0.6));
    }

    #[test]
    fn practice_quiz_and_reading_combine_with_missing_parts_left_out() {
        let evidence = Evidence {
            grades: vec![grade("a", "cluster", 0, 5, 5)],
            lessons: vec![LessonEvidence {
                id: "l1".into(),
                competencies: vec!["ch.rbac".into()],
                questions: 4,
                correct: 2,
                read: true,
            }],
            now: NOW,
        };
        // Labs a (1.0) and b (0): practice 0.5; quiz 0.5; reading 1.0.
        let (r, why) = competency_readiness(&["a", "b"], "ch.rbac", &evidence);
        assert!(close(r, 0.7 * 0.5 + 0.2 * 0.5 + 0.1 * 1.0), "{r}");
        assert_eq!(
            why,
            "labs 1/2 practised, practice 50%, quiz 2/4 correct, lessons 1/1 read"
        );
        // No lesson for this competency: practice alone.
        let (r, why) = competency_readiness(&["a"], "mv.secrets", &evidence);
        assert!(close(r, 1.0), "{r}");
        assert_eq!(why, "labs 1/1 practised, practice 100%");
        let (r, why) = competency_readiness(&[], "none", &Evidence::default());
        assert!(close(r, 0.0));
        assert!(why.starts_with("nothing"));
    }

    #[test]
    fn suggestions_point_at_the_weakest_heaviest_competencies() {
        let labs = vec![
            LabSummary {
                id: "rbac-lab".into(),
                title: String::new(),
                competencies: vec!["ch.rbac".into()],
                difficulty: "easy".into(),
                minutes: 5,
                points: 5,
                requires: vec![],
                checks: 1,
                scope: "namespace".into(),
                unavailable: None,
            },
            LabSummary {
                id: "secrets-lab".into(),
                title: String::new(),
                competencies: vec!["mv.secrets".into()],
                difficulty: "easy".into(),
                minutes: 5,
                points: 5,
                requires: vec![],
                checks: 1,
                scope: "namespace".into(),
                unavailable: None,
            },
        ];
        let evidence = Evidence {
            grades: vec![grade("secrets-lab", "cluster", 0, 5, 5)],
            lessons: vec![LessonEvidence {
                id: "rbac-lesson".into(),
                competencies: vec!["ch.rbac".into()],
                questions: 0,
                correct: 0,
                read: false,
            }],
            now: NOW,
        };
        let r = report(&labs, &[], &evidence);
        assert_eq!(r.suggestions.len(), 1, "{:?}", r.suggestions);
        let s = &r.suggestions[0];
        assert_eq!(s.competency, "ch.rbac");
        assert_eq!(s.lab_id.as_deref(), Some("rbac-lab"));
        assert_eq!(s.lesson_id.as_deref(), Some("rbac-lesson"));
        assert!(r.readiness > 0.0);
    }
}
