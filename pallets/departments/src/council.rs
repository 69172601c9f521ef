//! The council's seats: the delegates of the active departments, sorted.
//! This pallet is the only thing that changes the council's membership
//! ([`Config::Council`]); [`CouncilSeats`] keeps it as last set.

use crate::{Config, CouncilSeats, Departments, Error, Pallet};
use alloc::vec::Vec;
use frame_support::{
	pallet_prelude::*,
	traits::{ChangeMembers, InitializeMembers},
};

impl<T: Config> Pallet<T> {
	/// Seats the delegates of the active departments as the council's first
	/// members (at genesis).
	pub(crate) fn initialize_council() -> DispatchResult {
		let seats = Self::active_delegates()?;
		T::Council::initialize_members(&seats);
		CouncilSeats::<T>::put(seats);
		Ok(())
	}

	/// The sorted delegates of all active departments.
	pub(crate) fn active_delegates(
	) -> Result<BoundedVec<T::AccountId, T::MaxDepartments>, DispatchError> {
		let mut delegates: Vec<_> = Departments::<T>::iter_values()
			.filter(|d| d.status.is_active())
			.map(|d| d.delegate)
			.collect();
		delegates.sort();
		delegates.try_into().map_err(|_| Error::<T>::TooManyDepartments.into())
	}

	/// Moves one council seat: `incoming` joins, `outgoing` leaves.
	pub(crate) fn change_council(
		incoming: Option<&T::AccountId>,
		outgoing: Option<&T::AccountId>,
	) -> DispatchResult {
		let mut seats = CouncilSeats::<T>::get();
		if let Some(out) = outgoing {
			if let Ok(i) = seats.binary_search(out) {
				seats.remove(i);
			}
		}
		if let Some(new) = incoming {
			if let Err(i) = seats.binary_search(new) {
				seats.try_insert(i, new.clone()).map_err(|_| Error::<T>::TooManyDepartments)?;
			}
		}
		let incoming: Vec<_> = incoming.cloned().into_iter().collect();
		let outgoing: Vec<_> = outgoing.cloned().into_iter().collect();
		T::Council::change_members_sorted(&incoming, &outgoing, &seats);
		CouncilSeats::<T>::put(seats);
		Ok(())
	}
}
