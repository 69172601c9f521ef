//! citychain-gateway: a provider department's data gateway.
//!
//! - `GET /data/{dataset}` (and `HEAD`, with range requests): the file, to a
//!   signed request whose account may read the dataset on the latest
//!   finalized block (see the `data` module).
//! - `GET /data/{dataset}/verified?start=&end=`: a BLAKE3 dataset's bytes
//!   with the hashes that prove them, checked as they arrive and resumable
//!   (see the `verified` module).
//! - `POST /data/{dataset}/presign` and `GET /data/{dataset}/presigned`: a
//!   short-lived link to a plain file for GIS tools that cannot sign
//!   requests (see the `presigned` module).
//! - A STAC API over the chain's registry: `/`, `/conformance`,
//!   `/queryables`, `/functions`, `/collections` (with collection search),
//!   `/collections/{id}`, `/collections/{id}/queryables`,
//!   `/collections/{id}/items`, `/collections/{id}/items/{item}` (with its
//!   `record`, `versions` and `audit` trail), `/search` (GET and POST), and
//!   the `citychain` extension's schema; each answer
//!   holds what the request's reader may see (see the `reader` module).
//! - `/api` (OpenAPI 3.0) and `/api.html`: every route described.
//! - `PUT /data/{dataset}`: the owning department stores the file, or a
//!   contract's encrypted delivery, checked against the chain (see the
//!   `upload` module); a large one in parts that resume after a cut
//!   (`/data/{dataset}/parts…`, see the `parts` module).
//! - `/explorer/`: the portal, with `--explorer-dir` (see the `explorer`
//!   module); a browser opening `/` is sent there.
//! - `GET /rpc`: a signed-in member's portal reaches the node's JSON-RPC
//!   over a WebSocket, with every search bound to the member as its reader
//!   (see the `relay` module). Nothing else reaches the node from a browser.
//! - `GET /events`: the chain's finalized events a reader may see, after a
//!   cursor, as JSON pages or Server-Sent Events; `/subscriptions`: a
//!   member's saved searches and inbox, delivered on the feed and to
//!   webhooks; `/events/read`: the notifications it has read (see the
//!   `feed` module and docs/feed.md).
//! - `GET /health`: the node connection and its finalized block.
//!
//! Browsers reach every route from other origins (CORS, `--cors-origin`).
//!
//! With `--tls-cert` and `--tls-key` the gateway serves HTTPS itself and
//! picks up a renewed certificate without a restart (see the `tls`
//! module). With `--metrics-listen` it serves Prometheus metrics at
//! `/metrics` on that other address (see the `metrics` module).

mod aggregate;
mod config;
mod data;
mod dcat;
mod error;
mod explorer;
mod export;
mod feed;
mod fields;
mod guard;
mod meter;
mod metrics;
mod openapi;
mod parts;
mod presigned;
mod rdf;
mod reader;
mod records;
mod relay;
mod stac;
mod tls;
mod upload;
mod verified;

use axum::{
	extract::{DefaultBodyLimit, State},
	routing::{delete, get, post, put},
	Json, Router,
};
use citychain_client::rpc::Node;
use clap::Parser;
use config::{Flags, LogFormat, Settings};
use error::ApiError;
use serde_json::{json, Value};
use std::sync::Arc;
use tower_http::{
	cors::{AllowOrigin, CorsLayer},
	trace::{DefaultOnResponse, TraceLayer},
};
use tracing::Level;

/// Signed requests remembered at once, at most.
const MAX_NONCES: usize = 1_000_000;
/// Accounts, and addresses, whose request rates are counted at once.
const MAX_RATE_KEYS: usize = 100_000;
/// The nonce journal, in the data store.
const NONCE_JOURNAL: &str = ".nonces";
/// The largest search body read.
const MAX_BODY: usize = 64 * 1024;

/// What every handler shares.
pub struct AppState {
	pub settings: Settings,
	/// Where the datasets' files are.
	pub store: citychain_client::store::Store,
	pub node: Node,
	pub nonces: guard::Nonces,
	pub account_rate: guard::RateLimit,
	pub address_rate: guard::RateLimit,
	/// Relayed JSON-RPC requests per account.
	pub relay_rate: guard::RateLimit,
	/// Bulk exports started per account.
	pub export_rate: guard::RateLimit,
	/// The open relay sessions.
	pub sessions: relay::Sessions,
	/// Requests of any kind per network address.
	pub read_rate: guard::RateLimit,
	/// Upload slots (`max_uploads`).
	pub uploads: Arc<tokio::sync::Semaphore>,
	/// Bytes the uploads under way may still write.
	pub pending_upload_bytes: std::sync::Mutex<u64>,
	/// Catalogue reads in progress per network address.
	pub searching: Arc<guard::InFlight>,
	/// The STAC collections (with their extents) of the latest finalized
	/// block asked for, per reader.
	pub collections: stac::PerBlock<Arc<Vec<Value>>>,
	/// The key of the gateway's presigned links.
	pub signer: presigned::Signer,
	/// The event feed, saved searches and webhooks.
	pub feed: feed::Feed,
	/// The deliveries not yet counted on chain.
	pub meter: meter::Meter,
	/// The finalized head and the access checks of the running downloads.
	pub watch: meter::Watch,
}

