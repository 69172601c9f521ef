//! A place in the feed: the event `index` of finalized block `block`,
//! written `BLOCK-INDEX` (`1042-3`). Cursors order as the chain does: by
//! block, then by the event's place in the block.

use citychain_stac::range;
use std::{fmt, str::FromStr};

/// The longest cursor: two `u32`s and the dash.
pub const MAX_CURSOR_BYTES: usize = 21;

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Cursor {
	pub block: u32,
	pub index: u32,
}

impl fmt::Display for Cursor {
	fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
		write!(f, "{}-{}", self.block, self.index)
	}
}

/// A text that is not a cursor.
#[derive(Debug, PartialEq, Eq)]
pub struct NotACursor;

impl fmt::Display for NotACursor {
	fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
		write!(f, "a cursor is BLOCK-INDEX, two decimal numbers below 2^32 (e.g. 1042-3)")
	}
}

impl FromStr for Cursor {
	type Err = NotACursor;

	/// Bounded before it is parsed: at most [`MAX_CURSOR_BYTES`], decimal
	/// digits on both sides of one dash.
	fn from_str(text: &str) -> Result<Self, NotACursor> {
		if text.len() > MAX_CURSOR_BYTES {
			return Err(NotACursor);
		}
		let (block, index) = text.split_once('-').ok_or(NotACursor)?;
		if !range::digits(block) || !range::digits(index) {
			return Err(NotACursor);
		}
		Ok(Self {
			block: block.parse().map_err(|_| NotACursor)?,
			index: index.parse().map_err(|_| NotACursor)?,
		})
	}
}

impl serde::Serialize for Cursor {
	fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
		s.collect_str(self)
	}
}

impl<'de> serde::Deserialize<'de> for Cursor {
	fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
		let text = <std::borrow::Cow<'de, str>>::deserialize(d)?;
		text.parse().map_err(serde::de::Error::custom)
	}
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn a_cursor_reads_back_what_it_writes_and_orders_by_block_then_index() {
		let c = Cursor { block: 1042, index: 3 };
		assert_eq!(c.to_string(), "1042-3");
		assert_eq!("1042-3".parse(), Ok(c));
		assert_eq!("4294967295-4294967295".parse::<Cursor>().map(|c| c.index), Ok(u32::MAX));
		assert!(Cursor { block: 1, index: 9 } < Cursor { block: 2, index: 0 });
		assert!(Cursor { block: 2, index: 0 } < Cursor { block: 2, index: 1 });
	}

	#[test]
	fn anything_else_is_refused_before_it_is_parsed() {
		for bad in [
			"",
			"12",
			"-3",
			"12-",
			"12-3-4",
			"+1-2",
			"1 -2",
			"0x1-2",
			"4294967296-0",
			"1-4294967296",
			"١٢-٣",
			&"9".repeat(22),
			&format!("1-{}", "0".repeat(20)),
		] {
			assert_eq!(bad.parse::<Cursor>(), Err(NotACursor), "{bad:?}");
		}
	}
}
