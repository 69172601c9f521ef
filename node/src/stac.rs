//! Datasets as STAC 1.1 Items: what `datasets_stacItem` and
//! `datasets_stacSearch` return, and what a CQL2 filter of the search index
//! is evaluated against.

use citychain_primitives::{
	datasets::is_web_url, AccessPolicy, BoundingBox, Dataset, DatasetId, DatasetStatus,
	DepartmentId, License, Sensitivity, TimeRange, TopicCategory,
};
use citychain_rpc_api::{
	datasets::{rfc3339, ss58},
	text,
};
use citychain_runtime::{AccountId, BlockNumber};
use citychain_stac::{links::ItemPlace, STAC_VERSION};
use serde_json::{json, Value};

type Record = Dataset<AccountId, BlockNumber>;

const FILE_EXTENSION: &str = "https://stac-extensions.github.io/file/v2.1.0/schema.json";
const VERSION_EXTENSION: &str = "https://stac-extensions.github.io/version/v1.2.0/schema.json";
const PROJECTION_EXTENSION: &str =
	"https://stac-extensions.github.io/projection/v2.0.0/schema.json";

/// The STAC Collection of a department's datasets.
pub fn collection_id(owner: DepartmentId) -> String {
	format!("department-{owner}")
}

/// The GeoJSON geometry of a box: a polygon, or a multipolygon of its two
/// halves if it crosses the antimeridian (RFC 7946 §3.1.9); a box without
/// width or height is the point or line it is (a polygon of repeated
/// positions is not a valid simple-feature polygon).
fn geometry(b: &BoundingBox) -> Value {
	let ring = |w: f64, s: f64, e: f64, n: f64| json!([[[w, s], [e, s], [e, n], [w, n], [w, s]]]);
	let [w, s, e, n] = b.degrees();
	match (b.crosses_antimeridian(), w == e, s == n) {
		(true, _, false) => {
			json!({ "type": "MultiPolygon", "coordinates": [ring(w, s, 180.0, n), ring(-180.0, s, e, n)] })
		},
		(true, _, true) => {
			json!({ "type": "MultiLineString", "coordinates": [[[w, s], [180.0, s]], [[-180.0, s], [e, s]]] })
		},
		(false, true, true) => json!({ "type": "Point", "coordinates": [w, s] }),
		(false, false, false) => json!({ "type": "Polygon", "coordinates": ring(w, s, e, n) }),
		(false, _, _) => json!({ "type": "LineString", "coordinates": [[w, s], [e, n]] }),
	}
}

/// The dataset as a STAC 1.1 Item. `latest` is the id of the newest version.
/// Its links start from `base`, the public URL of the API that serves it, or
/// without one are relative to the Item, other versions being its siblings
/// in its collection (`/collections/department-<owner>/items/<id>`)
/// (`citychain_stac::links`).
pub fn item(id: DatasetId, d: &Record, latest: DatasetId, base: Option<&str>) -> Value {
	let (id, collection) = (id.to_string(), collection_id(d.owner));
	let place = ItemPlace { base, collection: &collection, id: &id };
	let versions = [
		("latest-version", Some(latest)),
		("predecessor-version", d.predecessor),
		("successor-version", d.successor),
	]
	.into_iter()
	.filter_map(|(rel, target)| target.map(|t| (rel, t.to_string())));
	let mut links = serde_json::to_value(place.links(versions)).unwrap_or_default();
	if let Some(links) = links.as_array_mut() {
		links.extend(d.license.as_ref().into_iter().flat_map(license_links));
		let item = links.iter().find(|l| l["rel"] == "self").and_then(|l| l["href"].as_str());
		if let Some(item) = item.map(String::from) {
			links.push(json!({
				"rel": ODRL_HAS_POLICY,
				"href": format!("{item}/policy"),
				"type": "application/ld+json",
				"title": "Access policy (ODRL 2.2 Offer)",
			}));
		}
	}
	let mut extensions =
		vec![FILE_EXTENSION.to_string(), VERSION_EXTENSION.into(), PROJECTION_EXTENSION.into()];
	extensions.extend(place.extension());
	let mut item = filterable(&id, &collection, d, &|_| true);
	item["type"] = "Feature".into();
	item["stac_version"] = STAC_VERSION.into();
	item["stac_extensions"] = extensions.into();
	item["bbox"] = d.bbox.degrees().to_vec().into();
	item["links"] = links;
	item["assets"] = assets(d);
	item
}

