//! CKS Lab use cases: the one API that the `ckslab` CLI and the desktop app call.
//!
//! Everything here speaks plain data types (serializable DTOs) so the shells stay thin: a
//! shell parses arguments, calls one function, and renders the result. Nothing outside this
//! crate computes a grade or touches the store.

mod attempts;
mod author;
pub mod dto;
mod error;
pub mod exam;
mod lessons;
pub mod packs;
pub mod progress;
pub mod setup;
pub mod terminal;
mod verify;
pub mod workshop;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use cks_checks::Score;
use cks_labs::LoadedLab;
use cks_store::{NewAttempt, Source, Store};
use serde::Serialize;
use serde_json::Value as Json;

pub use attempts::{CLUSTER_NAME, ClusterStatus, HintReport, StartReport};
pub use author::{
    AuthorLab, AuthorReport, AuthorWatch, FixtureView, SelfTestView, author_check, author_watch,
};
pub use cks_checks::play;
pub use cks_checks::{Finding, Outcome, Status};
pub use cks_cluster::{ClusterError, ClusterIdentity, Connection, OwnedCluster, Registry};
pub use cks_cluster::{Doctor, Tool};
pub use cks_content::lessons::{SearchHit, markdown_to_safe_html};
pub use cks_content::{Curriculum, curriculum};
pub use cks_labs::Problem;
pub use cks_labs::selftest::{FixtureKind, FixtureResult, SelfTest};
pub use cks_store::{Export, Grade, ImportSummary};
pub use error::AppError;
pub use lessons::{LessonSummary, LessonView, QuizAnswered, QuizResult, QuizView};
pub use progress::{CompetencyProgress, DomainProgress, ProgressReport, Suggestion};
pub use verify::{Nodes, VerifyPhase, VerifyReport};

/// Where the app keeps its data and finds its labs.
#[derive(Debug, Clone)]
pub struct AppConfig {
    /// Holds `progress.db`.
    pub data_dir: PathBuf,
    /// Holds one folder per lab.
    pub labs_dir: PathBuf,
    /// Holds `curriculum.yaml` and `lessons/`.
    pub content_dir: PathBuf,
}

impl AppConfig {
    /// The platform data directory (e.g. `~/.local/share/ckslab`), if the platform has one.
    pub fn default_data_dir() -> Option<PathBuf> {
        directories::ProjectDirs::from("dev", "ckslab", "ckslab")
            .map(|d| d.data_dir().to_path_buf())
    }

    /// The bundled lessons: `$CKSLAB_CONTENT`, else `./content`, else a `content/` folder holding
    /// `curriculum.yaml` next to or above the executable.
    pub fn default_content_dir() -> Option<PathBuf> {
        if let Some(dir) = std::env::var_os("CKSLAB_CONTENT") {
            return Some(PathBuf::from(dir));
        }
        let cwd = PathBuf::from("content");
        if cwd.join("curriculum.yaml").is_file() {
            return Some(cwd);
        }
        let exe = std::env::current_exe().ok()?;
        exe.ancestors()
            .skip(1)
            .map(|d| d.join("content"))
            .find(|d| d.join("curriculum.yaml").is_file())
            .or_else(|| {
                exe.ancestors()
                    .skip(1)
                    .map(|d| d.join("share/ckslab/content"))
                    .find(|d| d.is_dir())
            })
    }

    /// The bundled labs: `$CKSLAB_LABS`, else `./labs`, else a `labs/` folder holding
    /// `schema.json` next to or above the executable (a source checkout).
    pub fn default_labs_dir() -> Option<PathBuf> {
        if let Some(dir) = std::env::var_os("CKSLAB_LABS") {
            return Some(PathBuf::from(dir));
        }
        let cwd = PathBuf::from("labs");
        if cwd.join("schema.json").is_file() {
            return Some(cwd);
        }
        let exe = std::env::current_exe().ok()?;
        exe.ancestors()
            .skip(1)
            .map(|d| d.join("labs"))
            .find(|d| d.join("schema.json").is_file())
            .or_else(|| {
                exe.ancestors()
                    .skip(1)
                    .map(|d| d.join("share/ckslab/labs"))
                    .find(|d| d.is_dir())
            })
    }
}

