//! Configuration of the engine: credentials and hosts from the environment, non-secret settings
//! (hosts, the Aircall budget, the default region, contact sync) optionally from a JSON file.
//!
//! The environment always wins over the file. Secrets (tokens) are read from the environment
//! only: a configuration file that contains one is refused, so a token never sits in a file.

use std::collections::BTreeMap;
use std::ops::RangeInclusive;
use std::path::PathBuf;
use std::time::Duration;

use url::Url;

use crate::aircall::AircallConfig;
use crate::domain::plan::Roles;
use crate::intercom::{self, IntercomConfig};
use crate::phone::Region;
use crate::rules::bounded;
use crate::rules::Settings;
use crate::secret::Secret;
use crate::store;

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
    /// A JSON file of non-secret settings (default: `ringside.json` in the data directory).
    pub const CONFIG_FILE: &str = "RINGSIDE_CONFIG";
    /// Contact sync on or off (default on).
    pub const SYNC_ENABLED: &str = "RINGSIDE_SYNC_ENABLED";
    /// Which Intercom contacts go to Aircall: `users`, `leads` or `both` (default).
    pub const SYNC_ROLES: &str = "RINGSIDE_SYNC_ROLES";
    /// Minutes between scheduled syncs (default 15).
    pub const SYNC_INTERVAL: &str = "RINGSIDE_SYNC_INTERVAL_MINUTES";
    /// Hours between full syncs, which find deleted contacts (default 24).
    pub const SYNC_FULL_EVERY: &str = "RINGSIDE_SYNC_FULL_EVERY_HOURS";
}

/// The Aircall budget Ringside accepts, in requests a minute: Aircall's published limit is 60
/// or 120 a company; the upper end leaves room for negotiated plans and the sandbox's load
/// tests, and keeps the pacer's arithmetic far from overflowing.
pub const AIRCALL_BUDGET_PER_MINUTE: RangeInclusive<u64> = 1..=1_000_000;
/// Logging requests in flight to Intercom at once.
pub const INTERCOM_CONCURRENCY: RangeInclusive<u64> = 1..=64;
/// The time between scheduled contact syncs, in minutes: up to a day.
pub const SYNC_INTERVAL_MINUTES: RangeInclusive<u64> = 1..=24 * 60;
/// The time between full contact syncs, in hours: up to 30 days.
pub const SYNC_FULL_EVERY_HOURS: RangeInclusive<u64> = 1..=30 * 24;

/// Keys a configuration file may hold (every one optional).
const FILE_KEYS: &[(&str, &str)] = &[
    ("intercom_region", env::INTERCOM_REGION),
    ("intercom_base_url", env::INTERCOM_BASE_URL),
    ("intercom_concurrency", env::INTERCOM_CONCURRENCY),
    ("aircall_api_id", env::AIRCALL_API_ID),
    ("aircall_base_url", env::AIRCALL_BASE_URL),
    ("aircall_budget_per_minute", env::AIRCALL_BUDGET),
    ("default_region", env::DEFAULT_REGION),
    ("sync_enabled", env::SYNC_ENABLED),
    ("sync_roles", env::SYNC_ROLES),
    ("sync_interval_minutes", env::SYNC_INTERVAL),
    ("sync_full_every_hours", env::SYNC_FULL_EVERY),
    ("log_answered_calls", "RINGSIDE_LOG_ANSWERED_CALLS"),
    ("log_missed_calls", "RINGSIDE_LOG_MISSED_CALLS"),
    ("log_outbound_calls", "RINGSIDE_LOG_OUTBOUND_CALLS"),
    ("log_messages", "RINGSIDE_LOG_MESSAGES"),
    ("create_contacts", "RINGSIDE_CREATE_CONTACTS"),
    ("new_contact_role", "RINGSIDE_NEW_CONTACT_ROLE"),
    ("message_fallback", "RINGSIDE_MESSAGE_FALLBACK"),
    ("tag_window_minutes", "RINGSIDE_TAG_WINDOW_MINUTES"),
    ("push_insight_cards", "RINGSIDE_PUSH_INSIGHT_CARDS"),
    ("log_ai_insights", "RINGSIDE_LOG_AI_INSIGHTS"),
    ("ai_topics_as_tags", "RINGSIDE_AI_TOPICS_AS_TAGS"),
];

