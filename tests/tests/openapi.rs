//! The hub's OpenAPI document (`ringside_core::hub::openapi()`) against what is committed and
//! what the hub serves.
//!
//! - `docs/openapi.json` is the generated document, byte for byte: it cannot drift from the
//!   code. `RINGSIDE_BLESS=1 cargo test -p ringside-tests --test openapi` rewrites it.
//! - Every path and method the document has is served by a running hub (answered by a handler,
//!   not by the fallback's 404 `not_found` "there is no such route" nor by a 405), and every
//!   other method on those paths is a 405: the hub serves nothing there that is not documented.
//! - A path the document lacks cannot be served either: the hub's routers are built with
//!   utoipa-axum's `routes!` from the same `#[utoipa::path(...)]` that documents each handler,
//!   and the last test refuses any other way of registering a route in the hub's sources.

// Test code may panic: `unwrap` and `expect` are how it fails.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::PathBuf;

use ringside_core::rules::Settings;
use ringside_tests::hubs::start_hub;
use ringside_tests::TestApp;
use serde_json::Value;

fn root() -> PathBuf {
    ringside_tests::workspace_root()
}

/// The document as `docs/openapi.json` holds it: pretty-printed, with a final newline.
fn generated() -> String {
    let mut json = ringside_core::hub::openapi()
        .to_pretty_json()
        .expect("the document serializes");
    json.push('\n');
    json
}

