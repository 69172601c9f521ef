//! # Departments
//!
//! The identity layer of the CityChain consortium: which government
//! departments are members, which accounts act for them, and with which
//! roles.
//!
//! ## Concepts
//!
//! - A **department** has a name, a [`DepartmentKind`], a [`DepartmentStatus`]
//!   (`Active`, `Suspended`, `Retired`), an optional x25519 encryption key to
//!   which other departments seal data keys, and a metadata URI.
//! - A **member** is an account acting for exactly one department, holding
//!   any of the roles Admin, Publisher, Approver and Auditor. Every department
//!   always has at least one Admin. Membership makes the account exist
//!   (it provides the account), so a new member can transact at once without
//!   being sent funds; the account is never reaped afterwards, so removal
//!   and readmission cannot reset its nonce.
//! - Each department names one member as its **delegate**. The delegates of
//!   the active departments are the members of the council
//!   ([`Config::Council`]); this pallet is the only thing that changes the
//!   council's membership.
//!
//! ## Dispatchables
//!
//! Governance ([`Config::GovernanceOrigin`], Root or a council motion):
//! - [`register_department`](Pallet::register_department): admit a department
//!   with its first Admin, who is also its delegate.
//! - [`set_department_status`](Pallet::set_department_status): suspend,
//!   reactivate or retire a department.
//!
//! The department's Admin, for their own (active) department:
//! - [`add_member`](Pallet::add_member): admit an account with roles.
//! - [`set_member_roles`](Pallet::set_member_roles): change a member's roles.
//! - [`remove_member`](Pallet::remove_member): remove a member.
//! - [`set_encryption_key`](Pallet::set_encryption_key): publish the x25519
//!   key.
//! - [`update_department`](Pallet::update_department): change name, metadata
//!   URI or delegate.
//!
//! ## For other pallets
//!
//! [`Pallet`] implements [`DepartmentDirectory`]: who is a member of which
//! department, with which roles, and which departments are active
//! regulators. Other pallets name that trait in their `Config` and never
//! depend on this crate.

#![cfg_attr(not(feature = "std"), no_std)]

extern crate alloc;

pub use pallet::*;

mod allowance;
#[cfg(feature = "runtime-benchmarks")]
mod benchmarking;
mod council;
mod lifecycle;
mod members;
pub mod migrations;
#[cfg(test)]
mod mock;
#[cfg(test)]
mod tests;
#[cfg(any(feature = "try-runtime", feature = "std"))]
mod try_state;
pub mod types;
pub mod weights;

pub use citychain_primitives::{
	audit::{Actor, AuditAction, AuditSink, Subject},
	departments::OnDepartmentStatusChanged,
	DepartmentDirectory, DepartmentId, DepartmentKind, DepartmentStatus, EncryptionKey, Membership,
	Role, Roles,
};
pub use types::*;
pub use weights::WeightInfo;

#[frame_support::pallet]
pub mod pallet {
	use super::*;
	use alloc::vec::Vec;
	use frame_support::{
		pallet_prelude::*,
		traits::{ChangeMembers, InitializeMembers},
	};
	use frame_system::pallet_prelude::*;
	use sp_runtime::Saturating;

	/// The department record as stored.
	pub type DepartmentOf<T> = Department<
		<T as frame_system::Config>::AccountId,
		BlockNumberFor<T>,
		<T as Config>::MaxNameLength,
		<T as Config>::MaxUriLength,
	>;

	/// 1: [`StandingDepartments`] counts the departments not retired.
	/// 2: [`Spent`] keeps a department's spending per slot of the period.
	pub const STORAGE_VERSION: StorageVersion = StorageVersion::new(2);

	#[pallet::pallet]
	#[pallet::storage_version(STORAGE_VERSION)]
	pub struct Pallet<T>(_);

	#[pallet::config]
	pub trait Config: frame_system::Config<RuntimeEvent: From<Event<Self>>> {
		/// Who may register departments and change their status: Root or a
		/// council motion.
		type GovernanceOrigin: EnsureOrigin<Self::RuntimeOrigin>;

		/// The council whose members are the delegates of the active
		/// departments.
		type Council: ChangeMembers<Self::AccountId> + InitializeMembers<Self::AccountId>;

		/// Most departments that are not retired at once (also the most
		/// council seats); a retired department frees its place.
		#[pallet::constant]
		type MaxDepartments: Get<u32>;

		/// Most member accounts of one department.
		#[pallet::constant]
		type MaxMembersPerDepartment: Get<u32>;

