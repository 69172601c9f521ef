//! Storage migrations.

use crate::{Config, DepartmentStatus, Departments, Pallet, Spent, StandingDepartments, Usage};
use codec::{Decode, Encode};
use frame_support::{
	migrations::VersionedMigration,
	traits::{Get, UncheckedOnRuntimeUpgrade},
	weights::Weight,
};
use sp_runtime::SaturatedConversion;

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

/// Version 1 to 2: [`Spent`] keeps each department's spending per slot of
/// the period instead of per fixed period.
pub type MigrateToV2<T> =
	VersionedMigration<1, 2, SpendPerSlot<T>, Pallet<T>, <T as frame_system::Config>::DbWeight>;

/// What [`Spent`] held until version 2: a department's spending in one
/// fixed period (the block number divided by the period's length).
#[derive(Encode, Decode)]
pub struct UsageV1 {
	pub period: u32,
	pub transactions: u32,
	pub bytes: u32,
}

/// The unversioned step of [`MigrateToV2`]: what a department spent in the
/// current period counts in the current slot, so the upgrade gives no
/// department its allowance again; an older period's spending is dropped.
pub struct SpendPerSlot<T>(core::marker::PhantomData<T>);

impl<T: Config> UncheckedOnRuntimeUpgrade for SpendPerSlot<T> {
	fn on_runtime_upgrade() -> Weight {
		let now: u32 = frame_system::Pallet::<T>::block_number().saturated_into();
		let period = now / T::AllowancePeriod::get().max(1);
		let slot = Pallet::<T>::current_slot();
		let mut moved = 0u64;
		Spent::<T>::translate::<UsageV1, _>(|_, old| {
			moved += 1;
			(old.period == period).then(|| {
				let mut usage = Usage { slot, ..Default::default() };
				usage.spend(old.transactions, old.bytes);
				usage
			})
		});
		T::DbWeight::get().reads_writes(moved, moved)
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

	#[test]
	fn spending_of_the_current_period_counts_in_the_current_slot() {
		new_test_ext().execute_with(|| {
			let now = ALLOWANCE_PERIOD * 7 + 3;
			System::set_block_number(now.into());
			let old = |period, transactions| UsageV1 { period, transactions, bytes: 10 };
			let key = |department: u32| Spent::<Test>::hashed_key_for(department);
			frame_support::storage::unhashed::put(&key(PLANNING), &old(7, 2));
			frame_support::storage::unhashed::put(&key(1), &old(6, 3));
			StorageVersion::new(1).put::<Pallet<Test>>();

			MigrateToV2::<Test>::on_runtime_upgrade();

			let (left, allowance) = Pallet::<Test>::allowance_left(PLANNING);
			assert_eq!(left, (allowance.transactions - 2, allowance.bytes - 10));
			assert!(!Spent::<Test>::contains_key(1), "an older period's spending is dropped");
			assert_eq!(Pallet::<Test>::on_chain_storage_version(), 2);
		});
	}
}
