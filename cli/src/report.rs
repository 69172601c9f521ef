//! `citychain audit report` and `citychain audit check`: a department's
//! audit entries in one file that proves itself, and its check with no
//! network.
//!
//! The file carries, beside the entries and their inclusion proofs, what
//! ties them to the chain's genesis: for every GRANDPA authority set before
//! the current one, the header of its last block and the justification its
//! authorities signed for it (the header announces the next set); then a
//! finalized block's header and its justification by the current set, and
//! the storage proof of `Audit::Peaks` (the log's size and root) under that
//! header's state root. `check` starts from the chain spec alone: it
//! recomputes the genesis block's hash from the spec's raw genesis storage,
//! takes the first authority set from that storage, and follows the sets'
//! handovers to the report's block. One byte changed anywhere fails it.

use crate::failure::Failure;
use citychain_client::{
	primitives::audit::{EntryBody, MAX_ENTRY_PAGE},
	proven,
	rpc::{
		api::{
			audit::{EntriesParams, Entry, Finality},
			AccountId, AuditApiClient, BlockNumber,
		},
		Node,
	},
};
use citychain_log_proof::{leaf_hash, InclusionProof, Peaks};
use codec::{Decode, Encode};
use sc_consensus_grandpa::GrandpaJustification;
use serde::{Deserialize, Serialize};
use sp_consensus_grandpa::{AuthorityList, ConsensusLog, GRANDPA_ENGINE_ID};
use sp_core::{Blake2Hasher, Bytes, H256};
use sp_crypto_hashing as hashing;
use sp_runtime::{
	generic::{self, OpaqueDigestItemId},
	traits::{BlakeTwo256, Header as _},
	OpaqueExtrinsic,
};
use sp_trie::{read_trie_value, LayoutV1, MemoryDB, StorageProof, TrieConfiguration};
use std::collections::BTreeMap;

type Header = generic::Header<BlockNumber, BlakeTwo256>;
type Block = generic::Block<Header, OpaqueExtrinsic>;

/// Most authority-set handovers a report follows.
const MAX_SETS: usize = 10_000;

/// A block and the justification that finalized it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Justified {
	/// SCALE.
	pub header: Bytes,
	/// SCALE `GrandpaJustification`.
	pub justification: Bytes,
}

impl From<Finality> for Justified {
	fn from(f: Finality) -> Self {
		Self { header: f.header, justification: f.justification }
	}
}

/// An entry and its proof.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ReportedEntry {
	pub entry: Entry,
	pub proof: InclusionProof,
}

/// What `audit report` writes.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Report {
	/// The genesis hash.
	pub chain: H256,
	/// What was asked: the acting department and the time range (ms).
	pub department: u32,
	pub from: Option<u64>,
	pub to: Option<u64>,
	/// The last block of every authority set before the block's, in order.
	pub handovers: Vec<Justified>,
	/// The block the report holds at.
	pub block: Justified,
	/// The storage proof of `Audit::Peaks` at the block.
	pub peaks_proof: Vec<Bytes>,
	pub entries: Vec<ReportedEntry>,
}

fn bad(why: impl std::fmt::Display) -> Failure {
	Failure::Refused(format!("the report does not check: {why}"))
}

/// What ties a block's state to the chain's genesis, as a node serves it:
/// the last block of every authority set before the block's, the block
/// with its justification, and a storage proof of some keys under its
/// state root. Nothing in it is taken on the node's word: [`follow`]
/// checks it.
pub struct Anchor {
	pub handovers: Vec<Justified>,
	pub block: Justified,
	pub proof: Vec<Bytes>,
}

