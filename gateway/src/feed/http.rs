//! The feed's routes: `GET /events` (JSON pages or Server-Sent Events),
//! `GET`/`PUT /events/read` (the notifications an account has read),
//! `POST`/`GET /subscriptions`, `DELETE /subscriptions/{id}` and
//! `GET /subscriptions/{id}/deliveries`. Reads take the reader of the STAC
//! API (a signed request or a read token, which an `EventSource` passes as
//! `?token=`); changes take a signed request (the `CityChain` scheme, its
//! nonce used once, as for `/data`) of a member of an active department.

use super::{subscriptions, webhook, Cursor, Viewer, MAX_PAGE};
use crate::{
	data,
	error::ApiError,
	guard::ClientAddress,
	reader::{self, Reader},
	stac::{self, Params},
	AppState,
};
use axum::{
	body::Bytes,
	extract::{Extension, FromRequestParts, Path, State},
	http::{header, request::Parts, HeaderMap, StatusCode},
	response::{
		sse::{Event, KeepAlive, Sse},
		IntoResponse, Response,
	},
	Json,
};
use citychain_client::{
	auth::now_ms,
	rpc::api::{AccountId, Reader as R},
};
use serde_json::{json, Map, Value};
use sp_core::crypto::Ss58Codec;
use std::{collections::BTreeMap, convert::Infallible, net::IpAddr, sync::Arc, time::Duration};

/// How long one event stream stays open; the client reconnects with its
/// `Last-Event-ID` and loses nothing.
pub const STREAM_LIFETIME: Duration = Duration::from_secs(30 * 60);
/// How often an idle stream says it is alive.
pub const KEEP_ALIVE: Duration = Duration::from_secs(15);
/// How long a stream waits for its client to take an event (the stream's
/// buffer full) before it ends.
pub const SEND_TIMEOUT: Duration = Duration::from_secs(30);
/// How long a stream waits for its address's searches in progress to make
/// room for its next page.
const SEARCH_WAIT: Duration = Duration::from_secs(1);
/// How long an `EventSource` waits before reconnecting.
const RECONNECT: Duration = Duration::from_secs(2);
/// The longest read token read from a query.
const MAX_TOKEN_BYTES: usize = 512;
/// The parameters `GET /events` takes.
const EVENT_PARAMS: &[&str] = &["after", "limit", "token", "concerning"];

fn cursor(text: &str, what: &str) -> Result<Cursor, ApiError> {
	text.parse().map_err(|e| ApiError::bad_request(format!("{what}: {e}")))
}

/// The reader of a feed request: its `Authorization`, else its `token`
/// (a read token, for `EventSource`s, which cannot send headers). A token
/// that vouches for nobody is refused rather than read as anonymous.
fn feed_reader(
	state: &AppState,
	reader: Reader,
	query: &BTreeMap<String, String>,
) -> Result<Reader, ApiError> {
	let Some(token) = query.get("token") else { return Ok(reader) };
	if token.len() > MAX_TOKEN_BYTES {
		return Err(ApiError::bad_request(format!("token: at most {MAX_TOKEN_BYTES} bytes")));
	}
	reader::of_token(state, token)
		.ok_or_else(|| ApiError::unauthorized("token: not a live read token of this gateway"))
}

/// The account of a reader, or 401.
fn account(reader: &Reader) -> Result<AccountId, ApiError> {
	match &reader.0 {
		R::Account(a) => Ok(a.clone()),
		R::Anonymous => Err(ApiError::unauthorized(
			"sign the request or send a read token: this is an account's own",
		)),
	}
}

