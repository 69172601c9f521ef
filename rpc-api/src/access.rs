//! `access_*`: access contracts and access checks.

use citychain_primitives::{
	access::{AccessCheck, Contract as Record, ContractId, ContractPage, ContractState, Receipt},
	AccessPolicy, DatasetId, DepartmentId, TimeInterval,
};
use jsonrpsee::{core::RpcResult, proc_macros::rpc};
use serde::{Deserialize, Serialize};
use sp_core::Bytes;

use crate::{
	terms::{ContractTerms, EvaluateParams, Jurisdiction, OdrlParams, Purpose, Rule},
	text, AccountId, BlockHash, BlockNumber,
};

/// What the consumer reported of what it fetched.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum ReceiptStatus {
	Pending,
	Verified,
	Mismatch,
}

/// A consumer's report of what it fetched.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ReceiptReport {
	pub status: ReceiptStatus,
	/// The mismatching digest the consumer reported, 0x-hex.
	pub observed: Option<Bytes>,
}

/// A contract as `access_get` and `access_contracts` return it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Contract {
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
	pub scope_time: Option<TimeInterval>,
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
	pub receipt: ReceiptReport,
}

impl Contract {
	/// Contract `id` as JSON shows it.
	pub fn new(id: ContractId, c: Record<AccountId, BlockNumber>) -> Self {
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
			scope_bbox: scope.bbox.map(|b| b.degrees()),
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
				Receipt::Pending => {
					ReceiptReport { status: ReceiptStatus::Pending, observed: None }
				},
				Receipt::Verified => {
					ReceiptReport { status: ReceiptStatus::Verified, observed: None }
				},
				Receipt::Mismatch(h) => ReceiptReport {
					status: ReceiptStatus::Mismatch,
					observed: Some(Bytes(h.digest.to_vec())),
				},
			},
		}
	}
}

/// A page of `access_contracts`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Contracts {
	pub items: Vec<Contract>,
	/// Pass as `cursor` for the next page; `null` when there is no more.
	pub next: Option<ContractId>,
}

impl From<ContractPage<AccountId, BlockNumber>> for Contracts {
	fn from(page: ContractPage<AccountId, BlockNumber>) -> Self {
		Self {
			items: page.items.into_iter().map(|i| Contract::new(i.id, i.contract)).collect(),
			next: page.next,
		}
	}
}

/// Parameters of `access_contracts`; the given filters must all hold.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ContractsParams {
	#[serde(skip_serializing_if = "Option::is_none")]
	pub consumer: Option<DepartmentId>,
	#[serde(skip_serializing_if = "Option::is_none")]
	pub provider: Option<DepartmentId>,
	#[serde(skip_serializing_if = "Option::is_none")]
	pub dataset: Option<DatasetId>,
	/// `requested`, `approved`, `rejected`, `cancelled`, `lapsed`, `expired`,
	/// `revoked` or `relinquished`.
	#[serde(skip_serializing_if = "Option::is_none")]
	pub state: Option<ContractState>,
	#[serde(skip_serializing_if = "Option::is_none")]
	pub cursor: Option<ContractId>,
	/// 1 to 100; default 10.
	#[serde(default, deserialize_with = "crate::limit", skip_serializing_if = "Option::is_none")]
	pub limit: Option<u32>,
}

/// Access contracts and access checks.
#[rpc(client, server)]
pub trait AccessApi {
	/// Whether `account` may read `dataset` at block `at` (default: best
	/// block), on what basis (`owner`, `openData`, `contract`, `pending`,
	/// `expired`, `noContract`, `notMember`, `unknownDataset` or `withdrawn`)
	/// and until when.
	#[method(name = "access_check")]
	fn check(
		&self,
		account: AccountId,
		dataset: DatasetId,
		at: Option<BlockHash>,
	) -> RpcResult<AccessCheck<BlockNumber>>;

	/// One contract; `null` if there is none with this id.
	#[method(name = "access_get")]
	fn contract(&self, id: ContractId, at: Option<BlockHash>) -> RpcResult<Option<Contract>>;

	/// A page of contracts by consumer, provider, dataset and state, in id
	/// order.
	#[method(name = "access_contracts")]
	fn contracts(&self, params: ContractsParams, at: Option<BlockHash>) -> RpcResult<Contracts>;

	/// What a request would meet, without a transaction: the rule that
	/// decides (`rule`, `outcome`, `uses`) and each rule's `constraints`,
	/// each with whether it `holds`; `null` if there is no such dataset.
	#[method(name = "access_evaluate")]
	fn evaluate(
		&self,
		params: EvaluateParams,
		at: Option<BlockHash>,
	) -> RpcResult<Option<citychain_primitives::terms::Evaluation>>;

	/// The rules that decide requests for `dataset`, in the order they are
	/// tried; `null` if there is no such dataset.
	#[method(name = "access_rules")]
	fn rules(&self, dataset: DatasetId, at: Option<BlockHash>) -> RpcResult<Option<Vec<Rule>>>;

	/// The terms contract `id` was decided under, with its deliveries;
	/// `null` for a contract requested before rules.
	#[method(name = "access_terms")]
	fn terms(&self, id: ContractId, at: Option<BlockHash>) -> RpcResult<Option<ContractTerms>>;

	/// The purpose vocabulary governance keeps.
	#[method(name = "access_purposes")]
	fn purposes(&self, at: Option<BlockHash>) -> RpcResult<Vec<Purpose>>;

	/// The jurisdictions governance registered, as GeoJSON polygons.
	#[method(name = "access_jurisdictions")]
	fn jurisdictions(&self, at: Option<BlockHash>) -> RpcResult<Vec<Jurisdiction>>;

	/// A dataset's policy as an ODRL 2.2 `Offer`, or a contract's terms as
	/// an `Agreement` (JSON-LD); `null` if there is no such dataset or
	/// contract.
	#[method(name = "access_odrl")]
	fn odrl(
		&self,
		params: OdrlParams,
		at: Option<BlockHash>,
	) -> RpcResult<Option<serde_json::Value>>;
}
