//! The gateway's request signature.
//!
//! A client proves control of an account by signing, with the account's
//! sr25519 key, the text
//!
//! ```text
//! citychain-gateway/2\n<gateway URL>\n<METHOD>\n<path and query>\n<time in ms>\n<nonce, 32 hex digits>
//! ```
//!
//! where the gateway URL is the one the gateway publishes (its
//! `--public-url`, scheme and authority, no trailing slash), so that a
//! signed request cannot be replayed at another gateway.
//!
//! and sending it in the request's `Authorization` header:
//!
//! ```text
//! Authorization: CityChain account=<SS58>, time=<ms>, nonce=<32 hex>, signature=<128 hex>
//! ```
//!
//! The gateway accepts it within a short window around its own clock and
//! only once (the nonce, remembered across restarts). A signature over the text wrapped in
//! `<Bytes>…</Bytes>` (what browser wallets' `signRaw` signs) is accepted
//! too.
//!
//! STAC clients cannot sign each request, so for reading the catalogue an
//! account may instead mint a read token: its signature over
//!
//! ```text
//! citychain-gateway-token/1\n<gateway URL>\n<account SS58>\n<expiry in ms>
//! ```
//!
//! sent as `Authorization: Bearer <account>.<expiry>.<signature, 128 hex>`.
//! It reads as the account until the expiry, at most
//! `MAX_TOKEN_LIFETIME_MS` ahead; it never fetches data files.

use crate::tx::Signer;
use sp_core::{crypto::Ss58Codec, sr25519, Pair};
use std::time::{SystemTime, UNIX_EPOCH};

use citychain_stac::authorization::{parse_signed, parse_token, HeaderError};
/// The header's text is read (bounded, then parsed) by `citychain-stac`,
/// which the fuzz targets exercise; this module verifies what it read.
pub use citychain_stac::authorization::{MAX_HEADER_LEN, NONCE_LEN, SCHEME, TOKEN_SCHEME};
/// The furthest ahead a read token's expiry may be: 30 days.
pub const MAX_TOKEN_LIFETIME_MS: u64 = 30 * 24 * 3600 * 1000;

/// The signed claim of a request, parsed from its `Authorization` header.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Credentials {
	/// The account, SS58 as sent.
	pub account: String,
	pub public: sr25519::Public,
	pub time_ms: u64,
	pub nonce: [u8; NONCE_LEN],
	pub signature: sr25519::Signature,
}

/// Why an `Authorization` header is not acceptable.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AuthError {
	Missing,
	TooLong,
	WrongScheme,
	Malformed(&'static str),
	BadSignature,
}

impl std::fmt::Display for AuthError {
	fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
		match self {
			Self::Missing => f.write_str("no Authorization header"),
			Self::TooLong => write!(f, "Authorization header longer than {MAX_HEADER_LEN} bytes"),
			Self::WrongScheme => write!(f, "Authorization scheme is not {SCHEME}"),
			Self::Malformed(what) => write!(f, "malformed Authorization header: {what}"),
			Self::BadSignature => f.write_str(
				"the signature does not match the account, the request and this gateway's URL",
			),
		}
	}
}

impl From<HeaderError> for AuthError {
	fn from(e: HeaderError) -> Self {
		match e {
			HeaderError::TooLong => Self::TooLong,
			HeaderError::WrongScheme => Self::WrongScheme,
			HeaderError::Malformed(what) => Self::Malformed(what),
		}
	}
}

/// What a signature is for: the gateway (its public URL), the request's
/// method and path with query, and when it was signed, with which nonce.
#[derive(Clone, Copy, Debug)]
pub struct Request<'a> {
	pub gateway: &'a str,
	pub method: &'a str,
	pub path: &'a str,
	pub time_ms: u64,
	pub nonce: &'a [u8; NONCE_LEN],
}

/// The text a request's signature covers.
pub fn message(r: &Request) -> Vec<u8> {
	format!(
		"citychain-gateway/2\n{}\n{}\n{}\n{}\n{}",
		r.gateway.trim_end_matches('/'),
		r.method,
		r.path,
		r.time_ms,
		hex::encode(r.nonce)
	)
	.into_bytes()
}

/// The `Authorization` header value for `request`, signed by `signer`.
pub fn authorization(signer: &Signer, request: &Request) -> String {
	let (time_ms, nonce) = (request.time_ms, request.nonce);
	let signature = signer.sign(&message(request));
	format!(
		"{SCHEME} account={}, time={time_ms}, nonce={}, signature={}",
		signer.ss58(),
		hex::encode(nonce),
		hex::encode(signature)
	)
}

