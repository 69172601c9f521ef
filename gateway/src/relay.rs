//! `GET /rpc`: a member's portal reaches the node through the gateway, over
//! one WebSocket, so that the node is never public.
//!
//! Browsers cannot set headers on a WebSocket, so the upgrade request
//! carries its signature in the query: `/rpc?auth=<Authorization value>`,
//! the `CityChain` scheme of `citychain_client::auth` signed over `GET` and
//! the path `/rpc` (without the query). Before the upgrade the gateway
//! checks, in this order and without calling the node for a stranger: the
//! signature and its time, the account's and the address's rates, that the
//! account is a member of an active department at the finalized block, and
//! only then takes the nonce and a session slot (at most
//! [`MAX_SESSIONS`] in all and [`MAX_SESSIONS_PER_ACCOUNT`] per account).
//!
//! Then each JSON-RPC request of the browser is checked and passed on:
//! single requests only (no batches), at most [`MAX_FRAME`] bytes, methods of
//! [`ALLOWED`] only, at most `relay_rate` per minute per account; the reader
//! of every search (`datasets_search`, `datasets_stacSearch`,
//! `datasets_extent`, `datasets_extents`, `datasets_aggregate`) is the signed-in account, whatever
//! the browser sent.
//! The node's answers and subscription notifications come back unchanged.
//! The session ends when either side closes, or when the account is no
//! longer a member of an active department (checked every
//! [`MEMBERSHIP_RECHECK`]).

use crate::{data, error::ApiError, guard::ClientAddress, AppState};
use axum::{
	extract::{
		ws::{rejection::WebSocketUpgradeRejection, Message, WebSocket, WebSocketUpgrade},
		Extension, Query, State,
	},
	http::StatusCode,
	response::Response,
};
use citychain_client::{
	auth::{now_ms, Credentials},
	primitives::departments::DepartmentStatus,
	rpc::api::AccountId,
};
use futures::{SinkExt, StreamExt};
use serde::Deserialize;
use serde_json::{json, Map, Value};
use sp_core::crypto::Ss58Codec;
use std::{
	collections::HashMap,
	sync::{Arc, Mutex},
	time::Duration,
};
use tokio_tungstenite::tungstenite::Message as NodeMessage;

/// Where the relay is served.
pub const PATH: &str = "/rpc";
/// Relay sessions open at once, at most: each is a connection to the node,
/// whose RPC server takes 100 by default; the rest stay for the gateway's
/// own connection and the operator's tools.
pub const MAX_SESSIONS: usize = 64;
/// Relay sessions of one account open at once, at most.
pub const MAX_SESSIONS_PER_ACCOUNT: usize = 4;
/// The largest request frame a browser may send (a transaction with a
/// dataset's longest fields is a few KiB).
pub const MAX_FRAME: usize = 256 * 1024;
/// How often a session's membership is checked again.
pub const MEMBERSHIP_RECHECK: Duration = Duration::from_secs(60);

