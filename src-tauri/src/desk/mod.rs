//! [`Desk`]: the desktop app's state — the link to a hub, the journal, the settings and the
//! connection — and everything the commands and the event stream do with it. It knows nothing
//! about windows: what the UI must hear goes out through a [`UiSink`] as [`UiEvent`]s.

mod callbacks;
mod dial;
mod events;
mod history;
mod integration;
mod ringing;
mod signin;
mod words;
mod wrapup;

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use ringside_core::card::system_clock;
use ringside_core::limits::{NOTE_MAX_CHARS, TAG_MAX_CHARS};
use ringside_core::Secret;
use serde::Serialize;
use serde_json::Value;
use tokio::sync::watch;

use crate::demo::DemoSetup;
use crate::error::{Error, Result};
use crate::journal::{Journal, Request, StoredCard};
use crate::modes::{self, Link};
use crate::remote::HubClient;
use crate::settings::Settings;
use crate::stream::{self, Connection};
use crate::vault::{SecretName, Vault};

pub use callbacks::{CallbackRow, CallbacksView, DayView};
pub use dial::Dialed;
pub use history::{HistoryRow, HistoryView};
pub use integration::{LastRun, SyncStatus};
pub use signin::{InvitationOffer, SignedIn};
pub use wrapup::{Presence, WrapUp, WrapUpEnded};

/// What the UI hears. Names are namespaced (`call://ringing`).
#[derive(Debug, Clone, Serialize)]
#[serde(untagged)]
pub enum UiEvent {
    /// The status changed (connection, queue, pause).
    Status(Status),
    /// A call changed state; its card (if known) comes with it.
    Call {
        /// The card and state.
        card: Box<StoredCard>,
        /// Show a desktop notification.
        #[serde(skip)]
        notify: bool,
        /// Open the card window.
        #[serde(skip)]
        open: bool,
    },
    /// The history changed (a call was logged or skipped).
    History,
    /// An inbound SMS or WhatsApp message to pop up.
    Message(MessageCard),
    /// An invitation link arrived (a `ringside://join` link the desktop opened with the app):
    /// the main window offers to join, and joins only when the agent says so.
    Invitation(InvitationOffer),
    /// The hub ended a call's wrap-up (Aircall's wrap-up time, or the hub's timer): the card
    /// leaves it, unless a required outcome is missing.
    WrapUpEnded(WrapUpEnded),
    /// The "To call back" list changed (an item opened, was claimed or closed, or the list was
    /// read again): the list as it now stands, for the main window and the tray's count.
    Callbacks(CallbacksView),
}

/// An inbound message's card.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct MessageCard {
    /// Aircall's id.
    pub message_id: String,
    /// `SMS` or `WhatsApp`.
    pub channel: String,
    /// "New SMS" or "New WhatsApp message", in words.
    pub title: String,
    /// The customer's number.
    pub phone: Option<String>,
    /// The Aircall line's name.
    pub line: Option<String>,
    /// The message's text.
    pub text: String,
    /// When it arrived, UNIX seconds.
    pub received_at: i64,
}

impl UiEvent {
    /// The event's name for `emit`.
    pub fn name(&self) -> &'static str {
        match self {
            UiEvent::Status(_) => "status://changed",
            UiEvent::Call { .. } => "call://changed",
            UiEvent::History => "history://changed",
            UiEvent::Message(_) => "message://received",
            UiEvent::Invitation(_) => "signin://invitation",
            UiEvent::WrapUpEnded(_) => "wrapup://ended",
            UiEvent::Callbacks(_) => "callbacks://changed",
        }
    }
}

/// Where the desk sends UI events.
pub type UiSink = Arc<dyn Fn(UiEvent) + Send + Sync>;

/// How the app runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Mode {
    /// Connected or standalone, from the settings.
    Configured,
    /// The built-in sandbox.
    Demo,
}

/// The app's status, for the tray and the windows.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Status {
    /// `connected`, `standalone`, `demo`, or `not set up` before the first settings are saved.
    pub mode: String,
    /// The hub's address.
    pub hub: Option<String>,
    /// The event stream.
    pub connection: Connection,
    /// Tags and notes waiting for the hub.
    pub queued: u64,
    /// Notifications paused.
    pub paused: bool,
}

