//! `ckslab exam …`, `ckslab play …` and `ckslab lessons answer`: thin renderers over cks-app.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use cks_app::exam::{ExamChoice, ExamReport, ExamView};
use cks_app::play::{PlayMode, PlayRequest, PlayResult};
use cks_app::{App, AppError};
use clap::Subcommand;

use crate::render::strip_control;

#[derive(Debug, Subcommand)]
pub(crate) enum ExamCommand {
    /// List the fixed exams (exams/*.yaml).
    List,
    /// Show what an exam would hold, without setting anything up.
    Plan {
        #[command(flatten)]
        choice: ChoiceArgs,
    },
    /// Set every task up on the cluster and start the clock (120 minutes unless the exam says).
    Start {
        #[command(flatten)]
        choice: ChoiceArgs,
        #[command(flatten)]
        target: crate::Target,
    },
    /// The running exam: time left and tasks (nothing is graded before submit).
    Status,
    /// Print one task of the running exam.
    Task { task: u32 },
    /// Flag a task for review (or --off to clear it).
    Flag {
        /// Task number.
        task: u32,
        #[arg(long)]
        off: bool,
    },
    /// Replace a task's notes.
    Note { task: u32, text: String },
    /// Grade every task now and show the report.
    Submit {
        #[command(flatten)]
        target: crate::Target,
    },
    /// The report of a submitted exam (default: the latest).
    Report { exam: Option<i64> },
    /// Every exam, newest first.
    History,
}

#[derive(Debug, clap::Args)]
pub(crate) struct ChoiceArgs {
    /// A fixed exam by id (see `ckslab exam list`); else tasks are drawn by domain weight.
    #[arg(long)]
    exam: Option<String>,
    /// Replay a draw.
    #[arg(long)]
    seed: Option<u64>,
    /// How many tasks to draw (default 16).
    #[arg(long)]
    tasks: Option<u32>,
}

impl ChoiceArgs {
    fn choice(&self) -> ExamChoice {
        ExamChoice {
            exam_id: self.exam.clone(),
            seed: self.seed,
            count: self.tasks,
        }
    }
}

#[derive(Debug, Subcommand)]
pub(crate) enum PlayCommand {
    /// Evaluate Rego: a Gatekeeper ConstraintTemplate + constraint (YAML) against objects, or a
    /// plain Rego module against an input document.
    Rego {
        /// A .rego module, or YAML with ConstraintTemplate(s) and constraint(s).
        policy: PathBuf,
        /// Objects to admit (Gatekeeper) or the input document (plain Rego).
        #[arg(long)]
        input: Option<PathBuf>,
        /// Plain Rego: the query (default: the module's package).
        #[arg(long)]
        query: Option<String>,
        #[arg(long, default_value = "CREATE")]
        operation: String,
    },
    /// Evaluate a ValidatingAdmissionPolicy (CEL) with its binding against objects.
    Cel {
        /// YAML with ValidatingAdmissionPolicy, binding and any params.
        policy: PathBuf,
        /// Objects to admit.
        #[arg(long)]
        input: PathBuf,
        #[arg(long, default_value = "CREATE")]
        operation: String,
    },
}

fn read(path: &Path) -> Result<String, AppError> {
    std::fs::read_to_string(path).map_err(|e| AppError::File {
        action: "read",
        path: path.to_path_buf(),
        message: e.to_string(),
    })
}

fn print_json<T: serde::Serialize>(value: &T) {
    println!(
        "{}",
        serde_json::to_string_pretty(value).unwrap_or_default()
    );
}

fn minutes(seconds: u32) -> String {
    format!("{}:{:02}", seconds / 60, seconds % 60)
}

fn print_view(v: &ExamView) {
    println!(
        "{} — exam {} (seed {}), {} left",
        v.title,
        v.exam_id,
        v.seed,
        minutes(v.remaining_seconds)
    );
    for t in &v.tasks {
        println!(
            "  {:>2}. {}{} [{} pts, {}]{}",
            t.position,
            if t.flagged { "⚑ " } else { "" },
            strip_control(&t.title),
            t.points,
            t.domain,
            if t.notes.is_empty() {
                String::new()
            } else {
                format!(" — notes: {}", strip_control(&t.notes))
            }
        );
    }
    println!(
        "  tasks: `ckslab labs show` is not needed — each task is a lab attempt; submit with `ckslab exam submit`"
    );
}

