//! Presence through the engine: the agent's "Done" on a wrap-up, what the agent's app shows of
//! their presence, and each agent's choice to let presence follow their calls or not. The task
//! itself (`crate::presence`) is started with the engine.

use super::{Engine, EngineError};
use crate::domain::presence::{PresenceView, Signal};
use crate::store::Agent;

impl Engine {
    /// The agent pressed "Done" on the call's wrap-up (`POST /api/v1/calls/:id/done`): the
    /// wrap-up is over for presence, and the teammate goes back to the state they had before
    /// the call. A call that is not the agent's current one changes nothing.
    pub async fn end_wrap_up(&self, agent_email: &str, call_id: u64) -> Result<(), EngineError> {
        let (email, now, wrap_up) = (
            agent_email.to_owned(),
            self.now(),
            self.settings.snapshot().wrap_up_seconds,
        );
        let changed = self
            .run(move |s| Ok(s.presence_signal(&email, Signal::Done { call_id }, now, wrap_up)?))
            .await?;
        if changed {
            self.presence.notify_one();
            self.pipeline.announcer().written().await;
        }
        Ok(())
    }

    /// The agent's presence: the hub's setting, their choice, where they are.
    pub async fn presence_of(&self, agent: &Agent) -> Result<PresenceView, EngineError> {
        let (email, on) = (agent.email.clone(), self.settings.snapshot().presence);
        self.run(move |s| {
            let row = s.presence_row(&email)?;
            let cached = s
                .admins()?
                .0
                .into_iter()
                .find(|a| {
                    a.email
                        .as_deref()
                        .is_some_and(|e| e.trim().eq_ignore_ascii_case(email.trim()))
                })
                .map(|a| a.away);
            Ok(PresenceView::of(row.as_ref(), on, cached))
        })
        .await
    }

    /// The agent lets presence follow their calls, or not (kept per agent). Turning it off
    /// during a call brings the teammate back at once.
    pub async fn set_follow_calls(
        &self,
        agent: &Agent,
        follow: bool,
    ) -> Result<PresenceView, EngineError> {
        let (email, now) = (agent.email.clone(), self.now());
        self.run(move |s| Ok(s.presence_follow_calls(&email, follow, now)?))
            .await?;
        self.presence.notify_one();
        self.presence_of(agent).await
    }
}
