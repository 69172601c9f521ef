//! The search benchmark of CityChain's dataset registry: the same bbox + time
//! queries through `DatasetsApi::search`'s code on registries of growing
//! size and through SQLite's R*Tree on the same catalogue, and the state a
//! dataset, a contract and an audit entry cost. See `docs/performance.md`.

pub mod baseline;
pub mod catalogue;
pub mod cost;
pub mod counting;
pub mod registry;

use baseline::Baseline;
use catalogue::{QuerySeed, Rng};
use citychain_primitives::{datasets::MAX_PAGE_SIZE, BoundingBox, DatasetQuery, TimeInterval};
use registry::Registry;
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

pub fn query(q: &Query) -> DatasetQuery {
	DatasetQuery {
		bbox: Some(q.bbox),
		time: Some(q.time),
		topics: Vec::new(),
		owner: None,
		status: None,
		text: None,
		cursor: None,
		limit: MAX_PAGE_SIZE,
	}
}

/// Percentile `p` (0 to 100) of `values`, nearest rank.
pub fn percentile<T: Copy + Ord>(values: &[T], p: usize) -> T {
	let mut sorted = values.to_vec();
	sorted.sort_unstable();
	let rank = (p * sorted.len()).div_ceil(100).max(1);
	sorted[rank - 1]
}

/// The measurements of one registry size.
#[derive(Clone, Debug)]
pub struct Measured {
	pub size: usize,
	pub queries: usize,
	pub mean_matches: f64,
	pub chain: Vec<Duration>,
	pub reads: Vec<u32>,
	pub sqlite: Vec<Duration>,
	/// Queries whose page the chain cut short (index budget exceeded).
	pub short_pages: usize,
}

/// Runs every query once to warm both sides, then once timed; checks that
/// the chain returns exactly SQLite's ids (or a prefix when it cut the page
/// short, counted in `short_pages`).
pub fn measure(registry: &mut Registry, baseline: &Baseline, queries: &[Query]) -> Measured {
	for q in queries {
		registry.search(query(q));
		baseline.search(&q.bbox, &q.time, MAX_PAGE_SIZE);
	}
	let mut m = Measured {
		size: registry.datasets,
		queries: queries.len(),
		mean_matches: queries.iter().map(|q| q.matches as f64).sum::<f64>() / queries.len().max(1) as f64,
		chain: Vec::new(),
		reads: Vec::new(),
		sqlite: Vec::new(),
		short_pages: 0,
	};
	for q in queries {
		let (ids, reads, took) = registry.search(query(q));
		let (expected, baseline_took) = baseline.search(&q.bbox, &q.time, MAX_PAGE_SIZE);
		if ids != expected {
			assert!(expected.starts_with(&ids), "the chain's search differs from SQLite's for {q:?}");
			m.short_pages += 1;
		}
		m.chain.push(took);
		m.reads.push(reads.total());
		m.sqlite.push(baseline_took);
	}
	m
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn the_chain_finds_exactly_what_sqlite_finds() {
		let entries = catalogue::catalogue(3_000, 7);
		let mut registry = Registry::build(&entries, 0);
		let baseline = Baseline::build(&entries);
		let queries = calibrated_queries(&baseline, 40, 11);
		assert!(queries.len() >= 30, "most query seeds calibrate");
		let m = measure(&mut registry, &baseline, &queries);
		assert_eq!(m.short_pages, 0);
		assert!(m.reads.iter().all(|r| *r > 0));
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
