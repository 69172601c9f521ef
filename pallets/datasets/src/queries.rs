//! What the runtime API answers from the records: a department's datasets
//! in pages, and a dataset's versions.

use crate::*;
use alloc::vec::Vec;
use frame_system::pallet_prelude::*;

impl<T: Config> Pallet<T> {
	/// A page of the datasets of `owner` after `cursor`, in ascending id
	/// order: `limit` of them, clamped to 1..=`MAX_PAGE_SIZE`, and the
	/// cursor of the next page if there is one.
	pub fn datasets_of(
		owner: DepartmentId,
		cursor: Option<DatasetId>,
		limit: u32,
	) -> DatasetPage<T::AccountId, BlockNumberFor<T>> {
		let limit = limit.clamp(1, MAX_PAGE_SIZE) as usize;
		let (items, next) = citychain_primitives::paging::page(
			owners::owned_by::<T>(owner, cursor),
			limit,
			// Every id filed under an owner has its record.
			limit + 1,
			Datasets::<T>::get,
			|_| true,
		);
		let items = items.into_iter().map(|(id, dataset)| DatasetItem { id, dataset }).collect();
		DatasetPage { items, next }
	}

	/// The ids of every version of the dataset `id` belongs to, oldest
	/// first, at most `MAX_HISTORY`; empty if `id` is unknown.
	pub fn history(id: DatasetId) -> Vec<DatasetId> {
		let Some(mut record) = Datasets::<T>::get(id) else { return Vec::new() };
		let mut first = id;
		for _ in 1..MAX_HISTORY {
			match record.predecessor.and_then(|p| Datasets::<T>::get(p).map(|r| (p, r))) {
				Some((p, r)) => (first, record) = (p, r),
				None => break,
			}
		}
		let mut versions = Vec::from([first]);
		while let Some(next) = record.successor {
			if versions.len() >= MAX_HISTORY as usize {
				break;
			}
			let Some(r) = Datasets::<T>::get(next) else { break };
			versions.push(next);
			record = r;
		}
		versions
	}
}