/// The JSON-RPC methods a member's portal may call through the relay: the
/// chain's reads and subscriptions that @polkadot/api makes, transaction
/// submission, and CityChain's own methods. Node administration (keys,
/// peers, offchain storage) is not among them.
pub const ALLOWED: &[&str] = &[
	"rpc_methods",
	"system_chain",
	"system_chainType",
	"system_name",
	"system_version",
	"system_properties",
	"system_health",
	"system_accountNextIndex",
	"chain_getBlock",
	"chain_getBlockHash",
	"chain_getHeader",
	"chain_getFinalizedHead",
	"chain_subscribeNewHeads",
	"chain_unsubscribeNewHeads",
	"chain_subscribeFinalizedHeads",
	"chain_unsubscribeFinalizedHeads",
	"chain_subscribeAllHeads",
	"chain_unsubscribeAllHeads",
	"state_call",
	"state_getMetadata",
	"state_getRuntimeVersion",
	"state_getStorage",
	"state_getStorageHash",
	"state_getKeysPaged",
	"state_getReadProof",
	"state_queryStorageAt",
	"state_subscribeRuntimeVersion",
	"state_unsubscribeRuntimeVersion",
	"state_subscribeStorage",
	"state_unsubscribeStorage",
	"author_submitExtrinsic",
	"author_submitAndWatchExtrinsic",
	"author_unwatchExtrinsic",
	"payment_queryInfo",
	"payment_queryFeeDetails",
	"datasets_get",
	"datasets_search",
	"datasets_history",
	"datasets_stacItem",
	"datasets_stacSearch",
	"datasets_extent",
	"datasets_extents",
	"datasets_aggregate",
	"datasets_queryables",
	"access_check",
	"access_get",
	"access_contracts",
	"access_evaluate",
	"access_rules",
	"access_terms",
	"access_purposes",
	"access_jurisdictions",
	"access_odrl",
	"audit_entries",
	"audit_verify",
	"audit_accessSearch",
	"audit_root",
	"audit_inclusionProof",
	"audit_consistencyProof",
	"audit_finality",
	"departments_get",
	"departments_list",
];

/// The methods whose first parameter (an object) names a `reader`.
const READER_BOUND: &[&str] = &[
	"datasets_search",
	"datasets_stacSearch",
	"datasets_extent",
	"datasets_extents",
	"datasets_aggregate",
];

/// The methods whose first parameter is a list of storage keys: it must name
/// between 1 and [`MAX_STORAGE_KEYS`] (the relay's node connection is on
/// loopback, where the node would take a subscription to every key, or
/// prove every key a frame can hold).
const KEY_LISTS: &[&str] =
	&["state_subscribeStorage", "state_queryStorageAt", "state_getReadProof"];
/// Most storage keys one request names.
pub const MAX_STORAGE_KEYS: usize = 256;

/// The open sessions, per account.
#[derive(Default)]
pub struct Sessions {
	open: Mutex<HashMap<String, usize>>,
}

/// A session slot, given back when dropped.
pub struct Slot {
	state: Arc<AppState>,
	account: String,
}

impl Sessions {
	/// Takes a slot for `account`, if one is free in all and for it.
	fn take(&self, account: &str) -> Result<(), ApiError> {
		let mut open = self.open.lock().expect("session table poisoned");
		if open.values().sum::<usize>() >= MAX_SESSIONS {
			return Err(ApiError::new(
				StatusCode::SERVICE_UNAVAILABLE,
				"the gateway has no free relay session; try again later",
			));
		}
		let count = open.entry(account.to_string()).or_default();
		if *count >= MAX_SESSIONS_PER_ACCOUNT {
			return Err(ApiError::new(
				StatusCode::TOO_MANY_REQUESTS,
				format!("this account has {MAX_SESSIONS_PER_ACCOUNT} relay sessions open already"),
			));
		}
		*count += 1;
		Ok(())
	}

	fn give_back(&self, account: &str) {
		let mut open = self.open.lock().expect("session table poisoned");
		if let Some(count) = open.get_mut(account) {
			*count -= 1;
			if *count == 0 {
				open.remove(account);
			}
		}
	}
}

impl Drop for Slot {
	fn drop(&mut self) {
		self.state.sessions.give_back(&self.account);
	}
}

#[derive(Deserialize)]
pub struct Params {
	auth: Option<String>,
}

/// The signed-in account of an upgrade request, after every check but the
/// membership's.
fn signed_in(state: &AppState, auth: Option<&str>) -> Result<Credentials, ApiError> {
	let auth = auth.ok_or_else(|| {
		ApiError::unauthorized("sign in: /rpc?auth=<a CityChain signature over GET /rpc>")
	})?;
	data::check_signature(state, auth, "GET", PATH)
}

