//! Where each field of a YAML document is: a map from field path (`checks[2].object.expr`) to
//! the 1-based line and column of its key (or, for list items, of the item).

use std::collections::HashMap;

use serde_saphyr::granit_parser::{Event, Parser};

/// Field path → (line, column) of the key; and field path → (line, column) of the value.
#[derive(Debug, Default, Clone)]
pub(crate) struct Positions {
    keys: HashMap<String, (usize, usize)>,
    values: HashMap<String, (usize, usize)>,
}

enum Frame {
    Map { path: String, key: Option<String> },
    Seq { path: String, index: usize },
}

fn join(parent: &str, key: &str) -> String {
    if parent.is_empty() {
        key.to_owned()
    } else {
        format!("{parent}.{key}")
    }
}

impl Positions {
    /// Index the first document of `text`. Never fails: on a syntax error it keeps what it saw
    /// (the syntax error itself is reported by the deserializer).
    pub(crate) fn index(text: &str) -> Positions {
        let mut positions = Positions::default();
        let mut stack: Vec<Frame> = Vec::new();
        for item in Parser::new_from_str(text) {
            let Ok((event, span)) = item else { break };
            let at = (span.start.line(), span.start.col() + 1);
            // The path a value starting here would have, if we are at a value position.
            let value_path = |stack: &mut Vec<Frame>| -> Option<String> {
                match stack.last_mut() {
                    None => Some(String::new()),
                    Some(Frame::Map { path, key }) => key.take().map(|k| join(path, &k)),
                    Some(Frame::Seq { path, index }) => {
                        let p = format!("{path}[{index}]");
                        *index += 1;
                        Some(p)
                    }
                }
            };
            match event {
                Event::Scalar(text, ..) => {
                    if let Some(Frame::Map { path, key }) = stack.last_mut()
                        && key.is_none()
                    {
                        let k = text.to_string();
                        positions.keys.insert(join(path, &k), at);
                        *key = Some(k);
                        continue;
                    }
                    if let Some(p) = value_path(&mut stack) {
                        positions.values.insert(p, at);
                    }
                }
                Event::MappingStart(..) | Event::SequenceStart(..) => {
                    let is_map = matches!(event, Event::MappingStart(..));
                    let path = value_path(&mut stack).unwrap_or_default();
                    positions.values.insert(path.clone(), at);
                    stack.push(if is_map {
                        Frame::Map { path, key: None }
                    } else {
                        Frame::Seq { path, index: 0 }
                    });
                }
                Event::MappingEnd | Event::SequenceEnd => {
                    stack.pop();
                }
                Event::Alias(_) => {
                    let _ = value_path(&mut stack);
                }
                Event::DocumentEnd => break,
                _ => {}
            }
        }
        positions
    }

    /// Position of a field: its key if it has one, else its value; falling back to the nearest
    /// enclosing field that is known.
    pub(crate) fn find(&self, path: &str) -> Option<(usize, usize)> {
        let mut path = path.to_owned();
        loop {
            if let Some(p) = self.keys.get(&path).or_else(|| self.values.get(&path)) {
                return Some(*p);
            }
            let cut = path.rfind(['.', '['])?;
            path.truncate(cut);
        }
    }

    /// Position of a field's value (for errors inside a value, e.g. a CEL expression).
    pub(crate) fn value(&self, path: &str) -> Option<(usize, usize)> {
        self.values.get(path).copied().or_else(|| self.find(path))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_values_and_list_items() {
        let text = "id: x\nchecks:\n  - id: a\n    object:\n      expr: \"true\"\n  - id: b\nhints: [h1.md, h2.md]\n";
        let p = Positions::index(text);
        assert_eq!(p.find("id"), Some((1, 1)));
        assert_eq!(p.find("checks[0].object.expr"), Some((5, 7)));
        assert_eq!(p.value("checks[0].object.expr"), Some((5, 13)));
        assert_eq!(p.find("checks[1].id"), Some((6, 5)));
        assert_eq!(p.value("hints[1]"), Some((7, 16)));
        // Unknown deeper paths fall back to the nearest known parent.
        assert_eq!(p.find("checks[1].nothing.here"), Some((6, 5)));
    }
}
