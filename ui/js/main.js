// The main window, built for the day: a navigation between "To call back" (the team's missed
// calls and voicemails to return, live from the stream), History (one line per call or message,
// filtered by missed or not logged, a compact dial box above it), "My day" (the agent's figures
// for today), Settings (with the integration's and contact sync's progress) and About.

import * as api from "./api.js";
import { el, replace, connectionWords, errorText } from "./dom.js";
import { t, attr, dateTime, duration, load as loadLanguage, onChange as onLanguageChange } from "./i18n.js";
import { cls, ago, timeOf, showDialed } from "./lists.js";
import * as day from "./day.js";

const message = document.getElementById("message");
const form = document.getElementById("settings");

function say(text, kind = "info") {
  message.textContent = text;
  message.className = `message ${kind}`;
}

let shownTab = null;

function selectTab(name) {
  shownTab = name;
  for (const tab of document.querySelectorAll("[role=tab]")) {
    tab.setAttribute("aria-selected", String(tab.dataset.tab === name));
  }
  for (const section of document.querySelectorAll(".tab")) {
    section.hidden = section.id !== `tab-${name}`;
  }
  if (name === "history") refreshHistory();
  if (name === "callbacks") day.refreshCallbacks();
  if (name === "day") day.refreshDay();
  if (name === "settings") {
    refreshSync();
    refreshPresence();
    return loadSettings();
  }
}

const when = dateTime;

function link(label, url) {
  if (!url) return null;
  return el("a", { href: "#", onclick: (e) => { e.preventDefault(); api.openLink(url).catch((err) => say(errorText(err), "error")); } }, label);
}

day.setUp({ say, selectTab, link, shownTab: () => shownTab });

// The agent's notes and tags the hub accepted on a call it has not logged.
function heldBack(item) {
  if (!item.held_back) return null;
  const id = item.status === "off" ? "held-back-off" : "held-back-waiting";
  return el("small", { class: "held-back" }, t(id, { count: item.held_back }));
}

// The notes and tag changes Intercom refused on a logged call, each in words.
function refused(item) {
  const words = item.refused_words || [];
  return words.map((w) => el("small", { class: "refused" }, w));
}

// The history as last read, and the filter the agent chose (all, missed, not logged).
let historyItems = [];
let historyFilter = "all";
// What the last call back from each row gave ({words, placed}), kept across re-renders.
const dialed = new Map();


async function callBack(to, callId, where, key) {
  where.textContent = t("calling");
  let result;
  try {
    result = await api.dial(to, callId);
  } catch (err) {
    result = { placed: false, words: errorText(err) };
  }
  if (key) {
    dialed.set(key, result);
    showHistory();
  } else {
    showDialed(where, result);
  }
}


// The direction as an icon (drawn by the style sheet); the words beside it are its text.
function direction(item) {
  const way = item.missed ? "missed" : item.direction === "outbound" ? "outbound" : "inbound";
  return el("span", { class: `dir ${way}`, "aria-hidden": "true" });
}

// A compact menu of a line's actions: a button that opens a short list.
function menu(label, items) {
  const shown = items.filter(Boolean);
  if (shown.length === 0) return null;
  return el("details", { class: "menu" },
    el("summary", { "aria-label": label, title: label }, "⋯"),
    el("div", { class: "menu-items" }, shown));
}

function historyRow(item) {
  const result = el("span", { class: "dial-result", role: "status" });
  if (dialed.has(item.id)) showDialed(result, dialed.get(item.id));
  const actions = [
    item.can_call_back
      ? el("button", { type: "button", class: "call-back", onclick: () => callBack(item.phone, item.kind === "call" ? Number(item.id) : null, result, item.id) }, t("call-back"))
      : null,
    link(t("see-conversation"), item.conversation_url),
  ];
  return el("tr", { class: `${item.status}${item.missed ? " missed" : ""}`, "data-id": item.id },
    el("td", { class: "what" }, direction(item), " ", item.what),
    el("td", { class: "who", title: item.who }, item.who, item.text ? el("small", { class: "text" }, item.text) : null),
    el("td", { class: "when" }, timeOf(item.created_at)),
    el("td", { class: "duration" }, item.duration_secs === null || item.duration_secs === undefined ? "" : duration(item.duration_secs)),
    el("td", { class: "logging", title: item.logging }, item.logging,
      item.outcome ? el("span", { class: cls("badge", "outcome") }, t("history-outcome", { outcome: item.outcome })) : null,
      heldBack(item), ...refused(item)),
    el("td", { class: "actions" }, el("div", { class: "actions" },
      item.can_choose_contact
        ? el("button", { type: "button", class: "choose", onclick: () => api.showCard(Number(item.id)) }, t("choose-contact"))
        : null,
      menu(attr("history-actions-menu", "aria-label", { who: item.who }), actions),
      result)),
  );
}

