//! Mock exams: a seeded draw of labs by domain weight (or a fixed set from `exams/*.yaml`), every
//! task set up side by side on one cluster, nothing graded until submit, then a report per task
//! and per domain against the exam's pass mark.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use cks_checks::{Outcome, Status};
use cks_labs::LoadedLab;
use cks_labs::model::{Scope, Step};
use cks_store::{NewExam, Source, StoredExam};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::{App, AppError, OwnedCluster, markdown_to_safe_html, render_lab};

/// The CKS exam's pass mark, in percent.
pub const PASS_MARK: u32 = 67;
/// The real exam's length.
pub const EXAM_MINUTES: u32 = 120;
/// A drawn exam has this many tasks unless asked otherwise (the real one has 15–20).
pub const DEFAULT_TASKS: u32 = 16;

/// A fixed exam an instructor wrote (`exams/<id>.yaml`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ExamFile {
    #[serde(default)]
    pub id: String,
    pub title: String,
    #[serde(default = "default_minutes")]
    pub minutes: u32,
    /// Lab ids, in task order.
    pub tasks: Vec<String>,
}

fn default_minutes() -> u32 {
    EXAM_MINUTES
}

/// What an exam will hold, before anything is set up.
#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
pub struct ExamPlan {
    /// Decimal u64: the same seed and count draw the same exam.
    pub seed: String,
    pub title: String,
    pub minutes: u32,
    pub tasks: Vec<ExamPlanTask>,
}

#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
pub struct ExamPlanTask {
    pub position: u32,
    pub lab_id: String,
    pub title: String,
    pub domain: String,
    pub competencies: Vec<String>,
    pub points: u32,
}

/// How to choose an exam's tasks.
#[derive(Debug, Clone, Default)]
pub struct ExamChoice {
    /// A fixed exam by id (from `exams/`); else a seeded draw.
    pub exam_id: Option<String>,
    pub seed: Option<u64>,
    /// Tasks in a drawn exam.
    pub count: Option<u32>,
}

/// A running (or submitted) exam as the learner works on it: no grades.
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
pub struct ExamView {
    pub exam_id: i64,
    pub title: String,
    pub seed: String,
    pub started_at: String,
    pub deadline: String,
    pub remaining_seconds: u32,
    #[ts(type = "\"running\" | \"submitted\"")]
    pub status: String,
    pub tasks: Vec<ExamTaskView>,
}

#[derive(Debug, Clone, Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
pub struct ExamTaskView {
    pub position: u32,
    pub lab_id: String,
    pub title: String,
    pub domain: String,
    pub points: u32,
    /// The task for this attempt's params, sanitized.
    pub task_html: String,
    /// The same task as markdown, for the terminal (not sent to the webview).
    #[serde(skip)]
    #[ts(skip)]
    pub task_markdown: String,
    pub flagged: bool,
    pub notes: String,
    pub attempt_id: i64,
}

