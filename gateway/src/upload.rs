//! `PUT /data/{dataset}`: the owning department puts a file into the data
//! store from anywhere it can sign a request, such as the portal in a
//! browser:
//!
//! - without a query, the dataset's file, from a Publisher of the owner; it
//!   is kept only if its size and hash are those of the record on chain;
//! - with `?contract=<id>`, a contract's encrypted delivery, from an Approver
//!   of the owner, for a live (requested or approved) contract of this
//!   dataset whose provider approval carried a key envelope (a restricted
//!   dataset's contract may still wait for the regulator); it must have the
//!   layout and the exact length of the file's encryption
//!   (`citychain_client::crypt`). Only the consumer's key can check its
//!   content, and a mismatch shows in its receipt.
//!
//! The body streams to a temporary file beside the target and is renamed
//! over it once checked, so a failed or refused upload leaves the store as
//! it was. Before a byte is written: the request must state its
//! `Content-Length`, which must be the length the file must have; the data
//! store must keep `store_reserve` free after it; at most `max_uploads` are
//! received at once (another is refused, not queued); a gateway bound to a
//! department (`department`) stores that department's datasets only. A body
//! that sends nothing for [`IDLE_TIMEOUT`] is dropped.

use crate::{
	data::{signed_request, take_nonce},
	error::ApiError,
	guard::ClientAddress,
	verified::{keep_outboard, outboard_temp, UploadOutboard},
	AppState,
};
use axum::{
	extract::{rejection::QueryRejection, Extension, Path, Query, Request, State},
	http::StatusCode,
	Json,
};
use citychain_client::{
	crypt,
	hash::Hasher,
	primitives::{access::ContractState, DepartmentStatus, Role},
	rpc::api::{json_name, AccessApiClient, DatasetsApiClient, DepartmentsApiClient},
	store,
};
use futures::StreamExt;
use serde::Deserialize;
use serde_json::{json, Value};
use std::{path::PathBuf, sync::Arc, time::Duration};
use tokio::io::AsyncWriteExt;

/// How long an upload may send nothing before it is dropped.
pub const IDLE_TIMEOUT: Duration = Duration::from_secs(30);

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Target {
	contract: Option<u64>,
}

/// What an upload must be.
struct Expected {
	file: PathBuf,
	size: u64,
	/// The record's hash function and digest, for the plain file.
	hash: Option<(u64, Vec<u8>)>,
}

/// Whether `account` holds `role` in department `owner`, which is active.
async fn ensure_role(
	state: &AppState,
	account: &str,
	owner: u32,
	role: Role,
	at: sp_core::H256,
) -> Result<(), ApiError> {
	let department = state.node.department(owner, Some(at)).await?;
	let holds = department.is_some_and(|d| {
		d.status == DepartmentStatus::Active
			&& d.members
				.iter()
				.any(|m| m.account.to_string() == account && m.roles.contains(role))
	});
	if holds {
		return Ok(());
	}
	Err(ApiError::forbidden(format!(
		"only a {} of department {owner}, which owns the dataset, may store its files here",
		json_name(&role)
	)))
}

async fn expected(
	state: &AppState,
	account: &str,
	dataset: u64,
	target: &Target,
) -> Result<Expected, ApiError> {
	let node = &state.node;
	let at = node.finalized_head().await?;
	let record = node
		.dataset(dataset, Some(at), None)
		.await?
		.ok_or_else(|| ApiError::not_found(format!("no dataset {dataset} on chain")))?;
	let (Some(owner), Some(size), Some(content)) = (record.owner, record.size, record.content_hash)
	else {
		return Err(ApiError::new(
			StatusCode::BAD_GATEWAY,
			format!("the node's record of dataset {dataset} lacks its owner, size or hash"),
		));
	};
	if let Some(bound) = state.settings.department.filter(|d| *d != owner) {
		return Err(ApiError::forbidden(format!(
			"this gateway stores the files of department {bound}; dataset {dataset} belongs to \
			 department {owner}, whose own gateway stores them"
		)));
	}
	let store = &state.settings.data_dir;
	let Some(contract) = target.contract else {
		ensure_role(state, account, owner, Role::Publisher, at).await?;
		return Ok(Expected {
			file: store::data_file(store, dataset),
			size,
			hash: Some((content.code, content.digest.0)),
		});
	};
	ensure_role(state, account, owner, Role::Approver, at).await?;
	let c = node
		.contract(contract, Some(at))
		.await?
		.ok_or_else(|| ApiError::not_found(format!("no contract {contract} on chain")))?;
	if c.dataset != dataset {
		return Err(ApiError::bad_request(format!(
			"contract {contract} is for dataset {}, not {dataset}",
			c.dataset
		)));
	}
	let live = matches!(c.state, ContractState::Requested | ContractState::Approved);
	if !live || c.envelope.is_none() {
		return Err(ApiError::new(
			StatusCode::CONFLICT,
			format!(
				"contract {contract} is {}{}: only a live contract whose provider approval carried \
				 a key envelope is delivered encrypted",
				json_name(&c.state),
				if c.envelope.is_none() { " without a key envelope" } else { "" }
			),
		));
	}
	Ok(Expected {
		file: store::sealed_file(store, dataset, contract),
		size: crypt::encrypted_len(size),
		hash: None,
	})
}

