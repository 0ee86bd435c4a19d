//! Follows the hub's event stream (`GET /api/v1/events`): resumes after the last event stored
//! (`Last-Event-ID`, kept in the journal), reconnects with back-off, and reports the
//! connection's state. The bytes are decoded by `eventsource-stream` (UTF-8 and SSE framing
//! across network chunks); the position moves only once the sink has stored an event.
//!
//! A hub that names its instance ([`crate::remote::INSTANCE_HEADER`]) is checked before the
//! stream resumes: a different instance at the same address (a hub reinstalled on a fresh
//! database) has its own event ids, so the follower starts from that hub's beginning instead of
//! sending it another hub's `Last-Event-ID`.

use std::time::Duration;

use eventsource_stream::Eventsource;
use futures_util::{Stream, StreamExt};
use serde::Serialize;
use tokio::sync::watch;

use crate::remote::{instance_of, HubClient, HubError};

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
    /// The hub refuses the agent's token (rotated, revoked or mistyped): the agent's tags and
    /// notes wait in the journal until the token is fixed in Settings.
    Unauthorized {
        /// The hub's words.
        reason: String,
    },
    /// The stream dropped; trying again.
    Reconnecting {
        /// Failed attempts in a row.
        attempt: u32,
        /// The last failure.
        reason: String,
    },
}

/// One event of the stream, as the hub sent it: the sink decodes the payload.
#[derive(Debug, Clone, PartialEq)]
pub struct StreamEvent {
    /// Its id in the hub's event log.
    pub id: i64,
    /// `call.ringing`, `card.ready`, …
    pub name: String,
    /// Its JSON payload, undecoded.
    pub data: String,
}

/// The delay before the next attempt: 1, 2, 4, 8, 16, then 30 seconds.
pub fn backoff(attempt: u32) -> Duration {
    Duration::from_secs(1u64 << attempt.saturating_sub(1).min(5)).min(Duration::from_secs(30))
}

/// How long the stream stays quiet after a catch-up before the sink hears that it is caught up.
const CAUGHT_UP_AFTER: Duration = Duration::from_millis(500);

/// Where the follower keeps its position and sends what it reads.
pub trait Sink: Send + Sync + 'static {
    /// The id of the last event stored.
    fn last_event_id(&self) -> Option<i64>;
    /// The instance of the hub the stored position belongs to, if the hub named one.
    fn instance(&self) -> Option<String>;
    /// The hub names this instance. `changed` when another instance was stored: the sink
    /// forgets the position (which belongs to the other hub) and remembers this instance.
    fn set_instance(&self, instance: &str, changed: bool);
    /// Handles and stores one event; `Err` when it could not be stored, so the position must not
    /// move past it (the follower reconnects and reads it again).
    fn event(&self, event: StreamEvent) -> Result<(), String>;
    /// Whether the sink is reading a new instance's backlog (after [`Sink::set_instance`] with
    /// `changed`), until the stream goes quiet.
    fn catching_up(&self) -> bool;
    /// The new instance's backlog has been read (the stream went quiet).
    fn caught_up(&self);
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
        let (state, wait) = match &reason {
            // A refused token will not become valid by itself: try again rarely (saving a new
            // one in Settings reconnects at once).
            HubError::Unauthorized { .. } => (
                Connection::Unauthorized {
                    reason: reason.to_string(),
                },
                Duration::from_secs(60),
            ),
            HubError::Refused { .. } | HubError::Unreadable(_) => (
                Connection::Offline {
                    reason: reason.to_string(),
                },
                Duration::from_secs(60),
            ),
            HubError::Unreachable(_) => (
                Connection::Reconnecting {
                    attempt,
                    reason: reason.to_string(),
                },
                backoff(attempt),
            ),
        };
        sink.connection(state);
        tokio::select! {
            _ = tokio::time::sleep(wait) => {}
            _ = stop.wait_for(|s| *s) => return,
        }
    }
}

