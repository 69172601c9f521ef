//! The index's SQLite database: the versions of each dataset record that
//! finalized blocks held (its SCALE encoding, the block range it held in,
//! and the columns searches filter and sort on), an R*Tree over extents in
//! space and time, an FTS5 trigram table over titles and keywords (for
//! `text`, which matches within words), an FTS5 word table over titles,
//! descriptions and keywords (for free text, ranked), and the finalized
//! block the whole reflects.
//!
//! A record changed by block `B` ends the row that held it (`until = B`) and
//! gets a new row (`since = B`), so a search can answer at any finalized
//! block the index still holds: what a block held is every row with
//! `since <= B` and (`until` unset or `until > B`). Rows ended more than
//! [`RETAIN_BLOCKS`] blocks before the head are pruned; a rebuild holds from
//! its head on. That is what keeps a cursor stable while new blocks arrive:
//! every page of a search answers at the block its first page did.

use std::{
	path::{Path, PathBuf},
	time::{Duration, Instant},
};

use citychain_primitives::{
	datasets::MAX_HISTORY, geometry::degrees, time::MAX_TIME, BoundingBox, DatasetId, DatasetItem,
	DepartmentId,
};
use citychain_runtime::{AccountId, BlockNumber, Hash};
use codec::{Decode, Encode};
use rusqlite::{params, params_from_iter, types::Value as Sql, Connection, OptionalExtension};

use citychain_primitives::visibility::Visibility;

mod accountability;

pub use accountability::{AccessBlock, AccessPage, Found};

use super::{
	accesses::{Access, EntryAbout},
	aggregate::{Tally, MAX_AGGREGATED},
	error::Error,
	query::{Cursor, KeyValue, Record, Search},
	sql::{self, HELD_AT, KEYS, MAX_CANDIDATES},
};

/// The box of a candidate row (`sql::candidates`: columns 2 to 5).
fn row_box(row: &rusqlite::Row<'_>) -> rusqlite::Result<BoundingBox> {
	Ok(BoundingBox { west: row.get(2)?, south: row.get(3)?, east: row.get(4)?, north: row.get(5)? })
}

/// The record of a row of `records`.
fn decoded(row: &rusqlite::Row<'_>) -> rusqlite::Result<Record> {
	let blob = row.get_ref(0)?.as_blob()?;
	Record::decode(&mut &blob[..]).map_err(|e| {
		rusqlite::Error::FromSqlConversionFailure(0, rusqlite::types::Type::Blob, Box::new(e))
	})
}

/// What the store answers: a value, or why it could not.
pub type Result<T> = std::result::Result<T, Error>;

/// Bumped whenever the tables change, or what the records say changes
/// without an event (version 8: the datasets pallet's migration to storage
/// version 3 drops links of other schemes; version 9: access contracts);
/// an index of another version is rebuilt.
const SCHEMA_VERSION: i64 = 9;

/// Longest a search may run in SQLite before it is interrupted.
pub const MAX_QUERY_TIME: Duration = Duration::from_secs(2);

/// How many blocks back from the head the index can still answer at: an
/// hour of 3 s blocks. A cursor made longer ago than that has expired.
pub const RETAIN_BLOCKS: BlockNumber = 1_200;

/// SQLite instructions between two looks at the clock.
const CLOCK_EVERY: i32 = 1_000;

/// The finalized block an index reflects.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct Reached {
	/// Its number.
	pub number: BlockNumber,
	/// Its hash.
	pub hash: Hash,
}

/// How many records of one department a reader may see, the box around
/// their footprints (degrees; all longitudes if one crosses the
/// antimeridian) and the time they span (`end` `None`: one is ongoing).
#[derive(Clone, Copy, PartialEq, Debug, Default)]
pub struct Extent {
	/// How many records.
	pub count: u64,
	/// `[west, south, east, north]`; `None` without records.
	pub bbox: Option<[f64; 4]>,
	/// The earliest start (ms since the Unix epoch); `None` without
	/// records.
	pub start: Option<i64>,
	/// The latest end (ms since the Unix epoch); `None` without records or
	/// if one is ongoing.
	pub end: Option<i64>,
}

