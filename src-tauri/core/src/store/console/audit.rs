//! The console's audit (see `mod.rs`).

/// This part's tables and indexes, in the console's migration.
pub(in crate::store) const CREATE: &str = "";
