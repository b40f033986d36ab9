//! Admission-policy evaluators: Gatekeeper (Rego via regorus) and ValidatingAdmissionPolicy (CEL),
//! table tests written from the Gatekeeper and Kubernetes documentation.

use cks_checks::admission::{Gatekeeper, Request, Vaps};
use proptest::prelude::*;
use serde_json::{Value, json};

const REQUIRED_LABELS: &str = r#"package k8srequiredlabels

violation[{"msg": msg, "details": {"missing_labels": missing}}] {
  provided := {label | input.review.object.metadata.labels[label]}
  required := {label | label := input.parameters.labels[_]}
  missing := required - provided
  count(missing) > 0
  msg := sprintf("you must provide labels: %v", [missing])
}
"#;

const ALLOWED_REPOS: &str = r#"package k8sallowedrepos

violation[{"msg": msg}] {
  container := input_containers[_]
  not strings.any_prefix_match(container.image, input.parameters.repos)
  msg := sprintf("container <%v> has an invalid image repo <%v>, allowed repos are %v", [container.name, container.image, input.parameters.repos])
}

input_containers[c] { c := input.review.object.spec.containers[_] }
input_containers[c] { c := input.review.object.spec.initContainers[_] }
"#;

// v1 syntax with a lib
const BLOCK_LATEST_V1: &str = r#"package k8sblocklatest
import rego.v1
import data.lib.images

violation contains {"msg": msg} if {
  some c in input.review.object.spec.containers
  images.is_latest(c.image)
  msg := sprintf("%v uses a latest tag", [c.name])
}
"#;

const IMAGES_LIB: &str = r#"package lib.images
import rego.v1

is_latest(image) if endswith(image, ":latest")
is_latest(image) if not contains(image, ":")
"#;

const UNIQUE_HOST: &str = r#"package k8suniqueingresshost

violation[{"msg": msg}] {
  host := input.review.object.spec.rules[_].host
  other := data.inventory.namespace[ns][_]["Ingress"][name]
  other.spec.rules[_].host == host
  not identical(other, input.review)
  msg := sprintf("ingress host conflicts with an existing ingress <%v/%v>", [ns, name])
}

identical(obj, review) {
  obj.metadata.namespace == review.namespace
  obj.metadata.name == review.name
}
"#;

fn template(name: &str, kind: &str, rego: &str, libs: &[&str]) -> Value {
    json!({
        "apiVersion": "templates.gatekeeper.sh/v1", "kind": "ConstraintTemplate",
        "metadata": {"name": name},
        "spec": {"crd": {"spec": {"names": {"kind": kind}}},
                 "targets": [{"target": "admission.k8s.gatekeeper.sh", "rego": rego, "libs": libs}]}
    })
}

fn constraint(kind: &str, name: &str, spec: Value) -> Value {
    json!({"apiVersion": "constraints.gatekeeper.sh/v1beta1", "kind": kind,
           "metadata": {"name": name}, "spec": spec})
}

fn pod(ns: &str, name: &str, labels: Value, image: &str) -> Value {
    json!({"apiVersion": "v1", "kind": "Pod",
           "metadata": {"namespace": ns, "name": name, "labels": labels},
           "spec": {"containers": [{"name": "app", "image": image}]}})
}

fn namespace(name: &str, labels: Value) -> Value {
    json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name, "labels": labels}})
}

fn deployment(ns: &str, name: &str, replicas: i64, labels: Value) -> Value {
    json!({"apiVersion": "apps/v1", "kind": "Deployment",
           "metadata": {"namespace": ns, "name": name, "labels": labels},
           "spec": {"replicas": replicas, "template": {"spec": {"containers": [{"name": "app", "image": "nginx:1.27"}]}}}})
}

fn base() -> Vec<Value> {
    vec![
        namespace("prod", json!({"env": "prod"})),
        namespace("dev", json!({"env": "dev"})),
        namespace("kube-system", json!({})),
    ]
}

/// (case name, policy objects, request object, operation, expect denied)
type Case = (&'static str, Vec<Value>, Value, &'static str, bool);

