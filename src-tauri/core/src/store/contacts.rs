//! The contact index: Intercom Users and Leads by the E.164 form of their phone, and when each
//! number was last looked up live.

use crate::store::CachedSql;
use rusqlite::{params, OptionalExtension};

use super::{Store, StoreError};
use crate::intercom::{Contact, Role};
use crate::phone::E164;

pub(super) const CREATE: &str = "
CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
CREATE TABLE contacts (
    id          TEXT PRIMARY KEY,
    role        TEXT NOT NULL CHECK (role IN ('user', 'lead')),
    name        TEXT,
    email       TEXT,
    phone       TEXT,             -- as stored in Intercom, any format
    e164        TEXT,             -- the phone read as E.164; NULL when it does not parse
    updated_at  INTEGER NOT NULL, -- Intercom's, UNIX seconds
    fetched_at  INTEGER NOT NULL  -- when Ringside last saw it
);
CREATE INDEX contacts_by_e164 ON contacts (e164);
CREATE TABLE phone_lookups (
    e164        TEXT PRIMARY KEY,
    fetched_at  INTEGER NOT NULL,
    matches     INTEGER NOT NULL
);
";

/// The index finds a contact by its phone exactly as stored, as a live search does.
pub(super) const INDEX_PHONE: &str = "CREATE INDEX contacts_by_stored_phone ON contacts (phone);";

/// A contact as the index holds it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IndexedContact {
    /// The Intercom contact.
    pub contact: Contact,
    /// Its phone read as E.164, if it parses.
    pub e164: Option<E164>,
    /// When Ringside last saw it, UNIX seconds.
    pub fetched_at: i64,
}

impl Store {
    /// Adds or refreshes one contact.
    pub fn upsert_contact(
        &self,
        contact: &Contact,
        e164: Option<&E164>,
        now: i64,
    ) -> Result<(), StoreError> {
        upsert(&self.conn(), contact, e164, now)
    }

