//! Lessons: markdown files with YAML front matter, rendered to sanitized HTML (for the app) or
//! plain text (for the terminal), with tera shortcodes for links to labs, lessons and
//! kubernetes.io, an index in curriculum order and plain-text search.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

use pulldown_cmark::{CodeBlockKind, Event, Options, Parser, Tag, TagEnd};
use serde::{Deserialize, Serialize};
use serde_json::Value as Json;

use crate::curriculum;

/// Largest lesson file accepted.
pub const MAX_LESSON_BYTES: u64 = 512 * 1024;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LessonKind {
    /// One per domain: maps the domain and links its lessons.
    Overview,
    Lesson,
}

/// A self-check question. With `choices`, `answer` is one of them verbatim; without, it is a
/// short answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(deny_unknown_fields)]
pub struct QuizQuestion {
    pub question: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[cfg_attr(feature = "ts", ts(as = "Option<Vec<String>>", optional))]
    pub choices: Vec<String>,
    pub answer: String,
    pub explanation: String,
}

/// Front matter of a lesson file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LessonMeta {
    pub id: String,
    pub title: String,
    pub domain: String,
    pub competencies: Vec<String>,
    pub kind: LessonKind,
    pub minutes: u32,
    pub objectives: Vec<String>,
    #[serde(default)]
    pub prerequisites: Vec<String>,
    #[serde(default)]
    pub labs: Vec<String>,
    #[serde(default)]
    pub docs: Vec<String>,
    #[serde(default)]
    pub quiz: Vec<QuizQuestion>,
}

/// A lesson as loaded.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Lesson {
    #[serde(flatten)]
    pub meta: LessonMeta,
    #[serde(skip)]
    pub path: PathBuf,
    /// Markdown body (a tera template for shortcodes).
    #[serde(skip)]
    pub body: String,
    /// 1-based line of the body's first line in the file.
    #[serde(skip)]
    pub body_line: usize,
    /// Words of prose (code blocks excluded).
    pub words: usize,
}

/// A problem in a lesson file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LessonProblem {
    pub file: PathBuf,
    pub line: usize,
    pub field: String,
    pub message: String,
}

impl std::fmt::Display for LessonProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.file.display())?;
        if self.line > 0 {
            write!(f, ":{}", self.line)?;
        }
        write!(f, ": ")?;
        if !self.field.is_empty() {
            write!(f, "{}: ", self.field)?;
        }
        write!(f, "{}", self.message)
    }
}

fn problem(file: &Path, line: usize, field: &str, message: impl Into<String>) -> LessonProblem {
    LessonProblem {
        file: file.to_path_buf(),
        line,
        field: field.into(),
        message: message.into(),
    }
}

/// Split `---\nYAML\n---\nbody`; returns (yaml, body, body's first line).
fn split_front_matter(text: &str) -> Option<(&str, &str, usize)> {
    let rest = text
        .strip_prefix("---\n")
        .or_else(|| text.strip_prefix("---\r\n"))?;
    let end = rest.find("\n---\n").or_else(|| rest.find("\n---\r\n"))?;
    let yaml = &rest[..end + 1];
    let body_start = end + 1 + rest[end + 1..].find('\n').map_or(0, |i| i + 1);
    let body = &rest[body_start..];
    let body_line = 1 + text[..text.len() - body.len()].lines().count();
    Some((yaml, body, body_line))
}

/// Words of prose in markdown (fenced and indented code excluded).
pub fn prose_words(markdown: &str) -> usize {
    let mut words = 0;
    let mut in_code = false;
    for event in Parser::new_ext(markdown, Options::all()) {
        match event {
            Event::Start(Tag::CodeBlock(_)) => in_code = true,
            Event::End(TagEnd::CodeBlock) => in_code = false,
            Event::Text(t) | Event::Code(t) if !in_code => words += t.split_whitespace().count(),
            _ => {}
        }
    }
    words
}

