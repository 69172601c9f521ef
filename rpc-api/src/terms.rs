//! The terms' JSON: a dataset's rules, a contract's terms, the purpose
//! vocabulary and the jurisdictions, as `access_rules`, `access_terms`,
//! `access_purposes` and `access_jurisdictions` answer them (codes and
//! labels as text, boundaries as GeoJSON), and `access_evaluate`'s
//! parameters.

use citychain_primitives::{
	access::MAX_PURPOSE_LEN,
	geometry::degrees,
	terms::{self, Area, Consumers, Outcome, Window},
	DatasetId, DepartmentId, DepartmentKind, TimeInterval,
};
use serde::{
	de::{Error as _, SeqAccess, Visitor},
	Deserialize, Deserializer, Serialize,
};
use sp_core::crypto::Ss58Codec;

use crate::{reader::MAX_READER_BYTES, text, AccountId, BlockNumber};

/// One rule of a policy; an absent constraint holds.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Rule {
	/// `grant`, `provider`, `providerAndRegulator` or `refuse`.
	pub outcome: Outcome,
	/// The consumer is one of these departments.
	#[serde(skip_serializing_if = "Option::is_none")]
	pub departments: Option<Vec<DepartmentId>>,
	/// The consumer is a department of one of these kinds.
	#[serde(skip_serializing_if = "Option::is_none")]
	pub kinds: Option<Vec<DepartmentKind>>,
	/// The request's purpose is one of these codes.
	#[serde(skip_serializing_if = "Option::is_none")]
	pub purposes: Option<Vec<String>>,
	/// The term is at most this many days.
	#[serde(skip_serializing_if = "Option::is_none")]
	pub max_days: Option<u32>,
	/// The requested box lies inside one of these jurisdictions.
	#[serde(skip_serializing_if = "Option::is_none")]
	pub jurisdictions: Option<Vec<terms::JurisdictionId>>,
	/// The request names a scope within the dataset's extent.
	#[serde(default, skip_serializing_if = "std::ops::Not::not")]
	pub within_extent: bool,
	/// Requests are made between these dates (ms since the epoch).
	#[serde(skip_serializing_if = "Option::is_none")]
	pub window: Option<Window>,
	/// At most this many deliveries under one contract.
	#[serde(skip_serializing_if = "Option::is_none")]
	pub uses: Option<u32>,
}

impl From<&terms::Rule> for Rule {
	fn from(r: &terms::Rule) -> Self {
		let (departments, kinds) = match &r.consumer {
			Some(Consumers::Departments(d)) => (Some(d.to_vec()), None),
			Some(Consumers::Kinds(k)) => (None, Some(k.to_vec())),
			None => (None, None),
		};
		let (jurisdictions, within_extent) = match &r.scope {
			Some(Area::Jurisdictions(j)) => (Some(j.to_vec()), false),
			Some(Area::Extent) => (None, true),
			None => (None, false),
		};
		Self {
			outcome: r.outcome,
			departments,
			kinds,
			purposes: r.purpose.as_ref().map(|p| p.iter().map(|c| text(c)).collect()),
			max_days: r.max_days,
			jurisdictions,
			within_extent,
			window: r.window,
			uses: r.uses,
		}
	}
}

/// The terms a contract was decided under, and its deliveries.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ContractTerms {
	/// The vocabulary's code its purpose named, if any.
	pub purpose: Option<String>,
	/// The index of the rule that decided.
	pub rule: u32,
	/// That rule, as it was when it decided.
	pub decided_by: Rule,
	pub uses: Option<u32>,
	pub used: u32,
	pub uses_left: Option<u32>,
}

impl From<terms::ContractTerms> for ContractTerms {
	fn from(t: terms::ContractTerms) -> Self {
		Self {
			purpose: t.purpose.as_ref().map(|p| text(p)),
			rule: t.rule,
			decided_by: Rule::from(&t.decided_by),
			uses: t.uses(),
			used: t.used,
			uses_left: t.uses_left(),
		}
	}
}

