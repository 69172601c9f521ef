// Sets up consumer departments for scripts/bench-data.sh on a dev node:
// registers COUNT departments by sudo (what governance does on a real
// chain), each with the admin account //BenchConsumer<i> (i from 1), in one
// batch, and returns once the block that holds them is finalized. Their
// officers then act with the `citychain` CLI as any department does.
//
//   node bench/departments.mjs ws://127.0.0.1:PORT COUNT
import { Keyring } from '@polkadot/keyring';
import { cryptoWaitReady } from '@polkadot/util-crypto';
import { connect, finalizedAtLeast, submit } from '../lib/node.mjs';

const [endpoint, count] = [process.argv[2], Number(process.argv[3])];
if (!endpoint || !(count > 0)) {
  console.error('usage: node bench/departments.mjs WS_ENDPOINT COUNT');
  process.exit(2);
}
await cryptoWaitReady();
const keyring = new Keyring({ type: 'sr25519' });
const alice = keyring.addFromUri('//Alice');
const api = await connect(endpoint);
try {
  const calls = [...Array(count)].map((_, i) => api.tx.departments.registerDepartment(
    `Bench consumer ${i + 1}`, 'Other', keyring.addFromUri(`//BenchConsumer${i + 1}`).address, '',
  ));
  const { blockHash, events } = await submit(api, api.tx.sudo.sudo(api.tx.utility.batchAll(calls)), alice);
  const sudid = events.find((e) => api.events.sudo.Sudid.is(e));
  if (!sudid || sudid.data[0].isErr) throw new Error(`registering the departments failed: ${sudid?.data[0]}`);
  const { number } = await api.rpc.chain.getHeader(blockHash);
  await finalizedAtLeast(api, number.toNumber());
} finally {
  await api.disconnect();
}
