//! Demo activity: what plays Aircall's part in demo mode, delivering real webhooks to the
//! in-process hub so that every card, notification and log entry comes from the real engine.
//!
//! The [`Player`] trait is the seam: [`BuiltinPlayer`] (here) changes the sandbox's Aircall
//! calls and posts the matching webhook envelopes itself; the sandbox's own scenario player
//! (`ringside_sandbox::scenario`) can take its place behind the same trait.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use ringside_core::aircall::AircallClient;
use ringside_core::card::system_clock;
use ringside_core::Secret;
use ringside_sandbox::aircall::NewCall;
use ringside_sandbox::Sandbox;
use serde_json::{json, Value};

/// Where Aircall's webhooks go: the hub's receiver and the token it expects in bodies.
#[derive(Debug, Clone)]
pub struct WebhookTarget {
    /// `http://127.0.0.1:PORT/webhooks/aircall`.
    pub url: String,
    /// The token Aircall puts in every body.
    pub token: Secret,
}

/// How demo mode starts: who plays the calls, and where the sandbox listens (free ports when
/// `None`; an end-to-end test picks them so it can look into the fake Intercom).
pub struct DemoSetup {
    /// Plays the calls.
    pub player: Box<dyn Player>,
    /// The fake Aircall's and the fake Intercom's addresses.
    pub sandbox_addrs: Option<(std::net::SocketAddr, std::net::SocketAddr)>,
}

impl std::fmt::Debug for DemoSetup {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DemoSetup")
            .field("sandbox_addrs", &self.sandbox_addrs)
            .finish_non_exhaustive()
    }
}

/// Plays Aircall activity on the sandbox and delivers it to the hub, until aborted.
pub trait Player: Send + 'static {
    /// The activity, as a task the demo owns.
    fn play(
        self: Box<Self>,
        sandbox: Arc<Sandbox>,
        aircall: AircallClient,
        target: WebhookTarget,
    ) -> Pin<Box<dyn Future<Output = ()> + Send>>;
}

/// Demo Aircall users and lines (see `ringside_sandbox`'s fixture).
const BOB: u64 = 1101;
const ALICE: u64 = 1102;
const SUPPORT_FR: u64 = 2201;
const SALES_US: u64 = 2202;

/// How a scripted call goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Rings, is answered by this agent, ends.
    Answered(u64),
    /// Rings, nobody answers.
    Missed,
    /// Answered by the first agent, transferred to the second, ends.
    Transferred(u64, u64),
}

/// One scripted call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Scene {
    /// What it shows.
    pub title: &'static str,
    /// The caller as Aircall shows the number.
    pub raw_digits: &'static str,
    /// The Aircall line.
    pub line: u64,
    /// How it goes.
    pub outcome: Outcome,
}

/// The demo's calls, in order; the player loops over them.
pub const SCENES: &[Scene] = &[
    Scene {
        title: "a known lead whose open conversation's owner is in a call",
        raw_digits: "+33 7 62 04 35 75",
        line: SUPPORT_FR,
        outcome: Outcome::Answered(ALICE),
    },
    Scene {
        title: "a contact with a hostile name",
        raw_digits: "+33 6 98 76 54 32",
        line: SUPPORT_FR,
        outcome: Outcome::Answered(ALICE),
    },
    Scene {
        title: "a missed call from an unknown number",
        raw_digits: "+33 6 50 50 50 50",
        line: SUPPORT_FR,
        outcome: Outcome::Missed,
    },
    Scene {
        title: "an anonymous caller",
        raw_digits: "anonymous",
        line: SUPPORT_FR,
        outcome: Outcome::Answered(ALICE),
    },
    Scene {
        title: "a number two contacts share",
        raw_digits: "+33 1 84 88 00 00",
        line: SUPPORT_FR,
        outcome: Outcome::Answered(ALICE),
    },
    Scene {
        title: "a transfer from Bob to Alice",
        raw_digits: "+1 442-249-7851",
        line: SALES_US,
        outcome: Outcome::Transferred(BOB, ALICE),
    },
];

/// The built-in player: [`SCENES`] in a loop, one step every few seconds.
#[derive(Debug, Clone)]
pub struct BuiltinPlayer {
    /// The pause between steps.
    pub step: Duration,
}

impl Default for BuiltinPlayer {
    fn default() -> Self {
        BuiltinPlayer {
            step: Duration::from_secs(4),
        }
    }
}

impl Player for BuiltinPlayer {
    fn play(
        self: Box<Self>,
        sandbox: Arc<Sandbox>,
        aircall: AircallClient,
        target: WebhookTarget,
    ) -> Pin<Box<dyn Future<Output = ()> + Send>> {
        Box::pin(async move {
            let director = Director::new(sandbox, aircall, target);
            loop {
                for scene in SCENES {
                    tracing::info!(scene = scene.title, "demo: a call");
                    if let Err(e) = director.run(scene, self.step).await {
                        tracing::warn!(scene = scene.title, error = %e, "demo: the scene stopped");
                    }
                    tokio::time::sleep(self.step * 2).await;
                }
            }
        })
    }
}

