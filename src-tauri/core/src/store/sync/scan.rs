//! What a scan found, recorded page by page: the contact index, the phones that do not parse,
//! the targets, and, at the end of a full scan, the contacts that are gone.

use crate::store::CachedSql;
use rusqlite::{params, OptionalExtension, Transaction};

use super::rows::{prune, to_json};
use super::{run_from, RunCounts, RunKind, SyncRun, RUN_COLUMNS};
use crate::domain::plan::{Reading, Target};
use crate::intercom::{Contact, Role};
use crate::store::contacts::upsert as upsert_indexed;
use crate::store::{Store, StoreError};

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

impl Store {
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
        tx.exec(
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

    /// Records one contact as an Intercom notification found it, outside any run: the index,
    /// its phone if unparseable, and its target. While a full run is scanning, the contact counts
    /// as listed by that run (its pages may have passed it already), so the end of the scan
    /// does not take a contact created meanwhile for one that is gone.
    pub fn sync_record_live(&self, scanned: &Scanned, now: i64) -> Result<(), StoreError> {
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        let scanning = tx
            .row(
                &format!(
                    "SELECT {RUN_COLUMNS} FROM sync_runs WHERE phase = 'scan' AND kind = 'full'
                     ORDER BY id DESC LIMIT 1"
                ),
                [],
                run_from,
            )
            .optional()?;
        let run = scanning.unwrap_or(SyncRun {
            id: 0,
            kind: RunKind::Incremental,
            phase: super::RunPhase::Scan,
            roles: crate::domain::plan::Roles::Both,
            since: None,
            cursor: None,
            total: None,
            started_at: now,
            finished_at: None,
            counts: RunCounts::default(),
            error: None,
        });
        record_scanned(&tx, &run, scanned, now, &mut RunCounts::default())?;
        tx.commit()?;
        Ok(())
    }

    /// Forgets a contact Intercom deleted, archived or merged away: it leaves the index, and
    /// its Aircall contact (if Ringside made one) is due for deletion.
    pub fn sync_forget_live(&self, intercom_id: &str) -> Result<(), StoreError> {
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        tx.exec("DELETE FROM contacts WHERE id = ?1", [intercom_id])?;
        tx.exec(
            "DELETE FROM sync_unparseable WHERE intercom_id = ?1",
            [intercom_id],
        )?;
        tx.exec(
            "DELETE FROM sync_seen WHERE intercom_id = ?1",
            [intercom_id],
        )?;
        tx.exec(
            "UPDATE sync_contacts SET desired = NULL, desired_hash = NULL, gone = 1
             WHERE intercom_id = ?1",
            [intercom_id],
        )?;
        prune(&tx)?;
        tx.commit()?;
        Ok(())
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
}

fn finish_scan(tx: &Transaction<'_>, run: &SyncRun) -> Result<(), StoreError> {
    if run.kind == RunKind::Full {
        tx.exec(
            "UPDATE sync_contacts SET desired = NULL, desired_hash = NULL, gone = 1
             WHERE seen_run <> ?1",
            [run.id],
        )?;
        // Indexed contacts the scan did not list are gone, unless a card looked their number
        // up while the scan ran (a contact created meanwhile, which the scan may have passed).
        tx.exec(
            "DELETE FROM contacts
             WHERE id NOT IN (SELECT intercom_id FROM sync_seen WHERE run = ?1)
               AND (e164 IS NULL OR e164 NOT IN
                    (SELECT e164 FROM phone_lookups WHERE fetched_at >= ?2))",
            params![run.id, run.started_at],
        )?;
        tx.exec("DELETE FROM sync_seen WHERE run <> ?1", [run.id])?;
        tx.exec(
            "DELETE FROM sync_unparseable WHERE intercom_id NOT IN (SELECT id FROM contacts)",
            [],
        )?;
    }
    prune(tx)?;
    tx.exec(
        "UPDATE sync_runs SET phase = 'push', cursor = NULL WHERE id = ?1",
        [run.id],
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
            tx.exec(
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
                .row(
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
        tx.exec(
            "INSERT INTO sync_seen (intercom_id, run) VALUES (?1, ?2)
             ON CONFLICT(intercom_id) DO UPDATE SET run = excluded.run",
            params![contact.id, run.id],
        )?;
    }
    if !matches!(scanned.reading, Reading::Unparseable { .. }) {
        tx.exec(
            "DELETE FROM sync_unparseable WHERE intercom_id = ?1",
            [&contact.id],
        )?;
    }
    let seen_run = if run.kind == RunKind::Full { run.id } else { 0 };
    match &scanned.target {
        Some(target) => {
            tx.exec(
                "INSERT INTO sync_contacts (intercom_id, desired, desired_hash, seen_run)
                 VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT(intercom_id) DO UPDATE SET desired = excluded.desired,
                     desired_hash = excluded.desired_hash, gone = 0,
                     seen_run = MAX(seen_run, excluded.seen_run)",
                params![contact.id, to_json(target), target.hash(), seen_run],
            )?;
            let unchanged: bool = tx.row(
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
            tx.exec(
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
pub(super) mod tests {
    use super::super::{Counter, RunPhase};
    use super::*;
    use crate::domain::plan::Roles;
    use crate::phone::E164;

    pub(in crate::store) fn scanned(id: &str, phone: Option<&str>, name: &str) -> Scanned {
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
        // The listing is read: the index is trusted, with Aircall's writes still to do.
        assert_eq!(store.index_synced_at().unwrap(), Some(100));
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
}
