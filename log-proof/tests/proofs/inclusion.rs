use crate::log::{arbitrary_hashes, arbitrary_u64, changed_lengths, flip_a_bit, leaves, Log};
use citychain_log_proof::{
	inclusion_proof, leaf_hash, verify_inclusion, Error, InclusionProof, NodeId,
	MAX_INCLUSION_PROOF_LEN,
};
use rand::{rngs::StdRng, Rng, SeedableRng};
use std::collections::BTreeMap;

/// Calls `check` with every leaf's proof in every size from 1 to `max`.
fn every_proof(log: &Log, max: u64, mut check: impl FnMut(u64, u64, &InclusionProof)) {
	for size in 1..=max {
		for index in 0..size {
			check(index, size, &inclusion_proof(&log.store, index, size).unwrap());
		}
	}
}

#[test]
fn every_leaf_of_every_size_up_to_300_is_proven() {
	let log = Log::new(leaves(300));
	let mut proofs = 0;
	every_proof(&log, 300, |index, size, proof| {
		assert_eq!((proof.leaf_index, proof.size), (index, size));
		let leaf = &log.leaves[index as usize];
		assert_eq!(proof.verify(leaf, &log.roots[size as usize]), Ok(()), "{index} of {size}");
		proofs += 1;
	});
	assert_eq!(proofs, 300 * 301 / 2);
}

#[test]
fn a_changed_leaf_fails() {
	let log = Log::new(leaves(300));
	every_proof(&log, 300, |_, size, proof| {
		let changed = leaf_hash(b"changed");
		assert_eq!(proof.verify(&changed, &log.roots[size as usize]), Err(Error::RootMismatch));
	});
}

#[test]
fn a_proof_for_another_leaf_or_size_fails() {
	let log = Log::new(leaves(120));
	every_proof(&log, 120, |index, size, proof| {
		let (i, n) = (index as usize, size as usize);
		let root = &log.roots[n];
		// The next entry in this one's place, as if this one were dropped.
		if i + 1 < n {
			assert_eq!(proof.verify(&log.leaves[i + 1], root), Err(Error::RootMismatch));
		}
		// The proof against the root of a larger log.
		if n < 120 {
			assert!(verify_inclusion(
				&log.leaves[i],
				index,
				size + 1,
				&proof.path,
				&log.roots[n + 1]
			)
			.is_err());
		}
	});
}

#[test]
fn a_log_with_a_dropped_leaf_proves_nothing_against_the_real_root() {
	let log = Log::new(leaves(64));
	for dropped in 0..64 {
		let mut rest = log.leaves.clone();
		rest.remove(dropped);
		let forged = Log::new(rest);
		let size = 63;
		// Every entry from the dropped one on is at another index.
		for index in dropped as u64..size {
			let proof = inclusion_proof(&forged.store, index, size).unwrap();
			let leaf = &forged.leaves[index as usize];
			assert_eq!(proof.verify(leaf, &forged.roots[63]), Ok(()));
			assert_eq!(proof.verify(leaf, &log.roots[63]), Err(Error::RootMismatch));
		}
	}
}

#[test]
fn two_swapped_leaves_fail() {
	let log = Log::new(leaves(64));
	for size in 2..=64usize {
		let root = &log.roots[size];
		for a in 0..size {
			for b in a + 1..size {
				let mut swapped = log.leaves[..size].to_vec();
				swapped.swap(a, b);
				let forged = Log::new(swapped);
				assert_ne!(forged.roots[size], *root, "{a} and {b} of {size}");
				for (index, leaf) in [(a, log.leaves[b]), (b, log.leaves[a])] {
					let proof = inclusion_proof(&forged.store, index as u64, size as u64).unwrap();
					assert_eq!(proof.verify(&leaf, root), Err(Error::RootMismatch));
				}
			}
		}
	}
}

