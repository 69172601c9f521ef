//! Verified streaming of BLAKE3 content (multicodec `0x1e`), as iroh-blobs
//! does it with `bao-tree`: beside the file, its outboard (the inner hashes
//! of the file's BLAKE3 tree), from which any byte range is sent with the
//! hashes that prove it against the root, the digest on chain. A receiver
//! checks each chunk group as it arrives, keeps the groups it checked, and
//! later asks for the rest only.
//!
//! Two formats, both bao-tree's, for chunk groups of [`GROUP`] bytes:
//!
//! - the outboard ([`object::outboard`]): the 64-byte hash pairs
//!   (left, right) of the tree's parent nodes in post order, and nothing
//!   else (the size is the file's). Post order, because then it is written
//!   front to back while the file streams past once ([`OutboardBuilder`]).
//! - a range's stream (the gateway's `GET /data/{id}/verified`): the chunk
//!   groups that cover the range, whole, each after the hash pairs of the
//!   parents above it that the stream has not sent yet (pre order).

use crate::store::{object, Store, StoreError, Writer};
use bao_tree::{
	blake3,
	io::{
		outboard::PostOrderOutboard,
		sync::{encode_ranges, DecodeResponseIter, ReadAt, Size, WriteAt},
		BaoContentItem, DecodeError,
	},
	iter::{BaoChunk, PostOrderChunkIter},
	BaoTree, BlockSize, ChunkNum, ChunkRanges, TreeNode,
};
use citychain_primitives::hashing::HashFunction;
use std::{
	fmt,
	io::{self, Read, Write},
	ops::Range,
};

/// A BLAKE3 hash: the root of a file's tree.
pub use bao_tree::blake3::Hash;

/// Chunk groups of 16 KiB (16 BLAKE3 chunks), as iroh-blobs uses them. The
/// outboard and a stream's proof cost 64 bytes a group (0.4 % of the file),
/// and a refused group loses at most 16 KiB. Single 1 KiB chunks would cost
/// 6 %; larger groups would check later and lose more at a bad one.
pub const BLOCK_SIZE: BlockSize = BlockSize::from_chunk_log(4);

/// The bytes in a chunk group.
pub const GROUP: u64 = BLOCK_SIZE.bytes() as u64;

/// The tree of a file of `size` bytes.
fn tree(size: u64) -> BaoTree {
	BaoTree::new(size, BLOCK_SIZE)
}

/// The length of the outboard of a file of `size` bytes.
pub fn outboard_len(size: u64) -> u64 {
	tree(size).outboard_size()
}

/// The root hash in a digest on chain; `None` unless it has 32 bytes.
pub fn root(digest: &[u8]) -> Option<blake3::Hash> {
	<[u8; 32]>::try_from(digest).ok().map(blake3::Hash::from)
}

/// The whole chunk groups that cover bytes `start..end` of a file of `size`
/// bytes (`end` is cut to `size`). Whole groups, so that a stream carries no
/// proofs inside a group and its length is known before it is sent.
pub fn group_range(size: u64, start: u64, end: u64) -> Range<u64> {
	let end = end.min(size);
	let start = start.min(end) / GROUP * GROUP;
	start..end.div_ceil(GROUP).saturating_mul(GROUP).min(size)
}

fn chunk_ranges(range: &Range<u64>) -> ChunkRanges {
	if range.is_empty() {
		return ChunkRanges::empty();
	}
	ChunkRanges::from(ChunkNum::full_chunks(range.start)..ChunkNum::chunks(range.end))
}

/// The length of the stream of `range` (from [`group_range`]) of a file of
/// `size` bytes: its groups and their proof, 64 bytes for each parent of
/// the tree whose groups meet the range. Counted down the tree's edges of
/// the range, in steps of the order of its depth, not of its groups.
pub fn stream_len(size: u64, range: &Range<u64>) -> u64 {
	if range.is_empty() {
		return 0;
	}
	let groups = range.start / GROUP..range.end.div_ceil(GROUP);
	(range.end - range.start) + 64 * parents_meeting(0, size.div_ceil(GROUP), &groups)
}

