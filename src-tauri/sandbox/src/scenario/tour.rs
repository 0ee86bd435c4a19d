//! The demo's tours on the demo company: [`Scenario::demo_tour`] (calls played together) and
//! the desktop app's [`Scenario::desktop_tour_round`] (one call after the other, with Aircall's
//! wrap-up for the demo's agent and a missed call that she returns).

use super::library::demo;
use super::{Scenario, WrapUp};

/// How long Aircall's wrap-up lasts after each of the desktop tour's calls (scenario seconds;
/// the demo plays each pause at most `--demo-step-ms` long).
const TOUR_WRAP_UP_SECS: i64 = 20;

impl Scenario {
    /// The demo mode's tour, on the demo company: a known lead's answered call, a missed call
    /// from an unknown number, an anonymous caller, an SMS, a transfer, and a call tagged and
    /// commented, one minute apart.
    pub fn demo_tour() -> Scenario {
        use demo::*;
        Scenario::together(
            "demo tour",
            vec![
                Scenario::inbound_answered(JANE, SUPPORT_FR, BOB),
                Scenario::missed(UNKNOWN, SUPPORT_FR),
                Scenario::anonymous(SUPPORT_FR, ALICE),
                Scenario::sms_inbound(SOPHIE, SALES_US, "Can you call me back after 5 pm?"),
                Scenario::transfer(JOHN, SALES_US, ALICE, BOB, true),
                Scenario::tags_and_comments(JANE, SUPPORT_FR, BOB),
            ],
            60,
        )
    }

    /// The desktop app's demo tour, on the demo company, one call after the other (5 s apart)
    /// so that each card has the window to itself: a known lead (Jane Roe, whose open
    /// conversation's owner Bob is in a call), the lead with the hostile name, a missed call
    /// from an unknown number, an unknown caller answered, an anonymous caller, Alice calling the
    /// missed number back, the number two contacts share (the picker), an inbound SMS, a call
    /// transferred from Alice to Bob, a call from Sophie Martin that Alice tags and comments in
    /// Aircall after it ended (the tags and comments reach Intercom's conversation), and Jane
    /// again, whose call Aircall's AI describes. Alice (the demo's agent) answers every call, and
    /// Aircall's wrap-up follows each call she is on at its end: `user.wut_start` before
    /// `call.ended` for most, after it for the hostile lead and the AI's call, none for the
    /// anonymous caller (the hub's own wrap-up time applies).
    pub fn desktop_tour() -> Scenario {
        Scenario::desktop_tour_round(0)
    }

    /// The desktop tour played for the `round`-th time (from 0): the same callers, but the two
    /// unknown numbers are new each round, since a number logged once is a contact from then
    /// on. Round 0 uses [`demo::UNKNOWN`] and [`demo::NEW_CALLER`].
    pub fn desktop_tour_round(round: u64) -> Scenario {
        use demo::*;
        let fresh = |prefix: &str, constant: &str| {
            if round == 0 {
                return constant.to_owned();
            }
            let part = |n: u64| format!("{:02}", n % 100);
            // No number of the demo fixture starts with +33 6 51 or +33 6 52.
            format!(
                "+33 6 {prefix} {} {} {}",
                part(round / 10_000),
                part(round / 100),
                part(round)
            )
        };
        let (unknown, new_caller) = (fresh("51", UNKNOWN), fresh("52", NEW_CALLER));
        let alice =
            |scenario: Scenario, wrap_up| scenario.with_wrap_up(ALICE, wrap_up, TOUR_WRAP_UP_SECS);
        Scenario::one_after_another(
            "desktop tour",
            vec![
                alice(
                    Scenario::inbound_answered(JANE, SUPPORT_FR, ALICE),
                    WrapUp::BeforeEnded,
                ),
                alice(
                    Scenario::inbound_answered(HOSTILE, SUPPORT_FR, ALICE),
                    WrapUp::AfterEnded,
                ),
                Scenario::missed(&unknown, SUPPORT_FR),
                alice(
                    Scenario::unknown_caller(&new_caller, SUPPORT_FR, ALICE),
                    WrapUp::BeforeEnded,
                ),
                Scenario::anonymous(SUPPORT_FR, ALICE),
                // Alice returns the missed call: the call back closes its item on the list.
                alice(
                    Scenario::outbound(&unknown, SUPPORT_FR, ALICE),
                    WrapUp::BeforeEnded,
                ),
                alice(
                    Scenario::shared_number(SHARED, SUPPORT_FR, ALICE),
                    WrapUp::BeforeEnded,
                ),
                Scenario::sms_inbound(SOPHIE, SALES_US, "Can you call me back after 5 pm?"),
                // Bob is on the call at its end: the wrap-up is his, not Alice's.
                Scenario::transfer(JOHN, SALES_US, ALICE, BOB, true),
                alice(
                    Scenario::tags_and_comments(SOPHIE, SALES_US, ALICE),
                    WrapUp::BeforeEnded,
                ),
                // Jane again: Aircall's AI summarises the call after it ends, and the summary,
                // action items, topics and sentiment land in its Intercom conversation.
                alice(
                    Scenario::ai_insights(JANE, SUPPORT_FR, ALICE, false),
                    WrapUp::AfterEnded,
                ),
            ],
            5,
        )
    }
}