/// A configuration problem, worded for the admin who set it up.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// A value is malformed.
    #[error("{key}: {reason}")]
    Invalid {
        /// The setting's environment variable (`RINGSIDE_…`), or `settings` for the rules'
        /// settings, whose reason names the variable.
        key: String,
        /// What is wrong with the value, and what was expected.
        reason: String,
    },
    /// The configuration file cannot be read or is not JSON.
    #[error("configuration file {path}: {reason}")]
    File {
        /// The configuration file's path.
        path: PathBuf,
        /// Why it cannot be used: the error reading it or its JSON error.
        reason: String,
    },
}

/// Everything the engine needs to run.
#[derive(Debug, Clone)]
pub struct Config {
    /// Intercom, when a token is configured.
    pub intercom: Option<IntercomConfig>,
    /// Aircall, when an API id and token are configured.
    pub aircall: Option<AircallConfig>,
    /// Region in which national numbers are read.
    pub default_region: Region,
    /// Where the database lives.
    pub data_dir: PathBuf,
    /// What the hub logs, and how.
    pub settings: Settings,
    /// Contact sync.
    pub sync: SyncSettings,
    /// The Intercom app's client secret (environment only), for its webhook notifications.
    pub intercom_client_secret: Option<Secret>,
}

/// Contact sync's settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SyncSettings {
    /// Whether contacts are synced at all.
    pub enabled: bool,
    /// Which Intercom contacts go to Aircall.
    pub roles: Roles,
    /// Time between scheduled runs.
    pub interval: Duration,
    /// Time between full runs (the ones that find deleted contacts).
    pub full_every: Duration,
}

impl Default for SyncSettings {
    fn default() -> Self {
        SyncSettings {
            enabled: true,
            roles: Roles::Both,
            interval: Duration::from_secs(15 * 60),
            full_every: Duration::from_secs(24 * 3600),
        }
    }
}

