//! One WebSocket JSON-RPC client of the node, as a portal or the gateway
//! holds one: requests one at a time on one connection (Nagle off, as
//! browsers and jsonrpsee servers have it), so that a measured call is the
//! node's work and the round trip, not a client's scheduling. Answers are
//! decoded into `citychain_rpc_api`'s typed `Page`, as every Rust client of
//! the node (the CLI, the gateway) decodes them.

use citychain_rpc_api::datasets::Page;
use serde::Deserialize;
use serde_json::{json, Value};
use std::{
	net::TcpStream,
	time::{Duration, Instant},
};
use tungstenite::{stream::MaybeTlsStream, Message, WebSocket};

/// A JSON-RPC answer: the page, or the error that stands in its place.
#[derive(Deserialize)]
struct Answer {
	result: Option<Page>,
	error: Option<Value>,
}

pub struct Rpc {
	socket: WebSocket<MaybeTlsStream<TcpStream>>,
	id: u64,
}

impl Rpc {
	pub fn connect(url: &str) -> Self {
		let (mut socket, _) =
			tungstenite::connect(url).unwrap_or_else(|e| panic!("cannot connect to {url}: {e}"));
		if let MaybeTlsStream::Plain(tcp) = socket.get_mut() {
			tcp.set_nodelay(true).expect("TCP_NODELAY");
		}
		Self { socket, id: 0 }
	}

	/// The ids of a `datasets_search` page, and how long the call took from
	/// sending the request to holding the decoded answer.
	pub fn search(&mut self, params: &Value) -> (Vec<u64>, Duration) {
		self.id += 1;
		let request = json!({ "jsonrpc": "2.0", "id": self.id, "method": "datasets_search", "params": [params] });
		let started = Instant::now();
		self.socket
			.send(Message::text(request.to_string()))
			.expect("the request is sent");
		let answer: Answer = loop {
			match self.socket.read().expect("an answer") {
				Message::Text(text) => break serde_json::from_str(&text).expect("JSON"),
				Message::Binary(bytes) => break serde_json::from_slice(&bytes).expect("JSON"),
				_ => continue,
			}
		};
		let elapsed = started.elapsed();
		let page = answer.result.unwrap_or_else(|| {
			panic!("datasets_search {params}: {}", answer.error.unwrap_or_default())
		});
		(page.items.iter().map(|item| item.id).collect(), elapsed)
	}
}