/// `GET /rpc`: the WebSocket upgrade of a member's relay session. Who asks
/// is checked before the request is found to be an upgrade at all.
pub async fn open(
	State(state): State<Arc<AppState>>,
	Extension(ClientAddress(peer)): Extension<ClientAddress>,
	Query(params): Query<Params>,
	upgrade: Result<WebSocketUpgrade, WebSocketUpgradeRejection>,
) -> Result<Response, ApiError> {
	let credentials = signed_in(&state, params.auth.as_deref())?;
	data::within_rates(&state, &credentials, peer)?;
	let account = canonical(&credentials.account)?;
	if !is_active_member(&state, &account).await? {
		return Err(ApiError::forbidden(
			"the relay is for members of active departments; anyone can read the public catalogue \
			 at /search",
		));
	}
	let upgrade = upgrade.map_err(|e| {
		ApiError::new(
			StatusCode::UPGRADE_REQUIRED,
			format!("/rpc is a WebSocket: {}", e.body_text()),
		)
	})?;
	data::take_nonce(&state, &credentials)?;
	let name = account.to_ss58check();
	state.sessions.take(&name)?;
	let slot = Slot { state: state.clone(), account: name };
	Ok(upgrade.max_message_size(MAX_FRAME).max_frame_size(MAX_FRAME).on_upgrade(
		move |socket| async move {
			let account = slot.account.clone();
			if let Err(e) = relay(&state, socket, &account).await {
				tracing::info!(target: "relay", %account, "session ended: {e}");
			}
			drop(slot);
		},
	))
}

/// The account of an SS58 address, whatever its prefix.
fn canonical(ss58: &str) -> Result<AccountId, ApiError> {
	AccountId::from_ss58check(ss58).map_err(|_| ApiError::bad_request("the account is not SS58"))
}

async fn is_active_member(state: &AppState, account: &AccountId) -> Result<bool, ApiError> {
	let at = state.node.finalized_head().await?;
	Ok(state
		.node
		.membership(account, at)
		.await?
		.is_some_and(|m| m.status == DepartmentStatus::Active))
}

/// Passes the session's requests to a connection of its own to the node,
/// and the node's answers back.
async fn relay(state: &AppState, mut browser: WebSocket, account: &str) -> Result<(), String> {
	let (mut node, _) = tokio_tungstenite::connect_async(state.settings.node.as_str())
		.await
		.map_err(|e| format!("cannot reach the node: {e}"))?;
	let key = format!("relay:{account}");
	let id = canonical(account).map_err(|e| e.message)?;
	let mut recheck = tokio::time::interval(MEMBERSHIP_RECHECK);
	recheck.tick().await;
	loop {
		tokio::select! {
			from_browser = browser.recv() => {
				let text = match from_browser {
					Some(Ok(Message::Text(text))) => text,
					Some(Ok(Message::Ping(_) | Message::Pong(_))) => continue,
					Some(Ok(Message::Binary(_))) => {
						return Err("a binary frame; JSON-RPC frames are text".into());
					},
					Some(Ok(Message::Close(_))) | None => return Ok(()),
					Some(Err(e)) => return Err(e.to_string()),
				};
				let reply = if state.relay_rate.allow(&key, now_ms()) {
					match check(text.as_str(), account) {
						Ok(request) => {
							node.send(NodeMessage::text(request)).await.map_err(|e| e.to_string())?;
							continue;
						},
						Err(refusal) => refusal,
					}
				} else {
					refusal(id_of(text.as_str()), -32005, "too many requests this minute; try again later")
				};
				browser.send(Message::text(reply)).await.map_err(|e| e.to_string())?;
			},
			from_node = node.next() => {
				match from_node {
					Some(Ok(NodeMessage::Text(text))) => {
						browser.send(Message::text(text.as_str())).await.map_err(|e| e.to_string())?;
					},
					Some(Ok(NodeMessage::Close(_))) | None => return Err("the node closed the connection".into()),
					Some(Ok(_)) => {},
					Some(Err(e)) => return Err(format!("the node connection broke: {e}")),
				}
			},
			_ = recheck.tick() => {
				if !is_active_member(state, &id).await.unwrap_or(true) {
					let _ = browser.send(Message::Close(None)).await;
					return Err("no longer a member of an active department".into());
				}
			},
		}
	}
}

