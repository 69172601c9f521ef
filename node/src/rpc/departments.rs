//! `departments_*`: the department directory over JSON-RPC.

use std::sync::Arc;

use citychain_primitives::{api::DepartmentsApi as RuntimeApi, DepartmentId};
use citychain_rpc_api::{departments::Department, DepartmentsApiServer};
use citychain_runtime::{opaque::Block, AccountId, BlockNumber};
use jsonrpsee::core::RpcResult;
use sp_api::ProvideRuntimeApi;
use sp_blockchain::HeaderBackend;

use super::{block_or_best, runtime_error, Hash};

/// Most departments `departments_list` reads: every department the council
/// registered in the chain's life, retired ones included, far beyond the
/// `MAX_DEPARTMENTS` that may be active or suspended at once.
pub const MAX_LISTED: DepartmentId = 10_000;

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

	fn departments(&self, at: Option<Hash>) -> RpcResult<Vec<Department>> {
		let at = block_or_best(&*self.client, at);
		let api = self.client.runtime_api();
		let mut all = Vec::new();
		// Ids run from 0 without gaps (retired departments stay).
		for id in 0..MAX_LISTED {
			match api.department(at, id).map_err(runtime_error)? {
				Some(info) => all.push(info.into()),
				None => break,
			}
		}
		Ok(all)
	}
}
