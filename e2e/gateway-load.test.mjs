// Load on loopback, bounded in count: concurrent authorized downloads of one
// file through citychain-gateway, interleaved with unauthorized attempts
// (unsigned, forged, replayed, and signed by a department without a
// contract), next to a plain static file server (Node.js http + fs stream,
// no checks) serving the same file in the same run. Prints MB/s and
// requests/s of both and their ratio, and asserts that no unauthorized
// request got a byte of the file.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Keyring } from '@polkadot/keyring';
import { blake2AsHex, cryptoWaitReady } from '@polkadot/util-crypto';
import { startNode, connect, submit, finalizedAtLeast, freePort } from './lib/node.mjs';
import { authorization, startGateway } from './lib/gateway.mjs';

const FILE_SIZE = 4 << 20; // 4 MiB
const DOWNLOADS = 200; // authorized, in all
const ATTEMPTS = 400; // unauthorized, in all
const CONCURRENCY = 16;
const DEG = 10_000_000;

let node; let api; let gateway; let dir; let staticServer;
let alice; let bob; let charlie;
let dataset;
let content;

/**
 * A separate process serving `file` at `/file` with no checks at all. It
 * keeps idle connections for a minute: with Node's default of 5 s, a client
 * slowed by a loaded machine sent its next request on a connection the
 * server was closing ("other side closed").
 */
