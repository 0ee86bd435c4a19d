//! Executing the outbox: each effect, in order per call or message, against Intercom and
//! Aircall, exactly once.
//!
//! Before a request is sent its row is marked in flight. If the hub dies before the answer is
//! recorded, the next attempt first looks for the effect in Intercom (the conversation among the
//! contact's, the note among the conversation's parts) and only sends it when it is not there.
//! Transient failures wait and retry with back-off, in order, so nothing is lost while a vendor
//! is down; a failure that cannot heal is recorded with its reason.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::{watch, Notify};

use crate::aircall::{AircallClient, Call, Message};
use crate::card::{self, Candidate, CardBuilder, Clock};
use crate::error::ApiError;
use crate::hub::events::HubEvent;
use crate::inbox::audience_of_call;
use crate::intercom::{self, Contact, ConversationState, IntercomClient, NewContact, Upserted};
use crate::pacing::Priority;
use crate::phone::{CallerId, Region};
use crate::rules::{AssignTarget, Effect, Fallback, Settings};
use crate::store::{Lane, OutboxRow, Store, StoreError, Subject};

/// How an attempt ended.
#[derive(Debug)]
enum Outcome {
    Done,
    Retry {
        after: Duration,
        error: String,
    },
    Fail(String),
    /// The subject cannot be logged automatically; its effects wait for an agent.
    Blocked {
        status: &'static str,
        reason: String,
        candidates: Vec<Candidate>,
    },
}

impl From<ApiError> for Outcome {
    fn from(e: ApiError) -> Self {
        let error = e.to_string();
        match &e {
            ApiError::RateLimited { reset_at, .. } => {
                let after = reset_at
                    .and_then(|t| t.duration_since(std::time::SystemTime::now()).ok())
                    .unwrap_or(Duration::from_secs(10));
                Outcome::Retry { after, error }
            }
            // A revoked token heals when the admin fixes it: keep the work, try again later.
            ApiError::Unauthorized { .. } => Outcome::Retry {
                after: Duration::from_secs(300),
                error,
            },
            e if e.is_transient() => Outcome::Retry {
                after: Duration::ZERO,
                error,
            },
            _ => Outcome::Fail(error),
        }
    }
}

/// Runs effects. Cheap to clone.
#[derive(Clone)]
pub struct Executor {
    store: Store,
    intercom: IntercomClient,
    aircall: Option<AircallClient>,
    cards: CardBuilder,
    settings: Settings,
    default_region: Region,
    clock: Clock,
    events: watch::Sender<i64>,
}

impl std::fmt::Debug for Executor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Executor")
            .field("settings", &self.settings)
            .finish_non_exhaustive()
    }
}

/// The longest wait between two attempts of one effect.
const MAX_BACKOFF: Duration = Duration::from_secs(300);

/// What the executor needs.
#[derive(Debug, Clone)]
pub struct ExecutorParts {
    /// The database.
    pub store: Store,
    /// Intercom.
    pub intercom: IntercomClient,
    /// Aircall, when configured.
    pub aircall: Option<AircallClient>,
    /// Integration settings.
    pub settings: Settings,
    /// Region for national numbers when the line's country is unknown.
    pub default_region: Region,
}

impl Executor {
    /// An executor; `events` is told the id of every event it writes.
    pub fn new(
        parts: ExecutorParts,
        cards: CardBuilder,
        clock: Clock,
        events: watch::Sender<i64>,
    ) -> Self {
        Executor {
            store: parts.store,
            intercom: parts.intercom.at(Priority::Logging),
            aircall: parts.aircall.map(|a| a.at(Priority::Logging)),
            cards: cards.with_clock(clock.clone()),
            settings: parts.settings,
            default_region: parts.default_region,
            clock,
            events,
        }
    }

    fn now(&self) -> i64 {
        (self.clock)()
    }

