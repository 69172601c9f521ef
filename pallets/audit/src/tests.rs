use crate::{
	mock::*, pallet::Entries, Actor, AuditAction, AuditQueryError, AuditSink, ByDepartment,
	BySubject, Count, EntryQuery, Error, Event, Head, Pruned, Retention, Subject, Verification,
	MAX_NOTE_LEN,
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
