//! The scripted scenarios: one call or message each, as Aircall would send its webhooks, with
//! the demo company's ids in [`demo`] for the desktop's demo mode.

use super::{Change, Scenario, Step, ENDED_AFTER_HANGUP};

/// Ids of the demo company ([`crate::Seed::demo`]) the default scenarios use.
pub mod demo {
    /// Aircall number "Support FR" (Bob, Alice and Chloé answer on it).
    pub const SUPPORT_FR: u64 = 2201;
    /// Aircall number "Sales US" (Alice only).
    pub const SALES_US: u64 = 2202;
    /// Aircall number "Support GB" (Bob only).
    pub const SUPPORT_GB: u64 = 2203;
    /// Aircall number "Vertrieb DE" (Eve only, who has no Intercom admin).
    pub const VERTRIEB_DE: u64 = 2204;
    /// Aircall user Bob Martin (`Bob@Acme.io`; Intercom admin `bob@acme.io`).
    pub const BOB: u64 = 1101;
    /// Aircall user Alice Durand.
    pub const ALICE: u64 = 1102;
    /// Aircall user Chloé Bernard.
    pub const CHLOE: u64 = 1103;
    /// Aircall user Eve Night, whom no Intercom admin matches.
    pub const EVE: u64 = 1104;
    /// Aircall tag "Interested" (not in Intercom).
    pub const INTERESTED: u64 = 3301;
    /// Aircall tag "Callback" (not in Intercom).
    pub const CALLBACK: u64 = 3302;
    /// Aircall tag "VIP" (also an Intercom tag).
    pub const VIP: u64 = 3303;
    /// Jane Roe, an Intercom lead with an open conversation, as Aircall shows her number.
    pub const JANE: &str = "+33 7 62 04 35 75";
    /// John Carter, an Intercom user.
    pub const JOHN: &str = "+1 442-249-7851";
    /// Sophie Martin, an Intercom user.
    pub const SOPHIE: &str = "+33 6 12 34 56 78";
    /// A number no Intercom contact has.
    pub const UNKNOWN: &str = "+33 6 50 50 50 50";
    /// The number Paul and Claire Lefèvre share.
    pub const SHARED: &str = "+33 1 84 88 00 00";
    /// The lead whose name is markup (`<img src=x onerror=alert(1)>`).
    pub const HOSTILE: &str = "+33 6 98 76 54 32";
    /// Another number no Intercom contact has (the unknown caller who is answered).
    pub const NEW_CALLER: &str = "+33 6 07 08 09 10";
}

/// Builds the steps of one call or message, each after the previous one.
#[derive(Debug)]
pub(super) struct Script {
    subject: String,
    at: i64,
    steps: Vec<Step>,
}

impl Script {
    /// A script whose first step happens `at` seconds into the scenario.
    pub(super) fn new(subject: impl Into<String>, at: i64) -> Self {
        Script {
            subject: subject.into(),
            at,
            steps: Vec::new(),
        }
    }

    /// The next step, `after` seconds after the previous one.
    pub(super) fn then(mut self, after: i64, event: &str, change: Change) -> Self {
        self.at += after;
        self.steps.push(Step {
            subject: self.subject.clone(),
            at: self.at,
            event: event.to_owned(),
            change,
        });
        self
    }

    /// A call that starts ringing (inbound) or is placed (outbound).
    pub(super) fn call(self, direction: &str, digits: &str, line: u64, user: Option<u64>) -> Self {
        let start = Change::StartCall {
            direction: direction.to_owned(),
            raw_digits: digits.to_owned(),
            line,
            user,
        };
        let script = self.then(0, "call.created", start);
        if direction == "inbound" {
            script.then(2, "call.ringing_on_agent", Change::Nothing)
        } else {
            script
        }
    }

    /// Hung up after `after` seconds, then `call.ended` with the final data 30 s later.
    pub(super) fn hang_up(self, after: i64, missed_call_reason: Option<&str>) -> Self {
        let hangup = Change::Hangup {
            missed_call_reason: missed_call_reason.map(str::to_owned),
        };
        self.then(after, "call.hungup", hangup)
            .then(ENDED_AFTER_HANGUP, "call.ended", Change::End)
    }

    /// The steps.
    pub(super) fn steps(self) -> Vec<Step> {
        self.steps
    }
}

/// An inbound call answered by `agent` after 7 s, talked for 3 min 5 s.
pub(super) fn answered(subject: &str, at: i64, from: &str, line: u64, agent: u64) -> Script {
    Script::new(subject, at)
        .call("inbound", from, line, None)
        .then(5, "call.answered", Change::Answer { user: agent })
        .hang_up(185, None)
}

/// An inbound call nobody answered.
pub(super) fn missed(subject: &str, at: i64, from: &str, line: u64) -> Script {
    Script::new(subject, at)
        .call("inbound", from, line, None)
        .hang_up(25, Some("agents_did_not_answer"))
}

