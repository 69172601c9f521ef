use crate::{
	mock::*, pallet::Contracts, AccessBasis, AccessPolicy, ContractId, ContractOf, ContractQuery,
	ContractQueryError, ContractState, DatasetStatus, DeadlineCursor, Deadlines, Error, Event,
	LiveContracts, OnDatasetPolicyChanged, OnDatasetWithdrawn, Receipt, Scope, Sensitivity,
	TimeInterval, MAX_ENVELOPE_LEN, MAX_PURPOSE_LEN, MAX_REASON_LEN,
};
use citychain_primitives::{BoundingBox, DepartmentStatus};
use frame_support::{assert_noop, assert_ok};
use proptest::prelude::*;
use sp_runtime::DispatchError;

fn request(who: AccountId, dataset: u64) -> ContractId {
	let id = crate::NextContractId::<Test>::get();
	assert_ok!(Access::request_access(
		RuntimeOrigin::signed(who),
		dataset,
		b"road safety analysis".to_vec(),
		TERM,
		None,
	));
	id
}

fn contract(id: ContractId) -> ContractOf<Test> {
	Contracts::<Test>::get(id).expect("contract exists")
}

fn approve(who: AccountId, id: ContractId) -> sp_runtime::DispatchResult {
	Access::approve_request(RuntimeOrigin::signed(who), id, None)
}

fn check(who: AccountId, dataset: u64) -> (bool, AccessBasis) {
	let c = Access::check(&who, dataset);
	(c.allowed, c.basis)
}

fn try_state() {
	Access::do_try_state().unwrap();
}

// --- request_access ---

#[test]
fn an_open_dataset_is_approved_in_the_request() {
	new_test_ext().execute_with(|| {
		let id = request(TRANSPORT_CLERK, OPEN);
		let c = contract(id);
		assert_eq!(c.state, ContractState::Approved);
		assert_eq!((c.provider, c.consumer, c.requester), (PLANNING, TRANSPORT, TRANSPORT_CLERK));
		assert_eq!((c.decided_at, c.expires_at), (Some(1), Some(1 + TERM)));
		System::assert_has_event(
			Event::AccessRequested {
				contract: id,
				dataset: OPEN,
				consumer: TRANSPORT,
				requester: TRANSPORT_CLERK,
			}
			.into(),
		);
		System::assert_last_event(
			Event::AccessApproved { contract: id, expires_at: 1 + TERM }.into(),
		);
		assert_eq!(Access::check(&TRANSPORT_CLERK, OPEN).contract, Some(id));
		try_state();
	});
}

#[test]
fn a_request_for_approval_waits_with_a_lapse_deadline() {
	new_test_ext().execute_with(|| {
		let id = request(TRANSPORT_CLERK, APPROVAL);
		let c = contract(id);
		assert_eq!(
			(c.state, c.lapses_at, c.expires_at),
			(ContractState::Requested, 1 + TIMEOUT, None)
		);
		assert!(Deadlines::<Test>::contains_key(1 + TIMEOUT, id));
		assert_eq!(LiveContracts::<Test>::get(APPROVAL, TRANSPORT), Some(id));
		assert_eq!(check(TRANSPORT_APPROVER, APPROVAL), (false, AccessBasis::Pending));
		try_state();
	});
}

