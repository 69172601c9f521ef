//! Tests of `approve_request`.

use super::*;

#[test]
fn the_provider_approves_and_attaches_a_key_envelope() {
	new_test_ext().execute_with(|| {
		let id = request(TRANSPORT_CLERK, APPROVAL);
		run_to_block(5);
		assert_ok!(Access::approve_request(RuntimeOrigin::signed(PLANNER), id, Some(vec![1; 80])));
		let c = contract(id);
		assert_eq!(
			(c.state, c.expires_at, c.decided_at),
			(ContractState::Approved, Some(5 + TERM), Some(5))
		);
		assert_eq!(c.approvals.provider, Some(PLANNER));
		assert_eq!(c.envelope.map(|e| e.len()), Some(80));
		assert!(!Deadlines::<Test>::contains_key(1 + TIMEOUT, id), "lapse dropped");
		assert!(Deadlines::<Test>::contains_key(5 + TERM, id), "expiry queued");
		System::assert_last_event(
			Event::AccessApproved { contract: id, expires_at: 5 + TERM }.into(),
		);
		assert_eq!(check(TRANSPORT_CLERK, APPROVAL), (true, AccessBasis::Contract));
		try_state();
	});
}

#[test]
fn approve_requires_regulator_for_restricted_in_either_order() {
	new_test_ext().execute_with(|| {
		let first = request(TRANSPORT_CLERK, RESTRICTED);
		assert_ok!(approve(PLANNER, first));
		System::assert_last_event(
			Event::ApprovalRecorded { contract: first, approver: PLANNER, as_regulator: false }
				.into(),
		);
		assert_eq!(contract(first).state, ContractState::Requested);
		assert_ok!(approve(REGULATOR_APPROVER, first));
		assert_eq!(contract(first).state, ContractState::Approved);

		let second = request(ENVIRONMENT_CLERK, RESTRICTED);
		assert_ok!(approve(REGULATOR_APPROVER, second));
		assert_eq!(contract(second).state, ContractState::Requested);
		assert_ok!(approve(PLANNER, second));
		let c = contract(second);
		assert_eq!(c.state, ContractState::Approved);
		assert_eq!(
			(c.approvals.provider, c.approvals.regulator),
			(Some(PLANNER), Some(REGULATOR_APPROVER))
		);
		try_state();
	});
}

#[test]
fn approve_request_refuses_wrong_approvers_and_envelopes() {
	new_test_ext().execute_with(|| {
		let approval = request(TRANSPORT_CLERK, APPROVAL);
		let restricted = request(ENVIRONMENT_CLERK, RESTRICTED);
		assert_noop!(approve(PLANNER, 99), Error::<Test>::UnknownContract);
		assert_noop!(approve(OUTSIDER, approval), Error::<Test>::NotMember);
		assert_noop!(approve(REGULATOR_AUDITOR, approval), Error::<Test>::NotApprover);
		assert_noop!(approve(TRANSPORT_APPROVER, approval), Error::<Test>::WrongDepartment);
		assert_noop!(
			approve(REGULATOR_APPROVER, approval),
			Error::<Test>::RegulatorApprovalNotNeeded
		);
		let with = |who, id, envelope| {
			Access::approve_request(RuntimeOrigin::signed(who), id, Some(envelope))
		};
		assert_noop!(
			with(REGULATOR_APPROVER, restricted, vec![1; 80]),
			Error::<Test>::EnvelopeFromRegulator
		);
		assert_noop!(with(PLANNER, approval, Vec::new()), Error::<Test>::EmptyEnvelope);
		assert_noop!(
			with(PLANNER, approval, vec![1; MAX_ENVELOPE_LEN as usize + 1]),
			Error::<Test>::EnvelopeTooLong
		);
		assert_noop!(with(PLANNER, restricted, vec![1; 80]), Error::<Test>::NoEncryptionKey);
		assert_ok!(approve(PLANNER, restricted));
		assert_noop!(approve(PLANNER, restricted), Error::<Test>::AlreadyApproved);
		assert_ok!(approve(PLANNER, approval));
		assert_noop!(approve(PLANNER, approval), Error::<Test>::AlreadyApproved);
		Directory::set_status(PLANNING, DepartmentStatus::Suspended);
		assert_noop!(approve(PLANNER, restricted), Error::<Test>::DepartmentNotActive);
	});
}

#[test]
fn confidential_and_secret_data_are_approved_only_with_an_envelope() {
	new_test_ext().execute_with(|| {
		Registry::set_sensitivity(APPROVAL, Sensitivity::Confidential);
		Registry::set_sensitivity(RESTRICTED, Sensitivity::Secret);
		let confidential = request(TRANSPORT_CLERK, APPROVAL);
		let secret = request(TRANSPORT_CLERK, RESTRICTED);
		assert_noop!(approve(PLANNER, confidential), Error::<Test>::EnvelopeRequired);
		assert_noop!(approve(PLANNER, secret), Error::<Test>::EnvelopeRequired);
		// the regulator never carries the envelope; the provider must
		assert_ok!(approve(REGULATOR_APPROVER, secret));
		let sealed =
			|id| Access::approve_request(RuntimeOrigin::signed(PLANNER), id, Some(vec![1; 80]));
		assert_ok!(sealed(confidential));
		assert_ok!(sealed(secret));
		assert!(contract(confidential).envelope.is_some() && contract(secret).envelope.is_some());
		assert_eq!(contract(secret).state, ContractState::Approved);
		try_state();
	});
}

