//! Hashing: a content hash as the parts of a multihash (the multicodec code
//! of its function and the digest), and the hash functions the chain knows.

use crate::datasets::BoundedBytes;
use alloc::vec::Vec;
use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use scale_info::TypeInfo;

/// Longest digest of any supported hash function, in bytes.
pub const MAX_DIGEST_LEN: u32 = 64;

/// Hash functions a content hash may use, by multicodec code.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum HashFunction {
	Sha2_256,
	Sha2_512,
	Sha3_256,
	Keccak256,
	Blake2b256,
	Blake2b512,
	/// BLAKE3, whose tree lets a file be checked piece by piece as it arrives
	/// (verified streaming, see docs/exchange.md).
	Blake3,
}

impl HashFunction {
	/// Every supported function.
	pub const ALL: &'static [Self] = &[
		Self::Sha2_256,
		Self::Sha2_512,
		Self::Sha3_256,
		Self::Keccak256,
		Self::Blake2b256,
		Self::Blake2b512,
		Self::Blake3,
	];

	/// The function with this multicodec code, if it is supported.
	pub fn from_code(code: u64) -> Option<Self> {
		Self::ALL.iter().copied().find(|f| f.code() == code)
	}

	/// The multicodec code.
	pub fn code(&self) -> u64 {
		match self {
			Self::Sha2_256 => 0x12,
			Self::Sha2_512 => 0x13,
			Self::Sha3_256 => 0x16,
			Self::Keccak256 => 0x1b,
			Self::Blake3 => 0x1e,
			Self::Blake2b256 => 0xb220,
			Self::Blake2b512 => 0xb240,
		}
	}

	/// The multicodec name.
	pub fn name(&self) -> &'static str {
		match self {
			Self::Sha2_256 => "sha2-256",
			Self::Sha2_512 => "sha2-512",
			Self::Sha3_256 => "sha3-256",
			Self::Keccak256 => "keccak-256",
			Self::Blake2b256 => "blake2b-256",
			Self::Blake2b512 => "blake2b-512",
			Self::Blake3 => "blake3",
		}
	}

	/// Length of the digest, in bytes.
	pub fn digest_len(&self) -> usize {
		match self {
			Self::Sha2_512 | Self::Blake2b512 => 64,
			_ => 32,
		}
	}
}

/// A content hash in the parts of a multihash: the multicodec code of the
/// hash function and the digest.
#[derive(
	Clone, PartialEq, Eq, Debug, Encode, Decode, DecodeWithMemTracking, MaxEncodedLen, TypeInfo,
)]
pub struct ContentHash {
	/// Multicodec code, e.g. `0x12` sha2-256, `0xb220` blake2b-256, `0x1e` blake3.
	pub code: u64,
	pub digest: BoundedBytes<MAX_DIGEST_LEN>,
}

impl ContentHash {
	/// The hash function named by `code`.
	pub fn function(&self) -> Option<HashFunction> {
		HashFunction::from_code(self.code)
	}

	/// The binary multihash: varint code, varint length, digest.
	pub fn to_multihash(&self) -> Vec<u8> {
		let mut out = Vec::with_capacity(self.digest.len() + 4);
		push_varint(&mut out, self.code);
		push_varint(&mut out, self.digest.len() as u64);
		out.extend_from_slice(&self.digest);
		out
	}
}

fn push_varint(out: &mut Vec<u8>, mut n: u64) {
	while n >= 0x80 {
		out.push((n as u8 & 0x7f) | 0x80);
		n >>= 7;
	}
	out.push(n as u8);
}

#[cfg(test)]
mod tests {
	use super::*;
	use sp_runtime::BoundedVec;

	#[test]
	fn multihash_encodes_code_and_length_as_varints() {
		let hash = ContentHash { code: 0xb220, digest: BoundedVec::truncate_from(vec![7u8; 32]) };
		let mh = hash.to_multihash();
		assert_eq!(&mh[..4], &[0xa0, 0xe4, 0x02, 0x20]);
		assert_eq!(mh.len(), 36);
		assert_eq!(HashFunction::from_code(0x12).map(|f| f.digest_len()), Some(32));
		assert_eq!(HashFunction::from_code(0x11), None);
		assert_eq!(
			HashFunction::from_code(0x1e).map(|f| (f.name(), f.digest_len())),
			Some(("blake3", 32))
		);
	}
}
