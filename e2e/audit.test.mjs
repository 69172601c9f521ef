// Step 5 through a running node: after the departments register, request,
// decide and verify, the regulator (Dave) reads the audit trail over RPC,
// flags a contract, and verifies the hash chain.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Keyring } from '@polkadot/keyring';
import { blake2AsHex, cryptoWaitReady } from '@polkadot/util-crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startNode, connect, submit, finalizedAtLeast } from './lib/node.mjs';
import { cli, cliOk } from './lib/gateway.mjs';

const DEG = 10_000_000;
const data = new TextEncoder().encode('station,pm25\nA,12\n');
const digest = blake2AsHex(data, 256);

let node;
let api;
let alice; // Natural Resources and Planning Bureau (department 0)
let bob; // Transport Bureau (department 1)
let dave; // City Data Regulator (department 3)
let dataset;
let contract;

before(async () => {
  await cryptoWaitReady();
  const keyring = new Keyring({ type: 'sr25519' });
  [alice, bob, dave] = ['//Alice', '//Bob', '//Dave'].map((u) => keyring.addFromUri(u));
  node = await startNode();
  api = await connect(node.endpoint);

  // 1. register
  const registered = await submit(api, api.tx.datasets.registerDataset(
    { title: 'Air quality stations', description: 'PM2.5 by station', topic: 'Environment', keywords: ['air'], uri: 'https://nrp.city.example/air.csv', license: { expression: 'CC-BY-4.0', url: null } },
    {
      bbox: { west: 116.2 * DEG, south: 39.8 * DEG, east: 116.6 * DEG, north: 40.1 * DEG },
      crs: 4326, time: { start: Date.parse('2024-01-01T00:00:00Z'), end: null },
      format: 'text/csv', hashCode: 0xb220, digest, size: data.length,
    },
    'ApprovalRequired', 'Internal',
  ), alice);
  dataset = registered.events.find((e) => api.events.datasets.DatasetRegistered.is(e)).data.dataset.toNumber();
  // 2. request
  const requested = await submit(api, api.tx.access.requestAccess(dataset, 'exposure study', 500, null), bob);
  contract = requested.events.find((e) => api.events.access.AccessRequested.is(e)).data.contract.toNumber();
  // 3. decide
  await submit(api, api.tx.access.approveRequest(contract, null), alice);
  // 4. verify
  await submit(api, api.tx.access.confirmReceipt(contract, 0xb220, digest), bob);
});

after(async () => {
  await api?.disconnect();
  await node?.stop();
});

test('the regulator reads the trail of a contract with actors and departments', async () => {
  await submit(api, api.tx.audit.flag({ Contract: contract }, 'reviewed: purpose matches the data'), dave);
  const page = (await api.rpc.audit.entries({ subject: { contract }, limit: 10 })).toJSON();
  const trail = page.items.map((e) => [e.actor, e.department, e.action]);
  assert.deepEqual(trail, [
    [bob.address, 1, { accessRequested: { granted: false } }],
    [alice.address, 0, { requestApproved: { granted: true } }],
    [bob.address, 1, { receiptConfirmed: { matched: true } }],
    [dave.address, 3, 'flagged'],
  ]);
  const ofDataset = (await api.rpc.audit.entries({ subject: { dataset } })).toJSON();
  assert.deepEqual(ofDataset.items.map((e) => e.action), ['datasetRegistered']);
  const byRegulator = (await api.rpc.audit.entries({ department: 3 })).toJSON();
  assert.deepEqual(byRegulator.items.map((e) => e.action), ['flagged']);
});

test('audit_verify recomputes the chain up to the stored head', async () => {
  const verdict = (await api.rpc.audit.verify()).toJSON();
  assert.equal(verdict.ok, true);
  assert.equal(verdict.firstBadIndex, null);
  assert.equal(verdict.from, 0);
  const count = (await api.query.audit.count()).toNumber();
  assert.equal(verdict.to, count - 1);
  assert.equal(verdict.head, (await api.query.audit.head()).toHex());
  const partial = (await api.rpc.audit.verify({ from: 1, to: 2 })).toJSON();
  assert.equal(partial.ok, true);
});

