//! Tests of the rules: a request decided by the first rule that holds (the
//! constraint that failed named), governance of the purposes and
//! jurisdictions, metered deliveries, policy changes, and a property check
//! that `evaluate` answers what the request then meets.

use super::*;
use crate::{Jurisdictions, Purposes, Terms};
use citychain_primitives::{
	terms::{
		single_rule, Area, Consumers, Named, Outcome, Policy, PurposeCode, Rule, Window,
		MAX_PURPOSES, MAX_VERTICES,
	},
	DepartmentKind, Role, Roles,
};

const DAY: u64 = BLOCKS_PER_DAY;

fn root() -> RuntimeOrigin {
	RuntimeOrigin::root()
}

fn purpose(code: &str) -> PurposeCode {
	PurposeCode::truncate_from(code.as_bytes().to_vec())
}

fn named<T>(items: Vec<T>) -> Named<T> {
	Named::truncate_from(items)
}

fn policy(rules: Vec<Rule>) -> Policy {
	Policy::truncate_from(rules)
}

/// The western half of the city's box (see `mock::city`): jurisdiction 0.
fn west_half() -> Vec<(i32, i32)> {
	let c = city();
	let middle = c.west + (c.east - c.west) / 2;
	vec![(c.west, c.south), (middle, c.south), (middle, c.north), (c.west, c.north)]
}

fn box_in(west_part: bool) -> BoundingBox {
	let c = city();
	let middle = c.west + (c.east - c.west) / 2;
	let (w, e) = if west_part { (c.west, middle - 1) } else { (middle - 1, c.east) };
	BoundingBox { west: w, south: c.south, east: e, north: c.north }
}

/// Planning, research and emergency; the west half as jurisdiction 0.
fn vocabulary() {
	for code in ["planning", "research", "emergency"] {
		assert_ok!(Access::set_purpose(root(), code.into(), code.to_uppercase().into()));
	}
	assert_ok!(Access::register_jurisdiction(root(), b"West".to_vec(), west_half()));
}

/// Transport may have it at once for planning, within the west half, for
/// at most 30 days and 10 deliveries; anyone else asks the provider.
fn transport_planning() -> Rule {
	Rule {
		consumer: Some(Consumers::Kinds(named(vec![DepartmentKind::Transport]))),
		purpose: Some(named(vec![purpose("planning")])),
		max_days: Some(30),
		scope: Some(Area::Jurisdictions(named(vec![0]))),
		uses: Some(10),
		..Rule::always(Outcome::Grant)
	}
}

fn ask(
	who: AccountId,
	purpose: &str,
	term: u64,
	bbox: Option<BoundingBox>,
) -> sp_runtime::DispatchResult {
	let scope = bbox.map(|b| Scope { bbox: Some(b), time: None });
	Access::request_access(RuntimeOrigin::signed(who), APPROVAL, purpose.into(), term, scope)
}

#[test]
fn the_first_rule_that_holds_decides_and_a_refusal_names_its_constraint() {
	new_test_ext().execute_with(|| {
		vocabulary();
		Registry::set_rules(APPROVAL, policy(vec![transport_planning()]), Sensitivity::Internal);
		let west = Some(box_in(true));
		assert_noop!(
			ask(TRANSPORT_CLERK, "research", 5 * DAY, west),
			Error::<Test>::RefusedByPurpose
		);
		assert_noop!(
			ask(ENVIRONMENT_CLERK, "planning", 5 * DAY, west),
			Error::<Test>::RefusedByConsumer
		);
		assert_noop!(
			ask(TRANSPORT_CLERK, "planning", 31 * DAY, west),
			Error::<Test>::RefusedByTerm
		);
		assert_noop!(
			ask(TRANSPORT_CLERK, "planning", 5 * DAY, Some(box_in(false))),
			Error::<Test>::RefusedByScope
		);
		assert_noop!(
			ask(TRANSPORT_CLERK, "planning", 5 * DAY, None),
			Error::<Test>::RefusedByScope
		);

		let id = crate::NextContractId::<Test>::get();
		assert_ok!(ask(TRANSPORT_CLERK, "planning: the 2027 bus network", 5 * DAY, west));
		assert_eq!(contract(id).state, ContractState::Approved);
		let terms = Terms::<Test>::get(id).unwrap();
		assert_eq!(
			(terms.purpose.clone(), terms.rule, terms.uses(), terms.used),
			(Some(purpose("planning")), 0, Some(10), 0)
		);
		System::assert_has_event(
			Event::TermsApplied {
				contract: id,
				rule: 0,
				purpose: Some(purpose("planning")),
				uses: Some(10),
			}
			.into(),
		);
		try_state();
	});
}