    /// The indexed contacts whose phone is this number: read as this number, or stored as one
    /// of the ways it may have been typed ([`E164::variants`]). The same two tests as a live
    /// search (`formatted_phone`, then the exact `phone` strings), so the index and Intercom
    /// agree on who has a number even when a phone does not read as a number in the default
    /// region (a UK `020 8765 3456` in a French workspace).
    pub fn contacts_by_phone(&self, number: &E164) -> Result<Vec<IndexedContact>, StoreError> {
        let conn = self.read();
        let (matching, values) = matching(number);
        let mut stmt = conn.prepare_cached(&format!(
            "SELECT id, role, name, email, phone, e164, updated_at, fetched_at
             FROM contacts WHERE {matching} ORDER BY updated_at DESC, id"
        ))?;
        let rows = stmt.query_map(rusqlite::params_from_iter(values), |r| {
            let role: String = r.get(1)?;
            let e164: Option<String> = r.get(5)?;
            Ok(IndexedContact {
                contact: Contact {
                    id: r.get(0)?,
                    role: Role::parse(&role).unwrap_or(Role::Lead),
                    name: r.get(2)?,
                    email: r.get(3)?,
                    phone: r.get(4)?,
                    workspace_id: None,
                    updated_at: r.get(6)?,
                },
                e164: e164.and_then(|s| E164::from_e164(&s).ok()),
                fetched_at: r.get(7)?,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Records the answer of a live search for `number`, sent at `searched_at`: the contacts
    /// found are upserted, and any indexed contact that claimed the number but was not found
    /// loses it, unless Ringside learnt it since the search was sent (a notification or a sync
    /// that overtook the search knows better than its answer).
    pub fn record_lookup(
        &self,
        number: &E164,
        found: &[Contact],
        searched_at: i64,
        now: i64,
    ) -> Result<(), StoreError> {
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        {
            let ids: Vec<&str> = found.iter().map(|c| c.id.as_str()).collect();
            let (matching, values) = matching(number);
            let mut stale = tx.prepare_cached(&format!(
                "SELECT id, fetched_at FROM contacts WHERE {matching}"
            ))?;
            let indexed: Vec<String> = stale
                .query_map(rusqlite::params_from_iter(values), |r| {
                    Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?))
                })?
                .filter_map(|r| match r {
                    Ok((id, fetched_at)) if fetched_at < searched_at => Some(Ok(id)),
                    Ok(_) => None,
                    Err(e) => Some(Err(e)),
                })
                .collect::<Result<_, _>>()?;
            for id in indexed.iter().filter(|id| !ids.contains(&id.as_str())) {
                // Its phone changed in Intercom since it was indexed: it no longer has this
                // number, in either of the ways the index would find it.
                tx.exec(
                    "UPDATE contacts SET e164 = NULL, phone = NULL WHERE id = ?1",
                    [id],
                )?;
            }
            for contact in found {
                upsert(&tx, contact, Some(number), now)?;
            }
            tx.exec(
                "INSERT INTO phone_lookups (e164, fetched_at, matches) VALUES (?1, ?2, ?3)
                 ON CONFLICT(e164) DO UPDATE SET fetched_at = excluded.fetched_at, matches = excluded.matches",
                params![number.as_str(), now, found.len() as i64],
            )?;
        }
        tx.commit()?;
        Ok(())
    }

    /// When `number` was last looked up live, UNIX seconds.
    pub fn lookup_time(&self, number: &E164) -> Result<Option<i64>, StoreError> {
        Ok(self
            .read()
            .row(
                "SELECT fetched_at FROM phone_lookups WHERE e164 = ?1",
                [number.as_str()],
                |r| r.get(0),
            )
            .optional()?)
    }

    /// The name of an indexed contact, when the index holds it with one.
    pub fn contact_name(&self, id: &str) -> Result<Option<String>, StoreError> {
        Ok(self
            .read()
            .row("SELECT name FROM contacts WHERE id = ?1", [id], |r| {
                r.get(0)
            })
            .optional()?
            .flatten())
    }

    /// How many contacts the index holds.
    pub fn contact_count(&self) -> Result<u64, StoreError> {
        Ok(self
            .read()
            .row("SELECT COUNT(*) FROM contacts", [], |r| r.get::<_, i64>(0))? as u64)
    }
}

/// The condition on `contacts` that finds the holders of `number`, and its parameters: read as
/// the number, or stored as one of its variants.
fn matching(number: &E164) -> (String, Vec<String>) {
    let variants = number.variants();
    let placeholders: Vec<String> = (0..variants.len()).map(|i| format!("?{}", i + 2)).collect();
    let condition = format!("e164 = ?1 OR phone IN ({})", placeholders.join(", "));
    let values = std::iter::once(number.as_str().to_owned())
        .chain(variants)
        .collect();
    (condition, values)
}

/// Adds or refreshes a contact; a version of it older than the indexed one (by Intercom's
/// `updated_at`, as from a search sent before a notification's read) changes nothing.
pub(super) fn upsert(
    conn: &rusqlite::Connection,
    c: &Contact,
    e164: Option<&E164>,
    now: i64,
) -> Result<(), StoreError> {
    conn.prepare_cached(
        "INSERT INTO contacts (id, role, name, email, phone, e164, updated_at, fetched_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)
         ON CONFLICT(id) DO UPDATE SET role = excluded.role, name = excluded.name,
             email = excluded.email, phone = excluded.phone, e164 = excluded.e164,
             updated_at = excluded.updated_at, fetched_at = excluded.fetched_at
         WHERE excluded.updated_at >= contacts.updated_at",
    )?
    .execute(params![
        c.id,
        c.role.as_str(),
        c.name,
        c.email,
        c.phone,
        e164.map(E164::as_str),
        c.updated_at,
        now
    ])?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::phone::Region;

    fn contact(id: &str, phone: &str) -> Contact {
        Contact {
            id: id.into(),
            role: Role::Lead,
            name: Some(format!("Contact {id}")),
            email: None,
            phone: Some(phone.into()),
            workspace_id: None,
            updated_at: 100,
        }
    }

    #[test]
    fn a_lookup_replaces_who_owns_a_number() {
        let store = Store::open_in_memory().unwrap();
        let n = E164::parse("07 62 04 35 75", Region::parse("FR").unwrap()).unwrap();
        store
            .upsert_contact(&contact("a", "0762043575"), Some(&n), 1)
            .unwrap();
        store
            .upsert_contact(&contact("b", "+33762043575"), Some(&n), 1)
            .unwrap();
        assert_eq!(store.contacts_by_phone(&n).unwrap().len(), 2);

        // Intercom now says only `b` has the number (a changed phone).
        store
            .record_lookup(&n, &[contact("b", "+33762043575")], 50, 50)
            .unwrap();
        let now: Vec<String> = store
            .contacts_by_phone(&n)
            .unwrap()
            .into_iter()
            .map(|c| c.contact.id)
            .collect();
        assert_eq!(now, ["b"]);
        assert_eq!(store.lookup_time(&n).unwrap(), Some(50));
        assert_eq!(
            store.contact_count().unwrap(),
            2,
            "the contact stays indexed, without the number"
        );
    }

    #[test]
    fn a_search_overtaken_by_newer_knowledge_does_not_undo_it() {
        let store = Store::open_in_memory().unwrap();
        let fr = Region::parse("FR").unwrap();
        let old = E164::parse("06 41 52 63 74", fr).unwrap();
        let new = E164::parse("07 11 22 33 44", fr).unwrap();
        // A search for the old number is sent at 100; meanwhile a notification reads the
        // contact with its new number (updated at 105) and indexes it at 106.
        let mut moved = contact("lea", "+33711223344");
        moved.updated_at = 105;
        store.upsert_contact(&moved, Some(&new), 106).unwrap();
        // The search's answer, the contact as it was at 100, arrives last.
        let before = contact("lea", "+33641526374");
        store.record_lookup(&old, &[before], 100, 107).unwrap();
        let ids = |n: &E164| -> Vec<String> {
            store
                .contacts_by_phone(n)
                .unwrap()
                .into_iter()
                .map(|c| c.contact.id)
                .collect()
        };
        assert_eq!(ids(&new), ["lea"]);
        assert!(ids(&old).is_empty());

        // A search sent before a new lead was indexed, and finding nobody, leaves it there.
        let mut lead = contact("ana", "+33641526374");
        lead.updated_at = 110;
        store.upsert_contact(&lead, Some(&old), 111).unwrap();
        store.record_lookup(&old, &[], 109, 112).unwrap();
        assert_eq!(ids(&old), ["ana"]);
        // One sent after it, and finding nobody, takes the number away.
        store.record_lookup(&old, &[], 113, 114).unwrap();
        assert!(ids(&old).is_empty());
    }

    #[test]
    fn hostile_text_is_stored_and_read_back_verbatim() {
        let store = Store::open_in_memory().unwrap();
        let n = E164::from_e164("+14422497851").unwrap();
        let mut c = contact("x", "+14422497851");
        c.name = Some("<img src=x onerror=alert(1)>'); DROP TABLE contacts;--".into());
        store.upsert_contact(&c, Some(&n), 1).unwrap();
        assert_eq!(store.contacts_by_phone(&n).unwrap()[0].contact.name, c.name);
    }
}
