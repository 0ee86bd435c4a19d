## The agents page.
agents-email = Email
agents-role = Role
agents-role-admin = Admin
agents-role-agent = Agent
agents-joined = Joined
agents-joined-token = Token made by an admin
agents-joined-oauth = Signed in with Intercom
agents-joined-invitation = Joined with an invitation
agents-joined-invited = Invited, not joined yet
agents-invited-until = Invitation open until { $until }
agents-since = Since
agents-last-seen = Last seen
agents-never-seen = Never
agents-streams = Open streams
agents-app = App version
agents-app-unknown = Unknown
agents-actions = Actions
agents-revoke = Revoke
agents-revoke-label = Revoke { $email }
agents-none = Nobody has a token or an invitation yet.
agents-revoked = { $email } was revoked: their token and open invitations no longer work; { $streams ->
    [0] they had no event stream open.
    [one] their one event stream was closed.
   *[other] their { $streams } event streams were closed.
}
agents-invite-title = Invite an agent
agents-invite-email = Their email (as in Intercom and Aircall)
agents-invite-admin = As an admin (sees every call and this console)
agents-invite = Invite
agents-invite-refused = The invitation was not made: { $why }
agents-invited-title = Invitation for { $email }
agents-invited-once = It is shown only now and works once, for { $days } days. Send it to the agent; "Revoke" cancels it.
agents-invited-app = To open in the Ringside app:
agents-invited-web = Or on the web:
