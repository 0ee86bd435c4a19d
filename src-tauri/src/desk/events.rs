//! What the desk does with the hub's events: keeps call states and cards in the journal, tells
//! the UI, and decides when to notify and open the card (once per call, per the settings).

use std::sync::atomic::Ordering;
use std::sync::Arc;

use ringside_core::domain::event::HubEvent;
use ringside_core::domain::subject::SubjectKind;

use super::{now, Desk, UiEvent, HUB_INSTANCE, LAST_EVENT_ID};
use crate::error::Result;
use crate::journal::{CallState, Outcome};
use crate::settings::CardBehaviour;
use crate::stream::{self, Connection, StreamEvent};

impl Desk {
    /// Handles one event of the stream and stores it; the position moves only once it is
    /// stored. `Err` (the journal could not write) makes the follower read it again.
    fn handle(self: &Arc<Self>, event: StreamEvent) -> std::result::Result<(), String> {
        match serde_json::from_str::<HubEvent>(&event.data) {
            Ok(decoded) => self.try_handle(decoded).map_err(|e| e.to_string())?,
            // Reading it again would not help: it is logged with the reason, and skipped.
            Err(e) => tracing::warn!(
                id = event.id,
                event = %event.name,
                error = %e,
                "a hub event does not decode; skipped"
            ),
        }
        self.journal
            .set_meta(LAST_EVENT_ID, &event.id.to_string())
            .map_err(|e| format!("cannot remember the stream position: {e}"))
    }

