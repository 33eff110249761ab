// Key material for a throwaway control plane, made with the openssl CLI: a CA, the API
// server's serving certificate signed by it, and the service-account signing key pair.
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface ControlPlaneCerts {
  caCert: string;
  caKey: string;
  servingCert: string;
  servingKey: string;
  serviceAccountKey: string;
  serviceAccountPub: string;
}

async function openssl(args: string[], cwd: string): Promise<void> {
  try {
    await run('openssl', args, { cwd });
  } catch (err) {
    const e = err as { stderr?: string; message: string };
    throw new Error(`openssl ${args[0]} failed: ${e.stderr ?? e.message}`);
  }
}

/** Writes the certificates into dir. serviceIp is the first address of the service range. */
export async function makeCerts(dir: string, serviceIp: string): Promise<ControlPlaneCerts> {
  const p = (name: string) => join(dir, name);
  const certs: ControlPlaneCerts = {
    caCert: p('ca.crt'),
    caKey: p('ca.key'),
    servingCert: p('apiserver.crt'),
    servingKey: p('apiserver.key'),
    serviceAccountKey: p('sa.key'),
    serviceAccountPub: p('sa.pub'),
  };
  // EC keys for TLS: generated in milliseconds, unlike RSA.
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  await openssl(
    ['req', '-x509', ...ec, '-keyout', certs.caKey, '-out', certs.caCert, '-days', '7', '-subj', '/CN=mediafleet-test-ca',
      '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign,digitalSignature'],
    dir,
  );
  const csr = p('apiserver.csr');
  await openssl(['req', '-new', ...ec, '-keyout', certs.servingKey, '-out', csr, '-subj', '/CN=kube-apiserver'], dir);
  const ext = p('apiserver.ext');
  const names = ['kubernetes', 'kubernetes.default', 'kubernetes.default.svc', 'kubernetes.default.svc.cluster.local', 'localhost'];
  await writeFile(
    ext,
    [
      'basicConstraints=CA:FALSE',
      'keyUsage=critical,digitalSignature,keyEncipherment',
      'extendedKeyUsage=serverAuth',
      `subjectAltName=${[...names.map((n) => `DNS:${n}`), 'IP:127.0.0.1', `IP:${serviceIp}`].join(',')}`,
      '',
    ].join('\n'),
  );
  await openssl(
    ['x509', '-req', '-in', csr, '-CA', certs.caCert, '-CAkey', certs.caKey, '-set_serial', `0x${randomBytes(8).toString('hex')}`,
      '-days', '7', '-extfile', ext, '-out', certs.servingCert],
    dir,
  );
  // Service-account tokens are signed RS256, the algorithm every client expects.
  await openssl(['genpkey', '-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:2048', '-out', certs.serviceAccountKey], dir);
  await openssl(['pkey', '-in', certs.serviceAccountKey, '-pubout', '-out', certs.serviceAccountPub], dir);
  return certs;
}
