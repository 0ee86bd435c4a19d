//! Who may see which call: the same agents as the call's events on the stream. An admin agent
//! sees every call; another agent sees a call or a message when they are among the people its
//! events go to (whoever answered, was transferred or assigned the call, the message's sender,
//! and the line's teammates), or when its events go to every agent (one that names nobody yet,
//! such as a call still ringing on a line whose teammates the webhook does not list). A call an
//! agent may not see is answered as unknown.

use super::failure::Failure;
use super::AppState;
use crate::pipeline::subject::{Subject, SubjectKey};
use crate::store::Agent;

/// Whether the agent may see and act on this call or message.
pub(super) fn may_see(agent: &Agent, subject: &Subject) -> bool {
    if agent.admin {
        return true;
    }
    let audience = subject.audience();
    audience.is_empty() || audience.contains(&agent.email)
}

/// The call with this id, when the hub knows it and the agent may see it.
pub(super) fn visible_call(state: &AppState, agent: &Agent, id: u64) -> Result<Subject, Failure> {
    match state.store.subject(&SubjectKey::call(id))? {
        Some(subject) if may_see(agent, &subject) => Ok(subject),
        _ => Err(Failure::unknown_call(id)),
    }
}
