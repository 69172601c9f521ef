//! The validator set: the consortium's validators and their session keys,
//! changes by motion, departments' suspension and GRANDPA equivocations
//! taking validators out.

use crate::*;

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
	let script = include_str!("../../../scripts/zombienet.sh");
	let key =
		format!("0x{}", SESSION_PERIOD_KEY.iter().map(|b| format!("{b:02x}")).collect::<String>());
	assert!(script.contains(&key), "scripts/zombienet.sh writes the session period at {key}");
	consortium_ext().execute_with(|| {
		assert_eq!(SessionPeriod::get(), citychain_runtime::MINUTES);
		sp_io::storage::set(&SESSION_PERIOD_KEY, &5u32.encode());
		assert_eq!(SessionPeriod::get(), 5);
	});
}
