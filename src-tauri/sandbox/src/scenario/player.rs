//! Sending a scenario's webhooks to a hub as Aircall does: all at once or at a chosen pace,
//! or one step at a time ([`Playback`]).

use std::time::Duration;

use super::redelivery::DeliveryLog;
use super::{Envelope, Run, Scenario, ScenarioError, Staged, Step};
use crate::{clock, Sandbox};

/// How fast [`Player::play`] goes.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Pace {
    /// Every step at once, one after the other.
    Instant,
    /// Waits between steps: `factor` real seconds per scenario second (0.1 plays ten times
    /// faster than life), at most `max_pause` at a time.
    Scaled { factor: f64, max_pause: Duration },
}

/// Sends webhooks to a hub as Aircall does.
#[derive(Debug, Clone)]
pub struct Player {
    client: reqwest::Client,
    url: String,
    token: String,
    pace: Pace,
    /// Every post made, shared by clones ([`Player::deliveries`]).
    pub(super) log: DeliveryLog,
}

/// What [`Player::play`] did.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Played {
    /// The envelopes and ids, as [`stage`] returns them.
    pub staged: Staged,
    /// The HTTP status the hub answered to each envelope, in order.
    pub statuses: Vec<u16>,
}

impl Player {
    /// A player posting to `url` (e.g. `http://127.0.0.1:8790/webhooks/aircall`) with the
    /// webhook's `token`.
    pub fn new(url: impl Into<String>, token: impl Into<String>) -> Self {
        let client = reqwest::Client::builder()
            .timeout(Duration::from_secs(5))
            .build()
            .unwrap_or_default();
        Player {
            client,
            url: url.into(),
            token: token.into(),
            pace: Pace::Instant,
            log: DeliveryLog::default(),
        }
    }

    /// The same player at another pace.
    pub fn with_pace(mut self, pace: Pace) -> Self {
        self.pace = pace;
        self
    }

    /// Posts one envelope once; returns the hub's HTTP status (Aircall's 5-second timeout).
    pub async fn deliver(&self, envelope: &Envelope) -> Result<u16, ScenarioError> {
        let sent_at = std::time::Instant::now();
        let response = self
            .client
            .post(&self.url)
            .json(&envelope.body(&self.token))
            .send()
            .await;
        let status = response.as_ref().map_or(0, |r| r.status().as_u16());
        self.log.record(envelope, sent_at, status);
        let response = response.map_err(|e| ScenarioError::Delivery(e.to_string()))?;
        Ok(response.status().as_u16())
    }

    /// Posts one envelope until the hub answers 2xx, as Aircall redelivers, at most `attempts`
    /// times with `pause` between attempts; returns the last status (0: never answered).
    pub async fn deliver_until_accepted(
        &self,
        envelope: &Envelope,
        attempts: usize,
        pause: Duration,
    ) -> u16 {
        let mut last = 0;
        for attempt in 0..attempts.max(1) {
            if attempt > 0 {
                tokio::time::sleep(pause).await;
            }
            last = self.deliver(envelope).await.unwrap_or(0);
            if (200..300).contains(&last) {
                break;
            }
        }
        last
    }

    /// Plays a scenario step by step: changes the fake Aircall, then posts the webhook, waiting
    /// between steps as the pace says. The scenario starts now.
    pub async fn play(
        &self,
        sandbox: &Sandbox,
        scenario: &Scenario,
    ) -> Result<Played, ScenarioError> {
        let mut playback = self.playback(sandbox, scenario);
        while playback.step().await?.is_some() {}
        Ok(playback.finish())
    }

    /// A playback to drive one step at a time (the scenario starts now).
    pub fn playback<'a>(&'a self, sandbox: &'a Sandbox, scenario: &'a Scenario) -> Playback<'a> {
        Playback {
            player: self,
            run: Run::new(sandbox, clock::now()),
            scenario,
            next: 0,
            played: Played::default(),
        }
    }
}

impl Scenario {
    /// How long [`Player::play`] waits between the steps at `Pace::Scaled { factor, max_pause }`
    /// (the deliveries' own time not counted).
    pub fn paced_length(&self, factor: f64, max_pause: Duration) -> Duration {
        self.steps
            .windows(2)
            .map(|w| {
                let gap = (w[1].at - w[0].at).max(0) as f64 * factor.max(0.0);
                Duration::from_secs_f64(gap).min(max_pause)
            })
            .sum()
    }
}

/// A scenario being played one step at a time (see [`Player::playback`]).
#[derive(Debug)]
pub struct Playback<'a> {
    player: &'a Player,
    run: Run<'a>,
    scenario: &'a Scenario,
    next: usize,
    played: Played,
}

impl Playback<'_> {
    /// The step [`Playback::step`] plays next, if any.
    pub fn peek(&self) -> Option<&Step> {
        self.scenario.steps.get(self.next)
    }

    /// Waits as the pace says, plays the next step and posts its webhook; returns the hub's
    /// status, or `None` once every step was played.
    pub async fn step(&mut self) -> Result<Option<u16>, ScenarioError> {
        let Some(step) = self.scenario.steps.get(self.next) else {
            return Ok(None);
        };
        if let (Pace::Scaled { factor, max_pause }, Some(previous)) = (
            self.player.pace,
            self.next.checked_sub(1).map(|i| &self.scenario.steps[i]),
        ) {
            let gap = (step.at - previous.at).max(0) as f64 * factor.max(0.0);
            let pause = Duration::from_secs_f64(gap).min(max_pause);
            if !pause.is_zero() {
                tokio::time::sleep(pause).await;
            }
        }
        let envelope = self.run.apply(self.next, step)?;
        self.next += 1;
        let status = self.player.deliver(&envelope).await?;
        self.played.statuses.push(status);
        self.played.staged.envelopes.push(envelope);
        Ok(Some(status))
    }

    /// What was played so far, with the ids the subjects got.
    pub fn finish(mut self) -> Played {
        self.played.staged.calls = std::mem::take(&mut self.run.calls);
        self.played.staged.messages = std::mem::take(&mut self.run.messages);
        self.played
    }

    /// The Aircall id of a call started so far.
    pub fn call(&self, subject: &str) -> Option<u64> {
        self.run.calls.get(subject).copied()
    }
}
