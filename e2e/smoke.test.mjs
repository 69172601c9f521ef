// Smoke test: a dev node produces and finalizes blocks, a member's department
// call goes through, a non-member's transaction is refused by the pool.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { Keyring } from '@polkadot/keyring';
import { cryptoWaitReady } from '@polkadot/util-crypto';
import { startNode, connect, finalizedAtLeast, submit } from './lib/node.mjs';

let node;
let api;
let keyring;

before(async () => {
  await cryptoWaitReady();
  keyring = new Keyring({ type: 'sr25519' });
  node = await startNode();
  api = await connect(node.endpoint);
});

after(async () => {
  await api?.disconnect();
  await node?.stop();
});

test('produces and finalizes blocks', async () => {
  const head = await finalizedAtLeast(api, 2);
  assert.ok(head.number.toNumber() >= 2);
});

test('metadata lists the Departments and Council pallets', () => {
  const pallets = api.runtimeMetadata.asLatest.pallets.map((p) => p.name.toString());
  for (const name of ['System', 'Aura', 'Grandpa', 'Sudo', 'Council', 'Departments']) {
    assert.ok(pallets.includes(name), `${name} missing from ${pallets}`);
  }
});

test('the running runtime serves the metadata the Rust clients are generated from', async () => {
  // Metadata_metadata_at_version(16) -> Option<OpaqueMetadata>.
  const answer = await api.rpc.state.call('Metadata_metadata_at_version', '0x10000000');
  const served = api.createType('Option<OpaqueMetadata>', answer).unwrap().toU8a(true);
  const committed = readFileSync(new URL('../client/metadata/citychain.scale', import.meta.url));
  assert.ok(
    Buffer.from(served).equals(committed),
    'client/metadata/citychain.scale is not what the node serves: run ./scripts/metadata.sh',
  );
});

test('a department admin adds a member, who can transact at once', async () => {
  const alice = keyring.addFromUri('//Alice');
  const newcomer = keyring.addFromUri('//SmokeNewcomer');
  const roles = { admin: false, publisher: true, approver: false, auditor: false };
  const { events } = await submit(api, api.tx.departments.addMember(newcomer.address, roles), alice);
  const added = events.find((e) => api.events.departments.MemberAdded.is(e));
  assert.ok(added, 'MemberAdded event');
  assert.equal(added.data.who.toString(), newcomer.address);

  const dept = await api.rpc.departments.get(added.data.department);
  const json = dept.toJSON();
  assert.equal(json.name, 'Natural Resources and Planning Bureau');
  assert.deepEqual(json.members.find((m) => m.account === newcomer.address)?.roles, roles);

  // no funds, yet the new member's own transaction is accepted and included
  const { free } = (await api.query.system.account(newcomer.address)).data;
  assert.equal(free.toBigInt(), 0n);
  await submit(api, api.tx.system.remarkWithEvent('first words'), newcomer);
});

test('the pool refuses a non-member department call', async () => {
  const ferdie = keyring.addFromUri('//Ferdie');
  const roles = { admin: true, publisher: true, approver: true, auditor: true };
  await assert.rejects(
    submit(api, api.tx.departments.addMember(ferdie.address, roles), ferdie),
    /1010.*Invalid signing address/,
  );
});

test('the pool refuses immortal transactions', async () => {
  const alice = keyring.addFromUri('//Alice');
  await assert.rejects(
    api.tx.system.remarkWithEvent('forever').signAndSend(alice, { era: 0 }),
    /1010.*Custom error: 1/,
  );
});

test('a search with more topics than there are topic categories is refused, naming the field', async () => {
  await assert.rejects(
    api.rpc.datasets.search({ topics: Array(20).fill('health') }),
    /topics: at most 19/,
  );
});

test('a removed and readmitted member cannot replay its old transactions', async () => {
  const alice = keyring.addFromUri('//Alice');
  const member = keyring.addFromUri('//SmokeReplay');
  const roles = { admin: false, publisher: true, approver: false, auditor: false };
  await submit(api, api.tx.departments.addMember(member.address, roles), alice);
  const signed = await api.tx.system.remarkWithEvent('once only').signAsync(member);
  await new Promise((resolve, reject) => {
    signed.send(({ status, dispatchError }) => {
      if (dispatchError) reject(new Error(dispatchError.toString()));
      else if (status.isInBlock) resolve();
    }).catch(reject);
  });
  await submit(api, api.tx.departments.removeMember(member.address), alice);
  await submit(api, api.tx.departments.addMember(member.address, roles), alice);
  assert.equal((await api.rpc.system.accountNextIndex(member.address)).toNumber(), 1, 'the nonce survived');
  // A restart empties the pool's memory of what it saw: the runtime's own
  // nonce check is what refuses the replay.
  await node.restart();
  const fresh = await connect(node.endpoint);
  try {
    await assert.rejects(fresh.rpc.author.submitExtrinsic(signed.toHex()), /1010.*outdated/);
  } finally {
    await fresh.disconnect();
  }
});
