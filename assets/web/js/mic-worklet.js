// AudioWorklet: microphone capture → 16 kHz mono PCM16 chunks of `chunkMs` (default 20 ms).
// Runs at whatever rate the AudioContext has (browsers differ: 44.1/48 kHz is common, and Firefox cannot
// connect a microphone to a context at another rate), so it low-passes and resamples here.
// Posts {pcm: ArrayBuffer (Int16 LE), rms: number} per chunk; the buffer is transferred, not copied.

class Biquad {
  // RBJ low-pass, Q = 1/sqrt(2) (Butterworth); two in series give a 4th-order anti-alias filter.
  constructor(cutoff, rate) {
    const w0 = (2 * Math.PI * cutoff) / rate;
    const alpha = Math.sin(w0) / Math.SQRT2;
    const cos = Math.cos(w0);
    const a0 = 1 + alpha;
    this.b0 = (1 - cos) / 2 / a0;
    this.b1 = (1 - cos) / a0;
    this.b2 = this.b0;
    this.a1 = (-2 * cos) / a0;
    this.a2 = (1 - alpha) / a0;
    this.x1 = this.x2 = this.y1 = this.y2 = 0;
  }

  run(samples) {
    for (let i = 0; i < samples.length; i++) {
      const x = samples[i];
      const y = this.b0 * x + this.b1 * this.x1 + this.b2 * this.x2 - this.a1 * this.y1 - this.a2 * this.y2;
      this.x2 = this.x1;
      this.x1 = x;
      this.y2 = this.y1;
      this.y1 = y;
      samples[i] = y;
    }
  }
}

class MicProcessor extends AudioWorkletProcessor {
  constructor(options) {
    super();
    const opts = (options && options.processorOptions) || {};
    const targetRate = opts.targetRate || 16000;
    const chunkMs = opts.chunkMs || 20;
    this.step = sampleRate / targetRate; // input samples per output sample
    this.filters = this.step > 1 ? [new Biquad(0.45 * targetRate, sampleRate), new Biquad(0.45 * targetRate, sampleRate)] : [];
    this.chunkLength = Math.round((targetRate * chunkMs) / 1000);
    this.chunk = new Int16Array(this.chunkLength);
    this.fill = 0;
    this.sumSquares = 0;
    this.t = 0; // next output position, in input samples relative to the current block (may be -1..0)
    this.previous = 0; // last input sample of the previous block
    this.scratch = new Float32Array(128);
    this.active = true;
    this.port.onmessage = (event) => {
      if (event.data === "stop") this.active = false;
    };
  }

  emit(value) {
    const clamped = value > 1 ? 1 : value < -1 ? -1 : value;
    this.chunk[this.fill++] = clamped < 0 ? clamped * 32768 : clamped * 32767;
    this.sumSquares += clamped * clamped;
    if (this.fill === this.chunkLength) {
      const rms = Math.sqrt(this.sumSquares / this.chunkLength);
      this.port.postMessage({ pcm: this.chunk.buffer, rms }, [this.chunk.buffer]);
      this.chunk = new Int16Array(this.chunkLength);
      this.fill = 0;
      this.sumSquares = 0;
    }
  }

  process(inputs) {
    if (!this.active) return false;
    const input = inputs[0];
    if (!input || input.length === 0 || input[0].length === 0) return true;
    const n = input[0].length;
    if (this.scratch.length !== n) this.scratch = new Float32Array(n);
    const x = this.scratch;
    // Down-mix to mono.
    x.set(input[0]);
    for (let c = 1; c < input.length; c++) {
      const other = input[c];
      for (let i = 0; i < n; i++) x[i] += other[i];
    }
    if (input.length > 1) for (let i = 0; i < n; i++) x[i] /= input.length;
    for (const filter of this.filters) filter.run(x);
    if (this.step === 1) {
      for (let i = 0; i < n; i++) this.emit(x[i]);
      return true;
    }
    // Linear interpolation between neighbouring (filtered) input samples.
    let t = this.t;
    while (t < n - 1) {
      const i = Math.floor(t);
      const frac = t - i;
      const a = i < 0 ? this.previous : x[i];
      const b = x[i + 1];
      this.emit(a + (b - a) * frac);
      t += this.step;
    }
    this.t = t - n;
    this.previous = x[n - 1];
    return true;
  }
}

registerProcessor("gld-mic", MicProcessor);
