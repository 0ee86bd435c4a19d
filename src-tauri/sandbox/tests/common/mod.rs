//! Shared helpers for the sandbox's integration tests: a started demo sandbox and raw HTTP
//! clients for each fake API.

#![allow(dead_code)]
// Test code may panic: `unwrap` and `expect` are how it fails.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use reqwest::{Client, RequestBuilder};
use ringside_sandbox::{Sandbox, Seed};
use serde_json::Value;

/// A started demo sandbox with a plain reqwest client.
pub struct TestApp {
    pub sandbox: Sandbox,
    pub http: Client,
}

impl TestApp {
    pub async fn demo() -> TestApp {
        TestApp::with(Seed::demo()).await
    }

    pub async fn with(seed: Seed) -> TestApp {
        let sandbox = Sandbox::start(seed).await.expect("sandbox starts");
        TestApp {
            sandbox,
            http: Client::new(),
        }
    }

    /// An authenticated Intercom request on `path` (`/contacts/search`).
    pub fn intercom(&self, method: reqwest::Method, path: &str) -> RequestBuilder {
        let token = self.sandbox.credentials().intercom_token;
        self.http
            .request(method, format!("{}{path}", self.sandbox.intercom_url()))
            .bearer_auth(token)
            .header("Intercom-Version", "2.16")
    }

    /// An authenticated Aircall request on `path` (`/v1/calls`).
    pub fn aircall(&self, method: reqwest::Method, path: &str) -> RequestBuilder {
        let creds = self.sandbox.credentials();
        self.http
            .request(method, format!("{}{path}", self.sandbox.aircall_url()))
            .basic_auth(creds.aircall_api_id, Some(creds.aircall_api_token))
    }

    /// POSTs a contact search and returns (status, body).
    pub async fn search_contacts(&self, body: Value) -> (u16, Value) {
        send(
            self.intercom(reqwest::Method::POST, "/contacts/search")
                .json(&body),
        )
        .await
    }
}

/// Sends a request and returns its status and JSON body (`null` when the body is empty).
pub async fn send(request: RequestBuilder) -> (u16, Value) {
    let response = request.send().await.expect("the request gets a response");
    let status = response.status().as_u16();
    let text = response.text().await.expect("a body");
    let body = if text.is_empty() {
        Value::Null
    } else {
        serde_json::from_str(&text).expect("a JSON body")
    };
    (status, body)
}

/// The ids in an Intercom list answer's `data`.
pub fn ids(body: &Value) -> Vec<String> {
    body["data"]
        .as_array()
        .map(|items| {
            items
                .iter()
                .filter_map(|c| c["id"].as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

pub const JANE: &str = "6762f0dd1bb69f9f2193bb83";
pub const PAUL: &str = "6762f0dd1bb69f9f2193bb89";
pub const CLAIRE: &str = "6762f0dd1bb69f9f2193bb8a";
pub const JANE_OPEN: &str = "215475827415413";
pub const BOB: &str = "991267701";
pub const ALICE: &str = "991267702";
pub const RINGING_CALL: u64 = 780836754;
pub const DONE_CALL: u64 = 780836700;
