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
    /// Self-check questions, without their answers (checked by [`App::answer_quiz`]).
    pub quiz: Vec<QuizView>,
    /// Sanitized HTML (safe for a webview).
    pub html: String,
    /// Plain text for a terminal (control characters removed).
    pub text: String,
}

/// A self-check question as the reader sees it: no answer until one is given.
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
pub struct QuizView {
    /// 0-based.
    pub index: u32,
    pub question: String,
    /// Empty for a short-answer question.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    #[ts(as = "Option<Vec<String>>", optional)]
    pub choices: Vec<String>,
    /// The learner's latest answer.
    pub answered: Option<QuizAnswered>,
}

#[derive(Debug, Clone, Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
pub struct QuizAnswered {
    pub answer: String,
    pub correct: bool,
}

/// The verdict on an answer.
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
pub struct QuizResult {
    pub correct: bool,
    pub expected: String,
    pub explanation: String,
}

/// A short answer matches when it is the expected one up to case, spacing, quotes and
/// backticks, and a trailing full stop.
pub(crate) fn short_answer_matches(given: &str, expected: &str) -> bool {
    let norm = |s: &str| {
        let unquoted: String = s
            .chars()
            .filter(|c| !matches!(c, '`' | '"' | '\''))
            .collect();
        let trimmed = unquoted.trim();
        let trimmed = trimmed.strip_suffix('.').unwrap_or(trimmed);
        trimmed
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
            .to_lowercase()
    };
    !norm(given).is_empty() && norm(given) == norm(expected)
}

#[cfg(test)]
mod quiz_tests {
    #[test]
    fn short_answers_match_up_to_case_spacing_quotes_and_one_full_stop() {
        use super::short_answer_matches as m;
        assert!(m(
            "It is  equivalent to ROOT on the node.",
            "It is equivalent to root on the node"
        ));
        assert!(m("\"kubectl auth can-i.\"", "`kubectl auth can-i`"));
        assert!(!m("root..", "root"), "one full stop only");
        assert!(!m("", ""), "an empty answer is never right");
        assert!(!m("not root", "root"));
    }
}

impl App {
    /// Check and record an answer to a lesson's self-check question.
    pub async fn answer_quiz(
        &self,
        lesson_id: &str,
        index: u32,
        answer: &str,
    ) -> Result<QuizResult, AppError> {
        let library = self.library()?;
        let lesson = library
            .get(lesson_id)
            .ok_or_else(|| AppError::LessonNotFound(lesson_id.to_owned()))?;
        let question =
            lesson
                .meta
                .quiz
                .get(index as usize)
                .ok_or_else(|| AppError::QuizQuestion {
                    lesson: lesson_id.to_owned(),
                    index,
                    count: lesson.meta.quiz.len(),
                })?;
        let correct = if question.choices.is_empty() {
            short_answer_matches(answer, &question.answer)
        } else {
            answer.trim() == question.answer.trim()
        };
        self.store
            .record_quiz_answer(lesson_id, index, answer, correct)
            .await?;
        Ok(QuizResult {
            correct,
            expected: question.answer.clone(),
            explanation: question.explanation.clone(),
        })
    }

    /// What readiness is computed from: every grade, and per lesson its quiz and reading.
    pub(crate) async fn evidence(&self) -> Result<crate::progress::Evidence, AppError> {
        let grades = self.store.grade_history().await?;
        let statuses: std::collections::BTreeMap<String, String> =
            self.store.lesson_statuses().await?.into_iter().collect();
        let quiz: std::collections::BTreeMap<String, u32> = self
            .store
            .quiz_summary()
            .await?
            .into_iter()
            .map(|(lesson, _, correct)| (lesson, correct))
            .collect();
        // Lessons that do not load leave readiness without them rather than failing it.
        let lessons = match self.library() {
            Ok(library) => library
                .lessons()
                .iter()
                .map(|l| crate::progress::LessonEvidence {
                    id: l.meta.id.clone(),
                    competencies: l.meta.competencies.clone(),
                    questions: u32::try_from(l.meta.quiz.len()).unwrap_or(0),
                    correct: quiz.get(&l.meta.id).copied().unwrap_or(0),
                    read: statuses.get(&l.meta.id).is_some_and(|s| s == "read"),
                })
                .collect(),
            Err(_) => Vec::new(),
        };
        Ok(crate::progress::Evidence {
            grades,
            lessons,
            now: time::OffsetDateTime::now_utc().unix_timestamp(),
        })
    }

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
            quiz: {
                let answered = self.store.latest_quiz_answers(id).await?;
                lesson
                    .meta
                    .quiz
                    .iter()
                    .enumerate()
                    .map(|(i, q)| {
                        let index = u32::try_from(i).unwrap_or(u32::MAX);
                        QuizView {
                            index,
                            question: q.question.clone(),
                            choices: q.choices.clone(),
                            answered: answered.iter().find(|a| a.0 == index).map(|a| {
                                QuizAnswered {
                                    answer: a.1.clone(),
                                    correct: a.2,
                                }
                            }),
                        }
                    })
                    .collect()
            },
            html,
            text,
        })
    }

    /// Plain-text search over lesson titles, objectives and bodies.
    pub fn search_lessons(&self, query: &str) -> Result<Vec<SearchHit>, AppError> {
        Ok(self.library()?.search(query))
    }
}
