//! Executing the outbox: the effects of many calls and messages side by side, each call's in
//! order, against Intercom, exactly once.
//!
//! The run loop claims due effects (at most one per subject, none of a subject with one in
//! flight: see [`Store::outbox_claim`]) up to the number of requests allowed in flight, runs each
//! claimed effect in its own task, and records how it ended in one transaction: the effect done,
//! retried or failed, its subject's change (logged, skipped) and the event that tells the agents.
//! A claimed effect counts as attempted: if the hub dies before its answer is recorded, the next
//! attempt first looks for it in Intercom (the conversation among the contact's, the note among
//! the conversation's parts) and only sends it when it is not there. Transient failures wait and
//! retry with back-off, so nothing is lost while a vendor is down; a failure that cannot heal is
//! recorded with its reason.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::{watch, Notify, Semaphore};
use tokio::task::JoinSet;

use crate::aircall::AircallClient;
use crate::card::{Candidate, CardError, Clock};
use crate::contacts::Contacts;
use crate::directory::Directory;
use crate::domain::effect::{OutcomeTarget, OUTCOME_ATTRIBUTE};
use crate::domain::reason::Reason;
use crate::domain::resolution::Resolution;
use crate::error::ApiError;
use crate::intercom::{
    self, same_label, Contact, ConversationAttribute, ConversationState, IntercomClient,
};
use crate::metrics::{EffectOutcome, Metrics};
use crate::pacing::Priority;
use crate::phone::{CallerId, Region};
use crate::rules::{AssignTarget, Effect, Fallback};
use crate::store::{EffectState, Lane, Logged, OutboxRow, Store, StoreError};

use super::events::{ActionKind, Announcer, HubEvent};
use super::live::LiveSettings;
use crate::domain::subject::{Status, Subject};

/// How an attempt ended.
#[derive(Debug)]
enum Outcome {
    Done,
    /// The subject's conversation exists: it is logged there.
    Logged {
        contact_id: String,
        conversation_id: String,
    },
    Retry {
        after: Duration,
        error: String,
    },
    /// It cannot succeed: the whole error for the log, and the words agents read.
    Fail {
        error: String,
        words: String,
    },
    /// The subject cannot be logged automatically; its effects wait for an agent.
    Blocked {
        status: Status,
        reason: Reason,
        candidates: Vec<Candidate>,
    },
}

impl Outcome {
    /// How the metrics count it.
    fn counted(&self) -> EffectOutcome {
        match self {
            Outcome::Done | Outcome::Logged { .. } => EffectOutcome::Done,
            Outcome::Retry { .. } => EffectOutcome::Retried,
            Outcome::Fail { .. } => EffectOutcome::Failed,
            Outcome::Blocked { .. } => EffectOutcome::Blocked,
        }
    }
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
            _ => Outcome::Fail {
                words: e.words(),
                error,
            },
        }
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
    /// Aircall (the users of a line, when a webhook did not list them), when configured.
    pub aircall: Option<AircallClient>,
    /// How callers resolve to contacts (the card's way).
    pub contacts: Contacts,
    /// Who the teammates are (the card's directory).
    pub directory: Directory,
    /// Integration settings, read at each effect (a change applies to the next one run).
    pub settings: LiveSettings,
    /// Region for national numbers when the line's country is unknown.
    pub default_region: Region,
    /// Requests in flight to Intercom at most.
    pub concurrency: usize,
    /// Where each attempt's outcome is counted.
    pub metrics: Metrics,
}

/// Runs logging effects. Cheap to clone.
#[derive(Clone)]
pub struct Executor {
    store: Store,
    intercom: IntercomClient,
    aircall: Option<AircallClient>,
    contacts: Contacts,
    directory: Directory,
    settings: LiveSettings,
    default_region: Region,
    concurrency: usize,
    clock: Clock,
    announcer: Announcer,
    metrics: Metrics,
    /// Intercom's "Call outcome" attribute as last read or made: its options change rarely,
    /// so it is looked up again only when an outcome is not among them (or a write refused).
    outcome_attribute: Arc<tokio::sync::Mutex<Option<ConversationAttribute>>>,
}