/// Sent now, or kept until the hub is back.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Delivery {
    /// The hub accepted it.
    Sent,
    /// Kept in the journal; sent once the hub is reachable.
    Queued,
    /// Kept in the journal: the hub refuses the agent's token (rotated, revoked or mistyped);
    /// sent once the token is fixed in Settings.
    WaitingForToken,
}

struct Live {
    link: Link,
    stop: watch::Sender<bool>,
}

/// The desktop app's state.
pub struct Desk {
    journal: Journal,
    vault: Arc<dyn Vault>,
    data_dir: PathBuf,
    mode: Mode,
    demo: Mutex<Option<DemoSetup>>,
    live: tokio::sync::Mutex<Option<Live>>,
    client: Mutex<Option<HubClient>>,
    connection: Mutex<Connection>,
    paused: AtomicBool,
    flushing: tokio::sync::Mutex<()>,
    /// Reading a new hub instance's backlog: calls are not popped up until it is read.
    catching_up: AtomicBool,
    /// The calls that rang during that backlog, shown if they still ring at its end.
    held: Mutex<std::collections::BTreeSet<u64>>,
    /// The sign-in under way: dropping or firing it cancels it.
    signing_in: Mutex<Option<tokio::sync::oneshot::Sender<()>>>,
    /// The last invitation link the desktop handed over, until the window takes it.
    invitation: Mutex<Option<InvitationOffer>>,
    ui: UiSink,
}

impl std::fmt::Debug for Desk {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Desk")
            .field("mode", &self.mode)
            .field("data_dir", &self.data_dir)
            .finish_non_exhaustive()
    }
}

/// Where the stream's position is kept in the journal.
const LAST_EVENT_ID: &str = "last_event_id";
/// The last inbound message's card, for a card window that opens after it arrived.
const LAST_MESSAGE: &str = "last_message";
/// The instance of the hub that position belongs to, when the hub names it.
const HUB_INSTANCE: &str = "hub_instance";

fn now() -> i64 {
    system_clock()()
}

impl Desk {
    /// A desk on this journal and vault; `demo` makes it a demo.
    pub fn new(
        journal: Journal,
        vault: Arc<dyn Vault>,
        data_dir: PathBuf,
        demo: Option<DemoSetup>,
        ui: UiSink,
    ) -> Arc<Desk> {
        Arc::new(Desk {
            journal,
            vault,
            data_dir,
            mode: if demo.is_some() {
                Mode::Demo
            } else {
                Mode::Configured
            },
            demo: Mutex::new(demo),
            live: tokio::sync::Mutex::new(None),
            client: Mutex::new(None),
            connection: Mutex::new(Connection::Offline {
                reason: "starting".into(),
            }),
            paused: AtomicBool::new(false),
            flushing: tokio::sync::Mutex::new(()),
            catching_up: AtomicBool::new(false),
            held: Mutex::new(Default::default()),
            signing_in: Mutex::new(None),
            invitation: Mutex::new(None),
            ui,
        })
    }

    /// The journal.
    pub fn journal(&self) -> &Journal {
        &self.journal
    }

    /// (Re)connects: stops the current link, opens the one the mode and settings say, and
    /// follows its event stream. A failure leaves the desk offline with the reason.
    pub async fn connect(self: &Arc<Self>) -> Result<()> {
        let mut live = self.live.lock().await;
        if let Some(old) = live.take() {
            old.stop.send_replace(true);
            *self.client.lock().unwrap_or_else(|e| e.into_inner()) = None;
            if let Some(local) = old.link.local {
                local.shutdown().await;
            }
        }
        let link = match self.mode {
            Mode::Demo => {
                let setup = self.demo.lock().unwrap_or_else(|e| e.into_inner()).take();
                match setup {
                    Some(setup) => modes::demo(setup).await,
                    None => Err(Error::Invalid("the demo runs once per app".into())),
                }
            }
            Mode::Configured => match self.settings() {
                Ok(settings) => {
                    modes::open(&settings, self.vault.as_ref(), self.data_dir.clone()).await
                }
                Err(e) => Err(e),
            },
        };
        let link = match link {
            Ok(link) => link,
            Err(e) => {
                self.set_connection(Connection::Offline {
                    reason: e.to_string(),
                });
                return Err(e);
            }
        };
        let (stop, stop_rx) = watch::channel(false);
        *self.client.lock().unwrap_or_else(|e| e.into_inner()) = Some(link.client.clone());
        tokio::spawn(stream::follow(
            link.client.clone(),
            events::Follower(Arc::downgrade(self)),
            stop_rx,
        ));
        *live = Some(Live { link, stop });
        Ok(())
    }

