//! The app's settings that are not secret, kept as JSON in the journal. Secrets (tokens) are in
//! the keyring ([`crate::vault`]) and never here.

mod integration;

use serde::{Deserialize, Serialize};

pub use integration::Integration;

use crate::error::{Error, Result};
use crate::i18n::{text, LanguageChoice};
use crate::journal::Journal;

/// How the app reaches a hub.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum ModeKind {
    /// A company hub at `hub_url`, with the agent token from the keyring.
    #[default]
    Connected,
    /// A hub started in-process with this agent's Aircall and Intercom credentials.
    Standalone,
}

/// When the card window opens.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum CardBehaviour {
    /// As soon as the call rings.
    #[default]
    OnRing,
    /// When the call is answered.
    OnAnswer,
    /// Never by itself (the tray and notifications still open it).
    Never,
}

/// What pops up a card.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Popups {
    /// Calls only.
    CallsOnly,
    /// Calls, and inbound SMS and WhatsApp messages.
    #[default]
    CallsAndMessages,
}

/// Every setting, with its default.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Settings {
    /// Connected or standalone.
    pub mode: ModeKind,
    /// The hub's address (connected mode).
    pub hub_url: String,
    /// The agent's email: the Intercom admin notes and tags are written as (standalone mode).
    pub agent_email: String,
    /// Aircall's API id (standalone mode; its token is in the keyring).
    pub aircall_api_id: String,
    /// `us`, `eu` or `au` (standalone mode).
    pub intercom_region: String,
    /// Overrides the region's Intercom host, e.g. a proxy (standalone mode; empty: none).
    pub intercom_base_url: String,
    /// Overrides `https://api.aircall.io` (standalone mode; empty: none).
    pub aircall_base_url: String,
    /// The loopback port the in-app hub receives Aircall's webhooks on (standalone mode; 0: a
    /// free port, which is fine until webhooks are registered).
    pub webhook_port: u16,
    /// The public https address that forwards to that port, e.g. a tunnel (standalone mode;
    /// registered with Aircall from Settings).
    pub webhook_url: String,
    /// Region for national numbers, e.g. `FR`.
    pub default_region: String,
    /// When the card opens.
    pub card: CardBehaviour,
    /// Desktop notifications for incoming calls.
    pub notifications: bool,
    /// Whether an inbound message pops a card too.
    pub popups: Popups,
    /// What the hub started in standalone mode logs, and how it syncs contacts.
    pub integration: Integration,
    /// Start the app when the agent logs in (an XDG autostart entry, [`crate::autostart`]; the
    /// entry, not this copy, says whether it is on).
    pub start_with_session: bool,
    /// The app's language: the system's, English or French.
    pub language: LanguageChoice,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            mode: ModeKind::Connected,
            hub_url: String::new(),
            agent_email: String::new(),
            aircall_api_id: String::new(),
            intercom_region: "us".to_owned(),
            intercom_base_url: String::new(),
            aircall_base_url: String::new(),
            webhook_port: 0,
            webhook_url: String::new(),
            default_region: "US".to_owned(),
            card: CardBehaviour::OnRing,
            notifications: true,
            popups: Popups::CallsAndMessages,
            integration: Integration::default(),
            start_with_session: false,
            language: LanguageChoice::System,
        }
    }
}

const KEY: &str = "settings";

impl Settings {
    /// The saved settings, or the defaults.
    pub fn load(journal: &Journal) -> Result<Settings> {
        Ok(journal
            .meta(KEY)?
            .and_then(|json| serde_json::from_str(&json).ok())
            .unwrap_or_default())
    }

    /// Whether settings were ever saved: the first run has none, and opens the setup.
    pub fn saved(journal: &Journal) -> Result<bool> {
        Ok(journal.meta(KEY)?.is_some())
    }

    /// Checks and saves them.
    pub fn save(&self, journal: &Journal) -> Result<()> {
        self.validate()?;
        let json = serde_json::to_string(self).map_err(|e| Error::Invalid(e.to_string()))?;
        journal.set_meta(KEY, &json)
    }

    /// Refuses what cannot work, naming the field.
    pub fn validate(&self) -> Result<()> {
        ringside_core::phone::Region::parse(&self.default_region).map_err(|_| {
            Error::Invalid(text(
                "error-default-region",
                &[("value", (&self.default_region).into())],
            ))
        })?;
        if ringside_core::intercom::Region::parse(&self.intercom_region).is_none() {
            return Err(Error::Invalid(text(
                "error-intercom-region",
                &[("value", (&self.intercom_region).into())],
            )));
        }
        for (what, value, check) in [
            (
                "hub",
                &self.hub_url,
                web_address as fn(&str) -> Option<url::Url>,
            ),
            ("intercom", &self.intercom_base_url, vendor_address),
            ("aircall", &self.aircall_base_url, vendor_address),
        ] {
            if !value.trim().is_empty() && check(value).is_none() {
                return Err(Error::Invalid(text(
                    "error-web-address",
                    &[("what", what.into()), ("value", value.into())],
                )));
            }
        }
        if !self.webhook_url.trim().is_empty()
            && web_address(&self.webhook_url).is_none_or(|u| u.scheme() != "https")
        {
            return Err(Error::Invalid(text(
                "error-webhook-https",
                &[("value", (&self.webhook_url).into())],
            )));
        }
        if !self.agent_email.is_empty() && !self.agent_email.contains('@') {
            return Err(Error::Invalid(text(
                "error-email",
                &[("value", (&self.agent_email).into())],
            )));
        }
        self.integration.validate()
    }
}

/// An http(s) address with a host.
pub fn web_address(text: &str) -> Option<url::Url> {
    url::Url::parse(text.trim())
        .ok()
        .filter(|u| matches!(u.scheme(), "http" | "https") && u.host().is_some())
}

/// A vendor's address that keeps the tokens sent to it private: `https://`, or plain
/// `http://` on this machine only. (The hub's address is checked the same way when the app
/// connects, with the reason shown in Settings' checks.)
pub fn vendor_address(text: &str) -> Option<url::Url> {
    web_address(text).filter(|u| ringside_core::private_address(u).is_ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn settings_round_trip_and_bad_values_are_refused() {
        let journal = Journal::open_in_memory().unwrap();
        assert_eq!(Settings::load(&journal).unwrap(), Settings::default());
        assert!(!Settings::saved(&journal).unwrap());
        let mut s = Settings {
            default_region: "FR".into(),
            card: CardBehaviour::OnAnswer,
            ..Settings::default()
        };
        s.save(&journal).unwrap();
        assert!(Settings::saved(&journal).unwrap());
        assert_eq!(Settings::load(&journal).unwrap(), s);
        s.default_region = "XX".into();
        assert_eq!(s.save(&journal).unwrap_err().code(), "invalid");
        s.default_region = "FR".into();
        s.hub_url = "ftp://x".into();
        assert_eq!(s.save(&journal).unwrap_err().code(), "invalid");
        s.hub_url = String::new();
        // A vendor's address in plain http off this machine would carry the tokens in clear.
        s.intercom_base_url = "http://intercom.example.com".into();
        let e = s.save(&journal).unwrap_err();
        assert!(e.to_string().contains("use https://"), "{e}");
        s.intercom_base_url = "http://127.0.0.1:8080".into();
        s.aircall_base_url = "https://api.aircall.example".into();
        s.save(&journal).unwrap();
        s.webhook_url = "http://agent.example.net".into();
        let e = s.save(&journal).unwrap_err();
        assert!(
            e.to_string().contains("Aircall only delivers to https"),
            "{e}"
        );
    }
}
