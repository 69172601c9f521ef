//! A contract's life after its request: granted, ended, or run out at a
//! deadline of the queue `on_initialize` works through; each step recorded
//! in the audit log.

use crate::*;
use alloc::vec::Vec;
use frame_support::pallet_prelude::*;
use frame_system::pallet_prelude::*;
use sp_runtime::Saturating;

impl<T: Config> Pallet<T> {
	/// Marks the contract Approved from `now` for its term and queues its
	/// expiry; returns the event to emit.
	pub(crate) fn grant(id: ContractId, c: &mut ContractOf<T>, now: BlockNumberFor<T>) -> Event<T> {
		let expires_at = now.saturating_add(c.term);
		c.state = ContractState::Approved;
		c.decided_at = Some(now);
		c.expires_at = Some(expires_at);
		Deadlines::<T>::insert(expires_at, id, ());
		Event::AccessApproved { contract: id, expires_at }
	}

	/// Records one audit entry for `contract`, whose details are the
	/// call's events, and deposits the events.
	pub(crate) fn emit(
		actor: Actor<T::AccountId>,
		department: Option<DepartmentId>,
		action: AuditAction,
		contract: ContractId,
		events: impl IntoIterator<Item = Event<T>>,
	) {
		T::Audit::record_events(
			actor,
			department,
			action,
			Subject::Contract(contract),
			events,
			Self::deposit_event,
		);
	}

	/// Records one audit entry of a governance decision on the terms
	/// (subject: the chain), whose details are its event, and deposits it.
	pub(crate) fn emit_governance(action: AuditAction, event: Event<T>) {
		T::Audit::record_events(
			Actor::Governance,
			None,
			action,
			Subject::Chain,
			[event],
			Self::deposit_event,
		);
	}

	/// Moves a live contract to the terminal `state` and drops it from
	/// the live index and the deadline queue.
	pub(crate) fn end(id: ContractId, c: &mut ContractOf<T>, state: ContractState) {
		let now = frame_system::Pallet::<T>::block_number();
		match c.state {
			ContractState::Requested => {
				Deadlines::<T>::remove(c.lapses_at, id);
				c.decided_at = Some(now);
			},
			_ => {
				if let Some(expires_at) = c.expires_at {
					Deadlines::<T>::remove(expires_at, id);
				}
			},
		}
		Self::unlist(c);
		c.state = state;
		c.ended_at = Some(now);
	}

	/// Drops an ending contract from its dataset's live contracts.
	fn unlist(c: &ContractOf<T>) {
		LiveContracts::<T>::remove(c.dataset, c.consumer);
		LiveCount::<T>::mutate_exists(c.dataset, |n| {
			*n = n.and_then(|n| n.checked_sub(1)).filter(|n| *n > 0)
		});
	}

	/// Lapses and expires the contracts whose deadlines have come, at most
	/// `MaxDeadlinesPerBlock` (counting the blocks it steps over); returns
	/// how many it processed and over how many blocks it stepped.
	pub(crate) fn process_deadlines(now: BlockNumberFor<T>) -> (u32, u32) {
		let mut budget = T::MaxDeadlinesPerBlock::get();
		let (mut processed, mut steps) = (0, 0);
		let mut cursor = DeadlineCursor::<T>::get();
		while cursor <= now && budget > 0 {
			let due: Vec<ContractId> =
				Deadlines::<T>::iter_key_prefix(cursor).take(budget as usize).collect();
			budget = budget.saturating_sub(due.len() as u32).saturating_sub(1);
			steps += 1;
			for id in &due {
				Deadlines::<T>::remove(cursor, id);
				Self::reach_deadline(*id, cursor);
			}
			processed += due.len() as u32;
			if Deadlines::<T>::iter_key_prefix(cursor).next().is_some() {
				break;
			}
			cursor.saturating_inc();
		}
		DeadlineCursor::<T>::put(cursor);
		(processed, steps)
	}

	fn reach_deadline(id: ContractId, at: BlockNumberFor<T>) {
		let Some(mut c) = Contracts::<T>::get(id) else { return };
		let (state, action, event) = match c.state {
			ContractState::Requested if c.lapses_at == at => (
				ContractState::Lapsed,
				AuditAction::RequestLapsed,
				Event::RequestLapsed { contract: id },
			),
			ContractState::Approved if c.expires_at == Some(at) => (
				ContractState::Expired,
				AuditAction::AccessExpired,
				Event::AccessExpired { contract: id },
			),
			_ => {
				frame_support::defensive!("a deadline of a contract that has none then");
				return;
			},
		};
		Self::unlist(&c);
		if state == ContractState::Lapsed {
			c.decided_at = Some(at);
		}
		c.state = state;
		c.ended_at = Some(at);
		Contracts::<T>::insert(id, c);
		Self::emit(Actor::System, None, action, id, [event]);
	}
}
