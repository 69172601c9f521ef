//! STAC's `datetime` parameter: an RFC 3339 instant, or an interval
//! `start/end` whose ends are RFC 3339 instants, `..` or nothing (open).
//!
//! One rule for the node and the gateway:
//!
//! - each end is trimmed of white space before it is read;
//! - an interval may leave one end open, not both (`../..`, `/`, `/..` are
//!   refused: a search for every time is a search without `datetime`);
//! - an instant alone stands for the interval from it to it; `..` or nothing
//!   alone is refused;
//! - the end may not be before the start, and both lie in the years 855 to
//!   3084 CE (the chain's time ranges: `citychain_primitives::time`).

/// Earliest instant an interval may name, in ms since the Unix epoch:
/// -2^45 ms, in January 855 CE (`citychain_primitives::time::MIN_TIME`,
/// whose comment says BCE: it is CE).
pub const MIN_TIME: i64 = -(1 << 45);
/// Latest instant an interval may name: 2^45 - 1 ms, in the year 3084
/// (`citychain_primitives::time::MAX_TIME`).
pub const MAX_TIME: i64 = (1 << 45) - 1;

/// The longest `datetime` read: two RFC 3339 instants with nanoseconds and
/// offsets are 71 bytes; room for white space around them.
pub const MAX_DATETIME_LEN: usize = 128;

/// A time interval, in ms since the Unix epoch, ends included; `None` is an
/// open end. Never both open.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Interval {
	pub start: Option<i64>,
	pub end: Option<i64>,
}

/// Why a `datetime` was refused.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DatetimeError {
	/// Longer than [`MAX_DATETIME_LEN`] bytes (not read).
	TooLong,
	/// An end (trimmed) that is not an RFC 3339 instant.
	Malformed {
		/// The end as sent, trimmed.
		instant: String,
		/// What chrono found wrong with it.
		error: chrono::ParseError,
	},
	/// No `/`, and no instant either: the whole value (as sent) is empty or
	/// `..`.
	NotAnInstant(String),
	/// `start/end` with both ends open.
	BothOpen,
	/// The end is before the start.
	EndBeforeStart,
	/// An end before [`MIN_TIME`] or after [`MAX_TIME`].
	OutOfRange,
}

impl core::fmt::Display for DatetimeError {
	fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
		match self {
			Self::TooLong => write!(f, "malformed datetime: longer than {MAX_DATETIME_LEN} bytes"),
			Self::Malformed { instant, error } => {
				write!(f, "malformed datetime {instant:?}: {error}")
			},
			Self::NotAnInstant(value) => write!(f, "malformed datetime {value:?}"),
			Self::BothOpen => f.write_str("malformed datetime: both ends open"),
			Self::EndBeforeStart => f.write_str("datetime interval ends before it starts"),
			Self::OutOfRange => f.write_str("datetime outside the years 855 to 3084"),
		}
	}
}

impl std::error::Error for DatetimeError {}

/// One end: `None` if open (`..` or nothing).
fn end(text: &str) -> Result<Option<i64>, DatetimeError> {
	match text.trim() {
		"" | ".." => Ok(None),
		instant => chrono::DateTime::parse_from_rfc3339(instant)
			.map(|t| Some(t.timestamp_millis()))
			.map_err(|error| DatetimeError::Malformed { instant: instant.to_string(), error }),
	}
}

/// Parses a STAC `datetime` (see the module's rules).
pub fn parse_interval(value: &str) -> Result<Interval, DatetimeError> {
	if value.len() > MAX_DATETIME_LEN {
		return Err(DatetimeError::TooLong);
	}
	let interval = match value.split_once('/') {
		Some((a, b)) => {
			let interval = Interval { start: end(a)?, end: end(b)? };
			if interval.start.is_none() && interval.end.is_none() {
				return Err(DatetimeError::BothOpen);
			}
			interval
		},
		None => match end(value)? {
			Some(t) => Interval { start: Some(t), end: Some(t) },
			None => return Err(DatetimeError::NotAnInstant(value.to_string())),
		},
	};
	let in_range = |t: Option<i64>| t.is_none_or(|t| (MIN_TIME..=MAX_TIME).contains(&t));
	if !in_range(interval.start) || !in_range(interval.end) {
		return Err(DatetimeError::OutOfRange);
	}
	match interval {
		Interval { start: Some(s), end: Some(e) } if e < s => Err(DatetimeError::EndBeforeStart),
		_ => Ok(interval),
	}
}

#[cfg(test)]
mod tests {
	use super::*;

	const NEW_YEAR_2024: i64 = 1_704_067_200_000;

