//! Nodes numbered by height and index, and the peaks of a log's size.

use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use scale_info::TypeInfo;

/// Node `(height, index)`: the root of the perfect subtree over the leaves
/// `index·2^height .. (index+1)·2^height`. Leaf `i` is `(0, i)`; the
/// children of `(h, i)` are `(h−1, 2i)` and `(h−1, 2i+1)`.
#[derive(
	Clone,
	Copy,
	PartialEq,
	Eq,
	PartialOrd,
	Ord,
	Hash,
	Debug,
	Encode,
	Decode,
	DecodeWithMemTracking,
	MaxEncodedLen,
	TypeInfo,
)]
pub struct NodeId {
	/// 0 for a leaf; at most 63.
	pub height: u8,
	pub index: u64,
}

impl NodeId {
	pub const fn new(height: u8, index: u64) -> Self {
		Self { height, index }
	}

	/// The node of leaf `index`.
	pub const fn leaf(index: u64) -> Self {
		Self::new(0, index)
	}
}

/// The peaks of a log of `size` entries, from left (the highest) to right:
/// `(h, ⌊size / 2^h⌋ − 1)` for every bit `h` set in `size`.
pub fn peak_ids(size: u64) -> impl DoubleEndedIterator<Item = NodeId> {
	(0..64u8)
		.rev()
		.filter(move |h| size >> h & 1 == 1)
		.map(move |h| NodeId::new(h, (size >> h) - 1))
}

#[cfg(test)]
mod tests {
	use super::*;
	use alloc::vec::Vec;

	#[test]
	fn peaks_are_the_bits_of_the_size() {
		assert_eq!(peak_ids(0).count(), 0);
		assert_eq!(
			peak_ids(13).collect::<Vec<_>>(),
			[NodeId::new(3, 0), NodeId::new(2, 2), NodeId::new(0, 12)]
		);
		let full: Vec<_> = peak_ids(u64::MAX).collect();
		assert_eq!(full.len(), 64);
		assert_eq!(full[0], NodeId::new(63, 0));
		assert_eq!(full[63], NodeId::new(0, u64::MAX - 1));
	}

	#[test]
	fn peaks_cover_the_leaves_in_order() {
		for size in 0..200u64 {
			let mut next = 0;
			for peak in peak_ids(size) {
				assert_eq!(peak.index << peak.height, next, "size {size}");
				next += 1 << peak.height;
			}
			assert_eq!(next, size);
		}
	}
}