/// The text a read token's signature covers.
pub fn token_message(gateway: &str, account: &str, expires_ms: u64) -> Vec<u8> {
	format!("citychain-gateway-token/1\n{}\n{account}\n{expires_ms}", gateway.trim_end_matches('/'))
		.into_bytes()
}

/// A read token for `gateway` (its public URL), signed by `signer`, valid
/// until `expires_ms`.
pub fn mint_token(signer: &Signer, gateway: &str, expires_ms: u64) -> String {
	let account = signer.ss58();
	let signature = signer.sign(&token_message(gateway, &account, expires_ms));
	format!("{account}.{expires_ms}.{}", hex::encode(signature))
}

/// A read token, parsed from `Authorization: Bearer <token>`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Token {
	/// The account, SS58 as sent.
	pub account: String,
	pub public: sr25519::Public,
	pub expires_ms: u64,
	pub signature: sr25519::Signature,
}

impl Token {
	/// Parses an `Authorization` header value (not yet checking the signature).
	pub fn parse(header: &str) -> Result<Self, AuthError> {
		let t = parse_token(header, |a| sr25519::Public::from_ss58check(a).ok())?;
		Ok(Self {
			account: t.account.to_string(),
			public: t.public,
			expires_ms: t.expires_ms,
			signature: sr25519::Signature::from_raw(t.signature),
		})
	}

	/// Checks the signature over a token for `gateway` (its public URL).
	pub fn verify(&self, gateway: &str) -> Result<(), AuthError> {
		let text = token_message(gateway, &self.account, self.expires_ms);
		if signed_by(&self.signature, &text, &self.public) {
			Ok(())
		} else {
			Err(AuthError::BadSignature)
		}
	}
}

/// Whether `signature` is `public`'s over `text`, or over `text` wrapped in
/// `<Bytes>…</Bytes>` as browser wallets sign.
fn signed_by(signature: &sr25519::Signature, text: &[u8], public: &sr25519::Public) -> bool {
	let wrapped = [b"<Bytes>".as_slice(), text, b"</Bytes>"].concat();
	sr25519::Pair::verify(signature, text, public)
		|| sr25519::Pair::verify(signature, &wrapped, public)
}

/// The time a request is signed at and checked against: ms since the epoch.
pub fn now_ms() -> u64 {
	SystemTime::now()
		.duration_since(UNIX_EPOCH)
		.map(|d| d.as_millis() as u64)
		.unwrap_or(0)
}

/// A fresh random nonce.
pub fn nonce() -> [u8; NONCE_LEN] {
	rand::random()
}

impl Credentials {
	/// Parses an `Authorization` header value (not yet checking the signature).
	pub fn parse(header: &str) -> Result<Self, AuthError> {
		let c = parse_signed(header, |a| sr25519::Public::from_ss58check(a).ok())?;
		Ok(Self {
			account: c.account.to_string(),
			public: c.public,
			time_ms: c.time_ms,
			nonce: c.nonce,
			signature: sr25519::Signature::from_raw(c.signature),
		})
	}

	/// Checks the signature over a request to `gateway` (its public URL)
	/// with `method` and `path`.
	pub fn verify(&self, gateway: &str, method: &str, path: &str) -> Result<(), AuthError> {
		let text =
			message(&Request { gateway, method, path, time_ms: self.time_ms, nonce: &self.nonce });
		if signed_by(&self.signature, &text, &self.public) {
			Ok(())
		} else {
			Err(AuthError::BadSignature)
		}
	}
}

#[cfg(test)]
mod tests {
	use super::*;

	const GATEWAY: &str = "http://127.0.0.1:8080";

	fn alice() -> Signer {
		Signer::from_suri("//Alice").unwrap()
	}

	fn signed(method: &str, path: &str, time_ms: u64, nonce: &[u8; NONCE_LEN]) -> String {
		authorization(&alice(), &Request { gateway: GATEWAY, method, path, time_ms, nonce })
	}

	#[test]
	fn a_signed_header_parses_and_verifies() {
		let nonce = [7u8; NONCE_LEN];
		let header = signed("GET", "/data/4", 1_764_000_000_000, &nonce);
		let c = Credentials::parse(&header).unwrap();
		assert_eq!(c.account, alice().ss58());
		assert_eq!((c.time_ms, c.nonce), (1_764_000_000_000, nonce));
		assert_eq!(c.verify(GATEWAY, "GET", "/data/4"), Ok(()));
		assert_eq!(c.verify(&format!("{GATEWAY}/"), "GET", "/data/4"), Ok(()), "a trailing slash");
	}