/// The graded exam.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
pub struct ExamReport {
    pub exam_id: i64,
    pub title: String,
    pub seed: String,
    pub started_at: String,
    pub submitted_at: String,
    pub awarded: u32,
    pub possible: u32,
    pub percent: u32,
    pub pass_mark: u32,
    pub passed: bool,
    pub domains: Vec<ExamDomainScore>,
    pub tasks: Vec<ExamTaskResult>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
pub struct ExamDomainScore {
    pub id: String,
    pub title: String,
    pub awarded: u32,
    pub possible: u32,
    pub percent: u32,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
pub struct ExamTaskResult {
    pub position: u32,
    pub lab_id: String,
    pub title: String,
    pub domain: String,
    pub awarded: u32,
    pub possible: u32,
    pub passed: bool,
    /// Checks that did not pass, with expected vs found.
    pub failed: Vec<Outcome>,
    /// Lessons on the task's competencies.
    pub lessons: Vec<String>,
}

/// One exam in the history.
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
pub struct ExamSummary {
    pub exam_id: i64,
    pub title: String,
    pub started_at: String,
    #[ts(type = "\"running\" | \"submitted\"")]
    pub status: String,
    pub percent: Option<u32>,
    pub passed: Option<bool>,
}

/// A lab as the planner sees it.
#[derive(Debug, Clone)]
pub struct Candidate {
    pub lab_id: String,
    pub title: String,
    pub domain: String,
    pub competencies: Vec<String>,
    pub points: u32,
    /// `host:path` of node files the lab's steps change: two labs sharing one collide (each
    /// setup and each reset would undo the other's).
    pub node_files: BTreeSet<String>,
    /// Setup or grading needs node access.
    pub needs_nodes: bool,
    /// How far the lab reaches.
    pub scope: Scope,
}

/// Which tasks of a list cannot coexist on one cluster, as messages (empty when they can).
pub fn conflicts(tasks: &[&Candidate]) -> Vec<String> {
    let mut problems = Vec::new();
    let mut seen: BTreeMap<&str, usize> = BTreeMap::new();
    for (i, t) in tasks.iter().enumerate() {
        if let Some(first) = seen.insert(t.lab_id.as_str(), i) {
            problems.push(format!(
                "tasks {} and {} are both lab {} (one attempt per lab at a time)",
                first + 1,
                i + 1,
                t.lab_id
            ));
        }
        for (j, other) in tasks.iter().enumerate().take(i) {
            let shared: Vec<&String> = t.node_files.intersection(&other.node_files).collect();
            if !shared.is_empty() {
                problems.push(format!(
                    "tasks {} ({}) and {} ({}) both change {}",
                    j + 1,
                    other.lab_id,
                    i + 1,
                    t.lab_id,
                    shared
                        .iter()
                        .map(|s| s.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                ));
            }
        }
    }
    problems
}

/// The labs' own seeded stream (SplitMix64, stable across versions): an exam replays from its
/// seed.
type Rng = cks_labs::params::SplitMix64;

/// Draw `count` tasks by domain weight (largest remainder), never two that collide, in a
/// seeded random order. Fewer candidates than `count` gives every candidate that fits.
pub fn draw(candidates: &[Candidate], seed: u64, count: usize) -> Vec<usize> {
    let curriculum = cks_content::curriculum();
    let mut rng = Rng::new(seed);
    let mut by_domain: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    for (i, c) in candidates.iter().enumerate() {
        by_domain.entry(c.domain.as_str()).or_default().push(i);
    }
    for list in by_domain.values_mut() {
        rng.shuffle(list);
    }
    // Quotas by weight: floor, then the largest remainders.
    let total_weight: u32 = curriculum.domains.iter().map(|d| d.weight).sum();
    let mut quotas: Vec<(&str, usize, u64)> = curriculum
        .domains
        .iter()
        .map(|d| {
            let exact = u64::from(d.weight) * count as u64 * 1000 / u64::from(total_weight.max(1));
            (
                d.id.as_str(),
                usize::try_from(exact / 1000).unwrap_or(0),
                exact % 1000,
            )
        })
        .collect();
    let assigned: usize = quotas.iter().map(|q| q.1).sum();
    let mut order: Vec<usize> = (0..quotas.len()).collect();
    order.sort_by(|&a, &b| quotas[b].2.cmp(&quotas[a].2).then(a.cmp(&b)));
    for &i in order.iter().take(count.saturating_sub(assigned)) {
        quotas[i].1 += 1;
    }
    let mut chosen: Vec<usize> = Vec::new();
    let fits = |chosen: &[usize], i: usize| {
        let mut list: Vec<&Candidate> = chosen.iter().map(|&c| &candidates[c]).collect();
        list.push(&candidates[i]);
        conflicts(&list).is_empty()
    };
    for (domain, quota, _) in &quotas {
        let mut taken = 0;
        for &i in by_domain.get(domain).map(Vec::as_slice).unwrap_or(&[]) {
            if taken == *quota {
                break;
            }
            if fits(&chosen, i) {
                chosen.push(i);
                taken += 1;
            }
        }
    }
    // A domain with too few labs: fill from the rest, heaviest domains first.
    if chosen.len() < count {
        let mut rest: Vec<usize> = (0..candidates.len())
            .filter(|i| !chosen.contains(i))
            .collect();
        rng.shuffle(&mut rest);
        let weight = |i: usize| {
            curriculum
                .domain(&candidates[i].domain)
                .map_or(0, |d| d.weight)
        };
        rest.sort_by_key(|&i| std::cmp::Reverse(weight(i)));
        for i in rest {
            if chosen.len() == count {
                break;
            }
            if fits(&chosen, i) {
                chosen.push(i);
            }
        }
    }
    rng.shuffle(&mut chosen);
    chosen
}

fn now() -> OffsetDateTime {
    OffsetDateTime::now_utc()
}

fn parse_time(text: &str) -> Option<OffsetDateTime> {
    OffsetDateTime::parse(text, &Rfc3339).ok()
}

fn percent(awarded: u32, possible: u32) -> u32 {
    if possible == 0 {
        0
    } else {
        u32::try_from(u64::from(awarded) * 100 / u64::from(possible)).unwrap_or(100)
    }
}

/// Score graded tasks: per task, per domain, overall against the pass mark. A task whose
/// guard check failed scores 0 (the grade already says so).
pub fn score(tasks: Vec<ExamTaskResult>) -> (u32, u32, Vec<ExamDomainScore>, Vec<ExamTaskResult>) {
    let curriculum = cks_content::curriculum();
    let mut domains: Vec<ExamDomainScore> = Vec::new();
    for t in &tasks {
        let title = curriculum
            .domain(&t.domain)
            .map_or_else(|| t.domain.clone(), |d| d.title.clone());
        match domains.iter_mut().find(|d| d.id == t.domain) {
            Some(d) => {
                d.awarded += t.awarded;
                d.possible += t.possible;
            }
            None => domains.push(ExamDomainScore {
                id: t.domain.clone(),
                title,
                awarded: t.awarded,
                possible: t.possible,
                percent: 0,
            }),
        }
    }
    for d in &mut domains {
        d.percent = percent(d.awarded, d.possible);
    }
    // Curriculum order.
    domains.sort_by_key(|d| {
        curriculum
            .domains
            .iter()
            .position(|c| c.id == d.id)
            .unwrap_or(usize::MAX)
    });
    let awarded = tasks.iter().map(|t| t.awarded).sum();
    let possible = tasks.iter().map(|t| t.possible).sum();
    (awarded, possible, domains, tasks)
}

impl App {
    /// Where fixed exams live: `exams/` next to the labs folder.
    pub fn exams_dir(&self) -> PathBuf {
        self.config
            .labs_dir
            .parent()
            .map_or_else(|| PathBuf::from("exams"), |p| p.join("exams"))
    }

    /// Every fixed exam (`exams/*.yaml`); a file that does not parse is an error naming it.
    pub fn exam_files(&self) -> Result<Vec<ExamFile>, AppError> {
        let dir = self.exams_dir();
        let mut out = Vec::new();
        let Ok(entries) = std::fs::read_dir(&dir) else {
            return Ok(out);
        };
        let mut paths: Vec<PathBuf> = entries
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|e| e == "yaml" || e == "yml"))
            .collect();
        paths.sort();
        for path in paths {
            out.push(read_exam_file(&path)?);
        }
        out.extend(self.pack_exam_files()?);
        Ok(out)
    }

