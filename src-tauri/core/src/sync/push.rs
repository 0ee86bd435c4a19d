//! The second half of a run: Aircall is made to hold each contact's target, one contact at a
//! time, recording every step before the next.
//!
//! A contact without an Aircall contact is created; one whose target changed is updated through
//! the endpoints of what changed (names and information, the number, the email); one no longer
//! wanted is deleted. Only Aircall contacts Ringside created are ever touched: their ids come
//! from its own records. A create whose answer was lost is looked for (same number, same
//! Intercom link, created after the attempt) before it is sent again, so a crash never leaves a
//! duplicate. When Aircall refuses a contact (a 4xx), the refusal is recorded and the run goes
//! on; the contact is tried again once its target changes.

use super::engine::{progress_of, SyncEngine, SyncError};
use super::lease::Lease;
use super::progress::SyncPhase;
use crate::aircall::{AircallContact, ContactDetail, DetailKind};
use crate::domain::plan::{Changes, EmailChange, Target, DETAIL_LABEL};
use crate::error::ApiError;
use crate::store::{Counter, StoreError, SyncRow, SyncRun};

/// Contacts read from the store at a time.
const BATCH: usize = 100;

/// How long before a pending create an Aircall contact may have been created and still be the
/// answer to it (clocks differ).
const CLOCK_SKEW: i64 = 300;

/// What one step of the push found.
enum Step {
    /// The contact is in its wanted state (or refused).
    Settled,
    /// Aircall no longer has Ringside's contact: create it again.
    Recreate,
}

impl SyncEngine {
    /// Writes every due contact to Aircall, in id order, then returns.
    pub(super) async fn push(&self, run: &SyncRun, lease: &Lease) -> Result<(), SyncError> {
        // Counted once, then counted down: a count per contact would cost as much as the
        // push itself on a large first sync.
        let run_id = run.id;
        let (mut todo, counts) = self
            .store
            .run(move |s| {
                let todo = s.sync_todo_count()?;
                Ok((todo, progress_of(s, run_id, Some(todo))?))
            })
            .await?;
        self.publish_counts(counts, SyncPhase::Pushing, None);
        let mut after: Option<String> = None;
        loop {
            let from = after.take();
            let batch = self
                .store
                .run(move |s| s.sync_todo(from.as_deref(), BATCH))
                .await?;
            if batch.is_empty() {
                return Ok(());
            }
            for id in batch {
                lease.check()?;
                self.patiently_push(run.id, &id).await?;
                todo = todo.saturating_sub(1);
                self.publish_run(run.id, SyncPhase::Pushing, None, Some(todo))
                    .await?;
                after = Some(id);
            }
        }
    }

    /// One contact, retrying failures that may pass for as long as the patience allows.
    /// A notification's push and a run's never write the same contact at once.
    pub(super) async fn patiently_push(&self, run: i64, id: &str) -> Result<(), SyncError> {
        let _one_write_at_a_time = self.pushing.lock().await;
        let deadline = tokio::time::Instant::now() + self.options.patience;
        let mut wait = self.options.retry_backoff;
        loop {
            match self.push_one(run, id).await {
                Err(SyncError::Api(e))
                    if e.is_transient() && tokio::time::Instant::now() + wait < deadline =>
                {
                    tracing::warn!(error = %e, "Aircall failed; contact sync retries");
                    let mut progress = self.progress().borrow().clone();
                    progress.waiting = Some(format!("{e}; retrying in {}s", wait.as_secs().max(1)));
                    self.publish(progress);
                    tokio::time::sleep(wait).await;
                    wait = (wait * 2).min(std::time::Duration::from_secs(60));
                }
                other => return other,
            }
        }
    }

    async fn push_one(&self, run: i64, id: &str) -> Result<(), SyncError> {
        let Some(mut row) = self.row(id).await? else {
            return Ok(());
        };
        if row.pending_since.is_some() {
            let Some(fresh) = self.recover(run, &row).await? else {
                return Ok(());
            };
            row = fresh;
        }
        let step = match (&row.desired, row.aircall_id) {
            (None, None) => {
                // Nothing wanted, nothing written: only the row is left to forget.
                self.gone_from_aircall(run, id, None).await?;
                Step::Settled
            }
            (None, Some(aircall_id)) => {
                match self.aircall.delete_contact(aircall_id).await {
                    Ok(()) | Err(ApiError::NotFound { .. }) => {}
                    Err(e) => return self.refused(run, id, e).await,
                }
                self.gone_from_aircall(run, id, Some(Counter::Deleted))
                    .await?;
                Step::Settled
            }
            (Some(target), None) => self.create(run, id, target, false).await?,
            (Some(target), Some(aircall_id)) => self.update(run, &row, target, aircall_id).await?,
        };
        if let (Step::Recreate, Some(target)) = (step, &row.desired) {
            self.create(run, id, target, true).await?;
        }
        Ok(())
    }