/// The parents in the subtree of `count` chunk groups from group `first`
/// whose groups meet `groups`. BLAKE3's left subtree holds the largest
/// power of two of groups below the count.
fn parents_meeting(first: u64, count: u64, groups: &Range<u64>) -> u64 {
	let end = first + count;
	if count < 2 || groups.end <= first || end <= groups.start {
		return 0;
	}
	if groups.start <= first && end <= groups.end {
		// A whole subtree of `count` leaves has `count - 1` parents.
		return count - 1;
	}
	let left = 1 << (63 - (count - 1).leading_zeros());
	1 + parents_meeting(first, left, groups) + parents_meeting(first + left, count - left, groups)
}

/// Writes the stream of `range` (from [`group_range`]) of `data`, a file of
/// `size` bytes whose BLAKE3 hash is `root`, with its `outboard`. The data
/// is not checked here: the receiver checks every group.
pub fn encode(
	root: blake3::Hash,
	size: u64,
	range: &Range<u64>,
	data: impl ReadAt + Size,
	outboard: impl ReadAt,
	out: impl Write,
) -> io::Result<()> {
	let outboard = PostOrderOutboard { root, tree: tree(size), data: outboard };
	Ok(encode_ranges(data, outboard, &chunk_ranges(range), out)?)
}

/// Why a stream was refused.
#[derive(Debug)]
pub enum VerifyError {
	/// The chunk group at byte `offset` is not the one the root hash covers.
	BadGroup { offset: u64 },
	/// The hashes that prove the bytes from `offset` on do not lead to the root.
	BadProof { offset: u64 },
	/// The stream ended before the group or proof for byte `offset`.
	Truncated { offset: u64 },
	/// The bytes from `offset` that a resumed download already held do not
	/// match the hash on chain.
	BadPrefix { offset: u64 },
	/// The stream went on after the range's last group.
	TooLong,
	/// Writing the verified bytes failed.
	Io(io::Error),
}

impl fmt::Display for VerifyError {
	fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
		match self {
			Self::BadGroup { offset } => write!(
				f,
				"the chunk group at byte offset {offset} does not match the BLAKE3 hash on chain"
			),
			Self::BadProof { offset } => write!(
				f,
				"the proof for the bytes from offset {offset} does not lead to the BLAKE3 hash on chain"
			),
			Self::BadPrefix { offset } => write!(
				f,
				"the bytes kept from offset {offset} by an earlier download do not match the BLAKE3 hash on chain"
			),
			Self::Truncated { offset } => write!(f, "the stream ended at byte offset {offset}"),
			Self::TooLong => f.write_str("the stream went on after the range it was asked for"),
			Self::Io(e) => write!(f, "{e}"),
		}
	}
}

impl std::error::Error for VerifyError {}

impl From<io::Error> for VerifyError {
	fn from(e: io::Error) -> Self {
		Self::Io(e)
	}
}

fn node_offset(node: TreeNode) -> u64 {
	node.chunk_range().start.to_bytes()
}

impl From<DecodeError> for VerifyError {
	fn from(e: DecodeError) -> Self {
		match e {
			DecodeError::LeafHashMismatch(chunk) => Self::BadGroup { offset: chunk.to_bytes() },
			DecodeError::ParentHashMismatch(node) => Self::BadProof { offset: node_offset(node) },
			DecodeError::LeafNotFound(chunk) => Self::Truncated { offset: chunk.to_bytes() },
			DecodeError::ParentNotFound(node) => Self::Truncated { offset: node_offset(node) },
			DecodeError::Io(e) => Self::Io(e),
		}
	}
}

/// Reads the stream of `range` (from [`group_range`]) of a file of `size`
/// bytes whose BLAKE3 hash is `root` from `encoded`, checking each chunk
/// group before it writes it into `data` at its offset. Stops at the first
/// group or proof that does not check; what was written before it stays.
/// `progress` gets each group's length.
///
/// The first `held` bytes of `data`, which a resumed download kept from
/// an earlier run, are checked too, against the proof of the range: the
/// hashes the stream brings for the subtrees left of the range are compared
/// with the hashes of those bytes, read from `data`. A fresh download
/// holds none (0).
pub fn decode(
	root: blake3::Hash,
	size: u64,
	range: &Range<u64>,
	held: u64,
	mut encoded: impl Read,
	mut data: impl ReadAt + WriteAt,
	mut progress: impl FnMut(u64),
) -> Result<(), VerifyError> {
	let ranges = chunk_ranges(range);
	// Consecutive groups checked are written together, up to 1 MiB a write;
	// those checked before a failure are written before it is returned.
	let mut checked = Checked { at: range.start, bytes: Vec::with_capacity(WRITE) };
	for item in DecodeResponseIter::new(root, tree(size), &mut encoded, &ranges) {
		let item = match item {
			Ok(item) => item,
			Err(e) => {
				checked.write(&mut data, &mut progress)?;
				return Err(e.into());
			},
		};
		match item {
			BaoContentItem::Parent(parent) => {
				let left = node_offset(parent.node)..parent.node.mid().to_bytes();
				let kept = left.end <= held.min(range.start);
				if kept && subtree_hash(&data, &left)? != parent.pair.0 {
					return Err(VerifyError::BadPrefix { offset: left.start });
				}
			},
			BaoContentItem::Leaf(leaf) => {
				let next = checked.at + checked.bytes.len() as u64;
				if next != leaf.offset || checked.bytes.len() + leaf.data.len() > WRITE {
					checked.write(&mut data, &mut progress)?;
					checked.at = leaf.offset;
				}
				checked.bytes.extend_from_slice(&leaf.data);
			},
		}
	}
	checked.write(&mut data, &mut progress)?;
	match encoded.read(&mut [0u8; 1])? {
		0 => Ok(()),
		_ => Err(VerifyError::TooLong),
	}
}

