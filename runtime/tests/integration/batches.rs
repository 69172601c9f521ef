//! `Utility` batches: each call audited by its own pallet and spending the
//! department's allowance, and only calls whose pallets audit themselves.

use crate::*;

fn batch_all(calls: Vec<RuntimeCall>) -> RuntimeCall {
	RuntimeCall::Utility(pallet_utility::Call::batch_all { calls })
}

#[test]
fn a_publisher_registers_several_datasets_in_one_batch_each_audited() {
	dev_ext().execute_with(|| {
		let eve = Sr25519Keyring::Eve;
		start_block();
		let entries = pallet_audit::Count::<Runtime>::get();
		let calls = (0..3).map(|i| register_dataset_call(&format!("Sheet {i}"))).collect();
		assert_ok!(Executive::apply_extrinsic(signed_by(&eve.pair(), batch_all(calls))).unwrap());
		assert_eq!(pallet_datasets::NextDatasetId::<Runtime>::get(), 3);
		assert_eq!(pallet_audit::Count::<Runtime>::get(), entries + 3, "one entry per call");
		// all or nothing: one bad call and none is registered
		let mut bad = register_dataset_call("Bad");
		if let RuntimeCall::Datasets(pallet_datasets::Call::register_dataset {
			ref mut description,
			..
		}) = bad
		{
			description.title.clear();
		}
		let calls = vec![register_dataset_call("Good"), bad];
		let outcome = Executive::apply_extrinsic(signed_by(&eve.pair(), batch_all(calls))).unwrap();
		assert!(outcome.is_err());
		assert_eq!(pallet_datasets::NextDatasetId::<Runtime>::get(), 3);
		assert_eq!(pallet_audit::Count::<Runtime>::get(), entries + 3);
	});
}

#[test]
fn each_call_of_a_batch_spends_the_departments_allowance() {
	use citychain_runtime::permissioning::ALLOWANCE_SPENT;
	dev_ext().execute_with(|| {
		let eve = Sr25519Keyring::Eve;
		let department = Departments::membership(&eve.to_account_id()).unwrap().department;
		let allowance = pallet_departments::Allowance { transactions: 3, bytes: 100_000 };
		assert_ok!(Departments::set_allowance(RuntimeOrigin::root(), department, Some(allowance)));
		start_block();
		let spent =
			Err(TransactionValidityError::Invalid(InvalidTransaction::Custom(ALLOWANCE_SPENT)));
		let four = batch_all(vec![remark(); 4]);
		assert_eq!(validate(signed_by(&eve.pair(), four.clone())), spent);
		assert_eq!(Executive::apply_extrinsic(signed_by(&eve.pair(), four)).map(|_| ()), spent);
		let inner = RuntimeCall::Utility(pallet_utility::Call::batch { calls: vec![remark(); 2] });
		let nested = batch_all(vec![inner, remark()]);
		assert_ok!(Executive::apply_extrinsic(signed_by(&eve.pair(), nested)).unwrap());
		assert_eq!(Departments::allowance_left(department).0 .0, 0, "three calls spent three");
		assert_eq!(validate(signed_by(&eve.pair(), remark())), spent);
	});
}

#[test]
fn batches_carry_only_calls_their_pallets_audit() {
	dev_ext().execute_with(|| {
		let alice = Sr25519Keyring::Alice;
		// a council member's vote is audited by the transaction: not in a batch
		let vote = RuntimeCall::Council(pallet_collective::Call::vote {
			proposal: Default::default(),
			index: 0,
			approve: true,
		});
		let call =
			RuntimeCall::Utility(pallet_utility::Call::batch { calls: vec![remark(), vote] });
		assert_eq!(validate(signed_by(&alice.pair(), call)), refused_call());
		// nor a node owner's call that only Root may make
		let claim = RuntimeCall::NodeAuthorization(pallet_node_authorization::Call::claim_node {
			node: sp_core::OpaquePeerId(vec![1; 38]),
		});
		assert_eq!(validate(signed_by(&alice.pair(), batch_all(vec![claim]))), refused_call());
		// and no other Utility call: dispatching as another origin or account
		let derived = RuntimeCall::Utility(pallet_utility::Call::as_derivative {
			index: 0,
			call: Box::new(remark()),
		});
		assert_eq!(validate(signed_by(&alice.pair(), derived)), refused_call());
		assert_ok!(validate(signed_by(&alice.pair(), batch_all(vec![remark(), remark()]))));
	});
}

fn refused_call() -> Result<(), TransactionValidityError> {
	Err(TransactionValidityError::Invalid(InvalidTransaction::Call))
}
