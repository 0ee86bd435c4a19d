//! Demo activity: what plays Aircall's part in demo mode. The sandbox's scenario player
//! (`ringside_sandbox::scenario`) changes the fake Aircall, then posts the webhook Aircall would
//! send to the in-process hub, so every card, notification and log entry comes from the real
//! engine.
//!
//! [`Activity`] says what is played: the desktop tour ([`Scenario::desktop_tour`]) in a loop, one
//! scenario once (`--demo-script FILE`), or nothing (a test plays the calls itself through the
//! [`Stage`]). Scenario time is compressed: each pause is the scenario's gap between two steps,
//! at most `step` (`--demo-step-ms`), so a call of three minutes plays in a few seconds. The
//! scenario starts with the demo: its first step waits for its own time too (at most `step`),
//! which lets a script leave the app idle for a while before the first call.
//!
//! The demo's hub follows the phone with Intercom presence and asks for an outcome after each
//! call ([`DEMO_OUTCOMES`]). Nobody picks one in an unattended demo, so during the wrap-up of
//! each tour round's first call the stage picks one as the agent would: through the hub's
//! `POST /api/v1/calls/{id}/outcome`, with the app's own client ([`Stage::with_agent`]).

use std::sync::Arc;
use std::time::Duration;

use ringside_core::Secret;
use ringside_sandbox::scenario::{Change, Pace, Player, Scenario};
use ringside_sandbox::Sandbox;

use crate::journal::{Action, Request};
use crate::remote::HubClient;
use crate::timings;

/// The call outcomes the demo's hub asks for, in the order the card offers them.
pub const DEMO_OUTCOMES: [&str; 4] = ["Resolved", "Follow-up needed", "Sale", "Wrong number"];

/// An outcome the stage picks for one call of a scenario, once that call's wrap-up started.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutcomePick {
    /// The call, named as in the scenario.
    pub subject: String,
    /// One of [`DEMO_OUTCOMES`].
    pub outcome: String,
}

impl OutcomePick {
    /// The pick of a tour round: its first call of the demo's agent with Aircall's wrap-up,
    /// with the next of [`DEMO_OUTCOMES`] each round.
    pub fn for_tour(tour: &Scenario, round: u64) -> Option<OutcomePick> {
        use ringside_sandbox::scenario::demo::ALICE;
        let subject = tour.steps.iter().find_map(|s| match s.change {
            Change::WrapUpStart { user } if user == ALICE => Some(s.subject.clone()),
            _ => None,
        })?;
        let outcome = DEMO_OUTCOMES[(round % DEMO_OUTCOMES.len() as u64) as usize];
        Some(OutcomePick {
            subject,
            outcome: outcome.to_owned(),
        })
    }
}

/// Where Aircall's webhooks go: the hub's receiver and the token it expects in bodies.
#[derive(Debug, Clone)]
pub struct WebhookTarget {
    /// `http://127.0.0.1:PORT/webhooks/aircall`.
    pub url: String,
    /// The token Aircall puts in every body.
    pub token: Secret,
}

/// What the demo plays.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Activity {
    /// [`Scenario::desktop_tour`], over and over (with new unknown numbers each round:
    /// [`Scenario::desktop_tour_round`]).
    Tour,
    /// One scenario, once; then the demo stays idle.
    Script(Scenario),
    /// Nothing: whoever holds the [`Stage`] plays the calls.
    Quiet,
}

/// How demo mode starts: what it plays and how fast, and where the sandbox listens (free
/// ports when `None`; an end-to-end test picks them so it can look into the fake Intercom).
#[derive(Debug, Clone)]
pub struct DemoSetup {
    /// What is played.
    pub activity: Activity,
    /// The longest pause between two steps.
    pub step: Duration,
    /// The fake Aircall's and the fake Intercom's addresses.
    pub sandbox_addrs: Option<(std::net::SocketAddr, std::net::SocketAddr)>,
}

impl DemoSetup {
    /// The demo with this activity, at the default pace, on free ports.
    pub fn new(activity: Activity) -> Self {
        DemoSetup {
            activity,
            step: DEFAULT_STEP,
            sandbox_addrs: None,
        }
    }
}