    /// Runs a lane until `shutdown` turns true, sleeping until work is due or `wake` is told.
    pub async fn run(&self, lane: Lane, wake: Arc<Notify>, mut shutdown: watch::Receiver<bool>) {
        loop {
            if *shutdown.borrow() {
                return;
            }
            let notified = wake.notified();
            tokio::pin!(notified);
            notified.as_mut().enable();
            let pause = match self.step(lane).await {
                // The other lane may have been waiting for this effect (a call's card comes
                // before its conversation): tell it.
                Ok(true) => {
                    wake.notify_waiters();
                    continue;
                }
                Ok(false) => match self.store.outbox_next_due_at(lane) {
                    Ok(Some(at)) => Duration::from_secs((at - self.now()).clamp(1, 60) as u64),
                    Ok(None) => Duration::from_secs(60),
                    Err(e) => {
                        tracing::error!(error = %e, "cannot read the outbox");
                        Duration::from_secs(5)
                    }
                },
                Err(e) => {
                    tracing::error!(error = %e, "outbox step failed");
                    Duration::from_secs(5)
                }
            };
            tokio::select! {
                _ = &mut notified => {}
                _ = tokio::time::sleep(pause) => {}
                _ = shutdown.changed() => {}
            }
        }
    }

    /// Executes the next due effect of a lane; false when none is due.
    pub async fn step(&self, lane: Lane) -> Result<bool, StoreError> {
        let Some(row) = self.store.outbox_next(lane, self.now())? else {
            return Ok(false);
        };
        let Some(subject) = self.store.subject(&row.subject_kind, &row.subject_id)? else {
            self.store
                .outbox_fail(row.id, "its call or message is unknown", self.now())?;
            return Ok(true);
        };
        let effect: Effect = match serde_json::from_value(row.effect.clone()) {
            Ok(e) => e,
            Err(e) => {
                self.store
                    .outbox_fail(row.id, &format!("unreadable effect: {e}"), self.now())?;
                return Ok(true);
            }
        };
        if effect.needs_conversation() && subject.conversation_id.is_none() {
            // Not an attempt: the conversation comes first (or never, for a call not logged).
            if subject.status == "off" {
                let why = subject
                    .reason
                    .clone()
                    .unwrap_or_else(|| "the call is not logged".into());
                self.store.outbox_fail(row.id, &why, self.now())?;
            } else {
                self.store
                    .outbox_retry(row.id, self.now() + 2, "waiting for the conversation")?;
            }
            return Ok(true);
        }
        self.store.outbox_start(row.id, self.now())?;
        let outcome = self.execute(&row, &subject, &effect).await;
        let now = self.now();
        match outcome {
            Outcome::Done => self.store.outbox_done(row.id, now)?,
            Outcome::Retry { after, error } => {
                let backoff = Duration::from_secs(1 << row.attempts.clamp(0, 8)).min(MAX_BACKOFF);
                let wait = after.max(backoff);
                tracing::warn!(key = %row.key, error = %error, wait_s = wait.as_secs(), "effect will be retried");
                self.store
                    .outbox_retry(row.id, now + wait.as_secs() as i64, &error)?;
            }
            Outcome::Fail(error) => {
                tracing::warn!(key = %row.key, error = %error, "effect failed");
                self.store.outbox_fail(row.id, &error, now)?;
            }
            Outcome::Blocked {
                status,
                reason,
                candidates,
            } => {
                let tried = subject.chosen_contact_id.as_deref();
                if !self.store.subject_blocked(
                    &subject.kind,
                    &subject.id,
                    status,
                    &reason,
                    tried,
                    now,
                )? {
                    // An agent chose a contact while this attempt ran: try again with it.
                    self.store
                        .outbox_retry(row.id, now, "a contact was chosen meanwhile")?;
                    return Ok(true);
                }
                // The agents' pick is checked against these (`POST …/contact`).
                let offered: Vec<&str> = candidates.iter().map(|c| c.id.as_str()).collect();
                self.store
                    .record_candidates(&subject.kind, &subject.id, &offered, now)?;
                let event = HubEvent::Skipped {
                    subject: subject.kind.clone(),
                    id: subject.id.clone(),
                    reason,
                    candidates,
                };
                self.announce(&event, self.audience(&subject))?;
            }
        }
        Ok(true)
    }