/// Why the file cannot be used as it is.
#[derive(Debug, PartialEq, Eq)]
pub enum Stale {
	/// New, or left by an interrupted rebuild.
	Empty,
	/// Written by another version of the node.
	Schema(i64),
	/// Of another chain.
	Genesis,
}

/// A page of a search: the records, and the cursor of the next page.
#[derive(Clone, Debug)]
pub struct Page {
	/// The records, in the search's order.
	pub items: Vec<DatasetItem<AccountId, BlockNumber>>,
	/// The page after this one, if one is.
	pub next: Option<Cursor>,
	/// The page before this one, if one is.
	pub prev: Option<Cursor>,
}

pub struct Store {
	db: Connection,
}

/// The tables; `INDEXES` after them (a rebuild creates those last, from
/// sorted rows, rather than row by row). `datasets` holds only what searches
/// filter and sort on, so that a search reads narrow rows for every
/// candidate; the SCALE records (most of the bytes) are in `records`, read
/// for the rows a page returns. The R*Tree holds integers, exact for
/// coordinates; its times are minutes rounded outward (`minutes`), and the
/// exact times are in `datasets`.
const TABLES: &str = "
	CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value BLOB NOT NULL);
	CREATE TABLE IF NOT EXISTS datasets (
		rid INTEGER PRIMARY KEY,
		id INTEGER NOT NULL,
		since INTEGER NOT NULL,
		until INTEGER,
		successor INTEGER,
		owner INTEGER NOT NULL,
		status INTEGER NOT NULL,
		topic INTEGER NOT NULL,
		policy INTEGER NOT NULL,
		sensitivity INTEGER NOT NULL,
		start_ms INTEGER NOT NULL,
		end_ms INTEGER NOT NULL,
		west INTEGER NOT NULL,
		south INTEGER NOT NULL,
		east INTEGER NOT NULL,
		north INTEGER NOT NULL,
		title TEXT NOT NULL,
		mention BLOB NOT NULL,
		created_ms INTEGER NOT NULL,
		updated_ms INTEGER NOT NULL,
		version INTEGER NOT NULL,
		created_block INTEGER NOT NULL,
		updated_block INTEGER NOT NULL
	);
	CREATE TABLE IF NOT EXISTS records (rid INTEGER PRIMARY KEY, record BLOB NOT NULL);
	CREATE VIRTUAL TABLE IF NOT EXISTS extents USING rtree_i32 (
		slot, west, east, south, north, start, end
	);
	CREATE VIRTUAL TABLE IF NOT EXISTS words USING fts5 (
		title, keywords, content='', contentless_delete=1, tokenize='trigram'
	);
	CREATE VIRTUAL TABLE IF NOT EXISTS terms USING fts5 (
		title, description, keywords, content='', contentless_delete=1,
		tokenize='unicode61 remove_diacritics 0'
	);
";

const INDEXES: &str = "
	CREATE UNIQUE INDEX IF NOT EXISTS datasets_current ON datasets (id) WHERE until IS NULL;
	CREATE INDEX IF NOT EXISTS datasets_id ON datasets (id, since);
	CREATE INDEX IF NOT EXISTS datasets_owner ON datasets (owner, id);
	CREATE INDEX IF NOT EXISTS datasets_ended ON datasets (until) WHERE until IS NOT NULL;
";

/// SQLite's page cache while a rebuild loads, in KiB: the R*Tree and the
/// word tables are written all over, and a small cache reads their pages
/// back from the file again and again.
const BULK_CACHE_KIB: i64 = 256 * 1024;

/// SQLite's page cache of the index in use, in KiB: pages it holds are not
/// parsed again on each read.
const CACHE_KIB: i64 = 64 * 1024;

