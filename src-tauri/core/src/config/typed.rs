//! From the checked text of each setting to the typed values the engine and the hub take:
//! clients' configurations, the hub's and the sign-in's settings, and the report of where each
//! value came from.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use url::Url;

use super::{
    by_env, sources, Config, ConfigError, ConsoleSettings, HubSettings, Kind, LogFormat,
    ReportEntry, Resolved, SignInSettings, Source, SyncSettings, TlsPaths, MASKED, NOT_SET,
    SETTINGS,
};
use crate::aircall::AircallConfig;
use crate::domain::plan::Roles;
use crate::intercom::{self, IntercomConfig};
use crate::phone::Region;
use crate::rules::Settings;
use crate::secret::Secret;
use crate::store;

impl Config {
    /// The typed values, from the checked text.
    pub(super) fn typed(r: &Resolved) -> Result<Self, ConfigError> {
        let default_region = Region::parse(r.get("default_region").unwrap_or("US"))
            .map_err(|e| r.fail("default_region", e))?;
        let region = match r.get("intercom_region") {
            Some(text) => intercom::Region::parse(text)
                .ok_or_else(|| r.fail("intercom_region", "expected us, eu or au"))?,
            None => intercom::Region::Us,
        };

        let intercom = match r.get("intercom_token") {
            None => None,
            Some(token) => {
                let mut config = IntercomConfig::new(Secret::new(token), region);
                if let Some(url) = r.get("intercom_base_url") {
                    config.base_url = parse_url(r, "intercom_base_url", url)?;
                }
                config.max_in_flight = r.whole("intercom_concurrency", config.max_in_flight)?;
                Some(config)
            }
        };

        let aircall = match (r.get("aircall_api_id"), r.get("aircall_api_token")) {
            (Some(id), Some(token)) => {
                let mut config = AircallConfig::new(id.to_owned(), Secret::new(token));
                if let Some(url) = r.get("aircall_base_url") {
                    config.base_url = parse_url(r, "aircall_base_url", url)?;
                }
                config.budget_per_minute =
                    r.whole("aircall_budget_per_minute", config.budget_per_minute)?;
                Some(config)
            }
            (None, None) => None,
            (None, Some(_)) => {
                return Err(r.fail(
                    "aircall_api_id",
                    "the Aircall API token is set but not its API id",
                ))
            }
            (Some(_), None) => {
                return Err(r.fail(
                    "aircall_api_token",
                    "the Aircall API id is set but not its token",
                ))
            }
        };

        // The rules read their settings by environment variable, and word their errors
        // `RINGSIDE_…: reason`; the error is put back on the setting as it was set.
        let settings =
            Settings::from_lookup(|var| by_env(var).and_then(|s| r.get(s.key)).map(str::to_owned))
                .map_err(|reason| match reason.split_once(": ") {
                    Some((var, why)) => match by_env(var) {
                        Some(setting) => r.fail(setting.key, why),
                        None => r.fail("settings", reason.clone()),
                    },
                    None => r.fail("settings", reason),
                })?;

        let mut sync = SyncSettings::default();
        if let Some(enabled) = r.get("sync_enabled") {
            sync.enabled = sources::parse_bool(enabled)
                .ok_or_else(|| r.fail("sync_enabled", "expected true or false"))?;
        }
        if let Some(roles) = r.get("sync_roles") {
            sync.roles = Roles::parse(roles)
                .ok_or_else(|| r.fail("sync_roles", "expected users, leads or both"))?;
        }
        let minutes: u64 = r.whole("sync_interval_minutes", 15)?;
        sync.interval = Duration::from_secs(minutes * 60);
        let hours: u64 = r.whole("sync_full_every_hours", 24)?;
        sync.full_every = Duration::from_secs(hours * 3600);

        let hub = HubSettings {
            listen: address(r, "listen")?.unwrap_or(SocketAddr::from(([127, 0, 0, 1], 8790))),
            tls: match (r.get("tls_cert"), r.get("tls_key")) {
                (Some(cert), Some(key)) => Some(TlsPaths {
                    cert: cert.into(),
                    key: key.into(),
                }),
                (None, None) => None,
                (Some(_), None) => {
                    return Err(r.fail("tls_cert", "is set but not tls_key, its private key"))
                }
                (None, Some(_)) => {
                    return Err(r.fail("tls_key", "is set but not tls_cert, its certificate"))
                }
            },
            retention_days: r.whole("retention_days", 30)?,
            card_lookups_per_minute: r.whole("card_lookups_per_minute", 30)?,
            webhook_token: r.get("webhook_token").map(Secret::new),
            metrics_listen: address(r, "metrics_listen")?,
            log_filter: r.get("log").unwrap_or("warn").to_owned(),
            log_format: match r.get("log_format").map(str::to_ascii_lowercase).as_deref() {
                Some("json") => LogFormat::Json,
                _ => LogFormat::Text,
            },
        };

        let console = ConsoleSettings {
            session_hours: r.whole("console_session_hours", 12)?,
            quiet_warning_minutes: r.whole("quiet_warning_minutes", 30)?,
            business_hours: crate::hours::BusinessHours::parse(
                r.get("business_hours")
                    .unwrap_or(crate::hours::DEFAULT_HOURS),
                r.get("timezone").unwrap_or(crate::hours::DEFAULT_TIMEZONE),
            )
            .map_err(|e| r.fail(e.key, e.why))?,
        };

        let signin = SignInSettings {
            public_url: r
                .get("public_url")
                .map(|url| parse_url(r, "public_url", url))
                .transpose()?,
            intercom_client_id: r.get("intercom_client_id").map(str::to_owned),
            intercom_app_url: match r.get("intercom_app_url") {
                Some(url) => parse_url(r, "intercom_app_url", url)?,
                None => app_url(region).map_err(|e| r.fail("intercom_app_url", e))?,
            },
            allow: r
                .list("signin_allow")
                .iter()
                .map(|entry| allow_entry(entry).map_err(|why| r.fail("signin_allow", why)))
                .collect::<Result<_, _>>()?,
            admins: r
                .list("admins")
                .iter()
                .map(|entry| email(entry).map_err(|why| r.fail("admins", why)))
                .collect::<Result<_, _>>()?,
        };

        Ok(Config {
            intercom,
            aircall,
            default_region,
            data_dir: r
                .get("data_dir")
                .map(PathBuf::from)
                .unwrap_or_else(store::data_dir),
            settings,
            sync,
            intercom_client_secret: r.get("intercom_client_secret").map(Secret::new),
            hub,
            signin,
            console,
            file: None,
            report: Vec::new(),
        })
    }
}

