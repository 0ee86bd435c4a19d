//! The console's languages, English and French: Fluent catalogs in
//! `core/locales/console/<lang>/*.ftl` (one file per page), compiled into the binary, the way
//! the desktop app keeps its own. The language is the `lang` cookie's (the switch in the
//! header; `ringside_lang`), else the best of the browser's `Accept-Language`, else English.

use std::sync::OnceLock;

use axum::http::HeaderMap;
use fluent_bundle::concurrent::FluentBundle;
use fluent_bundle::{FluentArgs, FluentResource, FluentValue};
use unic_langid::LanguageIdentifier;

/// The cookie that keeps the language chosen with the switch.
pub(crate) const LANG_COOKIE: &str = "ringside_lang";

/// A language the console speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) enum Lang {
    /// English, for any language the console does not speak.
    #[default]
    En,
    /// French.
    Fr,
}

impl Lang {
    /// Every language, in the switch's order.
    pub(crate) const ALL: [Lang; 2] = [Lang::En, Lang::Fr];

    /// The BCP 47 code, `en` or `fr`.
    pub(crate) fn code(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::Fr => "fr",
        }
    }

    /// The language a code names, when the console speaks it.
    pub(crate) fn parse(code: &str) -> Option<Lang> {
        let base = code.trim().split(['-', '_']).next()?.to_ascii_lowercase();
        match base.as_str() {
            "en" => Some(Lang::En),
            "fr" => Some(Lang::Fr),
            _ => None,
        }
    }

    /// The language for a request: the cookie's, else `Accept-Language`'s best, else English.
    pub(crate) fn of(headers: &HeaderMap) -> Lang {
        cookie(headers, LANG_COOKIE)
            .and_then(|v| Lang::parse(&v))
            .or_else(|| {
                headers
                    .get(axum::http::header::ACCEPT_LANGUAGE)
                    .and_then(|v| v.to_str().ok())
                    .and_then(best_of_accept_language)
            })
            .unwrap_or_default()
    }

    fn source(self) -> &'static str {
        macro_rules! catalog {
            ($lang:literal) => {
                concat!(
                    include_str!(concat!("../../../locales/console/", $lang, "/common.ftl")),
                    "\n",
                    include_str!(concat!("../../../locales/console/", $lang, "/overview.ftl")),
                    "\n",
                    include_str!(concat!("../../../locales/console/", $lang, "/calls.ftl")),
                    "\n",
                    include_str!(concat!("../../../locales/console/", $lang, "/agents.ftl")),
                    "\n",
                    include_str!(concat!("../../../locales/console/", $lang, "/sync.ftl")),
                    "\n",
                    include_str!(concat!("../../../locales/console/", $lang, "/settings.ftl")),
                    "\n",
                    include_str!(concat!("../../../locales/console/", $lang, "/reports.ftl")),
                )
            };
        }
        match self {
            Lang::En => catalog!("en"),
            Lang::Fr => catalog!("fr"),
        }
    }
}

/// The `Accept-Language` entry with the highest weight that the console speaks.
fn best_of_accept_language(header: &str) -> Option<Lang> {
    let mut best: Option<(f32, Lang)> = None;
    for part in header.split(',') {
        let mut pieces = part.split(';');
        let tag = pieces.next().unwrap_or("").trim();
        let weight = pieces
            .find_map(|p| p.trim().strip_prefix("q="))
            .and_then(|q| q.trim().parse::<f32>().ok())
            .unwrap_or(1.0);
        if let Some(lang) = Lang::parse(tag) {
            if weight > 0.0 && best.is_none_or(|(w, _)| weight > w) {
                best = Some((weight, lang));
            }
        }
    }
    best.map(|(_, lang)| lang)
}

/// A cookie's value from the request's `Cookie` headers.
pub(crate) fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(axum::http::header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.trim().to_owned())
}

fn bundle(lang: Lang) -> &'static FluentBundle<FluentResource> {
    static BUNDLES: [OnceLock<FluentBundle<FluentResource>>; 2] =
        [OnceLock::new(), OnceLock::new()];
    let index = match lang {
        Lang::En => 0,
        Lang::Fr => 1,
    };
    BUNDLES[index].get_or_init(|| {
        let id: LanguageIdentifier = lang.code().parse().unwrap_or_default();
        let mut bundle = FluentBundle::new_concurrent(vec![id]);
        // Dates and numbers are formatted by the console itself; no bidi isolation marks in
        // HTML.
        bundle.set_use_isolating(false);
        let resource = FluentResource::try_new(lang.source().to_owned())
            .unwrap_or_else(|(partial, _)| partial);
        // Duplicate messages keep the first; a test checks the catalogs are clean.
        let _ = bundle.add_resource(resource);
        bundle
    })
}

/// Formats `key` in `lang` with `args`; a missing message shows its key (a test checks none
/// is missing).
pub(crate) fn format(lang: Lang, key: &str, args: &[(&str, FluentValue<'_>)]) -> String {
    let bundle = bundle(lang);
    let Some(pattern) = bundle.get_message(key).and_then(|m| m.value()) else {
        return key.to_owned();
    };
    let mut fluent_args = FluentArgs::new();
    for (name, value) in args {
        fluent_args.set(*name, value.clone());
    }
    let mut errors = Vec::new();
    bundle
        .format_pattern(pattern, Some(&fluent_args), &mut errors)
        .into_owned()
}

/// Every message id of a language's catalog, for the tests that hold both catalogs together.
#[cfg(test)]
pub(crate) fn message_ids(lang: Lang) -> Vec<String> {
    let resource =
        FluentResource::try_new(lang.source().to_owned()).unwrap_or_else(|(partial, _)| partial);
    resource
        .entries()
        .filter_map(|entry| match entry {
            fluent_syntax::ast::Entry::Message(m) => Some(m.id.name.to_owned()),
            _ => None,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_browsers_best_language_wins_and_english_is_the_fallback() {
        assert_eq!(
            best_of_accept_language("fr-FR,fr;q=0.9,en;q=0.8"),
            Some(Lang::Fr)
        );
        assert_eq!(
            best_of_accept_language("de-DE,en;q=0.5,fr;q=0.7"),
            Some(Lang::Fr)
        );
        assert_eq!(best_of_accept_language("de-DE"), None);
        assert_eq!(best_of_accept_language("fr;q=0"), None);
    }

    #[test]
    fn both_catalogs_have_the_same_messages() {
        let mut en = message_ids(Lang::En);
        let mut fr = message_ids(Lang::Fr);
        en.sort();
        fr.sort();
        let duplicates: Vec<_> = en.windows(2).filter(|w| w[0] == w[1]).collect();
        assert!(
            duplicates.is_empty(),
            "messages defined twice: {duplicates:?}"
        );
        assert_eq!(en, fr, "the English and French catalogs differ");
    }
}
