// Throughput against a freshly started dev node: how many sharing steps the
// chain includes per second, against transfers measured in the same run.
//
// Every transaction is signed before its workload starts (mortal, explicit
// nonces, from up to 250 member accounts per side) and sent with plain
// `author_submitExtrinsic` over one connection: no subscription per
// transaction. Blocks are followed as they arrive; each workload is sized
// to fill at least BLOCKS blocks (from its calls' weights and the block's
// limit). Workloads:
//
//   transfers     Balances.transfer_keep_alive (the baseline)
//   register      Datasets.register_dataset
//   request       Access.request_access (ApprovalRequired datasets)
//   approve       Access.approve_request
//   confirm       Access.confirm_receipt (the fetched file's digest)
//   mix           the four steps at once, registrations and approvals in
//                 Utility.batch_all of BATCH calls, as a department batches
//
// Prints, per workload: calls, transactions, blocks, calls included per
// second and finalized per second, the ratio to transfers, the mean and
// fullest block (share of the normal-class weight limit), the longest time
// the node took to author one of its blocks (its log), and the time the
// runtime takes to execute the fullest block again as an importing node
// does (`Core_execute_block` at its parent, the seal taken off, best of 3;
// without the database commit), and what a second node spends importing
// the workload's blocks (`substrate_block_verification_and_import_time`:
// its total over the blocks that hold the workload's calls, an upper bound
// of their mean since the empty blocks between count too, and the
// histogram's bucket that holds the slowest). The second node (//Bob's
// development node, authorized by sudo) is stopped while a workload runs,
// so that it takes no CPU from the author, and syncs the workload's blocks
// after it; its first import after a start, which compiles the runtime, is
// left out.
//
//   CITYCHAIN_NODE=<binary> node e2e/bench/throughput.mjs [blocks (10)] [batch (16)]
import { Keyring } from '@polkadot/keyring';
import { WsProvider } from '@polkadot/api';
import { createHash } from 'node:crypto';
import { base58Encode, blake2AsHex, cryptoWaitReady, ed25519PairFromSeed } from '@polkadot/util-crypto';
import { hexToU8a, u8aConcat, u8aToHex } from '@polkadot/util';
import { startNode, connect, httpRpc } from '../lib/node.mjs';

const BLOCKS = Number(process.argv[2] ?? 10);
const BATCH = Number(process.argv[3] ?? 16);
// Below the runtime's limit of 256 waiting transactions per sender.
const PER_ACCOUNT = 240;
const MAX_ACCOUNTS = 250;
const fixed = (degrees) => Math.round(degrees * 10_000_000);
// Every benchmark dataset has this content, so a receipt needs no lookup:
// ids are given in the order blocks include the transactions, not sent.
const DIGEST = blake2AsHex('citychain throughput benchmark', 256);

/**
 * A development node of the chain specs: its node key `sha256(name)` (the
 * convention zombienet uses) and its libp2p peer id, an identity multihash
 * of the protobuf-encoded Ed25519 public key (hex and base58).
 */
function devNode(name) {
  const key = createHash('sha256').update(name).digest();
  const peer = u8aConcat([0x00, 0x24, 0x08, 0x01, 0x12, 0x20], ed25519PairFromSeed(key).publicKey);
  return { key: key.toString('hex'), peer: u8aToHex(peer), id: base58Encode(peer) };
}

/** The best block number of the node at `endpoint` (ws://), over HTTP. */
async function bestNumber(endpoint) {
  const res = await httpRpc(endpoint.replace('ws://', 'http://'), 'chain_getHeader');
  return parseInt((await res.json()).result.number, 16);
}

/** The follower's Prometheus histogram of block imports since it started: count, sum (s), buckets. */
async function importHistogram(metrics) {
  const text = await (await fetch(metrics)).text();
  const name = 'substrate_block_verification_and_import_time';
  const value = (suffix) => Number(new RegExp(`^${name}_${suffix}(?:\\{[^}]*\\})? (\\S+)$`, 'm').exec(text)?.[1] ?? NaN);
  const count = value('count');
  const buckets = [...text.matchAll(new RegExp(`^${name}_bucket\\{[^}]*le="([^"]+)"[^}]*\\} (\\S+)$`, 'gm'))]
    .map(([, le, n]) => [le === '+Inf' ? Infinity : Number(le), Number(n)]);
  return { count, sum: value('sum'), buckets };
}

