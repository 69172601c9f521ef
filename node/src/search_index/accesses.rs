//! Accountability: who obtained data about a place and time. What the index
//! keeps of each access contract (`Access`: its parties, purpose, outcome,
//! times, and the extent it covers — its scope, else its dataset's extent),
//! how that is made from the contract as state holds it, what an access
//! search means (`AccessSearch`) and `AccessSearch::matches`, which decides
//! whether a contract is an answer. No SQL: the store narrows by SQL and
//! lets `matches` decide, as it does for datasets.
//!
//! Contracts count blocks; the regulator asks in dates. A block's time is
//! the time of an audit entry recorded in it about the contract (every step
//! of a contract records one, with the block's timestamp), so a followed
//! index and one rebuilt from state give the same times. A block with no
//! such entry (an expiry still to come, or entries pruned before a rebuild)
//! is placed at the block time from a known one, and marked `estimated`.

use citychain_primitives::{
	access::{Contract, ContractId, ContractState, Receipt},
	audit::EntryIndex,
	datasets::Extent,
	terms::ContractTerms,
	BoundingBox, DatasetId, DepartmentId, TimeInterval, TimeRange,
};
use citychain_rpc_api::accountability::Outcome;
use citychain_runtime::{AccountId, BlockNumber, SLOT_DURATION};
use codec::{Decode, Encode};
use geo::Geometry;

use super::query::meets;

/// A contract as the runtime stores it.
pub type ContractRecord = Contract<AccountId, BlockNumber>;

/// What the follower reads of a contract at a block: the contract, the
/// terms it was decided under (none before policies were rules), and the
/// extent of the dataset version it names.
#[derive(Clone, Debug, PartialEq)]
pub struct Contracted {
	pub id: ContractId,
	pub contract: ContractRecord,
	pub terms: Option<ContractTerms>,
	pub dataset: Extent,
}

/// An audit entry about a contract: its index, and the block and time it
/// was recorded at.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct EntryAbout {
	pub contract: ContractId,
	pub index: EntryIndex,
	pub block: BlockNumber,
	/// ms since the epoch.
	pub time: i64,
}

/// A block and the time it stands for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Encode, Decode)]
pub struct Moment {
	/// The block.
	pub block: BlockNumber,
	/// ms since the epoch.
	pub time: i64,
	/// Placed at the block time from a known block, not recorded.
	pub estimated: bool,
}

impl Moment {
	/// Block `block` placed from `known` (a block and its time) at the
	/// chain's block time.
	pub fn estimated(known: (BlockNumber, i64), block: BlockNumber) -> Self {
		let blocks = i64::from(block) - i64::from(known.0);
		let time = known.1.saturating_add(blocks.saturating_mul(SLOT_DURATION as i64));
		Self { block, time, estimated: true }
	}
}

/// A contract as the index keeps it.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode)]
pub struct Access {
	pub contract: ContractId,
	pub dataset: DatasetId,
	pub version: u32,
	pub consumer: DepartmentId,
	pub provider: DepartmentId,
	/// UTF-8, as the request wrote it.
	pub purpose: Vec<u8>,
	/// The vocabulary's code it names, if any.
	pub purpose_code: Option<Vec<u8>>,
	pub state: ContractState,
	/// The consumer reported a hash that differs from the dataset's.
	pub disputed: bool,
	pub requested: Moment,
	pub decided: Option<Moment>,
	pub expires: Option<Moment>,
	pub ended: Option<Moment>,
	/// The extent it covers: the scope's box and interval, each else the
	/// dataset's.
	pub extent: Extent,
	/// Whether the contract names a scope.
	pub scoped: bool,
	pub used: u32,
	pub uses: Option<u32>,
}

