//! A synthetic but realistic catalogue of a city's datasets (Beijing), and
//! bbox + time queries over it.
//!
//! Most of a large registry is fine-grained: daily files of fixed sensor
//! stations, district surveys, imagery tiles, road corridors. City-wide and
//! regional products (one per theme and period) are a bounded number however
//! large the registry grows, as in a real city. Everything is drawn from a
//! seeded generator, so a size and a seed always give the same catalogue.

use citychain_primitives::{geometry::DEGREE, BoundingBox, TimeInterval, TimeRange, TopicCategory};

const DAY: i64 = 86_400_000;
/// 2015-01-01T00:00:00Z, the start of the catalogue's time span.
pub const SPAN_START: i64 = 1_420_070_400_000;
/// Twelve years.
pub const SPAN: i64 = 4383 * DAY;

/// Beijing municipality, its urban core and the Jing-Jin-Ji region, in
/// degrees (west, south, east, north).
const MUNICIPALITY: [f64; 4] = [115.42, 39.44, 117.51, 41.06];
const CORE: [f64; 4] = [116.20, 39.75, 116.60, 40.05];
const REGION: [f64; 4] = [113.45, 36.05, 119.85, 42.62];
const CENTRE: (f64, f64) = (116.40, 39.91);
/// Sensor stations publishing daily files.
const STATIONS: usize = 500;
/// Imagery tile size in degrees.
const TILE: f64 = 0.02;
/// City-wide and regional products: themes times periods, at most.
const MAX_CITY_PRODUCTS: usize = 1200;
const MAX_REGION_PRODUCTS: usize = 120;

/// A splitmix64 generator.
pub struct Rng(u64);

impl Rng {
	pub fn new(seed: u64) -> Self {
		Self(seed)
	}

	pub fn next_u64(&mut self) -> u64 {
		self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
		let mut z = self.0;
		z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
		z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
		z ^ (z >> 31)
	}

	/// Uniform in [0, 1).
	pub fn unit(&mut self) -> f64 {
		(self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
	}

	pub fn range(&mut self, low: f64, high: f64) -> f64 {
		low + (high - low) * self.unit()
	}

	pub fn below(&mut self, n: usize) -> usize {
		(self.next_u64() % n as u64) as usize
	}

	/// Normal (Box–Muller).
	pub fn normal(&mut self, mean: f64, sd: f64) -> f64 {
		let (u, v) = (self.unit().max(1e-12), self.unit());
		mean + sd * (-2.0 * u.ln()).sqrt() * (2.0 * std::f64::consts::PI * v).cos()
	}

	/// Log-uniform in [low, high).
	pub fn log_range(&mut self, low: f64, high: f64) -> f64 {
		(self.range(low.ln(), high.ln())).exp()
	}
}

/// What a dataset of the catalogue is.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Kind {
	Sensor,
	District,
	Tile,
	Corridor,
	City,
	Region,
}

impl Kind {
	pub fn topic(self) -> TopicCategory {
		match self {
			Kind::Sensor => TopicCategory::ClimatologyMeteorologyAtmosphere,
			Kind::District => TopicCategory::PlanningCadastre,
			Kind::Tile => TopicCategory::ImageryBaseMapsEarthCover,
			Kind::Corridor => TopicCategory::Transportation,
			Kind::City => TopicCategory::Society,
			Kind::Region => TopicCategory::Environment,
		}
	}

	pub fn name(self) -> &'static str {
		match self {
			Kind::Sensor => "air quality station",
			Kind::District => "district survey",
			Kind::Tile => "orthophoto tile",
			Kind::Corridor => "road corridor",
			Kind::City => "city-wide",
			Kind::Region => "regional",
		}
	}
}

/// One dataset of the catalogue.
#[derive(Clone, Debug)]
pub struct Entry {
	pub kind: Kind,
	pub bbox: BoundingBox,
	pub time: TimeRange,
}

fn fixed(degrees: f64) -> i32 {
	(degrees * DEGREE as f64).round() as i32
}

/// A box in degrees, clamped to `within`.
fn bbox(west: f64, south: f64, east: f64, north: f64, within: [f64; 4]) -> BoundingBox {
	let clamp = |v: f64, lo: f64, hi: f64| v.clamp(lo, hi);
	let (w, e) = (clamp(west, within[0], within[2]), clamp(east, within[0], within[2]));
	let (s, n) = (clamp(south, within[1], within[3]), clamp(north, within[1], within[3]));
	BoundingBox {
		west: fixed(w.min(e)),
		south: fixed(s.min(n)),
		east: fixed(w.max(e)),
		north: fixed(s.max(n)),
	}
}

/// A point of the urban area: denser towards the centre.
fn urban_point(rng: &mut Rng, spread: f64) -> (f64, f64) {
	(rng.normal(CENTRE.0, 0.15 * spread), rng.normal(CENTRE.1, 0.12 * spread))
}

fn closed(start: i64, length: i64) -> TimeRange {
	TimeRange { start, end: Some(start + length - 1) }
}

