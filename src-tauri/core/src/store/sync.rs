//! Contact sync's memory: its runs with their checkpoints, the mapping from each Intercom
//! contact to the Aircall contact Ringside made for it (`sync/rows.rs`), what the scan found
//! (`sync/scan.rs`: the index, the phones that do not parse), and the lease that keeps two
//! syncs off one database.
//!
//! A row of `sync_contacts` exists while Ringside wants, has or may have something in Aircall
//! for an Intercom contact. It holds the target (`desired`, with its hash) next to what was last
//! written (`written`, with its hash): the two hashes differ exactly when Aircall needs a write.
//! A create whose answer was lost keeps `pending_since` until the contact is found or recreated.
//! Every change of a row and the run's counters move in one transaction, so a run stopped at any
//! point resumes from what is recorded here.

mod rows;
mod scan;

use crate::store::CachedSql;
use rusqlite::{params, OptionalExtension, Row};

use super::{Store, StoreError};
use crate::domain::plan::Roles;

pub use rows::{Counter, SyncRow};
pub use scan::{Scanned, Unparseable};

pub(super) const CREATE: &str = "
CREATE TABLE sync_runs (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    kind         TEXT NOT NULL CHECK (kind IN ('full', 'incremental')),
    phase        TEXT NOT NULL CHECK (phase IN ('scan', 'push', 'done', 'abandoned')),
    roles        TEXT NOT NULL,          -- users, leads or both
    since        INTEGER,                -- incremental: the `updated_at >` value sent to Intercom
    cursor       TEXT,                   -- the next Intercom page to read; NULL: the first
    total        INTEGER,                -- how many contacts Intercom said the scan would list
    started_at   INTEGER NOT NULL,
    finished_at  INTEGER,
    seen         INTEGER NOT NULL DEFAULT 0,
    indexed      INTEGER NOT NULL DEFAULT 0,
    unparseable  INTEGER NOT NULL DEFAULT 0,
    created      INTEGER NOT NULL DEFAULT 0,
    updated      INTEGER NOT NULL DEFAULT 0,
    deleted      INTEGER NOT NULL DEFAULT 0,
    unchanged    INTEGER NOT NULL DEFAULT 0,
    failed       INTEGER NOT NULL DEFAULT 0,
    error        TEXT                    -- why the run last stopped before its end
);
CREATE TABLE sync_contacts (
    intercom_id      TEXT PRIMARY KEY,
    desired          TEXT,               -- JSON target; NULL: nothing wanted in Aircall
    desired_hash     TEXT,
    aircall_id       INTEGER,            -- the Aircall contact Ringside created
    written          TEXT,               -- JSON of what it holds (while pending: what was sent)
    written_hash     TEXT,               -- NULL while nothing is known to be written
    phone_detail_id  INTEGER,
    email_detail_id  INTEGER,
    pending_since    INTEGER,            -- a create was sent then and its answer not recorded
    failed_for       TEXT,               -- the desired hash Aircall refused ('' for a deletion)
    failure          TEXT,
    seen_run         INTEGER NOT NULL,   -- the last full run that listed the contact
    gone             INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX sync_contacts_todo ON sync_contacts (intercom_id)
    WHERE desired_hash IS NOT written_hash OR pending_since IS NOT NULL;
CREATE TABLE sync_unparseable (
    intercom_id  TEXT PRIMARY KEY,
    role         TEXT NOT NULL,
    name         TEXT,
    phone        TEXT NOT NULL,          -- as stored in Intercom
    reason       TEXT NOT NULL,
    seen_at      INTEGER NOT NULL
);
CREATE TABLE sync_seen (
    intercom_id  TEXT PRIMARY KEY,       -- a contact in the index
    run          INTEGER NOT NULL        -- the last full run that listed it
);
CREATE TABLE sync_lease (
    id          INTEGER PRIMARY KEY CHECK (id = 1),
    holder      TEXT NOT NULL,
    expires_at  INTEGER NOT NULL
);
";

/// A full run lists every contact and finds the deleted ones; an incremental run reads only
/// the contacts updated lately.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RunKind {
    /// Every contact.
    Full,
    /// Contacts updated since the last run, with a safety overlap.
    Incremental,
}

impl RunKind {
    fn as_str(self) -> &'static str {
        match self {
            RunKind::Full => "full",
            RunKind::Incremental => "incremental",
        }
    }
}

/// Where a run is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum RunPhase {
    /// Reading Intercom page by page into the index.
    Scan,
    /// Writing to Aircall contact by contact.
    Push,
    /// Finished.
    Done,
    /// Given up for a run of another kind.
    Abandoned,
}

