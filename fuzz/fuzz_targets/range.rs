//! The bytes a stranger asks `/data/{dataset}` for: a `Range` header, read
//! before the file's size is known and then cut to it, and the query of
//! `/data/{dataset}/verified`. The input is a file's size (8 bytes, little
//! endian; fewer are padded with zeros) and the text, tried as both.
#![no_main]

use citychain_stac::range::{
	asked, verified, wanted, Asked, Wanted, MAX_HEADER_LEN, MAX_QUERY_LEN,
};
use libfuzzer_sys::fuzz_target;

fn header(text: &str, size: u64) {
	let asked = asked(Some(text));
	let served = wanted(Some(text), size);
	assert_eq!(asked.within(size), served);
	if text.len() > MAX_HEADER_LEN {
		assert_eq!(asked, Asked::Whole, "a header over the bound is not read");
	}
	match &asked {
		Asked::Bounded(range) => assert!(range.start < range.end),
		Asked::Last(n) => assert!(*n > 0),
		_ => {},
	}
	let Wanted::Part(range) = served else { return };
	assert!(range.start < range.end && range.end <= size, "{range:?} of {size}");
	match asked {
		Asked::From(start) => assert_eq!(range, start..size),
		Asked::Bounded(asked) => {
			assert_eq!(range.start, asked.start);
			assert_eq!(range.end, asked.end.min(size));
		},
		Asked::Last(n) => assert_eq!(range, size - n.min(size)..size),
		Asked::Whole | Asked::Nothing => panic!("{asked:?} is never a part"),
	}
	// The range served, asked again as `a-b`, is served the same.
	let again = format!("bytes={}-{}", range.start, range.end - 1);
	assert_eq!(wanted(Some(&again), size), Wanted::Part(range));
}

fn query(text: &str) {
	let Ok(range) = verified(Some(text)) else { return };
	assert!(text.len() <= MAX_QUERY_LEN);
	assert!(range.start < range.end);
	let again = format!("start={}&end={}", range.start, range.end);
	assert_eq!(verified(Some(&again)), Ok(range));
}

fuzz_target!(|data: &[u8]| {
	let (size, text) = data.split_at(data.len().min(8));
	let mut bytes = [0u8; 8];
	bytes[..size.len()].copy_from_slice(size);
	let size = u64::from_le_bytes(bytes);
	let Ok(text) = std::str::from_utf8(text) else { return };
	header(text, size);
	query(text);
	assert_eq!(wanted(None, size), Wanted::Whole);
});
