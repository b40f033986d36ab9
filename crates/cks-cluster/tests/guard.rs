//! Guard rails and exact requests, against a tower-test mock API server: a refused cluster gets
//! zero requests; an owned one gets server-side apply with field manager `ckslab`, `force`, and
//! the lab label.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Duration;

use cks_cluster::{ClusterError, ClusterIdentity, Connection, LAB_LABEL, Registry};
use http::{Request, Response};
use kube::client::Body;
use serde_json::json;

fn mock() -> (
    Connection,
    tower_test::mock::Handle<Request<Body>, Response<Body>>,
) {
    let (service, handle) = tower_test::mock::pair::<Request<Body>, Response<Body>>();
    let client = kube::Client::new(service, "default");
    let identity = ClusterIdentity {
        server: "https://10.9.8.7:6443".into(),
        ca_sha256: "ab".repeat(32),
    };
    (
        Connection::with_client(client, identity, "someone-elses-prod"),
        handle,
    )
}

fn object() -> serde_json::Value {
    json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "settings", "namespace": "team"}, "data": {"a": "b"}})
}

#[tokio::test]
async fn an_unregistered_cluster_is_refused_before_any_request() {
    let (connection, mut handle) = mock();
    let data = tempfile::tempdir().unwrap();
    let registry = Registry::load(data.path()).unwrap();
    let err = registry.authorize(&connection).unwrap_err();
    assert!(matches!(err, ClusterError::NotRegistered { .. }), "{err}");
    let message = err.to_string();
    assert!(
        message.contains("someone-elses-prod") && message.contains("ckslab cluster register"),
        "{message}"
    );
    // Nothing reached the API server.
    let next = tokio::time::timeout(Duration::from_millis(200), handle.next_request()).await;
    assert!(
        next.is_err() || next.unwrap().is_none(),
        "a refused cluster must receive zero requests"
    );
}

#[tokio::test]
async fn a_registered_cluster_gets_server_side_apply_with_the_lab_label() {
    let (connection, mut handle) = mock();
    let data = tempfile::tempdir().unwrap();
    let mut registry = Registry::load(data.path()).unwrap();
    registry
        .register("cks", &connection.identity, true)
        .unwrap();
    // The registry persists.
    let registry = Registry::load(data.path()).unwrap();
    let owned = registry.authorize(&connection).unwrap();

    let server = tokio::spawn(async move {
        // 1. discovery of v1
        let (request, send) = handle.next_request().await.expect("discovery request");
        assert_eq!(request.uri().path(), "/api/v1");
        let resources = json!({"kind": "APIResourceList", "apiVersion": "v1", "groupVersion": "v1", "resources": [
            {"name": "configmaps", "singularName": "", "namespaced": true, "kind": "ConfigMap", "verbs": ["create", "delete", "get", "list", "patch", "update", "watch"]}]});
        send.send_response(
            Response::builder()
                .body(Body::from(serde_json::to_vec(&resources).unwrap()))
                .unwrap(),
        );
        // 2. the apply
        let (request, send) = handle.next_request().await.expect("apply request");
        assert_eq!(request.method(), http::Method::PATCH);
        assert_eq!(
            request.uri().path(),
            "/api/v1/namespaces/team/configmaps/settings"
        );
        let query = request.uri().query().unwrap_or_default().to_owned();
        assert!(
            query.contains("fieldManager=ckslab") && query.contains("force=true"),
            "{query}"
        );
        assert_eq!(
            request.headers()["content-type"],
            "application/apply-patch+yaml"
        );
        let body = http_body_util::BodyExt::collect(request.into_body())
            .await
            .unwrap()
            .to_bytes();
        let sent: serde_json::Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(sent["metadata"]["labels"][LAB_LABEL], "my-lab");
        assert_eq!(sent["data"]["a"], "b");
        send.send_response(
            Response::builder()
                .body(Body::from(serde_json::to_vec(&sent).unwrap()))
                .unwrap(),
        );
    });
    let applied = owned
        .apply("my-lab", "setup/cm.yaml", &[object()])
        .await
        .unwrap();
    server.await.unwrap();
    assert_eq!(applied.len(), 1);
    assert_eq!(applied[0].namespace.as_deref(), Some("team"));
}
