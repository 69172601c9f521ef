//! Benchmarks of the access pallet at worst-case sizes: a request evaluated
//! under the largest policy (every rule's every constraint, 64 purposes, 64
//! jurisdictions of 256 vertices) for the costliest area (a line) with the
//! longest purpose, the longest reason and
//! envelope, the final approval of a Restricted request (which swaps
//! deadlines), a recorded mismatch, full deadline, withdrawal and delivery
//! batches, and jurisdictions of up to 256 vertices.

use super::*;
use crate::rules::benchmarking::{bowl, largest_policy, largest_purpose};
use alloc::{vec, vec::Vec};
use citychain_primitives::{
	access::DatasetsBenchmarkHelper,
	terms::{MAX_LABEL_LEN, MAX_PURPOSE_CODE_LEN, MAX_RULES, MAX_VERTICES},
	DepartmentKind, DepartmentsBenchmarkHelper, Roles,
};
use frame_benchmarking::v2::*;
use frame_support::traits::{Get, Hooks};
use frame_system::{pallet_prelude::BlockNumberFor, RawOrigin};
use sp_runtime::BoundedVec;

/// The provider (Publisher and Approver), a consumer with a published key, and
/// a regulator Approver, each of a new department, in block 1.
fn parties<T: Config>() -> (T::AccountId, T::AccountId, T::AccountId) {
	frame_system::Pallet::<T>::set_block_number(1u32.into());
	let provider = T::BenchmarkHelper::new_member(
		DepartmentKind::Planning,
		Roles::only(Role::Publisher).with(Role::Approver),
	);
	let consumer = T::BenchmarkHelper::new_member(DepartmentKind::Transport, Roles::NONE);
	T::BenchmarkHelper::set_encryption_key(&consumer, [7; 32]);
	let regulator =
		T::BenchmarkHelper::new_member(DepartmentKind::Regulator, Roles::only(Role::Approver));
	(provider, consumer, regulator)
}

fn term<T: Config>() -> BlockNumberFor<T> {
	T::MaxTerm::get()
}

fn requested<T: Config>(consumer: &T::AccountId, dataset: DatasetId) -> ContractId {
	let id = NextContractId::<T>::get();
	Pallet::<T>::request_access(
		RawOrigin::Signed(consumer.clone()).into(),
		dataset,
		vec![b'p'; MAX_PURPOSE_LEN as usize],
		term::<T>(),
		None,
	)
	.expect("a valid request");
	id
}

fn approved<T: Config>(provider: &T::AccountId, consumer: &T::AccountId) -> ContractId {
	let dataset = T::BenchmarkHelper::new_dataset(provider, AccessPolicy::ApprovalRequired);
	let id = requested::<T>(consumer, dataset);
	Pallet::<T>::approve_request(RawOrigin::Signed(provider.clone()).into(), id, None)
		.expect("the provider approves");
	id
}

fn reason() -> Vec<u8> {
	vec![b'r'; MAX_REASON_LEN as usize]
}

#[benchmarks]
mod benchmarks {
	use super::*;

	#[benchmark]
	fn request_access() {
		let (provider, consumer, _) = parties::<T>();
		let dataset = T::BenchmarkHelper::new_dataset(&provider, AccessPolicy::Open);
		let department = T::Departments::active_department_of(&consumer).expect("a member");
		T::BenchmarkHelper::set_rules(&provider, dataset, largest_policy::<T>(department));
		let extent = T::Datasets::dataset(dataset).expect("registered").bbox;
		let scope = Pallet::<T>::costliest_scope(&extent);

		#[extrinsic_call]
		_(RawOrigin::Signed(consumer), dataset, largest_purpose(), term::<T>(), Some(scope));

		assert_eq!(Contracts::<T>::get(0).map(|c| c.state), Some(ContractState::Approved));
		assert_eq!(Terms::<T>::get(0).map(|t| t.rule), Some(MAX_RULES - 1));
	}