    async fn execute(&self, row: &OutboxRow, subject: &Subject, effect: &Effect) -> Outcome {
        let conversation = subject.conversation_id.clone().unwrap_or_default();
        let result = match effect {
            Effect::PushInsightCard => return self.push_card(row, subject).await,
            Effect::StartConversation { body } => {
                return self.start_conversation(row, subject, body).await
            }
            Effect::AddNote { body, author_email } => {
                self.add_note(row, &conversation, body, author_email.as_deref())
                    .await
            }
            Effect::Assign { target } => self.assign(&conversation, target).await,
            Effect::Tag { name, author_email } => {
                self.tag(&conversation, name, author_email.as_deref()).await
            }
            Effect::Untag { name, author_email } => {
                self.untag(&conversation, name, author_email.as_deref())
                    .await
            }
        };
        match result {
            Ok(()) => Outcome::Done,
            Err(e) => e.into(),
        }
    }

    /// The caller of a call or the customer of a message.
    fn caller(&self, subject: &Subject) -> Result<CallerId, String> {
        let (raw, country) = if subject.kind == "call" {
            let call: Call =
                serde_json::from_value(subject.snapshot.clone()).map_err(|e| e.to_string())?;
            (call.raw_digits.clone(), call.number.and_then(|n| n.country))
        } else {
            let m: Message =
                serde_json::from_value(subject.snapshot.clone()).map_err(|e| e.to_string())?;
            (
                m.external_number.or(m.raw_digits).unwrap_or_default(),
                m.number.and_then(|n| n.country),
            )
        };
        let region = country
            .and_then(|c| Region::parse(&c).ok())
            .unwrap_or(self.default_region);
        CallerId::parse(&raw, region).map_err(|e| e.to_string())
    }

    fn audience(&self, subject: &Subject) -> Vec<String> {
        serde_json::from_value::<Call>(subject.snapshot.clone())
            .map(|c| audience_of_call(&c))
            .unwrap_or_default()
    }

    fn announce(&self, event: &HubEvent, audience: Vec<String>) -> Result<(), StoreError> {
        let new = event.to_new(audience);
        let id = self
            .store
            .log_event(self.now(), &new.audience, &new.kind, &new.payload)?;
        self.events.send_replace(id);
        Ok(())
    }

    async fn push_card(&self, row: &OutboxRow, subject: &Subject) -> Outcome {
        let call_id: u64 = subject.id.parse().unwrap_or(0);
        let caller = match self.caller(subject) {
            Ok(c) => c,
            Err(e) => return Outcome::Fail(format!("the caller's number could not be read: {e}")),
        };
        let card = match self.cards.build(&caller, Some(call_id)).await {
            Ok(card) => card,
            // A card is only worth having while the call rings: retry for a minute at most.
            Err(e) if self.now() - created(row) < 60 => {
                return Outcome::Retry {
                    after: Duration::from_secs(1),
                    error: e.to_string(),
                }
            }
            Err(e) => return Outcome::Fail(e.to_string()),
        };
        // A shared number: the agents may pick one of these on the card.
        let offered: Vec<&str> = card
            .contact
            .candidates
            .iter()
            .map(|c| c.id.as_str())
            .collect();
        if let Err(e) =
            self.store
                .record_candidates(&subject.kind, &subject.id, &offered, self.now())
        {
            return Outcome::Fail(e.to_string());
        }
        if let Err(e) = self.announce(
            &HubEvent::CardReady {
                call_id,
                card: Box::new(card.clone()),
            },
            self.audience(subject),
        ) {
            return Outcome::Fail(e.to_string());
        }
        if !self.settings.push_insight_cards {
            return Outcome::Done;
        }
        let Some(aircall) = &self.aircall else {
            return Outcome::Done;
        };
        match aircall
            .at(Priority::Interactive)
            .push_insight_card(call_id, &card.to_insight_blocks())
            .await
        {
            Ok(()) => Outcome::Done,
            // The call ended before the card was ready: nothing left to show.
            Err(ApiError::Rejected { .. } | ApiError::NotFound { .. }) => Outcome::Done,
            Err(e) => e.into(),
        }
    }

