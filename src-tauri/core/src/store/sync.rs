//! Contact sync's memory: its runs with their checkpoints, the mapping from each Intercom
//! contact to the Aircall contact Ringside made for it, the phones that do not parse, and the
//! lease that keeps two syncs off one database.
//!
//! A row of `sync_contacts` exists while Ringside wants, has or may have something in Aircall
//! for an Intercom contact. It holds the target (`desired`, with its hash) next to what was last
//! written (`written`, with its hash): the two hashes differ exactly when Aircall needs a write.
//! A create whose answer was lost keeps `pending_since` until the contact is found or recreated.
//! Every change of a row and the run's counters move in one transaction, so a run stopped at any
//! point resumes from what is recorded here.

use rusqlite::{params, OptionalExtension, Row, Transaction};

use super::contacts::upsert as upsert_indexed;
use super::{Store, StoreError};
use crate::intercom::{Contact, Role};
use crate::sync::plan::{Reading, Roles, Target};

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

/// Rows that need Aircall work: a target not yet written (and not refused), or a lost answer.
const TODO: &str = "(desired_hash IS NOT written_hash OR pending_since IS NOT NULL)
    AND (pending_since IS NOT NULL OR failed_for IS NOT COALESCE(desired_hash, ''))";

/// A full run lists every contact and finds the deleted ones; an incremental run reads only
/// the contacts updated lately.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
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
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize)]
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

/// The sync state of one Intercom contact.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyncRow {
    /// The Intercom contact.
    pub intercom_id: String,
    /// What Ringside wants in Aircall; `None`: nothing.
    pub desired: Option<Target>,
    /// The Aircall contact Ringside created.
    pub aircall_id: Option<u64>,
    /// What it holds (while a create is pending: what was sent).
    pub written: Option<Target>,
    /// Whether `written` is known to be in Aircall.
    pub written_known: bool,
    /// The id of the number Ringside wrote, when known.
    pub phone_detail_id: Option<u64>,
    /// The id of the email Ringside wrote, when known.
    pub email_detail_id: Option<u64>,
    /// A create sent at this time whose answer was not recorded.
    pub pending_since: Option<i64>,
    /// Why Aircall refused a target.
    pub failure: Option<String>,
    /// Whether the refused target is the current one (it is then not tried again).
    pub refused: bool,
    /// Whether the contact is gone from Intercom.
    pub gone: bool,
}

/// A contact whose phone is not a number.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Unparseable {
    /// The Intercom contact.
    pub intercom_id: String,
    /// User or lead.
    pub role: Role,
    /// Its name.
    pub name: Option<String>,
    /// The phone as stored in Intercom.
    pub phone: String,
    /// Why it is not a number.
    pub reason: String,
}

/// One Intercom contact as a scan read it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scanned {
    /// The contact.
    pub contact: Contact,
    /// Its phone.
    pub reading: Reading,
    /// The Aircall contact wanted for it; `None` when it has no number or its role is not
    /// synced.
    pub target: Option<Target>,
}

/// A run counter that moves one at a time during the push.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Counter {
    /// An Aircall contact created.
    Created,
    /// An Aircall contact changed.
    Updated,
    /// An Aircall contact deleted.
    Deleted,
    /// A contact Aircall refused.
    Failed,
}

impl Counter {
    fn column(self) -> &'static str {
        match self {
            Counter::Created => "created",
            Counter::Updated => "updated",
            Counter::Deleted => "deleted",
            Counter::Failed => "failed",
        }
    }
}

/// Who holds the sync lease, when another does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LeaseHeld {
    /// The holder's name (process and instance).
    pub holder: String,
    /// When the lease lapses unless renewed, UNIX seconds.
    pub expires_at: i64,
}

const RUN_COLUMNS: &str = "id, kind, phase, roles, since, cursor, total, started_at, finished_at,
    seen, indexed, unparseable, created, updated, deleted, unchanged, failed, error";

