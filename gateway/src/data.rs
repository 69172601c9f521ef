//! `GET /data/{dataset}`: a dataset's file, to a requester who signs the
//! request (see `citychain_client::auth`) and may read the dataset on the
//! latest finalized block.
//!
//! The data store (`citychain_client::store`: a directory or a bucket)
//! holds, per dataset id, `<id>/data` (the file as registered, served to its
//! owner, for open data and under a contract approved without an envelope)
//! and `<id>/data.enc` (its one encryption, served under every contract whose
//! approval carried a key envelope: each envelope seals the same data key).

use crate::guard::{ClientAddress, NonceError};
use crate::{error::ApiError, AppState};
use axum::{
	body::Body,
	extract::{Extension, Path, Request, State},
	http::{header, HeaderMap, HeaderValue, StatusCode},
	response::{IntoResponse, Response},
};
use citychain_client::{
	auth::{now_ms, AuthError, Credentials},
	primitives::access::AccessBasis,
	rpc::api::{access::Contract, json_name, AccessApiClient, AccountId},
	store::{object, GetRange, Read, Store, StoreError},
};
use citychain_stac::range::{self, Asked, Wanted};
use sp_core::crypto::Ss58Codec;
use std::{net::IpAddr, sync::Arc};

/// A dataset id from the path: decimal digits only, so that nothing but a
/// number ever reaches the file system.
pub fn dataset_id(text: &str) -> Result<u64, ApiError> {
	if !range::digits(text) {
		return Err(ApiError::bad_request("a dataset id is a decimal number"));
	}
	text.parse().map_err(|_| ApiError::bad_request("dataset id out of range"))
}

/// Checks the request's signature and time; the signer's credentials.
pub(crate) fn authenticate(state: &AppState, request: &Request) -> Result<Credentials, ApiError> {
	let header = request
		.headers()
		.get(header::AUTHORIZATION)
		.ok_or_else(|| ApiError::unauthorized(AuthError::Missing.to_string()))?;
	let header = header
		.to_str()
		.map_err(|_| ApiError::bad_request("the Authorization header is not text"))?;
	let path = request.uri().path_and_query().map(|p| p.as_str()).unwrap_or("/");
	check_signature(state, header, request.method().as_str(), path)
}

/// Checks a `CityChain` authorization (`header`) of a `method` request of
/// `path`: its form, its time within the clock window, its signature.
pub(crate) fn check_signature(
	state: &AppState,
	header: &str,
	method: &str,
	path: &str,
) -> Result<Credentials, ApiError> {
	let credentials = Credentials::parse(header).map_err(|e| match e {
		AuthError::WrongScheme => ApiError::unauthorized(e.to_string()),
		_ => ApiError::bad_request(e.to_string()),
	})?;
	let now = now_ms();
	let skew = state.settings.max_clock_skew_ms;
	if credentials.time_ms + skew < now {
		return Err(ApiError::unauthorized("the signed request has expired; sign it again"));
	}
	if credentials.time_ms > now + skew {
		return Err(ApiError::unauthorized(
			"the signed request's time is ahead of the gateway's clock",
		));
	}
	credentials
		.verify(&state.settings.public_url, method, path)
		.map_err(|e| ApiError::unauthorized(format!("{e} ({})", state.settings.public_url)))?;
	Ok(credentials)
}

/// Counts the request against its account's and its address's rate. The
/// account is counted by its public key, so that one key under several
/// SS58 prefixes has one count.
pub(crate) fn within_rates(
	state: &AppState,
	credentials: &Credentials,
	peer: IpAddr,
) -> Result<(), ApiError> {
	within_rates_of(state, &credentials.public.0, peer)
}

/// Counts a request of the account with public key `public` from `peer`
/// against the account's and the address's rate.
pub(crate) fn within_rates_of(
	state: &AppState,
	public: &[u8; 32],
	peer: IpAddr,
) -> Result<(), ApiError> {
	let now = now_ms();
	let account = hex::encode(public);
	if !state.account_rate.allow(&account, now) || !state.address_rate.allow(&peer.to_string(), now)
	{
		return Err(ApiError::new(
			StatusCode::TOO_MANY_REQUESTS,
			"too many requests this minute; try again later",
		));
	}
	Ok(())
}

