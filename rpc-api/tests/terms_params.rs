//! The parameters of `access_evaluate` and `access_odrl`, which any client of
//! a node's RPC sends (the gateway relays `access_*` reads), read from
//! arbitrary bytes and from near-valid JSON: never a panic; whatever is read
//! kept the bounds the text gave it (an account of at most 64 bytes, a
//! purpose of at most 512, a box of exactly four numbers, a base an http(s)
//! URL of at most 512 bytes); and whatever is read, written back, reads the
//! same. These properties were a cargo-fuzz target until linking this crate
//! made the fuzz crate's cold build too slow for CI; here the workspace's
//! tests build this crate anyway.

use citychain_primitives::access::MAX_PURPOSE_LEN;
use citychain_rpc_api::{
	reader::MAX_READER_BYTES,
	terms::{EvaluateParams, OdrlParams, MAX_BASE_LEN},
	AccountId,
};
use proptest::{
	collection::vec,
	option::weighted,
	prelude::*,
	sample::{select, Index},
	strategy::ValueTree,
	test_runner::TestRunner,
};
use serde::{de::DeserializeOwned, Deserialize, Serialize};
use serde_json::{json, Map, Value};
use sp_core::crypto::{Ss58AddressFormat, Ss58Codec};

/// The fuzz target's seeds: one request to evaluate, the two kinds of ODRL
/// document.
const SEEDS: [&str; 3] = [
	r#"{"account":"5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY","dataset":1,"purpose":"research: flood model","term":100,"bbox":[-1.5,50.25,2,51],"time":{"start":0,"end":86400000}}"#,
	r#"{"contract":12,"base":"http://localhost:8080"}"#,
	r#"{"dataset":3,"base":"https://gateway.city.example/"}"#,
];

/// Boxes whose numbers serde_json's default float parsing reads one unit in
/// the last place off (its `float_roundtrip` feature reads them exactly, at
/// the price of rebuilding everything that links serde_json with it; a
/// nanometre on the ground does not pay for that).
const FOUND: [&str; 2] = [
	r#"{"account":"5C4hrfjw9DjXZTzV3MwzrrAr9P1MJhSrvWGWqi1eSuyUpnhM","dataset":0,"purpose":"","term":0,"bbox":[0,0,0,-1.4022471701395045e17]}"#,
	r#"{"account":"5C4hrfjw9DjXZTzV3MwzrrAr9P1MJhSrvWGWqi1eSuyUpnhM","dataset":0,"purpose":"","term":0,"bbox":[0,0,0,-128.19241551128385]}"#,
];

/// The bounded fields as the text gave them, read leniently (other fields
/// ignored): what the parameters read are checked against.
#[derive(Deserialize)]
struct Said {
	account: Option<String>,
	purpose: Option<String>,
	bbox: Option<Value>,
	base: Option<String>,
}

/// Reads `bytes` as either method's parameters; whatever is read must keep
/// its bounds and read the same once written back.
fn check(bytes: &[u8]) -> Result<(), TestCaseError> {
	if let Ok(params) = serde_json::from_slice::<EvaluateParams>(bytes) {
		let said = said(bytes)?;
		let account = said.account.unwrap_or_default();
		prop_assert!(account.len() <= MAX_READER_BYTES, "account of {} bytes", account.len());
		prop_assert_eq!(AccountId::from_ss58check(&account).ok(), Some(params.account.clone()));
		prop_assert_eq!(said.purpose.as_ref(), Some(&params.purpose));
		prop_assert!(params.purpose.len() <= MAX_PURPOSE_LEN as usize);
		match (said.bbox, params.bbox) {
			(None, None) => {},
			(Some(Value::Array(numbers)), Some(_)) => {
				prop_assert!(numbers.len() == 4 && numbers.iter().all(Value::is_number));
			},
			(given, read) => prop_assert!(false, "bbox {:?} read as {:?}", given, read),
		}
		let read = round_trip(&params)?;
		match (read.bbox, params.bbox) {
			(Some(again), Some(first)) => prop_assert!(
				again.iter().zip(first).all(|(a, b)| within_one_ulp(*a, b)),
				"bbox {:?} read again as {:?}",
				first,
				again
			),
			(again, first) => prop_assert_eq!(again, first),
		}
		prop_assert_eq!(
			EvaluateParams { bbox: None, ..read },
			EvaluateParams { bbox: None, ..params }
		);
	}
	if let Ok(params) = serde_json::from_slice::<OdrlParams>(bytes) {
		let said = said(bytes)?;
		prop_assert_eq!(said.base.as_ref(), Some(&params.base));
		prop_assert!(params.base.len() <= MAX_BASE_LEN);
		prop_assert!(is_http_url(&params.base), "base {:?}", params.base);
		prop_assert_eq!(round_trip(&params)?, params);
	}
	Ok(())
}

