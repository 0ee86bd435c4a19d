//! The calls that rang before the app was connected: on each connection the app asks the hub
//! for the calls of the last few minutes that concern the agent and still ring or go on
//! (`GET /api/v1/calls?live=true&since=`), and shows each one it does not know yet as if its
//! ring had just arrived. A call the stream also brings is shown once: the journal already
//! knows it, and a call is notified once.

use std::sync::atomic::Ordering;
use std::sync::Arc;

use ringside_core::domain::history::HistoryItem;
use ringside_core::domain::subject::{Status, SubjectKind};

use super::{now, Desk, UiEvent};
use crate::error::{Error, Result};
use crate::settings::CardBehaviour;

/// How far back the app looks for calls still ringing or going on, in seconds.
pub const LOOK_BACK_SECS: i64 = 10 * 60;

impl Desk {
    /// Shows the cards of the agent's calls that rang before this connection and still ring
    /// or go on; how many it showed.
    pub async fn catch_up_calls(self: &Arc<Self>) -> Result<usize> {
        if self.catching_up.load(Ordering::SeqCst) {
            // A new hub's backlog is being read: its ringing calls are shown at its end.
            return Ok(0);
        }
        let client = self.client()?;
        let since = now() - LOOK_BACK_SECS;
        let body = client
            .get(&format!("/api/v1/calls?live=true&since={since}&limit=20"))
            .await?;
        let items: Vec<HistoryItem> = serde_json::from_value(body).map_err(|e| {
            tracing::warn!(error = %e, "the hub's live calls do not decode");
            Error::Invalid(format!("the hub's live calls cannot be read: {e}"))
        })?;
        let mut shown = 0;
        // Oldest first, so that the newest call's card is the one left on screen.
        for item in items.into_iter().rev() {
            let live = item.kind == SubjectKind::Call && item.status == Status::Live;
            let Ok(call_id) = item.id.parse::<u64>() else {
                continue;
            };
            if !live
                || !self
                    .journal
                    .add_call_if_new(call_id, item.created_at, item.answered_at)?
            {
                continue;
            }
            if let Err(e) = self.card(call_id).await {
                tracing::info!(call_id, error = %e, "no card yet for a call that rang before the app");
            }
            match item.answered_at {
                // It rings: as if the ring had just arrived (notified once, opened per Settings).
                None => self.announce_call(call_id, false)?,
                // It was answered before the app came: its card opens unless Settings say never.
                Some(_) => {
                    if let Some(card) = self.journal.card(call_id)? {
                        let open =
                            card.card.is_some() && self.settings()?.card != CardBehaviour::Never;
                        (self.ui)(UiEvent::Call {
                            card: Box::new(card),
                            notify: false,
                            open,
                        });
                    }
                }
            }
            shown += 1;
        }
        Ok(shown)
    }
}