function showHistory() {
  const shown = historyItems.filter((i) =>
    historyFilter === "missed" ? i.missed : historyFilter === "not_logged" ? i.not_logged : true);
  replace(document.getElementById("history"), shown.map(historyRow));
  document.getElementById("history-empty").hidden = shown.length > 0;
}

async function refreshHistory() {
  try {
    const h = await api.history();
    if (message.classList.contains("error")) say("");
    const note = document.getElementById("history-note");
    note.textContent = h.offline ? t("history-offline", { when: when(h.fetched_at) }) : "";
    note.hidden = !h.offline;
    historyItems = h.items || [];
    showHistory();
  } catch (err) {
    say(errorText(err), "error");
  }
}

for (const radio of document.querySelectorAll("input[name=history-filter]")) {
  radio.addEventListener("change", () => {
    historyFilter = radio.value;
    showHistory();
  });
}
document.getElementById("dial").addEventListener("submit", (e) => {
  e.preventDefault();
  const to = document.getElementById("dial-to").value;
  callBack(to, null, document.getElementById("dial-result"), null);
});

// Contact sync's line: what it is doing, the last run, the last error.
async function refreshSync() {
  const headline = document.getElementById("sync-headline");
  const bar = document.getElementById("sync-progress");
  const last = document.getElementById("sync-last");
  const error = document.getElementById("sync-error");
  try {
    const s = await api.syncStatus();
    headline.textContent = s.headline;
    bar.hidden = !(s.running && s.percent !== null);
    if (!bar.hidden) bar.value = s.percent;
    const run = s.last_run;
    last.textContent = run
      ? t("sync-last", { kind: run.kind, when: when(run.finished_at), indexed: run.indexed, written: run.written, failed: run.failed })
      : (s.enabled ? t("sync-no-run") : "");
    error.textContent = s.last_error ? t("sync-last-error", { error: s.last_error }) : "";
  } catch (err) {
    headline.textContent = t("sync-unknown", { error: errorText(err) });
    bar.hidden = true;
    last.textContent = "";
    error.textContent = "";
  }
}

// The hub's integration settings, in words, for connected mode (its admin sets them).
const yesNo = (id, name) => (v) => t(id, { [name]: v ? "yes" : "no" });
const HUB_SETTINGS = [
  ["log_answered_calls", "hub-answered", yesNo("hub-logged", "logged")],
  ["log_missed_calls", "hub-missed", yesNo("hub-logged", "logged")],
  ["log_outbound_calls", "hub-outbound", yesNo("hub-logged", "logged")],
  ["log_messages", "hub-messages", yesNo("hub-logged", "logged")],
  ["create_contacts", "hub-unknown-numbers", yesNo("hub-create-contacts", "create")],
  ["new_contact_role", "hub-new-contacts", (v) => t(v === "user" ? "role-user" : "role-lead")],
  ["message_fallback", "hub-fallback", (v) => t("hub-fallback-value", { fallback: v })],
  ["tag_window_secs", "hub-tag-window", (v) => t("hub-tag-window-value", { minutes: Math.round(v / 60) })],
  ["push_insight_cards", "hub-push-cards", yesNo("hub-shown", "shown")],
];
const ROLES = { both: "roles-both", users: "roles-users", leads: "roles-leads" };

async function loadHubIntegration() {
  const list = document.getElementById("hub-integration");
  try {
    const hub = await api.hubSettings();
    const rows = HUB_SETTINGS.map(([key, label, words]) => [t(label), words(hub.settings[key])]);
    rows.push([t("hub-sync"), hub.sync
      ? t("hub-sync-value", { roles: ROLES[hub.sync.roles] ? t(ROLES[hub.sync.roles]) : hub.sync.roles, minutes: hub.sync.interval_minutes, hours: hub.sync.full_every_hours })
      : t("hub-sync-off")]);
    replace(list, rows.flatMap(([label, value]) => [el("dt", {}, label), el("dd", {}, value)]));
  } catch (err) {
    replace(list, el("dd", {}, t("not-available", { error: errorText(err) })));
  }
}