    /// Stops the link (and an in-process hub).
    pub async fn disconnect(&self) {
        if let Some(old) = self.live.lock().await.take() {
            old.stop.send_replace(true);
            *self.client.lock().unwrap_or_else(|e| e.into_inner()) = None;
            if let Some(local) = old.link.local {
                local.shutdown().await;
            }
        }
    }

    /// The demo's stage (demo mode, once connected): the sandbox and the hub's webhook
    /// receiver, where a test plays Aircall's part.
    pub async fn stage(&self) -> Option<crate::demo::Stage> {
        let live = self.live.lock().await;
        live.as_ref()?.link.local.as_ref()?.stage.clone()
    }

    /// Whether the demo's activity has played all it had to (see
    /// [`LocalHub::activity_finished`](crate::modes::LocalHub::activity_finished)).
    pub async fn demo_finished(&self) -> bool {
        let live = self.live.lock().await;
        live.as_ref()
            .and_then(|l| l.link.local.as_ref())
            .is_some_and(|local| local.activity_finished())
    }

    fn client(&self) -> Result<HubClient> {
        self.client
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
            .ok_or_else(|| Error::Offline(self.offline_reason()))
    }

    fn offline_reason(&self) -> String {
        match &*self.connection.lock().unwrap_or_else(|e| e.into_inner()) {
            Connection::Offline { reason }
            | Connection::Unauthorized { reason }
            | Connection::Reconnecting { reason, .. } => reason.clone(),
            Connection::Connecting | Connection::Connected => "not connected yet".into(),
        }
    }

    /// The status now.
    pub fn status(&self) -> Result<Status> {
        let mode = match self.mode {
            Mode::Demo => "demo".to_owned(),
            // The first run: the setup is open and no mode is chosen yet.
            Mode::Configured if self.first_run()? => "not set up".to_owned(),
            Mode::Configured => match self.settings()?.mode {
                crate::settings::ModeKind::Connected => "connected".to_owned(),
                crate::settings::ModeKind::Standalone => "standalone".to_owned(),
            },
        };
        Ok(Status {
            mode,
            hub: self
                .client
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .as_ref()
                .map(|c| c.base().to_string()),
            connection: self
                .connection
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .clone(),
            queued: self.journal.queued()?,
            paused: self.paused.load(Ordering::SeqCst),
        })
    }

    fn announce_status(&self) {
        if let Ok(status) = self.status() {
            (self.ui)(UiEvent::Status(status));
        }
    }

    fn set_connection(self: &Arc<Self>, state: Connection) {
        let connected = state == Connection::Connected;
        *self.connection.lock().unwrap_or_else(|e| e.into_inner()) = state;
        self.announce_status();
        if connected {
            let desk = self.clone();
            tokio::spawn(async move {
                if let Err(e) = desk.flush().await {
                    tracing::warn!(error = %e, "cannot send the queued actions");
                }
                (desk.ui)(UiEvent::History);
                if let Err(e) = desk.catch_up_calls().await {
                    tracing::info!(error = %e, "cannot read the calls that rang before");
                }
                desk.refresh_callbacks().await;
            });
        }
    }

    /// Pauses or resumes notifications.
    pub fn pause(&self, paused: bool) {
        self.paused.store(paused, Ordering::SeqCst);
        self.announce_status();
    }

    /// The settings.
    pub fn settings(&self) -> Result<Settings> {
        Settings::load(&self.journal)
    }

