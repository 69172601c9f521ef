//! `GET /search?…`, the STAC API's item search for anyone: the query string
//! decoded (bounded first), read into the node's parameters as the gateway
//! sends them, then each value the node reads with this crate's parsers
//! (`bbox`, `datetime`, `intersects`; `filter` up to its complexity bound —
//! the `cql2_text` target goes on from there).
#![no_main]

use citychain_fuzz::MAX_FILTER_BYTES;
use citychain_stac::{
	bbox::Bbox,
	datetime::parse_interval,
	filter::check_text,
	intersects::parse_intersects,
	query::{parse_query, search_params},
};
use libfuzzer_sys::fuzz_target;
use serde_json::Value;

fuzz_target!(|data: &[u8]| {
	let Ok(raw) = std::str::from_utf8(data) else { return };
	let Ok(query) = parse_query(raw) else { return };
	let Ok(search) = search_params(&query) else { return };
	let p = &search.params;
	if let Some(bbox) = p.get("bbox") {
		let _ = Bbox::from_json(bbox);
	}
	if let Some(Value::String(datetime)) = p.get("datetime") {
		let _ = parse_interval(datetime);
	}
	if let Some(intersects) = p.get("intersects") {
		let _ = parse_intersects(intersects);
	}
	if let Some(Value::String(filter)) = p
		.get("filter")
		.filter(|f| f.as_str().is_some_and(|f| f.len() <= MAX_FILTER_BYTES))
	{
		let _ = check_text(filter);
	}
	if let Some(limit) = p.get("limit") {
		assert!(limit.as_u64().is_some_and(|l| (1..=u64::from(u32::MAX)).contains(&l)), "{limit}");
	}
	if let Some(Value::Array(collections)) = p.get("collections") {
		assert!(!collections.is_empty());
	}
});
