// The card window: who is calling, their last conversation and its owner's availability, the
// call's state and timer, call back, tags, a note, and the contact picker for a shared number.

import * as api from "./api.js";
import { el, replace, AVAILABILITY, connectionWords, deliveryWords, errorText, duration } from "./dom.js";

const root = document.getElementById("card");
const statusLine = document.getElementById("status");
const message = document.getElementById("message");
let current = null; // the StoredCard shown
let knownTags = [];
// The app's limits, in characters (Unicode scalar values, `[...text].length`), as the app and
// the hub count them; the app refuses a longer note or tag with the reason anyway.
let limits = null;
const length = (text) => [...text].length;
let acknowledged = null; // the last call whose card was drawn and acknowledged
// What the agent is typing, per call: a re-render (the call's state changes every few seconds)
// must not lose it, nor the focus.
const drafts = new Map();

function draft(callId) {
  if (!drafts.has(callId)) drafts.set(callId, { tag: "", note: "", contact: "" });
  return drafts.get(callId);
}

function say(text, kind = "info") {
  message.textContent = text;
  message.className = `message ${kind}`;
}

function link(label, url) {
  if (!url) return null;
  return el("a", {
    href: "#",
    class: "link",
    onclick: (e) => {
      e.preventDefault();
      api.openLink(url).catch((err) => say(errorText(err), "error"));
    },
  }, label);
}

function who(contact) {
  const kind = contact.type === "user" ? "User" : "Lead";
  switch (contact.status) {
    case "new":
      return [contact.name, `Aircall new ${kind.toLowerCase()}`];
    case "anonymous":
      return [contact.name || "Anonymous caller", "Anonymous"];
    case "ambiguous":
      return [contact.name, `${contact.candidates.length} contacts share this number`];
    default:
      return [contact.name, kind];
  }
}

function timerText(c) {
  const now = Date.now() / 1000;
  if (c.state === "ended") {
    const from = c.answered_at || c.started_at;
    return `Ended · ${duration((c.ended_at || now) - from)}`;
  }
  if (c.answered_at) return `${c.state === "transferred" ? "Transferred" : "In call"} · ${duration(now - c.answered_at)}`;
  return `Ringing · ${duration(now - c.started_at)}`;
}

function render() {
  const focused = document.activeElement && document.activeElement.id;
  renderCard();
  if (focused === "note-input" || focused === "tag-input") {
    const input = document.getElementById(focused);
    if (input) {
      input.focus();
      input.setSelectionRange(input.value.length, input.value.length);
    }
  }
}

function renderCard() {
  if (!current || !current.card) {
    replace(root, el("p", { class: "empty" }, "No call yet. The card opens when a call rings."));
    return;
  }
  const c = current;
  const card = c.card;
  const [name, kind] = who(card.contact);
  const conversation = card.conversation;
  const owner = conversation && conversation.owner;
  const [dot, words] = owner && owner.availability ? AVAILABILITY[owner.availability] || ["away", owner.availability] : ["none", "Availability unknown"];

  const header = el("header", { class: "who" },
    el("h1", { id: "contact-name" }, name),
    el("span", { class: "badge", id: "contact-type" }, kind),
    card.phone && card.phone !== name ? el("div", { class: "phone" }, card.phone) : null,
  );
  const links = el("nav", { class: "links" },
    link("See contact page", card.contact.url),
    link("See last conversation", conversation && conversation.url),
    card.phone && card.contact.status !== "anonymous"
      ? el("button", { type: "button", id: "call-back", onclick: () => callBack(card.phone, c.call_id) }, "Call back")
      : null,
  );
  const conv = conversation
    ? el("section", { class: "conversation" },
        el("div", {}, "Conversation: ", el("strong", { id: "conversation-state" }, conversation.state)),
        el("div", { id: "owner" },
          "Owner: ",
          owner ? el("strong", {}, owner.name) : el("em", {}, "unassigned"),
          owner ? el("span", { class: `dot ${dot}`, title: words }) : null,
          owner ? el("span", { id: "availability" }, words) : null,
        ),
        (conversation.tags || []).length
          ? el("div", { class: "conversation-tags" }, "Tags: ",
              el("ul", { class: "chips readonly", id: "conversation-tags", "aria-label": "Tags of the last conversation" },
                conversation.tags.map((t) => el("li", { class: "chip applied" }, t.name))))
          : null,
      )
    : el("section", { class: "conversation" }, el("em", {}, "No previous conversation"));
  const timer = el("div", { class: "timer", id: "timer" }, timerText(c));

  const picker = card.contact.status === "ambiguous" ? pickerSection(c) : null;
  replace(root, header, links, conv, timer, picker, tagSection(c), noteSection(c));
  acknowledge(c.call_id);
}

