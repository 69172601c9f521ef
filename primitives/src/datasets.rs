//! Datasets: the catalogue record of a spatio-temporal dataset whose content
//! stays off chain, and the geometry of its extent in space and time.

use crate::{
	departments::DepartmentId,
	license::{License, LicenseInput},
};
use alloc::vec::Vec;
use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use scale_info::TypeInfo;
use serde::{Deserialize, Serialize};
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
/// Longest digest of any supported hash function, in bytes.
pub const MAX_DIGEST_LEN: u32 = 64;
/// Most datasets one search page returns.
pub const MAX_PAGE_SIZE: u32 = 100;
/// Most versions `DatasetsApi::history` lists.
pub const MAX_HISTORY: u32 = 1024;
/// Longest free-text search term, in bytes.
pub const MAX_SEARCH_TEXT_LEN: u32 = 64;
/// Most records one search call reads before it returns a (possibly short)
/// page with a cursor to continue from.
pub const MAX_SEARCH_SCAN: u32 = 10_000;

/// One degree in the fixed-point unit of coordinates (1e-7 degrees).
pub const DEGREE: i32 = 10_000_000;
/// A coordinate in degrees, from the fixed point.
pub fn degrees(fixed: i32) -> f64 {
	f64::from(fixed) / f64::from(DEGREE)
}

/// A coordinate in the fixed point, to the nearest unit, from degrees
/// (saturating: check the range first).
#[cfg(feature = "std")]
pub fn fixed(degrees: f64) -> i32 {
	(degrees * f64::from(DEGREE)).round() as i32
}

/// Largest absolute latitude, in 1e-7 degrees.
pub const MAX_LATITUDE: i32 = 90 * DEGREE;
/// Largest absolute longitude, in 1e-7 degrees.
pub const MAX_LONGITUDE: i32 = 180 * DEGREE;

/// Earliest instant a time range may name: -2^45 ms, in the year 855 BCE.
pub const MIN_TIME: i64 = -(1 << 45);
/// Latest instant a time range may name: 2^45 - 1 ms, in the year 3084.
pub const MAX_TIME: i64 = (1 << 45) - 1;

/// Bytes bounded by a constant.
pub type BoundedBytes<const N: u32> = BoundedVec<u8, ConstU32<N>>;

macro_rules! scale_enum {
	($(#[$meta:meta])* pub enum $name:ident { $($(#[$vmeta:meta])* $variant:ident => $text:literal,)+ }) => {
		$(#[$meta])*
		#[derive(
			Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Debug, Encode, Decode,
			DecodeWithMemTracking, MaxEncodedLen, TypeInfo, Serialize, Deserialize,
		)]
		pub enum $name {
			$($(#[$vmeta])* #[serde(rename = $text)] $variant,)+
		}

		impl $name {
			/// Every value, in declaration order.
			pub const ALL: &'static [Self] = &[$(Self::$variant,)+];

			/// The value's name in the catalogue vocabulary.
			pub fn as_str(&self) -> &'static str {
				match self {
					$(Self::$variant => $text,)+
				}
			}
		}
	};
}

scale_enum! {
	/// The ISO 19115 `MD_TopicCategoryCode`: the main theme of a dataset.
	pub enum TopicCategory {
		Farming => "farming",
		Biota => "biota",
		Boundaries => "boundaries",
		ClimatologyMeteorologyAtmosphere => "climatologyMeteorologyAtmosphere",
		Economy => "economy",
		Elevation => "elevation",
		Environment => "environment",
		GeoscientificInformation => "geoscientificInformation",
		Health => "health",
		ImageryBaseMapsEarthCover => "imageryBaseMapsEarthCover",
		IntelligenceMilitary => "intelligenceMilitary",
		InlandWaters => "inlandWaters",
		Location => "location",
		Oceans => "oceans",
		PlanningCadastre => "planningCadastre",
		Society => "society",
		Structure => "structure",
		Transportation => "transportation",
		UtilitiesCommunication => "utilitiesCommunication",
	}
}

scale_enum! {
	/// Who decides a request for the dataset.
	pub enum AccessPolicy {
		/// Granted at once to any member department.
		Open => "open",
		/// Granted by an Approver of the owning department.
		ApprovalRequired => "approvalRequired",
		/// Granted by an Approver of the owning department and an Approver of
		/// a regulator department.
		Restricted => "restricted",
	}
}

scale_enum! {
	/// How sensitive the content is. Confidential and secret data cannot be
	/// open.
	pub enum Sensitivity {
		Public => "public",
		Internal => "internal",
		Confidential => "confidential",
		Secret => "secret",
	}
}

scale_enum! {
	/// Lifecycle of a dataset record.
	pub enum DatasetStatus {
		/// The current version.
		Active => "active",
		/// A newer version replaced it; it stays readable as history.
		Superseded => "superseded",
		/// Its owner discourages its use; it stays current until a new
		/// version replaces it.
		Deprecated => "deprecated",
		/// Its owner withdrew it; final.
		Withdrawn => "withdrawn",
	}
}

impl Sensitivity {
	/// Whether data this sensitive may be shared under `policy`.
	pub fn allows(&self, policy: AccessPolicy) -> bool {
		policy != AccessPolicy::Open || *self <= Sensitivity::Internal
	}
}

/// Hash functions a content hash may use, by multicodec code.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum HashFunction {
	Sha2_256,
	Sha2_512,
	Sha3_256,
	Keccak256,
	Blake2b256,
	Blake2b512,
}

