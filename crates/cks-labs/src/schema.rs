//! The JSON Schema of `lab.yaml`, generated from the Rust types (committed as labs/schema.json
//! so authors' editors validate and complete lab files).

use crate::model::Lab;

/// The schema as pretty-printed JSON with a trailing newline.
pub fn lab_schema_json() -> String {
    let mut schema = schemars::schema_for!(Lab);
    schema.insert("$id".into(), "https://ckslab.dev/schema/lab-v1.json".into());
    schema.insert("title".into(), "CKS Lab lab.yaml (ckslab/v1)".into());
    let mut text = serde_json::to_string_pretty(&schema).unwrap_or_default();
    text.push('\n');
    text
}
