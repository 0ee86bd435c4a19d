//! `GET /api/v1/events`: the agent's Server-Sent Events stream. Each event carries its log id,
//! so a client that reconnects with `Last-Event-ID` gets everything it missed, in order.

use std::convert::Infallible;
use std::time::Duration;

use axum::extract::{Query, State};
use axum::http::HeaderMap;
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::IntoResponse;
use axum::routing::get;
use axum::Router;
use futures_util::stream::{self, Stream};
use serde::Deserialize;

use super::api::{authenticate, Failure};
use super::AppState;
use crate::store::LoggedEvent;

pub(super) fn routes() -> Router<AppState> {
    Router::new().route("/api/v1/events", get(events))
}

#[derive(Debug, Deserialize)]
struct Resume {
    /// For clients that cannot set headers (EventSource in a browser): same as `Last-Event-ID`.
    last_event_id: Option<i64>,
}

async fn events(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(q): Query<Resume>,
) -> Result<impl IntoResponse, Failure> {
    let agent = authenticate(&state, &headers)?;
    let from_header = headers
        .get("last-event-id")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<i64>().ok());
    let after = match from_header.or(q.last_event_id) {
        Some(id) => id,
        None => state.store.last_event_id()?,
    };
    let stream = follow(state, agent.email, after);
    Ok(Sse::new(stream).keep_alive(
        KeepAlive::new()
            .interval(Duration::from_secs(15))
            .text("keep-alive"),
    ))
}

struct Cursor {
    state: AppState,
    email: String,
    after: i64,
    pending: std::collections::VecDeque<LoggedEvent>,
}

fn follow(
    state: AppState,
    email: String,
    after: i64,
) -> impl Stream<Item = Result<Event, Infallible>> {
    let cursor = Cursor {
        state,
        email,
        after,
        pending: Default::default(),
    };
    stream::unfold(cursor, |mut c| async move {
        loop {
            if let Some(e) = c.pending.pop_front() {
                let event = Event::default()
                    .id(e.id.to_string())
                    .event(e.kind)
                    .data(e.payload);
                return Some((Ok(event), c));
            }
            if *c.state.shutdown.borrow() {
                return None;
            }
            match c.state.store.events_after(c.after, 200) {
                Ok(batch) if !batch.is_empty() => {
                    c.after = batch.last().map_or(c.after, |e| e.id);
                    c.pending
                        .extend(batch.into_iter().filter(|e| e.concerns(&c.email)));
                    continue;
                }
                Ok(_) => {}
                Err(e) => tracing::warn!(error = %e, "cannot read the event log"),
            }
            let mut events = c.state.pipeline.events();
            let mut shutdown = c.state.shutdown.clone();
            let known = c.after;
            tokio::select! {
                _ = events.wait_for(|last| *last > known) => {}
                _ = tokio::time::sleep(Duration::from_secs(30)) => {}
                _ = shutdown.wait_for(|s| *s) => return None,
            }
        }
    })
}
