//! Presence's records and rules: where an agent is in a call (on it, in its wrap-up, or not),
//! how Aircall's signals move them, what the hub wants of their Intercom away mode, and
//! whether an away mode Intercom shows is the hub's doing or the agent's. Data and pure
//! functions only; the store keeps one [`PresenceRow`] per agent and the presence task acts on
//! what these functions decide.

use serde::{Deserialize, Serialize};

/// Longest an answered call keeps its agent away when Aircall never says it ended (a lost
/// webhook): then the agent is brought back.
pub const LONGEST_CALL: i64 = 4 * 3600;

/// Longest Aircall's own wrap-up keeps an agent away when its end never comes.
pub const LONGEST_AIRCALL_WRAP_UP: i64 = 3600;

/// Where an agent is in a call, for presence.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Phase {
    /// Not on a call the hub follows.
    #[default]
    Idle,
    /// On an answered call.
    OnCall,
    /// The call is over; its wrap-up is not.
    WrapUp,
}

impl Phase {
    /// The word the store keeps.
    pub fn as_str(self) -> &'static str {
        match self {
            Phase::Idle => "idle",
            Phase::OnCall => "on_call",
            Phase::WrapUp => "wrap_up",
        }
    }

    /// Reads [`Phase::as_str`]'s word; anything else is idle.
    pub fn parse(word: &str) -> Phase {
        match word {
            "on_call" => Phase::OnCall,
            "wrap_up" => Phase::WrapUp,
            _ => Phase::Idle,
        }
    }
}

/// A teammate's away mode, as Intercom shows it or as the hub sets it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Away {
    /// Away mode on.
    pub enabled: bool,
    /// New conversations go back to the inbox while away.
    pub reassign: bool,
    /// The away reason, when there is one.
    pub reason_id: Option<i64>,
}

impl Away {
    /// Whether two away modes are the same for the agent: the reason counts only while away
    /// (Intercom may keep or drop it once away mode is off).
    pub fn same(&self, other: &Away) -> bool {
        self.enabled == other.enabled
            && self.reassign == other.reassign
            && (!self.enabled || self.reason_id == other.reason_id)
    }
}

/// Who ended a wrap-up (the `by` of the `wrap_up.ended` event).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum EndedBy {
    /// Aircall's wrap-up time ended (`user.wut_end`).
    Aircall,
    /// The hub's `wrap_up_seconds` ran out (Aircall sent no wrap-up), or a call or wrap-up
    /// outlasted what the hub waits for.
    Timer,
    /// The agent pressed "Done".
    Agent,
}

/// What Aircall (or the agent) told of an agent's call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Signal {
    /// The agent answered (or placed, and the callee answered) this call, at Aircall's time.
    Answered {
        /// Aircall's id of the call.
        call_id: u64,
        /// When Aircall sent it, UNIX seconds.
        at: i64,
    },
    /// The call hung up or ended (for whoever is on it), or went to a teammate.
    Ended {
        /// Aircall's id of the call.
        call_id: u64,
        /// When Aircall sent it.
        at: i64,
    },
    /// Aircall's wrap-up time started for the agent (`user.wut_start`).
    WrapUpStarted {
        /// When Aircall sent it.
        at: i64,
    },
    /// Aircall's wrap-up time ended (`user.wut_end`).
    WrapUpEnded {
        /// When Aircall sent it.
        at: i64,
    },
    /// The agent pressed "Done" on this call's wrap-up.
    Done {
        /// Aircall's id of the call.
        call_id: u64,
    },
}

/// The agent's call as presence follows it: what the signals change.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Track {
    /// On a call, in its wrap-up, or neither.
    pub phase: Phase,
    /// The call the phase is about (the last one, once idle).
    pub call_id: Option<u64>,
    /// Aircall's time of that call's answer: older signals are late ones and change nothing.
    pub since: i64,
    /// Aircall's own wrap-up started for this call (its end is awaited rather than the
    /// hub's timer).
    pub aircall_wrap_up: bool,
    /// When the phase ends by itself (the wrap-up's timer, or the longest a call or Aircall's
    /// wrap-up is waited for), hub's clock.
    pub deadline: Option<i64>,
}