    /// Saves the settings and reconnects with them.
    pub async fn save_settings(self: &Arc<Self>, settings: Settings) -> Result<Status> {
        let before = self.settings()?;
        settings.save(&self.journal)?;
        if (before.mode, before.hub_url.trim()) != (settings.mode, settings.hub_url.trim()) {
            // Event ids belong to one hub: another hub's stream starts from its present.
            self.journal.remove_meta(LAST_EVENT_ID)?;
            self.journal.remove_meta(HUB_INSTANCE)?;
        }
        self.reconnect_quietly().await;
        self.status()
    }

    /// Saves a secret in the keyring and reconnects with it.
    pub async fn save_secret(self: &Arc<Self>, name: SecretName, value: String) -> Result<Status> {
        self.vault.set(name, &Secret::new(value.trim()))?;
        self.reconnect_quietly().await;
        self.status()
    }

    /// Whether this is the first run: not a demo, and no settings saved yet.
    pub fn first_run(&self) -> Result<bool> {
        Ok(self.mode == Mode::Configured && !Settings::saved(&self.journal)?)
    }

    /// The setup's checks of the saved settings and secrets, in words.
    pub async fn check_setup(&self) -> Result<Vec<ringside_core::doctor::Check>> {
        let settings = self.settings()?;
        Ok(crate::checks::run(&settings, self.vault.as_ref()).await)
    }

    /// Standalone mode: registers the public webhook address with Aircall; returns it.
    pub async fn register_webhook(&self) -> Result<String> {
        if self.mode == Mode::Demo {
            return Err(Error::Invalid(
                "the demo plays its own calls; webhooks are for standalone mode".into(),
            ));
        }
        let settings = self.settings()?;
        modes::register_webhook(&settings, self.vault.as_ref(), &self.data_dir).await
    }

    /// The webhook address registered with Aircall from Settings, if any.
    pub fn registered_webhook(&self) -> Option<String> {
        match self.mode {
            Mode::Demo => None,
            Mode::Configured => modes::registered_webhook(&self.data_dir),
        }
    }

    /// Which secrets are saved (never their values).
    pub fn saved_secrets(&self) -> Result<Vec<SecretName>> {
        let mut out = Vec::new();
        for name in [
            SecretName::AgentToken,
            SecretName::AircallApiToken,
            SecretName::IntercomToken,
        ] {
            if self.vault.get(name)?.is_some() {
                out.push(name);
            }
        }
        Ok(out)
    }

    async fn reconnect_quietly(self: &Arc<Self>) {
        if self.mode == Mode::Configured {
            // An incomplete configuration is normal while the agent fills Settings in; the
            // status carries the reason.
            if let Err(e) = self.connect().await {
                tracing::info!(error = %e, "not connected");
            }
        }
    }

    /// A call's card: from the hub (and kept), else the one kept locally.
    pub async fn card(&self, call_id: u64) -> Result<StoredCard> {
        // What the hub had accepted before it was asked is in its answer.
        let seen = self.journal.last_sent_action(call_id)?;
        let fetched = match self.client() {
            Ok(client) => client.card(call_id).await.map_err(|e| match e {
                // A refused token: the kept card is all there is, as when the hub is away.
                e @ crate::remote::HubError::Unauthorized { .. } => Error::Offline(e.to_string()),
                e => Error::from(e),
            }),
            Err(e) => Err(e),
        };
        match fetched {
            Ok(card) => self
                .journal
                .save_fetched_card(call_id, &card, now(), seen)?,
            Err(Error::Offline(why)) => {
                return self.journal.card(call_id)?.ok_or(Error::Offline(why));
            }
            Err(e) => return Err(e),
        }
        self.journal
            .card(call_id)?
            .ok_or_else(|| Error::Invalid(format!("no card for call {call_id}")))
    }

    /// The last inbound message that popped up, if any.
    pub fn last_message(&self) -> Result<Option<MessageCard>> {
        Ok(self
            .journal
            .meta(LAST_MESSAGE)?
            .and_then(|m| serde_json::from_str(&m).ok()))
    }