/// A purpose of the vocabulary.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Purpose {
	pub code: String,
	pub label: String,
}

/// A jurisdiction, its boundary a GeoJSON Polygon in degrees.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Jurisdiction {
	pub id: terms::JurisdictionId,
	pub label: String,
	pub geometry: serde_json::Value,
}

impl Jurisdiction {
	/// Jurisdiction `id` as JSON shows it: its ring closed, counter-clockwise
	/// as RFC 7946 wants an exterior ring.
	pub fn new(id: terms::JurisdictionId, j: terms::Jurisdiction) -> Self {
		let mut ring: Vec<[f64; 2]> =
			j.ring.iter().map(|&(x, y)| [degrees(x), degrees(y)]).collect();
		let area: f64 = ring
			.iter()
			.zip(ring.iter().cycle().skip(1))
			.map(|(a, b)| a[0] * b[1] - b[0] * a[1])
			.sum();
		if area < 0.0 {
			ring.reverse();
		}
		if let Some(first) = ring.first().copied() {
			ring.push(first);
		}
		Self {
			id,
			label: text(&j.label),
			geometry: serde_json::json!({ "type": "Polygon", "coordinates": [ring] }),
		}
	}
}

/// The longest `base` of `access_odrl`.
pub const MAX_BASE_LEN: usize = 512;

/// Parameters of `access_odrl`: a dataset's policy (an `Offer`) or a
/// contract's terms (an `Agreement`), with IRIs under `base`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct OdrlParams {
	#[serde(default, skip_serializing_if = "Option::is_none")]
	pub dataset: Option<DatasetId>,
	#[serde(default, skip_serializing_if = "Option::is_none")]
	pub contract: Option<citychain_primitives::access::ContractId>,
	/// The public URL of the gateway whose IRIs the documents name (an
	/// http(s) URL of at most [`MAX_BASE_LEN`] bytes).
	#[serde(deserialize_with = "base")]
	pub base: String,
}

/// Parameters of `access_evaluate`: a request as `request_access` would
/// make it. Each field is bounded as it is read, and refused by name.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct EvaluateParams {
	/// The account that would sign the request (SS58, at most
	/// [`MAX_READER_BYTES`] bytes: base-58 decoding takes time quadratic in
	/// the length).
	#[serde(deserialize_with = "account")]
	pub account: AccountId,
	pub dataset: DatasetId,
	/// A purpose code, optionally followed by `": "` and a statement; at
	/// most [`MAX_PURPOSE_LEN`] bytes.
	#[serde(deserialize_with = "purpose")]
	pub purpose: String,
	/// The term asked for, in blocks.
	pub term: BlockNumber,
	/// The scope's `[west, south, east, north]` in degrees.
	#[serde(default, deserialize_with = "bbox", skip_serializing_if = "Option::is_none")]
	pub bbox: Option<[f64; 4]>,
	/// The scope's `{start, end}` in ms since the epoch.
	#[serde(default, skip_serializing_if = "Option::is_none")]
	pub time: Option<TimeInterval>,
}

/// A string of at most `max` bytes, refused by `name` beyond: the length is
/// checked on the text JSON gives, before it is copied.
struct Bounded {
	name: &'static str,
	max: usize,
}

impl Visitor<'_> for Bounded {
	type Value = String;

	fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
		write!(f, "{}: a string of at most {} bytes", self.name, self.max)
	}

	fn visit_str<E: serde::de::Error>(self, text: &str) -> Result<String, E> {
		if text.len() > self.max {
			return Err(E::custom(format!("{}: at most {} bytes", self.name, self.max)));
		}
		Ok(text.to_owned())
	}
}

/// A string read with [`Bounded`]; any other JSON value is refused too,
/// as not what `name` expects.
fn bounded<'de, D: Deserializer<'de>>(
	d: D,
	name: &'static str,
	max: usize,
) -> Result<String, D::Error> {
	d.deserialize_str(Bounded { name, max })
}

