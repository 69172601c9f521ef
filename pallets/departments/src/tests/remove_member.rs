//! Tests of `remove_member`.

use super::*;

#[test]
fn admin_removes_member_whose_account_stays() {
	new_test_ext().execute_with(|| {
		assert_ok!(Departments::remove_member(signed(PLANNING_ADMIN), PLANNING_PUBLISHER));
		System::assert_last_event(
			Event::MemberRemoved { department: PLANNING, who: PLANNING_PUBLISHER }.into(),
		);
		assert!(Members::<Test>::get(PLANNING_PUBLISHER).is_none());
		assert!(!DepartmentMembers::<Test>::contains_key(PLANNING, PLANNING_PUBLISHER));
		assert!(System::account_exists(&PLANNING_PUBLISHER), "kept, with its nonce");
		assert_eq!(DepartmentRecords::<Test>::get(PLANNING).unwrap().members, 1);
		// free to join another department now
		assert_ok!(Departments::add_member(
			signed(TRANSPORT_ADMIN),
			PLANNING_PUBLISHER,
			Roles::NONE
		));
		check_invariants();
	});
}

#[test]
fn keeps_delegate_and_last_admin() {
	new_test_ext().execute_with(|| {
		assert_noop!(
			Departments::remove_member(signed(PLANNING_ADMIN), PLANNING_ADMIN),
			Error::<Test>::MemberIsDelegate
		);
		// a second admin who is not the delegate; then the delegate drops Admin
		assert_ok!(Departments::set_member_roles(
			signed(PLANNING_ADMIN),
			PLANNING_PUBLISHER,
			Roles::ALL
		));
		assert_ok!(Departments::set_member_roles(
			signed(PLANNING_ADMIN),
			PLANNING_ADMIN,
			Roles::NONE
		));
		assert_noop!(
			Departments::remove_member(signed(PLANNING_PUBLISHER), PLANNING_PUBLISHER),
			Error::<Test>::LastAdmin
		);
	});
}

#[test]
fn is_not_blocked_by_what_the_member_holds_elsewhere() {
	new_test_ext().execute_with(|| {
		// session keys, for example, make the account a consumer
		assert_ok!(frame_system::Pallet::<Test>::inc_consumers(&PLANNING_PUBLISHER));
		assert_ok!(Departments::remove_member(signed(PLANNING_ADMIN), PLANNING_PUBLISHER));
		assert!(Members::<Test>::get(PLANNING_PUBLISHER).is_none());
	});
}

#[test]
fn keeps_the_account_and_its_nonce_through_readmission() {
	new_test_ext().execute_with(|| {
		frame_system::Pallet::<Test>::inc_account_nonce(PLANNING_PUBLISHER);
		frame_system::Pallet::<Test>::inc_account_nonce(PLANNING_PUBLISHER);
		assert_ok!(Departments::remove_member(signed(PLANNING_ADMIN), PLANNING_PUBLISHER));
		assert!(frame_system::Pallet::<Test>::account_exists(&PLANNING_PUBLISHER));
		assert_eq!(frame_system::Pallet::<Test>::account_nonce(PLANNING_PUBLISHER), 2);
		assert_ok!(Departments::add_member(
			signed(PLANNING_ADMIN),
			PLANNING_PUBLISHER,
			Roles::only(Role::Publisher)
		));
		assert_ok!(Departments::remove_member(signed(PLANNING_ADMIN), PLANNING_PUBLISHER));
		assert_eq!(frame_system::Pallet::<Test>::account_nonce(PLANNING_PUBLISHER), 2);
	});
}

#[test]
fn only_members_of_the_callers_department() {
	new_test_ext().execute_with(|| {
		assert_noop!(
			Departments::remove_member(signed(PLANNING_ADMIN), TRANSPORT_ADMIN),
			Error::<Test>::NotMemberOfDepartment
		);
		assert_noop!(
			Departments::remove_member(signed(OUTSIDER), PLANNING_ADMIN),
			Error::<Test>::NotMember
		);
	});
}