fn gatekeeper_cases() -> Vec<Case> {
    let labels_t = || {
        template(
            "k8srequiredlabels",
            "K8sRequiredLabels",
            REQUIRED_LABELS,
            &[],
        )
    };
    let repos_t = || template("k8sallowedrepos", "K8sAllowedRepos", ALLOWED_REPOS, &[]);
    let owner = |spec_match: Value| {
        constraint(
            "K8sRequiredLabels",
            "must-have-owner",
            json!({"match": spec_match, "parameters": {"labels": ["owner"]}}),
        )
    };
    let pods = json!({"kinds": [{"apiGroups": [""], "kinds": ["Pod"]}]});
    let repos = |m: Value, action: Option<&str>| {
        let mut spec = json!({"match": m, "parameters": {"repos": ["registry.corp.io/"]}});
        if let Some(a) = action {
            spec["enforcementAction"] = json!(a);
        }
        constraint("K8sAllowedRepos", "corp-only", spec)
    };
    vec![
        (
            "required labels: missing label denied",
            vec![labels_t(), owner(pods.clone())],
            pod("prod", "p", json!({}), "nginx"),
            "CREATE",
            true,
        ),
        (
            "required labels: label present admitted",
            vec![labels_t(), owner(pods.clone())],
            pod("prod", "p", json!({"owner": "me"}), "nginx"),
            "CREATE",
            false,
        ),
        (
            "required labels: other labels do not help",
            vec![labels_t(), owner(pods.clone())],
            pod("prod", "p", json!({"team": "x"}), "nginx"),
            "CREATE",
            true,
        ),
        (
            "required labels: no match block applies to everything",
            vec![
                labels_t(),
                constraint(
                    "K8sRequiredLabels",
                    "all",
                    json!({"parameters": {"labels": ["owner"]}}),
                ),
            ],
            namespace("new", json!({})),
            "CREATE",
            true,
        ),
        (
            "match.kinds excludes other kinds",
            vec![labels_t(), owner(pods.clone())],
            deployment("prod", "d", 1, json!({})),
            "CREATE",
            false,
        ),
        (
            "match.kinds with apiGroups apps",
            vec![
                labels_t(),
                owner(json!({"kinds": [{"apiGroups": ["apps"], "kinds": ["Deployment"]}]})),
            ],
            deployment("prod", "d", 1, json!({})),
            "CREATE",
            true,
        ),
        (
            "match.kinds wildcard group",
            vec![
                labels_t(),
                owner(json!({"kinds": [{"apiGroups": ["*"], "kinds": ["Deployment"]}]})),
            ],
            deployment("prod", "d", 1, json!({})),
            "CREATE",
            true,
        ),
        (
            "match.kinds group mismatch",
            vec![
                labels_t(),
                owner(json!({"kinds": [{"apiGroups": ["extensions"], "kinds": ["Deployment"]}]})),
            ],
            deployment("prod", "d", 1, json!({})),
            "CREATE",
            false,
        ),
        (
            "match.namespaces includes",
            vec![labels_t(), owner(json!({"namespaces": ["prod"]}))],
            pod("prod", "p", json!({}), "nginx"),
            "CREATE",
            true,
        ),
        (
            "match.namespaces excludes others",
            vec![labels_t(), owner(json!({"namespaces": ["prod"]}))],
            pod("dev", "p", json!({}), "nginx"),
            "CREATE",
            false,
        ),
        (
            "match.namespaces prefix glob",
            vec![labels_t(), owner(json!({"namespaces": ["pr*"]}))],
            pod("prod", "p", json!({}), "nginx"),
            "CREATE",
            true,
        ),
        (
            "match.excludedNamespaces",
            vec![labels_t(), owner(json!({"excludedNamespaces": ["kube-*"]}))],
            pod("kube-system", "p", json!({}), "nginx"),
            "CREATE",
            false,
        ),
        (
            "match.excludedNamespaces leaves others",
            vec![labels_t(), owner(json!({"excludedNamespaces": ["kube-*"]}))],
            pod("dev", "p", json!({}), "nginx"),
            "CREATE",
            true,
        ),
        (
            "match.labelSelector matches",
            vec![
                labels_t(),
                owner(json!({"labelSelector": {"matchLabels": {"tier": "web"}}})),
            ],
            pod("prod", "p", json!({"tier": "web"}), "nginx"),
            "CREATE",
            true,
        ),
        (
            "match.labelSelector does not match",
            vec![
                labels_t(),
                owner(json!({"labelSelector": {"matchLabels": {"tier": "web"}}})),
            ],
            pod("prod", "p", json!({"tier": "db"}), "nginx"),
            "CREATE",
            false,
        ),
        (
            "match.namespaceSelector by namespace labels",
            vec![
                labels_t(),
                owner(json!({"namespaceSelector": {"matchLabels": {"env": "prod"}}})),
            ],
            pod("prod", "p", json!({}), "nginx"),
            "CREATE",
            true,
        ),
        (
            "match.namespaceSelector other namespace",
            vec![
                labels_t(),
                owner(json!({"namespaceSelector": {"matchLabels": {"env": "prod"}}})),
            ],
            pod("dev", "p", json!({}), "nginx"),
            "CREATE",
            false,
        ),
        (
            "match.scope Cluster skips namespaced",
            vec![labels_t(), owner(json!({"scope": "Cluster"}))],
            pod("prod", "p", json!({}), "nginx"),
            "CREATE",
            false,
        ),
        (
            "match.scope Cluster applies to namespaces",
            vec![labels_t(), owner(json!({"scope": "Cluster"}))],
            namespace("x", json!({})),
            "CREATE",
            true,
        ),
        (
            "match.name glob",
            vec![labels_t(), owner(json!({"name": "web-*"}))],
            pod("prod", "web-1", json!({}), "nginx"),
            "CREATE",
            true,
        ),
        (
            "match.name glob miss",
            vec![labels_t(), owner(json!({"name": "web-*"}))],
            pod("prod", "db-1", json!({}), "nginx"),
            "CREATE",
            false,
        ),
        (
            "allowed repos: other registry denied",
            vec![repos_t(), repos(pods.clone(), None)],
            pod("prod", "p", json!({}), "docker.io/nginx:1.27"),
            "CREATE",
            true,
        ),
        (
            "allowed repos: corp registry admitted",
            vec![repos_t(), repos(pods.clone(), None)],
            pod("prod", "p", json!({}), "registry.corp.io/nginx:1.27"),
            "CREATE",
            false,
        ),
        (
            "allowed repos: initContainers are checked",
            vec![repos_t(), repos(pods.clone(), None)],
            json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"namespace": "prod", "name": "p"},
            "spec": {"initContainers": [{"name": "init", "image": "busybox"}], "containers": [{"name": "app", "image": "registry.corp.io/app"}]}}),
            "CREATE",
            true,
        ),
        (
            "enforcementAction dryrun does not deny",
            vec![repos_t(), repos(pods.clone(), Some("dryrun"))],
            pod("prod", "p", json!({}), "nginx"),
            "CREATE",
            false,
        ),
        (
            "enforcementAction warn does not deny",
            vec![repos_t(), repos(pods.clone(), Some("warn"))],
            pod("prod", "p", json!({}), "nginx"),
            "CREATE",
            false,
        ),
        (
            "enforcementAction deny explicit",
            vec![repos_t(), repos(pods.clone(), Some("deny"))],
            pod("prod", "p", json!({}), "nginx"),
            "CREATE",
            true,
        ),
        (
            "a template without a constraint enforces nothing",
            vec![repos_t()],
            pod("prod", "p", json!({}), "nginx"),
            "CREATE",
            false,
        ),
        (
            "two constraints: either denies",
            vec![
                repos_t(),
                labels_t(),
                repos(pods.clone(), None),
                owner(pods.clone()),
            ],
            pod("prod", "p", json!({}), "registry.corp.io/x"),
            "CREATE",
            true,
        ),
        (
            "rego v1 with a lib: latest denied",
            vec![
                template(
                    "k8sblocklatest",
                    "K8sBlockLatest",
                    BLOCK_LATEST_V1,
                    &[IMAGES_LIB],
                ),
                constraint("K8sBlockLatest", "no-latest", json!({})),
            ],
            pod("prod", "p", json!({}), "nginx:latest"),
            "CREATE",
            true,
        ),
        (
            "rego v1 with a lib: untagged denied",
            vec![
                template(
                    "k8sblocklatest",
                    "K8sBlockLatest",
                    BLOCK_LATEST_V1,
                    &[IMAGES_LIB],
                ),
                constraint("K8sBlockLatest", "no-latest", json!({})),
            ],
            pod("prod", "p", json!({}), "nginx"),
            "CREATE",
            true,
        ),
        (
            "rego v1 with a lib: pinned admitted",
            vec![
                template(
                    "k8sblocklatest",
                    "K8sBlockLatest",
                    BLOCK_LATEST_V1,
                    &[IMAGES_LIB],
                ),
                constraint("K8sBlockLatest", "no-latest", json!({})),
            ],
            pod("prod", "p", json!({}), "nginx:1.27"),
            "CREATE",
            false,
        ),
        (
            "data.inventory: conflicting ingress host denied",
            vec![
                template(
                    "k8suniqueingresshost",
                    "K8sUniqueIngressHost",
                    UNIQUE_HOST,
                    &[],
                ),
                constraint("K8sUniqueIngressHost", "unique", json!({})),
                json!({"apiVersion": "networking.k8s.io/v1", "kind": "Ingress", "metadata": {"namespace": "dev", "name": "old"}, "spec": {"rules": [{"host": "shop.example.com"}]}}),
            ],
            json!({"apiVersion": "networking.k8s.io/v1", "kind": "Ingress", "metadata": {"namespace": "prod", "name": "new"}, "spec": {"rules": [{"host": "shop.example.com"}]}}),
            "CREATE",
            true,
        ),
        (
            "data.inventory: unique host admitted",
            vec![
                template(
                    "k8suniqueingresshost",
                    "K8sUniqueIngressHost",
                    UNIQUE_HOST,
                    &[],
                ),
                constraint("K8sUniqueIngressHost", "unique", json!({})),
                json!({"apiVersion": "networking.k8s.io/v1", "kind": "Ingress", "metadata": {"namespace": "dev", "name": "old"}, "spec": {"rules": [{"host": "shop.example.com"}]}}),
            ],
            json!({"apiVersion": "networking.k8s.io/v1", "kind": "Ingress", "metadata": {"namespace": "prod", "name": "new"}, "spec": {"rules": [{"host": "blog.example.com"}]}}),
            "CREATE",
            false,
        ),
        (
            "operation is visible to the policy",
            vec![
                template(
                    "nodelete",
                    "K8sNoDelete",
                    "package nodelete\nviolation[{\"msg\": \"no deletes\"}] { input.review.operation == \"DELETE\" }\n",
                    &[],
                ),
                constraint("K8sNoDelete", "c", json!({})),
            ],
            pod("prod", "p", json!({}), "x"),
            "DELETE",
            true,
        ),
        (
            "operation CREATE passes the delete rule",
            vec![
                template(
                    "nodelete",
                    "K8sNoDelete",
                    "package nodelete\nviolation[{\"msg\": \"no deletes\"}] { input.review.operation == \"DELETE\" }\n",
                    &[],
                ),
                constraint("K8sNoDelete", "c", json!({})),
            ],
            pod("prod", "p", json!({}), "x"),
            "CREATE",
            false,
        ),
    ]
}