/// What a run has done so far.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
pub struct RunCounts {
    /// Intercom contacts read.
    pub seen: u64,
    /// Of those, indexed by their E.164 number.
    pub indexed: u64,
    /// Of those, with a phone that is not a number.
    pub unparseable: u64,
    /// Aircall contacts created.
    pub created: u64,
    /// Aircall contacts changed.
    pub updated: u64,
    /// Aircall contacts deleted.
    pub deleted: u64,
    /// Contacts whose Aircall contact was already right.
    pub unchanged: u64,
    /// Contacts Aircall refused.
    pub failed: u64,
}

/// One sync run and its checkpoint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyncRun {
    /// Its number.
    pub id: i64,
    /// Full or incremental.
    pub kind: RunKind,
    /// Where it is.
    pub phase: RunPhase,
    /// The roles it syncs.
    pub roles: Roles,
    /// Incremental: the `updated_at >` value sent to Intercom.
    pub since: Option<i64>,
    /// The next Intercom page to read.
    pub cursor: Option<String>,
    /// How many contacts Intercom said the scan would list.
    pub total: Option<u64>,
    /// UNIX seconds.
    pub started_at: i64,
    /// UNIX seconds, once done.
    pub finished_at: Option<i64>,
    /// Its counters.
    pub counts: RunCounts,
    /// Why it last stopped before its end.
    pub error: Option<String>,
}

/// Who holds the sync lease, when another does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LeaseHeld {
    /// The holder's name (process and instance).
    pub holder: String,
    /// When the lease lapses unless renewed, UNIX seconds.
    pub expires_at: i64,
}

pub(in crate::store) const RUN_COLUMNS: &str =
    "id, kind, phase, roles, since, cursor, total, started_at, finished_at,
    seen, indexed, unparseable, created, updated, deleted, unchanged, failed, error";

pub(in crate::store) fn run_from(r: &Row<'_>) -> rusqlite::Result<SyncRun> {
    let kind: String = r.get(1)?;
    let phase: String = r.get(2)?;
    let roles: String = r.get(3)?;
    let count = |i: usize| r.get::<_, i64>(i).map(|n| n.max(0) as u64);
    Ok(SyncRun {
        id: r.get(0)?,
        kind: if kind == "full" {
            RunKind::Full
        } else {
            RunKind::Incremental
        },
        phase: match phase.as_str() {
            "scan" => RunPhase::Scan,
            "push" => RunPhase::Push,
            "done" => RunPhase::Done,
            _ => RunPhase::Abandoned,
        },
        roles: Roles::parse(&roles).unwrap_or_default(),
        since: r.get(4)?,
        cursor: r.get(5)?,
        total: r.get::<_, Option<i64>>(6)?.map(|n| n.max(0) as u64),
        started_at: r.get(7)?,
        finished_at: r.get(8)?,
        counts: RunCounts {
            seen: count(9)?,
            indexed: count(10)?,
            unparseable: count(11)?,
            created: count(12)?,
            updated: count(13)?,
            deleted: count(14)?,
            unchanged: count(15)?,
            failed: count(16)?,
        },
        error: r.get(17)?,
    })
}

impl Store {
    /// Starts a run.
    pub fn sync_begin_run(
        &self,
        kind: RunKind,
        roles: Roles,
        since: Option<i64>,
        now: i64,
    ) -> Result<SyncRun, StoreError> {
        let conn = self.conn();
        conn.exec(
            "INSERT INTO sync_runs (kind, phase, roles, since, started_at) VALUES (?1, 'scan', ?2, ?3, ?4)",
            params![kind.as_str(), roles.as_str(), since, now],
        )?;
        let id = conn.last_insert_rowid();
        Ok(conn.row(
            &format!("SELECT {RUN_COLUMNS} FROM sync_runs WHERE id = ?1"),
            [id],
            run_from,
        )?)
    }

    /// A run by its number.
    pub fn sync_run(&self, id: i64) -> Result<Option<SyncRun>, StoreError> {
        Ok(self
            .read()
            .row(
                &format!("SELECT {RUN_COLUMNS} FROM sync_runs WHERE id = ?1"),
                [id],
                run_from,
            )
            .optional()?)
    }

    /// The run that was stopped before its end, if any.
    pub fn sync_open_run(&self) -> Result<Option<SyncRun>, StoreError> {
        Ok(self
            .read()
            .row(
                &format!(
                    "SELECT {RUN_COLUMNS} FROM sync_runs WHERE phase IN ('scan', 'push')
                     ORDER BY id DESC LIMIT 1"
                ),
                [],
                run_from,
            )
            .optional()?)
    }

