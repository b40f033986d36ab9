//! CEL: one environment, programs compiled once per lab, JSON converted to CEL values once.
//!
//! Why our own conversion: `cel::to_value` turns JSON integers into `uint`, so
//! `object.spec.replicas + 1` fails; Kubernetes CEL treats them as `int`. Values here borrow
//! strings from the JSON instead of copying them, and are bound through a resolver so that a
//! converted object is shared by every program that reads it.

use std::collections::HashMap;
use std::sync::{Arc, OnceLock};

use cel::common::types::{
    CelBool, CelDouble, CelInt, CelList, CelMap, CelMapKey, CelNull, CelString, CelUInt,
};
use cel::common::value::{CowVal, Val};
use cel::context::VariableResolver;
use cel::{Context, Env, Program, Value};
use serde_json::Value as Json;

/// The shared environment: CEL standard library, optional syntax, strings and lists extensions.
pub fn env() -> &'static Arc<Env> {
    static ENV: OnceLock<Arc<Env>> = OnceLock::new();
    ENV.get_or_init(|| {
        let mut env = Env::stdlib();
        // Both extensions only add functions the standard library lacks; a conflict would be a
        // bug in the crate, and the environment still works without them.
        let _ = env.add_extension(cel::extensions::strings);
        let _ = env.add_extension(cel::extensions::lists);
        Arc::new(env)
    })
}

/// A CEL compile error with its position inside the expression (1-based line and column).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CelCompileError {
    pub line: usize,
    pub column: usize,
    pub message: String,
}

impl std::fmt::Display for CelCompileError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}: {}", self.line, self.column, self.message)
    }
}

/// A compiled expression with its source, so messages can quote it.
#[derive(Debug)]
pub struct Expr {
    pub source: String,
    program: Program,
}

impl Expr {
    pub fn compile(source: &str) -> Result<Expr, Vec<CelCompileError>> {
        if source.trim().is_empty() {
            return Err(vec![CelCompileError {
                line: 1,
                column: 1,
                message: "empty expression".into(),
            }]);
        }
        match std::panic::catch_unwind(|| env().compile(source)) {
            Ok(Ok(program)) => Ok(Expr {
                source: source.to_owned(),
                program,
            }),
            Ok(Err(errors)) => Err(errors
                .errors
                .iter()
                .map(|e| CelCompileError {
                    line: usize::try_from(e.pos.0).unwrap_or(0).max(1),
                    column: usize::try_from(e.pos.1).unwrap_or(0) + 1,
                    message: e.msg.clone(),
                })
                .collect()),
            Err(_) => Err(vec![CelCompileError {
                line: 1,
                column: 1,
                message: "the CEL parser failed on this expression".into(),
            }]),
        }
    }

    /// Evaluate with the given variables. Panics inside the interpreter become errors: the engine
    /// never panics.
    pub fn eval(&self, vars: &Vars<'_>) -> Result<Value, String> {
        let mut context = Context::with_env(Arc::clone(env()));
        context.set_variable_resolver(vars);
        match std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            self.program.execute(&context)
        })) {
            Ok(Ok(value)) => Ok(value),
            Ok(Err(error)) => Err(error.to_string()),
            Err(_) => Err("the CEL interpreter failed on this expression".into()),
        }
    }

    /// Evaluate and require a boolean.
    pub fn eval_bool(&self, vars: &Vars<'_>) -> Result<bool, String> {
        match self.eval(vars)? {
            Value::Bool(b) => Ok(b),
            other => Err(format!(
                "expression must return a bool, returned {}",
                describe(&other)
            )),
        }
    }

    /// Evaluate and require a string.
    pub fn eval_string(&self, vars: &Vars<'_>) -> Result<String, String> {
        match self.eval(vars)? {
            Value::String(s) => Ok(s.as_ref().clone()),
            other => Err(format!(
                "expression must return a string, returned {}",
                describe(&other)
            )),
        }
    }
}

fn describe(value: &Value) -> String {
    let text = format!("{value:?}");
    if text.len() > 80 {
        format!("{}…", &text[..text.floor_char_boundary(80)])
    } else {
        text
    }
}

/// A JSON document converted to a CEL value once, borrowing its strings.
pub struct CelDoc<'a>(Box<dyn Val + 'a>);

impl std::fmt::Debug for CelDoc<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("CelDoc")
    }
}

