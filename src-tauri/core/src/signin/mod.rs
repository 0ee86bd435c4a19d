//! Agents' sign-in: "Sign in with Intercom" (OAuth, finished by the hub and handed to the
//! desktop app with RFC 7636's PKCE), and invitations for workspaces without an OAuth app.
//!
//! The exchange, so that no token travels in a URL:
//! 1. the app opens `<hub>/signin?port=&state=&code_challenge=`: [`SignIn::begin`] remembers
//!    them for [ten minutes](REQUEST_LIFETIME) under a state of the hub's own and answers
//!    Intercom's authorize page;
//! 2. Intercom sends the browser back to `<public_url>/signin/callback`: [`SignIn::finish`]
//!    exchanges the code, reads `GET /me` with the teammate's token (then drops it), checks
//!    the workspace and the list of who may sign in, and answers the app's loopback address
//!    with a one-time hub code (two minutes, bound to the app's challenge);
//! 3. the app posts the code and its verifier: [`SignIn::redeem`] gives the agent a fresh
//!    token.
//!
//! The admin console signs its admins in the same way, through the same callback (the one
//! redirect URL registered in the Intercom app): [`SignIn::begin_console`] remembers a request
//! for the console, and [`SignIn::finish`] answers [`Finished::Console`] with the admin's email
//! (a teammate of the hub's workspace on its `admins` list) for the console to open a session,
//! once the browser that finishes is the one that started.
//!
//! An invitation ([`invite`], [`join`]) is a single-use code an admin sends; it needs no
//! OAuth app. Every state and code is stored as a hash; the Intercom token is never stored.

mod oauth;
pub mod pkce;

pub use oauth::{OAuthError, Teammate};

use url::Url;

use crate::clock::Clock;
use crate::config::Config;
use crate::intercom::IntercomClient;
use crate::secret::Secret;
use crate::store::{random_code, Joined, Purpose, SignInRequest, Store, StoreError, Taken};

/// How long a sign-in may take between the app's request and Intercom's answer, in seconds.
pub const REQUEST_LIFETIME: i64 = 10 * 60;

/// How long a hub code works, in seconds.
pub const CODE_LIFETIME: i64 = 2 * 60;

/// An invitation's default lifetime, in days.
pub const INVITATION_DAYS: u32 = 7;

/// Who may sign in, besides being a teammate of the hub's workspace.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Allowed {
    /// A teammate with this email (lower case).
    Email(String),
    /// Any member of this Intercom team (its id).
    Team(String),
}

impl Allowed {
    /// Reads `team:<id>` or an email.
    pub fn parse(entry: &str) -> Result<Self, String> {
        let entry = entry.trim();
        match entry.get(..5) {
            Some(prefix) if prefix.eq_ignore_ascii_case("team:") => {
                let id = entry[5..].trim();
                if id.is_empty() {
                    Err(format!("`{entry}`: expected team:<the team's id>"))
                } else {
                    Ok(Allowed::Team(id.to_owned()))
                }
            }
            _ if entry.contains('@') => Ok(Allowed::Email(entry.to_lowercase())),
            _ => Err(format!("`{entry}` is neither an email nor team:<id>")),
        }
    }

    fn admits(&self, teammate: &Teammate) -> bool {
        match self {
            Allowed::Email(email) => teammate.email.as_deref() == Some(email.as_str()),
            Allowed::Team(id) => teammate.team_ids.iter().any(|t| t == id),
        }
    }
}

/// Sign-in with Intercom's settings, complete.
#[derive(Clone)]
pub struct SignInConfig {
    /// The hub's public address (`<public_url>/signin/callback` is the redirect URL).
    pub public_url: Url,
    /// The Intercom app's client id.
    pub client_id: String,
    /// The Intercom app's client secret.
    pub client_secret: Secret,
    /// The host of Intercom's authorize page (`https://app.intercom.com` in the US region).
    pub app_url: Url,
    /// Who may sign in; empty: every teammate of the hub's workspace.
    pub allow: Vec<Allowed>,
    /// The admins' emails (lower case), for the admin console.
    pub admins: Vec<String>,
}

