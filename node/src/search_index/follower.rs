//! The follower: keeps the index at the node's finalized head. It applies
//! each finalized block's dataset changes (the records its `Datasets` events
//! name, with their earlier versions) and access contract changes
//! (`accountability`) in one transaction with the block reached; on start it
//! catches up from where it stopped, and rebuilds from the records and
//! contracts in state at the finalized head an index that is missing, of
//! another chain or node version, or not on the finalized chain. Storage is
//! read under the keys the runtime's own storage types compute.

mod accountability;

use std::{
	collections::BTreeSet,
	path::Path,
	sync::Arc,
	time::{Duration, Instant},
};

use citychain_primitives::DatasetId;
use citychain_runtime::{opaque::Block, Hash, Runtime, RuntimeEvent, System};
use codec::Decode;
use frame_support::{
	storage::{storage_prefix, StoragePrefixedMap},
	traits::PalletInfoAccess,
	ReversibleStorageHasher, Twox64Concat,
};
use futures::StreamExt;
use sc_client_api::{BlockchainEvents, StorageProvider};
use sp_blockchain::HeaderBackend;
use sp_core::storage::StorageKey;

use super::{
	accesses::{Access, EntryAbout},
	error::Error,
	index::SearchIndex,
	query::Record,
	store::{self, AccessBlock, Bulk, Reached, Result, Stale, Store},
};

const LOG: &str = "search-index";
/// Records written per transaction during a rebuild.
const REBUILD_BATCH: usize = 10_000;

/// The runtime's dataset records.
type Datasets = pallet_datasets::Datasets<Runtime>;

/// The key of the block's events (`frame_system`'s `Events`, which the
/// pallet does not export).
fn events_key() -> StorageKey {
	StorageKey(storage_prefix(System::name().as_bytes(), b"Events").to_vec())
}

/// The id of a record's key under `Datasets::final_prefix()`.
fn record_id(key: &[u8]) -> Option<DatasetId> {
	let hashed = key.get(Datasets::final_prefix().len()..)?;
	DatasetId::decode(&mut Twox64Concat::reverse(hashed)).ok()
}

/// The dataset ids a `Datasets` event names.
fn named(event: &RuntimeEvent) -> Option<DatasetId> {
	use pallet_datasets::Event as E;
	match event {
		RuntimeEvent::Datasets(
			E::DatasetRegistered { dataset, .. }
			| E::VersionPublished { dataset, .. }
			| E::MetadataUpdated { dataset }
			| E::AccessPolicyChanged { dataset, .. }
			| E::DatasetDeprecated { dataset }
			| E::DatasetWithdrawn { dataset },
		) => Some(*dataset),
		_ => None,
	}
}

/// What the follower needs from the client.
pub trait Chain:
	HeaderBackend<Block>
	+ StorageProvider<Block, sc_service::TFullBackend<Block>>
	+ BlockchainEvents<Block>
{
}
impl<C> Chain for C where
	C: HeaderBackend<Block>
		+ StorageProvider<Block, sc_service::TFullBackend<Block>>
		+ BlockchainEvents<Block>
{
}

/// Opens the index at `path` and returns it with the task that keeps it at
/// the finalized head.
pub fn start<C: Chain + Send + Sync + 'static>(
	client: Arc<C>,
	path: &Path,
) -> Result<(Arc<SearchIndex>, impl std::future::Future<Output = ()>)> {
	let store = match Store::open(path) {
		Ok(store) => store,
		Err(e) => {
			log::warn!(target: LOG, "🔎 {} is unreadable ({e}); starting a new index", path.display());
			store::remove(store::files(path))?;
			Store::open(path)?
		},
	};
	let index = Arc::new(SearchIndex::new(path, store));
	let follower = follow(client, index.clone());
	Ok((index, follower))
}

async fn follow<C: Chain>(client: Arc<C>, index: Arc<SearchIndex>) {
	let mut finality = client.finality_notification_stream();
	loop {
		if let Err(e) = catch_up(&*client, &index) {
			log::error!(target: LOG, "🔎 Search index not updated: {e}");
		}
		if finality.next().await.is_none() {
			return;
		}
	}
}

