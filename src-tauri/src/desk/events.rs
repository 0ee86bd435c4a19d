//! What the desk does with the hub's events: keeps call states and cards in the journal, tells
//! the UI, and decides when to notify and open the card (once per call, per the settings).

use std::sync::atomic::Ordering;
use std::sync::Arc;

use super::{now, Desk, UiEvent, LAST_EVENT_ID};
use crate::error::Result;
use crate::settings::CardBehaviour;
use crate::stream::{self, Connection, StreamEvent};

impl Desk {
    fn handle(self: &Arc<Self>, event: StreamEvent) {
        if let Err(e) = self.try_handle(&event) {
            tracing::warn!(event = %event.name, error = %e, "cannot handle a hub event");
        }
        if let Err(e) = self.journal.set_meta(LAST_EVENT_ID, &event.id.to_string()) {
            tracing::warn!(error = %e, "cannot remember the stream position");
        }
    }

    fn try_handle(self: &Arc<Self>, event: &StreamEvent) -> Result<()> {
        let call_id = event.data["call_id"].as_u64();
        let state = match event.name.as_str() {
            "call.ringing" => Some("ringing"),
            "call.answered" => Some("answered"),
            "call.transferred" => Some("transferred"),
            "call.ended" => Some("ended"),
            _ => None,
        };
        match (event.name.as_str(), call_id, state) {
            (_, Some(id), Some(state)) => {
                self.journal.set_call_state(id, state, now())?;
                self.announce_call(id, state == "answered")?;
            }
            ("card.ready", Some(id), None) => {
                let mut card = event.data["card"].clone();
                // A card made as the call rang has no call conversation yet: keep the one a
                // fetch already brought (a replayed event must not hide the call's tags).
                if card.is_object() && card["call_conversation"].is_null() {
                    if let Some(kept) = self.journal.card(id)? {
                        card["call_conversation"] = kept.card["call_conversation"].clone();
                    }
                }
                self.journal.save_card(id, &card, now())?;
                self.announce_call(id, false)?;
            }
            ("availability.changed", _, _) => {
                let (Some(email), availability) =
                    (event.data["email"].as_str(), &event.data["availability"])
                else {
                    return Ok(());
                };
                for mut card in self.journal.recent_cards(20)? {
                    let owner = &mut card.card["conversation"]["owner"];
                    if owner["email"]
                        .as_str()
                        .is_some_and(|e| e.eq_ignore_ascii_case(email))
                    {
                        owner["availability"] = availability.clone();
                        self.journal.save_card(card.call_id, &card.card, now())?;
                        (self.ui)(UiEvent::Call {
                            card,
                            notify: false,
                            open: false,
                        });
                    }
                }
            }
            ("call.logged", _, _) => {
                (self.ui)(UiEvent::History);
                // The call now has its own conversation: fetch the card with its tags.
                let call = event.data["id"].as_str().and_then(|id| id.parse().ok());
                if let (Some("call"), Some(id)) = (event.data["subject"].as_str(), call) {
                    let desk = self.clone();
                    tokio::spawn(async move {
                        match desk.card(id).await {
                            Ok(_) => {
                                if let Err(e) = desk.announce_call(id, false) {
                                    tracing::warn!(error = %e, "cannot show the logged call");
                                }
                            }
                            Err(e) => {
                                tracing::info!(error = %e, "cannot fetch the logged call's card")
                            }
                        }
                    });
                }
            }
            ("logging.skipped", _, _) => (self.ui)(UiEvent::History),
            _ => {}
        }
        Ok(())
    }

    /// Tells the UI about a call; decides whether to notify and open the card.
    fn announce_call(&self, call_id: u64, just_answered: bool) -> Result<()> {
        let Some(card) = self.journal.card(call_id)? else {
            return Ok(());
        };
        let settings = self.settings()?;
        let has_card = !card.card.is_null();
        let ringing = card.state == "ringing";
        let open = has_card
            && match settings.card {
                CardBehaviour::OnRing => ringing,
                CardBehaviour::OnAnswer => just_answered,
                CardBehaviour::Never => false,
            };
        let notify = has_card
            && ringing
            && settings.notifications
            && !self.paused.load(Ordering::SeqCst)
            && !self.notified(call_id)?;
        (self.ui)(UiEvent::Call { card, notify, open });
        Ok(())
    }

    /// Whether this call was already notified (and remembers that it now is).
    fn notified(&self, call_id: u64) -> Result<bool> {
        let key = format!("notified:{call_id}");
        if self.journal.meta(&key)?.is_some() {
            return Ok(true);
        }
        self.journal.set_meta(&key, "1")?;
        Ok(false)
    }
}

/// The stream's sink: the desk, weakly (the follower must not keep it alive).
pub(super) struct Follower(pub(super) std::sync::Weak<Desk>);

impl stream::Sink for Follower {
    fn last_event_id(&self) -> Option<i64> {
        let desk = self.0.upgrade()?;
        desk.journal
            .meta(LAST_EVENT_ID)
            .ok()
            .flatten()
            .and_then(|v| v.parse().ok())
    }

    fn event(&self, event: StreamEvent) {
        if let Some(desk) = self.0.upgrade() {
            desk.handle(event);
        }
    }

    fn connection(&self, state: Connection) {
        if let Some(desk) = self.0.upgrade() {
            desk.set_connection(state);
        }
    }
}
