//! `audit_accessSearch`: the regulator's question "who obtained data
//! covering this place during this period, and for what?", answered from
//! the node's search index, which follows every access contract with the
//! extent it covers (its scope, else its dataset's extent) and its times.
//!
//! Like `audit_entries`, the answer is public to every RPC caller: it says
//! who asked for which dataset, never what the data holds.

use citychain_primitives::{
	access::{ContractId, ContractState},
	audit::EntryIndex,
	terms::is_purpose_code,
	DatasetId, DepartmentId,
};
use jsonrpsee::{core::RpcResult, proc_macros::rpc};
use serde::{Deserialize, Deserializer, Serialize};
use serde_json::Value;

use crate::{
	datasets::{At, BboxParam},
	BlockHash, BlockNumber,
};

/// Most departments `consumer` or `provider` names.
pub const MAX_DEPARTMENTS: usize = 32;
/// Most audit entry indices an item lists (`auditCount` counts them all;
/// `audit_entries` with the contract as subject pages through the rest).
pub const MAX_ITEM_ENTRIES: usize = 64;
/// Most items one page returns.
pub const MAX_LIMIT: u32 = 100;
/// The page size when a search names none.
pub const DEFAULT_LIMIT: u32 = 10;
/// Longest cursor a node makes (hex of a block, a contract id and a MAC).
pub const MAX_CURSOR_LEN: usize = 128;

/// What became of a request, as the regulator asks about it. Each contract
/// has one of `granted`, `refused`, `revoked`, `relinquished`, `cancelled`,
/// `lapsed` or `pending` (from its state); `expired` and `disputed` are
/// further facts a search may ask for.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Outcome {
	/// Approved: access now (state `approved`) or until its term ran out
	/// (`expired`).
	Granted,
	/// Granted, and its term ran out (state `expired`).
	Expired,
	/// Rejected by an approver, or by a new policy while it awaited approval
	/// (state `rejected`).
	Refused,
	/// Ended by the provider, a regulator, or its dataset's withdrawal.
	Revoked,
	/// Given up by the consumer after it was granted.
	Relinquished,
	/// Withdrawn by the consumer before a decision.
	Cancelled,
	/// Left unanswered past its deadline.
	Lapsed,
	/// Awaiting approval (state `requested`).
	Pending,
	/// The consumer reported a hash that differs from the dataset's.
	Disputed,
}

impl Outcome {
	/// Every outcome, in declaration order.
	pub const ALL: &'static [Self] = &[
		Self::Granted,
		Self::Expired,
		Self::Refused,
		Self::Revoked,
		Self::Relinquished,
		Self::Cancelled,
		Self::Lapsed,
		Self::Pending,
		Self::Disputed,
	];

	/// The outcome of a contract in `state`.
	pub fn of(state: ContractState) -> Self {
		match state {
			ContractState::Requested => Self::Pending,
			ContractState::Approved | ContractState::Expired => Self::Granted,
			ContractState::Rejected => Self::Refused,
			ContractState::Cancelled => Self::Cancelled,
			ContractState::Lapsed => Self::Lapsed,
			ContractState::Revoked => Self::Revoked,
			ContractState::Relinquished => Self::Relinquished,
		}
	}

	/// The states of the contracts this outcome holds of (none for
	/// `disputed`, which is a fact of the receipt, not of the state).
	pub fn states(self) -> &'static [ContractState] {
		use ContractState as S;
		match self {
			Self::Granted => &[S::Approved, S::Expired],
			Self::Expired => &[S::Expired],
			Self::Refused => &[S::Rejected],
			Self::Revoked => &[S::Revoked],
			Self::Relinquished => &[S::Relinquished],
			Self::Cancelled => &[S::Cancelled],
			Self::Lapsed => &[S::Lapsed],
			Self::Pending => &[S::Requested],
			Self::Disputed => &[],
		}
	}

	/// The name JSON gives it.
	pub fn as_str(&self) -> &'static str {
		match self {
			Self::Granted => "granted",
			Self::Expired => "expired",
			Self::Refused => "refused",
			Self::Revoked => "revoked",
			Self::Relinquished => "relinquished",
			Self::Cancelled => "cancelled",
			Self::Lapsed => "lapsed",
			Self::Pending => "pending",
			Self::Disputed => "disputed",
		}
	}
}

