//! # Validator set
//!
//! The validators of a consortium chain are run by its departments, and the
//! consortium decides who validates. This pallet keeps that decision: the
//! governance origin (in CityChain, a 2/3 motion of the council) adds a
//! department member's account as a validator or removes one, and the pallet
//! hands the set to `pallet-session` as its [`SessionManager`].
//!
//! ## Rules
//!
//! - A validator is a member of an active department, and a department has at
//!   most one validator, so no department holds more than one vote in
//!   consensus.
//! - A validator must have registered its session keys (`session.setKeys`
//!   with the keys from its node's `author_rotateKeys`) before it is added, so
//!   that it can author from the session it joins.
//! - A removal that would leave fewer than [`Config::MinValidators`] is
//!   refused: with Aura and GRANDPA, four validators tolerate one fault. A
//!   smaller genesis set (a development chain) can only grow.
//! - A department that is suspended or retired loses its validator
//!   ([`OnDepartmentStatusChanged`]), within the same minimum: a suspension
//!   that would leave fewer is refused until governance adds another
//!   department's validator.
//!
//! - A validator reported for an offence (a GRANDPA equivocation, through
//!   `pallet-offences`) is removed as governance would remove it, within the
//!   same minimum; at the minimum it stays, and the report is recorded for
//!   governance to act on ([`Event::OffenceReported`]).
//!
//! ## When a change takes effect
//!
//! `pallet-session` asks for the next set at the start of every session and
//! uses it one session later. A change made during session `n` is therefore
//! planned at the start of session `n + 1` ([`Event::NewSetPlanned`]) and
//! validators author and vote with it from the start of session `n + 2`.
//!
//! ## Dispatchables
//!
//! - [`add_validator`](Pallet::add_validator): governance adds a validator.
//! - [`remove_validator`](Pallet::remove_validator): governance removes one.

#![cfg_attr(not(feature = "std"), no_std)]

extern crate alloc;

pub use pallet::*;

#[cfg(feature = "runtime-benchmarks")]
mod benchmarking;
#[cfg(test)]
mod mock;
#[cfg(test)]
mod tests;
#[cfg(any(feature = "try-runtime", test))]
mod try_state;
pub mod weights;

pub use citychain_primitives::{
	audit::{Actor, AuditAction, AuditSink, Subject},
	departments::OnDepartmentStatusChanged,
	DepartmentDirectory, DepartmentId,
};
pub use weights::WeightInfo;

/// Makes validator candidates for the benchmarks: the runtime creates a
/// member of a new active department and registers session keys for it.
#[cfg(feature = "runtime-benchmarks")]
pub trait BenchmarkHelper<AccountId> {
	/// A member of a new active department with registered session keys.
	fn candidate() -> AccountId;
}

#[frame_support::pallet]
pub mod pallet {
	use super::*;
	use alloc::vec::Vec;
	use frame_support::{pallet_prelude::*, traits::ValidatorRegistration};
	use frame_system::pallet_prelude::*;

	/// The validators: each account with the department it validates for.
	pub type ValidatorsOf<T> = BoundedVec<
		(<T as frame_system::Config>::AccountId, DepartmentId),
		<T as Config>::MaxValidators,
	>;

	/// 0: the layout as first released.
	pub const STORAGE_VERSION: StorageVersion = StorageVersion::new(0);

	#[pallet::pallet]
	#[pallet::storage_version(STORAGE_VERSION)]
	pub struct Pallet<T>(_);

	#[pallet::config]
	pub trait Config: frame_system::Config<RuntimeEvent: From<Event<Self>>> {
		/// Who may add and remove validators.
		type GovernanceOrigin: EnsureOrigin<Self::RuntimeOrigin>;

		/// The departments and their members.
		type Departments: DepartmentDirectory<Self::AccountId>;

		/// Whether an account has registered session keys (`pallet-session`).
		type KeysRegistered: ValidatorRegistration<Self::AccountId>;