impl std::fmt::Debug for SignInConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SignInConfig")
            .field("public_url", &self.public_url.as_str())
            .field("client_id", &self.client_id)
            .field("app_url", &self.app_url.as_str())
            .field("allow", &self.allow)
            .field("admins", &self.admins)
            .finish_non_exhaustive()
    }
}

impl SignInConfig {
    /// The settings from the configuration; `None` (sign-in off) unless the public URL, the
    /// client id and the client secret are all set.
    pub fn from_config(config: &Config) -> Result<Option<Self>, String> {
        let settings = &config.signin;
        let (Some(public_url), Some(client_id), Some(client_secret)) = (
            settings.public_url.clone(),
            settings.intercom_client_id.clone(),
            config.intercom_client_secret.clone(),
        ) else {
            return Ok(None);
        };
        Ok(Some(SignInConfig {
            public_url,
            client_id,
            client_secret,
            app_url: settings.intercom_app_url.clone(),
            allow: settings
                .allow
                .iter()
                .map(|entry| Allowed::parse(entry))
                .collect::<Result<_, _>>()?,
            admins: settings.admins.iter().map(|a| a.to_lowercase()).collect(),
        }))
    }

    /// The redirect URL to register in the Intercom app.
    pub fn callback_url(&self) -> String {
        format!(
            "{}/signin/callback",
            self.public_url.as_str().trim_end_matches('/')
        )
    }

    /// Whether this email is one of the admins'.
    pub fn is_admin(&self, email: &str) -> bool {
        let email = email.trim().to_lowercase();
        self.admins.contains(&email)
    }
}

/// Why a sign-in or an invitation was refused, in words for the agent.
#[derive(Debug, thiserror::Error)]
pub enum SignInError {
    /// The app's request is malformed.
    #[error("{0}")]
    BadRequest(String),
    /// The hub's state is unknown: forged, used, or older than ten minutes.
    #[error(
        "this sign-in is unknown or older than ten minutes; start again from the Ringside app"
    )]
    UnknownState,
    /// The teammate (or Intercom) did not approve.
    #[error("Intercom did not approve the sign-in ({0}); start again from the Ringside app")]
    NotApproved(String),
    /// Intercom's side failed.
    #[error(transparent)]
    Intercom(#[from] OAuthError),
    /// The hub's own Intercom token could not say which workspace it belongs to.
    #[error("the hub could not read its own Intercom workspace: {0}")]
    HubWorkspace(String),
    /// The teammate belongs to another workspace than the hub's.
    #[error("{email} belongs to another Intercom workspace than this hub's; sign in to the hub's workspace")]
    OtherWorkspace {
        /// The teammate's email (or name).
        email: String,
    },
    /// Intercom gave no email for the teammate.
    #[error("Intercom did not give this teammate's email, so the hub cannot tell who they are")]
    NoEmail,
    /// The teammate is not on the list of who may sign in.
    #[error("{0} may not sign in to this hub; ask its admin to add you to signin_allow")]
    NotAllowed(String),
    /// The teammate signed in to the admin console but is not on the hub's admin list.
    #[error("{0} is not an admin of this hub; ask its admin to add you to admins")]
    NotAdmin(String),
    /// The hub code is not one the hub issued.
    #[error("this sign-in code is unknown; sign in again")]
    UnknownCode,
    /// The hub code was used already.
    #[error("this sign-in code was used already; sign in again")]
    UsedCode,
    /// The hub code expired.
    #[error("this sign-in code expired (it works for two minutes); sign in again")]
    ExpiredCode,
    /// The verifier does not match the challenge the code is bound to.
    #[error("the code verifier does not match the sign-in's challenge; sign in again")]
    WrongVerifier,
    /// The invitation is not one the hub made.
    #[error("this invitation is unknown; ask your admin for a new one")]
    UnknownInvitation,
    /// The invitation was used already.
    #[error("this invitation was used already; ask your admin for a new one")]
    UsedInvitation,
    /// The invitation expired.
    #[error("this invitation expired; ask your admin for a new one")]
    ExpiredInvitation,
    /// An admin revoked the invitation.
    #[error("this invitation was revoked; ask your admin for a new one")]
    RevokedInvitation,
    /// The database failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl SignInError {
    /// The OAuth error code (RFC 6749 §4.1.2.1) the app's loopback listener gets with a
    /// refusal: `access_denied` when the teammate may not get in, `server_error` when the hub
    /// or Intercom failed.
    pub fn oauth_code(&self) -> &'static str {
        match self {
            SignInError::NotApproved(_)
            | SignInError::OtherWorkspace { .. }
            | SignInError::NoEmail
            | SignInError::NotAllowed(_)
            | SignInError::NotAdmin(_) => "access_denied",
            _ => "server_error",
        }
    }

    /// The words the app shows: the refusal itself, or, for the hub's own storage failing,
    /// a sentence without the database's details.
    pub fn for_the_app(&self) -> String {
        match self {
            SignInError::Store(_) => {
                "the hub could not record the sign-in; try again in a minute".to_owned()
            }
            other => other.to_string(),
        }
    }
}

