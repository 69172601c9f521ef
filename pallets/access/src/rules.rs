//! The terms side of the pallet: a request evaluated under its dataset's
//! rules, the purpose vocabulary and jurisdictions the rules name, and the
//! deliveries the provider's gateway meters.

use crate::*;
use alloc::vec::Vec;
use citychain_primitives::{
	access::DatasetSummary,
	terms::{Constraint, Context, EvaluationError, Request, RingError},
};
use frame_support::{pallet_prelude::*, traits::UnixTime};
use frame_system::pallet_prelude::*;
use sp_runtime::SaturatedConversion;

/// The chain as the rules see it: its day in blocks and its jurisdictions.
struct Chain<T>(PhantomData<T>);

impl<T: Config> Context for Chain<T> {
	fn blocks_per_day(&self) -> u64 {
		T::BlocksPerDay::get().saturated_into()
	}

	fn jurisdiction_contains(&self, id: JurisdictionId, area: &BoundingBox) -> bool {
		Jurisdictions::<T>::get(id).is_some_and(|j| terms::ring_contains(&j.ring, area))
	}
}

impl<T: Config> Pallet<T> {
	/// The registered purpose code `purpose` begins with, if any.
	pub(crate) fn registered_purpose(purpose: &[u8]) -> Option<PurposeCode> {
		let code = terms::purpose_code(purpose)?;
		let code = PurposeCode::truncate_from(code.to_vec());
		Purposes::<T>::contains_key(&code).then_some(code)
	}

	/// `dataset`'s rules evaluated for a request of `consumer` with
	/// `purpose`, `term` and `scope` now, and the purpose code it names.
	pub(crate) fn evaluate_request(
		d: &DatasetSummary,
		consumer: DepartmentId,
		purpose: &[u8],
		term: BlockNumberFor<T>,
		scope: Option<&Scope>,
	) -> (Evaluation, Option<PurposeCode>) {
		let code = Self::registered_purpose(purpose);
		let kind = T::Departments::department(consumer)
			.map_or(citychain_primitives::DepartmentKind::Other, |(kind, _)| kind);
		let area = scope.and_then(|s| s.bbox);
		// A scope names a part of the data: a box smaller than the extent,
		// or an interval.
		let scoped = scope.is_some_and(|s| s.bbox.is_some_and(|b| b != d.bbox) || s.time.is_some());
		let request = Request {
			consumer,
			kind,
			purpose: code.as_ref().map_or(&[][..], |c| &c[..]),
			term_blocks: term.saturated_into(),
			area: area.unwrap_or(d.bbox),
			scoped,
			now: T::Time::now().as_millis().saturated_into(),
		};
		(terms::evaluate(&d.rules, &request, &Chain::<T>(PhantomData)), code)
	}

	/// The error that names why `evaluation` refused.
	pub(crate) fn refusal(evaluation: &Evaluation) -> Error<T> {
		match evaluation.refused_by() {
			Some(Constraint::Consumer) => Error::<T>::RefusedByConsumer,
			Some(Constraint::Purpose) => Error::<T>::RefusedByPurpose,
			Some(Constraint::Term) => Error::<T>::RefusedByTerm,
			Some(Constraint::Scope) => Error::<T>::RefusedByScope,
			Some(Constraint::Window) => Error::<T>::RefusedByWindow,
			Some(Constraint::Uses) | None => Error::<T>::RefusedByRule,
		}
	}

	/// What a request of `who` for `dataset` with `purpose`, `term` and
	/// `scope` would meet at this block: the rule that decides and every
	/// rule's verdict. Checks what `request_access` checks before the
	/// rules, but not the live contracts, the term's bound or the purpose's
	/// length.
	pub fn evaluate(
		who: &T::AccountId,
		dataset: DatasetId,
		purpose: &[u8],
		term: BlockNumberFor<T>,
		scope: Option<Scope>,
	) -> Result<Evaluation, EvaluationError> {
		let consumer =
			T::Departments::active_department_of(who).ok_or(EvaluationError::NotMember)?;
		let d = T::Datasets::dataset(dataset).ok_or(EvaluationError::UnknownDataset)?;
		if d.status != DatasetStatus::Active {
			return Err(EvaluationError::DatasetNotActive);
		}
		if d.owner == consumer {
			return Err(EvaluationError::OwnDataset);
		}
		if let Some(scope) = &scope {
			Self::check_scope(scope, &d).map_err(|e| {
				if e == Error::<T>::ScopeOutsideExtent.into() {
					EvaluationError::ScopeOutsideExtent
				} else {
					EvaluationError::InvalidScope
				}
			})?;
		}
		Ok(Self::evaluate_request(&d, consumer, purpose, term, scope.as_ref()).0)
	}

