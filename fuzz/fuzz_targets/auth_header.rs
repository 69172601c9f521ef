//! The gateway's `Authorization` header, which every request may carry: a
//! signed request (`CityChain account=…, time=…, nonce=…, signature=…`) or a
//! read token (`Bearer <account>.<expiry>.<signature>`). The account's SS58
//! is decoded by sp-core in the client, not here: a stand-in takes any
//! base-58 text of an SS58 address's length.
#![no_main]

use citychain_stac::authorization::{parse_signed, parse_token, MAX_HEADER_LEN};
use libfuzzer_sys::fuzz_target;

fn ss58(account: &str) -> Option<usize> {
	let base58 = |b: u8| b.is_ascii_alphanumeric() && !matches!(b, b'0' | b'O' | b'I' | b'l');
	((46..=50).contains(&account.len()) && account.bytes().all(base58)).then_some(account.len())
}

fuzz_target!(|data: &[u8]| {
	let Ok(header) = std::str::from_utf8(data) else { return };
	if let Ok(signed) = parse_signed(header, ss58) {
		assert!(header.len() <= MAX_HEADER_LEN);
		assert_eq!(Some(signed.public), ss58(signed.account));
		assert!(signed.time_ms < 10u64.pow(15));
	}
	if let Ok(token) = parse_token(header, ss58) {
		assert!(header.len() <= MAX_HEADER_LEN);
		assert_eq!(Some(token.public), ss58(token.account));
		assert!(token.expires_ms < 10u64.pow(15));
	}
});
