//! A search of the index: the chain's `DatasetQuery` and the filters only
//! the index answers — several owners, ids, keywords, policies,
//! sensitivities, any GeoJSON geometry the footprint must intersect, and a
//! CQL2 filter on the dataset's STAC Item.

use citychain_primitives::{
	geometry::degrees, AccessPolicy, BoundingBox, DatasetId, DatasetQuery, DatasetStatus,
	DepartmentId, Sensitivity, TopicCategory,
};
use citychain_runtime::BlockNumber;
use citychain_stac::filter as bounds;
use codec::{Decode, Encode};
use cql2::Expr;
use geo::{coord, Geometry, Intersects, Rect};
use rusqlite::types::Value as Sql;
use serde_json::Value;

use super::{
	store::{halves, Record},
	text::FreeText,
};
use crate::stac;

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

/// A CQL2 filter, evaluated on each candidate's STAC Item, and the SQL
/// conditions it implies (`prefilter`), which narrow the candidates first.
#[derive(Clone, Debug)]
pub struct Filter {
	expr: cql2::Expr,
	prefilter: Vec<Condition>,
}

/// An SQL condition over the index's `datasets` columns that every record a
/// filter admits meets: `<sql>` with its arguments.
#[derive(Clone, Debug, PartialEq)]
pub struct Condition {
	pub sql: String,
	pub args: Vec<Sql>,
}

/// A queryable's column: its name, how a CQL2 literal becomes its value
/// (`None`: the literal is not of the property's type, so nothing is
/// implied), and whether it is a number (so `<` and `>` mean the same in SQL).
struct Column {
	name: &'static str,
	value: fn(&Expr) -> Option<Sql>,
	number: bool,
}

/// The column of a queryable that SQL can compare exactly.
fn column(property: &str) -> Option<Column> {
	fn integer(e: &Expr) -> Option<Sql> {
		match e {
			Expr::Float(f) if f.fract() == 0.0 && f.abs() < 9.0e15 => Some(Sql::Integer(*f as i64)),
			_ => None,
		}
	}
	// The Item's `id` and `version` are decimal strings.
	fn decimal(e: &Expr) -> Option<Sql> {
		match e {
			Expr::Literal(t) => t
				.parse::<u64>()
				.ok()
				.filter(|v| v.to_string() == *t)
				.map(|v| Sql::Integer(v as i64)),
			_ => None,
		}
	}
	fn text(e: &Expr) -> Option<Sql> {
		match e {
			Expr::Literal(t) => Some(Sql::Text(t.clone())),
			_ => None,
		}
	}
	fn department(e: &Expr) -> Option<Sql> {
		match e {
			Expr::Literal(t) => t
				.strip_prefix("department-")
				.and_then(|d| d.parse::<DepartmentId>().ok())
				.map(|d| Sql::Integer(d.into())),
			_ => None,
		}
	}
	// A name no value has compares to none: -1 is no discriminant.
	fn named<T: Copy + 'static>(
		all: &'static [T],
		name: fn(&T) -> &'static str,
		e: &Expr,
	) -> Option<Sql> {
		match e {
			Expr::Literal(t) => {
				Some(Sql::Integer(all.iter().position(|v| name(v) == t).map_or(-1, |i| i as i64)))
			},
			_ => None,
		}
	}
	let (name, value, number): (_, fn(&Expr) -> Option<Sql>, _) = match property
		.strip_prefix("properties.")
		.unwrap_or(property)
	{
		"id" => ("id", decimal, false),
		"version" => ("version", decimal, false),
		"title" => ("title", text, false),
		"collection" => ("owner", department, false),
		"citychain:owner" => ("owner", integer, true),
		"citychain:created_block" => ("created_block", integer, true),
		"citychain:updated_block" => ("updated_block", integer, true),
		"citychain:topic" => ("topic", |e| named(TopicCategory::ALL, |v| v.as_str(), e), false),
		"citychain:status" => ("status", |e| named(DatasetStatus::ALL, |v| v.as_str(), e), false),
		"citychain:access_policy" => {
			("policy", |e| named(AccessPolicy::ALL, |v| v.as_str(), e), false)
		},
		"citychain:sensitivity" => {
			("sensitivity", |e| named(Sensitivity::ALL, |v| v.as_str(), e), false)
		},
		_ => return None,
	};
	Some(Column { name, value, number })
}

