//! The team's working hours in its time zone: `business_hours` and `timezone` from hub.toml,
//! read once and asked "is this instant within them?" by the console's quiet-hub warning and
//! the call-backs' deadlines.
//!
//! NOTE: the first version of this file only keeps the text; the parser and the questions
//! come with the console's Overview.

/// `business_hours`'s default.
pub const DEFAULT_HOURS: &str = "mon-fri 09:00-18:00";
/// `timezone`'s default.
pub const DEFAULT_TIMEZONE: &str = "UTC";

/// Working hours, in a time zone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BusinessHours {
    spec: String,
    zone: String,
}

/// Why `business_hours` or `timezone` was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HoursError {
    /// The setting at fault: `business_hours` or `timezone`.
    pub key: &'static str,
    /// Why, in words.
    pub why: String,
}

impl Default for BusinessHours {
    fn default() -> Self {
        BusinessHours {
            spec: DEFAULT_HOURS.to_owned(),
            zone: DEFAULT_TIMEZONE.to_owned(),
        }
    }
}

impl BusinessHours {
    /// Reads `spec` (e.g. `mon-fri 09:00-18:00`) in the time zone `zone` (an IANA name).
    pub fn parse(spec: &str, zone: &str) -> Result<Self, HoursError> {
        Ok(BusinessHours {
            spec: spec.to_owned(),
            zone: zone.to_owned(),
        })
    }

    /// The hours as written.
    pub fn spec(&self) -> &str {
        &self.spec
    }

    /// The time zone's name.
    pub fn zone(&self) -> &str {
        &self.zone
    }
}
