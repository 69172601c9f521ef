//! Permissioned transactions at the pool (`validate_transaction`) and at
//! inclusion (`apply_extrinsic`): membership, mortality, nonces, the
//! departments' allowances, and free transactions for members.

use crate::*;

#[test]
fn pool_accepts_members_and_refuses_non_members() {
	dev_ext().execute_with(|| {
		assert_ok!(validate(signed_by(&Sr25519Keyring::Eve.pair(), remark())));
		assert_eq!(validate(signed_by(&Sr25519Keyring::Ferdie.pair(), remark())), refused());
		// an account nobody knows, without funds
		let stranger = sr25519::Pair::from_string("//Stranger", None).unwrap();
		assert_eq!(validate(signed_by(&stranger, remark())), refused());
	});
}

#[test]
fn pool_refuses_immortal_and_long_lived_transactions() {
	dev_ext().execute_with(|| {
		let too_long = Err(TransactionValidityError::Invalid(InvalidTransaction::Custom(
			citychain_runtime::permissioning::TOO_LONG_LIVED,
		)));
		let alice = Sr25519Keyring::Alice.pair();
		assert_eq!(validate(signed_in(&alice, remark(), Era::Immortal)), too_long);
		assert_eq!(validate(signed_in(&alice, remark(), Era::mortal(512, 0))), too_long);
		assert_ok!(validate(signed_in(&alice, remark(), Era::mortal(256, 0))));
	});
}

#[test]
fn members_cannot_claim_nodes_or_add_connections() {
	dev_ext().execute_with(|| {
		use pallet_node_authorization::Call as Nodes;
		let peer = || sp_core::OpaquePeerId(vec![7; 38]);
		let calls = [
			Nodes::claim_node { node: peer() },
			Nodes::add_connections {
				node: peer(),
				connections: vec![sp_core::OpaquePeerId(vec![8; 1_000])],
			},
			Nodes::remove_connections { node: peer(), connections: vec![peer()] },
			Nodes::transfer_node {
				node: peer(),
				owner: Sr25519Keyring::Bob.to_account_id().into(),
			},
			Nodes::remove_claim { node: peer() },
		];
		for call in calls {
			let xt = signed_by(&Sr25519Keyring::Alice.pair(), RuntimeCall::NodeAuthorization(call));
			assert_eq!(
				validate(xt),
				Err(TransactionValidityError::Invalid(InvalidTransaction::Call))
			);
		}
		// nor through a council motion: only Root (governance's dispatchAsRoot)
		let claim = RuntimeCall::NodeAuthorization(Nodes::claim_node { node: peer() });
		let origin = RuntimeOrigin::signed(Sr25519Keyring::Alice.to_account_id());
		assert!(!frame_support::traits::OriginTrait::filter_call(&origin, &claim));
	});
}

#[test]
fn a_member_with_session_keys_is_removed_and_its_old_transactions_stay_invalid() {
	let mut ext = dev_ext();
	ext.register_extension(sp_keystore::KeystoreExt::new(
		sp_keystore::testing::MemoryKeystore::new(),
	));
	ext.execute_with(|| {
		let eve = Sr25519Keyring::Eve;
		let alice = Sr25519Keyring::Alice.to_account_id();
		// Eve signs a transaction, it is included, then she registers keys
		start_block();
		let old = signed_by(&eve.pair(), remark());
		assert_ok!(Executive::apply_extrinsic(old.clone()).unwrap());
		let generated = citychain_runtime::SessionKeys::generate(
			&eve.to_account_id().encode(),
			Some(b"//Eve".to_vec()),
		);
		assert_ok!(citychain_runtime::Session::set_keys(
			RuntimeOrigin::signed(eve.to_account_id()),
			generated.keys,
			generated.proof.encode(),
		));
		assert!(System::consumers(&eve.to_account_id()) > 0, "keys make the account a consumer");
		assert_ok!(Departments::remove_member(
			RuntimeOrigin::signed(alice.clone()),
			eve.to_account_id()
		));
		assert!(Departments::membership(&eve.to_account_id()).is_none());
		// readmitted, her nonce is where it was: the old bytes stay invalid
		assert_ok!(Departments::add_member(
			RuntimeOrigin::signed(alice),
			eve.to_account_id(),
			Roles::only(Role::Publisher)
		));
		assert_eq!(System::account_nonce(eve.to_account_id()), 1, "the included remark");
		assert_eq!(
			validate(old),
			Err(TransactionValidityError::Invalid(InvalidTransaction::Stale))
		);
	});
}

