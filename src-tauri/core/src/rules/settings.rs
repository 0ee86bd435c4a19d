//! The integration settings the rules obey, read from the configuration like the rest of it,
//! and changeable one key at a time (the admin console's overrides) through [`Settings::set`].

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
    /// Set an agent away in Intercom while they are on an Aircall call and in its wrap-up
    /// (`presence = "on"`); off by default.
    #[serde(default)]
    pub presence: bool,
    /// The away reason's label while on a call (used when the workspace has away reasons).
    #[serde(default = "on_call_reason")]
    pub presence_on_call_reason: String,
    /// The away reason's label during the wrap-up.
    #[serde(default = "wrap_up_reason")]
    pub presence_wrap_up_reason: String,
    /// The reverse direction: an agent who sets themselves away in Intercom becomes
    /// unavailable in Aircall, and available again when they come back.
    #[serde(default)]
    pub presence_to_aircall: bool,
    /// How long the wrap-up lasts after a hang-up when Aircall sends no wrap-up of its own, in
    /// seconds (0: none).
    #[serde(default = "wrap_up_default")]
    pub wrap_up_seconds: u64,
    /// The outcomes an agent picks from after a call, in order; empty: no outcome is asked.
    #[serde(default)]
    pub call_outcomes: Vec<String>,
    /// Whether the wrap-up needs an outcome before "Done".
    #[serde(default)]
    pub call_outcome_required: bool,
    /// Minutes (in business hours) within which a missed call should be returned before its
    /// call-back item is late.
    #[serde(default = "callback_deadline_default")]
    pub callback_deadline_minutes: u64,
}

fn yes() -> bool {
    true
}

fn on_call_reason() -> String {
    "On a call".to_owned()
}

fn wrap_up_reason() -> String {
    "Wrap-up".to_owned()
}

fn wrap_up_default() -> u64 {
    60
}

fn callback_deadline_default() -> u64 {
    60
}

/// The wrap-up's length Ringside accepts, in seconds: none up to an hour.
pub const WRAP_UP_SECONDS: RangeInclusive<u64> = 0..=3600;

/// The call-back deadline Ringside accepts, in minutes: 1 minute up to a week.
pub const CALLBACK_DEADLINE_MINUTES: RangeInclusive<u64> = 1..=7 * 24 * 60;

/// The most call outcomes a list may hold, and the longest one, in characters.
pub const MAX_CALL_OUTCOMES: usize = 20;
/// The longest call outcome, in characters.
pub const MAX_CALL_OUTCOME_CHARS: usize = 60;

/// The longest away reason's label, in characters.
pub const MAX_REASON_CHARS: usize = 60;

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
            presence: false,
            presence_on_call_reason: on_call_reason(),
            presence_wrap_up_reason: wrap_up_reason(),
            presence_to_aircall: false,
            wrap_up_seconds: wrap_up_default(),
            call_outcomes: Vec::new(),
            call_outcome_required: false,
            callback_deadline_minutes: callback_deadline_default(),
        }
    }
}

