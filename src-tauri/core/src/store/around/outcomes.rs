//! The calls' outcomes and their wrap-ups: the outcome an agent chose at the call's wrap-up
//! (the last choice replaces the first), who chose it and when, and when the agent pressed
//! "Done". Choosing an outcome also fills the subject's searchable `outcome` column (the
//! console's reports count it) and queues the effects that write it to Intercom and Aircall,
//! in one transaction, through the store's one queueing function.

use rusqlite::{params, OptionalExtension};

use crate::domain::subject::SubjectKey;
use crate::store::outbox::{queue_in, NewEffect};
use crate::store::{CachedSql, Store, StoreError};

/// The schema, applied by migration 16.
pub const CREATE: &str = "
CREATE TABLE call_outcomes (
    call_id     TEXT PRIMARY KEY,   -- Aircall's id of the call (its subject's id)
    outcome     TEXT,               -- as the hub's list spells it; NULL before any choice
    chosen_by   TEXT,               -- the agent's email, lower case
    chosen_at   INTEGER,            -- UNIX seconds
    done_by     TEXT,               -- the agent who pressed Done, lower case
    done_at     INTEGER             -- the wrap-up's end by the agent's Done, UNIX seconds
);
";

/// A call's outcome and wrap-up, as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallOutcome {
    /// The outcome chosen last, as the list spells it; `None` before any choice.
    pub outcome: Option<String>,
    /// Who chose it (lower-case email).
    pub chosen_by: Option<String>,
    /// When, UNIX seconds.
    pub chosen_at: Option<i64>,
    /// When the agent pressed Done, UNIX seconds.
    pub done_at: Option<i64>,
}

impl Store {
    /// Records `outcome` as the call's (replacing an earlier choice), fills the subject's
    /// `outcome` column and queues `effects` for the call, in one transaction. Returns, for
    /// each effect, whether it was new (a retried request queues nothing twice).
    pub fn choose_outcome(
        &self,
        call: &SubjectKey,
        outcome: &str,
        agent_email: &str,
        effects: &[NewEffect],
        now: i64,
    ) -> Result<Vec<bool>, StoreError> {
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        tx.exec(
            "INSERT INTO call_outcomes (call_id, outcome, chosen_by, chosen_at)
             VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT(call_id) DO UPDATE SET outcome = excluded.outcome,
                 chosen_by = excluded.chosen_by, chosen_at = excluded.chosen_at",
            params![call.id, outcome, agent_email.trim().to_lowercase(), now],
        )?;
        tx.exec(
            "UPDATE subjects SET outcome = ?3 WHERE kind = ?1 AND id = ?2",
            params![call.kind.as_str(), call.id, outcome],
        )?;
        let queued = queue_in(&tx, call, effects, now)?;
        tx.commit()?;
        Ok(queued)
    }

    /// The call's outcome and wrap-up, when an agent chose or pressed Done.
    pub fn call_outcome(&self, call_id: &str) -> Result<Option<CallOutcome>, StoreError> {
        Ok(self
            .read()
            .row(
                "SELECT outcome, chosen_by, chosen_at, done_at FROM call_outcomes
                 WHERE call_id = ?1",
                [call_id],
                |r| {
                    Ok(CallOutcome {
                        outcome: r.get(0)?,
                        chosen_by: r.get(1)?,
                        chosen_at: r.get(2)?,
                        done_at: r.get(3)?,
                    })
                },
            )
            .optional()?)
    }

    /// Records the agent's Done on the call's wrap-up; the first Done counts. Returns whether
    /// this one was the first.
    pub fn end_wrap_up(
        &self,
        call_id: &str,
        agent_email: &str,
        now: i64,
    ) -> Result<bool, StoreError> {
        let changed = self.conn().exec(
            "INSERT INTO call_outcomes (call_id, done_by, done_at) VALUES (?1, ?2, ?3)
             ON CONFLICT(call_id) DO UPDATE SET done_by = excluded.done_by,
                 done_at = excluded.done_at
             WHERE call_outcomes.done_at IS NULL",
            params![call_id, agent_email.trim().to_lowercase(), now],
        )?;
        Ok(changed > 0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::effect::{Effect, OutcomeTarget};
    use crate::store::Origin;

    fn effect(key: &str, outcome: &str) -> NewEffect {
        NewEffect {
            key: key.to_owned(),
            effect: Effect::CallOutcome {
                outcome: outcome.to_owned(),
                target: OutcomeTarget::AircallCall,
            },
            origin: Origin::Agent,
        }
    }

    #[test]
    fn the_last_choice_is_the_calls_and_a_retry_queues_nothing_twice() {
        let store = Store::open_in_memory().unwrap();
        let call = SubjectKey::call(7);
        assert_eq!(store.call_outcome("7").unwrap(), None);
        let first = [effect("k1", "Resolved")];
        assert_eq!(
            store
                .choose_outcome(&call, "Resolved", "Bob@acme.io", &first, 10)
                .unwrap(),
            [true]
        );
        assert_eq!(
            store
                .choose_outcome(&call, "Resolved", "bob@acme.io", &first, 11)
                .unwrap(),
            [false]
        );
        store
            .choose_outcome(&call, "Sale", "bob@acme.io", &[effect("k2", "Sale")], 12)
            .unwrap();
        let kept = store.call_outcome("7").unwrap().unwrap();
        assert_eq!(kept.outcome.as_deref(), Some("Sale"));
        assert_eq!(kept.chosen_by.as_deref(), Some("bob@acme.io"));
        assert_eq!(store.outbox_of(&call).unwrap().len(), 2);
    }

    #[test]
    fn the_first_done_ends_the_wrap_up_and_keeps_the_outcome() {
        let store = Store::open_in_memory().unwrap();
        let call = SubjectKey::call(8);
        store
            .choose_outcome(&call, "Sale", "bob@acme.io", &[], 5)
            .unwrap();
        assert!(store.end_wrap_up("8", "bob@acme.io", 20).unwrap());
        assert!(!store.end_wrap_up("8", "bob@acme.io", 30).unwrap());
        let kept = store.call_outcome("8").unwrap().unwrap();
        assert_eq!(
            (kept.outcome.as_deref(), kept.done_at),
            (Some("Sale"), Some(20))
        );
        assert!(store.end_wrap_up("9", "bob@acme.io", 40).unwrap());
    }
}