impl Config {
    /// Reads the process environment (and the configuration file it points to).
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_lookup(|key| std::env::var(key).ok())
    }

    /// Reads settings through `lookup` (the environment, or a map in tests).
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let env_value = |key: &str| {
            lookup(key)
                .map(|v| v.trim().to_owned())
                .filter(|v| !v.is_empty())
        };
        let data_dir = env_value(env::DATA_DIR)
            .map(PathBuf::from)
            .unwrap_or_else(store::data_dir);
        let file = read_file(env_value(env::CONFIG_FILE).map(PathBuf::from), &data_dir)?;
        let get = |key: &str| {
            env_value(key).or_else(|| {
                FILE_KEYS
                    .iter()
                    .find(|(_, env)| *env == key)
                    .and_then(|(k, _)| file.get(*k).cloned())
            })
        };

        let default_region = match get(env::DEFAULT_REGION) {
            Some(code) => Region::parse(&code).map_err(|e| invalid(env::DEFAULT_REGION, e))?,
            None => Region::parse("US").map_err(|e| invalid(env::DEFAULT_REGION, e))?,
        };

        let intercom = match env_value(env::INTERCOM_TOKEN) {
            None => None,
            Some(token) => {
                let region = match get(env::INTERCOM_REGION) {
                    Some(r) => intercom::Region::parse(&r)
                        .ok_or_else(|| invalid(env::INTERCOM_REGION, "expected us, eu or au"))?,
                    None => intercom::Region::Us,
                };
                let mut config = IntercomConfig::new(Secret::new(token), region);
                if let Some(url) = get(env::INTERCOM_BASE_URL) {
                    config.base_url = parse_url(env::INTERCOM_BASE_URL, &url)?;
                }
                if let Some(n) = get(env::INTERCOM_CONCURRENCY) {
                    let n = bounded(&n, &INTERCOM_CONCURRENCY, "requests in flight")
                        .map_err(|reason| invalid(env::INTERCOM_CONCURRENCY, reason))?;
                    config.max_in_flight =
                        usize::try_from(n).map_err(|e| invalid(env::INTERCOM_CONCURRENCY, e))?;
                }
                Some(config)
            }
        };

        let aircall = match (get(env::AIRCALL_API_ID), env_value(env::AIRCALL_API_TOKEN)) {
            (Some(id), Some(token)) => {
                let mut config = AircallConfig::new(id, Secret::new(token));
                if let Some(url) = get(env::AIRCALL_BASE_URL) {
                    config.base_url = parse_url(env::AIRCALL_BASE_URL, &url)?;
                }
                if let Some(budget) = get(env::AIRCALL_BUDGET) {
                    let budget = bounded(&budget, &AIRCALL_BUDGET_PER_MINUTE, "requests a minute")
                        .map_err(|reason| invalid(env::AIRCALL_BUDGET, reason))?;
                    config.budget_per_minute =
                        u32::try_from(budget).map_err(|e| invalid(env::AIRCALL_BUDGET, e))?;
                }
                Some(config)
            }
            (None, None) => None,
            (None, Some(_)) => {
                return Err(invalid(
                    env::AIRCALL_API_ID,
                    "the Aircall API token is set but not its API id",
                ))
            }
            (Some(_), None) => {
                return Err(invalid(
                    env::AIRCALL_API_TOKEN,
                    "the Aircall API id is set but not its token",
                ))
            }
        };

        let settings = Settings::from_lookup(get).map_err(|reason| ConfigError::Invalid {
            key: "settings".to_owned(),
            reason,
        })?;
        let mut sync = SyncSettings::default();
        if let Some(enabled) = get(env::SYNC_ENABLED) {
            sync.enabled = parse_bool(&enabled)
                .ok_or_else(|| invalid(env::SYNC_ENABLED, "expected true or false"))?;
        }
        if let Some(roles) = get(env::SYNC_ROLES) {
            sync.roles = Roles::parse(&roles)
                .ok_or_else(|| invalid(env::SYNC_ROLES, "expected users, leads or both"))?;
        }
        let whole = |key: &str, range: &RangeInclusive<u64>, unit: &str, secs: u64| {
            get(key)
                .map(|v| {
                    bounded(&v, range, unit)
                        .map(|n| Duration::from_secs(n * secs))
                        .map_err(|reason| invalid(key, reason))
                })
                .transpose()
        };
        if let Some(interval) = whole(env::SYNC_INTERVAL, &SYNC_INTERVAL_MINUTES, "minutes", 60)? {
            sync.interval = interval;
        }
        if let Some(full_every) =
            whole(env::SYNC_FULL_EVERY, &SYNC_FULL_EVERY_HOURS, "hours", 3600)?
        {
            sync.full_every = full_every;
        }

        Ok(Config {
            intercom,
            aircall,
            default_region,
            data_dir,
            settings,
            sync,
            intercom_client_secret: env_value(env::INTERCOM_CLIENT_SECRET).map(Secret::new),
        })
    }
}

fn read_file(
    explicit: Option<PathBuf>,
    data_dir: &std::path::Path,
) -> Result<BTreeMap<String, String>, ConfigError> {
    let (path, required) = match explicit {
        Some(path) => (path, true),
        None => (data_dir.join("ringside.json"), false),
    };
    let text = match std::fs::read_to_string(&path) {
        Ok(text) => text,
        Err(e) if !required && e.kind() == std::io::ErrorKind::NotFound => {
            return Ok(BTreeMap::new())
        }
        Err(e) => {
            return Err(ConfigError::File {
                path,
                reason: e.to_string(),
            })
        }
    };
    let fail = |reason: String| ConfigError::File {
        path: path.clone(),
        reason,
    };
    let value: serde_json::Value =
        serde_json::from_str(&text).map_err(|e| fail(format!("not valid JSON: {e}")))?;
    let object = value
        .as_object()
        .ok_or_else(|| fail("expected a JSON object".into()))?;
    let mut out = BTreeMap::new();
    for (key, value) in object {
        if key.contains("token") || key.contains("secret") || key.contains("password") {
            return Err(fail(format!(
                "`{key}` looks like a secret; secrets are read from the environment or the keyring, never from a file"
            )));
        }
        if !FILE_KEYS.iter().any(|(k, _)| k == key) {
            let known: Vec<&str> = FILE_KEYS.iter().map(|(k, _)| *k).collect();
            return Err(fail(format!(
                "unknown setting `{key}` (known: {})",
                known.join(", ")
            )));
        }
        let text = match value {
            serde_json::Value::String(s) => s.clone(),
            serde_json::Value::Number(n) => n.to_string(),
            serde_json::Value::Bool(b) => b.to_string(),
            other => {
                return Err(fail(format!(
                    "`{key}` must be a string, a number or a boolean, not {other}"
                )))
            }
        };
        out.insert(key.clone(), text);
    }
    Ok(out)
}

