//! A dataset's extent from a GeoJSON file: the bounding box of every
//! position of every feature's geometry, and the time span of the features'
//! `datetime`, `start_datetime`/`end_datetime`, `time`, `timestamp` or
//! `date` properties.

use crate::failure::Failure;
use citychain_client::primitives::{geometry::fixed, BoundingBox};
use serde_json::Value;

/// The extent found in a GeoJSON document.
#[derive(Debug, PartialEq)]
pub struct Extent {
	pub bbox: Option<BoundingBox>,
	/// Earliest and latest time, ms since the epoch.
	pub time: Option<(i64, i64)>,
}

const TIME_PROPERTIES: &[&str] =
	&["datetime", "start_datetime", "end_datetime", "time", "timestamp", "date"];

/// An RFC 3339 instant or a `YYYY-MM-DD` date (midnight UTC), as ms.
pub fn parse_time(text: &str) -> Option<i64> {
	if let Ok(t) = chrono::DateTime::parse_from_rfc3339(text) {
		return Some(t.timestamp_millis());
	}
	chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d")
		.ok()
		.and_then(|d| d.and_hms_opt(0, 0, 0))
		.map(|t| t.and_utc().timestamp_millis())
}

fn positions(coordinates: &Value, out: &mut impl FnMut(f64, f64)) {
	let Some(items) = coordinates.as_array() else { return };
	match (items.first().and_then(Value::as_f64), items.get(1).and_then(Value::as_f64)) {
		(Some(lon), Some(lat)) => out(lon, lat),
		_ => items.iter().for_each(|c| positions(c, out)),
	}
}

fn geometry(g: &Value, out: &mut impl FnMut(f64, f64)) {
	match g["type"].as_str() {
		Some("GeometryCollection") => {
			g["geometries"].as_array().into_iter().flatten().for_each(|g| geometry(g, out))
		},
		Some(_) => positions(&g["coordinates"], out),
		None => {},
	}
}

/// The extent of a GeoJSON FeatureCollection, Feature or geometry.
pub fn of_geojson(doc: &Value) -> Result<Extent, Failure> {
	let features: Vec<&Value> = match doc["type"].as_str() {
		Some("FeatureCollection") => {
			doc["features"].as_array().map(|f| f.iter().collect()).unwrap_or_default()
		},
		Some("Feature") => vec![doc],
		Some(_) => return Ok(extent_of(std::iter::once((doc, &Value::Null)))),
		None => return Err(Failure::Usage("not a GeoJSON document (no \"type\")".into())),
	};
	Ok(extent_of(features.into_iter().map(|f| (&f["geometry"], &f["properties"]))))
}

fn extent_of<'a>(features: impl Iterator<Item = (&'a Value, &'a Value)>) -> Extent {
	let (mut w, mut s, mut e, mut n) = (f64::MAX, f64::MAX, f64::MIN, f64::MIN);
	let mut time: Option<(i64, i64)> = None;
	for (g, properties) in features {
		geometry(g, &mut |lon, lat| {
			(w, e) = (w.min(lon), e.max(lon));
			(s, n) = (s.min(lat), n.max(lat));
		});
		for key in TIME_PROPERTIES {
			if let Some(t) = properties[key].as_str().and_then(parse_time) {
				time = Some(time.map_or((t, t), |(a, b)| (a.min(t), b.max(t))));
			}
		}
	}
	let bbox = (w <= e).then(|| BoundingBox {
		west: fixed(w),
		south: fixed(s),
		east: fixed(e),
		north: fixed(n),
	});
	Extent { bbox, time }
}

#[cfg(test)]
mod tests {
	use super::*;
	use serde_json::json;

	#[test]
	fn features_give_box_and_time() {
		let doc = json!({
			"type": "FeatureCollection",
			"features": [
				{ "type": "Feature", "geometry": { "type": "Point", "coordinates": [116.3, 39.9] },
				  "properties": { "datetime": "2024-03-01T08:00:00Z" } },
				{ "type": "Feature", "geometry": { "type": "LineString", "coordinates": [[116.25, 39.95], [116.45, 40.01, 50.0]] },
				  "properties": { "date": "2024-01-15" } },
				{ "type": "Feature", "geometry": { "type": "GeometryCollection", "geometries": [
					{ "type": "Polygon", "coordinates": [[[116.2, 39.8], [116.21, 39.8], [116.2, 39.81], [116.2, 39.8]]] } ] },
				  "properties": { "end_datetime": "2024-06-30T23:59:59.5Z" } },
			],
		});
		let extent = of_geojson(&doc).unwrap();
		assert_eq!(
			extent.bbox,
			Some(BoundingBox {
				west: 1_162_000_000,
				south: 398_000_000,
				east: 1_164_500_000,
				north: 400_100_000
			})
		);
		assert_eq!(
			extent.time,
			Some((
				parse_time("2024-01-15").unwrap(),
				parse_time("2024-06-30T23:59:59.5Z").unwrap()
			))
		);
	}

	#[test]
	fn a_document_without_positions_or_times_gives_nothing() {
		let doc = json!({ "type": "FeatureCollection", "features": [{ "type": "Feature", "geometry": null, "properties": {} }] });
		assert_eq!(of_geojson(&doc).unwrap(), Extent { bbox: None, time: None });
		assert!(of_geojson(&json!({ "features": [] })).is_err());
	}

	#[test]
	fn times_are_rfc3339_or_dates() {
		assert_eq!(parse_time("1970-01-01T00:00:01Z"), Some(1000));
		assert_eq!(parse_time("1970-01-02"), Some(86_400_000));
		assert_eq!(parse_time("yesterday"), None);
	}
}