fn vap(name: &str, spec: Value) -> Value {
    json!({"apiVersion": "admissionregistration.k8s.io/v1", "kind": "ValidatingAdmissionPolicy",
           "metadata": {"name": name}, "spec": spec})
}

fn binding(name: &str, policy: &str, extra: Value) -> Value {
    let mut spec = json!({"policyName": policy, "validationActions": ["Deny"]});
    if let (Some(s), Some(e)) = (spec.as_object_mut(), extra.as_object()) {
        for (k, v) in e {
            s.insert(k.clone(), v.clone());
        }
    }
    json!({"apiVersion": "admissionregistration.k8s.io/v1", "kind": "ValidatingAdmissionPolicyBinding",
           "metadata": {"name": name}, "spec": spec})
}

fn deploy_rules() -> Value {
    json!({"resourceRules": [{"apiGroups": ["apps"], "apiVersions": ["v1"], "operations": ["CREATE", "UPDATE"], "resources": ["deployments"]}]})
}

fn vap_cases() -> Vec<Case> {
    let replicas = |max: i64| {
        vap(
            "replica-limit",
            json!({"matchConstraints": deploy_rules(), "validations": [{"expression": format!("object.spec.replicas <= {max}"), "message": "too many replicas"}]}),
        )
    };
    let b = || binding("replica-limit-binding", "replica-limit", json!({}));
    let params_policy = vap(
        "replica-param",
        json!({
        "paramKind": {"apiVersion": "v1", "kind": "ConfigMap"},
        "matchConstraints": deploy_rules(),
        "validations": [{"expression": "object.spec.replicas <= int(params.data.maxReplicas)",
                         "messageExpression": "'replicas must be at most ' + params.data.maxReplicas"}]}),
    );
    let cm = json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"namespace": "prod", "name": "limits"}, "data": {"maxReplicas": "3"}});
    let pb = |not_found: &str| {
        binding(
            "b",
            "replica-param",
            json!({"paramRef": {"name": "limits", "namespace": "prod", "parameterNotFoundAction": not_found}}),
        )
    };
    let pod_rules = json!({"resourceRules": [{"apiGroups": [""], "apiVersions": ["v1"], "operations": ["CREATE"], "resources": ["pods"]}]});
    vec![
        (
            "replicas over the limit denied",
            vec![replicas(5), b()],
            deployment("prod", "d", 6, json!({})),
            "CREATE",
            true,
        ),
        (
            "replicas at the limit admitted",
            vec![replicas(5), b()],
            deployment("prod", "d", 5, json!({})),
            "CREATE",
            false,
        ),
        (
            "a policy without a binding enforces nothing",
            vec![replicas(5)],
            deployment("prod", "d", 9, json!({})),
            "CREATE",
            false,
        ),
        (
            "resourceRules: other resources untouched",
            vec![replicas(0), b()],
            pod("prod", "p", json!({}), "x"),
            "CREATE",
            false,
        ),
        (
            "resourceRules: operation not listed",
            vec![replicas(1), b()],
            deployment("prod", "d", 9, json!({})),
            "DELETE",
            false,
        ),
        (
            "resourceRules: UPDATE listed",
            vec![replicas(1), b()],
            deployment("prod", "d", 9, json!({})),
            "UPDATE",
            true,
        ),
        (
            "resourceRules: wildcards",
            vec![
                vap(
                    "p",
                    json!({"matchConstraints": {"resourceRules": [{"apiGroups": ["*"], "apiVersions": ["*"], "operations": ["*"], "resources": ["*"]}]},
            "validations": [{"expression": "has(object.metadata.labels) && 'owner' in object.metadata.labels"}]}),
                ),
                binding("b", "p", json!({})),
            ],
            namespace("x", json!({})),
            "CREATE",
            true,
        ),
        (
            "excludeResourceRules",
            vec![
                vap(
                    "p",
                    json!({"matchConstraints": {"resourceRules": [{"apiGroups": ["*"], "apiVersions": ["*"], "operations": ["*"], "resources": ["*"]}],
            "excludeResourceRules": [{"apiGroups": [""], "apiVersions": ["*"], "operations": ["*"], "resources": ["namespaces"]}]},
            "validations": [{"expression": "false"}]}),
                ),
                binding("b", "p", json!({})),
            ],
            namespace("x", json!({})),
            "CREATE",
            false,
        ),
        (
            "validationActions Warn does not deny",
            vec![
                replicas(1),
                binding("b", "replica-limit", json!({"validationActions": ["Warn"]})),
            ],
            deployment("prod", "d", 9, json!({})),
            "CREATE",
            false,
        ),
        (
            "validationActions Audit does not deny",
            vec![
                replicas(1),
                binding(
                    "b",
                    "replica-limit",
                    json!({"validationActions": ["Audit"]}),
                ),
            ],
            deployment("prod", "d", 9, json!({})),
            "CREATE",
            false,
        ),
        (
            "validationActions Deny+Audit denies",
            vec![
                replicas(1),
                binding(
                    "b",
                    "replica-limit",
                    json!({"validationActions": ["Deny", "Audit"]}),
                ),
            ],
            deployment("prod", "d", 9, json!({})),
            "CREATE",
            true,
        ),
        (
            "binding matchResources namespaceSelector matches",
            vec![
                replicas(1),
                binding(
                    "b",
                    "replica-limit",
                    json!({"matchResources": {"namespaceSelector": {"matchLabels": {"env": "prod"}}}}),
                ),
            ],
            deployment("prod", "d", 9, json!({})),
            "CREATE",
            true,
        ),
        (
            "binding matchResources namespaceSelector excludes",
            vec![
                replicas(1),
                binding(
                    "b",
                    "replica-limit",
                    json!({"matchResources": {"namespaceSelector": {"matchLabels": {"env": "prod"}}}}),
                ),
            ],
            deployment("dev", "d", 9, json!({})),
            "CREATE",
            false,
        ),
        (
            "namespaceSelector by automatic name label",
            vec![
                replicas(1),
                binding(
                    "b",
                    "replica-limit",
                    json!({"matchResources": {"namespaceSelector": {"matchExpressions": [{"key": "kubernetes.io/metadata.name", "operator": "In", "values": ["dev"]}]}}}),
                ),
            ],
            deployment("dev", "d", 9, json!({})),
            "CREATE",
            true,
        ),
        (
            "objectSelector matches",
            vec![
                vap(
                    "p",
                    json!({"matchConstraints": {"resourceRules": deploy_rules()["resourceRules"], "objectSelector": {"matchLabels": {"tier": "web"}}}, "validations": [{"expression": "object.spec.replicas < 2"}]}),
                ),
                binding("b", "p", json!({})),
            ],
            deployment("prod", "d", 3, json!({"tier": "web"})),
            "CREATE",
            true,
        ),
        (
            "objectSelector excludes",
            vec![
                vap(
                    "p",
                    json!({"matchConstraints": {"resourceRules": deploy_rules()["resourceRules"], "objectSelector": {"matchLabels": {"tier": "web"}}}, "validations": [{"expression": "object.spec.replicas < 2"}]}),
                ),
                binding("b", "p", json!({})),
            ],
            deployment("prod", "d", 3, json!({"tier": "db"})),
            "CREATE",
            false,
        ),
        (
            "matchConditions false skips the policy",
            vec![
                vap(
                    "p",
                    json!({"matchConstraints": deploy_rules(), "matchConditions": [{"name": "not-system", "expression": "object.metadata.namespace != 'prod'"}], "validations": [{"expression": "false"}]}),
                ),
                binding("b", "p", json!({})),
            ],
            deployment("prod", "d", 1, json!({})),
            "CREATE",
            false,
        ),
        (
            "matchConditions true applies the policy",
            vec![
                vap(
                    "p",
                    json!({"matchConstraints": deploy_rules(), "matchConditions": [{"name": "not-system", "expression": "object.metadata.namespace != 'prod'"}], "validations": [{"expression": "false"}]}),
                ),
                binding("b", "p", json!({})),
            ],
            deployment("dev", "d", 1, json!({})),
            "CREATE",
            true,
        ),
        (
            "params from a ConfigMap: over",
            vec![params_policy.clone(), cm.clone(), pb("Deny")],
            deployment("prod", "d", 4, json!({})),
            "CREATE",
            true,
        ),
        (
            "params from a ConfigMap: within",
            vec![params_policy.clone(), cm.clone(), pb("Deny")],
            deployment("prod", "d", 3, json!({})),
            "CREATE",
            false,
        ),
        (
            "params missing with parameterNotFoundAction Deny",
            vec![params_policy.clone(), pb("Deny")],
            deployment("prod", "d", 1, json!({})),
            "CREATE",
            true,
        ),
        (
            "params missing with parameterNotFoundAction Allow",
            vec![params_policy.clone(), pb("Allow")],
            deployment("prod", "d", 1, json!({})),
            "CREATE",
            false,
        ),
        (
            "variables feed validations",
            vec![
                vap(
                    "p",
                    json!({"matchConstraints": pod_rules.clone(),
            "variables": [{"name": "images", "expression": "object.spec.containers.map(c, c.image)"}, {"name": "bad", "expression": "variables.images.filter(i, !i.startsWith('registry.corp.io/'))"}],
            "validations": [{"expression": "size(variables.bad) == 0", "messageExpression": "'images from other registries: ' + variables.bad.join(', ')"}]}),
                ),
                binding("b", "p", json!({})),
            ],
            pod("prod", "p", json!({}), "docker.io/nginx"),
            "CREATE",
            true,
        ),
        (
            "variables feed validations: allowed registry",
            vec![
                vap(
                    "p",
                    json!({"matchConstraints": pod_rules.clone(),
            "variables": [{"name": "images", "expression": "object.spec.containers.map(c, c.image)"}, {"name": "bad", "expression": "variables.images.filter(i, !i.startsWith('registry.corp.io/'))"}],
            "validations": [{"expression": "size(variables.bad) == 0"}]}),
                ),
                binding("b", "p", json!({})),
            ],
            pod("prod", "p", json!({}), "registry.corp.io/nginx"),
            "CREATE",
            false,
        ),
        (
            "runtime error with failurePolicy Fail denies",
            vec![
                vap(
                    "p",
                    json!({"matchConstraints": pod_rules.clone(), "validations": [{"expression": "object.spec.hostNetwork == false"}]}),
                ),
                binding("b", "p", json!({})),
            ],
            pod("prod", "p", json!({}), "x"),
            "CREATE",
            true,
        ),
        (
            "runtime error with failurePolicy Ignore admits",
            vec![
                vap(
                    "p",
                    json!({"failurePolicy": "Ignore", "matchConstraints": pod_rules.clone(), "validations": [{"expression": "object.spec.hostNetwork == false"}]}),
                ),
                binding("b", "p", json!({})),
            ],
            pod("prod", "p", json!({}), "x"),
            "CREATE",
            false,
        ),
        (
            "optional field access handles absence",
            vec![
                vap(
                    "p",
                    json!({"matchConstraints": pod_rules.clone(), "validations": [{"expression": "object.spec.?hostNetwork.orValue(false) == false"}]}),
                ),
                binding("b", "p", json!({})),
            ],
            pod("prod", "p", json!({}), "x"),
            "CREATE",
            false,
        ),
        (
            "every container runAsNonRoot",
            vec![
                vap(
                    "p",
                    json!({"matchConstraints": pod_rules.clone(), "validations": [{"expression": "object.spec.containers.all(c, c.?securityContext.?runAsNonRoot.orValue(false))"}]}),
                ),
                binding("b", "p", json!({})),
            ],
            pod("prod", "p", json!({}), "x"),
            "CREATE",
            true,
        ),
        (
            "request.operation and namespaceObject are visible",
            vec![
                vap(
                    "p",
                    json!({"matchConstraints": pod_rules.clone(), "validations": [{"expression": "request.operation == 'CREATE' && namespaceObject.metadata.labels.env != 'prod'"}]}),
                ),
                binding("b", "p", json!({})),
            ],
            pod("prod", "p", json!({}), "x"),
            "CREATE",
            true,
        ),
        (
            "namespaceObject of another namespace",
            vec![
                vap(
                    "p",
                    json!({"matchConstraints": pod_rules.clone(), "validations": [{"expression": "request.operation == 'CREATE' && namespaceObject.metadata.labels.env != 'prod'"}]}),
                ),
                binding("b", "p", json!({})),
            ],
            pod("dev", "p", json!({}), "x"),
            "CREATE",
            false,
        ),
        (
            "two bindings, both satisfied: admitted",
            vec![
                replicas(5),
                b(),
                vap(
                    "q",
                    json!({"matchConstraints": deploy_rules(), "validations": [{"expression": "has(object.metadata.labels)"}]}),
                ),
                binding("bq", "q", json!({})),
            ],
            deployment("prod", "d", 1, json!({})),
            "CREATE",
            false,
        ),
        (
            "resourceNames restrict the rule",
            vec![
                vap(
                    "p",
                    json!({"matchConstraints": {"resourceRules": [{"apiGroups": ["apps"], "apiVersions": ["v1"], "operations": ["CREATE"], "resources": ["deployments"], "resourceNames": ["critical"]}]}, "validations": [{"expression": "false"}]}),
                ),
                binding("b", "p", json!({})),
            ],
            deployment("prod", "other", 1, json!({})),
            "CREATE",
            false,
        ),
    ]
}