async function startStatic(file) {
  const port = await freePort();
  const code = `
    const http = require('node:http'); const fs = require('node:fs');
    const size = fs.statSync(${JSON.stringify(file)}).size;
    const server = http.createServer((req, res) => {
      res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': size });
      fs.createReadStream(${JSON.stringify(file)}).pipe(res);
    });
    server.keepAliveTimeout = 60_000;
    server.listen(${port}, '127.0.0.1', () => console.log('ready'));`;
  const child = spawn(process.execPath, ['-e', code], { stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise((resolve) => child.stdout.once('data', resolve));
  return { url: `http://127.0.0.1:${port}/file`, stop: () => child.kill() };
}

/** Runs `count` requests made by `make(i)` with `CONCURRENCY` in flight; the results and seconds taken. */
async function load(count, make) {
  const results = new Array(count);
  let next = 0;
  const start = process.hrtime.bigint();
  await Promise.all(Array.from({ length: CONCURRENCY }, async () => {
    while (next < count) {
      const i = next;
      next += 1;
      results[i] = await make(i);
    }
  }));
  return { results, seconds: Number(process.hrtime.bigint() - start) / 1e9 };
}

/**
 * GET `url` with `headers`: the status, the body's length, whether it is the
 * file intact, whether it holds any of the file's first bytes, and the text
 * of a short body. Bodies are not kept.
 */
async function get(url, headers = {}) {
  const res = await fetch(url, { headers });
  const body = Buffer.from(await res.arrayBuffer());
  return {
    status: res.status,
    length: body.length,
    intact: body.equals(content),
    leaked: body.includes(content.subarray(0, 16)),
    text: body.length < 1024 ? body.toString() : null,
  };
}

before(async () => {
  await cryptoWaitReady();
  const keyring = new Keyring({ type: 'sr25519' });
  [alice, bob, charlie] = ['//Alice', '//Bob', '//Charlie'].map((u) => keyring.addFromUri(u));
  dir = mkdtempSync(join(tmpdir(), 'citychain-load-'));
  node = await startNode();
  api = await connect(node.endpoint);
  content = randomBytes(FILE_SIZE);
  const { events } = await submit(api, api.tx.datasets.registerDataset(
    { title: 'Load test raster', description: '', topic: 'Elevation', keywords: [], uri: 'http://127.0.0.1/data', license: { expression: 'CC-BY-4.0', url: null } },
    {
      bbox: { west: 116 * DEG, south: 39 * DEG, east: 117 * DEG, north: 40 * DEG },
      crs: 4326,
      time: { start: Date.UTC(2024, 0, 1), end: null },
      format: 'application/octet-stream',
      hashCode: 0xb220,
      digest: blake2AsHex(content, 256),
      size: FILE_SIZE,
    },
    'ApprovalRequired',
    'Internal',
  ), alice);
  dataset = events.find((e) => api.events.datasets.DatasetRegistered.is(e)).data.dataset.toNumber();
  const requested = await submit(api, api.tx.access.requestAccess(dataset, 'load test', 10_000, null), bob);
  const contract = requested.events.find((e) => api.events.access.AccessRequested.is(e)).data.contract.toNumber();
  const approved = await submit(api, api.tx.access.approveRequest(contract, null), alice);
  const header = await api.rpc.chain.getHeader(approved.blockHash);
  await finalizedAtLeast(api, header.number.toNumber());
  mkdirSync(join(dir, String(dataset)));
  writeFileSync(join(dir, String(dataset), 'data'), content);
  // Throughput, not the rate limits, is measured here.
  gateway = await startGateway({
    endpoint: node.endpoint, dataDir: dir, extraArgs: ['--account-rate=1000000', '--address-rate=1000000'],
  });
  staticServer = await startStatic(join(dir, String(dataset), 'data'));
});

after(async () => {
  staticServer?.stop();
  await gateway?.stop();
  await api?.disconnect();
  await node?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

test('authorized downloads under load, unauthorized attempts refused, against a static file server', async () => {
  const path = `/data/${dataset}`;
  const url = `${gateway.url}${path}`;
  const replayable = authorization(bob, 'GET', url);
  await get(url, { authorization: replayable }); // used once: every later use is a replay
  const unauthorized = [
    () => ({}),
    () => ({ authorization: authorization(bob, 'GET', url, { signer: charlie }) }),
    () => ({ authorization: replayable }),
    () => ({ authorization: authorization(charlie, 'GET', url) }),
  ];

  const baseline = await load(DOWNLOADS, () => get(staticServer.url));
  const mixed = await load(DOWNLOADS + ATTEMPTS, (i) => (i % 3 === 0
    ? get(url, { authorization: authorization(bob, 'GET', url) }).then((r) => ({ ...r, authorized: true }))
    : get(url, unauthorized[i % unauthorized.length]()).then((r) => ({ ...r, authorized: false }))));
  const gatewayOnly = await load(DOWNLOADS, () => get(url, { authorization: authorization(bob, 'GET', url) }));

  for (const r of [...baseline.results, ...gatewayOnly.results]) {
    assert.equal(r.status, 200);
    assert.ok(r.intact, 'the whole file, intact');
  }
  const granted = mixed.results.filter((r) => r.authorized);
  const refused = mixed.results.filter((r) => !r.authorized);
  for (const r of granted) {
    assert.equal(r.status, 200);
    assert.ok(r.intact, 'the whole file, intact');
  }
  let leaked = 0;
  for (const r of refused) {
    assert.ok([401, 403].includes(r.status), `refused with ${r.status}`);
    assert.ok(r.length < 512, 'an error document, not data');
    assert.ok(JSON.parse(r.text).description);
    leaked += r.leaked ? r.length : 0;
  }
  assert.equal(leaked, 0);
  const delivered = gateway.deliveries();
  assert.ok(delivered.every((d) => d.account === bob.address), 'deliveries only to the contract holder');
  assert.equal(delivered.length, 1 + granted.length + gatewayOnly.results.length);

  const mb = (n, s) => (n * FILE_SIZE) / (1 << 20) / s;
  const rate = (n, s) => n / s;
  const row = (name, n, s) => `${name.padEnd(38)} ${String(n).padStart(5)} req ${s.toFixed(2).padStart(7)} s ${mb(n, s).toFixed(1).padStart(8)} MB/s ${rate(n, s).toFixed(1).padStart(8)} req/s`;
  console.log([
    `gateway load on loopback: ${FILE_SIZE >> 20} MiB file, ${CONCURRENCY} concurrent clients`,
    row('static file server (baseline)', DOWNLOADS, baseline.seconds),
    row('gateway, authorized only', DOWNLOADS, gatewayOnly.seconds),
    `${'gateway, mixed: authorized'.padEnd(38)} ${String(granted.length).padStart(5)} req of ${mixed.results.length} in ${mixed.seconds.toFixed(2)} s, ${mb(granted.length, mixed.seconds).toFixed(1)} MB/s; ${rate(mixed.results.length, mixed.seconds).toFixed(1)} req/s in all`,
    `${'gateway, mixed: unauthorized'.padEnd(38)} ${String(refused.length).padStart(5)} refused (401/403), ${leaked} bytes of the file served to them`,
    `ratio gateway/static (authorized only): ${(baseline.seconds / gatewayOnly.seconds).toFixed(2)} of the baseline's MB/s`,
  ].join('\n'));
});