#[test]
fn a_tampered_proof_hash_fails() {
	let log = Log::new(leaves(300));
	every_proof(&log, 300, |index, size, proof| {
		let leaf = &log.leaves[index as usize];
		for at in 0..proof.path.len() {
			let mut tampered = proof.clone();
			tampered.path[at][at % 32] ^= 1;
			assert_eq!(tampered.verify(leaf, &log.roots[size as usize]), Err(Error::RootMismatch));
		}
	});
}

#[test]
fn a_truncated_or_extended_proof_is_refused_by_its_length() {
	let log = Log::new(leaves(300));
	every_proof(&log, 300, |index, size, proof| {
		let (leaf, root) = (&log.leaves[index as usize], &log.roots[size as usize]);
		let expected = proof.path.len() as u32;
		for path in changed_lengths(&proof.path) {
			let refused = Err(Error::WrongProofLength { expected, got: path.len() as u32 });
			assert_eq!(verify_inclusion(leaf, index, size, &path, root), refused);
		}
	});
}

#[test]
fn a_proof_longer_than_any_is_refused_before_hashing() {
	let leaf = leaf_hash(b"");
	for len in [MAX_INCLUSION_PROOF_LEN + 1, 128, 129, 1_000_000] {
		let proof = vec![[0; 32]; len];
		let result = verify_inclusion(&leaf, 5, u64::MAX, &proof, &[0; 32]);
		assert_eq!(result, Err(Error::WrongProofLength { expected: 64, got: len as u32 }));
	}
}

#[test]
fn an_index_out_of_range_is_refused() {
	let log = Log::new(leaves(10));
	for (index, size) in [(10, 10), (11, 10), (0, 0), (u64::MAX, u64::MAX)] {
		let refused = Error::IndexOutOfRange { index, size };
		assert_eq!(inclusion_proof(&log.store, index, size), Err(refused));
		assert_eq!(
			verify_inclusion(&log.leaves[0], index, size, &[], &log.roots[10]),
			Err(refused)
		);
	}
}

#[test]
fn a_missing_node_is_named() {
	let mut log = Log::new(leaves(13));
	log.store.remove(&NodeId::new(1, 1));
	assert_eq!(inclusion_proof(&log.store, 0, 13), Err(Error::MissingNode(NodeId::new(1, 1))));
	// A proof that does not need it is still answered.
	assert!(inclusion_proof(&log.store, 12, 13).is_ok());
	assert_eq!(inclusion_proof(&BTreeMap::new(), 0, 2), Err(Error::MissingNode(NodeId::new(0, 1))));
}

#[test]
fn random_leaves_of_a_log_of_100_000_are_proven() {
	let log = Log::new(leaves(100_000));
	let mut rng = StdRng::seed_from_u64(42);
	for _ in 0..2_000 {
		let size = rng.gen_range(1..=100_000u64);
		let index = rng.gen_range(0..size);
		let proof = inclusion_proof(&log.store, index, size).unwrap();
		let (leaf, root) = (&log.leaves[index as usize], &log.roots[size as usize]);
		assert_eq!(proof.verify(leaf, root), Ok(()), "{index} of {size}");
		if let Some(path) = flip_a_bit(&mut rng, &proof.path) {
			let tampered = InclusionProof { path, ..proof };
			assert_eq!(tampered.verify(leaf, root), Err(Error::RootMismatch));
		}
	}
}

#[test]
fn arbitrary_input_never_panics_and_never_verifies() {
	let mut rng = StdRng::seed_from_u64(7);
	for _ in 0..20_000 {
		let (index, size) = (arbitrary_u64(&mut rng), arbitrary_u64(&mut rng));
		let len = rng.gen_range(0..=2 * MAX_INCLUSION_PROOF_LEN);
		let proof = arbitrary_hashes(&mut rng, len);
		let result = verify_inclusion(&rng.gen(), index, size, &proof, &rng.gen());
		assert!(result.is_err(), "{index} of {size}, {len} hashes");
	}
}
