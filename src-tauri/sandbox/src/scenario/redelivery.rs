//! What a [`Player`] delivered, and delivering part of it again: Aircall retries a delivery that
//! got no 2xx, and a hub restored from a backup must be handed again what reached the old hub
//! after the backup was taken. The tests play both from the player's log.

use std::ops::Range;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use super::{Envelope, Player};

/// One webhook post, as the player saw it.
#[derive(Debug, Clone, PartialEq)]
pub struct Delivery {
    /// Its place in the player's log, from 0.
    pub seq: usize,
    /// The webhook.
    pub envelope: Envelope,
    /// When the post was sent.
    pub sent_at: Instant,
    /// When its answer came (or the connection failed).
    pub answered_at: Instant,
    /// The hub's HTTP status; 0 when it gave none.
    pub status: u16,
}

impl Delivery {
    /// The hub answered 2xx: Aircall considers it delivered.
    pub fn accepted(&self) -> bool {
        (200..300).contains(&self.status)
    }
}

/// The log every clone of a player shares.
#[derive(Debug, Clone, Default)]
pub(super) struct DeliveryLog(Arc<Mutex<Vec<Delivery>>>);

impl DeliveryLog {
    pub(super) fn record(&self, envelope: &Envelope, sent_at: Instant, status: u16) {
        let mut log = self
            .0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let seq = log.len();
        log.push(Delivery {
            seq,
            envelope: envelope.clone(),
            sent_at,
            answered_at: Instant::now(),
            status,
        });
    }

    fn snapshot(&self) -> Vec<Delivery> {
        self.0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
    }
}

impl Player {
    /// Every post this player (or a clone of it) made, in the order they were answered.
    pub fn deliveries(&self) -> Vec<Delivery> {
        self.log.snapshot()
    }

    /// The part of the log Aircall resends when asked for the webhooks since `since`: from the
    /// first post answered at or after it to the end. A post sent before `since` but answered
    /// after is in it: the hub may have taken it after `since`.
    pub fn since(&self, since: Instant) -> Range<usize> {
        let log = self.log.snapshot();
        let first = log
            .iter()
            .position(|d| d.answered_at >= since)
            .unwrap_or(log.len());
        first..log.len()
    }

    /// Resends the webhooks of `range` of `from`'s log through this player (which may post to
    /// another hub), in order, each until the hub answers 2xx (at most `attempts` times,
    /// `pause` apart). A webhook posted several times in the range (a retry) is sent once.
    /// Returns the last status of each webhook sent.
    pub async fn redeliver(
        &self,
        from: &Player,
        range: Range<usize>,
        attempts: usize,
        pause: Duration,
    ) -> Vec<u16> {
        let log = from.log.snapshot();
        let mut sent: Vec<&Envelope> = Vec::new();
        let mut statuses = Vec::new();
        for delivery in log.get(range).unwrap_or_default() {
            if sent.contains(&&delivery.envelope) {
                continue;
            }
            sent.push(&delivery.envelope);
            statuses.push(
                self.deliver_until_accepted(&delivery.envelope, attempts, pause)
                    .await,
            );
        }
        statuses
    }
}
