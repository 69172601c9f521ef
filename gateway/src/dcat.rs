//! The public catalogue as DCAT-AP 3, for harvesters (CKAN's ckanext-dcat,
//! GeoNetwork's DCAT harvester, data.europa.eu): `/catalog.jsonld`,
//! `/catalog.ttl`, and `/catalog` answering either by the `Accept` header.
//! What an anonymous reader may see, whoever asks: a `dcat:Catalog` of
//! `dcat:Dataset`s (title, description, keywords, ISO 19115 topic as
//! `dcat:theme`, extent as `dct:spatial` and `dct:temporal`, publisher,
//! access rights) each with a `dcat:Distribution` whose `dcat:accessURL`
//! is the gateway's `/data/{id}`, under its licence. Paged as ckanext-dcat
//! reads it: a `hydra:PagedCollection` with `hydra:totalItems` and
//! `hydra:nextPage`; a page holds at the finalized block its first page
//! was answered at (the `page` token is the node's search cursor).

use crate::{
	error::ApiError,
	rdf::{Graph, Term, DATE_TIME},
	stac::{parse_limit, with_query, Params},
	AppState,
};
use axum::{
	extract::State,
	http::{header, HeaderMap, HeaderValue},
	response::{IntoResponse, Response},
};
use citychain_client::rpc::api::{
	datasets::{IdsParam, StacSearchParams},
	DatasetsApiClient, DepartmentsApiClient, Reader as ApiReader,
};
use serde_json::Value;
use std::{
	collections::{BTreeMap, BTreeSet},
	sync::Arc,
};

pub const JSON_LD: &str = "application/ld+json";
pub const TURTLE: &str = "text/turtle";
/// Datasets per page, at most and by default (the node's page size).
const PAGE: u64 = 100;

const DCAT: &str = "http://www.w3.org/ns/dcat#";
const DCT: &str = "http://purl.org/dc/terms/";
const FOAF: &str = "http://xmlns.com/foaf/0.1/";
const SKOS: &str = "http://www.w3.org/2004/02/skos/core#";
const HYDRA: &str = "http://www.w3.org/ns/hydra/core#";
const XSD: &str = "http://www.w3.org/2001/XMLSchema#";
const GSP: &str = "http://www.opengis.net/ont/geosparql#";
const PREFIXES: &[(&str, &str)] = &[
	("dcat", DCAT),
	("dct", DCT),
	("foaf", FOAF),
	("skos", SKOS),
	("hydra", HYDRA),
	("xsd", XSD),
	("gsp", GSP),
];
/// The INSPIRE registry's ISO 19115 topic categories: `dcat:theme`s.
const TOPICS: &str = "http://inspire.ec.europa.eu/metadata-codelist/TopicCategory";
/// The EU vocabulary of access rights.
const ACCESS_RIGHTS: &str = "http://publications.europa.eu/resource/authority/access-right/";

/// The IRI of `local` in namespace `ns`.
fn iri(ns: &str, local: &str) -> String {
	format!("{ns}{local}")
}

/// Which serialization a request wants.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Syntax {
	JsonLd,
	Turtle,
}

impl Syntax {
	/// By the `Accept` header: Turtle if it asks for it (and not JSON-LD
	/// first), JSON-LD otherwise.
	fn accepted(headers: &HeaderMap) -> Self {
		let accept = headers.get(header::ACCEPT).and_then(|a| a.to_str().ok()).unwrap_or_default();
		match (accept.find(TURTLE), accept.find(JSON_LD)) {
			(Some(t), Some(j)) if t < j => Self::Turtle,
			(Some(_), None) => Self::Turtle,
			_ => Self::JsonLd,
		}
	}
}

/// `GET /catalog`: JSON-LD or Turtle by the `Accept` header.
pub async fn catalog(
	State(state): State<Arc<AppState>>,
	headers: HeaderMap,
	Params(query): Params,
) -> Result<Response, ApiError> {
	let syntax = Syntax::accepted(&headers);
	let mut response = answer(&state, &query, "/catalog", syntax).await?;
	response.headers_mut().insert(header::VARY, HeaderValue::from_static("accept"));
	Ok(response)
}

