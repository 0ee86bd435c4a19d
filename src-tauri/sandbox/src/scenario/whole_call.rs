//! The scenarios around a call (issue 21, "the agent's whole call"): Aircall's wrap-up time
//! before or after `call.ended` or none, a voicemail with its assets and the AI's transcript,
//! back-to-back calls of one agent, and a missed call returned by an outbound call.

use serde::{Deserialize, Serialize};
use serde_json::json;

use super::library::{answered, missed, outbound, Script};
use super::{Change, Scenario, Step, ENDED_AFTER_HANGUP};

/// Where Aircall's wrap-up time (`user.wut_start`, `user.wut_end`) falls around a call's
/// webhooks. Their order around `call.ended` is not documented, so the sandbox plays each.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WrapUp {
    /// `user.wut_start` one second after `call.hungup`, before `call.ended`.
    BeforeEnded,
    /// `user.wut_start` one second after `call.ended` (a late delivery).
    AfterEnded,
    /// No `user.wut_*` at all: the company has Aircall's wrap-up time off.
    None,
}

/// Seconds between a call's hang-up and the agent's next call's `call.created`, back to back.
const NEXT_CALL_AFTER_HANGUP: i64 = 1;

/// The time of the first step of `subject` with `event`.
fn time_of(steps: &[Step], event: &str) -> i64 {
    steps.iter().find(|s| s.event == event).map_or(0, |s| s.at)
}

/// The wrap-up steps of `agent` for the call `subject` whose steps are `steps`: none, or
/// `user.wut_start` where `wrap_up` says and `user.wut_end` `seconds` later.
fn wrap_up_steps(
    subject: &str,
    steps: &[Step],
    agent: u64,
    wrap_up: WrapUp,
    seconds: i64,
) -> Vec<Step> {
    let start = match wrap_up {
        WrapUp::BeforeEnded => time_of(steps, "call.hungup") + 1,
        WrapUp::AfterEnded => time_of(steps, "call.ended") + 1,
        WrapUp::None => return Vec::new(),
    };
    vec![
        Step {
            subject: subject.to_owned(),
            at: start,
            event: "user.wut_start".to_owned(),
            change: Change::WrapUpStart { user: agent },
        },
        Step {
            subject: subject.to_owned(),
            at: start + seconds.max(0),
            event: "user.wut_end".to_owned(),
            change: Change::WrapUpEnd { user: agent },
        },
    ]
}

/// The utterance list Aircall's AI gives for a voicemail: the caller alone.
fn voicemail_transcript(from: &str, text: &str) -> serde_json::Value {
    json!({
        "language": "en",
        "utterances": [{
            "participant_type": "external",
            "phone_number": from,
            "start_time": 0.4,
            "end_time": 9.8,
            "text": text,
        }],
    })
}

impl Scenario {
    /// An inbound call answered by `agent` (as [`Scenario::inbound_answered`]), with Aircall's
    /// wrap-up time for `agent` where `wrap_up` says, `wrap_up_secs` long. Subject `call`.
    pub fn answered_with_wrap_up(
        from: &str,
        line: u64,
        agent: u64,
        wrap_up: WrapUp,
        wrap_up_secs: i64,
    ) -> Scenario {
        let name = format!("call from {from}, answered, wrap-up {wrap_up:?}");
        Scenario::new(name, answered("call", 0, from, line, agent).steps()).with_wrap_up(
            agent,
            wrap_up,
            wrap_up_secs,
        )
    }

    /// The same scenario with Aircall's wrap-up time for `agent` after each call they are on
    /// when it ends (they answered it and did not transfer it, or it was transferred to them):
    /// `user.wut_start` where `wrap_up` says, `user.wut_end` `seconds` later. Calls that already
    /// have a `user.wut_*` step keep theirs.
    pub fn with_wrap_up(mut self, agent: u64, wrap_up: WrapUp, seconds: i64) -> Scenario {
        let mut subjects: Vec<&str> = Vec::new();
        for step in &self.steps {
            if !subjects.contains(&step.subject.as_str()) {
                subjects.push(&step.subject);
            }
        }
        let mut added = Vec::new();
        for subject in subjects {
            let steps: Vec<Step> = self
                .steps
                .iter()
                .filter(|s| s.subject == subject)
                .cloned()
                .collect();
            let on_call_at_end = steps.iter().rev().find_map(|s| match s.change {
                Change::Answer { user } | Change::Transfer { to: user } => Some(user),
                _ => None,
            });
            let has_wrap_up = steps.iter().any(|s| {
                matches!(
                    s.change,
                    Change::WrapUpStart { .. } | Change::WrapUpEnd { .. }
                )
            });
            if on_call_at_end == Some(agent) && !has_wrap_up {
                added.extend(wrap_up_steps(subject, &steps, agent, wrap_up, seconds));
            }
        }
        self.steps.extend(added);
        // Stable: a step keeps its place among those of the same second.
        self.steps.sort_by_key(|s| s.at);
        self
    }

