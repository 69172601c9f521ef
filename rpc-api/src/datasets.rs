//! `datasets_*`: the dataset registry, as CityChain records and as STAC 1.1
//! Items and ItemCollections. Records and histories are read from state at
//! any block; searches are answered by the node's search index at a
//! finalized block.

use chrono::{DateTime, SecondsFormat, Utc};
use citychain_primitives::{
	AccessPolicy, Dataset as Record, DatasetId, DatasetStatus, DepartmentId, Sensitivity,
	TopicCategory,
};
use jsonrpsee::{core::RpcResult, proc_macros::rpc};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use sp_core::Bytes;

use crate::{nullable, text, AccountId, BlockHash, BlockNumber, Reader};

pub use crate::reader::ANONYMOUS;

/// The fields of a dataset as `datasets_get` and `datasets_search` return
/// it, in that order.
pub const DATASET_FIELDS: [&str; 23] = [
	"id",
	"owner",
	"publisher",
	"title",
	"description",
	"topic",
	"keywords",
	"bbox",
	"crs",
	"time",
	"format",
	"contentHash",
	"size",
	"uri",
	"license",
	"policy",
	"sensitivity",
	"version",
	"predecessor",
	"successor",
	"status",
	"created",
	"updated",
];

/// Which of `DATASET_FIELDS` an answer carries, a bit for each.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct Fields(u32);

impl Fields {
	pub const ALL: Self = Self((1 << DATASET_FIELDS.len()) - 1);

	/// The fields `names` name, and the id, which every answer carries; the
	/// error names what is wrong with `names`.
	pub fn parse(names: &[String]) -> Result<Self, String> {
		if names.len() > DATASET_FIELDS.len() {
			return Err(format!("fields: at most {}", DATASET_FIELDS.len()));
		}
		names.iter().try_fold(Self(1), |Self(bits), name| {
			let at = DATASET_FIELDS.iter().position(|f| f == name).ok_or_else(|| {
				format!("fields: {name:?} is not a field (fields: {})", DATASET_FIELDS.join(", "))
			})?;
			Ok(Self(bits | 1 << at))
		})
	}

	/// Whether the field `name` of `DATASET_FIELDS` is among these.
	fn has(self, name: &str) -> bool {
		DATASET_FIELDS
			.iter()
			.position(|f| *f == name)
			.is_some_and(|at| self.0 & (1 << at) != 0)
	}
}

/// A block and the time of its timestamp.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Stamp {
	pub block: BlockNumber,
	/// RFC 3339.
	pub time: String,
}

/// A content hash, as its parts and as the hex multihash STAC's
/// `file:checksum` uses.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ContentHash {
	pub code: u64,
	/// The multicodec name, e.g. `blake2b-256`.
	pub function: Option<String>,
	pub digest: Bytes,
	/// Hex of varint code, varint length and digest, without `0x`.
	pub multihash: String,
}

/// A dataset's licence: an SPDX licence expression or `other`, and where
/// its terms are.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct License {
	pub expression: String,
	pub url: Option<String>,
}

/// The time a dataset covers, in ms since the epoch; no end: ongoing.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Time {
	pub start: i64,
	pub end: Option<i64>,
}

