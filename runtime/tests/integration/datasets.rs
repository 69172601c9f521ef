//! The datasets and access pallets as the runtime wires them: roles from the
//! departments pallet, pages of a department's datasets, and a withdrawal or
//! a deadline reaching the access contracts.

use crate::*;

#[test]
fn publishers_register_datasets_with_roles_from_the_departments_pallet() {
	dev_ext().execute_with(|| {
		let eve = Sr25519Keyring::Eve;
		let department = Departments::membership(&eve.to_account_id()).unwrap().department;
		start_block();
		assert_ok!(Executive::apply_extrinsic(signed_by(
			&eve.pair(),
			register_dataset_call("Land use")
		))
		.unwrap());
		let record = pallet_datasets::Datasets::<Runtime>::get(0).unwrap();
		assert_eq!((record.owner, record.publisher.clone()), (department, eve.to_account_id()));
		assert_eq!(record.created.block, System::block_number());

		// Eve loses the Publisher role: her next registration fails by name.
		assert_ok!(Departments::set_member_roles(
			RuntimeOrigin::signed(Sr25519Keyring::Alice.to_account_id()),
			eve.to_account_id(),
			Roles::NONE
		));
		let outcome =
			Executive::apply_extrinsic(signed_by(&eve.pair(), register_dataset_call("Again")))
				.unwrap();
		assert_eq!(
			outcome.unwrap_err(),
			sp_runtime::DispatchError::from(pallet_datasets::Error::<Runtime>::NotPublisher)
		);
		assert_eq!(pallet_datasets::NextDatasetId::<Runtime>::get(), 1);
		pallet_datasets::Pallet::<Runtime>::do_try_state().unwrap();
	});
}

#[test]
fn a_departments_datasets_are_listed_through_the_runtime_in_pages() {
	dev_ext().execute_with(|| {
		start_block();
		let alice = Sr25519Keyring::Alice;
		for title in ["Land use", "Roads", "Parks"] {
			assert_ok!(Executive::apply_extrinsic(signed_by(
				&alice.pair(),
				register_dataset_call(title)
			))
			.unwrap());
		}
		let owner = pallet_datasets::Datasets::<Runtime>::get(0).unwrap().owner;
		let first = citychain_runtime::Datasets::datasets_of(owner, None, 2);
		assert_eq!(first.items.iter().map(|i| i.id).collect::<Vec<_>>(), vec![0, 1]);
		assert_eq!(first.items[1].dataset.title.to_vec(), b"Roads".to_vec());
		let rest = citychain_runtime::Datasets::datasets_of(owner, first.next, 2);
		assert_eq!(
			(rest.items.iter().map(|i| i.id).collect::<Vec<_>>(), rest.next),
			(vec![2], None)
		);
		assert!(citychain_runtime::Datasets::datasets_of(owner + 1, None, 2).items.is_empty());
	});
}

/// In a new block: Alice registers `call`'s dataset (id 0), Bob asks for it
/// and Alice approves (contract 0).
fn bob_holds_a_contract_on_alices(call: RuntimeCall) {
	let (alice, bob) = (Sr25519Keyring::Alice, Sr25519Keyring::Bob);
	start_block();
	assert_ok!(Executive::apply_extrinsic(signed_by(&alice.pair(), call)).unwrap());
	let request = RuntimeCall::Access(pallet_access::Call::request_access {
		dataset: 0,
		purpose: b"traffic model".to_vec(),
		term: 100,
		scope: None,
	});
	assert_ok!(Executive::apply_extrinsic(signed_by(&bob.pair(), request)).unwrap());
	let approve =
		RuntimeCall::Access(pallet_access::Call::approve_request { contract: 0, envelope: None });
	assert_ok!(Executive::apply_extrinsic(signed_by(&alice.pair(), approve)).unwrap());
	assert!(citychain_runtime::Access::check(&bob.to_account_id(), 0).allowed);
}

