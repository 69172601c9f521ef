//! A STAC item search's GET query string (`/search?bbox=…&datetime=…`),
//! read into the parameters of the node's `datasets_stacSearch`, as the
//! gateway sends them (the node then reads each value: `bbox`, `datetime`,
//! `intersects` and `filter` with this crate's parsers).
//!
//! The query string is bounded ([`MAX_QUERY_LEN`]) before it is decoded.

use serde_json::{Map, Value};
use std::collections::BTreeMap;

/// The longest query string read (the `http` crate refuses a URI longer
/// than 65,534 bytes anyway; a CQL2 filter may be 16 KiB before it is
/// percent-encoded).
pub const MAX_QUERY_LEN: usize = 64 * 1024;

/// The search parameters the STAC API takes (GET and POST); anything else
/// is refused.
pub const SEARCH_FIELDS: &[&str] = &[
	"bbox",
	"intersects",
	"datetime",
	"ids",
	"collections",
	"limit",
	"token",
	"filter",
	"filter-lang",
	"filter-crs",
	"sortby",
	"q",
	"fields",
];

/// The parameters an aggregation takes (STAC API aggregation extension):
/// the search's filters, the aggregations and the grids' precisions.
pub const AGGREGATE_FIELDS: &[&str] = &[
	"bbox",
	"intersects",
	"datetime",
	"ids",
	"collections",
	"filter",
	"filter-lang",
	"filter-crs",
	"q",
	"aggregations",
	"centroid_geohash_grid_frequency_precision",
	"centroid_geotile_grid_frequency_precision",
];

/// Why a `limit` was refused.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LimitError {
	/// Not decimal digits only (as sent).
	NotPositiveInteger(String),
	/// Zero.
	Zero,
}

impl core::fmt::Display for LimitError {
	fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
		match self {
			Self::NotPositiveInteger(text) => {
				write!(f, "limit: {text:?} is not a positive integer")
			},
			Self::Zero => f.write_str("limit: must be at least 1"),
		}
	}
}

impl std::error::Error for LimitError {}

/// Why a query string was refused.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum QueryError {
	/// Longer than [`MAX_QUERY_LEN`] bytes (not decoded).
	TooLong,
	/// Not `application/x-www-form-urlencoded`: what the decoder said.
	Malformed(String),
	/// A parameter the search does not take.
	Unsupported(String),
	/// `intersects` is not JSON: what the JSON reader said.
	Intersects(String),
	/// A `limit` that is not a positive integer.
	Limit(LimitError),
	/// A grid precision (named) that is not a number from 0 to 255.
	Precision(String),
}

impl core::fmt::Display for QueryError {
	fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
		match self {
			Self::TooLong => write!(f, "query string longer than {MAX_QUERY_LEN} bytes"),
			Self::Malformed(e) => write!(f, "malformed query string: {e}"),
			Self::Unsupported(name) => write!(f, "unsupported parameter {name:?}"),
			Self::Intersects(e) => write!(f, "intersects: not GeoJSON: {e}"),
			Self::Limit(e) => e.fmt(f),
			Self::Precision(name) => write!(f, "{name}: not a whole number from 0 to 255"),
		}
	}
}

impl std::error::Error for QueryError {}

impl From<LimitError> for QueryError {
	fn from(e: LimitError) -> Self {
		Self::Limit(e)
	}
}

/// The parameters of a query string, decoded as axum's `Query` decodes
/// them (a repeated name keeps its last value), once it is known to be at
/// most [`MAX_QUERY_LEN`] bytes.
pub fn parse_query(raw: &str) -> Result<BTreeMap<String, String>, QueryError> {
	if raw.len() > MAX_QUERY_LEN {
		return Err(QueryError::TooLong);
	}
	serde_urlencoded::from_str(raw).map_err(|e| QueryError::Malformed(e.to_string()))
}

/// A `limit` from a query string: a positive integer; above `u64::MAX`,
/// `u64::MAX` (callers clamp to their page size).
pub fn parse_limit(text: &str) -> Result<u64, LimitError> {
	if text.is_empty() || text.len() > 100 || !text.bytes().all(|b| b.is_ascii_digit()) {
		return Err(LimitError::NotPositiveInteger(text.to_string()));
	}
	match text.parse::<u64>() {
		Ok(0) => Err(LimitError::Zero),
		Ok(n) => Ok(n),
		Err(_) => Ok(u64::MAX),
	}
}

/// What a GET item search asks: the node's parameters, and the `fields`
/// text (the gateway applies it to the Items the node returns).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct GetSearch {
	/// `datasets_stacSearch` parameters (no `reader`: the gateway adds it).
	pub params: Map<String, Value>,
	/// `fields`, as sent.
	pub fields: Option<String>,
}

/// The search a GET query's parameters ask for: text parameters passed on
/// as strings, `collections` split at commas, `intersects` read as JSON,
/// `limit` checked and at most `u32::MAX`.
pub fn search_params(query: &BTreeMap<String, String>) -> Result<GetSearch, QueryError> {
	let mut search = GetSearch::default();
	for (key, value) in query {
		if key == "fields" {
			search.fields = Some(value.clone());
			continue;
		}
		let value = match key.as_str() {
			"token" | "sortby" => Value::from(value.as_str()),
			"limit" => parse_limit(value)?.min(u32::MAX.into()).into(),
			other => filter_value(other, value)?,
		};
		search.params.insert(key.clone(), value);
	}
	Ok(search)
}

