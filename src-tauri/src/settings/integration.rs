//! The integration settings of standalone mode: what the hub started inside the app logs and how
//! it syncs contacts. The agent edits them in Settings; they are kept with the other settings
//! and read into the engine's types ([`HubSettings`], [`SyncSchedule`]) when the hub starts.

use std::time::Duration;

use ringside_core::hub::SyncSchedule;
use ringside_core::intercom::Role;
use ringside_core::phone::Region;
use ringside_core::rules::{MessageFallback, Settings as HubSettings};
use ringside_core::sync::plan::Roles;
use ringside_core::sync::SyncOptions;
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// The longest tag window the app accepts: a week.
const MAX_TAG_WINDOW_MINUTES: i64 = 7 * 24 * 60;
/// The longest time between two contact syncs: a day.
const MAX_SYNC_INTERVAL_MINUTES: i64 = 24 * 60;
/// The longest time between two full syncs: thirty days.
const MAX_FULL_EVERY_HOURS: i64 = 30 * 24;

/// The integration settings as the form edits them, with the engine's defaults.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Integration {
    /// Log inbound calls that were answered.
    pub log_answered_calls: bool,
    /// Log inbound calls nobody answered.
    pub log_missed_calls: bool,
    /// Log outbound calls.
    pub log_outbound_calls: bool,
    /// Log SMS and WhatsApp messages.
    pub log_messages: bool,
    /// Create an Intercom contact for an unknown number.
    pub create_contacts: bool,
    /// `lead` or `user`: the role of contacts Ringside creates.
    pub new_contact_role: String,
    /// `unassigned` or `integration_admin`: inbound messages without a single teammate.
    pub message_fallback: String,
    /// How long after a call ended its Aircall tags still reach Intercom, in minutes.
    pub tag_window_minutes: i64,
    /// Show the card in Aircall's phone app while a call is live.
    pub push_insight_cards: bool,
    /// Copy Intercom's Users and Leads to Aircall contacts.
    pub sync_enabled: bool,
    /// `users`, `leads` or `both`: which contacts go to Aircall.
    pub sync_roles: String,
    /// Minutes between two syncs.
    pub sync_interval_minutes: i64,
    /// Hours between two full syncs (the ones that find deleted contacts).
    pub sync_full_every_hours: i64,
}

impl Default for Integration {
    fn default() -> Self {
        let hub = HubSettings::default();
        let sync = ringside_core::config::SyncSettings::default();
        Integration {
            log_answered_calls: hub.log_answered_calls,
            log_missed_calls: hub.log_missed_calls,
            log_outbound_calls: hub.log_outbound_calls,
            log_messages: hub.log_messages,
            create_contacts: hub.create_contacts,
            new_contact_role: hub.new_contact_role.as_str().to_owned(),
            message_fallback: fallback_word(hub.message_fallback).to_owned(),
            tag_window_minutes: hub.tag_window_secs / 60,
            push_insight_cards: hub.push_insight_cards,
            sync_enabled: sync.enabled,
            sync_roles: sync.roles.as_str().to_owned(),
            sync_interval_minutes: (sync.interval.as_secs() / 60) as i64,
            sync_full_every_hours: (sync.full_every.as_secs() / 3600) as i64,
        }
    }
}

fn fallback_word(fallback: MessageFallback) -> &'static str {
    match fallback {
        MessageFallback::Unassigned => "unassigned",
        MessageFallback::IntegrationAdmin => "integration_admin",
    }
}

impl Integration {
    /// Refuses what cannot work, naming the field and what it accepts.
    pub fn validate(&self) -> Result<()> {
        self.hub_settings()?;
        self.roles()?;
        let within = |what: &str, value: i64, min: i64, max: i64, unit: &str| {
            if (min..=max).contains(&value) {
                Ok(())
            } else {
                Err(Error::Invalid(format!(
                    "{what} must be {min} to {max} {unit}, not {value}"
                )))
            }
        };
        within(
            "the tag window",
            self.tag_window_minutes,
            0,
            MAX_TAG_WINDOW_MINUTES,
            "minutes",
        )?;
        within(
            "the time between contact syncs",
            self.sync_interval_minutes,
            1,
            MAX_SYNC_INTERVAL_MINUTES,
            "minutes",
        )?;
        within(
            "the time between full contact syncs",
            self.sync_full_every_hours,
            1,
            MAX_FULL_EVERY_HOURS,
            "hours",
        )
    }

