//! What the admin console asks of the engine about calls and messages: retry a failed effect,
//! give it up, choose the contact of a shared number, log a call a setting skipped. Each is
//! idempotent (a second click changes nothing) and recorded with who did it, whatever came of
//! it.

use super::{Engine, EngineError};
use crate::domain::subject::{Status, Subject, SubjectKey, Tracked};
use crate::intercom;
use crate::phone::CallerId;
use crate::rules;
use crate::store::console::calls::EffectChange;
use crate::store::{NewEffect, Origin, Store};
use crate::webhook::{CallEvent, MessageEvent};

/// What an admin's action came to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AdminOutcome {
    /// Done now.
    Done,
    /// Nothing changed: it was done before, or there is nothing left to do.
    Unchanged,
}

impl AdminOutcome {
    fn of(changed: bool) -> Self {
        if changed {
            AdminOutcome::Done
        } else {
            AdminOutcome::Unchanged
        }
    }

    fn words(self) -> &'static str {
        match self {
            AdminOutcome::Done => "done",
            AdminOutcome::Unchanged => "nothing changed",
        }
    }
}

/// The subject `key` names, or why the console cannot act on it.
fn known(store: &Store, key: &SubjectKey) -> Result<Subject, EngineError> {
    store
        .subject(key)?
        .ok_or_else(|| EngineError::UnknownSubject(key.to_string()))
}

/// What a retry or a give-up came to, or why it could not be done.
fn changed(
    change: EffectChange,
    key: &SubjectKey,
    effect_id: i64,
) -> Result<AdminOutcome, EngineError> {
    match change {
        EffectChange::Changed => Ok(AdminOutcome::Done),
        EffectChange::Unchanged => Ok(AdminOutcome::Unchanged),
        EffectChange::Unknown => Err(EngineError::UnknownSubject(format!(
            "{key} effect {effect_id}"
        ))),
    }
}

/// Why an admin may have a skipped subject logged, when a setting is why it was skipped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SkippedBy {
    /// A logging toggle (`log_missed_calls`, `log_messages`, ...) is off.
    Toggle,
    /// Nobody has the number and creating contacts is off.
    NoContactCreation,
}

impl Engine {
    /// The Intercom workspace the conversation links point into, when known.
    pub async fn intercom_workspace(&self) -> Option<String> {
        let identity = self.intercom.identity_key().to_owned();
        self.store
            .run(move |s| Ok(s.intercom_identity(&identity)?.map(|i| i.workspace_id)))
            .await
            .ok()
            .flatten()
    }

    /// The link to a conversation in the token's workspace, when the workspace is known.
    pub fn conversation_link(workspace: Option<&str>, conversation_id: &str) -> Option<String> {
        workspace.map(|w| intercom::conversation_url(w, conversation_id))
    }

    /// Whether a subject was skipped by a setting that "log it" overrides, and which.
    pub fn skipped_by_setting(&self, subject: &Subject) -> Option<SkippedBy> {
        match subject.status {
            Status::Off if subject.conversation_id.is_none() => Some(SkippedBy::Toggle),
            Status::Skipped
                if subject.candidates.is_empty()
                    && subject.chosen_contact_id.is_none()
                    && !self.settings().create_contacts
                    && subject.caller(self.default_region).is_ok() =>
            {
                Some(SkippedBy::NoContactCreation)
            }
            _ => None,
        }
    }

    /// Records an admin's action on a subject with what came of it (a refusal too), and
    /// passes the outcome on.
    async fn recorded(
        &self,
        who: &str,
        action: &'static str,
        key: &SubjectKey,
        what: String,
        result: Result<AdminOutcome, EngineError>,
    ) -> Result<AdminOutcome, EngineError> {
        let came = match &result {
            Ok(outcome) => outcome.words().to_owned(),
            Err(e) => format!("refused: {e}"),
        };
        let detail = if what.is_empty() {
            came
        } else {
            format!("{what}: {came}")
        };
        self.record(who, action, key, detail).await;
        result
    }

    /// Records an admin's action on a subject.
    async fn record(&self, who: &str, action: &'static str, key: &SubjectKey, detail: String) {
        let (who, target, now) = (who.to_owned(), key.to_string(), self.now());
        let recorded = self
            .store
            .run(move |s| s.record_action(now, &who, action, &target, &detail))
            .await;
        if let Err(e) = recorded {
            tracing::error!(error = %e, "cannot record an admin's action");
        }
    }

    /// Puts a failed effect of a call or message back in the queue, to run now; when it is the
    /// conversation Intercom refused, the call waits for it again with its other effects.
    pub async fn admin_retry(
        &self,
        who: &str,
        key: &SubjectKey,
        effect_id: i64,
    ) -> Result<AdminOutcome, EngineError> {
        let (k, now) = (key.clone(), self.now());
        let result = self
            .run(move |s| Ok(s.retry_effect(&k, effect_id, now)?))
            .await
            .and_then(|change| changed(change, key, effect_id));
        if result.as_ref().is_ok_and(|o| *o == AdminOutcome::Done) {
            self.pipeline.effects_queued();
        }
        let what = format!("effect {effect_id}");
        self.recorded(who, "retry", key, what, result).await
    }

