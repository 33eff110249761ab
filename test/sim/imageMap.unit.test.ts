import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { V1Container, V1Pod } from '@kubernetes/client-node';
import { loadConfig } from '../../media-node/config/load.js';
import { planContainer, type PlanContext } from './containerPlan.js';
import { IMAGE_MAP_ENV, ImageMapError, imageMapPath, loadImageMap, parseImageMap, SHIPPED_IMAGE_MAP } from './imageMap.js';
import { startSimKubelet } from './kubelet.js';

const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url)).replace(/\/$/, '');
const IMAGE = 'ghcr.io/mediafleet/media-node';
const parse = (text: string, repoRoot = '/repo') => parseImageMap(text, { source: 'test.yaml', repoRoot });

function rejects(text: string, message: RegExp): void {
  assert.throws(() => parse(text), (err: unknown) => {
    assert.ok(err instanceof ImageMapError, `not an ImageMapError: ${String(err)}`);
    assert.match(err.message, /^image map test\.yaml: /);
    assert.match(err.message, message);
    return true;
  });
}

test('the shipped map: every promised image, good ones lean, leaky as the field report', () => {
  const map = loadImageMap(join(REPO_ROOT, SHIPPED_IMAGE_MAP), REPO_ROOT);
  const tags = ['good', 'good2', 'leaky', 'oom', 'crashloop', 'pprof-401', 'pprof-garbage', 'pprof-stall'];
  assert.deepEqual(map.entries.map((e) => e.image), [...tags.map((t) => `${IMAGE}:${t}`), 'ghcr.io/mediafleet/mediafleet']);
  assert.deepEqual(map.envFor('ghcr.io/mediafleet/mediafleet:0.3.0'), { METRICS_ADDR: '$(POD_IP):8080', HEALTH_ADDR: '$(POD_IP):8081' }, 'the operator image, any tag, on its pod IP');
  assert.deepEqual(map.envFor(`${IMAGE}:good`), {});
  assert.deepEqual(map.envFor(`${IMAGE}:good2`), {});
  assert.deepEqual(map.envFor(`${IMAGE}:leaky`), { MEDIA_NODE_NACK_MODE: 'perViewer', MEDIA_NODE_NACK_HISTORY_PACKETS: '16384' });
  assert.equal(map.envFor(`${IMAGE}:latest`), undefined, 'unlisted images run the build unchanged');
  assert.equal(map.envFor(undefined), undefined);
  assert.ok(map.envFor(`${IMAGE}:pprof-401`)?.MEDIA_NODE_PPROF_TOKEN);
});

test('the shipped map: leaky env is a config the media node accepts (perViewer, 16384 packets)', () => {
  const env = loadImageMap(join(REPO_ROOT, SHIPPED_IMAGE_MAP), REPO_ROOT).envFor(`${IMAGE}:leaky`)!;
  const config = loadConfig(undefined, { ...env });
  assert.equal(config.webrtc.nack.mode, 'perViewer');
  assert.equal(config.webrtc.nack.historyPackets, 16384);
});

test('the shipped map: every --import names a fault module that exists under test/sim/images', () => {
  const map = loadImageMap(join(REPO_ROOT, SHIPPED_IMAGE_MAP), REPO_ROOT);
  const imports = map.entries.flatMap((e) => [...(e.env.NODE_OPTIONS ?? '').matchAll(/--import\s+(\S+)/g)].map((m) => m[1]!));
  assert.equal(imports.length, 4);
  for (const path of imports) {
    assert.ok(path.startsWith(`${REPO_ROOT}/test/sim/images/`), path);
    assert.ok(existsSync(path), `${path} missing`);
  }
});

test('$(REPO_ROOT) expands everywhere in a value, without a doubled slash; other $(...) stay', () => {
  const map = parse(`- image: a\n  env:\n    NODE_OPTIONS: --import $(REPO_ROOT)/x.mjs --import $(REPO_ROOT)/y.mjs\n    OTHER: $(POD_IP)\n`, '/src/repo/');
  assert.deepEqual(map.envFor('a'), { NODE_OPTIONS: '--import /src/repo/x.mjs --import /src/repo/y.mjs', OTHER: '$(POD_IP)' });
});

