//! Node files: static-pod flags, kubelet configuration, audit policy, encryption configuration.

use std::collections::BTreeMap;

use serde_json::Value as Json;

use crate::select::all_containers;

/// How list items of `command`/`args` become arguments.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ArgSplitting {
    /// As the kubelet runs a container: each exec-form item is exactly one argument; only a
    /// string run by a shell (`sh -c "…"`) is split into words.
    Exec,
    /// Split every item on whitespace (how some linters read manifests; the shared corpus
    /// defines its verdicts this way).
    Whitespace,
}

/// Parsed flags of one component: name (with dashes) → every value in order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Flags {
    pub values: BTreeMap<String, Vec<String>>,
    /// Exec-form items that hold several flags, which the component would receive as ONE argument.
    pub merged_items: Vec<String>,
}

impl Flags {
    /// The effective value: the last occurrence wins.
    pub fn get(&self, flag: &str) -> Option<&str> {
        self.values
            .get(flag)
            .and_then(|v| v.last())
            .map(String::as_str)
    }

    /// Map of flag → last value, as exposed to CEL.
    pub fn last_values(&self) -> Json {
        Json::Object(
            self.values
                .iter()
                .filter_map(|(k, v)| Some((k.clone(), Json::String(v.last()?.clone()))))
                .collect(),
        )
    }
}

fn is_shell(token: &str) -> bool {
    matches!(
        token.rsplit('/').next(),
        Some("sh" | "bash" | "ash" | "dash" | "zsh")
    )
}

/// Split a shell command string into words (quotes and backslashes honoured, no expansion).
fn shell_words(text: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut current = String::new();
    let mut in_word = false;
    let mut chars = text.chars();
    let mut quote: Option<char> = None;
    while let Some(c) = chars.next() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some('"'), '\\') => {
                if let Some(next) = chars.next() {
                    current.push(next);
                }
            }
            (Some(_), c) => current.push(c),
            (None, '\'' | '"') => {
                quote = Some(c);
                in_word = true;
            }
            (None, '\\') => {
                if let Some(next) = chars.next()
                    && next != '\n'
                {
                    current.push(next);
                    in_word = true;
                }
            }
            (None, c) if c.is_whitespace() => {
                if in_word {
                    words.push(std::mem::take(&mut current));
                    in_word = false;
                }
            }
            (None, c) => {
                current.push(c);
                in_word = true;
            }
        }
    }
    if in_word {
        words.push(current);
    }
    words
}

/// The argument list of a container (command then args), as the component receives it.
pub fn container_argv(container: &Json, splitting: ArgSplitting) -> (Vec<String>, Vec<String>) {
    let items: Vec<String> = ["command", "args"]
        .iter()
        .filter_map(|k| container.get(k).and_then(Json::as_array))
        .flatten()
        .map(|v| match v {
            Json::String(s) => s.clone(),
            other => other.to_string(),
        })
        .collect();
    let mut merged = Vec::new();
    let argv = match splitting {
        ArgSplitting::Whitespace => items
            .iter()
            .flat_map(|i| i.split_whitespace().map(str::to_owned))
            .collect(),
        ArgSplitting::Exec => {
            if items.len() >= 3 && is_shell(&items[0]) && items[1] == "-c" {
                let mut argv = shell_words(&items[2]);
                argv.extend(items[3..].iter().cloned());
                argv
            } else {
                for item in &items {
                    let words: Vec<&str> = item.split_whitespace().collect();
                    if item.starts_with("--")
                        && words.iter().filter(|w| w.starts_with("--")).count() > 1
                    {
                        merged.push(item.clone());
                    }
                }
                items
            }
        }
    };
    (argv, merged)
}

/// Parse `--name=value`, `--name value` (next token not starting with `-`) and bare `--name`.
pub fn parse_flags(argv: &[String]) -> BTreeMap<String, Vec<String>> {
    let mut values: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut i = 0;
    while i < argv.len() {
        let token = &argv[i];
        i += 1;
        if !token.starts_with('-') || token == "-" || token == "--" {
            continue;
        }
        let normalized = if token.starts_with("--") {
            token.clone()
        } else {
            format!("-{token}")
        };
        if let Some((name, value)) = normalized.split_once('=') {
            values
                .entry(name.to_owned())
                .or_default()
                .push(value.to_owned());
        } else if i < argv.len() && !argv[i].starts_with('-') {
            values.entry(normalized).or_default().push(argv[i].clone());
            i += 1;
        } else {
            values.entry(normalized).or_default().push("true".into());
        }
    }
    values
}

