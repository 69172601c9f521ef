//! `departments_*`: the department directory over JSON-RPC.

use std::sync::Arc;

use citychain_primitives::{api::DepartmentsApi as RuntimeApi, DepartmentId};
use citychain_rpc_api::{departments::Department, DepartmentsApiServer};
use citychain_runtime::{opaque::Block, AccountId, BlockNumber};
use jsonrpsee::core::RpcResult;
use sp_api::ProvideRuntimeApi;
use sp_blockchain::HeaderBackend;

use super::{block_or_best, runtime_error, Hash};

/// Serves `departments_*` from the `DepartmentsApi` runtime API.
pub struct Departments<C> {
	client: Arc<C>,
}

impl<C> Departments<C> {
	/// The departments RPC over `client`'s state.
	pub fn new(client: Arc<C>) -> Self {
		Self { client }
	}
}

impl<C> DepartmentsApiServer for Departments<C>
where
	C: ProvideRuntimeApi<Block> + HeaderBackend<Block> + Send + Sync + 'static,
	C::Api: RuntimeApi<Block, AccountId, BlockNumber>,
{
	fn department(&self, id: DepartmentId, at: Option<Hash>) -> RpcResult<Option<Department>> {
		let at = block_or_best(&*self.client, at);
		let info = self.client.runtime_api().department(at, id).map_err(runtime_error)?;
		Ok(info.map(Into::into))
	}
}
