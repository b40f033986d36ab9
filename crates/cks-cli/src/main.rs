//! `ckslab`: the CKS Lab command line. A thin shell over `cks_app`: parse, call, render.
//!
//! Exit codes: 0 ok; 1 graded but not passed, or problems found; 2 usage error; 3 environment
//! (database or folders unusable).

mod practice;
mod render;

use std::io::Read;
use std::path::PathBuf;
use std::process::ExitCode;

use cks_app::{App, AppConfig, AppError};
use clap::{Parser, Subcommand};

/// Practise for the Certified Kubernetes Security Specialist exam: labs, grading, progress.
#[derive(Debug, Parser)]
#[command(name = "ckslab", version, about, long_about = None, after_help = EXIT_CODES)]
struct Cli {
    /// Where the progress database lives (default: the platform data directory).
    #[arg(long, global = true, env = "CKSLAB_DATA_DIR", value_name = "DIR")]
    data_dir: Option<PathBuf>,
    /// The folder of labs (default: $CKSLAB_LABS, ./labs, or the labs shipped with ckslab).
    #[arg(long, global = true, value_name = "DIR")]
    labs: Option<PathBuf>,
    /// The content folder with lessons (default: $CKSLAB_CONTENT, ./content, or the shipped one).
    #[arg(long, global = true, value_name = "DIR")]
    content: Option<PathBuf>,
    /// Print machine-readable JSON instead of text.
    #[arg(long, global = true)]
    json: bool,
    #[command(subcommand)]
    command: Command,
}

const EXIT_CODES: &str = "Exit codes: 0 ok · 1 not passed / problems found · 2 usage error · 3 environment (database, folders)";

#[derive(Debug, Subcommand)]
enum Command {
    /// List, show, lint and self-test labs.
    #[command(subcommand)]
    Labs(LabsCommand),
    /// Read the lessons of the curriculum.
    #[command(subcommand)]
    Lessons(LessonsCommand),
    /// The clusters labs run on.
    #[command(subcommand)]
    Cluster(ClusterCommand),
    /// Grade a lab against a snapshot folder and record the attempt.
    Grade {
        /// Lab id, e.g. pss-restrict-namespace.
        lab: String,
        /// Grade a snapshot folder (objects/, nodes/, answers.yaml, params.yaml; see
        /// docs/lab-format.md) instead of the live cluster.
        #[arg(long, value_name = "DIR")]
        snapshot: Option<PathBuf>,
        /// Seed for the params when the snapshot has no params.yaml.
        #[arg(long)]
        seed: Option<u64>,
        #[command(flatten)]
        target: Target,
    },
    /// Start an attempt: reset, draw params, run the lab's setup on the cluster, show the task.
    Start {
        lab: String,
        /// Replay a particular draw of the params.
        #[arg(long)]
        seed: Option<u64>,
        #[command(flatten)]
        target: Target,
    },
    /// Delete everything the lab created and restore changed node files.
    Reset {
        lab: String,
        #[command(flatten)]
        target: Target,
    },
    /// Reveal the next hint of your current attempt (each costs points).
    Hint { lab: String },
    /// Show the solution explanation for your current attempt.
    Solution { lab: String },
    /// Check docker/podman, kind and kubectl, and what the host supports.
    Doctor,
    /// Progress per domain and competency.
    Progress,
    /// Write all progress as versioned JSON (to stdout, or to --output).
    Export {
        #[arg(long, short, value_name = "FILE")]
        output: Option<PathBuf>,
    },
    /// Read progress exported by `ckslab export` (a file, or - for stdin).
    Import { file: PathBuf },
    /// Timed mock exams: tasks drawn by domain weight (or a fixed set), graded on submit.
    #[command(subcommand)]
    Exam(practice::ExamCommand),
    /// The policy playground: evaluate Rego (Gatekeeper) or CEL (ValidatingAdmissionPolicy)
    /// offline, with the same evaluators as the lab checks.
    #[command(subcommand)]
    Play(practice::PlayCommand),
    /// Lab packs: labs (and exams) from a folder, a .tar.gz or a git repository.
    #[command(subcommand)]
    Packs(practice::PacksCommand),
    /// First-run setup: missing tools (with the command for your distribution), the cluster,
    /// the labs' images (pulled once, loaded into the nodes) and add-ons.
    Setup {
        /// Print the plan; change nothing.
        #[arg(long)]
        dry_run: bool,
    },
    /// The container images labs run: list, pull once, load into the cluster's nodes.
    #[command(subcommand)]
    Images(practice::ImagesCommand),
    /// Add-ons some labs require (Gatekeeper, ingress-nginx, Cilium, …).
    #[command(subcommand)]
    Addons(practice::AddonsCommand),
    /// Merge learners' exports (`ckslab export`) into one self-contained HTML page.
    Report {
        #[arg(required = true, value_name = "EXPORT.json")]
        exports: Vec<PathBuf>,
        #[arg(long, value_name = "FILE")]
        html: PathBuf,
    },
}