/// Does the container run `binary`? Looks at the command words before the first flag, then at
/// the image name when there is no command.
fn runs_binary(container: &Json, binary: &str, splitting: ArgSplitting) -> bool {
    let (argv, _) = container_argv(container, splitting);
    let words: Vec<&str> = argv
        .iter()
        .take_while(|t| !t.starts_with('-'))
        .flat_map(|t| t.split_whitespace())
        .collect();
    if words.iter().any(|w| w.rsplit('/').next() == Some(binary)) {
        return true;
    }
    if container.get("command").is_none()
        && let Some(image) = container.get("image").and_then(Json::as_str)
    {
        let without_digest = image.split('@').next().unwrap_or(image);
        let last = without_digest.rsplit('/').next().unwrap_or(without_digest);
        let repo = last.split(':').next().unwrap_or(last);
        return repo == binary || repo.starts_with(&format!("{binary}-"));
    }
    false
}

/// Find the container that runs `binary` in a manifest (Pod or workload) and parse its flags.
pub fn component_flags(
    manifest: &Json,
    binary: &str,
    splitting: ArgSplitting,
) -> Option<(String, Flags)> {
    let spec = crate::select::pod_view(manifest)?.spec;
    let container = all_containers(spec).find(|c| runs_binary(c, binary, splitting))?;
    let (argv, merged_items) = container_argv(container, splitting);
    let name = crate::select::container_name(container).to_owned();
    Some((
        name,
        Flags {
            values: parse_flags(&argv),
            merged_items,
        },
    ))
}

/// The component a static-pod path most likely holds: `kube-apiserver.yaml` → `kube-apiserver`.
pub fn component_from_path(path: &str) -> String {
    let file = path.rsplit('/').next().unwrap_or(path);
    file.trim_end_matches(".yaml")
        .trim_end_matches(".yml")
        .trim_end_matches(".json")
        .to_owned()
}

/// A component's built-in default for a flag the static pod does not set, from the component
/// reference pages on kubernetes.io (kube-apiserver, kube-controller-manager, kube-scheduler,
/// kubelet) and etcd's configuration reference. Only flags whose default matters for security
/// grading are listed; an author's `default:` on a flag assertion takes precedence.
pub fn builtin_default(component: &str, flag: &str) -> Option<&'static str> {
    Some(match (component, flag) {
        ("kube-apiserver", "--anonymous-auth") => "true",
        ("kube-apiserver", "--profiling") => "true",
        ("kube-apiserver", "--authorization-mode") => "AlwaysAllow",
        ("kube-apiserver", "--service-account-lookup") => "true",
        ("kube-apiserver", "--allow-privileged") => "false",
        ("kube-apiserver", "--enable-bootstrap-token-auth") => "false",
        ("kube-apiserver", "--audit-log-maxage") => "0",
        ("kube-apiserver", "--audit-log-maxbackup") => "0",
        ("kube-apiserver", "--audit-log-maxsize") => "0",
        ("kube-apiserver", "--secure-port") => "6443",
        ("kube-apiserver", "--request-timeout") => "1m0s",
        ("kube-controller-manager", "--profiling") => "true",
        ("kube-controller-manager", "--use-service-account-credentials") => "false",
        ("kube-controller-manager", "--terminated-pod-gc-threshold") => "12500",
        ("kube-controller-manager", "--bind-address") => "0.0.0.0",
        ("kube-scheduler", "--profiling") => "true",
        ("kube-scheduler", "--bind-address") => "0.0.0.0",
        ("etcd", "--client-cert-auth") => "false",
        ("etcd", "--peer-client-cert-auth") => "false",
        ("etcd", "--auto-tls") => "false",
        ("etcd", "--peer-auto-tls") => "false",
        ("kubelet", "--anonymous-auth") => "true",
        ("kubelet", "--authorization-mode") => "AlwaysAllow",
        ("kubelet", "--protect-kernel-defaults") => "false",
        ("kubelet", "--make-iptables-util-chains") => "true",
        ("kubelet", "--rotate-certificates") => "false",
        _ => return None,
    })
}

/// Split a comma-separated flag value.
pub fn list_items(value: &str) -> Vec<&str> {
    value
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .collect()
}

// ---------------------------------------------------------------------------------------------
// Audit policy

/// A request for audit-policy evaluation.
#[derive(Debug, Clone, Default)]
pub struct AuditRequest<'a> {
    pub user: Option<&'a str>,
    pub groups: &'a [String],
    pub verb: Option<&'a str>,
    pub api_group: &'a str,
    /// `resource` or `resource/subresource`.
    pub resource: Option<&'a str>,
    pub namespace: Option<&'a str>,
    pub name: Option<&'a str>,
    pub non_resource_url: Option<&'a str>,
}