/**
 * Stops the follower during `run`, then lets it sync to the workload's last
 * block; what it spent importing the blocks after its first import: how
 * many, the total per block that holds calls (ms), and the upper bound (ms)
 * of the histogram bucket that holds the slowest.
 */
async function followed(follower, run) {
  let result;
  await follower.restart(async () => { result = await run(); });
  const before = await until('the follower to import a block', 20, async () => {
    const histogram = await importHistogram(follower.metrics);
    return histogram.count >= 1 ? histogram : undefined;
  });
  // Read after the histogram: a block imported in between counts in the
  // total but not as a block, so the figure errs high.
  const from = await bestNumber(follower.endpoint);
  await synced(follower, result.numbers.at(-1));
  const after = await importHistogram(follower.metrics);
  const count = after.count - before.count;
  const slowest = after.buckets
    .filter(([le, n]) => n - (before.buckets.find(([l]) => l === le)?.[1] ?? 0) >= count)
    .reduce((a, [le]) => Math.min(a, le), Infinity);
  const full = result.numbers.filter((n) => n > from).length;
  const perFullMs = ((after.sum - before.sum) / full) * 1000;
  return { ...result, imported: { count, perFullMs, slowestMs: slowest * 1000 } };
}

/** Polls `check` every `ms` until it answers, for at most ten minutes. */
async function until(what, ms, check) {
  const deadline = Date.now() + 600_000;
  for (;;) {
    const answer = await check();
    if (answer !== undefined) return answer;
    if (Date.now() > deadline) throw new Error(`gave up waiting for ${what}`);
    await new Promise((r) => setTimeout(r, ms));
  }
}

/** Resolves once `node`'s best block is `number` or later. */
function synced(node, number) {
  return until(`#${number} on ${node.endpoint}`, 500, async () => ((await bestNumber(node.endpoint)) >= number ? true : undefined));
}

/** Milliseconds the runtime takes to execute block `hash` again at its parent (best of 3). */
async function executeTime(api, raw, hash) {
  const { block } = await raw.send('chain_getBlock', [hash]);
  const header = api.createType('Header', block.header);
  // An importing node executes the block without the author's seal.
  const logs = header.digest.logs.filter((log) => !log.isSeal);
  const unsealed = api.createType('Block', {
    header: { ...header.toJSON(), digest: { logs: logs.map((l) => l.toHex()) } },
    extrinsics: block.extrinsics,
  });
  let best = Infinity;
  for (let i = 0; i < 3; i += 1) {
    const started = performance.now();
    await raw.send('state_call', ['Core_execute_block', unsealed.toHex(), header.parentHash.toHex()]);
    best = Math.min(best, performance.now() - started);
  }
  return best;
}

/** Follows best and finalized blocks: which of our transactions each included, and when. */
class Tracker {
  constructor(api, raw) {
    this.api = api;
    this.raw = raw;
    this.waiting = new Map(); // extrinsic hash -> calls it carries
    this.blocks = []; // { number, hash, at, ours, calls }
    this.finalized = 0;
    this.finalizedAt = new Map(); // block number -> time it was seen finalized
    this.queue = Promise.resolve();
  }

  async start() {
    await this.api.rpc.chain.subscribeNewHeads((header) => {
      const at = Date.now();
      const number = header.number.toNumber();
      const hash = header.hash.toHex();
      this.queue = this.queue.then(() => this.block(number, hash, at));
    });
    await this.api.rpc.chain.subscribeFinalizedHeads((header) => {
      this.finalized = header.number.toNumber();
      this.finalizedAt.set(this.finalized, Date.now());
    });
  }

  async block(number, hash, at) {
    const { block } = await this.raw.send('chain_getBlock', [hash]);
    let ours = 0;
    let calls = 0;
    for (const xt of block.extrinsics) {
      const h = blake2AsHex(hexToU8a(xt), 256);
      const n = this.waiting.get(h);
      if (n !== undefined) {
        this.waiting.delete(h);
        ours += 1;
        calls += n;
      }
    }
    if (ours > 0) this.blocks.push({ number, hash, at, ours, calls });
  }

