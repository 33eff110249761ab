// `npx tsx test/cluster/cli.ts up`: start a throwaway control plane, print its kubeconfig
// path, and keep it running until Ctrl-C. For the demo and for poking at it with kubectl.
import { startControlPlane } from './controlPlane.js';

async function main(argv: string[]): Promise<number> {
  const [command] = argv;
  if (command !== 'up') {
    process.stderr.write('usage: tsx test/cluster/cli.ts up [--keep-dir]\n');
    return 2;
  }
  // Listen before starting anything: a Ctrl-C during start-up must still stop what started.
  const interrupted = new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  const startedAt = Date.now();
  const cp = await startControlPlane({ keepDir: argv.includes('--keep-dir') });
  process.stderr.write(`control plane ready in ${Date.now() - startedAt} ms at ${cp.server}; logs in ${cp.dir}\n`);
  process.stderr.write(`  export KUBECONFIG=${cp.kubeconfigPath}\n`);
  process.stdout.write(`${cp.kubeconfigPath}\n`);
  await interrupted;
  process.stderr.write('stopping control plane ...\n');
  await cp.stop();
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
    process.exit(1);
  },
);
