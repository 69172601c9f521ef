//! `GET /data/{dataset}/verified?start=&end=`: bytes `start..end` of a
//! dataset whose content hash is BLAKE3 (multicodec `0x1e`), streamed with
//! the hashes that prove them against the digest on chain, so that the
//! requester checks every 16 KiB chunk group as it arrives and can resume a
//! cut download by asking for the rest only (see
//! `citychain_client::verified` for the stream's format). The range is
//! widened to whole chunk groups; without `start` it begins at 0, without
//! `end` it runs to the end of the file.
//!
//! The same signed request and access decision as `GET /data/{dataset}`.
//! The plain file and its outboard (`<id>/data.obao`, written with the file
//! by `citychain register --store` and by the upload) are what is served,
//! from a directory store: an encrypted delivery has no outboard of its own
//! and is fetched whole from `GET /data/{dataset}`, as is any file of a
//! gateway whose store is a bucket.

use crate::{
	data::{decide, refused, signed_request, take_nonce},
	error::ApiError,
	guard::ClientAddress,
	AppState,
};
use axum::{
	body::Body,
	extract::{Extension, Path, Request, State},
	http::{header, HeaderValue, StatusCode},
	response::{IntoResponse, Response},
};
use citychain_client::{
	primitives::hashing::HashFunction,
	rpc::api::DatasetsApiClient,
	store::{object, Location},
	verified::{self, group_range, outboard_len, stream_len},
};
use std::{
	io,
	ops::Range,
	sync::{Arc, OnceLock},
};
use tokio::sync::{mpsc, OwnedSemaphorePermit, Semaphore};

/// The longest query taken: `start=` and `end=` with 20 digits each.
const MAX_QUERY: usize = 64;

/// The bytes asked for, from the query: `start` and `end` (exclusive), each
/// a decimal of at most 20 digits; the query's length is checked first.
fn wanted(query: Option<&str>) -> Result<Range<u64>, ApiError> {
	let query = query.unwrap_or("");
	if query.len() > MAX_QUERY {
		return Err(ApiError::bad_request("the query is longer than start and end need"));
	}
	let (mut start, mut end) = (None, None);
	for pair in query.split('&').filter(|p| !p.is_empty()) {
		let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
		let slot = match name {
			"start" => &mut start,
			"end" => &mut end,
			_ => return Err(ApiError::bad_request(format!("unknown parameter {name:?}"))),
		};
		if slot.is_some() {
			return Err(ApiError::bad_request(format!("{name} is given twice")));
		}
		if value.is_empty() || value.len() > 20 || !value.bytes().all(|b| b.is_ascii_digit()) {
			return Err(ApiError::bad_request(format!("{name} is a decimal byte offset")));
		}
		*slot = Some(
			value
				.parse::<u64>()
				.map_err(|_| ApiError::bad_request(format!("{name} out of range")))?,
		);
	}
	let range = start.unwrap_or(0)..end.unwrap_or(u64::MAX);
	if range.is_empty() {
		return Err(ApiError::bad_request("start must be below end"));
	}
	Ok(range)
}

/// What is served: the file's BLAKE3 hash and size, and its chunk groups
/// that cover the bytes wanted.
struct Served {
	root: verified::Hash,
	size: u64,
	range: Range<u64>,
}

/// The record's BLAKE3 hash and size at the finalized block; refused for
/// any other hash function, and for bytes past the end.
async fn served(state: &AppState, dataset: u64, wanted: Range<u64>) -> Result<Served, ApiError> {
	let node = &state.node;
	let at = node.finalized_head().await?;
	let record = node
		.dataset(dataset, Some(at), None)
		.await?
		.ok_or_else(|| ApiError::not_found(format!("no dataset {dataset} on chain")))?;
	let (Some(size), Some(content)) = (record.size, record.content_hash) else {
		return Err(ApiError::new(
			StatusCode::BAD_GATEWAY,
			format!("the node's record of dataset {dataset} lacks its size or hash"),
		));
	};
	let root = verified::root(&content.digest.0)
		.filter(|_| content.code == HashFunction::Blake3.code())
		.ok_or_else(|| {
			let function = HashFunction::from_code(content.code)
				.map_or_else(|| format!("multicodec {:#x}", content.code), |f| f.name().into());
			ApiError::new(
				StatusCode::CONFLICT,
				format!(
					"dataset {dataset} is hashed with {function}, not blake3: it has no verified \
					 ranges; fetch it whole from /data/{dataset}"
				),
			)
		})?;
	if wanted.start >= size {
		return Err(ApiError::new(
			StatusCode::RANGE_NOT_SATISFIABLE,
			format!("dataset {dataset} has {size} bytes; start must be below that"),
		));
	}
	Ok(Served { root, size, range: group_range(size, wanted.start, wanted.end) })
}

