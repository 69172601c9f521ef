//! The baseline: the same catalogue in SQLite, its extents in an R*Tree
//! (`rtree_i32`: longitude, latitude in 1e-7°, time in minutes), the exact
//! times and the SCALE-encoded record in a table, in memory.

use crate::{catalogue::Entry, registry::registration};
use citychain_primitives::{BoundingBox, DatasetId, TimeInterval};
use codec::Encode;
use rusqlite::{params, Connection};
use std::time::{Duration, Instant};

const MINUTE: i64 = 60_000;

pub struct Baseline {
	db: Connection,
}

/// The minutes an R*Tree box spans for a time range: floor of the start,
/// ceiling of the end, open ends at the limits.
fn minutes(start: Option<i64>, end: Option<i64>) -> (i32, i32) {
	let lo = start.map_or(i32::MIN, |s| s.div_euclid(MINUTE) as i32);
	let hi = end.map_or(i32::MAX, |e| (e + MINUTE - 1).div_euclid(MINUTE) as i32);
	(lo, hi)
}

const WHERE: &str = "e.max_x >= ?1 AND e.min_x <= ?2 AND e.max_y >= ?3 AND e.min_y <= ?4 \
	AND e.max_t >= ?5 AND e.min_t <= ?6 AND d.end_ms >= ?7 AND d.start_ms <= ?8";

impl Baseline {
	pub fn build(entries: &[Entry]) -> Self {
		let mut db = Connection::open_in_memory().expect("SQLite opens in memory");
		db.execute_batch(
			"CREATE TABLE datasets (id INTEGER PRIMARY KEY, start_ms INTEGER NOT NULL, \
			   end_ms INTEGER NOT NULL, record BLOB NOT NULL);
			 CREATE VIRTUAL TABLE extents USING rtree_i32(id, min_x, max_x, min_y, max_y, min_t, max_t);",
		)
		.expect("the schema is valid");
		let tx = db.transaction().expect("a transaction");
		{
			let mut dataset = tx.prepare("INSERT INTO datasets VALUES (?1, ?2, ?3, ?4)").unwrap();
			let mut extent = tx.prepare("INSERT INTO extents VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)").unwrap();
			for (id, entry) in entries.iter().enumerate() {
				let b = entry.bbox;
				let (t0, t1) = minutes(Some(entry.time.start), entry.time.end);
				let record = registration(id, entry).encode();
				let end = entry.time.end.unwrap_or(i64::MAX);
				dataset.execute(params![id as i64, entry.time.start, end, record]).unwrap();
				extent.execute(params![id as i64, b.west, b.east, b.south, b.north, t0, t1]).unwrap();
			}
		}
		tx.commit().expect("the catalogue commits");
		Self { db }
	}

	fn bind(bbox: &BoundingBox, time: &TimeInterval) -> [i64; 8] {
		let (t0, t1) = minutes(time.start, time.end);
		[
			bbox.west.into(),
			bbox.east.into(),
			bbox.south.into(),
			bbox.north.into(),
			t0.into(),
			t1.into(),
			time.start.unwrap_or(i64::MIN),
			time.end.unwrap_or(i64::MAX),
		]
	}

	/// How many datasets meet the query.
	pub fn count(&self, bbox: &BoundingBox, time: &TimeInterval) -> usize {
		let sql = format!("SELECT count(*) FROM extents e JOIN datasets d ON d.id = e.id WHERE {WHERE}");
		let p = Self::bind(bbox, time);
		self.db
			.prepare_cached(&sql)
			.unwrap()
			.query_row(rusqlite::params_from_iter(p), |row| row.get::<_, i64>(0))
			.unwrap() as usize
	}

	/// The first `limit` ids, ascending, with their records, and how long
	/// the query took.
	pub fn search(
		&self,
		bbox: &BoundingBox,
		time: &TimeInterval,
		limit: u32,
	) -> (Vec<DatasetId>, Duration) {
		let sql = format!(
			"SELECT d.id, d.record FROM extents e JOIN datasets d ON d.id = e.id \
			 WHERE {WHERE} ORDER BY d.id LIMIT {limit}"
		);
		let p = Self::bind(bbox, time);
		let started = Instant::now();
		let mut statement = self.db.prepare_cached(&sql).unwrap();
		let rows = statement
			.query_map(rusqlite::params_from_iter(p), |row| {
				Ok((row.get::<_, i64>(0)?, row.get::<_, Vec<u8>>(1)?))
			})
			.unwrap()
			.map(|r| r.unwrap())
			.collect::<Vec<_>>();
		let elapsed = started.elapsed();
		(rows.into_iter().map(|(id, _)| id as DatasetId).collect(), elapsed)
	}
}
