//! The fake Aircall's records. These are also what [`crate::AircallView`] returns.

use serde::Serialize;
use serde_json::Value;

/// The granular availabilities `GET /v1/users/availabilities` reports.
pub const AVAILABILITIES: [&str; 5] = [
    "available",
    "offline",
    "do_not_disturb",
    "in_call",
    "after_call_work",
];

/// An Aircall agent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct User {
    /// Numeric id.
    pub id: u64,
    /// Display name.
    pub name: String,
    /// Email as stored (letter case kept).
    pub email: String,
    /// Granular availability: `available`, `offline`, `do_not_disturb`, `in_call`,
    /// `after_call_work`.
    pub availability: String,
    /// The user's setting: `available`, `custom` or `unavailable`.
    pub availability_status: String,
    /// `always_opened` when available, `always_closed` when not.
    pub substatus: String,
    /// UNIX seconds (rendered as ISO 8601).
    pub created_at: i64,
    /// IANA time zone.
    pub time_zone: String,
    /// Language tag.
    pub language: String,
    /// Seconds of after-call work.
    pub wrap_up_time: u32,
}

impl User {
    /// Aircall's `available` flag: the setting is not `unavailable`.
    pub fn available(&self) -> bool {
        self.availability_status != "unavailable"
    }

    /// Sets the granular availability and the setting that goes with it.
    pub(crate) fn set_availability(&mut self, availability: &str) {
        self.availability = availability.to_owned();
        let unavailable = matches!(availability, "offline" | "do_not_disturb");
        self.availability_status = if unavailable {
            "unavailable"
        } else {
            "available"
        }
        .to_owned();
        self.substatus = if unavailable {
            "always_closed"
        } else {
            "always_opened"
        }
        .to_owned();
    }
}

/// An Aircall phone number.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Number {
    /// Numeric id.
    pub id: u64,
    /// Display name, e.g. `Support FR`.
    pub name: String,
    /// International format with spaces.
    pub digits: String,
    /// ISO 3166-1 alpha-2.
    pub country: String,
    /// IANA time zone.
    pub time_zone: String,
    /// `open`, `custom` or `closed`.
    pub availability_status: String,
    /// UNIX seconds.
    pub created_at: i64,
    /// Users who answer on it.
    pub users: Vec<u64>,
}

/// A labelled phone number or email of a contact.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ContactDetail {
    /// Numeric id.
    pub id: u64,
    /// `Work`, `Mobile`, …
    pub label: String,
    /// The number or address as given.
    pub value: String,
}

/// An Aircall shared contact.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Contact {
    /// Numeric id.
    pub id: u64,
    /// First name.
    pub first_name: Option<String>,
    /// Last name.
    pub last_name: Option<String>,
    /// Company.
    pub company_name: Option<String>,
    /// Free text (integrations keep links here).
    pub information: Option<String>,
    /// Description.
    pub description: Option<String>,
    /// Shared with the whole company.
    pub is_shared: bool,
    /// At most 20.
    pub phone_numbers: Vec<ContactDetail>,
    /// At most 20.
    pub emails: Vec<ContactDetail>,
    /// UNIX seconds.
    pub created_at: i64,
    /// UNIX seconds.
    pub updated_at: i64,
}

/// A comment on a call.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Comment {
    /// Numeric id.
    pub id: u64,
    /// Text as posted.
    pub content: String,
    /// UNIX seconds.
    pub posted_at: i64,
    /// The agent who wrote it (`None` when posted through the API, which has no user).
    pub posted_by: Option<u64>,
}

/// A tag on a call.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CallTag {
    /// The tag's id.
    pub id: u64,
    /// The tag's name.
    pub name: String,
    /// UNIX seconds.
    pub tagged_at: i64,
}

/// An Aircall call.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Call {
    /// Numeric id.
    pub id: u64,
    /// `CA…` identifier.
    pub sid: String,
    /// `inbound` or `outbound`.
    pub direction: String,
    /// `initial`, `answered` or `done`.
    pub status: String,
    /// Why a missed call was missed.
    pub missed_call_reason: Option<String>,
    /// UNIX seconds.
    pub started_at: i64,
    /// UNIX seconds, when answered.
    pub answered_at: Option<i64>,
    /// UNIX seconds, when over.
    pub ended_at: Option<i64>,
    /// The external number as shown, or `anonymous`.
    pub raw_digits: String,
    /// The agent who took or made it.
    pub user_id: Option<u64>,
    /// The Aircall number that carried it.
    pub number_id: u64,
    /// The Aircall contact whose number matches `raw_digits`, if any.
    pub contact_id: Option<u64>,
    /// The agent it is assigned to.
    pub assigned_to: Option<u64>,
    /// The agent who transferred it.
    pub transferred_by: Option<u64>,
    /// The agent it was transferred to (the last transfer's target, answered or not).
    pub transferred_to: Option<u64>,
    /// Archived flag.
    pub archived: bool,
    /// Recording URL.
    pub recording: Option<String>,
    /// Voicemail URL.
    pub voicemail: Option<String>,
    /// Comments, oldest first.
    pub comments: Vec<Comment>,
    /// Tags, oldest first.
    pub tags: Vec<CallTag>,
}