/// What a signal or a deadline did to a [`Track`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Step {
    /// The track after it.
    pub track: Track,
    /// A call's wrap-up ended, and who ended it.
    pub ended: Option<(u64, EndedBy)>,
    /// A new call began while the agent was not already on one the hub acted for (or after
    /// the agent took over): what the teammate's away mode is now must be read again.
    pub new_episode: bool,
}

impl Track {
    /// What `signal` changes at `now` (hub's clock), with the wrap-up lasting
    /// `wrap_up_seconds` when Aircall has none; `None` when it changes nothing (a redelivery,
    /// a late signal, a signal about another call).
    pub fn step(&self, signal: Signal, now: i64, wrap_up_seconds: u64) -> Option<Step> {
        let wrap_up = i64::try_from(wrap_up_seconds).unwrap_or(i64::MAX);
        let same_call = |id: u64| self.call_id == Some(id);
        match signal {
            Signal::Answered { call_id, at } => {
                if same_call(call_id) || (self.call_id.is_some() && at < self.since) {
                    return None;
                }
                Some(Step {
                    track: Track {
                        phase: Phase::OnCall,
                        call_id: Some(call_id),
                        since: at,
                        aircall_wrap_up: false,
                        deadline: Some(now.saturating_add(LONGEST_CALL)),
                    },
                    ended: None,
                    new_episode: self.phase == Phase::Idle,
                })
            }
            Signal::Ended { call_id, .. } => {
                if !same_call(call_id) || self.phase != Phase::OnCall {
                    return None;
                }
                Some(Step {
                    track: Track {
                        phase: Phase::WrapUp,
                        deadline: Some(now.saturating_add(wrap_up)),
                        ..*self
                    },
                    ended: None,
                    new_episode: false,
                })
            }
            Signal::WrapUpStarted { at } => {
                // Aircall's wrap-up follows a hang-up: one that starts while the call runs is
                // the previous call's, sent late (a call answered back to back).
                if self.phase != Phase::WrapUp || at < self.since || self.aircall_wrap_up {
                    return None;
                }
                Some(Step {
                    track: Track {
                        phase: Phase::WrapUp,
                        aircall_wrap_up: true,
                        deadline: Some(now.saturating_add(LONGEST_AIRCALL_WRAP_UP)),
                        ..*self
                    },
                    ended: None,
                    new_episode: false,
                })
            }
            Signal::WrapUpEnded { at } => {
                // A wrap-up's end while the call still runs is another call's (the previous
                // one, sent late): only the wrap-up it belongs to ends.
                if self.phase != Phase::WrapUp || at < self.since {
                    return None;
                }
                Some(self.idle(EndedBy::Aircall))
            }
            Signal::Done { call_id } => {
                if !same_call(call_id) || self.phase == Phase::Idle {
                    return None;
                }
                Some(self.idle(EndedBy::Agent))
            }
        }
    }

    /// What the clock does at `now`: a deadline passed ends the phase (`None`: nothing due).
    pub fn expire(&self, now: i64) -> Option<Step> {
        match (self.phase, self.deadline) {
            (Phase::Idle, _) | (_, None) => None,
            (_, Some(at)) if at > now => None,
            _ => Some(self.idle(EndedBy::Timer)),
        }
    }

    fn idle(&self, by: EndedBy) -> Step {
        Step {
            track: Track {
                phase: Phase::Idle,
                aircall_wrap_up: false,
                deadline: None,
                ..*self
            },
            ended: self.call_id.map(|id| (id, by)),
            new_episode: false,
        }
    }
}

/// One agent's presence as the store keeps it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct PresenceRow {
    /// The agent's email, lower case.
    pub email: String,
    /// Their call.
    pub track: Track,
    /// The agent changed their away mode during this run of calls, or was away before it:
    /// the hub leaves it alone until their next call.
    pub hands_off: bool,
    /// The agent turned "presence follows my calls" off.
    pub opted_out: bool,
    /// The away mode before the hub's first change of this run of calls.
    pub prior: Option<Away>,
    /// What the hub set last in this run of calls (`None`: nothing, or it was put back).
    pub applied: Option<Away>,
    /// What the hub set before that (a notification of it may come late).
    pub applied_before: Option<Away>,
    /// What the hub is setting now (sent, its answer not recorded yet: a crash leaves it).
    pub pending: Option<Away>,
    /// Intercom has no teammate with this email (logged once; tried again at the next call).
    pub missing: bool,
    /// The agent's own away mode, last seen in Intercom's notifications (not the hub's doing).
    pub agent_away: Option<bool>,
    /// The hub made the agent's Aircall user unavailable (the reverse direction).
    pub aircall_unavailable: bool,
    /// Bumped by each change the task must act on.
    pub version: i64,
    /// The version the task last acted on.
    pub done_version: i64,
    /// When the task may try again after a failure that may pass.
    pub retry_at: Option<i64>,
    /// Failures in a row.
    pub attempts: i64,
}