fn consumers<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<DepartmentId>, D::Error> {
	crate::bounded_list(d, "consumer", MAX_DEPARTMENTS)
}

fn providers<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<DepartmentId>, D::Error> {
	crate::bounded_list(d, "provider", MAX_DEPARTMENTS)
}

fn outcomes<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<Outcome>, D::Error> {
	crate::bounded_list(d, "outcome", Outcome::ALL.len())
}

/// Parameters of `audit_accessSearch`. Every given filter must hold; a list
/// filter holds if any of its values does.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct AccessSearchParams {
	/// Contracts whose extent intersects this box: `[west, south, east,
	/// north]` in degrees, as `datasets_search` takes it.
	#[serde(skip_serializing_if = "Option::is_none")]
	pub bbox: Option<BboxParam>,
	/// Contracts whose extent intersects this GeoJSON geometry, exactly (as
	/// `datasets_search`).
	#[serde(skip_serializing_if = "Option::is_none")]
	pub intersects: Option<Value>,
	/// Contracts whose data time (the scope's interval, else the dataset's
	/// time) overlaps this STAC datetime: an instant or `a/b`, `..` open.
	#[serde(skip_serializing_if = "Option::is_none")]
	pub datetime: Option<String>,
	/// Contracts whose access time (request to expiry or end; a pending
	/// request is open-ended) reaches this instant or later (ms).
	#[serde(skip_serializing_if = "Option::is_none")]
	pub accessed_from: Option<i64>,
	/// Contracts requested at this instant (ms) or before.
	#[serde(skip_serializing_if = "Option::is_none")]
	pub accessed_to: Option<i64>,
	/// Contracts of one of these consumer departments (at most 32).
	#[serde(default, deserialize_with = "consumers", skip_serializing_if = "Vec::is_empty")]
	pub consumer: Vec<DepartmentId>,
	/// Contracts of one of these provider departments (at most 32).
	#[serde(default, deserialize_with = "providers", skip_serializing_if = "Vec::is_empty")]
	pub provider: Vec<DepartmentId>,
	/// Contracts whose purpose names this code of the vocabulary.
	#[serde(skip_serializing_if = "Option::is_none")]
	pub purpose: Option<String>,
	/// Contracts of one of these outcomes.
	#[serde(default, deserialize_with = "outcomes", skip_serializing_if = "Vec::is_empty")]
	pub outcome: Vec<Outcome>,
	/// The `next` of the previous page.
	#[serde(skip_serializing_if = "Option::is_none")]
	pub cursor: Option<String>,
	/// 1 to 100; default 10.
	#[serde(default, deserialize_with = "crate::limit", skip_serializing_if = "Option::is_none")]
	pub limit: Option<u32>,
}

impl AccessSearchParams {
	/// Refuses, by the parameter's name, what no search can mean: both
	/// `bbox` and `intersects`, access times that end before they start, a
	/// purpose that is not a code, a cursor longer than any a node makes,
	/// a limit outside 1 to 100. (The box, the geometry and the datetime
	/// are parsed, with their bounds, by the node, as `datasets_search`'s.)
	pub fn check(&self) -> Result<(), String> {
		if self.bbox.is_some() && self.intersects.is_some() {
			return Err("bbox and intersects: give one or the other, not both".into());
		}
		if let (Some(from), Some(to)) = (self.accessed_from, self.accessed_to) {
			if to < from {
				return Err(format!("accessedTo: {to} is before accessedFrom {from}"));
			}
		}
		if let Some(code) = self.purpose.as_deref().filter(|c| !is_purpose_code(c.as_bytes())) {
			return Err(format!(
				"purpose: {:?} is not a purpose code (1 to 32 of a-z, 0-9 and inner -)",
				code.chars().take(40).collect::<String>()
			));
		}
		if self.cursor.as_ref().is_some_and(|c| c.len() > MAX_CURSOR_LEN) {
			return Err(format!("cursor: longer than {MAX_CURSOR_LEN} bytes"));
		}
		match self.limit {
			Some(0) => Err("limit must be at least 1".into()),
			Some(l) if l > MAX_LIMIT => Err(format!("limit must be at most {MAX_LIMIT}")),
			_ => Ok(()),
		}
	}
}

