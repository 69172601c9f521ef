//! A STAC API (core, collections, features, item search with the filter,
//! sort, fields and free-text extensions, collection search) over the
//! chain's registry as of the latest finalized block. A collection is a
//! department (`department-<id>`); its items are the department's datasets,
//! as the node's `datasets_stacSearch` renders them, with absolute links and
//! the `citychain` extension. Every answer holds only what the request's
//! reader may see (see the `reader` module).

use crate::{error::ApiError, fields::Fields, reader::Reader, AppState};
use axum::{
	extract::{rejection::JsonRejection, FromRequestParts, Path, State},
	http::{header, HeaderMap, HeaderValue},
	response::{IntoResponse, Response},
	Json,
};
use citychain_client::{
	primitives::{audit::Subject, datasets::MAX_PAGE_SIZE, BoundingBox},
	rpc::api::{
		self,
		audit::EntriesParams,
		datasets::{Coverage, Dataset, ExtentsParams, IdsParam, StacSearchParams},
		departments::Department,
		json_name, AccessApiClient, AuditApiClient, DatasetsApiClient, DepartmentsApiClient,
	},
};
use serde_json::{json, Map, Value};
use sp_core::H256;
use std::{collections::BTreeMap, sync::Arc};

pub use citychain_stac::links::EXTENSION_PATH;
use citychain_stac::{
	links::{version_target, Link, GEOJSON, JSON},
	STAC_VERSION,
};
const SCHEMA: &str = "application/schema+json";
const QUERYABLES_REL: &str = "http://www.opengis.net/def/rel/ogc/1.0/queryables";
const FUNCTIONS_REL: &str = "http://www.opengis.net/def/rel/ogc/1.0/functions";
const CONFORMANCE: &[&str] = &[
	"https://api.stacspec.org/v1.0.0/core",
	"https://api.stacspec.org/v1.0.0/collections",
	"https://api.stacspec.org/v1.0.0/ogcapi-features",
	"https://api.stacspec.org/v1.0.0/ogcapi-features#fields",
	"https://api.stacspec.org/v1.0.0/ogcapi-features#sort",
	"https://api.stacspec.org/v1.0.0/item-search",
	"https://api.stacspec.org/v1.0.0/item-search#fields",
	"https://api.stacspec.org/v1.0.0/item-search#sort",
	"https://api.stacspec.org/v1.0.0-rc.2/item-search#filter",
	"https://api.stacspec.org/v1.0.0-rc.1/item-search#free-text",
	"https://api.stacspec.org/v1.0.0-rc.1/collection-search",
	"https://api.stacspec.org/v1.0.0-rc.1/collection-search#free-text",
	"http://www.opengis.net/spec/ogcapi-common-2/1.0/conf/simple-query",
	"http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
	"http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
	"http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/oas30",
	"http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/filter",
	"http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/features-filter",
	"http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/queryables",
	"http://www.opengis.net/spec/cql2/1.0/conf/cql2-text",
	"http://www.opengis.net/spec/cql2/1.0/conf/cql2-json",
	"http://www.opengis.net/spec/cql2/1.0/conf/basic-cql2",
	"http://www.opengis.net/spec/cql2/1.0/conf/advanced-comparison-operators",
	"http://www.opengis.net/spec/cql2/1.0/conf/basic-spatial-functions",
	"http://www.opengis.net/spec/cql2/1.0/conf/functions",
	crate::aggregate::CONFORMANCE,
	crate::aggregate::FILTER_CONFORMANCE,
];
// The search parameters the API takes (and `/api` describes); anything else
// is refused.
use citychain_stac::query::SEARCH_FIELDS;
/// Collections per page of a collection search, at most and by default.
const MAX_COLLECTIONS: usize = 100;
/// Readers whose collections of the latest block are kept.
const READERS_KEPT: usize = 256;

pub(crate) fn link(rel: &str, href: String, media_type: &str) -> Value {
	json!(Link::new(rel, href, media_type))
}

pub(crate) fn typed(value: Value, media_type: &'static str) -> Response {
	let mut response = Json(value).into_response();
	response
		.headers_mut()
		.insert(header::CONTENT_TYPE, HeaderValue::from_static(media_type));
	response
}

/// `GET /`: the landing page; a browser is sent to the portal if the gateway
/// serves it.
pub async fn landing(State(state): State<Arc<AppState>>, headers: HeaderMap) -> Response {
	if let Some(redirect) = crate::explorer::redirect(&state, &headers) {
		return redirect;
	}
	let base = &state.settings.public_url;
	let mut landing = json!({
		"type": "Catalog",
		"stac_version": STAC_VERSION,
		"id": "citychain",
		"title": "CityChain datasets",
		"description": "The spatio-temporal datasets registered on CityChain by the city's departments, as of the latest finalized block. Anonymous readers see public datasets; a request signed by a member's account, or carrying a read token, sees what the account may see. Data files are served at /data/{id} to signed requests under an approved access contract.",
		"conformsTo": CONFORMANCE,
		"links": [
			link("self", format!("{base}/"), JSON),
			link("root", format!("{base}/"), JSON),
			link("service-desc", format!("{base}/api"), crate::openapi::OPENAPI),
			link("service-doc", format!("{base}/api.html"), "text/html"),
			link("conformance", format!("{base}/conformance"), JSON),
			link("data", format!("{base}/collections"), JSON),
			link(QUERYABLES_REL, format!("{base}/queryables"), SCHEMA),
			link(FUNCTIONS_REL, format!("{base}/functions"), JSON),
			{ "rel": "search", "href": format!("{base}/search"), "type": GEOJSON, "method": "GET" },
			{ "rel": "search", "href": format!("{base}/search"), "type": GEOJSON, "method": "POST" },
			link("alternate", format!("{base}/catalog.jsonld"), crate::dcat::JSON_LD),
			link("alternate", format!("{base}/catalog.ttl"), crate::dcat::TURTLE),
			link("alternate", format!("{base}{}", crate::records::PATH), JSON),
		],
	});
	let links = landing["links"].as_array_mut().expect("links");
	links.extend(crate::aggregate::links(&format!("{base}/")));
	if state.settings.explorer_dir.is_some() {
		links.push(link("alternate", format!("{base}{}/", crate::explorer::PATH), "text/html"));
	}
	Json(landing).into_response()
}

