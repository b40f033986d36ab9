//! Loading and linting a lab folder: every problem at once, each with file, line, column and
//! field. A lab that loads is known to be consistent: its files exist inside its folder, its
//! templates render, its CEL compiles and its fixtures parse.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Component, Path, PathBuf};

use cks_checks::{CheckSpec, CompiledChecks};
use serde::de::DeserializeOwned;
use serde_json::Value as Json;
use sha2::{Digest, Sha256};

use crate::locate::Positions;
use crate::model::{Lab, SCHEMA_V1, Step};
use crate::params;
use crate::problem::Problem;
use crate::template::Sandbox;

/// Largest `lab.yaml` accepted.
pub const MAX_LAB_YAML_BYTES: u64 = 1024 * 1024;
/// Largest markdown or manifest file a lab may reference.
pub const MAX_LAB_FILE_BYTES: u64 = 4 * 1024 * 1024;

/// A lab read from disk and linted.
#[derive(Debug, Clone)]
pub struct LoadedLab {
    pub dir: PathBuf,
    pub lab: Lab,
    /// SHA-256 over every file of the lab folder (paths and contents), so attempts stay tied
    /// to the lab version they graded.
    pub content_hash: String,
    task_source: String,
    hint_sources: Vec<String>,
    explanation_source: String,
    /// How far the lab reaches with the sample params (computed once at load).
    pub(crate) sample_scope: crate::model::Scope,
}

/// A lab rendered for one attempt: params drawn, templates rendered, checks compiled.
#[derive(Debug)]
pub struct RenderedLab {
    pub params: BTreeMap<String, Json>,
    pub task: String,
    pub hints: Vec<String>,
    pub explanation: String,
    pub checks: CompiledChecks,
}

/// Folders under `root` (or `root` itself) that contain a `lab.yaml`, sorted.
pub fn discover(root: &Path) -> Vec<PathBuf> {
    if root.join("lab.yaml").is_file() {
        return vec![root.to_path_buf()];
    }
    let mut dirs: Vec<PathBuf> = fs::read_dir(root)
        .into_iter()
        .flatten()
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.join("lab.yaml").is_file())
        .collect();
    dirs.sort();
    dirs
}

fn read_bounded(path: &Path, limit: u64) -> Result<String, String> {
    let meta = fs::metadata(path).map_err(|e| format!("cannot read: {e}"))?;
    if meta.len() > limit {
        return Err(format!(
            "file is {} bytes, over the {limit}-byte limit",
            meta.len()
        ));
    }
    fs::read_to_string(path).map_err(|e| format!("cannot read: {e}"))
}

/// Fields of `lab.yaml`, for unknown-field suggestions and required-field checks.
const FIELDS: &[(&str, bool)] = &[
    ("schema", true),
    ("id", true),
    ("title", true),
    ("competencies", true),
    ("difficulty", true),
    ("minutes", true),
    ("requires", false),
    ("params", false),
    ("task", true),
    ("hints", true),
    ("hintCost", false),
    ("scope", false),
    ("images", false),
    ("setup", false),
    ("checks", true),
    ("solution", true),
    ("fixtures", true),
];

fn is_kebab(s: &str) -> bool {
    !s.is_empty()
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !s.starts_with('-')
        && !s.ends_with('-')
        && !s.contains("--")
}

fn closest<'a>(wrong: &str, options: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    options
        .into_iter()
        .map(|o| (cks_content::edit_distance(o, wrong), o))
        .filter(|(d, _)| *d <= 3)
        .min_by_key(|(d, _)| *d)
        .map(|(_, o)| o)
}

/// Builds problems located in `lab.yaml`.
struct Reporter<'a> {
    file: PathBuf,
    positions: &'a Positions,
    problems: Vec<Problem>,
}

impl Reporter<'_> {
    fn at(&mut self, field: &str, message: impl Into<String>) -> &mut Problem {
        let (line, column) = self.positions.find(field).unwrap_or((1, 1));
        self.problems.push(
            Problem::new(&self.file, message)
                .at(line, column)
                .field(field),
        );
        self.problems.last_mut().expect("just pushed")
    }
    fn at_value(&mut self, field: &str, message: impl Into<String>) -> &mut Problem {
        let (line, column) = self.positions.value(field).unwrap_or((1, 1));
        self.problems.push(
            Problem::new(&self.file, message)
                .at(line, column)
                .field(field),
        );
        self.problems.last_mut().expect("just pushed")
    }
}

