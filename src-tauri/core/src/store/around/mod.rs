//! The tables of the day around a call: presence's wanted state per agent (`presence.rs`), the
//! calls to return (`callbacks.rs`), the calls' outcomes (`outcomes.rs`).

pub mod callbacks;
pub mod outcomes;
pub mod presence;