/// How much of the file searches read through a memory map rather than
/// `read` calls (address space, not memory: the kernel's page cache holds
/// the pages either way, a map saves the copy and the system call).
const MMAP_BYTES: i64 = 16 << 30;

/// What `text` searches in (`Dataset::mentions`), ASCII lower case: the
/// title and each keyword, each on a line of its own. A needle found in a
/// record's title or a keyword is found in this (a needle with a line break
/// may be found where the record does not mention it: `matches` decides).
fn mention(record: &Record) -> Vec<u8> {
	let mut text = record.title.to_ascii_lowercase();
	for keyword in record.keywords.iter() {
		text.push(b'\n');
		text.extend(keyword.iter().map(u8::to_ascii_lowercase));
	}
	text
}

fn keywords(record: &Record) -> String {
	record
		.keywords
		.iter()
		.map(|k| String::from_utf8_lossy(k))
		.collect::<Vec<_>>()
		.join("\n")
}

/// The index's file and the ones beside it: SQLite's WAL and shared memory,
/// and a rebuild's new index until it takes the file's place.
pub fn files(index: &Path) -> [PathBuf; 4] {
	["", "-wal", "-shm", ".rebuild"]
		.map(|suffix| PathBuf::from(format!("{}{suffix}", index.display())))
}

/// Removes those of `files` that exist.
pub fn remove(files: impl IntoIterator<Item = PathBuf>) -> Result<()> {
	for path in files.into_iter().filter(|f| f.exists()) {
		std::fs::remove_file(&path).map_err(|source| Error::File { path, source })?;
	}
	Ok(())
}

fn set_meta(db: &Connection, key: &str, value: &[u8]) -> Result<()> {
	db.prepare_cached("INSERT OR REPLACE INTO meta (key, value) VALUES (?1, ?2)")
		.and_then(|mut set| set.execute(params![key, value]))
		.map(drop)
		.map_err(Error::from)
}

/// Adds a row for `record` holding from block `since`, with its extent and
/// words.
fn insert(db: &Connection, id: DatasetId, record: &Record, since: i64) -> rusqlite::Result<()> {
	let title = String::from_utf8_lossy(&record.title);
	let end = record.time.end.unwrap_or(MAX_TIME);
	db.prepare_cached(
		"INSERT INTO datasets
		 (id, since, successor, owner, status, topic, policy, sensitivity, start_ms, end_ms,
		  west, south, east, north, title, mention, created_ms, updated_ms, version, created_block,
		  updated_block)
		 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20, ?21)",
	)?
	.execute(params![
		id as i64,
		since,
		record.successor.map(|s| s as i64),
		record.owner,
		record.status as u8,
		record.topic as u8,
		record.policy as u8,
		record.sensitivity as u8,
		record.time.start,
		end,
		record.bbox.west,
		record.bbox.south,
		record.bbox.east,
		record.bbox.north,
		title,
		mention(record),
		record.created.time as i64,
		record.updated.time as i64,
		record.version,
		record.created.block,
		record.updated.block,
	])?;
	let rid = db.last_insert_rowid();
	db.prepare_cached("INSERT INTO records (rid, record) VALUES (?1, ?2)")?
		.execute(params![rid, record.encode()])?;
	let mut place = db.prepare_cached(
		"INSERT INTO extents (slot, west, east, south, north, start, end) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
	)?;
	for (half, (west, east)) in (0..).zip(record.bbox.longitude_spans()) {
		place.execute(params![
			2 * rid + half,
			west,
			east,
			record.bbox.south,
			record.bbox.north,
			sql::minutes(record.time.start, false),
			sql::minutes(end, true)
		])?;
	}
	let keywords = keywords(record);
	db.prepare_cached("INSERT INTO words (rowid, title, keywords) VALUES (?1, ?2, ?3)")?
		.execute(params![rid, title, keywords])?;
	db.prepare_cached(
		"INSERT INTO terms (rowid, title, description, keywords) VALUES (?1, ?2, ?3, ?4)",
	)?
	.execute(params![rid, title, String::from_utf8_lossy(&record.description), keywords])?;
	Ok(())
}

