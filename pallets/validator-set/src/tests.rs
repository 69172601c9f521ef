use crate::{mock::*, Error, Event, PendingChange, Validators};
use citychain_primitives::DepartmentStatus;
use frame_support::{assert_noop, assert_ok};
use pallet_session::SessionManager;
use sp_runtime::DispatchError;

fn council() -> RuntimeOrigin {
	RuntimeOrigin::signed(100)
}

fn accounts() -> Vec<AccountId> {
	ValidatorSet::accounts()
}

#[test]
fn genesis_validators_are_the_first_sessions_set() {
	new_test_ext().execute_with(|| {
		assert_eq!(Validators::<Test>::get().into_inner(), vec![(10, 0), (11, 1), (12, 2)]);
		assert_eq!(ValidatorSet::new_session_genesis(0), Some(vec![10, 11, 12]));
		assert!(!PendingChange::<Test>::get());
		assert_eq!(ValidatorSet::new_session(2), None);
	});
}

#[test]
fn add_validator_plans_the_set_for_the_next_session() {
	new_test_ext().execute_with(|| {
		assert_ok!(ValidatorSet::add_validator(council(), 13));
		System::assert_last_event(Event::ValidatorAdded { who: 13, department: 3 }.into());
		assert_eq!(accounts(), vec![10, 11, 12, 13]);

		assert_eq!(ValidatorSet::new_session(5), Some(vec![10, 11, 12, 13]));
		System::assert_last_event(Event::NewSetPlanned { session: 5, validators: 4 }.into());
		// Handed over once: the following sessions keep it.
		assert_eq!(ValidatorSet::new_session(6), None);
	});
}

#[test]
fn root_may_add_and_remove() {
	new_test_ext().execute_with(|| {
		assert_ok!(ValidatorSet::add_validator(RuntimeOrigin::root(), 13));
		assert_ok!(ValidatorSet::remove_validator(RuntimeOrigin::root(), 10));
		assert_eq!(accounts(), vec![11, 12, 13]);
	});
}

#[test]
fn only_governance_changes_the_set() {
	new_test_ext().execute_with(|| {
		assert_noop!(
			ValidatorSet::add_validator(RuntimeOrigin::signed(13), 13),
			DispatchError::BadOrigin
		);
		assert_noop!(
			ValidatorSet::remove_validator(RuntimeOrigin::signed(10), 10),
			DispatchError::BadOrigin
		);
	});
}

#[test]
fn add_validator_refuses_bad_candidates() {
	new_test_ext().execute_with(|| {
		assert_noop!(ValidatorSet::add_validator(council(), 99), Error::<Test>::NotActiveMember);
		Directory::set_status(4, DepartmentStatus::Suspended);
		assert_noop!(ValidatorSet::add_validator(council(), 14), Error::<Test>::NotActiveMember);
		assert_noop!(ValidatorSet::add_validator(council(), 11), Error::<Test>::AlreadyValidator);
		assert_noop!(
			ValidatorSet::add_validator(council(), 20),
			Error::<Test>::DepartmentHasValidator
		);
		assert_noop!(ValidatorSet::add_validator(council(), 16), Error::<Test>::NoSessionKeys);
	});
}

#[test]
fn the_set_is_bounded() {
	new_test_ext().execute_with(|| {
		assert_ok!(ValidatorSet::add_validator(council(), 13));
		assert_ok!(ValidatorSet::add_validator(council(), 14));
		assert_noop!(ValidatorSet::add_validator(council(), 15), Error::<Test>::TooManyValidators);
	});
}

