//! Aircall's objects as the engine uses them. Aircall's JSON is close to what the engine needs,
//! so these read it directly, with every optional field defaulted: a missing field never fails
//! a whole response.

use serde::{Deserialize, Deserializer, Serialize};
use serde_json::Value;

/// An Aircall user's live availability (`GET /v1/users/availabilities`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Availability {
    /// Free to take a call.
    Available,
    /// Not logged in.
    Offline,
    /// Do not disturb.
    DoNotDisturb,
    /// On a call now.
    InCall,
    /// Wrapping up the previous call.
    AfterCallWork,
}

impl Availability {
    /// Aircall's word for it.
    pub fn as_str(self) -> &'static str {
        match self {
            Availability::Available => "available",
            Availability::Offline => "offline",
            Availability::DoNotDisturb => "do_not_disturb",
            Availability::InCall => "in_call",
            Availability::AfterCallWork => "after_call_work",
        }
    }

    /// Reads Aircall's word; unknown words are `None`.
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "available" => Some(Availability::Available),
            "offline" => Some(Availability::Offline),
            "do_not_disturb" => Some(Availability::DoNotDisturb),
            "in_call" => Some(Availability::InCall),
            "after_call_work" => Some(Availability::AfterCallWork),
            _ => None,
        }
    }

    /// Words for a person: "In a call".
    pub fn label(self) -> &'static str {
        match self {
            Availability::Available => "Available",
            Availability::Offline => "Offline",
            Availability::DoNotDisturb => "Do not disturb",
            Availability::InCall => "In a call",
            Availability::AfterCallWork => "After-call work",
        }
    }
}

/// An Aircall user (a teammate with a phone seat).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct User {
    /// Aircall's id.
    pub id: u64,
    /// Display name.
    #[serde(default)]
    pub name: String,
    /// Email, matched case-insensitively with Intercom admins.
    #[serde(default)]
    pub email: Option<String>,
    /// `available`, `custom` or `unavailable` (working-hours status, not live presence).
    #[serde(default)]
    pub availability_status: Option<String>,
}

/// One user's live availability, from the availabilities list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserAvailability {
    /// The user's id.
    pub id: u64,
    /// Their availability; `None` for a word this version does not know.
    #[serde(deserialize_with = "lenient_availability")]
    pub availability: Option<Availability>,
}

fn lenient_availability<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Availability>, D::Error> {
    Ok(Option::<String>::deserialize(d)?
        .as_deref()
        .and_then(Availability::parse))
}

/// An Aircall phone number (a line the company owns).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Number {
    /// Aircall's id.
    pub id: u64,
    /// The name agents know it by, e.g. "Support FR".
    #[serde(default)]
    pub name: String,
    /// The number as Aircall formats it, e.g. "+33 1 76 11 11 11".
    #[serde(default)]
    pub digits: String,
    /// ISO country of the number; national caller IDs on it are read in this region.
    #[serde(default)]
    pub country: Option<String>,
    /// The teammates who answer this line, when the payload lists them.
    #[serde(default)]
    pub users: Vec<UserRef>,
}

/// A user as embedded in a call.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserRef {
    /// Aircall's id.
    pub id: u64,
    /// Display name.
    #[serde(default)]
    pub name: String,
    /// Email.
    #[serde(default)]
    pub email: Option<String>,
}

/// A comment (Aircall's "note") on a call.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Comment {
    /// Aircall's id.
    pub id: u64,
    /// The text.
    #[serde(default)]
    pub content: String,
    /// UNIX seconds.
    #[serde(default)]
    pub posted_at: Option<i64>,
    /// Who wrote it.
    #[serde(default)]
    pub posted_by: Option<UserRef>,
}

/// A tag on a call.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CallTag {
    /// Aircall's id.
    pub id: u64,
    /// The name.
    #[serde(default)]
    pub name: String,
    /// When it was put on the call, UNIX seconds (calls only; the tag list has none).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tagged_at: Option<i64>,
}

/// Inbound or outbound.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Direction {
    /// The customer called.
    Inbound,
    /// A teammate called.
    Outbound,
}

