//! Access contracts: a consumer department's right to read a dataset, how it
//! was decided, and how it ends; and the traits through which the access and
//! dataset pallets meet.

use crate::{
	datasets::{BoundedBytes, DatasetId},
	departments::DepartmentId,
	geometry::BoundingBox,
	hashing::ContentHash,
	terms::{Policy, Rule},
	time::{TimeInterval, TimeRange},
	vocabulary::{AccessPolicy, DatasetStatus, Sensitivity},
};
use alloc::vec::Vec;
use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use scale_info::TypeInfo;
use serde::{Deserialize, Serialize};
use sp_runtime::Weight;

/// Identifier of an access contract, assigned in order of request from 0.
pub type ContractId = u64;

/// Longest purpose of a request, in bytes.
pub const MAX_PURPOSE_LEN: u32 = 512;
/// Longest reason of a rejection or revocation, in bytes.
pub const MAX_REASON_LEN: u32 = 256;
/// Longest key envelope (a sealed box of the dataset key), in bytes.
pub const MAX_ENVELOPE_LEN: u32 = 256;
/// Most contracts one `AccessApi::contracts` page returns.
pub const MAX_CONTRACT_PAGE: u32 = 100;

/// Where a contract stands.
///
/// ```text
/// Requested ─► Approved ─► Expired | Revoked | Relinquished
/// Requested ─► Rejected | Cancelled | Lapsed | Revoked (dataset withdrawn)
/// ```
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
#[serde(rename_all = "camelCase")]
pub enum ContractState {
	/// Waiting for the approvals the dataset's policy requires.
	Requested,
	/// The consumer may read the dataset until the contract expires.
	Approved,
	/// Refused by the provider or the regulator.
	Rejected,
	/// Withdrawn by the consumer before a decision.
	Cancelled,
	/// Left unanswered past the request timeout.
	Lapsed,
	/// The term ran out.
	Expired,
	/// Ended by the provider or the regulator, or because the dataset was
	/// withdrawn.
	Revoked,
	/// Given up by the consumer.
	Relinquished,
}

impl ContractState {
	/// Every state, in declaration order.
	pub const ALL: &'static [Self] = &[
		Self::Requested,
		Self::Approved,
		Self::Rejected,
		Self::Cancelled,
		Self::Lapsed,
		Self::Expired,
		Self::Revoked,
		Self::Relinquished,
	];

	/// The state's name, as JSON writes it.
	pub fn as_str(&self) -> &'static str {
		match self {
			Self::Requested => "requested",
			Self::Approved => "approved",
			Self::Rejected => "rejected",
			Self::Cancelled => "cancelled",
			Self::Lapsed => "lapsed",
			Self::Expired => "expired",
			Self::Revoked => "revoked",
			Self::Relinquished => "relinquished",
		}
	}

	/// Whether the contract may still change: Requested or Approved.
	pub fn is_live(&self) -> bool {
		matches!(self, Self::Requested | Self::Approved)
	}
}

/// What the consumer reported after fetching the data.
#[derive(
	Clone,
	PartialEq,
	Eq,
	Debug,
	Default,
	Encode,
	Decode,
	DecodeWithMemTracking,
	MaxEncodedLen,
	TypeInfo,
)]
pub enum Receipt {
	/// Nothing reported yet.
	#[default]
	Pending,
	/// The hash the consumer computed matches the dataset's.
	Verified,
	/// The hash the consumer computed differs: a dispute for the regulator.
	Mismatch(ContentHash),
}

/// A part of a dataset's extent a request is limited to.
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
)]
pub struct Scope {
	pub bbox: Option<BoundingBox>,
	pub time: Option<TimeInterval>,
}

