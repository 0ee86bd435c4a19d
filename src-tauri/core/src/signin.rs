//! Agents' sign-in: Intercom OAuth with PKCE, and invitations.
