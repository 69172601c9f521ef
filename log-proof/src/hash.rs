//! The hashes of leaves and nodes, BLAKE2b-256 with a prefix byte each.

use alloc::vec::Vec;
use codec::{Compact, Decode, Input};
use sp_crypto_hashing::blake2_256;

/// A 32-byte BLAKE2b hash.
pub type Hash = [u8; 32];

/// The root of the empty log: BLAKE2b-256 of no bytes.
pub const EMPTY_ROOT: Hash = [
	0x0e, 0x57, 0x51, 0xc0, 0x26, 0xe5, 0x43, 0xb2, 0xe8, 0xab, 0x2e, 0xb0, 0x60, 0x99, 0xda, 0xa1,
	0xd1, 0xe5, 0xdf, 0x47, 0x77, 0x8f, 0x77, 0x87, 0xfa, 0xab, 0x45, 0xcd, 0xf1, 0x2f, 0xe3, 0xa8,
];

/// The leaf hash of an entry's data: `blake2_256(0x00 ++ data)`.
pub fn leaf_hash(data: &[u8]) -> Hash {
	let mut preimage = Vec::with_capacity(1 + data.len());
	preimage.push(0x00);
	preimage.extend_from_slice(data);
	blake2_256(&preimage)
}

/// The hash of a node: `blake2_256(0x01 ++ left ++ right)`.
pub fn node_hash(left: &Hash, right: &Hash) -> Hash {
	let mut preimage = [0x01; 65];
	preimage[1..33].copy_from_slice(left);
	preimage[33..].copy_from_slice(right);
	blake2_256(&preimage)
}

/// The peaks (left to right) bagged from the right:
/// `node(P0, node(P1, … node(Pk-1, Pk)))`; `None` for no peaks.
pub(crate) fn bag(peaks: &[Hash]) -> Option<Hash> {
	peaks.iter().rev().copied().reduce(|right, left| node_hash(&left, &right))
}

/// A SCALE `Vec<[u8; 32]>` of at most `max` hashes, refused from its length
/// prefix when longer.
pub(crate) fn decode_hashes<I: Input>(
	input: &mut I,
	max: usize,
) -> Result<Vec<Hash>, codec::Error> {
	let len = Compact::<u32>::decode(input)?.0 as usize;
	if len > max {
		return Err("too many hashes".into());
	}
	(0..len).map(|_| Hash::decode(input)).collect()
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn empty_root_is_the_hash_of_nothing() {
		assert_eq!(EMPTY_ROOT, blake2_256(&[]));
	}

	#[test]
	fn a_leaf_is_never_hashed_as_a_node() {
		let (left, right) = ([1; 32], [2; 32]);
		let mut concatenated = left.to_vec();
		concatenated.extend_from_slice(&right);
		assert_ne!(leaf_hash(&concatenated), node_hash(&left, &right));
		assert_eq!(node_hash(&left, &right), blake2_256(&[&[1u8][..], &left, &right].concat()));
		assert_eq!(leaf_hash(b"ab"), blake2_256(b"\0ab"));
	}

	#[test]
	fn bagging_folds_from_the_right() {
		let peaks = [[1; 32], [2; 32], [3; 32]];
		let expected = node_hash(&peaks[0], &node_hash(&peaks[1], &peaks[2]));
		assert_eq!(bag(&peaks), Some(expected));
		assert_eq!(bag(&peaks[2..]), Some(peaks[2]));
		assert_eq!(bag(&[]), None);
	}
}
