//! A store's objects read at positions (bao-tree's [`ReadAt`]) by range
//! requests, for the verified encoder ([`crate::verified::encode`]) when the
//! store is a bucket: never the whole object, and in bounded memory.
//!
//! The encoder runs on a blocking thread and reads two objects in its own
//! order: the file front to back, one chunk group after the other
//! ([`Sequential`]: one request for the range, read as it streams), and the
//! outboard at the post-order places of the tree's parents, which jump
//! ahead to an ancestor and come back ([`Blocks`]: a few blocks kept, each
//! fetched with one request).

use crate::store::{Read, Store, StoreError};
use bao_tree::io::sync::{ReadAt, Size};
use bytes::Bytes;
use futures::{stream::BoxStream, StreamExt, TryStreamExt};
use std::{
	cell::{Cell, RefCell},
	io,
	ops::Range,
};
use tokio::runtime::Handle;

fn io_error(e: StoreError) -> io::Error {
	io::Error::other(e.to_string())
}

/// One object of a known size, read with range requests from a thread
/// outside the runtime (`runtime` drives the requests).
pub struct Object {
	store: Store,
	key: String,
	size: u64,
	runtime: Handle,
}

impl Object {
	/// Object `key` of `store`, whose size the caller checked.
	pub fn new(store: Store, key: String, size: u64, runtime: Handle) -> Self {
		Self { store, key, size, runtime }
	}

	/// Bytes `range` (within the object) as they arrive.
	fn get(&self, range: Range<u64>) -> io::Result<BoxStream<'static, Result<Bytes, StoreError>>> {
		match self.runtime.block_on(self.store.read(&self.key, Some(range))) {
			Ok(Some(Read { bytes, .. })) => Ok(bytes),
			Ok(None) => Err(io::Error::new(
				io::ErrorKind::NotFound,
				format!("{} is gone from the store", self.key),
			)),
			Err(e) => Err(io_error(e)),
		}
	}
}

/// An object read front to back: one request from the first position read
/// to the end of the range expected, a new one only when a read goes
/// elsewhere.
pub struct Sequential {
	object: Object,
	/// Where the reads are expected to end.
	end: u64,
	cursor: RefCell<Cursor>,
}

/// The request under way: the position of `piece`'s first byte.
#[derive(Default)]
struct Cursor {
	at: u64,
	piece: Bytes,
	bytes: Option<BoxStream<'static, Result<Bytes, StoreError>>>,
}

impl Sequential {
	/// `object`, whose bytes `range` are about to be read in order.
	pub fn new(object: Object, range: Range<u64>) -> Self {
		let cursor = Cursor { at: range.start, ..Default::default() };
		Self { end: range.end.min(object.size), object, cursor: RefCell::new(cursor) }
	}
}

impl ReadAt for Sequential {
	fn read_at(&self, pos: u64, buf: &mut [u8]) -> io::Result<usize> {
		let size = self.object.size;
		if buf.is_empty() || pos >= size {
			return Ok(0);
		}
		let mut cursor = self.cursor.borrow_mut();
		let mut fresh = false;
		while cursor.piece.is_empty() || cursor.at != pos {
			if cursor.bytes.is_none() || cursor.at != pos {
				if fresh {
					// A new request for bytes the object has brought none.
					return Ok(0);
				}
				let end = self.end.max(pos.saturating_add(buf.len() as u64)).min(size);
				let bytes = self.object.get(pos..end)?;
				*cursor = Cursor { at: pos, piece: Bytes::new(), bytes: Some(bytes) };
				fresh = true;
			}
			let next =
				cursor.bytes.as_mut().map(|bytes| self.object.runtime.block_on(bytes.next()));
			match next.flatten() {
				Some(Ok(piece)) => cursor.piece = piece,
				Some(Err(e)) => {
					cursor.bytes = None;
					return Err(io_error(e));
				},
				// The request's range is read: a read past it opens another.
				None => cursor.bytes = None,
			}
		}
		let n = buf.len().min(cursor.piece.len());
		buf[..n].copy_from_slice(&cursor.piece.split_to(n));
		cursor.at += n as u64;
		Ok(n)
	}
}

impl Size for Sequential {
	fn size(&self) -> io::Result<Option<u64>> {
		Ok(Some(self.object.size))
	}
}

/// Bytes in one block of [`Blocks`]: the hash pairs of 1,024 chunk groups
/// (16 MiB of the file).
pub const BLOCK: u64 = 64 * 1024;
/// Blocks kept at once: the one being read and the ancestors' ahead.
pub const BLOCKS_KEPT: usize = 8;

