//! What an aggregation counts (the STAC API Aggregation extension): the
//! records a search matches, tallied by department, topic, policy, licence,
//! year, and a geohash or geotile grid of their footprints' centres, with
//! the match count and the earliest and latest time. The store feeds the
//! tally exactly the records a search's pages would return (`Search::matches`,
//! the reader's visibility included), so a count never tells of a record the
//! reader may not see. No SQL here.

use std::collections::BTreeMap;

use citychain_primitives::{BoundingBox, DatasetId};
use citychain_rpc_api::datasets::rfc3339;

use super::query::Record;

/// Most buckets one aggregation returns; the records of the others are
/// counted in its `overflow`.
pub const MAX_BUCKETS: usize = 1_000;
/// The finest geohash grid: cells of about 1.2 km by 0.6 km.
pub const MAX_GEOHASH_PRECISION: u8 = 6;
/// The finest geotile grid: zoom 14, tiles of about 2.4 km at the equator.
pub const MAX_GEOTILE_ZOOM: u8 = 14;
/// Most candidate rows one aggregation examines; a search matching more is
/// refused (narrow it), rather than counted in part.
pub const MAX_AGGREGATED: usize = 100_000;
/// Most aggregations one request asks for (one of each kind).
pub const MAX_AGGREGATIONS: usize = 10;

/// One aggregation a request may ask for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Aggregation {
	/// How many records match.
	TotalCount,
	/// The earliest start.
	DatetimeMin,
	/// The latest time any match covers (its end, or its start if ongoing).
	DatetimeMax,
	/// By collection (`department-<id>`).
	Collection,
	/// By ISO 19115 topic category.
	Topic,
	/// By access policy.
	Policy,
	/// By licence expression (`other` without one).
	License,
	/// By the year the record starts in.
	Year,
	/// By the geohash cell of the footprint's centre, at a precision.
	Geohash(u8),
	/// By the web-mercator tile (`zoom/x/y`) of the footprint's centre.
	Geotile(u8),
}

pub use citychain_rpc_api::datasets::AGGREGATIONS;

/// Why an aggregation is refused.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Unknown {
	/// A name that is not one of [`AGGREGATIONS`].
	Name(String),
	/// A grid precision beyond its bound.
	Precision {
		/// The aggregation.
		name: &'static str,
		/// The finest precision it takes.
		most: u8,
	},
}

impl std::fmt::Display for Unknown {
	fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
		match self {
			Unknown::Name(name) => {
				let names: Vec<&str> = AGGREGATIONS.iter().map(|(n, _)| *n).collect();
				write!(f, "{name:?} is not an aggregation (aggregations: {})", names.join(", "))
			},
			Unknown::Precision { name, most } => {
				write!(f, "{name}_precision: at most {most}")
			},
		}
	}
}

impl Aggregation {
	/// The aggregation `name` names; grids at `geohash` precision (1 by
	/// default) or `geotile` zoom (0 by default).
	pub fn parse(name: &str, geohash: Option<u8>, geotile: Option<u8>) -> Result<Self, Unknown> {
		Ok(match name {
			"total_count" => Self::TotalCount,
			"datetime_min" => Self::DatetimeMin,
			"datetime_max" => Self::DatetimeMax,
			"collection_frequency" => Self::Collection,
			"topic_frequency" => Self::Topic,
			"access_policy_frequency" => Self::Policy,
			"license_frequency" => Self::License,
			"datetime_frequency" => Self::Year,
			"centroid_geohash_grid_frequency" => {
				let precision = geohash.unwrap_or(1);
				if !(1..=MAX_GEOHASH_PRECISION).contains(&precision) {
					return Err(Unknown::Precision {
						name: "centroid_geohash_grid_frequency",
						most: MAX_GEOHASH_PRECISION,
					});
				}
				Self::Geohash(precision)
			},
			"centroid_geotile_grid_frequency" => {
				let zoom = geotile.unwrap_or(0);
				if zoom > MAX_GEOTILE_ZOOM {
					return Err(Unknown::Precision {
						name: "centroid_geotile_grid_frequency",
						most: MAX_GEOTILE_ZOOM,
					});
				}
				Self::Geotile(zoom)
			},
			other => return Err(Unknown::Name(other.chars().take(64).collect())),
		})
	}

