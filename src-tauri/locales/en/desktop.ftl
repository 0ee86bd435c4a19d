# The desktop shell's words: the tray menu, desktop notifications and the errors the agent reads.
# Every message here has its twin in ../fr/desktop.ftl, with the same placeholders.

## The connection and mode, shared by the tray and the windows' status line.

connection-connected = Connected
connection-connecting = Connecting…
connection-reconnecting = Reconnecting (attempt { $attempt })…
connection-offline = Offline
connection-unauthorized = The hub refuses the agent token
mode-name = { $mode ->
    [connected] connected
    [standalone] standalone
    [demo] demo
    [not-set-up] not set up
   *[other] { $mode }
  }
call-state = { $state ->
    [ringing] ringing
    [answered] in call
    [transferred] transferred
    [ended] ended
    [missed] missed
   *[other] { $state }
  }

## The tray.

tray-status = { $state } — { $mode }
tray-kept-until-fixed = , { $count } kept until the token is fixed in Settings
tray-fix-token = , fix the token in Settings
tray-queued = , { $count } queued
tray-paused = , notifications paused
tray-tooltip = Ringside — { $status }
tray-recent = { $name } — { $state }
tray-recent-calls = Recent calls
tray-pause = Pause notifications
tray-history = History
tray-settings = Settings…
tray-quit = Quit Ringside
unknown-caller = Unknown caller

## Desktop notifications.

notify-incoming = Incoming call: { $who }
notify-who-new = { $name } — Aircall new { $kind ->
    [user] user
   *[lead] lead
  }
notify-who-anonymous = Anonymous caller
notify-who-shared = { $name } — { $count } contacts share this number
notify-who-known = { $name } ({ $kind ->
    [user] User
   *[lead] Lead
  })
notify-owner = Conversation owner: { $owner }
notify-owner-availability = Conversation owner: { $owner } ({ $availability })
notify-no-conversation = No previous conversation
notify-unassigned = The conversation is unassigned
notify-show-card = Show the card
availability = { $availability ->
    [available] available
    [in-call] in a call
    [after-call-work] after-call work
    [do-not-disturb] do not disturb
   *[offline] offline
  }

## Errors the agent reads (they cross to the windows as code and message).