/// Deserialize one value, reporting a failure at its precise field path.
fn typed<T: DeserializeOwned>(value: &Json, base: &str, r: &mut Reporter<'_>) -> Option<T> {
    match serde_path_to_error::deserialize::<_, T>(value) {
        Ok(v) => Some(v),
        Err(e) => {
            let mut path = base.to_owned();
            for segment in e.path().iter() {
                match segment {
                    serde_path_to_error::Segment::Seq { index } => {
                        path.push_str(&format!("[{index}]"))
                    }
                    serde_path_to_error::Segment::Map { key } => {
                        if !path.is_empty() {
                            path.push('.');
                        }
                        path.push_str(key);
                    }
                    serde_path_to_error::Segment::Enum { variant } => {
                        if !path.is_empty() {
                            path.push('.');
                        }
                        path.push_str(variant);
                    }
                    serde_path_to_error::Segment::Unknown => {}
                }
            }
            let message = e.inner().to_string();
            // For an unknown field, point at the offending key itself.
            let unknown_key = message
                .strip_prefix("unknown field `")
                .and_then(|rest| rest.split('`').next())
                .map(str::to_owned);
            let field = match &unknown_key {
                Some(key) if !path.ends_with(key.as_str()) => {
                    if path.is_empty() {
                        key.clone()
                    } else {
                        format!("{path}.{key}")
                    }
                }
                _ => path,
            };
            r.at(&field, message);
            None
        }
    }
}

/// Resolve a path written in `lab.yaml` inside the lab folder; refuse anything that leaves it.
fn inside(dir: &Path, relative: &str) -> Result<PathBuf, String> {
    let rel = Path::new(relative);
    if relative.is_empty() {
        return Err("empty path".into());
    }
    if rel.is_absolute()
        || rel
            .components()
            .any(|c| matches!(c, Component::ParentDir | Component::Prefix(_)))
    {
        return Err(format!(
            "{relative:?} leaves the lab folder; paths are relative to the folder and may not use `..`"
        ));
    }
    let full = dir.join(rel);
    // Symlinks may not point outside either.
    if let (Ok(real), Ok(root)) = (full.canonicalize(), dir.canonicalize())
        && !real.starts_with(&root)
    {
        return Err(format!("{relative:?} is a link that leaves the lab folder"));
    }
    Ok(full)
}

/// Load and lint one lab folder.
pub fn load(dir: &Path) -> Result<LoadedLab, Vec<Problem>> {
    load_checked(dir, true)
}

/// Load a lab to use it (list, start, grade): every check of [`load`] except parsing its
/// fixture snapshots, which are the bulk of a lab folder and only matter to lint and self-test
/// (a fixture that does not load still fails when it is graded).
pub fn load_for_use(dir: &Path) -> Result<LoadedLab, Vec<Problem>> {
    load_checked(dir, false)
}

