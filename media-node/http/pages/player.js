// Player page: WHEP in the browser. Connects, plays muted, shows state and stats, and comes
// back by itself when the stream ends and returns. Numbers are mirrored on
// window.__mediafleet (and data-* attributes on <body>) for tests and monitoring.
"use strict";

(function player() {
  const video = document.getElementById("video");
  const stateEl = document.getElementById("state");
  const statsEl = document.getElementById("stats");
  const toggle = document.getElementById("toggle");
  const unmute = document.getElementById("unmute");
  const base = location.pathname.endsWith("/") ? location.href : location.origin + location.pathname + "/";
  const endpoint = new URL("whep", base).href;
  const withAudio = new URLSearchParams(location.search).get("audio") !== "0";
  // No new frame for this long while playing: the stream ended, start over (`?stall=` seconds).
  const stallSeconds = Number(new URLSearchParams(location.search).get("stall"));
  const STALL_MS = stallSeconds > 0 ? stallSeconds * 1000 : 4000;

  const exposed = {
    state: "idle",
    endpoint,
    sessionUrl: null,
    attempts: 0,
    connects: 0,
    connectTimesMs: [],
    firstFrameTimesMs: [],
    lastError: null,
    stats: null,
    samples: [],
    pc: null,
  };
  window.__mediafleet = exposed;

  let controller = null;

  function setState(state, detail) {
    exposed.state = state;
    document.body.dataset.state = state;
    const text = detail ? state + " — " + detail : state;
    if (stateEl.textContent !== text) stateEl.textContent = text;
  }

  async function run(signal) {
    let backoffMs = 1000;
    while (!signal.aborted) {
      exposed.attempts++;
      const pc = new RTCPeerConnection();
      exposed.pc = pc;
      let sessionUrl = null;
      try {
        setState("connecting");
        const started = performance.now();
        pc.addTransceiver("video", { direction: "recvonly" });
        if (withAudio) pc.addTransceiver("audio", { direction: "recvonly" });
        const stream = new MediaStream();
        pc.addEventListener("track", (event) => {
          stream.addTrack(event.track);
          video.srcObject = stream;
        });
        sessionUrl = await negotiate(pc, endpoint);
        exposed.sessionUrl = sessionUrl;
        await watch(pc, signal, started);
        backoffMs = 1000;
      } catch (err) {
        exposed.lastError = String(err && err.message ? err.message : err);
        if (err instanceof RetryLater) {
          setState("waiting", err.message + ", retrying in " + Math.round(err.delayMs / 1000) + " s");
          await sleep(err.delayMs, signal);
        } else if (err instanceof Refused && (err.status === 401 || err.status === 403)) {
          setState("refused", err.message);
          break;
        } else {
          setState("retrying", exposed.lastError);
          await sleep(backoffMs, signal);
          backoffMs = Math.min(backoffMs * 2, 10000);
        }
      } finally {
        pc.close();
        exposed.pc = null;
        exposed.sessionUrl = null;
        await endSession(sessionUrl);
      }
    }
    if (signal.aborted) setState("stopped");
  }

  /** Resolves when the session is over: closed, failed, stalled, or the user stopped. */
  async function watch(pc, signal, started) {
    let previous = null;
    let lastProgress = performance.now();
    let connected = false;
    let playing = false;
    while (!signal.aborted) {
      const ice = pc.connectionState;
      if (ice === "failed" || ice === "closed") throw new Error("connection " + ice);
      if (ice === "connected" && !connected) {
        connected = true;
        exposed.connects++;
        exposed.connectTimesMs.push(Math.round(performance.now() - started));
        setState("connected", "waiting for the first frame");
      }
      const sample = await collect(pc, previous);
      if (sample) {
        if (!previous || sample.framesDecoded > previous.framesDecoded) lastProgress = performance.now();
        if (!playing && sample.framesDecoded > 0) {
          playing = true;
          exposed.firstFrameTimesMs.push(Math.round(performance.now() - started));
          setState("playing");
        }
        previous = sample;
      }
      const quietFor = performance.now() - lastProgress;
      if (quietFor > (playing ? STALL_MS : 15000)) {
        throw new Error(playing ? "stream ended (no frames for " + Math.round(quietFor / 1000) + " s)" : "no media arrived");
      }
      // Look often until the first frame (so connect and first-frame times are precise),
      // then once a second.
      await sleep(playing ? 1000 : 100, signal);
    }
  }

  async function collect(pc, previous) {
    const report = await pc.getStats();
    let inbound = null;
    report.forEach((s) => {
      if (s.type === "inbound-rtp" && (s.kind || s.mediaType) === "video") inbound = s;
    });
    if (!inbound) return null;
    const sample = {
      timestamp: inbound.timestamp,
      bytesReceived: inbound.bytesReceived || 0,
      bitrate: bitrate(inbound.bytesReceived || 0, inbound.timestamp, previous, "bytesReceived"),
      framesDecoded: inbound.framesDecoded || 0,
      framesPerSecond: inbound.framesPerSecond ?? null,
      frameWidth: inbound.frameWidth ?? null,
      frameHeight: inbound.frameHeight ?? null,
      packetsReceived: inbound.packetsReceived || 0,
      packetsLost: inbound.packetsLost || 0,
      nackCount: inbound.nackCount || 0,
      pliCount: inbound.pliCount || 0,
      framesDropped: inbound.framesDropped ?? null,
      freezeCount: inbound.freezeCount ?? null,
      totalFreezesDuration: inbound.totalFreezesDuration ?? null,
      jitterMs: inbound.jitter !== undefined ? Math.round(inbound.jitter * 1000) : null,
      codec: (report.get(inbound.codecId) || {}).mimeType || null,
      decoder: inbound.decoderImplementation || null,
      pair: selectedPair(report),
    };
    exposed.stats = sample;
    exposed.samples.push(sample);
    if (exposed.samples.length > 300) exposed.samples.shift();
    for (const key of ["framesDecoded", "packetsLost", "nackCount", "framesDropped", "freezeCount"]) {
      document.body.dataset[key] = String(sample[key] ?? "");
    }
    renderStats(statsEl, [
      ["codec", "Codec", sample.codec || "–"],
      ["size", "Size", sample.frameWidth ? sample.frameWidth + "×" + sample.frameHeight : "–"],
      ["bitrate", "Bitrate", human(sample.bitrate, "bit/s")],
      ["fps", "Frames/s", human(sample.framesPerSecond)],
      ["framesDecoded", "Frames decoded", human(sample.framesDecoded)],
      ["packetsLost", "Packets lost", human(sample.packetsLost)],
      ["nackCount", "NACKs sent", human(sample.nackCount)],
      ["freezeCount", "Freezes", human(sample.freezeCount)],
      ["framesDropped", "Frames dropped", human(sample.framesDropped)],
      ["path", "Path", sample.pair ? sample.pair.local + " → " + sample.pair.remote : "–"],
    ]);
    return sample;
  }

  function start() {
    if (controller) return;
    controller = new AbortController();
    toggle.textContent = "Stop";
    toggle.setAttribute("aria-pressed", "true");
    run(controller.signal).finally(() => {
      controller = null;
      toggle.textContent = "Play";
      toggle.setAttribute("aria-pressed", "false");
    });
  }

  function stop() {
    if (controller) controller.abort();
  }

  toggle.addEventListener("click", () => (controller ? stop() : start()));
  unmute.addEventListener("click", () => {
    video.muted = !video.muted;
    unmute.textContent = video.muted ? "Unmute" : "Mute";
    unmute.setAttribute("aria-pressed", String(!video.muted));
    if (!video.muted) video.play().catch(() => undefined);
  });
  window.addEventListener("pagehide", () => {
    if (exposed.sessionUrl) endSession(exposed.sessionUrl);
  });
  start();
})();
