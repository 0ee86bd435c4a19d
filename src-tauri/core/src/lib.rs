//! The Ringside engine: everything that is not a window.
//!
//! Phone numbers ([`phone`]), the Aircall and Intercom clients ([`aircall`], [`intercom`]) with
//! their request scheduler ([`pacing`]), the local SQLite store ([`store`]) and the insight card
//! ([`card`]). The engine knows nothing about Tauri: the desktop shell and the headless binary
//! both drive it through these modules.

pub mod phone;