/// A token issued to an agent, shown once.
#[derive(Debug)]
pub struct Issued {
    /// The agent's new token.
    pub token: Secret,
    /// Whose it is (lower case).
    pub email: String,
}

/// What Intercom sent to `/signin/callback`.
#[derive(Debug, Clone, Default)]
pub struct Callback {
    /// The hub's state.
    pub state: Option<String>,
    /// The authorization code, when approved.
    pub code: Option<String>,
    /// Intercom's error (`access_denied`), when not.
    pub error: Option<String>,
    /// The state the browser keeps from [`SignIn::begin_console`] (a cookie), which a console
    /// sign-in must come back with.
    pub browser_state: Option<String>,
}

/// How a sign-in ended, by whom it was for.
#[derive(Debug)]
pub enum Finished {
    /// The app's: the address of its loopback listener, with a one-time code or the refusal.
    App(Url),
    /// The console's: the admin's email (lower case), or why they may not get in.
    Console(Result<String, SignInError>),
}

/// Sign-in with Intercom, for one hub.
#[derive(Clone)]
pub struct SignIn {
    config: SignInConfig,
    store: Store,
    intercom: IntercomClient,
    oauth: oauth::OAuthClient,
    clock: Clock,
}

impl std::fmt::Debug for SignIn {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SignIn")
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

impl SignIn {
    /// Sign-in for the hub whose Intercom client is `intercom` (its host also answers the
    /// exchange and `/me`).
    pub fn new(
        config: SignInConfig,
        store: Store,
        intercom: IntercomClient,
        clock: Clock,
    ) -> Result<Self, SignInError> {
        let oauth = oauth::OAuthClient::new(
            intercom.base_url().clone(),
            config.client_id.clone(),
            config.client_secret.clone(),
        )?;
        Ok(SignIn {
            config,
            store,
            intercom,
            oauth,
            clock,
        })
    }

    /// The settings.
    pub fn config(&self) -> &SignInConfig {
        &self.config
    }

    fn now(&self) -> i64 {
        (self.clock)()
    }