fn purpose<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
	bounded(d, "purpose", MAX_PURPOSE_LEN as usize)
}

/// An http(s) URL of at most [`MAX_BASE_LEN`] bytes (the node reads it
/// without its trailing slashes).
fn base<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
	let base = bounded(d, "base", MAX_BASE_LEN)?;
	if !citychain_primitives::datasets::is_web_url(base.trim_end_matches('/').as_bytes()) {
		return Err(D::Error::custom(format!(
			"base: an http(s) URL of at most {MAX_BASE_LEN} bytes"
		)));
	}
	Ok(base)
}

fn account<'de, D: Deserializer<'de>>(d: D) -> Result<AccountId, D::Error> {
	let address = bounded(d, "account", MAX_READER_BYTES)?;
	AccountId::from_ss58check(&address)
		.map_err(|_| D::Error::custom("account: not an SS58 address"))
}

/// Four numbers and no more: a longer list is refused at its fifth element.
fn bbox<'de, D: Deserializer<'de>>(d: D) -> Result<Option<[f64; 4]>, D::Error> {
	const FOUR: &str = "bbox: four numbers, [west, south, east, north] in degrees";
	struct Four;
	impl<'de> Visitor<'de> for Four {
		type Value = Option<[f64; 4]>;

		fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
			f.write_str(FOUR)
		}

		fn visit_none<E: serde::de::Error>(self) -> Result<Self::Value, E> {
			Ok(None)
		}

		fn visit_unit<E: serde::de::Error>(self) -> Result<Self::Value, E> {
			Ok(None)
		}

		fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
			d.deserialize_seq(Four)
		}

		fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
			let mut bbox = [0.0; 4];
			for slot in &mut bbox {
				*slot = seq
					.next_element::<f64>()
					.map_err(|_| A::Error::custom(FOUR))?
					.ok_or_else(|| A::Error::custom(FOUR))?;
			}
			// A fifth element is refused before it is read.
			match seq.next_element::<Fifth>()? {
				Some(Fifth) => Err(A::Error::custom(FOUR)),
				None => Ok(Some(bbox)),
			}
		}
	}
	/// What a fifth element of a box would be: nothing may be.
	struct Fifth;
	impl<'de> Deserialize<'de> for Fifth {
		fn deserialize<D: Deserializer<'de>>(_: D) -> Result<Self, D::Error> {
			Err(D::Error::custom(FOUR))
		}
	}
	d.deserialize_option(Four)
}

/// The IRI of the ODRL 2.2 JSON-LD context the documents name.
pub const ODRL_CONTEXT: &str = "http://www.w3.org/ns/odrl.jsonld";

/// A term of `blocks` blocks of `ms_per_block` as an `xsd:duration`.
fn duration(blocks: u64, ms_per_block: u64) -> String {
	format!("PT{}S", blocks.saturating_mul(ms_per_block) / 1000)
}

/// A constraint `left operator right`.
fn constraint(left: &str, operator: &str, right: serde_json::Value) -> serde_json::Value {
	serde_json::json!({ "leftOperand": left, "operator": operator, "rightOperand": right })
}

/// The IRIs the documents name, under a gateway's public URL.
pub struct Iris<'a> {
	pub base: &'a str,
}

impl Iris<'_> {
	pub fn department(&self, id: DepartmentId) -> String {
		format!("{}/collections/department-{id}", self.base)
	}
	pub fn dataset(&self, owner: DepartmentId, id: DatasetId) -> String {
		format!("{}/collections/department-{owner}/items/{id}", self.base)
	}
	fn kind(&self, kind: &DepartmentKind) -> String {
		let name = serde_json::to_value(kind).ok().and_then(|v| v.as_str().map(String::from));
		format!("{}/departments#kind-{}", self.base, name.unwrap_or_default())
	}
	fn purpose(&self, code: &str) -> String {
		format!("{}/purposes#{code}", self.base)
	}
	fn jurisdiction(&self, id: terms::JurisdictionId) -> String {
		format!("{}/jurisdictions#{id}", self.base)
	}
}

