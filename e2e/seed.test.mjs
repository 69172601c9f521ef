// The sample-data script of scripts/run.sh seeds a fresh dev chain once, with
// datasets of every sample department and contracts in different states.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { seed } from '@citychain/api/seed.mjs';
import { startNode, connect, finalizedAtLeast } from './lib/node.mjs';

let node;
let api;

before(async () => {
  node = await startNode();
  await seed(node.endpoint);
  api = await connect(node.endpoint);
  // Search answers at the finalized head.
  await finalizedAtLeast(api, (await api.rpc.chain.getHeader()).number.toNumber());
});

after(async () => {
  await api?.disconnect();
  await node?.stop();
});

test('the catalogue has datasets of three departments over Beijing', async () => {
  assert.equal((await api.query.datasets.nextDatasetId()).toNumber(), 7);
  const owners = new Set();
  for (let id = 0; id < 7; id += 1) owners.add((await api.rpc.datasets.get(id)).toJSON().owner);
  assert.deepEqual([...owners].sort(), [0, 1, 2]);
  const downtown = (await api.rpc.datasets.search({ bbox: [116.39, 39.90, 116.41, 39.92], limit: 20 })).toJSON();
  assert.equal(downtown.items.length, 7);
});

test('contracts are in different states and the audit chain verifies', async () => {
  const { items } = (await api.rpc.access.contracts({ limit: 20 })).toJSON();
  assert.deepEqual(items.map((c) => c.state).sort(), ['approved', 'approved', 'approved', 'rejected', 'requested']);
  assert.ok(items.some((c) => c.receipt.status === 'verified'));
  assert.ok(items.some((c) => c.envelope !== null));
  assert.equal((await api.rpc.audit.verify()).toJSON().ok, true);
});

test('seeding again changes nothing', async () => {
  const before = (await api.query.audit.count()).toNumber();
  await seed(node.endpoint);
  assert.equal((await api.query.audit.count()).toNumber(), before);
});
