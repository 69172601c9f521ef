//! `citychain audit verify --light`: the audit log verified from the chain
//! spec alone, with any node as an untrusted transport.
//!
//! The verifier is a light client of GRANDPA finality, as smoldot's warp
//! sync is: it starts from the genesis the chain spec's raw storage hashes
//! to and its first authority set, and follows every set's handover (the
//! last block of each set, with the justification its authorities signed)
//! to the latest block the node keeps a justification for. Under that
//! block's state root it reads, with one storage proof, the log's size and
//! root (`Audit::Peaks`), where its stored part starts (`Audit::Pruned`)
//! and its head hash (`Audit::Head`). Then every stored entry in the range
//! asked is checked with its inclusion proof against that root, and the
//! entries' hash chain is recomputed: from the pruning point's hash to the
//! proven head when the range reaches both ends, so that an entry a node
//! left out is caught as surely as one it altered. It speaks JSON-RPC to
//! the node, not the peer-to-peer protocol, so the network admits it
//! without a governed peer id (docs/audit.md).

use crate::{
	failure::Failure,
	report::{self, GenesisStorage},
};
use citychain_client::{
	primitives::audit::MAX_ENTRY_PAGE,
	proven::{self, audit_key, ProvenRoot},
	rpc::{api::audit::Entry, Node},
};
use serde::Serialize;
use sp_core::H256;
use sp_crypto_hashing as hashing;
use sp_runtime::traits::Header as _;

/// Where the stored part of the log starts (`pallet_audit::PrunedTo`).
#[derive(codec::Decode, Default)]
struct PrunedTo {
	/// The first entry whose body is still stored.
	before: u64,
	/// The hash of entry `before - 1`; zeroes before entry 0.
	head: [u8; 32],
}

/// What `verify` found.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Verified {
	pub ok: bool,
	/// How: "light", with what it trusted.
	pub verified_by: &'static str,
	pub node: String,
	pub chain: H256,
	pub block: H256,
	pub number: u32,
	/// The authority set that finalized the block; as many handovers were
	/// followed from genesis.
	pub set_id: u64,
	pub size: u64,
	pub root: H256,
	/// The entries checked, first and last (none in an empty range).
	pub from: Option<u64>,
	pub to: Option<u64>,
	pub entries: u64,
	/// Entries before this one were pruned (their chain ends in a hash the
	/// state keeps).
	pub pruned_before: u64,
	/// Whether the range was the whole stored log, chained from the pruning
	/// point to the head the state holds.
	pub complete: bool,
}

