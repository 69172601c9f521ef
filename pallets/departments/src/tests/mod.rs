use crate::{
	mock::*, DepartmentMembers, Departments as DepartmentRecords, Error, Event, Members,
	NextDepartmentId, WeightInfo,
};
use citychain_primitives::{DepartmentDirectory, DepartmentKind, DepartmentStatus, Role, Roles};
use frame_support::{assert_noop, assert_ok};
use sp_runtime::DispatchError;

fn signed(who: AccountId) -> RuntimeOrigin {
	RuntimeOrigin::signed(who)
}

fn register(name: &[u8], kind: DepartmentKind, admin: AccountId) -> u32 {
	let id = NextDepartmentId::<Test>::get();
	assert_ok!(Departments::register_department(
		RuntimeOrigin::root(),
		name.to_vec(),
		kind,
		admin,
		b"https://city.example/dept".to_vec()
	));
	id
}

fn check_invariants() {
	crate::Pallet::<Test>::do_try_state().expect("invariants hold");
}

mod add_member;
mod allowance;
mod directory;
mod genesis;
mod register_department;
mod remove_member;
mod set_department_status;
mod set_encryption_key;
mod set_member_roles;
mod update_department;
