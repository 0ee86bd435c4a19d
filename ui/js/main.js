// The main window: recent calls, the logging history, settings and about.

import * as api from "./api.js";
import { el, replace, connectionWords, errorText } from "./dom.js";

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
  if (name === "history") refreshHistory();
  if (name === "settings") return loadSettings();
}

function when(seconds) {
  return seconds ? new Date(seconds * 1000).toLocaleString() : "";
}

function link(label, url) {
  if (!url) return null;
  return el("a", { href: "#", onclick: (e) => { e.preventDefault(); api.openLink(url).catch((err) => say(errorText(err), "error")); } }, label);
}

const LOGGING = { logged: "logged", queued: "queued", pending: "queued", skipped: "skipped", failed: "failed", ignored: "skipped" };

async function refreshHistory() {
  try {
    const recent = await api.recentCards(10);
    replace(document.getElementById("recent"), recent.map((c) => {
      const name = (c.card && c.card.contact && c.card.contact.name) || (c.card && c.card.phone) || "Unknown caller";
      return el("li", {}, el("a", { href: "#", onclick: (e) => { e.preventDefault(); api.showCard(c.call_id); } }, name), ` — ${c.state}, ${when(c.started_at)}`);
    }));
  } catch (err) {
    say(errorText(err), "error");
  }
  try {
    const h = await api.history();
    if (message.classList.contains("error")) say("");
    document.getElementById("history-note").textContent = h.offline ? `(offline — as of ${when(h.fetched_at)})` : "";
    replace(document.getElementById("history"), (h.items || []).map((item) => {
      const status = LOGGING[item.status] || item.status;
      return el("tr", { class: status },
        el("td", {}, when(item.created_at)),
        el("td", {}, `${item.direction || ""} ${item.kind}`),
        el("td", {}, item.phone || "anonymous"),
        el("td", {}, item.line || ""),
        el("td", { title: item.reason || "" }, status, item.reason ? el("small", {}, ` — ${item.reason}`) : null),
        el("td", {}, link("See conversation", item.conversation_url)),
      );
    }));
  } catch (err) {
    say(errorText(err), "error");
  }
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
    for (const key of ["hub_url", "agent_email", "aircall_api_id", "intercom_region", "intercom_base_url", "aircall_base_url", "webhook_url", "default_region", "card"]) {
      form.elements[key].value = s[key];
    }
    form.elements.webhook_port.value = s.webhook_port || "";
    document.getElementById("webhook-port-shown").textContent = s.webhook_port || "PORT";
    document.getElementById("webhook-registered").textContent = view.registered_webhook
      ? `Registered with Aircall: ${view.registered_webhook}`
      : "Not registered with Aircall yet: no calls arrive in standalone mode until it is.";
    form.elements.notifications.checked = s.notifications;
    for (const input of form.querySelectorAll("[data-secret]")) {
      input.value = "";
      input.placeholder = view.saved_secrets.includes(input.dataset.secret) ? "saved in the OS keyring (type to replace)" : "kept in the OS keyring";
    }
    document.getElementById("demo-note").hidden = !view.demo;
    showModeFields();
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
    notifications: f.notifications.checked,
  };
  try {
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
  if (connected && !wasConnected) refreshHistory();
  wasConnected = connected;
});
api.onHistory(refreshHistory);
api.onCall(() => refreshHistory());
api.onTab(selectTab);
api.status().then(showStatus).catch((err) => say(errorText(err), "error"));
api.settings()
  .then((view) => selectTab(view.first_run ? "setup" : location.hash.slice(1) || "history"))
  .catch(() => selectTab(location.hash.slice(1) || "history"));
