//! The Aircall part of a seed: users, numbers, contacts, tags and calls.

use serde::{Deserialize, Serialize};

use super::{default_created, default_timezone, SeedTime};

/// The Aircall company.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct AircallSeed {
    /// Agents.
    #[serde(default)]
    pub users: Vec<AircallUserSeed>,
    /// Phone numbers.
    #[serde(default)]
    pub numbers: Vec<NumberSeed>,
    /// Shared contacts.
    #[serde(default)]
    pub contacts: Vec<AircallContactSeed>,
    /// Call tags.
    #[serde(default)]
    pub tags: Vec<AircallTagSeed>,
    /// Calls, ongoing or finished.
    #[serde(default)]
    pub calls: Vec<CallSeed>,
}

/// An Aircall agent.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct AircallUserSeed {
    /// Numeric id.
    pub id: u64,
    /// Display name.
    pub name: String,
    /// Email (compare with Intercom admins case-insensitively).
    pub email: String,
    /// `available`, `offline`, `do_not_disturb`, `in_call` or `after_call_work`.
    pub availability: String,
    /// IANA time zone.
    #[serde(default = "default_timezone")]
    pub time_zone: String,
    /// Language tag.
    #[serde(default = "default_language")]
    pub language: String,
    /// Account creation.
    #[serde(default = "default_created")]
    pub created_at: SeedTime,
}

fn default_language() -> String {
    "en-US".to_owned()
}

/// An Aircall phone number.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct NumberSeed {
    /// Numeric id.
    pub id: u64,
    /// Display name, e.g. `Support FR`.
    pub name: String,
    /// International format with spaces, e.g. `+33 1 76 11 11 11`.
    pub digits: String,
    /// ISO 3166-1 alpha-2.
    pub country: String,
    /// IANA time zone.
    pub time_zone: String,
    /// Users who answer on it.
    #[serde(default)]
    pub users: Vec<u64>,
}

/// A labelled phone number or email on an Aircall contact.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct DetailSeed {
    /// `Work`, `Mobile`, …
    pub label: String,
    /// The number or address.
    pub value: String,
}

/// An Aircall shared contact.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct AircallContactSeed {
    /// Numeric id.
    pub id: u64,
    /// First name.
    #[serde(default)]
    pub first_name: Option<String>,
    /// Last name.
    #[serde(default)]
    pub last_name: Option<String>,
    /// Company.
    #[serde(default)]
    pub company_name: Option<String>,
    /// Free text.
    #[serde(default)]
    pub information: Option<String>,
    /// Phone numbers.
    #[serde(default)]
    pub phone_numbers: Vec<DetailSeed>,
    /// Emails.
    #[serde(default)]
    pub emails: Vec<DetailSeed>,
    /// Creation time.
    #[serde(default = "default_created")]
    pub created_at: SeedTime,
}

/// An Aircall call tag.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct AircallTagSeed {
    /// Numeric id.
    pub id: u64,
    /// Name.
    pub name: String,
    /// Colour, e.g. `#0033CC`.
    #[serde(default)]
    pub color: Option<String>,
    /// Description.
    #[serde(default)]
    pub description: Option<String>,
}

/// An Aircall call.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CallSeed {
    /// Numeric id.
    pub id: u64,
    /// `inbound` or `outbound`.
    pub direction: String,
    /// `initial`, `answered` or `done`.
    pub status: String,
    /// The external party's number as Aircall shows it, or `anonymous`.
    pub raw_digits: String,
    /// The Aircall number that carried the call.
    pub number: u64,
    /// The agent who took or made it.
    #[serde(default)]
    pub user: Option<u64>,
    /// Start.
    pub started_at: SeedTime,
    /// Answer, if answered.
    #[serde(default)]
    pub answered_at: Option<SeedTime>,
    /// End, if over.
    #[serde(default)]
    pub ended_at: Option<SeedTime>,
    /// Why a missed call was missed.
    #[serde(default)]
    pub missed_call_reason: Option<String>,
    /// Tag ids applied.
    #[serde(default)]
    pub tags: Vec<u64>,
    /// Comments posted.
    #[serde(default)]
    pub comments: Vec<String>,
}
