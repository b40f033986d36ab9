//! The workshop report: learners' exports merged into one self-contained HTML page (inline
//! style, no script, no external resource), per person, per competency and per lab. Every piece
//! of text from an export is escaped: an export is untrusted input.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use crate::{Export, LabSummary};

/// One learner's progress, from their export.
#[derive(Debug, Clone, PartialEq)]
pub struct Learner {
    pub name: String,
    /// Best score per lab, 0..=1, and whether any grade passed.
    pub labs: BTreeMap<String, (f64, bool)>,
    pub attempts: usize,
    pub exams: usize,
}

/// Summarise one export (the learner's name is usually the file's stem).
pub fn learner(name: &str, export: &Export) -> Learner {
    let mut labs: BTreeMap<String, (f64, bool)> = BTreeMap::new();
    let mut exams = 0;
    for a in &export.attempts {
        if a.attempt.source == "exam" {
            exams += 1;
        }
        for g in &a.grades {
            let ratio = if g.points_possible == 0 {
                0.0
            } else {
                f64::from(g.points_awarded) / f64::from(g.points_possible)
            };
            let entry = labs.entry(a.attempt.lab_id.clone()).or_insert((0.0, false));
            entry.0 = entry.0.max(ratio);
            entry.1 |= g.passed;
        }
    }
    Learner {
        name: name.to_owned(),
        labs,
        attempts: export.attempts.len(),
        exams,
    }
}

fn esc(text: &str) -> String {
    ammonia::clean_text(text)
}

fn cell(score: Option<f64>) -> String {
    match score {
        None => "<td class=\"none\">—</td>".into(),
        Some(s) => {
            let pct = (s * 100.0).round();
            let class = if pct >= 80.0 {
                "good"
            } else if pct >= 50.0 {
                "mid"
            } else {
                "low"
            };
            format!("<td class=\"{class}\">{pct:.0}%</td>")
        }
    }
}

/// A competency's score for a learner: the mean best score over its labs (unattempted = 0), or
/// `None` when the learner attempted none of them.
fn competency_score(l: &Learner, lab_ids: &[&str]) -> Option<f64> {
    if !lab_ids.iter().any(|id| l.labs.contains_key(*id)) {
        return None;
    }
    Some(
        lab_ids
            .iter()
            .map(|id| l.labs.get(*id).map_or(0.0, |s| s.0))
            .sum::<f64>()
            / lab_ids.len() as f64,
    )
}

/// Render the report.
pub fn render(
    title: &str,
    learners: &[Learner],
    labs: &[LabSummary],
    generated_at: &str,
) -> String {
    let curriculum = cks_content::curriculum();
    let mut h = String::new();
    let _ = write!(
        h,
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">\
         <title>{}</title><style>\
         body{{font:14px/1.45 system-ui,sans-serif;margin:2rem;color:#1b1f24}}\
         h1{{font-size:1.5rem}} h2{{font-size:1.15rem;margin-top:2rem}}\
         table{{border-collapse:collapse;margin:.5rem 0 1rem}} th,td{{border:1px solid #d0d7de;padding:.3rem .55rem;text-align:left}}\
         th{{background:#f3f4f6}} td.good{{background:#dafbe1}} td.mid{{background:#fff8c5}} td.low{{background:#ffebe9}} td.none{{color:#8c959f}}\
         .muted{{color:#57606a}} @media print{{body{{margin:0}}}}\
         </style></head><body>\n",
        esc(title)
    );
    let _ = writeln!(
        h,
        "<h1>{}</h1><p class=\"muted\">{} learner(s) · generated {} · scores are each learner's best grade per lab, after hint penalties</p>",
        esc(title),
        learners.len(),
        esc(generated_at)
    );

    // Per person.
    h.push_str("<h2>Per person</h2><table><tr><th>Learner</th><th>Attempts</th><th>Exam tasks</th><th>Labs passed</th><th>Overall</th></tr>\n");
    for l in learners {
        let passed = labs
            .iter()
            .filter(|lab| l.labs.get(&lab.id).is_some_and(|s| s.1))
            .count();
        let overall = if labs.is_empty() {
            None
        } else {
            Some(
                labs.iter()
                    .map(|lab| l.labs.get(&lab.id).map_or(0.0, |s| s.0))
                    .sum::<f64>()
                    / labs.len() as f64,
            )
        };
        let _ = writeln!(
            h,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{passed} / {}</td>{}</tr>",
            esc(&l.name),
            l.attempts,
            l.exams,
            labs.len(),
            cell(overall)
        );
    }
    h.push_str("</table>\n");

    // Per competency.
    h.push_str("<h2>Per competency</h2><table><tr><th>Domain</th><th>Competency</th>");
    for l in learners {
        let _ = write!(h, "<th>{}</th>", esc(&l.name));
    }
    h.push_str("</tr>\n");
    for d in &curriculum.domains {
        for c in &d.competencies {
            let ids: Vec<&str> = labs
                .iter()
                .filter(|l| l.competencies.contains(&c.id))
                .map(|l| l.id.as_str())
                .collect();
            if ids.is_empty() {
                continue;
            }
            let _ = write!(
                h,
                "<tr><td>{}</td><td>{}</td>",
                esc(&d.title),
                esc(&c.title)
            );
            for l in learners {
                h.push_str(&cell(competency_score(l, &ids)));
            }
            h.push_str("</tr>\n");
        }
    }
    h.push_str("</table>\n");

    // Per lab.
    h.push_str("<h2>Per lab</h2><table><tr><th>Lab</th>");
    for l in learners {
        let _ = write!(h, "<th>{}</th>", esc(&l.name));
    }
    h.push_str("</tr>\n");
    for lab in labs {
        let _ = write!(
            h,
            "<tr><td>{} <span class=\"muted\">{}</span></td>",
            esc(&lab.title),
            esc(&lab.id)
        );
        for l in learners {
            h.push_str(&cell(l.labs.get(&lab.id).map(|s| s.0)));
        }
        h.push_str("</tr>\n");
    }
    // Labs in exports that this library does not have (another pack, a newer version).
    let known: Vec<&str> = labs.iter().map(|l| l.id.as_str()).collect();
    let mut unknown: Vec<&String> = learners
        .iter()
        .flat_map(|l| l.labs.keys())
        .filter(|id| !known.contains(&id.as_str()))
        .collect();
    unknown.sort();
    unknown.dedup();
    for id in unknown {
        let _ = write!(
            h,
            "<tr><td>{} <span class=\"muted\">(not in this lab library)</span></td>",
            esc(id)
        );
        for l in learners {
            h.push_str(&cell(l.labs.get(id).map(|s| s.0)));
        }
        h.push_str("</tr>\n");
    }
    h.push_str("</table>\n</body></html>\n");
    h
}

