//! What a dataset's access rules would decide for a department asking now:
//! the `citychain:outcome(department, purpose[, days])` function a CQL2
//! filter may call ("the datasets Transport may have at once for planning":
//! `citychain:outcome(3, 'planning') = 'grant'`). The rules are decided by
//! the primitives' own `terms::evaluate`, the code the runtime runs for a
//! request, with the vocabulary, the jurisdictions, the departments, the
//! rules and the time read from state at the finalized head, under the
//! runtime's own storage keys.

use std::{
	collections::{BTreeMap, BTreeSet},
	sync::Arc,
};

use citychain_primitives::{
	access::MAX_PURPOSE_LEN,
	terms::{self, Context, JurisdictionId, Outcome, Policy, Request, Ring},
	BoundingBox, DatasetId, DatasetStatus, DepartmentId, DepartmentKind,
};
use citychain_runtime::{opaque::Block, Hash, Runtime};
use codec::Decode;
use cql2::Expr;
use sc_client_api::StorageProvider;
use sp_core::storage::StorageKey;

use super::query::Record;

pub use citychain_stac::filter::OUTCOME;
/// The term a call asks for when it names none, in days: the shortest a
/// request can ask, which every rule's `max_days` admits.
const DEFAULT_DAYS: u32 = 1;
/// Most calls one filter makes (each names a department read from state).
pub const MAX_CALLS: usize = 8;

/// One call of [`OUTCOME`]: a request `department` would make for
/// `purpose`, for `days`, for the whole dataset, now.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Call {
	/// The requesting department.
	pub department: DepartmentId,
	/// The request's purpose, as a request states it.
	pub purpose: Vec<u8>,
	/// The term asked for.
	pub days: u32,
}

impl Call {
	/// The call with these arguments: a department id, a purpose (a code of
	/// the vocabulary, optionally followed by `": "` and a statement) and
	/// optionally a term in days, all literals.
	pub fn parse(args: &[Box<Expr>]) -> Result<Self, String> {
		let whole = |e: &Expr, what: &str, least: f64| match e {
			Expr::Float(v) if v.fract() == 0.0 && (least..=f64::from(u32::MAX)).contains(v) => {
				Ok(*v as u32)
			},
			_ => {
				Err(format!("{OUTCOME}: its {what} is a whole number from {least} to {}", u32::MAX))
			},
		};
		let (department, purpose, days) = match args {
			[d, p] => (d, p, None),
			[d, p, t] => (d, p, Some(t)),
			_ => return Err(format!("{OUTCOME} takes (department, purpose[, days])")),
		};
		let Expr::Literal(purpose) = purpose.as_ref() else {
			return Err(format!("{OUTCOME}: its purpose is a string"));
		};
		if purpose.len() > MAX_PURPOSE_LEN as usize {
			return Err(format!("{OUTCOME}: its purpose is longer than {MAX_PURPOSE_LEN} bytes"));
		}
		Ok(Self {
			department: whole(department, "department", 0.0)?,
			purpose: purpose.clone().into_bytes(),
			days: days.map(|d| whole(d, "term in days", 1.0)).transpose()?.unwrap_or(DEFAULT_DAYS),
		})
	}
}

/// Every call of [`OUTCOME`] in `expr`, in the order [`replace_calls`]
/// meets them, with `visit`.
pub fn each_call(expr: &Expr, visit: &mut impl FnMut(&[Box<Expr>])) {
	replace_calls(&mut expr.clone(), &mut |args| {
		visit(args);
		Expr::Null
	});
}

/// `expr` with each call of [`OUTCOME`] replaced by what `value` makes of
/// its (parsed) call.
pub fn replace_calls(expr: &mut Expr, value: &mut impl FnMut(&[Box<Expr>]) -> Expr) {
	match expr {
		Expr::Operation { op, args } if op == OUTCOME => *expr = value(args),
		Expr::Operation { args: items, .. }
		| Expr::Interval { interval: items }
		| Expr::BBox { bbox: items }
		| Expr::Array(items) => items.iter_mut().for_each(|e| replace_calls(e, value)),
		Expr::Timestamp { timestamp: e } | Expr::Date { date: e } => replace_calls(e, value),
		_ => {},
	}
}

/// An outcome as the RPC and the rules' JSON name it (`grant`,
/// `provider`, `providerAndRegulator`, `refuse`).
pub fn outcome_name(outcome: Outcome) -> String {
	match serde_json::to_value(outcome) {
		Ok(serde_json::Value::String(name)) => name,
		_ => format!("{outcome:?}"),
	}
}

