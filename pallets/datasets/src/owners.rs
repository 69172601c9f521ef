//! The datasets of each department, in id order: what
//! `DatasetsApi::datasets_of` pages through. One key per record, no value;
//! the key is the department and the dataset id, big-endian and unhashed
//! (`Identity`), so one department's datasets are one contiguous, ordered
//! run of the trie.

use crate::{
	pallet::{Config, OwnerIndex},
	DatasetId, DepartmentId,
};
use frame_support::storage::StoragePrefixedMap;

/// A key of the owner index: department, dataset (both big-endian).
pub type OwnerKey = ([u8; 4], [u8; 8]);

fn key(owner: DepartmentId, id: DatasetId) -> OwnerKey {
	(owner.to_be_bytes(), id.to_be_bytes())
}

/// Files `id` under `owner`.
pub fn insert<T: Config>(owner: DepartmentId, id: DatasetId) {
	OwnerIndex::<T>::insert(key(owner, id), ());
}

/// Whether `id` is filed under `owner`.
#[cfg(any(feature = "try-runtime", feature = "std"))]
pub fn contains<T: Config>(owner: DepartmentId, id: DatasetId) -> bool {
	OwnerIndex::<T>::contains_key(key(owner, id))
}

/// The ids after `cursor`, ascending, of the datasets of `owner`.
pub fn owned_by<T: Config>(
	owner: DepartmentId,
	cursor: Option<DatasetId>,
) -> impl Iterator<Item = DatasetId> {
	let mut prefix = OwnerIndex::<T>::final_prefix().to_vec();
	prefix.extend_from_slice(&owner.to_be_bytes());
	citychain_primitives::paging::ids_after(prefix, cursor)
}