fn said(bytes: &[u8]) -> Result<Said, TestCaseError> {
	serde_json::from_slice(bytes).map_err(|e| TestCaseError::fail(format!("read, yet: {e}")))
}

/// An http(s) URL as the docs describe one, checked apart from the
/// reader's own check: the scheme in any case, then a host, and only
/// printable ASCII.
fn is_http_url(base: &str) -> bool {
	let lower = base.to_ascii_lowercase();
	let rest = lower.strip_prefix("https://").or_else(|| lower.strip_prefix("http://"));
	rest.is_some_and(|r| !r.is_empty() && !r.starts_with('/'))
		&& base.bytes().all(|b| b.is_ascii_graphic())
}

/// `params` written back and read again.
fn round_trip<T>(params: &T) -> Result<T, TestCaseError>
where
	T: Serialize + DeserializeOwned,
{
	let written = serde_json::to_string(params).map_err(|e| TestCaseError::fail(e.to_string()))?;
	serde_json::from_str::<T>(&written)
		.map_err(|e| TestCaseError::fail(format!("written as {written}, not read again: {e}")))
}

/// Whether `a` and `b` are the same float or neighbours.
fn within_one_ulp(a: f64, b: f64) -> bool {
	a == b || (a.signum() == b.signum() && a.to_bits().abs_diff(b.to_bits()) <= 1)
}

/// A value of some type, for any field.
fn any_value() -> impl Strategy<Value = Value> {
	prop_oneof![
		Just(Value::Null),
		any::<bool>().prop_map(Value::from),
		any::<i64>().prop_map(Value::from),
		any::<f64>().prop_map(Value::from),
		"[a-z0-9 ]{0,8}".prop_map(Value::from),
		Just(json!([])),
		Just(json!({})),
		Just(json!([[[[]]]])),
		Just(json!({ "start": 1 })),
	]
}

/// A number field: mostly in `valid`, else out of range, fractional or of
/// another type.
fn number(valid: impl Strategy<Value = u64>) -> impl Strategy<Value = Value> {
	prop_oneof![
		12 => valid.prop_map(Value::from),
		1 => any::<i64>().prop_map(Value::from),
		1 => Just(Value::from(u64::from(u32::MAX) + 1)),
		1 => (0.0..1e20f64).prop_map(Value::from),
		1 => any_value(),
	]
}

/// `prefix`, then as many of `chars` as fit, then `a`s: text of exactly
/// `len` bytes (or `prefix` alone, if longer).
fn filled(prefix: &str, chars: &[char], len: usize) -> String {
	let mut text = prefix.to_owned();
	for &c in chars {
		if text.len() + c.len_utf8() > len {
			break;
		}
		text.push(c);
	}
	while text.len() < len {
		text.push('a');
	}
	text
}

/// Text after one of `prefixes`, short or of a byte length within 8 of
/// `bound`, its characters from `alphabet`.
fn text_near(
	bound: usize,
	prefixes: Vec<&'static str>,
	alphabet: impl Strategy<Value = char>,
) -> impl Strategy<Value = String> {
	let len = prop_oneof![0..=16usize, bound - 8..=bound + 8];
	(select(prefixes), len, vec(alphabet, 0..=bound + 8))
		.prop_map(|(prefix, len, chars)| filled(prefix, &chars, len))
}

/// Characters JSON escapes or UTF-8 writes in several bytes, among letters.
fn text_char() -> impl Strategy<Value = char> {
	prop_oneof![
		8 => proptest::char::range('a', 'z'),
		1 => select(vec![' ', ':', '"', '\\', '/', '\u{7f}']),
		1 => proptest::char::range('\u{0}', '\u{1f}'),
		1 => select(vec!['é', '€', '😀']),
		1 => any::<char>(),
	]
}

