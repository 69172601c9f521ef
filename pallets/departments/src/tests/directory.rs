//! Tests of the pallet as the other pallets' `DepartmentDirectory`.

use super::*;

#[test]
fn reports_roles_status_and_regulators() {
	new_test_ext().execute_with(|| {
		let m = Departments::membership(&PLANNING_PUBLISHER).unwrap();
		assert_eq!(
			(m.department, m.kind, m.roles),
			(PLANNING, DepartmentKind::Planning, Roles::only(Role::Publisher))
		);
		assert!(Departments::membership(&OUTSIDER).is_none());
		assert!(Departments::is_active_regulator(REGULATOR));
		assert!(!Departments::is_active_regulator(PLANNING));
		assert_ok!(Departments::set_department_status(
			RuntimeOrigin::root(),
			REGULATOR,
			DepartmentStatus::Suspended
		));
		assert!(!Departments::is_active_regulator(REGULATOR));
		assert_eq!(Departments::department_where(&REGULATOR_ADMIN, Role::Auditor), None);
	});
}

#[test]
fn lists_members_of_a_department() {
	new_test_ext().execute_with(|| {
		let mut members = crate::Pallet::<Test>::members_of(PLANNING);
		members.sort_by_key(|(who, _)| *who);
		assert_eq!(
			members,
			vec![
				(PLANNING_ADMIN, Roles::only(Role::Admin)),
				(PLANNING_PUBLISHER, Roles::only(Role::Publisher))
			]
		);
	});
}