#[test]
fn pending_requests_are_decided_under_a_new_policy() {
	new_test_ext().execute_with(|| {
		// Restricted, provider approved: waits for the regulator.
		let provider_approved = request(TRANSPORT_CLERK, RESTRICTED);
		assert_ok!(approve(PLANNER, provider_approved));
		// Restricted, nobody yet.
		let untouched = request(ENVIRONMENT_CLERK, RESTRICTED);

		// Lowered to ApprovalRequired: the provider's approval now suffices.
		Registry::set_policy(RESTRICTED, AccessPolicy::ApprovalRequired, Sensitivity::Internal);
		<Access as OnDatasetPolicyChanged>::on_policy_changed(
			RESTRICTED,
			AccessPolicy::ApprovalRequired,
			Sensitivity::Internal,
		);
		let c = contract(provider_approved);
		assert_eq!((c.state, c.policy), (ContractState::Approved, AccessPolicy::ApprovalRequired));
		assert_eq!(check(TRANSPORT_CLERK, RESTRICTED), (true, AccessBasis::Contract));
		System::assert_has_event(
			Event::RequestPolicyChanged {
				contract: provider_approved,
				policy: AccessPolicy::ApprovalRequired,
			}
			.into(),
		);
		let c = contract(untouched);
		assert_eq!((c.state, c.policy), (ContractState::Requested, AccessPolicy::ApprovalRequired));
		try_state();
	});
}

#[test]
fn a_provider_approval_without_envelope_no_longer_counts_once_the_data_is_confidential() {
	new_test_ext().execute_with(|| {
		let pending = request(TRANSPORT_CLERK, RESTRICTED);
		assert_ok!(approve(PLANNER, pending));
		let approved = request(ENVIRONMENT_CLERK, APPROVAL);
		assert_ok!(approve(PLANNER, approved));

		for dataset in [RESTRICTED, APPROVAL] {
			let policy = Registry::dataset(dataset).unwrap().policy;
			Registry::set_policy(dataset, policy, Sensitivity::Confidential);
			<Access as OnDatasetPolicyChanged>::on_policy_changed(
				dataset,
				policy,
				Sensitivity::Confidential,
			);
		}
		let c = contract(pending);
		assert_eq!((c.state, c.approvals.provider), (ContractState::Requested, None));
		assert_noop!(approve(PLANNER, pending), Error::<Test>::EnvelopeRequired);
		assert_eq!(
			contract(approved).state,
			ContractState::Approved,
			"an approved contract keeps its terms"
		);
		try_state();
	});
}

#[test]
fn a_policy_change_opening_the_data_approves_what_waits() {
	new_test_ext().execute_with(|| {
		let id = request(TRANSPORT_CLERK, APPROVAL);
		Registry::set_policy(APPROVAL, AccessPolicy::Open, Sensitivity::Public);
		<Access as OnDatasetPolicyChanged>::on_policy_changed(
			APPROVAL,
			AccessPolicy::Open,
			Sensitivity::Public,
		);
		assert_eq!(contract(id).state, ContractState::Approved);
		assert!(!Deadlines::<Test>::contains_key(1 + TIMEOUT, id), "lapse dropped");
		try_state();
	});
}

#[test]
fn a_request_on_a_superseded_version_cannot_be_approved() {
	new_test_ext().execute_with(|| {
		let id = request(TRANSPORT_CLERK, APPROVAL);
		Registry::set_status(APPROVAL, DatasetStatus::Superseded);
		assert_noop!(approve(PLANNER, id), Error::<Test>::DatasetNotActive);
		Registry::set_status(APPROVAL, DatasetStatus::Deprecated);
		assert_ok!(approve(PLANNER, id));
	});
}

#[test]
fn a_regulator_cannot_approve_its_own_departments_request() {
	new_test_ext().execute_with(|| {
		let own = request(REGULATOR_APPROVER, RESTRICTED);
		assert_ok!(approve(PLANNER, own));
		assert_noop!(approve(REGULATOR_APPROVER, own), Error::<Test>::OwnRequest);
		assert_eq!(contract(own).state, ContractState::Requested);
		assert!(!check(REGULATOR_APPROVER, RESTRICTED).0);
	});
}

#[test]
fn a_request_cannot_be_approved_once_its_lapse_is_due() {
	new_test_ext().execute_with(|| {
		let id = request(TRANSPORT_CLERK, APPROVAL);
		System::set_block_number(1 + TIMEOUT);
		assert_noop!(approve(PLANNER, id), Error::<Test>::ContractEnded);
	});
}
