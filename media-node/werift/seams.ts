/**
 * The ONE registry of every werift internal the media node relies on. Each seam names what it
 * touches and checks it against the installed werift; `assertWeriftSeams()` runs them all at
 * boot and throws a `WeriftSeamError` naming each seam that does not fit, so the node refuses
 * to start instead of silently running a slower or leakier path after a werift upgrade.
 *
 * Checks take the werift module (and tweetnacl) as a parameter: tests pass a doctored copy
 * (a class with a field renamed, a method gone) and see the seam refuse it (seams.test.ts).
 * Several seams share one in-memory DTLS handshake between werift's own client and server
 * (probe.ts), made once per check run, so what is checked is what werift does, not only
 * whether a name exists.
 */
import * as weriftModule from "werift";
import tweetnaclModule from "tweetnacl";
import { dtlsEarlyStartProblems } from "./dtlsEarlyStart.js";
import { dtlsRecordProblems } from "./dtlsState.js";
import { handoffShapeProblems, srtpKeyProblems } from "./handoffChecks.js";
import { iceSeamProblems } from "./ice.js";
import { nackLoopProblems } from "./nackLoop.js";
import { dtlsProbe, type DtlsProbe } from "./probe.js";
import type { SeamContext, WeriftModules } from "./context.js";
import { WeriftSeamError, type SeamReport } from "./errors.js";
import { x25519Problems } from "./x25519.js";

export interface Seam {
  /** Stable name, used in error messages and logs. */
  readonly name: string;
  /** Where it lives and what of werift it touches, in one line. */
  readonly touches: string;
  /** Problems found; empty when the installed werift fits. Never throws for a mismatch. */
  check(ctx: SeamContext): string[] | Promise<string[]>;
}

export const SEAMS: readonly Seam[] = [
  {
    name: "ice-shared-port",
    touches: "werift/ice.ts: wraps Connection.prototype ensureProtocol / applyStunTurnServersFromOptions / addRemoteCandidate for the node's agents; StunProtocol.connectionMade and .transport",
    check: (ctx) => iceSeamProblems(ctx.werift),
  },
  {
    name: "dtls-early-start",
    touches: "werift/dtlsEarlyStart.ts: RTCDtlsTransport.start's 100 ms wait before this.dtls.connect(); DtlsClient.connect on one instance",
    check: (ctx) => dtlsEarlyStartProblems(ctx.werift),
  },
  {
    name: "x25519-openssl",
    touches: "werift/x25519.ts: tweetnacl box.keyPair and scalarMult, which werift's DTLS calls for X25519",
    check: (ctx) => x25519Problems(ctx),
  },
  {
    name: "dtls-records",
    touches: "werift/dtlsState.ts: DtlsSocket dtls.{version,epoch,recordSequenceNumber}, cipher.{sessionType,cipher.*WriteKey,*Nonce}, transport.send (close_notify, viewer alerts)",
    check: (ctx) => dtlsRecordProblems(ctx),
  },
  {
    name: "srtp-keys",
    touches: "werift/handoff.ts: RTCDtlsTransport.srtp.config { profile, keys } set by updateSrtpSession",
    check: (ctx) => srtpKeyProblems(ctx),
  },
  {
    name: "viewer-handoff",
    touches: "werift/handoff.ts: RTCRtpSender cname/mid/headerExtensions/rtxPayloadType, RTCDtlsTransport iceTransport.connection / transportSequenceNumber, Connection local credentials and nominated pair",
    check: (ctx) => handoffShapeProblems(ctx.werift),
  },
  {
    name: "nack-loop",
    touches: "werift/nackLoop.ts: RTCRtpReceiver.nack (NackHandler) _lost, nackLoop, own sendNack field",
    check: (ctx) => nackLoopProblems(ctx.werift),
  },
];

export const INSTALLED_MODULES: WeriftModules = { werift: weriftModule, tweetnacl: tweetnaclModule };

/** Every seam's report, in registry order (a check that throws is reported as a problem). */
export async function checkWeriftSeams(modules: WeriftModules = INSTALLED_MODULES, seams: readonly Seam[] = SEAMS): Promise<SeamReport[]> {
  let probe: Promise<DtlsProbe> | undefined;
  const ctx: SeamContext = { ...modules, probe: () => (probe ??= dtlsProbe(modules.werift, modules.tweetnacl)) };
  const reports: SeamReport[] = [];
  try {
    for (const seam of seams) {
      let problems: string[];
      try {
        problems = await seam.check(ctx);
      } catch (error) {
        problems = [`its check threw: ${(error as Error).message}`];
      }
      reports.push({ seam: seam.name, problems });
    }
  } finally {
    if (probe) (await probe.catch(() => undefined))?.close();
  }
  return reports;
}

/** Throws WeriftSeamError naming every seam that does not fit; resolves when all do. */
export async function assertWeriftSeams(modules: WeriftModules = INSTALLED_MODULES, seams: readonly Seam[] = SEAMS): Promise<void> {
  const failed = (await checkWeriftSeams(modules, seams)).filter((r) => r.problems.length > 0);
  if (failed.length > 0) throw new WeriftSeamError(failed);
}