/// A signed request for `/data/{id}`, checked before any node call: the
/// dataset id, the signature and time, and the account's and the address's
/// rate. The dataset and the signer's credentials.
pub(crate) fn signed_request(
	state: &AppState,
	id: &str,
	peer: IpAddr,
	request: &Request,
) -> Result<(u64, Credentials), ApiError> {
	let dataset = dataset_id(id)?;
	let credentials = authenticate(state, request)?;
	within_rates(state, &credentials, peer)?;
	Ok((dataset, credentials))
}

/// Takes the request's nonce, just before delivering: only a request that
/// would be served takes a slot in the table.
pub(crate) fn take_nonce(state: &AppState, credentials: &Credentials) -> Result<(), ApiError> {
	let expires = credentials.time_ms + state.settings.max_clock_skew_ms;
	state.nonces.take(credentials.nonce, expires, now_ms()).map_err(|e| match e {
		NonceError::Replayed => ApiError::unauthorized("this signed request was already used"),
		NonceError::Full => {
			ApiError::new(StatusCode::SERVICE_UNAVAILABLE, "too many requests in the clock window")
		},
		NonceError::Journal(e) => {
			tracing::error!("cannot record a nonce: {e}");
			ApiError::new(StatusCode::SERVICE_UNAVAILABLE, "the gateway cannot record the request")
		},
	})
}

/// What a requester gets: which file, and on which grounds.
pub(crate) struct Delivery {
	/// The object's name in the store.
	pub(crate) key: String,
	pub(crate) basis: String,
	pub(crate) contract: Option<u64>,
	pub(crate) encrypted: bool,
	/// The contract's scope, as the `x-citychain-scope` header says it.
	scope: Option<HeaderValue>,
	/// For the owner's officers, when the provider keeps only the
	/// encryption: the data key sealed to their department's key, which the
	/// `x-citychain-envelope` header carries (hex).
	envelope: Option<Vec<u8>>,
	/// The contract's provider, whose gateway counts its deliveries.
	provider: Option<u32>,
	/// Deliveries the contract still allows on the finalized chain, and
	/// that block's number, if it limits them.
	uses_left: Option<crate::meter::Left>,
}

/// A contract's scope (`scopeBbox`, `scopeTime` of `access_get`) as compact
/// JSON, `None` without one. The gateway delivers the whole file, which is
/// what the hash on chain covers; the scope is a condition of use that the
/// header (and the contract) states. See docs/exchange.md.
fn scope_header(contract: &Contract) -> Option<HeaderValue> {
	let (bbox, time) = (&contract.scope_bbox, &contract.scope_time);
	if bbox.is_none() && time.is_none() {
		return None;
	}
	HeaderValue::from_str(&serde_json::json!({ "bbox": bbox, "time": time }).to_string()).ok()
}