    /// Creates the Aircall contact, recording the attempt first; `forget` forgets the Aircall
    /// contact Ringside had for it (gone from Aircall) in the same trip to the store.
    async fn create(
        &self,
        run: i64,
        id: &str,
        target: &Target,
        forget: bool,
    ) -> Result<Step, SyncError> {
        let (intercom_id, sent) = (id.to_owned(), target.clone());
        let now = self.now();
        self.store
            .run(move |s| {
                if forget {
                    s.sync_record_gone_from_aircall(run, &intercom_id, None)?;
                }
                s.sync_mark_pending(&intercom_id, &sent, now)
            })
            .await?;
        let contact = AircallContact {
            id: None,
            first_name: Some(target.first_name.clone()),
            last_name: target.last_name.clone(),
            company_name: None,
            information: Some(target.information.clone()),
            phone_numbers: vec![detail(target.phone.as_str())],
            emails: target.email.iter().map(|e| detail(e)).collect(),
            created_at: None,
        };
        let created = match self.aircall.create_contact(&contact).await {
            Ok(created) => created,
            // The attempt stays pending: the next try looks for it before creating again.
            Err(e) => return self.refused(run, id, e).await.map(|()| Step::Settled),
        };
        let Some(aircall_id) = created.id else {
            return Err(SyncError::Api(ApiError::Decode {
                api: crate::Api::Aircall,
                reason: "the created contact has no id".into(),
                body: String::new(),
            }));
        };
        self.record_written(
            run,
            id,
            aircall_id,
            target.clone(),
            find(&created, DetailKind::Phone, target.phone.as_str()),
            target
                .email
                .as_deref()
                .and_then(|e| find(&created, DetailKind::Email, e)),
            Some(Counter::Created),
        )
        .await?;
        Ok(Step::Settled)
    }

    /// A create was sent but its answer never recorded: finds the contact it made, if it made
    /// one, or forgets the attempt. Returns the contact's row as it then is.
    async fn recover(&self, run: i64, row: &SyncRow) -> Result<Option<SyncRow>, SyncError> {
        let id = row.intercom_id.clone();
        let (Some(sent), Some(since)) = (&row.written, row.pending_since) else {
            return Ok(self.row(&id).await?);
        };
        let found = self
            .aircall
            .search_contacts(Some(sent.phone.as_str()), None)
            .await?;
        let made = found
            .into_iter()
            .filter(|c| c.information.as_deref() == Some(sent.information.as_str()))
            // A contact that existed before the attempt is someone else's: never adopt it.
            .filter(|c| c.created_at.is_none_or(|at| at >= since - CLOCK_SKEW))
            .max_by_key(|c| c.id);
        let found = made.as_ref().and_then(|c| c.id.map(|id| (c, id)));
        let written = found.map(|(contact, aircall_id)| {
            tracing::info!(aircall_id, "found the contact of an unanswered create");
            (
                aircall_id,
                sent.clone(),
                find(contact, DetailKind::Phone, sent.phone.as_str()),
                sent.email
                    .as_deref()
                    .and_then(|e| find(contact, DetailKind::Email, e)),
            )
        });
        // What was found, and the row as it then is, in one trip to the store.
        let fresh = self
            .store
            .run(move |s| {
                match written {
                    Some((aircall_id, sent, phone_id, email_id)) => s.sync_record_written(
                        run,
                        &id,
                        aircall_id,
                        &sent,
                        phone_id,
                        email_id,
                        Some(Counter::Created),
                    )?,
                    None => s.sync_record_gone_from_aircall(run, &id, None)?,
                }
                s.sync_row(&id)
            })
            .await?;
        Ok(fresh)
    }

