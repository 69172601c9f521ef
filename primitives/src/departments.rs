//! Departments: the member organisations of the consortium, and the roles
//! their accounts hold.

use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use scale_info::TypeInfo;
use serde::{Deserialize, Serialize};

/// Identifier of a department, assigned in order of registration from 0.
pub type DepartmentId = u32;

/// A department's x25519 public key, to which data keys are sealed.
pub type EncryptionKey = [u8; 32];

/// The x25519 public keys of small order (libsodium's list, compared with
/// the unused top bit cleared): 0, 1, the two points of order 8, and p - 1,
/// p, p + 1. Sealing a data key to one of them gives a shared secret any
/// observer can compute.
const SMALL_ORDER_KEYS: [[u8; 32]; 7] = {
	let mut keys = [[0u8; 32]; 7];
	keys[1][0] = 1;
	keys[2] = [
		0xe0, 0xeb, 0x7a, 0x7c, 0x3b, 0x41, 0xb8, 0xae, 0x16, 0x56, 0xe3, 0xfa, 0xf1, 0x9f, 0xc4,
		0x6a, 0xda, 0x09, 0x8d, 0xeb, 0x9c, 0x32, 0xb1, 0xfd, 0x86, 0x62, 0x05, 0x16, 0x5f, 0x49,
		0xb8, 0x00,
	];
	keys[3] = [
		0x5f, 0x9c, 0x95, 0xbc, 0xa3, 0x50, 0x8c, 0x24, 0xb1, 0xd0, 0xb1, 0x55, 0x9c, 0x83, 0xef,
		0x5b, 0x04, 0x44, 0x5c, 0xc4, 0x58, 0x1c, 0x8e, 0x86, 0xd8, 0x22, 0x4e, 0xdd, 0xd0, 0x9f,
		0x11, 0x57,
	];
	// p - 1, p and p + 1, with p = 2^255 - 19
	let mut i = 4;
	while i < 7 {
		let mut k = [0xffu8; 32];
		k[0] = 0xec + (i as u8 - 4);
		k[31] = 0x7f;
		keys[i] = k;
		i += 1;
	}
	keys
};

/// Whether `key` can be a department's x25519 public key: not one of small
/// order, to which sealing would be no secret.
pub fn is_valid_encryption_key(key: &EncryptionKey) -> bool {
	let mut masked = *key;
	masked[31] &= 0x7f;
	!SMALL_ORDER_KEYS.contains(&masked)
}

/// What a department does in the city. `Regulator` departments co-approve
/// restricted data and audit everything.
#[derive(
	Clone,
	Copy,
	PartialEq,
	Eq,
	Debug,
	Encode,
	Decode,
	DecodeWithMemTracking,
	MaxEncodedLen,
	TypeInfo,
	Serialize,
	Deserialize,
)]
pub enum DepartmentKind {
	NaturalResources,
	Planning,
	Transport,
	PublicSecurity,
	Environment,
	Housing,
	Water,
	Statistics,
	Regulator,
	Other,
}

impl DepartmentKind {
	pub fn is_regulator(&self) -> bool {
		matches!(self, Self::Regulator)
	}
}

/// Lifecycle of a department. Only `Active` departments' members may
/// transact; `Retired` is final.
#[derive(
	Clone,
	Copy,
	PartialEq,
	Eq,
	Debug,
	Default,
	Encode,
	Decode,
	DecodeWithMemTracking,
	MaxEncodedLen,
	TypeInfo,
	Serialize,
	Deserialize,
)]
pub enum DepartmentStatus {
	#[default]
	Active,
	Suspended,
	Retired,
}

impl DepartmentStatus {
	pub fn is_active(&self) -> bool {
		matches!(self, Self::Active)
	}

	/// Active and Suspended departments may move between each other or
	/// retire; a retired department stays retired. Setting the current
	/// status again is not a transition.
	pub fn can_transition_to(&self, next: &Self) -> bool {
		match (self, next) {
			(Self::Retired, _) => false,
			(current, next) => current != next,
		}
	}
}

/// One role a member account can hold in its department.
#[derive(
	Clone,
	Copy,
	PartialEq,
	Eq,
	Debug,
	Encode,
	Decode,
	DecodeWithMemTracking,
	TypeInfo,
	Serialize,
	Deserialize,
)]
#[serde(rename_all = "camelCase")]
pub enum Role {
	/// Manages the department's members, key and details.
	Admin,
	/// Registers and maintains the department's datasets.
	Publisher,
	/// Decides access requests to the department's datasets.
	Approver,
	/// Reads and annotates the audit log.
	Auditor,
}