/// Reads, from `node`, the anchor of the latest block it keeps a GRANDPA
/// justification for, with the storage proof of `keys` at that block.
pub async fn anchor(node: &Node, keys: Vec<Vec<u8>>) -> Result<Anchor, Failure> {
	let latest = node.finality(None).await?.ok_or_else(|| {
		Failure::Refused("the node keeps no GRANDPA justification yet: try again soon".into())
	})?;
	let mut handovers = Vec::new();
	let mut next = 1;
	while let Some(set_end) = node.finality(Some(next.min(latest.number))).await? {
		if set_end.number >= latest.number {
			break;
		}
		if handovers.len() == MAX_SETS {
			return Err(Failure::Refused(format!("more than {MAX_SETS} authority sets")));
		}
		next = set_end.number + 1;
		handovers.push(set_end.into());
	}
	let read: ReadProof = jsonrpsee::core::client::ClientT::request(
		node,
		"state_getReadProof",
		jsonrpsee::rpc_params![keys.into_iter().map(Bytes).collect::<Vec<_>>(), latest.block],
	)
	.await
	.map_err(citychain_client::Error::from)?;
	Ok(Anchor { handovers, block: latest.into(), proof: read.proof })
}

/// Writes the report of `department`'s entries from `from` to `to` (ms):
/// at the latest block the node has a justification for.
pub async fn take(
	node: &Node,
	department: u32,
	(from, to): (Option<u64>, Option<u64>),
	max: usize,
) -> Result<Report, Failure> {
	let Anchor { handovers, block, proof } = anchor(node, vec![proven::peaks_key()]).await?;
	let at = H256(hashing::blake2_256(&block.header));
	let header = Header::decode(&mut &block.header[..]).map_err(|e| {
		Failure::Refused(format!("the node's header of block {at:?} does not decode: {e}"))
	})?;
	let root = proven::root_in(
		at,
		header.number.into(),
		header.state_root,
		proof.iter().map(|b| b.0.clone()),
	)?;
	let filter = EntriesParams {
		department: Some(department),
		from_time: from,
		to_time: to,
		..Default::default()
	};
	let entries = proven::entries(node, &root, filter, max).await?;
	let indices: Vec<u64> = entries.iter().map(|e| e.index).collect();
	let mut reported = Vec::with_capacity(entries.len());
	for chunk in indices.chunks(MAX_ENTRY_PAGE as usize) {
		let asked = citychain_client::rpc::api::audit::InclusionParams {
			indices: chunk.to_vec(),
			size: Some(root.size),
		};
		let proofs = node.inclusion_proof(asked, Some(at)).await?;
		for item in proofs.items {
			let entry = item.entry.ok_or_else(|| Failure::Refused("an entry was pruned".into()))?;
			reported.push(ReportedEntry { entry, proof: item.proof });
		}
	}
	Ok(Report {
		chain: node.genesis_hash().await?,
		department,
		from,
		to,
		handovers,
		block,
		peaks_proof: proof,
		entries: reported,
	})
}

/// `state_getReadProof`'s answer.
#[derive(Deserialize)]
struct ReadProof {
	proof: Vec<Bytes>,
}

/// What `check` found.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Checked {
	pub ok: bool,
	pub chain: H256,
	pub block: H256,
	pub number: BlockNumber,
	pub set_id: u64,
	pub size: u64,
	pub root: H256,
	pub entries: usize,
}

