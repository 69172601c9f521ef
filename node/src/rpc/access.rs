//! `access_*`: access contracts and access checks over JSON-RPC.

use std::sync::Arc;

use citychain_primitives::{
	access::{
		AccessBasis, Contract, ContractId, ContractQuery, ContractQueryError, ContractState,
		Receipt, MAX_CONTRACT_PAGE,
	},
	api::AccessApi as RuntimeApi,
	datasets::degrees,
	AccessPolicy, DatasetId, DepartmentId,
};
use citychain_runtime::{opaque::Block, AccountId, BlockNumber};
use jsonrpsee::{core::RpcResult, proc_macros::rpc};
use serde::{Deserialize, Serialize};
use sp_api::ProvideRuntimeApi;
use sp_blockchain::HeaderBackend;
use sp_core::Bytes;
use sp_runtime::traits::Block as BlockT;

use super::{block_or_best, invalid_params, runtime_error};

/// The page size when a query names none.
const DEFAULT_LIMIT: u32 = 10;

/// The answer of `access_check`.
#[derive(Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AccessCheckJson {
	pub allowed: bool,
	/// `owner`, `openData`, `contract`, `pending`, `expired`, `noContract`,
	/// `notMember`, `unknownDataset` or `withdrawn`.
	pub basis: AccessBasis,
	pub contract: Option<ContractId>,
	/// The first block at which the access ends.
	pub expires_at: Option<BlockNumber>,
}

/// A consumer's report of what it fetched.
#[derive(Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ReceiptJson {
	/// `pending`, `verified` or `mismatch`.
	pub status: &'static str,
	/// The mismatching hash the consumer reported, 0x-hex digest.
	pub observed: Option<Bytes>,
}

/// A contract as `access_get` and `access_contracts` return it.
#[derive(Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ContractJson {
	pub id: ContractId,
	pub dataset: DatasetId,
	pub version: u32,
	pub provider: DepartmentId,
	pub consumer: DepartmentId,
	pub requester: AccountId,
	pub purpose: String,
	pub term: BlockNumber,
	/// `[west, south, east, north]` in degrees.
	pub scope_bbox: Option<[f64; 4]>,
	/// `{start, end}` in ms since the epoch.
	pub scope_time: Option<citychain_primitives::TimeInterval>,
	pub policy: AccessPolicy,
	pub state: ContractState,
	pub provider_approval: Option<AccountId>,
	pub regulator_approval: Option<AccountId>,
	pub requested_at: BlockNumber,
	pub lapses_at: BlockNumber,
	pub decided_at: Option<BlockNumber>,
	pub expires_at: Option<BlockNumber>,
	pub ended_at: Option<BlockNumber>,
	pub reason: Option<String>,
	/// The sealed dataset key, 0x-hex.
	pub envelope: Option<Bytes>,
	pub receipt: ReceiptJson,
}

impl ContractJson {
	fn new(id: ContractId, c: Contract<AccountId, BlockNumber>) -> Self {
		let text = |b: &[u8]| String::from_utf8_lossy(b).into_owned();
		let scope = c.scope.unwrap_or_default();
		Self {
			id,
			dataset: c.dataset,
			version: c.version,
			provider: c.provider,
			consumer: c.consumer,
			requester: c.requester,
			purpose: text(&c.purpose),
			term: c.term,
			scope_bbox: scope
				.bbox
				.map(|b| [degrees(b.west), degrees(b.south), degrees(b.east), degrees(b.north)]),
			scope_time: scope.time,
			policy: c.policy,
			state: c.state,
			provider_approval: c.approvals.provider,
			regulator_approval: c.approvals.regulator,
			requested_at: c.requested_at,
			lapses_at: c.lapses_at,
			decided_at: c.decided_at,
			expires_at: c.expires_at,
			ended_at: c.ended_at,
			reason: c.reason.map(|r| text(&r)),
			envelope: c.envelope.map(|e| Bytes(e.to_vec())),
			receipt: match c.receipt {
				Receipt::Pending => ReceiptJson { status: "pending", observed: None },
				Receipt::Verified => ReceiptJson { status: "verified", observed: None },
				Receipt::Mismatch(h) => {
					ReceiptJson { status: "mismatch", observed: Some(Bytes(h.digest.to_vec())) }
				},
			},
		}
	}
}

