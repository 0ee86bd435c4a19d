//! Phone numbers: raw caller IDs and stored contact phones become [`E164`] values here, once.
//!
//! Parsing is built on the `phonenumber` crate (libphonenumber's metadata). A national number is
//! read in a region: the country of the Aircall number that carried the call, else the
//! configured default. On top of the library, a few fallbacks make every format of the seed's
//! table parse (`33762043575`, `00762043575`, `004917667402970`, `(2087) 653 456`, …) without
//! changing how a valid national number is read: a fallback is only tried when the plain reading
//! does not give a valid number. A number in a range the metadata does not list yet is kept when
//! it fits its country's numbering plan, and then in every form it is written in (`+CC…`, `CC…`,
//! `00CC…`, national with its trunk prefix): one number, one answer, which
//! `tests/phone_forms.rs` checks on generated numbers of the seed's seven countries.

use std::collections::HashMap;
use std::fmt;
use std::str::FromStr;
use std::sync::{Arc, Mutex, OnceLock};

use phonenumber::{country, Mode, PhoneNumber};
use regex::{Regex, RegexBuilder};
use serde::{Deserialize, Serialize};

/// A region (ISO 3166-1 alpha-2 country code) in which national numbers are read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Region(country::Id);

impl Region {
    /// Parses a two-letter country code, case-insensitively (`fr`, `FR`, `Gb`).
    pub fn parse(code: &str) -> Result<Self, PhoneError> {
        let upper = code.trim().to_ascii_uppercase();
        if upper.len() != 2 {
            return Err(PhoneError::UnknownRegion(code.to_owned()));
        }
        country::Id::from_str(&upper)
            .map(Region)
            .map_err(|_| PhoneError::UnknownRegion(code.to_owned()))
    }

    /// The two-letter code, upper case.
    pub fn code(&self) -> &str {
        self.0.as_ref()
    }
}

impl fmt::Display for Region {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

impl FromStr for Region {
    type Err = PhoneError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Region::parse(s)
    }
}

impl Serialize for Region {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.code())
    }
}

impl<'de> Deserialize<'de> for Region {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let raw = String::deserialize(d)?;
        Region::parse(&raw).map_err(serde::de::Error::custom)
    }
}

/// Why a raw string is not a phone number.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PhoneError {
    /// The region code is not an ISO country known to the phone metadata.
    #[error("unknown region code `{0}` (expected a two-letter country code such as FR, US, GB)")]
    UnknownRegion(String),
    /// The input has no digits that could form a number, or forms none at all.
    #[error("`{input}` is not a phone number: {reason}")]
    NotANumber {
        /// The input, trimmed.
        input: String,
        /// Why not, in words (`it has no digits`, `it is too short`, …).
        reason: String,
    },
    /// The input looks like a number but no reading of it is a valid number.
    #[error("`{input}` is not a valid phone number in {region} or internationally")]
    Invalid {
        /// The input, trimmed.
        input: String,
        /// The region its national forms were read in.
        region: Region,
    },
}

/// A phone number in E.164 form: `+` then the country code and the national number, digits only.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct E164(String);

