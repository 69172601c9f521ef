// Step 4 of the sharing process off chain: the Natural Resources and
// Planning Bureau (Alice) registers a real file with the `citychain` CLI and
// serves it through citychain-gateway; the Transport Bureau (Bob) requests
// it, Alice approves with the dataset's one encryption, and Bob fetches,
// decrypts, verifies and confirms receipt. Then every way delivery must be
// refused. The gateway's store is a directory, or with
// CITYCHAIN_EXCHANGE_STORE=s3 (exchange-s3.test.mjs) a bucket on an S3 server.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync, existsSync, rmSync, statSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import { connect as tcpConnect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Keyring } from '@polkadot/keyring';
import { hexToU8a, u8aToHex } from '@polkadot/util';
import { cryptoWaitReady, randomAsU8a } from '@polkadot/util-crypto';
import { encryptBytes, seal } from '@citychain/api';
import { startNode, connect, finalizedAtLeast, freePort, submit } from './lib/node.mjs';
import { authorization, cli, cliOk, startGateway } from './lib/gateway.mjs';
import { openStore } from './lib/store.mjs';

let node;
let api;
let gateway;
let dir; // the test's files
let store; // the gateway's data store (lib/store.mjs)
let alice; let bob; let charlie;
let file; // the GeoJSON data file
let dataset; // registered from `file`
let contract; // Bob's contract for it

/** A GeoJSON file of junction counts: `n` points over Beijing through 2024. */
function junctionCounts(n) {
  const features = [];
  for (let i = 0; i < n; i += 1) {
    const lon = 116.30 + (i % 100) * 0.002;
    const lat = 39.85 + Math.floor(i / 100) * 0.003;
    const day = new Date(Date.UTC(2024, 0, 1) + (i % 366) * 86_400_000).toISOString();
    features.push({
      type: 'Feature',
      geometry: { type: 'Point', coordinates: [Number(lon.toFixed(6)), Number(lat.toFixed(6))] },
      properties: { junction: `J${i}`, datetime: day, vehicles: (i * 7919) % 5000, note: 'x'.repeat(200) },
    });
  }
  return { type: 'FeatureCollection', features };
}

const alice_ = { suri: '//Alice' };
const bob_ = { suri: '//Bob' };
const charlie_ = { suri: '//Charlie' };

const run = (args, who) => cli(node.endpoint, args, { ...who, env: store.env });
const runOk = (args, who) => cliOk(node.endpoint, args, { ...who, env: store.env });
const contractOf = async (id) => (await api.rpc.access.get(id)).toJSON();

/** A signed GET of `path` at the gateway as `pair`. */
function signedGet(pair, path, options = {}) {
  const { headers = {}, ...auth } = options;
  return fetch(`${gateway.url}${path}`, {
    headers: { authorization: authorization(pair, 'GET', `${gateway.url}${path}`, auth), ...headers },
  });
}

/** Registers `path` as Alice with the CLI, stored in the gateway's store; the dataset id. */
async function registerFile(path, title, extra = []) {
  return Number(await runOk([
    'register', path, '--title', title, '--topic', 'transportation',
    '--keyword', 'traffic', '--license', 'CC-BY-4.0', '--uri', `${gateway.url}/data`, '--store', store.arg, ...extra,
  ], alice_));
}

/** Bob's contract for `id`, requested with the CLI. */
async function requestAs(who, id, term = 1000) {
  return Number(await runOk(['request', String(id), '--purpose', 'road safety study', '--term', String(term)], who));
}