impl Access {
	/// The contract `c` as the index keeps it: its blocks placed in time by
	/// `time_of` (the time of an audit entry about the contract recorded in
	/// a block, if there is one) or else from `known`, a block and its time.
	pub fn new(
		c: &Contracted,
		mut time_of: impl FnMut(BlockNumber) -> Option<i64>,
		known: (BlockNumber, i64),
	) -> Self {
		let contract = &c.contract;
		let mut at = |block| match time_of(block) {
			Some(time) => Moment { block, time, estimated: false },
			None => Moment::estimated(known, block),
		};
		let requested = at(contract.requested_at);
		let decided = contract.decided_at.map(&mut at);
		let ended = contract.ended_at.map(&mut at);
		let expires = contract.expires_at.map(|block| match (contract.state, ended) {
			// Expired at its expiry: the end is when.
			(ContractState::Expired, Some(end)) => end,
			_ => Moment::estimated(decided.map_or(known, |d| (d.block, d.time)), block),
		});
		let scope = contract.scope.unwrap_or_default();
		let data = c.dataset.time;
		let time = scope.time.map_or(data, |t| TimeRange {
			start: t.start.map_or(data.start, |s| s.max(data.start)),
			end: match (t.end, data.end) {
				(Some(a), Some(b)) => Some(a.min(b)),
				(a, b) => a.or(b),
			},
		});
		let terms = c.terms.as_ref();
		Self {
			contract: c.id,
			dataset: contract.dataset,
			version: contract.version,
			consumer: contract.consumer,
			provider: contract.provider,
			purpose: contract.purpose.to_vec(),
			purpose_code: terms.and_then(|t| t.purpose.as_ref()).map(|p| p.to_vec()),
			state: contract.state,
			disputed: matches!(contract.receipt, Receipt::Mismatch(_)),
			requested,
			decided,
			expires,
			ended,
			extent: Extent { bbox: scope.bbox.unwrap_or(c.dataset.bbox), time },
			scoped: contract.scope.is_some(),
			used: terms.map_or(0, |t| t.used),
			uses: terms.and_then(ContractTerms::uses),
		}
	}

	/// The contract `c` dated by `entries`, the audit entries about it in
	/// index order (the first recorded in a block dates it), else from
	/// `known`.
	pub fn from_entries(c: &Contracted, entries: &[EntryAbout], known: (BlockNumber, i64)) -> Self {
		Self::new(c, |b| entries.iter().find(|e| e.block == b).map(|e| e.time), known)
	}

	/// From the request to the end; while granted, to the expiry; while
	/// pending, open.
	pub fn accessed(&self) -> TimeRange {
		let end = match self.state {
			ContractState::Requested => None,
			ContractState::Approved => self.expires.map(|e| e.time),
			_ => self.ended.or(self.decided).map(|e| e.time),
		};
		TimeRange { start: self.requested.time, end }
	}

	/// Its outcome (`Outcome::of` its state).
	pub fn outcome(&self) -> Outcome {
		Outcome::of(self.state)
	}

	/// Whether `outcome` holds of it: its state is one the outcome names,
	/// or the outcome is `disputed` and it is.
	pub fn has(&self, outcome: Outcome) -> bool {
		outcome.states().contains(&self.state) || (outcome == Outcome::Disputed && self.disputed)
	}
}

/// Where a page of an access search starts: the finalized block the first
/// page was answered at (every later page answers at the same block) and
/// the contract it starts after.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Encode, Decode)]
pub struct AccessCursor {
	/// The finalized block of the first page.
	pub block: BlockNumber,
	/// The last contract of the page before.
	pub after: ContractId,
}

impl AccessCursor {
	/// The opaque token clients pass back: the SCALE encoding in hex.
	pub fn token(&self) -> String {
		hex::encode(self.encode())
	}

	/// The cursor of a token this node made; `None` for anything else.
	pub fn parse(token: &str) -> Option<Self> {
		let bytes = hex::decode(token).ok()?;
		let mut input = &bytes[..];
		let cursor = Self::decode(&mut input).ok()?;
		input.is_empty().then_some(cursor)
	}
}