/// Plays Aircall's part for one call at a time: changes the sandbox's call, then delivers the
/// webhook that says so.
#[derive(Debug, Clone)]
pub struct Director {
    sandbox: Arc<Sandbox>,
    aircall: AircallClient,
    target: WebhookTarget,
    http: reqwest::Client,
}

impl Director {
    /// A director on this sandbox, delivering to `target`.
    pub fn new(sandbox: Arc<Sandbox>, aircall: AircallClient, target: WebhookTarget) -> Self {
        Director {
            sandbox,
            aircall,
            target,
            http: reqwest::Client::new(),
        }
    }

    /// The sandbox.
    pub fn sandbox(&self) -> &Sandbox {
        &self.sandbox
    }

    /// Plays one scene, `step` apart.
    pub async fn run(&self, scene: &Scene, step: Duration) -> Result<(), String> {
        let id = self.ring(scene.raw_digits, scene.line).await?;
        tokio::time::sleep(step).await;
        match scene.outcome {
            Outcome::Missed => {
                self.change(id, |c| {
                    c.status = "done".into();
                    c.ended_at = Some(system_clock()());
                    c.missed_call_reason = Some("agents_did_not_answer".into());
                })?;
                self.send("call.hungup", id, None).await?;
            }
            Outcome::Answered(agent) => {
                self.answer(id, agent).await?;
                tokio::time::sleep(step * 2).await;
                self.hang_up(id).await?;
            }
            Outcome::Transferred(first, second) => {
                self.answer(id, first).await?;
                tokio::time::sleep(step).await;
                let by = self.call(id).await?["user"].clone();
                self.change(id, |c| c.user_id = Some(second))?;
                let to = self.call(id).await?["user"].clone();
                self.send(
                    "call.transferred",
                    id,
                    Some(json!({"transferred_by": by, "transferred_to": to})),
                )
                .await?;
                tokio::time::sleep(step * 2).await;
                self.hang_up(id).await?;
            }
        }
        tokio::time::sleep(step).await;
        self.end(id).await
    }

    /// A new inbound call rings (`call.created`); returns its id.
    pub async fn ring(&self, raw_digits: &str, line: u64) -> Result<u64, String> {
        let id = self
            .sandbox
            .add_call(NewCall {
                raw_digits: raw_digits.to_owned(),
                number_id: Some(line),
                started_at: Some(system_clock()()),
                ..NewCall::default()
            })
            .map_err(|e| e.to_string())?;
        self.send("call.created", id, None).await?;
        Ok(id)
    }

    /// The call's data is final (`call.ended`).
    pub async fn end(&self, id: u64) -> Result<(), String> {
        self.send("call.ended", id, None).await
    }

    /// An agent picks up (`call.answered`).
    pub async fn answer(&self, id: u64, agent: u64) -> Result<(), String> {
        self.change(id, |c| {
            c.status = "answered".into();
            c.user_id = Some(agent);
            c.answered_at = Some(system_clock()());
        })?;
        self.send("call.answered", id, None).await
    }

    /// The call is hung up (`call.hungup`).
    pub async fn hang_up(&self, id: u64) -> Result<(), String> {
        self.change(id, |c| {
            c.status = "done".into();
            c.ended_at = Some(system_clock()());
        })?;
        self.send("call.hungup", id, None).await
    }

    fn change(
        &self,
        id: u64,
        f: impl FnOnce(&mut ringside_sandbox::aircall::Call),
    ) -> Result<(), String> {
        self.sandbox.update_call(id, f).map_err(|e| e.to_string())
    }

    /// The call as Aircall's API renders it: a webhook's `data` says the same.
    async fn call(&self, id: u64) -> Result<Value, String> {
        let call = self.aircall.call(id).await.map_err(|e| e.to_string())?;
        serde_json::to_value(call).map_err(|e| e.to_string())
    }

    async fn send(&self, event: &str, id: u64, extra: Option<Value>) -> Result<(), String> {
        let mut data = self.call(id).await?;
        if let (Some(data), Some(Value::Object(extra))) = (data.as_object_mut(), extra) {
            data.extend(extra);
        }
        let body = json!({
            "resource": "call",
            "event": event,
            "timestamp": system_clock()(),
            "token": self.target.token.expose(),
            "data": data,
        });
        let status = self
            .http
            .post(&self.target.url)
            .json(&body)
            .send()
            .await
            .map_err(|e| e.to_string())?
            .status();
        if status.is_success() {
            Ok(())
        } else {
            Err(format!("the hub answered {status} to {event}"))
        }
    }
}