  /** Resolves when none of `hashes` is waiting any more and the last block including one is finalized. */
  async settle(timeoutMs) {
    const deadline = Date.now() + timeoutMs;
    while (this.waiting.size > 0 || this.blocks.length === 0
      || this.finalized < this.blocks[this.blocks.length - 1].number) {
      if (Date.now() > deadline) throw new Error(`${this.waiting.size} transactions were never included`);
      await new Promise((r) => setTimeout(r, 100));
    }
    await this.queue;
  }

  /** The time the first finalized head at or above `number` was seen. */
  finalizedTime(number) {
    let best = Infinity;
    for (const [n, t] of this.finalizedAt) if (n >= number && t < best) best = t;
    return best;
  }
}

/** Signs `calls` ([tx, pair, callCount]) for the current head with explicit nonces; returns [hex, hash, calls]. */
async function signAll(api, items) {
  const head = await api.rpc.chain.getHeader();
  const blockHash = head.hash;
  const era = api.registry.createType('ExtrinsicEra', { current: head.number.toNumber(), period: 256 });
  const nonces = new Map();
  const signed = [];
  for (const [tx, pair, calls] of items) {
    // Signing is synchronous: the event loop must still answer the node's
    // WebSocket pings, or the node closes the connections (after 3 missed,
    // about 90 s; signing 45 000 transactions takes longer).
    if (signed.length % 1000 === 999) await new Promise((r) => setImmediate(r));
    if (!nonces.has(pair.address)) nonces.set(pair.address, (await api.rpc.system.accountNextIndex(pair.address)).toNumber());
    const nonce = nonces.get(pair.address);
    nonces.set(pair.address, nonce + 1);
    tx.sign(pair, {
      blockHash, era, nonce, genesisHash: api.genesisHash, runtimeVersion: api.runtimeVersion,
      signedExtensions: api.registry.signedExtensions,
    });
    signed.push([tx.toHex(), tx.hash.toHex(), calls]);
  }
  return signed;
}

/** Sends every signed transaction, `window` at a time; the pool's refusals fail the run. */
async function sendAll(raw, signed, window = 256) {
  let next = 0;
  const worker = async () => {
    while (next < signed.length) {
      const [hex] = signed[next];
      next += 1;
      await raw.send('author_submitExtrinsic', [hex]);
    }
  };
  await Promise.all([...Array(window)].map(worker));
}

/** Runs one workload: signs `items`, sends them, waits until all are finalized; its figures. */
async function workload(ctx, name, items) {
  const { api, raw, tracker } = ctx;
  const signed = await signAll(api, items);
  tracker.blocks = [];
  for (const [, hash, calls] of signed) tracker.waiting.set(hash, calls);
  const started = Date.now();
  await sendAll(raw, signed);
  const sent = Date.now();
  await tracker.settle(600_000);
  const blocks = tracker.blocks;
  const last = blocks[blocks.length - 1];
  const calls = signed.reduce((n, [, , c]) => n + c, 0);
  const failed = await failures(api, blocks);
  if (failed.length) throw new Error(`${name}: ${failed.length} calls failed, e.g. ${failed[0]}`);
  const full = await fullness(api, blocks);
  const fullest = blocks[full.indexOf(Math.max(...full))];
  return {
    name,
    calls,
    transactions: signed.length,
    blocks: blocks.length,
    sendSeconds: (sent - started) / 1000,
    included: calls / ((last.at - started) / 1000),
    finalized: calls / ((tracker.finalizedTime(last.number) - started) / 1000),
    meanFull: full.reduce((a, b) => a + b, 0) / full.length,
    maxFull: Math.max(...full),
    authoring: Math.max(...blocks.map((b) => ctx.authoring.get(b.number) ?? 0)),
    executeMs: await executeTime(api, raw, fullest.hash),
    perBlock: Math.max(...blocks.map((b) => b.calls)),
    numbers: blocks.map((b) => b.number),
  };
}

/** The dispatch errors in `blocks` (every call here should succeed). */
async function failures(api, blocks) {
  const out = [];
  for (const { hash } of blocks) {
    const events = await (await api.at(hash)).query.system.events();
    for (const { event } of events) {
      if (api.events.system.ExtrinsicFailed.is(event)) out.push(event.data.dispatchError.toString());
      if (api.events.utility.BatchInterrupted.is(event)) out.push(event.data.error.toString());
    }
  }
  return out;
}

