//! The SQLite progress store: attempts (with seed and params), grades and per-check results,
//! hints used, lesson progress, quiz answers and settings. Migrations are embedded; the
//! database runs in WAL mode with foreign keys on; a grade is one transaction, so a crash
//! leaves either the whole grade or none of it. Export and import are versioned JSON.

use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::time::Duration;

use cks_checks::{Finding, Outcome, Status};
use serde::{Deserialize, Serialize};
use serde_json::Value as Json;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{Row, SqlitePool};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

/// Errors of the store.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("cannot open the progress database {path}: {source}")]
    Open { path: PathBuf, source: sqlx::Error },
    #[error("cannot migrate the progress database: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("progress database error: {0}")]
    Sql(#[from] sqlx::Error),
    #[error("attempt {0} does not exist")]
    NoSuchAttempt(i64),
    #[error("unsupported export format version {0} (this build reads version {EXPORT_VERSION})")]
    ExportVersion(u32),
    #[error("corrupt data in the progress database: {0}")]
    Corrupt(String),
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// Current time, RFC 3339 UTC.
pub fn now() -> String {
    OffsetDateTime::now_utc()
        .format(&Rfc3339)
        .unwrap_or_else(|_| "1970-01-01T00:00:00Z".into())
}

/// How an attempt is graded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Source {
    Cluster,
    Snapshot,
    Exam,
}

impl Source {
    fn as_str(self) -> &'static str {
        match self {
            Source::Cluster => "cluster",
            Source::Snapshot => "snapshot",
            Source::Exam => "exam",
        }
    }
}

/// A new attempt.
#[derive(Debug, Clone)]
pub struct NewAttempt<'a> {
    pub lab_id: &'a str,
    pub lab_hash: &'a str,
    pub seed: u64,
    pub params: &'a Json,
    pub source: Source,
}

/// One attempt as stored.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Attempt {
    pub id: i64,
    pub lab_id: String,
    pub lab_hash: String,
    pub seed: u64,
    pub params: Json,
    pub source: String,
    pub started_at: String,
    pub finished_at: Option<String>,
    pub status: String,
}

/// One stored per-check result.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct CheckResult {
    pub check_id: String,
    pub status: Status,
    pub points_awarded: u32,
    pub points_possible: u32,
    pub message: String,
    #[serde(default)]
    pub findings: Vec<Finding>,
    #[serde(default)]
    pub doc: Option<String>,
}

/// One stored grade.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct Grade {
    pub id: i64,
    pub attempt_id: i64,
    pub graded_at: String,
    pub points_awarded: u32,
    pub points_possible: u32,
    pub hint_penalty: u32,
    pub passed: bool,
    pub checks: Vec<CheckResult>,
}

/// Progress on one lab, over all attempts.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct LabProgress {
    pub lab_id: String,
    pub attempts: u32,
    pub grades: u32,
    /// Best score of any grade, as a fraction 0..=1.
    pub best_ratio: f64,
    pub passed: bool,
    pub last_graded_at: Option<String>,
}

/// One grade as evidence of readiness.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GradeEvidence {
    pub lab_id: String,
    /// `cluster`, `snapshot` or `exam`.
    pub source: String,
    pub graded_at: String,
    /// After the hint penalty.
    pub points_awarded: u32,
    pub points_possible: u32,
    pub hint_penalty: u32,
}

/// The store.
#[derive(Debug, Clone)]
pub struct Store {
    pool: SqlitePool,
    path: PathBuf,
}

fn u32_of(v: i64) -> u32 {
    u32::try_from(v).unwrap_or(0)
}

fn i64_of(v: u32) -> i64 {
    i64::from(v)
}

