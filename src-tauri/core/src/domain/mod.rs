//! The records every layer shares, at the bottom of the engine: a call or message the hub tracks
//! ([`subject`]), what the rules remember of it ([`memory`]), the effects they plan
//! ([`effect`]), notes as text and HTML ([`note`]), the insight card ([`card`]), the events the
//! agents' stream carries ([`event`]), who a number is ([`resolution`]) and the Aircall contact sync wants for an Intercom contact
//! ([`plan`]).
//!
//! These modules hold data and pure functions. They import the vendors' record types and the
//! phone numbers beneath them, and nothing above: no store, no client, no pipeline, no hub
//! (`tests/tidy.rs` keeps it so).

pub mod callback;
pub mod card;
pub mod effect;
pub mod event;
pub mod history;
pub mod memory;
pub mod note;
pub mod plan;
pub mod presence;
pub mod reason;
pub mod resolution;
pub mod subject;