#[test]
fn request_access_refuses_bad_requests() {
	new_test_ext().execute_with(|| {
		let req = |who, dataset, purpose: Vec<u8>, term, scope| {
			Access::request_access(RuntimeOrigin::signed(who), dataset, purpose, term, scope)
		};
		let purpose = || b"analysis".to_vec();
		assert_noop!(req(OUTSIDER, APPROVAL, purpose(), TERM, None), Error::<Test>::NotMember);
		assert_noop!(
			req(TRANSPORT_CLERK, 99, purpose(), TERM, None),
			Error::<Test>::UnknownDataset
		);
		assert_noop!(req(PLANNER, APPROVAL, purpose(), TERM, None), Error::<Test>::OwnDataset);
		assert_noop!(
			req(TRANSPORT_CLERK, APPROVAL, Vec::new(), TERM, None),
			Error::<Test>::EmptyPurpose
		);
		assert_noop!(
			req(TRANSPORT_CLERK, APPROVAL, vec![b'p'; MAX_PURPOSE_LEN as usize + 1], TERM, None),
			Error::<Test>::PurposeTooLong
		);
		assert_noop!(req(TRANSPORT_CLERK, APPROVAL, purpose(), 0, None), Error::<Test>::ZeroTerm);
		assert_noop!(
			req(TRANSPORT_CLERK, APPROVAL, purpose(), 1_001, None),
			Error::<Test>::TermTooLong
		);
		let outside =
			Scope { bbox: Some(BoundingBox { west: 1_160_000_000, ..city() }), time: None };
		assert_noop!(
			req(TRANSPORT_CLERK, APPROVAL, purpose(), TERM, Some(outside)),
			Error::<Test>::ScopeOutsideExtent
		);
		let late =
			Scope { bbox: None, time: Some(TimeInterval { start: Some(year().start), end: None }) };
		assert_noop!(
			req(TRANSPORT_CLERK, APPROVAL, purpose(), TERM, Some(late)),
			Error::<Test>::ScopeOutsideExtent
		);
		let inverted = Scope {
			bbox: Some(BoundingBox { south: 400_000_000, north: 399_000_000, ..city() }),
			time: None,
		};
		assert_noop!(
			req(TRANSPORT_CLERK, APPROVAL, purpose(), TERM, Some(inverted)),
			Error::<Test>::InvalidScope
		);
		Registry::set_status(APPROVAL, DatasetStatus::Deprecated);
		assert_noop!(
			req(TRANSPORT_CLERK, APPROVAL, purpose(), TERM, None),
			Error::<Test>::DatasetNotActive
		);
		Registry::set_status(APPROVAL, DatasetStatus::Active);
		Directory::set_status(TRANSPORT, DepartmentStatus::Suspended);
		assert_noop!(
			req(TRANSPORT_CLERK, APPROVAL, purpose(), TERM, None),
			Error::<Test>::DepartmentNotActive
		);
		Directory::set_status(TRANSPORT, DepartmentStatus::Active);
		let inside = Scope {
			bbox: Some(BoundingBox { west: 1_163_000_000, east: 1_164_000_000, ..city() }),
			time: Some(TimeInterval { start: Some(year().start), end: Some(year().start + 1) }),
		};
		assert_ok!(req(TRANSPORT_CLERK, APPROVAL, purpose(), 1_000, Some(inside)));
		assert_noop!(
			req(TRANSPORT_APPROVER, APPROVAL, purpose(), TERM, None),
			Error::<Test>::DuplicateRequest
		);
	});
}

// --- approve_request ---

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

// --- reject, cancel, revoke, relinquish ---

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

// --- confirm_receipt ---

#[test]
fn confirm_receipt_verifies_a_match_and_records_a_mismatch() {
	new_test_ext().execute_with(|| {
		let id = request(TRANSPORT_CLERK, OPEN);
		let confirm = |who, code, digest: Vec<u8>| {
			Access::confirm_receipt(RuntimeOrigin::signed(who), id, code, digest)
		};
		assert_noop!(confirm(PLANNER, 0xb220, vec![0xab; 32]), Error::<Test>::NotConsumer);
		assert_noop!(
			confirm(TRANSPORT_CLERK, 0x99, vec![0xab; 32]),
			Error::<Test>::UnknownHashFunction
		);
		assert_noop!(
			confirm(TRANSPORT_CLERK, 0xb220, vec![0xab; 31]),
			Error::<Test>::WrongDigestLength
		);
		assert_noop!(
			confirm(TRANSPORT_CLERK, 0x12, vec![0xab; 32]),
			Error::<Test>::HashFunctionDiffers
		);

		assert_ok!(confirm(TRANSPORT_CLERK, 0xb220, vec![0xcd; 32]));
		System::assert_last_event(
			Event::HashMismatch {
				contract: id,
				dataset: OPEN,
				provider: PLANNING,
				consumer: TRANSPORT,
			}
			.into(),
		);
		assert!(
			matches!(contract(id).receipt, Receipt::Mismatch(ref h) if h.digest.to_vec() == vec![0xcd; 32])
		);

		assert_ok!(confirm(TRANSPORT_CLERK, 0xb220, vec![0xab; 32]));
		System::assert_last_event(Event::ReceiptVerified { contract: id }.into());
		assert_eq!(contract(id).receipt, Receipt::Verified);
		assert_noop!(
			confirm(TRANSPORT_CLERK, 0xb220, vec![0xab; 32]),
			Error::<Test>::AlreadyVerified
		);

		let pending = request(TRANSPORT_CLERK, APPROVAL);
		assert_noop!(
			Access::confirm_receipt(
				RuntimeOrigin::signed(TRANSPORT_CLERK),
				pending,
				0xb220,
				vec![0xab; 32]
			),
			Error::<Test>::NotApproved
		);
	});
}