/// `GET /catalog.jsonld`.
pub async fn catalog_jsonld(
	State(state): State<Arc<AppState>>,
	Params(query): Params,
) -> Result<Response, ApiError> {
	answer(&state, &query, "/catalog.jsonld", Syntax::JsonLd).await
}

/// `GET /catalog.ttl`.
pub async fn catalog_ttl(
	State(state): State<Arc<AppState>>,
	Params(query): Params,
) -> Result<Response, ApiError> {
	answer(&state, &query, "/catalog.ttl", Syntax::Turtle).await
}

/// One page of the catalogue, served at `path` with `query`, in `syntax`.
async fn answer(
	state: &AppState,
	query: &BTreeMap<String, String>,
	path: &str,
	syntax: Syntax,
) -> Result<Response, ApiError> {
	let graph = page(state, query, path).await?;
	let (body, media_type) = match syntax {
		Syntax::JsonLd => (graph.json_ld().to_string(), JSON_LD),
		Syntax::Turtle => (graph.turtle(PREFIXES), TURTLE),
	};
	let mut response = body.into_response();
	response
		.headers_mut()
		.insert(header::CONTENT_TYPE, HeaderValue::from_static(media_type));
	Ok(response)
}

/// The graph of a page: the catalogue, the page's datasets and the paging.
async fn page(
	state: &AppState,
	query: &BTreeMap<String, String>,
	path: &str,
) -> Result<Graph, ApiError> {
	if let Some(other) = query.keys().find(|k| *k != "page" && *k != "limit") {
		return Err(ApiError::bad_request(format!("unsupported parameter {other:?}")));
	}
	let limit = query
		.get("limit")
		.map(|l| parse_limit(l))
		.transpose()?
		.unwrap_or(PAGE)
		.min(PAGE);
	let base = &state.settings.public_url;
	let params = StacSearchParams {
		limit: Some(limit as u32),
		token: query.get("page").cloned(),
		reader: Some(ApiReader::Anonymous),
		base: Some(base.clone()),
		..Default::default()
	};
	let found = state.node.stac_search(params, None).await?;
	let at = serde_json::from_value(found["at"]["hash"].clone())
		.map_err(|e| ApiError::new(axum::http::StatusCode::BAD_GATEWAY, e.to_string()))?;
	let counted = StacSearchParams {
		aggregations: Some(IdsParam::List(vec!["total_count".into()])),
		reader: Some(ApiReader::Anonymous),
		..Default::default()
	};
	let total = state.node.aggregate(counted, Some(at)).await?.aggregations;
	let total = total.first().and_then(|a| a.value.clone()).flatten().unwrap_or_default();
	let departments: BTreeMap<u32, String> = state
		.node
		.departments(Some(at))
		.await?
		.into_iter()
		.map(|d| (d.id, d.name))
		.collect();
	let items = found["features"].as_array().map(Vec::as_slice).unwrap_or_default();
	let mut catalogue = Catalogue::new(base, &departments);
	for item in items {
		catalogue.dataset(item);
	}
	let this = with_query(&format!("{base}{path}"), query);
	let mut first = query.clone();
	first.remove("page");
	let next = found["token"].as_str().map(|token| {
		let mut next = query.clone();
		next.insert("page".into(), token.into());
		with_query(&format!("{base}{path}"), &next)
	});
	let paging = Paging {
		this,
		first: with_query(&format!("{base}{path}"), &first),
		next,
		total: total.as_u64().unwrap_or_default(),
		per_page: limit,
	};
	Ok(catalogue.finish(&paging))
}

/// Where a page is, and its neighbours.
struct Paging {
	this: String,
	first: String,
	next: Option<String>,
	total: u64,
	per_page: u64,
}

/// The catalogue's graph as it is built, page by page.
struct Catalogue<'a> {
	graph: Graph,
	base: &'a str,
	departments: &'a BTreeMap<u32, String>,
	node: Term,
	/// Resources already described (agents, themes, licences, media
	/// types, access rights), each described once.
	described: BTreeSet<String>,
}

