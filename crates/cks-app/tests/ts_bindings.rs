//! The TypeScript declarations of every DTO the desktop UI receives, generated from the Rust
//! types and checked in at `ui/src/lib/bindings.ts`. This test fails when they drift; rewrite
//! them with `UPDATE_BINDINGS=1 cargo test -p cks-app --test ts_bindings`.

#![allow(clippy::unwrap_used)]

use std::path::Path;

use ts_rs::{Config, TS};

macro_rules! declarations {
    ($cfg:expr; $($t:ty),* $(,)?) => {
        vec![$(format!("export {}", <$t as TS>::decl($cfg))),*]
    };
}

fn render() -> String {
    // u64/i64/usize travel as JSON numbers (serde_json), so they are `number` in TypeScript;
    // the one value that can exceed 2^53, an attempt's seed, travels as a string in the views.
    let cfg = Config::new().with_large_int("number");
    let cfg = &cfg;
    use cks_app::dto::*;
    use cks_app::terminal::TerminalTarget;
    use cks_app::*;
    let decls = declarations![cfg;
        serde_json::Value,
        Curriculum, cks_content::Domain, cks_content::Competency,
        LessonSummary, LessonView, cks_content::lessons::QuizQuestion,
        LabSummary, Problem, LabFailure, LabList, CheckInfo, LabDetail,
        FixtureRole, FixtureRef, LabView, HintView, SolutionView,
        Status, cks_checks::ObjectRef, Finding, Outcome,
        cks_store::CheckResult, Grade, GradeReport,
        CompetencyProgress, DomainProgress, cks_store::LabProgress, ProgressReport,
        Tool, Doctor,
        AppInfo, CommandError, ProgressEvent, ClusterStatus, AttemptView, ResetView,
        TerminalTarget, TerminalMessage, TerminalOpened,
        ExportSummary, ImportSummary,
        AuthorReport, AuthorLab, SelfTestView, FixtureView, AuthorMessage, WatchStarted,
        QuizView, QuizAnswered, QuizResult, Suggestion,
        play::PlayMode, play::PlayRequest, play::PlayProblem, play::PlayDecision,
        play::PlayResult, PlayExample,
        exam::ExamFile, exam::ExamPlan, exam::ExamPlanTask, exam::ExamView, exam::ExamTaskView,
        exam::ExamReport, exam::ExamDomainScore, exam::ExamTaskResult, exam::ExamSummary,
        setup::SetupPlan, setup::MissingTool, setup::AddonInfo, ImagesDone,
        packs::InstalledPack,
    ];
    let mut out = String::from(
        "// Generated from the Rust DTOs by crates/cks-app/tests/ts_bindings.rs: do not edit.\n\
         // Regenerate with `UPDATE_BINDINGS=1 cargo test -p cks-app --test ts_bindings`.\n",
    );
    for d in decls {
        out.push('\n');
        out.push_str(&d);
        out.push('\n');
    }
    out
}

#[test]
fn ui_bindings_match_the_rust_types() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../ui/src/lib/bindings.ts");
    let fresh = render();
    if std::env::var_os("UPDATE_BINDINGS").is_some() {
        std::fs::write(&path, &fresh).unwrap();
        return;
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == fresh,
        "{} is out of date with the Rust DTOs: run `UPDATE_BINDINGS=1 cargo test -p cks-app --test ts_bindings` and commit it",
        path.display()
    );
}