/// A dataset as `datasets_get` and `datasets_search` return it: the id, and
/// the fields of `DATASET_FIELDS` the query named (all by default). A field
/// not named is absent (`None`); of the fields a record may lack, one named
/// but empty is `null` (`Some(None)`).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Dataset {
	pub id: DatasetId,
	#[serde(skip_serializing_if = "Option::is_none")]
	pub owner: Option<DepartmentId>,
	/// SS58.
	#[serde(skip_serializing_if = "Option::is_none")]
	pub publisher: Option<String>,
	#[serde(skip_serializing_if = "Option::is_none")]
	pub title: Option<String>,
	#[serde(skip_serializing_if = "Option::is_none")]
	pub description: Option<String>,
	#[serde(skip_serializing_if = "Option::is_none")]
	pub topic: Option<TopicCategory>,
	#[serde(skip_serializing_if = "Option::is_none")]
	pub keywords: Option<Vec<String>>,
	/// `[west, south, east, north]` in degrees.
	#[serde(skip_serializing_if = "Option::is_none")]
	pub bbox: Option<[f64; 4]>,
	/// The EPSG code of the content's coordinate reference system.
	#[serde(skip_serializing_if = "Option::is_none")]
	pub crs: Option<u32>,
	#[serde(skip_serializing_if = "Option::is_none")]
	pub time: Option<Time>,
	/// The content's media type.
	#[serde(skip_serializing_if = "Option::is_none")]
	pub format: Option<String>,
	#[serde(skip_serializing_if = "Option::is_none")]
	pub content_hash: Option<ContentHash>,
	/// The content's size in bytes.
	#[serde(skip_serializing_if = "Option::is_none")]
	pub size: Option<u64>,
	#[serde(skip_serializing_if = "Option::is_none")]
	pub uri: Option<String>,
	#[serde(default, skip_serializing_if = "Option::is_none", deserialize_with = "nullable")]
	pub license: Option<Option<License>>,
	#[serde(skip_serializing_if = "Option::is_none")]
	pub policy: Option<AccessPolicy>,
	#[serde(skip_serializing_if = "Option::is_none")]
	pub sensitivity: Option<Sensitivity>,
	#[serde(skip_serializing_if = "Option::is_none")]
	pub version: Option<u32>,
	#[serde(default, skip_serializing_if = "Option::is_none", deserialize_with = "nullable")]
	pub predecessor: Option<Option<DatasetId>>,
	#[serde(default, skip_serializing_if = "Option::is_none", deserialize_with = "nullable")]
	pub successor: Option<Option<DatasetId>>,
	#[serde(skip_serializing_if = "Option::is_none")]
	pub status: Option<DatasetStatus>,
	#[serde(skip_serializing_if = "Option::is_none")]
	pub created: Option<Stamp>,
	#[serde(skip_serializing_if = "Option::is_none")]
	pub updated: Option<Stamp>,
}

impl Dataset {
	/// Dataset `id` with the `fields` of `d`, each computed only if named.
	pub fn new(id: DatasetId, d: &Record<AccountId, BlockNumber>, fields: Fields) -> Self {
		let stamp = |s: &citychain_primitives::Stamp<BlockNumber>| Stamp {
			block: s.block,
			time: rfc3339(s.time.try_into().unwrap_or(i64::MAX)),
		};
		macro_rules! field {
			($name:literal, $value:expr) => {
				fields.has($name).then(|| $value)
			};
		}
		Self {
			id,
			owner: field!("owner", d.owner),
			publisher: field!("publisher", ss58(&d.publisher)),
			title: field!("title", text(&d.title)),
			description: field!("description", text(&d.description)),
			topic: field!("topic", d.topic),
			keywords: field!("keywords", d.keywords.iter().map(|k| text(k)).collect()),
			bbox: field!("bbox", d.bbox.degrees()),
			crs: field!("crs", d.crs),
			time: field!("time", Time { start: d.time.start, end: d.time.end }),
			format: field!("format", text(&d.format)),
			content_hash: field!(
				"contentHash",
				ContentHash {
					code: d.content_hash.code,
					function: d.content_hash.function().map(|f| f.name().to_string()),
					digest: Bytes(d.content_hash.digest.to_vec()),
					multihash: hex::encode(d.content_hash.to_multihash()),
				}
			),
			size: field!("size", d.size),
			uri: field!("uri", text(&d.uri)),
			license: field!(
				"license",
				d.license.as_ref().map(|l| License {
					expression: text(&l.expression),
					url: l.url.as_ref().map(|u| text(u)),
				})
			),
			policy: field!("policy", d.policy),
			sensitivity: field!("sensitivity", d.sensitivity),
			version: field!("version", d.version),
			predecessor: field!("predecessor", d.predecessor),
			successor: field!("successor", d.successor),
			status: field!("status", d.status),
			created: field!("created", stamp(&d.created)),
			updated: field!("updated", stamp(&d.updated)),
		}
	}
}

