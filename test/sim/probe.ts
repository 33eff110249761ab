// One readiness check against a pod's loopback IP: httpGet (2xx/3xx passes) or tcpSocket.
import { request } from 'node:http';
import { connect } from 'node:net';
import type { V1Container, V1Probe } from '@kubernetes/client-node';

export type ProbeResult = { ok: true } | { ok: false; detail: string };

export function resolvePort(port: number | string | undefined, container: V1Container): number | undefined {
  if (typeof port === 'number') return port;
  if (port === undefined) return undefined;
  if (/^\d+$/.test(port)) return Number(port);
  return container.ports?.find((p) => p.name === port)?.containerPort;
}

export function probeOnce(probe: V1Probe, container: V1Container, podIP: string): Promise<ProbeResult> {
  const timeoutMs = Math.max(1, probe.timeoutSeconds ?? 1) * 1000;
  if (probe.httpGet) {
    const get = probe.httpGet;
    const port = resolvePort(get.port as number | string, container);
    if (port === undefined) return Promise.resolve({ ok: false, detail: `unknown port ${String(get.port)}` });
    if ((get.scheme ?? 'HTTP').toUpperCase() !== 'HTTP') return Promise.resolve({ ok: false, detail: 'only HTTP probes are simulated' });
    const headers = Object.fromEntries((get.httpHeaders ?? []).map((h) => [h.name, h.value]));
    return new Promise((resolve) => {
      const req = request(
        { host: get.host || podIP, port, path: get.path ?? '/', method: 'GET', headers, timeout: timeoutMs },
        (res) => {
          res.resume();
          const code = res.statusCode ?? 0;
          resolve(code >= 200 && code < 400 ? { ok: true } : { ok: false, detail: `HTTP ${code}` });
        },
      );
      req.once('timeout', () => req.destroy(new Error(`timeout after ${timeoutMs} ms`)));
      req.once('error', (err) => resolve({ ok: false, detail: err.message }));
      req.end();
    });
  }
  if (probe.tcpSocket) {
    const port = resolvePort(probe.tcpSocket.port as number | string, container);
    if (port === undefined) return Promise.resolve({ ok: false, detail: `unknown port ${String(probe.tcpSocket.port)}` });
    return new Promise((resolve) => {
      const socket = connect({ host: probe.tcpSocket?.host || podIP, port, timeout: timeoutMs });
      socket.once('connect', () => {
        socket.destroy();
        resolve({ ok: true });
      });
      socket.once('timeout', () => socket.destroy(new Error(`timeout after ${timeoutMs} ms`)));
      socket.once('error', (err) => resolve({ ok: false, detail: err.message }));
    });
  }
  // exec and grpc probes are not simulated: treat as passing so such pods still become ready.
  return Promise.resolve({ ok: true });
}
