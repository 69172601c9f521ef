//! A STAC `datetime` parameter: an instant or an interval. What it accepts
//! is an interval within the chain's years, never open at both ends, never
//! ending before it starts.
#![no_main]

use citychain_stac::datetime::{parse_interval, Interval, MAX_DATETIME_LEN, MAX_TIME, MIN_TIME};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
	let Ok(text) = std::str::from_utf8(data) else { return };
	let Ok(Interval { start, end }) = parse_interval(text) else { return };
	assert!(text.len() <= MAX_DATETIME_LEN);
	assert!(start.is_some() || end.is_some(), "open at both ends: {text:?}");
	for t in [start, end].into_iter().flatten() {
		assert!((MIN_TIME..=MAX_TIME).contains(&t), "{t} out of range: {text:?}");
	}
	if let (Some(s), Some(e)) = (start, end) {
		assert!(s <= e, "ends before it starts: {text:?}");
	}
	// What the answer prints (`rpc-api`'s `rfc3339`) reads back the same.
	if !text.contains('/') {
		let printed = chrono::DateTime::<chrono::Utc>::from_timestamp_millis(start.unwrap())
			.expect("in chrono's range")
			.to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
		assert_eq!(parse_interval(&printed), Ok(Interval { start, end: start }), "{printed}");
	}
});
