//! The ranges of bytes a stranger asks the gateway's `/data/{dataset}` for:
//!
//! ```text
//! GET /data/{dataset}             Range: bytes=a-b | bytes=a- | bytes=-n
//! GET /data/{dataset}/verified?start=a&end=b
//! ```
//!
//! Each is bounded ([`MAX_HEADER_LEN`], [`MAX_QUERY_LEN`]) before it is
//! read, and its numbers are decimals of at most [`MAX_DIGITS`] digits.
//! A `Range` header is read before the file's size is known ([`Asked`]), so
//! that the gateway asks its store for the range in the request that also
//! tells it the size; [`Asked::within`] then decides what is served.

use core::ops::Range;

/// The longest `Range` header read: one range of two 20-digit numbers fits
/// many times over.
pub const MAX_HEADER_LEN: usize = 100;
/// The longest query of `/data/{dataset}/verified` read: `start=` and
/// `end=` with 20 digits each.
pub const MAX_QUERY_LEN: usize = 64;
/// Most digits of a byte offset (`u64::MAX` has 20).
pub const MAX_DIGITS: usize = 20;

/// Decimal digits, at least one and at most [`MAX_DIGITS`].
pub fn digits(text: &str) -> bool {
	!text.is_empty() && text.len() <= MAX_DIGITS && text.bytes().all(|b| b.is_ascii_digit())
}

/// A decimal of at most [`MAX_DIGITS`] digits that fits a `u64`.
pub fn decimal(text: &str) -> Option<u64> {
	digits(text).then(|| text.parse().ok()).flatten()
}

/// What a `Range` header asks, whatever the file's size.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Asked {
	/// No range, or one to ignore: the whole file.
	Whole,
	/// Bytes from an offset to the end (`a-`).
	From(u64),
	/// Bytes `start..end`, `end` exclusive and above `start` (`a-b`, `b`
	/// inclusive; `u64::MAX` stands for any end past the last byte).
	Bounded(Range<u64>),
	/// The last bytes, more than none (`-n`).
	Last(u64),
	/// Nothing any file has (`-0`, or a range from `u64::MAX`, past the
	/// last byte a size of `u64` can have).
	Nothing,
}

/// What a `Range` header asks of a file of a given size.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Wanted {
	Whole,
	/// A range within the file, never empty.
	Part(Range<u64>),
	/// A range that starts past the file's end (416).
	Unsatisfiable,
}

/// Reads a `Range` header (RFC 9110 §14): one range of bytes, `a-b`, `a-`
/// or `-n`. A header that is absent, longer than [`MAX_HEADER_LEN`],
/// malformed or asks for several ranges is ignored, as the RFC allows: the
/// whole file is sent.
pub fn asked(header: Option<&str>) -> Asked {
	let Some(spec) = header
		.filter(|h| h.len() <= MAX_HEADER_LEN)
		.and_then(|h| h.trim().strip_prefix("bytes="))
		.filter(|spec| !spec.contains(','))
	else {
		return Asked::Whole;
	};
	let Some((first, last)) = spec.split_once('-') else { return Asked::Whole };
	let (first, last) = (first.trim(), last.trim());
	match (first.is_empty(), last.is_empty()) {
		(true, false) => match decimal(last) {
			Some(0) => Asked::Nothing,
			Some(n) => Asked::Last(n),
			None => Asked::Whole,
		},
		(false, true) => decimal(first).map_or(Asked::Whole, Asked::From),
		(false, false) => match (decimal(first), decimal(last)) {
			(Some(u64::MAX), Some(u64::MAX)) => Asked::Nothing,
			(Some(start), Some(end)) if start <= end => {
				Asked::Bounded(start..end.saturating_add(1))
			},
			_ => Asked::Whole,
		},
		(true, true) => Asked::Whole,
	}
}

impl Asked {
	/// What is served of a file of `size` bytes: a range past its end is
	/// cut at the end, one that starts past it is unsatisfiable.
	pub fn within(&self, size: u64) -> Wanted {
		let range = match self {
			Self::Whole => return Wanted::Whole,
			Self::Nothing => return Wanted::Unsatisfiable,
			Self::From(start) => *start..size,
			Self::Bounded(range) => range.start..range.end.min(size),
			Self::Last(n) => size.saturating_sub(*n)..size,
		};
		if range.start >= size {
			return Wanted::Unsatisfiable;
		}
		Wanted::Part(range)
	}
}

/// What a `Range` header asks of a file of `size` bytes.
pub fn wanted(header: Option<&str>, size: u64) -> Wanted {
	asked(header).within(size)
}

