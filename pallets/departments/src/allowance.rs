//! What a department may spend: transactions and bytes in any
//! [`Config::AllowancePeriod`] blocks, and its members' share of what is
//! left while their transactions wait in the pool.
//!
//! Spending is kept per slot, a quarter of the period ([`SLOTS`]), over
//! the latest `SLOTS + 1` slots. A transaction fits if what those slots
//! hold and its own cost stay within the allowance, so no window of
//! `AllowancePeriod` consecutive blocks, which lies within `SLOTS + 1`
//! slots, holds more than the allowance: a period's boundary cannot double
//! it, as fixed periods would let a department spend its allowance at the
//! end of one and again at the start of the next.

use crate::{
	Allowance, Allowances, Config, DepartmentId, Departments, Error, Pallet, Spent, Usage, SLOTS,
};
use frame_support::{ensure, pallet_prelude::DispatchResult, traits::Get};
use sp_runtime::SaturatedConversion;

impl<T: Config> Pallet<T> {
	/// Gives `department` its own `allowance`, or (`None`) the default back.
	pub(crate) fn do_set_allowance(
		department: DepartmentId,
		allowance: Option<Allowance>,
	) -> DispatchResult {
		ensure!(Departments::<T>::contains_key(department), Error::<T>::UnknownDepartment);
		match allowance {
			Some(a) => {
				ensure!(a.transactions > 0 && a.bytes > 0, Error::<T>::EmptyAllowance);
				Allowances::<T>::insert(department, a);
			},
			None => Allowances::<T>::remove(department),
		}
		Ok(())
	}

	/// The allowance of `department`: its own, or the default.
	pub fn allowance_of(department: DepartmentId) -> Allowance {
		Allowances::<T>::get(department).unwrap_or_else(T::DefaultAllowance::get)
	}

	/// The slot of the current block: its number divided by the slot's
	/// length, the period divided by [`SLOTS`], rounded up.
	pub(crate) fn current_slot() -> u32 {
		let now: u32 = frame_system::Pallet::<T>::block_number().saturated_into();
		now / T::AllowancePeriod::get().div_ceil(SLOTS).max(1)
	}

	/// What `department` has spent in the latest slots, as of this block.
	fn usage(department: DepartmentId) -> Usage {
		Spent::<T>::get(department).at(Self::current_slot())
	}

	/// What `department` has left (transactions, bytes), and its allowance.
	pub fn allowance_left(department: DepartmentId) -> ((u32, u32), Allowance) {
		let allowance = Self::allowance_of(department);
		(Self::usage(department).left(&allowance), allowance)
	}

	/// Spends `calls` transactions (a batch counts each call it carries)
	/// and `len` bytes of `department`'s allowance; `false`, spending
	/// nothing, if they do not fit.
	pub fn spend_allowance(department: DepartmentId, calls: u32, len: u32) -> bool {
		let allowance = Self::allowance_of(department);
		let mut usage = Self::usage(department);
		let (transactions, bytes) = usage.left(&allowance);
		if transactions < calls.max(1) || bytes < len {
			return false;
		}
		usage.spend(calls.max(1), len);
		Spent::<T>::insert(department, usage);
		true
	}

	/// Where a member's transaction of `department` stands in the pool
	/// with `ahead` of the same sender's waiting before it: `None` if that
	/// is past the member's share, an equal part of the transactions the
	/// department has left (at least one, its next); else what the
	/// department would have left once every member's transactions up to
	/// this one's place were in, and its allowance of transactions.
	///
	/// So what a department's members hold in the pool, with what it has
	/// spent, stays within its allowance (but for one transaction a member
	/// when less is left than it has members), and a sender's later
	/// transactions stand behind every department's next ones.
	pub fn pool_standing(department: DepartmentId, ahead: u32) -> Option<(u32, u32)> {
		let ((left, _), allowance) = Self::allowance_left(department);
		let members = Departments::<T>::get(department).map_or(1, |d| d.members.max(1));
		let share = (left / members).max(1);
		(ahead < share)
			.then(|| (left.saturating_sub(ahead.saturating_mul(members)), allowance.transactions))
	}
}
