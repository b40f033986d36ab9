//! Parsing `lab.yaml` with a tight budget (it is small and hand-written; anything else is an
//! attack or a mistake).

use serde_json::Value as Json;

/// Parse to JSON, or return (line, column, message) of the syntax error.
pub(crate) fn parse(text: &str) -> Result<Json, (usize, usize, String)> {
    let mut budget = serde_saphyr::Budget::default();
    budget.max_aliases = 100;
    budget.max_anchors = 100;
    budget.max_nodes = 100_000;
    budget.max_events = 200_000;
    budget.max_documents = 1;
    budget.max_depth = 32;
    let mut options = serde_saphyr::Options::default();
    options.budget = Some(budget);
    serde_saphyr::from_str_with_options::<Json>(text, options).map_err(|e| {
        let (line, column) = e
            .location()
            .map_or((1, 1), |l| (l.line() as usize, l.column() as usize));
        (line.max(1), column.max(1), e.without_snippet().to_string())
    })
}