test('every entry chains off chain too: hash = blake2_256(previous ++ body)', async () => {
  const { items } = (await api.rpc.audit.entries({ limit: 100 })).toJSON();
  let previous = new Uint8Array(32);
  for (const e of items) {
    const body = Uint8Array.from(Buffer.from(e.body.slice(2), 'hex'));
    const preimage = new Uint8Array(32 + body.length);
    preimage.set(previous);
    preimage.set(body, 32);
    assert.equal(blake2AsHex(preimage, 256), e.hash, `entry ${e.index}`);
    previous = Uint8Array.from(Buffer.from(e.hash.slice(2), 'hex'));
  }
});

test('the AuditApi runtime API decodes from metadata alone', async () => {
  const result = await api.call.auditApi.verify(null, null);
  assert.ok(result.isOk && result.asOk.isOk);
  const page = await api.call.auditApi.entries({ subject: { Contract: contract }, limit: 5 });
  assert.equal(page.asOk.items.length, 4);
});

test('bad audit queries and flags fail clearly', async () => {
  assert.match(await api.rpc.audit.entries({ fromIndex: 5, toIndex: 2 }).catch((e) => e.message), /range ends before it starts/);
  assert.match(await api.rpc.audit.entries({ limit: 0 }).catch((e) => e.message), /limit must be at least 1/);
  assert.match(await api.rpc.audit.entries({ limit: 101 }).catch((e) => e.message), /limit must be at most 100/);
  assert.match(await api.rpc.audit.entries({ colour: 'red' }).catch((e) => e.message), /unknown field/);
  await assert.rejects(submit(api, api.tx.audit.flag({ Dataset: 999 }, 'x'), dave), /audit\.UnknownSubject/);
  const eve = new Keyring({ type: 'sr25519' }).addFromUri('//Eve'); // a Publisher, not an Auditor
  await assert.rejects(submit(api, api.tx.audit.flag({ Dataset: dataset }, 'x'), eve), /audit\.NotAuditor/);
});

test('a checkpoint kept off chain verifies later, and a forged or altered one does not', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'checkpoint-'));
  const file = join(dir, 'checkpoint.json');
  await cliOk(node.endpoint, ['audit', 'checkpoint', '--out', file], { suri: '//Dave' });
  const checkpoint = JSON.parse(readFileSync(file, 'utf8'));
  assert.equal(checkpoint.signer, dave.address);
  assert.equal(checkpoint.chain, api.genesisHash.toHex());
  const entry = (await api.rpc.audit.entries({ fromIndex: checkpoint.index, toIndex: checkpoint.index })).toJSON().items[0];
  assert.equal(checkpoint.head, entry.hash);
  assert.equal((await cli(node.endpoint, ['audit', 'checkpoint', '--out', file], { suri: '//Dave' })).code, 2, 'never overwrites: a usage error');

  // The log grows; the checkpoint still holds, up to the new last entry
  // (verification reads the finalized log: wait for the entry's block).
  const { blockHash } = await submit(api, api.tx.audit.flag({ Dataset: dataset }, 'after the checkpoint'), dave);
  await finalizedAtLeast(api, (await api.rpc.chain.getHeader(blockHash)).number.toNumber());
  const verified = JSON.parse(await cliOk(node.endpoint, ['audit', 'verify', '--checkpoint', file]));
  assert.equal(verified.ok, true);
  assert.equal(verified.checkpoint, checkpoint.index);
  assert.ok(verified.verifiedTo > checkpoint.index, JSON.stringify(verified));

  // Altered after signing: the signature no longer matches.
  const altered = join(dir, 'altered.json');
  writeFileSync(altered, JSON.stringify({ ...checkpoint, index: checkpoint.index - 1 }));
  const refused = await cli(node.endpoint, ['audit', 'verify', '--checkpoint', altered]);
  assert.equal(refused.code, 1);
  assert.match(refused.stderr, /altered/);

  // Signed, but of a log other than this chain's: the chain was rewritten.
  const head = `0x${'ab'.repeat(32)}`;
  const text = `citychain-audit-checkpoint/1\n${checkpoint.chain}\n${checkpoint.index}\n${head}`;
  const forged = join(dir, 'forged.json');
  const signature = `0x${Buffer.from(dave.sign(new TextEncoder().encode(text))).toString('hex')}`;
  writeFileSync(forged, JSON.stringify({ ...checkpoint, head, signature }));
  const rewritten = await cli(node.endpoint, ['audit', 'verify', '--checkpoint', forged]);
  assert.equal(rewritten.code, 1);
  assert.match(rewritten.stderr, /the log was rewritten/);
});
