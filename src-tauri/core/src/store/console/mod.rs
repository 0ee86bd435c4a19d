//! The admin console's tables and queries: its sessions (`sessions.rs`), the actions admins
//! took (`audit.rs`), the calls and messages searched and opened (`calls.rs`), the Overview's
//! figures (`overview.rs`), the agents' last app and streams (`team.rs`), the settings changed
//! in the console (`overrides.rs`) and the reports (`reports.rs`). Rows become typed values
//! here, as everywhere in the store.

pub mod audit;
pub mod calls;
pub mod overrides;
pub mod overview;
pub mod reports;
pub mod sessions;
pub mod team;
