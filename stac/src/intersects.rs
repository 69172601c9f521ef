//! An `intersects` parameter: a GeoJSON geometry (RFC 7946) of WGS84
//! positions that a search's footprints must intersect.
//!
//! The JSON is measured first, without recursion: at most
//! [`MAX_POSITIONS`] positions, [`MAX_VALUES`] JSON values in all and
//! [`MAX_DEPTH`] levels of nesting; only then is it read as GeoJSON,
//! checked as RFC 7946 says a geometry must be (lines of two positions or
//! more, closed rings of four or more) and each position checked to lie
//! within ±180, ±90.

use geo::{CoordsIter, Geometry};
use serde_json::Value;

/// Most positions of one geometry.
pub const MAX_POSITIONS: usize = 10_000;
/// Most JSON values (objects, arrays, numbers, strings, …) of one geometry:
/// room for [`MAX_POSITIONS`] 3D points in a `GeometryCollection` (six
/// values each) and foreign members.
pub const MAX_VALUES: usize = 8 * MAX_POSITIONS;
/// Deepest nesting of JSON objects and arrays: a `MultiPolygon`'s numbers
/// are six deep, and each `GeometryCollection` around it adds two.
pub const MAX_DEPTH: usize = 16;

/// Why an `intersects` geometry was refused.
#[derive(Clone, Debug, PartialEq)]
pub enum IntersectsError {
	/// Nested deeper than [`MAX_DEPTH`] (not read).
	TooDeep,
	/// More than [`MAX_POSITIONS`] positions (not read).
	TooManyPositions,
	/// More than [`MAX_VALUES`] JSON values (not read).
	TooLarge,
	/// Not a GeoJSON geometry: what the GeoJSON reader said.
	NotGeometry(String),
	/// A line of fewer than two positions.
	ShortLine(usize),
	/// A polygon ring of fewer than four positions.
	ShortRing(usize),
	/// A polygon ring that does not end where it starts.
	OpenRing,
	/// A position outside ±180, ±90 (or not finite).
	OutOfRange { x: f64, y: f64 },
	/// No position at all.
	Empty,
}

impl core::fmt::Display for IntersectsError {
	fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
		f.write_str("intersects: ")?;
		match self {
			Self::TooDeep => write!(f, "nested more than {MAX_DEPTH} levels deep"),
			Self::TooManyPositions => write!(f, "more than {MAX_POSITIONS} positions"),
			Self::TooLarge => write!(f, "more than {MAX_VALUES} JSON values"),
			Self::NotGeometry(e) => write!(f, "not a GeoJSON geometry ({e})"),
			Self::ShortLine(n) => {
				write!(f, "a line of {n} position(s); a LineString has two or more")
			},
			Self::ShortRing(n) => {
				write!(f, "a polygon ring of {n} position(s); a ring has four or more")
			},
			Self::OpenRing => f.write_str("a polygon ring that does not end where it starts"),
			Self::OutOfRange { x, y } => write!(f, "position [{x}, {y}] is outside ±180, ±90"),
			Self::Empty => f.write_str("the geometry is empty"),
		}
	}
}

impl std::error::Error for IntersectsError {}

/// Measures `value` without recursion: its depth, its JSON values and its
/// positions (arrays that start with a number). Values are counted as they
/// are found, so the walk never holds more than [`MAX_VALUES`].
fn measure(value: &Value) -> Result<(), IntersectsError> {
	let (mut values, mut positions) = (1usize, 0usize);
	let mut stack = vec![(value, 1usize)];
	while let Some((value, depth)) = stack.pop() {
		let children = match value {
			Value::Array(items) => {
				if items.first().is_some_and(Value::is_number) {
					positions += 1;
					if positions > MAX_POSITIONS {
						return Err(IntersectsError::TooManyPositions);
					}
				}
				items.len()
			},
			Value::Object(map) => map.len(),
			_ => 0,
		};
		if children == 0 {
			continue;
		}
		if depth >= MAX_DEPTH {
			return Err(IntersectsError::TooDeep);
		}
		values += children;
		if values > MAX_VALUES {
			return Err(IntersectsError::TooLarge);
		}
		match value {
			Value::Array(items) => stack.extend(items.iter().map(|v| (v, depth + 1))),
			Value::Object(map) => stack.extend(map.values().map(|v| (v, depth + 1))),
			_ => {},
		}
	}
	Ok(())
}

