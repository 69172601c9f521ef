//! Datasets: the catalogue record of a spatio-temporal dataset whose content
//! stays off chain, what a registration gives, and the registry's query.
//! The record's parts are in [`geometry`](crate::geometry),
//! [`time`](crate::time), [`hashing`](crate::hashing) and
//! [`vocabulary`](crate::vocabulary).

use crate::{
	departments::DepartmentId,
	geometry::{BoundingBox, BoundingBoxError},
	hashing::ContentHash,
	license::{License, LicenseInput},
	time::{TimeInterval, TimeRange, TimeRangeError},
	vocabulary::{AccessPolicy, DatasetStatus, Sensitivity, TopicCategory},
};
use alloc::vec::Vec;
use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use scale_info::TypeInfo;
use sp_runtime::{traits::ConstU32, BoundedVec};

/// Identifier of a dataset record, assigned in order of registration from 0.
/// Every version of a dataset is a record with its own id.
pub type DatasetId = u64;

/// Longest title, in bytes.
pub const MAX_TITLE_LEN: u32 = 256;
/// Longest description, in bytes.
pub const MAX_DESCRIPTION_LEN: u32 = 2048;
/// Most keywords of one dataset.
pub const MAX_KEYWORDS: u32 = 16;
/// Longest keyword, in bytes.
pub const MAX_KEYWORD_LEN: u32 = 64;
/// Longest media type, in bytes.
pub const MAX_FORMAT_LEN: u32 = 128;
/// Longest URI of the off-chain location, in bytes.
pub const MAX_URI_LEN: u32 = 512;
/// Whether `url` is a link that is data and never code: an absolute
/// `http://` or `https://` URL (scheme in any case) with a host, of printable
/// ASCII without spaces, quotes, angle brackets or the other characters
/// RFC 3986 leaves out of URLs (non-ASCII text is percent-encoded). Every
/// stored text that a client renders as a link (a dataset's `uri`, a
/// licence's URL) is one, so that no scheme a browser would run
/// (`javascript:`, `data:`) or hand to another program ever reaches a page.
pub fn is_web_url(url: &[u8]) -> bool {
	let lower = |n: usize| url.get(..n).map(|p| p.to_ascii_lowercase());
	let rest = if lower(8).as_deref() == Some(b"https://") {
		&url[8..]
	} else if lower(7).as_deref() == Some(b"http://") {
		&url[7..]
	} else {
		return false;
	};
	let host_starts = rest.first().is_some_and(|b| !matches!(b, b'/' | b'?' | b'#' | b'@' | b':'));
	// No user information: `https://city.example@elsewhere.example/` reads as
	// one host and goes to another.
	let authority = rest.split(|b| matches!(b, b'/' | b'?' | b'#')).next().unwrap_or_default();
	host_starts
		&& !authority.contains(&b'@')
		&& url.iter().all(|&b| {
			(0x21..=0x7e).contains(&b)
				&& !matches!(b, b'"' | b'<' | b'>' | b'\\' | b'^' | b'`' | b'{' | b'|' | b'}')
		})
}

/// Most datasets one search page returns.
pub const MAX_PAGE_SIZE: u32 = 100;
/// Most versions `DatasetsApi::history` lists.
pub const MAX_HISTORY: u32 = 1024;
/// Longest free-text search term, in bytes.
pub const MAX_SEARCH_TEXT_LEN: u32 = 64;
/// Most records one search call reads before it returns a (possibly short)
/// page with a cursor to continue from.
pub const MAX_SEARCH_SCAN: u32 = 10_000;

/// Bytes bounded by a constant.
pub type BoundedBytes<const N: u32> = BoundedVec<u8, ConstU32<N>>;

/// Where and when a dataset's content lies: what the spatial and temporal
/// indexes store beside each entry, so that a search filters candidates
/// without reading their records.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Encode, Decode, MaxEncodedLen, TypeInfo)]
pub struct Extent {
	pub bbox: BoundingBox,
	pub time: TimeRange,
}

impl Extent {
	/// Whether the extent meets a query's box and interval (either absent
	/// means anywhere or any time).
	pub fn matches(&self, bbox: Option<&BoundingBox>, time: Option<&TimeInterval>) -> bool {
		bbox.is_none_or(|b| self.bbox.intersects(b)) && time.is_none_or(|t| self.time.overlaps(t))
	}
}

/// A block and the time of its timestamp (ms since the Unix epoch).
#[derive(Clone, Copy, PartialEq, Eq, Debug, Encode, Decode, MaxEncodedLen, TypeInfo)]
pub struct Stamp<BlockNumber> {
	pub block: BlockNumber,
	pub time: u64,
}

