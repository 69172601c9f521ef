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
	data::{self, signed_request, take_nonce},
	error::ApiError,
	guard::ClientAddress,
	AppState,
};
use axum::body::Bytes;
use axum::{
	extract::{rejection::QueryRejection, Extension, Path, Query, Request, State},
	http::StatusCode,
	Json,
};
use citychain_client::{
	crypt, envelope,
	hash::Hasher,
	primitives::{DepartmentStatus, Role},
	rpc::api::{json_name, DatasetsApiClient, DepartmentsApiClient},
	store::{object, Location, StoreError, Writer},
	verified::OutboardWriter,
};
use futures::{Stream, StreamExt};
use serde::Deserialize;
use serde_json::{json, Value};
use std::{sync::Arc, time::Duration};
use tokio::sync::OwnedSemaphorePermit;

/// How long an upload may send nothing before it is dropped.
pub const IDLE_TIMEOUT: Duration = Duration::from_secs(30);

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Target {
	pub(crate) part: Option<Part>,
}

/// What an upload stores besides the registered file (`?part=`).
#[derive(Clone, Copy, Deserialize)]
#[serde(rename_all = "lowercase")]
pub(crate) enum Part {
	/// The file encrypted once under the dataset's data key.
	Encrypted,
	/// That data key sealed to the owning department's encryption key.
	Key,
}

/// What an upload must be.
pub(crate) struct Expected {
	/// The object's name in the store.
	pub(crate) key: String,
	pub(crate) size: u64,
	pub(crate) check: Check,
	/// What it is, as a refusal names it: "file" or "part".
	pub(crate) what: &'static str,
}

/// How an upload is checked before it is kept.
pub(crate) enum Check {
	/// The record's hash function and digest: the registered file.
	Hash(u64, Vec<u8>),
	/// It opens as a CityChain encryption.
	Encrypted,
	/// A key envelope: its length is all that can be known of it.
	Envelope,
	/// A part of an upload in parts: its length, until the parts are
	/// assembled and checked as the whole they make.
	Part,
}

/// Whether `account` holds one of `roles` in department `owner`, which is
/// active; a refusal says the roles needed `to` do what was asked.
pub(crate) async fn ensure_role(
	state: &AppState,
	account: &str,
	owner: u32,
	roles: &[Role],
	at: sp_core::H256,
	to: &str,
) -> Result<(), ApiError> {
	let department = state.node.department(owner, Some(at)).await?;
	let holds = department.is_some_and(|d| {
		d.status == DepartmentStatus::Active
			&& d.members.iter().any(|m| {
				m.account.to_string() == account && roles.iter().any(|r| m.roles.contains(*r))
			})
	});
	if holds {
		return Ok(());
	}
	let names: Vec<String> = roles.iter().map(json_name).collect();
	Err(ApiError::forbidden(format!(
		"only a {} of department {owner}, which owns the dataset, may {to}",
		names.join(" or ")
	)))
}

/// The officers who keep a dataset's encryption and its key envelope.
pub(crate) const KEEPERS: &[Role] = &[Role::Publisher, Role::Approver];

/// Dataset `dataset`'s owner, size and content hash at block `at`, if this
/// gateway stores the owner's files.
pub(crate) async fn record(
	state: &AppState,
	dataset: u64,
	at: sp_core::H256,
) -> Result<(u32, u64, (u64, Vec<u8>)), ApiError> {
	let record = state
		.node
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
	Ok((owner, size, (content.code, content.digest.0)))
}

pub(crate) async fn expected(
	state: &AppState,
	account: &str,
	dataset: u64,
	target: &Target,
) -> Result<Expected, ApiError> {
	let at = state.node.finalized_head().await?;
	let (owner, size, (code, digest)) = record(state, dataset, at).await?;
	let to = "store its files here";
	Ok(match target.part {
		None => {
			ensure_role(state, account, owner, &[Role::Publisher], at, to).await?;
			Expected {
				key: object::data(dataset),
				size,
				check: Check::Hash(code, digest),
				what: "file",
			}
		},
		Some(Part::Encrypted) => {
			ensure_role(state, account, owner, KEEPERS, at, to).await?;
			// An encryption is kept only beside the key envelope that opens
			// it: whoever stored that envelope first chose the key.
			let sealed = object::key_envelope(dataset);
			if state.store.size(&sealed).await.map_err(store_error)?.is_none() {
				return Err(ApiError::new(
					StatusCode::CONFLICT,
					format!(
						"store dataset {dataset}'s key envelope first (?part=key): an \
						 encryption is kept only beside the key that opens it"
					),
				));
			}
			Expected {
				key: object::sealed(dataset),
				size: crypt::encrypted_len(size),
				check: Check::Encrypted,
				what: "file",
			}
		},
		Some(Part::Key) => {
			ensure_role(state, account, owner, KEEPERS, at, to).await?;
			Expected {
				key: object::key_envelope(dataset),
				size: (crypt::KEY_LEN + envelope::OVERHEAD) as u64,
				check: Check::Envelope,
				what: "file",
			}
		},
	})
}