/// Which away reason a phase asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReasonFor {
    /// `presence_on_call_reason`.
    OnCall,
    /// `presence_wrap_up_reason`.
    WrapUp,
}

/// What the hub wants of a teammate's away mode now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Want {
    /// Nothing: leave it as it is.
    Leave,
    /// Away, with this phase's reason, reassign off.
    Away(ReasonFor),
    /// Back to the away mode before the hub's first change.
    Back,
}

/// The state an agent is in, as `GET /api/v1/me/presence` says it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Shown {
    /// Free for chats (as far as the hub knows).
    Available,
    /// On a call, and away for it.
    OnCall,
    /// In a call's wrap-up, and away for it.
    WrapUp,
    /// Away by their own choice.
    AwayByChoice,
    /// The hub does not know (presence off, opted out, no teammate in Intercom).
    Unknown,
}

impl PresenceRow {
    /// The row after a signal's or a deadline's step. A new call that starts a run of calls
    /// (the hub had nothing set, or the agent had taken over) forgets the last run: the
    /// teammate's away mode is read again before the hub's first change, and a teammate
    /// Intercom did not find is looked for again.
    pub fn after(&self, step: &Step) -> PresenceRow {
        let mut next = self.clone();
        next.track = step.track;
        let new_call =
            step.track.phase == Phase::OnCall && step.track.call_id != self.track.call_id;
        let nothing_set = self.applied.is_none() && self.pending.is_none();
        if new_call && (self.hands_off || nothing_set) {
            next.hands_off = false;
            next.prior = None;
            next.applied_before = self.applied.or(self.applied_before);
            next.applied = None;
            next.missing = false;
        }
        next.version += 1;
        next.retry_at = None;
        next.attempts = 0;
        next
    }

    /// What the hub wants of the teammate's away mode, with presence on or off.
    pub fn want(&self, presence_on: bool) -> Want {
        if self.hands_off {
            return Want::Leave;
        }
        let acted = self.applied.is_some() || self.pending.is_some();
        if !presence_on || self.opted_out {
            return if acted { Want::Back } else { Want::Leave };
        }
        match self.track.phase {
            Phase::OnCall => Want::Away(ReasonFor::OnCall),
            Phase::WrapUp => Want::Away(ReasonFor::WrapUp),
            Phase::Idle if acted => Want::Back,
            Phase::Idle => Want::Leave,
        }
    }

    /// Whether an away mode Intercom shows is one the hub set in this run of calls (or the one
    /// it put back, or is setting).
    pub fn is_hubs(&self, seen: &Away) -> bool {
        [self.applied, self.applied_before, self.pending]
            .iter()
            .flatten()
            .any(|a| a.same(seen))
    }

    /// Reads the teammate's away mode `seen` just before a change: what to do of it.
    pub fn judge(&self, seen: &Away) -> Judgement {
        if self.applied.is_none() && self.pending.is_none() {
            if seen.enabled {
                Judgement::AlreadyAway
            } else {
                Judgement::Capture(*seen)
            }
        } else if self.is_hubs(seen) {
            Judgement::Proceed
        } else {
            Judgement::AgentChanged
        }
    }

    /// What an away mode a notification reports means (`None`: it is the hub's own change).
    pub fn observe(&self, seen: &Away) -> Option<Observed> {
        if self.is_hubs(seen) {
            return None;
        }
        let in_run = self.applied.is_some() || self.pending.is_some();
        Some(Observed {
            hands_off: in_run && !self.hands_off,
            agent_away: seen.enabled,
        })
    }