/// A block and the time it stands for (ms since the epoch).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Moment {
	pub block: BlockNumber,
	pub time: i64,
	/// The time is the block's distance from a known one at the block
	/// time, not a recorded timestamp: an expiry still to come, or a block
	/// whose audit entries were pruned.
	pub estimated: bool,
}

/// An interval of ms since the epoch; no end: open.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Interval {
	pub start: i64,
	pub end: Option<i64>,
}

/// The deliveries the provider's gateway reported under a contract.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Deliveries {
	pub used: u32,
	/// Most the contract allows; `null`: no limit.
	pub allowed: Option<u32>,
}

/// One contract as `audit_accessSearch` returns it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AccessItem {
	pub contract: ContractId,
	pub dataset: DatasetId,
	/// The dataset's version when it was requested.
	pub version: u32,
	pub consumer: DepartmentId,
	pub provider: DepartmentId,
	/// The purpose as the request wrote it.
	pub purpose: String,
	/// The vocabulary's code it names, if any.
	pub purpose_code: Option<String>,
	pub outcome: Outcome,
	pub state: ContractState,
	/// The consumer reported a hash that differs from the dataset's.
	pub disputed: bool,
	pub requested: Moment,
	/// Approved, rejected, cancelled or lapsed.
	pub decided: Option<Moment>,
	/// When access ends or ended by its term (set once granted).
	pub expires: Option<Moment>,
	/// When it reached a terminal state.
	pub ended: Option<Moment>,
	/// The extent it covers: `[west, south, east, north]` in degrees.
	pub bbox: [f64; 4],
	/// The data time it covers.
	pub datetime: Interval,
	/// Whether the extent is the contract's scope (else its dataset's).
	pub scoped: bool,
	/// From the request to the end (or the expiry, while granted); open
	/// while pending.
	pub accessed: Interval,
	pub deliveries: Deliveries,
	/// The first [`MAX_ITEM_ENTRIES`] audit entries whose subject is the
	/// contract, in index order.
	pub audit_entries: Vec<EntryIndex>,
	/// How many there are.
	pub audit_count: u64,
}

/// A page of `audit_accessSearch`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AccessPage {
	/// The finalized block the answer holds at.
	pub at: At,
	/// In contract id order.
	pub items: Vec<AccessItem>,
	/// Pass as `cursor` for the next page (answered at the same block);
	/// `null` when there is no more.
	pub next: Option<String>,
}

/// The regulator's questions of the audit trail that the node's index
/// answers.
#[rpc(client, server)]
pub trait AccountabilityApi {
	/// A page of the access contracts whose extent meets a place and a data
	/// time, accessed in a period, by consumer, provider, purpose and
	/// outcome, from the search index at the finalized head (never older
	/// than `at`, which must be finalized).
	#[method(name = "audit_accessSearch")]
	async fn access_search(
		&self,
		params: AccessSearchParams,
		at: Option<BlockHash>,
	) -> RpcResult<AccessPage>;
}

#[cfg(test)]
mod tests {
	use super::*;

	fn parsed(json: &str) -> Result<AccessSearchParams, String> {
		let params: AccessSearchParams = serde_json::from_str(json).map_err(|e| e.to_string())?;
		params.check().map(|()| params)
	}