impl Settings {
    /// Every integration setting as `(hub.toml key, environment variable)`, in the registry's
    /// order. These are the settings an admin may change in the console while the hub runs; a
    /// setting added here (a list of call outcomes, presence) is read from the configuration
    /// and changeable in the console once [`Settings::set`] and [`Settings::value_of`] know it
    /// (a test holds the three together).
    pub const KEYS: &'static [(&'static str, &'static str)] = &[
        ("log_answered_calls", "RINGSIDE_LOG_ANSWERED_CALLS"),
        ("log_missed_calls", "RINGSIDE_LOG_MISSED_CALLS"),
        ("log_outbound_calls", "RINGSIDE_LOG_OUTBOUND_CALLS"),
        ("log_messages", "RINGSIDE_LOG_MESSAGES"),
        ("create_contacts", "RINGSIDE_CREATE_CONTACTS"),
        ("new_contact_role", "RINGSIDE_NEW_CONTACT_ROLE"),
        ("message_fallback", "RINGSIDE_MESSAGE_FALLBACK"),
        ("tag_window_minutes", TAG_WINDOW_KEY),
        ("push_insight_cards", "RINGSIDE_PUSH_INSIGHT_CARDS"),
        ("log_ai_insights", "RINGSIDE_LOG_AI_INSIGHTS"),
        ("ai_topics_as_tags", "RINGSIDE_AI_TOPICS_AS_TAGS"),
        ("presence", "RINGSIDE_PRESENCE"),
        (
            "presence_on_call_reason",
            "RINGSIDE_PRESENCE_ON_CALL_REASON",
        ),
        (
            "presence_wrap_up_reason",
            "RINGSIDE_PRESENCE_WRAP_UP_REASON",
        ),
        ("presence_to_aircall", "RINGSIDE_PRESENCE_TO_AIRCALL"),
        ("wrap_up_seconds", "RINGSIDE_WRAP_UP_SECONDS"),
        ("call_outcomes", "RINGSIDE_CALL_OUTCOMES"),
        ("call_outcome_required", "RINGSIDE_CALL_OUTCOME_REQUIRED"),
        (
            "callback_deadline_minutes",
            "RINGSIDE_CALLBACK_DEADLINE_MINUTES",
        ),
    ];

    /// Reads `RINGSIDE_LOG_ANSWERED_CALLS`, `RINGSIDE_LOG_MISSED_CALLS`,
    /// `RINGSIDE_LOG_OUTBOUND_CALLS`, `RINGSIDE_LOG_MESSAGES`, `RINGSIDE_CREATE_CONTACTS`
    /// (`true`/`false`), `RINGSIDE_NEW_CONTACT_ROLE` (`lead`/`user`),
    /// `RINGSIDE_MESSAGE_FALLBACK` (`unassigned`/`integration_admin`),
    /// `RINGSIDE_TAG_WINDOW_MINUTES`, `RINGSIDE_PUSH_INSIGHT_CARDS`, `RINGSIDE_LOG_AI_INSIGHTS`,
    /// `RINGSIDE_AI_TOPICS_AS_TAGS` and the call's settings (presence, wrap-up, outcomes,
    /// call-backs; [`Settings::KEYS`]) through `lookup`.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, String> {
        let mut s = Settings::default();
        for (key, var) in Self::KEYS {
            let Some(text) = lookup(var)
                .map(|v| v.trim().to_owned())
                .filter(|v| !v.is_empty())
            else {
                continue;
            };
            s.set(key, &text)
                .map_err(|reason| format!("{var}: {reason}"))?;
        }
        Ok(s)
    }

    /// Sets one setting from its text, by its `hub.toml` key (`log_missed_calls`, `true`);
    /// else why not, in words.
    pub fn set(&mut self, key: &str, text: &str) -> Result<(), String> {
        let text = text.trim();
        let flag = || -> Result<bool, String> {
            match text.to_ascii_lowercase().as_str() {
                "1" | "true" | "yes" | "on" => Ok(true),
                "0" | "false" | "no" | "off" => Ok(false),
                other => Err(format!("expected true or false, got `{other}`")),
            }
        };
        match key {
            "log_answered_calls" => self.log_answered_calls = flag()?,
            "log_missed_calls" => self.log_missed_calls = flag()?,
            "log_outbound_calls" => self.log_outbound_calls = flag()?,
            "log_messages" => self.log_messages = flag()?,
            "create_contacts" => self.create_contacts = flag()?,
            "push_insight_cards" => self.push_insight_cards = flag()?,
            "log_ai_insights" => self.log_ai_insights = flag()?,
            "ai_topics_as_tags" => self.ai_topics_as_tags = flag()?,
            "presence_to_aircall" => self.presence_to_aircall = flag()?,
            "call_outcome_required" => self.call_outcome_required = flag()?,
            "presence" => self.presence = flag()?,
            "presence_on_call_reason" => self.presence_on_call_reason = label(text)?,
            "presence_wrap_up_reason" => self.presence_wrap_up_reason = label(text)?,
            "wrap_up_seconds" => {
                self.wrap_up_seconds = bounded(text, &WRAP_UP_SECONDS, "seconds")?;
            }
            "callback_deadline_minutes" => {
                self.callback_deadline_minutes =
                    bounded(text, &CALLBACK_DEADLINE_MINUTES, "minutes")?;
            }
            "call_outcomes" => self.call_outcomes = outcomes(text)?,
            "new_contact_role" => {
                self.new_contact_role = Role::parse(text)
                    .ok_or_else(|| format!("expected lead or user, got `{text}`"))?;
            }
            "message_fallback" => {
                self.message_fallback = match text.to_ascii_lowercase().as_str() {
                    "unassigned" => MessageFallback::Unassigned,
                    "integration_admin" | "integration-admin" => MessageFallback::IntegrationAdmin,
                    other => {
                        return Err(format!(
                            "expected unassigned or integration_admin, got `{other}`"
                        ))
                    }
                };
            }
            "tag_window_minutes" => {
                let minutes = bounded(text, &TAG_WINDOW_MINUTES, "minutes")?;
                self.tag_window_secs = i64::try_from(minutes * 60).map_err(|e| e.to_string())?;
            }
            other => return Err(format!("`{other}` is not an integration setting")),
        }
        Ok(())
    }

    /// One setting's value as `hub.toml` spells it (`true`, `lead`, `120`), by its key; `None`
    /// for a key that is not an integration setting.
    pub fn value_of(&self, key: &str) -> Option<String> {
        let text = match key {
            "log_answered_calls" => self.log_answered_calls.to_string(),
            "log_missed_calls" => self.log_missed_calls.to_string(),
            "log_outbound_calls" => self.log_outbound_calls.to_string(),
            "log_messages" => self.log_messages.to_string(),
            "create_contacts" => self.create_contacts.to_string(),
            "push_insight_cards" => self.push_insight_cards.to_string(),
            "log_ai_insights" => self.log_ai_insights.to_string(),
            "ai_topics_as_tags" => self.ai_topics_as_tags.to_string(),
            "presence" => if self.presence { "on" } else { "off" }.to_owned(),
            "presence_on_call_reason" => self.presence_on_call_reason.clone(),
            "presence_wrap_up_reason" => self.presence_wrap_up_reason.clone(),
            "presence_to_aircall" => self.presence_to_aircall.to_string(),
            "wrap_up_seconds" => self.wrap_up_seconds.to_string(),
            "call_outcomes" if self.call_outcomes.is_empty() => "[]".to_owned(),
            "call_outcomes" => self.call_outcomes.join(","),
            "call_outcome_required" => self.call_outcome_required.to_string(),
            "callback_deadline_minutes" => self.callback_deadline_minutes.to_string(),
            "new_contact_role" => self.new_contact_role.as_str().to_owned(),
            "message_fallback" => match self.message_fallback {
                MessageFallback::Unassigned => "unassigned".to_owned(),
                MessageFallback::IntegrationAdmin => "integration_admin".to_owned(),
            },
            "tag_window_minutes" => (self.tag_window_secs / 60).to_string(),
            _ => return None,
        };
        Some(text)
    }
}