// --- deadlines ---

#[test]
fn unanswered_requests_lapse() {
	new_test_ext().execute_with(|| {
		let id = request(TRANSPORT_CLERK, APPROVAL);
		run_to_block(TIMEOUT);
		assert_eq!(contract(id).state, ContractState::Requested);
		run_to_block(1 + TIMEOUT);
		let c = contract(id);
		assert_eq!((c.state, c.ended_at), (ContractState::Lapsed, Some(1 + TIMEOUT)));
		System::assert_last_event(Event::RequestLapsed { contract: id }.into());
		assert!(LiveContracts::<Test>::get(APPROVAL, TRANSPORT).is_none());
		try_state();
	});
}

#[test]
fn approved_contracts_expire_at_the_end_of_their_term() {
	new_test_ext().execute_with(|| {
		let id = request(TRANSPORT_CLERK, OPEN);
		run_to_block(TERM);
		assert!(!check(TRANSPORT_CLERK, APPROVAL).0);
		assert_eq!(Access::check(&TRANSPORT_CLERK, OPEN).basis, AccessBasis::Contract);
		run_to_block(1 + TERM);
		assert_eq!(contract(id).state, ContractState::Expired);
		System::assert_last_event(Event::AccessExpired { contract: id }.into());
		try_state();
	});
}

#[test]
fn more_expiries_than_the_bound_spill_over_and_checks_honour_them_meanwhile() {
	new_test_ext().execute_with(|| {
		let extra = MAX_DEADLINES as u64 + 2;
		let ids: Vec<_> = (0..extra)
			.map(|i| {
				let dataset = 10 + i;
				Registry::add(dataset, PLANNING, AccessPolicy::ApprovalRequired);
				let id = request(TRANSPORT_CLERK, dataset);
				assert_ok!(approve(PLANNER, id));
				id
			})
			.collect();
		run_to_block(1 + TERM);
		let expired = |ids: &[ContractId]| {
			ids.iter().filter(|id| contract(**id).state == ContractState::Expired).count()
		};
		assert_eq!(expired(&ids), MAX_DEADLINES as usize, "only the bound in one block");
		assert_eq!(DeadlineCursor::<Test>::get(), 1 + TERM);
		for i in 0..extra {
			let answer = Access::check(&TRANSPORT_CLERK, 10 + i);
			assert!(!answer.allowed, "every check honours the expiry");
		}
		let late = ids.iter().find(|id| contract(**id).state == ContractState::Approved).unwrap();
		assert_noop!(
			Access::relinquish_access(RuntimeOrigin::signed(TRANSPORT_CLERK), *late),
			Error::<Test>::ContractEnded
		);
		assert_eq!(Access::check(&TRANSPORT_CLERK, 10 + late).basis, AccessBasis::Expired);
		run_to_block(2 + TERM);
		assert_eq!(expired(&ids), extra as usize);
		assert!(DeadlineCursor::<Test>::get() > 1 + TERM);
		try_state();
	});
}

// --- withdrawal and checks ---

#[test]
fn withdrawing_a_dataset_revokes_its_live_contracts() {
	new_test_ext().execute_with(|| {
		let approved = request(TRANSPORT_CLERK, APPROVAL);
		assert_ok!(approve(PLANNER, approved));
		let pending = request(ENVIRONMENT_CLERK, APPROVAL);
		let other = request(TRANSPORT_CLERK, OPEN);
		Registry::set_status(APPROVAL, DatasetStatus::Withdrawn);
		<Access as OnDatasetWithdrawn>::on_dataset_withdrawn(APPROVAL);
		assert_eq!(contract(approved).state, ContractState::Revoked);
		assert_eq!(contract(pending).state, ContractState::Revoked);
		assert_eq!(contract(other).state, ContractState::Approved);
		System::assert_has_event(Event::AccessRevoked { contract: approved, by: None }.into());
		assert_eq!(check(TRANSPORT_CLERK, APPROVAL), (false, AccessBasis::Withdrawn));
		try_state();
	});
}