impl<'a> Catalogue<'a> {
	fn new(base: &'a str, departments: &'a BTreeMap<u32, String>) -> Self {
		let mut graph = Graph::default();
		let node = Term::iri(format!("{base}/catalog"));
		graph.a(&node, &iri(DCAT, "Catalog"));
		graph.add(&node, &iri(DCT, "title"), Term::english("CityChain datasets"));
		graph.add(
			&node,
			&iri(DCT, "description"),
			Term::english(
				"The public spatio-temporal datasets the city's departments registered on CityChain, as of the latest finalized block.",
			),
		);
		let consortium = Term::iri(format!("{base}/#consortium"));
		graph.add(&node, &iri(DCT, "publisher"), consortium.clone());
		graph.a(&consortium, &iri(FOAF, "Agent"));
		graph.add(&consortium, &iri(FOAF, "name"), Term::english("The CityChain consortium"));
		let home = Term::iri(format!("{base}/"));
		graph.add(&node, &iri(FOAF, "homepage"), home.clone());
		graph.a(&home, &iri(FOAF, "Document"));
		Self { graph, base, departments, node, described: BTreeSet::new() }
	}

	/// Describes `iri` as of `class` (with a name) once.
	fn resource(&mut self, at: &str, class: &str, label: Option<(&str, Term)>) -> Term {
		let term = Term::iri(at);
		if self.described.insert(at.to_string()) {
			self.graph.a(&term, class);
			if let Some((predicate, name)) = label {
				self.graph.add(&term, predicate, name);
			}
		}
		term
	}