#[test]
fn a_later_rule_decides_what_the_first_does_not_and_a_refusing_rule_refuses() {
	new_test_ext().execute_with(|| {
		vocabulary();
		let refuse_emergency = Rule {
			purpose: Some(named(vec![purpose("emergency")])),
			..Rule::always(Outcome::Refuse)
		};
		Registry::set_rules(
			APPROVAL,
			policy(vec![
				transport_planning(),
				refuse_emergency,
				Rule::always(Outcome::ProviderAndRegulator),
			]),
			Sensitivity::Internal,
		);
		assert_noop!(ask(TRANSPORT_CLERK, "emergency", DAY, None), Error::<Test>::RefusedByRule);
		let id = crate::NextContractId::<Test>::get();
		assert_ok!(ask(TRANSPORT_CLERK, "road safety study", DAY, None));
		let c = contract(id);
		assert_eq!((c.state, c.policy), (ContractState::Requested, AccessPolicy::Restricted));
		let terms = Terms::<Test>::get(id).unwrap();
		assert_eq!((terms.purpose.clone(), terms.rule, terms.uses()), (None, 2, None));
		assert_eq!(terms.decided_by, Rule::always(Outcome::ProviderAndRegulator));
	});
}

#[test]
fn a_window_admits_requests_between_its_dates_only() {
	new_test_ext().execute_with(|| {
		let rule = Rule {
			window: Some(Window { from: 1_000, to: 2_000 }),
			..Rule::always(Outcome::Grant)
		};
		Registry::set_rules(APPROVAL, policy(vec![rule]), Sensitivity::Internal);
		Clock::set(2_001);
		assert_noop!(ask(TRANSPORT_CLERK, "x", DAY, None), Error::<Test>::RefusedByWindow);
		Clock::set(2_000);
		assert_ok!(ask(TRANSPORT_CLERK, "x", DAY, None));
	});
}

#[test]
fn the_extent_rule_wants_a_scope() {
	new_test_ext().execute_with(|| {
		let rule = Rule { scope: Some(Area::Extent), ..Rule::always(Outcome::Grant) };
		Registry::set_rules(APPROVAL, policy(vec![rule]), Sensitivity::Internal);
		assert_noop!(ask(TRANSPORT_CLERK, "x", DAY, None), Error::<Test>::RefusedByScope);
		assert_ok!(ask(TRANSPORT_CLERK, "x", DAY, Some(box_in(false))));
	});
}

fn granted_with_uses(uses: u32) -> ContractId {
	vocabulary();
	let rule = Rule { uses: Some(uses), ..Rule::always(Outcome::Grant) };
	Registry::set_rules(APPROVAL, policy(vec![rule]), Sensitivity::Internal);
	let id = crate::NextContractId::<Test>::get();
	assert_ok!(ask(TRANSPORT_CLERK, "planning", 5 * DAY, None));
	id
}

fn deliver(who: AccountId, batch: Vec<(ContractId, u32)>) -> sp_runtime::DispatchResult {
	Access::record_deliveries(RuntimeOrigin::signed(who), batch.try_into().unwrap())
}

#[test]
fn deliveries_are_metered_to_the_contracts_uses() {
	new_test_ext().execute_with(|| {
		let id = granted_with_uses(10);
		assert_eq!(Access::check(&TRANSPORT_CLERK, APPROVAL).uses_left, Some(10));
		assert_ok!(deliver(PLANNER, vec![(id, 4), (id, 5)]));
		System::assert_last_event(
			Event::DeliveriesRecorded { contract: id, count: 5, used: 9 }.into(),
		);
		assert_eq!(Access::check(&TRANSPORT_CLERK, APPROVAL).uses_left, Some(1));
		assert_noop!(deliver(PLANNER, vec![(id, 2)]), Error::<Test>::UsesExceeded);
		assert_noop!(deliver(PLANNER, vec![(id, 1), (id, 1)]), Error::<Test>::UsesExceeded);
		assert_ok!(deliver(PLANNER, vec![(id, 1)]));
		let check = Access::check(&TRANSPORT_CLERK, APPROVAL);
		assert_eq!(
			(check.allowed, check.basis, check.uses_left),
			(false, AccessBasis::UsesSpent, Some(0))
		);
		assert_eq!(Terms::<Test>::get(id).unwrap().used, 10);
	});
}

