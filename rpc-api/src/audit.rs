//! `audit_*`: the audit log, for the regulator and anyone who wants to
//! check it.

use citychain_log_proof::{ConsistencyProof, InclusionProof};
use citychain_primitives::{
	audit::{
		Actor, AuditAction, Entry as Record, EntryIndex, EntryPage, LogProofError, Subject,
		Verification, MAX_ENTRY_PAGE,
	},
	DepartmentId,
};
use jsonrpsee::{core::RpcResult, proc_macros::rpc};
use serde::{Deserialize, Serialize};
use sp_core::{Bytes, H256};

use crate::{AccountId, BlockHash, BlockNumber};

/// An entry as `audit_entries` returns it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Entry {
	pub index: EntryIndex,
	pub block: BlockNumber,
	/// ms since the epoch.
	pub time: u64,
	/// An SS58 account, `"governance"` or `"system"`.
	pub actor: String,
	pub department: Option<DepartmentId>,
	pub action: AuditAction,
	pub subject: Subject,
	pub digest: H256,
	pub hash: H256,
	/// The SCALE encoding of the entry's body, 0x-hex: what the hash chains
	/// (`hash = blake2_256(previous hash ++ body)`), for checking off chain.
	pub body: Bytes,
}

impl From<Record<AccountId, BlockNumber>> for Entry {
	fn from(e: Record<AccountId, BlockNumber>) -> Self {
		let body = codec::Encode::encode(&e.body);
		let b = e.body;
		Self {
			index: b.index,
			block: b.block,
			time: b.time,
			actor: match b.actor {
				Actor::Account(a) => a.to_string(),
				Actor::Governance => "governance".into(),
				Actor::System => "system".into(),
			},
			department: b.department,
			action: b.action,
			subject: b.subject,
			digest: H256(b.digest),
			hash: H256(e.hash),
			body: Bytes(body),
		}
	}
}

/// A page of `audit_entries`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entries {
	pub items: Vec<Entry>,
	/// Pass as `cursor` for the next page; `null` when there is no more.
	pub next: Option<EntryIndex>,
}

impl From<EntryPage<AccountId, BlockNumber>> for Entries {
	fn from(page: EntryPage<AccountId, BlockNumber>) -> Self {
		Self { items: page.items.into_iter().map(Into::into).collect(), next: page.next }
	}
}

/// Parameters of `audit_entries`; the given filters must all hold.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct EntriesParams {
	/// The actor's department.
	#[serde(skip_serializing_if = "Option::is_none")]
	pub department: Option<DepartmentId>,
	/// `{"department": 1}`, `{"dataset": 4}` or `{"contract": 2}`.
	#[serde(skip_serializing_if = "Option::is_none")]
	pub subject: Option<Subject>,
	/// e.g. `"datasetRegistered"`, `{"accessRequested": {"granted": true}}`.
	#[serde(skip_serializing_if = "Option::is_none")]
	pub action: Option<AuditAction>,
	#[serde(skip_serializing_if = "Option::is_none")]
	pub from_index: Option<EntryIndex>,
	#[serde(skip_serializing_if = "Option::is_none")]
	pub to_index: Option<EntryIndex>,
	/// ms since the epoch.
	#[serde(skip_serializing_if = "Option::is_none")]
	pub from_time: Option<u64>,
	#[serde(skip_serializing_if = "Option::is_none")]
	pub to_time: Option<u64>,
	#[serde(skip_serializing_if = "Option::is_none")]
	pub cursor: Option<EntryIndex>,
	/// 1 to 100; default 10.
	#[serde(default, deserialize_with = "crate::limit", skip_serializing_if = "Option::is_none")]
	pub limit: Option<u32>,
}

/// Parameters of `audit_verify`: the range of entries, default all stored.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct VerifyParams {
	pub from: Option<EntryIndex>,
	pub to: Option<EntryIndex>,
}