/// `GET /conformance`.
pub async fn conformance() -> Json<Value> {
	Json(json!({ "conformsTo": CONFORMANCE }))
}

/// The queryables at `url`: the node's JSON Schema with its `$id`.
async fn queryables_at(state: &AppState, url: String) -> Result<Response, ApiError> {
	let mut schema = state.node.queryables().await?;
	schema["$id"] = url.into();
	Ok(typed(schema, SCHEMA))
}

/// `GET /queryables`.
pub async fn queryables(State(state): State<Arc<AppState>>) -> Result<Response, ApiError> {
	queryables_at(&state, format!("{}/queryables", state.settings.public_url)).await
}

/// `GET /functions`: the functions a filter may call beside CQL2's own.
pub async fn functions() -> Json<Value> {
	Json(citychain_stac::filter::functions())
}

/// `GET /collections/{id}/queryables`: the same properties for every
/// collection.
pub async fn collection_queryables(
	State(state): State<Arc<AppState>>,
	Path(id): Path<String>,
) -> Result<Response, ApiError> {
	department_of(&id)?;
	queryables_at(&state, format!("{}/collections/{id}/queryables", state.settings.public_url))
		.await
}

/// `GET /extensions/citychain/v1.0.0/schema.json`: the JSON Schema of the
/// `citychain:*` fields of Items, from the node's queryables.
pub async fn extension_schema(State(state): State<Arc<AppState>>) -> Result<Response, ApiError> {
	let queryables = state.node.queryables().await?;
	Ok(typed(extension(&state.settings.public_url, &queryables), SCHEMA))
}

/// The `citychain` STAC extension's schema, served at `base` + `EXTENSION_PATH`:
/// an Item that declares it has every `citychain:*` property of the
/// queryables (all but `citychain:ongoing`, which only a dataset without an
/// end has), each of its type, and no other `citychain:*` property.
fn extension(base: &str, queryables: &Value) -> Value {
	let fields: Map<String, Value> = queryables["properties"]
		.as_object()
		.into_iter()
		.flatten()
		.filter(|(name, _)| name.starts_with("citychain:"))
		.map(|(name, schema)| (name.clone(), schema.clone()))
		.collect();
	let required: Vec<&String> = fields.keys().filter(|n| *n != "citychain:ongoing").collect();
	let id = format!("{base}{EXTENSION_PATH}");
	json!({
		"$schema": "http://json-schema.org/draft-07/schema#",
		"$id": id,
		"title": "CityChain",
		"description": "The fields CityChain adds to the STAC Items of its datasets: the owner department, the publishing account, the topic, status, access policy and sensitivity, and the blocks it was registered and last changed in.",
		"type": "object",
		"required": ["type", "properties", "stac_extensions"],
		"properties": {
			"type": { "const": "Feature" },
			"stac_extensions": { "type": "array", "contains": { "const": id } },
			"properties": {
				"type": "object",
				"required": required,
				"properties": fields,
				"patternProperties": { "^(?!citychain:)": {} },
				"additionalProperties": false,
			},
		},
	})
}

/// The department id of a collection id `department-<id>`.
pub(crate) fn department_of(collection: &str) -> Result<u32, ApiError> {
	collection
		.strip_prefix("department-")
		.filter(|d| !d.is_empty() && d.len() <= 10 && d.bytes().all(|b| b.is_ascii_digit()))
		.and_then(|d| d.parse().ok())
		.ok_or_else(|| ApiError::not_found(format!("no collection {collection:?}")))
}

/// The collection of department `info` (from `departments_list`) with
/// `extent` (from `datasets_extents`: what the reader may see); the
/// department is its provider, with its web page if it names one.
fn collection(base: &str, info: &Department, extent: &Coverage) -> Value {
	let department = info.id;
	let id = format!("department-{department}");
	let bbox = extent.bbox.unwrap_or([-180.0, -90.0, 180.0, 90.0]);
	let name = &info.name;
	let kind = json_name(&info.kind);
	let mut provider = json!({ "name": name, "description": format!("Department {department} of the consortium ({kind})"), "roles": ["producer", "licensor", "host"] });
	// The department's own page, when its directory entry names a web one.
	let url = &info.metadata_uri;
	if url.starts_with("https://") || url.starts_with("http://") {
		provider["url"] = url.as_str().into();
	}
	let mut links = vec![
		link("self", format!("{base}/collections/{id}"), JSON),
		link("root", format!("{base}/"), JSON),
		link("parent", format!("{base}/"), JSON),
		link("items", format!("{base}/collections/{id}/items"), GEOJSON),
		link(QUERYABLES_REL, format!("{base}/collections/{id}/queryables"), SCHEMA),
	];
	links.extend(crate::aggregate::links(&format!("{base}/collections/{id}/")));
	json!({
		"type": "Collection",
		"stac_version": STAC_VERSION,
		"id": id,
		"title": name,
		"description": format!("Datasets registered on CityChain by {name} ({kind}, department {department})."),
		"keywords": [kind],
		"license": "other",
		"providers": [provider],
		"extent": { "spatial": { "bbox": [bbox] }, "temporal": { "interval": [extent.interval] } },
		"citychain:datasets": extent.count,
		"links": links,
	})
}