fn print_report(r: &ExamReport) -> ExitCode {
    println!(
        "{} — {} / {} points ({}%): {} (pass mark {}%)",
        r.title,
        r.awarded,
        r.possible,
        r.percent,
        if r.passed { "PASSED" } else { "NOT PASSED" },
        r.pass_mark
    );
    println!("\nPer domain:");
    for d in &r.domains {
        println!(
            "  {:<45} {:>3} / {:<3} {:>3}%",
            d.title, d.awarded, d.possible, d.percent
        );
    }
    println!("\nPer task:");
    for t in &r.tasks {
        println!(
            "  {:>2}. {} {} ({}/{})",
            t.position,
            if t.passed { "✓" } else { "✗" },
            strip_control(&t.title),
            t.awarded,
            t.possible
        );
        for o in &t.failed {
            println!("       - {}: {}", o.check_id, strip_control(&o.message));
            for f in o.findings.iter().take(3) {
                println!("           {}", strip_control(&f.to_string()));
            }
        }
        if !t.passed && !t.lessons.is_empty() {
            println!("       study: ckslab lessons show {}", t.lessons[0]);
        }
    }
    if r.passed {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}

async fn running(app: &App) -> Result<ExamView, AppError> {
    app.current_exam()
        .await?
        .ok_or_else(|| AppError::ExamNotFound("(no exam is running: `ckslab exam start`)".into()))
}

pub(crate) async fn exam(
    app: &App,
    command: &ExamCommand,
    json: bool,
) -> Result<ExitCode, AppError> {
    let progress = |line: &str| {
        if !json {
            eprintln!("  {line}");
        }
    };
    match command {
        ExamCommand::List => {
            let files = app.exam_files()?;
            if json {
                print_json(&files);
            } else {
                for f in &files {
                    println!(
                        "{:<24} {} ({} tasks, {} min)",
                        f.id,
                        f.title,
                        f.tasks.len(),
                        f.minutes
                    );
                }
                println!("or draw one: ckslab exam start [--tasks 16] [--seed N]");
            }
        }
        ExamCommand::Plan { choice } => {
            let plan = app.plan_exam(&choice.choice(), true)?;
            if json {
                print_json(&plan);
            } else {
                println!("{} (seed {}, {} min):", plan.title, plan.seed, plan.minutes);
                for t in &plan.tasks {
                    println!(
                        "  {:>2}. {} [{} pts, {}]",
                        t.position, t.title, t.points, t.domain
                    );
                }
            }
        }
        ExamCommand::Start { choice, target } => {
            let owned = crate::owned_cluster(app, target).await?;
            let view = app.start_exam(&choice.choice(), &owned, &progress).await?;
            if json {
                print_json(&view);
            } else {
                print_view(&view);
            }
        }
        ExamCommand::Status => {
            let view = running(app).await?;
            if json {
                print_json(&view);
            } else {
                print_view(&view);
                if view.remaining_seconds == 0 {
                    println!("time is up: `ckslab exam submit` grades it as it stands");
                }
            }
        }
        ExamCommand::Task { task } => {
            let view = running(app).await?;
            let t = view
                .tasks
                .iter()
                .find(|t| t.position == *task)
                .ok_or(AppError::ExamTask {
                    exam_id: view.exam_id,
                    position: *task,
                })?;
            println!(
                "Task {} of {} — {} ({} points, {} left)\n",
                t.position,
                view.tasks.len(),
                strip_control(&t.title),
                t.points,
                minutes(view.remaining_seconds)
            );
            println!("{}", strip_control(&t.task_markdown).trim_end());
            if !t.notes.is_empty() {
                println!("\nyour notes: {}", strip_control(&t.notes));
            }
        }
        ExamCommand::Flag { task, off } => {
            let view = running(app).await?;
            app.flag_exam_task(view.exam_id, *task, !off).await?;
            if !json {
                println!("task {task} {}", if *off { "unflagged" } else { "flagged" });
            }
        }
        ExamCommand::Note { task, text } => {
            let view = running(app).await?;
            app.note_exam_task(view.exam_id, *task, text).await?;
            if !json {
                println!("notes of task {task} saved");
            }
        }
        ExamCommand::Submit { target } => {
            let view = running(app).await?;
            let owned = crate::owned_cluster(app, target).await?;
            let report = app.submit_exam(view.exam_id, &owned, &progress).await?;
            if json {
                print_json(&report);
                return Ok(ExitCode::SUCCESS);
            }
            return Ok(print_report(&report));
        }
        ExamCommand::Report { exam } => {
            let id = match exam {
                Some(id) => *id,
                None => app
                    .exam_history()
                    .await?
                    .into_iter()
                    .find(|e| e.status == "submitted")
                    .map(|e| e.exam_id)
                    .ok_or_else(|| AppError::ExamNotFound("(no submitted exam yet)".into()))?,
            };
            let report = app.exam_report(id).await?;
            if json {
                print_json(&report);
                return Ok(ExitCode::SUCCESS);
            }
            return Ok(print_report(&report));
        }
        ExamCommand::History => {
            let history = app.exam_history().await?;
            if json {
                print_json(&history);
            } else if history.is_empty() {
                println!("no exams yet: ckslab exam start");
            } else {
                for e in &history {
                    let result = match (e.percent, e.passed) {
                        (Some(p), Some(true)) => format!("{p}% passed"),
                        (Some(p), _) => format!("{p}% not passed"),
                        _ => "running".into(),
                    };
                    println!(
                        "{:>4}  {}  {:<28} {result}",
                        e.exam_id, e.started_at, e.title
                    );
                }
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn print_play(r: &PlayResult, json: bool) -> ExitCode {
    if json {
        print_json(r);
    } else {
        for p in &r.problems {
            if p.line > 0 {
                println!(
                    "{} {}:{}: {}",
                    p.source,
                    p.line,
                    p.column,
                    strip_control(&p.message)
                );
            } else {
                println!("{}: {}", p.source, strip_control(&p.message));
            }
        }
        for d in &r.decisions {
            println!(
                "{} {}",
                if d.allowed { "ALLOWED" } else { "DENIED " },
                strip_control(&d.object)
            );
            for m in &d.denials {
                println!("    ✗ {}", strip_control(m));
            }
            for m in &d.warnings {
                println!("    ! {}", strip_control(m));
            }
        }
        if r.mode == PlayMode::Rego && r.problems.is_empty() {
            match &r.value {
                Some(v) => println!("{}", serde_json::to_string_pretty(v).unwrap_or_default()),
                None => println!("undefined (the query has no value for this input)"),
            }
        }
    }
    let compile_errors = r
        .problems
        .iter()
        .any(|p| p.line > 0 || p.message.contains("compile"));
    if compile_errors {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}

pub(crate) fn play(command: &PlayCommand, json: bool) -> Result<ExitCode, AppError> {
    let request = match command {
        PlayCommand::Rego {
            policy,
            input,
            query,
            operation,
        } => {
            let text = read(policy)?;
            let gatekeeper = text.contains("ConstraintTemplate");
            PlayRequest {
                mode: if gatekeeper {
                    PlayMode::Gatekeeper
                } else {
                    PlayMode::Rego
                },
                policy: text,
                input: input.as_deref().map(read).transpose()?.unwrap_or_default(),
                query: query.clone(),
                operation: Some(operation.clone()),
            }
        }
        PlayCommand::Cel {
            policy,
            input,
            operation,
        } => PlayRequest {
            mode: PlayMode::Vap,
            policy: read(policy)?,
            input: read(input)?,
            query: None,
            operation: Some(operation.clone()),
        },
    };
    Ok(print_play(&cks_app::play::play(&request), json))
}

pub(crate) async fn answer(
    app: &App,
    lesson: &str,
    number: u32,
    answer: &str,
    json: bool,
) -> Result<ExitCode, AppError> {
    let index = number.checked_sub(1).ok_or(AppError::QuizQuestion {
        lesson: lesson.to_owned(),
        index: 0,
        count: 0,
    })?;
    let result = app.answer_quiz(lesson, index, answer).await?;
    if json {
        print_json(&result);
    } else {
        println!(
            "{} — expected: {}\n{}",
            if result.correct {
                "correct"
            } else {
                "not quite"
            },
            strip_control(&result.expected),
            strip_control(&result.explanation)
        );
    }
    Ok(if result.correct {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

#[derive(Debug, Subcommand)]
pub(crate) enum PacksCommand {
    /// Install a pack: a folder, a .tar.gz or a git URL with pack.yaml. It is linted and
    /// self-tested first and refused, with every problem, if anything fails.
    Add { source: String },
    /// The installed packs and their labs.
    List,
    /// Remove an installed pack (attempts stay in your progress).
    Remove { id: String },
    /// Re-fetch a pack from where it came from (same checks) and replace it.
    Update { id: String },
}

fn print_pack(p: &cks_app::packs::InstalledPack) {
    println!(
        "{} {} — {} by {} ({} lab(s): {})",
        p.id,
        p.version,
        strip_control(&p.name),
        strip_control(&p.author),
        p.labs.len(),
        p.labs.join(", ")
    );
}

pub(crate) fn packs(app: &App, command: &PacksCommand, json: bool) -> Result<ExitCode, AppError> {
    match command {
        PacksCommand::Add { source } | PacksCommand::Update { id: source } => {
            let installed = if matches!(command, PacksCommand::Add { .. }) {
                app.add_pack(source)?
            } else {
                app.update_pack(source)?
            };
            if json {
                print_json(&installed);
            } else {
                print!("installed ");
                print_pack(&installed);
                println!(
                    "start one with: ckslab start {}",
                    installed.labs.first().map_or("<lab>", String::as_str)
                );
            }
        }
        PacksCommand::List => {
            let packs = app.installed_packs();
            if json {
                print_json(&packs);
            } else if packs.is_empty() {
                println!("no packs installed: ckslab packs add FOLDER|FILE.tar.gz|GIT-URL");
            } else {
                packs.iter().for_each(print_pack);
            }
        }
        PacksCommand::Remove { id } => {
            app.remove_pack(id)?;
            if !json {
                println!("removed pack {id}");
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// `ckslab report EXPORT.json… --html FILE`.
pub(crate) fn report(app: &App, exports: &[PathBuf], html: &Path) -> Result<ExitCode, AppError> {
    let page = app.workshop_report(exports)?;
    let tmp = html.with_extension("html.partial");
    std::fs::write(&tmp, page)
        .and_then(|()| std::fs::rename(&tmp, html))
        .map_err(|e| AppError::File {
            action: "write",
            path: html.to_path_buf(),
            message: e.to_string(),
        })?;
    println!(
        "wrote {} ({} learner(s)); open it in any browser, offline",
        html.display(),
        exports.len()
    );
    Ok(ExitCode::SUCCESS)
}

#[derive(Debug, Subcommand)]
pub(crate) enum ImagesCommand {
    /// Every image the labs run.
    List,
    /// Pull them through the container engine (images already present are skipped, so a
    /// retry resumes).
    Pull,
    /// Load them into CKS Lab's kind nodes, so labs start offline.
    Load,
}

#[derive(Debug, Subcommand)]
pub(crate) enum AddonsCommand {
    /// Add-ons, their pinned versions, which labs each unlocks and what the host needs.
    List,
    /// Download (once, checksum-verified) and apply an add-on to CKS Lab's cluster.
    Install { name: String },
    /// Delete an add-on's objects from the cluster.
    Remove { name: String },
}

pub(crate) async fn setup(app: &App, dry_run: bool, json: bool) -> Result<ExitCode, AppError> {
    let plan = app.setup_plan().await?;
    if json && dry_run {
        print_json(&plan);
        return Ok(ExitCode::SUCCESS);
    }
    println!("Setup plan for this machine ({}):", plan.distribution);
    if plan.missing.is_empty() {
        println!("  1. tools: docker/podman, kind and kubectl are installed");
    } else {
        println!("  1. install what is missing:");
        for m in &plan.missing {
            println!("       {} — {}\n         {}", m.name, m.why, m.install);
        }
    }
    if plan.cluster_exists {
        println!("  2. cluster: `cks` exists already");
    } else {
        println!("  2. cluster: {}", plan.create_cluster.join(" "));
    }
    println!(
        "  3. images: pull {} image(s) once and load them into the nodes (ckslab images pull && ckslab images load):",
        plan.images.len()
    );
    for image in &plan.images {
        println!("       {image}");
    }
    println!("  4. add-ons (only for the labs that need them; ckslab addons install NAME):");
    for a in &plan.addons {
        println!(
            "       {} {} — unlocks {} lab(s){}",
            a.name,
            a.version,
            a.unlocks.len(),
            if a.needs.is_empty() {
                String::new()
            } else {
                format!("; needs {}", a.needs.join(", "))
            }
        );
    }
    for h in &plan.host {
        println!("  note: {h}");
    }
    if dry_run {
        return Ok(ExitCode::SUCCESS);
    }
    if !plan.missing.is_empty() {
        eprintln!(
            "install the missing tools above, then run `ckslab setup` again; lessons, fixture grading and the playground work meanwhile"
        );
        return Ok(ExitCode::from(3));
    }
    let progress = |line: &str| eprintln!("  {line}");
    if !plan.cluster_exists {
        app.create_cluster(|l| progress(l)).await?;
    }
    app.pull_images(&progress)?;
    app.load_images(&progress)?;
    println!("ready: open a lab (ckslab labs list, ckslab start ID)");
    Ok(ExitCode::SUCCESS)
}

pub(crate) fn images(app: &App, command: &ImagesCommand, json: bool) -> Result<ExitCode, AppError> {
    let progress = |line: &str| {
        if !json {
            eprintln!("  {line}");
        }
    };
    match command {
        ImagesCommand::List => {
            let images = app.lab_images()?;
            if json {
                print_json(&images);
            } else {
                images.iter().for_each(|i| println!("{i}"));
            }
        }
        ImagesCommand::Pull => {
            let (pulled, present) = app.pull_images(&progress)?;
            if json {
                println!(
                    "{}",
                    serde_json::json!({"pulled": pulled, "present": present})
                );
            } else {
                println!("{pulled} pulled, {present} already present");
            }
        }
        ImagesCommand::Load => {
            let loaded = app.load_images(&progress)?;
            if json {
                println!("{}", serde_json::json!({"loaded": loaded}));
            } else {
                println!("{loaded} image(s) loaded into the cluster's nodes");
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

pub(crate) async fn addons(
    app: &App,
    command: &AddonsCommand,
    json: bool,
) -> Result<ExitCode, AppError> {
    match command {
        AddonsCommand::List => {
            let addons = app.addons()?;
            if json {
                print_json(&addons);
            } else {
                for a in &addons {
                    println!(
                        "{:<14} {:<20} {} unlocks: {}{}",
                        a.name,
                        a.version,
                        if a.installed {
                            "installed  "
                        } else {
                            "           "
                        },
                        if a.unlocks.is_empty() {
                            "—".to_owned()
                        } else {
                            a.unlocks.join(", ")
                        },
                        a.how
                            .as_ref()
                            .map(|h| format!("\n{:>16}by hand: {h}", ""))
                            .unwrap_or_default()
                    );
                }
            }
        }
        AddonsCommand::Install { name } => {
            let a = app.install_addon(name, &|l| eprintln!("  {l}")).await?;
            if json {
                print_json(&a);
            } else {
                println!("installed {} {}", a.name, a.version);
            }
        }
        AddonsCommand::Remove { name } => {
            app.remove_addon(name).await?;
            if !json {
                println!("removed {name}");
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}