/// `GET /data/{dataset}/key`: the dataset's data key sealed to its owning
/// department's encryption key, to that department's officers (who open
/// it with their key file to seal it to a consumer); 204 No Content while
/// the dataset has no encryption here (a question the portal asks before
/// every encrypted approval, answered, not failed).
pub async fn key_envelope(
	State(state): State<Arc<AppState>>,
	Extension(ClientAddress(peer)): Extension<ClientAddress>,
	Path(id): Path<String>,
	request: Request,
) -> Result<axum::response::Response, ApiError> {
	use axum::response::IntoResponse;
	let (dataset, credentials) = signed_request(&state, &id, peer, &request)?;
	let at = state.node.finalized_head().await?;
	let (owner, _, _) = record(&state, dataset, at).await?;
	let to = "read its key envelope";
	ensure_role(&state, &credentials.account, owner, KEEPERS, at, to).await?;
	take_nonce(&state, &credentials)?;
	let sealed = state
		.store
		.get_small(&object::key_envelope(dataset), data::MAX_ENVELOPE)
		.await
		.map_err(store_error)?;
	Ok(match sealed {
		Some(envelope) => envelope.into_response(),
		None => StatusCode::NO_CONTENT.into_response(),
	})
}

/// Streams the request's body into the store as `want` says (see [`write`]).
pub(crate) async fn receive(
	state: &AppState,
	dataset: u64,
	request: Request,
	want: &Expected,
) -> Result<(), ApiError> {
	if let Check::Envelope = want.check {
		return receive_envelope(state, dataset, request, want).await;
	}
	let body = request.into_body().into_data_stream().map(|chunk| {
		chunk.map_err(|e| ApiError::bad_request(format!("the upload broke off: {e}")))
	});
	write(state, dataset, body, want).await
}

/// Streams `body` into the store as `want` says: no longer than its size,
/// hashed on the way when the record's hash applies, checked before the
/// object is completed; with its BLAKE3 outboard, made in the same pass,
/// when the record's hash is blake3. A body refused midway leaves nothing
/// of it, and the object as it was.
pub(crate) async fn write(
	state: &AppState,
	dataset: u64,
	body: impl Stream<Item = Result<Bytes, ApiError>> + Unpin,
	want: &Expected,
) -> Result<(), ApiError> {
	let mut out = state.store.write(&want.key, want.size).await.map_err(store_error)?;
	let mut outboard = match &want.check {
		Check::Hash(code, _) => OutboardWriter::start(&state.store, dataset, *code, want.size)
			.await
			.map_err(store_error)?,
		Check::Encrypted | Check::Envelope | Check::Part => None,
	};
	let received = stream_into(body, &mut out, outboard.as_mut(), want).await;
	// The outboard first: until the file follows, the old file and the new
	// outboard disagree, which a verified fetch refuses rather than trusts.
	let kept = match (received, outboard) {
		(Ok(()), Some(outboard)) => outboard.finish().await.map(|_| ()).map_err(store_error),
		(Ok(()), None) => Ok(()),
		(Err(e), outboard) => {
			if let Some(outboard) = outboard {
				outboard.abort().await;
			}
			Err(e)
		},
	};
	match kept {
		Ok(()) => out.finish().await.map_err(store_error),
		Err(e) => {
			out.abort().await;
			Err(e)
		},
	}
}

/// A key envelope is kept only if the dataset has none: the first officer
/// to store one chose the dataset's data key, and an encryption under
/// another key would not open with it.
async fn receive_envelope(
	state: &AppState,
	dataset: u64,
	request: Request,
	want: &Expected,
) -> Result<(), ApiError> {
	let limit = usize::try_from(want.size).unwrap_or(usize::MAX);
	let body = tokio::time::timeout(IDLE_TIMEOUT, axum::body::to_bytes(request.into_body(), limit))
		.await
		.map_err(|_| {
			ApiError::new(StatusCode::REQUEST_TIMEOUT, "the key envelope did not arrive in time")
		})?
		.map_err(|_| {
			ApiError::new(
				StatusCode::PAYLOAD_TOO_LARGE,
				format!("the file is longer than the {} bytes it must be", want.size),
			)
		})?;
	if body.len() as u64 != want.size {
		return Err(ApiError::bad_request(format!(
			"the file has {} bytes; a key envelope has {}",
			body.len(),
			want.size
		)));
	}
	if !state.store.create(&want.key, body.to_vec()).await.map_err(store_error)? {
		return Err(ApiError::new(
			StatusCode::CONFLICT,
			format!(
				"dataset {dataset}'s data key is sealed to its owner already: open it with your \
				 department's key file (GET /data/{dataset}/key) and seal it to the consumer"
			),
		));
	}
	Ok(())
}

