// The page: wires the relay client, microphone, camera and player to the controls and the transcript.
// Page state for people is on screen; for tests it is mirrored in window.__gld (read-only by convention).

import { base64ToBytes } from "./b64.js";
import { Camera } from "./camera.js";
import { Microphone } from "./mic.js";
import { Player } from "./player.js";
import { RelayClient } from "./relay-client.js";
import { Backoff, RETRY_CODES } from "./retry.js";
import { ToolCards } from "./tools.js";

const VOICES = [
  "Zephyr", "Puck", "Charon", "Kore", "Fenrir", "Leda", "Orus", "Aoede", "Callirrhoe", "Autonoe",
  "Enceladus", "Iapetus", "Umbriel", "Algieba", "Despina", "Erinome", "Algenib", "Rasalgethi",
  "Laomedeia", "Achernar", "Alnilam", "Schedar", "Gacrux", "Pulcherrima", "Achird",
  "Zubenelgenubi", "Vindemiatrix", "Sadachbia", "Sadaltager", "Sulafat",
];

const CLOSE_MEANINGS = {
  1000: "The session ended.",
  1001: "The relay is shutting down.",
  1006: "Lost the connection to the relay.",
  1008: "The relay refused this connection.",
  1009: "A message was too large for the relay.",
  1011: "The live session failed.",
  1013: "Try again later.",
};

const $ = (id) => document.getElementById(id);

// Microphone chunks (20 ms) kept between Connect and the session going live, so the first words spoken
// right after the click reach the model. Bounded: beyond it the oldest are dropped (and counted).
const PREROLL_CHUNKS = 100;

const gld = {
  state: "idle", // idle | connecting | live | reconnecting | retrying | closed | error
  statusLine: "", // the status line's text
  statusLog: [], // the last 20 {state, text} shown, oldest first
  relaySession: null, // last {"session": {"state"}} from the relay
  reconnects: 0, // times the relay said "connected" again after "reconnecting"
  relayRetries: 0, // attempts to reach a relay that was down (the page tries again by itself)
  relayDownSince: null, // Date.now() when the relay was found down; null while it answers
  retryPending: false, // a retry is scheduled ("Stop trying" cancels it)
  backend: null,
  samplesPlayed: 0,
  underruns: 0,
  flushedSamples: 0,
  interruptions: 0,
  audioChunksSent: 0,
  audioChunksSentReconnecting: 0, // sent while the relay's live session reconnects (it buffers them)
  audioChunksDropped: 0,
  prerollDropped: 0, // chunks spoken before the session was live that did not fit PREROLL_CHUNKS
  framesSent: 0,
  messagesIn: 0,
  turnsCompleted: 0,
  micLevel: 0,
  micOn: false,
  cameraOn: false,
  transcript: [], // {role: "user" | "model", text, final, interrupted?}, in the order shown
  tools: [], // this session's tool calls: {id, name, args, needsConsent, answer, outcome, decision, summary}
  sources: [], // grounding sources shown as links: {title, uri}
  errors: [], // {code, message, repeats}: each shown once; the same one again only counts a repeat
  defaultVoice: null, // the voice the relay uses when none is chosen (from /status)
};
window.__gld = gld;

let relay = null;
let modality = "AUDIO";
let openTurn = { user: null, model: null };
let preroll = []; // microphone chunks waiting for the session to go live (see PREROLL_CHUNKS)
let micWanted = false; // the user wants to be heard: Connect with "Listen" ticked, or the Microphone button
const backoff = new Backoff();
let retryTimer = null;

const player = new Player({
  onStats: (stats) => {
    gld.samplesPlayed = stats.played;
    gld.underruns = stats.underruns;
    gld.flushedSamples = stats.flushed;
  },
});

const mic = new Microphone({
  onChunk: (pcm, rms) => {
    gld.micLevel = rms;
    showLevel(rms);
    // While reconnecting the relay's live session buffers audio and sends it after the resume.
    if (gld.state === "connecting") {
      preroll.push(pcm);
      if (preroll.length > PREROLL_CHUNKS) {
        preroll.shift();
        gld.prerollDropped++;
      }
      return;
    }
    if (!streaming() || !relay) return;
    sendAudio(pcm);
  },
});

function sendAudio(pcm) {
  if (relay.sendAudio(pcm)) {
    gld.audioChunksSent++;
    if (gld.state === "reconnecting") gld.audioChunksSentReconnecting++;
  } else gld.audioChunksDropped++;
}

/** The session is live: send what the microphone heard since Connect, oldest first. */
function flushPreroll() {
  const waiting = preroll;
  preroll = [];
  if (relay) for (const pcm of waiting) sendAudio(pcm);
}

