//! What a search means, apart from how any store answers it: the chain's
//! `DatasetQuery` and the filters only the index answers — several owners,
//! ids, keywords, policies, sensitivities, any GeoJSON geometry the
//! footprint must intersect, a CQL2 filter on the dataset's queryable
//! properties — the visibility rule, the sort order and the cursor; and
//! `Search::matches`, which decides whether a record is an answer. `sql`
//! turns a search into SQL; the store runs it and lets `matches` decide.

use citychain_primitives::visibility::Visibility;
use citychain_primitives::{
	geometry::degrees, AccessPolicy, BoundingBox, Dataset, DatasetId, DatasetQuery, DepartmentId,
	Sensitivity,
};
use citychain_runtime::{AccountId, BlockNumber};
pub use citychain_stac::filter as bounds;
use codec::{Decode, Encode};
use cql2::Expr;
use geo::{coord, Geometry, Intersects, Rect};
use serde_json::Value;

use super::terms::{self, Call, Terms, MAX_CALLS};
use super::text::FreeText;
use crate::stac;

/// A dataset's record as the runtime stores it.
pub type Record = Dataset<AccountId, BlockNumber>;

/// Most ids one search names.
pub const MAX_IDS: usize = 100;
/// Most owner departments one search names.
pub const MAX_OWNERS: usize = 64;
/// Most keywords one search names.
pub const MAX_KEYWORDS: usize = 16;
use citychain_stac::filter::MAX_FILTER_BYTES;
/// Most positions of an `intersects` geometry.
pub use citychain_stac::intersects::MAX_POSITIONS;

/// The stack of the thread a filter is parsed on: the parser recurses once
/// per operator (`bounds::MAX_FILTER_OPERATORS` of them at most), and this
/// leaves room for several times that, whatever stack the calling thread
/// has.
const PARSE_STACK: usize = 8 << 20;

/// The properties a CQL2 filter may name: those of every dataset's STAC Item
/// (`stac::item`).
pub const QUERYABLES: &[&str] = &[
	"id",
	"collection",
	"geometry",
	"datetime",
	"start_datetime",
	"end_datetime",
	"title",
	"description",
	"keywords",
	"created",
	"updated",
	"version",
	"deprecated",
	"license",
	"proj:code",
	"citychain:owner",
	"citychain:publisher",
	"citychain:topic",
	"citychain:status",
	"citychain:access_policy",
	"citychain:sensitivity",
	"citychain:created_block",
	"citychain:updated_block",
	"citychain:ongoing",
];

/// A CQL2 filter, evaluated on each candidate's queryable properties
/// (`sql::implied` narrows the candidates by what it implies first).
#[derive(Clone, Debug)]
pub struct Filter {
	expr: Expr,
	/// The properties it names, without `properties.`: all a candidate's
	/// properties object needs.
	names: Vec<String>,
	/// Whether it calls `citychain:outcome` (`terms`).
	calls: Vec<Call>,
}

/// Why a filter or a sort key is refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Invalid {
	/// A filter longer than [`MAX_FILTER_BYTES`].
	FilterTooLong,
	/// A filter past the bounds on its operators and nesting
	/// (`citychain_stac::filter`), counted before it is parsed.
	TooComplex(String),
	/// A filter that is not CQL2 JSON.
	NotCql2Json(String),
	/// A filter that is not CQL2 text.
	NotCql2Text(String),
	/// A property a filter names that is not queryable.
	NotQueryable(String),
	/// A field a sort key names that is not sortable.
	NotSortable(String),
	/// A call of `citychain:outcome` with arguments it does not take, or
	/// more calls than [`MAX_CALLS`].
	BadCall(String),
}

impl std::fmt::Display for Invalid {
	fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
		match self {
			Invalid::FilterTooLong => write!(f, "longer than {MAX_FILTER_BYTES} bytes"),
			Invalid::TooComplex(why) => write!(f, "too complex: {why}"),
			Invalid::NotCql2Json(why) => write!(f, "not CQL2 JSON: {why}"),
			Invalid::NotCql2Text(why) => write!(f, "not CQL2 text: {why}"),
			Invalid::NotQueryable(name) => {
				write!(f, "{name:?} is not queryable (queryables: {})", QUERYABLES.join(", "))
			},
			Invalid::NotSortable(name) => {
				let names: Vec<&str> = SORTABLE.iter().map(|(n, _)| *n).collect();
				write!(f, "{name:?} is not sortable (sortable: {})", names.join(", "))
			},
			Invalid::BadCall(why) => f.write_str(why),
		}
	}
}

