use crate::log::{leaves, tree_hash, Log};
use citychain_log_proof::{peak_ids, root_at, Error, NodeId, Peaks, EMPTY_ROOT, MAX_PEAKS};

#[test]
fn accumulated_roots_are_the_tree_hash_of_the_leaves() {
	let log = Log::new(leaves(300));
	for size in 0..=300 {
		let expected = tree_hash(&log.leaves[..size]);
		assert_eq!(log.roots[size], expected, "size {size}");
		assert_eq!(root_at(&log.store, size as u64), Ok(expected), "size {size}");
	}
	assert_eq!(log.roots[0], EMPTY_ROOT);
}

#[test]
fn every_perfect_subtree_is_created_once_with_its_hash() {
	let leaves = leaves(300);
	let mut log = Log::new(Vec::new());
	let mut merges = 0;
	for (index, leaf) in leaves.iter().enumerate() {
		let created = log.append(*leaf);
		let index = index as u64;
		assert_eq!(created.len() as u32, 1 + index.trailing_ones(), "leaf {index}");
		merges += created.len() - 1;
		for (height, (id, _)) in created.iter().enumerate() {
			assert_eq!(*id, NodeId::new(height as u8, index >> height));
		}
	}
	// Fewer merges than leaves: one hash per append on average.
	assert_eq!(merges, 300 - 300u32.count_ones() as usize);
	assert_eq!(log.store.len(), 2 * 300 - 300u32.count_ones() as usize);
	for (id, hash) in &log.store {
		let first = (id.index << id.height) as usize;
		assert_eq!(*hash, tree_hash(&leaves[first..first + (1 << id.height)]), "{id:?}");
	}
}

#[test]
fn the_peaks_are_the_stored_nodes_of_the_size() {
	let mut log = Log::new(Vec::new());
	for leaf in leaves(100) {
		log.append(leaf);
		let ids: Vec<_> = log.peaks.nodes().map(|(id, _)| id).collect();
		assert_eq!(ids, peak_ids(log.peaks.size()).collect::<Vec<_>>());
		for (id, hash) in log.peaks.nodes() {
			assert_eq!(log.store[&id], hash);
		}
	}
	assert_eq!(log.peaks.size(), 100);
	assert_eq!(log.peaks.hashes().len(), 3);
}

#[test]
fn peaks_from_a_store_continue_the_log() {
	let log = Log::new(leaves(77));
	let hashes = log.peaks.nodes().map(|(id, _)| log.store[&id]).collect();
	let mut resumed = Peaks::from_parts(77, hashes).unwrap();
	let mut continued = Log::new(log.leaves.clone());
	for leaf in leaves(100).into_iter().skip(77) {
		assert_eq!(resumed.append(leaf), Ok(continued.append(leaf)));
		assert_eq!(resumed.root(), continued.peaks.root());
	}
}

#[test]
fn peaks_must_be_one_per_bit_of_the_size() {
	assert_eq!(Peaks::from_parts(5, vec![[0; 32]]), Err(Error::PeakCount { size: 5, got: 1 }));
	assert_eq!(
		Peaks::from_parts(4, vec![[0; 32], [1; 32]]),
		Err(Error::PeakCount { size: 4, got: 2 })
	);
	assert!(Peaks::from_parts(5, vec![[0; 32], [1; 32]]).is_ok());
	assert!(Peaks::from_parts(0, vec![]).is_ok());
}

#[test]
fn the_log_holds_up_to_two_to_the_sixty_four_minus_one_entries() {
	// 2^63 − 1 entries: 63 peaks, which the next leaf merges into one.
	let mut peaks = Peaks::from_parts(u64::MAX >> 1, vec![[7; 32]; 63]).unwrap();
	let created = peaks.append([9; 32]).unwrap();
	assert_eq!(created.len(), 64);
	assert_eq!(created[63].0, NodeId::new(63, 0));
	assert_eq!(peaks.size(), 1 << 63);
	assert_eq!(peaks.hashes(), [created[63].1]);
	assert_eq!(peaks.root(), created[63].1);

	// 2^64 − 2 entries: one more fills the last bit, then the log is full.
	let mut peaks = Peaks::from_parts(u64::MAX - 1, vec![[7; 32]; 63]).unwrap();
	assert_eq!(peaks.append([9; 32]).unwrap(), [(NodeId::leaf(u64::MAX - 1), [9; 32])]);
	assert_eq!(peaks.hashes().len(), MAX_PEAKS);
	let before = peaks.clone();
	assert_eq!(peaks.append([9; 32]), Err(Error::Full));
	assert_eq!(peaks, before);
}
