// Several departments submit at once, each a batch of transactions with
// consecutive nonces, without waiting: everything is included once, and the
// audit log has exactly one entry per transaction. Then malformed, oversized,
// unauthorised and dangling submissions are refused with clear errors.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Keyring } from '@polkadot/keyring';
import { blake2AsHex, cryptoWaitReady } from '@polkadot/util-crypto';
import { startNode, connect, httpRpc, submit } from './lib/node.mjs';

const DEG = 10_000_000;
const PER_ACCOUNT = 6;

let node;
let api;
let signers;

before(async () => {
  await cryptoWaitReady();
  const keyring = new Keyring({ type: 'sr25519' });
  // Alice and Eve share a department; Bob and Charlie have their own.
  signers = ['//Alice', '//Bob', '//Charlie', '//Eve'].map((u) => keyring.addFromUri(u));
  node = await startNode();
  api = await connect(node.endpoint);
});

after(async () => {
  await api?.disconnect();
  await node?.stop();
});

function registration(title) {
  return api.tx.datasets.registerDataset(
    { title, description: '', topic: 'Location', keywords: [], uri: `https://data.city.example/${title}`, license: { expression: 'CC-BY-4.0', url: null } },
    {
      bbox: { west: 116.3 * DEG, south: 39.9 * DEG, east: 116.4 * DEG, north: 40.0 * DEG },
      crs: 4326, time: { start: Date.parse('2024-01-01T00:00:00Z'), end: null },
      format: 'application/geo+json', hashCode: 0x12, digest: blake2AsHex(title, 256), size: 1,
    },
    'Open', 'Public',
  );
}

/** Sends `tx` with an explicit nonce; resolves when it is in a block. */
function sendWithNonce(tx, signer, nonce) {
  return new Promise((resolve, reject) => {
    tx.signAndSend(signer, { nonce }, ({ status, dispatchError }) => {
      if (dispatchError) reject(new Error(dispatchError.toString()));
      else if (status.isInBlock) resolve(status.asInBlock.toHex());
    }).catch(reject);
  });
}

test('batches from four accounts at once are all included, once', async () => {
  const datasetsBefore = (await api.query.datasets.nextDatasetId()).toNumber();
  const entriesBefore = (await api.query.audit.count()).toNumber();
  const sends = [];
  for (const signer of signers) {
    const first = (await api.rpc.system.accountNextIndex(signer.address)).toNumber();
    for (let i = 0; i < PER_ACCOUNT; i += 1) {
      sends.push(sendWithNonce(registration(`${signer.address.slice(0, 8)}-${i}`), signer, first + i));
    }
  }
  const blocks = await Promise.all(sends);
  const total = signers.length * PER_ACCOUNT;
  assert.equal(blocks.length, total);

  const datasetsAfter = (await api.query.datasets.nextDatasetId()).toNumber();
  assert.equal(datasetsAfter - datasetsBefore, total, 'every registration made one record');
  const titles = new Set();
  for (let id = datasetsBefore; id < datasetsAfter; id += 1) {
    titles.add((await api.rpc.datasets.get(id)).toJSON().title);
  }
  assert.equal(titles.size, total, 'no record lost or duplicated');
  for (const signer of signers) {
    const nonce = (await api.rpc.system.accountNextIndex(signer.address)).toNumber();
    assert.ok(nonce >= PER_ACCOUNT);
  }
  assert.equal((await api.query.audit.count()).toNumber() - entriesBefore, total, 'one audit entry each');
  const verdict = (await api.rpc.audit.verify()).toJSON();
  assert.equal(verdict.ok, true);
  assert.equal(verdict.head, (await api.query.audit.head()).toHex());
});

test('malformed, oversized and unauthorised submissions are refused clearly', async () => {
  const before = (await api.query.datasets.nextDatasetId()).toNumber();
  // Bytes that are no extrinsic, sent as raw JSON-RPC (@polkadot/api would
  // refuse to encode them).
  const raw = await httpRpc(node.endpoint.replace('ws://', 'http://'), 'author_submitExtrinsic', ['0x0badc0de'])
    .then((r) => r.json());
  assert.ok(raw.error, 'an error, not a hash');
  assert.match(`${raw.error.message} ${raw.error.data ?? ''}`, /decode|invalid/i);
  // A 100 kB title is included and fails by name.
  await assert.rejects(submit(api, registration('x'.repeat(100_000)), signers[0]), /datasets\.TitleTooLong/);
  // A non-member's transaction is refused by the pool.
  const ferdie = new Keyring({ type: 'sr25519' }).addFromUri('//Ferdie');
  await assert.rejects(submit(api, registration('ferdie'), ferdie), /Invalid signing address/);
  // Unknown ids fail by name.
  await assert.rejects(submit(api, api.tx.access.requestAccess(424242, 'x', 10, null), signers[1]), /access\.UnknownDataset/);
  await assert.rejects(submit(api, api.tx.datasets.withdrawDataset(424242), signers[0]), /datasets\.UnknownDataset/);
  assert.equal((await api.query.datasets.nextDatasetId()).toNumber(), before);
  assert.equal((await api.rpc.audit.verify()).toJSON().ok, true);
});