    async fn start_conversation(&self, row: &OutboxRow, subject: &Subject, body: &str) -> Outcome {
        if subject.conversation_id.is_some() {
            return Outcome::Done;
        }
        let retry = row.attempts > 0;
        let contact = match self.contact_for(subject, retry).await {
            Ok(Ok(c)) => c,
            Ok(Err(blocked)) => return blocked,
            Err(e) => return e.into(),
        };
        // A previous attempt may have created the conversation before the hub died.
        if retry {
            match self.find_started(&contact, body, created(row)).await {
                Ok(Some(id)) => return self.logged(subject, &contact, &id),
                Ok(None) => {}
                Err(e) => return e.into(),
            }
        }
        match self.intercom.start_conversation(&contact, body).await {
            Ok(started) => self.logged(subject, &contact, &started.conversation_id),
            Err(e) => match Outcome::from(e) {
                // Without its conversation nothing else of the subject can be logged.
                Outcome::Fail(reason) => Outcome::Blocked {
                    status: "failed",
                    reason,
                    candidates: Vec::new(),
                },
                other => other,
            },
        }
    }

    fn logged(&self, subject: &Subject, contact: &Contact, conversation_id: &str) -> Outcome {
        if let Err(e) = self.store.subject_logged(
            &subject.kind,
            &subject.id,
            &contact.id,
            conversation_id,
            self.now(),
        ) {
            return Outcome::Retry {
                after: Duration::from_secs(1),
                error: e.to_string(),
            };
        }
        let url = self
            .workspace()
            .map(|w| intercom::conversation_url(&w, conversation_id))
            .unwrap_or_default();
        let event = HubEvent::Logged {
            subject: subject.kind.clone(),
            id: subject.id.clone(),
            conversation_id: conversation_id.to_owned(),
            url,
        };
        if let Err(e) = self.announce(&event, self.audience(subject)) {
            tracing::warn!(error = %e, "cannot record the logged event");
        }
        Outcome::Done
    }

    /// The contact to log to: the agent's choice, the one contact with the number, a new one,
    /// or the shared anonymous contact. `Ok(Err(..))` when it must wait for an agent.
    async fn contact_for(
        &self,
        subject: &Subject,
        retry: bool,
    ) -> Result<Result<Contact, Outcome>, ApiError> {
        if let Some(id) = &subject.chosen_contact_id {
            return Ok(Ok(self.intercom.contact(id).await?));
        }
        let caller = match self.caller(subject) {
            Ok(c) => c,
            Err(e) => {
                let reason = format!("the number could not be read ({e})");
                return Ok(Err(Outcome::Blocked {
                    status: "skipped",
                    reason,
                    candidates: Vec::new(),
                }));
            }
        };
        let number = match caller {
            CallerId::Anonymous => return self.anonymous_contact().await,
            CallerId::Number(n) => n,
        };
        let indexed = if retry {
            None
        } else {
            match self.cards.contacts_for(&number).await {
                Ok(found) => Some(found),
                Err(card::CardError::Api(e)) => return Err(e),
                Err(card::CardError::Store(e)) => {
                    return Ok(Err(Outcome::Retry {
                        after: Duration::from_secs(1),
                        error: e.to_string(),
                    }))
                }
            }
        };
        // Before creating a contact, or after a crash, look live: the index may not know a
        // contact a previous attempt created, or a card's search that started before another
        // call created the contact may have written "nobody" over it.
        let found = match indexed {
            Some(found) if !found.is_empty() || !self.settings.create_contacts => found,
            _ => {
                let live = self.intercom.contacts_with_phone(&number).await?;
                let _ = self.store.record_lookup(&number, &live, self.now());
                live
            }
        };
        match found.len() {
            1 => Ok(Ok(found.into_iter().next().expect("one"))),
            0 if self.settings.create_contacts => {
                let new = NewContact {
                    role: self.settings.new_contact_role,
                    name: Some(format!("{number} Aircall new contact")),
                    email: None,
                    phone: Some(number.to_string()),
                };
                let contact = self.upsert(&new).await?;
                let _ =
                    self.store
                        .record_lookup(&number, std::slice::from_ref(&contact), self.now());
                Ok(Ok(contact))
            }
            0 => Ok(Err(Outcome::Blocked {
                status: "skipped",
                reason: "no Intercom contact has this number and creating contacts is turned off"
                    .into(),
                candidates: Vec::new(),
            })),
            n => {
                let workspace = self.workspace().unwrap_or_default();
                let candidates = found
                    .iter()
                    .map(|c| Candidate {
                        id: c.id.clone(),
                        name: c
                            .name
                            .clone()
                            .or_else(|| c.email.clone())
                            .unwrap_or_else(|| c.id.clone()),
                        kind: c.role,
                        url: intercom::contact_url(&workspace, &c.id),
                    })
                    .collect();
                Ok(Err(Outcome::Blocked {
                    status: "skipped",
                    reason: format!("{n} contacts share this number"),
                    candidates,
                }))
            }
        }
    }