/// The properties an expression names, from its CQL2-JSON form.
fn properties(json: &Value, names: &mut Vec<String>) {
	match json {
		Value::Object(map) => {
			if let Some(Value::String(name)) = map.get("property") {
				names.push(name.clone());
			}
			map.values().for_each(|v| properties(v, names));
		},
		Value::Array(items) => items.iter().for_each(|v| properties(v, names)),
		_ => {},
	}
}

impl Filter {
	/// Parses CQL2 text (`json: false`) or CQL2 JSON; every property it names
	/// must be queryable.
	pub fn parse(filter: &str, json: bool) -> Result<Self, Invalid> {
		if filter.len() > MAX_FILTER_BYTES {
			return Err(Invalid::FilterTooLong);
		}
		let expr = if json {
			let value: Value =
				serde_json::from_str(filter).map_err(|e| Invalid::NotCql2Json(e.to_string()))?;
			bounds::check_json(&value).map_err(|e| Invalid::TooComplex(e.to_string()))?;
			bounds::on_stack(PARSE_STACK, move || {
				serde_json::from_value::<Expr>(value)
					.map_err(|e| Invalid::NotCql2Json(e.to_string()))
			})?
		} else {
			bounds::check_text(filter).map_err(|e| Invalid::TooComplex(e.to_string()))?;
			bounds::on_stack(PARSE_STACK, || {
				cql2::parse_text(filter).map_err(|e| Invalid::NotCql2Text(e.to_string()))
			})?
		};
		let mut names = Vec::new();
		properties(&expr.to_value().map_err(|e| Invalid::NotCql2Json(e.to_string()))?, &mut names);
		let bare = |n: &str| n.strip_prefix("properties.").unwrap_or(n).to_owned();
		if let Some(unknown) = names.iter().find(|n| !QUERYABLES.contains(&bare(n).as_str())) {
			return Err(Invalid::NotQueryable(unknown.clone()));
		}
		let names = names.iter().map(|n| bare(n)).collect();
		let mut calls = Vec::new();
		terms::each_call(&expr, &mut |args| calls.push(Call::parse(args)));
		let calls = calls.into_iter().collect::<Result<Vec<_>, _>>().map_err(Invalid::BadCall)?;
		if calls.len() > MAX_CALLS {
			return Err(Invalid::BadCall(format!(
				"{}: at most {MAX_CALLS} calls in one filter",
				terms::OUTCOME
			)));
		}
		Ok(Self { expr, names, calls })
	}

	/// The `citychain:outcome` calls it makes.
	pub fn calls(&self) -> &[Call] {
		&self.calls
	}

	/// The parsed expression.
	pub fn expr(&self) -> &Expr {
		&self.expr
	}

	/// Whether the filter is true of the dataset (an expression that is
	/// false, null or undecidable for it is not), evaluated on the queryable
	/// properties it names (`stac::filterable`), each `citychain:outcome`
	/// call by `terms` (null without them).
	pub fn admits(&self, id: DatasetId, d: &Record, terms: Option<&Terms>) -> bool {
		let wanted = |name: &str| self.names.iter().any(|n| n == name);
		let item = stac::filterable(&id.to_string(), &stac::collection_id(d.owner), d, &wanted);
		let mut expr = self.expr.clone();
		if !self.calls.is_empty() {
			let mut calls = self.calls.iter();
			// Read once for all of the filter's calls.
			let mut rules = None;
			terms::replace_calls(&mut expr, &mut |_| {
				calls
					.next()
					.zip(terms)
					.and_then(|(call, terms)| {
						let rules = rules.get_or_insert_with(|| terms.rules_of(id, d));
						terms.outcome(call, d, rules.as_deref()?)
					})
					.map_or(Expr::Null, |o| Expr::Literal(terms::outcome_name(o)))
			});
		}
		expr.matches(Some(&item)).unwrap_or(false)
	}
}

