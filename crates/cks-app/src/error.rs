//! Errors of the use cases, each with a stable code the shells map to exit codes and UI text.

use std::path::PathBuf;

use cks_labs::Problem;

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("no lab {id:?} in {labs_dir} (see `ckslab labs list`)")]
    LabNotFound { id: String, labs_dir: PathBuf },
    #[error("lab {id:?} is invalid ({} problem(s); run `ckslab labs lint`)", problems.len())]
    LabInvalid { id: String, problems: Vec<Problem> },
    #[error("snapshot folder {dir} cannot be graded ({} problem(s))", problems.len())]
    Snapshot {
        dir: PathBuf,
        problems: Vec<Problem>,
    },
    #[error("params of snapshot {dir} do not fit the lab: {message}")]
    Params { dir: PathBuf, message: String },
    #[error("unknown competency id {0:?} (ids are listed by `ckslab progress`)")]
    UnknownCompetency(String),
    #[error("{0} does not exist")]
    PathNotFound(PathBuf),
    #[error("no lab.yaml in {0} or its sub-folders")]
    NoLabs(PathBuf),
    #[error("no lesson {0:?} (see `ckslab lessons list`)")]
    LessonNotFound(String),
    #[error("the lessons in {dir} have {} problem(s)", problems.len())]
    LessonsInvalid {
        dir: PathBuf,
        problems: Vec<cks_content::lessons::LessonProblem>,
    },
    #[error("lesson {id:?} does not render: {message}")]
    LessonRender { id: String, message: String },
    #[error(transparent)]
    Store(#[from] cks_store::StoreError),
    #[error(transparent)]
    Cluster(#[from] cks_cluster::ClusterError),
    #[error(
        "no cluster: {0} does not exist (create CKS Lab's kind cluster, or pass --kubeconfig for a cluster you registered)"
    )]
    NoCluster(PathBuf),
    #[error("lab {id:?} on the cluster: {message}")]
    LiveGrade { id: String, message: String },
    #[error("no attempt at lab {0:?} yet: start one with `ckslab start {0}`")]
    NoAttempt(String),
    #[error("lab {id} has no fixture {fixture:?}; it has {known}")]
    FixtureNotFound {
        id: String,
        fixture: String,
        known: String,
    },
    #[error("lesson {lesson:?} has no question {index} (it has {count}, numbered from 0)")]
    QuizQuestion {
        lesson: String,
        index: u32,
        count: usize,
    },
    #[error("pack {origin} was refused ({} problem(s)); nothing was installed", problems.len())]
    PackInvalid {
        origin: String,
        problems: Vec<Problem>,
    },
    #[error("{} export file(s) cannot be read", problems.len())]
    Exports { problems: Vec<Problem> },
    #[error("no installed pack {0} (see `ckslab packs list`)")]
    PackNotFound(String),
    #[error("lab {id} cannot run on this shared cluster: {message}")]
    SharedCluster { id: String, message: String },
    #[error("{message}")]
    Images { message: String },
    #[error("add-on {name}: {message}")]
    Addon { name: String, message: String },
    #[error("no exam {0:?} (fixed exams live in exams/*.yaml; `ckslab exam list`)")]
    ExamNotFound(String),
    #[error("this exam cannot run:\n{}", .0.join("\n"))]
    ExamConflict(Vec<String>),
    #[error("exam {0} is still running: submit it first (`ckslab exam submit`)")]
    ExamRunning(i64),
    #[error("exam {exam_id} has no running task {position}")]
    ExamTask { exam_id: i64, position: u32 },
    #[error("exam {0} has not been submitted yet")]
    ExamNotSubmitted(i64),
    #[error(transparent)]
    Terminal(#[from] crate::terminal::TerminalError),
    #[error("cannot watch {path}: {message}")]
    Watch { path: PathBuf, message: String },
    #[error("cannot {action} {path}: {message}")]
    File {
        action: &'static str,
        path: PathBuf,
        message: String,
    },
}

impl AppError {
    /// A stable, machine-readable code.
    pub fn code(&self) -> &'static str {
        match self {
            AppError::LabNotFound { .. } => "lab-not-found",
            AppError::LabInvalid { .. } => "lab-invalid",
            AppError::Snapshot { .. } => "snapshot-invalid",
            AppError::Params { .. } => "params-invalid",
            AppError::UnknownCompetency(_) => "unknown-competency",
            AppError::PathNotFound(_) => "path-not-found",
            AppError::NoLabs(_) => "no-labs",
            AppError::LessonNotFound(_) => "lesson-not-found",
            AppError::LessonsInvalid { .. } => "lessons-invalid",
            AppError::LessonRender { .. } => "lesson-render",
            AppError::Store(_) => "store",
            AppError::Cluster(cks_cluster::ClusterError::NotRegistered { .. }) => {
                "cluster-not-registered"
            }
            AppError::Cluster(_) => "cluster",
            AppError::NoCluster(_) => "no-cluster",
            AppError::LiveGrade { .. } => "live-grade",
            AppError::NoAttempt(_) => "no-attempt",
            AppError::Terminal(crate::terminal::TerminalError::NotFound(_)) => "terminal-not-found",
            AppError::Terminal(_) => "terminal",
            AppError::Watch { .. } => "watch",
            AppError::ExamNotFound(_) => "exam-not-found",
            AppError::Images { .. } => "images",
            AppError::Addon { .. } => "addon",
            AppError::SharedCluster { .. } => "shared-cluster",
            AppError::PackInvalid { .. } => "pack-invalid",
            AppError::PackNotFound(_) => "pack-not-found",
            AppError::Exports { .. } => "exports-invalid",
            AppError::QuizQuestion { .. } => "quiz-question",
            AppError::ExamConflict(_) => "exam-conflict",
            AppError::ExamRunning(_) => "exam-running",
            AppError::ExamTask { .. } => "exam-task",
            AppError::ExamNotSubmitted(_) => "exam-not-submitted",
            AppError::FixtureNotFound { .. } => "fixture-not-found",
            AppError::File { .. } => "file",
        }
    }

    /// The problems behind the error, when it has a list of them.
    pub fn problems(&self) -> &[Problem] {
        match self {
            AppError::LabInvalid { problems, .. }
            | AppError::Snapshot { problems, .. }
            | AppError::PackInvalid { problems, .. }
            | AppError::Exports { problems } => problems,
            _ => &[],
        }
    }

    /// Lesson problems behind the error, as text.
    pub fn lesson_problems(&self) -> Vec<String> {
        match self {
            AppError::LessonsInvalid { problems, .. } => {
                problems.iter().map(ToString::to_string).collect()
            }
            _ => Vec::new(),
        }
    }

    /// Environment errors (exit code 3) versus input errors (exit code 1).
    pub fn is_environment(&self) -> bool {
        matches!(
            self,
            AppError::Store(_)
                | AppError::Cluster(_)
                | AppError::NoCluster(_)
                | AppError::Images { .. }
        )
    }
}