/// The set of roles a member holds. A member with no role may still act for
/// its department (e.g. request data) but may not administer it.
#[derive(
	Clone,
	Copy,
	PartialEq,
	Eq,
	Debug,
	Default,
	Encode,
	Decode,
	DecodeWithMemTracking,
	MaxEncodedLen,
	TypeInfo,
	Serialize,
	Deserialize,
)]
pub struct Roles {
	pub admin: bool,
	pub publisher: bool,
	pub approver: bool,
	pub auditor: bool,
}

impl Roles {
	/// Every role.
	pub const ALL: Roles = Roles { admin: true, publisher: true, approver: true, auditor: true };
	/// No role.
	pub const NONE: Roles =
		Roles { admin: false, publisher: false, approver: false, auditor: false };

	/// Exactly one role.
	pub fn only(role: Role) -> Self {
		Self::NONE.with(role)
	}

	/// These roles and `role`.
	pub fn with(mut self, role: Role) -> Self {
		*self.flag_mut(role) = true;
		self
	}

	pub fn contains(&self, role: Role) -> bool {
		match role {
			Role::Admin => self.admin,
			Role::Publisher => self.publisher,
			Role::Approver => self.approver,
			Role::Auditor => self.auditor,
		}
	}

	fn flag_mut(&mut self, role: Role) -> &mut bool {
		match role {
			Role::Admin => &mut self.admin,
			Role::Publisher => &mut self.publisher,
			Role::Approver => &mut self.approver,
			Role::Auditor => &mut self.auditor,
		}
	}
}

/// An account's place in the consortium, as the directory reports it.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Encode, Decode, TypeInfo, Serialize, Deserialize)]
pub struct Membership {
	pub department: DepartmentId,
	pub kind: DepartmentKind,
	pub status: DepartmentStatus,
	pub roles: Roles,
}

/// Why an account may not act for its department: what
/// [`DepartmentDirectory::active_member`] refuses. Each pallet turns it into
/// its own named errors (`From<NotActing>` for its `Error`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NotActing {
	/// The account belongs to no department.
	NotMember,
	/// Its department is suspended or retired.
	DepartmentNotActive,
	/// It does not hold the role the call needs.
	MissingRole(Role),
}

/// `From<NotActing>` for a pallet's `Error<T>`, whose `NotMember` and
/// `DepartmentNotActive` variants keep their names and whose `$missing_role`
/// variant names the role its calls need:
/// `citychain_primitives::not_acting_errors!(Error, NotPublisher);`
#[macro_export]
macro_rules! not_acting_errors {
	($error:ident, $missing_role:ident) => {
		impl<T> From<$crate::NotActing> for $error<T> {
			fn from(refusal: $crate::NotActing) -> Self {
				match refusal {
					$crate::NotActing::NotMember => Self::NotMember,
					$crate::NotActing::DepartmentNotActive => Self::DepartmentNotActive,
					$crate::NotActing::MissingRole(_) => Self::$missing_role,
				}
			}
		}
	};
}

/// The department directory other pallets rely on. The departments pallet
/// implements it; other pallets name it in their `Config` and never depend
/// on the departments crate.
pub trait DepartmentDirectory<AccountId> {
	/// The membership of `who`, whatever its department's status.
	fn membership(who: &AccountId) -> Option<Membership>;

	/// Kind and status of a department, if it exists.
	fn department(id: DepartmentId) -> Option<(DepartmentKind, DepartmentStatus)>;

	/// The department's current x25519 encryption key, if it has set one.
	fn encryption_key(id: DepartmentId) -> Option<EncryptionKey>;

	/// The membership of `who` if its department is active and `who` holds
	/// `role` (any member for `None`): the check every pallet makes of a
	/// signer, in this order.
	fn active_member(who: &AccountId, role: Option<Role>) -> Result<Membership, NotActing> {
		let membership = Self::membership(who).ok_or(NotActing::NotMember)?;
		if !membership.status.is_active() {
			return Err(NotActing::DepartmentNotActive);
		}
		match role {
			Some(role) if !membership.roles.contains(role) => Err(NotActing::MissingRole(role)),
			_ => Ok(membership),
		}
	}

	/// The department of `who` if that department is active.
	fn active_department_of(who: &AccountId) -> Option<DepartmentId> {
		Self::active_member(who, None).ok().map(|m| m.department)
	}

	/// The department of `who` if it is active and `who` holds `role` in it.
	fn department_where(who: &AccountId, role: Role) -> Option<DepartmentId> {
		Self::active_member(who, Some(role)).ok().map(|m| m.department)
	}

	/// Whether `id` is an active department.
	fn is_active(id: DepartmentId) -> bool {
		Self::department(id).is_some_and(|(_, status)| status.is_active())
	}

	/// Whether `id` is an active department of kind `Regulator`.
	fn is_active_regulator(id: DepartmentId) -> bool {
		Self::department(id).is_some_and(|(kind, status)| kind.is_regulator() && status.is_active())
	}
}