before(async () => {
  await cryptoWaitReady();
  const keyring = new Keyring({ type: 'sr25519' });
  [alice, bob, charlie] = ['//Alice', '//Bob', '//Charlie'].map((u) => keyring.addFromUri(u));
  dir = mkdtempSync(join(tmpdir(), 'citychain-exchange-'));
  store = await openStore(dir);
  node = await startNode();
  api = await connect(node.endpoint);
  gateway = await startGateway({ endpoint: node.endpoint, dataDir: join(dir, 'gateway'), store });
  file = join(dir, 'junctions.geojson');
  writeFileSync(file, JSON.stringify(junctionCounts(6000)));
  // The consumers' bureaus, and Alice's (whose store keeps each dataset's
  // data key sealed to it), publish their encryption keys.
  for (const [name, who] of [['transport', bob_], ['planning', alice_], ['environment', charlie_]]) {
    await runOk(['key', 'encryption', '--out', join(dir, `${name}.x25519`)]);
    await runOk(['set-encryption-key', '--encryption-key', join(dir, `${name}.x25519`)], who);
  }
});

after(async () => {
  await gateway?.stop();
  await store?.stop();
  await api?.disconnect();
  await node?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

test('key files are created owner-only and never overwritten', async () => {
  const key = join(dir, 'officer.key');
  const address = await runOk(['key', 'account', '--out', key]);
  assert.match(address, /^5[1-9A-HJ-NP-Za-km-z]{47}$/);
  assert.equal(statSync(key).mode & 0o777, 0o600);
  const again = await run(['key', 'account', '--out', key]);
  assert.notEqual(again.code, 0);
  assert.match(again.stderr, /never overwritten/);
});

test('a data file is registered with its hash, size and the extent of its GeoJSON features', async () => {
  dataset = await registerFile(file, 'Junction traffic counts 2024');
  const d = (await api.rpc.datasets.get(dataset)).toJSON();
  assert.equal(d.size, statSync(file).size);
  assert.equal(d.contentHash.function, 'blake2b-256');
  assert.deepEqual(d.bbox, [116.3, 39.85, 116.498, 40.027]);
  assert.equal(d.time.start, Date.UTC(2024, 0, 1));
  assert.equal(d.time.end, Date.UTC(2024, 0, 1) + 365 * 86_400_000);
  assert.equal(d.format, 'application/geo+json');
  assert.deepEqual(store.read(`${dataset}/data`), readFileSync(file), 'copied into the store');
});

test('several files are registered in one transaction, each with its own title and extent', async () => {
  const sheets = [0, 1, 2].map((i) => {
    const sheet = join(dir, `sheet-${i}.geojson`);
    const counts = junctionCounts(10);
    for (const f of counts.features) f.geometry.coordinates[0] += i;
    writeFileSync(sheet, JSON.stringify(counts));
    return sheet;
  });
  const refused = await run(['register', ...sheets, '--title', 'Same title', '--topic', 'transportation',
    '--license', 'CC-BY-4.0', '--uri', `${gateway.url}/data`], alice_);
  assert.notEqual(refused.code, 0);
  assert.match(refused.stderr, /\{name\}/);
  const before = (await api.query.system.number()).toNumber();
  const ids = (await runOk(['register', ...sheets, '--title', 'Junction counts, {name}', '--topic', 'transportation',
    '--license', 'CC-BY-4.0', '--uri', `${gateway.url}/data`, '--store', store.arg], alice_)).split('\n').map(Number);
  assert.equal(ids.length, 3);
  const records = await Promise.all(ids.map(async (id) => (await api.rpc.datasets.get(id)).toJSON()));
  assert.deepEqual(records.map((d) => d.title), [0, 1, 2].map((i) => `Junction counts, sheet-${i}`));
  assert.deepEqual(records.map((d) => d.bbox[0]), [116.3, 117.3, 118.3], 'each file its own extent');
  assert.equal(new Set(records.map((d) => d.created.block)).size, 1, 'one transaction, one block');
  assert.ok(records[0].created.block > before);
  for (const [i, id] of ids.entries()) assert.deepEqual(store.read(`${id}/data`), readFileSync(sheets[i]));
});

test('the full exchange: request, approve with the dataset\'s one encryption, fetch, decrypt, verify, confirm', async () => {
  contract = await requestAs(bob_, dataset);
  assert.equal((await contractOf(contract)).state, 'requested');
  const approved = await runOk(['approve', String(contract), '--file', file, '--store', store.arg], alice_);
  assert.match(approved, /approved/);
  const sealed = store.read(`${dataset}/data.enc`);
  assert.ok(sealed && !sealed.includes(Buffer.from('junction')), 'the stored encryption is encrypted');
  assert.equal(store.read(`${dataset}/data.key`).length, 80, 'its key, sealed to the owner');
  assert.ok((await contractOf(contract)).envelope, 'the sealed key is on chain');

  const out = join(dir, 'fetched.geojson');
  const fetched = await run(['fetch', String(dataset), '--gateway', gateway.url, '--out', out,
    '--encryption-key', join(dir, 'transport.x25519')], bob_);
  assert.equal(fetched.code, 0, fetched.stderr);
  assert.match(fetched.stdout, /hash verified/);
  assert.deepEqual(readFileSync(out), readFileSync(file));
  const c = await contractOf(contract);
  assert.equal(c.receipt.status, 'verified');
  const entries = (await api.rpc.audit.entries({ subject: { contract }, limit: 20 })).toJSON().items;
  assert.ok(entries.some((e) => JSON.stringify(e.action).includes('receiptConfirmed')), 'receipt in the audit log');
  assert.ok(gateway.deliveries().some((d) => d.dataset === dataset && d.basis === 'contract' && d.contract === contract));
});

/** A gateway that answers every request with `headers` and `body`; its URL and a stop function. */
async function fakeGateway(headers, body) {
  const server = createServer((request, response) => {
    response.writeHead(200, { 'content-type': 'application/octet-stream', ...headers });
    response.end(body);
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${server.address().port}`, stop: () => new Promise((r) => server.close(r)) };
}

test('the CLI trusts the chain, not the gateway: a foreign contract or an oversized body is refused', async () => {
  const size = (await api.rpc.datasets.get(dataset)).toJSON().size;
  const cases = [
    // Alice owns the dataset: no contract gives her access, so a gateway
    // naming one is not to be believed (nor a receipt confirmed on it).
    [{ 'x-citychain-contract': '9999' }, readFileSync(file), /the gateway names contract 9999, but your department's contract for dataset \d+ is none/],
    [{}, Buffer.alloc(size + 1, 0x20), new RegExp(`the gateway sent more than the ${size} bytes`)],
  ];
  for (const [headers, body, refusal] of cases) {
    const fake = await fakeGateway(headers, body);
    const out = join(dir, 'from-fake.geojson');
    try {
      const r = await run(['fetch', String(dataset), '--gateway', fake.url, '--out', out], alice_);
      assert.equal(r.code, 1, r.stderr);
      assert.match(r.stderr, refusal);
      assert.ok(!existsSync(out) && !existsSync(join(dir, 'from-fake.download')), 'nothing is left behind');
    } finally {
      await fake.stop();
    }
  }
});

test('the query commands read the registry, contracts and audit log', async () => {
  const found = JSON.parse(await runOk(['search', '--text', 'junction', '--bbox', '116.3,39.9,116.4,40.0', '--limit', '5']));
  assert.ok(found.items.some((d) => d.id === dataset));
  assert.equal(JSON.parse(await runOk(['show', String(dataset)])).title, 'Junction traffic counts 2024');
  assert.equal(JSON.parse(await runOk(['contract', String(contract)])).receipt.status, 'verified');
  const inbox = JSON.parse(await runOk(['contracts', '--provider', '0', '--dataset', String(dataset)]));
  assert.deepEqual(inbox.items.map((c) => c.id), [contract]);
  const trail = JSON.parse(await runOk(['audit', 'entries', '--contract', String(contract), '--limit', '20']));
  assert.ok(trail.items.length >= 3, 'requested, approved, receipt');
  assert.equal(JSON.parse(await runOk(['audit', 'verify'])).ok, true);
  const missing = await run(['show', '999999']);
  assert.equal(missing.code, 4, 'not found');
  const unknown = await run(['search', '--topic', 'traffic']);
  assert.equal(unknown.code, 2, 'a usage error');
  assert.match(unknown.stderr, /possible values: .*transportation/);
  assert.match(missing.stderr, /no dataset 999999/);
});

test('a request is rejected with a reason; a wrong signer gets the named error', async () => {
  const c = await requestAs(charlie_, dataset);
  const notApprover = await run(['reject', String(c), '--reason', 'no'], bob_);
  assert.equal(notApprover.code, 1);
  assert.match(notApprover.stderr, /transaction failed: Access::/);
  await runOk(['reject', String(c), '--reason', 'purpose not covered'], alice_);
  const record = await contractOf(c);
  assert.equal(record.state, 'rejected');
  assert.equal(record.reason, 'purpose not covered');
});

test('without the encryption key the encrypted copy is useless', async () => {
  const r = await run(['fetch', String(dataset), '--gateway', gateway.url, '--out', join(dir, 'nokey'), '--no-confirm'], bob_);
  assert.notEqual(r.code, 0);
  assert.match(r.stderr, /--encryption-key/);
});

test('delivery is refused without a contract, to the unsigned, forged, replayed and expired', async () => {
  const path = `/data/${dataset}`;
  const none = await run(['fetch', String(dataset), '--gateway', gateway.url, '--out', join(dir, 'c')], charlie_);
  assert.equal(none.code, 1);
  assert.match(none.stderr, /\(403\).*no approved contract/);

  const unsigned = await fetch(`${gateway.url}${path}`);
  assert.equal(unsigned.status, 401);
  assert.equal(unsigned.headers.get('www-authenticate'), 'CityChain');

  const forged = await signedGet(bob, path, { signer: charlie });
  assert.equal(forged.status, 401);
  assert.match((await forged.json()).description, /signature does not match/);

  const header = authorization(bob, 'GET', `${gateway.url}${path}`);
  const first = await fetch(`${gateway.url}${path}`, { headers: { authorization: header } });
  assert.equal(first.status, 200);
  await first.arrayBuffer();
  const replayed = await fetch(`${gateway.url}${path}`, { headers: { authorization: header } });
  assert.equal(replayed.status, 401);
  assert.match((await replayed.json()).description, /already used/);

  const stale = await signedGet(bob, path, { time: Date.now() - 10 * 60_000 });
  assert.equal(stale.status, 401);
  assert.match((await stale.json()).description, /expired/);
  const ahead = await signedGet(bob, path, { time: Date.now() + 10 * 60_000 });
  assert.equal(ahead.status, 401);

  // Signed for another path, or for another gateway.
  const elsewhere = await fetch(`${gateway.url}${path}`, { headers: { authorization: authorization(bob, 'GET', `${gateway.url}/data/${dataset + 1000}`) } });
  assert.equal(elsewhere.status, 401);
  const otherGateway = await signedGet(bob, path, { gateway: 'https://gateway.transport.city.example' });
  assert.equal(otherGateway.status, 401);
  assert.match((await otherGateway.json()).description, /this gateway's URL/);
});

test('a restarted gateway refuses a used signature, and each account has a request rate', async () => {
  const port = await freePort();
  const start = () => startGateway({ endpoint: node.endpoint, dataDir: join(dir, 'gateway'), store, port, extraArgs: ['--account-rate=3'] });
  let limited = await start();
  const url = `${limited.url}/data/${dataset}`;
  const header = authorization(bob, 'GET', url);
  const first = await fetch(url, { headers: { authorization: header } });
  assert.equal(first.status, 200);
  await first.arrayBuffer();
  await limited.stop();
  // Counts are per minute of the clock: stay inside one.
  if (Date.now() % 60_000 > 50_000) await new Promise((r) => setTimeout(r, 60_000 - (Date.now() % 60_000) + 100));
  limited = await start();
  try {
    const replayed = await fetch(url, { headers: { authorization: header } });
    assert.equal(replayed.status, 401);
    assert.match((await replayed.json()).description, /already used/);
    const statuses = [];
    for (let i = 0; i < 3; i += 1) {
      const r = await fetch(url, { headers: { authorization: authorization(bob, 'GET', url) } });
      statuses.push(r.status);
      await r.arrayBuffer();
    }
    assert.deepEqual(statuses, [200, 200, 429], 'the replay counted too: three requests a minute');
    // another account has its own count; a non-member is refused before any nonce is kept
    const ferdie = new Keyring({ type: 'sr25519' }).addFromUri('//Ferdie');
    const outsider = await fetch(url, { headers: { authorization: authorization(ferdie, 'GET', url) } });
    assert.equal(outsider.status, 403);
    assert.match((await outsider.json()).description, /not a member of an active department/);
  } finally {
    await limited.stop();
  }
});

test('the CLI takes no secret on its command line', async () => {
  const r = await run(['--suri=//Bob', 'request', String(dataset), '--purpose', 'x', '--term', '10']);
  assert.notEqual(r.code, 0);
  assert.match(r.stderr, /--suri is not accepted.*CITYCHAIN_SURI/s);
});

test('bad input gets clear errors and the gateway serves on', async () => {
  const malformed = await fetch(`${gateway.url}/data/${dataset}`, {
    headers: { authorization: `CityChain account=${bob.address}, time=${Date.now()}, nonce=00, signature=zz` },
  });
  assert.equal(malformed.status, 400);
  assert.match((await malformed.json()).description, /malformed Authorization header/);
  assert.equal((await fetch(`${gateway.url}/data/1`, { headers: { authorization: 'Bearer x' } })).status, 401);
  assert.equal((await signedGet(bob, '/data/999999')).status, 404);
  for (const traversal of ['/data/..%2F..%2Fetc%2Fpasswd', '/data/..%2F..', '/data/1%2F..%2F2', '/data/-1', '/data/0x1']) {
    const r = await signedGet(bob, traversal);
    assert.equal(r.status, 400, traversal);
  }
  const long = await fetch(`${gateway.url}/data/${dataset}`, { headers: { authorization: `CityChain ${'a'.repeat(1000)}` } });
  assert.equal(long.status, 400);
  assert.match((await long.json()).description, /longer than/);

  // Headers beyond the server's limit: answered 431 on a raw socket.
  const status = await new Promise((resolve, reject) => {
    const socket = tcpConnect(gateway.port, '127.0.0.1', () => {
      socket.write(`GET /data/${dataset} HTTP/1.1\r\nHost: x\r\nX-Big: ${'b'.repeat(1 << 20)}\r\n\r\n`);
    });
    let text = '';
    socket.on('data', (d) => { text += d; socket.destroy(); resolve(Number(text.split(' ')[1])); });
    socket.on('error', (e) => (text ? null : reject(e)));
    socket.on('close', () => resolve(Number(text.split(' ')[1]) || 0));
  });
  assert.ok([400, 431].includes(status), `status ${status}`);

  // An aborted download does not disturb the next one.
  const aborted = await signedGet(bob, `/data/${dataset}`);
  const reader = aborted.body.getReader();
  await reader.read();
  await reader.cancel();
  const whole = await signedGet(bob, `/data/${dataset}`);
  assert.equal(whole.status, 200);
  assert.equal((await whole.arrayBuffer()).byteLength, store.read(`${dataset}/data.enc`).length);
  assert.ok(gateway.alive());
});

test('range requests return the asked bytes', async () => {
  const r = await signedGet(bob, `/data/${dataset}`, { headers: { range: 'bytes=0-99' } });
  assert.equal(r.status, 206);
  assert.equal(r.headers.get('content-range').split('/')[0], 'bytes 0-99');
  const sealed = store.read(`${dataset}/data.enc`);
  assert.deepEqual(Buffer.from(await r.arrayBuffer()), sealed.subarray(0, 100));
  assert.equal(r.headers.get('x-citychain-contract'), String(contract));
  // The store is asked for the range itself (one request that also tells the
  // size): a suffix, an open end, an end past the file, a start past it.
  const size = sealed.length;
  for (const [range, start, end] of [['bytes=-100', size - 100, size], [`bytes=${size - 10}-`, size - 10, size],
    [`bytes=5-${size + 1000}`, 5, size], [`bytes=-${size + 5}`, 0, size]]) {
    const part = await signedGet(bob, `/data/${dataset}`, { headers: { range } });
    assert.equal(part.status, 206, range);
    assert.equal(part.headers.get('content-range'), `bytes ${start}-${end - 1}/${size}`, range);
    assert.equal(part.headers.get('content-length'), String(end - start), range);
    assert.deepEqual(Buffer.from(await part.arrayBuffer()), sealed.subarray(start, end), range);
  }
  for (const range of [`bytes=${size}-`, `bytes=${size + 1}-${size + 9}`, 'bytes=-0']) {
    const beyond = await signedGet(bob, `/data/${dataset}`, { headers: { range } });
    assert.equal(beyond.status, 416, range);
    assert.equal(beyond.headers.get('content-range'), `bytes */${size}`, range);
  }
});

test('revocation stops delivery at once', async () => {
  await runOk(['revoke', String(contract), '--reason', 'study ended'], alice_);
  const r = await signedGet(bob, `/data/${dataset}`);
  assert.equal(r.status, 403);
  const after = await run(['fetch', String(dataset), '--gateway', gateway.url, '--out', join(dir, 'late'),
    '--encryption-key', join(dir, 'transport.x25519')], bob_);
  assert.match(after.stderr, /\(403\)/);
});

test('a file of several upload parts is stored whole, by the CLI and over HTTP, and delivered whole', async () => {
  // 20 MiB: three parts of the store's multipart uploads (8 MiB each).
  const big = join(dir, 'orthophoto.tif');
  const block = randomBytes(1 << 20);
  writeFileSync(big, Buffer.concat(Array.from({ length: 20 }, (_, i) => Buffer.from(block.map((b) => b ^ i)))));
  const extent = ['--bbox', '116.3,39.8,116.5,40.0', '--start', '2024-01-01'];
  const stored = await registerFile(big, 'Orthophoto tile, CLI', extent);
  assert.deepEqual(store.read(`${stored}/data`), readFileSync(big));
  const uploaded = Number(await runOk(['register', big, '--title', 'Orthophoto tile, HTTP', '--topic', 'imageryBaseMapsEarthCover',
    '--license', 'CC-BY-4.0', '--uri', `${gateway.url}/data`, ...extent], alice_));
  await finalizedAtLeast(api, (await api.rpc.chain.getHeader()).number.toNumber());
  const target = `${gateway.url}/data/${uploaded}`;
  const put = await fetch(target, { method: 'PUT', body: readFileSync(big), headers: { authorization: authorization(alice, 'PUT', target) } });
  assert.equal(put.status, 201, await put.text());
  for (const id of [stored, uploaded]) {
    const out = join(dir, `orthophoto-${id}.tif`);
    assert.match(await runOk(['fetch', String(id), '--gateway', gateway.url, '--out', out], alice_), /hash verified/);
    assert.deepEqual(readFileSync(out), readFileSync(big));
  }
});

test('a store of copies encrypted per contract migrates to one encryption per dataset', async () => {
  const id = await registerFile(file, 'Counts, encrypted per contract');
  const consumers = [[bob_, 'transport'], [charlie_, 'environment']];
  const contracts = [];
  // Each contract approved as before: its own data key, its own copy.
  for (const [who] of consumers) {
    const c = await requestAs(who, id);
    const consumer = (await contractOf(c)).consumer;
    const publicKey = hexToU8a((await api.rpc.departments.get(consumer)).toJSON().encryptionKey);
    const dataKey = randomAsU8a(32);
    await submit(api, api.tx.access.approveRequest(c, u8aToHex(seal(dataKey, publicKey))), alice);
    store.write(`${id}/contract-${c}.enc`, Buffer.from(encryptBytes(readFileSync(file), dataKey)));
    contracts.push(c);
  }
  // Before the migration each consumer is served its own copy, which its envelope opens.
  const early = join(dir, 'before-migration.geojson');
  const served = await run(['fetch', String(id), '--gateway', gateway.url, '--out', early, '--encryption-key', join(dir, 'transport.x25519'), '--no-confirm'], bob_);
  assert.equal(served.code, 0, served.stderr);
  assert.deepEqual(readFileSync(early), readFileSync(file));
  const migrated = await runOk(['store', 'migrate', '--store', store.arg], alice_);
  assert.match(migrated, new RegExp(`dataset ${id}: 2 copies per contract removed`));
  for (const c of contracts) assert.equal(store.read(`${id}/contract-${c}.enc`), null, `contract ${c}'s copy is gone`);
  assert.ok(store.read(`${id}/data.enc`) && store.read(`${id}/data.key`), 'one encryption, its key sealed to the owner');
  // Each consumer opens the one encryption with its own key, sealed anew on chain.
  for (const [index, [who, name]] of consumers.entries()) {
    const out = join(dir, `migrated-${name}.geojson`);
    const r = await run(['fetch', String(id), '--gateway', gateway.url, '--out', out, '--encryption-key', join(dir, `${name}.x25519`)], who);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(readFileSync(out), readFileSync(file));
    const trail = (await api.rpc.audit.entries({ subject: { contract: contracts[index] }, limit: 20 })).toJSON().items;
    assert.ok(trail.some((e) => e.action === 'envelopeResealed'), 'the resealing is audited');
  }
  assert.match(await runOk(['store', 'migrate', '--store', store.arg], alice_), /nothing to migrate/);
});

test('expiry stops delivery when the term ends', async () => {
  const id = await registerFile(file, 'Short-lived counts');
  const c = await requestAs(bob_, id, 8);
  await runOk(['approve', String(c)], alice_);
  const ok = await signedGet(bob, `/data/${id}`);
  assert.equal(ok.status, 200, 'delivered within the term');
  await ok.arrayBuffer();
  const { expiresAt } = await contractOf(c);
  await finalizedAtLeast(api, expiresAt + 1, 90_000);
  const late = await signedGet(bob, `/data/${id}`);
  assert.equal(late.status, 403);
  // `expired` until the expiry queue ends the contract, `no approved contract` after.
  assert.match((await late.json()).description, /expired|no approved contract/);
  assert.equal((await contractOf(c)).state, 'expired');
});

test('a tampered file fails the hash check and is reported on chain as a mismatch', async () => {
  const id = await registerFile(file, 'Counts, tampered later');
  const c = await requestAs(bob_, id);
  await runOk(['approve', String(c)], alice_);
  const bytes = store.read(`${id}/data`);
  bytes[100] ^= 0x20;
  store.write(`${id}/data`, bytes);
  const out = join(dir, 'tampered.geojson');
  const r = await run(['fetch', String(id), '--gateway', gateway.url, '--out', out], bob_);
  assert.equal(r.code, 3, r.stderr);
  assert.match(r.stderr, /hash mismatch/);
  assert.ok(!existsSync(out), 'the bad data is not delivered as the output');
  const record = await contractOf(c);
  assert.equal(record.receipt.status, 'mismatch');
  const events = (await api.rpc.audit.entries({ subject: { contract: c }, limit: 20 })).toJSON().items;
  assert.ok(events.some((e) => JSON.stringify(e.action).includes('"matched":false')));
});

test('open data needs no contract, and its delivery is logged', async () => {
  const id = await registerFile(file, 'Open counts', ['--policy', 'open', '--sensitivity', 'public']);
  const out = join(dir, 'open.geojson');
  const r = await run(['fetch', String(id), '--gateway', gateway.url, '--out', out], charlie_);
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(readFileSync(out), readFileSync(file));
  assert.ok(gateway.deliveries().some((d) => d.dataset === id && d.basis === 'openData' && d.account === charlie.address));
});

test('files are stored over HTTP only by the owner\'s officers, and only as registered', async () => {
  const small = join(dir, 'counts.csv');
  const content = 'junction,vehicles\nJ1,120\n';
  writeFileSync(small, content);
  const id = Number(await runOk(['register', small, '--title', 'Uploaded counts', '--topic', 'transportation',
    '--license', 'CC0-1.0', '--uri', `${gateway.url}/data`, '--bbox', '116.3,39.8,116.5,40.0', '--start', '2024-01-01'], alice_));
  await finalizedAtLeast(api, (await api.rpc.chain.getHeader()).number.toNumber());
  const path = `/data/${id}`;
  const put = (pair, body, target = path, auth = {}) => fetch(`${gateway.url}${target}`, {
    method: 'PUT', body, headers: pair ? { authorization: authorization(pair, 'PUT', `${gateway.url}${target}`, auth) } : {},
  });
  const refused = async (r, status, pattern) => {
    assert.equal(r.status, status);
    assert.match((await r.json()).description, pattern);
  };
  await refused(await put(null, content), 401, /Authorization/);
  await refused(await put(bob, content), 403, /only a publisher of department \d+/);
  await refused(await put(alice, content.replace('120', '121')), 400, /not the record's content hash/);
  await refused(await put(alice, `${content}more`), 413, /longer than the \d+ bytes/);
  await refused(await put(alice, content.slice(1)), 400, /has \d+ bytes; the record says/);
  assert.equal(store.read(`${id}/data`), null, 'nothing refused reaches the store');
  const nonce = 'ab'.repeat(16);
  const stored = await put(alice, content, path, { nonce });
  assert.equal(stored.status, 201);
  assert.deepEqual(await stored.json(), { dataset: id, object: `${id}/data`, size: content.length });
  assert.equal(store.read(`${id}/data`).toString(), content);
  await refused(await put(alice, content, path, { nonce }), 401, /already used/);
  assert.equal(await (await signedGet(bob, path)).status, 403, 'stored is not shared: Bob has no contract');

  // The dataset's one encryption and its sealed key: the key's envelope first (80 bytes), kept only if
  // there is none; then an encrypted file of the right length beside it.
  const encryptedLength = 8 + 19 + content.length + 16;
  await refused(await put(alice, 'x'.repeat(encryptedLength), `${path}?part=encrypted`), 409, /key envelope first/);
  await refused(await put(alice, 'k'.repeat(81), `${path}?part=key`), 413, /longer than the 80 bytes/);
  await refused(await put(bob, 'k'.repeat(80), `${path}?part=key`), 403, /publisher or approver of department \d+/);
  await refused(await put(alice, content, `${path}?part=copy`), 400, /unknown variant/);
  await refused(await put(alice, content, `${path}?contract=1`), 400, /unknown field/);
  assert.equal((await signedGet(alice, `${path}/key`)).status, 204, 'no encryption here yet');
  const key = await put(alice, 'k'.repeat(80), `${path}?part=key`);
  assert.equal(key.status, 201);
  assert.deepEqual(store.read(`${id}/data.key`), Buffer.from('k'.repeat(80)));
  await refused(await put(alice, 'j'.repeat(80), `${path}?part=key`), 409, /sealed to its owner already/);
  assert.deepEqual(store.read(`${id}/data.key`), Buffer.from('k'.repeat(80)), 'the first key stays');
  await refused(await put(alice, 'x'.repeat(encryptedLength), `${path}?part=encrypted`), 400, /not a CityChain encrypted file/);
  await refused(await put(alice, 'x'.repeat(encryptedLength + 1), `${path}?part=encrypted`), 413, /longer than/);
  // Only the owner's officers read it back.
  assert.equal((await signedGet(bob, `${path}/key`)).status, 403);
  assert.deepEqual(Buffer.from(await (await signedGet(alice, `${path}/key`)).arrayBuffer()), Buffer.from('k'.repeat(80)));
});
