// Starts a citychain-node for a test and connects @polkadot/api to it.
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ApiPromise, WsProvider } from '@polkadot/api';
import { rpc, signedExtensions } from '@citychain/api';

export { submit } from '@citychain/api';

/** A free TCP port on the loopback interface. */
export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

/** One JSON-RPC call over HTTP to `url`; the response, whatever its status. */
export function httpRpc(url, method, params = []) {
  return fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }),
  });
}

/**
 * Starts `citychain-node --dev` (or another chain) on free ports with a
 * throw-away base path. Resolves when its RPC answers; `restart` keeps the
 * chain's data and ports. `onLog` sees the node's log as it is written.
 * `authoring: false` runs the development chain without `--dev`'s
 * validator key: a node that only follows.
 */
export async function startNode({ chain = 'dev', authoring = true, extraArgs = [], onLog = () => {} } = {}) {
  const bin = process.env.CITYCHAIN_NODE;
  if (!bin) throw new Error('CITYCHAIN_NODE must name the citychain-node binary');
  const [rpcPort, p2pPort, promPort] = [await freePort(), await freePort(), await freePort()];
  const basePath = mkdtempSync(join(tmpdir(), 'citychain-e2e-'));
  const args = [
    chain === 'dev' && authoring ? '--dev' : `--chain=${chain}`,
    `--base-path=${basePath}`,
    `--rpc-port=${rpcPort}`,
    `--port=${p2pPort}`,
    `--prometheus-port=${promPort}`,
    '--no-telemetry',
    '--no-mdns',
    ...extraArgs,
  ];
  let child;
  let log = '';
  // The port the node listens on: the one asked for, unless another
  // process took it first, when the node picks a random one and says so.
  let port = null;
  const launch = async () => {
    port = null;
    child = spawn(bin, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    child.stderr.on('data', (d) => {
      onLog(String(d));
      log = (log + d).slice(-20000);
      const announced = /Running JSON-RPC server: addr=(?:127\.0\.0\.1|0\.0\.0\.0):(\d+)/.exec(String(d));
      if (announced) port = Number(announced[1]);
    });
    const deadline = Date.now() + 60_000;
    for (;;) {
      if (child.exitCode !== null) throw new Error(`node exited early:\n${log}`);
      try {
        if (port === null) throw new Error('not listening yet');
        const res = await httpRpc(`http://127.0.0.1:${port}`, 'system_health');
        if (res.ok) break;
      } catch { /* not listening yet */ }
      if (Date.now() > deadline) throw new Error(`node RPC did not come up:\n${log}`);
      await new Promise((r) => setTimeout(r, 250));
    }
  };
  const halt = async () => {
    child.kill('SIGINT');
    await new Promise((r) => (child.exitCode !== null ? r() : child.once('exit', r)));
  };
  await launch();
  return {
    get endpoint() {
      return `ws://127.0.0.1:${port}`;
    },
    basePath,
    p2pPort,
    metrics: `http://127.0.0.1:${promPort}/metrics`,
    log: () => log,
    /** Stops the node, awaits `whileDown()`, and starts it again on the same ports and chain data. */
    async restart(whileDown = async () => {}) {
      await halt();
      await whileDown();
      await launch();
    },
    async stop() {
      await halt();
      rmSync(basePath, { recursive: true, force: true });
    },
  };
}

/** An ApiPromise with CityChain's RPC definitions. */
export function connect(endpoint) {
  return ApiPromise.create({ provider: new WsProvider(endpoint), rpc, signedExtensions, noInitWarn: true });
}

/** Resolves once the finalized head reaches `number`. */
export function finalizedAtLeast(api, number, timeoutMs = 60_000) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`finality did not reach ${number}`)), timeoutMs);
    let unsub;
    api.rpc.chain.subscribeFinalizedHeads((h) => {
      if (h.number.toNumber() >= number) {
        clearTimeout(timer);
        unsub?.();
        resolve(h);
      }
    }).then((u) => { unsub = u; });
  });
}


/**
 * A dataset's content for `registerDataset`/`publishVersion` over
 * `[west, south, east, north]` (degrees) in `year`: a placeholder CSV's
 * hash and size.
 */
export function sampleContent([w, s, e, n], year = 2024) {
  const DEG = 10_000_000;
  return {
    bbox: { west: Math.round(w * DEG), south: Math.round(s * DEG), east: Math.round(e * DEG), north: Math.round(n * DEG) },
    crs: 4326,
    time: { start: Date.UTC(year, 0, 1), end: Date.UTC(year, 11, 31) },
    format: 'text/csv',
    hashCode: 0xb220,
    digest: `0x${'ab'.repeat(32)}`,
    size: 1000,
  };
}
