//! The team's calls to return and the agent's day, as the main window shows them: the hub's
//! "To call back" list (`GET /api/v1/callbacks`), kept in the journal so that it reads offline,
//! kept current by the stream's `callback.opened`, `callback.claimed` and `callback.closed`;
//! claiming and dismissing an item; "My day" (`GET /api/v1/me/day`). Each item comes with what
//! the agent reads: who (the contact's name, else the number formatted) and whether the agent
//! is the one calling back. The count of open items goes to the tray.

use ringside_core::domain::callback::{Callback, CallbackList, CallbackState, MyDay};
use ringside_core::phone::E164;
use serde::Serialize;
use serde_json::{json, Value};

use super::{now, Desk, UiEvent};
use crate::error::{Error, Result};
use crate::i18n::text;
use crate::remote::HubError;

/// Where the journal keeps the last list the hub sent, and when it sent it.
const KEPT_LIST: &str = "callbacks";
const KEPT_AT: &str = "callbacks_at";
/// The agent's email as the hub spells it in a claim this app made ("You are calling back").
const MY_EMAIL: &str = "callbacks_my_email";
/// The last "My day" the hub sent.
const KEPT_DAY: &str = "my_day";
const KEPT_DAY_AT: &str = "my_day_at";
/// The longest dismiss reason, in characters (the hub's limit).
pub const DISMISS_REASON_MAX_CHARS: usize = 200;

/// One item with what the agent reads.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CallbackRow {
    /// The hub's item.
    #[serde(flatten)]
    pub item: Callback,
    /// The contact's name, else the number formatted.
    pub who: String,
    /// The number formatted for reading (`+33 6 50 50 50 50`), or as the hub gave it.
    pub number: String,
    /// This agent is the one calling back.
    pub mine: bool,
}

/// The list as the main window shows it.
#[derive(Debug, Clone, Serialize)]
pub struct CallbacksView {
    /// Newest first.
    pub items: Vec<CallbackRow>,
    /// The items past their deadline.
    pub late: usize,
    /// The hub could not be reached: this is the kept copy.
    pub offline: bool,
    /// When the hub sent it, UNIX seconds.
    pub fetched_at: i64,
    /// Why the hub could not be reached, when it could not.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

/// "My day" as the main window shows it.
#[derive(Debug, Clone, Serialize)]
pub struct DayView {
    /// The hub's figures.
    #[serde(flatten)]
    pub day: MyDay,
    /// The hub could not be reached: these are the last figures read.
    pub offline: bool,
    /// When the hub sent them, UNIX seconds.
    pub fetched_at: i64,
}

/// The list a `state` filter asks the hub for: `open` (the default), `closed` (the last 24
/// hours) or `all`.
fn state_query(state: Option<&str>) -> Result<&'static str> {
    match state.unwrap_or("open") {
        "open" => Ok("open"),
        "closed" => Ok("closed"),
        "all" => Ok("all"),
        other => Err(Error::Invalid(format!(
            "`{other}` is not a list of call-backs (open, closed, all)"
        ))),
    }
}

/// A number as a person reads it: the international format of an E.164 number, else as given.
fn readable(phone: &str) -> String {
    E164::from_e164(phone)
        .ok()
        .and_then(|n| n.variants().into_iter().nth(1))
        .unwrap_or_else(|| phone.to_owned())
}

/// Whether an item is past its deadline now (the hub's `late` was true when it was read).
fn late_now(item: &Callback, now: i64) -> bool {
    item.state != CallbackState::Closed && (item.late || (item.due_at > 0 && now > item.due_at))
}

impl Desk {
    /// The "To call back" list (`state`: `open`, `closed` or `all`): from the hub (the open
    /// list is kept), else the kept copy with `offline: true`.
    pub async fn callbacks(&self, state: Option<&str>) -> Result<CallbacksView> {
        let state = state_query(state)?;
        let fetched = match self.client() {
            Ok(client) => client
                .get(&format!("/api/v1/callbacks?state={state}"))
                .await
                .map_err(Error::from),
            Err(e) => Err(e),
        };
        match fetched {
            Ok(body) => {
                let list: CallbackList = serde_json::from_value(body).map_err(|e| {
                    Error::Invalid(format!("the hub's call-backs cannot be read: {e}"))
                })?;
                if state == "open" {
                    self.keep_callbacks(&list.items, now())?;
                }
                Ok(self.callbacks_view(list.items, false, now(), None))
            }
            Err(Error::Offline(why)) if state == "open" => match self.kept_callbacks()? {
                Some((items, at)) => Ok(self.callbacks_view(items, true, at, Some(why))),
                None => Err(Error::Offline(why)),
            },
            Err(e) => Err(e),
        }
    }

