//! Who may see which call: the same agents as the call's events on the stream. An admin agent
//! sees every call; another agent sees a call or a message when they are among the people its
//! events go to (whoever answered, was transferred or assigned the call, the message's sender,
//! and the line's teammates), or when its events go to every agent (one that names nobody yet,
//! such as a call still ringing on a line whose teammates the webhook does not list). A call an
//! agent may not see is answered as unknown.

use super::EngineError;
use crate::domain::subject::{Subject, SubjectKey};
use crate::phone::{CallerId, Region};
use crate::store::{Agent, Store};

/// How far back an agent's own calls are searched for a number they look up.
const OWN_CALLS_SEARCHED: usize = 500;

/// Whether the agent may see and act on this call or message.
pub fn may_see(agent: &Agent, subject: &Subject) -> bool {
    if agent.admin {
        return true;
    }
    let audience = subject.audience();
    audience.is_empty() || audience.contains(&agent.email)
}

/// The call with this id, when the hub knows it and the agent may see it.
pub(super) fn visible_call(store: &Store, agent: &Agent, id: u64) -> Result<Subject, EngineError> {
    match store.subject(&SubjectKey::call(id))? {
        Some(subject) if may_see(agent, &subject) => Ok(subject),
        _ => Err(EngineError::UnknownCall(id)),
    }
}

/// Whether the agent may look up this caller's card by number: an admin may look up any; an
/// agent, only the callers of calls they may see (among the hub's last few hundred calls and
/// messages). A look-up spends Intercom's interactive budget and tells who a number is.
pub(super) fn may_look_up(
    store: &Store,
    default_region: Region,
    agent: &Agent,
    caller: &CallerId,
) -> Result<bool, EngineError> {
    if agent.admin {
        return Ok(true);
    }
    Ok(store
        .recent_subjects(OWN_CALLS_SEARCHED)?
        .iter()
        .filter(|s| may_see(agent, s))
        .any(|s| s.caller(default_region).ok().as_ref() == Some(caller)))
}
