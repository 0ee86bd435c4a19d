//! Follows the hub's event stream (`GET /api/v1/events`): resumes after the last event seen
//! (`Last-Event-ID`, kept in the journal), reconnects with back-off, and reports the
//! connection's state.

use std::time::Duration;

use serde::Serialize;
use tokio::sync::watch;

use crate::remote::{HubClient, HubError};

/// The connection to the hub, as the tray and the windows show it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum Connection {
    /// Not set up, or stopped.
    Offline {
        /// Why.
        reason: String,
    },
    /// Opening the stream for the first time.
    Connecting,
    /// The stream is open.
    Connected,
    /// The stream dropped; trying again.
    Reconnecting {
        /// Failed attempts in a row.
        attempt: u32,
        /// The last failure.
        reason: String,
    },
}

/// One event of the stream.
#[derive(Debug, Clone, PartialEq)]
pub struct StreamEvent {
    /// Its id in the hub's event log.
    pub id: i64,
    /// `call.ringing`, `card.ready`, …
    pub name: String,
    /// Its JSON payload.
    pub data: serde_json::Value,
}

/// Splits SSE text into events; keeps an incomplete tail in `buffer`.
pub fn parse(buffer: &mut String) -> Vec<StreamEvent> {
    let mut out = Vec::new();
    while let Some(end) = buffer.find("\n\n") {
        let block: String = buffer.drain(..end + 2).collect();
        let (mut id, mut name, mut data) = (None, String::new(), String::new());
        for line in block.lines() {
            if let Some(v) = line.strip_prefix("id:") {
                id = v.trim().parse().ok();
            } else if let Some(v) = line.strip_prefix("event:") {
                name = v.trim().to_owned();
            } else if let Some(v) = line.strip_prefix("data:") {
                if !data.is_empty() {
                    data.push('\n');
                }
                data.push_str(v.strip_prefix(' ').unwrap_or(v));
            }
        }
        if let (Some(id), Ok(data)) = (id, serde_json::from_str(&data)) {
            out.push(StreamEvent { id, name, data });
        }
    }
    out
}

/// The delay before the next attempt: 1, 2, 4, 8, 16, then 30 seconds.
pub fn backoff(attempt: u32) -> Duration {
    Duration::from_secs(1u64 << attempt.saturating_sub(1).min(5)).min(Duration::from_secs(30))
}

/// Where the follower keeps its position and sends what it reads.
pub trait Sink: Send + Sync + 'static {
    /// The id of the last event handled.
    fn last_event_id(&self) -> Option<i64>;
    /// Handles one event (and remembers its id).
    fn event(&self, event: StreamEvent);
    /// The connection changed.
    fn connection(&self, state: Connection);
}

/// Follows the stream until `stop` turns true.
pub async fn follow(client: HubClient, sink: impl Sink, mut stop: watch::Receiver<bool>) {
    let mut attempt = 0u32;
    sink.connection(Connection::Connecting);
    loop {
        let reason = tokio::select! {
            r = read_once(&client, &sink, &mut attempt) => r,
            _ = stop.wait_for(|s| *s) => return,
        };
        attempt += 1;
        let refused = matches!(reason, HubError::Refused { .. });
        sink.connection(if refused {
            Connection::Offline {
                reason: reason.to_string(),
            }
        } else {
            Connection::Reconnecting {
                attempt,
                reason: reason.to_string(),
            }
        });
        // A refused token will not become valid by itself: try again rarely.
        let wait = if refused {
            Duration::from_secs(60)
        } else {
            backoff(attempt)
        };
        tokio::select! {
            _ = tokio::time::sleep(wait) => {}
            _ = stop.wait_for(|s| *s) => return,
        }
    }
}

