//! Pod Security Standards, as Pod Security Admission evaluates them at the latest policy
//! version (v1.37). Checks are named by their PSA check ids so learners can search for them.
//!
//! Source of truth: <https://kubernetes.io/docs/concepts/security/pod-security-standards/> and
//! the `policy/check_*.go` files of k8s.io/pod-security-admission; verified against its fixtures
//! (`tests/` runs every v1.37 fixture).

use serde_json::Value as Json;

use crate::select::{PodView, all_containers, container_name};
use crate::spec::PssLevel;

/// One violated control.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Violation {
    /// PSA check id, e.g. `allowPrivilegeEscalation`, `capabilities_restricted`.
    pub check: &'static str,
    /// The container at fault, when the control is per container.
    pub container: Option<String>,
    /// What is wrong, in PSA's words where possible.
    pub message: String,
    /// What the control allows.
    pub expected: String,
    /// What the pod has.
    pub found: String,
}

const BASELINE_CAPABILITIES: &[&str] = &[
    "AUDIT_WRITE",
    "CHOWN",
    "DAC_OVERRIDE",
    "FOWNER",
    "FSETID",
    "KILL",
    "MKNOD",
    "NET_BIND_SERVICE",
    "SETFCAP",
    "SETGID",
    "SETPCAP",
    "SETUID",
    "SYS_CHROOT",
];

const ALLOWED_SYSCTLS: &[&str] = &[
    "kernel.shm_rmid_forced",
    "net.ipv4.ip_local_port_range",
    "net.ipv4.ip_unprivileged_port_start",
    "net.ipv4.tcp_syncookies",
    "net.ipv4.ping_group_range",
    "net.ipv4.ip_local_reserved_ports",
    "net.ipv4.tcp_keepalive_time",
    "net.ipv4.tcp_fin_timeout",
    "net.ipv4.tcp_keepalive_intvl",
    "net.ipv4.tcp_keepalive_probes",
    "net.ipv4.tcp_rmem",
    "net.ipv4.tcp_wmem",
    "net.ipv4.tcp_slow_start_after_idle",
    "net.ipv4.tcp_notsent_lowat",
];

const SELINUX_TYPES: &[&str] = &[
    "",
    "container_t",
    "container_init_t",
    "container_kvm_t",
    "container_engine_t",
];

const RESTRICTED_VOLUME_TYPES: &[&str] = &[
    "configMap",
    "csi",
    "downwardAPI",
    "emptyDir",
    "ephemeral",
    "image",
    "persistentVolumeClaim",
    "projected",
    "secret",
];

fn get<'a>(v: &'a Json, path: &[&str]) -> Option<&'a Json> {
    path.iter()
        .try_fold(v, |v, key| v.get(key))
        .filter(|v| !v.is_null())
}

fn str_at<'a>(v: &'a Json, path: &[&str]) -> Option<&'a str> {
    get(v, path).and_then(Json::as_str)
}

fn bool_at(v: &Json, path: &[&str]) -> Option<bool> {
    get(v, path).and_then(Json::as_bool)
}

fn show(v: Option<&Json>) -> String {
    match v {
        None => "unset".into(),
        Some(Json::String(s)) => format!("{s:?}"),
        Some(other) => other.to_string(),
    }
}

struct Ctx<'a> {
    spec: &'a Json,
    annotations: Option<&'a Json>,
    out: Vec<Violation>,
}

impl Ctx<'_> {
    fn push(
        &mut self,
        check: &'static str,
        container: Option<&str>,
        message: String,
        expected: &str,
        found: String,
    ) {
        self.out.push(Violation {
            check,
            container: container.map(str::to_owned),
            message,
            expected: expected.to_owned(),
            found,
        });
    }

    fn windows(&self) -> bool {
        str_at(self.spec, &["os", "name"]) == Some("windows")
    }

    fn host_users_false(&self) -> bool {
        bool_at(self.spec, &["hostUsers"]) == Some(false)
    }
}