pub(crate) async fn decide(
	state: &AppState,
	account: &str,
	dataset: u64,
) -> Result<Delivery, ApiError> {
	let node = &state.node;
	let at = node.finalized_head().await?;
	let account = AccountId::from_ss58check(account)
		.map_err(|_| ApiError::bad_request(format!("{account:?} is not an SS58 address")))?;
	let check = node.check(account, dataset, Some(at)).await?;
	let plain = Delivery {
		key: object::data(dataset),
		basis: json_name(&check.basis),
		contract: None,
		encrypted: false,
		scope: None,
		envelope: None,
		provider: None,
		uses_left: None,
	};
	match (check.allowed, check.basis) {
		(_, AccessBasis::UnknownDataset) => {
			Err(ApiError::not_found(format!("no dataset {dataset} on chain")))
		},
		(true, AccessBasis::Owner) => {
			// A provider may keep only the encryption; its officers open it
			// through the data key sealed to their department.
			if state.store.size(&plain.key).await.map_err(store_error)?.is_some() {
				return Ok(plain);
			}
			let sealed = state
				.store
				.get_small(&object::key_envelope(dataset), MAX_ENVELOPE)
				.await
				.map_err(store_error)?;
			Ok(match sealed {
				Some(envelope) => Delivery {
					key: object::sealed(dataset),
					encrypted: true,
					envelope: Some(envelope),
					..plain
				},
				None => plain,
			})
		},
		(true, AccessBasis::OpenData) => Ok(plain),
		(true, AccessBasis::Contract) => {
			let contract = check.contract.ok_or_else(|| {
				ApiError::new(StatusCode::BAD_GATEWAY, "contract basis without a contract")
			})?;
			let record = node.contract(contract, Some(at)).await?;
			let sealed = record.as_ref().is_some_and(|c| c.envelope.is_some());
			let scope = record.as_ref().and_then(scope_header);
			// The block the uses were read at: deliveries reported since
			// and counted only in later blocks are not in its count.
			let uses_left = match check.uses_left {
				Some(uses) => Some(crate::meter::Left { uses, at: node.block_number(at).await? }),
				None => None,
			};
			let plain =
				Delivery { provider: record.as_ref().map(|c| c.provider), uses_left, ..plain };
			Ok(if sealed {
				// A store not migrated yet keeps the contract's own copy,
				// which its envelope opens, until `citychain store migrate`
				// seals the dataset's key to it and removes the copy.
				let copy = object::contract_copy(dataset, contract);
				let copied = state.store.size(&copy).await.map_err(store_error)?.is_some();
				Delivery {
					key: if copied { copy } else { object::sealed(dataset) },
					contract: Some(contract),
					encrypted: true,
					scope,
					..plain
				}
			} else {
				Delivery { contract: Some(contract), scope, ..plain }
			})
		},
		(_, basis) => Err(ApiError::forbidden(format!(
			"no access to dataset {dataset} on the finalized block: {}",
			match basis {
				AccessBasis::Pending => "the request is not approved yet",
				AccessBasis::Expired => "the contract has expired",
				AccessBasis::NoContract =>
					"no approved contract (never requested, or rejected, revoked or ended)",
				AccessBasis::NotMember => "the account is not a member of an active department",
				AccessBasis::Withdrawn => "the dataset is withdrawn",
				AccessBasis::UsesSpent => "the contract's deliveries are all made",
				_ => &plain.basis,
			}
		))),
	}
}

/// The longest request path (with its query) a refusal logs.
const MAX_LOGGED_PATH: usize = 200;

/// A delivery of `path` refused: logged (its first [`MAX_LOGGED_PATH`]
/// characters), and answered.
pub(crate) fn refused(path: &str, e: ApiError) -> Response {
	let path: String = path.chars().take(MAX_LOGGED_PATH).collect();
	tracing::warn!(target: "delivery", path = %path, status = e.status.as_u16(), reason = %e.message, "refused");
	e.into_response()
}

/// `GET`/`HEAD /data/{dataset}`, with range requests. In order: the
/// signature (no node call), the account's and the address's rate, the
/// access check at the finalized block (membership included), the nonce,
/// the file.
pub async fn serve(
	State(state): State<Arc<AppState>>,
	Extension(ClientAddress(peer)): Extension<ClientAddress>,
	Path(id): Path<String>,
	request: Request,
) -> Response {
	let refuse = |e: ApiError, request: &Request| refused(&request.uri().to_string(), e);
	// Checked before any await: a borrowed request cannot cross one.
	let (dataset, credentials) = match signed_request(&state, &id, peer, &request) {
		Ok(ok) => ok,
		Err(e) => return refuse(e, &request),
	};
	let delivery = match decide(&state, &credentials.account, dataset).await {
		Ok(delivery) => delivery,
		Err(e) => return refuse(e, &request),
	};
	if let Err(e) = take_nonce(&state, &credentials) {
		return refuse(e, &request);
	}
	let range = request.headers().get(header::RANGE).and_then(|r| r.to_str().ok());
	let via = Via { account: &credentials.account, peer, presigned: false };
	deliver(&state, dataset, delivery, request.method(), range, via).await
}

/// Who a delivery goes to, and how the request was authorized: signed, or
/// by a presigned link (see the `presigned` module).
pub(crate) struct Via<'a> {
	pub(crate) account: &'a str,
	/// The client's address.
	pub(crate) peer: IpAddr,
	pub(crate) presigned: bool,
}