#[test]
fn contracts_on_earlier_versions_of_a_withdrawn_dataset_are_revoked_as_blocks_have_room() {
	use frame_support::{traits::Hooks, weights::Weight};
	new_test_ext().execute_with(|| {
		// APPROVAL and RESTRICTED stand for two earlier versions of a dataset
		// being withdrawn; OPEN for an unrelated one.
		let first = request(TRANSPORT_CLERK, APPROVAL);
		assert_ok!(approve(PLANNER, first));
		let second = request(ENVIRONMENT_CLERK, RESTRICTED);
		let other = request(TRANSPORT_CLERK, OPEN);
		for version in [APPROVAL, RESTRICTED] {
			Registry::set_status(version, DatasetStatus::Withdrawn);
			<Access as OnDatasetWithdrawn>::on_earlier_version_withdrawn(version);
		}
		<Access as OnDatasetWithdrawn>::on_earlier_version_withdrawn(OPEN + 40);
		assert_eq!(
			crate::WithdrawnVersions::<Test>::iter_keys().count(),
			2,
			"only versions with live contracts wait"
		);
		assert_eq!(
			check(TRANSPORT_CLERK, APPROVAL),
			(false, AccessBasis::Withdrawn),
			"nothing granted meanwhile"
		);

		Access::on_idle(2, Weight::zero());
		assert_eq!(crate::WithdrawnVersions::<Test>::iter_keys().count(), 2, "no room, no work");
		Access::on_idle(2, Access::revoke_on_withdrawn_max_weight());
		assert_eq!(
			crate::WithdrawnVersions::<Test>::iter_keys().count(),
			1,
			"room for one version's worst case"
		);
		Access::on_idle(3, Weight::MAX);
		assert!(crate::WithdrawnVersions::<Test>::iter_keys().next().is_none());
		for id in [first, second] {
			assert_eq!(contract(id).state, ContractState::Revoked);
			System::assert_has_event(Event::AccessRevoked { contract: id, by: None }.into());
		}
		assert_eq!(contract(other).state, ContractState::Approved);
		try_state();
	});
}

#[test]
fn access_check_names_its_basis() {
	new_test_ext().execute_with(|| {
		assert_eq!(check(PLANNER, APPROVAL), (true, AccessBasis::Owner));
		assert_eq!(check(TRANSPORT_CLERK, OPEN), (true, AccessBasis::OpenData));
		assert_eq!(check(TRANSPORT_CLERK, APPROVAL), (false, AccessBasis::NoContract));
		assert_eq!(check(OUTSIDER, APPROVAL), (false, AccessBasis::NotMember));
		assert_eq!(check(TRANSPORT_CLERK, 77), (false, AccessBasis::UnknownDataset));
		let id = request(TRANSPORT_CLERK, APPROVAL);
		assert_ok!(approve(PLANNER, id));
		let answer = Access::check(&TRANSPORT_APPROVER, APPROVAL);
		assert_eq!(
			(answer.allowed, answer.contract, answer.expires_at),
			(true, Some(id), Some(1 + TERM))
		);
		Directory::set_status(TRANSPORT, DepartmentStatus::Suspended);
		assert_eq!(check(TRANSPORT_CLERK, APPROVAL), (false, AccessBasis::NotMember));
	});
}