impl Call {
    /// Seconds from start to end (ringing included); 0 while the call is live.
    pub fn duration(&self) -> i64 {
        self.ended_at
            .map_or(0, |end| (end - self.started_at).max(0))
    }
}

/// The fields of a call created by [`crate::Sandbox::add_call`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewCall {
    /// `inbound` (default) or `outbound`.
    pub direction: String,
    /// `initial` (default), `answered` or `done`.
    pub status: String,
    /// The external number, e.g. `+33 7 62 04 35 75`, or `anonymous`.
    pub raw_digits: String,
    /// The Aircall number; the first seeded number when `None`.
    pub number_id: Option<u64>,
    /// The agent.
    pub user_id: Option<u64>,
    /// UNIX seconds; now when `None`.
    pub started_at: Option<i64>,
    /// UNIX seconds.
    pub answered_at: Option<i64>,
    /// UNIX seconds.
    pub ended_at: Option<i64>,
    /// Why a missed call was missed.
    pub missed_call_reason: Option<String>,
}

impl Default for NewCall {
    fn default() -> Self {
        NewCall {
            direction: "inbound".to_owned(),
            status: "initial".to_owned(),
            raw_digits: "anonymous".to_owned(),
            number_id: None,
            user_id: None,
            started_at: None,
            answered_at: None,
            ended_at: None,
            missed_call_reason: None,
        }
    }
}

/// A call tag defined in the company.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Tag {
    /// Numeric id.
    pub id: u64,
    /// Name.
    pub name: String,
    /// Colour.
    pub color: Option<String>,
    /// Description.
    pub description: Option<String>,
}

/// A webhook registration.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Webhook {
    /// UUID-shaped id.
    pub webhook_id: String,
    /// Name given at creation.
    pub custom_name: String,
    /// HTTPS URL.
    pub url: String,
    /// Subscribed events (all of them when created without a list).
    pub events: Vec<String>,
    /// 32 hexadecimal characters; sent in every delivery's body.
    pub token: String,
    /// Active flag.
    pub active: bool,
    /// UNIX seconds.
    pub created_at: i64,
}

/// An insight card pushed to a live call.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct InsightCard {
    /// The call it was posted to.
    pub call_id: u64,
    /// The `contents` array as posted (validated blocks).
    pub contents: Value,
    /// UNIX seconds.
    pub posted_at: i64,
}

/// A number put in an agent's phone by `POST /v1/users/:id/dial`, for the agent to call.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Dial {
    /// The Aircall user whose phone got it.
    pub user_id: u64,
    /// The number, as sent.
    pub to: String,
    /// UNIX seconds.
    pub at: i64,
}

/// An SMS or WhatsApp message on an Aircall number.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Message {
    /// Aircall's id (a string of digits).
    pub id: String,
    /// `inbound` (from the customer) or `outbound`.
    pub direction: String,
    /// The customer's number as given, e.g. `+33 6 12 34 56 78`.
    pub external_number: String,
    /// The text.
    pub body: String,
    /// `received`, `sent`, `delivered`, `failed`, …
    pub status: String,
    /// `None` for SMS, `Some("whatsapp")` for WhatsApp.
    pub channel: Option<String>,
    /// The Aircall number that carried it.
    pub number_id: u64,
    /// The agent who sent it (outbound only).
    pub user_id: Option<u64>,
    /// UNIX seconds.
    pub created_at: i64,
    /// UNIX seconds; bumped by every status change.
    pub updated_at: i64,
}

/// The fields of a message created by [`crate::Sandbox::add_message`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewMessage {
    /// `inbound` (default) or `outbound`.
    pub direction: String,
    /// The customer's number.
    pub external_number: String,
    /// The text.
    pub body: String,
    /// `received` for inbound, `sent` for outbound, when `None`.
    pub status: Option<String>,
    /// `None` for SMS, `Some("whatsapp")` for WhatsApp.
    pub channel: Option<String>,
    /// The Aircall number; the first seeded number when `None`.
    pub number_id: Option<u64>,
    /// The agent who sent it.
    pub user_id: Option<u64>,
    /// UNIX seconds; now when `None`.
    pub created_at: Option<i64>,
}

impl Default for NewMessage {
    fn default() -> Self {
        NewMessage {
            direction: "inbound".to_owned(),
            external_number: String::new(),
            body: String::new(),
            status: None,
            channel: None,
            number_id: None,
            user_id: None,
            created_at: None,
        }
    }
}
