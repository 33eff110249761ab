/**
 * The node's own DTLS 1.2 AEAD records (dtlsRecord.ts): a sealed record opens with the other
 * side's view of the same keys, carries the header fields the alert needs, advances the
 * sequence number, and a tampered or truncated record is refused. That werift's own sockets
 * accept what is sealed here and seal what opens here is the registry's "dtls-records" check
 * (media-node/werift/seams.test.ts).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import type { DtlsRecordKeys } from "../werift/types.js";
import { closeNotifyRecord, CONTENT_TYPE_ALERT, openRecord, sealRecord } from "./dtlsRecord.js";

function pair(algorithm: DtlsRecordKeys["algorithm"]): { node: DtlsRecordKeys; peer: DtlsRecordKeys } {
  const keyLength = algorithm === "aes-128-gcm" ? 16 : 32;
  const a = { key: randomBytes(keyLength), iv: randomBytes(4) };
  const b = { key: randomBytes(keyLength), iv: randomBytes(4) };
  const base = { version: { major: 254, minor: 253 }, epoch: 1, algorithm };
  return {
    node: { ...base, sequenceNumber: 4, writeKey: a.key, writeIv: a.iv, readKey: b.key, readIv: b.iv },
    peer: { ...base, sequenceNumber: 9, writeKey: b.key, writeIv: b.iv, readKey: a.key, readIv: a.iv },
  };
}

for (const algorithm of ["aes-128-gcm", "aes-256-gcm"] as const) {
  test(`${algorithm}: close_notify -> an alert record at epoch 1, the next sequence number, that the peer opens to [warning, close_notify]`, () => {
    const { node, peer } = pair(algorithm);
    const record = closeNotifyRecord(node);
    assert.equal(node.sequenceNumber, 5, "the state advanced");
    assert.deepEqual([record[0], record[1], record[2]], [CONTENT_TYPE_ALERT, 254, 253]);
    assert.equal(record.readUInt16BE(3), 1);
    assert.equal(record.readUIntBE(5, 6), 5);
    assert.equal(record.readUInt16BE(11), record.length - 13);
    assert.equal(record.length, 13 + 8 + 2 + 16, "explicit nonce, the 2-byte alert encrypted, the tag");
    const opened = openRecord(peer, record);
    assert.deepEqual(opened, { type: CONTENT_TYPE_ALERT, epoch: 1, plaintext: Buffer.from([1, 0]) });
  });

  test(`${algorithm}: a flipped bit, a wrong key or a cut record -> refused`, () => {
    const { node, peer } = pair(algorithm);
    const record = sealRecord(node, 23, Buffer.from("application data"));
    for (const at of [0, 4, 12, 13, 25, record.length - 1]) {
      const bad = Buffer.from(record);
      bad[at]! ^= 0x01;
      assert.throws(() => openRecord(peer, bad), `bit flipped at ${at}`);
    }
    assert.throws(() => openRecord(node, record), "the node's own read keys are the peer's write keys, not its own");
    assert.throws(() => openRecord(peer, record.subarray(0, record.length - 1)), /runs past/);
    assert.throws(() => openRecord(peer, record.subarray(0, 10)), /shorter than its header/);
    assert.equal(openRecord(peer, record).plaintext.toString(), "application data");
  });
}