#[test]
fn contracts_are_listed_by_consumer_provider_dataset_and_state() {
	new_test_ext().execute_with(|| {
		let a = request(TRANSPORT_CLERK, OPEN);
		let b = request(TRANSPORT_CLERK, APPROVAL);
		let c = request(ENVIRONMENT_CLERK, APPROVAL);
		let d = request(ENVIRONMENT_CLERK, RESTRICTED);
		let ids = |q: ContractQuery| -> Vec<ContractId> {
			Access::contracts(ContractQuery { limit: 10, ..q })
				.unwrap()
				.items
				.iter()
				.map(|i| i.id)
				.collect()
		};
		assert_eq!(
			ids(ContractQuery { consumer: Some(TRANSPORT), ..Default::default() }),
			vec![a, b]
		);
		assert_eq!(
			ids(ContractQuery { provider: Some(PLANNING), ..Default::default() }),
			vec![a, b, c, d]
		);
		assert_eq!(
			ids(ContractQuery { dataset: Some(APPROVAL), ..Default::default() }),
			vec![b, c]
		);
		assert_eq!(
			ids(ContractQuery { state: Some(ContractState::Requested), ..Default::default() }),
			vec![b, c, d]
		);
		let page = Access::contracts(ContractQuery {
			provider: Some(PLANNING),
			limit: 3,
			..Default::default()
		})
		.unwrap();
		assert_eq!(page.next, Some(c));
		let rest = Access::contracts(ContractQuery {
			provider: Some(PLANNING),
			cursor: page.next,
			limit: 3,
			..Default::default()
		})
		.unwrap();
		assert_eq!((rest.items.len(), rest.next), (1, None));
		assert_eq!(
			Access::contracts(ContractQuery::default()).unwrap_err(),
			ContractQueryError::ZeroLimit
		);
		assert_eq!(
			Access::contracts(ContractQuery { limit: 101, ..Default::default() }).unwrap_err(),
			ContractQueryError::LimitTooLarge
		);
	});
}

#[test]
fn a_dataset_holds_at_most_max_departments_live_contracts_whatever_the_ids() {
	new_test_ext().execute_with(|| {
		use citychain_primitives::{DepartmentKind, Roles};
		// Ids far beyond the cap: retired departments do not use them up.
		let first = 5_000;
		let mut clerks = Vec::new();
		for i in 0..MAX_DEPARTMENTS {
			Directory::add_department(first + i, DepartmentKind::Other);
			Directory::add_member(100 + u64::from(i), first + i, Roles::NONE);
			clerks.push(100 + u64::from(i));
		}
		let request = |who: AccountId| {
			Access::request_access(RuntimeOrigin::signed(who), APPROVAL, b"x".to_vec(), TERM, None)
		};
		for clerk in &clerks[..MAX_DEPARTMENTS as usize - 1] {
			assert_ok!(request(*clerk));
		}
		assert_ok!(request(TRANSPORT_CLERK));
		assert_eq!(crate::LiveCount::<Test>::get(APPROVAL), MAX_DEPARTMENTS);
		assert_noop!(request(*clerks.last().unwrap()), Error::<Test>::TooManyContracts);

		// A contract that ends frees its place.
		let transport = LiveContracts::<Test>::get(APPROVAL, TRANSPORT).unwrap();
		assert_ok!(Access::cancel_request(RuntimeOrigin::signed(TRANSPORT_CLERK), transport));
		assert_ok!(request(*clerks.last().unwrap()));
		Access::do_try_state().unwrap();
	});
}

#[test]
fn unsigned_calls_are_refused() {
	new_test_ext().execute_with(|| {
		assert_noop!(
			Access::request_access(RuntimeOrigin::none(), APPROVAL, b"x".to_vec(), TERM, None),
			DispatchError::BadOrigin
		);
	});
}

// --- random sequences keep the invariants ---

#[derive(Clone, Debug)]
enum Op {
	Request(usize, u64),
	Approve(usize, u64),
	Reject(usize, u64),
	Cancel(usize, u64),
	Revoke(usize, u64),
	Relinquish(usize, u64),
	Confirm(usize, u64, bool),
	Withdraw(u64),
	Advance(u64),
}

const ACTORS: [AccountId; 6] = [
	PLANNER,
	TRANSPORT_CLERK,
	TRANSPORT_APPROVER,
	REGULATOR_APPROVER,
	REGULATOR_AUDITOR,
	ENVIRONMENT_CLERK,
];

