//! Runtime integration: the dev genesis, permissioned transactions at the
//! pool (`validate_transaction`) and at inclusion (`apply_extrinsic`), free
//! transactions for members, and governance by council motion.

use citychain_primitives::{DepartmentDirectory, DepartmentKind, DepartmentStatus, Role, Roles};
use citychain_runtime::{
	genesis_config_presets, AccountId, Council, Executive, Governance, Runtime, RuntimeCall,
	RuntimeOrigin, SignedPayload, System, TxExtension, UncheckedExtrinsic,
};
use codec::Encode;
use frame_support::{assert_ok, dispatch::GetDispatchInfo, weights::Weight};
use sp_core::{crypto::Pair, sr25519, H256};
use sp_keyring::Sr25519Keyring;
use sp_runtime::{
	generic::Era,
	traits::{Hash as _, Header as _},
	transaction_validity::{InvalidTransaction, TransactionSource, TransactionValidityError},
};

type Departments = pallet_departments::Pallet<Runtime>;

fn preset(id: &str) -> sp_runtime::Storage {
	genesis_config_presets::preset_storage(id).expect("a preset of the runtime")
}

fn dev_ext() -> sp_io::TestExternalities {
	let mut ext = sp_io::TestExternalities::new(preset("development"));
	ext.execute_with(|| System::set_block_number(1));
	ext
}

/// Clients' default: mortal for 64 blocks from the parent block.
fn default_era() -> Era {
	Era::mortal(64, System::block_number().saturating_sub(1).into())
}

fn signed_by(pair: &sr25519::Pair, call: RuntimeCall) -> UncheckedExtrinsic {
	signed_in(pair, call, default_era())
}

fn signed_in(pair: &sr25519::Pair, call: RuntimeCall, era: Era) -> UncheckedExtrinsic {
	let who: AccountId = pair.public().into();
	signed_with(pair, call, era, System::account_nonce(&who))
}

fn signed_with(
	pair: &sr25519::Pair,
	call: RuntimeCall,
	era: Era,
	nonce: u32,
) -> UncheckedExtrinsic {
	let who: AccountId = pair.public().into();
	let ext: TxExtension = citychain_runtime::tx_extension(nonce, era);
	let payload = SignedPayload::new(call.clone(), ext.clone()).unwrap();
	let signature = payload.using_encoded(|p| pair.sign(p));
	UncheckedExtrinsic::new_signed(call, who.into(), signature.into(), ext)
}

fn remark() -> RuntimeCall {
	RuntimeCall::System(frame_system::Call::remark_with_event { remark: b"hello".to_vec() })
}

fn validate(xt: UncheckedExtrinsic) -> Result<(), TransactionValidityError> {
	validity(xt).map(|_| ())
}

fn validity(
	xt: UncheckedExtrinsic,
) -> Result<sp_runtime::transaction_validity::ValidTransaction, TransactionValidityError> {
	let parent = System::block_hash(0);
	Executive::validate_transaction(TransactionSource::External, xt, parent)
}

fn refused() -> Result<(), TransactionValidityError> {
	Err(TransactionValidityError::Invalid(InvalidTransaction::BadSigner))
}

/// Starts the next block so that extrinsics can be applied; whether it may
/// carry transactions.
fn start_block() -> sp_runtime::ExtrinsicInclusionMode {
	let header = citychain_runtime::Header::new(
		System::block_number() + 1,
		H256::zero(),
		H256::zero(),
		System::block_hash(0),
		Default::default(),
	);
	Executive::initialize_block(&header)
}

#[test]
fn dev_genesis_has_sample_departments_and_council() {
	dev_ext().execute_with(|| {
		let alice = Departments::membership(&Sr25519Keyring::Alice.to_account_id()).unwrap();
		assert_eq!((alice.kind, alice.roles), (DepartmentKind::NaturalResources, Roles::ALL));
		let eve = Departments::membership(&Sr25519Keyring::Eve.to_account_id()).unwrap();
		assert_eq!((eve.department, eve.roles), (alice.department, Roles::only(Role::Publisher)));
		assert!(Departments::membership(&Sr25519Keyring::Ferdie.to_account_id()).is_none());
		let regulator = Departments::membership(&Sr25519Keyring::Dave.to_account_id()).unwrap();
		assert!(Departments::is_active_regulator(regulator.department));
		assert_eq!(
			pallet_collective::Members::<Runtime, citychain_runtime::configs::CouncilCollective>::get().len(),
			4
		);
		pallet_departments::Pallet::<Runtime>::do_try_state().unwrap();
	});
}

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

/// Proposes `call` in the council of the dev chain as Alice and passes it with
/// the votes of Alice, Bob and Charlie (3 of 4 delegates ≥ 2/3).
fn pass_council_motion(call: RuntimeCall) {
	pass_motion(&[Sr25519Keyring::Alice, Sr25519Keyring::Bob, Sr25519Keyring::Charlie], call)
}

/// Proposes `call` as the first of `voters`, who all vote aye, closes it and
/// gives the proposer's slot back.
fn pass_motion(voters: &[Sr25519Keyring], call: RuntimeCall) {
	let length = call.encoded_size() as u32;
	let weight = call.get_dispatch_info().call_weight;
	let hash = <Runtime as frame_system::Config>::Hashing::hash_of(&call);
	let origin = |k: Sr25519Keyring| RuntimeOrigin::signed(k.to_account_id());
	assert_ok!(Council::propose(origin(voters[0]), voters.len() as u32, Box::new(call), length));
	let index = pallet_collective::ProposalCount::<
		Runtime,
		citychain_runtime::configs::CouncilCollective,
	>::get()
		- 1;
	for v in voters {
		assert_ok!(Council::vote(origin(*v), hash, index, true));
	}
	assert_ok!(Council::close(
		origin(voters[0]),
		hash,
		index,
		weight.saturating_add(Weight::from_parts(1, 1)),
		length
	));
	assert_ok!(Council::release_proposal_cost(origin(voters[0]), hash));
}

#[test]
fn council_motion_registers_a_department() {
	dev_ext().execute_with(|| {
		let water_admin = Sr25519Keyring::Ferdie.to_account_id();
		pass_council_motion(RuntimeCall::Departments(pallet_departments::Call::register_department {
			name: b"Water Authority".to_vec(),
			kind: DepartmentKind::Water,
			admin: water_admin.clone(),
			metadata_uri: vec![],
		}));
		let m = Departments::membership(&water_admin).expect("Ferdie admitted by the council");
		assert_eq!(m.kind, DepartmentKind::Water);
		assert!(pallet_collective::Members::<Runtime, citychain_runtime::configs::CouncilCollective>::get()
			.contains(&water_admin));
	});
}

#[test]
fn council_motion_upgrades_the_runtime_as_root() {
	dev_ext().execute_with(|| {
		let code = citychain_runtime::WASM_BINARY.expect("wasm built").to_vec();
		let upgrade =
			RuntimeCall::System(frame_system::Call::set_code_without_checks { code: code.clone() });
		pass_council_motion(RuntimeCall::Governance(pallet_governance::Call::dispatch_as_root {
			call: Box::new(upgrade),
		}));
		System::assert_has_event(
			pallet_governance::Event::DispatchedAsRoot { result: Ok(()) }.into(),
		);
		assert_eq!(
			sp_io::storage::get(sp_core::storage::well_known_keys::CODE).map(|c| c.to_vec()),
			Some(code)
		);
	});
}

#[test]
fn a_single_delegate_cannot_act_as_governance() {
	dev_ext().execute_with(|| {
		let call = RuntimeCall::System(frame_system::Call::set_heap_pages { pages: 1 });
		assert!(Governance::dispatch_as_root(
			RuntimeOrigin::signed(Sr25519Keyring::Alice.to_account_id()),
			Box::new(call)
		)
		.is_err());
	});
}