async fn health(State(state): State<Arc<AppState>>) -> Result<Json<Value>, ApiError> {
	let head = state.node.finalized_head().await?;
	let number = state.node.block_number(head).await?;
	// Whether the node answers, not where it is: the node is never public.
	Ok(Json(json!({ "node": "connected", "finalized": { "number": number, "hash": head } })))
}

/// Cross-origin reads and signed requests from browsers: any origin unless
/// the settings name some.
fn cors(origins: &[String]) -> CorsLayer {
	use axum::http::{header, HeaderName, HeaderValue, Method};
	let allow = match origins {
		[] => AllowOrigin::any(),
		some => AllowOrigin::list(some.iter().filter_map(|o| HeaderValue::from_str(o).ok())),
	};
	CorsLayer::new()
		.allow_origin(allow)
		.allow_methods([
			Method::GET,
			Method::HEAD,
			Method::POST,
			Method::PUT,
			Method::DELETE,
			Method::OPTIONS,
		])
		.allow_headers([header::AUTHORIZATION, header::CONTENT_TYPE, header::ACCEPT, header::RANGE])
		.expose_headers(
			[
				"content-range",
				"content-length",
				"accept-ranges",
				"x-citychain-basis",
				"x-citychain-contract",
				"x-citychain-encrypted",
				"x-citychain-scope",
				"x-citychain-envelope",
			]
			.map(HeaderName::from_static),
		)
		.max_age(std::time::Duration::from_secs(3600))
}

/// Finds where a request comes from (`guard::client_address`, for the
/// handlers too), counts it against that address's `read_rate`, and
/// lets each address run at most `searches_per_address` catalogue reads
/// and feed pages (which the node's search index answers) at once.
async fn within_read_rate(
	State(state): State<Arc<AppState>>,
	mut request: axum::extract::Request,
	next: axum::middleware::Next,
) -> axum::response::Response {
	use axum::{extract::ConnectInfo, http::StatusCode, response::IntoResponse};
	let Some(peer) = request.extensions().get::<ConnectInfo<guard::Peer>>().map(|c| c.0 .0.ip())
	else {
		return next.run(request).await;
	};
	let forwarded = request.headers().get("x-forwarded-for").and_then(|h| h.to_str().ok());
	let client = guard::client_address(peer, forwarded, &state.settings.trusted_proxies);
	request.extensions_mut().insert(guard::ClientAddress(client));
	let peer = client.to_string();
	if !state.read_rate.allow(&peer, citychain_client::auth::now_ms()) {
		return ApiError::new(
			StatusCode::TOO_MANY_REQUESTS,
			"too many requests from this address this minute; try again later",
		)
		.into_response();
	}
	let path = request.uri().path();
	if !searches_the_index(path) {
		return next.run(request).await;
	}
	// Counted by address: a key pair anyone can make is no identity to
	// count by. The slot is held until the node has answered, also when the
	// client has gone: its search runs on.
	let Some(running) = state.searching.start(&peer) else {
		let mut refused = ApiError::new(
			StatusCode::TOO_MANY_REQUESTS,
			"this address has as many searches in progress as it may; wait for one to end",
		)
		.into_response();
		refused
			.headers_mut()
			.insert(axum::http::header::RETRY_AFTER, axum::http::HeaderValue::from_static("1"));
		return refused;
	};
	let search = tokio::spawn(async move {
		let response = next.run(request).await;
		drop(running);
		response
	});
	search.await.unwrap_or_else(|e| {
		tracing::error!("a search failed: {e}");
		ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "the search failed").into_response()
	})
}

/// Whether a request of `path` searches the node's index each time (feed
/// pages, each up to 10 searches, and streams count per page in `feed::http`;
/// the collections are computed once per block and reader).
fn searches_the_index(path: &str) -> bool {
	matches!(
		path,
		"/search"
			| "/events"
			| "/aggregate"
			| "/catalog"
			| "/catalog.jsonld"
			| "/catalog.ttl"
			| "/export"
	) || (path.starts_with("/collections/")
		&& (path.contains("/items") || path.ends_with("/aggregate")))
		|| (path.starts_with("/records/collections/") && path.contains("/items"))
}

