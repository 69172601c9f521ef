//! A node's JSON-RPC over WebSocket, reconnecting when the connection breaks.

use crate::{Error, Result};
use jsonrpsee::{
	core::{client::ClientT, params::ArrayParams, ClientError},
	ws_client::{WsClient, WsClientBuilder},
};
use serde::{de::DeserializeOwned, Deserialize};
use serde_json::{json, Value};
use sp_core::H256;
use std::{sync::Arc, time::Duration};
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

/// `access_check`: whether an account may read a dataset, and why.
#[derive(Clone, Debug, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct AccessCheck {
	pub allowed: bool,
	/// `owner`, `openData`, `contract`, `pending`, `expired`, `noContract`,
	/// `notMember`, `unknownDataset` or `withdrawn`.
	pub basis: String,
	pub contract: Option<u64>,
	pub expires_at: Option<u32>,
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

	/// Calls `method` with positional `params`.
	pub async fn request<R: DeserializeOwned>(
		&self,
		method: &str,
		params: Vec<Value>,
	) -> Result<R> {
		let mut retried = false;
		loop {
			let client = self.connection().await?;
			match client.request(method, array(&params)?).await {
				Ok(answer) => return Ok(answer),
				Err(ClientError::RestartNeeded(_)) | Err(ClientError::Transport(_)) if !retried => {
					self.forget(&client).await;
					retried = true;
				},
				Err(e) => return Err(rpc_error(e)),
			}
		}
	}

	/// Calls a CityChain method whose last parameter is an optional block hash.
	pub async fn query<R: DeserializeOwned>(
		&self,
		method: &str,
		mut params: Vec<Value>,
		at: Option<H256>,
	) -> Result<R> {
		if let Some(at) = at {
			params.push(json!(at));
		}
		self.request(method, params).await
	}

	pub async fn finalized_head(&self) -> Result<H256> {
		self.request("chain_getFinalizedHead", vec![]).await
	}

	pub async fn genesis_hash(&self) -> Result<H256> {
		self.request("chain_getBlockHash", vec![json!(0)]).await
	}

	/// The number of the block `hash`.
	pub async fn block_number(&self, hash: H256) -> Result<u32> {
		let header: Value = self.request("chain_getHeader", vec![json!(hash)]).await?;
		let number =
			header["number"].as_str().ok_or_else(|| invalid("a header without a number"))?;
		u32::from_str_radix(number.trim_start_matches("0x"), 16)
			.map_err(|_| invalid("a header with a malformed number"))
	}

	/// The next nonce of `account` (SS58), counting the transaction pool.
	pub async fn next_index(&self, account: &str) -> Result<u32> {
		self.request("system_accountNextIndex", vec![json!(account)]).await
	}

	/// `access_check` of `account` (SS58) for `dataset` at block `at`.
	pub async fn access_check(
		&self,
		account: &str,
		dataset: u64,
		at: Option<H256>,
	) -> Result<AccessCheck> {
		self.query("access_check", vec![json!(account), json!(dataset)], at).await
	}
}

fn array(params: &[Value]) -> Result<ArrayParams> {
	let mut out = ArrayParams::new();
	for p in params {
		out.insert(p).map_err(|e| invalid(format!("unencodable parameter: {e}")))?;
	}
	Ok(out)
}

fn rpc_error(e: ClientError) -> Error {
	match e {
		ClientError::Call(call) => {
			let mut message = call.message().to_string();
			if let Some(data) = call.data() {
				message = format!("{message}: {}", data.get().trim_matches('"'));
			}
			Error::Rpc { code: call.code(), message }
		},
		other => Error::Connection(other.to_string()),
	}
}

/// The 0x-hex field `key` of a JSON answer `value` as bytes; `None` if it is
/// missing, null or not hex.
pub fn hex_field(value: &Value, key: &str) -> Option<Vec<u8>> {
	value[key].as_str().and_then(|h| hex::decode(h.trim_start_matches("0x")).ok())
}

pub(crate) fn invalid(message: impl Into<String>) -> Error {
	Error::Invalid(message.into())
}