/// Whether a GeoJSON geometry is what RFC 7946 says it must be: lines of two
/// positions or more, polygon rings of four or more that end where they
/// start (geo would close an open ring silently). Its nesting is bounded by
/// [`measure`].
fn well_formed(value: &geojson::Value) -> Result<(), IntersectsError> {
	use geojson::Value as G;
	let line = |l: &Vec<geojson::Position>| match l.len() {
		n if n >= 2 => Ok(()),
		n => Err(IntersectsError::ShortLine(n)),
	};
	let polygon = |rings: &Vec<Vec<geojson::Position>>| {
		rings.iter().try_for_each(|r| match (r.len(), r.first() == r.last()) {
			(n, _) if n < 4 => Err(IntersectsError::ShortRing(n)),
			(_, false) => Err(IntersectsError::OpenRing),
			_ => Ok(()),
		})
	};
	match value {
		G::Point(_) | G::MultiPoint(_) => Ok(()),
		G::LineString(l) => line(l),
		G::MultiLineString(ls) => ls.iter().try_for_each(line),
		G::Polygon(p) => polygon(p),
		G::MultiPolygon(ps) => ps.iter().try_for_each(polygon),
		G::GeometryCollection(gs) => gs.iter().try_for_each(|g| well_formed(&g.value)),
	}
}

/// The geometry of an `intersects` parameter: a GeoJSON geometry, bounded,
/// well formed, of valid WGS84 positions, at least one.
pub fn parse_intersects(value: &Value) -> Result<Geometry<f64>, IntersectsError> {
	measure(value)?;
	let geometry = geojson::Geometry::from_json_value(value.clone())
		.map_err(|e| IntersectsError::NotGeometry(e.to_string()))?;
	well_formed(&geometry.value)?;
	let geometry = Geometry::<f64>::try_from(geometry)
		.map_err(|e| IntersectsError::NotGeometry(e.to_string()))?;
	let mut positions = 0;
	for c in geometry.coords_iter() {
		positions += 1;
		if positions > MAX_POSITIONS {
			return Err(IntersectsError::TooManyPositions);
		}
		if !(c.x.is_finite() && c.y.is_finite() && c.x.abs() <= 180.0 && c.y.abs() <= 90.0) {
			return Err(IntersectsError::OutOfRange { x: c.x, y: c.y });
		}
	}
	if positions == 0 {
		return Err(IntersectsError::Empty);
	}
	Ok(geometry)
}

#[cfg(test)]
mod tests {
	use super::*;
	use serde_json::json;

	fn shape(kind: &str, coordinates: Value) -> Result<Geometry<f64>, IntersectsError> {
		parse_intersects(&json!({ "type": kind, "coordinates": coordinates }))
	}

	#[test]
	fn any_geojson_geometry_within_bounds() {
		assert!(shape("Point", json!([116.4, 39.9])).is_ok());
		assert!(shape("Point", json!([116.4, 39.9, 50.0])).is_ok(), "an elevation");
		assert!(shape("LineString", json!([[116.3, 39.9], [116.5, 40.0]])).is_ok());
		assert!(shape("Polygon", json!([[[116, 39], [117, 39], [117, 40], [116, 39]]])).is_ok());
		assert!(shape("MultiPoint", json!([[1, 2], [3, 4]])).is_ok());
		assert!(shape("MultiLineString", json!([[[0, 0], [1, 1]], [[2, 2], [3, 3]]])).is_ok());
		assert!(shape("MultiPolygon", json!([[[[0, 0], [1, 0], [1, 1], [0, 0]]]])).is_ok());
		let collection = json!({ "type": "GeometryCollection", "geometries": [{ "type": "Point", "coordinates": [1, 2] }] });
		assert!(parse_intersects(&collection).is_ok());
		assert!(
			shape("Point", json!([-180, -90])).is_ok() && shape("Point", json!([180, 90])).is_ok()
		);
		assert!(matches!(shape("Point", json!([1, 2])), Ok(Geometry::Point(p)) if p.x() == 1.0));
	}

	#[test]
	fn open_rings_and_short_lines_are_refused() {
		assert_eq!(
			shape("Polygon", json!([[[0, 0], [1, 0], [1, 1], [0, 1]]])),
			Err(IntersectsError::OpenRing)
		);
		assert_eq!(shape("Polygon", json!([[[0, 0], [1, 1]]])), Err(IntersectsError::ShortRing(2)));
		assert_eq!(
			shape("MultiPolygon", json!([[[[0, 0], [1, 1], [0, 0]]]])),
			Err(IntersectsError::ShortRing(3))
		);
		assert_eq!(shape("LineString", json!([[0, 0]])), Err(IntersectsError::ShortLine(1)));
		assert_eq!(
			shape("MultiLineString", json!([[[0, 0], [1, 1]], [[2, 2]]])),
			Err(IntersectsError::ShortLine(1))
		);
		let collection = json!({ "type": "GeometryCollection", "geometries": [{ "type": "LineString", "coordinates": [[0, 0]] }] });
		assert_eq!(parse_intersects(&collection), Err(IntersectsError::ShortLine(1)));
	}

