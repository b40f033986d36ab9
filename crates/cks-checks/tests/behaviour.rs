//! `probe` and `log` checks over recorded results: what passes, what fails, and that a missing
//! recording is an error, never a pass.

use cks_checks::{CheckSpec, CompiledChecks, ProbeResult, Snapshot, Status, TriggerRecord};
use serde_json::json;

fn compile(check: serde_json::Value) -> CompiledChecks {
    let spec: CheckSpec = serde_json::from_value(check).unwrap();
    CompiledChecks::compile(&[spec]).unwrap()
}

fn probe_check(expect: &str, contains: Option<&str>) -> CompiledChecks {
    let mut probe = json!({"from": {"namespace": "shop", "labels": {"app": "client"}},
        "client": "wget", "service": "api", "port": "8080", "expect": expect});
    if let Some(c) = contains {
        probe["outputContains"] = json!(c);
    }
    compile(json!({"id": "api-reachable", "probe": probe}))
}

fn with_probe(exit_code: i32, output: &str) -> Snapshot {
    let mut s = Snapshot::default();
    s.probes.insert(
        "api-reachable".into(),
        ProbeResult {
            command: vec!["wget".into()],
            client: "shop/client-1".into(),
            exit_code,
            output: output.into(),
            millis: 12,
            at: None,
        },
    );
    s
}

#[test]
fn probes_grade_the_recorded_result() {
    let cases = [
        ("success", None, 0, "ok", Status::Pass),
        ("success", None, 1, "wget: download timed out", Status::Fail),
        (
            "success",
            Some("Welcome"),
            0,
            "<h1>Welcome</h1>",
            Status::Pass,
        ),
        ("success", Some("Welcome"), 0, "403 Forbidden", Status::Fail),
        ("failure", None, 1, "wget: download timed out", Status::Pass),
        ("failure", None, 0, "<h1>Welcome</h1>", Status::Fail),
    ];
    for (expect, contains, code, output, status) in cases {
        let outcome = probe_check(expect, contains)
            .grade(&with_probe(code, output))
            .remove(0);
        assert_eq!(
            outcome.status, status,
            "{expect} {contains:?} {code}: {outcome:?}"
        );
    }
    let missing = probe_check("failure", None)
        .grade(&Snapshot::default())
        .remove(0);
    assert_eq!(missing.status, Status::Error, "{missing:?}");
    assert!(
        missing.message.contains("probes/api-reachable.yaml"),
        "{}",
        missing.message
    );
}

#[test]
fn probe_argv_is_an_allow_listed_argument_list() {
    let spec: CheckSpec = serde_json::from_value(json!({"id": "p", "probe": {
        "from": {"namespace": "shop", "labels": {"app": "client"}},
        "client": "curl", "service": "api", "port": 8443, "https": true, "path": "/healthz",
        "timeoutSeconds": 2, "expect": "success"}}))
    .unwrap();
    let argv = spec.probe.as_ref().unwrap().argv().unwrap();
    assert_eq!(
        argv,
        [
            "curl",
            "-sS",
            "-m",
            "2",
            "-k",
            "https://api.shop.svc.cluster.local:8443/healthz"
        ]
    );
    // lint: nc needs a port, a client is pods, timeouts are bounded
    for bad in [
        json!({"from": {"namespace": "shop", "labels": {"app": "c"}}, "client": "nc", "service": "api", "expect": "success"}),
        json!({"from": {"ip": "10.0.0.1"}, "client": "wget", "service": "api", "expect": "success"}),
        json!({"from": {"namespace": "shop", "labels": {"app": "c"}}, "client": "wget", "service": "api", "timeoutSeconds": 60, "expect": "success"}),
    ] {
        let spec: CheckSpec = serde_json::from_value(json!({"id": "p", "probe": bad})).unwrap();
        assert!(CompiledChecks::compile(&[spec]).is_err(), "{bad}");
    }
}

