//! [`Pacer`]: one request scheduler per vendor API, shared by every task that calls it.
//!
//! A pacer is a token bucket sized so that no window of the budget's period ever sees more
//! requests than the budget (the refill rate is `budget - burst` per period, plus a burst of
//! `burst`). On top of it the server's own signals win: a 429, or a `Remaining: 0`, blocks every
//! caller until the server's reset time. Waiting callers are served by [`Priority`]: a ringing
//! call's look-ups go before logging, and logging before bulk sync. Time is tokio's, so tests can
//! pause it.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::Notify;
use tokio::time::Instant;

/// How urgent a request is. Lower runs first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Priority {
    /// A call is ringing and an agent is waiting for the card.
    Interactive = 0,
    /// Logging calls and messages into Intercom.
    Logging = 1,
    /// Contact sync and other bulk work.
    Bulk = 2,
}

const PRIORITIES: usize = 3;

/// A request budget: at most `requests` in any `period`, of which `burst` may go at once.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Budget {
    /// Requests allowed per period.
    pub requests: u32,
    /// The period.
    pub period: Duration,
    /// Requests that may be sent back to back after a quiet spell.
    pub burst: u32,
}

impl Budget {
    /// Aircall: plan for 60 requests a minute per company, shared with every other integration.
    pub fn aircall(per_minute: u32) -> Self {
        Budget {
            requests: per_minute.max(1),
            period: Duration::from_secs(60),
            burst: (per_minute / 20).clamp(1, 10),
        }
    }

    /// Intercom: the per-app budget is spread over 10-second windows (10,000 a minute is about
    /// 1,666 a window); the server's headers refine it.
    pub fn intercom(per_window: u32) -> Self {
        Budget {
            requests: per_window.max(1),
            period: Duration::from_secs(10),
            burst: (per_window / 4).max(1),
        }
    }

    fn burst(&self) -> f64 {
        f64::from(self.burst.min(self.requests))
    }

    /// Tokens per second, leaving room for the burst inside the period.
    fn rate(&self) -> f64 {
        let steady = f64::from(self.requests) - self.burst();
        steady.max(1.0) / self.period.as_secs_f64()
    }
}

/// The shared scheduler of one API. Cheap to clone.
#[derive(Debug, Clone)]
pub struct Pacer {
    shared: Arc<Shared>,
}

#[derive(Debug)]
struct Shared {
    state: Mutex<State>,
    changed: Notify,
}

#[derive(Debug)]
struct State {
    /// The budget set by configuration.
    configured: Budget,
    /// The budget in force: the configured one, capped by the server's limit header.
    budget: Budget,
    tokens: f64,
    refilled_at: Instant,
    blocked_until: Option<Instant>,
    waiting: [usize; PRIORITIES],
    granted: u64,
}

impl Pacer {
    /// A pacer with a full bucket.
    pub fn new(budget: Budget) -> Self {
        Pacer {
            shared: Arc::new(Shared {
                state: Mutex::new(State {
                    configured: budget,
                    budget,
                    tokens: budget.burst(),
                    refilled_at: Instant::now(),
                    blocked_until: None,
                    waiting: [0; PRIORITIES],
                    granted: 0,
                }),
                changed: Notify::new(),
            }),
        }
    }

    /// The current budget.
    pub fn budget(&self) -> Budget {
        self.lock().budget
    }

    /// Replaces the budget (a setting changed).
    pub fn set_budget(&self, budget: Budget) {
        let mut state = self.lock();
        state.configured = budget;
        state.budget = budget;
        state.tokens = state.tokens.min(budget.burst());
        drop(state);
        self.shared.changed.notify_waiters();
    }

    /// How many requests this pacer has let through.
    pub fn granted(&self) -> u64 {
        self.lock().granted
    }

    /// Waits for the right to send one request.
    pub async fn acquire(&self, priority: Priority) {
        self.wait(priority, true).await;
    }