    /// What the agent's app shows.
    pub fn shown(&self, presence_on: bool) -> Shown {
        if !presence_on || self.opted_out || self.missing {
            return Shown::Unknown;
        }
        if self.hands_off || self.applied.is_none() {
            return match self.agent_away {
                Some(true) => Shown::AwayByChoice,
                Some(false) => Shown::Available,
                None if self.hands_off => Shown::Unknown,
                None => Shown::Available,
            };
        }
        match self.track.phase {
            Phase::OnCall => Shown::OnCall,
            Phase::WrapUp => Shown::WrapUp,
            Phase::Idle => Shown::Available,
        }
    }

    /// The Aircall availability the reverse direction wants now: `Some(false)` unavailable,
    /// `Some(true)` available again, `None` nothing.
    pub fn aircall_wants(&self, reverse_on: bool) -> Option<bool> {
        match (self.agent_away, self.aircall_unavailable) {
            (Some(true), false) if reverse_on => Some(false),
            (Some(false), true) => Some(true),
            // Turned off while the hub held the user unavailable: give it back.
            (Some(true), true) if !reverse_on => Some(true),
            _ => None,
        }
    }
}

/// An agent's presence, as `GET /api/v1/me/presence` answers it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct PresenceView {
    /// Whether the hub's presence setting is on.
    pub hub_presence: bool,
    /// Whether this agent lets presence follow their calls (true unless they opted out).
    pub follow_calls: bool,
    /// Where the agent is, as far as presence knows.
    pub state: Shown,
    /// Whether the teammate is away in Intercom, as the hub last saw it; `None` when it has not
    /// seen it.
    pub intercom_away: Option<bool>,
}

impl PresenceView {
    /// The view of a row (`None`: the hub has none for this agent yet), with the setting, and
    /// the teammate's away mode as the hub last read the admins (`cached_away`).
    pub fn of(row: Option<&PresenceRow>, presence_on: bool, cached_away: Option<bool>) -> Self {
        let empty = PresenceRow::default();
        let row = row.unwrap_or(&empty);
        let intercom_away = match (row.applied, row.agent_away) {
            (Some(applied), _) if !row.hands_off => Some(applied.enabled),
            (_, Some(away)) => Some(away),
            _ => cached_away,
        };
        PresenceView {
            hub_presence: presence_on,
            follow_calls: !row.opted_out,
            state: row.shown(presence_on),
            intercom_away,
        }
    }
}

/// The teammate's away mode read just before a change.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Judgement {
    /// First change of this run of calls, and the teammate is available: keep this as the
    /// state to go back to, and go on.
    Capture(Away),
    /// First change, and the teammate is already away: leave them alone.
    AlreadyAway,
    /// The teammate is as the hub left them: go on.
    Proceed,
    /// The teammate changed it since: leave them alone until their next call.
    AgentChanged,
}

/// What a teammate's own change of away mode means.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Observed {
    /// The hub had set them away for a call: it now leaves them alone.
    pub hands_off: bool,
    /// They are away (by their own choice) or back.
    pub agent_away: bool,
}

/// The away reason with this label (any letter case, not deleted), from the workspace's
/// reasons (`(id, label, deleted)`); `None` when there is none.
pub fn reason_named(reasons: &[(i64, String, bool)], label: &str) -> Option<i64> {
    reasons
        .iter()
        .find(|(_, l, deleted)| !deleted && l.trim().to_lowercase() == label.trim().to_lowercase())
        .map(|(id, _, _)| *id)
}

#[cfg(test)]
mod tests {
    use super::*;

    const WRAP: u64 = 60;

    fn on_call(id: u64, since: i64) -> Track {
        Track::default()
            .step(
                Signal::Answered {
                    call_id: id,
                    at: since,
                },
                100,
                WRAP,
            )
            .unwrap()
            .track
    }

    #[test]
    fn an_answered_call_starts_a_run_and_its_end_starts_the_timer() {
        let idle = Track::default();
        let step = idle
            .step(Signal::Answered { call_id: 1, at: 10 }, 100, WRAP)
            .unwrap();
        assert!(step.new_episode);
        assert_eq!(step.track.phase, Phase::OnCall);
        assert_eq!(step.track.deadline, Some(100 + LONGEST_CALL));
        let ended = step
            .track
            .step(Signal::Ended { call_id: 1, at: 20 }, 110, WRAP)
            .unwrap();
        assert_eq!(ended.track.phase, Phase::WrapUp);
        assert_eq!(ended.track.deadline, Some(170));
        assert_eq!(ended.track.expire(169), None);
        let timed_out = ended.track.expire(170).unwrap();
        assert_eq!(timed_out.track.phase, Phase::Idle);
        assert_eq!(timed_out.ended, Some((1, EndedBy::Timer)));
    }