/// An inbound call nobody answered, where the caller left a voicemail.
pub(super) fn voicemail(subject: &str, at: i64, from: &str, line: u64) -> Script {
    Script::new(subject, at)
        .call("inbound", from, line, None)
        .then(30, "call.voicemail_left", Change::LeaveVoicemail)
        .hang_up(42, Some("agents_did_not_answer"))
}

/// An outbound call by `agent`, picked up after 9 s.
pub(super) fn outbound(subject: &str, at: i64, to: &str, line: u64, agent: u64) -> Script {
    Script::new(subject, at)
        .call("outbound", to, line, Some(agent))
        .then(9, "call.answered", Change::Answer { user: agent })
        .hang_up(124, None)
}

/// An inbound call answered by `agent`, then transferred to `to`, who picks up or not.
pub(super) fn transfer(
    subject: &str,
    at: i64,
    (from, line): (&str, u64),
    (agent, to): (u64, u64),
    answered: bool,
) -> Script {
    let script = Script::new(subject, at)
        .call("inbound", from, line, None)
        .then(6, "call.answered", Change::Answer { user: agent })
        .then(48, "call.transferred", Change::Transfer { to });
    let script = if answered {
        script
    } else {
        script.then(20, "call.unsuccessful_transfer", Change::Nothing)
    };
    script.hang_up(140, None)
}

/// An outbound or inbound message's first step.
pub(super) fn message(
    subject: &str,
    at: i64,
    (direction, external, line): (&str, &str, u64),
    user: Option<u64>,
    body: &str,
    channel: Option<&str>,
) -> Script {
    let event = if direction == "inbound" {
        "message.received"
    } else {
        "message.sent"
    };
    let start = Change::StartMessage {
        direction: direction.to_owned(),
        external_number: external.to_owned(),
        line,
        user,
        body: body.to_owned(),
        channel: channel.map(str::to_owned),
    };
    Script::new(subject, at).then(0, event, start)
}

impl Scenario {
    /// A scenario from steps in any order: they are sorted by time (steps at the same time
    /// keep their order).
    pub fn new(name: impl Into<String>, mut steps: Vec<Step>) -> Scenario {
        steps.sort_by_key(|s| s.at);
        Scenario {
            name: name.into(),
            steps,
        }
    }

    /// Several scenarios played together, their steps interleaved by time; each starts `gap`
    /// seconds after the previous one. Subjects are renamed `<index>:<subject>`.
    pub fn together(name: impl Into<String>, parts: Vec<Scenario>, gap: i64) -> Scenario {
        let mut steps = Vec::new();
        for (index, part) in parts.into_iter().enumerate() {
            let offset = index as i64 * gap;
            steps.extend(part.steps.into_iter().map(|s| Step {
                subject: format!("{index}:{}", s.subject),
                at: s.at + offset,
                ..s
            }));
        }
        Scenario::new(name, steps)
    }

    /// An inbound call from `from` on `line`, answered by `agent`. Subject `call`.
    pub fn inbound_answered(from: &str, line: u64, agent: u64) -> Scenario {
        let name = format!("inbound call from {from}, answered");
        Scenario::new(name, answered("call", 0, from, line, agent).steps())
    }

    /// An inbound call nobody answered. Subject `call`.
    pub fn missed(from: &str, line: u64) -> Scenario {
        let name = format!("missed call from {from}");
        Scenario::new(name, missed("call", 0, from, line).steps())
    }

    /// A missed call with a voicemail. Subject `call`.
    pub fn voicemail(from: &str, line: u64) -> Scenario {
        let name = format!("voicemail from {from}");
        Scenario::new(name, voicemail("call", 0, from, line).steps())
    }

    /// An outbound call placed by `agent`. Subject `call`.
    pub fn outbound(to: &str, line: u64, agent: u64) -> Scenario {
        let name = format!("outbound call to {to}");
        Scenario::new(name, outbound("call", 0, to, line, agent).steps())
    }

    /// An inbound call answered by `agent` and transferred to `to`, who answers or not (then
    /// `call.unsuccessful_transfer` is sent and the call stays with `agent`). Subject `call`.
    pub fn transfer(from: &str, line: u64, agent: u64, to: u64, answered: bool) -> Scenario {
        let name = format!("call from {from} transferred, answered: {answered}");
        let script = transfer("call", 0, (from, line), (agent, to), answered);
        Scenario::new(name, script.steps())
    }

    /// An answered call reassigned to `to` in Aircall ten minutes after it ended. Subject
    /// `call`.
    pub fn reassigned(from: &str, line: u64, agent: u64, to: u64) -> Scenario {
        let name = format!("call from {from} reassigned");
        let script = answered("call", 0, from, line, agent).then(
            600,
            "call.assigned",
            Change::Assign { to },
        );
        Scenario::new(name, script.steps())
    }