/// A range of `length` starting on a random day of the span.
fn period(rng: &mut Rng, length: i64) -> TimeRange {
	let days = (SPAN - length).max(DAY) / DAY;
	closed(SPAN_START + rng.below(days as usize) as i64 * DAY, length)
}

/// Up to `count` datasets, one per dataset id to come, in registration order.
pub fn catalogue(count: usize, seed: u64) -> Vec<Entry> {
	let mut rng = Rng::new(seed);
	let stations: Vec<(f64, f64)> = (0..STATIONS).map(|_| urban_point(&mut rng, 1.0)).collect();
	let city = MAX_CITY_PRODUCTS.min(count * 8 / 100);
	let region = MAX_REGION_PRODUCTS.min(count * 2 / 100);
	let mut kinds: Vec<Kind> = Vec::with_capacity(count);
	kinds.extend(std::iter::repeat_n(Kind::City, city));
	kinds.extend(std::iter::repeat_n(Kind::Region, region));
	let fine = count - city - region;
	for (kind, share) in
		[(Kind::Sensor, 35), (Kind::District, 30), (Kind::Tile, 20), (Kind::Corridor, 15)]
	{
		kinds.extend(std::iter::repeat_n(kind, fine * share / 100));
	}
	kinds.extend(std::iter::repeat_n(Kind::Sensor, count - kinds.len()));
	// Registration order mixes the kinds.
	for i in (1..kinds.len()).rev() {
		kinds.swap(i, rng.below(i + 1));
	}
	kinds
		.into_iter()
		.map(|kind| {
			let (bbox, time) = match kind {
				Kind::Sensor => {
					let (x, y) = stations[rng.below(STATIONS)];
					let length = [DAY, DAY, DAY, 7 * DAY, 30 * DAY][rng.below(5)];
					(bbox(x, y, x, y, MUNICIPALITY), period(&mut rng, length))
				},
				Kind::District => {
					let (x, y) = urban_point(&mut rng, 1.0);
					let (hx, hy) = (rng.log_range(0.002, 0.02), rng.log_range(0.0015, 0.015));
					let length = [30 * DAY, 30 * DAY, 91 * DAY, 365 * DAY][rng.below(4)];
					(bbox(x - hx, y - hy, x + hx, y + hy, MUNICIPALITY), period(&mut rng, length))
				},
				Kind::Tile => {
					let columns = ((MUNICIPALITY[2] - MUNICIPALITY[0]) / TILE) as usize;
					let rows = ((MUNICIPALITY[3] - MUNICIPALITY[1]) / TILE) as usize;
					let x = MUNICIPALITY[0] + rng.below(columns) as f64 * TILE;
					let y = MUNICIPALITY[1] + rng.below(rows) as f64 * TILE;
					(bbox(x, y, x + TILE, y + TILE, MUNICIPALITY), period(&mut rng, DAY))
				},
				Kind::Corridor => {
					let (x, y) = urban_point(&mut rng, 1.6);
					let (long, wide) = (rng.range(0.05, 0.3) / 2.0, rng.range(0.003, 0.01) / 2.0);
					let (hx, hy) = if rng.below(2) == 0 { (long, wide) } else { (wide, long) };
					let time = if rng.below(5) == 0 {
						TimeRange { start: period(&mut rng, DAY).start, end: None }
					} else {
						period(&mut rng, 365 * DAY)
					};
					(bbox(x - hx, y - hy, x + hx, y + hy, MUNICIPALITY), time)
				},
				Kind::City | Kind::Region => {
					let area = match kind {
						Kind::Region => REGION,
						_ if rng.below(2) == 0 => CORE,
						_ => MUNICIPALITY,
					};
					let length = [365 * DAY, 365 * DAY, 91 * DAY][rng.below(3)];
					let time = if rng.below(7) == 0 {
						TimeRange { start: period(&mut rng, DAY).start, end: None }
					} else {
						period(&mut rng, length)
					};
					(bbox(area[0], area[1], area[2], area[3], REGION), time)
				},
			};
			Entry { kind, bbox, time }
		})
		.collect()
}

/// A bbox + time query around a point of the urban area, scaled by `scale`:
/// a box of 0.05° × 0.04° (about 4.3 km × 4.4 km) and a year at 1.
#[derive(Clone, Copy, Debug)]
pub struct QuerySeed {
	x: f64,
	y: f64,
	t: i64,
}

impl QuerySeed {
	pub fn draw(rng: &mut Rng) -> Self {
		let (x, y) = urban_point(rng, 0.8);
		Self { x, y, t: SPAN_START + (rng.unit() * SPAN as f64) as i64 }
	}

	pub fn at(&self, scale: f64) -> (BoundingBox, TimeInterval) {
		let (hx, hy) = (0.025 * scale, 0.02 * scale);
		let half = ((182.5 * DAY as f64) * scale) as i64;
		let bbox = bbox(self.x - hx, self.y - hy, self.x + hx, self.y + hy, REGION);
		(bbox, TimeInterval { start: Some(self.t - half), end: Some(self.t + half) })
	}
}