    /// Exams that installed packs ship: ids `<pack>.<exam>`, tasks naming the pack's labs.
    fn pack_exam_files(&self) -> Result<Vec<ExamFile>, AppError> {
        let mut out = Vec::new();
        for pack in self.installed_packs() {
            let root = self.packs_dir().join(&pack.id);
            let Ok(text) = std::fs::read_to_string(root.join("pack.yaml")) else {
                continue;
            };
            let Ok(manifest) = serde_saphyr::from_str::<crate::packs::PackManifest>(&text) else {
                continue;
            };
            for rel in &manifest.exams {
                let mut file = read_exam_file(&root.join(rel))?;
                file.id = format!("{}.{}", pack.id, file.id);
                // The pack's own labs by their id inside the pack; anything else as written
                // (a shipped lab, or another pack's `<pack>.<lab>`).
                for task in &mut file.tasks {
                    let own = format!("{}.{task}", pack.id);
                    if pack.labs.contains(&own) {
                        *task = own;
                    }
                }
                out.push(file);
            }
        }
        Ok(out)
    }

    fn candidate(&self, loaded: &LoadedLab) -> Candidate {
        let lab = &loaded.lab;
        let curriculum = cks_content::curriculum();
        let domain = lab
            .competencies
            .first()
            .and_then(|c| curriculum.competency(c))
            .map_or_else(String::new, |(d, _)| d.id.clone());
        let mut node_files = BTreeSet::new();
        for step in lab.setup.iter().chain(&lab.solution.steps) {
            if let Step::Node(n) = step {
                for path in [&n.edit, &n.write, &n.remove].into_iter().flatten() {
                    node_files.insert(format!("{}:{path}", n.host));
                }
            }
        }
        let params = loaded.draw_params(0);
        let mut needs_nodes = loaded.has_node_steps();
        if let Ok(rendered) = loaded.render(&params) {
            let specs: Vec<cks_checks::CheckSpec> = rendered.checks.specs().cloned().collect();
            let selections = cks_checks::spec::selections(&specs);
            // Files the checks only read do not collide; files the steps change do.
            needs_nodes |= !selections.node_files.is_empty() || !selections.logs.is_empty();
        }
        Candidate {
            lab_id: lab.id.clone(),
            title: lab.title.clone(),
            domain,
            competencies: lab.competencies.clone(),
            points: lab.points(),
            node_files,
            needs_nodes,
            scope: loaded.scope(),
        }
    }

