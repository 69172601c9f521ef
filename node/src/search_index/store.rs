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
	datasets::MAX_HISTORY,
	geometry::{degrees, DEGREE, MAX_LATITUDE, MAX_LONGITUDE},
	time::{MAX_TIME, MIN_TIME},
	BoundingBox, Dataset, DatasetId, DatasetItem, DepartmentId, TimeInterval,
};
use geo::BoundingRect;

use super::{
	query::{one_of, Condition, Cursor, KeyValue, Search, Visible},
	text::FreeText,
};
use citychain_runtime::{AccountId, BlockNumber, Hash};
use codec::{Decode, Encode};
use rusqlite::{params, params_from_iter, types::Value as Sql, Connection, OptionalExtension};

/// A dataset's record as the runtime stores it.
pub type Record = Dataset<AccountId, BlockNumber>;

/// Bumped whenever the tables change, or what the records say changes
/// without an event (version 8: the datasets pallet's migration to storage
/// version 3 drops links of other schemes); an index of another version is
/// rebuilt.
const SCHEMA_VERSION: i64 = 8;

/// Most candidate rows one search examines before it returns a (possibly
/// short) page with a cursor to continue from: the bound on a query's work.
pub const MAX_CANDIDATES: usize = 10_000;

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
#[derive(Clone, Copy, PartialEq, Debug)]
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

/// The R*Tree's time of `ms`: minutes, rounded down for a start (`up`
/// false) and up for an end, so that its interval covers the exact one.
/// `MIN_TIME..=MAX_TIME` in minutes fits in the R*Tree's 32 bits.
fn minutes(ms: i64, up: bool) -> i64 {
	const MINUTE: i64 = 60_000;
	if up {
		ms.div_euclid(MINUTE) + i64::from(ms.rem_euclid(MINUTE) != 0)
	} else {
		ms.div_euclid(MINUTE)
	}
}

/// The rows of `datasets` that block `?` (bound twice) held.
const HELD_AT: &str = "since <= ? AND (until IS NULL OR until > ?)";

/// The R*Tree rows of a box: one, or two halves if it crosses the
/// antimeridian. A row's slot is `2 * rid + half`.
pub(super) fn halves(b: &BoundingBox) -> Vec<(i64, i32, i32)> {
	if b.crosses_antimeridian() {
		vec![(0, b.west, MAX_LONGITUDE), (1, -MAX_LONGITUDE, b.east)]
	} else {
		vec![(0, b.west, b.east)]
	}
}

fn keywords(record: &Record) -> String {
	record
		.keywords
		.iter()
		.map(|k| String::from_utf8_lossy(k))
		.collect::<Vec<_>>()
		.join("\n")
}

fn sql_error(e: rusqlite::Error) -> String {
	format!("search index: {e}")
}

/// Narrows `filters` to the rows whose extent meets `bbox` (any place if
/// none) and `time` (any time if none).
fn extents(
	filters: &mut Vec<String>,
	args: &mut Vec<Sql>,
	bbox: Option<&BoundingBox>,
	time: Option<&TimeInterval>,
) {
	let (south, north) = bbox.map_or((-MAX_LATITUDE, MAX_LATITUDE), |b| (b.south, b.north));
	let (start, end) = time
		.map_or((MIN_TIME, MAX_TIME), |t| (t.start.unwrap_or(MIN_TIME), t.end.unwrap_or(MAX_TIME)));
	let parts = bbox.map_or(vec![(0, -MAX_LONGITUDE, MAX_LONGITUDE)], halves);
	let select = "SELECT slot >> 1 FROM extents WHERE west <= ? AND east >= ? AND south <= ? \
		AND north >= ? AND start <= ? AND end >= ?";
	filters.push(format!("rid IN ({})", vec![select; parts.len()].join(" UNION ")));
	for (_, west, east) in parts {
		args.extend([east, west, north, south].map(|v| Sql::Integer(v.into())));
		args.extend([minutes(end, true), minutes(start, false)].map(Sql::Integer));
	}
	if time.is_some() {
		filters.push("start_ms <= ? AND end_ms >= ?".into());
		args.extend([end, start].map(Sql::Integer));
	}
}

/// Rows after the cursor in the order `(keys…, id)`: for keys `k1, k2` with
/// values `v1, v2`, `k1 > v1 OR (k1 = v1 AND k2 > v2) OR (k1 = v1 AND k2 = v2
/// AND id > vid)`, each `>` a `<` for a descending key.
fn after(order: &[(String, bool)], cursor: &Cursor, args: &mut Vec<Sql>) -> String {
	// `order` is the order of the scan: reversed for a backward cursor, the
	// id's included.
	let id_descending = cursor.backward;
	let values: Vec<Sql> = cursor
		.keys
		.iter()
		.map(|value| match value {
			KeyValue::Int(i) => Sql::Integer(*i),
			KeyValue::Text(t) => Sql::Text(t.clone()),
		})
		.chain([Sql::Integer(cursor.id as i64)])
		.collect();
	let columns: Vec<(&str, bool)> = order
		.iter()
		.map(|(expr, d)| (expr.as_str(), *d))
		.chain([("id", id_descending)])
		.collect();
	let mut any = Vec::new();
	for (i, (expr, descending)) in columns.iter().enumerate() {
		let mut all: Vec<String> = columns[..i].iter().map(|(e, _)| format!("{e} = ?")).collect();
		all.push(format!("{expr} {} ?", if *descending { "<" } else { ">" }));
		args.extend(values[..=i].iter().cloned());
		any.push(format!("({})", all.join(" AND ")));
	}
	format!("({})", any.join(" OR "))
}

/// `WITH scores (hit, score)`: the rows in which a term of `text` occurs,
/// each with its rank (the weights of the columns each term occurs in).
fn scores(text: &FreeText, args: &mut Vec<Sql>) -> String {
	let hits: Vec<String> = text
		.queries()
		.map(|(query, weight)| {
			args.push(Sql::Text(query));
			format!("SELECT rowid AS hit, {weight} AS weight FROM terms WHERE terms MATCH ?")
		})
		.collect();
	format!(
		"WITH scores (hit, score) AS (SELECT hit, SUM(weight) FROM ({}) GROUP BY hit) ",
		hits.join(" UNION ALL ")
	)
}

/// Removes those of `files` that exist.
pub(super) fn remove(files: impl IntoIterator<Item = PathBuf>) -> Result<(), String> {
	for file in files.into_iter().filter(|f| f.exists()) {
		std::fs::remove_file(&file).map_err(|e| format!("removing {}: {e}", file.display()))?;
	}
	Ok(())
}

