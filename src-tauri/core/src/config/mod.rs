//! Configuration of the engine and the hub: one file, `hub.toml`, for settings and secrets,
//! with the environment over it and `serve`'s flags over both.
//!
//! The file is `--config FILE` (or `RINGSIDE_CONFIG`), else `/etc/ringside/hub.toml` when it
//! exists, else the legacy `ringside.json` in the data directory. A `.json` file is read as
//! before: non-secret settings only, a secret in it is refused. `hub.toml` may hold secrets,
//! so it is refused when every user of the machine can read it.
//!
//! [`registry`] lists every setting; [`sources`](Source) reads each place and knows where each
//! value came from, which [`Config::report`] shows (secrets masked) and every error names.

mod registry;
mod sources;
mod typed;

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::ops::RangeInclusive;
use std::path::{Path, PathBuf};
use std::time::Duration;

use url::Url;

use crate::aircall::AircallConfig;
use crate::domain::plan::Roles;
use crate::intercom::IntercomConfig;
use crate::phone::Region;
use crate::rules::Settings;
use crate::secret::Secret;
use crate::store;

pub(crate) use crate::rules::bounded;
pub use registry::{by_env, by_key, env, nearest, Group, Kind, Setting, SETTINGS};
pub use sources::Source;
use sources::{located, Raw};

/// The hub's configuration file when none is named and it exists.
pub const SYSTEM_FILE: &str = "/etc/ringside/hub.toml";

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

/// A configuration problem, worded for the admin who set it up.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// A value is malformed.
    #[error("{key}: {reason}")]
    Invalid {
        /// The setting as the admin set it: its environment variable (`RINGSIDE_…`), its flag
        /// (`--listen`), or its key with the file and line (`` `listen` on line 4 of … ``).
        key: String,
        /// What is wrong with the value, and what was expected.
        reason: String,
    },
    /// The configuration file cannot be used: unreadable, not TOML or JSON, an unknown key,
    /// a secret in a JSON file, readable by every user.
    #[error("configuration file {path}: {reason}")]
    File {
        /// The configuration file's path.
        path: PathBuf,
        /// Why it cannot be used, with the line when there is one.
        reason: String,
    },
}

/// What the caller adds to the environment: the file named on the command line and the
/// command's own flags (which override the file and the environment).
#[derive(Debug, Clone, Default)]
pub struct Request {
    /// `--config FILE`, which wins over `RINGSIDE_CONFIG`.
    pub file: Option<PathBuf>,
    /// Flags given, as `(hub.toml key, value)`: `("listen", "0.0.0.0:443")`.
    pub flags: Vec<(&'static str, String)>,
}

/// Everything the engine and the hub need to run.
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
    /// The Intercom app's client secret, for its webhook notifications and the sign-in.
    pub intercom_client_secret: Option<Secret>,
    /// The hub's server: address, TLS, limits, webhook token, metrics, logs.
    pub hub: HubSettings,
    /// Signing in with Intercom.
    pub signin: SignInSettings,
    /// The admin console and the team's hours.
    pub console: ConsoleSettings,
    /// The configuration file read, if any.
    pub file: Option<PathBuf>,
    report: Vec<ReportEntry>,
}

/// The hub's server settings.
#[derive(Debug, Clone)]
pub struct HubSettings {
    /// The address it listens on.
    pub listen: SocketAddr,
    /// HTTPS, when a certificate and its key are configured.
    pub tls: Option<TlsPaths>,
    /// Days finished webhooks, events and effects are kept.
    pub retention_days: u32,
    /// Card lookups by number an agent may make a minute.
    pub card_lookups_per_minute: u32,
    /// The token Aircall's webhook carries, when set here rather than by `setup-webhook`.
    pub webhook_token: Option<Secret>,
    /// A separate address for `GET /metrics`, when set.
    pub metrics_listen: Option<SocketAddr>,
    /// The log filter (tracing's `EnvFilter` syntax).
    pub log_filter: String,
    /// How log lines are written.
    pub log_format: LogFormat,
}

/// The hub's certificate chain and private key, both PEM files.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TlsPaths {
    /// The certificate chain.
    pub cert: PathBuf,
    /// The private key.
    pub key: PathBuf,
}

/// How the hub writes its log lines.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum LogFormat {
    /// Human-readable lines.
    #[default]
    Text,
    /// One JSON object a line.
    Json,
}

