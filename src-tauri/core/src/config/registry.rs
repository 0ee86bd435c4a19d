//! Every setting the hub reads, in one table: its key in `hub.toml`, its environment variable,
//! whether it is a secret, its default, the values it accepts and a line saying what it does.
//!
//! The table is the single list the file reader checks keys against, `config check` prints and
//! the shipped `packaging/hub.toml` documents (a test holds the two together).

use std::ops::RangeInclusive;

/// The names of the environment variables read.
pub mod env {
    /// Intercom access token.
    pub const INTERCOM_TOKEN: &str = "RINGSIDE_INTERCOM_TOKEN";
    /// `us`, `eu` or `au`.
    pub const INTERCOM_REGION: &str = "RINGSIDE_INTERCOM_REGION";
    /// Overrides the region's host (tests, the sandbox, a proxy).
    pub const INTERCOM_BASE_URL: &str = "RINGSIDE_INTERCOM_BASE_URL";
    /// The Intercom app's client secret, which signs its webhook notifications.
    pub const INTERCOM_CLIENT_SECRET: &str = "RINGSIDE_INTERCOM_CLIENT_SECRET";
    /// Logging requests in flight to Intercom at once (default 16, 1 to 64).
    pub const INTERCOM_CONCURRENCY: &str = "RINGSIDE_INTERCOM_CONCURRENCY";
    /// Aircall API id.
    pub const AIRCALL_API_ID: &str = "RINGSIDE_AIRCALL_API_ID";
    /// Aircall API token.
    pub const AIRCALL_API_TOKEN: &str = "RINGSIDE_AIRCALL_API_TOKEN";
    /// Overrides `https://api.aircall.io`.
    pub const AIRCALL_BASE_URL: &str = "RINGSIDE_AIRCALL_BASE_URL";
    /// Requests per minute Ringside may spend on Aircall (default 60).
    pub const AIRCALL_BUDGET: &str = "RINGSIDE_AIRCALL_BUDGET_PER_MINUTE";
    /// Region for national numbers, e.g. `FR`.
    pub const DEFAULT_REGION: &str = "RINGSIDE_DEFAULT_REGION";
    /// Where the database lives.
    pub const DATA_DIR: &str = "RINGSIDE_DATA_DIR";
    /// The configuration file: `hub.toml` (settings and secrets), or a legacy JSON file of
    /// non-secret settings. Default: `/etc/ringside/hub.toml` when it exists, else
    /// `ringside.json` in the data directory.
    pub const CONFIG_FILE: &str = "RINGSIDE_CONFIG";
    /// Contact sync on or off (default on).
    pub const SYNC_ENABLED: &str = "RINGSIDE_SYNC_ENABLED";
    /// Which Intercom contacts go to Aircall: `users`, `leads` or `both` (default).
    pub const SYNC_ROLES: &str = "RINGSIDE_SYNC_ROLES";
    /// Minutes between scheduled syncs (default 15).
    pub const SYNC_INTERVAL: &str = "RINGSIDE_SYNC_INTERVAL_MINUTES";
    /// Hours between full syncs, which find deleted contacts (default 24).
    pub const SYNC_FULL_EVERY: &str = "RINGSIDE_SYNC_FULL_EVERY_HOURS";
    /// The hub's address (default `127.0.0.1:8790`).
    pub const LISTEN: &str = "RINGSIDE_LISTEN";
    /// The hub's TLS certificate chain (PEM).
    pub const TLS_CERT: &str = "RINGSIDE_TLS_CERT";
    /// The hub's TLS private key (PEM).
    pub const TLS_KEY: &str = "RINGSIDE_TLS_KEY";
    /// Days finished work is kept (default 30).
    pub const RETENTION_DAYS: &str = "RINGSIDE_RETENTION_DAYS";
    /// Card lookups by number an agent may make a minute (default 30).
    pub const CARD_LOOKUPS: &str = "RINGSIDE_CARD_LOOKUPS_PER_MINUTE";
    /// The token Aircall's webhook carries.
    pub const WEBHOOK_TOKEN: &str = "RINGSIDE_WEBHOOK_TOKEN";
    /// A separate address for `GET /metrics`.
    pub const METRICS_LISTEN: &str = "RINGSIDE_METRICS_LISTEN";
    /// The log filter (default `warn`).
    pub const LOG: &str = "RINGSIDE_LOG";
    /// `text` or `json`.
    pub const LOG_FORMAT: &str = "RINGSIDE_LOG_FORMAT";
    /// The hub's public address, for the sign-in's redirect.
    pub const PUBLIC_URL: &str = "RINGSIDE_PUBLIC_URL";
    /// The Intercom app's client id.
    pub const INTERCOM_CLIENT_ID: &str = "RINGSIDE_INTERCOM_CLIENT_ID";
    /// Intercom's authorize page's host.
    pub const INTERCOM_APP_URL: &str = "RINGSIDE_INTERCOM_APP_URL";
    /// Who may sign in (comma-separated emails or `team:<id>`).
    pub const SIGNIN_ALLOW: &str = "RINGSIDE_SIGNIN_ALLOW";
    /// The admins' emails (comma-separated).
    pub const ADMINS: &str = "RINGSIDE_ADMINS";
    /// Hours an admin console session lasts without use (default 12).
    pub const CONSOLE_SESSION_HOURS: &str = "RINGSIDE_CONSOLE_SESSION_HOURS";
    /// Minutes without a webhook before the console warns, in business hours (default 30).
    pub const QUIET_WARNING_MINUTES: &str = "RINGSIDE_QUIET_WARNING_MINUTES";
    /// The team's working hours, e.g. `mon-fri 09:00-18:00`.
    pub const BUSINESS_HOURS: &str = "RINGSIDE_BUSINESS_HOURS";
    /// The team's time zone (IANA name, e.g. `Europe/Paris`).
    pub const TIMEZONE: &str = "RINGSIDE_TIMEZONE";
}

