//! Presence follows the phone: an agent on an Aircall call, then in its wrap-up, is set away in
//! Intercom (so Intercom stops assigning them chats) and brought back to the state they had
//! before; the other way, optionally, an agent away in Intercom becomes unavailable in Aircall.
//!
//! (Being built: see issue 21.)