/// The default longest pause between two steps: a tour round (ten calls and an SMS, with
/// Aircall's wrap-ups) takes about 2 min 25 s.
pub const DEFAULT_STEP: Duration = Duration::from_secs(2);

/// The demo's sandbox and the hub's webhook receiver: where Aircall's part is played (and,
/// with [`Stage::with_agent`], the agent's outcome picked).
#[derive(Debug, Clone)]
pub struct Stage {
    sandbox: Arc<Sandbox>,
    target: WebhookTarget,
    agent: Option<HubClient>,
}

impl Stage {
    /// A stage on this sandbox, delivering to `target`.
    pub fn new(sandbox: Arc<Sandbox>, target: WebhookTarget) -> Self {
        Stage {
            sandbox,
            target,
            agent: None,
        }
    }

    /// The same stage, picking outcomes with the demo agent's client of the hub.
    pub fn with_agent(mut self, agent: HubClient) -> Self {
        self.agent = Some(agent);
        self
    }

    /// The sandbox (its fake Aircall and Intercom).
    pub fn sandbox(&self) -> &Sandbox {
        &self.sandbox
    }

    /// A scenario player posting to the hub at this pace.
    pub fn player(&self, pace: Pace) -> Player {
        Player::new(&self.target.url, self.target.token.expose()).with_pace(pace)
    }

    /// Plays a scenario once, each pause at most `step` (the first step waits for its own time).
    /// A step the sandbox refuses or the hub cannot take stops it (and is logged).
    pub async fn play(&self, scenario: &Scenario, step: Duration) {
        self.play_picking(scenario, step, None).await;
    }

    /// [`Stage::play`], picking `pick`'s outcome for its call as the agent would, once the
    /// hub has taken that call's `user.wut_start` (the card shows the wrap-up then).
    pub async fn play_picking(
        &self,
        scenario: &Scenario,
        step: Duration,
        pick: Option<&OutcomePick>,
    ) {
        let player = self.player(Pace::Scaled {
            factor: 1.0,
            max_pause: step,
        });
        if let Some(first) = scenario.steps.first() {
            tokio::time::sleep(Duration::from_secs(first.at.max(0) as u64).min(step)).await;
        }
        let mut playback = player.playback(&self.sandbox, scenario);
        while let Some(next) = playback.peek().cloned() {
            match playback.step().await {
                Ok(Some(status)) if (200..300).contains(&status) => {
                    if next.event == "call.created" {
                        if let Some(id) = playback.call(&next.subject) {
                            timings::mark("ring", Some(id));
                        }
                    }
                    let picked = pick.filter(|p| {
                        p.subject == next.subject
                            && matches!(next.change, Change::WrapUpStart { .. })
                    });
                    if let (Some(pick), Some(id)) = (picked, playback.call(&next.subject)) {
                        self.pick_outcome(id, &pick.outcome).await;
                    }
                }
                Ok(Some(status)) => {
                    tracing::warn!(event = %next.event, status, "demo: the hub refused a webhook");
                }
                Ok(None) => break,
                Err(e) => {
                    tracing::warn!(scenario = %scenario.name, error = %e, "demo: the scenario stopped");
                    break;
                }
            }
        }
    }
}

impl Stage {
    /// Picks the call's outcome as the agent would: the app's request, with its idempotency
    /// key. A hub that refuses it (no such outcome, the call unknown) is logged.
    async fn pick_outcome(&self, call_id: u64, outcome: &str) {
        let Some(agent) = &self.agent else {
            return;
        };
        let action = Action {
            id: 0,
            call_id,
            request: Request::Outcome(outcome.to_owned()),
            idempotency_key: format!("demo-outcome-{call_id}"),
        };
        match agent.send(&action).await {
            Ok(()) => tracing::info!(
                call_id,
                outcome,
                "demo: the agent picked the call's outcome"
            ),
            Err(e) => {
                tracing::warn!(call_id, outcome, error = %e, "demo: the hub refused the outcome")
            }
        }
    }

