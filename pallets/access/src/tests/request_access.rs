//! Tests of `request_access`.

use super::*;

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
