//! `GET /api/v1/events`: the agent's Server-Sent Events stream. Each event carries its log id,
//! so a client that reconnects with `Last-Event-ID` gets everything it missed, in order. Ids
//! never go back, even once retention has pruned the whole log. An id beyond the highest this
//! hub ever gave (another hub's, or a log restored from a backup) is answered with a
//! `stream.reset` event first, then the log from its beginning; the `X-Ringside-Instance`
//! header on every answer tells two hubs apart. The answer's headers and a first comment leave
//! at once, whatever the log holds.
//!
//! The token is checked again every few seconds while the stream is open: a revoked agent's
//! stream ends; one revoked from the admin console ends at once ([`OpenStreams::close`]). An admin's stream carries every event. Each agent may hold a few streams at once; one more is refused with a 429.

use std::collections::HashMap;
use std::convert::Infallible;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::IntoResponse;
use futures_util::stream::{self, Stream};
use serde::Deserialize;
use tokio::sync::watch;
use tokio::time::Instant;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::api::{authenticate, Failure};
use super::openapi::ErrorBody;
use super::AppState;
use crate::pipeline::events::HubEvent;
use crate::store::LoggedEvent;
use crate::Secret;

pub(super) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(events))
}

/// The event streams open, by agent; [`OpenStreams::close`] ends an agent's streams at once.
#[derive(Debug, Clone, Default)]
pub struct OpenStreams(Arc<Mutex<HashMap<String, Open>>>);

/// One agent's open streams: how many, and the signal that ends them.
#[derive(Debug)]
struct Open {
    count: usize,
    /// Bumped to end every stream of the agent open now.
    close: watch::Sender<u64>,
}

impl OpenStreams {
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Open>> {
        self.0.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// How many event streams this agent (by email, as the hub stores it) has open now.
    pub fn count(&self, email: &str) -> usize {
        self.lock().get(email).map_or(0, |open| open.count)
    }

    /// How many event streams are open now, all agents together.
    pub fn total(&self) -> usize {
        self.lock().values().map(|open| open.count).sum()
    }

    /// How many agents have at least one event stream open now.
    pub fn agents(&self) -> usize {
        self.lock().len()
    }

    /// Ends every event stream this agent has open now, at once (their token was revoked);
    /// answers how many there were.
    pub fn close(&self, email: &str) -> usize {
        let open = self.lock();
        match open.get(email) {
            Some(streams) => {
                streams.close.send_modify(|generation| *generation += 1);
                streams.count
            }
            None => 0,
        }
    }

    /// A slot for one more stream of this agent, unless they hold `max` already, with the
    /// signal that ends it.
    fn take(&self, email: &str, max: usize) -> Option<(StreamSlot, watch::Receiver<u64>)> {
        let mut open = self.lock();
        let streams = open.entry(email.to_owned()).or_insert_with(|| Open {
            count: 0,
            close: watch::channel(0).0,
        });
        if streams.count >= max {
            return None;
        }
        streams.count += 1;
        let closed = streams.close.subscribe();
        Some((
            StreamSlot {
                streams: self.clone(),
                email: email.to_owned(),
            },
            closed,
        ))
    }
}

/// One open stream; its slot is given back when the stream ends.
#[derive(Debug)]
struct StreamSlot {
    streams: OpenStreams,
    email: String,
}

impl Drop for StreamSlot {
    fn drop(&mut self) {
        let mut open = self.streams.lock();
        if let Some(streams) = open.get_mut(&self.email) {
            streams.count = streams.count.saturating_sub(1);
            if streams.count == 0 {
                open.remove(&self.email);
            }
        }
    }
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
struct Resume {
    /// For clients that cannot set headers (EventSource in a browser): same as `Last-Event-ID`.
    last_event_id: Option<i64>,
}

/// The agent's Server-Sent Events stream (an admin's: every event).
///
/// The answer's headers and a first comment leave at once. Each event's `event:` is its `type`
/// (`call.ringing`, `card.ready`, …), its `data:` the event as JSON (`HubEvent`), its `id:` its
/// place in the hub's log. Reconnect with `Last-Event-ID` to get what was missed; an id beyond
/// the highest this hub ever gave gets `stream.reset` (SSE id 0) and then the log from its
/// beginning. A revoked token's stream ends within seconds.
#[utoipa::path(
    get,
    path = "/api/v1/events",
    tag = "events",
    params(
        ("Last-Event-ID" = Option<i64>, Header, description = "Resume after this event"),
        Resume,
    ),
    security(("agent_token" = [])),
    responses(
        (status = 200, description = "The stream: each event's `data:` is one `HubEvent`, as JSON; a comment every 15 s keeps it open", body = HubEvent, content_type = "text/event-stream"),
        (status = 401, description = "`unauthorized`: no agent token, or one unknown or revoked", body = ErrorBody),
        (status = 429, description = "`too_many_streams`: this agent has as many streams open as allowed (4 by default)", body = ErrorBody),
        (status = 503, description = "`storage`: the hub's database could not answer; try again (with a `request_id`)", body = ErrorBody),
    )
)]
async fn events(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(q): Query<Resume>,
) -> Result<impl IntoResponse, Failure> {
    let agent = authenticate(&state, &headers).await?;
    let token = super::api::bearer(&headers).map(Secret::new);
    let from_header = headers
        .get("last-event-id")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<i64>().ok());
    let newest = state.store().run(|s| s.last_event_id()).await?;
    let mut pending = std::collections::VecDeque::new();
    let after = match from_header.or(q.last_event_id) {
        // An id this hub never gave: another hub's, or this one's before its log was restored
        // from a backup. The app is told, and reads the log from its beginning.
        Some(asked) if asked > newest => {
            tracing::warn!(
                agent = %agent.email,
                asked,
                newest,
                "an app resumes beyond this hub's newest event; it is told and reads the log from its beginning"
            );
            pending.push_back(reset(asked, newest));
            0
        }
        Some(id) => id.max(0),
        None => newest,
    };
    let (slot, closed) = state
        .streams
        .take(&agent.email, state.limits.streams_per_agent)
        .ok_or_else(|| {
            Failure::new(
                StatusCode::TOO_MANY_REQUESTS,
                "too_many_streams",
                format!(
                    "this agent already has {} event streams open",
                    state.limits.streams_per_agent
                ),
            )
        })?;
    let latest = state.engine.events();
    let stream = follow(Cursor {
        state,
        email: agent.email,
        admin: agent.admin,
        token,
        after,
        pending,
        latest,
        opened: false,
        checked: Instant::now(),
        closed,
        _slot: slot,
    });
    Ok(Sse::new(stream).keep_alive(
        KeepAlive::new()
            .interval(Duration::from_secs(15))
            .text("keep-alive"),
    ))
}