fn load_checked(dir: &Path, check_fixtures: bool) -> Result<LoadedLab, Vec<Problem>> {
    let file = dir.join("lab.yaml");
    let text = read_bounded(&file, MAX_LAB_YAML_BYTES).map_err(|e| vec![Problem::new(&file, e)])?;
    let value: Json = match crate::yaml_lab::parse(&text) {
        Ok(v) => v,
        Err((line, column, message)) => {
            return Err(vec![Problem::new(&file, message).at(line, column)]);
        }
    };
    let positions = Positions::index(&text);
    let mut r = Reporter {
        file: file.clone(),
        positions: &positions,
        problems: Vec::new(),
    };

    let Some(map) = value.as_object() else {
        return Err(vec![
            Problem::new(&file, "lab.yaml must be a mapping of fields").at(1, 1),
        ]);
    };
    for key in map.keys() {
        if !FIELDS.iter().any(|(f, _)| f == key) {
            let p = r.at(key, format!("unknown field `{key}`"));
            match closest(key, FIELDS.iter().map(|(f, _)| *f)) {
                Some(s) => p.help = Some(format!("did you mean `{s}`?")),
                None => {
                    p.help = Some(format!(
                        "expected one of {}",
                        FIELDS
                            .iter()
                            .map(|(f, _)| *f)
                            .collect::<Vec<_>>()
                            .join(", ")
                    ))
                }
            }
        }
    }
    for (field, required) in FIELDS {
        if *required && !map.contains_key(*field) {
            r.problems.push(
                Problem::new(&file, format!("missing required field `{field}`"))
                    .at(1, 1)
                    .field(*field),
            );
        }
    }
    // Field by field, so one bad field does not hide the others.
    for (key, v) in map {
        match key.as_str() {
            "checks" => match v.as_array() {
                Some(items) => {
                    for (i, item) in items.iter().enumerate() {
                        typed::<CheckSpec>(item, &format!("checks[{i}]"), &mut r);
                    }
                }
                None => {
                    r.at_value("checks", "expected a list of checks");
                }
            },
            "schema" | "id" | "title" | "task" => {
                typed::<String>(v, key, &mut r);
            }
            "competencies" | "hints" | "images" => {
                typed::<Vec<String>>(v, key, &mut r);
            }
            "difficulty" => {
                typed::<crate::model::Difficulty>(v, key, &mut r);
            }
            "scope" => {
                typed::<crate::model::Scope>(v, key, &mut r);
            }
            "minutes" | "hintCost" => {
                typed::<u32>(v, key, &mut r);
            }
            "requires" => {
                typed::<Vec<crate::model::Requirement>>(v, key, &mut r);
            }
            "params" => {
                typed::<BTreeMap<String, crate::model::ParamSpec>>(v, key, &mut r);
            }
            "setup" => {
                typed::<Vec<Step>>(v, key, &mut r);
            }
            "solution" => {
                typed::<crate::model::Solution>(v, key, &mut r);
            }
            "fixtures" => {
                typed::<crate::model::Fixtures>(v, key, &mut r);
            }
            _ => {}
        }
    }
    if !r.problems.is_empty() {
        return Err(r.problems);
    }
    let Some(lab) = typed::<Lab>(&value, "", &mut r) else {
        return Err(r.problems);
    };

    lint(dir, &lab, &mut r);
    let (task_source, hint_sources, explanation_source) = read_markdown(dir, &lab, &mut r);
    // Keep going: templates, CEL, setup files and fixtures are checked even when other fields
    // have problems, so one run reports everything.
    let mut loaded = LoadedLab {
        dir: dir.to_path_buf(),
        content_hash: content_hash(dir),
        lab,
        task_source,
        hint_sources,
        explanation_source,
        sample_scope: crate::model::Scope::Namespace,
    };
    // Render with the first seed's params: templates, CEL and setup manifests must all work.
    let sample = loaded.draw_params(0);
    if let Err(problems) = loaded.render_with(&sample, &positions) {
        r.problems.extend(problems);
    }
    lint_setup_files(&loaded, &sample, &mut r);
    // Steps are templates too (kubectl arguments, node steps, waits): render them as start would.
    for (field, solution) in [("setup", false), ("solution.steps", true)] {
        if let Err(e) = loaded.render_steps(&sample, solution) {
            let (line, column) = positions.find(field).unwrap_or((1, 1));
            r.problems.push(
                Problem::new(&file, format!("does not render with sample params: {e}"))
                    .at(line, column)
                    .field(field),
            );
        }
    }
    let used = loaded.used_images(&sample);
    for image in used.difference(&loaded.lab.images.iter().cloned().collect()) {
        let (line, column) = positions
            .find("images")
            .or_else(|| positions.find("setup"))
            .unwrap_or((1, 1));
        r.problems.push(
            Problem::new(
                &file,
                format!("image {image} is used by the setup or solution but not listed"),
            )
            .at(line, column)
            .field("images")
            .help("list every image so `ckslab images pull` can preload it"),
        );
    }
    for (i, image) in loaded.lab.images.iter().enumerate() {
        if image.trim().is_empty() || image.contains(char::is_whitespace) || image.contains("{{") {
            let (line, column) = positions.find(&format!("images[{i}]")).unwrap_or((1, 1));
            r.problems.push(
                Problem::new(&file, format!("{image:?} is not an image reference"))
                    .at(line, column)
                    .field(format!("images[{i}]")),
            );
        }
    }
    loaded.sample_scope = loaded.inferred_scope(&sample);
    if let Some(declared) = loaded.lab.scope {
        let inferred = loaded.sample_scope;
        if declared < inferred {
            let (line, column) = positions.find("scope").unwrap_or((1, 1));
            r.problems.push(
                Problem::new(
                    &file,
                    format!(
                        "scope {} is narrower than what the lab does ({})",
                        declared.as_str(),
                        inferred.as_str()
                    ),
                )
                .at(line, column)
                .field("scope")
                .help("namespace: only namespaced objects; cluster: cluster-scoped objects or kubectl steps; node: node files"),
            );
        }
    }
    if check_fixtures {
        lint_fixtures(&loaded, &mut r);
    }
    if r.problems.is_empty() {
        Ok(loaded)
    } else {
        Err(r.problems)
    }
}