/// The answer of `audit_verify`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Verified {
	/// `true` if every entry in the range chains to its predecessor.
	pub ok: bool,
	pub from: Option<EntryIndex>,
	pub to: Option<EntryIndex>,
	/// The hash of the last entry of the range.
	pub head: Option<H256>,
	/// The first entry that does not chain, if any.
	pub first_bad_index: Option<EntryIndex>,
}

impl Verified {
	/// The answer for the range `asked` of `verify`'s `outcome`.
	pub fn new(asked: VerifyParams, outcome: Verification) -> Self {
		match outcome {
			Verification::Ok { from, to, head } => Self {
				ok: true,
				from: Some(from),
				to: Some(to),
				head: Some(H256(head)),
				first_bad_index: None,
			},
			Verification::Broken { at } => Self {
				ok: false,
				from: asked.from,
				to: asked.to,
				head: None,
				first_bad_index: Some(at),
			},
			Verification::Empty => {
				Self { ok: true, from: None, to: None, head: None, first_bad_index: None }
			},
		}
	}
}

/// Parameters of `audit_root`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RootParams {
	/// The log's size whose root is asked (default: the size at the block).
	#[serde(skip_serializing_if = "Option::is_none")]
	pub size: Option<u64>,
}

/// The root of the log's Merkle Mountain Range at one size.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Root {
	/// The block the answer holds at (default: the finalized head).
	pub at: H256,
	/// How many entries the log has at `at`.
	pub count: u64,
	pub size: u64,
	/// The RFC 9162 Merkle tree hash (BLAKE2b-256) of the first `size`
	/// entries' leaves.
	pub root: H256,
}

/// Parameters of `audit_inclusionProof`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct InclusionParams {
	/// The entries to prove, 1 to 100 of them.
	#[serde(deserialize_with = "indices")]
	pub indices: Vec<EntryIndex>,
	/// The log's size to prove them in (default: the size at the block).
	#[serde(skip_serializing_if = "Option::is_none")]
	pub size: Option<u64>,
}

/// 1 to [`MAX_ENTRY_PAGE`] indices: more are refused at the first one past
/// the bound, before the rest is read.
fn indices<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Vec<EntryIndex>, D::Error> {
	let indices = crate::bounded_list(d, "indices", MAX_ENTRY_PAGE as usize)?;
	if indices.is_empty() {
		return Err(serde::de::Error::custom("indices: none given"));
	}
	Ok(indices)
}

/// One entry and the proof that it is in the log.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ProvenEntry {
	/// The entry, if its body is still stored: its `body` is what the leaf
	/// hashes (`leaf = blake2_256(0x00 ++ body)`).
	pub entry: Option<Entry>,
	pub proof: InclusionProof,
}

/// The answer of `audit_inclusionProof`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Inclusion {
	pub at: H256,
	pub size: u64,
	/// The root every proof leads to (check it against one you trust).
	pub root: H256,
	pub items: Vec<ProvenEntry>,
}

/// Parameters of `audit_consistencyProof`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ConsistencyParams {
	pub old_size: u64,
	/// Default: the size at the block.
	#[serde(skip_serializing_if = "Option::is_none")]
	pub new_size: Option<u64>,
}

/// The answer of `audit_consistencyProof`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Consistency {
	pub at: H256,
	pub old_root: H256,
	pub new_root: H256,
	pub proof: ConsistencyProof,
}

/// The answer of `audit_finality`: a block and the GRANDPA justification
/// that finalized it, SCALE-encoded, for checking without a node.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Finality {
	pub block: H256,
	pub number: BlockNumber,
	/// The block's header, SCALE.
	pub header: Bytes,
	/// `GrandpaJustification` (round, commit, votes' ancestries), SCALE.
	pub justification: Bytes,
}

/// What a [`LogProofError`] says to a caller.
pub fn proof_error_message(e: LogProofError) -> String {
	match e {
		LogProofError::BeyondLog { size, count } => {
			format!("size {size} is beyond the log, which has {count} entries")
		},
		LogProofError::Pruned { pruned_before } => format!(
			"the proof needs nodes pruned with the entries before {pruned_before}: ask about \
			 stored entries and sizes from {pruned_before} on"
		),
		LogProofError::Invalid(e) => e.to_string(),
	}
}