/// Evaluate a pod spec against a level. An empty result means the pod would be admitted.
pub fn evaluate(view: PodView<'_>, level: PssLevel) -> Vec<Violation> {
    let mut cx = Ctx {
        spec: view.spec,
        annotations: view.annotations,
        out: Vec::new(),
    };
    let restricted = level == PssLevel::Restricted;

    host_namespaces(&mut cx);
    privileged(&mut cx);
    if restricted {
        capabilities_restricted(&mut cx);
        restricted_volumes(&mut cx);
        seccomp_restricted(&mut cx);
        proc_mount(&mut cx, true);
    } else {
        capabilities_baseline(&mut cx);
        host_path_volumes(&mut cx);
        seccomp_baseline(&mut cx);
        proc_mount(&mut cx, false);
    }
    host_ports(&mut cx);
    app_armor(&mut cx);
    se_linux(&mut cx);
    sysctls(&mut cx);
    windows_host_process(&mut cx);
    host_probes_and_lifecycle(&mut cx);
    if restricted {
        allow_privilege_escalation(&mut cx);
        run_as_non_root(&mut cx);
        run_as_user(&mut cx);
    }
    cx.out
}

fn host_namespaces(cx: &mut Ctx<'_>) {
    for field in ["hostNetwork", "hostPID", "hostIPC"] {
        if bool_at(cx.spec, &[field]) == Some(true) {
            cx.push(
                "hostNamespaces",
                None,
                format!("host namespaces: {field}=true"),
                "false or unset",
                "true".into(),
            );
        }
    }
}

fn privileged(cx: &mut Ctx<'_>) {
    for c in all_containers(cx.spec) {
        if bool_at(c, &["securityContext", "privileged"]) == Some(true) {
            cx.push(
                "privileged",
                Some(container_name(c)),
                "privileged: securityContext.privileged=true".into(),
                "false or unset",
                "true".into(),
            );
        }
    }
}

fn capability_adds(c: &Json) -> Vec<&str> {
    get(c, &["securityContext", "capabilities", "add"])
        .and_then(Json::as_array)
        .map(|a| a.iter().map(|v| v.as_str().unwrap_or("")).collect())
        .unwrap_or_default()
}

fn capabilities_baseline(cx: &mut Ctx<'_>) {
    let containers: Vec<&Json> = all_containers(cx.spec).collect();
    for c in containers {
        let bad: Vec<&str> = capability_adds(c)
            .into_iter()
            .filter(|cap| !BASELINE_CAPABILITIES.contains(cap))
            .collect();
        if !bad.is_empty() {
            cx.push(
                "capabilities_baseline",
                Some(container_name(c)),
                format!("non-default capabilities: capabilities.add {bad:?}"),
                "only the default capabilities (AUDIT_WRITE, CHOWN, … SYS_CHROOT)",
                format!("{bad:?}"),
            );
        }
    }
}

fn capabilities_restricted(cx: &mut Ctx<'_>) {
    if cx.windows() {
        return;
    }
    let containers: Vec<&Json> = all_containers(cx.spec).collect();
    for c in containers {
        let drops: Vec<&str> = get(c, &["securityContext", "capabilities", "drop"])
            .and_then(Json::as_array)
            .map(|a| a.iter().filter_map(Json::as_str).collect())
            .unwrap_or_default();
        if !drops.contains(&"ALL") {
            cx.push(
                "capabilities_restricted",
                Some(container_name(c)),
                "unrestricted capabilities: must set securityContext.capabilities.drop=[\"ALL\"]"
                    .into(),
                "drop contains \"ALL\"",
                format!("drop {drops:?}"),
            );
        }
        let bad: Vec<&str> = capability_adds(c)
            .into_iter()
            .filter(|cap| *cap != "NET_BIND_SERVICE")
            .collect();
        if !bad.is_empty() {
            cx.push(
                "capabilities_restricted",
                Some(container_name(c)),
                format!("unrestricted capabilities: must not add {bad:?}"),
                "add only NET_BIND_SERVICE",
                format!("add {bad:?}"),
            );
        }
    }
}

fn volumes(spec: &Json) -> impl Iterator<Item = &Json> {
    spec.get("volumes")
        .and_then(Json::as_array)
        .into_iter()
        .flatten()
}

fn volume_name(v: &Json) -> &str {
    v.get("name").and_then(Json::as_str).unwrap_or("<unnamed>")
}

fn host_path_volumes(cx: &mut Ctx<'_>) {
    let bad: Vec<String> = volumes(cx.spec)
        .filter(|v| get(v, &["hostPath"]).is_some())
        .map(|v| volume_name(v).to_owned())
        .collect();
    if !bad.is_empty() {
        cx.push(
            "hostPathVolumes",
            None,
            format!("hostPath volumes {bad:?}"),
            "no hostPath volumes",
            format!("{bad:?}"),
        );
    }
}

