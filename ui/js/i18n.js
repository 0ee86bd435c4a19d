// The windows' words, dates and durations in the agent's language. The catalog comes from the
// app (`catalog`: the same Fluent files the tray and notifications use) and is formatted with
// @fluent/bundle; dates, times and durations use the browser's Intl in the agent's locale.
// Static text in the HTML names its message with data-l10n-id; a message's attributes fill the
// element's attributes (placeholder, aria-label, title). When Settings change the language the
// app says so (`i18n://changed`) and every window formats its words again, without restarting.

import { FluentBundle, FluentResource } from "../vendor/fluent-bundle/index.js";
import * as api from "./api.js";

let bundle = null;
let locale = "en";
const redraws = [];

// Message `id` with `args`, in the agent's language; the id itself if the catalog lacks it.
export function t(id, args) {
  const message = bundle && bundle.getMessage(id);
  if (!message || !message.value) return id;
  return bundle.formatPattern(message.value, args);
}

// Attribute `name` of message `id`.
export function attr(id, name, args) {
  const message = bundle && bundle.getMessage(id);
  const pattern = message && message.attributes[name];
  return pattern ? bundle.formatPattern(pattern, args) : "";
}

// Sets an element's text and attributes from message `id` (and remembers it for `localize`).
export function l10n(node, id, args) {
  node.dataset.l10nId = id;
  if (args) node.dataset.l10nArgs = JSON.stringify(args);
  else delete node.dataset.l10nArgs;
  apply(node);
  return node;
}

function apply(node) {
  const message = bundle && bundle.getMessage(node.dataset.l10nId);
  if (!message) return;
  const args = node.dataset.l10nArgs ? JSON.parse(node.dataset.l10nArgs) : undefined;
  if (message.value) node.textContent = bundle.formatPattern(message.value, args);
  for (const [name, pattern] of Object.entries(message.attributes)) {
    node.setAttribute(name, bundle.formatPattern(pattern, args));
  }
}

// Every element under `root` that names its message.
export function localize(root = document) {
  for (const node of root.querySelectorAll("[data-l10n-id]")) apply(node);
}

// A date and time (UNIX seconds) in the agent's locale: `30/11/2026 05:22`, `11/30/26, 5:22 AM`.
export function dateTime(seconds) {
  if (!seconds) return "";
  return new Intl.DateTimeFormat(locale, { dateStyle: "short", timeStyle: "short" }).format(new Date(seconds * 1000));
}

// A call's duration: `1:05`, or `1:05:00` past the hour, in the locale's digits.
export function duration(seconds) {
  const s = Math.max(0, Math.floor(seconds));
  const parts = { hours: Math.floor(s / 3600), minutes: Math.floor((s % 3600) / 60), seconds: s % 60 };
  if (typeof Intl.DurationFormat === "function") {
    return new Intl.DurationFormat(locale, { style: "digital", hoursDisplay: "auto" }).format(parts);
  }
  const two = (n) => String(n).padStart(2, "0");
  return parts.hours ? `${parts.hours}:${two(parts.minutes)}:${two(parts.seconds)}` : `${parts.minutes}:${two(parts.seconds)}`;
}

// A count in the agent's locale.
export function number(n) {
  return new Intl.NumberFormat(locale).format(n);
}

// Runs `redraw` whenever the language changes (after the static text is redone).
export function onChange(redraw) {
  redraws.push(redraw);
}

// Loads the catalog of the app's language and formats the page with it.
export async function load() {
  const catalog = await api.catalog();
  const next = new FluentBundle(catalog.lang, { useIsolating: false });
  const errors = next.addResource(new FluentResource(catalog.ftl));
  for (const error of errors) console.warn("catalog:", error);
  bundle = next;
  locale = catalog.locale;
  document.documentElement.lang = catalog.lang;
  localize();
}

api.onLanguage(async () => {
  await load();
  for (const redraw of redraws) redraw();
});
