// The JS client's RPC definitions (clients/js/definitions.mjs) against a
// node: the custom methods it serves, and each method's parameters by name,
// order and optionality.
//
// jsonrpsee's generated servers take params as an array, read in the trait's
// order (missing trailing options are None, extra values are ignored), or as
// an object keyed by the trait's parameter names (unknown keys are ignored, a
// missing option is None, any other missing parameter is refused as
// "missing field `name`"). No parameter's type accepts `true`: wherever the
// node reads one, it refuses it, naming the type it expected.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { rpc as definitions } from '@citychain/api';
import { Keyring } from '@polkadot/keyring';
import { cryptoWaitReady } from '@polkadot/util-crypto';
import { startNode, httpRpc, connect, submit, finalizedAtLeast } from './lib/node.mjs';

/** A valid value of each parameter type the definitions use ('Json' by method below). */
const SAMPLES = { u32: 0, u64: 0, AccountId: '5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY', Text: 'anonymous' };
/** The methods whose 'Json' parameter needs more than `{}`. */
const JSON_SAMPLES = {
  datasets_extent: { owner: 0 },
  access_evaluate: { account: SAMPLES.AccountId, dataset: 0, purpose: 'planning', term: 100 },
  access_odrl: { dataset: 0, base: 'https://gateway.city.example' },
  audit_inclusionProof: { indices: [0] },
  audit_consistencyProof: { oldSize: 0 },
  audit_accessSearch: { bbox: [116, 39, 117, 41] },
};

const methods = Object.entries(definitions).flatMap(([section, defined]) =>
  Object.entries(defined).map(([name, { params }]) => ({ method: `${section}_${name}`, params })));

let node;
let url;

before(async () => {
  node = await startNode();
  url = node.endpoint.replace('ws', 'http');
  // An audit entry, finalized, for the proofs to be about.
  await cryptoWaitReady();
  const api = await connect(node.endpoint);
  const dave = new Keyring({ type: 'sr25519' }).addFromUri('//Dave');
  const { blockHash } = await submit(api, api.tx.audit.flag({ Department: 3 }, 'definitions'), dave);
  await finalizedAtLeast(api, (await api.rpc.chain.getHeader(blockHash)).number.toNumber());
  await api.disconnect();
  SAMPLES.BlockHash = (await answer('chain_getFinalizedHead', [])).result;
});

after(async () => {
  await node?.stop();
});

/** The node's JSON-RPC response body to one call. */
async function answer(method, params) {
  return (await httpRpc(url, method, params)).json();
}

function sample(method, { type }) {
  const value = type === 'Json' ? JSON_SAMPLES[method] ?? {} : SAMPLES[type];
  assert.notEqual(value, undefined, `no sample value of type ${type}: add one to SAMPLES`);
  return value;
}

/** Asserts that the call was answered, not refused. */
async function accepted(method, params, why) {
  const { error } = await answer(method, params);
  assert.equal(error, undefined, `${method}(${JSON.stringify(params)}) was refused, so ${why}: ${JSON.stringify(error)}`);
}

/** The refusal of a call: its `data`, after checking that it is an invalid-params one. */
async function refusal(method, params, why) {
  const { error } = await answer(method, params);
  assert.equal(error?.code, -32602, `${method}(${JSON.stringify(params)}) was not refused as invalid params, so ${why}`);
  return error.data;
}

/** The type the node expected where it was given `true`. */
async function expectedType(method, params, why) {
  const data = await refusal(method, params, why);
  const found = /^invalid type: boolean `true`, expected (.+) at line \d+ column \d+$/.exec(data);
  assert.ok(found, `${method}(${JSON.stringify(params)}): ${data}, so ${why}`);
  return found[1];
}

test('the JS client defines exactly the custom RPC methods the node serves', async () => {
  const { methods: served } = (await answer('rpc_methods', [])).result;
  const sections = Object.keys(definitions);
  const own = served.filter((m) => sections.includes(m.split('_')[0])).sort();
  assert.deepEqual(methods.map(({ method }) => method).sort(), own);
});

for (const { method, params } of methods) {
  test(`${method}: the definitions name the node's parameters, in its order, optional where it takes an option`, async () => {
    const values = params.map((p) => sample(method, p));
    const named = (which) => Object.fromEntries(params.flatMap((p, i) => (which(p) ? [[p.name, values[i]]] : [])));

    await accepted(method, named(() => true), 'a name the definitions give a required parameter is not the node\'s');
    await accepted(method, named((p) => !p.isOptional), 'a parameter the definitions call optional is required by the node');
    await accepted(method, values, 'the node takes its parameters in another order');
    await accepted(method, [...values, true], 'the node reads a parameter after the definitions\' last one');

    for (const [i, p] of params.entries()) {
      const byName = await expectedType(method, { ...named(() => true), [p.name]: true },
        `the node has no parameter named \`${p.name}\``);
      const byPosition = await expectedType(method, values.map((v, j) => (j === i ? true : v)),
        `the node has no parameter at position ${i}`);
      assert.equal(byPosition, byName, `${method}: the node's parameter at position ${i} is not \`${p.name}\``);
      if (!p.isOptional) {
        const data = await refusal(method, named((q) => q !== p), `\`${p.name}\` is optional on the node`);
        assert.ok(data.startsWith(`missing field \`${p.name}\``), `${method} without \`${p.name}\`: ${data}`);
      }
    }
  });
}