/// Reads the stream until it fails; returns why.
async fn read_once(client: &HubClient, sink: &impl Sink, attempt: &mut u32) -> HubError {
    let mut response = match client.events(sink.last_event_id()).await {
        Ok(r) => r,
        Err(e) => return e,
    };
    *attempt = 0;
    sink.connection(Connection::Connected);
    let mut buffer = String::new();
    loop {
        // The hub sends a keep-alive every 15 s; silence for a minute means a dead link.
        match tokio::time::timeout(Duration::from_secs(60), response.chunk()).await {
            Err(_) => return HubError::Unreachable("the event stream went silent".into()),
            Ok(Err(e)) => return HubError::Unreachable(e.to_string()),
            Ok(Ok(None)) => return HubError::Unreachable("the hub closed the event stream".into()),
            Ok(Ok(Some(chunk))) => {
                buffer.push_str(&String::from_utf8_lossy(&chunk));
                for event in parse(&mut buffer) {
                    sink.event(event);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_are_split_and_keep_alives_and_partial_blocks_wait() {
        let mut buffer = String::from(
            ": keep-alive\n\nid: 7\nevent: call.ringing\ndata: {\"call_id\":1}\n\nid: 8\nevent: card.re",
        );
        let events = parse(&mut buffer);
        assert_eq!(events.len(), 1);
        assert_eq!(events[0].id, 7);
        assert_eq!(events[0].name, "call.ringing");
        assert_eq!(events[0].data["call_id"], 1);
        buffer.push_str("ady\ndata: {}\n\n");
        let rest = parse(&mut buffer);
        assert_eq!((rest[0].id, rest[0].name.as_str()), (8, "card.ready"));
        assert!(buffer.is_empty());
    }

    /// Records what the follower hands over.
    #[derive(Default, Clone)]
    struct Recorder {
        events: std::sync::Arc<std::sync::Mutex<Vec<i64>>>,
        states: std::sync::Arc<std::sync::Mutex<Vec<Connection>>>,
    }

    impl Sink for Recorder {
        fn last_event_id(&self) -> Option<i64> {
            self.events.lock().unwrap().last().copied()
        }
        fn event(&self, event: StreamEvent) {
            self.events.lock().unwrap().push(event.id);
        }
        fn connection(&self, state: Connection) {
            self.states.lock().unwrap().push(state);
        }
    }

    /// A hub whose stream sends two events and drops, then sends one more.
    async fn flaky_hub() -> (
        String,
        std::sync::Arc<std::sync::Mutex<Vec<Option<String>>>>,
    ) {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let seen = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let record = seen.clone();
        tokio::spawn(async move {
            for round in 0.. {
                let (mut socket, _) = listener.accept().await.unwrap();
                let mut request = Vec::new();
                let mut buf = [0u8; 1024];
                while !request.windows(4).any(|w| w == b"\r\n\r\n") {
                    let n = socket.read(&mut buf).await.unwrap();
                    request.extend_from_slice(&buf[..n]);
                }
                let text = String::from_utf8_lossy(&request).to_lowercase();
                record.lock().unwrap().push(
                    text.lines()
                        .find_map(|l| l.strip_prefix("last-event-id:"))
                        .map(|v| v.trim().to_owned()),
                );
                let body = if round == 0 {
                    "id: 1\nevent: call.ringing\ndata: {}\n\nid: 2\nevent: call.ended\ndata: {}\n\n"
                } else {
                    "id: 3\nevent: call.logged\ndata: {}\n\n"
                };
                let head = "HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\nconnection: close\r\n\r\n";
                socket.write_all(head.as_bytes()).await.unwrap();
                socket.write_all(body.as_bytes()).await.unwrap();
                if round == 0 {
                    continue; // dropped: the stream ends
                }
                tokio::time::sleep(Duration::from_secs(30)).await;
            }
        });
        (url, seen)
    }

    #[tokio::test]
    async fn a_dropped_stream_reconnects_and_resumes_after_the_last_event() {
        let (url, requests) = flaky_hub().await;
        let client = HubClient::new(&url, ringside_core::Secret::new("t")).unwrap();
        let sink = Recorder::default();
        let (stop, stop_rx) = watch::channel(false);
        let follower = tokio::spawn(follow(client, sink.clone(), stop_rx));
        for _ in 0..100 {
            if sink.events.lock().unwrap().len() == 3 {
                break;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        stop.send_replace(true);
        follower.await.unwrap();
        assert_eq!(*sink.events.lock().unwrap(), vec![1, 2, 3]);
        assert_eq!(*requests.lock().unwrap(), vec![None, Some("2".to_owned())]);
        let states = sink.states.lock().unwrap().clone();
        assert_eq!(states[..2], [Connection::Connecting, Connection::Connected]);
        assert!(matches!(
            states[2],
            Connection::Reconnecting { attempt: 1, .. }
        ));
        assert_eq!(states[3], Connection::Connected);
    }

    #[test]
    fn back_off_doubles_up_to_thirty_seconds() {
        let secs: Vec<u64> = (1..=8).map(|a| backoff(a).as_secs()).collect();
        assert_eq!(secs, [1, 2, 4, 8, 16, 30, 30, 30]);
    }
}