		/// Fewest validators the set may shrink to.
		#[pallet::constant]
		type MinValidators: Get<u32>;

		/// Most validators.
		#[pallet::constant]
		type MaxValidators: Get<u32>;

		/// Where every change is recorded.
		type Audit: AuditSink<Self::AccountId>;

		/// Weights of this pallet's calls.
		type WeightInfo: WeightInfo;

		/// Makes validator candidates for the benchmarks.
		#[cfg(feature = "runtime-benchmarks")]
		type BenchmarkHelper: BenchmarkHelper<Self::AccountId>;
	}

	/// The validator set the next session plan takes, in the order it was
	/// built (genesis order, then additions).
	#[pallet::storage]
	pub type Validators<T: Config> = StorageValue<_, ValidatorsOf<T>, ValueQuery>;

	/// Whether [`Validators`] changed since it was last handed to the session
	/// pallet.
	#[pallet::storage]
	pub type PendingChange<T: Config> = StorageValue<_, bool, ValueQuery>;

	#[pallet::genesis_config]
	#[derive(frame_support::DefaultNoBound)]
	pub struct GenesisConfig<T: Config> {
		/// The validators of the first sessions, each a member of an active
		/// department, at most one per department.
		pub validators: Vec<T::AccountId>,
	}

	#[pallet::genesis_build]
	impl<T: Config> BuildGenesisConfig for GenesisConfig<T> {
		fn build(&self) {
			let mut set = ValidatorsOf::<T>::default();
			for who in &self.validators {
				let department = T::Departments::active_department_of(who)
					.expect("a genesis validator is a member of an active department");
				assert!(
					!set.iter().any(|(_, d)| *d == department),
					"a department has at most one genesis validator"
				);
				set.try_push((who.clone(), department))
					.expect("at most MaxValidators genesis validators");
			}
			Validators::<T>::put(set);
		}
	}

	#[pallet::hooks]
	impl<T: Config> Hooks<BlockNumberFor<T>> for Pallet<T> {
		#[cfg(feature = "try-runtime")]
		fn try_state(_n: BlockNumberFor<T>) -> Result<(), sp_runtime::TryRuntimeError> {
			Self::do_try_state()
		}
	}

	#[pallet::event]
	#[pallet::generate_deposit(pub(super) fn deposit_event)]
	pub enum Event<T: Config> {
		/// `who` will validate for `department` from the session after next.
		ValidatorAdded { who: T::AccountId, department: DepartmentId },
		/// `who` will stop validating for `department` from the session after
		/// next.
		ValidatorRemoved { who: T::AccountId, department: DepartmentId },
		/// The changed set was handed to the session pallet; it is active from
		/// session `session`.
		NewSetPlanned { session: u32, validators: u32 },
		/// `who`, validating for `department`, was reported for an offence
		/// in session `session`; `removed`: it leaves from the session after
		/// next (false when the set is at its minimum).
		OffenceReported { who: T::AccountId, department: DepartmentId, session: u32, removed: bool },
	}

	#[pallet::error]
	pub enum Error<T> {
		/// The account is not a member of an active department.
		NotActiveMember,
		/// The account is already a validator.
		AlreadyValidator,
		/// The account's department already has a validator.
		DepartmentHasValidator,
		/// The account has not registered session keys (`session.setKeys`).
		NoSessionKeys,
		/// The set already has `MaxValidators` validators.
		TooManyValidators,
		/// The account is not a validator.
		NotValidator,
		/// The removal would leave fewer than `MinValidators` validators.
		TooFewValidators,
	}

