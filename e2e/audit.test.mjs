// Step 5 through a running node: after the departments register, request,
// decide and verify, the regulator (Dave) reads the audit trail over RPC,
// flags a contract, and verifies the hash chain.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Keyring } from '@polkadot/keyring';
import { blake2AsHex, blake2AsU8a, cryptoWaitReady } from '@polkadot/util-crypto';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startNode, connect, submit, finalizedAtLeast } from './lib/node.mjs';
import { cli, cliOk } from './lib/gateway.mjs';
import { auditLiars, lyingRpcProxy } from './lib/proxy.mjs';

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
  assert.equal(verified.proof, 'consistency');
  assert.equal(checkpoint.size, checkpoint.index + 1);
  assert.equal(checkpoint.root, (await api.rpc.audit.root({ size: checkpoint.size })).toJSON().root);
  assert.ok(verified.grewTo > checkpoint.size, JSON.stringify(verified));
  assert.equal(verified.rootNow, (await api.rpc.audit.root({ size: verified.grewTo }, verified.at)).toJSON().root);

  // Altered after signing: the signature no longer matches.
  const altered = join(dir, 'altered.json');
  writeFileSync(altered, JSON.stringify({ ...checkpoint, index: checkpoint.index - 1 }));
  const refused = await cli(node.endpoint, ['audit', 'verify', '--checkpoint', altered]);
  assert.equal(refused.code, 1);
  assert.match(refused.stderr, /altered/);

  // Signed, but of a log other than this chain's (another root of the same
  // size): the log of today does not extend it.
  const sign = (text) => `0x${Buffer.from(dave.sign(new TextEncoder().encode(text))).toString('hex')}`;
  const root = `0x${'ab'.repeat(32)}`;
  const forged = join(dir, 'forged.json');
  const v2 = `citychain-audit-checkpoint/2\n${checkpoint.chain}\n${checkpoint.index}\n${checkpoint.head}\n${checkpoint.size}\n${root}`;
  writeFileSync(forged, JSON.stringify({ ...checkpoint, root, signature: sign(v2) }));
  const rewritten = await cli(node.endpoint, ['audit', 'verify', '--checkpoint', forged]);
  assert.equal(rewritten.code, 1);
  assert.match(rewritten.stderr, /does not extend the checkpoint's log .* it was rewritten/);

  // A checkpoint from before the log had a root is checked by its hash chain.
  const { size, root: _, ...v1 } = checkpoint;
  const old = join(dir, 'v1.json');
  const v1Text = `citychain-audit-checkpoint/1\n${checkpoint.chain}\n${checkpoint.index}\n${checkpoint.head}`;
  writeFileSync(old, JSON.stringify({ ...v1, signature: sign(v1Text) }));
  const chained = JSON.parse(await cliOk(node.endpoint, ['audit', 'verify', '--checkpoint', old]));
  assert.ok(chained.verifiedTo >= size, JSON.stringify(chained));
  const head = `0x${'ab'.repeat(32)}`;
  const forgedV1 = join(dir, 'forged-v1.json');
  const forgedText = `citychain-audit-checkpoint/1\n${checkpoint.chain}\n${checkpoint.index}\n${head}`;
  writeFileSync(forgedV1, JSON.stringify({ ...v1, head, signature: sign(forgedText) }));
  const headless = await cli(node.endpoint, ['audit', 'verify', '--checkpoint', forgedV1]);
  assert.equal(headless.code, 1);
  assert.match(headless.stderr, /the log was rewritten/);
});

// RFC 9162's Merkle tree hash with BLAKE2b-256, written here from the RFC as
// the oracle of the log's root (docs/audit.md).
const bytes = (hex) => Uint8Array.from(Buffer.from(hex.slice(2), 'hex'));
const prefixed = (prefix, ...parts) => Uint8Array.from([prefix, ...parts.flatMap((p) => [...p])]);
const leafHash = (body) => blake2AsU8a(prefixed(0, body), 256);
function treeHash(leaves) {
  if (leaves.length === 0) return blake2AsU8a(new Uint8Array(), 256);
  if (leaves.length === 1) return leaves[0];
  let split = 1;
  while (split * 2 < leaves.length) split *= 2;
  return blake2AsU8a(prefixed(1, treeHash(leaves.slice(0, split)), treeHash(leaves.slice(split))), 256);
}

