// Camera: a preview plus one JPEG frame per second (long side ≤ 1024 px, quality 0.75).
// `onFrame(Uint8Array)` gets each encoded frame; a frame still encoding makes the next tick skip.

export class Camera {
  constructor({ video, onFrame, fps = 1, maxSide = 1024, quality = 0.75 }) {
    this.video = video;
    this.onFrame = onFrame;
    this.intervalMs = 1000 / fps;
    this.maxSide = maxSide;
    this.quality = quality;
    this.stream = null;
    this.timer = null;
    this.busy = false;
    this.canvas = document.createElement("canvas");
  }

  get running() {
    return this.stream !== null;
  }

  async start() {
    if (this.stream) return;
    const stream = await navigator.mediaDevices.getUserMedia({
      video: { width: { ideal: 1280 }, height: { ideal: 720 }, frameRate: { ideal: 15 } },
    });
    this.stream = stream;
    this.video.srcObject = stream;
    this.video.dataset.live = "";
    await this.video.play();
    this.timer = setInterval(() => this.capture(), this.intervalMs);
    this.capture();
  }

  capture() {
    const { video } = this;
    if (this.busy || !this.stream || video.readyState < 2 || !video.videoWidth) return;
    const scale = Math.min(1, this.maxSide / Math.max(video.videoWidth, video.videoHeight));
    this.canvas.width = Math.round(video.videoWidth * scale);
    this.canvas.height = Math.round(video.videoHeight * scale);
    this.canvas.getContext("2d").drawImage(video, 0, 0, this.canvas.width, this.canvas.height);
    this.busy = true;
    this.canvas.toBlob(
      async (blob) => {
        try {
          if (blob && this.stream) this.onFrame(new Uint8Array(await blob.arrayBuffer()));
        } finally {
          this.busy = false;
        }
      },
      "image/jpeg",
      this.quality,
    );
  }

  stop() {
    if (!this.stream) return;
    clearInterval(this.timer);
    this.timer = null;
    this.stream.getTracks().forEach((track) => track.stop());
    this.stream = null;
    this.video.pause();
    this.video.srcObject = null;
    delete this.video.dataset.live;
  }
}
