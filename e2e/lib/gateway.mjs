// Starts citychain-gateway next to a test node, runs the `citychain` CLI,
// and signs gateway requests the way the CLI does.
import { execFile, spawn } from 'node:child_process';
import { request as httpsRequest } from 'node:https';
import { freePort } from './node.mjs';

function binary(variable) {
  const bin = process.env[variable];
  if (!bin) throw new Error(`${variable} must name the binary`);
  return bin;
}

/**
 * A GET (or `method`) of `url` over HTTPS on a connection of its own,
 * trusting only the certificates `ca` (PEM); resolves with the status,
 * headers, body and the SHA-256 fingerprint of the certificate served.
 */
export function httpsGet(url, { ca, method = 'GET', headers = {} }) {
  return new Promise((resolve, reject) => {
    const req = httpsRequest(url, { ca, method, headers, agent: false }, (res) => {
      const fingerprint = res.socket.getPeerCertificate().fingerprint256;
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('error', reject);
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks).toString(), fingerprint }));
    });
    req.on('error', reject);
    req.end();
  });
}

/**
 * Starts the gateway for `endpoint` over `dataDir` (on `port`, by default a
 * free one), its store there or `store` (lib/store.mjs); resolves once it
 * answers. With `ca` (the PEM of the certificate its `--tls-cert` names) it
 * is reached over HTTPS.
 */
export async function startGateway({ endpoint, dataDir, store, extraArgs = [], port: given, ca }) {
  const port = given ?? await freePort();
  const url = `${ca ? 'https' : 'http'}://127.0.0.1:${port}`;
  const answers = async () => (ca ? (await httpsGet(`${url}/conformance`, { ca })).status === 200 : (await fetch(`${url}/conformance`)).ok);
  const child = spawn(binary('CITYCHAIN_GATEWAY'), [
    `--node=${endpoint}`, `--listen=127.0.0.1:${port}`, `--data-dir=${dataDir}`, '--log-format=json',
    ...(store ? [`--store=${store.arg}`] : []), ...extraArgs,
  ], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...store?.env } });
  let log = '';
  const keep = (d) => { log = (log + d).slice(-(16 << 20)); };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`gateway exited early:\n${log}`);
    try {
      if (await answers()) break;
    } catch { /* not listening yet */ }
    if (Date.now() > deadline) throw new Error(`gateway did not come up:\n${log}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    url,
    port,
    log: () => log,
    alive: () => child.exitCode === null,
    /** The fields of every `delivered` line of the delivery log (JSON logs). */
    deliveries: () => log.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l))
      .filter((l) => l.target === 'delivery' && l.fields.message === 'delivered').map((l) => l.fields),
    async stop() {
      child.kill('SIGTERM');
      await new Promise((r) => (child.exitCode !== null ? r() : child.once('exit', r)));
    },
  };
}

/**
 * Runs `citychain <args>` against `endpoint`; resolves with
 * `{ code, stdout, stderr }` whatever the exit code.
 */
export function cli(endpoint, args, { suri, env = {} } = {}) {
  const fullArgs = [`--node=${endpoint}`, ...args];
  // The secret goes in the environment, never on the command line.
  const secret = suri ? { CITYCHAIN_SURI: suri } : {};
  return new Promise((resolve) => {
    execFile(binary('CITYCHAIN_CLI'), fullArgs, { env: { ...process.env, ...secret, ...env }, maxBuffer: 1 << 24 },
      (error, stdout, stderr) => resolve({ code: error ? (error.code ?? 1) : 0, stdout: stdout.trim(), stderr }));
  });
}

/** Like `cli`, but throws unless it succeeded; resolves with its stdout. */
export async function cliOk(endpoint, args, options) {
  const r = await cli(endpoint, args, options);
  if (r.code !== 0) throw new Error(`citychain ${args.join(' ')} failed (${r.code}):\n${r.stderr}`);
  return r.stdout;
}

/** Signed gateway requests, as clients/js makes them. */
export { authorization } from '@citychain/api/gateway.mjs';
