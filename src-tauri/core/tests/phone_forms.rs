//! One number, one answer: a number of one of the seed's seven countries, written in any of the
//! seed's forms (`+CC…`, `CC…` without `+`, `00CC…`, national with its trunk prefix, with spaces,
//! dots or dashes), reads as the same E.164 number in every form, or is refused in every form.
//!
//! The numbers are generated: the seed table's own numbers with their last digits changed (so
//! mostly in assigned ranges), and digits of the lengths and leading digits each country's
//! numbers have (so often in ranges the metadata does not list). Cases proptest finds are kept
//! in `phone_forms.proptest-regressions` next to this file and replayed first.

// Test code may panic: `unwrap` and `expect` are how it fails.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use proptest::prelude::*;
use proptest::test_runner::FileFailurePersistence;
use ringside_core::phone::{Region, E164};

/// A country of the seed's table: its region, its country calling code, the prefix its
/// national form starts with, and generators of its national significant numbers.
struct Country {
    region: &'static str,
    code: &'static str,
    trunk: &'static str,
    /// The seed table's number (national significant number).
    seed: &'static str,
    /// Regular expressions for national significant numbers of the country's lengths and
    /// leading digits, in assigned ranges or not.
    shapes: &'static [&'static str],
}

const COUNTRIES: &[Country] = &[
    Country {
        region: "FR",
        code: "33",
        trunk: "0",
        seed: "762043575",
        shapes: &["[1-9][0-9]{8}", "6[0-9]{8}", "7[0-9]{8}"],
    },
    Country {
        region: "US",
        code: "1",
        trunk: "",
        seed: "4422497851",
        shapes: &["[2-9][0-9]{2}[2-9][0-9]{6}", "[2-9][0-9]{9}"],
    },
    Country {
        region: "GB",
        code: "44",
        trunk: "0",
        seed: "2087653456",
        shapes: &["20[0-9]{8}", "7[0-9]{9}", "1[0-9]{9}", "[38][0-9]{9}"],
    },
    // Brazilians write national numbers without the trunk prefix, but then the area code 55
    // reads as the country code 55 (`55 91000 0000`): the seed's form is the one with it.
    Country {
        region: "BR",
        code: "55",
        trunk: "0",
        seed: "1146803559",
        shapes: &["[1-9][1-9][2-5][0-9]{7}", "[1-9][1-9]9[0-9]{8}"],
    },
    Country {
        region: "ES",
        code: "34",
        trunk: "",
        seed: "911239613",
        shapes: &["[6-9][0-9]{8}"],
    },
    Country {
        region: "DE",
        code: "49",
        trunk: "0",
        seed: "17667402970",
        shapes: &[
            "1[5-7][0-9]{8,9}",
            "30[0-9]{7,8}",
            "89[0-9]{7,8}",
            "[2-9][0-9]{3}[0-9]{6}",
        ],
    },
    Country {
        region: "AU",
        code: "61",
        trunk: "0",
        seed: "281032081",
        shapes: &["[2378][0-9]{8}", "4[0-9]{8}"],
    },
];

/// A national significant number of `country`: its seed number with up to five of its last
/// digits changed, or one of its shapes.
fn national_number(country: &'static Country) -> BoxedStrategy<String> {
    let seed = country.seed;
    let changed = (1..=5usize, prop::collection::vec(0..10u8, 5)).prop_map(move |(n, digits)| {
        let keep = &seed[..seed.len() - n];
        let tail: String = digits[..n].iter().map(|d| char::from(b'0' + d)).collect();
        format!("{keep}{tail}")
    });
    let shapes: Vec<BoxedStrategy<String>> = country
        .shapes
        .iter()
        .map(|shape| {
            proptest::string::string_regex(shape)
                .expect("a valid shape")
                .boxed()
        })
        .collect();
    prop_oneof![changed.boxed(), prop::strategy::Union::new(shapes)].boxed()
}

