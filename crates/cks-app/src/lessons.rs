//! Lesson use cases: list, read (HTML for the app, text for the terminal), search, progress.

use cks_content::lessons::{LessonKind, LessonLibrary, SearchHit};
use serde::Serialize;

use crate::{App, AppError};

/// A lesson in a list.
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
pub struct LessonSummary {
    pub id: String,
    pub title: String,
    pub domain: String,
    pub kind: String,
    pub competencies: Vec<String>,
    pub minutes: u32,
    pub words: usize,
    /// `read`, `started` or `new`.
    #[ts(type = "\"read\" | \"started\" | \"new\"")]
    pub status: String,
}

/// A lesson to read.
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
pub struct LessonView {
    #[serde(flatten)]
    pub summary: LessonSummary,
    pub objectives: Vec<String>,
    pub prerequisites: Vec<String>,
    pub docs: Vec<String>,
    /// Labs that practise the lesson, with whether they exist yet.
    pub labs: Vec<(String, bool)>,
    pub quiz: Vec<cks_content::lessons::QuizQuestion>,
    /// Sanitized HTML (safe for a webview).
    pub html: String,
    /// Plain text for a terminal (control characters removed).
    pub text: String,
}

impl App {
    fn library(&self) -> Result<LessonLibrary, AppError> {
        LessonLibrary::load(&self.config.content_dir).map_err(|problems| AppError::LessonsInvalid {
            dir: self.config.content_dir.clone(),
            problems,
        })
    }

    fn lab_title(&self) -> impl Fn(&str) -> Option<String> + '_ {
        move |id: &str| self.lab(id).ok().map(|l| l.lab.title)
    }

    async fn summaries(&self, library: &LessonLibrary) -> Result<Vec<LessonSummary>, AppError> {
        let statuses: std::collections::BTreeMap<String, String> =
            self.store.lesson_statuses().await?.into_iter().collect();
        Ok(library
            .lessons()
            .iter()
            .map(|l| LessonSummary {
                id: l.meta.id.clone(),
                title: l.meta.title.clone(),
                domain: l.meta.domain.clone(),
                kind: if l.meta.kind == LessonKind::Overview {
                    "overview".into()
                } else {
                    "lesson".into()
                },
                competencies: l.meta.competencies.clone(),
                minutes: l.meta.minutes,
                words: l.words,
                status: statuses
                    .get(&l.meta.id)
                    .cloned()
                    .unwrap_or_else(|| "new".into()),
            })
            .collect())
    }

    /// Every lesson in curriculum order, optionally of one domain.
    pub async fn list_lessons(&self, domain: Option<&str>) -> Result<Vec<LessonSummary>, AppError> {
        if let Some(d) = domain
            && cks_content::curriculum().domain(d).is_none()
        {
            return Err(AppError::PathNotFound(std::path::PathBuf::from(format!(
                "domain {d}"
            ))));
        }
        let library = self.library()?;
        Ok(self
            .summaries(&library)
            .await?
            .into_iter()
            .filter(|s| domain.is_none_or(|d| s.domain == d))
            .collect())
    }

    /// One lesson rendered; `mark_read` records it as read.
    pub async fn show_lesson(&self, id: &str, mark_read: bool) -> Result<LessonView, AppError> {
        let library = self.library()?;
        let lesson = library
            .get(id)
            .ok_or_else(|| AppError::LessonNotFound(id.to_owned()))?;
        let lab_title = self.lab_title();
        let render_error = |message: String| AppError::LessonRender {
            id: id.to_owned(),
            message,
        };
        let html = library
            .render_html(id, &lab_title)
            .unwrap_or_else(|| Ok(String::new()))
            .map_err(render_error)?;
        let text = library
            .render_text(id, &lab_title)
            .unwrap_or_else(|| Ok(String::new()))
            .map_err(|m| AppError::LessonRender {
                id: id.to_owned(),
                message: m,
            })?;
        if mark_read {
            self.store.set_lesson_status(id, "read").await?;
        }
        let summary = self
            .summaries(&library)
            .await?
            .into_iter()
            .find(|s| s.id == id)
            .ok_or_else(|| AppError::LessonNotFound(id.to_owned()))?;
        Ok(LessonView {
            summary,
            objectives: lesson.meta.objectives.clone(),
            prerequisites: lesson.meta.prerequisites.clone(),
            docs: lesson.meta.docs.clone(),
            labs: lesson
                .meta
                .labs
                .iter()
                .map(|l| (l.clone(), lab_title(l).is_some()))
                .collect(),
            quiz: lesson.meta.quiz.clone(),
            html,
            text,
        })
    }

    /// Plain-text search over lesson titles, objectives and bodies.
    pub fn search_lessons(&self, query: &str) -> Result<Vec<SearchHit>, AppError> {
        Ok(self.library()?.search(query))
    }
}
