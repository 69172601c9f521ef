//! Storage migrations.
//!
//! Version 0 to 1: searches are answered by each node's own index of its
//! finalized blocks, so the runtime's spatial and temporal index is gone.
//! Its keys — one to five per dataset ever registered — are cleared by
//! [`clear_legacy_index`] from `on_idle`, as many as a block has room for
//! and at most [`MAX_KEYS_PER_BLOCK`], so that an upgrade never stalls a
//! block however large the registry. The version becomes 1 once none is
//! left.

use crate::pallet::{Config, Pallet};
use frame_support::{
	storage::{storage_prefix, unhashed},
	traits::{Get, GetStorageVersion, PalletInfoAccess, StorageVersion},
	weights::Weight,
};

/// The storage items of version 0 that version 1 no longer has.
pub const LEGACY_ITEMS: [&str; 4] =
	["SpatialIndex", "TemporalIndex", "OngoingIndex", "OccupiedDepths"];

/// Most legacy keys removed in one block.
pub const MAX_KEYS_PER_BLOCK: u32 = 4_096;

/// The storage prefix of the legacy item `item`.
pub fn legacy_prefix<T: Config>(item: &str) -> [u8; 32] {
	storage_prefix(<Pallet<T> as PalletInfoAccess>::name().as_bytes(), item.as_bytes())
}

/// Removes legacy keys within `limit`, and sets storage version 1 once none
/// is left. Returns the weight used: the version read, a read and a write
/// per key visited, the version written at the end.
pub fn clear_legacy_index<T: Config>(limit: Weight) -> Weight {
	let db = T::DbWeight::get();
	let check = db.reads(1);
	if Pallet::<T>::on_chain_storage_version() >= 1 {
		return check;
	}
	// Keep room for the version write at the end.
	let reserved = check.saturating_add(db.writes(1));
	let per_key = db.reads_writes(1, 1);
	// Storage priced at nothing (a test runtime): as many as the cap allows.
	let room = limit
		.saturating_sub(reserved)
		.checked_div_per_component(&per_key)
		.unwrap_or(u64::MAX);
	let mut keys = u32::try_from(room).unwrap_or(u32::MAX).min(MAX_KEYS_PER_BLOCK);
	if limit.any_lt(reserved) || keys == 0 {
		return check;
	}
	let mut used = check;
	for item in LEGACY_ITEMS {
		let removed = unhashed::clear_prefix(&legacy_prefix::<T>(item), Some(keys), None);
		used = used.saturating_add(db.reads_writes(removed.loops.into(), removed.unique.into()));
		if removed.maybe_cursor.is_some() {
			return used;
		}
		keys = keys.saturating_sub(removed.loops);
		if keys == 0 {
			// The next block checks whether anything is left.
			return used;
		}
	}
	StorageVersion::new(1).put::<Pallet<T>>();
	log::info!(target: "runtime::datasets", "the legacy search index is cleared");
	used.saturating_add(db.writes(1))
}

#[cfg(test)]
mod tests {
	use super::*;
	use crate::mock::*;

	fn legacy_keys() -> usize {
		LEGACY_ITEMS
			.iter()
			.map(|item| {
				let prefix = legacy_prefix::<Test>(item);
				let mut count = 0;
				let mut key = prefix.to_vec();
				while let Some(next) =
					sp_io::storage::next_key(&key).filter(|k| k.starts_with(&prefix))
				{
					count += 1;
					key = next;
				}
				count
			})
			.sum()
	}

	/// Counts and removals as a block sees them: the keys are in the
	/// backend (committed), not only in the block's overlay.
	#[test]
	fn the_legacy_index_is_cleared_a_bounded_number_of_keys_per_block() {
		let mut ext = new_test_ext();
		let untouched = [legacy_prefix::<Test>("Datasets").as_slice(), &[1]].concat();
		ext.execute_with(|| {
			StorageVersion::new(0).put::<Pallet<Test>>();
			for (i, item) in LEGACY_ITEMS.iter().enumerate() {
				for n in 0u32..3_000 {
					let key = [legacy_prefix::<Test>(item).as_slice(), &n.to_be_bytes()].concat();
					unhashed::put_raw(&key, &[i as u8]);
				}
			}
			unhashed::put_raw(&untouched, b"record");
		});
		ext.commit_all().unwrap();
		let db: frame_support::weights::RuntimeDbWeight =
			<Test as frame_system::Config>::DbWeight::get();
		let mut block = |limit: Weight| {
			let (used, left) =
				ext.execute_with(|| (clear_legacy_index::<Test>(limit), legacy_keys()));
			ext.commit_all().unwrap();
			(used, left)
		};

		// No room: nothing happens.
		assert_eq!(block(db.reads(1)), (db.reads(1), 12_000));

		// Room for 100 keys: exactly 100 go, within the room.
		let room = db
			.reads(1)
			.saturating_add(db.writes(1))
			.saturating_add(db.reads_writes(100, 100));
		let (used, left) = block(room);
		assert_eq!(left, 11_900);
		assert!(used.all_lte(room));

		// Plenty of room: at most MAX_KEYS_PER_BLOCK per block until done.
		let mut before = left;
		let mut blocks = 0;
		while before > 0 {
			let (_, left) = block(Weight::MAX);
			assert!(before - left <= MAX_KEYS_PER_BLOCK as usize);
			before = left;
			blocks += 1;
		}
		assert_eq!(blocks, 3);
		ext.execute_with(|| {
			// The last block found nothing left and set the version.
			if Pallet::<Test>::on_chain_storage_version() == 0 {
				clear_legacy_index::<Test>(Weight::MAX);
			}
			assert_eq!(Pallet::<Test>::on_chain_storage_version(), 1);
			assert_eq!(unhashed::get_raw(&untouched), Some(b"record".to_vec()));
			assert_eq!(clear_legacy_index::<Test>(Weight::MAX), db.reads(1));
		});
	}
}
