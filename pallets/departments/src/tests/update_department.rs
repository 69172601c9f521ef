//! Tests of `update_department`.

use super::*;

#[test]
fn refunds_the_council_change_when_the_delegate_stays() {
	new_test_ext().execute_with(|| {
		let base = <() as WeightInfo>::update_department();
		let renamed = Departments::update_department(
			signed(PLANNING_ADMIN),
			Some(b"Planning Bureau".to_vec()),
			None,
			Some(PLANNING_ADMIN),
		)
		.unwrap();
		assert_eq!(renamed.actual_weight, Some(base));
		let moved = Departments::update_department(
			signed(PLANNING_ADMIN),
			None,
			None,
			Some(PLANNING_PUBLISHER),
		)
		.unwrap();
		assert_eq!(moved.actual_weight, Some(base + CouncilChangeWeight::get()));
	});
}

#[test]
fn admin_renames_and_changes_delegate() {
	new_test_ext().execute_with(|| {
		assert_ok!(Departments::update_department(
			signed(PLANNING_ADMIN),
			Some(b"Planning Bureau".to_vec()),
			Some(b"ipfs://planning".to_vec()),
			Some(PLANNING_PUBLISHER)
		));
		System::assert_has_event(Event::DepartmentUpdated { department: PLANNING }.into());
		System::assert_last_event(
			Event::DelegateChanged { department: PLANNING, delegate: PLANNING_PUBLISHER }.into(),
		);
		let dept = DepartmentRecords::<Test>::get(PLANNING).unwrap();
		assert_eq!(dept.name.to_vec(), b"Planning Bureau".to_vec());
		assert_eq!(dept.metadata_uri.to_vec(), b"ipfs://planning".to_vec());
		assert!(Council::members().contains(&PLANNING_PUBLISHER));
		assert!(!Council::members().contains(&PLANNING_ADMIN));
		// the former delegate may now be removed by another admin
		check_invariants();
	});
}

#[test]
fn rejects_bad_input() {
	new_test_ext().execute_with(|| {
		let admin = || signed(PLANNING_ADMIN);
		assert_noop!(
			Departments::update_department(admin(), None, None, None),
			Error::<Test>::NothingToUpdate
		);
		assert_noop!(
			Departments::update_department(admin(), None, None, Some(PLANNING_ADMIN)),
			Error::<Test>::NothingToUpdate
		);
		assert_noop!(
			Departments::update_department(admin(), Some(vec![]), None, None),
			Error::<Test>::EmptyName
		);
		assert_noop!(
			Departments::update_department(
				admin(),
				Some(vec![b'a'; MAX_NAME as usize + 1]),
				None,
				None
			),
			Error::<Test>::NameTooLong
		);
		assert_noop!(
			Departments::update_department(
				admin(),
				None,
				Some(vec![b'u'; MAX_URI as usize + 1]),
				None
			),
			Error::<Test>::UriTooLong
		);
		assert_noop!(
			Departments::update_department(admin(), None, None, Some(TRANSPORT_ADMIN)),
			Error::<Test>::DelegateNotMember
		);
		assert_noop!(
			Departments::update_department(
				signed(PLANNING_PUBLISHER),
				Some(b"X".to_vec()),
				None,
				None
			),
			Error::<Test>::NotAdmin
		);
	});
}
