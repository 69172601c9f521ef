//! The STAC API Aggregation extension: `/aggregate` (GET and POST) counts
//! what the same parameters of `/search` match, by department, topic,
//! policy, licence, year and a grid of the footprints' centres (for a map's
//! heat view), and `/aggregations` lists what may be asked; both also under
//! `/collections/{id}/`. The node's `datasets_aggregate` counts from its
//! search index only what the request's reader may see (see the `reader`
//! module), exactly as its searches would return them.

use crate::{
	error::ApiError,
	reader::Reader,
	stac::{body_params, department_of, link, Page, Params},
	AppState,
};
use axum::{
	extract::{rejection::JsonRejection, Path, State},
	Json,
};
use citychain_client::rpc::api::{
	datasets::{StacSearchParams, AGGREGATIONS},
	DatasetsApiClient,
};
use citychain_stac::{
	links::JSON,
	query::{aggregate_params, AGGREGATE_FIELDS},
};
use serde_json::{json, Map, Value};
use std::{collections::BTreeMap, sync::Arc};

/// The extension's conformance class.
pub const CONFORMANCE: &str = "https://api.stacspec.org/v0.3.0/aggregation";
/// Its filter extension's: `/aggregate` takes CQL2 filters.
pub const FILTER_CONFORMANCE: &str = "https://api.stacspec.org/v0.3.0/aggregation#filter";

/// The links of a catalogue or collection at `base` (ending in `/`) to its
/// `aggregate` (GET and POST, with the aggregations it answers) and
/// `aggregations` endpoints.
pub fn links(base: &str) -> Vec<Value> {
	let names: Vec<&str> = AGGREGATIONS.iter().map(|(n, _)| *n).collect();
	let aggregate = |method: &str| json!({ "rel": "aggregate", "href": format!("{base}aggregate"), "type": JSON, "method": method, "aggregations": names });
	vec![
		aggregate("GET"),
		aggregate("POST"),
		link("aggregations", format!("{base}aggregations"), JSON),
	]
}

/// `GET /aggregations` and `GET /collections/{id}/aggregations`: what
/// `aggregate` may be asked for, every one in every collection.
async fn aggregations_at(url: String, base: &str) -> Json<Value> {
	let aggregations: Vec<Value> = AGGREGATIONS
		.iter()
		.map(|(name, data_type)| json!({ "name": name, "data_type": data_type }))
		.collect();
	Json(json!({
		"type": "AggregationCollection",
		"aggregations": aggregations,
		"links": [link("root", format!("{base}/"), JSON), link("self", url, JSON)],
	}))
}

/// `GET /aggregations`.
pub async fn aggregations(State(state): State<Arc<AppState>>) -> Json<Value> {
	let base = &state.settings.public_url;
	aggregations_at(format!("{base}/aggregations"), base).await
}

/// `GET /collections/{id}/aggregations`.
pub async fn collection_aggregations(
	State(state): State<Arc<AppState>>,
	Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
	department_of(&id)?;
	let base = &state.settings.public_url;
	Ok(aggregations_at(format!("{base}/collections/{id}/aggregations"), base).await)
}

/// Counts what node parameters `params` match, of what `reader` may see,
/// within `collection` if one is named.
async fn aggregate(
	state: &AppState,
	mut params: Map<String, Value>,
	reader: &Reader,
	collection: Option<&str>,
	asked: Page<'_>,
) -> Result<Json<Value>, ApiError> {
	if let Some(collection) = collection {
		department_of(collection)?;
		if params.get("collections").is_some_and(|c| c != &json!([collection])) {
			return Err(ApiError::bad_request(format!(
				"the items of {collection} are not in another collection"
			)));
		}
		params.insert("collections".into(), json!([collection]));
	}
	params.insert("reader".into(), reader.0.to_string().into());
	let params: StacSearchParams = serde_json::from_value(Value::Object(params))
		.map_err(|e| ApiError::bad_request(format!("aggregation parameters: {e}")))?;
	let counted = state.node.aggregate(params, None).await?;
	let base = &state.settings.public_url;
	let this = asked.link(base, "self", None, JSON);
	Ok(Json(json!({
		"type": "AggregationCollection",
		"aggregations": counted.aggregations,
		"links": [link("root", format!("{base}/"), JSON), this],
	})))
}

/// The node parameters of a GET aggregation's query.
fn from_query(query: &BTreeMap<String, String>) -> Result<Map<String, Value>, ApiError> {
	aggregate_params(query).map_err(|e| ApiError::bad_request(e.to_string()))
}

/// The node parameters of a POST aggregation's body.
fn from_body(body: Result<Json<Value>, JsonRejection>) -> Result<Map<String, Value>, ApiError> {
	let Json(body) = body.map_err(|r| ApiError::new(r.status(), r.body_text()))?;
	let Value::Object(body) = body else {
		return Err(ApiError::bad_request("the aggregation body is not a JSON object"));
	};
	Ok(body)
}

/// `GET /aggregate`.
pub async fn aggregate_get(
	State(state): State<Arc<AppState>>,
	reader: Reader,
	Params(query): Params,
) -> Result<Json<Value>, ApiError> {
	let params = from_query(&query)?;
	aggregate(&state, params, &reader, None, Page::Get { path: "/aggregate", query: &query }).await
}

/// `POST /aggregate`: the same parameters as a JSON body.
pub async fn aggregate_post(
	State(state): State<Arc<AppState>>,
	reader: Reader,
	body: Result<Json<Value>, JsonRejection>,
) -> Result<Json<Value>, ApiError> {
	let body = from_body(body)?;
	let params = body_params(&body, AGGREGATE_FIELDS)?;
	aggregate(&state, params, &reader, None, Page::Post { path: "/aggregate", body: &body }).await
}

/// `GET /collections/{id}/aggregate`.
pub async fn collection_aggregate_get(
	State(state): State<Arc<AppState>>,
	reader: Reader,
	Path(id): Path<String>,
	Params(query): Params,
) -> Result<Json<Value>, ApiError> {
	let params = from_query(&query)?;
	let path = format!("/collections/{id}/aggregate");
	aggregate(&state, params, &reader, Some(&id), Page::Get { path: &path, query: &query }).await
}

/// `POST /collections/{id}/aggregate`.
pub async fn collection_aggregate_post(
	State(state): State<Arc<AppState>>,
	reader: Reader,
	Path(id): Path<String>,
	body: Result<Json<Value>, JsonRejection>,
) -> Result<Json<Value>, ApiError> {
	let body = from_body(body)?;
	let params = body_params(&body, AGGREGATE_FIELDS)?;
	let path = format!("/collections/{id}/aggregate");
	aggregate(&state, params, &reader, Some(&id), Page::Post { path: &path, body: &body }).await
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn a_catalogue_links_its_aggregate_endpoint_by_both_methods_with_every_aggregation() {
		let links = links("http://gw/collections/department-1/");
		assert_eq!(links.len(), 3);
		assert_eq!(links[0]["href"], "http://gw/collections/department-1/aggregate");
		assert_eq!(
			(links[0]["method"].as_str(), links[1]["method"].as_str()),
			(Some("GET"), Some("POST"))
		);
		assert_eq!(links[0]["aggregations"].as_array().unwrap().len(), AGGREGATIONS.len());
		assert_eq!(links[2]["rel"], "aggregations");
	}
}