/// An Aircall call.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Call {
    /// Aircall's id.
    pub id: u64,
    /// Inbound or outbound.
    pub direction: Direction,
    /// `initial`, `answered` or `done`.
    #[serde(default)]
    pub status: String,
    /// Why an inbound call was missed, if it was.
    #[serde(default)]
    pub missed_call_reason: Option<String>,
    /// UNIX seconds.
    #[serde(default)]
    pub started_at: Option<i64>,
    /// UNIX seconds; `None` when nobody answered.
    #[serde(default)]
    pub answered_at: Option<i64>,
    /// UNIX seconds.
    #[serde(default)]
    pub ended_at: Option<i64>,
    /// Seconds from start to end, ringing included.
    #[serde(default)]
    pub duration: Option<i64>,
    /// The other party's number as Aircall shows it, or `anonymous`.
    #[serde(default)]
    pub raw_digits: String,
    /// The teammate who took or made the call.
    #[serde(default)]
    pub user: Option<UserRef>,
    /// The Aircall line.
    #[serde(default)]
    pub number: Option<Number>,
    /// The teammate the call is assigned to.
    #[serde(default)]
    pub assigned_to: Option<UserRef>,
    /// The teammate it was transferred to.
    #[serde(default)]
    pub transferred_to: Option<UserRef>,
    /// The teammate who transferred it.
    #[serde(default)]
    pub transferred_by: Option<UserRef>,
    /// Recording link (short-lived).
    #[serde(default)]
    pub recording: Option<String>,
    /// Voicemail link (short-lived).
    #[serde(default)]
    pub voicemail: Option<String>,
    /// Authenticated page with the call's media.
    #[serde(default)]
    pub asset: Option<String>,
    /// Comments, oldest first.
    #[serde(default)]
    pub comments: Vec<Comment>,
    /// Tags.
    #[serde(default)]
    pub tags: Vec<CallTag>,
}

/// A block of an insight card.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type")]
pub enum CardBlock {
    /// A heading, optionally linked.
    #[serde(rename = "title")]
    Title {
        /// The heading.
        text: String,
        /// Where it leads.
        #[serde(skip_serializing_if = "Option::is_none", default)]
        link: Option<String>,
    },
    /// A label and a short value, optionally linked.
    #[serde(rename = "shortText")]
    ShortText {
        /// The label.
        label: String,
        /// The value.
        text: String,
        /// Where it leads.
        #[serde(skip_serializing_if = "Option::is_none", default)]
        link: Option<String>,
    },
}

/// A phone number or email on an Aircall contact.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContactDetail {
    /// Aircall's id, once created.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<u64>,
    /// "Work", "Mobile", …
    #[serde(default)]
    pub label: String,
    /// The number (E.164) or the address.
    #[serde(default, deserialize_with = "string_or_number")]
    pub value: String,
}

fn string_or_number<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    Ok(match Value::deserialize(d)? {
        Value::String(s) => s,
        Value::Null => String::new(),
        other => other.to_string(),
    })
}

/// An Aircall contact (the phone app's address book).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AircallContact {
    /// Aircall's id (absent when creating).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<u64>,
    /// First name.
    #[serde(default)]
    pub first_name: Option<String>,
    /// Last name.
    #[serde(default)]
    pub last_name: Option<String>,
    /// Company.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub company_name: Option<String>,
    /// Free text; Ringside keeps the Intercom profile link here.
    #[serde(default)]
    pub information: Option<String>,
    /// Phone numbers (at most 20).
    #[serde(default)]
    pub phone_numbers: Vec<ContactDetail>,
    /// Emails (at most 20).
    #[serde(default)]
    pub emails: Vec<ContactDetail>,
    /// When Aircall created it, UNIX seconds (read only; Aircall sends seconds or ISO 8601).
    #[serde(default, skip_serializing, deserialize_with = "lenient_time")]
    pub created_at: Option<i64>,
}

/// Which list of a contact a detail belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DetailKind {
    /// `phone_numbers`, edited under `/phone_details`.
    Phone,
    /// `emails`, edited under `/email_details`.
    Email,
}

impl DetailKind {
    /// The path segment of this kind's routes.
    pub(crate) fn route(self) -> &'static str {
        match self {
            DetailKind::Phone => "phone_details",
            DetailKind::Email => "email_details",
        }
    }

    /// The contact's list of this kind.
    pub fn of(self, contact: &AircallContact) -> &[ContactDetail] {
        match self {
            DetailKind::Phone => &contact.phone_numbers,
            DetailKind::Email => &contact.emails,
        }
    }

    /// Whether two values are the same number (same digits) or address (any letter case).
    pub fn same(self, a: &str, b: &str) -> bool {
        match self {
            DetailKind::Phone => {
                let digits = |s: &str| s.chars().filter(char::is_ascii_digit).collect::<String>();
                digits(a) == digits(b)
            }
            DetailKind::Email => a.trim().eq_ignore_ascii_case(b.trim()),
        }
    }
}

/// A time as UNIX seconds, or as ISO 8601 (`2019-12-29T10:03:18.000Z`); anything else is `None`.
fn lenient_time<'de, D: Deserializer<'de>>(d: D) -> Result<Option<i64>, D::Error> {
    Ok(match Option::<Value>::deserialize(d)? {
        Some(Value::Number(n)) => n.as_i64(),
        Some(Value::String(s)) => s.trim().parse::<i64>().ok().or_else(|| iso8601(&s)),
        _ => None,
    })
}

