// The portal's light verifier's parts, in Node: its modules (web/src/
// grandpa.ts, logproof.ts, scale.ts, trie.ts) bundled with the portal's
// own bundler, then checked against docs/audit.md's test vectors and
// against GRANDPA justifications made here by four authorities — the
// cases a development chain with one authority never shows: a third of the
// weight short, a signer counted twice, an outsider's signature, a commit
// below the precommit GHOST, an unused ancestry header, a handover's next
// set. No node needed; the portal's dependencies installed (npm ci in web/).
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { blake2AsU8a, cryptoWaitReady, ed25519PairFromSeed, ed25519Sign } from '@polkadot/util-crypto';
import { hexToU8a, u8aConcat, u8aToHex } from '@polkadot/util';

const WEB = join(dirname(fileURLToPath(import.meta.url)), '..', 'web');

// Bundled once, before the fixtures below use it.
await cryptoWaitReady();
const dir = mkdtempSync(join(tmpdir(), 'citychain-light-units-'));
const entry = join(dir, 'entry.ts');
writeFileSync(entry, ['grandpa', 'logproof', 'scale', 'trie'].map((f) => `export * from ${JSON.stringify(join(WEB, 'src', `${f}.ts`))};`).join('\n'));
const { build } = await import(pathToFileURL(join(WEB, 'node_modules', 'rolldown', 'dist', 'index.mjs')).href);
await build({ input: entry, platform: 'node', logLevel: 'silent', output: { file: join(dir, 'light.mjs'), format: 'esm' } });
const m = await import(pathToFileURL(join(dir, 'light.mjs')).href);

after(() => rmSync(dir, { recursive: true, force: true }));

const le = (n, bytes) => Uint8Array.from({ length: bytes }, (_, i) => Number((BigInt(n) >> BigInt(8 * i)) & 0xffn));
const h = (hex) => hexToU8a(`0x${hex}`);

test("the log's hashes and inclusion proofs match docs/audit.md's test vectors", () => {
  const leaf = (i) => m.leafHash(le(i, 8));
  assert.equal(u8aToHex(leaf(0)), '0x5187b7a8021bf4f2c004ea3a54cfece1754f11c7624d2363c7f4cf4fddd1441e');
  assert.equal(u8aToHex(leaf(5)), '0xc367727fc8a6ba590f588ab1992d2e12ab7f43bd79eae397afa9e37ce311f961');
  const root7 = h('5706d6eca58829312a18010455f53a40adae3ab2ca4f874ca5ddf865eedfa37d');
  const path = ['7a9d37eb4c4026ad79e3513d598c316720cda462eb5739954a52247291404f53', '128841d768acef1b0497ec36b16ebe2f019751e429fe35b2b784abb73fd05cc6',
    '0e92fba53e77d2849fc4b6ecaf5baf6bd78ee08f98b7af7744f16050438db49b'].map(h);
  assert.equal(m.inclusionFails(leaf(5), 5n, 7n, path, root7), null);
  assert.equal(m.inclusionFails(leaf(4), 5n, 7n, path, root7), 'root mismatch');
  assert.equal(m.inclusionFails(leaf(5), 5n, 7n, path.slice(1), root7), 'wrong proof length');
  assert.equal(m.inclusionFails(leaf(5), 7n, 7n, path, root7), 'index out of range');
  // Peaks: the empty log, one peak (its own root), two bagged, and a count that is not one per bit.
  assert.equal(u8aToHex(m.decodePeaks(null).root), '0x0e5751c026e543b2e8ab2eb06099daa1d1e5df47778f7787faab45cdf12fe3a8');
  const peaks = (size, ps) => u8aConcat(le(size, 8), m.compact(ps.length), ...ps);
  assert.equal(u8aToHex(m.decodePeaks(peaks(1, [leaf(0)])).root), u8aToHex(leaf(0)));
  const two = m.decodePeaks(peaks(3, [h('ee86f5cf8beac0c795bc5101c691752a11b23bb3b462cac16eef040be6bba3dd'), leaf(2)]));
  assert.deepEqual([two.size, u8aToHex(two.root)], [3n, '0xaeb6c268c415c83013fac3ddbafb1af79de8ac4ddf5433745cb0048ee9aeb0ff']);
  assert.throws(() => m.decodePeaks(peaks(3, [leaf(0)])), /1 peaks for a log of 3/);
});

