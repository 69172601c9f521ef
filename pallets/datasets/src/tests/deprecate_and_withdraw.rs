//! Tests of `deprecate_dataset` and `withdraw_dataset`, and of how a policy
//! change and a withdrawal reach every earlier version.

use super::*;
use citychain_primitives::terms::single_rule;

#[test]
fn deprecate_dataset_only_from_active() {
	new_test_ext().execute_with(|| {
		let id = register("Counts");
		let deprecate = |who, id| Datasets::deprecate_dataset(RuntimeOrigin::signed(who), id);
		assert_noop!(deprecate(PLANNING_PUBLISHER, id), Error::<Test>::NotOwner);
		assert_ok!(deprecate(TRANSPORT_PUBLISHER, id));
		System::assert_last_event(Event::DatasetDeprecated { dataset: id }.into());
		assert_eq!(record(id).status, DatasetStatus::Deprecated);
		assert_noop!(deprecate(TRANSPORT_PUBLISHER, id), Error::<Test>::AlreadyDeprecated);
		assert_ok!(Datasets::publish_version(
			RuntimeOrigin::signed(TRANSPORT_PUBLISHER),
			id,
			content(city(), year_2024()),
			None,
		));
		assert_noop!(deprecate(TRANSPORT_PUBLISHER, id), Error::<Test>::DatasetSuperseded);
		assert_ok!(Datasets::withdraw_dataset(RuntimeOrigin::signed(TRANSPORT_PUBLISHER), id + 1));
		assert_noop!(deprecate(TRANSPORT_PUBLISHER, id + 1), Error::<Test>::DatasetWithdrawn);
		assert_noop!(deprecate(TRANSPORT_PUBLISHER, 77), Error::<Test>::UnknownDataset);
	});
}

#[test]
fn withdraw_dataset_is_final_and_keeps_the_record() {
	new_test_ext().execute_with(|| {
		let id = register("Counts");
		let withdraw = |who| Datasets::withdraw_dataset(RuntimeOrigin::signed(who), id);
		assert_noop!(withdraw(PLANNING_PUBLISHER), Error::<Test>::NotOwner);
		assert_noop!(withdraw(TRANSPORT_CLERK), Error::<Test>::NotPublisher);
		assert!(WithdrawalLog::withdrawn().is_empty());
		assert_ok!(withdraw(TRANSPORT_PUBLISHER));
		System::assert_last_event(Event::DatasetWithdrawn { dataset: id }.into());
		assert_eq!(WithdrawalLog::withdrawn(), vec![id], "the hook hears of it");
		assert_eq!(record(id).status, DatasetStatus::Withdrawn);
		assert_noop!(withdraw(TRANSPORT_PUBLISHER), Error::<Test>::DatasetWithdrawn);
		Directory::set_status(TRANSPORT, DepartmentStatus::Retired);
		assert_noop!(withdraw(TRANSPORT_PUBLISHER), Error::<Test>::DepartmentNotActive);
		Datasets::do_try_state().unwrap();
	});
}

/// A dataset in three versions: (v1, v2, v3), v3 current.
fn three_versions() -> (DatasetId, DatasetId, DatasetId) {
	let v1 = register("Counts");
	for id in [v1, v1 + 1] {
		assert_ok!(Datasets::publish_version(
			RuntimeOrigin::signed(TRANSPORT_PUBLISHER),
			id,
			content(city(), year_2024()),
			None,
		));
	}
	(v1, v1 + 1, v1 + 2)
}

#[test]
fn a_policy_change_reaches_every_earlier_version_and_the_access_pallet() {
	new_test_ext().execute_with(|| {
		let (v1, v2, v3) = three_versions();
		let set = |id| {
			Datasets::set_access_policy(
				RuntimeOrigin::signed(TRANSPORT_PUBLISHER),
				id,
				single_rule(AccessPolicy::Restricted),
				Sensitivity::Confidential,
			)
		};
		assert_noop!(set(v2), Error::<Test>::DatasetSuperseded);
		let info = set(v3).unwrap();
		for id in [v1, v2, v3] {
			let d = record(id);
			assert_eq!(
				(d.policy, d.sensitivity),
				(AccessPolicy::Restricted, Sensitivity::Confidential)
			);
		}
		assert_eq!(record(v1).status, DatasetStatus::Superseded, "only the policy changes");
		assert_eq!(
			PolicyLog::changes(),
			vec![(v3, AccessPolicy::Restricted, Sensitivity::Confidential)]
		);
		// Charged for the two earlier versions it walked, not for the most.
		let charged = info.actual_weight.expect("refunded to what it did");
		assert_eq!(
			charged,
			<() as WeightInfo>::set_access_policy()
				.saturating_add(Datasets::earlier_versions_weight(2))
				.saturating_add(frame_support::weights::Weight::from_parts(1_000, 0))
		);
		Datasets::do_try_state().unwrap();
	});
}

#[test]
fn withdrawing_the_current_version_withdraws_every_earlier_one() {
	new_test_ext().execute_with(|| {
		let (v1, v2, v3) = three_versions();
		let withdraw =
			|id| Datasets::withdraw_dataset(RuntimeOrigin::signed(TRANSPORT_PUBLISHER), id);
		assert_noop!(withdraw(v1), Error::<Test>::DatasetSuperseded);
		let info = withdraw(v3).unwrap();
		assert_eq!(
			info.actual_weight,
			Some(
				<() as WeightInfo>::withdraw_dataset()
					.saturating_add(Datasets::earlier_withdrawals_weight(2))
					.saturating_add(frame_support::weights::Weight::from_parts(1_000, 0))
			),
			"charged for the two earlier versions and the hooks"
		);
		for id in [v1, v2, v3] {
			assert_eq!(record(id).status, DatasetStatus::Withdrawn);
		}
		assert_eq!(record(v1).successor, Some(v2), "the history stays walkable");
		assert_eq!(WithdrawalLog::withdrawn(), vec![v3]);
		assert_eq!(
			WithdrawalLog::earlier_withdrawn(),
			vec![v2, v1],
			"each earlier version is told, newest first"
		);
		assert_noop!(withdraw(v2), Error::<Test>::DatasetWithdrawn);
		Datasets::do_try_state().unwrap();
	});
}

#[test]
fn a_dataset_has_at_most_max_history_versions() {
	new_test_ext().execute_with(|| {
		let id = register("Counts");
		Records::<Test>::mutate(id, |d| d.as_mut().expect("registered").version = MAX_HISTORY);
		assert_noop!(
			Datasets::publish_version(
				RuntimeOrigin::signed(TRANSPORT_PUBLISHER),
				id,
				content(city(), year_2024()),
				None,
			),
			Error::<Test>::TooManyVersions
		);
	});
}