    /// The exam `choice` describes: checked (every lab exists, none collide) before any setup.
    /// `with_nodes: false` leaves out labs that need node access (a cluster without nodes).
    pub fn plan_exam(&self, choice: &ExamChoice, with_nodes: bool) -> Result<ExamPlan, AppError> {
        self.plan_exam_within(
            choice,
            if with_nodes {
                Scope::Node
            } else {
                Scope::Cluster
            },
        )
    }

    /// Plan with labs reaching at most `reach`: `Node` on CKS Lab's kind cluster, `Cluster` on
    /// one without nodes, `Namespace` on a shared cluster.
    pub fn plan_exam_within(
        &self,
        choice: &ExamChoice,
        reach: Scope,
    ) -> Result<ExamPlan, AppError> {
        let with_nodes = reach >= Scope::Node;
        let seed = choice.seed.unwrap_or_else(crate::fresh_seed);
        let (title, minutes, picked) = match &choice.exam_id {
            Some(id) => {
                let file = self
                    .exam_files()?
                    .into_iter()
                    .find(|f| &f.id == id)
                    .ok_or_else(|| AppError::ExamNotFound(id.clone()))?;
                let mut picked = Vec::new();
                let mut problems = Vec::new();
                for lab_id in &file.tasks {
                    match self.lab(lab_id) {
                        Ok(loaded) => picked.push(self.candidate(&loaded)),
                        Err(e) => problems.push(format!("{lab_id}: {e}")),
                    }
                }
                let refs: Vec<&Candidate> = picked.iter().collect();
                problems.extend(conflicts(&refs));
                if !with_nodes {
                    problems.extend(picked.iter().filter(|c| c.needs_nodes).map(|c| {
                        format!(
                            "{} needs node access, which this cluster does not give",
                            c.lab_id
                        )
                    }));
                }
                if !problems.is_empty() {
                    return Err(AppError::ExamConflict(problems));
                }
                (file.title, file.minutes, picked)
            }
            None => {
                let count = usize::try_from(choice.count.unwrap_or(DEFAULT_TASKS).clamp(1, 40))
                    .unwrap_or(16);
                let doctor = self.doctor();
                let mut candidates = Vec::new();
                for dir in cks_labs::discover(&self.config.labs_dir) {
                    let Ok(loaded) = self.load_lab_dir(&dir) else {
                        continue;
                    };
                    let requires: Vec<&str> =
                        loaded.lab.requires.iter().map(|r| r.as_str()).collect();
                    // Add-ons are not installed by the exam; node access is stock on kind.
                    if requires.iter().any(|r| *r != "node") || doctor.unmet(&requires).is_some() {
                        continue;
                    }
                    let c = self.candidate(&loaded);
                    if (c.needs_nodes && !with_nodes) || c.scope > reach {
                        continue;
                    }
                    candidates.push(c);
                }
                candidates.sort_by(|a, b| a.lab_id.cmp(&b.lab_id));
                let picked = draw(&candidates, seed, count)
                    .into_iter()
                    .map(|i| candidates[i].clone())
                    .collect();
                (
                    format!("Mock exam {}", seed % 100_000),
                    EXAM_MINUTES,
                    picked,
                )
            }
        };
        Ok(ExamPlan {
            seed: seed.to_string(),
            title,
            minutes,
            tasks: picked
                .into_iter()
                .enumerate()
                .map(|(i, c)| ExamPlanTask {
                    position: u32::try_from(i + 1).unwrap_or(u32::MAX),
                    lab_id: c.lab_id,
                    title: c.title,
                    domain: c.domain,
                    competencies: c.competencies,
                    points: c.points,
                })
                .collect(),
        })
    }

