//! The parameters of the audit methods, which any caller of a node's RPC
//! may send: `audit_root`, `audit_inclusionProof`, `audit_consistencyProof`,
//! `audit_finality` and `audit_accessSearch`. Valid parameters are read
//! (`audit_accessSearch`'s also pass the `check` the node makes before it
//! searches) and read the same once written back, however a client writes
//! what it leaves out; past each bound they are refused with an error that
//! names the parameter; and a list past its bound is refused at its first
//! value past the bound, so that even an endless list is refused after
//! reading that far.
//!
//! The box, the geometry and the datetime of `audit_accessSearch` are kept
//! as JSON by this crate and parsed, with their bounds (10 000 positions,
//! 16 levels, 128 bytes), by the node with `citychain_stac`, whose tests
//! hold those bounds: here they are carried unchanged, and a geometry is
//! read no deeper than JSON reading allows. Likewise a cursor is bounded
//! here by its length only; whether this node sealed it, the node checks.

use std::io::{self, Read};

use citychain_primitives::{audit::MAX_ENTRY_PAGE, terms::MAX_PURPOSE_CODE_LEN};
use citychain_rpc_api::{
	accountability::{AccessSearchParams, Outcome, MAX_CURSOR_LEN, MAX_DEPARTMENTS, MAX_LIMIT},
	audit::{ConsistencyParams, InclusionParams, RootParams},
	datasets::{rfc3339, BboxParam},
	BlockNumber,
};
use proptest::{collection::vec, option, prelude::*, sample::select};
use serde::{de::DeserializeOwned, Serialize};
use serde_json::{json, Map, Value};

/// The fields of `audit_accessSearch`'s parameters, each with how a client
/// may write it empty.
static ACCESS_FIELDS: [(&str, Value); 11] = [
	("bbox", Value::Null),
	("intersects", Value::Null),
	("datetime", Value::Null),
	("accessedFrom", Value::Null),
	("accessedTo", Value::Null),
	("consumer", Value::Array(Vec::new())),
	("provider", Value::Null),
	("purpose", Value::Null),
	("outcome", Value::Array(Vec::new())),
	("cursor", Value::Null),
	("limit", Value::Null),
];

/// `json` as the node reads `audit_accessSearch`'s parameters before it
/// parses the box, the geometry and the datetime: read, then checked.
fn access_search(json: &str) -> Result<AccessSearchParams, String> {
	let params: AccessSearchParams = serde_json::from_str(json).map_err(|e| e.to_string())?;
	params.check().map(|()| params)
}

fn read<T: DeserializeOwned>(json: &str) -> Result<T, String> {
	serde_json::from_str(json).map_err(|e| e.to_string())
}

/// `params` as JSON, with each of `fields` it leaves out written empty.
fn written_empty<T: Serialize>(params: &T, fields: &[(&str, Value)]) -> String {
	let mut json = serde_json::to_value(params).expect("parameters are JSON");
	let object = json.as_object_mut().expect("parameters are an object");
	for (name, empty) in fields {
		object.entry(*name).or_insert_with(|| empty.clone());
	}
	json.to_string()
}

/// Checks that `params` read the same once written, whether what they
/// leave out is left out or written empty.
fn reads_back<T>(
	params: &T,
	fields: &[(&str, Value)],
	read: impl Fn(&str) -> Result<T, String>,
) -> Result<(), TestCaseError>
where
	T: Serialize + PartialEq + std::fmt::Debug,
{
	let written = serde_json::to_string(params).expect("parameters are JSON");
	for json in [written, written_empty(params, fields)] {
		let again = read(&json).map_err(|e| TestCaseError::fail(format!("{json}: {e}")))?;
		prop_assert_eq!(&again, params, "written as {}", json);
	}
	Ok(())
}

/// A box `[west, south, east, north]` in degrees (west above east crosses
/// the antimeridian).
fn degrees() -> impl Strategy<Value = [f64; 4]> {
	(-180.0..=180.0f64, -90.0..=90.0f64, -180.0..=180.0f64, -90.0..=90.0f64)
		.prop_map(|(w, s, e, n)| [w, s.min(n), e, s.max(n)])
}

/// A box as `datasets_search` takes it: four numbers, six with
/// elevations, or the text of four.
fn bbox() -> impl Strategy<Value = BboxParam> {
	(degrees(), 0..3u8).prop_map(|([w, s, e, n], form)| {
		BboxParam(match form {
			0 => json!([w, s, e, n]),
			1 => json!([w, s, -10.5, e, n, 100]),
			_ => json!(format!("{w},{s},{e},{n}")),
		})
	})
}

