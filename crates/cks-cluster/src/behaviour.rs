//! The live half of behaviour checks: triggers performed just before a snapshot, and probes run
//! from a lab's client pod. Both go through `kubectl` with argument lists (never a shell), and
//! both only ever touch the lab's own objects or make read-only requests.

use std::time::{Duration, Instant};

use cks_checks::spec::{ProbeCheck, Trigger};
use cks_checks::{ProbeResult, TriggerRecord};
use k8s_openapi::api::core::v1::{Pod, Service};
use kube::api::{Api, ListParams};

use crate::{ClusterError, Connection, LAB_LABEL};

/// Most output kept from a probe.
const PROBE_OUTPUT_BYTES: usize = 2048;

fn now_rfc3339() -> String {
    time::OffsetDateTime::now_utc()
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}

async fn kubectl(
    connection: &Connection,
    args: &[String],
    timeout: Duration,
) -> Result<(i32, String, String), ClusterError> {
    let mut command = tokio::process::Command::new("kubectl");
    command
        .arg("--kubeconfig")
        .arg(&connection.kubeconfig)
        .arg("--context")
        .arg(&connection.context)
        .args(args)
        .kill_on_drop(true);
    let output = tokio::time::timeout(timeout, command.output())
        .await
        .map_err(|_| ClusterError::Api {
            what: format!("kubectl {}", args.join(" ")),
            message: format!("did not finish within {timeout:?}"),
        })?
        .map_err(|e| ClusterError::Api {
            what: "kubectl".into(),
            message: format!("{e} (is kubectl installed? `ckslab doctor`)"),
        })?;
    Ok((
        output.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    ))
}

/// `Audit-Id` response headers in kubectl's `-v=8` log.
fn audit_ids(log: &str) -> Vec<String> {
    let mut ids: Vec<String> = log
        .lines()
        .filter_map(|l| l.split_once("Audit-Id:"))
        .map(|(_, id)| id.trim().to_owned())
        .filter(|id| !id.is_empty() && id.chars().all(|c| c.is_ascii_hexdigit() || c == '-'))
        .collect();
    ids.dedup();
    ids
}

/// Perform a check's trigger. The request may be forbidden (that is often the point: an audit
/// event is written either way); what matters is the Audit-Id the API server returned.
pub async fn perform_trigger(
    connection: &Connection,
    trigger: &Trigger,
) -> Result<TriggerRecord, ClusterError> {
    let mut args: Vec<String> = vec!["-v=8".into()];
    if let Some(user) = &trigger.user {
        args.push(format!("--as={user}"));
        for g in &trigger.groups {
            args.push(format!("--as-group={g}"));
        }
    }
    if let Some(ns) = &trigger.namespace {
        args.push("-n".into());
        args.push(ns.clone());
    }
    let nonce = format!(
        "{:x}",
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or_default()
            % 0xffff_ffff
    );
    let name = trigger.name.clone().unwrap_or_default();
    match trigger.verb.as_str() {
        "get" => args.extend([
            "get".into(),
            trigger.resource.clone(),
            name.clone(),
            "-o".into(),
            "name".into(),
        ]),
        "list" => args.extend([
            "get".into(),
            trigger.resource.clone(),
            "-o".into(),
            "name".into(),
        ]),
        "create" => args.extend([
            "create".into(),
            "configmap".into(),
            format!("ckslab-trigger-{nonce}"),
            "--from-literal=created-by=ckslab-grader".into(),
        ]),
        "exec" => args.extend([
            "exec".into(),
            name.clone(),
            "--".into(),
            "cat".into(),
            "/etc/hostname".into(),
        ]),
        other => {
            return Err(ClusterError::Api {
                what: "trigger".into(),
                message: format!("unsupported trigger verb {other:?}"),
            });
        }
    }
    let who = trigger.user.as_deref().unwrap_or("the grader");
    let action = match trigger.verb.as_str() {
        "create" => format!("create configmap ckslab-trigger-{nonce} as {who}"),
        "exec" => format!("exec into pod {name} as {who}"),
        verb => format!(
            "{verb} {}{} as {who}",
            trigger.resource,
            if name.is_empty() {
                String::new()
            } else {
                format!("/{name}")
            }
        ),
    };
    let at = now_rfc3339();
    let (_, _, log) = kubectl(connection, &args, Duration::from_secs(30)).await?;
    Ok(TriggerRecord {
        at,
        audit_ids: audit_ids(&log),
        action,
    })
}

