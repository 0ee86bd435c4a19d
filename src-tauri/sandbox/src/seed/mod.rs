//! The sandbox's initial state: credentials, limits and the data of both fake APIs.
//!
//! A [`Seed`] is plain data (serde), usually read from JSON: [`Seed::demo`] embeds
//! `fixtures/demo.json`. Timestamps in a seed are either UNIX seconds or a time relative to the
//! moment the sandbox starts (`"now"`, `"-2h"`, `"-3d"`, `"+1d"`, units `s m h d`), so that the
//! demo's "last conversation two hours ago" stays two hours ago.

use serde::{Deserialize, Serialize};

use ringside_core::phone::Region;

use crate::Credentials;

mod aircall;
mod intercom;

pub use aircall::{
    AircallContactSeed, AircallSeed, AircallTagSeed, AircallUserSeed, CallSeed, DetailSeed,
    NumberSeed,
};
pub use intercom::{
    AdminSeed, ConversationSeed, IntercomContactSeed, IntercomSeed, IntercomTagSeed, PartSeed,
    WorkspaceSeed,
};

/// The whole initial state of a sandbox.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Seed {
    /// The credentials both fake APIs accept.
    pub credentials: Credentials,
    /// Region in which Intercom's `formatted_phone` reads national numbers, e.g. `FR`.
    pub default_region: String,
    /// The request budgets.
    #[serde(default)]
    pub rate_limits: RateLimits,
    /// The fake Intercom workspace.
    pub intercom: IntercomSeed,
    /// The fake Aircall company.
    #[serde(default)]
    pub aircall: AircallSeed,
}

/// Request budgets of both fake APIs.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RateLimits {
    /// Aircall requests per one-minute window, for the whole company (default 60).
    #[serde(default = "default_aircall_per_minute")]
    pub aircall_per_minute: u32,
    /// Intercom requests per window (default 167).
    #[serde(default = "default_intercom_per_window")]
    pub intercom_per_window: u32,
    /// Intercom window length in milliseconds (default 10 000).
    #[serde(default = "default_intercom_window_ms")]
    pub intercom_window_ms: u64,
}

fn default_aircall_per_minute() -> u32 {
    60
}
fn default_intercom_per_window() -> u32 {
    167
}
fn default_intercom_window_ms() -> u64 {
    10_000
}

impl Default for RateLimits {
    fn default() -> Self {
        RateLimits {
            aircall_per_minute: default_aircall_per_minute(),
            intercom_per_window: default_intercom_per_window(),
            intercom_window_ms: default_intercom_window_ms(),
        }
    }
}

/// A point in time: UNIX seconds, or relative to the sandbox's start (`"-2h"`, `"now"`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum SeedTime {
    /// UNIX seconds.
    At(i64),
    /// `now`, or a signed offset with a unit: `-90s`, `-15m`, `-2h`, `+1d`.
    Relative(String),
}

impl SeedTime {
    /// The UNIX second this stands for, given the start time `now`.
    pub fn resolve(&self, now: i64) -> Result<i64, SeedError> {
        match self {
            SeedTime::At(ts) => Ok(*ts),
            SeedTime::Relative(text) => parse_relative(text)
                .map(|offset| now + offset)
                .ok_or_else(|| {
                    SeedError::Invalid(format!(
                        "`{text}` is not a time (use UNIX seconds, \"now\" or an offset such as \"-2h\")"
                    ))
                }),
        }
    }
}

fn parse_relative(text: &str) -> Option<i64> {
    let text = text.trim();
    if text == "now" {
        return Some(0);
    }
    let (sign, rest) = match text.as_bytes().first()? {
        b'-' => (-1, &text[1..]),
        b'+' => (1, &text[1..]),
        _ => return None,
    };
    let unit = rest.chars().last()?;
    let amount: i64 = rest[..rest.len() - unit.len_utf8()].parse().ok()?;
    let scale = match unit {
        's' => 1,
        'm' => 60,
        'h' => 3600,
        'd' => 86_400,
        _ => return None,
    };
    Some(sign * amount * scale)
}

