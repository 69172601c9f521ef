use crate::{
	log_proof, mock::*, pallet::Entries, Actor, AuditAction, AuditQueryError, AuditSink,
	ByDepartment, BySubject, Count, EntryQuery, Error, Event, Hash32, Head, LogProofError, Nodes,
	Peaks, Pruned, Retention, Subject, Verification, MAX_NOTE_LEN,
};
use frame_support::{assert_noop, assert_ok, traits::Hooks, weights::Weight};
use sp_runtime::DispatchError;

fn record(who: AccountId, subject: Subject, action: AuditAction) {
	<Audit as AuditSink<AccountId>>::record(
		Actor::Account(who),
		Some(3),
		action,
		subject,
		b"details",
	);
}

fn indexes(q: EntryQuery) -> Vec<u64> {
	Audit::entries(EntryQuery { limit: 100, ..q })
		.unwrap()
		.items
		.iter()
		.map(|e| e.body.index)
		.collect()
}

#[test]
fn recording_chains_each_entry_to_the_previous_hash() {
	new_test_ext().execute_with(|| {
		record(7, Subject::Dataset(1), AuditAction::DatasetRegistered);
		set_block(2);
		record(8, Subject::Contract(4), AuditAction::AccessRequested { granted: false });
		let (first, second) = (Entries::<Test>::get(0).unwrap(), Entries::<Test>::get(1).unwrap());
		assert_eq!(first.hash, first.body.chain(&[0; 32]));
		assert_eq!(second.hash, second.body.chain(&first.hash));
		assert_eq!((second.body.block, second.body.time), (2, 2_000));
		assert_eq!(second.body.digest, sp_io::hashing::blake2_256(b"details"));
		assert_eq!(Head::<Test>::get(), second.hash);
		assert_eq!(Count::<Test>::get(), 2);
		System::assert_last_event(
			Event::Recorded {
				index: 1,
				action: AuditAction::AccessRequested { granted: false },
				subject: Subject::Contract(4),
				hash: second.hash,
			}
			.into(),
		);
		Audit::do_try_state().unwrap();
	});
}

#[test]
fn flag_annotates_a_subject_as_an_auditor() {
	new_test_ext().execute_with(|| {
		assert_ok!(Audit::flag(
			RuntimeOrigin::signed(AUDITOR),
			Subject::Contract(3),
			b"suspected misuse".to_vec()
		));
		let e = Entries::<Test>::get(0).unwrap().body;
		assert_eq!(
			(e.actor, e.department, e.action, e.subject),
			(Actor::Account(AUDITOR), Some(REGULATOR), AuditAction::Flagged, Subject::Contract(3))
		);
		assert_eq!(e.digest, sp_io::hashing::blake2_256(b"suspected misuse"));
		System::assert_last_event(
			Event::Flagged { index: 0, subject: Subject::Contract(3), auditor: AUDITOR }.into(),
		);
	});
}

#[test]
fn flag_refuses_bad_input() {
	new_test_ext().execute_with(|| {
		let flag =
			|who, subject, note: Vec<u8>| Audit::flag(RuntimeOrigin::signed(who), subject, note);
		assert_noop!(flag(OUTSIDER, Subject::Dataset(1), b"x".to_vec()), Error::<Test>::NotMember);
		assert_noop!(flag(APPROVER, Subject::Dataset(1), b"x".to_vec()), Error::<Test>::NotAuditor);
		assert_noop!(
			flag(AUDITOR, Subject::Dataset(10), b"x".to_vec()),
			Error::<Test>::UnknownSubject
		);
		assert_noop!(
			flag(AUDITOR, Subject::Department(4), b"x".to_vec()),
			Error::<Test>::UnknownSubject
		);
		assert_noop!(flag(AUDITOR, Subject::Dataset(1), Vec::new()), Error::<Test>::EmptyNote);
		assert_noop!(
			flag(AUDITOR, Subject::Dataset(1), vec![b'n'; MAX_NOTE_LEN as usize + 1]),
			Error::<Test>::NoteTooLong
		);
		Directory::set_status(REGULATOR, citychain_primitives::DepartmentStatus::Suspended);
		assert_noop!(
			flag(AUDITOR, Subject::Dataset(1), b"x".to_vec()),
			Error::<Test>::DepartmentNotActive
		);
		assert_noop!(
			Audit::flag(RuntimeOrigin::none(), Subject::Dataset(1), b"x".to_vec()),
			DispatchError::BadOrigin
		);
		assert_eq!(Count::<Test>::get(), 0);
	});
}