	/// Its name in a request and an answer.
	pub fn name(self) -> &'static str {
		let at = match self {
			Self::TotalCount => 0,
			Self::DatetimeMin => 1,
			Self::DatetimeMax => 2,
			Self::Collection => 3,
			Self::Topic => 4,
			Self::Policy => 5,
			Self::License => 6,
			Self::Year => 7,
			Self::Geohash(_) => 8,
			Self::Geotile(_) => 9,
		};
		AGGREGATIONS[at].0
	}

	/// The data type of its answer.
	pub fn data_type(self) -> &'static str {
		AGGREGATIONS.iter().find(|(n, _)| *n == self.name()).map_or("", |(_, t)| t)
	}

	/// The bucket of record `d`, for those that bucketize.
	fn key(self, d: &Record) -> Option<String> {
		let text = |b: &[u8]| String::from_utf8_lossy(b).into_owned();
		Some(match self {
			Self::TotalCount | Self::DatetimeMin | Self::DatetimeMax => return None,
			Self::Collection => crate::stac::collection_id(d.owner),
			Self::Topic => d.topic.as_str().into(),
			Self::Policy => d.policy.as_str().into(),
			Self::License => d.license.as_ref().map_or("other".into(), |l| text(&l.expression)),
			Self::Year => year_start(d.time.start),
			Self::Geohash(precision) => {
				let (lon, lat) = centre(&d.bbox);
				geohash(lon, lat, precision)
			},
			Self::Geotile(zoom) => {
				let (lon, lat) = centre(&d.bbox);
				geotile(lon, lat, zoom)
			},
		})
	}
}

/// The first instant of the year of `ms` (ms since the Unix epoch), RFC 3339
/// (the chain's times lie in the years 855 to 3084: four digits).
fn year_start(ms: i64) -> String {
	let time = rfc3339(ms);
	format!("{}-01-01T00:00:00.000Z", time.get(..4).unwrap_or("1970"))
}

/// The centre of a box in degrees (across the antimeridian, between its
/// west and the east beyond 180°).
pub fn centre(b: &BoundingBox) -> (f64, f64) {
	let [w, s, e, n] = b.degrees();
	let e = if b.crosses_antimeridian() { e + 360.0 } else { e };
	let mut lon = (w + e) / 2.0;
	if lon >= 180.0 {
		lon -= 360.0;
	}
	(lon, (s + n) / 2.0)
}

/// The geohash of a position, `precision` characters long.
pub fn geohash(lon: f64, lat: f64, precision: u8) -> String {
	const BASE32: &[u8; 32] = b"0123456789bcdefghjkmnpqrstuvwxyz";
	let (mut lons, mut lats) = ((-180.0, 180.0), (-90.0, 90.0));
	let mut hash = String::with_capacity(precision.into());
	let (mut bits, mut value, mut even) = (0, 0usize, true);
	while hash.len() < precision.into() {
		let (range, at): (&mut (f64, f64), f64) =
			if even { (&mut lons, lon) } else { (&mut lats, lat) };
		let middle = (range.0 + range.1) / 2.0;
		value <<= 1;
		if at >= middle {
			value |= 1;
			range.0 = middle;
		} else {
			range.1 = middle;
		}
		even = !even;
		bits += 1;
		if bits == 5 {
			hash.push(BASE32[value] as char);
			(bits, value) = (0, 0);
		}
	}
	hash
}

/// The web-mercator tile `zoom/x/y` of a position (latitudes beyond the
/// projection's ±85.05° fall in its edge tiles).
pub fn geotile(lon: f64, lat: f64, zoom: u8) -> String {
	let tiles = f64::from(1u32 << zoom);
	let last = (1u32 << zoom) - 1;
	let lat = lat.clamp(-85.051_128_78, 85.051_128_78).to_radians();
	let x = ((lon + 180.0) / 360.0 * tiles).floor().clamp(0.0, f64::from(last)) as u32;
	let y = ((1.0 - (lat.tan() + 1.0 / lat.cos()).ln() / std::f64::consts::PI) / 2.0 * tiles)
		.floor()
		.clamp(0.0, f64::from(last)) as u32;
	format!("{zoom}/{x}/{y}")
}

/// The answer to one aggregation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Counted {
	/// What was asked.
	pub aggregation: Aggregation,
	/// Buckets and their counts, most first (by key for `Year`), at most
	/// [`MAX_BUCKETS`].
	pub buckets: Vec<(String, u64)>,
	/// Records in buckets left out.
	pub overflow: u64,
	/// A single value's: the count, or a time (ms) if any record matched.
	pub value: Option<i64>,
}

/// The tally of the aggregations asked for, record by record.
pub struct Tally {
	asked: Vec<Aggregation>,
	counts: Vec<BTreeMap<String, u64>>,
	total: u64,
	earliest: Option<i64>,
	latest: Option<i64>,
}

impl Tally {
	/// An empty tally of `asked`.
	pub fn new(asked: Vec<Aggregation>) -> Self {
		let counts = vec![BTreeMap::new(); asked.len()];
		Self { asked, counts, total: 0, earliest: None, latest: None }
	}

	/// Counts a matching record.
	pub fn add(&mut self, _id: DatasetId, d: &Record) {
		self.total += 1;
		self.earliest = Some(self.earliest.map_or(d.time.start, |e| e.min(d.time.start)));
		let last = d.time.end.unwrap_or(d.time.start);
		self.latest = Some(self.latest.map_or(last, |l| l.max(last)));
		for (aggregation, counts) in self.asked.iter().zip(&mut self.counts) {
			if let Some(key) = aggregation.key(d) {
				*counts.entry(key).or_default() += 1;
			}
		}
	}