	/// Adds or relabels purpose `code`.
	pub(crate) fn put_purpose(code: Vec<u8>, label: Vec<u8>) -> Result<PurposeCode, Error<T>> {
		ensure!(terms::is_purpose_code(&code), Error::<T>::InvalidPurposeCode);
		let code = PurposeCode::truncate_from(code);
		let label = Self::check_label(label)?;
		ensure!(
			Purposes::<T>::contains_key(&code) || Purposes::<T>::count() < MAX_PURPOSES,
			Error::<T>::TooManyPurposes
		);
		Purposes::<T>::insert(&code, label);
		Ok(code)
	}

	/// Registers a jurisdiction bounded by `ring`; returns its id.
	pub(crate) fn put_jurisdiction(
		label: Vec<u8>,
		ring: Vec<(i32, i32)>,
	) -> Result<JurisdictionId, Error<T>> {
		let label = Self::check_label(label)?;
		let ring: Ring = ring.try_into().map_err(|_| Error::<T>::TooManyVertices)?;
		terms::check_ring(&ring).map_err(|e| match e {
			RingError::TooFewVertices => Error::<T>::TooFewVertices,
			RingError::OutOfRange => Error::<T>::VertexOutOfRange,
			RingError::RepeatedVertex => Error::<T>::RepeatedVertex,
			RingError::SelfIntersecting => Error::<T>::SelfIntersecting,
		})?;
		ensure!(Jurisdictions::<T>::count() < MAX_JURISDICTIONS, Error::<T>::TooManyJurisdictions);
		let id = NextJurisdictionId::<T>::get();
		Jurisdictions::<T>::insert(id, Jurisdiction { label, ring });
		NextJurisdictionId::<T>::put(id.saturating_add(1));
		Ok(id)
	}

	fn check_label(label: Vec<u8>) -> Result<Label, Error<T>> {
		ensure!(!label.is_empty(), Error::<T>::EmptyLabel);
		label.try_into().map_err(|_| Error::<T>::LabelTooLong)
	}

	/// Adds `count` deliveries to the terms of `contract`, of `provider`;
	/// returns the deliveries in all.
	pub(crate) fn meter(
		contract: ContractId,
		provider: DepartmentId,
		count: u32,
	) -> Result<u32, DispatchError> {
		ensure!(count > 0, Error::<T>::ZeroDeliveries);
		let c = Contracts::<T>::get(contract).ok_or(Error::<T>::UnknownContract)?;
		ensure!(c.provider == provider, Error::<T>::WrongDepartment);
		// Deliveries are reported after they happen: a contract that has
		// ended since still takes them, one never approved does not.
		ensure!(c.expires_at.is_some(), Error::<T>::NeverApproved);
		let mut t =
			Terms::<T>::get(contract).unwrap_or_else(|| ContractTerms::before_rules(c.policy));
		let used = t.used.checked_add(count).ok_or(Error::<T>::UsesExceeded)?;
		ensure!(t.uses().is_none_or(|uses| used <= uses), Error::<T>::UsesExceeded);
		t.used = used;
		Terms::<T>::insert(contract, t);
		Ok(used)
	}

	/// The outcome the rules give, as the approvals a contract needs.
	pub(crate) fn approvals_of(evaluation: &Evaluation) -> Result<AccessPolicy, Error<T>> {
		evaluation.outcome.approvals().ok_or_else(|| Self::refusal(evaluation))
	}
}

impl<T: Config> citychain_primitives::access::TermsRegistry for Pallet<T> {
	#[cfg(feature = "runtime-benchmarks")]
	fn largest_policy(admits: DepartmentId) -> Policy {
		benchmarking::largest_policy::<T>(admits)
	}

	fn knows(policy: &[terms::Rule]) -> bool {
		policy.iter().all(|rule| {
			rule.purpose.iter().flatten().all(Purposes::<T>::contains_key)
				&& match &rule.scope {
					Some(terms::Area::Jurisdictions(ids)) => {
						ids.iter().all(Jurisdictions::<T>::contains_key)
					},
					_ => true,
				}
		})
	}
}

/// What the benchmarks of this pallet and of the registry measure the rules
/// at: the most purposes and jurisdictions a policy can name, each boundary
/// of `MAX_VERTICES` vertices.
#[cfg(feature = "runtime-benchmarks")]
pub(crate) mod benchmarking {
	use super::*;
	use citychain_primitives::terms::{
		Area, Consumers, Named, Outcome, Rule, Window, MAX_NAMED, MAX_RULES, MAX_VERTICES,
	};

