//! The call's wrap-up through the engine: the outcome an agent chooses from the hub's list
//! (`call_outcomes`), queued like a note to reach the call's Intercom conversation (the list
//! attribute "Call outcome") and the Aircall call (a tag), and the agent's "Done", which may
//! need an outcome first (`call_outcome_required`) and ends the wrap-up for presence.

use super::{access, Engine, EngineError};
use crate::domain::effect::{Effect, OutcomeTarget};
use crate::domain::subject::Status;
use crate::intercom::same_label;
use crate::store::{Agent, NewEffect, Origin};

/// Why an outcome or a Done was refused.
#[derive(Debug, thiserror::Error)]
pub enum WrapUpError {
    /// Not one of the hub's outcomes.
    #[error("“{given}” is not a call outcome here; choose one of: {}", allowed.join(", "))]
    UnknownOutcome {
        /// What the agent sent.
        given: String,
        /// The hub's outcomes, in order.
        allowed: Vec<String>,
    },
    /// The hub asks for no outcome (its list is empty).
    #[error("this hub asks for no call outcome: its list (call_outcomes) is empty")]
    NoOutcomes,
    /// Done before the outcome the settings require.
    #[error("choose the call's outcome before Done: this hub requires one")]
    OutcomeRequired,
    /// The engine's own refusal (an unknown call, the database).
    #[error(transparent)]
    Engine(#[from] EngineError),
}

/// An outcome chosen and queued.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutcomeChosen {
    /// False when the same request was queued before (a retry).
    pub queued: bool,
    /// The idempotency key its effects run under.
    pub key: String,
    /// The outcome as the hub's list spells it.
    pub outcome: String,
    /// Whether it goes to an Intercom conversation: false for a call the settings do not
    /// log, which gets its Aircall tag only.
    pub to_intercom: bool,
}

impl Engine {
    /// The agent chooses the call's outcome (`given`, in any letter case, must be one of the
    /// hub's list). It replaces an earlier choice, is recorded on the call (history, the
    /// console's reports) and is queued for Intercom and Aircall in the same transaction.
    /// `client_key` is the request's `Idempotency-Key`: the same key queues it once.
    pub async fn choose_outcome(
        &self,
        agent: &Agent,
        call_id: u64,
        given: &str,
        client_key: &str,
    ) -> Result<OutcomeChosen, WrapUpError> {
        let allowed = self.settings.snapshot().call_outcomes.clone();
        if allowed.is_empty() {
            return Err(WrapUpError::NoOutcomes);
        }
        let Some(outcome) = allowed.iter().find(|o| same_label(o, given)).cloned() else {
            return Err(WrapUpError::UnknownOutcome {
                given: given.trim().to_owned(),
                allowed,
            });
        };
        let key = format!(
            "call:{call_id}:agent:{}:outcome:{client_key}",
            agent.email.trim().to_lowercase()
        );
        let to_aircall = self.aircall.is_some();
        let (agent, now) = (agent.clone(), self.now());
        let (written, effect_key) = (outcome.clone(), key.clone());
        let (queued, to_intercom) = self
            .run(move |s| {
                let subject = access::visible_call(s, &agent, call_id)?;
                let to_intercom = subject.status != Status::Off;
                let targets = [
                    (OutcomeTarget::Conversation, to_intercom, "conversation"),
                    (OutcomeTarget::AircallCall, to_aircall, "aircall"),
                ];
                let effects: Vec<NewEffect> = targets
                    .into_iter()
                    .filter(|(_, wanted, _)| *wanted)
                    .map(|(target, _, suffix)| NewEffect {
                        key: format!("{effect_key}:{suffix}"),
                        effect: Effect::CallOutcome {
                            outcome: written.clone(),
                            target,
                        },
                        origin: Origin::Agent,
                    })
                    .collect();
                let queued =
                    s.choose_outcome(&subject.key(), &written, &agent.email, &effects, now)?;
                Ok((queued.iter().any(|q| *q), to_intercom))
            })
            .await?;
        self.pipeline.effects_queued();
        Ok(OutcomeChosen {
            queued,
            key,
            outcome,
            to_intercom,
        })
    }

    /// The agent pressed "Done" on the call's wrap-up: refused while the settings require an
    /// outcome none was chosen for; otherwise recorded, and the wrap-up ends for presence.
    pub async fn wrap_up_done(&self, agent: &Agent, call_id: u64) -> Result<(), WrapUpError> {
        let settings = self.settings.snapshot();
        let required = settings.call_outcome_required && !settings.call_outcomes.is_empty();
        let (seen_by, now) = (agent.clone(), self.now());
        let refused = self
            .run(move |s| {
                access::visible_call(s, &seen_by, call_id)?;
                let id = call_id.to_string();
                let chosen = s.call_outcome(&id)?.and_then(|o| o.outcome);
                if required && chosen.is_none() {
                    return Ok(true);
                }
                s.end_wrap_up(&id, &seen_by.email, now)?;
                Ok(false)
            })
            .await?;
        if refused {
            return Err(WrapUpError::OutcomeRequired);
        }
        self.end_wrap_up(&agent.email, call_id).await?;
        Ok(())
    }
}
