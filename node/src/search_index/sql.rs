//! The SQL of a search: the conditions over the index's `datasets` columns,
//! its R*Tree and word tables that narrow the candidates of a `Search`, and
//! its order. SQL only narrows and sorts; `Search::matches` decides each
//! candidate. The store (`store`) holds the schema these name and runs them.

use citychain_primitives::{
	geometry::{DEGREE, MAX_LATITUDE, MAX_LONGITUDE},
	time::{MAX_TIME, MIN_TIME},
	AccessPolicy, BoundingBox, DatasetStatus, DepartmentId, Sensitivity, TimeInterval,
	TopicCategory,
};
use citychain_runtime::BlockNumber;
use cql2::Expr;
use geo::{BoundingRect, Geometry};
use rusqlite::types::Value as Sql;

use citychain_primitives::visibility::Visibility;

use super::{
	query::{Cursor, Filter, KeyValue, Search, Sortable},
	text::FreeText,
};

/// Most candidate rows one search examines before it returns a (possibly
/// short) page with a cursor to continue from: the bound on a query's work.
pub const MAX_CANDIDATES: usize = 10_000;

/// The columns of a candidate row before its sort keys: id, rid and box.
pub const KEYS: usize = 6;

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

/// The SQL conditions a filter implies, which narrow the candidates it is
/// evaluated on: each conjunct of an `and` that
/// compares a queryable with a column to literals (`=`, `<>`, and for
/// numbers `<`, `<=`, `>`, `>=`; `in` a list). Anything else implies
/// nothing here and is left to the evaluation on each candidate.
fn conjuncts(expr: &Expr, into: &mut Vec<Condition>) {
	let Expr::Operation { op, args } = expr else { return };
	let args: Vec<&Expr> = args.iter().map(|a| a.as_ref()).collect();
	match (op.as_str(), args.as_slice()) {
		("and", conjuncts) => conjuncts.iter().for_each(|c| self::conjuncts(c, into)),
		("in", [Expr::Property { property }, Expr::Array(values)]) => {
			if let Some(column) = column(property) {
				if let Some(values) =
					values.iter().map(|v| (column.value)(v)).collect::<Option<Vec<_>>>()
				{
					into.push(list(column.name, values));
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

/// The SQL conditions every record `filter` admits meets.
pub fn implied(filter: &Filter) -> Vec<Condition> {
	let mut into = Vec::new();
	conjuncts(filter.expr(), &mut into);
	into
}

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

/// The SQL expression of a sort field over the index's `datasets` table.
pub fn sort_expr(field: Sortable) -> String {
	match field {
		Sortable::Id => "id".into(),
		Sortable::Start => "start_ms".into(),
		Sortable::End => "end_ms".into(),
		Sortable::Title => "title COLLATE NOCASE".into(),
		Sortable::Created => "created_ms".into(),
		Sortable::Updated => "updated_ms".into(),
		Sortable::Version => "version".into(),
		Sortable::Owner => "owner".into(),
		Sortable::Topic => by_name("topic", TopicCategory::ALL.iter().map(TopicCategory::as_str)),
		Sortable::Status => by_name("status", DatasetStatus::ALL.iter().map(DatasetStatus::as_str)),
		Sortable::Policy => by_name("policy", AccessPolicy::ALL.iter().map(AccessPolicy::as_str)),
		Sortable::Sensitivity => {
			by_name("sensitivity", Sensitivity::ALL.iter().map(Sensitivity::as_str))
		},
		Sortable::CreatedBlock => "created_block".into(),
		Sortable::UpdatedBlock => "updated_block".into(),
		Sortable::Relevance => "score".into(),
	}
}

/// What a reader may see (`Visibility::admits`) as an SQL condition over the
/// index's `datasets` columns.
pub fn visible(v: &Visibility) -> Condition {
	let any: Vec<Condition> = [
		one_of("sensitivity", v.sensitivities.iter().map(|s| *s as i64).collect()),
		one_of("owner", v.department.into_iter().map(i64::from).collect()),
		one_of("id", v.contracted().iter().map(|i| *i as i64).collect()),
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

/// `column IN (?, …)` over `values`; `None` without values.
pub fn one_of(column: &str, values: Vec<i64>) -> Option<Condition> {
	(!values.is_empty()).then(|| list(column, values.into_iter().map(Sql::Integer).collect()))
}

/// `column IN (?, …)` over `values`.
fn list(column: &str, values: Vec<Sql>) -> Condition {
	Condition { sql: format!("{column} IN ({})", vec!["?"; values.len()].join(", ")), args: values }
}

/// The R*Tree's time of `ms`: minutes, rounded down for a start (`up`
/// false) and up for an end, so that its interval covers the exact one.
/// `MIN_TIME..=MAX_TIME` in minutes fits in the R*Tree's 32 bits.
pub fn minutes(ms: i64, up: bool) -> i64 {
	const MINUTE: i64 = 60_000;
	if up {
		ms.div_euclid(MINUTE) + i64::from(ms.rem_euclid(MINUTE) != 0)
	} else {
		ms.div_euclid(MINUTE)
	}
}

/// The box around `geometry`, rounded outward: what the R*Tree narrows to
/// before the exact test against each footprint (`query::meets`) decides.
pub fn around(geometry: &Geometry<f64>) -> Option<BoundingBox> {
	geometry.bounding_rect().map(|rect| {
		let fixed = |d: f64, round: fn(f64) -> f64| {
			round(d * f64::from(DEGREE)).clamp(-f64::from(MAX_LONGITUDE), f64::from(MAX_LONGITUDE))
				as i32
		};
		let (min, max) = (rect.min(), rect.max());
		BoundingBox {
			west: fixed(min.x, f64::floor),
			south: fixed(min.y, f64::floor).max(-MAX_LATITUDE),
			east: fixed(max.x, f64::ceil),
			north: fixed(max.y, f64::ceil).min(MAX_LATITUDE),
		}
	})
}

/// The rows of `datasets` that block `?` (bound twice) held.
pub const HELD_AT: &str = "since <= ? AND (until IS NULL OR until > ?)";

/// Narrows `filters` to the rows whose extent meets `bbox` (any place if
/// none) and `time` (any time if none).
fn extents(
	filters: &mut Vec<String>,
	args: &mut Vec<Sql>,
	bbox: Option<&BoundingBox>,
	time: Option<&TimeInterval>,
) {
	let (south, north) = bbox.map_or((-MAX_LATITUDE, MAX_LATITUDE), |b| (b.south, b.north));
	let (start, end) = time
		.map_or((MIN_TIME, MAX_TIME), |t| (t.start.unwrap_or(MIN_TIME), t.end.unwrap_or(MAX_TIME)));
	let parts: Vec<(i32, i32)> =
		bbox.map_or(vec![(-MAX_LONGITUDE, MAX_LONGITUDE)], |b| b.longitude_spans().collect());
	let select = "SELECT slot >> 1 FROM extents WHERE west <= ? AND east >= ? AND south <= ? \
		AND north >= ? AND start <= ? AND end >= ?";
	filters.push(format!("rid IN ({})", vec![select; parts.len()].join(" UNION ")));
	for (west, east) in parts {
		args.extend([east, west, north, south].map(|v| Sql::Integer(v.into())));
		args.extend([minutes(end, true), minutes(start, false)].map(Sql::Integer));
	}
	if time.is_some() {
		filters.push("start_ms <= ? AND end_ms >= ?".into());
		args.extend([end, start].map(Sql::Integer));
	}
}

/// Rows after the cursor in the order `(keys…, id)`: for keys `k1, k2` with
/// values `v1, v2`, `k1 > v1 OR (k1 = v1 AND k2 > v2) OR (k1 = v1 AND k2 = v2
/// AND id > vid)`, each `>` a `<` for a descending key.
fn after(order: &[(String, bool)], cursor: &Cursor, args: &mut Vec<Sql>) -> String {
	// `order` is the order of the scan: reversed for a backward cursor, the
	// id's included.
	let id_descending = cursor.backward;
	let values: Vec<Sql> = cursor
		.keys
		.iter()
		.map(|value| match value {
			KeyValue::Int(i) => Sql::Integer(*i),
			KeyValue::Text(t) => Sql::Text(t.clone()),
		})
		.chain([Sql::Integer(cursor.id as i64)])
		.collect();
	let columns: Vec<(&str, bool)> = order
		.iter()
		.map(|(expr, d)| (expr.as_str(), *d))
		.chain([("id", id_descending)])
		.collect();
	let mut any = Vec::new();
	for (i, (expr, descending)) in columns.iter().enumerate() {
		let mut all: Vec<String> = columns[..i].iter().map(|(e, _)| format!("{e} = ?")).collect();
		all.push(format!("{expr} {} ?", if *descending { "<" } else { ">" }));
		args.extend(values[..=i].iter().cloned());
		any.push(format!("({})", all.join(" AND ")));
	}
	format!("({})", any.join(" OR "))
}

/// `WITH scores (hit, score)`: the rows in which a term of `text` occurs,
/// each with its rank (the weights of the columns each term occurs in).
fn scores(text: &FreeText, args: &mut Vec<Sql>) -> String {
	let hits: Vec<String> = text
		.queries()
		.map(|(query, weight)| {
			args.push(Sql::Text(query));
			format!("SELECT rowid AS hit, {weight} AS weight FROM terms WHERE terms MATCH ?")
		})
		.collect();
	format!(
		"WITH scores (hit, score) AS (SELECT hit, SUM(weight) FROM ({}) GROUP BY hit) ",
		hits.join(" UNION ALL ")
	)
}

/// The query of a search's candidates at block `at`, with its arguments:
/// rows `id, rid, west, south, east, north` (`KEYS` columns) and then the
/// sort keys' values, in the order of the scan (reversed for a backward
/// cursor), at most [`MAX_CANDIDATES`] of them.
pub fn candidates(search: &Search, at: BlockNumber) -> (String, Vec<Sql>) {
	candidates_up_to(search, at, MAX_CANDIDATES)
}

/// `candidates`, at most `most` of them.
pub fn candidates_up_to(search: &Search, at: BlockNumber, most: usize) -> (String, Vec<Sql>) {
	let query = &search.query;
	// A backward cursor reads the order reversed from where it stands; its
	// page is turned round at the end.
	let backward = search.cursor.as_ref().is_some_and(|c| c.backward);
	let order: Vec<(String, bool)> = search
		.order()
		.iter()
		.map(|k| (sort_expr(k.field), k.descending != backward))
		.collect();
	// Free text joins its ranks (the rows it matches) ahead of the filters.
	let mut args: Vec<Sql> = Vec::new();
	let (with, join) = match &search.free_text {
		Some(text) => (scores(text, &mut args), " JOIN scores ON hit = rid"),
		None => (String::new(), ""),
	};
	let mut filters = vec![HELD_AT.to_string()];
	args.extend([Sql::Integer(at.into()), Sql::Integer(at.into())]);
	if let Some(cursor) = &search.cursor {
		let mut keyset = Vec::new();
		filters.push(after(&order, cursor, &mut keyset));
		args.extend(keyset);
	}
	let lists = [
		one_of("owner", query.owner.into_iter().map(i64::from).collect()),
		one_of("owner", search.owners.iter().map(|o| i64::from(*o)).collect()),
		one_of("status", query.status.into_iter().map(|s| s as i64).collect()),
		one_of("topic", query.topics.iter().map(|t| *t as i64).collect()),
		one_of("policy", search.policies.iter().map(|p| *p as i64).collect()),
		one_of("sensitivity", search.sensitivities.iter().map(|s| *s as i64).collect()),
		one_of("id", search.ids.iter().map(|i| *i as i64).collect()),
	];
	// What the CQL2 filter implies narrows the candidates it is evaluated
	// on; what the reader may see narrows them too.
	let conditions = lists
		.into_iter()
		.flatten()
		.chain(search.filter.iter().flat_map(implied))
		.chain(search.visible.as_ref().map(visible));
	for Condition { sql, args: values } in conditions {
		filters.push(sql);
		args.extend(values);
	}
	let around = search.intersects.as_ref().and_then(around);
	// One R*Tree lookup in space and time together (a place and a time
	// looked up apart would each match far more than both).
	let place = query.bbox.is_some() || around.is_some();
	match (query.bbox.as_ref(), around.as_ref()) {
		(Some(bbox), Some(around)) => {
			extents(&mut filters, &mut args, Some(bbox), query.time.as_ref());
			extents(&mut filters, &mut args, Some(around), None);
		},
		(bbox, around) if place || query.time.is_some() => {
			extents(&mut filters, &mut args, bbox.or(around), query.time.as_ref())
		},
		_ => {},
	}
	// Without a place, trigrams narrow (terms of three bytes or more); with
	// one, the R*Tree has narrowed to what lies near it, and a common word
	// would only add a long list of rows. `matches` checks exactly.
	let phrase = |t: &[u8]| format!("\"{}\"", String::from_utf8_lossy(t).replace('"', "\"\""));
	let mut words = Vec::new();
	if let Some(text) = query.text.as_ref().filter(|t| t.len() >= 3 && !place) {
		words.push(format!("{{title keywords}} : {}", phrase(text)));
	}
	if !place && !search.keywords.is_empty() && search.keywords.iter().all(|k| k.len() >= 3) {
		let any = search
			.keywords
			.iter()
			.map(|k| format!("keywords : {}", phrase(k)))
			.collect::<Vec<_>>();
		words.push(format!("({})", any.join(" OR ")));
	}
	for expression in words {
		filters.push("rid IN (SELECT rowid FROM words WHERE words MATCH ?)".into());
		args.push(Sql::Text(expression));
	}
	// Byte for byte in the narrow row, so that a record is read only if it
	// mentions the text.
	if let Some(text) = query.text.as_ref().filter(|t| !t.is_empty()) {
		filters.push("instr(mention, ?) > 0".into());
		args.push(Sql::Blob(text.to_ascii_lowercase()));
	}
	let keys: String = order.iter().map(|(expr, _)| format!(", {expr}")).collect();
	let sort: String = order
		.iter()
		.map(|(expr, desc)| format!("{expr}{}, ", if *desc { " DESC" } else { "" }))
		.collect();
	let sql = format!(
		"{with}SELECT id, rid, west, south, east, north{keys} FROM datasets{join} WHERE {} ORDER BY {sort}id{} LIMIT {most}",
		filters.join(" AND "),
		if backward { " DESC" } else { "" }
	);
	(sql, args)
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn a_filter_implies_sql_conditions_for_its_conjuncts_that_compare_columns() {
		let prefilter = |text: &str| -> Vec<String> {
			implied(&Filter::parse(text, false).unwrap())
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
	fn the_r_tree_minutes_cover_the_exact_times_and_fit_in_32_bits() {
		assert_eq!((minutes(120_000, false), minutes(120_000, true)), (2, 2));
		assert_eq!((minutes(120_001, false), minutes(120_001, true)), (2, 3));
		assert_eq!((minutes(-1, false), minutes(-1, true)), (-1, 0));
		assert!(minutes(MIN_TIME, false) >= i64::from(i32::MIN));
		assert!(minutes(MAX_TIME, true) <= i64::from(i32::MAX));
	}
}
