//! Tests of the genesis build: departments, members and the council.

use super::*;

#[test]
fn builds_departments_members_and_council() {
	new_test_ext().execute_with(|| {
		assert_eq!(NextDepartmentId::<Test>::get(), 3);
		let planning = DepartmentRecords::<Test>::get(PLANNING).unwrap();
		assert_eq!(planning.name.to_vec(), b"Planning".to_vec());
		assert_eq!((planning.members, planning.admins), (2, 1));
		assert_eq!(planning.delegate, PLANNING_ADMIN);
		assert_eq!(Council::members(), vec![PLANNING_ADMIN, TRANSPORT_ADMIN, REGULATOR_ADMIN]);
		// membership provides the account, so it exists without funds
		assert!(System::account_exists(&PLANNING_PUBLISHER));
		check_invariants();
	});
}