/// Told when governance suspends, reactivates or retires a department, so
/// that what rests on the department follows it: the validator-set pallet
/// removes a suspended department's validator, the runtime its nodes.
pub trait OnDepartmentStatusChanged {
	/// Reacts to `department` leaving the active status (`active` false) or
	/// returning to it; an error refuses the status change as a whole.
	fn on_status_changed(department: DepartmentId, active: bool) -> sp_runtime::DispatchResult;
	/// The most weight `on_status_changed` can use.
	fn max_weight() -> sp_runtime::Weight;
}

impl OnDepartmentStatusChanged for () {
	fn on_status_changed(_: DepartmentId, _: bool) -> sp_runtime::DispatchResult {
		Ok(())
	}
	fn max_weight() -> sp_runtime::Weight {
		sp_runtime::Weight::zero()
	}
}

impl<A: OnDepartmentStatusChanged, B: OnDepartmentStatusChanged> OnDepartmentStatusChanged
	for (A, B)
{
	fn on_status_changed(department: DepartmentId, active: bool) -> sp_runtime::DispatchResult {
		A::on_status_changed(department, active)?;
		B::on_status_changed(department, active)
	}
	fn max_weight() -> sp_runtime::Weight {
		A::max_weight().saturating_add(B::max_weight())
	}
}

/// Makes members for the benchmarks of pallets that only know the directory:
/// the runtime passes the departments pallet, which implements it when built
/// with `runtime-benchmarks`.
pub trait DepartmentsBenchmarkHelper<AccountId> {
	/// A new account holding `roles` in a new active department of `kind`.
	fn new_member(kind: DepartmentKind, roles: Roles) -> AccountId;
	/// Publishes `key` as the encryption key of the department of `who`.
	fn set_encryption_key(who: &AccountId, key: EncryptionKey);
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn active_member_checks_membership_then_status_then_role() {
		use crate::testing::TestDirectory as Directory;
		Directory::clear();
		Directory::add_department(0, DepartmentKind::Planning);
		Directory::add_member(1, 0, Roles::only(Role::Publisher));
		let active = |who, role| Directory::active_member(&who, role).map(|m| m.department);
		assert_eq!(active(1, None), Ok(0));
		assert_eq!(active(1, Some(Role::Publisher)), Ok(0));
		assert_eq!(active(1, Some(Role::Approver)), Err(NotActing::MissingRole(Role::Approver)));
		assert_eq!(active(2, None), Err(NotActing::NotMember));
		Directory::set_status(0, DepartmentStatus::Suspended);
		assert_eq!(active(1, Some(Role::Approver)), Err(NotActing::DepartmentNotActive));
	}

	#[test]
	fn retired_is_final_and_same_status_is_no_transition() {
		use DepartmentStatus::*;
		assert!(Active.can_transition_to(&Suspended));
		assert!(Suspended.can_transition_to(&Active));
		assert!(Active.can_transition_to(&Retired));
		assert!(Suspended.can_transition_to(&Retired));
		assert!(!Retired.can_transition_to(&Active));
		assert!(!Retired.can_transition_to(&Suspended));
		assert!(!Active.can_transition_to(&Active));
	}

	#[test]
	fn roles_hold_exactly_what_was_granted() {
		let roles = Roles::only(Role::Publisher).with(Role::Auditor);
		assert!(roles.contains(Role::Publisher) && roles.contains(Role::Auditor));
		assert!(!roles.contains(Role::Admin) && !roles.contains(Role::Approver));
		assert!([Role::Admin, Role::Publisher, Role::Approver, Role::Auditor]
			.iter()
			.all(|r| Roles::ALL.contains(*r) && !Roles::NONE.contains(*r)));
	}
}

#[cfg(test)]
mod encryption_key_tests {
	use super::*;

	#[test]
	fn small_order_keys_are_refused_with_or_without_the_top_bit() {
		for key in SMALL_ORDER_KEYS {
			assert!(!is_valid_encryption_key(&key));
			let mut high = key;
			high[31] |= 0x80;
			assert!(!is_valid_encryption_key(&high));
		}
		// p - 1 = 0x7fff..ffec, little-endian
		let mut p_minus_1 = [0xff; 32];
		p_minus_1[0] = 0xec;
		p_minus_1[31] = 0x7f;
		assert!(!is_valid_encryption_key(&p_minus_1));
	}

	#[test]
	fn ordinary_keys_are_accepted() {
		assert!(is_valid_encryption_key(&[9; 32]));
		// the x25519 base point, u = 9
		let mut base = [0; 32];
		base[0] = 9;
		assert!(is_valid_encryption_key(&base));
	}
}