/// A dataset's rules at the head (`None`: it has none of its own, so its
/// record's policy as one rule).
pub type RulesOf = Arc<dyn Fn(DatasetId) -> Result<Option<Policy>, String> + Send + Sync>;

/// The chain as a request would meet it at the finalized head.
#[derive(Clone)]
pub struct Terms {
	/// The active departments the calls name, and their kinds.
	pub kinds: BTreeMap<DepartmentId, DepartmentKind>,
	/// The purpose codes of the vocabulary.
	pub purposes: BTreeSet<Vec<u8>>,
	/// The registered jurisdictions' boundaries.
	pub jurisdictions: BTreeMap<JurisdictionId, Ring>,
	/// The chain's day, in blocks.
	pub blocks_per_day: u64,
	/// The head's time, ms since the Unix epoch.
	pub now: u64,
	/// Reads a dataset's rules at the head.
	pub rules: RulesOf,
}

impl std::fmt::Debug for Terms {
	fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
		f.debug_struct("Terms")
			.field("kinds", &self.kinds)
			.field("purposes", &self.purposes.len())
			.field("jurisdictions", &self.jurisdictions.len())
			.field("now", &self.now)
			.finish_non_exhaustive()
	}
}

impl Context for Terms {
	fn blocks_per_day(&self) -> u64 {
		self.blocks_per_day
	}

	fn jurisdiction_contains(&self, id: JurisdictionId, area: &BoundingBox) -> bool {
		self.jurisdictions.get(&id).is_some_and(|ring| terms::ring_contains(ring, area))
	}
}

impl Terms {
	/// Dataset `id`'s rules at the head (record `d`'s policy as one rule if
	/// it has none of its own); `None` if they cannot be read.
	pub fn rules_of(&self, id: DatasetId, d: &Record) -> Option<Policy> {
		match (self.rules)(id) {
			Ok(rules) => Some(rules.unwrap_or_else(|| terms::single_rule(d.policy))),
			Err(e) => {
				log::warn!(target: "search-index", "🔎 The rules of dataset {id} are unreadable: {e}");
				None
			},
		}
	}

	/// What `rules`, record `d`'s, decide for `call`, as the chain would for
	/// that request now: `None` where the chain would not evaluate it (a
	/// department not active, its own dataset, a dataset no longer active).
	pub fn outcome(&self, call: &Call, d: &Record, rules: &[terms::Rule]) -> Option<Outcome> {
		let kind = *self.kinds.get(&call.department)?;
		if d.owner == call.department || d.status != DatasetStatus::Active {
			return None;
		}
		let code = terms::purpose_code(&call.purpose).filter(|c| self.purposes.contains(*c));
		let request = Request {
			consumer: call.department,
			kind,
			purpose: code.unwrap_or_default(),
			term_blocks: u64::from(call.days).saturating_mul(self.blocks_per_day),
			area: d.bbox,
			scoped: false,
			now: self.now,
		};
		Some(terms::evaluate(rules, &request, self).outcome)
	}

	/// The terms at finalized block `head` of `client`'s chain, for calls
	/// naming `departments`.
	pub fn at<C>(
		client: Arc<C>,
		head: Hash,
		departments: impl IntoIterator<Item = DepartmentId>,
	) -> Result<Self, String>
	where
		C: StorageProvider<Block, sc_service::TFullBackend<Block>> + Send + Sync + 'static,
	{
		let reader = client.clone();
		let read = |key: Vec<u8>| {
			client
				.storage(head, &StorageKey(key))
				.map(|v| v.map(|v| v.0))
				.map_err(|e| e.to_string())
		};
		let mut kinds = BTreeMap::new();
		for id in departments {
			let key = pallet_departments::Departments::<Runtime>::hashed_key_for(id);
			if let Some(bytes) = read(key)? {
				let d = pallet_departments::DepartmentOf::<Runtime>::decode(&mut &bytes[..])
					.map_err(|e| format!("department {id}: {e}"))?;
				if d.status.is_active() {
					kinds.insert(id, d.kind);
				}
			}
		}
		let pairs = |prefix: Vec<u8>| {
			client
				.storage_pairs(head, Some(&StorageKey(prefix.clone())), None)
				.map_err(|e| e.to_string())
				.map(|pairs| pairs.map(move |(k, v)| (k.0[prefix.len()..].to_vec(), v.0)))
		};
		let purposes =
			pairs(pallet_access::Purposes::<Runtime>::map_storage_final_prefix().to_vec())?
				.map(|(key, _)| {
					// Blake2_128Concat: the code follows 16 bytes of hash.
					terms::PurposeCode::decode(&mut key.get(16..).unwrap_or_default())
						.map(|code| code.to_vec())
						.map_err(|e| format!("a purpose code: {e}"))
				})
				.collect::<Result<_, _>>()?;
		let jurisdictions =
			pairs(pallet_access::Jurisdictions::<Runtime>::map_storage_final_prefix().to_vec())?
				.map(|(key, value)| {
					// Twox64Concat: the id follows 8 bytes of hash.
					let id = JurisdictionId::decode(&mut key.get(8..).unwrap_or_default())
						.map_err(|e| format!("a jurisdiction id: {e}"))?;
					let j = pallet_access::Jurisdiction::decode(&mut &value[..])
						.map_err(|e| format!("jurisdiction {id}: {e}"))?;
					Ok((id, j.ring))
				})
				.collect::<Result<_, String>>()?;
		let now = read(pallet_timestamp::Now::<Runtime>::hashed_key().to_vec())?
			.map(|bytes| u64::decode(&mut &bytes[..]).map_err(|e| format!("the time: {e}")))
			.transpose()?
			.unwrap_or_default();
		let rules: RulesOf = Arc::new(move |id| {
			let key = pallet_datasets::Rules::<Runtime>::hashed_key_for(id);
			reader
				.storage(head, &StorageKey(key))
				.map_err(|e| e.to_string())?
				.map(|v| Policy::decode(&mut &v.0[..]).map_err(|e| e.to_string()))
				.transpose()
		});
		Ok(Self {
			kinds,
			purposes,
			jurisdictions,
			blocks_per_day: u64::from(citychain_runtime::DAYS),
			now,
			rules,
		})
	}
}

