//! Who may see which call: the same agents as the call's events on the stream. An admin agent
//! sees every call; another agent sees a call or a message when they are among the people its
//! events go to (whoever answered, was transferred or assigned the call, the message's sender,
//! and the line's teammates), or when its events go to every agent (one that names nobody yet,
//! such as a call still ringing on a line whose teammates the webhook does not list). A call an
//! agent may not see is answered as unknown.

use std::num::NonZeroU32;

use axum::http::StatusCode;
use governor::clock::DefaultClock;
use governor::state::keyed::HashMapStateStore;
use governor::{Quota, RateLimiter};

use super::failure::Failure;
use super::AppState;
use crate::domain::subject::{Subject, SubjectKey};
use crate::phone::CallerId;
use crate::store::Agent;

/// How far back an agent's own calls are searched for a number they look up.
const OWN_CALLS_SEARCHED: usize = 500;

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

/// Whether the agent may look up this caller's card by number: an admin may look up any; an
/// agent, only the callers of calls they may see (among the hub's last few hundred calls and
/// messages). A look-up spends Intercom's interactive budget and tells who a number is.
pub(super) fn may_look_up(
    state: &AppState,
    agent: &Agent,
    caller: &CallerId,
) -> Result<bool, Failure> {
    if agent.admin {
        return Ok(true);
    }
    Ok(state
        .store
        .recent_subjects(OWN_CALLS_SEARCHED)?
        .iter()
        .filter(|s| may_see(agent, s))
        .any(|s| s.caller(state.default_region).ok().as_ref() == Some(caller)))
}

/// Card look-ups by number, counted per agent.
#[derive(Debug)]
pub(crate) struct Lookups {
    limiter: RateLimiter<String, HashMapStateStore<String>, DefaultClock>,
    per_minute: u32,
}

impl Lookups {
    /// At most `per_minute` look-ups a minute per agent (at least one).
    pub fn new(per_minute: u32) -> Self {
        let per_minute = per_minute.max(1);
        let quota = Quota::per_minute(NonZeroU32::new(per_minute).unwrap_or(NonZeroU32::MIN));
        Lookups {
            limiter: RateLimiter::hashmap(quota),
            per_minute,
        }
    }

    /// Counts one look-up of this agent, or says when the next is allowed.
    pub fn take(&self, email: &str) -> Result<(), Failure> {
        match self.limiter.check_key(&email.to_owned()) {
            Ok(()) => Ok(()),
            Err(not_until) => {
                let wait =
                    not_until.wait_time_from(governor::clock::Clock::now(&DefaultClock::default()));
                Err(Failure::new(
                    StatusCode::TOO_MANY_REQUESTS,
                    "too_many_lookups",
                    format!(
                        "at most {} card look-ups a minute per agent; the next in {} s",
                        self.per_minute,
                        wait.as_secs().max(1)
                    ),
                ))
            }
        }
    }
}
