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
//! from a directory (read at positions) or a bucket (read by range requests,
//! `citychain_client::ranged`): an encrypted delivery has no outboard of its
//! own and is fetched whole from `GET /data/{dataset}`.

use crate::{
	data::{decide, refused, signed_request, store_error, take_nonce},
	error::ApiError,
	guard::ClientAddress,
	AppState,
};
use axum::{
	body::Bytes,
	extract::{Extension, Path, Request, State},
	http::{header, HeaderValue, StatusCode},
	response::{IntoResponse, Response},
};
use citychain_client::{
	primitives::hashing::HashFunction,
	ranged::{Blocks, Object, Sequential},
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

/// The bytes asked for, from the query (`citychain_stac::range::verified`).
fn wanted(query: Option<&str>) -> Result<Range<u64>, ApiError> {
	citychain_stac::range::verified(query).map_err(|e| ApiError::bad_request(e.to_string()))
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

/// The file and its outboard, as the encoder reads them.
enum Sources {
	/// From a directory, read at positions.
	Files(std::fs::File, std::fs::File),
	/// From a bucket: the file's range in one request as it streams, the
	/// outboard in blocks.
	Objects(Box<(Sequential, Blocks)>),
}

/// The file and its outboard, opened, when their lengths are the record's.
async fn open(state: &AppState, dataset: u64, served: &Served) -> Result<Sources, ApiError> {
	let size = served.size;
	let missing = |what: &str| {
		ApiError::not_found(format!("the provider has not stored dataset {dataset}'s {what} here"))
	};
	let (data_key, outboard_key) = (object::data(dataset), object::outboard(dataset));
	let (sources, data_len, outboard_len_found) = match state.store.location() {
		Location::Dir(store) => {
			let open = |name: &str| {
				let path = store.join(name);
				async move {
					let file = tokio::fs::File::open(path).await.ok()?;
					let len = file.metadata().await.ok()?.len();
					Some((file.into_std().await, len))
				}
			};
			let (data, data_len) = open(&data_key).await.ok_or_else(|| missing("file"))?;
			let (outboard, outboard_len) = open(&outboard_key)
				.await
				.ok_or_else(|| missing("BLAKE3 outboard (data.obao)"))?;
			(Sources::Files(data, outboard), data_len, outboard_len)
		},
		Location::Bucket { .. } => {
			let size_of = |key| async move { state.store.size(key).await.map_err(store_error) };
			let data_len = size_of(&data_key).await?.ok_or_else(|| missing("file"))?;
			let outboard_len = size_of(&outboard_key)
				.await?
				.ok_or_else(|| missing("BLAKE3 outboard (data.obao)"))?;
			// Nothing is read before the lengths are checked below.
			let runtime = tokio::runtime::Handle::current();
			let object = |key, len| Object::new(state.store.clone(), key, len, runtime.clone());
			let sources = Sources::Objects(Box::new((
				Sequential::new(object(data_key, data_len), served.range.clone()),
				Blocks::new(object(outboard_key, outboard_len)),
			)));
			(sources, data_len, outboard_len)
		},
	};
	if data_len != size || outboard_len_found != outboard_len(size) {
		tracing::error!(target: "delivery", dataset, data_len, outboard_len = outboard_len_found, size, "the stored file or outboard does not fit the record");
		return Err(ApiError::new(
			StatusCode::CONFLICT,
			format!("the provider's copy of dataset {dataset} or its outboard is not the registered one"),
		));
	}
	Ok(sources)
}

/// A writer that hands what the encoder writes to the response body in
/// pieces of [`PIECE`] bytes.
struct ToBody {
	sender: mpsc::Sender<io::Result<Vec<u8>>>,
	piece: Vec<u8>,
	runtime: tokio::runtime::Handle,
}

/// 256 KiB: a hand-off to the body (a wake-up of each side) per 16 groups;
/// with the channel's 4, a stream holds about 1.3 MiB.
const PIECE: usize = 256 * 1024;

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

/// The stream of `served` from `sources`, encoded on a blocking thread (the
/// encoder reads by position) as the body is sent.
fn body(
	dataset: u64,
	served: Served,
	sources: Sources,
	slot: OwnedSemaphorePermit,
) -> impl futures::Stream<Item = io::Result<Bytes>> + Send + Unpin + 'static {
	let (sender, mut receiver) = mpsc::channel(4);
	let runtime = tokio::runtime::Handle::current();
	tokio::task::spawn_blocking(move || {
		let _slot = slot;
		let mut out = ToBody { sender: sender.clone(), piece: Vec::with_capacity(PIECE), runtime };
		let (root, size, range) = (served.root, served.size, &served.range);
		let result = match sources {
			Sources::Files(data, outboard) => {
				verified::encode(root, size, range, &data, &outboard, &mut out)
			},
			Sources::Objects(objects) => {
				let (data, outboard) = *objects;
				verified::encode(root, size, range, data, outboard, &mut out)
			},
		}
		.and_then(|()| io::Write::flush(&mut out));
		if let Err(e) = result {
			if e.kind() != io::ErrorKind::BrokenPipe {
				tracing::error!(target: "delivery", dataset, "the verified stream broke off: {e}");
				// The body ends in an error, so the requester sees it cut.
				let _ = sender.try_send(Err(e));
			}
		}
	});
	futures::StreamExt::map(futures::stream::poll_fn(move |cx| receiver.poll_recv(cx)), |piece| {
		piece.map(Bytes::from)
	})
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
	// Metered as any read: from the first byte it is a delivery.
	if let Err(e) = delivery.spend(&state, served.range.start) {
		return refuse(e);
	}
	let sources = match open(&state, dataset, &served).await {
		Ok(sources) => sources,
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
	let bytes = body(dataset, served, sources, slot);
	let mut response =
		delivery.watched(&state, &credentials.account, dataset, bytes).into_response();
	response.headers_mut().insert(header::CONTENT_LENGTH, HeaderValue::from(length));
	delivery.describe(response.headers_mut());
	response
}
