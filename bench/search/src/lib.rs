//! The search benchmark of CityChain: a node whose chain holds a seeded
//! catalogue of the city's datasets, searched over its JSON-RPC
//! (`datasets_search`, answered from the node's search index), against the
//! same searches in SQLite in process on the same catalogue; and the state a
//! dataset, a contract and an audit entry cost on chain. See
//! `docs/performance.md`.

pub mod baseline;
pub mod catalogue;
pub mod chain_spec;
pub mod cost;
pub mod node;
pub mod records;
pub mod registry;
pub mod rpc;

use baseline::Baseline;
use catalogue::{QuerySeed, Rng};
use citychain_primitives::{geometry::DEGREE, BoundingBox, TimeInterval, TopicCategory};
use geo::{coord, LineString, Polygon};
use rpc::Rpc;
use serde_json::{json, Value};
use std::time::Duration;

/// A query, calibrated so that it matches about `TARGET` datasets.
#[derive(Clone, Copy, Debug)]
pub struct Query {
	pub bbox: BoundingBox,
	pub time: TimeInterval,
	pub matches: usize,
}

/// The number of matches a calibrated query aims at, and the band it must
/// land in.
pub const TARGET: usize = 50;
const BAND: (usize, usize) = (TARGET / 2, TARGET * 2);

/// Queries around points of the city, each scaled (box and time window
/// together) until it matches `TARGET / 2` to `TARGET * 2` datasets in the
/// baseline; a seed that cannot be brought into the band is dropped.
pub fn calibrated_queries(baseline: &Baseline, count: usize, seed: u64) -> Vec<Query> {
	let mut rng = Rng::new(seed);
	let mut queries = Vec::with_capacity(count);
	let mut attempts = 0;
	while queries.len() < count && attempts < count * 10 {
		attempts += 1;
		let s = QuerySeed::draw(&mut rng);
		let (mut lo, mut hi) = (-9.0f64, 2.0f64);
		for _ in 0..24 {
			let scale = ((lo + hi) / 2.0).exp();
			let (bbox, time) = s.at(scale);
			let matches = baseline.count(&bbox, &time);
			if matches < BAND.0 {
				lo = scale.ln();
			} else if matches > BAND.1 {
				hi = scale.ln();
			} else {
				queries.push(Query { bbox, time, matches });
				break;
			}
		}
	}
	queries
}

/// A page: the most a search returns at once.
pub const LIMIT: usize = 100;

/// The searches measured, each built on a calibrated bbox + time query.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Kind {
	/// The box and the time window.
	BboxTime,
	/// And free text (`survey`) in the title or a keyword.
	Text,
	/// A polygon (the diamond inscribed in the box) instead of the box.
	Intersects,
	/// And a CQL2 filter on the topic.
	Filter,
}

impl Kind {
	pub const ALL: [Kind; 4] = [Kind::BboxTime, Kind::Text, Kind::Intersects, Kind::Filter];

	pub fn name(self) -> &'static str {
		match self {
			Kind::BboxTime => "bbox+time",
			Kind::Text => "bbox+time+text",
			Kind::Intersects => "intersects",
			Kind::Filter => "bbox+time+cql2",
		}
	}
}

/// The text a `Text` search looks for.
const TEXT: &str = "survey";
/// The topic a `Filter` search's CQL2 asks for.
const TOPIC: TopicCategory = TopicCategory::ClimatologyMeteorologyAtmosphere;

/// One search, as both sides run it.
#[derive(Clone, Debug)]
pub struct Search {
	pub bbox: BoundingBox,
	pub time: TimeInterval,
	pub text: Option<&'static str>,
	pub polygon: Option<Polygon<f64>>,
	pub topic: Option<TopicCategory>,
}

/// 1e-7 degrees as degrees.
pub(crate) fn degrees(v: i32) -> f64 {
	f64::from(v) / f64::from(DEGREE)
}

