//! A provider's data store: where its gateway serves the datasets' files
//! from, and where `citychain register --store` and `citychain approve
//! --store` put them. A local directory, or an S3-compatible bucket
//! (`s3://bucket/prefix`) whose endpoint, region and credentials come from
//! the usual AWS variables (`AWS_ENDPOINT_URL`, `AWS_REGION`,
//! `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`), behind the `object_store`
//! crate. Objects are named alike in either:
//!
//! ```text
//! <dataset>/data        the registered file (a provider may keep only the next two)
//! <dataset>/data.enc    the file encrypted once, under the dataset's data key
//! <dataset>/data.key    that key sealed to the owning department's encryption key
//! <dataset>/data.obao   its BLAKE3 outboard, when its hash is blake3 (`crate::verified`)
//! <dataset>/data.parts/<n>, <dataset>/data.enc.parts/<n>
//!                       parts of the file or its encryption received by the
//!                       gateway's uploads in parts, until they are assembled
//! ```
//!
//! Writes go as multipart uploads of [`PART`] bytes (larger for an object of
//! over [`MAX_PARTS`] of them: [`part_size`]), a few at a time, so a file of
//! any size passes through in bounded memory; an object appears only
//! when its upload completes (S3 completes a multipart upload at once, the
//! local store renames its staging file), so a reader never sees half a
//! file, and an upload refused midway leaves nothing.

use crate::crypt;
use bytes::Bytes;
use futures::{stream::BoxStream, StreamExt, TryStreamExt};
pub use object_store::GetRange;
use object_store::{
	aws::AmazonS3Builder, local::LocalFileSystem, path::Path as Key, prefix::PrefixStore,
	GetOptions, GetResultPayload, ObjectStore, WriteMultipart,
};
use std::{ops::Range, path::PathBuf, sync::Arc};
use tokio::io::{AsyncRead, AsyncReadExt};

/// Bytes of one part of a multipart upload of up to [`MAX_PARTS`] × 8 MiB
/// (S3 takes parts of 5 MiB and more); a larger object has larger parts
/// ([`part_size`]).
pub const PART: usize = 8 << 20;
/// Parts one multipart upload may have (S3's limit).
pub const MAX_PARTS: u64 = 10_000;
/// Parts of one upload in flight at once.
const PARTS_IN_FLIGHT: usize = 2;
/// The part size of a multipart upload of `size` bytes: [`PART`], or for an
/// object over [`MAX_PARTS`] parts of it, whole MiB that make at most
/// [`MAX_PARTS`] parts (a 1 TB file: parts of 96 MiB). A writer holds about
/// [`PARTS_IN_FLIGHT`] + 1 parts in memory.
pub fn part_size(size: u64) -> usize {
	const MIB: u64 = 1 << 20;
	let least = size.div_ceil(MAX_PARTS).div_ceil(MIB) * MIB;
	usize::try_from(least).map_or(usize::MAX, |least| least.max(PART))
}

/// Bytes a local file is read in at a time.
const READ_CHUNK: usize = 256 << 10;

/// The names of a dataset's objects in a store (a path under a directory,
/// a key in a bucket).
pub mod object {
	/// The registered file, whose hash is the one on chain.
	pub fn data(dataset: u64) -> String {
		format!("{dataset}/data")
	}

	/// The BLAKE3 outboard of the registered file (bao-tree's post-order
	/// hash pairs, see `crate::verified`), from which the gateway serves
	/// verified ranges; only for a file whose content hash is blake3.
	pub fn outboard(dataset: u64) -> String {
		format!("{dataset}/data.obao")
	}

	/// The file encrypted once (`crate::crypt`) under the dataset's own data
	/// key: what every contract whose approval carried a key envelope is
	/// delivered, whatever the number of contracts.
	pub fn sealed(dataset: u64) -> String {
		format!("{dataset}/data.enc")
	}