async fn stream_into(
	mut body: impl Stream<Item = Result<Bytes, ApiError>> + Unpin,
	out: &mut Writer,
	mut outboard: Option<&mut OutboardWriter>,
	want: &Expected,
) -> Result<(), ApiError> {
	let mut hasher = match &want.check {
		Check::Hash(code, _) => Some(Hasher::new(*code).map_err(|e| {
			ApiError::new(StatusCode::CONFLICT, format!("the record's hash function: {e}"))
		})?),
		Check::Encrypted | Check::Envelope | Check::Part => None,
	};
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
		let chunk = chunk?;
		size += chunk.len() as u64;
		if size > want.size {
			return Err(too_long(want));
		}
		if head.len() < crypt::MAGIC.len() {
			let take = (crypt::MAGIC.len() - head.len()).min(chunk.len());
			head.extend_from_slice(&chunk[..take]);
		}
		if let Some(h) = hasher.as_mut() {
			h.update(&chunk);
		}
		if let Some(o) = outboard.as_deref_mut() {
			o.update(&chunk).await.map_err(store_error)?;
		}
		out.write(&chunk).await.map_err(store_error)?;
	}
	if size != want.size {
		return Err(too_short(size, want));
	}
	let digest = hasher.map(|h| h.finish());
	match (&want.check, digest) {
		(Check::Hash(_, expected), Some(digest)) if digest != *expected => {
			Err(ApiError::bad_request(
				"the file's hash is not the record's content hash: it is not the registered file",
			))
		},
		(Check::Encrypted, _) if head != crypt::MAGIC => {
			Err(ApiError::bad_request("the body is not a CityChain encrypted file"))
		},
		_ => Ok(()),
	}
}

pub(crate) fn store_error(e: StoreError) -> ApiError {
	crate::metrics::get().store_error();
	tracing::error!(target: "upload", "cannot write to the data store: {e}");
	ApiError::new(StatusCode::INSUFFICIENT_STORAGE, "the gateway cannot write to its data store")
}

fn too_long(want: &Expected) -> ApiError {
	ApiError::new(
		StatusCode::PAYLOAD_TOO_LARGE,
		format!("the {} is longer than the {} bytes it must be", want.what, want.size),
	)
}

fn too_short(size: u64, want: &Expected) -> ApiError {
	let whose = if let Check::Part = want.check { "it must have" } else { "the record says" };
	ApiError::bad_request(format!("the {} has {size} bytes; {whose} {}", want.what, want.size))
}

/// The body's stated length: present, and the length the file must have.
pub(crate) fn stated_length(request: &Request, want: &Expected) -> Result<(), ApiError> {
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
		return Err(too_long(want));
	}
	if stated < want.size {
		return Err(too_short(stated, want));
	}
	Ok(())
}

/// Room in the data store for `size` more bytes. A directory's file system
/// must keep `store_reserve` free after them and after what the uploads
/// under way may still write; a bucket grows as it is written.
pub(crate) fn room_for(state: &AppState, size: u64) -> Result<Room<'_>, ApiError> {
	let reserve = state.settings.store_reserve;
	let free = match state.store.location() {
		Location::Dir(dir) => fs2::available_space(dir).map_err(|e| store_error(e.into()))?,
		Location::Bucket { .. } => u64::MAX,
	};
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
pub(crate) struct Room<'a> {
	state: &'a AppState,
	size: u64,
}

impl Drop for Room<'_> {
	fn drop(&mut self) {
		let mut pending = self.state.pending_upload_bytes.lock().expect("upload bytes poisoned");
		*pending = pending.saturating_sub(self.size);
	}
}

/// One of the `max_uploads` slots, or a refusal (not a queue).
pub(crate) fn upload_slot(state: &AppState) -> Result<OwnedSemaphorePermit, ApiError> {
	state.uploads.clone().try_acquire_owned().map_err(|_| {
		ApiError::new(
			StatusCode::SERVICE_UNAVAILABLE,
			"the gateway receives as many uploads as it may at once; try again shortly",
		)
	})
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
	let _slot = upload_slot(&state)?;
	let _room = room_for(&state, want.size)?;
	take_nonce(&state, &credentials)?;
	if let Err(e) = receive(&state, dataset, request, &want).await {
		tracing::warn!(target: "upload", dataset, account = %credentials.account, reason = %e.message, "refused");
		return Err(e);
	}
	tracing::info!(target: "upload", dataset, object = %want.key, account = %credentials.account, size = want.size, "stored");
	Ok((
		StatusCode::CREATED,
		Json(json!({ "dataset": dataset, "object": want.key, "size": want.size })),
	))
}