/// Parse one lesson file (front matter and body); checks that need other lessons or labs are
/// the library's.
pub fn parse_lesson(path: &Path, text: &str) -> Result<Lesson, Vec<LessonProblem>> {
    let Some((yaml, body, body_line)) = split_front_matter(text) else {
        return Err(vec![problem(
            path,
            1,
            "",
            "a lesson starts with YAML front matter between two `---` lines",
        )]);
    };
    let meta: LessonMeta = serde_saphyr::from_str(yaml).map_err(|e| {
        let line = e.location().map_or(1, |l| l.line() as usize + 1);
        vec![problem(
            path,
            line,
            "front matter",
            e.without_snippet().to_string(),
        )]
    })?;
    let mut problems = Vec::new();
    let stem = path
        .file_stem()
        .and_then(|s| s.to_str())
        .unwrap_or_default();
    if meta.id != stem {
        problems.push(problem(
            path,
            2,
            "id",
            format!("id {:?} must equal the file name {stem:?}", meta.id),
        ));
    }
    let c = curriculum();
    match c.domain(&meta.domain) {
        None => problems.push(problem(
            path,
            2,
            "domain",
            format!("unknown domain {:?}", meta.domain),
        )),
        Some(_) => {
            let folder = path
                .parent()
                .and_then(|p| p.file_name())
                .and_then(|n| n.to_str())
                .unwrap_or_default();
            if folder != meta.domain {
                problems.push(problem(
                    path,
                    2,
                    "domain",
                    format!(
                        "lesson of domain {:?} lives in folder {folder:?}",
                        meta.domain
                    ),
                ));
            }
        }
    }
    for id in &meta.competencies {
        if c.competency(id).is_none() {
            let hint = c
                .suggest(id)
                .map(|s| format!(" (did you mean {s:?}?)"))
                .unwrap_or_default();
            problems.push(problem(
                path,
                2,
                "competencies",
                format!("unknown competency id {id:?}{hint}"),
            ));
        }
    }
    match meta.kind {
        LessonKind::Overview if !meta.competencies.is_empty() => problems.push(problem(
            path,
            2,
            "competencies",
            "an overview lists no competencies",
        )),
        LessonKind::Lesson if meta.competencies.is_empty() => problems.push(problem(
            path,
            2,
            "competencies",
            "a lesson teaches at least one competency",
        )),
        _ => {}
    }
    if meta.title.trim().is_empty() {
        problems.push(problem(path, 2, "title", "title is empty"));
    }
    if meta.objectives.is_empty() {
        problems.push(problem(
            path,
            2,
            "objectives",
            "list what the learner can do afterwards",
        ));
    }
    for (i, q) in meta.quiz.iter().enumerate() {
        if !q.choices.is_empty() && !q.choices.contains(&q.answer) {
            problems.push(problem(
                path,
                2,
                &format!("quiz[{i}].answer"),
                format!("answer {:?} is not one of the choices", q.answer),
            ));
        }
    }
    for (i, url) in meta.docs.iter().enumerate() {
        if !url.starts_with("https://") {
            problems.push(problem(
                path,
                2,
                &format!("docs[{i}]"),
                format!("{url:?} is not an https URL"),
            ));
        }
    }
    if problems.is_empty() {
        Ok(Lesson {
            words: prose_words(body),
            meta,
            path: path.to_path_buf(),
            body: body.to_owned(),
            body_line,
        })
    } else {
        Err(problems)
    }
}

/// A search result.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SearchHit {
    pub id: String,
    pub title: String,
    pub score: u32,
    pub snippet: String,
}

/// Every lesson, in curriculum order.
#[derive(Debug, Clone)]
pub struct LessonLibrary {
    lessons: Vec<Lesson>,
    /// Lower-cased plain text of each body, for search.
    plain: Vec<String>,
}

