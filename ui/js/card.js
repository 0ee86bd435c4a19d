// The card window: who is calling, their last conversation and its owner's availability, the
// call's state and timer, call back, tags, a note, and the contact picker for a shared number.
// After the hang-up of an answered call, the card stays open as its wrap-up: the outcome (the
// hub's list; digits pick one), the note, the tags, and Done (Enter), which closes the window.

import * as api from "./api.js";
import { el, replace, AVAILABILITY_DOT, connectionWords, deliveryWords, errorText } from "./dom.js";
import { t, attr, l10n, duration, load as loadLanguage, onChange as onLanguageChange } from "./i18n.js";

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
// What the wrap-up asks ({outcomes, required}), from the hub's settings; null until read.
let wrapUp = null;
let wrapUpReadFor = null; // the call the wrap-up's settings were last read for

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
  const kind = contact.type === "user" ? "user" : "lead";
  switch (contact.status) {
    case "new":
      return [contact.name, t("card-new", { kind })];
    case "anonymous":
      return [contact.name || t("anonymous-caller"), t("card-anonymous")];
    case "ambiguous":
      return [contact.name, t("card-shared", { count: contact.candidates.length })];
    default:
      return [contact.name, t("kind", { kind })];
  }
}

function timerText(c) {
  const now = Date.now() / 1000;
  if (c.state === "ended") {
    const from = c.answered_at || c.started_at;
    return t("timer", { state: "ended", duration: duration((c.ended_at || now) - from) });
  }
  if (c.answered_at) {
    const state = c.state === "transferred" ? "transferred" : "in_call";
    return t("timer", { state, duration: duration(now - c.answered_at) });
  }
  return t("timer", { state: "ringing", duration: duration(now - c.started_at) });
}

// What the card shows was drawn from: a call's events, the window's focus and the app's answer
// often bring the same card, and drawing it again would only delay the frame that shows it.
let drawnFrom = null;

function render(again = false) {
  const from = JSON.stringify([current, knownTags.length, limits !== null, wrapUp]);
  if (from === drawnFrom && !again) return;
  drawnFrom = from;
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
    replace(root, el("p", { class: "empty" }, t("card-empty")));
    return;
  }
  const c = current;
  const card = c.card;
  const [name, kind] = who(card.contact);
  const conversation = card.conversation;
  const owner = conversation && conversation.owner;
  const dot = (owner && AVAILABILITY_DOT[owner.availability]) || "none";
  const words = t("availability-title", { availability: (owner && owner.availability) || "unknown" });

  const header = el("header", { class: "who" },
    el("h1", { id: "contact-name" }, name),
    el("span", { class: "badge", id: "contact-type" }, kind),
    card.phone && card.phone !== name ? el("div", { class: "phone" }, card.phone) : null,
  );
  const links = el("nav", { class: "links" },
    link(t("see-contact"), card.contact.url),
    link(t("see-last-conversation"), conversation && conversation.url),
    card.phone && card.contact.status !== "anonymous"
      ? el("button", { type: "button", id: "call-back", onclick: () => callBack(card.phone, c.call_id) }, t("call-back"))
      : null,
  );
  const conv = conversation
    ? el("section", { class: "conversation" },
        el("div", {}, t("conversation"), el("strong", { id: "conversation-state" }, t("conversation-state", { state: conversation.state }))),
        el("div", { id: "owner" },
          t("owner"),
          owner ? el("strong", {}, owner.name) : el("em", {}, t("unassigned")),
          owner ? el("span", { class: `dot ${dot}`, title: words }) : null,
          owner ? el("span", { id: "availability" }, words) : null,
        ),
        (conversation.tags || []).length
          ? el("div", { class: "conversation-tags" }, t("conversation-tags"),
              el("ul", { class: "chips readonly", id: "conversation-tags", "aria-label": attr("conversation-tags-list", "aria-label") },
                conversation.tags.map((t) => el("li", { class: "chip applied" }, t.name))))
          : null,
      )
    : el("section", { class: "conversation" }, el("em", {}, t("no-conversation")));
  const timer = el("div", { class: "timer", id: "timer" }, timerText(c));

  const picker = card.contact.status === "ambiguous" ? pickerSection(c) : null;
  const wrapping = inWrapUp(c);
  document.body.classList.toggle("wrapping-up", wrapping);
  if (wrapping) {
    readWrapUp(c.call_id);
    replace(root, header, timer, wrapUpSection(c), noteSection(c), tagSection(c), links, conv, picker, doneBar());
  } else {
    replace(root, header, links, conv, timer, outcomeLine(c), picker, tagSection(c), noteSection(c));
  }
  acknowledge(c.call_id);
}

