//! Benchmarks of the validator-set calls at the largest set.

use super::*;
use alloc::vec::Vec;
use frame_benchmarking::v2::*;
use frame_support::traits::{EnsureOrigin, Get};

/// Fills the set to `MaxValidators - 1`, leaving room for one more.
fn fill<T: Config>() -> Vec<T::AccountId> {
	let accounts: Vec<_> =
		(1..T::MaxValidators::get()).map(|_| T::BenchmarkHelper::candidate()).collect();
	let set = accounts
		.iter()
		.map(|who| (who.clone(), T::Departments::active_department_of(who).expect("a member")))
		.collect::<Vec<_>>();
	Validators::<T>::put(ValidatorsOf::<T>::try_from(set).expect("below MaxValidators"));
	accounts
}

#[benchmarks]
mod benchmarks {
	use super::*;

	#[benchmark]
	fn add_validator() -> Result<(), BenchmarkError> {
		let origin =
			T::GovernanceOrigin::try_successful_origin().map_err(|_| BenchmarkError::Weightless)?;
		fill::<T>();
		let who = T::BenchmarkHelper::candidate();

		#[extrinsic_call]
		_(origin as T::RuntimeOrigin, who.clone());

		assert_eq!(Validators::<T>::get().len() as u32, T::MaxValidators::get());
		assert!(PendingChange::<T>::get());
		Ok(())
	}

	#[benchmark]
	fn remove_validator() -> Result<(), BenchmarkError> {
		let origin =
			T::GovernanceOrigin::try_successful_origin().map_err(|_| BenchmarkError::Weightless)?;
		let accounts = fill::<T>();
		// The first is the worst case: every other entry moves.
		let who = accounts[0].clone();

		#[extrinsic_call]
		_(origin as T::RuntimeOrigin, who);

		assert_eq!(Validators::<T>::get().len() as u32, T::MaxValidators::get() - 2);
		Ok(())
	}

	impl_benchmark_test_suite!(Pallet, crate::mock::new_test_ext(), crate::mock::Test);
}