#[test]
fn verify_points_at_a_tampered_entry() {
	new_test_ext().execute_with(|| {
		for i in 0..5 {
			record(7, Subject::Dataset(i), AuditAction::DatasetRegistered);
		}
		assert!(matches!(Audit::verify(None, None), Ok(Verification::Ok { from: 0, to: 4, .. })));
		// Rewrite entry 2's actor directly in storage, keeping its hash.
		let mut entry = Entries::<Test>::get(2).unwrap();
		entry.body.actor = Actor::Account(99);
		Entries::<Test>::insert(2, entry);
		assert_eq!(Audit::verify(None, None), Ok(Verification::Broken { at: 2 }));
		assert_eq!(
			Audit::verify(Some(3), None),
			Ok(Verification::Ok { from: 3, to: 4, head: Head::<Test>::get() })
		);
		assert!(Audit::do_try_state().is_err());
		// A removed entry is found too.
		Entries::<Test>::remove(3);
		assert_eq!(Audit::verify(Some(3), Some(4)), Ok(Verification::Broken { at: 3 }));
		assert_eq!(Audit::verify(Some(4), Some(4)), Ok(Verification::Broken { at: 3 }));
	});
}

#[test]
fn verify_refuses_bad_ranges() {
	new_test_ext().execute_with(|| {
		assert_eq!(Audit::verify(None, None), Ok(Verification::Empty));
		for i in 0..3 {
			record(7, Subject::Dataset(i), AuditAction::DatasetRegistered);
		}
		assert_eq!(Audit::verify(Some(2), Some(1)), Err(AuditQueryError::InvertedRange));
		assert!(matches!(Audit::verify(Some(1), Some(99)), Ok(Verification::Ok { to: 2, .. })));
	});
}

#[test]
fn entries_filter_by_department_subject_action_index_and_time() {
	new_test_ext().execute_with(|| {
		record(7, Subject::Dataset(1), AuditAction::DatasetRegistered);
		set_block(5);
		record(8, Subject::Contract(1), AuditAction::AccessRequested { granted: true });
		<Audit as AuditSink<AccountId>>::record(
			Actor::System,
			None,
			AuditAction::AccessExpired,
			Subject::Contract(1),
			b"",
		);
		assert_ok!(Audit::flag(
			RuntimeOrigin::signed(AUDITOR),
			Subject::Dataset(1),
			b"checked".to_vec()
		));
		assert_eq!(indexes(EntryQuery { department: Some(3), ..Default::default() }), vec![0, 1]);
		assert_eq!(
			indexes(EntryQuery { department: Some(REGULATOR), ..Default::default() }),
			vec![3]
		);
		assert_eq!(
			indexes(EntryQuery { subject: Some(Subject::Dataset(1)), ..Default::default() }),
			vec![0, 3]
		);
		assert_eq!(
			indexes(EntryQuery { subject: Some(Subject::Contract(1)), ..Default::default() }),
			vec![1, 2]
		);
		assert_eq!(
			indexes(EntryQuery { action: Some(AuditAction::AccessExpired), ..Default::default() }),
			vec![2]
		);
		assert_eq!(
			indexes(EntryQuery { from_index: Some(1), to_index: Some(2), ..Default::default() }),
			vec![1, 2]
		);
		assert_eq!(
			indexes(EntryQuery { from_time: Some(5_000), ..Default::default() }),
			vec![1, 2, 3]
		);
		assert_eq!(
			indexes(EntryQuery {
				subject: Some(Subject::Contract(1)),
				from_index: Some(2),
				..Default::default()
			}),
			vec![2]
		);
		let page = Audit::entries(EntryQuery { limit: 2, ..Default::default() }).unwrap();
		assert_eq!(page.next, Some(1));
		let rest = Audit::entries(EntryQuery { limit: 2, cursor: page.next, ..Default::default() })
			.unwrap();
		assert_eq!((rest.items.len(), rest.next), (2, None));
		let subject_page = Audit::entries(EntryQuery {
			subject: Some(Subject::Contract(1)),
			cursor: Some(1),
			limit: 5,
			..Default::default()
		})
		.unwrap();
		assert_eq!(subject_page.items.iter().map(|e| e.body.index).collect::<Vec<_>>(), vec![2]);
	});
}

