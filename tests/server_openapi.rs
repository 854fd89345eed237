//! `assets/openapi.yaml` and the server's routes agree, both ways.

mod server_support;

use std::collections::BTreeSet;

use licencias::server::{ServerConfig, mounted_routes, spawn};
use reqwest::{Method, StatusCode};
use server_support::Api;

const OPENAPI: &str = include_str!("../assets/openapi.yaml");

/// `(METHOD, path)` pairs under `paths:` (two-space path keys, four-space methods).
fn documented_routes() -> BTreeSet<(String, String)> {
    let mut out = BTreeSet::new();
    let mut in_paths = false;
    let mut current: Option<String> = None;
    for line in OPENAPI.lines() {
        if !line.starts_with(' ') && !line.trim().is_empty() {
            in_paths = line.trim_end() == "paths:";
            current = None;
            continue;
        }
        if !in_paths {
            continue;
        }
        if let Some(rest) = line.strip_prefix("  ")
            && rest.starts_with('/')
        {
            current = Some(rest.trim_end().trim_end_matches(':').to_string());
            continue;
        }
        if let (Some(path), Some(rest)) = (&current, line.strip_prefix("    "))
            && !rest.starts_with(' ')
        {
            let key = rest.trim_end().trim_end_matches(':');
            if ["get", "post", "put", "patch", "delete"].contains(&key) {
                out.insert((key.to_uppercase(), path.clone()));
            }
        }
    }
    out
}

#[test]
fn every_mounted_route_is_documented_and_vice_versa() {
    let mounted: BTreeSet<(String, String)> = mounted_routes()
        .into_iter()
        .map(|(m, p)| (m.to_string(), p.to_string()))
        .collect();
    let documented = documented_routes();
    assert!(documented.len() >= 11, "{documented:?}");
    let missing: Vec<_> = mounted.difference(&documented).collect();
    let extra: Vec<_> = documented.difference(&mounted).collect();
    assert!(
        missing.is_empty(),
        "mounted but not in openapi.yaml: {missing:?}"
    );
    assert!(
        extra.is_empty(),
        "in openapi.yaml but not mounted: {extra:?}"
    );
}

#[test]
fn the_file_is_openapi_3_1_with_the_base_path() {
    assert!(OPENAPI.starts_with("openapi: 3.1"));
    assert!(OPENAPI.contains("/api/v1"));
}

#[tokio::test]
async fn every_documented_route_answers_over_http_and_others_do_not() {
    let server = spawn(ServerConfig::default()).await.unwrap();
    let api = Api::new(&server);
    for (method, path) in documented_routes() {
        let url = format!("{}{}", api.base, path.replace("{id}", "x1"));
        let m = Method::from_bytes(method.as_bytes()).unwrap();
        let a = api.send(api.http.request(m, &url)).await;
        // Unmounted routes answer 404 (or 405); mounted ones check the token or the body first.
        assert!(
            !matches!(
                a.status,
                StatusCode::NOT_FOUND | StatusCode::METHOD_NOT_ALLOWED
            ),
            "{method} {path}: {} {}",
            a.status,
            a.body
        );
        assert!(a.status.is_success() || a.body["error"]["code"].is_string());
    }
    for (method, path) in [
        ("GET", "/nope"),
        ("PUT", "/policy"),
        ("GET", "/subscriptions"),
    ] {
        let m = Method::from_bytes(method.as_bytes()).unwrap();
        let a = api
            .send(api.http.request(m, format!("{}{path}", api.base)))
            .await;
        assert!(
            matches!(
                a.status,
                StatusCode::NOT_FOUND | StatusCode::METHOD_NOT_ALLOWED
            ),
            "{method} {path}: {}",
            a.status
        );
        assert!(a.body["error"]["code"].is_string(), "{}", a.body);
    }
    server.shutdown().await;
}