struct Cursor {
    state: AppState,
    email: String,
    /// An admin's stream carries every event.
    admin: bool,
    token: Option<Secret>,
    after: i64,
    pending: std::collections::VecDeque<LoggedEvent>,
    /// The newest event id announced; the stream reads the log again when it changes.
    latest: watch::Receiver<i64>,
    /// Whether the stream's opening comment went out.
    opened: bool,
    /// When the token was last checked.
    checked: Instant,
    /// Changes when an admin revokes the agent: the stream ends at once.
    closed: watch::Receiver<u64>,
    _slot: StreamSlot,
}

impl Cursor {
    /// Whether the token still belongs to the agent, checked at most every `token_recheck`.
    async fn still_allowed(&mut self) -> bool {
        if self.checked.elapsed() < self.state.limits.token_recheck {
            return true;
        }
        self.checked = Instant::now();
        let Some(token) = &self.token else {
            return false;
        };
        match self.state.engine.agent_for_token(token.expose()).await {
            Ok(Some(agent)) => agent.email == self.email,
            Ok(None) => {
                tracing::info!(agent = %self.email, "an event stream ends: its token was revoked");
                false
            }
            // The database is busy or failing: the stream goes on and checks again.
            Err(e) => {
                tracing::warn!(error = %e, "cannot check an event stream's token");
                true
            }
        }
    }
}

/// The `stream.reset` event told to an app that asked for a position beyond `newest`.
fn reset(asked: i64, newest: i64) -> LoggedEvent {
    let event = HubEvent::StreamReset { asked, newest };
    let new = event.to_new(Vec::new());
    LoggedEvent {
        id: 0,
        at: 0,
        audience: new.audience,
        kind: new.kind,
        payload: new.payload,
    }
}

/// The stream: a comment at once (so that the answer's headers and first bytes leave whatever
/// the log holds), then the events after the cursor, then each new one as it is announced.
fn follow(cursor: Cursor) -> impl Stream<Item = Result<Event, Infallible>> {
    stream::unfold(cursor, |mut c| async move {
        if !c.opened {
            c.opened = true;
            return Some((Ok(Event::default().comment("ringside events")), c));
        }
        loop {
            if *c.state.shutdown.borrow()
                || c.closed.has_changed().unwrap_or(true)
                || !c.still_allowed().await
            {
                return None;
            }
            if let Some(e) = c.pending.pop_front() {
                let event = Event::default()
                    .id(e.id.to_string())
                    .event(e.kind)
                    .data(e.payload);
                return Some((Ok(event), c));
            }
            // Whatever is announced from here on wakes the wait below, even if the log was
            // read before it was written: the stream never spins on an announcement it has
            // seen (the log may hold nothing above it, pruned or not this agent's).
            c.latest.borrow_and_update();
            let after = c.after;
            match c
                .state
                .store()
                .run(move |s| s.events_after(after, 200))
                .await
            {
                Ok(batch) if !batch.is_empty() => {
                    c.after = batch.last().map_or(c.after, |e| e.id);
                    let (email, admin) = (&c.email, c.admin);
                    c.pending
                        .extend(batch.into_iter().filter(|e| admin || e.concerns(email)));
                    continue;
                }
                Ok(_) => {}
                Err(e) => tracing::warn!(error = %e, "cannot read the event log"),
            }
            let mut shutdown = c.state.shutdown.clone();
            tokio::select! {
                announced = c.latest.changed() => {
                    // The pipeline is gone: the hub is stopping.
                    if announced.is_err() {
                        return None;
                    }
                }
                _ = tokio::time::sleep(c.state.limits.token_recheck) => {}
                _ = shutdown.wait_for(|s| *s) => return None,
                _ = c.closed.changed() => {
                    tracing::info!(agent = %c.email, "an event stream ends: an admin revoked its agent");
                    return None;
                }
            }
        }
    })
}