impl LessonLibrary {
    /// Load `content_dir/lessons/<domain>/<id>.md`. All problems of all files are returned.
    pub fn load(content_dir: &Path) -> Result<LessonLibrary, Vec<LessonProblem>> {
        let root = content_dir.join("lessons");
        let mut files = Vec::new();
        let Ok(domains) = std::fs::read_dir(&root) else {
            return Err(vec![problem(&root, 0, "", "lessons folder not found")]);
        };
        for domain in domains
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|p| p.is_dir())
        {
            for entry in std::fs::read_dir(&domain)
                .into_iter()
                .flatten()
                .filter_map(Result::ok)
            {
                let p = entry.path();
                if p.extension().is_some_and(|e| e == "md") {
                    files.push(p);
                }
            }
        }
        files.sort();
        let mut lessons = Vec::new();
        let mut problems = Vec::new();
        for file in files {
            let text = match std::fs::metadata(&file) {
                Ok(m) if m.len() > MAX_LESSON_BYTES => {
                    problems.push(problem(
                        &file,
                        0,
                        "",
                        format!(
                            "file is {} bytes, over the {MAX_LESSON_BYTES}-byte limit",
                            m.len()
                        ),
                    ));
                    continue;
                }
                _ => match std::fs::read_to_string(&file) {
                    Ok(t) => t,
                    Err(e) => {
                        problems.push(problem(&file, 0, "", format!("cannot read: {e}")));
                        continue;
                    }
                },
            };
            match parse_lesson(&file, &text) {
                Ok(l) => lessons.push(l),
                Err(p) => problems.extend(p),
            }
        }
        let library = LessonLibrary::from_lessons(lessons);
        problems.extend(library.cross_check());
        if problems.is_empty() {
            Ok(library)
        } else {
            Err(problems)
        }
    }

    /// Build from parsed lessons, ordering them: domains in curriculum order; in a domain the
    /// overview first, then by first competency in curriculum order, then by id.
    pub fn from_lessons(mut lessons: Vec<Lesson>) -> LessonLibrary {
        let c = curriculum();
        let domain_rank = |d: &str| {
            c.domains
                .iter()
                .position(|x| x.id == d)
                .unwrap_or(usize::MAX)
        };
        let comp_rank = |l: &Lesson| {
            l.meta
                .competencies
                .first()
                .and_then(|id| c.competency_ids().position(|x| x == id))
                .unwrap_or(0)
        };
        lessons.sort_by(|a, b| {
            (
                domain_rank(&a.meta.domain),
                a.meta.kind,
                comp_rank(a),
                &a.meta.id,
            )
                .cmp(&(
                    domain_rank(&b.meta.domain),
                    b.meta.kind,
                    comp_rank(b),
                    &b.meta.id,
                ))
        });
        let plain = lessons
            .iter()
            .map(|l| plain_text(&l.body).to_lowercase())
            .collect();
        LessonLibrary { lessons, plain }
    }

    /// Problems across lessons: duplicate ids, unknown prerequisites, shortcodes that do not
    /// render or link an unknown lesson.
    fn cross_check(&self) -> Vec<LessonProblem> {
        let mut problems = Vec::new();
        let mut seen = BTreeSet::new();
        for l in &self.lessons {
            if !seen.insert(l.meta.id.as_str()) {
                problems.push(problem(
                    &l.path,
                    2,
                    "id",
                    format!("duplicate lesson id {:?}", l.meta.id),
                ));
            }
        }
        for l in &self.lessons {
            for p in &l.meta.prerequisites {
                if self.get(p).is_none() {
                    problems.push(problem(
                        &l.path,
                        2,
                        "prerequisites",
                        format!("unknown lesson {p:?}"),
                    ));
                }
            }
            match self.expand(l, &|_| None) {
                Ok(expanded) => {
                    for id in expanded.lessons_linked {
                        if self.get(&id).is_none() {
                            problems.push(problem(
                                &l.path,
                                l.body_line,
                                "body",
                                format!("link to unknown lesson {id:?}"),
                            ));
                        }
                    }
                }
                Err(e) => problems.push(problem(
                    &l.path,
                    l.body_line,
                    "body",
                    format!("shortcode error: {e}"),
                )),
            }
        }
        problems
    }

    pub fn lessons(&self) -> &[Lesson] {
        &self.lessons
    }

    pub fn get(&self, id: &str) -> Option<&Lesson> {
        self.lessons.iter().find(|l| l.meta.id == id)
    }

    /// Labs a lesson names (front matter and body) that `lab_title` does not know: pending.
    pub fn pending_labs(
        &self,
        lab_title: &dyn Fn(&str) -> Option<String>,
    ) -> Vec<(String, String)> {
        let mut out = BTreeSet::new();
        for l in &self.lessons {
            let mut ids: BTreeSet<String> = l.meta.labs.iter().cloned().collect();
            if let Ok(e) = self.expand(l, lab_title) {
                ids.extend(e.labs_linked);
            }
            for id in ids {
                if lab_title(&id).is_none() {
                    out.insert((l.meta.id.clone(), id));
                }
            }
        }
        out.into_iter().collect()
    }

    /// Render shortcodes to markdown links.
    fn expand(
        &self,
        lesson: &Lesson,
        lab_title: &dyn Fn(&str) -> Option<String>,
    ) -> Result<Expanded, String> {
        expand_shortcodes(
            &lesson.body,
            &|id| self.get(id).map(|l| l.meta.title.clone()),
            lab_title,
        )
    }

    /// The lesson as sanitized HTML, ready for a webview.
    pub fn render_html(
        &self,
        id: &str,
        lab_title: &dyn Fn(&str) -> Option<String>,
    ) -> Option<Result<String, String>> {
        let lesson = self.get(id)?;
        Some(
            self.expand(lesson, lab_title)
                .map(|e| markdown_to_safe_html(&e.markdown)),
        )
    }

    /// The lesson as plain text for a terminal.
    pub fn render_text(
        &self,
        id: &str,
        lab_title: &dyn Fn(&str) -> Option<String>,
    ) -> Option<Result<String, String>> {
        let lesson = self.get(id)?;
        Some(
            self.expand(lesson, lab_title)
                .map(|e| markdown_to_text(&e.markdown)),
        )
    }

    /// Plain-text search over titles, objectives and bodies; every query word must occur.
    pub fn search(&self, query: &str) -> Vec<SearchHit> {
        let words: Vec<String> = query.split_whitespace().map(str::to_lowercase).collect();
        if words.is_empty() {
            return Vec::new();
        }
        let mut hits = Vec::new();
        for (lesson, body) in self.lessons.iter().zip(&self.plain) {
            let title = lesson.meta.title.to_lowercase();
            let objectives = lesson.meta.objectives.join(" ").to_lowercase();
            let mut score = 0u32;
            let mut all = true;
            for w in &words {
                let in_body = u32::try_from(body.matches(w.as_str()).count()).unwrap_or(u32::MAX);
                let s = 10 * u32::from(title.contains(w.as_str()))
                    + 3 * u32::from(objectives.contains(w.as_str()))
                    + in_body.min(20);
                if s == 0 {
                    all = false;
                    break;
                }
                score += s;
            }
            if !all {
                continue;
            }
            let snippet = words
                .iter()
                .find_map(|w| body.find(w.as_str()))
                .map(|at| {
                    let start = body.floor_char_boundary(at.saturating_sub(60));
                    let end = body.floor_char_boundary((at + 100).min(body.len()));
                    format!(
                        "…{}…",
                        body[start..end]
                            .split_whitespace()
                            .collect::<Vec<_>>()
                            .join(" ")
                    )
                })
                .unwrap_or_default();
            hits.push(SearchHit {
                id: lesson.meta.id.clone(),
                title: lesson.meta.title.clone(),
                score,
                snippet,
            });
        }
        hits.sort_by(|a, b| b.score.cmp(&a.score).then_with(|| a.id.cmp(&b.id)));
        hits
    }
}