/// A field results can be sorted by: every scalar queryable (not the
/// geometry, the description, the keywords or the publisher).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Sortable {
	/// `id`.
	Id,
	/// `start_datetime`.
	Start,
	/// `end_datetime`.
	End,
	/// `title`.
	Title,
	/// `created`.
	Created,
	/// `updated`.
	Updated,
	/// `version`.
	Version,
	/// `citychain:owner`.
	Owner,
	/// `citychain:topic`.
	Topic,
	/// `citychain:status`.
	Status,
	/// `citychain:access_policy`.
	Policy,
	/// `citychain:sensitivity`.
	Sensitivity,
	/// `citychain:created_block`.
	CreatedBlock,
	/// `citychain:updated_block`.
	UpdatedBlock,
	/// How well a record matches the free text (`FreeText`): the order of a
	/// free-text search with no `sortby`, highest first. Not a queryable.
	Relevance,
}

/// The names a sort key may use, as queryables name them.
pub const SORTABLE: &[(&str, Sortable)] = &[
	("id", Sortable::Id),
	("datetime", Sortable::Start),
	("start_datetime", Sortable::Start),
	("end_datetime", Sortable::End),
	("title", Sortable::Title),
	("created", Sortable::Created),
	("updated", Sortable::Updated),
	("version", Sortable::Version),
	("collection", Sortable::Owner),
	("citychain:owner", Sortable::Owner),
	("citychain:topic", Sortable::Topic),
	("citychain:status", Sortable::Status),
	("citychain:access_policy", Sortable::Policy),
	("citychain:sensitivity", Sortable::Sensitivity),
	("citychain:created_block", Sortable::CreatedBlock),
	("citychain:updated_block", Sortable::UpdatedBlock),
];

/// Most sort keys one search names.
pub const MAX_SORT_KEYS: usize = 4;

impl Sortable {
	/// The field named `name` (with or without `properties.`).
	pub fn parse(name: &str) -> Result<Self, Invalid> {
		let bare = name.strip_prefix("properties.").unwrap_or(name);
		SORTABLE
			.iter()
			.find(|(n, _)| *n == bare)
			.map(|(_, s)| *s)
			.ok_or_else(|| Invalid::NotSortable(name.into()))
	}
}

/// One key of a sort order.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct SortKey {
	/// The field.
	pub field: Sortable,
	/// Highest first.
	pub descending: bool,
}

/// A sort key's value in a cursor.
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Debug, Encode, Decode)]
pub enum KeyValue {
	/// A number or a time (ms since the Unix epoch).
	Int(i64),
	/// A text.
	Text(String),
}

/// Where a page starts: the finalized block the first page was answered at
/// (every later page answers at the same block), the sort values and id of
/// the row it starts after (or, `backward`, before), and which way it reads.
#[derive(Clone, PartialEq, Eq, Debug, Encode, Decode)]
pub struct Cursor {
	/// The finalized block of the first page.
	pub block: BlockNumber,
	/// The row's values of the sort keys, in their order.
	pub keys: Vec<KeyValue>,
	/// The row's dataset.
	pub id: DatasetId,
	/// The page before this row (a `prev` link), rather than after it.
	pub backward: bool,
}

impl Cursor {
	/// The opaque token clients pass back: the cursor's SCALE encoding in hex.
	pub fn token(&self) -> String {
		hex::encode(self.encode())
	}

	/// The cursor of a token this node made; `None` for anything else.
	pub fn parse(token: &str) -> Option<Self> {
		if token.len() > 2048 {
			return None;
		}
		let bytes = hex::decode(token).ok()?;
		Self::decode(&mut &bytes[..]).ok()
	}
}