	/// That data key sealed (`crate::envelope`) to the owning department's
	/// encryption key: how the provider's officers open the encryption and
	/// seal its key to a consumer without encrypting anything again.
	pub fn key_envelope(dataset: u64) -> String {
		format!("{dataset}/data.key")
	}

	/// Part `n` (from 0) of object `object` as an upload in parts received
	/// it, until the parts are assembled into `object`.
	pub fn part(object: &str, n: u64) -> String {
		format!("{}{n}", parts(object))
	}

	/// The prefix of the names of `object`'s [`part`]s.
	pub fn parts(object: &str) -> String {
		format!("{object}.parts/")
	}

	/// The number of a [`part`] of `object` from its name.
	pub fn parse_part(object: &str, name: &str) -> Option<u64> {
		let n = name.strip_prefix(&parts(object))?;
		if n.is_empty() || n.len() > 20 || !n.bytes().all(|b| b.is_ascii_digit()) {
			return None;
		}
		n.parse().ok()
	}

	/// A copy encrypted for one contract alone, as stores held them before
	/// one encryption per dataset; `citychain store migrate` turns them into
	/// [`sealed`].
	pub fn contract_copy(dataset: u64, contract: u64) -> String {
		format!("{dataset}/contract-{contract}.enc")
	}

	/// The dataset and contract of a [`contract_copy`]'s name.
	pub fn parse_contract_copy(name: &str) -> Option<(u64, u64)> {
		let (dataset, file) = name.split_once('/')?;
		let contract = file.strip_prefix("contract-")?.strip_suffix(".enc")?;
		Some((dataset.parse().ok()?, contract.parse().ok()?))
	}
}

/// Where the store is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Location {
	/// A local directory.
	Dir(PathBuf),
	/// An S3 bucket, and the prefix of the gateway's objects in it.
	Bucket { bucket: String, prefix: String },
}

impl Location {
	/// `s3://bucket[/prefix]`, or a directory's path.
	pub fn parse(text: &str) -> Result<Self, String> {
		let Some(rest) = text.strip_prefix("s3://") else {
			if text.contains("://") {
				return Err(format!("{text}: a store is a directory or s3://bucket/prefix"));
			}
			return Ok(Self::Dir(text.into()));
		};
		let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
		if bucket.is_empty() {
			return Err(format!("{text}: the store's URL names no bucket"));
		}
		Ok(Self::Bucket { bucket: bucket.into(), prefix: prefix.trim_matches('/').into() })
	}
}

impl std::fmt::Display for Location {
	fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
		match self {
			Self::Dir(dir) => write!(f, "{}", dir.display()),
			Self::Bucket { bucket, prefix } => write!(f, "s3://{bucket}/{prefix}"),
		}
	}
}

/// A failure of the store itself (not a missing object).
#[derive(Debug)]
pub struct StoreError(String);

impl std::fmt::Display for StoreError {
	fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
		f.write_str(&self.0)
	}
}

impl std::error::Error for StoreError {}

impl From<object_store::Error> for StoreError {
	fn from(e: object_store::Error) -> Self {
		Self(e.to_string())
	}
}

impl From<std::io::Error> for StoreError {
	fn from(e: std::io::Error) -> Self {
		Self(e.to_string())
	}
}

/// The gateway's data store.
#[derive(Clone)]
pub struct Store {
	objects: Arc<dyn ObjectStore>,
	location: Location,
}

/// An object being read: its whole size, the range read and its bytes.
pub struct Read {
	pub size: u64,
	pub range: Range<u64>,
	pub bytes: BoxStream<'static, Result<Bytes, StoreError>>,
}

