// Verified streaming of BLAKE3 data (multicodec 0x1e), the receiving side of
// the gateway's `GET /data/{id}/verified?start=` (citychain_client::verified,
// bao-tree's pre-order range encoding with chunk groups of 16 KiB): each
// group is checked against the root hash on chain as soon as it and the
// hashes above it have arrived, so a bad byte stops the download at its
// group, not at the end of the file. For the portal and for Node.
//
// The stream of bytes start..end (start a multiple of GROUP) is, in pre
// order over the file's BLAKE3 tree cut at groups, for every node that
// overlaps the range: a parent's two child hashes (64 bytes), or a group's
// bytes. The BLAKE3 compression function is written out here (the
// specification's reference, on 32-bit words) because checking a subtree
// needs its chaining value, which no hashing library exposes.

/** BLAKE3 chunks are 1 KiB; a chunk group, the unit a stream proves, 16 chunks. */
export const CHUNK = 1024;
export const GROUP = 16 * CHUNK;

const IV = Uint32Array.of(0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19);
const PERMUTATION = [2, 6, 3, 10, 7, 0, 4, 13, 1, 11, 12, 5, 9, 14, 15, 8];
const CHUNK_START = 1;
const CHUNK_END = 2;
const PARENT = 4;
const ROOT = 8;

const state = new Uint32Array(16);
const message = new Uint32Array(16);
const permuted = new Uint32Array(16);

function g(a, b, c, d, x, y) {
  const v = state;
  v[a] = (v[a] + v[b] + x) | 0;
  v[d] = ((v[d] ^ v[a]) >>> 16) | ((v[d] ^ v[a]) << 16);
  v[c] = (v[c] + v[d]) | 0;
  v[b] = ((v[b] ^ v[c]) >>> 12) | ((v[b] ^ v[c]) << 20);
  v[a] = (v[a] + v[b] + y) | 0;
  v[d] = ((v[d] ^ v[a]) >>> 8) | ((v[d] ^ v[a]) << 24);
  v[c] = (v[c] + v[d]) | 0;
  v[b] = ((v[b] ^ v[c]) >>> 7) | ((v[b] ^ v[c]) << 25);
}

/**
 * The compression function on chaining value `cv` (8 words, updated in
 * place to the output's first 8 words) and the 16 words in `message`.
 */
function compress(cv, counter, length, flags) {
  state.set(cv, 0);
  state.set(IV.subarray(0, 4), 8);
  state[12] = counter >>> 0;
  state[13] = Math.floor(counter / 2 ** 32);
  state[14] = length;
  state[15] = flags;
  let m = message;
  let spare = permuted;
  for (let round = 0; round < 7; round += 1) {
    g(0, 4, 8, 12, m[0], m[1]);
    g(1, 5, 9, 13, m[2], m[3]);
    g(2, 6, 10, 14, m[4], m[5]);
    g(3, 7, 11, 15, m[6], m[7]);
    g(0, 5, 10, 15, m[8], m[9]);
    g(1, 6, 11, 12, m[10], m[11]);
    g(2, 7, 8, 13, m[12], m[13]);
    g(3, 4, 9, 14, m[14], m[15]);
    for (let i = 0; i < 16; i += 1) spare[i] = m[PERMUTATION[i]];
    [m, spare] = [spare, m];
  }
  for (let i = 0; i < 8; i += 1) cv[i] = state[i] ^ state[i + 8];
}

/** Loads `length` (at most 64) bytes of `bytes` from `offset` into `message`, little-endian, zero-padded. */
function load(bytes, offset, length) {
  message.fill(0);
  const view = new DataView(bytes.buffer, bytes.byteOffset + offset, length);
  let i = 0;
  for (; i + 4 <= length; i += 4) message[i >> 2] = view.getUint32(i, true);
  for (; i < length; i += 1) message[i >> 2] |= view.getUint8(i) << (8 * (i & 3));
}

/** The chaining value of one chunk (at most 1 KiB), the `index`th of the file. */
function chunk(bytes, index, root) {
  const cv = IV.slice();
  const blocks = Math.max(1, Math.ceil(bytes.length / 64));
  for (let b = 0; b < blocks; b += 1) {
    const length = Math.min(64, bytes.length - b * 64);
    load(bytes, b * 64, length);
    const last = b === blocks - 1;
    compress(cv, index, length, (b === 0 ? CHUNK_START : 0) | (last ? CHUNK_END : 0) | (last && root ? ROOT : 0));
  }
  return cv;
}

/** The chaining value of a parent of two children's. */
function parent(left, right, root) {
  message.set(left, 0);
  message.set(right, 8);
  const cv = IV.slice();
  compress(cv, 0, 64, PARENT | (root ? ROOT : 0));
  return cv;
}

/** Chunks in the left subtree of a node of `chunks` chunks (more than one): the largest power of two below it. */
function leftChunks(chunks) {
  return 2 ** Math.floor(Math.log2(chunks - 1));
}