/// Run a probe from the lab's client pod against the lab's own Service.
pub async fn run_probe(
    connection: &Connection,
    lab_id: &str,
    probe: &ProbeCheck,
) -> Result<ProbeResult, ClusterError> {
    let client_ns = probe.from.namespace.clone().unwrap_or_default();
    let service_ns = probe.namespace.clone().unwrap_or_else(|| client_ns.clone());
    let services: Api<Service> = Api::namespaced(connection.client.clone(), &service_ns);
    let refuse = |message: String| ClusterError::Api {
        what: "probe".into(),
        message,
    };
    match services.get_opt(&probe.service).await {
        Ok(Some(s)) => {
            let owned = s
                .metadata
                .labels
                .as_ref()
                .and_then(|l| l.get(LAB_LABEL))
                .is_some_and(|v| v == lab_id);
            if !owned {
                return Err(refuse(format!(
                    "Service {service_ns}/{} does not belong to lab {lab_id}: probes only target the lab's own Services",
                    probe.service
                )));
            }
        }
        Ok(None) => {
            return Err(refuse(format!(
                "Service {service_ns}/{} does not exist (it was deleted?)",
                probe.service
            )));
        }
        Err(e) => return Err(ClusterError::api("reading the probe's Service", e)),
    }
    let pods: Api<Pod> = Api::namespaced(connection.client.clone(), &client_ns);
    let selector = probe
        .from
        .labels
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join(",");
    let mut params = ListParams::default();
    if !selector.is_empty() {
        params = params.labels(&selector);
    }
    let list = pods
        .list(&params)
        .await
        .map_err(|e| ClusterError::api("listing the probe's client pods", e))?;
    let client = list.items.into_iter().find(|p| {
        p.metadata.deletion_timestamp.is_none()
            && probe
                .from
                .name
                .as_ref()
                .is_none_or(|n| p.metadata.name.as_deref() == Some(n.as_str()))
            && p.status.as_ref().and_then(|s| s.phase.as_deref()) == Some("Running")
    });
    let Some(client) = client else {
        return Err(refuse(format!(
            "no Running client pod matches {} (it was deleted or relabelled?)",
            probe.from.describe()
        )));
    };
    let pod_name = client.metadata.name.clone().unwrap_or_default();
    let argv = probe.argv().map_err(refuse)?;
    let mut args = vec![
        "exec".into(),
        "-n".into(),
        client_ns.clone(),
        pod_name.clone(),
    ];
    if let Some(c) = &probe.container {
        args.extend(["-c".into(), c.clone()]);
    }
    args.push("--".into());
    args.extend(argv.iter().cloned());
    let at = now_rfc3339();
    let started = Instant::now();
    let timeout = Duration::from_secs(u64::from(probe.timeout_seconds.unwrap_or(3)) + 15);
    let (code, stdout, stderr) = kubectl(connection, &args, timeout).await?;
    let mut output = format!("{stdout}{stderr}");
    if output.len() > PROBE_OUTPUT_BYTES {
        let mut cut = PROBE_OUTPUT_BYTES;
        while !output.is_char_boundary(cut) {
            cut -= 1;
        }
        output.truncate(cut);
    }
    Ok(ProbeResult {
        command: argv,
        client: format!("{client_ns}/{pod_name}"),
        exit_code: code,
        output,
        millis: u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX),
        at: Some(at),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn audit_ids_come_from_kubectl_response_headers() {
        let log = "I1127 04:00:00.1 1 round_trippers.go:553] GET https://x/api/v1/namespaces/a/secrets/b 403 Forbidden in 3 milliseconds\n\
I1127 04:00:00.1 1 round_trippers.go:559] Response Headers:\n\
I1127 04:00:00.1 1 round_trippers.go:562]     Audit-Id: 6f1b2c3d-0000-4a4a-9b9b-1234567890ab\n\
I1127 04:00:00.1 1 round_trippers.go:562]     Content-Type: application/json\n";
        assert_eq!(
            audit_ids(log),
            vec!["6f1b2c3d-0000-4a4a-9b9b-1234567890ab".to_owned()]
        );
        assert!(audit_ids("Audit-Id: <script>").is_empty());
    }
}
