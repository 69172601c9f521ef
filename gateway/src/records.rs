//! OGC API – Records – Part 1 (core) over the same records as the STAC API,
//! as its own API under [`PATH`] so that the STAC API's landing page and
//! collections stay STAC: a landing page, its conformance, one collection
//! (`catalogue`, `itemType: record`) and its items as GeoJSON records
//! (`bbox`, `datetime`, `q`, `ids`, `limit`, and `next` links), each
//! record made from the dataset's STAC Item as the node renders it for the
//! request's reader (see the `reader` module): GeoNetwork's OGC API Records
//! harvester and owslib read it.

use crate::{
	error::ApiError,
	reader::Reader,
	stac::{link, typed, with_query, Params},
	AppState,
};
use axum::{
	extract::{Path, State},
	response::Response,
	Json,
};
use citychain_client::rpc::api::{
	datasets::{IdsParam, StacSearchParams},
	DatasetsApiClient,
};
use citychain_stac::links::{GEOJSON, JSON};
use serde_json::{json, Value};
use std::{collections::BTreeMap, sync::Arc};

/// Where the Records API is.
pub const PATH: &str = "/records";
/// Its one collection: every dataset record.
pub const CATALOGUE: &str = "catalogue";
const RECORD_CORE: &str = "http://www.opengis.net/spec/ogcapi-records-1/1.0/req/record-core";
const CONFORMANCE: &[&str] = &[
	"http://www.opengis.net/spec/ogcapi-common-1/1.0/conf/core",
	"http://www.opengis.net/spec/ogcapi-common-2/1.0/conf/collections",
	"http://www.opengis.net/spec/ogcapi-records-1/1.0/conf/core",
	"http://www.opengis.net/spec/ogcapi-records-1/1.0/conf/record-core",
	"http://www.opengis.net/spec/ogcapi-records-1/1.0/conf/record-collection",
	"http://www.opengis.net/spec/ogcapi-records-1/1.0/conf/json",
	"http://www.opengis.net/spec/ogcapi-records-1/1.0/conf/oas30",
	"http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
];
/// The parameters `items` takes.
const ITEMS_FIELDS: &[&str] = &["bbox", "datetime", "q", "ids", "limit", "token"];
/// The ISO 19115 topic categories' scheme (INSPIRE's registry).
const TOPICS: &str = "http://inspire.ec.europa.eu/metadata-codelist/TopicCategory";

/// `GET /records`: the Records API's landing page.
pub async fn landing(State(state): State<Arc<AppState>>) -> Json<Value> {
	let base = format!("{}{PATH}", state.settings.public_url);
	Json(json!({
		"title": "CityChain dataset records",
		"description": "OGC API - Records over the datasets registered on CityChain, as of the latest finalized block: what the request's reader may see.",
		"links": [
			link("self", base.clone(), JSON),
			link("conformance", format!("{base}/conformance"), JSON),
			link("data", format!("{base}/collections"), JSON),
			link("service-desc", format!("{}/api", state.settings.public_url), crate::openapi::OPENAPI),
		],
	}))
}

/// `GET /records/conformance`.
pub async fn conformance() -> Json<Value> {
	Json(json!({ "conformsTo": CONFORMANCE }))
}

/// The catalogue collection.
fn catalogue(base: &str) -> Value {
	let at = format!("{base}{PATH}/collections/{CATALOGUE}");
	json!({
		"id": CATALOGUE,
		"type": "Catalog",
		"itemType": "record",
		"title": "CityChain datasets",
		"description": "Every dataset record of the city's departments that the reader may see.",
		"extent": { "spatial": { "bbox": [[-180.0, -90.0, 180.0, 90.0]] }, "temporal": { "interval": [[null, null]] } },
		"links": [
			link("self", at.clone(), JSON),
			link("items", format!("{at}/items"), GEOJSON),
			link("root", format!("{base}{PATH}"), JSON),
		],
	})
}

/// `GET /records/collections`.
pub async fn collections(State(state): State<Arc<AppState>>) -> Json<Value> {
	let base = &state.settings.public_url;
	Json(json!({
		"collections": [catalogue(base)],
		"links": [link("self", format!("{base}{PATH}/collections"), JSON)],
	}))
}

fn no_collection(id: &str) -> ApiError {
	ApiError::not_found(format!("no collection {id:?} (the records are in {CATALOGUE:?})"))
}

/// `GET /records/collections/{id}`.
pub async fn collection(
	State(state): State<Arc<AppState>>,
	Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
	(id == CATALOGUE)
		.then(|| Json(catalogue(&state.settings.public_url)))
		.ok_or_else(|| no_collection(&id))
}

