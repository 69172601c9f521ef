//! Key envelopes: a dataset's data key sealed to the consumer department's
//! x25519 public key as a libsodium sealed box (`crypto_box_seal`: an
//! ephemeral public key, then the X25519-XSalsa20-Poly1305 box under the
//! nonce blake2b-192(ephemeral public key ‖ recipient public key)). The same
//! format as `seal`/`open` of `@citychain/api`; 48 bytes longer than the
//! message.

use crate::{rpc::invalid, Result};
pub use crypto_box::{PublicKey, SecretKey};

/// Bytes an envelope adds to the message.
pub const OVERHEAD: usize = 32 + 16;

/// A new random x25519 key pair's secret.
pub fn generate() -> SecretKey {
	SecretKey::generate(&mut rand::rngs::OsRng)
}

/// Seals `message` so that only the holder of `recipient`'s secret opens it.
pub fn seal(message: &[u8], recipient: &PublicKey) -> Vec<u8> {
	recipient
		.seal(&mut rand::rngs::OsRng, message)
		.expect("sealing into a growable buffer cannot fail")
}

/// Opens an envelope sealed to `secret`'s public key.
pub fn open(envelope: &[u8], secret: &SecretKey) -> Result<Vec<u8>> {
	if envelope.len() < OVERHEAD {
		return Err(invalid("the key envelope is too short"));
	}
	secret
		.unseal(envelope)
		.map_err(|_| invalid("the key envelope was not sealed to this department's key"))
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn only_the_recipient_opens_an_envelope() {
		let (ours, theirs) = (generate(), generate());
		let envelope = seal(&[9u8; 32], &ours.public_key());
		assert_eq!(envelope.len(), 32 + OVERHEAD);
		assert_eq!(open(&envelope, &ours).unwrap(), vec![9u8; 32]);
		assert!(open(&envelope, &theirs).is_err());
		assert!(open(&envelope[..40], &ours).is_err());
	}

	/// An envelope made by `@citychain/api`'s `seal` (tweetnacl), recorded:
	/// the recipient's secret is 32 bytes of 0x01, the message 32 of 0x2a.
	#[test]
	fn opens_envelopes_sealed_by_the_javascript_client() {
		let secret = SecretKey::from_bytes([1u8; 32]);
		let envelope = hex::decode(JS_ENVELOPE).unwrap();
		assert_eq!(open(&envelope, &secret).unwrap(), vec![0x2a; 32]);
	}

	const JS_ENVELOPE: &str = include_str!("../tests/js-envelope.hex");
}
