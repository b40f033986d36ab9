//! Mock exams: one row per exam, one per task (each task is an attempt of source `exam`), the
//! report stored as JSON once submitted.

use serde::Serialize;
use serde_json::Value as Json;
use sqlx::Row;

use crate::{Result, Store, StoreError, now};

/// A stored exam.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct StoredExam {
    pub id: i64,
    pub title: String,
    pub seed: u64,
    pub started_at: String,
    pub deadline: String,
    pub submitted_at: Option<String>,
    /// `running` or `submitted`.
    pub status: String,
    pub report: Option<Json>,
    pub tasks: Vec<StoredExamTask>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct StoredExamTask {
    pub position: u32,
    pub lab_id: String,
    pub attempt_id: i64,
    pub flagged: bool,
    pub notes: String,
}

/// A new exam: its tasks' attempts already recorded.
#[derive(Debug, Clone)]
pub struct NewExam<'a> {
    pub title: &'a str,
    pub seed: u64,
    pub deadline: &'a str,
    /// (lab id, attempt id), in task order.
    pub tasks: &'a [(String, i64)],
}

impl Store {
    /// Record an exam and its tasks in one transaction.
    pub async fn create_exam(&self, exam: NewExam<'_>) -> Result<i64> {
        let mut tx = self.pool.begin().await?;
        let row = sqlx::query(
            "INSERT INTO exams (title, seed, started_at, deadline, status) VALUES (?, ?, ?, ?, 'running') RETURNING id",
        )
        .bind(exam.title)
        .bind(i64::from_ne_bytes(exam.seed.to_ne_bytes()))
        .bind(now())
        .bind(exam.deadline)
        .fetch_one(&mut *tx)
        .await?;
        let id: i64 = row.try_get(0)?;
        for (i, (lab_id, attempt_id)) in exam.tasks.iter().enumerate() {
            sqlx::query(
                "INSERT INTO exam_tasks (exam_id, position, lab_id, attempt_id) VALUES (?, ?, ?, ?)",
            )
            .bind(id)
            .bind(i64::try_from(i + 1).unwrap_or(i64::MAX))
            .bind(lab_id)
            .bind(attempt_id)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(id)
    }

    async fn exam_tasks(&self, exam_id: i64) -> Result<Vec<StoredExamTask>> {
        let rows = sqlx::query(
            "SELECT position, lab_id, attempt_id, flagged, notes FROM exam_tasks WHERE exam_id = ? ORDER BY position",
        )
        .bind(exam_id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(StoredExamTask {
                    position: u32::try_from(r.try_get::<i64, _>(0)?).unwrap_or(0),
                    lab_id: r.try_get(1)?,
                    attempt_id: r.try_get(2)?,
                    flagged: r.try_get::<i64, _>(3)? != 0,
                    notes: r.try_get(4)?,
                })
            })
            .collect()
    }

    async fn exam_from_row(&self, r: &sqlx::sqlite::SqliteRow) -> Result<StoredExam> {
        let id: i64 = r.try_get(0)?;
        let seed: i64 = r.try_get(2)?;
        let report: Option<String> = r.try_get(7)?;
        let report = match report {
            None => None,
            Some(text) => Some(serde_json::from_str(&text).map_err(|e| {
                StoreError::Corrupt(format!("exam {id} has an unreadable report: {e}"))
            })?),
        };
        Ok(StoredExam {
            id,
            title: r.try_get(1)?,
            seed: u64::from_ne_bytes(seed.to_ne_bytes()),
            started_at: r.try_get(3)?,
            deadline: r.try_get(4)?,
            submitted_at: r.try_get(5)?,
            status: r.try_get(6)?,
            report,
            tasks: self.exam_tasks(id).await?,
        })
    }

    pub async fn exam(&self, id: i64) -> Result<Option<StoredExam>> {
        let row = sqlx::query(
            "SELECT id, title, seed, started_at, deadline, submitted_at, status, report FROM exams WHERE id = ?",
        )
        .bind(id)
        .fetch_optional(&self.pool)
        .await?;
        match row {
            Some(r) => Ok(Some(self.exam_from_row(&r).await?)),
            None => Ok(None),
        }
    }

    /// Every exam, newest first.
    pub async fn exams(&self) -> Result<Vec<StoredExam>> {
        let rows = sqlx::query(
            "SELECT id, title, seed, started_at, deadline, submitted_at, status, report FROM exams ORDER BY id DESC",
        )
        .fetch_all(&self.pool)
        .await?;
        let mut out = Vec::with_capacity(rows.len());
        for r in &rows {
            out.push(self.exam_from_row(r).await?);
        }
        Ok(out)
    }

    /// The exam still running, if any (the newest).
    pub async fn running_exam(&self) -> Result<Option<StoredExam>> {
        Ok(self
            .exams()
            .await?
            .into_iter()
            .find(|e| e.status == "running"))
    }

    /// Flag or unflag a task for review. Returns false when there is no such running task.
    pub async fn set_exam_flag(&self, exam_id: i64, position: u32, flagged: bool) -> Result<bool> {
        let done = sqlx::query(
            "UPDATE exam_tasks SET flagged = ? WHERE exam_id = ? AND position = ? AND exam_id IN (SELECT id FROM exams WHERE status = 'running')",
        )
        .bind(i64::from(flagged))
        .bind(exam_id)
        .bind(i64::from(position))
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Replace a task's notes. Returns false when there is no such running task.
    pub async fn set_exam_notes(&self, exam_id: i64, position: u32, notes: &str) -> Result<bool> {
        let done = sqlx::query(
            "UPDATE exam_tasks SET notes = ? WHERE exam_id = ? AND position = ? AND exam_id IN (SELECT id FROM exams WHERE status = 'running')",
        )
        .bind(notes)
        .bind(exam_id)
        .bind(i64::from(position))
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Store the report and close the exam (only a running exam can be submitted).
    pub async fn submit_exam(&self, exam_id: i64, report: &Json) -> Result<bool> {
        let done = sqlx::query(
            "UPDATE exams SET status = 'submitted', submitted_at = ?, report = ? WHERE id = ? AND status = 'running'",
        )
        .bind(now())
        .bind(report.to_string())
        .bind(exam_id)
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() == 1)
    }
}