/// The audit log.
#[rpc(client, server)]
pub trait AuditApi {
	/// A page of entries by department, subject, action, index or time range,
	/// in index order, at block `at` (default: best block).
	#[method(name = "audit_entries")]
	fn entries(&self, params: EntriesParams, at: Option<BlockHash>) -> RpcResult<Entries>;

	/// Recomputes the hash chain over a range and returns ok or the first bad
	/// index.
	#[method(name = "audit_verify")]
	fn verify(&self, params: Option<VerifyParams>, at: Option<BlockHash>) -> RpcResult<Verified>;

	/// The root of the log's Merkle Mountain Range at a size, at block `at`
	/// (default: the finalized head).
	#[method(name = "audit_root")]
	fn root(&self, params: Option<RootParams>, at: Option<BlockHash>) -> RpcResult<Root>;

	/// Proofs that entries are in the log of a size, at block `at`
	/// (default: the finalized head).
	#[method(name = "audit_inclusionProof")]
	fn inclusion_proof(
		&self,
		params: InclusionParams,
		at: Option<BlockHash>,
	) -> RpcResult<Inclusion>;

	/// A proof that the log of one size extends the log of a smaller one,
	/// at block `at` (default: the finalized head).
	#[method(name = "audit_consistencyProof")]
	fn consistency_proof(
		&self,
		params: ConsistencyParams,
		at: Option<BlockHash>,
	) -> RpcResult<Consistency>;

	/// The GRANDPA justification that finalized block `number`'s authority
	/// set's last block, for a block of an earlier set, or the latest one
	/// the node keeps (default), with that block's header: one read of the
	/// node's stored justifications, no headers in between. `null` when the
	/// node keeps none yet.
	#[method(name = "audit_finality")]
	fn finality(&self, number: Option<BlockNumber>) -> RpcResult<Option<Finality>>;
}

#[cfg(test)]
mod tests {
	use super::*;

	fn parse(text: &str) -> Result<InclusionParams, String> {
		serde_json::from_str(text).map_err(|e| e.to_string())
	}

	#[test]
	fn inclusion_params_take_1_to_100_indices_and_refuse_the_rest_by_name() {
		assert_eq!(parse(r#"{"indices":[3,1]}"#).unwrap().indices, vec![3, 1]);
		let hundred = format!("{{\"indices\":{:?},\"size\":7}}", vec![0u64; 100]);
		assert_eq!(parse(&hundred).unwrap().size, Some(7));
		assert!(parse(r#"{"indices":[]}"#).unwrap_err().contains("indices: none given"));
		let many = format!("{{\"indices\":{:?}}}", vec![0u64; 101]);
		assert!(parse(&many).unwrap_err().starts_with("indices: at most 100 values"));
		// A huge list is refused at its 101st element, before the rest is decoded.
		let huge = format!("{{\"indices\":[{}]}}", "1,".repeat(1_000_000) + "1");
		assert!(parse(&huge).unwrap_err().starts_with("indices: at most 100 values"));
		assert!(parse(r#"{"indices":[1],"colour":1}"#).unwrap_err().contains("unknown field"));
		assert!(parse(r#"{"indices":[-1]}"#).unwrap_err().starts_with("indices: invalid value"));
		assert!(parse(r#"{"indices":null}"#).unwrap_err().starts_with("indices: none given"));
	}

	#[test]
	fn proof_errors_say_what_to_ask_instead() {
		let pruned = proof_error_message(LogProofError::Pruned { pruned_before: 12 });
		assert!(pruned.contains("from 12 on"), "{pruned}");
		let beyond = proof_error_message(LogProofError::BeyondLog { size: 9, count: 4 });
		assert_eq!(beyond, "size 9 is beyond the log, which has 4 entries");
	}
}