fn arb_op() -> impl Strategy<Value = Op> {
	let who = 0..ACTORS.len();
	let id = 0u64..12;
	prop_oneof![
		3 => (who.clone(), 0u64..3).prop_map(|(w, d)| Op::Request(w, d)),
		3 => (who.clone(), id.clone()).prop_map(|(w, c)| Op::Approve(w, c)),
		1 => (who.clone(), id.clone()).prop_map(|(w, c)| Op::Reject(w, c)),
		1 => (who.clone(), id.clone()).prop_map(|(w, c)| Op::Cancel(w, c)),
		1 => (who.clone(), id.clone()).prop_map(|(w, c)| Op::Revoke(w, c)),
		1 => (who.clone(), id.clone()).prop_map(|(w, c)| Op::Relinquish(w, c)),
		1 => (who.clone(), id.clone(), any::<bool>()).prop_map(|(w, c, ok)| Op::Confirm(w, c, ok)),
		1 => (0u64..3).prop_map(Op::Withdraw),
		2 => (1u64..60).prop_map(Op::Advance),
	]
}

fn apply(op: Op) {
	let signed = |w: usize| RuntimeOrigin::signed(ACTORS[w]);
	// Calls may fail; a failed call must change nothing, which
	// `frame_support::storage::with_transaction` in dispatch guarantees and
	// try_state checks after every step.
	let _ = match op {
		Op::Request(w, d) => Access::request_access(signed(w), d, b"p".to_vec(), 1 + d * 40, None),
		Op::Approve(w, c) => Access::approve_request(signed(w), c, None),
		Op::Reject(w, c) => Access::reject_request(signed(w), c, b"r".to_vec()),
		Op::Cancel(w, c) => Access::cancel_request(signed(w), c),
		Op::Revoke(w, c) => Access::revoke_access(signed(w), c, b"r".to_vec()),
		Op::Relinquish(w, c) => Access::relinquish_access(signed(w), c),
		Op::Confirm(w, c, ok) => {
			let digest = if ok { vec![0xab; 32] } else { vec![0x00; 32] };
			Access::confirm_receipt(signed(w), c, 0xb220, digest)
		},
		Op::Withdraw(d) => {
			if Registry::dataset_status(d) != Some(DatasetStatus::Withdrawn) {
				Registry::set_status(d, DatasetStatus::Withdrawn);
				<Access as OnDatasetWithdrawn>::on_dataset_withdrawn(d);
			}
			Ok(())
		},
		Op::Advance(n) => {
			run_to_block(System::block_number() + n);
			Ok(())
		},
	};
}

use crate::DatasetRegistry;
impl Registry {
	fn dataset_status(id: u64) -> Option<DatasetStatus> {
		<Registry as DatasetRegistry>::dataset(id).map(|d| d.status)
	}
}

proptest! {
	#![proptest_config(ProptestConfig::with_cases(128))]

	#[test]
	fn random_sequences_keep_every_invariant(ops in prop::collection::vec(arb_op(), 1..60)) {
		new_test_ext().execute_with(|| {
			for op in ops {
				frame_support::storage::with_storage_layer::<(), DispatchError, _>(|| {
					apply(op.clone());
					Ok(())
				}).unwrap();
				Access::do_try_state().unwrap();
				let now = System::block_number();
				// access_check agrees with the contract states
				for who in ACTORS {
					for dataset in 0u64..3 {
						let answer = Access::check(&who, dataset);
						let membership = <Directory as crate::DepartmentDirectory<AccountId>>::membership(&who).unwrap();
						let summary = <Registry as DatasetRegistry>::dataset(dataset).unwrap();
						let granting = Contracts::<Test>::iter().any(|(_, c)| {
							c.dataset == dataset && c.consumer == membership.department && c.grants_at(now)
						});
						let expected = summary.status != DatasetStatus::Withdrawn &&
							(summary.owner == membership.department ||
								summary.policy == AccessPolicy::Open ||
								granting);
						prop_assert_eq!(answer.allowed, expected, "{:?} on {} at {}", who, dataset, now);
					}
				}
				// no contract in two states: the live index names one per pair
				for (dataset, consumer, id) in LiveContracts::<Test>::iter() {
					let c = Contracts::<Test>::get(id).unwrap();
					prop_assert_eq!((c.dataset, c.consumer), (dataset, consumer));
					prop_assert!(c.state.is_live());
				}
			}
			Ok(())
		})?;
	}
}
