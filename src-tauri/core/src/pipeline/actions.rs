//! What an agent does to a call from the desktop: tag it, untag it, write a note, pick the
//! contact of a shared number. Each becomes an effect queued the same way the rules' effects are
//! (the store's one queueing function), ahead of other calls' logging, with an idempotency key
//! the agent's client chose.

pub use crate::domain::note::{note_html, note_text};
use crate::rules::Effect;
use crate::store::{NewEffect, Origin, Store, StoreError};

use crate::domain::subject::{Status, Subject, SubjectKey};

/// Why an agent's action was not queued.
#[derive(Debug, thiserror::Error)]
pub enum ActionError {
    /// The hub has never seen the call.
    #[error("the hub has not seen call {0}")]
    UnknownCall(u64),
    /// The call is not logged, by the settings, so there is nothing to write to.
    #[error("{0}: there is no conversation to write to")]
    NotLogged(String),
    /// The local database failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// An action on a call's conversation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// Put a tag on it.
    Tag(String),
    /// Take a tag off it.
    Untag(String),
    /// Write an internal note (plain text).
    Note(String),
}

impl Action {
    fn name(&self) -> &'static str {
        match self {
            Action::Tag(_) => "tag",
            Action::Untag(_) => "untag",
            Action::Note(_) => "note",
        }
    }

    /// The effect, written as the agent with this email.
    fn effect(&self, author_email: &str) -> Effect {
        let author_email = Some(author_email.to_owned());
        match self {
            Action::Tag(name) => Effect::Tag {
                name: name.clone(),
                author_email,
            },
            Action::Untag(name) => Effect::Untag {
                name: name.clone(),
                author_email,
            },
            Action::Note(text) => Effect::AddNote {
                body: note_html(text),
                author_email,
            },
        }
    }
}

/// An action queued: whether it was new, and its idempotency key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Queued {
    /// False when the same key was queued before (a retried request).
    pub queued: bool,
    /// The key the effect runs under.
    pub key: String,
}

/// Queues an agent's action on a call the hub tracks. `client_key` is the request's
/// `Idempotency-Key`: the same key from the same agent queues the action once.
pub fn queue(
    store: &Store,
    call_id: u64,
    agent_email: &str,
    client_key: &str,
    action: &Action,
    now: i64,
) -> Result<Queued, ActionError> {
    let subject = tracked_call(store, call_id)?;
    if subject.status == Status::Off {
        let why = subject
            .reason
            .unwrap_or_else(|| "this call is not logged".into());
        return Err(ActionError::NotLogged(why));
    }
    let key = format!(
        "call:{call_id}:agent:{}:{}:{client_key}",
        agent_email.trim().to_lowercase(),
        action.name()
    );
    let effect = NewEffect {
        key: key.clone(),
        effect: action.effect(agent_email),
        origin: Origin::Agent,
    };
    let queued = store.queue_effects(&subject.key(), std::slice::from_ref(&effect), now)?;
    Ok(Queued {
        queued: queued.first().copied().unwrap_or(false),
        key,
    })
}

/// The call as the hub tracks it.
pub fn tracked_call(store: &Store, call_id: u64) -> Result<Subject, ActionError> {
    store
        .subject(&SubjectKey::call(call_id))?
        .ok_or(ActionError::UnknownCall(call_id))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn a_rules_note_reads_as_its_words() {
        assert_eq!(
            note_text(
                "<p><b>Call</b> (Aircall call 7)</p><ul><li>one</li><li>two &amp; three</li></ul>"
            ),
            "Call (Aircall call 7)\none\ntwo & three"
        );
        assert_eq!(note_text("1 < 2 and no tag"), "1 < 2 and no tag");
    }

    proptest! {
        #[test]
        fn a_note_reads_back_as_the_agent_typed_it(text in "[^\r]{0,80}") {
            let text = text.trim_end_matches('\n');
            prop_assert_eq!(note_text(&note_html(text)), text);
        }
    }
}