test('a trie node refuses what the codec does not write; compact integers must be canonical', () => {
  assert.equal(u8aToHex(m.trieRoot([])), '0x03170a2e7597b7b7e3d84c05391d139a62b157e78786d8c082f29dcf4c111314');
  // The root of one short pair is its leaf's hash: found again by reading it from that leaf.
  const leafNode = Uint8Array.of(0x44, 0xab, 0xcd, 0x08, 1, 2);
  assert.equal(u8aToHex(m.trieRoot([[Uint8Array.of(0xab, 0xcd), Uint8Array.of(1, 2)]])), u8aToHex(blake2AsU8a(leafNode, 256)));
  const root = blake2AsU8a(leafNode, 256);
  assert.deepEqual(m.readProof(root, [leafNode], Uint8Array.of(0xab, 0xcd)), Uint8Array.of(1, 2));
  assert.equal(m.readProof(root, [leafNode], Uint8Array.of(0xab, 0xce)), null, 'another key: proven absent');
  assert.throws(() => m.readProof(root, [], Uint8Array.of(0xab, 0xcd)), /lacks the state root's node/);
  const padded = Uint8Array.of(0x43, 0xfa, 0xbc, 0x08, 1, 2);
  assert.throws(() => m.readProof(blake2AsU8a(padded, 256), [padded], Uint8Array.of(0xab, 0xcd)), /padded with a nonzero nibble/);
  assert.throws(() => new m.Reader(Uint8Array.of(0x01, 0x00), 'x').compact(), /not canonical/);
  assert.equal(new m.Reader(Uint8Array.of(0x01, 0x01), 'x').compact(), 64n);
});

// GRANDPA: four authorities of weight 1 (threshold 3), a target block and its child.
const keys = [1, 2, 3, 4, 5].map((i) => ed25519PairFromSeed(new Uint8Array(32).fill(i)));
const authorities = keys.slice(0, 4).map((k) => ({ id: k.publicKey, weight: 1n }));
const header = (parent, number, digest = []) =>
  u8aConcat(parent, m.compact(number), new Uint8Array(32).fill(7), new Uint8Array(32), m.compact(digest.length), ...digest);
const target = header(new Uint8Array(32), 7);
const targetHash = blake2AsU8a(target, 256);
const child = header(targetHash, 8);
const childHash = blake2AsU8a(child, 256);
const ROUND = 3n;

function precommit(key, hash, number, { setId = 0n, round = ROUND } = {}) {
  const message = u8aConcat(Uint8Array.of(1), hash, le(number, 4), le(round, 8), le(setId, 8));
  return u8aConcat(hash, le(number, 4), ed25519Sign(message, key), key.publicKey);
}

function justification(precommits, ancestries = []) {
  return u8aConcat(le(ROUND, 8), targetHash, le(7, 4), m.compact(precommits.length), ...precommits, m.compact(ancestries.length), ...ancestries);
}

const verifies = (j, setId = 0n) => m.justified(target, j, setId, authorities);

test('a justification verifies with more than two thirds of the set, and not otherwise', () => {
  const on = (i, hash = targetHash, number = 7) => precommit(keys[i], hash, number);
  assert.equal(verifies(justification([on(0), on(1), on(2)])).number, 7);
  assert.throws(() => verifies(justification([on(0), on(1)])), /not set 0's: its precommits do not give the target more than two thirds/);
  assert.throws(() => verifies(justification([on(0), on(1), on(1)])), /more than two thirds/, 'a signer counts once');
  assert.throws(() => verifies(justification([on(0), on(1), on(4)])), /more than two thirds/, 'an outsider counts for nothing');
  assert.throws(() => verifies(justification([on(0), on(1), on(2)]), 1n), /not set 1's: a precommit of 0x[0-9a-f]{64} is not signed by it for set 1/);
  assert.throws(() => verifies(justification([on(0), on(1), on(2), on(3).map((b, i) => (i === 60 ? b ^ 1 : b))])), /is not signed by it/, 'every signature counts, also one not needed');
  // A precommit for the child, with the child's header: still the target's commit.
  assert.equal(verifies(justification([on(0), on(1), on(2, childHash, 8)], [child])).number, 7);
  assert.throws(() => verifies(justification([on(0), on(1), on(2, childHash, 8)])), /a precommit is not for a descendant of the lowest/, 'the ancestry is needed');
  // Three of four for the child: the GHOST is the child, not the commit's target.
  assert.throws(() => verifies(justification([on(0, childHash, 8), on(1, childHash, 8), on(2, childHash, 8)], [child])), /more than two thirds/);
  assert.throws(() => verifies(justification([on(0), on(1, childHash, 8), on(2, childHash, 8), on(3, childHash, 8)], [child])), /more than two thirds/,
    'a supermajority above the target');
  assert.throws(() => verifies(justification([on(0), on(1), on(2)], [child])), /ancestry headers no precommit needs/);
  assert.throws(() => verifies(u8aConcat(justification([on(0), on(1), on(2)]), Uint8Array.of(0))), /1 bytes left over/);
  assert.throws(() => m.justified(child, justification([on(0), on(1), on(2)]), 0n, authorities), /of another block than #8/);
});

test("a handover block names the next set from its GRANDPA scheduled change", () => {
  const list = u8aConcat(m.compact(2), keys[4].publicKey, le(5, 8), keys[0].publicKey, le(1, 8));
  const change = u8aConcat(Uint8Array.of(1), list, le(0, 4));
  const frnk = (data) => u8aConcat(Uint8Array.of(4), new TextEncoder().encode('FRNK'), m.compact(data.length), data);
  const other = u8aConcat(Uint8Array.of(4), new TextEncoder().encode('BABE'), m.compact(change.length), change);
  const next = m.nextAuthorities(m.decodeHeader(header(targetHash, 8, [other, frnk(Uint8Array.of(4, 0, 0, 0, 0)), frnk(change)])));
  assert.deepEqual(next.map((a) => [u8aToHex(a.id), a.weight]), [[u8aToHex(keys[4].publicKey), 5n], [u8aToHex(keys[0].publicKey), 1n]]);
  assert.equal(m.nextAuthorities(m.decodeHeader(header(targetHash, 8, [other]))), null);
  assert.deepEqual(m.decodeAuthorities(list, 'x').length, 2);
});