/// An object read at scattered positions, in blocks of [`BLOCK`] bytes, the
/// [`BLOCKS_KEPT`] used last kept.
pub struct Blocks {
	object: Object,
	/// Bytes in a block: [`BLOCK`] but in tests.
	block_len: u64,
	/// Each kept block's number, bytes and last use.
	kept: RefCell<Vec<(u64, Bytes, u64)>>,
	clock: Cell<u64>,
}

impl Blocks {
	pub fn new(object: Object) -> Self {
		Self::with_block(object, BLOCK)
	}

	fn with_block(object: Object, block: u64) -> Self {
		let kept = RefCell::new(Vec::with_capacity(BLOCKS_KEPT));
		Self { object, block_len: block, kept, clock: Cell::new(0) }
	}

	/// Block `number`, fetched unless it is kept.
	fn block(&self, number: u64) -> io::Result<Bytes> {
		let now = self.clock.get() + 1;
		self.clock.set(now);
		let mut kept = self.kept.borrow_mut();
		if let Some(found) = kept.iter_mut().find(|(n, ..)| *n == number) {
			found.2 = now;
			return Ok(found.1.clone());
		}
		let start = number * self.block_len;
		let range = start..(start + self.block_len).min(self.object.size);
		let pieces: Vec<Bytes> = self
			.object
			.runtime
			.block_on(self.object.get(range)?.try_collect())
			.map_err(io_error)?;
		let bytes = Bytes::from(pieces.concat());
		if kept.len() == BLOCKS_KEPT {
			let oldest = (0..kept.len()).min_by_key(|&i| kept[i].2).expect("kept is full; qed");
			kept.swap_remove(oldest);
		}
		kept.push((number, bytes.clone(), now));
		Ok(bytes)
	}
}

impl ReadAt for Blocks {
	fn read_at(&self, pos: u64, buf: &mut [u8]) -> io::Result<usize> {
		if buf.is_empty() || pos >= self.object.size {
			return Ok(0);
		}
		let block = self.block(pos / self.block_len)?;
		let from = (pos % self.block_len) as usize;
		let n = buf.len().min(block.len().saturating_sub(from));
		buf[..n].copy_from_slice(&block[from..from + n]);
		Ok(n)
	}
}

#[cfg(test)]
mod tests {
	use super::*;
	use crate::{
		store::{object, Location},
		verified::{encode, group_range, OutboardBuilder},
	};

	/// The stream of every range is the same from a store's objects read by
	/// range as from memory, with blocks small enough that the outboard
	/// spans more than are kept.
	#[tokio::test]
	async fn ranges_read_from_a_store_stream_as_from_memory() {
		let dir = tempfile::tempdir().unwrap();
		let store = Store::open(Location::Dir(dir.path().into())).unwrap();
		let size = 2_500_000u64;
		let data: Vec<u8> = (0..size).map(|i| (i * 7 % 251) as u8).collect();
		let mut builder = OutboardBuilder::new(size);
		builder.update(&data).unwrap();
		let (root, pairs) = builder.finish().unwrap();
		const SMALL: u64 = 1024;
		assert!(pairs.len() as u64 > SMALL * BLOCKS_KEPT as u64, "the outboard spans more blocks");
		std::fs::create_dir_all(dir.path().join("1")).unwrap();
		std::fs::write(dir.path().join(object::data(1)), &data).unwrap();
		std::fs::write(dir.path().join(object::outboard(1)), &pairs).unwrap();
		let runtime = Handle::current();
		for (start, end) in [(0, u64::MAX), (1_000_000, 1_100_000), (2_490_000, size), (5, 6)] {
			let range = group_range(size, start, end);
			let (store, runtime) = (store.clone(), runtime.clone());
			let pairs_len = pairs.len() as u64;
			let read = range.clone();
			let streamed = tokio::task::spawn_blocking(move || {
				let at = |key: String, len| Object::new(store.clone(), key, len, runtime.clone());
				let data = Sequential::new(at(object::data(1), size), read.clone());
				let outboard = Blocks::with_block(at(object::outboard(1), pairs_len), SMALL);
				let mut out = Vec::new();
				encode(root, size, &read, data, outboard, &mut out).map(|()| out)
			})
			.await
			.unwrap()
			.unwrap();
			let mut expected = Vec::new();
			encode(root, size, &range, &data[..], &pairs[..], &mut expected).unwrap();
			assert!(streamed == expected, "{start}..{end}");
		}
	}
}
