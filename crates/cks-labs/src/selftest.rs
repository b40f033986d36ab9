//! The offline self-test: grade a lab's own fixtures and check that the lab can tell right from
//! wrong. Broken: every scored check fails. Solved and also-correct: every check passes.
//! Bypasses: at least one check fails.

use std::path::PathBuf;

use cks_checks::{Outcome, Status};
use serde::Serialize;

use crate::load::LoadedLab;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum FixtureKind {
    Broken,
    Solved,
    AlsoCorrect,
    Bypass,
}

impl FixtureKind {
    pub fn as_str(self) -> &'static str {
        match self {
            FixtureKind::Broken => "broken",
            FixtureKind::Solved => "solved",
            FixtureKind::AlsoCorrect => "also-correct",
            FixtureKind::Bypass => "bypass",
        }
    }
}

/// The result of grading one fixture.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct FixtureResult {
    pub kind: FixtureKind,
    pub path: PathBuf,
    pub outcomes: Vec<Outcome>,
    /// What went wrong, empty when the fixture behaved as its kind demands.
    pub failures: Vec<String>,
}

/// The self-test of one lab.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SelfTest {
    pub lab_id: String,
    pub fixtures: Vec<FixtureResult>,
}

impl SelfTest {
    pub fn passed(&self) -> bool {
        !self.fixtures.is_empty() && self.fixtures.iter().all(|f| f.failures.is_empty())
    }
}

/// Run the self-test. Problems loading a fixture count as failures.
pub fn self_test(loaded: &LoadedLab) -> SelfTest {
    let f = &loaded.lab.fixtures;
    let mut list = vec![
        (FixtureKind::Broken, f.broken.clone()),
        (FixtureKind::Solved, f.solved.clone()),
    ];
    list.extend(
        f.also_correct
            .iter()
            .map(|p| (FixtureKind::AlsoCorrect, p.clone())),
    );
    list.extend(f.bypasses.iter().map(|p| (FixtureKind::Bypass, p.clone())));
    let fixtures = list
        .into_iter()
        .map(|(kind, rel)| run_fixture(loaded, kind, loaded.dir.join(rel)))
        .collect();
    SelfTest {
        lab_id: loaded.lab.id.clone(),
        fixtures,
    }
}

fn run_fixture(loaded: &LoadedLab, kind: FixtureKind, path: PathBuf) -> FixtureResult {
    let fail = |path: PathBuf, failures: Vec<String>| FixtureResult {
        kind,
        path,
        outcomes: Vec::new(),
        failures,
    };
    let mut snapshot = match crate::snapshot_dir::load(&path) {
        Ok(s) => s,
        Err(problems) => return fail(path, problems.iter().map(ToString::to_string).collect()),
    };
    let params = if loaded.lab.params.is_empty() {
        loaded.draw_params(0)
    } else {
        snapshot.params.clone()
    };
    if let Err(e) = loaded.fixture_params(&params) {
        return fail(path, vec![format!("params.yaml: {e}")]);
    }
    snapshot.params = params.clone();
    let rendered = match loaded.render(&params) {
        Ok(r) => r,
        Err(problems) => return fail(path, problems.iter().map(ToString::to_string).collect()),
    };
    let outcomes = rendered.checks.grade(&snapshot);
    let mut failures = Vec::new();
    match kind {
        FixtureKind::Broken => {
            for o in outcomes
                .iter()
                .filter(|o| o.points_possible > 0 && o.status == Status::Pass)
            {
                failures.push(format!(
                    "scored check `{}` passes on the broken state: {}",
                    o.check_id, o.message
                ));
            }
        }
        FixtureKind::Solved | FixtureKind::AlsoCorrect => {
            for o in outcomes.iter().filter(|o| o.status != Status::Pass) {
                let details: Vec<String> = o.findings.iter().map(ToString::to_string).collect();
                failures.push(format!(
                    "check `{}` does not pass ({}): {} {}",
                    o.check_id,
                    o.status.as_str(),
                    o.message,
                    details.join("; ")
                ));
            }
        }
        FixtureKind::Bypass => {
            if outcomes.iter().all(|o| o.status == Status::Pass) {
                failures.push(
                    "every check passes on this bypass: the lab would accept a wrong answer".into(),
                );
            }
        }
    }
    FixtureResult {
        kind,
        path,
        outcomes,
        failures,
    }
}