test("the log's root is RFC 9162's tree hash of every entry's body, and the state holds it", async () => {
  const root = (await api.rpc.audit.root()).toJSON();
  const { items } = (await api.rpc.audit.entries({ limit: 100 }, root.at)).toJSON();
  assert.equal(items.length, root.count);
  assert.equal(root.size, root.count);
  assert.equal(`0x${Buffer.from(treeHash(items.map((e) => leafHash(bytes(e.body))))).toString('hex')}`, root.root);
  const peaks = (await api.query.audit.peaks.at(root.at)).toJSON();
  assert.equal(peaks.size, root.count);
  for (const size of [1, 2, 3, root.count - 1]) {
    const older = (await api.rpc.audit.root({ size }, root.at)).toJSON();
    assert.equal(`0x${Buffer.from(treeHash(items.slice(0, size).map((e) => leafHash(bytes(e.body))))).toString('hex')}`, older.root, `size ${size}`);
  }
  assert.match(await api.rpc.audit.root({ size: root.count + 1 }, root.at).catch((e) => e.message), /beyond the log/);
  assert.match(await api.rpc.audit.inclusionProof({ indices: [] }).catch((e) => e.message), /none given/);
  assert.match(await api.rpc.audit.inclusionProof({ indices: Array(101).fill(0) }).catch((e) => e.message), /indices: at most 100 values/);
  assert.match(await api.rpc.audit.consistencyProof({ oldSize: 3, newSize: 2 }).catch((e) => e.message), /above the new size/);
});

test('audit prove checks every entry against the root the state proves, and names what a lying node altered', async () => {
  const proven = JSON.parse(await cliOk(node.endpoint, ['audit', 'prove', '--department', '1']));
  const { items } = (await api.rpc.audit.entries({ department: 1, limit: 100 }, proven.root.at)).toJSON();
  assert.ok(items.length > 0);
  assert.deepEqual(proven.entries.map((e) => e.index), items.map((e) => e.index));
  assert.equal(proven.root.root, (await api.rpc.audit.root(null, proven.root.at)).toJSON().root);

  const all = JSON.parse(await cliOk(node.endpoint, ['audit', 'prove']));
  assert.equal(all.proven, all.root.size);
  const victim = all.entries[1].index;

  // A node that changes when an entry happened, keeping its body.
  const retimed = await lyingRpcProxy(node.endpoint, 'audit_inclusionProof', (r) => {
    for (const item of r.items) if (item.entry?.index === victim) item.entry.time += 1;
    return r;
  });
  // A node that serves another body for the entry.
  const rewritten = await auditLiars.body(node.endpoint, victim);
  // A node that lies about the log's root in its state.
  const rerooted = await lyingRpcProxy(node.endpoint, 'state_getReadProof', (r) => ({ ...r, proof: r.proof.slice(1) }));
  try {
    const fields = await cli(retimed.url, ['audit', 'prove']);
    assert.equal(fields.code, 1, fields.stdout);
    assert.match(fields.stderr, new RegExp(`entry ${victim} is not the log's: its fields differ from its proven body`));
    const body = await cli(rewritten.url, ['audit', 'prove']);
    assert.equal(body.code, 1, body.stdout);
    assert.match(body.stderr, new RegExp(`entry ${victim} is not the log's: its body does not lead to the root`));
    const state = await cli(rerooted.url, ['audit', 'prove']);
    assert.equal(state.code, 1, state.stdout);
    assert.match(state.stderr, /storage proof of Audit::Peaks does not check/);
  } finally {
    await Promise.all([retimed.stop(), rewritten.stop(), rerooted.stop()]);
  }
});

/** Writes the dev chain's raw spec into `dir`; its path. */
function rawSpec(dir) {
  const spec = join(dir, 'citychain.json');
  writeFileSync(spec, execFileSync(process.env.CITYCHAIN_NODE, ['build-spec', '--chain', 'dev', '--raw'], {
    maxBuffer: 1 << 28, stdio: ['ignore', 'pipe', 'ignore'],
  }));
  return spec;
}