/// The relation of an Item's link to its access policy (an extension
/// relation type, RFC 8288: ODRL's `hasPolicy`).
pub const ODRL_HAS_POLICY: &str = "http://www.w3.org/ns/odrl/2/hasPolicy";

/// What a CQL2 filter is evaluated against: the Item's id, collection,
/// geometry and properties (every queryable), without its links and
/// assets; of the geometry and the properties only those `wanted` (by
/// name), so that a filter is evaluated on what it names and no more.
pub fn filterable(id: &str, collection: &str, d: &Record, wanted: &dyn Fn(&str) -> bool) -> Value {
	let mut properties = serde_json::Map::new();
	let mut put = |name: &str, value: &dyn Fn() -> Value| {
		if wanted(name) {
			properties.insert(name.into(), value());
		}
	};
	let time = |ms: u64| -> Value { rfc3339(ms.try_into().unwrap_or(i64::MAX)).into() };
	put("title", &|| text(&d.title).into());
	put("description", &|| text(&d.description).into());
	put("keywords", &|| d.keywords.iter().map(|k| text(k)).collect::<Vec<_>>().into());
	put("created", &|| time(d.created.time));
	put("updated", &|| time(d.updated.time));
	put("version", &|| d.version.to_string().into());
	put("deprecated", &|| {
		matches!(d.status, DatasetStatus::Deprecated | DatasetStatus::Withdrawn).into()
	});
	put("license", &|| d.license.as_ref().map_or("other".into(), |l| text(&l.expression)).into());
	put("proj:code", &|| format!("EPSG:{}", d.crs).into());
	put("citychain:owner", &|| d.owner.into());
	put("citychain:publisher", &|| ss58(&d.publisher).into());
	put("citychain:topic", &|| json!(d.topic));
	put("citychain:status", &|| json!(d.status));
	put("citychain:access_policy", &|| json!(d.policy));
	put("citychain:sensitivity", &|| json!(d.sensitivity));
	put("citychain:created_block", &|| d.created.block.into());
	put("citychain:updated_block", &|| d.updated.block.into());
	match d.time {
		TimeRange { start, end: Some(end) } if end != start => {
			put("datetime", &|| Value::Null);
			put("start_datetime", &|| rfc3339(start).into());
			put("end_datetime", &|| rfc3339(end).into());
		},
		TimeRange { start, end } => {
			put("datetime", &|| rfc3339(start).into());
			// STAC has no open-ended range: an ongoing dataset is stamped
			// with its start and marked as ongoing.
			put("citychain:ongoing", &|| end.is_none().into());
		},
	}
	let mut item = json!({ "id": id, "collection": collection, "properties": properties });
	if wanted("geometry") {
		item["geometry"] = geometry(&d.bbox);
	}
	item
}

/// The Item's assets: the data where the record says it is. A location that
/// is not an http(s) URL (none since the chain checks it; a record filed
/// earlier has an empty one) is never rendered as a link.
fn assets(d: &Record) -> Value {
	if !is_web_url(&d.uri) {
		return json!({});
	}
	json!({
		"data": {
			"href": text(&d.uri),
			"type": text(&d.format),
			"title": text(&d.title),
			"roles": ["data"],
			"file:checksum": hex::encode(d.content_hash.to_multihash()),
			"file:size": d.size,
		}
	})
}

