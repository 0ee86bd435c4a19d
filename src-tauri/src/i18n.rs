//! The app's languages, English and French, from one source of truth: the Fluent catalogs in
//! `src-tauri/locales/<lang>/*.ftl`, compiled into the binary. The shell formats its own words
//! (tray, notifications, errors) with `fluent-bundle`; the windows get the same catalog's text
//! through the `catalog` command and format it with `@fluent/bundle`.
//!
//! The language is the Settings' choice, or the system's (`LC_ALL`, `LC_MESSAGES`, `LANG`, in
//! that order, as POSIX reads them) when the agent leaves it to the system. It is the process's
//! language: [`set`] changes it at once and the windows are told to redraw.

use std::borrow::Cow;
use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::OnceLock;

use fluent_bundle::concurrent::FluentBundle;
use fluent_bundle::{FluentArgs, FluentResource, FluentValue};
use serde::{Deserialize, Serialize};
use unic_langid::LanguageIdentifier;

/// A language the app speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Lang {
    /// English, the default for any language the app does not speak.
    En,
    /// French.
    Fr,
}

impl Lang {
    /// Every language, in the order Settings lists them.
    pub const ALL: [Lang; 2] = [Lang::En, Lang::Fr];

    /// The BCP 47 code, `en` or `fr`.
    pub fn code(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::Fr => "fr",
        }
    }

    /// The catalog's files, concatenated: one Fluent resource.
    pub fn source(self) -> &'static str {
        match self {
            Lang::En => concat!(
                include_str!("../locales/en/desktop.ftl"),
                "\n",
                include_str!("../locales/en/windows.ftl"),
                "\n",
                include_str!("../locales/en/day.ftl"),
                "\n",
                include_str!("../locales/en/wrapup.ftl")
            ),
            Lang::Fr => concat!(
                include_str!("../locales/fr/desktop.ftl"),
                "\n",
                include_str!("../locales/fr/windows.ftl"),
                "\n",
                include_str!("../locales/fr/day.ftl"),
                "\n",
                include_str!("../locales/fr/wrapup.ftl")
            ),
        }
    }

    fn index(self) -> u8 {
        match self {
            Lang::En => 0,
            Lang::Fr => 1,
        }
    }
}

/// The language Settings ask for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum LanguageChoice {
    /// The system's language (English when it is neither English nor French).
    #[default]
    System,
    /// English whatever the system says.
    En,
    /// French whatever the system says.
    Fr,
}

/// A locale read from the environment: the language the app speaks in it, and the locale's
/// own BCP 47 tag (`fr-CA`, `en-GB`) for dates and numbers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SystemLocale {
    /// The language.
    pub lang: Lang,
    /// The tag, when the locale names one the app can read (not `C` or `POSIX`).
    pub tag: Option<String>,
}

impl SystemLocale {
    /// The locale the variables give, read through `var` (injected so tests control it): the
    /// first of `LC_ALL`, `LC_MESSAGES` and `LANG` that is set and not empty.
    pub fn from_env(var: impl Fn(&str) -> Option<String>) -> SystemLocale {
        let raw = ["LC_ALL", "LC_MESSAGES", "LANG"]
            .iter()
            .filter_map(|name| var(name))
            .find(|v| !v.trim().is_empty())
            .unwrap_or_default();
        // `fr_FR.UTF-8@euro` → `fr-FR`.
        let base = raw.split(['.', '@']).next().unwrap_or("").replace('_', "-");
        let tag = base
            .parse::<LanguageIdentifier>()
            .ok()
            .filter(|id| id.language.as_str() != "und" && base != "C" && base != "POSIX");
        let lang = match tag.as_ref().map(|id| id.language.as_str()) {
            Some("fr") => Lang::Fr,
            _ => Lang::En,
        };
        SystemLocale {
            lang,
            tag: tag.map(|id| id.to_string()),
        }
    }

