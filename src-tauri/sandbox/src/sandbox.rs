//! The [`Sandbox`]: both fake servers, their state, and the handles tests use.

use std::io;
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::{Arc, Mutex};

use crate::aircall::{
    self, AircallApp, AircallState, AircallView, Call, Message, NewCall, NewMessage,
};
use crate::faults::{Api, Faults};
use crate::intercom::{self, IntercomApp, IntercomState, IntercomView, NewContact};
use crate::seed::Seed;
use crate::server::Server;
use crate::traffic::RequestLog;
use crate::{clock, Credentials};

/// Why a test mutator refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SandboxError {
    /// No Intercom admin has this id.
    #[error("no Intercom admin has id {0}")]
    UnknownAdmin(String),
    /// No Intercom contact has this id.
    #[error("no Intercom contact has id {0}")]
    UnknownContact(String),
    /// No Aircall user has this id.
    #[error("no Aircall user has id {0}")]
    UnknownUser(u64),
    /// No Aircall number has this id.
    #[error("no Aircall number has id {0}")]
    UnknownNumber(u64),
    /// No Aircall call has this id.
    #[error("no Aircall call has id {0}")]
    UnknownCall(u64),
    /// No Aircall message has this id.
    #[error("no Aircall message has id {0}")]
    UnknownMessage(String),
    /// No Aircall call tag has this id.
    #[error("no Aircall tag has id {0}")]
    UnknownTag(u64),
    /// Not one of Aircall's availabilities.
    #[error("`{0}` is not an availability (available, offline, do_not_disturb, in_call, after_call_work)")]
    InvalidAvailability(String),
    /// Intercom's rules refuse this away mode (a deleted reason, none where one is required).
    #[error("Intercom refuses this away mode: {0}")]
    AwayRefused(String),
}

/// A fake Aircall and a fake Intercom on loopback, with shared fault injection.
///
/// Dropping the sandbox (or [`Sandbox::shutdown`]) stops both servers and every connection.
#[derive(Debug)]
pub struct Sandbox {
    aircall_server: Server,
    intercom_server: Server,
    aircall: Arc<Mutex<AircallState>>,
    intercom: Arc<Mutex<IntercomState>>,
    aircall_log: RequestLog,
    intercom_log: RequestLog,
    faults: Faults,
    credentials: Credentials,
    workspace_id: String,
}

fn invalid_seed(error: crate::SeedError) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidInput, error)
}

impl Sandbox {
    /// Starts both servers on `127.0.0.1`, on free ports.
    pub async fn start(seed: Seed) -> io::Result<Sandbox> {
        let any = SocketAddr::from((Ipv4Addr::LOCALHOST, 0));
        Sandbox::start_on(seed, any, any).await
    }

    /// Starts the fake Aircall on `aircall` and the fake Intercom on `intercom`.
    pub async fn start_on(
        seed: Seed,
        aircall: SocketAddr,
        intercom: SocketAddr,
    ) -> io::Result<Sandbox> {
        seed.validate().map_err(invalid_seed)?;
        let now = clock::now();
        let (aircall_listener, aircall_addr) = Server::bind(aircall).await?;
        let (intercom_listener, intercom_addr) = Server::bind(intercom).await?;
        let aircall_state = AircallState::from_seed(&seed, now, format!("http://{aircall_addr}"))
            .map_err(invalid_seed)?;
        let intercom_state = IntercomState::from_seed(&seed, now).map_err(invalid_seed)?;
        let faults = Faults::new(&seed.rate_limits);
        let aircall_app = Arc::new(AircallApp {
            state: Arc::new(Mutex::new(aircall_state)),
            faults: faults.clone(),
            log: RequestLog::default(),
            api_id: seed.credentials.aircall_api_id.clone(),
            api_token: seed.credentials.aircall_api_token.clone(),
        });
        let intercom_app = Arc::new(IntercomApp {
            state: Arc::new(Mutex::new(intercom_state)),
            faults: faults.clone(),
            log: RequestLog::default(),
            token: seed.credentials.intercom_token.clone(),
        });
        let sandbox = Sandbox {
            aircall: aircall_app.state.clone(),
            intercom: intercom_app.state.clone(),
            aircall_log: aircall_app.log.clone(),
            intercom_log: intercom_app.log.clone(),
            aircall_server: Server::spawn(
                aircall_listener,
                aircall_addr,
                aircall::router(aircall_app),
            ),
            intercom_server: Server::spawn(
                intercom_listener,
                intercom_addr,
                intercom::router(intercom_app),
            ),
            faults,
            credentials: seed.credentials,
            workspace_id: seed.intercom.workspace.id_code,
        };
        tracing::debug!(
            aircall = %sandbox.aircall_url(),
            intercom = %sandbox.intercom_url(),
            "sandbox started"
        );
        Ok(sandbox)
    }