/// A new index being filled by a rebuild (`Store::create`).
pub struct Bulk {
	db: Connection,
}

impl Bulk {
	fn new(db: Connection) -> Result<Self> {
		// Nothing here needs to survive a crash: an unfinished file is
		// rebuilt from scratch.
		db.pragma_update(None, "journal_mode", "OFF")?;
		db.pragma_update(None, "synchronous", "OFF")?;
		db.pragma_update(None, "cache_size", -BULK_CACHE_KIB)?;
		db.execute_batch(TABLES)?;
		db.execute_batch(accountability::TABLES)?;
		Ok(Self { db })
	}

	/// Adds `records` (id, record) as they hold from the rebuild's head on.
	pub fn load(
		&mut self,
		records: impl IntoIterator<Item = (DatasetId, Record)>,
		head: BlockNumber,
	) -> Result<usize> {
		let tx = self.db.transaction()?;
		let mut written = 0;
		for (id, record) in records {
			insert(&tx, id, &record, head.into())?;
			written += 1;
		}
		tx.commit()?;
		Ok(written)
	}

	/// Adds access contracts, each with the audit entries about it, as they
	/// hold from the rebuild's head on.
	pub fn load_accesses(
		&mut self,
		accesses: impl IntoIterator<Item = (Access, Vec<EntryAbout>)>,
		head: BlockNumber,
	) -> Result<usize> {
		let tx = self.db.transaction()?;
		let mut written = 0;
		for (access, entries) in accesses {
			accountability::insert_entries(&tx, &entries)?;
			accountability::insert(&tx, &access, head.into())?;
			written += 1;
		}
		tx.commit()?;
		Ok(written)
	}

	/// Makes the indexes and marks the index as built for the chain of
	/// `genesis` by this version, holding from `head` on.
	pub fn finish(self, head: Reached, genesis: Hash) -> Result<Store> {
		self.db.execute_batch(INDEXES)?;
		self.db.execute_batch(accountability::INDEXES)?;
		set_meta(&self.db, "schema", &SCHEMA_VERSION.encode())?;
		set_meta(&self.db, "genesis", genesis.as_ref())?;
		set_meta(&self.db, "rebuilt", &head.number.encode())?;
		set_meta(&self.db, "reached", &(head.number, head.hash).encode())?;
		Ok(Store { db: self.db })
	}
}

impl Store {
	/// Opens (creating if needed) the database at `path`.
	pub fn open(path: &Path) -> Result<Self> {
		let db = Connection::open(path)?;
		db.pragma_update(None, "journal_mode", "WAL")?;
		db.pragma_update(None, "synchronous", "NORMAL")?;
		db.pragma_update(None, "mmap_size", MMAP_BYTES)?;
		db.pragma_update(None, "cache_size", -CACHE_KIB)?;
		db.execute_batch(TABLES)?;
		db.execute_batch(INDEXES)?;
		db.execute_batch(accountability::TABLES)?;
		db.execute_batch(accountability::INDEXES)?;
		Ok(Self { db })
	}

	/// Opens the database at `path` for reading only, beside the writer's
	/// connection: in WAL mode a reader sees the last committed block and
	/// neither waits for the writer nor holds it up.
	pub fn open_reader(path: &Path) -> Result<Self> {
		use rusqlite::OpenFlags;
		let flags = OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX;
		let db = Connection::open_with_flags(path, flags)?;
		db.pragma_update(None, "mmap_size", MMAP_BYTES)?;
		db.pragma_update(None, "cache_size", -CACHE_KIB)?;
		Ok(Self { db })
	}