		/// Longest department name, in bytes.
		#[pallet::constant]
		type MaxNameLength: Get<u32>;

		/// Longest metadata URI, in bytes.
		#[pallet::constant]
		type MaxUriLength: Get<u32>;

		/// The audit log every call records in.
		type Audit: AuditSink<Self::AccountId>;

		/// Told when a department stops or starts being active, so that its
		/// validator and nodes follow; its error refuses the status change.
		type OnStatusChanged: OnDepartmentStatusChanged;

		/// Length of an allowance period, in blocks.
		#[pallet::constant]
		type AllowancePeriod: Get<u32>;

		/// What a department may spend per period unless governance gives
		/// it another allowance.
		#[pallet::constant]
		type DefaultAllowance: Get<Allowance>;

		/// The weight of the values every member's transaction reads (and
		/// writes) that are the same for all transactions of a block: each
		/// department's record, allowance and spending, bounded by
		/// `MaxDepartments`, and whatever else the runtime's transaction
		/// checks read. `on_initialize` charges it once a block, so the
		/// checks charge each transaction only for its signer's own record.
		type TransactionChecksPerBlock: Get<Weight>;

		/// The most weight one change of the council's membership can cost
		/// (`Council`'s own, with its most members and open motions); added
		/// to the weight of every call that moves a seat.
		type CouncilChangeWeight: Get<Weight>;

		/// Weights of this pallet's calls.
		type WeightInfo: WeightInfo;
	}

	/// The id the next registered department gets.
	#[pallet::storage]
	pub type NextDepartmentId<T> = StorageValue<_, DepartmentId, ValueQuery>;

	/// How many departments are active or suspended (not retired): at most
	/// `MaxDepartments`.
	#[pallet::storage]
	pub type StandingDepartments<T> = StorageValue<_, u32, ValueQuery>;

	/// Departments by id.
	#[pallet::storage]
	pub type Departments<T: Config> = StorageMap<_, Twox64Concat, DepartmentId, DepartmentOf<T>>;

	/// The department and roles of every member account.
	#[pallet::storage]
	pub type Members<T: Config> = StorageMap<_, Blake2_128Concat, T::AccountId, MemberRecord>;

	/// The member accounts of each department, for listing them.
	#[pallet::storage]
	pub type DepartmentMembers<T: Config> = StorageDoubleMap<
		_,
		Twox64Concat,
		DepartmentId,
		Blake2_128Concat,
		T::AccountId,
		(),
		OptionQuery,
	>;

	/// The allowances governance gave departments other than the default.
	#[pallet::storage]
	pub type Allowances<T: Config> = StorageMap<_, Twox64Concat, DepartmentId, Allowance>;

	/// What each department has spent in the latest slots of its allowance
	/// period.
	#[pallet::storage]
	pub type Spent<T: Config> = StorageMap<_, Twox64Concat, DepartmentId, Usage, ValueQuery>;

	/// The delegates of the active departments, sorted: the council's
	/// membership as this pallet last set it.
	#[pallet::storage]
	pub type CouncilSeats<T: Config> =
		StorageValue<_, BoundedVec<T::AccountId, T::MaxDepartments>, ValueQuery>;

	#[pallet::genesis_config]
	#[derive(frame_support::DefaultNoBound)]
	pub struct GenesisConfig<T: Config> {
		pub departments: Vec<GenesisDepartment<T::AccountId>>,
	}

	#[pallet::genesis_build]
	impl<T: Config> BuildGenesisConfig for GenesisConfig<T> {
		fn build(&self) {
			for d in &self.departments {
				let ((delegate, delegate_roles), others) =
					d.members.split_first().expect("a genesis department has members");
				assert!(
					delegate_roles.contains(Role::Admin),
					"a genesis department's first member is an Admin"
				);
				let id = Pallet::<T>::do_register_department(
					d.name.as_bytes().to_vec(),
					d.kind,
					delegate.clone(),
					*delegate_roles,
					d.metadata_uri.as_bytes().to_vec(),
				)
				.expect("genesis department is valid");
				for (who, roles) in others {
					Pallet::<T>::do_add_member(id, who.clone(), *roles)
						.expect("genesis member is valid");
				}
				Departments::<T>::mutate(id, |dept| {
					if let Some(dept) = dept {
						dept.encryption_key = d.encryption_key;
						dept.status = d.status;
					}
				});
				if d.status == DepartmentStatus::Retired {
					StandingDepartments::<T>::mutate(|n| n.saturating_dec());
				}
			}
			Pallet::<T>::initialize_council().expect("genesis departments fit");
		}
	}

