// Building the page without HTML parsing: every text, and above all every string that comes
// from Aircall or Intercom, is set with textContent.

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

export const AVAILABILITY = {
  available: ["available", "Available"],
  in_call: ["busy", "In a call"],
  after_call_work: ["busy", "After-call work"],
  do_not_disturb: ["away", "Do not disturb"],
  offline: ["away", "Offline"],
};

export function connectionWords(status) {
  const c = status.connection;
  const words = {
    connected: "Connected",
    connecting: "Connecting…",
    reconnecting: `Reconnecting (attempt ${c.attempt})…`,
    offline: "Offline",
    unauthorized: "The hub refuses the agent token: fix it in Settings",
  }[c.state] || c.state;
  const parts = [words, status.mode];
  if (status.queued > 0 && c.state === "unauthorized") parts.push(`${status.queued} kept until the token is fixed`);
  else if (status.queued > 0) parts.push(`${status.queued} queued`);
  if (status.paused) parts.push("notifications paused");
  return parts.join(" · ");
}

// What became of a tag, note or contact pick the agent just sent.
export function deliveryWords(delivery) {
  return {
    sent: "Sent to the hub; it reaches Intercom in a moment.",
    queued: "Queued: it is sent when the hub is back.",
    waiting_for_token: "Kept here: the hub refuses the agent token (rotated or mistyped). It is sent once the token is fixed in Settings.",
  }[delivery] || delivery;
}

export function errorText(error) {
  if (error && typeof error === "object" && "message" in error) return error.message;
  return String(error);
}

export function duration(seconds) {
  const s = Math.max(0, Math.floor(seconds));
  const m = Math.floor(s / 60);
  return `${m}:${String(s % 60).padStart(2, "0")}`;
}
