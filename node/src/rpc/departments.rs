//! `departments_*`: the department directory over JSON-RPC.

use std::sync::Arc;

use citychain_primitives::{
	api::DepartmentsApi as RuntimeApi, DepartmentId, DepartmentInfo, DepartmentKind,
	DepartmentStatus, Roles,
};
use citychain_runtime::{opaque::Block, AccountId, BlockNumber};
use jsonrpsee::{core::RpcResult, proc_macros::rpc};
use serde::Serialize;
use sp_api::ProvideRuntimeApi;
use sp_blockchain::HeaderBackend;
use sp_core::Bytes;
use sp_runtime::traits::Block as BlockT;

use super::{block_or_best, runtime_error};

/// A member of a department in an RPC answer.
#[derive(Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct MemberJson {
	pub account: AccountId,
	pub roles: Roles,
}

/// A department as `departments_get` returns it.
#[derive(Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DepartmentJson {
	pub id: DepartmentId,
	pub name: String,
	pub kind: DepartmentKind,
	pub status: DepartmentStatus,
	pub delegate: AccountId,
	/// The x25519 public key, 0x-prefixed hex.
	pub encryption_key: Option<Bytes>,
	pub metadata_uri: String,
	pub registered_at: BlockNumber,
	pub members: Vec<MemberJson>,
}

impl From<DepartmentInfo<AccountId, BlockNumber>> for DepartmentJson {
	fn from(d: DepartmentInfo<AccountId, BlockNumber>) -> Self {
		Self {
			id: d.id,
			name: String::from_utf8_lossy(&d.name).into_owned(),
			kind: d.kind,
			status: d.status,
			delegate: d.delegate,
			encryption_key: d.encryption_key.map(|k| Bytes(k.to_vec())),
			metadata_uri: String::from_utf8_lossy(&d.metadata_uri).into_owned(),
			registered_at: d.registered_at,
			members: d
				.members
				.into_iter()
				.map(|(account, roles)| MemberJson { account, roles })
				.collect(),
		}
	}
}

#[rpc(server)]
pub trait DepartmentsApi<BlockHash> {
	/// One department and its members, at block `at` (default: best block);
	/// `null` if there is no department with this id.
	#[method(name = "departments_get")]
	fn get(&self, id: DepartmentId, at: Option<BlockHash>) -> RpcResult<Option<DepartmentJson>>;
}

/// Serves `departments_*` from the `DepartmentsApi` runtime API.
pub struct Departments<C> {
	client: Arc<C>,
}

impl<C> Departments<C> {
	pub fn new(client: Arc<C>) -> Self {
		Self { client }
	}
}

impl<C> DepartmentsApiServer<<Block as BlockT>::Hash> for Departments<C>
where
	C: ProvideRuntimeApi<Block> + HeaderBackend<Block> + Send + Sync + 'static,
	C::Api: RuntimeApi<Block, AccountId, BlockNumber>,
{
	fn get(
		&self,
		id: DepartmentId,
		at: Option<<Block as BlockT>::Hash>,
	) -> RpcResult<Option<DepartmentJson>> {
		let at = block_or_best(&*self.client, at);
		let info = self.client.runtime_api().department(at, id).map_err(runtime_error)?;
		Ok(info.map(Into::into))
	}
}