#[test]
fn remove_validator_plans_the_smaller_set() {
	new_test_ext().execute_with(|| {
		assert_ok!(ValidatorSet::add_validator(council(), 13));
		assert_ok!(ValidatorSet::remove_validator(council(), 11));
		System::assert_last_event(Event::ValidatorRemoved { who: 11, department: 1 }.into());
		assert_eq!(ValidatorSet::new_session(3), Some(vec![10, 12, 13]));
		// The department may name another validator.
		Directory::add_member(21, 1, citychain_primitives::Roles::NONE);
		Keys::register(21);
		assert_ok!(ValidatorSet::add_validator(council(), 21));
		assert_eq!(accounts(), vec![10, 12, 13, 21]);
	});
}

#[test]
fn remove_validator_refuses_unknown_and_keeps_the_minimum() {
	new_test_ext().execute_with(|| {
		assert_noop!(ValidatorSet::remove_validator(council(), 13), Error::<Test>::NotValidator);
		assert_noop!(
			ValidatorSet::remove_validator(council(), 10),
			Error::<Test>::TooFewValidators
		);
		assert!(!PendingChange::<Test>::get());
	});
}

#[test]
fn a_department_that_stops_being_active_loses_its_validator() {
	use citychain_primitives::departments::OnDepartmentStatusChanged;
	new_test_ext().execute_with(|| {
		assert_ok!(ValidatorSet::add_validator(council(), 13));
		assert_ok!(ValidatorSet::on_status_changed(1, false));
		System::assert_last_event(Event::ValidatorRemoved { who: 11, department: 1 }.into());
		assert_eq!(ValidatorSet::new_session(3), Some(vec![10, 12, 13]));
		// at the minimum, the status change is refused
		assert_noop!(ValidatorSet::on_status_changed(2, false), Error::<Test>::TooFewValidators);
		// a department without a validator, or one becoming active, changes nothing
		assert_ok!(ValidatorSet::on_status_changed(7, false));
		assert_ok!(ValidatorSet::on_status_changed(1, true));
		assert_eq!(accounts(), vec![10, 12, 13]);
	});
}

#[test]
fn a_reported_validator_leaves_the_set_unless_it_is_at_its_minimum() {
	use sp_staking::offence::{OffenceDetails, OnOffenceHandler};
	let report = |who: AccountId| {
		let offenders = [OffenceDetails { offender: (who, ()), reporters: vec![12] }];
		<ValidatorSet as OnOffenceHandler<_, _, _>>::on_offence(
			&offenders,
			&[sp_runtime::Perbill::zero()],
			7,
		)
	};
	new_test_ext().execute_with(|| {
		assert_ok!(ValidatorSet::add_validator(council(), 13));
		assert_eq!(ValidatorSet::new_session(2), Some(vec![10, 11, 12, 13]));

		assert!(report(11).all_gt(frame_support::weights::Weight::zero()));
		System::assert_last_event(
			Event::OffenceReported { who: 11, department: 1, session: 7, removed: true }.into(),
		);
		assert_eq!(accounts(), vec![10, 12, 13]);
		assert_eq!(
			ValidatorSet::new_session(3),
			Some(vec![10, 12, 13]),
			"planned for the next session"
		);

		// At the minimum the validator stays; the report is still recorded.
		report(10);
		System::assert_last_event(
			Event::OffenceReported { who: 10, department: 0, session: 7, removed: false }.into(),
		);
		assert_eq!(accounts(), vec![10, 12, 13]);
		assert!(!PendingChange::<Test>::get());

		// No longer a validator: nothing happens.
		let events = System::events().len();
		report(11);
		assert_eq!(System::events().len(), events);
	});
}

#[test]
fn try_state_holds_through_changes_and_finds_a_department_with_two_validators() {
	new_test_ext().execute_with(|| {
		assert_ok!(ValidatorSet::do_try_state());
		assert_ok!(ValidatorSet::add_validator(council(), 13));
		assert_ok!(ValidatorSet::remove_validator(council(), 10));
		assert_ok!(ValidatorSet::do_try_state());
		Validators::<Test>::mutate(|set| set.try_push((14, 1)).unwrap());
		assert!(ValidatorSet::do_try_state().is_err());
	});
}