/// Answers a `method` (`GET` or `HEAD`) request for `delivery`, of the
/// bytes its `Range` header (`asked`) asks, and logs it.
pub(crate) async fn deliver(
	state: &Arc<AppState>,
	dataset: u64,
	delivery: Delivery,
	method: &axum::http::Method,
	asked: Option<&str>,
	via: Via<'_>,
) -> Response {
	let missing = || {
		let e = ApiError::not_found(if delivery.encrypted {
			format!("the provider has not stored dataset {dataset}'s encryption here")
		} else {
			format!("the provider has not stored dataset {dataset} here")
		});
		tracing::warn!(target: "delivery", dataset, account = %via.account, status = 404, reason = %e.message, "refused");
		e.into_response()
	};
	let ranged = range::asked(asked);
	let head = method == axum::http::Method::HEAD;
	let (size, wanted, read) = match locate(&state.store, &delivery.key, &ranged, head).await {
		Ok(Some(found)) => found,
		Ok(None) => return missing(),
		Err(e) => return store_error(e).into_response(),
	};
	let (status, range) = match wanted {
		Wanted::Whole => (StatusCode::OK, 0..size),
		Wanted::Part(range) => (StatusCode::PARTIAL_CONTENT, range),
		Wanted::Unsatisfiable => {
			let mut refused = ApiError::new(
				StatusCode::RANGE_NOT_SATISFIABLE,
				format!("the file has {size} bytes: the range asked lies beyond it"),
			)
			.into_response();
			if let Ok(value) = HeaderValue::from_str(&format!("bytes */{size}")) {
				refused.headers_mut().insert(header::CONTENT_RANGE, value);
			}
			return refused;
		},
	};
	if !head {
		if let Err(e) = delivery.spend(state, range.start) {
			tracing::warn!(target: "delivery", dataset, account = %via.account, contract = delivery.contract, status = e.status.as_u16(), reason = %e.message, "refused");
			return e.into_response();
		}
	}
	let watched = |read: Read| delivery.watched(state, via.account, dataset, read.bytes);
	let body = read.map_or_else(Body::empty, watched);
	let mut response = Response::new(body);
	*response.status_mut() = status;
	tracing::info!(
		target: "delivery",
		dataset,
		account = %via.account,
		basis = %delivery.basis,
		contract = delivery.contract,
		encrypted = delivery.encrypted,
		presigned = via.presigned,
		address = %via.peer,
		%method,
		range = %asked.unwrap_or("").chars().take(range::MAX_HEADER_LEN).collect::<String>(),
		status = status.as_u16(),
		// The bytes sent: none for a HEAD.
		length = if head { 0 } else { range.end - range.start },
		"delivered"
	);
	let headers: &mut HeaderMap = response.headers_mut();
	delivery.describe(headers);
	headers.insert(header::ACCEPT_RANGES, HeaderValue::from_static("bytes"));
	headers.insert(header::CONTENT_LENGTH, HeaderValue::from(range.end - range.start));
	if status == StatusCode::PARTIAL_CONTENT {
		let value = format!("bytes {}-{}/{size}", range.start, range.end - 1);
		headers.insert(header::CONTENT_RANGE, HeaderValue::from_str(&value).expect("digits"));
	}
	response
}

impl Delivery {
	/// Spends a use of the contract this delivery rests on, for a read
	/// starting at byte `from` (see the `meter` module).
	pub(crate) fn spend(&self, state: &AppState, from: u64) -> Result<(), ApiError> {
		match (self.contract, self.provider) {
			(Some(contract), Some(provider)) => {
				state.meter.spend(contract, provider, self.uses_left, from)
			},
			_ => Ok(()),
		}
	}

	/// `bytes` as a body that ends with an error when the reader's access
	/// ends (the owner's reads need no watch).
	pub(crate) fn watched<S, E>(
		&self,
		state: &Arc<AppState>,
		account: &str,
		dataset: u64,
		bytes: S,
	) -> Body
	where
		S: futures::Stream<Item = Result<axum::body::Bytes, E>> + Send + Unpin + 'static,
		E: std::fmt::Display + Send + 'static,
	{
		match (self.basis.as_str(), AccountId::from_ss58check(account)) {
			("owner", _) | (_, Err(_)) => {
				Body::from_stream(crate::meter::Watched::unwatched(bytes))
			},
			(_, Ok(account)) => Body::from_stream(crate::meter::Watched::new(
				bytes,
				state.clone(),
				account,
				dataset,
				self.contract,
			)),
		}
	}