fn parse_bool(raw: &str) -> Option<bool> {
    match raw.trim().to_ascii_lowercase().as_str() {
        "true" | "1" | "yes" | "on" => Some(true),
        "false" | "0" | "no" | "off" => Some(false),
        _ => None,
    }
}

fn parse_url(key: &str, raw: &str) -> Result<Url, ConfigError> {
    let url = Url::parse(raw).map_err(|e| invalid(key, format!("not a URL ({e})")))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(invalid(key, "expected an http or https URL"));
    }
    crate::transport::private_address(&url).map_err(|why| invalid(key, why))?;
    Ok(url)
}

fn invalid(key: &str, reason: impl ToString) -> ConfigError {
    ConfigError::Invalid {
        key: key.to_owned(),
        reason: reason.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lookup(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let map: BTreeMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        move |k| map.get(k).cloned()
    }

    #[test]
    fn the_region_chooses_the_intercom_host_and_a_base_url_overrides_it() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path().to_str().unwrap();
        let c = Config::from_lookup(lookup(&[
            (env::DATA_DIR, d),
            (env::INTERCOM_TOKEN, "t"),
            (env::INTERCOM_REGION, "EU"),
        ]))
        .unwrap();
        assert_eq!(
            c.intercom.unwrap().base_url.as_str(),
            "https://api.eu.intercom.io/"
        );
        let c = Config::from_lookup(lookup(&[
            (env::DATA_DIR, d),
            (env::INTERCOM_TOKEN, "t"),
            (env::INTERCOM_REGION, "au"),
            (env::INTERCOM_BASE_URL, "http://127.0.0.1:9"),
        ]))
        .unwrap();
        assert_eq!(c.intercom.unwrap().base_url.as_str(), "http://127.0.0.1:9/");
    }

    #[test]
    fn a_vendor_address_in_plain_http_off_this_machine_is_refused_in_words() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path().to_str().unwrap();
        for (key, token) in [
            (env::INTERCOM_BASE_URL, (env::INTERCOM_TOKEN, "t")),
            (env::AIRCALL_BASE_URL, (env::AIRCALL_API_TOKEN, "t")),
        ] {
            let err = Config::from_lookup(lookup(&[
                (env::DATA_DIR, d),
                token,
                (env::AIRCALL_API_ID, "i"),
                (key, "http://intercom.example.com"),
            ]))
            .unwrap_err()
            .to_string();
            assert!(err.contains(key) && err.contains("use https://"), "{err}");
        }
        for fine in [
            "https://intercom.example.com",
            "http://localhost:8080",
            "http://[::1]:9",
        ] {
            let c = Config::from_lookup(lookup(&[
                (env::DATA_DIR, d),
                (env::INTERCOM_TOKEN, "t"),
                (env::INTERCOM_BASE_URL, fine),
            ]));
            assert!(c.is_ok(), "{fine}: {:?}", c.err());
        }
    }

    #[test]
    fn half_configured_aircall_and_bad_values_are_explained() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path().to_str().unwrap();
        let err = Config::from_lookup(lookup(&[(env::DATA_DIR, d), (env::AIRCALL_API_TOKEN, "x")]))
            .unwrap_err();
        assert!(err.to_string().contains("API id"), "{err}");
        let err = Config::from_lookup(lookup(&[(env::DATA_DIR, d), (env::DEFAULT_REGION, "XX")]))
            .unwrap_err();
        assert!(err.to_string().contains("unknown region"), "{err}");
    }

    #[test]
    fn contact_sync_settings_come_from_the_environment_or_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path().to_str().unwrap();
        let c = Config::from_lookup(lookup(&[(env::DATA_DIR, d)])).unwrap();
        assert_eq!(c.sync, SyncSettings::default());
        assert!(c.sync.enabled);
        std::fs::write(
            dir.path().join("ringside.json"),
            r#"{"sync_enabled": false, "sync_interval_minutes": 5}"#,
        )
        .unwrap();
        let c = Config::from_lookup(lookup(&[
            (env::DATA_DIR, d),
            (env::SYNC_ROLES, "leads"),
            (env::SYNC_FULL_EVERY, "6"),
        ]))
        .unwrap();
        assert_eq!(
            c.sync,
            SyncSettings {
                enabled: false,
                roles: Roles::Leads,
                interval: Duration::from_secs(300),
                full_every: Duration::from_secs(6 * 3600),
            }
        );
        for (key, value, expected) in [
            (env::SYNC_ENABLED, "maybe", "true or false"),
            (env::SYNC_ROLES, "admins", "users, leads or both"),
            (env::SYNC_INTERVAL, "0", "from 1 to 1440"),
        ] {
            let err = Config::from_lookup(lookup(&[(env::DATA_DIR, d), (key, value)])).unwrap_err();
            assert!(
                err.to_string().contains(key) && err.to_string().contains(expected),
                "{err}"
            );
        }
    }

    #[test]
    fn every_numeric_setting_is_refused_outside_its_range_with_its_name_and_range() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path().to_str().unwrap();
        let aircall = [
            (env::AIRCALL_API_ID, "id"),
            (env::AIRCALL_API_TOKEN, "t"),
            (env::INTERCOM_TOKEN, "t"),
        ];
        // (the setting, its range as the error words it, the largest value it accepts, the
        // smallest it refuses above that).
        let settings = [
            (
                env::AIRCALL_BUDGET,
                "requests a minute from 1 to 1000000, got",
                "1000000",
                "1000001",
            ),
            (
                env::SYNC_INTERVAL,
                "minutes from 1 to 1440, got",
                "1440",
                "1441",
            ),
            (
                env::SYNC_FULL_EVERY,
                "hours from 1 to 720, got",
                "720",
                "721",
            ),
            (
                env::INTERCOM_CONCURRENCY,
                "requests in flight from 1 to 64, got",
                "64",
                "65",
            ),
            (
                "RINGSIDE_TAG_WINDOW_MINUTES",
                "minutes from 0 to 10080, got",
                "10080",
                "10081",
            ),
        ];
        for (key, range, largest, too_large) in settings {
            let with = |value: &'static str| {
                let mut pairs = vec![(env::DATA_DIR, d), (key, value)];
                pairs.extend(aircall);
                Config::from_lookup(lookup(&pairs))
            };
            assert!(with(largest).is_ok(), "{key}={largest} is refused");
            for value in [
                too_large,
                "99999999999999999999999",
                "9223372036854775807",
                "153722867280912930",
                "-1",
                "ten",
            ] {
                let err = with(value).expect_err(value).to_string();
                assert!(
                    err.contains(key) && err.contains(range) && err.contains(value),
                    "{key}={value}: {err}"
                );
            }
        }
        // In range, each takes effect in its unit.
        let c = Config::from_lookup(lookup(&[
            (env::DATA_DIR, d),
            (env::AIRCALL_API_ID, "id"),
            (env::AIRCALL_API_TOKEN, "t"),
            (env::AIRCALL_BUDGET, "120"),
            ("RINGSIDE_TAG_WINDOW_MINUTES", "10080"),
        ]))
        .unwrap();
        assert_eq!(c.aircall.unwrap().budget_per_minute, 120);
        assert_eq!(c.settings.tag_window_secs, 7 * 24 * 3600);
    }

    #[test]
    fn a_file_adds_settings_but_never_secrets() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path().to_str().unwrap();
        std::fs::write(
            dir.path().join("ringside.json"),
            r#"{"default_region": "GB"}"#,
        )
        .unwrap();
        let c = Config::from_lookup(lookup(&[(env::DATA_DIR, d)])).unwrap();
        assert_eq!(c.default_region.code(), "GB");
        // The environment wins over the file.
        let c = Config::from_lookup(lookup(&[(env::DATA_DIR, d), (env::DEFAULT_REGION, "DE")]))
            .unwrap();
        assert_eq!(c.default_region.code(), "DE");

        std::fs::write(
            dir.path().join("ringside.json"),
            r#"{"intercom_token": "abc"}"#,
        )
        .unwrap();
        let err = Config::from_lookup(lookup(&[(env::DATA_DIR, d)])).unwrap_err();
        assert!(err.to_string().contains("never from a file"), "{err}");
    }
}
