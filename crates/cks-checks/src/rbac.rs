//! Our own RBAC evaluator: the decision kube-apiserver's RBAC authorizer makes, computed from
//! the Roles, ClusterRoles (aggregation included) and bindings in a snapshot.
//!
//! Semantics follow k8s.io/kubernetes `plugin/pkg/auth/authorizer/rbac` (`rbac.go`,
//! `subject_locator.go`) and `pkg/apis/rbac/v1/evaluation_helpers.go`.

use serde_json::Value as Json;

use crate::spec::{RbacRequest, RbacSubject};

/// The user the authorizer sees.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserInfo {
    /// Empty for a bare group subject.
    pub name: String,
    pub groups: Vec<String>,
}

impl UserInfo {
    /// Build the user info of a check's subject, with the implicit groups the API server adds.
    pub fn from_subject(subject: &RbacSubject) -> Result<UserInfo, String> {
        let set = [
            subject.user.is_some(),
            subject.group.is_some(),
            subject.service_account.is_some(),
        ];
        if set.iter().filter(|s| **s).count() != 1 {
            return Err("subject must set exactly one of user, group, serviceAccount".into());
        }
        if let Some(user) = &subject.user {
            let mut groups = subject.groups.clone();
            if !groups.iter().any(|g| g == "system:authenticated") && user != "system:anonymous" {
                groups.push("system:authenticated".into());
            }
            if user == "system:anonymous" && !groups.iter().any(|g| g == "system:unauthenticated") {
                groups.push("system:unauthenticated".into());
            }
            return Ok(UserInfo {
                name: user.clone(),
                groups,
            });
        }
        if let Some(group) = &subject.group {
            return Ok(UserInfo {
                name: String::new(),
                groups: vec![group.clone()],
            });
        }
        let sa = subject.service_account.as_deref().unwrap_or_default();
        let Some((ns, name)) = sa
            .split_once('/')
            .filter(|(ns, name)| !ns.is_empty() && !name.is_empty())
        else {
            return Err(format!(
                "serviceAccount must be `namespace/name`, found {sa:?}"
            ));
        };
        Ok(UserInfo {
            name: format!("system:serviceaccount:{ns}:{name}"),
            groups: vec![
                "system:serviceaccounts".into(),
                format!("system:serviceaccounts:{ns}"),
                "system:authenticated".into(),
            ],
        })
    }
}

/// Why a request was allowed: the binding, the role and the rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Grant {
    pub binding: String,
    pub role: String,
    pub rule: String,
}

impl std::fmt::Display for Grant {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} → {} rule {}", self.binding, self.role, self.rule)
    }
}

/// The RBAC objects of a snapshot, indexed once.
#[derive(Debug, Default)]
pub struct RbacIndex<'a> {
    roles: Vec<&'a Json>,
    cluster_roles: Vec<&'a Json>,
    role_bindings: Vec<&'a Json>,
    cluster_role_bindings: Vec<&'a Json>,
}

fn is_rbac(object: &Json) -> bool {
    object
        .get("apiVersion")
        .and_then(Json::as_str)
        .is_some_and(|v| v.starts_with("rbac.authorization.k8s.io/"))
}

fn text<'a>(v: &'a Json, path: &[&str]) -> Option<&'a str> {
    path.iter()
        .try_fold(v, |v, k| v.get(k))
        .and_then(Json::as_str)
}

fn strings<'a>(v: &'a Json, key: &str) -> Vec<&'a str> {
    v.get(key)
        .and_then(Json::as_array)
        .map(|a| a.iter().filter_map(Json::as_str).collect())
        .unwrap_or_default()
}

