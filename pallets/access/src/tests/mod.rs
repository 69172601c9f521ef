use crate::{
	mock::*, pallet::Contracts, AccessBasis, AccessPolicy, ContractId, ContractOf, ContractQuery,
	ContractQueryError, ContractState, DatasetRegistry, DatasetStatus, DeadlineCursor, Deadlines,
	Error, Event, LiveContracts, OnDatasetPolicyChanged, OnDatasetWithdrawn, Receipt, Scope,
	Sensitivity, TimeInterval, MAX_ENVELOPE_LEN, MAX_PURPOSE_LEN, MAX_REASON_LEN,
};
use citychain_primitives::{BoundingBox, DepartmentStatus};
use frame_support::{assert_noop, assert_ok};
use proptest::prelude::*;
use sp_runtime::DispatchError;

fn request(who: AccountId, dataset: u64) -> ContractId {
	let id = crate::NextContractId::<Test>::get();
	assert_ok!(Access::request_access(
		RuntimeOrigin::signed(who),
		dataset,
		b"road safety analysis".to_vec(),
		TERM,
		None,
	));
	id
}

fn contract(id: ContractId) -> ContractOf<Test> {
	Contracts::<Test>::get(id).expect("contract exists")
}

fn approve(who: AccountId, id: ContractId) -> sp_runtime::DispatchResult {
	Access::approve_request(RuntimeOrigin::signed(who), id, None)
}

fn check(who: AccountId, dataset: u64) -> (bool, AccessBasis) {
	let c = Access::check(&who, dataset);
	(c.allowed, c.basis)
}

fn try_state() {
	Access::do_try_state().unwrap();
}

mod approve_request;
mod confirm_receipt;
mod deadlines;
mod ending;
mod invariants;
mod request_access;
mod reseal_envelope;
mod rules;
mod withdrawal_and_checks;