impl std::fmt::Debug for Executor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Executor")
            .field("settings", &self.settings)
            .field("concurrency", &self.concurrency)
            .finish_non_exhaustive()
    }
}

impl Executor {
    /// An executor; what it announces goes through `announcer`.
    pub fn new(parts: ExecutorParts, clock: Clock, announcer: Announcer) -> Self {
        Executor {
            store: parts.store,
            intercom: parts.intercom.at(Priority::Logging),
            aircall: parts.aircall.map(|a| a.at(Priority::Logging)),
            contacts: parts.contacts.at(Priority::Logging),
            directory: parts.directory.at(Priority::Logging),
            settings: parts.settings,
            default_region: parts.default_region,
            concurrency: parts.concurrency.max(1),
            clock,
            announcer,
            metrics: parts.metrics,
            outcome_attribute: Arc::default(),
        }
    }

    fn now(&self) -> i64 {
        (self.clock)()
    }

    /// Runs until `shutdown` turns true: claims what is due whenever a request slot is free,
    /// and sleeps until work is due or `wake` is told. At shutdown it claims nothing more and
    /// waits for the effects running (as long as the engine's stop allows; one abandoned stays
    /// in flight, to be looked up at the next start).
    pub async fn run(self, wake: Arc<Notify>, mut shutdown: watch::Receiver<bool>) {
        let slots = Arc::new(Semaphore::new(self.concurrency));
        let mut running = JoinSet::new();
        loop {
            if *shutdown.borrow() {
                // Nothing more is claimed; the requests in flight finish and are recorded.
                // The engine's stop bounds the wait: aborted, they stay in flight and are
                // looked up at the next start.
                while running.join_next().await.is_some() {}
                return;
            }
            while running.try_join_next().is_some() {}
            let notified = wake.notified();
            tokio::pin!(notified);
            notified.as_mut().enable();
            let free = slots.available_permits();
            let now = self.now();
            let claimed = self
                .store
                .run(move |s| {
                    let claimed = s.outbox_claim(Lane::Logging, now, free)?;
                    // When nothing is due, how long until something is.
                    let pause = (claimed.is_empty() && free > 0)
                        .then(|| super::until_due(s, Lane::Logging, now));
                    Ok((claimed, pause))
                })
                .await;
            let pause = match claimed {
                Ok((claimed, _)) if !claimed.is_empty() => {
                    for row in claimed {
                        let Ok(slot) = slots.clone().try_acquire_owned() else {
                            break;
                        };
                        let (ex, wake) = (self.clone(), wake.clone());
                        running.spawn(async move {
                            if let Err(e) = ex.attempt(row).await {
                                tracing::error!(error = %e, "cannot record an effect's outcome");
                            }
                            drop(slot);
                            wake.notify_one();
                        });
                    }
                    continue;
                }
                Ok((_, pause)) => pause.unwrap_or(Duration::from_secs(60)),
                Err(e) => {
                    tracing::error!(error = %e, "cannot claim effects");
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

    /// Runs one claimed effect and records how it ended.
    async fn attempt(&self, row: OutboxRow) -> Result<(), StoreError> {
        // A crash here, once the effect is claimed, leaves it in flight: the next start looks
        // it up in Intercom before sending it.
        fail::fail_point!("executor::claimed", |_| Ok(()));
        let now = self.now();
        let (row, subject) = self
            .store
            .run(move |s| {
                let ready = ready(s, &row, now)?;
                Ok((row, ready))
            })
            .await?;
        let Some(subject) = subject else {
            return Ok(());
        };
        let outcome = self.execute(&row, &subject).await;
        // A crash from here until the outcome is committed leaves the effect in flight: the
        // next start looks its work up in Intercom before sending it again.
        fail::fail_point!("executor::answered", |_| Ok(()));
        let now = self.now();
        let identity = self.intercom.identity_key().to_owned();
        let counted = (row.effect.kind(), outcome.counted());
        let event = self
            .store
            .run(move |s| record(s, &row, &subject, outcome, &identity, now))
            .await?;
        self.metrics.effect(counted.0, counted.1);
        // A crash here loses nothing: the outcome and its event are committed, and the
        // streams read the event from the log when they come back.
        fail::fail_point!("executor::recorded", |_| Ok(()));
        if let Some(id) = event {
            self.announcer.announced(id);
        }
        Ok(())
    }

    async fn execute(&self, row: &OutboxRow, subject: &Subject) -> Outcome {
        let conversation = subject.conversation_id.clone().unwrap_or_default();
        let result = match &row.effect {
            // Cards are built on their own path; one here was queued by an older hub.
            Effect::PushInsightCard => return Outcome::Done,
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
            Effect::CallOutcome { outcome, target } => {
                return self.call_outcome(row, subject, outcome, *target).await
            }
        };
        match result {
            Ok(()) => Outcome::Done,
            Err(e) => e.into(),
        }
    }

    async fn start_conversation(&self, row: &OutboxRow, subject: &Subject, body: &str) -> Outcome {
        if subject.conversation_id.is_some() {
            return Outcome::Done;
        }
        // A previous attempt may have reached Intercom before the hub died.
        let retry = row.attempts > 1;
        let contact = match self.contact_for(subject, retry).await {
            Ok(Ok(c)) => c,
            Ok(Err(blocked)) => return blocked,
            Err(e) => return e.into(),
        };
        if retry {
            match self
                .find_started(subject, &contact, body, row.created_at)
                .await
            {
                Ok(Some(id)) => return logged(&contact, id),
                Ok(None) => {}
                Err(outcome) => return outcome,
            }
        }
        match self.intercom.start_conversation(&contact, body).await {
            // The new conversation is this call's, unless another call's retry (same contact,
            // same words) claimed it in the meantime: then this call looks again.
            Ok(started) => match self
                .store
                .run({
                    let (id, key) = (started.conversation_id.clone(), subject.key());
                    move |s| s.claim_conversation(&id, &key)
                })
                .await
            {
                Ok(true) => logged(&contact, started.conversation_id),
                Ok(false) => Outcome::Retry {
                    after: Duration::ZERO,
                    error: "another call took the conversation this one started".to_owned(),
                },
                Err(e) => Outcome::Retry {
                    after: Duration::from_secs(1),
                    error: e.to_string(),
                },
            },
            Err(e) => match Outcome::from(e) {
                // Without its conversation nothing else of the subject can be logged.
                Outcome::Fail { error, words } => {
                    tracing::warn!(error = %error, "Intercom refused a conversation");
                    Outcome::Blocked {
                        status: Status::Failed,
                        reason: Reason::IntercomRefused { reason: words },
                        candidates: Vec::new(),
                    }
                }
                other => other,
            },
        }
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
        let number = match subject.caller(self.default_region) {
            Ok(CallerId::Number(n)) => n,
            Ok(CallerId::Anonymous) => return self.anonymous_contact().await,
            Err(e) => {
                return Ok(Err(Outcome::Blocked {
                    status: Status::Skipped,
                    reason: Reason::UnreadableNumber {
                        detail: e.to_string(),
                    },
                    candidates: Vec::new(),
                }))
            }
        };
        let settings = self.settings.snapshot();
        let create = settings
            .create_contacts
            .then_some(settings.new_contact_role);
        // After a crash, look live: the index may not know a contact a previous attempt made.
        let found = match self.contacts.for_logging(&number, create, !retry).await {
            Ok(found) => found,
            Err(CardError::Api(e)) => return Err(e),
            Err(CardError::Store(e)) => {
                return Ok(Err(Outcome::Retry {
                    after: Duration::from_secs(1),
                    error: e.to_string(),
                }))
            }
        };
        match Resolution::of(found) {
            Resolution::One(contact) => Ok(Ok(contact)),
            Resolution::New => Ok(Err(Outcome::Blocked {
                status: Status::Skipped,
                reason: Reason::NoContact,
                candidates: Vec::new(),
            })),
            many => {
                let workspace = self.workspace().await.unwrap_or_default();
                let candidates = many.candidates(&workspace);
                Ok(Err(Outcome::Blocked {
                    status: Status::Skipped,
                    reason: Reason::SharedNumber {
                        count: candidates.len(),
                    },
                    candidates,
                }))
            }
        }
    }

    async fn anonymous_contact(&self) -> Result<Result<Contact, Outcome>, ApiError> {
        let settings = self.settings.snapshot();
        let create = settings
            .create_contacts
            .then_some(settings.new_contact_role);
        match self.contacts.anonymous_for_logging(create).await? {
            Some(c) => Ok(Ok(c)),
            None => Ok(Err(Outcome::Blocked {
                status: Status::Skipped,
                reason: Reason::AnonymousNoContact,
                candidates: Vec::new(),
            })),
        }
    }

    /// A conversation this contact started with this body since the effect was queued, that no
    /// other call or message is logged in.
    async fn find_started(
        &self,
        subject: &Subject,
        contact: &Contact,
        body: &str,
        since: i64,
    ) -> Result<Option<String>, Outcome> {
        let states = [
            ConversationState::Open,
            ConversationState::Closed,
            ConversationState::Snoozed,
        ];
        let recent = self
            .intercom
            .conversations_of(&contact.id, &states, 20)
            .await
            .map_err(Outcome::from)?;
        let mut candidates: Vec<String> = recent
            .into_iter()
            .filter(|c| {
                c.created_at >= since - 5
                    && c.source_body.as_deref().is_some_and(|b| same_text(b, body))
            })
            .map(|c| (c.created_at, c.id))
            .collect::<std::collections::BTreeSet<_>>()
            .into_iter()
            .map(|(_, id)| id)
            .collect();
        let key = subject.key();
        let claimed = self
            .store
            .run(move |s| {
                for id in candidates.drain(..) {
                    // Another call or message of this contact may start with the same words: a
                    // conversation already logged for it is not the one this effect may have
                    // started. Two calls of this contact with the same words may be retrying
                    // side by side: each takes the first conversation no other has claimed.
                    if !s.conversation_logged(&id)? && s.claim_conversation(&id, &key)? {
                        return Ok(Some(id));
                    }
                }
                Ok(None)
            })
            .await;
        // Starting another conversation could log the call twice: on an error, wait and look
        // again.
        claimed.map_err(|e| Outcome::Retry {
            after: Duration::from_secs(1),
            error: e.to_string(),
        })
    }

    async fn integration_admin(&self) -> Result<String, ApiError> {
        let key = self.intercom.identity_key().to_owned();
        let known = self
            .store
            .run({
                let key = key.clone();
                move |s| s.intercom_identity(&key)
            })
            .await;
        if let Ok(Some(identity)) = known {
            return Ok(identity.admin_id);
        }
        let me = self.intercom.me().await?;
        let identity = (&me).into();
        let remembered = self
            .store
            .run(move |s| s.set_intercom_identity(&key, &identity))
            .await;
        if let Err(e) = remembered {
            tracing::warn!(error = %e, "cannot remember the Intercom workspace");
        }
        Ok(me.admin.id)
    }

    /// The workspace id of the token, when known (links are left out until it is).
    async fn workspace(&self) -> Option<String> {
        let identity = self.intercom.identity_key().to_owned();
        self.store
            .run(move |s| Ok(workspace_of(s, &identity)))
            .await
            .ok()
            .flatten()
    }

    /// The Intercom admin with this email (see [`Directory::admin_by_email`]).
    async fn admin_by_email(&self, email: &str) -> Result<Option<String>, ApiError> {
        self.directory.admin_by_email(email).await
    }

    async fn add_note(
        &self,
        row: &OutboxRow,
        conversation: &str,
        body: &str,
        author_email: Option<&str>,
    ) -> Result<(), ApiError> {
        if row.attempts > 1 {
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
            if posted > self.notes_done(row, body).await {
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
    async fn notes_done(&self, row: &OutboxRow, body: &str) -> usize {
        let subject = row.subject.clone();
        let rows = self
            .store
            .run(move |s| s.outbox_of(&subject))
            .await
            .unwrap_or_default();
        rows.iter()
            .filter(|r| r.state == EffectState::Done)
            .filter(|r| matches!(&r.effect, Effect::AddNote { body: b, .. } if same_text(b, body)))
            .count()
    }

    async fn assign(&self, conversation: &str, target: &AssignTarget) -> Result<(), ApiError> {
        let actor = self.integration_admin().await?;
        let (teammate, fallback) = match target {
            AssignTarget::IntegrationAdmin => (None, Fallback::IntegrationAdmin),
            AssignTarget::Teammate {
                email, fallback, ..
            } => (Some(email.clone()), *fallback),
            AssignTarget::LineTeammate {
                number_id,
                fallback,
            } => (self.line_only_teammate(*number_id).await?, *fallback),
        };
        let matched = match teammate {
            Some(email) => self.admin_by_email(&email).await?,
            None => None,
        };
        let assignee = match (matched, fallback) {
            (Some(id), _) => Some(id),
            (None, Fallback::IntegrationAdmin) => Some(actor.clone()),
            (None, Fallback::Keep | Fallback::Unassigned) => None,
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

    /// The email of the one teammate who answers on an Aircall line, when exactly one does:
    /// from the cache `number.*` webhooks and earlier reads keep (an hour at most), else read
    /// from Aircall (`GET /v1/numbers/:id`).
    async fn line_only_teammate(&self, number_id: u64) -> Result<Option<String>, ApiError> {
        let cached = self
            .store
            .run(move |s| s.line_users(number_id))
            .await
            .ok()
            .flatten();
        let users = match cached {
            Some((users, at)) if self.now() - at < 3600 => users,
            _ => match &self.aircall {
                None => return Ok(None),
                Some(aircall) => {
                    let line = aircall.number(number_id).await?;
                    let (users, now) = (line.users.clone(), self.now());
                    let kept = self
                        .store
                        .run(move |s| s.put_line_users(number_id, &users, now))
                        .await;
                    if let Err(e) = kept {
                        tracing::warn!(error = %e, "cannot remember a line's users");
                    }
                    line.users
                }
            },
        };
        Ok(match users.as_slice() {
            [only] => only
                .email
                .as_deref()
                .map(str::trim)
                .filter(|e| !e.is_empty())
                .map(str::to_lowercase),
            _ => None,
        })
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

    /// Writes the call's outcome to its conversation or its Aircall call, unless a later choice
    /// replaced it: that one's effect, queued after this one, writes instead.
    async fn call_outcome(
        &self,
        row: &OutboxRow,
        subject: &Subject,
        outcome: &str,
        target: OutcomeTarget,
    ) -> Outcome {
        let id = subject.id.clone();
        let chosen = match self.store.run(move |s| s.call_outcome(&id)).await {
            Ok(kept) => kept.and_then(|k| k.outcome),
            Err(e) => {
                return Outcome::Retry {
                    after: Duration::from_secs(1),
                    error: e.to_string(),
                }
            }
        };
        if chosen.as_deref().is_some_and(|c| c != outcome) {
            return Outcome::Done;
        }
        let result = match target {
            OutcomeTarget::Conversation => {
                let conversation = subject.conversation_id.clone().unwrap_or_default();
                match self.outcome_in_intercom(&conversation, outcome).await {
                    // The attribute changed since it was read (an option archived, the
                    // attribute deleted): read it again, once, before giving up.
                    Err(ApiError::Rejected { .. } | ApiError::NotFound { .. })
                        if row.attempts < 2 =>
                    {
                        *self.outcome_attribute.lock().await = None;
                        return Outcome::Retry {
                            after: Duration::ZERO,
                            error: "Intercom refused the outcome; its attribute is read again"
                                .to_owned(),
                        };
                    }
                    other => other,
                }
            }
            OutcomeTarget::AircallCall => match subject.id.parse::<u64>() {
                Ok(call_id) => self.outcome_in_aircall(row, call_id, outcome).await,
                Err(_) => Ok(()),
            },
        };
        match result {
            Ok(()) => Outcome::Done,
            Err(e) => e.into(),
        }
    }

    /// Sets the conversation's "Call outcome" to the option with the outcome's label, after
    /// making sure the attribute and the option exist.
    async fn outcome_in_intercom(&self, conversation: &str, outcome: &str) -> Result<(), ApiError> {
        let (name, label) = {
            let mut cached = self.outcome_attribute.lock().await;
            let attribute = match cached.take() {
                Some(a) if !a.is_list() || a.option(outcome).is_some() => a,
                _ => self.outcome_attribute_with(outcome).await?,
            };
            let label = attribute
                .option(outcome)
                .map_or_else(|| outcome.to_owned(), |o| o.label.clone());
            let name = attribute.name.clone();
            *cached = Some(attribute);
            (name, label)
        };
        self.intercom
            .set_conversation_attribute(conversation, &name, &label)
            .await
    }

    /// Intercom's "Call outcome" attribute with this outcome among its options: read, then
    /// created with every outcome of the list when missing, or given the missing option. Each
    /// write is looked up first, so a retry after a lost answer creates nothing twice.
    async fn outcome_attribute_with(
        &self,
        outcome: &str,
    ) -> Result<ConversationAttribute, ApiError> {
        let found = self
            .intercom
            .conversation_attributes()
            .await?
            .into_iter()
            .find(|a| !a.archived && a.is_named(OUTCOME_ATTRIBUTE));
        let Some(attribute) = found else {
            let mut options = self.settings.snapshot().call_outcomes.clone();
            if !options.iter().any(|o| same_label(o, outcome)) {
                options.push(outcome.to_owned());
            }
            return self
                .intercom
                .create_list_attribute(
                    OUTCOME_ATTRIBUTE,
                    "The call's outcome, chosen by the agent at the wrap-up (Ringside)",
                    &options,
                )
                .await;
        };
        if !attribute.is_list() || attribute.option(outcome).is_some() {
            return Ok(attribute);
        }
        self.intercom
            .add_attribute_option(&attribute.id, outcome)
            .await
    }

    /// Tags the Aircall call with the outcome (the tag is created when Aircall has none by
    /// that name). A retry first looks at the call's tags: the tag may be there already.
    async fn outcome_in_aircall(
        &self,
        row: &OutboxRow,
        call_id: u64,
        outcome: &str,
    ) -> Result<(), ApiError> {
        let Some(aircall) = &self.aircall else {
            return Ok(());
        };
        if row.attempts > 1 {
            let call = aircall.call(call_id).await?;
            if call.tags.iter().any(|t| same_label(&t.name, outcome)) {
                return Ok(());
            }
        }
        let known = aircall
            .tags()
            .await?
            .into_iter()
            .find(|t| same_label(&t.name, outcome));
        let tag = match known {
            Some(tag) => tag,
            None => aircall.create_tag(outcome).await?,
        };
        aircall.tag_call(call_id, &[tag.id]).await
    }
}

/// The outcome of an effect that started (or found) the subject's conversation.
fn logged(contact: &Contact, conversation_id: String) -> Outcome {
    Outcome::Logged {
        contact_id: contact.id.clone(),
        conversation_id,
    }
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
/// Whether a claimed effect can run now: its subject, or `None` when it was settled here (its
/// call is unknown, not logged, or has no conversation yet).
fn ready(store: &Store, row: &OutboxRow, now: i64) -> Result<Option<Subject>, StoreError> {
    let Some(subject) = store.subject(&row.subject)? else {
        store.outbox_fail(row.id, "its call or message is unknown", now)?;
        return Ok(None);
    };
    if row.effect.needs_conversation() && subject.conversation_id.is_none() {
        // Not an attempt: the conversation comes first (or never, for a call not logged).
        if subject.status == Status::Off {
            let why = subject
                .reason
                .clone()
                .unwrap_or_else(|| "the call is not logged".into());
            store.outbox_fail(row.id, &why, now)?;
        } else {
            store.outbox_retry(row.id, now + 2, "waiting for the conversation", false)?;
        }
        return Ok(None);
    }
    Ok(Some(subject))
}

/// Records how an attempt ended, with the event that tells the agents, in one transaction;
/// returns the event's id.
fn record(
    store: &Store,
    row: &OutboxRow,
    subject: &Subject,
    outcome: Outcome,
    identity: &str,
    now: i64,
) -> Result<Option<i64>, StoreError> {
    let event = match outcome {
        Outcome::Done => {
            store.outbox_done(row.id, now)?;
            None
        }
        Outcome::Logged {
            contact_id,
            conversation_id,
        } => {
            let key = subject.key();
            let event = HubEvent::Logged {
                subject: key.kind,
                id: key.id.clone(),
                url: workspace_of(store, identity)
                    .map(|w| intercom::conversation_url(&w, &conversation_id))
                    .unwrap_or_default(),
                conversation_id: conversation_id.clone(),
            };
            let logged = Logged {
                subject: &key,
                contact_id: &contact_id,
                conversation_id: &conversation_id,
            };
            let new = event.to_new(subject.audience());
            Some(store.outbox_logged(row.id, &logged, &new, now)?)
        }
        Outcome::Retry { after, error } => {
            let earlier = (row.attempts - 1).clamp(0, 8);
            let backoff = Duration::from_secs(1 << earlier).min(MAX_BACKOFF);
            let wait = after.max(backoff);
            tracing::warn!(key = %row.key, error = %error, wait_s = wait.as_secs(), "effect will be retried");
            store.outbox_retry(row.id, now + wait.as_secs() as i64, &error, true)?;
            None
        }
        Outcome::Fail { error, words } => {
            tracing::warn!(key = %row.key, error = %error, "effect failed");
            match ActionKind::of(&row.effect) {
                // A refused note or tag change is told to the agents, not only counted.
                Some((action, value)) => {
                    let key = subject.key();
                    let reason = words;
                    let event = HubEvent::ActionRefused {
                        subject: key.kind,
                        id: key.id,
                        action,
                        value,
                        reason: reason.clone(),
                    };
                    let new = event.to_new(subject.audience());
                    Some(store.outbox_refused(row.id, &reason, &new, now)?)
                }
                None => {
                    store.outbox_fail(row.id, &error, now)?;
                    None
                }
            }
        }
        Outcome::Blocked {
            status,
            reason,
            candidates,
        } => {
            let tried = subject.chosen_contact_id.as_deref();
            let ids: Vec<String> = candidates.iter().map(|c| c.id.clone()).collect();
            let key = subject.key();
            let event = HubEvent::skipped(key.kind, key.id.clone(), &reason, candidates);
            let new = event.to_new(subject.audience());
            let words = reason.words();
            let blocked = store.subject_blocked(&key, status, &words, &ids, tried, &new, now)?;
            if blocked.is_none() {
                // An agent chose a contact while this attempt ran: try again with it.
                store.outbox_retry(row.id, now, "a contact was chosen meanwhile", true)?;
            }
            blocked
        }
    };
    Ok(event)
}

/// The workspace id of the token, when known (links are left out until it is).
fn workspace_of(store: &Store, identity: &str) -> Option<String> {
    let identity = store.intercom_identity(identity);
    identity.ok().flatten().map(|i| i.workspace_id)
}