impl HashFunction {
	/// The function with this multicodec code, if it is supported.
	pub fn from_code(code: u64) -> Option<Self> {
		Some(match code {
			0x12 => Self::Sha2_256,
			0x13 => Self::Sha2_512,
			0x16 => Self::Sha3_256,
			0x1b => Self::Keccak256,
			0xb220 => Self::Blake2b256,
			0xb240 => Self::Blake2b512,
			_ => return None,
		})
	}

	/// The multicodec name.
	pub fn name(&self) -> &'static str {
		match self {
			Self::Sha2_256 => "sha2-256",
			Self::Sha2_512 => "sha2-512",
			Self::Sha3_256 => "sha3-256",
			Self::Keccak256 => "keccak-256",
			Self::Blake2b256 => "blake2b-256",
			Self::Blake2b512 => "blake2b-512",
		}
	}

	/// Length of the digest, in bytes.
	pub fn digest_len(&self) -> usize {
		match self {
			Self::Sha2_512 | Self::Blake2b512 => 64,
			_ => 32,
		}
	}
}

/// A content hash in the parts of a multihash: the multicodec code of the
/// hash function and the digest.
#[derive(
	Clone, PartialEq, Eq, Debug, Encode, Decode, DecodeWithMemTracking, MaxEncodedLen, TypeInfo,
)]
pub struct ContentHash {
	/// Multicodec code, e.g. `0x12` sha2-256, `0xb220` blake2b-256.
	pub code: u64,
	pub digest: BoundedBytes<MAX_DIGEST_LEN>,
}

impl ContentHash {
	/// The hash function named by `code`.
	pub fn function(&self) -> Option<HashFunction> {
		HashFunction::from_code(self.code)
	}

	/// The binary multihash: varint code, varint length, digest.
	pub fn to_multihash(&self) -> Vec<u8> {
		let mut out = Vec::with_capacity(self.digest.len() + 4);
		push_varint(&mut out, self.code);
		push_varint(&mut out, self.digest.len() as u64);
		out.extend_from_slice(&self.digest);
		out
	}
}

fn push_varint(out: &mut Vec<u8>, mut n: u64) {
	while n >= 0x80 {
		out.push((n as u8 & 0x7f) | 0x80);
		n >>= 7;
	}
	out.push(n as u8);
}

/// What is wrong with a bounding box.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Encode, Decode, TypeInfo)]
pub enum BoundingBoxError {
	/// A latitude is outside ±90°.
	LatitudeOutOfRange,
	/// A longitude is outside ±180°.
	LongitudeOutOfRange,
	/// `south` is north of `north`.
	SouthAboveNorth,
}

impl core::fmt::Display for BoundingBoxError {
	fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
		f.write_str(match self {
			Self::LatitudeOutOfRange => "latitude outside ±90",
			Self::LongitudeOutOfRange => "longitude outside ±180",
			Self::SouthAboveNorth => "south is above north",
		})
	}
}

/// Why a bounding box given in degrees was not read.
#[cfg(feature = "std")]
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum DegreesError {
	/// Not four numbers, nor six with elevations.
	Malformed,
	/// Four numbers, but not a box on the globe.
	Invalid(BoundingBoxError),
}

#[cfg(feature = "std")]
impl core::fmt::Display for DegreesError {
	fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
		match self {
			Self::Malformed => f.write_str(
				"malformed bbox: west,south,east,north in degrees (or six numbers with elevations)",
			),
			Self::Invalid(e) => write!(f, "bbox {e}"),
		}
	}
}

/// An extent in WGS84 longitude and latitude, in 1e-7 degrees, edges
/// included. `west > east` means the box crosses the antimeridian.
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
pub struct BoundingBox {
	pub west: i32,
	pub south: i32,
	pub east: i32,
	pub north: i32,
}