    /// Reads the open list again (the connection is back) and tells the UI and the tray.
    pub(super) async fn refresh_callbacks(&self) {
        match self.callbacks(Some("open")).await {
            Ok(view) => (self.ui)(UiEvent::Callbacks(view)),
            Err(e) => tracing::info!(error = %e, "cannot read the call-backs"),
        }
    }

    /// The agent calls back: the item is theirs ("You are calling back"; teammates read
    /// "Alice is calling back"). Claiming one's own item again changes nothing.
    pub async fn claim_callback(&self, id: i64) -> Result<CallbackRow> {
        let client = self.client()?;
        let answer = client
            .post(&format!("/api/v1/callbacks/{id}/claim"), &Value::Null)
            .await;
        let item = self.changed_item(id, answer).await?;
        if let Some(me) = &item.claimed_by {
            self.journal.set_meta(MY_EMAIL, &me.email)?;
        }
        self.apply_callback(item.clone())?;
        Ok(self.row(item, &self.my_email()))
    }

    /// The agent takes an item off the list without calling back, with a reason.
    pub async fn dismiss_callback(&self, id: i64, reason: &str) -> Result<CallbackRow> {
        let reason = reason.trim();
        if reason.is_empty() {
            return Err(Error::Invalid(text("callbacks-error-reason-required", &[])));
        }
        if reason.chars().count() > DISMISS_REASON_MAX_CHARS {
            return Err(Error::Invalid(text(
                "callbacks-error-reason-too-long",
                &[("max", DISMISS_REASON_MAX_CHARS.into())],
            )));
        }
        let client = self.client()?;
        let answer = client
            .post(
                &format!("/api/v1/callbacks/{id}/dismiss"),
                &json!({ "reason": reason }),
            )
            .await;
        let item = self.changed_item(id, answer).await?;
        self.apply_callback(item.clone())?;
        Ok(self.row(item, &self.my_email()))
    }

    /// "My day": from the hub (and kept), else the last figures with `offline: true`.
    pub async fn my_day(&self) -> Result<DayView> {
        let fetched = match self.client() {
            Ok(client) => client.get("/api/v1/me/day").await.map_err(Error::from),
            Err(e) => Err(e),
        };
        match fetched {
            Ok(body) => {
                let day: MyDay = serde_json::from_value(body)
                    .map_err(|e| Error::Invalid(format!("the hub's day cannot be read: {e}")))?;
                let kept = serde_json::to_string(&day).unwrap_or_default();
                self.journal.set_meta(KEPT_DAY, &kept)?;
                self.journal.set_meta(KEPT_DAY_AT, &now().to_string())?;
                Ok(DayView {
                    day,
                    offline: false,
                    fetched_at: now(),
                })
            }
            Err(Error::Offline(why)) => {
                let day = self
                    .journal
                    .meta(KEPT_DAY)?
                    .and_then(|d| serde_json::from_str::<MyDay>(&d).ok());
                let at = self.kept_at(KEPT_DAY_AT)?;
                match day {
                    Some(day) => Ok(DayView {
                        day,
                        offline: true,
                        fetched_at: at,
                    }),
                    None => Err(Error::Offline(why)),
                }
            }
            Err(e) => Err(e),
        }
    }

    /// The open items the tray counts.
    pub fn to_call_back(&self) -> usize {
        self.kept_callbacks()
            .ok()
            .flatten()
            .map_or(0, |(items, _)| items.len())
    }

    /// A `callback.*` event of the stream: the kept list takes the item (a closed one leaves
    /// it) and the UI and the tray hear the list as it now stands.
    pub(super) fn callback_changed(&self, callback: Callback) -> Result<()> {
        self.apply_callback(callback)
    }

