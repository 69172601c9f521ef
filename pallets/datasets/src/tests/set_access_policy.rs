//! Tests of `set_access_policy`.

use super::*;

#[test]
fn set_access_policy_changes_policy_and_sensitivity() {
	new_test_ext().execute_with(|| {
		let id = register("Counts");
		assert_ok!(Datasets::set_access_policy(
			RuntimeOrigin::signed(TRANSPORT_PUBLISHER),
			id,
			AccessPolicy::Restricted,
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
			set(TRANSPORT_PUBLISHER, AccessPolicy::ApprovalRequired, Sensitivity::Internal),
			Error::<Test>::NothingToUpdate
		);
		assert_noop!(
			set(TRANSPORT_PUBLISHER, AccessPolicy::Open, Sensitivity::Secret),
			Error::<Test>::PolicyTooPermissive
		);
		assert_noop!(
			set(PLANNING_PUBLISHER, AccessPolicy::Open, Sensitivity::Public),
			Error::<Test>::NotOwner
		);
		assert_noop!(
			Datasets::set_access_policy(
				RuntimeOrigin::signed(TRANSPORT_PUBLISHER),
				7,
				AccessPolicy::Open,
				Sensitivity::Public
			),
			Error::<Test>::UnknownDataset
		);
		assert_ok!(Datasets::withdraw_dataset(RuntimeOrigin::signed(TRANSPORT_PUBLISHER), id));
		assert_noop!(
			set(TRANSPORT_PUBLISHER, AccessPolicy::Open, Sensitivity::Public),
			Error::<Test>::DatasetWithdrawn
		);
	});
}