    /// An answered call that gets, after it ended: a comment (1 min), the tag Interested
    /// (2 min), a second comment (5 min; the event carries both), the tag Callback (10 min),
    /// removed again (15 min), and the tag VIP three hours after the end, outside the default
    /// two-hour window. Uses the demo company's tags. Subject `call`.
    pub fn tags_and_comments(from: &str, line: u64, agent: u64) -> Scenario {
        let name = format!("call from {from} tagged and commented");
        let comment = |content: &str| Change::Comment {
            content: content.to_owned(),
            by: Some(agent),
        };
        let script = answered("call", 0, from, line, agent)
            .then(
                30,
                "call.commented",
                comment("Wants a refund for order 1042."),
            )
            .then(
                60,
                "call.tagged",
                Change::Tag {
                    tag: demo::INTERESTED,
                },
            )
            .then(180, "call.commented", comment("Called back: refund sent."))
            .then(
                300,
                "call.tagged",
                Change::Tag {
                    tag: demo::CALLBACK,
                },
            )
            .then(
                300,
                "call.untagged",
                Change::Untag {
                    tag: demo::CALLBACK,
                },
            )
            .then(
                3 * 3600 - 900,
                "call.tagged",
                Change::Tag { tag: demo::VIP },
            );
        Scenario::new(name, script.steps())
    }

    /// An answered call that Aircall's AI then describes, in the order and at the pace insights
    /// come after `call.ended`: the summary (40 s), the topics (45 s), the action items
    /// (1 min), the caller's sentiment (2 min). `wrapped`: each insight nested under its
    /// wrapper key, the other shape the sources disagree on. Subject `call`.
    pub fn ai_insights(from: &str, line: u64, agent: u64, wrapped: bool) -> Scenario {
        let name = format!("call from {from} described by Aircall's AI");
        let insight = |content: serde_json::Value| Change::Insight { content, wrapped };
        let script = answered("call", 0, from, line, agent)
            .then(
                40,
                "summary.created",
                insight(serde_json::json!(
                    "The customer asked for a refund for order 1042; the agent sent it and promised a call back on Monday."
                )),
            )
            .then(
                5,
                "topics.created",
                insight(serde_json::json!(["Refund", "Order 1042"])),
            )
            .then(
                15,
                "action_item.created",
                insight(serde_json::json!([{"content": "Call the customer back on Monday"}])),
            )
            .then(60, "sentiment.created", insight(serde_json::json!("NEGATIVE")));
        Scenario::new(name, script.steps())
    }

    /// Several scenarios played one after the other: each starts `gap` seconds after the
    /// previous one's last step. Subjects are renamed `<index>:<subject>`.
    pub fn one_after_another(name: impl Into<String>, parts: Vec<Scenario>, gap: i64) -> Scenario {
        let mut steps = Vec::new();
        let mut offset = 0;
        for (index, part) in parts.into_iter().enumerate() {
            let length = part.steps.iter().map(|s| s.at).max().unwrap_or(0);
            steps.extend(part.steps.into_iter().map(|s| Step {
                subject: format!("{index}:{}", s.subject),
                at: s.at + offset,
                ..s
            }));
            offset += length + gap;
        }
        Scenario::new(name, steps)
    }

    /// An answered call from a withheld number. Subject `call`.
    pub fn anonymous(line: u64, agent: u64) -> Scenario {
        Scenario::new(
            "anonymous call",
            answered("call", 0, "anonymous", line, agent).steps(),
        )
    }

    /// An answered call from a number no Intercom contact has. Subject `call`.
    pub fn unknown_caller(from: &str, line: u64, agent: u64) -> Scenario {
        let name = format!("call from the unknown number {from}");
        Scenario::new(name, answered("call", 0, from, line, agent).steps())
    }

    /// An answered call from a number several Intercom contacts share. Subject `call`.
    pub fn shared_number(from: &str, line: u64, agent: u64) -> Scenario {
        let name = format!("call from the shared number {from}");
        Scenario::new(name, answered("call", 0, from, line, agent).steps())
    }

    /// An SMS from a customer. Subject `sms`.
    pub fn sms_inbound(from: &str, line: u64, body: &str) -> Scenario {
        let name = format!("SMS from {from}");
        let script = message("sms", 0, ("inbound", from, line), None, body, None);
        Scenario::new(name, script.steps())
    }

    /// A WhatsApp message sent by `agent`, then delivered or failed 4 s later. Subject
    /// `whatsapp`.
    pub fn whatsapp_outbound(
        to: &str,
        line: u64,
        agent: u64,
        body: &str,
        delivered: bool,
    ) -> Scenario {
        let name = format!("WhatsApp to {to}");
        let status = if delivered { "delivered" } else { "failed" };
        let script = message(
            "whatsapp",
            0,
            ("outbound", to, line),
            Some(agent),
            body,
            Some("whatsapp"),
        )
        .then(
            4,
            "message.status_updated",
            Change::MessageStatus {
                status: status.to_owned(),
            },
        );
        Scenario::new(name, script.steps())
    }
}