fn restricted_volumes(cx: &mut Ctx<'_>) {
    let mut bad = Vec::new();
    for v in volumes(cx.spec) {
        let Some(map) = v.as_object() else { continue };
        for (key, value) in map {
            if key == "name" || value.is_null() {
                continue;
            }
            if !RESTRICTED_VOLUME_TYPES.contains(&key.as_str()) {
                bad.push(format!("{} ({key})", volume_name(v)));
            }
        }
    }
    if !bad.is_empty() {
        let message = if bad.iter().any(|b| b.ends_with("(hostPath)")) {
            format!("restricted volume types: hostPath volumes {bad:?}")
        } else {
            format!("restricted volume types: {bad:?}")
        };
        cx.push("restrictedVolumes", None, message, "configMap, csi, downwardAPI, emptyDir, ephemeral, persistentVolumeClaim, projected, secret", format!("{bad:?}"));
    }
}

fn host_ports(cx: &mut Ctx<'_>) {
    let containers: Vec<&Json> = all_containers(cx.spec).collect();
    for c in containers {
        let ports: Vec<i64> = c
            .get("ports")
            .and_then(Json::as_array)
            .into_iter()
            .flatten()
            .filter_map(|p| p.get("hostPort").and_then(Json::as_i64))
            .filter(|p| *p != 0)
            .collect();
        if !ports.is_empty() {
            cx.push(
                "hostPorts",
                Some(container_name(c)),
                format!("hostPort {ports:?}"),
                "no hostPort (or 0)",
                format!("{ports:?}"),
            );
        }
    }
}

fn app_armor(cx: &mut Ctx<'_>) {
    if let Some(annotations) = cx.annotations.and_then(Json::as_object) {
        for (key, value) in annotations {
            if let Some(container) =
                key.strip_prefix("container.apparmor.security.beta.kubernetes.io/")
            {
                let value = value.as_str().unwrap_or("");
                if !(value.is_empty()
                    || value == "runtime/default"
                    || value.starts_with("localhost/"))
                {
                    cx.push(
                        "appArmorProfile",
                        Some(container),
                        format!("forbidden AppArmor profile: annotation {key}={value:?}"),
                        "runtime/default or localhost/<profile>",
                        format!("{value:?}"),
                    );
                }
            }
        }
    }
    let allowed = |t: Option<&str>| matches!(t, None | Some("RuntimeDefault") | Some("Localhost"));
    let pod_type = str_at(cx.spec, &["securityContext", "appArmorProfile", "type"]);
    if !allowed(pod_type) {
        cx.push(
            "appArmorProfile",
            None,
            format!(
                "forbidden AppArmor profile: pod appArmorProfile.type={}",
                show(get(
                    cx.spec,
                    &["securityContext", "appArmorProfile", "type"]
                ))
            ),
            "RuntimeDefault or Localhost",
            show(get(
                cx.spec,
                &["securityContext", "appArmorProfile", "type"],
            )),
        );
    }
    let containers: Vec<&Json> = all_containers(cx.spec).collect();
    for c in containers {
        let t = get(c, &["securityContext", "appArmorProfile", "type"]);
        if !allowed(t.and_then(Json::as_str)) {
            cx.push(
                "appArmorProfile",
                Some(container_name(c)),
                format!(
                    "forbidden AppArmor profile: appArmorProfile.type={}",
                    show(t)
                ),
                "RuntimeDefault or Localhost",
                show(t),
            );
        }
    }
}

fn se_linux_bad(options: Option<&Json>) -> Option<String> {
    let options = options?;
    let mut bad = Vec::new();
    if let Some(t) = get(options, &["type"])
        && !SELINUX_TYPES.contains(&t.as_str().unwrap_or("?"))
    {
        bad.push(format!("type={}", show(Some(t))));
    }
    for field in ["user", "role"] {
        if let Some(v) = get(options, &[field])
            && v.as_str() != Some("")
        {
            bad.push(format!("{field}={}", show(Some(v))));
        }
    }
    (!bad.is_empty()).then(|| bad.join(", "))
}

