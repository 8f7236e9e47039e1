// The relay's WebSocket protocol (DESIGN.md §4), spoken from the page.
// Events (EventTarget): "message" (detail: the parsed JSON object), "open", "close" (detail: {code, reason}).
// Sends are dropped (and counted) while the socket is not open or its buffer is backed up, so a slow
// network never makes audio pile up behind stale audio.

import { bytesToBase64 } from "./b64.js";

const MAX_BUFFERED = 512 * 1024;

export class RelayClient extends EventTarget {
  constructor(url) {
    super();
    this.url = url;
    this.socket = null;
    this.sent = 0;
    this.received = 0;
    this.dropped = 0;
  }

  get open() {
    return this.socket !== null && this.socket.readyState === WebSocket.OPEN;
  }

  connect(setup) {
    const socket = new WebSocket(this.url);
    this.socket = socket;
    socket.addEventListener("open", () => {
      this.sendJson({ setup });
      this.dispatchEvent(new Event("open"));
    });
    socket.addEventListener("message", (event) => {
      if (typeof event.data !== "string") return;
      let message;
      try {
        message = JSON.parse(event.data);
      } catch {
        return;
      }
      this.received++;
      this.dispatchEvent(new CustomEvent("message", { detail: message }));
    });
    socket.addEventListener("close", (event) => {
      if (this.socket === socket) this.socket = null;
      this.dispatchEvent(new CustomEvent("close", { detail: { code: event.code, reason: event.reason } }));
    });
  }

  sendJson(message, { droppable = false } = {}) {
    if (!this.open || (droppable && this.socket.bufferedAmount > MAX_BUFFERED)) {
      this.dropped++;
      return false;
    }
    this.socket.send(JSON.stringify(message));
    this.sent++;
    return true;
  }

  sendAudio(int16) {
    const bytes = new Uint8Array(int16.buffer, int16.byteOffset, int16.byteLength);
    return this.sendJson(
      { realtime_input: { media_chunks: [{ mime_type: "audio/pcm;rate=16000", data: bytesToBase64(bytes) }] } },
      { droppable: true },
    );
  }

  sendImage(jpeg) {
    return this.sendJson(
      { realtime_input: { media_chunks: [{ mime_type: "image/jpeg", data: bytesToBase64(jpeg) }] } },
      { droppable: true },
    );
  }

  sendText(text) {
    return this.sendJson({ client_content: { text } });
  }

  sendAudioStreamEnd() {
    return this.sendJson({ realtime_input: { audio_stream_end: true } });
  }

  close() {
    if (this.socket) this.socket.close(1000, "Disconnected by the user");
  }
}
