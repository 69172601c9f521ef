//! The node's search index: the dataset registry as of the finalized head
//! (and of the finalized blocks of the last hour, for stable cursors), in
//! SQLite beside the chain's database.
//!
//! Searching needs no consensus: this node verified every block it indexes,
//! so an index derived from its own finalized blocks is as trustworthy as the
//! chain. A task follows finality and applies each finalized block's dataset
//! changes (the records its `Datasets` events name, with their earlier
//! versions) in one SQLite transaction together with the block it reached.
//! On start it catches up from where it stopped; an index that is missing,
//! of another chain or node version, not on the finalized chain, or behind
//! what the node can still read is rebuilt from the records in state at the
//! finalized head.

mod query;
pub(crate) mod store;
mod text;

use std::{
	collections::BTreeSet,
	path::{Path, PathBuf},
	sync::{Arc, Condvar, Mutex, MutexGuard},
	time::{Duration, Instant},
};

use citychain_primitives::{DatasetId, DepartmentId};
use citychain_runtime::{opaque::Block, BlockNumber, Hash, RuntimeEvent};
use codec::Decode;
use futures::StreamExt;
use sc_client_api::{BlockchainEvents, StorageProvider};
use sp_blockchain::HeaderBackend;
use sp_core::storage::StorageKey;
use sp_io::hashing::{twox_128, twox_64};
use tokio::sync::watch;

pub use query::{
	Cursor, Filter, Search, SortKey, Sortable, Visible, MAX_IDS, MAX_KEYWORDS, MAX_OWNERS,
	MAX_POSITIONS, MAX_SORT_KEYS,
};
#[cfg(test)]
pub(crate) use store::tests::{record as random_record, Rng};
use store::{Bulk, Stale, Store};
pub use store::{Extent, Page, Reached, Record};
pub use text::{FreeText, MAX_TERMS};

const LOG: &str = "search-index";
/// The file's name in the chain's directory (`<base>/chains/<id>/`).
pub const FILE_NAME: &str = "search-index.sqlite";
/// Records written per transaction during a rebuild.
const REBUILD_BATCH: usize = 10_000;

/// Where the index of a chain lives.
pub fn path(chain_dir: &Path) -> PathBuf {
	chain_dir.join(FILE_NAME)
}

/// The index's file and the ones beside it: SQLite's WAL and shared memory,
/// and a rebuild's new index until it takes the file's place.
pub fn files(index: &Path) -> [PathBuf; 4] {
	["", "-wal", "-shm", ".rebuild"]
		.map(|suffix| PathBuf::from(format!("{}{suffix}", index.display())))
}

fn storage_prefix(pallet: &str, item: &str) -> Vec<u8> {
	[twox_128(pallet.as_bytes()), twox_128(item.as_bytes())].concat()
}

/// The key of one record in `Datasets::Datasets` (`Twox64Concat`).
fn record_key(id: DatasetId) -> StorageKey {
	let id = id.to_le_bytes();
	StorageKey(
		[storage_prefix("Datasets", "Datasets"), twox_64(&id).to_vec(), id.to_vec()].concat(),
	)
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

/// Connections that read the index at once, at most: searches run on these
/// (WAL lets them read beside the follower's writes), never on the
/// follower's connection.
pub const READERS: usize = 6;
/// Searches that may wait for a reading connection; one more is refused as
/// busy at once rather than queued without bound.
pub const QUEUED: usize = 10;

/// The shared index: searches read it while the follower writes it.
pub struct SearchIndex {
	/// The file of `store`.
	path: PathBuf,
	/// The follower's connection, the only one that writes.
	store: Mutex<Store>,
	readers: Readers,
	/// Searches admitted: reading or waiting for a reader.
	admitted: Arc<tokio::sync::Semaphore>,
	reached: watch::Sender<Option<Reached>>,
}

/// The reading connections: idle ones, and how many are open, of the file
/// generation in use (a rebuild puts a new file in place; connections to
/// the old one are closed as they come back).
struct Readers {
	pool: Mutex<Pool>,
	returned: Condvar,
}

#[derive(Default)]
struct Pool {
	generation: u64,
	idle: Vec<Store>,
	open: usize,
}

/// A reading connection, back to the pool when dropped.
struct Reader<'a> {
	readers: &'a Readers,
	generation: u64,
	store: Option<Store>,
}

