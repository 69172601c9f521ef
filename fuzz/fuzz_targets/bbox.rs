//! A `bbox` parameter, as text (`GET ?bbox=w,s,e,n`, the first byte 0) or as
//! JSON (`POST {"bbox": …}`, the first byte anything else). What it
//! accepts is a box on the globe, south of its north, that reads back the
//! same from its degrees.
#![no_main]

use citychain_stac::bbox::{Bbox, MAX_LATITUDE, MAX_LONGITUDE};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
	let Some((&mode, rest)) = data.split_first() else { return };
	let parsed = if mode == 0 {
		let Ok(text) = std::str::from_utf8(rest) else { return };
		Bbox::parse(text)
	} else {
		let Ok(value) = serde_json::from_slice(rest) else { return };
		Bbox::from_json(&value)
	};
	let Ok(b) = parsed else { return };
	assert!(b.south <= b.north, "{b:?}");
	for lat in [b.south, b.north] {
		assert!(lat.abs() <= MAX_LATITUDE, "{b:?}");
	}
	for lon in [b.west, b.east] {
		assert!(lon.abs() <= MAX_LONGITUDE, "{b:?}");
	}
	assert_eq!(Bbox::from_degrees(&b.degrees()), Ok(b));
});