	/// Starts a new index in a file of its own at `path` (replacing any file
	/// there), to be filled by a rebuild: no journal, no syncing, the indexes
	/// made at the end. A rebuild interrupted by a crash leaves only this
	/// file, which the next rebuild replaces; the index in use is swapped for
	/// it (`replace`) once it is complete.
	pub fn create(path: &Path) -> Result<Bulk> {
		// No journal to remove: `Bulk` turns it off before it writes.
		remove([path.to_path_buf()])?;
		Bulk::new(Connection::open(path)?)
	}

	/// Closes this index and puts the complete one at `built` in its place
	/// at `path`.
	pub fn replace(&mut self, path: &Path, built: &Path) -> Result<()> {
		// Closing the last connection checkpoints the WAL and removes it, so
		// no WAL of the old file can be applied to the new one.
		let old = std::mem::replace(&mut self.db, Connection::open_in_memory()?);
		old.close().map_err(|(_, e)| e)?;
		let [_, wal, shm, _] = files(path);
		remove([wal, shm])?;
		std::fs::rename(built, path)
			.map_err(|source| Error::File { path: built.to_path_buf(), source })?;
		*self = Self::open(path)?;
		Ok(())
	}

	fn meta(&self, key: &str) -> Result<Option<Vec<u8>>> {
		self.db
			.query_row("SELECT value FROM meta WHERE key = ?1", [key], |r| r.get(0))
			.optional()
			.map_err(Error::from)
	}

	/// The SCALE value of `key` in `meta`; `None` if it is missing or does
	/// not decode.
	fn decoded<T: Decode>(&self, key: &str) -> Result<Option<T>> {
		Ok(self.meta(key)?.and_then(|v| T::decode(&mut &v[..]).ok()))
	}

	/// The finalized block the index reflects, if it was built for the chain
	/// of `genesis` by this version of the node.
	pub fn reached(&self, genesis: Hash) -> Result<std::result::Result<Reached, Stale>> {
		match self.decoded::<i64>("schema")? {
			None => return Ok(Err(Stale::Empty)),
			Some(v) if v != SCHEMA_VERSION => return Ok(Err(Stale::Schema(v))),
			Some(_) => {},
		}
		if self.meta("genesis")?.as_deref() != Some(genesis.as_ref()) {
			return Ok(Err(Stale::Genesis));
		}
		let reached = self.decoded::<(BlockNumber, Hash)>("reached")?;
		Ok(reached.map(|(number, hash)| Reached { number, hash }).ok_or(Stale::Empty))
	}

	/// The oldest block the index can still answer at: its rebuild's head, or
	/// `RETAIN_BLOCKS` before the block it reached.
	pub fn oldest(&self) -> Result<BlockNumber> {
		let reached = self.decoded::<(BlockNumber, Hash)>("reached")?;
		let kept = reached.map_or(0, |(n, _)| n.saturating_sub(RETAIN_BLOCKS));
		Ok(self.decoded::<BlockNumber>("rebuilt")?.unwrap_or_default().max(kept))
	}

