//! Geometry: a dataset's extent in space, a WGS84 bounding box in
//! fixed-point degrees, and the conversions from and to degrees.

use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use scale_info::TypeInfo;
use serde::{Deserialize, Serialize};

/// One degree in the fixed-point unit of coordinates (1e-7 degrees).
pub const DEGREE: i32 = 10_000_000;
/// A coordinate in degrees, from the fixed point.
pub fn degrees(fixed: i32) -> f64 {
	f64::from(fixed) / f64::from(DEGREE)
}

/// A coordinate in the fixed point, to the nearest unit, from degrees
/// (saturating: check the range first).
#[cfg(feature = "std")]
pub fn fixed(degrees: f64) -> i32 {
	(degrees * f64::from(DEGREE)).round() as i32
}

/// Largest absolute latitude, in 1e-7 degrees.
pub const MAX_LATITUDE: i32 = 90 * DEGREE;
/// Largest absolute longitude, in 1e-7 degrees.
pub const MAX_LONGITUDE: i32 = 180 * DEGREE;

/// What is wrong with a bounding box.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Encode, Decode, TypeInfo)]
pub enum BoundingBoxError {
	/// A latitude is outside ±90°.
	LatitudeOutOfRange,
	/// A longitude is outside ±180°.
	LongitudeOutOfRange,
	/// `south` is north of `north`.
	SouthAboveNorth,
}

impl core::fmt::Display for BoundingBoxError {
	fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
		f.write_str(match self {
			Self::LatitudeOutOfRange => "latitude outside ±90",
			Self::LongitudeOutOfRange => "longitude outside ±180",
			Self::SouthAboveNorth => "south is above north",
		})
	}
}

/// Why a bounding box given in degrees was not read.
#[cfg(feature = "std")]
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum DegreesError {
	/// Not four numbers, nor six with elevations.
	Malformed,
	/// Four numbers, but not a box on the globe.
	Invalid(BoundingBoxError),
}

#[cfg(feature = "std")]
impl core::fmt::Display for DegreesError {
	fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
		match self {
			Self::Malformed => f.write_str(
				"malformed bbox: west,south,east,north in degrees (or six numbers with elevations)",
			),
			Self::Invalid(e) => write!(f, "bbox {e}"),
		}
	}
}

/// An extent in WGS84 longitude and latitude, in 1e-7 degrees, edges
/// included. `west > east` means the box crosses the antimeridian.
#[derive(
	Clone,
	Copy,
	PartialEq,
	Eq,
	Debug,
	Encode,
	Decode,
	DecodeWithMemTracking,
	MaxEncodedLen,
	TypeInfo,
	Serialize,
	Deserialize,
)]
pub struct BoundingBox {
	pub west: i32,
	pub south: i32,
	pub east: i32,
	pub north: i32,
}

impl BoundingBox {
	/// The box if its corners are valid WGS84 coordinates and `south <= north`.
	pub fn validate(self) -> Result<Self, BoundingBoxError> {
		let lat_ok = |v: i32| (-MAX_LATITUDE..=MAX_LATITUDE).contains(&v);
		let lon_ok = |v: i32| (-MAX_LONGITUDE..=MAX_LONGITUDE).contains(&v);
		if !lat_ok(self.south) || !lat_ok(self.north) {
			return Err(BoundingBoxError::LatitudeOutOfRange);
		}
		if !lon_ok(self.west) || !lon_ok(self.east) {
			return Err(BoundingBoxError::LongitudeOutOfRange);
		}
		if self.south > self.north {
			return Err(BoundingBoxError::SouthAboveNorth);
		}
		Ok(self)
	}

	/// The box `[west, south, east, north]` in degrees, or STAC's box with
	/// elevations `[west, south, low, east, north, high]`, read in 2D.
	#[cfg(feature = "std")]
	pub fn from_degrees(numbers: &[f64]) -> Result<Self, DegreesError> {
		let [west, south, east, north] = match *numbers {
			[w, s, e, n] | [w, s, _, e, n, _] => [w, s, e, n],
			_ => return Err(DegreesError::Malformed),
		};
		// Compared in degrees: a huge number saturates to `i32::MIN`, whose
		// absolute value overflows.
		let fixed = |d: f64, max: i32, error: BoundingBoxError| {
			if d.is_finite() && (d * f64::from(DEGREE)).round().abs() <= f64::from(max) {
				Ok(fixed(d))
			} else {
				Err(DegreesError::Invalid(error))
			}
		};
		let (lon, lat) =
			(BoundingBoxError::LongitudeOutOfRange, BoundingBoxError::LatitudeOutOfRange);
		Self {
			west: fixed(west, MAX_LONGITUDE, lon)?,
			south: fixed(south, MAX_LATITUDE, lat)?,
			east: fixed(east, MAX_LONGITUDE, lon)?,
			north: fixed(north, MAX_LATITUDE, lat)?,
		}
		.validate()
		.map_err(DegreesError::Invalid)
	}

	/// [`Self::from_degrees`] of comma-separated numbers, as a STAC query
	/// string or a command line gives them: `116.3,39.8,116.5,40`.
	#[cfg(feature = "std")]
	pub fn parse_degrees(text: &str) -> Result<Self, DegreesError> {
		let numbers: Vec<f64> = text
			.split(',')
			.map(|n| n.trim().parse())
			.collect::<Result<_, _>>()
			.map_err(|_| DegreesError::Malformed)?;
		Self::from_degrees(&numbers)
	}

	/// `[west, south, east, north]` in degrees.
	pub fn degrees(&self) -> [f64; 4] {
		[self.west, self.south, self.east, self.north].map(degrees)
	}

