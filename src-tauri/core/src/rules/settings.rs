//! The integration settings the rules obey, read from the environment like the rest of the
//! configuration.

use std::ops::RangeInclusive;

use serde::{Deserialize, Serialize};

use crate::intercom::Role;

/// The tag window's setting.
const TAG_WINDOW_KEY: &str = "RINGSIDE_TAG_WINDOW_MINUTES";

/// The tag window Ringside accepts, in minutes: none at all up to a week after the call ended.
pub const TAG_WINDOW_MINUTES: RangeInclusive<u64> = 0..=7 * 24 * 60;

/// Whom an inbound message is assigned to when its number has no single matching teammate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MessageFallback {
    /// Nobody: Intercom's own assignment rules apply.
    Unassigned,
    /// The admin who owns the Intercom token.
    IntegrationAdmin,
}

/// What gets logged, and how.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Settings {
    /// Log inbound calls that were answered.
    pub log_answered_calls: bool,
    /// Log inbound calls nobody answered.
    pub log_missed_calls: bool,
    /// Log outbound calls.
    pub log_outbound_calls: bool,
    /// Log SMS and WhatsApp messages.
    pub log_messages: bool,
    /// Create an Intercom contact for an unknown number (and the shared anonymous contact).
    pub create_contacts: bool,
    /// The role of contacts Ringside creates.
    pub new_contact_role: Role,
    /// Inbound messages without a single matching teammate.
    pub message_fallback: MessageFallback,
    /// How long after a call ended its tags still sync, in seconds.
    pub tag_window_secs: i64,
    /// Push the insight card to Aircall's phone app while a call is live.
    pub push_insight_cards: bool,
    /// Note Aircall's AI summary, action items, topics and sentiment on the call's conversation.
    #[serde(default = "yes")]
    pub log_ai_insights: bool,
    /// Put Aircall's AI topics on the call's conversation as tags.
    #[serde(default)]
    pub ai_topics_as_tags: bool,
}

fn yes() -> bool {
    true
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            log_answered_calls: true,
            log_missed_calls: true,
            log_outbound_calls: true,
            log_messages: true,
            create_contacts: true,
            new_contact_role: Role::Lead,
            message_fallback: MessageFallback::Unassigned,
            tag_window_secs: 2 * 3600,
            push_insight_cards: true,
            log_ai_insights: true,
            ai_topics_as_tags: false,
        }
    }
}

impl Settings {
    /// Reads `RINGSIDE_LOG_ANSWERED_CALLS`, `RINGSIDE_LOG_MISSED_CALLS`,
    /// `RINGSIDE_LOG_OUTBOUND_CALLS`, `RINGSIDE_LOG_MESSAGES`, `RINGSIDE_CREATE_CONTACTS`
    /// (`true`/`false`), `RINGSIDE_NEW_CONTACT_ROLE` (`lead`/`user`),
    /// `RINGSIDE_MESSAGE_FALLBACK` (`unassigned`/`integration_admin`),
    /// `RINGSIDE_TAG_WINDOW_MINUTES`, `RINGSIDE_PUSH_INSIGHT_CARDS`, `RINGSIDE_LOG_AI_INSIGHTS` and
    /// `RINGSIDE_AI_TOPICS_AS_TAGS` through `lookup`.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, String> {
        let mut s = Settings::default();
        let get = |k: &str| {
            lookup(k)
                .map(|v| v.trim().to_owned())
                .filter(|v| !v.is_empty())
        };
        let flag = |k: &str, default: bool| -> Result<bool, String> {
            match get(k).as_deref().map(str::to_ascii_lowercase).as_deref() {
                None => Ok(default),
                Some("1" | "true" | "yes" | "on") => Ok(true),
                Some("0" | "false" | "no" | "off") => Ok(false),
                Some(other) => Err(format!("{k}: expected true or false, got `{other}`")),
            }
        };
        s.log_answered_calls = flag("RINGSIDE_LOG_ANSWERED_CALLS", s.log_answered_calls)?;
        s.log_missed_calls = flag("RINGSIDE_LOG_MISSED_CALLS", s.log_missed_calls)?;
        s.log_outbound_calls = flag("RINGSIDE_LOG_OUTBOUND_CALLS", s.log_outbound_calls)?;
        s.log_messages = flag("RINGSIDE_LOG_MESSAGES", s.log_messages)?;
        s.create_contacts = flag("RINGSIDE_CREATE_CONTACTS", s.create_contacts)?;
        s.push_insight_cards = flag("RINGSIDE_PUSH_INSIGHT_CARDS", s.push_insight_cards)?;
        s.log_ai_insights = flag("RINGSIDE_LOG_AI_INSIGHTS", s.log_ai_insights)?;
        s.ai_topics_as_tags = flag("RINGSIDE_AI_TOPICS_AS_TAGS", s.ai_topics_as_tags)?;
        if let Some(role) = get("RINGSIDE_NEW_CONTACT_ROLE") {
            s.new_contact_role = Role::parse(&role).ok_or_else(|| {
                format!("RINGSIDE_NEW_CONTACT_ROLE: expected lead or user, got `{role}`")
            })?;
        }
        if let Some(fallback) = get("RINGSIDE_MESSAGE_FALLBACK") {
            s.message_fallback = match fallback.to_ascii_lowercase().as_str() {
                "unassigned" => MessageFallback::Unassigned,
                "integration_admin" | "integration-admin" => MessageFallback::IntegrationAdmin,
                other => return Err(format!("RINGSIDE_MESSAGE_FALLBACK: expected unassigned or integration_admin, got `{other}`")),
            };
        }
        if let Some(minutes) = get(TAG_WINDOW_KEY) {
            let minutes = bounded(&minutes, &TAG_WINDOW_MINUTES, "minutes")
                .map_err(|reason| format!("{TAG_WINDOW_KEY}: {reason}"))?;
            s.tag_window_secs =
                i64::try_from(minutes * 60).map_err(|e| format!("{TAG_WINDOW_KEY}: {e}"))?;
        }
        Ok(s)
    }
}

/// Reads a numeric setting: a whole number within `range`, else why not, with the range and
/// its unit (a huge value is refused here rather than overflowing later). The caller names the
/// setting.
pub(crate) fn bounded(raw: &str, range: &RangeInclusive<u64>, unit: &str) -> Result<u64, String> {
    raw.trim()
        .parse::<u64>()
        .ok()
        .filter(|n| range.contains(n))
        .ok_or_else(|| {
            format!(
                "expected a whole number of {unit} from {} to {}, got `{}`",
                range.start(),
                range.end(),
                raw.trim()
            )
        })
}
