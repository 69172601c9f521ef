//! A node's JSON-RPC over WebSocket, reconnecting when the connection breaks.
//!
//! [`Node`] is a jsonrpsee client, so CityChain's own methods are called
//! through the typed traits of `citychain-rpc-api` (re-exported here as
//! [`api`]): `node.dataset(id, at)`, `node.contract(id, at)`, … with the
//! same parameter and answer types the node serves.

use crate::{Error, Result};
pub use citychain_rpc_api as api;
/// What a typed call on a node fails with; converts into [`Error`].
pub use jsonrpsee::core::ClientError as CallError;
use jsonrpsee::{
	core::{
		async_trait,
		client::{BatchResponse, ClientT},
		params::BatchRequestBuilder,
		traits::ToRpcParams,
		ClientError,
	},
	rpc_params,
	ws_client::{WsClient, WsClientBuilder},
};
use serde::de::DeserializeOwned;
use serde_json::{value::RawValue, Value};
use sp_core::H256;
use std::{future::Future, sync::Arc, time::Duration};
use tokio::sync::Mutex;

/// How long one request may wait for its answer.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);
/// How long connecting may take.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// A node, reached at a `ws://` or `wss://` URL. The connection is made on
/// first use and made again when it has broken (the node restarted): a
/// request that finds it broken reconnects once and is retried.
pub struct Node {
	url: String,
	client: Mutex<Option<Arc<WsClient>>>,
}

impl Node {
	/// A node at `url`; nothing is connected until the first request.
	pub fn new(url: impl Into<String>) -> Self {
		Self { url: url.into(), client: Mutex::new(None) }
	}

	/// A node at `url`, connected now (an error if it cannot be reached).
	pub async fn connect(url: impl Into<String>) -> Result<Self> {
		let node = Self::new(url);
		node.connection().await?;
		Ok(node)
	}

	pub fn url(&self) -> &str {
		&self.url
	}

	/// The node's connection, made again if it has broken: also what
	/// subxt's client for transactions runs on ([`crate::tx::submit`]).
	pub(crate) async fn connection(&self) -> Result<Arc<WsClient>> {
		let mut slot = self.client.lock().await;
		if let Some(client) = slot.as_ref().filter(|c| c.is_connected()) {
			return Ok(client.clone());
		}
		*slot = None;
		let client = WsClientBuilder::default()
			.request_timeout(REQUEST_TIMEOUT)
			.connection_timeout(CONNECT_TIMEOUT)
			.build(&self.url)
			.await
			.map_err(|e| Error::Connection(format!("{}: {e}", self.url)))?;
		let client = Arc::new(client);
		*slot = Some(client.clone());
		Ok(client)
	}

	async fn forget(&self, broken: &Arc<WsClient>) {
		let mut slot = self.client.lock().await;
		if slot.as_ref().is_some_and(|c| Arc::ptr_eq(c, broken)) {
			*slot = None;
		}
	}

	/// Runs `call` on the connection; if that finds the connection broken,
	/// once more on a new one.
	async fn retrying<T, F, Fut>(&self, call: F) -> Result<T, ClientError>
	where
		F: Fn(Arc<WsClient>) -> Fut,
		Fut: Future<Output = Result<T, ClientError>>,
	{
		let mut retried = false;
		loop {
			let client =
				self.connection().await.map_err(|e| ClientError::Transport(Box::new(e)))?;
			{
				let outcome = call(client.clone()).await;
				let broken = matches!(
					outcome,
					Err(ClientError::RestartNeeded(_) | ClientError::Transport(_))
				);
				if retried || !broken {
					return outcome;
				}
			}
			self.forget(&client).await;
			retried = true;
		}
	}

	pub async fn finalized_head(&self) -> Result<H256> {
		Ok(self.request("chain_getFinalizedHead", rpc_params![]).await?)
	}

	/// The chain's type: `Development`, `Local`, `Live` or a custom one.
	pub async fn chain_type(&self) -> Result<String> {
		Ok(self.request("system_chainType", rpc_params![]).await?)
	}

	pub async fn genesis_hash(&self) -> Result<H256> {
		Ok(self.request("chain_getBlockHash", rpc_params![0]).await?)
	}

