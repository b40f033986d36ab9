//! Human and JSON output. Colours only on a terminal and without NO_COLOR.

use std::io::IsTerminal;
use std::process::ExitCode;

use cks_app::SelfTest;
use cks_app::Status;
use cks_app::{Doctor, HintReport, StartReport};
use cks_app::{
    GradeReport, ImportSummary, LabDetail, LabList, LessonSummary, LessonView, LintResult,
    ProgressReport, SearchHit, VerifyReport,
};
use comfy_table::{ContentArrangement, Table, presets::UTF8_FULL_CONDENSED};
use serde::Serialize;

pub(crate) struct Out {
    json: bool,
    color: bool,
}

fn table(header: &[&str]) -> Table {
    let mut t = Table::new();
    t.load_style(UTF8_FULL_CONDENSED)
        .set_content_arrangement(ContentArrangement::Dynamic)
        .set_header(header.to_vec());
    t
}

fn percent(ratio: f64) -> String {
    format!("{:>3.0}%", ratio * 100.0)
}

fn bar(ratio: f64) -> String {
    let filled = (ratio.clamp(0.0, 1.0) * 10.0).round() as usize;
    format!("{}{}", "█".repeat(filled), "░".repeat(10 - filled))
}

impl Out {
    pub(crate) fn new(json: bool) -> Out {
        let color =
            !json && std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none();
        Out { json, color }
    }

    fn paint(&self, text: &str, code: &str) -> String {
        if self.color {
            format!("\x1b[{code}m{text}\x1b[0m")
        } else {
            text.to_owned()
        }
    }

    fn status(&self, s: Status) -> String {
        match s {
            Status::Pass => self.paint("PASS", "32"),
            Status::Fail => self.paint("FAIL", "31"),
            Status::Error => self.paint("ERROR", "33"),
        }
    }

    fn print_json<T: Serialize>(&self, value: &T) {
        println!(
            "{}",
            serde_json::to_string_pretty(value).unwrap_or_default()
        );
    }

    pub(crate) fn lint(&self, results: &[LintResult]) -> ExitCode {
        let problems: usize = results.iter().map(|r| r.problems.len()).sum();
        if self.json {
            self.print_json(&serde_json::json!({"labs": results, "problems": problems}));
        } else {
            for r in results {
                if r.problems.is_empty() {
                    println!(
                        "{} {}",
                        self.paint("ok", "32"),
                        r.id.as_deref().unwrap_or("?")
                    );
                } else {
                    println!(
                        "{} {} ({} problem(s))",
                        self.paint("invalid", "31"),
                        r.dir.display(),
                        r.problems.len()
                    );
                    for p in &r.problems {
                        println!("  {p}");
                    }
                }
            }
            println!("{} lab(s), {problems} problem(s)", results.len());
        }
        if problems == 0 {
            ExitCode::SUCCESS
        } else {
            ExitCode::from(1)
        }
    }

    pub(crate) fn self_test(&self, results: &[Result<SelfTest, LintResult>]) -> ExitCode {
        let failed = results
            .iter()
            .filter(|r| !matches!(r, Ok(t) if t.passed()))
            .count();
        if self.json {
            let items: Vec<serde_json::Value> = results
                .iter()
                .map(|r| match r {
                    Ok(t) => serde_json::json!({"lab": t.lab_id, "passed": t.passed(), "fixtures": t.fixtures}),
                    Err(l) => serde_json::json!({"dir": l.dir, "passed": false, "problems": l.problems}),
                })
                .collect();
            self.print_json(&serde_json::json!({"labs": items, "failed": failed}));
        } else {
            for r in results {
                match r {
                    Ok(t) => {
                        let mark = if t.passed() {
                            self.paint("ok", "32")
                        } else {
                            self.paint("FAILED", "31")
                        };
                        let kinds: Vec<String> = t
                            .fixtures
                            .iter()
                            .map(|f| f.kind.as_str().to_owned())
                            .collect();
                        println!(
                            "{mark} {} ({} fixtures: {})",
                            t.lab_id,
                            t.fixtures.len(),
                            kinds.join(", ")
                        );
                        for f in t.fixtures.iter().filter(|f| !f.failures.is_empty()) {
                            println!("  {} {}", f.kind.as_str(), f.path.display());
                            for failure in &f.failures {
                                println!("    {failure}");
                            }
                        }
                    }
                    Err(l) => {
                        println!(
                            "{} {} does not load",
                            self.paint("FAILED", "31"),
                            l.dir.display()
                        );
                        for p in &l.problems {
                            println!("  {p}");
                        }
                    }
                }
            }
            println!("{} lab(s), {failed} failed", results.len());
        }
        if failed == 0 {
            ExitCode::SUCCESS
        } else {
            ExitCode::from(1)
        }
    }

