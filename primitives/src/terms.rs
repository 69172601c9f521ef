//! Terms: a dataset's access policy as a short list of rules, the
//! jurisdictions (polygons) and purposes the rules name, and the evaluation
//! that says which rule decides a request and why every other one did not.
//!
//! A policy is at most [`MAX_RULES`] [`Rule`]s. Each rule has an
//! [`Outcome`] and up to six constraints that must all hold for it to apply;
//! the first rule whose constraints hold decides, and with none the request
//! is refused. The same evaluation runs at request time in the runtime, in
//! the `AccessApi::evaluate` runtime API (which the `access_evaluate` RPC and
//! the portal ask before anything is sent) and in the tests' property check
//! that the two agree.
//!
//! Geometry is exact: coordinates are the registry's fixed-point 1e-7
//! degrees and every predicate is an integer cross product, so the verdict
//! is the same on every node and in every client.

use crate::{
	datasets::BoundedBytes,
	departments::{DepartmentId, DepartmentKind},
	geometry::{BoundingBox, MAX_LATITUDE, MAX_LONGITUDE},
	vocabulary::AccessPolicy,
};
use alloc::vec::Vec;
use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use scale_info::TypeInfo;
use serde::{Deserialize, Serialize};
use sp_runtime::{traits::ConstU32, BoundedVec};

/// Most rules of one policy.
pub const MAX_RULES: u32 = 8;
/// Most departments, kinds, purposes or jurisdictions one constraint names.
pub const MAX_NAMED: u32 = 8;
/// Longest purpose code, in bytes (`[a-z0-9-]`).
pub const MAX_PURPOSE_CODE_LEN: u32 = 32;
/// Longest label of a purpose or a jurisdiction, in bytes (UTF-8).
pub const MAX_LABEL_LEN: u32 = 64;
/// Most purposes of the vocabulary.
pub const MAX_PURPOSES: u32 = 64;
/// Most vertices of one jurisdiction's boundary.
pub const MAX_VERTICES: u32 = 256;
/// Most jurisdictions registered at once.
pub const MAX_JURISDICTIONS: u32 = 128;

/// A code of the purpose vocabulary, as `planning` or `law-enforcement`.
pub type PurposeCode = BoundedBytes<MAX_PURPOSE_CODE_LEN>;
/// Identifier of a jurisdiction, assigned in order of registration from 0.
pub type JurisdictionId = u32;
/// A label as governance wrote it (UTF-8).
pub type Label = BoundedBytes<MAX_LABEL_LEN>;
/// A list a constraint names.
pub type Named<T> = BoundedVec<T, ConstU32<MAX_NAMED>>;
/// A dataset's policy: its rules, in the order they are tried.
pub type Policy = BoundedVec<Rule, ConstU32<MAX_RULES>>;
/// A jurisdiction's boundary: a simple polygon's vertices, not closed
/// (the last joins the first), in 1e-7 degrees `(longitude, latitude)`.
pub type Ring = BoundedVec<(i32, i32), ConstU32<MAX_VERTICES>>;

/// Whether `code` may be a purpose code: 1 to [`MAX_PURPOSE_CODE_LEN`]
/// bytes of `a-z`, `0-9` and inner `-`.
pub fn is_purpose_code(code: &[u8]) -> bool {
	!code.is_empty()
		&& code.len() <= MAX_PURPOSE_CODE_LEN as usize
		&& code.iter().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || *b == b'-')
		&& code.first() != Some(&b'-')
		&& code.last() != Some(&b'-')
}

/// What a rule decides when its constraints hold.
#[derive(
	Clone,
	Copy,
	PartialEq,
	Eq,
	Debug,
	Encode,
	Decode,
	DecodeWithMemTracking,
	MaxEncodedLen,
	TypeInfo,
	Serialize,
	Deserialize,
)]
#[serde(rename_all = "camelCase")]
pub enum Outcome {
	/// Granted at once.
	Grant,
	/// Granted once an Approver of the provider approves.
	Provider,
	/// Granted once an Approver of the provider and one of a regulator
	/// department approve.
	ProviderAndRegulator,
	/// Refused.
	Refuse,
}

impl Outcome {
	/// The approvals a request decided by this outcome needs, `None` if it is
	/// refused.
	pub fn approvals(self) -> Option<AccessPolicy> {
		match self {
			Self::Grant => Some(AccessPolicy::Open),
			Self::Provider => Some(AccessPolicy::ApprovalRequired),
			Self::ProviderAndRegulator => Some(AccessPolicy::Restricted),
			Self::Refuse => None,
		}
	}

	/// The outcome that needs the approvals of `policy`.
	pub fn of(policy: AccessPolicy) -> Self {
		match policy {
			AccessPolicy::Open => Self::Grant,
			AccessPolicy::ApprovalRequired => Self::Provider,
			AccessPolicy::Restricted => Self::ProviderAndRegulator,
		}
	}
}

/// Which consumers a rule is for.
#[derive(
	Clone,
	PartialEq,
	Eq,
	Debug,
	Encode,
	Decode,
	DecodeWithMemTracking,
	MaxEncodedLen,
	TypeInfo,
	Serialize,
	Deserialize,
)]
#[serde(rename_all = "camelCase")]
pub enum Consumers {
	/// These departments.
	Departments(Named<DepartmentId>),
	/// Departments of these kinds.
	Kinds(Named<DepartmentKind>),
}

