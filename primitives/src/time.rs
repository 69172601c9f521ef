//! Time: a dataset's extent in time (a range, possibly ongoing) and a
//! query's interval (either end open), in ms since the Unix epoch.

use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use scale_info::TypeInfo;
use serde::{Deserialize, Serialize};

/// Earliest instant a time range may name: -2^45 ms, in the year 855.
pub const MIN_TIME: i64 = -(1 << 45);
/// Latest instant a time range may name: 2^45 - 1 ms, in the year 3084.
pub const MAX_TIME: i64 = (1 << 45) - 1;

/// What is wrong with a time range or interval.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Encode, Decode, TypeInfo)]
pub enum TimeRangeError {
	/// An instant is before `MIN_TIME` or after `MAX_TIME`.
	OutOfRange,
	/// The end is before the start.
	EndBeforeStart,
}

fn check_interval(start: Option<i64>, end: Option<i64>) -> Result<(), TimeRangeError> {
	let in_range = |t: Option<i64>| t.is_none_or(|t| (MIN_TIME..=MAX_TIME).contains(&t));
	if !in_range(start) || !in_range(end) {
		return Err(TimeRangeError::OutOfRange);
	}
	match (start, end) {
		(Some(s), Some(e)) if e < s => Err(TimeRangeError::EndBeforeStart),
		_ => Ok(()),
	}
}

/// The time a dataset covers, in ms since the Unix epoch, ends included. No
/// end means the dataset is ongoing.
#[derive(
	Clone,
	Copy,
	PartialEq,
	Eq,
	Debug,
	Encode,
	Decode,
	DecodeWithMemTracking,
	MaxEncodedLen,
	TypeInfo,
	Serialize,
	Deserialize,
)]
pub struct TimeRange {
	pub start: i64,
	pub end: Option<i64>,
}

impl TimeRange {
	pub fn validate(self) -> Result<Self, TimeRangeError> {
		check_interval(Some(self.start), self.end).map(|()| self)
	}

	/// Whether every instant of `interval` lies in the range.
	pub fn contains(&self, interval: &TimeInterval) -> bool {
		interval.start.is_some_and(|a| self.start <= a)
			&& match (self.end, interval.end) {
				(None, _) => true,
				(Some(_), None) => false,
				(Some(e), Some(b)) => b <= e,
			}
	}

	/// Whether the range shares an instant with `interval`.
	pub fn overlaps(&self, interval: &TimeInterval) -> bool {
		interval.end.is_none_or(|b| self.start <= b)
			&& interval.start.is_none_or(|a| self.end.is_none_or(|e| a <= e))
	}
}

/// A time interval of a query, in ms since the Unix epoch, ends included; a
/// missing end is open.
#[derive(
	Clone,
	Copy,
	PartialEq,
	Eq,
	Default,
	Debug,
	Encode,
	Decode,
	DecodeWithMemTracking,
	MaxEncodedLen,
	TypeInfo,
	Serialize,
	Deserialize,
)]
pub struct TimeInterval {
	pub start: Option<i64>,
	pub end: Option<i64>,
}

impl TimeInterval {
	pub fn validate(self) -> Result<Self, TimeRangeError> {
		check_interval(self.start, self.end).map(|()| self)
	}
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn open_ranges_overlap_everything_after_their_start() {
		let ongoing = TimeRange { start: 1_000, end: None };
		assert!(ongoing.overlaps(&TimeInterval { start: Some(5_000), end: Some(6_000) }));
		assert!(!ongoing.overlaps(&TimeInterval { start: None, end: Some(999) }));
		let closed = TimeRange { start: 1_000, end: Some(2_000) };
		assert!(closed.overlaps(&TimeInterval { start: Some(2_000), end: None }));
		assert!(!closed.overlaps(&TimeInterval { start: Some(2_001), end: None }));
		assert_eq!(
			TimeRange { start: 5, end: Some(4) }.validate(),
			Err(TimeRangeError::EndBeforeStart)
		);
		assert_eq!(
			TimeRange { start: MIN_TIME - 1, end: None }.validate(),
			Err(TimeRangeError::OutOfRange)
		);
	}

	#[test]
	fn a_range_contains_an_interval_only_if_both_ends_are_inside() {
		let year = TimeRange { start: 0, end: Some(100) };
		assert!(year.contains(&TimeInterval { start: Some(0), end: Some(100) }));
		assert!(!year.contains(&TimeInterval { start: Some(50), end: None }));
		assert!(!year.contains(&TimeInterval { start: None, end: Some(50) }));
		assert!(
			TimeRange { start: 0, end: None }.contains(&TimeInterval { start: Some(5), end: None })
		);
	}
}