/// The section of `hub.toml` a setting is documented in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Group {
    /// The Aircall account.
    Aircall,
    /// The Intercom workspace.
    Intercom,
    /// The hub's server: address, TLS, data, limits.
    Hub,
    /// The hub's own logs.
    Logging,
    /// Agents and admins signing in with Intercom.
    SignIn,
    /// The admin console, and the team's working hours it reads.
    Console,
    /// Intercom contacts copied to Aircall.
    ContactSync,
    /// What is logged into Intercom.
    WhatIsLogged,
    /// Around the call: presence in Intercom, the wrap-up and its outcome, the call-backs.
    AroundTheCall,
}

impl Group {
    /// A short name for the section, as pages name it (`what-is-logged`).
    pub fn slug(self) -> &'static str {
        match self {
            Group::Aircall => "aircall",
            Group::Intercom => "intercom",
            Group::Hub => "hub",
            Group::Logging => "logging",
            Group::SignIn => "signin",
            Group::Console => "console",
            Group::ContactSync => "contact-sync",
            Group::WhatIsLogged => "what-is-logged",
            Group::AroundTheCall => "around-the-call",
        }
    }

    /// The section's title.
    pub fn title(self) -> &'static str {
        match self {
            Group::Aircall => "Aircall",
            Group::Intercom => "Intercom",
            Group::Hub => "The hub",
            Group::Logging => "The hub's own logs",
            Group::SignIn => "Sign-in",
            Group::Console => "The admin console and the team's hours",
            Group::ContactSync => "Contact sync",
            Group::WhatIsLogged => "What is logged",
            Group::AroundTheCall => "Around the call: presence, wrap-up and call-backs",
        }
    }
}

/// What a setting's value is, which decides its TOML type and how it is checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Kind {
    /// Free text (a TOML string).
    Text,
    /// A credential (a TOML string), never printed.
    Secret,
    /// A file or directory path.
    Path,
    /// An http(s) address; plain http only on this machine.
    Url,
    /// A socket address, `host:port`.
    Address,
    /// `true` or `false` (a TOML boolean).
    Bool,
    /// A whole number within a range (a TOML integer).
    Whole {
        /// The values accepted.
        range: RangeInclusive<u64>,
        /// The unit, as errors word it ("minutes").
        unit: &'static str,
    },
    /// One of a few words (a TOML string), case-insensitive.
    Choice(&'static [&'static str]),
    /// A list of strings (a TOML array; comma-separated in the environment).
    List,
}

