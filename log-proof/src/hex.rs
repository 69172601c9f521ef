//! Hashes in JSON as 0x-prefixed hex, as the node's RPC writes them.

use crate::Hash;
use alloc::vec::Vec;
use core::fmt;
use serde::{de, ser, Deserialize, Deserializer, Serialize, Serializer};

struct Hex(Hash);

impl Serialize for Hex {
	fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
		const DIGITS: &[u8; 16] = b"0123456789abcdef";
		let mut text = [b'0'; 66];
		text[1] = b'x';
		for (pair, byte) in text[2..].chunks_exact_mut(2).zip(self.0) {
			pair[0] = DIGITS[usize::from(byte >> 4)];
			pair[1] = DIGITS[usize::from(byte & 0xf)];
		}
		serializer.serialize_str(core::str::from_utf8(&text).map_err(ser::Error::custom)?)
	}
}

impl<'de> Deserialize<'de> for Hex {
	fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
		deserializer.deserialize_str(HexVisitor)
	}
}

struct HexVisitor;

impl de::Visitor<'_> for HexVisitor {
	type Value = Hex;

	fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
		f.write_str("a 32-byte hash as 0x and 64 hex digits")
	}

	fn visit_str<E: de::Error>(self, text: &str) -> Result<Hex, E> {
		let invalid = || E::invalid_value(de::Unexpected::Str(text), &self);
		let digits = text.strip_prefix("0x").filter(|d| d.len() == 64).ok_or_else(invalid)?;
		let mut hash = [0; 32];
		for (byte, pair) in hash.iter_mut().zip(digits.as_bytes().chunks_exact(2)) {
			let nibble = |c: u8| char::from(c).to_digit(16).ok_or_else(invalid);
			*byte = (nibble(pair[0])? << 4 | nibble(pair[1])?) as u8;
		}
		Ok(Hex(hash))
	}
}

/// `#[serde(with)]` for a list of hashes.
pub(crate) mod hashes {
	use super::*;

	pub fn serialize<S: Serializer>(hashes: &[Hash], serializer: S) -> Result<S::Ok, S::Error> {
		serializer.collect_seq(hashes.iter().map(|h| Hex(*h)))
	}

	pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Vec<Hash>, D::Error> {
		Ok(Vec::<Hex>::deserialize(deserializer)?.into_iter().map(|h| h.0).collect())
	}
}
