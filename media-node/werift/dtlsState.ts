/**
 * The DTLS record state of a werift DtlsSocket, copied out as plain data (types.ts
 * DtlsRecordKeys): the node seals its own close_notify with it (session/dtlsRecord.ts), for
 * linked viewers and for peer connections werift still runs (closeNotify.ts), and opens a
 * viewer's alert. werift 0.25.2 keeps it on the socket as `dtls.{version, epoch,
 * recordSequenceNumber}` and, on the negotiated AEAD suite, `cipher.cipher.{blockAlgorithm,
 * clientWriteKey, serverWriteKey, clientNonce, serverNonce}` with `cipher.sessionType` telling
 * which side we are; none of it is exported API.
 *
 * `dtlsRecordProblems` (the registry's "dtls-records" check) takes werift's own handshake
 * (probe.ts) and proves the copy right: a close_notify sealed from it is accepted by werift's
 * server, and a record werift's server seals opens with it.
 */
import { closeNotifyRecord, openRecord } from "../session/dtlsRecord.js";
import type { SeamContext } from "./context.js";
import type { DtlsRecordKeys } from "./types.js";

export const DTLS_RECORDS_SEAM = "dtls-records";

/** werift's SessionType.CLIENT (the other value, 2, is the server). */
const SESSION_CLIENT = 1;
const IMPLICIT_IV = 4;
const ALGORITHMS = new Set(["aes-128-gcm", "aes-256-gcm"]);

export interface DtlsSocketInternals {
  connected?: boolean;
  dtls?: { version?: { major?: unknown; minor?: unknown }; epoch?: unknown; recordSequenceNumber?: unknown };
  cipher?: {
    sessionType?: unknown;
    cipher?: { blockAlgorithm?: unknown; authTagLength?: unknown; nonceExplicitLength?: unknown; clientWriteKey?: unknown; serverWriteKey?: unknown; clientNonce?: unknown; serverNonce?: unknown };
  };
  transport?: { send?: (data: Buffer) => unknown };
}

const isBuffer = (value: unknown, minLength: number): value is Buffer => Buffer.isBuffer(value) && value.length >= minLength;

/**
 * The record keys of a socket whose handshake has produced them (epoch 1 and a suite's keys),
 * or the list of what is missing. A socket still in its first flights simply has none yet.
 */
export function dtlsRecordKeysOf(socket: unknown): { keys: DtlsRecordKeys; problems: [] } | { keys: undefined; problems: string[] } {
  const s = socket as DtlsSocketInternals | undefined;
  const problems: string[] = [];
  const state = s?.dtls;
  const version = state?.version;
  if (typeof version?.major !== "number" || typeof version.minor !== "number") problems.push("DtlsSocket.dtls.version {major, minor}");
  if (typeof state?.epoch !== "number") problems.push("DtlsSocket.dtls.epoch");
  if (typeof state?.recordSequenceNumber !== "number") problems.push("DtlsSocket.dtls.recordSequenceNumber");
  const sessionType = s?.cipher?.sessionType;
  if (sessionType !== 1 && sessionType !== 2) problems.push("DtlsSocket.cipher.sessionType (1 client, 2 server)");
  const suite = s?.cipher?.cipher;
  if (typeof suite?.blockAlgorithm !== "string" || !ALGORITHMS.has(suite.blockAlgorithm)) problems.push(`DtlsSocket.cipher.cipher.blockAlgorithm (aes-128-gcm or aes-256-gcm, got ${String(suite?.blockAlgorithm)})`);
  if (suite?.authTagLength !== 16 || suite.nonceExplicitLength !== 8) problems.push("DtlsSocket.cipher.cipher: a 16-byte tag and 8-byte explicit nonce");
  if (!isBuffer(suite?.clientWriteKey, 16) || !isBuffer(suite?.serverWriteKey, 16)) problems.push("DtlsSocket.cipher.cipher.clientWriteKey/serverWriteKey");
  if (!isBuffer(suite?.clientNonce, IMPLICIT_IV) || !isBuffer(suite?.serverNonce, IMPLICIT_IV)) problems.push("DtlsSocket.cipher.cipher.clientNonce/serverNonce");
  if (problems.length > 0) return { keys: undefined, problems };
  const client = sessionType === SESSION_CLIENT;
  const key = (b: unknown) => Buffer.from(b as Buffer);
  const iv = (b: unknown) => Buffer.from((b as Buffer).subarray(0, IMPLICIT_IV));
  return {
    keys: {
      version: { major: version!.major as number, minor: version!.minor as number },
      epoch: state!.epoch as number,
      sequenceNumber: state!.recordSequenceNumber as number,
      algorithm: suite!.blockAlgorithm as DtlsRecordKeys["algorithm"],
      writeKey: key(client ? suite!.clientWriteKey : suite!.serverWriteKey),
      writeIv: iv(client ? suite!.clientNonce : suite!.serverNonce),
      readKey: key(client ? suite!.serverWriteKey : suite!.clientWriteKey),
      readIv: iv(client ? suite!.serverNonce : suite!.clientNonce),
    },
    problems: [],
  };
}

/** The "dtls-records" check: the copy must seal what werift accepts and open what werift seals. */
export async function dtlsRecordProblems(ctx: SeamContext): Promise<string[]> {
  let probe;
  try {
    probe = await ctx.probe();
  } catch (error) {
    return [`werift's DTLS handshake could not be run: ${(error as Error).message}`];
  }
  const client = dtlsRecordKeysOf(probe.client);
  if (!client.keys) return client.problems;
  const problems: string[] = [];
  if (client.keys.epoch !== 1) problems.push(`DtlsSocket.dtls.epoch is ${client.keys.epoch} after the handshake, not 1`);
  if (typeof (probe.client as DtlsSocketInternals).transport?.send !== "function") problems.push("DtlsSocket.transport.send is not a function (close_notify to a peer werift still runs)");
  if ((probe.client as DtlsSocketInternals).connected !== true) problems.push("DtlsSocket.connected is not true after the handshake");

  // werift's server seals application data with its keys; the client's copy must open it
  const message = Buffer.from("mediafleet dtls-records probe");
  await probe.sendFromServer(message);
  const sealed = probe.fromServer.at(-1);
  try {
    if (!sealed) problems.push("werift's server sent no record for DtlsSocket.send");
    else if (!openRecord(client.keys, sealed).plaintext.equals(message)) problems.push("a record werift sealed opens to other bytes with the copied read keys");
  } catch (error) {
    problems.push(`a record werift sealed does not open with the copied read keys (${(error as Error).message})`);
  }
  // and a close_notify sealed from the copy must be accepted as the end of the association
  probe.deliverToServer(closeNotifyRecord(client.keys));
  if (!probe.serverClosed()) problems.push("werift's server did not accept a close_notify sealed with the copied write keys and sequence number");
  return problems;
}
