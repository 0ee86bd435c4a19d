//! Timing marks for the desktop benchmark (`cargo xtask bench-desktop`). With
//! `RINGSIDE_TIMINGS=1` the app prints one line to stderr per mark:
//! `ringside-timing <mark> <UNIX time in µs> [<call id>]`. The marks: `tray` (the tray icon
//! exists), `window` (the main window is built), `ring` (the hub accepted a demo call's
//! `call.created` webhook), `ready` (the call's `card.ready` event reached the app from the
//! hub's stream), `open` (the app showed the card window on that call and told it so), `fetch`
//! and `fetched` (a window asked the app for that call's card, and got it) and `card` (the card
//! window drew that call, as its page acknowledges). The marks between `ring` and `card` split
//! a ring's latency into the hub's part, the app's and the page's. Without the variable nothing
//! is printed.

use std::sync::OnceLock;
use std::time::{SystemTime, UNIX_EPOCH};

/// The environment variable that turns the marks on.
pub const VARIABLE: &str = "RINGSIDE_TIMINGS";

/// The first word of every mark line.
pub const PREFIX: &str = "ringside-timing";

/// Whether marks are printed (read once).
pub fn enabled() -> bool {
    static ON: OnceLock<bool> = OnceLock::new();
    *ON.get_or_init(|| std::env::var_os(VARIABLE).is_some_and(|v| v == "1"))
}

/// Prints a mark now, if marks are on.
pub fn mark(name: &str, call_id: Option<u64>) {
    if !enabled() {
        return;
    }
    let micros = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_micros())
        .unwrap_or_default();
    match call_id {
        Some(id) => eprintln!("{PREFIX} {name} {micros} {id}"),
        None => eprintln!("{PREFIX} {name} {micros}"),
    }
}
