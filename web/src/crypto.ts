// Content hashes, key envelopes and encrypted files, in the browser, in the
// formats the chain and the CLI use (citychain_client::{hash, envelope,
// crypt}).
import { blake2b } from '@noble/hashes/blake2.js';
import { blake3 } from '@noble/hashes/blake3.js';
import { sha256, sha512 } from '@noble/hashes/sha2.js';
import { keccak_256, sha3_256 } from '@noble/hashes/sha3.js';
import { encryptionKeyPair, open, seal } from '@citychain/api';
import { CHUNK, HEADER, MAGIC, PREFIX, TAG, chunkCipher } from '@citychain/api/crypt.mjs';
import { hexToU8a, u8aToHex } from '@polkadot/util';

/** The hash functions the chain accepts, by multicodec code. */
export const HASHES: Record<number, { name: string; create: () => { update(b: Uint8Array): unknown; digest(): Uint8Array } }> = {
  0x12: { name: 'sha2-256', create: () => sha256.create() },
  0x13: { name: 'sha2-512', create: () => sha512.create() },
  0x16: { name: 'sha3-256', create: () => sha3_256.create() },
  0x1b: { name: 'keccak-256', create: () => keccak_256.create() },
  // The portal checks a BLAKE3 file whole; the CLI checks it piece by piece.
  0x1e: { name: 'blake3', create: () => blake3.create() },
  0xb220: { name: 'blake2b-256', create: () => blake2b.create({ dkLen: 32 }) },
  0xb240: { name: 'blake2b-512', create: () => blake2b.create({ dkLen: 64 }) },
};
/** What the portal hashes new files with, as the CLI does. */
export const DEFAULT_HASH = 0xb220;

/** The digest of a file under `code`, read in pieces; `progress` gets the bytes done. */
export async function hashFile(file: Blob, code: number, progress: (done: number) => void = () => {}): Promise<Uint8Array> {
  const hasher = HASHES[code].create();
  const reader = file.stream().getReader();
  let done = 0;
  for (;;) {
    const { value, done: end } = await reader.read();
    if (end) break;
    hasher.update(value);
    done += value.length;
    progress(done);
  }
  return hasher.digest();
}

/** A key file's 32-byte secret: 64 hex digits on one line (the CLI's format). */
export async function readKeyFile(file: Blob, what: string): Promise<Uint8Array> {
  const text = (await file.text()).trim().replace(/^0x/, '');
  if (!/^[0-9a-fA-F]{64}$/.test(text)) throw new Error(`${what} must hold 64 hex digits on one line`);
  return hexToU8a(`0x${text}`);
}

/** Seals a data key to a department's x25519 public key (0x-hex): the envelope. */
export function sealKey(dataKey: Uint8Array, publicKeyHex: string): string {
  return u8aToHex(seal(dataKey, hexToU8a(publicKeyHex)));
}

/**
 * Opens a key envelope (0x-hex or bare hex: a contract's, or the data key
 * the gateway hands the owner's officers) with the department's x25519
 * secret; throws, naming `what` it was, if it is not the key it was sealed to.
 */
export function openEnvelope(envelopeHex: string, secret: Uint8Array, what = 'the contract\'s key envelope'): Uint8Array {
  const key = open(hexToU8a(envelopeHex.startsWith('0x') ? envelopeHex : `0x${envelopeHex}`), encryptionKeyPair(secret));
  if (!key) throw new Error(`this encryption key file does not open ${what}: it is not your department's key`);
  return key;
}

/** Encrypts `plain` under `key` (XChaCha20-Poly1305 STREAM, 64 KiB chunks). */
export async function encryptFile(plain: Blob, key: Uint8Array, progress: (done: number) => void = () => {}): Promise<Blob> {
  const prefix = crypto.getRandomValues(new Uint8Array(PREFIX));
  const parts: BlobPart[] = [MAGIC as Uint8Array<ArrayBuffer>, prefix];
  const chunks = Math.max(1, Math.ceil(plain.size / CHUNK));
  for (let i = 0; i < chunks; i += 1) {
    const piece = new Uint8Array(await plain.slice(i * CHUNK, (i + 1) * CHUNK).arrayBuffer());
    parts.push(chunkCipher(key, prefix, i, i === chunks - 1).encrypt(piece) as Uint8Array<ArrayBuffer>);
    progress(Math.min(plain.size, (i + 1) * CHUNK));
  }
  return new Blob(parts);
}

/**
 * Decrypts a stream of an encrypted file as it arrives: `push` the bytes
 * received, `finish` at the end; each returns the plaintext it could
 * decrypt. Throws, naming why, for a wrong key or an altered file.
 */
export class Decryptor {
  private buffer = new Uint8Array(0);
  private prefix: Uint8Array | null = null;
  private counter = 0;
  constructor(private key: Uint8Array) {}

  push(bytes: Uint8Array): Uint8Array[] {
    const joined = new Uint8Array(this.buffer.length + bytes.length);
    joined.set(this.buffer);
    joined.set(bytes, this.buffer.length);
    this.buffer = joined;
    if (!this.prefix) {
      if (this.buffer.length < HEADER) return [];
      if (!MAGIC.every((b, i) => this.buffer[i] === b)) throw new Error('the delivery is not a CityChain encrypted file');
      this.prefix = this.buffer.slice(MAGIC.length, HEADER);
      this.buffer = this.buffer.slice(HEADER);
    }
    const out: Uint8Array[] = [];
    // Keep the last full chunk: only the end of the stream tells whether it is the last.
    while (this.buffer.length > CHUNK + TAG) {
      out.push(this.open(this.buffer.subarray(0, CHUNK + TAG), false));
      this.buffer = this.buffer.slice(CHUNK + TAG);
    }
    return out;
  }

  /**
   * Where in the encrypted file to read on from after the connection broke:
   * the start of the first chunk not yet decrypted (or of the file, before
   * its header), the bytes held after it dropped.
   */
  rewind(): number {
    this.buffer = new Uint8Array(0);
    return this.prefix ? HEADER + this.counter * (CHUNK + TAG) : 0;
  }

  finish(): Uint8Array {
    if (!this.prefix) throw new Error('the delivery is not a CityChain encrypted file');
    return this.open(this.buffer, true);
  }

  private open(sealed: Uint8Array, last: boolean): Uint8Array {
    try {
      return chunkCipher(this.key, this.prefix!, this.counter++, last).decrypt(sealed);
    } catch {
      throw new Error('decryption failed: wrong key, or the file was altered or cut short');
    }
  }
}