test('env may be omitted or empty; an empty list is an empty map; a tagged entry matches exactly', () => {
  const map = parse('- image: a:1\n- image: b:2\n  env: {}\n');
  assert.deepEqual(map.envFor('a:1'), {});
  assert.deepEqual(map.envFor('b:2'), {});
  assert.equal(map.envFor('a:latest'), undefined);
  assert.equal(map.envFor('a'), undefined);
  assert.equal(map.envFor(' a:1'), undefined);
  assert.equal(parse('[]').entries.length, 0);
});

test('an entry without tag or digest matches every tag and digest of that repository; the exact entry wins', () => {
  const map = parse('- image: reg:5000/org/op\n  env: {A: repo}\n- image: reg:5000/org/op:9\n  env: {A: exact}\n');
  assert.deepEqual(map.envFor('reg:5000/org/op:1.2'), { A: 'repo' });
  assert.deepEqual(map.envFor('reg:5000/org/op@sha256:abc'), { A: 'repo' });
  assert.deepEqual(map.envFor('reg:5000/org/op:9'), { A: 'exact' });
  assert.equal(map.envFor('reg:5000/org/op2:1'), undefined);
  assert.equal(map.envFor('reg:5000/org:1'), undefined, 'a registry port is not a tag');
});

test('validation names the entry and the field', () => {
  rejects('image: a\n', /must be a YAML list of \{image, env\} entries, got a mapping/);
  rejects('', /must be a YAML list/);
  rejects('- image: a\n- just-a-string\n', /entry 2: must be a mapping/);
  rejects('- env: {}\n', /entry 1: image: must be a non-empty string, got nothing/);
  rejects('- image: ""\n', /entry 1: image: must be a non-empty string/);
  rejects('- image: a\n  envs: {}\n', /entry 1 \(a\): unknown key "envs" \(allowed: image, env, app\)/);
  rejects('- image: a\n  env: [X=1]\n', /entry 1 \(a\): env: must be a mapping/);
  rejects('- image: a\n- image: b\n  env:\n    MEDIA_NODE_NACK_HISTORY_PACKETS: 16384\n', /entry 2 \(b\): env\.MEDIA_NODE_NACK_HISTORY_PACKETS: must be a string \(quote it in YAML\), got number 16384/);
  rejects('- image: a\n  env:\n    FLAG: true\n', /entry 1 \(a\): env\.FLAG: must be a string/);
  rejects('- image: a\n  env:\n    BAD-NAME: x\n', /entry 1 \(a\): env\.BAD-NAME: not a valid environment variable name/);
  rejects('- image: a\n- image: a\n', /entry 2 \(a\): image: listed twice/);
  rejects('- image: [unclosed\n', /not valid YAML/);
});

test('which file: the explicit path, else SIM_IMAGES, else the shipped one; relative to cwd', () => {
  assert.equal(imageMapPath({ repoRoot: '/repo', env: {} }), `/repo/${SHIPPED_IMAGE_MAP}`);
  assert.equal(imageMapPath({ repoRoot: '/repo', env: { [IMAGE_MAP_ENV]: '/tmp/run.yaml' } }), '/tmp/run.yaml');
  assert.equal(imageMapPath({ repoRoot: '/repo', imageMapPath: '/tmp/mine.yaml', env: { [IMAGE_MAP_ENV]: '/tmp/run.yaml' } }), '/tmp/mine.yaml');
  assert.equal(imageMapPath({ repoRoot: '/repo', env: { [IMAGE_MAP_ENV]: '' } }), `/repo/${SHIPPED_IMAGE_MAP}`, 'an empty SIM_IMAGES is unset');
  assert.equal(imageMapPath({ repoRoot: '/repo', env: { [IMAGE_MAP_ENV]: 'maps/x.yaml' } }), join(process.cwd(), 'maps/x.yaml'));
});