    /// The hub's answer to a claim or a dismiss: the item, or the refusal in words (a
    /// teammate's claim names them, from the list read again).
    async fn changed_item(
        &self,
        id: i64,
        answer: std::result::Result<Value, HubError>,
    ) -> Result<Callback> {
        match answer {
            Ok(body) => serde_json::from_value(body)
                .map_err(|e| Error::Invalid(format!("the hub's call-back cannot be read: {e}"))),
            Err(HubError::Refused { code, message, .. }) => {
                let words = match code.as_str() {
                    "callback_claimed" => {
                        let view = self.callbacks(Some("open")).await.ok();
                        if let Some(view) = &view {
                            (self.ui)(UiEvent::Callbacks(view.clone()));
                        }
                        let name = view
                            .and_then(|v| v.items.into_iter().find(|r| r.item.id == id))
                            .and_then(|r| r.item.claimed_by)
                            .map(|t| if t.name.is_empty() { t.email } else { t.name });
                        match name {
                            Some(name) => text("callbacks-error-claimed", &[("name", name.into())]),
                            None => message,
                        }
                    }
                    "callback_closed" | "not_found" => {
                        // Gone from the list: it is read again so that it leaves the window.
                        self.refresh_callbacks().await;
                        text("callbacks-error-closed", &[])
                    }
                    "reason_required" => text("callbacks-error-reason-required", &[]),
                    _ => message,
                };
                Err(Error::Hub {
                    code,
                    message: words,
                })
            }
            Err(e) => Err(e.into()),
        }
    }

    /// Puts one item into the kept open list (or takes a closed one out) and tells the UI.
    fn apply_callback(&self, item: Callback) -> Result<()> {
        let (mut items, _) = self.kept_callbacks()?.unwrap_or_default();
        items.retain(|kept| kept.id != item.id);
        if item.state != CallbackState::Closed {
            items.push(item);
        }
        items.sort_by(|a, b| {
            b.last_missed_at
                .max(b.opened_at)
                .cmp(&a.last_missed_at.max(a.opened_at))
                .then(b.id.cmp(&a.id))
        });
        let at = now();
        self.keep_callbacks(&items, at)?;
        (self.ui)(UiEvent::Callbacks(
            self.callbacks_view(items, false, at, None),
        ));
        Ok(())
    }

    fn keep_callbacks(&self, items: &[Callback], at: i64) -> Result<()> {
        let kept = serde_json::to_string(items).unwrap_or_else(|_| "[]".into());
        self.journal.set_meta(KEPT_LIST, &kept)?;
        self.journal.set_meta(KEPT_AT, &at.to_string())
    }

    fn kept_callbacks(&self) -> Result<Option<(Vec<Callback>, i64)>> {
        let Some(kept) = self.journal.meta(KEPT_LIST)? else {
            return Ok(None);
        };
        let items = serde_json::from_str(&kept).unwrap_or_default();
        Ok(Some((items, self.kept_at(KEPT_AT)?)))
    }

    fn kept_at(&self, key: &str) -> Result<i64> {
        Ok(self
            .journal
            .meta(key)?
            .and_then(|v| v.parse().ok())
            .unwrap_or(0))
    }

    /// The agent's email as the hub spells it: from a claim this app made, else the
    /// standalone settings' (in lower case; empty when unknown).
    fn my_email(&self) -> String {
        let claimed = self.journal.meta(MY_EMAIL).ok().flatten();
        let set = || self.settings().ok().map(|s| s.agent_email);
        claimed
            .or_else(set)
            .unwrap_or_default()
            .trim()
            .to_lowercase()
    }

    fn row(&self, item: Callback, me: &str) -> CallbackRow {
        let number = readable(&item.phone);
        let who = item
            .contact
            .as_ref()
            .and_then(|c| c.name.clone())
            .filter(|n| !n.trim().is_empty())
            .unwrap_or_else(|| number.clone());
        let mine = !me.is_empty()
            && item
                .claimed_by
                .as_ref()
                .is_some_and(|t| t.email.trim().eq_ignore_ascii_case(me));
        CallbackRow {
            item,
            who,
            number,
            mine,
        }
    }

