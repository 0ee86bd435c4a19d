//! The Ringside engine: everything that is not a window.
//!
//! Phone numbers ([`phone`]), the Aircall and Intercom clients ([`aircall`], [`intercom`]) with
//! their request scheduler ([`pacing`]), the local SQLite store ([`store`]), the configuration
//! ([`config`]), the insight card ([`card`]), contact sync ([`sync`]), the pipeline that logs calls and
//! messages ([`pipeline`]: inbox → rules → outbox → Intercom and Aircall) and the hub's HTTP surface
//! over it ([`hub`]). The engine knows
//! nothing about Tauri: the desktop shell and the headless binary both drive it through these
//! modules.

#![warn(missing_docs)]

pub mod aircall;
pub mod card;
pub mod clock;
pub mod config;
pub mod contacts;
pub mod directory;
pub mod doctor;
pub mod domain;
pub mod engine;
pub mod error;
pub mod hours;
pub mod hub;
pub mod insight;
pub mod intercom;
pub mod limits;
pub mod metrics;
pub mod pacing;
pub mod phone;
pub mod pipeline;
pub mod presence;
pub mod rules;
pub mod secret;
pub mod signin;
pub mod store;
pub mod sync;
mod transport;
pub mod webhook;

pub use error::{Api, ApiError};
pub use secret::Secret;
pub use transport::{private_address, HttpSettings};