fn audit(id: &str, level: &str, user: &str) -> String {
    json!({"kind": "Event", "apiVersion": "audit.k8s.io/v1", "auditID": id, "level": level, "verb": "get",
           "user": {"username": user}, "objectRef": {"resource": "secrets", "namespace": "default", "name": "x"},
           "stageTimestamp": "2026-11-27T04:00:02.5Z"})
    .to_string()
}

fn log_check(trigger: bool, format: &str) -> CompiledChecks {
    let mut log = json!({"node": "cp", "path": "/var/log/audit.log", "format": format,
        "expr": "event.level == 'Metadata' && event.user.username == 'tester'"});
    if trigger {
        log["trigger"] = json!({"verb": "get", "resource": "secrets", "namespace": "default", "name": "x", "user": "tester"});
    }
    compile(json!({"id": "audited", "log": log}))
}

fn with_log(lines: &[String], trigger: Option<TriggerRecord>) -> Snapshot {
    let mut s = Snapshot::default();
    s.logs
        .entry("cp".into())
        .or_default()
        .insert("/var/log/audit.log".into(), lines.join("\n"));
    if let Some(t) = trigger {
        s.triggers.insert("audited".into(), t);
    }
    s
}

fn record(ids: &[&str]) -> TriggerRecord {
    TriggerRecord {
        at: "2026-11-27T04:00:02Z".into(),
        audit_ids: ids.iter().map(|s| (*s).to_owned()).collect(),
        action: "get secrets/x as tester".into(),
    }
}

#[test]
fn audit_entries_must_carry_the_triggers_audit_id() {
    let check = log_check(true, "audit");
    let real = audit("1111", "Metadata", "tester");
    let forged = audit("9999", "Metadata", "tester");
    let cases = [
        (vec![real.clone()], Status::Pass),
        (vec![forged.clone()], Status::Fail),
        (
            vec![
                "not json".to_owned(),
                forged.clone(),
                audit("1111", "RequestResponse", "tester"),
            ],
            Status::Fail,
        ),
        (vec!["not json".to_owned(), real.clone()], Status::Pass),
        (vec![], Status::Fail),
    ];
    for (lines, status) in cases {
        let outcome = check
            .grade(&with_log(&lines, Some(record(&["1111"]))))
            .remove(0);
        assert_eq!(outcome.status, status, "{lines:?}: {outcome:?}");
    }
    // No trigger performed, or no log collected: errors.
    assert_eq!(
        check
            .grade(&with_log(&[real.clone()], None))
            .remove(0)
            .status,
        Status::Error
    );
    assert_eq!(
        check.grade(&Snapshot::default()).remove(0).status,
        Status::Error
    );
    // Without a trigger, any matching line counts (the author's choice).
    let untriggered = log_check(false, "audit");
    assert_eq!(
        untriggered
            .grade(&with_log(&[forged], None))
            .remove(0)
            .status,
        Status::Pass
    );
}

#[test]
fn falco_entries_must_be_newer_than_the_trigger() {
    let check = compile(
        json!({"id": "audited", "log": {"node": "cp", "path": "/var/log/audit.log", "format": "falco",
        "trigger": {"verb": "exec", "resource": "pods", "namespace": "shop", "name": "web-0"},
        "expr": "event.rule == 'Shell in container' && event.output_fields['k8s.pod.name'] == 'web-0'"}}),
    );
    let line = |time: &str| {
        json!({"time": time, "rule": "Shell in container", "priority": "Warning",
               "output": "shell", "output_fields": {"k8s.pod.name": "web-0"}})
        .to_string()
    };
    let trig = record(&[]);
    for (time, status) in [
        ("2026-11-27T04:00:02.000000001Z", Status::Pass),
        ("2026-11-27T04:00:03Z", Status::Pass),
        ("2026-11-27T04:00:01.999999999Z", Status::Fail),
        ("2026-11-26T23:59:59Z", Status::Fail),
    ] {
        let outcome = check
            .grade(&with_log(&[line(time)], Some(trig.clone())))
            .remove(0);
        assert_eq!(outcome.status, status, "{time}: {outcome:?}");
    }
}
