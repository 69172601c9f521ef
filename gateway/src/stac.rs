//! A STAC API (core, collections, features, item search) over the chain's
//! registry as of the latest finalized block. A collection is a department
//! (`department-<id>`); its items are the department's datasets, as the
//! node's `datasets_stacItem` renders them, with absolute links.

use crate::{error::ApiError, AppState};
use axum::{
	extract::{Path, Query, State},
	http::{header, HeaderValue},
	response::{IntoResponse, Response},
	Json,
};
use serde_json::{json, Map, Value};
use sp_core::H256;
use std::{collections::BTreeMap, sync::Arc};

const STAC_VERSION: &str = "1.1.0";
const GEOJSON: &str = "application/geo+json";
const JSON: &str = "application/json";
const CONFORMANCE: &[&str] = &[
	"https://api.stacspec.org/v1.0.0/core",
	"https://api.stacspec.org/v1.0.0/collections",
	"https://api.stacspec.org/v1.0.0/ogcapi-features",
	"https://api.stacspec.org/v1.0.0/item-search",
	"https://api.stacspec.org/v1.0.0/item-search#sort",
	"https://api.stacspec.org/v1.0.0-rc.1/item-search#free-text",
	"http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
	"http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
	"http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/oas30",
];
/// Search parameters the API takes; anything else is refused.
const SEARCH_FIELDS: &[&str] =
	&["bbox", "intersects", "datetime", "ids", "collections", "limit", "token", "filter", "filter-lang", "filter-crs", "sortby", "q"];
/// A bound on departments, in case the node answers oddly.
const MAX_DEPARTMENTS: u32 = 10_000;

fn link(rel: &str, href: String, media_type: &str) -> Value {
	json!({ "rel": rel, "href": href, "type": media_type })
}

fn geojson(value: Value) -> Response {
	let mut response = Json(value).into_response();
	response.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static(GEOJSON));
	response
}

/// `GET /`: the landing page.
pub async fn landing(State(state): State<Arc<AppState>>) -> Json<Value> {
	let base = &state.settings.public_url;
	Json(json!({
		"type": "Catalog",
		"stac_version": STAC_VERSION,
		"id": "citychain",
		"title": "CityChain datasets",
		"description": "The spatio-temporal datasets registered on CityChain by the city's departments, as of the latest finalized block. Data files are served at /data/{id} to signed requests under an approved access contract.",
		"conformsTo": CONFORMANCE,
		"links": [
			link("self", format!("{base}/"), JSON),
			link("root", format!("{base}/"), JSON),
			link("conformance", format!("{base}/conformance"), JSON),
			link("data", format!("{base}/collections"), JSON),
			{ "rel": "search", "href": format!("{base}/search"), "type": GEOJSON, "method": "GET" },
			{ "rel": "search", "href": format!("{base}/search"), "type": GEOJSON, "method": "POST" },
		],
	}))
}

/// `GET /conformance`.
pub async fn conformance() -> Json<Value> {
	Json(json!({ "conformsTo": CONFORMANCE }))
}

/// The department id of a collection id `department-<id>`.
fn department_of(collection: &str) -> Result<u32, ApiError> {
	collection
		.strip_prefix("department-")
		.filter(|d| !d.is_empty() && d.len() <= 10 && d.bytes().all(|b| b.is_ascii_digit()))
		.and_then(|d| d.parse().ok())
		.ok_or_else(|| ApiError::not_found(format!("no collection {collection:?}")))
}