/// Brings the index to the client's finalized head.
fn catch_up<C: Chain>(client: &C, index: &SearchIndex) -> Result<()> {
	let info = client.info();
	let head = Reached { number: info.finalized_number, hash: info.finalized_hash };
	let stale = index.store().reached(info.genesis_hash)?;
	let from = match stale {
		Ok(r) if client.hash(r.number).ok().flatten() == Some(r.hash) => r,
		Ok(r) => {
			log::warn!(target: LOG, "🔎 Indexed block #{} {} is not on the finalized chain", r.number, r.hash);
			return rebuild(client, index, head);
		},
		Err(why) => {
			if why != Stale::Empty {
				log::warn!(target: LOG, "🔎 Search index is stale ({why:?})");
			}
			return rebuild(client, index, head);
		},
	};
	if from.number >= head.number {
		index.publish(Some(from));
		return Ok(());
	}
	let started = Instant::now();
	for number in from.number + 1..=head.number {
		let block = client
			.hash(number)?
			.ok_or_else(|| Error::Missing(format!("finalized block #{number} has no hash")))?;
		let reached = Reached { number, hash: block };
		match changes(client, reached) {
			Ok((records, accesses)) => {
				index.store().apply(records, &accesses, reached)?;
				index.publish(Some(reached));
			},
			Err(e) => {
				log::warn!(target: LOG, "🔎 Cannot read block #{number} ({e}); rebuilding from the finalized head");
				return rebuild(client, index, head);
			},
		}
	}
	if head.number - from.number > 1 {
		log::info!(
			target: LOG,
			"🔎 Search index caught up from #{} to #{} in {:.1} s",
			from.number,
			head.number,
			started.elapsed().as_secs_f64()
		);
	}
	Ok(())
}

/// What block `reached` changed: the records its `Datasets` events name and
/// every earlier version of each (a new version supersedes its predecessor;
/// a withdrawal withdraws them all), and the access contracts.
fn changes<C: Chain>(
	client: &C,
	reached: Reached,
) -> Result<(Vec<(DatasetId, Record)>, AccessBlock)> {
	let at = reached.hash;
	let events: Vec<RuntimeEvent> = client
		.storage(at, &events_key())?
		.map(|data| Vec::<frame_system::EventRecord<RuntimeEvent, Hash>>::decode(&mut &data.0[..]))
		.transpose()
		.map_err(|source| Error::Decode { what: "events".into(), source })?
		.unwrap_or_default()
		.into_iter()
		.map(|record| record.event)
		.collect();
	let mut ids = BTreeSet::new();
	let mut records = Vec::new();
	let mut pending: Vec<DatasetId> = events.iter().filter_map(named).collect();
	while let Some(id) = pending.pop() {
		if !ids.insert(id) {
			continue;
		}
		let record = read(client, at, id)?
			.ok_or_else(|| Error::Missing(format!("dataset {id} named but not stored")))?;
		pending.extend(record.predecessor);
		records.push((id, record));
	}
	Ok((records, accountability::changes(client, reached, &events)?))
}

fn read<C: Chain>(client: &C, at: Hash, id: DatasetId) -> Result<Option<Record>> {
	client
		.storage(at, &StorageKey(Datasets::hashed_key_for(id)))?
		.map(|data| decode(id, &data.0))
		.transpose()
}

fn decode(id: DatasetId, bytes: &[u8]) -> Result<Record> {
	Record::decode(&mut &bytes[..])
		.map_err(|source| Error::Decode { what: format!("dataset {id}"), source })
}

/// What a rebuild's reader hands its writer.
enum Batch {
	Datasets(Vec<(DatasetId, Record)>),
	Accesses(Vec<(Access, Vec<EntryAbout>)>),
}

