//! NetworkPolicy evaluator table tests, written from the Kubernetes documentation
//! (concepts/services-networking/network-policies and the NetworkPolicy API reference).

use cks_checks::netpol::{Endpoint, NetpolIndex, Pod, Protocol, SideVerdict};
use proptest::prelude::*;
use serde_json::{Value, json};

fn ns(name: &str, labels: Value) -> Value {
    json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name, "labels": labels}})
}

fn pod(namespace: &str, name: &str, labels: Value, ip: &str) -> Value {
    json!({
        "apiVersion": "v1", "kind": "Pod",
        "metadata": {"namespace": namespace, "name": name, "labels": labels},
        "spec": {"containers": [{"name": "c", "image": "nginx", "ports": [
            {"name": "http", "containerPort": 8080, "protocol": "TCP"},
            {"name": "dns", "containerPort": 53, "protocol": "UDP"},
            {"name": "metrics", "containerPort": 9090}
        ]}]},
        "status": {"phase": "Running", "podIP": ip}
    })
}

fn policy(namespace: &str, name: &str, spec: Value) -> Value {
    json!({"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy",
           "metadata": {"namespace": namespace, "name": name}, "spec": spec})
}

/// prod: web (10.0.0.1), db (10.0.0.2), cache (10.0.0.3); dev: web (10.0.1.1), tool (10.0.1.2);
/// monitoring: prom (10.0.2.1).
fn world(policies: Vec<Value>) -> NetpolIndex {
    let mut objects = vec![
        ns("prod", json!({"env": "prod"})),
        ns("dev", json!({"env": "dev"})),
        ns("monitoring", json!({"team": "ops"})),
        pod(
            "prod",
            "web",
            json!({"app": "web", "tier": "front"}),
            "10.0.0.1",
        ),
        pod(
            "prod",
            "db",
            json!({"app": "db", "tier": "back"}),
            "10.0.0.2",
        ),
        pod(
            "prod",
            "cache",
            json!({"app": "cache", "tier": "back"}),
            "10.0.0.3",
        ),
        pod(
            "dev",
            "web",
            json!({"app": "web", "tier": "front"}),
            "10.0.1.1",
        ),
        pod("dev", "tool", json!({"app": "tool"}), "10.0.1.2"),
        pod("monitoring", "prom", json!({"app": "prom"}), "10.0.2.1"),
    ];
    objects.extend(policies);
    let index = NetpolIndex::new(&objects);
    assert!(index.problems.is_empty(), "{:?}", index.problems);
    index
}

fn find<'a>(index: &'a NetpolIndex, id: &str) -> &'a Pod {
    index
        .pods
        .iter()
        .find(|p| p.id() == id)
        .unwrap_or_else(|| panic!("no pod {id}"))
}

fn endpoint<'a>(index: &'a NetpolIndex, id: &str) -> Endpoint<'a> {
    match id.parse() {
        Ok(ip) => Endpoint::Ip(ip),
        Err(_) => Endpoint::Pod(find(index, id)),
    }
}

fn allowed(index: &NetpolIndex, from: &str, to: &str, port: u16, proto: Protocol) -> bool {
    index
        .evaluate(&endpoint(index, from), &endpoint(index, to), port, proto)
        .allowed()
}

const TCP: Protocol = Protocol::Tcp;
const UDP: Protocol = Protocol::Udp;

/// (name, policies, [(from, to, port, protocol, expected allowed)])
type Case = (
    &'static str,
    Vec<Value>,
    Vec<(&'static str, &'static str, u16, Protocol, bool)>,
);