/// Streams `request`'s body into `temp`, checking it against `want`.
async fn receive(
	request: Request,
	temp: &std::path::Path,
	want: &Expected,
) -> Result<(), ApiError> {
	let mut hasher = match &want.hash {
		Some((code, _)) => Some(Hasher::new(*code).map_err(|e| {
			ApiError::new(StatusCode::CONFLICT, format!("the record's hash function: {e}"))
		})?),
		None => None,
	};
	let mut out = tokio::fs::File::create(temp).await.map_err(store_error)?;
	let mut outboard = match &want.hash {
		Some((code, _)) => {
			UploadOutboard::for_upload(*code, want.size, temp).await.map_err(store_error)?
		},
		None => None,
	};
	let mut body = request.into_body().into_data_stream();
	let (mut size, mut head) = (0u64, Vec::with_capacity(crypt::MAGIC.len()));
	loop {
		let chunk = match tokio::time::timeout(IDLE_TIMEOUT, body.next()).await {
			Ok(Some(chunk)) => chunk,
			Ok(None) => break,
			Err(_) => {
				return Err(ApiError::new(
					StatusCode::REQUEST_TIMEOUT,
					format!("the upload sent nothing for {} s", IDLE_TIMEOUT.as_secs()),
				))
			},
		};
		let chunk =
			chunk.map_err(|e| ApiError::bad_request(format!("the upload broke off: {e}")))?;
		size += chunk.len() as u64;
		if size > want.size {
			return Err(ApiError::new(
				StatusCode::PAYLOAD_TOO_LARGE,
				format!("the file is longer than the {} bytes it must be", want.size),
			));
		}
		if head.len() < crypt::MAGIC.len() {
			let take = (crypt::MAGIC.len() - head.len()).min(chunk.len());
			head.extend_from_slice(&chunk[..take]);
		}
		if let Some(h) = hasher.as_mut() {
			h.update(&chunk);
		}
		if let Some(o) = outboard.as_mut() {
			o.update(&chunk).await.map_err(store_error)?;
		}
		out.write_all(&chunk).await.map_err(store_error)?;
	}
	if size != want.size {
		return Err(ApiError::bad_request(format!(
			"the file has {size} bytes; the record says {}",
			want.size
		)));
	}
	if let (Some(h), Some((_, digest))) = (hasher, &want.hash) {
		if h.finish() != *digest {
			return Err(ApiError::bad_request(
				"the file's hash is not the record's content hash: it is not the registered file",
			));
		}
	} else if head != crypt::MAGIC {
		return Err(ApiError::bad_request("the body is not a CityChain encrypted file"));
	}
	if let Some(o) = outboard {
		o.finish().await.map_err(store_error)?;
	}
	out.sync_all().await.map_err(store_error)
}

fn store_error(e: std::io::Error) -> ApiError {
	tracing::error!(target: "upload", "cannot write to the data store: {e}");
	ApiError::new(StatusCode::INSUFFICIENT_STORAGE, "the gateway cannot write to its data store")
}