	#[test]
	fn lists_at_their_bound_are_taken_and_one_more_is_refused_by_name() {
		let list = |n: usize| format!("[{}]", vec!["1"; n].join(","));
		for field in ["consumer", "provider"] {
			let at = parsed(&format!(r#"{{"{field}":{}}}"#, list(MAX_DEPARTMENTS))).unwrap();
			assert_eq!(at.consumer.len() + at.provider.len(), MAX_DEPARTMENTS);
			let error =
				parsed(&format!(r#"{{"{field}":{}}}"#, list(MAX_DEPARTMENTS + 1))).unwrap_err();
			assert!(error.starts_with(&format!("{field}: at most 32")), "{error}");
		}
		let every: Vec<String> = Outcome::ALL.iter().map(|o| format!("{:?}", o.as_str())).collect();
		let all = parsed(&format!(r#"{{"outcome":[{}]}}"#, every.join(","))).unwrap();
		assert_eq!(all.outcome, Outcome::ALL);
		let error =
			parsed(&format!(r#"{{"outcome":[{},"granted"]}}"#, every.join(","))).unwrap_err();
		assert!(error.starts_with("outcome: at most 9"), "{error}");
		let error = parsed(r#"{"outcome":["stolen"]}"#).unwrap_err();
		assert!(error.starts_with("outcome: unknown variant"), "{error}");
		let error = parsed(r#"{"consumer":["one"]}"#).unwrap_err();
		assert!(error.starts_with("consumer: "), "{error}");
	}

	#[test]
	fn a_list_past_its_bound_is_refused_before_it_is_read_to_the_end() {
		// The element after the bound is not valid: the refusal names the
		// bound, so the reading stopped there.
		let json = format!(r#"{{"consumer":[{},"not a department"]}}"#, vec!["2"; 33].join(","));
		assert!(parsed(&json).unwrap_err().starts_with("consumer: at most 32"));
	}

	#[test]
	fn what_no_search_can_mean_is_refused_by_name() {
		for (json, name) in [
			(
				r#"{"bbox":[0,0,1,1],"intersects":{"type":"Point","coordinates":[0,0]}}"#,
				"bbox and intersects",
			),
			(r#"{"accessedFrom":10,"accessedTo":9}"#, "accessedTo"),
			(r#"{"purpose":"Planning"}"#, "purpose"),
			(r#"{"purpose":"-planning"}"#, "purpose"),
			(r#"{"purpose":""}"#, "purpose"),
			(r#"{"limit":0}"#, "limit"),
			(r#"{"limit":101}"#, "limit"),
			(r#"{"limit":-1}"#, "limit"),
			(r#"{"colour":"red"}"#, "unknown field `colour`"),
		] {
			let error = parsed(json).unwrap_err();
			assert!(error.starts_with(name), "{json}: {error}");
		}
		let long = format!(r#"{{"cursor":"{}"}}"#, "a".repeat(MAX_CURSOR_LEN + 1));
		assert!(parsed(&long).unwrap_err().starts_with("cursor"));
		let ok = parsed(
			r#"{"bbox":[116,39,117,40],"datetime":"2024-01-01T00:00:00Z/..","accessedFrom":1,"accessedTo":1,"consumer":[1],"provider":[0,2],"purpose":"law-enforcement","outcome":["granted","disputed"],"limit":100}"#,
		)
		.unwrap();
		assert_eq!(ok.purpose.as_deref(), Some("law-enforcement"));
		assert_eq!(ok.outcome, vec![Outcome::Granted, Outcome::Disputed]);
	}

	#[test]
	fn every_state_has_one_outcome_that_lists_it() {
		for state in ContractState::ALL {
			let outcome = Outcome::of(*state);
			assert!(outcome.states().contains(state), "{state:?}");
			let holding: Vec<_> =
				Outcome::ALL.iter().filter(|o| o.states().contains(state)).collect();
			// Expired is granted too; every other state has its outcome alone.
			let expected = if *state == ContractState::Expired { 2 } else { 1 };
			assert_eq!(holding.len(), expected, "{state:?}");
		}
		assert_eq!(
			Outcome::ALL.iter().map(crate::json_name).collect::<Vec<_>>(),
			Outcome::ALL.iter().map(|o| o.as_str().to_string()).collect::<Vec<_>>()
		);
	}
}
