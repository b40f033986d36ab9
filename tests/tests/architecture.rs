//! The dependency rules of DESIGN §2, asserted from `cargo metadata`.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::{BTreeMap, BTreeSet};
use std::process::Command;

use serde_json::Value;

fn metadata() -> Value {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let out = Command::new(cargo)
        .args([
            "metadata",
            "--format-version",
            "1",
            "--locked",
            "--manifest-path",
        ])
        .arg(cks_tests::repo_root().join("Cargo.toml"))
        .output()
        .expect("cargo metadata runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

/// Normal (non-dev, non-build) dependencies of each workspace package, by name.
fn direct_deps(meta: &Value) -> BTreeMap<String, BTreeSet<String>> {
    let members: BTreeSet<&str> = meta["workspace_members"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(Value::as_str)
        .collect();
    meta["packages"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| members.contains(p["id"].as_str().unwrap()))
        .map(|p| {
            let deps = p["dependencies"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|d| d["kind"].is_null())
                .map(|d| d["name"].as_str().unwrap().to_owned())
                .collect();
            (p["name"].as_str().unwrap().to_owned(), deps)
        })
        .collect()
}

/// Every package reachable through normal dependencies from `root` in the resolved graph.
fn transitive(meta: &Value, root: &str) -> BTreeSet<String> {
    let nodes = meta["resolve"]["nodes"].as_array().unwrap();
    let name_of: BTreeMap<&str, &str> = meta["packages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| (p["id"].as_str().unwrap(), p["name"].as_str().unwrap()))
        .collect();
    let by_id: BTreeMap<&str, &Value> = nodes
        .iter()
        .map(|n| (n["id"].as_str().unwrap(), n))
        .collect();
    let start = nodes
        .iter()
        .find(|n| name_of[n["id"].as_str().unwrap()] == root)
        .expect("root in graph");
    let mut seen = BTreeSet::new();
    let mut stack = vec![start["id"].as_str().unwrap()];
    while let Some(id) = stack.pop() {
        for dep in by_id[id]["deps"].as_array().unwrap() {
            let normal = dep["dep_kinds"]
                .as_array()
                .unwrap()
                .iter()
                .any(|k| k["kind"].is_null());
            let dep_id = dep["pkg"].as_str().unwrap();
            if normal && seen.insert(name_of[dep_id].to_owned()) {
                stack.push(dep_id);
            }
        }
    }
    seen
}

const WORKSPACE_LIBS: &[&str] = &[
    "cks-checks",
    "cks-content",
    "cks-labs",
    "cks-store",
    "cks-cluster",
    "cks-app",
];

fn workspace_deps(deps: &BTreeSet<String>) -> BTreeSet<&str> {
    deps.iter()
        .map(String::as_str)
        .filter(|d| WORKSPACE_LIBS.contains(d))
        .collect()
}

#[test]
fn crates_depend_only_as_the_design_allows() {
    let meta = metadata();
    let deps = direct_deps(&meta);
    let allowed: &[(&str, &[&str])] = &[
        ("cks-checks", &[]),
        ("cks-content", &[]),
        ("cks-labs", &["cks-checks", "cks-content"]),
        ("cks-store", &["cks-checks"]),
        ("cks-cluster", &["cks-checks"]),
        ("cks-cli", &["cks-app"]),
        ("ckslab-desktop", &["cks-app"]),
    ];
    for (krate, ok) in allowed {
        let Some(d) = deps.get(*krate) else { continue };
        let ws = workspace_deps(d);
        let extra: Vec<&&str> = ws.iter().filter(|w| !ok.contains(w)).collect();
        assert!(
            extra.is_empty(),
            "{krate} must not depend on {extra:?} (DESIGN §2)"
        );
    }
    assert!(deps.contains_key("cks-app"), "cks-app exists");
}

#[test]
fn heavy_dependencies_stay_in_their_crate() {
    let meta = metadata();
    let deps = direct_deps(&meta);
    let owner: &[(&str, &str)] = &[
        ("sqlx", "cks-store"),
        ("kube", "cks-cluster"),
        ("tauri", "ckslab-desktop"),
    ];
    for (dep, only) in owner {
        for (krate, d) in &deps {
            if d.contains(*dep) {
                assert_eq!(
                    krate, only,
                    "only {only} may depend on {dep}, but {krate} does"
                );
            }
        }
    }
    // The pure engine: no async runtime, no database, no network client anywhere below it.
    let below = transitive(&meta, "cks-checks");
    for banned in [
        "tokio",
        "sqlx",
        "kube",
        "reqwest",
        "hyper",
        "tauri",
        "async-std",
    ] {
        assert!(
            !below.contains(banned),
            "cks-checks must stay free of {banned}"
        );
    }
    let below = transitive(&meta, "cks-content");
    assert!(
        !below.contains("tokio"),
        "cks-content must stay free of tokio"
    );
}

#[test]
fn lints_are_declared_once_for_the_workspace() {
    let meta = metadata();
    let root = std::fs::read_to_string(cks_tests::repo_root().join("Cargo.toml")).unwrap();
    assert!(root.contains("[workspace.lints.rust]"));
    let members: BTreeSet<&str> = meta["workspace_members"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(Value::as_str)
        .collect();
    for p in meta["packages"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| members.contains(p["id"].as_str().unwrap()))
    {
        let manifest = std::fs::read_to_string(p["manifest_path"].as_str().unwrap()).unwrap();
        assert!(
            manifest.contains("[lints]\nworkspace = true"),
            "{} must inherit the workspace lints",
            p["name"]
        );
    }
}