/// One setting.
#[derive(Debug, Clone)]
pub struct Setting {
    /// Its key in `hub.toml`.
    pub key: &'static str,
    /// Its environment variable.
    pub env: &'static str,
    /// Where `hub.toml` documents it.
    pub group: Group,
    /// Its type and the values it accepts.
    pub kind: Kind,
    /// Its default as `hub.toml` would spell it, when it has a fixed one.
    pub default: Option<&'static str>,
    /// What it does, in a line.
    pub doc: &'static str,
}

impl Setting {
    /// Whether the value is a credential: allowed in `hub.toml` and the environment only,
    /// never printed.
    pub fn is_secret(&self) -> bool {
        self.kind == Kind::Secret
    }

    /// The values it accepts, in words.
    pub fn allowed(&self) -> String {
        match &self.kind {
            Kind::Text => "text".into(),
            Kind::Secret => "a secret (text)".into(),
            Kind::Path => "a path".into(),
            Kind::Url => "an https:// URL (http:// on this machine only)".into(),
            Kind::Address => "an address, host:port".into(),
            Kind::Bool => "true or false".into(),
            Kind::Whole { range, unit } => {
                format!("{} to {} {unit}", range.start(), range.end())
            }
            Kind::Choice(words) => words.join(", "),
            Kind::List => "a list of strings".into(),
        }
    }

    /// Whether an admin may change it in the console while the hub runs: the integration
    /// settings ([`crate::rules::Settings::KEYS`]), which the engine swaps at once.
    pub fn console_may_change(&self) -> bool {
        crate::rules::Settings::KEYS
            .iter()
            .any(|(key, _)| *key == self.key)
    }

    /// The command-line flag that sets it, as `serve` spells it.
    pub fn flag(&self) -> String {
        format!("--{}", self.key.replace('_', "-"))
    }
}

