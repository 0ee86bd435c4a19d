//! Presence through the engine: the agent's "Done" on a wrap-up, each agent's opt-out, and the
//! presence task started with the engine. (Being built: see issue 21.)

use super::{Engine, EngineError};

impl Engine {
    /// The agent pressed "Done" on the call's wrap-up (`POST /api/v1/calls/:id/done`): the
    /// wrap-up is over for presence, and the teammate goes back to the state they had before
    /// the call.
    pub async fn end_wrap_up(&self, agent_email: &str, call_id: u64) -> Result<(), EngineError> {
        let _ = (agent_email, call_id);
        Ok(())
    }
}
