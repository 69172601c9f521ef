//! What the access pallet does when the dataset registry changes a
//! dataset: a policy change decides the requests awaiting approval, a
//! withdrawal ends the contracts.

use crate::*;
use sp_runtime::BoundedVec;

/// The reason a request refused by its dataset's new policy records.
const REFUSED_BY_POLICY: &[u8] = b"refused by the dataset's new policy";

impl<T: Config> OnDatasetPolicyChanged for Pallet<T> {
	/// Decides the dataset's pending requests under the new policy: each
	/// is evaluated under the new rules as it was asked, and is refused if
	/// they refuse it; otherwise it takes the approvals its deciding rule
	/// needs, loses a provider approval that carried no envelope if the data
	/// now needs one, and is approved if its approvals now satisfy it.
	/// Approved contracts keep their terms; the provider may revoke them.
	fn on_policy_changed(dataset: DatasetId, _: AccessPolicy, sensitivity: Sensitivity) -> Weight {
		let now = frame_system::Pallet::<T>::block_number();
		let Some(d) = T::Datasets::dataset(dataset) else { return Weight::zero() };
		let mut touched = 0u32;
		for id in LiveContracts::<T>::iter_prefix_values(dataset).collect::<alloc::vec::Vec<_>>() {
			touched += 1;
			let Some(mut c) = Contracts::<T>::get(id) else { continue };
			if Self::state_now(&c) != ContractState::Requested {
				continue;
			}
			let (evaluation, purpose) =
				Self::evaluate_request(&d, c.consumer, &c.purpose, c.term, c.scope.as_ref());
			let Some(policy) = evaluation.outcome.approvals() else {
				Self::end(id, &mut c, ContractState::Rejected);
				c.reason = Some(BoundedVec::truncate_from(REFUSED_BY_POLICY.to_vec()));
				Contracts::<T>::insert(id, c);
				Self::emit(
					Actor::System,
					None,
					AuditAction::PolicyApplied { granted: false },
					id,
					[Event::RequestRefusedByPolicy { contract: id }],
				);
				continue;
			};
			if let Some(terms) = ContractTerms::decided(purpose, &evaluation, &d.rules) {
				Terms::<T>::insert(id, terms);
			}
			c.policy = policy;
			if needs_envelope(sensitivity) && c.envelope.is_none() {
				c.approvals.provider = None;
			}
			let mut events = alloc::vec![Event::RequestPolicyChanged { contract: id, policy }];
			let granted = c.approvals.satisfy(policy);
			if granted {
				Deadlines::<T>::remove(c.lapses_at, id);
				events.push(Self::grant(id, &mut c, now));
			}
			Contracts::<T>::insert(id, c);
			Self::emit(Actor::System, None, AuditAction::PolicyApplied { granted }, id, events);
		}
		// Per request the same reads and writes as a revocation by the
		// registry (the contract, its deadlines, an event and an entry) and
		// the rules' evaluation, as a request's.
		T::WeightInfo::revoke_by_registry(touched)
			.saturating_add(T::WeightInfo::request_access().saturating_mul(touched.into()))
	}

	fn max_weight() -> Weight {
		let most = <T::MaxDepartments as frame_support::traits::Get<u32>>::get();
		T::WeightInfo::revoke_by_registry(most)
			.saturating_add(T::WeightInfo::request_access().saturating_mul(most.into()))
	}
}

impl<T: Config> Pallet<T> {
	/// Revokes every live contract on `dataset`, a withdrawn dataset or one
	/// of its earlier versions; returns the weight used.
	fn revoke_on_withdrawn(dataset: DatasetId) -> Weight {
		let mut revoked = 0u32;
		for id in LiveContracts::<T>::iter_prefix_values(dataset).collect::<alloc::vec::Vec<_>>() {
			if let Some(mut c) = Contracts::<T>::get(id) {
				Self::end(id, &mut c, ContractState::Revoked);
				Contracts::<T>::insert(id, c);
				Self::emit(
					Actor::System,
					None,
					AuditAction::RevokedByWithdrawal,
					id,
					[Event::AccessRevoked { contract: id, by: None }],
				);
				revoked += 1;
			}
		}
		T::WeightInfo::revoke_by_registry(revoked)
	}

	/// The most weight [`Self::revoke_on_withdrawn`] can use: a dataset has
	/// at most `MaxDepartments` live contracts.
	pub(crate) fn revoke_on_withdrawn_max_weight() -> Weight {
		let most = <T::MaxDepartments as frame_support::traits::Get<u32>>::get();
		T::WeightInfo::revoke_by_registry(most)
	}

	/// Revokes the live contracts of withdrawn earlier versions, a version
	/// at a time, while `remaining` leaves room for a version's worst case;
	/// returns the weight used.
	pub(crate) fn revoke_on_withdrawn_versions(remaining: Weight) -> Weight {
		let db = <T::DbWeight as frame_support::traits::Get<_>>::get();
		// Finding the next version (a read) and dropping it (a write).
		let step = db.reads_writes(1, 1);
		let worst_step = step.saturating_add(Self::revoke_on_withdrawn_max_weight());
		let mut used = db.reads(1);
		while remaining.all_gte(used.saturating_add(worst_step)) {
			let Some(version) = WithdrawnVersions::<T>::iter_keys().next() else { break };
			WithdrawnVersions::<T>::remove(version);
			used = used.saturating_add(step).saturating_add(Self::revoke_on_withdrawn(version));
		}
		used
	}
}

impl<T: Config> OnDatasetWithdrawn for Pallet<T> {
	fn on_dataset_withdrawn(dataset: DatasetId) -> Weight {
		Self::revoke_on_withdrawn(dataset)
	}

	fn max_weight() -> Weight {
		Self::revoke_on_withdrawn_max_weight()
	}

	/// Queues the version for `on_idle` if it has live contracts.
	fn on_earlier_version_withdrawn(version: DatasetId) -> Weight {
		if LiveCount::<T>::get(version) > 0 {
			WithdrawnVersions::<T>::insert(version, ());
		}
		Self::earlier_version_max_weight()
	}

	fn earlier_version_max_weight() -> Weight {
		<T::DbWeight as frame_support::traits::Get<_>>::get().reads_writes(1, 1)
	}
}
