// Building the page without HTML parsing: every text, and above all every string that comes
// from Aircall or Intercom, is set with textContent.

import { t } from "./i18n.js";

export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (key === "class") node.className = value;
    else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else node.setAttribute(key, value === true ? "" : String(value));
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

export function replace(node, ...children) {
  node.replaceChildren(...children.flat().filter((c) => c !== null && c !== undefined && c !== false));
}

// An owner's availability: the dot's class and the message that names it.
export const AVAILABILITY_DOT = {
  available: "available",
  in_call: "busy",
  after_call_work: "busy",
  do_not_disturb: "away",
  offline: "away",
};

export function connectionWords(status) {
  const c = status.connection;
  const words = {
    connected: () => t("connection-connected"),
    connecting: () => t("connection-connecting"),
    reconnecting: () => t("connection-reconnecting", { attempt: c.attempt }),
    offline: () => t("connection-offline"),
    unauthorized: () => t("status-unauthorized"),
  }[c.state];
  const mode = t("mode-name", { mode: status.mode.replace(/ /g, "-") });
  const parts = [t("status-line", { state: words ? words() : c.state, mode })];
  if (status.queued > 0 && c.state === "unauthorized") parts.push(t("status-kept", { count: status.queued }));
  else if (status.queued > 0) parts.push(t("status-queued", { count: status.queued }));
  if (status.paused) parts.push(t("status-paused"));
  return parts.join(" · ");
}

// What became of a tag, note or contact pick the agent just sent.
export function deliveryWords(delivery) {
  const id = { sent: "delivery-sent", queued: "delivery-queued", waiting_for_token: "delivery-waiting-for-token" }[delivery];
  return id ? t(id) : delivery;
}

export function errorText(error) {
  if (error && typeof error === "object" && "message" in error) return error.message;
  return String(error);
}