fn lint(dir: &Path, lab: &Lab, r: &mut Reporter<'_>) {
    if lab.schema != SCHEMA_V1 {
        r.at_value("schema", format!("unsupported schema {:?}", lab.schema))
            .help = Some(format!("expected {SCHEMA_V1:?}"));
    }
    if !is_kebab(&lab.id) {
        r.at_value("id", format!("{:?} is not kebab-case", lab.id))
            .help = Some("lowercase letters, digits and single dashes".into());
    }
    let folder = dir
        .canonicalize()
        .ok()
        .and_then(|d| d.file_name().map(|n| n.to_string_lossy().into_owned()));
    if let Some(folder) = folder
        && folder != lab.id
    {
        r.at_value(
            "id",
            format!("id {:?} differs from the folder name {folder:?}", lab.id),
        )
        .help = Some("rename the folder or the id".into());
    }
    if lab.title.trim().is_empty() {
        r.at_value("title", "title is empty");
    }
    if lab.competencies.is_empty() {
        r.at_value("competencies", "list at least one competency id");
    }
    let curriculum = cks_content::curriculum();
    for (i, id) in lab.competencies.iter().enumerate() {
        if curriculum.competency(id).is_none() {
            let p = r.at_value(
                &format!("competencies[{i}]"),
                format!("unknown competency id {id:?}"),
            );
            p.help = Some(match curriculum.suggest(id) {
                Some(s) => {
                    format!("did you mean {s:?}? (ids are listed in content/curriculum.yaml)")
                }
                None => "use an id from content/curriculum.yaml, e.g. \"ch.rbac\"".into(),
            });
        }
    }
    if !(1..=180).contains(&lab.minutes) {
        r.at_value(
            "minutes",
            format!("{} minutes is outside 1..=180", lab.minutes),
        );
    }
    for (name, spec) in &lab.params {
        let valid_name = name
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_lowercase() || c == '_')
            && name
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
        if !valid_name {
            r.at(&format!("params.{name}"), format!("parameter name {name:?} must be lowercase letters, digits and _ (it is a template variable)"));
        }
        if name == "params" {
            r.at("params.params", "`params` is reserved");
        }
        if let Err(e) = params::check_spec(spec) {
            r.at(&format!("params.{name}"), e);
        }
    }
    if lab.hints.len() < 2 {
        r.at_value(
            "hints",
            format!("a lab needs at least 2 hints, found {}", lab.hints.len()),
        );
    }
    let mut ids = BTreeSet::new();
    for (i, check) in lab.checks.iter().enumerate() {
        if !is_kebab(&check.id) {
            r.at_value(
                &format!("checks[{i}].id"),
                format!("check id {:?} is not kebab-case", check.id),
            );
        }
        if !ids.insert(check.id.as_str()) {
            r.at_value(
                &format!("checks[{i}].id"),
                format!("duplicate check id {:?}", check.id),
            );
        }
    }
    if lab.checks.iter().all(|c| c.points == 0) {
        r.at_value("checks", "at least one check must score points");
    }
    for (prefix, steps) in [
        ("setup", &lab.setup),
        ("solution.steps", &lab.solution.steps),
    ] {
        for (i, step) in steps.iter().enumerate() {
            let Step::Node(n) = step else { continue };
            let actions = [n.edit.is_some(), n.write.is_some(), n.remove.is_some()]
                .iter()
                .filter(|a| **a)
                .count();
            if actions != 1 {
                r.at(
                    &format!("{prefix}[{i}].node"),
                    "a node step does exactly one of edit, write, remove",
                );
            }
            if n.edit.is_some() != n.patch.is_some() {
                r.at(
                    &format!("{prefix}[{i}].node"),
                    "`edit` and `patch` go together",
                );
            }
            if n.write.is_some() != n.from.is_some() {
                r.at(
                    &format!("{prefix}[{i}].node"),
                    "`write` needs `from` (a file of the lab)",
                );
            }
            for path in [&n.edit, &n.write, &n.remove].into_iter().flatten() {
                if !path.starts_with('/') {
                    r.at_value(
                        &format!("{prefix}[{i}].node"),
                        format!("node paths are absolute, found {path:?}"),
                    );
                }
            }
            if let Some(patch) = &n.patch {
                for (key, items) in [
                    ("set-flag", &patch.set_flag),
                    ("remove-flag", &patch.remove_flag),
                ] {
                    for (j, item) in items.iter().enumerate() {
                        if !item.starts_with("--") {
                            let p = r.at_value(
                                &format!("{prefix}[{i}].node.patch.{key}[{j}]"),
                                format!("{item:?} is not a flag (`--name` or `--name=value`)"),
                            );
                            p.help = Some("in a flow list `[--a=x,y]` the comma splits the value: write the list one item per line, or quote the item".into());
                        }
                    }
                }
            }
        }
    }
    for (field, path) in referenced_files(lab) {
        match inside(dir, &path) {
            Err(e) => {
                r.at_value(&field, e);
            }
            Ok(full) if !full.exists() => {
                r.at_value(&field, format!("{path:?} does not exist in the lab folder"));
            }
            Ok(_) => {}
        }
    }
    for (field, pattern) in apply_globs(lab) {
        match inside(dir, &pattern) {
            Err(e) => {
                r.at_value(&field, e);
            }
            Ok(full) => {
                let matched = glob::glob(&full.to_string_lossy())
                    .map(|paths| paths.filter_map(Result::ok).count())
                    .unwrap_or(0);
                if matched == 0 {
                    r.at_value(
                        &field,
                        format!("{pattern:?} matches no file in the lab folder"),
                    );
                }
            }
        }
    }
    for (field, dir_path) in fixture_dirs(lab) {
        match inside(dir, &dir_path) {
            Err(e) => {
                r.at_value(&field, e);
            }
            Ok(full) if !full.is_dir() => {
                r.at_value(
                    &field,
                    format!("fixture folder {dir_path:?} does not exist"),
                );
            }
            Ok(_) => {}
        }
    }
}