function integrationInputs() {
  return form.querySelectorAll("[data-integration]");
}

// The integration fieldset as the settings' `integration` object; a number field that holds
// no whole number is refused here, with its name (the app checks the ranges).
function readIntegration() {
  const integration = {};
  for (const input of integrationInputs()) {
    const key = input.dataset.integration;
    if (input.type === "checkbox") integration[key] = input.checked;
    else if (input.type === "number") {
      const n = Number(input.value);
      if (input.value.trim() === "" || !Number.isInteger(n)) {
        throw { code: "invalid", message: t("not-whole-number", { field: t(input.dataset.name) }) };
      }
      integration[key] = n;
    } else integration[key] = input.value;
  }
  return integration;
}

function showModeFields() {
  const mode = form.elements.mode.value;
  for (const fs of form.querySelectorAll("fieldset[data-mode]")) fs.hidden = fs.dataset.mode !== mode;
}

function showChecks(checks) {
  replace(document.getElementById("checks"), checks.map((c) =>
    el("li", { class: c.ok ? "ok" : "failed" }, `${c.ok ? "✓" : "✗"} ${c.subject}: `, c.words)));
}

async function runChecks() {
  replace(document.getElementById("checks"), [el("li", {}, t("checking"))]);
  try {
    showChecks(await api.checkSetup());
  } catch (err) {
    replace(document.getElementById("checks"), []);
    say(errorText(err), "error");
  }
}

async function loadSettings() {
  try {
    const view = await api.settings();
    const s = view.settings;
    form.elements.mode.value = s.mode;
    for (const key of ["hub_url", "agent_email", "aircall_api_id", "intercom_region", "intercom_base_url", "aircall_base_url", "webhook_url", "default_region", "card", "popups"]) {
      form.elements[key].value = s[key];
    }
    form.elements.language.value = s.language;
    form.elements.webhook_port.value = s.webhook_port || "";
    receivingAddress = `http://127.0.0.1:${s.webhook_port || 8790}`;
    showReceivingNote();
    document.getElementById("webhook-registered").textContent = view.registered_webhook
      ? t("webhook-registered", { url: view.registered_webhook })
      : t("webhook-not-registered");
    form.elements.notifications.checked = s.notifications;
    form.elements.start_with_session.checked = s.start_with_session;
    for (const input of integrationInputs()) {
      const value = s.integration[input.dataset.integration];
      if (input.type === "checkbox") input.checked = value;
      else input.value = value;
    }
    for (const input of form.querySelectorAll("[data-secret]")) {
      input.value = "";
      input.placeholder = view.saved_secrets.includes(input.dataset.secret) ? t("secret-saved") : attr("secret-kept", "placeholder");
    }
    document.getElementById("demo-note").hidden = !view.demo;
    showModeFields();
    if (s.mode === "connected") loadHubIntegration();
  } catch (err) {
    say(errorText(err), "error");
  }
}

// Where Aircall's webhooks must be forwarded to, in the receiving note.
let receivingAddress = "http://127.0.0.1:8790";
function showReceivingNote() {
  const note = document.getElementById("receiving-note");
  const [before, after] = t("receiving-note", { address: "\u0000" }).split("\u0000");
  replace(note, before, el("code", {}, receivingAddress), after);
}