/// The SQL conditions an expression implies: each conjunct of an `and` that
/// compares a queryable with a column to literals (`=`, `<>`, and for
/// numbers `<`, `<=`, `>`, `>=`; `in` a list). Anything else implies
/// nothing here and is left to the evaluation on each candidate.
fn implied(expr: &Expr, into: &mut Vec<Condition>) {
	let Expr::Operation { op, args } = expr else { return };
	let args: Vec<&Expr> = args.iter().map(|a| a.as_ref()).collect();
	match (op.as_str(), args.as_slice()) {
		("and", conjuncts) => conjuncts.iter().for_each(|c| implied(c, into)),
		("in", [Expr::Property { property }, Expr::Array(values)]) => {
			if let Some(column) = column(property) {
				if let Some(values) =
					values.iter().map(|v| (column.value)(v)).collect::<Option<Vec<_>>>()
				{
					let marks = vec!["?"; values.len()].join(", ");
					into.push(Condition {
						sql: format!("{} IN ({marks})", column.name),
						args: values,
					});
				}
			}
		},
		(op, [left, right]) => {
			// `literal op property` is `property op' literal`.
			let (property, literal, op) = match (left, right) {
				(Expr::Property { property }, literal) => (property, *literal, op),
				(literal, Expr::Property { property }) => (
					property,
					*literal,
					match op {
						"<" => ">",
						"<=" => ">=",
						">" => "<",
						">=" => "<=",
						same => same,
					},
				),
				_ => return,
			};
			let Some(column) = column(property) else { return };
			let sql_op = match op {
				"=" => "=",
				"<>" => "<>",
				"<" | "<=" | ">" | ">=" if column.number => op,
				_ => return,
			};
			if let Some(value) = (column.value)(literal) {
				into.push(Condition {
					sql: format!("{} {sql_op} ?", column.name),
					args: vec![value],
				});
			}
		},
		_ => {},
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
	pub fn parse(filter: &str, json: bool) -> Result<Self, String> {
		if filter.len() > MAX_FILTER_BYTES {
			return Err(format!("longer than {MAX_FILTER_BYTES} bytes"));
		}
		let expr = if json {
			let value: Value =
				serde_json::from_str(filter).map_err(|e| format!("not CQL2 JSON: {e}"))?;
			bounds::check_json(&value).map_err(|e| format!("too complex: {e}"))?;
			bounds::on_stack(PARSE_STACK, move || {
				serde_json::from_value::<Expr>(value).map_err(|e| format!("not CQL2 JSON: {e}"))
			})?
		} else {
			bounds::check_text(filter).map_err(|e| format!("too complex: {e}"))?;
			bounds::on_stack(PARSE_STACK, || {
				cql2::parse_text(filter).map_err(|e| format!("not CQL2 text: {e}"))
			})?
		};
		let mut names = Vec::new();
		properties(&expr.to_value().map_err(|e| e.to_string())?, &mut names);
		if let Some(unknown) = names
			.iter()
			.find(|n| !QUERYABLES.contains(&n.strip_prefix("properties.").unwrap_or(n)))
		{
			return Err(format!(
				"{unknown:?} is not queryable (queryables: {})",
				QUERYABLES.join(", ")
			));
		}
		let mut prefilter = Vec::new();
		implied(&expr, &mut prefilter);
		Ok(Self { expr, prefilter })
	}

	/// The SQL conditions every record the filter admits meets.
	pub(super) fn prefilter(&self) -> &[Condition] {
		&self.prefilter
	}

	/// Whether the filter is true of the dataset's Item (an expression that
	/// is false, null or undecidable for it is not), evaluated on the Item's
	/// queryable part (`stac::filterable`).
	pub(super) fn admits(&self, id: DatasetId, d: &Record) -> bool {
		let item = stac::filterable(&id.to_string(), &stac::collection_id(d.owner), d);
		self.expr.clone().matches(Some(&item)).unwrap_or(false)
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
	/// `citychain:policy`.
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

/// `CASE column WHEN <discriminant> THEN <rank of its name> … END`: a
/// vocabulary column sorts by the values' names, as the STAC Items show them.
fn by_name(column: &str, names: impl Iterator<Item = &'static str>) -> String {
	let names: Vec<&str> = names.collect();
	let mut sorted = names.clone();
	sorted.sort_unstable();
	let arms: String = names
		.iter()
		.enumerate()
		.map(|(i, n)| format!(" WHEN {i} THEN {}", sorted.binary_search(n).unwrap_or_default()))
		.collect();
	format!("(CASE {column}{arms} END)")
}

impl Sortable {
	/// The field named `name` (with or without `properties.`).
	pub fn parse(name: &str) -> Result<Self, String> {
		let bare = name.strip_prefix("properties.").unwrap_or(name);
		SORTABLE.iter().find(|(n, _)| *n == bare).map(|(_, s)| *s).ok_or_else(|| {
			let names: Vec<&str> = SORTABLE.iter().map(|(n, _)| *n).collect();
			format!("{name:?} is not sortable (sortable: {})", names.join(", "))
		})
	}

	/// Its SQL expression over the index's `datasets` table.
	pub(super) fn sql(self) -> String {
		match self {
			Sortable::Id => "id".into(),
			Sortable::Start => "start_ms".into(),
			Sortable::End => "end_ms".into(),
			Sortable::Title => "title COLLATE NOCASE".into(),
			Sortable::Created => "created_ms".into(),
			Sortable::Updated => "updated_ms".into(),
			Sortable::Version => "version".into(),
			Sortable::Owner => "owner".into(),
			Sortable::Topic => {
				by_name("topic", TopicCategory::ALL.iter().map(TopicCategory::as_str))
			},
			Sortable::Status => {
				by_name("status", DatasetStatus::ALL.iter().map(DatasetStatus::as_str))
			},
			Sortable::Policy => {
				by_name("policy", AccessPolicy::ALL.iter().map(AccessPolicy::as_str))
			},
			Sortable::Sensitivity => {
				by_name("sensitivity", Sensitivity::ALL.iter().map(Sensitivity::as_str))
			},
			Sortable::CreatedBlock => "created_block".into(),
			Sortable::UpdatedBlock => "updated_block".into(),
			Sortable::Relevance => "score".into(),
		}
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
	pub visible: Option<Visible>,
}

/// The datasets a reader may see: those of the listed sensitivities, its
/// own department's, and those it holds a live contract for.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Visible {
	/// Sensitivities every reader may see.
	pub sensitivities: Vec<Sensitivity>,
	/// The reader's department.
	pub department: Option<DepartmentId>,
	/// The datasets the reader holds a live contract for.
	pub contracted: Vec<DatasetId>,
}

impl Visible {
	/// Whether the reader may see the record `id`.
	pub fn admits(&self, id: DatasetId, d: &Record) -> bool {
		self.sensitivities.contains(&d.sensitivity)
			|| self.department == Some(d.owner)
			|| self.contracted.contains(&id)
	}

	/// The same as an SQL condition over the index's `datasets` columns.
	pub fn condition(&self) -> Condition {
		let any: Vec<Condition> = [
			one_of("sensitivity", self.sensitivities.iter().map(|s| *s as i64).collect()),
			one_of("owner", self.department.into_iter().map(i64::from).collect()),
			one_of("id", self.contracted.iter().map(|i| *i as i64).collect()),
		]
		.into_iter()
		.flatten()
		.collect();
		match any.is_empty() {
			true => Condition { sql: "0".into(), args: Vec::new() },
			false => Condition {
				sql: format!(
					"({})",
					any.iter().map(|c| c.sql.as_str()).collect::<Vec<_>>().join(" OR ")
				),
				args: any.into_iter().flat_map(|c| c.args).collect(),
			},
		}
	}
}

/// `column IN (?, …)` over `values`; `None` without values.
pub fn one_of(column: &str, values: Vec<i64>) -> Option<Condition> {
	(!values.is_empty()).then(|| Condition {
		sql: format!("{column} IN ({})", vec!["?"; values.len()].join(",")),
		args: values.into_iter().map(Sql::Integer).collect(),
	})
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
	halves(b)
		.into_iter()
		.map(|(_, west, east)| {
			Rect::new(coord! { x: d(west), y: d(b.south) }, coord! { x: d(east), y: d(b.north) })
		})
		.collect()
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
		self.intersects
			.as_ref()
			.is_none_or(|g| footprint(b).iter().any(|r| g.intersects(r)))
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
			&& self.filter.as_ref().is_none_or(|f| f.admits(id, d))
			&& self.visible.as_ref().is_none_or(|v| v.admits(id, d))
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
		let mut rng = super::super::store::tests::Rng(7);
		let record = super::super::store::tests::record(&mut rng, 1);
		// tokio's blocking threads, where candidates are evaluated, have 2 MiB.
		std::thread::Builder::new()
			.stack_size(512 << 10)
			.spawn(move || {
				for (text, json) in filters_at_the_bounds() {
					let filter =
						Filter::parse(&text, json).unwrap_or_else(|e| panic!("{e}: {text}"));
					filter.admits(1, &record);
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
			assert!(error.starts_with("too complex: "), "{error}");
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
	fn a_filter_implies_sql_conditions_for_its_conjuncts_that_compare_columns() {
		let prefilter = |text: &str| -> Vec<String> {
			Filter::parse(text, false)
				.unwrap()
				.prefilter()
				.iter()
				.map(|c| format!("{} {:?}", c.sql, c.args))
				.collect()
		};
		assert_eq!(
			prefilter("\"citychain:topic\" = 'health' AND 2 < \"citychain:owner\" AND collection IN ('department-1', 'department-3')"),
			vec![
				format!("topic = ? [Integer({})]", TopicCategory::ALL.iter().position(|t| *t == TopicCategory::Health).unwrap()),
				"owner > ? [Integer(2)]".to_string(),
				"owner IN (?, ?) [Integer(1), Integer(3)]".to_string(),
			]
		);
		assert_eq!(
			prefilter("id = '7' AND version <> '2' AND title = 'Parcels'"),
			vec![
				"id = ? [Integer(7)]".to_string(),
				"version <> ? [Integer(2)]".to_string(),
				"title = ? [Text(\"Parcels\")]".to_string(),
			]
		);
		// A name no value has: nothing can match.
		assert_eq!(
			prefilter("\"citychain:status\" = 'lost'"),
			vec!["status = ? [Integer(-1)]".to_string()]
		);
		// Nothing SQL could answer the same way: `or`, `not`, strings
		// ordered, a string where the Item has a number, other properties.
		for text in [
			"\"citychain:owner\" = 1 OR \"citychain:owner\" = 2",
			"NOT (\"citychain:owner\" = 1)",
			"collection < 'department-3'",
			"id = '007'",
			"\"citychain:owner\" = '1'",
			"description = 'x'",
		] {
			assert!(prefilter(text).is_empty(), "{text}");
		}
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