// An answered call that is over, and the agent has not pressed Done on it yet.
function inWrapUp(c) {
  return Boolean(c && c.card && c.state === "ended" && c.answered_at && !c.done);
}

// The wrap-up's settings are read again for each call that ends (the console may change them).
function readWrapUp(callId) {
  if (wrapUpReadFor === callId) return;
  wrapUpReadFor = callId;
  api.wrapUp().then((w) => {
    wrapUp = w;
    render();
  }).catch(() => {});
}

function outcomes() {
  return (wrapUp && wrapUp.outcomes) || [];
}

function wrapUpSection(c) {
  const list = outcomes();
  const chosen = c.outcome;
  const heading = el("h2", {}, t("wrapup-title"));
  if (!list.length) {
    return el("section", { class: "wrapup", id: "wrapup" }, heading, el("p", { class: "hint", id: "wrapup-keys" }, t("wrapup-keys", { outcomes: "no" })));
  }
  const buttons = el("div", { class: "outcomes", id: "outcomes", role: "group", "aria-label": attr("wrapup-outcomes", "aria-label") },
    list.map((name, i) => {
      const picked = Boolean(chosen && chosen.value === name);
      const digit = i < 9 ? String(i + 1) : null;
      return el("button", {
        type: "button",
        class: `outcome${picked ? ` chosen ${chosen.state}` : ""}`,
        "aria-pressed": picked ? "true" : "false",
        "aria-keyshortcuts": digit,
        "data-outcome": name,
        title: picked && chosen.reason ? chosen.reason : null,
        onclick: () => chooseOutcome(c.call_id, name),
      }, digit ? el("kbd", {}, digit) : null, digit ? " " : null, el("span", {}, name));
    }),
  );
  const need = t("wrapup-outcome-need", { required: wrapUp.required ? "yes" : "no" });
  const state = chosen ? el("small", { id: "outcome-state", class: `state ${chosen.state}` }, t("wrapup-outcome-state", { state: chosen.state })) : null;
  return el("section", { class: "wrapup", id: "wrapup" }, heading,
    el("div", { class: "outcome-label" }, el("strong", {}, t("wrapup-outcome")), " ", el("small", { class: "hint" }, need), " ", state),
    buttons,
    el("p", { class: "hint", id: "wrapup-keys" }, t("wrapup-keys", { outcomes: "yes" })));
}

// Done stays in sight at the bottom of the card, whatever the card's length.
function doneBar() {
  return el("div", { class: "done-bar" },
    el("button", { type: "button", id: "wrapup-done", class: "primary", "aria-keyshortcuts": "Enter", onclick: () => done() }, t("wrapup-done")));
}

// The outcome chosen, on a card that is not (or no longer) in its wrap-up.
function outcomeLine(c) {
  if (!c.outcome) return null;
  return el("p", { class: "outcome-line", id: "outcome-line" }, t("wrapup-chosen", { outcome: c.outcome.value }), " ",
    el("small", { class: `state ${c.outcome.state}` }, `(${t("wrapup-outcome-state", { state: c.outcome.state })})`));
}

async function chooseOutcome(callId, name) {
  try {
    const delivery = await api.setOutcome(callId, name);
    if (delivery !== "sent") say(deliveryWords(delivery), delivery === "waiting_for_token" ? "error" : "info");
    else say("");
  } catch (err) {
    say(errorText(err), "error");
  }
  await show(callId);
}

// Done: a note still in the box is saved first, then the wrap-up ends (queued when the hub is
// away) and the window closes. A required outcome not chosen yet keeps the panel open.
let finishing = false;
async function done() {
  const c = current;
  if (!inWrapUp(c) || finishing) return;
  const chosen = c.outcome && c.outcome.state !== "failed";
  if (wrapUp && wrapUp.required && outcomes().length && !chosen) {
    say(t("wrapup-choose-first"), "error");
    document.querySelector("#outcomes>button")?.focus();
    return;
  }
  finishing = true;
  try {
    const note = draft(c.call_id).note.trim();
    if (note && !(limits && length(note) > limits.note_max_chars)) {
      await api.addNote(c.call_id, note);
      draft(c.call_id).note = "";
    }
    await api.wrapUpDone(c.call_id);
    if (current && current.call_id === c.call_id) current = { ...current, done: true };
    say(t("wrapup-closing"));
    render();
    await api.closeWindow();
  } catch (err) {
    say(errorText(err), "error");
  } finally {
    finishing = false;
  }
}

// Keys a field keeps for itself: typing there never picks an outcome or ends the wrap-up.
function typing(target) {
  return Boolean(target && target.closest && target.closest("input,textarea,select"));
}