	/// Adds the dataset of a STAC Item (as the node renders it).
	fn dataset(&mut self, item: &Value) {
		let (base, p) = (self.base, &item["properties"]);
		let text = |v: &Value| v.as_str().unwrap_or_default().to_string();
		let id = text(&item["id"]);
		let collection = text(&item["collection"]);
		let node = Term::iri(format!("{base}/collections/{collection}/items/{id}"));
		let g = &mut self.graph;
		g.add(&self.node, &iri(DCAT, "dataset"), node.clone());
		g.a(&node, &iri(DCAT, "Dataset"));
		g.add(&node, &iri(DCT, "identifier"), Term::text(id.clone()));
		g.add(&node, &iri(DCT, "title"), Term::text(text(&p["title"])));
		g.add(&node, &iri(DCT, "description"), Term::text(text(&p["description"])));
		for keyword in p["keywords"].as_array().into_iter().flatten() {
			g.add(&node, &iri(DCAT, "keyword"), Term::text(text(keyword)));
		}
		for (predicate, field) in [("issued", "created"), ("modified", "updated")] {
			if let Some(time) = p[field].as_str() {
				g.add(&node, &iri(DCT, predicate), Term::typed(time, DATE_TIME));
			}
		}
		// Where and when.
		if let Some(wkt) = item["bbox"].as_array().and_then(|b| wkt(b)) {
			let place = g.blank();
			g.add(&node, &iri(DCT, "spatial"), place.clone());
			g.a(&place, &iri(DCT, "Location"));
			g.add(&place, &iri(DCAT, "bbox"), Term::typed(wkt, &iri(GSP, "wktLiteral")));
		}
		let start = p["start_datetime"].as_str().or(p["datetime"].as_str());
		let end = p["end_datetime"].as_str().or(match p["citychain:ongoing"].as_bool() {
			Some(true) => None,
			_ => p["datetime"].as_str(),
		});
		if let Some(start) = start {
			let period = g.blank();
			g.add(&node, &iri(DCT, "temporal"), period.clone());
			g.a(&period, &iri(DCT, "PeriodOfTime"));
			g.add(&period, &iri(DCAT, "startDate"), Term::typed(start, DATE_TIME));
			if let Some(end) = end {
				g.add(&period, &iri(DCAT, "endDate"), Term::typed(end, DATE_TIME));
			}
		}
		// Who, on what topic, under which rights.
		let owner = p["citychain:owner"].as_u64().unwrap_or_default() as u32;
		let name = self.departments.get(&owner).cloned().unwrap_or_else(|| collection.clone());
		let agent = self.resource(
			&format!("{base}/collections/{collection}#department"),
			&iri(FOAF, "Agent"),
			Some((&iri(FOAF, "name"), Term::text(name))),
		);
		self.graph.add(&node, &iri(DCT, "publisher"), agent);
		if let Some(topic) = p["citychain:topic"].as_str() {
			let scheme = self.resource(
				TOPICS,
				&iri(SKOS, "ConceptScheme"),
				Some((&iri(DCT, "title"), Term::english("ISO 19115 topic categories"))),
			);
			let concept = self.resource(
				&format!("{TOPICS}/{topic}"),
				&iri(SKOS, "Concept"),
				Some((&iri(SKOS, "prefLabel"), Term::text(topic))),
			);
			if self.described.insert(format!("{TOPICS}/{topic} in scheme")) {
				self.graph.add(&concept, &iri(SKOS, "inScheme"), scheme);
			}
			self.graph.add(&node, &iri(DCAT, "theme"), concept);
		}
		let open = p["citychain:access_policy"].as_str() == Some("open");
		let rights = format!("{ACCESS_RIGHTS}{}", if open { "PUBLIC" } else { "RESTRICTED" });
		let rights = self.resource(&rights, &iri(DCT, "RightsStatement"), None);
		self.graph.add(&node, &iri(DCT, "accessRights"), rights);
		// The distribution: the gateway's copy.
		let distribution = self.graph.blank();
		self.graph.add(&node, &iri(DCAT, "distribution"), distribution.clone());
		self.graph.a(&distribution, &iri(DCAT, "Distribution"));
		let access = Term::iri(format!("{base}/data/{id}"));
		self.graph.add(&distribution, &iri(DCAT, "accessURL"), access);
		let asset = &item["assets"]["data"];
		if let Some(media_type) = asset["type"].as_str().filter(|t| t.contains('/')) {
			let media_type = self.resource(
				&format!("https://www.iana.org/assignments/media-types/{media_type}"),
				&iri(DCT, "MediaType"),
				None,
			);
			self.graph.add(&distribution, &iri(DCAT, "mediaType"), media_type);
		}
		if let Some(size) = asset["file:size"].as_u64() {
			let size = Term::typed(size.to_string(), &iri(XSD, "nonNegativeInteger"));
			self.graph.add(&distribution, &iri(DCAT, "byteSize"), size);
		}
		// The licence: its terms' page, else the SPDX page of its (first)
		// licence.
		let licence = item["links"]
			.as_array()
			.into_iter()
			.flatten()
			.find(|l| l["rel"] == "license")
			.and_then(|l| l["href"].as_str());
		if let Some(licence) = licence {
			let licence = self.resource(licence, &iri(DCT, "LicenseDocument"), None);
			self.graph.add(&distribution, &iri(DCT, "license"), licence);
		}
	}

	/// The graph, with the page's place among the others.
	fn finish(mut self, paging: &Paging) -> Graph {
		let g = &mut self.graph;
		let page = Term::iri(paging.this.clone());
		g.a(&page, &iri(HYDRA, "PagedCollection"));
		let integer = |n: u64| Term::typed(n.to_string(), &iri(XSD, "integer"));
		g.add(&page, &iri(HYDRA, "totalItems"), integer(paging.total));
		g.add(&page, &iri(HYDRA, "itemsPerPage"), integer(paging.per_page));
		g.add(&page, &iri(HYDRA, "firstPage"), Term::iri(paging.first.clone()));
		if let Some(next) = &paging.next {
			g.add(&page, &iri(HYDRA, "nextPage"), Term::iri(next.clone()));
		}
		self.graph
	}
}

/// A STAC bbox as WKT: a polygon, or a multipolygon of its halves across
/// the antimeridian.
fn wkt(bbox: &[Value]) -> Option<String> {
	let [w, s, e, n] = [0, 1, 2, 3].map(|i| bbox.get(i).and_then(Value::as_f64));
	let (w, s, e, n) = (w?, s?, e?, n?);
	let ring = |w: f64, e: f64| format!("(({w} {s}, {e} {s}, {e} {n}, {w} {n}, {w} {s}))");
	Some(if w > e {
		format!("MULTIPOLYGON({}, {})", ring(w, 180.0), ring(-180.0, e))
	} else {
		format!("POLYGON{}", ring(w, e))
	})
}