    #[test]
    fn redeliveries_and_other_calls_signals_change_nothing() {
        let t = on_call(1, 10);
        assert_eq!(
            t.step(Signal::Answered { call_id: 1, at: 11 }, 100, WRAP),
            None
        );
        assert_eq!(
            t.step(Signal::Ended { call_id: 2, at: 11 }, 100, WRAP),
            None
        );
        assert_eq!(t.step(Signal::Done { call_id: 2 }, 100, WRAP), None);
        // A late answer of an older call.
        assert_eq!(
            t.step(Signal::Answered { call_id: 0, at: 5 }, 100, WRAP),
            None
        );
        let ended = t
            .step(Signal::Ended { call_id: 1, at: 20 }, 100, WRAP)
            .unwrap();
        assert_eq!(
            ended
                .track
                .step(Signal::Ended { call_id: 1, at: 21 }, 101, WRAP),
            None
        );
    }

    #[test]
    fn aircalls_wrap_up_may_start_before_or_after_the_calls_end() {
        // Before `call.ended`: after `call.hungup`, which starts the timer; Aircall's wrap-up
        // replaces it, and `call.ended` then changes nothing.
        let t = on_call(1, 10);
        let hung_up = t
            .step(Signal::Ended { call_id: 1, at: 20 }, 100, WRAP)
            .unwrap()
            .track;
        assert_eq!(hung_up.deadline, Some(100 + WRAP as i64));
        let wut = hung_up
            .step(Signal::WrapUpStarted { at: 21 }, 101, WRAP)
            .unwrap()
            .track;
        assert_eq!((wut.phase, wut.aircall_wrap_up), (Phase::WrapUp, true));
        assert_eq!(wut.deadline, Some(101 + LONGEST_AIRCALL_WRAP_UP));
        assert_eq!(
            wut.step(Signal::Ended { call_id: 1, at: 22 }, 102, WRAP),
            None
        );
        assert_eq!(
            wut.expire(100 + WRAP as i64),
            None,
            "no timer: Aircall's end is awaited"
        );
        assert_eq!(wut.step(Signal::WrapUpStarted { at: 23 }, 103, WRAP), None);
        let end = wut.step(Signal::WrapUpEnded { at: 30 }, 110, WRAP).unwrap();
        assert_eq!(end.ended, Some((1, EndedBy::Aircall)));
    }

    #[test]
    fn a_wrap_up_that_starts_while_the_call_runs_is_the_previous_calls() {
        // Back to back: the first call's `user.wut_*` arrive late, during the second call.
        let second = on_call(2, 25);
        assert_eq!(
            second.step(Signal::WrapUpStarted { at: 31 }, 100, WRAP),
            None
        );
        assert_eq!(second.step(Signal::WrapUpEnded { at: 32 }, 100, WRAP), None);
    }

    #[test]
    fn a_wrap_ups_end_during_a_call_and_a_wrap_up_when_idle_are_ignored() {
        let t = on_call(1, 10);
        assert_eq!(t.step(Signal::WrapUpEnded { at: 20 }, 100, WRAP), None);
        let idle = t
            .step(Signal::Done { call_id: 1 }, 100, WRAP)
            .unwrap()
            .track;
        assert_eq!(idle.step(Signal::WrapUpStarted { at: 30 }, 100, WRAP), None);
        assert_eq!(idle.step(Signal::WrapUpEnded { at: 30 }, 100, WRAP), None);
    }

    #[test]
    fn done_ends_the_wrap_up_or_the_call() {
        let t = on_call(1, 10);
        let ended = t
            .step(Signal::Ended { call_id: 1, at: 20 }, 100, WRAP)
            .unwrap()
            .track;
        let done = ended.step(Signal::Done { call_id: 1 }, 101, WRAP).unwrap();
        assert_eq!(done.ended, Some((1, EndedBy::Agent)));
        assert_eq!(done.track.phase, Phase::Idle);
        // The call's end arriving after "Done" does not open the wrap-up again.
        assert_eq!(
            done.track
                .step(Signal::Ended { call_id: 1, at: 21 }, 102, WRAP),
            None
        );
        assert_eq!(
            done.track
                .step(Signal::Answered { call_id: 1, at: 21 }, 102, WRAP),
            None
        );
    }

