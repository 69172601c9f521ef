//! Benchmarks of the departments pallet, at worst-case sizes: longest name and
//! URI, and the most departments already registered (largest council).

use super::*;
use alloc::{vec, vec::Vec};
use frame_benchmarking::v2::*;
use frame_support::traits::{EnsureOrigin, Get};
use frame_system::RawOrigin;

fn max_name<T: Config>() -> Vec<u8> {
	vec![b'n'; T::MaxNameLength::get() as usize]
}

fn max_uri<T: Config>() -> Vec<u8> {
	vec![b'u'; T::MaxUriLength::get() as usize]
}

/// Fills the registry up to `MaxDepartments - 1` active departments, so that
/// the council is as large as it can be before the benchmarked call.
fn fill_departments<T: Config>() {
	let room = T::MaxDepartments::get().saturating_sub(1);
	for i in NextDepartmentId::<T>::get()..room {
		let admin: T::AccountId = account("filler", i, 0);
		Pallet::<T>::do_register_department(
			max_name::<T>(),
			DepartmentKind::Other,
			admin.clone(),
			Roles::only(Role::Admin),
			max_uri::<T>(),
		)
		.expect("room for filler departments");
		Pallet::<T>::change_council(Some(&admin), None).expect("room for filler seats");
	}
}

/// A department with a full-length name whose admin is returned.
fn department_with_admin<T: Config>() -> (DepartmentId, T::AccountId) {
	let admin: T::AccountId = account("admin", 0, 0);
	let id = Pallet::<T>::do_register_department(
		max_name::<T>(),
		DepartmentKind::Transport,
		admin.clone(),
		Roles::ALL,
		max_uri::<T>(),
	)
	.expect("room for the benchmark department");
	Pallet::<T>::change_council(Some(&admin), None).expect("room for the seat");
	(id, admin)
}

#[benchmarks]
mod benchmarks {
	use super::*;

	#[benchmark]
	fn register_department() -> Result<(), BenchmarkError> {
		fill_departments::<T>();
		let origin =
			T::GovernanceOrigin::try_successful_origin().map_err(|_| BenchmarkError::Weightless)?;
		let admin: T::AccountId = account("admin", 0, 0);
		let id = NextDepartmentId::<T>::get();

		#[extrinsic_call]
		_(
			origin as T::RuntimeOrigin,
			max_name::<T>(),
			DepartmentKind::Water,
			admin,
			max_uri::<T>(),
		);

		assert!(Departments::<T>::contains_key(id));
		Ok(())
	}

	#[benchmark]
	fn set_department_status() -> Result<(), BenchmarkError> {
		fill_departments::<T>();
		let (id, _) = department_with_admin::<T>();
		let origin =
			T::GovernanceOrigin::try_successful_origin().map_err(|_| BenchmarkError::Weightless)?;

		#[extrinsic_call]
		_(origin as T::RuntimeOrigin, id, DepartmentStatus::Retired);

		assert_eq!(Departments::<T>::get(id).map(|d| d.status), Some(DepartmentStatus::Retired));
		Ok(())
	}

	#[benchmark]
	fn add_member() {
		let (id, admin) = department_with_admin::<T>();
		let who: T::AccountId = account("member", 0, 0);

		#[extrinsic_call]
		_(RawOrigin::Signed(admin), who.clone(), Roles::ALL);

		assert_eq!(Members::<T>::get(&who).map(|r| r.department), Some(id));
	}

	#[benchmark]
	fn set_member_roles() {
		let (id, admin) = department_with_admin::<T>();
		let who: T::AccountId = account("member", 0, 0);
		Pallet::<T>::do_add_member(id, who.clone(), Roles::ALL).expect("room for a member");

		#[extrinsic_call]
		_(RawOrigin::Signed(admin), who.clone(), Roles::only(Role::Publisher));

		assert_eq!(Members::<T>::get(&who).map(|r| r.roles), Some(Roles::only(Role::Publisher)));
	}

	#[benchmark]
	fn remove_member() {
		let (id, admin) = department_with_admin::<T>();
		let who: T::AccountId = account("member", 0, 0);
		Pallet::<T>::do_add_member(id, who.clone(), Roles::ALL).expect("room for a member");

		#[extrinsic_call]
		_(RawOrigin::Signed(admin), who.clone());

		assert!(!Members::<T>::contains_key(&who));
	}

	#[benchmark]
	fn set_encryption_key() {
		let (id, admin) = department_with_admin::<T>();

		#[extrinsic_call]
		_(RawOrigin::Signed(admin), [7u8; 32]);

		assert_eq!(Departments::<T>::get(id).and_then(|d| d.encryption_key), Some([7u8; 32]));
	}

	#[benchmark]
	fn update_department() {
		fill_departments::<T>();
		let (id, admin) = department_with_admin::<T>();
		let delegate: T::AccountId = account("member", 0, 0);
		Pallet::<T>::do_add_member(id, delegate.clone(), Roles::NONE).expect("room for a member");

		#[extrinsic_call]
		_(
			RawOrigin::Signed(admin),
			Some(max_name::<T>()),
			Some(max_uri::<T>()),
			Some(delegate.clone()),
		);

		assert_eq!(Departments::<T>::get(id).map(|d| d.delegate), Some(delegate));
	}

	impl_benchmark_test_suite!(Pallet, crate::mock::new_test_ext(), crate::mock::Test);
}