    /// Step 1: remembers the app's request and answers the address of Intercom's authorize
    /// page to send the browser to.
    pub async fn begin(
        &self,
        port: u16,
        app_state: &str,
        code_challenge: &str,
        method: Option<&str>,
    ) -> Result<Url, SignInError> {
        if port == 0 {
            return Err(SignInError::BadRequest(
                "`port` must be the app's loopback port (1 to 65535)".into(),
            ));
        }
        if app_state.is_empty() || app_state.len() > 512 || app_state.chars().any(char::is_control)
        {
            return Err(SignInError::BadRequest(
                "`state` must be 1 to 512 printable characters".into(),
            ));
        }
        if let Some(method) = method.filter(|m| *m != "S256") {
            return Err(SignInError::BadRequest(format!(
                "`code_challenge_method` {method} is not supported; use S256"
            )));
        }
        if !pkce::is_challenge(code_challenge) {
            return Err(SignInError::BadRequest(
                "`code_challenge` must be base64url(SHA-256(verifier)) without padding (43 characters)"
                    .into(),
            ));
        }
        let hub_state = random_code()?;
        let now = self.now();
        let request = SignInRequest {
            port,
            app_state: app_state.to_owned(),
            code_challenge: code_challenge.to_owned(),
            created_at: now,
            purpose: Purpose::App,
        };
        self.remember(&hub_state, request).await
    }

    /// The console's step 1: remembers a sign-in for the console and answers the address of
    /// Intercom's authorize page and the hub's state, which the browser keeps (a cookie) to
    /// show at the callback that it is the one that started.
    pub async fn begin_console(&self) -> Result<(Url, Secret), SignInError> {
        let hub_state = random_code()?;
        let request = SignInRequest {
            port: 0,
            app_state: String::new(),
            code_challenge: String::new(),
            created_at: self.now(),
            purpose: Purpose::Console,
        };
        let url = self.remember(&hub_state, request).await?;
        Ok((url, hub_state))
    }

    /// Stores a sign-in under `hub_state` (forgetting old ones) and answers the authorize
    /// page's address.
    async fn remember(
        &self,
        hub_state: &Secret,
        request: SignInRequest,
    ) -> Result<Url, SignInError> {
        let now = request.created_at;
        let state = hub_state.expose().to_owned();
        self.store
            .run(move |s| s.add_signin_request(&state, &request, now - REQUEST_LIFETIME))
            .await?;
        let mut url = self.config.app_url.clone();
        let base = url.path().trim_end_matches('/').to_owned();
        url.set_path(&format!("{base}/oauth"));
        url.query_pairs_mut()
            .append_pair("client_id", &self.config.client_id)
            .append_pair("state", hub_state.expose())
            .append_pair("redirect_uri", &self.config.callback_url());
        Ok(url)
    }

    /// Step 2: Intercom's answer. Once the hub knows the sign-in (its state), the answer is
    /// the address of the app's loopback listener with the app's state and either a one-time
    /// hub code or, when the teammate may not get in, `error` and `error_description` in
    /// words (RFC 6749 §4.1.2.1's shape), so the app can say why. A state the hub does not
    /// know is refused here, since there is no app to tell.
    ///
    /// A console's sign-in answers [`Finished::Console`]: the admin's email, or the refusal
    /// (not a teammate of the hub's workspace, not on its `admins` list, or a browser other
    /// than the one that started).
    pub async fn finish(&self, callback: Callback) -> Result<Finished, SignInError> {
        let state = callback.state.ok_or(SignInError::UnknownState)?;
        let taken = state.clone();
        let request = self
            .store
            .run(move |s| s.take_signin_request(&taken))
            .await?
            .filter(|r| r.created_at >= self.now() - REQUEST_LIFETIME)
            .ok_or(SignInError::UnknownState)?;
        if request.purpose == Purpose::Console {
            if callback.browser_state.as_deref() != Some(state.as_str()) {
                tracing::info!("a console sign-in came back to another browser than its own");
                return Ok(Finished::Console(Err(SignInError::UnknownState)));
            }
            let answer = self.approve_admin(callback.code, callback.error).await;
            if let Err(e) = &answer {
                tracing::info!(reason = %e, "a console sign-in was refused");
            }
            return Ok(Finished::Console(answer));
        }
        let mut url = Url::parse(&format!("http://127.0.0.1:{}/signed-in", request.port))
            .map_err(|e| SignInError::BadRequest(e.to_string()))?;
        match self.approve(callback.code, callback.error, &request).await {
            Ok(hub_code) => {
                url.query_pairs_mut()
                    .append_pair("code", hub_code.expose())
                    .append_pair("state", &request.app_state);
            }
            Err(e) => {
                tracing::info!(reason = %e, "a sign-in was refused; the app is told why");
                url.query_pairs_mut()
                    .append_pair("error", e.oauth_code())
                    .append_pair("error_description", &e.for_the_app())
                    .append_pair("state", &request.app_state);
            }
        }
        Ok(Finished::App(url))
    }

