/**
 * The ONE registry of werift seams: every seam fits the installed werift; for every seam a
 * werift (or tweetnacl) doctored the way an upgrade could change it is caught, the check naming
 * what moved, and `assertWeriftSeams` refuses with a WeriftSeamError naming the seam. (That the
 * media node process then exits 1 naming it: test/integration/werift-seams.test.ts.)
 */
import "../../test/support/noPublicStun.js"; // before werift creates any ICE agent: no public STUN fallback
import { test } from "node:test";
import assert from "node:assert/strict";
import * as werift from "werift";
import nacl from "tweetnacl";
import type { WeriftModules } from "./context.js";
import { WeriftSeamError } from "./errors.js";
import { assertWeriftSeams, checkWeriftSeams, INSTALLED_MODULES, SEAMS, type Seam } from "./seams.js";

type Ctor = new (...args: never[]) => object;
/** A subclass of `base` whose instances get `edit` applied once constructed. */
function editedInstances<T extends Ctor>(base: T, edit: (instance: Record<string, unknown>) => void): T {
  const Base = base as unknown as new (...args: unknown[]) => Record<string, unknown>;
  return class extends Base {
    constructor(...args: unknown[]) {
      super(...args);
      edit(this);
    }
  } as unknown as T;
}

/** One way a future werift could differ, per seam: what each check must catch. */
const DOCTORED: Record<string, { how: string; modules: () => WeriftModules; named: RegExp }> = {
  "ice-shared-port": {
    how: "Connection.prototype.addRemoteCandidate is gone",
    modules: () => {
      const Connection = class extends werift.Connection {};
      Object.defineProperty(Connection.prototype, "addRemoteCandidate", { value: undefined });
      return { werift: { ...werift, Connection }, tweetnacl: nacl };
    },
    named: /Connection\.prototype\.addRemoteCandidate is not a function/,
  },
  "dtls-early-start": {
    how: "RTCDtlsTransport.start no longer waits before connecting",
    modules: () => {
      const RTCDtlsTransport = class extends werift.RTCDtlsTransport {};
      Object.defineProperty(RTCDtlsTransport.prototype, "start", { value: async function start() {} });
      return { werift: { ...werift, RTCDtlsTransport }, tweetnacl: nacl };
    },
    named: /no longer waits 100 ms/,
  },
  "x25519-openssl": {
    how: "werift imports another tweetnacl than the node swaps",
    modules: () => ({ werift, tweetnacl: { ...Object.fromEntries(Object.entries(nacl)), box: { ...nacl.box } } as unknown as typeof nacl }),
    named: /box\.keyPair 0 times/,
  },
  "dtls-records": {
    how: "the DTLS suite keeps its write keys under other names",
    modules: () => ({
      werift: {
        ...werift,
        DtlsClient: editedInstances(werift.DtlsClient, (socket) => {
          (socket.onConnect as { subscribe(fn: () => void): void }).subscribe(() => {
            const suite = (socket.cipher as { cipher: Record<string, unknown> }).cipher;
            suite.clientKey = suite.clientWriteKey;
            delete suite.clientWriteKey;
          });
        }),
      },
      tweetnacl: nacl,
    }),
    named: /DtlsSocket\.cipher\.cipher\.clientWriteKey/,
  },
  "srtp-keys": {
    how: "updateSrtpSession keeps the keys elsewhere than srtp.config",
    modules: () => {
      const RTCDtlsTransport = class extends werift.RTCDtlsTransport {
        override updateSrtpSession() {
          super.updateSrtpSession();
          delete (this.srtp as unknown as { config?: unknown }).config;
        }
      };
      return { werift: { ...werift, RTCDtlsTransport }, tweetnacl: nacl };
    },
    named: /RTCDtlsTransport\.srtp\.config/,
  },
  "viewer-handoff": {
    how: "RTCRtpSender keeps its CNAME under another name",
    modules: () => {
      const RTCRtpSender = class extends werift.RTCRtpSender {
        override prepareSend(params: Parameters<werift.RTCRtpSender["prepareSend"]>[0]) {
          super.prepareSend(params);
          const fields = this as unknown as Record<string, unknown>;
          fields.canonicalName = fields.cname;
          delete fields.cname;
        }
      };
      return { werift: { ...werift, RTCRtpSender }, tweetnacl: nacl };
    },
    named: /RTCRtpSender\.cname/,
  },
  "nack-loop": {
    how: "NackHandler.sendNack became a prototype method",
    modules: () => ({
      werift: { ...werift, RTCRtpReceiver: editedInstances(werift.RTCRtpReceiver, (receiver) => void delete (receiver.nack as Record<string, unknown>).sendNack) },
      tweetnacl: nacl,
    }),
    named: /NackHandler\.sendNack \(own field\)/,
  },
};

test("installed werift -> every seam of the registry fits", { timeout: 30_000 }, async () => {
  const reports = await checkWeriftSeams();
  assert.deepEqual(
    reports.filter((r) => r.problems.length > 0),
    [],
  );
  assert.deepEqual(reports.map((r) => r.seam), SEAMS.map((s) => s.name));
  await assertWeriftSeams();
});

test("the registry names each seam once, says what it touches, and every seam has a doctored werift below", () => {
  const names = SEAMS.map((s) => s.name);
  assert.equal(new Set(names).size, names.length);
  for (const seam of SEAMS) assert.match(seam.touches, /^werift\/[\w-]+\.ts: /, `${seam.name} says where it lives`);
  assert.deepEqual(Object.keys(DOCTORED).sort(), [...names].sort());
});

for (const [name, doctored] of Object.entries(DOCTORED)) {
  test(`seam "${name}": ${doctored.how} -> caught, named, and the node refuses it`, { timeout: 30_000 }, async () => {
    const seam = SEAMS.find((s) => s.name === name)!;
    const [report] = await checkWeriftSeams(doctored.modules(), [seam]);
    assert.equal(report!.seam, name);
    assert.ok(report!.problems.some((p) => doctored.named.test(p)), `expected ${doctored.named} in: ${report!.problems.join("; ")}`);
    await assert.rejects(assertWeriftSeams(doctored.modules(), [seam]), (err: Error) => {
      assert.ok(err instanceof WeriftSeamError);
      assert.match(err.message, new RegExp(`refusing to start:\\n - seam "${name}": `));
      return true;
    });
  });
}

test("a check that throws -> reported as that seam's problem, the others still run", async () => {
  const broken: Seam = { name: "broken", touches: "werift/nowhere.ts: nothing", check: () => { throw new Error("boom"); } };
  const reports = await checkWeriftSeams(INSTALLED_MODULES, [broken, SEAMS.find((s) => s.name === "nack-loop")!]);
  assert.deepEqual(reports, [{ seam: "broken", problems: ["its check threw: boom"] }, { seam: "nack-loop", problems: [] }]);
});