struct Expanded {
    markdown: String,
    lessons_linked: BTreeSet<String>,
    labs_linked: BTreeSet<String>,
}

fn arg(args: &HashMap<String, Json>, name: &str) -> tera::Result<String> {
    args.get(name)
        .and_then(Json::as_str)
        .map(str::to_owned)
        .ok_or_else(|| tera::Error::msg(format!("missing string argument `{name}`")))
}

/// Link targets inside the app. The webview intercepts these; they never leave the machine.
pub fn lab_href(id: &str) -> String {
    format!("ckslab://lab/{id}")
}
pub fn lesson_href(id: &str) -> String {
    format!("ckslab://lesson/{id}")
}

fn expand_shortcodes(
    body: &str,
    lesson_title: &dyn Fn(&str) -> Option<String>,
    lab_title: &dyn Fn(&str) -> Option<String>,
) -> Result<Expanded, String> {
    let lessons = Arc::new(std::sync::Mutex::new(BTreeSet::new()));
    let labs = Arc::new(std::sync::Mutex::new(BTreeSet::new()));
    let mut tera = tera::Tera::default();
    tera.autoescape_on(vec![]);
    for name in ["get_env", "now", "get_random"] {
        tera.register_function(
            name,
            move |_: &HashMap<String, Json>| -> tera::Result<Json> {
                Err(tera::Error::msg(format!(
                    "`{name}` is not available in lessons"
                )))
            },
        );
    }
    // Titles are looked up now (tera functions must be 'static + Send + Sync).
    let mut lesson_map = BTreeMap::new();
    let mut lab_map = BTreeMap::new();
    for cap in shortcode_ids(body, "lesson") {
        lesson_map.insert(cap.clone(), lesson_title(&cap));
    }
    for cap in shortcode_ids(body, "lab") {
        lab_map.insert(cap.clone(), lab_title(&cap));
    }
    {
        let seen = Arc::clone(&lessons);
        tera.register_function(
            "lesson",
            move |args: &HashMap<String, Json>| -> tera::Result<Json> {
                let id = arg(args, "id")?;
                seen.lock()
                    .map_err(|_| tera::Error::msg("lock"))?
                    .insert(id.clone());
                let title = lesson_map
                    .get(&id)
                    .cloned()
                    .flatten()
                    .unwrap_or_else(|| id.clone());
                Ok(Json::String(format!("[{title}]({})", lesson_href(&id))))
            },
        );
    }
    {
        let seen = Arc::clone(&labs);
        tera.register_function(
            "lab",
            move |args: &HashMap<String, Json>| -> tera::Result<Json> {
                let id = arg(args, "id")?;
                seen.lock()
                    .map_err(|_| tera::Error::msg("lock"))?
                    .insert(id.clone());
                Ok(Json::String(match lab_map.get(&id).cloned().flatten() {
                    Some(title) => format!("[Lab: {title}]({})", lab_href(&id)),
                    None => format!("*Lab `{id}` (coming soon)*"),
                }))
            },
        );
    }
    tera.register_function(
        "k8s",
        |args: &HashMap<String, Json>| -> tera::Result<Json> {
            let path = arg(args, "path")?;
            let title = arg(args, "title")?;
            if !path.starts_with('/') || path.contains("..") || path.contains(['(', ')', ' ']) {
                return Err(tera::Error::msg(format!(
                    "k8s path {path:?} must be an absolute path on kubernetes.io"
                )));
            }
            Ok(Json::String(format!(
                "[{title}](https://kubernetes.io{path})"
            )))
        },
    );
    tera.add_raw_template("lesson", body)
        .map_err(|e| chain(&e))?;
    let markdown = tera
        .render("lesson", &tera::Context::new())
        .map_err(|e| chain(&e))?;
    let lessons_linked = lessons.lock().map(|s| s.clone()).unwrap_or_default();
    let labs_linked = labs.lock().map(|s| s.clone()).unwrap_or_default();
    Ok(Expanded {
        markdown,
        lessons_linked,
        labs_linked,
    })
}

