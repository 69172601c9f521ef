// Throughput against a running dev node: signed `Balances.transfer_keep_alive`
// as the baseline, then `Datasets.register_dataset`, then
// `Access.request_access` + `Access.approve_request` pairs, each sent at once
// from many accounts with consecutive nonces. Prints included and finalized
// transactions per second, the ratio of each workload to the baseline
// measured in the same run, and the block fullness reached.
//
//   CITYCHAIN_NODE=<binary> node e2e/bench/throughput.mjs [accounts] [per account]
import { Keyring } from '@polkadot/keyring';
import { blake2AsHex, cryptoWaitReady } from '@polkadot/util-crypto';
import { startNode, connect } from '../lib/node.mjs';

const ACCOUNTS = Number(process.argv[2] ?? 16);
const PER_ACCOUNT = Number(process.argv[3] ?? 25);
const fixed = (degrees) => Math.round(degrees * 10_000_000);

/** Sends every [tx, signer, nonce] at once; resolves with the blocks that included them. */
async function blast(api, batch) {
  const started = Date.now();
  const blocks = new Set();
  let finalizedAt = 0;
  let includedAt = 0;
  let finalized = 0;
  await Promise.all(batch.map(([tx, signer, nonce]) => new Promise((resolve, reject) => {
    let included = false;
    tx.signAndSend(signer, { nonce }, ({ status, dispatchError }) => {
      if (dispatchError) return reject(new Error(`dispatch failed: ${dispatchError.toString()}`));
      if (status.isInBlock && !included) {
        included = true;
        blocks.add(status.asInBlock.toHex());
        includedAt = Math.max(includedAt, Date.now());
      }
      if (status.isFinalized) {
        finalized += 1;
        finalizedAt = Math.max(finalizedAt, Date.now());
        resolve();
      }
    }).catch(reject);
  })));
  return {
    count: batch.length,
    finalized,
    included: (includedAt - started) / 1000,
    final: (finalizedAt - started) / 1000,
    blocks: [...blocks],
  };
}

/** The highest share of the normal-class block weight limit used by `blocks`. */
async function fullness(api, blocks) {
  const limit = api.consts.system.blockWeights.perClass.normal.maxTotal.unwrap().refTime.toBigInt();
  let max = 0;
  for (const hash of blocks) {
    const used = (await (await api.at(hash)).query.system.blockWeight()).normal.refTime.toBigInt();
    max = Math.max(max, Number((used * 10_000n) / limit) / 100);
  }
  return max;
}

async function nonces(api, signers) {
  return Promise.all(signers.map(async (s) => (await api.rpc.system.accountNextIndex(s.address)).toNumber()));
}

function perAccount(signers, firstNonces, make) {
  const batch = [];
  signers.forEach((signer, a) => {
    for (let i = 0; i < PER_ACCOUNT; i += 1) batch.push([make(a, i), signer, firstNonces[a] + i]);
  });
  return batch;
}

