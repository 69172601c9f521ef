//! The `…Client` and `…Server` traits are one declaration: a client calling
//! through them reaches a server implementing them over a real WebSocket,
//! with the same types on both sides and the JSON docs/rpc.md shows.

use citychain_primitives::{
	access::{AccessBasis, AccessCheck, ContractId, ContractState},
	terms::{Constraint, Evaluation, Outcome, RuleVerdict, Verdict},
	DatasetId, DatasetStatus,
};
use citychain_rpc_api::{
	access::{Contract, Contracts, ContractsParams},
	datasets::{Dataset, DATASET_FIELDS},
	terms::{ContractTerms, EvaluateParams, Jurisdiction, OdrlParams, Purpose, Rule},
	AccessApiClient, AccessApiServer, AccountId, BlockHash, BlockNumber,
};
use jsonrpsee::{
	core::{client::ClientT, RpcResult},
	rpc_params,
	server::Server,
	types::ErrorObject,
	ws_client::WsClientBuilder,
};
use serde_json::{json, Value};

/// An access module that answers from its arguments.
struct Echo;

impl AccessApiServer for Echo {
	fn check(
		&self,
		account: AccountId,
		dataset: DatasetId,
		at: Option<BlockHash>,
	) -> RpcResult<AccessCheck<BlockNumber>> {
		Ok(AccessCheck {
			allowed: account == AccountId::new([1; 32]),
			basis: if at.is_some() { AccessBasis::Contract } else { AccessBasis::NoContract },
			contract: Some(dataset + 100),
			expires_at: None,
			uses_left: None,
		})
	}

	fn contract(&self, _: ContractId, _: Option<BlockHash>) -> RpcResult<Option<Contract>> {
		Ok(None)
	}

	fn contracts(&self, params: ContractsParams, _: Option<BlockHash>) -> RpcResult<Contracts> {
		match params.limit {
			Some(0) => Err(ErrorObject::owned(-32602, "limit must be at least 1", None::<()>)),
			_ => Ok(Contracts { items: vec![], next: params.cursor }),
		}
	}

	/// Rule 0 decides for the purpose "planning", and nothing else.
	fn evaluate(
		&self,
		params: EvaluateParams,
		_: Option<BlockHash>,
	) -> RpcResult<Option<Evaluation>> {
		let holds = params.purpose == "planning";
		Ok(Some(Evaluation {
			rule: holds.then_some(0),
			outcome: if holds { Outcome::Grant } else { Outcome::Refuse },
			uses: None,
			rules: vec![RuleVerdict {
				outcome: Outcome::Grant,
				constraints: vec![Verdict { constraint: Constraint::Purpose, holds }],
			}],
		}))
	}

	fn rules(&self, _: DatasetId, _: Option<BlockHash>) -> RpcResult<Option<Vec<Rule>>> {
		Ok(None)
	}

	fn terms(&self, _: ContractId, _: Option<BlockHash>) -> RpcResult<Option<ContractTerms>> {
		Ok(None)
	}

	fn purposes(&self, _: Option<BlockHash>) -> RpcResult<Vec<Purpose>> {
		Ok(vec![])
	}

	fn jurisdictions(&self, _: Option<BlockHash>) -> RpcResult<Vec<Jurisdiction>> {
		Ok(vec![])
	}

	fn odrl(&self, _: OdrlParams, _: Option<BlockHash>) -> RpcResult<Option<Value>> {
		Ok(None)
	}
}

#[tokio::test]
async fn a_client_calls_the_server_through_the_same_declaration() {
	let server = Server::builder().build("127.0.0.1:0").await.unwrap();
	let url = format!("ws://{}", server.local_addr().unwrap());
	let handle = server.start(Echo.into_rpc());
	let client = WsClientBuilder::default().build(&url).await.unwrap();

	let member = AccountId::new([1; 32]);
	let check = client.check(member.clone(), 7, Some(BlockHash::repeat_byte(9))).await.unwrap();
	assert_eq!(
		check,
		AccessCheck {
			allowed: true,
			basis: AccessBasis::Contract,
			contract: Some(107),
			expires_at: None,
			uses_left: None,
		}
	);
	assert_eq!(
		client.check(AccountId::new([2; 32]), 7, None).await.unwrap().basis,
		AccessBasis::NoContract
	);

	// What a JavaScript client sends and reads: the method's name, an SS58
	// account, camelCase answers.
	let raw: Value = client
		.request("access_check", rpc_params![member.to_string(), 7, Option::<BlockHash>::None])
		.await
		.unwrap();
	assert_eq!(
		raw,
		json!({
			"allowed": true,
			"basis": "noContract",
			"contract": 107,
			"expiresAt": null,
			"usesLeft": null
		})
	);

	let params = ContractsParams {
		state: Some(ContractState::Approved),
		cursor: Some(4),
		..Default::default()
	};
	assert_eq!(client.contracts(params, None).await.unwrap().next, Some(4));
	let refused = client
		.contracts(ContractsParams { limit: Some(0), ..Default::default() }, None)
		.await;
	assert!(refused.unwrap_err().to_string().contains("limit must be at least 1"));
	// A verdict as a client reads it: each rule's constraints by name.
	let verdict: Value = client
		.request(
			"access_evaluate",
			rpc_params![
				json!({ "account": member.to_string(), "dataset": 7, "purpose": "research", "term": 100 })
			],
		)
		.await
		.unwrap();
	assert_eq!(
		verdict,
		json!({
			"rule": null,
			"outcome": "refuse",
			"uses": null,
			"rules": [{ "outcome": "grant", "constraints": [{ "constraint": "purpose", "holds": false }] }]
		})
	);
	// A parameter the node does not know is refused, not ignored.
	let unknown: Result<Value, _> = client
		.request("access_contracts", rpc_params![json!({ "colour": "red" })])
		.await;
	assert!(unknown.unwrap_err().to_string().contains("unknown field `colour`"));

	handle.stop().unwrap();
}

#[test]
fn parameters_leave_out_what_is_not_given() {
	assert_eq!(serde_json::to_value(ContractsParams::default()).unwrap(), json!({}));
	let params = ContractsParams { consumer: Some(2), limit: Some(5), ..Default::default() };
	assert_eq!(serde_json::to_value(&params).unwrap(), json!({ "consumer": 2, "limit": 5 }));
}

#[test]
fn a_dataset_tells_a_field_not_asked_for_from_one_that_is_empty() {
	let asked = Dataset {
		id: 3,
		title: Some("Parks".into()),
		predecessor: Some(None),
		status: Some(DatasetStatus::Active),
		..Default::default()
	};
	let json = serde_json::to_value(&asked).unwrap();
	assert_eq!(json, json!({ "id": 3, "title": "Parks", "predecessor": null, "status": "active" }));
	let read: Dataset = serde_json::from_value(json).unwrap();
	assert_eq!(read, asked);
	assert_eq!(read.successor, None, "not asked for");
	assert_eq!(DATASET_FIELDS[0], "id");
}
