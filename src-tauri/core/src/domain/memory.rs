//! What the rules already planned for a call or a message, stored with its subject so that a
//! redelivered or reordered webhook plans nothing twice.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

use crate::aircall::Call;

/// What the rules already planned for a call.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CallMemory {
    /// The card was pushed to Aircall.
    pub card_pushed: bool,
    /// The conversation was asked for.
    pub conversation: bool,
    /// The summary note was asked for.
    pub summary: bool,
    /// A recording or voicemail link was noted.
    pub media: bool,
    /// Comments already noted, by Aircall id.
    pub comments: BTreeSet<u64>,
    /// Tags applied (lower case).
    pub tags: BTreeSet<String>,
    /// The assignee last asked for (`integration` or a lower-case email).
    pub assignee: Option<String>,
    /// The Aircall user (id, name) the call was last assigned to in Aircall.
    pub assigned_to: Option<(u64, String)>,
    /// The last transfer target handled.
    pub transferred_to: Option<u64>,
    /// Transfer targets that did not pick up (`call.unsuccessful_transfer`).
    #[serde(default)]
    pub failed_transfers: BTreeSet<u64>,
    /// A counter that keeps keys unique when the same kind of effect recurs.
    pub seq: u32,
    /// Aircall AI insights already planned (their keys).
    #[serde(default)]
    pub insights: BTreeSet<String>,
}

impl CallMemory {
    /// Remembers that the transfer this `call.unsuccessful_transfer` carries was not answered.
    /// `call` is the event's own snapshot: a later one may name a later transfer.
    pub fn transfer_failed(&mut self, call: &Call) {
        if let Some(to) = &call.transferred_to {
            self.failed_transfers.insert(to.id);
        }
    }
}

/// What the rules already planned for a message.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct MessageMemory {
    /// The conversation (with its details note and assignment) was asked for.
    pub conversation: bool,
    /// Delivery statuses already noted.
    pub statuses: BTreeSet<String>,
}