/// `GET /events`: the events after `after` (or `Last-Event-ID`) that the
/// reader may see; Server-Sent Events to a client that accepts
/// `text/event-stream`, else a JSON page.
pub async fn events(
	State(state): State<Arc<AppState>>,
	Extension(ClientAddress(peer)): Extension<ClientAddress>,
	reader: Reader,
	headers: HeaderMap,
	Params(query): Params,
) -> Result<Response, ApiError> {
	if let Some(other) = query.keys().find(|k| !EVENT_PARAMS.contains(&k.as_str())) {
		return Err(ApiError::bad_request(format!(
			"unsupported parameter {other:?} (events take {})",
			EVENT_PARAMS.join(", ")
		)));
	}
	let reader = feed_reader(&state, reader, &query)?;
	let concerning = match query.get("concerning").map(String::as_str) {
		None | Some("false") => false,
		Some("true") => {
			account(&reader)?;
			true
		},
		Some(other) => {
			return Err(ApiError::bad_request(format!("concerning: true or false, not {other:?}")))
		},
	};
	let limit = match query.get("limit") {
		None => 50,
		Some(l) => citychain_stac::query::parse_limit(l)
			.map_err(|e| ApiError::bad_request(e.to_string()))?
			.min(MAX_PAGE as u64) as usize,
	};
	let last_event_id = headers
		.get("last-event-id")
		.map(|h| h.to_str().map_err(|_| ApiError::bad_request("Last-Event-ID: not a cursor")));
	let after = match (query.get("after"), last_event_id) {
		(_, Some(id)) => Some(cursor(id?, "Last-Event-ID")?),
		(Some(a), None) => Some(cursor(a, "after")?),
		(None, None) => None,
	};
	let journal = state.feed.journal()?;
	let streaming = headers
		.get(header::ACCEPT)
		.and_then(|a| a.to_str().ok())
		.is_some_and(|a| a.contains("text/event-stream"));
	if streaming {
		// Without a cursor a stream starts from now.
		let from = after.or_else(|| journal.last());
		return stream(state, peer, reader, from, concerning).await;
	}
	let (followed, since) = (journal.followed(), journal.since());
	let viewer = Viewer::of(&state, reader).await?;
	let (found, next) = viewer.page(&state, after, limit, concerning).await?;
	let events: Vec<Value> = found.into_iter().map(|(_, e)| e).collect();
	Ok(Json(json!({
		"events": events,
		"next": next.to_string(),
		"followed": followed,
		"since": since,
	}))
	.into_response())
}

/// Sends `event` on a stream, unless the client has gone or has not taken
/// what was sent within `within` (a stalled reader): whether it was sent.
/// The stream ends otherwise, and gives back its slots.
async fn deliver(send: &tokio::sync::mpsc::Sender<Event>, event: Event, within: Duration) -> bool {
	matches!(tokio::time::timeout(within, send.send(event)).await, Ok(Ok(())))
}

