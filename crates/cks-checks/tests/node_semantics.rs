//! Node-file semantics where text matching lies: audit policy evaluated as the API server does
//! (first matching rule decides), and encryption configuration read as "which provider encrypts
//! resource X first". Cases written from kubernetes.io (tasks/debug/debug-cluster/audit and
//! tasks/administer-cluster/encrypt-data) and the audit.k8s.io/v1 and apiserver.config.k8s.io/v1
//! API references.

use cks_checks::nodefile::{AuditRequest, audit_level, encryption_providers};
use proptest::prelude::*;
use serde_json::{Value, json};

/// The example policy from the Kubernetes audit documentation (audit-policy.yaml).
fn docs_policy() -> Value {
    json!({"apiVersion": "audit.k8s.io/v1", "kind": "Policy", "omitStages": ["RequestReceived"], "rules": [
        {"level": "RequestResponse", "resources": [{"group": "", "resources": ["pods"]}]},
        {"level": "Metadata", "resources": [{"group": "", "resources": ["pods/log", "pods/status"]}]},
        {"level": "None", "resources": [{"group": "", "resources": ["configmaps"], "resourceNames": ["controller-leader"]}]},
        {"level": "None", "users": ["system:kube-proxy"], "verbs": ["watch"], "resources": [{"group": "", "resources": ["endpoints", "services"]}]},
        {"level": "None", "userGroups": ["system:authenticated"], "nonResourceURLs": ["/api*", "/version"]},
        {"level": "Request", "resources": [{"group": "", "resources": ["configmaps"]}], "namespaces": ["kube-system"]},
        {"level": "Metadata", "resources": [{"group": "", "resources": ["secrets", "configmaps"]}]},
        {"level": "Request", "resources": [{"group": ""}, {"group": "extensions"}]},
        {"level": "Metadata", "omitStages": ["RequestReceived"]}
    ]})
}

#[derive(Default, Clone)]
struct Req {
    user: Option<&'static str>,
    groups: Vec<String>,
    verb: Option<&'static str>,
    group: &'static str,
    resource: Option<&'static str>,
    namespace: Option<&'static str>,
    name: Option<&'static str>,
    url: Option<&'static str>,
}

fn res(
    verb: &'static str,
    group: &'static str,
    resource: &'static str,
    ns: Option<&'static str>,
) -> Req {
    Req {
        user: Some("alice"),
        groups: vec!["system:authenticated".into()],
        verb: Some(verb),
        group,
        resource: Some(resource),
        namespace: ns,
        ..Req::default()
    }
}

fn level(policy: &Value, r: &Req) -> String {
    let request = AuditRequest {
        user: r.user,
        groups: &r.groups,
        verb: r.verb,
        api_group: r.group,
        resource: r.resource,
        namespace: r.namespace,
        name: r.name,
        non_resource_url: r.url,
    };
    audit_level(policy, &request).0
}