fn run(cases: Vec<Case>, gatekeeper: bool) -> Vec<String> {
    let mut failures = Vec::new();
    for (name, mut objects, object, operation, expect_denied) in cases {
        objects.extend(base());
        let request = Request {
            object: &object,
            operation,
        };
        let decision = if gatekeeper {
            let g = Gatekeeper::new(&objects);
            if !g.problems.is_empty() {
                failures.push(format!("{name}: problems {:?}", g.problems));
                continue;
            }
            g.decide(&request)
        } else {
            let v = Vaps::new(&objects);
            if !v.problems.is_empty() {
                failures.push(format!("{name}: problems {:?}", v.problems));
                continue;
            }
            v.decide(&request)
        };
        if decision.denied() != expect_denied {
            failures.push(format!(
                "{name}: expected {}, got {:?}",
                if expect_denied { "deny" } else { "admit" },
                decision
            ));
        }
    }
    failures
}

#[test]
fn gatekeeper_decides_like_gatekeeper() {
    let cases = gatekeeper_cases();
    assert!(cases.len() >= 30, "{}", cases.len());
    let failures = run(cases, true);
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn vap_decides_like_the_api_server() {
    let cases = vap_cases();
    assert!(cases.len() >= 30, "{}", cases.len());
    let failures = run(cases, false);
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn gatekeeper_messages_come_from_the_policy() {
    let objects = vec![
        template("k8sallowedrepos", "K8sAllowedRepos", ALLOWED_REPOS, &[]),
        constraint(
            "K8sAllowedRepos",
            "corp-only",
            json!({"parameters": {"repos": ["registry.corp.io/"]}}),
        ),
    ];
    let g = Gatekeeper::new(&objects);
    let p = pod("prod", "p", json!({}), "docker.io/nginx");
    let d = g.decide(&Request {
        object: &p,
        operation: "CREATE",
    });
    assert_eq!(d.denials.len(), 1, "{d:?}");
    assert!(
        d.denials[0]
            .contains("[corp-only] container <app> has an invalid image repo <docker.io/nginx>"),
        "{}",
        d.denials[0]
    );
}

#[test]
fn rego_that_does_not_compile_is_reported_with_its_line() {
    let bad = "package broken\n\nviolation[{\"msg\": msg}] {\n  msg := \n}\n";
    let objects = vec![
        template("broken", "K8sBroken", bad, &[]),
        constraint("K8sBroken", "c", json!({})),
    ];
    let g = Gatekeeper::new(&objects);
    assert_eq!(g.problems.len(), 1, "{:?}", g.problems);
    assert!(g.problems[0].contains("broken.rego:"), "{}", g.problems[0]);
    assert!(
        g.problems[0].contains("does not compile"),
        "{}",
        g.problems[0]
    );
}

#[test]
fn constraint_without_template_is_reported() {
    let objects = vec![constraint("K8sNothing", "c", json!({}))];
    let g = Gatekeeper::new(&objects);
    assert!(
        g.problems
            .iter()
            .any(|p| p.contains("no ConstraintTemplate defines kind K8sNothing")),
        "{:?}",
        g.problems
    );
}

#[test]
fn template_without_violation_rule_is_reported() {
    let objects = vec![template(
        "t",
        "K8sT",
        "package t\ndeny[msg] { msg := \"x\" }\n",
        &[],
    )];
    let g = Gatekeeper::new(&objects);
    assert!(
        g.problems.iter().any(|p| p.contains("no `violation` rule")),
        "{:?}",
        g.problems
    );
}

#[test]
fn cel_that_does_not_compile_is_reported_with_its_position() {
    let objects = vec![
        vap(
            "p",
            json!({"matchConstraints": deploy_rules(), "validations": [{"expression": "object.spec.replicas <= "}]}),
        ),
        binding("b", "p", json!({})),
        binding("orphan", "missing", json!({})),
    ];
    let v = Vaps::new(&objects);
    assert!(
        v.problems
            .iter()
            .any(|p| p.contains("spec.validations[0].expression does not compile at line 1")),
        "{:?}",
        v.problems
    );
    assert!(
        v.problems
            .iter()
            .any(|p| p.contains("policy \"missing\" does not exist")),
        "{:?}",
        v.problems
    );
}

#[test]
fn vap_message_expression_is_used() {
    let objects = vec![
        vap(
            "p",
            json!({"matchConstraints": deploy_rules(), "validations": [{"expression": "object.spec.replicas <= 2", "messageExpression": "'asked for ' + string(object.spec.replicas) + ' replicas'"}]}),
        ),
        binding("b", "p", json!({})),
    ];
    let v = Vaps::new(&objects);
    let d = deployment("prod", "d", 7, json!({}));
    let decision = v.decide(&Request {
        object: &d,
        operation: "CREATE",
    });
    assert_eq!(
        decision.denials,
        vec!["[p (binding b)] asked for 7 replicas".to_owned()]
    );
}

fn arb_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        (-3i64..10).prop_map(|n| json!(n)),
        prop::sample::select(vec![
            "*",
            "",
            "v1",
            "apps",
            "pods",
            "CREATE",
            "Deny",
            "Warn",
            "prod",
            "object.spec.replicas < 3",
            "true",
            "nope(",
            "deny",
            "dryrun"
        ])
        .prop_map(|s| json!(s)),
    ];
    leaf.prop_recursive(4, 48, 5, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::btree_map(
                prop::sample::select(vec![
                    "match",
                    "kinds",
                    "apiGroups",
                    "namespaces",
                    "labelSelector",
                    "matchLabels",
                    "parameters",
                    "labels",
                    "enforcementAction",
                    "resourceRules",
                    "apiVersions",
                    "resources",
                    "operations",
                    "validations",
                    "expression",
                    "matchConditions",
                    "name",
                    "paramRef",
                    "validationActions",
                    "namespaceSelector",
                    "objectSelector",
                    "scope"
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
    #![proptest_config(ProptestConfig::with_cases(200))]
    #[test]
    fn arbitrary_policies_never_panic(c_spec in arb_json(), v_spec in arb_json(), b_spec in arb_json(), labels in arb_json()) {
        let objects = vec![
            template("k8srequiredlabels", "K8sRequiredLabels", REQUIRED_LABELS, &[]),
            constraint("K8sRequiredLabels", "c", c_spec),
            vap("p", v_spec),
            json!({"apiVersion": "admissionregistration.k8s.io/v1", "kind": "ValidatingAdmissionPolicyBinding", "metadata": {"name": "b"}, "spec": b_spec}),
            namespace("prod", json!({})),
        ];
        let object = json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"namespace": "prod", "name": "p", "labels": labels}, "spec": {"containers": []}});
        let request = Request { object: &object, operation: "CREATE" };
        let _ = Gatekeeper::new(&objects).decide(&request);
        let _ = Vaps::new(&objects).decide(&request);
    }
}
