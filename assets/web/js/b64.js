// Base64 for binary payloads, in pieces so large frames never overflow the call stack
// (the tutorial's single String.fromCharCode.apply() fails around 125 kB).

const PIECE = 0x8000;

/** Uint8Array → standard base64 text. */
export function bytesToBase64(bytes) {
  let binary = "";
  for (let i = 0; i < bytes.length; i += PIECE) {
    binary += String.fromCharCode.apply(null, bytes.subarray(i, i + PIECE));
  }
  return btoa(binary);
}

/** Standard base64 text → Uint8Array. Throws on malformed input (atob's DOMException). */
export function base64ToBytes(text) {
  const binary = atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

/** PCM16 little-endian bytes → Float32 samples in [-1, 1). */
export function pcm16ToFloat32(bytes) {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const samples = new Float32Array(bytes.byteLength >> 1);
  for (let i = 0; i < samples.length; i++) samples[i] = view.getInt16(i * 2, true) / 32768;
  return samples;
}
