// Shared by the player and publisher pages: WHIP/WHEP signalling, bearer token, stats.
// Plain browser JavaScript (no build step); inlined into each page by pages.ts.
"use strict";

/** Bearer token from `?token=` in the page URL, or null. */
function pageToken() {
  return new URLSearchParams(location.search).get("token");
}

function authHeaders(extra) {
  const headers = Object.assign({}, extra);
  const token = pageToken();
  if (token) headers["Authorization"] = "Bearer " + token;
  return headers;
}

/** A server answer that asks us to come back later (409/503 with Retry-After). */
class RetryLater extends Error {
  constructor(status, delayMs, message) {
    super(message);
    this.status = status;
    this.delayMs = delayMs;
  }
}

/** An answer that retrying will not fix (401, 403, 404, 400, 415...). */
class Refused extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

const STATUS_TEXT = {
  400: "the server rejected the offer",
  401: "a token is required (add ?token=... to the address)",
  403: "the token was refused",
  404: "no such path",
  409: "busy",
  413: "offer too large",
  415: "wrong content type",
  503: "server full",
};

/** Retry-After in seconds (or an HTTP date) -> milliseconds, bounded to [1 s, 30 s]. */
function retryAfterMs(value) {
  let ms = 2000;
  if (value) {
    const seconds = Number(value);
    ms = Number.isFinite(seconds) ? seconds * 1000 : Date.parse(value) - Date.now();
  }
  if (!Number.isFinite(ms)) ms = 2000;
  return Math.min(30000, Math.max(1000, ms));
}

/** Waits until ICE gathering completes (or `timeoutMs`), so the offer carries candidates. */
function gatheringComplete(pc, timeoutMs) {
  if (pc.iceGatheringState === "complete") return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(done, timeoutMs);
    function done() {
      clearTimeout(timer);
      pc.removeEventListener("icegatheringstatechange", check);
      resolve();
    }
    function check() {
      if (pc.iceGatheringState === "complete") done();
    }
    pc.addEventListener("icegatheringstatechange", check);
  });
}

/** `Link: <stun:host>; rel="ice-server"; username=..; credential=..` -> RTCIceServer[] */
function iceServersFromLink(header) {
  if (!header) return [];
  const servers = [];
  for (const part of header.split(/,(?=\s*<)/)) {
    const m = /<([^>]+)>(.*)/.exec(part.trim());
    if (!m || !/rel="?ice-server"?/.test(m[2])) continue;
    const server = { urls: m[1] };
    const user = /username="([^"]*)"/.exec(m[2]);
    const cred = /credential="([^"]*)"/.exec(m[2]);
    if (user) server.username = user[1];
    if (cred) server.credential = cred[1];
    servers.push(server);
  }
  return servers;
}

/**
 * WHIP/WHEP offer/answer: POST the local offer as application/sdp, apply the answer.
 * Returns the session URL (Location, resolved against the endpoint) for DELETE.
 */
async function negotiate(pc, endpoint) {
  await pc.setLocalDescription(await pc.createOffer());
  await gatheringComplete(pc, 2000);
  const response = await fetch(endpoint, {
    method: "POST",
    headers: authHeaders({ "Content-Type": "application/sdp" }),
    body: pc.localDescription.sdp,
  });
  if (response.status === 409 || response.status === 503) {
    throw new RetryLater(response.status, retryAfterMs(response.headers.get("Retry-After")),
      STATUS_TEXT[response.status]);
  }
  if (response.status !== 201) {
    const detail = (await response.text().catch(() => "")).slice(0, 200);
    throw new Refused(response.status,
      (STATUS_TEXT[response.status] || "HTTP " + response.status) + (detail ? ": " + detail : ""));
  }
  const location = response.headers.get("Location");
  const servers = iceServersFromLink(response.headers.get("Link"));
  if (servers.length > 0) pc.setConfiguration(Object.assign(pc.getConfiguration(), { iceServers: servers }));
  await pc.setRemoteDescription({ type: "answer", sdp: await response.text() });
  return location ? new URL(location, endpoint).href : null;
}

/** Ends a WHIP/WHEP session; `keepalive` lets it finish while the page unloads. */
function endSession(sessionUrl) {
  if (!sessionUrl) return Promise.resolve();
  return fetch(sessionUrl, { method: "DELETE", headers: authHeaders({}), keepalive: true })
    .then(() => undefined, () => undefined);
}

/** Sleeps `ms`, waking early when `signal` aborts. */
function sleep(ms, signal) {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    if (signal) signal.addEventListener("abort", () => { clearTimeout(timer); resolve(); }, { once: true });
  });
}

/** The selected candidate pair, described for people and tests. */
function selectedPair(report) {
  let pair = null;
  report.forEach((s) => {
    if (s.type === "transport" && s.selectedCandidatePairId) pair = report.get(s.selectedCandidatePairId);
  });
  if (!pair) report.forEach((s) => { if (s.type === "candidate-pair" && s.nominated && s.state === "succeeded") pair = s; });
  if (!pair) return null;
  const local = report.get(pair.localCandidateId) || {};
  const remote = report.get(pair.remoteCandidateId) || {};
  return {
    local: (local.candidateType || "?") + " " + (local.address || local.ip || "?") + ":" + local.port,
    remote: (remote.candidateType || "?") + " " + (remote.address || remote.ip || "?") + ":" + remote.port,
    rttMs: pair.currentRoundTripTime !== undefined ? Math.round(pair.currentRoundTripTime * 1000) : null,
  };
}

/** Bits per second between two samples of a byte counter. */
function bitrate(bytes, timestamp, previous, key) {
  if (!previous || previous[key] === undefined || timestamp <= previous.timestamp) return null;
  return Math.round(((bytes - previous[key]) * 8 * 1000) / (timestamp - previous.timestamp));
}

/** Formats a number for the overlay: 1234567 -> "1.23 M". */
function human(value, unit) {
  if (value === null || value === undefined) return "–";
  if (typeof value !== "number") return String(value);
  const abs = Math.abs(value);
  if (abs >= 1e6) return (value / 1e6).toFixed(2) + " M" + (unit || "");
  if (abs >= 1e4) return (value / 1e3).toFixed(1) + " k" + (unit || "");
  return String(Math.round(value * 100) / 100) + (unit ? " " + unit : "");
}

/** Fills a <dl> with label/value rows, reusing elements so screen readers are not flooded. */
function renderStats(dl, rows) {
  for (const [key, label, value] of rows) {
    let dd = dl.querySelector('dd[data-key="' + key + '"]');
    if (!dd) {
      const dt = document.createElement("dt");
      dt.textContent = label;
      dd = document.createElement("dd");
      dd.dataset.key = key;
      dl.append(dt, dd);
    }
    if (dd.textContent !== value) dd.textContent = value;
  }
}
