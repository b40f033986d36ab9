//! CEL: one environment, programs compiled once per lab, JSON converted to CEL values once.
//!
//! Why our own conversion: `cel::to_value` turns JSON integers into `uint`, so
//! `object.spec.replicas + 1` fails; Kubernetes CEL treats them as `int`. Values here borrow
//! strings from the JSON instead of copying them, and maps and lists are shared (`Arc`), so a
//! converted object is bound into every program's context, and handed to every comprehension,
//! by a pointer copy.

use std::collections::HashMap;
use std::sync::{Arc, OnceLock};

use cel::common::traits::{Adder, Container, Indexer, Iterable, Iterator as CelIterator, Sizer};
use cel::common::types::{
    CelBool, CelDouble, CelInt, CelMap, CelMapKey, CelNull, CelString, CelUInt, LIST_TYPE,
    MAP_TYPE, Type,
};
use cel::common::value::{CowVal, Val};
use cel::{Context, Env, ExecutionError, Program, Value};
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

    /// Evaluate and hand the result to `f` without converting it to a `Value` (our shared map
    /// and list types have no `Value` form). Panics inside the interpreter become errors: the
    /// engine never panics.
    fn with_result<'a, T>(
        &self,
        vars: &Vars<'_, 'a>,
        f: impl FnOnce(&(dyn Val + 'a)) -> Result<T, String>,
    ) -> Result<T, String> {
        let context = vars.context();
        let expression = self.program.expression();
        match std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            Value::resolve_val(expression, &context).map(CowVal::into_owned)
        })) {
            Ok(Ok(value)) => f(value.as_ref()),
            Ok(Err(error)) => Err(error.to_string()),
            Err(_) => Err("the CEL interpreter failed on this expression".into()),
        }
    }

    /// Evaluate to an owned CEL value (for `variables`).
    pub fn eval_val<'a>(&self, vars: &Vars<'_, 'a>) -> Result<Box<dyn Val + 'a>, String> {
        self.with_result(vars, |v| Ok(v.clone_as_boxed()))
    }

    /// Evaluate and require a boolean.
    pub fn eval_bool(&self, vars: &Vars<'_, '_>) -> Result<bool, String> {
        self.with_result(vars, |v| match v.downcast_ref::<CelBool>() {
            Some(b) => Ok(*b.inner()),
            None => Err(format!(
                "expression must return a bool, returned a {}",
                v.get_type().name()
            )),
        })
    }

    /// Evaluate and require a string.
    pub fn eval_string(&self, vars: &Vars<'_, '_>) -> Result<String, String> {
        self.with_result(vars, |v| match v.downcast_ref::<CelString<'_>>() {
            Some(s) => Ok(s.inner().to_owned()),
            None => Err(format!(
                "expression must return a string, returned a {}",
                v.get_type().name()
            )),
        })
    }
}

/// Build the `variables` map from evaluated values.
pub fn variables_map<'a>(values: Vec<(String, Box<dyn Val + 'a>)>) -> Box<dyn Val + 'a> {
    let entries: HashMap<CelMapKey<'a>, Box<dyn Val + 'a>> = values
        .into_iter()
        .map(|(k, v)| (CelMapKey::from(k), v))
        .collect();
    Box::new(CelMap::from(entries))
}

/// A JSON document converted to a CEL value once: strings are borrowed from the JSON, maps and
/// lists are shared (`Arc`), so handing an element to a comprehension is a pointer copy rather
/// than the deep clone cel's own map and list types make.
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
    pub fn text(text: &'a str) -> CelDoc<'a> {
        CelDoc(Box::new(CelString::from(text)))
    }
    /// Wrap an already-built value (e.g. the `variables` map).
    pub fn from_val(val: Box<dyn Val + 'a>) -> CelDoc<'a> {
        CelDoc(val)
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
        Json::Array(items) => Box::new(SharedList(Arc::new(items.iter().map(to_val).collect()))),
        Json::Object(map) => {
            let mut entries: Vec<(CelString<'_>, Box<dyn Val + '_>)> = map
                .iter()
                .map(|(k, v)| (CelString::from(k.as_str()), to_val(v)))
                .collect();
            entries.sort_by(|a, b| a.0.inner().cmp(b.0.inner()));
            Box::new(SharedMap(Arc::new(entries)))
        }
    }
}

static MAP_T: Type = MAP_TYPE;
static LIST_T: Type = LIST_TYPE;

/// A JSON object as a CEL map: entries sorted by key, shared between clones.
#[derive(Debug, Clone)]
struct SharedMap<'a>(Arc<Vec<(CelString<'a>, Box<dyn Val + 'a>)>>);

/// A JSON array as a CEL list, shared between clones.
#[derive(Debug, Clone)]
struct SharedList<'a>(Arc<Vec<Box<dyn Val + 'a>>>);

