//! `departments_*`: the department directory.

use citychain_primitives::{
	api::DepartmentInfo, DepartmentId, DepartmentKind, DepartmentStatus, Roles,
};
use jsonrpsee::{core::RpcResult, proc_macros::rpc};
use serde::{Deserialize, Serialize};
use sp_core::Bytes;

use crate::{text, AccountId, BlockHash, BlockNumber};

/// A member of a department and its roles.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Member {
	pub account: AccountId,
	pub roles: Roles,
}

/// A department as `departments_get` returns it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Department {
	pub id: DepartmentId,
	pub name: String,
	pub kind: DepartmentKind,
	pub status: DepartmentStatus,
	pub delegate: AccountId,
	/// The x25519 public key, 0x-prefixed hex.
	pub encryption_key: Option<Bytes>,
	pub metadata_uri: String,
	pub registered_at: BlockNumber,
	pub members: Vec<Member>,
}

impl From<DepartmentInfo<AccountId, BlockNumber>> for Department {
	fn from(d: DepartmentInfo<AccountId, BlockNumber>) -> Self {
		Self {
			id: d.id,
			name: text(&d.name),
			kind: d.kind,
			status: d.status,
			delegate: d.delegate,
			encryption_key: d.encryption_key.map(|k| Bytes(k.to_vec())),
			metadata_uri: text(&d.metadata_uri),
			registered_at: d.registered_at,
			members: d
				.members
				.into_iter()
				.map(|(account, roles)| Member { account, roles })
				.collect(),
		}
	}
}

/// The department directory.
#[rpc(client, server)]
pub trait DepartmentsApi {
	/// One department and its members, at block `at` (default: best block);
	/// `null` if there is no department with this id.
	#[method(name = "departments_get")]
	fn department(&self, id: DepartmentId, at: Option<BlockHash>) -> RpcResult<Option<Department>>;

	/// Every department (retired ones included; the first 10 000) and its
	/// members, in the order of their ids, at block `at` (default: best
	/// block).
	#[method(name = "departments_list")]
	fn departments(&self, at: Option<BlockHash>) -> RpcResult<Vec<Department>>;
}