	#[test]
	fn positions_lie_on_the_globe_and_there_is_one_at_least() {
		assert_eq!(
			shape("Point", json!([190, 0])),
			Err(IntersectsError::OutOfRange { x: 190.0, y: 0.0 })
		);
		assert_eq!(
			shape("LineString", json!([[0, 0], [0, -90.5]])),
			Err(IntersectsError::OutOfRange { x: 0.0, y: -90.5 })
		);
		assert_eq!(shape("MultiPoint", json!([])), Err(IntersectsError::Empty));
		assert_eq!(shape("Polygon", json!([])), Err(IntersectsError::Empty));
		let nothing = json!({ "type": "GeometryCollection", "geometries": [] });
		assert_eq!(parse_intersects(&nothing), Err(IntersectsError::Empty));
	}

	#[test]
	fn what_is_not_a_geometry_is_named() {
		for bad in [
			json!({ "type": "Circle", "coordinates": [1, 2] }),
			json!({ "type": "Point", "coordinates": [1] }),
			json!({ "type": "Point", "coordinates": [1, "2"] }),
			json!({ "type": "Point" }),
			json!({ "type": "Feature", "geometry": null, "properties": {} }),
			json!([1, 2]),
			json!("POINT (1 2)"),
			json!(null),
		] {
			assert!(
				matches!(parse_intersects(&bad), Err(IntersectsError::NotGeometry(_))),
				"{bad}: {:?}",
				parse_intersects(&bad)
			);
		}
	}

	#[test]
	fn size_and_depth_are_bounded_before_reading() {
		let many: Vec<[f64; 2]> = (0..=MAX_POSITIONS).map(|i| [0.0, (i % 80) as f64]).collect();
		assert_eq!(shape("MultiPoint", json!(many)), Err(IntersectsError::TooManyPositions));
		let enough: Vec<[f64; 3]> =
			(0..MAX_POSITIONS).map(|i| [0.0, (i % 80) as f64, 1.0]).collect();
		assert!(shape("MultiPoint", json!(enough)).is_ok());
		// As many 3D points as allowed, each its own geometry.
		let points: Vec<Value> = (0..MAX_POSITIONS)
			.map(|i| json!({ "type": "Point", "coordinates": [0.0, (i % 80) as f64, 1.0] }))
			.collect();
		assert!(parse_intersects(&json!({ "type": "GeometryCollection", "geometries": points }))
			.is_ok());
		// Long positions count every number.
		let long = vec![vec![0.0; 100]; MAX_VALUES / 100];
		assert_eq!(shape("MultiPoint", json!(long)), Err(IntersectsError::TooLarge));
		// Collections within collections.
		let mut nested = json!({ "type": "Point", "coordinates": [1, 2] });
		for _ in 0..7 {
			nested = json!({ "type": "GeometryCollection", "geometries": [nested] });
		}
		assert_eq!(parse_intersects(&nested), Err(IntersectsError::TooDeep));
		let mut fine =
			json!({ "type": "MultiPolygon", "coordinates": [[[[0, 0], [1, 0], [1, 1], [0, 0]]]] });
		for _ in 0..5 {
			fine = json!({ "type": "GeometryCollection", "geometries": [fine] });
		}
		assert!(parse_intersects(&fine).is_ok());
		// Deeply nested empty arrays are refused however few values they are.
		let mut deep = json!([]);
		for _ in 0..MAX_DEPTH {
			deep = json!([deep]);
		}
		assert_eq!(shape("MultiPolygon", deep), Err(IntersectsError::TooDeep));
	}

	#[test]
	fn messages_are_the_nodes() {
		let message = |kind, c| shape(kind, c).unwrap_err().to_string();
		assert_eq!(
			message("Polygon", json!([[[0, 0], [1, 1]]])),
			"intersects: a polygon ring of 2 position(s); a ring has four or more"
		);
		assert_eq!(
			message("LineString", json!([[0, 0]])),
			"intersects: a line of 1 position(s); a LineString has two or more"
		);
		assert_eq!(
			message("Point", json!([200, 0])),
			"intersects: position [200, 0] is outside ±180, ±90"
		);
		assert_eq!(message("MultiPoint", json!([])), "intersects: the geometry is empty");
		assert!(
			message("Circle", json!([1, 2])).starts_with("intersects: not a GeoJSON geometry (")
		);
		assert_eq!(
			IntersectsError::TooManyPositions.to_string(),
			format!("intersects: more than {MAX_POSITIONS} positions")
		);
	}
}