/// The level the policy assigns to a request, and the index of the rule that decided it
/// (first match wins; no match means `None`, i.e. not logged).
pub fn audit_level(policy: &Json, request: &AuditRequest<'_>) -> (String, Option<usize>) {
    let rules = policy
        .get("rules")
        .and_then(Json::as_array)
        .map(Vec::as_slice)
        .unwrap_or_default();
    for (index, rule) in rules.iter().enumerate() {
        if audit_rule_matches(rule, request) {
            let level = rule.get("level").and_then(Json::as_str).unwrap_or("None");
            return (level.to_owned(), Some(index));
        }
    }
    ("None".into(), None)
}

fn str_list<'a>(v: &'a Json, key: &str) -> Option<Vec<&'a str>> {
    v.get(key)
        .and_then(Json::as_array)
        .map(|a| a.iter().filter_map(Json::as_str).collect())
}

fn audit_rule_matches(rule: &Json, r: &AuditRequest<'_>) -> bool {
    if let Some(users) = str_list(rule, "users").filter(|u| !u.is_empty())
        && !r.user.is_some_and(|u| users.contains(&u))
    {
        return false;
    }
    if let Some(groups) = str_list(rule, "userGroups").filter(|g| !g.is_empty())
        && !r.groups.iter().any(|g| groups.contains(&g.as_str()))
    {
        return false;
    }
    if let Some(verbs) = str_list(rule, "verbs").filter(|v| !v.is_empty())
        && !r.verb.is_some_and(|v| verbs.contains(&v))
    {
        return false;
    }
    let resources = rule
        .get("resources")
        .and_then(Json::as_array)
        .filter(|a| !a.is_empty());
    let non_resource_urls = str_list(rule, "nonResourceURLs").filter(|u| !u.is_empty());
    if let Some(url) = r.non_resource_url {
        // A rule that limits resources or namespaces never matches a non-resource request.
        if resources.is_some() || str_list(rule, "namespaces").is_some_and(|n| !n.is_empty()) {
            return false;
        }
        return match non_resource_urls {
            None => true,
            Some(patterns) => patterns
                .iter()
                .any(|p| *p == url || p.strip_suffix('*').is_some_and(|pre| url.starts_with(pre))),
        };
    }
    if non_resource_urls.is_some() {
        return false;
    }
    if let Some(namespaces) = str_list(rule, "namespaces").filter(|n| !n.is_empty()) {
        // "" in the list matches cluster-scoped requests.
        if !namespaces.contains(&r.namespace.unwrap_or("")) {
            return false;
        }
    }
    let Some(groups) = resources else { return true };
    let Some(resource) = r.resource else {
        return false;
    };
    groups.iter().any(|g| {
        let group = g.get("group").and_then(Json::as_str).unwrap_or("");
        if group != r.api_group && group != "*" {
            return false;
        }
        let names = str_list(g, "resourceNames").unwrap_or_default();
        if !names.is_empty() && !r.name.is_some_and(|n| names.contains(&n)) {
            return false;
        }
        match str_list(g, "resources").filter(|l| !l.is_empty()) {
            None => true,
            Some(list) => {
                let (base, sub) = match resource.split_once('/') {
                    Some((b, s)) => (b, Some(s)),
                    None => (resource, None),
                };
                list.iter().any(|item| {
                    *item == "*"
                        || *item == resource
                        || (sub.is_some() && *item == format!("{base}/*"))
                        || (sub.is_some() && item.strip_prefix("*/") == sub)
                })
            }
        }
    })
}

// ---------------------------------------------------------------------------------------------
// Encryption configuration

