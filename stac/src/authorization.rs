//! The text of the gateway's `Authorization` header, read but not verified:
//!
//! ```text
//! Authorization: CityChain account=<SS58>, time=<ms>, nonce=<32 hex>, signature=<128 hex>
//! Authorization: Bearer <account SS58>.<expiry ms>.<signature, 128 hex>
//! ```
//!
//! The header is bounded ([`MAX_HEADER_LEN`]) before it is read. The account
//! is decoded by the caller's SS58 decoder (`citychain-client` passes
//! sp-core's `from_ss58check`), and the signature is verified there too:
//! this crate has no cryptography. See `citychain_client::auth` for what is
//! signed.

/// The scheme name of a signed request.
pub const SCHEME: &str = "CityChain";
/// The scheme of a read token.
pub const TOKEN_SCHEME: &str = "Bearer";
/// The longest `Authorization` header read.
pub const MAX_HEADER_LEN: usize = 400;
/// Bytes of a nonce (32 hex digits).
pub const NONCE_LEN: usize = 16;
/// Bytes of an sr25519 signature (128 hex digits).
pub const SIGNATURE_LEN: usize = 64;
/// Most decimal digits of a time or an expiry in ms (year 33658).
pub const MAX_MS_DIGITS: usize = 15;

/// Why an `Authorization` header could not be read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HeaderError {
	/// Longer than [`MAX_HEADER_LEN`] bytes (not read).
	TooLong,
	/// Not the scheme expected ([`SCHEME`] or [`TOKEN_SCHEME`]) and a space.
	WrongScheme,
	/// The scheme, but not what it carries: what is wrong.
	Malformed(&'static str),
}

impl core::fmt::Display for HeaderError {
	fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
		match self {
			Self::TooLong => write!(f, "Authorization header longer than {MAX_HEADER_LEN} bytes"),
			Self::WrongScheme => write!(f, "Authorization scheme is not {SCHEME}"),
			Self::Malformed(what) => write!(f, "malformed Authorization header: {what}"),
		}
	}
}

impl std::error::Error for HeaderError {}

/// A signed request's claim: `account` (SS58 as sent) and the key `public`
/// the caller's decoder found in it, when and with which nonce it was
/// signed, and the signature.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Signed<'a, P> {
	pub account: &'a str,
	pub public: P,
	pub time_ms: u64,
	pub nonce: [u8; NONCE_LEN],
	pub signature: [u8; SIGNATURE_LEN],
}

/// A read token's claim.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Token<'a, P> {
	pub account: &'a str,
	pub public: P,
	pub expires_ms: u64,
	pub signature: [u8; SIGNATURE_LEN],
}

/// `N` bytes from exactly `2 N` hex digits, with or without `0x`.
fn fixed_hex<const N: usize>(text: &str) -> Option<[u8; N]> {
	let text = text.strip_prefix("0x").unwrap_or(text);
	let mut out = [0u8; N];
	hex::decode_to_slice(text, &mut out).ok()?;
	Some(out)
}

/// Milliseconds: 1 to [`MAX_MS_DIGITS`] decimal digits, nothing else.
fn milliseconds(text: &str, what: &'static str) -> Result<u64, HeaderError> {
	if text.is_empty() || text.len() > MAX_MS_DIGITS || !text.bytes().all(|b| b.is_ascii_digit()) {
		return Err(HeaderError::Malformed(what));
	}
	text.parse().map_err(|_| HeaderError::Malformed(what))
}