/// The default creation time of seeded records: a year before the start.
pub(crate) fn default_created() -> SeedTime {
    SeedTime::Relative("-365d".to_owned())
}

/// The default IANA time zone.
pub(crate) fn default_timezone() -> String {
    "Europe/Paris".to_owned()
}

/// Why a seed cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum SeedError {
    /// The text is not JSON of the seed's shape.
    #[error("the seed is not valid JSON of the expected shape: {0}")]
    Json(#[from] serde_json::Error),
    /// The data is inconsistent (unknown reference, bad region, bad time …).
    #[error("the seed is inconsistent: {0}")]
    Invalid(String),
}

const DEMO: &str = include_str!("../../fixtures/demo.json");

impl Seed {
    /// The embedded demo data for the company "Acme" (see the crate documentation).
    // The fixture is embedded at build time and checked by the tests: this cannot fail.
    #[allow(clippy::expect_used)]
    pub fn demo() -> Seed {
        Seed::from_json(DEMO).expect("the embedded demo fixture is a valid seed")
    }

    /// Reads and checks a seed.
    pub fn from_json(text: &str) -> Result<Seed, SeedError> {
        let seed: Seed = serde_json::from_str(text)?;
        seed.validate()?;
        Ok(seed)
    }

    /// The demo's credentials and workspace with one integration admin and nothing else.
    pub fn empty() -> Seed {
        let demo = Seed::demo();
        let admin = demo
            .intercom
            .admins
            .iter()
            .find(|a| a.id == demo.intercom.token_admin_id)
            .cloned()
            .into_iter()
            .collect();
        Seed {
            credentials: demo.credentials,
            default_region: demo.default_region,
            rate_limits: demo.rate_limits,
            intercom: IntercomSeed {
                workspace: demo.intercom.workspace,
                token_admin_id: demo.intercom.token_admin_id,
                admins: admin,
                contacts: Vec::new(),
                tags: Vec::new(),
                conversations: Vec::new(),
            },
            aircall: AircallSeed::default(),
        }
    }

    /// The region of [`Seed::default_region`].
    pub(crate) fn region(&self) -> Result<Region, SeedError> {
        Region::parse(&self.default_region).map_err(|e| SeedError::Invalid(e.to_string()))
    }