    /// The fake Intercom's OAuth: whom its authorize page approves as, and how its exchange
    /// wants its parameters.
    pub fn intercom_oauth(&self) -> intercom::IntercomOAuth {
        intercom::IntercomOAuth {
            state: self.intercom.clone(),
        }
    }

    /// `http://127.0.0.1:PORT` of the fake Aircall (paths are `/v1/...`, `/v2/...`).
    pub fn aircall_url(&self) -> String {
        format!("http://{}", self.aircall_server.addr())
    }

    /// `http://127.0.0.1:PORT` of the fake Intercom (paths are `/me`, `/contacts/search`, ...).
    pub fn intercom_url(&self) -> String {
        format!("http://{}", self.intercom_server.addr())
    }

    /// The credentials both fakes accept.
    pub fn credentials(&self) -> Credentials {
        self.credentials.clone()
    }

    /// The Intercom workspace id (`app.id_code`), e.g. `ecahpwf5`.
    pub fn workspace_id(&self) -> String {
        self.workspace_id.clone()
    }

    /// Latency, failures and budgets of both fakes.
    pub fn faults(&self) -> &Faults {
        &self.faults
    }

    /// Read access to the fake Intercom.
    pub fn intercom(&self) -> IntercomView {
        IntercomView {
            state: self.intercom.clone(),
            log: self.intercom_log.clone(),
        }
    }

    /// Read access to the fake Aircall.
    pub fn aircall(&self) -> AircallView {
        AircallView {
            state: self.aircall.clone(),
            log: self.aircall_log.clone(),
        }
    }

    /// How many requests `api` has received (answered or dropped).
    pub fn count_requests(&self, api: Api) -> usize {
        match api {
            Api::Aircall => self.aircall_log.len(),
            Api::Intercom => self.intercom_log.len(),
        }
    }

    /// Turns an Intercom admin's away mode on or off (without a reason; the workspace's rules
    /// apply), and notifies it like any change.
    pub fn set_admin_away(&self, admin_id: &str, away: bool) -> Result<(), SandboxError> {
        self.set_admin_away_with(admin_id, away, None)
    }

    /// Sets an Intercom admin's away mode with a reason, as the teammate would in Intercom
    /// (the workspace's rules apply: a deleted reason or none where one is required is
    /// refused, as the API refuses it).
    pub fn set_admin_away_with(
        &self,
        admin_id: &str,
        away: bool,
        reason_id: Option<i64>,
    ) -> Result<(), SandboxError> {
        let mut state = intercom::lock(&self.intercom);
        if !state.admins.iter().any(|a| a.id == admin_id) {
            return Err(SandboxError::UnknownAdmin(admin_id.to_owned()));
        }
        intercom::set_away(&mut state, admin_id, away, false, reason_id)
            .map(|_| ())
            .map_err(|e| SandboxError::AwayRefused(format!("{e:?}")))
    }

    /// Replaces the workspace's away reasons with these labels (each with whether it is
    /// deleted): none makes a workspace without reasons.
    pub fn set_away_reasons(&self, labels: &[(&str, bool)]) {
        intercom::lock(&self.intercom).away.replace(labels);
    }

    /// Makes an away reason required to set a teammate away, or not.
    pub fn set_away_reason_mandatory(&self, mandatory: bool) {
        intercom::lock(&self.intercom).away.mandatory = mandatory;
    }

    /// Sets an Aircall user's granular availability (`available`, `offline`,
    /// `do_not_disturb`, `in_call`, `after_call_work`).
    pub fn set_availability(
        &self,
        aircall_user_id: u64,
        availability: &str,
    ) -> Result<(), SandboxError> {
        if !aircall::AVAILABILITIES.contains(&availability) {
            return Err(SandboxError::InvalidAvailability(availability.to_owned()));
        }
        let mut state = aircall::lock(&self.aircall);
        let user = state
            .users
            .iter_mut()
            .find(|u| u.id == aircall_user_id)
            .ok_or(SandboxError::UnknownUser(aircall_user_id))?;
        user.set_availability(availability);
        Ok(())
    }