    async fn upsert(&self, new: &NewContact) -> Result<Contact, ApiError> {
        match self.intercom.create_contact(new).await? {
            Upserted::Created(c) => Ok(c),
            Upserted::Existing(id) => self.intercom.contact(&id).await,
        }
    }

    async fn anonymous_contact(&self) -> Result<Result<Contact, Outcome>, ApiError> {
        let query = intercom::Query::eq("email", card::ANONYMOUS_EMAIL);
        if let Some(c) = self
            .intercom
            .search_contacts(&query, 5, None)
            .await?
            .contacts
            .into_iter()
            .next()
        {
            return Ok(Ok(c));
        }
        if !self.settings.create_contacts {
            return Ok(Err(Outcome::Blocked {
                status: "skipped",
                reason: "the caller is anonymous and creating contacts is turned off".into(),
                candidates: Vec::new(),
            }));
        }
        let new = NewContact {
            role: self.settings.new_contact_role,
            name: Some(card::ANONYMOUS_NAME.to_owned()),
            email: Some(card::ANONYMOUS_EMAIL.to_owned()),
            phone: None,
        };
        Ok(Ok(self.upsert(&new).await?))
    }

    /// A conversation this contact started with this body since the effect was queued, that no
    /// other call or message is logged in.
    async fn find_started(
        &self,
        contact: &Contact,
        body: &str,
        since: i64,
    ) -> Result<Option<String>, ApiError> {
        let states = [
            ConversationState::Open,
            ConversationState::Closed,
            ConversationState::Snoozed,
        ];
        let recent = self
            .intercom
            .conversations_of(&contact.id, &states, 20)
            .await?;
        // Another call or message of this contact may start with the same words: a
        // conversation already logged for it is not the one this effect may have started.
        let mut candidates: Vec<_> = recent
            .into_iter()
            .filter(|c| {
                c.created_at >= since - 5
                    && c.source_body.as_deref().is_some_and(|b| same_text(b, body))
                    && !self.store.conversation_logged(&c.id).unwrap_or(false)
            })
            .collect();
        candidates.sort_by_key(|c| c.created_at);
        Ok(candidates.into_iter().next().map(|c| c.id))
    }

    async fn integration_admin(&self) -> Result<String, ApiError> {
        let key = self.intercom.identity_key();
        if let Ok(Some(identity)) = self.store.intercom_identity(key) {
            return Ok(identity.admin_id);
        }
        let me = self.intercom.me().await?;
        if let Err(e) = self.store.set_intercom_identity(key, &(&me).into()) {
            tracing::warn!(error = %e, "cannot remember the Intercom workspace");
        }
        Ok(me.admin.id)
    }

    /// The workspace id of the token, when known (links are left out until it is).
    fn workspace(&self) -> Option<String> {
        let identity = self.store.intercom_identity(self.intercom.identity_key());
        identity.ok().flatten().map(|i| i.workspace_id)
    }

    /// The Intercom admin with this email (case-insensitive), from a cache refreshed every ten
    /// minutes or when the email is not in it.
    async fn admin_by_email(&self, email: &str) -> Result<Option<String>, ApiError> {
        let find = |admins: &[intercom::Admin]| {
            admins
                .iter()
                .find(|a| {
                    a.email
                        .as_deref()
                        .is_some_and(|e| e.eq_ignore_ascii_case(email))
                })
                .map(|a| a.id.clone())
        };
        if let Ok((cached, Some(at))) = self.store.admins() {
            if self.now() - at < 600 {
                if let Some(id) = find(&cached) {
                    return Ok(Some(id));
                }
                if self.now() - at < 60 {
                    return Ok(None);
                }
            }
        }
        let admins = self.intercom.admins().await?;
        let _ = self.store.replace_admins(&admins, self.now());
        Ok(find(&admins))
    }