/// The file and its outboard, opened, when their lengths are the record's.
/// The encoder reads them at positions of its choosing, so they are read
/// from a directory store; a bucket's objects would each need a request per
/// chunk group.
async fn open(
	state: &AppState,
	dataset: u64,
	size: u64,
) -> Result<(std::fs::File, std::fs::File), ApiError> {
	let Location::Dir(store) = state.store.location() else {
		return Err(ApiError::new(
			StatusCode::NOT_IMPLEMENTED,
			format!(
				"this gateway's store is a bucket, and verified ranges are served from a \
				 directory store only: fetch dataset {dataset} whole from /data/{dataset}"
			),
		));
	};
	let missing = |what: &str| {
		ApiError::not_found(format!("the provider has not stored dataset {dataset}'s {what} here"))
	};
	let open = |name: String| async move {
		let file = tokio::fs::File::open(store.join(name)).await.ok()?;
		let len = file.metadata().await.ok()?.len();
		Some((file.into_std().await, len))
	};
	let (data, data_len) = open(object::data(dataset)).await.ok_or_else(|| missing("file"))?;
	let (outboard, outboard_len_found) = open(object::outboard(dataset))
		.await
		.ok_or_else(|| missing("BLAKE3 outboard (data.obao)"))?;
	if data_len != size || outboard_len_found != outboard_len(size) {
		tracing::error!(target: "delivery", dataset, data_len, outboard_len = outboard_len_found, size, "the stored file or outboard does not fit the record");
		return Err(ApiError::new(
			StatusCode::CONFLICT,
			format!("the provider's copy of dataset {dataset} or its outboard is not the registered one"),
		));
	}
	Ok((data, outboard))
}

/// A writer that hands what the encoder writes to the response body in
/// pieces of [`PIECE`] bytes.
struct ToBody {
	sender: mpsc::Sender<io::Result<Vec<u8>>>,
	piece: Vec<u8>,
	runtime: tokio::runtime::Handle,
}

const PIECE: usize = 64 * 1024;

/// Verified streams served at once. Each holds a blocking thread while its
/// requester reads, so they stay well below tokio's blocking pool, which the
/// store's reads and uploads share.
const MAX_STREAMS: usize = 64;
/// How long a piece may wait for a requester that reads nothing.
const STALL: std::time::Duration = std::time::Duration::from_secs(30);

fn streams() -> Arc<Semaphore> {
	static STREAMS: OnceLock<Arc<Semaphore>> = OnceLock::new();
	STREAMS.get_or_init(|| Arc::new(Semaphore::new(MAX_STREAMS))).clone()
}

impl io::Write for ToBody {
	fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
		self.piece.extend_from_slice(bytes);
		if self.piece.len() >= PIECE {
			self.flush()?;
		}
		Ok(bytes.len())
	}

	fn flush(&mut self) -> io::Result<()> {
		if self.piece.is_empty() {
			return Ok(());
		}
		let piece = std::mem::replace(&mut self.piece, Vec::with_capacity(PIECE));
		let sent = self.runtime.block_on(tokio::time::timeout(STALL, self.sender.send(Ok(piece))));
		match sent {
			Ok(Ok(())) => Ok(()),
			Ok(Err(_)) => Err(io::Error::new(io::ErrorKind::BrokenPipe, "the requester left")),
			Err(_) => {
				Err(io::Error::new(io::ErrorKind::BrokenPipe, "the requester stopped reading"))
			},
		}
	}
}

