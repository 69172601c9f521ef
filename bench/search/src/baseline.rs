//! The baseline: the same catalogue in SQLite in process, its extents in an
//! R*Tree (`rtree_i32`: longitude, latitude in 1e-7°, time in minutes), the
//! exact times, title, keywords, topic and the SCALE-encoded record in a
//! table, in memory. Each search is the R*Tree lookup and a join, with the
//! text and topic conditions in SQL and a polygon tested exactly with `geo`
//! on the R*Tree's candidates.

use crate::{catalogue::Entry, degrees, records::record, Search};
use citychain_primitives::{geometry::DEGREE, BoundingBox, DatasetId, TimeInterval};
use codec::Encode;
use geo::{coord, BoundingRect, Intersects, Rect};
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

fn fixed(d: f64, round: fn(f64) -> f64) -> i32 {
	round(d * f64::from(DEGREE)) as i32
}

const WHERE: &str = "e.max_x >= ?1 AND e.min_x <= ?2 AND e.max_y >= ?3 AND e.min_y <= ?4 \
	AND e.max_t >= ?5 AND e.min_t <= ?6 AND d.end_ms >= ?7 AND d.start_ms <= ?8";

impl Baseline {
	pub fn build(entries: &[Entry]) -> Self {
		let mut db = Connection::open_in_memory().expect("SQLite opens in memory");
		db.execute_batch(
			"CREATE TABLE datasets (id INTEGER PRIMARY KEY, start_ms INTEGER NOT NULL, \
			   end_ms INTEGER NOT NULL, title TEXT NOT NULL, keywords TEXT NOT NULL, \
			   topic TEXT NOT NULL, record BLOB NOT NULL);
			 CREATE VIRTUAL TABLE extents USING rtree_i32(id, min_x, max_x, min_y, max_y, min_t, max_t);",
		)
		.expect("the schema is valid");
		let tx = db.transaction().expect("a transaction");
		{
			let mut dataset =
				tx.prepare("INSERT INTO datasets VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)").unwrap();
			let mut extent =
				tx.prepare("INSERT INTO extents VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)").unwrap();
			for (id, entry) in entries.iter().enumerate() {
				let b = entry.bbox;
				let (t0, t1) = minutes(Some(entry.time.start), entry.time.end);
				let r = record(id, entry);
				let text = |bytes: &[u8]| String::from_utf8_lossy(bytes).to_lowercase();
				let keywords = r.keywords.iter().map(|k| text(k)).collect::<Vec<_>>().join("\n");
				let end = entry.time.end.unwrap_or(i64::MAX);
				dataset
					.execute(params![
						id as i64,
						entry.time.start,
						end,
						text(&r.title),
						keywords,
						r.topic.as_str(),
						r.encode()
					])
					.unwrap();
				extent
					.execute(params![id as i64, b.west, b.east, b.south, b.north, t0, t1])
					.unwrap();
			}
		}
		tx.commit().expect("the catalogue commits");
		Self { db }
	}

	fn bind(bbox: &BoundingBox, time: &TimeInterval) -> Vec<rusqlite::types::Value> {
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
		.into_iter()
		.map(rusqlite::types::Value::Integer)
		.collect()
	}

	/// How many datasets meet a bbox + time query.
	pub fn count(&self, bbox: &BoundingBox, time: &TimeInterval) -> usize {
		let sql =
			format!("SELECT count(*) FROM extents e JOIN datasets d ON d.id = e.id WHERE {WHERE}");
		self.db
			.prepare_cached(&sql)
			.unwrap()
			.query_row(rusqlite::params_from_iter(Self::bind(bbox, time)), |row| {
				row.get::<_, i64>(0)
			})
			.unwrap() as usize
	}

	/// The first `limit` ids, ascending, that meet `search` (read with their
	/// records), and how long that took.
	pub fn search(&self, search: &Search, limit: usize) -> (Vec<DatasetId>, Duration) {
		let started = Instant::now();
		// A polygon is looked up by its bounding box, then tested exactly.
		let bbox = match &search.polygon {
			Some(polygon) => {
				let r = polygon.bounding_rect().expect("a polygon has a bounding box");
				BoundingBox {
					west: fixed(r.min().x, f64::floor),
					south: fixed(r.min().y, f64::floor),
					east: fixed(r.max().x, f64::ceil),
					north: fixed(r.max().y, f64::ceil),
				}
			},
			None => search.bbox,
		};
		let mut sql = format!(
			"SELECT d.id, d.record, e.min_x, e.max_x, e.min_y, e.max_y FROM extents e \
			 JOIN datasets d ON d.id = e.id WHERE {WHERE}"
		);
		let mut values = Self::bind(&bbox, &search.time);
		if let Some(text) = search.text {
			values.push(text.to_lowercase().into());
			let n = values.len();
			sql.push_str(&format!(
				" AND (instr(d.title, ?{n}) > 0 OR instr(d.keywords, ?{n}) > 0)"
			));
		}
		if let Some(topic) = search.topic {
			values.push(topic.as_str().to_string().into());
			sql.push_str(&format!(" AND d.topic = ?{}", values.len()));
		}
		sql.push_str(" ORDER BY d.id");
		if search.polygon.is_none() {
			sql.push_str(&format!(" LIMIT {limit}"));
		}
		let mut statement = self.db.prepare_cached(&sql).unwrap();
		let mut rows = statement.query(rusqlite::params_from_iter(values)).unwrap();
		let mut ids = Vec::with_capacity(limit);
		while let Some(row) = rows.next().unwrap() {
			let _record: Vec<u8> = row.get(1).unwrap();
			if let Some(polygon) = &search.polygon {
				let c = |i| row.get::<_, i32>(i).map(degrees).unwrap();
				let footprint = Rect::new(coord! { x: c(2), y: c(4) }, coord! { x: c(3), y: c(5) });
				if !polygon.intersects(&footprint) {
					continue;
				}
			}
			ids.push(row.get::<_, i64>(0).unwrap() as DatasetId);
			if ids.len() == limit {
				break;
			}
		}
		(ids, started.elapsed())
	}
}
