// Uploads in parts (`/data/{id}/parts…`): Alice registers a file of three
// parts, sends them out of order through the gateway, one cut off midway;
// the gateway lists what it kept, she sends the missing part again,
// completes, and her fetch verifies the file. Every refusal (a part of the
// wrong length, a part beyond the count, an officer of another department,
// parts that do not make the registered file) leaves the store as it was.
// The gateway's store is a directory, or with CITYCHAIN_EXCHANGE_STORE=s3
// (upload-parts-s3.test.mjs) a bucket on an S3 server.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Keyring } from '@polkadot/keyring';
import { cryptoWaitReady } from '@polkadot/util-crypto';
import { encryptBytes } from '@citychain/api';
import { startNode, connect, finalizedAtLeast } from './lib/node.mjs';
import { authorization, cliOk, startGateway } from './lib/gateway.mjs';
import { openStore } from './lib/store.mjs';

const PART = 8 << 20;
const SIZE = 2 * PART + 1_234_567; // three parts, the last short

let node;
let api;
let gateway;
let dir;
let store;
let alice;
let charlie;
let file;
let bytes;
let dataset;

const alice_ = { suri: '//Alice' };

/** A signed request of `path` at the gateway as `pair` (none: unsigned). */
function signed(pair, method, path, body) {
  const url = `${gateway.url}${path}`;
  return fetch(url, { method, body, headers: pair ? { authorization: authorization(pair, method, url) } : {} });
}

const part = (n) => bytes.subarray(n * PART, Math.min(SIZE, (n + 1) * PART));
const putPart = (pair, n, body = part(n), query = '') => signed(pair, 'PUT', `/data/${dataset}/parts/${n}${query}`, body);
const received = async (query = '') => {
  const r = await signed(alice, 'GET', `/data/${dataset}/parts${query}`);
  assert.equal(r.status, 200);
  return (await r.json()).received;
};

async function refused(r, status, pattern) {
  const body = await r.json();
  assert.equal(r.status, status, body.description);
  assert.match(body.description, pattern);
}

/**
 * Sends part `n` with its full Content-Length but cuts the connection after
 * half of its bytes; resolves once the gateway has seen the cut.
 */
function cutPart(n) {
  const url = `${gateway.url}/data/${dataset}/parts/${n}`;
  const body = part(n);
  return new Promise((resolve) => {
    const req = httpRequest(url, {
      method: 'PUT',
      headers: { authorization: authorization(alice, 'PUT', url), 'content-length': body.length },
    });
    req.on('error', () => resolve());
    req.on('response', (res) => { res.resume(); resolve(res.statusCode); });
    req.write(body.subarray(0, body.length >> 1), () => setTimeout(() => { req.destroy(); resolve(); }, 200));
  });
}

/**
 * Asks to store part `n` stating a `Content-Length` of `length` and sends
 * no body: the gateway answers from the stated length, before reading.
 */
function stated(n, length) {
  const url = `${gateway.url}/data/${dataset}/parts/${n}`;
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { method: 'PUT', headers: { authorization: authorization(alice, 'PUT', url), 'content-length': length } });
    req.on('error', reject);
    req.on('response', (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => {
        req.destroy();
        const text = Buffer.concat(chunks).toString();
        resolve({ status: res.statusCode, json: async () => JSON.parse(text) });
      });
    });
    req.flushHeaders();
  });
}

before(async () => {
  await cryptoWaitReady();
  const keyring = new Keyring({ type: 'sr25519' });
  [alice, charlie] = ['//Alice', '//Charlie'].map((u) => keyring.addFromUri(u));
  dir = mkdtempSync(join(tmpdir(), 'citychain-parts-'));
  store = await openStore(dir);
  node = await startNode();
  api = await connect(node.endpoint);
  gateway = await startGateway({ endpoint: node.endpoint, dataDir: join(dir, 'gateway'), store });
  file = join(dir, 'orthophoto.tif');
  bytes = randomBytes(SIZE);
  writeFileSync(file, bytes);
  dataset = Number(await cliOk(node.endpoint, ['register', file, '--title', 'Orthophoto mosaic', '--topic', 'elevation',
    '--license', 'CC-BY-4.0', '--uri', `${gateway.url}/data`, '--bbox', '116.3,39.8,116.5,40.0', '--start', '2024-01-01',
    // blake3 on a directory, whose gateway serves verified ranges (a bucket's serves the file whole).
    '--hash', store.kind === 'dir' ? 'blake3' : 'blake2b-256'], alice_));
  await finalizedAtLeast(api, (await api.rpc.chain.getHeader()).number.toNumber());
});