	/// Writes `records` (id, record) and the access contracts of `accesses`
	/// as they hold from block `reached` on and, in the same transaction,
	/// that the index now reflects `reached`; prunes the rows that ended
	/// more than `RETAIN_BLOCKS` before it.
	pub fn apply(
		&mut self,
		records: impl IntoIterator<Item = (DatasetId, Record)>,
		accesses: &AccessBlock,
		reached: Reached,
	) -> Result<usize> {
		let tx = self.db.transaction()?;
		let block = i64::from(reached.number);
		let mut written = 0;
		{
			let mut end = tx
				.prepare_cached("UPDATE datasets SET until = ?2 WHERE id = ?1 AND until IS NULL")?;
			for (id, record) in records {
				end.execute(params![id as i64, block])?;
				insert(&tx, id, &record, block)?;
				written += 1;
			}
		}
		written += accountability::apply(&tx, accesses, block)?;
		// Rows that ended before the horizon: no block the index answers at
		// holds them any more.
		let horizon = block - i64::from(RETAIN_BLOCKS);
		let ended: Vec<i64> = tx
			.prepare_cached("SELECT rid FROM datasets WHERE until <= ?1")
			.and_then(|mut q| q.query_map([horizon], |r| r.get(0))?.collect())?;
		{
			let mut unplace =
				tx.prepare_cached("DELETE FROM extents WHERE slot IN (?1, ?1 + 1)")?;
			let mut unword = tx.prepare_cached("DELETE FROM words WHERE rowid = ?1")?;
			let mut unterm = tx.prepare_cached("DELETE FROM terms WHERE rowid = ?1")?;
			let mut unrow = tx.prepare_cached("DELETE FROM datasets WHERE rid = ?1")?;
			let mut unrecord = tx.prepare_cached("DELETE FROM records WHERE rid = ?1")?;
			for rid in ended {
				unplace.execute([2 * rid])?;
				unword.execute([rid])?;
				unterm.execute([rid])?;
				unrow.execute([rid])?;
				unrecord.execute([rid])?;
			}
		}
		accountability::prune(&tx, horizon)?;
		set_meta(&tx, "reached", &(reached.number, reached.hash).encode())?;
		tx.commit()?;
		Ok(written)
	}

	/// The newest version, at block `at`, of the dataset `id`: its successors
	/// followed to the end.
	pub fn latest(&self, id: DatasetId, at: BlockNumber) -> Result<DatasetId> {
		self.within(MAX_QUERY_TIME, || {
			let mut successor_of = self.db.prepare_cached(&format!(
				"SELECT successor FROM datasets WHERE id = ?1 AND {HELD_AT}"
			))?;
			let mut latest = id;
			for _ in 0..MAX_HISTORY {
				let next: Option<i64> = successor_of
					.query_row(params![latest as i64, at, at], |r| r.get(0))
					.optional()?
					.flatten();
				match next {
					Some(next) => latest = next as DatasetId,
					None => break,
				}
			}
			Ok(latest)
		})
	}

	/// The extent, at block `at`, of the records of each department (only
	/// `owner`, if given) that `visible` admits (`None`: all), in the order
	/// of the departments' ids; a department without such records is left
	/// out. Each department's aggregate runs within a budget of its own, as
	/// when each was asked for apart.
	pub fn extents(
		&self,
		owner: Option<DepartmentId>,
		visible: Option<&Visibility>,
		at: BlockNumber,
	) -> Result<Vec<(DepartmentId, Extent)>> {
		let owners: Vec<DepartmentId> = match owner {
			Some(owner) => vec![owner],
			// From the owner index alone.
			None => self.within(MAX_QUERY_TIME, || {
				let mut owners =
					self.db.prepare_cached("SELECT DISTINCT owner FROM datasets ORDER BY owner")?;
				let found = owners.query_map([], |r| r.get(0))?.collect();
				found
			})?,
		};
		let mut extents = Vec::with_capacity(owners.len());
		for owner in owners {
			let extent = self.extent(owner, visible, at)?;
			if extent.count > 0 {
				extents.push((owner, extent));
			}
		}
		Ok(extents)
	}

