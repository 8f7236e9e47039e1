// AudioWorklet: plays the model's PCM through a small jitter buffer.
// Messages in: {type: "audio", samples: Float32Array}, {type: "flush"} (the model was interrupted: go
// silent now and drop everything queued), {type: "drain"} (the turn is complete: play the tail even if it
// is shorter than the jitter buffer), {type: "report", id} (send stats now, tagged with id).
// Messages out: {type: "stats", id, played, underruns, buffered, flushed, overflowed}; id is null on the
// periodic reports.

class PlayerProcessor extends AudioWorkletProcessor {
  constructor(options) {
    super();
    const opts = (options && options.processorOptions) || {};
    this.capacity = Math.round(sampleRate * (opts.maxSeconds || 120));
    this.ring = new Float32Array(this.capacity);
    this.read = 0;
    this.write = 0;
    this.count = 0;
    this.prime = Math.round((sampleRate * (opts.jitterMs || 80)) / 1000);
    this.playing = false;
    this.draining = false;
    this.played = 0;
    this.underruns = 0;
    this.flushed = 0;
    this.overflowed = 0;
    this.sinceReport = 0;
    this.reportEvery = Math.round(sampleRate / 10);
    this.port.onmessage = (event) => this.onMessage(event.data);
  }

  onMessage(message) {
    if (message.type === "audio") {
      this.push(message.samples);
    } else if (message.type === "flush") {
      this.flushed += this.count;
      this.read = this.write = this.count = 0;
      this.playing = false;
      this.draining = false;
      this.report();
    } else if (message.type === "drain") {
      this.draining = true;
    } else if (message.type === "report") {
      this.report(message.id); // on request; replies come in order, so this confirms earlier messages
    }
  }

  push(samples) {
    for (let i = 0; i < samples.length; i++) {
      if (this.count === this.capacity) {
        // Full (minutes of audio queued): drop the oldest sample.
        this.read = (this.read + 1) % this.capacity;
        this.count--;
        this.overflowed++;
      }
      this.ring[this.write] = samples[i];
      this.write = (this.write + 1) % this.capacity;
      this.count++;
    }
    this.draining = false;
  }

  report(id = null) {
    this.sinceReport = 0;
    this.port.postMessage({
      type: "stats",
      id,
      played: this.played,
      underruns: this.underruns,
      buffered: this.count,
      flushed: this.flushed,
      overflowed: this.overflowed,
    });
  }

  process(_inputs, outputs) {
    const output = outputs[0];
    const out = output[0];
    const n = out.length;
    if (!this.playing && this.count > 0 && (this.count >= this.prime || this.draining)) this.playing = true;
    let taken = 0;
    if (this.playing) {
      taken = Math.min(n, this.count);
      for (let i = 0; i < taken; i++) {
        out[i] = this.ring[this.read];
        this.read = (this.read + 1) % this.capacity;
      }
      this.count -= taken;
      if (this.count === 0) {
        if (!this.draining) this.underruns++;
        this.playing = false;
      }
    }
    out.fill(0, taken);
    for (let c = 1; c < output.length; c++) output[c].set(out);
    if (taken > 0) {
      this.played += taken;
      this.sinceReport += taken;
      if (this.sinceReport >= this.reportEvery || this.count === 0) this.report();
    }
    return true;
  }
}

registerProcessor("gld-player", PlayerProcessor);