/// Every setting's effective value and source; secrets masked.
pub(super) fn report(r: &Resolved, config: &Config) -> Vec<ReportEntry> {
    SETTINGS
        .iter()
        .map(|setting| match r.values.get(setting.key) {
            Some(raw) => ReportEntry {
                key: setting.key,
                value: if setting.is_secret() {
                    MASKED.to_owned()
                } else if setting.key == "admins" {
                    format!("[{}]", config.signin.admins.join(", "))
                } else if setting.key == "signin_allow" {
                    format!("[{}]", config.signin.allow.join(", "))
                } else if setting.kind == Kind::List {
                    format!("[{}]", r.list(setting.key).join(", "))
                } else {
                    raw.text.clone()
                },
                source: raw.source.clone(),
            },
            None => ReportEntry {
                key: setting.key,
                value: match setting.key {
                    "data_dir" => config.data_dir.display().to_string(),
                    "intercom_app_url" => config.signin.intercom_app_url.to_string(),
                    "intercom_base_url" => config
                        .intercom
                        .as_ref()
                        .map(|c| c.base_url.to_string())
                        .unwrap_or_else(|| "the region's".to_owned()),
                    _ => setting.default.unwrap_or(NOT_SET).to_owned(),
                },
                source: Source::Default,
            },
        })
        .collect()
}

fn address(r: &Resolved, key: &str) -> Result<Option<SocketAddr>, ConfigError> {
    r.get(key)
        .map(|text| {
            text.parse::<SocketAddr>()
                .map_err(|e| r.fail(key, format!("expected host:port ({e})")))
        })
        .transpose()
}

/// Intercom's authorize page for a workspace's region.
fn app_url(region: intercom::Region) -> Result<Url, url::ParseError> {
    Url::parse(match region {
        intercom::Region::Us => "https://app.intercom.com",
        intercom::Region::Eu => "https://app.eu.intercom.com",
        intercom::Region::Au => "https://app.au.intercom.com",
    })
}

/// An email address, lowercase; enough of a check to catch a name or a stray word.
fn email(text: &str) -> Result<String, String> {
    let lower = text.trim().to_lowercase();
    match lower.split_once('@') {
        Some((local, domain))
            if !local.is_empty()
                && !domain.is_empty()
                && !domain.contains('@')
                && !lower.chars().any(char::is_whitespace) =>
        {
            Ok(lower)
        }
        _ => Err(format!("`{text}` is not an email address")),
    }
}

/// An entry of `signin_allow`: an email, or `team:<id>` for an Intercom team.
fn allow_entry(text: &str) -> Result<String, String> {
    let trimmed = text.trim();
    match trimmed.get(..5) {
        Some(prefix) if prefix.eq_ignore_ascii_case("team:") => {
            let id = trimmed[5..].trim();
            if id.is_empty() || id.chars().any(char::is_whitespace) {
                Err(format!("`{text}`: expected team:<the team's id>"))
            } else {
                Ok(format!("team:{id}"))
            }
        }
        _ => email(trimmed).map_err(|why| format!("{why} (nor team:<id>)")),
    }
}

fn parse_url(r: &Resolved, key: &str, raw: &str) -> Result<Url, ConfigError> {
    let url = Url::parse(raw).map_err(|e| r.fail(key, format!("not a URL ({e})")))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(r.fail(key, "expected an http or https URL"));
    }
    crate::transport::private_address(&url).map_err(|why| r.fail(key, why))?;
    Ok(url)
}
