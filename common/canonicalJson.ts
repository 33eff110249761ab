/**
 * JSON values compared and hashed by content, never by the order in which a client, the API
 * server or our own code happened to write an object's keys. One rule for every use: keys
 * sorted by code unit, members whose value is `undefined` dropped (JSON.stringify drops them
 * too), array order kept (our arrays are ordered: containers, ports, paths).
 */

/** The same value with every nested object's keys sorted and undefined members dropped. */
export function canonical<T>(value: T): T {
  if (Array.isArray(value)) return value.map(canonical) as T;
  if (value === null || typeof value !== "object") return value;
  const entries = Object.entries(value).filter(([, v]) => v !== undefined);
  entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return Object.fromEntries(entries.map(([k, v]) => [k, canonical(v)])) as T;
}

/** The canonical text of a value: equal for equal content, whatever the key order. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(canonical(value)) ?? "null";
}

/** Deep equality of JSON values, independent of key order (undefined members count as absent). */
export function jsonEqual(a: unknown, b: unknown): boolean {
  return a === b || canonicalJson(a) === canonicalJson(b);
}