/// A rule's constraints as ODRL constraints (those that hold at request
/// time only, and the metered `count`).
fn odrl_constraints(rule: &Rule, iris: &Iris, extent: &str) -> Vec<serde_json::Value> {
	use serde_json::json;
	let mut all = Vec::new();
	if let Some(ids) = &rule.departments {
		let parties: Vec<_> = ids.iter().map(|d| json!({ "@id": iris.department(*d) })).collect();
		all.push(constraint("recipient", "isAnyOf", json!(parties)));
	}
	if let Some(kinds) = &rule.kinds {
		let parties: Vec<_> = kinds.iter().map(|k| json!({ "@id": iris.kind(k) })).collect();
		all.push(constraint("recipient", "isAnyOf", json!(parties)));
	}
	if let Some(purposes) = &rule.purposes {
		let codes: Vec<_> = purposes.iter().map(|p| json!({ "@id": iris.purpose(p) })).collect();
		all.push(constraint("purpose", "isAnyOf", json!(codes)));
	}
	if let Some(days) = rule.max_days {
		let most = json!({ "@value": format!("P{days}D"), "@type": "xsd:duration" });
		all.push(constraint("elapsedTime", "lteq", most));
	}
	if let Some(ids) = &rule.jurisdictions {
		let areas: Vec<serde_json::Value> = ids
			.iter()
			.map(|j| constraint("spatial", "isPartOf", json!({ "@id": iris.jurisdiction(*j) })))
			.collect();
		all.push(json!({ "or": areas }));
	}
	if rule.within_extent {
		all.push(constraint("spatial", "isPartOf", json!({ "@id": extent })));
	}
	if let Some(w) = rule.window {
		let at = |ms: u64| {
			let time = chrono_free_rfc3339(ms);
			json!({ "@value": time, "@type": "xsd:dateTime" })
		};
		all.push(constraint("dateTime", "gteq", at(w.from)));
		all.push(constraint("dateTime", "lteq", at(w.to)));
	}
	if let Some(uses) = rule.uses {
		all.push(constraint("count", "lteq", json!({ "@value": uses, "@type": "xsd:integer" })));
	}
	all
}

/// `ms` since the epoch as an RFC 3339 UTC time (proleptic Gregorian).
fn chrono_free_rfc3339(ms: u64) -> String {
	let (secs, millis) = (ms / 1000, ms % 1000);
	let (days, rest) = (secs / 86_400, secs % 86_400);
	// Civil from days (Howard Hinnant's algorithm).
	let z = days as i64 + 719_468;
	let era = z.div_euclid(146_097);
	let doe = z - era * 146_097;
	let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
	let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	let mp = (5 * doy + 2) / 153;
	let day = doy - (153 * mp + 2) / 5 + 1;
	let month = if mp < 10 { mp + 3 } else { mp - 9 };
	let year = yoe + era * 400 + i64::from(month <= 2);
	format!(
		"{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}.{millis:03}Z",
		rest / 3600,
		rest % 3600 / 60,
		rest % 60
	)
}

/// What a rule asks of the consumer before it may use the data: the
/// consent of the provider (and of the regulator).
fn duties(outcome: Outcome, provider: &str, iris: &Iris) -> Vec<serde_json::Value> {
	use serde_json::json;
	let consent = |party: String| json!({ "action": "obtainConsent", "consentingParty": party });
	match outcome {
		Outcome::Provider => vec![consent(provider.to_string())],
		Outcome::ProviderAndRegulator => {
			vec![
				consent(provider.to_string()),
				consent(format!("{}/departments#kind-Regulator", iris.base)),
			]
		},
		Outcome::Grant | Outcome::Refuse => vec![],
	}
}

