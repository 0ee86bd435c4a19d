//! Where each setting's value comes from, and reading each place: `hub.toml` (or a legacy JSON
//! file), the environment, the command line. Every value is checked against its setting's kind
//! here, so a wrong value is refused in words that name its key and where it was set.
//!
//! The places are layers, each overriding the one before it (file, environment, flags); the
//! settings an admin changes in the console, stored by the hub, are the last layer
//! ([`Source::Console`]), laid over the others by the engine as it starts and at each change.

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};

use super::registry::{self, Kind, Setting};
use super::ConfigError;

/// Where a setting's effective value was read.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Source {
    /// A configuration file.
    File {
        /// The file.
        path: PathBuf,
        /// The line the key is on (1-based), when the format tells it.
        line: Option<usize>,
    },
    /// An environment variable.
    Environment(&'static str),
    /// A command-line flag, e.g. `--listen`.
    Flag(String),
    /// Nothing set it: the default applies.
    Default,
    /// An admin changed it in the console; the hub stores it and lays it over the others.
    Console {
        /// Who: the admin's email.
        by: String,
        /// When, UNIX seconds.
        at: i64,
    },
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Source::File {
                path,
                line: Some(line),
            } => write!(f, "{}, line {line}", path.display()),
            Source::File { path, line: None } => write!(f, "{}", path.display()),
            Source::Environment(var) => write!(f, "environment {var}"),
            Source::Flag(flag) => write!(f, "flag {flag}"),
            Source::Default => f.write_str("default"),
            Source::Console { by, at } => match jiff::Timestamp::from_second(*at) {
                Ok(when) => write!(
                    f,
                    "console, by {by} at {}",
                    when.strftime("%Y-%m-%d %H:%M UTC")
                ),
                Err(_) => write!(f, "console, by {by}"),
            },
        }
    }
}

/// A setting's value as read, before it becomes a typed value: text (a list's items joined by
/// commas), and where it came from.
#[derive(Debug, Clone)]
pub(crate) struct Raw {
    pub text: String,
    pub source: Source,
}

/// The values one source sets, by `hub.toml` key.
pub(crate) type Layer = BTreeMap<&'static str, Raw>;

/// How the setting is named in an error: its variable, its flag, or its key and line.
pub(crate) fn located(setting: &Setting, source: &Source) -> String {
    match source {
        Source::File {
            path,
            line: Some(line),
        } => format!("`{}` on line {line} of {}", setting.key, path.display()),
        Source::File { path, line: None } => {
            format!("`{}` in {}", setting.key, path.display())
        }
        Source::Environment(var) => (*var).to_owned(),
        Source::Flag(flag) => flag.clone(),
        Source::Default => setting.key.to_owned(),
        Source::Console { .. } => format!("`{}` in the admin console", setting.key),
    }
}

/// The configuration file's two formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Format {
    /// `hub.toml`: settings and secrets.
    Toml,
    /// The legacy JSON file: settings only, never a secret.
    Json,
}

/// The configuration file to read.
#[derive(Debug, Clone)]
pub(crate) struct FileChoice {
    pub path: PathBuf,
    pub format: Format,
    /// Whether a missing file is an error (one named on purpose) or just absent.
    pub required: bool,
}

/// The file to read: the one named (`--config`, `RINGSIDE_CONFIG`), else the system's
/// `hub.toml` when it exists, else the legacy `ringside.json` in the data directory.
pub(crate) fn choose(explicit: Option<PathBuf>, system: &Path, data_dir: &Path) -> FileChoice {
    let format_of = |path: &Path| match path.extension().and_then(|e| e.to_str()) {
        Some(ext) if ext.eq_ignore_ascii_case("json") => Format::Json,
        _ => Format::Toml,
    };
    if let Some(path) = explicit {
        return FileChoice {
            format: format_of(&path),
            path,
            required: true,
        };
    }
    if system.exists() {
        return FileChoice {
            path: system.to_path_buf(),
            format: Format::Toml,
            required: true,
        };
    }
    FileChoice {
        path: data_dir.join("ringside.json"),
        format: Format::Json,
        required: false,
    }
}

/// Reads the chosen file into a layer; a missing optional file is an empty layer.
pub(crate) fn read_file(choice: &FileChoice) -> Result<Layer, ConfigError> {
    let path = &choice.path;
    let fail = |reason: String| ConfigError::File {
        path: path.clone(),
        reason,
    };
    let text = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(e) if !choice.required && e.kind() == std::io::ErrorKind::NotFound => {
            return Ok(Layer::new())
        }
        Err(e) if e.kind() == std::io::ErrorKind::PermissionDenied => {
            return Err(fail(format!(
                "{e}: run as root or as a member of the hub's group (ringside), or name another file with --config"
            )))
        }
        Err(e) => return Err(fail(e.to_string())),
    };
    match choice.format {
        Format::Toml => {
            refuse_if_others_can_read(path)?;
            read_toml(path, &text)
        }
        Format::Json => read_json(path, &text),
    }
}