impl crate::App {
    /// Read learners' exports (every unreadable file reported at once) and render the report.
    pub fn workshop_report(&self, files: &[std::path::PathBuf]) -> Result<String, crate::AppError> {
        let mut learners = Vec::new();
        let mut problems = Vec::new();
        for file in files {
            let text = match std::fs::read_to_string(file) {
                Ok(t) => t,
                Err(e) => {
                    problems.push(cks_labs::Problem::new(file, format!("cannot read: {e}")));
                    continue;
                }
            };
            match serde_json::from_str::<Export>(&text) {
                Ok(export) => {
                    let name = file
                        .file_stem()
                        .map(|s| s.to_string_lossy().into_owned())
                        .unwrap_or_default();
                    learners.push(learner(&name, &export));
                }
                Err(e) => problems.push(
                    cks_labs::Problem::new(file, format!("not a CKS Lab export: {e}"))
                        .at(e.line(), e.column()),
                ),
            }
        }
        if !problems.is_empty() {
            return Err(crate::AppError::Exports { problems });
        }
        let labs = self.list_labs(None)?.labs;
        let now = time::OffsetDateTime::now_utc()
            .format(&time::format_description::well_known::Rfc3339)
            .unwrap_or_default();
        Ok(render("CKS Lab workshop report", &learners, &labs, &now))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn export(json: serde_json::Value) -> Export {
        serde_json::from_value(json).unwrap()
    }

    fn one(lab: &str, source: &str, awarded: u32, passed: bool) -> serde_json::Value {
        serde_json::json!({
            "id": 1, "labId": lab, "labHash": "h", "seed": 1, "params": {}, "source": source,
            "startedAt": "2026-11-27T00:00:00Z", "finishedAt": null, "status": "graded",
            "hints": [], "hintCosts": [],
            "grades": [{"id": 1, "attemptId": 1, "gradedAt": "2026-11-27T00:01:00Z",
                        "pointsAwarded": awarded, "pointsPossible": 10, "hintPenalty": 0,
                        "passed": passed, "checks": []}]
        })
    }

    fn lab(id: &str, comp: &str) -> LabSummary {
        LabSummary {
            id: id.into(),
            title: format!("Title of {id}"),
            competencies: vec![comp.into()],
            difficulty: "easy".into(),
            minutes: 5,
            points: 10,
            requires: vec![],
            checks: 1,
            scope: "namespace".into(),
            unavailable: None,
        }
    }

    #[test]
    fn merges_learners_per_person_competency_and_lab_and_escapes_everything() {
        let alice = learner(
            "alice",
            &export(
                serde_json::json!({"format": "ckslab-progress", "version": 1, "exportedAt": "x",
                "attempts": [one("rbac-lab", "cluster", 4, false), one("rbac-lab", "cluster", 10, true), one("exam-lab", "exam", 5, false)],
                "lessons": [], "settings": []}),
            ),
        );
        assert_eq!(alice.labs["rbac-lab"], (1.0, true));
        assert_eq!((alice.attempts, alice.exams), (3, 1));
        let mallory = learner(
            "<script>alert(1)</script>",
            &export(
                serde_json::json!({"format": "ckslab-progress", "version": 1, "exportedAt": "x",
                "attempts": [one("<img src=x onerror=alert(2)>", "cluster", 10, true)],
                "lessons": [], "settings": []}),
            ),
        );
        let labs = vec![lab("rbac-lab", "ch.rbac"), lab("secrets-lab", "mv.secrets")];
        let html = render("Workshop <b>", &[alice, mallory], &labs, "now");
        assert!(
            !html.contains("<script>") && !html.contains("<img"),
            "{html}"
        );
        assert!(html.contains("&lt;script&gt;"));
        assert!(html.contains("&lt;b&gt;") && !html.contains("<b>"));
        // Alice: rbac 100%, secrets unattempted → her RBAC competency is 100%, secrets "—".
        assert!(
            html.contains(
                "<td>alice</td><td>3</td><td>1</td><td>1 / 2</td><td class=\"mid\">50%</td>"
            ),
            "{html}"
        );
        assert!(html.contains("(not in this lab library)"));
        assert!(
            !html.contains("<link") && !html.contains("src=\"http"),
            "self-contained"
        );
    }
}