/// Values computed once per finalized block and reader: requests at the same
/// head share them, and the first request after a new head recomputes its
/// reader's while the others wait for that answer.
pub struct PerBlock<T> {
	latest: tokio::sync::Mutex<(H256, BTreeMap<api::Reader, T>)>,
}

impl<T: Clone> PerBlock<T> {
	pub fn new() -> Self {
		Self { latest: tokio::sync::Mutex::new((H256::zero(), BTreeMap::new())) }
	}

	/// `reader`'s value at block `at`, from `compute` unless already known.
	pub async fn get<F, Fut>(&self, at: H256, reader: &Reader, compute: F) -> Result<T, ApiError>
	where
		F: FnOnce() -> Fut,
		Fut: std::future::Future<Output = Result<T, ApiError>>,
	{
		let mut latest = self.latest.lock().await;
		if latest.0 != at {
			*latest = (at, BTreeMap::new());
		}
		if let Some(value) = latest.1.get(&reader.0) {
			return Ok(value.clone());
		}
		let value = compute().await?;
		if latest.1.len() >= READERS_KEPT {
			latest.1.clear();
		}
		latest.1.insert(reader.0.clone(), value.clone());
		Ok(value)
	}
}

/// Every department's collection at the finalized block `at` as `reader`
/// sees it, computed once per block and reader.
async fn all_collections(
	state: &AppState,
	at: H256,
	reader: &Reader,
) -> Result<Arc<Vec<Value>>, ApiError> {
	state
		.collections
		.get(at, reader, || async move {
			// Two calls whatever the number of departments: the directory,
			// and what the reader may see of each from the index.
			let departments = state.node.departments(Some(at)).await?;
			let asked = ExtentsParams { reader: Some(reader.0.clone()) };
			let extents: BTreeMap<_, _> = (state.node.extents(asked, Some(at)).await?.departments)
				.into_iter()
				.map(|e| (e.owner, e.coverage))
				.collect();
			let empty = Coverage::default();
			let out = departments
				.iter()
				.map(|info| {
					let extent = extents.get(&info.id).unwrap_or(&empty);
					collection(&state.settings.public_url, info, extent)
				})
				.collect();
			Ok(Arc::new(out))
		})
		.await
}

/// What a collection search asks (`GET /collections?bbox=…&datetime=…&q=…`).
#[derive(Debug, Default)]
struct CollectionSearch {
	bbox: Option<[f64; 4]>,
	/// Milliseconds; open ends as `None`.
	interval: Option<(Option<i64>, Option<i64>)>,
	terms: Vec<String>,
	limit: usize,
	offset: usize,
}

/// A time of the node's JSON (a collection's extent), in ms.
fn rfc3339_ms(text: &str) -> Option<i64> {
	chrono::DateTime::parse_from_rfc3339(text).map(|t| t.timestamp_millis()).ok()
}

impl CollectionSearch {
	fn parse(query: &BTreeMap<String, String>) -> Result<Self, ApiError> {
		let mut search = Self { limit: MAX_COLLECTIONS, ..Default::default() };
		for (key, value) in query {
			match key.as_str() {
				"bbox" => {
					let bbox = citychain_stac::Bbox::parse(value)
						.map_err(|e| ApiError::bad_request(format!("{e}: {value:?}")))?;
					search.bbox = Some(bbox.degrees());
				},
				"datetime" => {
					// The one rule of item search (`citychain_stac::datetime`).
					let interval = citychain_stac::parse_interval(value)
						.map_err(|e| ApiError::bad_request(e.to_string()))?;
					search.interval = Some((interval.start, interval.end));
				},
				"q" => {
					search.terms = value
						.split(',')
						.map(|t| t.trim().to_lowercase())
						.filter(|t| !t.is_empty())
						.collect()
				},
				"limit" => search.limit = parse_limit(value)?.min(MAX_COLLECTIONS as u64) as usize,
				"token" => search.offset = offset(query)?,
				other => {
					return Err(ApiError::bad_request(format!("unsupported parameter {other:?}")))
				},
			}
		}
		Ok(search)
	}

