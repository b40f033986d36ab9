//! Benchmark: the full reachability matrix of 200 pods × 50 NetworkPolicies (every ordered pod
//! pair on one port), as DESIGN §10 / issue 8 ask. Deterministic data; prints the median of 7 runs.
//!
//! cargo run --release -p cks-checks --example netpol_bench

use std::time::Instant;

use cks_checks::netpol::{Endpoint, NetpolIndex, Protocol};
use serde_json::{Value, json};

const PODS: usize = 200;
const POLICIES: usize = 50;
const NAMESPACES: usize = 10;
const APPS: [&str; 8] = [
    "web", "api", "db", "cache", "queue", "worker", "metrics", "auth",
];

fn objects() -> Vec<Value> {
    let mut out = Vec::new();
    for n in 0..NAMESPACES {
        out.push(json!({"apiVersion": "v1", "kind": "Namespace",
            "metadata": {"name": format!("ns-{n}"), "labels": {"env": if n % 2 == 0 { "prod" } else { "dev" }, "team": format!("t{}", n % 3)}}}));
    }
    for i in 0..PODS {
        let app = APPS[i % APPS.len()];
        out.push(json!({"apiVersion": "v1", "kind": "Pod",
            "metadata": {"namespace": format!("ns-{}", i % NAMESPACES), "name": format!("{app}-{i}"),
                         "labels": {"app": app, "tier": if i % 3 == 0 { "front" } else { "back" }, "version": format!("v{}", i % 4)}},
            "spec": {"containers": [{"name": "c", "image": "x", "ports": [
                {"name": "http", "containerPort": 8080, "protocol": "TCP"},
                {"name": "metrics", "containerPort": 9090, "protocol": "TCP"}]}]},
            "status": {"phase": "Running", "podIP": format!("10.{}.{}.{}", i / 65536, (i / 256) % 256, i % 256)}}));
    }
    for p in 0..POLICIES {
        let ns = format!("ns-{}", p % NAMESPACES);
        let target = APPS[p % APPS.len()];
        let peer_app = APPS[(p + 3) % APPS.len()];
        let spec = match p % 5 {
            0 => json!({"podSelector": {}, "policyTypes": ["Ingress", "Egress"]}),
            1 => json!({"podSelector": {"matchLabels": {"app": target}},
                        "ingress": [{"from": [{"podSelector": {"matchLabels": {"app": peer_app}}}], "ports": [{"port": 8080}]}]}),
            2 => {
                json!({"podSelector": {"matchExpressions": [{"key": "tier", "operator": "In", "values": ["back"]}]},
                        "ingress": [{"from": [{"namespaceSelector": {"matchLabels": {"env": "prod"}}, "podSelector": {"matchLabels": {"tier": "front"}}}],
                                     "ports": [{"port": "http"}, {"port": 9000, "endPort": 9100}]}]})
            }
            3 => json!({"podSelector": {"matchLabels": {"app": target}}, "policyTypes": ["Egress"],
                        "egress": [{"to": [{"namespaceSelector": {"matchLabels": {"team": "t1"}}}], "ports": [{"port": 8080}, {"port": 53, "protocol": "UDP"}]},
                                   {"to": [{"ipBlock": {"cidr": "10.0.0.0/16", "except": ["10.0.0.0/24"]}}]}]}),
            _ => json!({"podSelector": {"matchLabels": {"tier": "front"}},
                        "ingress": [{"from": [{"namespaceSelector": {}}]}, {"from": [{"ipBlock": {"cidr": "0.0.0.0/0"}}], "ports": [{"port": 443}]}]}),
        };
        out.push(
            json!({"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy",
            "metadata": {"namespace": ns, "name": format!("pol-{p}")}, "spec": spec}),
        );
    }
    out
}

fn main() {
    let objects = objects();
    let mut runs = Vec::new();
    let mut allowed = 0usize;
    for _ in 0..7 {
        let start = Instant::now();
        let index = NetpolIndex::new(&objects);
        assert!(index.problems.is_empty(), "{:?}", index.problems);
        allowed = 0;
        for a in &index.pods {
            for b in &index.pods {
                if std::ptr::eq(a, b) {
                    continue;
                }
                if index
                    .evaluate(&Endpoint::Pod(a), &Endpoint::Pod(b), 8080, Protocol::Tcp)
                    .allowed()
                {
                    allowed += 1;
                }
            }
        }
        runs.push(start.elapsed());
    }
    runs.sort();
    let pairs = PODS * (PODS - 1);
    println!(
        "netpol matrix: {PODS} pods x {POLICIES} policies = {pairs} flows, {allowed} allowed; median {:.1} ms (min {:.1}, max {:.1}) over {} runs, index build included",
        runs[runs.len() / 2].as_secs_f64() * 1e3,
        runs[0].as_secs_f64() * 1e3,
        runs[runs.len() - 1].as_secs_f64() * 1e3,
        runs.len()
    );
}