#[test]
fn one_delegate_cannot_take_the_council_slots_a_status_motion_needs() {
	dev_ext().execute_with(|| {
		let bob = Sr25519Keyring::Bob;
		let origin = |k: Sr25519Keyring| RuntimeOrigin::signed(k.to_account_id());
		let remark = |i: u8| RuntimeCall::System(frame_system::Call::remark { remark: vec![i] });
		let propose = |k, call: RuntimeCall| {
			let length = call.encoded_size() as u32;
			Council::propose(origin(k), 3, Box::new(call), length)
		};
		let slots = citychain_runtime::configs::MAX_OPEN_PROPOSALS_PER_MEMBER;
		for i in 0..slots as u8 {
			assert_ok!(propose(bob, remark(i)));
		}
		assert_eq!(
			propose(bob, remark(99)).map_err(|e| e.error),
			Err(pallet_governance::Error::<Runtime>::TooManyOpenProposals.into())
		);
		// the others can still suspend Bob's department
		let transport = Departments::membership(&bob.to_account_id()).unwrap().department;
		pass_motion(
			&[Sr25519Keyring::Alice, Sr25519Keyring::Charlie, Sr25519Keyring::Dave],
			RuntimeCall::Departments(pallet_departments::Call::set_department_status {
				department: transport,
				status: DepartmentStatus::Suspended,
			}),
		);
		assert_eq!(
			Departments::department(transport).map(|d| d.1),
			Some(DepartmentStatus::Suspended)
		);
		// and every seat together cannot fill the council's slots
		assert!(
			citychain_runtime::configs::MAX_PROPOSALS
				>= citychain_runtime::configs::MAX_DEPARTMENTS * slots
		);
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

#[test]
fn consortium_genesis_has_no_sudo_and_five_delegates() {
	sp_io::TestExternalities::new(preset("consortium")).execute_with(|| {
		assert_eq!(pallet_sudo::Key::<Runtime>::get(), None);
		assert_eq!(pallet_aura::Authorities::<Runtime>::get().len(), 4);
		let council = pallet_collective::Members::<
			Runtime,
			citychain_runtime::configs::CouncilCollective,
		>::get();
		assert_eq!(council.len(), 5);
		let eve = Departments::membership(&Sr25519Keyring::Eve.to_account_id()).unwrap();
		assert!(Departments::is_active_regulator(eve.department));
		// without sudo, Ferdie stays outside
		assert_eq!(validate(signed_by(&Sr25519Keyring::Ferdie.pair(), remark())), refused());
	});
}

fn register_dataset_call(title: &str) -> RuntimeCall {
	use citychain_primitives::{
		BoundingBox, DatasetContent, DatasetDescription, LicenseInput, TimeRange, TopicCategory,
	};
	RuntimeCall::Datasets(pallet_datasets::Call::register_dataset {
		description: DatasetDescription {
			title: title.as_bytes().to_vec(),
			description: b"Land use plan of the central districts".to_vec(),
			topic: TopicCategory::PlanningCadastre,
			keywords: vec![b"land use".to_vec()],
			uri: b"https://nrp.city.example/landuse.gpkg".to_vec(),
			license: LicenseInput { expression: b"ODbL-1.0".to_vec(), url: None },
		},
		content: DatasetContent {
			bbox: BoundingBox {
				west: 1_162_000_000,
				south: 398_000_000,
				east: 1_165_000_000,
				north: 400_000_000,
			},
			crs: 4547,
			time: TimeRange { start: 1_704_067_200_000, end: None },
			format: b"application/geopackage+sqlite3".to_vec(),
			hash_code: 0x12,
			digest: vec![9; 32],
			size: 42_000_000,
		},
		policy: citychain_primitives::AccessPolicy::ApprovalRequired,
		sensitivity: citychain_primitives::Sensitivity::Internal,
	})
}

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

/// Values every call of a kind reads and writes are charged once a block,
/// not by each call: the benchmarks leave out (whitelist) exactly these keys
/// of our pallets, and the pallets' `on_initialize` charges each one read
/// and one write. A key whitelisted without its charge fails here; so does
/// a departments pallet that stops charging the membership checks' values.
#[test]
fn keys_left_out_of_call_weights_are_charged_once_a_block() {
	use frame_support::traits::{Hooks, WhitelistedStorageKeys};
	use std::collections::BTreeSet;
	// Upstream's: frame_system's, Balances' issuance, Authorship's author,
	// TransactionPayment's multiplier and credit.
	let upstream = [b"System".as_slice(), b"Balances", b"Authorship", b"TransactionPayment"]
		.map(sp_io::hashing::twox_128);
	let ours: BTreeSet<Vec<u8>> =
		citychain_runtime::AllPalletsWithSystem::whitelisted_storage_keys()
			.into_iter()
			.map(|k| k.key)
			.filter(|k| !upstream.iter().any(|p| k.starts_with(p)))
			.collect();
	let charged: BTreeSet<Vec<u8>> = [
		pallet_audit::Head::<Runtime>::hashed_key(),
		pallet_audit::Count::<Runtime>::hashed_key(),
		pallet_datasets::NextDatasetId::<Runtime>::hashed_key(),
		pallet_access::NextContractId::<Runtime>::hashed_key(),
	]
	.iter()
	.map(|k| k.to_vec())
	.collect();
	assert_eq!(ours, charged);
	dev_ext().execute_with(|| {
		let db = <Runtime as frame_system::Config>::DbWeight::get();
		let n = System::block_number();
		assert!(pallet_audit::Pallet::<Runtime>::on_initialize(n).all_gte(db.reads_writes(2, 2)));
		assert!(pallet_datasets::Pallet::<Runtime>::on_initialize(n).all_gte(db.reads_writes(1, 1)));
		assert!(pallet_access::Pallet::<Runtime>::on_initialize(n).all_gte(db.reads_writes(1, 1)));
		// CheckMembership charges a transaction its signer's record only:
		// every department's record, allowance and spending, the council
		// and the sudo key are charged here.
		let most = u64::from(citychain_runtime::configs::MAX_DEPARTMENTS);
		assert!(Departments::on_initialize(n).all_gte(db.reads_writes(3 * most + 2, most)));
	});
}

#[test]
fn dataset_calls_have_benchmarked_weights_that_fit_a_block() {
	let max = citychain_runtime::configs::RuntimeBlockWeights::get().max_block;
	let weight = register_dataset_call("Land use").get_dispatch_info().call_weight;
	assert!(weight.ref_time() > 0, "register_dataset has a measured weight");
	assert!(weight.ref_time() * 100 < max.ref_time(), "at least 100 registrations fit a block");
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

/// The audit log's entries from `from` on, as (actor, department, action,
/// subject).
fn audit_since(
	from: u64,
) -> Vec<(
	citychain_primitives::audit::Actor<AccountId>,
	Option<u32>,
	citychain_primitives::audit::AuditAction,
	citychain_primitives::audit::Subject,
)> {
	(from..pallet_audit::Count::<Runtime>::get())
		.map(|i| {
			let b = pallet_audit::Entries::<Runtime>::get(i).unwrap().body;
			(b.actor, b.department, b.action, b.subject)
		})
		.collect()
}

/// Applies `call` signed by `pair` in the current block and returns the audit
/// entries it left.
fn audited(
	pair: &sr25519::Pair,
	call: RuntimeCall,
) -> Vec<(
	citychain_primitives::audit::Actor<AccountId>,
	Option<u32>,
	citychain_primitives::audit::AuditAction,
	citychain_primitives::audit::Subject,
)> {
	let before = pallet_audit::Count::<Runtime>::get();
	let outcome = Executive::apply_extrinsic(signed_by(pair, call)).unwrap();
	if outcome.is_err() {
		assert_eq!(pallet_audit::Count::<Runtime>::get(), before, "a failed call records nothing");
	}
	audit_since(before)
}

#[test]
fn every_call_leaves_one_audit_entry_with_actor_department_and_subject() {
	use citychain_primitives::audit::{Actor, AuditAction as A, Subject as S};
	dev_ext().execute_with(|| {
		start_block();
		let (alice, bob, dave) = (Sr25519Keyring::Alice, Sr25519Keyring::Bob, Sr25519Keyring::Dave);
		let acct = |k: Sr25519Keyring| Actor::Account(k.to_account_id());
		let newcomer: AccountId =
			sr25519::Pair::from_string("//Auditee", None).unwrap().public().into();
		let departments = |c| RuntimeCall::Departments(c);
		let access = |c| RuntimeCall::Access(c);

		// Departments (Alice is the Admin of department 0).
		let cases: Vec<(Sr25519Keyring, RuntimeCall, A, S)> = vec![
			(
				alice,
				departments(pallet_departments::Call::add_member {
					who: newcomer.clone(),
					roles: Roles::NONE,
				}),
				A::MemberAdded,
				S::Department(0),
			),
			(
				alice,
				departments(pallet_departments::Call::set_member_roles {
					who: newcomer.clone(),
					roles: Roles::only(Role::Auditor),
				}),
				A::MemberRolesChanged,
				S::Department(0),
			),
			(
				alice,
				departments(pallet_departments::Call::set_encryption_key { key: [3; 32] }),
				A::EncryptionKeySet,
				S::Department(0),
			),
			(
				alice,
				departments(pallet_departments::Call::update_department {
					name: Some(b"NRP".to_vec()),
					metadata_uri: None,
					delegate: None,
				}),
				A::DepartmentUpdated,
				S::Department(0),
			),
			(
				alice,
				departments(pallet_departments::Call::remove_member { who: newcomer.clone() }),
				A::MemberRemoved,
				S::Department(0),
			),
			// Datasets (Alice is a Publisher of department 0).
			(alice, register_dataset_call("Land use"), A::DatasetRegistered, S::Dataset(0)),
			(
				alice,
				RuntimeCall::Datasets(pallet_datasets::Call::update_metadata {
					dataset: 0,
					update: citychain_primitives::MetadataUpdate {
						title: Some(b"Land use 2024".to_vec()),
						..Default::default()
					},
				}),
				A::MetadataUpdated,
				S::Dataset(0),
			),
			(
				alice,
				RuntimeCall::Datasets(pallet_datasets::Call::set_access_policy {
					dataset: 0,
					policy: citychain_primitives::AccessPolicy::Restricted,
					sensitivity: citychain_primitives::Sensitivity::Internal,
				}),
				A::AccessPolicyChanged,
				S::Dataset(0),
			),
			// Access: Bob (department 1) asks, Alice and Dave (regulator, department 3) approve.
			(
				bob,
				access(pallet_access::Call::request_access {
					dataset: 0,
					purpose: b"traffic model".to_vec(),
					term: 100,
					scope: None,
				}),
				A::AccessRequested { granted: false },
				S::Contract(0),
			),
			(
				alice,
				access(pallet_access::Call::approve_request { contract: 0, envelope: None }),
				A::RequestApproved { granted: false },
				S::Contract(0),
			),
			(
				dave,
				access(pallet_access::Call::approve_request { contract: 0, envelope: None }),
				A::RequestApproved { granted: true },
				S::Contract(0),
			),
			(
				bob,
				access(pallet_access::Call::confirm_receipt {
					contract: 0,
					hash_code: 0x12,
					digest: vec![9; 32],
				}),
				A::ReceiptConfirmed { matched: true },
				S::Contract(0),
			),
			(
				dave,
				access(pallet_access::Call::revoke_access {
					contract: 0,
					reason: b"audit".to_vec(),
				}),
				A::AccessRevoked,
				S::Contract(0),
			),
			(
				bob,
				access(pallet_access::Call::request_access {
					dataset: 0,
					purpose: b"again".to_vec(),
					term: 100,
					scope: None,
				}),
				A::AccessRequested { granted: false },
				S::Contract(1),
			),
			(
				bob,
				access(pallet_access::Call::cancel_request { contract: 1 }),
				A::RequestCancelled,
				S::Contract(1),
			),
			(
				bob,
				access(pallet_access::Call::request_access {
					dataset: 0,
					purpose: b"third".to_vec(),
					term: 100,
					scope: None,
				}),
				A::AccessRequested { granted: false },
				S::Contract(2),
			),
			(
				alice,
				access(pallet_access::Call::reject_request { contract: 2, reason: b"no".to_vec() }),
				A::RequestRejected,
				S::Contract(2),
			),
			(
				alice,
				RuntimeCall::Datasets(pallet_datasets::Call::deprecate_dataset { dataset: 0 }),
				A::DatasetDeprecated,
				S::Dataset(0),
			),
			(
				alice,
				RuntimeCall::Datasets(pallet_datasets::Call::publish_version {
					dataset: 0,
					content: match register_dataset_call("x") {
						RuntimeCall::Datasets(pallet_datasets::Call::register_dataset {
							content,
							..
						}) => content,
						_ => unreachable!(),
					},
					description: None,
				}),
				A::VersionPublished,
				S::Dataset(1),
			),
		];
		for (signer, call, action, subject) in cases {
			let department = Departments::membership(&signer.to_account_id()).map(|m| m.department);
			let entries = audited(&signer.pair(), call);
			assert_eq!(entries, vec![(acct(signer), department, action, subject)], "{action:?}");
		}

		// A request waiting on the new version (Restricted, like the first)
		// is approved when the policy opens the data.
		assert_eq!(
			audited(
				&bob.pair(),
				access(pallet_access::Call::request_access {
					dataset: 1,
					purpose: b"v2".to_vec(),
					term: 100,
					scope: None
				})
			),
			vec![(acct(bob), Some(1), A::AccessRequested { granted: false }, S::Contract(3))]
		);
		let open = RuntimeCall::Datasets(pallet_datasets::Call::set_access_policy {
			dataset: 1,
			policy: citychain_primitives::AccessPolicy::Open,
			sensitivity: citychain_primitives::Sensitivity::Internal,
		});
		assert_eq!(
			audited(&alice.pair(), open),
			vec![
				(acct(alice), Some(0), A::AccessPolicyChanged, S::Dataset(1)),
				(Actor::System, None, A::PolicyApplied { granted: true }, S::Contract(3)),
			]
		);
		assert_eq!(
			pallet_datasets::Datasets::<Runtime>::get(0).map(|d| d.policy),
			Some(citychain_primitives::AccessPolicy::Open),
			"the earlier version follows"
		);
		// Relinquishing an approved contract.
		assert_eq!(
			audited(&bob.pair(), access(pallet_access::Call::relinquish_access { contract: 3 })),
			vec![(acct(bob), Some(1), A::AccessRelinquished, S::Contract(3))]
		);

		// Withdrawal: one entry for the withdrawal and one per contract it
		// revokes (here: the live one).
		assert_eq!(
			audited(
				&bob.pair(),
				access(pallet_access::Call::request_access {
					dataset: 1,
					purpose: b"v2".to_vec(),
					term: 100,
					scope: None
				})
			)
			.len(),
			1
		);
		let withdraw =
			RuntimeCall::Datasets(pallet_datasets::Call::withdraw_dataset { dataset: 1 });
		assert_eq!(
			audited(&alice.pair(), withdraw),
			vec![
				(acct(alice), Some(0), A::DatasetWithdrawn, S::Dataset(1)),
				(Actor::System, None, A::RevokedByWithdrawal, S::Contract(4)),
			]
		);

		// Governance decisions are recorded with the governance actor.
		let before = pallet_audit::Count::<Runtime>::get();
		assert_ok!(Departments::set_department_status(
			RuntimeOrigin::root(),
			2,
			DepartmentStatus::Suspended
		));
		assert_ok!(Departments::register_department(
			RuntimeOrigin::root(),
			b"Water Authority".to_vec(),
			DepartmentKind::Water,
			newcomer.clone(),
			Vec::new()
		));
		assert_eq!(
			audit_since(before),
			vec![
				(Actor::Governance, None, A::DepartmentStatusChanged, S::Department(2)),
				(Actor::Governance, None, A::DepartmentRegistered, S::Department(4)),
			]
		);

		// A failed call records nothing.
		let failing =
			RuntimeCall::Datasets(pallet_datasets::Call::deprecate_dataset { dataset: 0 });
		assert!(audited(&alice.pair(), failing).is_empty());

		assert!(matches!(
			citychain_runtime::Audit::verify(None, None),
			Ok(citychain_primitives::audit::Verification::Ok { from: 0, .. })
		));
		pallet_audit::Pallet::<Runtime>::do_try_state().unwrap();
	});
}

#[test]
fn council_session_and_sudo_calls_are_audited_by_the_signer_on_success_only() {
	use citychain_primitives::audit::{Actor, AuditAction as A, Subject as S};
	let mut ext = dev_ext();
	ext.register_extension(sp_keystore::KeystoreExt::new(
		sp_keystore::testing::MemoryKeystore::new(),
	));
	ext.execute_with(|| {
		start_block();
		let (alice, bob) = (Sr25519Keyring::Alice, Sr25519Keyring::Bob);
		let acct = |k: Sr25519Keyring| Actor::Account(k.to_account_id());
		let department =
			|k: Sr25519Keyring| Departments::membership(&k.to_account_id()).map(|m| m.department);
		let motion = RuntimeCall::Departments(pallet_departments::Call::set_department_status {
			department: 2,
			status: DepartmentStatus::Suspended,
		});
		let length = motion.encoded_size() as u32;
		let hash = <Runtime as frame_system::Config>::Hashing::hash_of(&motion);
		let propose = RuntimeCall::Council(pallet_collective::Call::propose {
			threshold: 3,
			proposal: Box::new(motion.clone()),
			length_bound: length,
		});
		assert_eq!(
			audited(&alice.pair(), propose),
			vec![(acct(alice), department(alice), A::MotionProposed, S::Chain)]
		);
		let entry =
			pallet_audit::Entries::<Runtime>::get(pallet_audit::Count::<Runtime>::get() - 1)
				.unwrap();
		assert_eq!(
			entry.body.digest,
			sp_io::hashing::blake2_256(&hash.encode()),
			"the digest names the motion"
		);
		let vote = |approve| {
			RuntimeCall::Council(pallet_collective::Call::vote {
				proposal: hash,
				index: 0,
				approve,
			})
		};
		assert_eq!(
			audited(&bob.pair(), vote(false)),
			vec![(acct(bob), department(bob), A::MotionVoted { aye: false }, S::Chain)]
		);
		// Voting the same way twice fails in the council: no entry.
		assert!(audited(&bob.pair(), vote(false)).is_empty());

		let keys = citychain_runtime::SessionKeys::generate(
			&bob.to_account_id().encode(),
			Some(b"//Bob".to_vec()),
		);
		let set_keys = RuntimeCall::Session(pallet_session::Call::set_keys {
			keys: keys.keys,
			proof: keys.proof.encode(),
		});
		assert_eq!(
			audited(&bob.pair(), set_keys),
			vec![(acct(bob), department(bob), A::SessionKeysSet, S::Chain)]
		);
		let purge = RuntimeCall::Session(pallet_session::Call::purge_keys {});
		assert_eq!(
			audited(&bob.pair(), purge),
			vec![(acct(bob), department(bob), A::SessionKeysPurged, S::Chain)]
		);

		let sudo = RuntimeCall::Sudo(pallet_sudo::Call::sudo { call: Box::new(remark()) });
		assert_eq!(
			audited(&alice.pair(), sudo),
			vec![(acct(alice), department(alice), A::SudoCall, S::Chain)]
		);
		pallet_audit::Pallet::<Runtime>::do_try_state().unwrap();
	});
}

#[test]
fn deadlines_are_audited_as_the_system() {
	use citychain_primitives::audit::{Actor, AuditAction as A, Subject as S};
	dev_ext().execute_with(|| {
		let (alice, bob) = (Sr25519Keyring::Alice, Sr25519Keyring::Bob);
		start_block();
		assert_ok!(Executive::apply_extrinsic(signed_by(
			&alice.pair(),
			register_dataset_call("Land use")
		))
		.unwrap());
		let request = RuntimeCall::Access(pallet_access::Call::request_access {
			dataset: 0,
			purpose: b"p".to_vec(),
			term: 2,
			scope: None,
		});
		assert_ok!(Executive::apply_extrinsic(signed_by(&bob.pair(), request)).unwrap());
		let approve = RuntimeCall::Access(pallet_access::Call::approve_request {
			contract: 0,
			envelope: None,
		});
		assert_ok!(Executive::apply_extrinsic(signed_by(&alice.pair(), approve)).unwrap());
		let before = pallet_audit::Count::<Runtime>::get();
		let expires_at = pallet_access::Contracts::<Runtime>::get(0).unwrap().expires_at.unwrap();
		while System::block_number() < expires_at {
			start_block();
		}
		assert_eq!(
			audit_since(before),
			vec![(Actor::System, None, A::AccessExpired, S::Contract(0))]
		);
	});
}

/// The consortium's genesis, with a keystore for generating session keys.
fn consortium_ext() -> sp_io::TestExternalities {
	let mut ext = sp_io::TestExternalities::new(preset("consortium"));
	ext.register_extension(sp_keystore::KeystoreExt::new(
		sp_keystore::testing::MemoryKeystore::new(),
	));
	ext.execute_with(|| System::set_block_number(1));
	ext
}

/// Four of the consortium's five delegates: a 2/3 majority.
const MAJORITY: [Sr25519Keyring; 4] =
	[Sr25519Keyring::Alice, Sr25519Keyring::Bob, Sr25519Keyring::Charlie, Sr25519Keyring::Dave];

fn session_keys(k: Sr25519Keyring) -> citychain_runtime::SessionKeys {
	let ed = sp_keyring::Ed25519Keyring::iter()
		.find(|e| format!("{e:?}") == format!("{k:?}"))
		.expect("the same names");
	citychain_runtime::SessionKeys { aura: k.public().into(), grandpa: ed.public().into() }
}

fn aura_authorities() -> Vec<sp_consensus_aura::sr25519::AuthorityId> {
	pallet_aura::Authorities::<Runtime>::get().into_inner()
}

type ValidatorSet = pallet_validator_set::Pallet<Runtime>;
type Session = pallet_session::Pallet<Runtime>;

#[test]
fn consortium_genesis_validators_author_with_their_session_keys() {
	consortium_ext().execute_with(|| {
		let accounts: Vec<AccountId> = MAJORITY.iter().map(|k| k.to_account_id()).collect();
		assert_eq!(ValidatorSet::accounts(), accounts);
		assert_eq!(Session::validators(), accounts);
		let aura: Vec<_> = MAJORITY.iter().map(|k| session_keys(*k).aura).collect();
		assert_eq!(aura_authorities(), aura);
		assert_eq!(pallet_grandpa::Pallet::<Runtime>::grandpa_authorities().len(), 4);
		let nodes = pallet_node_authorization::WellKnownNodes::<Runtime>::get();
		assert_eq!(nodes.len(), 5);
		for (_, peer, owner) in genesis_config_presets::DEVELOPMENT_NODES {
			let peer = sp_core::OpaquePeerId(peer.to_vec());
			assert!(nodes.contains(&peer));
			assert_eq!(
				pallet_node_authorization::Owners::<Runtime>::get(&peer),
				Some(owner.to_account_id())
			);
		}
	});
}

#[test]
fn development_node_ids_are_the_peer_ids_of_their_names_keys() {
	for (name, peer, _) in genesis_config_presets::DEVELOPMENT_NODES {
		let secret = sp_io::hashing::sha2_256(name.as_bytes());
		let public = sp_core::ed25519::Pair::from_seed(&secret).public();
		// Identity multihash (0x00, 36 bytes) of the protobuf public key
		// (field 1: key type Ed25519 = 1; field 2: 32 bytes).
		let expected = [&[0x00, 0x24, 0x08, 0x01, 0x12, 0x20][..], public.as_ref()].concat();
		assert_eq!(peer.to_vec(), expected, "{name}");
	}
}

#[test]
fn a_validator_added_by_motion_authors_from_the_session_after_next() {
	consortium_ext().execute_with(|| {
		let eve = Sr25519Keyring::Eve;
		// What `author_rotateKeysWithOwner` does on Eve's node: keys, and a
		// proof that their holder made them for Eve's account.
		let owner = eve.to_account_id().encode();
		let generated = citychain_runtime::SessionKeys::generate(&owner, Some(b"//Eve".to_vec()));
		assert_eq!(generated.keys, session_keys(eve));
		let signed = || RuntimeOrigin::signed(eve.to_account_id());
		assert!(
			Session::set_keys(signed(), generated.keys.clone(), vec![]).is_err(),
			"a proof is required"
		);
		assert_ok!(Session::set_keys(signed(), generated.keys, generated.proof.encode()));
		let before = pallet_audit::Count::<Runtime>::get();
		pass_motion(
			&MAJORITY,
			RuntimeCall::ValidatorSet(pallet_validator_set::Call::add_validator {
				who: eve.to_account_id(),
			}),
		);
		let department = Departments::membership(&eve.to_account_id()).unwrap().department;
		System::assert_has_event(
			pallet_validator_set::Event::ValidatorAdded { who: eve.to_account_id(), department }
				.into(),
		);
		assert_eq!(
			audit_since(before),
			vec![(
				citychain_primitives::audit::Actor::Governance,
				None,
				citychain_primitives::audit::AuditAction::ValidatorAdded,
				citychain_primitives::audit::Subject::Department(department),
			)]
		);

		Session::rotate_session();
		assert_eq!(aura_authorities().len(), 4, "planned, not yet active");
		System::assert_has_event(
			pallet_validator_set::Event::NewSetPlanned { session: 2, validators: 5 }.into(),
		);
		Session::rotate_session();
		assert_eq!(aura_authorities().len(), 5);
		assert!(aura_authorities().contains(&session_keys(eve).aura));
		assert!(Session::validators().contains(&eve.to_account_id()));

		pass_motion(
			&MAJORITY,
			RuntimeCall::ValidatorSet(pallet_validator_set::Call::remove_validator {
				who: eve.to_account_id(),
			}),
		);
		Session::rotate_session();
		Session::rotate_session();
		assert_eq!(aura_authorities().len(), 4);
		assert!(!aura_authorities().contains(&session_keys(eve).aura));
	});
}

#[test]
fn governance_cannot_shrink_the_set_below_four_or_add_without_keys() {
	consortium_ext().execute_with(|| {
		let dave = Sr25519Keyring::Dave.to_account_id();
		pass_motion(
			&MAJORITY,
			RuntimeCall::ValidatorSet(pallet_validator_set::Call::remove_validator { who: dave }),
		);
		let refused = |e: pallet_validator_set::Error<Runtime>| {
			let e: sp_runtime::DispatchError = e.into();
			System::events().iter().any(|r| {
				matches!(&r.event, citychain_runtime::RuntimeEvent::Council(
					pallet_collective::Event::Executed { result: Err(err), .. }
				) if *err == e)
			})
		};
		assert!(refused(pallet_validator_set::Error::TooFewValidators));
		assert_eq!(ValidatorSet::accounts().len(), 4);

		let eve = Sr25519Keyring::Eve.to_account_id();
		pass_motion(
			&MAJORITY,
			RuntimeCall::ValidatorSet(pallet_validator_set::Call::add_validator { who: eve }),
		);
		assert!(refused(pallet_validator_set::Error::NoSessionKeys));
		// A single delegate is not governance.
		assert!(ValidatorSet::add_validator(
			RuntimeOrigin::signed(Sr25519Keyring::Alice.to_account_id()),
			Sr25519Keyring::Eve.to_account_id()
		)
		.is_err());
	});
}

#[test]
fn suspending_a_department_takes_its_validator_and_nodes_out_within_the_minimum() {
	consortium_ext().execute_with(|| {
		let (bob, eve) = (Sr25519Keyring::Bob, Sr25519Keyring::Eve);
		let transport = Departments::membership(&bob.to_account_id()).unwrap().department;
		let suspend = || {
			pallet_departments::Pallet::<Runtime>::set_department_status(
				RuntimeOrigin::root(),
				transport,
				DepartmentStatus::Suspended,
			)
		};
		// four validators: suspending one of them would break the minimum
		assert_eq!(suspend(), Err(pallet_validator_set::Error::<Runtime>::TooFewValidators.into()));
		assert_eq!(Departments::department(transport).map(|d| d.1), Some(DepartmentStatus::Active));

		// with Eve's department validating too, Transport goes, with its node
		let generated = citychain_runtime::SessionKeys::generate(
			&eve.to_account_id().encode(),
			Some(b"//Eve".to_vec()),
		);
		assert_ok!(Session::set_keys(
			RuntimeOrigin::signed(eve.to_account_id()),
			generated.keys,
			generated.proof.encode()
		));
		assert_ok!(citychain_runtime::ValidatorSet::add_validator(
			RuntimeOrigin::root(),
			eve.to_account_id()
		));
		let bob_node =
			sp_core::OpaquePeerId(genesis_config_presets::DEVELOPMENT_NODES[1].1.to_vec());
		assert!(pallet_node_authorization::WellKnownNodes::<Runtime>::get().contains(&bob_node));
		assert_ok!(suspend());
		assert!(!citychain_runtime::ValidatorSet::accounts().contains(&bob.to_account_id()));
		assert!(!pallet_node_authorization::WellKnownNodes::<Runtime>::get().contains(&bob_node));
		assert!(pallet_node_authorization::Owners::<Runtime>::get(&bob_node).is_none());
		Session::rotate_session();
		Session::rotate_session();
		assert_eq!(aura_authorities().len(), 4);
		assert!(!aura_authorities().contains(&session_keys(bob).aura));
		assert!(aura_authorities().contains(&session_keys(eve).aura));
	});
}

/// Two prevotes that `key` signed in one round of the first authority set,
/// for the blocks of hashes `targets` (an equivocation if they differ).
fn prevote_equivocation(
	key: sp_keyring::Ed25519Keyring,
	round: u64,
	targets: (u8, u8),
) -> sp_consensus_grandpa::EquivocationProof<H256, citychain_runtime::BlockNumber> {
	let set_id = 0;
	let vote = |target: u8| {
		let prevote =
			finality_grandpa::Prevote { target_hash: H256::repeat_byte(target), target_number: 1 };
		let message = finality_grandpa::Message::Prevote(prevote.clone());
		let payload = sp_consensus_grandpa::localized_payload(round, set_id, &message);
		(prevote, key.pair().sign(&payload).into())
	};
	let equivocation = finality_grandpa::Equivocation {
		round_number: round,
		identity: key.public().into(),
		first: vote(targets.0),
		second: vote(targets.1),
	};
	sp_consensus_grandpa::EquivocationProof::new(
		set_id,
		sp_consensus_grandpa::Equivocation::Prevote(equivocation),
	)
}

#[test]
fn a_grandpa_equivocation_is_reported_and_takes_the_validator_out_within_the_minimum() {
	use citychain_primitives::audit::{Actor, AuditAction as A, Subject as S};
	use frame_support::traits::KeyOwnerProofSystem;
	use sp_keyring::Ed25519Keyring;
	consortium_ext().execute_with(|| {
		start_block();
		let report = |key: Ed25519Keyring, round| {
			let key_owner_proof = citychain_runtime::Historical::prove((
				sp_consensus_grandpa::KEY_TYPE,
				sp_consensus_grandpa::AuthorityId::from(key.public()),
			))
			.expect("a validator of this session");
			let call = pallet_grandpa::Call::report_equivocation_unsigned {
				equivocation_proof: Box::new(prevote_equivocation(key, round, (1, 2))),
				key_owner_proof,
			};
			Executive::apply_extrinsic(UncheckedExtrinsic::new_bare(RuntimeCall::Grandpa(call)))
		};
		let (alice, bob) = (Sr25519Keyring::Alice, Sr25519Keyring::Bob);
		let department =
			|k: Sr25519Keyring| Departments::membership(&k.to_account_id()).unwrap().department;
		let reported = |k: Sr25519Keyring, removed| pallet_validator_set::Event::OffenceReported {
			who: k.to_account_id(),
			department: department(k),
			session: 0,
			removed,
		};

		// Four validators, the minimum: Alice stays, the report is on record.
		let before = pallet_audit::Count::<Runtime>::get();
		assert_ok!(report(Ed25519Keyring::Alice, 1).unwrap());
		System::assert_has_event(reported(alice, false).into());
		assert_eq!(
			audit_since(before),
			vec![(
				Actor::System,
				None,
				A::OffenceReported { removed: false },
				S::Department(department(alice))
			)]
		);
		assert_eq!(ValidatorSet::accounts().len(), 4);
		assert_eq!(
			report(Ed25519Keyring::Alice, 1),
			Err(TransactionValidityError::Invalid(InvalidTransaction::Stale)),
			"the same offence is reported once"
		);

		// Above the minimum Bob leaves from the session after next.
		let eve = Sr25519Keyring::Eve;
		pallet_validator_set::Validators::<Runtime>::mutate(|set| {
			set.try_push((eve.to_account_id(), department(eve))).unwrap()
		});
		assert_ok!(report(Ed25519Keyring::Bob, 2).unwrap());
		System::assert_has_event(reported(bob, true).into());
		assert!(!ValidatorSet::accounts().contains(&bob.to_account_id()));

		// A forged report (one vote twice) is refused.
		let forged = prevote_equivocation(Ed25519Keyring::Charlie, 3, (1, 1));
		let key_owner_proof = citychain_runtime::Historical::prove((
			sp_consensus_grandpa::KEY_TYPE,
			sp_consensus_grandpa::AuthorityId::from(Ed25519Keyring::Charlie.public()),
		))
		.unwrap();
		let call = pallet_grandpa::Call::report_equivocation_unsigned {
			equivocation_proof: Box::new(forged),
			key_owner_proof,
		};
		let outcome =
			Executive::apply_extrinsic(UncheckedExtrinsic::new_bare(RuntimeCall::Grandpa(call)))
				.unwrap();
		assert_eq!(outcome, Err(pallet_grandpa::Error::<Runtime>::InvalidEquivocationProof.into()));
	});
}

#[test]
fn the_session_period_is_stored_where_test_networks_shorten_it() {
	use citychain_runtime::configs::{SessionPeriod, SESSION_PERIOD_KEY};
	assert_eq!(SessionPeriod::key(), SESSION_PERIOD_KEY);
	let script = include_str!("../../scripts/zombienet.sh");
	let key =
		format!("0x{}", SESSION_PERIOD_KEY.iter().map(|b| format!("{b:02x}")).collect::<String>());
	assert!(script.contains(&key), "scripts/zombienet.sh writes the session period at {key}");
	consortium_ext().execute_with(|| {
		assert_eq!(SessionPeriod::get(), citychain_runtime::MINUTES);
		sp_io::storage::set(&SESSION_PERIOD_KEY, &5u32.encode());
		assert_eq!(SessionPeriod::get(), 5);
	});
}

// --- Declared weights against the time calls take, on their worst cases ---

/// The CPU time this thread has spent. Unlike the wall clock, it does not
/// count the time the thread waits for a core, so the checks below hold when
/// the tests run at low priority beside other suites (scripts/test.sh).
fn thread_cpu_time() -> std::time::Duration {
	let mut now = libc::timespec { tv_sec: 0, tv_nsec: 0 };
	// SAFETY: `now` is a valid timespec for the call to write.
	let rc = unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut now) };
	assert_eq!(rc, 0, "clock_gettime(CLOCK_THREAD_CPUTIME_ID)");
	std::time::Duration::new(now.tv_sec as u64, now.tv_nsec as u32)
}

/// Builds the state `setup` makes in three fresh copies of the development
/// genesis, dispatches the call `make` returns in each, and asserts that its
/// declared weight covers the fastest of the three runs, in the CPU time of
/// the dispatch. The declared weight also prices every storage access at
/// the database's measured latency, which an in-memory run does not spend,
/// so a call that fails this is priced below its computation alone.
fn assert_declared_weight_covers(
	name: &str,
	setup: impl Fn(),
	make: impl Fn() -> (RuntimeCall, RuntimeOrigin),
) {
	use sp_runtime::traits::Dispatchable;
	let (mut fastest, mut declared) = (std::time::Duration::MAX, Weight::zero());
	for _ in 0..3 {
		dev_ext().execute_with(|| {
			start_block();
			setup();
			let (call, origin) = make();
			declared = call.get_dispatch_info().call_weight;
			let started = thread_cpu_time();
			let result = call.dispatch(origin);
			fastest = fastest.min(thread_cpu_time() - started);
			assert!(result.is_ok(), "{name}: {result:?}");
		});
	}
	let measured = fastest.as_nanos() as u64 * 1_000;
	eprintln!(
		"{name}: declared {} µs, measured {} µs",
		declared.ref_time() / 1_000_000,
		measured / 1_000_000
	);
	assert!(
		declared.ref_time() >= measured,
		"{name}: declared {} ps < measured {measured} ps",
		declared.ref_time()
	);
}

/// A dataset of department 0 in `MAX_HISTORY` versions whose current
/// version has a request waiting from every other department the registry
/// can hold.
fn longest_history_with_most_requests() {
	use citychain_primitives::datasets::MAX_HISTORY;
	let alice = || RuntimeOrigin::signed(Sr25519Keyring::Alice.to_account_id());
	let RuntimeCall::Datasets(pallet_datasets::Call::register_dataset {
		description,
		content,
		policy,
		sensitivity,
	}) = register_dataset_call("History")
	else {
		unreachable!()
	};
	assert_ok!(citychain_runtime::Datasets::register_dataset(
		alice(),
		description,
		content.clone(),
		policy,
		sensitivity
	));
	for version in 0..MAX_HISTORY - 1 {
		assert_ok!(citychain_runtime::Datasets::publish_version(
			alice(),
			version.into(),
			content.clone(),
			None
		));
	}
	let current = u64::from(MAX_HISTORY - 1);
	full_council();
	for (who, record) in pallet_departments::Members::<Runtime>::iter() {
		let active = Departments::membership(&who).is_some_and(|m| m.status.is_active());
		if record.department != 0
			&& active && !pallet_access::LiveContracts::<Runtime>::contains_key(
			current,
			record.department,
		) {
			assert_ok!(citychain_runtime::Access::request_access(
				RuntimeOrigin::signed(who),
				current,
				b"p".to_vec(),
				100,
				None
			));
		}
	}
	assert_eq!(
		pallet_access::LiveCount::<Runtime>::get(current),
		citychain_runtime::configs::MAX_DEPARTMENTS - 1
	);
}

#[test]
fn dataset_policy_and_withdrawal_weights_cover_the_longest_history_and_most_requests() {
	use citychain_primitives::{datasets::MAX_HISTORY, AccessPolicy, Sensitivity};
	let current = u64::from(MAX_HISTORY - 1);
	let alice = || RuntimeOrigin::signed(Sr25519Keyring::Alice.to_account_id());
	assert_declared_weight_covers("set_access_policy", longest_history_with_most_requests, || {
		let call = pallet_datasets::Call::set_access_policy {
			dataset: current,
			policy: AccessPolicy::Open,
			sensitivity: Sensitivity::Public,
		};
		(RuntimeCall::Datasets(call), alice())
	});
	assert_declared_weight_covers("withdraw_dataset", longest_history_with_most_requests, || {
		(
			RuntimeCall::Datasets(pallet_datasets::Call::withdraw_dataset { dataset: current }),
			alice(),
		)
	});
}

#[test]
fn registry_and_audit_weights_cover_their_largest_inputs() {
	use citychain_primitives::{
		audit::{Subject, MAX_NOTE_LEN},
		datasets::{
			MAX_DESCRIPTION_LEN, MAX_FORMAT_LEN, MAX_KEYWORDS, MAX_KEYWORD_LEN, MAX_TITLE_LEN,
			MAX_URI_LEN,
		},
		time::{MAX_TIME, MIN_TIME},
		BoundingBox, TimeRange,
	};
	let signed = |k: Sr25519Keyring| RuntimeOrigin::signed(k.to_account_id());
	assert_declared_weight_covers(
		"register_dataset (longest texts, the whole world)",
		|| {},
		|| {
			let RuntimeCall::Datasets(pallet_datasets::Call::register_dataset {
				mut description,
				mut content,
				policy,
				sensitivity,
			}) = register_dataset_call("x")
			else {
				unreachable!()
			};
			description.title = vec![b't'; MAX_TITLE_LEN as usize];
			description.description = vec![b'd'; MAX_DESCRIPTION_LEN as usize];
			description.keywords = (0..MAX_KEYWORDS)
				.map(|i| vec![b'a' + i as u8; MAX_KEYWORD_LEN as usize])
				.collect();
			description.uri =
				[b"https://x.example/".as_slice(), &vec![b'u'; MAX_URI_LEN as usize - 18]].concat();
			content.format =
				[b"application/".as_slice(), &vec![b'f'; MAX_FORMAT_LEN as usize - 12]].concat();
			content.bbox = BoundingBox {
				west: -1_800_000_000,
				south: -900_000_000,
				east: 1_800_000_000,
				north: 900_000_000,
			};
			content.time = TimeRange { start: MIN_TIME, end: Some(MAX_TIME) };
			let call = pallet_datasets::Call::register_dataset {
				description,
				content,
				policy,
				sensitivity,
			};
			(RuntimeCall::Datasets(call), signed(Sr25519Keyring::Alice))
		},
	);
	assert_declared_weight_covers(
		"audit flag (longest note)",
		|| {},
		|| {
			let call = pallet_audit::Call::flag {
				subject: Subject::Department(0),
				note: vec![b'n'; MAX_NOTE_LEN as usize],
			};
			(RuntimeCall::Audit(call), signed(Sr25519Keyring::Dave))
		},
	);
}

/// Registers departments until the council has its most seats (one per
/// department); returns its members.
fn full_council() -> Vec<AccountId> {
	let mut standing = pallet_departments::StandingDepartments::<Runtime>::get();
	let mut i = 0;
	while standing < citychain_runtime::configs::MAX_DEPARTMENTS {
		let admin = sp_core::sr25519::Pair::from_string(&format!("//Delegate{i}"), None)
			.unwrap()
			.public()
			.into();
		assert_ok!(Departments::register_department(
			RuntimeOrigin::root(),
			b"Bureau".to_vec(),
			DepartmentKind::Other,
			admin,
			Vec::new()
		));
		(standing, i) = (standing + 1, i + 1);
	}
	council_members()
}

fn council_members() -> Vec<AccountId> {
	pallet_collective::Members::<Runtime, citychain_runtime::configs::CouncilCollective>::get()
}

#[test]
fn council_weights_cover_a_full_council_closing_a_motion() {
	let origin = |k: &AccountId| RuntimeOrigin::signed(k.clone());
	let motion = RuntimeCall::Departments(pallet_departments::Call::set_department_status {
		department: 2,
		status: DepartmentStatus::Suspended,
	});
	let hash = <Runtime as frame_system::Config>::Hashing::hash_of(&motion);
	let full_council_voted = || {
		let members = full_council();
		let length = motion.encoded_size() as u32;
		assert_ok!(Council::propose(
			origin(&members[0]),
			members.len() as u32,
			Box::new(motion.clone()),
			length
		));
		for member in &members {
			assert_ok!(Council::vote(origin(member), hash, 0, true));
		}
	};
	assert_declared_weight_covers(
		"council close (64 votes, executing a suspension)",
		full_council_voted,
		|| {
			let call = pallet_collective::Call::close {
				proposal_hash: hash,
				index: 0,
				proposal_weight_bound: motion.get_dispatch_info().call_weight,
				length_bound: motion.encoded_size() as u32,
			};
			(RuntimeCall::Council(call), origin(&council_members()[0]))
		},
	);
}

#[test]
fn council_weights_cover_the_largest_motion_among_the_most_open_ones() {
	use citychain_runtime::configs::{RuntimeBlockLength, MAX_PROPOSALS};
	let origin = |k: &AccountId| RuntimeOrigin::signed(k.clone());
	let largest = *RuntimeBlockLength::get()
		.max
		.get(frame_support::dispatch::DispatchClass::Normal) as usize
		- 1024;
	let motion = || RuntimeCall::System(frame_system::Call::remark { remark: vec![b'm'; largest] });
	let length = motion().encoded_size() as u32;
	// All slots but one taken, two motions per delegate at most.
	let all_but_one_slot_taken = || {
		let members = full_council();
		for n in 0..MAX_PROPOSALS - 1 {
			let small = RuntimeCall::System(frame_system::Call::remark {
				remark: n.to_le_bytes().to_vec(),
			});
			let proposer = &members[members.len() - 1 - (n as usize / 2)];
			assert_ok!(Council::propose(origin(proposer), 2, Box::new(small), 64));
		}
	};
	assert_declared_weight_covers(
		"council propose (largest motion, 127 open)",
		all_but_one_slot_taken,
		|| {
			let call = pallet_collective::Call::propose {
				threshold: 2,
				proposal: Box::new(motion()),
				length_bound: length,
			};
			(RuntimeCall::Council(call), origin(&council_members()[0]))
		},
	);
	assert_declared_weight_covers(
		"council execute (largest motion, 64 seats)",
		|| drop(full_council()),
		|| {
			let call = pallet_collective::Call::execute {
				proposal: Box::new(motion()),
				length_bound: length,
			};
			(RuntimeCall::Council(call), origin(&council_members()[0]))
		},
	);
}

#[test]
fn a_grandpa_equivocation_reports_weight_covers_its_checks() {
	use frame_support::traits::KeyOwnerProofSystem;
	assert_declared_weight_covers(
		"grandpa report_equivocation_unsigned",
		|| {},
		|| {
			let key = sp_keyring::Ed25519Keyring::Alice;
			let key_owner_proof = citychain_runtime::Historical::prove((
				sp_consensus_grandpa::KEY_TYPE,
				sp_consensus_grandpa::AuthorityId::from(key.public()),
			))
			.expect("Alice validates the development chain");
			let call = pallet_grandpa::Call::report_equivocation_unsigned {
				equivocation_proof: Box::new(prevote_equivocation(key, 1, (1, 2))),
				key_owner_proof,
			};
			(RuntimeCall::Grandpa(call), RuntimeOrigin::none())
		},
	);
}

#[test]
fn upstream_weights_cover_their_largest_inputs() {
	let signed = |k: Sr25519Keyring| RuntimeOrigin::signed(k.to_account_id());
	let largest = citychain_runtime::configs::RuntimeBlockLength::get()
		.max
		.get(frame_support::dispatch::DispatchClass::Normal)
		.saturating_sub(1024) as usize;
	let remark = move || frame_system::Call::remark_with_event { remark: vec![b'r'; largest] };
	assert_declared_weight_covers(
		"system remark_with_event (largest transaction)",
		|| {},
		|| (RuntimeCall::System(remark()), signed(Sr25519Keyring::Dave)),
	);
	assert_declared_weight_covers(
		"sudo (setting as many storage items as fit)",
		|| {},
		|| {
			let items = (0..largest as u32 / 72)
				.map(|i| (sp_io::hashing::blake2_256(&i.to_le_bytes()).to_vec(), vec![1; 32]))
				.collect();
			let call = pallet_sudo::Call::sudo {
				call: Box::new(RuntimeCall::System(frame_system::Call::set_storage { items })),
			};
			(RuntimeCall::Sudo(call), signed(Sr25519Keyring::Alice))
		},
	);

	let mut keyed = sp_io::TestExternalities::default();
	keyed.register_extension(sp_keystore::KeystoreExt::new(
		sp_keystore::testing::MemoryKeystore::new(),
	));
	let eve = Sr25519Keyring::Eve;
	let generated = keyed.execute_with(|| {
		citychain_runtime::SessionKeys::generate(
			&eve.to_account_id().encode(),
			Some(b"//Eve".to_vec()),
		)
	});
	assert_declared_weight_covers(
		"session set_keys",
		|| {},
		|| {
			let call = pallet_session::Call::set_keys {
				keys: generated.keys.clone(),
				proof: generated.proof.encode(),
			};
			(RuntimeCall::Session(call), signed(eve))
		},
	);

	// Upgrading as many existing accounts as fit a transaction.
	let accounts = || -> Vec<AccountId> {
		(0..largest as u32 / 32)
			.map(|i| sp_io::hashing::blake2_256(&i.to_le_bytes()).into())
			.collect()
	};
	let existing = || {
		for who in accounts() {
			frame_system::Account::<Runtime>::mutate(&who, |a| a.data.free = 1_000_000_000_000);
		}
	};
	assert_declared_weight_covers("balances upgrade_accounts (as many as fit)", existing, || {
		(
			RuntimeCall::Balances(pallet_balances::Call::upgrade_accounts { who: accounts() }),
			signed(Sr25519Keyring::Dave),
		)
	});
}

/// A peer id as long as node authorization accepts.
fn long_peer_id(i: u32) -> sp_core::OpaquePeerId {
	let mut id = vec![7u8; 63];
	id[..4].copy_from_slice(&i.to_be_bytes());
	sp_core::OpaquePeerId(id)
}

/// The well-known nodes as many and as long as they may be, each owned.
fn full_node_set() {
	use citychain_runtime::configs::MAX_WELL_KNOWN_NODES;
	let nodes: std::collections::BTreeSet<_> =
		(0..MAX_WELL_KNOWN_NODES).map(long_peer_id).collect();
	for node in &nodes {
		pallet_node_authorization::Owners::<Runtime>::insert(
			node,
			Sr25519Keyring::Alice.to_account_id(),
		);
	}
	pallet_node_authorization::WellKnownNodes::<Runtime>::put(nodes);
}

#[test]
fn node_authorization_weights_cover_a_full_set_of_the_longest_ids() {
	use citychain_runtime::configs::MAX_WELL_KNOWN_NODES;
	use pallet_node_authorization::Call as Nodes;
	let root = || RuntimeOrigin::root();
	let nodes = |call| RuntimeCall::NodeAuthorization(call);
	assert_declared_weight_covers("reset_well_known_nodes", full_node_set, || {
		let new = (0..MAX_WELL_KNOWN_NODES - 1)
			.map(|i| (long_peer_id(u32::MAX - i), Sr25519Keyring::Bob.to_account_id()))
			.collect();
		(nodes(Nodes::reset_well_known_nodes { nodes: new }), root())
	});
	let one_less = || {
		full_node_set();
		pallet_node_authorization::Pallet::<Runtime>::remove_well_known_node(
			root(),
			long_peer_id(0),
		)
		.unwrap();
	};
	assert_declared_weight_covers("add_well_known_node", one_less, || {
		let owner = Sr25519Keyring::Bob.to_account_id().into();
		(nodes(Nodes::add_well_known_node { node: long_peer_id(u32::MAX), owner }), root())
	});
	assert_declared_weight_covers("remove_well_known_node", full_node_set, || {
		(nodes(Nodes::remove_well_known_node { node: long_peer_id(1) }), root())
	});
	assert_declared_weight_covers("swap_well_known_node", full_node_set, || {
		(
			nodes(Nodes::swap_well_known_node {
				remove: long_peer_id(1),
				add: long_peer_id(u32::MAX),
			}),
			root(),
		)
	});
}

/// A runtime upgrade onto records of datasets storage version 1: the
/// migration to version 2 runs in the blocks after it, which carry only
/// inherents until every record is rewritten with its licence field.
#[test]
fn an_upgrade_rewrites_the_records_while_transactions_wait() {
	use frame_support::traits::{GetStorageVersion, StorageVersion};
	use pallet_datasets::migrations::v2::{downgrade, old};
	use sp_runtime::ExtrinsicInclusionMode;
	type Datasets = pallet_datasets::Pallet<Runtime>;
	dev_ext().execute_with(|| {
		let alice = Sr25519Keyring::Alice.pair();
		start_block();
		for title in ["Land use", "Parcels", "Roads"] {
			assert_ok!(Executive::apply_extrinsic(signed_by(&alice, register_dataset_call(title)))
				.unwrap());
		}
		for (id, record) in pallet_datasets::Datasets::<Runtime>::iter().collect::<Vec<_>>() {
			old::Datasets::<Runtime>::insert(id, downgrade(record));
		}
		StorageVersion::new(1).put::<Datasets>();
		// The chain last upgraded to an older runtime.
		frame_system::LastRuntimeUpgrade::<Runtime>::put(
			frame_system::LastRuntimeUpgradeInfo::from(sp_version::RuntimeVersion {
				spec_version: citychain_runtime::VERSION.spec_version - 1,
				..citychain_runtime::VERSION
			}),
		);

		let mut blocks = 0;
		while start_block() == ExtrinsicInclusionMode::OnlyInherents {
			Executive::inherents_applied();
			blocks += 1;
			assert!(blocks < 10, "the migration ends");
		}
		assert_eq!(blocks, 1, "three records take one block");
		assert_eq!(Datasets::on_chain_storage_version(), 3);
		for id in 0..3 {
			let record = pallet_datasets::Datasets::<Runtime>::get(id).expect("decodes");
			assert_eq!(record.license, None, "filed before licences were recorded");
		}
		Datasets::do_try_state().unwrap();
		// Transactions are back.
		assert_ok!(
			Executive::apply_extrinsic(signed_by(&alice, register_dataset_call("Rivers"))).unwrap()
		);
		assert!(pallet_datasets::Datasets::<Runtime>::get(3).unwrap().license.is_some());
	});
}