/// A search: what `datasets_search` and `datasets_stacSearch` ask for.
#[derive(Clone, Debug, Default)]
pub struct Search {
	/// Box, interval, topics, one owner, status, text, limit.
	pub query: DatasetQuery,
	/// Sort order before the id (ascending), which ends every order.
	pub sort: Vec<SortKey>,
	/// Where this page starts, from the previous page.
	pub cursor: Option<Cursor>,
	/// Datasets of any of these departments (empty: any).
	pub owners: Vec<DepartmentId>,
	/// Only these datasets (empty: any).
	pub ids: Vec<DatasetId>,
	/// Datasets with any of these keywords, ASCII case-insensitively.
	pub keywords: Vec<Vec<u8>>,
	/// Datasets under any of these policies (empty: any).
	pub policies: Vec<AccessPolicy>,
	/// Datasets of any of these sensitivities (empty: any).
	pub sensitivities: Vec<Sensitivity>,
	/// Datasets whose footprint intersects this geometry (degrees).
	pub intersects: Option<Geometry<f64>>,
	/// Datasets whose STAC Item this CQL2 filter is true of.
	pub filter: Option<Filter>,
	/// Datasets in whose title, description or keywords any of these terms
	/// occurs as words (decided by the index's word table, not `matches`).
	pub free_text: Option<FreeText>,
	/// What the reader may see (`None`: everything).
	pub visible: Option<Visibility>,
	/// The chain a request would meet now, for the filter's
	/// `citychain:outcome` calls (`None`: every call is null).
	pub terms: Option<std::sync::Arc<Terms>>,
}

impl From<DatasetQuery> for Search {
	fn from(query: DatasetQuery) -> Self {
		Self { query, ..Default::default() }
	}
}

/// The footprint of a box: one rectangle, or its two halves if it crosses
/// the antimeridian.
fn footprint(b: &BoundingBox) -> Vec<Rect<f64>> {
	let d = degrees;
	b.longitude_spans()
		.map(|(west, east)| {
			Rect::new(coord! { x: d(west), y: d(b.south) }, coord! { x: d(east), y: d(b.north) })
		})
		.collect()
}

/// Whether the footprint of box `b` meets `geometry` exactly (any box,
/// without one): the one test of a geometry against a box, for datasets and
/// for access contracts alike.
pub fn meets(geometry: Option<&Geometry<f64>>, b: &BoundingBox) -> bool {
	geometry.is_none_or(|g| footprint(b).iter().any(|r| g.intersects(r)))
}

impl Search {
	/// The sort order before the id: `sort`, or for a free-text search
	/// without one, relevance (highest first).
	pub fn order(&self) -> Vec<SortKey> {
		match (&self.free_text, self.sort.is_empty()) {
			(Some(_), true) => vec![SortKey { field: Sortable::Relevance, descending: true }],
			_ => self.sort.clone(),
		}
	}

	/// Whether a footprint of box `b` meets the geometry `intersects` (any
	/// box, without one).
	pub fn meets(&self, b: &BoundingBox) -> bool {
		meets(self.intersects.as_ref(), b)
	}

	/// Whether the record `id` meets every filter but the free text.
	pub fn matches(&self, id: DatasetId, d: &Record) -> bool {
		self.query.matches(d)
			&& (self.ids.is_empty() || self.ids.contains(&id))
			&& (self.owners.is_empty() || self.owners.contains(&d.owner))
			&& (self.policies.is_empty() || self.policies.contains(&d.policy))
			&& (self.sensitivities.is_empty() || self.sensitivities.contains(&d.sensitivity))
			&& (self.keywords.is_empty()
				|| d.keywords
					.iter()
					.any(|k| self.keywords.iter().any(|w| w.eq_ignore_ascii_case(k))))
			&& self.meets(&d.bbox)
			&& self.filter.as_ref().is_none_or(|f| f.admits(id, d, self.terms.as_deref()))
			&& self.visible.as_ref().is_none_or(|v| v.admits(id, d.sensitivity, d.owner))
	}
}

#[cfg(test)]
mod tests {
	use super::*;
	use citychain_primitives::geometry::fixed;
	use geo::{line_string, point, polygon};

	fn bbox(w: f64, s: f64, e: f64, n: f64) -> BoundingBox {
		BoundingBox { west: fixed(w), south: fixed(s), east: fixed(e), north: fixed(n) }
	}

	fn touches(g: Geometry<f64>, b: BoundingBox) -> bool {
		footprint(&b).iter().any(|r| g.intersects(r))
	}