impl Store {
    /// Open (creating if needed) the database at `path` and run pending migrations.
    pub async fn open(path: &Path) -> Result<Store> {
        if let Some(parent) = path.parent() {
            let _ = std::fs::create_dir_all(parent);
        }
        let options = SqliteConnectOptions::new()
            .filename(path)
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            // FULL: a committed grade survives power loss too, not only a killed process.
            .synchronous(SqliteSynchronous::Full)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(10));
        let pool = SqlitePoolOptions::new()
            .max_connections(4)
            .connect_with(options)
            .await
            .map_err(|source| StoreError::Open {
                path: path.to_path_buf(),
                source,
            })?;
        sqlx::migrate!("./migrations").run(&pool).await?;
        Ok(Store {
            pool,
            path: path.to_path_buf(),
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Close the pool, checkpointing the WAL.
    pub async fn close(self) {
        self.pool.close().await;
    }

    /// `PRAGMA integrity_check` → "ok" when the file is sound.
    pub async fn integrity_check(&self) -> Result<String> {
        let row = sqlx::query("PRAGMA integrity_check")
            .fetch_one(&self.pool)
            .await?;
        Ok(row.try_get::<String, _>(0)?)
    }

    /// Grades whose stored per-check results do not match their recorded count (must be none:
    /// a grade is written in one transaction).
    pub async fn inconsistent_grades(&self) -> Result<Vec<i64>> {
        let rows = sqlx::query(
            "SELECT g.id FROM grades g LEFT JOIN check_results c ON c.grade_id = g.id GROUP BY g.id HAVING COUNT(c.grade_id) != g.check_count",
        )
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(|r| Ok(r.try_get(0)?)).collect()
    }

    pub async fn start_attempt(&self, new: NewAttempt<'_>) -> Result<i64> {
        let seed = i64::from_ne_bytes(new.seed.to_ne_bytes());
        let row = sqlx::query(
            "INSERT INTO attempts (lab_id, lab_hash, seed, params, source, started_at, status) VALUES (?, ?, ?, ?, ?, ?, 'started') RETURNING id",
        )
        .bind(new.lab_id)
        .bind(new.lab_hash)
        .bind(seed)
        .bind(new.params.to_string())
        .bind(new.source.as_str())
        .bind(now())
        .fetch_one(&self.pool)
        .await?;
        Ok(row.try_get(0)?)
    }

    /// Mark an attempt whose setup did not finish.
    pub async fn mark_incomplete(&self, attempt_id: i64) -> Result<()> {
        sqlx::query(
            "UPDATE attempts SET status = 'incomplete' WHERE id = ? AND status = 'started'",
        )
        .bind(attempt_id)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    pub async fn attempt(&self, id: i64) -> Result<Attempt> {
        let row = sqlx::query("SELECT id, lab_id, lab_hash, seed, params, source, started_at, finished_at, status FROM attempts WHERE id = ?")
            .bind(id)
            .fetch_optional(&self.pool)
            .await?
            .ok_or(StoreError::NoSuchAttempt(id))?;
        attempt_from_row(&row)
    }

    /// Attempts, newest first, optionally for one lab.
    pub async fn attempts(&self, lab_id: Option<&str>) -> Result<Vec<Attempt>> {
        let rows = match lab_id {
            Some(lab) => {
                sqlx::query("SELECT id, lab_id, lab_hash, seed, params, source, started_at, finished_at, status FROM attempts WHERE lab_id = ? ORDER BY id DESC")
                    .bind(lab)
                    .fetch_all(&self.pool)
                    .await?
            }
            None => {
                sqlx::query("SELECT id, lab_id, lab_hash, seed, params, source, started_at, finished_at, status FROM attempts ORDER BY id DESC")
                    .fetch_all(&self.pool)
                    .await?
            }
        };
        rows.iter().map(attempt_from_row).collect()
    }

    /// Record a reveal; revealing the same hint twice costs once. Returns the total penalty.
    pub async fn reveal_hint(&self, attempt_id: i64, hint_index: u32, cost: u32) -> Result<u32> {
        self.attempt(attempt_id).await?;
        sqlx::query("INSERT OR IGNORE INTO hints_used (attempt_id, hint_index, cost, revealed_at) VALUES (?, ?, ?, ?)")
            .bind(attempt_id)
            .bind(i64_of(hint_index))
            .bind(i64_of(cost))
            .bind(now())
            .execute(&self.pool)
            .await?;
        self.hint_penalty(attempt_id).await
    }

    pub async fn hints_revealed(&self, attempt_id: i64) -> Result<Vec<u32>> {
        let rows = sqlx::query(
            "SELECT hint_index FROM hints_used WHERE attempt_id = ? ORDER BY hint_index",
        )
        .bind(attempt_id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(|r| Ok(u32_of(r.try_get(0)?))).collect()
    }

    pub async fn hint_penalty(&self, attempt_id: i64) -> Result<u32> {
        let row = sqlx::query("SELECT COALESCE(SUM(cost), 0) FROM hints_used WHERE attempt_id = ?")
            .bind(attempt_id)
            .fetch_one(&self.pool)
            .await?;
        Ok(u32_of(row.try_get(0)?))
    }

    /// Record a grade and its per-check results in ONE transaction, and update the attempt.
    pub async fn record_grade(&self, attempt_id: i64, outcomes: &[Outcome]) -> Result<Grade> {
        let score = cks_checks::Score::of(outcomes);
        let mut tx = self.pool.begin().await?;
        let penalty_row =
            sqlx::query("SELECT COALESCE(SUM(cost), 0) FROM hints_used WHERE attempt_id = ?")
                .bind(attempt_id)
                .fetch_one(&mut *tx)
                .await?;
        let penalty = u32_of(penalty_row.try_get(0)?);
        let awarded = score.awarded.saturating_sub(penalty);
        let graded_at = now();
        let updated = sqlx::query("UPDATE attempts SET status = ?, finished_at = ? WHERE id = ?")
            .bind(if score.passed { "passed" } else { "graded" })
            .bind(&graded_at)
            .bind(attempt_id)
            .execute(&mut *tx)
            .await?;
        if updated.rows_affected() == 0 {
            return Err(StoreError::NoSuchAttempt(attempt_id));
        }
        let row = sqlx::query(
            "INSERT INTO grades (attempt_id, graded_at, points_awarded, points_possible, hint_penalty, passed, check_count) VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id",
        )
        .bind(attempt_id)
        .bind(&graded_at)
        .bind(i64_of(awarded))
        .bind(i64_of(score.possible))
        .bind(i64_of(penalty))
        .bind(score.passed)
        .bind(i64::try_from(outcomes.len()).unwrap_or(i64::MAX))
        .fetch_one(&mut *tx)
        .await?;
        let grade_id: i64 = row.try_get(0)?;
        let mut checks = Vec::with_capacity(outcomes.len());
        for (position, o) in outcomes.iter().enumerate() {
            let details = serde_json::json!({"findings": o.findings, "doc": o.doc});
            sqlx::query(
                "INSERT INTO check_results (grade_id, position, check_id, status, points_awarded, points_possible, message, details) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            )
            .bind(grade_id)
            .bind(i64::try_from(position).unwrap_or(i64::MAX))
            .bind(&o.check_id)
            .bind(o.status.as_str())
            .bind(i64_of(o.points_awarded))
            .bind(i64_of(o.points_possible))
            .bind(&o.message)
            .bind(details.to_string())
            .execute(&mut *tx)
            .await?;
            checks.push(CheckResult {
                check_id: o.check_id.clone(),
                status: o.status,
                points_awarded: o.points_awarded,
                points_possible: o.points_possible,
                message: o.message.clone(),
                findings: o.findings.clone(),
                doc: o.doc.clone(),
            });
        }
        tx.commit().await?;
        Ok(Grade {
            id: grade_id,
            attempt_id,
            graded_at,
            points_awarded: awarded,
            points_possible: score.possible,
            hint_penalty: penalty,
            passed: score.passed,
            checks,
        })
    }

    /// Every grade of an attempt, oldest first, with its checks.
    pub async fn grades(&self, attempt_id: i64) -> Result<Vec<Grade>> {
        let rows = sqlx::query(
            "SELECT id, attempt_id, graded_at, points_awarded, points_possible, hint_penalty, passed FROM grades WHERE attempt_id = ? ORDER BY id",
        )
        .bind(attempt_id)
        .fetch_all(&self.pool)
        .await?;
        let mut grades = Vec::with_capacity(rows.len());
        for row in rows {
            grades.push(self.grade_from_row(&row).await?);
        }
        Ok(grades)
    }

    /// One grade by id.
    pub async fn grade(&self, grade_id: i64) -> Result<Option<Grade>> {
        let row = sqlx::query("SELECT id, attempt_id, graded_at, points_awarded, points_possible, hint_penalty, passed FROM grades WHERE id = ?")
            .bind(grade_id)
            .fetch_optional(&self.pool)
            .await?;
        match row {
            Some(row) => Ok(Some(self.grade_from_row(&row).await?)),
            None => Ok(None),
        }
    }

    async fn grade_from_row(&self, row: &sqlx::sqlite::SqliteRow) -> Result<Grade> {
        let id: i64 = row.try_get(0)?;
        let check_rows = sqlx::query(
            "SELECT check_id, status, points_awarded, points_possible, message, details FROM check_results WHERE grade_id = ? ORDER BY position",
        )
        .bind(id)
        .fetch_all(&self.pool)
        .await?;
        let mut checks = Vec::with_capacity(check_rows.len());
        for r in check_rows {
            let status: String = r.try_get(1)?;
            let details: Json = serde_json::from_str(&r.try_get::<String, _>(5)?)
                .map_err(|e| StoreError::Corrupt(e.to_string()))?;
            checks.push(CheckResult {
                check_id: r.try_get(0)?,
                status: Status::from_str(&status).map_err(StoreError::Corrupt)?,
                points_awarded: u32_of(r.try_get(2)?),
                points_possible: u32_of(r.try_get(3)?),
                message: r.try_get(4)?,
                findings: serde_json::from_value(
                    details
                        .get("findings")
                        .cloned()
                        .unwrap_or(Json::Array(Vec::new())),
                )
                .unwrap_or_default(),
                doc: details.get("doc").and_then(Json::as_str).map(str::to_owned),
            });
        }
        Ok(Grade {
            id,
            attempt_id: row.try_get(1)?,
            graded_at: row.try_get(2)?,
            points_awarded: u32_of(row.try_get(3)?),
            points_possible: u32_of(row.try_get(4)?),
            hint_penalty: u32_of(row.try_get(5)?),
            passed: row.try_get(6)?,
            checks,
        })
    }

    /// Every grade, oldest first, with what readiness needs: lab, attempt source, when, score.
    pub async fn grade_history(&self) -> Result<Vec<GradeEvidence>> {
        let rows = sqlx::query(
            "SELECT a.lab_id, a.source, g.graded_at, g.points_awarded, g.points_possible, g.hint_penalty
             FROM grades g JOIN attempts a ON a.id = g.attempt_id ORDER BY g.id",
        )
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(GradeEvidence {
                    lab_id: r.try_get(0)?,
                    source: r.try_get(1)?,
                    graded_at: r.try_get(2)?,
                    points_awarded: u32_of(r.try_get(3)?),
                    points_possible: u32_of(r.try_get(4)?),
                    hint_penalty: u32_of(r.try_get(5)?),
                })
            })
            .collect()
    }

    /// Progress per lab over all attempts.
    pub async fn lab_progress(&self) -> Result<Vec<LabProgress>> {
        let rows = sqlx::query(
            "SELECT a.lab_id, COUNT(DISTINCT a.id), COUNT(g.id),
                    COALESCE(MAX(CASE WHEN g.points_possible > 0 THEN CAST(g.points_awarded AS REAL) / g.points_possible END), 0.0),
                    COALESCE(MAX(g.passed), 0), MAX(g.graded_at)
             FROM attempts a LEFT JOIN grades g ON g.attempt_id = a.id
             GROUP BY a.lab_id ORDER BY a.lab_id",
        )
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(LabProgress {
                    lab_id: r.try_get(0)?,
                    attempts: u32_of(r.try_get(1)?),
                    grades: u32_of(r.try_get(2)?),
                    best_ratio: r.try_get(3)?,
                    passed: r.try_get::<i64, _>(4)? == 1,
                    last_graded_at: r.try_get(5)?,
                })
            })
            .collect()
    }

    pub async fn set_lesson_status(&self, lesson_id: &str, status: &str) -> Result<()> {
        sqlx::query("INSERT INTO lesson_progress (lesson_id, status, updated_at) VALUES (?, ?, ?) ON CONFLICT (lesson_id) DO UPDATE SET status = excluded.status, updated_at = excluded.updated_at")
            .bind(lesson_id)
            .bind(status)
            .bind(now())
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    pub async fn lesson_statuses(&self) -> Result<Vec<(String, String)>> {
        let rows = sqlx::query("SELECT lesson_id, status FROM lesson_progress ORDER BY lesson_id")
            .fetch_all(&self.pool)
            .await?;
        rows.iter()
            .map(|r| Ok((r.try_get(0)?, r.try_get(1)?)))
            .collect()
    }

    pub async fn record_quiz_answer(
        &self,
        lesson_id: &str,
        question: u32,
        answer: &str,
        correct: bool,
    ) -> Result<()> {
        sqlx::query("INSERT INTO quiz_answers (lesson_id, question, answer, correct, answered_at) VALUES (?, ?, ?, ?, ?)")
            .bind(lesson_id)
            .bind(i64_of(question))
            .bind(answer)
            .bind(correct)
            .bind(now())
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// The latest answer to each question of a lesson: (question, answer, correct).
    pub async fn latest_quiz_answers(&self, lesson_id: &str) -> Result<Vec<(u32, String, bool)>> {
        let rows = sqlx::query(
            "SELECT question, answer, correct FROM quiz_answers q WHERE lesson_id = ? AND id = (SELECT MAX(id) FROM quiz_answers WHERE lesson_id = q.lesson_id AND question = q.question) ORDER BY question",
        )
        .bind(lesson_id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok((
                    u32_of(r.try_get(0)?),
                    r.try_get(1)?,
                    r.try_get::<i64, _>(2)? != 0,
                ))
            })
            .collect()
    }

    /// Per lesson: how many questions were answered and how many of the latest answers are
    /// correct.
    pub async fn quiz_summary(&self) -> Result<Vec<(String, u32, u32)>> {
        let rows = sqlx::query(
            "SELECT lesson_id, COUNT(*), SUM(correct) FROM quiz_answers q WHERE id = (SELECT MAX(id) FROM quiz_answers WHERE lesson_id = q.lesson_id AND question = q.question) GROUP BY lesson_id ORDER BY lesson_id",
        )
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| Ok((r.try_get(0)?, u32_of(r.try_get(1)?), u32_of(r.try_get(2)?))))
            .collect()
    }

    pub async fn setting(&self, key: &str) -> Result<Option<String>> {
        let row = sqlx::query("SELECT value FROM settings WHERE key = ?")
            .bind(key)
            .fetch_optional(&self.pool)
            .await?;
        Ok(match row {
            Some(r) => Some(r.try_get(0)?),
            None => None,
        })
    }

    pub async fn set_setting(&self, key: &str, value: &str) -> Result<()> {
        sqlx::query("INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value")
            .bind(key)
            .bind(value)
            .execute(&self.pool)
            .await?;
        Ok(())
    }
}

fn attempt_from_row(row: &sqlx::sqlite::SqliteRow) -> Result<Attempt> {
    let seed: i64 = row.try_get(3)?;
    let params: String = row.try_get(4)?;
    Ok(Attempt {
        id: row.try_get(0)?,
        lab_id: row.try_get(1)?,
        lab_hash: row.try_get(2)?,
        seed: u64::from_ne_bytes(seed.to_ne_bytes()),
        params: serde_json::from_str(&params)
            .map_err(|e| StoreError::Corrupt(format!("attempt params: {e}")))?,
        source: row.try_get(5)?,
        started_at: row.try_get(6)?,
        finished_at: row.try_get(7)?,
        status: row.try_get(8)?,
    })
}

mod exam;
mod export;
pub use exam::{NewExam, StoredExam, StoredExamTask};
pub use export::{EXPORT_VERSION, Export, ExportedAttempt, ImportSummary};
