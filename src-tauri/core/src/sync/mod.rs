//! Contact sync: every Intercom User and Lead with a phone, in the local index and in Aircall.
//!
//! [`plan`] decides what Aircall should hold for one contact (pure). [`SyncEngine`] scans
//! Intercom into the index page by page (`engine.rs`), then writes to Aircall contact by
//! contact at bulk priority (`push.rs`), checkpointing both in SQLite so that a run stopped
//! anywhere resumes where it stopped; [`SyncEngine::dry_run`] says what a run would write
//! (`dry.rs`). Progress is a value on a watch channel ([`SyncProgress`]). [`SyncRunner`] runs it
//! on a schedule for the hub.
//!
//! Between runs, Intercom's contact notifications ([`Notifications`], `live.rs`) bring the
//! index and Aircall in step within seconds, through the same records and pushes.
//!
//! Incremental runs read only the contacts Intercom's search reports updated since the last run
//! (with an overlap of two days, since search compares dates by whole days and indexes new
//! contacts with a delay), so they cannot see deletions: a deleted contact is simply no longer
//! listed. [`SyncMode::Auto`] therefore does a full run once the last one is older than
//! [`SyncOptions::full_every`] (a day by default), which deletes the Aircall contacts of
//! Intercom contacts that are gone. A contact that loses its phone, or whose role stops being
//! synced, is an update and is handled by either kind of run.

mod dry;
mod engine;
mod lease;
mod live;
pub use crate::domain::plan;
mod progress;
mod push;
mod runner;

pub use dry::{DryRun, Planned};
pub use engine::{SyncEngine, SyncError, SyncMode, SyncOptions, SyncReport};
pub use live::Notifications;
pub use progress::{SyncPhase, SyncProgress};
pub use runner::{RunOutcome, SyncHandle, SyncRunner};
