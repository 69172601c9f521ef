//! `access_*`: access contracts and access checks over JSON-RPC.

use std::sync::Arc;

use citychain_primitives::{
	access::{AccessCheck, ContractId, ContractQuery, ContractQueryError, MAX_CONTRACT_PAGE},
	api::AccessApi as RuntimeApi,
	DatasetId,
};
use citychain_rpc_api::{
	access::{Contract, Contracts, ContractsParams},
	AccessApiServer,
};
use citychain_runtime::{opaque::Block, AccountId, BlockNumber};
use jsonrpsee::core::RpcResult;
use sp_api::ProvideRuntimeApi;
use sp_blockchain::HeaderBackend;

use super::{block_or_best, invalid_params, runtime_error, Hash};

/// The page size when a query names none.
const DEFAULT_LIMIT: u32 = 10;

fn query_error(e: ContractQueryError) -> jsonrpsee::types::ErrorObjectOwned {
	invalid_params(match e {
		ContractQueryError::ZeroLimit => "limit must be at least 1".to_string(),
		ContractQueryError::LimitTooLarge => format!("limit must be at most {MAX_CONTRACT_PAGE}"),
	})
}

/// Serves `access_*` from the `AccessApi` runtime API.
pub struct Access<C> {
	client: Arc<C>,
}

impl<C> Access<C> {
	/// The access contracts RPC over `client`'s state.
	pub fn new(client: Arc<C>) -> Self {
		Self { client }
	}
}

impl<C> AccessApiServer for Access<C>
where
	C: ProvideRuntimeApi<Block> + HeaderBackend<Block> + Send + Sync + 'static,
	C::Api: RuntimeApi<Block, AccountId, BlockNumber>,
{
	fn check(
		&self,
		account: AccountId,
		dataset: DatasetId,
		at: Option<Hash>,
	) -> RpcResult<AccessCheck<BlockNumber>> {
		let at = block_or_best(&*self.client, at);
		self.client.runtime_api().check(at, account, dataset).map_err(runtime_error)
	}

	fn contract(&self, id: ContractId, at: Option<Hash>) -> RpcResult<Option<Contract>> {
		let at = block_or_best(&*self.client, at);
		let c = self.client.runtime_api().contract(at, id).map_err(runtime_error)?;
		Ok(c.map(|c| Contract::new(id, c)))
	}

	fn contracts(&self, params: ContractsParams, at: Option<Hash>) -> RpcResult<Contracts> {
		let at = block_or_best(&*self.client, at);
		let query = ContractQuery {
			consumer: params.consumer,
			provider: params.provider,
			dataset: params.dataset,
			state: params.state,
			cursor: params.cursor,
			limit: params.limit.unwrap_or(DEFAULT_LIMIT),
		};
		let page = self
			.client
			.runtime_api()
			.contracts(at, query)
			.map_err(runtime_error)?
			.map_err(query_error)?;
		Ok(page.into())
	}
}