error-keyring = no keyring service is available ({ $detail }); start and unlock GNOME Keyring or KWallet — Ringside keeps its secrets nowhere else
error-not-configured = { $what } is not set; open Settings
error-hub = the hub refused: { $detail }
error-offline = the hub cannot be reached ({ $detail }); showing what was kept locally
error-storage = local storage: { $detail }
error-window = window: { $detail }
setting-hub-url = the hub URL
setting-agent-token = the agent token
setting-agent-email = your email
setting-aircall-api-id = the Aircall API id
setting-aircall-api-token = the Aircall API token
setting-intercom-token = the Intercom token
setting-webhook-port = the port on this computer for webhooks
setting-webhook-url = the public https address for webhooks
error-default-region = default region `{ $value }` is not a country code such as FR or US
error-intercom-region = Intercom region `{ $value }` is not us, eu or au
error-web-address = { $what ->
    [hub] hub URL
    [intercom] Intercom base URL
   *[aircall] Aircall base URL
  } `{ $value }` is not an http(s) address, or is plain http off this machine (use https://: only on this machine can no one on the network read the tokens)
error-webhook-https = webhook address `{ $value }` is not an https address: Aircall only delivers to https
error-email = `{ $value }` is not an email address
error-empty = the { $what ->
    [note] note
    [contact] contact
   *[tag] tag
  } is empty
error-too-long = the { $what ->
    [note] note
    [contact] contact
   *[tag] tag
  } is longer than { $max } characters

## Contact sync's line in the main window.

sync-off = Contact sync is off
sync-scanning = Reading Intercom: { $count } contacts read{ $percent }
sync-pushing = Writing to Aircall: { $count } written{ $percent }
sync-percent = {" "}({ $percent }%)
sync-stopped = Stopped early; it resumes at the next run
sync-done = Up to date
sync-idle = Waiting for the first run
sync-eta = , about { $left } left
sync-waiting = {" "}— waiting: { $why }
sync-stopped-ask-admin = the last run stopped before its end; your admin can read why on the hub

## The setup's checks (Settings → Save and check).

check-region = Default region
check-region-ok = national numbers are read as { $region } numbers
check-hub = Hub
check-hub-none = no address yet: enter the hub URL your admin gave you.
check-hub-up = { $url } is up ({ $count } events being logged)
check-hub-down = cannot reach { $url } ({ $error }). Check the address, and that the hub runs.
check-agent-token = Agent token
check-token-none = none saved: paste the token your admin created for you (`ringside-cli agents add`).
check-token-ok = the hub accepts it
check-token-refused = the hub refused it: it may be mistyped or revoked; ask your admin for a new one.
check-keyring = Keyring
check-email = Your email
check-email-none = not set: enter the email of your Intercom and Aircall accounts.
check-credentials = Credentials

## The history and calling back (src/desk/words.rs).

words-inbound-call = Inbound call
words-outbound-call = Outbound call
words-missed-call = Missed call
words-inbound-sms = Inbound SMS
words-outbound-sms = Outbound SMS
words-inbound-whatsapp = Inbound WhatsApp
words-outbound-whatsapp = Outbound WhatsApp
words-anonymous-caller = Anonymous caller
words-logged = Logged
words-in-progress = In progress
words-waiting-for-intercom = Waiting for Intercom
words-not-logged-shared = Not logged: { $count } contacts share this number — choose one
words-not-logged-missed-off = Not logged: logging of missed calls is off
words-not-logged-answered-off = Not logged: logging of answered calls is off
words-not-logged-outbound-off = Not logged: logging of outbound calls is off
words-not-logged-messages-off = Not logged: logging of SMS and WhatsApp messages is off
words-not-logged-because = Not logged: { $reason }
words-not-logged-refused = Not logged: Intercom refused it ({ $reason })
words-refused-note = Intercom refused the note “{ $value }”: { $reason }
words-refused-add-tag = Intercom refused the tag “{ $value }”: { $reason }
words-refused-remove-tag = Intercom did not take the tag “{ $value }” off: { $reason }
words-new-sms = New SMS
words-new-whatsapp = New WhatsApp message
words-dial-placed = { $number } is in your Aircall phone: press call there.
words-dial-not-a-number = Not a number: “{ $number }” cannot be called.
words-dial-no-user = No Aircall user has your email: ask your admin to add you to Aircall with it.
words-dial-refused = Aircall did not place the call: you are offline or unavailable in Aircall ({ $reason }).
words-dial-no-aircall = The hub has no Aircall account, so it cannot place calls.
words-dial-offline = The hub cannot be reached, so the call was not placed ({ $reason }).
words-dial-failed = The call was not placed: { $reason }

## The hub's reasons, by code (`reason_code`), with the values it sends (`reason_values`): why a
## call or message is not logged (after "Not logged: "), and why a number was not dialled.
reason-answered-calls-off = logging of answered calls is off
reason-missed-calls-off = logging of missed calls is off
reason-outbound-calls-off = logging of outbound calls is off
reason-messages-off = logging of SMS and WhatsApp messages is off
reason-shared-number = { $count } contacts share this number — choose one
reason-no-contact = no Intercom contact has this number and creating contacts is off
reason-anonymous-no-contact = the caller hid their number and creating contacts is off
reason-unreadable-number = the number cannot be read ({ $detail })
reason-intercom-refused = Intercom refused it ({ $reason })
reason-dial-anonymous = The caller hid their number, so it cannot be called back.
reason-dial-bad-number = Not a number: “{ $number }” cannot be called.
reason-no-aircall-user = No Aircall user has your email: ask your admin to add you to Aircall with it.
reason-aircall-user-gone = Your Aircall user no longer exists: ask your admin.
reason-dial-refused = Aircall did not place the call: you are offline or unavailable in Aircall ({ $reason }).
reason-no-aircall = The hub has no Aircall account, so it cannot place calls.

## Signing in to a hub (Intercom through the hub, or an invitation link).

signin-error-address = the hub's address is not usable: { $value }
signin-error-unreachable = cannot reach the hub at { $hub } ({ $detail }); check the address, or ask your admin whether the hub is running
signin-error-refused = the sign-in was refused: { $message }
signin-error-unreadable = the hub's answer cannot be read ({ $detail }); the hub may be another version than this app
signin-error-no-answer = the browser did not come back to Ringside within { $minutes } minutes; sign in again
signin-error-wrong-state = the answer that came back to Ringside was not for this sign-in; sign in again
signin-error-malformed = the hub's answer came back without a sign-in code; sign in again
signin-error-cancelled = the sign-in was cancelled
signin-error-browser = cannot open the browser ({ $detail })
signin-error-listen = cannot wait for the browser's answer on this computer ({ $detail })
signin-error-link = this is not a Ringside invitation link: { $reason }
signin-error-demo = the demo does not sign in to a hub; start Ringside without --demo
signin-link-too-long = it is too long
signin-link-not-invitation = an invitation starts with ringside://join?
signin-link-hub = its hub address is missing, or is not an https:// address (plain http only on this computer)
signin-link-code = its code is missing or damaged; copy the whole link again
signin-page-title = Ringside
signin-page-done = You are signed in to Ringside. You can close this tab.
signin-page-refused = Ringside could not sign you in: { $message }. You can close this tab.
signin-page-over = This sign-in is over. You can close this tab.
signin-page-not-found = Nothing here. You can close this tab.