fn router(state: Arc<AppState>) -> Router {
	let cors = cors(&state.settings.cors_origins);
	explorer::routes(&state)
		.route("/", get(stac::landing))
		.route("/api", get(openapi::api))
		.route("/api.html", get(openapi::page))
		.route("/conformance", get(stac::conformance))
		.route("/queryables", get(stac::queryables))
		.route("/functions", get(stac::functions))
		.route(stac::EXTENSION_PATH, get(stac::extension_schema))
		.route("/collections", get(stac::collections))
		.route("/collections/{id}", get(stac::one_collection))
		.route("/collections/{id}/queryables", get(stac::collection_queryables))
		.route("/collections/{id}/items", get(stac::items))
		.route("/collections/{id}/items/{item}", get(stac::item))
		.route("/collections/{id}/items/{item}/record", get(stac::record))
		.route("/collections/{id}/items/{item}/policy", get(stac::policy))
		.route("/collections/{id}/items/{item}/versions", get(stac::versions))
		.route("/collections/{id}/items/{item}/audit", get(stac::audit))
		.route("/search", get(stac::search_get).post(stac::search_post))
		.route("/aggregate", get(aggregate::aggregate_get).post(aggregate::aggregate_post))
		.route("/aggregations", get(aggregate::aggregations))
		.route(
			"/collections/{id}/aggregate",
			get(aggregate::collection_aggregate_get).post(aggregate::collection_aggregate_post),
		)
		.route("/collections/{id}/aggregations", get(aggregate::collection_aggregations))
		.route("/export", get(export::export))
		.route("/catalog", get(dcat::catalog))
		.route("/catalog.jsonld", get(dcat::catalog_jsonld))
		.route("/catalog.ttl", get(dcat::catalog_ttl))
		.route(records::PATH, get(records::landing))
		// OGC API clients (owslib) read a landing page at its URL with a `/`.
		.route("/records/", get(records::landing))
		.route("/records/conformance", get(records::conformance))
		.route("/records/collections", get(records::collections))
		.route("/records/collections/{id}", get(records::collection))
		.route("/records/collections/{id}/items", get(records::items))
		.route("/records/collections/{id}/items/{item}", get(records::item))
		.route("/data/{dataset}", get(data::serve).put(upload::store))
		.route("/data/{dataset}/key", get(upload::key_envelope))
		.route("/data/{dataset}/parts", get(parts::list).delete(parts::discard))
		.route("/data/{dataset}/parts/complete", post(parts::complete))
		.route("/data/{dataset}/parts/{n}", put(parts::store))
		.route("/data/{dataset}/verified", get(verified::serve))
		.route("/data/{dataset}/presign", post(presigned::presign))
		.route("/data/{dataset}/presigned", get(presigned::serve))
		.route(relay::PATH, get(relay::open))
		.route("/events", get(feed::events))
		.route("/events/read", get(feed::read_marker).put(feed::mark_read))
		.route("/subscriptions", get(feed::list_subscriptions).post(feed::new_subscription))
		.route("/subscriptions/{id}", delete(feed::delete_subscription))
		.route("/subscriptions/{id}/deliveries", get(feed::deliveries))
		.route("/health", get(health))
		.layer(DefaultBodyLimit::max(MAX_BODY))
		.layer(axum::middleware::from_fn_with_state(state.clone(), within_read_rate))
		.layer(
			TraceLayer::new_for_http()
				// The path without the query: a query may carry a presigned
				// link's signature or the relay's authorization, which the
				// logs must not keep (and a stranger's long query is not
				// copied into every line).
				.make_span_with(|request: &axum::extract::Request| {
					tracing::info_span!("request", method = %request.method(), path = %request.uri().path())
				})
				.on_response(DefaultOnResponse::new().level(Level::INFO)),
		)
		.layer(cors)
		.layer(axum::middleware::from_fn(metrics::record))
		.with_state(state)
}

async fn shutdown() {
	let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
		.expect("a SIGTERM handler");
	tokio::select! {
		_ = tokio::signal::ctrl_c() => {},
		_ = term.recv() => {},
	}
	tracing::info!("shutting down");
}