    /// Set every task of the plan up on the cluster, then record the exam. A setup that fails
    /// undoes the tasks already set up and records no exam.
    pub async fn start_exam(
        &self,
        choice: &ExamChoice,
        cluster: &OwnedCluster,
        progress: &(dyn Fn(&str) + Send + Sync),
    ) -> Result<ExamView, AppError> {
        if let Some(running) = self.store.running_exam().await? {
            return Err(AppError::ExamRunning(running.id));
        }
        let reach = if cluster.learner().is_some() {
            Scope::Namespace
        } else if cluster.has_nodes().await.unwrap_or(false) {
            Scope::Node
        } else {
            Scope::Cluster
        };
        let plan = self.plan_exam_within(choice, reach)?;
        if plan.tasks.is_empty() {
            return Err(AppError::ExamConflict(vec![
                "no lab can be drawn for this cluster".into(),
            ]));
        }
        let seed: u64 = plan.seed.parse().unwrap_or(0);
        let mut rng = Rng::new(seed);
        let mut started: Vec<(String, i64)> = Vec::new();
        for task in &plan.tasks {
            progress(&format!(
                "task {}/{}: {}",
                task.position,
                plan.tasks.len(),
                task.title
            ));
            let task_seed = rng.next();
            match self
                .start_as(
                    &task.lab_id,
                    Some(task_seed),
                    cluster,
                    None,
                    progress,
                    Source::Exam,
                )
                .await
            {
                Ok(report) => started.push((task.lab_id.clone(), report.attempt_id)),
                Err(e) => {
                    progress(&format!(
                        "{}: {e}; undoing the tasks set up so far",
                        task.lab_id
                    ));
                    for (lab_id, _) in &started {
                        let _ = self.reset_attempt(lab_id, cluster, None).await;
                    }
                    return Err(e);
                }
            }
        }
        let deadline = (now() + time::Duration::minutes(i64::from(plan.minutes)))
            .format(&Rfc3339)
            .unwrap_or_default();
        let id = self
            .store
            .create_exam(NewExam {
                title: &plan.title,
                seed,
                deadline: &deadline,
                tasks: &started,
            })
            .await?;
        progress("the exam has started");
        self.exam_view(id).await
    }