/// A lab in a list.
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
pub struct LabSummary {
    pub id: String,
    pub title: String,
    pub competencies: Vec<String>,
    pub difficulty: String,
    pub minutes: u32,
    pub points: u32,
    pub requires: Vec<String>,
    pub checks: usize,
    /// How far the lab reaches: only `namespace` labs run on a shared cluster.
    #[ts(type = "\"namespace\" | \"cluster\" | \"node\"")]
    pub scope: String,
    /// Why this lab cannot run on this machine (host capabilities from the doctor), if it cannot.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub unavailable: Option<String>,
}

/// A lab folder that failed to load, with its problems.
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
pub struct LabFailure {
    pub dir: PathBuf,
    pub problems: Vec<Problem>,
}

/// All labs of the labs folder.
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
pub struct LabList {
    pub labs: Vec<LabSummary>,
    pub invalid: Vec<LabFailure>,
}

/// One lab in detail, rendered with sample params (seed 0).
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
pub struct LabDetail {
    #[serde(flatten)]
    pub summary: LabSummary,
    pub content_hash: String,
    pub sample_params: BTreeMap<String, Json>,
    pub task_markdown: String,
    pub hint_count: usize,
    pub hint_cost: u32,
    pub check_list: Vec<CheckInfo>,
}

#[derive(Debug, Clone, Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
pub struct CheckInfo {
    pub id: String,
    pub points: u32,
    pub kind: String,
    pub description: Option<String>,
}

/// Lint result of one lab folder.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct LintResult {
    pub dir: PathBuf,
    pub id: Option<String>,
    pub problems: Vec<Problem>,
}

/// A graded snapshot, as recorded.
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
pub struct GradeReport {
    pub lab_id: String,
    pub title: String,
    pub attempt_id: i64,
    pub seed: u64,
    pub params: BTreeMap<String, Json>,
    pub grade: Grade,
    pub outcomes: Vec<Outcome>,
    pub guard_failed: bool,
}

fn summary(loaded: &LoadedLab, doctor: Option<&cks_cluster::Doctor>) -> LabSummary {
    let lab = &loaded.lab;
    let requires: Vec<&str> = lab.requires.iter().map(|r| r.as_str()).collect();
    LabSummary {
        unavailable: doctor.and_then(|d| d.unmet(&requires)),
        id: lab.id.clone(),
        title: lab.title.clone(),
        competencies: lab.competencies.clone(),
        difficulty: lab.difficulty.as_str().into(),
        minutes: lab.minutes,
        points: lab.points(),
        requires: lab.requires.iter().map(|r| r.as_str().to_owned()).collect(),
        checks: lab.checks.len(),
        scope: loaded.scope().as_str().to_owned(),
    }
}

/// Every lab folder under each path (a path may be one lab folder or a folder of labs).
fn lab_dirs(paths: &[PathBuf]) -> Result<Vec<PathBuf>, AppError> {
    let mut dirs = Vec::new();
    for path in paths {
        if !path.exists() {
            return Err(AppError::PathNotFound(path.clone()));
        }
        let found = cks_labs::discover(path);
        if found.is_empty() {
            return Err(AppError::NoLabs(path.clone()));
        }
        dirs.extend(found);
    }
    Ok(dirs)
}

/// Lint lab folders: every problem of every lab (no store needed).
pub fn lint(paths: &[PathBuf]) -> Result<Vec<LintResult>, AppError> {
    let dirs = lab_dirs(paths)?;
    let mut results: Vec<LintResult> = dirs
        .into_iter()
        .map(|dir| match cks_labs::load(&dir) {
            Ok(loaded) => LintResult {
                dir,
                id: Some(loaded.lab.id),
                problems: Vec::new(),
            },
            Err(problems) => LintResult {
                dir,
                id: None,
                problems,
            },
        })
        .collect();
    // Lab ids are unique across the library.
    let mut seen: BTreeMap<String, PathBuf> = BTreeMap::new();
    for r in &mut results {
        if let Some(id) = &r.id {
            if let Some(first) = seen.get(id) {
                r.problems.push(
                    Problem::new(
                        r.dir.join("lab.yaml"),
                        format!("lab id {id:?} is also used by {}", first.display()),
                    )
                    .field("id"),
                );
            } else {
                seen.insert(id.clone(), r.dir.clone());
            }
        }
    }
    Ok(results)
}

