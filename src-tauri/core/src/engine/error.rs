//! Why the engine could not do what it was asked, in terms the hub turns into HTTP answers and
//! the desktop into words.

use crate::card::CardError;
use crate::error::ApiError;
use crate::pipeline::actions::ActionError;
use crate::store::StoreError;

/// Why a request to the engine failed.
#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    /// The hub has never seen the call, or the agent may not see it (its existence is not
    /// revealed).
    #[error("the hub has not seen call {0}")]
    UnknownCall(u64),
    /// The hub has no such call, message or effect (an admin's console names it).
    #[error("the hub has no {0}")]
    UnknownSubject(String),
    /// The text is not a phone number Ringside can use.
    #[error("{0}")]
    BadNumber(String),
    /// The region is not two letters Ringside knows.
    #[error("{0}")]
    BadRegion(String),
    /// The agent may not do this.
    #[error("{0}")]
    Forbidden(&'static str),
    /// The call is not logged (by the settings), so there is nothing to write to.
    #[error("{0}: there is no conversation to write to")]
    NotLogged(String),
    /// The call is in Intercom already; its contact can no longer be chosen.
    #[error("this call is already logged")]
    AlreadyLogged,
    /// The contact was not among those offered for the call.
    #[error("this contact was not offered for this call")]
    NotACandidate,
    /// Intercom has no such contact.
    #[error("Intercom has no such contact")]
    UnknownContact,
    /// The hub runs without Aircall.
    #[error("this hub has no Aircall credentials, so it cannot dial")]
    NoAircall,
    /// No Aircall user has the agent's email.
    #[error("{0}")]
    NoAircallUser(String),
    /// Aircall refused to place the call.
    #[error("{0}")]
    DialRefused(String),
    /// A number the agent asked to dial was not put in their phone, and why (its code and
    /// values travel with the words).
    #[error("{0}")]
    Undialable(crate::domain::reason::Reason),
    /// A vendor failed.
    #[error(transparent)]
    Api(#[from] ApiError),
    /// The local database failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<CardError> for EngineError {
    fn from(e: CardError) -> Self {
        match e {
            CardError::Api(e) => EngineError::Api(e),
            CardError::Store(e) => EngineError::Store(e),
        }
    }
}

impl From<ActionError> for EngineError {
    fn from(e: ActionError) -> Self {
        match e {
            ActionError::UnknownCall(id) => EngineError::UnknownCall(id),
            ActionError::NotLogged(why) => EngineError::NotLogged(why),
            ActionError::Store(e) => EngineError::Store(e),
        }
    }
}
