//! Tests of the calls that end a request or a contract: `reject_request`,
//! `cancel_request`, `revoke_access` and `relinquish_access`.

use super::*;

#[test]
fn reject_request_ends_a_request_with_its_reason() {
	new_test_ext().execute_with(|| {
		let id = request(TRANSPORT_CLERK, RESTRICTED);
		let reject = |who, reason: &[u8]| {
			Access::reject_request(RuntimeOrigin::signed(who), id, reason.to_vec())
		};
		assert_noop!(reject(PLANNER, b""), Error::<Test>::EmptyReason);
		assert_noop!(
			reject(PLANNER, &[b'r'; MAX_REASON_LEN as usize + 1]),
			Error::<Test>::ReasonTooLong
		);
		assert_noop!(reject(TRANSPORT_APPROVER, b"no"), Error::<Test>::WrongDepartment);
		assert_ok!(reject(REGULATOR_APPROVER, b"personal data"));
		System::assert_last_event(
			Event::RequestRejected { contract: id, by: REGULATOR_APPROVER }.into(),
		);
		let c = contract(id);
		assert_eq!((c.state, c.ended_at), (ContractState::Rejected, Some(1)));
		assert_eq!(c.reason.unwrap().to_vec(), b"personal data".to_vec());
		assert!(LiveContracts::<Test>::get(RESTRICTED, TRANSPORT).is_none());
		assert_noop!(reject(PLANNER, b"again"), Error::<Test>::ContractEnded);
		// a new request may follow
		request(TRANSPORT_CLERK, RESTRICTED);
		try_state();
	});
}

#[test]
fn cancel_request_only_by_the_consumer_and_only_while_requested() {
	new_test_ext().execute_with(|| {
		let id = request(TRANSPORT_CLERK, APPROVAL);
		let cancel = |who| Access::cancel_request(RuntimeOrigin::signed(who), id);
		assert_noop!(cancel(ENVIRONMENT_CLERK), Error::<Test>::NotConsumer);
		assert_noop!(
			Access::cancel_request(RuntimeOrigin::signed(TRANSPORT_CLERK), 42),
			Error::<Test>::UnknownContract
		);
		assert_ok!(cancel(TRANSPORT_APPROVER));
		System::assert_last_event(Event::RequestCancelled { contract: id }.into());
		assert_eq!(contract(id).state, ContractState::Cancelled);
		assert_noop!(cancel(TRANSPORT_CLERK), Error::<Test>::ContractEnded);
		let open = request(TRANSPORT_CLERK, OPEN);
		assert_noop!(
			Access::cancel_request(RuntimeOrigin::signed(TRANSPORT_CLERK), open),
			Error::<Test>::NotRequested
		);
		try_state();
	});
}

#[test]
fn revoke_access_by_provider_or_regulator_ends_access_at_once() {
	new_test_ext().execute_with(|| {
		let id = request(TRANSPORT_CLERK, APPROVAL);
		let revoke =
			|who, id| Access::revoke_access(RuntimeOrigin::signed(who), id, b"misuse".to_vec());
		assert_noop!(revoke(PLANNER, id), Error::<Test>::NotApproved);
		assert_ok!(approve(PLANNER, id));
		assert_noop!(revoke(TRANSPORT_APPROVER, id), Error::<Test>::WrongDepartment);
		assert_noop!(revoke(REGULATOR_AUDITOR, id), Error::<Test>::NotApprover);
		assert_noop!(
			Access::revoke_access(RuntimeOrigin::signed(PLANNER), id, Vec::new()),
			Error::<Test>::EmptyReason
		);
		assert_eq!(check(TRANSPORT_CLERK, APPROVAL), (true, AccessBasis::Contract));
		assert_ok!(revoke(REGULATOR_APPROVER, id));
		System::assert_last_event(
			Event::AccessRevoked { contract: id, by: Some(REGULATOR_APPROVER) }.into(),
		);
		assert_eq!(check(TRANSPORT_CLERK, APPROVAL), (false, AccessBasis::NoContract));
		assert!(!Deadlines::<Test>::contains_key(1 + TERM, id));
		assert_noop!(revoke(PLANNER, id), Error::<Test>::ContractEnded);
		let other = request(ENVIRONMENT_CLERK, APPROVAL);
		assert_ok!(approve(PLANNER, other));
		assert_ok!(revoke(PLANNER, other));
		try_state();
	});
}

#[test]
fn relinquish_access_by_the_consumer() {
	new_test_ext().execute_with(|| {
		let id = request(TRANSPORT_CLERK, OPEN);
		let relinquish = |who| Access::relinquish_access(RuntimeOrigin::signed(who), id);
		assert_noop!(relinquish(PLANNER), Error::<Test>::NotConsumer);
		assert_ok!(relinquish(TRANSPORT_CLERK));
		System::assert_last_event(Event::AccessRelinquished { contract: id }.into());
		assert_eq!(contract(id).state, ContractState::Relinquished);
		assert_noop!(relinquish(TRANSPORT_CLERK), Error::<Test>::ContractEnded);
		let pending = request(TRANSPORT_CLERK, APPROVAL);
		assert_noop!(
			Access::relinquish_access(RuntimeOrigin::signed(TRANSPORT_CLERK), pending),
			Error::<Test>::NotApproved
		);
		try_state();
	});
}