/// Checks `report` against the raw chain spec `spec` with no network.
pub fn check(report: &Report, spec: &serde_json::Value) -> Result<Checked, Failure> {
	let genesis = GenesisStorage::from_spec(spec)?;
	if genesis.hash() != report.chain {
		return Err(bad(format!(
			"its chain {:?} is not the chain spec's genesis {:?}",
			report.chain,
			genesis.hash()
		)));
	}
	let anchored =
		follow(&genesis, &report.handovers, &report.block, &report.peaks_proof).map_err(bad)?;
	let peaks = anchored.peaks().map_err(bad)?;
	let root = peaks.root();
	for reported in &report.entries {
		let entry = &reported.entry;
		let index = entry.index;
		if reported.proof.leaf_index != index || reported.proof.size != peaks.size() {
			return Err(bad(format!("entry {index}'s proof is of another entry or size")));
		}
		reported
			.proof
			.verify(&leaf_hash(&entry.body), &root)
			.map_err(|e| bad(format!("entry {index} is not in the log: {e}")))?;
		let body = EntryBody::<AccountId, BlockNumber>::decode(&mut &entry.body[..])
			.map_err(|e| bad(format!("entry {index}'s body: {e}")))?;
		let shown =
			Entry::from(citychain_client::primitives::audit::Entry { body, hash: entry.hash.0 });
		if &shown != entry {
			return Err(bad(format!("entry {index}'s fields are not its body's")));
		}
		let within =
			|t: u64| report.from.is_none_or(|f| t >= f) && report.to.is_none_or(|e| t <= e);
		if shown.department != Some(report.department) || !within(shown.time) {
			return Err(bad(format!("entry {index} is not of the department and time asked")));
		}
	}
	Ok(Checked {
		ok: true,
		chain: report.chain,
		block: anchored.header.hash(),
		number: *anchored.header.number(),
		set_id: anchored.set_id,
		size: peaks.size(),
		root: H256(root),
		entries: report.entries.len(),
	})
}

/// A block whose justification chains to genesis, and the storage its
/// proof holds.
pub struct Anchored {
	pub header: Header,
	/// The authority set that finalized it.
	pub set_id: u64,
	storage: MemoryDB<Blake2Hasher>,
}

impl Anchored {
	/// The value at `key` in the block's state, from the proof.
	pub fn read(&self, key: &[u8]) -> Result<Option<Vec<u8>>, String> {
		read_trie_value::<LayoutV1<Blake2Hasher>, _>(
			&self.storage,
			self.header.state_root(),
			key,
			None,
			None,
		)
		.map_err(|e| format!("the storage proof of key 0x{}: {e}", hex::encode(key)))
	}

	/// The value at `key`, SCALE-decoded; its default if absent.
	pub fn value<T: Decode + Default>(&self, key: &[u8], name: &str) -> Result<T, String> {
		self.read(key)
			.map_err(|e| format!("{name}: {e}"))?
			.map(|v| T::decode(&mut &v[..]))
			.transpose()
			.map_err(|e| format!("{name}: {e}"))
			.map(Option::unwrap_or_default)
	}

	/// `Audit::Peaks`: the log's size and root.
	pub fn peaks(&self) -> Result<Peaks, String> {
		self.value(&proven::peaks_key(), "Audit::Peaks")
	}
}

/// Follows the authority sets from `genesis` through `handovers` (the
/// last block of each set, finalized by that set and naming the next) to
/// `block`, finalized by the set in force there; `proof` is then read
/// under that block's state root.
pub fn follow(
	genesis: &GenesisStorage,
	handovers: &[Justified],
	block: &Justified,
	proof: &[Bytes],
) -> Result<Anchored, String> {
	let mut authorities = genesis.authorities().map_err(|e| e.to_string())?;
	let mut set_id = 0u64;
	let mut last = 0;
	for (i, handover) in handovers.iter().enumerate() {
		let header = justified(handover, set_id, &authorities)
			.map_err(|e| format!("authority set {set_id}'s last block: {e}"))?;
		if *header.number() <= last {
			return Err(format!("handover {i} is not after the one before"));
		}
		last = *header.number();
		authorities = next_authorities(&header)
			.ok_or_else(|| format!("block {last} ends set {set_id} but names no next set"))?;
		set_id += 1;
	}
	let header = justified(block, set_id, &authorities).map_err(|e| format!("the block: {e}"))?;
	let storage = StorageProof::new(proof.iter().map(|b| b.0.clone())).into_memory_db();
	Ok(Anchored { header, set_id, storage })
}

