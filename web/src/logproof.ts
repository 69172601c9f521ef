// The audit log's Merkle Mountain Range as docs/audit.md "Logarithmic
// proofs" specifies it (citychain-log-proof in Rust): `Audit::Peaks` and
// the root they bag to, and RFC 9162 inclusion proofs with BLAKE2b-256.
// Sizes and indexes are u64: computed with BigInt.
import { blake2AsU8a } from '@polkadot/util-crypto';
import { Reader, equal } from './scale';

const blake2 = (data: Uint8Array) => blake2AsU8a(data, 256);

/** `blake2b256(0x00 ‖ data)`. */
export function leafHash(data: Uint8Array): Uint8Array {
  const pre = new Uint8Array(1 + data.length);
  pre.set(data, 1);
  return blake2(pre);
}

/** `blake2b256(0x01 ‖ left ‖ right)`. */
function nodeHash(left: Uint8Array, right: Uint8Array): Uint8Array {
  const pre = new Uint8Array(65);
  pre[0] = 1;
  pre.set(left, 1);
  pre.set(right, 33);
  return blake2(pre);
}

const popcount = (n: bigint) => n.toString(2).replace(/0/g, '').length;
const bitlen = (n: bigint) => (n === 0n ? 0 : n.toString(2).length);

export interface Peaks { size: bigint; root: Uint8Array }

/** `Audit::Peaks` (SCALE: size u64, `Vec<[u8; 32]>` with one peak per bit of the size); the empty log if absent. */
export function decodePeaks(bytes: Uint8Array | null): Peaks {
  if (bytes === null) return { size: 0n, root: blake2(new Uint8Array()) };
  const r = new Reader(bytes, 'Audit::Peaks');
  const size = r.u64();
  const peaks = Array.from({ length: r.length(64, 32) }, () => r.take(32));
  r.end();
  if (peaks.length !== popcount(size)) r.fail(`${peaks.length} peaks for a log of ${size}`);
  // Bagged from the right: node(P0, node(P1, … node(Pk−1, Pk))).
  const root = peaks.length === 0 ? blake2(new Uint8Array()) : peaks.reduceRight((acc, p) => nodeHash(p, acc));
  return { size, root };
}

/** Why the inclusion proof `path` of leaf `index` in a log of `size` does not lead from `leaf` to `root`, or null if it does. */
export function inclusionFails(leaf: Uint8Array, index: bigint, size: bigint, path: Uint8Array[], root: Uint8Array): string | null {
  if (index >= size) return 'index out of range';
  const inner = bitlen(index ^ (size - 1n));
  const border = popcount(index >> BigInt(inner));
  if (path.length !== inner + border) return 'wrong proof length';
  let r = leaf;
  path.forEach((p, k) => {
    r = k < inner && ((index >> BigInt(k)) & 1n) === 0n ? nodeHash(r, p) : nodeHash(p, r);
  });
  return equal(r, root) ? null : 'root mismatch';
}
