//! The console's team: everyone who has a token (an admin made it, they signed in with
//! Intercom or joined with an invitation) or an invitation still open, with how they joined,
//! when the hub last saw them and which version of the app they use. The app's version is
//! recorded with `last_seen_at`, at most once a minute. And contact sync's last runs, for the
//! Sync page.

use rusqlite::params;

use crate::store::agents::read_joined;
use crate::store::sync::{run_from, RUN_COLUMNS};
use crate::store::{CachedSql, Joined, Store, StoreError, SyncRun};

/// This part's tables and indexes, in the console's migration: the app's version each agent
/// last used.
pub(in crate::store) const CREATE: &str = "
ALTER TABLE agents ADD COLUMN app_version TEXT;
";

/// Members the Agents page lists at most.
pub const TEAM_SHOWN: usize = 1000;

/// One person of the team, as the Agents page lists them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TeamMember {
    /// Their email (lower case).
    pub email: String,
    /// Whether they are (or join as) an admin.
    pub admin: bool,
    /// How they got their token; `None`: invited, not joined yet.
    pub joined: Option<Joined>,
    /// When their token was made, or their invitation (UNIX seconds).
    pub since: i64,
    /// When the hub last answered them (UNIX seconds).
    pub last_seen_at: Option<i64>,
    /// The app's version they last used (`Ringside/<version>` on their requests).
    pub app_version: Option<String>,
    /// When their open invitation expires, when they have one.
    pub invited_until: Option<i64>,
}

impl Store {
    /// Records the app's version an agent uses (with their `last_seen_at`, at most once a
    /// minute).
    pub fn record_app_version(&self, email: &str, version: &str) -> Result<(), StoreError> {
        self.conn().exec(
            "UPDATE agents SET app_version = ?2 WHERE email = ?1",
            params![email, version],
        )?;
        Ok(())
    }

    /// Contact sync's last runs, newest first (at most `limit`, capped at 100).
    pub fn recent_sync_runs(&self, limit: usize) -> Result<Vec<SyncRun>, StoreError> {
        let limit = limit.min(100);
        let conn = self.read();
        let mut stmt = conn.prepare_cached(&format!(
            "SELECT {RUN_COLUMNS} FROM sync_runs ORDER BY id DESC LIMIT {limit}"
        ))?;
        let rows = stmt.query_map([], run_from)?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Everyone with a token or an invitation open at `now`, by email (at most
    /// [`TEAM_SHOWN`]).
    pub fn team(&self, now: i64) -> Result<Vec<TeamMember>, StoreError> {
        let mut members: Vec<TeamMember> = {
            let conn = self.read();
            let mut stmt = conn.prepare_cached(&format!(
                "SELECT email, admin, joined, created_at, last_seen_at, app_version FROM agents
                 ORDER BY email LIMIT {TEAM_SHOWN}"
            ))?;
            let rows = stmt.query_map([], |r| {
                Ok(TeamMember {
                    email: r.get(0)?,
                    admin: r.get(1)?,
                    joined: Some(read_joined(r, 2)?),
                    since: r.get(3)?,
                    last_seen_at: r.get(4)?,
                    app_version: r.get(5)?,
                    invited_until: None,
                })
            })?;
            rows.collect::<Result<_, _>>()?
        };
        for invitation in self.open_invitations(now)? {
            match members.iter_mut().find(|m| m.email == invitation.email) {
                Some(member) => {
                    member.invited_until = member.invited_until.max(Some(invitation.expires_at))
                }
                None => members.push(TeamMember {
                    email: invitation.email,
                    admin: invitation.admin,
                    joined: None,
                    since: invitation.created_at,
                    last_seen_at: None,
                    app_version: None,
                    invited_until: Some(invitation.expires_at),
                }),
            }
        }
        members.sort_by(|a, b| a.email.cmp(&b.email));
        members.truncate(TEAM_SHOWN);
        Ok(members)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_team_holds_tokens_and_open_invitations_with_the_app_they_use() {
        let store = Store::open_in_memory().unwrap();
        store.add_agent("ann@acme.io", 10).unwrap();
        store
            .add_invitation("bob@acme.io", false, 20, 1_000)
            .unwrap();
        store.add_invitation("old@acme.io", false, 20, 30).unwrap();
        store.touch_agent("ann@acme.io", 40).unwrap();
        store.record_app_version("ann@acme.io", "1.4.0").unwrap();
        let team = store.team(100).unwrap();
        let emails: Vec<&str> = team.iter().map(|m| m.email.as_str()).collect();
        assert_eq!(
            emails,
            ["ann@acme.io", "bob@acme.io"],
            "an expired invitation is gone"
        );
        assert_eq!(team[0].joined, Some(Joined::Token));
        assert_eq!(team[0].app_version.as_deref(), Some("1.4.0"));
        assert_eq!(team[0].last_seen_at, Some(40));
        assert_eq!(team[1].joined, None);
        assert_eq!(team[1].invited_until, Some(1_000));
    }
}
