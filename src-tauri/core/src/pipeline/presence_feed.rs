//! What the processor tells presence: a call answered by a user, a call hung up or ended,
//! Aircall's wrap-up starting or ending for a user (`user.wut_start` / `user.wut_end`, v1 or
//! `.v2`). Each becomes a signal on the agent's presence row, recorded idempotently (a
//! redelivered or late webhook changes nothing); the presence task acts on the row.

use crate::aircall::Call;
use crate::domain::presence::Signal;
use crate::domain::subject::{Progress, SubjectKey};
use crate::store::{Store, StoreError};
use crate::webhook::{CallEvent, UserEvent};

/// A webhook's time, or now when it has none.
fn at(timestamp: i64, now: i64) -> i64 {
    if timestamp > 0 {
        timestamp
    } else {
        now
    }
}

/// Records what a call webhook says of its agent. Returns whether presence has something new.
pub(super) fn on_call(
    store: &Store,
    kind: CallEvent,
    call: &Call,
    timestamp: i64,
    now: i64,
    wrap_up_seconds: u64,
) -> Result<bool, StoreError> {
    let at = at(timestamp, now);
    match kind {
        CallEvent::Answered => {
            let Some(email) = call.user.as_ref().and_then(|u| u.email.as_deref()) else {
                return Ok(false);
            };
            // An answer delivered after the call's end (out of order) starts nothing.
            let over = call.status == "done"
                || store
                    .subject(&SubjectKey::call(call.id))?
                    .is_some_and(|s| s.progress == Progress::Over);
            if over {
                return Ok(false);
            }
            store.presence_signal(
                email,
                Signal::Answered {
                    call_id: call.id,
                    at,
                },
                now,
                wrap_up_seconds,
            )
        }
        CallEvent::Hungup | CallEvent::Ended => {
            store.presence_call_ended(call.id, at, now, wrap_up_seconds)
        }
        _ => Ok(false),
    }
}

/// Records Aircall's wrap-up starting or ending for a user (by the payload's email, else the
/// one the hub last read for that user). Returns whether presence has something new.
pub(super) fn on_user(
    store: &Store,
    user: &UserEvent,
    timestamp: i64,
    now: i64,
    wrap_up_seconds: u64,
) -> Result<bool, StoreError> {
    let at = at(timestamp, now);
    let signal = match user.name.trim_end_matches(".v2") {
        "user.wut_start" => Signal::WrapUpStarted { at },
        "user.wut_end" => Signal::WrapUpEnded { at },
        _ => return Ok(false),
    };
    let email = match user.email.as_deref().filter(|e| !e.trim().is_empty()) {
        Some(e) => e.to_owned(),
        None => match store.aircall_user_email(user.user_id)? {
            Some(e) => e,
            None => {
                tracing::warn!(
                    user = user.user_id,
                    event = %user.name,
                    "Aircall's wrap-up of a user the hub has no email for: presence cannot follow it"
                );
                return Ok(false);
            }
        },
    };
    store.presence_signal(&email, signal, now, wrap_up_seconds)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::aircall::User;
    use crate::domain::presence::Phase;

    fn call(id: u64, status: &str, email: &str) -> Call {
        serde_json::from_value(serde_json::json!({
            "id": id, "direction": "inbound", "status": status, "raw_digits": "+33612345678",
            "user": {"id": 7, "name": "Bob", "email": email}
        }))
        .unwrap()
    }

    fn user_event(name: &str, email: Option<&str>) -> UserEvent {
        UserEvent {
            name: name.into(),
            user_id: 7,
            email: email.map(str::to_owned),
        }
    }

    #[test]
    fn an_answer_then_aircalls_wrap_up_by_email_or_by_the_cached_user() {
        let store = Store::open_in_memory().unwrap();
        let answered = call(1, "answered", "Bob@Acme.io");
        assert!(on_call(&store, CallEvent::Answered, &answered, 10, 100, 60).unwrap());
        assert!(!on_call(&store, CallEvent::Tagged, &answered, 11, 100, 60).unwrap());
        let hung_up = call(1, "done", "Bob@Acme.io");
        assert!(on_call(&store, CallEvent::Hungup, &hung_up, 12, 100, 60).unwrap());
        assert!(!on_call(&store, CallEvent::Ended, &hung_up, 13, 100, 60).unwrap());
        // `.v2` is the same event; without an email, the user the hub read from Aircall.
        store
            .replace_aircall_users(
                &[User {
                    id: 7,
                    name: "Bob".into(),
                    email: Some("bob@acme.io".into()),
                    availability_status: None,
                }],
                &[],
                100,
            )
            .unwrap();
        let wut = user_event("user.wut_start.v2", None);
        assert!(on_user(&store, &wut, 20, 101, 60).unwrap());
        let row = store.presence_row("bob@acme.io").unwrap().unwrap();
        assert_eq!(row.track.phase, Phase::WrapUp);
        assert!(!on_user(&store, &user_event("user.opened", None), 21, 102, 60).unwrap());
        let end = user_event("user.wut_end", Some("BOB@acme.io"));
        assert!(on_user(&store, &end, 30, 103, 60).unwrap());
        let row = store.presence_row("bob@acme.io").unwrap().unwrap();
        assert_eq!(row.track.phase, Phase::Idle);
        // A user the hub knows nothing of changes nothing.
        let stranger = UserEvent {
            user_id: 8,
            ..user_event("user.wut_start", None)
        };
        assert!(!on_user(&store, &stranger, 40, 104, 60).unwrap());
    }

    #[test]
    fn an_answer_delivered_after_the_calls_end_starts_nothing() {
        let store = Store::open_in_memory().unwrap();
        let done = call(2, "done", "bob@acme.io");
        assert!(!on_call(&store, CallEvent::Answered, &done, 10, 100, 60).unwrap());
        assert!(store.presence_row("bob@acme.io").unwrap().is_none());
        let nobody: Call = serde_json::from_value(serde_json::json!({
            "id": 3, "direction": "inbound", "status": "answered", "raw_digits": "+33612345678"
        }))
        .unwrap();
        assert!(!on_call(&store, CallEvent::Answered, &nobody, 10, 100, 60).unwrap());
    }
}