/// Dataset `id` of `owner`'s policy as an ODRL 2.2 `Offer`: each rule a
/// permission to `use` it (with the consent duties its outcome needs) or,
/// for a refusal, a prohibition, in the order they are tried (`uid`
/// `#rule-N`; the first whose constraints hold decides).
pub fn odrl_offer(
	iris: &Iris,
	owner: DepartmentId,
	id: DatasetId,
	rules: &[Rule],
) -> serde_json::Value {
	use serde_json::json;
	let target = iris.dataset(owner, id);
	let provider = iris.department(owner);
	let mut permissions = Vec::new();
	let mut prohibitions = Vec::new();
	for (i, rule) in rules.iter().enumerate() {
		let mut r = json!({
			"uid": format!("{target}#rule-{i}"),
			"target": target,
			"assigner": provider,
			"action": "use",
		});
		let constraints = odrl_constraints(rule, iris, &target);
		if !constraints.is_empty() {
			r["constraint"] = json!(constraints);
		}
		if rule.outcome == Outcome::Refuse {
			prohibitions.push(r);
		} else {
			let duties = duties(rule.outcome, &provider, iris);
			if !duties.is_empty() {
				r["duty"] = json!(duties);
			}
			permissions.push(r);
		}
	}
	// ODRL has no order of rules, the chain has: when every permission
	// comes before every prohibition, permissions win (`perm`); otherwise a
	// prohibition wins over a permission it overlaps (`prohibit`), which is
	// the chain's order when the prohibitions come first and errs towards
	// refusing when the two are mixed.
	let last_permission = rules.iter().rposition(|r| r.outcome != Outcome::Refuse);
	let first_prohibition = rules.iter().position(|r| r.outcome == Outcome::Refuse);
	let conflict = match (last_permission, first_prohibition) {
		(Some(p), Some(r)) if p > r => "prohibit",
		_ => "perm",
	};
	let mut offer = json!({
		"@context": ODRL_CONTEXT,
		"@type": "Offer",
		"uid": format!("{target}#policy"),
		"assigner": provider,
		"target": target,
		"conflict": conflict,
	});
	if !permissions.is_empty() {
		offer["permission"] = json!(permissions);
	}
	if !prohibitions.is_empty() {
		offer["prohibition"] = json!(prohibitions);
	}
	offer
}

/// Contract `id`'s terms as an ODRL 2.2 `Agreement` between its provider
/// and consumer: permission to use the dataset for its purpose, for its
/// term, within its deciding rule's constraints.
pub fn odrl_agreement(
	iris: &Iris,
	contract: &crate::access::Contract,
	(rule, purpose): (Option<&Rule>, Option<&str>),
	ms_per_block: u64,
) -> serde_json::Value {
	use serde_json::json;
	let target = iris.dataset(contract.provider, contract.dataset);
	let (provider, consumer) =
		(iris.department(contract.provider), iris.department(contract.consumer));
	let mut constraints = vec![constraint(
		"elapsedTime",
		"lteq",
		json!({ "@value": duration(u64::from(contract.term), ms_per_block), "@type": "xsd:duration" }),
	)];
	if let Some(code) = purpose {
		constraints.push(constraint("purpose", "eq", json!({ "@id": iris.purpose(code) })));
	}
	if let Some(uses) = rule.and_then(|r| r.uses) {
		constraints.push(constraint(
			"count",
			"lteq",
			json!({ "@value": uses, "@type": "xsd:integer" }),
		));
	}
	if let Some(ids) = rule.and_then(|r| r.jurisdictions.as_ref()) {
		let areas: Vec<serde_json::Value> = ids
			.iter()
			.map(|j| constraint("spatial", "isPartOf", json!({ "@id": iris.jurisdiction(*j) })))
			.collect();
		constraints.push(json!({ "or": areas }));
	}
	json!({
		"@context": ODRL_CONTEXT,
		"@type": "Agreement",
		"uid": format!("{}/contracts#{}", iris.base, contract.id),
		"assigner": provider,
		"assignee": consumer,
		"target": target,
		"permission": [{
			"target": target,
			"assigner": provider,
			"assignee": consumer,
			"action": "use",
			"constraint": constraints,
		}],
	})
}

