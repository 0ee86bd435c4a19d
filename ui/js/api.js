// The one module that talks to the shell: every command and event of the app, as functions.
// Nothing else calls `invoke` or `listen`. Errors arrive as {code, message}.

const tauri = window.__TAURI__;

function invoke(command, args) {
  return tauri.core.invoke(command, args);
}

function listen(event, handler) {
  return tauri.event.listen(event, (e) => handler(e.payload));
}

// Status: {mode, hub, connection: {state, …}, queued, paused}.
export const status = () => invoke("status");
export const card = (callId) => invoke("card", { callId });
export const recentCards = (limit) => invoke("recent_cards", { limit });
export const history = () => invoke("history");
export const tags = () => invoke("tags");
// Each returns "sent" or "queued" (kept until the hub is reachable).
export const addTag = (callId, name) => invoke("add_tag", { callId, name });
export const removeTag = (callId, name) => invoke("remove_tag", { callId, name });
export const addNote = (callId, body) => invoke("add_note", { callId, body });
// {note_max_chars, tag_max_chars}: the app's and the hub's limits, in characters.
export const limits = () => invoke("limits");
export const chooseContact = (callId, contactId) => invoke("choose_contact", { callId, contactId });
export const settings = () => invoke("settings");
export const saveSettings = (value) => invoke("save_settings", { settings: value });
export const saveSecret = (name, value) => invoke("save_secret", { name, value });
// [{subject, ok, words}]: the saved settings checked against the hub or Intercom and Aircall.
export const checkSetup = () => invoke("check_setup");
// Starts `ringside --demo` and closes this app.
export const startDemo = () => invoke("start_demo");
// Standalone mode: registers the public webhook address with Aircall; returns it.
export const registerWebhook = () => invoke("register_webhook");
// The hub's integration settings: {settings, sync}.
export const hubSettings = () => invoke("hub_settings");
// Contact sync: {enabled, phase, running, percent, eta_secs, headline, last_run, last_error}.
export const syncStatus = () => invoke("sync_status");
export const openLink = (url) => invoke("open_link", { url });
// Puts a number in the agent's own Aircall phone (callId: the call it calls back, or null);
// returns {placed, words}.
export const dial = (to, callId) => invoke("dial", { to, callId: callId ?? null });
export const showCard = (callId) => invoke("show_card", { callId });
export const closeWindow = () => invoke("close_window");
// The card window's acknowledgement that it drew a call's card (a timing mark for the
// desktop benchmark; it changes nothing).
export const cardShown = (callId) => invoke("card_shown", { callId });
// The wrap-up: {outcomes, required, wrap_up_seconds, presence} from the hub's settings (the
// last ones read when it is away); the outcome and Done answer "sent", "queued" or
// "waiting_for_token" like a note.
export const wrapUp = () => invoke("wrap_up");
export const setOutcome = (callId, outcome) => invoke("set_outcome", { callId, outcome });
export const wrapUpDone = (callId) => invoke("wrap_up_done", { callId });
// The hub ended a call's wrap-up: {call_id, by, close}.
export const onWrapUpEnded = (handler) => listen("wrapup://ended", handler);
// The agent's presence: {hub_presence, follow_calls, state, intercom_away}.
export const presence = () => invoke("presence");
export const setPresence = (followCalls) => invoke("set_presence", { followCalls });
// {lang, locale, ftl}: the app's language, the locale for dates and numbers, and the catalog.
export const catalog = () => invoke("catalog");

// Sign in with Intercom at the hub: the system browser opens the hub's page; answers
// {email, hub, status} once the browser came back and the token is in the keyring.
export const signIn = (hub) => invoke("sign_in", { hub });
export const cancelSignIn = () => invoke("cancel_sign_in");
// An invitation link (ringside://join?hub=…&code=…) for the token: {email, hub, status}.
export const join = (link) => invoke("join", { link });
// The invitation the desktop opened the app with ({hub, link}), or null.
export const takeInvitation = () => invoke("take_invitation");
// An invitation link arrived while the app runs: {hub, link}.
export const onInvitation = (handler) => listen("signin://invitation", handler);

export const onStatus = (handler) => listen("status://changed", handler);
// The handler gets the call's stored card: {call_id, card, state, started_at, answered_at, ended_at}.
export const onCall = (handler) => listen("call://changed", (event) => handler(event.card));
export const onHistory = (handler) => listen("history://changed", handler);
// An inbound SMS or WhatsApp message: {message_id, channel, title, phone, line, text, received_at}.
export const onMessage = (handler) => listen("message://received", handler);
export const lastMessage = () => invoke("last_message");
export const onCardFocus = (handler) => listen("card://focus", handler);
// The prepared card window is shown once, off screen, before the first ring.
export const onPrime = (handler) => listen("card://prime", handler);
export const onTab = (handler) => listen("main://tab", handler);
// The team's calls to return: {items: [callback + {who, number, mine}], late, offline,
// fetched_at, reason}; state "open" (the default), "closed" (the last 24 hours) or "all".
export const callbacks = (state) => invoke("callbacks", { state: state ?? null });
// The agent calls an item back / dismisses it with a reason: the item as it now stands.
export const claimCallback = (id) => invoke("claim_callback", { id });
export const dismissCallback = (id, reason) => invoke("dismiss_callback", { id, reason });
// The open list changed (an item opened, was claimed or closed): the list as it now stands.
export const onCallbacks = (handler) => listen("callbacks://changed", handler);
// {date, timezone, answered, missed, returned, outbound, average_handle_seconds, late, offline, fetched_at}.
export const myDay = () => invoke("my_day");
// The agent chose another language in Settings.
export const onLanguage = (handler) => listen("i18n://changed", handler);