fn se_linux(cx: &mut Ctx<'_>) {
    if let Some(bad) = se_linux_bad(get(cx.spec, &["securityContext", "seLinuxOptions"])) {
        cx.push(
            "seLinuxOptions",
            None,
            format!("seLinuxOptions: pod {bad}"),
            "type container_t/container_init_t/container_kvm_t/container_engine_t; no user or role",
            bad,
        );
    }
    let containers: Vec<&Json> = all_containers(cx.spec).collect();
    for c in containers {
        if let Some(bad) = se_linux_bad(get(c, &["securityContext", "seLinuxOptions"])) {
            cx.push("seLinuxOptions", Some(container_name(c)), format!("seLinuxOptions: {bad}"), "type container_t/container_init_t/container_kvm_t/container_engine_t; no user or role", bad);
        }
    }
}

fn proc_mount(cx: &mut Ctx<'_>, restricted: bool) {
    if !restricted && cx.host_users_false() {
        return;
    }
    let check = if restricted {
        "procMount_restricted"
    } else {
        "procMount"
    };
    let containers: Vec<&Json> = all_containers(cx.spec).collect();
    for c in containers {
        let value = get(c, &["securityContext", "procMount"]);
        if !matches!(value.and_then(Json::as_str), None | Some("Default"))
            || value.is_some_and(|v| !v.is_string())
        {
            cx.push(
                check,
                Some(container_name(c)),
                format!("procMount: {}", show(value)),
                "Default or unset",
                show(value),
            );
        }
    }
}

fn seccomp_baseline(cx: &mut Ctx<'_>) {
    if str_at(cx.spec, &["securityContext", "seccompProfile", "type"]) == Some("Unconfined") {
        cx.push(
            "seccompProfile_baseline",
            None,
            "seccompProfile: pod seccompProfile.type=\"Unconfined\"".into(),
            "RuntimeDefault, Localhost or unset",
            "\"Unconfined\"".into(),
        );
    }
    let containers: Vec<&Json> = all_containers(cx.spec).collect();
    for c in containers {
        if str_at(c, &["securityContext", "seccompProfile", "type"]) == Some("Unconfined") {
            cx.push(
                "seccompProfile_baseline",
                Some(container_name(c)),
                "seccompProfile: seccompProfile.type=\"Unconfined\"".into(),
                "RuntimeDefault, Localhost or unset",
                "\"Unconfined\"".into(),
            );
        }
    }
}

fn seccomp_restricted(cx: &mut Ctx<'_>) {
    if cx.windows() {
        return;
    }
    let valid = |t: Option<&Json>| {
        matches!(
            t.and_then(Json::as_str),
            Some("RuntimeDefault") | Some("Localhost")
        )
    };
    let pod_type = get(cx.spec, &["securityContext", "seccompProfile", "type"]);
    let pod_ok = valid(pod_type);
    if pod_type.is_some() && !pod_ok {
        cx.push(
            "seccompProfile_restricted",
            None,
            format!(
                "seccompProfile: pod must not set seccompProfile.type={}",
                show(pod_type)
            ),
            "RuntimeDefault or Localhost",
            show(pod_type),
        );
    }
    let containers: Vec<&Json> = all_containers(cx.spec).collect();
    for c in containers {
        let t = get(c, &["securityContext", "seccompProfile", "type"]);
        if t.is_some() {
            if !valid(t) {
                cx.push(
                    "seccompProfile_restricted",
                    Some(container_name(c)),
                    format!(
                        "seccompProfile: must not set seccompProfile.type={}",
                        show(t)
                    ),
                    "RuntimeDefault or Localhost",
                    show(t),
                );
            }
        } else if !pod_ok {
            cx.push("seccompProfile_restricted", Some(container_name(c)), "seccompProfile: pod or container must set seccompProfile.type to RuntimeDefault or Localhost".into(), "RuntimeDefault or Localhost", "unset".into());
        }
    }
}

fn sysctls(cx: &mut Ctx<'_>) {
    let bad: Vec<String> = get(cx.spec, &["securityContext", "sysctls"])
        .and_then(Json::as_array)
        .into_iter()
        .flatten()
        .filter_map(|s| {
            let name = s.get("name").and_then(Json::as_str).unwrap_or("");
            (!ALLOWED_SYSCTLS.contains(&name)).then(|| name.to_owned())
        })
        .collect();
    if !bad.is_empty() {
        cx.push(
            "sysctls",
            None,
            format!("forbidden sysctls {bad:?}"),
            "only the safe sysctls",
            format!("{bad:?}"),
        );
    }
}

