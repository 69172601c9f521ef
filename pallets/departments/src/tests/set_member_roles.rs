//! Tests of `set_member_roles`.

use super::*;

#[test]
fn admin_changes_roles_and_counts_admins() {
	new_test_ext().execute_with(|| {
		let roles = Roles::only(Role::Admin).with(Role::Publisher);
		assert_ok!(Departments::set_member_roles(
			signed(PLANNING_ADMIN),
			PLANNING_PUBLISHER,
			roles
		));
		System::assert_last_event(
			Event::MemberRolesChanged { department: PLANNING, who: PLANNING_PUBLISHER, roles }
				.into(),
		);
		assert_eq!(DepartmentRecords::<Test>::get(PLANNING).unwrap().admins, 2);
		// with a second admin, the first may drop the role
		assert_ok!(Departments::set_member_roles(
			signed(PLANNING_ADMIN),
			PLANNING_ADMIN,
			Roles::NONE
		));
		assert_eq!(DepartmentRecords::<Test>::get(PLANNING).unwrap().admins, 1);
		check_invariants();
	});
}

#[test]
fn keeps_the_last_admin() {
	new_test_ext().execute_with(|| {
		assert_noop!(
			Departments::set_member_roles(
				signed(PLANNING_ADMIN),
				PLANNING_ADMIN,
				Roles::only(Role::Publisher)
			),
			Error::<Test>::LastAdmin
		);
	});
}

#[test]
fn only_members_of_the_callers_department() {
	new_test_ext().execute_with(|| {
		assert_noop!(
			Departments::set_member_roles(signed(PLANNING_ADMIN), TRANSPORT_ADMIN, Roles::NONE),
			Error::<Test>::NotMemberOfDepartment
		);
		assert_noop!(
			Departments::set_member_roles(
				signed(PLANNING_PUBLISHER),
				PLANNING_PUBLISHER,
				Roles::ALL
			),
			Error::<Test>::NotAdmin
		);
	});
}
