//! What the runtime API answers from the contracts: whether an account may
//! read a dataset now, and pages of contracts.

use crate::*;
use alloc::boxed::Box;
use frame_support::storage::StoragePrefixedMap;
use frame_system::pallet_prelude::*;

impl<T: Config> Pallet<T> {
	/// Whether `who` may read `dataset` now, and on what basis.
	pub fn check(who: &T::AccountId, dataset: DatasetId) -> AccessCheck<BlockNumberFor<T>> {
		let answer = |allowed, basis, contract, expires_at| AccessCheck {
			allowed,
			basis,
			contract,
			expires_at,
			uses_left: None,
		};
		let Some(d) = T::Datasets::dataset(dataset) else {
			return answer(false, AccessBasis::UnknownDataset, None, None);
		};
		let Some(department) = T::Departments::active_department_of(who) else {
			return answer(false, AccessBasis::NotMember, None, None);
		};
		if d.status == DatasetStatus::Withdrawn {
			return answer(false, AccessBasis::Withdrawn, None, None);
		}
		if d.owner == department {
			return answer(true, AccessBasis::Owner, None, None);
		}
		let live = LiveContracts::<T>::get(dataset, department)
			.and_then(|id| Contracts::<T>::get(id).map(|c| (id, c)));
		let (basis, contract, expires_at) = match live {
			Some((id, c)) => match Self::state_now(&c) {
				ContractState::Approved => {
					let uses_left = Terms::<T>::get(id).and_then(|t| t.uses_left());
					let (allowed, basis) = match uses_left {
						Some(0) => (false, AccessBasis::UsesSpent),
						_ => (true, AccessBasis::Contract),
					};
					return AccessCheck {
						uses_left,
						..answer(allowed, basis, Some(id), c.expires_at)
					};
				},
				ContractState::Expired => (AccessBasis::Expired, Some(id), c.expires_at),
				ContractState::Requested => (AccessBasis::Pending, Some(id), None),
				_ => (AccessBasis::NoContract, None, None),
			},
			None => (AccessBasis::NoContract, None, None),
		};
		// Without a granting contract, open data is still readable.
		match d.policy {
			AccessPolicy::Open => answer(true, AccessBasis::OpenData, contract, expires_at),
			_ => answer(false, basis, contract, expires_at),
		}
	}

	/// A page of the contracts matching `query`, in id order. A consumer,
	/// provider or dataset filter is looked up in its index; at most
	/// `MAX_SEARCH_SCAN` records are read per call.
	pub fn contracts(
		query: ContractQuery,
	) -> Result<ContractPage<T::AccountId, BlockNumberFor<T>>, ContractQueryError> {
		let query = query.validate()?;
		let under = |prefix: &[u8], group: &[u8]| {
			citychain_primitives::paging::ids_after([prefix, group].concat(), query.cursor)
		};
		let ids: Box<dyn Iterator<Item = ContractId>> = if let Some(d) = query.consumer {
			Box::new(under(&ByConsumer::<T>::final_prefix(), &d.to_be_bytes()))
		} else if let Some(d) = query.provider {
			Box::new(under(&ByProvider::<T>::final_prefix(), &d.to_be_bytes()))
		} else if let Some(d) = query.dataset {
			Box::new(under(&ByDataset::<T>::final_prefix(), &d.to_be_bytes()))
		} else {
			let after = query.cursor.map_or(0, |c| c.saturating_add(1));
			Box::new(after..NextContractId::<T>::get())
		};
		let (items, next) = citychain_primitives::paging::page(
			ids,
			query.limit as usize,
			MAX_SEARCH_SCAN as usize,
			Contracts::<T>::get,
			|c| query.matches(c),
		);
		let items = items.into_iter().map(|(id, contract)| ContractItem { id, contract }).collect();
		Ok(ContractPage { items, next })
	}
}
