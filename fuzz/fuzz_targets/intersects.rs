//! An `intersects` GeoJSON geometry (`POST {"intersects": …}`, or JSON text
//! in `GET ?intersects=…`): measured, read, checked; then what the search
//! index does with it: its bounding box, and the exact test against
//! footprints (a city's box, boxes at the globe's edges).
#![no_main]

use citychain_stac::intersects::{parse_intersects, MAX_POSITIONS};
use geo::{coord, BoundingRect, CoordsIter, Intersects, Rect};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
	let Ok(value) = serde_json::from_slice(data) else { return };
	let Ok(geometry) = parse_intersects(&value) else { return };
	let mut positions = 0;
	for c in geometry.coords_iter() {
		positions += 1;
		assert!(c.x.abs() <= 180.0 && c.y.abs() <= 90.0, "{c:?}");
	}
	assert!((1..=MAX_POSITIONS).contains(&positions));
	let around = geometry.bounding_rect().expect("a geometry with positions has a box");
	assert!(around.min().x <= around.max().x && around.min().y <= around.max().y);
	for (w, s, e, n) in [
		(116.3, 39.8, 116.5, 40.0),
		(-180.0, -90.0, 180.0, 90.0),
		(179.0, -20.0, 180.0, -10.0),
		(-180.0, 89.0, -179.0, 90.0),
		(0.0, 0.0, 0.0, 0.0),
	] {
		let footprint = Rect::new(coord! { x: w, y: s }, coord! { x: e, y: n });
		let _ = geometry.intersects(&footprint);
	}
});