/// The catalogue record of one version of a dataset, modelled on a STAC Item
/// and an ISO 19115 record. Text is UTF-8.
#[derive(Clone, PartialEq, Eq, Debug, Encode, Decode, MaxEncodedLen, TypeInfo)]
pub struct Dataset<AccountId, BlockNumber> {
	/// The department that publishes the dataset.
	pub owner: DepartmentId,
	/// The member who registered this version.
	pub publisher: AccountId,
	pub title: BoundedBytes<MAX_TITLE_LEN>,
	pub description: BoundedBytes<MAX_DESCRIPTION_LEN>,
	pub topic: TopicCategory,
	pub keywords: BoundedVec<BoundedBytes<MAX_KEYWORD_LEN>, ConstU32<MAX_KEYWORDS>>,
	pub bbox: BoundingBox,
	/// EPSG code of the coordinate reference system of the content.
	pub crs: u32,
	pub time: TimeRange,
	/// Media type of the content, e.g. `application/geo+json`.
	pub format: BoundedBytes<MAX_FORMAT_LEN>,
	pub content_hash: ContentHash,
	/// Size of the content, in bytes.
	pub size: u64,
	/// Where the content can be fetched.
	pub uri: BoundedBytes<MAX_URI_LEN>,
	/// The licence of the content; `None` on records filed before the
	/// registry recorded licences (storage version 2).
	pub license: Option<License>,
	pub policy: AccessPolicy,
	pub sensitivity: Sensitivity,
	/// 1 for the first version, one more for each successor.
	pub version: u32,
	pub predecessor: Option<DatasetId>,
	pub successor: Option<DatasetId>,
	pub status: DatasetStatus,
	pub created: Stamp<BlockNumber>,
	pub updated: Stamp<BlockNumber>,
}

impl<AccountId: Clone, BlockNumber: Copy> Dataset<AccountId, BlockNumber> {
	/// The record of the version after this one (whose id is `id`): the
	/// same fields, filed by `publisher` as version `version + 1`, Active,
	/// stamped `at`, with `id` as its predecessor and no successor yet. The caller writes
	/// the new content (and description) into it.
	pub fn next_version(
		&self,
		id: DatasetId,
		publisher: AccountId,
		at: Stamp<BlockNumber>,
	) -> Self {
		Self {
			publisher,
			version: self.version.saturating_add(1),
			predecessor: Some(id),
			successor: None,
			status: DatasetStatus::Active,
			created: at,
			updated: at,
			..self.clone()
		}
	}
}

impl<AccountId, BlockNumber> Dataset<AccountId, BlockNumber> {
	/// Marks this record as replaced by `successor`, stamped `at`.
	pub fn supersede(&mut self, successor: DatasetId, at: Stamp<BlockNumber>) {
		self.successor = Some(successor);
		self.status = DatasetStatus::Superseded;
		self.updated = at;
	}

	pub fn extent(&self) -> Extent {
		Extent { bbox: self.bbox, time: self.time }
	}

	/// Whether `needle` (ASCII case-insensitive) occurs in the title or in a
	/// keyword.
	pub fn mentions(&self, needle: &[u8]) -> bool {
		contains_ignore_case(&self.title, needle)
			|| self.keywords.iter().any(|k| contains_ignore_case(k, needle))
	}
}

fn contains_ignore_case(haystack: &[u8], needle: &[u8]) -> bool {
	needle.is_empty() || haystack.windows(needle.len()).any(|w| w.eq_ignore_ascii_case(needle))
}

/// The descriptive part of a dataset as a call gives it: what may change
/// without a new version.
#[derive(Clone, PartialEq, Eq, Debug, Encode, Decode, DecodeWithMemTracking, TypeInfo)]
pub struct DatasetDescription {
	pub title: Vec<u8>,
	pub description: Vec<u8>,
	pub topic: TopicCategory,
	pub keywords: Vec<Vec<u8>>,
	pub uri: Vec<u8>,
	pub license: LicenseInput,
}

/// The content part of a dataset as a call gives it: what only a new version
/// may change.
#[derive(Clone, PartialEq, Eq, Debug, Encode, Decode, DecodeWithMemTracking, TypeInfo)]
pub struct DatasetContent {
	pub bbox: BoundingBox,
	pub crs: u32,
	pub time: TimeRange,
	pub format: Vec<u8>,
	/// Multicodec code of the hash function.
	pub hash_code: u64,
	pub digest: Vec<u8>,
	pub size: u64,
}

/// A change of descriptive fields; `None` leaves a field as it is.
#[derive(Clone, PartialEq, Eq, Default, Debug, Encode, Decode, DecodeWithMemTracking, TypeInfo)]
pub struct MetadataUpdate {
	pub title: Option<Vec<u8>>,
	pub description: Option<Vec<u8>>,
	pub topic: Option<TopicCategory>,
	pub keywords: Option<Vec<Vec<u8>>>,
	pub uri: Option<Vec<u8>>,
	pub license: Option<LicenseInput>,
}

impl MetadataUpdate {
	pub fn is_empty(&self) -> bool {
		self == &Self::default()
	}
}