    pub(crate) fn lab_list(&self, list: &LabList) -> ExitCode {
        if self.json {
            self.print_json(list);
        } else {
            let mut t = table(&[
                "id",
                "title",
                "competencies",
                "difficulty",
                "min",
                "points",
                "requires",
            ]);
            for l in &list.labs {
                t.add_row(vec![
                    l.id.clone(),
                    l.title.clone(),
                    l.competencies.join(", "),
                    l.difficulty.clone(),
                    l.minutes.to_string(),
                    l.points.to_string(),
                    match (&l.unavailable, l.requires.is_empty()) {
                        (Some(why), _) => self.paint(
                            &format!("{} — unavailable here: {why}", l.requires.join(", ")),
                            "33",
                        ),
                        (None, true) => "-".into(),
                        (None, false) => l.requires.join(", "),
                    },
                ]);
            }
            println!("{t}");
            for f in &list.invalid {
                eprintln!(
                    "{} {} ({} problem(s); run `ckslab labs lint`)",
                    self.paint("invalid", "31"),
                    f.dir.display(),
                    f.problems.len()
                );
            }
        }
        ExitCode::SUCCESS
    }

    pub(crate) fn lab_detail(&self, d: &LabDetail) -> ExitCode {
        if self.json {
            self.print_json(d);
            return ExitCode::SUCCESS;
        }
        let s = &d.summary;
        println!("{} — {}", self.paint(&s.id, "1"), s.title);
        println!(
            "competencies: {} · {} · {} min · {} points",
            s.competencies.join(", "),
            s.difficulty,
            s.minutes,
            s.points
        );
        if !s.requires.is_empty() {
            println!("requires: {}", s.requires.join(", "));
        }
        let params: Vec<String> = d
            .sample_params
            .iter()
            .map(|(k, v)| format!("{k}={}", v.as_str().map_or(v.to_string(), str::to_owned)))
            .collect();
        if !params.is_empty() {
            println!(
                "sample params (each attempt draws its own): {}",
                params.join(", ")
            );
        }
        println!();
        println!("{}", strip_control(&d.task_markdown).trim_end());
        println!();
        let mut t = table(&["check", "points", "kind", "what it looks at"]);
        for c in &d.check_list {
            let points = if c.points == 0 {
                "guard".into()
            } else {
                c.points.to_string()
            };
            t.add_row(vec![
                c.id.clone(),
                points,
                c.kind.clone(),
                c.description.clone().unwrap_or_default(),
            ]);
        }
        println!("{t}");
        println!(
            "{} hint(s), each costs {} point(s)",
            d.hint_count, d.hint_cost
        );
        ExitCode::SUCCESS
    }

    pub(crate) fn grade(&self, r: &GradeReport) -> ExitCode {
        let code = if r.grade.passed {
            ExitCode::SUCCESS
        } else {
            ExitCode::from(1)
        };
        if self.json {
            self.print_json(r);
            return code;
        }
        println!("{} — attempt {}", self.paint(&r.lab_id, "1"), r.attempt_id);
        for o in &r.outcomes {
            let points = if o.points_possible == 0 {
                "guard".to_string()
            } else {
                format!("{}/{}", o.points_awarded, o.points_possible)
            };
            println!(
                "{} {:<36} {:>6}  {}",
                self.status(o.status),
                o.check_id,
                points,
                strip_control(&o.message)
            );
            for f in &o.findings {
                println!("      - {}", strip_control(&f.to_string()));
            }
            if o.status != Status::Pass
                && let Some(doc) = &o.doc
            {
                println!("      docs: {doc}");
            }
        }
        let g = &r.grade;
        let mut line = format!("score {}/{}", g.points_awarded, g.points_possible);
        if g.hint_penalty > 0 {
            line.push_str(&format!(" (−{} for hints)", g.hint_penalty));
        }
        if r.guard_failed {
            line.push_str(" — a guard check failed, so the attempt scores 0");
        }
        println!(
            "{} {line}",
            if g.passed {
                self.paint("PASSED", "32")
            } else {
                self.paint("NOT PASSED", "31")
            }
        );
        code
    }

