//! What the admin console asks of the engine about the team and contact sync: who the team
//! is, invite and revoke agents (each recorded with who did it), record the app an agent
//! uses, and run a sync now or as a dry run. Closing a revoked agent's event streams is the
//! hub's part (its streams are HTTP answers).

use super::Engine;
use crate::error::Api;
use crate::metrics::VendorState;
use crate::pacing::Budget;
use crate::signin::{self, SignInError};
use crate::store::console::team::TeamMember;
use crate::store::{Agent, StoreError, SyncRun};
use crate::sync::{DryRun, SyncError, SyncMode};

/// Sync runs the Sync page lists at most.
pub const SYNC_RUNS_SHOWN: usize = 20;

/// An invitation made in the console: its links, shown once.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invited {
    /// Whom it invites (lower case).
    pub email: String,
    /// For the desktop app: `ringside://join?hub=…&code=…`.
    pub app_link: String,
    /// The same on the hub's web page (`/join?code=…`).
    pub web_link: String,
    /// Days it works.
    pub days: u32,
}

/// Why an invitation was not made.
#[derive(Debug, thiserror::Error)]
pub enum InviteError {
    /// The address or the days were refused, in words.
    #[error("{0}")]
    Refused(String),
    /// The database failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Why a dry run gave no list.
#[derive(Debug, thiserror::Error)]
pub enum DryRunError {
    /// This hub runs no contact sync.
    #[error("this hub runs no contact sync")]
    NoSync,
    /// The scan failed, in words.
    #[error(transparent)]
    Sync(#[from] SyncError),
}

impl Engine {
    /// The agent behind a token, as [`Engine::agent_for_token`], also recording the app's
    /// version the request came from (with `last_seen_at`, at most once a minute).
    pub async fn agent_for_request(
        &self,
        token: &str,
        app_version: Option<String>,
    ) -> Result<Option<Agent>, StoreError> {
        let token = token.to_owned();
        let now = self.now();
        self.store
            .run(move |s| {
                let agent = s.agent_for_token(&token)?;
                if let Some(a) = &agent {
                    if a.last_seen_at
                        .is_none_or(|at| at <= now - crate::store::LAST_SEEN_EVERY)
                        && s.touch_agent(&a.email, now)?
                    {
                        if let Some(version) = &app_version {
                            s.record_app_version(&a.email, version)?;
                        }
                    }
                }
                Ok(agent)
            })
            .await
    }

    /// Everyone with a token or an open invitation, by email.
    pub async fn team(&self) -> Result<Vec<TeamMember>, StoreError> {
        let now = self.now();
        self.store.run(move |s| s.team(now)).await
    }

    /// Invites `email` for [`signin::INVITATION_DAYS`] days, as `ringside-cli agents invite`
    /// does, with links to the hub at `hub_url` (and its web page at `public_url`); recorded
    /// as done by `who`.
    pub async fn invite(
        &self,
        who: &str,
        email: &str,
        admin: bool,
        hub_url: &str,
    ) -> Result<Invited, InviteError> {
        let (who, email, now) = (who.to_owned(), email.trim().to_lowercase(), self.now());
        let days = signin::INVITATION_DAYS;
        let hub_url = hub_url.trim_end_matches('/').to_owned();
        let (for_email, answer) = (email.clone(), hub_url.clone());
        let code = self
            .store
            .run(move |s| {
                let code = match signin::invite(s, &for_email, admin, days, now) {
                    Ok(code) => code,
                    Err(SignInError::Store(e)) => return Err(e),
                    Err(refused) => return Ok(Err(refused.to_string())),
                };
                let detail = if admin {
                    format!("invited as an admin for {days} days")
                } else {
                    format!("invited for {days} days")
                };
                s.record_action(now, &who, "invite", &for_email, &detail)?;
                Ok(Ok(code))
            })
            .await?
            .map_err(InviteError::Refused)?;
        Ok(Invited {
            app_link: signin::join_link(&answer, &code),
            web_link: signin::join_web_link(&answer, &code),
            email,
            days,
        })
    }

    /// Revokes `email`'s token and open invitations, recorded as done by `who`; false when
    /// there was neither. Their event streams are the hub's to close.
    pub async fn revoke(&self, who: &str, email: &str) -> Result<bool, StoreError> {
        let (who, email, now) = (who.to_owned(), email.trim().to_lowercase(), self.now());
        self.store
            .run(move |s| {
                let revoked = s.revoke_agent(&email)?;
                let detail = if revoked {
                    "token and open invitations revoked"
                } else {
                    "had no token and no open invitation"
                };
                s.record_action(now, &who, "revoke", &email, detail)?;
                Ok(revoked)
            })
            .await
    }

    /// Whether this engine runs contact sync.
    pub fn runs_sync(&self) -> bool {
        self.syncing.is_some()
    }

    /// Starts a contact sync run now (after the current one, if one runs), recorded as asked
    /// by `who`; false when this engine runs no sync.
    pub async fn sync_now(&self, who: &str) -> Result<bool, StoreError> {
        let started = match self.sync.lock().await.as_ref() {
            Some(handle) => {
                handle.run_now(false);
                true
            }
            None => false,
        };
        if started {
            let (who, now) = (who.to_owned(), self.now());
            self.store
                .run(move |s| s.record_action(now, &who, "sync_now", "sync", "a run was asked for"))
                .await?;
        }
        Ok(started)
    }

    /// What a sync run would change now, writing nothing; recorded as asked by `who`.
    pub async fn sync_dry_run(&self, who: &str) -> Result<DryRun, DryRunError> {
        let Some(syncing) = &self.syncing else {
            return Err(DryRunError::NoSync);
        };
        let report = syncing.dry_run(SyncMode::Auto).await?;
        let (who, now) = (who.to_owned(), self.now());
        let detail = format!(
            "would create {}, update {}, delete {}",
            report.create.len(),
            report.update.len(),
            report.delete.len()
        );
        if let Err(e) = self
            .store
            .run(move |s| s.record_action(now, &who, "sync_dry_run", "sync", &detail))
            .await
        {
            tracing::warn!(error = %e, "cannot record a dry run in the console's actions");
        }
        Ok(report)
    }

    /// Contact sync's last runs, newest first.
    pub async fn sync_runs(&self) -> Result<Vec<SyncRun>, StoreError> {
        self.store
            .run(|s| s.recent_sync_runs(SYNC_RUNS_SHOWN))
            .await
    }

    /// A vendor's recent requests, 429s and last error.
    pub fn vendor_state(&self, api: Api) -> VendorState {
        self.metrics.vendor_state(api)
    }

    /// Aircall's request budget in force, when the engine has Aircall.
    pub fn aircall_budget(&self) -> Option<Budget> {
        self.aircall.as_ref().map(|a| a.pacer().budget())
    }
}
