/** Parses the config's "host:port" listen strings ("127.0.0.1:9999", "[::1]:9999", ":9999"). */
export interface ListenAddress {
  host: string;
  port: number;
}

export function parseListenAddress(text: string): ListenAddress {
  const colon = text.lastIndexOf(":");
  if (colon < 0) throw new Error(`listen address "${text}" must be host:port`);
  let host = text.slice(0, colon);
  const port = Number(text.slice(colon + 1));
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`listen address "${text}": bad port`);
  if (host.startsWith("[") && host.endsWith("]")) host = host.slice(1, -1);
  return { host: host === "" ? "0.0.0.0" : host, port };
}

/**
 * True when a listener on `host` is reachable from this machine only: 127.0.0.0/8 (also as
 * ::ffff:127.x.y.z), ::1 or "localhost". A wildcard ("0.0.0.0", "::") or any other address is not.
 */
export function isLoopbackHost(host: string): boolean {
  const h = host.toLowerCase().replace(/^\[(.*)\]$/, "$1");
  if (h === "localhost" || h === "::1" || h === "0:0:0:0:0:0:0:1") return true;
  const v4 = h.startsWith("::ffff:") ? h.slice("::ffff:".length) : h;
  return /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(v4);
}

/** URL form of a bound address (IPv6 in brackets), for logs and callers. */
export function urlOf(host: string, port: number, path: string): string {
  const shown = host.includes(":") ? `[${host}]` : host;
  return `http://${shown}:${port}${path}`;
}