/// What `audit_accessSearch` asks for; every given filter must hold, a list
/// holds if any of its values does. Results are in contract id order.
#[derive(Clone, Debug, Default)]
pub struct AccessSearch {
	/// The extent intersects this box.
	pub bbox: Option<BoundingBox>,
	/// The extent's footprint intersects this geometry (degrees).
	pub intersects: Option<Geometry<f64>>,
	/// The extent's time overlaps this interval.
	pub time: Option<TimeInterval>,
	/// The access time (`Access::accessed`) overlaps this interval.
	pub accessed: Option<TimeInterval>,
	/// Contracts of any of these consumer departments (empty: any).
	pub consumers: Vec<DepartmentId>,
	/// Contracts of any of these provider departments (empty: any).
	pub providers: Vec<DepartmentId>,
	/// The purpose code.
	pub purpose: Option<Vec<u8>>,
	/// Contracts of which any of these holds (`Access::has`; empty: any).
	pub outcomes: Vec<Outcome>,
	/// Where this page starts, from the previous page.
	pub cursor: Option<AccessCursor>,
	/// 1 to 100.
	pub limit: u32,
}

impl AccessSearch {
	/// Whether the footprint of box `b` meets the geometry (exactly).
	pub fn meets(&self, b: &BoundingBox) -> bool {
		meets(self.intersects.as_ref(), b)
	}

	/// Whether contract `a` meets every filter (the cursor and the limit
	/// aside).
	pub fn matches(&self, a: &Access) -> bool {
		a.extent.matches(self.bbox.as_ref(), self.time.as_ref())
			&& self.meets(&a.extent.bbox)
			&& self.accessed.as_ref().is_none_or(|t| a.accessed().overlaps(t))
			&& (self.consumers.is_empty() || self.consumers.contains(&a.consumer))
			&& (self.providers.is_empty() || self.providers.contains(&a.provider))
			&& self.purpose.as_ref().is_none_or(|p| a.purpose_code.as_ref() == Some(p))
			&& (self.outcomes.is_empty() || self.outcomes.iter().any(|o| a.has(*o)))
	}
}

#[cfg(test)]
mod tests {
	use super::*;
	use citychain_primitives::{
		access::{Approvals, Scope},
		geometry::fixed,
		hashing::ContentHash,
		terms::{Outcome as RuleOutcome, PurposeCode, Rule},
		AccessPolicy,
	};
	use sp_runtime::BoundedVec;

	fn contract(state: ContractState) -> ContractRecord {
		Contract {
			dataset: 4,
			version: 1,
			provider: 0,
			consumer: 1,
			requester: AccountId::new([1; 32]),
			purpose: BoundedVec::truncate_from(b"planning: bus lanes".to_vec()),
			term: 100,
			scope: None,
			policy: AccessPolicy::ApprovalRequired,
			state,
			approvals: Approvals { provider: None, regulator: None },
			requested_at: 10,
			lapses_at: 1_000,
			decided_at: None,
			expires_at: None,
			ended_at: None,
			reason: None,
			envelope: None,
			receipt: Receipt::Pending,
		}
	}

	fn extent() -> Extent {
		Extent {
			bbox: BoundingBox {
				west: fixed(116.0),
				south: fixed(39.0),
				east: fixed(117.0),
				north: fixed(40.0),
			},
			time: TimeRange { start: 1_000_000, end: Some(9_000_000) },
		}
	}

	#[test]
	fn times_come_from_the_contracts_entries_and_the_rest_is_estimated() {
		let mut c = contract(ContractState::Approved);
		(c.decided_at, c.expires_at) = (Some(20), Some(120));
		let recorded =
			|b: BlockNumber| [(10, 50_000), (20, 80_000)].iter().find(|e| e.0 == b).map(|e| e.1);
		let c = Contracted { id: 7, contract: c, terms: None, dataset: extent() };
		let a = Access::new(&c, recorded, (500, 9_999_999));
		assert_eq!(a.requested, Moment { block: 10, time: 50_000, estimated: false });
		assert_eq!(a.decided, Some(Moment { block: 20, time: 80_000, estimated: false }));
		// 100 blocks after the approval.
		let expiry = 80_000 + 100 * SLOT_DURATION as i64;
		assert_eq!(a.expires, Some(Moment { block: 120, time: expiry, estimated: true }));
		assert_eq!(a.accessed(), TimeRange { start: 50_000, end: Some(expiry) });
		assert_eq!(a.outcome(), Outcome::Granted);
		// A request whose entry was pruned is placed from the known block.
		let pruned = Access::new(&c, |_| None, (500, 9_999_999));
		let placed = 9_999_999 - 490 * SLOT_DURATION as i64;
		assert_eq!(pruned.requested, Moment { block: 10, time: placed, estimated: true });
	}

