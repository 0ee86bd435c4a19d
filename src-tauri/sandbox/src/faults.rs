//! Fault injection and the rate-limit budgets, shared by both fake servers.
//!
//! A [`Faults`] handle is cheap to clone and may be used from any thread while the servers run.
//! Each API has its own latency, its own queues of injected failures and its own limiter. On
//! every request the server first waits for the latency, then takes at most one injected fault
//! (a dropped connection first, then a failure status, then a rate-limit refusal), and only then
//! checks credentials and the real budget. A lost answer is taken last, after a request was
//! handled successfully: its effect stays, its response never leaves.

use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use crate::clock;
use crate::limits::{FixedWindow, Verdict};
use crate::seed::RateLimits;

/// Which fake API a setting applies to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Api {
    /// The fake Aircall Public API.
    Aircall,
    /// The fake Intercom REST API.
    Intercom,
}

/// A fault taken for one request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Fault {
    /// Close the connection without answering.
    Drop,
    /// Answer this status with the API's error body.
    Fail(u16),
    /// Answer 429 with the API's rate-limit headers; the window resets at this UNIX second.
    RateLimit { reset: u64 },
}

/// Injected latency and failures for one API.
#[derive(Debug, Default)]
struct Injected {
    latency: Duration,
    drop: usize,
    fail: usize,
    fail_status: u16,
    rate_limit: usize,
    reset_in: Duration,
    lose: usize,
}

#[derive(Debug)]
struct PerApi {
    injected: Mutex<Injected>,
    limiter: Mutex<FixedWindow>,
}

/// Latency, failures and rate-limit budgets for both fake APIs.
///
/// Obtained from [`crate::Sandbox::faults`]; every method takes `&self` and applies at once,
/// including to requests already waiting for their latency.
#[derive(Debug, Clone)]
pub struct Faults {
    aircall: Arc<PerApi>,
    intercom: Arc<PerApi>,
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

impl Faults {
    /// Budgets from the seed, no injected faults.
    pub(crate) fn new(limits: &RateLimits) -> Self {
        let per_api = |limiter| {
            Arc::new(PerApi {
                injected: Mutex::new(Injected::default()),
                limiter: Mutex::new(limiter),
            })
        };
        Faults {
            aircall: per_api(FixedWindow::new(
                limits.aircall_per_minute,
                Duration::from_secs(60),
            )),
            intercom: per_api(FixedWindow::new(
                limits.intercom_per_window,
                Duration::from_millis(limits.intercom_window_ms),
            )),
        }
    }

    fn api(&self, api: Api) -> &PerApi {
        match api {
            Api::Aircall => &self.aircall,
            Api::Intercom => &self.intercom,
        }
    }

    /// Every request to `api` waits this long before being handled (zero turns it off).
    pub fn set_latency(&self, api: Api, latency: Duration) {
        lock(&self.api(api).injected).latency = latency;
    }

    /// The next `n` requests to `api` are answered `status` with that API's error body.
    pub fn fail_next(&self, api: Api, n: usize, status: u16) {
        let mut injected = lock(&self.api(api).injected);
        injected.fail = n;
        injected.fail_status = status;
    }

    /// The next `n` requests to `api` are answered 429 with the API's rate-limit headers, the
    /// window resetting `reset_in` after each refusal.
    pub fn rate_limit_next(&self, api: Api, n: usize, reset_in: Duration) {
        let mut injected = lock(&self.api(api).injected);
        injected.rate_limit = n;
        injected.reset_in = reset_in;
    }

    /// The next `n` requests to `api` get their TCP connection closed with no HTTP response.
    pub fn drop_next(&self, api: Api, n: usize) {
        lock(&self.api(api).injected).drop = n;
    }

    /// The next `n` requests to `api` that succeed are carried out, then their connection is
    /// closed before the response is sent: the write happened, the client never learns it.
    pub fn lose_answer_next(&self, api: Api, n: usize) {
        lock(&self.api(api).injected).lose = n;
    }

    /// Sets Aircall's company budget to `requests` per `window` (a scaled-down minute, for
    /// tests) and starts a new window.
    pub fn set_aircall_limit(&self, requests: u32, window: Duration) {
        lock(&self.aircall.limiter).configure(requests, window);
    }

    /// Sets Aircall's company budget (requests per one-minute window) and starts a new window.
    pub fn set_aircall_budget(&self, per_minute: u32) {
        lock(&self.aircall.limiter).configure(per_minute, Duration::from_secs(60));
    }

    /// Sets Intercom's budget (requests per `window`) and starts a new window.
    pub fn set_intercom_budget(&self, per_window: u32, window: Duration) {
        lock(&self.intercom.limiter).configure(per_window, window);
    }

    /// Removes every injected latency and fault and empties both rate-limit windows. The
    /// budgets themselves are kept.
    pub fn clear(&self) {
        for api in [Api::Aircall, Api::Intercom] {
            *lock(&self.api(api).injected) = Injected::default();
            lock(&self.api(api).limiter).reset();
        }
    }

    /// The latency to wait before handling a request to `api`.
    pub(crate) fn latency(&self, api: Api) -> Duration {
        lock(&self.api(api).injected).latency
    }

    /// Takes the next injected fault for `api`, if any.
    pub(crate) fn take(&self, api: Api) -> Option<Fault> {
        let mut injected = lock(&self.api(api).injected);
        if injected.drop > 0 {
            injected.drop -= 1;
            return Some(Fault::Drop);
        }
        if injected.fail > 0 {
            injected.fail -= 1;
            return Some(Fault::Fail(injected.fail_status));
        }
        if injected.rate_limit > 0 {
            injected.rate_limit -= 1;
            return Some(Fault::RateLimit {
                reset: clock::unix_after(injected.reset_in),
            });
        }
        None
    }

    /// Whether the answer to the request just handled by `api` is to be lost.
    pub(crate) fn take_lost_answer(&self, api: Api) -> bool {
        let mut injected = lock(&self.api(api).injected);
        if injected.lose > 0 {
            injected.lose -= 1;
            return true;
        }
        false
    }

    /// Counts one request against the real budget of `api`.
    pub(crate) fn take_budget(&self, api: Api) -> Verdict {
        lock(&self.api(api).limiter).take()
    }

    /// The budget per window and the window length of `api`.
    pub(crate) fn budget(&self, api: Api) -> (u32, Duration) {
        let limiter = lock(&self.api(api).limiter);
        (limiter.limit(), limiter.window())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn faults_are_taken_in_order_and_counted() {
        let faults = Faults::new(&RateLimits::default());
        faults.fail_next(Api::Intercom, 1, 503);
        faults.drop_next(Api::Intercom, 1);
        assert_eq!(faults.take(Api::Intercom), Some(Fault::Drop));
        assert_eq!(faults.take(Api::Intercom), Some(Fault::Fail(503)));
        assert_eq!(faults.take(Api::Intercom), None);
        assert_eq!(faults.take(Api::Aircall), None);
    }

    #[test]
    fn clear_removes_everything_injected() {
        let faults = Faults::new(&RateLimits::default());
        faults.set_latency(Api::Aircall, Duration::from_secs(1));
        faults.rate_limit_next(Api::Aircall, 3, Duration::from_secs(5));
        faults.clear();
        assert_eq!(faults.latency(Api::Aircall), Duration::ZERO);
        assert_eq!(faults.take(Api::Aircall), None);
    }
}
