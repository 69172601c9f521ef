//! The shared index: searches read it on a pool of read-only connections
//! while the follower (`follower`) writes it on its own, with admission that
//! refuses a flood at once rather than queue it.

use std::{
	path::{Path, PathBuf},
	sync::{Arc, Condvar, Mutex, MutexGuard},
	time::Duration,
};

use citychain_primitives::{DatasetId, DepartmentId};
use citychain_runtime::BlockNumber;
use tokio::sync::watch;

use citychain_primitives::visibility::Visibility;

use super::{
	accesses::AccessSearch,
	aggregate::Tally,
	error::Error,
	query::Search,
	store::{AccessPage, Extent, Page, Reached, Result, Store},
};

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
	/// The finalized block the index reflects (`None` while it is rebuilt).
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
	fn take(&self, path: &Path) -> Result<Reader<'_>> {
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
	/// The index in `store`, the file at `path`, with no reader open yet and
	/// no block reached.
	pub fn new(path: &Path, store: Store) -> Self {
		Self {
			path: path.to_path_buf(),
			store: Mutex::new(store),
			readers: Readers { pool: Mutex::new(Pool::default()), returned: Condvar::new() },
			admitted: Arc::new(tokio::sync::Semaphore::new(READERS + QUEUED)),
			reached: watch::channel(None).0,
		}
	}

	/// The file of the index.
	pub fn path(&self) -> &Path {
		&self.path
	}

	/// The follower's connection.
	pub fn store(&self) -> MutexGuard<'_, Store> {
		self.store.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
	}

	/// Says the index now reflects `reached` (`None`: it is being rebuilt).
	pub fn publish(&self, reached: Option<Reached>) {
		self.reached.send_replace(reached);
	}

	/// Closes the readers' connections: the file they read was replaced.
	pub fn replaced(&self) {
		self.readers.reset();
	}

	/// Admits a search, which may then wait for a reader; an error once
	/// [`READERS`] read and [`QUEUED`] wait already.
	pub fn admit(&self) -> Result<tokio::sync::OwnedSemaphorePermit> {
		self.admitted
			.clone()
			.try_acquire_owned()
			.map_err(|_| Error::Busy { searches: READERS + QUEUED })
	}

	fn reader(&self) -> Result<Reader<'_>> {
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
	pub fn search(&self, search: &Search, at: BlockNumber) -> Result<Page> {
		self.reader()?.search(search, at)
	}

	/// A page of the access contracts `search` matches at finalized block
	/// `at` (`Store::search_accesses`).
	pub fn search_accesses(&self, search: &AccessSearch, at: BlockNumber) -> Result<AccessPage> {
		self.reader()?.search_accesses(search, at)
	}

	/// The extent of each department's records (only `owner`'s, if given)
	/// that `visible` admits, at finalized block `at` (`Store::extents`).
	pub fn extents(
		&self,
		owner: Option<DepartmentId>,
		visible: Option<&Visibility>,
		at: BlockNumber,
	) -> Result<Vec<(DepartmentId, Extent)>> {
		self.reader()?.extents(owner, visible, at)
	}

	/// Counts into `tally` what `search` matches at finalized block `at`
	/// (`Store::aggregate`).
	pub fn aggregate(&self, search: &Search, tally: &mut Tally, at: BlockNumber) -> Result<()> {
		self.reader()?.aggregate(search, tally, at)
	}

	/// The newest version of dataset `id` at finalized block `at`.
	pub fn latest(&self, id: DatasetId, at: BlockNumber) -> Result<DatasetId> {
		self.reader()?.latest(id, at)
	}
}

#[cfg(test)]
mod tests {
	use super::*;

	fn index(dir: &Path) -> SearchIndex {
		let path = dir.join(super::super::FILE_NAME);
		SearchIndex::new(&path, Store::open(&path).unwrap())
	}

	#[test]
	fn searches_beyond_the_readers_and_the_queue_are_refused_at_once() {
		let dir = tempfile::tempdir().unwrap();
		let index = index(dir.path());
		let admitted: Vec<_> = (0..READERS + QUEUED).map(|_| index.admit().unwrap()).collect();
		assert!(
			matches!(index.admit(), Err(Error::Busy { searches }) if searches == READERS + QUEUED)
		);
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