    /// The rules' settings for the hub.
    pub fn hub_settings(&self) -> Result<HubSettings> {
        let new_contact_role = Role::parse(&self.new_contact_role).ok_or_else(|| {
            Error::Invalid(format!(
                "the role of new contacts must be lead or user, not `{}`",
                self.new_contact_role
            ))
        })?;
        let message_fallback = match self.message_fallback.trim() {
            "unassigned" => MessageFallback::Unassigned,
            "integration_admin" => MessageFallback::IntegrationAdmin,
            other => {
                return Err(Error::Invalid(format!(
                    "unmatched inbound messages go to `unassigned` or `integration_admin`, not `{other}`"
                )))
            }
        };
        Ok(HubSettings {
            log_answered_calls: self.log_answered_calls,
            log_missed_calls: self.log_missed_calls,
            log_outbound_calls: self.log_outbound_calls,
            log_messages: self.log_messages,
            create_contacts: self.create_contacts,
            new_contact_role,
            message_fallback,
            tag_window_secs: self.tag_window_minutes.max(0) * 60,
            push_insight_cards: self.push_insight_cards,
            ..HubSettings::default()
        })
    }

    fn roles(&self) -> Result<Roles> {
        Roles::parse(&self.sync_roles).ok_or_else(|| {
            Error::Invalid(format!(
                "contacts to sync must be users, leads or both, not `{}`",
                self.sync_roles
            ))
        })
    }

    /// Contact sync's schedule for the hub; `None` when sync is off.
    pub fn sync_schedule(&self, default_region: Region) -> Result<Option<SyncSchedule>> {
        if !self.sync_enabled {
            return Ok(None);
        }
        let mut options = SyncOptions::new(default_region);
        options.roles = self.roles()?;
        options.full_every = Duration::from_secs(self.sync_full_every_hours.max(1) as u64 * 3600);
        Ok(Some(SyncSchedule {
            options,
            interval: Duration::from_secs(self.sync_interval_minutes.max(1) as u64 * 60),
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_defaults_are_the_hubs_and_read_back_into_the_engines_types() {
        let integration = Integration::default();
        integration.validate().unwrap();
        assert_eq!(integration.hub_settings().unwrap(), HubSettings::default());
        let region = Region::parse("FR").unwrap();
        let schedule = integration.sync_schedule(region).unwrap().unwrap();
        assert_eq!(schedule.interval, Duration::from_secs(15 * 60));
        assert_eq!(schedule.options.roles, Roles::Both);

        let edited = Integration {
            log_missed_calls: false,
            new_contact_role: "user".into(),
            message_fallback: "integration_admin".into(),
            tag_window_minutes: 240,
            sync_roles: "leads".into(),
            sync_interval_minutes: 60,
            sync_full_every_hours: 12,
            ..Integration::default()
        };
        let hub = edited.hub_settings().unwrap();
        assert!(!hub.log_missed_calls);
        assert_eq!(hub.new_contact_role, Role::User);
        assert_eq!(hub.message_fallback, MessageFallback::IntegrationAdmin);
        assert_eq!(hub.tag_window_secs, 4 * 3600);
        let schedule = edited.sync_schedule(region).unwrap().unwrap();
        assert_eq!(schedule.options.roles, Roles::Leads);
        assert_eq!(schedule.interval, Duration::from_secs(3600));
        assert_eq!(schedule.options.full_every, Duration::from_secs(12 * 3600));
        let off = Integration {
            sync_enabled: false,
            ..edited
        };
        assert!(off.sync_schedule(region).unwrap().is_none());
    }

    #[test]
    fn bad_values_are_refused_with_the_field_and_what_it_accepts() {
        let cases: [(Integration, &str); 5] = [
            (
                Integration {
                    tag_window_minutes: -5,
                    ..Integration::default()
                },
                "the tag window must be 0 to 10080 minutes, not -5",
            ),
            (
                Integration {
                    sync_interval_minutes: 0,
                    ..Integration::default()
                },
                "the time between contact syncs must be 1 to 1440 minutes, not 0",
            ),
            (
                Integration {
                    sync_full_every_hours: 1000,
                    ..Integration::default()
                },
                "the time between full contact syncs must be 1 to 720 hours, not 1000",
            ),
            (
                Integration {
                    new_contact_role: "visitor".into(),
                    ..Integration::default()
                },
                "the role of new contacts must be lead or user, not `visitor`",
            ),
            (
                Integration {
                    sync_roles: "admins".into(),
                    ..Integration::default()
                },
                "contacts to sync must be users, leads or both, not `admins`",
            ),
        ];
        for (integration, message) in cases {
            let e = integration.validate().unwrap_err();
            assert_eq!(e.code(), "invalid");
            assert_eq!(e.to_string(), message);
        }
    }
}
