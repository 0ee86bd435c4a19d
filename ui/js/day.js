// The main window's day: "To call back" (the team's missed calls and voicemails on the agent's
// lines, live from the stream, claimed and dismissed here) and "My day" (today's figures).
// What it needs of the window (its message line, its sections, its links) comes through
// `setUp`.

import * as api from "./api.js";
import { el, replace, errorText } from "./dom.js";
import { t, attr, l10n, dateTime, duration, number } from "./i18n.js";
import { cls, timeOf, showDialed } from "./lists.js";

const hooks = { say: () => {}, selectTab: () => {}, link: () => null, shownTab: () => null };

// The window's message line, its sections, its links and the section shown.
export function setUp(given) {
  Object.assign(hooks, given);
}

// "To call back": the team's missed calls and voicemails on the agent's lines, newest first,
// as the hub last sent them (kept current by the stream's callback events); "Done today" asks
// the hub for the ones closed in the last 24 hours.
let callbacksState = "open";
let callbacksView = null;
// What "Call back" gave on each item ({words, placed}), and the dismiss reasons being typed.
const calledBack = new Map();
const dismissing = new Map();

function teammate(who) {
  if (!who) return t("callback-someone");
  return who.name || who.email;
}

// Where an item stands, in words: who is calling back, or how it was closed.
function callbackState(c) {
  if (c.state === "claimed") {
    return el("span", { class: `claim${c.mine ? " mine" : ""}` },
      c.mine ? t("callback-claimed-mine") : t("callback-claimed-by", { name: teammate(c.claimed_by) }));
  }
  if (c.state !== "closed") {
    return c.due_at ? el("span", { class: "due" }, t("callback-due", { time: dateTime(c.due_at) })) : null;
  }
  const name = teammate(c.closed_by);
  if (c.close_reason === "dismissed") return el("span", { class: "closed" }, t("callback-closed-dismissed", { name, reason: c.dismiss_reason || "" }));
  if (c.close_reason === "answered") return el("span", { class: "closed" }, t("callback-closed-answered", { name }));
  return el("span", { class: "closed" }, c.returned_after_seconds === null || c.returned_after_seconds === undefined
    ? t("callback-closed-called-back", { name })
    : t("callback-closed-called-back-after", { name, after: duration(c.returned_after_seconds) }));
}

async function callBackItem(c) {
  calledBack.set(c.id, { placed: false, words: t("calling") });
  showCallbacks();
  let result;
  try {
    result = await api.dial(c.phone, c.call_id);
    if (result.placed) await api.claimCallback(c.id);
  } catch (err) {
    result = { placed: false, words: errorText(err) };
  }
  calledBack.set(c.id, result);
  showCallbacks();
}

function dismissForm(c) {
  const input = el("input", { id: `dismiss-reason-${c.id}`, name: "reason", required: true, maxlength: "200", autocomplete: "off", placeholder: attr("callback-dismiss-reason", "placeholder"),
    oninput: (e) => dismissing.set(c.id, e.target.value) });
  input.value = dismissing.get(c.id) || "";
  const form = el("form", { class: "dismiss",
    onsubmit: async (e) => {
      e.preventDefault();
      try {
        await api.dismissCallback(c.id, input.value);
        dismissing.delete(c.id);
        await refreshCallbacks();
      } catch (err) {
        calledBack.set(c.id, { placed: false, words: errorText(err) });
        showCallbacks();
      }
    } },
    el("label", {}, el("span", {}, t("callback-dismiss-reason")), " ", input),
    el("button", { type: "submit" }, t("callback-dismiss-confirm")),
    el("button", { type: "button", onclick: () => { dismissing.delete(c.id); showCallbacks(); } }, t("callback-dismiss-cancel")));
  return form;
}

function callbackItem(c) {
  const open = c.state !== "closed";
  const late = open && c.late;
  const result = el("span", { class: "dial-result", role: "status" });
  if (calledBack.has(c.id)) showDialed(result, calledBack.get(c.id));
  const takenByTeammate = c.state === "claimed" && !c.mine;
  const actions = open ? el("div", { class: "actions" },
    takenByTeammate ? null : el("button", { type: "button", class: cls("call-back", "primary"), onclick: () => callBackItem(c) }, t("callback-call")),
    dismissing.has(c.id) ? null : el("button", { type: "button", class: "dismiss", onclick: () => { dismissing.set(c.id, ""); showCallbacks(); document.getElementById(`dismiss-reason-${c.id}`)?.focus(); } }, t("callback-dismiss")),
    result) : null;
  return el("li", { class: `item ${c.state}${late ? " late" : ""}${c.mine ? " mine" : ""}`, "data-id": c.id },
    el("div", { class: "item-head" },
      el("span", { "aria-hidden": "true", class: cls("dir", c.kind === "voicemail" ? "voicemail" : "missed") }),
      el("strong", { class: "who" }, c.who),
      el("span", { class: cls("badge", "kind", c.kind) }, t(c.kind === "voicemail" ? "callback-voicemail" : "callback-missed")),
      c.missed_count > 1 ? el("span", { class: cls("badge", "count") }, t("callback-missed-count", { count: c.missed_count })) : null,
      late ? el("span", { class: cls("badge", "late") }, t("callback-late")) : null,
      el("span", { class: "when" }, timeOf(c.last_missed_at || c.opened_at))),
    el("div", { class: "item-sub" },
      c.who !== c.number ? el("span", { class: "number" }, c.number) : null,
      c.line ? el("span", { class: "line" }, c.line.name) : null,
      callbackState(c)),
    c.voicemail_url || c.transcript ? el("div", { class: "voicemail" },
      hooks.link(t("callback-listen"), c.voicemail_url),
      c.transcript ? el("blockquote", { class: "transcript", "aria-label": t("callback-transcript") }, c.transcript) : null) : null,
    actions,
    open && dismissing.has(c.id) ? dismissForm(c) : null);
}