impl<'a> CelDoc<'a> {
    pub fn new(json: &'a Json) -> CelDoc<'a> {
        CelDoc(to_val(json))
    }
    pub fn from_str(text: &'a str) -> CelDoc<'a> {
        CelDoc(Box::new(CelString::from(text)))
    }
    fn as_val(&self) -> &(dyn Val + 'a) {
        self.0.as_ref()
    }
}

/// Convert JSON to a CEL value: integers that fit `i64` are `int`, larger ones `uint`.
fn to_val(json: &Json) -> Box<dyn Val + '_> {
    match json {
        Json::Null => Box::new(CelNull),
        Json::Bool(b) => Box::new(CelBool::from(*b)),
        Json::Number(n) => {
            if let Some(i) = n.as_i64() {
                Box::new(CelInt::from(i))
            } else if let Some(u) = n.as_u64() {
                Box::new(CelUInt::from(u))
            } else {
                Box::new(CelDouble::from(n.as_f64().unwrap_or(f64::NAN)))
            }
        }
        Json::String(s) => Box::new(CelString::from(s.as_str())),
        Json::Array(items) => Box::new(CelList::from(items.iter().map(to_val).collect::<Vec<_>>())),
        Json::Object(map) => {
            let entries: HashMap<CelMapKey<'_>, Box<dyn Val + '_>> = map
                .iter()
                .map(|(k, v)| (CelMapKey::from(k.as_str()), to_val(v)))
                .collect();
            Box::new(CelMap::from(entries))
        }
    }
}

/// The variables an expression sees, each already converted.
#[derive(Default)]
pub struct Vars<'a> {
    entries: Vec<(&'static str, &'a CelDoc<'a>)>,
}

impl std::fmt::Debug for Vars<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list()
            .entries(self.entries.iter().map(|(n, _)| n))
            .finish()
    }
}

impl<'a> Vars<'a> {
    pub fn new() -> Self {
        Vars {
            entries: Vec::new(),
        }
    }
    pub fn with(mut self, name: &'static str, doc: &'a CelDoc<'a>) -> Self {
        self.entries.push((name, doc));
        self
    }
}

impl VariableResolver for Vars<'_> {
    fn resolve<'b>(&'b self, variable: &str) -> Option<CowVal<'b, 'b>> {
        self.entries
            .iter()
            .find(|(name, _)| *name == variable)
            .map(|(_, doc)| CowVal::Borrowed(doc.as_val()))
    }
}

/// Convert a CEL result back to JSON (for `variables`).
pub fn value_to_json(value: &Value) -> Json {
    match value {
        Value::Null => Json::Null,
        Value::Bool(b) => Json::Bool(*b),
        Value::Int(i) => Json::from(*i),
        Value::UInt(u) => Json::from(*u),
        Value::Float(f) => serde_json::Number::from_f64(*f).map_or(Json::Null, Json::Number),
        Value::String(s) => Json::String(s.as_ref().clone()),
        Value::Bytes(b) => Json::String(String::from_utf8_lossy(b).into_owned()),
        Value::List(items) => Json::Array(items.iter().map(value_to_json).collect()),
        Value::Map(map) => Json::Object(
            map.map
                .iter()
                .map(|(k, v)| {
                    let key = match k {
                        cel::objects::Key::String(s) => s.as_ref().clone(),
                        cel::objects::Key::Int(i) => i.to_string(),
                        cel::objects::Key::Uint(u) => u.to_string(),
                        cel::objects::Key::Bool(b) => b.to_string(),
                    };
                    (key, value_to_json(v))
                })
                .collect(),
        ),
        _ => Json::String(format!("{value:?}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn eval(expr: &str, object: &Json) -> Result<bool, String> {
        let e = Expr::compile(expr).map_err(|e| format!("{e:?}"))?;
        let doc = CelDoc::new(object);
        e.eval_bool(&Vars::new().with("object", &doc))
    }

    #[test]
    fn integers_are_int_so_arithmetic_works() {
        assert_eq!(
            eval(
                "object.spec.replicas + 1 == 4",
                &json!({"spec": {"replicas": 3}})
            ),
            Ok(true)
        );
    }

    #[test]
    fn optional_syntax_works() {
        let ns =
            json!({"metadata": {"labels": {"pod-security.kubernetes.io/enforce": "restricted"}}});
        assert_eq!(
            eval(
                "object.metadata.labels[?'pod-security.kubernetes.io/enforce'].orValue('') == 'restricted'",
                &ns
            ),
            Ok(true)
        );
        assert_eq!(
            eval(
                "object.?spec.?securityContext.?runAsNonRoot.orValue(false)",
                &ns
            ),
            Ok(false)
        );
    }

    #[test]
    fn macros_and_strings_extension_work() {
        let pod = json!({"spec": {"containers": [{"name": "a", "image": "Nginx:1.27"}]}});
        assert_eq!(
            eval(
                "object.spec.containers.all(c, c.image.lowerAscii().startsWith('nginx'))",
                &pod
            ),
            Ok(true)
        );
    }

    #[test]
    fn a_missing_field_is_an_error_not_false() {
        let err = eval("object.spec.hostPID == false", &json!({"spec": {}})).unwrap_err();
        assert!(err.contains("hostPID"), "{err}");
    }

    #[test]
    fn compile_errors_carry_a_position() {
        let errors = Expr::compile("object.spec.\n  ==== 1").unwrap_err();
        assert!(errors[0].line >= 1 && errors[0].column >= 1, "{errors:?}");
        assert!(Expr::compile("").is_err());
    }

    #[test]
    fn non_bool_results_are_errors() {
        assert!(eval("object.spec", &json!({"spec": {}})).is_err());
    }
}
