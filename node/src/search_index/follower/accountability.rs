//! Following access contracts: the contracts a finalized block's `Access`
//! events name, read from state at that block with the extent of the dataset
//! each names; the audit entries it recorded about contracts (`Audit`'s
//! `Recorded` events), with their blocks and times; and, for a rebuild,
//! every contract in state with the entries `Audit::BySubject` lists of it.

use std::collections::{BTreeSet, HashMap};

use citychain_primitives::{
	access::ContractId,
	audit::{EntryIndex, Subject},
	datasets::Extent,
	terms::ContractTerms,
	DatasetId,
};
use citychain_runtime::{Hash, Runtime, RuntimeEvent, Timestamp};
use codec::Decode;
use frame_support::{
	storage::{storage_prefix, StoragePrefixedMap},
	traits::PalletInfoAccess,
	ReversibleStorageHasher, Twox64Concat,
};
use sp_core::storage::StorageKey;

use super::{
	super::{
		accesses::{Access, ContractRecord, Contracted, EntryAbout},
		error::Error,
		store::{AccessBlock, Reached, Result},
	},
	read, Chain,
};

type Contracts = pallet_access::Contracts<Runtime>;
type Terms = pallet_access::Terms<Runtime>;
type Entries = pallet_audit::Entries<Runtime>;
type BySubject = pallet_audit::BySubject<Runtime>;
type Entry = pallet_audit::EntryOf<Runtime>;

/// Most dataset extents a rebuild keeps at once (contracts of one dataset
/// are many; datasets may be more than memory should hold).
const EXTENTS_KEPT: usize = 10_000;

/// The key of the block's timestamp (`pallet_timestamp`'s `Now`).
fn now_key() -> StorageKey {
	StorageKey(storage_prefix(Timestamp::name().as_bytes(), b"Now").to_vec())
}

/// The contract an `Access` event names.
pub fn named(event: &RuntimeEvent) -> Option<ContractId> {
	use pallet_access::Event as E;
	let RuntimeEvent::Access(event) = event else { return None };
	match event {
		E::AccessRequested { contract, .. }
		| E::ApprovalRecorded { contract, .. }
		| E::AccessApproved { contract, .. }
		| E::RequestRejected { contract, .. }
		| E::RequestCancelled { contract }
		| E::RequestLapsed { contract }
		| E::AccessExpired { contract }
		| E::AccessRevoked { contract, .. }
		| E::AccessRelinquished { contract }
		| E::RequestPolicyChanged { contract, .. }
		| E::ReceiptVerified { contract }
		| E::HashMismatch { contract, .. }
		| E::EnvelopeResealed { contract, .. }
		| E::RequestRefusedByPolicy { contract }
		| E::TermsApplied { contract, .. }
		| E::DeliveriesRecorded { contract, .. } => Some(*contract),
		// The vocabulary and the jurisdictions: no contract.
		_ => None,
	}
}

/// What an `Audit` event says of the index's entries: one about a contract
/// was recorded, or those before an index were pruned.
enum AuditNews {
	About(ContractId, EntryIndex),
	PrunedBefore(EntryIndex),
}

fn audit_news(event: &RuntimeEvent) -> Option<AuditNews> {
	use pallet_audit::Event as E;
	match event {
		RuntimeEvent::Audit(E::Recorded { index, subject: Subject::Contract(id), .. }) => {
			Some(AuditNews::About(*id, *index))
		},
		RuntimeEvent::Audit(E::EntriesPruned { before, .. }) => {
			Some(AuditNews::PrunedBefore(*before))
		},
		_ => None,
	}
}

fn decoded<T: Decode>(what: impl FnOnce() -> String, bytes: &[u8]) -> Result<T> {
	T::decode(&mut &bytes[..]).map_err(|source| Error::Decode { what: what(), source })
}

/// The value under `key` at block `at`, decoded.
fn value<C: Chain, T: Decode>(
	client: &C,
	at: Hash,
	key: Vec<u8>,
	what: impl FnOnce() -> String,
) -> Result<Option<T>> {
	client
		.storage(at, &StorageKey(key))?
		.map(|data| decoded(what, &data.0))
		.transpose()
}

/// The timestamp of block `at` (ms).
fn time_at<C: Chain>(client: &C, at: Hash) -> Result<i64> {
	let now: Option<u64> = value(client, at, now_key().0, || "the timestamp".into())?;
	Ok(now.unwrap_or_default().try_into().unwrap_or(i64::MAX))
}

/// Audit entry `index` at block `at`: who it is about, its block and time.
fn entry<C: Chain>(
	client: &C,
	at: Hash,
	contract: ContractId,
	index: EntryIndex,
) -> Result<EntryAbout> {
	let e: Entry =
		value(client, at, Entries::hashed_key_for(index), || format!("audit entry {index}"))?
			.ok_or_else(|| {
				Error::Missing(format!("audit entry {index} recorded but not stored"))
			})?;
	Ok(EntryAbout {
		contract,
		index,
		block: e.body.block,
		time: e.body.time.try_into().unwrap_or(i64::MAX),
	})
}

