//! `access_*`: access contracts and access checks over JSON-RPC.

use std::sync::Arc;

use citychain_primitives::{
	access::{
		AccessCheck, ContractId, ContractQuery, ContractQueryError, Scope, MAX_CONTRACT_PAGE,
	},
	api::{AccessApi as RuntimeApi, DatasetsApi},
	terms::{Evaluation, EvaluationError},
	BoundingBox, DatasetId,
};
use citychain_rpc_api::{
	access::{Contract, Contracts, ContractsParams},
	terms::{self, ContractTerms, EvaluateParams, Iris, Jurisdiction, OdrlParams, Purpose, Rule},
	text, AccessApiServer,
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

fn evaluation_error(e: EvaluationError) -> jsonrpsee::types::ErrorObjectOwned {
	invalid_params(match e {
		EvaluationError::NotMember => "the account is not a member of an active department",
		EvaluationError::UnknownDataset => "no dataset has this id",
		EvaluationError::OwnDataset => "the account's department owns the dataset",
		EvaluationError::InvalidScope => "the scope's box or interval is not valid",
		EvaluationError::ScopeOutsideExtent => "the scope is not within the dataset's extent",
		EvaluationError::DatasetNotActive => {
			"the dataset is not active (deprecated, superseded or withdrawn)"
		},
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
	C::Api: RuntimeApi<Block, AccountId, BlockNumber> + DatasetsApi<Block, AccountId, BlockNumber>,
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

	/// `params` were bounded as they were read (`citychain_rpc_api::terms`).
	fn evaluate(&self, params: EvaluateParams, at: Option<Hash>) -> RpcResult<Option<Evaluation>> {
		let bbox = params
			.bbox
			.map(|b| BoundingBox::from_degrees(&b))
			.transpose()
			.map_err(|e| invalid_params(format!("bbox: {e}")))?;
		let scope =
			(bbox.is_some() || params.time.is_some()).then_some(Scope { bbox, time: params.time });
		let at = block_or_best(&*self.client, at);
		match self
			.client
			.runtime_api()
			.evaluate(
				at,
				params.account,
				params.dataset,
				params.purpose.into_bytes(),
				params.term,
				scope,
			)
			.map_err(runtime_error)?
		{
			Ok(evaluation) => Ok(Some(evaluation)),
			Err(EvaluationError::UnknownDataset) => Ok(None),
			Err(e) => Err(evaluation_error(e)),
		}
	}

	fn rules(&self, dataset: DatasetId, at: Option<Hash>) -> RpcResult<Option<Vec<Rule>>> {
		let at = block_or_best(&*self.client, at);
		let rules = self.client.runtime_api().rules(at, dataset).map_err(runtime_error)?;
		Ok(rules.map(|rules| rules.iter().map(Rule::from).collect()))
	}

	fn terms(&self, id: ContractId, at: Option<Hash>) -> RpcResult<Option<ContractTerms>> {
		let at = block_or_best(&*self.client, at);
		Ok(self.client.runtime_api().terms(at, id).map_err(runtime_error)?.map(Into::into))
	}

	fn purposes(&self, at: Option<Hash>) -> RpcResult<Vec<Purpose>> {
		let at = block_or_best(&*self.client, at);
		let purposes = self.client.runtime_api().purposes(at).map_err(runtime_error)?;
		Ok(purposes
			.into_iter()
			.map(|(code, label)| Purpose { code: text(&code), label: text(&label) })
			.collect())
	}

	fn odrl(&self, params: OdrlParams, at: Option<Hash>) -> RpcResult<Option<serde_json::Value>> {
		// An http(s) URL of at most `MAX_BASE_LEN` bytes, checked as it was read.
		let iris = Iris { base: params.base.trim_end_matches('/') };
		let at = block_or_best(&*self.client, at);
		let api = self.client.runtime_api();

		match (params.dataset, params.contract) {
			(Some(id), None) => {
				let Some(d) = api.dataset(at, id).map_err(runtime_error)? else { return Ok(None) };
				let rules = api.rules(at, id).map_err(runtime_error)?.unwrap_or_default();
				let rules: Vec<Rule> = rules.iter().map(Rule::from).collect();
				Ok(Some(terms::odrl_offer(&iris, d.owner, id, &rules)))
			},
			(None, Some(id)) => {
				let Some(c) = api.contract(at, id).map_err(runtime_error)? else { return Ok(None) };
				let contract = Contract::new(id, c);
				let decided = api.terms(at, id).map_err(runtime_error)?;
				let rule = decided.as_ref().map(|t| Rule::from(&t.decided_by));
				let purpose = decided.as_ref().and_then(|t| t.purpose.as_ref()).map(|p| text(p));
				Ok(Some(terms::odrl_agreement(
					&iris,
					&contract,
					(rule.as_ref(), purpose.as_deref()),
					citychain_runtime::MILLI_SECS_PER_BLOCK,
				)))
			},
			_ => Err(invalid_params("name a dataset or a contract")),
		}
	}

	fn jurisdictions(&self, at: Option<Hash>) -> RpcResult<Vec<Jurisdiction>> {
		let at = block_or_best(&*self.client, at);
		let all = self.client.runtime_api().jurisdictions(at).map_err(runtime_error)?;
		Ok(all.into_iter().map(|(id, j)| Jurisdiction::new(id, j)).collect())
	}
}
