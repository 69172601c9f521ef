//! Storage migrations.

use crate::{Config, LiveContracts, LiveCount, Pallet};
use frame_support::{
	migrations::VersionedMigration,
	traits::{Get, UncheckedOnRuntimeUpgrade},
	weights::Weight,
};

/// Version 0 to 1: counts each dataset's live contracts into [`LiveCount`],
/// which bounds them now that department ids no longer do.
pub type MigrateToV1<T> = VersionedMigration<
	0,
	1,
	CountLiveContracts<T>,
	Pallet<T>,
	<T as frame_system::Config>::DbWeight,
>;

/// The unversioned step of [`MigrateToV1`].
pub struct CountLiveContracts<T>(core::marker::PhantomData<T>);

impl<T: Config> UncheckedOnRuntimeUpgrade for CountLiveContracts<T> {
	fn on_runtime_upgrade() -> Weight {
		let (mut read, mut written) = (0u64, 0u64);
		let _ = LiveCount::<T>::clear(u32::MAX, None);
		for (dataset, _, _) in LiveContracts::<T>::iter() {
			read += 1;
			written += 1;
			LiveCount::<T>::mutate(dataset, |n| *n += 1);
		}
		T::DbWeight::get().reads_writes(read, written)
	}
}

#[cfg(test)]
mod tests {
	use super::*;
	use crate::mock::*;
	use frame_support::{
		assert_ok,
		traits::{GetStorageVersion, OnRuntimeUpgrade, StorageVersion},
	};

	#[test]
	fn counts_the_live_contracts_of_each_dataset_and_sets_the_version() {
		new_test_ext().execute_with(|| {
			for who in [TRANSPORT_CLERK, ENVIRONMENT_CLERK] {
				assert_ok!(crate::Pallet::<Test>::request_access(
					RuntimeOrigin::signed(who),
					APPROVAL,
					b"x".to_vec(),
					TERM,
					None
				));
			}
			let _ = LiveCount::<Test>::clear(u32::MAX, None);
			StorageVersion::new(0).put::<Pallet<Test>>();

			MigrateToV1::<Test>::on_runtime_upgrade();

			assert_eq!(LiveCount::<Test>::get(APPROVAL), 2);
			assert_eq!(Pallet::<Test>::on_chain_storage_version(), 1);
			crate::Pallet::<Test>::do_try_state().unwrap();
		});
	}
}