/// Whether the hub is another instance than the stored position's; tells the sink.
fn check_instance(sink: &impl Sink, named: Option<&str>) -> bool {
    let Some(named) = named else {
        // An older hub names no instance: the position is used as it is.
        return false;
    };
    let stored = sink.instance();
    let changed = stored.as_deref().is_some_and(|s| s != named);
    if stored.as_deref() != Some(named) {
        if changed {
            tracing::info!("the hub is another instance: its events are read from its beginning");
        }
        sink.set_instance(named, changed);
    }
    changed
}

/// Reads the stream until it fails; returns why.
async fn read_once(client: &HubClient, sink: &impl Sink, attempt: &mut u32) -> HubError {
    // A stored position of a hub that named its instance: make sure it is still that hub
    // before telling it where to resume.
    if sink.last_event_id().is_some() && sink.instance().is_some() {
        match client.instance().await {
            Ok(named) => {
                check_instance(sink, named.as_deref());
            }
            Err(e) => return e,
        }
    }
    let response = match client.events(sink.last_event_id()).await {
        Ok(r) => r,
        Err(e) => return e,
    };
    if check_instance(sink, instance_of(response.headers()).as_deref()) {
        // The hub changed between the check and the stream: start again from its beginning.
        return HubError::Unreachable("the hub at this address is another instance now".into());
    }
    *attempt = 0;
    sink.connection(Connection::Connected);
    read_events(response.bytes_stream(), sink).await
}

/// The longest event the app reads from the hub, in bytes: a card is a few kilobytes, and the
/// decoder holds an event whole until it ends.
pub const MAX_EVENT_BYTES: usize = 1 << 20;

/// The stream's bytes, failing as soon as an event runs past [`MAX_EVENT_BYTES`] without
/// ending (a blank line), so that a faulty or hostile hub cannot grow the app's memory.
fn capped<S, B, E>(bytes: S) -> impl Stream<Item = Result<B, String>> + Unpin
where
    S: Stream<Item = Result<B, E>> + Unpin,
    B: AsRef<[u8]>,
    E: std::fmt::Display,
{
    let mut open = 0usize;
    let mut previous = 0u8;
    bytes.map(move |chunk| {
        let chunk = chunk.map_err(|e| e.to_string())?;
        for &byte in chunk.as_ref() {
            match byte {
                b'\r' => continue,
                b'\n' if previous == b'\n' => open = 0,
                _ => open += 1,
            }
            previous = byte;
        }
        if open > MAX_EVENT_BYTES {
            return Err(format!(
                "the hub sent an event longer than {} KiB",
                MAX_EVENT_BYTES / 1024
            ));
        }
        Ok(chunk)
    })
}

