//! The policy playground on the two classic exercises (a Gatekeeper required-labels policy and
//! a ValidatingAdmissionPolicy replicas limit), plain Rego, and every kind of bad input with its
//! position.

#![allow(clippy::unwrap_used)]

use cks_checks::play::{PlayMode, PlayRequest, play};

const REQUIRED_LABELS: &str = r#"apiVersion: templates.gatekeeper.sh/v1
kind: ConstraintTemplate
metadata:
  name: k8srequiredlabels
spec:
  crd:
    spec:
      names:
        kind: K8sRequiredLabels
      validation:
        openAPIV3Schema:
          type: object
          properties:
            labels:
              type: array
              items: {type: string}
  targets:
    - target: admission.k8s.gatekeeper.sh
      rego: |
        package k8srequiredlabels

        violation[{"msg": msg}] {
          provided := {l | input.review.object.metadata.labels[l]}
          required := {l | l := input.parameters.labels[_]}
          missing := required - provided
          count(missing) > 0
          msg := sprintf("missing labels: %v", [missing])
        }
---
apiVersion: constraints.gatekeeper.sh/v1beta1
kind: K8sRequiredLabels
metadata:
  name: ns-must-have-owner
spec:
  match:
    kinds:
      - apiGroups: [""]
        kinds: ["Namespace"]
  parameters:
    labels: ["owner"]
"#;

const NAMESPACES: &str = r#"apiVersion: v1
kind: Namespace
metadata:
  name: team-a
  labels: {owner: alice}
---
apiVersion: v1
kind: Namespace
metadata:
  name: team-b
---
apiVersion: v1
kind: Pod
metadata: {name: web, namespace: team-b}
spec:
  containers: [{name: web, image: nginx}]
"#;

const REPLICAS_LIMIT: &str = r#"apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicy
metadata:
  name: replicas-limit
spec:
  failurePolicy: Fail
  matchConstraints:
    resourceRules:
      - apiGroups: ["apps"]
        apiVersions: ["v1"]
        operations: ["CREATE", "UPDATE"]
        resources: ["deployments"]
  validations:
    - expression: "object.spec.replicas <= 5"
      messageExpression: "'replicas must be at most 5, got ' + string(object.spec.replicas)"
---
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicyBinding
metadata:
  name: replicas-limit
spec:
  policyName: replicas-limit
  validationActions: ["Deny"]
"#;

fn deployment(name: &str, replicas: u32) -> String {
    format!(
        "apiVersion: apps/v1\nkind: Deployment\nmetadata: {{name: {name}, namespace: default}}\nspec:\n  replicas: {replicas}\n  selector: {{matchLabels: {{app: {name}}}}}\n  template:\n    metadata: {{labels: {{app: {name}}}}}\n    spec: {{containers: [{{name: c, image: nginx}}]}}\n"
    )
}

fn request(mode: PlayMode, policy: &str, input: &str) -> PlayRequest {
    PlayRequest {
        mode,
        policy: policy.into(),
        input: input.into(),
        query: None,
        operation: None,
    }
}

#[test]
fn gatekeeper_required_labels_admits_the_labelled_namespace_only() {
    let r = play(&request(PlayMode::Gatekeeper, REQUIRED_LABELS, NAMESPACES));
    assert!(r.problems.is_empty(), "{:?}", r.problems);
    assert_eq!(r.in_force, 1);
    let by_object: Vec<(&str, bool)> = r
        .decisions
        .iter()
        .map(|d| (d.object.as_str(), d.allowed))
        .collect();
    assert_eq!(by_object.len(), 3, "{by_object:?}");
    assert!(by_object[0].1, "team-a has its owner label");
    assert!(!by_object[1].1, "team-b has none");
    assert!(by_object[2].1, "the Pod is not matched by the constraint");
    assert!(
        r.decisions[1].denials[0].contains("owner"),
        "{:?}",
        r.decisions[1]
    );
}