impl<'a> RbacIndex<'a> {
    pub fn new(objects: &'a [Json]) -> RbacIndex<'a> {
        let mut index = RbacIndex::default();
        for object in objects.iter().filter(|o| is_rbac(o)) {
            match object.get("kind").and_then(Json::as_str) {
                Some("Role") => index.roles.push(object),
                Some("ClusterRole") => index.cluster_roles.push(object),
                Some("RoleBinding") => index.role_bindings.push(object),
                Some("ClusterRoleBinding") => index.cluster_role_bindings.push(object),
                _ => {}
            }
        }
        index
    }

    /// Is the request allowed for this user? `Some(grant)` names the first grant found.
    pub fn allows(&self, user: &UserInfo, request: &RbacRequest) -> Option<Grant> {
        if user.groups.iter().any(|g| g == "system:masters") {
            return Some(Grant {
                binding: "group system:masters".into(),
                role: "(superuser)".into(),
                rule: "*".into(),
            });
        }
        for binding in &self.cluster_role_bindings {
            if !binding_applies(binding, user, None) {
                continue;
            }
            let role_name = text(binding, &["roleRef", "name"]).unwrap_or_default();
            if text(binding, &["roleRef", "kind"]) != Some("ClusterRole") {
                continue;
            }
            if let Some(rule) = self
                .cluster_role_rules(role_name)
                .into_iter()
                .find(|r| rule_allows(r, request))
            {
                return Some(Grant {
                    binding: format!(
                        "ClusterRoleBinding {}",
                        text(binding, &["metadata", "name"]).unwrap_or("?")
                    ),
                    role: format!("ClusterRole {role_name}"),
                    rule: rule_text(rule),
                });
            }
        }
        // RoleBindings only grant namespaced requests; non-resource URLs have no namespace.
        let namespace = request
            .namespace
            .as_deref()
            .filter(|_| request.non_resource_url.is_none())?;
        for binding in &self.role_bindings {
            if text(binding, &["metadata", "namespace"]) != Some(namespace)
                || !binding_applies(binding, user, Some(namespace))
            {
                continue;
            }
            let role_name = text(binding, &["roleRef", "name"]).unwrap_or_default();
            let (rules, role_label) = match text(binding, &["roleRef", "kind"]) {
                Some("ClusterRole") => (
                    self.cluster_role_rules(role_name),
                    format!("ClusterRole {role_name}"),
                ),
                Some("Role") => (
                    self.role_rules(namespace, role_name),
                    format!("Role {namespace}/{role_name}"),
                ),
                _ => continue,
            };
            if let Some(rule) = rules.into_iter().find(|r| rule_allows(r, request)) {
                return Some(Grant {
                    binding: format!(
                        "RoleBinding {namespace}/{}",
                        text(binding, &["metadata", "name"]).unwrap_or("?")
                    ),
                    role: role_label,
                    rule: rule_text(rule),
                });
            }
        }
        None
    }

    fn role_rules(&self, namespace: &str, name: &str) -> Vec<&'a Json> {
        self.roles
            .iter()
            .filter(|r| {
                text(r, &["metadata", "namespace"]) == Some(namespace)
                    && text(r, &["metadata", "name"]) == Some(name)
            })
            .flat_map(|r| {
                r.get("rules")
                    .and_then(Json::as_array)
                    .into_iter()
                    .flatten()
            })
            .collect()
    }

    /// A ClusterRole's rules, plus those of every ClusterRole its aggregationRule selects (the
    /// aggregation controller's union; on a live cluster it has already copied them in).
    fn cluster_role_rules(&self, name: &str) -> Vec<&'a Json> {
        let Some(role) = self
            .cluster_roles
            .iter()
            .find(|r| text(r, &["metadata", "name"]) == Some(name))
        else {
            return Vec::new();
        };
        let mut rules: Vec<&Json> = role
            .get("rules")
            .and_then(Json::as_array)
            .into_iter()
            .flatten()
            .collect();
        let selectors: Vec<&Json> = role
            .get("aggregationRule")
            .and_then(|a| a.get("clusterRoleSelectors"))
            .and_then(Json::as_array)
            .into_iter()
            .flatten()
            .collect();
        if !selectors.is_empty() {
            for other in &self.cluster_roles {
                if text(other, &["metadata", "name"]) == Some(name) {
                    continue;
                }
                let labels = other.get("metadata").and_then(|m| m.get("labels"));
                if selectors.iter().any(|s| label_selector_matches(s, labels)) {
                    rules.extend(
                        other
                            .get("rules")
                            .and_then(Json::as_array)
                            .into_iter()
                            .flatten(),
                    );
                }
            }
        }
        rules
    }
}

/// metav1.LabelSelector semantics (matchLabels AND matchExpressions). An empty selector matches
/// everything.
pub fn label_selector_matches(selector: &Json, labels: Option<&Json>) -> bool {
    let label = |key: &str| labels.and_then(|l| l.get(key)).and_then(Json::as_str);
    if let Some(match_labels) = selector.get("matchLabels").and_then(Json::as_object)
        && !match_labels.iter().all(|(k, v)| label(k) == v.as_str())
    {
        return false;
    }
    for expr in selector
        .get("matchExpressions")
        .and_then(Json::as_array)
        .into_iter()
        .flatten()
    {
        let key = text(expr, &["key"]).unwrap_or_default();
        let values = strings(expr, "values");
        let ok = match text(expr, &["operator"]) {
            Some("In") => label(key).is_some_and(|v| values.contains(&v)),
            Some("NotIn") => label(key).is_none_or(|v| !values.contains(&v)),
            Some("Exists") => label(key).is_some(),
            Some("DoesNotExist") => label(key).is_none(),
            _ => false,
        };
        if !ok {
            return false;
        }
    }
    true
}