fn cases() -> Vec<Case> {
    vec![
        (
            "no policies: everything is allowed",
            vec![],
            vec![
                ("dev/tool", "prod/db", 5432, TCP, true),
                ("prod/db", "dev/web", 80, UDP, true),
                ("203.0.113.9", "prod/web", 8080, TCP, true),
                ("prod/web", "169.254.169.254", 80, TCP, true),
            ],
        ),
        (
            "default deny ingress in prod: nothing reaches prod pods, prod still sends",
            vec![policy(
                "prod",
                "deny",
                json!({"podSelector": {}, "policyTypes": ["Ingress"]}),
            )],
            vec![
                ("prod/web", "prod/db", 5432, TCP, false),
                ("dev/tool", "prod/web", 8080, TCP, false),
                ("203.0.113.9", "prod/web", 8080, TCP, false),
                ("prod/web", "dev/web", 8080, TCP, true),
            ],
        ),
        (
            "policyTypes absent and no rules: ingress isolated, egress not",
            vec![policy("prod", "deny", json!({"podSelector": {}}))],
            vec![
                ("dev/tool", "prod/db", 5432, TCP, false),
                ("prod/db", "dev/tool", 80, TCP, true),
            ],
        ),
        (
            "default deny egress: prod sends nothing, still receives",
            vec![policy(
                "prod",
                "deny-egress",
                json!({"podSelector": {}, "policyTypes": ["Egress"]}),
            )],
            vec![
                ("prod/web", "prod/db", 5432, TCP, false),
                ("prod/web", "169.254.169.254", 80, TCP, false),
                ("dev/tool", "prod/web", 8080, TCP, true),
            ],
        ),
        (
            "policyTypes absent with egress rules: egress isolated too",
            vec![policy(
                "prod",
                "p",
                json!({"podSelector": {"matchLabels": {"app": "web"}},
                "egress": [{"to": [{"podSelector": {"matchLabels": {"app": "db"}}}]}]}),
            )],
            vec![
                ("prod/web", "prod/db", 5432, TCP, true),
                ("prod/web", "prod/cache", 6379, TCP, false),
                ("dev/tool", "prod/web", 8080, TCP, false),
            ],
        ),
        (
            "egress: [] with no policyTypes does not isolate egress",
            vec![policy(
                "prod",
                "p",
                json!({"podSelector": {}, "egress": [], "ingress": [{}]}),
            )],
            vec![
                ("prod/web", "dev/tool", 80, TCP, true),
                ("dev/tool", "prod/web", 80, TCP, true),
            ],
        ),
        (
            "allow-all ingress rule [{}] re-opens everything",
            vec![
                policy(
                    "prod",
                    "deny",
                    json!({"podSelector": {}, "policyTypes": ["Ingress"]}),
                ),
                policy("prod", "all", json!({"podSelector": {}, "ingress": [{}]})),
            ],
            vec![
                ("dev/tool", "prod/db", 5432, TCP, true),
                ("203.0.113.9", "prod/db", 1, UDP, true),
            ],
        ),
        (
            "podSelector only peer: same namespace only",
            vec![policy(
                "prod",
                "db",
                json!({"podSelector": {"matchLabels": {"app": "db"}},
                "ingress": [{"from": [{"podSelector": {"matchLabels": {"app": "web"}}}]}]}),
            )],
            vec![
                ("prod/web", "prod/db", 5432, TCP, true),
                ("dev/web", "prod/db", 5432, TCP, false),
                ("prod/cache", "prod/db", 5432, TCP, false),
                ("dev/tool", "prod/cache", 6379, TCP, true),
            ],
        ),
        (
            "namespaceSelector only peer: every pod of matching namespaces",
            vec![policy(
                "prod",
                "db",
                json!({"podSelector": {"matchLabels": {"app": "db"}},
                "ingress": [{"from": [{"namespaceSelector": {"matchLabels": {"team": "ops"}}}]}]}),
            )],
            vec![
                ("monitoring/prom", "prod/db", 9187, TCP, true),
                ("prod/web", "prod/db", 5432, TCP, false),
            ],
        ),
        (
            "namespaceSelector AND podSelector in one peer",
            vec![policy(
                "prod",
                "db",
                json!({"podSelector": {"matchLabels": {"app": "db"}},
                "ingress": [{"from": [{"namespaceSelector": {"matchLabels": {"env": "dev"}},
                                       "podSelector": {"matchLabels": {"app": "web"}}}]}]}),
            )],
            vec![
                ("dev/web", "prod/db", 5432, TCP, true),
                ("dev/tool", "prod/db", 5432, TCP, false),
                ("prod/web", "prod/db", 5432, TCP, false),
            ],
        ),
        (
            "namespaceSelector OR podSelector as two peers",
            vec![policy(
                "prod",
                "db",
                json!({"podSelector": {"matchLabels": {"app": "db"}},
                "ingress": [{"from": [{"namespaceSelector": {"matchLabels": {"env": "dev"}}},
                                      {"podSelector": {"matchLabels": {"app": "web"}}}]}]}),
            )],
            vec![
                ("dev/tool", "prod/db", 5432, TCP, true),
                ("prod/web", "prod/db", 5432, TCP, true),
                ("prod/cache", "prod/db", 5432, TCP, false),
                ("monitoring/prom", "prod/db", 5432, TCP, false),
            ],
        ),
        (
            "empty namespaceSelector: all namespaces",
            vec![policy(
                "prod",
                "db",
                json!({"podSelector": {"matchLabels": {"app": "db"}},
                "ingress": [{"from": [{"namespaceSelector": {}, "podSelector": {"matchLabels": {"app": "web"}}}]}]}),
            )],
            vec![
                ("dev/web", "prod/db", 1, TCP, true),
                ("prod/web", "prod/db", 1, TCP, true),
                ("dev/tool", "prod/db", 1, TCP, false),
            ],
        ),
        (
            "automatic kubernetes.io/metadata.name namespace label",
            vec![policy(
                "prod",
                "db",
                json!({"podSelector": {},
                "ingress": [{"from": [{"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "monitoring"}}}]}]}),
            )],
            vec![
                ("monitoring/prom", "prod/web", 80, TCP, true),
                ("dev/tool", "prod/web", 80, TCP, false),
            ],
        ),
        (
            "matchExpressions In / NotIn / Exists / DoesNotExist",
            vec![
                policy(
                    "prod",
                    "in",
                    json!({"podSelector": {"matchExpressions": [{"key": "tier", "operator": "In", "values": ["back"]}]},
                    "ingress": [{"from": [{"podSelector": {"matchExpressions": [{"key": "tier", "operator": "Exists"}]}}]}]}),
                ),
                policy(
                    "dev",
                    "notin",
                    json!({"podSelector": {"matchExpressions": [{"key": "app", "operator": "NotIn", "values": ["web"]}]},
                    "ingress": [{"from": [{"podSelector": {"matchExpressions": [{"key": "tier", "operator": "DoesNotExist"}]}}]}]}),
                ),
            ],
            vec![
                ("prod/web", "prod/db", 1, TCP, true),
                ("prod/cache", "prod/db", 1, TCP, true),
                ("dev/tool", "prod/db", 1, TCP, false),
                ("dev/web", "dev/tool", 1, TCP, false),
                ("dev/tool", "dev/web", 1, TCP, true),
            ],
        ),
        (
            "union across policies selecting the same pod",
            vec![
                policy(
                    "prod",
                    "a",
                    json!({"podSelector": {"matchLabels": {"app": "db"}},
                    "ingress": [{"from": [{"podSelector": {"matchLabels": {"app": "web"}}}]}]}),
                ),
                policy(
                    "prod",
                    "b",
                    json!({"podSelector": {"matchLabels": {"tier": "back"}},
                    "ingress": [{"from": [{"podSelector": {"matchLabels": {"app": "cache"}}}]}]}),
                ),
            ],
            vec![
                ("prod/web", "prod/db", 5432, TCP, true),
                ("prod/cache", "prod/db", 5432, TCP, true),
                ("prod/web", "prod/cache", 6379, TCP, false),
            ],
        ),
        (
            "a policy in another namespace does not select pods here",
            vec![policy(
                "dev",
                "deny",
                json!({"podSelector": {}, "policyTypes": ["Ingress", "Egress"]}),
            )],
            vec![
                ("prod/web", "prod/db", 1, TCP, true),
                ("prod/web", "dev/web", 1, TCP, false),
                ("dev/web", "prod/web", 1, TCP, false),
            ],
        ),
        (
            "numbered port and default TCP protocol",
            vec![policy(
                "prod",
                "db",
                json!({"podSelector": {"matchLabels": {"app": "db"}},
                "ingress": [{"ports": [{"port": 5432}]}]}),
            )],
            vec![
                ("prod/web", "prod/db", 5432, TCP, true),
                ("prod/web", "prod/db", 5432, UDP, false),
                ("prod/web", "prod/db", 5433, TCP, false),
            ],
        ),
        (
            "protocol without port: every port of that protocol",
            vec![policy(
                "prod",
                "db",
                json!({"podSelector": {}, "ingress": [{"ports": [{"protocol": "UDP"}]}]}),
            )],
            vec![
                ("dev/tool", "prod/db", 53, UDP, true),
                ("dev/tool", "prod/db", 9999, UDP, true),
                ("dev/tool", "prod/db", 53, TCP, false),
            ],
        ),
        (
            "endPort range",
            vec![policy(
                "prod",
                "db",
                json!({"podSelector": {}, "ingress": [{"ports": [{"port": 32000, "endPort": 32768}]}]}),
            )],
            vec![
                ("dev/tool", "prod/db", 32000, TCP, true),
                ("dev/tool", "prod/db", 32768, TCP, true),
                ("dev/tool", "prod/db", 32769, TCP, false),
                ("dev/tool", "prod/db", 31999, TCP, false),
            ],
        ),
        (
            "named ingress port resolves on the destination (protocol must match)",
            vec![policy(
                "prod",
                "web",
                json!({"podSelector": {}, "ingress": [{"ports": [{"port": "http"}, {"port": "dns", "protocol": "UDP"}]}]}),
            )],
            vec![
                ("dev/tool", "prod/web", 8080, TCP, true),
                ("dev/tool", "prod/web", 80, TCP, false),
                ("dev/tool", "prod/web", 53, UDP, true),
                ("dev/tool", "prod/web", 53, TCP, false),
            ],
        ),
        (
            "named port with container protocol defaulted to TCP",
            vec![policy(
                "prod",
                "web",
                json!({"podSelector": {}, "ingress": [{"ports": [{"port": "metrics"}]}]}),
            )],
            vec![
                ("monitoring/prom", "prod/web", 9090, TCP, true),
                ("monitoring/prom", "prod/web", 9091, TCP, false),
            ],
        ),
        (
            "named egress port resolves on the destination pod",
            vec![policy(
                "dev",
                "out",
                json!({"podSelector": {}, "policyTypes": ["Egress"], "egress": [{"ports": [{"port": "http"}]}]}),
            )],
            vec![
                ("dev/tool", "prod/web", 8080, TCP, true),
                ("dev/tool", "prod/web", 9090, TCP, false),
                ("dev/tool", "93.184.216.34", 8080, TCP, false),
            ],
        ),
        (
            "both sides apply: egress allows but ingress denies",
            vec![
                policy(
                    "dev",
                    "out",
                    json!({"podSelector": {}, "policyTypes": ["Egress"], "egress": [{}]}),
                ),
                policy(
                    "prod",
                    "in",
                    json!({"podSelector": {}, "policyTypes": ["Ingress"]}),
                ),
            ],
            vec![
                ("dev/tool", "prod/web", 80, TCP, false),
                ("dev/tool", "dev/web", 80, TCP, true),
            ],
        ),
        (
            "both sides apply: ingress allows but egress denies",
            vec![
                policy(
                    "dev",
                    "out",
                    json!({"podSelector": {}, "policyTypes": ["Egress"]}),
                ),
                policy("prod", "in", json!({"podSelector": {}, "ingress": [{}]})),
            ],
            vec![
                ("dev/tool", "prod/web", 80, TCP, false),
                ("prod/db", "prod/web", 80, TCP, true),
            ],
        ),
        (
            "egress DNS allowance to kube-system style namespace on UDP 53",
            vec![policy(
                "prod",
                "dns",
                json!({"podSelector": {}, "policyTypes": ["Egress"],
                "egress": [{"to": [{"namespaceSelector": {"matchLabels": {"team": "ops"}}}],
                            "ports": [{"port": 53, "protocol": "UDP"}, {"port": 53, "protocol": "TCP"}]}]}),
            )],
            vec![
                ("prod/web", "monitoring/prom", 53, UDP, true),
                ("prod/web", "monitoring/prom", 53, TCP, true),
                ("prod/web", "monitoring/prom", 80, TCP, false),
                ("prod/web", "dev/web", 53, UDP, false),
            ],
        ),
        (
            "ipBlock with except blocks the metadata address",
            vec![policy(
                "prod",
                "meta",
                json!({"podSelector": {}, "policyTypes": ["Egress"],
                "egress": [{"to": [{"ipBlock": {"cidr": "0.0.0.0/0", "except": ["169.254.169.254/32"]}}]}]}),
            )],
            vec![
                ("prod/web", "169.254.169.254", 80, TCP, false),
                ("prod/web", "169.254.169.253", 80, TCP, true),
                ("prod/web", "8.8.8.8", 53, UDP, true),
                ("prod/web", "dev/tool", 80, TCP, true),
            ],
        ),
        (
            "ipBlock on ingress matches external clients only within the CIDR",
            vec![policy(
                "prod",
                "in",
                json!({"podSelector": {"matchLabels": {"app": "web"}},
                "ingress": [{"from": [{"ipBlock": {"cidr": "203.0.113.0/24", "except": ["203.0.113.128/25"]}}]}]}),
            )],
            vec![
                ("203.0.113.9", "prod/web", 443, TCP, true),
                ("203.0.113.200", "prod/web", 443, TCP, false),
                ("198.51.100.1", "prod/web", 443, TCP, false),
                ("dev/tool", "prod/web", 443, TCP, false),
            ],
        ),
        (
            "ipBlock matches pod IPs recorded in the snapshot",
            vec![policy(
                "prod",
                "in",
                json!({"podSelector": {"matchLabels": {"app": "db"}},
                "ingress": [{"from": [{"ipBlock": {"cidr": "10.0.1.0/24"}}]}]}),
            )],
            vec![
                ("dev/tool", "prod/db", 5432, TCP, true),
                ("prod/web", "prod/db", 5432, TCP, false),
            ],
        ),
        (
            "IPv6 ipBlock",
            vec![policy(
                "prod",
                "v6",
                json!({"podSelector": {}, "policyTypes": ["Egress"],
                "egress": [{"to": [{"ipBlock": {"cidr": "2001:db8::/32", "except": ["2001:db8:ffff::/48"]}}]}]}),
            )],
            vec![
                ("prod/web", "2001:db8::1", 443, TCP, true),
                ("prod/web", "2001:db8:ffff::1", 443, TCP, false),
                ("prod/web", "10.9.9.9", 443, TCP, false),
            ],
        ),
        (
            "ports AND peers within one rule",
            vec![policy(
                "prod",
                "db",
                json!({"podSelector": {"matchLabels": {"app": "db"}},
                "ingress": [{"from": [{"podSelector": {"matchLabels": {"app": "web"}}}], "ports": [{"port": 5432}]}]}),
            )],
            vec![
                ("prod/web", "prod/db", 5432, TCP, true),
                ("prod/web", "prod/db", 22, TCP, false),
                ("prod/cache", "prod/db", 5432, TCP, false),
            ],
        ),
        (
            "two rules are ORed",
            vec![policy(
                "prod",
                "db",
                json!({"podSelector": {"matchLabels": {"app": "db"}},
                "ingress": [{"from": [{"podSelector": {"matchLabels": {"app": "web"}}}], "ports": [{"port": 5432}]},
                            {"from": [{"namespaceSelector": {"matchLabels": {"team": "ops"}}}], "ports": [{"port": 9187}]}]}),
            )],
            vec![
                ("prod/web", "prod/db", 5432, TCP, true),
                ("monitoring/prom", "prod/db", 9187, TCP, true),
                ("monitoring/prom", "prod/db", 5432, TCP, false),
                ("prod/web", "prod/db", 9187, TCP, false),
            ],
        ),
        (
            "policyTypes [Egress] ignores ingress rules that are present",
            vec![policy(
                "prod",
                "p",
                json!({"podSelector": {}, "policyTypes": ["Egress"],
                "ingress": [{"from": [{"podSelector": {"matchLabels": {"app": "nothing"}}}]}], "egress": [{}]}),
            )],
            vec![
                ("dev/tool", "prod/web", 80, TCP, true),
                ("prod/web", "dev/tool", 80, TCP, true),
            ],
        ),
        (
            "ingress rule with from: [] matches every source",
            vec![policy(
                "prod",
                "p",
                json!({"podSelector": {}, "ingress": [{"from": [], "ports": [{"port": 80}]}]}),
            )],
            vec![
                ("dev/tool", "prod/web", 80, TCP, true),
                ("203.0.113.1", "prod/web", 80, TCP, true),
                ("dev/tool", "prod/web", 81, TCP, false),
            ],
        ),
        (
            "policy selecting pods by label leaves unselected pods open",
            vec![policy(
                "prod",
                "db-only",
                json!({"podSelector": {"matchLabels": {"app": "db"}}, "policyTypes": ["Ingress", "Egress"]}),
            )],
            vec![
                ("dev/tool", "prod/web", 80, TCP, true),
                ("dev/tool", "prod/db", 5432, TCP, false),
                ("prod/db", "prod/web", 80, TCP, false),
            ],
        ),
        (
            "egress to pods in another namespace needs namespaceSelector",
            vec![policy(
                "dev",
                "out",
                json!({"podSelector": {"matchLabels": {"app": "tool"}},
                "policyTypes": ["Egress"], "egress": [{"to": [{"podSelector": {"matchLabels": {"app": "db"}}}]}]}),
            )],
            vec![
                ("dev/tool", "prod/db", 5432, TCP, false),
                ("dev/web", "prod/db", 5432, TCP, true),
            ],
        ),
        (
            "SCTP is its own protocol",
            vec![policy(
                "prod",
                "s",
                json!({"podSelector": {}, "ingress": [{"ports": [{"port": 9000, "protocol": "SCTP"}]}]}),
            )],
            vec![
                ("dev/tool", "prod/web", 9000, Protocol::Sctp, true),
                ("dev/tool", "prod/web", 9000, TCP, false),
            ],
        ),
    ]
}

#[test]
fn reachability_follows_the_kubernetes_definition() {
    let mut failures = Vec::new();
    let mut count = 0;
    for (name, policies, flows) in cases() {
        let index = world(policies);
        for (from, to, port, proto, expected) in flows {
            count += 1;
            let got = allowed(&index, from, to, port, proto);
            if got != expected {
                failures.push(format!(
                    "{name}: {from} → {to} {port}/{}: expected {}, got {}",
                    proto.as_str(),
                    if expected { "allow" } else { "deny" },
                    if got { "allow" } else { "deny" }
                ));
            }
        }
    }
    assert!(count >= 90, "only {count} flows");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert!(cases().len() >= 30);
}

#[test]
fn verdict_names_the_deciding_policies() {
    let index = world(vec![
        policy(
            "prod",
            "deny",
            json!({"podSelector": {}, "policyTypes": ["Ingress"]}),
        ),
        policy(
            "prod",
            "web-in",
            json!({"podSelector": {"matchLabels": {"app": "web"}}, "ingress": [{}]}),
        ),
    ]);
    let (tool, db, web) = (
        endpoint(&index, "dev/tool"),
        endpoint(&index, "prod/db"),
        endpoint(&index, "prod/web"),
    );
    let v = index.evaluate(&tool, &db, 5432, TCP);
    assert_eq!(v.egress, SideVerdict::NotIsolated);
    assert_eq!(
        v.ingress,
        SideVerdict::Denied {
            isolated_by: vec!["prod/deny".into()]
        }
    );
    assert!(
        v.explain(&tool, &db).contains("isolated by prod/deny"),
        "{}",
        v.explain(&tool, &db)
    );
    let v = index.evaluate(&tool, &web, 80, TCP);
    assert_eq!(
        v.ingress,
        SideVerdict::AllowedBy(vec!["prod/web-in".into()])
    );
}

#[test]
fn malformed_policies_are_reported_not_guessed() {
    let bad = [
        json!({"podSelector": {}, "policyTypes": ["Sideways"]}),
        json!({"podSelector": {}, "ingress": [{"from": [{}]}]}),
        json!({"podSelector": {}, "ingress": [{"from": [{"ipBlock": {"cidr": "10.0.0.0/33"}}]}]}),
        json!({"podSelector": {}, "ingress": [{"from": [{"ipBlock": {"cidr": "10.0.0.0"}}]}]}),
        json!({"podSelector": {}, "ingress": [{"from": [{"ipBlock": {"cidr": "10.0.0.0/8"}, "podSelector": {}}]}]}),
        json!({"podSelector": {}, "ingress": [{"ports": [{"port": 0}]}]}),
        json!({"podSelector": {}, "ingress": [{"ports": [{"port": 80, "endPort": 79}]}]}),
        json!({"podSelector": {}, "ingress": [{"ports": [{"port": "http", "endPort": 90}]}]}),
        json!({"podSelector": {}, "ingress": [{"ports": [{"port": 80, "protocol": "ICMP"}]}]}),
        json!({"podSelector": {"matchExpressions": [{"key": "a", "operator": "In"}]}}),
        json!({"podSelector": {"matchExpressions": [{"key": "a", "operator": "Like", "values": ["x"]}]}}),
        json!({"podSelector": "everything"}),
    ];
    for spec in bad {
        let index = NetpolIndex::new(&[policy("prod", "bad", spec.clone())]);
        assert!(!index.problems.is_empty(), "accepted {spec}");
        assert!(index.policies.is_empty());
    }
}

#[test]
fn finished_pods_take_no_traffic_and_named_ports_resolve() {
    let mut done = pod("prod", "job", json!({"app": "job"}), "10.0.0.9");
    done["status"]["phase"] = json!("Succeeded");
    let mut leaving = pod("prod", "old", json!({"app": "old"}), "10.0.0.8");
    leaving["metadata"]["deletionTimestamp"] = json!("2026-11-27T03:00:00Z");
    let index = NetpolIndex::new(&[done, leaving, pod("prod", "web", json!({}), "10.0.0.1")]);
    assert_eq!(index.pods.len(), 1);
    assert_eq!(index.pods[0].resolve_port("http", TCP), Some(8080));
    assert_eq!(index.pods[0].resolve_port("http", UDP), None);
    assert_eq!(index.pods[0].resolve_port("dns", UDP), Some(53));
}

fn arb_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        (-5i64..70000).prop_map(|n| json!(n)),
        prop::sample::select(vec![
            "TCP",
            "UDP",
            "SCTP",
            "In",
            "NotIn",
            "Exists",
            "http",
            "10.0.0.0/8",
            "0.0.0.0/0",
            "::/0",
            "Ingress",
            "Egress",
            "app",
            "web",
            "prod",
            "bogus/99",
        ])
        .prop_map(|s| json!(s)),
    ];
    leaf.prop_recursive(5, 64, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::btree_map(
                prop::sample::select(vec![
                    "podSelector",
                    "namespaceSelector",
                    "ipBlock",
                    "cidr",
                    "except",
                    "ingress",
                    "egress",
                    "from",
                    "to",
                    "ports",
                    "port",
                    "endPort",
                    "protocol",
                    "policyTypes",
                    "matchLabels",
                    "matchExpressions",
                    "key",
                    "operator",
                    "values",
                    "app",
                ])
                .prop_map(String::from),
                inner,
                0..5
            )
            .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]
    #[test]
    fn arbitrary_policies_never_panic(spec in arb_json(), port in 0u16..=65535) {
        let mut objects = vec![policy("prod", "fuzz", spec)];
        objects.push(pod("prod", "web", json!({"app": "web"}), "10.0.0.1"));
        objects.push(pod("dev", "tool", json!({"app": "tool"}), "10.0.1.2"));
        let index = NetpolIndex::new(&objects);
        for proto in [TCP, UDP, Protocol::Sctp] {
            for (a, b) in [("dev/tool", "prod/web"), ("prod/web", "dev/tool"), ("10.9.9.9", "prod/web"), ("prod/web", "169.254.169.254")] {
                let (a, b) = (endpoint(&index, a), endpoint(&index, b));
                let v = index.evaluate(&a, &b, port, proto);
                let _ = v.explain(&a, &b);
            }
        }
    }
}