/// The header of `block`, if the justification that comes with it is
/// signed by more than two thirds of `authorities` (set `set_id`) and
/// finalizes it.
fn justified(
	block: &Justified,
	set_id: u64,
	authorities: &AuthorityList,
) -> Result<Header, String> {
	let header = Header::decode(&mut &block.header[..]).map_err(|e| format!("its header: {e}"))?;
	let justification = GrandpaJustification::<Block>::decode(&block.justification)
		.map_err(|e| format!("its justification: {e}"))?;
	if justification.target() != (*header.number(), header.hash()) {
		return Err(format!("the justification is of another block than #{}", header.number()));
	}
	justification
		.verify(set_id, authorities)
		.map_err(|e| format!("the justification is not set {set_id}'s: {e}"))?;
	Ok(header)
}

/// The authorities a block hands over to: its GRANDPA scheduled change.
fn next_authorities(header: &Header) -> Option<AuthorityList> {
	let id = OpaqueDigestItemId::Consensus(&GRANDPA_ENGINE_ID);
	header.digest().convert_first(|item| {
		item.try_to::<ConsensusLog<BlockNumber>>(id)
			.and_then(ConsensusLog::try_into_change)
			.map(|change| change.next_authorities)
	})
}

/// A raw chain spec's genesis storage.
pub struct GenesisStorage(BTreeMap<Vec<u8>, Vec<u8>>);

impl GenesisStorage {
	pub fn from_spec(spec: &serde_json::Value) -> Result<Self, Failure> {
		let raw = &spec["genesis"]["raw"];
		let top = raw["top"].as_object().ok_or_else(|| {
			Failure::Usage(
				"the chain spec has no raw genesis: export it with \
				 `citychain-node build-spec --chain <chain> --raw`"
					.into(),
			)
		})?;
		if raw["childrenDefault"].as_object().is_some_and(|c| !c.is_empty()) {
			return Err(Failure::Usage("the chain spec's genesis has child tries".into()));
		}
		let hex = |s: &str| hex::decode(s.trim_start_matches("0x"));
		top.iter()
			.map(|(k, v)| {
				let value = v.as_str().map(hex);
				match (hex(k), value) {
					(Ok(k), Some(Ok(v))) => Ok((k, v)),
					_ => {
						Err(Failure::Usage(format!("the chain spec's genesis key {k} is not hex")))
					},
				}
			})
			.collect::<Result<_, _>>()
			.map(Self)
	}

	/// The genesis block's hash: its header over the storage's trie root
	/// (state version 1, as the runtime's).
	pub fn hash(&self) -> H256 {
		let state_root = LayoutV1::<Blake2Hasher>::trie_root(self.0.clone());
		let extrinsics_root = LayoutV1::<Blake2Hasher>::trie_root(Vec::<(Vec<u8>, Vec<u8>)>::new());
		let header = Header::new(0, extrinsics_root, state_root, H256::zero(), Default::default());
		H256(hashing::blake2_256(&header.encode()))
	}

	/// The first GRANDPA authority set: `Grandpa::Authorities`.
	fn authorities(&self) -> Result<AuthorityList, Failure> {
		let key = [hashing::twox_128(b"Grandpa"), hashing::twox_128(b"Authorities")].concat();
		let value = self
			.0
			.get(&key)
			.ok_or_else(|| Failure::Usage("the chain spec has no GRANDPA authorities".into()))?;
		AuthorityList::decode(&mut &value[..])
			.map_err(|e| Failure::Usage(format!("the chain spec's GRANDPA authorities: {e}")))
	}
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn a_block_without_a_scheduled_change_names_no_next_set() {
		let header = Header::new(7, H256::zero(), H256::zero(), H256::zero(), Default::default());
		assert!(next_authorities(&header).is_none());
	}

	#[test]
	fn a_spec_without_raw_genesis_is_refused_with_how_to_export_one() {
		let spec = serde_json::json!({ "genesis": { "runtimeGenesis": {} } });
		let Err(Failure::Usage(why)) = GenesisStorage::from_spec(&spec) else { panic!() };
		assert!(why.contains("build-spec"), "{why}");
	}
}
