//! A log built with the accumulator, its store, and the tree hash of RFC 9162
//! computed from scratch to check it against.

use citychain_log_proof::{leaf_hash, node_hash, Hash, NodeId, Peaks, EMPTY_ROOT};
use rand::{rngs::StdRng, Rng};
use std::collections::BTreeMap;

/// The leaves of the logs the tests build: entry `i`'s data is `i` as 8
/// bytes, little endian.
pub fn leaves(count: u64) -> Vec<Hash> {
	(0..count).map(|i| leaf_hash(&i.to_le_bytes())).collect()
}

/// RFC 9162's Merkle tree hash, by its recursive definition.
pub fn tree_hash(leaves: &[Hash]) -> Hash {
	match leaves.len() {
		0 => EMPTY_ROOT,
		1 => leaves[0],
		n => {
			// The largest power of two below n.
			let k = 1 << (n - 1).ilog2();
			node_hash(&tree_hash(&leaves[..k]), &tree_hash(&leaves[k..]))
		},
	}
}

/// A log, its accumulator, every node it created, and its root at every
/// size (`roots[n]`).
pub struct Log {
	pub leaves: Vec<Hash>,
	pub peaks: Peaks,
	pub store: BTreeMap<NodeId, Hash>,
	pub roots: Vec<Hash>,
}

impl Log {
	pub fn new(leaves: Vec<Hash>) -> Self {
		let mut log = Self {
			leaves: Vec::new(),
			peaks: Peaks::new(),
			store: BTreeMap::new(),
			roots: vec![EMPTY_ROOT],
		};
		for leaf in leaves {
			log.append(leaf);
		}
		log
	}

	pub fn append(&mut self, leaf: Hash) -> Vec<(NodeId, Hash)> {
		let created = self.peaks.append(leaf).expect("far from full");
		for (id, hash) in &created {
			assert_eq!(self.store.insert(*id, *hash), None, "{id:?} created twice");
		}
		self.leaves.push(leaf);
		self.roots.push(self.peaks.root());
		created
	}
}

/// A size or an index for arbitrary input: half of them at the edges of
/// `u64`, half anywhere.
pub fn arbitrary_u64(rng: &mut StdRng) -> u64 {
	const EDGES: [u64; 9] = [0, 1, 2, 3, 1 << 32, (1 << 63) - 1, 1 << 63, u64::MAX - 1, u64::MAX];
	if rng.gen_bool(0.5) {
		EDGES[rng.gen_range(0..EDGES.len())]
	} else {
		rng.gen()
	}
}

/// `len` random hashes.
pub fn arbitrary_hashes(rng: &mut StdRng, len: usize) -> Vec<Hash> {
	(0..len).map(|_| rng.gen()).collect()
}

/// The path with one random bit of one of its hashes flipped; `None` for an
/// empty path.
pub fn flip_a_bit(rng: &mut StdRng, path: &[Hash]) -> Option<Vec<Hash>> {
	let mut tampered = path.to_vec();
	let hash = tampered.get_mut(rng.gen_range(0..path.len().max(1)))?;
	hash[rng.gen_range(0..32)] ^= 1 << rng.gen_range(0..8);
	Some(tampered)
}

/// The path with a hash added at either end, and without its first or its
/// last hash.
pub fn changed_lengths(path: &[Hash]) -> Vec<Vec<Hash>> {
	let mut changed = vec![[path, &[[0; 32]]].concat(), [&[[0; 32]], path].concat()];
	if !path.is_empty() {
		changed.push(path[1..].to_vec());
		changed.push(path[..path.len() - 1].to_vec());
	}
	changed
}
