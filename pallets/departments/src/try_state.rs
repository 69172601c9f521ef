//! The pallet's invariants, checked by `try-runtime` and by the unit
//! tests.

use crate::*;
use frame_support::pallet_prelude::*;

impl<T: Config> Pallet<T> {
	/// Checks the pallet's invariants: member counts, admin counts,
	/// delegates and council seats agree with the records.
	#[cfg(any(feature = "try-runtime", feature = "std"))]
	pub fn do_try_state() -> Result<(), sp_runtime::TryRuntimeError> {
		use sp_runtime::traits::Zero;
		let mut standing = 0u32;
		for (id, dept) in Departments::<T>::iter() {
			if dept.status != DepartmentStatus::Retired {
				standing += 1;
			}
			ensure!(id < NextDepartmentId::<T>::get(), "department id not yet assigned");
			let members = Self::members_of(id);
			ensure!(members.len() as u32 == dept.members, "member count differs");
			let admins = members.iter().filter(|(_, r)| r.contains(Role::Admin)).count() as u32;
			ensure!(admins == dept.admins && !admins.is_zero(), "admin count differs or is 0");
			ensure!(
				members.iter().any(|(who, _)| *who == dept.delegate),
				"delegate is not a member"
			);
		}
		ensure!(standing == StandingDepartments::<T>::get(), "standing count differs");
		ensure!(standing <= T::MaxDepartments::get(), "too many departments");
		for (who, record) in Members::<T>::iter() {
			ensure!(
				DepartmentMembers::<T>::contains_key(record.department, &who),
				"member missing from its department's list"
			);
		}
		ensure!(CouncilSeats::<T>::get() == Self::active_delegates()?, "council seats differ");
		Ok(())
	}
}