fn set_meta(db: &Connection, key: &str, value: &[u8]) -> Result<(), String> {
	db.prepare_cached("INSERT OR REPLACE INTO meta (key, value) VALUES (?1, ?2)")
		.and_then(|mut set| set.execute(params![key, value]))
		.map(drop)
		.map_err(sql_error)
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
	for (half, west, east) in halves(&record.bbox) {
		place.execute(params![
			2 * rid + half,
			west,
			east,
			record.bbox.south,
			record.bbox.north,
			minutes(record.time.start, false),
			minutes(end, true)
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
	fn new(db: Connection) -> Result<Self, String> {
		// Nothing here needs to survive a crash: an unfinished file is
		// rebuilt from scratch.
		db.pragma_update(None, "journal_mode", "OFF").map_err(sql_error)?;
		db.pragma_update(None, "synchronous", "OFF").map_err(sql_error)?;
		db.pragma_update(None, "cache_size", -BULK_CACHE_KIB).map_err(sql_error)?;
		db.execute_batch(TABLES).map_err(sql_error)?;
		Ok(Self { db })
	}

	/// Adds `records` (id, record) as they hold from the rebuild's head on.
	pub fn load(
		&mut self,
		records: impl IntoIterator<Item = (DatasetId, Record)>,
		head: BlockNumber,
	) -> Result<usize, String> {
		let tx = self.db.transaction().map_err(sql_error)?;
		let mut written = 0;
		for (id, record) in records {
			insert(&tx, id, &record, head.into()).map_err(sql_error)?;
			written += 1;
		}
		tx.commit().map_err(sql_error)?;
		Ok(written)
	}

	/// Makes the indexes and marks the index as built for the chain of
	/// `genesis` by this version, holding from `head` on.
	pub fn finish(self, head: Reached, genesis: Hash) -> Result<Store, String> {
		self.db.execute_batch(INDEXES).map_err(sql_error)?;
		set_meta(&self.db, "schema", &SCHEMA_VERSION.encode())?;
		set_meta(&self.db, "genesis", genesis.as_ref())?;
		set_meta(&self.db, "rebuilt", &head.number.encode())?;
		set_meta(&self.db, "reached", &(head.number, head.hash).encode())?;
		Ok(Store { db: self.db })
	}
}

impl Store {
	/// Opens (creating if needed) the database at `path`.
	pub fn open(path: &Path) -> Result<Self, String> {
		let db = Connection::open(path).map_err(sql_error)?;
		db.pragma_update(None, "journal_mode", "WAL").map_err(sql_error)?;
		db.pragma_update(None, "synchronous", "NORMAL").map_err(sql_error)?;
		db.pragma_update(None, "mmap_size", MMAP_BYTES).map_err(sql_error)?;
		db.pragma_update(None, "cache_size", -CACHE_KIB).map_err(sql_error)?;
		db.execute_batch(TABLES).map_err(sql_error)?;
		db.execute_batch(INDEXES).map_err(sql_error)?;
		Ok(Self { db })
	}

	/// Opens the database at `path` for reading only, beside the writer's
	/// connection: in WAL mode a reader sees the last committed block and
	/// neither waits for the writer nor holds it up.
	pub fn open_reader(path: &Path) -> Result<Self, String> {
		use rusqlite::OpenFlags;
		let flags = OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX;
		let db = Connection::open_with_flags(path, flags).map_err(sql_error)?;
		db.pragma_update(None, "mmap_size", MMAP_BYTES).map_err(sql_error)?;
		db.pragma_update(None, "cache_size", -CACHE_KIB).map_err(sql_error)?;
		Ok(Self { db })
	}

	/// Starts a new index in a file of its own at `path` (replacing any file
	/// there), to be filled by a rebuild: no journal, no syncing, the indexes
	/// made at the end. A rebuild interrupted by a crash leaves only this
	/// file, which the next rebuild replaces; the index in use is swapped for
	/// it (`replace`) once it is complete.
	pub fn create(path: &Path) -> Result<Bulk, String> {
		// No journal to remove: `Bulk` turns it off before it writes.
		remove([path.to_path_buf()])?;
		Bulk::new(Connection::open(path).map_err(sql_error)?)
	}

	/// Closes this index and puts the complete one at `built` in its place
	/// at `path`.
	pub fn replace(&mut self, path: &Path, built: &Path) -> Result<(), String> {
		// Closing the last connection checkpoints the WAL and removes it, so
		// no WAL of the old file can be applied to the new one.
		let old = std::mem::replace(&mut self.db, Connection::open_in_memory().map_err(sql_error)?);
		old.close().map_err(|(_, e)| sql_error(e))?;
		let [_, wal, shm, _] = super::files(path);
		remove([wal, shm])?;
		std::fs::rename(built, path)
			.map_err(|e| format!("moving {} to {}: {e}", built.display(), path.display()))?;
		*self = Self::open(path)?;
		Ok(())
	}

	fn meta(&self, key: &str) -> Result<Option<Vec<u8>>, String> {
		self.db
			.query_row("SELECT value FROM meta WHERE key = ?1", [key], |r| r.get(0))
			.optional()
			.map_err(sql_error)
	}

	/// The SCALE value of `key` in `meta`; `None` if it is missing or does
	/// not decode.
	fn decoded<T: Decode>(&self, key: &str) -> Result<Option<T>, String> {
		Ok(self.meta(key)?.and_then(|v| T::decode(&mut &v[..]).ok()))
	}

	/// The finalized block the index reflects, if it was built for the chain
	/// of `genesis` by this version of the node.
	pub fn reached(&self, genesis: Hash) -> Result<Result<Reached, Stale>, String> {
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
	pub fn oldest(&self) -> Result<BlockNumber, String> {
		let reached = self.decoded::<(BlockNumber, Hash)>("reached")?;
		let kept = reached.map_or(0, |(n, _)| n.saturating_sub(RETAIN_BLOCKS));
		Ok(self.decoded::<BlockNumber>("rebuilt")?.unwrap_or_default().max(kept))
	}

	/// Writes `records` (id, record) as they hold from block `reached` on
	/// and, in the same transaction, that the index now reflects `reached`;
	/// prunes the rows that ended more than `RETAIN_BLOCKS` before it.
	pub fn apply(
		&mut self,
		records: impl IntoIterator<Item = (DatasetId, Record)>,
		reached: Reached,
	) -> Result<usize, String> {
		let tx = self.db.transaction().map_err(sql_error)?;
		let block = i64::from(reached.number);
		let mut written = 0;
		{
			let mut end = tx
				.prepare_cached("UPDATE datasets SET until = ?2 WHERE id = ?1 AND until IS NULL")
				.map_err(sql_error)?;
			for (id, record) in records {
				end.execute(params![id as i64, block]).map_err(sql_error)?;
				insert(&tx, id, &record, block).map_err(sql_error)?;
				written += 1;
			}
		}
		// Rows that ended before the horizon: no block the index answers at
		// holds them any more.
		let horizon = block - i64::from(RETAIN_BLOCKS);
		let ended: Vec<i64> = tx
			.prepare_cached("SELECT rid FROM datasets WHERE until <= ?1")
			.and_then(|mut q| q.query_map([horizon], |r| r.get(0))?.collect())
			.map_err(sql_error)?;
		{
			let mut unplace = tx
				.prepare_cached("DELETE FROM extents WHERE slot IN (?1, ?1 + 1)")
				.map_err(sql_error)?;
			let mut unword =
				tx.prepare_cached("DELETE FROM words WHERE rowid = ?1").map_err(sql_error)?;
			let mut unterm =
				tx.prepare_cached("DELETE FROM terms WHERE rowid = ?1").map_err(sql_error)?;
			let mut unrow =
				tx.prepare_cached("DELETE FROM datasets WHERE rid = ?1").map_err(sql_error)?;
			let mut unrecord =
				tx.prepare_cached("DELETE FROM records WHERE rid = ?1").map_err(sql_error)?;
			for rid in ended {
				unplace.execute([2 * rid]).map_err(sql_error)?;
				unword.execute([rid]).map_err(sql_error)?;
				unterm.execute([rid]).map_err(sql_error)?;
				unrow.execute([rid]).map_err(sql_error)?;
				unrecord.execute([rid]).map_err(sql_error)?;
			}
		}
		set_meta(&tx, "reached", &(reached.number, reached.hash).encode())?;
		tx.commit().map_err(sql_error)?;
		Ok(written)
	}

	/// The newest version, at block `at`, of the dataset `id`: its successors
	/// followed to the end.
	pub fn latest(&self, id: DatasetId, at: BlockNumber) -> Result<DatasetId, String> {
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

	/// The extent, at block `at`, of the records of department `owner` that
	/// `visible` admits (`None`: all).
	pub fn extent(
		&self,
		owner: DepartmentId,
		visible: Option<&Visible>,
		at: BlockNumber,
	) -> Result<Extent, String> {
		let mut args =
			vec![Sql::Integer(at.into()), Sql::Integer(at.into()), Sql::Integer(owner.into())];
		let mut filters = format!("{HELD_AT} AND owner = ?");
		if let Some(Condition { sql, args: values }) = visible.map(Visible::condition) {
			filters.push_str(&format!(" AND {sql}"));
			args.extend(values);
		}
		// A box across the antimeridian has its west east of its east.
		let sql = format!(
			"SELECT count(*), min(west), min(south), max(east), max(north), max(west > east), min(start_ms), max(end_ms)
			 FROM datasets WHERE {filters}"
		);
		self.within(MAX_QUERY_TIME, || {
			self.db.prepare_cached(&sql).and_then(|mut statement| {
				statement.query_row(params_from_iter(args), |r| {
					let count = r.get::<_, i64>(0)? as u64;
					let across: Option<bool> = r.get(5)?;
					let end: Option<i64> = r.get(7)?;
					let bbox = match (
						r.get::<_, Option<i32>>(1)?,
						r.get::<_, Option<i32>>(2)?,
						r.get::<_, Option<i32>>(3)?,
						r.get::<_, Option<i32>>(4)?,
					) {
						(Some(_), Some(s), Some(_), Some(n)) if across == Some(true) => {
							Some([-180.0, degrees(s), 180.0, degrees(n)])
						},
						(Some(w), Some(s), Some(e), Some(n)) => {
							Some([degrees(w), degrees(s), degrees(e), degrees(n)])
						},
						_ => None,
					};
					Ok(Extent {
						count,
						bbox,
						start: r.get(6)?,
						end: end.filter(|&e| e != MAX_TIME),
					})
				})
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
	pub fn search(&self, search: &Search, at: BlockNumber) -> Result<Page, String> {
		self.search_within(search, at, MAX_QUERY_TIME)
	}

	/// `search`, interrupted (an error) once it has run for `budget`.
	fn search_within(
		&self,
		search: &Search,
		at: BlockNumber,
		budget: Duration,
	) -> Result<Page, String> {
		let oldest = self.oldest()?;
		if at < oldest {
			return Err(format!(
				"block #{at} is older than the search index keeps (from #{oldest}): the cursor expired; search again"
			));
		}
		self.within(budget, || self.run(search, at))
	}

	/// Runs the queries of `read`, interrupted (an error) once they have run
	/// for `budget` in all.
	pub fn within<T>(
		&self,
		budget: Duration,
		read: impl FnOnce() -> rusqlite::Result<T>,
	) -> Result<T, String> {
		let deadline = Instant::now() + budget;
		self.db.progress_handler(CLOCK_EVERY, Some(move || Instant::now() >= deadline));
		let out = read().map_err(|e| match e {
			rusqlite::Error::SqliteFailure(f, _)
				if f.code == rusqlite::ErrorCode::OperationInterrupted =>
			{
				format!("the search ran for {} s and was stopped; narrow it", budget.as_secs_f64())
			},
			e => sql_error(e),
		});
		self.db.progress_handler(0, None::<fn() -> bool>);
		out
	}

	fn run(&self, search: &Search, at: BlockNumber) -> rusqlite::Result<Page> {
		let query = &search.query;
		// A backward cursor reads the order reversed from where it stands;
		// its page is turned round at the end.
		let backward = search.cursor.as_ref().is_some_and(|c| c.backward);
		let order: Vec<(String, bool)> = search
			.order()
			.iter()
			.map(|k| (k.field.sql(), k.descending != backward))
			.collect();
		// Free text joins its ranks (the rows it matches) ahead of the filters.
		let mut args: Vec<Sql> = Vec::new();
		let (with, join) = match &search.free_text {
			Some(text) => (scores(text, &mut args), " JOIN scores ON hit = rid"),
			None => (String::new(), ""),
		};
		let mut filters = vec![HELD_AT.to_string()];
		args.extend([Sql::Integer(at.into()), Sql::Integer(at.into())]);
		if let Some(cursor) = &search.cursor {
			let mut keyset = Vec::new();
			filters.push(after(&order, cursor, &mut keyset));
			args.extend(keyset);
		}
		let lists = [
			one_of("owner", query.owner.into_iter().map(i64::from).collect()),
			one_of("owner", search.owners.iter().map(|o| i64::from(*o)).collect()),
			one_of("status", query.status.into_iter().map(|s| s as i64).collect()),
			one_of("topic", query.topics.iter().map(|t| *t as i64).collect()),
			one_of("policy", search.policies.iter().map(|p| *p as i64).collect()),
			one_of("sensitivity", search.sensitivities.iter().map(|s| *s as i64).collect()),
			one_of("id", search.ids.iter().map(|i| *i as i64).collect()),
		];
		for Condition { sql, args: values } in lists.into_iter().flatten() {
			filters.push(sql);
			args.extend(values);
		}
		// What the CQL2 filter implies narrows the candidates it is
		// evaluated on.
		for condition in search.filter.iter().flat_map(|f| f.prefilter()) {
			filters.push(condition.sql.clone());
			args.extend(condition.args.iter().cloned());
		}
		if let Some(Condition { sql, args: values }) =
			search.visible.as_ref().map(Visible::condition)
		{
			filters.push(sql);
			args.extend(values);
		}
		// The box around a geometry, rounded outward: the exact test against
		// the footprint decides.
		let around = search.intersects.as_ref().and_then(|g| g.bounding_rect()).map(|rect| {
			let fixed = |d: f64, round: fn(f64) -> f64| {
				round(d * f64::from(DEGREE))
					.clamp(-f64::from(MAX_LONGITUDE), f64::from(MAX_LONGITUDE)) as i32
			};
			let (min, max) = (rect.min(), rect.max());
			BoundingBox {
				west: fixed(min.x, f64::floor),
				south: fixed(min.y, f64::floor).max(-MAX_LATITUDE),
				east: fixed(max.x, f64::ceil),
				north: fixed(max.y, f64::ceil).min(MAX_LATITUDE),
			}
		});
		// One R*Tree lookup in space and time together (a place and a time
		// looked up apart would each match far more than both).
		let place = query.bbox.is_some() || around.is_some();
		match (query.bbox.as_ref(), around.as_ref()) {
			(Some(bbox), Some(around)) => {
				extents(&mut filters, &mut args, Some(bbox), query.time.as_ref());
				extents(&mut filters, &mut args, Some(around), None);
			},
			(bbox, around) if place || query.time.is_some() => {
				extents(&mut filters, &mut args, bbox.or(around), query.time.as_ref())
			},
			_ => {},
		}
		// Without a place, trigrams narrow (terms of three bytes or more);
		// with one, the R*Tree has narrowed to what lies near it, and a
		// common word would only add a long list of rows. `matches` checks
		// exactly.
		let phrase = |t: &[u8]| format!("\"{}\"", String::from_utf8_lossy(t).replace('"', "\"\""));
		let mut words = Vec::new();
		if let Some(text) = query.text.as_ref().filter(|t| t.len() >= 3 && !place) {
			words.push(format!("{{title keywords}} : {}", phrase(text)));
		}
		if !place && !search.keywords.is_empty() && search.keywords.iter().all(|k| k.len() >= 3) {
			let any = search
				.keywords
				.iter()
				.map(|k| format!("keywords : {}", phrase(k)))
				.collect::<Vec<_>>();
			words.push(format!("({})", any.join(" OR ")));
		}
		for expression in words {
			filters.push("rid IN (SELECT rowid FROM words WHERE words MATCH ?)".into());
			args.push(Sql::Text(expression));
		}
		// Byte for byte in the narrow row, so that a record is read only if
		// it mentions the text.
		if let Some(text) = query.text.as_ref().filter(|t| !t.is_empty()) {
			filters.push("instr(mention, ?) > 0".into());
			args.push(Sql::Blob(text.to_ascii_lowercase()));
		}
		let keys: String = order.iter().map(|(expr, _)| format!(", {expr}")).collect();
		let sort: String = order
			.iter()
			.map(|(expr, desc)| format!("{expr}{}, ", if *desc { " DESC" } else { "" }))
			.collect();
		let sql = format!(
			"{with}SELECT id, rid, west, south, east, north{keys} FROM datasets{join} WHERE {} ORDER BY {sort}id{} LIMIT {MAX_CANDIDATES}",
			filters.join(" AND "),
			if backward { " DESC" } else { "" }
		);
		let mut statement = self.db.prepare_cached(&sql)?;
		let mut rows = statement.query(params_from_iter(args))?;
		// Records are read one by one as the candidates come, in order, until
		// the page is full: SQL sorts narrow rows.
		let mut read = self.db.prepare_cached("SELECT record FROM records WHERE rid = ?1")?;
		// The columns before the sort keys.
		const KEYS: usize = 6;
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
			let keys = (0..order.len())
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
			let bbox = BoundingBox {
				west: row.get(2)?,
				south: row.get(3)?,
				east: row.get(4)?,
				north: row.get(5)?,
			};
			if !search.meets(&bbox) {
				last = Some((id, keys));
				continue;
			}
			let dataset = read.query_row([row.get::<_, i64>(1)?], |r| {
				let blob = r.get_ref(0)?.as_blob()?;
				Record::decode(&mut &blob[..]).map_err(|e| {
					rusqlite::Error::FromSqlConversionFailure(
						0,
						rusqlite::types::Type::Blob,
						Box::new(e),
					)
				})
			})?;
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
pub(crate) mod tests {
	use super::*;
	use crate::search_index::{Filter, SortKey, Sortable};
	use citychain_primitives::{
		datasets::Stamp, geometry::fixed, hashing::ContentHash, AccessPolicy, DatasetQuery,
		DatasetStatus, License, LicenseInput, Sensitivity, TimeRange, TopicCategory,
	};
	use geo::{line_string, point, Geometry, MultiPoint};
	use sp_runtime::BoundedVec;

	/// xorshift64*: a seeded generator, so a failure can be replayed.
	pub(crate) struct Rng(pub(crate) u64);
	impl Rng {
		fn next(&mut self) -> u64 {
			self.0 ^= self.0 >> 12;
			self.0 ^= self.0 << 25;
			self.0 ^= self.0 >> 27;
			self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
		}
		fn below(&mut self, n: u64) -> u64 {
			self.next() % n
		}
		fn range(&mut self, low: i64, high: i64) -> i64 {
			low + self.below((high - low) as u64 + 1) as i64
		}
		fn pick<T: Copy>(&mut self, from: &[T]) -> T {
			from[self.below(from.len() as u64) as usize]
		}
	}

	const WORDS: &[&str] =
		&["Traffic", "counts", "Parcels", "air", "quality", "roads", "river", "ab", "Noise"];

	fn bbox(rng: &mut Rng) -> BoundingBox {
		// Mostly around one city, some anywhere, some across the antimeridian.
		let (west, south) = match rng.below(4) {
			0 => (
				rng.range(-180 * DEGREE as i64, 179 * DEGREE as i64),
				rng.range(-89 * DEGREE as i64, 88 * DEGREE as i64),
			),
			1 => (
				rng.range(175 * DEGREE as i64, 179 * DEGREE as i64),
				rng.range(-20 * DEGREE as i64, -10 * DEGREE as i64),
			),
			_ => (
				rng.range(116 * DEGREE as i64, 117 * DEGREE as i64),
				rng.range(39 * DEGREE as i64, 40 * DEGREE as i64),
			),
		};
		let width = rng.range(0, 3 * DEGREE as i64);
		let mut east = west + width;
		if east > MAX_LONGITUDE as i64 {
			east -= 360 * DEGREE as i64;
		}
		let north = (south + rng.range(0, DEGREE as i64)).min(MAX_LATITUDE as i64);
		BoundingBox {
			west: west as i32,
			south: south as i32,
			east: east as i32,
			north: north as i32,
		}
	}

	fn time(rng: &mut Rng) -> TimeRange {
		let start = rng.range(1_500_000_000_000, 1_800_000_000_000);
		let end = match rng.below(3) {
			0 => None,
			1 => Some(start),
			_ => Some(start + rng.range(0, 100_000_000_000)),
		};
		TimeRange { start, end }
	}

	/// A random record: words for its text, a box mostly in one city.
	pub(crate) fn record(rng: &mut Rng, id: DatasetId) -> Record {
		let mut words =
			|most| (0..1 + rng.below(most)).map(|_| rng.pick(WORDS)).collect::<Vec<_>>().join(" ");
		let (title, description) = (words(3), words(6));
		let keywords = (0..rng.below(3))
			.map(|_| BoundedVec::truncate_from(rng.pick(WORDS).to_lowercase().into_bytes()))
			.collect::<Vec<_>>();
		let stamp = Stamp { block: id as BlockNumber, time: id };
		Dataset {
			owner: rng.below(4) as u32,
			publisher: AccountId::new([id as u8; 32]),
			title: BoundedVec::truncate_from(title.into_bytes()),
			description: BoundedVec::truncate_from(description.into_bytes()),
			topic: rng.pick(TopicCategory::ALL),
			keywords: BoundedVec::truncate_from(keywords),
			bbox: bbox(rng),
			crs: 4326,
			time: time(rng),
			format: BoundedVec::truncate_from(b"application/geo+json".to_vec()),
			content_hash: ContentHash {
				code: 0x12,
				digest: BoundedVec::truncate_from(vec![id as u8; 32]),
			},
			size: id,
			uri: BoundedVec::truncate_from(b"https://data.city.example/x".to_vec()),
			license: [None, Some("CC-BY-4.0"), Some("ODbL-1.0 OR CC-BY-SA-4.0")]
				[rng.below(3) as usize]
				.map(|expression| {
					License::new(LicenseInput { expression: expression.into(), url: None })
						.expect("a valid licence")
				}),
			policy: rng.pick(AccessPolicy::ALL),
			sensitivity: rng.pick(Sensitivity::ALL),
			version: 1,
			predecessor: None,
			successor: None,
			status: rng.pick(DatasetStatus::ALL),
			created: stamp,
			updated: stamp,
		}
	}

	/// A point or a line somewhere a random box could be.
	fn geometry(rng: &mut Rng) -> Geometry<f64> {
		let a = bbox(rng);
		let b = bbox(rng);
		if rng.below(2) == 0 {
			point!(x: degrees(a.west), y: degrees(a.south)).into()
		} else {
			line_string![(x: degrees(a.west), y: degrees(a.north)), (x: degrees(b.east), y: degrees(b.south))].into()
		}
	}

	fn query(rng: &mut Rng, records: usize) -> Search {
		let mut search = Search::default();
		if rng.below(5) == 0 {
			search.owners = (0..1 + rng.below(2)).map(|_| rng.below(4) as u32).collect();
		}
		if rng.below(5) == 0 {
			search.ids = (0..1 + rng.below(8)).map(|_| rng.below(records as u64 + 2)).collect();
		}
		if rng.below(5) == 0 {
			search.keywords = (0..1 + rng.below(2))
				.map(|_| rng.pick(WORDS).to_uppercase().into_bytes())
				.collect();
		}
		if rng.below(5) == 0 {
			search.policies = vec![rng.pick(AccessPolicy::ALL)];
		}
		if rng.below(5) == 0 {
			search.sensitivities = (0..2).map(|_| rng.pick(Sensitivity::ALL)).collect();
		}
		if rng.below(4) == 0 {
			search.intersects = Some(geometry(rng));
		}
		if rng.below(4) == 0 {
			search.visible = Some(visible(rng, records));
		}
		if rng.below(4) == 0 {
			search.filter = Some(filter(rng));
		}
		if rng.below(4) == 0 {
			// Words and two-word phrases, in any case.
			let terms: Vec<String> = (0..1 + rng.below(3))
				.map(|_| match rng.below(3) {
					0 => format!("{} {}", rng.pick(WORDS), rng.pick(WORDS)),
					_ => rng.pick(WORDS).to_uppercase(),
				})
				.collect();
			search.free_text = Some(FreeText::parse(terms.iter().map(String::as_str)).unwrap());
		}
		if rng.below(3) == 0 {
			let fields = [
				Sortable::Start,
				Sortable::End,
				Sortable::Title,
				Sortable::Owner,
				Sortable::Topic,
				Sortable::Status,
				Sortable::Updated,
			];
			for _ in 0..1 + rng.below(2) {
				let field = rng.pick(&fields);
				if search.sort.iter().all(|k| k.field != field) {
					search.sort.push(SortKey { field, descending: rng.below(2) == 0 });
				}
			}
		}
		search.query = dataset_query(rng);
		search
	}

	/// A CQL2 filter: comparisons SQL can narrow by (alone, in `and`s,
	/// reversed) and ones it cannot (`or`, `not`, other properties).
	fn visible(rng: &mut Rng, records: usize) -> Visible {
		Visible {
			sensitivities: (0..rng.below(3)).map(|_| rng.pick(Sensitivity::ALL)).collect(),
			department: (rng.below(2) == 0).then(|| rng.below(4) as DepartmentId),
			contracted: (0..rng.below(4)).map(|_| rng.below(records as u64 + 2)).collect(),
		}
	}

	fn filter(rng: &mut Rng) -> Filter {
		let comparison = |rng: &mut Rng| -> String {
			let topic = rng.pick(TopicCategory::ALL).as_str();
			let op = rng.pick(&["=", "<>", "<", "<=", ">", ">="]);
			match rng.below(10) {
				0 => format!("\"citychain:topic\" = '{topic}'"),
				1 => format!("\"citychain:owner\" {op} {}", rng.below(4)),
				2 => format!("{} {op} \"citychain:owner\"", rng.below(4)),
				3 => format!(
					"collection IN ('department-{}', 'department-{}')",
					rng.below(4),
					rng.below(4)
				),
				4 => format!("\"citychain:status\" <> '{}'", rng.pick(DatasetStatus::ALL).as_str()),
				5 => format!("title = '{}'", rng.pick(WORDS)),
				6 => format!(
					"\"citychain:sensitivity\" IN ('{}', 'nonsense')",
					rng.pick(Sensitivity::ALL).as_str()
				),
				7 => {
					format!("version = '1' AND \"citychain:created_block\" {op} {}", rng.below(30))
				},
				8 => format!("license = '{}'", rng.pick(&["CC-BY-4.0", "other", "ODbL-1.0"])),
				_ => format!("id {op} '{}'", rng.below(60)),
			}
		};
		let text = match rng.below(4) {
			0 => comparison(rng),
			1 => format!("{} AND {}", comparison(rng), comparison(rng)),
			2 => format!("{} OR {}", comparison(rng), comparison(rng)),
			_ => format!("NOT ({}) AND {}", comparison(rng), comparison(rng)),
		};
		Filter::parse(&text, false).unwrap_or_else(|e| panic!("{text}: {e}"))
	}

	fn dataset_query(rng: &mut Rng) -> DatasetQuery {
		let mut q = DatasetQuery { limit: 1 + rng.below(20) as u32, ..Default::default() };
		if rng.below(2) == 0 {
			q.bbox = Some(bbox(rng));
		}
		if rng.below(2) == 0 {
			let t = time(rng);
			let open = rng.below(3);
			q.time = Some(TimeInterval {
				start: (open != 0).then_some(t.start),
				end: (open != 1).then_some(t.end.unwrap_or(t.start)),
			});
		}
		if rng.below(4) == 0 {
			q.topics = (0..1 + rng.below(3)).map(|_| rng.pick(TopicCategory::ALL)).collect();
			q.topics.sort();
			q.topics.dedup();
		}
		if rng.below(4) == 0 {
			q.owner = Some(rng.below(4) as u32);
		}
		if rng.below(4) == 0 {
			q.status = Some(rng.pick(DatasetStatus::ALL));
		}
		if rng.below(3) == 0 {
			let word = rng.pick(WORDS);
			let cut = rng.below(word.len() as u64) as usize;
			q.text = Some(word[cut..].to_uppercase().into_bytes());
		}
		q
	}

	/// Every page of a search at block `at`, followed by its cursors.
	/// Every page's ids, following `next` from the first page; then checks
	/// that following `prev` from the last page reads them all back.
	fn all_pages_at(store: &Store, search: &Search, at: BlockNumber) -> Vec<DatasetId> {
		let mut search = search.clone();
		let mut found = Vec::new();
		let last = loop {
			let page = store.search(&search, at).unwrap();
			assert!(page.items.len() <= search.query.limit as usize);
			assert_eq!(
				page.prev.is_some(),
				search.cursor.is_some(),
				"a page a cursor led to has a prev"
			);
			found.extend(page.items.iter().map(|i| i.id));
			match page.next {
				Some(next) => {
					assert_eq!(next.block, at, "a cursor carries the block it was made at");
					// Through its token, as a client passes it back.
					search.cursor = Cursor::parse(&next.token());
					assert_eq!(search.cursor.as_ref(), Some(&next));
				},
				None => break page,
			}
		};
		let mut back: Vec<DatasetId> = last.items.iter().rev().map(|i| i.id).collect();
		let mut prev = last.prev;
		while let Some(cursor) = prev {
			search.cursor = Cursor::parse(&cursor.token());
			let page = store.search(&search, at).unwrap();
			assert!(page.items.len() <= search.query.limit as usize);
			let next = page.next.as_ref().expect("a page before another has a next");
			assert!(!next.backward);
			back.extend(page.items.iter().rev().map(|i| i.id));
			prev = page.prev;
		}
		back.reverse();
		assert_eq!(back, found, "prev pages read back what next pages read");
		found
	}

	fn all_pages(store: &Store, search: &Search) -> Vec<DatasetId> {
		all_pages_at(store, search, 1)
	}

	/// How the free text of a search ranks a record, as the index does.
	fn rank(text: &FreeText, r: &Record) -> i64 {
		let text_of = |bytes: &[u8]| String::from_utf8_lossy(bytes).into_owned();
		text.rank([&text_of(&r.title), &keywords(r), &text_of(&r.description)])
	}

	/// The sort keys of a record, as `Sortable::sql` orders them.
	fn sort_value(r: &Record, id: DatasetId, field: Sortable, text: Option<&FreeText>) -> KeyValue {
		let by_name = |name: &str| KeyValue::Text(name.to_string());
		match field {
			Sortable::Id => KeyValue::Int(id as i64),
			Sortable::Start => KeyValue::Int(r.time.start),
			Sortable::End => KeyValue::Int(r.time.end.unwrap_or(MAX_TIME)),
			Sortable::Title => KeyValue::Text(String::from_utf8_lossy(&r.title).to_lowercase()),
			Sortable::Created => KeyValue::Int(r.created.time as i64),
			Sortable::Updated => KeyValue::Int(r.updated.time as i64),
			Sortable::Version => KeyValue::Int(r.version.into()),
			Sortable::Owner => KeyValue::Int(r.owner.into()),
			Sortable::Topic => by_name(r.topic.as_str()),
			Sortable::Status => by_name(r.status.as_str()),
			Sortable::Policy => by_name(r.policy.as_str()),
			Sortable::Sensitivity => by_name(r.sensitivity.as_str()),
			Sortable::CreatedBlock => KeyValue::Int(r.created.block.into()),
			Sortable::UpdatedBlock => KeyValue::Int(r.updated.block.into()),
			Sortable::Relevance => KeyValue::Int(text.map_or(0, |t| rank(t, r))),
		}
	}

	/// What a full scan answers: the matching ids in the search's order.
	fn full_scan(records: &[Record], q: &Search) -> Vec<DatasetId> {
		let text = q.free_text.as_ref();
		let mut ids: Vec<DatasetId> = (0..records.len() as DatasetId)
			.filter(|id| q.matches(*id, &records[*id as usize]))
			.filter(|id| text.is_none_or(|t| rank(t, &records[*id as usize]) > 0))
			.collect();
		ids.sort_by(|a, b| {
			let (ra, rb) = (&records[*a as usize], &records[*b as usize]);
			q.order()
				.iter()
				.map(|k| {
					let order =
						sort_value(ra, *a, k.field, text).cmp(&sort_value(rb, *b, k.field, text));
					if k.descending {
						order.reverse()
					} else {
						order
					}
				})
				.find(|o| o.is_ne())
				.unwrap_or(std::cmp::Ordering::Equal)
				.then(a.cmp(b))
		});
		ids
	}

	fn reached(number: BlockNumber) -> Reached {
		Reached { number, hash: Hash::repeat_byte(number as u8) }
	}

	/// An index in memory, rebuilt with `records` at block `number`.
	fn built(records: impl IntoIterator<Item = (DatasetId, Record)>, number: BlockNumber) -> Store {
		let mut bulk = Bulk::new(Connection::open_in_memory().unwrap()).unwrap();
		bulk.load(records, number).unwrap();
		bulk.finish(reached(number), Hash::zero()).unwrap()
	}

	#[test]
	fn searches_answer_what_a_full_scan_of_the_records_answers_across_a_restart() {
		let mut rng = Rng(0x5eed_c17c_4a11_0001);
		let dir = std::env::temp_dir().join(format!("citychain-index-test-{}", std::process::id()));
		std::fs::create_dir_all(&dir).unwrap();
		let path = dir.join("search-index.sqlite");
		let mut store = Store::open(&path).unwrap();
		let mut records: Vec<Record> = Vec::new();
		// What each block held, to search the past as a cursor does.
		let mut history: Vec<Vec<Record>> = vec![Vec::new()];
		for block in 1..=30 {
			if block == 16 {
				// The node stops and starts again: the file holds block 15.
				drop(store);
				store = Store::open(&path).unwrap();
				assert_eq!(store.reached(Hash::zero()).unwrap(), Ok(reached(15)));
			}
			// New records, and changes to earlier ones, block by block.
			let mut changed = Vec::new();
			for _ in 0..rng.below(40) {
				let id = records.len() as DatasetId;
				records.push(record(&mut rng, id));
				changed.push(id);
			}
			for _ in 0..rng.below(5).min(records.len() as u64) {
				let id = rng.below(records.len() as u64);
				let fresh = record(&mut rng, id);
				records[id as usize] = Dataset { owner: records[id as usize].owner, ..fresh };
				changed.push(id);
			}
			// A block's changes name each record once, as the follower's do.
			changed.sort_unstable();
			changed.dedup();
			let writes = changed.iter().map(|id| (*id, records[*id as usize].clone()));
			if block == 1 {
				// Rebuilt beside the index in use, then put in its place.
				let beside = dir.join("rebuild.sqlite");
				let mut bulk = Store::create(&beside).unwrap();
				bulk.load(writes, block).unwrap();
				drop(bulk.finish(reached(block), Hash::zero()).unwrap());
				store.replace(&path, &beside).unwrap();
				assert!(!beside.exists());
			} else {
				store.apply(writes.collect::<Vec<_>>(), reached(block)).unwrap();
			}
			assert_eq!(store.reached(Hash::zero()).unwrap(), Ok(reached(block)));
			history.push(records.clone());
			for _ in 0..40 {
				// At this block, or an earlier one as a cursor made then.
				let at = if rng.below(3) == 0 {
					1 + rng.below(block as u64) as BlockNumber
				} else {
					block
				};
				let held = &history[at as usize];
				let q = query(&mut rng, held.len());
				assert_eq!(all_pages_at(&store, &q, at), full_scan(held, &q), "at #{at}: {q:?}");
			}
		}
		drop(store);
		std::fs::remove_dir_all(dir).unwrap();
	}

	#[test]
	fn a_department_extent_covers_exactly_the_records_a_reader_may_see() {
		let mut rng = Rng(0x5eed_c17c_4a11_e7e7);
		let records: Vec<Record> = (0..300).map(|id| record(&mut rng, id)).collect();
		let store =
			built(records.iter().cloned().enumerate().map(|(id, r)| (id as DatasetId, r)), 1);
		for round in 0..60 {
			let owner = rng.below(4) as DepartmentId;
			let visible = (round % 3 != 0).then(|| visible(&mut rng, records.len()));
			let seen: Vec<(DatasetId, &Record)> = records
				.iter()
				.enumerate()
				.map(|(id, r)| (id as DatasetId, r))
				.filter(|(id, r)| {
					r.owner == owner && visible.as_ref().is_none_or(|v| v.admits(*id, r))
				})
				.collect();
			let extent = store.extent(owner, visible.as_ref(), 1).unwrap();
			assert_eq!(extent.count, seen.len() as u64, "{visible:?}");
			assert_eq!(extent.start, seen.iter().map(|(_, r)| r.time.start).min());
			let ongoing = seen.iter().any(|(_, r)| r.time.end.is_none());
			let end = seen.iter().filter_map(|(_, r)| r.time.end).max();
			assert_eq!(extent.end, if ongoing { None } else { end });
			let Some([w, s, e, n]) = extent.bbox else {
				assert!(seen.is_empty());
				continue;
			};
			let across = seen.iter().any(|(_, r)| r.bbox.crosses_antimeridian());
			let west = if across {
				-180.0
			} else {
				seen.iter().map(|(_, r)| degrees(r.bbox.west)).fold(180.0, f64::min)
			};
			let east = if across {
				180.0
			} else {
				seen.iter().map(|(_, r)| degrees(r.bbox.east)).fold(-180.0, f64::max)
			};
			let south = seen.iter().map(|(_, r)| degrees(r.bbox.south)).fold(90.0, f64::min);
			let north = seen.iter().map(|(_, r)| degrees(r.bbox.north)).fold(-90.0, f64::max);
			assert_eq!([w, s, e, n], [west, south, east, north]);
		}
	}

	#[test]
	fn an_index_of_another_chain_or_version_or_an_unfinished_one_is_stale() {
		let empty = Bulk::new(Connection::open_in_memory().unwrap()).unwrap();
		assert_eq!(Store { db: empty.db }.reached(Hash::zero()).unwrap(), Err(Stale::Empty));
		let store = built(vec![], 3);
		assert_eq!(store.reached(Hash::zero()).unwrap(), Ok(reached(3)));
		assert_eq!(store.reached(Hash::repeat_byte(1)).unwrap(), Err(Stale::Genesis));
		store
			.db
			.execute(
				"UPDATE meta SET value = ?1 WHERE key = 'schema'",
				[(SCHEMA_VERSION + 1).encode()],
			)
			.unwrap();
		assert_eq!(store.reached(Hash::zero()).unwrap(), Err(Stale::Schema(SCHEMA_VERSION + 1)));
		// A rebuild that stops before it finishes leaves a file that reads
		// as empty.
		let dir =
			std::env::temp_dir().join(format!("citychain-index-unfinished-{}", std::process::id()));
		std::fs::create_dir_all(&dir).unwrap();
		let path = dir.join("rebuild.sqlite");
		let mut bulk = Store::create(&path).unwrap();
		bulk.load(vec![(0, record(&mut Rng(7), 0))], 3).unwrap();
		drop(bulk);
		assert_eq!(Store::open(&path).unwrap().reached(Hash::zero()).unwrap(), Err(Stale::Empty));
		// The next rebuild starts over in a new file.
		let bulk = Store::create(&path).unwrap();
		let rows: i64 =
			bulk.db.query_row("SELECT count(*) FROM datasets", [], |r| r.get(0)).unwrap();
		assert_eq!(rows, 0);
		drop(bulk);
		std::fs::remove_dir_all(dir).unwrap();
	}

	#[test]
	fn old_versions_are_kept_for_retain_blocks_and_then_pruned() {
		let mut rng = Rng(3);
		let first = record(&mut rng, 0);
		let mut store = built(vec![(0, first.clone())], 10);
		let mut second = first.clone();
		second.title = BoundedVec::truncate_from(b"renamed".to_vec());
		store.apply(vec![(0, second)], reached(11)).unwrap();
		let titles = |store: &Store, at| {
			let page = store
				.search(&DatasetQuery { limit: 10, ..Default::default() }.into(), at)
				.unwrap();
			page.items
				.iter()
				.map(|i| String::from_utf8_lossy(&i.dataset.title).into_owned())
				.collect::<Vec<_>>()
		};
		assert_eq!(titles(&store, 10), vec![String::from_utf8_lossy(&first.title).into_owned()]);
		assert_eq!(titles(&store, 11), vec!["renamed".to_string()]);
		// Before the rebuild's head nothing is known.
		assert!(store.search(&Search::default(), 9).unwrap_err().contains("the cursor expired"));
		// RETAIN_BLOCKS later the first version is gone, and so is block 10.
		let later = 11 + RETAIN_BLOCKS;
		store.apply(vec![], reached(later)).unwrap();
		assert_eq!(store.oldest().unwrap(), 11);
		assert!(store
			.search(&Search::default(), 10)
			.unwrap_err()
			.contains("older than the search index keeps (from #11)"));
		assert_eq!(titles(&store, 11), vec!["renamed".to_string()]);
		let count = |table: &str| -> i64 {
			store
				.db
				.query_row(&format!("SELECT count(*) FROM {table}"), [], |r| r.get(0))
				.unwrap()
		};
		assert_eq!(
			(count("datasets"), count("records"), count("extents")),
			(1, 1, halves(&first.bbox).len() as i64)
		);
	}

	#[test]
	fn sortby_orders_and_pages_and_a_cursor_must_match_it() {
		let mut rng = Rng(17);
		let records: Vec<Record> = (0..200).map(|id| record(&mut rng, id)).collect();
		let store = built(records.iter().cloned().enumerate().map(|(i, r)| (i as DatasetId, r)), 1);
		for sort in [
			vec![SortKey { field: Sortable::Title, descending: false }],
			vec![
				SortKey { field: Sortable::Topic, descending: true },
				SortKey { field: Sortable::Start, descending: false },
			],
			vec![SortKey { field: Sortable::End, descending: true }],
		] {
			let q = Search {
				sort,
				query: DatasetQuery { limit: 7, ..Default::default() },
				..Default::default()
			};
			let found = all_pages(&store, &q);
			assert_eq!(found.len(), 200);
			assert_eq!(found, full_scan(&records, &q));
		}
	}

	#[test]
	fn the_r_tree_minutes_cover_the_exact_times_and_fit_in_32_bits() {
		assert_eq!((minutes(120_000, false), minutes(120_000, true)), (2, 2));
		assert_eq!((minutes(120_001, false), minutes(120_001, true)), (2, 3));
		assert_eq!((minutes(-1, false), minutes(-1, true)), (-1, 0));
		assert!(minutes(MIN_TIME, false) >= i64::from(i32::MIN));
		assert!(minutes(MAX_TIME, true) <= i64::from(i32::MAX));
	}

	#[test]
	fn times_that_touch_the_interval_to_the_millisecond_match_and_one_ms_apart_do_not() {
		let mut rng = Rng(11);
		// Within one minute, so that the R*Tree's minutes cannot tell them
		// apart: the exact times decide.
		let t = 1_700_000_000_123;
		let spans =
			[(t - 5, Some(t)), (t + 30, None), (t - 5, Some(t - 1)), (t + 31, Some(t + 40))];
		let store = built(
			spans.iter().enumerate().map(|(id, &(start, end))| {
				let mut r = record(&mut rng, id as DatasetId);
				r.time = TimeRange { start, end };
				(id as DatasetId, r)
			}),
			1,
		);
		let query = DatasetQuery {
			time: Some(TimeInterval { start: Some(t), end: Some(t + 30) }),
			limit: 10,
			..Default::default()
		};
		let found: Vec<DatasetId> =
			store.search(&query.into(), 1).unwrap().items.iter().map(|i| i.id).collect();
		assert_eq!(found, vec![0, 1]);
	}

	#[test]
	fn a_scan_stops_at_the_candidate_bound_with_a_cursor() {
		let mut rng = Rng(11);
		let bound = MAX_CANDIDATES as DatasetId;
		let placed = |rng: &mut Rng, id, degrees: f64| {
			let mut r = record(rng, id);
			r.bbox = BoundingBox {
				west: fixed(degrees),
				south: fixed(degrees),
				east: fixed(degrees + 1.0),
				north: fixed(degrees + 1.0),
			};
			(id, r)
		};
		let mut records: Vec<_> = (0..bound + 5).map(|id| placed(&mut rng, id, 0.0)).collect();
		records.push(placed(&mut rng, bound + 5, 2.0));
		let store = built(records, 1);
		// Two points whose box covers every record, of which only the last
		// meets one: every row is a candidate.
		let search = Search {
			intersects: Some(MultiPoint::from(vec![(-1.0, -1.0), (2.5, 2.5)]).into()),
			query: DatasetQuery { limit: 10, ..Default::default() },
			..Default::default()
		};
		let first = store.search(&search, 1).unwrap();
		assert!(first.items.is_empty());
		assert_eq!(
			first.next.as_ref().map(|c| c.id),
			Some(bound - 1),
			"the bound ends the scan, the cursor continues it"
		);
		let rest = store.search(&Search { cursor: first.next, ..search }, 1).unwrap();
		assert_eq!(rest.items.iter().map(|i| i.id).collect::<Vec<_>>(), vec![bound + 5]);
		assert_eq!(rest.next, None);
	}

	#[test]
	fn free_text_finds_whole_words_ranked_title_then_keywords_then_description() {
		let mut rng = Rng(23);
		let mut with = |id, title: &str, keywords: &[&str], description: &str| {
			let mut r = record(&mut rng, id);
			r.title = BoundedVec::truncate_from(title.as_bytes().to_vec());
			r.keywords = BoundedVec::truncate_from(
				keywords
					.iter()
					.map(|k| BoundedVec::truncate_from(k.as_bytes().to_vec()))
					.collect(),
			);
			r.description = BoundedVec::truncate_from(description.as_bytes().to_vec());
			(id, r)
		};
		let records = vec![
			with(0, "Ring road", &[], "Noise map of the ring road"),
			with(1, "Noise barriers", &[], "Walls"),
			with(2, "Night readings", &["noise"], ""),
			with(3, "Noisescape", &["sound"], "Soundscape"),
			with(4, "NOISE complaints", &[], "Each noise complaint"),
		];
		let store = built(records, 1);
		let text = FreeText::parse(["noise"]).unwrap();
		let search = Search {
			free_text: Some(text),
			query: DatasetQuery { limit: 2, ..Default::default() },
			..Default::default()
		};
		// 4 + 1, 4, 2, 1; "Noisescape" is another word.
		assert_eq!(all_pages(&store, &search), vec![4, 1, 2, 0]);
		let by_title =
			Search { sort: vec![SortKey { field: Sortable::Title, descending: false }], ..search };
		assert_eq!(all_pages(&store, &by_title), vec![2, 1, 4, 0]);
	}

	#[test]
	fn a_search_that_runs_too_long_is_stopped_and_the_next_one_is_not() {
		let mut rng = Rng(5);
		let records: Vec<_> = (0..2_000).map(|id| (id, record(&mut rng, id))).collect();
		let store = built(records, 1);
		// Two letters: no trigram filter, every row is read.
		let everything: Search =
			DatasetQuery { text: Some(b"zz".to_vec()), limit: 100, ..Default::default() }.into();
		let error = store.search_within(&everything, 1, Duration::ZERO).unwrap_err();
		assert_eq!(error, "the search ran for 0 s and was stopped; narrow it");
		assert!(store.search(&everything, 1).is_ok(), "the clock is reset for each search");
	}

	#[test]
	fn a_cql2_filter_is_evaluated_on_each_item_as_a_full_scan_would() {
		let mut rng = Rng(21);
		let records: Vec<_> = (0..300).map(|id| (id, record(&mut rng, id))).collect();
		let store = built(records.clone(), 1);
		let found = |filter: &str, json: bool| {
			let filter = Some(Filter::parse(filter, json).unwrap());
			all_pages(
				&store,
				&Search {
					filter,
					query: DatasetQuery { limit: 100, ..Default::default() },
					..Default::default()
				},
			)
		};
		let expected = |keep: &dyn Fn(&Record) -> bool| {
			records.iter().filter(|(_, r)| keep(r)).map(|(id, _)| *id).collect::<Vec<_>>()
		};
		let health = expected(&|r| r.topic == TopicCategory::Health && [1, 2].contains(&r.owner));
		assert!(!health.is_empty());
		assert_eq!(
			found("\"citychain:topic\" = 'health' AND \"citychain:owner\" IN (1, 2)", false),
			health
		);
		let (x, y) = (116 * DEGREE + DEGREE / 2, 39 * DEGREE + DEGREE / 2);
		let covers = expected(&|r| {
			let b = r.bbox;
			let across = if b.crosses_antimeridian() {
				x >= b.west || x <= b.east
			} else {
				b.west <= x && x <= b.east
			};
			across && b.south <= y && y <= b.north
		});
		assert!(!covers.is_empty());
		let point = r#"{"op":"s_intersects","args":[{"property":"geometry"},{"type":"Point","coordinates":[116.5,39.5]}]}"#;
		assert_eq!(found(point, true), covers);
		let error = Filter::parse("colour = 'red'", false).unwrap_err();
		assert!(
			error.starts_with("\"colour\" is not queryable (queryables: id, collection"),
			"{error}"
		);
		assert!(Filter::parse("title = ", false).unwrap_err().starts_with("not CQL2 text"));
	}
}
