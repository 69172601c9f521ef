// Steps 1–4 of the sharing process through a running node: the Natural
// Resources and Planning Bureau (Alice) registers datasets, the Transport
// Bureau (Bob) requests them, the bureau approves (with the City Data
// Regulator, Dave, for restricted data), access_check follows every state,
// and Bob confirms receipt with a right and a wrong hash.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Keyring } from '@polkadot/keyring';
import { hexToU8a, u8aEq, u8aToHex } from '@polkadot/util';
import { blake2AsHex, cryptoWaitReady, randomAsU8a } from '@polkadot/util-crypto';
import { encryptionKeyPair, open, seal } from '@citychain/api';
import { startNode, connect, submit } from './lib/node.mjs';

const DEG = 10_000_000;
const data = new TextEncoder().encode('{"type":"FeatureCollection","features":[]}');
const digest = blake2AsHex(data, 256);

let node;
let api;
let alice; // provider: Natural Resources and Planning Bureau (department 0)
let bob; // consumer: Transport Bureau (department 1)
let charlie; // another consumer: Environment Bureau (department 2)
let dave; // City Data Regulator (department 3)
const datasets = {};
let transportKeys; // the Transport Bureau's x25519 key pair, kept off chain

async function register(policy, sensitivity) {
  const { events } = await submit(
    api,
    api.tx.datasets.registerDataset(
      {
        title: `Land use (${policy})`,
        description: 'Land use of the central districts',
        topic: 'PlanningCadastre',
        keywords: ['land use'],
        uri: 'https://nrp.city.example/landuse.geojson',
        license: { expression: 'CC-BY-4.0', url: null },
      },
      {
        bbox: { west: 116.2 * DEG, south: 39.8 * DEG, east: 116.6 * DEG, north: 40.1 * DEG },
        crs: 4326,
        time: { start: Date.parse('2024-01-01T00:00:00Z'), end: null },
        format: 'application/geo+json',
        hashCode: 0xb220,
        digest,
        size: data.length,
      },
      policy,
      sensitivity,
    ),
    alice,
  );
  return events.find((e) => api.events.datasets.DatasetRegistered.is(e)).data.dataset.toNumber();
}

async function requestAccess(signer, dataset, term = 1000, scope = null) {
  const { events } = await submit(api, api.tx.access.requestAccess(dataset, 'road safety study', term, scope), signer);
  const requested = events.find((e) => api.events.access.AccessRequested.is(e));
  return { id: requested.data.contract.toNumber(), events };
}

const check = async (who, dataset) => (await api.rpc.access.check(who.address, dataset)).toJSON();
const contract = async (id) => (await api.rpc.access.get(id)).toJSON();

before(async () => {
  await cryptoWaitReady();
  const keyring = new Keyring({ type: 'sr25519' });
  [alice, bob, charlie, dave] = ['//Alice', '//Bob', '//Charlie', '//Dave'].map((u) => keyring.addFromUri(u));
  node = await startNode();
  api = await connect(node.endpoint);
  datasets.open = await register('Open', 'Public');
  datasets.approval = await register('ApprovalRequired', 'Internal');
  datasets.restricted = await register('Restricted', 'Confidential');
  transportKeys = encryptionKeyPair();
  await submit(api, api.tx.departments.setEncryptionKey(u8aToHex(transportKeys.publicKey)), bob);
});

after(async () => {
  await api?.disconnect();
  await node?.stop();
});

test('an open dataset is granted in the request itself', async () => {
  const { id, events } = await requestAccess(bob, datasets.open);
  assert.ok(events.some((e) => api.events.access.AccessApproved.is(e)), 'AccessApproved in the same block');
  const c = await contract(id);
  assert.equal(c.state, 'approved');
  assert.deepEqual(await check(bob, datasets.open), {
    allowed: true, basis: 'contract', contract: id, expiresAt: c.expiresAt, usesLeft: null,
  });
});