	/// A simple polygon of `n` vertices (degrees): an x-monotone chain of
	/// `n - 2` on the parabola through `(west, rim)`, `(centre, bottom)` and
	/// `(east, rim)`, then the corners `(east, top)` and `(west, top)` above
	/// it.
	pub fn bowl(
		n: u32,
		(west, east): (i64, i64),
		(bottom, rim, top): (i64, i64, i64),
	) -> Vec<(i32, i32)> {
		let fixed = |d: i128| (d * 10_000_000) as i32;
		let (west, east, bottom, rim) = (
			i128::from(west) * 1_000,
			i128::from(east) * 1_000,
			i128::from(bottom) * 1_000,
			i128::from(rim) * 1_000,
		);
		let (m, half) = (i128::from(n.saturating_sub(2)), (east - west) / 2);
		let mut ring: Vec<(i32, i32)> = (0..m)
			.map(|i| {
				let x = if m > 1 { west + (east - west) * i / (m - 1) } else { west + half };
				let dx = x - (west + half);
				let y = bottom + (rim - bottom) * dx * dx / (half * half);
				((x * 10_000) as i32, (y * 10_000) as i32)
			})
			.collect();
		ring.push((fixed(east / 1_000), fixed(i128::from(top))));
		ring.push((fixed(west / 1_000), fixed(i128::from(top))));
		ring
	}

	/// Registers `MAX_RULES * MAX_NAMED` purposes (each rule names its own,
	/// every one looked up when the policy is set) and `MAX_RULES * MAX_NAMED`
	/// jurisdictions (the last one around nearly the whole globe, the others
	/// in Siberia, outside the benchmarks' data),
	/// and returns the largest policy.
	pub fn largest_policy<T: Config>(admits: DepartmentId) -> Policy {
		let purposes: Vec<PurposeCode> = (0..MAX_RULES * MAX_NAMED)
			.map(|i| {
				let code = alloc::format!("purpose-{i}").into_bytes();
				Pallet::<T>::put_purpose(code, alloc::vec![b'l'; 64]).expect("a purpose")
			})
			.collect();
		let jurisdictions = MAX_RULES * MAX_NAMED;
		let ids: Vec<JurisdictionId> = (0..jurisdictions)
			.map(|i| {
				let ring = if i + 1 == jurisdictions {
					bowl(MAX_VERTICES, (-179, 179), (-85, -80, 85))
				} else {
					bowl(MAX_VERTICES, (120, 130), (60, 65, 70))
				};
				Pallet::<T>::put_jurisdiction(alloc::vec![b'j'; 64], ring).expect("a jurisdiction")
			})
			.collect();
		let rules = (0..MAX_RULES).map(|r| {
			let last = r + 1 == MAX_RULES;
			let departments = (0..MAX_NAMED)
				.map(|i| if last && i + 1 == MAX_NAMED { admits } else { u32::MAX - i })
				.collect();
			let range = (r * MAX_NAMED) as usize..((r + 1) * MAX_NAMED) as usize;
			let (named, codes) = (&ids[range.clone()], &purposes[range]);
			Rule {
				outcome: Outcome::Grant,
				consumer: Some(Consumers::Departments(Named::truncate_from(departments))),
				purpose: Some(Named::truncate_from(codes.to_vec())),
				max_days: Some(u32::MAX),
				scope: Some(Area::Jurisdictions(Named::truncate_from(named.to_vec()))),
				window: Some(Window { from: 0, to: u64::MAX }),
				uses: Some(u32::MAX),
			}
		});
		Policy::truncate_from(rules.collect())
	}

	/// The purpose text of the largest request the largest policy admits:
	/// the last rule's last purpose.
	pub fn largest_purpose() -> Vec<u8> {
		let mut text = alloc::format!("purpose-{}: ", MAX_RULES * MAX_NAMED - 1).into_bytes();
		text.resize(MAX_PURPOSE_LEN as usize, b'p');
		text
	}
}

#[cfg(feature = "runtime-benchmarks")]
impl<T: Config> Pallet<T> {
	/// The costliest area a request may name within `extent`: a line (the
	/// containment of a line passes over a boundary four times, a box's
	/// twice) from its south to its north edge through its middle.
	pub(crate) fn costliest_scope(extent: &BoundingBox) -> Scope {
		let middle = extent.west + (extent.east - extent.west) / 2;
		let line = BoundingBox { west: middle, east: middle, ..*extent };
		Scope { bbox: Some(line), time: None }
	}
}