/// The most bytes [`decode`] writes at once.
const WRITE: usize = 1 << 20;

/// Consecutive bytes checked and not yet written, from offset `at`.
struct Checked {
	at: u64,
	bytes: Vec<u8>,
}

impl Checked {
	fn write(&mut self, data: &mut impl WriteAt, progress: &mut impl FnMut(u64)) -> io::Result<()> {
		data.write_all_at(self.at, &self.bytes)?;
		progress(self.bytes.len() as u64);
		self.at += self.bytes.len() as u64;
		self.bytes.clear();
		Ok(())
	}
}

/// The BLAKE3 hash of the whole subtree of `bytes` of `data`: a left
/// child's, so never the root.
fn subtree_hash(data: impl ReadAt, bytes: &Range<u64>) -> io::Result<blake3::Hash> {
	use blake3::hazmat::HasherExt;
	let mut hasher = blake3::Hasher::new();
	hasher.set_input_offset(bytes.start);
	let mut buffer = vec![0u8; 1 << 20];
	let mut at = bytes.start;
	while at < bytes.end {
		let piece = &mut buffer[..(bytes.end - at).min(1 << 20) as usize];
		data.read_exact_at(at, piece)?;
		hasher.update(piece);
		at += piece.len() as u64;
	}
	Ok(hasher.finalize_non_root().into())
}

/// The outboard of a file of a known size, made while its bytes pass once
/// (as they are uploaded or copied).
pub struct OutboardBuilder {
	chunks: PostOrderChunkIter,
	/// The group being filled: its first chunk, its length, whether it is
	/// the whole tree.
	group: Option<(ChunkNum, usize, bool)>,
	buffer: Vec<u8>,
	/// The hashes of the subtrees whose parent is still to come.
	stack: Vec<blake3::Hash>,
	/// Hash pairs not yet taken.
	pairs: Vec<u8>,
}

impl OutboardBuilder {
	pub fn new(size: u64) -> Self {
		let mut builder = Self {
			chunks: tree(size).post_order_chunks_iter(),
			group: None,
			buffer: Vec::with_capacity(GROUP as usize),
			stack: Vec::new(),
			pairs: Vec::new(),
		};
		builder.next_group();
		builder
	}

	/// Merges the parents that are due, up to the next group.
	fn next_group(&mut self) {
		use blake3::hazmat::{merge_subtrees_non_root, merge_subtrees_root, Mode};
		self.group = None;
		for item in self.chunks.by_ref() {
			match item {
				BaoChunk::Parent { is_root, .. } => {
					let (Some(right), Some(left)) = (self.stack.pop(), self.stack.pop()) else {
						unreachable!("post order puts a parent after its two children; qed");
					};
					self.pairs.extend_from_slice(left.as_bytes());
					self.pairs.extend_from_slice(right.as_bytes());
					let (left, right) = (left.as_bytes(), right.as_bytes());
					self.stack.push(if is_root {
						merge_subtrees_root(left, right, Mode::Hash)
					} else {
						merge_subtrees_non_root(left, right, Mode::Hash).into()
					});
				},
				BaoChunk::Leaf { start_chunk, size, is_root, .. } => {
					self.group = Some((start_chunk, size, is_root));
					return;
				},
			}
		}
	}