/// Every file path `lab.yaml` names (except globs and fixture folders), with its field path.
fn referenced_files(lab: &Lab) -> Vec<(String, String)> {
    let mut out = vec![
        ("task".to_owned(), lab.task.clone()),
        (
            "solution.explanation".to_owned(),
            lab.solution.explanation.clone(),
        ),
    ];
    out.extend(
        lab.hints
            .iter()
            .enumerate()
            .map(|(i, h)| (format!("hints[{i}]"), h.clone())),
    );
    for (prefix, steps) in [
        ("setup", &lab.setup),
        ("solution.steps", &lab.solution.steps),
    ] {
        for (i, step) in steps.iter().enumerate() {
            if let Step::Node(n) = step
                && let Some(from) = &n.from
            {
                out.push((format!("{prefix}[{i}].node.from"), from.clone()));
            }
        }
    }
    out
}

fn apply_globs(lab: &Lab) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for (prefix, steps) in [
        ("setup", &lab.setup),
        ("solution.steps", &lab.solution.steps),
    ] {
        for (i, step) in steps.iter().enumerate() {
            if let Step::Apply(pattern) = step {
                out.push((format!("{prefix}[{i}].apply"), pattern.clone()));
            }
        }
    }
    out
}

fn fixture_dirs(lab: &Lab) -> Vec<(String, String)> {
    let f = &lab.fixtures;
    let mut out = vec![
        ("fixtures.broken".to_owned(), f.broken.clone()),
        ("fixtures.solved".to_owned(), f.solved.clone()),
    ];
    out.extend(
        f.also_correct
            .iter()
            .enumerate()
            .map(|(i, p)| (format!("fixtures.also-correct[{i}]"), p.clone())),
    );
    out.extend(
        f.bypasses
            .iter()
            .enumerate()
            .map(|(i, p)| (format!("fixtures.bypasses[{i}]"), p.clone())),
    );
    out
}

