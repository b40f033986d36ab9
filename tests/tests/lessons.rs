//! Content checks that keep lessons honest: every competency and domain has lessons meeting the
//! bar, links resolve (labs not written yet are listed as pending), YAML blocks parse and every
//! Kubernetes object in them deserializes into its k8s-openapi type with no unknown field, and
//! hostile markdown renders inert.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use cks_content::lessons::{LessonKind, LessonLibrary, markdown_to_safe_html};
use pulldown_cmark::{CodeBlockKind, Event, Options, Parser, Tag, TagEnd};
use serde_json::Value as Json;

fn library() -> LessonLibrary {
    LessonLibrary::load(&cks_tests::repo_root().join("content")).unwrap_or_else(|problems| {
        panic!(
            "lesson problems:\n{}",
            problems
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join("\n")
        )
    })
}

fn lab_titles() -> std::collections::BTreeMap<String, String> {
    cks_labs::discover(&cks_tests::repo_root().join("labs"))
        .iter()
        .filter_map(|d| cks_labs::load(d).ok())
        .map(|l| (l.lab.id.clone(), l.lab.title.clone()))
        .collect()
}

#[test]
fn every_competency_and_domain_has_lessons_meeting_the_bar() {
    let lib = library();
    let curriculum = cks_content::curriculum();
    let mut failures = Vec::new();
    for domain in &curriculum.domains {
        let overviews: Vec<_> = lib
            .lessons()
            .iter()
            .filter(|l| l.meta.domain == domain.id && l.meta.kind == LessonKind::Overview)
            .collect();
        if overviews.len() != 1 {
            failures.push(format!(
                "domain {} has {} overview lessons, expected 1",
                domain.id,
                overviews.len()
            ));
        }
        for c in &domain.competencies {
            if !lib
                .lessons()
                .iter()
                .any(|l| l.meta.competencies.contains(&c.id))
            {
                failures.push(format!("competency {} has no lesson", c.id));
            }
        }
    }
    for l in lib.lessons() {
        let (min_words, needs_examples) = match l.meta.kind {
            LessonKind::Overview => (400, false),
            LessonKind::Lesson => (700, true),
        };
        if l.words < min_words {
            failures.push(format!(
                "{}: {} words of prose, expected at least {min_words}",
                l.meta.id, l.words
            ));
        }
        if needs_examples
            && !(l.body.contains("## Worked example 1") && l.body.contains("## Worked example 2"))
        {
            failures.push(format!(
                "{}: needs two worked examples (## Worked example 1 / 2)",
                l.meta.id
            ));
        }
        if !(3..=5).contains(&l.meta.quiz.len()) {
            failures.push(format!(
                "{}: {} quiz questions, expected 3-5",
                l.meta.id,
                l.meta.quiz.len()
            ));
        }
        if l.meta.kind == LessonKind::Lesson && l.meta.docs.is_empty() {
            failures.push(format!(
                "{}: list the kubernetes.io pages to know",
                l.meta.id
            ));
        }
    }
    assert!(
        lib.lessons().len() >= 32,
        "expected 32+ lessons, found {}",
        lib.lessons().len()
    );
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn links_resolve_and_pending_labs_are_listed() {
    let lib = library();
    let labs = lab_titles();
    let pending = lib.pending_labs(&|id| labs.get(id).cloned());
    let mut by_lab = std::collections::BTreeMap::<&str, Vec<&str>>::new();
    for (lesson, lab) in &pending {
        by_lab.entry(lab).or_default().push(lesson);
    }
    eprintln!("{} lab links pending (labs not written yet):", by_lab.len());
    for (lab, lessons) in &by_lab {
        eprintln!("  {lab}: linked from {}", lessons.join(", "));
    }
    // Every existing lab id a lesson names must render as a link, not as "coming soon".
    for l in lib.lessons() {
        let html = lib
            .render_html(&l.meta.id, &|id| labs.get(id).cloned())
            .unwrap()
            .unwrap();
        for lab in l.meta.labs.iter().filter(|id| labs.contains_key(*id)) {
            assert!(
                html.contains(&format!("ckslab://lab/{lab}"))
                    || !l.body.contains(&format!("lab(id=\"{lab}\")")),
                "{}: lab {lab} not linked",
                l.meta.id
            );
        }
        for shortcode in ["{{ lab(", "{{ lesson(", "{{ k8s("] {
            assert!(
                !html.contains(shortcode),
                "{}: unrendered shortcode {shortcode}",
                l.meta.id
            );
        }
    }
    // A lab that exists is never reported pending.
    assert!(pending.iter().all(|(_, lab)| !labs.contains_key(lab)));
}

/// Kinds outside k8s-openapi that lessons legitimately show: parsed as YAML only.
const CONFIG_GROUPS: &[&str] = &[
    "kubelet.config.k8s.io",
    "audit.k8s.io",
    "apiserver.config.k8s.io",
    "kind.x-k8s.io",
    "templates.gatekeeper.sh",
    "constraints.gatekeeper.sh",
    "cilium.io",
    "security.istio.io",
    "networking.istio.io",
    "imagepolicy.k8s.io",
    "kubeadm.k8s.io",
    "kubeproxy.config.k8s.io",
    "falco.org",
];

macro_rules! typed_kinds {
    ($value:expr, $( $kind:literal => $ty:ty ),* $(,)?) => {{
        let value: &Json = $value;
        match value["kind"].as_str().unwrap_or_default() {
            $( $kind => Some(serde_json::from_value::<$ty>(value.clone()).map_err(|e| e.to_string()).and_then(|t| serde_json::to_value(t).map_err(|e| e.to_string()))), )*
            _ => None,
        }
    }};
}

fn round_trip(value: &Json) -> Option<Result<Json, String>> {
    use k8s_openapi::api::{
        admissionregistration::v1 as adm, apps::v1 as apps, batch::v1 as batch,
        certificates::v1 as cert, core::v1 as core,
    };
    use k8s_openapi::api::{
        networking::v1 as net, node::v1 as node, policy::v1 as policy, rbac::v1 as rbac,
        scheduling::v1 as sched, storage::v1 as storage,
    };
    typed_kinds!(value,
        "Pod" => core::Pod, "Service" => core::Service, "ConfigMap" => core::ConfigMap, "Secret" => core::Secret,
        "Namespace" => core::Namespace, "ServiceAccount" => core::ServiceAccount, "PersistentVolumeClaim" => core::PersistentVolumeClaim,
        "PersistentVolume" => core::PersistentVolume, "LimitRange" => core::LimitRange, "ResourceQuota" => core::ResourceQuota, "Node" => core::Node,
        "Endpoints" => core::Endpoints,
        "Deployment" => apps::Deployment, "DaemonSet" => apps::DaemonSet, "StatefulSet" => apps::StatefulSet, "ReplicaSet" => apps::ReplicaSet,
        "Job" => batch::Job, "CronJob" => batch::CronJob,
        "Role" => rbac::Role, "ClusterRole" => rbac::ClusterRole, "RoleBinding" => rbac::RoleBinding, "ClusterRoleBinding" => rbac::ClusterRoleBinding,
        "NetworkPolicy" => net::NetworkPolicy, "Ingress" => net::Ingress, "IngressClass" => net::IngressClass,
        "RuntimeClass" => node::RuntimeClass, "PodDisruptionBudget" => policy::PodDisruptionBudget, "PriorityClass" => sched::PriorityClass,
        "StorageClass" => storage::StorageClass, "CertificateSigningRequest" => cert::CertificateSigningRequest,
        "ValidatingAdmissionPolicy" => adm::ValidatingAdmissionPolicy, "ValidatingAdmissionPolicyBinding" => adm::ValidatingAdmissionPolicyBinding,
        "ValidatingWebhookConfiguration" => adm::ValidatingWebhookConfiguration, "MutatingWebhookConfiguration" => adm::MutatingWebhookConfiguration,
    )
}

/// Keys of `original` that the typed round trip dropped: misspelled or unknown fields.
fn unknown_fields(original: &Json, typed: &Json, path: &str, out: &mut Vec<String>) {
    match (original, typed) {
        (Json::Object(a), Json::Object(b)) => {
            for (k, v) in a {
                let p = format!("{path}.{k}");
                match b.get(k) {
                    // An empty object (`status: {}`) or null is dropped by the round trip, not misspelled.
                    None if !v.is_null()
                        && !v.as_object().is_some_and(serde_json::Map::is_empty) =>
                    {
                        out.push(p)
                    }
                    Some(bv) => unknown_fields(v, bv, &p, out),
                    None => {}
                }
            }
        }
        (Json::Array(a), Json::Array(b)) => {
            for (i, (x, y)) in a.iter().zip(b).enumerate() {
                unknown_fields(x, y, &format!("{path}[{i}]"), out);
            }
        }
        _ => {}
    }
}

#[test]
fn yaml_blocks_parse_and_objects_are_real_kinds_with_real_fields() {
    let lib = library();
    let mut failures = Vec::new();
    let (mut blocks, mut typed) = (0, 0);
    for l in lib.lessons() {
        let mut in_yaml = false;
        let mut code = String::new();
        for event in Parser::new_ext(&l.body, Options::all()) {
            match event {
                Event::Start(Tag::CodeBlock(CodeBlockKind::Fenced(lang)))
                    if lang.as_ref() == "yaml" =>
                {
                    in_yaml = true;
                    code.clear();
                }
                Event::Text(t) if in_yaml => code.push_str(&t),
                Event::End(TagEnd::CodeBlock) if in_yaml => {
                    in_yaml = false;
                    blocks += 1;
                    let docs: Vec<Json> = match serde_saphyr::from_str_multiple(&code) {
                        Ok(d) => d,
                        Err(e) => {
                            failures.push(format!("{}: YAML block does not parse: {e}", l.meta.id));
                            continue;
                        }
                    };
                    for doc in docs
                        .iter()
                        .filter(|d| d.get("apiVersion").is_some() && d.get("kind").is_some())
                    {
                        let api = doc["apiVersion"].as_str().unwrap_or_default();
                        let group = api.split_once('/').map_or("", |(g, _)| g);
                        match round_trip(doc) {
                            Some(Ok(back)) => {
                                typed += 1;
                                let mut unknown = Vec::new();
                                unknown_fields(doc, &back, "", &mut unknown);
                                if !unknown.is_empty() {
                                    failures.push(format!(
                                        "{}: {} {} has unknown fields {unknown:?}",
                                        l.meta.id, api, doc["kind"]
                                    ));
                                }
                            }
                            Some(Err(e)) => failures
                                .push(format!("{}: {} {}: {e}", l.meta.id, api, doc["kind"])),
                            None if CONFIG_GROUPS.contains(&group) => {}
                            None => failures.push(format!(
                                "{}: {} {} is not a kind this check knows",
                                l.meta.id, api, doc["kind"]
                            )),
                        }
                    }
                }
                _ => {}
            }
        }
    }
    eprintln!("{blocks} YAML blocks parsed, {typed} Kubernetes objects type-checked");
    assert!(typed > 20, "lessons show real manifests");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn hostile_markdown_renders_inert_snapshot() {
    let hostile = include_str!("fixtures/hostile-lesson.md");
    let html = markdown_to_safe_html(hostile);
    let path = cks_tests::repo_root().join("tests/tests/fixtures/hostile-lesson.html");
    if std::env::var_os("UPDATE_SNAPSHOTS").is_some() {
        std::fs::write(&path, &html).unwrap();
    }
    let want = std::fs::read_to_string(&path).unwrap_or_default();
    assert_eq!(
        html, want,
        "sanitized output changed; review and rerun with UPDATE_SNAPSHOTS=1"
    );
    let lower = html.to_lowercase();
    for bad in [
        "<script",
        "javascript:",
        "onerror",
        "onload",
        "onclick",
        "onmouseover",
        "<iframe",
        "<object",
        "<embed",
        "<style",
        "data:text/html",
        "vbscript:",
        "<form",
    ] {
        assert!(!lower.contains(bad), "{bad} survived");
    }
    // What lessons need survives: links into the app and to the docs, code, callouts.
    for good in [
        "href=\"ckslab://lab/pss-restrict-namespace\"",
        "href=\"https://kubernetes.io/docs/\"",
        "class=\"language-yaml\"",
        "markdown-alert-warning",
        "<b>bold</b>",
    ] {
        assert!(html.contains(good), "{good} was removed");
    }
}
