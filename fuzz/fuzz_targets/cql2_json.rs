//! CQL2 JSON, as `POST /search {"filter": {…}, "filter-lang": "cql2-json"}`
//! sends it: JSON (serde_json's own depth limit), the node's length bound,
//! `check_json`, then (if it passes) the expression read from the JSON and
//! what the node does with it, on a 2 MiB stack.
#![no_main]

use citychain_fuzz::{on_stack, walk, MAX_FILTER_BYTES};
use citychain_stac::filter::check_json;
use libfuzzer_sys::fuzz_target;
use serde_json::Value;

fuzz_target!(|data: &[u8]| {
	if data.len() > MAX_FILTER_BYTES {
		return;
	}
	let Ok(value) = serde_json::from_slice::<Value>(data) else { return };
	if check_json(&value).is_err() {
		return;
	}
	on_stack(move || {
		if let Ok(expr) = serde_json::from_value::<cql2::Expr>(value) {
			walk(expr);
		}
	});
});
