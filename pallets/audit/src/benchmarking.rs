//! Benchmarks of the audit pallet: a flag with the longest note, setting the
//! horizon, and pruning `n` entry bodies.

use super::*;
use alloc::vec;
use citychain_primitives::{DepartmentKind, DepartmentsBenchmarkHelper, Roles};
use frame_benchmarking::v2::*;
use frame_support::traits::{EnsureOrigin, Get};
use frame_system::RawOrigin;

/// `n` entries recorded in block 1, by an auditor of a new department.
fn entries<T: Config>(n: u32) -> T::AccountId {
	frame_system::Pallet::<T>::set_block_number(1u32.into());
	let auditor =
		T::BenchmarkHelper::new_member(DepartmentKind::Regulator, Roles::only(Role::Auditor));
	let department = T::Departments::membership(&auditor).map(|m| m.department);
	for i in 0..n {
		Pallet::<T>::append(
			Actor::Account(auditor.clone()),
			department,
			AuditAction::Flagged,
			Subject::Department(i),
			&[0; 64],
		);
	}
	auditor
}

#[benchmarks]
mod benchmarks {
	use super::*;

	#[benchmark]
	fn flag() {
		let auditor = entries::<T>(1);
		let department = T::Departments::membership(&auditor).map(|m| m.department).unwrap_or(0);

		#[extrinsic_call]
		_(
			RawOrigin::Signed(auditor),
			Subject::Department(department),
			vec![b'n'; MAX_NOTE_LEN as usize],
		);

		assert_eq!(Count::<T>::get(), 2);
	}

	#[benchmark]
	fn set_retention() -> Result<(), BenchmarkError> {
		let origin =
			T::GovernanceOrigin::try_successful_origin().map_err(|_| BenchmarkError::Weightless)?;
		let horizon = T::MinRetention::get();

		#[extrinsic_call]
		_(origin as T::RuntimeOrigin, Some(horizon));

		assert_eq!(Retention::<T>::get(), Some(horizon));
		Ok(())
	}

	#[benchmark]
	fn prune(n: Linear<0, { T::MaxPrunePerBlock::get() }>) {
		entries::<T>(n);
		let cutoff = frame_system::Pallet::<T>::block_number() + 1u32.into();

		#[block]
		{
			Pallet::<T>::prune(cutoff, n);
		}

		assert_eq!(Pruned::<T>::get().before, u64::from(n));
	}

	impl_benchmark_test_suite!(Pallet, crate::mock::new_test_ext(), crate::mock::Test);
}
