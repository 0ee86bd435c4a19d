//! An agent's event stream (`GET /api/v1/events`) as the tests and benchmarks read it: each
//! event's name and its data as JSON, as they arrive.

use std::net::SocketAddr;
use std::time::Duration;

use serde_json::Value;

/// An open event stream of one agent.
#[derive(Debug)]
pub struct EventStream {
    response: reqwest::Response,
    buffer: String,
}

impl EventStream {
    /// Opens the stream of the agent with this token on the hub at `addr`.
    pub async fn open(addr: SocketAddr, token: &str) -> EventStream {
        let response = reqwest::Client::new()
            .get(format!("http://{addr}/api/v1/events"))
            .bearer_auth(token)
            .send()
            .await
            .expect("the hub answers");
        assert_eq!(response.status(), 200);
        EventStream {
            response,
            buffer: String::new(),
        }
    }

    /// The next event: its `event:` name and its `data:` as JSON. Panics when nothing comes
    /// within ten seconds.
    pub async fn next(&mut self) -> (String, Value) {
        loop {
            if let Some(end) = self.buffer.find("\n\n") {
                let block: String = self.buffer.drain(..end + 2).collect();
                let mut name = String::new();
                let mut data = String::new();
                for line in block.lines() {
                    if let Some(v) = line.strip_prefix("event:") {
                        name = v.trim().to_owned();
                    } else if let Some(v) = line.strip_prefix("data:") {
                        data.push_str(v.trim_start());
                    }
                }
                if !name.is_empty() {
                    return (name, serde_json::from_str(&data).unwrap_or(Value::Null));
                }
                continue;
            }
            let chunk = tokio::time::timeout(Duration::from_secs(10), self.response.chunk())
                .await
                .expect("an event within ten seconds")
                .expect("the stream stays readable")
                .expect("the stream stays open");
            self.buffer.push_str(&String::from_utf8_lossy(&chunk));
        }
    }

    /// Waits for `card.ready` of each of these calls.
    pub async fn cards_ready(&mut self, calls: &[u64]) {
        let mut missing = calls.to_vec();
        while !missing.is_empty() {
            let (name, data) = self.next().await;
            if name == "card.ready" {
                missing.retain(|c| Some(*c) != data["call_id"].as_u64());
            }
        }
    }
}
