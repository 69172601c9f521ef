//! The pallet's invariants, checked by `try-runtime` and by the unit
//! tests.

use crate::*;
use frame_support::pallet_prelude::*;

impl<T: Config> Pallet<T> {
	/// What holds after every block: no account validates twice, no
	/// department has two validators, and each validates for a
	/// department that exists.
	#[cfg(any(feature = "try-runtime", test))]
	pub fn do_try_state() -> Result<(), sp_runtime::TryRuntimeError> {
		let set = Validators::<T>::get();
		for (i, (who, department)) in set.iter().enumerate() {
			let later = &set[i + 1..];
			ensure!(!later.iter().any(|(w, _)| w == who), "an account validates twice");
			ensure!(!later.iter().any(|(_, d)| d == department), "a department has two validators");
			ensure!(
				T::Departments::department(*department).is_some(),
				"a validator's department does not exist"
			);
		}
		Ok(())
	}
}