/// Every setting, in the order `hub.toml` documents them.
pub const SETTINGS: &[Setting] = &[
    // Aircall.
    setting("aircall_api_id", env::AIRCALL_API_ID, Group::Aircall, Kind::Text, None,
        "The Aircall API id (Aircall: Integrations & API > API keys)."),
    setting("aircall_api_token", env::AIRCALL_API_TOKEN, Group::Aircall, Kind::Secret, None,
        "The Aircall API token that goes with the API id."),
    setting("aircall_base_url", env::AIRCALL_BASE_URL, Group::Aircall, Kind::Url,
        Some("https://api.aircall.io"), "Aircall's API address (change it for a proxy or the sandbox only)."),
    setting("aircall_budget_per_minute", env::AIRCALL_BUDGET, Group::Aircall,
        Kind::Whole { range: 1..=1_000_000, unit: "requests a minute" }, Some("60"),
        "Requests a minute Ringside may spend on Aircall's API (Aircall allows 60 or 120 a company)."),
    // Intercom.
    setting("intercom_token", env::INTERCOM_TOKEN, Group::Intercom, Kind::Secret, None,
        "The Intercom access token (Developer Hub > your app > Authentication)."),
    setting("intercom_region", env::INTERCOM_REGION, Group::Intercom,
        Kind::Choice(&["us", "eu", "au"]), Some("us"), "Where the Intercom workspace is hosted."),
    setting("intercom_base_url", env::INTERCOM_BASE_URL, Group::Intercom, Kind::Url, None,
        "Intercom's API address; by default the region's (for a proxy or the sandbox only)."),
    setting("intercom_concurrency", env::INTERCOM_CONCURRENCY, Group::Intercom,
        Kind::Whole { range: 1..=64, unit: "requests in flight" }, Some("16"),
        "Logging requests in flight to Intercom at once."),
    setting("intercom_client_secret", env::INTERCOM_CLIENT_SECRET, Group::Intercom, Kind::Secret,
        None, "The Intercom app's client secret: checks its webhook notifications and exchanges sign-in codes."),
    // The hub.
    setting("data_dir", env::DATA_DIR, Group::Hub, Kind::Path, None,
        "Where the database lives (the package's service uses /var/lib/ringside)."),
    setting("default_region", env::DEFAULT_REGION, Group::Hub, Kind::Text, Some("US"),
        "The country national numbers (without +) are read in, as a two-letter code."),
    setting("listen", env::LISTEN, Group::Hub, Kind::Address, Some("127.0.0.1:8790"),
        "The address the hub listens on for Aircall's webhooks and the agents."),
    setting("tls_cert", env::TLS_CERT, Group::Hub, Kind::Path, None,
        "Serve HTTPS with this certificate chain (PEM); needs tls_key too."),
    setting("tls_key", env::TLS_KEY, Group::Hub, Kind::Path, None,
        "The certificate's private key (PEM)."),
    setting("retention_days", env::RETENTION_DAYS, Group::Hub,
        Kind::Whole { range: 1..=3650, unit: "days" }, Some("30"),
        "Days finished webhooks, events and effects are kept."),
    setting("card_lookups_per_minute", env::CARD_LOOKUPS, Group::Hub,
        Kind::Whole { range: 1..=10_000, unit: "lookups a minute" }, Some("30"),
        "Cards an agent may look up by number a minute (beyond their own calls' callers)."),
    setting("webhook_token", env::WEBHOOK_TOKEN, Group::Hub, Kind::Secret, None,
        "The token Aircall's webhook carries; `ringside-cli setup-webhook` sets one up instead."),
    setting("metrics_listen", env::METRICS_LISTEN, Group::Hub, Kind::Address, None,
        "A separate address serving GET /metrics without a token (e.g. 127.0.0.1:9790)."),
    // Logging.
    setting("log", env::LOG, Group::Logging, Kind::Text, Some("warn"),
        "Which of the hub's own log lines are written, e.g. `info` or `warn,ringside_core=debug`."),
    setting("log_format", env::LOG_FORMAT, Group::Logging, Kind::Choice(&["text", "json"]),
        Some("text"), "Log lines as text, or as one JSON object a line."),
    // Sign-in.
    setting("public_url", env::PUBLIC_URL, Group::SignIn, Kind::Url, None,
        "The hub's address as agents reach it; <public_url>/signin/callback is the redirect URL to register in the Intercom app."),
    setting("intercom_client_id", env::INTERCOM_CLIENT_ID, Group::SignIn, Kind::Text, None,
        "The Intercom app's client id (with intercom_client_secret, turns on Sign in with Intercom)."),
    setting("intercom_app_url", env::INTERCOM_APP_URL, Group::SignIn, Kind::Url, None,
        "Intercom's authorize page; by default the region's (https://app.intercom.com, https://app.eu.intercom.com, https://app.au.intercom.com)."),
    setting("signin_allow", env::SIGNIN_ALLOW, Group::SignIn, Kind::List, Some("[]"),
        "Who may sign in: emails and `team:<id>` entries; empty lets the whole workspace in."),
    setting("admins", env::ADMINS, Group::SignIn, Kind::List, Some("[]"),
        "Emails of the teammates who get an admin session when they sign in."),
    // The admin console and the team's hours.
    setting("console_session_hours", env::CONSOLE_SESSION_HOURS, Group::Console,
        Kind::Whole { range: 1..=168, unit: "hours" }, Some("12"),
        "Hours an admin console session lasts without use; signing in again starts a new one."),
    setting("quiet_warning_minutes", env::QUIET_WARNING_MINUTES, Group::Console,
        Kind::Whole { range: 0..=1440, unit: "minutes" }, Some("30"),
        "The console warns when no Aircall webhook or Intercom notification came for this long in business hours; 0 turns the warning off."),
    setting("business_hours", env::BUSINESS_HOURS, Group::Console, Kind::Text,
        Some("mon-fri 09:00-18:00"),
        "When the team works, as days and hours, e.g. `mon-fri 09:00-18:00` or `mon-fri 08:30-12:00,13:30-17:30; sat 09:00-12:00`."),
    setting("timezone", env::TIMEZONE, Group::Console, Kind::Text, Some("UTC"),
        "The team's time zone (an IANA name such as `Europe/Paris`), for business hours and the reports' days."),
    // Contact sync.
    setting("sync_enabled", env::SYNC_ENABLED, Group::ContactSync, Kind::Bool, Some("true"),
        "Copy Intercom contacts with a phone number into Aircall's contacts."),
    setting("sync_roles", env::SYNC_ROLES, Group::ContactSync,
        Kind::Choice(&["users", "leads", "both"]), Some("both"), "Which Intercom contacts are copied."),
    setting("sync_interval_minutes", env::SYNC_INTERVAL, Group::ContactSync,
        Kind::Whole { range: 1..=24 * 60, unit: "minutes" }, Some("15"),
        "Minutes between scheduled syncs."),
    setting("sync_full_every_hours", env::SYNC_FULL_EVERY, Group::ContactSync,
        Kind::Whole { range: 1..=30 * 24, unit: "hours" }, Some("24"),
        "Hours between full syncs, the ones that notice deleted contacts."),
    // What is logged.
    setting("log_answered_calls", "RINGSIDE_LOG_ANSWERED_CALLS", Group::WhatIsLogged, Kind::Bool,
        Some("true"), "Log inbound calls that were answered."),
    setting("log_missed_calls", "RINGSIDE_LOG_MISSED_CALLS", Group::WhatIsLogged, Kind::Bool,
        Some("true"), "Log inbound calls nobody answered."),
    setting("log_outbound_calls", "RINGSIDE_LOG_OUTBOUND_CALLS", Group::WhatIsLogged, Kind::Bool,
        Some("true"), "Log outbound calls."),
    setting("log_messages", "RINGSIDE_LOG_MESSAGES", Group::WhatIsLogged, Kind::Bool,
        Some("true"), "Log SMS and WhatsApp messages."),
    setting("create_contacts", "RINGSIDE_CREATE_CONTACTS", Group::WhatIsLogged, Kind::Bool,
        Some("true"), "Create an Intercom contact for a number Intercom does not know."),
    setting("new_contact_role", "RINGSIDE_NEW_CONTACT_ROLE", Group::WhatIsLogged,
        Kind::Choice(&["lead", "user"]), Some("lead"), "The role of the contacts Ringside creates."),
    setting("message_fallback", "RINGSIDE_MESSAGE_FALLBACK", Group::WhatIsLogged,
        Kind::Choice(&["unassigned", "integration_admin"]), Some("unassigned"),
        "Whom an inbound message goes to when no single teammate matches its number."),
    setting("tag_window_minutes", "RINGSIDE_TAG_WINDOW_MINUTES", Group::WhatIsLogged,
        Kind::Whole { range: 0..=7 * 24 * 60, unit: "minutes" }, Some("120"),
        "How long after a call ended its Aircall tags still reach Intercom."),
    setting("push_insight_cards", "RINGSIDE_PUSH_INSIGHT_CARDS", Group::WhatIsLogged, Kind::Bool,
        Some("true"), "Push the caller's insight card to Aircall's phone app during a call."),
    setting("log_ai_insights", "RINGSIDE_LOG_AI_INSIGHTS", Group::WhatIsLogged, Kind::Bool,
        Some("true"), "Note Aircall's AI summary, action items, topics and sentiment on the conversation."),
    setting("ai_topics_as_tags", "RINGSIDE_AI_TOPICS_AS_TAGS", Group::WhatIsLogged, Kind::Bool,
        Some("false"), "Tag the conversation with Aircall's AI topics."),
    // Around the call.
    setting("presence", "RINGSIDE_PRESENCE", Group::AroundTheCall, Kind::Choice(&["off", "on"]),
        Some("off"), "Set an agent away in Intercom while they are on an Aircall call and its wrap-up, so Intercom stops assigning them chats; each agent may opt out in the app."),
    setting("presence_on_call_reason", "RINGSIDE_PRESENCE_ON_CALL_REASON", Group::AroundTheCall,
        Kind::Text, Some("On a call"),
        "The Intercom away reason (its label) used while an agent is on a call, when the workspace has away reasons."),
    setting("presence_wrap_up_reason", "RINGSIDE_PRESENCE_WRAP_UP_REASON", Group::AroundTheCall,
        Kind::Text, Some("Wrap-up"), "The Intercom away reason (its label) used during the wrap-up."),
    setting("presence_to_aircall", "RINGSIDE_PRESENCE_TO_AIRCALL", Group::AroundTheCall,
        Kind::Bool, Some("false"),
        "The other way: an agent who sets themselves away in Intercom becomes unavailable in Aircall, and available when they come back."),
    setting("wrap_up_seconds", "RINGSIDE_WRAP_UP_SECONDS", Group::AroundTheCall,
        Kind::Whole { range: 0..=3600, unit: "seconds" }, Some("60"),
        "How long the wrap-up lasts after a hang-up when Aircall sends no wrap-up of its own; 0 for none."),
    setting("call_outcomes", "RINGSIDE_CALL_OUTCOMES", Group::AroundTheCall, Kind::List,
        Some("[]"),
        "The outcomes an agent picks from after a call, e.g. [\"Resolved\", \"Follow-up needed\", \"Sale\", \"Wrong number\"]; empty asks for none."),
    setting("call_outcome_required", "RINGSIDE_CALL_OUTCOME_REQUIRED", Group::AroundTheCall,
        Kind::Bool, Some("false"), "Whether an agent must pick an outcome before ending the wrap-up."),
    setting("callback_deadline_minutes", "RINGSIDE_CALLBACK_DEADLINE_MINUTES",
        Group::AroundTheCall, Kind::Whole { range: 1..=7 * 24 * 60, unit: "minutes" },
        Some("60"),
        "Minutes, in business hours, within which a missed call should be called back before it shows as late."),
];