/// Where the requested box must lie.
#[derive(
	Clone,
	PartialEq,
	Eq,
	Debug,
	Encode,
	Decode,
	DecodeWithMemTracking,
	MaxEncodedLen,
	TypeInfo,
	Serialize,
	Deserialize,
)]
#[serde(rename_all = "camelCase")]
pub enum Area {
	/// Inside one of these jurisdictions (an unknown or removed one contains
	/// nothing).
	Jurisdictions(Named<JurisdictionId>),
	/// Inside the dataset's extent: the request names a scope (a part of
	/// the data), not the whole.
	Extent,
}

/// Dates between which requests may be made, in ms since the Unix epoch,
/// both included.
#[derive(
	Clone,
	Copy,
	PartialEq,
	Eq,
	Debug,
	Encode,
	Decode,
	DecodeWithMemTracking,
	MaxEncodedLen,
	TypeInfo,
	Serialize,
	Deserialize,
)]
pub struct Window {
	pub from: u64,
	pub to: u64,
}

/// One rule of a policy: its outcome, and the constraints that must all
/// hold for it to decide (an absent one holds).
#[derive(
	Clone,
	PartialEq,
	Eq,
	Debug,
	Encode,
	Decode,
	DecodeWithMemTracking,
	MaxEncodedLen,
	TypeInfo,
	Serialize,
	Deserialize,
)]
#[serde(rename_all = "camelCase")]
pub struct Rule {
	pub outcome: Outcome,
	pub consumer: Option<Consumers>,
	/// The request's purpose is one of these codes.
	pub purpose: Option<Named<PurposeCode>>,
	/// The term asked for is at most this many days.
	pub max_days: Option<u32>,
	pub scope: Option<Area>,
	/// The request is made between these dates.
	pub window: Option<Window>,
	/// The contract allows at most this many deliveries (metered at every
	/// fetch; it holds at request time).
	pub uses: Option<u32>,
}

impl Rule {
	/// A rule without constraints.
	pub fn always(outcome: Outcome) -> Self {
		Self {
			outcome,
			consumer: None,
			purpose: None,
			max_days: None,
			scope: None,
			window: None,
			uses: None,
		}
	}
}

/// A policy of one unconstrained rule deciding as `policy` did before rules:
/// what the three fixed policies became.
pub fn single_rule(policy: AccessPolicy) -> Policy {
	BoundedVec::truncate_from(alloc::vec![Rule::always(Outcome::of(policy))])
}

/// Why a policy cannot be set.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum PolicyError {
	/// No rule.
	Empty,
	/// Every rule refuses: nobody could ever obtain the dataset.
	RefusesAll,
	/// A constraint names an empty list.
	EmptyList,
	/// A term constraint of zero days, or a uses constraint of zero.
	ZeroLimit,
	/// A window that ends before it starts.
	InvalidWindow,
	/// A purpose that is not a code of the vocabulary's form.
	InvalidPurpose,
}

/// Checks the form of `policy` (whether its purposes and jurisdictions
/// exist is the caller's business).
pub fn check_policy(policy: &[Rule]) -> Result<(), PolicyError> {
	if policy.is_empty() {
		return Err(PolicyError::Empty);
	}
	if policy.iter().all(|r| r.outcome == Outcome::Refuse) {
		return Err(PolicyError::RefusesAll);
	}
	for rule in policy {
		let empty = match &rule.consumer {
			Some(Consumers::Departments(d)) => d.is_empty(),
			Some(Consumers::Kinds(k)) => k.is_empty(),
			None => false,
		} || rule.purpose.as_ref().is_some_and(|p| p.is_empty())
			|| matches!(&rule.scope, Some(Area::Jurisdictions(j)) if j.is_empty());
		if empty {
			return Err(PolicyError::EmptyList);
		}
		if rule.max_days == Some(0) || rule.uses == Some(0) {
			return Err(PolicyError::ZeroLimit);
		}
		if rule.window.is_some_and(|w| w.from > w.to) {
			return Err(PolicyError::InvalidWindow);
		}
		if rule.purpose.iter().flatten().any(|p| !is_purpose_code(p)) {
			return Err(PolicyError::InvalidPurpose);
		}
	}
	Ok(())
}

/// Whether `policy` gives every member department the data at once, with
/// no contract: its first rule grants without constraints.
pub fn is_open(policy: &[Rule]) -> bool {
	policy.first().is_some_and(|r| *r == Rule::always(Outcome::Grant))
}

/// Whether some rule of `policy` grants at once (which confidential and
/// secret data, delivered only with a provider's key envelope, cannot).
pub fn grants_at_once(policy: &[Rule]) -> bool {
	policy.iter().any(|r| r.outcome == Outcome::Grant)
}