test('the provider approves a request with a key envelope; revocation ends access at once', async () => {
  const { id } = await requestAccess(bob, datasets.approval);
  assert.equal((await check(bob, datasets.approval)).basis, 'pending');
  // Alice seals the dataset key to the Transport Bureau's published key.
  const dataKey = randomAsU8a(32);
  const published = (await api.rpc.departments.get(1)).toJSON().encryptionKey;
  const envelope = u8aToHex(seal(dataKey, hexToU8a(published)));
  const { events } = await submit(api, api.tx.access.approveRequest(id, envelope), alice);
  assert.ok(events.some((e) => api.events.access.AccessApproved.is(e)));
  const c = await contract(id);
  assert.equal(c.state, 'approved');
  assert.equal(c.envelope, envelope);
  assert.equal(hexToU8a(c.envelope).length, 80);
  // Bob opens it with the department's secret key; nobody else can.
  assert.ok(u8aEq(open(hexToU8a(c.envelope), transportKeys), dataKey), 'the envelope opens to the key');
  assert.equal(open(hexToU8a(c.envelope), encryptionKeyPair()), null);
  assert.equal(c.providerApproval, alice.address);
  assert.equal((await check(bob, datasets.approval)).allowed, true);

  await submit(api, api.tx.access.revokeAccess(id, 'purpose exceeded'), alice);
  assert.deepEqual(await check(bob, datasets.approval), {
    allowed: false, basis: 'noContract', contract: null, expiresAt: null, usesLeft: null,
  });
  const revoked = await contract(id);
  assert.equal(revoked.state, 'revoked');
  assert.equal(revoked.reason, 'purpose exceeded');
});

test('restricted data needs the regulator too; confidential data goes out only encrypted', async () => {
  const environmentKeys = encryptionKeyPair();
  await submit(api, api.tx.departments.setEncryptionKey(u8aToHex(environmentKeys.publicKey)), charlie);
  const { id } = await requestAccess(charlie, datasets.restricted);
  await assert.rejects(submit(api, api.tx.access.approveRequest(id, null), alice), /access\.EnvelopeRequired/);
  const envelope = u8aToHex(seal(randomAsU8a(32), environmentKeys.publicKey));
  await submit(api, api.tx.access.approveRequest(id, envelope), alice);
  assert.equal((await contract(id)).state, 'requested');
  assert.equal((await check(charlie, datasets.restricted)).allowed, false);
  const { events } = await submit(api, api.tx.access.approveRequest(id, null), dave);
  const recorded = events.find((e) => api.events.access.ApprovalRecorded.is(e));
  assert.equal(recorded.data.asRegulator.isTrue, true);
  const c = await contract(id);
  assert.equal(c.state, 'approved');
  assert.equal(c.regulatorApproval, dave.address);
  assert.equal((await check(charlie, datasets.restricted)).allowed, true);
  const forCharlie = (await api.rpc.access.contracts({ consumer: 2 })).toJSON();
  assert.deepEqual(forCharlie.items.map((i) => i.id), [id]);
});

test("a regulator cannot approve its own department's request", async () => {
  const regulatorKeys = encryptionKeyPair();
  await submit(api, api.tx.departments.setEncryptionKey(u8aToHex(regulatorKeys.publicKey)), dave);
  const { id } = await requestAccess(dave, datasets.restricted);
  await submit(api, api.tx.access.approveRequest(id, u8aToHex(seal(randomAsU8a(32), regulatorKeys.publicKey))), alice);
  await assert.rejects(submit(api, api.tx.access.approveRequest(id, null), dave), /access\.OwnRequest/);
  assert.equal((await contract(id)).state, 'requested');
  assert.equal((await check(dave, datasets.restricted)).allowed, false);
});

