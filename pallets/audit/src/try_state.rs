//! The pallet's invariants, checked by `try-runtime` and by the unit
//! tests.

use crate::*;
use frame_support::pallet_prelude::*;

impl<T: Config> Pallet<T> {
	/// Checks the pallet's invariants: the stored entries chain from the
	/// pruning point to `Head`, `Count` is one past the last, and the
	/// stored nodes give the root of [`Peaks`], whose size is `Count`.
	#[cfg(any(feature = "try-runtime", feature = "std"))]
	pub fn do_try_state() -> Result<(), sp_runtime::TryRuntimeError> {
		let stored = Entries::<T>::iter_keys().count() as u64;
		let pruned = Pruned::<T>::get();
		ensure!(stored == Count::<T>::get() - pruned.before, "count differs from the entries");
		let peaks = Peaks::<T>::get();
		ensure!(peaks.size() == Count::<T>::get(), "the range's size differs from the count");
		ensure!(
			Self::root(Some(peaks.size())) == Ok((peaks.size(), peaks.root())),
			"the stored nodes do not give the range's root"
		);
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