/// Which cluster: the app's own (default) or a registered kubeconfig context.
#[derive(Debug, clap::Args)]
struct Target {
    /// A kubeconfig (default: CKS Lab's own cluster's, in the data directory).
    #[arg(long, value_name = "FILE")]
    kubeconfig: Option<PathBuf>,
    /// A context of that kubeconfig (default: its current context).
    #[arg(long)]
    context: Option<String>,
}

#[derive(Debug, Subcommand)]
enum ClusterCommand {
    /// Create CKS Lab's own kind cluster `cks` (one control plane, one worker).
    Create,
    /// Delete CKS Lab's own cluster.
    Delete,
    /// Allow labs to change a cluster that CKS Lab did not create (asks for confirmation).
    Register {
        #[command(flatten)]
        target: Target,
        /// A name for it.
        #[arg(long, default_value = "registered")]
        name: String,
        /// Do not ask: the caller confirms (for scripts and CI).
        #[arg(long)]
        yes: bool,
        /// A shared (workshop) cluster: run only namespace-scoped labs there, in namespaces
        /// and under labels prefixed with this learner name.
        #[arg(long, value_name = "LEARNER")]
        shared_as: Option<String>,
    },
    /// Show a cluster's identity, whether labs may change it, and whether it answers.
    Status {
        #[command(flatten)]
        target: Target,
    },
}

#[derive(Debug, Subcommand)]
enum LessonsCommand {
    /// List lessons in curriculum order.
    List {
        /// Only lessons of this domain id, e.g. cluster-hardening.
        #[arg(long)]
        domain: Option<String>,
    },
    /// Read a lesson in the terminal (and record it as read).
    Show {
        id: String,
        /// Print the sanitized HTML instead of text.
        #[arg(long)]
        html: bool,
    },
    /// Search lesson titles, objectives and text.
    Search {
        #[arg(required = true)]
        query: Vec<String>,
    },
    /// Answer a lesson's self-check question (numbered from 1, as `lessons show` prints them).
    Answer {
        id: String,
        number: u32,
        answer: String,
    },
}

#[derive(Debug, Subcommand)]
enum LabsCommand {
    /// List labs.
    List {
        /// Only labs practising this competency id, e.g. ch.rbac.
        #[arg(long)]
        competency: Option<String>,
    },
    /// Show one lab: task (with sample params), checks, hints.
    Show { id: String },
    /// Check lab folders and report every problem (file:line:col).
    Lint {
        /// Lab folders or folders of labs (default: the labs folder).
        paths: Vec<PathBuf>,
    },
    /// Offline self-test: broken fixtures fail, solved fixtures pass, bypasses are caught.
    Test { paths: Vec<PathBuf> },
    /// Prove labs on a real cluster: setup → checks fail → solution → checks pass → reset.
    Verify {
        /// Lab ids (or --all).
        #[arg(value_name = "LAB")]
        ids: Vec<String>,
        #[arg(long)]
        all: bool,
        #[command(flatten)]
        target: Target,
        /// Verify node-level labs on directories laid out like kubeadm nodes: DIR/<node>/etc/…
        #[arg(long, value_name = "DIR")]
        node_dir: Option<PathBuf>,
    },
}