    /// Adds an Intercom contact directly (no duplicate check, searchable at once) and returns
    /// its id. `role: None` makes a user, as the API does.
    pub fn add_intercom_contact(&self, contact: NewContact) -> String {
        let mut state = intercom::lock(&self.intercom);
        state.insert_contact(contact, clock::now()).id
    }

    /// Adds many Intercom contacts under one lock (as [`Sandbox::add_intercom_contact`] does
    /// for one) and returns their ids in order. A few thousand take a fraction of a second.
    pub fn add_intercom_contacts(
        &self,
        contacts: impl IntoIterator<Item = NewContact>,
    ) -> Vec<String> {
        let mut state = intercom::lock(&self.intercom);
        let now = clock::now();
        contacts
            .into_iter()
            .map(|c| state.insert_contact(c, now).id)
            .collect()
    }

    /// Changes an Intercom contact in place, as an edit in Intercom would: `formatted_phone`
    /// follows the phone, and `updated_at` moves to now when anything changed (unless `change`
    /// set `updated_at` itself, to date the edit).
    pub fn update_intercom_contact(
        &self,
        contact_id: &str,
        change: impl FnOnce(&mut intercom::Contact),
    ) -> Result<(), SandboxError> {
        let mut state = intercom::lock(&self.intercom);
        let before = state
            .contact(contact_id)
            .cloned()
            .ok_or_else(|| SandboxError::UnknownContact(contact_id.to_owned()))?;
        let mut after = before.clone();
        change(&mut after);
        after.formatted_phone = state.formatted_phone(after.phone.as_deref());
        if after != before && after.updated_at == before.updated_at {
            after.updated_at = clock::now().max(before.updated_at);
        }
        if let Some(stored) = state.contacts.iter_mut().find(|c| c.id == contact_id) {
            *stored = after.clone();
        }
        if after != before {
            state.notify_contact("updated", &after);
        }
        Ok(())
    }

    /// Deletes an Intercom contact, as `DELETE /contacts/{id}` does.
    pub fn remove_intercom_contact(&self, contact_id: &str) -> Result<(), SandboxError> {
        let mut state = intercom::lock(&self.intercom);
        let before = state.contacts.len();
        state.contacts.retain(|c| c.id != contact_id);
        if state.contacts.len() == before {
            return Err(SandboxError::UnknownContact(contact_id.to_owned()));
        }
        state.notify_id("contact.deleted", contact_id, serde_json::json!({}));
        Ok(())
    }

    /// Archives an Intercom contact: it leaves listings, searches and reads
    /// (`contact.archived`).
    pub fn archive_intercom_contact(&self, contact_id: &str) -> Result<(), SandboxError> {
        let mut state = intercom::lock(&self.intercom);
        let index = state
            .contacts
            .iter()
            .position(|c| c.id == contact_id)
            .ok_or_else(|| SandboxError::UnknownContact(contact_id.to_owned()))?;
        let contact = state.contacts.remove(index);
        state.archived.push(contact);
        state.notify_id(
            "contact.archived",
            contact_id,
            serde_json::json!({"archived": true}),
        );
        Ok(())
    }

    /// Brings an archived contact back (`contact.unarchived`).
    pub fn unarchive_intercom_contact(&self, contact_id: &str) -> Result<(), SandboxError> {
        let mut state = intercom::lock(&self.intercom);
        let index = state
            .archived
            .iter()
            .position(|c| c.id == contact_id)
            .ok_or_else(|| SandboxError::UnknownContact(contact_id.to_owned()))?;
        let contact = state.archived.remove(index);
        state.contacts.push(contact);
        state.notify_id(
            "contact.unarchived",
            contact_id,
            serde_json::json!({"archived": false}),
        );
        Ok(())
    }

