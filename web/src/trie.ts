// Substrate's state trie (sp-trie's `LayoutV1`, state version 1), as much
// of it as the light verifier needs: the root of a whole key-value map (the
// chain spec's genesis storage, whose root the genesis header commits to),
// and one key read from a storage proof (`state_getReadProof`'s nodes)
// under a header's state root. A radix-16 Patricia trie without extension
// nodes: a branch carries its own partial key, a value over 32 bytes is
// stored apart and the node holds its BLAKE2b-256 hash, and a child node
// encoded in fewer than 32 bytes is inlined in its parent.
import { blake2AsU8a } from '@polkadot/util-crypto';
import { u8aToHex } from '@polkadot/util';
import { Reader, compact, equal } from './scale';

const blake2 = (data: Uint8Array) => blake2AsU8a(data, 256);

/** Values this long or longer are hashed into the node (`TRIE_VALUE_NODE_THRESHOLD`). */
const HASHED_VALUE = 33;
/** Child nodes encoded in fewer bytes are inlined (the hash's length). */
const INLINE_BELOW = 32;
/** The most nibbles a node header may say (`NIBBLE_SIZE_BOUND`). */
const NIBBLE_SIZE_BOUND = 0xffff;

/** Node kinds by their header's high bits, and how many of its bits the kind takes. */
const KINDS = {
  leaf: [0b01 << 6, 2],
  branch: [0b10 << 6, 2],
  branchWithValue: [0b11 << 6, 2],
  hashedValueLeaf: [0b001 << 5, 3],
  hashedValueBranch: [0b0001 << 4, 4],
} as const;
type Kind = keyof typeof KINDS;

function nibbles(key: Uint8Array): Uint8Array {
  const out = new Uint8Array(key.length * 2);
  key.forEach((b, i) => { out[2 * i] = b >> 4; out[2 * i + 1] = b & 15; });
  return out;
}

/** The header of a node of `kind` with a partial key of `count` nibbles (`size_and_prefix_iterator`). */
function header(kind: Kind, count: number): number[] {
  const [prefix, bits] = KINDS[kind];
  const max = 255 >> bits;
  if (count < max) return [prefix + count];
  const out = [prefix + max];
  let rest = count - (max - 1);
  for (; rest >= 256; rest -= 255) out.push(255);
  out.push(rest - 1);
  return out;
}

/** A partial key: an odd count's first nibble alone in the low half of a byte, then pairs. */
function packed(partial: Uint8Array): number[] {
  const out: number[] = [];
  let i = partial.length % 2;
  if (i === 1) out.push(partial[0]);
  for (; i < partial.length; i += 2) out.push((partial[i] << 4) | partial[i + 1]);
  return out;
}

function valueBytes(value: Uint8Array): Uint8Array[] {
  return value.length >= HASHED_VALUE ? [blake2(value)] : [compact(value.length), value];
}

function concat(parts: (Uint8Array | number[])[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) { out.set(p, at); at += p.length; }
  return out;
}

type Item = { key: Uint8Array; value: Uint8Array };

/** The encoded node over `items` (sorted, distinct keys as nibbles), below the first `depth` nibbles. */
function encode(items: Item[], depth: number): Uint8Array {
  const first = items[0];
  if (items.length === 1) {
    const partial = first.key.subarray(depth);
    const kind: Kind = first.value.length >= HASHED_VALUE ? 'hashedValueLeaf' : 'leaf';
    return concat([header(kind, partial.length), packed(partial), ...valueBytes(first.value)]);
  }
  // Sorted keys: the first and the last share the prefix all share.
  const last = items[items.length - 1].key;
  let at = depth;
  while (at < first.key.length && at < last.length && first.key[at] === last[at]) at += 1;
  const value = first.key.length === at ? first.value : null;
  const rest = value ? items.slice(1) : items;
  let bitmap = 0;
  const children: Uint8Array[] = [];
  for (let nibble = 0, i = 0; nibble < 16; nibble += 1) {
    const j = i;
    while (i < rest.length && rest[i].key[at] === nibble) i += 1;
    if (i === j) continue;
    bitmap |= 1 << nibble;
    const child = encode(rest.slice(j, i), at + 1);
    const reference = child.length < INLINE_BELOW ? child : blake2(child);
    children.push(compact(reference.length), reference);
  }
  const kind: Kind = value === null ? 'branch' : value.length >= HASHED_VALUE ? 'hashedValueBranch' : 'branchWithValue';
  return concat([header(kind, at - depth), packed(first.key.subarray(depth, at)), [bitmap & 0xff, bitmap >> 8],
    ...(value ? valueBytes(value) : []), ...children]);
}

