//! The phone parser under hostile input: any string, strings made of what numbers are made of,
//! and real numbers with junk around them, read in any of the seed's regions and a few others.
//! Nothing panics; what is accepted is E.164 (`+` and at most 15 digits), reads back as itself
//! in any region, and has at most 15 search variants, its E.164 form first.
//!
//! 20,000 of the 100,000 fuzz cases with `RINGSIDE_FUZZ=full` (see `webhook_fuzz.rs`). Cases
//! proptest finds are kept in `phone_fuzz.proptest-regressions` next to this file.

use proptest::prelude::*;
use proptest::test_runner::FileFailurePersistence;
use ringside_core::phone::{CallerId, Region, E164, MAX_VARIANTS};

const REGIONS: &[&str] = &["FR", "US", "GB", "BR", "ES", "DE", "AU", "JP", "IT", "CA"];

/// This property's share of the 100,000 fuzz cases with `RINGSIDE_FUZZ=full` (as `cargo xtask
/// test` runs it), a twentieth of it otherwise.
fn cases(share: u32) -> u32 {
    match std::env::var("RINGSIDE_FUZZ").as_deref() {
        Ok("full") => share,
        _ => share / 20,
    }
}

/// What a caller ID or a stored phone may hold, from the plausible to the absurd.
fn raw_phone() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<String>(),
        "[+0-9 ().\\-/]{0,40}",
        "\\+?(00)?[0-9]{1,3}[ .-]?[0-9]{1,14}",
        "[+]?[0-9 ]{0,20}(ext|x|#|;)[0-9]{0,6}",
        "[ \u{a0}\u{2007}\u{ff10}-\u{ff19}\u{660}-\u{669}+0-9]{0,25}",
        (
            "[a-zA-Z<>&\"']{0,8}",
            "\\+?[0-9 ]{6,16}",
            "[a-zA-Z<>&\"']{0,8}"
        )
            .prop_map(|(a, n, b)| format!("{a}{n}{b}")),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: cases(20_000),
        failure_persistence: Some(Box::new(FileFailurePersistence::WithSource("proptest-regressions"))),
        ..ProptestConfig::default()
    })]

    #[test]
    fn any_input_is_a_number_anonymous_or_refused_and_never_panics(
        raw in raw_phone(),
        region in prop::sample::select(REGIONS),
        elsewhere in prop::sample::select(REGIONS),
    ) {
        let region = Region::parse(region).unwrap();
        match CallerId::parse(&raw, region) {
            Err(e) => prop_assert!(!e.to_string().is_empty()),
            Ok(CallerId::Anonymous) => {}
            Ok(CallerId::Number(n)) => {
                let text = n.as_str();
                let digits = text.strip_prefix('+').unwrap_or("");
                prop_assert!(
                    (1..=15).contains(&digits.len()) && digits.bytes().all(|b| b.is_ascii_digit()),
                    "{raw:?} read as {text}"
                );
                prop_assert_eq!(E164::from_e164(text), Ok(n.clone()));
                for again in [region, Region::parse(elsewhere).unwrap()] {
                    prop_assert_eq!(E164::parse(text, again), Ok(n.clone()), "{} in {}", text, again);
                }
                let variants = n.variants();
                prop_assert!(variants.len() <= MAX_VARIANTS);
                prop_assert_eq!(variants.first().map(String::as_str), Some(text));
                let _ = (n.region(), n.country_code());
            }
        }
    }
}