	/// Hashes the group once it is full.
	fn close_group(&mut self) {
		use blake3::hazmat::HasherExt;
		let Some((start, size, is_root)) = self.group else { return };
		if self.buffer.len() < size {
			return;
		}
		self.stack.push(if is_root {
			blake3::hash(&self.buffer)
		} else {
			let mut hasher = blake3::Hasher::new();
			hasher.set_input_offset(start.to_bytes());
			hasher.update(&self.buffer);
			hasher.finalize_non_root().into()
		});
		self.buffer.clear();
		self.next_group();
	}

	/// The file's next bytes; an error past its size.
	pub fn update(&mut self, mut bytes: &[u8]) -> io::Result<()> {
		while !bytes.is_empty() {
			let Some((_, size, _)) = self.group else {
				return Err(io::Error::new(
					io::ErrorKind::InvalidInput,
					"more bytes than the outboard's file has",
				));
			};
			let take = (size - self.buffer.len()).min(bytes.len());
			self.buffer.extend_from_slice(&bytes[..take]);
			bytes = &bytes[take..];
			self.close_group();
		}
		Ok(())
	}

	/// The hash pairs made since the last call, to append to the outboard.
	pub fn take_pairs(&mut self) -> Vec<u8> {
		std::mem::take(&mut self.pairs)
	}

	/// The file's BLAKE3 hash and the last hash pairs; an error if the file
	/// had fewer bytes than its size.
	pub fn finish(mut self) -> io::Result<(blake3::Hash, Vec<u8>)> {
		// An empty file's one group is full before a byte arrives.
		self.close_group();
		match (self.group, self.stack.pop()) {
			(None, Some(root)) if self.stack.is_empty() => Ok((root, self.pairs)),
			_ => Err(io::Error::new(
				io::ErrorKind::UnexpectedEof,
				"fewer bytes than the outboard's file has",
			)),
		}
	}
}

/// The outboard of a file being written into a store, made from the same
/// pieces as the file and written beside it as object
/// [`object::outboard`]: a copy and its outboard in one pass.
pub struct OutboardWriter {
	builder: OutboardBuilder,
	out: Writer,
}

impl OutboardWriter {
	/// For `dataset`'s file of `size` bytes hashed with multicodec `code`;
	/// none unless that is blake3.
	pub async fn start(
		store: &Store,
		dataset: u64,
		code: u64,
		size: u64,
	) -> Result<Option<Self>, StoreError> {
		if code != HashFunction::Blake3.code() {
			return Ok(None);
		}
		let out = store.write(&object::outboard(dataset), outboard_len(size)).await?;
		Ok(Some(Self { builder: OutboardBuilder::new(size), out }))
	}

	/// The file's next bytes.
	pub async fn update(&mut self, bytes: &[u8]) -> Result<(), StoreError> {
		self.builder.update(bytes)?;
		self.out.write(&self.builder.take_pairs()).await
	}

	/// Completes the outboard once all of the file passed; the file's BLAKE3
	/// hash.
	pub async fn finish(mut self) -> Result<Hash, StoreError> {
		match self.builder.finish() {
			Ok((root, pairs)) => {
				self.out.write(&pairs).await?;
				self.out.finish().await?;
				Ok(root)
			},
			Err(e) => {
				self.out.abort().await;
				Err(e.into())
			},
		}
	}

	/// Gives the outboard up: nothing of it remains.
	pub async fn abort(self) {
		self.out.abort().await
	}
}

#[cfg(test)]
mod tests {
	use super::*;
	use bao_tree::io::outboard::PostOrderMemOutboard;

	/// Sizes on both sides of chunk and group boundaries and of the tree's
	/// levels.
	const SIZES: &[u64] = &[
		0, 1, 1023, 1024, 1025, 16383, 16384, 16385, 32767, 32768, 32769, 49152, 49153, 65536,
		65537, 200_000,
	];

	fn content(size: u64) -> Vec<u8> {
		(0..size).map(|i| (i % 251) as u8).collect()
	}

	/// The outboard made by the builder, fed in uneven pieces.
	fn outboard_of(data: &[u8]) -> (blake3::Hash, Vec<u8>) {
		let mut builder = OutboardBuilder::new(data.len() as u64);
		let mut pairs = Vec::new();
		for piece in data.chunks(7777) {
			builder.update(piece).unwrap();
			pairs.extend(builder.take_pairs());
		}
		let (root, last) = builder.finish().unwrap();
		pairs.extend(last);
		(root, pairs)
	}