/// What the catalogue shows as the dataset's policy: `open` if every member
/// may have it at once ([`is_open`]), `restricted` if every rule that does
/// not refuse needs a regulator, else `approvalRequired`.
pub fn headline(policy: &[Rule]) -> AccessPolicy {
	if is_open(policy) {
		AccessPolicy::Open
	} else if policy
		.iter()
		.all(|r| matches!(r.outcome, Outcome::ProviderAndRegulator | Outcome::Refuse))
	{
		AccessPolicy::Restricted
	} else {
		AccessPolicy::ApprovalRequired
	}
}

/// A jurisdiction the council registered: a district, a ring road's inside,
/// a river basin.
#[derive(
	Clone,
	PartialEq,
	Eq,
	Debug,
	Encode,
	Decode,
	DecodeWithMemTracking,
	MaxEncodedLen,
	TypeInfo,
	Serialize,
	Deserialize,
)]
pub struct Jurisdiction {
	pub label: Label,
	/// Its boundary, checked by [`check_ring`].
	pub ring: Ring,
}

/// The terms a contract was decided under: the purpose code its request
/// named, the rule that decided (as it was then: a later policy does not
/// change an agreement), and its metered deliveries.
#[derive(
	Clone,
	PartialEq,
	Eq,
	Debug,
	Encode,
	Decode,
	DecodeWithMemTracking,
	MaxEncodedLen,
	TypeInfo,
	Serialize,
	Deserialize,
)]
pub struct ContractTerms {
	/// The vocabulary's code the request's purpose begins with, if any.
	pub purpose: Option<PurposeCode>,
	/// The index of the rule that decided.
	pub rule: u32,
	/// That rule.
	pub decided_by: Rule,
	/// Deliveries the provider's gateway reported.
	pub used: u32,
}

impl ContractTerms {
	/// The terms of a request `evaluation` of `policy` decided, naming
	/// `purpose`; `None` if no rule decided.
	pub fn decided(
		purpose: Option<PurposeCode>,
		evaluation: &Evaluation,
		policy: &[Rule],
	) -> Option<Self> {
		let rule = evaluation.rule?;
		let decided_by = policy.get(rule as usize)?.clone();
		Some(Self { purpose, rule, decided_by, used: 0 })
	}

	/// The terms of a contract requested before rules, under the fixed
	/// `policy` (its one unconstrained rule).
	pub fn before_rules(policy: AccessPolicy) -> Self {
		Self { purpose: None, rule: 0, decided_by: Rule::always(Outcome::of(policy)), used: 0 }
	}

	/// Most deliveries the contract allows, `None` if unlimited.
	pub fn uses(&self) -> Option<u32> {
		self.decided_by.uses
	}

	/// Deliveries left, `None` if unlimited.
	pub fn uses_left(&self) -> Option<u32> {
		self.uses().map(|u| u.saturating_sub(self.used))
	}
}

/// The purpose code a request's purpose text names: the text itself, or its
/// part before `": "` (`planning: the 2027 bus network`), if it has a code's
/// form.
pub fn purpose_code(purpose: &[u8]) -> Option<&[u8]> {
	let code = match purpose.windows(2).position(|w| w == b": ") {
		Some(end) => &purpose[..end],
		None => purpose,
	};
	is_purpose_code(code).then_some(code)
}

/// A constraint of a rule, as a verdict names it.
#[derive(
	Clone,
	Copy,
	PartialEq,
	Eq,
	Debug,
	Encode,
	Decode,
	DecodeWithMemTracking,
	MaxEncodedLen,
	TypeInfo,
	Serialize,
	Deserialize,
)]
#[serde(rename_all = "camelCase")]
pub enum Constraint {
	Consumer,
	Purpose,
	Term,
	Scope,
	Window,
	Uses,
}

/// Whether one constraint held.
#[derive(
	Clone,
	Copy,
	PartialEq,
	Eq,
	Debug,
	Encode,
	Decode,
	DecodeWithMemTracking,
	TypeInfo,
	Serialize,
	Deserialize,
)]
pub struct Verdict {
	pub constraint: Constraint,
	pub holds: bool,
}

/// How one rule fared: each of its constraints and whether it held.
#[derive(
	Clone,
	PartialEq,
	Eq,
	Debug,
	Encode,
	Decode,
	DecodeWithMemTracking,
	TypeInfo,
	Serialize,
	Deserialize,
)]
#[serde(rename_all = "camelCase")]
pub struct RuleVerdict {
	pub outcome: Outcome,
	pub constraints: Vec<Verdict>,
}

impl RuleVerdict {
	/// Whether every constraint held.
	pub fn holds(&self) -> bool {
		self.constraints.iter().all(|v| v.holds)
	}

	/// The first constraint that failed.
	pub fn failed(&self) -> Option<Constraint> {
		self.constraints.iter().find(|v| !v.holds).map(|v| v.constraint)
	}
}

/// What a policy says of a request: the rule that decides (if any), its
/// outcome, and every rule's verdict.
#[derive(
	Clone,
	PartialEq,
	Eq,
	Debug,
	Encode,
	Decode,
	DecodeWithMemTracking,
	TypeInfo,
	Serialize,
	Deserialize,
)]
#[serde(rename_all = "camelCase")]
pub struct Evaluation {
	/// The index of the first rule whose constraints hold.
	pub rule: Option<u32>,
	/// That rule's outcome; `Refuse` if none holds.
	pub outcome: Outcome,
	/// That rule's limit on deliveries.
	pub uses: Option<u32>,
	pub rules: Vec<RuleVerdict>,
}