	/// Whether collection `c`'s extent and text match.
	fn matches(&self, c: &Value) -> bool {
		let b: Vec<f64> = c["extent"]["spatial"]["bbox"][0]
			.as_array()
			.into_iter()
			.flatten()
			.filter_map(Value::as_f64)
			.collect();
		// The one intersection rule, across the antimeridian included.
		let in_space = match (self.bbox, BoundingBox::from_degrees(&b)) {
			(None, _) => true,
			(Some(asked), Ok(extent)) => {
				BoundingBox::from_degrees(&asked).is_ok_and(|asked| asked.intersects(&extent))
			},
			(Some(_), Err(_)) => false,
		};
		let time = |v: &Value| v.as_str().and_then(rfc3339_ms);
		let (start, end) = (
			time(&c["extent"]["temporal"]["interval"][0][0]),
			time(&c["extent"]["temporal"]["interval"][0][1]),
		);
		let in_time = match self.interval {
			None => true,
			Some((from, to)) => {
				from.is_none_or(|f| end.is_none_or(|e| f <= e))
					&& to.is_none_or(|t| start.is_none_or(|s| s <= t))
			},
		};
		let text = [&c["title"], &c["description"]]
			.iter()
			.filter_map(|v| v.as_str())
			.chain(c["keywords"].as_array().into_iter().flatten().filter_map(Value::as_str))
			.collect::<Vec<_>>()
			.join(" ")
			.to_lowercase();
		let words: Vec<&str> =
			text.split(|ch: char| !ch.is_alphanumeric()).filter(|w| !w.is_empty()).collect();
		let has = |term: &str| {
			let wanted: Vec<&str> =
				term.split(|ch: char| !ch.is_alphanumeric()).filter(|w| !w.is_empty()).collect();
			!wanted.is_empty() && words.windows(wanted.len()).any(|w| w == &wanted[..])
		};
		in_space && in_time && (self.terms.is_empty() || self.terms.iter().any(|t| has(t)))
	}
}

/// `GET /collections`: one per department, or those a collection search
/// matches, a page at a time.
pub async fn collections(
	State(state): State<Arc<AppState>>,
	reader: Reader,
	Params(query): Params,
) -> Result<Json<Value>, ApiError> {
	let search = CollectionSearch::parse(&query)?;
	let at = state.node.finalized_head().await?;
	let all = all_collections(&state, at, &reader).await?;
	let matching: Vec<&Value> = all.iter().filter(|c| search.matches(c)).collect();
	let page: Vec<Value> = matching
		.iter()
		.skip(search.offset)
		.take(search.limit)
		.map(|c| (*c).clone())
		.collect();
	let base = &state.settings.public_url;
	let url = format!("{base}/collections");
	let mut links =
		vec![link("root", format!("{base}/"), JSON), link("self", with_query(&url, &query), JSON)];
	if search.offset + page.len() < matching.len() {
		links.push(next_link(&url, &query, search.offset + page.len(), JSON));
	}
	Ok(Json(json!({
		"collections": page,
		"numberMatched": matching.len(),
		"numberReturned": page.len(),
		"links": links,
	})))
}

/// `GET /collections/{id}`.
pub async fn one_collection(
	State(state): State<Arc<AppState>>,
	reader: Reader,
	Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
	department_of(&id)?;
	let at = state.node.finalized_head().await?;
	all_collections(&state, at, &reader)
		.await?
		.iter()
		.find(|c| c["id"] == json!(id))
		.cloned()
		.map(Json)
		.ok_or_else(|| ApiError::not_found(format!("no collection {id:?}")))
}

/// A `limit` from a query string: a positive integer; above the maximum,
/// the maximum (the node clamps to its page size).
pub(crate) fn parse_limit(text: &str) -> Result<u64, ApiError> {
	citychain_stac::query::parse_limit(text).map_err(|e| ApiError::bad_request(e.to_string()))
}

/// A `limit` from a JSON body, as `parse_limit`.
fn body_limit(value: &Value) -> Result<Value, ApiError> {
	match value {
		Value::Number(n) if n.as_u64().is_some_and(|n| n >= 1) => {
			Ok(n.as_u64().unwrap_or(1).min(u32::MAX.into()).into())
		},
		Value::Number(n) if n.as_f64().is_some_and(|f| f >= 1.0 && f.fract() == 0.0) => {
			Ok(u32::MAX.into())
		},
		other => Err(ApiError::bad_request(format!("limit: {other} is not a positive integer"))),
	}
}

/// Where an answer was asked (a search's pages, an aggregation), for its
/// `self` (and a search's `next` and `prev`) links.
pub(crate) enum Page<'a> {
	Get { path: &'a str, query: &'a BTreeMap<String, String> },
	Post { path: &'a str, body: &'a Map<String, Value> },
}

impl Page<'_> {
	/// The link of relation `rel` to this answer at `base` (a page of
	/// another `token`, if one is given), of `media_type`.
	pub(crate) fn link(
		&self,
		base: &str,
		rel: &str,
		token: Option<&str>,
		media_type: &str,
	) -> Value {
		match self {
			Page::Get { path, query } => {
				let mut query = (*query).clone();
				if let Some(token) = token {
					query.insert("token".into(), token.into());
				}
				json!({ "rel": rel, "href": with_query(&format!("{base}{path}"), &query), "type": media_type, "method": "GET" })
			},
			Page::Post { path, body } => {
				let mut body = (*body).clone();
				if let Some(token) = token {
					body.insert("token".into(), token.into());
				}
				json!({ "rel": rel, "href": format!("{base}{path}"), "type": media_type, "method": "POST", "body": body })
			},
		}
	}
}