const toolCards = new ToolCards({
  container: $("transcript"),
  answer: (id, decision) => Boolean(relay && relay.sendJson({ tool_consent: { id, decision } })),
  record: gld.tools,
  sources: gld.sources,
});

const camera = new Camera({
  video: $("preview"),
  onFrame: (jpeg) => {
    if (streaming() && relay && relay.sendImage(jpeg)) gld.framesSent++;
  },
});

// --- status, errors, transcript ---------------------------------------------------------------------

function streaming() {
  return gld.state === "live" || gld.state === "reconnecting";
}

function setState(state, text) {
  gld.state = state;
  gld.statusLine = text;
  gld.statusLog.push({ state, text });
  if (gld.statusLog.length > 20) gld.statusLog.shift();
  document.querySelector("#status .dot").dataset.state = state;
  $("status-text").textContent = text;
  const connected = ["live", "reconnecting", "connecting", "retrying"].includes(state);
  $("connect").textContent = state === "retrying" ? "Stop trying" : connected ? "Disconnect" : "Connect";
  $("connect").classList.toggle("primary", !connected);
  for (const id of ["mic", "camera", "text", "send"]) $(id).disabled = !connected;
  for (const id of ["modality", "voice", "instruction", "show-input", "listen"]) $(id).disabled = connected;
}

function showError(code, message, { notice = false } = {}) {
  // The same error again (a relay that stays down, a button pressed twice) is not stacked: the one shown
  // says how many times it happened.
  const shown = [...$("errors").children].find((li) => li.dataset.code === code && li.dataset.message === message);
  if (shown) {
    const record = gld.errors.find((e) => e.code === code && e.message === message);
    if (record) record.repeats++;
    shown.querySelector(".repeats").textContent = ` (${record ? record.repeats + 1 : 2} times)`;
    return;
  }
  gld.errors.push({ code, message, repeats: 0 });
  const item = document.createElement("li");
  item.dataset.code = code;
  item.dataset.message = message;
  item.className = notice ? "notice" : "";
  const text = document.createElement("span");
  text.textContent = message;
  const repeats = document.createElement("span");
  repeats.className = "repeats";
  text.append(repeats);
  const dismiss = document.createElement("button");
  dismiss.type = "button";
  dismiss.textContent = "×";
  dismiss.title = "Dismiss";
  dismiss.addEventListener("click", () => item.remove());
  item.append(text, dismiss);
  $("errors").append(item);
}

/** Take the error ``code`` off the page: what it reported is resolved. */
function clearError(code) {
  for (const li of [...$("errors").children]) if (li.dataset.code === code) li.remove();
}

function showLevel(rms) {
  const db = rms > 0 ? 20 * Math.log10(rms) : -100;
  const percent = Math.max(0, Math.min(100, ((db + 60) / 60) * 100));
  $("level").style.width = `${percent}%`;
}

function addWords(role, text, { final = false } = {}) {
  if (!text) return;
  $("transcript-empty")?.remove();
  let entry = openTurn[role];
  if (!entry) {
    const element = document.createElement("div");
    element.dataset.role = role;
    element.className = `turn ${role} open`;
    const who = document.createElement("span");
    who.className = "who";
    who.textContent = role === "user" ? "You" : "Gemini";
    const words = document.createElement("p");
    words.className = "words";
    element.append(who, words);
    $("transcript").append(element);
    entry = { element, words, who, record: { role, text: "", final: false } };
    const reply = openTurn.model;
    if (role === "user" && reply) {
      // The user's words of this turn came after the reply started (transcription lags): they still go
      // above the reply, as they were said before it.
      $("transcript").insertBefore(element, reply.element);
      gld.transcript.splice(gld.transcript.indexOf(reply.record), 0, entry.record);
    } else {
      gld.transcript.push(entry.record);
    }
    openTurn[role] = entry;
  }
  entry.record.text += text;
  entry.words.textContent = entry.record.text;
  if (final) closeTurn(role);
  $("transcript").scrollTop = $("transcript").scrollHeight;
}

/** Label the reply being spoken as interrupted, as the window does ("Gemini · interrupted"). */
function markInterrupted() {
  const entry = openTurn.model;
  if (!entry) return;
  entry.record.interrupted = true;
  entry.element.classList.add("interrupted");
  const tag = document.createElement("span");
  tag.className = "tag";
  tag.textContent = " · interrupted";
  entry.who.append(tag);
  if (!entry.record.text) entry.words.textContent = "(interrupted before it spoke)";
}

function closeTurn(role) {
  const entry = openTurn[role];
  if (!entry) return;
  entry.record.final = true;
  entry.element.classList.remove("open");
  openTurn[role] = null;
}

// --- relay messages ---------------------------------------------------------------------------------