#[cfg(test)]
mod tests {
	use super::*;
	use serde_json::json;

	fn item() -> Value {
		json!({
			"id": "7", "collection": "department-1", "bbox": [116.3, 39.8, 116.5, 40.0],
			"properties": {
				"title": "Traffic counts", "description": "Hourly counts", "keywords": ["traffic"],
				"created": "2024-01-02T00:00:00.000Z", "updated": "2024-01-03T00:00:00.000Z",
				"datetime": "2024-01-01T00:00:00.000Z", "citychain:ongoing": true,
				"citychain:owner": 1, "citychain:topic": "transportation",
				"citychain:access_policy": "open", "license": "CC-BY-4.0",
			},
			"assets": { "data": { "type": "text/csv", "file:size": 120 } },
			"links": [{ "rel": "license", "href": "https://spdx.org/licenses/CC-BY-4.0.html" }],
		})
	}

	#[test]
	fn a_dataset_has_its_extent_publisher_licence_and_a_distribution_at_the_gateway() {
		let departments = BTreeMap::from([(1, "Transport Bureau".to_string())]);
		let mut catalogue = Catalogue::new("http://gw", &departments);
		catalogue.dataset(&item());
		catalogue.dataset(&item());
		let paging = Paging {
			this: "http://gw/catalog.ttl".into(),
			first: "http://gw/catalog.ttl".into(),
			next: Some("http://gw/catalog.ttl?page=x".into()),
			total: 2,
			per_page: 100,
		};
		let ttl = catalogue.finish(&paging).turtle(PREFIXES);
		for expected in [
			"dcat:accessURL <http://gw/data/7>",
			"dcat:bbox \"POLYGON((116.3 39.8, 116.5 39.8, 116.5 40, 116.3 40, 116.3 39.8))\"^^gsp:wktLiteral",
			"dcat:startDate \"2024-01-01T00:00:00.000Z\"^^xsd:dateTime",
			"dct:license <https://spdx.org/licenses/CC-BY-4.0.html>",
			"foaf:name \"Transport Bureau\"",
			"dct:accessRights <http://publications.europa.eu/resource/authority/access-right/PUBLIC>",
			"hydra:nextPage <http://gw/catalog.ttl?page=x>",
			"dcat:mediaType <https://www.iana.org/assignments/media-types/text/csv>",
		] {
			assert!(ttl.contains(expected), "{expected}\n{ttl}");
		}
		assert!(!ttl.contains("dcat:endDate"), "an ongoing dataset has no end");
		assert_eq!(
			ttl.matches("a foaf:Agent").count(),
			2,
			"the consortium and the department, once each"
		);
	}

	#[test]
	fn a_box_across_the_antimeridian_is_two_polygons() {
		let b = |v: Value| wkt(v.as_array().unwrap());
		assert_eq!(
			b(json!([170.0, -20.0, -170.0, -10.0])).unwrap(),
			"MULTIPOLYGON(((170 -20, 180 -20, 180 -10, 170 -10, 170 -20)), ((-180 -20, -170 -20, -170 -10, -180 -10, -180 -20)))"
		);
		assert!(b(json!([1.0, 2.0])).is_none());
	}

	#[test]
	fn the_accept_header_chooses_turtle_or_json_ld() {
		let accept = |value: &str| {
			let mut headers = HeaderMap::new();
			headers.insert(header::ACCEPT, HeaderValue::from_str(value).unwrap());
			Syntax::accepted(&headers)
		};
		assert_eq!(accept("text/turtle"), Syntax::Turtle);
		assert_eq!(accept("application/ld+json, text/turtle;q=0.5"), Syntax::JsonLd);
		assert_eq!(accept("text/turtle, application/ld+json"), Syntax::Turtle);
		assert_eq!(accept("*/*"), Syntax::JsonLd);
	}
}