/// Who approved a request so far.
#[derive(
	Clone,
	PartialEq,
	Eq,
	Debug,
	Default,
	Encode,
	Decode,
	DecodeWithMemTracking,
	MaxEncodedLen,
	TypeInfo,
)]
pub struct Approvals<AccountId> {
	/// The Approver of the providing department.
	pub provider: Option<AccountId>,
	/// The Approver of a regulator department (Restricted datasets only).
	pub regulator: Option<AccountId>,
}

impl<AccountId> Approvals<AccountId> {
	/// Whether every approval `policy` requires is in.
	pub fn satisfy(&self, policy: AccessPolicy) -> bool {
		match policy {
			AccessPolicy::Open => true,
			AccessPolicy::ApprovalRequired => self.provider.is_some(),
			AccessPolicy::Restricted => self.provider.is_some() && self.regulator.is_some(),
		}
	}
}

/// An access contract.
#[derive(Clone, PartialEq, Eq, Debug, Encode, Decode, MaxEncodedLen, TypeInfo)]
pub struct Contract<AccountId, BlockNumber> {
	pub dataset: DatasetId,
	/// The dataset's version when it was requested.
	pub version: u32,
	/// The department that owns the dataset.
	pub provider: DepartmentId,
	pub consumer: DepartmentId,
	pub requester: AccountId,
	/// UTF-8.
	pub purpose: BoundedBytes<MAX_PURPOSE_LEN>,
	/// Blocks of access once approved.
	pub term: BlockNumber,
	pub scope: Option<Scope>,
	/// The dataset's policy when it was requested; it decides the approvals.
	pub policy: AccessPolicy,
	pub state: ContractState,
	pub approvals: Approvals<AccountId>,
	pub requested_at: BlockNumber,
	/// A request not approved by this block lapses.
	pub lapses_at: BlockNumber,
	/// When it was approved, rejected, cancelled or lapsed.
	pub decided_at: Option<BlockNumber>,
	/// The first block at which it no longer grants access (set on approval).
	pub expires_at: Option<BlockNumber>,
	/// When it reached a terminal state.
	pub ended_at: Option<BlockNumber>,
	/// Why it was rejected or revoked (UTF-8).
	pub reason: Option<BoundedBytes<MAX_REASON_LEN>>,
	/// The dataset key sealed to the consumer department's x25519 key.
	pub envelope: Option<BoundedBytes<MAX_ENVELOPE_LEN>>,
	pub receipt: Receipt,
}

impl<AccountId, BlockNumber> Contract<AccountId, BlockNumber> {
	/// A new request by `requester` for `consumer`, of `dataset` as
	/// `summary` describes it (its version, owner and policy), made at block
	/// `now` and lapsing at `lapses_at` unless approved: Requested, with no
	/// approvals, decision, envelope or receipt yet.
	pub fn requested(
		(dataset, summary): (DatasetId, &DatasetSummary),
		consumer: DepartmentId,
		requester: AccountId,
		(purpose, term, scope): (BoundedBytes<MAX_PURPOSE_LEN>, BlockNumber, Option<Scope>),
		now: BlockNumber,
		lapses_at: BlockNumber,
	) -> Self {
		Self {
			dataset,
			version: summary.version,
			provider: summary.owner,
			consumer,
			requester,
			purpose,
			term,
			scope,
			policy: summary.policy,
			state: ContractState::Requested,
			approvals: Approvals { provider: None, regulator: None },
			requested_at: now,
			lapses_at,
			decided_at: None,
			expires_at: None,
			ended_at: None,
			reason: None,
			envelope: None,
			receipt: Receipt::Pending,
		}
	}
}

impl<AccountId, BlockNumber: PartialOrd + Copy> Contract<AccountId, BlockNumber> {
	/// Whether the contract grants access at block `now`: Approved and not yet
	/// expired, even if the expiry queue has not reached it.
	pub fn grants_at(&self, now: BlockNumber) -> bool {
		self.state == ContractState::Approved && self.expires_at.is_some_and(|e| now < e)
	}
}