	pub fn crosses_antimeridian(&self) -> bool {
		self.west > self.east
	}

	/// The longitude intervals the box covers: one, or two if it crosses the
	/// antimeridian.
	pub fn longitude_spans(&self) -> impl Iterator<Item = (i32, i32)> {
		let (first, second) = if self.crosses_antimeridian() {
			((self.west, MAX_LONGITUDE), Some((-MAX_LONGITUDE, self.east)))
		} else {
			((self.west, self.east), None)
		};
		core::iter::once(first).chain(second)
	}

	/// Whether every point of `inner` lies in this box.
	pub fn contains(&self, inner: &Self) -> bool {
		self.south <= inner.south
			&& inner.north <= self.north
			&& inner
				.longitude_spans()
				.all(|(iw, ie)| self.longitude_spans().any(|(w, e)| w <= iw && ie <= e))
	}

	/// Whether the two boxes share at least one point.
	pub fn intersects(&self, other: &Self) -> bool {
		self.south <= other.north
			&& other.south <= self.north
			&& self
				.longitude_spans()
				.any(|(w, e)| other.longitude_spans().any(|(ow, oe)| w <= oe && ow <= e))
	}
}

#[cfg(test)]
mod tests {
	use super::*;

	fn bbox(west: f64, south: f64, east: f64, north: f64) -> BoundingBox {
		BoundingBox {
			west: fixed(west),
			south: fixed(south),
			east: fixed(east),
			north: fixed(north),
		}
	}

	#[test]
	fn a_box_in_degrees_is_read_from_numbers_or_text_and_checked() {
		let beijing = bbox(116.3, 39.8, 116.5, 40.0);
		assert_eq!(BoundingBox::parse_degrees("116.3, 39.8,116.5,40"), Ok(beijing));
		assert_eq!(BoundingBox::from_degrees(&[116.3, 39.8, 0.0, 116.5, 40.0, 80.0]), Ok(beijing));
		assert_eq!(beijing.degrees(), [116.3, 39.8, 116.5, 40.0]);
		assert_eq!(
			BoundingBox::parse_degrees("170,-10,-170,10").map(|b| b.crosses_antimeridian()),
			Ok(true)
		);
		let invalid = |e| Err(DegreesError::Invalid(e));
		for (text, error) in [
			("1,2,3", Err(DegreesError::Malformed)),
			("1,2,3,4,5", Err(DegreesError::Malformed)),
			("1,x,3,4", Err(DegreesError::Malformed)),
			("0,0,1,95", invalid(BoundingBoxError::LatitudeOutOfRange)),
			("0,0,181,1", invalid(BoundingBoxError::LongitudeOutOfRange)),
			("0,NaN,1,1", invalid(BoundingBoxError::LatitudeOutOfRange)),
			("0,inf,1,1", invalid(BoundingBoxError::LatitudeOutOfRange)),
			("0,10,1,5", invalid(BoundingBoxError::SouthAboveNorth)),
			// Found by fuzzing: saturated to i32::MIN, whose absolute value
			// overflowed.
			("179,-20,-179,-1179", invalid(BoundingBoxError::LatitudeOutOfRange)),
			("-1e30,0,1,1", invalid(BoundingBoxError::LongitudeOutOfRange)),
		] {
			assert_eq!(BoundingBox::parse_degrees(text), error, "{text}");
		}
	}

	#[test]
	fn bounding_box_validation_names_the_fault() {
		assert!(bbox(116.0, 39.0, 117.0, 40.0).validate().is_ok());
		assert_eq!(
			bbox(116.0, 39.0, 117.0, 91.0).validate(),
			Err(BoundingBoxError::LatitudeOutOfRange)
		);
		assert_eq!(
			bbox(-181.0, 39.0, 117.0, 40.0).validate(),
			Err(BoundingBoxError::LongitudeOutOfRange)
		);
		assert_eq!(
			bbox(116.0, 41.0, 117.0, 40.0).validate(),
			Err(BoundingBoxError::SouthAboveNorth)
		);
		assert!(bbox(170.0, -20.0, -170.0, -10.0).validate().is_ok());
	}

	#[test]
	fn boxes_across_the_antimeridian_intersect_on_either_side() {
		let fiji = bbox(177.0, -19.0, -178.0, -16.0);
		assert!(fiji.intersects(&bbox(179.0, -18.0, 179.5, -17.0)));
		assert!(fiji.intersects(&bbox(-179.0, -18.0, -178.5, -17.0)));
		assert!(!fiji.intersects(&bbox(0.0, -18.0, 10.0, -17.0)));
		assert!(fiji.intersects(&bbox(178.0, -30.0, -179.0, 0.0)));
		assert!(bbox(0.0, 0.0, 1.0, 1.0).intersects(&bbox(1.0, 1.0, 2.0, 2.0)), "edges count");
	}

	#[test]
	fn a_box_contains_boxes_on_either_side_of_the_antimeridian() {
		let city = bbox(116.0, 39.0, 117.0, 40.0);
		assert!(city.contains(&bbox(116.2, 39.5, 116.4, 39.6)));
		assert!(city.contains(&city));
		assert!(!city.contains(&bbox(115.9, 39.5, 116.4, 39.6)));
		let fiji = bbox(177.0, -19.0, -178.0, -16.0);
		assert!(fiji.contains(&bbox(178.0, -18.0, -179.0, -17.0)));
		assert!(fiji.contains(&bbox(-179.0, -18.0, -178.5, -17.0)));
		assert!(!fiji.contains(&bbox(170.0, -18.0, 178.0, -17.0)));
	}
}