impl std::ops::Deref for Reader<'_> {
	type Target = Store;
	fn deref(&self) -> &Store {
		self.store.as_ref().expect("held until dropped")
	}
}

impl Drop for Reader<'_> {
	fn drop(&mut self) {
		let mut pool = self.readers.lock();
		match self.store.take() {
			Some(store) if pool.generation == self.generation => pool.idle.push(store),
			_ => pool.open -= 1,
		}
		self.readers.returned.notify_one();
	}
}

impl Readers {
	fn lock(&self) -> MutexGuard<'_, Pool> {
		self.pool.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
	}

	/// An idle connection, or a new one while fewer than [`READERS`] are
	/// open; else waits for one to come back.
	fn take(&self, path: &Path) -> Result<Reader<'_>, String> {
		let mut pool = self.lock();
		loop {
			let generation = pool.generation;
			if let Some(store) = pool.idle.pop() {
				return Ok(Reader { readers: self, generation, store: Some(store) });
			}
			if pool.open < READERS {
				pool.open += 1;
				drop(pool);
				return match Store::open_reader(path) {
					Ok(store) => Ok(Reader { readers: self, generation, store: Some(store) }),
					Err(e) => {
						// Counted as open: the drop gives the slot back.
						drop(Reader { readers: self, generation, store: None });
						Err(e)
					},
				};
			}
			pool = self.returned.wait(pool).unwrap_or_else(|poisoned| poisoned.into_inner());
		}
	}

	/// Closes the idle connections: the file they read was replaced.
	fn reset(&self) {
		let mut pool = self.lock();
		pool.generation += 1;
		pool.open -= pool.idle.len();
		pool.idle.clear();
		self.returned.notify_all();
	}
}

