//! `GET /data/{dataset}`: a dataset's file, to a requester who signs the
//! request (see `citychain_client::auth`) and may read the dataset on the
//! latest finalized block.
//!
//! The data store holds, per dataset id, `<id>/data` (the file as
//! registered, served to its owner and for open data) and
//! `<id>/contract-<contract>.enc` (its encryption under the data key of a
//! contract whose approval carried a key envelope). A contract approved
//! without an envelope is served the plain file.

use crate::{error::ApiError, AppState};
use axum::{
	body::Body,
	extract::{Path, Request, State},
	http::{header, HeaderMap, HeaderValue, StatusCode},
	response::{IntoResponse, Response},
};
use citychain_client::auth::{now_ms, AuthError, Credentials};
use serde_json::Value;
use std::{
	collections::{HashMap, VecDeque},
	path::PathBuf,
	sync::{Arc, Mutex},
};
use tower::ServiceExt;
use tower_http::services::ServeFile;

/// Nonces seen within the clock window, so that a signed request is
/// accepted once. Entries leave once their time is outside the window,
/// where the time check alone refuses them.
pub struct Nonces {
	capacity: usize,
	seen: Mutex<(HashMap<[u8; 16], u64>, VecDeque<([u8; 16], u64)>)>,
}

/// Why a nonce was not taken.
#[derive(Debug, PartialEq, Eq)]
pub enum NonceError {
	Replayed,
	Full,
}

impl Nonces {
	pub fn new(capacity: usize) -> Self {
		Self { capacity, seen: Mutex::new((HashMap::new(), VecDeque::new())) }
	}

	/// Takes `nonce` until `expires` (ms); refuses one already taken.
	pub fn take(&self, nonce: [u8; 16], expires: u64, now: u64) -> Result<(), NonceError> {
		let mut guard = self.seen.lock().expect("nonce table poisoned");
		let (table, order) = &mut *guard;
		while order.front().is_some_and(|&(_, e)| e < now) {
			let (old, e) = order.pop_front().expect("front exists");
			if table.get(&old) == Some(&e) {
				table.remove(&old);
			}
		}
		if table.get(&nonce).is_some_and(|&e| e >= now) {
			return Err(NonceError::Replayed);
		}
		if table.len() >= self.capacity {
			return Err(NonceError::Full);
		}
		table.insert(nonce, expires);
		order.push_back((nonce, expires));
		Ok(())
	}
}

/// A dataset id from the path: decimal digits only, so that nothing but a
/// number ever reaches the file system.
pub fn dataset_id(text: &str) -> Result<u64, ApiError> {
	if text.is_empty() || text.len() > 20 || !text.bytes().all(|b| b.is_ascii_digit()) {
		return Err(ApiError::bad_request("a dataset id is a decimal number"));
	}
	text.parse().map_err(|_| ApiError::bad_request("dataset id out of range"))
}

/// Checks the request's signature, time and nonce; the signer's account.
fn authenticate(state: &AppState, request: &Request) -> Result<Credentials, ApiError> {
	let header = request
		.headers()
		.get(header::AUTHORIZATION)
		.ok_or_else(|| ApiError::unauthorized(AuthError::Missing.to_string()))?;
	let header = header.to_str().map_err(|_| ApiError::bad_request("the Authorization header is not text"))?;
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
		return Err(ApiError::unauthorized("the signed request's time is ahead of the gateway's clock"));
	}
	let path = request.uri().path_and_query().map(|p| p.as_str()).unwrap_or("/");
	credentials
		.verify(request.method().as_str(), path)
		.map_err(|e| ApiError::unauthorized(e.to_string()))?;
	state.nonces.take(credentials.nonce, credentials.time_ms + skew, now).map_err(|e| match e {
		NonceError::Replayed => ApiError::unauthorized("this signed request was already used"),
		NonceError::Full => ApiError::new(StatusCode::SERVICE_UNAVAILABLE, "too many requests in the clock window"),
	})?;
	Ok(credentials)
}

/// What a requester gets: which file, and on which grounds.
struct Delivery {
	file: PathBuf,
	basis: String,
	contract: Option<u64>,
	encrypted: bool,
}