/// ms since the Unix epoch as RFC 3339 (UTC, milliseconds).
pub fn rfc3339(ms: i64) -> String {
	DateTime::<Utc>::from_timestamp_millis(ms)
		.map(|t| t.to_rfc3339_opts(SecondsFormat::Millis, true))
		.unwrap_or_default()
}

/// Most accounts whose SS58 address a thread remembers.
const SS58_REMEMBERED: usize = 1024;

/// The account's SS58 address. The few publishers of a consortium appear
/// on every page of results, and encoding one is base-58 arithmetic and a
/// hash, so each thread remembers those it made.
pub fn ss58(account: &AccountId) -> String {
	thread_local! {
		static MADE: std::cell::RefCell<std::collections::HashMap<AccountId, String>> = Default::default();
	}
	MADE.with_borrow_mut(|made| {
		if let Some(address) = made.get(account) {
			return address.clone();
		}
		if made.len() >= SS58_REMEMBERED {
			made.clear();
		}
		let address = account.to_string();
		made.insert(account.clone(), address.clone());
		address
	})
}

/// The finalized block a search answer holds at.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct At {
	pub number: BlockNumber,
	pub hash: BlockHash,
}

/// A page of `datasets_search`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Page {
	pub items: Vec<Dataset>,
	/// Pass as `cursor` for the next page (answered at the same block);
	/// `null` when there is no more.
	pub next: Option<String>,
	/// Pass as `cursor` for the page before; `null` on the first page.
	pub prev: Option<String>,
	/// The finalized block the answer holds at.
	pub at: At,
}

/// How many records of a department a reader may see, and where and when
/// they lie; by default, none.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Coverage {
	/// The records the reader may see.
	pub count: u64,
	/// `[west, south, east, north]` in degrees around their footprints;
	/// `null` without records.
	pub bbox: Option<[f64; 4]>,
	/// `[start, end]` in RFC 3339; `end` is `null` if one is ongoing.
	pub interval: [Option<String>; 2],
}

/// What `datasets_extent` answers.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Extent {
	#[serde(flatten)]
	pub coverage: Coverage,
	pub at: At,
}

/// One department's coverage in `datasets_extents`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DepartmentCoverage {
	pub owner: DepartmentId,
	#[serde(flatten)]
	pub coverage: Coverage,
}

/// What `datasets_extents` answers: each department of which the reader
/// may see records, in the order of their ids.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Extents {
	pub departments: Vec<DepartmentCoverage>,
	pub at: At,
}

/// A bounding box parameter: `[west, south, east, north]` in degrees (or
/// STAC's six numbers with elevations), or the same as a comma-separated
/// string (as in a STAC API query string). Kept as JSON and read by the
/// node: its serde_json has arbitrary-precision numbers, which untagged
/// enums cannot read as floats.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct BboxParam(pub Value);

/// Free-text terms as STAC's free-text extension has them: a string of
/// comma-separated terms (GET) or a list of terms (POST).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum QParam {
	Text(String),
	List(Vec<String>),
}

/// One key of a `sortby` list, as STAC's sort extension POSTs it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SortbyItem {
	pub field: String,
	/// `asc` (the default) or `desc`.
	#[serde(skip_serializing_if = "Option::is_none")]
	pub direction: Option<String>,
}

/// `sortby` as STAC's sort extension has it: `"-updated,+title"` (GET; a
/// `+` that a query string turned into a space counts as `+`) or a list of
/// `{ "field", "direction" }` (POST).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum SortbyParam {
	Text(String),
	List(Vec<SortbyItem>),
}

/// Ids as a STAC API client sends them: a list or a comma-separated string.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum IdsParam {
	List(Vec<String>),
	Text(String),
}