/// Reads `YYYY-MM-DDTHH:MM:SS`, with optional fractions and a `Z` or `±HH:MM` offset.
fn iso8601(text: &str) -> Option<i64> {
    let text = text.trim();
    let number = |range: std::ops::Range<usize>| text.get(range)?.parse::<i64>().ok();
    let (year, month, day) = (number(0..4)?, number(5..7)?, number(8..10)?);
    let (hour, minute, second) = (number(11..13)?, number(14..16)?, number(17..19)?);
    if text.get(4..5) != Some("-") || text.get(10..11).is_none_or(|t| t != "T" && t != " ") {
        return None;
    }
    let mut rest = text.get(19..)?;
    if let Some(fraction) = rest.strip_prefix('.') {
        rest = fraction.trim_start_matches(|c: char| c.is_ascii_digit());
    }
    let offset = match rest {
        "" | "Z" | "z" => 0,
        _ => {
            let sign = match rest.as_bytes().first()? {
                b'+' => 1,
                b'-' => -1,
                _ => return None,
            };
            let hh: i64 = rest.get(1..3)?.parse().ok()?;
            let mm: i64 = rest.get(rest.len().checked_sub(2)?..)?.parse().ok()?;
            sign * (hh * 3600 + mm * 60)
        }
    };
    if !(1..=12).contains(&month) || !(1..=31).contains(&day) {
        return None;
    }
    // Howard Hinnant's days_from_civil.
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    Some(days * 86_400 + hour * 3600 + minute * 60 + second - offset)
}

/// An Aircall webhook registration.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Webhook {
    /// Aircall's id (a UUID).
    pub webhook_id: String,
    /// Where events are sent.
    #[serde(default)]
    pub url: String,
    /// Whether Aircall is sending.
    #[serde(default)]
    pub active: bool,
    /// Subscribed events (empty means all).
    #[serde(default)]
    pub events: Vec<String>,
    /// The token Aircall puts in every event body. Only shown on creation; keep it secret.
    #[serde(default, skip_serializing)]
    pub token: Option<crate::secret::Secret>,
    /// A name for the Aircall dashboard.
    #[serde(default)]
    pub custom_name: Option<String>,
}

/// A page position in Aircall's `page`/`per_page` pagination.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PageRequest {
    /// 1-based page.
    pub page: u32,
    /// Items per page (Aircall serves at most 50).
    pub per_page: u32,
}

impl Default for PageRequest {
    fn default() -> Self {
        PageRequest {
            page: 1,
            per_page: 50,
        }
    }
}

/// One page of a list, with Aircall's `meta`.
#[derive(Debug, Clone, PartialEq)]
pub struct Page<T> {
    /// The items.
    pub items: Vec<T>,
    /// Items in the whole list.
    pub total: u64,
    /// Whether another page follows.
    pub has_next: bool,
}

/// An SMS, MMS or WhatsApp message.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Message {
    /// Aircall's id.
    #[serde(deserialize_with = "string_or_number")]
    pub id: String,
    /// Inbound (from the customer) or outbound.
    pub direction: Direction,
    /// The customer's number.
    #[serde(default)]
    pub external_number: Option<String>,
    /// The number as Aircall shows it (some payloads carry this instead).
    #[serde(default)]
    pub raw_digits: Option<String>,
    /// The text.
    #[serde(default)]
    pub body: Option<String>,
    /// `received`, `pending`, `sent`, `delivered`, `failed`, …
    #[serde(default)]
    pub status: Option<String>,
    /// `null` for SMS/MMS, `whatsapp` for WhatsApp.
    #[serde(default)]
    pub channel: Option<String>,
    /// The Aircall line.
    #[serde(default)]
    pub number: Option<Number>,
    /// The teammate who sent it, when the payload says.
    #[serde(default)]
    pub user: Option<UserRef>,
}

impl Message {
    /// "SMS" or "WhatsApp".
    pub fn channel_label(&self) -> &'static str {
        match self.channel.as_deref() {
            Some(c) if c.eq_ignore_ascii_case("whatsapp") => "WhatsApp",
            _ => "SMS",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn contact_times_are_read_as_seconds_or_iso_8601() {
        let read = |raw: &str| {
            serde_json::from_str::<AircallContact>(&format!(r#"{{"id":1,"created_at":{raw}}}"#))
                .unwrap()
                .created_at
        };
        assert_eq!(read("1577623398"), Some(1_577_623_398));
        assert_eq!(read(r#""2019-12-29T12:43:18.000Z""#), Some(1_577_623_398));
        assert_eq!(read(r#""2019-12-29T13:43:18+01:00""#), Some(1_577_623_398));
        assert_eq!(read(r#""2000-02-29T12:00:00Z""#), Some(951_825_600));
        assert_eq!(read(r#""yesterday""#), None);
        assert_eq!(read("null"), None);
        let json = serde_json::to_value(AircallContact {
            created_at: Some(5),
            ..serde_json::from_str(r#"{"id":1}"#).unwrap()
        })
        .unwrap();
        assert!(json.get("created_at").is_none(), "{json}");
    }

    #[test]
    fn details_compare_by_digits_or_without_case() {
        assert!(DetailKind::Phone.same("+33 7 62 04 35 75", "+33762043575"));
        assert!(!DetailKind::Phone.same("+33762043575", "+33762043576"));
        assert!(DetailKind::Email.same("Jane@Acme.io ", "jane@acme.io"));
    }
}