    #[test]
    fn back_to_back_calls_stay_one_run_and_the_old_timer_does_not_end_the_new_call() {
        let first = on_call(1, 10);
        let wrap = first
            .step(Signal::Ended { call_id: 1, at: 20 }, 100, WRAP)
            .unwrap()
            .track;
        let next = wrap
            .step(Signal::Answered { call_id: 2, at: 25 }, 105, WRAP)
            .unwrap();
        assert!(
            !next.new_episode,
            "no flicker back to available between the calls"
        );
        assert_eq!(next.track.phase, Phase::OnCall);
        assert_eq!(next.track.expire(100 + WRAP as i64), None);
        // The first call's wrap-up signals, late, change nothing.
        assert_eq!(
            next.track.step(Signal::WrapUpStarted { at: 21 }, 106, WRAP),
            None
        );
        assert_eq!(
            next.track.step(Signal::Done { call_id: 1 }, 106, WRAP),
            None
        );
        assert_eq!(
            next.track
                .step(Signal::Ended { call_id: 1, at: 22 }, 106, WRAP),
            None
        );
    }

    #[test]
    fn a_call_whose_end_never_comes_ends_after_the_longest_call() {
        let t = on_call(1, 10);
        assert_eq!(t.expire(100 + LONGEST_CALL - 1), None);
        assert_eq!(
            t.expire(100 + LONGEST_CALL).unwrap().ended,
            Some((1, EndedBy::Timer))
        );
    }

    fn row(phase: Phase) -> PresenceRow {
        PresenceRow {
            email: "a@b.c".into(),
            track: Track {
                phase,
                ..Track::default()
            },
            ..PresenceRow::default()
        }
    }

    const AWAY_CALL: Away = Away {
        enabled: true,
        reassign: false,
        reason_id: Some(1),
    };
    const AWAY_WRAP: Away = Away {
        enabled: true,
        reassign: false,
        reason_id: Some(2),
    };
    const FREE: Away = Away {
        enabled: false,
        reassign: false,
        reason_id: None,
    };

    #[test]
    fn a_new_call_after_the_agent_took_over_starts_afresh_but_back_to_back_keeps_the_prior() {
        let mut r = row(Phase::WrapUp);
        r.track.call_id = Some(1);
        r.prior = Some(FREE);
        r.applied = Some(AWAY_WRAP);
        let next = r
            .track
            .step(Signal::Answered { call_id: 2, at: 5 }, 100, WRAP)
            .unwrap();
        let kept = r.after(&next);
        assert_eq!((kept.prior, kept.applied), (Some(FREE), Some(AWAY_WRAP)));
        assert_eq!(kept.version, r.version + 1);
        r.hands_off = true;
        r.missing = true;
        let fresh = r.after(&next);
        assert!(!fresh.hands_off && !fresh.missing);
        assert_eq!((fresh.prior, fresh.applied), (None, None));
        assert_eq!(fresh.applied_before, Some(AWAY_WRAP));
    }

    #[test]
    fn what_the_hub_wants_follows_the_phase_the_setting_and_the_agent() {
        assert_eq!(row(Phase::OnCall).want(true), Want::Away(ReasonFor::OnCall));
        assert_eq!(row(Phase::WrapUp).want(true), Want::Away(ReasonFor::WrapUp));
        assert_eq!(row(Phase::Idle).want(true), Want::Leave);
        assert_eq!(row(Phase::OnCall).want(false), Want::Leave, "presence off");
        let mut acted = row(Phase::Idle);
        acted.applied = Some(AWAY_WRAP);
        assert_eq!(acted.want(true), Want::Back);
        acted.track.phase = Phase::OnCall;
        assert_eq!(
            acted.want(false),
            Want::Back,
            "turned off mid-call: put back"
        );
        acted.opted_out = true;
        assert_eq!(acted.want(true), Want::Back, "opted out mid-call: put back");
        acted.opted_out = false;
        acted.hands_off = true;
        assert_eq!(acted.want(true), Want::Leave, "the agent took over");
        let mut pending = row(Phase::Idle);
        pending.pending = Some(AWAY_CALL);
        assert_eq!(
            pending.want(true),
            Want::Back,
            "a change cut short by a crash"
        );
    }