/// An SS58 address under a common or a random prefix, or one with a
/// character dropped, changed or added, or longer base-58 text, or a value
/// of another type.
fn account() -> impl Strategy<Value = Value> {
	let format = prop_oneof![7 => select(vec![42u16, 0, 2]), 1 => 0..16_384u16];
	let address = (any::<[u8; 32]>(), format).prop_map(|(key, format)| {
		AccountId::from(key).to_ss58check_with_version(Ss58AddressFormat::custom(format))
	});
	let base58 = select(b"123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz".to_vec());
	let edited = (address.clone(), any::<Index>(), base58.clone(), 0..3u8).prop_map(
		|(mut address, at, c, edit)| {
			let at = at.index(address.len());
			match edit {
				0 => {
					address.remove(at);
				},
				1 => address.replace_range(at..=at, &char::from(c).to_string()),
				_ => address.insert(at, char::from(c)),
			}
			address
		},
	);
	let long = (address.clone(), vec(base58, 0..=24)).prop_map(|(mut address, tail)| {
		address.extend(tail.into_iter().map(char::from));
		address
	});
	prop_oneof![
		12 => address.prop_map(Value::from),
		1 => edited.prop_map(Value::from),
		1 => long.prop_map(Value::from),
		1 => any_value(),
	]
}

fn purpose() -> impl Strategy<Value = Value> {
	let text = text_near(MAX_PURPOSE_LEN as usize, vec!["", "research: "], text_char());
	prop_oneof![12 => text.prop_map(Value::from), 1 => any_value()]
}

/// Mostly four numbers, in degrees or any, else other lengths, elements or
/// values.
fn bbox() -> impl Strategy<Value = Value> {
	let number = prop_oneof![
		8 => (-180.0..180.0f64).prop_map(Value::from),
		1 => any::<f64>().prop_map(Value::from),
		1 => any::<i64>().prop_map(Value::from),
		1 => any_value(),
	];
	prop_oneof![
		4 => vec(number.clone(), 4).prop_map(Value::Array),
		1 => vec(number, 0..=6).prop_map(Value::Array),
		1 => any_value(),
	]
}

fn time() -> impl Strategy<Value = Value> {
	let bound = proptest::option::of(any::<i64>());
	prop_oneof![
		4 => (bound.clone(), bound).prop_map(|(start, end)| json!({ "start": start, "end": end })),
		1 => any_value(),
	]
}

fn base() -> impl Strategy<Value = Value> {
	let prefixes = vec![
		"https://gw.city.example/",
		"http://localhost:8080",
		"HTTPS://GW.EXAMPLE",
		"Http://",
		"https:///",
		"https://user@gw.example/",
		"https://gw.example?",
		"ftp://gw.example/",
		"gw.example/",
		"",
	];
	let url_char = prop_oneof![
		8 => proptest::char::range('a', 'z'),
		2 => select(vec!['/', '?', '#', '@', ':', '%', '.', '-', '_', '~']),
		1 => text_char(),
	];
	prop_oneof![
		6 => text_near(MAX_BASE_LEN, prefixes, url_char).prop_map(Value::from),
		1 => any_value(),
	]
}

/// Mostly none, sometimes a field the other method reads, a near miss of a
/// field's name, or any name.
fn unknown_fields() -> impl Strategy<Value = Vec<(String, Value)>> {
	let name = prop_oneof![
		select(vec!["base", "contract", "account", "purpose", "term", "Account", "bbox ", ""])
			.prop_map(String::from),
		"[a-z]{1,6}",
	];
	prop_oneof![8 => Just(vec![]), 1 => vec((name, any_value()), 1..=2)]
}

/// An object of the `fields` present, and the unknown ones.
fn object(fields: Vec<(&str, Option<Value>)>, unknown: Vec<(String, Value)>) -> Value {
	let mut object = Map::new();
	for (name, value) in fields {
		if let Some(value) = value {
			object.insert(name.to_owned(), value);
		}
	}
	object.extend(unknown);
	Value::Object(object)
}