form.addEventListener("change", showModeFields);
form.addEventListener("submit", async (e) => {
  e.preventDefault();
  const f = form.elements;
  const settings = {
    mode: f.mode.value || "connected",
    hub_url: f.hub_url.value.trim(),
    agent_email: f.agent_email.value.trim(),
    aircall_api_id: f.aircall_api_id.value.trim(),
    intercom_region: f.intercom_region.value,
    intercom_base_url: f.intercom_base_url.value.trim(),
    aircall_base_url: f.aircall_base_url.value.trim(),
    webhook_port: Number(f.webhook_port.value) || 0,
    webhook_url: f.webhook_url.value.trim(),
    default_region: f.default_region.value.trim().toUpperCase(),
    card: f.card.value,
    popups: f.popups.value,
    notifications: f.notifications.checked,
    start_with_session: f.start_with_session.checked,
    language: f.language.value,
  };
  try {
    settings.integration = readIntegration();
    for (const input of form.querySelectorAll("[data-secret]")) {
      if (input.value) await api.saveSecret(input.dataset.secret, input.value);
    }
    const status = await api.saveSettings(settings);
    say(t("saved", { status: connectionWords(status) }));
    await loadSettings();
    await runChecks();
  } catch (err) {
    say(errorText(err), "error");
  }
});

for (const tab of document.querySelectorAll("[role=tab]")) {
  tab.addEventListener("click", () => selectTab(tab.dataset.tab));
}
document.getElementById("check").addEventListener("click", runChecks);
document.getElementById("register-webhook").addEventListener("click", async () => {
  try {
    const url = await api.registerWebhook();
    say(t("webhook-now-registered", { url }));
    await loadSettings();
  } catch (err) {
    say(errorText(err), "error");
  }
});

// The first run's setup: connecting to a hub asks for its address and signs in; standalone
// opens its settings; the demo starts as its own app.
async function openSettings(mode) {
  await selectTab("settings");
  form.elements.mode.value = mode;
  showModeFields();
  form.querySelector(`fieldset[data-mode=${mode}] input`)?.focus();
}
for (const choice of document.querySelectorAll("[data-choose]")) {
  choice.addEventListener("click", () => {
    if (choice.dataset.choose === "connected") {
      selectTab("signin");
      signinForm.elements.hub.focus();
    } else openSettings(choice.dataset.choose);
  });
}

// Connecting to a hub: Sign in with Intercom (the browser comes back to the app), or an
// invitation link; the advanced way is the token field in Settings.
const signinForm = document.getElementById("signin");
const joinForm = document.getElementById("join");
const signinResult = document.getElementById("signin-result");

function signinSay(text, kind = "info") {
  signinResult.textContent = text;
  signinResult.className = ["signin-result", kind].join(" ");
}

function signedIn(done) {
  signinSay(t("signin-done", { email: done.email, hub: done.hub, status: connectionWords(done.status) }), "ok");
  showStatus(done.status);
}

function signingIn(busy) {
  document.getElementById("signin-intercom").disabled = busy;
  document.getElementById("signin-cancel").hidden = !busy;
}

signinForm.addEventListener("submit", async (e) => {
  e.preventDefault();
  signingIn(true);
  signinSay(t("signin-waiting"));
  try {
    signedIn(await api.signIn(signinForm.elements.hub.value));
  } catch (err) {
    signinSay(errorText(err), "error");
  } finally {
    signingIn(false);
  }
});
document.getElementById("signin-cancel").addEventListener("click", () => {
  api.cancelSignIn().catch((err) => signinSay(errorText(err), "error"));
});
joinForm.addEventListener("submit", async (e) => {
  e.preventDefault();
  signinSay(t("signin-joining"));
  try {
    signedIn(await api.join(joinForm.elements.link.value));
  } catch (err) {
    signinSay(errorText(err), "error");
  }
});
document.getElementById("signin-token").addEventListener("click", () => openSettings("connected"));
document.getElementById("signin-back").addEventListener("click", async () => {
  const view = await api.settings().catch(() => ({ first_run: true }));
  selectTab(view.first_run ? "setup" : "settings");
});

// An invitation the desktop opened the app with: shown, joined only when the agent says so.
function offerInvitation(offer) {
  if (!offer) return;
  selectTab("signin");
  document.getElementById("signin-invitation").open = true;
  joinForm.elements.link.value = offer.link;
  signinSay(t("signin-invitation-arrived", { hub: offer.hub }));
  joinForm.querySelector("button[type=submit]").focus();
}
api.onInvitation(offerInvitation);
document.getElementById("try-demo").addEventListener("click", () => {
  say(t("demo-starting"));
  api.startDemo().catch((err) => say(errorText(err), "error"));
});

function showStatus(s) {
  document.getElementById("status").textContent = connectionWords(s);
  const reason = s.connection.reason ? ` (${s.connection.reason})` : "";
  document.getElementById("about-hub").textContent = s.hub ? t("about-hub", { hub: s.hub, reason }) : t("about-not-connected", { reason });
}

