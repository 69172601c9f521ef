//! Tests of `reseal_envelope`.

use super::*;

fn sealed_contract() -> ContractId {
	let id = request(TRANSPORT_CLERK, APPROVAL);
	assert_ok!(Access::approve_request(RuntimeOrigin::signed(PLANNER), id, Some(vec![1; 80])));
	id
}

fn reseal(who: AccountId, id: ContractId, envelope: Vec<u8>) -> sp_runtime::DispatchResult {
	Access::reseal_envelope(RuntimeOrigin::signed(who), id, envelope)
}

#[test]
fn the_provider_seals_the_data_key_anew() {
	new_test_ext().execute_with(|| {
		let id = sealed_contract();
		assert_ok!(reseal(PLANNER, id, vec![2; 80]));
		assert_eq!(contract(id).envelope.map(|e| e.into_inner()), Some(vec![2; 80]));
		assert_eq!(contract(id).state, ContractState::Approved, "nothing else changes");
		System::assert_last_event(Event::EnvelopeResealed { contract: id, by: PLANNER }.into());
		try_state();
	});
}

#[test]
fn only_the_provider_reseals_a_live_sealed_contract_with_a_valid_envelope() {
	new_test_ext().execute_with(|| {
		let id = sealed_contract();
		assert_noop!(reseal(PLANNER, 99, vec![2; 80]), Error::<Test>::UnknownContract);
		assert_noop!(reseal(OUTSIDER, id, vec![2; 80]), Error::<Test>::NotMember);
		assert_noop!(reseal(TRANSPORT_APPROVER, id, vec![2; 80]), Error::<Test>::WrongDepartment);
		assert_noop!(reseal(REGULATOR_APPROVER, id, vec![2; 80]), Error::<Test>::WrongDepartment);
		assert_noop!(reseal(PLANNER, id, vec![]), Error::<Test>::EmptyEnvelope);
		let too_long = vec![2; MAX_ENVELOPE_LEN as usize + 1];
		assert_noop!(reseal(PLANNER, id, too_long), Error::<Test>::EnvelopeTooLong);

		let plain = request(ENVIRONMENT_CLERK, APPROVAL);
		assert_ok!(approve(PLANNER, plain));
		assert_noop!(reseal(PLANNER, plain, vec![2; 80]), Error::<Test>::NoEnvelope);

		assert_ok!(Access::revoke_access(RuntimeOrigin::signed(PLANNER), id, b"ended".to_vec()));
		assert_noop!(reseal(PLANNER, id, vec![2; 80]), Error::<Test>::ContractEnded);
		try_state();
	});
}

#[test]
fn an_expired_contract_is_not_resealed() {
	new_test_ext().execute_with(|| {
		let id = sealed_contract();
		run_to_block(1 + TERM);
		assert_noop!(reseal(PLANNER, id, vec![2; 80]), Error::<Test>::ContractEnded);
	});
}