/// Why the query of `/data/{dataset}/verified` was refused.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum QueryError {
	/// Longer than [`MAX_QUERY_LEN`] bytes (not read).
	TooLong,
	/// A parameter other than `start` and `end` (its name, cut short).
	Unknown(String),
	/// `start` or `end` given twice.
	Twice(&'static str),
	/// `start` or `end` not a decimal of at most [`MAX_DIGITS`] digits.
	NotDecimal(&'static str),
	/// `start` or `end` past `u64::MAX`.
	OutOfRange(&'static str),
	/// `start` not below `end`.
	Empty,
}

impl core::fmt::Display for QueryError {
	fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
		match self {
			Self::TooLong => f.write_str("the query is longer than start and end need"),
			Self::Unknown(name) => write!(f, "unknown parameter {name:?}"),
			Self::Twice(name) => write!(f, "{name} is given twice"),
			Self::NotDecimal(name) => write!(f, "{name} is a decimal byte offset"),
			Self::OutOfRange(name) => write!(f, "{name} out of range"),
			Self::Empty => f.write_str("start must be below end"),
		}
	}
}

impl std::error::Error for QueryError {}

/// The bytes `/data/{dataset}/verified` is asked for, from its query:
/// `start` and `end` (exclusive), each a decimal of at most [`MAX_DIGITS`]
/// digits; without `start` from 0, without `end` to the end (`u64::MAX`).
/// Never empty.
pub fn verified(query: Option<&str>) -> Result<Range<u64>, QueryError> {
	let query = query.unwrap_or("");
	if query.len() > MAX_QUERY_LEN {
		return Err(QueryError::TooLong);
	}
	let (mut start, mut end) = (None, None);
	for pair in query.split('&').filter(|p| !p.is_empty()) {
		let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
		let (name, slot) = match name {
			"start" => ("start", &mut start),
			"end" => ("end", &mut end),
			_ => return Err(QueryError::Unknown(name.chars().take(MAX_QUERY_LEN).collect())),
		};
		if slot.is_some() {
			return Err(QueryError::Twice(name));
		}
		if !digits(value) {
			return Err(QueryError::NotDecimal(name));
		}
		*slot = Some(decimal(value).ok_or(QueryError::OutOfRange(name))?);
	}
	let range = start.unwrap_or(0)..end.unwrap_or(u64::MAX);
	if range.is_empty() {
		return Err(QueryError::Empty);
	}
	Ok(range)
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn one_range_of_bytes_is_served_and_anything_else_is_the_whole_file() {
		use Wanted::*;
		let size = 1000;
		for (header, expected) in [
			(None, Whole),
			(Some("bytes=0-99"), Part(0..100)),
			(Some("bytes=900-"), Part(900..1000)),
			(Some("bytes=-100"), Part(900..1000)),
			(Some("bytes=-5000"), Part(0..1000)),
			(Some("bytes=990-5000"), Part(990..1000)),
			(Some("bytes=999-999"), Part(999..1000)),
			(Some("bytes=1000-"), Unsatisfiable),
			(Some("bytes=-0"), Unsatisfiable),
			(Some("bytes=5-1"), Whole),
			(Some("bytes=0-1,5-9"), Whole),
			(Some("items=0-1"), Whole),
			(Some("bytes=x-1"), Whole),
			(Some("bytes=-"), Whole),
			(Some("bytes=+1-2"), Whole),
			(Some("bytes=123456789012345678901-"), Whole),
		] {
			assert_eq!(wanted(header, size), expected, "{header:?}");
		}
		assert_eq!(wanted(Some(&format!("bytes=0-{}", "9".repeat(200))), size), Whole);
		assert_eq!(wanted(Some("bytes=0-"), 0), Unsatisfiable, "an empty file has no byte 0");
		assert_eq!(wanted(Some("bytes=-10"), 0), Unsatisfiable);
	}

	#[test]
	fn a_range_is_read_before_the_size_is_known() {
		assert_eq!(asked(Some("bytes=5-9")), Asked::Bounded(5..10));
		assert_eq!(asked(Some(&format!("bytes=1-{}", u64::MAX))), Asked::Bounded(1..u64::MAX));
		assert_eq!(asked(Some("bytes=7-")), Asked::From(7));
		assert_eq!(asked(Some("bytes=-7")), Asked::Last(7));
		assert_eq!(asked(Some("bytes=-0")), Asked::Nothing);
		// Found by the fuzz target: `u64::MAX-u64::MAX` would be an empty range.
		let last = format!("bytes={0}-{0}", u64::MAX);
		assert_eq!(asked(Some(&last)), Asked::Nothing);
		assert_eq!(asked(Some(&last)).within(u64::MAX), Wanted::Unsatisfiable);
		assert_eq!(asked(Some("bytes=0-99")).within(50), Wanted::Part(0..50));
	}

	#[test]
	fn the_verified_range_is_read_from_a_short_query_of_decimals() {
		assert_eq!(verified(None).unwrap(), 0..u64::MAX);
		assert_eq!(verified(Some("start=16384")).unwrap(), 16384..u64::MAX);
		assert_eq!(verified(Some("end=10&start=2")).unwrap(), 2..10);
		let long = format!("start=1&end={}", "1".repeat(60));
		for (bad, error) in [
			("start=-1", QueryError::NotDecimal("start")),
			("start=0x10", QueryError::NotDecimal("start")),
			("start=", QueryError::NotDecimal("start")),
			("start", QueryError::NotDecimal("start")),
			("start=1&start=2", QueryError::Twice("start")),
			("begin=1", QueryError::Unknown("begin".into())),
			("start=5&end=5", QueryError::Empty),
			("start=99999999999999999999", QueryError::OutOfRange("start")),
			("start=1%30", QueryError::NotDecimal("start")),
			(long.as_str(), QueryError::TooLong),
		] {
			assert_eq!(verified(Some(bad)), Err(error), "{bad}");
		}
	}
}
