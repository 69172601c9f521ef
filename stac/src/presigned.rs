//! The query of a presigned link, which anyone holding the link sends:
//!
//! ```text
//! GET /data/{dataset}/presigned?account=A[&contract=C]&expires=T&signature=S
//! ```
//!
//! bounded ([`MAX_QUERY_LEN`]) before it is read, and read for form only:
//! the gateway checks the signature (a keyed BLAKE3 MAC) and the expiry.

use crate::range::decimal;

/// The longest query read: a 48-character SS58 account, two 20-digit
/// numbers and 64 hex digits fit with room.
pub const MAX_QUERY_LEN: usize = 400;
/// The longest account read (an SS58 address has 47 or 48 characters).
pub const MAX_ACCOUNT_LEN: usize = 64;

/// A link's query, in form.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LinkQuery<'a> {
	/// The account the link was issued to: ASCII letters and digits only.
	pub account: &'a str,
	/// The contract it was issued under, if any.
	pub contract: Option<u64>,
	/// Unix seconds after which it is refused.
	pub expires: u64,
	pub signature: [u8; 32],
}

impl LinkQuery<'_> {
	/// The query string, as [`parse`] reads it.
	pub fn to_query(&self) -> String {
		let mut query = format!("account={}", self.account);
		if let Some(contract) = self.contract {
			query.push_str(&format!("&contract={contract}"));
		}
		query.push_str(&format!("&expires={}&signature=", self.expires));
		for byte in self.signature {
			query.push_str(&format!("{byte:02x}"));
		}
		query
	}
}

/// Why a link's query is refused.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LinkError {
	/// Longer than [`MAX_QUERY_LEN`] bytes (not read).
	TooLong,
	/// A parameter a link does not have (its name, cut short).
	Unknown(String),
	/// A parameter given twice.
	Twice(&'static str),
	/// No account, or not letters and digits of at most
	/// [`MAX_ACCOUNT_LEN`].
	NoAccount,
	NoExpiry,
	/// `contract` or `expires` not a decimal that fits 64 bits.
	NotNumber(&'static str),
	/// The signature is not 64 hex digits.
	Signature,
}

impl core::fmt::Display for LinkError {
	fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
		match self {
			Self::TooLong => f.write_str("the link's query string is too long"),
			Self::Unknown(name) => write!(f, "a link has no field {name:?}"),
			Self::Twice(name) => write!(f, "the link names {name} twice"),
			Self::NoAccount => f.write_str("the link names no account"),
			Self::NoExpiry => f.write_str("the link has no expiry"),
			Self::NotNumber(name) => write!(f, "the link's {name} is not a number"),
			Self::Signature => f.write_str("the link's signature is not 64 hex digits"),
		}
	}
}

impl std::error::Error for LinkError {}

/// The link a query presents, read for form only.
pub fn parse(query: Option<&str>) -> Result<LinkQuery<'_>, LinkError> {
	let query = query.unwrap_or("");
	if query.len() > MAX_QUERY_LEN {
		return Err(LinkError::TooLong);
	}
	let (mut account, mut contract, mut expires, mut signature) = (None, None, None, None);
	for pair in query.split('&').filter(|p| !p.is_empty()) {
		let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
		let (name, slot) = match name {
			"account" => ("account", &mut account),
			"contract" => ("contract", &mut contract),
			"expires" => ("expiry", &mut expires),
			"signature" => ("signature", &mut signature),
			_ => return Err(LinkError::Unknown(name.chars().take(MAX_ACCOUNT_LEN).collect())),
		};
		if slot.replace(value).is_some() {
			return Err(LinkError::Twice(name));
		}
	}
	let number = |name, text: Option<&str>| {
		text.map(|t| decimal(t).ok_or(LinkError::NotNumber(name))).transpose()
	};
	let account = account
		.filter(|a| {
			!a.is_empty()
				&& a.len() <= MAX_ACCOUNT_LEN
				&& a.bytes().all(|b| b.is_ascii_alphanumeric())
		})
		.ok_or(LinkError::NoAccount)?;
	let expires = number("expiry", expires)?.ok_or(LinkError::NoExpiry)?;
	let signature = signature.and_then(hex32).ok_or(LinkError::Signature)?;
	Ok(LinkQuery { account, contract: number("contract", contract)?, expires, signature })
}

/// 64 hex digits, either case, as 32 bytes.
fn hex32(text: &str) -> Option<[u8; 32]> {
	let text = text.as_bytes();
	if text.len() != 64 {
		return None;
	}
	let mut bytes = [0u8; 32];
	for (byte, pair) in bytes.iter_mut().zip(text.chunks(2)) {
		let digit = |c: u8| (c as char).to_digit(16);
		*byte = (digit(pair[0])? * 16 + digit(pair[1])?) as u8;
	}
	Some(bytes)
}

#[cfg(test)]
mod tests {
	use super::*;

	const ALICE: &str = "5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY";

	#[test]
	fn a_link_round_trips() {
		let link =
			LinkQuery { account: ALICE, contract: Some(4), expires: 17, signature: [0xab; 32] };
		let query = link.to_query();
		assert_eq!(parse(Some(&query)), Ok(link.clone()));
		let upper = query.replace(&"ab".repeat(32), &"AB".repeat(32));
		assert_eq!(parse(Some(&upper)), Ok(link.clone()), "hex digits in either case");
		let without = LinkQuery { contract: None, ..link };
		assert_eq!(parse(Some(&without.to_query())), Ok(without));
	}

	#[test]
	fn a_malformed_link_is_refused_by_name() {
		let sig = "0".repeat(64);
		for (query, error) in [
			(None, LinkError::NoAccount),
			(Some(format!("expires=1&signature={sig}")), LinkError::NoAccount),
			(Some(format!("account={ALICE}&signature={sig}")), LinkError::NoExpiry),
			(
				Some(format!("account={ALICE}&expires=x&signature={sig}")),
				LinkError::NotNumber("expiry"),
			),
			(Some(format!("account={ALICE}&expires=1&signature=abc")), LinkError::Signature),
			(
				Some(format!("account={ALICE}&expires=1&signature={}", "g".repeat(64))),
				LinkError::Signature,
			),
			(
				Some(format!("account={ALICE}&expires=1&contract=-1&signature={sig}")),
				LinkError::NotNumber("contract"),
			),
			(
				Some(format!("account={ALICE}&expires=99999999999999999999&signature={sig}")),
				LinkError::NotNumber("expiry"),
			),
			(
				Some(format!("account={ALICE}&account={ALICE}&expires=1&signature={sig}")),
				LinkError::Twice("account"),
			),
			(
				Some(format!("account={ALICE}&expires=1&signature={sig}&x=1")),
				LinkError::Unknown("x".into()),
			),
			(Some(format!("account=../../x&expires=1&signature={sig}")), LinkError::NoAccount),
			(
				Some(format!("account={}&expires=1&signature={sig}", "a".repeat(65))),
				LinkError::NoAccount,
			),
			(
				Some(format!("account={ALICE}&expires=1&signature={sig}&{}", "a".repeat(400))),
				LinkError::TooLong,
			),
		] {
			assert_eq!(parse(query.as_deref()), Err(error), "{query:?}");
		}
	}
}