    pub(crate) fn progress(&self, r: &ProgressReport) -> ExitCode {
        if self.json {
            self.print_json(r);
            return ExitCode::SUCCESS;
        }
        let mut t = table(&[
            "domain / competency",
            "weight",
            "labs",
            "attempted",
            "passed",
            "score",
        ]);
        for d in &r.domains {
            let labs: u32 = d.competencies.iter().map(|c| c.labs).sum();
            let attempted: u32 = d.competencies.iter().map(|c| c.attempted).sum();
            let passed: u32 = d.competencies.iter().map(|c| c.passed).sum();
            t.add_row(vec![
                self.paint(&d.title, "1"),
                format!("{}%", d.weight),
                labs.to_string(),
                attempted.to_string(),
                passed.to_string(),
                format!("{} {}", bar(d.score), percent(d.score)),
            ]);
            for c in &d.competencies {
                t.add_row(vec![
                    format!("  {}", c.id),
                    String::new(),
                    c.labs.to_string(),
                    c.attempted.to_string(),
                    c.passed.to_string(),
                    if c.labs == 0 {
                        "no labs yet".into()
                    } else {
                        format!("{} {}", bar(c.score), percent(c.score))
                    },
                ]);
            }
        }
        println!("{t}");
        println!(
            "overall (weighted by the exam's domain weights): {}",
            percent(r.overall)
        );
        ExitCode::SUCCESS
    }

    pub(crate) fn lesson_list(&self, lessons: &[LessonSummary]) -> ExitCode {
        if self.json {
            self.print_json(&lessons);
            return ExitCode::SUCCESS;
        }
        let mut t = table(&["id", "title", "domain", "competencies", "min", "status"]);
        for l in lessons {
            let title = if l.kind == "overview" {
                self.paint(&l.title, "1")
            } else {
                l.title.clone()
            };
            t.add_row(vec![
                l.id.clone(),
                title,
                l.domain.clone(),
                l.competencies.join(", "),
                l.minutes.to_string(),
                l.status.clone(),
            ]);
        }
        println!("{t}");
        println!("{} lessons", lessons.len());
        ExitCode::SUCCESS
    }

    pub(crate) fn lesson(&self, v: &LessonView, html: bool) -> ExitCode {
        if self.json {
            self.print_json(v);
            return ExitCode::SUCCESS;
        }
        if html {
            println!("{}", v.html);
            return ExitCode::SUCCESS;
        }
        let s = &v.summary;
        println!("{}", self.paint(&s.title, "1"));
        println!(
            "{} · {} · {} min",
            s.domain,
            if s.competencies.is_empty() {
                "overview".to_string()
            } else {
                s.competencies.join(", ")
            },
            s.minutes
        );
        println!("\nYou will be able to:");
        for o in &v.objectives {
            println!("  • {}", strip_control(o));
        }
        println!("\n{}", v.text.trim_end());
        if !v.labs.is_empty() {
            println!("\nPractise:");
            for (lab, exists) in &v.labs {
                println!("  {} {lab}", if *exists { "▶" } else { "·" });
            }
        }
        if !v.quiz.is_empty() {
            println!("\nSelf-check ({} questions):", v.quiz.len());
            for q in &v.quiz {
                let verdict = match &q.answered {
                    Some(a) if a.correct => "  ✓ answered",
                    Some(_) => "  ✗ last answer wrong",
                    None => "",
                };
                println!("  {}. {}{verdict}", q.index + 1, strip_control(&q.question));
                for c in &q.choices {
                    println!("     - {}", strip_control(c));
                }
            }
            println!(
                "  (answer with `ckslab lessons answer {} NUMBER \"ANSWER\"`)",
                s.id
            );
        }
        ExitCode::SUCCESS
    }

    pub(crate) fn search(&self, hits: &[SearchHit]) -> ExitCode {
        if self.json {
            self.print_json(&hits);
            return ExitCode::SUCCESS;
        }
        if hits.is_empty() {
            println!("no lesson matches");
            return ExitCode::from(1);
        }
        for h in hits {
            println!("{} — {}", self.paint(&h.id, "1"), h.title);
            println!("    {}", strip_control(&h.snippet));
        }
        ExitCode::SUCCESS
    }