fn windows_host_process(cx: &mut Ctx<'_>) {
    if bool_at(
        cx.spec,
        &["securityContext", "windowsOptions", "hostProcess"],
    ) == Some(true)
    {
        cx.push(
            "windowsHostProcess",
            None,
            "hostProcess: pod windowsOptions.hostProcess=true".into(),
            "false or unset",
            "true".into(),
        );
    }
    let containers: Vec<&Json> = all_containers(cx.spec).collect();
    for c in containers {
        if bool_at(c, &["securityContext", "windowsOptions", "hostProcess"]) == Some(true) {
            cx.push(
                "windowsHostProcess",
                Some(container_name(c)),
                "hostProcess: windowsOptions.hostProcess=true".into(),
                "false or unset",
                "true".into(),
            );
        }
    }
}

fn host_probes_and_lifecycle(cx: &mut Ctx<'_>) {
    let containers: Vec<&Json> = all_containers(cx.spec).collect();
    for c in containers {
        let handlers = [
            ("livenessProbe", get(c, &["livenessProbe"])),
            ("readinessProbe", get(c, &["readinessProbe"])),
            ("startupProbe", get(c, &["startupProbe"])),
            ("lifecycle.postStart", get(c, &["lifecycle", "postStart"])),
            ("lifecycle.preStop", get(c, &["lifecycle", "preStop"])),
        ];
        for (where_, handler) in handlers {
            let Some(handler) = handler else { continue };
            for kind in ["httpGet", "tcpSocket"] {
                if let Some(host) = str_at(handler, &[kind, "host"]).filter(|h| !h.is_empty()) {
                    cx.push(
                        "hostProbesAndHostLifecycle",
                        Some(container_name(c)),
                        format!("probe or lifecycle host: {where_}.{kind}.host={host:?}"),
                        "no host field",
                        format!("{host:?}"),
                    );
                }
            }
        }
    }
}

fn allow_privilege_escalation(cx: &mut Ctx<'_>) {
    if cx.windows() {
        return;
    }
    let containers: Vec<&Json> = all_containers(cx.spec).collect();
    for c in containers {
        let value = get(c, &["securityContext", "allowPrivilegeEscalation"]);
        if value.and_then(Json::as_bool) != Some(false) {
            cx.push("allowPrivilegeEscalation", Some(container_name(c)), "allowPrivilegeEscalation != false: must set securityContext.allowPrivilegeEscalation=false".into(), "false", show(value));
        }
    }
}

fn run_as_non_root(cx: &mut Ctx<'_>) {
    if cx.host_users_false() {
        return;
    }
    let pod = get(cx.spec, &["securityContext", "runAsNonRoot"]);
    if pod.and_then(Json::as_bool) == Some(false) {
        cx.push(
            "runAsNonRoot",
            None,
            "runAsNonRoot != true: pod must not set securityContext.runAsNonRoot=false".into(),
            "true",
            "false".into(),
        );
    }
    let pod_true = pod.and_then(Json::as_bool) == Some(true);
    let containers: Vec<&Json> = all_containers(cx.spec).collect();
    for c in containers {
        let value = get(c, &["securityContext", "runAsNonRoot"]);
        match value.and_then(Json::as_bool) {
            Some(true) => {}
            Some(false) => cx.push(
                "runAsNonRoot",
                Some(container_name(c)),
                "runAsNonRoot != true: container must not set securityContext.runAsNonRoot=false"
                    .into(),
                "true",
                "false".into(),
            ),
            None if pod_true => {}
            None => cx.push(
                "runAsNonRoot",
                Some(container_name(c)),
                "runAsNonRoot != true: pod or container must set securityContext.runAsNonRoot=true"
                    .into(),
                "true (pod or container)",
                "unset".into(),
            ),
        }
    }
}

