//! A `bbox` parameter: `[west, south, east, north]` in WGS84 degrees, or
//! STAC's box with elevations `[west, south, low, east, north, high]` (read
//! in 2D), as a JSON array of numbers or as text `"w,s,e,n"` (a GET query
//! string, a command line).
//!
//! The box is held as the chain holds boxes, in 1e-7 degrees
//! (`citychain_primitives::geometry::BoundingBox`), and checked by the
//! chain's rule: latitudes within ±90, longitudes within ±180, south not
//! north of north; `west > east` is a box across the antimeridian.

use serde_json::Value;

/// One degree in the fixed-point unit of coordinates (1e-7 degrees), as
/// `citychain_primitives::geometry::DEGREE`.
pub const DEGREE: i32 = 10_000_000;
/// Largest absolute latitude, in 1e-7 degrees.
pub const MAX_LATITUDE: i32 = 90 * DEGREE;
/// Largest absolute longitude, in 1e-7 degrees.
pub const MAX_LONGITUDE: i32 = 180 * DEGREE;
/// The longest bbox text read: six numbers of 40 characters and commas.
pub const MAX_BBOX_TEXT_LEN: usize = 256;

/// A box in WGS84 longitude and latitude, in 1e-7 degrees, edges included;
/// `west > east` crosses the antimeridian. Fields as the chain's
/// `BoundingBox`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Bbox {
	pub west: i32,
	pub south: i32,
	pub east: i32,
	pub north: i32,
}

/// Why a bbox was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BboxError {
	/// Not four numbers, nor six with elevations (or text longer than
	/// [`MAX_BBOX_TEXT_LEN`], not read).
	Malformed,
	/// A latitude outside ±90 (or not a finite number).
	LatitudeOutOfRange,
	/// A longitude outside ±180 (or not a finite number).
	LongitudeOutOfRange,
	/// `south` is north of `north`.
	SouthAboveNorth,
}

impl core::fmt::Display for BboxError {
	fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
		f.write_str(match self {
			Self::Malformed => {
				"malformed bbox: west,south,east,north in degrees (or six numbers with elevations)"
			},
			Self::LatitudeOutOfRange => "bbox latitude outside ±90",
			Self::LongitudeOutOfRange => "bbox longitude outside ±180",
			Self::SouthAboveNorth => "bbox south is above north",
		})
	}
}

impl std::error::Error for BboxError {}

/// `degrees` in 1e-7 degrees, if finite and within ±`max` once rounded.
/// Checked in floating point: a cast saturates (a huge negative number
/// would become `i32::MIN`, whose absolute value overflows).
fn fixed(degrees: f64, max: i32, error: BboxError) -> Result<i32, BboxError> {
	let fixed = (degrees * f64::from(DEGREE)).round();
	if fixed.is_finite() && fixed.abs() <= f64::from(max) {
		Ok(fixed as i32)
	} else {
		Err(error)
	}
}

impl Bbox {
	/// The box of four numbers, or of six with elevations (ignored).
	pub fn from_degrees(numbers: &[f64]) -> Result<Self, BboxError> {
		let [west, south, east, north] = match *numbers {
			[w, s, e, n] | [w, s, _, e, n, _] => [w, s, e, n],
			_ => return Err(BboxError::Malformed),
		};
		let (lon, lat) = (BboxError::LongitudeOutOfRange, BboxError::LatitudeOutOfRange);
		let bbox = Self {
			west: fixed(west, MAX_LONGITUDE, lon)?,
			south: fixed(south, MAX_LATITUDE, lat)?,
			east: fixed(east, MAX_LONGITUDE, lon)?,
			north: fixed(north, MAX_LATITUDE, lat)?,
		};
		if bbox.south > bbox.north {
			return Err(BboxError::SouthAboveNorth);
		}
		Ok(bbox)
	}

	/// The box of comma-separated numbers, each trimmed: `116.3, 39.8,116.5,40`.
	pub fn parse(text: &str) -> Result<Self, BboxError> {
		// At most six numbers are read; a longer text is refused unread.
		if text.len() > MAX_BBOX_TEXT_LEN || text.split(',').nth(6).is_some() {
			return Err(BboxError::Malformed);
		}
		let numbers: Vec<f64> = text
			.split(',')
			.map(|n| n.trim().parse())
			.collect::<Result<_, _>>()
			.map_err(|_| BboxError::Malformed)?;
		Self::from_degrees(&numbers)
	}

	/// The box of a JSON `bbox`: an array of four (or six) numbers, or a
	/// string as [`Self::parse`] reads.
	pub fn from_json(value: &Value) -> Result<Self, BboxError> {
		match value {
			Value::Array(items) if items.len() == 4 || items.len() == 6 => items
				.iter()
				.map(Value::as_f64)
				.collect::<Option<Vec<_>>>()
				.map_or(Err(BboxError::Malformed), |n| Self::from_degrees(&n)),
			Value::String(text) => Self::parse(text),
			_ => Err(BboxError::Malformed),
		}
	}

	/// `[west, south, east, north]` in degrees.
	pub fn degrees(&self) -> [f64; 4] {
		[self.west, self.south, self.east, self.north].map(|d| f64::from(d) / f64::from(DEGREE))
	}

