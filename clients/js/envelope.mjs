// Key envelopes: the dataset key sealed to a department's x25519 public key,
// as a libsodium sealed box (crypto_box_seal): the ephemeral public key, then
// the X25519-XSalsa20-Poly1305 box of the message under the nonce
// blake2b-192(ephemeral public key ‖ recipient public key). 32 + 16 bytes
// longer than the message: 80 bytes for a 32-byte key.
import { u8aConcat } from '@polkadot/util';
import { blake2AsU8a } from '@polkadot/util-crypto';
import nacl from 'tweetnacl';

/** An x25519 key pair `{ publicKey, secretKey }`, from a 32-byte secret or random. */
export function encryptionKeyPair(secret) {
  return secret ? nacl.box.keyPair.fromSecretKey(secret) : nacl.box.keyPair();
}

function nonceFor(ephemeralPublic, recipientPublic) {
  return blake2AsU8a(u8aConcat(ephemeralPublic, recipientPublic), 192);
}

/** Seals `message` to `recipientPublic`; only the recipient's secret opens it. */
export function seal(message, recipientPublic) {
  const ephemeral = nacl.box.keyPair();
  const nonce = nonceFor(ephemeral.publicKey, recipientPublic);
  const box = nacl.box(message, nonce, recipientPublic, ephemeral.secretKey);
  return u8aConcat(ephemeral.publicKey, box);
}

/** Opens an envelope made by `seal`; null if it was not sealed to this key pair. */
export function open(envelope, { publicKey, secretKey }) {
  if (envelope.length < 32 + nacl.box.overheadLength) return null;
  const ephemeralPublic = envelope.subarray(0, 32);
  const nonce = nonceFor(ephemeralPublic, publicKey);
  return nacl.box.open(envelope.subarray(32), nonce, ephemeralPublic, secretKey);
}
