//! [`Scenario::mixed`]: many overlapping calls and messages for load and crash tests, the same
//! for the same seed.

use super::library::{self, demo, Script};
use super::{Change, Scenario};

/// A small linear congruential generator (Knuth's MMIX constants): deterministic, no crate.
#[derive(Debug, Clone)]
pub struct Lcg(u64);

impl Lcg {
    /// A generator for this seed.
    pub fn new(seed: u64) -> Self {
        Lcg(seed ^ 0x5DEE_CE66_D1CE_4E5B)
    }

    /// The next value.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        self.0 >> 11
    }

    /// A value in `0..n` (`n` > 0).
    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n.max(1) as u64) as usize
    }

    /// One of the items.
    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }

    /// Shuffles in place (Fisher–Yates).
    pub fn shuffle<T>(&mut self, items: &mut [T]) {
        for i in (1..items.len()).rev() {
            items.swap(i, self.below(i + 1));
        }
    }
}

/// Callers Intercom knows (Jane, John, Sophie, Mia, Oliver, Lukas, Hugo, Léa), as Aircall
/// shows them.
const KNOWN: [&str; 8] = [
    demo::JANE,
    demo::JOHN,
    demo::SOPHIE,
    "+61 2 8103 2081",
    "+44 20 8765 3456",
    "+49 176 67402970",
    "+33 6 11 22 33 44",
    "+33 6 45 67 89 01",
];

/// Numbers nobody has: few enough that some call twice (the second call finds the contact the
/// first one created).
const UNKNOWN: [&str; 4] = [
    "+33 6 50 50 50 50",
    "+33 6 50 50 50 51",
    "+1 415-555-0142",
    "+49 30 1234 5678",
];

const LINES: [u64; 4] = [
    demo::SUPPORT_FR,
    demo::SALES_US,
    demo::SUPPORT_GB,
    demo::VERTRIEB_DE,
];

const AGENTS: [u64; 4] = [demo::BOB, demo::ALICE, demo::CHLOE, demo::EVE];

const COMMENTS: [&str; 5] = [
    "Asked for a quote.",
    "Wants a refund for order 1042.",
    "Call back on Monday.",
    "Angry about the delivery delay.",
    "Interested in the yearly plan.",
];

const TEXTS: [&str; 4] = [
    "Hello, is my order on its way?",
    "Can you call me back after 5 pm?",
    "Thanks for your help!",
    "Your invoice is attached.",
];

const TAGS: [u64; 3] = [demo::INTERESTED, demo::CALLBACK, demo::VIP];

impl Scenario {
    /// `n` calls and messages starting 20 s apart, of every kind (answered, missed, voicemail,
    /// outbound, transferred, reassigned, tagged and commented, anonymous, shared number, SMS,
    /// WhatsApp), from known and unknown numbers on the demo company's lines, their webhooks
    /// interleaved by time. Some tags come three hours after their call, outside the default
    /// window. The same `seed` gives the same scenario.
    pub fn mixed(n: usize, seed: u64) -> Scenario {
        let mut rng = Lcg::new(seed);
        let mut steps = Vec::new();
        for i in 0..n {
            let at = i as i64 * 20;
            let subject = format!("s{i}");
            let line = *rng.pick(&LINES);
            let agent = *rng.pick(&AGENTS);
            let other = AGENTS[(AGENTS.iter().position(|a| *a == agent).unwrap_or(0) + 1) % 4];
            let from = if rng.below(3) == 0 {
                *rng.pick(&UNKNOWN)
            } else {
                *rng.pick(&KNOWN)
            };
            let script = match rng.below(20) {
                0..=4 => library::answered(&subject, at, from, line, agent),
                5..=6 => library::missed(&subject, at, from, line),
                7 => library::voicemail(&subject, at, from, line),
                8..=9 => library::outbound(&subject, at, from, line, agent),
                10 => library::transfer(
                    &subject,
                    at,
                    (from, line),
                    (agent, other),
                    rng.below(2) == 0,
                ),
                11 => library::answered(&subject, at, from, line, agent).then(
                    300,
                    "call.assigned",
                    Change::Assign { to: other },
                ),
                12..=14 => annotated(&mut rng, &subject, at, (from, line), agent),
                15 => library::answered(&subject, at, "anonymous", line, agent),
                16 => library::answered(&subject, at, demo::SHARED, line, agent),
                17 => library::message(
                    &subject,
                    at,
                    ("inbound", from, line),
                    None,
                    rng.pick::<&str>(&TEXTS),
                    None,
                ),
                18 => library::message(
                    &subject,
                    at,
                    ("inbound", from, line),
                    None,
                    rng.pick::<&str>(&TEXTS),
                    Some("whatsapp"),
                ),
                _ => {
                    let status = if rng.below(4) == 0 {
                        "failed"
                    } else {
                        "delivered"
                    };
                    let channel = if rng.below(2) == 0 {
                        Some("whatsapp")
                    } else {
                        None
                    };
                    library::message(
                        &subject,
                        at,
                        ("outbound", from, line),
                        Some(agent),
                        rng.pick::<&str>(&TEXTS),
                        channel,
                    )
                    .then(
                        3,
                        "message.status_updated",
                        Change::MessageStatus {
                            status: status.to_owned(),
                        },
                    )
                }
            };
            steps.extend(script.steps());
        }
        Scenario::new(format!("{n} mixed calls and messages, seed {seed}"), steps)
    }
}

/// An answered call with one to three distinct comments and a tag or two after its end, one
/// of them possibly three hours later.
fn annotated(
    rng: &mut Lcg,
    subject: &str,
    at: i64,
    (from, line): (&str, u64),
    agent: u64,
) -> Script {
    let mut script = library::answered(subject, at, from, line, agent);
    let mut comments = COMMENTS.to_vec();
    rng.shuffle(&mut comments);
    for content in comments.iter().take(1 + rng.below(3)) {
        let change = Change::Comment {
            content: (*content).to_owned(),
            by: Some(agent),
        };
        script = script.then(40 + rng.below(200) as i64, "call.commented", change);
    }
    let tag = *rng.pick(&TAGS);
    script = script.then(60, "call.tagged", Change::Tag { tag });
    match rng.below(3) {
        0 => script.then(120, "call.untagged", Change::Untag { tag }),
        1 => {
            let late = TAGS[(TAGS.iter().position(|t| *t == tag).unwrap_or(0) + 1) % 3];
            script.then(3 * 3600, "call.tagged", Change::Tag { tag: late })
        }
        _ => script,
    }
}
