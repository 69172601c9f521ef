// One department floods the chain as fast as it can while three others go on
// working: the flood stops at its department's allowance (refused at the
// pool once spent), no sender holds more than its window in the pool, a
// department's members hold no more than its allowance has left, and the
// others' transactions are each included within a few blocks.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Keyring } from '@polkadot/keyring';
import { cryptoWaitReady } from '@polkadot/util-crypto';
import { startNode, connect, submit } from './lib/node.mjs';

const ALLOWANCE = 150; // transactions per period for the flooding department
const FLOODERS = 3;
const PER_FLOODER = 100; // 300 in all, twice the allowance
const WAVE = 25; // submitted per flooder per block
const WORK = 5; // transactions of each other department, one after another
const WITHIN_BLOCKS = 3; // how soon each of them must be in a block
const PERIOD = 100; // blocks of an allowance period (runtime: AllowancePeriod)
const SHARED = 30; // transactions per period for the department that shares

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

const best = async () => (await api.rpc.chain.getHeader()).number.toNumber();

test('a flooding department stops at its allowance while the others are included within 3 blocks', async () => {
  const alice = keyring.addFromUri('//Alice');
  const allowance = { transactions: ALLOWANCE, bytes: 1 << 20 };
  await submit(api, api.tx.sudo.sudo(api.tx.departments.setAllowance(0, allowance)), alice);
  const flooders = [];
  for (let i = 0; i < FLOODERS; i += 1) {
    const flooder = keyring.addFromUri(`//Flood${i}`);
    await submit(api, api.tx.departments.addMember(flooder.address, { admin: false, publisher: true, approver: false, auditor: false }), alice);
    flooders.push(flooder);
  }
  const start = await best();

  // Pre-signed, submitted without a subscription each, a wave of WAVE per
  // flooder every block: once the allowance is spent on chain, the pool
  // refuses the rest.
  const waves = [];
  for (let first = 0; first < PER_FLOODER; first += WAVE) {
    const wave = [];
    for (const flooder of flooders) {
      for (let nonce = first; nonce < first + WAVE; nonce += 1) {
        wave.push((await api.tx.system.remark(`flood ${nonce}`).signAsync(flooder, { nonce })).toHex());
      }
    }
    waves.push(wave);
  }
  const signed = waves.flat();
  const flood = (async () => {
    const results = [];
    for (const wave of waves) {
      const at = await best();
      results.push(...await Promise.allSettled(wave.map((hex) => api.rpc.author.submitExtrinsic(hex))));
      while ((await best()) <= at) await new Promise((r) => setTimeout(r, 250));
    }
    return results;
  })();

  // Meanwhile Bob, Charlie and Dave work as usual.
  const others = ['//Bob', '//Charlie', '//Dave'].map((u) => keyring.addFromUri(u));
  const delays = [];
  await Promise.all(others.map(async (who) => {
    for (let i = 0; i < WORK; i += 1) {
      const submittedAt = await best();
      const { blockHash } = await submit(api, api.tx.system.remarkWithEvent(`work ${i}`), who);
      const includedAt = (await api.rpc.chain.getHeader(blockHash)).number.toNumber();
      delays.push(includedAt - submittedAt);
    }
  }));
  const results = await flood;
  const refused = results.filter((r) => r.status === 'rejected');
  assert.ok(refused.length > 0, 'the pool refused part of the flood');
  for (const r of refused) assert.match(String(r.reason), /1010.*Custom error: 2/);

  // Let the accepted part of the flood drain, then count what got in.
  const until = (await best()) + 3;
  while ((await best()) < until) await new Promise((r) => setTimeout(r, 500));
  let included = 0;
  for (const flooder of flooders) included += (await api.rpc.system.accountNextIndex(flooder.address)).toNumber();
  const spent = (await api.query.departments.spent(0)).toJSON().transactions.reduce((a, b) => a + b, 0);
  console.log(`flood: ${signed.length} submitted, ${refused.length} refused at the pool, ${included} included; `
    + `allowance ${ALLOWANCE}; the others' inclusion delays in blocks: max ${Math.max(...delays)}, all ${delays.join(' ')}`);
  assert.ok((await best()) - start < PERIOD, 'the test ran within one allowance period');
  assert.ok(spent <= ALLOWANCE, `spent ${spent} of ${ALLOWANCE}`);
  assert.ok(included <= ALLOWANCE, `${included} flood transactions included`);
  assert.equal(delays.length, others.length * WORK);
  assert.ok(Math.max(...delays) <= WITHIN_BLOCKS, `every other transaction within ${WITHIN_BLOCKS} blocks`);
});

test('a sender cannot park more than its window of transactions in the pool', async () => {
  const bob = keyring.addFromUri('//Bob');
  const next = (await api.rpc.system.accountNextIndex(bob.address)).toNumber();
  const far = await api.tx.system.remark('later').signAsync(bob, { nonce: next + 257 });
  await assert.rejects(api.rpc.author.submitExtrinsic(far.toHex()), /1010.*Custom error: 3/);
});

test('a department\'s members together hold no more in the pool than its allowance has left', async () => {
  // Transport (Bob's department) with two more members, each of the three
  // submitting a whole allowance at once: each gets at most an equal share
  // of what is left, the rest is refused as over the allowance.
  const alice = keyring.addFromUri('//Alice');
  const bob = keyring.addFromUri('//Bob');
  await submit(api, api.tx.sudo.sudo(api.tx.departments.setAllowance(1, { transactions: SHARED, bytes: 1 << 20 })), alice);
  const senders = [bob];
  for (const uri of ['//Share0', '//Share1']) {
    const member = keyring.addFromUri(uri);
    await submit(api, api.tx.departments.addMember(member.address, { admin: false, publisher: true, approver: false, auditor: false }), bob);
    senders.push(member);
  }
  const members = (await api.query.departments.departments(1)).unwrap().members.toNumber();
  const signed = [];
  for (const sender of senders) {
    const next = (await api.rpc.system.accountNextIndex(sender.address)).toNumber();
    const own = [];
    for (let i = 0; i < SHARED; i += 1) {
      own.push((await api.tx.system.remark(`share ${i}`).signAsync(sender, { nonce: next + i })).toHex());
    }
    signed.push(own);
  }
  const results = await Promise.all(signed.map((own) => Promise.allSettled(own.map((hex) => api.rpc.author.submitExtrinsic(hex)))));
  const accepted = results.map((own) => own.filter((r) => r.status === 'fulfilled').length);
  for (const own of results) {
    for (const r of own.filter((r) => r.status === 'rejected')) assert.match(String(r.reason), /1010.*Custom error: 2/);
  }
  console.log(`shared allowance ${SHARED} among ${members} members: accepted ${accepted.join(', ')} of ${SHARED} each`);
  const share = Math.ceil(SHARED / members);
  for (const n of accepted) assert.ok(n >= 1 && n <= share, `${n} accepted, a share is at most ${share}`);
  assert.ok(accepted.reduce((a, b) => a + b, 0) <= SHARED, 'together within the allowance');
});
