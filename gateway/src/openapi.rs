//! The API's description: `/api`, an OpenAPI 3.0 document of every route
//! (the landing page's `service-desc`), and `/api.html`, the same as a page
//! for people (its `service-doc`).

use crate::AppState;
use axum::{
	extract::State,
	http::{header, HeaderValue},
	response::{Html, IntoResponse, Response},
	Json,
};
use serde_json::{json, Value};
use std::sync::Arc;

/// The media type of an OpenAPI 3.0 document in JSON.
pub const OPENAPI: &str = "application/vnd.oai.openapi+json;version=3.0";

fn parameter(name: &str, location: &str, description: &str, schema: Value) -> Value {
	json!({ "name": name, "in": location, "description": description, "required": location == "path", "schema": schema })
}

fn reference(name: &str) -> Value {
	json!({ "$ref": format!("#/components/parameters/{name}") })
}

fn answer(description: &str, media: &str) -> Value {
	json!({ "description": description, "content": { media: { "schema": { "type": "object" } } } })
}

fn errors() -> Value {
	json!({ "description": "Bad parameters (400), no such resource (404), or the node unavailable (502, 503)", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Error" } } } })
}

fn get(summary: &str, parameters: Vec<Value>, media: &str) -> Value {
	json!({ "get": {
		"summary": summary,
		"parameters": parameters,
		"responses": { "200": answer(summary, media), "default": errors() },
	} })
}

/// The `part` query of the uploads in parts: the encryption, or (without
/// it) the registered file.
fn parts_target() -> Value {
	parameter(
		"part",
		"query",
		"encrypted: the dataset's one encryption; without it, the registered file",
		json!({ "type": "string", "enum": ["encrypted"] }),
	)
}

/// Item search's parameters in a query string: those the gateway takes.
fn search_parameters() -> Vec<Value> {
	citychain_stac::query::SEARCH_FIELDS.iter().map(|p| reference(p)).collect()
}

/// The OpenAPI document of the gateway at `base` (its public URL).
pub fn document(base: &str) -> Value {
	let collection_id = parameter(
		"collectionId",
		"path",
		"A department's collection: department-<id>",
		json!({ "type": "string", "pattern": "^department-[0-9]+$" }),
	);
	let string = json!({ "type": "string" });
	let decimal = json!({ "type": "string", "pattern": "^[0-9]+$" });
	let feature_id = parameter("featureId", "path", "The dataset's id", decimal.clone());
	let geojson = "application/geo+json";
	let json_type = "application/json";
	let mut items = get(
		"The collection's datasets as Items (item search within it)",
		search_parameters(),
		geojson,
	);
	items["get"]["parameters"]
		.as_array_mut()
		.expect("a list")
		.insert(0, collection_id.clone());
	// The presigned links (see the `presigned` module), apart: one json! of
	// every path would pass the macro's recursion limit.
	let presign = json!({
		"post": {
			"summary": "A link to the dataset's plain file for tools that cannot sign requests (GDAL's /vsicurl/, rasterio, pyogrio, QGIS), scoped to the signer, the dataset, its contract and an expiry; signed and decided like GET /data/{dataset}; 409 for an encrypted delivery",
			"security": [{ "CityChainSignature": [] }],
			"parameters": [
				parameter("dataset", "path", "The dataset's id", decimal.clone()),
				parameter("minutes", "query", "The link's life, 1 to 60 minutes (default 15)", json!({ "type": "integer", "minimum": 1, "maximum": 60 })),
			],
			"responses": {
				"200": { "description": "The link", "content": { "application/json": { "schema": { "type": "object", "required": ["href", "expires", "dataset", "basis"], "properties": { "href": { "type": "string" }, "expires": { "type": "string", "format": "date-time" }, "dataset": { "type": "integer" }, "contract": { "type": "integer", "nullable": true }, "basis": { "type": "string" } } } } } },
				"default": errors(),
			},
		},
	});
	let presigned = json!({
		"get": {
			"summary": "The file (with range requests) to whoever holds a link from /data/{dataset}/presign, until it expires or the chain stops granting it; no header",
			"parameters": [
				parameter("dataset", "path", "The dataset's id", decimal.clone()),
				parameter("account", "query", "The account the link was issued to (SS58)", json!({ "type": "string" })),
				parameter("contract", "query", "The contract it was issued under, if any", json!({ "type": "string", "pattern": "^[0-9]{1,20}$" })),
				parameter("expires", "query", "Its expiry, Unix seconds", json!({ "type": "string", "pattern": "^[0-9]{1,20}$" })),
				parameter("signature", "query", "The gateway's keyed BLAKE3 MAC of the link (64 hex digits)", json!({ "type": "string" })),
				parameter("Range", "header", "One range of bytes (RFC 9110)", json!({ "type": "string" })),
			],
			"responses": {
				"200": { "description": "The file", "content": { "application/octet-stream": { "schema": { "type": "string", "format": "binary" } } } },
				"206": { "description": "The range asked", "content": { "application/octet-stream": { "schema": { "type": "string", "format": "binary" } } } },
				"default": errors(),
			},
		},
	});
	let (events, subscriptions) = feed_paths();
	let mut document = json!({
		"openapi": "3.0.3",
		"info": {
			"title": "CityChain data gateway",
			"version": env!("CARGO_PKG_VERSION"),
			"description": "A STAC API over the datasets registered on CityChain, as of the latest finalized block, and a department's data files under approved access contracts, and a feed of the chain's events with saved searches and webhooks (docs/feed.md). Anonymous readers see public datasets; requests signed by a member's account, or carrying a read token minted from it, see what the account may see (docs/exchange.md).",
		},
		"servers": [{ "url": base }],
		"paths": {
			"/": get("Landing page", vec![], json_type),
			"/api": get("This document", vec![], OPENAPI),
			"/api.html": get("This document for people", vec![], "text/html"),
			"/conformance": get("Conformance classes implemented", vec![], json_type),
			"/queryables": get("Properties a CQL2 filter may name, as JSON Schema", vec![], "application/schema+json"),
			"/functions": get("Functions a CQL2 filter may call beside CQL2's own: citychain:outcome(department, purpose[, days]), what a dataset's access rules decide for that request now", vec![], json_type),
			"/collections": get("Collections (one per department) with the extent of what the reader may see; collection search", vec![reference("bbox"), reference("datetime"), reference("q"), reference("limit"), reference("token")], json_type),
			"/collections/{collectionId}": get("One collection", vec![collection_id.clone()], json_type),
			"/collections/{collectionId}/queryables": get("Properties a CQL2 filter on the collection's items may name", vec![collection_id.clone()], "application/schema+json"),
			"/collections/{collectionId}/items": items,
			"/collections/{collectionId}/items/{featureId}": get("One Item", vec![collection_id.clone(), feature_id.clone()], geojson),
			"/collections/{collectionId}/items/{featureId}/record": get("The dataset's record on chain", vec![collection_id.clone(), feature_id.clone()], json_type),
			"/collections/{collectionId}/items/{featureId}/policy": get("The dataset's access policy as an ODRL 2.2 Offer (JSON-LD)", vec![collection_id.clone(), feature_id.clone()], crate::dcat::JSON_LD),
			"/collections/{collectionId}/items/{featureId}/versions": get("Every version the reader may see, newest first", vec![collection_id.clone(), feature_id.clone(), reference("limit"), reference("token")], geojson),
			"/collections/{collectionId}/items/{featureId}/audit": get("The audit log's entries about the dataset", vec![collection_id.clone(), feature_id, reference("limit"), reference("token")], json_type),
			"/search": {
				"get": {
					"summary": "Item search",
					"parameters": search_parameters(),
					"responses": { "200": answer("An ItemCollection", geojson), "default": errors() },
				},
				"post": {
					"summary": "Item search with a JSON body",
					"requestBody": { "required": true, "content": { json_type: { "schema": { "$ref": "#/components/schemas/Search" } } } },
					"responses": { "200": answer("An ItemCollection", geojson), "default": errors() },
				},
			},
			"/extensions/citychain/v1.0.0/schema.json": get("JSON Schema of the citychain:* fields of Items", vec![], "application/schema+json"),
			"/data/{dataset}": {
				"get": {
					"summary": "A dataset's file, to a signed request under an approved contract (range requests supported)",
					"security": [{ "CityChainSignature": [] }],
					"parameters": [parameter("dataset", "path", "The dataset's id", decimal.clone()), parameter("Range", "header", "Bytes wanted", string)],
					"responses": {
						"200": { "description": "The file", "content": { "application/octet-stream": { "schema": { "type": "string", "format": "binary" } } } },
						"206": { "description": "Part of the file", "content": { "application/octet-stream": { "schema": { "type": "string", "format": "binary" } } } },
						"default": errors(),
					},
				},
				"put": {
					"summary": "Stores the dataset's file (a Publisher of the owner; its size and hash must be the record's), or with ?part=encrypted its one encryption, with ?part=key that encryption's data key sealed to the owner's encryption key (a Publisher or Approver of the owner)",
					"security": [{ "CityChainSignature": [] }],
					"parameters": [parameter("dataset", "path", "The dataset's id", decimal.clone()), parameter("part", "query", "What the body is, if not the registered file", json!({ "type": "string", "enum": ["encrypted", "key"] }))],
					"requestBody": { "required": true, "content": { "application/octet-stream": { "schema": { "type": "string", "format": "binary" } } } },
					"responses": {
						"201": { "description": "Stored", "content": { "application/json": { "schema": { "type": "object" } } } },
						"default": errors(),
					},
				},
			},
			"/data/{dataset}/key": {
				"get": {
					"summary": "The dataset's data key sealed to its owner's encryption key, to the owner's Publishers and Approvers",
					"security": [{ "CityChainSignature": [] }],
					"parameters": [parameter("dataset", "path", "The dataset's id", decimal.clone())],
					"responses": {
						"200": { "description": "The key envelope (80 bytes)", "content": { "application/octet-stream": { "schema": { "type": "string", "format": "binary" } } } },
						"204": { "description": "The dataset has no encryption at this gateway yet" },
						"default": errors(),
					},
				},
			},
			"/data/{dataset}/parts": {
				"get": {
					"summary": "The parts of an upload in parts the gateway keeps, so that a client sends only the others: the object's size, the part size (8 MiB; every part but the last has it), the number of parts and the numbers received (signed; a Publisher of the owner, or with ?part=encrypted a Publisher or Approver)",
					"security": [{ "CityChainSignature": [] }],
					"parameters": [parameter("dataset", "path", "The dataset's id", decimal.clone()), parts_target()],
					"responses": {
						"200": { "description": "{dataset, object, size, partSize, parts, received: [n, …]}", "content": { "application/json": { "schema": { "type": "object" } } } },
						"default": errors(),
					},
				},
				"delete": {
					"summary": "Gives an upload in parts up: removes the parts kept (signed, as the listing)",
					"security": [{ "CityChainSignature": [] }],
					"parameters": [parameter("dataset", "path", "The dataset's id", decimal.clone()), parts_target()],
					"responses": { "204": { "description": "The parts are removed" }, "default": errors() },
				},
			},
			"/data/{dataset}/parts/{n}": {
				"put": {
					"summary": "Stores part n (from 0) of the dataset's file, or with ?part=encrypted of its encryption (beside its key envelope): bytes n × 8 MiB up to the next part or the end, with a Content-Length of exactly that; a part sent again replaces the one kept. Authorized as PUT /data/{dataset}",
					"security": [{ "CityChainSignature": [] }],
					"parameters": [
						parameter("dataset", "path", "The dataset's id", decimal.clone()),
						parameter("n", "path", "The part's number, from 0 to the number of parts less one", json!({ "type": "string", "pattern": "^[0-9]{1,20}$" })),
						parts_target(),
					],
					"requestBody": { "required": true, "content": { "application/octet-stream": { "schema": { "type": "string", "format": "binary" } } } },
					"responses": {
						"201": { "description": "Stored: {dataset, object, part, start, size}", "content": { "application/json": { "schema": { "type": "object" } } } },
						"default": errors(),
					},
				},
			},
			"/data/{dataset}/parts/complete": {
				"post": {
					"summary": "Assembles the parts into the dataset's file (or its encryption), checked as PUT /data/{dataset} checks it, and removes them; 409 names the parts missing; a file the record refuses (400) leaves the stored one as it was and removes the parts",
					"security": [{ "CityChainSignature": [] }],
					"parameters": [parameter("dataset", "path", "The dataset's id", decimal.clone()), parts_target()],
					"responses": {
						"201": { "description": "Stored: {dataset, object, size, parts}", "content": { "application/json": { "schema": { "type": "object" } } } },
						"default": errors(),
					},
				},
			},
			"/data/{dataset}/verified": {
				"get": {
					"summary": "Bytes start..end of a blake3 dataset's file, widened to whole 16 KiB chunk groups, with the BLAKE3 hashes that prove each group against the digest on chain (bao-tree's range encoding); signed and decided like GET /data/{dataset}",
					"security": [{ "CityChainSignature": [] }],
					"parameters": [
						parameter("dataset", "path", "The dataset's id", decimal.clone()),
						parameter("start", "query", "First byte wanted (default 0)", json!({ "type": "string", "pattern": "^[0-9]{1,20}$" })),
						parameter("end", "query", "Byte after the last wanted (default: the end of the file)", json!({ "type": "string", "pattern": "^[0-9]{1,20}$" })),
					],
					"responses": {
						"200": { "description": "The chunk groups with their proof", "content": { "application/octet-stream": { "schema": { "type": "string", "format": "binary" } } } },
						"default": errors(),
					},
				},
			},
			"/data/{dataset}/presign": presign,
			"/data/{dataset}/presigned": presigned,
			"/explorer/config.json": get("The portal's settings: this gateway's URL, its relay's WebSocket URL, the base map tiles (never the node's URL)", vec![], json_type),
			"/rpc": {
				"get": {
					"summary": "A WebSocket relayed to the node's JSON-RPC, for members of active departments: one request per frame, the methods a portal needs, every search bound to the member as its reader",
					"parameters": [parameter("auth", "query", "A CityChain Authorization value signed over GET /rpc (a WebSocket cannot carry headers)", json!({ "type": "string" }))],
					"responses": {
						"101": { "description": "Switching to the WebSocket" },
						"default": errors(),
					},
				},
			},
			"/health": get("The node connection and its finalized block", vec![], json_type),
		},
		"components": {
			"securitySchemes": {
				"CityChainSignature": { "type": "apiKey", "in": "header", "name": "Authorization", "description": "CityChain account=<SS58>, time=<ms>, nonce=<32 hex>, signature=<128 hex>: sr25519 over the gateway URL, method, path and query, time and nonce" },
				"ReadToken": { "type": "http", "scheme": "bearer", "description": "<account>.<expiry ms>.<signature>: minted with `citychain token`" },
			},
			"parameters": {
				"bbox": parameter("bbox", "query", "west,south,east,north in degrees (west > east crosses the antimeridian)", json!({ "type": "string" })),
				"intersects": parameter("intersects", "query", "A GeoJSON geometry the footprints intersect", json!({ "type": "string" })),
				"datetime": parameter("datetime", "query", "An RFC 3339 instant or interval (open ends as ..)", json!({ "type": "string" })),
				"ids": parameter("ids", "query", "Item ids, comma-separated", json!({ "type": "string" })),
				"collections": parameter("collections", "query", "Collection ids, comma-separated", json!({ "type": "string" })),
				"limit": parameter("limit", "query", "Items per page; above the maximum, the maximum", json!({ "type": "integer", "minimum": 1 })),
				"token": parameter("token", "query", "Continues a search (from a next link)", json!({ "type": "string" })),
				"sortby": parameter("sortby", "query", "Sort keys, e.g. -updated,+title", json!({ "type": "string" })),
				"fields": parameter("fields", "query", "Attributes to include, or with - exclude, e.g. id,properties.title,-geometry", json!({ "type": "string" })),
				"filter": parameter("filter", "query", "A CQL2 filter on the queryables", json!({ "type": "string" })),
				"filter-lang": parameter("filter-lang", "query", "cql2-text or cql2-json", json!({ "type": "string", "enum": ["cql2-text", "cql2-json"] })),
				"filter-crs": parameter("filter-crs", "query", "The CRS of the filter's geometries", json!({ "type": "string" })),
				"q": parameter("q", "query", "Free text: words or phrases, comma-separated", json!({ "type": "string" })),
			},
			"schemas": {
				"Error": { "type": "object", "required": ["code", "description"], "properties": { "code": { "type": "string", "description": "The HTTP status's name: BadRequest, NotFound, …" }, "description": { "type": "string" } } },
				"Search": {
					"type": "object",
					"properties": {
						"bbox": { "type": "array", "items": { "type": "number" }, "minItems": 4, "maxItems": 4 },
						"intersects": { "type": "object" },
						"datetime": { "type": "string" },
						"ids": { "type": "array", "items": { "type": "string" } },
						"collections": { "type": "array", "items": { "type": "string" } },
						"limit": { "type": "integer", "minimum": 1 },
						"token": { "type": "string" },
						"sortby": { "type": "array", "items": { "type": "object", "properties": { "field": { "type": "string" }, "direction": { "type": "string", "enum": ["asc", "desc"] } } } },
						"fields": { "type": "object", "properties": { "include": { "type": "array", "items": { "type": "string" } }, "exclude": { "type": "array", "items": { "type": "string" } } } },
						"filter": { "oneOf": [{ "type": "string" }, { "type": "object" }] },
						"filter-lang": { "type": "string", "enum": ["cql2-text", "cql2-json"] },
						"filter-crs": { "type": "string" },
						"q": { "oneOf": [{ "type": "string" }, { "type": "array", "items": { "type": "string" } }] },
					},
				},
			},
		},
		"security": [{}, { "CityChainSignature": [] }, { "ReadToken": [] }],
	});
	let paths = document["paths"].as_object_mut().expect("paths");
	paths.extend(harvesting(&collection_id));
	paths.extend(events.as_object().expect("an object").clone());
	paths.extend(subscriptions.as_object().expect("an object").clone());
	let parameters = document["components"]["parameters"].as_object_mut().expect("parameters");
	parameters.extend([
		(
			"aggregations".to_string(),
			parameter(
				"aggregations",
				"query",
				"The aggregations to count, comma-separated (default: all; see /aggregations)",
				json!({ "type": "string" }),
			),
		),
		(
			"centroid_geohash_grid_frequency_precision".to_string(),
			parameter(
				"centroid_geohash_grid_frequency_precision",
				"query",
				"Geohash length of centroid_geohash_grid_frequency, 1 to 6 (default 1)",
				json!({ "type": "integer", "minimum": 1, "maximum": 6 }),
			),
		),
		(
			"centroid_geotile_grid_frequency_precision".to_string(),
			parameter(
				"centroid_geotile_grid_frequency_precision",
				"query",
				"Zoom of centroid_geotile_grid_frequency, 0 to 14 (default 0)",
				json!({ "type": "integer", "minimum": 0, "maximum": 14 }),
			),
		),
	]);
	document
}

/// The aggregations, the DCAT-AP catalogue, the OGC API Records and the
/// export (apart: one json! of every path would pass the macro's recursion
/// limit).
fn harvesting(collection_id: &Value) -> serde_json::Map<String, Value> {
	let json_type = "application/json";
	let geojson = "application/geo+json";
	let aggregate_parameters: Vec<Value> =
		citychain_stac::query::AGGREGATE_FIELDS.iter().map(|p| reference(p)).collect();
	let mut in_collection = aggregate_parameters.clone();
	in_collection.insert(0, collection_id.clone());
	// The query's parameters (GET), and the path's (both methods).
	let aggregate = |parameters: Vec<Value>, path: Vec<Value>| {
		json!({
			"get": { "summary": "STAC API aggregation: counts of what /search would return to the reader, by department, topic, policy, licence, year and a geohash or geotile grid", "parameters": parameters, "responses": { "200": answer("An AggregationCollection", json_type), "default": errors() } },
			"post": { "summary": "The same with a JSON body", "parameters": path, "requestBody": { "required": true, "content": { json_type: { "schema": { "type": "object" } } } }, "responses": { "200": answer("An AggregationCollection", json_type), "default": errors() } },
		})
	};
	// A page of the DCAT-AP catalogue: JSON-LD (expanded: an array of
	// nodes) and/or Turtle.
	let catalogue_page = |summary: &str, media: &[&str]| {
		let content: serde_json::Map<String, Value> = media
			.iter()
			.map(|m| {
				let schema = match *m {
					crate::dcat::JSON_LD => {
						json!({ "type": "array", "items": { "type": "object" } })
					},
					_ => json!({ "type": "string" }),
				};
				(m.to_string(), json!({ "schema": schema }))
			})
			.collect();
		json!({ "get": {
			"summary": summary,
			"parameters": [parameter("page", "query", "A page token from hydra:nextPage", json!({ "type": "string" })), reference("limit")],
			"responses": { "200": { "description": summary, "content": content }, "default": errors() },
		} })
	};
	let record_id = parameter(
		"recordId",
		"path",
		"The dataset's id",
		json!({ "type": "string", "pattern": "^[0-9]+$" }),
	);
	let catalogue = parameter(
		"catalogueId",
		"path",
		"The records' collection: catalogue",
		json!({ "type": "string", "enum": ["catalogue"] }),
	);
	[
		("/aggregate", aggregate(aggregate_parameters, vec![])),
		("/aggregations", get("The aggregations /aggregate counts", vec![], json_type)),
		("/collections/{collectionId}/aggregate", aggregate(in_collection, vec![collection_id.clone()])),
		("/collections/{collectionId}/aggregations", get("The aggregations of a collection", vec![collection_id.clone()], json_type)),
		("/catalog", catalogue_page("The public catalogue as DCAT-AP 3: JSON-LD, or Turtle for Accept: text/turtle; paged (hydra:PagedCollection)", &[crate::dcat::JSON_LD, crate::dcat::TURTLE])),
		("/catalog.jsonld", catalogue_page("The public catalogue as DCAT-AP 3 in JSON-LD", &[crate::dcat::JSON_LD])),
		("/catalog.ttl", catalogue_page("The public catalogue as DCAT-AP 3 in Turtle", &[crate::dcat::TURTLE])),
		("/records", get("OGC API - Records: landing page", vec![], json_type)),
		("/records/conformance", get("OGC API - Records: conformance classes", vec![], json_type)),
		("/records/collections", get("OGC API - Records: the catalogue collection", vec![], json_type)),
		("/records/collections/{catalogueId}", get("OGC API - Records: the catalogue (itemType record)", vec![catalogue.clone()], json_type)),
		("/records/collections/{catalogueId}/items", get("OGC API - Records: the records the reader may see", vec![catalogue.clone(), reference("bbox"), reference("datetime"), reference("q"), reference("ids"), reference("limit"), reference("token")], geojson)),
		("/records/collections/{catalogueId}/items/{recordId}", get("OGC API - Records: one record", vec![catalogue, record_id], geojson)),
		("/export", json!({ "get": {
			"summary": "The catalogue the signer may see as stac-geoparquet, streamed a row group a page; members of active departments, signed as for /data, at most --export-rate a minute",
			"security": [{ "CityChainSignature": [] }],
			"responses": { "200": { "description": "A Parquet file", "content": { crate::export::PARQUET: { "schema": { "type": "string", "format": "binary" } } } }, "default": errors() },
		} })),
	]
	.into_iter()
	.map(|(path, item)| (path.to_string(), item))
	.collect()
}

/// The feed's paths (see the `feed` module and docs/feed.md): the events,
/// and the subscriptions. Apart, for the `json!` macro's recursion limit.
fn feed_paths() -> (Value, Value) {
	let signed = json!([{ "CityChainSignature": [] }]);
	let cursor =
		json!({ "type": "string", "pattern": "^[0-9]{1,10}-[0-9]{1,10}$", "maxLength": 21 });
	let id = parameter(
		"id",
		"path",
		"The subscription's id",
		json!({ "type": "string", "maxLength": 64 }),
	);
	let object = |description: &str| json!({ "description": description, "content": { "application/json": { "schema": { "type": "object" } } } });
	let events = json!({
		"/events": { "get": {
			"summary": "The chain's finalized events the reader may see, after a cursor (BLOCK-INDEX): a page of JSON, {events, next, followed, since}; with Accept: text/event-stream (and Last-Event-ID), the same as Server-Sent Events as they are followed",
			"parameters": [
				parameter("after", "query", "The cursor of the last event read; without it, from the first", cursor.clone()),
				parameter("limit", "query", "Events per page, 1 to 100 (more is 100; default 50)", json!({ "type": "integer", "minimum": 1 })),
				parameter("concerning", "query", "Only events that concern the reader (an account): requests to decide, decisions, disputes, matches of its saved searches", json!({ "type": "string", "enum": ["true", "false"] })),
				parameter("token", "query", "A read token (without Bearer), for clients that cannot send headers (EventSource)", json!({ "type": "string", "maxLength": 512 })),
			],
			"responses": { "200": object("A page of events"), "default": errors() },
		} },
		"/events/read": {
			"get": {
				"summary": "The cursor of the last notification the reader (an account) has read",
				"responses": { "200": object("{read}"), "default": errors() },
			},
			"put": {
				"summary": "Marks the account's notifications read up to a cursor (never back); signed",
				"security": signed.clone(),
				"requestBody": { "required": true, "content": { "application/json": { "schema": { "type": "object", "required": ["read"], "properties": { "read": cursor } } } } },
				"responses": { "200": object("{read}"), "default": errors() },
			},
		},
	});
	let subscriptions = json!({
		"/subscriptions": {
			"get": {
				"summary": "The reader's (an account's) saved searches and inbox, without their secrets",
				"responses": { "200": object("{subscriptions}"), "default": errors() },
			},
			"post": {
				"summary": "Saves a STAC search (search) or subscribes to the account's inbox (inbox: true), with a webhook if wanted; signed, a member of an active department; the answer holds the webhook's secret, once",
				"security": signed.clone(),
				"requestBody": { "required": true, "content": { "application/json": { "schema": { "type": "object", "properties": {
					"name": { "type": "string", "maxLength": 100 },
					"search": { "$ref": "#/components/schemas/Search" },
					"inbox": { "type": "boolean" },
					"webhook": { "type": "string", "format": "uri", "maxLength": 512 },
				} } } } },
				"responses": { "201": object("The subscription, with its secret if it has a webhook"), "default": errors() },
			},
		},
		"/subscriptions/{id}": { "delete": {
			"summary": "Removes one of the account's subscriptions and its deliveries; signed",
			"security": signed,
			"parameters": [id.clone()],
			"responses": { "204": { "description": "Removed" }, "default": errors() },
		} },
		"/subscriptions/{id}/deliveries": { "get": {
			"summary": "The webhook's delivery log, dead letters and deliveries waiting, to the subscription's account",
			"parameters": [id],
			"responses": { "200": object("{log, deadLetters, pending}"), "default": errors() },
		} },
	});
	(events, subscriptions)
}

/// `GET /api`.
pub async fn api(State(state): State<Arc<AppState>>) -> Response {
	let mut response = Json(document(&state.settings.public_url)).into_response();
	response
		.headers_mut()
		.insert(header::CONTENT_TYPE, HeaderValue::from_static(OPENAPI));
	response
}

fn escape(text: &str) -> String {
	text.replace('&', "&amp;")
		.replace('<', "&lt;")
		.replace('>', "&gt;")
		.replace('"', "&quot;")
}

/// `GET /api.html`: the document's routes and their parameters.
pub async fn page(State(state): State<Arc<AppState>>) -> Html<String> {
	let doc = document(&state.settings.public_url);
	let mut rows = String::new();
	for (path, methods) in doc["paths"].as_object().into_iter().flatten() {
		for (method, operation) in methods.as_object().into_iter().flatten() {
			let parameters: Vec<String> = operation["parameters"]
				.as_array()
				.into_iter()
				.flatten()
				.map(|p| match p["$ref"].as_str() {
					Some(r) => r.rsplit('/').next().unwrap_or_default().to_string(),
					None => p["name"].as_str().unwrap_or_default().to_string(),
				})
				.collect();
			rows.push_str(&format!(
				"<tr><td><code>{}</code></td><td><code>{}</code></td><td>{}</td><td>{}</td></tr>\n",
				method.to_uppercase(),
				escape(path),
				escape(operation["summary"].as_str().unwrap_or_default()),
				escape(&parameters.join(", "))
			));
		}
	}
	let mut parameters = String::new();
	for (name, p) in doc["components"]["parameters"].as_object().into_iter().flatten() {
		parameters.push_str(&format!(
			"<tr><td><code>{}</code></td><td>{}</td></tr>\n",
			escape(name),
			escape(p["description"].as_str().unwrap_or_default())
		));
	}
	Html(format!(
		"<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>{title}</title>\
		 <style>body{{font-family:sans-serif;max-width:60em;margin:2em auto}}td{{padding:.2em .6em;vertical-align:top}}</style></head>\
		 <body><h1>{title}</h1><p>{description}</p><p>Machine-readable: <a href=\"api\">OpenAPI 3.0</a>.</p>\
		 <h2>Routes</h2><table>{rows}</table><h2>Parameters</h2><table>{parameters}</table></body></html>\n",
		title = escape(doc["info"]["title"].as_str().unwrap_or_default()),
		description = escape(doc["info"]["description"].as_str().unwrap_or_default()),
	))
}