    /// Waits until a request at this priority could be sent now, without taking the right: for
    /// a caller that chooses what to send only once its turn has come.
    pub async fn ready(&self, priority: Priority) {
        self.wait(priority, false).await;
    }

    async fn wait(&self, priority: Priority, take: bool) {
        let slot = priority as usize;
        self.lock().waiting[slot] += 1;
        let _queued = Queued { pacer: self, slot };
        loop {
            let notified = self.shared.changed.notified();
            tokio::pin!(notified);
            notified.as_mut().enable();
            let wait = {
                let mut state = self.lock();
                let now = Instant::now();
                state.refill(now);
                match state.blocked_until {
                    Some(until) if until > now => Some(until - now),
                    _ => {
                        state.blocked_until = None;
                        if state.waiting[..slot].iter().any(|&n| n > 0) {
                            // Someone more urgent is waiting: let them go first.
                            None
                        } else if state.tokens >= 1.0 - 1e-9 {
                            if !take {
                                return;
                            }
                            state.tokens = (state.tokens - 1.0).max(0.0);
                            state.granted += 1;
                            drop(state);
                            self.shared.changed.notify_waiters();
                            return;
                        } else {
                            let missing = 1.0 - state.tokens;
                            // At least a millisecond: the timer's resolution.
                            let wait = Duration::from_secs_f64(missing / state.budget.rate());
                            Some(wait.max(Duration::from_millis(1)))
                        }
                    }
                }
            };
            match wait {
                Some(d) => {
                    tokio::select! {
                        _ = tokio::time::sleep(d) => {}
                        _ = &mut notified => {}
                    }
                }
                None => notified.await,
            }
        }
    }

    /// The server said how many requests its window allows: the budget is the configured one,
    /// capped by it, so the pacer never sends more than the server allows (and goes back up to
    /// the configured budget when the server allows more again).
    pub fn follow_limit(&self, limit: u64) {
        let mut state = self.lock();
        let configured = state.configured;
        let requests = u32::try_from(limit)
            .unwrap_or(u32::MAX)
            .clamp(1, configured.requests.max(1));
        if state.budget.requests == requests {
            return;
        }
        let old = state.budget;
        state.budget = Budget {
            requests,
            period: configured.period,
            burst: configured.burst.clamp(1, requests),
        };
        state.tokens = state.tokens.min(state.budget.burst());
        drop(state);
        tracing::info!(
            from = old.requests,
            to = requests,
            "the API's rate limit header changed the request budget"
        );
        self.shared.changed.notify_waiters();
    }

    /// Blocks every caller until `until` (a 429, or the server said nothing remains).
    pub fn block_until(&self, until: Instant) {
        let mut state = self.lock();
        if state.blocked_until.is_none_or(|b| b < until) {
            state.blocked_until = Some(until);
        }
        state.tokens = 0.0;
        drop(state);
        self.shared.changed.notify_waiters();
    }

