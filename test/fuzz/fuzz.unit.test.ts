/**
 * The bounded fuzz run of `npm test`: each in-process target (targets.ts) over a fixed seed,
 * a few seconds each. On a failure fast-check prints the seed, the path and the shrunk case;
 * replay it with MEDIAFLEET_FUZZ_SEED=<seed>, or run it long with `npm run fuzz -- --seed <seed>`.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { OFFERS, PUBLISHER_OFFERS, VIEWER_OFFERS } from "./corpus.js";
import { IN_PROCESS_TARGETS } from "./targets.js";
import { negotiate } from "./weriftOracle.js";
import { validateOffer } from "../../media-node/session/sdpOffer.js";

const SEED = Number(process.env.MEDIAFLEET_FUZZ_SEED ?? 20261210);

test("the corpus offers pass validation and negotiate with werift as the node does", async () => {
  for (const name of PUBLISHER_OFFERS) assert.match(await negotiate(validateOffer(OFFERS[name]).sdp, "publisher"), /a=recvonly/, name);
  for (const name of VIEWER_OFFERS) assert.match(await negotiate(validateOffer(OFFERS[name]).sdp, "viewer"), /a=sendonly/, name);
});

for (const target of IN_PROCESS_TARGETS) {
  test(`fuzz ${target.name}: ${target.unitRuns} generated cases (seed ${SEED}) -> refused or handled, never a crash`, async () => {
    const verdicts = { ok: 0, rejected: 0 };
    await fc.assert(
      fc.asyncProperty(target.arbitrary, async (input) => {
        const outcome = await target.run(input);
        if (outcome.verdict === "crash" || outcome.verdict === "5xx") throw new Error(`${outcome.verdict}: ${outcome.detail}`);
        verdicts[outcome.verdict]++;
      }),
      { numRuns: target.unitRuns, seed: SEED },
    );
    // a generator that only makes garbage (or only valid input) tests one branch: both must be reached
    assert.ok(verdicts.ok > 0, `no generated case was accepted (${JSON.stringify(verdicts)})`);
    if (target.name !== "RTCP datagrams") assert.ok(verdicts.rejected > 0, `no generated case was refused (${JSON.stringify(verdicts)})`);
  });
}
