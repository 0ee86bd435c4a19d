//! The seed's table of supported phone formats, row by row: every format, read with its row's
//! country as the region, gives that row's E.164 number. Also the edge between the fallbacks
//! and valid national numbers, which the fallbacks must never change.

use ringside_core::phone::{CallerId, Region, E164};

/// (region, expected E.164, every format the seed lists for that country).
const SEED_TABLE: &[(&str, &str, &[&str])] = &[
    (
        "FR",
        "+33762043575",
        &[
            "+33762043575",
            "33762043575",
            "0762 04 35 75",
            "+33 7 62 04 35 75",
            "00762043575",
            "0762043575",
            "07.62.04.35.75",
            "07-62-04-35-75",
        ],
    ),
    (
        "US",
        "+14422497851",
        &[
            "+14422497851",
            "14422497851",
            "(442) 249-7851",
            "+1 442 249 7851",
            "442-249-7851",
            "4422497851",
            "+1 (442) 249-7851",
        ],
    ),
    (
        "GB",
        "+442087653456",
        &[
            "+442087653456",
            "442087653456",
            "020 8765 3456",
            "+44 20 8765 3456",
            "02087653456",
            "(2087) 653 456",
        ],
    ),
    (
        "BR",
        "+551146803559",
        &[
            "+551146803559",
            "551146803559",
            "(11) 4680-3559",
            "+55 11 4680 3559",
            "11-4680-3559",
            "11-46803559",
        ],
    ),
    (
        "ES",
        "+34911239613",
        &[
            "+34911239613",
            "34911239613",
            "911 23 96 13",
            "+34 911 23 96 13",
            "911239613",
            "34 911 239 613",
        ],
    ),
    (
        "DE",
        "+4917667402970",
        &[
            "+4917667402970",
            "4917667402970",
            "0176 67402970",
            "+49 176 67402970",
            "017667402970",
            "004917667402970",
        ],
    ),
    (
        "AU",
        "+61281032081",
        &[
            "+61281032081",
            "61281032081",
            "(02) 8103 2081",
            "+61 2 8103 2081",
            "0281032081",
        ],
    ),
];

#[test]
fn every_format_in_the_seed_table_gives_the_rows_number() {
    let mut failures = Vec::new();
    for (region, expected, formats) in SEED_TABLE {
        let region = Region::parse(region).unwrap();
        for raw in *formats {
            match E164::parse(raw, region) {
                Ok(n) if n.as_str() == *expected => {}
                Ok(n) => failures.push(format!("{region} {raw:?} -> {n}, expected {expected}")),
                Err(e) => failures.push(format!("{region} {raw:?} -> error {e}")),
            }
        }
    }
    assert!(
        failures.is_empty(),
        "wrong readings:\n{}",
        failures.join("\n")
    );
}

#[test]
fn international_forms_do_not_depend_on_the_region() {
    // A number written with `+` reads the same whatever the default region is.
    for (_, expected, formats) in SEED_TABLE {
        for raw in formats.iter().filter(|f| f.starts_with('+')) {
            for region in ["FR", "US", "JP"] {
                let n = E164::parse(raw, Region::parse(region).unwrap()).unwrap();
                assert_eq!(n.as_str(), *expected, "{raw} in {region}");
            }
        }
    }
}

#[test]
fn valid_national_numbers_are_never_rewritten_by_the_fallbacks() {
    // Each of these is a valid national number in its region whose digits could also be read
    // as a country code followed by a number; the national reading must win.
    let cases = [
        ("US", "2025550143", "+12025550143"),
        ("US", "4155552671", "+14155552671"),
        ("FR", "0612345678", "+33612345678"),
        ("ES", "612345678", "+34612345678"),
        ("AU", "0412345678", "+61412345678"),
        ("GB", "07400123456", "+447400123456"),
        ("DE", "030123456", "+4930123456"),
        ("BR", "(21) 99876-5432", "+5521998765432"),
    ];
    for (region, raw, expected) in cases {
        let n = E164::parse(raw, Region::parse(region).unwrap()).unwrap();
        assert_eq!(n.as_str(), expected, "{raw} in {region}");
    }
}

#[test]
fn the_fallbacks_reach_numbers_the_library_alone_misreads() {
    let fr = Region::parse("FR").unwrap();
    // `00` then a doubled trunk prefix.
    assert_eq!(
        E164::parse("00762043575", fr).unwrap().as_str(),
        "+33762043575"
    );
    // `00` international prefix to another country, from France.
    assert_eq!(
        E164::parse("004917667402970", fr).unwrap().as_str(),
        "+4917667402970"
    );
    // A country code without `+`, for another country than the region.
    assert_eq!(
        E164::parse("442087653456", fr).unwrap().as_str(),
        "+442087653456"
    );
}

#[test]
fn anonymous_and_garbage_are_told_apart() {
    let us = Region::parse("US").unwrap();
    assert_eq!(
        CallerId::parse("+anonymous", us).unwrap(),
        CallerId::Anonymous
    );
    assert!(CallerId::parse("not a number", us).is_err());
    assert!(CallerId::parse("+1 555", us).is_err());
}