impl E164 {
    /// Parses a raw number, reading national forms in `region`.
    ///
    /// Anonymous caller IDs are an error here; use [`CallerId::parse`] where they may occur.
    pub fn parse(raw: &str, region: Region) -> Result<Self, PhoneError> {
        let cleaned = clean(raw);
        let digits: String = cleaned.chars().filter(char::is_ascii_digit).collect();
        if digits.is_empty() {
            return Err(not_a_number(raw, "it has no digits"));
        }
        if digits.len() < 3 {
            return Err(not_a_number(raw, "it is too short"));
        }
        if digits.len() > 17 {
            return Err(not_a_number(raw, "it is too long"));
        }
        if cleaned.chars().filter(|c| c.is_ascii_alphabetic()).count() > 0 {
            return Err(not_a_number(raw, "it contains letters"));
        }
        let explicit_plus = cleaned.starts_with('+');

        // 0. Digits that start with the region's own country code, in a country whose
        //    national numbers start with a trunk prefix they lack, are that country code
        //    (`49 1500000000` in Germany is `+49 1500000000`, not a national `491500000000`).
        //    When that reading is not a number, nothing is: reading the same digits as a
        //    national number lacking its trunk prefix would give another number than the one
        //    the same digits give with `+` or `00` (`49 4980000000` is refused in every form).
        if !explicit_plus && starts_with_own_code(&digits, region) {
            return match phonenumber::parse(None, format!("+{digits}")) {
                Ok(number) if is_valid(&number) || fits_numbering_plan(&number) => {
                    Ok(Self::from_number(&number))
                }
                _ => Err(PhoneError::Invalid {
                    input: raw.trim().to_owned(),
                    region,
                }),
            };
        }
        // 1. Digits that start with `00` are an international prefix before they are a
        //    national number with a doubled trunk prefix (`0049 1500000000` is `+49…` even
        //    where `0491500000000` would be a valid national number) or a region's own
        //    international prefix with a carrier code (`0055…` in Brazil is Brazil).
        //    When `00` is followed by the region's own country code and that reading is not a
        //    number, no other reading is taken, as above; otherwise a doubled trunk prefix is
        //    still tried below (`00762043575` in France is `+33762043575`).
        if let Some(rest) = digits.strip_prefix("00").filter(|_| !explicit_plus) {
            if let Ok(number) = phonenumber::parse(None, format!("+{rest}")) {
                if is_valid(&number) || fits_numbering_plan(&number) {
                    return Ok(Self::from_number(&number));
                }
            }
            if starts_with_own_code(rest, region) {
                return Err(PhoneError::Invalid {
                    input: raw.trim().to_owned(),
                    region,
                });
            }
        }
        // 2. The library's own reading: national in `region`, or international with `+` or
        //    the region's international prefix. A `+` number is read with no region at all:
        //    the library otherwise strips the region's own international prefix from it
        //    (`+55 11…` read in the US loses `11`).
        let reading_region = if explicit_plus { None } else { Some(region.0) };
        let primary = phonenumber::parse(reading_region, &cleaned).ok();
        if let Some(number) = primary.as_ref().filter(|n| is_valid(n)) {
            return Ok(Self::from_number(number));
        }
        // 3. The plain reading when it fits its country's numbering plan (the shape and
        //    length of its numbers) in a range the metadata does not list yet: carriers are
        //    ahead of it. So `+33 6 39 20 30 69`, `0033 6 39 20 30 69` and `06 39 20 30 69`
        //    get one answer, and `822 200 0000` in the US stays American rather than becoming
        //    `+82 2 2000 0000`.
        if let Some(number) = primary.as_ref().filter(|n| fits_numbering_plan(n)) {
            return Ok(Self::from_number(number));
        }
        // 4. Fallbacks: the first that is a valid number, else the first that fits its plan.
        let others: Vec<PhoneNumber> = fallbacks(&digits, explicit_plus)
            .iter()
            .filter_map(|candidate| {
                let reading_region = if candidate.starts_with('+') {
                    None
                } else {
                    Some(region.0)
                };
                phonenumber::parse(reading_region, candidate).ok()
            })
            .collect();
        let fallback = others
            .iter()
            .find(|n| is_valid(n))
            .or_else(|| others.iter().find(|n| fits_numbering_plan(n)));
        if let Some(number) = fallback {
            return Ok(Self::from_number(number));
        }
        Err(PhoneError::Invalid {
            input: raw.trim().to_owned(),
            region,
        })
    }

    /// Builds from a string that is already E.164 (`+` and 7 to 15 digits). Used for values this
    /// program wrote itself (the database, the sandbox's fixtures).
    pub fn from_e164(value: &str) -> Result<Self, PhoneError> {
        let digits = value.strip_prefix('+').unwrap_or("");
        if E164_DIGITS.contains(&digits.len()) && digits.bytes().all(|b| b.is_ascii_digit()) {
            let number =
                phonenumber::parse(None, value).map_err(|e| not_a_number(value, &e.to_string()))?;
            return Ok(Self::from_number(&number));
        }
        Err(not_a_number(
            value,
            "it is not in E.164 form (+ and 7 to 15 digits)",
        ))
    }

    fn from_number(number: &PhoneNumber) -> Self {
        E164(number.format().mode(Mode::E164).to_string())
    }

    // An `E164` is only built from a parsed number written in E.164 (`from_number`), which
    // reads back: a failure here would be a bug in this module, not bad input.
    #[allow(clippy::expect_used)]
    fn number(&self) -> PhoneNumber {
        phonenumber::parse(None, &self.0).expect("an E164 value always parses")
    }

    /// The number as `+33762043575`.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The country of the number, when the metadata knows it (`+1` numbers resolve to US, CA…).
    pub fn region(&self) -> Option<Region> {
        self.number().country().id().map(Region)
    }

    /// The country calling code, e.g. 33.
    pub fn country_code(&self) -> u16 {
        self.number().code().value()
    }

