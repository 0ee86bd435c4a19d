//! What the admin console asks of the engine about calls and messages: retry a failed effect,
//! give it up, choose the contact of a shared number, log a call a setting skipped. Each is
//! idempotent and recorded with who did it.

#[allow(unused_imports)]
use super::Engine;
