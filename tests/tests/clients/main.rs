//! The engine's Aircall and Intercom clients against the sandbox and against canned servers:
//! every call the engine makes, the failures it must survive or report, and pacing under a real
//! rate limit.

// Test code may panic: `unwrap` and `expect` are how it fails.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod aircall;
mod failures;
mod faults;
mod intercom;
mod pacing;