	fn stream(data: &[u8], outboard: &[u8], range: &Range<u64>) -> Vec<u8> {
		let (root, size) = (blake3::hash(data), data.len() as u64);
		let mut out = Vec::new();
		encode(root, size, range, data, outboard, &mut out).unwrap();
		assert_eq!(out.len() as u64, stream_len(size, range));
		out
	}

	/// Decodes `encoded` into a fresh file; the file, and the outcome.
	fn receive(
		data: &[u8],
		range: &Range<u64>,
		encoded: &[u8],
	) -> (Vec<u8>, Result<(), VerifyError>) {
		let mut file = Vec::new();
		let result =
			decode(blake3::hash(data), data.len() as u64, range, 0, encoded, &mut file, |_| {});
		(file, result)
	}

	#[test]
	fn the_builder_makes_bao_trees_outboard_and_the_blake3_hash() {
		for &size in SIZES {
			let data = content(size);
			let (root, pairs) = outboard_of(&data);
			let reference = PostOrderMemOutboard::create(&data, BLOCK_SIZE);
			assert_eq!(root, blake3::hash(&data), "size {size}");
			assert_eq!(root, reference.root, "size {size}");
			assert_eq!(pairs, reference.data, "size {size}");
			assert_eq!(pairs.len() as u64, outboard_len(size), "size {size}");
		}
	}

	#[tokio::test]
	async fn an_outboard_written_into_a_store_is_bao_trees_outboard() {
		use crate::store::Location;
		let dir = tempfile::tempdir().unwrap();
		let store = Store::open(Location::Dir(dir.path().into())).unwrap();
		let data = content(100_000);
		let blake3 = HashFunction::Blake3.code();
		let none = OutboardWriter::start(&store, 7, HashFunction::Blake2b256.code(), 100_000);
		assert!(none.await.unwrap().is_none(), "only blake3 content has one");
		let mut writer = OutboardWriter::start(&store, 7, blake3, 100_000).await.unwrap().unwrap();
		for piece in data.chunks(7777) {
			writer.update(piece).await.unwrap();
		}
		assert_eq!(writer.finish().await.unwrap(), blake3::hash(&data));
		let pairs = std::fs::read(dir.path().join(object::outboard(7))).unwrap();
		assert_eq!(pairs, PostOrderMemOutboard::create(&data, BLOCK_SIZE).data);
	}

	#[test]
	fn the_builder_refuses_too_many_or_too_few_bytes() {
		let mut builder = OutboardBuilder::new(10);
		assert!(builder.update(&[0; 11]).is_err());
		let mut builder = OutboardBuilder::new(20_000);
		builder.update(&[0; 19_999]).unwrap();
		assert!(builder.finish().is_err());
	}

	/// The stream's length as bao-tree's iterator over its items counts it.
	fn stream_len_by_items(size: u64, range: &Range<u64>) -> u64 {
		tree(size)
			.ranges_pre_order_chunks_iter_ref(&chunk_ranges(range), 0)
			.map(|item| match item {
				BaoChunk::Parent { .. } => 64,
				BaoChunk::Leaf { size, .. } => size as u64,
			})
			.sum()
	}

	#[test]
	fn the_streams_length_is_counted_down_the_tree_as_its_items_add_up() {
		let sizes = SIZES.iter().copied().chain([GROUP * 37 + 5, GROUP * 64, GROUP * 1000 + 1]);
		for size in sizes.filter(|s| *s > 0) {
			let groups = size.div_ceil(GROUP);
			for first in (0..groups).step_by((groups as usize / 7).max(1)) {
				for last in (first + 1..=groups).step_by((groups as usize / 5).max(1)) {
					let range = group_range(size, first * GROUP, last * GROUP);
					assert_eq!(
						stream_len(size, &range),
						stream_len_by_items(size, &range),
						"size {size}, range {range:?}"
					);
				}
			}
		}
		assert_eq!(
			stream_len(1 << 50, &group_range(1 << 50, 0, u64::MAX)),
			(1 << 50) + (1 << 42) - 64
		);
	}

	#[test]
	fn every_size_streams_whole_and_checks() {
		for &size in SIZES.iter().filter(|s| **s > 0) {
			let data = content(size);
			let (_, outboard) = outboard_of(&data);
			let range = group_range(size, 0, u64::MAX);
			let (file, result) = receive(&data, &range, &stream(&data, &outboard, &range));
			result.unwrap();
			assert_eq!(file, data, "size {size}");
		}
	}