/// `hub.toml` holds secrets: a file every user of the machine can read is refused.
fn refuse_if_others_can_read(path: &Path) -> Result<(), ConfigError> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(path)
            .map_err(|e| ConfigError::File {
                path: path.to_path_buf(),
                reason: e.to_string(),
            })?
            .permissions()
            .mode();
        if mode & 0o007 != 0 {
            return Err(ConfigError::File {
                path: path.to_path_buf(),
                reason: format!(
                    "every user of this machine can read it (mode {:04o}), and it may hold secrets: \
                     chmod 640 {p}, chown root:ringside {p}",
                    mode & 0o7777,
                    p = path.display()
                ),
            });
        }
    }
    #[cfg(not(unix))]
    let _ = path;
    Ok(())
}

/// The line (1-based) a byte offset of `text` is on.
fn line_of(text: &str, offset: usize) -> usize {
    text.get(..offset).unwrap_or(text).matches('\n').count() + 1
}

fn read_toml(path: &Path, text: &str) -> Result<Layer, ConfigError> {
    use toml::{Spanned, Value};
    let fail = |reason: String| ConfigError::File {
        path: path.to_path_buf(),
        reason,
    };
    let table: BTreeMap<Spanned<String>, Spanned<Value>> = toml::from_str(text).map_err(|e| {
        let line = e
            .span()
            .map(|span| format!("line {}: ", line_of(text, span.start)))
            .unwrap_or_default();
        fail(format!("{line}not valid TOML: {}", e.message().trim()))
    })?;
    let mut layer = Layer::new();
    for (key, value) in table {
        let line = line_of(text, key.span().start);
        let Some(setting) = registry::by_key(key.get_ref()) else {
            let hint = registry::nearest(key.get_ref())
                .map(|near| format!("; did you mean `{near}`?"))
                .unwrap_or_else(|| "; `ringside-cli config check` lists the known ones".into());
            return Err(fail(format!(
                "line {line}: unknown setting `{}`{hint}",
                key.get_ref()
            )));
        };
        let source = Source::File {
            path: path.to_path_buf(),
            line: Some(line),
        };
        let wrong = |expected: &str, got: &Value| ConfigError::Invalid {
            key: located(setting, &source),
            reason: format!("expected {expected}, not {}", got.type_str()),
        };
        let text = match (&setting.kind, value.get_ref()) {
            (Kind::Bool, Value::Boolean(b)) => b.to_string(),
            (Kind::Bool, other) => return Err(wrong("true or false (no quotes)", other)),
            (Kind::Whole { .. }, Value::Integer(n)) => n.to_string(),
            (Kind::Whole { .. }, other) => return Err(wrong("a whole number (no quotes)", other)),
            (Kind::List, Value::Array(items)) => {
                let mut texts = Vec::new();
                for item in items {
                    match item {
                        Value::String(s) if !s.contains(',') => texts.push(s.trim().to_owned()),
                        Value::String(_) => {
                            return Err(ConfigError::Invalid {
                                key: located(setting, &source),
                                reason: "one entry a string: an entry holds a comma".into(),
                            })
                        }
                        other => return Err(wrong("a list of strings", other)),
                    }
                }
                texts.join(",")
            }
            (Kind::List, other) => return Err(wrong("a list of strings, [\"…\", \"…\"]", other)),
            (_, Value::String(s)) => s.clone(),
            (_, other) => return Err(wrong("a string (in quotes)", other)),
        };
        // An empty value is the same as leaving the line out: the default applies.
        if text.trim().is_empty() {
            continue;
        }
        layer.insert(setting.key, Raw { text, source });
    }
    Ok(layer)
}

