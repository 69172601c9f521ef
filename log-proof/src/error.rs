//! Why a proof was refused or could not be made.

use crate::NodeId;
use codec::{Decode, DecodeWithMemTracking, Encode};
use core::fmt;
use scale_info::TypeInfo;

/// Why a proof was refused, or could not be made or appended to.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Encode, Decode, DecodeWithMemTracking, TypeInfo)]
pub enum Error {
	/// The leaf index is not below the log's size.
	IndexOutOfRange { index: u64, size: u64 },
	/// The old size of a consistency proof is above the new one.
	OldSizeAfterNew { old_size: u64, new_size: u64 },
	/// The proof does not have the number of hashes its index and sizes
	/// call for (nothing was hashed).
	WrongProofLength { expected: u32, got: u32 },
	/// The inclusion proof leads to another root.
	RootMismatch,
	/// The consistency proof leads to another old root.
	OldRootMismatch,
	/// The consistency proof leads to another new root.
	NewRootMismatch,
	/// The store has no hash for a node the proof needs.
	MissingNode(NodeId),
	/// The log has 2^64 − 1 entries: no more can be appended.
	Full,
	/// Peaks given or decoded are not one per bit set in the size.
	PeakCount { size: u64, got: u32 },
}

impl fmt::Display for Error {
	fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
		match self {
			Self::IndexOutOfRange { index, size } => {
				write!(f, "leaf {index} is out of range of a log of {size}")
			},
			Self::OldSizeAfterNew { old_size, new_size } => {
				write!(f, "the old size {old_size} is above the new size {new_size}")
			},
			Self::WrongProofLength { expected, got } => {
				write!(f, "the proof has {got} hashes, not {expected}")
			},
			Self::RootMismatch => f.write_str("the proof leads to another root"),
			Self::OldRootMismatch => f.write_str("the proof leads to another old root"),
			Self::NewRootMismatch => f.write_str("the proof leads to another new root"),
			Self::MissingNode(id) => {
				write!(f, "no hash for node (height {}, index {})", id.height, id.index)
			},
			Self::Full => f.write_str("the log is full"),
			Self::PeakCount { size, got } => {
				write!(f, "{got} peaks for a log of {size}, not {}", size.count_ones())
			},
		}
	}
}

impl core::error::Error for Error {}
