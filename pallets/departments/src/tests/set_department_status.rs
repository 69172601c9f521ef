//! Tests of `set_department_status`.

use super::*;

#[test]
fn refunds_the_seat_change_when_the_department_stays_inactive() {
	new_test_ext().execute_with(|| {
		let base = <() as WeightInfo>::set_department_status();
		let suspended = Departments::set_department_status(
			RuntimeOrigin::root(),
			TRANSPORT,
			DepartmentStatus::Suspended,
		)
		.unwrap();
		assert_eq!(suspended.actual_weight, Some(base + CouncilChangeWeight::get()));
		let retired = Departments::set_department_status(
			RuntimeOrigin::root(),
			TRANSPORT,
			DepartmentStatus::Retired,
		)
		.unwrap();
		assert_eq!(retired.actual_weight, Some(base));
	});
}

#[test]
fn suspension_removes_delegate_from_council_and_reactivation_restores_it() {
	new_test_ext().execute_with(|| {
		assert_ok!(Departments::set_department_status(
			RuntimeOrigin::root(),
			TRANSPORT,
			DepartmentStatus::Suspended
		));
		System::assert_last_event(
			Event::DepartmentStatusChanged {
				department: TRANSPORT,
				status: DepartmentStatus::Suspended,
			}
			.into(),
		);
		assert!(!Council::members().contains(&TRANSPORT_ADMIN));
		assert_eq!(Departments::active_department_of(&TRANSPORT_ADMIN), None);
		check_invariants();

		assert_ok!(Departments::set_department_status(
			RuntimeOrigin::root(),
			TRANSPORT,
			DepartmentStatus::Active
		));
		assert!(Council::members().contains(&TRANSPORT_ADMIN));
		assert_eq!(Departments::active_department_of(&TRANSPORT_ADMIN), Some(TRANSPORT));
		check_invariants();
	});
}

#[test]
fn retirement_is_final() {
	new_test_ext().execute_with(|| {
		assert_ok!(Departments::set_department_status(
			RuntimeOrigin::root(),
			TRANSPORT,
			DepartmentStatus::Retired
		));
		assert!(!Council::members().contains(&TRANSPORT_ADMIN));
		assert_noop!(
			Departments::set_department_status(
				RuntimeOrigin::root(),
				TRANSPORT,
				DepartmentStatus::Active
			),
			Error::<Test>::InvalidStatusTransition
		);
	});
}

#[test]
fn rejects_same_status_unknown_department_and_plain_signed_origin() {
	new_test_ext().execute_with(|| {
		assert_noop!(
			Departments::set_department_status(
				RuntimeOrigin::root(),
				TRANSPORT,
				DepartmentStatus::Active
			),
			Error::<Test>::InvalidStatusTransition
		);
		assert_noop!(
			Departments::set_department_status(
				RuntimeOrigin::root(),
				42,
				DepartmentStatus::Suspended
			),
			Error::<Test>::UnknownDepartment
		);
		assert_noop!(
			Departments::set_department_status(
				signed(REGULATOR_ADMIN),
				TRANSPORT,
				DepartmentStatus::Suspended
			),
			DispatchError::BadOrigin
		);
	});
}