/// The body's stated length: present, and the length the file must have.
fn stated_length(request: &Request, want: &Expected) -> Result<(), ApiError> {
	let stated = request
		.headers()
		.get(axum::http::header::CONTENT_LENGTH)
		.ok_or_else(|| {
			ApiError::new(
				StatusCode::LENGTH_REQUIRED,
				"an upload states its Content-Length (chunked bodies are not taken)",
			)
		})?
		.to_str()
		.ok()
		.and_then(|v| v.parse::<u64>().ok())
		.ok_or_else(|| ApiError::bad_request("the Content-Length is not a number"))?;
	if stated > want.size {
		return Err(ApiError::new(
			StatusCode::PAYLOAD_TOO_LARGE,
			format!("the file is longer than the {} bytes it must be", want.size),
		));
	}
	if stated < want.size {
		return Err(ApiError::bad_request(format!(
			"the file has {stated} bytes; the record says {}",
			want.size
		)));
	}
	Ok(())
}

/// Room in the data store for `size` more bytes, if its file system keeps
/// `store_reserve` free after them and after what the uploads under way may
/// still write.
fn room_for<'a>(
	state: &'a AppState,
	dir: &std::path::Path,
	size: u64,
) -> Result<Room<'a>, ApiError> {
	let reserve = state.settings.store_reserve;
	let free = fs2::available_space(dir).map_err(store_error)?;
	let mut pending = state.pending_upload_bytes.lock().expect("upload bytes poisoned");
	if free.saturating_sub(*pending).saturating_sub(size) < reserve {
		tracing::warn!(target: "upload", free, pending = *pending, size, reserve, "refused: the data store is nearly full");
		return Err(ApiError::new(
			StatusCode::INSUFFICIENT_STORAGE,
			"the gateway's data store has no room for this file",
		));
	}
	*pending += size;
	Ok(Room { state, size })
}

/// Room kept in the data store for an upload under way: the bytes it may
/// still write count as taken for the uploads beside it.
struct Room<'a> {
	state: &'a AppState,
	size: u64,
}

impl Drop for Room<'_> {
	fn drop(&mut self) {
		let mut pending = self.state.pending_upload_bytes.lock().expect("upload bytes poisoned");
		*pending = pending.saturating_sub(self.size);
	}
}

/// `PUT /data/{dataset}[?contract=<id>]`. In order: the signature, the
/// rates, the record and the signer's role at the finalized block, the
/// stated length, an upload slot and the store's free space, the nonce,
/// then the body.
pub async fn store(
	State(state): State<Arc<AppState>>,
	Extension(ClientAddress(peer)): Extension<ClientAddress>,
	Path(id): Path<String>,
	target: Result<Query<Target>, QueryRejection>,
	request: Request,
) -> Result<(StatusCode, Json<Value>), ApiError> {
	let (dataset, credentials) = signed_request(&state, &id, peer, &request)?;
	let Query(target) = target.map_err(|e| ApiError::bad_request(e.body_text()))?;
	let want = expected(&state, &credentials.account, dataset, &target).await?;
	stated_length(&request, &want)?;
	let _slot = state.uploads.clone().try_acquire_owned().map_err(|_| {
		ApiError::new(
			StatusCode::SERVICE_UNAVAILABLE,
			"the gateway receives as many uploads as it may at once; try again shortly",
		)
	})?;
	let dir = want.file.parent().expect("a file in a dataset's directory");
	tokio::fs::create_dir_all(dir).await.map_err(store_error)?;
	let _room = room_for(&state, dir, want.size)?;
	take_nonce(&state, &credentials)?;
	let temp = dir.join(format!(".upload-{}", hex::encode(credentials.nonce)));
	if let Err(e) = receive(request, &temp, &want).await {
		let _ = tokio::fs::remove_file(&temp).await;
		let _ = tokio::fs::remove_file(outboard_temp(&temp)).await;
		tracing::warn!(target: "upload", dataset, account = %credentials.account, reason = %e.message, "refused");
		return Err(e);
	}
	// The outboard first: until the file follows, the old file and the new
	// outboard disagree, which a verified fetch refuses rather than trusts.
	let outboard = store::outboard_file(&state.settings.data_dir, dataset);
	keep_outboard(&temp, outboard).await.map_err(store_error)?;
	tokio::fs::rename(&temp, &want.file).await.map_err(store_error)?;
	tracing::info!(target: "upload", dataset, contract = target.contract, account = %credentials.account, size = want.size, "stored");
	Ok((
		StatusCode::CREATED,
		Json(json!({ "dataset": dataset, "contract": target.contract, "size": want.size })),
	))
}