/** The chaining value of the subtree of `bytes`, which begin at chunk `first` of the file. */
export function subtree(bytes, first = 0, root = false) {
  const chunks = Math.max(1, Math.ceil(bytes.length / CHUNK));
  if (chunks === 1) return chunk(bytes, first, root);
  const split = leftChunks(chunks) * CHUNK;
  return parent(subtree(bytes.subarray(0, split), first, false), subtree(bytes.subarray(split), first + split / CHUNK, false), root);
}

/** A chaining value as the 32 bytes of a hash. */
export function hashBytes(cv) {
  const out = new Uint8Array(32);
  const view = new DataView(out.buffer);
  cv.forEach((w, i) => view.setUint32(4 * i, w, true));
  return out;
}

function words(bytes, offset = 0) {
  const view = new DataView(bytes.buffer, bytes.byteOffset + offset, 32);
  return Uint32Array.from({ length: 8 }, (_, i) => view.getUint32(4 * i, true));
}

const same = (a, b) => a.every((w, i) => w === b[i]);

/** A stream that does not prove the root hash on chain. */
export class VerifyError extends Error {
  constructor(message, offset) {
    super(message);
    this.name = 'VerifyError';
    /** The byte of the file where the stream stopped proving it. */
    this.offset = offset;
  }
}

/**
 * Checks the stream of bytes `start..size` (start a multiple of GROUP) of a
 * file of `size` bytes whose BLAKE3 hash is `root` (32 bytes): `push` takes
 * the stream's bytes as they arrive and returns the file's bytes it has
 * proven, whole groups in order; `finish` throws unless the stream was
 * complete. A group or parent that does not prove out throws a VerifyError
 * naming its offset.
 */
export class GroupVerifier {
  constructor(size, root, start = 0) {
    if (start % GROUP !== 0) throw new RangeError(`a verified stream starts at a multiple of ${GROUP}`);
    this.start = start;
    this.size = size;
    /** The nodes still to read, the next last: offset, length, expected chaining value, whether the root. */
    this.todo = [{ offset: 0, length: size, expected: words(root), root: true }];
    this.pending = [];
    this.buffered = 0;
    this.next();
  }

  /** Drops the nodes that lie before the range: their hashes came in their parents' pairs. */
  next() {
    while (this.todo.length && this.todo.at(-1).offset + this.todo.at(-1).length <= this.start && this.todo.at(-1).length > 0) this.todo.pop();
  }

  /** The next `n` buffered bytes, or null while fewer have arrived. */
  take(n) {
    if (this.buffered < n) return null;
    const out = new Uint8Array(n);
    let filled = 0;
    while (filled < n) {
      const head = this.pending[0];
      const used = Math.min(head.length, n - filled);
      out.set(head.subarray(0, used), filled);
      filled += used;
      if (used === head.length) this.pending.shift();
      else this.pending[0] = head.subarray(used);
    }
    this.buffered -= n;
    return out;
  }

  push(bytes) {
    this.pending.push(bytes);
    this.buffered += bytes.length;
    const proven = [];
    for (;;) {
      const node = this.todo.at(-1);
      if (!node) {
        if (this.buffered > 0) throw new VerifyError('the stream goes on past the end of the file', this.size);
        return proven;
      }
      if (node.length <= GROUP) {
        const group = this.take(node.length);
        if (!group) return proven;
        if (!same(subtree(group, node.offset / CHUNK, node.root), node.expected)) {
          throw new VerifyError(`the chunk group at byte offset ${node.offset} is not the registered data`, node.offset);
        }
        this.todo.pop();
        proven.push(group);
      } else {
        const pair = this.take(64);
        if (!pair) return proven;
        const left = words(pair, 0);
        const right = words(pair, 32);
        if (!same(parent(left, right, node.root), node.expected)) {
          throw new VerifyError(`the hashes that prove the bytes from offset ${Math.max(node.offset, this.start)} do not lead to the root on chain`, Math.max(node.offset, this.start));
        }
        this.todo.pop();
        const split = leftChunks(Math.ceil(node.length / CHUNK)) * CHUNK;
        this.todo.push({ offset: node.offset + split, length: node.length - split, expected: right, root: false });
        this.todo.push({ offset: node.offset, length: split, expected: left, root: false });
      }
      this.next();
    }
  }

  finish() {
    const node = this.todo.at(-1);
    if (node) throw new VerifyError(`the stream ended before byte offset ${Math.max(node.offset, this.start)}`, Math.max(node.offset, this.start));
  }
}

/**
 * A TransformStream from a verified stream's bytes to the file's bytes it
 * proves, group by group (see GroupVerifier).
 */
export function verifiedGroups(size, root, start = 0) {
  const verifier = new GroupVerifier(size, root, start);
  return new TransformStream({
    transform(bytes, controller) {
      for (const group of verifier.push(bytes)) controller.enqueue(group);
    },
    flush() {
      verifier.finish();
    },
  });
}
