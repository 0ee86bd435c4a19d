//! Who may see which call: the same agents as the call's events on the stream. An admin agent
//! sees every call; another agent sees a call when they are among the people its events go to
//! (whoever answered, was transferred or assigned the call, and the line's users), or when its
//! events go to every agent (a call whose line lists no one). Messages' events go to every
//! agent, and so do messages. A call an agent may not see is answered as unknown.

use super::failure::Failure;
use super::AppState;
use crate::aircall::Call;
use crate::inbox::audience_of_call;
use crate::store::{Agent, Subject};

/// Whether the agent may see and act on this call or message.
pub(super) fn may_see(agent: &Agent, subject: &Subject) -> bool {
    if agent.admin || subject.kind == "message" {
        return true;
    }
    // A snapshot this version cannot read is for admins only.
    let Ok(call) = serde_json::from_value::<Call>(subject.snapshot.clone()) else {
        return false;
    };
    let audience = audience_of_call(&call);
    audience.is_empty() || audience.contains(&agent.email)
}

/// The call with this id, when the hub knows it and the agent may see it.
pub(super) fn visible_call(state: &AppState, agent: &Agent, id: u64) -> Result<Subject, Failure> {
    match state.store.subject("call", &id.to_string())? {
        Some(subject) if may_see(agent, &subject) => Ok(subject),
        _ => Err(Failure::unknown_call(id)),
    }
}