let wasConnected = false;
api.onStatus((s) => {
  showStatus(s);
  const connected = s.connection.state === "connected";
  if (connected && !wasConnected) {
    if (shownTab === "history") refreshHistory();
    if (shownTab === "settings") refreshSync();
    if (shownTab === "day") day.refreshDay();
  }
  wasConnected = connected;
});
// A ring brings two or three events within a few milliseconds, and the card, drawn in this
// window's web process, goes first: the history is read once, a moment after the first of
// them (what comes while it is read asks again), and only while this window is on screen; a
// hidden window reads it when it is shown again.
const HISTORY_AFTER_MS = 300;
let historyTimer = null;
let historyStale = false;
function historyChanged() {
  if (historyTimer !== null) return;
  historyTimer = setTimeout(() => {
    historyTimer = null;
    if (document.hidden) historyStale = true;
    else refreshHistory();
  }, HISTORY_AFTER_MS);
}
document.addEventListener("visibilitychange", () => {
  if (document.hidden || !historyStale) return;
  historyStale = false;
  refreshHistory();
});
api.onHistory(historyChanged);
api.onCall(historyChanged);
// A call that ends changes the day's figures.
api.onCall((card) => {
  if (card && card.state === "ended" && shownTab === "day" && !document.hidden) day.refreshDay();
});
api.onTab(selectTab);
// Another language: every word of the window is formatted again, the form keeps what is typed.
onLanguageChange(() => {
  api.status().then(showStatus).catch(() => {});
  showReceivingNote();
  if (shownTab === "history") refreshHistory();
  else if (shownTab === "callbacks") day.showCallbacks();
  else if (shownTab === "day") day.refreshDay();
  else if (shownTab === "settings") {
    refreshSync();
    if (form.elements.mode.value === "connected") loadHubIntegration();
  }
});

(async () => {
  await loadLanguage().catch((err) => say(errorText(err), "error"));
  api.status().then(showStatus).catch((err) => say(errorText(err), "error"));
  // The navigation's count from the start, whichever section opens first.
  api.callbacks("open").then(day.showCallbackCount).catch(() => {});
  // A section the agent (or the tray) opened meanwhile stays open.
  await api.settings()
    .then((view) => view.first_run ? selectTab("setup") : shownTab === null && selectTab(location.hash.slice(1) || "history"))
    .catch(() => shownTab === null && selectTab(location.hash.slice(1) || "history"));
  await api.takeInvitation().then(offerInvitation).catch((err) => say(errorText(err), "error"));
})();
// Contact sync moves on its own: its line is refreshed while Settings are shown. "How long
// ago" moves too (the times are rewritten in place, so that an open menu or a reason being
// typed stays), and an item that passes its deadline is drawn again as late.
setInterval(() => {
  if (document.hidden) return;
  if (shownTab === "settings") refreshSync();
  for (const time of document.querySelectorAll("time[datetime]")) {
    time.textContent = ago(Math.floor(Date.parse(time.getAttribute("datetime")) / 1000));
  }
  day.tick();
}, 10000);

// Presence in Intercom (Settings): shown only when the hub sets agents away during their calls;
// the agent's opt-out is the hub's to keep, saved as soon as the box changes, with the current
// state in words.
const presenceBox = document.getElementById("presence");
const presenceFollow = document.getElementById("presence-follow");
function showPresence(p) {
  presenceBox.hidden = !p.hub_presence;
  presenceFollow.checked = p.follow_calls;
  document.getElementById("presence-state").textContent = t("presence-state", { state: p.state });
}
async function refreshPresence() {
  try {
    showPresence(await api.presence());
  } catch (_) {
    // A hub without presence, or away: nothing to offer.
    presenceBox.hidden = true;
  }
}
presenceFollow.addEventListener("change", async () => {
  presenceFollow.disabled = true;
  try {
    showPresence(await api.setPresence(presenceFollow.checked));
  } catch (err) {
    presenceFollow.checked = !presenceFollow.checked;
    document.getElementById("presence-state").textContent = err && err.code === "offline" ? t("presence-unreachable") : errorText(err);
  } finally {
    presenceFollow.disabled = false;
  }
});