	/// The extent, at block `at`, of the records of department `owner` that
	/// `visible` admits (`None`: all).
	fn extent(
		&self,
		owner: DepartmentId,
		visible: Option<&Visibility>,
		at: BlockNumber,
	) -> Result<Extent> {
		let mut args =
			vec![Sql::Integer(at.into()), Sql::Integer(at.into()), Sql::Integer(owner.into())];
		let mut filters = format!("{HELD_AT} AND owner = ?");
		if let Some(condition) = visible.map(sql::visible) {
			filters.push_str(&format!(" AND {}", condition.sql));
			args.extend(condition.args);
		}
		// A box across the antimeridian has its west east of its east.
		let sql = format!(
			"SELECT count(*), min(west), min(south), max(east), max(north), max(west > east), min(start_ms), max(end_ms)
			 FROM datasets WHERE {filters}"
		);
		self.within(MAX_QUERY_TIME, || {
			self.db.prepare_cached(&sql)?.query_row(params_from_iter(args), |r| {
				let count = r.get::<_, i64>(0)? as u64;
				let across: Option<bool> = r.get(5)?;
				let end: Option<i64> = r.get(7)?;
				let corner = |i| r.get::<_, Option<i32>>(i);
				let bbox = match (corner(1)?, corner(2)?, corner(3)?, corner(4)?) {
					(Some(_), Some(s), Some(_), Some(n)) if across == Some(true) => {
						Some([-180.0, degrees(s), 180.0, degrees(n)])
					},
					(Some(w), Some(s), Some(e), Some(n)) => {
						Some([degrees(w), degrees(s), degrees(e), degrees(n)])
					},
					_ => None,
				};
				Ok(Extent { count, bbox, start: r.get(6)?, end: end.filter(|&e| e != MAX_TIME) })
			})
		})
	}

	/// A page of the records that match every filter of a validated
	/// `search`, as block `at` held them (the cursor's block, if there is
	/// one), in the search's sort order: SQL narrows the candidates and
	/// sorts, `Search::matches` (the primitives' `DatasetQuery::matches` and
	/// the index's own filters) decides. At most `MAX_CANDIDATES`
	/// candidates are examined; a page cut short by that bound carries a
	/// cursor to continue from.
	pub fn search(&self, search: &Search, at: BlockNumber) -> Result<Page> {
		self.search_within(search, at, MAX_QUERY_TIME)
	}

	/// `search`, interrupted (an error) once it has run for `budget`.
	fn search_within(&self, search: &Search, at: BlockNumber, budget: Duration) -> Result<Page> {
		let oldest = self.oldest()?;
		if at < oldest {
			return Err(Error::Expired { at, oldest });
		}
		self.within(budget, || self.run(search, at))
	}

	/// Counts into `tally` every record a validated `search` matches (its
	/// cursor and limit aside) as block `at` held them: the records its pages
	/// would return, found as they are (SQL narrows, `Search::matches`
	/// decides, the reader's visibility included). A search with more than
	/// [`MAX_AGGREGATED`] candidates is refused, not counted in part.
	pub fn aggregate(&self, search: &Search, tally: &mut Tally, at: BlockNumber) -> Result<()> {
		let oldest = self.oldest()?;
		if at < oldest {
			return Err(Error::Expired { at, oldest });
		}
		let unordered = Search { sort: Vec::new(), cursor: None, ..search.clone() };
		let (sql, args) = sql::candidates_up_to(&unordered, at, MAX_AGGREGATED + 1);
		let examined = self.within(MAX_QUERY_TIME, || {
			let mut statement = self.db.prepare_cached(&sql)?;
			let mut rows = statement.query(params_from_iter(args))?;
			let mut read = self.db.prepare_cached("SELECT record FROM records WHERE rid = ?1")?;
			let mut examined = 0;
			while let Some(row) = rows.next()? {
				examined += 1;
				if examined > MAX_AGGREGATED {
					break;
				}
				if !unordered.meets(&row_box(row)?) {
					continue;
				}
				let id = row.get::<_, i64>(0)? as DatasetId;
				let dataset = read.query_row([row.get::<_, i64>(1)?], decoded)?;
				if unordered.matches(id, &dataset) {
					tally.add(id, &dataset);
				}
			}
			Ok(examined)
		})?;
		if examined > MAX_AGGREGATED {
			return Err(Error::TooMany { most: MAX_AGGREGATED });
		}
		Ok(())
	}