fn key_of(idx: &dyn Val) -> Option<&str> {
    idx.downcast_ref::<CelString<'_>>().map(|s| s.inner())
}

impl<'a> SharedMap<'a> {
    fn lookup(&self, key: &str) -> Option<&(dyn Val + 'a)> {
        self.0
            .binary_search_by(|(k, _)| k.inner().cmp(key))
            .ok()
            .map(|i| self.0[i].1.as_ref())
    }
    fn missing(idx: &dyn Val) -> ExecutionError {
        match key_of(idx) {
            Some(k) => ExecutionError::NoSuchKey(Arc::new(k.to_owned())),
            None => ExecutionError::UnexpectedType {
                got: idx.get_type().name().to_string(),
                want: "string".into(),
            },
        }
    }
}

impl<'a> Val for SharedMap<'a> {
    fn get_type(&self) -> &Type {
        &MAP_T
    }
    fn cel_type() -> &'static Type {
        &MAP_T
    }
    fn as_indexer<'b, 'v>(&'b self) -> Option<&'b (dyn Indexer + 'v)>
    where
        Self: 'v,
    {
        Some(self)
    }
    fn as_iterable<'b, 'v>(&'b self) -> Option<&'b (dyn Iterable + 'v)>
    where
        Self: 'v,
    {
        Some(self)
    }
    fn as_container(&self) -> Option<&dyn Container> {
        Some(self)
    }
    fn as_sizer(&self) -> Option<&dyn Sizer> {
        Some(self)
    }
    fn equals(&self, other: &dyn Val) -> bool {
        let (Some(indexer), Some(sizer)) = (other.as_indexer(), other.as_sizer()) else {
            return false;
        };
        if other.get_type().kind() != MAP_T.kind() || *sizer.size().inner() != self.0.len() as i64 {
            return false;
        }
        self.0
            .iter()
            .all(|(k, v)| indexer.get(k).is_ok_and(|o| v.equals(o.as_ref())))
    }
    fn clone_as_boxed<'v>(&self) -> Box<dyn Val + 'v>
    where
        Self: 'v,
    {
        Box::new(self.clone())
    }
}

impl<'a> Indexer for SharedMap<'a> {
    fn get<'b, 'v>(&'b self, idx: &dyn Val) -> Result<CowVal<'b, 'v>, ExecutionError>
    where
        Self: 'v,
    {
        match key_of(idx).and_then(|k| self.lookup(k)) {
            Some(v) => Ok(CowVal::Borrowed(v)),
            None => Err(Self::missing(idx)),
        }
    }
    fn steal<'v>(self: Box<Self>, idx: &dyn Val) -> Result<Box<dyn Val + 'v>, ExecutionError>
    where
        Self: 'v,
    {
        match key_of(idx).and_then(|k| self.lookup(k)) {
            Some(v) => Ok(v.clone_as_boxed()),
            None => Err(Self::missing(idx)),
        }
    }
}

impl Container for SharedMap<'_> {
    fn contains(&self, value: &dyn Val) -> Result<bool, ExecutionError> {
        Ok(key_of(value).is_some_and(|k| self.lookup(k).is_some()))
    }
}

impl Sizer for SharedMap<'_> {
    fn size(&self) -> CelInt {
        CelInt::from(i64::try_from(self.0.len()).unwrap_or(i64::MAX))
    }
}

struct MapKeys<'b, 'a>(std::slice::Iter<'b, (CelString<'a>, Box<dyn Val + 'a>)>);

impl<'b, 'a: 'v, 'v> CelIterator<'b, 'v> for MapKeys<'b, 'a> {
    fn next(&mut self) -> Option<&'b (dyn Val + 'v)> {
        self.0.next().map(|(k, _)| k as &(dyn Val + 'v))
    }
}

impl<'a> Iterable for SharedMap<'a> {
    fn iter<'b, 'v>(&'b self) -> Box<dyn CelIterator<'b, 'v> + 'b>
    where
        Self: 'v,
    {
        Box::new(MapKeys(self.0.iter()))
    }
}

impl<'a> Val for SharedList<'a> {
    fn get_type(&self) -> &Type {
        &LIST_T
    }
    fn cel_type() -> &'static Type {
        &LIST_T
    }
    fn as_indexer<'b, 'v>(&'b self) -> Option<&'b (dyn Indexer + 'v)>
    where
        Self: 'v,
    {
        Some(self)
    }
    fn as_iterable<'b, 'v>(&'b self) -> Option<&'b (dyn Iterable + 'v)>
    where
        Self: 'v,
    {
        Some(self)
    }
    fn as_container(&self) -> Option<&dyn Container> {
        Some(self)
    }
    fn as_sizer(&self) -> Option<&dyn Sizer> {
        Some(self)
    }
    fn as_adder<'b, 'v>(&'b self) -> Option<&'b (dyn Adder + 'v)>
    where
        Self: 'v,
    {
        Some(self)
    }
    fn equals(&self, other: &dyn Val) -> bool {
        let Some(iterable) = other.as_iterable() else {
            return false;
        };
        if other.get_type().kind() != LIST_T.kind() {
            return false;
        }
        let mut theirs = iterable.iter();
        for mine in self.0.iter() {
            match theirs.next() {
                Some(t) if mine.equals(t) => {}
                _ => return false,
            }
        }
        theirs.next().is_none()
    }
    fn clone_as_boxed<'v>(&self) -> Box<dyn Val + 'v>
    where
        Self: 'v,
    {
        Box::new(self.clone())
    }
}

impl<'a> Indexer for SharedList<'a> {
    fn get<'b, 'v>(&'b self, idx: &dyn Val) -> Result<CowVal<'b, 'v>, ExecutionError>
    where
        Self: 'v,
    {
        let Some(i) = idx.downcast_ref::<CelInt>().map(|i| *i.inner()) else {
            return Err(ExecutionError::UnexpectedType {
                got: idx.get_type().name().to_string(),
                want: "int".into(),
            });
        };
        usize::try_from(i)
            .ok()
            .and_then(|i| self.0.get(i))
            .map(|v| CowVal::Borrowed(v.as_ref()))
            .ok_or_else(|| {
                ExecutionError::function_error(
                    "index",
                    format!("index {i} out of range for a list of {}", self.0.len()),
                )
            })
    }
    fn steal<'v>(self: Box<Self>, idx: &dyn Val) -> Result<Box<dyn Val + 'v>, ExecutionError>
    where
        Self: 'v,
    {
        self.get(idx).map(CowVal::into_owned)
    }
}

struct ListItems<'b, 'a>(std::slice::Iter<'b, Box<dyn Val + 'a>>);

impl<'b, 'a: 'v, 'v> CelIterator<'b, 'v> for ListItems<'b, 'a> {
    fn next(&mut self) -> Option<&'b (dyn Val + 'v)> {
        self.0.next().map(|v| v.as_ref() as &(dyn Val + 'v))
    }
}

impl<'a> Iterable for SharedList<'a> {
    fn iter<'b, 'v>(&'b self) -> Box<dyn CelIterator<'b, 'v> + 'b>
    where
        Self: 'v,
    {
        Box::new(ListItems(self.0.iter()))
    }
}

impl Container for SharedList<'_> {
    fn contains(&self, value: &dyn Val) -> Result<bool, ExecutionError> {
        Ok(self.0.iter().any(|v| v.equals(value)))
    }
}

impl Sizer for SharedList<'_> {
    fn size(&self) -> CelInt {
        CelInt::from(i64::try_from(self.0.len()).unwrap_or(i64::MAX))
    }
}

impl<'a> Adder for SharedList<'a> {
    fn add<'b, 'v>(&'b self, rhs: &(dyn Val + 'v)) -> Result<CowVal<'b, 'v>, ExecutionError>
    where
        Self: 'v,
    {
        let Some(other) = rhs.as_iterable() else {
            return Err(ExecutionError::UnexpectedType {
                got: rhs.get_type().name().to_string(),
                want: "list".into(),
            });
        };
        let mut items: Vec<Box<dyn Val + 'v>> = self.0.iter().map(|v| v.clone_as_boxed()).collect();
        let mut it = other.iter();
        while let Some(v) = it.next() {
            items.push(v.clone_as_boxed());
        }
        Ok(CowVal::Owned(Box::new(SharedList(Arc::new(items)))))
    }
}

/// The variables an expression sees, each already converted. Binding one into a context is a
/// shared-pointer copy (see [`CelDoc`]).
#[derive(Default)]
pub struct Vars<'b, 'a> {
    entries: Vec<(&'static str, &'b CelDoc<'a>)>,
}

impl std::fmt::Debug for Vars<'_, '_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list()
            .entries(self.entries.iter().map(|(n, _)| n))
            .finish()
    }
}

impl<'b, 'a> Vars<'b, 'a> {
    pub fn new() -> Self {
        Vars {
            entries: Vec::new(),
        }
    }
    pub fn with(mut self, name: &'static str, doc: &'b CelDoc<'a>) -> Self {
        self.entries.push((name, doc));
        self
    }
    fn context(&self) -> Context<'a, 'a> {
        let mut context = Context::with_env(Arc::clone(env()));
        for (name, doc) in &self.entries {
            context.add_variable_as_val(*name, doc.0.clone_as_boxed());
        }
        context
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
