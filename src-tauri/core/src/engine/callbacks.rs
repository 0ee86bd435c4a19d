//! The team's "To call back" list through the engine: the items an agent sees (those of the
//! lines they answer on; every one for an admin), claiming and dismissing one, the Overview's
//! figures, and the agent's day ("My day"). The deadline is read from the live settings at
//! each use and counted in the team's business hours.

use super::Engine;
use crate::domain::callback::{Callback, CallbackFilter, CallbackList, MyDay, Teammate};
use crate::store::around::callbacks::{Actor, CallbackFigures, Deadline, Refusal};
use crate::store::{Agent, StoreError};

/// Why the engine refused an agent's request about the list.
#[derive(Debug, thiserror::Error)]
pub enum CallbackError {
    /// There is no such item, or the agent may not see it (its existence is not revealed).
    #[error("the hub has no call-back {0}")]
    NotFound(i64),
    /// A teammate claimed it first.
    #[error("{} is calling back already", .0.name)]
    Claimed(Teammate),
    /// It is closed already.
    #[error("call-back {0} is closed already")]
    Closed(i64),
    /// A dismiss without a reason, or with one over 200 characters.
    #[error("say why it is dismissed, in 1 to {max} characters", max = crate::domain::callback::DISMISS_REASON_MAX_CHARS)]
    ReasonRequired,
    /// The local database failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl Engine {
    /// The deadline as the settings say now, in the team's hours.
    fn callback_deadline(&self) -> (crate::hours::BusinessHours, u64) {
        (
            self.business_hours.clone(),
            self.settings.snapshot().callback_deadline_minutes,
        )
    }

    /// Runs `work` on the blocking pool with the agent as a teammate (their name from
    /// Intercom or Aircall) and the deadline.
    async fn with_list<T, F>(&self, agent: &Agent, work: F) -> Result<T, CallbackError>
    where
        F: FnOnce(&crate::store::Store, &Actor<'_>, &Deadline<'_>, i64) -> Result<T, CallbackError>
            + Send
            + 'static,
        T: Send + 'static,
    {
        let (hours, minutes) = self.callback_deadline();
        let (email, admin, now) = (agent.email.clone(), agent.admin, self.now());
        self.store
            .run(move |s| {
                let who = s.teammate(&email)?;
                let actor = Actor { who: &who, admin };
                let deadline = Deadline {
                    hours: &hours,
                    minutes,
                };
                Ok(work(s, &actor, &deadline, now))
            })
            .await?
    }

    /// The items the agent sees, the most recently missed first, with how many waiting ones
    /// are late.
    pub async fn callbacks(
        &self,
        agent: &Agent,
        filter: CallbackFilter,
    ) -> Result<CallbackList, CallbackError> {
        self.with_list(agent, move |s, actor, deadline, now| {
            let (items, late) = s.callbacks_for(actor, filter, deadline, now)?;
            Ok(CallbackList { items, late })
        })
        .await
    }

    /// The agent is calling the number back: teammates see who (`callback.claimed`).
    pub async fn claim_callback(&self, agent: &Agent, id: i64) -> Result<Callback, CallbackError> {
        let claimed = self
            .with_list(agent, move |s, actor, deadline, now| {
                refused(id, s.callback_claim(actor, id, deadline, now)?)
            })
            .await?;
        self.pipeline.announcer().written().await;
        Ok(claimed)
    }

    /// The agent dismisses an item with a reason (1 to 200 characters): it closes for
    /// everyone (`callback.closed`).
    pub async fn dismiss_callback(
        &self,
        agent: &Agent,
        id: i64,
        reason: &str,
    ) -> Result<Callback, CallbackError> {
        let reason =
            crate::domain::callback::dismiss_reason(reason).ok_or(CallbackError::ReasonRequired)?;
        let dismissed = self
            .with_list(agent, move |s, actor, deadline, now| {
                refused(id, s.callback_dismiss(actor, id, &reason, deadline, now)?)
            })
            .await?;
        self.pipeline.announcer().written().await;
        Ok(dismissed)
    }

    /// The whole team's list at a glance (the console's Overview), "returned" counted since
    /// `since`.
    pub async fn callback_figures(&self, since: i64) -> Result<CallbackFigures, StoreError> {
        let (hours, minutes) = self.callback_deadline();
        let now = self.now();
        self.store
            .run(move |s| {
                let deadline = Deadline {
                    hours: &hours,
                    minutes,
                };
                s.callback_figures(&deadline, since, now)
            })
            .await
    }

    /// The call-back item a call opened, joined or returned, for the console's call page.
    pub async fn callback_of_call(&self, call_id: u64) -> Result<Option<Callback>, StoreError> {
        let (hours, minutes) = self.callback_deadline();
        let now = self.now();
        self.store
            .run(move |s| {
                let deadline = Deadline {
                    hours: &hours,
                    minutes,
                };
                s.callback_of_call(call_id, &deadline, now)
            })
            .await
    }

    /// The agent's day so far, in the team's time zone: calls answered and made, missed calls
    /// on their lines, call-backs they returned, their mean talk time, and the late items they
    /// see.
    pub async fn my_day(&self, agent: &Agent) -> Result<MyDay, CallbackError> {
        let zone = self.business_hours.time_zone().clone();
        let timezone = self.business_hours.zone().to_owned();
        let today = jiff::Timestamp::from_second(self.now())
            .unwrap_or(jiff::Timestamp::UNIX_EPOCH)
            .to_zoned(zone);
        let start = today
            .start_of_day()
            .map(|s| s.timestamp().as_second())
            .unwrap_or_else(|_| self.now());
        let date = today.date().to_string();
        self.with_list(agent, move |s, actor, deadline, now| {
            let day = s.day_of(&actor.who.email, actor.admin, start)?;
            let late = s.callbacks_late(actor, deadline, now)?;
            let talked = i64::try_from(day.talked_calls).unwrap_or(i64::MAX);
            Ok(MyDay {
                date,
                timezone,
                answered: day.answered,
                missed: day.missed,
                returned: day.returned,
                outbound: day.outbound,
                average_handle_seconds: (talked > 0)
                    .then(|| (day.talk_seconds + talked / 2) / talked),
                late,
            })
        })
        .await
    }
}

/// The store's refusal as the engine's error.
fn refused(id: i64, answer: Result<Callback, Refusal>) -> Result<Callback, CallbackError> {
    answer.map_err(|refusal| match refusal {
        Refusal::NotFound => CallbackError::NotFound(id),
        Refusal::ClaimedBy(by) => CallbackError::Claimed(by),
        Refusal::Closed => CallbackError::Closed(id),
    })
}
