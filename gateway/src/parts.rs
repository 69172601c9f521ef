//! Uploads in parts: a file of any size, or its encryption, sent as parts
//! of [`PART_SIZE`] bytes that are kept in the data store as they arrive, so
//! that an upload cut off resumes with the parts the gateway lacks:
//!
//! - `PUT /data/{dataset}/parts/{n}[?part=encrypted]` stores part `n` (from
//!   0): bytes `n × PART_SIZE` up to the next part or the end; every part
//!   but the last has [`PART_SIZE`] bytes, and the size the record on chain
//!   says (for `encrypted`, the length of its encryption) gives the count.
//!   A part sent again replaces the one kept, once it has arrived whole.
//! - `GET /data/{dataset}/parts[?part=encrypted]` lists the parts kept.
//! - `POST /data/{dataset}/parts/complete[?part=encrypted]` assembles them
//!   into the object, checked as the single `PUT /data/{dataset}` checks it
//!   (size, the record's hash and the BLAKE3 outboard in the same pass; for
//!   `encrypted`, its layout and a key envelope beside it), then removes the
//!   parts. A content check that fails leaves the object as it was and
//!   removes the parts, which cannot all be right.
//! - `DELETE /data/{dataset}/parts[?part=encrypted]` removes the parts kept.
//!
//! Every request is authorized as the single upload is (signed, within the
//! rates, from a Publisher of the owner for the file, a Publisher or
//! Approver for the encryption, of a department this gateway stores) before
//! a byte is stored, and a part is bounded as an upload is (its stated
//! `Content-Length` exactly its length, an upload slot, the store's
//! reserve, [`IDLE_TIMEOUT`](crate::upload::IDLE_TIMEOUT)). So the parts a
//! dataset may have at once are those of its file and of its encryption:
//! at most the record's size, and its encryption's, each.

use crate::{
	data::{signed_request, take_nonce},
	error::ApiError,
	guard::ClientAddress,
	upload::{self, room_for, store_error, upload_slot, Check, Expected, Part, Target},
	AppState,
};
use axum::{
	extract::{rejection::QueryRejection, Extension, Path, Query, Request, State},
	http::StatusCode,
	Json,
};
use citychain_client::{auth::Credentials, store::object};
use futures::{StreamExt, TryStreamExt};
use serde_json::{json, Value};
use std::{collections::BTreeMap, ops::Range, sync::Arc};

/// Bytes of every part but the last: the store's own part size.
pub const PART_SIZE: u64 = citychain_client::store::PART as u64;

/// The number of parts of an object of `size` bytes: one at least (an empty
/// file is one empty part).
pub fn count(size: u64) -> u64 {
	size.div_ceil(PART_SIZE).max(1)
}

/// The bytes of part `n` of an object of `size` bytes; `None` beyond the last.
pub fn range(size: u64, n: u64) -> Option<Range<u64>> {
	(n < count(size)).then(|| n * PART_SIZE..size.min((n + 1).saturating_mul(PART_SIZE)))
}

/// A part's number from its path: a decimal of at most 20 digits.
fn number(text: &str) -> Result<u64, ApiError> {
	if !citychain_stac::range::digits(text) {
		return Err(ApiError::bad_request(format!("{text:?} is not a part number (0, 1, 2 …)")));
	}
	text.parse()
		.map_err(|_| ApiError::bad_request("the part number is out of range"))
}

/// A signed request about an upload in parts: its dataset, its signer, and the
/// whole object the parts make, which the signer may upload (see
/// `upload::expected`; a key envelope is small and is stored whole).
async fn whole(
	state: &AppState,
	(dataset, credentials): (u64, Credentials),
	target: Result<Query<Target>, QueryRejection>,
) -> Result<(u64, Credentials, Expected), ApiError> {
	let Query(target) = target.map_err(|e| ApiError::bad_request(e.body_text()))?;
	if let Some(Part::Key) = target.part {
		return Err(ApiError::bad_request(
			"a key envelope is stored whole: PUT /data/{dataset}?part=key",
		));
	}
	let want = upload::expected(state, &credentials.account, dataset, &target).await?;
	Ok((dataset, credentials, want))
}

/// The parts of `object` kept, by number, with their sizes.
async fn kept(state: &AppState, object: &str) -> Result<BTreeMap<u64, u64>, ApiError> {
	let listed = state.store.list_under(&object::parts(object)).await.map_err(store_error)?;
	Ok(listed
		.into_iter()
		.filter_map(|(name, size)| Some((object::parse_part(object, &name)?, size)))
		.collect())
}

