//! The rate limiters: a fixed-window request budget, one per API.
//!
//! Aircall gives each company a budget per minute; Intercom spreads its budget over 10-second
//! windows. Both are modelled as a fixed window that opens with the first request after the
//! previous one closed. A refused request does not use the budget.

use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// What the limiter says about one request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Verdict {
    /// Whether the request may proceed.
    pub allowed: bool,
    /// The budget per window.
    pub limit: u32,
    /// Requests left in the window after this one.
    pub remaining: u32,
    /// UNIX second at which the current window ends.
    pub reset: u64,
}

/// A fixed-window request budget.
#[derive(Debug)]
pub(crate) struct FixedWindow {
    limit: u32,
    window: Duration,
    opened: Option<(Instant, SystemTime)>,
    used: u32,
}

impl FixedWindow {
    /// A budget of `limit` requests per `window`.
    pub(crate) fn new(limit: u32, window: Duration) -> Self {
        FixedWindow {
            limit,
            window: window.max(Duration::from_millis(1)),
            opened: None,
            used: 0,
        }
    }

    /// Changes the budget and starts afresh.
    pub(crate) fn configure(&mut self, limit: u32, window: Duration) {
        *self = FixedWindow::new(limit, window);
    }

    /// Forgets the requests counted so far.
    pub(crate) fn reset(&mut self) {
        self.opened = None;
        self.used = 0;
    }

    /// The budget per window.
    pub(crate) fn limit(&self) -> u32 {
        self.limit
    }

    /// The window length.
    pub(crate) fn window(&self) -> Duration {
        self.window
    }

    /// Counts one request, if the budget allows it.
    pub(crate) fn take(&mut self) -> Verdict {
        let now = Instant::now();
        let opened_wall = match self.opened {
            Some((at, wall)) if now.duration_since(at) < self.window => wall,
            _ => {
                let wall = SystemTime::now();
                self.used = 0;
                self.opened = Some((now, wall));
                wall
            }
        };
        let end = (opened_wall + self.window)
            .duration_since(UNIX_EPOCH)
            .unwrap_or_default();
        let reset = end.as_secs() + u64::from(end.subsec_nanos() > 0);
        let allowed = self.used < self.limit;
        if allowed {
            self.used += 1;
        }
        Verdict {
            allowed,
            limit: self.limit,
            remaining: self.limit - self.used,
            reset,
        }
    }
}

/// Renders a window length the way Intercom's error message does: `10_seconds`.
pub(crate) fn window_label(window: Duration) -> String {
    if window.subsec_millis() == 0 {
        format!("{}_seconds", window.as_secs())
    } else {
        format!("{}_milliseconds", window.as_millis())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_past_the_budget_and_reopens() {
        let mut limiter = FixedWindow::new(2, Duration::from_millis(50));
        assert!(limiter.take().allowed);
        let second = limiter.take();
        assert!(second.allowed);
        assert_eq!(second.remaining, 0);
        let third = limiter.take();
        assert!(!third.allowed);
        assert_eq!(third.reset, second.reset);
        std::thread::sleep(Duration::from_millis(60));
        assert!(limiter.take().allowed);
    }

    #[test]
    fn labels_windows() {
        assert_eq!(window_label(Duration::from_secs(10)), "10_seconds");
        assert_eq!(window_label(Duration::from_millis(500)), "500_milliseconds");
    }
}