    async fn stored_exam(&self, exam_id: i64) -> Result<StoredExam, AppError> {
        self.store
            .exam(exam_id)
            .await?
            .ok_or(AppError::ExamNotFound(exam_id.to_string()))
    }

    /// An exam as the learner works on it.
    pub async fn exam_view(&self, exam_id: i64) -> Result<ExamView, AppError> {
        let exam = self.stored_exam(exam_id).await?;
        let remaining = parse_time(&exam.deadline)
            .map(|d| (d - now()).whole_seconds().max(0))
            .unwrap_or(0);
        let mut tasks = Vec::new();
        for t in &exam.tasks {
            let loaded = self.lab(&t.lab_id)?;
            let attempt = self.store.attempt(t.attempt_id).await?;
            let params = Self::params_of(&attempt);
            let rendered = render_lab(&loaded, &params, &t.lab_id)?;
            tasks.push(ExamTaskView {
                position: t.position,
                lab_id: t.lab_id.clone(),
                title: loaded.lab.title.clone(),
                domain: self.candidate(&loaded).domain,
                points: loaded.lab.points(),
                task_html: markdown_to_safe_html(&rendered.task),
                task_markdown: rendered.task.clone(),
                flagged: t.flagged,
                notes: t.notes.clone(),
                attempt_id: t.attempt_id,
            });
        }
        Ok(ExamView {
            exam_id: exam.id,
            title: exam.title,
            seed: exam.seed.to_string(),
            started_at: exam.started_at,
            deadline: exam.deadline,
            remaining_seconds: if exam.status == "running" {
                u32::try_from(remaining).unwrap_or(u32::MAX)
            } else {
                0
            },
            status: exam.status,
            tasks,
        })
    }

    /// The running exam, if any (quitting the app mid-exam resumes it with its time left).
    pub async fn current_exam(&self) -> Result<Option<ExamView>, AppError> {
        match self.store.running_exam().await? {
            Some(e) => Ok(Some(self.exam_view(e.id).await?)),
            None => Ok(None),
        }
    }

    pub async fn flag_exam_task(
        &self,
        exam_id: i64,
        position: u32,
        flagged: bool,
    ) -> Result<(), AppError> {
        if self.store.set_exam_flag(exam_id, position, flagged).await? {
            Ok(())
        } else {
            Err(AppError::ExamTask { exam_id, position })
        }
    }

    pub async fn note_exam_task(
        &self,
        exam_id: i64,
        position: u32,
        notes: &str,
    ) -> Result<(), AppError> {
        if self.store.set_exam_notes(exam_id, position, notes).await? {
            Ok(())
        } else {
            Err(AppError::ExamTask { exam_id, position })
        }
    }

