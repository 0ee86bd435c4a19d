//! A call to return: an item of the team's "To call back" list, as the hub's API, its event
//! stream and the desktop app read it (`GET /api/v1/callbacks`, `callback.opened`, …), and the
//! words of its states as the store keeps them.
//!
//! A missed inbound call or a voicemail opens an item; another missed call from the same number
//! on the same line while it is open is merged into it; it closes when a later answered call
//! from the number or an outbound call to it is processed, or when an agent dismisses it.

use serde::{Deserialize, Serialize};

/// A missed call, or one where the caller left a voicemail.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum CallbackKind {
    /// Nobody answered and the caller left no message.
    Missed,
    /// The caller left a voicemail.
    Voicemail,
}

impl CallbackKind {
    /// The stored word.
    pub fn as_str(self) -> &'static str {
        match self {
            CallbackKind::Missed => "missed",
            CallbackKind::Voicemail => "voicemail",
        }
    }

    /// Reads a stored word.
    pub fn parse(word: &str) -> Option<Self> {
        Some(match word {
            "missed" => CallbackKind::Missed,
            "voicemail" => CallbackKind::Voicemail,
            _ => return None,
        })
    }
}

/// Where an item stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum CallbackState {
    /// Nobody has taken it.
    Open,
    /// An agent said they are calling back.
    Claimed,
    /// Returned, answered or dismissed.
    Closed,
}

impl CallbackState {
    /// The stored word.
    pub fn as_str(self) -> &'static str {
        match self {
            CallbackState::Open => "open",
            CallbackState::Claimed => "claimed",
            CallbackState::Closed => "closed",
        }
    }

    /// Reads a stored word.
    pub fn parse(word: &str) -> Option<Self> {
        Some(match word {
            "open" => CallbackState::Open,
            "claimed" => CallbackState::Claimed,
            "closed" => CallbackState::Closed,
            _ => return None,
        })
    }
}

/// Why an item closed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum CloseReason {
    /// An agent called the number.
    CalledBack,
    /// The caller called again and an agent answered.
    Answered,
    /// An agent dismissed it, with a reason.
    Dismissed,
}

impl CloseReason {
    /// The stored word.
    pub fn as_str(self) -> &'static str {
        match self {
            CloseReason::CalledBack => "called_back",
            CloseReason::Answered => "answered",
            CloseReason::Dismissed => "dismissed",
        }
    }

    /// Reads a stored word.
    pub fn parse(word: &str) -> Option<Self> {
        Some(match word {
            "called_back" => CloseReason::CalledBack,
            "answered" => CloseReason::Answered,
            "dismissed" => CloseReason::Dismissed,
            _ => return None,
        })
    }
}

/// Which list `GET /api/v1/callbacks` gives.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum CallbackFilter {
    /// Open and claimed items.
    #[default]
    Open,
    /// Items closed in the last 24 hours.
    Closed,
    /// Both.
    All,
}

/// The Aircall line an item's calls came in on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct CallbackLine {
    /// Aircall's id of the number.
    pub id: u64,
    /// Its name, e.g. "Support FR".
    pub name: String,
}

/// Whether an Intercom contact is a user or a lead.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ContactRole {
    /// A user.
    User,
    /// A lead.
    Lead,
}

/// The Intercom contact behind the number, when the hub knows exactly one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct CallbackContact {
    /// Intercom's id.
    pub id: String,
    /// The contact's name, when it has one.
    pub name: Option<String>,
    /// User or lead.
    pub role: ContactRole,
}

/// A teammate who claimed or closed an item.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Teammate {
    /// Their email, lower case.
    pub email: String,
    /// Their name (their email when the hub knows no name).
    pub name: String,
}

/// One item of the "To call back" list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Callback {
    /// The item's id.
    pub id: i64,
    /// Aircall's id of the missed call that opened it (the one to dial back with).
    pub call_id: u64,
    /// `missed`, or `voicemail` when a caller left one.
    pub kind: CallbackKind,
    /// The caller's number: E.164 when it reads as one, else as Aircall sent it.
    pub phone: String,
    /// The line the calls came in on.
    pub line: Option<CallbackLine>,
    /// The Intercom contact of the number, when the hub knows exactly one.
    pub contact: Option<CallbackContact>,
    /// How many missed calls from the number on the line it holds.
    pub missed_count: u32,
    /// When the first of them started, UNIX seconds.
    pub opened_at: i64,
    /// When the last of them started, UNIX seconds.
    pub last_missed_at: i64,
    /// When it is late: `callback_deadline_minutes` of business hours after `opened_at`.
    pub due_at: i64,
    /// Past `due_at` and still open or claimed.
    pub late: bool,
    /// Open, claimed or closed.
    pub state: CallbackState,
    /// Who is calling back.
    pub claimed_by: Option<Teammate>,
    /// When they said so, UNIX seconds.
    pub claimed_at: Option<i64>,
    /// When it closed, UNIX seconds.
    pub closed_at: Option<i64>,
    /// Who called back, answered the caller or dismissed it.
    pub closed_by: Option<Teammate>,
    /// Why it closed.
    pub close_reason: Option<CloseReason>,
    /// The reason a teammate gave when dismissing it.
    pub dismiss_reason: Option<String>,
    /// From the first missed call to the call that returned it, in seconds.
    pub returned_after_seconds: Option<i64>,
    /// The voicemail: Aircall's lasting page (`asset`) when there is one, else the direct
    /// link, which expires within minutes.
    pub voicemail_url: Option<String>,
    /// The voicemail's transcript, when Aircall's AI sent one.
    pub transcript: Option<String>,
}

