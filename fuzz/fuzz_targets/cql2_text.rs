//! CQL2 text, as `POST /search {"filter": "…"}` and `GET /search?filter=…`
//! send it: the node's length bound, `check_text`, then (if it passes) the
//! cql2 parse and what the node does with the expression, on a 2 MiB stack.
//! A filter the bound admits must never overflow it or panic.
#![no_main]

use citychain_fuzz::{on_stack, walk, MAX_FILTER_BYTES};
use citychain_stac::filter::check_text;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
	let Ok(text) = std::str::from_utf8(data) else { return };
	if text.len() > MAX_FILTER_BYTES || check_text(text).is_err() {
		return;
	}
	on_stack(|| {
		if let Ok(expr) = cql2::parse_text(text) {
			walk(expr);
		}
	});
});