/// The id of a request, if it has one, for an answer to a refused request.
fn id_of(text: &str) -> Value {
	serde_json::from_str::<Value>(text)
		.ok()
		.and_then(|v| v.get("id").cloned())
		.unwrap_or(Value::Null)
}

/// A JSON-RPC error answer.
fn refusal(id: Value, code: i64, message: &str) -> String {
	json!({ "jsonrpc": "2.0", "id": id, "error": { "code": code, "message": message } }).to_string()
}

/// The request to pass on, with the reader of a search bound to `account`;
/// or the error answer for the browser.
fn check(text: &str, account: &str) -> Result<String, String> {
	let Ok(Value::Object(mut request)) = serde_json::from_str::<Value>(text) else {
		return Err(refusal(
			Value::Null,
			-32600,
			"one JSON-RPC request object per frame (no batches)",
		));
	};
	let id = request.get("id").cloned().unwrap_or(Value::Null);
	let method = request.get("method").and_then(Value::as_str).unwrap_or("");
	if !ALLOWED.contains(&method) {
		return Err(refusal(
			id,
			-32601,
			&format!("{method:?} is not available through the gateway"),
		));
	}
	if KEY_LISTS.contains(&method) {
		let keys = match request.get("params") {
			Some(Value::Array(params)) => params.first(),
			Some(Value::Object(named)) => named.get("keys"),
			_ => None,
		};
		let listed = keys.and_then(Value::as_array).map_or(0, Vec::len);
		if !(1..=MAX_STORAGE_KEYS).contains(&listed) {
			return Err(refusal(
				id,
				-32602,
				&format!("{method} names between 1 and {MAX_STORAGE_KEYS} storage keys"),
			));
		}
	}
	if READER_BOUND.contains(&method) {
		let bound = match request.get_mut("params") {
			None | Some(Value::Null) => {
				request.insert("params".into(), json!([{ "reader": account }]));
				true
			},
			Some(Value::Array(params)) => match params.first_mut() {
				None => {
					params.push(json!({ "reader": account }));
					true
				},
				Some(first) => bind_reader(first, account),
			},
			Some(Value::Object(named)) => {
				bind_reader(named.entry("params").or_insert_with(|| json!({})), account)
			},
			Some(_) => false,
		};
		if !bound {
			return Err(refusal(id, -32602, "a search's parameters are an object"));
		}
	}
	Ok(Value::Object(request).to_string())
}

/// Sets `reader` in a search's parameter object; false if it is not one.
fn bind_reader(params: &mut Value, account: &str) -> bool {
	if params.is_null() {
		*params = Value::Object(Map::new());
	}
	match params {
		Value::Object(fields) => {
			fields.insert("reader".into(), Value::String(account.into()));
			true
		},
		_ => false,
	}
}

#[cfg(test)]
mod tests {
	use super::*;

	const BOB: &str = "5FHneW46xGXgs5mUiveU4sbTyGBzmstUspZC92UhjJM694ty";

	fn passed(text: &str) -> Value {
		serde_json::from_str(&check(text, BOB).expect("passed on")).unwrap()
	}

	fn refused(text: &str) -> (i64, Value) {
		let answer: Value = serde_json::from_str(&check(text, BOB).expect_err("refused")).unwrap();
		(answer["error"]["code"].as_i64().unwrap(), answer["id"].clone())
	}