/// The collection of department `info` (a `departments_get` answer), with
/// the extent of its datasets.
async fn collection(state: &AppState, info: &Value, at: H256) -> Result<Value, ApiError> {
	let base = &state.settings.public_url;
	let department = info["id"].as_u64().unwrap_or_default();
	let id = format!("department-{department}");
	let (mut west, mut south, mut east, mut north) = (180f64, 90f64, -180f64, -90f64);
	let (mut start, mut end): (Option<i64>, Option<i64>) = (None, None);
	let (mut any, mut ongoing) = (false, false);
	let mut cursor: Option<String> = None;
	loop {
		let mut params = json!({ "owner": department, "limit": 100 });
		if let Some(c) = cursor.take() {
			params["cursor"] = c.into();
		}
		let page: Value = state.node.query("datasets_search", vec![params], Some(at)).await?;
		for d in page["items"].as_array().into_iter().flatten() {
			let b: Vec<f64> = d["bbox"].as_array().into_iter().flatten().filter_map(Value::as_f64).collect();
			if let [w, s, e, n] = b[..] {
				any = true;
				if w > e {
					// Across the antimeridian: the union spans every longitude.
					(west, east) = (-180.0, 180.0);
				} else {
					(west, east) = (west.min(w), east.max(e));
				}
				(south, north) = (south.min(s), north.max(n));
			}
			if let Some(s) = d["time"]["start"].as_i64() {
				start = Some(start.map_or(s, |t| t.min(s)));
			}
			match d["time"]["end"].as_i64() {
				Some(e) => end = Some(end.map_or(e, |t| t.max(e))),
				None => ongoing = true,
			}
		}
		match page["next"].as_str() {
			Some(next) => cursor = Some(next.to_string()),
			None => break,
		}
	}
	let bbox = if any { json!([[west, south, east, north]]) } else { json!([[-180.0, -90.0, 180.0, 90.0]]) };
	let iso = |ms: Option<i64>| {
		ms.and_then(|ms| chrono::DateTime::from_timestamp_millis(ms))
			.map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Millis, true))
	};
	let interval = json!([[iso(start), if ongoing { None } else { iso(end) }]]);
	let name = info["name"].as_str().unwrap_or_default();
	let kind = info["kind"].as_str().unwrap_or_default();
	Ok(json!({
		"type": "Collection",
		"stac_version": STAC_VERSION,
		"id": id,
		"title": name,
		"description": format!("Datasets registered on CityChain by {name} ({kind}, department {department})."),
		"keywords": [kind],
		"license": "other",
		"providers": [{ "name": name, "roles": ["producer", "licensor", "host"] }],
		"extent": { "spatial": { "bbox": bbox }, "temporal": { "interval": interval } },
		"links": [
			link("self", format!("{base}/collections/{id}"), JSON),
			link("root", format!("{base}/"), JSON),
			link("parent", format!("{base}/"), JSON),
			link("items", format!("{base}/collections/{id}/items"), GEOJSON),
		],
	}))
}

/// A value computed once per finalized block: requests at the same head
/// share it, and the first request after a new head recomputes it while the
/// others wait for that answer.
pub struct PerBlock<T> {
	latest: tokio::sync::Mutex<Option<(H256, T)>>,
}

impl<T: Clone> PerBlock<T> {
	pub fn new() -> Self {
		Self { latest: tokio::sync::Mutex::new(None) }
	}

	/// The value at block `at`, from `compute` unless already known.
	pub async fn get<F, Fut>(&self, at: H256, compute: F) -> Result<T, ApiError>
	where
		F: FnOnce() -> Fut,
		Fut: std::future::Future<Output = Result<T, ApiError>>,
	{
		let mut latest = self.latest.lock().await;
		if let Some((hash, value)) = latest.as_ref() {
			if *hash == at {
				return Ok(value.clone());
			}
		}
		let value = compute().await?;
		*latest = Some((at, value.clone()));
		Ok(value)
	}
}

/// Every department's collection at the finalized block `at`, computed
/// once per block (each reads all of its department's records).
async fn all_collections(state: &AppState, at: H256) -> Result<Arc<Vec<Value>>, ApiError> {
	state
		.collections
		.get(at, || async move {
			let mut out = Vec::new();
			// Department ids run from 0 without gaps (retired ones stay).
			for department in 0..MAX_DEPARTMENTS {
				let info: Option<Value> =
					state.node.query("departments_get", vec![department.into()], Some(at)).await?;
				let Some(info) = info else { break };
				out.push(collection(state, &info, at).await?);
			}
			Ok(Arc::new(out))
		})
		.await
}

/// `GET /collections`: one per department.
pub async fn collections(State(state): State<Arc<AppState>>) -> Result<Json<Value>, ApiError> {
	let at = state.node.finalized_head().await?;
	let out = all_collections(&state, at).await?;
	let base = &state.settings.public_url;
	Ok(Json(json!({
		"collections": *out,
		"links": [link("self", format!("{base}/collections"), JSON), link("root", format!("{base}/"), JSON)],
	})))
}

/// `GET /collections/{id}`.
pub async fn one_collection(
	State(state): State<Arc<AppState>>,
	Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
	department_of(&id)?;
	let at = state.node.finalized_head().await?;
	all_collections(&state, at)
		.await?
		.iter()
		.find(|c| c["id"] == json!(id))
		.cloned()
		.map(Json)
		.ok_or_else(|| ApiError::not_found(format!("no collection {id:?}")))
}