/// Separators put into a written number: where (a fraction of its length) and which.
fn separators() -> impl Strategy<Value = Vec<(f64, char)>> {
    prop::collection::vec(
        (0.0..1.0f64, prop::sample::select(vec![' ', '.', '-'])),
        0..5,
    )
}

/// `digits` with `separators` put between its characters, a leading `+` kept in front.
fn written(digits: &str, separators: &[(f64, char)]) -> String {
    let (plus, rest) = match digits.strip_prefix('+') {
        Some(rest) => ("+", rest),
        None => ("", digits),
    };
    let mut cuts: Vec<(usize, char)> = separators
        .iter()
        .map(|(at, c)| ((at * rest.len() as f64) as usize, *c))
        .filter(|(at, _)| *at > 0 && *at < rest.len())
        .collect();
    cuts.sort();
    cuts.dedup_by_key(|(at, _)| *at);
    let mut out = String::from(plus);
    let mut from = 0;
    for (at, c) in cuts {
        out.push_str(&rest[from..at]);
        out.push(c);
        from = at;
    }
    out.push_str(&rest[from..]);
    out
}

/// The seed's forms of one number, each written with the same separators.
fn forms(country: &Country, nsn: &str, separators: &[(f64, char)]) -> Vec<String> {
    let code = country.code;
    [
        format!("+{code}{nsn}"),
        format!("{code}{nsn}"),
        format!("00{code}{nsn}"),
        format!("{}{nsn}", country.trunk),
    ]
    .iter()
    .map(|digits| written(digits, separators))
    .collect()
}

fn answer(raw: &str, region: Region) -> Option<String> {
    E164::parse(raw, region).ok().map(|n| n.as_str().to_owned())
}

fn case() -> impl Strategy<Value = (usize, String, Vec<(f64, char)>)> {
    (0..COUNTRIES.len()).prop_flat_map(|i| (Just(i), national_number(&COUNTRIES[i]), separators()))
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 1_000,
        failure_persistence: Some(Box::new(FileFailurePersistence::WithSource("proptest-regressions"))),
        ..ProptestConfig::default()
    })]

    #[test]
    fn every_form_of_a_number_gives_the_same_answer((i, nsn, seps) in case()) {
        let country = &COUNTRIES[i];
        let region = Region::parse(country.region).unwrap();
        let forms = forms(country, &nsn, &seps);
        let answers: Vec<Option<String>> = forms.iter().map(|f| answer(f, region)).collect();
        let expected = format!("+{}{nsn}", country.code);
        for (form, got) in forms.iter().zip(&answers) {
            prop_assert!(
                got.as_deref().is_none_or(|got| got == expected),
                "{form:?} in {region} read as {got:?}, not {expected}"
            );
        }
        prop_assert!(
            answers.iter().all(|a| a == &answers[0]),
            "the forms of {expected} in {region} disagree: {:?}",
            forms.iter().zip(&answers).collect::<Vec<_>>()
        );
        // Written with `+`, the number reads the same whatever the workspace's region.
        for other in COUNTRIES {
            let elsewhere = Region::parse(other.region).unwrap();
            prop_assert_eq!(
                answer(&forms[0], elsewhere),
                answers[0].clone(),
                "{} in {}", &forms[0], elsewhere
            );
        }
    }
}

#[test]
fn a_french_mobile_in_a_range_the_metadata_lacks_is_read_in_every_form() {
    // The number: 06 39 is a mobile range the phone metadata does not list yet.
    let fr = Region::parse("FR").unwrap();
    for raw in [
        "+33 6 39 20 30 69",
        "33 6 39 20 30 69",
        "0033 6 39 20 30 69",
        "06 39 20 30 69",
        "06.39.20.30.69",
        "06-39-20-30-69",
    ] {
        assert_eq!(
            answer(raw, fr).as_deref(),
            Some("+33639203069"),
            "{raw} in FR"
        );
    }
    // A number of the wrong length is refused in every form.
    for raw in ["+33 6 39 20 30 6", "0033 6 39 20 30 6", "06 39 20 30 6"] {
        assert_eq!(answer(raw, fr), None, "{raw} in FR");
    }
}
