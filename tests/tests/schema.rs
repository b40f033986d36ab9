//! labs/schema.json is generated from the Rust types; this test fails when it is stale.
//! Regenerate with `UPDATE_SCHEMA=1 cargo test -p cks-tests --test schema`.

#![allow(clippy::unwrap_used, clippy::expect_used)]

#[test]
fn lab_schema_is_current() {
    let path = cks_tests::repo_root().join("labs/schema.json");
    let want = cks_labs::schema::lab_schema_json();
    if std::env::var_os("UPDATE_SCHEMA").is_some() {
        std::fs::write(&path, &want).unwrap();
    }
    let have = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        have == want,
        "labs/schema.json is stale: run `UPDATE_SCHEMA=1 cargo test -p cks-tests --test schema`"
    );
    let schema: serde_json::Value = serde_json::from_str(&have).unwrap();
    let props = &schema["properties"];
    for field in [
        "schema",
        "id",
        "competencies",
        "params",
        "checks",
        "fixtures",
        "hints",
        "solution",
    ] {
        assert!(props.get(field).is_some(), "schema lacks {field}");
    }
    assert_eq!(
        schema["additionalProperties"],
        serde_json::json!(false),
        "unknown fields must be refused by editors too"
    );
}