fn evaluate_json() -> impl Strategy<Value = Value> {
	(
		weighted(0.95, account()),
		weighted(0.95, number(any::<u64>())),
		weighted(0.95, purpose()),
		weighted(0.95, number(any::<u32>().prop_map(u64::from))),
		weighted(0.5, bbox()),
		weighted(0.5, time()),
		unknown_fields(),
	)
		.prop_map(|(account, dataset, purpose, term, bbox, time, unknown)| {
			let fields = vec![
				("account", account),
				("dataset", dataset),
				("purpose", purpose),
				("term", term),
				("bbox", bbox),
				("time", time),
			];
			object(fields, unknown)
		})
}

fn odrl_json() -> impl Strategy<Value = Value> {
	(
		weighted(0.6, number(any::<u64>())),
		weighted(0.4, number(any::<u64>())),
		weighted(0.95, base()),
		unknown_fields(),
	)
		.prop_map(|(dataset, contract, base, unknown)| {
			object(vec![("dataset", dataset), ("contract", contract), ("base", base)], unknown)
		})
}

/// Random bytes, or a seed or near-valid JSON with a few bytes inserted,
/// removed or replaced.
fn bytes() -> impl Strategy<Value = Vec<u8>> {
	let text = prop_oneof![
		select(SEEDS.to_vec()).prop_map(|seed| seed.as_bytes().to_vec()),
		evaluate_json().prop_map(|v| v.to_string().into_bytes()),
		odrl_json().prop_map(|v| v.to_string().into_bytes()),
	];
	let byte = prop_oneof![any::<u8>(), select(b"{}[]\",:-.e0\\ ".to_vec())];
	let edits = vec((any::<Index>(), 0..3u8, byte), 1..=4);
	prop_oneof![
		vec(any::<u8>(), 0..=256),
		(text, edits).prop_map(|(mut text, edits)| {
			for (at, edit, byte) in edits {
				let at = at.index(text.len() + 1);
				match edit {
					0 => text.insert(at, byte),
					_ if at == text.len() => {},
					1 => {
						text.remove(at);
					},
					_ => text[at] = byte,
				}
			}
			text
		}),
	]
}

proptest! {
	#![proptest_config(ProptestConfig::with_cases(1024))]

	#[test]
	fn arbitrary_bytes_read_as_parameters_keep_their_properties(bytes in bytes()) {
		check(&bytes)?;
	}

	#[test]
	fn near_valid_evaluate_params_keep_their_properties(json in evaluate_json()) {
		check(json.to_string().as_bytes())?;
	}

	#[test]
	fn near_valid_odrl_params_keep_their_properties(json in odrl_json()) {
		check(json.to_string().as_bytes())?;
	}
}

#[test]
fn the_fuzz_seeds_are_read_and_keep_their_properties() {
	assert!(serde_json::from_str::<EvaluateParams>(SEEDS[0]).is_ok());
	assert!(SEEDS[1..].iter().all(|s| serde_json::from_str::<OdrlParams>(s).is_ok()));
	for seed in SEEDS {
		check(seed.as_bytes()).unwrap();
	}
}

#[test]
fn boxes_found_reading_other_numbers_read_them_within_one_ulp() {
	for (found, north) in FOUND.iter().zip([-1.4022471701395045e17, -128.19241551128385]) {
		let params = serde_json::from_str::<EvaluateParams>(found).unwrap();
		let read = params.bbox.unwrap();
		assert_eq!(read[..3], [0.0, 0.0, 0.0]);
		assert!(within_one_ulp(read[3], north), "{} read as {}", north, read[3]);
		check(found.as_bytes()).unwrap();
	}
}

/// The share of `strategy`'s JSON read as `T`, of 400 drawn alike every run.
fn share_read<T: DeserializeOwned>(strategy: impl Strategy<Value = Value>) -> f64 {
	let mut runner = TestRunner::deterministic();
	let read = (0..400)
		.filter(|_| {
			let json = strategy.new_tree(&mut runner).expect("a value").current();
			serde_json::from_str::<T>(&json.to_string()).is_ok()
		})
		.count();
	read as f64 / 400.0
}

/// The near-valid JSON is read often enough for the properties to say
/// something, and refused often enough to test the bounds.
#[test]
fn near_valid_json_is_read_and_refused() {
	let evaluate = share_read::<EvaluateParams>(evaluate_json());
	let odrl = share_read::<OdrlParams>(odrl_json());
	assert!((0.05..0.95).contains(&evaluate), "evaluate read {evaluate}");
	assert!((0.05..0.95).contains(&odrl), "odrl read {odrl}");
}