	#[benchmark]
	fn approve_request() {
		let (provider, consumer, regulator) = parties::<T>();
		let dataset = T::BenchmarkHelper::new_dataset(&provider, AccessPolicy::Restricted);
		let id = requested::<T>(&consumer, dataset);
		Pallet::<T>::approve_request(RawOrigin::Signed(regulator).into(), id, None)
			.expect("the regulator approves");

		#[extrinsic_call]
		_(RawOrigin::Signed(provider), id, Some(vec![1; MAX_ENVELOPE_LEN as usize]));

		assert_eq!(Contracts::<T>::get(id).map(|c| c.state), Some(ContractState::Approved));
	}

	#[benchmark]
	fn reject_request() {
		let (provider, consumer, _) = parties::<T>();
		let dataset = T::BenchmarkHelper::new_dataset(&provider, AccessPolicy::ApprovalRequired);
		let id = requested::<T>(&consumer, dataset);

		#[extrinsic_call]
		_(RawOrigin::Signed(provider), id, reason());

		assert_eq!(Contracts::<T>::get(id).map(|c| c.state), Some(ContractState::Rejected));
	}

	#[benchmark]
	fn cancel_request() {
		let (provider, consumer, _) = parties::<T>();
		let dataset = T::BenchmarkHelper::new_dataset(&provider, AccessPolicy::ApprovalRequired);
		let id = requested::<T>(&consumer, dataset);

		#[extrinsic_call]
		_(RawOrigin::Signed(consumer), id);

		assert_eq!(Contracts::<T>::get(id).map(|c| c.state), Some(ContractState::Cancelled));
	}

	#[benchmark]
	fn revoke_access() {
		let (provider, consumer, regulator) = parties::<T>();
		let id = approved::<T>(&provider, &consumer);

		#[extrinsic_call]
		_(RawOrigin::Signed(regulator), id, reason());

		assert_eq!(Contracts::<T>::get(id).map(|c| c.state), Some(ContractState::Revoked));
	}

	#[benchmark]
	fn relinquish_access() {
		let (provider, consumer, _) = parties::<T>();
		let id = approved::<T>(&provider, &consumer);

		#[extrinsic_call]
		_(RawOrigin::Signed(consumer), id);

		assert_eq!(Contracts::<T>::get(id).map(|c| c.state), Some(ContractState::Relinquished));
	}

	#[benchmark]
	fn confirm_receipt() {
		let (provider, consumer, _) = parties::<T>();
		let id = approved::<T>(&provider, &consumer);
		let code = T::Datasets::dataset(0).map(|d| d.content_hash.code).unwrap_or_default();
		let len = HashFunction::from_code(code).map(|f| f.digest_len()).unwrap_or_default();

		#[extrinsic_call]
		_(RawOrigin::Signed(consumer), id, code, vec![0; len]);

		assert!(matches!(Contracts::<T>::get(id).map(|c| c.receipt), Some(Receipt::Mismatch(_))));
	}

	/// The longest envelope replaces the longest envelope.
	#[benchmark]
	fn reseal_envelope() {
		let (provider, consumer, _) = parties::<T>();
		let dataset = T::BenchmarkHelper::new_dataset(&provider, AccessPolicy::ApprovalRequired);
		let id = requested::<T>(&consumer, dataset);
		let longest = |byte| vec![byte; MAX_ENVELOPE_LEN as usize];
		Pallet::<T>::approve_request(
			RawOrigin::Signed(provider.clone()).into(),
			id,
			Some(longest(1)),
		)
		.expect("the provider approves with an envelope");

		#[extrinsic_call]
		_(RawOrigin::Signed(provider), id, longest(2));

		let envelope = Contracts::<T>::get(id).and_then(|c| c.envelope).map(|e| e.into_inner());
		assert_eq!(envelope, Some(longest(2)));
	}