impl Store {
	/// Opens the store at `location`; a local directory is made if missing.
	pub fn open(location: Location) -> Result<Self, String> {
		let objects: Arc<dyn ObjectStore> = match &location {
			Location::Dir(dir) => {
				std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
				Arc::new(
					LocalFileSystem::new_with_prefix(dir)
						.map_err(|e| format!("{}: {e}", dir.display()))?,
				)
			},
			Location::Bucket { bucket, prefix } => {
				let mut builder = AmazonS3Builder::from_env().with_bucket_name(bucket);
				// An operator who names a plain-HTTP endpoint (a test server, a
				// bucket on the same host) means it.
				if std::env::var("AWS_ENDPOINT_URL")
					.or_else(|_| std::env::var("AWS_ENDPOINT"))
					.is_ok_and(|e| e.starts_with("http://"))
				{
					builder = builder.with_allow_http(true);
				}
				let s3 = builder.build().map_err(|e| format!("{location}: {e}"))?;
				if prefix.is_empty() {
					Arc::new(s3)
				} else {
					Arc::new(PrefixStore::new(s3, prefix.as_str()))
				}
			},
		};
		Ok(Self { objects, location })
	}

	/// Where the store is.
	pub fn location(&self) -> &Location {
		&self.location
	}

	/// The size of object `key`, `None` if there is none.
	pub async fn size(&self, key: &str) -> Result<Option<u64>, StoreError> {
		match self.objects.head(&Key::from(key)).await {
			Ok(meta) => Ok(Some(meta.size)),
			Err(object_store::Error::NotFound { .. }) => Ok(None),
			Err(e) => Err(e.into()),
		}
	}

	/// Reads `range` of object `key` (all of it if `None`); `None` if there
	/// is no such object. `range` must lie within the object.
	pub async fn read(
		&self,
		key: &str,
		range: Option<Range<u64>>,
	) -> Result<Option<Read>, StoreError> {
		self.get(key, range.map(GetRange::Bounded)).await
	}

	/// Reads `range` of object `key` (all of it if `None`) in one request,
	/// which also tells the object's size ([`Read::size`]); `None` if there
	/// is no such object. A range that ends past the object is cut at its
	/// end; one that starts past it is an error.
	pub async fn get(
		&self,
		key: &str,
		range: Option<GetRange>,
	) -> Result<Option<Read>, StoreError> {
		let options = GetOptions { range, ..Default::default() };
		let got = match self.objects.get_opts(&Key::from(key), options).await {
			Ok(got) => got,
			Err(object_store::Error::NotFound { .. }) => return Ok(None),
			Err(e) => return Err(e.into()),
		};
		let (size, range) = (got.meta.size, got.range.clone());
		let bytes = match got.payload {
			// A local file is read in large pieces: `object_store` reads 8 KiB
			// at a time, each on a blocking thread of its own.
			GetResultPayload::File(file, _) => {
				use tokio::io::AsyncSeekExt;
				let mut file = tokio::fs::File::from_std(file);
				file.seek(std::io::SeekFrom::Start(range.start)).await?;
				let limited = file.take(range.end - range.start);
				tokio_util::io::ReaderStream::with_capacity(limited, READ_CHUNK)
					.map_err(StoreError::from)
					.boxed()
			},
			GetResultPayload::Stream(stream) => stream.map_err(StoreError::from).boxed(),
		};
		Ok(Some(Read { size, range, bytes }))
	}

	/// Starts writing object `key`, of about `size` bytes (which sets the
	/// size of its parts); it appears when [`Writer::finish`] completes.
	pub async fn write(&self, key: &str, size: u64) -> Result<Writer, StoreError> {
		let upload = self.objects.put_multipart(&Key::from(key)).await?;
		Ok(Writer(WriteMultipart::new_with_chunk_size(upload, part_size(size))))
	}

	/// Object `key` whole, if there is one of at most `max` bytes; a larger
	/// one is an error (small objects only: key envelopes).
	pub async fn get_small(&self, key: &str, max: u64) -> Result<Option<Vec<u8>>, StoreError> {
		match self.size(key).await? {
			None => Ok(None),
			Some(size) if size > max => {
				Err(StoreError(format!("{key} has {size} bytes, more than the {max} it may")))
			},
			Some(_) => {
				let Some(read) = self.read(key, None).await? else { return Ok(None) };
				let parts: Vec<Bytes> = read.bytes.try_collect().await?;
				Ok(Some(parts.concat()))
			},
		}
	}

