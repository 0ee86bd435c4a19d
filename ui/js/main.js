// The main window: contact sync's progress, the dial box, one history of calls and messages
// (filtered by missed or not logged, each line with its actions), settings (with the
// integration's) and about.

import * as api from "./api.js";
import { el, replace, connectionWords, errorText, duration } from "./dom.js";

const message = document.getElementById("message");
const form = document.getElementById("settings");

function say(text, kind = "info") {
  message.textContent = text;
  message.className = `message ${kind}`;
}

function selectTab(name) {
  for (const tab of document.querySelectorAll("[role=tab]")) {
    tab.setAttribute("aria-selected", String(tab.dataset.tab === name));
  }
  for (const section of document.querySelectorAll(".tab")) {
    section.hidden = section.id !== `tab-${name}`;
  }
  if (name === "history") {
    refreshHistory();
    refreshSync();
  }
  if (name === "settings") return loadSettings();
}

function when(seconds) {
  return seconds ? new Date(seconds * 1000).toLocaleString() : "";
}

function link(label, url) {
  if (!url) return null;
  return el("a", { href: "#", onclick: (e) => { e.preventDefault(); api.openLink(url).catch((err) => say(errorText(err), "error")); } }, label);
}

// The agent's notes and tags the hub accepted on a call it has not logged.
function heldBack(item) {
  if (!item.held_back) return null;
  const what = item.held_back === 1 ? "1 of your notes or tags" : `${item.held_back} of your notes and tags`;
  return el("small", { class: "held-back" }, item.status === "off" ? ` — ${what} did not reach Intercom` : ` — ${what} wait until it is logged`);
}

// The history as last read, and the filter the agent chose (all, missed, not logged).
let historyItems = [];
let historyFilter = "all";
// What the last call back from each row gave ({words, placed}), kept across re-renders.
const dialed = new Map();

function showDialed(where, result) {
  where.textContent = result.words;
  where.className = `dial-result ${result.placed ? "dial-ok" : "dial-failed"}`;
}

