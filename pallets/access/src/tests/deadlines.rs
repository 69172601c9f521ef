//! Tests of the deadlines: unanswered requests lapse and contracts expire as
//! blocks pass.

use super::*;

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
