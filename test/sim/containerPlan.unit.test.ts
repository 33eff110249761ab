import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { V1Container, V1Pod } from '@kubernetes/client-node';
import { ContainerConfigError, expandVars, inMountNamespace, pathRewriter, planContainer, type PlanContext } from './containerPlan.js';

const pod: V1Pod = {
  metadata: { name: 'edge-7d9f', namespace: 'media', uid: 'u-1', labels: { app: 'edge' } },
  spec: { nodeName: 'sim-1', serviceAccountName: 'edge', containers: [] },
};

const ctx = (over: Partial<PlanContext> = {}): PlanContext => ({
  pod,
  podIP: '127.10.0.5',
  hostIP: '127.0.0.1',
  repoRoot: '/repo',
  nodeExecPath: '/opt/node24/bin/node',
  volumeDirs: new Map([['config', '/tmp/sim/pods/u-1/volumes/config']]),
  configMaps: new Map([['edge-config', { mode: 'shared' }]]),
  secrets: new Map([['edge-token', { token: 's3cret' }]]),
  baseEnv: { PATH: '/usr/bin' },
  ...over,
});

const mediaNode: V1Container = {
  name: 'media-node',
  image: 'registry.example/media-node:1.2.3',
  command: ['node', '/app/dist/media-node/main.js'],
  args: ['--config', '/etc/mediafleet/media-node.yaml'],
  ports: [{ name: 'http', containerPort: 8117 }],
  volumeMounts: [{ name: 'config', mountPath: '/etc/mediafleet' }],
};

test('planContainer on the media-node contract -> this node binary, repo dist, materialised config', () => {
  const plan = planContainer(mediaNode, ctx());
  assert.equal(plan.command, '/opt/node24/bin/node');
  assert.deepEqual(plan.args, ['/repo/dist/media-node/main.js', '--config', '/tmp/sim/pods/u-1/volumes/config/media-node.yaml']);
  assert.equal(plan.cwd, '/repo');
});

test('planContainer -> loopback network env for the pod IP and the image name', () => {
  const { env } = planContainer(mediaNode, ctx());
  assert.equal(env.MEDIAFLEET_IMAGE, 'registry.example/media-node:1.2.3');
  assert.equal(env.MEDIA_NODE_HTTP_LISTEN, '127.10.0.5:8117');
  assert.equal(env.MEDIA_NODE_METRICS_LISTEN, '127.10.0.5:9998');
  assert.equal(env.MEDIA_NODE_PPROF_LISTEN, '127.10.0.5:9999');
  assert.equal(env.MEDIA_NODE_UDP_HOST, '127.10.0.5');
  assert.equal(env.MEDIA_NODE_ADDITIONAL_HOSTS, '127.10.0.5');
  assert.equal(env.MEDIA_NODE_IPS_FROM_INTERFACES, 'false');
  assert.equal(env.PATH, '/usr/bin');
});

test('planContainer without named ports -> listens on 8117, 9998, 9999', () => {
  const { env } = planContainer({ ...mediaNode, ports: [] }, ctx());
  assert.equal(env.MEDIA_NODE_HTTP_LISTEN, '127.10.0.5:8117');
  assert.equal(env.MEDIA_NODE_METRICS_LISTEN, '127.10.0.5:9998');
  assert.equal(env.MEDIA_NODE_PPROF_LISTEN, '127.10.0.5:9999');
});

test('planContainer with named ports http/metrics/pprof -> listens on those ports', () => {
  const ports = [
    { name: 'http', containerPort: 8000 },
    { name: 'metrics', containerPort: 9100 },
    { name: 'pprof', containerPort: 6060 },
  ];
  const { env } = planContainer({ ...mediaNode, ports }, ctx());
  assert.equal(env.MEDIA_NODE_HTTP_LISTEN, '127.10.0.5:8000');
  assert.equal(env.MEDIA_NODE_METRICS_LISTEN, '127.10.0.5:9100');
  assert.equal(env.MEDIA_NODE_PPROF_LISTEN, '127.10.0.5:6060');
});

test('planContainer with a non-node command -> runs it as written', () => {
  const plan = planContainer({ name: 's', image: 'busybox', command: ['sleep', '3600'] }, ctx());
  assert.equal(plan.command, 'sleep');
  assert.deepEqual(plan.args, ['3600']);
});

test('planContainer with neither command nor args -> CreateContainerError', () => {
  assert.throws(() => planContainer({ name: 's', image: 'busybox' }, ctx()), (err: unknown) => err instanceof ContainerConfigError && err.reason === 'CreateContainerError');
});