    /// Brings a written contact to its new target, one endpoint per part that changed.
    async fn update(
        &self,
        run: i64,
        row: &SyncRow,
        target: &Target,
        aircall_id: u64,
    ) -> Result<Step, SyncError> {
        let id = row.intercom_id.as_str();
        let Some(mut written) = row.written.clone().filter(|_| row.written_known) else {
            // Nothing is known of what Ringside's contact holds: replace it.
            match self.aircall.delete_contact(aircall_id).await {
                Ok(()) | Err(ApiError::NotFound { .. }) => return Ok(Step::Recreate),
                Err(e) => return self.refused(run, id, e).await.map(|()| Step::Settled),
            }
        };
        let changes = Changes::between(&written, target);
        let (mut phone_id, mut email_id) = (row.phone_detail_id, row.email_detail_id);
        let save = |written: Target, phone_id, email_id, counter| {
            self.record_written(run, id, aircall_id, written, phone_id, email_id, counter)
        };
        if changes.is_empty() {
            // A recovered create already holds the target.
            save(written.clone(), phone_id, email_id, None).await?;
            return Ok(Step::Settled);
        }
        if changes.info {
            let result = self
                .aircall
                .update_contact_info(
                    aircall_id,
                    Some(&target.first_name),
                    target.last_name.as_deref(),
                    Some(&target.information),
                )
                .await;
            match result {
                Ok(()) => {}
                Err(ApiError::NotFound { .. }) => return Ok(Step::Recreate),
                Err(e) => return self.refused(run, id, e).await.map(|()| Step::Settled),
            }
            written.first_name = target.first_name.clone();
            written.last_name = target.last_name.clone();
            written.information = target.information.clone();
            save(written.clone(), phone_id, email_id, None).await?;
        }
        if changes.phone {
            let old = written.phone.as_str().to_owned();
            match self
                .set_detail(
                    DetailKind::Phone,
                    aircall_id,
                    phone_id,
                    &old,
                    target.phone.as_str(),
                )
                .await
            {
                Ok(Detail::Id(new_id)) => phone_id = new_id,
                Ok(Detail::ContactGone) => return Ok(Step::Recreate),
                Err(e) => return self.refused(run, id, e).await.map(|()| Step::Settled),
            }
            written.phone = target.phone.clone();
            save(written.clone(), phone_id, email_id, None).await?;
        }
        let old_email = written.email.clone().unwrap_or_default();
        let email = match (changes.email, &target.email) {
            (EmailChange::Add, Some(new)) => self
                .aircall
                .add_detail(DetailKind::Email, aircall_id, DETAIL_LABEL, new)
                .await
                .map(Detail::Id),
            (EmailChange::Replace, Some(new)) => {
                self.set_detail(DetailKind::Email, aircall_id, email_id, &old_email, new)
                    .await
            }
            (EmailChange::Remove, _) => self
                .remove_detail(DetailKind::Email, aircall_id, email_id, &old_email)
                .await
                .map(|()| Detail::Id(None)),
            _ => Ok(Detail::Id(email_id)),
        };
        match email {
            Ok(Detail::Id(new_id)) => email_id = new_id,
            Ok(Detail::ContactGone) | Err(ApiError::NotFound { .. }) => return Ok(Step::Recreate),
            Err(e) => return self.refused(run, id, e).await.map(|()| Step::Settled),
        }
        written.email = target.email.clone();
        save(written, phone_id, email_id, Some(Counter::Updated)).await?;
        Ok(Step::Settled)
    }

    /// Changes the number or email `old` to `new`: the detail Ringside wrote, found by id or
    /// by value, else a new one.
    async fn set_detail(
        &self,
        kind: DetailKind,
        contact: u64,
        known: Option<u64>,
        old: &str,
        new: &str,
    ) -> Result<Detail, ApiError> {
        let existing = match known {
            Some(id) => Some(id),
            None => match self.detail_by_value(kind, contact, old).await? {
                Lookup::Found(id) => Some(id),
                Lookup::Missing => None,
                Lookup::ContactGone => return Ok(Detail::ContactGone),
            },
        };
        if let Some(detail) = existing {
            match self
                .aircall
                .update_detail(kind, contact, detail, DETAIL_LABEL, new)
                .await
            {
                Ok(()) => return Ok(Detail::Id(Some(detail))),
                Err(ApiError::NotFound { .. }) => {}
                Err(e) => return Err(e),
            }
        }
        match self
            .aircall
            .add_detail(kind, contact, DETAIL_LABEL, new)
            .await
        {
            Ok(id) => Ok(Detail::Id(id)),
            Err(ApiError::NotFound { .. }) => Ok(Detail::ContactGone),
            Err(e) => Err(e),
        }
    }