    /// The server reported how many requests remain in its window and when it resets.
    pub fn observe_remaining(&self, remaining: u64, reset: Option<Instant>) {
        if remaining == 0 {
            if let Some(reset) = reset {
                self.block_until(reset);
            }
            return;
        }
        let mut state = self.lock();
        state.tokens = state.tokens.min(remaining as f64);
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        // A panic while holding this lock leaves plain numbers behind, still usable.
        self.shared.state.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl State {
    fn refill(&mut self, now: Instant) {
        let elapsed = now
            .saturating_duration_since(self.refilled_at)
            .as_secs_f64();
        self.tokens = (self.tokens + elapsed * self.budget.rate()).min(self.budget.burst());
        self.refilled_at = now;
    }
}

/// Removes a caller from the queue however `acquire` ends (granted or cancelled).
struct Queued<'a> {
    pacer: &'a Pacer,
    slot: usize,
}

impl Drop for Queued<'_> {
    fn drop(&mut self) {
        self.pacer.lock().waiting[self.slot] -= 1;
        self.pacer.shared.changed.notify_waiters();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn never_exceeds_the_budget_in_any_period() {
        let pacer = Pacer::new(Budget::aircall(60));
        let start = Instant::now();
        let mut times = Vec::new();
        for _ in 0..150 {
            pacer.acquire(Priority::Bulk).await;
            times.push(Instant::now() - start);
        }
        // Any 60-second window holds at most 60 requests.
        for (i, t) in times.iter().enumerate() {
            let in_window = times[i..]
                .iter()
                .take_while(|u| **u < *t + Duration::from_secs(60))
                .count();
            assert!(
                in_window <= 60,
                "{in_window} requests in the minute after {t:?}"
            );
        }
        // And the pace is close to the budget: 150 requests need roughly 2.5 minutes.
        let total = times.last().unwrap().as_secs_f64();
        assert!((140.0..=170.0).contains(&total), "took {total}s");
    }

    #[tokio::test(start_paused = true)]
    async fn the_budget_never_exceeds_the_servers_limit_header() {
        let pacer = Pacer::new(Budget::aircall(60));
        // The server allowing more does not raise the configured budget.
        pacer.follow_limit(120);
        assert_eq!(pacer.budget().requests, 60);
        assert_eq!(pacer.budget().period, Duration::from_secs(60));
        pacer.follow_limit(30);
        assert_eq!(pacer.budget().requests, 30);
        assert!(pacer.budget().burst <= 30);
        // At 30 a minute, 40 requests need more than a minute.
        let start = Instant::now();
        for _ in 0..40 {
            pacer.acquire(Priority::Bulk).await;
        }
        assert!(Instant::now() - start > Duration::from_secs(60));
        // And back up to the configured budget when the server allows it again.
        pacer.follow_limit(120);
        assert_eq!(pacer.budget().requests, 60);
    }

    #[tokio::test(start_paused = true)]
    async fn a_block_holds_everyone_until_the_reset() {
        let pacer = Pacer::new(Budget::intercom(100));
        let start = Instant::now();
        pacer.block_until(start + Duration::from_secs(7));
        pacer.acquire(Priority::Interactive).await;
        assert!(Instant::now() - start >= Duration::from_secs(7));
    }

    #[tokio::test(start_paused = true)]
    async fn interactive_work_overtakes_queued_bulk_work() {
        let pacer = Pacer::new(Budget {
            requests: 10,
            period: Duration::from_secs(10),
            burst: 1,
        });
        pacer.acquire(Priority::Bulk).await; // empties the bucket
        let order = Arc::new(Mutex::new(Vec::new()));
        let mut tasks = Vec::new();
        for i in 0..3 {
            let (p, o) = (pacer.clone(), order.clone());
            tasks.push(tokio::spawn(async move {
                p.acquire(Priority::Bulk).await;
                o.lock().unwrap().push(format!("bulk{i}"));
            }));
        }
        tokio::task::yield_now().await;
        let (p, o) = (pacer.clone(), order.clone());
        tasks.push(tokio::spawn(async move {
            p.acquire(Priority::Interactive).await;
            o.lock().unwrap().push("ring".to_owned());
        }));
        for t in tasks {
            t.await.unwrap();
        }
        assert_eq!(order.lock().unwrap()[0], "ring");
    }

    #[tokio::test(start_paused = true)]
    async fn a_cancelled_waiter_does_not_block_others() {
        let pacer = Pacer::new(Budget {
            requests: 2,
            period: Duration::from_secs(10),
            burst: 1,
        });
        pacer.acquire(Priority::Bulk).await;
        let waiting = tokio::time::timeout(
            Duration::from_millis(10),
            pacer.acquire(Priority::Interactive),
        );
        assert!(waiting.await.is_err());
        // The cancelled interactive waiter left the queue, so bulk work proceeds.
        tokio::time::timeout(Duration::from_secs(30), pacer.acquire(Priority::Bulk))
            .await
            .expect("bulk was starved by a cancelled waiter");
    }
}