/// Hands the events of an SSE byte stream to the sink until it ends or fails; returns why.
/// While the sink catches up (a new hub's backlog, or a log replayed after a `stream.reset`),
/// a short silence tells it the backlog is read.
async fn read_events<S, B, E>(bytes: S, sink: &impl Sink) -> HubError
where
    S: Stream<Item = Result<B, E>> + Unpin,
    B: AsRef<[u8]>,
    E: std::fmt::Display,
{
    let mut events = capped(bytes).eventsource();
    loop {
        // The hub sends a keep-alive every 15 s; silence for a minute means a dead link.
        let catching_up = sink.catching_up();
        let quiet = if catching_up {
            CAUGHT_UP_AFTER
        } else {
            Duration::from_secs(60)
        };
        let next = match tokio::time::timeout(quiet, events.next()).await {
            Err(_) if catching_up => {
                sink.caught_up();
                continue;
            }
            Err(_) => return HubError::Unreachable("the event stream went silent".into()),
            Ok(None) => return HubError::Unreachable("the hub closed the event stream".into()),
            Ok(Some(Err(e))) => return HubError::Unreachable(format!("the event stream: {e}")),
            Ok(Some(Ok(event))) => event,
        };
        let Ok(id) = next.id.trim().parse::<i64>() else {
            tracing::warn!(event = %next.event, id = %next.id, "an event without a usable id is skipped");
            continue;
        };
        let event = StreamEvent {
            id,
            name: next.event,
            data: next.data,
        };
        if let Err(why) = sink.event(event) {
            return HubError::Unreachable(format!("an event could not be stored: {why}"));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The events a sink got from these network chunks.
    async fn decoded(chunks: Vec<&'static [u8]>) -> Vec<StreamEvent> {
        let sink = Recorder::default();
        let bytes =
            futures_util::stream::iter(chunks.into_iter().map(Ok::<_, std::convert::Infallible>));
        read_events(bytes, &sink).await;
        let got = sink.got.lock().unwrap().clone();
        got
    }

    #[tokio::test]
    async fn events_are_split_and_keep_alives_and_partial_blocks_wait() {
        let events = decoded(vec![
            b": keep-alive\n\nid: 7\nevent: call.ringing\ndata: {\"call_id\":1}\n\nid: 8\nevent: card.re",
            b"ady\ndata: {}\n\n",
        ])
        .await;
        assert_eq!(events.len(), 2);
        assert_eq!(
            (
                events[0].id,
                events[0].name.as_str(),
                events[0].data.as_str()
            ),
            (7, "call.ringing", "{\"call_id\":1}")
        );
        assert_eq!((events[1].id, events[1].name.as_str()), (8, "card.ready"));
    }

    #[tokio::test]
    async fn an_event_that_never_ends_is_cut_off_at_its_cap() {
        let sink = Recorder::default();
        let line = vec![b'x'; 64 * 1024];
        // A first event, then one whose data line goes on for 2 MiB.
        let mut chunks: Vec<Vec<u8>> =
            vec![b"id: 1\nevent: a\ndata: {}\n\nid: 2\nevent: b\ndata: ".to_vec()];
        chunks.extend(std::iter::repeat_n(line, 32));
        let bytes =
            futures_util::stream::iter(chunks.into_iter().map(Ok::<_, std::convert::Infallible>));
        let why = read_events(bytes, &sink).await;
        assert!(why.to_string().contains("longer than 1024 KiB"), "{why}");
        assert_eq!(sink.last_event_id(), Some(1));
    }

    #[tokio::test]
    async fn a_character_split_across_two_reads_arrives_whole() {
        let text = "id: 9\nevent: card.ready\ndata: {\"name\":\"Renée 議\"}\n\n".as_bytes();
        // Cut inside the two bytes of "é", then inside the three of "議".
        let e = text.iter().position(|&b| b == 0xC3).unwrap() + 1;
        let k = text.iter().position(|&b| b == 0xE8).unwrap() + 2;
        let events = decoded(vec![&text[..e], &text[e..k], &text[k..]]).await;
        assert_eq!(events.len(), 1);
        assert_eq!(events[0].data, "{\"name\":\"Renée 議\"}");
    }

    #[tokio::test]
    async fn an_event_that_cannot_be_stored_stops_the_reading_before_the_next() {
        let sink = Recorder {
            refuse: Some(2),
            ..Recorder::default()
        };
        let bytes = futures_util::stream::iter([Ok::<_, std::convert::Infallible>(
            &b"id: 1\nevent: a\ndata: {}\n\nid: 2\nevent: b\ndata: {}\n\nid: 3\nevent: c\ndata: {}\n\n"[..],
        )]);
        let why = read_events(bytes, &sink).await;
        assert!(why.to_string().contains("could not be stored"), "{why}");
        assert_eq!(
            sink.last_event_id(),
            Some(1),
            "the position stays before event 2"
        );
    }

    /// Records what the follower hands over; `refuse` is an event id it cannot store.
    #[derive(Default, Clone)]
    struct Recorder {
        events: std::sync::Arc<std::sync::Mutex<Vec<i64>>>,
        got: std::sync::Arc<std::sync::Mutex<Vec<StreamEvent>>>,
        states: std::sync::Arc<std::sync::Mutex<Vec<Connection>>>,
        instance: std::sync::Arc<std::sync::Mutex<Option<String>>>,
        refuse: Option<i64>,
    }

    impl Sink for Recorder {
        fn last_event_id(&self) -> Option<i64> {
            self.events.lock().unwrap().last().copied()
        }
        fn instance(&self) -> Option<String> {
            self.instance.lock().unwrap().clone()
        }
        fn set_instance(&self, instance: &str, changed: bool) {
            if changed {
                self.events.lock().unwrap().clear();
            }
            *self.instance.lock().unwrap() = Some(instance.to_owned());
        }
        fn event(&self, event: StreamEvent) -> Result<(), String> {
            if self.refuse == Some(event.id) {
                return Err("the disk is full".into());
            }
            self.events.lock().unwrap().push(event.id);
            self.got.lock().unwrap().push(event);
            Ok(())
        }
        fn catching_up(&self) -> bool {
            false
        }
        fn caught_up(&self) {}
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

    /// A hub that answers each request with the next of `answers` (instance, SSE body), and
    /// the instance probe with the instance of the answer to come; records each request's path
    /// and `Last-Event-ID`.
    async fn scripted_hub(
        answers: Vec<(&'static str, &'static str)>,
    ) -> (
        String,
        std::sync::Arc<std::sync::Mutex<Vec<(String, Option<String>)>>>,
    ) {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let seen = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let record = seen.clone();
        tokio::spawn(async move {
            let mut answers = answers.into_iter();
            let mut next = answers.next();
            loop {
                let (mut socket, _) = listener.accept().await.unwrap();
                let mut request = Vec::new();
                let mut buf = [0u8; 1024];
                while !request.windows(4).any(|w| w == b"\r\n\r\n") {
                    let n = socket.read(&mut buf).await.unwrap();
                    request.extend_from_slice(&buf[..n]);
                }
                let text = String::from_utf8_lossy(&request).to_lowercase();
                let path = text.split_whitespace().nth(1).unwrap_or("").to_owned();
                let last = text
                    .lines()
                    .find_map(|l| l.strip_prefix("last-event-id:"))
                    .map(|v| v.trim().to_owned());
                record.lock().unwrap().push((path.clone(), last));
                let Some((instance, body)) = next else {
                    continue;
                };
                if path.starts_with("/api/v1/calls") {
                    let head = format!("HTTP/1.1 200 OK\r\ncontent-type: application/json\r\nx-ringside-instance: {instance}\r\ncontent-length: 2\r\nconnection: close\r\n\r\n[]");
                    socket.write_all(head.as_bytes()).await.unwrap();
                    continue;
                }
                let head = format!("HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\nx-ringside-instance: {instance}\r\nconnection: close\r\n\r\n");
                socket.write_all(head.as_bytes()).await.unwrap();
                socket.write_all(body.as_bytes()).await.unwrap();
                next = answers.next();
            }
        });
        (url, seen)
    }

    #[tokio::test]
    async fn another_hub_instance_at_the_same_address_is_read_from_its_beginning() {
        let (url, requests) = scripted_hub(vec![
            ("hub-a", "id: 5\nevent: call.ringing\ndata: {}\n\n"),
            // Reinstalled on a fresh database: its own ids start again.
            ("hub-b", "id: 1\nevent: call.ringing\ndata: {}\n\n"),
            ("hub-b", "id: 2\nevent: call.ended\ndata: {}\n\n"),
        ])
        .await;
        let client = HubClient::new(&url, ringside_core::Secret::new("t")).unwrap();
        let sink = Recorder::default();
        let (stop, stop_rx) = watch::channel(false);
        let follower = tokio::spawn(follow(client, sink.clone(), stop_rx));
        for _ in 0..100 {
            if sink.got.lock().unwrap().len() == 3 {
                break;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        stop.send_replace(true);
        follower.await.unwrap();
        let ids: Vec<i64> = sink.got.lock().unwrap().iter().map(|e| e.id).collect();
        assert_eq!(ids, [5, 1, 2]);
        assert_eq!(sink.instance().as_deref(), Some("hub-b"));
        let requests = requests.lock().unwrap().clone();
        assert_eq!(
            requests[..5],
            [
                ("/api/v1/events".to_owned(), None),
                // Before resuming, the hub is asked which instance it is: another one, so the
                // first hub's position is not sent to it.
                ("/api/v1/calls?limit=1".to_owned(), None),
                ("/api/v1/events".to_owned(), None),
                // The same instance again: the stream resumes after its own last event.
                ("/api/v1/calls?limit=1".to_owned(), None),
                ("/api/v1/events".to_owned(), Some("1".to_owned())),
            ]
        );
    }
}
