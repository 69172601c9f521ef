//! A department's members: admitting them, changing their roles, removing
//! them, and reading who belongs where.

use crate::*;
use alloc::vec::Vec;
use frame_support::pallet_prelude::*;
use sp_runtime::Saturating;

impl<T: Config> Pallet<T> {
	/// The member record of `who` if `who` belongs to `department`.
	pub(crate) fn member_of(
		who: &T::AccountId,
		department: DepartmentId,
	) -> Result<MemberRecord, DispatchError> {
		Members::<T>::get(who)
			.filter(|r| r.department == department)
			.ok_or_else(|| Error::<T>::NotMemberOfDepartment.into())
	}

	/// Adds `who` to `department` with `roles`.
	pub(crate) fn do_add_member(
		department: DepartmentId,
		who: T::AccountId,
		roles: Roles,
	) -> DispatchResult {
		let mut dept = Self::department_record(department)?;
		ensure!(!Members::<T>::contains_key(&who), Error::<T>::AlreadyMember);
		ensure!(dept.members < T::MaxMembersPerDepartment::get(), Error::<T>::TooManyMembers);
		dept.members.saturating_inc();
		dept.count_role_change(Roles::NONE, roles);
		Departments::<T>::insert(department, dept);
		Self::insert_member(department, who, roles);
		Ok(())
	}

	/// Adds the member records and provides the account. The provider is
	/// never taken back (one per admission), so the account and its
	/// nonce outlive the membership.
	pub(crate) fn insert_member(department: DepartmentId, who: T::AccountId, roles: Roles) {
		frame_system::Pallet::<T>::inc_providers(&who);
		DepartmentMembers::<T>::insert(department, &who, ());
		Members::<T>::insert(who, MemberRecord { department, roles });
	}

	/// The members of a department with their roles (at most
	/// `MaxMembersPerDepartment`).
	pub fn members_of(department: DepartmentId) -> Vec<(T::AccountId, Roles)> {
		DepartmentMembers::<T>::iter_key_prefix(department)
			.filter_map(|who| Members::<T>::get(&who).map(|r| (who, r.roles)))
			.collect()
	}

	/// Replaces the roles of `who`, a member of `department`, keeping at
	/// least one Admin.
	pub(crate) fn do_set_member_roles(
		department: DepartmentId,
		who: &T::AccountId,
		roles: Roles,
	) -> DispatchResult {
		let mut record = Self::member_of(who, department)?;
		let mut dept = Self::department_record(department)?;
		ensure!(!dept.would_lose_last_admin(record.roles, roles), Error::<T>::LastAdmin);
		dept.count_role_change(record.roles, roles);
		record.roles = roles;
		Members::<T>::insert(who, record);
		Departments::<T>::insert(department, dept);
		Ok(())
	}

	/// Removes `who` from `department`, unless `who` is its delegate or its
	/// last Admin.
	pub(crate) fn do_remove_member(department: DepartmentId, who: &T::AccountId) -> DispatchResult {
		let record = Self::member_of(who, department)?;
		let mut dept = Self::department_record(department)?;
		ensure!(dept.delegate != *who, Error::<T>::MemberIsDelegate);
		ensure!(!dept.would_lose_last_admin(record.roles, Roles::NONE), Error::<T>::LastAdmin);
		dept.count_role_change(record.roles, Roles::NONE);
		dept.members.saturating_dec();
		Members::<T>::remove(who);
		DepartmentMembers::<T>::remove(department, who);
		Departments::<T>::insert(department, dept);
		Ok(())
	}
}
