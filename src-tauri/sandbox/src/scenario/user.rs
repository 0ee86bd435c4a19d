//! Aircall's user webhooks around a call: `user.wut_start` and `user.wut_end` (the agent's
//! wrap-up time), as v1 events (the user with the numbers they answer on) or as `.v2` events
//! (the user without `numbers`, like `GET /v2/users/:id`).

use serde_json::Value;

use super::Envelope;
use crate::aircall::{self, render};
use crate::{Sandbox, SandboxError};

/// The granular availability Aircall reports during a wrap-up.
const AFTER_CALL_WORK: &str = "after_call_work";

/// Starts or ends `user`'s wrap-up in the fake Aircall and renders the webhook of `event`.
///
/// The wrap-up changes the granular availability only (`after_call_work`, then `available`
/// again unless something else changed it meanwhile); the user's setting
/// (`availability_status`) stays, as in Aircall's live deliveries.
pub(super) fn wrap_up(
    sandbox: &Sandbox,
    event: &str,
    user: u64,
    starts: bool,
    at: i64,
) -> Result<Envelope, SandboxError> {
    let mut state = aircall::lock(sandbox.aircall_state());
    let record = state
        .users
        .iter_mut()
        .find(|u| u.id == user)
        .ok_or(SandboxError::UnknownUser(user))?;
    if starts {
        record.availability = AFTER_CALL_WORK.to_owned();
    } else if record.availability == AFTER_CALL_WORK {
        record.availability = "available".to_owned();
    }
    let record = record.clone();
    let mut data = render::user(&record, &state.base_url);
    if !event.ends_with(".v2") {
        let numbers: Vec<Value> = state
            .numbers
            .iter()
            .filter(|n| n.users.contains(&user))
            .map(|n| {
                let mut number = render::number(n, &state);
                if let Some(fields) = number.as_object_mut() {
                    fields.remove("users");
                }
                number
            })
            .collect();
        data["numbers"] = numbers.into();
    }
    Ok(Envelope {
        resource: "user".to_owned(),
        event: event.to_owned(),
        timestamp: at,
        data,
    })
}
