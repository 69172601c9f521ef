//! The audit log: one entry per call with its actor, department and subject,
//! the calls the runtime audits for the signer, and deadlines audited as the
//! system.

use crate::*;

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
					rules: citychain_primitives::terms::single_rule(
						citychain_primitives::AccessPolicy::Restricted,
					),
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
			rules: citychain_primitives::terms::single_rule(
				citychain_primitives::AccessPolicy::Open,
			),
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

		// So are the terms' vocabulary and jurisdictions.
		let before = pallet_audit::Count::<Runtime>::get();
		let district = vec![
			(1_163_000_000, 398_500_000),
			(1_164_000_000, 398_500_000),
			(1_163_500_000, 399_500_000),
		];
		assert_ok!(citychain_runtime::Access::set_purpose(
			RuntimeOrigin::root(),
			b"census".to_vec(),
			b"Census".to_vec()
		));
		assert_ok!(citychain_runtime::Access::register_jurisdiction(
			RuntimeOrigin::root(),
			b"A district".to_vec(),
			district
		));
		assert_ok!(citychain_runtime::Access::remove_jurisdiction(RuntimeOrigin::root(), 2));
		assert_ok!(citychain_runtime::Access::remove_purpose(
			RuntimeOrigin::root(),
			b"census".to_vec()
		));
		assert_eq!(
			audit_since(before),
			vec![
				(Actor::Governance, None, A::PurposeSet, S::Chain),
				(Actor::Governance, None, A::JurisdictionRegistered, S::Chain),
				(Actor::Governance, None, A::JurisdictionRemoved, S::Chain),
				(Actor::Governance, None, A::PurposeRemoved, S::Chain),
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