/// Reads `CityChain account=…, time=…, nonce=…, signature=…` (the fields in
/// any order, each once), decoding the account with `ss58`.
pub fn parse_signed<'a, P>(
	header: &'a str,
	ss58: impl FnOnce(&str) -> Option<P>,
) -> Result<Signed<'a, P>, HeaderError> {
	if header.len() > MAX_HEADER_LEN {
		return Err(HeaderError::TooLong);
	}
	let rest = header.strip_prefix(SCHEME).ok_or(HeaderError::WrongScheme)?;
	let rest = rest.strip_prefix(' ').ok_or(HeaderError::WrongScheme)?;
	let (mut account, mut time, mut nonce, mut signature) = (None, None, None, None);
	for part in rest.split(',') {
		let (key, value) = part
			.trim()
			.split_once('=')
			.ok_or(HeaderError::Malformed("expected key=value"))?;
		let slot = match key {
			"account" => &mut account,
			"time" => &mut time,
			"nonce" => &mut nonce,
			"signature" => &mut signature,
			_ => return Err(HeaderError::Malformed("unknown field")),
		};
		if slot.replace(value).is_some() {
			return Err(HeaderError::Malformed("repeated field"));
		}
	}
	let account = account.ok_or(HeaderError::Malformed("no account"))?;
	let public = ss58(account).ok_or(HeaderError::Malformed("account is not SS58"))?;
	let time_ms =
		milliseconds(time.ok_or(HeaderError::Malformed("no time"))?, "time is not milliseconds")?;
	let nonce = fixed_hex(nonce.ok_or(HeaderError::Malformed("no nonce"))?)
		.ok_or(HeaderError::Malformed("nonce is not 32 hex digits"))?;
	let signature = fixed_hex(signature.ok_or(HeaderError::Malformed("no signature"))?)
		.ok_or(HeaderError::Malformed("signature is not 128 hex digits"))?;
	Ok(Signed { account, public, time_ms, nonce, signature })
}

/// Reads `Bearer <account>.<expiry>.<signature>`, decoding the account with
/// `ss58`.
pub fn parse_token<'a, P>(
	header: &'a str,
	ss58: impl FnOnce(&str) -> Option<P>,
) -> Result<Token<'a, P>, HeaderError> {
	if header.len() > MAX_HEADER_LEN {
		return Err(HeaderError::TooLong);
	}
	let token = header
		.strip_prefix(TOKEN_SCHEME)
		.and_then(|rest| rest.strip_prefix(' '))
		.ok_or(HeaderError::WrongScheme)?;
	let mut parts = token.trim().split('.');
	let (Some(account), Some(expires), Some(signature), None) =
		(parts.next(), parts.next(), parts.next(), parts.next())
	else {
		return Err(HeaderError::Malformed("a token is <account>.<expiry>.<signature>"));
	};
	let public = ss58(account).ok_or(HeaderError::Malformed("account is not SS58"))?;
	let expires_ms = milliseconds(expires, "expiry is not milliseconds")?;
	let signature =
		fixed_hex(signature).ok_or(HeaderError::Malformed("signature is not 128 hex digits"))?;
	Ok(Token { account, public, expires_ms, signature })
}

#[cfg(test)]
mod tests {
	use super::*;

	const ALICE: &str = "5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY";

	/// A stand-in decoder: Alice's address is key 1, anything else no key.
	fn ss58(account: &str) -> Option<u8> {
		(account == ALICE).then_some(1)
	}

	fn header(time: &str, nonce: &str) -> String {
		format!(
			"CityChain account={ALICE}, time={time}, nonce={nonce}, signature=0x{}",
			"ab".repeat(64)
		)
	}

	#[test]
	fn a_signed_header_is_read() {
		let h = header("1764000000000", &"07".repeat(16));
		let s = parse_signed(&h, ss58).unwrap();
		assert_eq!(
			s,
			Signed {
				account: ALICE,
				public: 1,
				time_ms: 1_764_000_000_000,
				nonce: [7; 16],
				signature: [0xab; 64]
			}
		);
		// Any order, white space around fields.
		let shuffled = format!(
			"CityChain  signature={} ,nonce={},time=5,account={ALICE}",
			"AB".repeat(64),
			"00".repeat(16)
		);
		assert_eq!(parse_signed(&shuffled, ss58).map(|s| s.time_ms), Ok(5));
	}