/// The `license` links of a licence: its terms where the record names
/// them, and the SPDX page of each listed licence and exception.
fn license_links(license: &License) -> Vec<Value> {
	let terms = license
		.url
		.as_ref()
		.filter(|url| is_web_url(url))
		.map(|url| json!({ "rel": "license", "href": text(url), "title": "Terms of use" }));
	terms
		.into_iter()
		.chain(license.identifiers().into_iter().map(|id| {
			let id = text(id);
			json!({ "rel": "license", "href": format!("https://spdx.org/licenses/{id}.html"), "type": "text/html", "title": id })
		}))
		.collect()
}

/// The JSON Schema of the properties a CQL2 filter may name
/// (`search_index::QUERYABLES`), as OGC API - Features - Part 3 serves
/// queryables; the gateway adds its `$id`.
pub fn queryables() -> Value {
	fn names<T>(all: &[T], name: fn(&T) -> &'static str) -> Vec<&'static str> {
		all.iter().map(name).collect()
	}
	let string = |title: &str| json!({ "title": title, "type": "string" });
	let time = |title: &str| json!({ "title": title, "type": "string", "format": "date-time" });
	let integer = |title: &str| json!({ "title": title, "type": "integer", "minimum": 0 });
	let boolean = |title: &str| json!({ "title": title, "type": "boolean" });
	let one_of = |title: &str, values: Vec<&str>| json!({ "title": title, "type": "string", "enum": values });
	json!({
		"$schema": "https://json-schema.org/draft/2019-09/schema",
		"type": "object",
		"title": "CityChain datasets",
		"description": "The properties of a dataset's STAC Item that a CQL2 filter may name; any other name is refused. A filter may also call citychain:outcome(department, purpose[, days]), what the dataset's access rules decide for that request now (see /functions): citychain:outcome(3, 'planning') = 'grant' finds the datasets department 3 may have at once for planning.",
		"properties": {
			"id": { "title": "Item id: the dataset's id on chain, in decimal", "type": "string" },
			"collection": { "title": "Collection: department-<owner>", "type": "string", "pattern": "^department-[0-9]+$" },
			"geometry": { "title": "Footprint", "format": "geometry-any" },
			"datetime": time("Instant (null for a period)"),
			"start_datetime": time("Start of the period"),
			"end_datetime": time("End of the period"),
			"title": string("Title"),
			"description": string("Description"),
			"keywords": { "title": "Keywords", "type": "array", "items": { "type": "string" } },
			"created": time("Registered"),
			"updated": time("Last changed"),
			"version": { "title": "Version number, in decimal", "type": "string" },
			"deprecated": boolean("Deprecated or withdrawn"),
			"license": string("Licence: an SPDX licence expression, or other"),
			"proj:code": string("Coordinate reference system of the data (EPSG:<code>)"),
			"citychain:owner": integer("Owner department's id"),
			"citychain:publisher": string("Publishing account (SS58)"),
			"citychain:topic": one_of("Topic category (ISO 19115)", names(TopicCategory::ALL, TopicCategory::as_str)),
			"citychain:status": one_of("Status", names(DatasetStatus::ALL, DatasetStatus::as_str)),
			"citychain:access_policy": one_of("Access policy", names(AccessPolicy::ALL, AccessPolicy::as_str)),
			"citychain:sensitivity": one_of("Sensitivity", names(Sensitivity::ALL, Sensitivity::as_str)),
			"citychain:created_block": integer("Block it was registered in"),
			"citychain:updated_block": integer("Block it last changed in"),
			"citychain:ongoing": boolean("Still being collected (no end time)"),
		},
		"additionalProperties": false,
	})
}

#[cfg(test)]
mod tests {
	use super::*;
	use citychain_primitives::geometry::fixed;

	fn bbox(w: f64, s: f64, e: f64, n: f64) -> BoundingBox {
		BoundingBox { west: fixed(w), south: fixed(s), east: fixed(e), north: fixed(n) }
	}

	#[test]
	fn a_box_is_a_polygon_and_a_point_or_a_line_is_what_it_is() {
		let kind = |b: BoundingBox| geometry(&b)["type"].as_str().unwrap().to_string();
		assert_eq!(kind(bbox(116.0, 39.0, 117.0, 40.0)), "Polygon");
		assert_eq!(kind(bbox(179.0, -18.0, -179.0, -17.0)), "MultiPolygon");
		assert_eq!(
			geometry(&bbox(116.4, 39.9, 116.4, 39.9)),
			json!({ "type": "Point", "coordinates": [116.4, 39.9] })
		);
		assert_eq!(
			geometry(&bbox(116.3, 39.9, 116.5, 39.9)),
			json!({ "type": "LineString", "coordinates": [[116.3, 39.9], [116.5, 39.9]] })
		);
		assert_eq!(kind(bbox(116.3, 39.8, 116.3, 39.9)), "LineString");
		assert_eq!(kind(bbox(179.0, -18.0, -179.0, -18.0)), "MultiLineString");
	}

	#[test]
	fn an_item_served_under_a_base_links_absolutely_and_keeps_its_licence_links() {
		use crate::search_index::fixtures::{record, Rng};
		let mut d = record(&mut Rng(7), 5);
		d.owner = 1;
		d.predecessor = Some(2);
		d.license = Some(
			License::new(citychain_primitives::LicenseInput {
				expression: "other".into(),
				url: Some("https://city.example/terms".into()),
			})
			.unwrap(),
		);
		let item = item(5, &d, 7, Some("http://gw"));
		let href = |rel: &str| {
			let links = item["links"].as_array().unwrap();
			links.iter().find(|l| l["rel"] == rel).map(|l| l["href"].clone())
		};
		let items = "http://gw/collections/department-1/items";
		assert_eq!(href("self").unwrap(), format!("{items}/5"));
		assert_eq!(href("latest-version").unwrap(), format!("{items}/7"));
		assert_eq!(href("predecessor-version").unwrap(), format!("{items}/2"));
		assert_eq!(href("citychain:audit").unwrap(), format!("{items}/5/audit"));
		assert_eq!(href("license").unwrap(), "https://city.example/terms");
		assert_eq!(item["stac_extensions"][3], "http://gw/extensions/citychain/v1.0.0/schema.json");
		let relative = super::item(5, &d, 7, None);
		assert_eq!(relative["links"][1]["href"], "./7");
		assert_eq!(relative["stac_extensions"].as_array().unwrap().len(), 3);
		// a filter sees every queryable, and no links or assets
		let filterable = filterable("5", "department-1", &d, &|_| true);
		assert_eq!(filterable["properties"], item["properties"]);
		assert_eq!(filterable["geometry"], item["geometry"]);
		assert!(filterable.get("links").is_none() && filterable.get("assets").is_none());
	}

	#[test]
	fn a_licence_links_its_terms_and_each_spdx_licence() {
		let license = |expression: &str, url: Option<&str>| {
			License::new(citychain_primitives::LicenseInput {
				expression: expression.into(),
				url: url.map(Into::into),
			})
			.unwrap()
		};
		let hrefs = |l: &License| {
			license_links(l)
				.iter()
				.map(|l| l["href"].as_str().unwrap().to_string())
				.collect::<Vec<_>>()
		};
		assert_eq!(
			hrefs(&license("GPL-2.0+ WITH Classpath-exception-2.0", None)),
			[
				"https://spdx.org/licenses/GPL-2.0.html",
				"https://spdx.org/licenses/Classpath-exception-2.0.html"
			]
		);
		assert_eq!(
			hrefs(&license("other", Some("https://city.example/terms"))),
			["https://city.example/terms"]
		);
		assert_eq!(
			hrefs(&license("CC-BY-4.0 OR LicenseRef-City", Some("https://city.example/t"))),
			["https://city.example/t", "https://spdx.org/licenses/CC-BY-4.0.html"]
		);
	}
}