#[test]
fn entries_refuse_bad_queries() {
	new_test_ext().execute_with(|| {
		let err = |q| Audit::entries(q).unwrap_err();
		assert_eq!(err(EntryQuery::default()), AuditQueryError::ZeroLimit);
		assert_eq!(
			err(EntryQuery { limit: 101, ..Default::default() }),
			AuditQueryError::LimitTooLarge
		);
		assert_eq!(
			err(EntryQuery {
				limit: 5,
				from_index: Some(3),
				to_index: Some(2),
				..Default::default()
			}),
			AuditQueryError::InvertedRange
		);
		assert_eq!(
			err(EntryQuery {
				limit: 5,
				from_time: Some(3),
				to_time: Some(2),
				..Default::default()
			}),
			AuditQueryError::InvertedRange
		);
	});
}

#[test]
fn set_retention_is_for_governance_and_bounded_below() {
	new_test_ext().execute_with(|| {
		assert_noop!(
			Audit::set_retention(RuntimeOrigin::signed(AUDITOR), Some(100)),
			DispatchError::BadOrigin
		);
		assert_noop!(
			Audit::set_retention(RuntimeOrigin::root(), Some(MIN_RETENTION - 1)),
			Error::<Test>::HorizonTooShort
		);
		assert_noop!(
			Audit::set_retention(RuntimeOrigin::root(), None),
			Error::<Test>::NothingToUpdate
		);
		assert_ok!(Audit::set_retention(RuntimeOrigin::root(), Some(MIN_RETENTION)));
		System::assert_last_event(Event::RetentionSet { horizon: Some(MIN_RETENTION) }.into());
		assert_eq!(Retention::<Test>::get(), Some(MIN_RETENTION));
	});
}

#[test]
fn old_bodies_are_pruned_in_idle_time_and_the_chain_stays_verifiable() {
	new_test_ext().execute_with(|| {
		for i in 0..5 {
			record(7, Subject::Dataset(i), AuditAction::DatasetRegistered);
		}
		set_block(8);
		record(7, Subject::Dataset(5), AuditAction::DatasetRegistered);
		assert_ok!(Audit::set_retention(RuntimeOrigin::root(), Some(MIN_RETENTION)));
		let last_pruned_hash = Entries::<Test>::get(4).unwrap().hash;
		set_block(1 + MIN_RETENTION + 1);
		// No room: nothing pruned.
		assert_eq!(Audit::on_idle(12, Weight::zero()), Weight::zero());
		assert_eq!(Pruned::<Test>::get().before, 0);
		// At most MaxPrunePerBlock (3) per block, only entries before the cutoff.
		Audit::on_idle(12, Weight::MAX);
		assert_eq!(Pruned::<Test>::get().before, 3);
		Audit::on_idle(12, Weight::MAX);
		let pruned = Pruned::<Test>::get();
		assert_eq!(pruned.before, 5, "the entry of block 8 is within the horizon");
		assert_eq!(pruned.head, last_pruned_hash);
		assert!(Entries::<Test>::get(4).is_none());
		assert!(!BySubject::<Test>::contains_key((Subject::Dataset(4).key(), 4u64.to_be_bytes())));
		assert!(!ByDepartment::<Test>::contains_key((3u32.to_be_bytes(), 4u64.to_be_bytes())));
		assert!(matches!(Audit::verify(None, None), Ok(Verification::Ok { from: 5, to: 5, .. })));
		assert_eq!(Audit::verify(Some(4), None), Err(AuditQueryError::Pruned));
		assert_eq!(indexes(EntryQuery::default()), vec![5]);
		Audit::do_try_state().unwrap();
	});
}

/// RFC 9162's Merkle tree hash, written from the RFC, as the oracle of the
/// log's root.
fn tree_hash(leaves: &[Hash32]) -> Hash32 {
	match leaves.len() {
		0 => log_proof::EMPTY_ROOT,
		1 => leaves[0],
		n => {
			let split = 1 << (usize::BITS - 1 - (n - 1).leading_zeros());
			log_proof::node_hash(&tree_hash(&leaves[..split]), &tree_hash(&leaves[split..]))
		},
	}
}

/// Records `n` entries of varied actors, subjects and blocks; their leaves.
fn varied_entries(n: u64) -> Vec<Hash32> {
	for i in 0..n {
		set_block(1 + i / 4);
		let action = if i % 3 == 0 { AuditAction::DatasetRegistered } else { AuditAction::Flagged };
		record(7 + i % 2, Subject::Dataset(i), action);
	}
	(0..n).map(|i| Entries::<Test>::get(i).unwrap().body.leaf()).collect()
}