	#[test]
	fn ranges_at_the_start_middle_and_end_check_and_land_at_their_offsets() {
		let data = content(200_000);
		let (_, outboard) = outboard_of(&data);
		for (start, end) in
			[(0, 1), (0, 20_000), (70_000, 90_000), (190_000, 200_000), (199_999, 1 << 40)]
		{
			let range = group_range(200_000, start, end);
			assert!(range.start <= start && range.end >= end.min(200_000));
			assert!(range.start.is_multiple_of(GROUP));
			assert!(range.end.is_multiple_of(GROUP) || range.end == 200_000);
			let (file, result) = receive(&data, &range, &stream(&data, &outboard, &range));
			result.unwrap();
			let r = range.start as usize..range.end as usize;
			assert_eq!(&file[r.clone()], &data[r], "{start}..{end}");
		}
	}

	#[test]
	fn a_flipped_byte_is_refused_at_its_groups_offset_and_earlier_groups_stay() {
		let mut data = content(100_000);
		let (_, outboard) = outboard_of(&data);
		let range = group_range(100_000, 0, u64::MAX);
		let original = data.clone();
		data[40_000] ^= 1;
		// The provider's copy is changed after its outboard was made.
		let encoded = {
			let mut out = Vec::new();
			let root = blake3::hash(&original);
			encode(root, 100_000, &range, &data[..], &outboard[..], &mut out).unwrap();
			out
		};
		let (file, result) = receive(&original, &range, &encoded);
		match result {
			Err(VerifyError::BadGroup { offset }) => assert_eq!(offset, 2 * GROUP),
			other => panic!("not refused at the group: {other:?}"),
		}
		assert_eq!(&file[..2 * GROUP as usize], &original[..2 * GROUP as usize]);
		assert_eq!(file.len() as u64, 2 * GROUP, "nothing of the bad group is written");
	}

	#[test]
	fn a_changed_proof_is_refused() {
		let data = content(100_000);
		let (_, outboard) = outboard_of(&data);
		let range = group_range(100_000, 0, u64::MAX);
		let mut encoded = stream(&data, &outboard, &range);
		encoded[3] ^= 1;
		let (file, result) = receive(&data, &range, &encoded);
		assert!(matches!(result, Err(VerifyError::BadProof { offset: 0 })), "{result:?}");
		assert!(file.is_empty());
	}

	#[test]
	fn a_truncated_or_overlong_stream_is_refused() {
		let data = content(100_000);
		let (_, outboard) = outboard_of(&data);
		let range = group_range(100_000, 0, u64::MAX);
		let encoded = stream(&data, &outboard, &range);
		let (_, result) = receive(&data, &range, &encoded[..encoded.len() - 1]);
		assert!(matches!(result, Err(VerifyError::Truncated { offset: 98_304 })), "{result:?}");
		let longer = [&encoded[..], &[0]].concat();
		assert!(matches!(receive(&data, &range, &longer).1, Err(VerifyError::TooLong)));
	}

	#[test]
	fn a_cut_download_resumes_and_its_kept_bytes_are_checked_by_the_proof_of_the_rest() {
		let size = 300_000;
		let data = content(size);
		let (root, outboard) = outboard_of(&data);
		let whole = group_range(size, 0, u64::MAX);
		let encoded = stream(&data, &outboard, &whole);
		let mut file = Vec::new();
		let cut = &encoded[..encoded.len() / 2];
		let result = decode(root, size, &whole, 0, cut, &mut file, |_| {});
		assert!(matches!(result, Err(VerifyError::Truncated { .. })));
		let kept = file.len() as u64 / GROUP * GROUP;
		assert!(kept > 4 * GROUP);
		let rest = group_range(size, kept, size);
		assert_eq!(rest, kept..size);
		let encoded = stream(&data, &outboard, &rest);
		assert!((encoded.len() as u64) < size - kept + size / 200, "the proof is small");

		// A kept byte spoilt on the local disk is found, not trusted.
		let mut spoilt = file.clone();
		spoilt[GROUP as usize + 5] ^= 1;
		let result = decode(root, size, &rest, kept, &encoded[..], &mut spoilt, |_| {});
		assert!(matches!(result, Err(VerifyError::BadPrefix { offset: 0 })), "{result:?}");

		decode(root, size, &rest, kept, &encoded[..], &mut file, |_| {}).unwrap();
		assert_eq!(file, data);
	}
}
