//! The desk's side of signing in: a sign-in with Intercom or an invitation gives the agent's
//! token, which goes to the keyring, and the hub's address, which goes to the settings; then
//! the desk connects. One sign-in at a time: a new one (or Cancel) ends the one under way.

use std::sync::Arc;

use serde::Serialize;
use url::Url;

use super::{Desk, Mode, UiEvent};
use crate::error::{Error, Result};
use crate::settings::ModeKind;
use crate::signin::{self, Grant, HubSignIn, Invitation, SignInError};
use crate::vault::SecretName;

/// An invitation the desktop handed to the app, for the main window to offer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct InvitationOffer {
    /// The hub it joins.
    pub hub: String,
    /// The link itself, which the window joins with when the agent says so.
    pub link: String,
}

impl Desk {
    /// Sign in with Intercom at the hub the agent typed: `open` shows the hub's sign-in page in
    /// a browser; the desk waits for the browser's answer (up to [`signin::ANSWER_WITHIN`]),
    /// keeps the token and connects.
    pub async fn sign_in_with_intercom(
        self: &Arc<Self>,
        hub: &str,
        open: impl FnOnce(&Url) -> std::result::Result<(), SignInError>,
    ) -> Result<SignedIn> {
        self.not_a_demo()?;
        let signin = HubSignIn::new(hub)?;
        let (cancel, cancelled) = tokio::sync::oneshot::channel();
        // A sign-in still waiting is cancelled by this one (its sender is dropped here).
        *self.signing_in.lock().unwrap_or_else(|e| e.into_inner()) = Some(cancel);
        let grant = signin
            .with_intercom(open, signin::ANSWER_WITHIN, async {
                let _ = cancelled.await;
            })
            .await;
        let grant = grant?;
        self.signed_in(signin.hub(), grant).await
    }

    /// Cancels the sign-in under way, if any.
    pub fn cancel_sign_in(&self) {
        if let Some(cancel) = self
            .signing_in
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .take()
        {
            let _ = cancel.send(());
        }
    }

    /// Joins the hub of an invitation link: its code for the token, once.
    pub async fn join(self: &Arc<Self>, link: &str) -> Result<SignedIn> {
        self.not_a_demo()?;
        let invitation = Invitation::parse(link)?;
        let signin = HubSignIn::new(invitation.hub.as_str())?;
        let grant = signin.join(&invitation.code).await?;
        self.signed_in(signin.hub(), grant).await
    }

    /// The desktop opened the app with a link: an invitation is offered to the main window
    /// (kept until it asks, should it not be listening yet); anything else is ignored.
    pub fn offer_invitation(&self, link: &str) {
        match Invitation::parse(link) {
            Ok(invitation) => {
                let offer = InvitationOffer {
                    hub: invitation.hub.as_str().trim_end_matches('/').to_owned(),
                    link: link.trim().to_owned(),
                };
                *self.invitation.lock().unwrap_or_else(|e| e.into_inner()) = Some(offer.clone());
                (self.ui)(UiEvent::Invitation(offer));
            }
            Err(e) => tracing::warn!(error = %e, "a link that is not an invitation was ignored"),
        }
    }

    /// The invitation the desktop handed over and the window has not taken yet.
    pub fn take_invitation(&self) -> Option<InvitationOffer> {
        self.invitation
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .take()
    }

    fn not_a_demo(&self) -> Result<()> {
        if self.mode == Mode::Demo {
            return Err(Error::Invalid(crate::i18n::text("signin-error-demo", &[])));
        }
        Ok(())
    }

    /// Keeps the token in the keyring and the hub in the settings (connected mode), and
    /// connects.
    async fn signed_in(self: &Arc<Self>, hub: &Url, grant: Grant) -> Result<SignedIn> {
        self.vault.set(SecretName::AgentToken, &grant.token)?;
        let hub = hub.as_str().trim_end_matches('/').to_owned();
        let mut settings = self.settings()?;
        settings.mode = ModeKind::Connected;
        settings.hub_url = hub.clone();
        let status = self.save_settings(settings).await?;
        Ok(SignedIn {
            email: grant.email,
            hub,
            status,
        })
    }
}

/// What the window hears after a sign-in.
#[derive(Debug, Clone, Serialize)]
pub struct SignedIn {
    /// The teammate's email.
    pub email: String,
    /// The hub's address.
    pub hub: String,
    /// The app's status, connected or on its way.
    pub status: super::Status,
}