fn run_from(r: &Row<'_>) -> rusqlite::Result<SyncRun> {
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

fn to_json(target: &Target) -> String {
    // A target is plain strings: encoding cannot fail.
    serde_json::to_string(target).unwrap_or_default()
}

fn from_json(text: Option<String>) -> Option<Target> {
    text.and_then(|t| serde_json::from_str(&t).ok())
}

fn id_of(value: Option<i64>) -> Option<u64> {
    value.and_then(|v| u64::try_from(v).ok())
}

fn row_from(r: &Row<'_>) -> rusqlite::Result<SyncRow> {
    let written_hash: Option<String> = r.get(4)?;
    Ok(SyncRow {
        intercom_id: r.get(0)?,
        desired: from_json(r.get(1)?),
        aircall_id: id_of(r.get(2)?),
        written: from_json(r.get(3)?),
        written_known: written_hash.is_some(),
        phone_detail_id: id_of(r.get(5)?),
        email_detail_id: id_of(r.get(6)?),
        pending_since: r.get(7)?,
        failure: r.get(8)?,
        gone: r.get(9)?,
        refused: r.get(10)?,
    })
}

const ROW_COLUMNS: &str = "intercom_id, desired, aircall_id, written, written_hash,
    phone_detail_id, email_detail_id, pending_since, failure, gone,
    failed_for IS COALESCE(desired_hash, '')";

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
        conn.execute(
            "INSERT INTO sync_runs (kind, phase, roles, since, started_at) VALUES (?1, 'scan', ?2, ?3, ?4)",
            params![kind.as_str(), roles.as_str(), since, now],
        )?;
        let id = conn.last_insert_rowid();
        Ok(conn.query_row(
            &format!("SELECT {RUN_COLUMNS} FROM sync_runs WHERE id = ?1"),
            [id],
            run_from,
        )?)
    }

    /// A run by its number.
    pub fn sync_run(&self, id: i64) -> Result<Option<SyncRun>, StoreError> {
        Ok(self
            .conn()
            .query_row(
                &format!("SELECT {RUN_COLUMNS} FROM sync_runs WHERE id = ?1"),
                [id],
                run_from,
            )
            .optional()?)
    }

    /// The run that was stopped before its end, if any.
    pub fn sync_open_run(&self) -> Result<Option<SyncRun>, StoreError> {
        Ok(self
            .conn()
            .query_row(
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
            .conn()
            .query_row(
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
        self.conn().execute(
            "UPDATE sync_runs SET total = ?2 WHERE id = ?1",
            params![run, total as i64],
        )?;
        Ok(())
    }

    /// Records one page of a scan: the index, the unparseable phones, the targets, the counters
    /// and the cursor of the next page, all at once. A full run also marks every contact it
    /// lists as still there. The last page (no next cursor) ends the scan in the same
    /// transaction: after a full scan, the contacts it did not list are gone from Intercom, so
    /// they leave the index and their Aircall contacts are due for deletion.
    pub fn sync_record_page(
        &self,
        run: &SyncRun,
        page: &[Scanned],
        next_cursor: Option<&str>,
        now: i64,
    ) -> Result<RunCounts, StoreError> {
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        let mut counts = RunCounts {
            seen: page.len() as u64,
            ..RunCounts::default()
        };
        for scanned in page {
            record_scanned(&tx, run, scanned, now, &mut counts)?;
        }
        tx.execute(
            "UPDATE sync_runs SET cursor = ?2, seen = seen + ?3, indexed = indexed + ?4,
                 unparseable = unparseable + ?5, unchanged = unchanged + ?6 WHERE id = ?1",
            params![
                run.id,
                next_cursor,
                counts.seen as i64,
                counts.indexed as i64,
                counts.unparseable as i64,
                counts.unchanged as i64
            ],
        )?;
        if next_cursor.is_none() {
            finish_scan(&tx, run)?;
        }
        tx.commit()?;
        Ok(counts)
    }

    /// Up to `limit` contacts that need Aircall work, in id order after `after`.
    pub fn sync_todo(&self, after: Option<&str>, limit: usize) -> Result<Vec<String>, StoreError> {
        let conn = self.conn();
        let mut stmt = conn.prepare_cached(&format!(
            "SELECT intercom_id FROM sync_contacts WHERE {TODO} AND intercom_id > ?1
             ORDER BY intercom_id LIMIT ?2"
        ))?;
        let ids = stmt
            .query_map(params![after.unwrap_or(""), limit as i64], |r| r.get(0))?
            .collect::<Result<_, _>>()?;
        Ok(ids)
    }

    /// How many contacts need Aircall work.
    pub fn sync_todo_count(&self) -> Result<u64, StoreError> {
        Ok(self.conn().query_row(
            &format!("SELECT COUNT(*) FROM sync_contacts WHERE {TODO}"),
            [],
            |r| r.get::<_, i64>(0),
        )? as u64)
    }

    /// The sync state of one contact.
    pub fn sync_row(&self, intercom_id: &str) -> Result<Option<SyncRow>, StoreError> {
        Ok(self
            .conn()
            .query_row(
                &format!("SELECT {ROW_COLUMNS} FROM sync_contacts WHERE intercom_id = ?1"),
                [intercom_id],
                row_from,
            )
            .optional()?)
    }

    /// Every contact's sync state (for a dry run's comparison).
    pub fn sync_rows(&self) -> Result<Vec<SyncRow>, StoreError> {
        let conn = self.conn();
        let mut stmt = conn.prepare(&format!(
            "SELECT {ROW_COLUMNS} FROM sync_contacts ORDER BY intercom_id"
        ))?;
        let rows = stmt.query_map([], row_from)?.collect::<Result<_, _>>()?;
        Ok(rows)
    }

    /// A create of `sent` is about to go out: if its answer is lost, the contact is looked for
    /// before it is created again.
    pub fn sync_mark_pending(
        &self,
        intercom_id: &str,
        sent: &Target,
        now: i64,
    ) -> Result<(), StoreError> {
        self.conn().execute(
            "UPDATE sync_contacts SET pending_since = ?2, written = ?3, written_hash = NULL,
                 aircall_id = NULL, phone_detail_id = NULL, email_detail_id = NULL
             WHERE intercom_id = ?1",
            params![intercom_id, now, to_json(sent)],
        )?;
        Ok(())
    }

    /// Aircall holds `written` under `aircall_id` (after a create, a recovered create or one
    /// step of an update); counts `counter` for the run when given.
    #[allow(clippy::too_many_arguments)]
    pub fn sync_record_written(
        &self,
        run: i64,
        intercom_id: &str,
        aircall_id: u64,
        written: &Target,
        phone_detail_id: Option<u64>,
        email_detail_id: Option<u64>,
        counter: Option<Counter>,
    ) -> Result<(), StoreError> {
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        tx.execute(
            "UPDATE sync_contacts SET aircall_id = ?2, written = ?3, written_hash = ?4,
                 phone_detail_id = ?5, email_detail_id = ?6, pending_since = NULL,
                 failed_for = NULL, failure = NULL
             WHERE intercom_id = ?1",
            params![
                intercom_id,
                aircall_id as i64,
                to_json(written),
                written.hash(),
                phone_detail_id.map(|v| v as i64),
                email_detail_id.map(|v| v as i64)
            ],
        )?;
        if let Some(counter) = counter {
            bump(&tx, run, counter)?;
        }
        tx.commit()?;
        Ok(())
    }

    /// Aircall no longer has the contact (deleted by Ringside, or by someone): Ringside forgets
    /// it, and forgets the row entirely when nothing is wanted either.
    pub fn sync_record_gone_from_aircall(
        &self,
        run: i64,
        intercom_id: &str,
        counter: Option<Counter>,
    ) -> Result<(), StoreError> {
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        tx.execute(
            "UPDATE sync_contacts SET aircall_id = NULL, written = NULL, written_hash = NULL,
                 phone_detail_id = NULL, email_detail_id = NULL, pending_since = NULL,
                 failed_for = NULL, failure = NULL
             WHERE intercom_id = ?1",
            [intercom_id],
        )?;
        if let Some(counter) = counter {
            bump(&tx, run, counter)?;
        }
        prune(&tx)?;
        tx.commit()?;
        Ok(())
    }

    /// Aircall refused the contact's current target: it is not tried again until the target
    /// changes.
    pub fn sync_record_failure(
        &self,
        run: i64,
        intercom_id: &str,
        reason: &str,
    ) -> Result<(), StoreError> {
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        tx.execute(
            "UPDATE sync_contacts SET failed_for = COALESCE(desired_hash, ''), failure = ?2,
                 pending_since = NULL
             WHERE intercom_id = ?1",
            params![intercom_id, reason],
        )?;
        bump(&tx, run, Counter::Failed)?;
        tx.commit()?;
        Ok(())
    }

    /// The contacts Aircall refused, with why.
    pub fn sync_failures(&self) -> Result<Vec<(String, String)>, StoreError> {
        let conn = self.conn();
        let mut stmt = conn.prepare(
            "SELECT intercom_id, failure FROM sync_contacts WHERE failure IS NOT NULL
             ORDER BY intercom_id",
        )?;
        let rows = stmt
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<Result<_, _>>()?;
        Ok(rows)
    }

    /// Ends a run.
    pub fn sync_finish_run(&self, run: i64, now: i64) -> Result<(), StoreError> {
        self.conn().execute(
            "UPDATE sync_runs SET phase = 'done', finished_at = ?2, error = NULL WHERE id = ?1",
            params![run, now],
        )?;
        Ok(())
    }

    /// Notes why a run stopped early (it resumes from its checkpoint).
    pub fn sync_interrupt_run(&self, run: i64, error: &str) -> Result<(), StoreError> {
        self.conn().execute(
            "UPDATE sync_runs SET error = ?2 WHERE id = ?1",
            params![run, error],
        )?;
        Ok(())
    }

    /// Gives a stopped run up (a run of another kind replaces it).
    pub fn sync_abandon_run(&self, run: i64, now: i64) -> Result<(), StoreError> {
        self.conn().execute(
            "UPDATE sync_runs SET phase = 'abandoned', finished_at = ?2 WHERE id = ?1",
            params![run, now],
        )?;
        Ok(())
    }

    /// When the index was last known complete: the start of the last finished run, once a full
    /// run has finished. The card trusts synced numbers from then on.
    pub fn index_synced_at(&self) -> Result<Option<i64>, StoreError> {
        Ok(self.conn().query_row(
            "SELECT MAX(started_at) FROM sync_runs WHERE phase = 'done'
             AND EXISTS (SELECT 1 FROM sync_runs WHERE phase = 'done' AND kind = 'full')",
            [],
            |r| r.get(0),
        )?)
    }

    /// The contacts whose phone is not a number, by id.
    pub fn unparseable_contacts(&self) -> Result<Vec<Unparseable>, StoreError> {
        let conn = self.conn();
        let mut stmt = conn.prepare(
            "SELECT intercom_id, role, name, phone, reason FROM sync_unparseable
             ORDER BY intercom_id",
        )?;
        let rows = stmt
            .query_map([], |r| {
                let role: String = r.get(1)?;
                Ok(Unparseable {
                    intercom_id: r.get(0)?,
                    role: Role::parse(&role).unwrap_or(Role::Lead),
                    name: r.get(2)?,
                    phone: r.get(3)?,
                    reason: r.get(4)?,
                })
            })?
            .collect::<Result<_, _>>()?;
        Ok(rows)
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
            .query_row(
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
        tx.execute(
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
            .execute("DELETE FROM sync_lease WHERE holder = ?1", [holder])?;
        Ok(())
    }
}

fn finish_scan(tx: &Transaction<'_>, run: &SyncRun) -> Result<(), StoreError> {
    if run.kind == RunKind::Full {
        tx.execute(
            "UPDATE sync_contacts SET desired = NULL, desired_hash = NULL, gone = 1
             WHERE seen_run <> ?1",
            [run.id],
        )?;
        // Indexed contacts the scan did not list are gone, unless a card looked their number
        // up while the scan ran (a contact created meanwhile, which the scan may have passed).
        tx.execute(
            "DELETE FROM contacts
             WHERE id NOT IN (SELECT intercom_id FROM sync_seen WHERE run = ?1)
               AND (e164 IS NULL OR e164 NOT IN
                    (SELECT e164 FROM phone_lookups WHERE fetched_at >= ?2))",
            params![run.id, run.started_at],
        )?;
        tx.execute("DELETE FROM sync_seen WHERE run <> ?1", [run.id])?;
        tx.execute(
            "DELETE FROM sync_unparseable WHERE intercom_id NOT IN (SELECT id FROM contacts)",
            [],
        )?;
    }
    prune(tx)?;
    tx.execute(
        "UPDATE sync_runs SET phase = 'push', cursor = NULL WHERE id = ?1",
        [run.id],
    )?;
    Ok(())
}

fn bump(tx: &Transaction<'_>, run: i64, counter: Counter) -> Result<(), StoreError> {
    let column = counter.column();
    tx.execute(
        &format!("UPDATE sync_runs SET {column} = {column} + 1 WHERE id = ?1"),
        [run],
    )?;
    Ok(())
}

/// Drops rows that hold nothing: no target, nothing written, nothing pending.
fn prune(tx: &Transaction<'_>) -> Result<(), StoreError> {
    tx.execute(
        "DELETE FROM sync_contacts WHERE desired IS NULL AND aircall_id IS NULL
             AND written IS NULL AND pending_since IS NULL",
        [],
    )?;
    Ok(())
}

fn record_scanned(
    tx: &Transaction<'_>,
    run: &SyncRun,
    scanned: &Scanned,
    now: i64,
    counts: &mut RunCounts,
) -> Result<(), StoreError> {
    let contact = &scanned.contact;
    let indexed = match &scanned.reading {
        Reading::Number(number) => {
            upsert_indexed(tx, contact, Some(number), now)?;
            counts.indexed += 1;
            true
        }
        Reading::Unparseable { phone, reason } => {
            upsert_indexed(tx, contact, None, now)?;
            tx.execute(
                "INSERT INTO sync_unparseable (intercom_id, role, name, phone, reason, seen_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)
                 ON CONFLICT(intercom_id) DO UPDATE SET role = excluded.role, name = excluded.name,
                     phone = excluded.phone, reason = excluded.reason, seen_at = excluded.seen_at",
                params![
                    contact.id,
                    contact.role.as_str(),
                    contact.name,
                    phone,
                    reason,
                    now
                ],
            )?;
            counts.unparseable += 1;
            true
        }
        Reading::NoPhone => {
            // Only a contact already indexed (it had a phone) is kept, without its number.
            let known = tx
                .query_row(
                    "SELECT 1 FROM contacts WHERE id = ?1",
                    [&contact.id],
                    |_| Ok(()),
                )
                .optional()?
                .is_some();
            if known {
                upsert_indexed(tx, contact, None, now)?;
            }
            known
        }
    };
    if indexed && run.kind == RunKind::Full {
        tx.execute(
            "INSERT INTO sync_seen (intercom_id, run) VALUES (?1, ?2)
             ON CONFLICT(intercom_id) DO UPDATE SET run = excluded.run",
            params![contact.id, run.id],
        )?;
    }
    if !matches!(scanned.reading, Reading::Unparseable { .. }) {
        tx.execute(
            "DELETE FROM sync_unparseable WHERE intercom_id = ?1",
            [&contact.id],
        )?;
    }
    let seen_run = if run.kind == RunKind::Full { run.id } else { 0 };
    match &scanned.target {
        Some(target) => {
            tx.execute(
                "INSERT INTO sync_contacts (intercom_id, desired, desired_hash, seen_run)
                 VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT(intercom_id) DO UPDATE SET desired = excluded.desired,
                     desired_hash = excluded.desired_hash, gone = 0,
                     seen_run = MAX(seen_run, excluded.seen_run)",
                params![contact.id, to_json(target), target.hash(), seen_run],
            )?;
            let unchanged: bool = tx.query_row(
                "SELECT written_hash IS desired_hash AND pending_since IS NULL
                 FROM sync_contacts WHERE intercom_id = ?1",
                [&contact.id],
                |r| r.get(0),
            )?;
            if unchanged {
                counts.unchanged += 1;
            }
        }
        None => {
            tx.execute(
                "UPDATE sync_contacts SET desired = NULL, desired_hash = NULL, gone = 0,
                     seen_run = MAX(seen_run, ?2)
                 WHERE intercom_id = ?1",
                params![contact.id, seen_run],
            )?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::phone::E164;

    fn scanned(id: &str, phone: Option<&str>, name: &str) -> Scanned {
        let contact = Contact {
            id: id.into(),
            role: Role::Lead,
            name: Some(name.into()),
            email: None,
            phone: phone.map(str::to_owned),
            workspace_id: None,
            updated_at: 10,
        };
        let reading = match phone {
            None => Reading::NoPhone,
            Some(p) => match E164::from_e164(p) {
                Ok(n) => Reading::Number(n),
                Err(e) => Reading::Unparseable {
                    phone: p.into(),
                    reason: e.to_string(),
                },
            },
        };
        let target = match &reading {
            Reading::Number(n) => Some(Target::of(&contact, n, "ws")),
            _ => None,
        };
        Scanned {
            contact,
            reading,
            target,
        }
    }

    #[test]
    fn a_full_scan_indexes_targets_and_finds_what_is_gone() {
        let store = Store::open_in_memory().unwrap();
        let first = store
            .sync_begin_run(RunKind::Full, Roles::Both, None, 100)
            .unwrap();
        let page = [
            scanned("a", Some("+33762043575"), "Jane Roe"),
            scanned("b", Some("call me"), "Bad Phone"),
            scanned("c", None, "No Phone"),
        ];
        let counts = store
            .sync_record_page(&first, &page[..2], Some("next"), 100)
            .unwrap();
        assert_eq!((counts.seen, counts.indexed, counts.unparseable), (2, 1, 1));
        let open = store.sync_open_run().unwrap().unwrap();
        assert_eq!(
            (open.phase, open.cursor.as_deref()),
            (RunPhase::Scan, Some("next"))
        );
        store
            .sync_record_page(&first, &page[2..], None, 100)
            .unwrap();
        assert_eq!(
            store.sync_open_run().unwrap().unwrap().phase,
            RunPhase::Push
        );
        assert_eq!(store.sync_todo(None, 10).unwrap(), ["a"]);
        assert_eq!(store.unparseable_contacts().unwrap()[0].phone, "call me");
        let jane = E164::from_e164("+33762043575").unwrap();
        assert_eq!(store.contacts_by_phone(&jane).unwrap().len(), 1);

        // Aircall now holds `a`; a second full run no longer lists it.
        let target = page[0].target.clone().unwrap();
        store
            .sync_record_written(
                first.id,
                "a",
                7,
                &target,
                Some(8),
                None,
                Some(Counter::Created),
            )
            .unwrap();
        assert!(store.sync_todo(None, 10).unwrap().is_empty());
        store.sync_finish_run(first.id, 101).unwrap();
        assert_eq!(store.index_synced_at().unwrap(), Some(100));

        let second = store
            .sync_begin_run(RunKind::Full, Roles::Both, None, 200)
            .unwrap();
        store
            .sync_record_page(&second, &page[1..], None, 200)
            .unwrap();
        let a = store.sync_row("a").unwrap().unwrap();
        assert!(a.gone && a.desired.is_none() && a.aircall_id == Some(7));
        assert_eq!(store.sync_todo(None, 10).unwrap(), ["a"]);
        assert!(
            store.contacts_by_phone(&jane).unwrap().is_empty(),
            "gone from the index"
        );
        store
            .sync_record_gone_from_aircall(second.id, "a", Some(Counter::Deleted))
            .unwrap();
        assert_eq!(
            store.sync_row("a").unwrap(),
            None,
            "nothing left to remember"
        );
        let counts = store.sync_run(second.id).unwrap().unwrap().counts;
        assert_eq!((counts.seen, counts.deleted), (2, 1));
    }

    #[test]
    fn a_refused_target_waits_for_a_change_and_a_lost_create_stays_due() {
        let store = Store::open_in_memory().unwrap();
        let run = store
            .sync_begin_run(RunKind::Full, Roles::Both, None, 1)
            .unwrap();
        let page = [scanned("a", Some("+33762043575"), "Jane Roe")];
        store.sync_record_page(&run, &page, None, 1).unwrap();
        store.sync_record_failure(run.id, "a", "400: bad").unwrap();
        assert_eq!(store.sync_todo_count().unwrap(), 0);
        assert_eq!(
            store.sync_failures().unwrap(),
            [("a".into(), "400: bad".into())]
        );
        // The name changes: a new target, tried again.
        let renamed = [scanned("a", Some("+33762043575"), "Jane Doe")];
        store.sync_record_page(&run, &renamed, None, 2).unwrap();
        assert_eq!(store.sync_todo_count().unwrap(), 1);

        let target = renamed[0].target.clone().unwrap();
        store.sync_mark_pending("a", &target, 3).unwrap();
        let row = store.sync_row("a").unwrap().unwrap();
        assert_eq!((row.pending_since, row.written_known), (Some(3), false));
        assert_eq!(row.written, Some(target));
        assert_eq!(store.sync_todo(None, 10).unwrap(), ["a"]);
    }

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