    pub(crate) fn verify(&self, reports: &[VerifyReport]) -> ExitCode {
        let failed = reports.iter().filter(|r| r.status == "failed").count();
        if self.json {
            self.print_json(&serde_json::json!({"labs": reports, "failed": failed}));
        } else {
            let mut t = table(&["lab", "result", "time", "details"]);
            for r in reports {
                let millis: u64 = r.phases.iter().map(|p| p.millis).sum();
                let result = match r.status.as_str() {
                    "verified" => self.paint("verified", "32"),
                    "skipped" => self.paint("skipped", "33"),
                    _ => self.paint("FAILED", "31"),
                };
                let details = match r.status.as_str() {
                    "failed" => r
                        .phases
                        .iter()
                        .filter(|p| !p.ok)
                        .flat_map(|p| p.details.iter().map(move |d| format!("{}: {d}", p.name)))
                        .collect::<Vec<_>>()
                        .join("\n"),
                    _ => r.reason.clone().unwrap_or_default(),
                };
                t.add_row(vec![
                    r.lab_id.clone(),
                    result,
                    format!("{:.1} s", millis as f64 / 1000.0),
                    details,
                ]);
            }
            println!("{t}");
            let count = |s: &str| reports.iter().filter(|r| r.status == s).count();
            println!(
                "{} verified, {} skipped, {} failed",
                count("verified"),
                count("skipped"),
                failed
            );
        }
        if failed == 0 {
            ExitCode::SUCCESS
        } else {
            ExitCode::from(1)
        }
    }

    pub(crate) fn started(&self, s: &StartReport) -> ExitCode {
        if self.json {
            self.print_json(s);
            return ExitCode::SUCCESS;
        }
        for line in &s.log {
            eprintln!("  {line}");
        }
        println!("{}", strip_control(&s.task_markdown).trim_end());
        println!(
            "\nattempt {} (seed {}) — when done: ckslab grade {}   stuck: ckslab hint {}",
            s.attempt_id, s.seed, s.lab_id, s.lab_id
        );
        ExitCode::SUCCESS
    }

    pub(crate) fn hint(&self, h: &HintReport) -> ExitCode {
        if self.json {
            self.print_json(h);
            return ExitCode::SUCCESS;
        }
        println!("Hint {} of {}:\n", h.number, h.of);
        println!("{}", strip_control(&h.markdown).trim_end());
        println!(
            "\n(hints so far cost {} point(s) on this attempt)",
            h.total_penalty
        );
        ExitCode::SUCCESS
    }

    pub(crate) fn doctor(&self, d: &Doctor) -> ExitCode {
        if self.json {
            self.print_json(d);
            return ExitCode::SUCCESS;
        }
        let mut t = table(&["tool", "version", "how to get it"]);
        for tool in &d.tools {
            let version = tool.version.clone().map_or_else(
                || self.paint("missing", "31"),
                |v: String| self.paint(&v, "32"),
            );
            t.add_row(vec![
                tool.name.clone(),
                version,
                if tool.version.is_some() {
                    String::new()
                } else {
                    tool.install.clone()
                },
            ]);
        }
        println!("{t}");
        let yes = |b: bool| {
            if b {
                self.paint("yes", "32")
            } else {
                self.paint("no", "33")
            }
        };
        println!(
            "container engine: {}",
            d.engine.clone().unwrap_or_else(
                || self.paint("none (labs can still be read and graded offline)", "33")
            )
        );
        println!(
            "AppArmor: {}  ·  kernel BTF (Falco): {}  ·  cgroup v2: {}  ·  arch: {}",
            yes(d.apparmor),
            yes(d.btf),
            yes(d.cgroup_v2),
            d.arch
        );
        if d.engine.is_some()
            && d.tools
                .iter()
                .any(|t| t.name == "kind" && t.version.is_some())
        {
            ExitCode::SUCCESS
        } else {
            ExitCode::from(3)
        }
    }

    pub(crate) fn import(&self, s: &ImportSummary) -> ExitCode {
        if self.json {
            self.print_json(s);
        } else {
            println!(
                "imported {} attempt(s) with {} grade(s); {} already present",
                s.attempts_added, s.grades_added, s.attempts_skipped
            );
        }
        ExitCode::SUCCESS
    }
}

/// Lab text is untrusted: drop control characters (terminal escape sequences) before printing.
pub(crate) fn strip_control(text: &str) -> String {
    text.chars()
        .filter(|c| !c.is_control() || *c == '\n' || *c == '\t')
        .collect()
}