    /// Grade every task now and store the report (submit, or the time ran out). A task that
    /// cannot be graded (its cluster is gone) scores 0 with the reason as its failed check.
    pub async fn submit_exam(
        &self,
        exam_id: i64,
        cluster: &OwnedCluster,
        progress: &(dyn Fn(&str) + Send + Sync),
    ) -> Result<ExamReport, AppError> {
        let exam = self.stored_exam(exam_id).await?;
        if exam.status != "running" {
            return self.exam_report(exam_id).await;
        }
        let lessons = self.list_lessons(None).await.unwrap_or_default();
        let mut results = Vec::new();
        for t in &exam.tasks {
            progress(&format!("grading task {}: {}", t.position, t.lab_id));
            let loaded = self.lab(&t.lab_id)?;
            let candidate = self.candidate(&loaded);
            let attempt = self.store.attempt(t.attempt_id).await?;
            let possible = loaded.lab.points();
            let (awarded, passed, failed) = match self.grade_recorded(attempt, cluster, None).await
            {
                Ok(report) => (
                    report.grade.points_awarded,
                    report.grade.passed,
                    report
                        .outcomes
                        .into_iter()
                        .filter(|o| o.status != Status::Pass)
                        .collect(),
                ),
                Err(e) => (
                    0,
                    false,
                    vec![Outcome {
                        check_id: "grading".into(),
                        status: Status::Error,
                        points_awarded: 0,
                        points_possible: possible,
                        message: e.to_string(),
                        findings: Vec::new(),
                        doc: None,
                    }],
                ),
            };
            results.push(ExamTaskResult {
                position: t.position,
                lab_id: t.lab_id.clone(),
                title: loaded.lab.title.clone(),
                domain: candidate.domain,
                awarded,
                possible,
                passed,
                failed,
                lessons: lessons
                    .iter()
                    .filter(|l| {
                        l.competencies
                            .iter()
                            .any(|c| loaded.lab.competencies.contains(c))
                    })
                    .map(|l| l.id.clone())
                    .collect(),
            });
        }
        let (awarded, possible, domains, tasks) = score(results);
        let percent = percent(awarded, possible);
        let report = ExamReport {
            exam_id,
            title: exam.title.clone(),
            seed: exam.seed.to_string(),
            started_at: exam.started_at.clone(),
            submitted_at: now().format(&Rfc3339).unwrap_or_default(),
            awarded,
            possible,
            percent,
            pass_mark: PASS_MARK,
            passed: percent >= PASS_MARK,
            domains,
            tasks,
        };
        let json = serde_json::to_value(&report).map_err(|e| AppError::File {
            action: "store the report of",
            path: PathBuf::from(format!("exam {exam_id}")),
            message: e.to_string(),
        })?;
        self.store.submit_exam(exam_id, &json).await?;
        progress("submitted");
        Ok(report)
    }

    /// The report of a submitted exam.
    pub async fn exam_report(&self, exam_id: i64) -> Result<ExamReport, AppError> {
        let exam = self.stored_exam(exam_id).await?;
        let Some(report) = exam.report else {
            return Err(AppError::ExamNotSubmitted(exam_id));
        };
        serde_json::from_value(report).map_err(|e| {
            AppError::Store(cks_store::StoreError::Corrupt(format!(
                "exam {exam_id}'s report: {e}"
            )))
        })
    }