test('audit verify --light checks the whole stored log from the chain spec alone, and names what a lying node changed', async () => {
  const spec = rawSpec(mkdtempSync(join(tmpdir(), 'light-')));
  const light = (url, extra = []) => cli(url, ['audit', 'verify', '--light', '--chain-spec', spec, ...extra]);
  const verified = JSON.parse(await cliOk(node.endpoint, ['audit', 'verify', '--light', '--chain-spec', spec]));
  assert.equal(verified.ok, true);
  assert.equal(verified.complete, true);
  assert.match(verified.verifiedBy, /^light: GRANDPA justifications/);
  assert.equal(verified.chain, api.genesisHash.toHex());
  const at = await api.at(verified.block);
  assert.equal(verified.size, (await at.query.audit.count()).toNumber());
  assert.equal(verified.entries, verified.size - verified.prunedBefore);
  assert.equal(verified.root, (await api.rpc.audit.root(null, verified.block)).toJSON().root);
  // The block it verified at is one GRANDPA finalized.
  assert.equal(
    (await api.rpc.chain.getBlockHash(verified.number)).toHex(), verified.block,
  );
  assert.ok(verified.number <= (await api.rpc.chain.getHeader(await api.rpc.chain.getFinalizedHead())).number.toNumber());

  // A range is checked without the head; past the bound it is refused.
  const some = JSON.parse((await light(node.endpoint, ['--from', '1', '--to', '2'])).stdout);
  assert.deepEqual([some.from, some.to, some.entries, some.complete], [1, 2, 2, false]);
  const bounded = await light(node.endpoint, ['--max', '1']);
  assert.equal(bounded.code, 2, bounded.stdout);
  assert.match(bounded.stderr, /more than --max 1/);

  const victim = 1;
  const liars = {
    // Another body for an entry.
    body: [await auditLiars.body(node.endpoint, victim),
      new RegExp(`lied: entry ${victim} is not the log's: its body does not lead to the root`)],
    // Another hash for an entry: the MMR leaf does not cover it, the chain does.
    hash: [await auditLiars.hash(node.endpoint, victim),
      new RegExp(`lied: entry ${victim}'s hash does not chain from the entry before it`)],
    // A block its authorities did not finalize.
    finality: [await auditLiars.header(node.endpoint), /lied: its finality does not check from genesis/],
  };
  try {
    for (const [what, [proxy, said]] of Object.entries(liars)) {
      const refused = await light(proxy.url);
      assert.equal(refused.code, 1, `${what}: ${refused.stdout}`);
      assert.match(refused.stderr, said, what);
      assert.ok(refused.stderr.includes(`the node at ${proxy.url} lied`), refused.stderr);
    }
  } finally {
    await Promise.all(Object.values(liars).map(([proxy]) => proxy.stop()));
  }
});

test('an audit report checks with no network against the chain spec alone, and fails after one byte changes', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'report-'));
  const spec = rawSpec(dir);
  const file = join(dir, 'transport.json');
  await cliOk(node.endpoint, ['audit', 'report', '--department', '1', '--out', file]);
  const report = JSON.parse(readFileSync(file, 'utf8'));
  assert.equal(report.chain, api.genesisHash.toHex());

  // No node: an endpoint where nothing listens.
  const offline = 'ws://127.0.0.1:9';
  const checked = JSON.parse(await cliOk(offline, ['audit', 'check', file, '--chain-spec', spec]));
  assert.equal(checked.ok, true);
  assert.equal(checked.chain, report.chain);
  assert.equal(checked.entries, report.entries.length);
  assert.equal(checked.setId, report.handovers.length);
  // Every entry of the department up to the report's block, none after.
  const { items } = (await api.rpc.audit.entries({ department: 1, limit: 100 }, checked.block)).toJSON();
  assert.ok(items.length > 0);
  assert.deepEqual(report.entries.map((e) => e.entry.index), items.map((e) => e.index));

  const flip = (hex, at) => {
    const i = 2 + 2 * at;
    return hex.slice(0, i) + (Number.parseInt(hex[i], 16) ^ 1).toString(16) + hex.slice(i + 1);
  };
  const middle = (hex) => Math.floor((hex.length - 2) / 4);
  const changes = {
    'an entry body': (r) => { r.entries[0].entry.body = flip(r.entries[0].entry.body, middle(r.entries[0].entry.body)); },
    "an entry's time": (r) => { r.entries[0].entry.time += 1; },
    'the justification': (r) => { r.block.justification = flip(r.block.justification, middle(r.block.justification)); },
    'the header': (r) => { r.block.header = flip(r.block.header, 40); },
    'the storage proof': (r) => { r.peaksProof[0] = flip(r.peaksProof[0], middle(r.peaksProof[0])); },
    'the chain': (r) => { r.chain = flip(r.chain, 0); },
  };
  for (const [what, change] of Object.entries(changes)) {
    const altered = structuredClone(report);
    change(altered);
    const path = join(dir, 'altered.json');
    writeFileSync(path, JSON.stringify(altered));
    const refused = await cli(offline, ['audit', 'check', path, '--chain-spec', spec]);
    assert.equal(refused.code, 1, `${what}: ${refused.stdout}`);
    assert.match(refused.stderr, /does not check/, what);
  }
});