    /// A voicemail as Aircall sends it whole: the call rings, the caller leaves a message
    /// (`call.voicemail_left`: the call has its short-lived `voicemail` link and its lasting
    /// `asset` page), hangs up, `call.ended`, then `call.comm_assets_generated` (the media is
    /// ready) 10 s later and, when `transcript` is given, Aircall's AI transcription of it
    /// (`transcription.created`, type `voicemail`) 20 s after that. Whether Aircall's AI
    /// transcribes voicemails is unconfirmed, hence the option. Subject `call`.
    pub fn voicemail_with_assets(from: &str, line: u64, transcript: Option<&str>) -> Scenario {
        let name = format!("voicemail from {from}, with its assets");
        let script = Script::new("call", 0)
            .call("inbound", from, line, None)
            .then(30, "call.voicemail_left", Change::LeaveVoicemail)
            .hang_up(42, Some("agents_did_not_answer"))
            .then(10, "call.comm_assets_generated", Change::Nothing);
        let script = match transcript {
            Some(text) => script.then(
                20,
                "transcription.created",
                Change::Insight {
                    content: voicemail_transcript(from, text),
                    wrapped: false,
                },
            ),
            None => script,
        };
        Scenario::new(name, script.steps())
    }

    /// Two inbound calls on `line` that `agent` answers back to back: the second (from
    /// `second`) rings one second after the first (from `first`) is hung up and is answered at
    /// once, before the first call's `call.ended`. Each call gets Aircall's wrap-up time as
    /// `wrap_up` says, `wrap_up_secs` long, except that the first call's wrap-up is cut short
    /// by the second call: with [`WrapUp::BeforeEnded`] its `user.wut_end` comes just before
    /// the second call's `call.answered`; with [`WrapUp::AfterEnded`] both its `user.wut_*`
    /// arrive late, after the first call's `call.ended`, while the agent is on the second
    /// call. Subjects `first` and `second`.
    pub fn back_to_back(
        first: &str,
        second: &str,
        line: u64,
        agent: u64,
        wrap_up: WrapUp,
        wrap_up_secs: i64,
    ) -> Scenario {
        let name = format!("calls from {first} and {second} back to back, wrap-up {wrap_up:?}");
        let mut steps = answered("first", 0, first, line, agent).steps();
        let next_at = time_of(&steps, "call.hungup") + NEXT_CALL_AFTER_HANGUP;
        let next = Script::new("second", next_at)
            .call("inbound", second, line, None)
            .then(2, "call.answered", Change::Answer { user: agent })
            .hang_up(185, None)
            .steps();
        // Cut short: ended a second before the second call is answered, or a second after a
        // late start.
        let cut_short = match wrap_up {
            WrapUp::BeforeEnded => {
                time_of(&next, "call.answered") - 1 - (time_of(&steps, "call.hungup") + 1)
            }
            WrapUp::AfterEnded | WrapUp::None => 1,
        };
        let first_wrap = wrap_up_steps("first", &steps, agent, wrap_up, cut_short);
        let second_wrap = wrap_up_steps("second", &next, agent, wrap_up, wrap_up_secs);
        // Steps at the same second keep this order: the first call's wrap-up starts before the
        // second call is created.
        steps.extend(first_wrap);
        steps.extend(next);
        steps.extend(second_wrap);
        Scenario::new(name, steps)
    }

    /// The same scenario with Aircall's user webhooks under their v2 names (`user.wut_start.v2`,
    /// `user.wut_end.v2`), whose user has no `numbers`.
    pub fn with_v2_user_events(mut self) -> Scenario {
        for step in &mut self.steps {
            if step.event.starts_with("user.") && !step.event.ends_with(".v2") {
                step.event.push_str(".v2");
            }
        }
        self.name.push_str(" (v2 user events)");
        self
    }

    /// A missed inbound call from `from` on `line` (subject `missed`), then `agent` calls that
    /// number back from the same line `after` seconds after the missed call's `call.ended`
    /// (an outbound call, picked up; subject `call_back`).
    pub fn missed_then_called_back(from: &str, line: u64, agent: u64, after: i64) -> Scenario {
        let name = format!("missed call from {from}, called back");
        let mut steps = missed("missed", 0, from, line).steps();
        let back_at = time_of(&steps, "call.ended") + after.max(1);
        steps.extend(outbound("call_back", back_at, from, line, agent).steps());
        Scenario::new(name, steps)
    }
}

// The second call of [`Scenario::back_to_back`] is answered before the first call's end.
const _: () = assert!(ENDED_AFTER_HANGUP > NEXT_CALL_AFTER_HANGUP + 2);