/// Why an account may or may not read a dataset.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Encode, Decode, TypeInfo, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum AccessBasis {
	/// The account's department owns the dataset.
	Owner,
	/// The dataset is open to every member department.
	OpenData,
	/// An Approved contract of the account's department.
	Contract,
	/// A request of the account's department awaits approval.
	Pending,
	/// The department's contract ran out (the queue may not have marked it
	/// Expired yet).
	Expired,
	/// The account's department holds no live contract for the dataset.
	NoContract,
	/// The account is not a member of an active department.
	NotMember,
	/// No dataset has this id.
	UnknownDataset,
	/// The dataset was withdrawn.
	Withdrawn,
	/// The department's contract allowed a number of deliveries, all made.
	UsesSpent,
}

/// The answer of an access check.
#[derive(Clone, PartialEq, Eq, Debug, Encode, Decode, TypeInfo, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AccessCheck<BlockNumber> {
	pub allowed: bool,
	pub basis: AccessBasis,
	/// The contract the answer rests on, if any.
	pub contract: Option<ContractId>,
	/// The first block at which the access ends, if it does.
	pub expires_at: Option<BlockNumber>,
	/// Deliveries the contract still allows, if it limits them (as its
	/// provider's gateway reported them on chain).
	pub uses_left: Option<u32>,
}

/// A query of `AccessApi::contracts`: the given filters must all hold.
#[derive(Clone, PartialEq, Eq, Debug, Default, Encode, Decode, TypeInfo)]
pub struct ContractQuery {
	pub consumer: Option<DepartmentId>,
	pub provider: Option<DepartmentId>,
	pub dataset: Option<DatasetId>,
	pub state: Option<ContractState>,
	/// Continue after this contract id (the `next` of the previous page).
	pub cursor: Option<ContractId>,
	/// 1 to `MAX_CONTRACT_PAGE`.
	pub limit: u32,
}

/// Why a contract query was refused.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Encode, Decode, TypeInfo)]
pub enum ContractQueryError {
	ZeroLimit,
	LimitTooLarge,
}

impl ContractQuery {
	pub fn validate(self) -> Result<Self, ContractQueryError> {
		match self.limit {
			0 => Err(ContractQueryError::ZeroLimit),
			l if l > MAX_CONTRACT_PAGE => Err(ContractQueryError::LimitTooLarge),
			_ => Ok(self),
		}
	}

	pub fn matches<A, B>(&self, c: &Contract<A, B>) -> bool {
		self.consumer.is_none_or(|d| d == c.consumer)
			&& self.provider.is_none_or(|d| d == c.provider)
			&& self.dataset.is_none_or(|d| d == c.dataset)
			&& self.state.is_none_or(|s| s == c.state)
	}
}

/// A contract with its id.
#[derive(Clone, PartialEq, Eq, Debug, Encode, Decode, TypeInfo)]
pub struct ContractItem<AccountId, BlockNumber> {
	pub id: ContractId,
	pub contract: Contract<AccountId, BlockNumber>,
}

/// One page of contracts, in ascending id order.
#[derive(Clone, PartialEq, Eq, Debug, Encode, Decode, TypeInfo)]
pub struct ContractPage<AccountId, BlockNumber> {
	pub items: Vec<ContractItem<AccountId, BlockNumber>>,
	pub next: Option<ContractId>,
}

/// What the access pallet needs to know of a dataset.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct DatasetSummary {
	pub owner: DepartmentId,
	pub status: DatasetStatus,
	/// What the catalogue shows ([`crate::terms::headline`] of the rules).
	pub policy: AccessPolicy,
	/// The rules that decide requests.
	pub rules: Policy,
	pub sensitivity: Sensitivity,
	pub version: u32,
	pub bbox: BoundingBox,
	pub time: TimeRange,
	pub content_hash: ContentHash,
}

/// The dataset registry as other pallets see it; the datasets pallet
/// implements it.
pub trait DatasetRegistry {
	fn dataset(id: DatasetId) -> Option<DatasetSummary>;
}

