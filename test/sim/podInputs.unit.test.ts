import assert from 'node:assert/strict';
import { test } from 'node:test';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { V1Pod } from '@kubernetes/client-node';
import { localiseMountPaths, preparePodInputs } from './podInputs.js';

const api = {
  configMapData: async (_ns: string, name: string) =>
    name === 'edge-config' ? { 'media-node.yaml': 'paths:\n  - name: cam1\n    readTokenFile: /var/run/mediafleet/tokens/viewers/token\n' } : undefined,
  secretData: async (_ns: string, name: string) => (name === 'viewers' ? { token: 's3cret\n', other: 'not asked for' } : undefined),
  serviceAccountToken: async () => 'sa-token',
};

const pod: V1Pod = {
  metadata: { name: 'edge-1', namespace: 'media' },
  spec: {
    containers: [
      {
        name: 'media-node',
        volumeMounts: [
          { name: 'config', mountPath: '/etc/mediafleet', readOnly: true },
          { name: 'token-0123456789ab', mountPath: '/var/run/mediafleet/tokens/viewers', readOnly: true },
        ],
      },
    ],
    volumes: [
      { name: 'config', configMap: { name: 'edge-config' } },
      { name: 'token-0123456789ab', secret: { secretName: 'viewers', defaultMode: 0o440, items: [{ key: 'token', path: 'token' }] } },
    ],
  },
};

test('a secret volume with items writes only those keys; a ConfigMap file naming a mounted file gets the local path', async (t) => {
  const root = mkdtempSync(join(tmpdir(), 'sim-inputs-'));
  t.after(() => rmSync(root, { recursive: true, force: true }));
  const inputs = await preparePodInputs(pod, root, api);
  const tokenDir = inputs.volumeDirs.get('token-0123456789ab')!;
  assert.equal(readFileSync(join(tokenDir, 'token'), 'utf8'), 's3cret\n');
  assert.equal(existsSync(join(tokenDir, 'other')), false, 'items limit the keys');
  const config = readFileSync(join(inputs.volumeDirs.get('config')!, 'media-node.yaml'), 'utf8');
  assert.equal(config, `paths:\n  - name: cam1\n    readTokenFile: ${tokenDir}/token\n`);
});

test('localiseMountPaths: whole path prefixes only, longest mount first, other text untouched', () => {
  const mounts: Array<[string, string]> = [['/var/run/x/y', '/tmp/v2'], ['/var/run/x', '/tmp/v1']];
  assert.equal(localiseMountPaths('a: /var/run/x/y/token', mounts), 'a: /tmp/v2/token');
  assert.equal(localiseMountPaths('a: "/var/run/x/z", b: /var/run/xy/t, c: /opt/var/run/x/t', mounts), 'a: "/tmp/v1/z", b: /var/run/xy/t, c: /opt/var/run/x/t');
  assert.equal(localiseMountPaths('{a: /var/run/x}', mounts), '{a: /tmp/v1}');
  assert.equal(localiseMountPaths('no paths', []), 'no paths');
});
