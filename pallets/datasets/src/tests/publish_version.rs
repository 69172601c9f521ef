//! Tests of `publish_version`.

use super::*;

#[test]
fn publish_version_links_both_ways_and_supersedes_the_old_record() {
	new_test_ext().execute_with(|| {
		let v1 = register("Counts");
		System::set_block_number(5);
		let new_box = bbox(116.1, 39.7, 116.6, 40.1);
		assert_ok!(Datasets::publish_version(
			RuntimeOrigin::signed(TRANSPORT_PUBLISHER),
			v1,
			content(new_box, year_2024()),
			None,
		));
		let v2 = v1 + 1;
		System::assert_last_event(
			Event::VersionPublished {
				dataset: v2,
				predecessor: v1,
				version: 2,
				publisher: TRANSPORT_PUBLISHER,
			}
			.into(),
		);
		let (old, new) = (record(v1), record(v2));
		assert_eq!(
			(old.status, old.successor, old.updated.block),
			(DatasetStatus::Superseded, Some(v2), 5)
		);
		assert_eq!(
			(new.status, new.predecessor, new.version),
			(DatasetStatus::Active, Some(v1), 2)
		);
		assert_eq!((new.title.clone(), new.policy), (old.title.clone(), old.policy));
		assert_eq!(new.license, old.license, "a version keeps the licence it is not given");
		assert_eq!(new.bbox, new_box);
		assert_ok!(Datasets::publish_version(
			RuntimeOrigin::signed(TRANSPORT_PUBLISHER),
			v2,
			content(new_box, year_2024()),
			Some(description("Counts, revised")),
		));
		assert_eq!(record(v2 + 1).title.to_vec(), b"Counts, revised".to_vec());
		let mut relicensed = description("Counts, relicensed");
		relicensed.license = license("CC0-1.0", None);
		assert_ok!(Datasets::publish_version(
			RuntimeOrigin::signed(TRANSPORT_PUBLISHER),
			v2 + 1,
			content(new_box, year_2024()),
			Some(relicensed),
		));
		let v4 = record(v2 + 2);
		assert_eq!(v4.license.map(|l| l.expression.to_vec()), Some(b"CC0-1.0".to_vec()));
		assert_eq!(record(v2 + 1).license, old.license, "an earlier version keeps its own");
		for id in [v1, v2, v2 + 1, v2 + 2] {
			assert_eq!(Datasets::history(id), vec![v1, v2, v2 + 1, v2 + 2]);
		}
		assert!(Datasets::history(99).is_empty());
		Datasets::do_try_state().unwrap();
	});
}

#[test]
fn publish_version_refuses_superseded_withdrawn_and_foreign_datasets() {
	new_test_ext().execute_with(|| {
		let v1 = register("Counts");
		let publish = |who, id| {
			Datasets::publish_version(
				RuntimeOrigin::signed(who),
				id,
				content(city(), year_2024()),
				None,
			)
		};
		assert_noop!(publish(TRANSPORT_PUBLISHER, 42), Error::<Test>::UnknownDataset);
		assert_noop!(publish(PLANNING_PUBLISHER, v1), Error::<Test>::NotOwner);
		assert_noop!(publish(TRANSPORT_CLERK, v1), Error::<Test>::NotPublisher);
		assert_ok!(publish(TRANSPORT_PUBLISHER, v1));
		assert_noop!(publish(TRANSPORT_PUBLISHER, v1), Error::<Test>::DatasetSuperseded);
		let v2 = v1 + 1;
		assert_ok!(Datasets::withdraw_dataset(RuntimeOrigin::signed(TRANSPORT_PUBLISHER), v2));
		assert_noop!(publish(TRANSPORT_PUBLISHER, v2), Error::<Test>::DatasetWithdrawn);
		let mut bad = content(city(), year_2024());
		bad.hash_code = 0x99;
		let v3 = register("Other");
		assert_noop!(
			Datasets::publish_version(RuntimeOrigin::signed(TRANSPORT_PUBLISHER), v3, bad, None),
			Error::<Test>::UnknownHashFunction
		);
	});
}

#[test]
fn a_deprecated_dataset_may_get_a_new_version() {
	new_test_ext().execute_with(|| {
		let v1 = register("Counts");
		assert_ok!(Datasets::deprecate_dataset(RuntimeOrigin::signed(TRANSPORT_PUBLISHER), v1));
		assert_ok!(Datasets::publish_version(
			RuntimeOrigin::signed(TRANSPORT_PUBLISHER),
			v1,
			content(city(), year_2024()),
			None,
		));
		assert_eq!(record(v1).status, DatasetStatus::Superseded);
		assert_eq!(record(v1 + 1).status, DatasetStatus::Active);
	});
}