/// Contract `id` at block `at`, with its terms and its dataset's extent
/// (from `extents` if it holds it).
fn contracted<C: Chain>(
	client: &C,
	at: Hash,
	id: ContractId,
	contract: ContractRecord,
	extents: &mut HashMap<DatasetId, Extent>,
) -> Result<Contracted> {
	let terms: Option<ContractTerms> =
		value(client, at, Terms::hashed_key_for(id), || format!("terms of contract {id}"))?;
	let dataset = match extents.get(&contract.dataset) {
		Some(extent) => *extent,
		None => {
			let d = read(client, at, contract.dataset)?.ok_or_else(|| {
				Error::Missing(format!("dataset {} of contract {id} not stored", contract.dataset))
			})?;
			if extents.len() >= EXTENTS_KEPT {
				extents.clear();
			}
			*extents.entry(contract.dataset).or_insert(d.extent())
		},
	};
	Ok(Contracted { id, contract, terms, dataset })
}

/// What block `reached` (whose events are `events`) changed of the access
/// contracts.
pub fn changes<C: Chain>(
	client: &C,
	reached: Reached,
	events: &[RuntimeEvent],
) -> Result<AccessBlock> {
	let at = reached.hash;
	let ids: BTreeSet<ContractId> = events.iter().filter_map(named).collect();
	let mut block =
		AccessBlock { known: (reached.number, time_at(client, at)?), ..Default::default() };
	for news in events.iter().filter_map(audit_news) {
		match news {
			AuditNews::About(contract, index) => {
				block.entries.push(entry(client, at, contract, index)?)
			},
			AuditNews::PrunedBefore(before) => block.pruned_before = Some(before),
		}
	}
	let mut extents = HashMap::new();
	for id in ids {
		let contract: ContractRecord =
			value(client, at, Contracts::hashed_key_for(id), || format!("contract {id}"))?
				.ok_or_else(|| Error::Missing(format!("contract {id} named but not stored")))?;
		block.contracts.push(contracted(client, at, id, contract, &mut extents)?);
	}
	Ok(block)
}

/// The audit entries `Audit::BySubject` lists of contract `id` at `at`, in
/// index order.
fn entries_of<C: Chain>(client: &C, at: Hash, id: ContractId) -> Result<Vec<EntryAbout>> {
	let mut prefix = BySubject::final_prefix().to_vec();
	let (kind, key) = Subject::Contract(id).key();
	prefix.push(kind);
	prefix.extend(key);
	let keys = client.storage_keys(at, Some(&StorageKey(prefix.clone())), None)?;
	let mut found = Vec::new();
	for key in keys {
		let index = key
			.0
			.get(prefix.len()..)
			.and_then(|rest| <[u8; 8]>::try_from(rest).ok())
			.map(EntryIndex::from_be_bytes)
			.ok_or_else(|| {
				Error::Missing(format!(
					"an audit subject key 0x{} without an index",
					hex::encode(&key.0)
				))
			})?;
		found.push(entry(client, at, id, index)?);
	}
	Ok(found)
}

/// The id of a contract's key under `Contracts::final_prefix()`.
fn contract_id(key: &[u8]) -> Option<ContractId> {
	let hashed = key.get(Contracts::final_prefix().len()..)?;
	ContractId::decode(&mut Twox64Concat::reverse(hashed)).ok()
}

/// Every contract in state at `head`, with the audit entries about it,
/// handed to `load` in batches of `batch`; stops early (without an error)
/// if `load` answers false.
pub fn all<C: Chain>(
	client: &C,
	head: Reached,
	batch: usize,
	mut load: impl FnMut(Vec<(Access, Vec<EntryAbout>)>) -> bool,
) -> Result<()> {
	let known = (head.number, time_at(client, head.hash)?);
	let prefix = StorageKey(Contracts::final_prefix().to_vec());
	let mut extents = HashMap::new();
	let mut pending = Vec::with_capacity(batch);
	for (key, data) in client.storage_pairs(head.hash, Some(&prefix), None)? {
		let id = contract_id(&key.0).ok_or_else(|| {
			Error::Missing(format!("a contract key 0x{} without an id", hex::encode(&key.0)))
		})?;
		let contract = decoded(|| format!("contract {id}"), &data.0)?;
		let c = contracted(client, head.hash, id, contract, &mut extents)?;
		let entries = entries_of(client, head.hash, id)?;
		pending.push((Access::from_entries(&c, &entries, known), entries));
		if pending.len() == batch
			&& !load(std::mem::replace(&mut pending, Vec::with_capacity(batch)))
		{
			return Ok(());
		}
	}
	if !pending.is_empty() {
		load(pending);
	}
	Ok(())
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn keys_are_the_runtimes_own() {
		// pallet_timestamp's `Now`, as every Substrate client reads it.
		assert_eq!(
			hex::encode(now_key().0),
			"f0c365c3cf59d671eb72da0e7a4113c49f1f0515f462cdcf84e0f1d6045dfcbb"
		);
		for id in [0, 9, ContractId::MAX] {
			assert_eq!(contract_id(&Contracts::hashed_key_for(id)), Some(id));
		}
		assert_eq!(contract_id(&Contracts::final_prefix()), None);
	}
}