/// The numbers of the parts of `want` that are kept whole.
fn whole_parts(want: &Expected, kept: &BTreeMap<u64, u64>) -> Vec<u64> {
	kept.iter()
		.filter(|(&n, &size)| range(want.size, n).is_some_and(|r| r.end - r.start == size))
		.map(|(&n, _)| n)
		.collect()
}

/// Removes every part of `object` kept.
async fn remove_parts(state: &AppState, object: &str) -> Result<(), ApiError> {
	for n in kept(state, object).await?.into_keys() {
		state.store.remove(&object::part(object, n)).await.map_err(store_error)?;
	}
	Ok(())
}

/// `PUT /data/{dataset}/parts/{n}[?part=encrypted]`. In order: the
/// signature, the rates, the record and the signer's role, the part's
/// number, its stated length, an upload slot and the store's room, the
/// nonce, then the body.
pub async fn store(
	State(state): State<Arc<AppState>>,
	Extension(ClientAddress(peer)): Extension<ClientAddress>,
	Path((id, n)): Path<(String, String)>,
	target: Result<Query<Target>, QueryRejection>,
	request: Request,
) -> Result<(StatusCode, Json<Value>), ApiError> {
	let (dataset, credentials, whole) =
		whole(&state, signed_request(&state, &id, peer, &request)?, target).await?;
	let n = number(&n)?;
	let bytes = range(whole.size, n).ok_or_else(|| {
		ApiError::bad_request(format!(
			"part {n} is beyond the {} parts (0 to {}) of {}'s {} bytes",
			count(whole.size),
			count(whole.size) - 1,
			whole.key,
			whole.size
		))
	})?;
	let want = Expected {
		key: object::part(&whole.key, n),
		size: bytes.end - bytes.start,
		check: Check::Part,
		what: "part",
	};
	upload::stated_length(&request, &want)?;
	let _slot = upload_slot(&state)?;
	let _room = room_for(&state, want.size)?;
	take_nonce(&state, &credentials)?;
	if let Err(e) = upload::receive(&state, dataset, request, &want).await {
		tracing::warn!(target: "upload", dataset, part = n, account = %credentials.account, reason = %e.message, "part refused");
		return Err(e);
	}
	crate::metrics::get().part_stored(want.size);
	Ok((
		StatusCode::CREATED,
		Json(json!({
			"dataset": dataset,
			"object": whole.key,
			"part": n,
			"start": bytes.start,
			"size": want.size,
		})),
	))
}

/// `GET /data/{dataset}/parts[?part=encrypted]`: the parts kept, so that a
/// client sends the others only.
pub async fn list(
	State(state): State<Arc<AppState>>,
	Extension(ClientAddress(peer)): Extension<ClientAddress>,
	Path(id): Path<String>,
	target: Result<Query<Target>, QueryRejection>,
	request: Request,
) -> Result<Json<Value>, ApiError> {
	let (dataset, credentials, want) =
		whole(&state, signed_request(&state, &id, peer, &request)?, target).await?;
	take_nonce(&state, &credentials)?;
	let received = whole_parts(&want, &kept(&state, &want.key).await?);
	Ok(Json(json!({
		"dataset": dataset,
		"object": want.key,
		"size": want.size,
		"partSize": PART_SIZE,
		"parts": count(want.size),
		"received": received,
	})))
}

/// `DELETE /data/{dataset}/parts[?part=encrypted]`: gives an upload in
/// parts up, removing the parts kept.
pub async fn discard(
	State(state): State<Arc<AppState>>,
	Extension(ClientAddress(peer)): Extension<ClientAddress>,
	Path(id): Path<String>,
	target: Result<Query<Target>, QueryRejection>,
	request: Request,
) -> Result<StatusCode, ApiError> {
	let (dataset, credentials, want) =
		whole(&state, signed_request(&state, &id, peer, &request)?, target).await?;
	take_nonce(&state, &credentials)?;
	remove_parts(&state, &want.key).await?;
	tracing::info!(target: "upload", dataset, object = %want.key, account = %credentials.account, "parts discarded");
	Ok(StatusCode::NO_CONTENT)
}