    /// The process's locale.
    pub fn current() -> SystemLocale {
        SystemLocale::from_env(|name| std::env::var(name).ok())
    }
}

impl LanguageChoice {
    /// The language this choice means on a system with `system`'s locale.
    pub fn resolve(self, system: &SystemLocale) -> Lang {
        match self {
            LanguageChoice::System => system.lang,
            LanguageChoice::En => Lang::En,
            LanguageChoice::Fr => Lang::Fr,
        }
    }
}

/// The locale tag dates and numbers follow in `lang`: the system's own when it speaks that
/// language (`en-GB` keeps its day-first dates), else the language alone.
pub fn locale_tag(lang: Lang, system: &SystemLocale) -> String {
    match &system.tag {
        Some(tag) if system.lang == lang => tag.clone(),
        _ => lang.code().to_owned(),
    }
}

static CURRENT: AtomicU8 = AtomicU8::new(0);

/// The app's language now.
pub fn current() -> Lang {
    match CURRENT.load(Ordering::Relaxed) {
        1 => Lang::Fr,
        _ => Lang::En,
    }
}

/// Makes `lang` the app's language.
pub fn set(lang: Lang) {
    CURRENT.store(lang.index(), Ordering::Relaxed);
}

fn bundle(lang: Lang) -> &'static FluentBundle<FluentResource> {
    static BUNDLES: [OnceLock<FluentBundle<FluentResource>>; 2] =
        [OnceLock::new(), OnceLock::new()];
    BUNDLES[lang.index() as usize].get_or_init(|| {
        // `en` and `fr`, literal language codes: this cannot fail.
        #[allow(clippy::expect_used)]
        let id: LanguageIdentifier = lang.code().parse().expect("a language code");
        let mut bundle = FluentBundle::new_concurrent(vec![id]);
        // Plain text: no Unicode isolation marks around the placeables.
        bundle.set_use_isolating(false);
        let resource = FluentResource::try_new(lang.source().to_owned()).unwrap_or_else(
            |(resource, errors)| {
                tracing::warn!(?errors, lang = lang.code(), "the catalog has errors");
                resource
            },
        );
        if let Err(errors) = bundle.add_resource(resource) {
            tracing::warn!(?errors, lang = lang.code(), "the catalog repeats a message");
        }
        bundle
    })
}

/// An argument of a message: text or a number.
#[derive(Debug)]
pub enum Arg<'a> {
    /// Text, shown as it is (or matched by a selector).
    Text(Cow<'a, str>),
    /// A number, which plural selectors read.
    Number(f64),
}

impl<'a> From<&'a str> for Arg<'a> {
    fn from(s: &'a str) -> Self {
        Arg::Text(Cow::Borrowed(s))
    }
}

impl From<String> for Arg<'_> {
    fn from(s: String) -> Self {
        Arg::Text(Cow::Owned(s))
    }
}

impl From<&String> for Arg<'_> {
    fn from(s: &String) -> Self {
        Arg::Text(Cow::Owned(s.clone()))
    }
}

macro_rules! number_arg {
    ($($t:ty),*) => {$(
        impl From<$t> for Arg<'_> {
            fn from(n: $t) -> Self {
                Arg::Number(n as f64)
            }
        }
    )*};
}
number_arg!(u32, u64, usize, i64);

