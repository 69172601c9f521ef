//! # Governance
//!
//! A consortium chain has no sudo key: what Root may do, the consortium
//! decides collectively. This pallet gives the governance origin (in
//! CityChain, a 2/3 motion of the council of department delegates) one call,
//! [`dispatch_as_root`](Pallet::dispatch_as_root), which dispatches any call
//! with the Root origin — a runtime upgrade (`System::set_code`) included.
//!
//! ## Dispatchables
//!
//! - [`dispatch_as_root`](Pallet::dispatch_as_root): dispatch a call as Root,
//!   reporting its result in [`Event::DispatchedAsRoot`].
//!
//! ## Proposal slots
//!
//! [`ProposalSlot`] is the council's `Consideration`: the ticket a delegate
//! holds for each motion it proposed, at most
//! [`Config::MaxOpenProposalsPerMember`] at a time. With the council's
//! `MaxProposals` at least that many times its most members, no delegate can
//! fill the slots the others need (to suspend its department, say). A
//! ticket is given back when its motion is killed, or, once the motion is
//! closed, by `Council.release_proposal_cost`, which anyone may call.

#![cfg_attr(not(feature = "std"), no_std)]

extern crate alloc;

pub use pallet::*;

#[cfg(feature = "runtime-benchmarks")]
mod benchmarking;
#[cfg(test)]
mod mock;
#[cfg(test)]
mod tests;
pub mod weights;

pub use weights::WeightInfo;

#[frame_support::pallet]
pub mod pallet {
	use super::*;
	use alloc::boxed::Box;
	use frame_support::{
		dispatch::{GetDispatchInfo, PostDispatchInfo},
		pallet_prelude::*,
		traits::UnfilteredDispatchable,
	};
	use frame_system::pallet_prelude::*;
	use sp_runtime::traits::Dispatchable;

	/// 0: the layout as first released.
	pub const STORAGE_VERSION: StorageVersion = StorageVersion::new(0);

	#[pallet::pallet]
	#[pallet::storage_version(STORAGE_VERSION)]
	pub struct Pallet<T>(_);

	#[pallet::config]
	pub trait Config: frame_system::Config<RuntimeEvent: From<Event<Self>>> {
		/// The calls that governance may dispatch as Root.
		type RuntimeCall: Parameter
			+ UnfilteredDispatchable<RuntimeOrigin = Self::RuntimeOrigin>
			+ Dispatchable<RuntimeOrigin = Self::RuntimeOrigin, PostInfo = PostDispatchInfo>
			+ GetDispatchInfo;

		/// Who may dispatch as Root.
		type GovernanceOrigin: EnsureOrigin<Self::RuntimeOrigin>;

		/// Most council motions one account may have open (see
		/// [`ProposalSlot`]).
		#[pallet::constant]
		type MaxOpenProposalsPerMember: Get<u32>;

		/// Weights of this pallet's calls.
		type WeightInfo: WeightInfo;
	}

	/// How many proposal tickets ([`ProposalSlot`]) each account holds.
	#[pallet::storage]
	pub type OpenProposals<T: Config> =
		StorageMap<_, Blake2_128Concat, T::AccountId, u32, ValueQuery>;

	#[pallet::error]
	pub enum Error<T> {
		/// The proposer has `MaxOpenProposalsPerMember` motions open already;
		/// closed ones give their slot back through
		/// `Council.release_proposal_cost`.
		TooManyOpenProposals,
	}

	#[pallet::event]
	#[pallet::generate_deposit(pub(super) fn deposit_event)]
	pub enum Event<T: Config> {
		/// Governance dispatched a call as Root; `result` is the call's own.
		DispatchedAsRoot { result: DispatchResult },
	}

	#[pallet::call]
	impl<T: Config> Pallet<T> {
		/// Dispatch `call` with the Root origin. The inner call's failure is
		/// reported in the event, not as this call's error, so that the
		/// motion that carried it is recorded as executed.
		#[pallet::call_index(0)]
		#[pallet::weight({
			let info = call.get_dispatch_info();
			(T::WeightInfo::dispatch_as_root().saturating_add(info.call_weight), info.class)
		})]
		pub fn dispatch_as_root(
			origin: OriginFor<T>,
			call: Box<<T as Config>::RuntimeCall>,
		) -> DispatchResultWithPostInfo {
			T::GovernanceOrigin::ensure_origin(origin)?;
			let result = call.dispatch_bypass_filter(frame_system::RawOrigin::Root.into());
			let actual = result.map_or_else(|e| e.post_info.actual_weight, |p| p.actual_weight);
			Self::deposit_event(Event::DispatchedAsRoot {
				result: result.map(|_| ()).map_err(|e| e.error),
			});
			Ok(actual.map(|w| w.saturating_add(T::WeightInfo::dispatch_as_root())).into())
		}
	}
}

/// A council proposal's ticket: one of the proposer's
/// [`Config::MaxOpenProposalsPerMember`] slots, counted in [`OpenProposals`].
#[derive(
	codec::Encode,
	codec::Decode,
	codec::MaxEncodedLen,
	scale_info::TypeInfo,
	frame_support::CloneNoBound,
	frame_support::PartialEqNoBound,
	frame_support::EqNoBound,
	frame_support::DebugNoBound,
)]
#[scale_info(skip_type_params(T))]
pub struct ProposalSlot<T>(core::marker::PhantomData<fn() -> T>);

impl<T: Config> ProposalSlot<T> {
	fn release(who: &T::AccountId) {
		OpenProposals::<T>::mutate_exists(who, |open| {
			*open = open.and_then(|n| n.checked_sub(1)).filter(|n| *n > 0);
		});
	}
}

impl<T: Config> frame_support::traits::Consideration<T::AccountId, u32> for ProposalSlot<T> {
	fn new(who: &T::AccountId, _open_proposals: u32) -> Result<Self, sp_runtime::DispatchError> {
		OpenProposals::<T>::try_mutate(who, |open| {
			frame_support::ensure!(
				*open < <T::MaxOpenProposalsPerMember as frame_support::traits::Get<u32>>::get(),
				Error::<T>::TooManyOpenProposals
			);
			*open += 1;
			Ok(Self(core::marker::PhantomData))
		})
	}

	fn update(
		self,
		_who: &T::AccountId,
		_open_proposals: u32,
	) -> Result<Self, sp_runtime::DispatchError> {
		Ok(self)
	}

	fn drop(self, who: &T::AccountId) -> Result<(), sp_runtime::DispatchError> {
		Self::release(who);
		Ok(())
	}

	/// A killed motion gives its slot back too: the slot is no deposit.
	fn burn(self, who: &T::AccountId) {
		Self::release(who);
	}

	#[cfg(feature = "runtime-benchmarks")]
	fn ensure_successful(who: &T::AccountId, _open_proposals: u32) {
		OpenProposals::<T>::remove(who);
	}
}

impl<T: Config> frame_support::traits::MaybeConsideration<T::AccountId, u32> for ProposalSlot<T> {
	fn is_none(&self) -> bool {
		false
	}
}
