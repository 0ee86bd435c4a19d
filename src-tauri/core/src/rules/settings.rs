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
    ];

    /// Reads `RINGSIDE_LOG_ANSWERED_CALLS`, `RINGSIDE_LOG_MISSED_CALLS`,
    /// `RINGSIDE_LOG_OUTBOUND_CALLS`, `RINGSIDE_LOG_MESSAGES`, `RINGSIDE_CREATE_CONTACTS`
    /// (`true`/`false`), `RINGSIDE_NEW_CONTACT_ROLE` (`lead`/`user`),
    /// `RINGSIDE_MESSAGE_FALLBACK` (`unassigned`/`integration_admin`),
    /// `RINGSIDE_TAG_WINDOW_MINUTES`, `RINGSIDE_PUSH_INSIGHT_CARDS`, `RINGSIDE_LOG_AI_INSIGHTS` and
    /// `RINGSIDE_AI_TOPICS_AS_TAGS` through `lookup`.
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
