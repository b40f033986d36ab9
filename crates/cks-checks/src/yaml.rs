//! Bounded YAML parsing (serde-saphyr): size, node, alias and document budgets, so an alias
//! bomb or a huge file is refused instead of exhausting memory.

use serde_json::Value as Json;

/// Largest YAML text accepted for one node file or object file.
pub const MAX_YAML_BYTES: usize = 64 * 1024 * 1024;

fn options() -> serde_saphyr::Options {
    let mut budget = serde_saphyr::Budget::default();
    budget.max_aliases = 1_000;
    budget.max_anchors = 1_000;
    budget.max_nodes = 20_000_000;
    budget.max_events = 40_000_000;
    budget.max_documents = 200_000;
    budget.max_total_scalar_bytes = MAX_YAML_BYTES;
    let mut options = serde_saphyr::Options::default();
    options.budget = Some(budget);
    options
}

fn render(error: &serde_saphyr::Error) -> String {
    match error.location() {
        Some(loc) => format!(
            "line {} column {}: {}",
            loc.line(),
            loc.column(),
            error.without_snippet()
        ),
        None => error.without_snippet().to_string(),
    }
}

/// Parse exactly one YAML (or JSON) document.
pub fn parse_one(text: &str) -> Result<Json, String> {
    if text.len() > MAX_YAML_BYTES {
        return Err(format!(
            "file is {} bytes, over the {MAX_YAML_BYTES}-byte limit",
            text.len()
        ));
    }
    serde_saphyr::from_str_with_options::<Json>(text, options()).map_err(|e| render(&e))
}

/// Parse every document of a multi-document YAML text, skipping empty documents and expanding
/// `kind: List` into its items.
pub fn parse_objects(text: &str) -> Result<Vec<Json>, String> {
    if text.len() > MAX_YAML_BYTES {
        return Err(format!(
            "file is {} bytes, over the {MAX_YAML_BYTES}-byte limit",
            text.len()
        ));
    }
    let docs: Vec<Json> =
        serde_saphyr::from_str_multiple_with_options(text, options()).map_err(|e| render(&e))?;
    let mut out = Vec::with_capacity(docs.len());
    for doc in docs {
        match doc {
            Json::Null => {}
            Json::Object(ref map)
                if map
                    .get("kind")
                    .and_then(Json::as_str)
                    .is_some_and(|k| k == "List" || k.ends_with("List"))
                    && map.get("items").is_some_and(Json::is_array) =>
            {
                if let Some(Json::Array(items)) = map.get("items") {
                    out.extend(items.iter().cloned());
                }
            }
            Json::Object(_) => out.push(doc),
            other => {
                return Err(format!(
                    "expected a Kubernetes object (a mapping), found {}",
                    kind_of(&other)
                ));
            }
        }
    }
    Ok(out)
}

fn kind_of(v: &Json) -> &'static str {
    match v {
        Json::Null => "nothing",
        Json::Bool(_) => "a boolean",
        Json::Number(_) => "a number",
        Json::String(_) => "a string",
        Json::Array(_) => "a list",
        Json::Object(_) => "a mapping",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn multi_document_and_lists() {
        let objs = parse_objects("---\napiVersion: v1\nkind: Pod\nmetadata: {name: a}\n---\n---\napiVersion: v1\nkind: List\nitems:\n- {kind: Pod, metadata: {name: b}}\n- {kind: Pod, metadata: {name: c}}\n").unwrap();
        assert_eq!(objs.len(), 3);
        assert_eq!(objs[2]["metadata"]["name"], "c");
    }

    #[test]
    fn alias_bombs_are_refused() {
        let bomb = "a: &a [x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\nc: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]\nd: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c]\ne: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d]\nf: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e]\ng: &g [*f, *f, *f, *f, *f, *f, *f, *f, *f]\nh: &h [*g, *g, *g, *g, *g, *g, *g, *g, *g]\ni: [*h, *h, *h, *h, *h, *h, *h, *h, *h]\n";
        assert!(parse_one(bomb).is_err());
    }

    #[test]
    fn errors_have_positions_and_scalars_are_refused_as_objects() {
        let err = parse_one("a: [1, 2\nb: 3\n").unwrap_err();
        assert!(err.contains("line"), "{err}");
        assert!(parse_objects("just a string\n").is_err());
    }
}