fn main() -> ExitCode {
    quiet_broken_pipe();
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: cannot start the runtime: {e}");
            return ExitCode::from(3);
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(code) => code,
        Err(Failure { error, json }) => {
            if json {
                let value = serde_json::json!({"error": {"code": error.code(), "message": error.to_string(), "problems": error.problems()}});
                println!(
                    "{}",
                    serde_json::to_string_pretty(&value).unwrap_or_default()
                );
            } else {
                eprintln!("error: {error}");
                for p in error.problems() {
                    eprintln!("  {p}");
                }
                for p in error.lesson_problems() {
                    eprintln!("  {p}");
                }
            }
            ExitCode::from(if error.is_environment() { 3 } else { 1 })
        }
    }
}

/// `ckslab lessons show x | head` must end quietly when the reader goes away: Rust ignores
/// SIGPIPE, so printing to a closed pipe panics; turn exactly that panic into a clean exit.
fn quiet_broken_pipe() {
    let default = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let message = info
            .payload()
            .downcast_ref::<String>()
            .map(String::as_str)
            .or_else(|| info.payload().downcast_ref::<&str>().copied())
            .unwrap_or_default();
        if message.contains("failed printing to stdout") && message.contains("Broken pipe") {
            std::process::exit(0);
        }
        default(info);
    }));
}

/// A progress bar on stderr for long work (a spinner when `len` is 0); hidden for `--json` and
/// when stderr is not a terminal.
fn progress_bar(json: bool, len: u64) -> indicatif::ProgressBar {
    use std::io::IsTerminal;
    if json || !std::io::stderr().is_terminal() {
        return indicatif::ProgressBar::hidden();
    }
    let bar = if len == 0 {
        indicatif::ProgressBar::new_spinner()
    } else {
        indicatif::ProgressBar::new(len)
    };
    let template = if len == 0 {
        "{spinner} {msg} ({elapsed})"
    } else {
        "{bar:30} {pos}/{len} {msg} ({elapsed})"
    };
    if let Ok(style) = indicatif::ProgressStyle::with_template(template) {
        bar.set_style(style);
    }
    bar.enable_steady_tick(std::time::Duration::from_millis(120));
    bar
}

/// Connect to the target (the app's own cluster by default) and pass the guard.
async fn owned_cluster(app: &App, target: &Target) -> Result<cks_app::OwnedCluster, AppError> {
    let connection = app
        .connect(target.kubeconfig.as_deref(), target.context.as_deref())
        .await?;
    app.authorize(&connection)
}

/// Ask on the terminal before letting labs change a cluster CKS Lab did not create.
fn confirm(server: &str) -> bool {
    use std::io::{BufRead, IsTerminal, Write};
    if !std::io::stdin().is_terminal() {
        eprintln!(
            "refusing to register without a terminal to confirm on; pass --yes if you are sure"
        );
        return false;
    }
    eprint!(
        "Labs will create, change and delete objects labelled ckslab.io/lab on {server}. Type yes to allow: "
    );
    let _ = std::io::stderr().flush();
    let mut line = String::new();
    std::io::stdin().lock().read_line(&mut line).is_ok() && line.trim() == "yes"
}

struct Failure {
    error: AppError,
    json: bool,
}

fn labs_dir(cli: &Cli) -> PathBuf {
    cli.labs
        .clone()
        .or_else(AppConfig::default_labs_dir)
        .unwrap_or_else(|| PathBuf::from("labs"))
}

async fn open(cli: &Cli) -> Result<App, Failure> {
    let data_dir = cli
        .data_dir
        .clone()
        .or_else(AppConfig::default_data_dir)
        .unwrap_or_else(|| PathBuf::from(".ckslab"));
    let content_dir = cli
        .content
        .clone()
        .or_else(AppConfig::default_content_dir)
        .unwrap_or_else(|| PathBuf::from("content"));
    App::open(AppConfig {
        data_dir,
        labs_dir: labs_dir(cli),
        content_dir,
    })
    .await
    .map_err(|error| Failure {
        error,
        json: cli.json,
    })
}

