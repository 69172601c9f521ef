//! The audit log checked with proofs, not with a node's word.
//!
//! The root of the log's Merkle Mountain Range is read from `Audit::Peaks`
//! with a storage proof, checked against the state root of a block header
//! whose hash is checked too; each entry a node returns is then checked
//! with its inclusion proof against that root: a node that alters, invents
//! or drops an entry's body is caught and the entry named. What this still
//! takes from the node is which block is finalized (`chain_getFinalizedHead`);
//! the CLI's `audit verify --light` takes not even that.

use crate::{
	rpc::{
		api::{
			audit::{EntriesParams, Entry, InclusionParams},
			AuditApiClient,
		},
		Node,
	},
	Error, Result,
};
use citychain_log_proof::{leaf_hash, Peaks};
use citychain_primitives::audit::{EntryBody, MAX_ENTRY_PAGE};
use codec::{Decode, Encode};
use jsonrpsee::{core::client::ClientT, rpc_params};
use serde::{Deserialize, Serialize};
use sp_core::{Blake2Hasher, Bytes, H256};
use sp_crypto_hashing as hashing;
use sp_trie::{read_trie_value, LayoutV1, StorageProof};
use subxt::config::substrate::SubstrateHeader;

/// The storage key of the audit pallet's value `item` (`Audit::<item>`).
pub fn audit_key(item: &str) -> Vec<u8> {
	[hashing::twox_128(b"Audit"), hashing::twox_128(item.as_bytes())].concat()
}

/// The storage key of `Audit::Peaks`.
pub fn peaks_key() -> Vec<u8> {
	audit_key("Peaks")
}

/// The log's size and root at a block, as its state proves them.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ProvenRoot {
	pub at: H256,
	pub number: u64,
	pub state_root: H256,
	pub size: u64,
	pub root: H256,
}

/// `state_getReadProof`'s answer.
#[derive(Deserialize)]
struct ReadProof {
	proof: Vec<Bytes>,
}

/// Reads `Audit::Peaks` at block `at` with a storage proof, checked against
/// the state root of `at`'s header, whose hash is checked against `at`.
pub async fn root_at(node: &Node, at: H256) -> Result<ProvenRoot> {
	let header: Option<SubstrateHeader<H256>> =
		node.request("chain_getHeader", rpc_params![at]).await?;
	let header = header.ok_or_else(|| Error::Invalid(format!("the node has no block {at:?}")))?;
	if H256(hashing::blake2_256(&header.encode())) != at {
		return Err(Error::Invalid(format!(
			"the node's header of block {at:?} hashes to another block: it lied about the header"
		)));
	}
	let read: ReadProof = node
		.request("state_getReadProof", rpc_params![vec![Bytes(peaks_key())], at])
		.await?;
	root_in(at, header.number, header.state_root, read.proof.into_iter().map(|b| b.0))
}

/// `Audit::Peaks` read from `proof`, a storage proof under `state_root`, the
/// state root of block `at` (number `number`).
pub fn root_in(
	at: H256,
	number: u64,
	state_root: H256,
	proof: impl IntoIterator<Item = Vec<u8>>,
) -> Result<ProvenRoot> {
	let key = peaks_key();
	let db = StorageProof::new(proof).into_memory_db();
	let value = read_trie_value::<LayoutV1<Blake2Hasher>, _>(&db, &state_root, &key, None, None)
		.map_err(|e| {
			Error::Invalid(format!(
				"the storage proof of Audit::Peaks does not check against block {at:?}'s state \
			 root: {e}"
			))
		})?;
	let peaks = match value {
		None => Peaks::new(),
		Some(bytes) => Peaks::decode(&mut &bytes[..])
			.map_err(|e| Error::Invalid(format!("Audit::Peaks at {at:?} does not decode: {e}")))?,
	};
	Ok(ProvenRoot { at, number, state_root, size: peaks.size(), root: H256(peaks.root()) })
}

/// Every entry matching `filter` (its `cursor` and `limit` are the
/// paging's) up to `max`, each checked with its inclusion proof against
/// `root`; the first that does not check is named in the error.
pub async fn entries(
	node: &Node,
	root: &ProvenRoot,
	filter: EntriesParams,
	max: usize,
) -> Result<Vec<Entry>> {
	let mut proven = Vec::new();
	let mut cursor = filter.cursor;
	loop {
		let page = node
			.entries(
				EntriesParams {
					to_index: Some(match filter.to_index {
						Some(to) => to.min(root.size.saturating_sub(1)),
						None => root.size.saturating_sub(1),
					}),
					cursor,
					limit: Some(MAX_ENTRY_PAGE),
					..filter.clone()
				},
				Some(root.at),
			)
			.await?;
		let wanted = max.saturating_sub(proven.len()).min(page.items.len());
		let indices: Vec<u64> = page.items[..wanted].iter().map(|e| e.index).collect();
		if !indices.is_empty() {
			proven.extend(prove(node, root, &indices).await?);
		}
		match page.next {
			Some(next) if proven.len() < max && root.size > 0 => cursor = Some(next),
			_ => return Ok(proven),
		}
	}
}

/// The entries `indices` (at most [`MAX_ENTRY_PAGE`]) from the node, each
/// checked against `root`.
pub async fn prove(node: &Node, root: &ProvenRoot, indices: &[u64]) -> Result<Vec<Entry>> {
	let asked = InclusionParams { indices: indices.to_vec(), size: Some(root.size) };
	let answer = node.inclusion_proof(asked, Some(root.at)).await?;
	if answer.items.len() != indices.len() {
		return Err(Error::Invalid(format!(
			"the node answered {} proofs for {} entries",
			answer.items.len(),
			indices.len()
		)));
	}
	indices
		.iter()
		.zip(answer.items)
		.map(|(&index, item)| {
			let entry = item.entry.ok_or_else(|| {
				Error::Invalid(format!("entry {index}: the node returned no body to prove"))
			})?;
			check(index, &entry, &item.proof, root)?;
			Ok(entry)
		})
		.collect()
}

/// Whether `entry` is entry `index` of the log `root` proves: its body
/// hashes to a leaf that `proof` leads to the root from, and its fields
/// are its body's.
pub fn check(
	index: u64,
	entry: &Entry,
	proof: &citychain_log_proof::InclusionProof,
	root: &ProvenRoot,
) -> Result<()> {
	let forged = |why: String| {
		Error::Invalid(format!(
			"entry {index} is not the log's: {why} (the node altered or invented it)"
		))
	};
	if proof.leaf_index != index || proof.size != root.size {
		return Err(forged(format!(
			"its proof is of entry {} in a log of {}, not of {index} in {}",
			proof.leaf_index, proof.size, root.size
		)));
	}
	proof
		.verify(&leaf_hash(&entry.body), &root.root.0)
		.map_err(|e| forged(format!("its body does not lead to the root: {e}")))?;
	let body = EntryBody::<crate::rpc::api::AccountId, crate::rpc::api::BlockNumber>::decode(
		&mut &entry.body[..],
	)
	.map_err(|e| forged(format!("its body does not decode: {e}")))?;
	let shown = Entry::from(citychain_primitives::audit::Entry { body, hash: entry.hash.0 });
	if &shown != entry {
		return Err(forged("its fields differ from its proven body".into()));
	}
	if shown.index != index {
		return Err(forged(format!("its body is entry {}'s", shown.index)));
	}
	Ok(())
}
