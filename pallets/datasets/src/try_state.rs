//! The pallet's invariants, checked by `try-runtime` and after every unit
//! test.

use crate::*;
use frame_support::pallet_prelude::*;

impl<T: Config> Pallet<T> {
	/// Checks the pallet's invariants: every record is filed under its
	/// owner, and version links agree both ways.
	#[cfg(any(feature = "try-runtime", feature = "std"))]
	pub fn do_try_state() -> Result<(), sp_runtime::TryRuntimeError> {
		let mut records = 0u64;
		for (id, d) in Datasets::<T>::iter() {
			records += 1;
			ensure!(id < NextDatasetId::<T>::get(), "dataset id not yet assigned");
			ensure!(owners::contains::<T>(d.owner, id), "dataset not filed under its owner");
			ensure!(d.sensitivity.allows(d.policy), "open policy on sensitive data");
			ensure!(
				d.uri.is_empty() || citychain_primitives::datasets::is_web_url(&d.uri),
				"a location that is not an http(s) URL"
			);
			ensure!(
				d.license
					.as_ref()
					.and_then(|l| l.url.as_ref())
					.is_none_or(|u| { citychain_primitives::datasets::is_web_url(u) }),
				"a licence URL that is not http(s)"
			);
			if let Some(s) = d.successor {
				let next = Datasets::<T>::get(s).ok_or("successor missing")?;
				ensure!(next.predecessor == Some(id), "successor does not point back");
				ensure!(next.version == d.version + 1, "versions not consecutive");
				ensure!(
					matches!(d.status, DatasetStatus::Superseded | DatasetStatus::Withdrawn),
					"replaced record not superseded"
				);
			}
			if let Some(p) = d.predecessor {
				let previous = Datasets::<T>::get(p).ok_or("predecessor missing")?;
				ensure!(previous.successor == Some(id), "predecessor does not point forward");
			}
		}
		ensure!(records == NextDatasetId::<T>::get(), "a dataset record is missing");
		ensure!(OwnerIndex::<T>::iter_keys().count() as u64 == records, "owner index size differs");
		Ok(())
	}
}