    /// The teammate Intercom approved, once the code is exchanged and `/me` read (the
    /// teammate's token lives only here).
    async fn approved_teammate(
        &self,
        code: Option<String>,
        error: Option<String>,
    ) -> Result<Teammate, SignInError> {
        if let Some(error) = error {
            return Err(SignInError::NotApproved(error));
        }
        let code = code
            .filter(|c| !c.is_empty())
            .ok_or_else(|| SignInError::NotApproved("no code".into()))?;
        let token = self.oauth.exchange(&code).await?;
        Ok(self.oauth.teammate(&token).await?)
    }

    /// A console sign-in's approval checked: a teammate of the hub's workspace on its admin
    /// list (the list of who may sign in to the app does not apply).
    async fn approve_admin(
        &self,
        code: Option<String>,
        error: Option<String>,
    ) -> Result<String, SignInError> {
        let teammate = self.approved_teammate(code, error).await?;
        let email = self.admit(&teammate, Purpose::Console).await?;
        if !self.config.is_admin(&email) {
            return Err(SignInError::NotAdmin(email));
        }
        tracing::info!(email = %email, "an admin signed in to the console with Intercom");
        Ok(email.to_lowercase())
    }

    /// Intercom's approval checked: the code exchanged, the teammate read and admitted, and a
    /// hub code issued for them.
    async fn approve(
        &self,
        code: Option<String>,
        error: Option<String>,
        request: &SignInRequest,
    ) -> Result<Secret, SignInError> {
        let teammate = self.approved_teammate(code, error).await?;
        let email = self.admit(&teammate, Purpose::App).await?;
        let hub_code = random_code()?;
        let expires = self.now() + CODE_LIFETIME;
        let (kept, challenge) = (hub_code.clone(), request.code_challenge.clone());
        let who = email.clone();
        self.store
            .run(move |s| s.add_hub_code(&kept, &who, &challenge, expires))
            .await?;
        tracing::info!(email = %email, "signed in with Intercom; the app redeems its code next");
        Ok(hub_code)
    }

    /// The teammate's email when they may sign in: the hub's workspace, then, for the app,
    /// the list.
    async fn admit(&self, teammate: &Teammate, purpose: Purpose) -> Result<String, SignInError> {
        let intercom = self.intercom.clone();
        let hub = crate::directory::intercom_identity(
            &self.store,
            self.intercom.identity_key(),
            move || async move {
                intercom
                    .me()
                    .await
                    .map_err(|e| SignInError::HubWorkspace(e.words()))
            },
        )
        .await?;
        let who = || {
            teammate
                .email
                .clone()
                .unwrap_or_else(|| teammate.name.clone())
        };
        if teammate.workspace_id != hub.workspace_id {
            return Err(SignInError::OtherWorkspace { email: who() });
        }
        let email = teammate.email.clone().ok_or(SignInError::NoEmail)?;
        if purpose == Purpose::App
            && !self.config.allow.is_empty()
            && !self.config.allow.iter().any(|a| a.admits(teammate))
        {
            return Err(SignInError::NotAllowed(email));
        }
        Ok(email)
    }