/// Runs a search with node parameters `params` as `reader` and renders the
/// page with the attributes `fields` asks for.
async fn search(
	state: &AppState,
	params: Map<String, Value>,
	reader: &Reader,
	fields: Option<Fields>,
	page: Page<'_>,
) -> Result<Response, ApiError> {
	// The node answers a first page at the finalized head, and a next (or
	// prev) page at the block its token was made at.
	let base = &state.settings.public_url;
	let mut found = find(state, params, reader, None).await?;
	let features: Vec<Value> = found["features"]
		.as_array_mut()
		.map(std::mem::take)
		.unwrap_or_default()
		.into_iter()
		.map(|f| match &fields {
			Some(fields) => fields.apply(f),
			None => f,
		})
		.collect();
	let mut links = vec![link("root", format!("{base}/"), JSON)];
	links.push(page.link(base, "self", None, GEOJSON));
	for (rel, token) in [("next", &found["token"]), ("prev", &found["prevToken"])] {
		if let Some(token) = token.as_str() {
			links.push(page.link(base, rel, Some(token), GEOJSON));
		}
	}
	Ok(typed(
		json!({
			"type": "FeatureCollection",
			"stac_version": STAC_VERSION,
			"numberReturned": features.len(),
			"features": features,
			"links": links,
		}),
		GEOJSON,
	))
}

/// A GET request's query parameters, bounded before they are decoded
/// (`citychain_stac::query::parse_query`, which the `stac_query` fuzz target
/// exercises); a malformed or overlong query is a 400 in the API's shape.
pub struct Params(pub BTreeMap<String, String>);

impl<S: Send + Sync> FromRequestParts<S> for Params {
	type Rejection = ApiError;

	async fn from_request_parts(
		parts: &mut axum::http::request::Parts,
		_: &S,
	) -> Result<Self, ApiError> {
		citychain_stac::query::parse_query(parts.uri.query().unwrap_or_default())
			.map(Self)
			.map_err(|e| ApiError::bad_request(e.to_string()))
	}
}

/// Node parameters and the fields asked for, from a GET query string.
fn from_query(
	query: &BTreeMap<String, String>,
) -> Result<(Map<String, Value>, Option<Fields>), ApiError> {
	let search = citychain_stac::query::search_params(query)
		.map_err(|e| ApiError::bad_request(e.to_string()))?;
	let fields = search.fields.as_deref().map(Fields::from_query).transpose()?;
	Ok((search.params, fields))
}

/// `GET /search`.
pub async fn search_get(
	State(state): State<Arc<AppState>>,
	reader: Reader,
	Params(query): Params,
) -> Result<Response, ApiError> {
	let (params, fields) = from_query(&query)?;
	search(&state, params, &reader, fields, Page::Get { path: "/search", query: &query }).await
}

/// `POST /search`: the same parameters as a JSON body.
pub async fn search_post(
	State(state): State<Arc<AppState>>,
	reader: Reader,
	body: Result<Json<Value>, JsonRejection>,
) -> Result<Response, ApiError> {
	// A body that is not JSON (or too long) gets the API's error body too.
	let Json(body) = body.map_err(|r| ApiError::new(r.status(), r.body_text()))?;
	let Value::Object(body) = body else {
		return Err(ApiError::bad_request("the search body is not a JSON object"));
	};
	// `fields` says what to leave out, and null says nothing.
	let fields = match body.get("fields") {
		None => None,
		Some(Value::Null) => {
			return Err(ApiError::bad_request(
				"fields: an object with include and exclude lists, not null",
			))
		},
		Some(f) => Some(Fields::from_body(f)?),
	};
	let params = body_params(&body, SEARCH_FIELDS)?;
	search(&state, params, &reader, fields, Page::Post { path: "/search", body: &body }).await
}

/// The node parameters of a POST body whose fields are among `allowed`
/// (`fields` aside, which the gateway applies): clients send unused
/// parameters as null, which says nothing.
pub(crate) fn body_params(
	body: &Map<String, Value>,
	allowed: &[&str],
) -> Result<Map<String, Value>, ApiError> {
	if let Some((other, _)) =
		body.iter().find(|(k, v)| !v.is_null() && !allowed.contains(&k.as_str()))
	{
		return Err(ApiError::bad_request(format!("unsupported parameter {other:?}")));
	}
	let mut params = Map::new();
	for (key, value) in body.iter().filter(|(k, v)| !v.is_null() && *k != "fields") {
		let value = match (key.as_str(), value) {
			("limit", limit) => body_limit(limit)?,
			("bbox", Value::String(_)) => {
				return Err(ApiError::bad_request(
					"bbox: a list of four (or six) numbers, not a string",
				))
			},
			// Some clients send one collection as a string.
			("collections", Value::String(c)) => {
				c.split(',').map(|c| Value::from(c.trim())).collect()
			},
			_ => value.clone(),
		};
		params.insert(key.clone(), value);
	}
	Ok(params)
}

/// The node's STAC search with parameters `params` as `reader`, at the
/// finalized block `at` (default: the finalized head): the
/// ItemCollection, its Items' links absolute.
pub async fn find(
	state: &AppState,
	mut params: Map<String, Value>,
	reader: &Reader,
	at: Option<H256>,
) -> Result<Value, ApiError> {
	params.insert("reader".into(), reader.0.to_string().into());
	params.insert("base".into(), state.settings.public_url.clone().into());
	let params: StacSearchParams = serde_json::from_value(Value::Object(params))
		.map_err(|e| ApiError::bad_request(format!("search parameters: {e}")))?;
	Ok(state.node.stac_search(params, at).await?)
}