/// Parameters of `datasets_search`. Every given filter must hold; a list
/// filter holds if any of its values does.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SearchParams {
	/// Datasets whose box intersects this one.
	#[serde(skip_serializing_if = "Option::is_none")]
	pub bbox: Option<BboxParam>,
	/// Datasets whose footprint intersects this GeoJSON geometry.
	#[serde(skip_serializing_if = "Option::is_none")]
	pub intersects: Option<Value>,
	/// Datasets whose time overlaps this STAC datetime (instant or `a/b`).
	#[serde(skip_serializing_if = "Option::is_none")]
	pub datetime: Option<String>,
	/// Datasets of one of these topics.
	#[serde(default, skip_serializing_if = "Vec::is_empty")]
	pub topics: Vec<TopicCategory>,
	/// Datasets of this department.
	#[serde(skip_serializing_if = "Option::is_none")]
	pub owner: Option<DepartmentId>,
	/// Datasets of one of these departments.
	#[serde(default, skip_serializing_if = "Vec::is_empty")]
	pub owners: Vec<DepartmentId>,
	/// These datasets only.
	#[serde(default, skip_serializing_if = "Vec::is_empty")]
	pub ids: Vec<DatasetId>,
	/// Datasets with one of these keywords (case-insensitively).
	#[serde(default, skip_serializing_if = "Vec::is_empty")]
	pub keywords: Vec<String>,
	#[serde(default, skip_serializing_if = "Vec::is_empty")]
	pub policies: Vec<AccessPolicy>,
	#[serde(default, skip_serializing_if = "Vec::is_empty")]
	pub sensitivities: Vec<Sensitivity>,
	#[serde(skip_serializing_if = "Option::is_none")]
	pub status: Option<DatasetStatus>,
	/// Occurs (case-insensitively) in the title or a keyword.
	#[serde(skip_serializing_if = "Option::is_none")]
	pub text: Option<String>,
	/// Free text: terms (a comma-separated string or a list), any of which
	/// occurs as words in the title, description or keywords; ranked by
	/// where they occur unless `sortby` says otherwise.
	#[serde(skip_serializing_if = "Option::is_none")]
	pub q: Option<QParam>,
	/// The `next` of the previous page.
	#[serde(skip_serializing_if = "Option::is_none")]
	pub cursor: Option<String>,
	/// Sort order: `"-updated,+title"` or `[{ "field", "direction" }]`;
	/// the id (ascending) ends every order.
	#[serde(skip_serializing_if = "Option::is_none")]
	pub sortby: Option<SortbyParam>,
	/// Default 10; clamped to 1..=100.
	#[serde(default, deserialize_with = "crate::limit", skip_serializing_if = "Option::is_none")]
	pub limit: Option<u32>,
	/// A CQL2 filter on the datasets' STAC Items: text (a string) or JSON
	/// (an object).
	#[serde(skip_serializing_if = "Option::is_none")]
	pub filter: Option<Value>,
	/// `cql2-text` or `cql2-json`; default: as the filter's type says.
	#[serde(skip_serializing_if = "Option::is_none")]
	pub filter_lang: Option<String>,
	/// The fields of each dataset to return (`DATASET_FIELDS`; the id is
	/// always there); default: all.
	#[serde(skip_serializing_if = "Option::is_none")]
	pub fields: Option<Vec<String>>,
	/// Only what this reader may see: `"anonymous"` or an SS58 address;
	/// default: every record.
	#[serde(skip_serializing_if = "Option::is_none")]
	pub reader: Option<Reader>,
}