#[test]
fn a_departments_allowance_bounds_it_at_the_pool_and_in_blocks_and_lowers_its_priority() {
	use citychain_runtime::permissioning::ALLOWANCE_SPENT;
	dev_ext().execute_with(|| {
		let (bob, charlie) = (Sr25519Keyring::Bob, Sr25519Keyring::Charlie);
		let transport = Departments::membership(&bob.to_account_id()).unwrap().department;
		let allowance = pallet_departments::Allowance { transactions: 2, bytes: 10_000 };
		assert_ok!(Departments::set_allowance(RuntimeOrigin::root(), transport, Some(allowance)));
		start_block();
		let full = validity(signed_by(&bob.pair(), remark())).unwrap().priority;
		assert_ok!(Executive::apply_extrinsic(signed_by(&bob.pair(), remark())).unwrap());
		let half = validity(signed_by(&bob.pair(), remark())).unwrap().priority;
		assert!(half < full, "a department that spent more goes behind: {half} < {full}");
		assert!(validity(signed_by(&charlie.pair(), remark())).unwrap().priority > half);
		assert_ok!(Executive::apply_extrinsic(signed_by(&bob.pair(), remark())).unwrap());
		let spent =
			Err(TransactionValidityError::Invalid(InvalidTransaction::Custom(ALLOWANCE_SPENT)));
		assert_eq!(validate(signed_by(&bob.pair(), remark())), spent);
		assert_eq!(Executive::apply_extrinsic(signed_by(&bob.pair(), remark())).map(|_| ()), spent);
		// the others go on
		assert_ok!(Executive::apply_extrinsic(signed_by(&charlie.pair(), remark())).unwrap());
		// bytes count too: a transaction longer than what is left
		let environment = Departments::membership(&charlie.to_account_id()).unwrap().department;
		let small = pallet_departments::Allowance { transactions: 100, bytes: 500 };
		assert_ok!(Departments::set_allowance(RuntimeOrigin::root(), environment, Some(small)));
		let long = RuntimeCall::System(frame_system::Call::remark { remark: vec![7; 600] });
		assert_eq!(validate(signed_by(&charlie.pair(), long)), spent);
	});
}

#[test]
fn a_departments_members_share_what_its_allowance_has_left_while_they_wait_in_the_pool() {
	use citychain_runtime::permissioning::ALLOWANCE_SPENT;
	dev_ext().execute_with(|| {
		let (bob, charlie) = (Sr25519Keyring::Bob.pair(), Sr25519Keyring::Charlie.pair());
		let transport = Departments::membership(&bob.public().into()).unwrap().department;
		let allowance = pallet_departments::Allowance { transactions: 12, bytes: 100_000 };
		assert_ok!(Departments::set_allowance(RuntimeOrigin::root(), transport, Some(allowance)));
		let members = pallet_departments::Departments::<Runtime>::get(transport).unwrap().members;
		let share = 12 / members;
		assert!(share > 1, "the dev chain's Transport has {members} members");
		let ahead = |n| signed_with(&bob, remark(), default_era(), n);
		let priority = |n| validity(ahead(n)).unwrap().priority;
		assert!(priority(1) < priority(0), "a sender's later transaction stands behind");
		let charlies_next = validity(signed_by(&charlie, remark())).unwrap().priority;
		assert!(priority(share - 1) < charlies_next, "and behind other departments' next ones");
		assert_eq!(
			validate(ahead(share)),
			Err(TransactionValidityError::Invalid(InvalidTransaction::Custom(ALLOWANCE_SPENT))),
			"past the member's share of what is left"
		);
	});
}

