//! A department's lifecycle: registration, status changes, and changes of
//! its name, metadata URI, delegate or encryption key.

use crate::*;
use alloc::vec::Vec;
use frame_support::pallet_prelude::*;
use sp_runtime::Saturating;

impl<T: Config> Pallet<T> {
	fn bounded_name(name: Vec<u8>) -> Result<BoundedVec<u8, T::MaxNameLength>, DispatchError> {
		ensure!(!name.is_empty(), Error::<T>::EmptyName);
		name.try_into().map_err(|_| Error::<T>::NameTooLong.into())
	}

	fn bounded_uri(uri: Vec<u8>) -> Result<BoundedVec<u8, T::MaxUriLength>, DispatchError> {
		uri.try_into().map_err(|_| Error::<T>::UriTooLong.into())
	}

	/// Registers a department with `admin` as its first member and
	/// delegate, holding `admin_roles` (which include Admin); leaves the
	/// council to the caller.
	pub(crate) fn do_register_department(
		name: Vec<u8>,
		kind: DepartmentKind,
		admin: T::AccountId,
		admin_roles: Roles,
		metadata_uri: Vec<u8>,
	) -> Result<DepartmentId, DispatchError> {
		let name = Self::bounded_name(name)?;
		let metadata_uri = Self::bounded_uri(metadata_uri)?;
		let standing = StandingDepartments::<T>::get();
		ensure!(standing < T::MaxDepartments::get(), Error::<T>::TooManyDepartments);
		ensure!(!Members::<T>::contains_key(&admin), Error::<T>::AlreadyMember);
		let id = NextDepartmentId::<T>::get();
		let registered_at = frame_system::Pallet::<T>::block_number();
		Departments::<T>::insert(
			id,
			Department::new(name, kind, admin.clone(), metadata_uri, registered_at),
		);
		Self::insert_member(id, admin, admin_roles);
		NextDepartmentId::<T>::put(id.saturating_add(1));
		StandingDepartments::<T>::put(standing.saturating_add(1));
		Ok(id)
	}

	/// Moves `department` to `status`, moving its delegate's council seat
	/// and telling [`Config::OnStatusChanged`] when it starts or stops being
	/// active; returns whether it did.
	pub(crate) fn do_set_department_status(
		department: DepartmentId,
		status: DepartmentStatus,
	) -> Result<bool, DispatchError> {
		let mut dept = Departments::<T>::get(department).ok_or(Error::<T>::UnknownDepartment)?;
		ensure!(dept.status.can_transition_to(&status), Error::<T>::InvalidStatusTransition);
		match (dept.status.is_active(), status.is_active()) {
			(true, false) => Self::change_council(None, Some(&dept.delegate))?,
			(false, true) => Self::change_council(Some(&dept.delegate), None)?,
			_ => {},
		}
		let moves_seat = dept.status.is_active() != status.is_active();
		if moves_seat {
			T::OnStatusChanged::on_status_changed(department, status.is_active())?;
		}
		if status == DepartmentStatus::Retired {
			StandingDepartments::<T>::mutate(|n| n.saturating_dec());
		}
		dept.status = status;
		Departments::<T>::insert(department, dept);
		Ok(moves_seat)
	}

	/// Changes the fields of `department` that are given and differ; a new
	/// delegate, a member of the department, takes the council seat.
	/// Returns whether the name or URI changed, and the new delegate.
	pub(crate) fn do_update_department(
		department: DepartmentId,
		name: Option<Vec<u8>>,
		metadata_uri: Option<Vec<u8>>,
		delegate: Option<T::AccountId>,
	) -> Result<(bool, Option<T::AccountId>), DispatchError> {
		ensure!(
			name.is_some() || metadata_uri.is_some() || delegate.is_some(),
			Error::<T>::NothingToUpdate
		);
		let mut dept = Self::department_record(department)?;
		let name = name.map(Self::bounded_name).transpose()?;
		let metadata_uri = metadata_uri.map(Self::bounded_uri).transpose()?;
		let new_delegate = match delegate {
			Some(d) if d != dept.delegate => {
				Self::member_of(&d, department).map_err(|_| Error::<T>::DelegateNotMember)?;
				Some(d)
			},
			_ => None,
		};
		let describes = name.is_some() || metadata_uri.is_some();
		ensure!(describes || new_delegate.is_some(), Error::<T>::NothingToUpdate);
		if let Some(name) = name {
			dept.name = name;
		}
		if let Some(uri) = metadata_uri {
			dept.metadata_uri = uri;
		}
		if let Some(d) = &new_delegate {
			Self::change_council(Some(d), Some(&dept.delegate))?;
			dept.delegate = d.clone();
		}
		Departments::<T>::insert(department, dept);
		Ok((describes, new_delegate))
	}

	/// Publishes `key` as the x25519 key of `department`.
	pub(crate) fn do_set_encryption_key(
		department: DepartmentId,
		key: EncryptionKey,
	) -> DispatchResult {
		ensure!(
			citychain_primitives::departments::is_valid_encryption_key(&key),
			Error::<T>::InvalidEncryptionKey
		);
		Departments::<T>::try_mutate(department, |dept| -> DispatchResult {
			let dept = dept.as_mut().ok_or(Error::<T>::UnknownDepartment)?;
			dept.encryption_key = Some(key);
			Ok(())
		})
	}
}
