// What the main window's lists share: class lists, "how long ago" with the date and time on
// hover, and the words a call back gave.

import { t, dateTime, number } from "./i18n.js";
import { el } from "./dom.js";

// A class list from its names (those that are not false or empty).
export const cls = (...names) => names.filter(Boolean).join(" ");

// "How long ago" for today's times ("5 min ago"), the date beyond; the full date and time on
// hover and for assistive technology.
export function ago(seconds) {
  const s = Math.max(0, Math.floor(Date.now() / 1000) - seconds);
  if (s < 60) return t("ago-now");
  if (s < 3600) return t("ago-minutes", { n: number(Math.floor(s / 60)) });
  if (s < 86400) return t("ago-hours", { n: number(Math.floor(s / 3600)) });
  if (s < 7 * 86400) return t("ago-days", { n: Math.floor(s / 86400) });
  return dateTime(seconds);
}

export function timeOf(seconds) {
  if (!seconds) return null;
  return el("time", { datetime: new Date(seconds * 1000).toISOString(), title: dateTime(seconds) }, ago(seconds));
}

// What a dial gave ({words, placed}), in the element that says it.
export function showDialed(where, result) {
  where.textContent = result.words;
  where.className = `dial-result ${result.placed ? "dial-ok" : "dial-failed"}`;
}