/// Signing in with Intercom.
#[derive(Debug, Clone)]
pub struct SignInSettings {
    /// The hub's public address; the redirect URL is `<public_url>/signin/callback`.
    pub public_url: Option<Url>,
    /// The Intercom app's client id.
    pub intercom_client_id: Option<String>,
    /// Intercom's authorize page's host (by the workspace's region unless set).
    pub intercom_app_url: Url,
    /// Who may sign in: lowercase emails and `team:<id>` entries; empty lets the whole
    /// workspace in.
    pub allow: Vec<String>,
    /// The admins' emails, lowercase.
    pub admins: Vec<String>,
}

/// The admin console's settings, and the team's working hours it (and call-backs) read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConsoleSettings {
    /// Hours a console session lasts without use.
    pub session_hours: u32,
    /// Minutes without a webhook before the Overview warns, in business hours; 0: never.
    pub quiet_warning_minutes: u32,
    /// The team's working hours, checked by [`crate::hours::BusinessHours::parse`].
    pub business_hours: crate::hours::BusinessHours,
}

impl Default for ConsoleSettings {
    fn default() -> Self {
        ConsoleSettings {
            session_hours: 12,
            quiet_warning_minutes: 30,
            business_hours: crate::hours::BusinessHours::default(),
        }
    }
}

/// One line of [`Config::report`]: a setting's effective value and where it came from.
#[derive(Debug, Clone)]
pub struct ReportEntry {
    /// Its `hub.toml` key.
    pub key: &'static str,
    /// Its effective value as text; a secret's is masked, never the secret.
    pub value: String,
    /// Where the value came from.
    pub source: Source,
}

/// What a masked secret shows.
pub const MASKED: &str = "set (hidden)";

/// What the report shows of a setting with no value and no default.
pub const NOT_SET: &str = "(not set)";

/// The log settings, read early, before the rest of the configuration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogSettings {
    /// The log filter.
    pub filter: String,
    /// How lines are written.
    pub format: LogFormat,
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

/// Checks a value an admin gives a setting in the console, with the checks the file and the
/// environment get: the setting must be one the console may change
/// ([`Setting::console_may_change`]) and the value of its kind and range. Answers the value as
/// `hub.toml` would spell it (`true`, `lead`, `120`), else why not, in words.
pub fn console_value(key: &str, text: &str) -> Result<String, String> {
    let setting = by_key(key).ok_or_else(|| format!("there is no setting `{key}`"))?;
    if !setting.console_may_change() {
        return Err(format!(
            "`{key}` cannot be changed in the console: set it in hub.toml"
        ));
    }
    let text = text.trim();
    let raw = Raw {
        text: text.to_owned(),
        source: Source::Default,
    };
    sources::check(setting, &raw).map_err(|e| match e {
        ConfigError::Invalid { reason, .. } => reason,
        other => other.to_string(),
    })?;
    let normal = match &setting.kind {
        Kind::Bool => sources::parse_bool(text).map(|b| b.to_string()),
        Kind::Whole { range, unit } => bounded(text, range, unit).ok().map(|n| n.to_string()),
        Kind::Choice(words) => words
            .iter()
            .find(|w| w.eq_ignore_ascii_case(text))
            .map(|w| (*w).to_owned()),
        _ => Some(text.to_owned()),
    };
    normal.ok_or_else(|| format!("`{text}` is not a value of `{key}`"))
}

/// The settings' values after layering: the last source to set a key wins.
struct Resolved {
    values: BTreeMap<&'static str, Raw>,
}

impl Resolved {
    fn get(&self, key: &str) -> Option<&str> {
        self.values.get(key).map(|raw| raw.text.as_str())
    }

    /// An error about `key`'s value, naming it as it was set.
    fn fail(&self, key: &str, reason: impl ToString) -> ConfigError {
        let name = match (by_key(key), self.values.get(key)) {
            (Some(setting), Some(raw)) => located(setting, &raw.source),
            (Some(setting), None) => located(setting, &Source::Default),
            (None, _) => key.to_owned(),
        };
        ConfigError::Invalid {
            key: name,
            reason: reason.to_string(),
        }
    }

