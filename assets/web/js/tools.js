// Tool calls of this page's session in the transcript: a card per call (with Allow once / Always allow /
// Deny when the relay asks this page for consent), its result, and grounding sources as links.
// The relay protocol's tool messages: docs/relay-protocol.md, "Tools".

const DECISIONS = [
  ["allow_once", "Allow once"],
  ["always", "Always allow"],
  ["deny", "Deny"],
];

function argsText(args) {
  const entries = Object.entries(args || {});
  if (entries.length === 0) return "no arguments";
  return entries.map(([key, value]) => `${key}: ${typeof value === "string" ? value : JSON.stringify(value)}`).join("\n");
}

function webLink(uri) {
  try {
    const url = new URL(uri);
    return url.protocol === "https:" || url.protocol === "http:" ? url.href : null;
  } catch {
    return null;
  }
}

export class ToolCards {
  // container: the transcript element; answer(id, decision): send tool_consent, true when sent;
  // record: the page state's list of calls ({id, name, args, needsConsent, answer, outcome, decision, summary}).
  constructor({ container, answer, record, sources }) {
    this.container = container;
    this.answer = answer;
    this.record = record;
    this.sources = sources;
    this.cards = new Map();
  }

  call({ id, name, args, needs_consent: needsConsent }) {
    if (typeof id !== "string" || typeof name !== "string" || this.cards.has(id)) return;
    const element = document.createElement("div");
    element.className = "turn tool";
    element.tabIndex = -1; // keeps keyboard focus on the card once its buttons are gone
    element.dataset.callId = id;
    const who = document.createElement("span");
    who.className = "who";
    who.textContent = "Tool";
    const title = document.createElement("p");
    title.className = "tool-name";
    title.textContent = needsConsent ? `Gemini wants to use ${name}` : `Gemini uses ${name}`;
    const detail = document.createElement("pre");
    detail.className = "tool-args";
    detail.textContent = argsText(args);
    const status = document.createElement("p");
    status.className = "tool-status";
    status.setAttribute("role", "status");
    status.textContent = needsConsent ? "Waiting for your answer…" : "Running…";
    element.append(who, title, detail, status);
    const entry = { id, name, args: args || {}, needsConsent: Boolean(needsConsent), answer: null, outcome: null, decision: "", summary: "" };
    this.record.push(entry);
    const card = { element, status, buttons: null, entry };
    if (needsConsent) card.buttons = this.buttons(card);
    this.cards.set(id, card);
    this.show(element);
  }

  buttons(card) {
    const group = document.createElement("div");
    group.className = "consent";
    group.setAttribute("role", "group");
    group.setAttribute("aria-label", `Allow ${card.entry.name}?`);
    for (const [decision, label] of DECISIONS) {
      const button = document.createElement("button");
      button.type = "button";
      button.dataset.decision = decision;
      button.textContent = label;
      if (decision === "allow_once") button.className = "primary";
      button.addEventListener("click", () => this.decide(card, decision));
      group.append(button);
    }
    card.element.append(group);
    return group;
  }

  decide(card, decision) {
    if (!this.answer(card.entry.id, decision)) {
      card.status.textContent = "Not connected: the answer was not sent.";
      return;
    }
    card.entry.answer = decision;
    card.status.textContent = decision === "deny" ? "Denied." : "Allowed, running…";
    this.withdraw(card);
  }

  withdraw(card) {
    if (!card.buttons) return;
    const hadFocus = card.buttons.contains(document.activeElement);
    card.buttons.remove();
    card.buttons = null;
    if (hadFocus) card.element.focus?.();
  }

  result({ id, name, decision = "", outcome = "", summary = "" }) {
    if (typeof id !== "string") return;
    if (!this.cards.has(id)) this.call({ id, name, args: {}, needs_consent: false });
    const card = this.cards.get(id);
    if (!card) return;
    this.withdraw(card);
    Object.assign(card.entry, { decision, outcome, summary });
    card.element.classList.add(outcome === "done" ? "tool-done" : "tool-failed");
    const said = outcome === "done" ? "Done" : outcome === "cancelled" ? "Cancelled" : `Not run (${outcome})`;
    card.status.textContent = [said, decision, summary].filter(Boolean).join(" — ");
    this.cards.delete(id);
  }

  grounding({ queries = [], sources = [] }) {
    const links = (Array.isArray(sources) ? sources : [])
      .map((source) => ({ title: String(source?.title || source?.uri || ""), uri: webLink(source?.uri) }))
      .filter((source) => source.uri);
    if (links.length === 0) return;
    const element = document.createElement("div");
    element.className = "turn sources";
    const who = document.createElement("span");
    who.className = "who";
    who.textContent = "Sources";
    element.append(who);
    const searched = (Array.isArray(queries) ? queries : []).filter((q) => typeof q === "string");
    if (searched.length) {
      const note = document.createElement("p");
      note.className = "muted";
      note.textContent = `Searched: ${searched.join(", ")}`;
      element.append(note);
    }
    const list = document.createElement("ul");
    for (const { title, uri } of links) {
      const item = document.createElement("li");
      const link = document.createElement("a");
      link.href = uri;
      link.textContent = title;
      link.target = "_blank";
      link.rel = "noopener noreferrer";
      item.append(link);
      list.append(item);
      this.sources.push({ title, uri });
    }
    element.append(list);
    this.show(element);
  }

  // The connection closed: open cards can no longer be answered (the relay counts them as denied).
  closeAll() {
    for (const card of this.cards.values()) {
      this.withdraw(card);
      card.status.textContent = "The session ended before this call finished.";
    }
    this.cards.clear();
  }

  show(element) {
    document.getElementById("transcript-empty")?.remove();
    this.container.append(element);
    this.container.scrollTop = this.container.scrollHeight;
  }
}