/// `GET /collections/{id}/items`: a search within one collection.
pub async fn items(
	State(state): State<Arc<AppState>>,
	reader: Reader,
	Path(id): Path<String>,
	Params(query): Params,
) -> Result<Response, ApiError> {
	department_of(&id)?;
	// Clients may repeat the collection as a parameter; another one is an error.
	if query.get("collections").is_some_and(|c| c != &id) {
		return Err(ApiError::bad_request(format!(
			"the items of {id} are not in another collection"
		)));
	}
	let (mut params, fields) = from_query(&query)?;
	params.insert("collections".into(), json!([id]));
	let path = format!("/collections/{id}/items");
	search(&state, params, &reader, fields, Page::Get { path: &path, query: &query }).await
}

/// What a 404 of item `item` in `collection` says.
fn no_item(collection: &str, item: &str) -> ApiError {
	ApiError::not_found(format!("no item {item:?} in {collection}"))
}

/// The finalized head, the department of `collection` and the dataset id of
/// item `item`.
async fn item_at(
	state: &AppState,
	collection: &str,
	item: &str,
) -> Result<(H256, u32, u64), ApiError> {
	let owner = department_of(collection)?;
	let id = crate::data::dataset_id(item).map_err(|_| no_item(collection, item))?;
	Ok((state.node.finalized_head().await?, owner, id))
}

/// The record of item `item` of `collection` at the finalized head, if the
/// reader may see it (`datasets_get` with the reader): the head, the
/// dataset's id and the record.
async fn visible_record(
	state: &AppState,
	reader: &Reader,
	collection: &str,
	item: &str,
) -> Result<(H256, u64, Dataset), ApiError> {
	let (at, owner, id) = item_at(state, collection, item).await?;
	let record = state.node.dataset(id, Some(at), Some(reader.0.clone())).await?;
	let record = record
		.filter(|d| d.owner == Some(owner))
		.ok_or_else(|| no_item(collection, item))?;
	Ok((at, id, record))
}

/// Item `item` of `collection` at the finalized head, if the reader may see
/// it.
async fn visible_item(
	state: &AppState,
	reader: &Reader,
	collection: &str,
	item: &str,
) -> Result<Value, ApiError> {
	let (at, _, id) = item_at(state, collection, item).await?;
	let params = StacSearchParams {
		ids: Some(IdsParam::List(vec![id.to_string()])),
		collections: Some(vec![collection.to_string()]),
		reader: Some(reader.0.clone()),
		base: Some(state.settings.public_url.clone()),
		..Default::default()
	};
	let mut found = state.node.stac_search(params, Some(at)).await?;
	found["features"]
		.as_array_mut()
		.and_then(|f| f.pop())
		.ok_or_else(|| no_item(collection, item))
}

/// `GET /collections/{collection}/items/{item}`: found if the reader may
/// see it.
pub async fn item(
	State(state): State<Arc<AppState>>,
	reader: Reader,
	Path((collection, item)): Path<(String, String)>,
) -> Result<Response, ApiError> {
	Ok(typed(visible_item(&state, &reader, &collection, &item).await?, GEOJSON))
}

/// `GET /collections/{collection}/items/{item}/record`: the dataset's record
/// on chain (`datasets_get`), to a reader who may see the Item.
pub async fn record(
	State(state): State<Arc<AppState>>,
	reader: Reader,
	Path((collection, item)): Path<(String, String)>,
) -> Result<Json<Dataset>, ApiError> {
	let (_, _, record) = visible_record(&state, &reader, &collection, &item).await?;
	Ok(Json(record))
}

/// `GET /collections/{collection}/items/{item}/policy`: the dataset's
/// access policy as an ODRL 2.2 `Offer` (JSON-LD), to a reader who may see
/// the Item.
pub async fn policy(
	State(state): State<Arc<AppState>>,
	reader: Reader,
	Path((collection, item)): Path<(String, String)>,
) -> Result<Response, ApiError> {
	let (at, id, _) = visible_record(&state, &reader, &collection, &item).await?;
	let params = api::terms::OdrlParams {
		dataset: Some(id),
		contract: None,
		base: state.settings.public_url.clone(),
	};
	let offer = state
		.node
		.odrl(params, Some(at))
		.await?
		.ok_or_else(|| no_item(&collection, &item))?;
	Ok(typed(offer, crate::dcat::JSON_LD))
}

/// An offset into a list from a `token` query parameter (a `next` link's).
fn offset(query: &BTreeMap<String, String>) -> Result<usize, ApiError> {
	query
		.get("token")
		.map(|t| {
			t.parse()
				.map_err(|_| ApiError::bad_request(format!("token: {t:?} is not from a next link")))
		})
		.transpose()
		.map(Option::unwrap_or_default)
}

/// `url` with `query` as its query string, if there is one.
pub(crate) fn with_query(url: &str, query: &BTreeMap<String, String>) -> String {
	match serde_urlencoded::to_string(query).unwrap_or_default() {
		q if q.is_empty() => url.to_string(),
		q => format!("{url}?{q}"),
	}
}

/// A page's `next` link: `url` with the query and the offset `next`.
fn next_link(url: &str, query: &BTreeMap<String, String>, next: usize, media_type: &str) -> Value {
	let mut query = query.clone();
	query.insert("token".into(), next.to_string());
	link("next", with_query(url, &query), media_type)
}

/// The page size of a list of an item's versions or audit entries: `limit`
/// (1 to 100, default 10); `token` is the only other parameter.
fn list_limit(query: &BTreeMap<String, String>) -> Result<u64, ApiError> {
	if let Some(other) = query.keys().find(|k| *k != "limit" && *k != "token") {
		return Err(ApiError::bad_request(format!("unsupported parameter {other:?}")));
	}
	Ok(query
		.get("limit")
		.map(|l| parse_limit(l))
		.transpose()?
		.unwrap_or(10)
		.min(MAX_COLLECTIONS as u64))
}