	/// How many records were counted.
	pub fn total(&self) -> u64 {
		self.total
	}

	/// The answers, in the order asked.
	pub fn finish(self) -> Vec<Counted> {
		let Self { asked, counts, total, earliest, latest } = self;
		asked
			.into_iter()
			.zip(counts)
			.map(|(aggregation, counts)| {
				let value = match aggregation {
					Aggregation::TotalCount => Some(total as i64),
					Aggregation::DatetimeMin => earliest,
					Aggregation::DatetimeMax => latest,
					_ => None,
				};
				let mut buckets: Vec<(String, u64)> = counts.into_iter().collect();
				if aggregation != Aggregation::Year {
					buckets.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
				}
				let overflow = buckets.iter().skip(MAX_BUCKETS).map(|(_, n)| n).sum();
				buckets.truncate(MAX_BUCKETS);
				Counted { aggregation, buckets, overflow, value }
			})
			.collect()
	}
}

#[cfg(test)]
mod tests {
	use super::*;
	use citychain_primitives::geometry::fixed;

	#[test]
	fn geohashes_and_geotiles_are_those_of_the_references() {
		// Elasticsearch's and geohash.org's examples.
		assert_eq!(geohash(-5.6, 42.6, 5), "ezs42");
		assert_eq!(geohash(116.4074, 39.9042, 6), "wx4g0b");
		assert_eq!(geotile(0.0, 0.0, 0), "0/0/0");
		assert_eq!(geotile(116.4074, 39.9042, 10), "10/843/388");
		assert_eq!(geotile(179.9999, -89.0, 2), "2/3/3", "the edge tiles");
		assert_eq!(geotile(-180.0, 89.0, 3), "3/0/0");
	}

	#[test]
	fn a_box_across_the_antimeridian_is_centred_between_its_sides() {
		let b = |w: f64, s: f64, e: f64, n: f64| BoundingBox {
			west: fixed(w),
			south: fixed(s),
			east: fixed(e),
			north: fixed(n),
		};
		assert_eq!(centre(&b(170.0, -20.0, -170.0, -10.0)), (-180.0, -15.0));
		assert_eq!(centre(&b(178.0, 0.0, -176.0, 2.0)), (-179.0, 1.0));
		assert_eq!(centre(&b(116.0, 39.0, 117.0, 40.0)), (116.5, 39.5));
	}

	#[test]
	fn names_parse_and_precisions_are_bounded() {
		for (name, _) in AGGREGATIONS {
			assert_eq!(Aggregation::parse(name, None, None).unwrap().name(), *name);
		}
		assert_eq!(
			Aggregation::parse(
				"centroid_geohash_grid_frequency",
				Some(MAX_GEOHASH_PRECISION),
				None
			),
			Ok(Aggregation::Geohash(MAX_GEOHASH_PRECISION))
		);
		let too_fine = Aggregation::parse(
			"centroid_geohash_grid_frequency",
			Some(MAX_GEOHASH_PRECISION + 1),
			None,
		)
		.unwrap_err();
		assert_eq!(too_fine.to_string(), "centroid_geohash_grid_frequency_precision: at most 6");
		assert!(Aggregation::parse("centroid_geohash_grid_frequency", Some(0), None).is_err());
		assert!(Aggregation::parse(
			"centroid_geotile_grid_frequency",
			None,
			Some(MAX_GEOTILE_ZOOM + 1)
		)
		.is_err());
		let unknown = Aggregation::parse("cloud_cover_frequency", None, None).unwrap_err();
		assert!(unknown
			.to_string()
			.starts_with("\"cloud_cover_frequency\" is not an aggregation"));
	}

	#[test]
	fn buckets_beyond_the_bound_are_counted_as_overflow() {
		let mut rng = super::super::fixtures::Rng(3);
		let mut tally = Tally::new(vec![Aggregation::Geohash(MAX_GEOHASH_PRECISION)]);
		let mut cells = std::collections::BTreeSet::new();
		for id in 0..(MAX_BUCKETS as u64 + 500) {
			let d = super::super::fixtures::record(&mut rng, id);
			let (lon, lat) = centre(&d.bbox);
			cells.insert(geohash(lon, lat, MAX_GEOHASH_PRECISION));
			tally.add(id, &d);
		}
		assert!(cells.len() > MAX_BUCKETS, "the fixture spreads the records");
		let [counted] = &tally.finish()[..] else { panic!("one aggregation") };
		assert_eq!(counted.buckets.len(), MAX_BUCKETS);
		let counted_in: u64 = counted.buckets.iter().map(|(_, n)| n).sum();
		assert_eq!(counted_in + counted.overflow, MAX_BUCKETS as u64 + 500);
		assert!(counted.buckets.windows(2).all(|w| w[0].1 >= w[1].1), "most first");
	}
}