/** Each block's share of the normal-class weight limit, in %. */
async function fullness(api, blocks) {
  const limit = api.consts.system.blockWeights.perClass.normal.maxTotal.unwrap().refTime.toBigInt();
  const out = [];
  for (const { hash } of blocks) {
    const used = (await (await api.at(hash)).query.system.blockWeight()).normal.refTime.toBigInt();
    out.push(Number((used * 10_000n) / limit) / 100);
  }
  return out;
}

/** The normal class's room in one block, and what one transaction of `tx` takes of it. */
async function cost(api, tx, signer) {
  const info = await tx.paymentInfo(signer);
  const weights = api.consts.system.blockWeights;
  const normal = weights.perClass.normal;
  const room = normal.maxTotal.unwrap().refTime.toBigInt() - weights.baseBlock.refTime.toBigInt();
  return { room, each: info.weight.refTime.toBigInt() + normal.baseExtrinsic.refTime.toBigInt() };
}

/** How many transactions of `tx` fit the normal class of one block, by weight and by length. */
async function perBlock(api, tx, signer) {
  const { room, each } = await cost(api, tx, signer);
  const length = api.consts.system.blockLength.max.normal.toNumber();
  return Math.min(Number(room / each), Math.floor(length / (tx.encodedLength + 100)));
}

/** Spreads `count` transactions over `signers`, at most PER_ACCOUNT each. */
function assign(signers, count) {
  if (count > signers.length * PER_ACCOUNT) throw new Error(`${count} transactions need more than ${signers.length} accounts`);
  return (i) => signers[i % signers.length];
}

function registration(api, a, i) {
  return api.tx.datasets.registerDataset(
    { title: `Survey ${a}-${i}`, description: 'Throughput benchmark', topic: 'Location', keywords: ['bench'], uri: `https://bench.example/${a}/${i}`, license: { expression: 'CC-BY-4.0', url: null } },
    {
      bbox: { west: fixed(116.2 + (a % 100) * 0.01), south: fixed(39.8 + (i % 100) * 0.001), east: fixed(116.21 + (a % 100) * 0.01), north: fixed(39.801 + (i % 100) * 0.001) },
      crs: 4326, time: { start: Date.parse('2024-01-01T00:00:00Z'), end: null },
      format: 'application/geo+json', hashCode: 0xb220, digest: DIGEST, size: 1024,
    },
    'ApprovalRequired', 'Internal',
  );
}