    /// Checks references, ids and times; [`crate::Sandbox::start`] relies on it.
    pub fn validate(&self) -> Result<(), SeedError> {
        let invalid = |msg: String| Err(SeedError::Invalid(msg));
        self.region()?;
        let ic = &self.intercom;
        let admin_ids: Vec<&str> = ic.admins.iter().map(|a| a.id.as_str()).collect();
        if !admin_ids.contains(&ic.token_admin_id.as_str()) {
            return invalid(format!(
                "token_admin_id {} is not one of the admins",
                ic.token_admin_id
            ));
        }
        if let Some(a) = ic.admins.iter().find(|a| a.id.parse::<u64>().is_err()) {
            return invalid(format!("admin id `{}` is not numeric", a.id));
        }
        let mut contact_ids = Vec::new();
        for c in &ic.contacts {
            c.created_at.resolve(0)?;
            if let Some(t) = &c.updated_at {
                t.resolve(0)?;
            }
            if let Some(id) = &c.id {
                if id.len() != 24 || !id.bytes().all(|b| b.is_ascii_hexdigit()) {
                    return invalid(format!(
                        "contact id `{id}` is not 24 hexadecimal characters"
                    ));
                }
                contact_ids.push(id.as_str());
            }
        }
        for conv in &ic.conversations {
            if conv.id.parse::<u64>().is_err() {
                return invalid(format!("conversation id `{}` is not numeric", conv.id));
            }
            if !contact_ids.contains(&conv.contact.as_str()) {
                return invalid(format!(
                    "conversation {} names unknown contact {}",
                    conv.id, conv.contact
                ));
            }
            if let Some(a) = &conv.assignee {
                if !admin_ids.contains(&a.as_str()) {
                    return invalid(format!("conversation {} names unknown admin {a}", conv.id));
                }
            }
            conv.created_at.resolve(0)?;
            for t in [&conv.updated_at, &conv.snoozed_until]
                .into_iter()
                .flatten()
            {
                t.resolve(0)?;
            }
            for p in &conv.parts {
                p.created_at.resolve(0)?;
                if let Some(a) = &p.admin {
                    if !admin_ids.contains(&a.as_str()) {
                        return invalid(format!(
                            "conversation {} names unknown admin {a}",
                            conv.id
                        ));
                    }
                }
            }
        }
        if let Some(t) = ic.tags.iter().find(|t| t.id.parse::<u64>().is_err()) {
            return invalid(format!("tag id `{}` is not numeric", t.id));
        }
        let ac = &self.aircall;
        const AVAILABILITIES: [&str; 5] = [
            "available",
            "offline",
            "do_not_disturb",
            "in_call",
            "after_call_work",
        ];
        for u in &ac.users {
            if !AVAILABILITIES.contains(&u.availability.as_str()) {
                return invalid(format!(
                    "user {} has unknown availability `{}`",
                    u.id, u.availability
                ));
            }
            u.created_at.resolve(0)?;
        }
        let user_ids: Vec<u64> = ac.users.iter().map(|u| u.id).collect();
        for n in &ac.numbers {
            if let Some(u) = n.users.iter().find(|u| !user_ids.contains(u)) {
                return invalid(format!("number {} names unknown user {u}", n.id));
            }
        }
        let tag_ids: Vec<u64> = ac.tags.iter().map(|t| t.id).collect();
        for call in &ac.calls {
            if !ac.numbers.iter().any(|n| n.id == call.number) {
                return invalid(format!(
                    "call {} names unknown number {}",
                    call.id, call.number
                ));
            }
            if let Some(u) = call.user.filter(|u| !user_ids.contains(u)) {
                return invalid(format!("call {} names unknown user {u}", call.id));
            }
            if let Some(t) = call.tags.iter().find(|t| !tag_ids.contains(t)) {
                return invalid(format!("call {} names unknown tag {t}", call.id));
            }
            if !["inbound", "outbound"].contains(&call.direction.as_str()) {
                return invalid(format!(
                    "call {} has direction `{}`",
                    call.id, call.direction
                ));
            }
            if !["initial", "answered", "done"].contains(&call.status.as_str()) {
                return invalid(format!("call {} has status `{}`", call.id, call.status));
            }
            call.started_at.resolve(0)?;
            for t in [&call.answered_at, &call.ended_at].into_iter().flatten() {
                t.resolve(0)?;
            }
        }
        for c in &ac.contacts {
            c.created_at.resolve(0)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relative_times() {
        assert_eq!(
            SeedTime::Relative("now".into()).resolve(100).ok(),
            Some(100)
        );
        assert_eq!(
            SeedTime::Relative("-2h".into()).resolve(10_000).ok(),
            Some(2_800)
        );
        assert_eq!(
            SeedTime::Relative("+1d".into()).resolve(0).ok(),
            Some(86_400)
        );
        assert_eq!(SeedTime::At(5).resolve(100).ok(), Some(5));
        assert!(SeedTime::Relative("yesterday".into()).resolve(0).is_err());
        assert!(SeedTime::Relative("-2w".into()).resolve(0).is_err());
    }

    #[test]
    fn demo_and_empty_are_valid() {
        let demo = Seed::demo();
        assert!(demo.intercom.contacts.len() >= 8);
        let empty = Seed::empty();
        assert_eq!(empty.intercom.admins.len(), 1);
        assert!(empty.validate().is_ok());
    }

    #[test]
    fn a_seed_round_trips_through_json() {
        let text = serde_json::to_string(&Seed::demo()).expect("serialises");
        let again = Seed::from_json(&text).expect("reads back");
        assert_eq!(
            again.intercom.contacts.len(),
            Seed::demo().intercom.contacts.len()
        );
    }

    #[test]
    fn dangling_references_are_refused() {
        let mut seed = Seed::demo();
        seed.intercom.conversations[0].contact = "000000000000000000000000".into();
        assert!(matches!(seed.validate(), Err(SeedError::Invalid(_))));
    }
}
