//! The audit log's proofs a node sends (issue 42), SCALE-decoded from its
//! answer and verified: never a panic, never a path past its bound, and a
//! proof about a log of up to 300 entries (built once, entry `i`'s data
//! being `i` as 8 bytes little endian) is accepted exactly when it is the
//! true one. The input is a byte (even: an inclusion proof, odd: a
//! consistency proof), then the proof's SCALE encoding.
#![no_main]

use citychain_log_proof::{
	consistency_proof, inclusion_proof, leaf_hash, ConsistencyProof, Hash, InclusionProof, NodeId,
	Peaks, MAX_CONSISTENCY_PROOF_LEN, MAX_INCLUSION_PROOF_LEN,
};
use codec::Decode;
use libfuzzer_sys::fuzz_target;
use std::{collections::BTreeMap, sync::LazyLock};

const ENTRIES: u64 = 300;

struct Log {
	leaves: Vec<Hash>,
	/// The root at every size, `roots[n]`.
	roots: Vec<Hash>,
	store: BTreeMap<NodeId, Hash>,
}

static LOG: LazyLock<Log> = LazyLock::new(|| {
	let mut peaks = Peaks::new();
	let mut log = Log { leaves: Vec::new(), roots: vec![peaks.root()], store: BTreeMap::new() };
	for i in 0..ENTRIES {
		let leaf = leaf_hash(&i.to_le_bytes());
		log.store.extend(peaks.append(leaf).expect("300 entries"));
		log.leaves.push(leaf);
		log.roots.push(peaks.root());
	}
	log
});

/// A root at a size beyond the log's: no proof leads to it.
const ELSEWHERE: Hash = [0xee; 32];

fn inclusion(proof: InclusionProof) {
	assert!(proof.path.len() <= MAX_INCLUSION_PROOF_LEN);
	let leaf = usize::try_from(proof.leaf_index).ok().and_then(|i| LOG.leaves.get(i));
	let root = usize::try_from(proof.size).ok().and_then(|n| LOG.roots.get(n));
	let (Some(leaf), Some(root)) = (leaf, root) else {
		assert!(proof.verify(&leaf_hash(b"elsewhere"), &ELSEWHERE).is_err());
		return;
	};
	let true_one = inclusion_proof(&LOG.store, proof.leaf_index, proof.size);
	assert_eq!(proof.verify(leaf, root).is_ok(), true_one.as_ref() == Ok(&proof), "{proof:?}");
}

fn consistency(proof: ConsistencyProof) {
	assert!(proof.path.len() <= MAX_CONSISTENCY_PROOF_LEN);
	let old_root = usize::try_from(proof.old_size).ok().and_then(|n| LOG.roots.get(n));
	let new_root = usize::try_from(proof.new_size).ok().and_then(|n| LOG.roots.get(n));
	let (Some(old_root), Some(new_root)) = (old_root, new_root) else {
		assert!(proof.verify(&LOG.roots[1], &ELSEWHERE).is_err());
		return;
	};
	let true_one = consistency_proof(&LOG.store, proof.old_size, proof.new_size);
	assert_eq!(
		proof.verify(old_root, new_root).is_ok(),
		true_one.as_ref() == Ok(&proof),
		"{proof:?}"
	);
}

fuzz_target!(|data: &[u8]| {
	let Some((kind, mut encoded)) = data.split_first() else { return };
	if kind % 2 == 0 {
		if let Ok(proof) = InclusionProof::decode(&mut encoded) {
			inclusion(proof);
		}
	} else if let Ok(proof) = ConsistencyProof::decode(&mut encoded) {
		consistency(proof);
	}
});