function onMessage(message) {
  gld.messagesIn++;
  if (message.interrupted) {
    // First, before any audio that came with it: stale speech must not play over the user.
    gld.interruptions++;
    player.flush();
    markInterrupted();
    closeTurn("model");
  }
  if (typeof message.audio === "string") {
    let bytes = null;
    try {
      bytes = base64ToBytes(message.audio);
    } catch {
      showError("bad_audio", "The relay sent audio that could not be decoded.");
    }
    if (bytes) player.play(bytes).catch((error) => showError("audio_output", `Cannot play audio: ${error.message}`));
  }
  if (typeof message.input_transcription === "string") addWords("user", message.input_transcription);
  if (typeof message.output_transcription === "string") addWords("model", message.output_transcription);
  if (typeof message.text === "string") addWords("model", message.text);
  if (message.tool_call && typeof message.tool_call === "object") {
    closeTurn("model");
    toolCards.call(message.tool_call);
  }
  if (message.tool_result && typeof message.tool_result === "object") toolCards.result(message.tool_result);
  if (message.grounding && typeof message.grounding === "object") toolCards.grounding(message.grounding);
  if (message.turn_complete) {
    gld.turnsCompleted++;
    player.drain();
    closeTurn("user");
    closeTurn("model");
  }
  if (message.setup_complete) {
    relayAnswers();
    setState("live", describeLive());
    flushPreroll();
    resumeMedia();
  }
  if (message.session && typeof message.session.state === "string") {
    gld.relaySession = message.session.state;
    const notice = typeof message.session.notice === "string" ? message.session.notice : "";
    if (message.session.state === "reconnecting") {
      setState("reconnecting", notice || "Reconnecting…");
    } else if (message.session.state === "connected") {
      if (gld.state === "reconnecting") gld.reconnects++;
      setState("live", notice ? `${describeLive()} · ${notice}` : describeLive());
    }
  }
  if (message.error && typeof message.error === "object") {
    const { code = "error", message: text = "Unknown error" } = message.error;
    showError(code, text, { notice: code === "ignored_setup_fields" });
  }
}

function describeLive() {
  const how = modality === "TEXT" ? "replies in text" : "replies by voice";
  return `Live${gld.backend ? ` — ${gld.backend}` : ""}, ${how}`;
}

function onClose({ code, reason }) {
  relay = null;
  toolCards.closeAll();
  const wasLive = gld.state !== "idle" && gld.state !== "closed";
  closeTurn("user");
  closeTurn("model");
  player.flush();
  if (code === 1000 && gld.state === "closed") {
    stopMedia();
    setState("closed", "Disconnected");
    return;
  }
  if (wasLive && RETRY_CODES.has(code)) {
    relayDown();
    return;
  }
  stopMedia();
  const meaning = CLOSE_MEANINGS[code] || `The connection closed (code ${code}).`;
  const told = reason ? `${meaning} ${reason}` : meaning;
  if (wasLive && code !== 1000) showError(`close_${code}`, told);
  setState(code === 1000 ? "closed" : "error", code === 1000 ? "Disconnected" : told);
}

// --- a relay that is down: one message, retries with growing waits ---------------------------------

/** The relay did not answer (or went away): say so once, keep the microphone and camera as they are
 * (nothing is sent meanwhile) and try again after the next wait of the backoff. */
function relayDown() {
  if (gld.relayDownSince === null) gld.relayDownSince = Date.now();
  showError("relay_unreachable", `Can't reach the relay at ${location.host}. Is the program still running? The page keeps trying.`);
  const wait = backoff.next();
  setState("retrying", `Can't reach the relay. Trying again in ${Math.round(wait / 1000)} s…`);
  gld.retryPending = true;
  retryTimer = setTimeout(() => {
    retryTimer = null;
    gld.retryPending = false;
    gld.relayRetries++;
    setState("connecting", "Connecting…");
    openRelay();
  }, wait);
}

/** The relay answers again (or always did): the message goes, the next outage starts at the short wait. */
function relayAnswers() {
  backoff.reset();
  gld.relayDownSince = null;
  clearError("relay_unreachable");
}

/** Live again: what could not start while the relay was down (the audio worklets are served by it) starts
 * now, without asking the user twice. A refusal (no permission, no device) is not retried. */
function resumeMedia() {
  player
    .restart()
    .then(() => clearError("audio_output"))
    .catch(() => {}); // reported once, when it first failed
  if (micWanted && !mic.running) startMic();
}

function stopRetrying() {
  if (retryTimer !== null) clearTimeout(retryTimer);
  retryTimer = null;
  gld.retryPending = false;
}

// --- controls --------------------------------------------------------------------------------------