/// `GET /collections/{collection}/items/{item}/versions`: every version of
/// the dataset the reader may see, newest first, `limit` (1 to 100, default
/// 10) at a time.
pub async fn versions(
	State(state): State<Arc<AppState>>,
	reader: Reader,
	Path((collection, item)): Path<(String, String)>,
	Params(query): Params,
) -> Result<Response, ApiError> {
	let limit = list_limit(&query)? as usize;
	let start = offset(&query)?;
	let (at, _, id) = item_at(&state, &collection, &item).await?;
	// The versions the reader may see (a secret dataset's contract holder
	// may hold a contract on some versions only): counted, paged and linked
	// to among themselves, so that nothing tells of a hidden one.
	let history = state.node.history(id, Some(at), Some(reader.0.clone())).await?;
	if !history.contains(&id) {
		return Err(no_item(&collection, &item));
	}
	let base = &state.settings.public_url;
	let mut visible: Vec<Value> = Vec::new();
	for chunk in history.chunks(MAX_PAGE_SIZE as usize) {
		let params = StacSearchParams {
			ids: Some(IdsParam::List(chunk.iter().map(u64::to_string).collect())),
			collections: Some(vec![collection.clone()]),
			reader: Some(reader.0.clone()),
			base: Some(base.clone()),
			limit: Some(MAX_PAGE_SIZE),
			..Default::default()
		};
		let found = state.node.stac_search(params, Some(at)).await?;
		visible.extend(found["features"].as_array().into_iter().flatten().cloned());
	}
	let id_of = |f: &Value| f["id"].as_str().and_then(|i| i.parse::<u64>().ok()).unwrap_or(0);
	if !visible.iter().any(|f| id_of(f) == id) {
		return Err(no_item(&collection, &item));
	}
	visible.sort_by_key(|f| std::cmp::Reverse(id_of(f)));
	let seen: std::collections::BTreeSet<String> =
		visible.iter().map(|f| id_of(f).to_string()).collect();
	let matched = visible.len();
	let features: Vec<Value> = visible
		.into_iter()
		.skip(start)
		.take(limit)
		.map(|mut f| {
			if let Some(links) = f["links"].as_array_mut() {
				links.retain(|l| {
					let target = serde_json::from_value::<Link>(l.clone()).ok();
					target.as_ref().and_then(version_target).is_none_or(|t| seen.contains(t))
				});
			}
			f
		})
		.collect();
	let url = format!("{base}/collections/{collection}/items/{item}/versions");
	let mut links =
		vec![link("root", format!("{base}/"), JSON), link("self", url.clone(), GEOJSON)];
	if start + limit < matched {
		links.push(next_link(&url, &query, start + limit, GEOJSON));
	}
	Ok(typed(
		json!({ "type": "FeatureCollection", "stac_version": STAC_VERSION, "numberMatched": matched, "numberReturned": features.len(), "features": features, "links": links }),
		GEOJSON,
	))
}

/// `GET /collections/{collection}/items/{item}/audit`: the audit log's
/// entries about the dataset (`audit_entries`), to a reader who may see the
/// Item; `limit` (1 to 100, default 10) and `token` (a `next` link's).
pub async fn audit(
	State(state): State<Arc<AppState>>,
	reader: Reader,
	Path((collection, item)): Path<(String, String)>,
	Params(query): Params,
) -> Result<Json<Value>, ApiError> {
	let limit = list_limit(&query)?;
	let (at, id, _) = visible_record(&state, &reader, &collection, &item).await?;
	let params = EntriesParams {
		subject: Some(Subject::Dataset(id)),
		limit: Some(limit as u32),
		cursor: query
			.contains_key("token")
			.then(|| offset(&query))
			.transpose()?
			.map(|o| o as u64),
		..Default::default()
	};
	let page = state.node.entries(params, Some(at)).await?;
	let url = format!("{}/collections/{collection}/items/{item}/audit", state.settings.public_url);
	let mut links = vec![link("self", url.clone(), JSON)];
	if let Some(next) = page.next {
		links.push(next_link(&url, &query, next as usize, JSON));
	}
	let mut page = json!(page);
	page["links"] = links.into();
	Ok(Json(page))
}

#[cfg(test)]
mod tests {
	use super::*;

	fn query(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
		pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
	}

	#[test]
	fn collection_ids_name_departments() {
		assert_eq!(department_of("department-12").unwrap(), 12);
		for bad in
			["department-", "dept-1", "department-1x", "department-99999999999", "department-../1"]
		{
			assert!(department_of(bad).is_err(), "{bad}");
		}
	}

	#[test]
	fn query_strings_become_node_parameters() {
		let (p, fields) = from_query(&query(&[
			("bbox", "1,2,3,4"),
			("collections", "department-1"),
			("limit", "5"),
		]))
		.unwrap();
		assert_eq!(
			Value::Object(p),
			json!({ "bbox": "1,2,3,4", "collections": ["department-1"], "limit": 5 })
		);
		assert!(fields.is_none());
		assert!(from_query(&query(&[("colour", "x")])).is_err());
		assert_eq!(
			from_query(&query(&[("sortby", "-updated, title")])).unwrap().0["sortby"],
			"-updated, title"
		);
		let point = r#"{"type":"Point","coordinates":[116.4,39.9]}"#;
		assert_eq!(
			from_query(&query(&[("intersects", point)])).unwrap().0["intersects"]["type"],
			"Point"
		);
		assert!(from_query(&query(&[("intersects", "{oops")])).is_err());
		assert!(from_query(&query(&[("fields", "id,-geometry")])).unwrap().1.is_some());
	}