async fn run(cli: Cli) -> Result<ExitCode, Failure> {
    let json = cli.json;
    let fail = |error: AppError| Failure { error, json };
    let out = render::Out::new(json);
    match &cli.command {
        Command::Labs(LabsCommand::Lint { paths }) => {
            let paths = if paths.is_empty() {
                vec![labs_dir(&cli)]
            } else {
                paths.clone()
            };
            let results = cks_app::lint(&paths).map_err(fail)?;
            Ok(out.lint(&results))
        }
        Command::Labs(LabsCommand::Test { paths }) => {
            let paths = if paths.is_empty() {
                vec![labs_dir(&cli)]
            } else {
                paths.clone()
            };
            let results = cks_app::self_test(&paths).map_err(fail)?;
            Ok(out.self_test(&results))
        }
        Command::Lessons(LessonsCommand::List { domain }) => {
            let app = open(&cli).await?;
            let lessons = app.list_lessons(domain.as_deref()).await.map_err(fail)?;
            Ok(out.lesson_list(&lessons))
        }
        Command::Lessons(LessonsCommand::Show { id, html }) => {
            let app = open(&cli).await?;
            let view = app.show_lesson(id, true).await.map_err(fail)?;
            Ok(out.lesson(&view, *html))
        }
        Command::Lessons(LessonsCommand::Answer { id, number, answer }) => {
            let app = open(&cli).await?;
            practice::answer(&app, id, *number, answer, json)
                .await
                .map_err(fail)
        }
        Command::Exam(command) => {
            let app = open(&cli).await?;
            practice::exam(&app, command, json).await.map_err(fail)
        }
        Command::Play(command) => practice::play(command, json).map_err(fail),
        Command::Packs(command) => {
            let app = open(&cli).await?;
            practice::packs(&app, command, json).map_err(fail)
        }
        Command::Setup { dry_run } => {
            let app = open(&cli).await?;
            practice::setup(&app, *dry_run, json).await.map_err(fail)
        }
        Command::Images(command) => {
            let app = open(&cli).await?;
            practice::images(&app, command, json).map_err(fail)
        }
        Command::Addons(command) => {
            let app = open(&cli).await?;
            practice::addons(&app, command, json).await.map_err(fail)
        }
        Command::Report { exports, html } => {
            let app = open(&cli).await?;
            practice::report(&app, exports, html).map_err(fail)
        }
        Command::Lessons(LessonsCommand::Search { query }) => {
            let app = open(&cli).await?;
            let hits = app.search_lessons(&query.join(" ")).map_err(fail)?;
            Ok(out.search(&hits))
        }
        Command::Cluster(ClusterCommand::Register {
            target,
            name,
            yes,
            shared_as,
        }) => {
            let app = open(&cli).await?;
            let connection = app
                .connect(target.kubeconfig.as_deref(), target.context.as_deref())
                .await
                .map_err(fail)?;
            if !*yes && !confirm(&connection.identity.server) {
                eprintln!("not registered");
                return Ok(ExitCode::from(1));
            }
            match shared_as {
                Some(learner) => app
                    .register_shared_cluster(&connection, name, learner)
                    .map_err(fail)?,
                None => app.register_cluster(&connection, name).map_err(fail)?,
            }
            if let Some(learner) = shared_as
                && !json
            {
                println!(
                    "shared cluster: only namespace-scoped labs run there, in namespaces named {learner}-…"
                );
            }
            if json {
                println!(
                    "{}",
                    serde_json::json!({"registered": connection.identity, "name": name})
                );
            } else {
                println!(
                    "registered {} ({}) as {name}: labs may now create and delete objects labelled ckslab.io/lab there",
                    connection.identity.server, connection.context
                );
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Cluster(ClusterCommand::Status { target }) => {
            let app = open(&cli).await?;
            let connection = app
                .connect(target.kubeconfig.as_deref(), target.context.as_deref())
                .await
                .map_err(fail)?;
            let registered = app.authorize(&connection).is_ok();
            let version = connection.client().apiserver_version().await;
            let reachable = version
                .as_ref()
                .map(|v| v.git_version.clone())
                .map_err(|e| e.to_string());
            if json {
                println!(
                    "{}",
                    serde_json::json!({"identity": connection.identity, "context": connection.context, "registered": registered, "version": reachable.as_ref().ok(), "error": reachable.as_ref().err()})
                );
            } else {
                println!(
                    "cluster {} (context {})",
                    connection.identity.server, connection.context
                );
                println!("  CA fingerprint: {}", connection.identity.ca_sha256);
                println!(
                    "  labs may change it: {}",
                    if registered {
                        "yes"
                    } else {
                        "no (`ckslab cluster register`)"
                    }
                );
                match &reachable {
                    Ok(v) => println!("  API server: {v}"),
                    Err(e) => println!("  API server: unreachable: {e}"),
                }
            }
            Ok(if reachable.is_ok() {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(3)
            })
        }
        Command::Labs(LabsCommand::Verify {
            ids,
            all,
            target,
            node_dir,
        }) => {
            let app = open(&cli).await?;
            let nodes = match node_dir {
                Some(dir) => {
                    Some(cks_app::Nodes::from_dir(dir, &app.config().data_dir).map_err(fail)?)
                }
                None => None,
            };
            let wants_cluster =
                target.kubeconfig.is_some() || app.own_kubeconfig().is_file() || nodes.is_none();
            let owned = if wants_cluster {
                let connection = app
                    .connect(target.kubeconfig.as_deref(), target.context.as_deref())
                    .await
                    .map_err(fail)?;
                Some(app.authorize(&connection).map_err(fail)?)
            } else {
                None
            };
            let ids: Vec<String> = if *all {
                app.list_labs(None)
                    .map_err(fail)?
                    .labs
                    .into_iter()
                    .map(|l| l.id)
                    .collect()
            } else {
                ids.clone()
            };
            if ids.is_empty() {
                eprintln!("name labs to verify, or --all");
                return Ok(ExitCode::from(2));
            }
            let bar = progress_bar(json, ids.len() as u64);
            let mut reports = Vec::new();
            for id in &ids {
                bar.set_message(format!("verifying {id}"));
                reports.push(
                    app.verify_lab_on(id, owned.as_ref(), nodes.as_ref())
                        .await
                        .map_err(fail)?,
                );
                bar.inc(1);
            }
            bar.finish_and_clear();
            Ok(out.verify(&reports))
        }
        Command::Labs(LabsCommand::List { competency }) => {
            let app = open(&cli).await?;
            let list = app.list_labs(competency.as_deref()).map_err(fail)?;
            Ok(out.lab_list(&list))
        }
        Command::Labs(LabsCommand::Show { id }) => {
            let app = open(&cli).await?;
            let detail = app.show_lab(id).map_err(fail)?;
            Ok(out.lab_detail(&detail))
        }
        Command::Grade {
            lab,
            snapshot,
            seed,
            target,
        } => {
            let app = open(&cli).await?;
            let report = match snapshot {
                Some(dir) => app.grade_snapshot(lab, dir, *seed).await.map_err(fail)?,
                None => {
                    let owned = owned_cluster(&app, target).await.map_err(fail)?;
                    app.grade_attempt(lab, &owned, None).await.map_err(fail)?
                }
            };
            Ok(out.grade(&report))
        }
        Command::Start { lab, seed, target } => {
            let app = open(&cli).await?;
            let owned = owned_cluster(&app, target).await.map_err(fail)?;
            // Ctrl-C during setup: nothing is recorded (the attempt is recorded once its setup
            // ran); `reset` cleans up what was applied.
            let spinner = progress_bar(json, 0);
            spinner.set_message(format!("setting up {lab}"));
            let started = tokio::select! {
                r = app.start(lab, *seed, &owned, None) => { spinner.finish_and_clear(); r.map_err(fail)? },
                _ = tokio::signal::ctrl_c() => {
                    eprintln!("interrupted: no attempt was recorded; `ckslab reset {lab}` cleans up what was applied");
                    return Ok(ExitCode::from(130));
                }
            };
            Ok(out.started(&started))
        }
        Command::Reset { lab, target } => {
            let app = open(&cli).await?;
            let owned = owned_cluster(&app, target).await.map_err(fail)?;
            let deleted = app.reset_attempt(lab, &owned, None).await.map_err(fail)?;
            if json {
                println!("{}", serde_json::json!({"lab": lab, "deleted": deleted}));
            } else {
                println!("reset {lab}: {deleted} object(s) deleted, node files restored");
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Hint { lab } => {
            let app = open(&cli).await?;
            let hint = app.hint(lab).await.map_err(fail)?;
            Ok(out.hint(&hint))
        }
        Command::Solution { lab } => {
            let app = open(&cli).await?;
            let text = app.solution(lab).await.map_err(fail)?;
            println!(
                "{}",
                if json {
                    serde_json::json!({"lab": lab, "markdown": text}).to_string()
                } else {
                    text
                }
            );
            Ok(ExitCode::SUCCESS)
        }
        Command::Doctor => {
            let app = open(&cli).await?;
            Ok(out.doctor(&app.doctor()))
        }
        Command::Cluster(ClusterCommand::Create) => {
            let app = open(&cli).await?;
            let identity = app
                .create_cluster(|line| {
                    if !json && !line.is_empty() {
                        eprintln!("  {line}");
                    }
                })
                .await
                .map_err(fail)?;
            if json {
                println!("{}", serde_json::json!({"created": identity}));
            } else {
                println!(
                    "cluster {} is ready ({}); its kubeconfig: {}",
                    cks_app::CLUSTER_NAME,
                    identity.server,
                    app.own_kubeconfig().display()
                );
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Cluster(ClusterCommand::Delete) => {
            let app = open(&cli).await?;
            app.delete_cluster().await.map_err(fail)?;
            println!("cluster {} deleted", cks_app::CLUSTER_NAME);
            Ok(ExitCode::SUCCESS)
        }
        Command::Progress => {
            let app = open(&cli).await?;
            let report = app.progress().await.map_err(fail)?;
            Ok(out.progress(&report))
        }
        Command::Export { output } => {
            let app = open(&cli).await?;
            let export = app.export().await.map_err(fail)?;
            let text = serde_json::to_string_pretty(&export).unwrap_or_default();
            match output {
                None => println!("{text}"),
                Some(path) => {
                    // Write beside the target and rename, so a crash never leaves half a file.
                    let tmp = path.with_extension("tmp");
                    if let Err(e) =
                        std::fs::write(&tmp, text + "\n").and_then(|()| std::fs::rename(&tmp, path))
                    {
                        eprintln!("error: cannot write {}: {e}", path.display());
                        return Ok(ExitCode::from(3));
                    }
                    if !json {
                        eprintln!(
                            "exported {} attempts to {}",
                            export.attempts.len(),
                            path.display()
                        );
                    }
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Import { file } => {
            let app = open(&cli).await?;
            let mut text = String::new();
            let read = if file.as_os_str() == "-" {
                std::io::stdin().read_to_string(&mut text).map(|_| ())
            } else {
                std::fs::read_to_string(file).map(|t| text = t)
            };
            if let Err(e) = read {
                eprintln!("error: cannot read {}: {e}", file.display());
                return Ok(ExitCode::from(3));
            }
            let export: cks_app::Export = match serde_json::from_str(&text) {
                Ok(e) => e,
                Err(e) => {
                    eprintln!(
                        "error: {} is not a ckslab export: {e} (line {}, column {})",
                        file.display(),
                        e.line(),
                        e.column()
                    );
                    return Ok(ExitCode::from(1));
                }
            };
            let summary = app.import(&export).await.map_err(fail)?;
            Ok(out.import(&summary))
        }
    }
}