	/// The hash of block `number` of the best chain (of the finalized
	/// chain, for a finalized number).
	pub async fn block_hash(&self, number: u32) -> Result<H256> {
		let hash: Option<H256> = self.request("chain_getBlockHash", rpc_params![number]).await?;
		hash.ok_or_else(|| invalid(format!("the node has no block #{number}")))
	}

	/// The number of the block `hash`.
	pub async fn block_number(&self, hash: H256) -> Result<u32> {
		let header: Value = self.request("chain_getHeader", rpc_params![hash]).await?;
		let number =
			header["number"].as_str().ok_or_else(|| invalid("a header without a number"))?;
		u32::from_str_radix(number.trim_start_matches("0x"), 16)
			.map_err(|_| invalid("a header with a malformed number"))
	}

	/// The department `account` belongs to, with its roles, at block `at`
	/// (the runtime's `DepartmentsApi::membership`); `None` for an account
	/// outside every department.
	pub async fn membership(
		&self,
		account: &api::AccountId,
		at: H256,
	) -> Result<Option<crate::primitives::departments::Membership>> {
		use codec::{Decode, Encode};
		let data = format!("0x{}", hex::encode(account.encode()));
		let answer: String = self
			.request("state_call", rpc_params!["DepartmentsApi_membership", data, at])
			.await?;
		let bytes = hex::decode(answer.trim_start_matches("0x"))
			.map_err(|_| invalid("a runtime call answer that is not hex"))?;
		Option::decode(&mut &bytes[..]).map_err(|_| invalid("a membership that does not decode"))
	}

	/// The next nonce of `account` (SS58), counting the transaction pool.
	pub async fn next_index(&self, account: &str) -> Result<u32> {
		Ok(self.request("system_accountNextIndex", rpc_params![account]).await?)
	}
}

/// Parameters already encoded, so that a retried request sends them again.
#[derive(Clone)]
struct Encoded(Option<Box<RawValue>>);

impl ToRpcParams for Encoded {
	fn to_rpc_params(self) -> Result<Option<Box<RawValue>>, serde_json::Error> {
		Ok(self.0)
	}
}

#[async_trait]
impl ClientT for Node {
	async fn notification<Params>(&self, method: &str, params: Params) -> Result<(), ClientError>
	where
		Params: ToRpcParams + Send,
	{
		let params = Encoded(params.to_rpc_params()?);
		self.retrying(|c| {
			let params = params.clone();
			async move { c.notification(method, params).await }
		})
		.await
	}

	async fn request<R, Params>(&self, method: &str, params: Params) -> Result<R, ClientError>
	where
		R: DeserializeOwned,
		Params: ToRpcParams + Send,
	{
		let params = Encoded(params.to_rpc_params()?);
		self.retrying(|c| {
			let params = params.clone();
			async move { c.request(method, params).await }
		})
		.await
	}

	async fn batch_request<'a, R>(
		&self,
		batch: BatchRequestBuilder<'a>,
	) -> Result<BatchResponse<'a, R>, ClientError>
	where
		R: DeserializeOwned + std::fmt::Debug + 'a,
	{
		let client = self.connection().await.map_err(|e| ClientError::Transport(Box::new(e)))?;
		client.batch_request(batch).await
	}
}

impl From<ClientError> for Error {
	fn from(e: ClientError) -> Self {
		match e {
			ClientError::Call(call) => {
				let mut message = call.message().to_string();
				if let Some(data) = call.data() {
					message = format!("{message}: {}", data.get().trim_matches('"'));
				}
				Error::Rpc { code: call.code(), message }
			},
			ClientError::ParseError(e) => Error::Invalid(format!("the node's answer: {e}")),
			// Connecting failed: our own error, as `Node::connection` made it.
			ClientError::Transport(e) => match e.downcast::<Error>() {
				Ok(ours) => *ours,
				Err(other) => Error::Connection(other.to_string()),
			},
			other => Error::Connection(other.to_string()),
		}
	}
}

pub(crate) fn invalid(message: impl Into<String>) -> Error {
	Error::Invalid(message.into())
}