	#[pallet::event]
	#[pallet::generate_deposit(pub(super) fn deposit_event)]
	pub enum Event<T: Config> {
		/// A department was admitted; `admin` is its first Admin and delegate.
		DepartmentRegistered { department: DepartmentId, kind: DepartmentKind, admin: T::AccountId },
		/// A department's status changed.
		DepartmentStatusChanged { department: DepartmentId, status: DepartmentStatus },
		/// A department's name or metadata URI changed.
		DepartmentUpdated { department: DepartmentId },
		/// A department named a new delegate to the council.
		DelegateChanged { department: DepartmentId, delegate: T::AccountId },
		/// An account joined a department.
		MemberAdded { department: DepartmentId, who: T::AccountId, roles: Roles },
		/// A member's roles changed.
		MemberRolesChanged { department: DepartmentId, who: T::AccountId, roles: Roles },
		/// An account left a department.
		MemberRemoved { department: DepartmentId, who: T::AccountId },
		/// A department published a new x25519 encryption key.
		EncryptionKeySet { department: DepartmentId, key: EncryptionKey },
		/// Governance set a department's allowance (`None`: back to the
		/// default).
		AllowanceSet { department: DepartmentId, allowance: Option<Allowance> },
	}

	#[pallet::error]
	pub enum Error<T> {
		/// The name is empty.
		EmptyName,
		/// The name is longer than `MaxNameLength`.
		NameTooLong,
		/// The metadata URI is longer than `MaxUriLength`.
		UriTooLong,
		/// No department has this id.
		UnknownDepartment,
		/// `MaxDepartments` departments are active or suspended already.
		TooManyDepartments,
		/// The department has `MaxMembersPerDepartment` members already.
		TooManyMembers,
		/// The account is a member of a department already.
		AlreadyMember,
		/// The caller is not a member of any department.
		NotMember,
		/// The caller does not hold the Admin role.
		NotAdmin,
		/// The account is not a member of the caller's department.
		NotMemberOfDepartment,
		/// The department is suspended or retired.
		DepartmentNotActive,
		/// A department cannot move from its status to the one asked for.
		InvalidStatusTransition,
		/// The change would leave the department without an Admin.
		LastAdmin,
		/// The member is the department's delegate; name another one first.
		MemberIsDelegate,
		/// The delegate must be a member of the department.
		DelegateNotMember,
		/// The key is an x25519 point of small order (all zeroes, say), to
		/// which sealing would be no secret.
		InvalidEncryptionKey,
		/// An update call that changes nothing.
		NothingToUpdate,
		/// An allowance of no transactions or no bytes: suspend the department
		/// instead.
		EmptyAllowance,
	}

	citychain_primitives::not_acting_errors!(Error, NotAdmin);

	#[pallet::hooks]
	impl<T: Config> Hooks<BlockNumberFor<T>> for Pallet<T> {
		/// [`Config::TransactionChecksPerBlock`]: after their first access in
		/// a block those values are in the block's overlay, and the block
		/// commits each once.
		fn on_initialize(_now: BlockNumberFor<T>) -> Weight {
			T::TransactionChecksPerBlock::get()
		}

		#[cfg(feature = "try-runtime")]
		fn try_state(_n: BlockNumberFor<T>) -> Result<(), sp_runtime::TryRuntimeError> {
			Self::do_try_state()
		}
	}

