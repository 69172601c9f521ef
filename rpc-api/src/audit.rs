//! `audit_*`: the audit log, for the regulator and anyone who wants to
//! check it.

use citychain_primitives::{
	audit::{Actor, AuditAction, Entry as Record, EntryIndex, EntryPage, Subject, Verification},
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
}
