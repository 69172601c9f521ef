//! Tests of `set_access_policy`.

use super::*;
use crate::{DatasetRegistry, Rules};
use citychain_primitives::terms::{single_rule, Consumers, Named, Outcome, Policy, Rule};

#[test]
fn set_access_policy_changes_policy_and_sensitivity() {
	new_test_ext().execute_with(|| {
		let id = register("Counts");
		assert_ok!(Datasets::set_access_policy(
			RuntimeOrigin::signed(TRANSPORT_PUBLISHER),
			id,
			single_rule(AccessPolicy::Restricted),
			Sensitivity::Confidential,
		));
		System::assert_last_event(
			Event::AccessPolicyChanged {
				dataset: id,
				policy: AccessPolicy::Restricted,
				sensitivity: Sensitivity::Confidential,
			}
			.into(),
		);
		let d = record(id);
		assert_eq!(
			(d.policy, d.sensitivity),
			(AccessPolicy::Restricted, Sensitivity::Confidential)
		);
	});
}

#[test]
fn set_access_policy_refuses_no_change_open_sensitive_data_and_strangers() {
	new_test_ext().execute_with(|| {
		let id = register("Counts");
		let set = |who, p, s| Datasets::set_access_policy(RuntimeOrigin::signed(who), id, p, s);
		assert_noop!(
			set(
				TRANSPORT_PUBLISHER,
				single_rule(AccessPolicy::ApprovalRequired),
				Sensitivity::Internal
			),
			Error::<Test>::NothingToUpdate
		);
		assert_noop!(
			set(TRANSPORT_PUBLISHER, single_rule(AccessPolicy::Open), Sensitivity::Secret),
			Error::<Test>::PolicyTooPermissive
		);
		assert_noop!(
			set(PLANNING_PUBLISHER, single_rule(AccessPolicy::Open), Sensitivity::Public),
			Error::<Test>::NotOwner
		);
		assert_noop!(
			Datasets::set_access_policy(
				RuntimeOrigin::signed(TRANSPORT_PUBLISHER),
				7,
				single_rule(AccessPolicy::Open),
				Sensitivity::Public
			),
			Error::<Test>::UnknownDataset
		);
		assert_ok!(Datasets::withdraw_dataset(RuntimeOrigin::signed(TRANSPORT_PUBLISHER), id));
		assert_noop!(
			set(TRANSPORT_PUBLISHER, single_rule(AccessPolicy::Open), Sensitivity::Public),
			Error::<Test>::DatasetWithdrawn
		);
	});
}

/// Transport at once, anyone else asks.
fn transport_first() -> Policy {
	let transport = Rule {
		consumer: Some(Consumers::Departments(Named::truncate_from(vec![PLANNING]))),
		..Rule::always(Outcome::Grant)
	};
	Policy::truncate_from(vec![transport, Rule::always(Outcome::Provider)])
}

#[test]
fn rules_are_stored_shown_by_their_headline_and_follow_new_versions() {
	new_test_ext().execute_with(|| {
		let id = register("Counts");
		assert_eq!(Rules::<Test>::get(id), None, "a registration's one rule needs no entry");
		assert_eq!(
			Datasets::rules_of(id, &record(id)),
			single_rule(AccessPolicy::ApprovalRequired)
		);
		assert_ok!(Datasets::set_access_policy(
			RuntimeOrigin::signed(TRANSPORT_PUBLISHER),
			id,
			transport_first(),
			Sensitivity::Internal,
		));
		assert_eq!(record(id).policy, AccessPolicy::ApprovalRequired);
		assert_eq!(Rules::<Test>::get(id), Some(transport_first()));
		let summary = <Datasets as DatasetRegistry>::dataset(id).unwrap();
		assert_eq!(summary.rules, transport_first());
		assert_noop!(
			Datasets::set_access_policy(
				RuntimeOrigin::signed(TRANSPORT_PUBLISHER),
				id,
				transport_first(),
				Sensitivity::Internal
			),
			Error::<Test>::NothingToUpdate
		);
		assert_ok!(Datasets::publish_version(
			RuntimeOrigin::signed(TRANSPORT_PUBLISHER),
			id,
			content(city(), year_2024()),
			None,
		));
		let next = id + 1;
		assert_eq!(
			(Rules::<Test>::get(id), Rules::<Test>::get(next)),
			(None, Some(transport_first()))
		);
		assert_ok!(Datasets::set_access_policy(
			RuntimeOrigin::signed(TRANSPORT_PUBLISHER),
			next,
			single_rule(AccessPolicy::Open),
			Sensitivity::Public,
		));
		assert_eq!((Rules::<Test>::get(next), record(next).policy), (None, AccessPolicy::Open));
	});
}

#[test]
fn policies_that_cannot_be_set_are_named() {
	new_test_ext().execute_with(|| {
		let id = register("Counts");
		let set = |rules: Vec<Rule>, s| {
			Datasets::set_access_policy(
				RuntimeOrigin::signed(TRANSPORT_PUBLISHER),
				id,
				Policy::truncate_from(rules),
				s,
			)
		};
		assert_noop!(set(vec![], Sensitivity::Internal), Error::<Test>::EmptyPolicy);
		assert_noop!(
			set(vec![Rule::always(Outcome::Refuse)], Sensitivity::Internal),
			Error::<Test>::PolicyRefusesAll
		);
		let zero = Rule { max_days: Some(0), ..Rule::always(Outcome::Provider) };
		assert_noop!(set(vec![zero], Sensitivity::Internal), Error::<Test>::ZeroLimit);
		assert_noop!(
			set(transport_first().into_inner(), Sensitivity::Confidential),
			Error::<Test>::PolicyTooPermissive,
		);
	});
}