#[test]
fn the_committed_document_is_the_generated_one() {
    let path = root().join("docs/openapi.json");
    let generated = generated();
    if std::env::var("RINGSIDE_BLESS").as_deref() == Ok("1") {
        std::fs::write(&path, &generated).unwrap();
        return;
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    if committed == generated {
        return;
    }
    let differs = committed
        .lines()
        .zip(generated.lines())
        .position(|(a, b)| a != b)
        .unwrap_or_else(|| committed.lines().count().min(generated.lines().count()));
    panic!(
        "docs/openapi.json is not the hub's document (first difference at line {}: {:?}, generated {:?}); \
         regenerate it with `RINGSIDE_BLESS=1 cargo test -p ringside-tests --test openapi` and commit it",
        differs + 1,
        committed.lines().nth(differs).unwrap_or("<end>"),
        generated.lines().nth(differs).unwrap_or("<end>"),
    );
}

/// Every path of the document, with its documented methods (lower case).
fn documented() -> Vec<(String, Vec<String>)> {
    let document: Value = serde_json::from_str(&generated()).unwrap();
    let paths = document["paths"]
        .as_object()
        .expect("the document has paths");
    paths
        .iter()
        .map(|(path, item)| {
            let methods = item
                .as_object()
                .unwrap()
                .keys()
                .filter(|k| METHODS.contains(&k.to_uppercase().as_str()))
                .cloned()
                .collect();
            (path.clone(), methods)
        })
        .collect()
}

const METHODS: [&str; 7] = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"];

/// A documented path with a value in each parameter.
fn concrete(path: &str) -> String {
    path.replace("{id}", "1").replace("{name}", "vip")
}

/// How the hub answered a request: by a handler, by the fallback (no such route) or with a
/// 405 (no such method there).
#[derive(Debug, PartialEq, Eq)]
enum Answer {
    Served(u16),
    NoSuchRoute,
    NoSuchMethod,
}

async fn probe(client: &reqwest::Client, base: &str, method: &str, path: &str) -> Answer {
    let method = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
    let head = method == reqwest::Method::HEAD;
    let response = client
        .request(method, format!("{base}{path}"))
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    if status == 405 {
        return Answer::NoSuchMethod;
    }
    if status != 404 {
        return Answer::Served(status);
    }
    // A HEAD answer has no body: a 404 to it is taken for the fallback's, unless it is a page
    // (the fallback answers JSON; a sign-in page says in words that sign-in is off).
    if head {
        let page = response
            .headers()
            .get(reqwest::header::CONTENT_TYPE)
            .is_some_and(|v| v.as_bytes().starts_with(b"text/html"));
        return if page {
            Answer::Served(status)
        } else {
            Answer::NoSuchRoute
        };
    }
    let body: Value = response.json().await.unwrap_or(Value::Null);
    if body["error"]["code"] == "not_found" && body["error"]["message"] == "there is no such route"
    {
        Answer::NoSuchRoute
    } else {
        Answer::Served(status)
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn the_hub_serves_exactly_the_documented_paths_and_methods() {
    let app = TestApp::demo().await;
    let hub = start_hub(&app, Settings::default()).await;
    let base = format!("http://{}", hub.local_addr());
    let client = reqwest::Client::new();

    // The probe tells the three apart.
    assert_eq!(
        probe(&client, &base, "GET", "/api/v1/no-such-route").await,
        Answer::NoSuchRoute
    );
    assert_eq!(
        probe(&client, &base, "PATCH", "/healthz").await,
        Answer::NoSuchMethod
    );
    assert_eq!(
        probe(&client, &base, "GET", "/api/v1/tags").await,
        Answer::Served(401)
    );

    let documented = documented();
    assert!(
        documented.len() >= 15,
        "the document has only {} paths",
        documented.len()
    );
    let mut wrong = Vec::new();
    for (path, methods) in &documented {
        assert!(!methods.is_empty(), "{path} has no method");
        let url = concrete(path);
        for method in METHODS {
            let lower = method.to_lowercase();
            // A GET route answers HEAD too (HTTP's rule, and axum's).
            let expected = methods.contains(&lower)
                || (method == "HEAD" && methods.iter().any(|m| m == "get"));
            let answer = probe(&client, &base, method, &url).await;
            match (expected, &answer) {
                (true, Answer::Served(_)) | (false, Answer::NoSuchMethod) => {}
                (true, _) => wrong.push(format!(
                    "{method} {path} is documented, but the hub answered {answer:?}"
                )),
                (false, _) => wrong.push(format!(
                    "{method} {path} is not documented, but the hub answered {answer:?}"
                )),
            }
        }
    }
    hub.shutdown().await;
    assert!(
        wrong.is_empty(),
        "the document and the hub disagree:\n{}",
        wrong.join("\n")
    );
}

/// The hub's sources, without comments: `src-tauri/core/src/hub/*.rs`.
fn hub_sources() -> Vec<(String, String)> {
    let dir = root().join("src-tauri/core/src/hub");
    let mut files: Vec<(String, String)> = std::fs::read_dir(&dir)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "rs"))
        .map(|p| {
            let code = std::fs::read_to_string(&p)
                .unwrap()
                .lines()
                .filter(|l| !l.trim_start().starts_with("//"))
                .collect::<Vec<_>>()
                .join("\n");
            (p.file_name().unwrap().to_string_lossy().into_owned(), code)
        })
        .collect();
    files.sort();
    files
}

#[test]
fn the_hubs_routes_are_registered_only_with_their_documentation() {
    let sources = hub_sources();
    assert!(sources.len() >= 10, "found only {} files", sources.len());
    // Each of these would serve a route (or a method) the document does not have: axum's own
    // routing, beside utoipa-axum's `routes!`.
    let forbidden = [
        ".route(",
        ".route_service(",
        ".nest(",
        ".nest_service(",
        "routing::",
    ];
    let mut offenders = Vec::new();
    for (file, code) in &sources {
        for bad in forbidden {
            if code.contains(bad) {
                offenders.push(format!("{file}: `{bad}`"));
            }
        }
    }
    assert!(
        offenders.is_empty(),
        "the hub registers a route outside utoipa-axum's `routes!` (its `#[utoipa::path]` documents it): {offenders:?}"
    );
    // And the routes are registered that way at all.
    let registrations: usize = sources
        .iter()
        .map(|(_, code)| code.matches("routes!(").count())
        .sum();
    assert!(
        registrations >= 13,
        "only {registrations} `routes!` registrations in the hub"
    );
}