	#[pallet::call]
	impl<T: Config> Pallet<T> {
		/// Add `who`, a member of an active department with registered session
		/// keys, as its department's validator. Takes effect from the session
		/// after next. Governance origin only.
		#[pallet::call_index(0)]
		#[pallet::weight(T::WeightInfo::add_validator())]
		pub fn add_validator(origin: OriginFor<T>, who: T::AccountId) -> DispatchResult {
			T::GovernanceOrigin::ensure_origin(origin)?;
			let department =
				T::Departments::active_department_of(&who).ok_or(Error::<T>::NotActiveMember)?;
			let mut set = Validators::<T>::get();
			ensure!(!set.iter().any(|(v, _)| *v == who), Error::<T>::AlreadyValidator);
			ensure!(!set.iter().any(|(_, d)| *d == department), Error::<T>::DepartmentHasValidator);
			ensure!(T::KeysRegistered::is_registered(&who), Error::<T>::NoSessionKeys);
			set.try_push((who.clone(), department))
				.map_err(|_| Error::<T>::TooManyValidators)?;
			let event = Event::ValidatorAdded { who, department };
			Self::apply(set, department, AuditAction::ValidatorAdded, event);
			Ok(())
		}

		/// Remove validator `who`. Takes effect from the session after next.
		/// Refused if fewer than `MinValidators` would remain. Governance
		/// origin only.
		#[pallet::call_index(1)]
		#[pallet::weight(T::WeightInfo::remove_validator())]
		pub fn remove_validator(origin: OriginFor<T>, who: T::AccountId) -> DispatchResult {
			T::GovernanceOrigin::ensure_origin(origin)?;
			let mut set = Validators::<T>::get();
			let position =
				set.iter().position(|(v, _)| *v == who).ok_or(Error::<T>::NotValidator)?;
			ensure!(set.len() as u32 > T::MinValidators::get(), Error::<T>::TooFewValidators);
			let (_, department) = set.remove(position);
			let event = Event::ValidatorRemoved { who, department };
			Self::apply(set, department, AuditAction::ValidatorRemoved, event);
			Ok(())
		}
	}

	impl<T: Config> Pallet<T> {
		/// The accounts of the validator set, in order.
		pub fn accounts() -> Vec<T::AccountId> {
			Validators::<T>::get().into_iter().map(|(who, _)| who).collect()
		}

		/// Store the changed set for the next session plan, record the change
		/// in the audit log against `department` and emit `event`.
		pub(crate) fn apply(
			set: ValidatorsOf<T>,
			department: DepartmentId,
			action: AuditAction,
			event: Event<T>,
		) {
			Self::store(set);
			Self::record(Actor::Governance, department, action, event);
		}

		/// Stores the changed set for the next session plan.
		fn store(set: ValidatorsOf<T>) {
			Validators::<T>::put(set);
			PendingChange::<T>::put(true);
		}

		/// Records `event` in the audit log against `department` and emits it.
		fn record(
			actor: Actor<T::AccountId>,
			department: DepartmentId,
			action: AuditAction,
			event: Event<T>,
		) {
			let subject = Subject::Department(department);
			T::Audit::record_events(actor, None, action, subject, [event], Self::deposit_event);
		}

		/// Removes the reported validator `who` if the set stays at or above
		/// its minimum; records the report either way. Not a validator (any
		/// more): nothing to do.
		pub(crate) fn punish(who: T::AccountId, session: u32) {
			let mut set = Validators::<T>::get();
			let Some(position) = set.iter().position(|(v, _)| *v == who) else { return };
			let department = set[position].1;
			let removed = set.len() as u32 > T::MinValidators::get();
			let event = Event::OffenceReported { who, department, session, removed };
			let action = AuditAction::OffenceReported { removed };
			if removed {
				set.remove(position);
				Self::store(set);
			}
			Self::record(Actor::System, department, action, event);
		}
	}

	impl<T: Config> pallet_session::SessionManager<T::AccountId> for Pallet<T> {
		fn new_session(new_index: u32) -> Option<Vec<T::AccountId>> {
			if !PendingChange::<T>::take() {
				return None;
			}
			let validators = Self::accounts();
			Self::deposit_event(Event::NewSetPlanned {
				session: new_index,
				validators: validators.len() as u32,
			});
			Some(validators)
		}