    /// The ways a person or another tool is likely to have typed this number into a contact's
    /// phone field, the E.164 form first. Intercom's `phone` filter is an exact string match, so a
    /// live search asks for all of these at once (never more than [`MAX_VARIANTS`]).
    ///
    /// Formatting runs the numbering plan's regular expressions, the largest CPU cost of a card
    /// the index answers: each number's variants are made once and then read ([`memo`]).
    pub fn variants(&self) -> Vec<String> {
        static VARIANTS: Table<E164, Arc<[String]>> = OnceLock::new();
        memo(&VARIANTS, self, |n| n.make_variants().into()).to_vec()
    }

    fn make_variants(&self) -> Vec<String> {
        let number = self.number();
        let e164 = self.0.clone();
        let bare = e164.trim_start_matches('+').to_owned();
        let code = number.code().value().to_string();
        let nsn = number.national().to_string();
        let national = number.format().mode(Mode::National).to_string();
        let international = number.format().mode(Mode::International).to_string();
        let national_digits: String = national.chars().filter(char::is_ascii_digit).collect();

        let mut out = vec![
            e164,
            international.clone(),
            bare,
            format!("00{code}{nsn}"),
            national.clone(),
            national_digits.clone(),
            nsn.clone(),
            national.replace(' ', "."),
            national.replace(' ', "-"),
            international.replace(' ', ""),
            format!(
                "+{code} ({}) {}",
                &nsn[..nsn.len().min(3)],
                &nsn[nsn.len().min(3)..]
            ),
        ];
        if national_digits.len() == 10 && national_digits.starts_with('0') {
            // French-style pairs: 07 62 04 35 75.
            let pairs: Vec<&str> = national_digits
                .as_bytes()
                .chunks(2)
                .map(|c| std::str::from_utf8(c).unwrap_or_default())
                .collect();
            out.push(pairs.join(" "));
        }
        let mut seen = std::collections::HashSet::new();
        out.retain(|v| !v.is_empty() && seen.insert(v.clone()));
        out.truncate(MAX_VARIANTS);
        out
    }
}

/// Intercom accepts at most 15 values in one `IN` filter; the variants of a number stay below it.
pub const MAX_VARIANTS: usize = 15;

impl fmt::Display for E164 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for E164 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "E164({})", self.0)
    }
}

impl Serialize for E164 {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for E164 {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let raw = String::deserialize(d)?;
        E164::from_e164(&raw).map_err(serde::de::Error::custom)
    }
}

/// What a caller ID is: a number, or a withheld / anonymous caller.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum CallerId {
    /// A known number.
    Number(E164),
    /// No number was presented (`anonymous`, `withheld`, empty …).
    Anonymous,
}

impl CallerId {
    /// Parses a caller ID as Aircall presents it (`raw_digits`), reading national forms in
    /// `region`. Withheld numbers are [`CallerId::Anonymous`], not an error.
    ///
    /// A call's number is read by its card, its logging and the agents' API alike: each raw
    /// string is parsed once per region and then read ([`memo`]).
    pub fn parse(raw: &str, region: Region) -> Result<Self, PhoneError> {
        static PARSED: Table<(String, Region), Result<CallerId, PhoneError>> = OnceLock::new();
        memo(&PARSED, &(raw.to_owned(), region), |(raw, region)| {
            if is_anonymous(raw) {
                return Ok(CallerId::Anonymous);
            }
            E164::parse(raw, *region).map(CallerId::Number)
        })
    }

    /// The number, unless the caller is anonymous.
    pub fn number(&self) -> Option<&E164> {
        match self {
            CallerId::Number(n) => Some(n),
            CallerId::Anonymous => None,
        }
    }
}

/// A table of answers computed once, shared by every thread.
type Table<K, V> = OnceLock<Mutex<HashMap<K, V>>>;

/// How many answers a [`memo`] table keeps. Full, it starts afresh: the numbers that matter (the
/// calls of the last minutes) come back at once, and memory stays bounded whatever the traffic.
const MEMO_ENTRIES: usize = 8_192;

