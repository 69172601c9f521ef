//! Records kept by the departments pallet.

use alloc::{string::String, vec::Vec};
use citychain_primitives::{
	DepartmentId, DepartmentKind, DepartmentStatus, EncryptionKey, Role, Roles,
};
use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use frame_support::{traits::Get, BoundedVec};
use scale_info::TypeInfo;
use serde::{Deserialize, Serialize};
use sp_runtime::Saturating;

/// A department of the consortium.
#[derive(Clone, PartialEq, Eq, Debug, Encode, Decode, MaxEncodedLen, TypeInfo)]
#[scale_info(skip_type_params(NameLimit, UriLimit))]
pub struct Department<AccountId, BlockNumber, NameLimit: Get<u32>, UriLimit: Get<u32>> {
	/// Human-readable name (UTF-8).
	pub name: BoundedVec<u8, NameLimit>,
	pub kind: DepartmentKind,
	pub status: DepartmentStatus,
	/// The member who represents the department in the council.
	pub delegate: AccountId,
	/// x25519 public key to which other departments seal data keys.
	pub encryption_key: Option<EncryptionKey>,
	/// Where the department publishes more about itself (UTF-8 URI).
	pub metadata_uri: BoundedVec<u8, UriLimit>,
	/// Number of member accounts.
	pub members: u32,
	/// Number of members holding the Admin role; never 0.
	pub admins: u32,
	/// Block in which the department was registered.
	pub registered_at: BlockNumber,
}

impl<AccountId, BlockNumber, NameLimit: Get<u32>, UriLimit: Get<u32>>
	Department<AccountId, BlockNumber, NameLimit, UriLimit>
{
	/// Accounts for a member whose roles change from `old` to `new`.
	pub fn count_role_change(&mut self, old: Roles, new: Roles) {
		match (old.contains(Role::Admin), new.contains(Role::Admin)) {
			(false, true) => self.admins.saturating_inc(),
			(true, false) => self.admins.saturating_dec(),
			_ => {},
		}
	}

	/// Whether changing one member's roles from `old` to `new` would leave the
	/// department without an Admin.
	pub fn would_lose_last_admin(&self, old: Roles, new: Roles) -> bool {
		old.contains(Role::Admin) && !new.contains(Role::Admin) && self.admins <= 1
	}
}

/// Where an account belongs: one department, with roles.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Encode, Decode, MaxEncodedLen, TypeInfo)]
pub struct MemberRecord {
	pub department: DepartmentId,
	pub roles: Roles,
}

/// A department in the genesis configuration. Its first member is its
/// delegate in the council and holds the Admin role.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct GenesisDepartment<AccountId> {
	pub name: String,
	pub kind: DepartmentKind,
	#[serde(default)]
	pub status: DepartmentStatus,
	pub members: Vec<(AccountId, Roles)>,
	#[serde(default)]
	pub encryption_key: Option<EncryptionKey>,
	#[serde(default)]
	pub metadata_uri: String,
}

/// What one department may spend in one allowance period: signed
/// transactions, and bytes of them. No call stores more than its encoded
/// input and a bounded record beside it (an audit entry, index keys), so
/// the bytes bound the state a department can add per period.
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
pub struct Allowance {
	pub transactions: u32,
	pub bytes: u32,
}

/// What a department has spent of its allowance in period `period` (the
/// block number divided by the period's length).
#[derive(Clone, Copy, Default, PartialEq, Eq, Debug, Encode, Decode, MaxEncodedLen, TypeInfo)]
pub struct Usage {
	pub period: u32,
	pub transactions: u32,
	pub bytes: u32,
}

impl Usage {
	/// This usage as of `period`: nothing spent yet if it is a later one.
	pub fn in_period(self, period: u32) -> Self {
		if self.period == period {
			self
		} else {
			Self { period, transactions: 0, bytes: 0 }
		}
	}

	/// What is left of `allowance`: transactions and bytes.
	pub fn left(&self, allowance: &Allowance) -> (u32, u32) {
		(
			allowance.transactions.saturating_sub(self.transactions),
			allowance.bytes.saturating_sub(self.bytes),
		)
	}
}
