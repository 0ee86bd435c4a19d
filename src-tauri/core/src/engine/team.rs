//! What the admin console asks of the engine about the team and contact sync: invite and
//! revoke agents, run a sync now or as a dry run.

#[allow(unused_imports)]
use super::Engine;