// Puts the caller's number in the agent's own Aircall phone; the result in words.
async function callBack(phone, callId) {
  say("Calling…");
  try {
    const result = await api.dial(phone, callId);
    say(result.words, result.placed ? "info" : "error");
  } catch (err) {
    say(errorText(err), "error");
  }
}

// Tells the app, once per call, that its card is on screen: after the next frame is drawn.
function acknowledge(callId) {
  if (acknowledged === callId) return;
  acknowledged = callId;
  requestAnimationFrame(() => setTimeout(() => api.cardShown(callId).catch(() => {}), 0));
}

function pickerSection(c) {
  const select = el("select", { id: "picker" },
    el("option", { value: "" }, "Choose the contact to log this call to…"),
    c.card.contact.candidates.map((cand) => el("option", { value: cand.id }, `${cand.name} (${cand.type === "user" ? "User" : "Lead"})`)),
  );
  // The card re-renders as the call moves on: the choice stays until it is sent.
  select.value = draft(c.call_id).contact;
  select.addEventListener("change", () => (draft(c.call_id).contact = select.value));
  const button = el("button", {
    type: "button",
    onclick: async () => {
      if (!select.value) return say("Choose a contact first.", "error");
      try {
        const delivery = await api.chooseContact(c.call_id, select.value);
        say(delivery === "sent" ? "The call will be logged to this contact." : deliveryWords(delivery), delivery === "waiting_for_token" ? "error" : "info");
      } catch (err) {
        say(errorText(err), "error");
      }
    },
  }, "Log to this contact");
  return el("section", { class: "picker" }, el("label", { for: "picker" }, "Shared number"), select, button);
}

// What each chip state means, for its tooltip.
const CHIP_STATES = {
  applied: "on the conversation in Intercom",
  adding: "on its way to Intercom",
  removing: "being removed in Intercom",
  sent: "sent to the hub",
  queued: "kept here until the hub is back (or the agent token is fixed)",
  waiting: "accepted; it waits until the call is logged",
  failed: "refused",
};

function tagSection(c) {
  const logged = c.card.call_conversation || {};
  const chips = el("ul", { class: "chips", id: "tags" },
    (c.tags || []).map((t) => el("li", { class: `chip ${t.state}`, title: t.reason || CHIP_STATES[t.state] || t.state },
      el("span", {}, t.value),
      t.state === "removing" ? null : el("button", {
        type: "button",
        class: "remove",
        "aria-label": `Remove tag ${t.value}`,
        onclick: () => act(() => api.removeTag(c.call_id, t.value)),
      }, "×"),
    )),
  );
  const where = logged.id
    ? "Tags of this call's conversation in Intercom."
    : "Tags go on this call's conversation once it is logged.";
  const trouble = logged.tags_error ? el("p", { class: "message error" }, `Intercom's tags could not be read: ${logged.tags_error}`) : null;
  const input = el("input", { id: "tag-input", list: "tag-names", placeholder: "Add a tag (Alt+T)", autocomplete: "off" });
  input.value = draft(c.call_id).tag;
  input.addEventListener("input", () => (draft(c.call_id).tag = input.value));
  const list = el("datalist", { id: "tag-names" }, knownTags.map((t) => el("option", { value: t.name })));
  const form = el("form", {
    class: "add-tag",
    onsubmit: (e) => {
      e.preventDefault();
      const name = input.value.trim();
      if (limits && length(name) > limits.tag_max_chars) {
        return say(`A tag has at most ${limits.tag_max_chars} characters.`, "error");
      }
      if (name) {
        draft(c.call_id).tag = "";
        act(() => api.addTag(c.call_id, name));
      }
    },
  }, input, list, el("button", { type: "submit" }, "Add"));
  return el("section", { class: "tags" }, el("h2", {}, "Tags"), el("p", { class: "hint" }, where), trouble, chips, form);
}

