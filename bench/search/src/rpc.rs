//! One WebSocket JSON-RPC client of the node, as a portal or the gateway
//! holds one.

use jsonrpsee::{
	core::client::ClientT,
	rpc_params,
	ws_client::{WsClient, WsClientBuilder},
};
use serde_json::Value;
use std::time::{Duration, Instant};

pub struct Rpc {
	runtime: tokio::runtime::Runtime,
	client: WsClient,
}

impl Rpc {
	pub fn connect(url: &str) -> Self {
		let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("a runtime");
		let client = runtime
			.block_on(WsClientBuilder::default().build(url))
			.unwrap_or_else(|e| panic!("cannot connect to {url}: {e}"));
		Self { runtime, client }
	}

	/// The ids of a `datasets_search` page, and how long the call took from
	/// sending the request to holding the decoded answer.
	pub fn search(&self, params: &Value) -> (Vec<u64>, Duration) {
		let started = Instant::now();
		let page: Value = self
			.runtime
			.block_on(self.client.request("datasets_search", rpc_params![params.clone()]))
			.unwrap_or_else(|e| panic!("datasets_search {params}: {e}"));
		let elapsed = started.elapsed();
		let ids = page["items"]
			.as_array()
			.expect("a page has items")
			.iter()
			.map(|item| item["id"].as_u64().expect("an item has an id"))
			.collect();
		(ids, elapsed)
	}
}
