//! Checking proofs with the hashes alone: RFC 9162 §2.1.3.2 and §2.1.4.2, as
//! transparency-dev's `merkle/proof` writes them. Every proof's length is
//! checked against its index and sizes before anything is hashed.

use crate::{
	hash::{node_hash, Hash, EMPTY_ROOT},
	Error,
};

/// Checks that `leaf_hash` is leaf `leaf_index` of the log of `size`
/// entries whose root is `root`.
pub fn verify_inclusion(
	leaf_hash: &Hash,
	leaf_index: u64,
	size: u64,
	proof: &[Hash],
	root: &Hash,
) -> Result<(), Error> {
	if leaf_index >= size {
		return Err(Error::IndexOutOfRange { index: leaf_index, size });
	}
	let (inner, border) = split(leaf_index, size);
	check_len(proof, inner + border)?;
	let (inner, border) = proof.split_at(inner);
	let mut hash = *leaf_hash;
	for (level, sibling) in inner.iter().enumerate() {
		hash = if leaf_index >> level & 1 == 0 {
			node_hash(&hash, sibling)
		} else {
			node_hash(sibling, &hash)
		};
	}
	if left_fold(hash, border) != *root {
		return Err(Error::RootMismatch);
	}
	Ok(())
}

/// Checks that the log of `new_size` entries whose root is `new_root`
/// extends the log of `old_size` entries whose root is `old_root`.
pub fn verify_consistency(
	old_size: u64,
	old_root: &Hash,
	new_size: u64,
	new_root: &Hash,
	proof: &[Hash],
) -> Result<(), Error> {
	if old_size > new_size {
		return Err(Error::OldSizeAfterNew { old_size, new_size });
	}
	if old_size == 0 || old_size == new_size {
		check_len(proof, 0)?;
		if old_size == 0 && *old_root != EMPTY_ROOT {
			return Err(Error::OldRootMismatch);
		}
		if old_size == new_size && new_root != old_root {
			return Err(Error::NewRootMismatch);
		}
		return Ok(());
	}
	// 0 < old_size < new_size. The proof starts at the old log's last peak,
	// at height `shift`, and `inner` counts from there. Below that height
	// `last` has only 1 bits, so the highest bit where `new_size − 1`, which
	// is above `last`, differs from it is at `shift` or higher: `inner` was
	// above `shift`.
	let last = old_size - 1;
	let shift = old_size.trailing_zeros() as usize;
	let (inner, border) = split(last, new_size);
	let inner = inner - shift;
	let seeded = old_size.is_power_of_two();
	check_len(proof, usize::from(!seeded) + inner + border)?;
	let (seed, proof) = match proof.split_first() {
		Some((first, rest)) if !seeded => (*first, rest),
		_ => (*old_root, proof),
	};
	let (inner, border) = proof.split_at(inner);
	let mask = last >> shift;
	let (mut old, mut new) = (seed, seed);
	for (level, sibling) in inner.iter().enumerate() {
		if mask >> level & 1 == 1 {
			old = node_hash(sibling, &old);
			new = node_hash(sibling, &new);
		} else {
			new = node_hash(&new, sibling);
		}
	}
	if left_fold(old, border) != *old_root {
		return Err(Error::OldRootMismatch);
	}
	if left_fold(new, border) != *new_root {
		return Err(Error::NewRootMismatch);
	}
	Ok(())
}

/// How many of the proof of leaf `index` in a log of `size` (`index <
/// size`) are below the leaf's last right sibling (`inner`: where the paths
/// of the leaf and of the last leaf part), and how many above (`border`:
/// all left siblings).
fn split(index: u64, size: u64) -> (usize, usize) {
	let inner = 64 - (index ^ (size - 1)).leading_zeros();
	let border = index.checked_shr(inner).unwrap_or(0).count_ones();
	(inner as usize, border as usize)
}

fn check_len(proof: &[Hash], expected: usize) -> Result<(), Error> {
	if proof.len() != expected {
		let to_u32 = |n: usize| u32::try_from(n).unwrap_or(u32::MAX);
		return Err(Error::WrongProofLength {
			expected: to_u32(expected),
			got: to_u32(proof.len()),
		});
	}
	Ok(())
}

/// `hash` hashed under each of `lefts` in turn, as their right child.
fn left_fold(hash: Hash, lefts: &[Hash]) -> Hash {
	lefts.iter().fold(hash, |hash, left| node_hash(left, &hash))
}

#[cfg(test)]
mod tests {
	use super::*;
	use crate::{MAX_CONSISTENCY_PROOF_LEN, MAX_INCLUSION_PROOF_LEN};

	fn inclusion_len(index: u64, size: u64) -> usize {
		let (inner, border) = split(index, size);
		inner + border
	}

	fn consistency_len(old_size: u64, new_size: u64) -> usize {
		let shift = old_size.trailing_zeros() as usize;
		usize::from(!old_size.is_power_of_two()) + inclusion_len(old_size - 1, new_size) - shift
	}

	#[test]
	fn proofs_are_within_their_bounds_up_to_the_largest_log() {
		let sizes =
			[1, 2, 3, 1 << 32, (1 << 63) - 1, 1 << 63, (1 << 63) + 1, u64::MAX - 1, u64::MAX];
		let mut longest = (0, 0);
		for &size in &sizes {
			for index in (0..64).flat_map(|h| [1u64 << h, (1 << h) - 1, size - (1 << h) % size]) {
				let index = index % size;
				longest.0 = longest.0.max(inclusion_len(index, size));
				let old_size = index + 1;
				if old_size < size {
					longest.1 = longest.1.max(consistency_len(old_size, size));
				}
			}
		}
		assert_eq!(longest, (MAX_INCLUSION_PROOF_LEN, MAX_CONSISTENCY_PROOF_LEN));
	}

	#[test]
	fn the_proof_of_a_leaf_is_as_deep_as_the_leaf() {
		// Size 7: peaks of 4, 2 and 1 leaves; the tree is
		// node(P4, node(P2, P1)): leaves 0-3 are 3 deep, 4-5 are 3 deep,
		// 6 is 2 deep.
		let depths: Vec<_> = (0..7).map(|i| inclusion_len(i, 7)).collect();
		assert_eq!(depths, [3, 3, 3, 3, 3, 3, 2]);
		assert_eq!(inclusion_len(0, 1), 0);
	}
}
