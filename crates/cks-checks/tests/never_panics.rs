//! Property tests: whatever the snapshot holds, grading returns one outcome per check and never
//! panics; parsers never panic on arbitrary text.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use cks_checks::{CheckSpec, CompiledChecks, NodeFile, Snapshot};
use proptest::prelude::*;
use serde_json::{Value as Json, json};

/// Arbitrary JSON biased towards the keys the evaluators look at.
fn json_value() -> impl Strategy<Value = Json> {
    let keys = prop::sample::select(vec![
        "kind",
        "apiVersion",
        "metadata",
        "name",
        "namespace",
        "labels",
        "spec",
        "template",
        "containers",
        "initContainers",
        "ephemeralContainers",
        "securityContext",
        "privileged",
        "capabilities",
        "add",
        "drop",
        "hostPID",
        "volumes",
        "hostPath",
        "runAsNonRoot",
        "runAsUser",
        "seccompProfile",
        "type",
        "rules",
        "verbs",
        "resources",
        "apiGroups",
        "subjects",
        "roleRef",
        "command",
        "args",
        "annotations",
        "status",
        "phase",
        "replicas",
        "jobTemplate",
        "os",
        "ports",
        "hostPort",
        "sysctls",
    ]);
    let leaf = prop_oneof![
        Just(Json::Null),
        any::<bool>().prop_map(Json::from),
        any::<i64>().prop_map(Json::from),
        any::<u64>().prop_map(Json::from),
        prop::sample::select(vec![
            "Pod",
            "Deployment",
            "CronJob",
            "Role",
            "ClusterRole",
            "RoleBinding",
            "ClusterRoleBinding",
            "ALL",
            "*",
            "Unconfined",
            "kube-apiserver",
            "--a=b",
            "true",
            "0600"
        ])
        .prop_map(Json::from),
        ".{0,12}".prop_map(Json::from),
    ];
    leaf.prop_recursive(5, 64, 8, move |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Json::Array),
            prop::collection::vec((keys.clone(), inner), 0..6).prop_map(|kv| Json::Object(
                kv.into_iter().map(|(k, v)| (k.to_string(), v)).collect()
            )),
        ]
    })
}

fn checks() -> Vec<CheckSpec> {
    let specs = json!([
        {"id": "o", "object": {"select": {"kind": "Pod"}, "expr": "object.spec.containers.all(c, c.securityContext.privileged == false)", "messageExpression": "'x' + object.kind",
            "variables": [{"name": "n", "expression": "size(object)"}]}},
        {"id": "o2", "object": {"select": {"kind": "Pod"}, "expr": "object.?spec.?replicas.orValue(0) + 1 > 0", "quantifier": "any"}},
        {"id": "a", "absent": {"select": {"kind": "Pod"}, "where": "object.metadata.name.startsWith('x')"}},
        {"id": "c", "count": {"select": {"kind": "Deployment"}, "where": "has(object.spec)", "min": 1, "max": 3}},
        {"id": "r", "rbac": {"subject": {"serviceAccount": "a/b"}, "can": [{"verb": "get", "resource": "pods", "namespace": "a"}], "cannot": [{"verb": "get", "nonResourceURL": "/x"}]}},
        {"id": "p", "pss": {"level": "restricted", "select": {}}},
        {"id": "b", "pss": {"level": "baseline", "select": {}, "min": 0}},
        {"id": "f", "node-file": {"node": "n", "path": "/m.yaml", "format": "static-pod", "component": "kube-apiserver", "flags": [{"flag": "--x", "default": "1", "contains": "a"}], "expr": "flags.size() >= 0"}},
        {"id": "k", "node-file": {"node": "n", "path": "/k.yaml", "format": "kubelet-config", "expr": "file.?readOnlyPort.orValue(0) == 0", "stat": {"maxMode": "0600", "uid": 0}}},
        {"id": "au", "node-file": {"node": "n", "path": "/a.yaml", "format": "audit-policy", "audit": [{"resource": "secrets", "levels": ["Metadata"]}]}},
        {"id": "e", "node-file": {"node": "n", "path": "/e.yaml", "format": "encryption-config", "encryption": [{"resource": "secrets", "providers": ["aescbc"]}]}},
        {"id": "d", "dockerfile": {"node": "n", "path": "/Dockerfile", "expr": "dockerfile.final.user != null"}},
        {"id": "an", "answer": {"key": "q", "regex": "a+", "ignoreCase": true}}
    ]);
    serde_json::from_value(specs).unwrap()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, .. ProptestConfig::default() })]

    #[test]
    fn grading_never_panics(objects in prop::collection::vec(json_value(), 0..6), file in json_value(), text in ".{0,200}", answer in prop::option::of(".{0,8}")) {
        let compiled = CompiledChecks::compile(&checks()).unwrap();
        let mut snapshot = Snapshot { objects, ..Default::default() };
        let files = snapshot.nodes.entry("n".into()).or_default();
        files.insert("/m.yaml".into(), NodeFile::present(file.to_string()));
        files.insert("/k.yaml".into(), NodeFile { content: Some(text.clone()), mode: Some(0o644), uid: Some(1), gid: None });
        files.insert("/a.yaml".into(), NodeFile::present(file.to_string()));
        files.insert("/e.yaml".into(), NodeFile::present(text.clone()));
        files.insert("/Dockerfile".into(), NodeFile::present(text));
        snapshot.answers = answer.map(|a| [("q".to_string(), a)].into_iter().collect());
        let outcomes = compiled.grade(&snapshot);
        prop_assert_eq!(outcomes.len(), checks().len());
        for o in &outcomes {
            prop_assert!(o.points_awarded <= o.points_possible);
        }
    }

    #[test]
    fn parsers_never_panic(text in "(?s).{0,400}") {
        let _ = cks_checks::yaml::parse_objects(&text);
        let _ = cks_checks::yaml::parse_one(&text);
        let _ = cks_checks::dockerfile::model(&text);
        let argv: Vec<String> = text.split(' ').map(str::to_owned).collect();
        let _ = cks_checks::nodefile::parse_flags(&argv);
        let _ = cks_checks::cel::Expr::compile(&text);
    }
}

#[test]
fn a_missing_input_is_an_error_never_a_pass() {
    let compiled = CompiledChecks::compile(&checks()).unwrap();
    let outcomes = compiled.grade(&Snapshot::default());
    let by_id = |id: &str| outcomes.iter().find(|o| o.check_id == id).unwrap();
    // `absent` asserts that nothing matches, and `min: 0` opts out of requiring pods: on an
    // empty cluster both rightly pass. Everything else needs something to look at.
    for o in outcomes
        .iter()
        .filter(|o| o.check_id != "a" && o.check_id != "b")
    {
        assert_ne!(
            o.status,
            cks_checks::Status::Pass,
            "{} passed on an empty snapshot: {}",
            o.check_id,
            o.message
        );
    }
    assert_eq!(by_id("a").status, cks_checks::Status::Pass);
    // Node files that were never collected and answers never recorded are errors.
    for id in ["f", "k", "au", "e", "d", "an"] {
        assert_eq!(by_id(id).status, cks_checks::Status::Error, "{id}");
    }
}