/// The offline self-test of lab folders. A lab that does not load fails with its problems.
pub fn self_test(paths: &[PathBuf]) -> Result<Vec<Result<SelfTest, LintResult>>, AppError> {
    let dirs = lab_dirs(paths)?;
    Ok(dirs
        .into_iter()
        .map(|dir| match cks_labs::load(&dir) {
            Ok(loaded) => Ok(cks_labs::selftest::self_test(&loaded)),
            Err(problems) => Err(LintResult {
                dir,
                id: None,
                problems,
            }),
        })
        .collect())
}

/// Render a lab for params, or say why it does not render.
pub(crate) fn render_lab(
    loaded: &LoadedLab,
    params: &BTreeMap<String, Json>,
    lab_id: &str,
) -> Result<cks_labs::RenderedLab, AppError> {
    loaded
        .render(params)
        .map_err(|problems| AppError::LabInvalid {
            id: lab_id.to_owned(),
            problems,
        })
}

/// Params as one JSON object (as the store records them).
pub(crate) fn params_json(params: &BTreeMap<String, Json>) -> Json {
    Json::Object(params.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
}

/// A seed for a new attempt, from the clock and the process id.
pub fn fresh_seed() -> u64 {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    let mut z = (nanos as u64) ^ (u64::from(std::process::id()) << 32);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// The application: a labs folder and a progress store.
#[derive(Debug)]
pub struct App {
    config: AppConfig,
    store: Store,
    /// Loaded labs by folder, with the signature of their files (paths, sizes, mtimes): the
    /// desktop app lists and opens labs often, and loading one renders every template.
    labs: std::sync::Mutex<BTreeMap<PathBuf, (u64, LoadedLab)>>,
}

/// A cheap fingerprint of a folder's files (stat only): any edit changes it.
fn folder_signature(dir: &Path) -> u64 {
    use std::hash::{Hash, Hasher};
    fn walk(dir: &Path, h: &mut std::collections::hash_map::DefaultHasher) {
        let mut entries: Vec<std::fs::DirEntry> = std::fs::read_dir(dir)
            .into_iter()
            .flatten()
            .flatten()
            .collect();
        entries.sort_by_key(std::fs::DirEntry::file_name);
        for e in entries {
            let path = e.path();
            path.hash(h);
            if let Ok(meta) = e.metadata() {
                meta.len().hash(h);
                meta.modified().ok().hash(h);
                if meta.is_dir() {
                    walk(&path, h);
                }
            }
        }
    }
    let mut h = std::collections::hash_map::DefaultHasher::new();
    walk(dir, &mut h);
    h.finish()
}

impl App {
    pub async fn open(config: AppConfig) -> Result<App, AppError> {
        let store = Store::open(&config.data_dir.join("progress.db")).await?;
        Ok(App {
            config,
            store,
            labs: std::sync::Mutex::new(BTreeMap::new()),
        })
    }

    /// Load a lab folder for use, from the cache when none of its files changed.
    pub(crate) fn load_lab_dir(&self, dir: &Path) -> Result<LoadedLab, Vec<Problem>> {
        let signature = folder_signature(dir);
        {
            let cached = self
                .labs
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            if let Some((sig, loaded)) = cached.get(dir)
                && *sig == signature
            {
                return Ok(loaded.clone());
            }
        }
        let loaded = cks_labs::load_for_use(dir)?;
        self.labs
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .insert(dir.to_path_buf(), (signature, loaded.clone()));
        Ok(loaded)
    }

    pub fn config(&self) -> &AppConfig {
        &self.config
    }

    pub fn store(&self) -> &Store {
        &self.store
    }

    /// Load one lab of the labs folder by id.
    pub fn lab(&self, id: &str) -> Result<LoadedLab, AppError> {
        if id.contains('.')
            && let Some(dir) = self.pack_lab_dir(id)
        {
            let mut loaded = self
                .load_lab_dir(&dir)
                .map_err(|problems| AppError::LabInvalid {
                    id: id.to_owned(),
                    problems,
                })?;
            loaded.lab.id = id.to_owned();
            return Ok(loaded);
        }
        let dir = self.config.labs_dir.join(id);
        if !id.is_empty() && !id.contains(['/', '\\']) && dir.join("lab.yaml").is_file() {
            return self
                .load_lab_dir(&dir)
                .map_err(|problems| AppError::LabInvalid {
                    id: id.to_owned(),
                    problems,
                });
        }
        Err(AppError::LabNotFound {
            id: id.to_owned(),
            labs_dir: self.config.labs_dir.clone(),
        })
    }

    /// Every lab, optionally only those practising one competency.
    pub fn list_labs(&self, competency: Option<&str>) -> Result<LabList, AppError> {
        if let Some(c) = competency
            && cks_content::curriculum().competency(c).is_none()
        {
            return Err(AppError::UnknownCompetency(c.to_owned()));
        }
        if !self.config.labs_dir.is_dir() {
            return Err(AppError::PathNotFound(self.config.labs_dir.clone()));
        }
        let mut labs = Vec::new();
        let mut invalid = Vec::new();
        let doctor = cks_cluster::Doctor::probe();
        let shipped = cks_labs::discover(&self.config.labs_dir)
            .into_iter()
            .map(|dir| (None, dir));
        let packed = self
            .pack_labs()
            .into_iter()
            .map(|(id, dir)| (Some(id), dir));
        for (pack_id, dir) in shipped.chain(packed) {
            match self.load_lab_dir(&dir) {
                Ok(mut loaded) => {
                    if let Some(id) = pack_id {
                        loaded.lab.id = id;
                    }
                    if competency.is_none_or(|c| loaded.lab.competencies.iter().any(|x| x == c)) {
                        labs.push(summary(&loaded, Some(&doctor)));
                    }
                }
                Err(problems) => invalid.push(LabFailure { dir, problems }),
            }
        }
        Ok(LabList { labs, invalid })
    }

    /// One lab in detail, with the task rendered for sample params.
    pub fn show_lab(&self, id: &str) -> Result<LabDetail, AppError> {
        let loaded = self.lab(id)?;
        let params = loaded.draw_params(0);
        let rendered = loaded
            .render(&params)
            .map_err(|problems| AppError::LabInvalid {
                id: id.to_owned(),
                problems,
            })?;
        let check_list = loaded
            .lab
            .checks
            .iter()
            .zip(rendered.checks.specs())
            .map(|(raw, spec)| CheckInfo {
                id: raw.id.clone(),
                points: raw.points,
                kind: raw.kind_names().first().copied().unwrap_or("?").to_owned(),
                description: spec.description.clone(),
            })
            .collect();
        Ok(LabDetail {
            summary: summary(&loaded, Some(&cks_cluster::Doctor::probe())),
            content_hash: loaded.content_hash.clone(),
            sample_params: params,
            task_markdown: rendered.task,
            hint_count: loaded.lab.hints.len(),
            hint_cost: loaded.lab.hint_cost,
            check_list,
        })
    }

    /// Grade a snapshot folder for a lab and record the attempt and its grade.
    ///
    /// Params come from the snapshot's `params.yaml` when it has one, else from `seed`
    /// (or a fresh seed). Nothing is recorded unless the snapshot loads and grades.
    pub async fn grade_snapshot(
        &self,
        lab_id: &str,
        snapshot_dir: &Path,
        seed: Option<u64>,
    ) -> Result<GradeReport, AppError> {
        let loaded = self.lab(lab_id)?;
        let mut snapshot =
            cks_labs::snapshot_dir::load(snapshot_dir).map_err(|problems| AppError::Snapshot {
                dir: snapshot_dir.to_path_buf(),
                problems,
            })?;
        let seed = seed.unwrap_or_else(fresh_seed);
        let params = if snapshot.params.is_empty() {
            loaded.draw_params(seed)
        } else {
            snapshot.params.clone()
        };
        loaded
            .fixture_params(&params)
            .map_err(|e| AppError::Params {
                dir: snapshot_dir.to_path_buf(),
                message: e,
            })?;
        snapshot.params = params.clone();
        let rendered = render_lab(&loaded, &params, lab_id)?;
        let outcomes = rendered.checks.grade(&snapshot);
        let attempt_id = self
            .record_attempt(&loaded, seed, &params, Source::Snapshot)
            .await?;
        let grade = self.store.record_grade(attempt_id, &outcomes).await?;
        Ok(GradeReport {
            lab_id: lab_id.to_owned(),
            title: loaded.lab.title.clone(),
            attempt_id,
            seed,
            params,
            guard_failed: Score::of(&outcomes).guard_failed,
            grade,
            outcomes,
        })
    }

    /// The registry of clusters labs may change.
    pub fn registry(&self) -> Result<Registry, AppError> {
        Ok(Registry::load(&self.config.data_dir)?)
    }

    /// The app's own cluster's kubeconfig (written by `cluster create`).
    pub fn own_kubeconfig(&self) -> PathBuf {
        self.config.data_dir.join("kubeconfig")
    }

    /// Connect to a kubeconfig context (the app's own cluster when `kubeconfig` is `None`).
    pub async fn connect(
        &self,
        kubeconfig: Option<&Path>,
        context: Option<&str>,
    ) -> Result<Connection, AppError> {
        let path = kubeconfig
            .map(Path::to_path_buf)
            .unwrap_or_else(|| self.own_kubeconfig());
        if !path.is_file() {
            return Err(AppError::NoCluster(path));
        }
        Ok(Connection::from_kubeconfig(&path, context).await?)
    }

    /// The guard: only registered clusters can be changed.
    pub fn authorize(&self, connection: &Connection) -> Result<OwnedCluster, AppError> {
        Ok(self.registry()?.authorize(connection)?)
    }

    /// Register a cluster that labs may change.
    pub fn register_cluster(&self, connection: &Connection, name: &str) -> Result<(), AppError> {
        let mut registry = self.registry()?;
        registry.register(name, &connection.identity, false)?;
        Ok(())
    }

    /// Register a shared cluster (a workshop's) for one learner: labs run there only when
    /// namespace-scoped, in namespaces and under labels prefixed with `learner`.
    pub fn register_shared_cluster(
        &self,
        connection: &Connection,
        name: &str,
        learner: &str,
    ) -> Result<(), AppError> {
        let mut registry = self.registry()?;
        registry.register_as(name, &connection.identity, false, Some(learner))?;
        Ok(())
    }

    /// Record a new attempt at a lab with its seed and params.
    async fn record_attempt(
        &self,
        loaded: &LoadedLab,
        seed: u64,
        params: &BTreeMap<String, Json>,
        source: Source,
    ) -> Result<i64, AppError> {
        let params = params_json(params);
        Ok(self
            .store
            .start_attempt(NewAttempt {
                lab_id: &loaded.lab.id,
                lab_hash: &loaded.content_hash,
                seed,
                params: &params,
                source,
            })
            .await?)
    }

    /// Progress per domain and competency.
    pub async fn progress(&self) -> Result<ProgressReport, AppError> {
        let labs = self.list_labs(None)?;
        let lab_progress = self.store.lab_progress().await?;
        let evidence = self.evidence().await?;
        Ok(progress::report(&labs.labs, &lab_progress, &evidence))
    }

    pub async fn export(&self) -> Result<Export, AppError> {
        Ok(self.store.export().await?)
    }

    pub async fn import(&self, export: &Export) -> Result<ImportSummary, AppError> {
        Ok(self.store.import(export).await?)
    }
}