/// Builds a new index of every record and contract in state at `head`, in a
/// file beside the one in use, and puts it in that one's place.
fn rebuild<C: Chain>(client: &C, index: &SearchIndex, head: Reached) -> Result<()> {
	log::info!(target: LOG, "🔎 Rebuilding the search index from the state at #{} {}", head.number, head.hash);
	// Searches say the index is being built rather than wait on it.
	index.publish(None);
	let started = Instant::now();
	let [.., beside] = store::files(index.path());
	let bulk = Store::create(&beside)?;
	let prefix = StorageKey(Datasets::final_prefix().to_vec());
	let pairs = client.storage_pairs(head.hash, Some(&prefix), None)?;
	// State is read and decoded here while SQLite writes the batch before in
	// a thread of its own: on two cores the rebuild takes the longer of the
	// two, not their sum.
	let (send, receive) = std::sync::mpsc::sync_channel::<Batch>(2);
	let writer = move || -> Result<(Bulk, usize, usize, Duration)> {
		let (mut bulk, mut total, mut contracts, mut busy) = (bulk, 0, 0, Duration::ZERO);
		for batch in receive {
			let writing = Instant::now();
			match batch {
				Batch::Datasets(records) => {
					total += bulk.load(records, head.number)?;
					if total % 100_000 == 0 {
						log::info!(target: LOG, "🔎 … {total} datasets indexed");
					}
				},
				Batch::Accesses(accesses) => {
					contracts += bulk.load_accesses(accesses, head.number)?
				},
			}
			busy += writing.elapsed();
		}
		Ok((bulk, total, contracts, busy))
	};
	let (bulk, total, contracts, rows) = std::thread::scope(|scope| {
		let writing = scope.spawn(writer);
		let read = (|| {
			let mut batch = Vec::with_capacity(REBUILD_BATCH);
			for (key, value) in pairs {
				let id = record_id(&key.0).ok_or_else(|| {
					Error::Missing(format!("a dataset key 0x{} without an id", hex::encode(&key.0)))
				})?;
				batch.push((id, decode(id, &value.0)?));
				if batch.len() == REBUILD_BATCH {
					let full = std::mem::replace(&mut batch, Vec::with_capacity(REBUILD_BATCH));
					// A send fails only if the writer stopped: its error says why.
					if send.send(Batch::Datasets(full)).is_err() {
						return Ok(());
					}
				}
			}
			if !batch.is_empty() && send.send(Batch::Datasets(batch)).is_err() {
				// As above: a writer that stopped has its error.
				return Ok(());
			}
			accountability::all(client, head, REBUILD_BATCH, |accesses| {
				// As above.
				send.send(Batch::Accesses(accesses)).is_ok()
			})
		})();
		drop(send);
		let written = writing.join().map_err(|_| Error::WriterPanicked)?;
		read.and(written)
	})?;
	let indexing = Instant::now();
	drop(bulk.finish(head, client.info().genesis_hash)?);
	let indexes = indexing.elapsed();
	index.store().replace(index.path(), &beside)?;
	index.replaced();
	index.publish(Some(head));
	let secs = started.elapsed().as_secs_f64();
	// What took the time: SQLite writing rows (on its own thread, beside
	// reading state) and making the B-tree indexes at the end.
	log::info!(
		target: LOG,
		"🔎 Search index rebuilt: {total} datasets and {contracts} contracts at #{} in {secs:.1} s ({:.0} datasets/s; rows written in {:.1} s, indexes made in {:.1} s)",
		head.number,
		total as f64 / secs.max(1e-3),
		rows.as_secs_f64(),
		indexes.as_secs_f64()
	);
	Ok(())
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn keys_are_the_runtimes_own() {
		// The key every Substrate client reads a block's events under.
		assert_eq!(
			hex::encode(events_key().0),
			"26aa394eea5630e07c48ae0c9558cef780d41e5e16056765bc8461851072c9d7"
		);
		for id in [0, 7, DatasetId::MAX] {
			assert_eq!(record_id(&Datasets::hashed_key_for(id)), Some(id));
		}
		assert_eq!(record_id(&Datasets::final_prefix()), None, "a prefix names no record");
	}
}