	/// Whether the box crosses the antimeridian.
	pub fn crosses_antimeridian(&self) -> bool {
		self.west > self.east
	}
}

#[cfg(test)]
mod tests {
	use super::*;
	use serde_json::json;

	fn bbox(west: f64, south: f64, east: f64, north: f64) -> Bbox {
		let f = |d: f64| (d * f64::from(DEGREE)).round() as i32;
		Bbox { west: f(west), south: f(south), east: f(east), north: f(north) }
	}

	#[test]
	fn a_box_is_read_from_text_or_json_in_fixed_point() {
		let beijing = Bbox {
			west: 1_162_000_000,
			south: 398_000_000,
			east: 1_165_000_000,
			north: 400_000_000,
		};
		assert_eq!(Bbox::parse("116.2, 39.8,116.5,40"), Ok(beijing));
		assert_eq!(Bbox::from_json(&json!("116.2, 39.8,116.5,40")), Ok(beijing));
		let list: Value = serde_json::from_str("[116.2, 39.8, 116.5, 40]").unwrap();
		assert_eq!(Bbox::from_json(&list), Ok(beijing));
		assert_eq!(beijing.degrees(), [116.2, 39.8, 116.5, 40.0]);
		// A 3D box is read in 2D.
		assert_eq!(Bbox::from_json(&json!([116.2, 39.8, -5.0, 116.5, 40, 80.0])), Ok(beijing));
		assert_eq!(Bbox::parse("116.2,39.8,0,116.5,40,80"), Ok(beijing));
		// Whole degrees and the globe's edges.
		assert_eq!(Bbox::parse("-180,-90,180,90"), Ok(bbox(-180.0, -90.0, 180.0, 90.0)));
		// Within half a unit of the edge rounds onto it.
		assert_eq!(Bbox::parse("0,0,1,90.00000004").map(|b| b.north), Ok(MAX_LATITUDE));
	}

	#[test]
	fn a_box_across_the_antimeridian_is_west_of_its_west() {
		let fiji = Bbox::from_json(&json!([179.0, -20.0, -179.0, -10.0])).unwrap();
		assert!(fiji.crosses_antimeridian());
		assert!(Bbox::parse("170,-10,-170,10").unwrap().crosses_antimeridian());
		assert!(!Bbox::parse("1,2,3,4").unwrap().crosses_antimeridian());
	}

	#[test]
	fn refusals_are_named() {
		use BboxError::*;
		for (text, error) in [
			("1,2,3", Malformed),
			("1,2,3,4,5", Malformed),
			("1,2,3,4,5,6,7", Malformed),
			("1,x,3,4", Malformed),
			("a,b,c,d", Malformed),
			("", Malformed),
			("1,,3,4", Malformed),
			("0,0,1,95", LatitudeOutOfRange),
			("0,0,1,90.0000001", LatitudeOutOfRange),
			("0,0,181,1", LongitudeOutOfRange),
			("-180.0000001,0,1,1", LongitudeOutOfRange),
			("0,NaN,1,1", LatitudeOutOfRange),
			("0,inf,1,1", LatitudeOutOfRange),
			("-inf,0,1,1", LongitudeOutOfRange),
			("0,10,1,5", SouthAboveNorth),
			("1e300,0,1,1", LongitudeOutOfRange),
			// Found by the fuzzer: a number that saturates the fixed point.
			("179,-20,-179,-1179", LatitudeOutOfRange),
			("-1183,39.9,116.42,39.46", LongitudeOutOfRange),
			("-1e300,0,1,1", LongitudeOutOfRange),
		] {
			assert_eq!(Bbox::parse(text), Err(error), "{text}");
		}
		assert_eq!(
			Bbox::parse(&format!("1,2,3,{}", "4".repeat(MAX_BBOX_TEXT_LEN))),
			Err(Malformed)
		);
		for bad in [
			json!([0.0, 10.0, 1.0, 5.0]),
			json!([0.0, 0.0, 1.0, 95.0]),
			json!(["1", 0, 1, 1]),
			json!([1, 2, 3]),
			json!([1, 2, 3, 4, 5]),
			json!([null, 2, 3, 4]),
			json!(7),
			json!({ "west": 1 }),
			json!(null),
		] {
			assert!(Bbox::from_json(&bad).is_err(), "{bad}");
		}
		// An elevation is ignored, whatever it is.
		assert!(Bbox::from_degrees(&[0.0, 0.0, f64::NAN, 1.0, 1.0, f64::INFINITY]).is_ok());
	}

	#[test]
	fn messages_are_the_chains() {
		assert_eq!(
			BboxError::Malformed.to_string(),
			"malformed bbox: west,south,east,north in degrees (or six numbers with elevations)"
		);
		assert_eq!(BboxError::SouthAboveNorth.to_string(), "bbox south is above north");
		assert_eq!(BboxError::LatitudeOutOfRange.to_string(), "bbox latitude outside ±90");
		assert_eq!(BboxError::LongitudeOutOfRange.to_string(), "bbox longitude outside ±180");
	}
}