/// Does a binding name this user? `binding_namespace` is the RoleBinding's namespace (a
/// ServiceAccount subject without a namespace means that one).
fn binding_applies(binding: &Json, user: &UserInfo, binding_namespace: Option<&str>) -> bool {
    binding
        .get("subjects")
        .and_then(Json::as_array)
        .into_iter()
        .flatten()
        .any(|subject| {
            let name = text(subject, &["name"]).unwrap_or_default();
            match text(subject, &["kind"]) {
                Some("User") => !user.name.is_empty() && user.name == name,
                Some("Group") => user.groups.iter().any(|g| g == name),
                Some("ServiceAccount") => {
                    let ns = text(subject, &["namespace"])
                        .filter(|n| !n.is_empty())
                        .or(binding_namespace)
                        .unwrap_or_default();
                    !ns.is_empty() && user.name == format!("system:serviceaccount:{ns}:{name}")
                }
                _ => false,
            }
        })
}

fn has(list: &[&str], wanted: &str) -> bool {
    list.iter().any(|item| *item == "*" || *item == wanted)
}

/// Does one PolicyRule allow the request?
pub fn rule_allows(rule: &Json, request: &RbacRequest) -> bool {
    let verbs = strings(rule, "verbs");
    if !has(&verbs, &request.verb) {
        return false;
    }
    if let Some(url) = &request.non_resource_url {
        return strings(rule, "nonResourceURLs").iter().any(|pattern| {
            *pattern == "*"
                || pattern == url
                || pattern
                    .strip_suffix('*')
                    .is_some_and(|prefix| url.starts_with(prefix))
        });
    }
    let Some(resource) = request.resource.as_deref() else {
        return false;
    };
    let group = request.api_group.as_deref().unwrap_or("");
    if !has(&strings(rule, "apiGroups"), group) {
        return false;
    }
    let subresource = resource.split_once('/').map(|(_, sub)| sub);
    let resources = strings(rule, "resources");
    let resource_ok = resources.iter().any(|r| {
        *r == "*"
            || *r == resource
            || subresource.is_some_and(|sub| r.strip_prefix("*/") == Some(sub))
    });
    if !resource_ok {
        return false;
    }
    let names = strings(rule, "resourceNames");
    names.is_empty() || request.name.as_deref().is_some_and(|n| names.contains(&n))
}

/// Human form of a rule for messages: `{verbs=["get"] resources=["pods"]}`.
fn rule_text(rule: &Json) -> String {
    let mut parts = Vec::new();
    for key in [
        "verbs",
        "apiGroups",
        "resources",
        "resourceNames",
        "nonResourceURLs",
    ] {
        let values = strings(rule, key);
        if !values.is_empty() {
            parts.push(format!("{key}={values:?}"));
        }
    }
    format!("{{{}}}", parts.join(" "))
}