    #[test]
    fn the_read_back_tells_the_hubs_change_from_the_agents() {
        let fresh = row(Phase::OnCall);
        assert_eq!(fresh.judge(&FREE), Judgement::Capture(FREE));
        assert_eq!(fresh.judge(&AWAY_CALL), Judgement::AlreadyAway);
        let mut acted = row(Phase::WrapUp);
        acted.applied = Some(AWAY_CALL);
        assert_eq!(acted.judge(&AWAY_CALL), Judgement::Proceed);
        assert_eq!(acted.judge(&FREE), Judgement::AgentChanged);
        let lunch = Away {
            reason_id: Some(9),
            ..AWAY_CALL
        };
        assert_eq!(acted.judge(&lunch), Judgement::AgentChanged);
        acted.pending = Some(AWAY_WRAP);
        assert_eq!(
            acted.judge(&AWAY_WRAP),
            Judgement::Proceed,
            "sent before a crash"
        );
    }

    #[test]
    fn a_notification_of_the_hubs_own_change_is_not_the_agents() {
        let mut acted = row(Phase::WrapUp);
        acted.applied = Some(AWAY_WRAP);
        acted.applied_before = Some(AWAY_CALL);
        assert_eq!(
            acted.observe(&AWAY_CALL),
            None,
            "a late one of the previous change"
        );
        assert_eq!(acted.observe(&AWAY_WRAP), None);
        let seen = acted.observe(&FREE).unwrap();
        assert!(seen.hands_off && !seen.agent_away);
        // Outside a run of calls, it only says whether the agent is away.
        let idle = row(Phase::Idle);
        assert_eq!(
            idle.observe(&AWAY_CALL),
            Some(Observed {
                hands_off: false,
                agent_away: true
            })
        );
    }

    #[test]
    fn the_reverse_direction_acts_on_the_agents_own_away_only() {
        let mut r = row(Phase::Idle);
        assert_eq!(r.aircall_wants(true), None);
        r.agent_away = Some(true);
        assert_eq!(r.aircall_wants(true), Some(false));
        assert_eq!(r.aircall_wants(false), None, "off by default");
        r.aircall_unavailable = true;
        assert_eq!(r.aircall_wants(true), None, "already unavailable");
        r.agent_away = Some(false);
        assert_eq!(r.aircall_wants(true), Some(true), "back");
        r.aircall_unavailable = false;
        assert_eq!(
            r.aircall_wants(true),
            None,
            "never made available unless the hub made it unavailable"
        );
    }

    #[test]
    fn what_the_app_shows() {
        assert_eq!(row(Phase::OnCall).shown(false), Shown::Unknown);
        assert_eq!(row(Phase::Idle).shown(true), Shown::Available);
        let mut acted = row(Phase::OnCall);
        acted.applied = Some(AWAY_CALL);
        assert_eq!(acted.shown(true), Shown::OnCall);
        acted.track.phase = Phase::WrapUp;
        assert_eq!(acted.shown(true), Shown::WrapUp);
        acted.hands_off = true;
        acted.agent_away = Some(true);
        assert_eq!(acted.shown(true), Shown::AwayByChoice);
        acted.agent_away = Some(false);
        assert_eq!(acted.shown(true), Shown::Available);
        acted.missing = true;
        assert_eq!(acted.shown(true), Shown::Unknown);
    }

    #[test]
    fn reasons_match_by_label_in_any_case_and_never_a_deleted_one() {
        let reasons = vec![
            (1, "On a call".to_owned(), true),
            (2, "on a CALL".to_owned(), false),
            (3, "Wrap-up".to_owned(), false),
        ];
        assert_eq!(reason_named(&reasons, "On a call"), Some(2));
        assert_eq!(reason_named(&reasons, " wrap-up "), Some(3));
        assert_eq!(reason_named(&reasons, "Lunch"), None);
        assert_eq!(reason_named(&[], "On a call"), None);
    }
}
