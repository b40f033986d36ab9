//! Versioned JSON export and import of everything the store holds.

use serde::{Deserialize, Serialize};
use sqlx::Row;

use crate::{Attempt, Grade, Result, Store, StoreError, i64_of};

/// The export format version this build writes and reads.
pub const EXPORT_VERSION: u32 = 1;

/// One attempt with its grades and hints.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ExportedAttempt {
    #[serde(flatten)]
    pub attempt: Attempt,
    pub hints: Vec<u32>,
    pub hint_costs: Vec<u32>,
    pub grades: Vec<Grade>,
}

/// A whole export.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Export {
    pub format: String,
    pub version: u32,
    pub exported_at: String,
    pub attempts: Vec<ExportedAttempt>,
    pub lessons: Vec<(String, String)>,
    pub settings: Vec<(String, String)>,
}

/// What an import added.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct ImportSummary {
    pub attempts_added: u32,
    pub attempts_skipped: u32,
    pub grades_added: u32,
}

impl Store {
    /// Everything, oldest attempt first.
    pub async fn export(&self) -> Result<Export> {
        let mut attempts = self.attempts(None).await?;
        attempts.reverse();
        let mut out = Vec::with_capacity(attempts.len());
        for attempt in attempts {
            let rows = sqlx::query(
                "SELECT hint_index, cost FROM hints_used WHERE attempt_id = ? ORDER BY hint_index",
            )
            .bind(attempt.id)
            .fetch_all(&self.pool)
            .await?;
            let mut hints = Vec::new();
            let mut hint_costs = Vec::new();
            for r in rows {
                hints.push(crate::u32_of(r.try_get(0)?));
                hint_costs.push(crate::u32_of(r.try_get(1)?));
            }
            let grades = self.grades(attempt.id).await?;
            out.push(ExportedAttempt {
                attempt,
                hints,
                hint_costs,
                grades,
            });
        }
        let settings_rows = sqlx::query("SELECT key, value FROM settings ORDER BY key")
            .fetch_all(&self.pool)
            .await?;
        let settings = settings_rows
            .iter()
            .map(|r| Ok((r.try_get(0)?, r.try_get(1)?)))
            .collect::<Result<Vec<_>>>()?;
        Ok(Export {
            format: "ckslab-progress".into(),
            version: EXPORT_VERSION,
            exported_at: crate::now(),
            attempts: out,
            lessons: self.lesson_statuses().await?,
            settings,
        })
    }

    /// Import an export in one transaction. Attempts already present (same lab, seed and start
    /// time) are skipped, so importing twice changes nothing.
    pub async fn import(&self, export: &Export) -> Result<ImportSummary> {
        if export.format != "ckslab-progress" || export.version != EXPORT_VERSION {
            return Err(StoreError::ExportVersion(export.version));
        }
        let mut summary = ImportSummary {
            attempts_added: 0,
            attempts_skipped: 0,
            grades_added: 0,
        };
        let mut tx = self.pool.begin().await?;
        for ea in &export.attempts {
            let a = &ea.attempt;
            let seed = i64::from_ne_bytes(a.seed.to_ne_bytes());
            let exists = sqlx::query(
                "SELECT 1 FROM attempts WHERE lab_id = ? AND seed = ? AND started_at = ?",
            )
            .bind(&a.lab_id)
            .bind(seed)
            .bind(&a.started_at)
            .fetch_optional(&mut *tx)
            .await?;
            if exists.is_some() {
                summary.attempts_skipped += 1;
                continue;
            }
            let row = sqlx::query(
                "INSERT INTO attempts (lab_id, lab_hash, seed, params, source, started_at, finished_at, status) VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
            )
            .bind(&a.lab_id)
            .bind(&a.lab_hash)
            .bind(seed)
            .bind(a.params.to_string())
            .bind(&a.source)
            .bind(&a.started_at)
            .bind(&a.finished_at)
            .bind(&a.status)
            .fetch_one(&mut *tx)
            .await?;
            let id: i64 = row.try_get(0)?;
            summary.attempts_added += 1;
            for (index, cost) in ea
                .hints
                .iter()
                .zip(ea.hint_costs.iter().chain(std::iter::repeat(&0)))
            {
                sqlx::query("INSERT INTO hints_used (attempt_id, hint_index, cost, revealed_at) VALUES (?, ?, ?, ?)")
                    .bind(id)
                    .bind(i64_of(*index))
                    .bind(i64_of(*cost))
                    .bind(&a.started_at)
                    .execute(&mut *tx)
                    .await?;
            }
            for g in &ea.grades {
                let row = sqlx::query(
                    "INSERT INTO grades (attempt_id, graded_at, points_awarded, points_possible, hint_penalty, passed, check_count) VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id",
                )
                .bind(id)
                .bind(&g.graded_at)
                .bind(i64_of(g.points_awarded))
                .bind(i64_of(g.points_possible))
                .bind(i64_of(g.hint_penalty))
                .bind(g.passed)
                .bind(i64::try_from(g.checks.len()).unwrap_or(i64::MAX))
                .fetch_one(&mut *tx)
                .await?;
                let grade_id: i64 = row.try_get(0)?;
                for (position, c) in g.checks.iter().enumerate() {
                    let details = serde_json::json!({"findings": c.findings, "doc": c.doc});
                    sqlx::query(
                        "INSERT INTO check_results (grade_id, position, check_id, status, points_awarded, points_possible, message, details) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    )
                    .bind(grade_id)
                    .bind(i64::try_from(position).unwrap_or(i64::MAX))
                    .bind(&c.check_id)
                    .bind(c.status.as_str())
                    .bind(i64_of(c.points_awarded))
                    .bind(i64_of(c.points_possible))
                    .bind(&c.message)
                    .bind(details.to_string())
                    .execute(&mut *tx)
                    .await?;
                }
                summary.grades_added += 1;
            }
        }
        for (lesson, status) in &export.lessons {
            sqlx::query("INSERT INTO lesson_progress (lesson_id, status, updated_at) VALUES (?, ?, ?) ON CONFLICT (lesson_id) DO UPDATE SET status = CASE WHEN lesson_progress.status = 'read' THEN 'read' ELSE excluded.status END")
                .bind(lesson)
                .bind(status)
                .bind(crate::now())
                .execute(&mut *tx)
                .await?;
        }
        for (key, value) in &export.settings {
            sqlx::query(
                "INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO NOTHING",
            )
            .bind(key)
            .bind(value)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(summary)
    }
}