/// Ids used in `{{ <name>(id="…") }}` shortcodes, found textually for title lookups.
fn shortcode_ids(body: &str, name: &str) -> Vec<String> {
    let needle = format!("{name}(id=\"");
    let mut out = Vec::new();
    let mut rest = body;
    while let Some(at) = rest.find(&needle) {
        rest = &rest[at + needle.len()..];
        if let Some(end) = rest.find('"') {
            out.push(rest[..end].to_owned());
        }
    }
    out
}

fn chain(error: &tera::Error) -> String {
    let mut parts = vec![error.to_string()];
    let mut source = std::error::Error::source(error);
    while let Some(s) = source {
        parts.push(s.to_string());
        source = s.source();
    }
    parts.join(": ")
}

fn markdown_options() -> Options {
    Options::ENABLE_TABLES
        | Options::ENABLE_FOOTNOTES
        | Options::ENABLE_STRIKETHROUGH
        | Options::ENABLE_TASKLISTS
        | Options::ENABLE_GFM
}

const CODE_LANGUAGES: &[&str] = &[
    "yaml",
    "bash",
    "sh",
    "shell",
    "json",
    "text",
    "rego",
    "dockerfile",
    "ini",
    "toml",
    "console",
    "go",
    "python",
    "diff",
];

/// The sanitizer: ammonia's allow-list plus what lessons need (code languages, callouts,
/// footnotes, task-list checkboxes, `ckslab:` links). Built once.
fn sanitizer() -> &'static ammonia::Builder<'static> {
    static BUILDER: OnceLock<ammonia::Builder<'static>> = OnceLock::new();
    BUILDER.get_or_init(|| {
        let mut b = ammonia::Builder::default();
        let code_classes: Vec<&'static str> = CODE_LANGUAGES
            .iter()
            .map(|l| &*Box::leak(format!("language-{l}").into_boxed_str()))
            .collect();
        b.add_allowed_classes("code", code_classes);
        b.add_allowed_classes(
            "blockquote",
            [
                "markdown-alert-note",
                "markdown-alert-tip",
                "markdown-alert-important",
                "markdown-alert-warning",
                "markdown-alert-caution",
            ],
        );
        b.add_allowed_classes("sup", ["footnote-reference"]);
        b.add_allowed_classes("div", ["footnote-definition"]);
        b.add_allowed_classes("span", ["footnote-definition-label"]);
        b.add_tags(["input"]);
        b.add_tag_attributes("input", ["type", "checked", "disabled"]);
        b.add_tag_attributes("div", ["id"]);
        b.add_url_schemes(["ckslab"]);
        b.attribute_filter(|element, attribute, value| match (element, attribute) {
            ("input", "type") if value != "checkbox" => None,
            _ => Some(value.into()),
        });
        b
    })
}