/// Reads an away reason's label: one line of text, not empty, at most [`MAX_REASON_CHARS`].
fn label(text: &str) -> Result<String, String> {
    let text = text.trim();
    if text.is_empty() || text.chars().any(char::is_control) {
        return Err("expected a label on one line, not empty".into());
    }
    if text.chars().count() > MAX_REASON_CHARS {
        return Err(format!("expected at most {MAX_REASON_CHARS} characters"));
    }
    Ok(text.to_owned())
}

/// Reads the call outcomes: comma-separated (as the environment and the console write them;
/// `hub.toml`'s list arrives joined the same way), `[]` or nothing for none. Each outcome is
/// one line of at most [`MAX_CALL_OUTCOME_CHARS`], each once (in any letter case), at most
/// [`MAX_CALL_OUTCOMES`] of them.
fn outcomes(text: &str) -> Result<Vec<String>, String> {
    let text = text.trim();
    if text.is_empty() || text == "[]" {
        return Ok(Vec::new());
    }
    let mut list: Vec<String> = Vec::new();
    for item in text.split(',').map(str::trim).filter(|i| !i.is_empty()) {
        if item.chars().any(char::is_control) || item.chars().count() > MAX_CALL_OUTCOME_CHARS {
            return Err(format!(
                "each outcome is one line of at most {MAX_CALL_OUTCOME_CHARS} characters: `{item}`"
            ));
        }
        if list.iter().any(|o| o.to_lowercase() == item.to_lowercase()) {
            return Err(format!("`{item}` is in the list twice"));
        }
        list.push(item.to_owned());
    }
    if list.len() > MAX_CALL_OUTCOMES {
        return Err(format!(
            "at most {MAX_CALL_OUTCOMES} outcomes, got {}",
            list.len()
        ));
    }
    Ok(list)
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_key_is_set_and_read_back_as_written() {
        let mut s = Settings::default();
        for (key, _) in Settings::KEYS {
            let before = s
                .value_of(key)
                .unwrap_or_else(|| panic!("{key} is not read back"));
            s.set(key, &before).unwrap_or_else(|e| panic!("{key}: {e}"));
            assert_eq!(s.value_of(key), Some(before), "{key}");
        }
        assert_eq!(s, Settings::default());
        s.set("log_missed_calls", "false").unwrap();
        assert!(!s.log_missed_calls);
        s.set("tag_window_minutes", "30").unwrap();
        assert_eq!(
            (s.tag_window_secs, s.value_of("tag_window_minutes")),
            (1800, Some("30".into()))
        );
        assert!(s
            .set("tag_window_minutes", "99999999")
            .unwrap_err()
            .contains("0 to 10080"));
        assert!(s.set("listen", "x").is_err());
        assert_eq!(s.value_of("listen"), None);
    }
}