    fn callbacks_view(
        &self,
        items: Vec<Callback>,
        offline: bool,
        fetched_at: i64,
        reason: Option<String>,
    ) -> CallbacksView {
        let me = self.my_email();
        let at = now();
        let items: Vec<CallbackRow> = items
            .into_iter()
            .map(|mut item| {
                item.late = late_now(&item, at);
                self.row(item, &me)
            })
            .collect();
        CallbacksView {
            late: items.iter().filter(|r| r.item.late).count(),
            items,
            offline,
            fetched_at,
            reason,
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex};

    use super::*;
    use crate::journal::Journal;
    use crate::vault::MemoryVault;

    fn desk() -> (Arc<Desk>, Arc<Mutex<Vec<CallbacksView>>>) {
        let heard: Arc<Mutex<Vec<CallbacksView>>> = Arc::default();
        let record = heard.clone();
        let desk = Desk::new(
            Journal::open_in_memory().unwrap(),
            Arc::new(MemoryVault::default()),
            std::env::temp_dir(),
            None,
            Arc::new(move |event| {
                if let UiEvent::Callbacks(view) = event {
                    record.lock().unwrap().push(view);
                }
            }),
        );
        (desk, heard)
    }

    fn item(id: i64, state: &str, claimed_by: Option<(&str, &str)>) -> Value {
        json!({
            "id": id, "call_id": 900 + id, "kind": "missed", "phone": "+33650505050",
            "line": {"id": 2201, "name": "Support FR"}, "contact": null, "missed_count": 1,
            "opened_at": 1_700_000_000 + id, "last_missed_at": 1_700_000_000 + id,
            "due_at": 4_000_000_000u64, "late": false, "state": state,
            "claimed_by": claimed_by.map(|(e, n)| json!({"email": e, "name": n})),
            "claimed_at": null, "closed_at": null, "closed_by": null, "close_reason": null,
            "dismiss_reason": null, "returned_after_seconds": null, "voicemail_url": null,
            "transcript": null
        })
    }

    /// The stream's event, as the desk receives it.
    fn event(desk: &Arc<Desk>, id: i64, kind: &str, item: Value) {
        let data = json!({"type": kind, "callback": item}).to_string();
        let follower = super::super::events::Follower(Arc::downgrade(desk));
        crate::stream::Sink::event(
            &follower,
            crate::stream::StreamEvent {
                id,
                name: kind.into(),
                data,
            },
        )
        .unwrap();
    }

    #[test]
    fn events_keep_the_open_list_and_the_tray_count_current() {
        let (desk, heard) = desk();
        event(&desk, 1, "callback.opened", item(1, "open", None));
        event(&desk, 2, "callback.opened", item(2, "open", None));
        assert_eq!(desk.to_call_back(), 2);
        let last = heard.lock().unwrap().last().cloned().unwrap();
        assert_eq!(last.items[0].item.id, 2, "newest first");
        assert_eq!(last.items[0].who, "+33 6 50 50 50 50");

        let alice = Some(("Alice@Acme.io", "Alice"));
        event(&desk, 3, "callback.claimed", item(1, "claimed", alice));
        let last = heard.lock().unwrap().last().cloned().unwrap();
        let claimed = last.items.iter().find(|r| r.item.id == 1).unwrap();
        assert_eq!(claimed.item.state, CallbackState::Claimed);
        assert!(!claimed.mine, "the app does not know its agent yet");
        desk.journal.set_meta(MY_EMAIL, "alice@acme.io").unwrap();
        event(&desk, 4, "callback.claimed", item(1, "claimed", alice));
        let last = heard.lock().unwrap().last().cloned().unwrap();
        assert!(last.items.iter().find(|r| r.item.id == 1).unwrap().mine);

        event(&desk, 5, "callback.closed", item(1, "closed", None));
        assert_eq!(desk.to_call_back(), 1);
        // Something this app cannot read changes nothing, and the stream moves on.
        event(&desk, 6, "callback.opened", json!({"id": "x"}));
        assert_eq!(desk.to_call_back(), 1);
        assert_eq!(
            desk.journal
                .meta(super::super::LAST_EVENT_ID)
                .unwrap()
                .as_deref(),
            Some("6")
        );
    }

    #[test]
    fn an_item_past_its_deadline_reads_late_and_a_closed_one_never() {
        let mut open: Callback = serde_json::from_value(item(1, "open", None)).unwrap();
        open.due_at = 100;
        assert!(late_now(&open, 101));
        assert!(!late_now(&open, 100));
        open.state = CallbackState::Closed;
        assert!(!late_now(&open, 101));
    }

    #[tokio::test]
    async fn offline_the_list_is_the_kept_one_and_a_reason_is_required_to_dismiss() {
        let (desk, _) = desk();
        assert!(matches!(desk.callbacks(None).await, Err(Error::Offline(_))));
        event(&desk, 1, "callback.opened", item(5, "open", None));
        let view = desk.callbacks(Some("open")).await.unwrap();
        assert!(view.offline);
        assert_eq!(view.items.len(), 1);
        assert!(matches!(
            desk.callbacks(Some("someday")).await,
            Err(Error::Invalid(_))
        ));
        assert!(matches!(
            desk.dismiss_callback(5, "  ").await,
            Err(Error::Invalid(_))
        ));
        assert!(matches!(
            desk.dismiss_callback(5, &"x".repeat(201)).await,
            Err(Error::Invalid(_))
        ));
    }
}