async fn decide(state: &AppState, account: &str, dataset: u64) -> Result<Delivery, ApiError> {
	let node = &state.node;
	let at = node.finalized_head().await?;
	let check = node.access_check(account, dataset, Some(at)).await?;
	let dir = state.settings.data_dir.join(dataset.to_string());
	let plain = Delivery { file: dir.join("data"), basis: check.basis.clone(), contract: None, encrypted: false };
	match (check.allowed, check.basis.as_str()) {
		(_, "unknownDataset") => Err(ApiError::not_found(format!("no dataset {dataset} on chain"))),
		(true, "owner") | (true, "openData") => Ok(plain),
		(true, "contract") => {
			let contract = check.contract.ok_or_else(|| ApiError::new(StatusCode::BAD_GATEWAY, "contract basis without a contract"))?;
			let record: Option<Value> = node.query("access_get", vec![contract.into()], Some(at)).await?;
			let sealed = record.as_ref().is_some_and(|c| !c["envelope"].is_null());
			Ok(if sealed {
				Delivery {
					file: dir.join(format!("contract-{contract}.enc")),
					basis: check.basis.clone(),
					contract: Some(contract),
					encrypted: true,
				}
			} else {
				Delivery { contract: Some(contract), ..plain }
			})
		},
		(_, basis) => Err(ApiError::forbidden(format!(
			"no access to dataset {dataset} on the finalized block: {}",
			match basis {
				"pending" => "the request is not approved yet",
				"expired" => "the contract has expired",
				"noContract" => "no approved contract (never requested, or rejected, revoked or ended)",
				"notMember" => "the account is not a member of an active department",
				"withdrawn" => "the dataset is withdrawn",
				other => other,
			}
		))),
	}
}

/// `GET`/`HEAD /data/{dataset}`, with range requests.
pub async fn serve(State(state): State<Arc<AppState>>, Path(id): Path<String>, request: Request) -> Response {
	let refuse = |e: ApiError, request: &Request| {
		tracing::warn!(target: "delivery", path = %request.uri(), status = e.status.as_u16(), reason = %e.message, "refused");
		e.into_response()
	};
	// Checked before any await: a borrowed request cannot cross one.
	let (dataset, credentials) = match dataset_id(&id).and_then(|d| Ok((d, authenticate(&state, &request)?))) {
		Ok(ok) => ok,
		Err(e) => return refuse(e, &request),
	};
	let delivery = match decide(&state, &credentials.account, dataset).await {
		Ok(delivery) => delivery,
		Err(e) => return refuse(e, &request),
	};
	if !delivery.file.is_file() {
		let e = ApiError::not_found(if delivery.encrypted {
			format!("the provider has not stored the encryption for contract {} here", delivery.contract.unwrap_or(0))
		} else {
			format!("the provider has not stored dataset {dataset} here")
		});
		tracing::warn!(target: "delivery", dataset, account = %credentials.account, status = 404, reason = %e.message, "refused");
		return e.into_response();
	}
	let range = request.headers().get(header::RANGE).and_then(|r| r.to_str().ok()).unwrap_or("").to_string();
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
	let headers: &mut HeaderMap = response.headers_mut();
	headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
	headers.insert("x-citychain-basis", HeaderValue::from_str(&delivery.basis).unwrap_or(HeaderValue::from_static("")));
	headers.insert("x-citychain-encrypted", HeaderValue::from_static(if delivery.encrypted { "true" } else { "false" }));
	if let Some(contract) = delivery.contract {
		headers.insert("x-citychain-contract", HeaderValue::from(contract));
	}
	headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("application/octet-stream"));
	response
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn only_decimal_ids_reach_the_store() {
		assert_eq!(dataset_id("42").unwrap(), 42);
		for bad in ["", "..", "../etc/passwd", "4/../../x", "0x10", "-1", "1e3", "123456789012345678901"] {
			assert_eq!(dataset_id(bad).unwrap_err().status, StatusCode::BAD_REQUEST, "{bad}");
		}
	}

	#[test]
	fn a_nonce_is_taken_once_within_its_window() {
		let nonces = Nonces::new(10);
		assert_eq!(nonces.take([1; 16], 2_000, 1_000), Ok(()));
		assert_eq!(nonces.take([1; 16], 2_000, 1_500), Err(NonceError::Replayed));
		assert_eq!(nonces.take([2; 16], 2_000, 1_500), Ok(()));
		// After the window the entry is gone (and the time check refuses it).
		assert_eq!(nonces.take([1; 16], 4_000, 3_000), Ok(()));
	}

	#[test]
	fn a_full_table_refuses_instead_of_forgetting() {
		let nonces = Nonces::new(2);
		nonces.take([1; 16], 10, 0).unwrap();
		nonces.take([2; 16], 10, 0).unwrap();
		assert_eq!(nonces.take([3; 16], 10, 0), Err(NonceError::Full));
		assert_eq!(nonces.take([3; 16], 30, 20), Ok(()));
	}
}