function noteSection(c) {
  const notes = el("ul", { class: "notes" },
    (c.notes || []).map((n) => el("li", { class: n.state, title: n.reason || n.state }, n.value,
      el("small", {}, n.reason && n.state !== "sent" ? ` (${n.state}: ${n.reason})` : ` (${n.state})`))),
  );
  const box = el("textarea", { id: "note-input", rows: 3, placeholder: "A note for the conversation (Alt+N; Ctrl+Enter saves)" });
  box.value = draft(c.call_id).note;
  const count = el("small", { id: "note-count", class: "hint" });
  const counted = () => {
    if (!limits) return;
    const n = length(box.value.trim());
    count.textContent = n > limits.note_max_chars ? `${n} / ${limits.note_max_chars} characters: too long` : "";
  };
  counted();
  box.addEventListener("input", () => {
    draft(c.call_id).note = box.value;
    counted();
  });
  box.addEventListener("keydown", (e) => {
    if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) {
      e.preventDefault();
      box.form.requestSubmit();
    }
  });
  const form = el("form", {
    class: "note",
    onsubmit: (e) => {
      e.preventDefault();
      const body = box.value.trim();
      if (limits && length(body) > limits.note_max_chars) {
        return say(`A note has at most ${limits.note_max_chars} characters; this one has ${length(body)}.`, "error");
      }
      if (body) {
        draft(c.call_id).note = "";
        act(() => api.addNote(c.call_id, body));
      }
    },
  }, box, count, el("button", { type: "submit" }, "Save note"));
  return el("section", { class: "notes" }, el("h2", {}, "Notes"), notes, form);
}

async function act(run) {
  try {
    const delivery = await run();
    say(deliveryWords(delivery), delivery === "waiting_for_token" ? "error" : "info");
  } catch (err) {
    say(errorText(err), "error");
  }
  await show(current.call_id);
}

// An inbound SMS or WhatsApp message's card: who wrote, on which line, the text, call back.
function showMessage(m) {
  if (!m) return;
  current = null;
  replace(root,
    el("header", { class: "who" },
      el("h1", { id: "contact-name" }, m.phone || "Unknown number"),
      el("span", { class: "badge", id: "contact-type" }, m.title),
      m.line ? el("div", { class: "phone" }, m.line) : null),
    el("blockquote", { class: "message-text", id: "message-text" }, m.text),
    m.phone ? el("nav", { class: "links" }, el("button", { type: "button", id: "call-back", onclick: () => callBack(m.phone, null) }, "Call back")) : null,
  );
}

async function show(callId) {
  try {
    current = await api.card(callId);
    render();
  } catch (err) {
    say(errorText(err), "error");
  }
}

async function loadTags() {
  try {
    knownTags = (await api.tags()) || [];
  } catch (_) {
    knownTags = [];
  }
}

document.addEventListener("keydown", (e) => {
  if (e.key === "Escape") {
    e.preventDefault();
    api.closeWindow();
  } else if (e.altKey && (e.key === "n" || e.key === "N")) {
    e.preventDefault();
    document.getElementById("note-input")?.focus();
  } else if (e.altKey && (e.key === "t" || e.key === "T")) {
    e.preventDefault();
    document.getElementById("tag-input")?.focus();
  }
});

setInterval(() => {
  const timer = document.getElementById("timer");
  if (timer && current) timer.textContent = timerText(current);
}, 1000);

api.onCall((stored) => {
  if (!current || stored.call_id === current.call_id || stored.state === "ringing") {
    show(stored.call_id);
  }
});
api.onCardFocus((callId) => show(callId));
api.onMessage(showMessage);
api.onStatus((s) => (statusLine.textContent = connectionWords(s)));

(async () => {
  api.status().then((s) => (statusLine.textContent = connectionWords(s))).catch(() => {});
  limits = await api.limits().catch(() => null);
  await loadTags();
  if (location.hash === "#message") return showMessage(await api.lastMessage().catch(() => null));
  const fromHash = Number(location.hash.slice(1));
  if (fromHash) return show(fromHash);
  const recent = await api.recentCards(1).catch(() => []);
  current = recent[0] || null;
  if (current) return show(current.call_id);
  render();
})();