#[test]
fn the_range_root_is_the_merkle_tree_hash_of_the_entries_at_every_size() {
	new_test_ext().execute_with(|| {
		assert_eq!(Audit::root(None), Ok((0, log_proof::EMPTY_ROOT)));
		let leaves = varied_entries(70);
		assert_eq!(Peaks::<Test>::get().size(), 70);
		for size in 0..=70 {
			let want = tree_hash(&leaves[..size as usize]);
			assert_eq!(Audit::root(Some(size)), Ok((size, want)), "size {size}");
		}
		assert_eq!(Audit::root(None), Ok((70, tree_hash(&leaves))));
		assert_eq!(Audit::root(Some(71)), Err(LogProofError::BeyondLog { size: 71, count: 70 }));
		// One record per entry: its leaf and one node per trailing 1 bit.
		for i in 0..70u64 {
			let nodes = Nodes::<Test>::get(i).unwrap();
			assert_eq!(nodes.len() as u32, 1 + i.trailing_ones(), "entry {i}");
			assert_eq!(nodes[0], leaves[i as usize]);
		}
		Audit::do_try_state().unwrap();
	});
}

#[test]
fn every_entry_is_proven_in_every_later_log_and_every_log_extends_every_earlier_one() {
	new_test_ext().execute_with(|| {
		let leaves = varied_entries(45);
		for size in 1..=45u64 {
			let root = tree_hash(&leaves[..size as usize]);
			for index in 0..size {
				let proof = Audit::inclusion_proof(index, Some(size)).unwrap();
				assert_eq!(proof.verify(&leaves[index as usize], &root), Ok(()), "{index}/{size}");
				// Another entry's leaf, or the same leaf at another index, fails.
				let other = leaves[((index + 1) % size) as usize];
				if size > 1 {
					assert!(proof.verify(&other, &root).is_err(), "{index}/{size}");
				}
			}
			for old in 0..=size {
				let proof = Audit::consistency_proof(old, Some(size)).unwrap();
				let old_root = tree_hash(&leaves[..old as usize]);
				assert_eq!(proof.verify(&old_root, &root), Ok(()), "{old} → {size}");
			}
		}
		assert_eq!(
			Audit::inclusion_proof(45, None),
			Err(LogProofError::Invalid(log_proof::Error::IndexOutOfRange { index: 45, size: 45 }))
		);
		assert_eq!(
			Audit::consistency_proof(10, Some(46)),
			Err(LogProofError::BeyondLog { size: 46, count: 45 })
		);
		assert_eq!(
			Audit::consistency_proof(12, Some(11)),
			Err(LogProofError::Invalid(log_proof::Error::OldSizeAfterNew {
				old_size: 12,
				new_size: 11
			}))
		);
	});
}

#[test]
fn pruning_keeps_the_nodes_that_proofs_of_stored_entries_read_and_only_those() {
	new_test_ext().execute_with(|| {
		let leaves = varied_entries(60);
		set_block(1_000);
		let (pruned, dropped) = Audit::prune(1_000, 23);
		assert_eq!(pruned, 23);
		// Of the pruned part, the records of the peaks of the log of 23 (16 +
		// 4 + 2 + 1 entries) remain: entries 15, 19, 21 and 22.
		let kept: Vec<u64> = (0..23).filter(|i| Nodes::<Test>::contains_key(i)).collect();
		assert_eq!(kept, vec![15, 19, 21, 22]);
		assert_eq!(dropped, 23 - 4);
		let root = tree_hash(&leaves);
		for index in 23..60 {
			let proof = Audit::inclusion_proof(index, None).unwrap();
			assert_eq!(proof.verify(&leaves[index as usize], &root), Ok(()), "entry {index}");
		}
		for old in 23..=60 {
			let proof = Audit::consistency_proof(old, None).unwrap();
			assert_eq!(proof.verify(&tree_hash(&leaves[..old as usize]), &root), Ok(()));
		}
		assert_eq!(
			Audit::inclusion_proof(3, None),
			Err(LogProofError::Pruned { pruned_before: 23 })
		);
		// Pruning on keeps the rule, one entry at a time.
		for before in 24..=40u64 {
			Audit::prune(1_000, 1);
			// The peaks, left to right, end at ascending entries.
			let peaks: Vec<u64> =
				log_proof::peak_ids(before).map(|p| ((p.index + 1) << p.height) - 1).collect();
			let kept: Vec<u64> = (0..before).filter(|i| Nodes::<Test>::contains_key(i)).collect();
			assert_eq!(kept, peaks, "pruned before {before}");
		}
		Audit::do_try_state().unwrap();
	});
}
