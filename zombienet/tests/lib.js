// Helpers for the js-scripts of the zombienet tests. zombienet `require`s each
// script and calls its `run(nodeName, networkInfo, args)`; the value it
// returns is compared in the .zndsl line. Scripts poll for what they wait for
// and throw on anything wrong.
//
// @polkadot/* and @citychain/api are loaded as ES modules, once, so that one
// copy of each serves every script.
let modules;

/** @polkadot/api, @polkadot/util-crypto and @citychain/api, loaded. */
async function polkadot() {
  if (!modules) {
    const [api, crypto, citychain] = await Promise.all([
      import('@polkadot/api'), import('@polkadot/util-crypto'), import('@citychain/api'),
    ]);
    await crypto.cryptoWaitReady();
    modules = { ...api, ...crypto, ...citychain };
  }
  return modules;
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Seconds since `start` (a Date.now() value), one decimal. */
const since = (start) => Math.round((Date.now() - start) / 100) / 10;

/** An API connected to `wsUri` with CityChain's RPC and extension definitions. */
async function connect(wsUri) {
  const { ApiPromise, WsProvider, rpc, signedExtensions } = await polkadot();
  return ApiPromise.create({
    provider: new WsProvider(wsUri, 1000),
    rpc,
    signedExtensions,
    noInitWarn: true,
    throwOnConnect: true,
  });
}

/** Connects to every node of the network, by name. */
async function connectAll(networkInfo) {
  const apis = {};
  for (const [name, node] of Object.entries(networkInfo.nodesByName)) {
    apis[name] = await connect(node.wsUri);
  }
  return apis;
}

async function disconnectAll(apis) {
  await Promise.all(Object.values(apis).map((api) => api.disconnect()));
}

/** The development account of a name ('Alice', ...); after a `connect`. */
function account(name) {
  if (!modules) throw new Error('connect before using accounts');
  return new modules.Keyring({ type: 'sr25519' }).addFromUri(`//${name}`);
}

/** Signs and sends `tx`; resolves with its events once in a block, rejects on a dispatch error. */
async function send(api, tx, signer) {
  return (await included(api, tx, signer)).events;
}

/** Signs and sends `tx`; resolves with its events and the number of the block that includes it. */
async function included(api, tx, signer) {
  const { blockHash, events } = await modules.submit(api, tx, signer);
  const { number } = await api.rpc.chain.getHeader(blockHash);
  return { events, number: number.toNumber() };
}

/** The four delegates whose votes are a 2/3 majority of the five. */
const MAJORITY = ['Alice', 'Bob', 'Charlie', 'Dave'];

/**
 * Passes `call` by council motion: the first of `voters` (by default the
 * MAJORITY, Alice first) proposes, they all vote aye, the proposer closes and
 * takes its proposal slot back. Throws unless the motion executed and the
 * call succeeded.
 */
async function passMotion(api, call, voters = MAJORITY) {
  const [proposer, ...others] = voters.map(account);
  const length = call.method.encodedLength;
  const proposed = (await send(api, api.tx.council.propose(voters.length, call, length), proposer))
    .find((e) => api.events.council.Proposed.is(e));
  const { proposalIndex, proposalHash } = proposed.data;
  await Promise.all([proposer, ...others].map(
    (voter) => send(api, api.tx.council.vote(proposalHash, proposalIndex, true), voter),
  ));
  const { weight } = await call.paymentInfo(proposer.address);
  const closed = await send(api, api.tx.council.close(proposalHash, proposalIndex, weight, length), proposer);
  await send(api, api.tx.council.releaseProposalCost(proposalHash), proposer);
  const executed = closed.find((e) => api.events.council.Executed.is(e));
  if (!executed) throw new Error('the motion did not execute');
  const result = executed.data.result;
  if (result.isErr) {
    const err = result.asErr;
    const meta = err.isModule ? api.registry.findMetaError(err.asModule) : null;
    throw new Error(`the motion's call failed: ${meta ? `${meta.section}.${meta.name}` : err.toString()}`);
  }
  // Governance dispatches return their inner result in an event.
  const inner = closed.find((e) => api.events.governance?.DispatchedAsRoot?.is(e));
  if (inner && inner.data.result.isErr) throw new Error(`dispatch_as_root failed: ${inner.data.result.toString()}`);
  return closed;
}

async function bestNumber(api) {
  return (await api.rpc.chain.getHeader()).number.toNumber();
}

async function finalizedNumber(api) {
  const hash = await api.rpc.chain.getFinalizedHead();
  return (await api.rpc.chain.getHeader(hash)).number.toNumber();
}

/** Polls `probe` every `everyMs` until it returns a truthy value; throws after `timeoutMs`. */
async function waitFor(what, probe, timeoutMs, everyMs = 1000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(everyMs);
  }
}

/** Prints a measurement so that it lands in the test log. */
function report(script, text) {
  console.log(`      [${script}] ${text}`);
}

module.exports = {
  MAJORITY,
  account,
  bestNumber,
  connect,
  connectAll,
  disconnectAll,
  finalizedNumber,
  included,
  passMotion,
  polkadot,
  report,
  send,
  since,
  sleep,
  waitFor,
};