fn read_json(path: &Path, file_text: &str) -> Result<Layer, ConfigError> {
    let fail = |reason: String| ConfigError::File {
        path: path.to_path_buf(),
        reason,
    };
    let value: serde_json::Value =
        serde_json::from_str(file_text).map_err(|e| fail(format!("not valid JSON: {e}")))?;
    let object = value
        .as_object()
        .ok_or_else(|| fail("expected a JSON object".into()))?;
    let mut layer = Layer::new();
    for (key, value) in object {
        let setting = registry::by_key(key);
        if setting.is_some_and(Setting::is_secret)
            || key.contains("token")
            || key.contains("secret")
            || key.contains("password")
        {
            return Err(fail(format!(
                "`{key}` looks like a secret; secrets are never read from a JSON file: \
                 put them in hub.toml (mode 0640) or the environment"
            )));
        }
        let Some(setting) = setting else {
            let hint = registry::nearest(key)
                .map(|near| format!("; did you mean `{near}`?"))
                .unwrap_or_default();
            return Err(fail(format!("unknown setting `{key}`{hint}")));
        };
        let text = match value {
            serde_json::Value::String(s) => s.clone(),
            serde_json::Value::Number(n) => n.to_string(),
            serde_json::Value::Bool(b) => b.to_string(),
            serde_json::Value::Array(items) if setting.kind == Kind::List => items
                .iter()
                .map(|i| i.as_str().map(str::to_owned))
                .collect::<Option<Vec<_>>>()
                .ok_or_else(|| fail(format!("`{key}` must be a list of strings")))?
                .join(","),
            other => {
                return Err(fail(format!(
                    "`{key}` must be a string, a number or a boolean, not {other}"
                )))
            }
        };
        let source = Source::File {
            path: path.to_path_buf(),
            line: json_line(file_text, key),
        };
        layer.insert(setting.key, Raw { text, source });
    }
    Ok(layer)
}

/// The line of a JSON object's key: serde_json keeps no positions, so it is found by the quoted
/// name followed by a colon. It is only for the report and errors; a miss leaves the line out.
fn json_line(text: &str, key: &str) -> Option<usize> {
    let quoted = format!("\"{key}\"");
    text.match_indices(&quoted)
        .find(|(at, _)| text[at + quoted.len()..].trim_start().starts_with(':'))
        .map(|(at, _)| line_of(text, at))
}

/// The settings set in the environment (an empty variable counts as unset).
pub(crate) fn env_layer(lookup: &dyn Fn(&str) -> Option<String>) -> Layer {
    registry::SETTINGS
        .iter()
        .filter_map(|s| {
            let text = lookup(s.env)?.trim().to_owned();
            (!text.is_empty()).then_some((
                s.key,
                Raw {
                    text,
                    source: Source::Environment(s.env),
                },
            ))
        })
        .collect()
}

/// The settings set by command-line flags, as `(key, value)`.
pub(crate) fn flag_layer(flags: &[(&'static str, String)]) -> Result<Layer, ConfigError> {
    let mut layer = Layer::new();
    for (key, text) in flags {
        let setting = registry::by_key(key).ok_or_else(|| ConfigError::Invalid {
            key: (*key).to_owned(),
            reason: "not a setting".into(),
        })?;
        layer.insert(
            setting.key,
            Raw {
                text: text.trim().to_owned(),
                source: Source::Flag(setting.flag()),
            },
        );
    }
    Ok(layer)
}

/// Checks a value against its setting's kind, whatever its source; the typed reading after
/// this (a region code, a URL's host) adds the checks a kind cannot express.
pub(crate) fn check(setting: &Setting, raw: &Raw) -> Result<(), ConfigError> {
    let text = raw.text.as_str();
    let reason = match &setting.kind {
        Kind::Bool => parse_bool(text)
            .is_none()
            .then(|| format!("expected true or false, got `{text}`")),
        Kind::Whole { range, unit } => super::bounded(text, range, unit).err(),
        Kind::Choice(words) => (!words.iter().any(|w| w.eq_ignore_ascii_case(text)))
            .then(|| format!("expected {}, got `{text}`", or_list(words))),
        Kind::Address => text
            .parse::<std::net::SocketAddr>()
            .err()
            .map(|_| format!("expected an address such as 127.0.0.1:8790, got `{text}`")),
        Kind::Text | Kind::Secret | Kind::Path | Kind::Url | Kind::List => None,
    };
    match reason {
        Some(reason) => Err(ConfigError::Invalid {
            key: located(setting, &raw.source),
            reason,
        }),
        None => Ok(()),
    }
}

fn or_list(words: &[&str]) -> String {
    match words {
        [] => String::new(),
        [one] => (*one).to_owned(),
        [init @ .., last] => format!("{} or {last}", init.join(", ")),
    }
}

/// `true`/`false` and their usual spellings in environment variables.
pub(crate) fn parse_bool(raw: &str) -> Option<bool> {
    match raw.trim().to_ascii_lowercase().as_str() {
        "true" | "1" | "yes" | "on" => Some(true),
        "false" | "0" | "no" | "off" => Some(false),
        _ => None,
    }
}
