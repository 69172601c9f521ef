//! The accumulator the runtime keeps: the log's size and its peaks.

use crate::{
	hash::{bag, decode_hashes, node_hash, Hash, EMPTY_ROOT},
	node::{peak_ids, NodeId},
	Error,
};
use alloc::vec::Vec;
use codec::{Compact, Decode, DecodeWithMemTracking, Encode, Input, MaxEncodedLen};
use scale_info::TypeInfo;

/// Most peaks a log has: one per bit of its size.
pub const MAX_PEAKS: usize = 64;

/// A log's size and its peaks (left to right), one per bit set in the size:
/// what the runtime keeps to append entries and to compute the root, at most
/// 64 hashes. SCALE: the size (`u64`), then the peaks as a `Vec<[u8; 32]>`;
/// decoding refuses peaks that are not one per bit of the size.
#[derive(Clone, PartialEq, Eq, Debug, Default, Encode, TypeInfo)]
pub struct Peaks {
	size: u64,
	peaks: Vec<Hash>,
}

impl Peaks {
	/// The empty log.
	pub const fn new() -> Self {
		Self { size: 0, peaks: Vec::new() }
	}

	/// A log of `size` entries with these peaks (left to right), as a store
	/// gives them ([`peak_ids`] says which nodes they are).
	pub fn from_parts(size: u64, peaks: Vec<Hash>) -> Result<Self, Error> {
		if peaks.len() != size.count_ones() as usize {
			let got = u32::try_from(peaks.len()).unwrap_or(u32::MAX);
			return Err(Error::PeakCount { size, got });
		}
		Ok(Self { size, peaks })
	}

	/// How many entries the log has.
	pub fn size(&self) -> u64 {
		self.size
	}

	/// The peaks' hashes, left to right.
	pub fn hashes(&self) -> &[Hash] {
		&self.peaks
	}

	/// The peaks' nodes with their hashes, left to right.
	pub fn nodes(&self) -> impl Iterator<Item = (NodeId, Hash)> + '_ {
		peak_ids(self.size).zip(self.peaks.iter().copied())
	}

	/// The log's root: the peaks bagged from the right, [`EMPTY_ROOT`] for
	/// the empty log. One hash fewer than there are peaks.
	pub fn root(&self) -> Hash {
		bag(&self.peaks).unwrap_or(EMPTY_ROOT)
	}

	/// Appends the leaf hash of the next entry (index [`size`](Self::size)),
	/// and returns the nodes that came to exist, bottom up: the leaf, then
	/// one parent per trailing 1 bit of its index, which merge it with the
	/// peaks to its left. A store keeps them to answer proofs. One hash per
	/// merge: O(log n) at worst, fewer than one on average.
	pub fn append(&mut self, leaf: Hash) -> Result<Vec<(NodeId, Hash)>, Error> {
		let index = self.size;
		let size = index.checked_add(1).ok_or(Error::Full)?;
		let merges = index.trailing_ones() as usize;
		let mut new = Vec::with_capacity(1 + merges);
		new.push((NodeId::leaf(index), leaf));
		// The last `merges` peaks are the left siblings of the new leaf's
		// ancestors, the nearest last (there are as many peaks as bits set
		// in `index`, so at least `merges`).
		let first_merged = self.peaks.len().saturating_sub(merges);
		let mut hash = leaf;
		for (height, left) in (1u8..).zip(self.peaks.drain(first_merged..).rev()) {
			hash = node_hash(&left, &hash);
			new.push((NodeId::new(height, index >> height), hash));
		}
		self.peaks.push(hash);
		self.size = size;
		Ok(new)
	}
}

impl Decode for Peaks {
	fn decode<I: Input>(input: &mut I) -> Result<Self, codec::Error> {
		let size = u64::decode(input)?;
		let peaks = decode_hashes(input, MAX_PEAKS)?;
		Self::from_parts(size, peaks).map_err(|_| "peaks are not one per bit of the size".into())
	}
}

impl DecodeWithMemTracking for Peaks {}

impl MaxEncodedLen for Peaks {
	fn max_encoded_len() -> usize {
		u64::max_encoded_len() + Compact::<u32>::max_encoded_len() + MAX_PEAKS * 32
	}
}
