//! Who reads the catalogue: the `reader` of the dataset methods. In JSON
//! `"anonymous"` or an account's SS58 address (under any prefix); what each
//! may see is `citychain_primitives::visibility`.

use std::{fmt, str::FromStr};

use serde::{de::Error as _, Deserialize, Deserializer, Serialize, Serializer};
use sp_core::crypto::Ss58Codec;

use crate::AccountId;

/// The name of a reader nobody vouches for: it sees the public records.
pub const ANONYMOUS: &str = "anonymous";

/// The longest text read as a reader: an SS58 address of a 32-byte account
/// is at most 50 characters. Longer text is refused before it is decoded
/// (base-58 decoding takes time quadratic in the length).
pub const MAX_READER_BYTES: usize = 64;

/// A reader: nobody in particular, or an account. One account under several
/// SS58 prefixes is one reader.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Reader {
	/// A reader nobody vouches for.
	Anonymous,
	/// The account a gateway authenticated.
	Account(AccountId),
}

impl fmt::Display for Reader {
	/// `"anonymous"`, or the account's SS58 address under the default prefix.
	fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
		match self {
			Reader::Anonymous => f.write_str(ANONYMOUS),
			Reader::Account(account) => f.write_str(&account.to_ss58check()),
		}
	}
}

/// A text that is neither `"anonymous"` nor an SS58 address.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NotAReader(pub String);

impl fmt::Display for NotAReader {
	fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
		write!(f, "reader: {:?} is neither {ANONYMOUS:?} nor an SS58 address", self.0)
	}
}

impl std::error::Error for NotAReader {}

impl FromStr for Reader {
	type Err = NotAReader;

	fn from_str(text: &str) -> Result<Self, NotAReader> {
		if text == ANONYMOUS {
			return Ok(Reader::Anonymous);
		}
		if text.len() > MAX_READER_BYTES {
			return Err(NotAReader(text.chars().take(64).collect()));
		}
		AccountId::from_ss58check(text)
			.map(Reader::Account)
			.map_err(|_| NotAReader(text.chars().take(64).collect()))
	}
}

impl Serialize for Reader {
	fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
		serializer.collect_str(self)
	}
}

impl<'de> Deserialize<'de> for Reader {
	fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
		let text = std::borrow::Cow::<str>::deserialize(deserializer)?;
		text.parse().map_err(D::Error::custom)
	}
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn a_reader_is_anonymous_or_one_account_whatever_its_prefix() {
		let alice = "5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY";
		let on_prefix_0 = "15oF4uVJwmo4TdGW7VfQxNLavjCXviqxT9S1MgbjMNHr6Sp5";
		let a: Reader = serde_json::from_str(&format!("{alice:?}")).unwrap();
		let b: Reader = on_prefix_0.parse().unwrap();
		assert_eq!(a, b);
		assert_eq!(serde_json::to_string(&b).unwrap(), format!("{alice:?}"));
		assert_eq!(serde_json::from_str::<Reader>("\"anonymous\"").unwrap(), Reader::Anonymous);
		assert_eq!(Reader::Anonymous.to_string(), "anonymous");
		let refused = serde_json::from_str::<Reader>("\"Anonymous\"").unwrap_err();
		assert_eq!(
			refused.to_string(),
			"reader: \"Anonymous\" is neither \"anonymous\" nor an SS58 address"
		);
		assert!(serde_json::from_str::<Reader>("7").is_err());
	}

	#[test]
	fn a_reader_longer_than_an_address_is_refused_before_it_is_decoded() {
		// An address of base-58 digits, padded: no prefix and checksum would
		// make it an account, but it is refused for its length alone.
		let at_bound = "1".repeat(MAX_READER_BYTES);
		assert!(at_bound.parse::<Reader>().is_err());
		let megabyte = "1".repeat(1 << 20);
		let started = std::time::Instant::now();
		let refused = megabyte.parse::<Reader>().unwrap_err();
		assert!(started.elapsed() < std::time::Duration::from_secs(2), "not decoded");
		assert_eq!(refused, NotAReader("1".repeat(64)));
	}
}