		fn new_session_genesis(_new_index: u32) -> Option<Vec<T::AccountId>> {
			let validators = Self::accounts();
			(!validators.is_empty()).then_some(validators)
		}

		fn end_session(_end_index: u32) {}

		fn start_session(_start_index: u32) {}
	}

	/// The session validators' tries that prove key ownership (for offence
	/// reports) identify a validator by its account alone.
	impl<T: Config> pallet_session::historical::SessionManager<T::AccountId, ()> for Pallet<T> {
		fn new_session(new_index: u32) -> Option<Vec<(T::AccountId, ())>> {
			<Self as pallet_session::SessionManager<_>>::new_session(new_index)
				.map(|set| set.into_iter().map(|who| (who, ())).collect())
		}

		fn new_session_genesis(new_index: u32) -> Option<Vec<(T::AccountId, ())>> {
			<Self as pallet_session::SessionManager<_>>::new_session_genesis(new_index)
				.map(|set| set.into_iter().map(|who| (who, ())).collect())
		}

		fn start_session(start_index: u32) {
			<Self as pallet_session::SessionManager<_>>::start_session(start_index)
		}

		fn end_session(end_index: u32) {
			<Self as pallet_session::SessionManager<_>>::end_session(end_index)
		}
	}
}

/// A validator's full identification for offence reports: nothing beyond
/// its account (no stake to slash).
pub struct NoIdentification;

impl<AccountId> sp_runtime::traits::Convert<AccountId, Option<()>> for NoIdentification {
	fn convert(_: AccountId) -> Option<()> {
		Some(())
	}
}

/// Offences reported by `pallet-offences` (GRANDPA equivocations): each
/// offender that is still a validator is removed from the session after
/// next, unless the set is at its minimum; every report is recorded in the
/// audit log and as [`Event::OffenceReported`]. There is no stake, so no
/// slash: the consortium's remedy is governance (suspending the
/// department).
impl<T: Config, Identification>
	sp_staking::offence::OnOffenceHandler<
		T::AccountId,
		(T::AccountId, Identification),
		frame_support::weights::Weight,
	> for Pallet<T>
{
	fn on_offence(
		offenders: &[sp_staking::offence::OffenceDetails<
			T::AccountId,
			(T::AccountId, Identification),
		>],
		_slash_fraction: &[sp_runtime::Perbill],
		session: u32,
	) -> frame_support::weights::Weight {
		for details in offenders {
			Self::punish(details.offender.0.clone(), session);
		}
		T::WeightInfo::remove_validator().saturating_mul(offenders.len() as u64)
	}
}

/// A department that stops being active loses its validator, from the
/// session after next, as if governance had removed it; if that would leave
/// fewer than `MinValidators`, the status change is refused with
/// `TooFewValidators` (governance adds another department's validator
/// first). A department that becomes active again gets its validator back
/// only by `add_validator`.
impl<T: Config> OnDepartmentStatusChanged for Pallet<T> {
	fn on_status_changed(department: DepartmentId, active: bool) -> sp_runtime::DispatchResult {
		if active {
			return Ok(());
		}
		let mut set = Validators::<T>::get();
		let Some(position) = set.iter().position(|(_, d)| *d == department) else {
			return Ok(());
		};
		frame_support::ensure!(
			set.len() as u32 > <T::MinValidators as frame_support::traits::Get<u32>>::get(),
			Error::<T>::TooFewValidators
		);
		let (who, _) = set.remove(position);
		Self::apply(
			set,
			department,
			AuditAction::ValidatorRemoved,
			Event::ValidatorRemoved { who, department },
		);
		Ok(())
	}

	fn max_weight() -> frame_support::weights::Weight {
		T::WeightInfo::remove_validator()
	}
}
