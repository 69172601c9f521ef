// The JavaScript side of verified streaming (@citychain/api/bao.mjs, which
// the portal checks BLAKE3 downloads with): its BLAKE3 is the reference's
// (the root of whole files of every shape against @noble/hashes), and it
// proves the gateway's `GET /data/{id}/verified` streams group by group —
// from the start and from a later group, for files of one group, one byte
// more, and a few MiB — and refuses a tampered group at its offset with
// the groups before it proven, and a stream cut short.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Keyring } from '@polkadot/keyring';
import { cryptoWaitReady } from '@polkadot/util-crypto';
import { blake3 } from '@noble/hashes/blake3';
import { GROUP, GroupVerifier, VerifyError, hashBytes, subtree } from '@citychain/api/bao.mjs';
import { startNode, connect, finalizedAtLeast } from './lib/node.mjs';
import { authorization, cliOk, startGateway } from './lib/gateway.mjs';

/** Files of one group, one group and a byte, and a few MiB with a partial last group. */
const SIZES = [GROUP, GROUP + 1, 3 * 1024 * 1024 + 12_345];

let node;
let api;
let gateway;
let dir;
let store;
let alice;
const files = [];

before(async () => {
  await cryptoWaitReady();
  alice = new Keyring({ type: 'sr25519' }).addFromUri('//Alice');
  dir = mkdtempSync(join(tmpdir(), 'citychain-bao-'));
  store = join(dir, 'store');
  node = await startNode();
  api = await connect(node.endpoint);
  gateway = await startGateway({ endpoint: node.endpoint, dataDir: store });
  for (const size of SIZES) {
    const path = join(dir, `tiles-${size}.bin`);
    writeFileSync(path, randomBytes(size));
    const id = Number(await cliOk(node.endpoint, ['register', path, '--title', `Tiles of ${size} bytes`, '--topic', 'elevation',
      '--license', 'CC-BY-4.0', '--uri', `${gateway.url}/data`, '--bbox', '116.3,39.8,116.5,40.0', '--start', '2024-01-01',
      '--hash', 'blake3', '--store', store], { suri: '//Alice' }));
    files.push({ id, size, path, root: Buffer.from(blake3(readFileSync(path))) });
  }
  await finalizedAtLeast(api, (await api.rpc.chain.getHeader()).number.toNumber());
});

after(async () => {
  await gateway?.stop();
  await api?.disconnect();
  await node?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** The owner's verified stream of dataset `id` from byte `start`, as bytes. */
async function stream(id, start) {
  const url = `${gateway.url}/data/${id}/verified?start=${start}`;
  const r = await fetch(url, { headers: { authorization: authorization(alice, 'GET', url) } });
  assert.equal(r.status, 200, await r.clone().text());
  return new Uint8Array(await r.arrayBuffer());
}

/** What a verifier proves of `bytes`, fed in pieces of `piece` bytes. */
function prove(verifier, bytes, piece) {
  const out = [];
  for (let i = 0; i < bytes.length; i += piece) out.push(...verifier.push(bytes.subarray(i, i + piece)));
  return Buffer.concat(out);
}

test('its BLAKE3 is the reference\'s for files of every shape', () => {
  for (const size of [0, 1, 63, 64, 65, 1023, 1024, 1025, 2048, 3000, GROUP - 1, GROUP, GROUP + 1, 2 * GROUP + 1, 100_000, (1 << 20) + 7]) {
    const bytes = new Uint8Array(randomBytes(size));
    assert.deepEqual(Buffer.from(hashBytes(subtree(bytes, 0, true))), Buffer.from(blake3(bytes)), `${size} bytes`);
  }
});

test('the gateway\'s verified streams prove out group by group, from the start and from a later group', async () => {
  for (const { id, size, path, root } of files) {
    const file = readFileSync(path);
    for (const start of [0, Math.floor(size / 2 / GROUP) * GROUP]) {
      const bytes = await stream(id, start);
      for (const piece of [7, 4096, bytes.length]) {
        const verifier = new GroupVerifier(size, root, start);
        const proven = prove(verifier, bytes, piece);
        verifier.finish();
        assert.ok(proven.equals(file.subarray(start)), `dataset of ${size} bytes from ${start}, pieces of ${piece}`);
      }
    }
  }
});

test('a tampered group is refused at its offset, after the groups before it; a short stream is refused', async () => {
  const { id, size, root } = files.at(-1);
  const bytes = await stream(id, 0);
  // A byte of the file's fifth group, found in the stream (the groups come
  // in order, each after the hash pairs above it not sent yet) as the byte
  // with which a clean verifier proves that group.
  const sum = (groups) => groups.reduce((n, g) => n + g.length, 0);
  const clean = new GroupVerifier(size, root, 0);
  let end = 0;
  for (let proven = 0; proven < 5 * GROUP;) proven += sum(clean.push(bytes.subarray(end, ++end)));
  const tampered = Uint8Array.from(bytes);
  tampered[end - GROUP + 100] ^= 1;
  const verifier = new GroupVerifier(size, root, 0);
  let proven = 0;
  assert.throws(() => {
    for (let i = 0; i < tampered.length; i += 1000) proven += sum(verifier.push(tampered.subarray(i, i + 1000)));
  }, (e) => e instanceof VerifyError && e.offset === 4 * GROUP && /byte offset 65536/.test(e.message));
  assert.ok(proven <= 4 * GROUP, `${proven} bytes proven before the bad group`);

  const cut = new GroupVerifier(size, root, 0);
  prove(cut, bytes.subarray(0, bytes.length - 10), 4096);
  assert.throws(() => cut.finish(), (e) => e instanceof VerifyError && /ended before/.test(e.message));
  const long = new GroupVerifier(size, root, 0);
  assert.throws(() => prove(long, Buffer.concat([bytes, Buffer.from([0])]), bytes.length + 1), /past the end/);
});
