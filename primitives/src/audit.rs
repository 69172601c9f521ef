//! The audit log: a hash-chained record of every state change, and the trait
//! through which the other pallets write to it.

use crate::{access::ContractId, datasets::DatasetId, departments::DepartmentId};
use alloc::vec::Vec;
pub use citychain_log_proof as log_proof;
use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use scale_info::TypeInfo;
use serde::{Deserialize, Serialize};

/// Position of an entry in the log, from 0.
pub type EntryIndex = u64;

/// A 32-byte blake2 hash.
pub type Hash32 = [u8; 32];

/// Longest note of a flag, in bytes.
pub const MAX_NOTE_LEN: u32 = 512;
/// Most entries one `AuditApi::entries` page returns.
pub const MAX_ENTRY_PAGE: u32 = 100;
/// Most entries one `AuditApi::verify` call recomputes.
pub const MAX_VERIFY_SPAN: u64 = 100_000;

/// What an entry is about.
#[derive(
	Clone,
	Copy,
	PartialEq,
	Eq,
	PartialOrd,
	Ord,
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
pub enum Subject {
	Department(DepartmentId),
	Dataset(DatasetId),
	Contract(ContractId),
	/// The consortium as a whole: its council, sessions and Root.
	Chain,
}

impl Subject {
	/// The subject as an index key: kind, then id, big-endian.
	pub fn key(&self) -> (u8, [u8; 8]) {
		match self {
			Self::Department(id) => (0, u64::from(*id).to_be_bytes()),
			Self::Dataset(id) => (1, id.to_be_bytes()),
			Self::Contract(id) => (2, id.to_be_bytes()),
			Self::Chain => (3, [0; 8]),
		}
	}
}

/// Who caused an entry.
#[derive(
	Clone, PartialEq, Eq, Debug, Encode, Decode, DecodeWithMemTracking, MaxEncodedLen, TypeInfo,
)]
pub enum Actor<AccountId> {
	/// A signed call of this account.
	Account(AccountId),
	/// Root or a council motion.
	Governance,
	/// The chain itself: a deadline or a consequence of another entry.
	System,
}

/// Every kind of state change the log records: one per call, with the outcome
/// where a call can have several, plus what the chain does by itself.
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
pub enum AuditAction {
	// Departments (governance decisions and Admin calls).
	DepartmentRegistered,
	DepartmentStatusChanged,
	DepartmentUpdated,
	MemberAdded,
	MemberRolesChanged,
	MemberRemoved,
	EncryptionKeySet,
	// Datasets.
	DatasetRegistered,
	VersionPublished,
	MetadataUpdated,
	AccessPolicyChanged,
	DatasetDeprecated,
	DatasetWithdrawn,
	// Access.
	/// `granted`: the dataset is Open and the request was approved at once.
	AccessRequested {
		granted: bool,
	},
	/// `granted`: this approval completed the contract.
	RequestApproved {
		granted: bool,
	},
	RequestRejected,
	RequestCancelled,
	AccessRevoked,
	AccessRelinquished,
	/// `matched`: the consumer's hash equals the dataset's.
	ReceiptConfirmed {
		matched: bool,
	},
	RequestLapsed,
	AccessExpired,
	/// The contract's dataset was withdrawn.
	RevokedByWithdrawal,
	// Audit.
	/// An Auditor annotated the subject.
	Flagged,
	// Validator set (subject: the validator's department).
	/// Governance made the department's account a validator.
	ValidatorAdded,
	/// Governance removed the department's validator.
	ValidatorRemoved,
	// Departments, appended.
	/// Governance set the department's transaction allowance.
	AllowanceSet,
	// Access, appended.
	/// The dataset's policy changed while the request awaited approval; it
	/// is decided under the new one. `granted`: that completed it.
	PolicyApplied {
		granted: bool,
	},
	// The council, sessions and Root (subject `Chain`; the digest hashes the
	// motion's hash and index, the keys, or the call).
	/// A delegate proposed a council motion.
	MotionProposed,
	/// A delegate voted on a motion.
	MotionVoted {
		aye: bool,
	},
	/// A delegate closed a motion: the council's events say whether it
	/// passed and what its call did.
	MotionClosed,
	/// A delegate dispatched a call with its own single council vote.
	CouncilExecuted,
	/// An account set its session keys (to validate once governance adds
	/// it).
	SessionKeysSet,
	/// An account removed its session keys.
	SessionKeysPurged,
	/// The sudo key acted (development chains only).
	SudoCall,
	// Validator set, appended (actor: the system).
	/// The department's validator was reported for an offence (a GRANDPA
	/// equivocation); `removed`: it leaves the set (false at the minimum).
	OffenceReported {
		removed: bool,
	},
	// Access, appended.
	/// The provider sealed a contract's data key anew to the consumer.
	EnvelopeResealed,
	/// The provider's gateway reported `count` deliveries under the contract.
	DeliveriesRecorded {
		count: u32,
	},
	/// Governance added or relabelled a purpose (subject `Chain`).
	PurposeSet,
	/// Governance removed a purpose (subject `Chain`).
	PurposeRemoved,
	/// Governance registered a jurisdiction (subject `Chain`).
	JurisdictionRegistered,
	/// Governance removed a jurisdiction (subject `Chain`).
	JurisdictionRemoved,
}