/// Gives an item absolute links: self, parent, collection, root, and its
/// version links.
fn with_links(base: &str, mut item: Value) -> Value {
	let id = item["id"].as_str().unwrap_or_default().to_string();
	let collection = item["collection"].as_str().unwrap_or_default().to_string();
	let items = format!("{base}/collections/{collection}/items");
	let mut links = vec![
		link("self", format!("{items}/{id}"), GEOJSON),
		link("parent", format!("{base}/collections/{collection}"), JSON),
		link("collection", format!("{base}/collections/{collection}"), JSON),
		link("root", format!("{base}/"), JSON),
	];
	for l in item["links"].as_array().into_iter().flatten() {
		let rel = l["rel"].as_str().unwrap_or_default();
		if rel.ends_with("-version") {
			if let Some(target) = l["href"].as_str().and_then(|h| h.strip_prefix("./")) {
				links.push(link(rel, format!("{items}/{target}"), GEOJSON));
			}
		}
	}
	item["links"] = Value::Array(links);
	item
}

/// `GET /collections/{collection}/items/{item}`.
pub async fn item(
	State(state): State<Arc<AppState>>,
	Path((collection, item)): Path<(String, String)>,
) -> Result<Response, ApiError> {
	department_of(&collection)?;
	let id = crate::data::dataset_id(&item).map_err(|_| ApiError::not_found(format!("no item {item:?}")))?;
	let at = state.node.finalized_head().await?;
	let found: Option<Value> = state.node.query("datasets_stacItem", vec![id.into()], Some(at)).await?;
	match found {
		Some(found) if found["collection"] == collection => Ok(geojson(with_links(&state.settings.public_url, found))),
		_ => Err(ApiError::not_found(format!("no item {item} in {collection}"))),
	}
}

/// Where a search's pages are fetched from, for the `next` link.
enum Page<'a> {
	Get { path: &'a str, query: &'a BTreeMap<String, String> },
	Post { body: &'a Map<String, Value> },
}

/// Runs a search with node parameters `params` and renders the page.
async fn search(state: &AppState, params: Map<String, Value>, page: Page<'_>) -> Result<Response, ApiError> {
	// A next page answers at the block its token was made at; a first page
	// at the finalized head.
	let at = match params.contains_key("token") {
		true => None,
		false => Some(state.node.finalized_head().await?),
	};
	let mut found: Value = state.node.query("datasets_stacSearch", vec![Value::Object(params)], at).await?;
	let base = &state.settings.public_url;
	let features: Vec<Value> = found["features"]
		.as_array_mut()
		.map(std::mem::take)
		.unwrap_or_default()
		.into_iter()
		.map(|f| with_links(base, f))
		.collect();
	let mut links = vec![link("root", format!("{base}/"), JSON)];
	if let Some(token) = found["token"].as_str() {
		links.push(match page {
			Page::Get { path, query } => {
				let mut next = query.clone();
				next.insert("token".into(), token.into());
				let query = serde_urlencoded::to_string(&next).unwrap_or_default();
				json!({ "rel": "next", "href": format!("{base}{path}?{query}"), "type": GEOJSON, "method": "GET" })
			},
			Page::Post { body } => {
				let mut next = body.clone();
				next.insert("token".into(), token.into());
				json!({ "rel": "next", "href": format!("{base}/search"), "type": GEOJSON, "method": "POST", "body": next })
			},
		});
	}
	Ok(geojson(json!({
		"type": "FeatureCollection",
		"numberReturned": features.len(),
		"features": features,
		"links": links,
	})))
}

/// Node parameters from a GET query string.
fn from_query(query: &BTreeMap<String, String>) -> Result<Map<String, Value>, ApiError> {
	let mut params = Map::new();
	for (key, value) in query {
		let value = match key.as_str() {
			"bbox" | "datetime" | "ids" | "token" | "filter" | "filter-lang" | "filter-crs" | "sortby" | "q" =>
				Value::from(value.as_str()),
			"collections" => value.split(',').map(|c| Value::from(c.trim())).collect(),
			"intersects" => serde_json::from_str(value)
				.map_err(|e| ApiError::bad_request(format!("intersects is not GeoJSON: {e}")))?,
			"limit" => value
				.parse::<u32>()
				.map(Value::from)
				.map_err(|_| ApiError::bad_request(format!("limit is not a number: {value:?}")))?,
			other => return Err(ApiError::bad_request(format!("unsupported parameter {other:?}"))),
		};
		params.insert(key.clone(), value);
	}
	Ok(params)
}