    async fn add_note(
        &self,
        row: &OutboxRow,
        conversation: &str,
        body: &str,
        author_email: Option<&str>,
    ) -> Result<(), ApiError> {
        if row.attempts > 0 {
            let existing = self.intercom.conversation(conversation).await?;
            let posted = existing
                .parts
                .iter()
                .filter(|p| {
                    p.part_type == "note" && p.body.as_deref().is_some_and(|b| same_text(b, body))
                })
                .count();
            // The same words may be noted twice (a comment written twice): this note is there
            // only if Intercom has more of them than the subject's notes already done.
            if posted > self.notes_done(row, body) {
                return Ok(());
            }
        }
        let author = self.author(author_email).await?;
        self.intercom
            .add_note(conversation, &author, body)
            .await
            .map(|_| ())
    }

    /// How many notes with these words the row's subject has already posted.
    fn notes_done(&self, row: &OutboxRow, body: &str) -> usize {
        let rows = self
            .store
            .outbox_of(&row.subject_kind, &row.subject_id)
            .unwrap_or_default();
        rows.iter()
            .filter(|r| r.state == "done")
            .filter(|r| {
                matches!(serde_json::from_value(r.effect.clone()),
                    Ok(Effect::AddNote { body: b, .. }) if same_text(&b, body))
            })
            .count()
    }

    async fn assign(&self, conversation: &str, target: &AssignTarget) -> Result<(), ApiError> {
        let actor = self.integration_admin().await?;
        let assignee = match target {
            AssignTarget::IntegrationAdmin => Some(actor.clone()),
            AssignTarget::Teammate {
                email, fallback, ..
            } => match self.admin_by_email(email).await? {
                Some(id) => Some(id),
                None => match fallback {
                    Fallback::IntegrationAdmin => Some(actor.clone()),
                    Fallback::Keep | Fallback::Unassigned => None,
                },
            },
        };
        match assignee {
            Some(id) => self
                .intercom
                .assign(conversation, &actor, Some(&id), None)
                .await
                .map(|_| ()),
            None => Ok(()),
        }
    }

    /// The admin an agent's action is written as: theirs when the emails match, else the
    /// integration admin.
    async fn author(&self, email: Option<&str>) -> Result<String, ApiError> {
        if let Some(email) = email {
            if let Some(id) = self.admin_by_email(email).await? {
                return Ok(id);
            }
        }
        self.integration_admin().await
    }

    async fn tag(
        &self,
        conversation: &str,
        name: &str,
        author_email: Option<&str>,
    ) -> Result<(), ApiError> {
        let admin = self.author(author_email).await?;
        let tag = self.intercom.tag_named(name).await?;
        self.intercom
            .attach_tag(conversation, &tag.id, &admin)
            .await
    }

    async fn untag(
        &self,
        conversation: &str,
        name: &str,
        author_email: Option<&str>,
    ) -> Result<(), ApiError> {
        let admin = self.author(author_email).await?;
        let tags = self.intercom.tags().await?;
        let Some(tag) = tags.into_iter().find(|t| t.name.eq_ignore_ascii_case(name)) else {
            return Ok(());
        };
        match self
            .intercom
            .detach_tag(conversation, &tag.id, &admin)
            .await
        {
            Err(ApiError::NotFound { .. }) => Ok(()),
            other => other,
        }
    }
}

/// When the effect was queued (its first attempt at the latest).
fn created(row: &OutboxRow) -> i64 {
    row.created_at
}

/// Whether two texts are the same once markup and spacing are ignored (Intercom may wrap a
/// plain-text body in `<p>`).
fn same_text(a: &str, b: &str) -> bool {
    fn plain(s: &str) -> String {
        let mut out = String::new();
        let mut in_tag = false;
        for c in s.chars() {
            match c {
                '<' => in_tag = true,
                '>' => in_tag = false,
                c if !in_tag && !c.is_whitespace() => out.push(c),
                _ => {}
            }
        }
        out
    }
    plain(a) == plain(b)
}