    fn try_handle(self: &Arc<Self>, event: HubEvent) -> Result<()> {
        let state = match &event {
            HubEvent::CallRinging { call_id, .. } => Some((*call_id, CallState::Ringing)),
            HubEvent::CallAnswered { call_id, .. } => Some((*call_id, CallState::Answered)),
            HubEvent::CallTransferred { call_id, .. } => Some((*call_id, CallState::Transferred)),
            HubEvent::CallEnded { call_id } => Some((*call_id, CallState::Ended)),
            _ => None,
        };
        if let Some((id, state)) = state {
            self.journal.set_call_state(id, state, now())?;
            return self.announce_call(id, state == CallState::Answered);
        }
        match event {
            HubEvent::MessageReceived {
                message_id,
                channel,
                phone,
                line,
                text,
            } => {
                if self.settings()?.popups != crate::settings::Popups::CallsAndMessages
                    || self.catching_up.load(Ordering::SeqCst)
                {
                    return Ok(());
                }
                let title = if channel == "WhatsApp" {
                    super::words::NEW_WHATSAPP
                } else {
                    super::words::NEW_SMS
                };
                let card = super::MessageCard {
                    message_id,
                    channel,
                    title: super::words::fill(title, &[]),
                    phone,
                    line,
                    text: text.unwrap_or_default(),
                    received_at: now(),
                };
                let kept = serde_json::to_string(&card).unwrap_or_default();
                self.journal.set_meta(super::LAST_MESSAGE, &kept)?;
                (self.ui)(UiEvent::Message(card));
            }
            HubEvent::CardReady { call_id, card } => {
                crate::timings::mark("ready", Some(call_id));
                let mut card = *card;
                // A card made as the call rang has no call conversation yet: keep the one a
                // fetch already brought (a replayed event must not hide the call's tags).
                if card.call_conversation.is_none() {
                    if let Some(kept) = self.journal.card(call_id)?.and_then(|k| k.card) {
                        card.call_conversation = kept.call_conversation;
                    }
                }
                self.journal.save_card(call_id, &card, now())?;
                self.announce_call(call_id, false)?;
            }
            HubEvent::Availability {
                email: Some(email),
                availability,
                ..
            } => {
                for mut stored in self.journal.recent_cards(20)? {
                    let Some(card) = stored.card.as_mut() else {
                        continue;
                    };
                    let Some(owner) = card
                        .conversation
                        .as_mut()
                        .and_then(|c| c.owner.as_mut())
                        .filter(|o| {
                            o.email
                                .as_deref()
                                .is_some_and(|e| e.eq_ignore_ascii_case(&email))
                        })
                    else {
                        continue;
                    };
                    owner.availability = availability;
                    self.journal.save_card(stored.call_id, card, now())?;
                    (self.ui)(UiEvent::Call {
                        card: Box::new(stored),
                        notify: false,
                        open: false,
                    });
                }
            }
            HubEvent::Logged { subject, id, .. } => {
                if let (SubjectKind::Call, Ok(call_id)) = (subject, id.parse::<u64>()) {
                    self.journal.set_outcome(call_id, &Outcome::Logged)?;
                }
                (self.ui)(UiEvent::History);
                // The call now has its own conversation: fetch the card with its tags.
                if let (SubjectKind::Call, Ok(id)) = (subject, id.parse::<u64>()) {
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
            HubEvent::Skipped { subject, id, .. } => {
                (self.ui)(UiEvent::History);
                // Whether the call waits for someone or is left out for good is in the
                // history: read it, then show the call's notes and tags as they now stand.
                if let (SubjectKind::Call, Ok(call_id)) = (subject, id.parse::<u64>()) {
                    let desk = self.clone();
                    tokio::spawn(async move {
                        if let Err(e) = desk.history().await {
                            tracing::info!(error = %e, "cannot read what became of the call");
                        }
                        if let Err(e) = desk.announce_call(call_id, false) {
                            tracing::warn!(error = %e, "cannot show the skipped call");
                        }
                    });
                }
            }
            HubEvent::ActionRefused {
                subject,
                id,
                action,
                value,
                reason,
            } => {
                // Intercom refused a note or tag change the hub had accepted: the agent reads
                // it on the card (the note or tag shown as refused, with why) and in the history.
                let refused = ringside_core::domain::history::Refused {
                    action,
                    value,
                    reason,
                };
                let words = super::history::refused_words(&refused);
                // The note's text stays out of the log: it is the customer's business.
                tracing::warn!(action = ?refused.action, "Intercom refused a note or tag change");
                if let (SubjectKind::Call, Ok(call_id)) = (subject, id.parse::<u64>()) {
                    if self
                        .journal
                        .mark_refused(call_id, action, &refused.value, &words)?
                    {
                        self.announce_call(call_id, false)?;
                    }
                }
                (self.ui)(UiEvent::History);
            }
            // The call-backs' list is kept by desk/callbacks.rs.
            HubEvent::CallbackOpened { callback }
            | HubEvent::CallbackClaimed { callback }
            | HubEvent::CallbackClosed { callback } => self.callback_changed(*callback)?,
            // The end of a call's wrap-up is the card's (desk/wrapup.rs).
            HubEvent::WrapUpEnded { call_id, by } => self.wrap_up_ended(call_id, by)?,
            HubEvent::StreamReset { asked, newest } => {
                // The hub never gave the position the app resumed from (its log was restored,
                // or went back before ids were kept): it replays its log from the beginning.
                // As for another hub, its calls that no longer ring are not shown again.
                tracing::warn!(
                    asked,
                    newest,
                    "the hub's event log is behind this app's position; reading it from its beginning"
                );
                self.catching_up.store(true, Ordering::SeqCst);
            }
            _ => {}
        }
        Ok(())
    }

    /// Tells the UI about a call; decides whether to notify and open the card.
    pub(super) fn announce_call(&self, call_id: u64, just_answered: bool) -> Result<()> {
        let Some(card) = self.journal.card(call_id)? else {
            return Ok(());
        };
        let settings = self.settings()?;
        let has_card = card.card.is_some();
        if self.catching_up.load(Ordering::SeqCst) {
            // A new hub's backlog: a call is shown only if it still rings once it is read.
            if card.state == CallState::Ringing {
                self.held
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .insert(call_id);
            }
            (self.ui)(UiEvent::Call {
                card: Box::new(card),
                notify: false,
                open: false,
            });
            return Ok(());
        }
        let ringing = card.state == CallState::Ringing;
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
        (self.ui)(UiEvent::Call {
            card: Box::new(card),
            notify,
            open,
        });
        if notify {
            // Remembered once the card is on its way: the write waits for the disk, the ring
            // does not.
            self.journal.set_meta(&notified_key(call_id), "1")?;
        }
        Ok(())
    }

    /// Whether this call was already notified.
    fn notified(&self, call_id: u64) -> Result<bool> {
        Ok(self.journal.meta(&notified_key(call_id))?.is_some())
    }
}

/// Where the journal remembers that a call was notified.
fn notified_key(call_id: u64) -> String {
    format!("notified:{call_id}")
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

    fn instance(&self) -> Option<String> {
        let desk = self.0.upgrade()?;
        desk.journal.meta(HUB_INSTANCE).ok().flatten()
    }

    fn set_instance(&self, instance: &str, changed: bool) {
        let Some(desk) = self.0.upgrade() else {
            return;
        };
        if changed {
            // The position belongs to the other hub: this one is read from its beginning, and
            // its calls that no longer ring are not shown again.
            desk.catching_up.store(true, Ordering::SeqCst);
            if let Err(e) = desk.journal.remove_meta(LAST_EVENT_ID) {
                tracing::warn!(error = %e, "cannot forget the other hub's position");
            }
        }
        if let Err(e) = desk.journal.set_meta(HUB_INSTANCE, instance) {
            tracing::warn!(error = %e, "cannot remember the hub's instance");
        }
    }

    fn event(&self, event: StreamEvent) -> std::result::Result<(), String> {
        match self.0.upgrade() {
            Some(desk) => desk.handle(event),
            None => Err("the app is closing".into()),
        }
    }

    fn catching_up(&self) -> bool {
        self.0
            .upgrade()
            .is_some_and(|d| d.catching_up.load(Ordering::SeqCst))
    }

    fn caught_up(&self) {
        let Some(desk) = self.0.upgrade() else {
            return;
        };
        desk.catching_up.store(false, Ordering::SeqCst);
        let held: Vec<u64> =
            std::mem::take(&mut *desk.held.lock().unwrap_or_else(|e| e.into_inner()))
                .into_iter()
                .collect();
        for call_id in held {
            let ringing = desk
                .journal
                .card(call_id)
                .ok()
                .flatten()
                .is_some_and(|c| c.state == CallState::Ringing);
            if ringing {
                if let Err(e) = desk.announce_call(call_id, false) {
                    tracing::warn!(error = %e, "cannot show a ringing call");
                }
            }
        }
    }

    fn connection(&self, state: Connection) {
        if let Some(desk) = self.0.upgrade() {
            desk.set_connection(state);
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Mutex;

    use ringside_core::card::{Card, CardContact, ContactStatus};
    use stream::Sink;

    use super::*;
    use crate::journal::Journal;
    use crate::vault::MemoryVault;

    /// What the desk told the UI about calls: (call, open, notify).
    type Shown = Arc<Mutex<Vec<(u64, bool, bool)>>>;

    /// A desk on a journal in memory, and what it told the UI about calls.
    fn desk() -> (Arc<Desk>, Shown) {
        let shown: Shown = Arc::default();
        let record = shown.clone();
        let desk = Desk::new(
            Journal::open_in_memory().unwrap(),
            Arc::new(MemoryVault::default()),
            std::env::temp_dir(),
            None,
            Arc::new(move |event| {
                if let UiEvent::Call { card, notify, open } = event {
                    record.lock().unwrap().push((card.call_id, open, notify));
                }
            }),
        );
        (desk, shown)
    }

    fn event(id: i64, event: &HubEvent) -> StreamEvent {
        StreamEvent {
            id,
            name: event.kind().to_owned(),
            data: serde_json::to_string(event).unwrap(),
        }
    }

    fn ringing(call_id: u64) -> HubEvent {
        HubEvent::CallRinging {
            call_id,
            direction: ringside_core::aircall::Direction::Inbound,
            phone: Some("+33650505050".into()),
            line: None,
        }
    }

    fn card_ready(call_id: u64) -> HubEvent {
        HubEvent::CardReady {
            call_id,
            card: Box::new(Card {
                call_id: Some(call_id),
                phone: Some("+33650505050".into()),
                contact: CardContact {
                    status: ContactStatus::New,
                    id: None,
                    name: "+33650505050".into(),
                    kind: None,
                    url: None,
                    candidates: Vec::new(),
                },
                conversation: None,
                call_conversation: None,
            }),
        }
    }

    #[tokio::test]
    async fn a_new_hubs_backlog_pops_up_only_the_calls_that_still_ring() {
        let (desk, shown) = desk();
        let follower = Follower(Arc::downgrade(&desk));
        follower.set_instance("hub-a", false);
        follower.event(event(40, &ringing(1))).unwrap();
        assert_eq!(follower.last_event_id(), Some(40));

        // The hub at the same address is another instance: the old position goes.
        follower.set_instance("hub-b", true);
        assert_eq!(follower.last_event_id(), None);
        assert!(follower.catching_up());
        shown.lock().unwrap().clear();
        // Its backlog: call 7 rang and ended, call 8 still rings.
        for (id, e) in [
            (1, ringing(7)),
            (2, card_ready(7)),
            (3, HubEvent::CallEnded { call_id: 7 }),
            (4, ringing(8)),
            (5, card_ready(8)),
        ] {
            follower.event(event(id, &e)).unwrap();
        }
        assert!(
            shown
                .lock()
                .unwrap()
                .iter()
                .all(|(_, open, notify)| !open && !notify),
            "nothing pops up while the backlog is read: {:?}",
            shown.lock().unwrap()
        );
        follower.caught_up();
        assert!(!follower.catching_up());
        let popped: Vec<u64> = shown
            .lock()
            .unwrap()
            .iter()
            .filter(|(_, open, _)| *open)
            .map(|(call, _, _)| *call)
            .collect();
        assert_eq!(popped, [8], "only the call that still rings opens");
        assert_eq!(follower.last_event_id(), Some(5));
        assert_eq!(follower.instance().as_deref(), Some("hub-b"));
    }

    #[tokio::test]
    async fn an_event_that_does_not_decode_is_skipped_and_the_position_moves() {
        let (desk, shown) = desk();
        let follower = Follower(Arc::downgrade(&desk));
        let garbled = StreamEvent {
            id: 3,
            name: "card.ready".into(),
            data: r#"{"type":"card.ready","call_id":"three"}"#.into(),
        };
        follower.event(garbled).unwrap();
        assert_eq!(follower.last_event_id(), Some(3));
        assert!(shown.lock().unwrap().is_empty());
        assert!(desk.journal.recent_cards(5).unwrap().is_empty());
    }
}