fn read_markdown(dir: &Path, lab: &Lab, r: &mut Reporter<'_>) -> (String, Vec<String>, String) {
    let mut read = |field: &str, rel: &str| -> String {
        let Ok(path) = inside(dir, rel) else {
            return String::new();
        };
        if !path.exists() {
            return String::new();
        }
        match read_bounded(&path, MAX_LAB_FILE_BYTES) {
            Ok(t) if t.trim().is_empty() => {
                r.problems
                    .push(Problem::new(&path, "file is empty").field(field));
                t
            }
            Ok(t) => t,
            Err(e) => {
                r.problems.push(Problem::new(&path, e).field(field));
                String::new()
            }
        }
    };
    let task = read("task", &lab.task);
    let hints = lab
        .hints
        .iter()
        .enumerate()
        .map(|(i, h)| read(&format!("hints[{i}]"), h))
        .collect();
    let explanation = read("solution.explanation", &lab.solution.explanation);
    (task, hints, explanation)
}

/// Render every setup manifest with the sample params and parse it.
fn lint_setup_files(loaded: &LoadedLab, sample: &BTreeMap<String, Json>, r: &mut Reporter<'_>) {
    let mut sandbox = Sandbox::new(sample);
    for (_, pattern) in apply_globs(&loaded.lab) {
        let Ok(full) = inside(&loaded.dir, &pattern) else {
            continue;
        };
        let Ok(paths) = glob::glob(&full.to_string_lossy()) else {
            continue;
        };
        for path in paths.filter_map(Result::ok) {
            let text = match read_bounded(&path, MAX_LAB_FILE_BYTES) {
                Ok(t) => t,
                Err(e) => {
                    r.problems.push(Problem::new(&path, e));
                    continue;
                }
            };
            match sandbox.render(&text) {
                Err(e) => r
                    .problems
                    .push(Problem::new(&path, format!("template error: {e}"))),
                Ok(rendered) => match cks_checks::yaml::parse_objects(&rendered) {
                    Err(e) => r.problems.push(Problem::new(
                        &path,
                        format!("after rendering with sample params: {e}"),
                    )),
                    Ok(objects) => {
                        for (i, o) in objects.iter().enumerate() {
                            if o.get("apiVersion").and_then(Json::as_str).is_none()
                                || o.get("kind").and_then(Json::as_str).is_none()
                            {
                                r.problems.push(Problem::new(
                                    &path,
                                    format!("document {} has no apiVersion or kind", i + 1),
                                ));
                            }
                        }
                    }
                },
            }
        }
    }
}

/// Every fixture folder must load, and carry valid `params.yaml` when the lab has params.
fn lint_fixtures(loaded: &LoadedLab, r: &mut Reporter<'_>) {
    for (field, rel) in fixture_dirs(&loaded.lab) {
        let Ok(dir) = inside(&loaded.dir, &rel) else {
            continue;
        };
        match crate::snapshot_dir::load(&dir) {
            Err(problems) => r.problems.extend(problems),
            Ok(snapshot) => {
                if let Err(e) = loaded.fixture_params(&snapshot.params) {
                    r.problems
                        .push(Problem::new(dir.join("params.yaml"), e).field(field));
                }
            }
        }
    }
}

fn content_hash(dir: &Path) -> String {
    fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
        let mut entries: Vec<PathBuf> = fs::read_dir(dir)
            .into_iter()
            .flatten()
            .filter_map(|e| e.ok().map(|e| e.path()))
            .collect();
        entries.sort();
        for e in entries {
            if e.is_dir() {
                walk(&e, out);
            } else {
                out.push(e);
            }
        }
    }
    let mut files = Vec::new();
    walk(dir, &mut files);
    let mut hasher = Sha256::new();
    for f in files {
        let rel = f
            .strip_prefix(dir)
            .unwrap_or(&f)
            .to_string_lossy()
            .replace('\\', "/");
        hasher.update(rel.as_bytes());
        hasher.update([0]);
        hasher.update(fs::read(&f).unwrap_or_default());
        hasher.update([0]);
    }
    hex::encode(hasher.finalize())
}