	/// Runs the queries of `read`, interrupted (an error) once they have run
	/// for `budget` in all.
	pub fn within<T>(
		&self,
		budget: Duration,
		read: impl FnOnce() -> rusqlite::Result<T>,
	) -> Result<T> {
		let deadline = Instant::now() + budget;
		self.db.progress_handler(CLOCK_EVERY, Some(move || Instant::now() >= deadline));
		let out = read().map_err(|e| match e {
			rusqlite::Error::SqliteFailure(f, _)
				if f.code == rusqlite::ErrorCode::OperationInterrupted =>
			{
				Error::Stopped(budget)
			},
			e => Error::Sqlite(e),
		});
		self.db.progress_handler(0, None::<fn() -> bool>);
		out
	}

	fn run(&self, search: &Search, at: BlockNumber) -> rusqlite::Result<Page> {
		let query = &search.query;
		let backward = search.cursor.as_ref().is_some_and(|c| c.backward);
		let keyed = search.order().len();
		let (sql, args) = sql::candidates(search, at);
		let mut statement = self.db.prepare_cached(&sql)?;
		let mut rows = statement.query(params_from_iter(args))?;
		// Records are read one by one as the candidates come, in order, until
		// the page is full: SQL sorts narrow rows.
		let mut read = self.db.prepare_cached("SELECT record FROM records WHERE rid = ?1")?;
		let cursor_at = |(id, keys): (DatasetId, Vec<KeyValue>), backward: bool| Cursor {
			block: at,
			keys,
			id,
			backward,
		};
		let (mut items, mut examined, mut last) = (Vec::new(), 0, None);
		// The id and sort values of the first and the last match in the
		// scan's order: where a page starts and ends.
		let (mut first_item, mut last_item) = (None, None);
		// Where the scan would go on: after the last match if one more
		// exists, after the last row read if the bound cut the scan short.
		let mut onward = None;
		while let Some(row) = rows.next()? {
			let id = row.get::<_, i64>(0)? as DatasetId;
			let keys = (0..keyed)
				.map(|i| match row.get::<_, Sql>(KEYS + i)? {
					Sql::Integer(v) => Ok(KeyValue::Int(v)),
					Sql::Text(t) => Ok(KeyValue::Text(t)),
					other => Err(rusqlite::Error::InvalidColumnType(
						KEYS + i,
						format!("{other:?}"),
						other.data_type(),
					)),
				})
				.collect::<rusqlite::Result<Vec<_>>>()?;
			examined += 1;
			// A footprint that misses the geometry is decided without the
			// record.
			if !search.meets(&row_box(row)?) {
				last = Some((id, keys));
				continue;
			}
			let dataset = read.query_row([row.get::<_, i64>(1)?], decoded)?;
			if search.matches(id, &dataset) {
				if items.len() == query.limit as usize {
					onward = last_item.take();
					break;
				}
				items.push(DatasetItem { id, dataset });
				first_item.get_or_insert_with(|| (id, keys.clone()));
				last_item = Some((id, keys.clone()));
			}
			last = Some((id, keys));
		}
		if onward.is_none() && examined == MAX_CANDIDATES {
			onward = last;
		}
		let cursor = search.cursor.as_ref();
		Ok(if backward {
			// Read from the cursor back: the next page starts after the
			// match nearest the cursor (the one it came from, if none).
			items.reverse();
			let next = first_item
				.map(|f| cursor_at(f, false))
				.or_else(|| cursor.map(|c| Cursor { backward: false, ..c.clone() }));
			Page { items, next, prev: onward.map(|o| cursor_at(o, true)) }
		} else {
			// A page a cursor led to has pages before it.
			let prev = cursor.map(|c| {
				first_item
					.map(|f| cursor_at(f, true))
					.unwrap_or_else(|| Cursor { backward: true, ..c.clone() })
			});
			Page { items, next: onward.map(|o| cursor_at(o, false)), prev }
		})
	}
}

#[cfg(test)]
mod tests;
