//! The pallet's invariants, checked by `try-runtime` and by the unit
//! tests.

use crate::*;
use frame_support::pallet_prelude::*;

impl<T: Config> Pallet<T> {
	/// Checks the pallet's invariants: the stored entries chain from the
	/// pruning point to `Head`, and `Count` is one past the last.
	#[cfg(any(feature = "try-runtime", feature = "std"))]
	pub fn do_try_state() -> Result<(), sp_runtime::TryRuntimeError> {
		let stored = Entries::<T>::iter_keys().count() as u64;
		let pruned = Pruned::<T>::get();
		ensure!(stored == Count::<T>::get() - pruned.before, "count differs from the entries");
		match Self::verify(None, None).map_err(|_| "verification refused")? {
			Verification::Ok { head, .. } => {
				ensure!(head == Head::<T>::get(), "head differs from the last entry")
			},
			Verification::Empty => {
				ensure!(Head::<T>::get() == pruned.head, "head without entries")
			},
			Verification::Broken { .. } => return Err("the hash chain is broken".into()),
		}
		Ok(())
	}
}