/// Message `key` of `lang`'s catalog with `args`; the key itself if the catalog lacks it (a
/// test checks that every key the shell uses is there).
pub fn text_in(lang: Lang, key: &str, args: &[(&str, Arg<'_>)]) -> String {
    let bundle = bundle(lang);
    let Some(pattern) = bundle.get_message(key).and_then(|m| m.value()) else {
        tracing::warn!(key, lang = lang.code(), "no such message");
        return key.to_owned();
    };
    let mut fluent_args = FluentArgs::new();
    for (name, value) in args {
        match value {
            Arg::Text(s) => fluent_args.set(*name, FluentValue::from(s.as_ref())),
            Arg::Number(n) => fluent_args.set(*name, FluentValue::from(*n)),
        }
    }
    let mut errors = Vec::new();
    let out = bundle.format_pattern(pattern, Some(&fluent_args), &mut errors);
    if !errors.is_empty() {
        tracing::warn!(key, ?errors, lang = lang.code(), "a message did not format");
    }
    out.into_owned()
}

/// Message `key` in the app's language now.
pub fn text(key: &str, args: &[(&str, Arg<'_>)]) -> String {
    text_in(current(), key, args)
}

/// What the windows get: the language, the locale for dates and numbers, and the catalog.
#[derive(Debug, Clone, Serialize)]
pub struct Catalog {
    /// The language chosen.
    pub lang: Lang,
    /// The BCP 47 tag for `Intl` (dates, times, durations, numbers).
    pub locale: String,
    /// The language's Fluent source.
    pub ftl: &'static str,
}

impl Catalog {
    /// The catalog for `lang` on a system with `system`'s locale.
    pub fn of(lang: Lang, system: &SystemLocale) -> Catalog {
        Catalog {
            lang,
            locale: locale_tag(lang, system),
            ftl: lang.source(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &[(&str, &str)]) -> SystemLocale {
        let pairs: Vec<(String, String)> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        SystemLocale::from_env(move |name| {
            pairs
                .iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.clone())
        })
    }

    #[test]
    fn the_system_language_follows_posix_precedence() {
        let fr = env(&[("LANG", "fr_FR.UTF-8")]);
        assert_eq!(fr.lang, Lang::Fr);
        assert_eq!(fr.tag.as_deref(), Some("fr-FR"));
        // LC_ALL outranks LC_MESSAGES, which outranks LANG; an empty one is skipped.
        assert_eq!(
            env(&[("LC_ALL", "en_GB.UTF-8"), ("LANG", "fr_FR.UTF-8")]).lang,
            Lang::En
        );
        assert_eq!(
            env(&[("LC_ALL", ""), ("LC_MESSAGES", "fr_CA"), ("LANG", "en_US")]).tag,
            Some("fr-CA".into())
        );
        // C, POSIX, nothing or a language the app does not speak: English.
        for none in [
            env(&[("LANG", "C.UTF-8")]),
            env(&[]),
            env(&[("LANG", "de_DE")]),
        ] {
            assert_eq!(none.lang, Lang::En);
        }
        assert_eq!(env(&[("LANG", "POSIX")]).tag, None);
    }

    #[test]
    fn the_settings_choice_outranks_the_system_and_dates_keep_the_system_region() {
        let gb = env(&[("LANG", "en_GB.UTF-8")]);
        assert_eq!(LanguageChoice::System.resolve(&gb), Lang::En);
        assert_eq!(LanguageChoice::Fr.resolve(&gb), Lang::Fr);
        assert_eq!(locale_tag(Lang::En, &gb), "en-GB");
        assert_eq!(locale_tag(Lang::Fr, &gb), "fr");
        let catalog = Catalog::of(Lang::Fr, &gb);
        assert!(catalog.ftl.contains("tray-quit = Quitter Ringside"));
    }

    #[test]
    fn messages_format_with_their_arguments_in_each_language() {
        let args = || {
            [
                ("name", Arg::from("+33650505050")),
                ("kind", Arg::from("lead")),
            ]
        };
        assert_eq!(
            text_in(Lang::En, "notify-who-new", &args()),
            "+33650505050 — Aircall new lead"
        );
        assert_eq!(
            text_in(Lang::Fr, "notify-who-new", &args()),
            "+33650505050 — nouveau prospect Aircall"
        );
        assert_eq!(
            text_in(
                Lang::Fr,
                "connection-reconnecting",
                &[("attempt", 2u32.into())]
            ),
            "Reconnexion (tentative 2)…"
        );
        assert_eq!(text_in(Lang::En, "no-such-key", &[]), "no-such-key");
    }
}