/// The purposes and jurisdictions policies may name; the access pallet
/// keeps them.
pub trait TermsRegistry {
	/// Whether every purpose and jurisdiction `policy` names exists.
	fn knows(policy: &[Rule]) -> bool;

	/// Registers what the largest policy names and returns it: every rule
	/// with every constraint at its longest (the last rule holds for a
	/// request of department `admits` for the last purpose, over a box of
	/// the city, at any date; the others fail on the consumer only).
	#[cfg(feature = "runtime-benchmarks")]
	fn largest_policy(admits: DepartmentId) -> Policy;
}

impl TermsRegistry for () {
	fn knows(_: &[Rule]) -> bool {
		true
	}

	/// `admits` at once, anyone else asks: a policy that names no term.
	#[cfg(feature = "runtime-benchmarks")]
	fn largest_policy(admits: DepartmentId) -> Policy {
		use crate::terms::{Consumers, Named, Outcome};
		let first = Rule {
			consumer: Some(Consumers::Departments(Named::truncate_from(alloc::vec![admits]))),
			..Rule::always(Outcome::Grant)
		};
		Policy::truncate_from(alloc::vec![first, Rule::always(Outcome::Provider)])
	}
}

/// Told when a dataset is withdrawn, so that whatever rests on it can end;
/// the access pallet implements it and revokes the dataset's live contracts.
pub trait OnDatasetWithdrawn {
	/// Reacts to the withdrawal of `dataset`; returns the weight used.
	fn on_dataset_withdrawn(dataset: DatasetId) -> Weight;
	/// The most weight `on_dataset_withdrawn` can use.
	fn max_weight() -> Weight;
	/// Reacts to the withdrawal of `version`, an earlier version of a
	/// dataset being withdrawn; what rests on it may end in a later step of
	/// bounded work. Returns the weight used.
	fn on_earlier_version_withdrawn(version: DatasetId) -> Weight;
	/// The most weight `on_earlier_version_withdrawn` can use.
	fn earlier_version_max_weight() -> Weight;
}

/// Told when a dataset's access policy or sensitivity changes, so that the
/// requests still awaiting approval are decided under the new policy; the
/// access pallet implements it.
pub trait OnDatasetPolicyChanged {
	/// Reacts to `dataset` now having `policy` and `sensitivity`; returns
	/// the weight used.
	fn on_policy_changed(
		dataset: DatasetId,
		policy: AccessPolicy,
		sensitivity: Sensitivity,
	) -> Weight;
	/// The most weight `on_policy_changed` can use.
	fn max_weight() -> Weight;
}

impl OnDatasetPolicyChanged for () {
	fn on_policy_changed(_: DatasetId, _: AccessPolicy, _: Sensitivity) -> Weight {
		Weight::zero()
	}
	fn max_weight() -> Weight {
		Weight::zero()
	}
}

impl OnDatasetWithdrawn for () {
	fn on_dataset_withdrawn(_dataset: DatasetId) -> Weight {
		Weight::zero()
	}
	fn max_weight() -> Weight {
		Weight::zero()
	}
	fn on_earlier_version_withdrawn(_version: DatasetId) -> Weight {
		Weight::zero()
	}
	fn earlier_version_max_weight() -> Weight {
		Weight::zero()
	}
}

/// Makes datasets for the benchmarks of pallets that only know the registry:
/// the runtime passes the datasets pallet, which implements it when built
/// with `runtime-benchmarks`.
pub trait DatasetsBenchmarkHelper<AccountId> {
	/// A new active dataset of `owner` (a Publisher of the owning department
	/// signs) under `policy`.
	fn new_dataset(publisher: &AccountId, policy: AccessPolicy) -> DatasetId;
	/// Sets `dataset`'s rules (its Publisher `publisher` signs).
	fn set_rules(publisher: &AccountId, dataset: DatasetId, rules: Policy);
}