/// A GeoJSON point, or a box's polygon.
fn geometry() -> impl Strategy<Value = Value> {
	(degrees(), any::<bool>()).prop_map(|([w, s, e, n], point)| {
		if point {
			json!({ "type": "Point", "coordinates": [w, s] })
		} else {
			json!({ "type": "Polygon", "coordinates": [[[w, s], [e, s], [e, n], [w, n], [w, s]]] })
		}
	})
}

/// A STAC datetime: an instant, or an interval whose ends may be open.
fn datetime() -> impl Strategy<Value = String> {
	let instant = (0..4_102_444_800_000i64).prop_map(rfc3339);
	let end =
		prop_oneof![2 => instant.clone(), 1 => Just("..".to_owned()), 1 => Just(String::new())];
	prop_oneof![instant, (end.clone(), end).prop_map(|(a, b)| format!("{a}/{b}"))]
}

/// An access period, its end not before its start.
fn accessed() -> impl Strategy<Value = (Option<i64>, Option<i64>)> {
	(option::of(any::<i64>()), option::of(any::<i64>())).prop_map(|bounds| match bounds {
		(Some(a), Some(b)) => (Some(a.min(b)), Some(a.max(b))),
		one => one,
	})
}

/// A purpose code: 1 to 32 of a-z, 0-9 and inner `-`.
fn purpose_code() -> impl Strategy<Value = String> {
	"[a-z0-9]([a-z0-9-]{0,30}[a-z0-9])?"
}

/// As many of `chars` as fit in `max` bytes.
fn fit(chars: Vec<char>, max: usize) -> String {
	let mut text = String::new();
	for c in chars {
		if text.len() + c.len_utf8() > max {
			break;
		}
		text.push(c);
	}
	text
}

/// Any text of at most 128 bytes: what the node makes of it is its own
/// check (the cursor is sealed for this node).
fn cursor() -> impl Strategy<Value = String> {
	vec(any::<char>(), 0..=MAX_CURSOR_LEN).prop_map(|chars| fit(chars, MAX_CURSOR_LEN))
}

fn access_params() -> impl Strategy<Value = AccessSearchParams> {
	let place = prop_oneof![
		Just((None, None)),
		bbox().prop_map(|b| (Some(b), None)),
		geometry().prop_map(|g| (None, Some(g))),
	];
	let departments = vec(any::<u32>(), 0..=MAX_DEPARTMENTS);
	(
		place,
		option::of(datetime()),
		accessed(),
		departments.clone(),
		departments,
		option::of(purpose_code()),
		vec(select(Outcome::ALL), 0..=Outcome::ALL.len()),
		option::of(cursor()),
		option::of(prop_oneof![Just(1), Just(MAX_LIMIT), 1..=MAX_LIMIT]),
	)
		.prop_map(
			|(
				(bbox, intersects),
				datetime,
				(accessed_from, accessed_to),
				consumer,
				provider,
				purpose,
				outcome,
				cursor,
				limit,
			)| AccessSearchParams {
				bbox,
				intersects,
				datetime,
				accessed_from,
				accessed_to,
				consumer,
				provider,
				purpose,
				outcome,
				cursor,
				limit,
			},
		)
}

fn inclusion_params() -> impl Strategy<Value = InclusionParams> {
	(vec(any::<u64>(), 1..=MAX_ENTRY_PAGE as usize), option::of(any::<u64>()))
		.prop_map(|(indices, size)| InclusionParams { indices, size })
}

/// A JSON value no list of numbers or outcomes holds.
fn foreign_item() -> impl Strategy<Value = Value> {
	prop_oneof![
		Just(json!(-1)),
		Just(json!(1.5)),
		Just(json!("3")),
		Just(json!(null)),
		Just(json!([])),
		Just(json!({})),
		Just(serde_json::from_str("18446744073709551616").expect("a number")),
	]
}

/// The fields of the proof methods' parameters.
const PROOF_FIELDS: [&str; 4] = ["indices", "size", "oldSize", "newSize"];

/// A name none of these parameters have, in any case.
fn unknown_field() -> impl Strategy<Value = String> {
	"[a-z]{1,8}".prop_filter("a field of the parameters", |name| {
		let mut fields = ACCESS_FIELDS.iter().map(|(field, _)| *field).chain(PROOF_FIELDS);
		!fields.any(|field| field.eq_ignore_ascii_case(name))
	})
}

