//! # Logarithmic proofs of the audit log
//!
//! A Merkle Mountain Range over the audit log's entries: the runtime keeps
//! its peaks (at most 64 hashes) and appends each entry with O(1) hashes
//! amortized, O(log n) at worst ([`Peaks`]); a store that keeps the nodes
//! each append creates ([`NodeStore`]) answers O(log n) proofs that an
//! entry is in the log of size n ([`inclusion_proof`]) and that the log of
//! size n extends the log of size m ([`consistency_proof`]); anyone checks
//! them with the hashes alone ([`verify_inclusion`], [`verify_consistency`]).
//!
//! The root of a log of size n is the Merkle tree hash of RFC 9162 (Certificate
//! Transparency 2.0, §2.1) with SHA-256 replaced by BLAKE2b-256, and the proofs
//! are RFC 9162's inclusion and consistency proofs: a Certificate Transparency
//! verifier becomes one for this log by swapping its hash function. What
//! follows is the whole format; `docs/audit.md` has it with test vectors.
//!
//! ## Hashes
//!
//! BLAKE2b with a 32-byte digest and no key (`blake2_256` in Substrate,
//! `blake2b(data, undefined, 32)` in JavaScript's blakejs), with a prefix byte
//! that keeps a leaf from ever being read as a node:
//!
//! - leaf hash of an entry's data: `blake2b256(0x00 ‖ data)` ([`leaf_hash`]);
//! - node hash: `blake2b256(0x01 ‖ left ‖ right)`, 65 bytes hashed
//!   ([`node_hash`]);
//! - root of the empty log: `blake2b256()` of nothing ([`EMPTY_ROOT`]).
//!
//! ## Nodes and their numbering
//!
//! Leaves are numbered from 0 in the order of the log. Node `(h, i)`
//! ([`NodeId`]) is the root of the perfect subtree of height `h` over the
//! leaves `i·2^h .. (i+1)·2^h`: `(0, i)` is the leaf hash of entry `i`, and
//! `(h, i) = node(left: (h-1, 2i), right: (h-1, 2i+1))`. It exists in a log of
//! size `n` once `(i+1)·2^h ≤ n`, and never changes after. Appending entry `i`
//! creates `(0, i)` and then one node per trailing 1 bit of `i`:
//! `(1, i >> 1)`, `(2, i >> 2)`, ... ([`Peaks::append`] returns them).
//!
//! Why `(height, index)` and not the post-order positions of other MMR
//! crates: a node's leaves, children, parent and sibling are each one shift
//! of its index, and the peaks of size `n` are `n`'s bits, where post-order
//! positions need their own arithmetic (leaf index to position, peaks found
//! by heights of all-ones numbers) and reach 2^65 for 2^64 leaves. It is
//! also how Trillian and transparency-dev number a tree's nodes. A verifier
//! needs no numbering at all, only the leaf index, the sizes and the hashes.
//!
//! ## Peaks and the root
//!
//! The peaks of size `n`, from left to right, are for every bit `h` set in
//! `n`, from the highest to the lowest, the node `(h, ⌊n / 2^h⌋ − 1)`
//! ([`peak_ids`]). The root bags them from the right: with peaks
//! `P0 .. Pk` (left to right), `root = node(P0, node(P1, … node(Pk-1, Pk)))`,
//! and the root of a single peak is that peak. This is RFC 9162's tree hash:
//! its largest power of two below `n` is `P0`'s subtree, and the rest is the
//! tree of the remaining peaks.
//!
//! ## Inclusion proof of leaf `i` in the log of size `n`
//!
//! A list of hashes, from the leaf up ([`inclusion_proof`]): with `H` the
//! height of the peak holding leaf `i` (`bitlen(i XOR n) − 1`), the siblings
//! `(k, (i >> k) XOR 1)` for `k = 0 .. H−1`, then the bag of the peaks lower
//! than `H` (if there are any), then the peaks higher than `H` from the
//! lowest to the highest. At most 64 hashes ([`MAX_INCLUSION_PROOF_LEN`]).
//!
//! Verification ([`verify_inclusion`]), as RFC 9162 §2.1.3.2:
//!
//! 1. `i < n`, else the index is out of range.
//! 2. `inner = bitlen(i XOR (n − 1))`, `border = popcount(i >> inner)`; the
//!    proof has exactly `inner + border` hashes, else it is refused before
//!    anything is hashed.
//! 3. `r = leaf hash`; for `k = 0 .. inner−1`: `r = node(r, p[k])` if bit `k`
//!    of `i` is 0, else `r = node(p[k], r)`; then for each of the `border`
//!    remaining hashes `p`: `r = node(p, r)`.
//! 4. `r` equals the root, else the root does not match.
//!
//! ## Consistency proof from size `m` to size `n`
//!
//! Empty when `m = 0` (every log extends the empty one, whose root is
//! [`EMPTY_ROOT`]) or `m = n` (the roots are equal). Otherwise, with
//! `s` the number of trailing 0 bits of `m` ([`consistency_proof`]): the node
//! `(s, (m−1) >> s)` (the old log's last peak) unless `m` is a power of two
//! (then that node is the old root itself), then the inclusion proof of leaf
//! `m − 1` in size `n` without its first `s` hashes. At most 65 hashes
//! ([`MAX_CONSISTENCY_PROOF_LEN`]). It is RFC 9162's consistency proof.
//!
//! Verification ([`verify_consistency`]) for `0 < m < n`:
//!
//! 1. `last = m − 1`, `inner = bitlen(last XOR (n − 1)) − s`,
//!    `border = popcount(last >> (inner + s))`; the proof has exactly
//!    `inner + border` hashes, plus one unless `m` is a power of two.
//! 2. `seed` is the old root if `m` is a power of two, else the proof's first
//!    hash (and the rest of the proof follows it). `old = new = seed`,
//!    `mask = last >> s`.
//! 3. For `k = 0 .. inner−1`, with hash `p`: if bit `k` of `mask` is 1,
//!    `old = node(p, old)` and `new = node(p, new)`; else
//!    `new = node(new, p)`. Then for each of the `border` remaining hashes
//!    `p`: `old = node(p, old)` and `new = node(p, new)`.
//! 4. `old` equals the old root, and `new` the new root.
//!
//! `m > n` is refused. All arithmetic is on unsigned 64-bit integers: in
//! JavaScript use `BigInt` (`>>` and `&` on `Number` work on 32 bits).

#![cfg_attr(not(feature = "std"), no_std)]

extern crate alloc;

mod error;
mod hash;
#[cfg(feature = "serde")]
mod hex;
mod node;
mod peaks;
mod proof;
mod verify;

pub use error::Error;
pub use hash::{leaf_hash, node_hash, Hash, EMPTY_ROOT};
pub use node::{peak_ids, NodeId};
pub use peaks::{Peaks, MAX_PEAKS};
pub use proof::{
	consistency_proof, inclusion_proof, root_at, ConsistencyProof, InclusionProof, NodeStore,
	MAX_CONSISTENCY_PROOF_LEN, MAX_INCLUSION_PROOF_LEN,
};
pub use verify::{verify_consistency, verify_inclusion};