#[cfg(test)]
mod tests {
	use super::*;
	use crate::search_index::{
		fixtures::{record, Rng},
		query::{Filter, Invalid},
	};
	use citychain_primitives::{
		geometry::fixed,
		terms::{Area, Consumers, Rule, Window},
	};
	use sp_runtime::BoundedVec;

	const TRANSPORT: DepartmentId = 3;
	const ENVIRONMENT: DepartmentId = 4;
	const OWNER: DepartmentId = 1;
	const DAY_MS: u64 = 86_400_000;

	/// Transport may have it at once for planning for up to 30 days, inside
	/// jurisdiction 0; nobody may during a window that has passed; anyone
	/// else asks the provider.
	fn policy() -> Policy {
		use BoundedVec as B;
		B::truncate_from(vec![
			Rule {
				consumer: Some(Consumers::Kinds(B::truncate_from(vec![DepartmentKind::Transport]))),
				purpose: Some(B::truncate_from(vec![B::truncate_from(b"planning".to_vec())])),
				max_days: Some(30),
				scope: Some(Area::Jurisdictions(B::truncate_from(vec![0]))),
				..Rule::always(Outcome::Grant)
			},
			Rule { window: Some(Window { from: 0, to: DAY_MS }), ..Rule::always(Outcome::Refuse) },
			Rule::always(Outcome::Provider),
		])
	}

	/// The chain a request meets: Transport and Environment active, two
	/// purposes, jurisdiction 0 around the record's extent.
	fn chain(rules: Option<Policy>) -> Terms {
		let ring = [(-179.0, -89.0), (179.0, -89.0), (179.0, 89.0), (-179.0, 89.0)]
			.map(|(lon, lat)| (fixed(lon), fixed(lat)));
		Terms {
			kinds: [
				(TRANSPORT, DepartmentKind::Transport),
				(ENVIRONMENT, DepartmentKind::Environment),
			]
			.into(),
			purposes: [b"planning".to_vec(), b"research".to_vec()].into(),
			jurisdictions: [(0, BoundedVec::truncate_from(ring.to_vec()))].into(),
			blocks_per_day: 28_800,
			now: 20_000 * DAY_MS,
			rules: Arc::new(move |_| Ok(rules.clone())),
		}
	}

	fn dataset() -> Record {
		let mut d = record(&mut Rng(3), 1);
		d.owner = OWNER;
		d.status = DatasetStatus::Active;
		d
	}

	fn admits(filter: &str, terms: Option<&Terms>, d: &Record) -> bool {
		Filter::parse(filter, false)
			.unwrap_or_else(|e| panic!("{e}: {filter}"))
			.admits(7, d, terms)
	}

