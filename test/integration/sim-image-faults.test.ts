// The shipped fault images (test/sim/images.yaml) in real media-node processes, with the env the
// sim would give them: each breaks exactly what it promises and nothing else.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { gunzipSync } from 'node:zlib';
import { startClientProcess } from '../support/clients.js';
import { REPO_ROOT } from '../support/child.js';
import { freeTcpPort, startMediaNode, type StartedNode } from '../support/mediaNode.js';
import { poll } from '../support/poll.js';
import { loadImageMap, SHIPPED_IMAGE_MAP } from '../sim/imageMap.js';

const map = loadImageMap(join(REPO_ROOT, SHIPPED_IMAGE_MAP), REPO_ROOT);
const TOKEN = 'the-right-token';
const auth = { authorization: `Bearer ${TOKEN}` };

/** A media node running as the sim runs `image`: the pod's env (a token), then the image's env. */
async function startAs(tag: string, podEnv: Record<string, string> = { MEDIA_NODE_PPROF_TOKEN: TOKEN }): Promise<StartedNode> {
  const imageEnv = map.envFor(`ghcr.io/mediafleet/media-node:${tag}`);
  assert.ok(imageEnv, `${tag} is not in the shipped map`);
  return startMediaNode({ config: { paths: [{ name: 'cam1' }] }, env: { ...podEnv, ...imageEnv } });
}

async function status(url: string | URL, headers: Record<string, string> = {}): Promise<number> {
  const res = await fetch(url, { headers, signal: AbortSignal.timeout(5000) });
  await res.arrayBuffer();
  return res.status;
}

test('pprof-garbage: the heap profile is 200 with bytes that are no profile; the rest of the node works', async (t) => {
  // As in the sim: the pprof port is in env, so the fault only touches that listener.
  const pprofPort = await freeTcpPort();
  const node = await startMediaNode({
    config: { paths: [{ name: 'cam1' }] },
    env: { MEDIA_NODE_PPROF_TOKEN: TOKEN, ...map.envFor('ghcr.io/mediafleet/media-node:pprof-garbage'), MEDIA_NODE_PPROF_LISTEN: `127.0.0.1:${pprofPort}` },
  });
  t.after(() => node.stop());
  const heapUrl = new URL('heap', node.pprofUrl);
  const res = await fetch(heapUrl, { headers: auth, signal: AbortSignal.timeout(5000) });
  const body = Buffer.from(await res.arrayBuffer());
  assert.equal(res.status, 200);
  assert.ok(body.length > 0);
  assert.notDeepEqual([...body.subarray(0, 2)], [0x1f, 0x8b], 'not gzip');
  assert.throws(() => gunzipSync(body));
  assert.equal(await status(heapUrl), 401, 'without the token the node still says 401');
  assert.equal(await status(new URL('profile?seconds=x', node.pprofUrl), auth), 400, 'other profile routes are the real ones');
  assert.equal(await status(new URL('../vars', node.pprofUrl), auth), 200);
  assert.equal(await status(new URL('/debug/pprof/heap', node.metricsUrl)), 404, 'the metrics listener is untouched');
  assert.ok((await node.metric('mediafleet_build_info')) === 1);
  assert.equal(await status(`${node.httpUrl}/v1/paths`), 200);
});

test('pprof-stall: the heap profile never answers, while WHIP/WHEP, /metrics and other profile routes do', { timeout: 60_000 }, async (t) => {
  const node = await startAs('pprof-stall');
  t.after(() => node.stop());
  const stalled = fetch(new URL('heap', node.pprofUrl), { headers: auth, signal: AbortSignal.timeout(1500) });
  assert.equal(await status(new URL('../vars', node.pprofUrl), auth), 200);
  assert.ok((await node.metric('mediafleet_build_info')) === 1);

  const clients = await startClientProcess();
  t.after(() => clients.stop());
  assert.equal((await clients.publish({ id: 'pub', url: `${node.httpUrl}/cam1/whip` })).status, 201);
  await clients.waitConnected('pub');
  assert.equal((await clients.view({ id: 'v', url: `${node.httpUrl}/cam1/whep` })).status, 201);
  await clients.waitConnected('v');
  await poll(() => clients.report('v'), (r) => r.packets.length >= 30, 15_000, 'the viewer to receive 30 packets');

  await assert.rejects(stalled, (err: Error) => err.name === 'TimeoutError');
});

test('pprof-401: the right token is refused', async (t) => {
  const node = await startAs('pprof-401');
  t.after(() => node.stop());
  assert.equal(await status(new URL('heap', node.pprofUrl), auth), 401);
  assert.ok((await node.metric('mediafleet_build_info')) === 1);
});

test('crashloop: starts, then exits with status 1 about 3 s later (after it is up: its boot-time seam checks take ~1 s on a loaded machine)', async () => {
  const node = await startAs('crashloop');
  const exited = await Promise.race([node.child.exited, new Promise<'alive'>((resolve) => setTimeout(() => resolve('alive'), 8000))]);
  if (exited === 'alive') await node.stop();
  assert.deepEqual(exited, { code: 1, signal: null });
});

test('oom: retains about 16 MiB a second', async (t) => {
  const node = await startAs('oom');
  t.after(() => node.stop());
  const arrayBuffers = async () => ((await (await fetch(new URL('../vars', node.pprofUrl), { headers: auth })).json()) as { memoryUsage: { arrayBuffers: number } }).memoryUsage.arrayBuffers;
  const first = await arrayBuffers();
  await new Promise((resolve) => setTimeout(resolve, 1000));
  const grown = (await arrayBuffers()) - first;
  assert.ok(grown >= 10 * 2 ** 20 && grown <= 24 * 2 ** 20, `grew ${(grown / 2 ** 20).toFixed(1)} MiB in 1 s`);
});
