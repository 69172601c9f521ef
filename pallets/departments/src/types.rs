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
	/// A newly registered department: Active, with `admin` as its one
	/// member, its one Admin and its delegate, and no encryption key yet.
	pub fn new(
		name: BoundedVec<u8, NameLimit>,
		kind: DepartmentKind,
		admin: AccountId,
		metadata_uri: BoundedVec<u8, UriLimit>,
		registered_at: BlockNumber,
	) -> Self {
		Self {
			name,
			kind,
			status: DepartmentStatus::Active,
			delegate: admin,
			encryption_key: None,
			metadata_uri,
			members: 1,
			admins: 1,
			registered_at,
		}
	}

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

/// How many slots an allowance period is divided into.
pub const SLOTS: u32 = 4;

/// The slots a [`Usage`] keeps: the current one and the [`SLOTS`] before it.
const KEPT: usize = SLOTS as usize + 1;

/// What a department has spent of its allowance in the latest slots:
/// slot `slot` (the block number divided by the slot's length) and the
/// [`SLOTS`] before it, each at its number modulo `SLOTS + 1`.
#[derive(Clone, Copy, Default, PartialEq, Eq, Debug, Encode, Decode, MaxEncodedLen, TypeInfo)]
pub struct Usage {
	pub slot: u32,
	pub transactions: [u32; KEPT],
	pub bytes: [u32; KEPT],
}

impl Usage {
	/// This usage as of `slot`: what was spent more than [`SLOTS`] slots
	/// before it is forgotten.
	pub fn at(mut self, slot: u32) -> Self {
		let passed = slot.saturating_sub(self.slot).min(KEPT as u32);
		for later in 1..=passed {
			let i = Self::index(self.slot.wrapping_add(later));
			self.transactions[i] = 0;
			self.bytes[i] = 0;
		}
		self.slot = self.slot.max(slot);
		self
	}

	/// Adds `transactions` and `bytes` to the current slot.
	pub fn spend(&mut self, transactions: u32, bytes: u32) {
		let i = Self::index(self.slot);
		self.transactions[i] = self.transactions[i].saturating_add(transactions);
		self.bytes[i] = self.bytes[i].saturating_add(bytes);
	}

	/// What the kept slots hold: transactions and bytes.
	pub fn total(&self) -> (u32, u32) {
		let sum = |slots: &[u32; KEPT]| slots.iter().fold(0u32, |a, b| a.saturating_add(*b));
		(sum(&self.transactions), sum(&self.bytes))
	}

	fn index(slot: u32) -> usize {
		(slot % KEPT as u32) as usize
	}

	/// What is left of `allowance`: transactions and bytes.
	pub fn left(&self, allowance: &Allowance) -> (u32, u32) {
		let (transactions, bytes) = self.total();
		(allowance.transactions.saturating_sub(transactions), allowance.bytes.saturating_sub(bytes))
	}
}