fn rfc3339(ms: i64) -> String {
	chrono::DateTime::from_timestamp_millis(ms)
		.expect("the catalogue's times are representable")
		.to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

impl Search {
	pub fn new(kind: Kind, q: &Query) -> Self {
		let mut s = Self { bbox: q.bbox, time: q.time, text: None, polygon: None, topic: None };
		match kind {
			Kind::BboxTime => {},
			Kind::Text => s.text = Some(TEXT),
			Kind::Intersects => {
				let (w, s_, e, n) = (
					degrees(q.bbox.west),
					degrees(q.bbox.south),
					degrees(q.bbox.east),
					degrees(q.bbox.north),
				);
				let (x, y) = ((w + e) / 2.0, (s_ + n) / 2.0);
				let ring = LineString::from(vec![
					coord! { x: x, y: s_ },
					coord! { x: e, y: y },
					coord! { x: x, y: n },
					coord! { x: w, y: y },
					coord! { x: x, y: s_ },
				]);
				s.polygon = Some(Polygon::new(ring, Vec::new()));
			},
			Kind::Filter => s.topic = Some(TOPIC),
		}
		s
	}

	/// The `datasets_search` parameters of this search.
	pub fn params(&self) -> Value {
		let time = |t: Option<i64>| t.map_or("..".to_string(), rfc3339);
		let mut params = json!({
			"datetime": format!("{}/{}", time(self.time.start), time(self.time.end)),
			"limit": LIMIT,
		});
		match &self.polygon {
			Some(polygon) => {
				let ring: Vec<[f64; 2]> = polygon.exterior().coords().map(|c| [c.x, c.y]).collect();
				params["intersects"] = json!({ "type": "Polygon", "coordinates": [ring] });
			},
			None => {
				let b = self.bbox;
				params["bbox"] =
					json!([degrees(b.west), degrees(b.south), degrees(b.east), degrees(b.north)]);
			},
		}
		if let Some(text) = self.text {
			params["text"] = json!(text);
		}
		if let Some(topic) = self.topic {
			params["filter"] = json!(format!("\"citychain:topic\" = '{}'", topic.as_str()));
		}
		params
	}
}

/// Percentile `p` (0 to 100) of `values`, nearest rank.
pub fn percentile<T: Copy + Ord>(values: &[T], p: usize) -> T {
	let mut sorted = values.to_vec();
	sorted.sort_unstable();
	let rank = (p * sorted.len()).div_ceil(100).max(1);
	sorted[rank - 1]
}

/// The latencies of one kind of search at one size, over RPC and in SQLite.
#[derive(Clone, Debug)]
pub struct Measured {
	pub size: usize,
	pub kind: Kind,
	pub mean_matches: f64,
	/// Pages of whole records, as `datasets_search` answers by default.
	pub rpc: Vec<Duration>,
	/// The same pages with only the ids (`fields: ["id"]`): what SQLite's
	/// side returns.
	pub rpc_ids: Vec<Duration>,
	pub sqlite: Vec<Duration>,
}

/// Runs every search once on both sides to warm them, then once timed, one
/// after the other; checks that the node answers exactly SQLite's ids.
pub fn measure(
	size: usize,
	kind: Kind,
	rpc: &mut Rpc,
	baseline: &Baseline,
	queries: &[Query],
) -> Measured {
	let searches: Vec<Search> = queries.iter().map(|q| Search::new(kind, q)).collect();
	for s in &searches {
		rpc.search(&s.params());
		baseline.search(s, LIMIT);
	}
	let mut m = Measured {
		size,
		kind,
		mean_matches: 0.0,
		rpc: Vec::new(),
		rpc_ids: Vec::new(),
		sqlite: Vec::new(),
	};
	let mut matches = 0;
	for s in &searches {
		let params = s.params();
		let (ids, took) = rpc.search(&params);
		let mut only_ids = params.clone();
		only_ids["fields"] = json!(["id"]);
		let (same, took_ids) = rpc.search(&only_ids);
		let (expected, baseline_took) = baseline.search(s, LIMIT);
		assert_eq!(ids, expected, "the node's answer differs from SQLite's for {params}");
		assert_eq!(same, expected, "the node's answer differs from SQLite's for {only_ids}");
		matches += ids.len();
		m.rpc.push(took);
		m.rpc_ids.push(took_ids);
		m.sqlite.push(baseline_took);
	}
	m.mean_matches = matches as f64 / searches.len().max(1) as f64;
	m
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn baseline_searches_agree_with_a_full_scan() {
		let entries = catalogue::catalogue(3_000, 7);
		let baseline = Baseline::build(&entries);
		let queries = calibrated_queries(&baseline, 40, 11);
		assert!(queries.len() >= 30, "most query seeds calibrate");
		for kind in Kind::ALL {
			for q in &queries {
				let search = Search::new(kind, q);
				let expected: Vec<_> = entries
					.iter()
					.enumerate()
					.map(|(id, e)| (id as u64, records::record(id, e)))
					.filter(|(_, r)| {
						let b = r.bbox;
						let footprint = geo::Rect::new(
							coord! { x: degrees(b.west), y: degrees(b.south) },
							coord! { x: degrees(b.east), y: degrees(b.north) },
						);
						let place = match &search.polygon {
							Some(p) => geo::Intersects::intersects(p, &footprint),
							None => b.intersects(&search.bbox),
						};
						place
							&& r.time.overlaps(&search.time)
							&& search.text.is_none_or(|t| r.mentions(t.as_bytes()))
							&& search.topic.is_none_or(|t| r.topic == t)
					})
					.map(|(id, _)| id)
					.take(LIMIT)
					.collect();
				assert_eq!(baseline.search(&search, LIMIT).0, expected, "{kind:?} {q:?}");
			}
		}
	}

	#[test]
	fn search_parameters_are_what_the_rpc_reads() {
		let q = Query {
			bbox: BoundingBox {
				west: 1_163_000_000,
				south: 399_000_000,
				east: 1_164_000_000,
				north: 400_000_000,
			},
			time: TimeInterval { start: Some(1_704_067_200_000), end: None },
			matches: 0,
		};
		let p = Search::new(Kind::Filter, &q).params();
		assert_eq!(p["bbox"], json!([116.3, 39.9, 116.4, 40.0]));
		assert_eq!(p["datetime"], json!("2024-01-01T00:00:00.000Z/.."));
		assert_eq!(p["filter"], json!("\"citychain:topic\" = 'climatologyMeteorologyAtmosphere'"));
		let p = Search::new(Kind::Intersects, &q).params();
		assert!(p.get("bbox").is_none());
		assert_eq!(p["intersects"]["coordinates"][0][1], json!([116.4, 39.95]));
	}

	#[test]
	fn the_genesis_storage_holds_every_record_under_its_owner() {
		let entries = catalogue::catalogue(30, 3);
		let pairs = chain_spec::storage(&entries);
		assert_eq!(pairs.len(), 2 * 30 + 1);
		let (_, next) = pairs.last().unwrap();
		assert_eq!(next, &30u64.to_le_bytes().to_vec());
		let owner_keys = pairs.iter().filter(|(_, v)| v.is_empty()).count();
		assert_eq!(owner_keys, 30);
	}

	#[test]
	fn the_genesis_state_is_what_registering_through_the_runtime_writes() {
		use citychain_runtime::Runtime;
		let entries = catalogue::catalogue(20, 5);
		let mut registry = registry::Registry::build(&entries, 0);
		registry.execute_with(|| {
			for (key, _) in chain_spec::storage(&entries) {
				assert!(
					sp_io::storage::get(&key).is_some(),
					"key {key:02x?} is where the runtime writes it"
				);
			}
			for (id, entry) in entries.iter().enumerate() {
				let mut stored = pallet_datasets::Datasets::<Runtime>::get(id as u64).unwrap();
				// The registry registers in block 1, the genesis is block 0.
				(stored.created.block, stored.updated.block) = (0, 0);
				assert_eq!(stored, records::record(id, entry));
			}
		});
	}

	#[test]
	fn a_catalogue_is_bounded_in_city_products_and_reproducible() {
		let a = catalogue::catalogue(100_000, 1);
		let city = a.iter().filter(|e| e.kind == catalogue::Kind::City).count();
		assert_eq!(city, 1200);
		let b = catalogue::catalogue(100_000, 1);
		assert!(a.iter().zip(&b).all(|(x, y)| x.bbox == y.bbox && x.time == y.time));
	}

	#[test]
	fn percentiles_use_the_nearest_rank() {
		let v: Vec<u32> = (1..=20).collect();
		assert_eq!((percentile(&v, 50), percentile(&v, 95), percentile(&v, 100)), (10, 19, 20));
	}
}