	#[pallet::call]
	impl<T: Config> Pallet<T> {
		/// Admit a department. `admin` becomes its first member, with the Admin
		/// role, and its delegate to the council.
		#[pallet::call_index(0)]
		#[pallet::weight(
			T::WeightInfo::register_department()
				.saturating_add(T::CouncilChangeWeight::get())
		)]
		pub fn register_department(
			origin: OriginFor<T>,
			name: Vec<u8>,
			kind: DepartmentKind,
			admin: T::AccountId,
			metadata_uri: Vec<u8>,
		) -> DispatchResult {
			T::GovernanceOrigin::ensure_origin(origin)?;
			let department = Self::do_register_department(
				name,
				kind,
				admin.clone(),
				Roles::only(Role::Admin),
				metadata_uri,
			)?;
			Self::change_council(Some(&admin), None)?;
			Self::emit(
				Actor::Governance,
				department,
				AuditAction::DepartmentRegistered,
				Event::DepartmentRegistered { department, kind, admin },
			);
			Ok(())
		}

		/// Suspend, reactivate or retire a department. The members of a
		/// department that is not active can no longer transact, its
		/// delegate leaves the council, and [`Config::OnStatusChanged`] takes
		/// its validator and nodes out. Retirement is final.
		#[pallet::call_index(1)]
		#[pallet::weight(
			T::WeightInfo::set_department_status()
				.saturating_add(T::CouncilChangeWeight::get())
				.saturating_add(T::OnStatusChanged::max_weight())
		)]
		pub fn set_department_status(
			origin: OriginFor<T>,
			department: DepartmentId,
			status: DepartmentStatus,
		) -> DispatchResultWithPostInfo {
			T::GovernanceOrigin::ensure_origin(origin)?;
			let moves_seat = Self::do_set_department_status(department, status)?;
			Self::emit(
				Actor::Governance,
				department,
				AuditAction::DepartmentStatusChanged,
				Event::DepartmentStatusChanged { department, status },
			);
			// Neither the council nor the validators and nodes change when
			// the department stays (in)active: that part is refunded.
			let actual = T::WeightInfo::set_department_status();
			Ok(Some(if moves_seat {
				actual
					.saturating_add(T::CouncilChangeWeight::get())
					.saturating_add(T::OnStatusChanged::max_weight())
			} else {
				actual
			})
			.into())
		}

		/// Admit `who` to the caller's department with `roles`.
		#[pallet::call_index(2)]
		#[pallet::weight(T::WeightInfo::add_member())]
		pub fn add_member(origin: OriginFor<T>, who: T::AccountId, roles: Roles) -> DispatchResult {
			let (admin, department) = Self::ensure_admin(origin)?;
			Self::do_add_member(department, who.clone(), roles)?;
			Self::emit(
				Actor::Account(admin),
				department,
				AuditAction::MemberAdded,
				Event::MemberAdded { department, who, roles },
			);
			Ok(())
		}

		/// Replace the roles of `who`, a member of the caller's department.
		#[pallet::call_index(3)]
		#[pallet::weight(T::WeightInfo::set_member_roles())]
		pub fn set_member_roles(
			origin: OriginFor<T>,
			who: T::AccountId,
			roles: Roles,
		) -> DispatchResult {
			let (admin, department) = Self::ensure_admin(origin)?;
			Self::do_set_member_roles(department, &who, roles)?;
			Self::emit(
				Actor::Account(admin),
				department,
				AuditAction::MemberRolesChanged,
				Event::MemberRolesChanged { department, who, roles },
			);
			Ok(())
		}

		/// Remove `who` from the caller's department. The last Admin and the
		/// delegate cannot be removed. The account itself stays, with its
		/// nonce, so none of its signed transactions can be replayed, and
		/// nothing the member holds elsewhere (session keys, say) can block
		/// its removal.
		#[pallet::call_index(4)]
		#[pallet::weight(T::WeightInfo::remove_member())]
		pub fn remove_member(origin: OriginFor<T>, who: T::AccountId) -> DispatchResult {
			let (admin, department) = Self::ensure_admin(origin)?;
			Self::do_remove_member(department, &who)?;
			Self::emit(
				Actor::Account(admin),
				department,
				AuditAction::MemberRemoved,
				Event::MemberRemoved { department, who },
			);
			Ok(())
		}

		/// Publish the caller's department's x25519 public key.
		#[pallet::call_index(5)]
		#[pallet::weight(T::WeightInfo::set_encryption_key())]
		pub fn set_encryption_key(origin: OriginFor<T>, key: EncryptionKey) -> DispatchResult {
			let (admin, department) = Self::ensure_admin(origin)?;
			Self::do_set_encryption_key(department, key)?;
			Self::emit(
				Actor::Account(admin),
				department,
				AuditAction::EncryptionKeySet,
				Event::EncryptionKeySet { department, key },
			);
			Ok(())
		}

		/// Change the caller's department's name, metadata URI or delegate;
		/// fields left `None` stay as they are. A new delegate must be a member
		/// of the department and takes the council seat at once.
		#[pallet::call_index(6)]
		#[pallet::weight(T::WeightInfo::update_department().saturating_add(T::CouncilChangeWeight::get()))]
		pub fn update_department(
			origin: OriginFor<T>,
			name: Option<Vec<u8>>,
			metadata_uri: Option<Vec<u8>>,
			delegate: Option<T::AccountId>,
		) -> DispatchResultWithPostInfo {
			let (admin, department) = Self::ensure_admin(origin)?;
			let (describes, new_delegate) =
				Self::do_update_department(department, name, metadata_uri, delegate)?;
			let changes_delegate = new_delegate.is_some();
			// One audit entry for the call, whose details are both events.
			let described = describes.then_some(Event::DepartmentUpdated { department });
			let delegated =
				new_delegate.map(|delegate| Event::DelegateChanged { department, delegate });
			T::Audit::record_events(
				Actor::Account(admin),
				Some(department),
				AuditAction::DepartmentUpdated,
				Subject::Department(department),
				described.into_iter().chain(delegated),
				Self::deposit_event,
			);
			// The council's change is refunded when the delegate stays.
			let actual = T::WeightInfo::update_department();
			Ok(Some(if changes_delegate {
				actual.saturating_add(T::CouncilChangeWeight::get())
			} else {
				actual
			})
			.into())
		}

		/// Set what `department` may spend per allowance period (`None`: the
		/// runtime's default). Takes effect at once; what was spent this
		/// period still counts.
		#[pallet::call_index(7)]
		// One read (the department) and one write of a small value: the
		// same as `set_encryption_key`, whose benchmark bounds this call.
		#[pallet::weight(T::WeightInfo::set_encryption_key())]
		pub fn set_allowance(
			origin: OriginFor<T>,
			department: DepartmentId,
			allowance: Option<Allowance>,
		) -> DispatchResult {
			T::GovernanceOrigin::ensure_origin(origin)?;
			Self::do_set_allowance(department, allowance)?;
			Self::emit(
				Actor::Governance,
				department,
				AuditAction::AllowanceSet,
				Event::AllowanceSet { department, allowance },
			);
			Ok(())
		}
	}

	impl<T: Config> Pallet<T> {
		/// The signer and their department, if the signer is an Admin of an
		/// active department.
		pub fn ensure_admin(
			origin: OriginFor<T>,
		) -> Result<(T::AccountId, DepartmentId), DispatchError> {
			let who = ensure_signed(origin)?;
			let membership =
				<Self as DepartmentDirectory<_>>::active_member(&who, Some(Role::Admin))
					.map_err(Error::<T>::from)?;
			Ok((who, membership.department))
		}

		/// Records the call's entry in the audit log (the actor's department
		/// is the subject department, except for governance) and deposits
		/// its event.
		fn emit(
			actor: Actor<T::AccountId>,
			department: DepartmentId,
			action: AuditAction,
			event: Event<T>,
		) {
			let actor_department = match actor {
				Actor::Account(_) => Some(department),
				_ => None,
			};
			T::Audit::record_events(
				actor,
				actor_department,
				action,
				Subject::Department(department),
				[event],
				Self::deposit_event,
			);
		}

		pub(crate) fn department_record(
			id: DepartmentId,
		) -> Result<DepartmentOf<T>, DispatchError> {
			Departments::<T>::get(id).ok_or_else(|| Error::<T>::UnknownDepartment.into())
		}
	}
}

