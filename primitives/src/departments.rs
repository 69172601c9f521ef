//! Departments: the member organisations of the consortium, and the roles
//! their accounts hold.

use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use scale_info::TypeInfo;
use serde::{Deserialize, Serialize};

/// Identifier of a department, assigned in order of registration from 0.
pub type DepartmentId = u32;

/// A department's x25519 public key, to which data keys are sealed.
pub type EncryptionKey = [u8; 32];

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
#[derive(Clone, Copy, PartialEq, Eq, Debug, Encode, Decode, DecodeWithMemTracking, TypeInfo)]
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
	pub const NONE: Roles = Roles { admin: false, publisher: false, approver: false, auditor: false };

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

impl Membership {
	/// The member's department is active and the member holds `role`.
	pub fn acts_as(&self, role: Role) -> bool {
		self.status.is_active() && self.roles.contains(role)
	}
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

	/// The department of `who` if that department is active.
	fn active_department_of(who: &AccountId) -> Option<DepartmentId> {
		Self::membership(who).filter(|m| m.status.is_active()).map(|m| m.department)
	}

	/// The department of `who` if it is active and `who` holds `role` in it.
	fn department_where(who: &AccountId, role: Role) -> Option<DepartmentId> {
		Self::membership(who).filter(|m| m.acts_as(role)).map(|m| m.department)
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

	#[test]
	fn membership_acts_only_in_active_department() {
		let mut m = Membership {
			department: 1,
			kind: DepartmentKind::Transport,
			status: DepartmentStatus::Active,
			roles: Roles::only(Role::Approver),
		};
		assert!(m.acts_as(Role::Approver));
		assert!(!m.acts_as(Role::Admin));
		m.status = DepartmentStatus::Suspended;
		assert!(!m.acts_as(Role::Approver));
	}
}
