//! Content hashes: a file's digest in any function the chain knows, named by
//! its multicodec code, computed while streaming.

use crate::{rpc::invalid, Result};
use citychain_primitives::hashing::HashFunction;
use sha2::{Digest, Sha256, Sha512};
use sha3::{Keccak256, Sha3_256};
use std::io::Read;

/// The multicodec code CityChain's tools hash with: blake2b-256.
pub const DEFAULT_CODE: u64 = 0xb220;

/// A hash being computed.
pub enum Hasher {
	Sha2_256(Sha256),
	Sha2_512(Sha512),
	Sha3_256(Sha3_256),
	Keccak256(Keccak256),
	/// blake2b-256 or blake2b-512: the state knows its length.
	Blake2b(Box<blake2b_simd::State>),
	Blake3(Box<blake3::Hasher>),
}

impl Hasher {
	/// A hasher for the multicodec `code`; an error if the chain does not know it.
	pub fn new(code: u64) -> Result<Self> {
		let function = HashFunction::from_code(code)
			.ok_or_else(|| invalid(format!("unknown hash function, multicodec {code:#x}")))?;
		Ok(match function {
			HashFunction::Sha2_256 => Self::Sha2_256(Sha256::new()),
			HashFunction::Sha2_512 => Self::Sha2_512(Sha512::new()),
			HashFunction::Sha3_256 => Self::Sha3_256(Sha3_256::new()),
			HashFunction::Keccak256 => Self::Keccak256(Keccak256::new()),
			HashFunction::Blake2b256 => Self::Blake2b(blake2b(32)),
			HashFunction::Blake2b512 => Self::Blake2b(blake2b(64)),
			HashFunction::Blake3 => Self::Blake3(Box::default()),
		})
	}

	pub fn update(&mut self, data: &[u8]) {
		match self {
			Self::Sha2_256(h) => h.update(data),
			Self::Sha2_512(h) => h.update(data),
			Self::Sha3_256(h) => h.update(data),
			Self::Keccak256(h) => h.update(data),
			Self::Blake2b(h) => {
				h.update(data);
			},
			Self::Blake3(h) => {
				h.update(data);
			},
		}
	}

	pub fn finish(self) -> Vec<u8> {
		match self {
			Self::Sha2_256(h) => h.finalize().to_vec(),
			Self::Sha2_512(h) => h.finalize().to_vec(),
			Self::Sha3_256(h) => h.finalize().to_vec(),
			Self::Keccak256(h) => h.finalize().to_vec(),
			Self::Blake2b(h) => h.finalize().as_bytes().to_vec(),
			Self::Blake3(h) => h.finalize().as_bytes().to_vec(),
		}
	}
}

/// An unkeyed blake2b of `length` bytes.
fn blake2b(length: usize) -> Box<blake2b_simd::State> {
	Box::new(blake2b_simd::Params::new().hash_length(length).to_state())
}

/// The digest under `code` of everything `input` yields, and its length.
pub fn digest(
	code: u64,
	mut input: impl Read,
	mut progress: impl FnMut(u64),
) -> Result<(Vec<u8>, u64)> {
	let mut hasher = Hasher::new(code)?;
	let mut buf = vec![0u8; 256 * 1024];
	let mut size = 0u64;
	loop {
		let n = match input.read(&mut buf) {
			Ok(0) => break,
			Ok(n) => n,
			Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
			Err(e) => return Err(e.into()),
		};
		hasher.update(&buf[..n]);
		size += n as u64;
		progress(n as u64);
	}
	Ok((hasher.finish(), size))
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn known_digests_of_abc() {
		let hex_of = |code| hex::encode(digest(code, &b"abc"[..], |_| {}).unwrap().0);
		assert_eq!(
			hex_of(0x12),
			"ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
		);
		assert_eq!(
			hex_of(0x16),
			"3a985da74fe225b2045c172d6bd390bd855f086e3e9d525b46bfe24511431532"
		);
		assert_eq!(
			hex_of(0x1b),
			"4e03657aea45a94fc7d47ba826c8d667c0d1e6e33a64a036ec44f58fa12d6c45"
		);
		assert_eq!(
			hex_of(0xb220),
			"bddd813c634239723171ef3fee98579b94964e3bb1cb3e427262c8c068d52319"
		);
		assert_eq!(
			hex_of(0x1e),
			"6437b3ac38465133ffb63b75273a8db548c558465d79db03fd359c6cd5bd9d85"
		);
		assert!(hex_of(0x13).starts_with("ddaf35a193617aba"));
		assert!(hex_of(0xb240).starts_with("ba80a53f981c4d0d"));
	}

	#[test]
	fn unknown_functions_are_refused() {
		assert!(Hasher::new(0x11).is_err());
	}
}