after(async () => {
  await gateway?.stop();
  await store?.stop();
  await api?.disconnect();
  await node?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

test('refused parts leave nothing in the store', async () => {
  // Refused before the body is read: a small one, which the refusal does not cut off.
  const small = Buffer.alloc(10);
  await refused(await putPart(null, 0, small), 401, /Authorization/);
  await refused(await putPart(charlie, 0, small), 403, /only a publisher of department \d+/);
  await refused(await putPart(alice, 3, small), 400, /part 3 is beyond the 3 parts \(0 to 2\)/);
  await refused(await putPart(alice, 'x', small), 400, /not a part number/);
  await refused(await stated(0, PART - 1), 400, /the part has 8388607 bytes; it must have 8388608/);
  await refused(await stated(2, SIZE - 2 * PART + 1), 413, /the part is longer than the 1234567 bytes/);
  await refused(await putPart(alice, 2, part(2).subarray(1)), 400, /the part has 1234566 bytes; it must have 1234567/);
  await refused(await putPart(alice, 0, small, '?part=key'), 400, /stored whole/);
  await refused(await putPart(alice, 0, small, '?part=encrypted'), 409, /key envelope first/);
  await refused(await signed(charlie, 'GET', `/data/${dataset}/parts`), 403, /only a publisher/);
  await refused(await signed(alice, 'POST', `/data/${dataset}/parts/complete`), 409, /3 of the 3 parts .* are missing \(0, 1, 2\)/);
  assert.deepEqual(await received(), []);
  for (const n of [0, 1, 2, 3]) assert.equal(store.read(`${dataset}/data.parts/${n}`), null, `part ${n}`);
  assert.equal(store.read(`${dataset}/data`), null);
});

test('parts sent out of order, one cut off and sent again, make the registered file', async () => {
  const listing = await (await signed(alice, 'GET', `/data/${dataset}/parts`)).json();
  assert.deepEqual(listing, { dataset, object: `${dataset}/data`, size: SIZE, partSize: PART, parts: 3, received: [] });
  const last = await putPart(alice, 2);
  assert.equal(last.status, 201);
  assert.deepEqual(await last.json(), { dataset, object: `${dataset}/data`, part: 2, start: 2 * PART, size: SIZE - 2 * PART });
  assert.equal(await cutPart(0), undefined, 'the cut part has no answer');
  assert.equal((await putPart(alice, 1)).status, 201);
  assert.deepEqual(await received(), [1, 2], 'the part cut off is not kept');
  await refused(await signed(alice, 'POST', `/data/${dataset}/parts/complete`), 409, /1 of the 3 parts .* missing \(0\)/);
  assert.equal((await putPart(alice, 0)).status, 201);
  assert.equal((await putPart(alice, 1)).status, 201, 'a part sent again replaces the one kept');
  assert.deepEqual(await received(), [0, 1, 2]);
  const done = await signed(alice, 'POST', `/data/${dataset}/parts/complete`);
  assert.equal(done.status, 201);
  assert.deepEqual(await done.json(), { dataset, object: `${dataset}/data`, size: SIZE, parts: 3 });
  assert.deepEqual(await received(), [], 'the parts are removed once assembled');
  assert.deepEqual(store.read(`${dataset}/data`), bytes);
  if (store.kind === 'dir') assert.ok(store.read(`${dataset}/data.obao`)?.length > 0, 'the BLAKE3 outboard is written in the same pass');
  const out = join(dir, 'fetched.tif');
  const fetched = await cliOk(node.endpoint, ['fetch', String(dataset), '--gateway', gateway.url, '--out', out], { ...alice_, env: store.env });
  assert.match(fetched, /verified|matches/i);
  assert.deepEqual(readFileSync(out), bytes);
});

test('parts that do not make the registered file are refused and the stored file kept', async () => {
  const wrong = Buffer.from(part(1));
  wrong[12345] ^= 1;
  for (const [n, body] of [[0, part(0)], [1, wrong], [2, part(2)]]) assert.equal((await putPart(alice, n, body)).status, 201);
  await refused(await signed(alice, 'POST', `/data/${dataset}/parts/complete`), 400, /not the record's content hash.*parts were removed/);
  assert.deepEqual(await received(), []);
  assert.deepEqual(store.read(`${dataset}/data`), bytes, 'the file stored before is as it was');
  // Parts given up are removed by DELETE.
  assert.equal((await putPart(alice, 2)).status, 201);
  await refused(await signed(charlie, 'DELETE', `/data/${dataset}/parts`), 403, /only a publisher/);
  assert.deepEqual(await received(), [2]);
  assert.equal((await signed(alice, 'DELETE', `/data/${dataset}/parts`)).status, 204);
  assert.deepEqual(await received(), []);
  assert.equal(store.read(`${dataset}/data.parts/2`), null);
});

test('the encryption is uploaded in parts beside its key envelope and assembled only if it is one', async () => {
  const sealed = Buffer.from(encryptBytes(bytes, randomBytes(32)));
  const parts = Math.ceil(sealed.length / PART);
  const put = (n, body) => signed(alice, 'PUT', `/data/${dataset}/parts/${n}?part=encrypted`, body);
  const complete = () => signed(alice, 'POST', `/data/${dataset}/parts/complete?part=encrypted`);
  // The key envelope first (any 80 bytes: only a consumer's key could tell).
  assert.equal((await signed(alice, 'PUT', `/data/${dataset}?part=key`, randomBytes(80))).status, 201);
  const listing = await (await signed(alice, 'GET', `/data/${dataset}/parts?part=encrypted`)).json();
  assert.deepEqual(listing, { dataset, object: `${dataset}/data.enc`, size: sealed.length, partSize: PART, parts, received: [] });
  // Not an encryption: refused at completion, and its parts removed.
  const garbled = Buffer.from(sealed);
  garbled[0] ^= 1;
  for (let n = parts - 1; n >= 0; n -= 1) assert.equal((await put(n, garbled.subarray(n * PART, (n + 1) * PART))).status, 201);
  await refused(await complete(), 400, /not a CityChain encrypted file.*parts were removed/);
  assert.equal(store.read(`${dataset}/data.enc`), null);
  for (let n = 0; n < parts; n += 1) assert.equal((await put(n, sealed.subarray(n * PART, (n + 1) * PART))).status, 201);
  assert.deepEqual(await received('?part=encrypted'), [...Array(parts).keys()]);
  assert.deepEqual(await received(), [], 'the file\'s parts and the encryption\'s are apart');
  const done = await complete();
  assert.equal(done.status, 201);
  assert.deepEqual(await done.json(), { dataset, object: `${dataset}/data.enc`, size: sealed.length, parts });
  assert.deepEqual(store.read(`${dataset}/data.enc`), sealed);
  assert.deepEqual(await received('?part=encrypted'), []);
});