/// The events after `from` as they are followed, on a stream that holds a
/// slot in all and one of its address's until it ends.
async fn stream(
	state: Arc<AppState>,
	peer: IpAddr,
	reader: Reader,
	from: Option<Cursor>,
	concerning: bool,
) -> Result<Response, ApiError> {
	let feed = &state.feed;
	let Some(by_address) = feed.streams_by_address.start(&crate::tls::network(peer)) else {
		return Err(ApiError::named(
			StatusCode::TOO_MANY_REQUESTS,
			"TooManyStreams",
			format!("this address has {} event streams open already", super::STREAMS_PER_ADDRESS),
		));
	};
	let Ok(slot) = feed.streams.clone().try_acquire_owned() else {
		return Err(ApiError::named(
			StatusCode::SERVICE_UNAVAILABLE,
			"StreamsFull",
			"the gateway has as many event streams open as it may; try again later",
		));
	};
	let mut viewer = Viewer::of(&state, reader).await?;
	let (send, mut receive) = tokio::sync::mpsc::channel::<Event>(MAX_PAGE);
	tokio::spawn(async move {
		let _held = (by_address, slot);
		let Ok(journal) = state.feed.journal() else { return };
		let mut followed = journal.watch();
		let ends = tokio::time::Instant::now() + STREAM_LIFETIME;
		let mut at = from;
		let hello = Event::default().retry(RECONNECT).comment("citychain events");
		if !deliver(&send, hello, SEND_TIMEOUT).await {
			return;
		}
		loop {
			followed.borrow_and_update();
			// Each page searches the node's index: it counts against the
			// address's searches in progress, as a JSON page does.
			let Some(searching) = state.searching.start(&peer.to_string()) else {
				tokio::select! {
					_ = tokio::time::sleep(SEARCH_WAIT) => continue,
					_ = tokio::time::sleep_until(ends) => return,
					_ = send.closed() => return,
				}
			};
			let page = match viewer.refresh(&state).await {
				Ok(()) => viewer.page(&state, at, MAX_PAGE, concerning).await,
				Err(e) => Err(e),
			};
			drop(searching);
			match page {
				Ok((found, next)) => {
					for (c, event) in found {
						let event = Event::default().id(c.to_string()).data(event.to_string());
						if !deliver(&send, event, SEND_TIMEOUT).await {
							return;
						}
					}
					at = Some(next);
					// More followed than one page looks at: on at once.
					if !journal.after(at, 1).is_empty() {
						continue;
					}
				},
				Err(e) => {
					let said = Event::default().event("error").data(e.message);
					if !deliver(&send, said, SEND_TIMEOUT).await {
						return;
					}
				},
			}
			tokio::select! {
				_ = followed.changed() => {},
				_ = tokio::time::sleep_until(ends) => return,
				_ = send.closed() => return,
			}
		}
	});
	let events = futures::stream::poll_fn(move |cx| {
		receive.poll_recv(cx).map(|e| e.map(Ok::<_, Infallible>))
	});
	Ok(Sse::new(events)
		.keep_alive(KeepAlive::new().interval(KEEP_ALIVE))
		.into_response())
}

/// The account of a signed change by a member of an active department,
/// checked in this order: the signature and its time, the rates, the
/// membership at the finalized head, then the nonce; with its department.
pub struct SignedMember(pub AccountId, pub u32);

impl FromRequestParts<Arc<AppState>> for SignedMember {
	type Rejection = ApiError;

	async fn from_request_parts(
		parts: &mut Parts,
		state: &Arc<AppState>,
	) -> Result<Self, ApiError> {
		let header = parts
			.headers
			.get(header::AUTHORIZATION)
			.ok_or_else(|| {
				ApiError::unauthorized("sign the request (the CityChain scheme, as for /data)")
			})?
			.to_str()
			.map_err(|_| ApiError::bad_request("the Authorization header is not text"))?;
		let path = parts.uri.path_and_query().map(|p| p.as_str()).unwrap_or("/");
		let credentials = data::check_signature(state, header, parts.method.as_str(), path)?;
		let peer =
			parts.extensions.get::<ClientAddress>().map(|c| c.0).ok_or_else(|| {
				ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "no client address")
			})?;
		data::within_rates(state, &credentials, peer)?;
		let account: AccountId = credentials.public.into();
		let head = state.node.finalized_head().await?;
		let member = state
			.node
			.membership(&account, head)
			.await?
			.filter(|m| m.status.is_active())
			.ok_or_else(|| {
				ApiError::forbidden("only a member of an active department subscribes")
			})?;
		data::take_nonce(state, &credentials)?;
		Ok(Self(account, member.department))
	}
}

fn io_error(e: std::io::Error) -> ApiError {
	tracing::error!("cannot record a subscription: {e}");
	ApiError::new(StatusCode::SERVICE_UNAVAILABLE, "the gateway cannot record subscriptions now")
}

/// A JSON object body of at most `most` bytes.
fn object(body: &Bytes, most: usize) -> Result<Map<String, Value>, ApiError> {
	if body.len() > most {
		return Err(ApiError::new(
			StatusCode::PAYLOAD_TOO_LARGE,
			format!("the body: at most {most} bytes"),
		));
	}
	match serde_json::from_slice(body) {
		Ok(Value::Object(o)) => Ok(o),
		_ => Err(ApiError::bad_request("the body is not a JSON object")),
	}
}