    /// Plays Aircall's part after an agent's "Call back": every number the fake Aircall put in an
    /// agent's phone (`POST /v1/users/:id/dial`) becomes an outbound call from that agent, on the
    /// French support line (the American sales line for a `+1` number), which the hub then logs
    /// like any other. Runs until the demo stops. The sandbox is the demo's own, so every dial
    /// it holds is answered, including one made before this task first ran.
    pub async fn answer_dials(&self, step: Duration) {
        use ringside_sandbox::scenario::demo::{SALES_US, SUPPORT_FR};
        let mut answered = 0;
        loop {
            let dials = self.sandbox.aircall().dials();
            for dial in dials.iter().skip(answered) {
                let line = if dial.to.starts_with("+1") {
                    SALES_US
                } else {
                    SUPPORT_FR
                };
                self.play(&Scenario::outbound(&dial.to, line, dial.user_id), step)
                    .await;
            }
            answered = answered.max(dials.len());
            tokio::time::sleep(Duration::from_millis(250)).await;
        }
    }
}

/// Waits until `agent` has an event stream open on the hub (the app follows it), at most
/// `within`; after that the demo plays anyway, and says so.
pub async fn until_following(
    streams: &ringside_core::hub::OpenStreams,
    agent: &str,
    within: Duration,
) {
    let start = tokio::time::Instant::now();
    while streams.count(agent) == 0 {
        if start.elapsed() >= within {
            tracing::warn!(
                "demo: the app has not followed the hub after {} s; the calls play anyway",
                within.as_secs()
            );
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

impl Activity {
    /// Plays the activity on the stage, as a task the demo owns (aborted when it stops). The
    /// tour picks an outcome for each round's first call ([`OutcomePick::for_tour`]) and also
    /// answers the agent's "Call back" with the outbound call it makes
    /// ([`Stage::answer_dials`]); a script plays only itself, and a quiet demo leaves everything
    /// to the test that holds the stage.
    pub async fn play(self, stage: Stage, step: Duration) {
        match self {
            Activity::Tour => {
                let tour = async {
                    for round in 0.. {
                        let tour = Scenario::desktop_tour_round(round);
                        let pick = OutcomePick::for_tour(&tour, round);
                        stage.play_picking(&tour, step, pick.as_ref()).await;
                        tokio::time::sleep(step).await;
                    }
                };
                tokio::join!(tour, stage.answer_dials(step));
            }
            Activity::Script(scenario) => stage.play(&scenario, step).await,
            Activity::Quiet => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use std::time::Instant;

    use ringside_core::domain::callback::{CallbackList, CloseReason};
    use ringside_core::domain::history::HistoryItem;
    use ringside_sandbox::scenario::demo::{ALICE, JANE, SUPPORT_FR, UNKNOWN};
    use serde_json::Value;

    use super::*;
    use crate::modes::{self, DEMO_AGENT};

    /// Polls `ready` every 100 ms for at most `within`.
    async fn until<T>(
        what: &str,
        within: Duration,
        mut ready: impl AsyncFnMut() -> Option<T>,
    ) -> T {
        let start = Instant::now();
        loop {
            if let Some(found) = ready().await {
                return found;
            }
            assert!(start.elapsed() < within, "{what} within {within:?}");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    #[test]
    fn each_tour_round_picks_the_next_outcome_for_its_first_wrap_up() {
        let first = OutcomePick::for_tour(&Scenario::desktop_tour_round(0), 0).unwrap();
        let tour = Scenario::desktop_tour_round(5);
        let fifth = OutcomePick::for_tour(&tour, 5).unwrap();
        assert_eq!(first.outcome, "Resolved");
        assert_eq!(fifth.outcome, "Follow-up needed");
        // Jane's answered call, the tour's first.
        assert_eq!(first.subject, tour.steps[0].subject);
        assert!(tour
            .steps
            .iter()
            .any(|s| s.subject == first.subject && s.change == Change::Answer { user: ALICE }));
        assert_eq!(
            OutcomePick::for_tour(&Scenario::missed(UNKNOWN, SUPPORT_FR), 0),
            None
        );
    }

    /// The demo's tour as an agent watching it sees it, on the demo's own hub and sandbox:
    /// Alice's Intercom presence follows her calls, her first call's outcome reaches Intercom
    /// and Aircall, and the missed call she returns leaves the list to call back.
    #[tokio::test(flavor = "multi_thread")]
    async fn the_tour_shows_presence_an_outcome_and_a_call_returned() {
        let link = modes::demo(DemoSetup {
            step: Duration::from_millis(150),
            ..DemoSetup::new(Activity::Tour)
        })
        .await
        .unwrap();
        // The app follows the hub: the tour starts.
        let _stream = link.client.events(None).await.unwrap();
        let stage = link.local.as_ref().and_then(|l| l.stage.clone()).unwrap();
        let sandbox = stage.sandbox();
        let alice = sandbox.intercom().admin_by_email(DEMO_AGENT).unwrap();
        let (reasons, _) = sandbox.intercom().away_reasons();
        let reason = |label: &str| reasons.iter().find(|r| r.label == label).map(|r| r.id);
        let (on_call, wrap_up) = (reason("On a call").unwrap(), reason("Wrap-up").unwrap());
        // Intercom tells of every change of Alice's away mode: away on a call, then in her
        // wrap-up, then back.
        let changes = || {
            sandbox
                .intercom_notifications()
                .into_iter()
                .filter(|n| {
                    n.body["topic"] == "admin.away_mode_updated"
                        && n.body["data"]["item"]["id"] == alice.id.as_str()
                })
                .map(|n| {
                    let item = &n.body["data"]["item"];
                    (
                        item["away_mode_enabled"].as_bool(),
                        item["away_status_reason_id"].as_i64(),
                    )
                })
                .collect::<Vec<_>>()
        };
        let within = Duration::from_secs(40);
        until(
            "Alice away on a call, in her wrap-up, then back",
            within,
            async || {
                let changes = changes();
                let away_on_call = changes
                    .iter()
                    .position(|c| *c == (Some(true), Some(on_call)))?;
                let in_wrap_up = changes[away_on_call..]
                    .iter()
                    .position(|c| *c == (Some(true), Some(wrap_up)))?
                    + away_on_call;
                changes[in_wrap_up..]
                    .iter()
                    .any(|c| c.0 == Some(false))
                    .then_some(())
            },
        )
        .await;
        // Round 0 picks "Resolved" for Jane's call: the hub's history shows it, Aircall's call has
        // the tag, and Jane's conversation has the attribute (a later round may replace it).
        let jane_call = until("the outcome in the history", within, async || {
            let history = link.client.get("/api/v1/calls?limit=200").await.ok()?;
            let history: Vec<HistoryItem> = serde_json::from_value(history).ok()?;
            history
                .into_iter()
                .find(|i| i.outcome.as_deref() == Some("Resolved"))
                .and_then(|i| i.id.parse::<u64>().ok())
        })
        .await;
        until("the outcome's tag on Aircall's call", within, async || {
            let call = sandbox.aircall().call(jane_call)?;
            call.tags.iter().any(|t| t.name == "Resolved").then_some(())
        })
        .await;
        // The call's conversation is Jane's (the hub logs each call into one of hers).
        until("the outcome on Jane's conversation", within, async || {
            let intercom = sandbox.intercom();
            intercom
                .conversations_of("6762f0dd1bb69f9f2193bb83")
                .iter()
                .any(|c| {
                    let attributes = intercom.custom_attributes(&c.id);
                    attributes
                        .get("Call outcome")
                        .and_then(Value::as_str)
                        .is_some_and(|o| DEMO_OUTCOMES.contains(&o))
                })
                .then_some(())
        })
        .await;
        assert_eq!(sandbox.aircall().call(jane_call).unwrap().raw_digits, JANE);
        // The missed call is on the list until Alice calls the number back a few calls later.
        let returned = until("the missed call returned", within, async || {
            let closed = link
                .client
                .get("/api/v1/callbacks?state=closed")
                .await
                .ok()?;
            let closed: CallbackList = serde_json::from_value(closed).ok()?;
            closed
                .items
                .into_iter()
                .find(|c| c.phone == "+33650505050" && c.close_reason.is_some())
        })
        .await;
        assert_eq!(returned.close_reason, Some(CloseReason::CalledBack));
        assert_eq!(
            returned.closed_by.map(|t| t.email.to_lowercase()),
            Some(DEMO_AGENT.to_owned())
        );
        if let Some(local) = link.local {
            local.shutdown().await;
        }
    }
}