// Puts the caller's number in the agent's own Aircall phone; the result in words.
async function callBack(phone, callId) {
  say(t("calling"));
  try {
    const result = await api.dial(phone, callId);
    say(result.words, result.placed ? "info" : "error");
  } catch (err) {
    say(errorText(err), "error");
  }
}

// Tells the app, once per call, that its card is on screen: after the next frame is drawn.
function acknowledge(callId) {
  if (acknowledged === callId || !callId) return;
  acknowledged = callId;
  requestAnimationFrame(() => setTimeout(() => api.cardShown(callId).catch(() => {}), 0));
}

function pickerSection(c) {
  const select = el("select", { id: "picker" },
    el("option", { value: "" }, t("picker-choose")),
    c.card.contact.candidates.map((cand) => el("option", { value: cand.id }, t("picker-option", { name: cand.name, kind: cand.type === "user" ? "user" : "lead" }))),
  );
  // The card re-renders as the call moves on: the choice stays until it is sent.
  select.value = draft(c.call_id).contact;
  select.addEventListener("change", () => (draft(c.call_id).contact = select.value));
  const button = el("button", {
    type: "button",
    onclick: async () => {
      if (!select.value) return say(t("picker-first"), "error");
      try {
        const delivery = await api.chooseContact(c.call_id, select.value);
        say(delivery === "sent" ? t("picker-logged") : deliveryWords(delivery), delivery === "waiting_for_token" ? "error" : "info");
      } catch (err) {
        say(errorText(err), "error");
      }
    },
  }, t("picker-log"));
  return el("section", { class: "picker" }, el("label", { for: "picker" }, t("picker-label")), select, button);
}

function tagSection(c) {
  const logged = c.card.call_conversation || {};
  const chips = el("ul", { class: "chips", id: "tags" },
    (c.tags || []).map((tag) => el("li", { class: `chip ${tag.state}`, title: tag.reason || t("chip-state", { state: tag.state }) },
      el("span", {}, tag.value),
      tag.state === "removing" ? null : el("button", {
        type: "button",
        class: "remove",
        "aria-label": attr("remove-tag", "aria-label", { tag: tag.value }),
        onclick: () => act(() => api.removeTag(c.call_id, tag.value)),
      }, "×"),
    )),
  );
  const where = t(logged.id ? "tags-where-logged" : "tags-where-not-logged");
  const trouble = logged.tags_error ? el("p", { class: "message error" }, t("tags-error", { error: logged.tags_error })) : null;
  const input = l10n(el("input", { id: "tag-input", list: "tag-names", autocomplete: "off" }), "tag-input");
  input.value = draft(c.call_id).tag;
  input.addEventListener("input", () => (draft(c.call_id).tag = input.value));
  const list = el("datalist", { id: "tag-names" }, knownTags.map((t) => el("option", { value: t.name })));
  const form = el("form", {
    class: "add-tag",
    onsubmit: (e) => {
      e.preventDefault();
      const name = input.value.trim();
      if (limits && length(name) > limits.tag_max_chars) {
        return say(t("tag-too-long", { max: limits.tag_max_chars }), "error");
      }
      if (name) {
        draft(c.call_id).tag = "";
        act(() => api.addTag(c.call_id, name));
      }
    },
  }, input, list, el("button", { type: "submit" }, t("add-tag")));
  return el("section", { class: "tags" }, el("h2", {}, t("tags-title")), el("p", { class: "hint" }, where), trouble, chips, form);
}

function noteSection(c) {
  const notes = el("ul", { class: "notes" },
    (c.notes || []).map((n) => el("li", { class: n.state, title: n.reason || n.state }, n.value,
      el("small", {}, n.reason && n.state !== "sent" ? ` (${t("note-state", { state: n.state })}: ${n.reason})` : ` (${t("note-state", { state: n.state })})`))),
  );
  const box = l10n(el("textarea", { id: "note-input", rows: 3 }), "note-input");
  box.value = draft(c.call_id).note;
  const count = el("small", { id: "note-count", class: "hint" });
  const counted = () => {
    if (!limits) return;
    const n = length(box.value.trim());
    count.textContent = n > limits.note_max_chars ? t("note-count", { count: n, max: limits.note_max_chars }) : "";
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
        return say(t("note-too-long", { max: limits.note_max_chars, count: length(body) }), "error");
      }
      if (body) {
        draft(c.call_id).note = "";
        act(() => api.addNote(c.call_id, body));
      }
    },
  }, box, count, el("button", { type: "submit" }, t("save-note")));
  return el("section", { class: "notes" }, el("h2", {}, t("notes-title")), notes, form);
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
      el("h1", { id: "contact-name" }, m.phone || t("unknown-number")),
      el("span", { class: "badge", id: "contact-type" }, m.title),
      m.line ? el("div", { class: "phone" }, m.line) : null),
    el("blockquote", { class: "message-text", id: "message-text" }, m.text),
    m.phone ? el("nav", { class: "links" }, el("button", { type: "button", id: "call-back", onclick: () => callBack(m.phone, null) }, t("call-back"))) : null,
  );
}