/// Verifies entries `from..=to` (by index; the stored log by default, at
/// most `max`) of the chain whose raw spec is `spec`, taking everything
/// from the node at `url` and trusting none of it.
pub async fn verify(
	node: &Node,
	url: &str,
	spec: &serde_json::Value,
	(from, to): (Option<u64>, Option<u64>),
	max: u64,
) -> Result<Verified, Failure> {
	let lied = |why: String| Failure::Refused(format!("the node at {url} lied: {why}"));
	let genesis = GenesisStorage::from_spec(spec)?;
	let chain = genesis.hash();
	let served = node.genesis_hash().await?;
	if served != chain {
		return Err(Failure::Refused(format!(
			"the node at {url} serves the chain of genesis {served:?}, not the chain spec's \
			 {chain:?}"
		)));
	}
	let keys = vec![proven::peaks_key(), audit_key("Pruned"), audit_key("Head")];
	let anchor = report::anchor(node, keys).await?;
	let anchored = report::follow(&genesis, &anchor.handovers, &anchor.block, &anchor.proof)
		.map_err(|e| lied(format!("its finality does not check from genesis: {e}")))?;
	let peaks = anchored.peaks().map_err(&lied)?;
	let pruned: PrunedTo = anchored.value(&audit_key("Pruned"), "Audit::Pruned").map_err(&lied)?;
	let head: [u8; 32] = anchored.value(&audit_key("Head"), "Audit::Head").map_err(&lied)?;
	let root = ProvenRoot {
		at: anchored.header.hash(),
		number: (*anchored.header.number()).into(),
		state_root: *anchored.header.state_root(),
		size: peaks.size(),
		root: H256(peaks.root()),
	};

	let first = from.unwrap_or(pruned.before);
	if first < pruned.before {
		return Err(Failure::Usage(format!(
			"entries before {} were pruned: verify from {} on",
			pruned.before, pruned.before
		)));
	}
	// One past the last entry checked.
	let end = to.map_or(root.size, |to| to.saturating_add(1).min(root.size));
	let count = end.saturating_sub(first);
	if count > max {
		return Err(Failure::Usage(format!(
			"{count} entries from {first}, more than --max {max}: raise it, or verify in ranges \
			 with --from and --to"
		)));
	}
	// The hash before `first`, where the state proves it.
	let mut previous = (first == pruned.before).then_some(pruned.head);
	let indices: Vec<u64> = (first..first + count).collect();
	for chunk in indices.chunks(MAX_ENTRY_PAGE as usize) {
		let entries = proven::prove(node, &root, chunk).await.map_err(|e| lied(e.to_string()))?;
		for entry in &entries {
			chains(previous.as_ref(), entry).map_err(&lied)?;
			previous = Some(entry.hash.0);
		}
	}
	let complete = first == pruned.before && end == root.size;
	if complete && previous != Some(head) {
		return Err(lied(format!(
			"the last entry's hash is not the head the state holds ({})",
			H256(head)
		)));
	}
	Ok(Verified {
		ok: true,
		verified_by: "light: GRANDPA justifications followed from the chain spec's genesis, \
		              and storage and inclusion proofs; the node was trusted for nothing",
		node: url.to_string(),
		chain,
		block: root.at,
		number: *anchored.header.number(),
		set_id: anchored.set_id,
		size: root.size,
		root: root.root,
		from: (count > 0).then_some(first),
		to: (count > 0).then_some(end - 1),
		entries: count,
		pruned_before: pruned.before,
		complete,
	})
}

/// Whether `entry`'s hash chains from `previous` (when it is known):
/// `blake2_256(previous ++ body)`.
fn chains(previous: Option<&[u8; 32]>, entry: &Entry) -> Result<(), String> {
	let Some(previous) = previous else { return Ok(()) };
	let mut preimage = previous.to_vec();
	preimage.extend_from_slice(&entry.body);
	if hashing::blake2_256(&preimage) == entry.hash.0 {
		Ok(())
	} else {
		Err(format!("entry {}'s hash does not chain from the entry before it", entry.index))
	}
}

#[cfg(test)]
mod tests {
	use super::*;
	use citychain_client::{
		primitives::audit::{self, Actor, AuditAction, EntryBody, Subject},
		rpc::api::AccountId,
	};

	fn entry(index: u64, previous: &[u8; 32]) -> Entry {
		let body = EntryBody::<AccountId, u32> {
			index,
			block: 1,
			time: 0,
			actor: Actor::System,
			department: None,
			action: AuditAction::DepartmentRegistered,
			subject: Subject::Department(1),
			digest: [0; 32],
		};
		let hash = body.chain(previous);
		Entry::from(audit::Entry { body, hash })
	}

	#[test]
	fn an_entry_chains_from_its_predecessor_and_not_from_another() {
		let zero = [0u8; 32];
		let first = entry(0, &zero);
		let second = entry(1, &first.hash.0);
		assert!(chains(Some(&zero), &first).is_ok());
		assert!(chains(Some(&first.hash.0), &second).is_ok());
		assert!(chains(None, &second).is_ok(), "an unknown predecessor is not checked");
		let Err(why) = chains(Some(&zero), &second) else { panic!("a skipped entry chains") };
		assert!(why.contains("entry 1"), "{why}");
	}
}