impl BoundingBox {
	/// The box if its corners are valid WGS84 coordinates and `south <= north`.
	pub fn validate(self) -> Result<Self, BoundingBoxError> {
		let lat_ok = |v: i32| (-MAX_LATITUDE..=MAX_LATITUDE).contains(&v);
		let lon_ok = |v: i32| (-MAX_LONGITUDE..=MAX_LONGITUDE).contains(&v);
		if !lat_ok(self.south) || !lat_ok(self.north) {
			return Err(BoundingBoxError::LatitudeOutOfRange);
		}
		if !lon_ok(self.west) || !lon_ok(self.east) {
			return Err(BoundingBoxError::LongitudeOutOfRange);
		}
		if self.south > self.north {
			return Err(BoundingBoxError::SouthAboveNorth);
		}
		Ok(self)
	}

	/// The box `[west, south, east, north]` in degrees, or STAC's box with
	/// elevations `[west, south, low, east, north, high]`, read in 2D.
	#[cfg(feature = "std")]
	pub fn from_degrees(numbers: &[f64]) -> Result<Self, DegreesError> {
		let [west, south, east, north] = match *numbers {
			[w, s, e, n] | [w, s, _, e, n, _] => [w, s, e, n],
			_ => return Err(DegreesError::Malformed),
		};
		let fixed = |d: f64, max: i32, error: BoundingBoxError| {
			if d.is_finite() && fixed(d).abs() <= max {
				Ok(fixed(d))
			} else {
				Err(DegreesError::Invalid(error))
			}
		};
		let (lon, lat) =
			(BoundingBoxError::LongitudeOutOfRange, BoundingBoxError::LatitudeOutOfRange);
		Self {
			west: fixed(west, MAX_LONGITUDE, lon)?,
			south: fixed(south, MAX_LATITUDE, lat)?,
			east: fixed(east, MAX_LONGITUDE, lon)?,
			north: fixed(north, MAX_LATITUDE, lat)?,
		}
		.validate()
		.map_err(DegreesError::Invalid)
	}

	/// [`Self::from_degrees`] of comma-separated numbers, as a STAC query
	/// string or a command line gives them: `116.3,39.8,116.5,40`.
	#[cfg(feature = "std")]
	pub fn parse_degrees(text: &str) -> Result<Self, DegreesError> {
		let numbers: Vec<f64> = text
			.split(',')
			.map(|n| n.trim().parse())
			.collect::<Result<_, _>>()
			.map_err(|_| DegreesError::Malformed)?;
		Self::from_degrees(&numbers)
	}

	/// `[west, south, east, north]` in degrees.
	pub fn degrees(&self) -> [f64; 4] {
		[self.west, self.south, self.east, self.north].map(degrees)
	}

	pub fn crosses_antimeridian(&self) -> bool {
		self.west > self.east
	}

	/// The longitude intervals the box covers: one, or two if it crosses the
	/// antimeridian.
	pub fn longitude_spans(&self) -> impl Iterator<Item = (i32, i32)> {
		let (first, second) = if self.crosses_antimeridian() {
			((self.west, MAX_LONGITUDE), Some((-MAX_LONGITUDE, self.east)))
		} else {
			((self.west, self.east), None)
		};
		core::iter::once(first).chain(second)
	}

	/// Whether every point of `inner` lies in this box.
	pub fn contains(&self, inner: &Self) -> bool {
		self.south <= inner.south
			&& inner.north <= self.north
			&& inner
				.longitude_spans()
				.all(|(iw, ie)| self.longitude_spans().any(|(w, e)| w <= iw && ie <= e))
	}

	/// Whether the two boxes share at least one point.
	pub fn intersects(&self, other: &Self) -> bool {
		self.south <= other.north
			&& other.south <= self.north
			&& self
				.longitude_spans()
				.any(|(w, e)| other.longitude_spans().any(|(ow, oe)| w <= oe && ow <= e))
	}
}

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

impl<AccountId, BlockNumber> Dataset<AccountId, BlockNumber> {
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

	fn bbox(west: f64, south: f64, east: f64, north: f64) -> BoundingBox {
		BoundingBox {
			west: fixed(west),
			south: fixed(south),
			east: fixed(east),
			north: fixed(north),
		}
	}

