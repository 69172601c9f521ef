use crate::log::{arbitrary_hashes, arbitrary_u64, changed_lengths, flip_a_bit, leaves, Log};
use citychain_log_proof::{
	consistency_proof, leaf_hash, verify_consistency, ConsistencyProof, Error, Hash, EMPTY_ROOT,
	MAX_CONSISTENCY_PROOF_LEN,
};
use rand::{rngs::StdRng, Rng, SeedableRng};

/// Calls `check` with the proof of every pair of sizes `1 ≤ m ≤ n ≤ max`.
fn every_pair(log: &Log, max: u64, mut check: impl FnMut(u64, u64, &ConsistencyProof)) {
	for new_size in 1..=max {
		for old_size in 1..=new_size {
			check(old_size, new_size, &consistency_proof(&log.store, old_size, new_size).unwrap());
		}
	}
}

fn roots(log: &Log, old_size: u64, new_size: u64) -> (Hash, Hash) {
	(log.roots[old_size as usize], log.roots[new_size as usize])
}

fn is_root_mismatch(result: Result<(), Error>) -> bool {
	matches!(result, Err(Error::OldRootMismatch | Error::NewRootMismatch))
}

#[test]
fn every_pair_of_sizes_up_to_100_is_consistent() {
	let log = Log::new(leaves(100));
	let mut pairs = 0;
	every_pair(&log, 100, |old_size, new_size, proof| {
		assert_eq!((proof.old_size, proof.new_size), (old_size, new_size));
		let (old_root, new_root) = roots(&log, old_size, new_size);
		assert_eq!(proof.verify(&old_root, &new_root), Ok(()), "{old_size} to {new_size}");
		assert!(proof.path.len() <= MAX_CONSISTENCY_PROOF_LEN);
		pairs += 1;
	});
	assert_eq!(pairs, 100 * 101 / 2);
}

#[test]
fn every_log_extends_the_empty_log() {
	let log = Log::new(leaves(20));
	for new_size in 0..=20 {
		let proof = consistency_proof(&log.store, 0, new_size).unwrap();
		assert!(proof.path.is_empty());
		assert_eq!(proof.verify(&EMPTY_ROOT, &log.roots[new_size as usize]), Ok(()));
		assert_eq!(
			proof.verify(&[0; 32], &log.roots[new_size as usize]),
			Err(Error::OldRootMismatch)
		);
	}
}

#[test]
fn equal_sizes_need_equal_roots() {
	let log = Log::new(leaves(5));
	let proof = consistency_proof(&log.store, 5, 5).unwrap();
	assert!(proof.path.is_empty());
	assert_eq!(proof.verify(&log.roots[5], &log.roots[5]), Ok(()));
	assert_eq!(proof.verify(&log.roots[5], &log.roots[4]), Err(Error::NewRootMismatch));
}

#[test]
fn a_tampered_consistency_proof_fails() {
	let log = Log::new(leaves(100));
	every_pair(&log, 100, |old_size, new_size, proof| {
		let (old_root, new_root) = roots(&log, old_size, new_size);
		for at in 0..proof.path.len() {
			let mut tampered = proof.clone();
			tampered.path[at][at % 32] ^= 0x80;
			assert!(
				is_root_mismatch(tampered.verify(&old_root, &new_root)),
				"{old_size} to {new_size}"
			);
		}
	});
}

#[test]
fn a_wrong_old_root_fails() {
	let log = Log::new(leaves(100));
	every_pair(&log, 100, |old_size, new_size, proof| {
		let (old_root, new_root) = roots(&log, old_size, new_size);
		let mut changed = old_root;
		changed[0] ^= 1;
		let earlier = log.roots[old_size as usize - 1];
		for wrong in [changed, earlier, new_root, leaf_hash(b"checkpoint")] {
			if wrong != old_root {
				assert!(
					is_root_mismatch(proof.verify(&wrong, &new_root)),
					"{old_size} to {new_size}"
				);
			}
		}
	});
}

#[test]
fn a_wrong_new_root_fails() {
	let log = Log::new(leaves(100));
	every_pair(&log, 99, |old_size, new_size, proof| {
		let (old_root, _) = roots(&log, old_size, new_size);
		let next = log.roots[new_size as usize + 1];
		assert_eq!(proof.verify(&old_root, &next), Err(Error::NewRootMismatch));
	});
}