test('env: fieldRef, configMapKeyRef, secretKeyRef and $(VAR) expansion in args', () => {
  const plan = planContainer(
    {
      name: 'c',
      command: ['echo', '$(POD)', '$$(POD)', '$(UNKNOWN)'],
      env: [
        { name: 'POD', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
        { name: 'NS', valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } },
        { name: 'IP', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } },
        { name: 'APP', valueFrom: { fieldRef: { fieldPath: "metadata.labels['app']" } } },
        { name: 'MODE', valueFrom: { configMapKeyRef: { name: 'edge-config', key: 'mode' } } },
        { name: 'TOKEN', valueFrom: { secretKeyRef: { name: 'edge-token', key: 'token' } } },
        { name: 'URL', value: 'http://$(IP):8117' },
      ],
    },
    ctx(),
  );
  assert.deepEqual(plan.args, ['edge-7d9f', '$(POD)', '$(UNKNOWN)']);
  assert.equal(plan.env.NS, 'media');
  assert.equal(plan.env.IP, '127.10.0.5');
  assert.equal(plan.env.APP, 'edge');
  assert.equal(plan.env.MODE, 'shared');
  assert.equal(plan.env.TOKEN, 's3cret');
  assert.equal(plan.env.URL, 'http://127.10.0.5:8117');
});

test('env from a missing configMap key -> CreateContainerConfigError; optional -> unset', () => {
  const container = (optional: boolean): V1Container => ({
    name: 'c',
    command: ['true'],
    env: [{ name: 'X', valueFrom: { configMapKeyRef: { name: 'edge-config', key: 'nope', optional } } }],
  });
  assert.throws(() => planContainer(container(false), ctx()), (err: unknown) => err instanceof ContainerConfigError && err.reason === 'CreateContainerConfigError');
  assert.equal(planContainer(container(true), ctx()).env.X, undefined);
});

test('envFrom with prefix, then env overrides it', () => {
  const plan = planContainer(
    { name: 'c', command: ['true'], envFrom: [{ configMapRef: { name: 'edge-config' }, prefix: 'CFG_' }], env: [{ name: 'CFG_mode', value: 'override' }] },
    ctx(),
  );
  assert.equal(plan.env.CFG_mode, 'override');
});

test('pathRewriter: longest mount wins, --flag=path form, subPath, paths outside mounts untouched', () => {
  const rewrite = pathRewriter(
    {
      name: 'c',
      volumeMounts: [
        { name: 'a', mountPath: '/etc/x/' },
        { name: 'b', mountPath: '/etc/x/deep' },
        { name: 'c', mountPath: '/etc/one.yaml', subPath: 'one.yaml' },
      ],
    },
    { repoRoot: '/repo', volumeDirs: new Map([['a', '/v/a'], ['b', '/v/b'], ['c', '/v/c']]) },
  );
  assert.equal(rewrite('/etc/x/file'), '/v/a/file');
  assert.equal(rewrite('/etc/x/deep/file'), '/v/b/file');
  assert.equal(rewrite('--config=/etc/x/f.yaml'), '--config=/v/a/f.yaml');
  assert.equal(rewrite('/etc/one.yaml'), '/v/c/one.yaml');
  assert.equal(rewrite('/etc/xy'), '/etc/xy');
  assert.equal(rewrite('/app/dist/main.js'), '/repo/dist/main.js');
  assert.equal(rewrite('/application'), '/application');
});

test('expandVars: $$ escapes, unterminated $( stays', () => {
  assert.equal(expandVars('a$(B)c', { B: 'b' }), 'abc');
  assert.equal(expandVars('$$(B)', { B: 'b' }), '$(B)');
  assert.equal(expandVars('$(B', { B: 'b' }), '$(B');
  assert.equal(expandVars('cost $5', {}), 'cost $5');
});

test('planContainer: resources.limits.memory -> memoryLimitBytes; none -> no limit; malformed -> CreateContainerConfigError', () => {
  assert.equal(planContainer({ ...mediaNode, resources: { limits: { memory: '300Mi' } } }, ctx()).memoryLimitBytes, 300 * 2 ** 20);
  assert.equal(planContainer({ ...mediaNode, resources: { limits: { memory: '500M' } } }, ctx()).memoryLimitBytes, 500e6);
  assert.equal(planContainer(mediaNode, ctx()).memoryLimitBytes, undefined);
  assert.throws(
    () => planContainer({ ...mediaNode, resources: { limits: { memory: '300MB' } } }, ctx()),
    (err: unknown) => err instanceof ContainerConfigError && err.reason === 'CreateContainerConfigError' && /limits\.memory/.test(err.message),
  );
});