	#[test]
	fn a_search_reads_as_the_signed_in_account_whatever_the_browser_sent() {
		let positional = passed(
			r#"{"jsonrpc":"2.0","id":1,"method":"datasets_search","params":[{"reader":"anonymous","text":"roads"},null]}"#,
		);
		assert_eq!(positional["params"][0]["reader"], BOB);
		assert_eq!(positional["params"][0]["text"], "roads");
		assert_eq!(positional["params"][1], Value::Null);
		let named = passed(
			r#"{"jsonrpc":"2.0","id":2,"method":"datasets_stacSearch","params":{"params":{"reader":"5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY"}}}"#,
		);
		assert_eq!(named["params"]["params"]["reader"], BOB);
		for none in [
			r#"{"jsonrpc":"2.0","id":3,"method":"datasets_extent"}"#,
			r#"{"jsonrpc":"2.0","id":3,"method":"datasets_extent","params":[]}"#,
			r#"{"jsonrpc":"2.0","id":3,"method":"datasets_extent","params":[null]}"#,
		] {
			let request = passed(none);
			assert_eq!(request["params"][0]["reader"], BOB, "{none}");
		}
		assert_eq!(
			refused(r#"{"jsonrpc":"2.0","id":4,"method":"datasets_search","params":["x"]}"#),
			(-32602, json!(4))
		);
	}

	#[test]
	fn other_methods_pass_unchanged_and_administration_is_refused() {
		let text = r#"{"jsonrpc":"2.0","id":"a","method":"chain_getBlockHash","params":[3]}"#;
		assert_eq!(passed(text), serde_json::from_str::<Value>(text).unwrap());
		for method in [
			"author_insertKey",
			"author_rotateKeys",
			"system_addReservedPeer",
			"offchain_localStorageSet",
			"system_unknownMethod",
			// Unbounded on a loopback connection: every key of the state.
			"state_getStorageSize",
			"author_pendingExtrinsics",
		] {
			let text = format!(r#"{{"jsonrpc":"2.0","id":7,"method":"{method}","params":[]}}"#);
			assert_eq!(refused(&text), (-32601, json!(7)), "{method}");
		}
	}

	#[test]
	fn storage_subscriptions_queries_and_proofs_name_their_keys() {
		let key = "0x26aa394eea5630e07c48ae0c9558cef7";
		for method in KEY_LISTS {
			let with = |params: &str| {
				format!(r#"{{"jsonrpc":"2.0","id":5,"method":"{method}","params":{params}}}"#)
			};
			assert!(check(&with(&format!(r#"[["{key}"]]"#)), BOB).is_ok(), "{method}");
			assert!(check(&with(&format!(r#"{{"keys":["{key}"]}}"#)), BOB).is_ok(), "{method}");
			assert!(
				check(&with(&with_list(&vec![key; MAX_STORAGE_KEYS])), BOB).is_ok(),
				"{method}"
			);
			let many = vec![key; MAX_STORAGE_KEYS + 1];
			for every_key in ["[]", "[null]", "[[]]", "{}", &with_list(&many)] {
				assert_eq!(refused(&with(every_key)), (-32602, json!(5)), "{method} {every_key}");
			}
		}
		assert!(KEY_LISTS.iter().all(|m| ALLOWED.contains(m)));
	}

	fn with_list(keys: &[&str]) -> String {
		format!("[{}]", serde_json::to_string(keys).unwrap())
	}

	#[test]
	fn batches_and_garbage_are_refused() {
		for text in [
			r#"[{"jsonrpc":"2.0","id":1,"method":"system_health"}]"#,
			"not json",
			"\"a string\"",
			"",
		] {
			assert_eq!(refused(text).0, -32600, "{text}");
		}
	}

	#[test]
	fn sessions_are_bounded_in_all_and_per_account() {
		let sessions = Sessions::default();
		for _ in 0..MAX_SESSIONS_PER_ACCOUNT {
			sessions.take("a").unwrap();
		}
		assert_eq!(sessions.take("a").unwrap_err().status, StatusCode::TOO_MANY_REQUESTS);
		sessions.give_back("a");
		sessions.take("a").unwrap();
		for i in MAX_SESSIONS_PER_ACCOUNT..MAX_SESSIONS {
			sessions.take(&format!("account {i}")).unwrap();
		}
		assert_eq!(sessions.take("b").unwrap_err().status, StatusCode::SERVICE_UNAVAILABLE);
	}
}