test('receipt with the right hash verifies, with a wrong one raises a dispute', async () => {
  const id = (await check(bob, datasets.open)).contract;
  const wrong = blake2AsHex(new TextEncoder().encode('tampered'), 256);
  const { events } = await submit(api, api.tx.access.confirmReceipt(id, 0xb220, wrong), bob);
  const dispute = events.find((e) => api.events.access.HashMismatch.is(e));
  assert.ok(dispute, 'HashMismatch event');
  assert.equal(dispute.data.provider.toNumber(), 0);
  assert.equal((await contract(id)).receipt.status, 'mismatch');
  await submit(api, api.tx.access.confirmReceipt(id, 0xb220, digest), bob);
  assert.equal((await contract(id)).receipt.status, 'verified');
});

test('a short term expires on its own', async () => {
  await submit(api, api.tx.access.relinquishAccess((await check(charlie, datasets.restricted)).contract), charlie);
  const { id } = await requestAccess(charlie, datasets.open, 2);
  const c = await contract(id);
  for (;;) {
    const head = (await api.rpc.chain.getHeader()).number.toNumber();
    if (head >= c.expiresAt) break;
    await new Promise((r) => setTimeout(r, 1000));
  }
  assert.equal((await contract(id)).state, 'expired');
  assert.deepEqual(await check(charlie, datasets.open), {
    allowed: true, basis: 'openData', contract: null, expiresAt: null, usesLeft: null,
  });
});

test('a new department set up by governance requests data, and is rejected with a reason', async () => {
  const keyring = new Keyring({ type: 'sr25519' });
  const housing = keyring.addFromUri('//HousingAdmin');
  const { events } = await submit(
    api,
    api.tx.sudo.sudo(api.tx.departments.registerDepartment('Housing Bureau', 'Housing', housing.address, 'https://housing.city.example')),
    alice,
  );
  const registered = events.find((e) => api.events.departments.DepartmentRegistered.is(e));
  assert.ok(registered, 'DepartmentRegistered');
  const department = registered.data.department.toNumber();
  const { id } = await requestAccess(housing, datasets.approval);
  assert.equal((await contract(id)).consumer, department);
  await submit(api, api.tx.access.rejectRequest(id, 'Not within the purpose of the dataset'), alice);
  const rejected = await contract(id);
  assert.equal(rejected.state, 'rejected');
  assert.equal(rejected.reason, 'Not within the purpose of the dataset');
  const trail = (await api.rpc.audit.entries({ subject: { contract: id } })).toJSON().items.map((e) => e.action);
  assert.deepEqual(trail, [{ accessRequested: { granted: false } }, 'requestRejected']);
  const setUp = (await api.rpc.audit.entries({ subject: { department }, limit: 5 })).toJSON().items[0];
  assert.equal(setUp.actor, 'governance');
  assert.equal(setUp.action, 'departmentRegistered');
});

test('bad requests fail with named errors and change nothing', async () => {
  const before = (await api.query.access.nextContractId()).toNumber();
  await assert.rejects(submit(api, api.tx.access.requestAccess(datasets.approval, 'mine', 10, null), alice), /access\.OwnDataset/);
  await assert.rejects(submit(api, api.tx.access.requestAccess(999, 'x', 10, null), bob), /access\.UnknownDataset/);
  await assert.rejects(submit(api, api.tx.access.requestAccess(datasets.approval, 'x', 0, null), bob), /access\.ZeroTerm/);
  const outside = { bbox: { west: 0, south: 0, east: 1, north: 1 }, time: null };
  await assert.rejects(submit(api, api.tx.access.requestAccess(datasets.approval, 'x', 10, outside), bob), /access\.ScopeOutsideExtent/);
  assert.equal((await api.query.access.nextContractId()).toNumber(), before);
  await assert.rejects(api.rpc.access.contracts({ limit: 0 }), /limit must be at least 1/);
});

test('the AccessApi runtime API decodes from metadata alone', async () => {
  const answer = await api.call.accessApi.check(bob.address, datasets.open);
  assert.equal(answer.allowed.isTrue, true);
  assert.equal(answer.basis.isContract, true);
  const page = await api.call.accessApi.contracts({ provider: 0, limit: 50 });
  assert.ok(page.isOk);
  assert.ok(page.asOk.items.length >= 4);
});