fn run_as_user(cx: &mut Ctx<'_>) {
    if cx.host_users_false() {
        return;
    }
    if get(cx.spec, &["securityContext", "runAsUser"]).and_then(Json::as_i64) == Some(0) {
        cx.push(
            "runAsUser",
            None,
            "runAsUser=0: pod must not set runAsUser=0".into(),
            "a non-zero UID or unset",
            "0".into(),
        );
    }
    let containers: Vec<&Json> = all_containers(cx.spec).collect();
    for c in containers {
        if get(c, &["securityContext", "runAsUser"]).and_then(Json::as_i64) == Some(0) {
            cx.push(
                "runAsUser",
                Some(container_name(c)),
                "runAsUser=0: container must not set runAsUser=0".into(),
                "a non-zero UID or unset",
                "0".into(),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn eval(spec: Json, level: PssLevel) -> Vec<&'static str> {
        let view = PodView {
            spec: &spec,
            annotations: None,
            is_pod: true,
        };
        evaluate(view, level).into_iter().map(|v| v.check).collect()
    }

    fn restricted_container() -> Json {
        json!({"name": "app", "image": "nginx", "securityContext": {
            "allowPrivilegeEscalation": false, "runAsNonRoot": true,
            "capabilities": {"drop": ["ALL"]}, "seccompProfile": {"type": "RuntimeDefault"}}})
    }

    #[test]
    fn a_restricted_pod_passes_both_levels() {
        let spec = json!({"containers": [restricted_container()]});
        assert!(eval(spec.clone(), PssLevel::Restricted).is_empty());
        assert!(eval(spec, PssLevel::Baseline).is_empty());
    }

    #[test]
    fn pod_level_settings_are_inherited() {
        let spec = json!({"securityContext": {"runAsNonRoot": true, "seccompProfile": {"type": "RuntimeDefault"}},
            "containers": [{"name": "a", "securityContext": {"allowPrivilegeEscalation": false, "capabilities": {"drop": ["ALL"]}}}]});
        assert!(eval(spec, PssLevel::Restricted).is_empty());
    }

    #[test]
    fn container_false_overrides_pod_true() {
        let mut c = restricted_container();
        c["securityContext"]["runAsNonRoot"] = json!(false);
        let spec = json!({"securityContext": {"runAsNonRoot": true}, "containers": [c]});
        assert_eq!(eval(spec, PssLevel::Restricted), vec!["runAsNonRoot"]);
    }

    #[test]
    fn init_and_ephemeral_containers_are_checked() {
        let spec = json!({"containers": [restricted_container()], "initContainers": [{"name": "init", "securityContext": {"privileged": true}}]});
        assert!(eval(spec, PssLevel::Baseline).contains(&"privileged"));
        let spec = json!({"containers": [restricted_container()], "ephemeralContainers": [{"name": "debug"}]});
        assert!(eval(spec, PssLevel::Restricted).contains(&"allowPrivilegeEscalation"));
    }

    #[test]
    fn apparmor_annotation_and_field() {
        let spec = json!({"containers": [{"name": "a"}]});
        let ann = json!({"container.apparmor.security.beta.kubernetes.io/a": "unconfined"});
        let view = PodView {
            spec: &spec,
            annotations: Some(&ann),
            is_pod: true,
        };
        assert_eq!(
            evaluate(view, PssLevel::Baseline)[0].check,
            "appArmorProfile"
        );
        let ok =
            json!({"container.apparmor.security.beta.kubernetes.io/a": "localhost/k8s-deny-write"});
        let view = PodView {
            spec: &spec,
            annotations: Some(&ok),
            is_pod: true,
        };
        assert!(evaluate(view, PssLevel::Baseline).is_empty());
        let spec = json!({"containers": [{"name": "a", "securityContext": {"appArmorProfile": {"type": "Unconfined"}}}]});
        assert_eq!(eval(spec, PssLevel::Baseline), vec!["appArmorProfile"]);
    }

    #[test]
    fn windows_pods_are_exempt_from_three_controls() {
        let spec = json!({"os": {"name": "windows"}, "securityContext": {"runAsNonRoot": true}, "containers": [{"name": "a"}]});
        assert!(eval(spec, PssLevel::Restricted).is_empty());
    }

    #[test]
    fn baseline_capabilities_are_exact_and_case_sensitive() {
        for cap in ["SYS_ADMIN", "chown", "CAP_CHOWN", "ALL"] {
            let spec = json!({"containers": [{"name": "a", "securityContext": {"capabilities": {"add": [cap]}}}]});
            assert_eq!(
                eval(spec, PssLevel::Baseline),
                vec!["capabilities_baseline"],
                "{cap}"
            );
        }
        let spec = json!({"containers": [{"name": "a", "securityContext": {"capabilities": {"add": ["NET_BIND_SERVICE", "CHOWN"]}}}]});
        assert!(eval(spec, PssLevel::Baseline).is_empty());
    }
}