#[test]
fn withdrawing_a_dataset_revokes_its_contracts_through_the_runtime_wiring() {
	use citychain_primitives::access::ContractState;
	dev_ext().execute_with(|| {
		let (alice, bob) = (Sr25519Keyring::Alice, Sr25519Keyring::Bob);
		bob_holds_a_contract_on_alices(register_dataset_call("Land use"));

		let withdraw =
			RuntimeCall::Datasets(pallet_datasets::Call::withdraw_dataset { dataset: 0 });
		let info = withdraw.get_dispatch_info();
		let outcome = Executive::apply_extrinsic(signed_by(&alice.pair(), withdraw)).unwrap();
		assert_ok!(outcome);
		let contract = pallet_access::Contracts::<Runtime>::get(0).unwrap();
		assert_eq!(contract.state, ContractState::Revoked);
		assert!(!citychain_runtime::Access::check(&bob.to_account_id(), 0).allowed);
		assert!(info.call_weight.ref_time() > 0, "the withdrawal's weight covers the hook");
		pallet_access::Pallet::<Runtime>::do_try_state().unwrap();
	});
}

#[test]
fn contracts_on_an_earlier_version_end_in_the_block_that_withdraws_the_dataset() {
	use citychain_primitives::access::ContractState;
	dev_ext().execute_with(|| {
		let (alice, bob) = (Sr25519Keyring::Alice, Sr25519Keyring::Bob);
		let call = register_dataset_call("Land use");
		let RuntimeCall::Datasets(pallet_datasets::Call::register_dataset { content, .. }) = &call
		else {
			unreachable!()
		};
		let content = content.clone();
		bob_holds_a_contract_on_alices(call);
		let publish =
			pallet_datasets::Call::publish_version { dataset: 0, content, description: None };
		assert_ok!(Executive::apply_extrinsic(signed_by(
			&alice.pair(),
			RuntimeCall::Datasets(publish)
		))
		.unwrap());
		assert!(
			citychain_runtime::Access::check(&bob.to_account_id(), 0).allowed,
			"the old version's contract grants"
		);

		let withdraw =
			RuntimeCall::Datasets(pallet_datasets::Call::withdraw_dataset { dataset: 1 });
		assert_ok!(Executive::apply_extrinsic(signed_by(&alice.pair(), withdraw)).unwrap());
		assert!(
			!citychain_runtime::Access::check(&bob.to_account_id(), 0).allowed,
			"nothing granted from the withdrawal on"
		);
		// What `Executive::finalize_block` runs once the transactions are in.
		let remaining = citychain_runtime::configs::RuntimeBlockWeights::get()
			.max_block
			.saturating_sub(System::block_weight().total());
		<citychain_runtime::AllPalletsWithSystem as frame_support::traits::OnIdle<_>>::on_idle(
			System::block_number(),
			remaining,
		);
		assert_eq!(
			pallet_access::Contracts::<Runtime>::get(0).unwrap().state,
			ContractState::Revoked
		);
		assert!(pallet_access::WithdrawnVersions::<Runtime>::iter_keys().next().is_none());
		pallet_access::Pallet::<Runtime>::do_try_state().unwrap();
	});
}

#[test]
fn approved_contracts_expire_in_on_initialize() {
	use citychain_primitives::access::ContractState;
	dev_ext().execute_with(|| {
		let (alice, bob) = (Sr25519Keyring::Alice, Sr25519Keyring::Bob);
		start_block();
		let mut call = register_dataset_call("Open land use");
		if let RuntimeCall::Datasets(pallet_datasets::Call::register_dataset { policy, .. }) =
			&mut call
		{
			*policy = citychain_primitives::AccessPolicy::Open;
		}
		assert_ok!(Executive::apply_extrinsic(signed_by(&alice.pair(), call)).unwrap());
		let request = RuntimeCall::Access(pallet_access::Call::request_access {
			dataset: 0,
			purpose: b"traffic model".to_vec(),
			term: 2,
			scope: None,
		});
		assert_ok!(Executive::apply_extrinsic(signed_by(&bob.pair(), request)).unwrap());
		let expires_at = pallet_access::Contracts::<Runtime>::get(0).unwrap().expires_at.unwrap();
		while System::block_number() < expires_at {
			start_block();
		}
		assert_eq!(
			pallet_access::Contracts::<Runtime>::get(0).unwrap().state,
			ContractState::Expired
		);
	});
}
