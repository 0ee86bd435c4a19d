//! The per-agent quota on card look-ups by number (`GET /api/v1/cards?phone=`): each one spends
//! Intercom's interactive budget and tells who a number is.

use std::num::NonZeroU32;

use axum::http::StatusCode;
use governor::clock::DefaultClock;
use governor::state::keyed::HashMapStateStore;
use governor::{Quota, RateLimiter};

use super::failure::Failure;

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
