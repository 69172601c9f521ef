//! The pallet's invariants, checked by `try-runtime` and after every unit
//! test.

use crate::*;
use frame_support::pallet_prelude::*;

impl<T: Config> Pallet<T> {
	/// Checks the pallet's invariants: a live contract is in the live
	/// index and the deadline queue and nowhere twice; an Approved one has
	/// every approval its policy requires; an ended one is in neither;
	/// terms belong to contracts and never count more deliveries than their
	/// uses; the vocabulary and jurisdictions stay within their bounds.
	#[cfg(any(feature = "try-runtime", feature = "std"))]
	pub fn do_try_state() -> Result<(), sp_runtime::TryRuntimeError> {
		let mut live = 0usize;
		for (id, c) in Contracts::<T>::iter() {
			let indexed = LiveContracts::<T>::get(c.dataset, c.consumer) == Some(id);
			match c.state {
				ContractState::Requested => {
					ensure!(indexed, "live contract not indexed");
					ensure!(Deadlines::<T>::contains_key(c.lapses_at, id), "request without lapse");
					ensure!(!c.approvals.satisfy(c.policy), "fully approved but Requested");
					live += 1;
				},
				ContractState::Approved => {
					ensure!(indexed, "live contract not indexed");
					ensure!(c.approvals.satisfy(c.policy), "approved without its approvals");
					let expires_at = c.expires_at.ok_or("approved without expiry")?;
					ensure!(
						Deadlines::<T>::contains_key(expires_at, id),
						"approval without expiry"
					);
					live += 1;
				},
				_ => {
					ensure!(!indexed, "ended contract still live");
					ensure!(c.ended_at.is_some(), "ended contract without end");
				},
			}
			ensure!(
				ByConsumer::<T>::contains_key((c.consumer.to_be_bytes(), id.to_be_bytes()))
					&& ByProvider::<T>::contains_key((c.provider.to_be_bytes(), id.to_be_bytes()))
					&& ByDataset::<T>::contains_key((c.dataset.to_be_bytes(), id.to_be_bytes())),
				"contract missing from an index"
			);
		}
		for (id, t) in Terms::<T>::iter() {
			ensure!(Contracts::<T>::contains_key(id), "terms of no contract");
			ensure!(t.uses().is_none_or(|uses| t.used <= uses), "more deliveries than uses");
		}
		ensure!(
			Purposes::<T>::count() <= MAX_PURPOSES
				&& Jurisdictions::<T>::count() <= MAX_JURISDICTIONS,
			"more purposes or jurisdictions than the bounds"
		);
		ensure!(
			Jurisdictions::<T>::iter_keys().all(|id| id < NextJurisdictionId::<T>::get()),
			"a jurisdiction id not yet given"
		);
		ensure!(LiveContracts::<T>::iter().count() == live, "stale live index entry");
		for (dataset, n) in LiveCount::<T>::iter() {
			ensure!(
				n > 0 && LiveContracts::<T>::iter_prefix(dataset).count() as u32 == n,
				"live count differs from the live index"
			);
		}
		ensure!(
			LiveCount::<T>::iter_values().map(|n| n as usize).sum::<usize>() == live,
			"live count differs from the live contracts"
		);
		ensure!(Deadlines::<T>::iter().count() == live, "stale deadline");
		ensure!(
			Deadlines::<T>::iter_keys().all(|(at, _)| at >= DeadlineCursor::<T>::get()),
			"deadline behind the cursor"
		);
		Ok(())
	}
}