#[tokio::main]
async fn main() {
	let settings = match Settings::resolve(Flags::parse()) {
		Ok(s) => s,
		Err(e) => {
			eprintln!("citychain-gateway: {e}");
			std::process::exit(2);
		},
	};
	let filter = tracing_subscriber::EnvFilter::try_from_default_env()
		.unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
	match settings.log_format {
		LogFormat::Json => tracing_subscriber::fmt().json().with_env_filter(filter).init(),
		LogFormat::Text => tracing_subscriber::fmt().with_env_filter(filter).init(),
	}
	let listener = match tokio::net::TcpListener::bind(settings.listen).await {
		Ok(l) => l,
		Err(e) => {
			tracing::error!("cannot listen on {}: {e}", settings.listen);
			std::process::exit(1);
		},
	};
	tracing::info!(
		listen = %settings.listen,
		node = %settings.node,
		data_dir = %settings.data_dir.display(),
		store = %settings.store,
		public_url = %settings.public_url,
		https = settings.tls.is_some(),
		"citychain-gateway serving"
	);
	let journal = settings.data_dir.join(NONCE_JOURNAL);
	let nonces = match guard::Nonces::open(&journal, MAX_NONCES, citychain_client::auth::now_ms()) {
		Ok(n) => n,
		Err(e) => {
			tracing::error!("cannot open the nonce journal {}: {e}", journal.display());
			std::process::exit(1);
		},
	};
	let signer = match presigned::Signer::open(&settings.data_dir) {
		Ok(signer) => signer,
		Err(e) => {
			tracing::error!("cannot read or make the key of presigned links: {e}");
			std::process::exit(1);
		},
	};
	let store = match citychain_client::store::Store::open(settings.store.clone()) {
		Ok(store) => store,
		Err(e) => {
			tracing::error!("cannot open the data store: {e}");
			std::process::exit(1);
		},
	};
	let feed = match feed::Feed::open(&settings) {
		Ok(feed) => feed,
		Err(e) => {
			tracing::error!("cannot open the feed's files: {e}");
			std::process::exit(1);
		},
	};
	let meter = match meter::Meter::open(settings.reporter_keys.as_deref()) {
		Ok(meter) => meter,
		Err(e) => {
			tracing::error!("cannot read the reporters' keys: {e}");
			std::process::exit(1);
		},
	};
	let state = Arc::new(AppState {
		feed,
		meter,
		watch: Default::default(),
		store,
		node: Node::new(settings.node.clone()),
		nonces,
		account_rate: guard::RateLimit::new(settings.account_rate, MAX_RATE_KEYS),
		address_rate: guard::RateLimit::new(settings.address_rate, MAX_RATE_KEYS),
		relay_rate: guard::RateLimit::new(settings.relay_rate, MAX_RATE_KEYS),
		export_rate: guard::RateLimit::new(settings.export_rate, MAX_RATE_KEYS),
		sessions: relay::Sessions::default(),
		read_rate: guard::RateLimit::new(settings.read_rate, MAX_RATE_KEYS),
		uploads: Arc::new(tokio::sync::Semaphore::new(settings.max_uploads)),
		pending_upload_bytes: Default::default(),
		searching: Arc::new(guard::InFlight::new(settings.searches_per_address, MAX_RATE_KEYS)),
		collections: stac::PerBlock::new(),
		signer,
		settings,
	});
	if let Some(address) = state.settings.metrics_listen {
		match tokio::net::TcpListener::bind(address).await {
			Ok(metrics) => {
				tracing::info!(%address, "metrics served at /metrics");
				tokio::spawn(metrics::serve(metrics));
			},
			Err(e) => {
				tracing::error!("cannot listen on {address} for metrics: {e}");
				std::process::exit(1);
			},
		}
	}
	tokio::spawn(feed::follow(state.clone()));
	tokio::spawn(meter::report(state.clone()));
	tokio::spawn(meter::follow(state.clone()));
	tokio::spawn(state.feed.webhooks.clone().run(state.feed.subscriptions.clone()));
	let tls = state.settings.tls.clone();
	let app = router(state).into_make_service_with_connect_info::<guard::Peer>();
	let served = match tls {
		None => axum::serve(listener, app).with_graceful_shutdown(shutdown()).await,
		Some(files) => {
			let certificate = match tls::Certificate::load(files).await {
				Ok(c) => c,
				Err(e) => {
					tracing::error!("cannot serve HTTPS: {e}");
					std::process::exit(1);
				},
			};
			let listener = tls::Listener::new(listener, certificate).expect("a bound listener");
			axum::serve(listener, app).with_graceful_shutdown(shutdown()).await
		},
	};
	if let Err(e) = served {
		tracing::error!("server failed: {e}");
		std::process::exit(1);
	}
}