/// Sanitize HTML with the lesson allow-list: no scripts, no event handlers, no `javascript:`.
pub fn sanitize_html(html: &str) -> String {
    sanitizer().clean(html).to_string()
}

/// Markdown → sanitized HTML. Raw HTML in the markdown is treated as untrusted input.
pub fn markdown_to_safe_html(markdown: &str) -> String {
    let mut html = String::with_capacity(markdown.len() * 3 / 2);
    pulldown_cmark::html::push_html(&mut html, Parser::new_ext(markdown, markdown_options()));
    sanitize_html(&html)
}

/// Plain text of markdown (for search).
fn plain_text(markdown: &str) -> String {
    let mut out = String::new();
    for event in Parser::new_ext(markdown, markdown_options()) {
        match event {
            Event::Text(t) | Event::Code(t) => {
                out.push_str(&t);
                out.push(' ');
            }
            Event::SoftBreak | Event::HardBreak | Event::End(_) => out.push(' '),
            _ => {}
        }
    }
    out
}

/// Markdown → readable plain text for a terminal. Control characters are dropped, so nothing
/// in a lesson can emit escape sequences.
pub fn markdown_to_text(markdown: &str) -> String {
    let mut out = String::new();
    let mut list_depth: Vec<Option<u64>> = Vec::new();
    let mut link_target: Option<String> = None;
    let mut in_code = false;
    let mut heading_start = None;
    let mut quote_depth = 0usize;
    for event in Parser::new_ext(markdown, markdown_options()) {
        match event {
            Event::Start(Tag::Heading { .. }) => {
                if !out.is_empty() && !out.ends_with("\n\n") {
                    out.push('\n');
                }
                heading_start = Some(out.len());
            }
            Event::End(TagEnd::Heading(level)) => {
                if let Some(start) = heading_start.take() {
                    let width = out[start..].chars().count();
                    let rule = if level == pulldown_cmark::HeadingLevel::H1 {
                        '='
                    } else {
                        '-'
                    };
                    out.push('\n');
                    out.extend(std::iter::repeat_n(rule, width));
                }
                out.push_str("\n\n");
            }
            Event::Start(Tag::Paragraph) if quote_depth > 0 => {
                out.push_str("│ ");
            }
            Event::End(TagEnd::Paragraph) => out.push_str("\n\n"),
            Event::Start(Tag::BlockQuote(kind)) => {
                quote_depth += 1;
                if let Some(kind) = kind {
                    out.push_str(&format!("│ {}\n", format!("{kind:?}").to_uppercase()));
                }
            }
            Event::End(TagEnd::BlockQuote(_)) => quote_depth = quote_depth.saturating_sub(1),
            Event::Start(Tag::CodeBlock(kind)) => {
                in_code = true;
                if let CodeBlockKind::Fenced(lang) = kind
                    && !lang.is_empty()
                {
                    out.push_str(&format!("    [{lang}]\n"));
                }
            }
            Event::End(TagEnd::CodeBlock) => {
                in_code = false;
                out.push('\n');
            }
            Event::Start(Tag::List(start)) => list_depth.push(start),
            Event::End(TagEnd::List(_)) => {
                list_depth.pop();
                if list_depth.is_empty() {
                    out.push('\n');
                }
            }
            Event::Start(Tag::Item) => {
                let indent = "  ".repeat(list_depth.len().saturating_sub(1));
                match list_depth.last_mut() {
                    Some(Some(n)) => {
                        out.push_str(&format!("{indent}{n}. "));
                        *n += 1;
                    }
                    _ => out.push_str(&format!("{indent}• ")),
                }
            }
            Event::End(TagEnd::Item) if !out.ends_with('\n') => {
                out.push('\n');
            }
            Event::Start(Tag::Link { dest_url, .. }) => link_target = Some(dest_url.to_string()),
            Event::End(TagEnd::Link) => {
                if let Some(url) = link_target.take()
                    && url.starts_with("http")
                {
                    out.push_str(&format!(" <{url}>"));
                }
            }
            Event::Text(text) => {
                if in_code {
                    for line in text.lines() {
                        out.push_str("    ");
                        out.push_str(line);
                        out.push('\n');
                    }
                } else {
                    out.push_str(&text);
                }
            }
            Event::Code(code) => {
                out.push('`');
                out.push_str(&code);
                out.push('`');
            }
            Event::SoftBreak => out.push(' '),
            Event::HardBreak => out.push('\n'),
            Event::Rule => out.push_str("────────\n\n"),
            Event::TaskListMarker(done) => out.push_str(if done { "[x] " } else { "[ ] " }),
            Event::Start(Tag::TableCell) => out.push_str("| "),
            Event::End(TagEnd::TableCell) => out.push(' '),
            Event::End(TagEnd::TableRow | TagEnd::TableHead) => out.push_str("|\n"),
            Event::End(TagEnd::Table) => out.push('\n'),
            Event::Html(_) | Event::InlineHtml(_) => {}
            _ => {}
        }
    }
    out.chars()
        .filter(|c| !c.is_control() || *c == '\n')
        .collect::<String>()
        .trim_end()
        .to_owned()
        + "\n"
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn front_matter_is_split_and_located() {
        let text = "---\nid: x\n---\n# Body\n";
        let (yaml, body, line) = split_front_matter(text).unwrap();
        assert_eq!((yaml, body, line), ("id: x\n", "# Body\n", 4));
        assert!(split_front_matter("# no front matter").is_none());
    }

    #[test]
    fn hostile_markdown_is_inert() {
        let html = markdown_to_safe_html(
            "<script>alert(1)</script>\n\n<img src=x onerror=alert(1)>\n\n[x](javascript:alert(1))\n\n<a href=\"ckslab://lab/a\" onclick=\"x()\">ok</a>\n\n<svg onload=alert(1)><circle/></svg>\n\n<input type=\"text\" autofocus onfocus=alert(1)>\n\n<iframe src=\"https://evil\"></iframe>\n",
        );
        for bad in [
            "<script",
            "onerror",
            "javascript:",
            "onclick",
            "onload",
            "<svg",
            "onfocus",
            "type=\"text\"",
            "<iframe",
        ] {
            assert!(!html.contains(bad), "{bad} survived: {html}");
        }
        assert!(html.contains("href=\"ckslab://lab/a\""), "{html}");
    }

    #[test]
    fn callouts_code_classes_and_task_lists_survive() {
        let html =
            markdown_to_safe_html("> [!WARNING]\n> Careful\n\n```yaml\na: 1\n```\n\n- [x] done\n");
        assert!(html.contains("class=\"markdown-alert-warning\""), "{html}");
        assert!(html.contains("class=\"language-yaml\""), "{html}");
        assert!(html.contains("type=\"checkbox\""), "{html}");
    }

    #[test]
    fn shortcodes_link_lessons_labs_and_docs() {
        let e = expand_shortcodes(
            "See {{ lesson(id=\"a\") }}, {{ lab(id=\"l1\") }}, {{ lab(id=\"l2\") }} and {{ k8s(path=\"/docs/concepts/\", title=\"Concepts\") }}.",
            &|id| (id == "a").then(|| "Lesson A".to_string()),
            &|id| (id == "l1").then(|| "Lab One".to_string()),
        )
        .unwrap();
        assert!(
            e.markdown.contains("[Lesson A](ckslab://lesson/a)"),
            "{}",
            e.markdown
        );
        assert!(e.markdown.contains("[Lab: Lab One](ckslab://lab/l1)"));
        assert!(e.markdown.contains("*Lab `l2` (coming soon)*"));
        assert!(
            e.markdown
                .contains("[Concepts](https://kubernetes.io/docs/concepts/)")
        );
        assert_eq!(e.labs_linked.len(), 2);
        assert!(expand_shortcodes("{{ get_env(name=\"HOME\") }}", &|_| None, &|_| None).is_err());
        assert!(
            expand_shortcodes(
                "{{ k8s(path=\"javascript:alert(1)\", title=\"x\") }}",
                &|_| None,
                &|_| None
            )
            .is_err()
        );
    }

    #[test]
    fn terminal_text_has_no_escape_sequences() {
        let text = markdown_to_text(
            "# Title\n\nHello \u{1b}[31mred\u{1b}[0m [doc](https://kubernetes.io/)\n\n```bash\nkubectl get pods\n```\n",
        );
        assert!(!text.contains('\u{1b}'));
        assert!(
            text.contains("Title\n=====")
                && text.contains("    kubectl get pods")
                && text.contains("<https://kubernetes.io/>"),
            "{text}"
        );
    }
}