/// The providers configured for a resource (`secrets`, `deployments.apps`, …): those of the
/// first `resources[]` entry, in file order, that names it exactly or by wildcard (`*.apps`,
/// `*.` for the core group, `*.*`). The first provider encrypts new writes.
pub fn encryption_providers(config: &Json, resource: &str) -> Option<Vec<String>> {
    let (name, group) = resource.split_once('.').unwrap_or((resource, ""));
    let names = [
        resource.to_owned(),
        format!("{name}."),
        format!("*.{group}"),
        "*.*".to_owned(),
    ];
    let entries = config.get("resources").and_then(Json::as_array)?;
    let entry = entries.iter().find(|entry| {
        str_list(entry, "resources")
            .unwrap_or_default()
            .iter()
            .any(|listed| names.iter().any(|n| n == listed))
    })?;
    Some(
        entry
            .get("providers")
            .and_then(Json::as_array)
            .map(|ps| {
                ps.iter()
                    .filter_map(|p| p.as_object()?.keys().next().cloned())
                    .collect()
            })
            .unwrap_or_default(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn s(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn flag_forms() {
        let flags = parse_flags(&s(&[
            "kube-apiserver",
            "--a=x,y",
            "--flag",
            "value",
            "--bare",
            "--last=1",
            "--last=2",
            "-v=2",
        ]));
        assert_eq!(flags["--a"], vec!["x,y"]);
        assert_eq!(flags["--flag"], vec!["value"]);
        assert_eq!(flags["--bare"], vec!["true"]);
        assert_eq!(flags["--last"].last().unwrap(), "2");
        assert_eq!(flags["--v"], vec!["2"]);
    }

    #[test]
    fn shell_strings_are_split_exec_items_are_not() {
        let pod = json!({"kind": "Pod", "spec": {"containers": [{"name": "kube-apiserver",
            "command": ["sh", "-c", "kube-apiserver --anonymous-auth=false --profiling='false'"]}]}});
        let (_, flags) = component_flags(&pod, "kube-apiserver", ArgSplitting::Exec).unwrap();
        assert_eq!(flags.get("--anonymous-auth"), Some("false"));
        assert_eq!(flags.get("--profiling"), Some("false"));

        let pod = json!({"kind": "Pod", "spec": {"containers": [{"name": "kube-apiserver",
            "command": ["kube-apiserver", "--anonymous-auth=false --profiling=false"]}]}});
        let (_, flags) = component_flags(&pod, "kube-apiserver", ArgSplitting::Exec).unwrap();
        assert_eq!(
            flags.get("--anonymous-auth"),
            Some("false --profiling=false")
        );
        assert_eq!(flags.merged_items.len(), 1);
        let (_, lenient) =
            component_flags(&pod, "kube-apiserver", ArgSplitting::Whitespace).unwrap();
        assert_eq!(lenient.get("--profiling"), Some("false"));
    }

    #[test]
    fn binary_found_by_image_when_no_command() {
        let pod = json!({"kind": "Pod", "spec": {"containers": [{"name": "x", "image": "b.gcr.io/kuar/etcd:2.2.0", "args": ["--client-cert-auth"]}]}});
        let (_, flags) = component_flags(&pod, "etcd", ArgSplitting::Exec).unwrap();
        assert_eq!(flags.get("--client-cert-auth"), Some("true"));
        assert!(component_flags(&pod, "kubelet", ArgSplitting::Exec).is_none());
    }

    #[test]
    fn audit_first_match_wins() {
        let policy = json!({"rules": [
            {"level": "None", "users": ["system:kube-proxy"]},
            {"level": "Metadata", "resources": [{"group": "", "resources": ["secrets", "configmaps"]}]},
            {"level": "RequestResponse", "resources": [{"group": "", "resources": ["pods/exec"]}]},
            {"level": "None", "nonResourceURLs": ["/healthz*"]},
            {"level": "Request"}
        ]});
        fn req(res: &str) -> AuditRequest<'_> {
            AuditRequest {
                resource: Some(res),
                verb: Some("get"),
                ..Default::default()
            }
        }
        assert_eq!(audit_level(&policy, &req("secrets")).0, "Metadata");
        assert_eq!(audit_level(&policy, &req("pods/exec")).0, "RequestResponse");
        assert_eq!(audit_level(&policy, &req("pods")).0, "Request");
        let url = AuditRequest {
            non_resource_url: Some("/healthz/ready"),
            verb: Some("get"),
            ..Default::default()
        };
        assert_eq!(audit_level(&policy, &url).0, "None");
        let proxy = AuditRequest {
            user: Some("system:kube-proxy"),
            resource: Some("secrets"),
            ..Default::default()
        };
        assert_eq!(audit_level(&policy, &proxy), ("None".to_string(), Some(0)));
        assert_eq!(
            audit_level(&json!({"rules": []}), &req("secrets")),
            ("None".to_string(), None)
        );
    }

    #[test]
    fn encryption_first_provider_and_wildcards() {
        let config = json!({"resources": [
            {"resources": ["secrets"], "providers": [{"identity": {}}, {"aescbc": {"keys": []}}]},
            {"resources": ["*.apps"], "providers": [{"secretbox": {}}]},
            {"resources": ["*.*"], "providers": [{"aesgcm": {}}]}
        ]});
        assert_eq!(
            encryption_providers(&config, "secrets").unwrap()[0],
            "identity"
        );
        assert_eq!(
            encryption_providers(&config, "deployments.apps").unwrap()[0],
            "secretbox"
        );
        assert_eq!(
            encryption_providers(&config, "configmaps").unwrap()[0],
            "aesgcm"
        );
        assert!(encryption_providers(&json!({"resources": []}), "secrets").is_none());
    }
}