#[test]
fn audit_policy_first_matching_rule_decides() {
    let p = docs_policy();
    let proxy = |verb: &'static str, resource: &'static str| Req {
        user: Some("system:kube-proxy"),
        groups: vec!["system:authenticated".into()],
        ..res(verb, "", resource, Some("default"))
    };
    let url = |u: &'static str, groups: Vec<String>| Req {
        user: Some("bob"),
        groups,
        verb: Some("get"),
        url: Some(u),
        ..Req::default()
    };
    let authed = vec!["system:authenticated".to_owned()];
    let cases: Vec<(&str, Value, Req, &str)> = vec![
        (
            "pods at RequestResponse",
            p.clone(),
            res("get", "", "pods", Some("default")),
            "RequestResponse",
        ),
        (
            "pods create too",
            p.clone(),
            res("create", "", "pods", Some("web")),
            "RequestResponse",
        ),
        (
            "pods/log is its own subresource",
            p.clone(),
            res("get", "", "pods/log", Some("default")),
            "Metadata",
        ),
        (
            "pods/status",
            p.clone(),
            res("update", "", "pods/status", Some("default")),
            "Metadata",
        ),
        (
            "pods/exec falls to the core-group Request rule",
            p.clone(),
            res("create", "", "pods/exec", Some("default")),
            "Request",
        ),
        (
            "leader configmap by name is not logged",
            p.clone(),
            Req {
                name: Some("controller-leader"),
                ..res("update", "", "configmaps", Some("kube-system"))
            },
            "None",
        ),
        (
            "other configmaps in kube-system at Request",
            p.clone(),
            Req {
                name: Some("coredns"),
                ..res("get", "", "configmaps", Some("kube-system"))
            },
            "Request",
        ),
        (
            "configmaps elsewhere at Metadata",
            p.clone(),
            res("get", "", "configmaps", Some("default")),
            "Metadata",
        ),
        (
            "kube-proxy watching endpoints is not logged",
            p.clone(),
            proxy("watch", "endpoints"),
            "None",
        ),
        (
            "kube-proxy listing endpoints is logged (verb differs)",
            p.clone(),
            proxy("list", "endpoints"),
            "Request",
        ),
        (
            "another user watching services is logged",
            p.clone(),
            res("watch", "", "services", Some("default")),
            "Request",
        ),
        (
            "/api* non-resource URL for authenticated users: None",
            p.clone(),
            url("/apis/apps/v1", authed.clone()),
            "None",
        ),
        (
            "/version: None",
            p.clone(),
            url("/version", authed.clone()),
            "None",
        ),
        (
            "/healthz: catch-all Metadata",
            p.clone(),
            url("/healthz", authed.clone()),
            "Metadata",
        ),
        (
            "/version for an unauthenticated group: catch-all",
            p.clone(),
            url("/version", vec!["system:unauthenticated".into()]),
            "Metadata",
        ),
        (
            "secrets at Metadata",
            p.clone(),
            res("get", "", "secrets", Some("default")),
            "Metadata",
        ),
        (
            "secrets list cluster-wide at Metadata",
            p.clone(),
            res("list", "", "secrets", None),
            "Metadata",
        ),
        (
            "core group catch-all Request (services)",
            p.clone(),
            res("get", "", "services", Some("default")),
            "Request",
        ),
        (
            "extensions group at Request",
            p.clone(),
            res("get", "extensions", "ingresses", Some("default")),
            "Request",
        ),
        (
            "apps group falls to the final Metadata",
            p.clone(),
            res("update", "apps", "deployments", Some("default")),
            "Metadata",
        ),
        (
            "rbac group at Metadata",
            p.clone(),
            res(
                "create",
                "rbac.authorization.k8s.io",
                "clusterrolebindings",
                None,
            ),
            "Metadata",
        ),
        (
            "empty policy logs nothing",
            json!({"rules": []}),
            res("get", "", "secrets", Some("default")),
            "None",
        ),
        (
            "a catch-all first shadows everything",
            json!({"rules": [{"level": "Metadata"}, {"level": "RequestResponse", "resources": [{"group": "", "resources": ["secrets"]}]}]}),
            res("get", "", "secrets", Some("default")),
            "Metadata",
        ),
        (
            "None first silences secrets",
            json!({"rules": [{"level": "None", "resources": [{"group": "", "resources": ["secrets"]}]}, {"level": "Metadata"}]}),
            res("get", "", "secrets", Some("default")),
            "None",
        ),
        (
            "namespaces list limits a rule",
            json!({"rules": [{"level": "Request", "namespaces": ["prod"]}, {"level": "Metadata"}]}),
            res("get", "", "pods", Some("dev")),
            "Metadata",
        ),
        (
            "\"\" in namespaces matches cluster-scoped requests",
            json!({"rules": [{"level": "Request", "namespaces": [""]}]}),
            res("get", "", "nodes", None),
            "Request",
        ),
        (
            "namespaced rule never matches non-resource URLs",
            json!({"rules": [{"level": "Request", "namespaces": ["prod"]}, {"level": "Metadata"}]}),
            url("/healthz", authed.clone()),
            "Metadata",
        ),
        (
            "resource rule never matches non-resource URLs",
            json!({"rules": [{"level": "Request", "resources": [{"group": ""}]}]}),
            url("/metrics", authed.clone()),
            "None",
        ),
        (
            "nonResourceURLs rule never matches resources",
            json!({"rules": [{"level": "Request", "nonResourceURLs": ["*"]}]}),
            res("get", "", "pods", Some("a")),
            "None",
        ),
        (
            "group wildcard *",
            json!({"rules": [{"level": "Request", "resources": [{"group": "*", "resources": ["deployments"]}]}]}),
            res("get", "apps", "deployments", Some("a")),
            "Request",
        ),
        (
            "resource */scale matches every scale subresource",
            json!({"rules": [{"level": "Request", "resources": [{"group": "apps", "resources": ["*/scale"]}]}]}),
            res("update", "apps", "deployments/scale", Some("a")),
            "Request",
        ),
        (
            "resource pods/* matches pods subresources only",
            json!({"rules": [{"level": "Request", "resources": [{"group": "", "resources": ["pods/*"]}]}]}),
            res("get", "", "pods", Some("a")),
            "None",
        ),
        (
            "resource pods/* matches pods/exec",
            json!({"rules": [{"level": "Request", "resources": [{"group": "", "resources": ["pods/*"]}]}]}),
            res("create", "", "pods/exec", Some("a")),
            "Request",
        ),
        (
            "resource 'pods' does not match pods/exec",
            json!({"rules": [{"level": "Request", "resources": [{"group": "", "resources": ["pods"]}]}]}),
            res("create", "", "pods/exec", Some("a")),
            "None",
        ),
        (
            "resourceNames need a name",
            json!({"rules": [{"level": "Request", "resources": [{"group": "", "resources": ["secrets"], "resourceNames": ["db"]}]}]}),
            res("list", "", "secrets", Some("a")),
            "None",
        ),
        (
            "userGroups match any group of the user",
            json!({"rules": [{"level": "None", "userGroups": ["system:nodes"]}, {"level": "Metadata"}]}),
            Req {
                groups: vec!["system:nodes".into(), "system:authenticated".into()],
                ..res("get", "", "pods", Some("a"))
            },
            "None",
        ),
        (
            "users must match exactly",
            json!({"rules": [{"level": "None", "users": ["system:kube-proxy"]}, {"level": "Metadata"}]}),
            res("get", "", "pods", Some("a")),
            "Metadata",
        ),
        (
            "empty lists mean no restriction",
            json!({"rules": [{"level": "Request", "users": [], "verbs": [], "resources": []}]}),
            res("get", "", "pods", Some("a")),
            "Request",
        ),
    ];
    assert!(cases.len() >= 30, "{}", cases.len());
    let failures: Vec<String> = cases
        .iter()
        .filter_map(|(name, policy, r, want)| {
            let got = level(policy, r);
            (got != *want).then(|| format!("{name}: expected {want}, got {got}"))
        })
        .collect();
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