/// One entry of the log, without its hash.
#[derive(Clone, PartialEq, Eq, Debug, Encode, Decode, MaxEncodedLen, TypeInfo)]
pub struct EntryBody<AccountId, BlockNumber> {
	pub index: EntryIndex,
	pub block: BlockNumber,
	/// ms since the epoch, from the block's timestamp.
	pub time: u64,
	pub actor: Actor<AccountId>,
	/// The actor's department, if it has one.
	pub department: Option<DepartmentId>,
	pub action: AuditAction,
	pub subject: Subject,
	/// blake2_256 of the SCALE-encoded details of the action (the event's
	/// fields, the flag's note).
	pub digest: Hash32,
}

/// An entry with its place in the chain.
#[derive(Clone, PartialEq, Eq, Debug, Encode, Decode, MaxEncodedLen, TypeInfo)]
pub struct Entry<AccountId, BlockNumber> {
	pub body: EntryBody<AccountId, BlockNumber>,
	/// `blake2_256(previous hash ++ SCALE(body))`; the hash before entry 0
	/// is all zeroes.
	pub hash: Hash32,
}

impl<AccountId: Encode, BlockNumber: Encode> EntryBody<AccountId, BlockNumber> {
	/// The hash of this body chained to `previous`.
	pub fn chain(&self, previous: &Hash32) -> Hash32 {
		let mut preimage = previous.to_vec();
		self.encode_to(&mut preimage);
		sp_io::hashing::blake2_256(&preimage)
	}

	/// This entry's leaf in the log's Merkle Mountain Range:
	/// `blake2_256(0x00 ++ SCALE(body))` ([`log_proof::leaf_hash`]).
	pub fn leaf(&self) -> Hash32 {
		log_proof::leaf_hash(&self.encode())
	}
}

/// Appends entries to the audit log. Calls record inside their own
/// transaction, so a failed call records nothing.
pub trait AuditSink<AccountId> {
	/// Appends an entry; `details` are hashed into its digest.
	fn record(
		actor: Actor<AccountId>,
		department: Option<DepartmentId>,
		action: AuditAction,
		subject: Subject,
		details: &[u8],
	);

	/// Appends the entry of a call whose details are its `events`, each
	/// SCALE-encoded, one after another, then hands each event to `deposit`
	/// (the pallet's `deposit_event`): the one way the pallets audit a call
	/// and raise its events.
	fn record_events<E: Encode>(
		actor: Actor<AccountId>,
		department: Option<DepartmentId>,
		action: AuditAction,
		subject: Subject,
		events: impl IntoIterator<Item = E>,
		deposit: impl FnMut(E),
	) {
		let events: Vec<E> = events.into_iter().collect();
		let mut details = Vec::new();
		events.iter().for_each(|event| event.encode_to(&mut details));
		Self::record(actor, department, action, subject, &details);
		events.into_iter().for_each(deposit);
	}
}