/// A search filter's value from a query string: text passed on as a
/// string, `collections` split at commas, `intersects` read as JSON.
fn filter_value(key: &str, value: &str) -> Result<Value, QueryError> {
	Ok(match key {
		"bbox" | "datetime" | "ids" | "filter" | "filter-lang" | "filter-crs" | "q" => {
			Value::from(value)
		},
		"collections" => value.split(',').map(|c| Value::from(c.trim())).collect(),
		"intersects" => {
			serde_json::from_str(value).map_err(|e| QueryError::Intersects(e.to_string()))?
		},
		other => return Err(QueryError::Unsupported(other.to_string())),
	})
}

/// The `datasets_aggregate` parameters a GET aggregation's query asks for
/// ([`AGGREGATE_FIELDS`]): the filters as a search reads them, the
/// aggregations as text, the precisions as numbers.
pub fn aggregate_params(
	query: &BTreeMap<String, String>,
) -> Result<Map<String, Value>, QueryError> {
	let mut params = Map::new();
	for (key, value) in query {
		let value = match key.as_str() {
			"aggregations" => Value::from(value.as_str()),
			"centroid_geohash_grid_frequency_precision"
			| "centroid_geotile_grid_frequency_precision" => {
				value.parse::<u8>().map_err(|_| QueryError::Precision(key.clone()))?.into()
			},
			other => filter_value(other, value)?,
		};
		params.insert(key.clone(), value);
	}
	Ok(params)
}

#[cfg(test)]
mod tests {
	use super::*;
	use serde_json::json;

	fn get(raw: &str) -> Result<GetSearch, QueryError> {
		search_params(&parse_query(raw)?)
	}

	#[test]
	fn query_strings_become_node_parameters() {
		let s = get("bbox=1,2,3,4&collections=department-1&limit=5").unwrap();
		assert_eq!(
			Value::Object(s.params),
			json!({ "bbox": "1,2,3,4", "collections": ["department-1"], "limit": 5 })
		);
		assert_eq!(s.fields, None);
		assert_eq!(
			get("collections=department-0,%20department-1").unwrap().params["collections"],
			json!(["department-0", "department-1"])
		);
		assert_eq!(get("sortby=-updated,%20title").unwrap().params["sortby"], "-updated, title");
		assert_eq!(get("sortby=%2Bupdated").unwrap().params["sortby"], "+updated");
		let point =
			"intersects=%7B%22type%22%3A%22Point%22%2C%22coordinates%22%3A%5B116.4%2C39.9%5D%7D";
		assert_eq!(get(point).unwrap().params["intersects"]["type"], "Point");
		assert_eq!(get("fields=id,-geometry").unwrap().fields.as_deref(), Some("id,-geometry"));
		let filter = "filter=title%20LIKE%20%27Centre%25%27&filter-lang=cql2-text";
		assert_eq!(get(filter).unwrap().params["filter"], "title LIKE 'Centre%'");
		// `+` is a space; a repeated name keeps its last value; no query is no parameter.
		assert_eq!(get("q=air+quality").unwrap().params["q"], "air quality");
		assert_eq!(get("q=a&q=b").unwrap().params["q"], "b");
		assert_eq!(get("").unwrap(), GetSearch::default());
	}

	#[test]
	fn an_aggregation_takes_the_filters_the_aggregations_and_bounded_precisions() {
		let get = |raw: &str| aggregate_params(&parse_query(raw).unwrap());
		let params = get("aggregations=total_count,collection_frequency&collections=department-1&centroid_geohash_grid_frequency_precision=3").unwrap();
		assert_eq!(
			Value::Object(params),
			json!({
				"aggregations": "total_count,collection_frequency",
				"collections": ["department-1"],
				"centroid_geohash_grid_frequency_precision": 3,
			})
		);
		for page in ["limit=5", "token=x", "sortby=title", "fields=id"] {
			assert_eq!(
				get(page).unwrap_err(),
				QueryError::Unsupported(page.split('=').next().unwrap().into())
			);
		}
		assert_eq!(
			get("centroid_geotile_grid_frequency_precision=256").unwrap_err().to_string(),
			"centroid_geotile_grid_frequency_precision: not a whole number from 0 to 255"
		);
		for name in AGGREGATE_FIELDS {
			assert!(!["limit", "token", "sortby", "fields"].contains(name));
		}
	}

	#[test]
	fn refusals_are_named() {
		assert_eq!(get("colour=red"), Err(QueryError::Unsupported("colour".into())));
		assert_eq!(get("colour=red").unwrap_err().to_string(), "unsupported parameter \"colour\"");
		assert!(matches!(get("intersects=%7Boops"), Err(QueryError::Intersects(_))));
		assert!(get("intersects={")
			.unwrap_err()
			.to_string()
			.starts_with("intersects: not GeoJSON: "));
		assert_eq!(get(&"q=a".repeat(MAX_QUERY_LEN)), Err(QueryError::TooLong));
	}

	#[test]
	fn a_limit_above_the_maximum_is_the_maximum_and_a_non_positive_one_is_refused() {
		assert_eq!(get("limit=100000000000000000000000").unwrap().params["limit"], u32::MAX);
		assert_eq!(get("limit=4294967296").unwrap().params["limit"], u32::MAX);
		assert_eq!(parse_limit("100000000000000000000000"), Ok(u64::MAX));
		assert_eq!(parse_limit("007"), Ok(7));
		for bad in ["0", "-1", "1.5", "ten", "", "+1", " 1"] {
			let error = parse_limit(bad).unwrap_err();
			assert!(error.to_string().starts_with("limit:"), "{bad}: {error}");
		}
		assert_eq!(parse_limit("0"), Err(LimitError::Zero));
		assert_eq!(
			get("limit=-5").unwrap_err().to_string(),
			"limit: \"-5\" is not a positive integer"
		);
		assert_eq!(get("limit=0").unwrap_err().to_string(), "limit: must be at least 1");
		assert!(parse_limit(&"1".repeat(101)).is_err());
	}
}
