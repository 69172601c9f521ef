//! `GET /data/{dataset}`: a dataset's file, to a requester who signs the
//! request (see `citychain_client::auth`) and may read the dataset on the
//! latest finalized block.
//!
//! The data store holds, per dataset id, `<id>/data` (the file as
//! registered, served to its owner and for open data) and
//! `<id>/contract-<contract>.enc` (its encryption under the data key of a
//! contract whose approval carried a key envelope). A contract approved
//! without an envelope is served the plain file.

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
	store,
};
use sp_core::crypto::Ss58Codec;
use std::{net::IpAddr, path::PathBuf, sync::Arc};
use tower::ServiceExt;
use tower_http::services::ServeFile;

/// A dataset id from the path: decimal digits only, so that nothing but a
/// number ever reaches the file system.
pub fn dataset_id(text: &str) -> Result<u64, ApiError> {
	if text.is_empty() || text.len() > 20 || !text.bytes().all(|b| b.is_ascii_digit()) {
		return Err(ApiError::bad_request("a dataset id is a decimal number"));
	}
	text.parse().map_err(|_| ApiError::bad_request("dataset id out of range"))
}

/// Checks the request's signature and time; the signer's credentials.
fn authenticate(state: &AppState, request: &Request) -> Result<Credentials, ApiError> {
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
	let now = now_ms();
	let account = hex::encode(credentials.public.0);
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
	file: PathBuf,
	pub(crate) basis: String,
	pub(crate) contract: Option<u64>,
	pub(crate) encrypted: bool,
	/// The contract's scope, as the `x-citychain-scope` header says it.
	scope: Option<HeaderValue>,
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
	let store = &state.settings.data_dir;
	let plain = Delivery {
		file: store::data_file(store, dataset),
		basis: json_name(&check.basis),
		contract: None,
		encrypted: false,
		scope: None,
	};
	match (check.allowed, check.basis) {
		(_, AccessBasis::UnknownDataset) => {
			Err(ApiError::not_found(format!("no dataset {dataset} on chain")))
		},
		(true, AccessBasis::Owner | AccessBasis::OpenData) => Ok(plain),
		(true, AccessBasis::Contract) => {
			let contract = check.contract.ok_or_else(|| {
				ApiError::new(StatusCode::BAD_GATEWAY, "contract basis without a contract")
			})?;
			let record = node.contract(contract, Some(at)).await?;
			let sealed = record.as_ref().is_some_and(|c| c.envelope.is_some());
			let scope = record.as_ref().and_then(scope_header);
			Ok(if sealed {
				Delivery {
					file: store::sealed_file(store, dataset, contract),
					basis: plain.basis.clone(),
					contract: Some(contract),
					encrypted: true,
					scope,
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
				_ => &plain.basis,
			}
		))),
	}
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
	let refuse = |e: ApiError, request: &Request| {
		tracing::warn!(target: "delivery", path = %request.uri(), status = e.status.as_u16(), reason = %e.message, "refused");
		e.into_response()
	};
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
	if !delivery.file.is_file() {
		let e = ApiError::not_found(if delivery.encrypted {
			format!(
				"the provider has not stored the encryption for contract {} here",
				delivery.contract.unwrap_or(0)
			)
		} else {
			format!("the provider has not stored dataset {dataset} here")
		});
		tracing::warn!(target: "delivery", dataset, account = %credentials.account, status = 404, reason = %e.message, "refused");
		return e.into_response();
	}
	let range = request
		.headers()
		.get(header::RANGE)
		.and_then(|r| r.to_str().ok())
		.unwrap_or("")
		.to_string();
	let method = request.method().clone();
	let mut response = match ServeFile::new(&delivery.file).oneshot(request).await {
		Ok(response) => response.map(Body::new),
		Err(never) => match never {},
	};
	tracing::info!(
		target: "delivery",
		dataset,
		account = %credentials.account,
		basis = %delivery.basis,
		contract = delivery.contract,
		encrypted = delivery.encrypted,
		%method,
		range = %range,
		status = response.status().as_u16(),
		length = response.headers().get(header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()).unwrap_or(""),
		"delivered"
	);
	delivery.describe(response.headers_mut());
	response
}

impl Delivery {
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
		headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("application/octet-stream"));
	}
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