	/// The most complex filters the bounds admit, of every shape that
	/// nests: chains of prefix operators, of comparisons and of `AND`, the
	/// most groups, function calls nested to the deepest, and JSON as deep as
	/// it may be.
	fn filters_at_the_bounds() -> Vec<(String, bool)> {
		use citychain_stac::filter::{MAX_CALL_DEPTH, MAX_FILTER_OPERATORS, MAX_GROUP_DEPTH};
		let ops = MAX_FILTER_OPERATORS;
		let mut json = serde_json::json!({ "op": "=", "args": [{ "property": "version" }, 1] });
		while citychain_stac::filter::check_json(
			&serde_json::json!({ "op": "not", "args": [json.clone()] }),
		)
		.is_ok()
		{
			json = serde_json::json!({ "op": "not", "args": [json] });
		}
		let calls = MAX_CALL_DEPTH;
		vec![
			(format!("{}1 = \"version\"", "-".repeat(ops - 1)), false),
			(format!("{}\"version\" = 1", "NOT ".repeat(ops - 1)), false),
			(format!("{}\"version\"", "1 = ".repeat(ops)), false),
			(format!("\"version\" = 1{}", " AND \"version\" = 1".repeat(ops / 2 - 1)), false),
			(
				format!(
					"{}{}title{}) = 'a'{}",
					"NOT (".repeat(MAX_GROUP_DEPTH),
					"CASEI(".repeat(calls),
					")".repeat(calls - 1),
					")".repeat(MAX_GROUP_DEPTH)
				),
				false,
			),
			(json.to_string(), true),
		]
	}

	#[test]
	fn filters_at_the_bounds_parse_evaluate_and_drop_on_a_quarter_of_a_blocking_threads_stack() {
		let mut rng = super::super::fixtures::Rng(7);
		let record = super::super::fixtures::record(&mut rng, 1);
		// tokio's blocking threads, where candidates are evaluated, have 2 MiB.
		std::thread::Builder::new()
			.stack_size(512 << 10)
			.spawn(move || {
				for (text, json) in filters_at_the_bounds() {
					let filter =
						Filter::parse(&text, json).unwrap_or_else(|e| panic!("{e}: {text}"));
					filter.admits(1, &record, None);
					drop(filter.clone());
				}
			})
			.unwrap()
			.join()
			.expect("no stack overflow");
	}

	#[test]
	fn filters_past_the_bounds_are_refused_before_parsing() {
		use citychain_stac::filter::MAX_FILTER_OPERATORS;
		for attack in [
			format!("{}1 = 1", "-".repeat(2_000)),
			format!("{}1 = 1", "NOT ".repeat(2_000)),
			format!("{}1", "1 = ".repeat(2_000)),
			format!("{}1 = 1", "-".repeat(MAX_FILTER_OPERATORS)),
			// cql2 tries a group again as a list when it fails inside: 30
			// unclosed groups would take hours to refuse.
			format!("x({}y", "(".repeat(30)),
			format!("{}1 = 1{}", "(".repeat(30), ")".repeat(30)),
		] {
			let error = Filter::parse(&attack, false).unwrap_err();
			assert!(matches!(error, Invalid::TooComplex(_)), "{error}");
		}
	}

	#[test]
	fn the_queryables_schema_describes_exactly_what_filters_may_name() {
		let schema = crate::stac::queryables();
		let mut described: Vec<&str> =
			schema["properties"].as_object().unwrap().keys().map(String::as_str).collect();
		let mut queryable = QUERYABLES.to_vec();
		described.sort_unstable();
		queryable.sort_unstable();
		assert_eq!(described, queryable);
	}

	#[test]
	fn geometries_meet_footprints_exactly_not_by_their_boxes() {
		let city = bbox(116.0, 39.0, 117.0, 40.0);
		// A triangle whose box covers the city's corner but which misses it.
		let triangle = polygon![(x: 116.9, y: 40.5), (x: 117.5, y: 40.5), (x: 117.5, y: 39.9), (x: 116.9, y: 40.5)];
		assert!(!touches(triangle.into(), city));
		let crossing = line_string![(x: 115.0, y: 39.5), (x: 118.0, y: 39.5)];
		assert!(touches(crossing.into(), city));
		assert!(touches(point!(x: 116.5, y: 39.5).into(), city));
		assert!(!touches(point!(x: 118.0, y: 39.5).into(), city));
	}

	#[test]
	fn a_footprint_across_the_antimeridian_is_met_on_either_side() {
		let fiji = bbox(177.0, -19.0, -178.0, -16.0);
		assert!(touches(point!(x: 179.5, y: -17.0).into(), fiji));
		assert!(touches(point!(x: -179.5, y: -17.0).into(), fiji));
		assert!(!touches(point!(x: 0.0, y: -17.0).into(), fiji));
	}
}