	#[test]
	fn malformed_signed_headers_are_named() {
		let ok = header("1", &"00".repeat(16));
		let error = |h: &str| parse_signed(h, ss58).unwrap_err();
		assert_eq!(error("Bearer abc"), HeaderError::WrongScheme);
		assert_eq!(error("CityChain"), HeaderError::WrongScheme);
		assert_eq!(error("citychain account=x"), HeaderError::WrongScheme);
		assert_eq!(error(&"x".repeat(MAX_HEADER_LEN + 1)), HeaderError::TooLong);
		let m = HeaderError::Malformed;
		assert_eq!(error(&ok.replace("time=1", "time=-1")), m("time is not milliseconds"));
		assert_eq!(error(&ok.replace("time=1", "time=+1")), m("time is not milliseconds"));
		assert_eq!(
			error(&ok.replace("time=1", "time=1234567890123456")),
			m("time is not milliseconds")
		);
		assert_eq!(error(&ok.replace("time=1", "time=")), m("time is not milliseconds"));
		assert_eq!(error(&ok.replace("account=5", "account=X")), m("account is not SS58"));
		assert_eq!(error(&ok.replace("nonce=", "nonce=ff")), m("nonce is not 32 hex digits"));
		assert_eq!(
			error(&ok.replace("signature=0x", "signature=0xzz")),
			m("signature is not 128 hex digits")
		);
		assert_eq!(error(&format!("{ok}, time=2")), m("repeated field"));
		assert_eq!(error(&format!("{ok}, colour=red")), m("unknown field"));
		assert_eq!(error(&format!("{ok},")), m("expected key=value"));
		assert_eq!(error("CityChain account"), m("expected key=value"));
		assert_eq!(error(&format!("CityChain account={ALICE}")), m("no time"));
		assert_eq!(error("CityChain time=1"), m("no account"));
		assert_eq!(error(&format!("CityChain account={ALICE}, time=1")), m("no nonce"));
		assert_eq!(
			error(&format!("CityChain account={ALICE}, time=1, nonce={}", "00".repeat(16))),
			m("no signature")
		);
		// The account is read before the time.
		assert_eq!(
			error(&ok.replace("account=5", "account=X").replace("time=1", "time=x")),
			m("account is not SS58")
		);
	}

	#[test]
	fn a_read_token_is_read() {
		let token = format!("{ALICE}.1800000000000.{}", "cd".repeat(64));
		let header = format!("Bearer {token}");
		let t = parse_token(&header, ss58).unwrap();
		assert_eq!(
			t,
			Token {
				account: ALICE,
				public: 1,
				expires_ms: 1_800_000_000_000,
				signature: [0xcd; 64]
			}
		);
		assert_eq!(parse_token(&format!("Bearer  {token} "), ss58).map(|t| t.public), Ok(1));
		let error = |h: String| parse_token(&h, ss58).unwrap_err();
		let m = HeaderError::Malformed;
		assert_eq!(error(format!("CityChain {token}")), HeaderError::WrongScheme);
		assert_eq!(error(format!("Bearer{token}")), HeaderError::WrongScheme);
		assert_eq!(
			error(format!("Bearer {token}.x")),
			m("a token is <account>.<expiry>.<signature>")
		);
		assert_eq!(
			error(format!("Bearer {ALICE}.1")),
			m("a token is <account>.<expiry>.<signature>")
		);
		assert_eq!(
			error(format!("Bearer {}", token.replace(".1800", ".-1800"))),
			m("expiry is not milliseconds")
		);
		assert_eq!(
			error(format!("Bearer {}", token.replace(ALICE, "bob"))),
			m("account is not SS58")
		);
		assert_eq!(error(format!("Bearer {token}ff")), m("signature is not 128 hex digits"));
		assert_eq!(error(format!("Bearer {}", "a".repeat(MAX_HEADER_LEN))), HeaderError::TooLong);
	}

	#[test]
	fn messages_are_the_clients() {
		assert_eq!(HeaderError::TooLong.to_string(), "Authorization header longer than 400 bytes");
		assert_eq!(HeaderError::WrongScheme.to_string(), "Authorization scheme is not CityChain");
		assert_eq!(
			HeaderError::Malformed("no time").to_string(),
			"malformed Authorization header: no time"
		);
	}
}