// The count on the navigation: the open items (claimed ones included) and how many are late.
export function showCallbackCount(view) {
  const items = (view.items || []).filter((c) => c.state !== "closed");
  const count = document.getElementById("callbacks-count");
  count.hidden = items.length === 0;
  l10n(count, "tab-count", { count: items.length });
  count.classList.toggle("late", items.some((c) => c.late));
}

export function showCallbacks() {
  const view = callbacksView;
  if (!view) return;
  const items = view.items || [];
  replace(document.getElementById("callbacks"), items.map(callbackItem));
  const empty = document.getElementById("callbacks-empty");
  empty.hidden = items.length > 0;
  empty.textContent = t(callbacksState === "open" ? "callbacks-empty" : "callbacks-closed-empty");
  const note = document.getElementById("callbacks-note");
  note.hidden = !view.offline;
  note.textContent = view.offline ? t("callbacks-offline", { when: dateTime(view.fetched_at) }) : "";
  const late = document.getElementById("callbacks-late");
  const lateCount = items.filter((c) => c.state !== "closed" && c.late).length;
  late.hidden = lateCount === 0;
  late.textContent = t("callbacks-late-count", { count: lateCount });
}

export async function refreshCallbacks() {
  try {
    const view = await api.callbacks(callbacksState);
    if (callbacksState === "open") showCallbackCount(view);
    callbacksView = view;
    showCallbacks();
  } catch (err) {
    callbacksView = callbacksView || { items: [], offline: false };
    showCallbacks();
    hooks.say(errorText(err), "error");
  }
}

for (const radio of document.querySelectorAll("input[name=callbacks-state]")) {
  radio.addEventListener("change", () => {
    callbacksState = radio.value;
    callbacksView = null;
    replace(document.getElementById("callbacks"));
    refreshCallbacks();
  });
}
api.onCallbacks((view) => {
  showCallbackCount(view);
  if (callbacksState === "open") {
    callbacksView = view;
    showCallbacks();
  } else if (hooks.shownTab() === "callbacks") {
    refreshCallbacks();
  }
});

// "My day": today's figures on the team's clock, read when the tab opens and after a call ends.
const DAY_FIGURES = [
  ["answered", "day-answered"],
  ["missed", "day-missed"],
  ["returned", "day-returned"],
  ["outbound", "day-outbound"],
  ["average_handle_seconds", "day-average"],
  ["late", "day-late"],
];

export async function refreshDay() {
  const list = document.getElementById("day");
  try {
    const day = await api.myDay();
    // The team's date (YYYY-MM-DD) in words, in the agent's language.
    const date = /^\d{4}-\d{2}-\d{2}$/.test(day.date)
      ? new Intl.DateTimeFormat(document.documentElement.lang, { dateStyle: "full", timeZone: "UTC" }).format(new Date(`${day.date}T12:00:00Z`))
      : day.date;
    document.getElementById("day-intro").textContent = t("day-intro", { date, timezone: day.timezone });
    const note = document.getElementById("day-note");
    note.hidden = !day.offline;
    note.textContent = day.offline ? t("day-offline", { when: dateTime(day.fetched_at) }) : "";
    replace(list, DAY_FIGURES.map(([key, label]) => {
      const value = day[key];
      const shown = key === "average_handle_seconds"
        ? (value === null || value === undefined ? t("day-average-none") : duration(value))
        : number(value ?? 0);
      const extra = key === "late" && value > 0
        ? el("button", { type: "button", class: "link-button", onclick: () => hooks.selectTab("callbacks") }, t("day-late-link"))
        : null;
      return el("div", { class: cls("figure", key, key === "late" && value > 0 && "overdue") },
        el("dt", {}, t(label)), el("dd", {}, shown, extra));
    }));
  } catch (err) {
    replace(list);
    hooks.say(errorText(err), "error");
  }
}


// An item that passed its deadline since it was drawn is drawn again as late.
export function tick() {
  if (!callbacksView) return;
  const now = Date.now() / 1000;
  const overdue = (callbacksView.items || []).filter((c) => c.state !== "closed" && !c.late && c.due_at && now > c.due_at);
  for (const c of overdue) c.late = true;
  if (overdue.length > 0) {
    showCallbacks();
    if (callbacksState === "open") showCallbackCount(callbacksView);
  }
}