/// A page of `access_contracts`.
#[derive(Clone, Serialize)]
pub struct ContractPageJson {
	pub items: Vec<ContractJson>,
	/// Pass as `cursor` for the next page; `null` when there is no more.
	pub next: Option<ContractId>,
}

/// Parameters of `access_contracts`; the given filters must all hold.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ContractsParams {
	pub consumer: Option<DepartmentId>,
	pub provider: Option<DepartmentId>,
	pub dataset: Option<DatasetId>,
	/// `requested`, `approved`, `rejected`, `cancelled`, `lapsed`, `expired`,
	/// `revoked` or `relinquished`.
	pub state: Option<ContractState>,
	pub cursor: Option<ContractId>,
	/// 1 to 100; default 10.
	pub limit: Option<u32>,
}

fn query_error(e: ContractQueryError) -> jsonrpsee::types::ErrorObjectOwned {
	invalid_params(match e {
		ContractQueryError::ZeroLimit => "limit must be at least 1".to_string(),
		ContractQueryError::LimitTooLarge => format!("limit must be at most {MAX_CONTRACT_PAGE}"),
	})
}

#[rpc(server)]
pub trait AccessApi<BlockHash> {
	/// Whether `account` may read `dataset` at block `at` (default: best
	/// block), on what basis and until when.
	#[method(name = "access_check")]
	fn check(
		&self,
		account: AccountId,
		dataset: DatasetId,
		at: Option<BlockHash>,
	) -> RpcResult<AccessCheckJson>;

	/// One contract; `null` if there is none with this id.
	#[method(name = "access_get")]
	fn get(&self, id: ContractId, at: Option<BlockHash>) -> RpcResult<Option<ContractJson>>;

	/// A page of contracts by consumer, provider, dataset and state, in id
	/// order.
	#[method(name = "access_contracts")]
	fn contracts(
		&self,
		params: ContractsParams,
		at: Option<BlockHash>,
	) -> RpcResult<ContractPageJson>;
}

/// Serves `access_*` from the `AccessApi` runtime API.
pub struct Access<C> {
	client: Arc<C>,
}

impl<C> Access<C> {
	pub fn new(client: Arc<C>) -> Self {
		Self { client }
	}
}

type Hash = <Block as BlockT>::Hash;

impl<C> AccessApiServer<Hash> for Access<C>
where
	C: ProvideRuntimeApi<Block> + HeaderBackend<Block> + Send + Sync + 'static,
	C::Api: RuntimeApi<Block, AccountId, BlockNumber>,
{
	fn check(
		&self,
		account: AccountId,
		dataset: DatasetId,
		at: Option<Hash>,
	) -> RpcResult<AccessCheckJson> {
		let at = block_or_best(&*self.client, at);
		let c = self.client.runtime_api().check(at, account, dataset).map_err(runtime_error)?;
		Ok(AccessCheckJson {
			allowed: c.allowed,
			basis: c.basis,
			contract: c.contract,
			expires_at: c.expires_at,
		})
	}

	fn get(&self, id: ContractId, at: Option<Hash>) -> RpcResult<Option<ContractJson>> {
		let at = block_or_best(&*self.client, at);
		let c = self.client.runtime_api().contract(at, id).map_err(runtime_error)?;
		Ok(c.map(|c| ContractJson::new(id, c)))
	}

	fn contracts(&self, params: ContractsParams, at: Option<Hash>) -> RpcResult<ContractPageJson> {
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
		Ok(ContractPageJson {
			items: page.items.into_iter().map(|i| ContractJson::new(i.id, i.contract)).collect(),
			next: page.next,
		})
	}
}