function buildSetup() {
  modality = $("modality").value;
  const setup = {
    generation_config: { response_modalities: [modality] },
    input_audio_transcription: $("show-input").checked ? {} : false,
    output_audio_transcription: {},
  };
  const voice = $("voice").value;
  if (voice) setup.speech_config = { voice_config: { prebuilt_voice_config: { voice_name: voice } } };
  const instruction = $("instruction").value.trim();
  if (instruction) setup.system_instruction = instruction;
  return setup;
}

/** Connect, and (unless the user unticked "Listen as soon as I connect") start the microphone: one click
 * to talk, as the page says. What is said before the session is live is kept (see PREROLL_CHUNKS). */
async function connect() {
  backoff.reset();
  preroll = [];
  setState("connecting", "Connecting…");
  openRelay();
  // Inside the click: browsers only let an AudioContext start from a user gesture.
  try {
    await player.start();
  } catch (error) {
    showError("audio_output", `Audio output is unavailable: ${error.message}`);
  }
  micWanted = $("listen").checked;
  const connected = ["connecting", "live", "reconnecting", "retrying"].includes(gld.state);
  if (micWanted && !mic.running && connected) await startMic();
}

function openRelay() {
  openTurn = { user: null, model: null };
  const scheme = location.protocol === "https:" ? "wss" : "ws";
  relay = new RelayClient(`${scheme}://${location.host}/ws`);
  relay.addEventListener("message", (event) => onMessage(event.detail));
  relay.addEventListener("close", (event) => onClose(event.detail));
  relay.connect(buildSetup());
}

function disconnect() {
  stopRetrying();
  micWanted = false;
  setState("closed", "Disconnected");
  stopMedia();
  preroll = [];
  if (relay) relay.close();
  gld.relayDownSince = null;
  clearError("relay_unreachable");
}

function stopMedia() {
  if (mic.running) {
    mic.stop().catch(() => {});
    if (relay) relay.sendAudioStreamEnd();
  }
  camera.stop();
  player.flush();
  gld.micOn = gld.cameraOn = false;
  showToggle("mic", false, "Microphone");
  showToggle("camera", false, "Camera");
  $("preview-empty").hidden = false;
  showLevel(0);
}

function showToggle(id, on, label) {
  $(id).setAttribute("aria-pressed", String(on));
  $(id).textContent = `${label} ${on ? "on" : "off"}`;
}

async function toggleMic() {
  if (mic.running) {
    micWanted = false;
    await mic.stop().catch(() => {});
    if (relay) relay.sendAudioStreamEnd();
    showLevel(0);
    showMic();
  } else {
    micWanted = true;
    await startMic();
  }
}

async function startMic() {
  try {
    await mic.start();
    clearError("microphone");
  } catch (error) {
    // No permission or no device: asking again by itself would only repeat the refusal.
    if (error.name === "NotAllowedError" || error.name === "NotFoundError") micWanted = false;
    showError("microphone", `Cannot use the microphone: ${error.message}`);
  }
  showMic();
}

function showMic() {
  gld.micOn = mic.running;
  showToggle("mic", mic.running, "Microphone");
}

async function toggleCamera() {
  try {
    if (camera.running) camera.stop();
    else await camera.start();
  } catch (error) {
    camera.stop();
    showError("camera", `Cannot use the camera: ${error.message}`);
  }
  gld.cameraOn = camera.running;
  $("preview-empty").hidden = camera.running;
  showToggle("camera", camera.running, "Camera");
}

function sendTyped(event) {
  event.preventDefault();
  const text = $("text").value.trim();
  if (!text || !relay) return;
  if (relay.sendText(text)) {
    closeTurn("user");
    addWords("user", text, { final: true });
    $("text").value = "";
  } else {
    showError("not_connected", "Not connected: the message was not sent.");
  }
}

async function showBackend() {
  try {
    const response = await fetch("/status", { cache: "no-store" });
    if (!response.ok) return;
    const status = await response.json();
    gld.backend = status.backend;
    $("backend").textContent = `${location.host}, backend: ${status.backend}`;
    if (typeof status.voice === "string" && status.voice) {
      gld.defaultVoice = status.voice;
      $("voice").options[0].textContent = `Default (${status.voice})`;
    }
  } catch {
    $("backend").textContent = location.host;
  }
}

function init() {
  for (const name of VOICES) {
    const option = document.createElement("option");
    option.value = option.textContent = name;
    $("voice").append(option);
  }
  $("connect").addEventListener("click", () => (relay || retryTimer !== null ? disconnect() : connect()));
  $("mic").addEventListener("click", toggleMic);
  $("camera").addEventListener("click", toggleCamera);
  $("compose").addEventListener("submit", sendTyped);
  setState("idle", "Not connected");
  showBackend();
  if (!window.isSecureContext) {
    showError("insecure", "Open this page as http://localhost or http://127.0.0.1: the browser allows the microphone and camera only there.");
  }
}

init();