	#[test]
	fn the_extent_is_the_scope_within_the_dataset_else_the_dataset() {
		let mut c = contract(ContractState::Requested);
		let whole = Access::new(
			&Contracted { id: 1, contract: c.clone(), terms: None, dataset: extent() },
			|_| Some(0),
			(0, 0),
		);
		assert_eq!((whole.extent, whole.scoped), (extent(), false));
		assert_eq!(whole.accessed().end, None, "pending: open");
		let part = BoundingBox {
			west: fixed(116.2),
			south: fixed(39.2),
			east: fixed(116.4),
			north: fixed(39.4),
		};
		c.scope = Some(Scope {
			bbox: Some(part),
			time: Some(TimeInterval { start: Some(2_000_000), end: None }),
		});
		let scoped = Access::new(
			&Contracted { id: 1, contract: c, terms: None, dataset: extent() },
			|_| Some(0),
			(0, 0),
		);
		assert!(scoped.scoped);
		assert_eq!(
			scoped.extent,
			Extent { bbox: part, time: TimeRange { start: 2_000_000, end: Some(9_000_000) } }
		);
	}

	#[test]
	fn outcomes_hold_of_states_and_a_mismatch_is_disputed_whatever_the_state() {
		let mut c = contract(ContractState::Expired);
		(c.decided_at, c.expires_at, c.ended_at) = (Some(20), Some(120), Some(120));
		c.receipt = Receipt::Mismatch(ContentHash {
			code: 0xb220,
			digest: BoundedVec::truncate_from(vec![1; 32]),
		});
		let terms = ContractTerms {
			purpose: Some(PurposeCode::truncate_from(b"planning".to_vec())),
			rule: 0,
			decided_by: Rule { uses: Some(3), ..Rule::always(RuleOutcome::Grant) },
			used: 2,
		};
		let a = Access::new(
			&Contracted { id: 2, contract: c, terms: Some(terms), dataset: extent() },
			|b| Some(i64::from(b) * 1_000),
			(0, 0),
		);
		assert_eq!(a.expires, a.ended, "it expired at its expiry");
		assert_eq!(a.accessed(), TimeRange { start: 10_000, end: Some(120_000) });
		assert_eq!((a.used, a.uses), (2, Some(3)));
		assert_eq!(a.purpose_code.as_deref(), Some(&b"planning"[..]));
		let holding: Vec<Outcome> = Outcome::ALL.iter().copied().filter(|o| a.has(*o)).collect();
		assert_eq!(holding, vec![Outcome::Granted, Outcome::Expired, Outcome::Disputed]);
		let search = |outcomes: Vec<Outcome>| AccessSearch { outcomes, ..Default::default() };
		assert!(search(vec![Outcome::Refused, Outcome::Disputed]).matches(&a));
		assert!(!search(vec![Outcome::Refused, Outcome::Pending]).matches(&a));
		let purpose = |p: &[u8]| AccessSearch { purpose: Some(p.to_vec()), ..Default::default() };
		assert!(purpose(b"planning").matches(&a));
		assert!(!purpose(b"research").matches(&a));
	}

	#[test]
	fn cursor_tokens_read_back_and_nothing_else_does() {
		let cursor = AccessCursor { block: 42, after: 7 };
		assert_eq!(AccessCursor::parse(&cursor.token()), Some(cursor));
		assert_eq!(AccessCursor::parse("zz"), None);
		assert_eq!(AccessCursor::parse(&format!("{}00", cursor.token())), None);
	}
}