/// The answer for `key`: from the table, else computed (outside the lock) and kept.
fn memo<K, V>(table: &'static Table<K, V>, key: &K, compute: impl FnOnce(&K) -> V) -> V
where
    K: std::hash::Hash + Eq + Clone,
    V: Clone,
{
    let map = table.get_or_init(Default::default);
    let lock = || {
        map.lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    };
    if let Some(known) = lock().get(key) {
        return known.clone();
    }
    let value = compute(key);
    let mut kept = lock();
    if kept.len() >= MEMO_ENTRIES {
        kept.clear();
    }
    kept.insert(key.clone(), value.clone());
    value
}

/// Whether a caller ID stands for "no number" (anonymous, withheld, private, unknown, empty).
pub fn is_anonymous(raw: &str) -> bool {
    let word: String = raw
        .trim()
        .trim_start_matches('+')
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '_' && *c != '-')
        .collect::<String>()
        .to_lowercase();
    matches!(
        word.as_str(),
        "" | "anonymous"
            | "anonymouscaller"
            | "unknown"
            | "unknowncaller"
            | "withheld"
            | "numberwithheld"
            | "private"
            | "privatenumber"
            | "restricted"
            | "unavailable"
            | "blocked"
            | "hidden"
            | "null"
    )
}

/// Keeps the characters that can be part of a written number; the `+` only at the start.
fn clean(raw: &str) -> String {
    let trimmed = raw.trim();
    let mut out = String::with_capacity(trimmed.len());
    for c in trimmed.chars() {
        match c {
            '+' if out.is_empty() => out.push('+'),
            '0'..='9' => out.push(c),
            ' ' | '-' | '.' | '(' | ')' | '/' | '\u{a0}' => out.push(' '),
            c if c.is_alphabetic() => out.push(c),
            _ => {}
        }
    }
    out.trim().to_owned()
}

/// Other readings of the digits, tried in order when the plain reading is not valid.
fn fallbacks(digits: &str, explicit_plus: bool) -> Vec<String> {
    let mut out = Vec::new();
    if !explicit_plus {
        // Country code written without `+`: 33762043575, 4917667402970.
        out.push(format!("+{digits}"));
    }
    if let Some(rest) = digits.strip_prefix("00") {
        // `00` international prefix (when the region's IDD is something else), then a doubled
        // trunk prefix typed by mistake: 00762043575 is 0762043575.
        out.push(format!("+{rest}"));
        out.push(format!("0{rest}"));
    }
    if !digits.starts_with('0') && !explicit_plus {
        // A national number whose trunk `0` was left out, or bracketed oddly: (2087) 653 456.
        out.push(format!("0{digits}"));
    }
    out
}

/// How many digits an E.164 number has, country code included: the standard's 15 at most, and
/// at least the 7 of the shortest numbering plans.
pub const E164_DIGITS: std::ops::RangeInclusive<usize> = 7..=15;

/// Whether a number is valid for the phone metadata and can be written in E.164.
fn is_valid(number: &PhoneNumber) -> bool {
    phonenumber::is_valid(number) && writable(number)
}

/// Whether a number's E.164 form has an E.164 length and reads back as itself (a national
/// number with leading zeros, `+81 00500000`, would not).
fn writable(number: &PhoneNumber) -> bool {
    let e164 = number.format().mode(Mode::E164).to_string();
    E164_DIGITS.contains(&e164.len().saturating_sub(1))
        && phonenumber::parse(None, &e164)
            .is_ok_and(|again| again.format().mode(Mode::E164).to_string() == e164)
}

/// Whether a number has a known country code and a national number of the shape and length
/// that country's numbers have (the general pattern of its numbering plan, which the metadata
/// gives with the lengths built in), whether or not its range is assigned yet.
fn fits_numbering_plan(number: &PhoneNumber) -> bool {
    let national = number.national().to_string();
    writable(number)
        && general_patterns(number.code().value())
            .iter()
            .any(|pattern| pattern.is_match(&national))
}

/// The general patterns of the numbering plans behind a country code (several regions may
/// share one: `+1`, `+44`, `+61`), anchored at both ends, compiled once per code.
fn general_patterns(code: u16) -> Arc<Vec<Regex>> {
    static COMPILED: OnceLock<Mutex<HashMap<u16, Arc<Vec<Regex>>>>> = OnceLock::new();
    let mut compiled = COMPILED
        .get_or_init(Default::default)
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    compiled
        .entry(code)
        .or_insert_with(|| {
            let plans = phonenumber::metadata::DATABASE
                .by_code(&code)
                .unwrap_or_default();
            Arc::new(
                plans
                    .iter()
                    .filter_map(|plan| {
                        let source = plan.descriptors().general().national_number().as_str();
                        RegexBuilder::new(&format!("^(?:{source})$"))
                            .ignore_whitespace(true)
                            .build()
                            .ok()
                    })
                    .collect(),
            )
        })
        .clone()
}

/// Whether `digits` start with the country code of `region` and not with the trunk prefix its
/// national numbers are written with (regions without a trunk prefix: never).
fn starts_with_own_code(digits: &str, region: Region) -> bool {
    let Some(plan) = phonenumber::metadata::DATABASE.by_id(region.code()) else {
        return false;
    };
    match plan.national_prefix() {
        Some(trunk) if !trunk.is_empty() => {
            !digits.starts_with(trunk) && digits.starts_with(&plan.country_code().to_string())
        }
        _ => false,
    }
}