/// Describe a request for messages: `get pods/exec in namespace dev`.
pub fn describe_request(request: &RbacRequest) -> String {
    if let Some(url) = &request.non_resource_url {
        return format!("{} {url}", request.verb);
    }
    let mut text = format!(
        "{} {}",
        request.verb,
        request.resource.as_deref().unwrap_or("?")
    );
    if let Some(group) = request.api_group.as_deref().filter(|g| !g.is_empty()) {
        text.push('.');
        text.push_str(group);
    }
    if let Some(name) = &request.name {
        text.push_str(&format!(" {name:?}"));
    }
    match &request.namespace {
        Some(ns) => text.push_str(&format!(" in namespace {ns}")),
        None => text.push_str(" (cluster-wide)"),
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn req(verb: &str, resource: &str, ns: Option<&str>) -> RbacRequest {
        RbacRequest {
            verb: verb.into(),
            resource: Some(resource.into()),
            namespace: ns.map(Into::into),
            ..Default::default()
        }
    }

    fn sa(name: &str) -> UserInfo {
        UserInfo::from_subject(&RbacSubject {
            service_account: Some(name.into()),
            ..Default::default()
        })
        .unwrap()
    }

    fn objects() -> Vec<Json> {
        vec![
            json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "Role", "metadata": {"name": "pod-reader", "namespace": "dev"},
                "rules": [{"apiGroups": [""], "resources": ["pods", "pods/log"], "verbs": ["get", "list"]},
                          {"apiGroups": [""], "resources": ["configmaps"], "resourceNames": ["app-config"], "verbs": ["get"]}]}),
            json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "RoleBinding", "metadata": {"name": "rb", "namespace": "dev"},
                "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": "pod-reader"},
                "subjects": [{"kind": "ServiceAccount", "name": "ci"}]}),
            json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRole", "metadata": {"name": "monitoring"},
                "aggregationRule": {"clusterRoleSelectors": [{"matchLabels": {"rbac.example.com/aggregate-to-monitoring": "true"}}]}}),
            json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRole", "metadata": {"name": "mon-endpoints", "labels": {"rbac.example.com/aggregate-to-monitoring": "true"}},
                "rules": [{"apiGroups": [""], "resources": ["endpoints"], "verbs": ["get"]}, {"nonResourceURLs": ["/metrics", "/debug/*"], "verbs": ["get"]}]}),
            json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRoleBinding", "metadata": {"name": "crb"},
                "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "monitoring"},
                "subjects": [{"kind": "Group", "name": "system:serviceaccounts:monitoring", "apiGroup": "rbac.authorization.k8s.io"}]}),
        ]
    }

    #[test]
    fn role_binding_grants_only_in_its_namespace() {
        let objects = objects();
        let index = RbacIndex::new(&objects);
        let ci = sa("dev/ci");
        assert!(
            index
                .allows(&ci, &req("get", "pods", Some("dev")))
                .is_some()
        );
        assert!(
            index
                .allows(&ci, &req("get", "pods", Some("prod")))
                .is_none()
        );
        assert!(index.allows(&ci, &req("get", "pods", None)).is_none());
        assert!(
            index
                .allows(&ci, &req("delete", "pods", Some("dev")))
                .is_none()
        );
        assert!(
            index
                .allows(&ci, &req("get", "pods/log", Some("dev")))
                .is_some()
        );
        assert!(
            index
                .allows(&ci, &req("get", "pods/exec", Some("dev")))
                .is_none()
        );
        assert!(
            index
                .allows(&sa("other/ci"), &req("get", "pods", Some("dev")))
                .is_none()
        );
    }

    #[test]
    fn resource_names_restrict_and_need_a_name() {
        let objects = objects();
        let index = RbacIndex::new(&objects);
        let ci = sa("dev/ci");
        let mut r = req("get", "configmaps", Some("dev"));
        assert!(index.allows(&ci, &r).is_none());
        r.name = Some("app-config".into());
        assert!(index.allows(&ci, &r).is_some());
        r.name = Some("other".into());
        assert!(index.allows(&ci, &r).is_none());
    }

    #[test]
    fn aggregation_and_implicit_service_account_groups() {
        let objects = objects();
        let index = RbacIndex::new(&objects);
        let prom = sa("monitoring/prometheus");
        assert!(
            index
                .allows(&prom, &req("get", "endpoints", Some("anywhere")))
                .is_some()
        );
        let url = |u: &str| RbacRequest {
            verb: "get".into(),
            non_resource_url: Some(u.into()),
            ..Default::default()
        };
        assert!(index.allows(&prom, &url("/metrics")).is_some());
        assert!(index.allows(&prom, &url("/debug/pprof")).is_some());
        assert!(index.allows(&prom, &url("/healthz")).is_none());
        assert!(index.allows(&sa("dev/ci"), &url("/metrics")).is_none());
    }

    #[test]
    fn wildcards_and_subresource_wildcards() {
        let rule = json!({"apiGroups": ["*"], "resources": ["*/scale"], "verbs": ["*"]});
        let mut r = req("update", "deployments/scale", Some("x"));
        r.api_group = Some("apps".into());
        assert!(rule_allows(&rule, &r));
        r.resource = Some("deployments".into());
        assert!(!rule_allows(&rule, &r));
    }

    #[test]
    fn system_masters_and_authenticated_groups() {
        let user = UserInfo::from_subject(&RbacSubject {
            user: Some("jane".into()),
            ..Default::default()
        })
        .unwrap();
        assert!(user.groups.contains(&"system:authenticated".to_string()));
        let admin = UserInfo::from_subject(&RbacSubject {
            user: Some("root".into()),
            groups: vec!["system:masters".into()],
            ..Default::default()
        })
        .unwrap();
        assert!(
            RbacIndex::new(&[])
                .allows(&admin, &req("delete", "nodes", None))
                .is_some()
        );
        assert!(UserInfo::from_subject(&RbacSubject::default()).is_err());
        assert!(
            UserInfo::from_subject(&RbacSubject {
                service_account: Some("nonamespace".into()),
                ..Default::default()
            })
            .is_err()
        );
    }
}