/// Parameters of a search that a saved search does not keep.
const NOT_SAVED: &[&str] = &["limit", "token", "sortby", "fields"];
/// The fields of a new subscription.
const SUBSCRIPTION_FIELDS: &[&str] = &["name", "search", "inbox", "webhook"];

/// `POST /subscriptions`: `{ "search": {…} }` (a STAC item-search body) or
/// `{ "inbox": true }`, with a `name` and a `webhook` if wanted. The answer
/// (201) holds the webhook's secret, once.
pub async fn new_subscription(
	State(state): State<Arc<AppState>>,
	SignedMember(account, department): SignedMember,
	body: Bytes,
) -> Result<Response, ApiError> {
	let body = object(&body, subscriptions::MAX_BODY_BYTES)?;
	if let Some(other) = body.keys().find(|k| !SUBSCRIPTION_FIELDS.contains(&k.as_str())) {
		return Err(ApiError::bad_request(format!(
			"unsupported field {other:?} (a subscription has {})",
			SUBSCRIPTION_FIELDS.join(", ")
		)));
	}
	let reader = Reader(R::Account(account.clone()));
	let search = match (body.get("search"), body.get("inbox")) {
		(Some(Value::Object(search)), None | Some(Value::Bool(false))) => {
			if let Some(k) = search.keys().find(|k| NOT_SAVED.contains(&k.as_str())) {
				return Err(ApiError::bad_request(format!("search: {k:?} is not part of a saved search")));
			}
			// The node checks the search as it would run it.
			let mut params = stac::body_params(search, citychain_stac::query::SEARCH_FIELDS)?;
			params.insert("limit".into(), 1.into());
			stac::find(&state, params, &reader, None).await?;
			Some(search.clone())
		},
		(None, Some(Value::Bool(true))) => None,
		_ => {
			return Err(ApiError::bad_request(
				"a subscription is a saved search (\"search\": a STAC search body) or the inbox (\"inbox\": true)",
			))
		},
	};
	let default = if search.is_some() { "saved search" } else { "inbox" };
	let name = subscriptions::name(body.get("name").and_then(Value::as_str), default)
		.map_err(ApiError::bad_request)?;
	let webhook = match body.get("webhook") {
		None | Some(Value::Null) => None,
		Some(Value::String(url)) => Some(
			webhook::check_url(url, state.feed.webhooks.allow_private)
				.map_err(ApiError::bad_request)?
				.to_string(),
		),
		Some(_) => return Err(ApiError::bad_request("webhook: a URL")),
	};
	let secret = webhook.as_ref().map(|_| hex::encode(rand::random::<[u8; 32]>()));
	let sub = subscriptions::Subscription {
		id: hex::encode(rand::random::<[u8; 12]>()),
		account: account.to_ss58check(),
		department,
		name,
		search,
		webhook,
		secret: secret.clone(),
		created: now_ms(),
	};
	state.feed.subscriptions.add(sub.clone()).map_err(io_error)?.map_err(
		|refused| match refused {
			subscriptions::Refused::Account => ApiError::named(
				StatusCode::CONFLICT,
				"TooManySubscriptions",
				format!(
					"an account holds at most {} subscriptions",
					subscriptions::MAX_PER_ACCOUNT
				),
			),
			subscriptions::Refused::Department => ApiError::named(
				StatusCode::CONFLICT,
				"TooManySubscriptions",
				format!(
					"a department's accounts hold at most {} subscriptions",
					subscriptions::MAX_PER_DEPARTMENT
				),
			),
			subscriptions::Refused::Gateway => ApiError::named(
				StatusCode::SERVICE_UNAVAILABLE,
				"SubscriptionsFull",
				"the gateway holds as many subscriptions as it may",
			),
		},
	)?;
	let mut shown = sub.shown();
	if let Some(secret) = secret {
		shown["secret"] = secret.into();
	}
	Ok((StatusCode::CREATED, Json(shown)).into_response())
}