    fn whole<T: TryFrom<u64>>(&self, key: &str, default: T) -> Result<T, ConfigError> {
        let (Some(text), Some(Kind::Whole { range, unit })) =
            (self.get(key), by_key(key).map(|s| &s.kind))
        else {
            return Ok(default);
        };
        let n = bounded(text, range, unit).map_err(|reason| self.fail(key, reason))?;
        T::try_from(n).map_err(|_| self.fail(key, format!("{n} is too large")))
    }

    fn list(&self, key: &str) -> Vec<String> {
        self.get(key)
            .map(|text| {
                text.split(',')
                    .map(str::trim)
                    .filter(|item| !item.is_empty())
                    .map(str::to_owned)
                    .collect()
            })
            .unwrap_or_default()
    }
}

impl Config {
    /// Reads the process environment and the configuration file it names (or the default one).
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::load(&Request::default(), |key| std::env::var(key).ok())
    }

    /// Reads settings through `lookup` (the environment, or a map in tests) and the file.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        Self::load(&Request::default(), lookup)
    }

    /// Reads the file (`request.file`, else `RINGSIDE_CONFIG`, else [`SYSTEM_FILE`] when it
    /// exists, else `ringside.json` in the data directory), then the environment through
    /// `lookup`, then `request.flags`, each overriding the one before.
    pub fn load(
        request: &Request,
        lookup: impl Fn(&str) -> Option<String>,
    ) -> Result<Self, ConfigError> {
        Self::load_from(request, &lookup, Path::new(SYSTEM_FILE))
    }

    /// The effective value and source of every setting, in the registry's order; secrets show
    /// [`MASKED`] only.
    pub fn report(&self) -> &[ReportEntry] {
        &self.report
    }

    /// Only the log settings, for starting the logs before anything else: a file that cannot
    /// be read or holds mistakes is skipped here (the command that reads the whole
    /// configuration reports it), and a bad value falls back to the default.
    pub fn log_settings(request: &Request, lookup: impl Fn(&str) -> Option<String>) -> LogSettings {
        let env = sources::env_layer(&lookup);
        let mut values = Self::file_layer(request, &lookup, &env, Path::new(SYSTEM_FILE))
            .map(|(_, layer)| layer)
            .unwrap_or_default();
        values.extend(env);
        let r = Resolved { values };
        LogSettings {
            filter: r.get("log").unwrap_or("warn").to_owned(),
            format: match r.get("log_format").map(str::to_ascii_lowercase).as_deref() {
                Some("json") => LogFormat::Json,
                _ => LogFormat::Text,
            },
        }
    }

    /// The file layer: which file, and what it sets.
    fn file_layer(
        request: &Request,
        lookup: &dyn Fn(&str) -> Option<String>,
        env: &sources::Layer,
        system: &Path,
    ) -> Result<(Option<PathBuf>, sources::Layer), ConfigError> {
        let explicit = request.file.clone().or_else(|| {
            lookup(env::CONFIG_FILE)
                .map(|v| v.trim().to_owned())
                .filter(|v| !v.is_empty())
                .map(PathBuf::from)
        });
        // The legacy file sits in the data directory as the flags or the environment name it.
        let flagged_dir = request
            .flags
            .iter()
            .find(|(key, _)| *key == "data_dir")
            .map(|(_, dir)| PathBuf::from(dir));
        let legacy_dir = flagged_dir
            .or_else(|| env.get("data_dir").map(|raw| PathBuf::from(&raw.text)))
            .unwrap_or_else(store::data_dir);
        let choice = sources::choose(explicit, system, &legacy_dir);
        let layer = sources::read_file(&choice)?;
        let read =
            (choice.required || !layer.is_empty() || choice.path.exists()).then_some(choice.path);
        Ok((read, layer))
    }

    fn load_from(
        request: &Request,
        lookup: &dyn Fn(&str) -> Option<String>,
        system: &Path,
    ) -> Result<Self, ConfigError> {
        let env = sources::env_layer(lookup);
        let flags = sources::flag_layer(&request.flags)?;
        let (file, mut values) = Self::file_layer(request, lookup, &env, system)?;
        values.extend(env);
        values.extend(flags);
        for setting in SETTINGS {
            if let Some(raw) = values.get(setting.key) {
                sources::check(setting, raw)?;
            }
        }
        let r = Resolved { values };
        let mut config = Self::typed(&r)?;
        config.report = typed::report(&r, &config);
        config.file = file;
        Ok(config)
    }
}

#[cfg(test)]
mod tests;
