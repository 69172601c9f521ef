//! The query of a presigned link (`/data/{dataset}/presigned`), which
//! anyone holding a link, or guessing at one, sends: never a panic, never
//! read past its bound, and what is read writes back to a query read the
//! same.
#![no_main]

use citychain_stac::presigned::{parse, MAX_ACCOUNT_LEN, MAX_QUERY_LEN};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
	let Ok(text) = std::str::from_utf8(data) else { return };
	let Ok(link) = parse(Some(text)) else { return };
	assert!(text.len() <= MAX_QUERY_LEN);
	assert!(!link.account.is_empty() && link.account.len() <= MAX_ACCOUNT_LEN);
	assert!(link.account.bytes().all(|b| b.is_ascii_alphanumeric()));
	let again = link.to_query();
	assert!(again.len() <= MAX_QUERY_LEN, "a link written is one the gateway reads");
	assert_eq!(parse(Some(&again)), Ok(link));
});