async function main() {
  await cryptoWaitReady();
  const keyring = new Keyring({ type: 'sr25519' });
  const [alice, bob] = ['//Alice', '//Bob'].map((u) => keyring.addFromUri(u));
  // Every transaction is watched on one connection: allow that many subscriptions.
  const node = await startNode({ extraArgs: ['--rpc-max-subscriptions-per-connection=16384'] });
  const api = await connect(node.endpoint);
  try {
    // Publishers and approvers in department 0, requesters in department 1.
    const providers = [...Array(ACCOUNTS)].map((_, i) => keyring.addFromUri(`//Provider${i}`));
    const consumers = [...Array(ACCOUNTS)].map((_, i) => keyring.addFromUri(`//Consumer${i}`));
    const roles = { admin: false, publisher: true, approver: true, auditor: false };
    const [aliceNonce, bobNonce] = await nonces(api, [alice, bob]);
    await blast(api, [
      ...providers.map((p, i) => [api.tx.departments.addMember(p.address, roles), alice, aliceNonce + i]),
      ...consumers.map((c, i) => [api.tx.departments.addMember(c.address, roles), bob, bobNonce + i]),
    ]);
    const unit = 10n ** 12n;
    const fundNonce = (await nonces(api, [alice]))[0];
    await blast(api, providers.map((p, i) => [api.tx.balances.transferKeepAlive(p.address, 10n * unit), alice, fundNonce + i]));

    const results = {};
    // Baseline: transfers.
    results.transfers = await blast(api, perAccount(providers, await nonces(api, providers),
      () => api.tx.balances.transferKeepAlive(alice.address, unit / 100n)));
    // Dataset registrations.
    const firstDataset = (await api.query.datasets.nextDatasetId()).toNumber();
    results.registrations = await blast(api, perAccount(providers, await nonces(api, providers), (a, i) =>
      api.tx.datasets.registerDataset(
        { title: `Survey ${a}-${i}`, description: 'Throughput benchmark', topic: 'Location', keywords: ['bench'], uri: `https://bench.example/${a}/${i}`, license: { expression: 'CC-BY-4.0', url: null } },
        {
          bbox: { west: fixed(116.2 + a * 0.01), south: fixed(39.8 + i * 0.001), east: fixed(116.21 + a * 0.01), north: fixed(39.801 + i * 0.001) },
          crs: 4326, time: { start: Date.parse('2024-01-01T00:00:00Z'), end: null },
          format: 'application/geo+json', hashCode: 0xb220, digest: blake2AsHex(`${a}-${i}`, 256), size: 1024,
        },
        'ApprovalRequired', 'Internal',
      )));
    // Request + approve pairs: consumer a requests provider a's datasets, then
    // provider a approves them.
    const firstContract = (await api.query.access.nextContractId()).toNumber();
    const requests = await blast(api, perAccount(consumers, await nonces(api, consumers), (a, i) =>
      api.tx.access.requestAccess(firstDataset + a * PER_ACCOUNT + i, 'benchmark', 1000, null)));
    const byDataset = new Map();
    for (let id = firstContract; id < firstContract + ACCOUNTS * PER_ACCOUNT; id += 1) {
      const c = (await api.rpc.access.get(id)).toJSON();
      byDataset.set(c.dataset, id);
    }
    const approvals = await blast(api, perAccount(providers, await nonces(api, providers), (a, i) =>
      api.tx.access.approveRequest(byDataset.get(firstDataset + a * PER_ACCOUNT + i), null)));
    results.pairs = {
      count: requests.count + approvals.count,
      finalized: requests.finalized + approvals.finalized,
      included: requests.included + approvals.included,
      final: requests.final + approvals.final,
      blocks: [...requests.blocks, ...approvals.blocks],
    };

    const base = results.transfers.count / results.transfers.included;
    const baseFinal = results.transfers.count / results.transfers.final;
    console.log(`\n${ACCOUNTS} accounts × ${PER_ACCOUNT} transactions per workload, 3 s blocks\n`);
    console.log('workload               txs  included tx/s  finalized tx/s  ratio (incl.)  ratio (fin.)  max block fullness');
    for (const [name, r] of Object.entries(results)) {
      const inc = r.count / r.included;
      const fin = r.count / r.final;
      const full = await fullness(api, r.blocks);
      console.log(`${name.padEnd(20)} ${String(r.count).padStart(5)}  ${inc.toFixed(1).padStart(14)}  ${fin.toFixed(1).padStart(14)}  ${(inc / base).toFixed(2).padStart(13)}  ${(fin / baseFinal).toFixed(2).padStart(12)}  ${full.toFixed(1).padStart(17)} %`);
    }
    const granted = (await api.rpc.access.contracts({ provider: 0, state: 'approved', limit: 100 })).toJSON().items.length;
    console.log(`\nall included and finalized; approved contracts (first page): ${granted}; audit chain ok: ${(await api.rpc.audit.verify()).toJSON().ok}`);
  } finally {
    await api.disconnect();
    await node.stop();
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