/// `GET /subscriptions`: the reader's own.
pub async fn list_subscriptions(
	State(state): State<Arc<AppState>>,
	reader: Reader,
) -> Result<Json<Value>, ApiError> {
	let account = account(&reader)?.to_ss58check();
	let list: Vec<Value> =
		state.feed.subscriptions.of(&account).iter().map(|s| s.shown()).collect();
	Ok(Json(json!({ "subscriptions": list })))
}

/// `DELETE /subscriptions/{id}`.
pub async fn delete_subscription(
	State(state): State<Arc<AppState>>,
	SignedMember(account, _): SignedMember,
	Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
	if !state
		.feed
		.subscriptions
		.remove(&account.to_ss58check(), &id)
		.map_err(io_error)?
	{
		return Err(ApiError::not_found(format!("no subscription {id:?} of this account")));
	}
	state.feed.webhooks.forget(&id).map_err(io_error)?;
	Ok(StatusCode::NO_CONTENT)
}

/// `GET /subscriptions/{id}/deliveries`: the webhook's log, dead letters
/// and deliveries waiting, to the subscription's account.
pub async fn deliveries(
	State(state): State<Arc<AppState>>,
	reader: Reader,
	Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
	let account = account(&reader)?.to_ss58check();
	match state.feed.subscriptions.get(&id) {
		Some(s) if s.account == account => Ok(Json(state.feed.webhooks.report(&id))),
		_ => Err(ApiError::not_found(format!("no subscription {id:?} of this account"))),
	}
}

/// `GET /events/read`: the last notification the reader has read.
pub async fn read_marker(
	State(state): State<Arc<AppState>>,
	reader: Reader,
) -> Result<Json<Value>, ApiError> {
	let account = account(&reader)?.to_ss58check();
	Ok(Json(json!({ "read": state.feed.subscriptions.read(&account).map(|c| c.to_string()) })))
}

/// `PUT /events/read` with `{ "read": CURSOR }`: the account has read its
/// notifications up to there (never moved back).
pub async fn mark_read(
	State(state): State<Arc<AppState>>,
	SignedMember(account, _): SignedMember,
	body: Bytes,
) -> Result<Json<Value>, ApiError> {
	let body = object(&body, 256)?;
	let read = match body.get("read") {
		Some(Value::String(c)) => cursor(c, "read")?,
		_ => return Err(ApiError::bad_request("read: the cursor of the last notification read")),
	};
	let read = state
		.feed
		.subscriptions
		.mark_read(&account.to_ss58check(), read)
		.map_err(io_error)?;
	Ok(Json(json!({ "read": read.to_string() })))
}

#[cfg(test)]
mod tests {
	use super::*;

	#[tokio::test]
	async fn a_stream_whose_client_takes_nothing_ends_instead_of_waiting_forever() {
		let (send, mut receive) = tokio::sync::mpsc::channel::<Event>(1);
		let within = Duration::from_millis(20);
		assert!(deliver(&send, Event::default().data("1"), within).await, "room for one");
		assert!(!deliver(&send, Event::default().data("2"), within).await, "stalled: ends");
		assert!(receive.recv().await.is_some());
		assert!(deliver(&send, Event::default().data("3"), within).await, "taken: on");
		drop(receive);
		assert!(!deliver(&send, Event::default().data("4"), within).await, "gone: ends");
	}

	#[test]
	fn streams_count_against_the_ipv6_64_of_their_address() {
		let key = |ip: &str| crate::tls::network(ip.parse().unwrap());
		assert_eq!(key("2001:db8:1:2::1"), key("2001:db8:1:2:ffff::9"));
		assert_ne!(key("2001:db8:1:2::1"), key("2001:db8:1:3::1"));
	}
}