/// The record of a dataset's STAC Item.
fn record(item: &Value, base: &str) -> Value {
	let p = &item["properties"];
	let id = item["id"].as_str().unwrap_or_default();
	let start = p.get("start_datetime").unwrap_or(&p["datetime"]).clone();
	let end = match (p.get("end_datetime"), p["citychain:ongoing"].as_bool()) {
		(Some(end), _) => end.clone(),
		(None, Some(true)) => "..".into(),
		(None, _) => p["datetime"].clone(),
	};
	let at = format!("{base}{PATH}/collections/{CATALOGUE}/items/{id}");
	let item_url = format!(
		"{base}/collections/{}/items/{id}",
		item["collection"].as_str().unwrap_or_default()
	);
	let mut links = vec![
		link("self", at, GEOJSON),
		link("collection", format!("{base}{PATH}/collections/{CATALOGUE}"), JSON),
		link("alternate", item_url, GEOJSON),
		link(
			"enclosure",
			format!("{base}/data/{id}"),
			item["assets"]["data"]["type"].as_str().unwrap_or("application/octet-stream"),
		),
	];
	links.extend(
		item["links"]
			.as_array()
			.into_iter()
			.flatten()
			.filter(|l| l["rel"] == "license")
			.cloned(),
	);
	let formats: Vec<Value> = item["assets"]["data"]["type"]
		.as_str()
		.map(|t| json!({ "mediaType": t }))
		.into_iter()
		.collect();
	json!({
		"id": id,
		"type": "Feature",
		"conformsTo": [RECORD_CORE],
		"geometry": item["geometry"],
		"time": { "interval": [start, end] },
		"properties": {
			"type": "dataset",
			"title": p["title"],
			"description": p["description"],
			"keywords": p["keywords"],
			"themes": [{ "concepts": [{ "id": p["citychain:topic"] }], "scheme": TOPICS }],
			"created": p["created"],
			"updated": p["updated"],
			"license": p["license"],
			"formats": formats,
			"contacts": [{ "organization": item["collection"], "roles": ["publisher"] }],
			"rights": p["citychain:access_policy"],
		},
		"links": links,
	})
}

/// `GET /records/collections/{id}/items`: records the reader may see,
/// a page at a time.
pub async fn items(
	State(state): State<Arc<AppState>>,
	reader: Reader,
	Path(id): Path<String>,
	Params(query): Params,
) -> Result<Response, ApiError> {
	if id != CATALOGUE {
		return Err(no_collection(&id));
	}
	if let Some(other) = query.keys().find(|k| !ITEMS_FIELDS.contains(&k.as_str())) {
		return Err(ApiError::bad_request(format!("unsupported parameter {other:?}")));
	}
	let search = citychain_stac::query::search_params(&query)
		.map_err(|e| ApiError::bad_request(e.to_string()))?;
	let mut params = search.params;
	params.insert("reader".into(), reader.0.to_string().into());
	let base = &state.settings.public_url;
	params.insert("base".into(), base.clone().into());
	let params: StacSearchParams = serde_json::from_value(Value::Object(params))
		.map_err(|e| ApiError::bad_request(format!("search parameters: {e}")))?;
	let found = state.node.stac_search(params, None).await?;
	let records: Vec<Value> = found["features"]
		.as_array()
		.into_iter()
		.flatten()
		.map(|i| record(i, base))
		.collect();
	let url = format!("{base}{PATH}/collections/{CATALOGUE}/items");
	let mut links = vec![link("self", with_query(&url, &query), GEOJSON)];
	if let Some(token) = found["token"].as_str() {
		let mut next: BTreeMap<String, String> = query.clone();
		next.insert("token".into(), token.into());
		links.push(link("next", with_query(&url, &next), GEOJSON));
	}
	Ok(typed(
		json!({ "type": "FeatureCollection", "numberReturned": records.len(), "features": records, "links": links }),
		GEOJSON,
	))
}

/// `GET /records/collections/{id}/items/{item}`: if the reader may see it.
pub async fn item(
	State(state): State<Arc<AppState>>,
	reader: Reader,
	Path((id, item)): Path<(String, String)>,
) -> Result<Response, ApiError> {
	if id != CATALOGUE {
		return Err(no_collection(&id));
	}
	let dataset = crate::data::dataset_id(&item)
		.map_err(|_| ApiError::not_found(format!("no record {item:?}")))?;
	let base = &state.settings.public_url;
	let params = StacSearchParams {
		ids: Some(IdsParam::List(vec![dataset.to_string()])),
		reader: Some(reader.0.clone()),
		base: Some(base.clone()),
		..Default::default()
	};
	let found = state.node.stac_search(params, None).await?;
	let item = found["features"]
		.get(0)
		.ok_or_else(|| ApiError::not_found(format!("no record {item:?}")))?;
	Ok(typed(record(item, base), GEOJSON))
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn a_record_carries_the_items_extent_time_theme_and_links_to_the_item_and_the_data() {
		let item = json!({
			"id": "7", "collection": "department-1",
			"geometry": { "type": "Point", "coordinates": [116.4, 39.9] },
			"properties": { "title": "Traffic", "datetime": "2024-01-01T00:00:00.000Z", "citychain:ongoing": true, "citychain:topic": "transportation", "license": "CC-BY-4.0" },
			"assets": { "data": { "type": "text/csv" } },
			"links": [{ "rel": "license", "href": "https://spdx.org/licenses/CC-BY-4.0.html" }, { "rel": "root", "href": "x" }],
		});
		let r = record(&item, "http://gw");
		assert_eq!(r["time"]["interval"], json!(["2024-01-01T00:00:00.000Z", ".."]));
		assert_eq!(r["geometry"]["type"], "Point");
		assert_eq!(r["properties"]["type"], "dataset");
		assert_eq!(r["properties"]["themes"][0]["concepts"][0]["id"], "transportation");
		assert_eq!(r["properties"]["formats"], json!([{ "mediaType": "text/csv" }]));
		let rels: Vec<&str> = r["links"]
			.as_array()
			.unwrap()
			.iter()
			.map(|l| l["rel"].as_str().unwrap())
			.collect();
		assert_eq!(rels, ["self", "collection", "alternate", "enclosure", "license"]);
		assert_eq!(r["links"][0]["href"], "http://gw/records/collections/catalogue/items/7");
		assert_eq!(r["links"][2]["href"], "http://gw/collections/department-1/items/7");
		assert_eq!(r["links"][3]["href"], "http://gw/data/7");
	}
}
