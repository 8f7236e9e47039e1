// Microphone capture: getUserMedia with the browser's echo canceller, noise suppression and gain control,
// an AudioWorklet that resamples to 16 kHz and cuts 20 ms chunks. `onChunk(Int16Array, rms)` gets each one.

import { discardContext, startContext } from "./audio-start.js";

export class Microphone {
  constructor({ onChunk, chunkMs = 20, targetRate = 16000 }) {
    this.onChunk = onChunk;
    this.chunkMs = chunkMs;
    this.targetRate = targetRate;
    this.context = null;
    this.stream = null;
    this.node = null;
  }

  get running() {
    return this.context !== null;
  }

  /** Ask for the microphone and start capturing. Call from a user gesture (click). */
  async start() {
    if (this.context) return;
    const stream = await navigator.mediaDevices.getUserMedia({
      audio: {
        channelCount: 1,
        echoCancellation: true,
        noiseSuppression: true,
        autoGainControl: true,
      },
    });
    // Let the context run at the device's own rate: the worklet resamples (Firefox refuses to connect a
    // microphone to a context running at another rate).
    const context = new AudioContext({ latencyHint: "interactive" });
    try {
      await context.audioWorklet.addModule(new URL("./mic-worklet.js", import.meta.url));
      const source = context.createMediaStreamSource(stream);
      const node = new AudioWorkletNode(context, "gld-mic", {
        numberOfInputs: 1,
        numberOfOutputs: 1,
        outputChannelCount: [1],
        processorOptions: { targetRate: this.targetRate, chunkMs: this.chunkMs },
      });
      node.port.onmessage = (event) => this.onChunk(new Int16Array(event.data.pcm), event.data.rms);
      // A silent path to the destination keeps the graph pulling the worklet in every browser.
      const mute = new GainNode(context, { gain: 0 });
      source.connect(node).connect(mute).connect(context.destination);
      await startContext(context);
      this.context = context;
      this.stream = stream;
      this.node = node;
    } catch (error) {
      stream.getTracks().forEach((track) => track.stop());
      discardContext(context);
      throw error;
    }
  }

  async stop() {
    if (!this.context) return;
    const { context, stream, node } = this;
    this.context = this.stream = this.node = null;
    node.port.postMessage("stop");
    node.port.onmessage = null;
    stream.getTracks().forEach((track) => track.stop());
    await context.close();
  }
}
