//! The `pss` evaluator against Kubernetes' own Pod Security Admission fixtures
//! (../shared/corpus/pss, policy version v1.37 — the latest, which is what the engine
//! implements): every `pass` pod is admitted and every `fail` pod rejected at its level, with
//! the fixture's check (after restricted overrides) among the failing ones.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use cks_checks::select::pod_view;
use cks_checks::spec::PssLevel;

struct Row {
    level: String,
    version: String,
    expect: String,
    file: String,
    reported_by: String,
    stored_path: String,
}

fn rows(index: &str) -> Vec<Row> {
    index
        .lines()
        .skip(1)
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            let c: Vec<&str> = l.split('\t').collect();
            Row {
                level: c[0].into(),
                version: c[1].into(),
                expect: c[2].into(),
                file: c[3].into(),
                reported_by: c[5].into(),
                stored_path: c[7].into(),
            }
        })
        .collect()
}

#[test]
fn pss_agrees_with_pod_security_admission_fixtures_v1_37() {
    let Some(shared) = cks_tests::shared_dir() else {
        cks_tests::skip(
            "pss_agrees_with_pod_security_admission_fixtures_v1_37",
            "../shared/corpus/pss is absent",
        );
        return;
    };
    let pss = shared.join("corpus/pss");
    let index = std::fs::read_to_string(pss.join("index.tsv")).unwrap();
    let mut wrong = Vec::new();
    let mut counts = std::collections::BTreeMap::<(String, String), usize>::new();
    for row in rows(&index).into_iter().filter(|r| r.version == "v1.37") {
        let level = if row.level == "restricted" {
            PssLevel::Restricted
        } else {
            PssLevel::Baseline
        };
        let text = std::fs::read_to_string(pss.join(&row.stored_path)).unwrap();
        let pod = cks_checks::yaml::parse_one(&text).unwrap();
        let view = pod_view(&pod).expect("a Pod");
        let violations = cks_checks::pss::evaluate(view, level);
        *counts
            .entry((row.level.clone(), row.expect.clone()))
            .or_default() += 1;
        let checks: Vec<&str> = violations.iter().map(|v| v.check).collect();
        match row.expect.as_str() {
            "admit" if !violations.is_empty() => wrong.push(format!(
                "{} {}: must be admitted, rejected by {checks:?}",
                row.level, row.file
            )),
            "reject" if violations.is_empty() => wrong.push(format!(
                "{} {}: must be rejected by {}, admitted",
                row.level, row.file, row.reported_by
            )),
            "reject"
                if !checks
                    .iter()
                    .any(|c| c.eq_ignore_ascii_case(&row.reported_by)) =>
            {
                wrong.push(format!(
                    "{} {}: must be rejected by {}, rejected by {checks:?}",
                    row.level, row.file, row.reported_by
                ))
            }
            _ => {}
        }
        // Restricted is baseline plus more: a restricted-admitted pod is baseline-admitted, and a
        // baseline-rejected pod is restricted-rejected.
        if row.level == "restricted"
            && row.expect == "admit"
            && !cks_checks::pss::evaluate(view, PssLevel::Baseline).is_empty()
        {
            wrong.push(format!(
                "restricted {}: admitted at restricted but rejected at baseline",
                row.file
            ));
        }
        if row.level == "baseline"
            && row.expect == "reject"
            && cks_checks::pss::evaluate(view, PssLevel::Restricted).is_empty()
        {
            wrong.push(format!(
                "baseline {}: rejected at baseline but admitted at restricted",
                row.file
            ));
        }
    }
    eprintln!("PSA fixtures v1.37 checked: {counts:?}");
    assert_eq!(
        counts.values().sum::<usize>(),
        148,
        "the v1.37 rows: baseline 15+34, restricted 23+76"
    );
    assert!(
        wrong.is_empty(),
        "{} disagreement(s) with Pod Security Admission:\n{}",
        wrong.len(),
        wrong.join("\n")
    );
}