#[test]
fn only_the_provider_reports_deliveries_of_approved_contracts() {
	new_test_ext().execute_with(|| {
		let id = granted_with_uses(3);
		assert_noop!(deliver(TRANSPORT_CLERK, vec![(id, 1)]), Error::<Test>::NotPublisher);
		let transport_publisher = 20;
		Directory::add_member(transport_publisher, TRANSPORT, Roles::only(Role::Publisher));
		assert_noop!(deliver(transport_publisher, vec![(id, 1)]), Error::<Test>::WrongDepartment);
		assert_noop!(deliver(OUTSIDER, vec![(id, 1)]), Error::<Test>::NotMember);
		assert_noop!(deliver(PLANNER, vec![(id, 0)]), Error::<Test>::ZeroDeliveries);
		assert_noop!(deliver(PLANNER, vec![(99, 1)]), Error::<Test>::UnknownContract);
		Registry::set_rules(
			APPROVAL,
			single_rule(AccessPolicy::ApprovalRequired),
			Sensitivity::Internal,
		);
		let pending = request(ENVIRONMENT_CLERK, APPROVAL);
		assert_noop!(deliver(PLANNER, vec![(pending, 1)]), Error::<Test>::NeverApproved);
		// A delivery reported after the consumer gave the contract up counts.
		assert_ok!(Access::relinquish_access(RuntimeOrigin::signed(TRANSPORT_CLERK), id));
		assert_ok!(deliver(PLANNER, vec![(id, 1)]));
	});
}

#[test]
fn governance_keeps_the_purposes_and_jurisdictions() {
	new_test_ext().execute_with(|| {
		let signed = RuntimeOrigin::signed(PLANNER);
		assert_noop!(
			Access::set_purpose(signed.clone(), b"planning".to_vec(), b"P".to_vec()),
			DispatchError::BadOrigin
		);
		assert_noop!(
			Access::register_jurisdiction(signed, b"W".to_vec(), west_half()),
			DispatchError::BadOrigin
		);
		assert_noop!(
			Access::set_purpose(root(), b"Plan ning".to_vec(), b"P".to_vec()),
			Error::<Test>::InvalidPurposeCode
		);
		assert_noop!(
			Access::set_purpose(root(), b"planning".to_vec(), vec![]),
			Error::<Test>::EmptyLabel
		);
		assert_noop!(
			Access::set_purpose(root(), b"planning".to_vec(), vec![b'l'; 65]),
			Error::<Test>::LabelTooLong
		);
		for i in 0..MAX_PURPOSES {
			assert_ok!(Access::set_purpose(root(), format!("p{i}").into(), b"P".to_vec()));
		}
		assert_noop!(
			Access::set_purpose(root(), b"one-more".to_vec(), b"P".to_vec()),
			Error::<Test>::TooManyPurposes
		);
		assert_ok!(Access::set_purpose(root(), b"p0".to_vec(), b"relabelled".to_vec()));
		assert_ok!(Access::remove_purpose(root(), b"p0".to_vec()));
		assert!(!Purposes::<Test>::contains_key(purpose("p0")));
		assert_noop!(Access::remove_purpose(root(), b"p0".to_vec()), Error::<Test>::UnknownPurpose);

		let too_many = (0..=MAX_VERTICES as i32).map(|i| (i, i * i)).collect();
		assert_noop!(
			Access::register_jurisdiction(root(), b"W".to_vec(), too_many),
			Error::<Test>::TooManyVertices
		);
		assert_noop!(
			Access::register_jurisdiction(root(), b"W".to_vec(), vec![(0, 0), (1, 1)]),
			Error::<Test>::TooFewVertices
		);
		let bow_tie = vec![(0, 0), (10, 10), (10, 0), (0, 10)];
		assert_noop!(
			Access::register_jurisdiction(root(), b"W".to_vec(), bow_tie),
			Error::<Test>::SelfIntersecting
		);
		let off_globe = vec![(0, 0), (1_900_000_000, 0), (0, 10)];
		assert_noop!(
			Access::register_jurisdiction(root(), b"W".to_vec(), off_globe),
			Error::<Test>::VertexOutOfRange
		);
		assert_ok!(Access::register_jurisdiction(root(), b"W".to_vec(), west_half()));
		System::assert_last_event(Event::JurisdictionRegistered { id: 0 }.into());
		assert_ok!(Access::remove_jurisdiction(root(), 0));
		assert!(!Jurisdictions::<Test>::contains_key(0));
		assert_noop!(Access::remove_jurisdiction(root(), 0), Error::<Test>::UnknownJurisdiction);
	});
}