    /// Gives up a failed effect: it stays failed, marked given up, and is never retried; when
    /// it is the call's conversation, the call is given up with its waiting effects.
    pub async fn admin_give_up(
        &self,
        who: &str,
        key: &SubjectKey,
        effect_id: i64,
    ) -> Result<AdminOutcome, EngineError> {
        let (k, by, now) = (key.clone(), who.to_owned(), self.now());
        let result = self
            .run(move |s| Ok(s.give_up_effect(&k, effect_id, &by, now)?))
            .await
            .and_then(|change| changed(change, key, effect_id));
        let what = format!("effect {effect_id}");
        self.recorded(who, "give_up", key, what, result).await
    }

    /// An admin picks the contact of a shared number: one of those offered, as an agent would
    /// ([`Engine::choose_contact`]). Choosing the contact already chosen changes nothing.
    pub async fn admin_choose_contact(
        &self,
        who: &str,
        key: &SubjectKey,
        contact_id: &str,
    ) -> Result<AdminOutcome, EngineError> {
        let result = self.choose_for_admin(key, contact_id).await;
        let what = format!("contact {contact_id}");
        self.recorded(who, "choose_contact", key, what, result)
            .await
    }

    async fn choose_for_admin(
        &self,
        key: &SubjectKey,
        contact_id: &str,
    ) -> Result<AdminOutcome, EngineError> {
        let k = key.clone();
        let subject = self.run(move |s| known(s, &k)).await?;
        let again = subject.chosen_contact_id.as_deref() == Some(contact_id)
            && subject.status != Status::Skipped;
        if again || subject.contact_id.as_deref() == Some(contact_id) {
            return Ok(AdminOutcome::Unchanged);
        }
        self.choose_contact(&subject, contact_id).await?;
        Ok(AdminOutcome::Done)
    }

    /// Has a call or message logged that a setting skipped, as if the setting had been on:
    /// its logging effects are queued now (a logging toggle), or the contact the setting kept
    /// Ringside from creating is created and the call logged to it. Once is enough: a second
    /// click changes nothing.
    pub async fn admin_log_anyway(
        &self,
        who: &str,
        key: &SubjectKey,
    ) -> Result<AdminOutcome, EngineError> {
        let result = self.log_for_admin(who, key).await;
        if result.as_ref().is_ok_and(|o| *o == AdminOutcome::Done) {
            self.pipeline.effects_queued();
        }
        self.recorded(who, "log_skipped", key, String::new(), result)
            .await
    }

    async fn log_for_admin(
        &self,
        who: &str,
        key: &SubjectKey,
    ) -> Result<AdminOutcome, EngineError> {
        let k = key.clone();
        let subject = self.run(move |s| known(s, &k)).await?;
        match self.skipped_by_setting(&subject) {
            None => Ok(AdminOutcome::Unchanged),
            Some(SkippedBy::Toggle) => {
                let (planned, next) = self.plan_anyway(&subject);
                let (by, now) = (who.to_owned(), self.now());
                let changed = self
                    .run(move |s| Ok(s.log_anyway(&next, &planned, &by, now)?))
                    .await?;
                Ok(AdminOutcome::of(changed))
            }
            Some(SkippedBy::NoContactCreation) => self.log_to_new_contact(&subject).await,
        }
    }

    /// The logging effects of a subject as if every logging toggle were on, and the subject
    /// with the rules' memory of them.
    fn plan_anyway(&self, subject: &Subject) -> (Vec<NewEffect>, Subject) {
        let mut settings = self.settings().clone();
        settings.log_answered_calls = true;
        settings.log_missed_calls = true;
        settings.log_outbound_calls = true;
        settings.log_messages = true;
        let mut next = subject.clone();
        let planned = match &mut next.tracked {
            Tracked::Call { call, memory } => {
                let (planned, m) = rules::plan_call(
                    CallEvent::Ended,
                    call,
                    subject.event_time,
                    memory,
                    &settings,
                );
                *memory = m;
                planned
            }
            Tracked::Message { message, memory } => {
                let (planned, m) =
                    rules::plan_message(MessageEvent::Received, message, memory, &settings);
                *memory = m;
                planned
            }
        };
        let effects = planned
            .into_iter()
            .filter(|p| p.effect.needs_conversation() || p.effect.kind() == "start_conversation")
            .map(|p| NewEffect {
                key: p.key,
                effect: p.effect,
                origin: Origin::Agent,
            })
            .collect();
        (effects, next)
    }

    /// Creates the contact a skipped subject's number lacked (the setting kept Ringside from
    /// it) and logs the subject to it.
    async fn log_to_new_contact(&self, subject: &Subject) -> Result<AdminOutcome, EngineError> {
        let role = self.settings().new_contact_role;
        let contacts = self.cards.contacts();
        let contact = match subject
            .caller(self.default_region)
            .map_err(|e| EngineError::BadNumber(e.to_string()))?
        {
            CallerId::Number(number) => contacts.create_for(&number, role).await?,
            CallerId::Anonymous => match contacts.anonymous_for_logging(Some(role)).await? {
                Some(c) => c,
                None => return Ok(AdminOutcome::Unchanged),
            },
        };
        let (key, id, now) = (subject.key(), contact.id, self.now());
        let changed = self
            .run(move |s| Ok(s.subject_choose_contact(&key, &id, now)?))
            .await?;
        Ok(AdminOutcome::of(changed))
    }
}
