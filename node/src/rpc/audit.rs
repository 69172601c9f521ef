//! `audit_*`: the audit log over JSON-RPC, for the regulator and anyone
//! who wants to check it.

use std::sync::Arc;

use citychain_primitives::{
	api::AuditApi as RuntimeApi,
	audit::{
		Actor, AuditAction, AuditQueryError, Entry, EntryIndex, EntryQuery, Subject, Verification,
		MAX_ENTRY_PAGE, MAX_VERIFY_SPAN,
	},
	DepartmentId,
};
use citychain_runtime::{opaque::Block, AccountId, BlockNumber};
use jsonrpsee::{core::RpcResult, proc_macros::rpc, types::ErrorObjectOwned};
use serde::{Deserialize, Serialize};
use sp_api::ProvideRuntimeApi;
use sp_blockchain::HeaderBackend;
use sp_core::{Bytes, H256};
use sp_runtime::traits::Block as BlockT;

use super::{block_or_best, invalid_params, runtime_error};

/// The page size when a query names none.
const DEFAULT_LIMIT: u32 = 10;

/// An entry as `audit_entries` returns it.
#[derive(Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct EntryJson {
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

impl From<Entry<AccountId, BlockNumber>> for EntryJson {
	fn from(e: Entry<AccountId, BlockNumber>) -> Self {
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
#[derive(Clone, Serialize)]
pub struct EntryPageJson {
	pub items: Vec<EntryJson>,
	/// Pass as `cursor` for the next page; `null` when there is no more.
	pub next: Option<EntryIndex>,
}

/// Parameters of `audit_entries`; the given filters must all hold.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct EntriesParams {
	/// The actor's department.
	pub department: Option<DepartmentId>,
	/// `{"department": 1}`, `{"dataset": 4}` or `{"contract": 2}`.
	pub subject: Option<Subject>,
	/// e.g. `"datasetRegistered"`, `{"accessRequested": {"granted": true}}`.
	pub action: Option<AuditAction>,
	pub from_index: Option<EntryIndex>,
	pub to_index: Option<EntryIndex>,
	/// ms since the epoch.
	pub from_time: Option<u64>,
	pub to_time: Option<u64>,
	pub cursor: Option<EntryIndex>,
	/// 1 to 100; default 10.
	pub limit: Option<u32>,
}

/// Parameters of `audit_verify`: the range of entries, default all stored.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct VerifyParams {
	pub from: Option<EntryIndex>,
	pub to: Option<EntryIndex>,
}

/// The answer of `audit_verify`.
#[derive(Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct VerificationJson {
	/// `true` if every entry in the range chains to its predecessor.
	pub ok: bool,
	pub from: Option<EntryIndex>,
	pub to: Option<EntryIndex>,
	/// The hash of the last entry of the range.
	pub head: Option<H256>,
	/// The first entry that does not chain, if any.
	pub first_bad_index: Option<EntryIndex>,
}

fn query_error(e: AuditQueryError) -> ErrorObjectOwned {
	invalid_params(match e {
		AuditQueryError::ZeroLimit => "limit must be at least 1".to_string(),
		AuditQueryError::LimitTooLarge => format!("limit must be at most {MAX_ENTRY_PAGE}"),
		AuditQueryError::InvertedRange => "range ends before it starts".into(),
		AuditQueryError::Pruned => "range reaches entries whose bodies were pruned".into(),
		AuditQueryError::RangeTooLong => format!("range longer than {MAX_VERIFY_SPAN} entries"),
	})
}

#[rpc(server)]
pub trait AuditApi<BlockHash> {
	/// A page of entries by department, subject, action, index or time range,
	/// in index order, at block `at` (default: best block).
	#[method(name = "audit_entries")]
	fn entries(&self, params: EntriesParams, at: Option<BlockHash>) -> RpcResult<EntryPageJson>;

	/// Recomputes the hash chain over a range and returns ok or the first bad
	/// index.
	#[method(name = "audit_verify")]
	fn verify(
		&self,
		params: Option<VerifyParams>,
		at: Option<BlockHash>,
	) -> RpcResult<VerificationJson>;
}

/// Serves `audit_*` from the `AuditApi` runtime API.
pub struct Audit<C> {
	client: Arc<C>,
}

impl<C> Audit<C> {
	pub fn new(client: Arc<C>) -> Self {
		Self { client }
	}
}

type Hash = <Block as BlockT>::Hash;

impl<C> AuditApiServer<Hash> for Audit<C>
where
	C: ProvideRuntimeApi<Block> + HeaderBackend<Block> + Send + Sync + 'static,
	C::Api: RuntimeApi<Block, AccountId, BlockNumber>,
{
	fn entries(&self, params: EntriesParams, at: Option<Hash>) -> RpcResult<EntryPageJson> {
		let at = block_or_best(&*self.client, at);
		let query = EntryQuery {
			department: params.department,
			subject: params.subject,
			action: params.action,
			from_index: params.from_index,
			to_index: params.to_index,
			from_time: params.from_time,
			to_time: params.to_time,
			cursor: params.cursor,
			limit: params.limit.unwrap_or(DEFAULT_LIMIT),
		};
		let page = self
			.client
			.runtime_api()
			.entries(at, query)
			.map_err(runtime_error)?
			.map_err(query_error)?;
		Ok(EntryPageJson {
			items: page.items.into_iter().map(Into::into).collect(),
			next: page.next,
		})
	}

	fn verify(
		&self,
		params: Option<VerifyParams>,
		at: Option<Hash>,
	) -> RpcResult<VerificationJson> {
		let at = block_or_best(&*self.client, at);
		let VerifyParams { from, to } = params.unwrap_or_default();
		let outcome = self
			.client
			.runtime_api()
			.verify(at, from, to)
			.map_err(runtime_error)?
			.map_err(query_error)?;
		Ok(match outcome {
			Verification::Ok { from, to, head } => VerificationJson {
				ok: true,
				from: Some(from),
				to: Some(to),
				head: Some(H256(head)),
				first_bad_index: None,
			},
			Verification::Broken { at } => {
				VerificationJson { ok: false, from, to, head: None, first_bad_index: Some(at) }
			},
			Verification::Empty => VerificationJson {
				ok: true,
				from: None,
				to: None,
				head: None,
				first_bad_index: None,
			},
		})
	}
}