	/// The headers every delivery carries: no caching, its grounds, and the
	/// file as bytes.
	pub(crate) fn describe(self, headers: &mut HeaderMap) {
		headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
		headers.insert(
			"x-citychain-basis",
			HeaderValue::from_str(&self.basis).unwrap_or(HeaderValue::from_static("")),
		);
		headers.insert(
			"x-citychain-encrypted",
			HeaderValue::from_static(if self.encrypted { "true" } else { "false" }),
		);
		if let Some(contract) = self.contract {
			headers.insert("x-citychain-contract", HeaderValue::from(contract));
		}
		if let Some(scope) = self.scope {
			headers.insert("x-citychain-scope", scope);
		}
		if let Some(envelope) = self.envelope {
			headers.insert(
				"x-citychain-envelope",
				HeaderValue::from_str(&hex::encode(envelope)).expect("hex digits"),
			);
		}
		headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("application/octet-stream"));
	}
}

pub(crate) fn store_error(e: StoreError) -> ApiError {
	crate::metrics::get().store_error();
	tracing::error!(target: "delivery", "cannot read the data store: {e}");
	ApiError::new(StatusCode::SERVICE_UNAVAILABLE, "the gateway cannot read its data store")
}

/// The largest key envelope read from the store: a 32-byte data key and
/// the envelope's overhead, with room to spare.
pub const MAX_ENVELOPE: u64 = 256;

/// The size of the file `key`, what is served of it as `asked`, and its
/// bytes (none for a HEAD or an unsatisfiable range); `None` if the store
/// has no such file. A GET is one request to the store, whose answer tells
/// the size with the bytes; a range that starts past the end is refused by
/// the store (S3 answers 416), and the file's size then decides.
async fn locate(
	store: &Store,
	key: &str,
	asked: &Asked,
	head: bool,
) -> Result<Option<(u64, Wanted, Option<Read>)>, StoreError> {
	let ask = match asked {
		_ if head => None,
		Asked::Whole => Some(None),
		Asked::From(start) => Some(Some(GetRange::Offset(*start))),
		Asked::Bounded(range) => Some(Some(GetRange::Bounded(range.clone()))),
		Asked::Last(n) => Some(Some(GetRange::Suffix(*n))),
		Asked::Nothing => None,
	};
	let mut failed = None;
	if let Some(ask) = ask {
		match store.get(key, ask).await {
			Ok(Some(read)) => {
				let wanted = asked.within(read.size);
				let served = match &wanted {
					Wanted::Whole => Some(0..read.size),
					Wanted::Part(range) => Some(range.clone()),
					Wanted::Unsatisfiable => None,
				};
				// The store cuts a range as `within` does; an empty file's
				// suffix is the exception, unsatisfiable.
				if served.as_ref() == Some(&read.range) {
					return Ok(Some((read.size, wanted, Some(read))));
				}
			},
			Ok(None) => return Ok(None),
			Err(e) => failed = Some(e),
		}
	}
	let Some(size) = store.size(key).await? else { return Ok(None) };
	let wanted = asked.within(size);
	let range = match &wanted {
		Wanted::Unsatisfiable => return Ok(Some((size, wanted, None))),
		_ if head => return Ok(Some((size, wanted, None))),
		Wanted::Whole => None,
		Wanted::Part(range) => Some(GetRange::Bounded(range.clone())),
	};
	if let Some(e) = failed {
		return Err(e);
	}
	Ok(store.get(key, range).await?.map(|read| (size, wanted, Some(read))))
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn only_decimal_ids_reach_the_store() {
		assert_eq!(dataset_id("42").unwrap(), 42);
		for bad in
			["", "..", "../etc/passwd", "4/../../x", "0x10", "-1", "1e3", "123456789012345678901"]
		{
			assert_eq!(dataset_id(bad).unwrap_err().status, StatusCode::BAD_REQUEST, "{bad}");
		}
	}
}