#[cfg(test)]
mod tests {
	use super::*;

	const ALICE: &str = "5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY";

	fn evaluate(fields: &str) -> Result<EvaluateParams, String> {
		let json = format!(r#"{{"account":"{ALICE}","dataset":1,"term":10,{fields}}}"#);
		serde_json::from_str(&json).map_err(|e| e.to_string())
	}

	fn odrl(base: &str) -> Result<OdrlParams, String> {
		serde_json::from_value(serde_json::json!({ "dataset": 1, "base": base }))
			.map_err(|e| e.to_string())
	}

	#[test]
	fn evaluate_params_within_their_bounds_are_read() {
		let at_bound = "p".repeat(MAX_PURPOSE_LEN as usize);
		let params = evaluate(&format!(r#""purpose":"{at_bound}","bbox":[1,2,3,4]"#)).unwrap();
		assert_eq!((params.purpose.len(), params.bbox), (512, Some([1.0, 2.0, 3.0, 4.0])));
		assert_eq!(evaluate(r#""purpose":"research","bbox":null"#).unwrap().bbox, None);
		let again = serde_json::to_string(&params).unwrap();
		assert_eq!(serde_json::from_str::<EvaluateParams>(&again).unwrap(), params);
	}

	#[test]
	fn an_oversized_purpose_is_refused_by_name() {
		let over = "p".repeat(MAX_PURPOSE_LEN as usize + 1);
		let refused = evaluate(&format!(r#""purpose":"{over}""#)).unwrap_err();
		assert!(refused.starts_with("purpose: at most 512 bytes"), "{refused}");
		let refused = evaluate(r#""purpose":7"#).unwrap_err();
		assert!(refused.contains("expected purpose: a string"), "{refused}");
	}

	#[test]
	fn an_account_longer_than_an_address_is_refused_by_name_before_it_is_decoded() {
		let long = "1".repeat(1 << 20);
		let json = format!(r#"{{"account":"{long}","dataset":1,"purpose":"x","term":1}}"#);
		let started = std::time::Instant::now();
		let refused = serde_json::from_str::<EvaluateParams>(&json).unwrap_err().to_string();
		assert!(started.elapsed() < std::time::Duration::from_secs(2), "not decoded");
		assert!(refused.starts_with("account: at most 64 bytes"), "{refused}");
		let json = r#"{"account":"5Grw","dataset":1,"purpose":"x","term":1}"#;
		let refused = serde_json::from_str::<EvaluateParams>(json).unwrap_err().to_string();
		assert!(refused.starts_with("account: not an SS58 address"), "{refused}");
	}

	#[test]
	fn a_bbox_of_other_than_four_numbers_is_refused_by_name() {
		for bad in
			["[1,2,3,4,5]", "[1,2,3]", "[]", r#"[1,2,3,"4"]"#, "[1,2,3,4,[[[[]]]]]", "{}", "5"]
		{
			let refused = evaluate(&format!(r#""purpose":"x","bbox":{bad}"#)).unwrap_err();
			assert!(refused.contains("bbox: four numbers"), "{bad}: {refused}");
		}
	}

	#[test]
	fn an_oversized_or_non_web_base_is_refused_by_name() {
		assert_eq!(odrl("https://gw.example/").unwrap().base, "https://gw.example/");
		let at_bound = format!("https://gw.example/{}", "a".repeat(MAX_BASE_LEN - 19));
		assert_eq!(odrl(&at_bound).unwrap().base.len(), MAX_BASE_LEN);
		let refused = odrl(&format!("{at_bound}a")).unwrap_err();
		assert!(refused.starts_with("base: at most 512 bytes"), "{refused}");
		for bad in ["ftp://gw.example", "https://", "gw.example"] {
			let refused = odrl(bad).unwrap_err();
			assert!(refused.starts_with("base: an http(s) URL"), "{bad}: {refused}");
		}
	}
}