/// Parameters of `datasets_stacSearch`, as in STAC API item search.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StacSearchParams {
	#[serde(skip_serializing_if = "Option::is_none")]
	pub bbox: Option<BboxParam>,
	/// A GeoJSON geometry the items' footprints intersect.
	#[serde(skip_serializing_if = "Option::is_none")]
	pub intersects: Option<Value>,
	#[serde(skip_serializing_if = "Option::is_none")]
	pub datetime: Option<String>,
	#[serde(skip_serializing_if = "Option::is_none")]
	pub ids: Option<IdsParam>,
	/// Collections are departments: `department-<id>`.
	#[serde(skip_serializing_if = "Option::is_none")]
	pub collections: Option<Vec<String>>,
	/// Default 10; clamped to 1..=100.
	#[serde(default, deserialize_with = "crate::limit", skip_serializing_if = "Option::is_none")]
	pub limit: Option<u32>,
	/// The token of the previous page's `next` link.
	#[serde(skip_serializing_if = "Option::is_none")]
	pub token: Option<String>,
	/// STAC sort extension.
	#[serde(skip_serializing_if = "Option::is_none")]
	pub sortby: Option<SortbyParam>,
	/// STAC free-text extension.
	#[serde(skip_serializing_if = "Option::is_none")]
	pub q: Option<QParam>,
	/// STAC API filter extension: CQL2 text or JSON.
	#[serde(skip_serializing_if = "Option::is_none")]
	pub filter: Option<Value>,
	#[serde(rename = "filter-lang", skip_serializing_if = "Option::is_none")]
	pub filter_lang: Option<String>,
	/// The CRS of the filter's geometries: CRS84 (the default) or EPSG:4326.
	#[serde(rename = "filter-crs", skip_serializing_if = "Option::is_none")]
	pub filter_crs: Option<String>,
	/// As in `datasets_search`.
	#[serde(skip_serializing_if = "Option::is_none")]
	pub reader: Option<Reader>,
	/// `datasets_aggregate` only (STAC API aggregation extension): the
	/// aggregations to compute, a list or a comma-separated string.
	#[serde(skip_serializing_if = "Option::is_none")]
	pub aggregations: Option<IdsParam>,
	/// `datasets_aggregate` only: the geohash precision of
	/// `centroid_geohash_grid_frequency` (1 to 6, default 1).
	#[serde(skip_serializing_if = "Option::is_none")]
	pub centroid_geohash_grid_frequency_precision: Option<u8>,
	/// `datasets_aggregate` only: the zoom of
	/// `centroid_geotile_grid_frequency` (0 to 14, default 0).
	#[serde(skip_serializing_if = "Option::is_none")]
	pub centroid_geotile_grid_frequency_precision: Option<u8>,
	/// The public http(s) URL of the API that serves the Items (the
	/// gateway's, at most 256 bytes): their links are then absolute. Without
	/// it, links between Items are relative to each Item.
	#[serde(skip_serializing_if = "Option::is_none")]
	pub base: Option<String>,
}

/// The aggregations `datasets_aggregate` counts (STAC API aggregation
/// extension), by the names a request uses, and the data type of each
/// answer.
pub const AGGREGATIONS: &[(&str, &str)] = &[
	("total_count", "integer"),
	("datetime_min", "datetime"),
	("datetime_max", "datetime"),
	("collection_frequency", "frequency_distribution"),
	("topic_frequency", "frequency_distribution"),
	("access_policy_frequency", "frequency_distribution"),
	("license_frequency", "frequency_distribution"),
	("datetime_frequency", "frequency_distribution"),
	("centroid_geohash_grid_frequency", "frequency_distribution"),
	("centroid_geotile_grid_frequency", "frequency_distribution"),
];

/// One bucket of an aggregation: its key and how many records fall in it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Bucket {
	pub key: String,
	/// `string`, or `datetime` for a year's first instant.
	pub data_type: String,
	pub frequency: u64,
}

/// One aggregation's answer: buckets (with the records left out of them in
/// `overflow`) or a single value.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Aggregation {
	pub name: String,
	/// `integer`, `datetime` or `frequency_distribution`.
	pub data_type: String,
	#[serde(default, skip_serializing_if = "Option::is_none")]
	pub buckets: Option<Vec<Bucket>>,
	#[serde(default, skip_serializing_if = "Option::is_none")]
	pub overflow: Option<u64>,
	/// A count, or an RFC 3339 time; `null` if no record matched.
	#[serde(default, skip_serializing_if = "Option::is_none", deserialize_with = "nullable")]
	pub value: Option<Option<Value>>,
}