impl<T: Config> DepartmentDirectory<T::AccountId> for Pallet<T> {
	fn membership(who: &T::AccountId) -> Option<Membership> {
		let record = Members::<T>::get(who)?;
		let dept = Departments::<T>::get(record.department)?;
		Some(Membership {
			department: record.department,
			kind: dept.kind,
			status: dept.status,
			roles: record.roles,
		})
	}

	fn department(id: DepartmentId) -> Option<(DepartmentKind, DepartmentStatus)> {
		Departments::<T>::get(id).map(|d| (d.kind, d.status))
	}

	fn encryption_key(id: DepartmentId) -> Option<EncryptionKey> {
		Departments::<T>::get(id).and_then(|d| d.encryption_key)
	}
}

#[cfg(feature = "runtime-benchmarks")]
impl<T: Config> citychain_primitives::DepartmentsBenchmarkHelper<T::AccountId> for Pallet<T> {
	fn new_member(kind: DepartmentKind, roles: Roles) -> T::AccountId {
		let id = NextDepartmentId::<T>::get();
		let who: T::AccountId = frame_benchmarking::account("member", id, 0);
		Self::do_register_department(
			alloc::vec![b'd'; <T::MaxNameLength as frame_support::traits::Get<u32>>::get() as usize],
			kind,
			who.clone(),
			roles.with(Role::Admin),
			alloc::vec::Vec::new(),
		)
		.expect("room for a benchmark department");
		Self::change_council(Some(&who), None).expect("room for its council seat");
		who
	}

	fn set_encryption_key(who: &T::AccountId, key: EncryptionKey) {
		if let Some(record) = Members::<T>::get(who) {
			Departments::<T>::mutate(record.department, |d| {
				if let Some(d) = d {
					d.encryption_key = Some(key);
				}
			});
		}
	}
}
