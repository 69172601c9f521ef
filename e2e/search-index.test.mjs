// The node's search index through its life: built at first start, caught up
// after a restart, rebuilt from state when its file is missing or corrupt,
// switched off by `--search-index off`, and removed by `purge-chain`.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Keyring } from '@polkadot/keyring';
import { blake2AsHex, cryptoWaitReady } from '@polkadot/util-crypto';
import { startNode, connect, submit, finalizedAtLeast } from './lib/node.mjs';

const DEG = 10_000_000;
const TITLES = ['Street trees', 'Street lights', 'Street works'];

let node;
let api;
let file;

const count = (text) => node.log().split(text).length - 1;

async function titles() {
  const page = (await api.rpc.datasets.search({ text: 'street', limit: 10 })).toJSON();
  return page.items.map((d) => d.title);
}

/** Restarts the node with `whileDown` run while it is stopped, and reconnects. */
async function restart(whileDown) {
  await api.disconnect();
  await node.restart(whileDown);
  api = await connect(node.endpoint);
}

before(async () => {
  await cryptoWaitReady();
  const alice = new Keyring({ type: 'sr25519' }).addFromUri('//Alice');
  node = await startNode();
  api = await connect(node.endpoint);
  file = join(node.basePath, 'chains', 'citychain_dev', 'search-index.sqlite');
  let last;
  for (const [i, title] of TITLES.entries()) {
    last = await submit(api, api.tx.datasets.registerDataset(
      { title, description: `${title} of the city`, topic: 'Structure', keywords: ['street'], uri: `https://data.city.example/${i}`, license: { expression: 'CC-BY-4.0', url: null } },
      {
        bbox: { west: 116.3 * DEG, south: 39.9 * DEG, east: 116.4 * DEG, north: 40.0 * DEG },
        crs: 4326, time: { start: Date.parse('2025-01-01T00:00:00Z'), end: null },
        format: 'text/csv', hashCode: 0xb220, digest: blake2AsHex(title, 256), size: 100 + i,
      },
      'Open', 'Public',
    ), alice);
  }
  const { number } = await api.rpc.chain.getHeader(last.blockHash);
  await finalizedAtLeast(api, number.toNumber());
});

after(async () => {
  await api?.disconnect();
  await node?.stop();
});

test('the index is built at first start and follows finality', async () => {
  assert.ok(existsSync(file), file);
  assert.equal(count('Search index rebuilt: 0 datasets and 0 contracts at #0'), 1, node.log());
  assert.deepEqual(await titles(), TITLES);
});

test('after a restart the index catches up from where it stopped, without a rebuild', async () => {
  await restart();
  assert.deepEqual(await titles(), TITLES);
  assert.equal(count('Rebuilding the search index'), 1, 'only the first start built it');
});

test('a missing or corrupt index is rebuilt from the records in state', async () => {
  await restart(async () => rmSync(file));
  assert.deepEqual(await titles(), TITLES);
  assert.equal(count('Search index rebuilt: 3 datasets'), 1, node.log());
  await restart(async () => {
    for (const f of [file, `${file}-wal`, `${file}-shm`]) rmSync(f, { force: true });
    writeFileSync(file, 'this is not a database '.repeat(400));
    // What a rebuild that crashed half-way leaves beside the index.
    writeFileSync(`${file}.rebuild`, 'half a rebuild '.repeat(400));
  });
  assert.deepEqual(await titles(), TITLES);
  assert.equal(count('Search index rebuilt: 3 datasets'), 2, node.log());
  assert.ok(!existsSync(`${file}.rebuild`), 'the rebuild took the index\'s place');
});

test('with --search-index off the search RPC says so, and reads still work', async () => {
  const off = await startNode({ extraArgs: ['--search-index', 'off'] });
  const offApi = await connect(off.endpoint);
  try {
    await assert.rejects(offApi.rpc.datasets.search({}), /runs without a search index \(--search-index off\)/);
    await assert.rejects(offApi.rpc.datasets.stacSearch({}), /runs without a search index/);
    assert.ok((await offApi.rpc.datasets.get(0)).isEmpty);
    assert.ok(!existsSync(join(off.basePath, 'chains', 'citychain_dev', 'search-index.sqlite')));
  } finally {
    await offApi.disconnect();
    await off.stop();
  }
});

test('purge-chain removes the index with the database', async () => {
  await api.disconnect();
  await node.restart(async () => {
    writeFileSync(`${file}.rebuild`, 'half a rebuild');
    execFileSync(process.env.CITYCHAIN_NODE, ['purge-chain', '--dev', `--base-path=${node.basePath}`, '-y'], { stdio: 'pipe' });
    assert.ok(!existsSync(file), 'the index is gone');
    assert.ok(!existsSync(`${file}.rebuild`), 'and so is what a rebuild left');
  });
  api = await connect(node.endpoint);
  // A new chain from genesis: a new, empty index.
  assert.deepEqual(await titles(), []);
});