impl Evaluation {
	/// The constraint that refused the request: of the first rule (in order)
	/// that failed on one, the first that failed. `None` if a rule decided
	/// (or the only rules were refusals that held).
	pub fn refused_by(&self) -> Option<Constraint> {
		if self.rule.is_some() {
			return None;
		}
		self.rules.iter().find_map(RuleVerdict::failed)
	}
}

/// Why `AccessApi::evaluate` could not evaluate a request.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Encode, Decode, TypeInfo, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum EvaluationError {
	/// The account is not a member of an active department.
	NotMember,
	/// No dataset has this id.
	UnknownDataset,
	/// The account's department owns the dataset.
	OwnDataset,
	/// The scope's box or interval is not valid.
	InvalidScope,
	/// The scope is not within the dataset's extent.
	ScopeOutsideExtent,
	/// The dataset is not active (deprecated, superseded or withdrawn):
	/// requests for it are refused whatever its rules.
	DatasetNotActive,
}

/// A request as a policy sees it.
#[derive(Clone, Debug)]
pub struct Request<'a> {
	pub consumer: DepartmentId,
	pub kind: DepartmentKind,
	pub purpose: &'a [u8],
	/// The term asked for, in blocks.
	pub term_blocks: u64,
	/// The box asked for: the scope's, else the dataset's extent.
	pub area: BoundingBox,
	/// Whether the request names a scope.
	pub scoped: bool,
	/// When it is made, ms since the Unix epoch.
	pub now: u64,
}

/// What the evaluation needs from the chain beside the request.
pub trait Context {
	/// Blocks in one day.
	fn blocks_per_day(&self) -> u64;
	/// Whether jurisdiction `id` is registered and contains `area`.
	fn jurisdiction_contains(&self, id: JurisdictionId, area: &BoundingBox) -> bool;
}

/// Evaluates `policy` for `request`.
pub fn evaluate(policy: &[Rule], request: &Request, context: &impl Context) -> Evaluation {
	let rules: Vec<RuleVerdict> = policy.iter().map(|r| verdict(r, request, context)).collect();
	let rule = rules.iter().position(RuleVerdict::holds);
	Evaluation {
		rule: rule.map(|i| i as u32),
		outcome: rule.map_or(Outcome::Refuse, |i| policy[i].outcome),
		uses: rule.and_then(|i| policy[i].uses),
		rules,
	}
}

fn verdict(rule: &Rule, request: &Request, context: &impl Context) -> RuleVerdict {
	let mut constraints = Vec::new();
	let mut note = |constraint, holds| constraints.push(Verdict { constraint, holds });
	if let Some(consumers) = &rule.consumer {
		let held = match consumers {
			Consumers::Departments(ids) => ids.contains(&request.consumer),
			Consumers::Kinds(kinds) => kinds.contains(&request.kind),
		};
		note(Constraint::Consumer, held);
	}
	if let Some(purposes) = &rule.purpose {
		note(Constraint::Purpose, purposes.iter().any(|p| &p[..] == request.purpose));
	}
	if let Some(days) = rule.max_days {
		let most = u64::from(days).saturating_mul(context.blocks_per_day());
		note(Constraint::Term, request.term_blocks <= most);
	}
	if let Some(area) = &rule.scope {
		let held = match area {
			Area::Jurisdictions(ids) => {
				ids.iter().any(|id| context.jurisdiction_contains(*id, &request.area))
			},
			Area::Extent => request.scoped,
		};
		note(Constraint::Scope, held);
	}
	if let Some(window) = rule.window {
		note(Constraint::Window, (window.from..=window.to).contains(&request.now));
	}
	if rule.uses.is_some() {
		note(Constraint::Uses, true);
	}
	RuleVerdict { outcome: rule.outcome, constraints }
}

/// Why a jurisdiction's boundary was refused.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum RingError {
	/// Fewer than three vertices.
	TooFewVertices,
	/// A vertex outside ±180, ±90.
	OutOfRange,
	/// Two consecutive vertices (the last and the first included) are the
	/// same.
	RepeatedVertex,
	/// Two edges cross or touch other than at their shared vertex (which
	/// includes every ring of no area).
	SelfIntersecting,
}

/// Checks that `ring` bounds a simple polygon on the globe. Quadratic in
/// the vertices: at most [`MAX_VERTICES`]² / 2 edge pairs.
pub fn check_ring(ring: &[(i32, i32)]) -> Result<(), RingError> {
	let n = ring.len();
	if n < 3 {
		return Err(RingError::TooFewVertices);
	}
	if ring.iter().any(|&(x, y)| {
		!(-MAX_LONGITUDE..=MAX_LONGITUDE).contains(&x)
			|| !(-MAX_LATITUDE..=MAX_LATITUDE).contains(&y)
	}) {
		return Err(RingError::OutOfRange);
	}
	let edge = |i: usize| (point(ring[i]), point(ring[(i + 1) % n]));
	if (0..n).any(|i| ring[i] == ring[(i + 1) % n]) {
		return Err(RingError::RepeatedVertex);
	}
	for i in 0..n {
		for j in i + 1..n {
			let (a, b) = edge(i);
			let (c, d) = edge(j);
			let adjacent = j == i + 1 || (i == 0 && j == n - 1);
			if adjacent {
				// Neighbours share one vertex; they must not fold back on
				// each other (overlap along a line).
				let (shared, p, q) = if j == i + 1 { (b, a, d) } else { (a, b, c) };
				if cross(shared, p, q) == 0 && dot(shared, p, q) > 0 {
					return Err(RingError::SelfIntersecting);
				}
			} else if segments_meet(a, b, c, d) {
				return Err(RingError::SelfIntersecting);
			}
		}
	}
	Ok(())
}