#[test]
fn a_new_policy_refuses_or_redecides_the_pending_requests() {
	new_test_ext().execute_with(|| {
		vocabulary();
		let pending = request(TRANSPORT_CLERK, APPROVAL);
		let other = request(ENVIRONMENT_CLERK, APPROVAL);
		let only_transport = Rule {
			consumer: Some(Consumers::Departments(named(vec![TRANSPORT]))),
			..Rule::always(Outcome::Grant)
		};
		Registry::set_rules(APPROVAL, policy(vec![only_transport]), Sensitivity::Internal);
		Access::on_policy_changed(APPROVAL, AccessPolicy::ApprovalRequired, Sensitivity::Internal);
		assert_eq!(contract(pending).state, ContractState::Approved);
		assert_eq!(contract(other).state, ContractState::Rejected);
		System::assert_has_event(Event::RequestRefusedByPolicy { contract: other }.into());
		try_state();
	});
}

fn arbitrary_rule() -> impl Strategy<Value = Rule> {
	let outcome = prop_oneof![
		Just(Outcome::Grant),
		Just(Outcome::Provider),
		Just(Outcome::ProviderAndRegulator),
		Just(Outcome::Refuse)
	];
	let consumer = proptest::option::of(prop_oneof![
		proptest::collection::vec(0u32..4, 1..3).prop_map(|d| Consumers::Departments(named(d))),
		proptest::collection::vec(
			prop_oneof![Just(DepartmentKind::Transport), Just(DepartmentKind::Environment)],
			1..2
		)
		.prop_map(|k| Consumers::Kinds(named(k))),
	]);
	let purposes = proptest::option::of(
		proptest::collection::vec(prop_oneof![Just("planning"), Just("research")], 1..3)
			.prop_map(|p| named(p.into_iter().map(purpose).collect())),
	);
	let scope = proptest::option::of(prop_oneof![
		Just(Area::Extent),
		proptest::collection::vec(0u32..3, 1..3).prop_map(|j| Area::Jurisdictions(named(j))),
	]);
	(
		outcome,
		consumer,
		purposes,
		proptest::option::of(1u32..20),
		scope,
		proptest::option::of(
			(0u64..3, 0u64..3).prop_map(|(a, b)| Window { from: a.min(b), to: a.max(b) }),
		),
		proptest::option::of(1u32..5),
	)
		.prop_map(|(outcome, consumer, purpose, max_days, scope, window, uses)| Rule {
			outcome,
			consumer,
			purpose,
			max_days,
			scope,
			window,
			uses,
		})
}

proptest! {
	#![proptest_config(ProptestConfig::with_cases(300))]

	/// What `evaluate` answers is what the request then meets: the same
	/// refusal, or a contract needing the deciding rule's approvals with its
	/// uses.
	#[test]
	fn evaluate_answers_what_the_request_meets(
		rules in proptest::collection::vec(arbitrary_rule(), 1..5),
		who in prop_oneof![Just(TRANSPORT_CLERK), Just(ENVIRONMENT_CLERK)],
		what in prop_oneof![Just("planning"), Just("research: a study"), Just("other")],
		days in 1u64..25,
		scoped in proptest::option::of(any::<bool>()),
		now in 0u64..3,
		second_jurisdiction in any::<bool>(),
	) {
		new_test_ext().execute_with(|| {
			vocabulary();
			if second_jurisdiction {
				let c = city();
				let east = vec![(c.west + 1, c.south), (c.east, c.south), (c.east, c.north), (c.west + 1, c.north)];
				assert_ok!(Access::register_jurisdiction(root(), b"East".to_vec(), east));
			}
			Registry::set_rules(APPROVAL, policy(rules), Sensitivity::Internal);
			Clock::set(now);
			let scope = scoped.map(|west| Scope { bbox: Some(box_in(west)), time: None });
			let evaluation = Access::evaluate(&who, APPROVAL, what.as_bytes(), days * DAY, scope).unwrap();
			let id = crate::NextContractId::<Test>::get();
			let result = Access::request_access(RuntimeOrigin::signed(who), APPROVAL, what.into(), days * DAY, scope);
			match evaluation.outcome.approvals() {
				None => prop_assert_eq!(result, Err(Access::refusal(&evaluation).into())),
				Some(approvals) => {
					prop_assert!(result.is_ok());
					prop_assert_eq!(contract(id).policy, approvals);
					let terms = Terms::<Test>::get(id).unwrap();
					prop_assert_eq!((Some(terms.rule), terms.uses()), (evaluation.rule, evaluation.uses));
				},
			}
			Ok(())
		})?;
	}
}