impl SearchIndex {
	fn store(&self) -> MutexGuard<'_, Store> {
		self.store.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
	}

	/// Admits a search, which may then wait for a reader; an error once
	/// [`READERS`] read and [`QUEUED`] wait already.
	pub fn admit(&self) -> Result<tokio::sync::OwnedSemaphorePermit, String> {
		self.admitted.clone().try_acquire_owned().map_err(|_| {
			format!(
				"the search index is busy ({} searches in progress); try again shortly",
				READERS + QUEUED
			)
		})
	}

	fn reader(&self) -> Result<Reader<'_>, String> {
		self.readers.take(&self.path)
	}

	/// The finalized block the index reflects; waits up to `patience` for it
	/// to reach block `number` (a block just finalized is applied within
	/// milliseconds).
	pub async fn reached(&self, number: BlockNumber, patience: Duration) -> Option<Reached> {
		let mut rx = self.reached.subscribe();
		let ready = |r: &Option<Reached>| r.is_some_and(|r| r.number >= number);
		let _ = tokio::time::timeout(patience, rx.wait_for(ready)).await;
		let reached = *rx.borrow();
		reached
	}

	/// A page of `search` as finalized block `at` held the records.
	pub fn search(&self, search: &Search, at: BlockNumber) -> Result<Page, String> {
		self.reader()?.search(search, at)
	}

	/// The extent of department `owner`'s records that `visible` admits, at
	/// finalized block `at`.
	pub fn extent(
		&self,
		owner: DepartmentId,
		visible: Option<&Visible>,
		at: BlockNumber,
	) -> Result<Extent, String> {
		self.reader()?.extent(owner, visible, at)
	}

	/// The newest version of dataset `id` at finalized block `at`.
	pub fn latest(&self, id: DatasetId, at: BlockNumber) -> Result<DatasetId, String> {
		self.reader()?.latest(id, at)
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
) -> Result<(Arc<SearchIndex>, impl std::future::Future<Output = ()>), String> {
	let store = match Store::open(path) {
		Ok(store) => store,
		Err(e) => {
			log::warn!(target: LOG, "🔎 {} is unreadable ({e}); starting a new index", path.display());
			store::remove(files(path))?;
			Store::open(path)?
		},
	};
	let (reached, _) = watch::channel(None);
	let index = Arc::new(SearchIndex {
		path: path.to_path_buf(),
		store: Mutex::new(store),
		readers: Readers { pool: Mutex::new(Pool::default()), returned: Condvar::new() },
		admitted: Arc::new(tokio::sync::Semaphore::new(READERS + QUEUED)),
		reached,
	});
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
fn catch_up<C: Chain>(client: &C, index: &SearchIndex) -> Result<(), String> {
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
		index.reached.send_replace(Some(from));
		return Ok(());
	}
	let started = Instant::now();
	for number in from.number + 1..=head.number {
		let block = client
			.hash(number)
			.map_err(|e| e.to_string())?
			.ok_or_else(|| format!("finalized block #{number} has no hash"))?;
		let reached = Reached { number, hash: block };
		match changes(client, block) {
			Ok(records) => {
				index.store().apply(records, reached)?;
				index.reached.send_replace(Some(reached));
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

/// The records block `at` changed: those its `Datasets` events name and
/// every earlier version of each (a new version supersedes its predecessor;
/// a withdrawal withdraws them all).
fn changes<C: Chain>(client: &C, at: Hash) -> Result<Vec<(DatasetId, Record)>, String> {
	let events = client
		.storage(at, &StorageKey(storage_prefix("System", "Events")))
		.map_err(|e| e.to_string())?
		.map(|data| Vec::<frame_system::EventRecord<RuntimeEvent, Hash>>::decode(&mut &data.0[..]))
		.transpose()
		.map_err(|e| format!("events: {e}"))?
		.unwrap_or_default();
	let mut ids = BTreeSet::new();
	let mut records = Vec::new();
	let mut pending: Vec<DatasetId> = events.iter().filter_map(|e| named(&e.event)).collect();
	while let Some(id) = pending.pop() {
		if !ids.insert(id) {
			continue;
		}
		let record =
			read(client, at, id)?.ok_or_else(|| format!("dataset {id} named but not stored"))?;
		pending.extend(record.predecessor);
		records.push((id, record));
	}
	Ok(records)
}

fn read<C: Chain>(client: &C, at: Hash, id: DatasetId) -> Result<Option<Record>, String> {
	client
		.storage(at, &record_key(id))
		.map_err(|e| e.to_string())?
		.map(|data| Record::decode(&mut &data.0[..]).map_err(|e| format!("dataset {id}: {e}")))
		.transpose()
}

/// Builds a new index of every record in state at `head`, in a file beside
/// the one in use, and puts it in that one's place.
fn rebuild<C: Chain>(client: &C, index: &SearchIndex, head: Reached) -> Result<(), String> {
	log::info!(target: LOG, "🔎 Rebuilding the search index from the state at #{} {}", head.number, head.hash);
	// Searches say the index is being built rather than wait on it.
	index.reached.send_replace(None);
	let started = Instant::now();
	let [.., beside] = files(&index.path);
	let bulk = Store::create(&beside)?;
	let prefix = StorageKey(storage_prefix("Datasets", "Datasets"));
	let pairs = client
		.storage_pairs(head.hash, Some(&prefix), None)
		.map_err(|e| e.to_string())?;
	// State is read and decoded here while SQLite writes the batch before in
	// a thread of its own: on two cores the rebuild takes the longer of the
	// two, not their sum.
	let (send, receive) = std::sync::mpsc::sync_channel::<Vec<(DatasetId, Record)>>(2);
	let writer = move || -> Result<(Bulk, usize, Duration), String> {
		let (mut bulk, mut total, mut busy) = (bulk, 0, Duration::ZERO);
		for batch in receive {
			let writing = Instant::now();
			total += bulk.load(batch, head.number)?;
			busy += writing.elapsed();
			if total % 100_000 == 0 {
				log::info!(target: LOG, "🔎 … {total} datasets indexed");
			}
		}
		Ok((bulk, total, busy))
	};
	let (bulk, total, rows) = std::thread::scope(|scope| {
		let writing = scope.spawn(writer);
		let read = (|| {
			let mut batch = Vec::with_capacity(REBUILD_BATCH);
			for (key, value) in pairs {
				let id_bytes: [u8; 8] = key.0[key.0.len().saturating_sub(8)..]
					.try_into()
					.map_err(|_| "malformed key")?;
				let id = DatasetId::from_le_bytes(id_bytes);
				batch.push((
					id,
					Record::decode(&mut &value.0[..]).map_err(|e| format!("dataset {id}: {e}"))?,
				));
				if batch.len() == REBUILD_BATCH {
					let full = std::mem::replace(&mut batch, Vec::with_capacity(REBUILD_BATCH));
					// A send fails only if the writer stopped: its error says why.
					if send.send(full).is_err() {
						return Ok(());
					}
				}
			}
			if !batch.is_empty() {
				// As above: a writer that stopped has its error.
				send.send(batch).ok();
			}
			Ok::<_, String>(())
		})();
		drop(send);
		let written = writing.join().map_err(|_| "the search index writer panicked".to_string())?;
		read.and(written)
	})?;
	let indexing = Instant::now();
	drop(bulk.finish(head, client.info().genesis_hash)?);
	let indexes = indexing.elapsed();
	index.store().replace(&index.path, &beside)?;
	index.readers.reset();
	index.reached.send_replace(Some(head));
	let secs = started.elapsed().as_secs_f64();
	// What took the time: SQLite writing rows (on its own thread, beside
	// reading state) and making the B-tree indexes at the end.
	log::info!(
		target: LOG,
		"🔎 Search index rebuilt: {total} datasets at #{} in {secs:.1} s ({:.0}/s; rows written in {:.1} s, indexes made in {:.1} s)",
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

	fn index(dir: &Path) -> SearchIndex {
		let path = dir.join(FILE_NAME);
		SearchIndex {
			store: Mutex::new(Store::open(&path).unwrap()),
			path,
			readers: Readers { pool: Mutex::new(Pool::default()), returned: Condvar::new() },
			admitted: Arc::new(tokio::sync::Semaphore::new(READERS + QUEUED)),
			reached: watch::channel(None).0,
		}
	}

	#[test]
	fn searches_beyond_the_readers_and_the_queue_are_refused_at_once() {
		let dir = tempfile::tempdir().unwrap();
		let index = index(dir.path());
		let admitted: Vec<_> = (0..READERS + QUEUED).map(|_| index.admit().unwrap()).collect();
		assert!(index.admit().unwrap_err().starts_with("the search index is busy"));
		drop(admitted);
		assert!(index.admit().is_ok(), "admitted again once searches ended");
	}

	#[test]
	fn searches_read_beside_the_follower_and_wait_only_for_a_reader() {
		let dir = tempfile::tempdir().unwrap();
		let index = Arc::new(index(dir.path()));
		// The follower holds its connection (a block being applied): a
		// search still reads, on a connection of its own.
		let writing = index.store();
		let search = {
			let index = index.clone();
			std::thread::spawn(move || index.search(&Search::default(), 0))
		};
		assert!(search.join().unwrap().is_ok());
		drop(writing);
		// Every reader taken: the next search waits until one comes back,
		// and then reuses it rather than open more than READERS.
		let held: Vec<_> = (0..READERS).map(|_| index.reader().unwrap()).collect();
		let (done, finished) = std::sync::mpsc::channel();
		let waiting = {
			let index = index.clone();
			std::thread::spawn(move || done.send(index.search(&Search::default(), 0).is_ok()))
		};
		assert!(finished.recv_timeout(Duration::from_millis(300)).is_err(), "it waits");
		drop(held);
		assert_eq!(finished.recv_timeout(Duration::from_secs(5)), Ok(true));
		waiting.join().unwrap().unwrap();
		assert_eq!(index.readers.lock().open, READERS);
		// A rebuild's new file: the readers of the old one are closed.
		index.readers.reset();
		assert_eq!(index.readers.lock().open, 0);
	}
}