#[cfg(test)]
mod load_tests {
    use super::*;

    #[test]
    fn bad_front_matter_names_file_line_and_field() {
        let dir = tempfile::tempdir().unwrap();
        let folder = dir.path().join("lessons/cluster-setup");
        std::fs::create_dir_all(&folder).unwrap();
        let bad = "---\nid: wrong-name\ntitle: T\ndomain: cluster-setup\ncompetencies: [cs.network-policy]\nkind: lesson\nminutes: 5\nobjectives: [x]\nquiz:\n  - {question: q, choices: [a, b], answer: c, explanation: e}\n---\nBody {{ lesson(id=\"nowhere\") }}\n";
        std::fs::write(folder.join("a.md"), bad).unwrap();
        std::fs::write(folder.join("b.md"), "---\nid: b\ntitle: T\ndomain: cluster-setup\ncompetencies: []\nkind: overview\nminutes: 5\nobjectives: [x]\ntypo: 1\n---\nx\n").unwrap();
        let problems = LessonLibrary::load(dir.path()).unwrap_err();
        let text: Vec<String> = problems.iter().map(ToString::to_string).collect();
        let joined = text.join("\n");
        assert!(
            joined.contains("a.md:2: id: id \"wrong-name\" must equal the file name \"a\""),
            "{joined}"
        );
        assert!(joined.contains("competencies: unknown competency id \"cs.network-policy\" (did you mean \"cs.network-policies\"?)"), "{joined}");
        assert!(joined.contains("quiz[0].answer"), "{joined}");
        assert!(
            joined.contains("b.md:") && joined.contains("typo"),
            "{joined}"
        );
    }

    #[test]
    fn links_to_unknown_lessons_are_problems() {
        let dir = tempfile::tempdir().unwrap();
        let folder = dir.path().join("lessons/cluster-setup");
        std::fs::create_dir_all(&folder).unwrap();
        std::fs::write(folder.join("a.md"), "---\nid: a\ntitle: T\ndomain: cluster-setup\ncompetencies: [cs.network-policies]\nkind: lesson\nminutes: 5\nobjectives: [x]\nprerequisites: [ghost]\n---\nSee {{ lesson(id=\"nowhere\") }}\n").unwrap();
        let joined: String = LessonLibrary::load(dir.path())
            .unwrap_err()
            .iter()
            .map(|p| p.to_string() + "\n")
            .collect();
        assert!(
            joined.contains("prerequisites: unknown lesson \"ghost\""),
            "{joined}"
        );
        assert!(
            joined.contains("link to unknown lesson \"nowhere\""),
            "{joined}"
        );
    }
}