    /// Step 3: the app's hub code and verifier for the agent's token. A code works once, for
    /// two minutes, with its verifier only; any attempt uses it.
    pub async fn redeem(&self, code: &str, verifier: &str) -> Result<Issued, SignInError> {
        let now = self.now();
        let owned = code.to_owned();
        let taken = self
            .store
            .run(move |s| s.take_hub_code(&owned, now))
            .await?;
        let content = match taken {
            Taken::Fresh(content) => content,
            Taken::Unknown | Taken::Revoked => return Err(SignInError::UnknownCode),
            Taken::Used(_) => return Err(SignInError::UsedCode),
            Taken::Expired(_) => return Err(SignInError::ExpiredCode),
        };
        if !pkce::verifies(verifier, &content.code_challenge) {
            return Err(SignInError::WrongVerifier);
        }
        let email = content.email;
        let who = email.clone();
        let token = self
            .store
            .run(move |s| s.issue_agent_token(&who, Joined::OAuth, now))
            .await?;
        Ok(Issued { token, email })
    }
}

/// Makes a single-use invitation for `email` (an admin agent's when `admin`) that works for
/// `days` days, and returns its code (shown once).
pub fn invite(
    store: &Store,
    email: &str,
    admin: bool,
    days: u32,
    now: i64,
) -> Result<Secret, SignInError> {
    let email = email.trim().to_lowercase();
    if !email.contains('@') {
        return Err(SignInError::BadRequest(format!(
            "`{email}` is not an email address"
        )));
    }
    if !(1..=90).contains(&days) {
        return Err(SignInError::BadRequest(format!(
            "an invitation works 1 to 90 days, not {days}"
        )));
    }
    Ok(store.add_invitation(&email, admin, now, now + i64::from(days) * 86_400)?)
}

/// The link an agent opens to join with an invitation's code.
pub fn join_link(hub: &str, code: &Secret) -> String {
    let mut url = String::from("ringside://join?");
    url.push_str(
        &url::form_urlencoded::Serializer::new(String::new())
            .append_pair("hub", hub.trim_end_matches('/'))
            .append_pair("code", code.expose())
            .finish(),
    );
    url
}

/// The same invitation as a web address on the hub (`GET /join`), for a mail client that
/// hides custom schemes: the page there links to [`join_link`].
pub fn join_web_link(public_url: &str, code: &Secret) -> String {
    let query = url::form_urlencoded::Serializer::new(String::new())
        .append_pair("code", code.expose())
        .finish();
    format!("{}/join?{query}", public_url.trim_end_matches('/'))
}

/// Exchanges an invitation's code for the invited agent's token, once.
pub async fn join(store: &Store, code: &str, now: i64) -> Result<Issued, SignInError> {
    let owned = code.to_owned();
    match store.run(move |s| s.redeem_invitation(&owned, now)).await? {
        Taken::Fresh((email, token)) => Ok(Issued { token, email }),
        Taken::Unknown => Err(SignInError::UnknownInvitation),
        Taken::Used(_) => Err(SignInError::UsedInvitation),
        Taken::Expired(_) => Err(SignInError::ExpiredInvitation),
        Taken::Revoked => Err(SignInError::RevokedInvitation),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn teammate(email: &str, teams: &[&str]) -> Teammate {
        Teammate {
            id: "1".into(),
            name: "Bob".into(),
            email: Some(email.into()),
            workspace_id: "w".into(),
            team_ids: teams.iter().map(|t| t.to_string()).collect(),
        }
    }

    #[test]
    fn the_list_admits_by_email_or_team() {
        let email = Allowed::parse("Bob@Acme.io").unwrap();
        let team = Allowed::parse("team:42").unwrap();
        assert_eq!(team, Allowed::Team("42".into()));
        assert!(email.admits(&teammate("bob@acme.io", &[])));
        assert!(!email.admits(&teammate("alice@acme.io", &["42"])));
        assert!(team.admits(&teammate("alice@acme.io", &["7", "42"])));
        assert!(!team.admits(&teammate("alice@acme.io", &["420"])));
        assert!(Allowed::parse("team:").is_err());
        assert!(Allowed::parse("bob").is_err());
    }

    #[test]
    fn a_join_link_carries_the_hub_and_the_code() {
        let link = join_link("https://hub.acme.io/", &Secret::new("abc-_1"));
        assert_eq!(
            link,
            "ringside://join?hub=https%3A%2F%2Fhub.acme.io&code=abc-_1"
        );
    }
}