/// A dataset search. Every given filter must hold; a dataset matches
/// `topics` if its topic is one of them (empty: any topic).
#[derive(Clone, PartialEq, Eq, Default, Debug, Encode, Decode, TypeInfo)]
pub struct DatasetQuery {
	/// Datasets whose box intersects this one.
	pub bbox: Option<BoundingBox>,
	/// Datasets whose time range overlaps this interval.
	pub time: Option<TimeInterval>,
	pub topics: Vec<TopicCategory>,
	pub owner: Option<DepartmentId>,
	pub status: Option<DatasetStatus>,
	/// Occurs, ASCII case-insensitively, in the title or a keyword.
	pub text: Option<Vec<u8>>,
	/// Most datasets to return, 1 to `MAX_PAGE_SIZE`.
	pub limit: u32,
}

/// Why a search was refused.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Encode, Decode, TypeInfo)]
pub enum QueryError {
	InvalidBoundingBox(BoundingBoxError),
	InvalidTimeInterval(TimeRangeError),
	/// The limit is 0.
	ZeroLimit,
	/// The limit is above `MAX_PAGE_SIZE`.
	LimitTooLarge,
	/// The text is longer than `MAX_SEARCH_TEXT_LEN`.
	TextTooLong,
	/// More topics than there are topic categories.
	TooManyTopics,
}

impl DatasetQuery {
	/// The query if all its parameters are valid.
	pub fn validate(self) -> Result<Self, QueryError> {
		if let Some(bbox) = self.bbox {
			bbox.validate().map_err(QueryError::InvalidBoundingBox)?;
		}
		if let Some(time) = self.time {
			time.validate().map_err(QueryError::InvalidTimeInterval)?;
		}
		if self.limit == 0 {
			return Err(QueryError::ZeroLimit);
		}
		if self.limit > MAX_PAGE_SIZE {
			return Err(QueryError::LimitTooLarge);
		}
		if self.text.as_ref().is_some_and(|t| t.len() > MAX_SEARCH_TEXT_LEN as usize) {
			return Err(QueryError::TextTooLong);
		}
		// Each record is matched against the list: keep it to one entry per
		// category.
		if self.topics.len() > TopicCategory::ALL.len() {
			return Err(QueryError::TooManyTopics);
		}
		Ok(self)
	}

	/// Whether a record meets every filter.
	pub fn matches<A, B>(&self, dataset: &Dataset<A, B>) -> bool {
		dataset.extent().matches(self.bbox.as_ref(), self.time.as_ref())
			&& (self.topics.is_empty() || self.topics.contains(&dataset.topic))
			&& self.owner.is_none_or(|o| o == dataset.owner)
			&& self.status.is_none_or(|s| s == dataset.status)
			&& self.text.as_ref().is_none_or(|t| dataset.mentions(t))
	}
}

/// A dataset with its id.
#[derive(Clone, PartialEq, Eq, Debug, Encode, Decode, TypeInfo)]
pub struct DatasetItem<AccountId, BlockNumber> {
	pub id: DatasetId,
	pub dataset: Dataset<AccountId, BlockNumber>,
}

/// One page of search results, in ascending id order.
#[derive(Clone, PartialEq, Eq, Debug, Encode, Decode, TypeInfo)]
pub struct DatasetPage<AccountId, BlockNumber> {
	pub items: Vec<DatasetItem<AccountId, BlockNumber>>,
	/// Pass as `cursor` to get the next page; `None` when there is no more.
	pub next: Option<DatasetId>,
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn only_http_and_https_urls_with_a_host_are_links() {
		for good in [
			"https://data.city.example/counts.parquet",
			"http://127.0.0.1:8080/data/4",
			"HTTPS://Data.City.Example/a?b=c&d=%E5%8C%97#top",
			"https://data.city.example/contact?mail=officer@city.example",
			"https://[::1]:8443/x",
		] {
			assert!(is_web_url(good.as_bytes()), "{good}");
		}
		for bad in [
			"javascript:alert(document.cookie)",
			"JavaScript:alert(1)",
			" javascript:alert(1)",
			"java\tscript:alert(1)",
			"data:text/html,<script>alert(1)</script>",
			"vbscript:msgbox",
			"file:///etc/passwd",
			"s3://bucket/key",
			"//evil.example/x",
			"https:evil.example",
			"https://",
			"https:///path",
			"https://@evil.example",
			"https://data.city.example@evil.example/counts",
			"https://user:pass@data.city.example/",
			"http://a.example/\"onmouseover=\"alert(1)",
			"http://a.example/<script>",
			"https://a.example/ spaces",
			"https://a.example/\u{5317}\u{4eac}",
			"",
		] {
			assert!(!is_web_url(bad.as_bytes()), "{bad}");
		}
	}

	#[test]
	fn a_query_names_at_most_every_topic_once() {
		let query = |topics: Vec<TopicCategory>| DatasetQuery {
			bbox: None,
			time: None,
			topics,
			owner: None,
			status: None,
			text: None,
			limit: 10,
		};
		assert!(query(TopicCategory::ALL.to_vec()).validate().is_ok());
		let flood = vec![TopicCategory::Health; 1_800_000];
		assert_eq!(query(flood).validate().err(), Some(QueryError::TooManyTopics));
	}
}