	/// Writes object `key` with `bytes` at once, unless there is one: `false`
	/// if there was (and it is left as it was). The first of two writers at
	/// once wins, in a directory and in a bucket (`If-None-Match: *`).
	pub async fn create(&self, key: &str, bytes: Vec<u8>) -> Result<bool, StoreError> {
		let options =
			object_store::PutOptions { mode: object_store::PutMode::Create, ..Default::default() };
		match self.objects.put_opts(&Key::from(key), bytes.into(), options).await {
			Ok(_) => Ok(true),
			Err(object_store::Error::AlreadyExists { .. }) => Ok(false),
			Err(e) => Err(e.into()),
		}
	}

	/// The names of every object in the store.
	pub async fn list(&self) -> Result<Vec<String>, StoreError> {
		let metas: Vec<_> = self.objects.list(None).try_collect().await?;
		Ok(metas.into_iter().map(|m| m.location.to_string()).collect())
	}

	/// The names and sizes of the objects whose names begin with `prefix`,
	/// which ends with `/`.
	pub async fn list_under(&self, prefix: &str) -> Result<Vec<(String, u64)>, StoreError> {
		let key = Key::from(prefix.trim_end_matches('/'));
		let metas: Vec<_> = match self.objects.list(Some(&key)).try_collect().await {
			Ok(metas) => metas,
			Err(object_store::Error::NotFound { .. }) => Vec::new(),
			Err(e) => return Err(e.into()),
		};
		Ok(metas.into_iter().map(|m| (m.location.to_string(), m.size)).collect())
	}

	/// Removes object `key`, if there is one.
	pub async fn remove(&self, key: &str) -> Result<(), StoreError> {
		match self.objects.delete(&Key::from(key)).await {
			Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
			Err(e) => Err(e.into()),
		}
	}
}

/// An object being written in parts.
pub struct Writer(WriteMultipart);

impl Writer {
	/// Adds `bytes`, waiting while [`PARTS_IN_FLIGHT`] parts are being sent.
	pub async fn write(&mut self, bytes: &[u8]) -> Result<(), StoreError> {
		self.0.wait_for_capacity(PARTS_IN_FLIGHT).await?;
		self.0.write(bytes);
		Ok(())
	}

	/// Writes everything `input` yields; `seen` gets each piece (to hash it
	/// on the way). The bytes written.
	pub async fn copy_from(
		&mut self,
		mut input: impl AsyncRead + Unpin,
		mut seen: impl FnMut(&[u8]),
	) -> Result<u64, StoreError> {
		let mut buf = vec![0u8; READ_CHUNK];
		let mut total = 0;
		loop {
			let n = input.read(&mut buf).await?;
			if n == 0 {
				return Ok(total);
			}
			seen(&buf[..n]);
			self.write(&buf[..n]).await?;
			total += n as u64;
		}
	}

	/// Writes everything `input` yields encrypted under `key` (see
	/// `crate::crypt`), a batch of chunks at a time; `seen` gets each piece
	/// of plaintext before it is sealed. The plaintext bytes read.
	pub async fn seal_from(
		&mut self,
		key: &[u8; crypt::KEY_LEN],
		mut input: impl AsyncRead + Unpin,
		mut seen: impl FnMut(&[u8]),
	) -> crate::Result<u64> {
		let (mut stream, header) = crypt::Stream::seal(key);
		self.write(&header).await?;
		let (mut batch, mut ahead) = (vec![0u8; crypt::BATCH], vec![0u8; crypt::BATCH]);
		let mut plain = fill_chunks(&mut input, &mut batch).await?;
		let mut total = 0;
		loop {
			// A full batch is the last only if nothing follows it.
			let full = plain == crypt::BATCH_CHUNKS * crypt::CHUNK;
			let next = if full { fill_chunks(&mut input, &mut ahead).await? } else { 0 };
			let last = next == 0;
			let segments = &mut batch[..crypt::laid_len(plain, last)];
			crypt::plain_parts(segments).for_each(&mut seen);
			stream.seal_segments(segments, last)?;
			self.write(segments).await?;
			total += plain as u64;
			if last {
				return Ok(total);
			}
			std::mem::swap(&mut batch, &mut ahead);
			plain = next;
		}
	}