test('env: resourceFieldRef limits.memory -> the real limit (divisor rounds up); without a limit -> node capacity', () => {
  const ref = (resource: string, extra: Record<string, string> = {}) => ({ valueFrom: { resourceFieldRef: { resource, ...extra } } });
  const container: V1Container = {
    name: 'c',
    command: ['true'],
    resources: { limits: { memory: '300Mi' } },
    env: [
      { name: 'LIMIT', ...ref('limits.memory') },
      { name: 'LIMIT_MI', ...ref('limits.memory', { divisor: '1Mi' }) },
      { name: 'LIMIT_G', ...ref('limits.memory', { divisor: '1G' }) },
      { name: 'OTHER', ...ref('limits.memory', { containerName: 'sidecar' }) },
      { name: 'CPU', ...ref('limits.cpu') },
    ],
  };
  const withSidecar: V1Pod = { ...pod, spec: { ...pod.spec!, containers: [container, { name: 'sidecar', resources: { limits: { memory: '1Gi' } } }] } };
  const { env } = planContainer(container, ctx({ pod: withSidecar }));
  assert.equal(env.LIMIT, String(300 * 2 ** 20));
  assert.equal(env.LIMIT_MI, '300');
  assert.equal(env.LIMIT_G, '1', '314572800 / 1e9 rounds up');
  assert.equal(env.OTHER, String(2 ** 30));
  assert.equal(env.CPU, '8');
  const unlimited = planContainer({ ...container, resources: {} }, ctx()).env;
  assert.equal(unlimited.LIMIT, String(16 * 2 ** 30));
  assert.equal(unlimited.LIMIT_MI, String(16 * 1024));
});

const operator: V1Container = {
  name: 'operator',
  image: 'ghcr.io/mediafleet/mediafleet:0.3.0',
  command: ['node', '/app/dist/operator/main.js'],
  env: [{ name: 'KUBERNETES_SERVICE_PORT', value: '6443' }],
  volumeMounts: [
    { name: 'kube-api-access-x1', mountPath: '/var/run/secrets/kubernetes.io/serviceaccount', readOnly: true },
    { name: 'config', mountPath: '/etc/mediafleet' },
  ],
};

test('planContainer with the API server known -> the kubelet service env; the pod spec overrides it', () => {
  const { env } = planContainer(operator, ctx({ apiServer: { host: '127.0.0.1', port: 34567 } }));
  assert.equal(env.KUBERNETES_SERVICE_HOST, '127.0.0.1');
  assert.equal(env.KUBERNETES_SERVICE_PORT, '6443', 'env in the pod spec wins over the service env');
  assert.equal(env.KUBERNETES_SERVICE_PORT_HTTPS, '34567');
  assert.equal(env.KUBERNETES_PORT, 'tcp://127.0.0.1:34567');
  assert.equal(planContainer(mediaNode, ctx()).env.KUBERNETES_SERVICE_HOST, undefined, 'no API server, no service env');
});

test('planContainer: $(POD_IP) in the image env is the pod IP (an image that listens on :port is told its address)', () => {
  const { env } = planContainer(operator, ctx({ imageEnv: { HEALTH_ADDR: '$(POD_IP):8081', OTHER: '$(NOPE)' } }));
  assert.equal(env.HEALTH_ADDR, '127.10.0.5:8081');
  assert.equal(env.OTHER, '$(NOPE)');
});

test('planContainer: a mount under /var/run/secrets is a fixed mount, other mounts are rewritten paths', () => {
  const volumeDirs = new Map([['config', '/tmp/v/config'], ['kube-api-access-x1', '/tmp/v/sa']]);
  const plan = planContainer(operator, ctx({ volumeDirs }));
  assert.deepEqual(plan.fixedMounts, [{ path: '/var/run/secrets/kubernetes.io/serviceaccount', dir: '/tmp/v/sa', readOnly: true }]);
  assert.deepEqual(planContainer(mediaNode, ctx()).fixedMounts, []);
});

test('inMountNamespace: unshare, a tmpfs over the root, bind mounts (read-only where asked), then exec the command', () => {
  const wrapped = inMountNamespace({
    command: '/opt/node', args: ['main.js', "it's"],
    fixedMounts: [{ path: '/var/run/secrets/kubernetes.io/serviceaccount', dir: '/tmp/v/sa', readOnly: true }, { path: '/run/secrets/x', dir: '/tmp/v/x', readOnly: false }],
  });
  assert.equal(wrapped.command, 'unshare');
  assert.deepEqual(wrapped.roots, ['/var/run/secrets', '/run/secrets']);
  const [flags, script, argv] = [wrapped.args.slice(0, 5), wrapped.args[6]!, wrapped.args.slice(7)];
  assert.deepEqual(flags, ['--mount', '--propagation', 'private', '--', 'sh']);
  assert.deepEqual(argv, ['sh', '/opt/node', 'main.js', "it's"], 'the command and its args pass as "$@", never through the script');
  assert.match(script, /mount -t tmpfs .* '\/var\/run\/secrets'\n/);
  assert.match(script, /mount --bind '\/tmp\/v\/sa' '\/var\/run\/secrets\/kubernetes.io\/serviceaccount'\nmount -o remount,bind,ro '\/var\/run\/secrets\/kubernetes.io\/serviceaccount'/);
  assert.doesNotMatch(script, /remount,bind,ro '\/run\/secrets\/x'/);
  assert.match(script, /exec "\$@"$/);
  assert.deepEqual(inMountNamespace({ command: 'node', args: ['a'], fixedMounts: [] }), { command: 'node', args: ['a'], roots: [] });
});