async function main() {
  await cryptoWaitReady();
  const keyring = new Keyring({ type: 'sr25519' });
  const [alice, bob] = ['//Alice', '//Bob'].map((u) => keyring.addFromUri(u));
  const authoring = new Map();
  const [aliceNode, bobNode] = [devNode('alice'), devNode('bob')];
  const node = await startNode({
    extraArgs: [`--node-key=${aliceNode.key}`, '--pool-limit=200000', '--pool-kbytes=1000000', '--rpc-max-request-size=64', '--rpc-max-response-size=512'],
    onLog: (text) => {
      for (const m of text.matchAll(/Prepared block for proposing at (\d+) \((\d+) ms\)/g)) authoring.set(Number(m[1]), Number(m[2]));
    },
  });
  const api = await connect(node.endpoint);
  const raw = new WsProvider(node.endpoint);
  await raw.isReady;
  const tracker = new Tracker(api, raw);
  await tracker.start();
  const ctx = { api, raw, tracker, authoring };
  let follower;
  try {
    // Capacity of one block for each call, from the runtime's weights.
    const probe = registration(api, 0, 0);
    const caps = {
      transfers: await perBlock(api, api.tx.balances.transferKeepAlive(bob.address, 1n), alice),
      register: await perBlock(api, probe, alice),
      request: await perBlock(api, api.tx.access.requestAccess(0, 'benchmark', 1000, null), bob),
      approve: await perBlock(api, api.tx.access.approveRequest(0, null), alice),
      confirm: await perBlock(api, api.tx.access.confirmReceipt(0, 0xb220, DIGEST), bob),
    };
    const size = (cap) => cap * (BLOCKS + 1);
    // The mix: each dataset goes one step further; K of each step, in
    // rounds of a batch of BATCH registrations, a batch of BATCH approvals,
    // BATCH requests and BATCH receipts.
    const batchOf = (tx) => api.tx.utility.batchAll([...Array(BATCH)].map(() => tx));
    const round = await Promise.all([
      [batchOf(probe), alice, 1n],
      [batchOf(api.tx.access.approveRequest(0, null)), alice, 1n],
      [api.tx.access.requestAccess(0, 'benchmark', 1000, null), bob, BigInt(BATCH)],
      [api.tx.access.confirmReceipt(0, 0xb220, DIGEST), bob, BigInt(BATCH)],
    ].map(async ([tx, signer, times]) => ({ ...(await cost(api, tx, signer)), times })));
    const roundWeight = round.reduce((sum, r) => sum + r.each * r.times, 0n);
    caps.mix = Number((round[0].room * BigInt(4 * BATCH)) / roundWeight);
    const mixEach = Math.ceil(size(caps.mix) / 4);
    const registered = Math.max(size(caps.register), size(caps.request) + mixEach, size(caps.approve) + 2 * mixEach, size(caps.confirm) + 3 * mixEach);
    const most = Math.max(size(caps.transfers), registered);
    const accounts = Math.min(MAX_ACCOUNTS, Math.ceil(most / PER_ACCOUNT));
    console.log(`capacity per block: ${JSON.stringify(caps)}; ${registered} datasets, ${accounts} accounts per side`);

    // Members in department 0 (publishers, approvers) and 1 (requesters), and
    // allowances a bulk load needs (governance would grant them).
    const providers = [...Array(accounts)].map((_, i) => keyring.addFromUri(`//Provider${i}`));
    const consumers = [...Array(accounts)].map((_, i) => keyring.addFromUri(`//Consumer${i}`));
    const roles = { admin: false, publisher: true, approver: true, auditor: false };
    const big = { transactions: 4_000_000_000, bytes: 4_000_000_000 };
    const setup = [
      [api.tx.sudo.sudo(api.tx.utility.batchAll([
        ...[0, 1].map((d) => api.tx.departments.setAllowance(d, big)),
        // The follower: the author's node (Alice's, a well-known node of the
        // development chain) then accepts it.
        api.tx.nodeAuthorization.addWellKnownNode(bobNode.peer, bob.address),
      ])), alice, 3],
    ];
    for (let i = 0; i < accounts; i += 50) {
      setup.push([api.tx.utility.batchAll(providers.slice(i, i + 50).map((p) => api.tx.departments.addMember(p.address, roles))), alice, 50]);
      setup.push([api.tx.utility.batchAll(consumers.slice(i, i + 50).map((c) => api.tx.departments.addMember(c.address, roles))), bob, 50]);
      // Funds for the baseline's transfers.
      setup.push([api.tx.utility.batchAll(providers.slice(i, i + 50).map((p) => api.tx.balances.transferKeepAlive(p.address, 10n ** 12n))), alice, 50]);
    }
    await workload(ctx, 'setup', setup);
    follower = await startNode({
      authoring: false,
      extraArgs: [`--node-key=${bobNode.key}`, `--bootnodes=/ip4/127.0.0.1/tcp/${node.p2pPort}/p2p/${aliceNode.id}`],
    });
    // Connected, and synced to the set-up, before the first workload.
    await synced(follower, await bestNumber(node.endpoint));

    const results = [];
    const run = async (name, items) => {
      const r = await followed(follower, () => workload(ctx, name, items));
      results.push(r);
      console.log(`${name}: ${r.calls} calls in ${r.blocks} blocks (sent in ${r.sendSeconds.toFixed(1)} s)`);
      return r;
    };
    const from = (signers, count, make) => {
      const who = assign(signers, count);
      return [...Array(count)].map((_, i) => [make(i), who(i), 1]);
    };
    const transfers = size(caps.transfers);
    await run('transfers', from(providers, transfers, () => api.tx.balances.transferKeepAlive(alice.address, 1n)));

    // Datasets firstDataset.., all ApprovalRequired, owned by department 0.
    const firstDataset = (await api.query.datasets.nextDatasetId()).toNumber();
    const who = assign(providers, registered);
    await run('register', [...Array(registered)].map((_, i) => [registration(api, i % accounts, i), who(i), 1]));
    const dataset = (i) => firstDataset + i;

    // Requests for datasets mixEach..registered; the first mixEach are left for the mix.
    const firstContract = (await api.query.access.nextContractId()).toNumber();
    const requested = registered - mixEach;
    await run('request', from(consumers, requested, (i) => api.tx.access.requestAccess(dataset(mixEach + i), 'benchmark', 100_000, null)));
    // Contracts firstContract.. in inclusion order, all requested.
    const contract = (i) => firstContract + i;

    // Approvals by the owner's approvers (any member of department 0 with the role).
    const approved = requested - mixEach;
    await run('approve', from(providers, approved, (i) => api.tx.access.approveRequest(contract(mixEach + i), null)));

    // Receipts: the consumer department's members confirm with the registered digest.
    const confirmed = approved - mixEach;
    await run('confirm', from(consumers, confirmed, (i) => api.tx.access.confirmReceipt(contract(2 * mixEach + i), 0xb220, DIGEST)));

    // The mix: K new registrations and K approvals in batches, K requests and K receipts.
    const mix = [];
    const batched = (count, make, signers) => {
      const each = assign(signers, Math.ceil(count / BATCH));
      for (let b = 0; b * BATCH < count; b += 1) {
        const calls = [...Array(Math.min(BATCH, count - b * BATCH))].map((_, j) => make(b * BATCH + j));
        mix.push([api.tx.utility.batchAll(calls), each(b), calls.length]);
      }
    };
    batched(mixEach, (i) => registration(api, i % accounts, registered + i), providers);
    batched(mixEach, (i) => api.tx.access.approveRequest(contract(i), null), providers);
    mix.push(...from(consumers, mixEach, (i) => api.tx.access.requestAccess(dataset(i), 'benchmark', 100_000, null)));
    mix.push(...from(consumers, mixEach, (i) => api.tx.access.confirmReceipt(contract(mixEach + i), 0xb220, DIGEST)));
    // Interleaved, as departments would send them.
    mix.sort((x, y) => (x[1].address < y[1].address ? -1 : 1));
    await run('mix', mix);

    const base = results.find((r) => r.name === 'transfers');
    console.log(`\nat least ${BLOCKS} full blocks per workload; batches of ${BATCH} in the mix; 3 s blocks\n`);
    console.log('workload     calls    txs  blocks  calls/s incl.  calls/s fin.  ratio incl.  ratio fin.  mean full  max full  max calls/block  max authoring  execute fullest  imports  import per full block  import slowest');
    for (const r of results) {
      console.log(`${r.name.padEnd(10)} ${String(r.calls).padStart(7)} ${String(r.transactions).padStart(6)} ${String(r.blocks).padStart(7)}  ${r.included.toFixed(1).padStart(13)}  ${r.finalized.toFixed(1).padStart(12)}  ${(r.included / base.included).toFixed(2).padStart(11)}  ${(r.finalized / base.finalized).toFixed(2).padStart(10)}  ${r.meanFull.toFixed(1).padStart(8)} %  ${r.maxFull.toFixed(1).padStart(6)} %  ${String(r.perBlock).padStart(15)}  ${String(r.authoring).padStart(10)} ms  ${r.executeMs.toFixed(0).padStart(12)} ms  ${String(r.imported.count).padStart(7)}  ${`≤ ${r.imported.perFullMs.toFixed(0)}`.padStart(17)} ms  ${`≤ ${r.imported.slowestMs}`.padStart(11)} ms`);
    }
    // The node verifies at most 100 000 entries per call: the chain in spans.
    const entries = (await api.query.audit.count()).toNumber();
    let ok = true;
    for (let from = 0; from < entries; from += 100_000) {
      const to = Math.min(entries, from + 100_000) - 1;
      ok = ok && (await api.rpc.audit.verify({ from, to })).toJSON().ok;
    }
    console.log(`\nevery call succeeded; audit chain of ${entries} entries ok: ${ok}`);
  } catch (e) {
    // Said before the nodes stop: the connections' errors then would hide it.
    console.error(e);
    process.exitCode = 1;
  } finally {
    await raw.disconnect();
    await api.disconnect();
    await follower?.stop();
    await node.stop();
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