    /// The last cards, newest first, from the journal.
    pub fn recent_cards(&self, limit: u32) -> Result<Vec<StoredCard>> {
        self.journal.recent_cards(limit.clamp(1, 100))
    }

    /// Intercom's tags for completion (the last list when the hub is away).
    pub async fn tags(&self) -> Result<Value> {
        let fetched = match self.client() {
            Ok(client) => client.get("/api/v1/tags").await.map_err(Error::from),
            Err(e) => Err(e),
        };
        match fetched {
            Ok(tags) => {
                self.journal.set_meta("tags", &tags.to_string())?;
                Ok(tags)
            }
            Err(Error::Offline(why)) => self
                .journal
                .meta("tags")?
                .and_then(|t| serde_json::from_str(&t).ok())
                .ok_or(Error::Offline(why)),
            Err(e) => Err(e),
        }
    }

    /// Queues the agent's action durably, then sends what is queued.
    pub async fn act(&self, call_id: u64, request: Request) -> Result<Delivery> {
        let request = checked(request)?;
        let action = self.journal.enqueue(call_id, &request, now())?;
        let report = self.flush().await?;
        self.announce_status();
        // The flush stops at the first action the hub cannot take now; the agent's waits
        // behind it for the same reason.
        let stopped = matches!(
            report.last().map(|s| &s.result),
            Some(Err(crate::remote::HubError::Unauthorized { .. }))
        );
        let mine = report
            .into_iter()
            .find(|s| s.id == action.id)
            .map(|s| s.result);
        match mine {
            Some(Ok(())) => Ok(Delivery::Sent),
            Some(Err(crate::remote::HubError::Refused { code, message, .. })) => {
                Err(Error::Hub { code, message })
            }
            Some(Err(e @ crate::remote::HubError::Unreadable(_))) => Err(e.into()),
            Some(Err(e @ crate::remote::HubError::Unauthorized { .. })) => {
                self.token_refused(e.to_string());
                Ok(Delivery::WaitingForToken)
            }
            None if stopped => Ok(Delivery::WaitingForToken),
            Some(Err(crate::remote::HubError::Unreachable(_))) | None => Ok(Delivery::Queued),
        }
    }

    /// The hub refused the agent's token: the status (tray, windows) says so until it
    /// reconnects with a token it takes.
    fn token_refused(&self, reason: String) {
        *self.connection.lock().unwrap_or_else(|e| e.into_inner()) =
            Connection::Unauthorized { reason };
        self.announce_status();
    }

    /// Sends the queued actions if a hub is linked.
    async fn flush(&self) -> Result<Vec<crate::queue::Sent>> {
        let _one_at_a_time = self.flushing.lock().await;
        let Ok(client) = self.client() else {
            return Ok(Vec::new());
        };
        crate::queue::flush(&self.journal, now(), |action| {
            let client = client.clone();
            async move { client.send(&action).await }
        })
        .await
    }
}

/// Trims and bounds what the agent typed.
fn checked(request: Request) -> Result<Request> {
    let bounded = |value: String, what: &str, max: usize| {
        let value = value.trim().to_owned();
        if value.is_empty() {
            Err(Error::Invalid(crate::i18n::text(
                "error-empty",
                &[("what", what.into())],
            )))
        } else if value.chars().count() > max {
            Err(Error::Invalid(crate::i18n::text(
                "error-too-long",
                &[("what", what.into()), ("max", max.into())],
            )))
        } else {
            Ok(value)
        }
    };
    Ok(match request {
        Request::AddTag(t) => Request::AddTag(bounded(t, "tag", TAG_MAX_CHARS)?),
        Request::RemoveTag(t) => Request::RemoveTag(bounded(t, "tag", TAG_MAX_CHARS)?),
        Request::Note(n) => Request::Note(bounded(n, "note", NOTE_MAX_CHARS)?),
        Request::Contact(c) => Request::Contact(bounded(c, "contact", 100)?),
        Request::Outcome(o) => Request::Outcome(o.trim().to_owned()),
        Request::Done => Request::Done,
    })
}