	#[test]
	fn the_signature_binds_gateway_method_path_time_and_nonce() {
		let header = signed("GET", "/data/4", 1000, &[1; NONCE_LEN]);
		let c = Credentials::parse(&header).unwrap();
		assert_eq!(
			c.verify("http://gateway.other.example", "GET", "/data/4"),
			Err(AuthError::BadSignature)
		);
		assert_eq!(c.verify(GATEWAY, "GET", "/data/5"), Err(AuthError::BadSignature));
		assert_eq!(c.verify(GATEWAY, "HEAD", "/data/4"), Err(AuthError::BadSignature));
		let later = Credentials { time_ms: 1001, ..c.clone() };
		assert_eq!(later.verify(GATEWAY, "GET", "/data/4"), Err(AuthError::BadSignature));
		let other_nonce = Credentials { nonce: [2; NONCE_LEN], ..c.clone() };
		assert_eq!(other_nonce.verify(GATEWAY, "GET", "/data/4"), Err(AuthError::BadSignature));
		let bob = Signer::from_suri("//Bob").unwrap();
		let claimed = Credentials { public: sr25519::Public::from_raw(bob.account().into()), ..c };
		assert_eq!(claimed.verify(GATEWAY, "GET", "/data/4"), Err(AuthError::BadSignature));
	}

	#[test]
	fn a_wallet_signature_over_wrapped_bytes_is_accepted() {
		let nonce = [3u8; NONCE_LEN];
		let text = message(&Request {
			gateway: GATEWAY,
			method: "GET",
			path: "/data/1",
			time_ms: 5,
			nonce: &nonce,
		});
		let signature = alice().sign(&[b"<Bytes>".as_slice(), &text, b"</Bytes>"].concat());
		let header = format!(
			"CityChain account={}, time=5, nonce={}, signature=0x{}",
			alice().ss58(),
			hex::encode(nonce),
			hex::encode(signature)
		);
		assert_eq!(Credentials::parse(&header).unwrap().verify(GATEWAY, "GET", "/data/1"), Ok(()));
	}

	#[test]
	fn a_read_token_binds_account_expiry_and_gateway() {
		let token = mint_token(&alice(), GATEWAY, 1_800_000_000_000);
		let parsed = Token::parse(&format!("Bearer {token}")).unwrap();
		assert_eq!(
			(parsed.account.as_str(), parsed.expires_ms),
			(alice().ss58().as_str(), 1_800_000_000_000)
		);
		assert_eq!(parsed.verify(GATEWAY), Ok(()));
		assert_eq!(parsed.verify("http://gateway.other.example"), Err(AuthError::BadSignature));
		let later = Token { expires_ms: 1_800_000_000_001, ..parsed.clone() };
		assert_eq!(later.verify(GATEWAY), Err(AuthError::BadSignature));
		let bob = Signer::from_suri("//Bob").unwrap();
		let claimed = Token { public: sr25519::Public::from_raw(bob.account().into()), ..parsed };
		assert_eq!(claimed.verify(GATEWAY), Err(AuthError::BadSignature));
		assert_eq!(Token::parse(&format!("CityChain {token}")), Err(AuthError::WrongScheme));
		assert_eq!(
			Token::parse(&format!("Bearer {token}.x")),
			Err(AuthError::Malformed("a token is <account>.<expiry>.<signature>"))
		);
		assert_eq!(
			Token::parse(&format!("Bearer {}", token.replace(".1800", ".-1800"))),
			Err(AuthError::Malformed("expiry is not milliseconds"))
		);
	}

	#[test]
	fn malformed_headers_are_named() {
		let ok = signed("GET", "/", 1, &[0; NONCE_LEN]);
		assert_eq!(Credentials::parse("Bearer abc"), Err(AuthError::WrongScheme));
		assert_eq!(Credentials::parse(&"x".repeat(MAX_HEADER_LEN + 1)), Err(AuthError::TooLong));
		assert_eq!(
			Credentials::parse(&ok.replace("time=1", "time=-1")),
			Err(AuthError::Malformed("time is not milliseconds"))
		);
		assert_eq!(
			Credentials::parse(&ok.replace("account=5", "account=X")),
			Err(AuthError::Malformed("account is not SS58"))
		);
		assert_eq!(
			Credentials::parse(&ok.replace("nonce=", "nonce=ff")),
			Err(AuthError::Malformed("nonce is not 32 hex digits"))
		);
		assert_eq!(
			Credentials::parse(&format!("{ok}, time=2")),
			Err(AuthError::Malformed("repeated field"))
		);
		assert_eq!(
			Credentials::parse("CityChain account"),
			Err(AuthError::Malformed("expected key=value"))
		);
	}
}