impl<AccountId> AuditSink<AccountId> for () {
	fn record(
		_actor: Actor<AccountId>,
		_department: Option<DepartmentId>,
		_action: AuditAction,
		_subject: Subject,
		_details: &[u8],
	) {
	}
}

/// A query of `AuditApi::entries`: the given filters must all hold.
#[derive(Clone, PartialEq, Eq, Debug, Default, Encode, Decode, TypeInfo)]
pub struct EntryQuery {
	pub department: Option<DepartmentId>,
	pub subject: Option<Subject>,
	pub action: Option<AuditAction>,
	/// Entries with index in `[from, to]`.
	pub from_index: Option<EntryIndex>,
	pub to_index: Option<EntryIndex>,
	/// Entries with time (ms) in `[from, to]`.
	pub from_time: Option<u64>,
	pub to_time: Option<u64>,
	/// Continue after this index (the `next` of the previous page).
	pub cursor: Option<EntryIndex>,
	/// 1 to `MAX_ENTRY_PAGE`.
	pub limit: u32,
}

/// Why an audit query was refused.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Encode, Decode, TypeInfo)]
pub enum AuditQueryError {
	ZeroLimit,
	LimitTooLarge,
	/// A range ends before it starts.
	InvertedRange,
	/// The range reaches before the oldest entry still stored.
	Pruned,
	/// The range is longer than `MAX_VERIFY_SPAN`.
	RangeTooLong,
}

impl EntryQuery {
	pub fn validate(self) -> Result<Self, AuditQueryError> {
		match self.limit {
			0 => return Err(AuditQueryError::ZeroLimit),
			l if l > MAX_ENTRY_PAGE => return Err(AuditQueryError::LimitTooLarge),
			_ => {},
		}
		let inverted =
			|a: Option<u64>, b: Option<u64>| matches!((a, b), (Some(a), Some(b)) if b < a);
		if inverted(self.from_index, self.to_index) || inverted(self.from_time, self.to_time) {
			return Err(AuditQueryError::InvertedRange);
		}
		Ok(self)
	}

	pub fn matches<A, B>(&self, e: &EntryBody<A, B>) -> bool {
		let within = |v: u64, a: Option<u64>, b: Option<u64>| {
			a.is_none_or(|a| a <= v) && b.is_none_or(|b| v <= b)
		};
		self.department.is_none_or(|d| e.department == Some(d))
			&& self.subject.is_none_or(|s| s == e.subject)
			&& self.action.is_none_or(|a| a == e.action)
			&& within(e.index, self.from_index, self.to_index)
			&& within(e.time, self.from_time, self.to_time)
	}
}

/// Why the log could not prove what was asked.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Encode, Decode, TypeInfo)]
pub enum LogProofError {
	/// The size asked for is above the log's (`count` entries).
	BeyondLog { size: u64, count: u64 },
	/// A node the proof needs was pruned with the entries before
	/// `pruned_before` (proofs about a log at least that long, of entries
	/// still stored, remain).
	Pruned { pruned_before: EntryIndex },
	/// The index or sizes cannot be proven (an index out of range, an old
	/// size above the new one).
	Invalid(log_proof::Error),
}

/// One page of entries, in ascending index order.
#[derive(Clone, PartialEq, Eq, Debug, Encode, Decode, TypeInfo)]
pub struct EntryPage<AccountId, BlockNumber> {
	pub items: Vec<Entry<AccountId, BlockNumber>>,
	pub next: Option<EntryIndex>,
}

/// The outcome of recomputing the chain over a range.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Encode, Decode, TypeInfo, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Verification {
	/// Every entry in the range chains to its predecessor; `head` is the
	/// hash of the last one.
	Ok { from: EntryIndex, to: EntryIndex, head: Hash32 },
	/// The first entry whose stored hash does not match its recomputed one
	/// (or that is missing).
	Broken { at: EntryIndex },
	/// The log is empty.
	Empty,
}
