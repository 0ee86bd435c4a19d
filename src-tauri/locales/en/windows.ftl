# The windows' words (ui/): the main window and the card. An element of ui/*.html names its
# message with data-l10n-id; a message's attributes (.placeholder, .title, .aria-label) go on
# the element's attributes of that name. Every message has its twin in ../fr/windows.ftl.

## Shared by both windows.

status-line = { $state } · { $mode }
status-queued = { $count } queued
status-kept = { $count } kept until the token is fixed
status-paused = notifications paused
status-unauthorized = The hub refuses the agent token: fix it in Settings
delivery-sent = Sent to the hub; it reaches Intercom in a moment.
delivery-queued = Queued: it is sent when the hub is back.
delivery-waiting-for-token = Kept here: the hub refuses the agent token (rotated or mistyped). It is sent once the token is fixed in Settings.
availability-title = { $availability ->
    [available] Available
    [in_call] In a call
    [after_call_work] After-call work
    [do_not_disturb] Do not disturb
    [offline] Offline
   *[other] Availability unknown
  }
kind = { $kind ->
    [user] User
   *[lead] Lead
  }
anonymous-caller = Anonymous caller

## The main window: its tabs.

tab-history = History
tab-settings = Settings
tab-about = About
tabs =
    .aria-label = Sections

## The first run's setup.

setup-title = Welcome to Ringside
setup-intro = How should this computer get its calls? You can change it later in Settings.
setup-connected = Connect to my company's hub
setup-connected-detail = Your admin gave you the hub's address.
setup-standalone = Go standalone
setup-standalone-detail = Your own Aircall API key and Intercom token; Ringside runs its own hub on this computer.
setup-demo = Try the demo
setup-demo-detail = A built-in sandbox plays calls every few seconds; nothing touches your accounts.
demo-starting = Starting the demo…

## Connecting to a hub: its address, then Intercom or an invitation.

signin-title = Connect to your company's hub
signin-intro = Type the hub's address your admin gave you, then sign in with your Intercom account.
label-signin-hub = Hub address
signin-hub =
    .placeholder = https://ringside.example.com
signin-intercom = Sign in with Intercom
signin-waiting = Your browser shows the hub's sign-in page: finish there, and Ringside carries on by itself. Ringside waits up to 10 minutes; Cancel stops waiting.
signin-cancel = Cancel
signin-invitation = I have an invitation link
label-invitation-link = Invitation link
invitation-link =
    .placeholder = ringside://join?hub=…&code=…
signin-join = Join
signin-joining = Joining the hub…
signin-invitation-arrived = An invitation to { $hub } arrived. Press Join to accept it.
signin-token = Advanced: paste an agent token instead
signin-done = Signed in as { $email } at { $hub }. { $status }
signin-back = Back

## The history.

sync-title = Contact sync
sync-last = Last { $kind ->
    [full] full
   *[incremental] incremental
  } run { $when }: { $indexed } contacts indexed, { $written } Aircall writes{ $failed ->
    [0] {""}
   *[other] , { $failed } refused by Aircall
  }.
sync-no-run = No run has finished yet.
sync-last-error = Last error: { $error }
sync-unknown = Unknown: { $error }
history-title = Logging history
history-offline = (offline — as of { $when })
history-when = When
history-what = What
held-back-waiting = { $count ->
    [one] {" "}— 1 of your notes or tags waits until it is logged
   *[other] {" "}— { $count } of your notes and tags wait until it is logged
  }
held-back-off = { $count ->
    [one] {" "}— 1 of your notes or tags did not reach Intercom
   *[other] {" "}— { $count } of your notes and tags did not reach Intercom
  }
see-conversation = See conversation

## Settings.

demo-note = Demo mode runs on the built-in sandbox; these settings apply when Ringside runs without --demo.
legend-language = Language
label-language = Language of the app
language-system = Same as the system
language-en = English
language-fr = Français
legend-mode = Mode
mode-connected = Connected to my company's hub
mode-standalone = Standalone (my own Aircall and Intercom credentials)
legend-hub = Hub
label-hub-url = Hub URL
hub-url =
    .placeholder = https://ringside.example.com
label-agent-token = Agent token
secret-kept =
    .placeholder = kept in the OS keyring
secret-saved = saved in the OS keyring (type to replace)
legend-credentials = Credentials
label-agent-email = Your email
label-aircall-api-id = Aircall API id
label-aircall-api-token = Aircall API token
label-intercom-token = Intercom token
label-intercom-region = Intercom region
region-us = US
region-eu = EU
region-au = Australia
legend-receiving = Receiving calls
receiving-note = Aircall delivers calls over the internet. Forward a public https address (a tunnel such as cloudflared or ngrok, or a reverse proxy) to { $address } on this computer, enter it here, save, and register it.
label-webhook-port = Port on this computer
label-webhook-url = Public address
webhook-url =
    .placeholder = https://calls.example.com
register-webhook = Register with Aircall
webhook-registered = Registered with Aircall: { $url }
webhook-not-registered = Not registered with Aircall yet: no calls arrive in standalone mode until it is.
webhook-now-registered = Registered with Aircall: calls now arrive at { $url }.
through-proxy = Through a proxy
label-intercom-base-url = Intercom base URL
intercom-base-url =
    .placeholder = the region's host
label-aircall-base-url = Aircall base URL
aircall-base-url =
    .placeholder = https://api.aircall.io