	#[test]
	fn a_limit_above_the_maximum_is_the_maximum_and_a_non_positive_one_is_refused() {
		assert_eq!(
			from_query(&query(&[("limit", "100000000000000000000000")])).unwrap().0["limit"],
			u32::MAX
		);
		for bad in ["0", "-1", "1.5", "ten", ""] {
			let error = from_query(&query(&[("limit", bad)])).unwrap_err();
			assert!(error.message.starts_with("limit:"), "{bad}: {}", error.message);
		}
		assert_eq!(body_limit(&json!(1e30)).unwrap(), u32::MAX);
		assert_eq!(body_limit(&json!(7)).unwrap(), 7);
		for bad in [json!(0), json!(-3), json!(2.5), json!("5"), json!(null)] {
			assert!(body_limit(&bad).is_err(), "{bad}");
		}
	}

	#[test]
	fn collection_search_matches_extent_time_and_words() {
		let c = json!({
			"title": "Transport Bureau", "description": "Datasets of the Transport Bureau", "keywords": ["Operator"],
			"extent": {
				"spatial": { "bbox": [[116.3, 39.8, 116.5, 40.0]] },
				"temporal": { "interval": [["2022-01-01T00:00:00.000Z", "2023-12-31T00:00:00.000Z"]] },
			},
		});
		let matches =
			|pairs: &[(&str, &str)]| CollectionSearch::parse(&query(pairs)).unwrap().matches(&c);
		assert!(matches(&[]));
		assert!(matches(&[("bbox", "116.4,39.9,117,41")]));
		assert!(!matches(&[("bbox", "100,10,110,20")]));
		assert!(matches(&[("bbox", "170,30,117,41")]), "a box across the antimeridian");
		assert!(matches(&[("datetime", "2023-06-01T00:00:00Z/..")]));
		assert!(!matches(&[("datetime", "2024-01-01T00:00:00Z/2024-02-01T00:00:00Z")]));
		assert!(matches(&[("q", "bureau,nothing")]));
		assert!(matches(&[("q", "transport bureau")]));
		assert!(!matches(&[("q", "bureau transport")]));
		assert!(!matches(&[("q", "port")]), "whole words");
		for bad in [
			("bbox", "1,2,3"),
			("datetime", "yesterday"),
			("limit", "0"),
			("token", "x"),
			("colour", "red"),
		] {
			assert!(CollectionSearch::parse(&query(&[bad])).is_err(), "{bad:?}");
		}
	}

	#[test]
	fn a_collection_is_its_department_with_the_extent_a_reader_may_see() {
		use citychain_client::{
			primitives::{DepartmentKind, DepartmentStatus},
			rpc::api::AccountId,
		};
		let department = |id, uri: &str| Department {
			id,
			name: "Transport Bureau".into(),
			kind: DepartmentKind::Transport,
			status: DepartmentStatus::Active,
			delegate: AccountId::new([id as u8; 32]),
			encryption_key: None,
			metadata_uri: uri.into(),
			registered_at: 0,
			members: vec![],
		};
		let extent = Coverage {
			count: 3,
			bbox: Some([116.2, 39.8, 116.5, 40.0]),
			interval: [Some("2024-01-01T00:00:00.000Z".into()), None],
		};
		let c = collection(
			"http://gw",
			&department(1, "https://transport.city.example/about"),
			&extent,
		);
		assert_eq!(c["id"], "department-1");
		assert_eq!(c["providers"][0]["url"], "https://transport.city.example/about");
		assert_eq!(c["keywords"], json!(["Transport"]));
		assert_eq!(c["extent"]["spatial"]["bbox"], json!([[116.2, 39.8, 116.5, 40.0]]));
		assert_eq!(
			c["extent"]["temporal"]["interval"],
			json!([["2024-01-01T00:00:00.000Z", null]])
		);
		assert_eq!(c["citychain:datasets"], 3);
		let none = Coverage::default();
		let bare = collection("http://gw", &department(2, "ipfs://x"), &none);
		assert!(bare["providers"][0].get("url").is_none(), "only a web page is a provider's url");
		assert_eq!(bare["extent"]["spatial"]["bbox"], json!([[-180.0, -90.0, 180.0, 90.0]]));
	}

	#[test]
	fn the_extension_schema_requires_every_citychain_field_but_ongoing() {
		let queryables = json!({ "properties": {
			"title": { "type": "string" },
			"citychain:owner": { "type": "integer" },
			"citychain:ongoing": { "type": "boolean" },
		} });
		let schema = extension("http://gw", &queryables);
		assert_eq!(schema["$id"], format!("http://gw{EXTENSION_PATH}"));
		assert_eq!(schema["properties"]["properties"]["required"], json!(["citychain:owner"]));
		let mut fields: Vec<&String> = schema["properties"]["properties"]["properties"]
			.as_object()
			.unwrap()
			.keys()
			.collect();
		fields.sort_unstable();
		assert_eq!(fields, ["citychain:ongoing", "citychain:owner"]);
	}
}