fn not_a_number(input: &str, reason: &str) -> PhoneError {
    PhoneError::NotANumber {
        input: input.trim().to_owned(),
        reason: reason.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_memo_computes_once_and_stays_bounded() {
        static TABLE: Table<u32, u32> = OnceLock::new();
        let mut computed = 0;
        for _ in 0..3 {
            assert_eq!(
                memo(&TABLE, &7, |k| {
                    computed += 1;
                    k * 2
                }),
                14
            );
        }
        assert_eq!(computed, 1);
        for k in 0..(MEMO_ENTRIES as u32 * 2) {
            memo(&TABLE, &k, |k| *k);
        }
        let held = TABLE.get().map(|t| t.lock().map(|t| t.len()).unwrap_or(0));
        assert!(held.is_some_and(|n| n <= MEMO_ENTRIES));
    }

    #[test]
    fn a_number_read_twice_reads_the_same() {
        let fr = Region::parse("FR").unwrap();
        let first = CallerId::parse("07 62 04 35 75", fr).unwrap();
        assert_eq!(CallerId::parse("07 62 04 35 75", fr).unwrap(), first);
        let n = first.number().unwrap();
        assert_eq!(n.variants(), n.variants());
        assert_eq!(n.variants()[0], "+33762043575");
        assert!(CallerId::parse("not a number", fr).is_err());
        assert!(CallerId::parse("not a number", fr).is_err());
    }

    fn fr() -> Region {
        Region::parse("FR").unwrap()
    }

    #[test]
    fn digits_that_start_with_a_country_code_are_that_country_or_nothing() {
        let de = Region::parse("DE").unwrap();
        let read = |raw: &str| E164::parse(raw, de).map(|n| n.as_str().to_owned());
        assert_eq!(read("49 1500000000").unwrap(), "+491500000000");
        assert_eq!(read("0049 1500000000").unwrap(), "+491500000000");
        // `+49 4980000000` is not a number: neither are its other forms, even though the same
        // digits would make a national number lacking its trunk prefix.
        assert!(read("+494980000000").is_err());
        assert!(read("494980000000").is_err());
        assert!(read("00494980000000").is_err());
    }

    #[test]
    fn anonymous_forms_are_recognised() {
        for raw in [
            "anonymous",
            "Anonymous",
            "+anonymous",
            "",
            "  ",
            "unknown",
            "Withheld",
            "PRIVATE",
        ] {
            assert_eq!(
                CallerId::parse(raw, fr()).unwrap(),
                CallerId::Anonymous,
                "{raw:?}"
            );
        }
    }

    #[test]
    fn garbage_is_a_clear_error() {
        for raw in [
            "hello",
            "12",
            "call me",
            "+",
            "++--..",
            "1234567890123456789012",
        ] {
            let err = E164::parse(raw, fr()).unwrap_err();
            let text = err.to_string();
            assert!(
                text.contains("not a") || text.contains("not a valid"),
                "{raw:?}: {text}"
            );
        }
    }

    #[test]
    fn unknown_region_is_refused() {
        assert!(matches!(
            Region::parse("XX"),
            Err(PhoneError::UnknownRegion(_))
        ));
        assert!(matches!(
            Region::parse("FRA"),
            Err(PhoneError::UnknownRegion(_))
        ));
        assert_eq!(Region::parse("gb").unwrap().code(), "GB");
    }

    #[test]
    fn variants_start_with_e164_and_stay_within_intercom_limit() {
        let n = E164::parse("+33762043575", fr()).unwrap();
        let v = n.variants();
        assert_eq!(v[0], "+33762043575");
        assert!(v.len() <= MAX_VARIANTS);
        for expected in [
            "0762043575",
            "07 62 04 35 75",
            "+33 7 62 04 35 75",
            "33762043575",
        ] {
            assert!(
                v.iter().any(|x| x == expected),
                "{expected} missing from {v:?}"
            );
        }
    }

    #[test]
    fn e164_round_trips_through_serde() {
        let n = E164::parse("0762043575", fr()).unwrap();
        let json = serde_json::to_string(&n).unwrap();
        assert_eq!(json, "\"+33762043575\"");
        assert_eq!(serde_json::from_str::<E164>(&json).unwrap(), n);
        assert!(serde_json::from_str::<E164>("\"0762043575\"").is_err());
    }
}