const fn setting(
    key: &'static str,
    env: &'static str,
    group: Group,
    kind: Kind,
    default: Option<&'static str>,
    doc: &'static str,
) -> Setting {
    Setting {
        key,
        env,
        group,
        kind,
        default,
        doc,
    }
}

/// The setting with this `hub.toml` key.
pub fn by_key(key: &str) -> Option<&'static Setting> {
    SETTINGS.iter().find(|s| s.key == key)
}

/// The setting read from this environment variable.
pub fn by_env(var: &str) -> Option<&'static Setting> {
    SETTINGS.iter().find(|s| s.env == var)
}

/// The known key nearest to a misspelt one, when one is near enough to be a likely typo.
pub fn nearest(unknown: &str) -> Option<&'static str> {
    SETTINGS
        .iter()
        .map(|s| (strsim::jaro_winkler(unknown, s.key), s.key))
        .filter(|(score, _)| *score > 0.8)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, key)| key)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_and_variables_are_unique_and_spelt_alike() {
        for (i, s) in SETTINGS.iter().enumerate() {
            assert!(
                SETTINGS[i + 1..]
                    .iter()
                    .all(|o| o.key != s.key && o.env != s.env),
                "{s:?}"
            );
            assert!(s.env.starts_with("RINGSIDE_"), "{}", s.env);
        }
        assert_eq!(nearest("intercom_tokn"), Some("intercom_token"));
        assert_eq!(nearest("retention"), Some("retention_days"));
        assert_eq!(nearest("zzz"), None);
    }

    #[test]
    fn every_integration_setting_is_in_the_registry_under_its_variable() {
        for (key, var) in crate::rules::Settings::KEYS {
            let setting = by_key(key).unwrap_or_else(|| panic!("{key} is not in the registry"));
            assert_eq!(setting.env, *var);
            assert!(setting.console_may_change());
            let default = setting
                .default
                .unwrap_or_else(|| panic!("{key} has no default"));
            assert_eq!(
                crate::rules::Settings::default().value_of(key).as_deref(),
                Some(default),
                "{key}'s default"
            );
        }
        assert!(!by_key("intercom_token").is_some_and(Setting::console_may_change));
    }
}