/// Whether the simple polygon `ring` (checked by [`check_ring`]) contains
/// `area`, edges included. A box across the antimeridian is never inside.
pub fn ring_contains(ring: &[(i32, i32)], area: &BoundingBox) -> bool {
	if area.crosses_antimeridian() || ring.len() < 3 {
		return false;
	}
	// In doubled coordinates the box's centre is a lattice point.
	let ring: Vec<P> = ring.iter().map(|&(x, y)| (2 * i64::from(x), 2 * i64::from(y))).collect();
	let (w, s, e, n) = (
		2 * i64::from(area.west),
		2 * i64::from(area.south),
		2 * i64::from(area.east),
		2 * i64::from(area.north),
	);
	let edges = (0..ring.len()).map(|i| (ring[i], ring[(i + 1) % ring.len()]));
	match (w == e, s == n) {
		// A point.
		(true, true) => covers(&ring, (w, s)),
		// A line along a meridian (or, coordinates swapped, a parallel): no
		// edge of the boundary meets it between its ends, so it lies wholly
		// inside or wholly outside, and its ends and centre are inside. (A
		// line along the boundary is refused, on the safe side.)
		(true, false) => on_open_meridian(&ring, w, (s, n)),
		(false, true) => {
			let swapped: Vec<P> = ring.iter().map(|&(x, y)| (y, x)).collect();
			on_open_meridian(&swapped, s, (w, e))
		},
		// A box: no edge of the boundary enters its interior, so the
		// interior lies wholly inside or wholly outside; its centre says
		// which.
		(false, false) => {
			edges.into_iter().all(|(p, q)| !meets_open_box(p, q, (w, s, e, n)))
				&& covers(&ring, ((w + e) / 2, (s + n) / 2))
		},
	}
}

type P = (i64, i64);

fn point((x, y): (i32, i32)) -> P {
	(i64::from(x), i64::from(y))
}

/// The cross product of `p - o` and `q - o`: positive if `o, p, q` turn
/// left.
fn cross(o: P, p: P, q: P) -> i128 {
	i128::from(p.0 - o.0) * i128::from(q.1 - o.1) - i128::from(p.1 - o.1) * i128::from(q.0 - o.0)
}

fn dot(o: P, p: P, q: P) -> i128 {
	i128::from(p.0 - o.0) * i128::from(q.0 - o.0) + i128::from(p.1 - o.1) * i128::from(q.1 - o.1)
}

/// Whether `p` lies on the closed segment `a b`.
fn on_segment(a: P, b: P, p: P) -> bool {
	cross(a, b, p) == 0
		&& p.0 >= a.0.min(b.0)
		&& p.0 <= a.0.max(b.0)
		&& p.1 >= a.1.min(b.1)
		&& p.1 <= a.1.max(b.1)
}

/// Whether the closed segments `a b` and `c d` share a point.
fn segments_meet(a: P, b: P, c: P, d: P) -> bool {
	let (d1, d2) = (cross(a, b, c).signum(), cross(a, b, d).signum());
	let (d3, d4) = (cross(c, d, a).signum(), cross(c, d, b).signum());
	if d1 * d2 < 0 && d3 * d4 < 0 {
		return true;
	}
	on_segment(a, b, c) || on_segment(a, b, d) || on_segment(c, d, a) || on_segment(c, d, b)
}

/// Whether the segment `x = x0, from <= y <= to` lies in the closed polygon
/// `ring` with no edge meeting it between its ends.
fn on_open_meridian(ring: &[P], x0: i64, (from, to): (i64, i64)) -> bool {
	let n = ring.len();
	let meets = |p: P, q: P| -> bool {
		if p.0 == q.0 {
			return p.0 == x0 && p.1.min(q.1) < to && p.1.max(q.1) > from;
		}
		if x0 < p.0.min(q.0) || x0 > p.0.max(q.0) {
			return false;
		}
		// The edge crosses `x = x0` at y = num / d.
		let (mut d, mut num) = (
			i128::from(q.0 - p.0),
			i128::from(p.1) * i128::from(q.0 - p.0) + i128::from(x0 - p.0) * i128::from(q.1 - p.1),
		);
		if d < 0 {
			(d, num) = (-d, -num);
		}
		i128::from(from) * d < num && num < i128::from(to) * d
	};
	(0..n).all(|i| !meets(ring[i], ring[(i + 1) % n]))
		&& covers(ring, (x0, from))
		&& covers(ring, (x0, to))
		&& covers(ring, (x0, (from + to) / 2))
}