	#[test]
	fn a_box_in_degrees_is_read_from_numbers_or_text_and_checked() {
		let beijing = bbox(116.3, 39.8, 116.5, 40.0);
		assert_eq!(BoundingBox::parse_degrees("116.3, 39.8,116.5,40"), Ok(beijing));
		assert_eq!(BoundingBox::from_degrees(&[116.3, 39.8, 0.0, 116.5, 40.0, 80.0]), Ok(beijing));
		assert_eq!(beijing.degrees(), [116.3, 39.8, 116.5, 40.0]);
		assert_eq!(
			BoundingBox::parse_degrees("170,-10,-170,10").map(|b| b.crosses_antimeridian()),
			Ok(true)
		);
		let invalid = |e| Err(DegreesError::Invalid(e));
		for (text, error) in [
			("1,2,3", Err(DegreesError::Malformed)),
			("1,2,3,4,5", Err(DegreesError::Malformed)),
			("1,x,3,4", Err(DegreesError::Malformed)),
			("0,0,1,95", invalid(BoundingBoxError::LatitudeOutOfRange)),
			("0,0,181,1", invalid(BoundingBoxError::LongitudeOutOfRange)),
			("0,NaN,1,1", invalid(BoundingBoxError::LatitudeOutOfRange)),
			("0,inf,1,1", invalid(BoundingBoxError::LatitudeOutOfRange)),
			("0,10,1,5", invalid(BoundingBoxError::SouthAboveNorth)),
		] {
			assert_eq!(BoundingBox::parse_degrees(text), error, "{text}");
		}
	}

	#[test]
	fn bounding_box_validation_names_the_fault() {
		assert!(bbox(116.0, 39.0, 117.0, 40.0).validate().is_ok());
		assert_eq!(
			bbox(116.0, 39.0, 117.0, 91.0).validate(),
			Err(BoundingBoxError::LatitudeOutOfRange)
		);
		assert_eq!(
			bbox(-181.0, 39.0, 117.0, 40.0).validate(),
			Err(BoundingBoxError::LongitudeOutOfRange)
		);
		assert_eq!(
			bbox(116.0, 41.0, 117.0, 40.0).validate(),
			Err(BoundingBoxError::SouthAboveNorth)
		);
		assert!(bbox(170.0, -20.0, -170.0, -10.0).validate().is_ok());
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

	#[test]
	fn boxes_across_the_antimeridian_intersect_on_either_side() {
		let fiji = bbox(177.0, -19.0, -178.0, -16.0);
		assert!(fiji.intersects(&bbox(179.0, -18.0, 179.5, -17.0)));
		assert!(fiji.intersects(&bbox(-179.0, -18.0, -178.5, -17.0)));
		assert!(!fiji.intersects(&bbox(0.0, -18.0, 10.0, -17.0)));
		assert!(fiji.intersects(&bbox(178.0, -30.0, -179.0, 0.0)));
		assert!(bbox(0.0, 0.0, 1.0, 1.0).intersects(&bbox(1.0, 1.0, 2.0, 2.0)), "edges count");
	}

	#[test]
	fn containment_of_boxes_and_intervals() {
		let city = bbox(116.0, 39.0, 117.0, 40.0);
		assert!(city.contains(&bbox(116.2, 39.5, 116.4, 39.6)));
		assert!(city.contains(&city));
		assert!(!city.contains(&bbox(115.9, 39.5, 116.4, 39.6)));
		let fiji = bbox(177.0, -19.0, -178.0, -16.0);
		assert!(fiji.contains(&bbox(178.0, -18.0, -179.0, -17.0)));
		assert!(fiji.contains(&bbox(-179.0, -18.0, -178.5, -17.0)));
		assert!(!fiji.contains(&bbox(170.0, -18.0, 178.0, -17.0)));
		let year = TimeRange { start: 0, end: Some(100) };
		assert!(year.contains(&TimeInterval { start: Some(0), end: Some(100) }));
		assert!(!year.contains(&TimeInterval { start: Some(50), end: None }));
		assert!(!year.contains(&TimeInterval { start: None, end: Some(50) }));
		assert!(
			TimeRange { start: 0, end: None }.contains(&TimeInterval { start: Some(5), end: None })
		);
	}

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
	fn multihash_encodes_code_and_length_as_varints() {
		let hash = ContentHash { code: 0xb220, digest: BoundedVec::truncate_from(vec![7u8; 32]) };
		let mh = hash.to_multihash();
		assert_eq!(&mh[..4], &[0xa0, 0xe4, 0x02, 0x20]);
		assert_eq!(mh.len(), 36);
		assert_eq!(HashFunction::from_code(0x12).map(|f| f.digest_len()), Some(32));
		assert_eq!(HashFunction::from_code(0x11), None);
	}

	#[test]
	fn only_public_and_internal_data_can_be_open() {
		assert!(Sensitivity::Internal.allows(AccessPolicy::Open));
		assert!(!Sensitivity::Confidential.allows(AccessPolicy::Open));
		assert!(Sensitivity::Secret.allows(AccessPolicy::Restricted));
		assert_eq!(TopicCategory::ALL.len(), 19);
	}
}