/// `GET /search`.
pub async fn search_get(
	State(state): State<Arc<AppState>>,
	Query(query): Query<BTreeMap<String, String>>,
) -> Result<Response, ApiError> {
	let params = from_query(&query)?;
	search(&state, params, Page::Get { path: "/search", query: &query }).await
}

/// `POST /search`: the same parameters as a JSON body.
pub async fn search_post(
	State(state): State<Arc<AppState>>,
	Json(body): Json<Value>,
) -> Result<Response, ApiError> {
	let Value::Object(body) = body else { return Err(ApiError::bad_request("the search body is not a JSON object")) };
	// Clients send unused parameters as null.
	if let Some((other, _)) = body.iter().find(|(k, v)| !v.is_null() && !SEARCH_FIELDS.contains(&k.as_str())) {
		return Err(ApiError::bad_request(format!("unsupported parameter {other:?}")));
	}
	let params = body.iter().filter(|(_, v)| !v.is_null()).map(|(k, v)| (k.clone(), v.clone())).collect();
	search(&state, params, Page::Post { body: &body }).await
}

/// `GET /collections/{id}/items`: a search within one collection.
pub async fn items(
	State(state): State<Arc<AppState>>,
	Path(id): Path<String>,
	Query(query): Query<BTreeMap<String, String>>,
) -> Result<Response, ApiError> {
	department_of(&id)?;
	// Clients may repeat the collection as a parameter; another one is an error.
	if query.get("collections").is_some_and(|c| c != &id) {
		return Err(ApiError::bad_request(format!("the items of {id} are not in another collection")));
	}
	let mut params = from_query(&query)?;
	params.insert("collections".into(), json!([id]));
	let path = format!("/collections/{id}/items");
	search(&state, params, Page::Get { path: &path, query: &query }).await
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn collection_ids_name_departments() {
		assert_eq!(department_of("department-12").unwrap(), 12);
		for bad in ["department-", "dept-1", "department-1x", "department-99999999999", "department-../1"] {
			assert!(department_of(bad).is_err(), "{bad}");
		}
	}

	#[test]
	fn items_get_absolute_links() {
		let item = json!({
			"id": "5", "collection": "department-1",
			"links": [
				{ "rel": "collection", "href": "..", "type": JSON },
				{ "rel": "latest-version", "href": "./7", "type": GEOJSON },
				{ "rel": "predecessor-version", "href": "./2", "type": GEOJSON },
			],
		});
		let links = with_links("http://gw", item)["links"].clone();
		let href = |rel: &str| links.as_array().unwrap().iter().find(|l| l["rel"] == rel).unwrap()["href"].clone();
		assert_eq!(href("self"), "http://gw/collections/department-1/items/5");
		assert_eq!(href("collection"), "http://gw/collections/department-1");
		assert_eq!(href("latest-version"), "http://gw/collections/department-1/items/7");
		assert_eq!(href("predecessor-version"), "http://gw/collections/department-1/items/2");
		assert_eq!(links.as_array().unwrap().len(), 6);
	}

	#[test]
	fn query_strings_become_node_parameters() {
		let q: BTreeMap<String, String> =
			[("bbox", "1,2,3,4"), ("collections", "department-1"), ("limit", "5")]
				.into_iter()
				.map(|(k, v)| (k.to_string(), v.to_string()))
				.collect();
		let p = from_query(&q).unwrap();
		assert_eq!(Value::Object(p), json!({ "bbox": "1,2,3,4", "collections": ["department-1"], "limit": 5 }));
		let bad: BTreeMap<String, String> = [("fields".to_string(), "x".to_string())].into_iter().collect();
		assert!(from_query(&bad).is_err());
		let sort: BTreeMap<String, String> = [("sortby".to_string(), "-updated, title".to_string())].into_iter().collect();
		assert_eq!(from_query(&sort).unwrap()["sortby"], "-updated, title");
		let point = r#"{"type":"Point","coordinates":[116.4,39.9]}"#;
		let q: BTreeMap<String, String> = [("intersects".to_string(), point.to_string())].into_iter().collect();
		assert_eq!(from_query(&q).unwrap()["intersects"]["type"], "Point");
		let q: BTreeMap<String, String> = [("intersects".to_string(), "{oops".to_string())].into_iter().collect();
		assert!(from_query(&q).is_err());
	}
}