/// Whether segment `p q` has a point strictly inside the box `(w, s, e, n)`.
fn meets_open_box(p: P, q: P, (w, s, e, n): (i64, i64, i64, i64)) -> bool {
	if p.0.max(q.0) <= w || p.0.min(q.0) >= e || p.1.max(q.1) <= s || p.1.min(q.1) >= n {
		return false;
	}
	if p == q {
		return true;
	}
	// Separated by the segment's own line if every corner lies on one side
	// of it (or on it).
	let sides = [(w, s), (e, s), (e, n), (w, n)].map(|c| cross(p, q, c).signum());
	!(sides.iter().all(|s| *s >= 0) || sides.iter().all(|s| *s <= 0))
}

/// Whether `p` lies in the closed polygon `ring`.
fn covers(ring: &[P], p: P) -> bool {
	let n = ring.len();
	let mut inside = false;
	for i in 0..n {
		let (a, b) = (ring[i], ring[(i + 1) % n]);
		if on_segment(a, b, p) {
			return true;
		}
		// Crossing number: edges that straddle the horizontal line through
		// `p` (half-open in y) to its right.
		if (a.1 > p.1) != (b.1 > p.1) {
			let c = cross(a, b, p);
			if (c > 0) == (b.1 > a.1) {
				inside = !inside;
			}
		}
	}
	inside
}

#[cfg(test)]
mod tests {
	use super::*;
	use crate::geometry::DEGREE;
	use proptest::prelude::*;

	struct Chain(Vec<Ring>);

	impl Context for Chain {
		fn blocks_per_day(&self) -> u64 {
			14_400
		}
		fn jurisdiction_contains(&self, id: JurisdictionId, area: &BoundingBox) -> bool {
			self.0.get(id as usize).is_some_and(|r| ring_contains(r, area))
		}
	}

	fn ring(vertices: &[(f64, f64)]) -> Ring {
		let fixed = |d: f64| (d * f64::from(DEGREE)).round() as i32;
		Ring::truncate_from(vertices.iter().map(|&(x, y)| (fixed(x), fixed(y))).collect())
	}

	fn bbox(w: f64, s: f64, e: f64, n: f64) -> BoundingBox {
		BoundingBox::from_degrees(&[w, s, e, n]).unwrap()
	}

	fn named<T>(items: Vec<T>) -> Named<T> {
		Named::truncate_from(items)
	}

	fn code(c: &str) -> PurposeCode {
		PurposeCode::truncate_from(c.as_bytes().to_vec())
	}

	/// An L: the square 0..4 × 0..4 without its top right 2..4 × 2..4.
	fn ell() -> Ring {
		ring(&[(0.0, 0.0), (4.0, 0.0), (4.0, 2.0), (2.0, 2.0), (2.0, 4.0), (0.0, 4.0)])
	}