	#[test]
	fn a_call_is_what_the_rules_decide_for_that_request_now() {
		let (terms, d) = (chain(Some(policy())), dataset());
		let is =
			|call: &str, outcome: &str| admits(&format!("{call} = '{outcome}'"), Some(&terms), &d);
		assert!(is("citychain:outcome(3, 'planning')", "grant"));
		assert!(is("citychain:outcome(3, 'planning: the 2027 bus network')", "grant"));
		assert!(is("citychain:outcome(3, 'planning', 30)", "grant"));
		// past the term, another purpose, another kind: the next rule that holds
		assert!(is("citychain:outcome(3, 'planning', 31)", "provider"));
		assert!(is("citychain:outcome(3, 'research')", "provider"));
		assert!(is("citychain:outcome(3, 'gardening')", "provider"));
		assert!(is("citychain:outcome(4, 'planning')", "provider"));
		assert!(!is("citychain:outcome(4, 'planning')", "grant"));
		// in CQL2 JSON, and inside other operators
		let json = r#"{"op":"in","args":[{"op":"citychain:outcome","args":[3,"planning"]},["grant","provider"]]}"#;
		assert!(Filter::parse(json, true).unwrap().admits(7, &d, Some(&terms)));
		assert!(admits(
			"citychain:outcome(4, 'planning') = 'provider' AND citychain:outcome(3, 'planning') = 'grant'",
			Some(&terms),
			&d
		));
	}

	#[test]
	fn the_rules_are_the_chains_own_order_window_and_jurisdictions() {
		let d = dataset();
		// the window rule holds while it is open, before the provider's
		let mut terms = chain(Some(policy()));
		terms.now = DAY_MS / 2;
		assert!(admits("citychain:outcome(4, 'research') = 'refuse'", Some(&terms), &d));
		// a jurisdiction removed since contains nothing
		let mut terms = chain(Some(policy()));
		terms.jurisdictions.clear();
		assert!(admits("citychain:outcome(3, 'planning') = 'provider'", Some(&terms), &d));
		// a purpose removed from the vocabulary admits no request for it
		let mut terms = chain(Some(policy()));
		terms.purposes.remove(b"planning".as_slice());
		assert!(admits("citychain:outcome(3, 'planning') = 'provider'", Some(&terms), &d));
		// without rules of its own, the record's policy is one rule
		let mut open = dataset();
		open.policy = citychain_primitives::AccessPolicy::Open;
		assert!(admits("citychain:outcome(4, 'x') = 'grant'", Some(&chain(None)), &open));
	}

	#[test]
	fn a_request_the_chain_would_not_evaluate_is_null() {
		let (terms, d) = (chain(Some(policy())), dataset());
		for call in [
			"citychain:outcome(9, 'planning')", // no such active department
			"citychain:outcome(1, 'planning')", // the owner's own dataset
		] {
			assert!(admits(&format!("{call} IS NULL"), Some(&terms), &d), "{call}");
			assert!(!admits(&format!("{call} = 'grant'"), Some(&terms), &d), "{call}");
		}
		let mut deprecated = dataset();
		deprecated.status = DatasetStatus::Deprecated;
		assert!(admits("citychain:outcome(3, 'planning') IS NULL", Some(&terms), &deprecated));
		// a search given no terms decides no call
		assert!(!admits("citychain:outcome(3, 'planning') = 'grant'", None, &d));
		let unreadable = Terms { rules: Arc::new(|_| Err("gone".into())), ..chain(None) };
		assert!(admits("citychain:outcome(3, 'planning') IS NULL", Some(&unreadable), &d));
	}

	#[test]
	fn calls_with_other_arguments_are_refused_by_name() {
		let parsed = Filter::parse("citychain:outcome(3, 'planning', 7) = 'grant'", false).unwrap();
		assert_eq!(
			parsed.calls(),
			[Call { department: 3, purpose: b"planning".to_vec(), days: 7 }]
		);
		let long = format!("citychain:outcome(3, '{}') = 'grant'", "p".repeat(513));
		let nine = ["citychain:outcome(3, 'planning') = 'grant'"; 9].join(" OR ");
		for bad in [
			"citychain:outcome(3) = 'grant'",
			"citychain:outcome(3, 'planning', 1, 2) = 'grant'",
			"citychain:outcome('3', 'planning') = 'grant'",
			"citychain:outcome(3.5, 'planning') = 'grant'",
			"citychain:outcome(-1, 'planning') = 'grant'",
			"citychain:outcome(3, 4) = 'grant'",
			"citychain:outcome(3, title) = 'grant'",
			"citychain:outcome(3, 'planning', 0) = 'grant'",
			"citychain:outcome(4294967296, 'planning') = 'grant'",
			&long,
			&nine,
		] {
			let error = Filter::parse(bad, false).unwrap_err();
			assert!(matches!(error, Invalid::BadCall(_)), "{bad}: {error}");
			assert!(error.to_string().starts_with(OUTCOME), "{error}");
		}
	}
}
