//! A dry run: the same Intercom scan as a real run, compared with what Ringside has written,
//! to say which Aircall contacts a real run would create, update and delete. Nothing is
//! written anywhere: not to Aircall, not to the local database.

use std::collections::{HashMap, HashSet};

use serde::Serialize;

use super::engine::{next_kind, SyncEngine, SyncError, SyncMode};
use super::progress::{SyncPhase, SyncProgress};
use crate::domain::plan::{Reading, Target};
use crate::store::{RunKind, SyncRow, Unparseable};

/// What a real run would do now.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct DryRun {
    /// Full or incremental.
    pub kind: Option<RunKind>,
    /// Intercom contacts read.
    pub seen: u64,
    /// Of those, with a number.
    pub indexed: u64,
    /// Aircall contacts that would be created.
    pub create: Vec<Planned>,
    /// Aircall contacts that would change.
    pub update: Vec<Planned>,
    /// Aircall contacts that would be deleted.
    pub delete: Vec<Planned>,
    /// Contacts whose Aircall contact is already right (or was refused as it is).
    pub unchanged: u64,
    /// Contacts whose phone is not a number.
    pub unparseable: Vec<Unparseable>,
}

/// One Aircall write a real run would make.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Planned {
    /// The Intercom contact.
    pub intercom_id: String,
    /// Ringside's Aircall contact for it, when there is one.
    pub aircall_id: Option<u64>,
    /// What Aircall would hold (create, update).
    pub target: Option<Target>,
    /// What it holds now (update, delete).
    pub current: Option<Target>,
}

impl SyncEngine {
    /// Scans Intercom as [`SyncEngine::run`] would and reports the Aircall writes it would
    /// make, writing nothing.
    pub async fn dry_run(&self, mode: SyncMode) -> Result<DryRun, SyncError> {
        let _one_at_a_time = self.running.lock().await;
        let workspace = self.workspace_id().await?;
        let (options, now) = (self.options.clone(), self.now());
        let ((kind, since), rows) = self
            .store
            .run(move |s| {
                let kind = match s.sync_open_run()? {
                    Some(open) if open.roles == options.roles && mode != SyncMode::Full => {
                        (open.kind, open.since)
                    }
                    _ => next_kind(s, &options, mode, now)?,
                };
                Ok((kind, s.sync_rows()?))
            })
            .await?;
        let mut rows: HashMap<String, SyncRow> = rows
            .into_iter()
            .map(|r| (r.intercom_id.clone(), r))
            .collect();
        let mut report = DryRun {
            kind: Some(kind),
            ..DryRun::default()
        };
        let mut seen = HashSet::new();
        let mut cursor: Option<String> = None;
        let mut total = None;
        loop {
            let page = self.page(kind, since, cursor.as_deref()).await?;
            total = total.or(page.total);
            for contact in page.contacts {
                let scanned = self.scanned(contact, &workspace);
                let id = scanned.contact.id.clone();
                report.seen += 1;
                match &scanned.reading {
                    Reading::Number(_) => report.indexed += 1,
                    Reading::Unparseable { phone, reason } => {
                        report.unparseable.push(Unparseable {
                            intercom_id: id.clone(),
                            role: scanned.contact.role,
                            name: scanned.contact.name.clone(),
                            phone: phone.clone(),
                            reason: reason.clone(),
                        })
                    }
                    Reading::NoPhone => {}
                }
                report.plan(&id, rows.remove(&id).as_ref(), scanned.target.as_ref());
                seen.insert(id);
            }
            self.publish(SyncProgress {
                phase: SyncPhase::Scanning,
                kind: Some(kind),
                dry_run: true,
                total,
                seen: report.seen,
                indexed: report.indexed,
                unparseable: report.unparseable.len() as u64,
                created: report.create.len() as u64,
                updated: report.update.len() as u64,
                deleted: report.delete.len() as u64,
                unchanged: report.unchanged,
                ..SyncProgress::default()
            });
            match page.next {
                Some(next) => cursor = Some(next),
                None => break,
            }
        }
        // What the scan did not list: after a full scan, gone from Intercom; after an
        // incremental one, unchanged since it was planned (and perhaps not written yet).
        let mut rest: Vec<SyncRow> = rows.into_values().collect();
        rest.sort_by(|a, b| a.intercom_id.cmp(&b.intercom_id));
        for row in rest {
            let target = match kind {
                RunKind::Full => None,
                RunKind::Incremental => row.desired.clone(),
            };
            report.plan(&row.intercom_id.clone(), Some(&row), target.as_ref());
        }
        let mut done = self.progress().borrow().clone();
        done.phase = SyncPhase::Done;
        self.publish(done);
        Ok(report)
    }
}

impl DryRun {
    /// Adds what a real run would do for one contact.
    fn plan(&mut self, id: &str, row: Option<&SyncRow>, target: Option<&Target>) {
        let planned = |aircall_id, target: Option<&Target>, current: Option<&Target>| Planned {
            intercom_id: id.to_owned(),
            aircall_id,
            target: target.cloned(),
            current: current.cloned(),
        };
        let Some(row) = row else {
            if let Some(t) = target {
                self.create.push(planned(None, Some(t), None));
            }
            return;
        };
        let written = row.written.as_ref().filter(|_| row.written_known);
        let has_contact = row.aircall_id.is_some() || row.pending_since.is_some();
        match target {
            None if has_contact => {
                self.delete
                    .push(planned(row.aircall_id, None, row.written.as_ref()))
            }
            None => {}
            Some(t) if row.refused && row.desired.as_ref() == Some(t) => self.unchanged += 1,
            Some(t) => match (row.aircall_id, written) {
                (Some(_), Some(w)) if w == t => self.unchanged += 1,
                (Some(aircall_id), current) => {
                    self.update
                        .push(planned(Some(aircall_id), Some(t), current))
                }
                (None, _) => self.create.push(planned(None, Some(t), None)),
            },
        }
    }
}