// Shows a call's card: the one already here at once, then the app's latest (the hub's, with
// the call's own conversation and tags), drawn again when it comes.
async function show(callId) {
  if (current && current.call_id === callId && current.card) render();
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
  const wrapping = inWrapUp(current);
  if (wrapping && e.key === "Escape") {
    // The wrap-up stays open: Escape only leaves the field the agent was typing in.
    e.preventDefault();
    if (typing(e.target)) e.target.blur();
  } else if (wrapping && /^[1-9]$/.test(e.key) && !typing(e.target) && !e.altKey && !e.ctrlKey && !e.metaKey) {
    const name = outcomes()[Number(e.key) - 1];
    if (name) {
      e.preventDefault();
      chooseOutcome(current.call_id, name);
    }
  } else if (wrapping && e.key === "Enter" && !typing(e.target)
    && !(e.target.closest && e.target.closest("button:not(.outcome):not(#wrapup-done),a"))) {
    e.preventDefault();
    done();
  } else if (e.key === "Escape") {
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

// A call changed: the app sends its stored card with the event, so a ringing call's card is
// drawn from it at once, without asking the app again (the window's `card://focus`, which
// follows when the card opens, brings the hub's latest after it is drawn). A call that rings
// before the hub made its card is followed once `card.ready` brings the card, even if the call
// was answered or ended by then.
let lastRung = null; // the last call that rang and whose card is not drawn yet
api.onCall((stored) => {
  const same = current && stored.call_id === current.call_id;
  if (stored.state === "ringing") lastRung = stored.call_id;
  if (current && !same && stored.call_id !== lastRung) return;
  if (stored.card) {
    if (stored.call_id === lastRung) lastRung = null;
    current = stored;
    render();
  } else if (same) {
    current = { ...stored, card: current.card };
    render();
  }
});
api.onCardFocus((callId) => show(callId));
// The hub ended the wrap-up (Aircall's wrap-up time, or the hub's timer): the card closes, unless
// a required outcome is still missing, which the panel then asks for.
api.onWrapUpEnded((ended) => {
  if (!current || current.call_id !== ended.call_id || !inWrapUp(current)) return;
  if (ended.close) {
    current = { ...current, done: true };
    render();
    api.closeWindow();
  } else if (ended.by !== "agent") {
    say(t("wrapup-ended"), "error");
  }
});
api.onMessage(showMessage);
// The app shows the prepared window once, off screen, before the first ring: a sample card is
// drawn and painted then, so that the first ring's card comes as fast as the others'.
api.onPrime(() => {
  if (current) return;
  const now = Date.now() / 1000;
  current = {
    call_id: 0, state: "ringing", started_at: now,
    card: {
      call_id: 0, phone: "+33 1 00 00 00 00",
      contact: { status: "known", name: "—", type: "lead", candidates: [] },
      conversation: { id: "0", state: "open", url: null, tags: [{ name: "—" }],
        owner: { name: "—", availability: "available" } },
    },
  };
  render();
  requestAnimationFrame(() => requestAnimationFrame(() => {
    if (current && current.call_id === 0) {
      current = null;
      render();
    }
  }));
});
api.onStatus((s) => (statusLine.textContent = connectionWords(s)));

// Another language: the card and its status line are drawn again; drafts and focus stay.
onLanguageChange(() => {
  render(true);
  api.status().then((s) => (statusLine.textContent = connectionWords(s))).catch(() => {});
});

(async () => {
  await loadLanguage().catch((err) => say(errorText(err), "error"));
  // A call that arrived while the catalog loaded is drawn again in words.
  if (current) render(true);
  api.status().then((s) => (statusLine.textContent = connectionWords(s))).catch(() => {});
  limits = await api.limits().catch(() => null);
  wrapUp = await api.wrapUp().catch(() => null);
  await loadTags();
  if (location.hash === "#message") return showMessage(await api.lastMessage().catch(() => null));
  const fromHash = Number(location.hash.slice(1));
  if (fromHash) return show(fromHash);
  const recent = await api.recentCards(1).catch(() => []);
  current = recent[0] || null;
  if (current) return show(current.call_id);
  render();
})();
