//! (Being built: see issue 21.)

/// The schema, applied by migration 16.
pub const CREATE: &str = "-- presence: no table yet";
