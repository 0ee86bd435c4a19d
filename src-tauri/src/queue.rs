//! Sends the journal's queued actions to the hub, oldest first, each once: tags, notes, contact
//! picks, and the wrap-up's outcome and "Done".
//!
//! An action that reached the hub is marked sent; one the hub refused for good is kept as
//! failed with the hub's reason; when the hub cannot be reached, or refuses the agent's token
//! (401 or 403: the token was rotated, revoked or mistyped), the flush stops and everything from
//! there on waits for the next one (after a reconnection, a fixed token, or the agent's next
//! action).

use std::future::Future;

use crate::error::Result;
use crate::journal::{Action, Journal};
use crate::remote::HubError;

/// What became of one action.
#[derive(Debug)]
pub struct Sent {
    /// The action's row.
    pub id: i64,
    /// Accepted, refused, or not reached.
    pub result: std::result::Result<(), HubError>,
}

/// Sends what is pending through `send`, in order, and records each outcome.
pub async fn flush<F, Fut>(journal: &Journal, now: i64, mut send: F) -> Result<Vec<Sent>>
where
    F: FnMut(Action) -> Fut,
    Fut: Future<Output = std::result::Result<(), HubError>>,
{
    let mut out = Vec::new();
    for action in journal.pending()? {
        let id = action.id;
        let result = send(action).await;
        match &result {
            Ok(()) => journal.mark_sent(id, now)?,
            Err(HubError::Refused { message, .. } | HubError::Unreadable(message)) => {
                journal.mark_failed(id, message)?
            }
            Err(HubError::Unreachable(_) | HubError::Unauthorized { .. }) => {
                out.push(Sent { id, result });
                break;
            }
        }
        out.push(Sent { id, result });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex};

    use super::*;
    use crate::journal::Request;

    type Log = Arc<Mutex<Vec<(String, Request)>>>;

    /// A hub that records what it receives, or is down.
    fn hub(
        log: &Log,
        up: bool,
    ) -> impl FnMut(Action) -> std::future::Ready<std::result::Result<(), HubError>> {
        let log = log.clone();
        move |a: Action| {
            if !up {
                return std::future::ready(Err(HubError::Unreachable("down".into())));
            }
            log.lock()
                .unwrap()
                .push((a.idempotency_key.clone(), a.request.clone()));
            std::future::ready(Ok(()))
        }
    }

    #[tokio::test]
    async fn a_note_queued_before_a_kill_survives_reopening_and_is_sent_once() {
        let dir = tempfile::tempdir().unwrap();
        let key = {
            let journal = Journal::open(dir.path()).unwrap();
            let action = journal
                .enqueue(42, &Request::Note("Wants a refund".into()), 1)
                .unwrap();
            // The hub is down: nothing is sent, the note stays queued.
            let log = Log::default();
            let sent = flush(&journal, 2, hub(&log, false)).await.unwrap();
            assert!(matches!(sent[0].result, Err(HubError::Unreachable(_))));
            assert!(log.lock().unwrap().is_empty());
            action.idempotency_key
            // The journal is dropped here without any shutdown: the app was killed.
        };
        let journal = Journal::open(dir.path()).unwrap();
        assert_eq!(journal.queued().unwrap(), 1);
        let log = Log::default();
        flush(&journal, 3, hub(&log, true)).await.unwrap();
        flush(&journal, 4, hub(&log, true)).await.unwrap();
        assert_eq!(
            *log.lock().unwrap(),
            vec![(key, Request::Note("Wants a refund".into()))]
        );
        assert_eq!(journal.queued().unwrap(), 0);
    }

    #[tokio::test]
    async fn actions_go_in_order_and_a_refusal_does_not_hold_back_the_rest() {
        let journal = Journal::open_in_memory().unwrap();
        journal
            .enqueue(1, &Request::AddTag("VIP".into()), 1)
            .unwrap();
        journal.enqueue(1, &Request::Note("n".into()), 1).unwrap();
        journal
            .enqueue(2, &Request::RemoveTag("VIP".into()), 1)
            .unwrap();
        let seen = Arc::new(Mutex::new(Vec::new()));
        let record = seen.clone();
        let sent = flush(&journal, 2, move |a: Action| {
            record.lock().unwrap().push(a.request.clone());
            std::future::ready(if a.call_id == 1 && matches!(a.request, Request::Note(_)) {
                Err(HubError::Refused {
                    status: 404,
                    code: "not_found".into(),
                    message: "no call 1".into(),
                    reason: None,
                })
            } else {
                Ok(())
            })
        })
        .await
        .unwrap();
        assert_eq!(sent.len(), 3);
        assert_eq!(
            *seen.lock().unwrap(),
            vec![
                Request::AddTag("VIP".into()),
                Request::Note("n".into()),
                Request::RemoveTag("VIP".into())
            ]
        );
        assert_eq!(journal.queued().unwrap(), 0);
        assert!(journal.pending().unwrap().is_empty());
    }

    #[tokio::test]
    async fn a_refused_token_keeps_every_action_waiting_until_it_is_fixed() {
        let journal = Journal::open_in_memory().unwrap();
        journal.enqueue(1, &Request::Note("n".into()), 1).unwrap();
        journal
            .enqueue(1, &Request::AddTag("VIP".into()), 1)
            .unwrap();
        for status in [401, 403] {
            let tried = Arc::new(Mutex::new(0));
            let count = tried.clone();
            let sent = flush(&journal, 2, move |_| {
                *count.lock().unwrap() += 1;
                std::future::ready(Err(HubError::Unauthorized {
                    status,
                    message: "unknown token".into(),
                }))
            })
            .await
            .unwrap();
            assert_eq!(*tried.lock().unwrap(), 1, "the rest wait behind the first");
            assert!(matches!(sent[0].result, Err(HubError::Unauthorized { .. })));
            assert_eq!(journal.queued().unwrap(), 2, "nothing failed for good");
        }
        // The token is fixed: both go, in order.
        let log = Log::default();
        flush(&journal, 3, hub(&log, true)).await.unwrap();
        let requests: Vec<Request> = log.lock().unwrap().iter().map(|(_, r)| r.clone()).collect();
        assert_eq!(
            requests,
            vec![Request::Note("n".into()), Request::AddTag("VIP".into())]
        );
        assert_eq!(journal.queued().unwrap(), 0);
    }

    #[tokio::test]
    async fn a_wrap_up_made_offline_goes_in_order_once_the_hub_is_back_and_survives_a_kill() {
        let dir = tempfile::tempdir().unwrap();
        let keys: Vec<String> = {
            let journal = Journal::open(dir.path()).unwrap();
            let note = journal
                .enqueue(7, &Request::Note("Wants a refund".into()), 1)
                .unwrap();
            let first = journal
                .enqueue(7, &Request::Outcome("Follow-up needed".into()), 2)
                .unwrap();
            // Choosing again replaces it: both go, in order, and the hub keeps the last.
            let second = journal
                .enqueue(7, &Request::Outcome("Resolved".into()), 3)
                .unwrap();
            let done = journal.enqueue(7, &Request::Done, 4).unwrap();
            let log = Log::default();
            flush(&journal, 5, hub(&log, false)).await.unwrap();
            assert!(log.lock().unwrap().is_empty());
            let card = journal.card(7).unwrap();
            assert!(card.is_none(), "no card was kept for this call");
            vec![
                note.idempotency_key,
                first.idempotency_key,
                second.idempotency_key,
                done.idempotency_key,
            ]
            // Killed here, with all four queued.
        };
        let journal = Journal::open(dir.path()).unwrap();
        assert_eq!(journal.queued().unwrap(), 4);
        let log = Log::default();
        flush(&journal, 6, hub(&log, true)).await.unwrap();
        flush(&journal, 7, hub(&log, true)).await.unwrap();
        assert_eq!(
            *log.lock().unwrap(),
            vec![
                (keys[0].clone(), Request::Note("Wants a refund".into())),
                (keys[1].clone(), Request::Outcome("Follow-up needed".into())),
                (keys[2].clone(), Request::Outcome("Resolved".into())),
                (keys[3].clone(), Request::Done),
            ],
            "each once, in order, with the key it was queued with"
        );
        assert_eq!(journal.queued().unwrap(), 0);
    }

    #[tokio::test]
    async fn an_unreachable_hub_stops_the_flush_and_keeps_the_order() {
        let journal = Journal::open_in_memory().unwrap();
        journal.enqueue(1, &Request::AddTag("A".into()), 1).unwrap();
        journal.enqueue(1, &Request::AddTag("B".into()), 1).unwrap();
        let log = Log::default();
        let sent = flush(&journal, 2, hub(&log, false)).await.unwrap();
        assert_eq!(
            sent.len(),
            1,
            "the second is not tried while the hub is down"
        );
        let pending: Vec<_> = journal
            .pending()
            .unwrap()
            .into_iter()
            .map(|a| a.request)
            .collect();
        assert_eq!(
            pending,
            vec![Request::AddTag("A".into()), Request::AddTag("B".into())]
        );
    }
}
