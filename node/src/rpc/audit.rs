//! `audit_*`: the audit log over JSON-RPC, for the regulator and anyone
//! who wants to check it.

use std::sync::Arc;

use citychain_primitives::{
	api::AuditApi as RuntimeApi,
	audit::{AuditQueryError, EntryQuery, MAX_ENTRY_PAGE, MAX_VERIFY_SPAN},
};
use citychain_rpc_api::{
	audit::{Entries, EntriesParams, Verified, VerifyParams},
	AuditApiServer,
};
use citychain_runtime::{opaque::Block, AccountId, BlockNumber};
use jsonrpsee::{core::RpcResult, types::ErrorObjectOwned};
use sp_api::ProvideRuntimeApi;
use sp_blockchain::HeaderBackend;

use super::{block_or_best, invalid_params, runtime_error, Hash};

/// The page size when a query names none.
const DEFAULT_LIMIT: u32 = 10;

fn query_error(e: AuditQueryError) -> ErrorObjectOwned {
	invalid_params(match e {
		AuditQueryError::ZeroLimit => "limit must be at least 1".to_string(),
		AuditQueryError::LimitTooLarge => format!("limit must be at most {MAX_ENTRY_PAGE}"),
		AuditQueryError::InvertedRange => "range ends before it starts".into(),
		AuditQueryError::Pruned => "range reaches entries whose bodies were pruned".into(),
		AuditQueryError::RangeTooLong => format!("range longer than {MAX_VERIFY_SPAN} entries"),
	})
}

/// Serves `audit_*` from the `AuditApi` runtime API.
pub struct Audit<C> {
	client: Arc<C>,
}

impl<C> Audit<C> {
	/// The audit log RPC over `client`'s state.
	pub fn new(client: Arc<C>) -> Self {
		Self { client }
	}
}

impl<C> AuditApiServer for Audit<C>
where
	C: ProvideRuntimeApi<Block> + HeaderBackend<Block> + Send + Sync + 'static,
	C::Api: RuntimeApi<Block, AccountId, BlockNumber>,
{
	fn entries(&self, params: EntriesParams, at: Option<Hash>) -> RpcResult<Entries> {
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
		Ok(page.into())
	}

	fn verify(&self, params: Option<VerifyParams>, at: Option<Hash>) -> RpcResult<Verified> {
		let at = block_or_best(&*self.client, at);
		let asked = params.unwrap_or_default();
		let outcome = self
			.client
			.runtime_api()
			.verify(at, asked.from, asked.to)
			.map_err(runtime_error)?
			.map_err(query_error)?;
		Ok(Verified::new(asked, outcome))
	}
}
