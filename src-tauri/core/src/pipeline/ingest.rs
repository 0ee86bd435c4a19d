//! Accepting webhooks durably, together: each handler hands its event to one writer task and
//! waits; the writer takes every event waiting at that moment, commits them in one transaction
//! synced to disk, and only then answers each handler (whose 200 then goes back). Webhooks that
//! arrive together therefore share one sync to disk, and the ingest rate approaches the HTTP
//! rate, while no 200 ever goes back for an event that is not on disk.

use std::sync::Arc;

use tokio::sync::{mpsc, oneshot, watch, Notify};

use crate::card::Clock;
use crate::store::{Store, StoreError};
use crate::webhook::StoredEvent;

/// The most events committed in one transaction.
const MAX_BATCH: usize = 512;

/// Events waiting for the writer, at most (further handlers wait for room).
const QUEUE: usize = 4096;

type Waiting = (StoredEvent, oneshot::Sender<Result<i64, String>>);

/// Why an event was not accepted.
#[derive(Debug, thiserror::Error)]
pub enum IngestError {
    /// The database refused the write.
    #[error("the event could not be stored: {0}")]
    Store(String),
    /// The hub is stopping.
    #[error("the hub is stopping")]
    Stopping,
}

/// The handle webhook handlers use. Cheap to clone.
#[derive(Debug, Clone)]
pub struct Ingest {
    queue: mpsc::Sender<Waiting>,
}

impl Ingest {
    /// Starts the writer; it stops once every handle is dropped. `stored` is told after each
    /// commit.
    pub fn start(
        store: Store,
        clock: Clock,
        stored: Arc<Notify>,
        shutdown: watch::Receiver<bool>,
    ) -> (Ingest, tokio::task::JoinHandle<()>) {
        let (queue, inbox) = mpsc::channel(QUEUE);
        let task = tokio::spawn(write(store, clock, stored, inbox, shutdown));
        (Ingest { queue }, task)
    }

    /// Stores an event; returns its inbox row id once it is committed to disk.
    pub async fn accept(&self, event: StoredEvent) -> Result<i64, IngestError> {
        let (answer, answered) = oneshot::channel();
        self.queue
            .send((event, answer))
            .await
            .map_err(|_| IngestError::Stopping)?;
        match answered.await {
            Ok(Ok(id)) => Ok(id),
            Ok(Err(e)) => Err(IngestError::Store(e)),
            Err(_) => Err(IngestError::Stopping),
        }
    }
}

async fn write(
    store: Store,
    clock: Clock,
    stored: Arc<Notify>,
    mut inbox: mpsc::Receiver<Waiting>,
    mut shutdown: watch::Receiver<bool>,
) {
    let mut batch = Vec::with_capacity(MAX_BATCH);
    loop {
        let received = tokio::select! {
            n = inbox.recv_many(&mut batch, MAX_BATCH) => Some(n),
            _ = shutdown.wait_for(|s| *s) => None,
        };
        let received = match received {
            Some(n) => n,
            // Stopping: nothing new is taken (a sender hears `Stopping`, and the webhook gets
            // no 200), and what is already queued is committed before the task ends.
            None => {
                inbox.close();
                inbox.recv_many(&mut batch, MAX_BATCH).await
            }
        };
        if received == 0 {
            break;
        }
        let (events, answers): (Vec<StoredEvent>, Vec<_>) = batch.drain(..).unzip();
        let (s, now) = (store.clone(), clock());
        let result: Result<Vec<i64>, StoreError> =
            match tokio::task::spawn_blocking(move || s.inbox_push_many(&events, now)).await {
                Ok(r) => r,
                Err(e) => Err(StoreError::Corrupt(format!("the writer failed: {e}"))),
            };
        match result {
            Ok(ids) => {
                stored.notify_one();
                for (answer, id) in answers.into_iter().zip(ids) {
                    let _ = answer.send(Ok(id));
                }
            }
            Err(e) => {
                tracing::error!(error = %e, "cannot store webhooks");
                for answer in answers {
                    let _ = answer.send(Err(e.to_string()));
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(n: i64) -> StoredEvent {
        StoredEvent {
            resource: "call".into(),
            event: "call.created".into(),
            timestamp: n,
            data: serde_json::json!({ "id": n }),
        }
    }

    #[tokio::test]
    async fn events_sent_together_are_committed_together_and_each_gets_its_row() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        let (_running, stopping) = watch::channel(false);
        let (ingest, _task) = Ingest::start(
            store.clone(),
            crate::card::system_clock(),
            Arc::new(Notify::new()),
            stopping,
        );
        let mut waiting = tokio::task::JoinSet::new();
        for n in 0..200 {
            let ingest = ingest.clone();
            waiting.spawn(async move { (n, ingest.accept(event(n)).await.unwrap()) });
        }
        let mut rows = std::collections::BTreeMap::new();
        while let Some(done) = waiting.join_next().await {
            let (n, id) = done.unwrap();
            assert!(rows.insert(id, n).is_none(), "row {id} answered twice");
        }
        assert_eq!(rows.len(), 200);
        // Each answer names the row that holds its own event.
        let pending = store.inbox_pending(500).unwrap();
        assert_eq!(pending.len(), 200);
        for item in pending {
            assert_eq!(rows[&item.id], item.event.timestamp);
        }
    }

    #[tokio::test]
    async fn stopping_commits_what_was_taken_and_takes_nothing_more() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        let (stop, stopping) = watch::channel(false);
        let (ingest, task) = Ingest::start(
            store.clone(),
            crate::card::system_clock(),
            Arc::new(Notify::new()),
            stopping,
        );
        let mut waiting = tokio::task::JoinSet::new();
        for n in 0..100 {
            let ingest = ingest.clone();
            waiting.spawn(async move { ingest.accept(event(n)).await });
        }
        tokio::task::yield_now().await;
        stop.send_replace(true);
        let mut taken = 0;
        while let Some(done) = waiting.join_next().await {
            match done.unwrap() {
                Ok(_) => taken += 1,
                Err(IngestError::Stopping) => {}
                Err(e) => panic!("{e}"),
            }
        }
        // The task ends by itself once the queue is drained.
        tokio::time::timeout(std::time::Duration::from_secs(5), task)
            .await
            .unwrap()
            .unwrap();
        // Every webhook answered as stored is in the inbox; none after the stop is taken.
        assert_eq!(store.inbox_pending(500).unwrap().len(), taken);
        assert!(matches!(
            ingest.accept(event(1000)).await,
            Err(IngestError::Stopping)
        ));
    }
}
