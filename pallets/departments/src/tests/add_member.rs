//! Tests of `add_member`.

use super::*;

#[test]
fn admin_adds_member_who_exists_at_once() {
	new_test_ext().execute_with(|| {
		let roles = Roles::only(Role::Approver);
		assert!(!System::account_exists(&20));
		assert_ok!(Departments::add_member(signed(PLANNING_ADMIN), 20, roles));
		System::assert_last_event(
			Event::MemberAdded { department: PLANNING, who: 20, roles }.into(),
		);
		assert!(System::account_exists(&20));
		assert_eq!(Departments::department_where(&20, Role::Approver), Some(PLANNING));
		assert_eq!(Departments::department_where(&20, Role::Publisher), None);
		assert!(DepartmentMembers::<Test>::contains_key(PLANNING, 20));
		assert_eq!(DepartmentRecords::<Test>::get(PLANNING).unwrap().members, 3);
		check_invariants();
	});
}

#[test]
fn one_department_per_account() {
	new_test_ext().execute_with(|| {
		assert_noop!(
			Departments::add_member(signed(PLANNING_ADMIN), TRANSPORT_ADMIN, Roles::NONE),
			Error::<Test>::AlreadyMember
		);
	});
}

#[test]
fn only_admins_of_active_departments() {
	new_test_ext().execute_with(|| {
		assert_noop!(
			Departments::add_member(signed(OUTSIDER), 20, Roles::NONE),
			Error::<Test>::NotMember
		);
		assert_noop!(
			Departments::add_member(signed(PLANNING_PUBLISHER), 20, Roles::NONE),
			Error::<Test>::NotAdmin
		);
		assert_ok!(Departments::set_department_status(
			RuntimeOrigin::root(),
			PLANNING,
			DepartmentStatus::Suspended
		));
		assert_noop!(
			Departments::add_member(signed(PLANNING_ADMIN), 20, Roles::NONE),
			Error::<Test>::DepartmentNotActive
		);
		assert_noop!(
			Departments::add_member(RuntimeOrigin::root(), 20, Roles::NONE),
			DispatchError::BadOrigin
		);
	});
}

#[test]
fn stops_at_max_members() {
	new_test_ext().execute_with(|| {
		for who in 20..(20 + MAX_MEMBERS as u64 - 2) {
			assert_ok!(Departments::add_member(signed(PLANNING_ADMIN), who, Roles::NONE));
		}
		assert_noop!(
			Departments::add_member(signed(PLANNING_ADMIN), 30, Roles::NONE),
			Error::<Test>::TooManyMembers
		);
	});
}