/// The answer of `GET /api/v1/callbacks`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct CallbackList {
    /// The items, the most recently missed first, at most 200.
    pub items: Vec<Callback>,
    /// How many open or claimed items the agent sees are late (whatever the list asked).
    pub late: u64,
}

/// The answer of `GET /api/v1/me/day`: the agent's day so far, in the team's time zone.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct MyDay {
    /// Today, `YYYY-MM-DD`, in the team's time zone.
    pub date: String,
    /// The team's time zone (hub.toml's `timezone`).
    pub timezone: String,
    /// Inbound calls the agent answered.
    pub answered: u64,
    /// Missed inbound calls on the agent's lines (every line for an admin).
    pub missed: u64,
    /// Call-backs the agent closed by calling back.
    pub returned: u64,
    /// Outbound calls the agent made.
    pub outbound: u64,
    /// The mean talk time of the agent's answered and outbound calls, in seconds; `None`
    /// before the first.
    pub average_handle_seconds: Option<i64>,
    /// Open or claimed call-backs the agent sees that are late.
    pub late: u64,
}

/// The longest dismiss reason, in characters.
pub const DISMISS_REASON_MAX_CHARS: usize = 200;

/// A dismiss reason, trimmed, when it has 1 to [`DISMISS_REASON_MAX_CHARS`] characters.
pub fn dismiss_reason(raw: &str) -> Option<String> {
    let reason = raw.trim();
    let chars = reason.chars().count();
    (1..=DISMISS_REASON_MAX_CHARS)
        .contains(&chars)
        .then(|| reason.to_owned())
}

/// The voicemail link an item shows: the lasting asset page first, else the direct link.
pub fn voicemail_url(asset: Option<&str>, voicemail: Option<&str>) -> Option<String> {
    [asset, voicemail]
        .into_iter()
        .flatten()
        .map(str::trim)
        .find(|l| l.starts_with("https://") || l.starts_with("http://"))
        .map(str::to_owned)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn states_kinds_and_reasons_are_stored_as_the_words_the_api_sends() {
        for kind in [CallbackKind::Missed, CallbackKind::Voicemail] {
            assert_eq!(CallbackKind::parse(kind.as_str()), Some(kind));
            assert_eq!(serde_json::to_value(kind).unwrap(), kind.as_str());
        }
        for state in [
            CallbackState::Open,
            CallbackState::Claimed,
            CallbackState::Closed,
        ] {
            assert_eq!(CallbackState::parse(state.as_str()), Some(state));
            assert_eq!(serde_json::to_value(state).unwrap(), state.as_str());
        }
        for reason in [
            CloseReason::CalledBack,
            CloseReason::Answered,
            CloseReason::Dismissed,
        ] {
            assert_eq!(CloseReason::parse(reason.as_str()), Some(reason));
            assert_eq!(serde_json::to_value(reason).unwrap(), reason.as_str());
        }
        assert_eq!(CallbackState::parse("pending"), None);
    }

    #[test]
    fn a_dismiss_reason_has_one_to_two_hundred_characters() {
        assert_eq!(
            dismiss_reason("  wrong number "),
            Some("wrong number".into())
        );
        assert_eq!(dismiss_reason("   "), None);
        assert_eq!(
            dismiss_reason(&"é".repeat(200)).map(|r| r.chars().count()),
            Some(200)
        );
        assert_eq!(dismiss_reason(&"é".repeat(201)), None);
    }

    #[test]
    fn the_lasting_voicemail_page_goes_before_the_short_lived_link() {
        let asset = Some("https://assets.aircall.io/calls/1/voicemail");
        let direct = Some("https://aircall-media.s3.amazonaws.com/v.mp3?X-Amz-Expires=600");
        assert_eq!(voicemail_url(asset, direct).as_deref(), asset);
        assert_eq!(voicemail_url(None, direct).as_deref(), direct);
        assert_eq!(voicemail_url(Some("javascript:alert(1)"), None), None);
        assert_eq!(voicemail_url(None, None), None);
    }
}