legend-integration = Integration
integration-hub-note = Set by your hub's admin: what the hub logs into Intercom and how it copies contacts to Aircall.
integration-app-note = What the hub in this app logs into Intercom, and how it copies contacts to Aircall.
log-answered-calls = Log answered calls
log-missed-calls = Log missed calls
log-outbound-calls = Log outbound calls
log-messages = Log SMS and WhatsApp messages
create-contacts = Create an Intercom contact for an unknown number
new-contact-role = Contacts it creates are
role-lead = Leads
role-user = Users
message-fallback = An inbound message with no single teammate goes to
fallback-unassigned = nobody (Intercom's own rules)
fallback-admin = the integration admin
tag-window-before = Aircall tags reach Intercom until
tag-window-after = minutes after the call
tag-window-name = The tag window
push-insight-cards = Show the card in Aircall's phone app
sync-enabled = Copy Intercom contacts to Aircall
sync-roles = Contacts to copy
roles-both = Users and Leads
roles-users = Users
roles-leads = Leads
sync-interval-before = Sync every
sync-interval-after = minutes
sync-interval-name = The time between contact syncs
sync-full-before = A full sync (it finds deleted contacts) every
sync-full-after = hours
sync-full-name = The time between full contact syncs
not-whole-number = { $field } must be a whole number
legend-calls = Calls
label-default-region = Default region for national numbers
label-card = Open the card
card-on-ring = when the call rings
card-on-answer = when I answer
card-never = never by itself
label-notifications = Notify me of incoming calls
label-start-with-session = Start Ringside when I log in
save-and-check = Save and check
check-again = Check again
checking = Checking…
saved = Saved. { $status }

## The hub's integration settings, read-only in connected mode.

hub-answered = Answered calls
hub-missed = Missed calls
hub-outbound = Outbound calls
hub-messages = SMS and WhatsApp
hub-logged = { $logged ->
    [yes] logged
   *[no] not logged
  }
hub-unknown-numbers = Unknown numbers
hub-create-contacts = { $create ->
    [yes] get a new contact
   *[no] are not logged
  }
hub-new-contacts = New contacts are
hub-fallback = Unmatched messages go to
hub-fallback-value = { $fallback ->
    [integration_admin] the integration admin
   *[other] nobody (Intercom's rules)
  }
hub-tag-window = Aircall tags sync for
hub-tag-window-value = { $minutes } minutes after the call
hub-push-cards = Card in Aircall's phone app
hub-shown = { $shown ->
    [yes] shown
   *[no] not shown
  }
hub-sync = Contact sync
hub-sync-value = { $roles } to Aircall every { $minutes } minutes, a full sync every { $hours } hours
hub-sync-off = off
not-available = Not available: { $error }

## About.

about-title = About Ringside
about-what = Ringside shows who is calling — the Intercom User or Lead, their last conversation, who owns it and whether that owner is free — and logs every Aircall call and message into Intercom.
about-secrets = Secrets are kept in the OS keyring only. Tags and notes typed while the hub is unreachable are kept on this computer and sent once it is back.
about-hub = Hub: { $hub }{ $reason }
about-not-connected = Not connected{ $reason }

## The card.

card-empty = No call yet. The card opens when a call rings.
card-footer = Alt+N note · Alt+T tag · Esc close
card-new = Aircall new { $kind ->
    [user] user
   *[lead] lead
  }
card-anonymous = Anonymous
card-shared = { $count } contacts share this number
see-contact = See contact page
see-last-conversation = See last conversation
conversation = Conversation:{" "}
conversation-state = { $state ->
    [open] open
    [closed] closed
    [snoozed] snoozed
   *[other] { $state }
  }
owner = Owner:{" "}
unassigned = unassigned
conversation-tags = Tags:{" "}
conversation-tags-list =
    .aria-label = Tags of the last conversation
no-conversation = No previous conversation
timer = { $state ->
    [ended] Ended
    [transferred] Transferred
    [in_call] In call
   *[ringing] Ringing
  } · { $duration }
picker-label = Shared number
picker-choose = Choose the contact to log this call to…
picker-option = { $name } ({ $kind ->
    [user] User
   *[lead] Lead
  })
picker-first = Choose a contact first.
picker-logged = The call will be logged to this contact.
picker-log = Log to this contact
chip-state = { $state ->
    [applied] on the conversation in Intercom
    [adding] on its way to Intercom
    [removing] being removed in Intercom
    [sent] sent to the hub
    [queued] kept here until the hub is back (or the agent token is fixed)
    [waiting] accepted; it waits until the call is logged
    [failed] refused
   *[other] { $state }
  }
remove-tag =
    .aria-label = Remove tag { $tag }
tags-title = Tags
tags-where-logged = Tags of this call's conversation in Intercom.
tags-where-not-logged = Tags go on this call's conversation once it is logged.
tags-error = Intercom's tags could not be read: { $error }
tag-input =
    .placeholder = Add a tag (Alt+T)
    .aria-label = Add a tag
tag-too-long = A tag has at most { $max } characters.
add-tag = Add
notes-title = Notes
note-state = { $state ->
    [sent] sent
    [queued] queued
    [waiting] waiting
    [failed] failed
   *[other] { $state }
  }
note-input =
    .placeholder = A note for the conversation (Alt+N; Ctrl+Enter saves)
    .aria-label = A note for the conversation
note-count = { $count } / { $max } characters: too long
note-too-long = A note has at most { $max } characters; this one has { $count }.
save-note = Save note

## The history's dial box, filters and actions, and message cards.

dial-label = Call a number
dial-call = Call
calling = Calling…
filters =
    .aria-label = Show
filter-all = All
filter-missed = Missed
filter-not-logged = Not logged
history-who = Who
history-duration = Duration
history-intercom = Intercom
history-actions = Actions
history-empty = Nothing to show.
choose-contact = Choose contact
call-back = Call back
unknown-number = Unknown number
label-popups = Pop up a card for
popups-calls-and-messages = calls and messages (SMS, WhatsApp)
popups-calls-only = calls only