impl LoadedLab {
    /// Parameter values for an attempt seed.
    pub fn draw_params(&self, seed: u64) -> BTreeMap<String, Json> {
        params::draw(&self.lab.params, seed)
    }

    /// Validate recorded params (a fixture's or an attempt's) against the lab's specs.
    pub fn fixture_params(&self, recorded: &BTreeMap<String, Json>) -> Result<(), String> {
        let mut errors = Vec::new();
        for (name, spec) in &self.lab.params {
            match recorded.get(name) {
                None => errors.push(format!("missing value for param `{name}`")),
                Some(v) => {
                    if let Err(e) = params::check_value(spec, v) {
                        errors.push(format!("param `{name}` {e}"));
                    }
                }
            }
        }
        for name in recorded.keys() {
            if !self.lab.params.contains_key(name) {
                errors.push(format!("`{name}` is not a param of this lab"));
            }
        }
        if errors.is_empty() {
            Ok(())
        } else {
            Err(errors.join("; "))
        }
    }

    /// Render templates and compile checks for one attempt's params.
    pub fn render(&self, params: &BTreeMap<String, Json>) -> Result<RenderedLab, Vec<Problem>> {
        self.render_with(params, &Positions::default())
    }

    fn render_with(
        &self,
        params: &BTreeMap<String, Json>,
        positions: &Positions,
    ) -> Result<RenderedLab, Vec<Problem>> {
        let file = self.dir.join("lab.yaml");
        let mut problems = Vec::new();
        let mut sandbox = Sandbox::new(params);
        let mut md = |rel: &str, source: &str, problems: &mut Vec<Problem>| -> String {
            sandbox.render(source).unwrap_or_else(|e| {
                problems.push(Problem::new(
                    self.dir.join(rel),
                    format!("template error: {e}"),
                ));
                String::new()
            })
        };
        let task = md(&self.lab.task, &self.task_source, &mut problems);
        let hints = self
            .lab
            .hints
            .iter()
            .zip(&self.hint_sources)
            .map(|(rel, src)| md(rel, src, &mut problems))
            .collect();
        let explanation = md(
            &self.lab.solution.explanation,
            &self.explanation_source,
            &mut problems,
        );

        let mut sandbox = Sandbox::new(params);
        let mut specs = Vec::with_capacity(self.lab.checks.len());
        for (i, check) in self.lab.checks.iter().enumerate() {
            let mut value = match serde_json::to_value(check) {
                Ok(v) => v,
                Err(e) => {
                    problems.push(Problem::new(&file, e.to_string()).field(format!("checks[{i}]")));
                    continue;
                }
            };
            let mut errors = Vec::new();
            sandbox.render_json(&mut value, &format!("checks[{i}]"), &mut errors);
            for (field, e) in errors {
                let (line, column) = positions.value(&field).unwrap_or((0, 0));
                problems.push(
                    Problem::new(&file, format!("template error: {e}"))
                        .at(line, column)
                        .field(field),
                );
            }
            match serde_json::from_value::<CheckSpec>(value) {
                Ok(spec) => specs.push(spec),
                Err(e) => problems.push(
                    Problem::new(&file, format!("after rendering: {e}"))
                        .field(format!("checks[{i}]")),
                ),
            }
        }
        if !problems.is_empty() {
            return Err(problems);
        }
        let checks = CompiledChecks::compile(&specs).map_err(|compile_problems| {
            compile_problems
                .into_iter()
                .map(|p| {
                    let field = if p.field.is_empty() {
                        format!("checks[{}]", p.check_index)
                    } else {
                        format!("checks[{}].{}", p.check_index, p.field)
                    };
                    let (line, column) = positions.value(&field).unwrap_or((0, 0));
                    let message = if p.field.ends_with("expr")
                        || p.field.ends_with("expression")
                        || p.field.ends_with("where")
                        || p.field.ends_with("Expression")
                    {
                        format!(
                            "CEL does not compile (expression line {}, column {}): {}",
                            p.line, p.column, p.message
                        )
                    } else {
                        p.message
                    };
                    Problem::new(&file, message).at(line, column).field(field)
                })
                .collect::<Vec<_>>()
        })?;
        Ok(RenderedLab {
            params: params.clone(),
            task,
            hints,
            explanation,
            checks,
        })
    }
}