    /// Merges the lead `lead_id` into the user `user_id`, as Intercom does: the lead is gone,
    /// the user takes its phone when it has none, and `contact.merged` names both.
    pub fn merge_intercom_contacts(
        &self,
        lead_id: &str,
        user_id: &str,
    ) -> Result<(), SandboxError> {
        let mut state = intercom::lock(&self.intercom);
        let lead = state
            .contact(lead_id)
            .cloned()
            .ok_or_else(|| SandboxError::UnknownContact(lead_id.to_owned()))?;
        let user = state
            .contacts
            .iter_mut()
            .find(|c| c.id == user_id)
            .ok_or_else(|| SandboxError::UnknownContact(user_id.to_owned()))?;
        if user.phone.is_none() {
            user.phone = lead.phone.clone();
            user.formatted_phone = lead.formatted_phone.clone();
        }
        user.updated_at = clock::now().max(user.updated_at);
        let user = user.clone();
        state.contacts.retain(|c| c.id != lead_id);
        if state.notifier.is_on() {
            let mut item = user.to_json(&state.workspace.id_code);
            item["merged_from"] = serde_json::json!({"type": "contact", "id": lead_id});
            let app = state.workspace.id_code.clone();
            state
                .notifier
                .send("contact.merged", item, &app, clock::now());
        }
        Ok(())
    }

    /// Posts a signed notification to `url` for every contact change from now on (created,
    /// updated, deleted, archived, unarchived, merged), as an Intercom app registered there with
    /// this client secret would.
    pub fn deliver_intercom_notifications(&self, url: &str, client_secret: &str) {
        intercom::lock(&self.intercom)
            .notifier
            .start(url.to_owned(), client_secret.to_owned());
    }

    /// Every notification sent so far, once its delivery is over, in order.
    pub fn intercom_notifications(&self) -> Vec<intercom::SentNotification> {
        let sent = intercom::lock(&self.intercom).notifier.sent.clone();
        let list = sent
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone();
        list
    }

    /// Adds an Aircall call (as if it had just started ringing, by default) and returns its id.
    /// The call's contact is the Aircall contact with the same number, if any.
    pub fn add_call(&self, call: NewCall) -> Result<u64, SandboxError> {
        let mut state = aircall::lock(&self.aircall);
        if let Some(number) = call.number_id {
            state
                .number(number)
                .ok_or(SandboxError::UnknownNumber(number))?;
        }
        if let Some(user) = call.user_id {
            state.user(user).ok_or(SandboxError::UnknownUser(user))?;
        }
        let id = state.next_call_id();
        let call = state.new_call(id, call, clock::now());
        state.calls.push(call);
        Ok(id)
    }

    /// Changes a call in place, e.g. to answer it (`status`, `answered_at`, `user_id`) or end
    /// it (`status = "done"`, `ended_at`).
    pub fn update_call(
        &self,
        call_id: u64,
        change: impl FnOnce(&mut Call),
    ) -> Result<(), SandboxError> {
        let mut state = aircall::lock(&self.aircall);
        let call = state
            .calls
            .iter_mut()
            .find(|c| c.id == call_id)
            .ok_or(SandboxError::UnknownCall(call_id))?;
        change(call);
        Ok(())
    }

    /// Adds an SMS or WhatsApp message (as if it had just been received or sent) and returns
    /// its id.
    pub fn add_message(&self, message: NewMessage) -> Result<String, SandboxError> {
        let mut state = aircall::lock(&self.aircall);
        if let Some(number) = message.number_id {
            state
                .number(number)
                .ok_or(SandboxError::UnknownNumber(number))?;
        }
        if let Some(user) = message.user_id {
            state.user(user).ok_or(SandboxError::UnknownUser(user))?;
        }
        let message = state.new_message(message, clock::now());
        let id = message.id.clone();
        state.messages.push(message);
        Ok(id)
    }

    /// Changes a message in place, e.g. its `status` once delivered.
    pub fn update_message(
        &self,
        message_id: &str,
        change: impl FnOnce(&mut Message),
    ) -> Result<(), SandboxError> {
        let mut state = aircall::lock(&self.aircall);
        let message = state
            .messages
            .iter_mut()
            .find(|m| m.id == message_id)
            .ok_or_else(|| SandboxError::UnknownMessage(message_id.to_owned()))?;
        change(message);
        Ok(())
    }

    /// The fake Aircall's state, for the scenario player.
    pub(crate) fn aircall_state(&self) -> &Arc<Mutex<AircallState>> {
        &self.aircall
    }

    /// Stops both servers and waits until their tasks have ended.
    pub async fn shutdown(self) {
        let Sandbox {
            aircall_server,
            intercom_server,
            ..
        } = self;
        aircall_server.stop().await;
        intercom_server.stop().await;
    }
}