	/// Completes the object.
	pub async fn finish(self) -> Result<(), StoreError> {
		self.0.finish().await?;
		Ok(())
	}

	/// Gives the object up: nothing of it remains.
	pub async fn abort(self) {
		if let Err(e) = self.0.abort().await {
			tracing::warn!(target: "store", "an aborted upload left parts behind: {e}");
		}
	}
}

/// Reads into the chunks' places of `segments` (see `crate::crypt`) until
/// they are full or the input ends; the bytes read.
async fn fill_chunks(
	input: &mut (impl AsyncRead + Unpin),
	segments: &mut [u8],
) -> std::io::Result<usize> {
	let mut filled = 0;
	for place in crypt::plain_parts_mut(segments) {
		let mut done = 0;
		while done < place.len() {
			match input.read(&mut place[done..]).await? {
				0 => return Ok(filled + done),
				n => done += n,
			}
		}
		filled += done;
	}
	Ok(filled)
}

impl Read {
	/// The bytes as an `AsyncRead`.
	pub fn into_async_read(self) -> impl AsyncRead + Unpin {
		tokio_util::io::StreamReader::new(
			self.bytes.map_err(|e| std::io::Error::other(e.to_string())),
		)
	}
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn parts_are_named_after_their_object() {
		let object = object::sealed(7);
		assert_eq!(object::part(&object, 12), "7/data.enc.parts/12");
		assert_eq!(object::parse_part(&object, "7/data.enc.parts/12"), Some(12));
		assert_eq!(object::parse_part(&object::data(7), "7/data.enc.parts/12"), None);
		assert_eq!(object::parse_part(&object, "7/data.enc.parts/x"), None);
		assert_eq!(object::parse_part(&object, "7/data.enc.parts/"), None);
	}

	#[test]
	fn objects_are_named_by_dataset() {
		assert_eq!(object::data(7), "7/data");
		assert_eq!(object::outboard(7), "7/data.obao");
		assert_eq!(object::sealed(7), "7/data.enc");
		assert_eq!(object::key_envelope(7), "7/data.key");
		assert_eq!(object::parse_contract_copy(&object::contract_copy(7, 12)), Some((7, 12)));
		for other in ["7/data", "7/data.enc", "x/contract-1.enc", "7/contract-.enc", "7"] {
			assert_eq!(object::parse_contract_copy(other), None, "{other}");
		}
	}

	#[test]
	fn a_store_is_a_directory_or_a_bucket() {
		assert_eq!(Location::parse("/srv/data").unwrap(), Location::Dir("/srv/data".into()));
		assert_eq!(
			Location::parse("s3://city-data/transport/gateway/").unwrap(),
			Location::Bucket { bucket: "city-data".into(), prefix: "transport/gateway".into() }
		);
		assert_eq!(
			Location::parse("s3://city-data").unwrap(),
			Location::Bucket { bucket: "city-data".into(), prefix: String::new() }
		);
		assert!(Location::parse("s3:///prefix").is_err());
		assert!(Location::parse("gs://bucket").is_err());
	}

