//! Sandboxed tera templates: params in, text out. No environment, no clock, no randomness, no
//! files: templates are added from strings only, and tera's `get_env` (registered by every
//! `Tera`) is replaced by a function that refuses.

use std::collections::{BTreeMap, HashMap};

use serde_json::Value as Json;
use tera::{Context, Tera};

/// A template engine for one lab rendering.
#[derive(Debug)]
pub struct Sandbox {
    tera: Tera,
    context: Context,
    counter: usize,
}

fn refuse(name: &'static str) -> impl tera::Function {
    move |_: &HashMap<String, Json>| -> tera::Result<Json> {
        Err(tera::Error::msg(format!(
            "`{name}` is not available in lab templates (templates see only params)"
        )))
    }
}

impl Sandbox {
    pub fn new(params: &BTreeMap<String, Json>) -> Sandbox {
        let mut tera = Tera::default();
        tera.autoescape_on(vec![]);
        for name in ["get_env", "now", "get_random"] {
            tera.register_function(name, refuse(name));
        }
        let mut context = Context::new();
        for (k, v) in params {
            context.insert(k.as_str(), v);
        }
        context.insert("params", params);
        Sandbox {
            tera,
            context,
            counter: 0,
        }
    }

    /// Render one template string. Text without template syntax is returned as is.
    pub fn render(&mut self, text: &str) -> Result<String, String> {
        if !text.contains("{{") && !text.contains("{%") && !text.contains("{#") {
            return Ok(text.to_owned());
        }
        self.counter += 1;
        let name = format!("__ckslab_{}", self.counter);
        self.tera
            .add_raw_template(&name, text)
            .map_err(|e| chain(&e))?;
        let out = self
            .tera
            .render(&name, &self.context)
            .map_err(|e| chain(&e));
        // Templates never see each other: no include of an earlier string.
        self.tera.templates.remove(&name);
        out
    }

    /// Render every string inside a JSON value (used for check specs and setup steps).
    pub fn render_json(
        &mut self,
        value: &mut Json,
        path: &str,
        problems: &mut Vec<(String, String)>,
    ) {
        match value {
            Json::String(s) => match self.render(s) {
                Ok(r) => *s = r,
                Err(e) => problems.push((path.to_owned(), e)),
            },
            Json::Array(items) => {
                for (i, item) in items.iter_mut().enumerate() {
                    self.render_json(item, &format!("{path}[{i}]"), problems);
                }
            }
            Json::Object(map) => {
                for (k, v) in map.iter_mut() {
                    let p = if path.is_empty() {
                        k.clone()
                    } else {
                        format!("{path}.{k}")
                    };
                    self.render_json(v, &p, problems);
                }
            }
            _ => {}
        }
    }
}

/// Tera nests the useful message in its error sources.
fn chain(error: &tera::Error) -> String {
    let mut parts = vec![error.to_string()];
    let mut source = std::error::Error::source(error);
    while let Some(s) = source {
        parts.push(s.to_string());
        source = s.source();
    }
    parts.join(": ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sandbox() -> Sandbox {
        let mut p = BTreeMap::new();
        p.insert("ns".to_string(), Json::from("payments"));
        p.insert("port".to_string(), Json::from(8080));
        Sandbox::new(&p)
    }

    #[test]
    fn renders_params_by_name_and_under_params() {
        let mut s = sandbox();
        assert_eq!(
            s.render("ns={{ ns }} port={{ params.port }}").unwrap(),
            "ns=payments port=8080"
        );
        assert_eq!(
            s.render("no templates <here> & \"quotes\"").unwrap(),
            "no templates <here> & \"quotes\""
        );
        assert_eq!(
            s.render("{{ '<b>' }}").unwrap(),
            "<b>",
            "no HTML escaping in YAML/markdown sources"
        );
    }

    #[test]
    fn environment_and_includes_are_refused() {
        let mut s = sandbox();
        let err = s.render("{{ get_env(name='HOME') }}").unwrap_err();
        assert!(err.contains("not available"), "{err}");
        s.render("{{ ns }}").unwrap();
        assert!(s.render("{% include \"__ckslab_1\" %}").is_err());
        assert!(s.render("{% include \"/etc/passwd\" %}").is_err());
        assert!(s.render("{{ undefined_param }}").is_err());
    }
}