#[test]
fn an_old_size_above_the_new_is_refused() {
	let log = Log::new(leaves(10));
	for (old_size, new_size) in [(2, 1), (10, 0), (u64::MAX, 3)] {
		let refused = Error::OldSizeAfterNew { old_size, new_size };
		assert_eq!(consistency_proof(&log.store, old_size, new_size), Err(refused));
		let (old_root, new_root) = (log.roots[2], log.roots[1]);
		assert_eq!(verify_consistency(old_size, &old_root, new_size, &new_root, &[]), Err(refused));
	}
	// Even with the proof of the pair the other way round.
	let proof = consistency_proof(&log.store, 3, 7).unwrap();
	let refused = Err(Error::OldSizeAfterNew { old_size: 7, new_size: 3 });
	assert_eq!(verify_consistency(7, &log.roots[7], 3, &log.roots[3], &proof.path), refused);
}

#[test]
fn a_truncated_or_extended_consistency_proof_is_refused_by_its_length() {
	let log = Log::new(leaves(100));
	every_pair(&log, 100, |old_size, new_size, proof| {
		let (old_root, new_root) = roots(&log, old_size, new_size);
		let expected = proof.path.len() as u32;
		for path in changed_lengths(&proof.path) {
			let refused = Err(Error::WrongProofLength { expected, got: path.len() as u32 });
			assert_eq!(
				verify_consistency(old_size, &old_root, new_size, &new_root, &path),
				refused
			);
		}
	});
	let proof = vec![[0; 32]; 129];
	let refused = verify_consistency(3, &[0; 32], u64::MAX, &[0; 32], &proof);
	assert!(matches!(refused, Err(Error::WrongProofLength { got: 129, .. })));
}

#[test]
fn a_rewritten_log_is_consistent_with_no_checkpoint_before_the_change() {
	let log = Log::new(leaves(40));
	let mut changed = log.leaves.clone();
	changed[17] = leaf_hash(b"rewritten");
	let mut dropped = log.leaves.clone();
	dropped.remove(17);
	dropped.push(leaf_hash(b"to keep the size"));
	for forged in [Log::new(changed), Log::new(dropped)] {
		for old_size in 1..40 {
			let proof = consistency_proof(&forged.store, old_size, 40).unwrap();
			let result = proof.verify(&log.roots[old_size as usize], &forged.roots[40]);
			if old_size <= 17 {
				// The checkpoint predates the change: the forged log extends it.
				assert_eq!(result, Ok(()), "{old_size}");
			} else {
				assert!(is_root_mismatch(result), "{old_size}");
			}
		}
	}
}

#[test]
fn random_pairs_in_a_log_of_100_000_are_consistent() {
	let log = Log::new(leaves(100_000));
	let mut rng = StdRng::seed_from_u64(1);
	for _ in 0..2_000 {
		let new_size = rng.gen_range(1..=100_000u64);
		let old_size = rng.gen_range(1..=new_size);
		let proof = consistency_proof(&log.store, old_size, new_size).unwrap();
		let (old_root, new_root) = roots(&log, old_size, new_size);
		assert_eq!(proof.verify(&old_root, &new_root), Ok(()), "{old_size} to {new_size}");
		if let Some(path) = flip_a_bit(&mut rng, &proof.path) {
			let tampered = ConsistencyProof { path, ..proof };
			assert!(is_root_mismatch(tampered.verify(&old_root, &new_root)));
		}
	}
}

#[test]
fn arbitrary_input_never_panics_and_never_verifies() {
	let mut rng = StdRng::seed_from_u64(8);
	for _ in 0..20_000 {
		let (old_size, new_size) = (arbitrary_u64(&mut rng), arbitrary_u64(&mut rng));
		let len = rng.gen_range(0..=2 * MAX_CONSISTENCY_PROOF_LEN);
		let proof = arbitrary_hashes(&mut rng, len);
		let result = verify_consistency(old_size, &rng.gen(), new_size, &rng.gen(), &proof);
		assert!(result.is_err(), "{old_size} to {new_size}, {len} hashes");
	}
}