    /// Removes the detail Ringside wrote (gone already is fine).
    async fn remove_detail(
        &self,
        kind: DetailKind,
        contact: u64,
        known: Option<u64>,
        old: &str,
    ) -> Result<(), ApiError> {
        let detail = match known {
            Some(id) => id,
            None => match self.detail_by_value(kind, contact, old).await? {
                Lookup::Found(id) => id,
                Lookup::Missing | Lookup::ContactGone => return Ok(()),
            },
        };
        match self.aircall.delete_detail(kind, contact, detail).await {
            Ok(()) | Err(ApiError::NotFound { .. }) => Ok(()),
            Err(e) => Err(e),
        }
    }

    async fn detail_by_value(
        &self,
        kind: DetailKind,
        contact: u64,
        value: &str,
    ) -> Result<Lookup, ApiError> {
        match self.aircall.contact(contact).await {
            Ok(c) => Ok(find(&c, kind, value).map_or(Lookup::Missing, Lookup::Found)),
            Err(ApiError::NotFound { .. }) => Ok(Lookup::ContactGone),
            Err(e) => Err(e),
        }
    }

    /// A failed write: a refusal (4xx) is recorded and the run goes on; anything else stops
    /// this contact (and, past the patience, the run).
    async fn refused(&self, run: i64, id: &str, e: ApiError) -> Result<(), SyncError> {
        match &e {
            ApiError::Rejected { .. } | ApiError::Conflict { .. } | ApiError::NotFound { .. } => {
                tracing::warn!(intercom_id = id, error = %e, "Aircall refused a contact");
                let (intercom_id, reason) = (id.to_owned(), e.to_string());
                self.store
                    .run(move |s| s.sync_record_failure(run, &intercom_id, &reason))
                    .await?;
                Ok(())
            }
            _ => Err(e.into()),
        }
    }

    /// The contact's sync row.
    async fn row(&self, id: &str) -> Result<Option<SyncRow>, StoreError> {
        let id = id.to_owned();
        self.store.run(move |s| s.sync_row(&id)).await
    }

    /// Records that Aircall no longer has the contact (see
    /// [`crate::store::Store::sync_record_gone_from_aircall`]).
    async fn gone_from_aircall(
        &self,
        run: i64,
        id: &str,
        counter: Option<Counter>,
    ) -> Result<(), StoreError> {
        let id = id.to_owned();
        self.store
            .run(move |s| s.sync_record_gone_from_aircall(run, &id, counter))
            .await
    }

    /// Records what Aircall holds for the contact (see
    /// [`crate::store::Store::sync_record_written`]).
    #[allow(clippy::too_many_arguments)]
    async fn record_written(
        &self,
        run: i64,
        id: &str,
        aircall_id: u64,
        written: Target,
        phone_id: Option<u64>,
        email_id: Option<u64>,
        counter: Option<Counter>,
    ) -> Result<(), StoreError> {
        let id = id.to_owned();
        self.store
            .run(move |s| {
                s.sync_record_written(run, &id, aircall_id, &written, phone_id, email_id, counter)
            })
            .await
    }
}

/// Where a number or email Ringside wrote now is.
enum Detail {
    /// On the contact, with this id when Aircall said it.
    Id(Option<u64>),
    /// The contact itself is gone from Aircall.
    ContactGone,
}

/// What looking for a detail by its value found.
enum Lookup {
    Found(u64),
    Missing,
    ContactGone,
}

fn detail(value: &str) -> ContactDetail {
    ContactDetail {
        id: None,
        label: DETAIL_LABEL.to_owned(),
        value: value.to_owned(),
    }
}

/// The id of the newest detail of `kind` holding `value`.
fn find(contact: &AircallContact, kind: DetailKind, value: &str) -> Option<u64> {
    kind.of(contact)
        .iter()
        .filter(|d| kind.same(&d.value, value))
        .filter_map(|d| d.id)
        .max()
}
