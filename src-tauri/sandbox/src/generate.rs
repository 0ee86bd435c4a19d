//! Many Intercom contacts at once, for tests and benchmarks of contact sync.
//!
//! [`contacts`] makes `count` deterministic contacts (the same `seed` gives the same contacts)
//! whose phones are written the ways people write them: E.164, spaced, dotted, national French
//! forms (the demo workspace reads national numbers in France), `00` and bare country codes, and
//! foreign numbers in international form. About one in fifty phones is not a number at all and
//! about one in ten contacts has no phone. Every phone number is distinct, and each generated
//! contact carries the E.164 number its phone stands for, so a test knows the right answer
//! without parsing.

use crate::intercom::{NewContact, Role};

/// A generated contact and the number its phone stands for.
#[derive(Debug, Clone, PartialEq)]
pub struct GeneratedContact {
    /// What to add to the fake Intercom.
    pub contact: NewContact,
    /// The phone in E.164, or `None` when the contact has no phone or its phone is not a number.
    pub e164: Option<String>,
    /// The first and last name the name was made of (`None` when the contact has no name).
    pub name_parts: Option<(String, Option<String>)>,
}

const FIRST: [&str; 16] = [
    "Jane",
    "John",
    "Léa",
    "Hugo",
    "Mia",
    "Oliver",
    "Lukas",
    "Sophie",
    "Amélie",
    "Noah",
    "Chloé",
    "Liam",
    "Zoë",
    "Mateo",
    "Inès",
    "Jean-Pierre",
];
const LAST: [&str; 16] = [
    "Roe",
    "Carter",
    "Moreau",
    "Petit",
    "Wilson",
    "Brown",
    "Weber",
    "Martin",
    "Dubois",
    "Müller",
    "Garcia",
    "Smith",
    "de la Fontaine",
    "van Dijk",
    "O'Neil",
    "Nguyen",
];
const GARBAGE: [&str; 5] = ["call me", "12", "ext. 42", "+33 1", "n/a"];

/// `count` contacts, the same ones for the same `seed`.
pub fn contacts(count: usize, seed: u64) -> Vec<GeneratedContact> {
    (0..count).map(|i| one(i as u64, seed)).collect()
}

fn one(i: u64, seed: u64) -> GeneratedContact {
    let mut rng = Mix(seed ^ i.wrapping_mul(0x9E37_79B9_7F4A_7C15));
    let role = if rng.below(10) < 6 {
        Role::User
    } else {
        Role::Lead
    };
    let first = FIRST[rng.below(FIRST.len() as u64) as usize];
    let last = LAST[rng.below(LAST.len() as u64) as usize];
    let (name, name_parts) = match rng.below(20) {
        0 => (None, None),
        1 => (Some(first.to_owned()), Some((first.to_owned(), None))),
        2 => (
            Some(format!("  {first}   {last} ")),
            Some((first.to_owned(), Some(last.to_owned()))),
        ),
        _ => (
            Some(format!("{first} {last}")),
            Some((first.to_owned(), Some(last.to_owned()))),
        ),
    };
    let email = match (role, rng.below(4)) {
        (Role::User, _) | (Role::Lead, 0 | 1) => Some(format!("contact{i}@example.com")),
        _ => None,
    };
    let (phone, e164) = match rng.below(50) {
        0..=4 => (None, None),
        5 => (
            Some(GARBAGE[rng.below(GARBAGE.len() as u64) as usize].to_owned()),
            None,
        ),
        _ => {
            let (raw, e164) = number(i, &mut rng);
            (Some(raw), Some(e164))
        }
    };
    GeneratedContact {
        contact: NewContact {
            role: Some(role),
            name,
            email,
            phone,
            external_id: (role == Role::User).then(|| format!("ext-{i}")),
        },
        e164,
        name_parts,
    }
}

/// A distinct number for `i`, written in one of the usual ways.
fn number(i: u64, rng: &mut Mix) -> (String, String) {
    // Eight digits that differ for every `i` below 10^8.
    let n = format!("{:08}", i % 100_000_000);
    let (a, b, c, d) = (&n[0..2], &n[2..4], &n[4..6], &n[6..8]);
    match rng.below(10) {
        // A French mobile, in any of the forms of the seed's table.
        0..=5 => {
            let e164 = format!("+336{n}");
            let raw = match rng.below(8) {
                0 => e164.clone(),
                1 => format!("+33 6 {a} {b} {c} {d}"),
                2 => format!("06 {a} {b} {c} {d}"),
                3 => format!("06.{a}.{b}.{c}.{d}"),
                4 => format!("06{n}"),
                5 => format!("336{n}"),
                6 => format!("00336{n}"),
                _ => format!("06-{a}-{b}-{c}-{d}"),
            };
            (raw, e164)
        }
        // A Californian number.
        6 | 7 => {
            let exchange = 249 + (i / 10_000) % 50;
            let line = format!("{:04}", i % 10_000);
            let e164 = format!("+1442{exchange}{line}");
            let raw = match rng.below(3) {
                0 => format!("+1 (442) {exchange}-{line}"),
                1 => e164.clone(),
                _ => format!("+1 442 {exchange} {line}"),
            };
            (raw, e164)
        }
        // A London number.
        8 => {
            let line = format!("{:07}", i % 10_000_000);
            let e164 = format!("+44208{line}");
            let raw = match rng.below(3) {
                0 => format!("+44 20 8{} {}", &line[0..3], &line[3..7]),
                1 => e164.clone(),
                _ => format!("0044 20 8{} {}", &line[0..3], &line[3..7]),
            };
            (raw, e164)
        }
        // A German mobile.
        _ => {
            let e164 = format!("+49176{n}");
            let raw = if rng.below(2) == 0 {
                format!("+49 176 {n}")
            } else {
                format!("0049176{n}")
            };
            (raw, e164)
        }
    }
}

/// SplitMix64: small, fast and good enough to vary test data.
struct Mix(u64);

impl Mix {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use ringside_core::phone::{Region, E164};

    use super::*;

    #[test]
    fn every_phone_means_what_the_generator_says() {
        let fr = Region::parse("FR").unwrap();
        let generated = contacts(600, 7);
        let mut numbers = HashSet::new();
        let (mut unparseable, mut without) = (0, 0);
        for g in &generated {
            match (&g.contact.phone, &g.e164) {
                (Some(raw), Some(e164)) => {
                    let parsed = E164::parse(raw, fr).unwrap_or_else(|e| panic!("{raw}: {e}"));
                    assert_eq!(parsed.as_str(), e164, "{raw}");
                    assert!(numbers.insert(e164.clone()), "{e164} twice");
                }
                (Some(raw), None) => {
                    assert!(E164::parse(raw, fr).is_err(), "{raw} parses");
                    unparseable += 1;
                }
                (None, _) => without += 1,
            }
        }
        assert!(unparseable > 0 && without > 0, "{unparseable} {without}");
        assert_eq!(contacts(600, 7), generated, "not deterministic");
        assert_ne!(contacts(600, 8), generated);
    }
}