    /// Every exam, newest first.
    pub async fn exam_history(&self) -> Result<Vec<ExamSummary>, AppError> {
        Ok(self
            .store
            .exams()
            .await?
            .into_iter()
            .map(|e| {
                let report: Option<ExamReport> =
                    e.report.and_then(|r| serde_json::from_value(r).ok());
                ExamSummary {
                    exam_id: e.id,
                    title: e.title,
                    started_at: e.started_at,
                    status: e.status,
                    percent: report.as_ref().map(|r| r.percent),
                    passed: report.as_ref().map(|r| r.passed),
                }
            })
            .collect())
    }
}

fn read_exam_file(path: &Path) -> Result<ExamFile, AppError> {
    let bad = |message: String| AppError::File {
        action: "read the exam",
        path: path.to_path_buf(),
        message,
    };
    let text = std::fs::read_to_string(path).map_err(|e| bad(e.to_string()))?;
    let mut file: ExamFile = serde_saphyr::from_str(&text).map_err(|e| bad(e.to_string()))?;
    let stem = path
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    if file.id.is_empty() {
        file.id = stem;
    } else if file.id != stem {
        return Err(bad(format!(
            "id {:?} must equal the file name {stem:?}",
            file.id
        )));
    }
    if file.tasks.is_empty() {
        return Err(bad("tasks: at least one lab id is needed".into()));
    }
    Ok(file)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn candidate(id: &str, domain: &str, files: &[&str]) -> Candidate {
        Candidate {
            lab_id: id.into(),
            title: id.into(),
            domain: domain.into(),
            competencies: vec![],
            points: 5,
            node_files: files.iter().map(|f| (*f).to_owned()).collect(),
            needs_nodes: !files.is_empty(),
            scope: if files.is_empty() {
                Scope::Namespace
            } else {
                Scope::Node
            },
        }
    }

    fn pool() -> Vec<Candidate> {
        let domains: Vec<String> = cks_content::curriculum()
            .domains
            .iter()
            .map(|d| d.id.clone())
            .collect();
        let mut out = Vec::new();
        for (i, d) in domains.iter().enumerate() {
            for j in 0..6 {
                out.push(candidate(&format!("{d}-{j}"), d, &[]));
            }
            // Two labs per domain fight over one file.
            let file = format!("control-plane:/etc/kubernetes/manifests/f{i}.yaml");
            out.push(candidate(&format!("{d}-node-a"), d, &[&file]));
            out.push(candidate(&format!("{d}-node-b"), d, &[&file]));
        }
        out
    }

    #[test]
    fn a_draw_follows_the_domain_weights_and_replays_from_its_seed() {
        let pool = pool();
        let a = draw(&pool, 7, 16);
        assert_eq!(a, draw(&pool, 7, 16), "same seed, same exam");
        assert_ne!(a, draw(&pool, 8, 16), "another seed, another exam");
        assert_eq!(a.len(), 16);
        let curriculum = cks_content::curriculum();
        let total: u32 = curriculum.domains.iter().map(|d| d.weight).sum();
        for d in &curriculum.domains {
            let n = a.iter().filter(|&&i| pool[i].domain == d.id).count() as f64;
            let expected = f64::from(d.weight) * 16.0 / f64::from(total);
            assert!((n - expected).abs() < 1.0, "{}: {n} vs {expected}", d.id);
        }
    }

    #[test]
    fn colliding_labs_are_never_drawn_together() {
        let pool = pool();
        for seed in 0..200 {
            let picked: Vec<&Candidate> = draw(&pool, seed, 30).iter().map(|&i| &pool[i]).collect();
            assert!(conflicts(&picked).is_empty(), "seed {seed}");
            let ids: BTreeSet<&str> = picked.iter().map(|c| c.lab_id.as_str()).collect();
            assert_eq!(ids.len(), picked.len(), "no lab twice");
        }
    }

    #[test]
    fn conflicts_name_the_tasks_and_the_file() {
        let a = candidate("a", "x", &["control-plane:/etc/f"]);
        let b = candidate("b", "x", &["control-plane:/etc/f"]);
        let problems = conflicts(&[&a, &b, &a]);
        assert_eq!(problems.len(), 4, "{problems:?}");
        assert!(problems[0].contains("tasks 1 (a) and 2 (b) both change control-plane:/etc/f"));
        assert!(
            problems
                .iter()
                .any(|p| p.contains("tasks 1 and 3 are both lab a"))
        );
    }

    #[test]
    fn scores_add_up_per_domain_and_against_the_pass_mark() {
        let task = |p: u32, d: &str, a: u32, of: u32| ExamTaskResult {
            position: p,
            lab_id: format!("l{p}"),
            title: String::new(),
            domain: d.into(),
            awarded: a,
            possible: of,
            passed: a == of,
            failed: vec![],
            lessons: vec![],
        };
        let d = &cks_content::curriculum().domains;
        let (awarded, possible, domains, _) = score(vec![
            task(1, &d[1].id, 5, 5),
            task(2, &d[0].id, 0, 4),
            task(3, &d[1].id, 3, 6),
        ]);
        assert_eq!((awarded, possible), (8, 15));
        assert_eq!(domains.len(), 2);
        assert_eq!(domains[0].id, d[0].id, "curriculum order");
        assert_eq!(
            (domains[0].awarded, domains[0].possible, domains[0].percent),
            (0, 4, 0)
        );
        assert_eq!(
            (domains[1].awarded, domains[1].possible, domains[1].percent),
            (8, 11, 72)
        );
        assert_eq!(percent(8, 15), 53);
        assert!(percent(67, 100) >= PASS_MARK && percent(66, 100) < PASS_MARK);
    }
}