#[test]
fn vap_replicas_limit_denies_above_five_with_its_message() {
    let input = format!("{}---\n{}", deployment("small", 3), deployment("big", 9));
    let r = play(&request(PlayMode::Vap, REPLICAS_LIMIT, &input));
    assert!(r.problems.is_empty(), "{:?}", r.problems);
    assert_eq!(r.in_force, 1);
    assert!(r.decisions[0].allowed);
    assert!(!r.decisions[1].allowed);
    assert!(
        r.decisions[1].denials[0].contains("replicas must be at most 5, got 9"),
        "{:?}",
        r.decisions[1]
    );
    // UPDATE is matched too; DELETE is not.
    let mut delete = request(PlayMode::Vap, REPLICAS_LIMIT, &deployment("big", 9));
    delete.operation = Some("DELETE".into());
    assert!(play(&delete).decisions[0].allowed);
}

#[test]
fn a_rego_compile_error_points_into_the_yaml() {
    let broken = REQUIRED_LABELS.replace("count(missing) > 0", "count(missing) >");
    let r = play(&request(PlayMode::Gatekeeper, &broken, NAMESPACES));
    let p = r.problems.iter().find(|p| p.source == "policy").unwrap();
    let line_text = broken.lines().nth(p.line as usize - 1).unwrap_or_default();
    assert!(
        p.line >= 24 && p.line <= 28,
        "line {} ({line_text:?}) for {p:?}",
        p.line
    );
    assert!(p.column > 0, "{p:?}");
}

#[test]
fn a_cel_compile_error_points_at_its_expression_line() {
    let broken = REPLICAS_LIMIT.replace("object.spec.replicas <= 5", "object.spec.replicas <=");
    let r = play(&request(PlayMode::Vap, &broken, &deployment("x", 1)));
    let p = r
        .problems
        .iter()
        .find(|p| p.message.contains("does not compile"))
        .unwrap_or_else(|| panic!("{:?}", r.problems));
    let expected = broken
        .lines()
        .position(|l| l.contains("object.spec.replicas <=\""))
        .unwrap()
        + 1;
    assert_eq!(p.line as usize, expected, "{p:?}");
}

#[test]
fn yaml_errors_carry_their_position_and_side() {
    let r = play(&request(
        PlayMode::Vap,
        REPLICAS_LIMIT,
        "kind: Pod\nmetadata: [unclosed\n",
    ));
    assert_eq!(r.problems.len(), 1, "{:?}", r.problems);
    assert_eq!(r.problems[0].source, "input");
    assert!(r.problems[0].line >= 2, "{:?}", r.problems[0]);
    assert!(r.decisions.is_empty());
}

#[test]
fn nothing_enforced_and_nothing_to_admit_are_said() {
    let only_template = REQUIRED_LABELS.split("---").next().unwrap();
    let r = play(&request(PlayMode::Gatekeeper, only_template, NAMESPACES));
    assert!(
        r.problems
            .iter()
            .any(|p| p.message.contains("nothing is enforced"))
    );
    let r = play(&request(PlayMode::Gatekeeper, REQUIRED_LABELS, ""));
    assert!(
        r.problems
            .iter()
            .any(|p| p.message.contains("no object to admit"))
    );
}

#[test]
fn plain_rego_evaluates_a_query_over_an_input_document() {
    let policy = "package demo\n\nimport rego.v1\n\ndeny contains msg if {\n  input.user == \"mallory\"\n  msg := \"mallory may not\"\n}\n\nallow if count(deny) == 0\n";
    let mut req = request(PlayMode::Rego, policy, "user: mallory\n");
    req.query = Some("data.demo.deny".into());
    let r = play(&req);
    assert!(r.problems.is_empty(), "{:?}", r.problems);
    assert_eq!(r.value, Some(serde_json::json!(["mallory may not"])));
    // The whole package by default.
    let r = play(&request(PlayMode::Rego, policy, "{\"user\": \"alice\"}"));
    assert_eq!(r.value.unwrap()["allow"], serde_json::json!(true));

    let r = play(&request(
        PlayMode::Rego,
        "package demo\n\nallow {\n  input.x ==\n}\n",
        "{}",
    ));
    assert_eq!(r.problems.len(), 1);
    let p = &r.problems[0];
    assert_eq!((p.line, p.column), (3, 7), "{p:?}");
    assert!(
        p.message.starts_with("-->") && p.message.contains("expecting }"),
        "{p:?}"
    );
}