#[test]
fn a_sender_may_have_at_most_its_window_of_transactions_waiting() {
	use citychain_runtime::permissioning::{MAX_PENDING_PER_SENDER, TOO_FAR_AHEAD};
	dev_ext().execute_with(|| {
		let alice = Sr25519Keyring::Alice.pair();
		let ahead = |n| signed_with(&alice, remark(), default_era(), n);
		assert_ok!(validate(ahead(MAX_PENDING_PER_SENDER)));
		assert_eq!(
			validate(ahead(MAX_PENDING_PER_SENDER + 1)),
			Err(TransactionValidityError::Invalid(InvalidTransaction::Custom(TOO_FAR_AHEAD)))
		);
	});
}

#[test]
fn inclusion_refuses_non_members_too() {
	dev_ext().execute_with(|| {
		start_block();
		assert_eq!(
			Executive::apply_extrinsic(signed_by(&Sr25519Keyring::Ferdie.pair(), remark())),
			Err(TransactionValidityError::Invalid(InvalidTransaction::BadSigner))
		);
		assert_ok!(
			Executive::apply_extrinsic(signed_by(&Sr25519Keyring::Eve.pair(), remark())).unwrap()
		);
	});
}

#[test]
fn suspended_departments_members_are_refused() {
	dev_ext().execute_with(|| {
		// Transport: no validator on the dev chain (Alice's department has
		// the only one, which the four-validator minimum keeps)
		let bob = Sr25519Keyring::Bob;
		let department = Departments::membership(&bob.to_account_id()).unwrap().department;
		assert_ok!(Departments::set_department_status(
			RuntimeOrigin::root(),
			department,
			DepartmentStatus::Suspended
		));
		assert_eq!(validate(signed_by(&bob.pair(), remark())), refused());
		assert_ok!(Departments::set_department_status(
			RuntimeOrigin::root(),
			department,
			DepartmentStatus::Active
		));
		assert_ok!(validate(signed_by(&bob.pair(), remark())));
	});
}

#[test]
fn new_member_transacts_at_once_without_funds() {
	dev_ext().execute_with(|| {
		let newcomer = sr25519::Pair::from_string("//Newcomer", None).unwrap();
		let who: AccountId = newcomer.public().into();
		assert_eq!(validate(signed_by(&newcomer, remark())), refused());
		assert_ok!(Departments::add_member(
			RuntimeOrigin::signed(Sr25519Keyring::Bob.to_account_id()),
			who.clone(),
			Roles::only(Role::Publisher)
		));
		assert_eq!(pallet_balances::Pallet::<Runtime>::free_balance(&who), 0);
		assert_ok!(validate(signed_by(&newcomer, remark())));
		start_block();
		assert_ok!(Executive::apply_extrinsic(signed_by(&newcomer, remark())).unwrap());
		assert_eq!(System::account_nonce(&who), 1);
	});
}

#[test]
fn sudo_key_may_sign_without_membership() {
	dev_ext().execute_with(|| {
		let ferdie = Sr25519Keyring::Ferdie;
		assert_ok!(pallet_sudo::Pallet::<Runtime>::set_key(
			RuntimeOrigin::signed(Sr25519Keyring::Alice.to_account_id()),
			ferdie.to_account_id().into()
		));
		assert_ok!(validate(signed_by(&ferdie.pair(), remark())));
	});
}

#[test]
fn members_pay_no_fees() {
	dev_ext().execute_with(|| {
		let xt = signed_by(&Sr25519Keyring::Eve.pair(), remark());
		let len = xt.encoded_size() as u32;
		let info = pallet_transaction_payment::Pallet::<Runtime>::query_info(xt, len);
		assert_eq!(info.partial_fee, 0);
		assert!(info.weight.ref_time() > 0);
	});
}