/** The trie root of `map` (`LayoutV1::trie_root`). */
export function trieRoot(pairs: [Uint8Array, Uint8Array][]): Uint8Array {
  const items = pairs.map(([k, value]) => ({ key: nibbles(k), value }))
    .sort((a, b) => compareNibbles(a.key, b.key));
  return blake2(items.length === 0 ? Uint8Array.of(0) : encode(items, 0));
}

function compareNibbles(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i += 1) if (a[i] !== b[i]) return a[i] - b[i];
  return a.length - b.length;
}

/** A decoded node: its partial key, value (inline, or the hash of one stored apart) and children (inline or hashes). */
interface Decoded {
  partial: Uint8Array;
  value: { inline: Uint8Array } | { hash: Uint8Array } | null;
  children: (Uint8Array | null)[] | null;
}

/** The kind a node header's first byte says, if any (`NodeHeader::decode`). */
function kindOf(first: number): Kind | null {
  switch (first >> 6) {
    case 0b01: return 'leaf';
    case 0b10: return 'branch';
    case 0b11: return 'branchWithValue';
    default: return first >> 5 === 0b001 ? 'hashedValueLeaf' : first >> 4 === 0b0001 ? 'hashedValueBranch' : null;
  }
}

/** Decodes a node as sp-trie's `NodeCodec` does; null for the empty trie. */
function decode(bytes: Uint8Array): Decoded | null {
  const r = new Reader(bytes, 'a trie node');
  const first = r.u8();
  if (first === 0) return null;
  const kind = kindOf(first) ?? r.fail('its header is of no node kind');
  const max = 255 >> KINDS[kind][1];
  let count = first & max;
  if (count === max) {
    count -= 1;
    for (;;) {
      const n = r.u8();
      if (n < 255) { count += n + 1; break; }
      count += 255;
      if (count > NIBBLE_SIZE_BOUND) { count = NIBBLE_SIZE_BOUND; break; }
    }
  }
  const key = r.take((count + 1) >> 1);
  if (count % 2 === 1 && key[0] >> 4 !== 0) r.fail('its partial key is padded with a nonzero nibble');
  const partial = nibbles(key).subarray(count % 2);
  const leaf = kind === 'leaf' || kind === 'hashedValueLeaf';
  const hashed = kind === 'hashedValueLeaf' || kind === 'hashedValueBranch';
  let bitmap = 0;
  if (!leaf) {
    bitmap = r.u16();
    if (bitmap === 0) r.fail('a branch without a child');
  }
  const value = hashed ? { hash: r.take(32) } : kind === 'branch' ? null : { inline: r.bytesVec() };
  let children: (Uint8Array | null)[] | null = null;
  if (!leaf) {
    children = [];
    for (let i = 0; i < 16; i += 1) children.push(bitmap & (1 << i) ? r.bytesVec() : null);
  }
  r.end();
  return { partial, value, children };
}

/**
 * The value at `key` in the state whose root is `root`, read from the
 * proof's `nodes` (as `read_trie_value` reads it); null if the proof shows
 * the key has no value. Throws if the proof lacks a node the path needs or
 * a node does not decode: the proof is then not of that root.
 */
export function readProof(root: Uint8Array, nodes: Uint8Array[], key: Uint8Array): Uint8Array | null {
  const db = new Map(nodes.map((n) => [u8aToHex(blake2(n)), n]));
  const lookup = (hash: Uint8Array, what: string) => {
    const found = db.get(u8aToHex(hash));
    if (!found) throw new Error(`the proof lacks the ${what} ${u8aToHex(hash)}`);
    return found;
  };
  const path = nibbles(key);
  let at = 0;
  let encoded = lookup(root, 'state root\'s node');
  // Each step down takes at least one nibble of the key.
  for (let step = 0; step <= path.length; step += 1) {
    const node = decode(encoded);
    if (node === null) return null;
    const { partial, value, children } = node;
    if (!equal(path.subarray(at, at + partial.length), partial)) return null;
    at += partial.length;
    if (at === path.length || children === null) {
      if (at !== path.length || value === null) return null;
      return 'inline' in value ? value.inline : lookup(value.hash, 'value');
    }
    const child = children[path[at]];
    if (child === null) return null;
    at += 1;
    encoded = child.length === 32 ? lookup(child, 'node') : child;
  }
  throw new Error('the proof\'s path is longer than the key');
}
