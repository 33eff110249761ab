/**
 * Go-style durations ("1s", "1m30s", "250ms") to milliseconds. Shared because the same strings
 * are written in a media node's YAML and in a MediaServer's spec (its webrtc block and its
 * rollback settings); the schemas' patterns guard the shape, this is the one reader.
 */
const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

export function parseDuration(text: string): number {
  const part = /([0-9]+(?:\.[0-9]+)?)(ms|s|m|h)/gy;
  let total = 0;
  let consumed = 0;
  for (let match = part.exec(text); match; match = part.exec(text)) {
    total += Number(match[1]) * UNIT_MS[match[2]!]!;
    consumed = part.lastIndex;
  }
  if (text.length === 0 || consumed !== text.length) {
    throw new RangeError(`"${text}" is not a duration like 1s, 500ms or 1m30s`);
  }
  return total;
}