/// `POST /data/{dataset}/parts/complete[?part=encrypted]`. In order: the
/// signature, the rates, the record and the signer's role (and for the
/// encryption its key envelope), every part kept whole, an upload slot and
/// the store's room for the object, the nonce; then the parts stream in
/// order into the object, checked as a single upload is.
pub async fn complete(
	State(state): State<Arc<AppState>>,
	Extension(ClientAddress(peer)): Extension<ClientAddress>,
	Path(id): Path<String>,
	target: Result<Query<Target>, QueryRejection>,
	request: Request,
) -> Result<(StatusCode, Json<Value>), ApiError> {
	let (dataset, credentials, want) =
		whole(&state, signed_request(&state, &id, peer, &request)?, target).await?;
	let parts = count(want.size);
	let received = whole_parts(&want, &kept(&state, &want.key).await?);
	if received.len() as u64 != parts {
		let missing: Vec<String> = (0..parts)
			.filter(|n| received.binary_search(n).is_err())
			.take(20)
			.map(|n| n.to_string())
			.collect();
		let more = if parts - (received.len() as u64) > 20 { " …" } else { "" };
		return Err(ApiError::new(
			StatusCode::CONFLICT,
			format!(
				"{} of the {parts} parts of {} are missing ({}{more}): send them, then complete",
				parts - received.len() as u64,
				want.key,
				missing.join(", ")
			),
		));
	}
	let _slot = upload_slot(&state)?;
	let _room = room_for(&state, want.size)?;
	take_nonce(&state, &credentials)?;
	let store = &state.store;
	let object = want.key.as_str();
	let body = futures::stream::iter(0..parts)
		.then(|n| async move {
			let read = store.read(&object::part(object, n), None).await.map_err(store_error)?;
			let read = read.ok_or_else(|| {
				ApiError::new(StatusCode::CONFLICT, format!("part {n} was removed meanwhile"))
			})?;
			Ok::<_, ApiError>(read.bytes.map_err(store_error))
		})
		.try_flatten()
		.boxed();
	if let Err(mut e) = upload::write(&state, dataset, body, &want).await {
		// The parts make a file the record refuses: none can be trusted.
		if e.status == StatusCode::BAD_REQUEST {
			remove_parts(&state, object).await?;
			e.message.push_str("; its parts were removed: send the file again");
		}
		tracing::warn!(target: "upload", dataset, object, account = %credentials.account, reason = %e.message, "parts refused");
		return Err(e);
	}
	remove_parts(&state, object).await?;
	crate::metrics::get().parts_assembled();
	tracing::info!(target: "upload", dataset, object, account = %credentials.account, size = want.size, parts, "assembled");
	Ok((
		StatusCode::CREATED,
		Json(json!({ "dataset": dataset, "object": object, "size": want.size, "parts": parts })),
	))
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn parts_cover_the_object_once_each() {
		const P: u64 = PART_SIZE;
		assert_eq!(count(0), 1, "an empty file is one empty part");
		assert_eq!(range(0, 0), Some(0..0));
		assert_eq!(range(0, 1), None);
		assert_eq!(count(1), 1);
		assert_eq!(count(P), 1);
		assert_eq!(count(P + 1), 2);
		assert_eq!(range(P + 1, 0), Some(0..P));
		assert_eq!(range(P + 1, 1), Some(P..P + 1));
		assert_eq!(range(P + 1, 2), None, "beyond the count");
		let size = 3 * P + 12_345;
		let mut next = 0;
		for n in 0..count(size) {
			let r = range(size, n).unwrap();
			assert_eq!(r.start, next, "the parts follow each other");
			next = r.end;
		}
		assert_eq!(next, size);
		assert_eq!(range(u64::MAX, u64::MAX), None, "no overflow at the end of the numbers");
		assert!(range(u64::MAX, count(u64::MAX) - 1).is_some());
	}

	#[test]
	fn a_part_number_is_a_short_decimal() {
		assert_eq!(number("0").unwrap(), 0);
		assert_eq!(number("007").unwrap(), 7);
		assert_eq!(number("18446744073709551615").unwrap(), u64::MAX);
		for bad in ["", "-1", "+1", "1.0", "0x1", "complete", "18446744073709551616", "1 "] {
			assert_eq!(number(bad).unwrap_err().status, StatusCode::BAD_REQUEST, "{bad:?}");
		}
		assert!(number(&"1".repeat(21)).is_err());
	}

	#[test]
	fn only_parts_of_their_length_count_as_received() {
		let want = Expected {
			key: "7/data".into(),
			size: PART_SIZE + 10,
			check: Check::Part,
			what: "file",
		};
		let kept = BTreeMap::from([(0, PART_SIZE), (1, 9), (2, 10)]);
		assert_eq!(whole_parts(&want, &kept), vec![0], "1 is short, 2 beyond the count");
		let kept = BTreeMap::from([(1, 10), (0, PART_SIZE)]);
		assert_eq!(whole_parts(&want, &kept), vec![0, 1]);
	}
}
