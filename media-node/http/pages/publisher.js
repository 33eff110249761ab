// Publisher page: camera (getUserMedia) or screen (getDisplayMedia) over WHIP, with a codec
// choice applied through setCodecPreferences, and a stop button that DELETEs the session.
// Numbers are mirrored on window.__mediafleet for tests and monitoring.
"use strict";

(function publisher() {
  const form = document.getElementById("controls");
  const sourceSelect = document.getElementById("source");
  const codecSelect = document.getElementById("codec");
  const audioBox = document.getElementById("audio");
  const startButton = document.getElementById("start");
  const stopButton = document.getElementById("stop");
  const preview = document.getElementById("preview");
  const stateEl = document.getElementById("state");
  const statsEl = document.getElementById("stats");
  const endpoint = new URL("whip", location.href).href;

  const exposed = { state: "idle", endpoint, sessionUrl: null, codec: null, connectTimesMs: [], lastError: null, stats: null, pc: null };
  window.__mediafleet = exposed;

  let session = null; // { pc, stream, sessionUrl, timer }

  function setState(state, detail) {
    exposed.state = state;
    document.body.dataset.state = state;
    stateEl.textContent = detail ? state + " — " + detail : state;
  }

  /** Chosen codec first (constrained baseline first for H264), RTX kept, everything else dropped. */
  function preferCodec(transceiver, mimeType) {
    const caps = RTCRtpSender.getCapabilities && RTCRtpSender.getCapabilities("video");
    if (!caps || typeof transceiver.setCodecPreferences !== "function") return false;
    const wanted = caps.codecs.filter((c) => c.mimeType.toLowerCase() === mimeType.toLowerCase());
    if (wanted.length === 0) throw new Error(mimeType + " is not supported by this browser");
    const baselineFirst = (c) => (/profile-level-id=42e0/.test(c.sdpFmtpLine || "") ? 0 : 1) +
      (/packetization-mode=1/.test(c.sdpFmtpLine || "") ? 0 : 2);
    wanted.sort((a, b) => baselineFirst(a) - baselineFirst(b));
    const rtx = caps.codecs.filter((c) => c.mimeType.toLowerCase() === "video/rtx");
    transceiver.setCodecPreferences([...wanted, ...rtx]);
    return true;
  }

  async function capture() {
    if (sourceSelect.value === "screen") {
      return navigator.mediaDevices.getDisplayMedia({ video: true, audio: audioBox.checked });
    }
    return navigator.mediaDevices.getUserMedia({ video: { width: 640, height: 480 }, audio: audioBox.checked });
  }

  async function start() {
    if (session) return;
    startButton.disabled = true;
    form.setAttribute("aria-busy", "true");
    const started = performance.now();
    const pc = new RTCPeerConnection();
    session = { pc, stream: null, sessionUrl: null, timer: 0 };
    exposed.pc = pc;
    try {
      setState("starting", "asking for the " + sourceSelect.value);
      const stream = await capture();
      session.stream = stream;
      preview.srcObject = stream;
      for (const track of stream.getTracks()) {
        const transceiver = pc.addTransceiver(track, { direction: "sendonly", streams: [stream] });
        if (track.kind === "video") preferCodec(transceiver, "video/" + codecSelect.value);
        // The screen picker's own "stop sharing" button ends the track: end the session too.
        track.addEventListener("ended", () => stop("source ended"));
      }
      setState("connecting");
      session.sessionUrl = await negotiate(pc, endpoint);
      exposed.sessionUrl = session.sessionUrl;
      pc.addEventListener("connectionstatechange", () => {
        if (pc.connectionState === "connected") {
          exposed.connectTimesMs.push(Math.round(performance.now() - started));
          setState("publishing");
        } else if (pc.connectionState === "failed") {
          stop("connection failed");
        }
      });
      stopButton.disabled = false;
      session.timer = setInterval(() => collect(pc), 1000);
    } catch (err) {
      exposed.lastError = String(err && err.message ? err.message : err);
      await stop(exposed.lastError, "error");
    } finally {
      form.removeAttribute("aria-busy");
    }
  }

  async function stop(reason, state) {
    const current = session;
    if (!current) return;
    session = null;
    clearInterval(current.timer);
    if (current.stream) for (const track of current.stream.getTracks()) track.stop();
    current.pc.close();
    preview.srcObject = null;
    exposed.pc = null;
    exposed.sessionUrl = null;
    await endSession(current.sessionUrl);
    setState(state || "stopped", reason);
    startButton.disabled = false;
    stopButton.disabled = true;
    startButton.focus();
  }

  let previous = null;
  async function collect(pc) {
    const report = await pc.getStats();
    let outbound = null;
    report.forEach((s) => {
      if (s.type === "outbound-rtp" && (s.kind || s.mediaType) === "video") outbound = s;
    });
    if (!outbound) return;
    const sample = {
      timestamp: outbound.timestamp,
      bytesSent: outbound.bytesSent || 0,
      bitrate: bitrate(outbound.bytesSent || 0, outbound.timestamp, previous, "bytesSent"),
      framesEncoded: outbound.framesEncoded || 0,
      framesPerSecond: outbound.framesPerSecond ?? null,
      frameWidth: outbound.frameWidth ?? null,
      frameHeight: outbound.frameHeight ?? null,
      nackCount: outbound.nackCount || 0,
      pliCount: outbound.pliCount || 0,
      retransmittedPackets: outbound.retransmittedPacketsSent || 0,
      qualityLimitation: outbound.qualityLimitationReason || null,
      codec: (report.get(outbound.codecId) || {}).mimeType || null,
      encoder: outbound.encoderImplementation || null,
      pair: selectedPair(report),
    };
    previous = sample;
    exposed.codec = sample.codec;
    exposed.stats = sample;
    renderStats(statsEl, [
      ["codec", "Codec", sample.codec || "–"],
      ["encoder", "Encoder", sample.encoder || "–"],
      ["size", "Size", sample.frameWidth ? sample.frameWidth + "×" + sample.frameHeight : "–"],
      ["bitrate", "Bitrate", human(sample.bitrate, "bit/s")],
      ["fps", "Frames/s", human(sample.framesPerSecond)],
      ["framesEncoded", "Frames encoded", human(sample.framesEncoded)],
      ["nackCount", "NACKs received", human(sample.nackCount)],
      ["pliCount", "Keyframe requests", human(sample.pliCount)],
      ["limit", "Limited by", sample.qualityLimitation || "–"],
    ]);
  }

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    start();
  });
  stopButton.addEventListener("click", () => stop("stopped by you"));
  window.addEventListener("pagehide", () => {
    if (session && session.sessionUrl) endSession(session.sessionUrl);
  });
  // Offer only the codecs this browser can send; `?codec=H264` preselects one.
  const sendable = (RTCRtpSender.getCapabilities && RTCRtpSender.getCapabilities("video")) || { codecs: [] };
  for (const option of codecSelect.options) {
    const supported = sendable.codecs.some((c) => c.mimeType.toLowerCase() === "video/" + option.value.toLowerCase());
    if (!supported && sendable.codecs.length > 0) option.disabled = true;
  }
  const params = new URLSearchParams(location.search);
  if (params.get("codec")) codecSelect.value = params.get("codec").toUpperCase();
  if (params.get("source") === "screen") sourceSelect.value = "screen";
  if (params.get("autostart") === "1") start();
})();
