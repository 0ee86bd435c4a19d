//! Intercom's webhook notifications about contacts, as the fake sends them.
//!
//! Once [`crate::Sandbox::deliver_intercom_notifications`] names a URL and a client secret,
//! every change of a contact (through the API or the sandbox's own mutators) is posted there as
//! a `notification_event`, signed `X-Hub-Signature: sha1=…` with the secret, with a 5 s
//! timeout and one retry (Intercom retries after a minute; the fake after a second). Every
//! notification is also kept, with what became of its delivery, for tests to read.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::{json, Value};
use tokio::sync::mpsc;

use crate::ids;

/// One notification the fake sent, and how its delivery went.
#[derive(Debug, Clone, PartialEq)]
pub struct SentNotification {
    /// The body as sent.
    pub body: Value,
    /// The HTTP status of each attempt (0: no answer).
    pub attempts: Vec<u16>,
}

/// Where notifications go, once asked for.
#[derive(Debug, Default)]
pub(crate) struct Notifier {
    queue: Option<mpsc::UnboundedSender<Value>>,
    pub sent: Arc<Mutex<Vec<SentNotification>>>,
}

impl Notifier {
    /// Whether notifications are being delivered.
    pub fn is_on(&self) -> bool {
        self.queue.is_some()
    }

    /// Queues a notification about `item` (a contact as the API renders it, or its id alone).
    pub fn send(&self, topic: &str, item: Value, app_id: &str, now: i64) {
        let Some(queue) = &self.queue else {
            return;
        };
        let body = json!({
            "type": "notification_event",
            "app_id": app_id,
            "id": format!("notif_{}", ids::uuid()),
            "topic": topic,
            "delivery_status": "pending",
            "delivery_attempts": 1,
            "delivered_at": 0,
            "first_sent_at": now,
            "created_at": now,
            "self": null,
            "data": {"type": "notification_event_data", "item": item},
        });
        // The delivery task ends only with the sandbox.
        let _ = queue.send(body);
    }

    /// Starts delivering to `url`, signed with `secret`; replaces an earlier destination.
    pub fn start(&mut self, url: String, secret: String) {
        let (tx, mut rx) = mpsc::unbounded_channel::<Value>();
        self.queue = Some(tx);
        let sent = self.sent.clone();
        tokio::spawn(async move {
            let client = match reqwest::Client::builder()
                .timeout(Duration::from_secs(5))
                .build()
            {
                Ok(client) => client,
                Err(error) => {
                    tracing::warn!(%error, "sandbox: no HTTP client for Intercom notifications");
                    return;
                }
            };
            while let Some(body) = rx.recv().await {
                let bytes = body.to_string().into_bytes();
                let signature = ringside_core::intercom::notification::sign(&secret, &bytes);
                let mut attempts = Vec::new();
                for attempt in 0..2 {
                    if attempt > 0 {
                        tokio::time::sleep(Duration::from_secs(1)).await;
                    }
                    let status = client
                        .post(&url)
                        .header("content-type", "application/json")
                        .header("x-hub-signature", &signature)
                        .body(bytes.clone())
                        .send()
                        .await
                        .map(|r| r.status().as_u16())
                        .unwrap_or(0);
                    attempts.push(status);
                    if (200..300).contains(&status) {
                        break;
                    }
                }
                sent.lock()
                    .unwrap_or_else(std::sync::PoisonError::into_inner)
                    .push(SentNotification { body, attempts });
            }
        });
    }
}