	#[test]
	fn instants_and_intervals_with_one_open_end() {
		let at = |t| Interval { start: Some(t), end: Some(t) };
		assert_eq!(parse_interval("2024-01-01T00:00:00Z"), Ok(at(NEW_YEAR_2024)));
		assert_eq!(
			parse_interval("2024-01-01T00:00:00Z/.."),
			Ok(Interval { start: Some(NEW_YEAR_2024), end: None })
		);
		assert_eq!(
			parse_interval("2024-01-01T00:00:00Z/"),
			Ok(Interval { start: Some(NEW_YEAR_2024), end: None })
		);
		assert_eq!(
			parse_interval("/2024-01-01T08:00:00+08:00"),
			Ok(Interval { start: None, end: Some(NEW_YEAR_2024) })
		);
		assert_eq!(
			parse_interval("../2024-01-01T00:00:00.001Z"),
			Ok(Interval { start: None, end: Some(NEW_YEAR_2024 + 1) })
		);
		assert_eq!(
			parse_interval("2023-01-01T00:00:00Z/2024-01-01T00:00:00Z"),
			Ok(Interval {
				start: Some(NEW_YEAR_2024 - 365 * 86_400_000),
				end: Some(NEW_YEAR_2024)
			})
		);
		// The same instant at both ends is an interval of one instant.
		assert_eq!(
			parse_interval("2024-01-01T00:00:00Z/2024-01-01T00:00:00Z"),
			Ok(at(NEW_YEAR_2024))
		);
	}

	#[test]
	fn ends_are_trimmed() {
		assert_eq!(
			parse_interval(" 2024-01-01T00:00:00Z / .. "),
			Ok(Interval { start: Some(NEW_YEAR_2024), end: None })
		);
		assert_eq!(
			parse_interval("\t2024-01-01T00:00:00Z\n"),
			Ok(Interval { start: Some(NEW_YEAR_2024), end: Some(NEW_YEAR_2024) })
		);
	}

	#[test]
	fn refusals_are_named() {
		assert_eq!(parse_interval("../.."), Err(DatetimeError::BothOpen));
		assert_eq!(parse_interval("/"), Err(DatetimeError::BothOpen));
		assert_eq!(parse_interval(" .. / "), Err(DatetimeError::BothOpen));
		assert_eq!(parse_interval(""), Err(DatetimeError::NotAnInstant(String::new())));
		assert_eq!(parse_interval(".."), Err(DatetimeError::NotAnInstant("..".into())));
		assert_eq!(
			parse_interval("2024-01-02T00:00:00Z/2024-01-01T00:00:00Z"),
			Err(DatetimeError::EndBeforeStart)
		);
		for bad in ["2024-13-01T00:00:00Z", "yesterday", "2024-01-01", "2024-01-01T00:00:00"] {
			match parse_interval(bad) {
				Err(DatetimeError::Malformed { instant, .. }) => assert_eq!(instant, bad),
				other => panic!("{bad}: {other:?}"),
			}
		}
		// A second slash belongs to the end, which is then no instant.
		assert!(matches!(
			parse_interval("2024-01-01T00:00:00Z/../.."),
			Err(DatetimeError::Malformed { .. })
		));
		assert_eq!(parse_interval(&"1".repeat(MAX_DATETIME_LEN + 1)), Err(DatetimeError::TooLong));
	}

	#[test]
	fn instants_lie_within_the_chains_years() {
		assert_eq!(parse_interval("3085-01-01T00:00:00Z"), Err(DatetimeError::OutOfRange));
		assert_eq!(parse_interval("../3085-01-01T00:00:00Z"), Err(DatetimeError::OutOfRange));
		assert_eq!(parse_interval("0001-01-01T00:00:00Z"), Err(DatetimeError::OutOfRange));
		assert_eq!(parse_interval("0855-01-19T11:18:31.167Z"), Err(DatetimeError::OutOfRange));
		assert_eq!(parse_interval("0855-01-19T11:18:31.168Z").map(|i| i.start), Ok(Some(MIN_TIME)));
		assert_eq!(parse_interval("3084-12-12T12:41:28.831Z").map(|i| i.end), Ok(Some(MAX_TIME)));
		assert_eq!(parse_interval("3084-12-12T12:41:28.832Z"), Err(DatetimeError::OutOfRange));
	}

	#[test]
	fn messages_name_the_fault() {
		let message = |v: &str| parse_interval(v).unwrap_err().to_string();
		assert!(message("yesterday").starts_with("malformed datetime \"yesterday\": "));
		assert_eq!(message("../.."), "malformed datetime: both ends open");
		assert_eq!(message(""), "malformed datetime \"\"");
		assert_eq!(
			message("2024-01-02T00:00:00Z/2024-01-01T00:00:00Z"),
			"datetime interval ends before it starts"
		);
		assert_eq!(message("9999-01-01T00:00:00Z"), "datetime outside the years 855 to 3084");
	}
}