test('SIM_IMAGES replaces the shipped map for a run: only its images are known', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sim-images-'));
  try {
    const file = join(dir, 'images.yaml');
    writeFileSync(file, `- image: ${IMAGE}:experiment\n  env:\n    MEDIA_NODE_MDNS_MODE: shared\n`);
    const map = loadImageMap(imageMapPath({ repoRoot: REPO_ROOT, env: { [IMAGE_MAP_ENV]: file } }), REPO_ROOT);
    assert.equal(map.source, file);
    assert.deepEqual(map.envFor(`${IMAGE}:experiment`), { MEDIA_NODE_MDNS_MODE: 'shared' });
    assert.equal(map.envFor(`${IMAGE}:leaky`), undefined, 'the shipped entries are gone, not merged');
    assert.throws(() => loadImageMap(join(dir, 'absent.yaml'), REPO_ROOT), /image map .*absent\.yaml: cannot read/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('startSimKubelet with a broken map fails before it talks to any API server', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'sim-images-'));
  try {
    const file = join(dir, 'bad.yaml');
    writeFileSync(file, '- image: a\n  nope: 1\n');
    await assert.rejects(
      startSimKubelet({ kubeconfigPath: join(dir, 'no-kubeconfig'), nodeName: 'sim-x', repoRoot: REPO_ROOT, imageMapPath: file }),
      (err: unknown) => err instanceof ImageMapError && /entry 1 \(a\): unknown key "nope"/.test(err.message),
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

// Merge order, as containerPlan applies it: base env < pod spec env < image env < sim's network env.
const pod: V1Pod = { metadata: { name: 'p', namespace: 'default', uid: 'u' }, spec: { containers: [] } };
const ctx = (imageEnv?: Record<string, string>): PlanContext => ({
  pod,
  podIP: '127.10.0.9',
  hostIP: '127.0.0.1',
  repoRoot: '/repo',
  nodeExecPath: '/node',
  volumeDirs: new Map(),
  configMaps: new Map(),
  secrets: new Map(),
  baseEnv: { PATH: '/usr/bin', NODE_OPTIONS: '--from-base' },
  ...(imageEnv ? { imageEnv } : {}),
});
const container: V1Container = {
  name: 'media-node',
  image: `${IMAGE}:leaky`,
  command: ['node', '/app/dist/media-node/main.js'],
  env: [
    { name: 'MEDIA_NODE_NACK_MODE', value: 'shared' },
    { name: 'MEDIA_NODE_PPROF_TOKEN', value: 'from-the-secret' },
    { name: 'KEEP', value: 'spec' },
  ],
};

test('merge: the image env wins over the pod spec, the sim network overrides win over the image', () => {
  const imageEnv = {
    MEDIA_NODE_NACK_MODE: 'perViewer',
    MEDIA_NODE_PPROF_TOKEN: 'wrong',
    NODE_OPTIONS: '--import /repo/test/sim/images/oom.mjs',
    MEDIA_NODE_HTTP_LISTEN: '0.0.0.0:1',
    MEDIA_NODE_ADDITIONAL_HOSTS: '203.0.113.1',
  };
  const { env } = planContainer(container, ctx(imageEnv));
  assert.equal(env.MEDIA_NODE_NACK_MODE, 'perViewer');
  assert.equal(env.MEDIA_NODE_PPROF_TOKEN, 'wrong');
  assert.equal(env.NODE_OPTIONS, '--import /repo/test/sim/images/oom.mjs', 'replaces, not appends');
  assert.equal(env.KEEP, 'spec');
  assert.equal(env.PATH, '/usr/bin');
  assert.equal(env.MEDIA_NODE_HTTP_LISTEN, '127.10.0.9:8117');
  assert.equal(env.MEDIA_NODE_ADDITIONAL_HOSTS, '127.10.0.9');
  assert.equal(env.MEDIAFLEET_IMAGE, `${IMAGE}:leaky`);
});

test('merge: no image env -> the pod spec env as written', () => {
  const { env } = planContainer(container, ctx());
  assert.equal(env.MEDIA_NODE_NACK_MODE, 'shared');
  assert.equal(env.MEDIA_NODE_PPROF_TOKEN, 'from-the-secret');
  assert.equal(env.NODE_OPTIONS, '--from-base');
});

test('app: an image whose /app is another build ($(REPO_ROOT) expands; must be absolute); other images keep the repository', () => {
  const map = parse('- image: op:0.2.0\n  app: /cache/releases/0.2.0\n- image: op\n  app: $(REPO_ROOT)/x\n- image: plain\n', '/src/repo');
  assert.equal(map.appFor('op:0.2.0'), '/cache/releases/0.2.0');
  assert.equal(map.appFor('op:0.3.0'), '/src/repo/x');
  assert.equal(map.appFor('plain'), undefined);
  assert.equal(map.appFor('unlisted'), undefined);
  rejects('- image: a\n  app: relative/dir\n', /entry 1 \(a\): app: must be an absolute directory/);
  rejects('- image: a\n  app: 3\n', /entry 1 \(a\): app: must be an absolute directory .*number 3/);
});
