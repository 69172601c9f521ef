//! Storage migrations.

use crate::{Config, DepartmentStatus, Departments, Pallet, StandingDepartments};
use frame_support::{
	migrations::VersionedMigration,
	traits::{Get, UncheckedOnRuntimeUpgrade},
	weights::Weight,
};

/// Version 0 to 1: counts the departments that are not retired into
/// [`StandingDepartments`], which the cap on departments now reads.
pub type MigrateToV1<T> = VersionedMigration<
	0,
	1,
	CountStandingDepartments<T>,
	Pallet<T>,
	<T as frame_system::Config>::DbWeight,
>;

/// The unversioned step of [`MigrateToV1`].
pub struct CountStandingDepartments<T>(core::marker::PhantomData<T>);

impl<T: Config> UncheckedOnRuntimeUpgrade for CountStandingDepartments<T> {
	fn on_runtime_upgrade() -> Weight {
		let mut read = 0u64;
		let mut standing = 0u32;
		for dept in Departments::<T>::iter_values() {
			read += 1;
			if dept.status != DepartmentStatus::Retired {
				standing += 1;
			}
		}
		StandingDepartments::<T>::put(standing);
		T::DbWeight::get().reads_writes(read, 1)
	}
}

#[cfg(test)]
mod tests {
	use super::*;
	use crate::mock::*;
	use frame_support::traits::{GetStorageVersion, OnRuntimeUpgrade, StorageVersion};

	#[test]
	fn counts_the_departments_not_retired_and_sets_the_version() {
		new_test_ext().execute_with(|| {
			let standing = StandingDepartments::<Test>::get();
			let first =
				crate::Departments::<Test>::iter_keys().next().expect("a genesis department");
			crate::Departments::<Test>::mutate(first, |d| {
				d.as_mut().expect("exists").status = DepartmentStatus::Retired
			});
			StandingDepartments::<Test>::kill();
			StorageVersion::new(0).put::<Pallet<Test>>();

			MigrateToV1::<Test>::on_runtime_upgrade();

			assert_eq!(StandingDepartments::<Test>::get(), standing - 1);
			assert_eq!(Pallet::<Test>::on_chain_storage_version(), 1);
		});
	}
}
