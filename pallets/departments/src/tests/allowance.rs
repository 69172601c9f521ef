//! Tests of the departments' allowances: `set_allowance`, and what members'
//! transactions spend.

use super::*;
use crate::{Allowance, Allowances, Spent};

#[test]
fn a_department_spends_its_default_allowance_per_period() {
	new_test_ext().execute_with(|| {
		System::set_block_number(ALLOWANCE_PERIOD as u64 * 3 + 1);
		assert_eq!(Departments::allowance_left(PLANNING).0, (3, 1_000));
		assert!(Departments::spend_allowance(PLANNING, 1, 400));
		assert!(!Departments::spend_allowance(PLANNING, 3, 10), "a batch over the transactions");
		assert!(Departments::spend_allowance(PLANNING, 1, 400));
		assert!(!Departments::spend_allowance(PLANNING, 1, 400), "over the bytes");
		assert_eq!(Departments::allowance_left(PLANNING).0, (1, 200), "nothing spent by a refusal");
		assert!(Departments::spend_allowance(PLANNING, 1, 200));
		assert_eq!(Departments::allowance_left(PLANNING).0, (0, 0));
		assert!(!Departments::spend_allowance(PLANNING, 1, 1), "over the transactions");
		assert_eq!(Departments::allowance_left(1).0, (3, 1_000), "each department its own");
		// what was spent counts until SLOTS + 1 slots have begun since
		let slot_length = ALLOWANCE_PERIOD.div_ceil(crate::SLOTS) as u64;
		let forgotten = (Departments::current_slot() as u64 + 5) * slot_length;
		System::set_block_number(forgotten - 1);
		assert_eq!(Departments::allowance_left(PLANNING).0, (0, 0));
		System::set_block_number(forgotten);
		assert_eq!(Departments::allowance_left(PLANNING).0, (3, 1_000));
		assert!(Departments::spend_allowance(PLANNING, 2, 10));
		assert_eq!(Spent::<Test>::get(PLANNING).total(), (2, 10), "a batch of two calls");
	});
}

#[test]
fn no_window_of_a_period_holds_more_than_the_allowance() {
	new_test_ext().execute_with(|| {
		// A department that spends all it can at every block, for 50
		// periods: what any ALLOWANCE_PERIOD consecutive blocks hold
		// stays within the allowance, a period's boundary included, and
		// the department still gets all of it every SLOTS + 1 slots.
		let period = ALLOWANCE_PERIOD as usize;
		let mut spent = Vec::new();
		for block in 1..=(50 * ALLOWANCE_PERIOD as u64) {
			System::set_block_number(block);
			let mut here = 0;
			while Departments::spend_allowance(PLANNING, 1, 1) {
				here += 1;
			}
			spent.push(here);
		}
		let most = spent.windows(period).map(|w| w.iter().sum::<u32>()).max();
		assert_eq!(most, Some(3), "any {period} blocks hold at most the allowance");
		let total: u32 = spent.iter().sum();
		let renewal = (crate::SLOTS + 1) * ALLOWANCE_PERIOD.div_ceil(crate::SLOTS);
		assert!(total >= 3 * (50 * ALLOWANCE_PERIOD / renewal), "{total} spent");
	});
}

#[test]
fn members_share_what_is_left_while_their_transactions_wait() {
	new_test_ext().execute_with(|| {
		let more = Allowance { transactions: 10, bytes: 50_000 };
		assert_ok!(Departments::set_allowance(RuntimeOrigin::root(), PLANNING, Some(more)));
		// Planning has two members: five transactions each, and a later
		// one stands behind its sender's earlier ones.
		assert_eq!(Departments::pool_standing(PLANNING, 0), Some((10, 10)));
		assert_eq!(Departments::pool_standing(PLANNING, 4), Some((2, 10)));
		assert_eq!(Departments::pool_standing(PLANNING, 5), None, "past its share");
		assert!(Departments::spend_allowance(PLANNING, 9, 10));
		assert_eq!(
			Departments::pool_standing(PLANNING, 0),
			Some((1, 10)),
			"each member's next transaction, while any is left"
		);
		assert_eq!(Departments::pool_standing(PLANNING, 1), None);
	});
}

#[test]
fn governance_sets_and_clears_a_departments_allowance() {
	new_test_ext().execute_with(|| {
		let more = Allowance { transactions: 50, bytes: 50_000 };
		assert_ok!(Departments::set_allowance(RuntimeOrigin::root(), PLANNING, Some(more)));
		System::assert_last_event(
			Event::AllowanceSet { department: PLANNING, allowance: Some(more) }.into(),
		);
		assert_eq!(Departments::allowance_left(PLANNING).0, (50, 50_000));
		assert_ok!(Departments::set_allowance(RuntimeOrigin::root(), PLANNING, None));
		assert!(Allowances::<Test>::get(PLANNING).is_none());
		assert_eq!(Departments::allowance_left(PLANNING).0, (3, 1_000));
	});
}

#[test]
fn set_allowance_refuses_bad_input() {
	new_test_ext().execute_with(|| {
		let some = Some(Allowance { transactions: 5, bytes: 5 });
		assert_noop!(
			Departments::set_allowance(signed(PLANNING_ADMIN), PLANNING, some),
			DispatchError::BadOrigin
		);
		assert_noop!(
			Departments::set_allowance(RuntimeOrigin::root(), 99, some),
			Error::<Test>::UnknownDepartment
		);
		for empty in
			[Allowance { transactions: 0, bytes: 5 }, Allowance { transactions: 5, bytes: 0 }]
		{
			assert_noop!(
				Departments::set_allowance(RuntimeOrigin::root(), PLANNING, Some(empty)),
				Error::<Test>::EmptyAllowance
			);
		}
	});
}