	#[tokio::test]
	async fn an_object_appears_whole_once_its_upload_completes() {
		let dir = tempfile::tempdir().unwrap();
		let store = Store::open(Location::Dir(dir.path().into())).unwrap();
		let body: Vec<u8> = (0..PART * 2 + 1000).map(|i| (i % 251) as u8).collect();
		let mut writer = store.write("7/data", 0).await.unwrap();
		for piece in body.chunks(100_000) {
			writer.write(piece).await.unwrap();
		}
		assert_eq!(store.size("7/data").await.unwrap(), None, "not before it completes");
		writer.finish().await.unwrap();
		assert_eq!(store.size("7/data").await.unwrap(), Some(body.len() as u64));
		let read = store.read("7/data", Some(10..PART as u64 + 20)).await.unwrap().unwrap();
		assert_eq!((read.size, read.range.clone()), (body.len() as u64, 10..PART as u64 + 20));
		let bytes: Vec<Bytes> = read.bytes.try_collect().await.unwrap();
		assert_eq!(bytes.concat(), body[10..PART + 20]);
		assert!(store.read("8/data", None).await.unwrap().is_none());
	}

	#[tokio::test]
	async fn a_sealed_object_decrypts_to_its_input() {
		let dir = tempfile::tempdir().unwrap();
		let store = Store::open(Location::Dir(dir.path().into())).unwrap();
		let key = crypt::data_key();
		let batch = crypt::BATCH_CHUNKS * crypt::CHUNK;
		for len in [0, 1, crypt::CHUNK, crypt::CHUNK + 1, 3 * crypt::CHUNK, batch, 2 * batch + 3] {
			let plain: Vec<u8> = (0..len).map(|i| (i % 7) as u8).collect();
			let (mut writer, mut seen) = (store.write("1/data.enc", 0).await.unwrap(), 0);
			let read = writer.seal_from(&key, &plain[..], |p| seen += p.len()).await.unwrap();
			writer.finish().await.unwrap();
			assert_eq!((read, seen), (len as u64, len));
			let sealed = std::fs::read(dir.path().join("1/data.enc")).unwrap();
			assert_eq!(sealed.len() as u64, crypt::encrypted_len(len as u64), "{len}");
			assert_eq!(crypt::tests::open(&key, &sealed, 1000).unwrap(), plain, "{len}");
		}
	}

	#[tokio::test]
	async fn the_first_of_two_creations_wins() {
		let dir = tempfile::tempdir().unwrap();
		let store = Store::open(Location::Dir(dir.path().into())).unwrap();
		assert!(store.create("7/data.key", vec![1; 80]).await.unwrap());
		assert!(!store.create("7/data.key", vec![2; 80]).await.unwrap());
		assert_eq!(store.get_small("7/data.key", 256).await.unwrap(), Some(vec![1; 80]));
	}

	#[tokio::test]
	async fn an_aborted_upload_leaves_nothing() {
		let dir = tempfile::tempdir().unwrap();
		let store = Store::open(Location::Dir(dir.path().into())).unwrap();
		let mut writer = store.write("7/data", 0).await.unwrap();
		writer.write(&[1; 1000]).await.unwrap();
		writer.abort().await;
		assert_eq!(store.size("7/data").await.unwrap(), None);
		let left: Vec<_> = walk(dir.path());
		assert!(left.is_empty(), "{left:?}");
	}

	fn walk(dir: &std::path::Path) -> Vec<PathBuf> {
		std::fs::read_dir(dir)
			.unwrap()
			.flat_map(|e| {
				let path = e.unwrap().path();
				if path.is_dir() {
					walk(&path)
				} else {
					vec![path]
				}
			})
			.collect()
	}

	#[test]
	fn parts_grow_with_the_object_to_stay_within_s3s_count() {
		assert_eq!(part_size(0), PART);
		assert_eq!(part_size(MAX_PARTS * PART as u64), PART, "80 GB in 8 MiB parts");
		for size in [MAX_PARTS * PART as u64 + 1, 1_000_000_000_000, 5 << 40] {
			let part = part_size(size) as u64;
			assert!(part > PART as u64 && part.is_multiple_of(1 << 20), "{size}: {part}");
			assert!(size.div_ceil(part) <= MAX_PARTS, "{size} in parts of {part}");
		}
		assert_eq!(part_size(1_000_000_000_000), 96 << 20, "a 1 TB file");
	}
}