    /// The last finished run (of `kind`, or of any kind).
    pub fn sync_last_done(&self, kind: Option<RunKind>) -> Result<Option<SyncRun>, StoreError> {
        Ok(self
            .read()
            .row(
                &format!(
                    "SELECT {RUN_COLUMNS} FROM sync_runs WHERE phase = 'done'
                     AND (?1 IS NULL OR kind = ?1) ORDER BY id DESC LIMIT 1"
                ),
                [kind.map(RunKind::as_str)],
                run_from,
            )
            .optional()?)
    }

    /// Records how many contacts the scan will list.
    pub fn sync_set_total(&self, run: i64, total: u64) -> Result<(), StoreError> {
        self.conn().exec(
            "UPDATE sync_runs SET total = ?2 WHERE id = ?1",
            params![run, total as i64],
        )?;
        Ok(())
    }

    /// Starts a run's scan over from the first page, its scan counters at zero.
    pub fn sync_restart_scan(&self, run: i64) -> Result<(), StoreError> {
        self.conn().exec(
            "UPDATE sync_runs SET cursor = NULL, seen = 0, indexed = 0, unparseable = 0,
                 unchanged = 0 WHERE id = ?1",
            [run],
        )?;
        Ok(())
    }

    /// Ends a run.
    pub fn sync_finish_run(&self, run: i64, now: i64) -> Result<(), StoreError> {
        self.conn().exec(
            "UPDATE sync_runs SET phase = 'done', finished_at = ?2, error = NULL WHERE id = ?1",
            params![run, now],
        )?;
        Ok(())
    }

    /// Notes why a run stopped early (it resumes from its checkpoint).
    pub fn sync_interrupt_run(&self, run: i64, error: &str) -> Result<(), StoreError> {
        self.conn().exec(
            "UPDATE sync_runs SET error = ?2 WHERE id = ?1",
            params![run, error],
        )?;
        Ok(())
    }

    /// Gives a stopped run up (a run of another kind replaces it).
    pub fn sync_abandon_run(&self, run: i64, now: i64) -> Result<(), StoreError> {
        self.conn().exec(
            "UPDATE sync_runs SET phase = 'abandoned', finished_at = ?2 WHERE id = ?1",
            params![run, now],
        )?;
        Ok(())
    }

    /// When the index was last known complete: the start of the last run whose Intercom side
    /// is complete (its listing read, whatever is left to write to Aircall), once a full run's
    /// is. The card trusts synced numbers from then on: a first sync of a large workspace
    /// writes to Aircall for hours at its budget, and the index is whole long before.
    pub fn index_synced_at(&self) -> Result<Option<i64>, StoreError> {
        Ok(self.read().row(
            "SELECT MAX(started_at) FROM sync_runs WHERE phase IN ('push', 'done')
             AND EXISTS (SELECT 1 FROM sync_runs WHERE phase IN ('push', 'done') AND kind = 'full')",
            [],
            |r| r.get(0),
        )?)
    }

    /// Takes the sync lease for `holder` until `now + ttl`, or renews it. When another holder
    /// has it and it has not lapsed, says who.
    pub fn sync_acquire_lease(
        &self,
        holder: &str,
        now: i64,
        ttl: i64,
    ) -> Result<Option<LeaseHeld>, StoreError> {
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        let current: Option<(String, i64)> = tx
            .row(
                "SELECT holder, expires_at FROM sync_lease WHERE id = 1",
                [],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?;
        if let Some((other, expires_at)) = current {
            if other != holder && expires_at > now {
                return Ok(Some(LeaseHeld {
                    holder: other,
                    expires_at,
                }));
            }
        }
        tx.exec(
            "INSERT INTO sync_lease (id, holder, expires_at) VALUES (1, ?1, ?2)
             ON CONFLICT(id) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at",
            params![holder, now + ttl],
        )?;
        tx.commit()?;
        Ok(None)
    }

    /// Gives the lease back, if `holder` has it.
    pub fn sync_release_lease(&self, holder: &str) -> Result<(), StoreError> {
        self.conn()
            .exec("DELETE FROM sync_lease WHERE holder = ?1", [holder])?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_lease_keeps_a_second_holder_out_until_released_or_lapsed() {
        let store = Store::open_in_memory().unwrap();
        assert_eq!(store.sync_acquire_lease("one", 0, 60).unwrap(), None);
        assert_eq!(
            store.sync_acquire_lease("one", 30, 60).unwrap(),
            None,
            "renewed"
        );
        let held = store.sync_acquire_lease("two", 60, 60).unwrap().unwrap();
        assert_eq!((held.holder.as_str(), held.expires_at), ("one", 90));
        assert_eq!(
            store.sync_acquire_lease("two", 91, 60).unwrap(),
            None,
            "lapsed"
        );
        store.sync_release_lease("two").unwrap();
        assert_eq!(store.sync_acquire_lease("one", 92, 60).unwrap(), None);
    }
}
