// Reconnecting to a relay that is down: one schedule of growing waits, and nothing else.
// `next()` gives the wait before the next attempt (1 s, 2 s, 4 s … up to 30 s, each within ±10 %, so many
// pages do not knock at the same moment); `reset()` after a connection that worked.

export const RETRY_BASE_MS = 1000;
export const RETRY_MAX_MS = 30000;

// Close codes that mean the relay itself is unreachable or going away (the program quit or restarts):
// worth trying again by ourselves. Any other code is an answer from a working relay, shown as it is.
export const RETRY_CODES = new Set([1001, 1006, 1012]);

export class Backoff {
  constructor({ baseMs = RETRY_BASE_MS, maxMs = RETRY_MAX_MS, random = Math.random } = {}) {
    this.baseMs = baseMs;
    this.maxMs = maxMs;
    this.random = random;
    this.attempts = 0;
  }

  next() {
    const wait = Math.min(this.maxMs, this.baseMs * 2 ** this.attempts);
    this.attempts++;
    return Math.round(wait * (0.9 + 0.2 * this.random()));
  }

  reset() {
    this.attempts = 0;
  }
}