fn providers(config: &Value, resource: &str) -> Option<Vec<String>> {
    encryption_providers(config, resource)
}

#[test]
fn encryption_config_answers_which_provider_encrypts_first() {
    let aescbc =
        json!({"aescbc": {"keys": [{"name": "key1", "secret": "c2VjcmV0IGlzIHNlY3VyZQ=="}]}});
    let identity = json!({"identity": {}});
    let kms = json!({"kms": {"apiVersion": "v2", "name": "myKms", "endpoint": "unix:///tmp/socketfile.sock"}});
    let secretbox = json!({"secretbox": {"keys": [{"name": "key1", "secret": "YWJjZGVmZ2hpamtsbW5vcHFyc3R1dnd4eXoxMjM0NTY="}]}});
    let aesgcm =
        json!({"aesgcm": {"keys": [{"name": "key1", "secret": "c2VjcmV0IGlzIHNlY3VyZQ=="}]}});
    let cfg = |resources: Value| json!({"apiVersion": "apiserver.config.k8s.io/v1", "kind": "EncryptionConfiguration", "resources": resources});
    let v = |names: &[&str]| Some(names.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>());
    let docs = cfg(json!([
        {"resources": ["secrets", "configmaps", "pandas.awesome.bears.example"], "providers": [aescbc.clone(), identity.clone()]},
        {"resources": ["events"], "providers": [identity.clone()]},
        {"resources": ["*.apps"], "providers": [aescbc.clone(), identity.clone()]},
        {"resources": ["*.*"], "providers": [secretbox.clone(), identity.clone()]},
    ]));
    let cases: Vec<(&str, Value, &str, Option<Vec<String>>)> = vec![
        (
            "secrets by aescbc first",
            docs.clone(),
            "secrets",
            v(&["aescbc", "identity"]),
        ),
        (
            "configmaps in the same entry",
            docs.clone(),
            "configmaps",
            v(&["aescbc", "identity"]),
        ),
        (
            "a CRD resource by full name",
            docs.clone(),
            "pandas.awesome.bears.example",
            v(&["aescbc", "identity"]),
        ),
        (
            "events explicitly identity (not encrypted)",
            docs.clone(),
            "events",
            v(&["identity"]),
        ),
        (
            "deployments.apps by the *.apps wildcard",
            docs.clone(),
            "deployments.apps",
            v(&["aescbc", "identity"]),
        ),
        (
            "statefulsets.apps by *.apps",
            docs.clone(),
            "statefulsets.apps",
            v(&["aescbc", "identity"]),
        ),
        (
            "jobs.batch by *.*",
            docs.clone(),
            "jobs.batch",
            v(&["secretbox", "identity"]),
        ),
        (
            "pods (core) by *.*",
            docs.clone(),
            "pods",
            v(&["secretbox", "identity"]),
        ),
        (
            "unlisted resource without wildcard: not configured",
            cfg(json!([{"resources": ["secrets"], "providers": [aescbc.clone()]}])),
            "configmaps",
            None,
        ),
        (
            "identity first: stored in plain text",
            cfg(
                json!([{"resources": ["secrets"], "providers": [identity.clone(), aescbc.clone()]}]),
            ),
            "secrets",
            v(&["identity", "aescbc"]),
        ),
        (
            "kms v2 first",
            cfg(json!([{"resources": ["secrets"], "providers": [kms.clone(), identity.clone()]}])),
            "secrets",
            v(&["kms", "identity"]),
        ),
        (
            "aesgcm first",
            cfg(json!([{"resources": ["secrets"], "providers": [aesgcm.clone()]}])),
            "secrets",
            v(&["aesgcm"]),
        ),
        (
            "first entry naming the resource wins",
            cfg(
                json!([{"resources": ["secrets"], "providers": [identity.clone()]}, {"resources": ["secrets"], "providers": [aescbc.clone()]}]),
            ),
            "secrets",
            v(&["identity"]),
        ),
        (
            "specific entry before *.* wins",
            cfg(
                json!([{"resources": ["secrets"], "providers": [aescbc.clone()]}, {"resources": ["*.*"], "providers": [identity.clone()]}]),
            ),
            "secrets",
            v(&["aescbc"]),
        ),
        (
            "*.* before a specific entry wins (order decides)",
            cfg(
                json!([{"resources": ["*.*"], "providers": [identity.clone()]}, {"resources": ["secrets"], "providers": [aescbc.clone()]}]),
            ),
            "secrets",
            v(&["identity"]),
        ),
        (
            "core-group wildcard '*.' covers secrets",
            cfg(json!([{"resources": ["*."], "providers": [secretbox.clone()]}])),
            "secrets",
            v(&["secretbox"]),
        ),
        (
            "core-group wildcard does not cover apps",
            cfg(json!([{"resources": ["*."], "providers": [secretbox.clone()]}])),
            "deployments.apps",
            None,
        ),
        (
            "'secrets.' is the core-group spelling",
            cfg(json!([{"resources": ["secrets."], "providers": [aescbc.clone()]}])),
            "secrets",
            v(&["aescbc"]),
        ),
        (
            "*.apps does not cover core secrets",
            cfg(json!([{"resources": ["*.apps"], "providers": [aescbc.clone()]}])),
            "secrets",
            None,
        ),
        (
            "*.batch covers cronjobs.batch",
            cfg(json!([{"resources": ["*.batch"], "providers": [aescbc.clone()]}])),
            "cronjobs.batch",
            v(&["aescbc"]),
        ),
        (
            "no resources key",
            json!({"kind": "EncryptionConfiguration"}),
            "secrets",
            None,
        ),
        (
            "providers empty",
            cfg(json!([{"resources": ["secrets"], "providers": []}])),
            "secrets",
            v(&[]),
        ),
        (
            "resource names are exact: 'secret' does not match",
            cfg(json!([{"resources": ["secret"], "providers": [aescbc.clone()]}])),
            "secrets",
            None,
        ),
        (
            "three providers keep their order",
            cfg(
                json!([{"resources": ["secrets"], "providers": [aesgcm.clone(), aescbc.clone(), identity.clone()]}]),
            ),
            "secrets",
            v(&["aesgcm", "aescbc", "identity"]),
        ),
        (
            "many resources in one list",
            cfg(
                json!([{"resources": ["configmaps", "secrets", "events"], "providers": [aescbc.clone()]}]),
            ),
            "events",
            v(&["aescbc"]),
        ),
        (
            "ingresses.networking.k8s.io by full name",
            cfg(
                json!([{"resources": ["ingresses.networking.k8s.io"], "providers": [aescbc.clone()]}]),
            ),
            "ingresses.networking.k8s.io",
            v(&["aescbc"]),
        ),
        (
            "*.networking.k8s.io wildcard",
            cfg(json!([{"resources": ["*.networking.k8s.io"], "providers": [aescbc.clone()]}])),
            "networkpolicies.networking.k8s.io",
            v(&["aescbc"]),
        ),
        (
            "second list used when the first does not name it",
            cfg(
                json!([{"resources": ["configmaps"], "providers": [identity.clone()]}, {"resources": ["secrets"], "providers": [kms.clone()]}]),
            ),
            "secrets",
            v(&["kms"]),
        ),
        (
            "*.* alone covers a CRD",
            cfg(json!([{"resources": ["*.*"], "providers": [aescbc.clone()]}])),
            "widgets.example.com",
            v(&["aescbc"]),
        ),
        (
            "rotation: new key provider first, old second",
            cfg(
                json!([{"resources": ["secrets"], "providers": [{"aescbc": {"keys": [{"name": "key2", "secret": "x"}, {"name": "key1", "secret": "y"}]}}, identity.clone()]}]),
            ),
            "secrets",
            v(&["aescbc", "identity"]),
        ),
    ];
    assert!(cases.len() >= 30, "{}", cases.len());
    let failures: Vec<String> = cases
        .iter()
        .filter_map(|(name, config, resource, want)| {
            let got = providers(config, resource);
            (got != *want).then(|| format!("{name}: expected {want:?}, got {got:?}"))
        })
        .collect();
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

fn arb_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        (-3i64..5).prop_map(|n| json!(n)),
        prop::sample::select(vec![
            "", "*", "*.*", "*.", "secrets", "pods/*", "None", "Metadata", "get", "/api*",
            "aescbc", "identity"
        ])
        .prop_map(|s| json!(s)),
    ];
    leaf.prop_recursive(4, 48, 5, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::btree_map(
                prop::sample::select(vec![
                    "rules",
                    "level",
                    "users",
                    "userGroups",
                    "verbs",
                    "resources",
                    "group",
                    "resourceNames",
                    "namespaces",
                    "nonResourceURLs",
                    "providers",
                    "aescbc",
                    "keys"
                ])
                .prop_map(String::from),
                inner,
                0..5,
            )
            .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]
    #[test]
    fn arbitrary_policies_and_configs_never_panic(doc in arb_json(), resource in "[a-z*./]{0,12}") {
        let groups = vec!["system:authenticated".to_owned()];
        let r = AuditRequest { user: Some("u"), groups: &groups, verb: Some("get"), api_group: "", resource: Some(&resource), namespace: Some("a"), name: None, non_resource_url: None };
        let _ = audit_level(&doc, &r);
        let u = AuditRequest { non_resource_url: Some("/api"), resource: None, ..r.clone() };
        let _ = audit_level(&doc, &u);
        let _ = encryption_providers(&doc, &resource);
    }
}
