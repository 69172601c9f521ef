// One department floods the chain as fast as it can while three others go on
// working: the flood stops at its department's allowance (refused at the
// pool once spent), no sender holds more than its window in the pool, and
// the others' transactions are each included within a few blocks.
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
  const period = Math.floor((await best()) / 100);

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
  const spent = (await api.query.departments.spent(0)).toJSON();
  console.log(`flood: ${signed.length} submitted, ${refused.length} refused at the pool, ${included} included; `
    + `allowance ${ALLOWANCE}; the others' inclusion delays in blocks: max ${Math.max(...delays)}, all ${delays.join(' ')}`);
  assert.equal(spent.period, period, 'the test ran within one allowance period');
  assert.ok(spent.transactions <= ALLOWANCE, `spent ${spent.transactions} of ${ALLOWANCE}`);
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