/// One way to step past a bound of `audit_accessSearch`'s parameters.
#[derive(Clone, Debug)]
enum Fault {
	/// A list of `len` values, past its bound.
	Long(&'static str, usize),
	/// A list with a value it cannot hold.
	Foreign(&'static str, Value),
	/// Both a box and a geometry.
	BoxAndGeometry(BboxParam, Value),
	/// An access period that ends before it starts.
	Reversed(i64, i64),
	/// Text that is not a purpose code.
	Purpose(String),
	/// A cursor longer than any a node makes.
	Cursor(String),
	/// A limit outside 1 to 100, or not a page size at all.
	Limit(Value),
	/// A field the parameters do not have.
	Unknown(String),
}

impl Fault {
	/// Writes the fault into `object`; returns how the refusal begins.
	fn apply(self, object: &mut Map<String, Value>) -> String {
		let mut set = |field: &str, value: Value| object.insert(field.to_owned(), value);
		match self {
			Fault::Long(field, len) => {
				let (item, max) = match field {
					"outcome" => (json!("granted"), Outcome::ALL.len()),
					_ => (json!(7), MAX_DEPARTMENTS),
				};
				set(field, Value::Array(vec![item; len]));
				format!("{field}: at most {max} values")
			},
			Fault::Foreign(field, item) => {
				let valid = if field == "outcome" { json!("lapsed") } else { json!(2) };
				set(field, json!([valid, item]));
				format!("{field}: ")
			},
			Fault::BoxAndGeometry(bbox, geometry) => {
				set("bbox", bbox.0);
				set("intersects", geometry);
				"bbox and intersects: give one or the other".into()
			},
			Fault::Reversed(from, to) => {
				set("accessedFrom", json!(from));
				set("accessedTo", json!(to));
				format!("accessedTo: {to} is before accessedFrom {from}")
			},
			Fault::Purpose(text) => {
				set("purpose", json!(text));
				"purpose: ".into()
			},
			Fault::Cursor(text) => {
				set("cursor", json!(text));
				format!("cursor: longer than {MAX_CURSOR_LEN} bytes")
			},
			Fault::Limit(limit) => {
				let in_range = limit.as_u64().is_some_and(|l| l <= u64::from(u32::MAX));
				set("limit", limit);
				if in_range { "limit must be" } else { "limit: " }.into()
			},
			Fault::Unknown(name) => {
				set(&name, json!(1));
				format!("unknown field `{name}`")
			},
		}
	}
}

fn fault() -> impl Strategy<Value = Fault> {
	let list = select(vec!["consumer", "provider", "outcome"]);
	let long = list.clone().prop_flat_map(|field| {
		let max = if field == "outcome" { Outcome::ALL.len() } else { MAX_DEPARTMENTS };
		prop_oneof![Just(max + 1), max + 2..=4 * max].prop_map(move |len| Fault::Long(field, len))
	});
	let reversed = (any::<i64>(), any::<i64>())
		.prop_filter("an interval that ends first", |(a, b)| a != b)
		.prop_map(|(a, b)| Fault::Reversed(a.max(b), a.min(b)));
	let purpose = prop_oneof![
		vec(proptest::char::range('a', 'z'), MAX_PURPOSE_CODE_LEN as usize + 1..=256)
			.prop_map(String::from_iter),
		"[a-z]{0,4}[A-Z _.:é/\"\\\\][a-z]{0,4}",
		"-[a-z]{1,8}",
		"[a-z]{1,8}-",
		Just(String::new()),
	];
	let limit = prop_oneof![
		Just(json!(0)),
		Just(json!(MAX_LIMIT + 1)),
		(MAX_LIMIT + 2..=u32::MAX).prop_map(|l| json!(l)),
		Just(json!(-1)),
		Just(json!(2.5)),
		Just(json!(u64::from(u32::MAX) + 1)),
		Just(json!("20")),
		Just(json!([])),
	];
	prop_oneof![
		long,
		(list, foreign_item()).prop_map(|(field, item)| Fault::Foreign(field, item)),
		(bbox(), geometry()).prop_map(|(b, g)| Fault::BoxAndGeometry(b, g)),
		reversed,
		purpose.prop_map(Fault::Purpose),
		// Each character is a byte or more: the text is past the bound.
		vec(any::<char>(), MAX_CURSOR_LEN + 1..=4 * MAX_CURSOR_LEN)
			.prop_map(|chars| Fault::Cursor(chars.into_iter().collect())),
		limit.prop_map(Fault::Limit),
		unknown_field().prop_map(Fault::Unknown),
	]
}

/// Malformed JSON numbers for a size or a block number: negative, too
/// large for any, fractional, or not a number.
fn not_a_number() -> impl Strategy<Value = String> {
	prop_oneof![
		(1..=u64::MAX).prop_map(|n| format!("-{n}")),
		Just("18446744073709551616".to_owned()),
		(0.0..1e6f64)
			.prop_filter("fractional", |f| f.fract() != 0.0)
			.prop_map(|f| f.to_string()),
		Just("\"7\"".to_owned()),
		Just("[]".to_owned()),
		Just("{}".to_owned()),
		Just("true".to_owned()),
	]
}

proptest! {
	#![proptest_config(ProptestConfig::with_cases(512))]

	#[test]
	fn valid_access_searches_are_read_and_read_back_the_same(params in access_params()) {
		reads_back(&params, &ACCESS_FIELDS, access_search)?;
	}

	/// Whatever faults a search has, it is refused by the name of one of
	/// them; without any, it is read as it was made.
	#[test]
	fn access_searches_past_a_bound_are_refused_by_name(
		params in access_params(),
		faults in vec(fault(), 0..=2),
	) {
		let mut json = serde_json::to_value(&params).expect("parameters are JSON");
		let object = json.as_object_mut().expect("an object");
		let names: Vec<String> = faults.into_iter().map(|f| f.apply(object)).collect();
		match access_search(&json.to_string()) {
			Ok(again) => {
				prop_assert!(names.is_empty(), "{} read, past {:?}", json, names);
				prop_assert_eq!(again, params);
			},
			Err(error) => prop_assert!(
				names.iter().any(|name| error.starts_with(name.as_str())),
				"{} refused with {:?}, past {:?}",
				json,
				error,
				names
			),
		}
	}

	#[test]
	fn valid_proof_params_are_read_and_read_back_the_same(
		inclusion in inclusion_params(),
		root in option::of(any::<u64>()),
		(old_size, new_size) in (any::<u64>(), option::of(any::<u64>())),
		number in option::of(any::<BlockNumber>()),
	) {
		let size = [("size", Value::Null)];
		reads_back(&inclusion, &size, read::<InclusionParams>)?;
		reads_back(&RootParams { size: root }, &size, read::<RootParams>)?;
		let consistency = ConsistencyParams { old_size, new_size };
		reads_back(&consistency, &[("newSize", Value::Null)], read::<ConsistencyParams>)?;
		let written = serde_json::to_string(&number).expect("JSON");
		prop_assert_eq!(read::<Option<BlockNumber>>(&written), Ok(number));
	}

	#[test]
	fn indices_past_their_bounds_are_refused_by_name(
		indices in prop_oneof![
			Just(0usize),
			Just(MAX_ENTRY_PAGE as usize + 1),
			MAX_ENTRY_PAGE as usize + 2..=20 * MAX_ENTRY_PAGE as usize,
		],
		foreign in foreign_item(),
		at in 0..MAX_ENTRY_PAGE as usize,
	) {
		let error = read::<InclusionParams>(&json!({ "indices": vec![5; indices] }).to_string())
			.unwrap_err();
		let bound = if indices == 0 { "indices: none given" } else { "indices: at most 100 values" };
		prop_assert!(error.starts_with(bound), "{} indices: {}", indices, error);
		let mut with_foreign = vec![json!(5); at];
		with_foreign.push(foreign.clone());
		let error = read::<InclusionParams>(&json!({ "indices": with_foreign }).to_string())
			.unwrap_err();
		prop_assert!(error.starts_with("indices: "), "{}: {}", foreign, error);
	}

	#[test]
	fn sizes_and_block_numbers_are_whole_numbers_in_range(
		bad in not_a_number(),
		beyond_u32 in u64::from(BlockNumber::MAX) + 1..=u64::MAX,
		name in unknown_field(),
	) {
		for json in [
			format!(r#"{{"indices":[1],"size":{bad}}}"#),
			format!(r#"{{"indices":[{bad}]}}"#),
			format!(r#"{{"indices":[1],"{name}":1}}"#),
		] {
			prop_assert!(read::<InclusionParams>(&json).is_err(), "{}", json);
		}
		for json in [format!(r#"{{"size":{bad}}}"#), format!(r#"{{"{name}":1}}"#)] {
			prop_assert!(read::<RootParams>(&json).is_err(), "{}", json);
		}
		for json in [
			format!(r#"{{"oldSize":{bad}}}"#),
			format!(r#"{{"oldSize":1,"newSize":{bad}}}"#),
			format!(r#"{{"oldSize":1,"{name}":1}}"#),
		] {
			prop_assert!(read::<ConsistencyParams>(&json).is_err(), "{}", json);
		}
		prop_assert!(read::<Option<BlockNumber>>(&bad).is_err(), "{}", bad);
		prop_assert!(read::<Option<BlockNumber>>(&beyond_u32.to_string()).is_err());
	}
}

/// What a proof method needs is not left to a default.
#[test]
fn what_a_proof_needs_is_required() {
	assert!(read::<InclusionParams>(r#"{"size":3}"#)
		.unwrap_err()
		.starts_with("missing field"));
	assert!(read::<ConsistencyParams>(r#"{"newSize":3}"#)
		.unwrap_err()
		.starts_with("missing field `oldSize`"));
	assert_eq!(read::<RootParams>("{}"), Ok(RootParams { size: None }));
	assert_eq!(read::<Option<BlockNumber>>("null"), Ok(None));
}

/// At most this many bytes of the [`Endless`] input are given: a reader
/// that gets this far was not refused while reading.
const ENOUGH: usize = 1 << 24;

/// `prefix`, then `item` again and again, as good as without end (it ends
/// after [`ENOUGH`] bytes): counts the bytes it gives.
struct Endless {
	prefix: &'static [u8],
	item: &'static [u8],
	given: usize,
}

impl Read for Endless {
	fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
		let len = buf.len().min(ENOUGH - self.given);
		for byte in &mut buf[..len] {
			*byte = match self.given.checked_sub(self.prefix.len()) {
				None => self.prefix[self.given],
				Some(at) => self.item[at % self.item.len()],
			};
			self.given += 1;
		}
		Ok(len)
	}
}

/// How `T` refuses `prefix` followed by `item` without end, and how many
/// items were reached: the last, perhaps, only by its first bytes (JSON
/// reading looks at the byte after a list's value past its bound, to end
/// the list, even when the value is refused).
fn refused_while_read<T: DeserializeOwned>(
	prefix: &'static str,
	item: &'static str,
) -> (String, usize) {
	let mut input = Endless { prefix: prefix.as_bytes(), item: item.as_bytes(), given: 0 };
	let error = match serde_json::from_reader::<_, T>(&mut input) {
		Ok(_) => panic!("{prefix}{item}… read"),
		Err(e) => e.to_string(),
	};
	(error, (input.given - prefix.len()).div_ceil(item.len()))
}

#[test]
fn a_list_past_its_bound_is_refused_at_the_first_value_past_it() {
	let max = MAX_ENTRY_PAGE as usize;
	let (error, reached) = refused_while_read::<InclusionParams>(r#"{"indices":["#, "7,");
	assert!(error.starts_with("indices: at most 100 values"), "{error}");
	assert!((max + 1..=max + 2).contains(&reached), "{reached} indices");
	for (field, prefix, item, max) in [
		("consumer", r#"{"consumer":["#, "7,", MAX_DEPARTMENTS),
		("provider", r#"{"limit":5,"provider":["#, "12,", MAX_DEPARTMENTS),
		("outcome", r#"{"outcome":["#, r#""granted","#, Outcome::ALL.len()),
	] {
		let (error, reached) = refused_while_read::<AccessSearchParams>(prefix, item);
		assert!(error.starts_with(&format!("{field}: at most {max} values")), "{error}");
		assert!((max + 1..=max + 2).contains(&reached), "{reached} {field}");
	}
}

/// A geometry or a box nested without end is refused at JSON reading's
/// depth bound (128), long before the stack runs out; the node's own bound
/// on a geometry (16 levels) applies to what is read.
#[test]
fn a_place_nested_without_end_is_refused_while_read() {
	for (prefix, item) in [
		(r#"{"intersects":"#, "["),
		(r#"{"intersects":"#, r#"{"coordinates":"#),
		(r#"{"bbox":"#, "["),
	] {
		let (error, reached) = refused_while_read::<AccessSearchParams>(prefix, item);
		assert!(error.starts_with("recursion limit exceeded"), "{prefix}{item}: {error}");
		assert!(reached <= 129, "{prefix}{item}: {reached} levels read");
	}
}
