//! Proofs, and how a store of nodes answers them.

use crate::{
	hash::{bag, decode_hashes, Hash, EMPTY_ROOT},
	node::{peak_ids, NodeId},
	verify::{verify_consistency, verify_inclusion},
	Error,
};
use alloc::{collections::BTreeMap, vec::Vec};
use codec::{Decode, DecodeWithMemTracking, Encode, Input};
use scale_info::TypeInfo;

/// Most hashes an inclusion proof has: the depth of a leaf in a log of
/// fewer than 2^64 entries.
pub const MAX_INCLUSION_PROOF_LEN: usize = 64;
/// Most hashes a consistency proof has: the old log's last peak and an
/// inclusion proof's hashes.
pub const MAX_CONSISTENCY_PROOF_LEN: usize = MAX_INCLUSION_PROOF_LEN + 1;

/// Where the nodes [`Peaks::append`](crate::Peaks::append) created are kept.
pub trait NodeStore {
	/// The hash of a node, if the store has it.
	fn node(&self, id: NodeId) -> Option<Hash>;
}

impl NodeStore for BTreeMap<NodeId, Hash> {
	fn node(&self, id: NodeId) -> Option<Hash> {
		self.get(&id).copied()
	}
}

/// That leaf `leaf_index` is in the log of `size` entries: the hashes from
/// the leaf up to the root (the crate's docs say which).
///
/// SCALE: `leaf_index` and `size` (`u64` each), then `path` as a
/// `Vec<[u8; 32]>`, refused when longer than [`MAX_INCLUSION_PROOF_LEN`].
/// JSON (feature `serde`): `{ "leafIndex", "size", "path": ["0x…"] }`.
#[derive(Clone, PartialEq, Eq, Debug, Encode, TypeInfo)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "camelCase"))]
pub struct InclusionProof {
	pub leaf_index: u64,
	pub size: u64,
	#[cfg_attr(feature = "serde", serde(with = "crate::hex::hashes"))]
	pub path: Vec<Hash>,
}

impl InclusionProof {
	/// [`verify_inclusion`] of this proof.
	pub fn verify(&self, leaf_hash: &Hash, root: &Hash) -> Result<(), Error> {
		verify_inclusion(leaf_hash, self.leaf_index, self.size, &self.path, root)
	}
}

impl Decode for InclusionProof {
	fn decode<I: Input>(input: &mut I) -> Result<Self, codec::Error> {
		Ok(Self {
			leaf_index: u64::decode(input)?,
			size: u64::decode(input)?,
			path: decode_hashes(input, MAX_INCLUSION_PROOF_LEN)?,
		})
	}
}

impl DecodeWithMemTracking for InclusionProof {}

/// That the log of `new_size` entries extends the log of `old_size`.
///
/// SCALE: `old_size` and `new_size` (`u64` each), then `path` as a
/// `Vec<[u8; 32]>`, refused when longer than [`MAX_CONSISTENCY_PROOF_LEN`].
/// JSON (feature `serde`): `{ "oldSize", "newSize", "path": ["0x…"] }`.
#[derive(Clone, PartialEq, Eq, Debug, Encode, TypeInfo)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "camelCase"))]
pub struct ConsistencyProof {
	pub old_size: u64,
	pub new_size: u64,
	#[cfg_attr(feature = "serde", serde(with = "crate::hex::hashes"))]
	pub path: Vec<Hash>,
}

impl ConsistencyProof {
	/// [`verify_consistency`] of this proof.
	pub fn verify(&self, old_root: &Hash, new_root: &Hash) -> Result<(), Error> {
		verify_consistency(self.old_size, old_root, self.new_size, new_root, &self.path)
	}
}

impl Decode for ConsistencyProof {
	fn decode<I: Input>(input: &mut I) -> Result<Self, codec::Error> {
		Ok(Self {
			old_size: u64::decode(input)?,
			new_size: u64::decode(input)?,
			path: decode_hashes(input, MAX_CONSISTENCY_PROOF_LEN)?,
		})
	}
}

impl DecodeWithMemTracking for ConsistencyProof {}

/// The root of the log when it had `size` entries (any size up to the
/// store's): its peaks' nodes, bagged.
pub fn root_at<S: NodeStore + ?Sized>(store: &S, size: u64) -> Result<Hash, Error> {
	let peaks = read_all(store, peak_ids(size))?;
	Ok(bag(&peaks).unwrap_or(EMPTY_ROOT))
}

/// The inclusion proof of leaf `leaf_index` in the log of `size` entries,
/// from the nodes of a store that has at least `size` entries' nodes. Reads
/// at most 63 siblings and 64 peaks.
pub fn inclusion_proof<S: NodeStore + ?Sized>(
	store: &S,
	leaf_index: u64,
	size: u64,
) -> Result<InclusionProof, Error> {
	let mut path = Vec::new();
	push_path(store, leaf_index, size, 0, &mut path)?;
	Ok(InclusionProof { leaf_index, size, path })
}

/// The consistency proof from the log of `old_size` entries to the log of
/// `new_size`, from a store that has at least `new_size` entries' nodes.
pub fn consistency_proof<S: NodeStore + ?Sized>(
	store: &S,
	old_size: u64,
	new_size: u64,
) -> Result<ConsistencyProof, Error> {
	if old_size > new_size {
		return Err(Error::OldSizeAfterNew { old_size, new_size });
	}
	let mut path = Vec::new();
	if old_size != 0 && old_size != new_size {
		let shift = old_size.trailing_zeros() as u8;
		let last = old_size - 1;
		// The old log's last peak, unless it is the whole old log (whose
		// root the verifier has).
		if !old_size.is_power_of_two() {
			path.push(read(store, NodeId::new(shift, last >> shift))?);
		}
		// Above that peak, the path of the old log's last leaf in the new
		// log: it holds the old log's other peaks, and what the new log
		// adds.
		push_path(store, last, new_size, shift, &mut path)?;
	}
	Ok(ConsistencyProof { old_size, new_size, path })
}

/// Appends to `path` the inclusion proof of leaf `index` in the log of
/// `size` entries, from the sibling at height `from` up.
fn push_path<S: NodeStore + ?Sized>(
	store: &S,
	index: u64,
	size: u64,
	from: u8,
	path: &mut Vec<Hash>,
) -> Result<(), Error> {
	if index >= size {
		return Err(Error::IndexOutOfRange { index, size });
	}
	// The peak holding the leaf: the highest bit where the index, below
	// the size, differs from it.
	let height = (63 - (index ^ size).leading_zeros()) as u8;
	for level in from..height {
		path.push(read(store, NodeId::new(level, (index >> level) ^ 1))?);
	}
	let lower = read_all(store, peak_ids(size).filter(|p| p.height < height))?;
	path.extend(bag(&lower));
	for peak in peak_ids(size).rev().filter(|p| p.height > height) {
		path.push(read(store, peak)?);
	}
	Ok(())
}

fn read<S: NodeStore + ?Sized>(store: &S, id: NodeId) -> Result<Hash, Error> {
	store.node(id).ok_or(Error::MissingNode(id))
}

fn read_all<S: NodeStore + ?Sized>(
	store: &S,
	ids: impl Iterator<Item = NodeId>,
) -> Result<Vec<Hash>, Error> {
	ids.map(|id| read(store, id)).collect()
}
