// Starting an AudioContext. `resume()` waits forever in a browser that has no audio output (Firefox with no
// sound server, for one), which would leave a button that silently does nothing: give it a deadline and fail
// with a sentence the user can act on.

export const START_TIMEOUT_MS = 4000;

/** Resume `context` (call from a user gesture); rejects if it is not running within `timeoutMs`. */
export async function startContext(context, timeoutMs = START_TIMEOUT_MS) {
  if (context.state === "running") return;
  let timer = null;
  const deadline = new Promise((_, reject) => {
    timer = setTimeout(
      () =>
        reject(
          new Error(
            `the browser's audio did not start within ${timeoutMs / 1000} s ` +
              "(is a speaker or sound server available to the browser?)",
          ),
        ),
      timeoutMs,
    );
  });
  try {
    await Promise.race([context.resume(), deadline]);
  } finally {
    clearTimeout(timer);
  }
}

/** Close `context` without waiting: closing a context that never started can hang like resuming it. */
export function discardContext(context) {
  context.close().catch(() => {});
}