async function callBack(to, callId, where, key) {
  where.textContent = "Calling…";
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

function historyRow(item) {
  const result = el("span", { class: "dial-result", role: "status" });
  if (dialed.has(item.id)) showDialed(result, dialed.get(item.id));
  const actions = [
    link("See conversation", item.conversation_url),
    item.can_choose_contact
      ? el("button", { type: "button", class: "choose", onclick: () => api.showCard(Number(item.id)) }, "Choose contact")
      : null,
    item.can_call_back
      ? el("button", { type: "button", class: "call-back", onclick: () => callBack(item.phone, item.kind === "call" ? Number(item.id) : null, result, item.id) }, "Call back")
      : null,
    result,
  ];
  return el("tr", { class: `${item.status}${item.missed ? " missed" : ""}`, "data-id": item.id },
    el("td", {}, when(item.created_at)),
    el("td", { class: "what" }, item.what),
    el("td", { class: "who" }, item.who, item.text ? el("small", { class: "text" }, item.text) : null),
    el("td", { class: "duration" }, item.duration_secs === null || item.duration_secs === undefined ? "" : duration(item.duration_secs)),
    el("td", { class: "logging" }, item.logging, heldBack(item)),
    el("td", {}, el("div", { class: "actions" }, actions)),
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
    document.getElementById("history-note").textContent = h.offline ? `(offline — as of ${when(h.fetched_at)})` : "";
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
      ? `Last ${run.kind} run ${when(run.finished_at)}: ${run.indexed} contacts indexed, ${run.written} Aircall writes${run.failed ? `, ${run.failed} refused by Aircall` : ""}.`
      : (s.enabled ? "No run has finished yet." : "");
    error.textContent = s.last_error ? `Last error: ${s.last_error}` : "";
  } catch (err) {
    headline.textContent = `Unknown: ${errorText(err)}`;
    bar.hidden = true;
    last.textContent = "";
    error.textContent = "";
  }
}

// The hub's integration settings, in words, for connected mode (its admin sets them).
const YES_NO = (yes, no) => (v) => (v ? yes : no);
const HUB_SETTINGS = [
  ["log_answered_calls", "Answered calls", YES_NO("logged", "not logged")],
  ["log_missed_calls", "Missed calls", YES_NO("logged", "not logged")],
  ["log_outbound_calls", "Outbound calls", YES_NO("logged", "not logged")],
  ["log_messages", "SMS and WhatsApp", YES_NO("logged", "not logged")],
  ["create_contacts", "Unknown numbers", YES_NO("get a new contact", "are not logged")],
  ["new_contact_role", "New contacts are", (v) => (v === "user" ? "Users" : "Leads")],
  ["message_fallback", "Unmatched messages go to", (v) => (v === "integration_admin" ? "the integration admin" : "nobody (Intercom's rules)")],
  ["tag_window_secs", "Aircall tags sync for", (v) => `${Math.round(v / 60)} minutes after the call`],
  ["push_insight_cards", "Card in Aircall's phone app", YES_NO("shown", "not shown")],
];
const ROLES = { both: "Users and Leads", users: "Users", leads: "Leads" };

async function loadHubIntegration() {
  const list = document.getElementById("hub-integration");
  try {
    const hub = await api.hubSettings();
    const rows = HUB_SETTINGS.map(([key, label, words]) => [label, words(hub.settings[key])]);
    rows.push(["Contact sync", hub.sync
      ? `${ROLES[hub.sync.roles] || hub.sync.roles} to Aircall every ${hub.sync.interval_minutes} minutes, a full sync every ${hub.sync.full_every_hours} hours`
      : "off"]);
    replace(list, rows.flatMap(([label, value]) => [el("dt", {}, label), el("dd", {}, value)]));
  } catch (err) {
    replace(list, el("dd", {}, `Not available: ${errorText(err)}`));
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
        throw { code: "invalid", message: `${input.dataset.label} must be a whole number` };
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
  replace(document.getElementById("checks"), [el("li", {}, "Checking…")]);
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
    form.elements.webhook_port.value = s.webhook_port || "";
    document.getElementById("webhook-port-shown").textContent = s.webhook_port || "PORT";
    document.getElementById("webhook-registered").textContent = view.registered_webhook
      ? `Registered with Aircall: ${view.registered_webhook}`
      : "Not registered with Aircall yet: no calls arrive in standalone mode until it is.";
    form.elements.notifications.checked = s.notifications;
    for (const input of integrationInputs()) {
      const value = s.integration[input.dataset.integration];
      if (input.type === "checkbox") input.checked = value;
      else input.value = value;
    }
    for (const input of form.querySelectorAll("[data-secret]")) {
      input.value = "";
      input.placeholder = view.saved_secrets.includes(input.dataset.secret) ? "saved in the OS keyring (type to replace)" : "kept in the OS keyring";
    }
    document.getElementById("demo-note").hidden = !view.demo;
    showModeFields();
    if (s.mode === "connected") loadHubIntegration();
  } catch (err) {
    say(errorText(err), "error");
  }
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
  };
  try {
    settings.integration = readIntegration();
    for (const input of form.querySelectorAll("[data-secret]")) {
      if (input.value) await api.saveSecret(input.dataset.secret, input.value);
    }
    const status = await api.saveSettings(settings);
    say(`Saved. ${connectionWords(status)}`);
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
    say(`Registered with Aircall: calls now arrive at ${url}.`);
    await loadSettings();
  } catch (err) {
    say(errorText(err), "error");
  }
});

// The first run's setup: a mode opens its settings; the demo starts as its own app.
for (const choice of document.querySelectorAll("[data-choose]")) {
  choice.addEventListener("click", async () => {
    await selectTab("settings");
    form.elements.mode.value = choice.dataset.choose;
    showModeFields();
    form.querySelector(`fieldset[data-mode=${choice.dataset.choose}] input`)?.focus();
  });
}
document.getElementById("try-demo").addEventListener("click", () => {
  say("Starting the demo…");
  api.startDemo().catch((err) => say(errorText(err), "error"));
});

function showStatus(s) {
  document.getElementById("status").textContent = connectionWords(s);
  const reason = s.connection.reason ? ` (${s.connection.reason})` : "";
  document.getElementById("about-hub").textContent = s.hub ? `Hub: ${s.hub}${reason}` : `Not connected${reason}`;
}

let wasConnected = false;
api.onStatus((s) => {
  showStatus(s);
  const connected = s.connection.state === "connected";
  if (connected && !wasConnected) {
    refreshHistory();
    refreshSync();
  }
  wasConnected = connected;
});
api.onHistory(refreshHistory);
api.onCall(() => refreshHistory());
api.onTab(selectTab);
api.status().then(showStatus).catch((err) => say(errorText(err), "error"));
api.settings()
  .then((view) => selectTab(view.first_run ? "setup" : location.hash.slice(1) || "history"))
  .catch(() => selectTab(location.hash.slice(1) || "history"));
// Contact sync moves on its own: its line is refreshed while the history is shown.
setInterval(() => {
  if (!document.getElementById("tab-history").hidden) refreshSync();
}, 10000);