	fn request(area: BoundingBox) -> Request<'static> {
		Request {
			consumer: 3,
			kind: DepartmentKind::Transport,
			purpose: b"planning",
			term_blocks: 14_400 * 30,
			area,
			scoped: false,
			now: 1_700_000_000_000,
		}
	}

	#[test]
	fn boxes_inside_an_ell_and_across_its_notch() {
		let l = ell();
		assert_eq!(check_ring(&l), Ok(()));
		assert!(ring_contains(&l, &bbox(0.0, 0.0, 4.0, 2.0)), "the bottom, edges included");
		assert!(ring_contains(&l, &bbox(0.5, 0.5, 1.5, 3.5)));
		assert!(!ring_contains(&l, &bbox(1.0, 1.0, 3.0, 3.0)), "across the notch");
		assert!(!ring_contains(&l, &bbox(2.5, 2.5, 3.5, 3.5)), "in the notch");
		assert!(!ring_contains(&l, &bbox(-1.0, 0.0, 1.0, 1.0)), "over the edge");
		assert!(ring_contains(&l, &bbox(2.0, 2.0, 2.0, 2.0)), "the inner corner, a point");
		assert!(!ring_contains(&l, &bbox(3.0, 3.0, 3.0, 3.0)), "a point in the notch");
		assert!(ring_contains(&l, &bbox(1.0, 0.5, 1.0, 3.5)), "a line inside");
		assert!(!ring_contains(&l, &bbox(1.0, 3.0, 3.0, 3.0)), "a line out of the notch");
		assert!(ring_contains(&l, &bbox(0.5, 1.0, 3.5, 1.0)), "a line along the foot");
	}

	#[test]
	fn a_box_that_crosses_the_antimeridian_is_never_inside() {
		let world = ring(&[(-180.0, -90.0), (180.0, -90.0), (180.0, 90.0), (-180.0, 90.0)]);
		assert!(ring_contains(&world, &bbox(-10.0, -10.0, 10.0, 10.0)));
		assert!(!ring_contains(&world, &bbox(170.0, -10.0, -170.0, 10.0)));
	}

	#[test]
	fn rings_must_be_simple_polygons_on_the_globe() {
		assert_eq!(check_ring(&ring(&[(0.0, 0.0), (1.0, 0.0)])), Err(RingError::TooFewVertices));
		assert_eq!(
			check_ring(&ring(&[(0.0, 0.0), (1.0, 0.0), (1.0, 0.0), (0.0, 1.0)])),
			Err(RingError::RepeatedVertex)
		);
		assert_eq!(
			check_ring(&ring(&[(0.0, 0.0), (1.0, 1.0), (2.0, 2.0)])),
			Err(RingError::SelfIntersecting),
			"no area"
		);
		assert_eq!(
			check_ring(&ring(&[(0.0, 0.0), (2.0, 2.0), (2.0, 0.0), (0.0, 2.0)])),
			Err(RingError::SelfIntersecting),
			"a bow tie"
		);
		assert_eq!(
			check_ring(&ring(&[(0.0, 0.0), (4.0, 0.0), (2.0, 0.0), (2.0, 3.0)])),
			Err(RingError::SelfIntersecting),
			"an edge that folds back on its neighbour"
		);
		assert_eq!(
			check_ring(&ring(&[(0.0, 0.0), (4.0, 0.0), (4.0, 4.0), (2.0, 0.0), (0.0, 4.0)])),
			Err(RingError::SelfIntersecting),
			"a vertex on another edge"
		);
		let mut out = ell();
		out[0] = (0, 91 * DEGREE);
		assert_eq!(check_ring(&out), Err(RingError::OutOfRange));
	}

	#[test]
	fn the_first_rule_that_holds_decides_and_each_constraint_is_named() {
		let chain = Chain(vec![ell()]);
		let transport_planning = Rule {
			consumer: Some(Consumers::Kinds(named(vec![DepartmentKind::Transport]))),
			purpose: Some(named(vec![code("planning")])),
			max_days: Some(365),
			scope: Some(Area::Jurisdictions(named(vec![0]))),
			uses: Some(10),
			..Rule::always(Outcome::Grant)
		};
		let policy = [transport_planning, Rule::always(Outcome::Provider)];
		let inside = request(bbox(0.5, 0.5, 1.5, 1.5));
		let e = evaluate(&policy, &inside, &chain);
		assert_eq!((e.rule, e.outcome, e.uses), (Some(0), Outcome::Grant, Some(10)));

		for (changed, failed) in [
			(Request { kind: DepartmentKind::Housing, ..inside.clone() }, Constraint::Consumer),
			(Request { purpose: b"research", ..inside.clone() }, Constraint::Purpose),
			(Request { term_blocks: 14_400 * 365 + 1, ..inside.clone() }, Constraint::Term),
			(Request { area: bbox(1.0, 1.0, 3.0, 3.0), ..inside.clone() }, Constraint::Scope),
		] {
			let e = evaluate(&policy, &changed, &chain);
			assert_eq!((e.rule, e.outcome), (Some(1), Outcome::Provider), "{failed:?}");
			assert_eq!(e.rules[0].failed(), Some(failed));
			assert_eq!(e.refused_by(), None);
			let alone = evaluate(&policy[..1], &changed, &chain);
			assert_eq!((alone.outcome, alone.refused_by()), (Outcome::Refuse, Some(failed)));
		}
	}

	#[test]
	fn windows_departments_extent_and_unknown_jurisdictions() {
		let chain = Chain(vec![]);
		let rule = Rule {
			consumer: Some(Consumers::Departments(named(vec![3, 4]))),
			window: Some(Window { from: 1_000, to: 2_000 }),
			scope: Some(Area::Extent),
			..Rule::always(Outcome::ProviderAndRegulator)
		};
		let r = Request { now: 1_500, scoped: true, ..request(bbox(0.0, 0.0, 1.0, 1.0)) };
		assert_eq!(
			evaluate(std::slice::from_ref(&rule), &r, &chain).outcome,
			Outcome::ProviderAndRegulator
		);
		for (changed, failed) in [
			(Request { now: 2_001, ..r.clone() }, Constraint::Window),
			(Request { consumer: 5, ..r.clone() }, Constraint::Consumer),
			(Request { scoped: false, ..r.clone() }, Constraint::Scope),
		] {
			assert_eq!(
				evaluate(std::slice::from_ref(&rule), &changed, &chain).refused_by(),
				Some(failed)
			);
		}
		let nowhere = Rule { scope: Some(Area::Jurisdictions(named(vec![7]))), ..rule };
		assert_eq!(evaluate(&[nowhere], &r, &chain).refused_by(), Some(Constraint::Scope));
	}

	#[test]
	fn policies_are_checked_and_summed_up() {
		use AccessPolicy::*;
		assert_eq!(check_policy(&[]), Err(PolicyError::Empty));
		assert_eq!(check_policy(&[Rule::always(Outcome::Refuse)]), Err(PolicyError::RefusesAll));
		let zero = Rule { uses: Some(0), ..Rule::always(Outcome::Grant) };
		assert_eq!(check_policy(&[zero]), Err(PolicyError::ZeroLimit));
		let empty = Rule { purpose: Some(named(vec![])), ..Rule::always(Outcome::Grant) };
		assert_eq!(check_policy(&[empty]), Err(PolicyError::EmptyList));
		let bad =
			Rule { purpose: Some(named(vec![code("Plan ning")])), ..Rule::always(Outcome::Grant) };
		assert_eq!(check_policy(&[bad]), Err(PolicyError::InvalidPurpose));
		let late = Rule { window: Some(Window { from: 2, to: 1 }), ..Rule::always(Outcome::Grant) };
		assert_eq!(check_policy(&[late]), Err(PolicyError::InvalidWindow));
		for policy in [Open, ApprovalRequired, Restricted] {
			assert_eq!(check_policy(&single_rule(policy)), Ok(()));
			assert_eq!(headline(&single_rule(policy)), policy);
		}
		let some_at_once = [Rule::always(Outcome::Refuse), Rule::always(Outcome::Grant)];
		assert_eq!(headline(&some_at_once), ApprovalRequired);
		assert!(!is_open(&some_at_once) && grants_at_once(&some_at_once));
		let regulated =
			[Rule::always(Outcome::Refuse), Rule::always(Outcome::ProviderAndRegulator)];
		assert_eq!(headline(&regulated), Restricted);
		assert_eq!(purpose_code(b"planning: the 2027 bus network"), Some(&b"planning"[..]));
		assert_eq!(purpose_code(b"planning"), Some(&b"planning"[..]));
		assert_eq!(purpose_code(b"road safety study"), None);
		assert!(
			is_purpose_code(b"law-enforcement") && !is_purpose_code(b"-x") && !is_purpose_code(b"")
		);
	}

	/// A star-shaped polygon (always simple) around `centre` from radii at
	/// sorted angles, in 1e-7 degrees.
	fn star(centre: (i32, i32), radii: &[(u16, u32)]) -> Vec<(i32, i32)> {
		let mut spokes: Vec<(u16, u32)> = radii.to_vec();
		spokes.sort_by_key(|s| s.0);
		spokes.dedup_by_key(|s| s.0);
		spokes
			.iter()
			.map(|&(angle, r)| {
				let a = f64::from(angle) / 65_536.0 * core::f64::consts::TAU;
				let r = f64::from(r);
				(centre.0 + (r * a.cos()).round() as i32, centre.1 + (r * a.sin()).round() as i32)
			})
			.collect()
	}

	fn geo_polygon(ring: &[(i32, i32)]) -> geo::Polygon<f64> {
		geo::Polygon::new(
			geo::LineString::from(
				ring.iter().map(|&(x, y)| (f64::from(x), f64::from(y))).collect::<Vec<_>>(),
			),
			vec![],
		)
	}

	proptest! {
		#![proptest_config(ProptestConfig::with_cases(2000))]

		/// The exact containment agrees with `geo` (the index's geometry)
		/// on every box of positive area, for random simple polygons.
		#[test]
		fn containment_agrees_with_geo(
			radii in proptest::collection::vec((any::<u16>(), 1_000u32..50_000), 3..24),
			corner in (-60_000i32..60_000, -60_000i32..60_000),
			size in (1i32..40_000, 1i32..40_000),
		) {
			use geo::Covers;
			let vertices = star((0, 0), &radii);
			prop_assume!(check_ring(&vertices).is_ok());
			let area = BoundingBox {
				west: corner.0,
				south: corner.1,
				east: corner.0 + size.0,
				north: corner.1 + size.1,
			};
			let rect = geo::Rect::new(
				(f64::from(area.west), f64::from(area.south)),
				(f64::from(area.east), f64::from(area.north)),
			);
			prop_assert_eq!(ring_contains(&vertices, &area), geo_polygon(&vertices).covers(&rect));
		}

		/// Points agree with `geo` too, edges included.
		#[test]
		fn points_agree_with_geo(
			radii in proptest::collection::vec((any::<u16>(), 1_000u32..50_000), 3..24),
			at in (-60_000i32..60_000, -60_000i32..60_000),
		) {
			use geo::Covers;
			let vertices = star((0, 0), &radii);
			prop_assume!(check_ring(&vertices).is_ok());
			let area = BoundingBox { west: at.0, south: at.1, east: at.0, north: at.1 };
			let p = geo::Point::new(f64::from(at.0), f64::from(at.1));
			prop_assert_eq!(ring_contains(&vertices, &area), geo_polygon(&vertices).covers(&p));
		}

		/// A line is inside only if it is (never more), and whenever it
		/// stays clear of the boundary `geo` agrees.
		#[test]
		fn lines_are_inside_only_if_geo_says_so(
			radii in proptest::collection::vec((any::<u16>(), 1_000u32..50_000), 3..24),
			at in (-60_000i32..60_000, -60_000i32..60_000),
			length in 1i32..40_000,
			vertical in any::<bool>(),
		) {
			use geo::Covers;
			let vertices = star((0, 0), &radii);
			prop_assume!(check_ring(&vertices).is_ok());
			let (east, north) = if vertical { (at.0, at.1 + length) } else { (at.0 + length, at.1) };
			let area = BoundingBox { west: at.0, south: at.1, east, north };
			let line = geo::Line::new(
				(f64::from(at.0), f64::from(at.1)),
				(f64::from(east), f64::from(north)),
			);
			let polygon = geo_polygon(&vertices);
			let ours = ring_contains(&vertices, &area);
			prop_assert!(!ours || polygon.covers(&line));
			use geo::Intersects;
			if !polygon.exterior().intersects(&line) {
				prop_assert_eq!(ours, polygon.covers(&line));
			}
		}
	}
}
