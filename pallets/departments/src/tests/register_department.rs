//! Tests of `register_department`.

use super::*;

#[test]
fn admits_department_with_admin_as_delegate() {
	new_test_ext().execute_with(|| {
		let id = register(b"Water", DepartmentKind::Water, 10);
		let dept = DepartmentRecords::<Test>::get(id).unwrap();
		assert_eq!(
			(dept.kind, dept.status, dept.delegate),
			(DepartmentKind::Water, DepartmentStatus::Active, 10)
		);
		assert_eq!(
			Members::<Test>::get(10).map(|m| (m.department, m.roles)),
			Some((id, Roles::only(Role::Admin)))
		);
		assert!(Council::members().contains(&10));
		assert!(System::account_exists(&10));
		System::assert_last_event(
			Event::DepartmentRegistered { department: id, kind: DepartmentKind::Water, admin: 10 }
				.into(),
		);
		check_invariants();
	});
}

#[test]
fn requires_governance() {
	new_test_ext().execute_with(|| {
		assert_noop!(
			Departments::register_department(
				signed(PLANNING_ADMIN),
				b"X".to_vec(),
				DepartmentKind::Other,
				10,
				vec![]
			),
			DispatchError::BadOrigin
		);
	});
}

#[test]
fn rejects_bad_names_and_uris() {
	new_test_ext().execute_with(|| {
		let root = RuntimeOrigin::root;
		assert_noop!(
			Departments::register_department(root(), vec![], DepartmentKind::Other, 10, vec![]),
			Error::<Test>::EmptyName
		);
		assert_noop!(
			Departments::register_department(
				root(),
				vec![b'a'; MAX_NAME as usize + 1],
				DepartmentKind::Other,
				10,
				vec![]
			),
			Error::<Test>::NameTooLong
		);
		assert_noop!(
			Departments::register_department(
				root(),
				b"X".to_vec(),
				DepartmentKind::Other,
				10,
				vec![b'u'; MAX_URI as usize + 1]
			),
			Error::<Test>::UriTooLong
		);
	});
}

#[test]
fn rejects_admin_who_is_already_a_member() {
	new_test_ext().execute_with(|| {
		assert_noop!(
			Departments::register_department(
				RuntimeOrigin::root(),
				b"X".to_vec(),
				DepartmentKind::Other,
				PLANNING_PUBLISHER,
				vec![]
			),
			Error::<Test>::AlreadyMember
		);
	});
}

#[test]
fn stops_at_max_departments() {
	new_test_ext().execute_with(|| {
		for i in 3..MAX_DEPARTMENTS {
			register(b"Filler", DepartmentKind::Other, 100 + i as u64);
		}
		assert_noop!(
			Departments::register_department(
				RuntimeOrigin::root(),
				b"X".to_vec(),
				DepartmentKind::Other,
				10,
				vec![]
			),
			Error::<Test>::TooManyDepartments
		);
		assert_eq!(Council::members().len(), MAX_DEPARTMENTS as usize);
		check_invariants();
	});
}

#[test]
fn a_retired_department_frees_its_place_and_a_suspended_one_keeps_it() {
	new_test_ext().execute_with(|| {
		for i in 3..MAX_DEPARTMENTS {
			register(b"Filler", DepartmentKind::Other, 100 + i as u64);
		}
		let register_one = || {
			Departments::register_department(
				RuntimeOrigin::root(),
				b"X".to_vec(),
				DepartmentKind::Other,
				10,
				vec![],
			)
		};
		assert_ok!(Departments::set_department_status(
			RuntimeOrigin::root(),
			TRANSPORT,
			DepartmentStatus::Suspended
		));
		assert_noop!(register_one(), Error::<Test>::TooManyDepartments);

		assert_ok!(Departments::set_department_status(
			RuntimeOrigin::root(),
			TRANSPORT,
			DepartmentStatus::Retired
		));
		assert_ok!(register_one());
		assert_eq!(crate::StandingDepartments::<Test>::get(), MAX_DEPARTMENTS);
		assert_eq!(NextDepartmentId::<Test>::get(), MAX_DEPARTMENTS + 1);
		assert_noop!(
			Departments::register_department(
				RuntimeOrigin::root(),
				b"Y".to_vec(),
				DepartmentKind::Other,
				11,
				vec![]
			),
			Error::<Test>::TooManyDepartments
		);
		check_invariants();
	});
}