	/// `n` contracts expire in the same block.
	#[benchmark]
	fn process_deadlines(n: Linear<0, { T::MaxDeadlinesPerBlock::get() }>) {
		let (provider, consumer, _) = parties::<T>();
		for _ in 0..n {
			approved::<T>(&provider, &consumer);
		}
		let due = frame_system::Pallet::<T>::block_number() + term::<T>();
		DeadlineCursor::<T>::put(due);
		frame_system::Pallet::<T>::set_block_number(due);

		#[block]
		{
			Pallet::<T>::on_initialize(due);
		}

		assert_eq!(Deadlines::<T>::iter().count(), 0);
	}

	/// A withdrawn dataset with `n` live contracts of `n` consumers (up to 32;
	/// the weight is linear in them beyond).
	#[benchmark]
	fn revoke_by_registry(n: Linear<0, { T::MaxDepartments::get().min(32) }>) {
		let (provider, _, _) = parties::<T>();
		let dataset = T::BenchmarkHelper::new_dataset(&provider, AccessPolicy::Open);
		for _ in 0..n {
			let consumer = T::BenchmarkHelper::new_member(DepartmentKind::Other, Roles::NONE);
			requested::<T>(&consumer, dataset);
		}

		#[block]
		{
			<Pallet<T> as OnDatasetWithdrawn>::on_dataset_withdrawn(dataset);
		}

		assert_eq!(LiveContracts::<T>::iter_prefix(dataset).count(), 0);
	}

	/// A new purpose with the longest code and label.
	#[benchmark]
	fn set_purpose() {
		let code = vec![b'p'; MAX_PURPOSE_CODE_LEN as usize];

		#[extrinsic_call]
		_(RawOrigin::Root, code.clone(), vec![b'l'; MAX_LABEL_LEN as usize]);

		assert!(Purposes::<T>::contains_key(PurposeCode::truncate_from(code)));
	}

	/// Removing a purpose of the longest code and label.
	#[benchmark]
	fn remove_purpose() {
		let code = vec![b'p'; MAX_PURPOSE_CODE_LEN as usize];
		Pallet::<T>::set_purpose(
			RawOrigin::Root.into(),
			code.clone(),
			vec![b'l'; MAX_LABEL_LEN as usize],
		)
		.expect("a valid purpose");

		#[extrinsic_call]
		_(RawOrigin::Root, code.clone());

		assert!(!Purposes::<T>::contains_key(PurposeCode::truncate_from(code)));
	}

	/// A jurisdiction of `v` vertices, checked for self-intersection.
	#[benchmark]
	fn register_jurisdiction(v: Linear<3, MAX_VERTICES>) {
		let ring = bowl(v, (100, 120), (30, 35, 50));

		#[extrinsic_call]
		_(RawOrigin::Root, vec![b'l'; MAX_LABEL_LEN as usize], ring);

		assert_eq!(Jurisdictions::<T>::count(), 1);
	}

	/// Removing a jurisdiction of the most vertices and the longest label.
	#[benchmark]
	fn remove_jurisdiction() {
		let ring = bowl(MAX_VERTICES, (100, 120), (30, 35, 50));
		Pallet::<T>::register_jurisdiction(
			RawOrigin::Root.into(),
			vec![b'l'; MAX_LABEL_LEN as usize],
			ring,
		)
		.expect("a valid jurisdiction");
		let id = NextJurisdictionId::<T>::get() - 1;

		#[extrinsic_call]
		_(RawOrigin::Root, id);

		assert_eq!(Jurisdictions::<T>::count(), 0);
	}

	/// `n` deliveries, one each under `n` contracts.
	#[benchmark]
	fn record_deliveries(n: Linear<1, MAX_DELIVERY_BATCH>) {
		let (provider, consumer, _) = parties::<T>();
		let batch: Vec<(ContractId, u32)> =
			(0..n).map(|_| (approved::<T>(&provider, &consumer), 1)).collect();

		#[extrinsic_call]
		_(RawOrigin::Signed(provider), BoundedVec::truncate_from(batch));

		assert_eq!(Terms::<T>::get(0).map(|t| t.used), Some(1));
	}

	impl_benchmark_test_suite!(Pallet, crate::mock::new_test_ext(), crate::mock::Test);
}
