// The sample-data script of scripts/run.sh seeds a fresh dev chain once, with
// datasets of every sample department and contracts in different states,
// stores every file at the gateway and writes the development key files.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Keyring } from '@polkadot/keyring';
import { blake2AsHex } from '@polkadot/util-crypto';
import { hexToU8a } from '@polkadot/util';
import { encryptionKeyPair, open } from '@citychain/api';
import { devEncryptionSecret, seed } from '@citychain/api/seed.mjs';
import { chunkCipher, HEADER, MAGIC } from '@citychain/api/crypt.mjs';
import { startNode, connect, finalizedAtLeast } from './lib/node.mjs';
import { authorization, startGateway } from './lib/gateway.mjs';

let node;
let gateway;
let api;
let dir;

before(async () => {
  node = await startNode();
  dir = mkdtempSync(join(tmpdir(), 'citychain-seed-'));
  gateway = await startGateway({ endpoint: node.endpoint, dataDir: join(dir, 'data') });
  await seed(node.endpoint, { gateway: gateway.url, keys: join(dir, 'keys') });
  api = await connect(node.endpoint);
  // Search answers at the finalized head.
  await finalizedAtLeast(api, (await api.rpc.chain.getHeader()).number.toNumber());
});

after(async () => {
  await api?.disconnect();
  await gateway?.stop();
  await node?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const records = async () => Promise.all(Array.from({ length: (await api.query.datasets.nextDatasetId()).toNumber() }, async (_, id) => (await api.rpc.datasets.get(id)).toJSON()));
const contracts = async () => (await api.rpc.access.contracts({ limit: 50 })).toJSON().items;

/** Dataset `id`'s file from the gateway, downloaded as `uri` (//Alice …). */
async function download(id, uri) {
  const pair = new Keyring({ type: 'sr25519' }).addFromUri(uri);
  const url = `${gateway.url}/data/${id}`;
  const r = await fetch(url, { headers: { authorization: authorization(pair, 'GET', url) } });
  assert.equal(r.status, 200, `${uri} downloads dataset ${id}: ${await r.clone().text()}`);
  return { bytes: new Uint8Array(await r.arrayBuffer()), encrypted: r.headers.get('x-citychain-encrypted') === 'true' };
}

test('the catalogue has datasets of three departments over Beijing', async () => {
  const all = await records();
  assert.equal(all.length, 10);
  assert.deepEqual([...new Set(all.map((d) => d.owner))].sort(), [0, 1, 2]);
  const downtown = (await api.rpc.datasets.search({ bbox: [116.39, 39.90, 116.41, 39.92], limit: 20 })).toJSON();
  assert.equal(downtown.items.length, 10);
});

test('contracts are in different states and the audit chain verifies', async () => {
  const items = await contracts();
  assert.deepEqual(items.map((c) => c.state).sort(), ['approved', 'approved', 'approved', 'rejected', 'requested']);
  assert.ok(items.some((c) => c.receipt.status === 'verified'));
  assert.ok(items.some((c) => c.envelope !== null));
  assert.equal((await api.rpc.audit.verify()).toJSON().ok, true);
});

test('every department has an approval-required dataset no other department has requested', async () => {
  const requested = new Set((await contracts()).map((c) => c.dataset));
  for (const owner of [0, 1, 2]) {
    const free = (await records()).filter((d) => d.owner === owner && d.policy === 'approvalRequired' && !requested.has(d.id));
    assert.ok(free.length >= 1, `department ${owner}: ${free.map((d) => d.title)}`);
  }
});

test('every seeded file is at the gateway, and the owner downloads what the record says', async () => {
  const owners = { 0: '//Alice', 1: '//Bob', 2: '//Charlie' };
  for (const d of await records()) {
    const { bytes, encrypted } = await download(d.id, owners[d.owner]);
    assert.equal(encrypted, false);
    assert.equal(bytes.length, d.size, d.title);
    assert.equal(blake2AsHex(bytes, 256), d.contentHash.digest, d.title);
  }
});

test('the encrypted deliveries open with the development key file the seed wrote', async () => {
  const keyFile = readFileSync(join(dir, 'keys', 'transport.key'), 'utf8');
  assert.match(keyFile, /^[0-9a-f]{64}\n$/);
  assert.deepEqual(hexToU8a(`0x${keyFile.trim()}`), devEncryptionSecret('transport'));
  const sealed = (await contracts()).filter((c) => c.envelope !== null);
  assert.equal(sealed.length, 2);
  for (const c of sealed) {
    const d = (await api.rpc.datasets.get(c.dataset)).toJSON();
    const { bytes, encrypted } = await download(c.dataset, '//Bob');
    assert.equal(encrypted, true, d.title);
    assert.deepEqual(bytes.subarray(0, MAGIC.length), MAGIC);
    const key = open(hexToU8a(c.envelope), encryptionKeyPair(hexToU8a(`0x${keyFile.trim()}`)));
    const plain = chunkCipher(key, bytes.subarray(MAGIC.length, HEADER), 0, true).decrypt(bytes.subarray(HEADER));
    assert.equal(blake2AsHex(plain, 256), d.contentHash.digest, d.title);
  }
  for (const name of ['nrp', 'environment']) assert.match(readFileSync(join(dir, 'keys', `${name}.key`), 'utf8'), /^[0-9a-f]{64}\n$/);
});

test('seeding again changes nothing', async () => {
  const before = (await api.query.audit.count()).toNumber();
  await seed(node.endpoint);
  assert.equal((await api.query.audit.count()).toNumber(), before);
});