/// What `datasets_aggregate` answers: a STAC AggregationCollection, and the
/// finalized block it holds at.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AggregationCollection {
	/// Always `AggregationCollection`.
	#[serde(rename = "type")]
	pub kind: String,
	pub aggregations: Vec<Aggregation>,
	pub at: At,
}

/// Parameters of `datasets_extent`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExtentParams {
	pub owner: DepartmentId,
	/// As in `datasets_search`.
	#[serde(skip_serializing_if = "Option::is_none")]
	pub reader: Option<Reader>,
}

/// Parameters of `datasets_extents`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExtentsParams {
	/// As in `datasets_search`.
	#[serde(skip_serializing_if = "Option::is_none")]
	pub reader: Option<Reader>,
}

/// The dataset registry.
#[rpc(client, server)]
pub trait DatasetsApi {
	/// One dataset record at block `at` (default: best block); `null` if
	/// there is none with this id, or if `reader` (as in `datasets_search`)
	/// may not see it.
	#[method(name = "datasets_get")]
	fn dataset(
		&self,
		id: DatasetId,
		at: Option<BlockHash>,
		reader: Option<Reader>,
	) -> RpcResult<Option<Dataset>>;

	/// A page of the datasets matching every given filter, in id order, from
	/// the search index at the finalized head (never older than `at`, which
	/// must be finalized).
	#[method(name = "datasets_search")]
	async fn search(&self, params: SearchParams, at: Option<BlockHash>) -> RpcResult<Page>;

	/// The ids of every version of the dataset, oldest first; only those
	/// `reader` (as in `datasets_search`) may see, if it is given.
	#[method(name = "datasets_history")]
	fn history(
		&self,
		id: DatasetId,
		at: Option<BlockHash>,
		reader: Option<Reader>,
	) -> RpcResult<Vec<DatasetId>>;

	/// The dataset as a STAC 1.1 Item; `null` if there is none with this id.
	#[method(name = "datasets_stacItem")]
	fn stac_item(&self, id: DatasetId, at: Option<BlockHash>) -> RpcResult<Option<Value>>;

	/// STAC API item search, from the search index like `datasets_search`: a
	/// GeoJSON FeatureCollection of Items with a `next` link carrying the
	/// token of the following page.
	#[method(name = "datasets_stacSearch")]
	async fn stac_search(
		&self,
		params: StacSearchParams,
		at: Option<BlockHash>,
	) -> RpcResult<Value>;

	/// STAC API aggregation: counts of the datasets a STAC item search
	/// (without `token`, `limit` or `sortby`) matches, by the `aggregations`
	/// it names (default: every one), from the search index like
	/// `datasets_search` and of what its `reader` may see only.
	#[method(name = "datasets_aggregate")]
	async fn aggregate(
		&self,
		params: StacSearchParams,
		at: Option<BlockHash>,
	) -> RpcResult<AggregationCollection>;

	/// How many of a department's datasets a reader may see, and their
	/// extent in space and time, from the search index like
	/// `datasets_search`.
	#[method(name = "datasets_extent")]
	async fn extent(&self, params: ExtentParams, at: Option<BlockHash>) -> RpcResult<Extent>;

	/// `datasets_extent` of every department in one call: those of which
	/// the reader may see no record are left out.
	#[method(name = "datasets_extents")]
	async fn extents(&self, params: ExtentsParams, at: Option<BlockHash>) -> RpcResult<Extents>;

	/// The properties a search's CQL2 filter may name, as the `properties`
	/// of a JSON Schema (OGC API - Features - Part 3 queryables).
	#[method(name = "datasets_queryables")]
	fn queryables(&self) -> RpcResult<Value>;
}
