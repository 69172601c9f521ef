// Encrypted files in the CLI's format (citychain_client::crypt): the magic
// `CCENC\0\0\x01`, a 19-byte random nonce prefix, then the file in 64 KiB
// chunks, each sealed with XChaCha20-Poly1305 under the nonce prefix ‖
// big-endian chunk counter ‖ last-chunk flag (the STREAM construction).
import { xchacha20poly1305 } from '@noble/ciphers/chacha.js';

export const MAGIC = new Uint8Array([0x43, 0x43, 0x45, 0x4e, 0x43, 0, 0, 1]);
export const PREFIX = 19;
export const TAG = 16;
export const CHUNK = 64 * 1024;
export const HEADER = MAGIC.length + PREFIX;

/** The cipher of chunk `counter` (the `last` one or not) of a file with nonce `prefix`. */
export function chunkCipher(key, prefix, counter, last) {
  const nonce = new Uint8Array(24);
  nonce.set(prefix);
  new DataView(nonce.buffer).setUint32(PREFIX, counter, false);
  nonce[23] = last ? 1 : 0;
  return xchacha20poly1305(key, nonce);
}

/** `plain` (bytes) encrypted under the 32-byte `key`, in one piece. */
export function encryptBytes(plain, key) {
  const prefix = crypto.getRandomValues(new Uint8Array(PREFIX));
  const chunks = Math.max(1, Math.ceil(plain.length / CHUNK));
  const parts = [MAGIC, prefix];
  for (let i = 0; i < chunks; i += 1) {
    parts.push(chunkCipher(key, prefix, i, i === chunks - 1).encrypt(plain.subarray(i * CHUNK, (i + 1) * CHUNK)));
  }
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