/// The stream of `served` from `data` and `outboard`, encoded on a blocking
/// thread (the encoder reads by position) as the body is sent.
fn body(
	dataset: u64,
	served: Served,
	data: std::fs::File,
	outboard: std::fs::File,
	slot: OwnedSemaphorePermit,
) -> Body {
	let (sender, mut receiver) = mpsc::channel(4);
	let runtime = tokio::runtime::Handle::current();
	tokio::task::spawn_blocking(move || {
		let _slot = slot;
		let mut out = ToBody { sender: sender.clone(), piece: Vec::with_capacity(PIECE), runtime };
		let result =
			verified::encode(served.root, served.size, &served.range, &data, &outboard, &mut out)
				.and_then(|()| io::Write::flush(&mut out));
		if let Err(e) = result {
			if e.kind() != io::ErrorKind::BrokenPipe {
				tracing::error!(target: "delivery", dataset, "the verified stream broke off: {e}");
				// The body ends in an error, so the requester sees it cut.
				let _ = sender.try_send(Err(e));
			}
		}
	});
	Body::from_stream(futures::stream::poll_fn(move |cx| receiver.poll_recv(cx)))
}

/// `GET /data/{dataset}/verified`. In order: the signature, the rates and
/// the query (no node call), the access check at the finalized block, the
/// record's hash function and size, the nonce, the file and its outboard.
pub async fn serve(
	State(state): State<Arc<AppState>>,
	Extension(ClientAddress(peer)): Extension<ClientAddress>,
	Path(id): Path<String>,
	request: Request,
) -> Response {
	// Taken before any await: a borrowed request cannot cross one.
	let path = request.uri().to_string();
	let refuse = |e: ApiError| refused(&path, e);
	let checked = signed_request(&state, &id, peer, &request).and_then(|(dataset, credentials)| {
		Ok((dataset, credentials, wanted(request.uri().query())?))
	});
	drop(request);
	let (dataset, credentials, wanted) = match checked {
		Ok(checked) => checked,
		Err(e) => return refuse(e),
	};
	let delivery = match decide(&state, &credentials.account, dataset).await {
		Ok(delivery) if delivery.encrypted => {
			return refuse(ApiError::new(
				StatusCode::CONFLICT,
				format!(
					"dataset {dataset} is delivered to you encrypted under contract {}: fetch it whole from /data/{dataset}",
					delivery.contract.unwrap_or(0)
				),
			))
		},
		Ok(delivery) => delivery,
		Err(e) => return refuse(e),
	};
	let served = match served(&state, dataset, wanted).await {
		Ok(served) => served,
		Err(e) => return refuse(e),
	};
	let Ok(slot) = streams().try_acquire_owned() else {
		return refuse(ApiError::new(
			StatusCode::SERVICE_UNAVAILABLE,
			"the gateway serves as many verified streams as it may at once; try again shortly",
		));
	};
	if let Err(e) = take_nonce(&state, &credentials) {
		return refuse(e);
	}
	let (data, outboard) = match open(&state, dataset, served.size).await {
		Ok(files) => files,
		Err(e) => return refuse(e),
	};
	let length = stream_len(served.size, &served.range);
	tracing::info!(
		target: "delivery",
		dataset,
		account = %credentials.account,
		basis = %delivery.basis,
		contract = delivery.contract,
		verified = true,
		range = %format!("{}-{}", served.range.start, served.range.end),
		status = 200,
		length,
		"delivered"
	);
	let mut response = body(dataset, served, data, outboard, slot).into_response();
	response.headers_mut().insert(header::CONTENT_LENGTH, HeaderValue::from(length));
	delivery.describe(response.headers_mut());
	response
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn the_range_is_read_from_a_short_query_of_decimals() {
		assert_eq!(wanted(None).unwrap(), 0..u64::MAX);
		assert_eq!(wanted(Some("start=16384")).unwrap(), 16384..u64::MAX);
		assert_eq!(wanted(Some("end=10&start=2")).unwrap(), 2..10);
		let long = format!("start=1&end={}", "1".repeat(60));
		for bad in [
			"start=-1",
			"start=0x10",
			"start=",
			"start",
			"start=1&start=2",
			"begin=1",
			"start=5&end=5",
			"start=99999999999999999999",
			"start=1%30",
			long.as_str(),
		] {
			assert_eq!(wanted(Some(bad)).unwrap_err().status, StatusCode::BAD_REQUEST, "{bad}");
		}
	}
}
