//! Tests of the queries behind the `DatasetsApi` runtime API.

use super::*;

#[test]
fn a_query_matches_by_every_field() {
	new_test_ext().execute_with(|| {
		let counts = register("Junction counts");
		let roads = register_as(
			PLANNING_PUBLISHER,
			"Road network",
			bbox(115.4, 39.4, 117.5, 41.1),
			TimeRange { start: JAN_2024 - 400 * DAY, end: None },
		);
		let harbour = register_as(
			TRANSPORT_PUBLISHER,
			"Harbour berths",
			bbox(121.4, 31.1, 121.6, 31.3),
			TimeRange { start: JAN_2024 - 800 * DAY, end: Some(JAN_2024 - 700 * DAY) },
		);
		assert_ok!(Datasets::update_metadata(
			RuntimeOrigin::signed(TRANSPORT_PUBLISHER),
			harbour,
			MetadataUpdate { topic: Some(TopicCategory::Oceans), ..Default::default() },
		));
		assert_ok!(Datasets::deprecate_dataset(RuntimeOrigin::signed(TRANSPORT_PUBLISHER), counts));

		let downtown = bbox(116.38, 39.90, 116.42, 39.93);
		assert_eq!(search(DatasetQuery { bbox: Some(downtown), ..query() }), vec![counts, roads]);
		let mid_2024 = TimeInterval { start: Some(JAN_2024 + 180 * DAY), end: None };
		assert_eq!(search(DatasetQuery { time: Some(mid_2024), ..query() }), vec![counts, roads]);
		let before = TimeInterval { start: None, end: Some(JAN_2024 - 500 * DAY) };
		assert_eq!(search(DatasetQuery { time: Some(before), ..query() }), vec![harbour]);
		assert_eq!(search(DatasetQuery { owner: Some(PLANNING), ..query() }), vec![roads]);
		assert_eq!(
			search(DatasetQuery { topics: vec![TopicCategory::Oceans], ..query() }),
			vec![harbour]
		);
		assert_eq!(
			search(DatasetQuery { status: Some(DatasetStatus::Deprecated), ..query() }),
			vec![counts]
		);
		assert_eq!(
			search(DatasetQuery { text: Some(b"JUNCTIONS".to_vec()), ..query() }),
			vec![counts, roads, harbour]
		);
		assert_eq!(search(DatasetQuery { text: Some(b"road".to_vec()), ..query() }), vec![roads]);
		assert_eq!(
			search(DatasetQuery {
				bbox: Some(downtown),
				owner: Some(TRANSPORT),
				time: Some(mid_2024),
				..query()
			}),
			vec![counts]
		);
	});
}

#[test]
fn datasets_of_pages_through_one_departments_datasets_in_id_order() {
	new_test_ext().execute_with(|| {
		let mut transport = Vec::new();
		let mut planning = Vec::new();
		for i in 0..7 {
			transport.push(register(&format!("Counts {i}")));
			if i % 2 == 0 {
				planning.push(register_as(
					PLANNING_PUBLISHER,
					&format!("Plan {i}"),
					city(),
					year_2024(),
				));
			}
		}
		for limit in [1, 3, 7, 8, MAX_PAGE_SIZE] {
			assert_eq!(all_pages_of(TRANSPORT, limit), transport, "limit {limit}");
			assert_eq!(all_pages_of(PLANNING, limit), planning, "limit {limit}");
		}
		// Limits are clamped, never refused.
		assert_eq!(Datasets::datasets_of(TRANSPORT, None, 0).items.len(), 1);
		let huge = Datasets::datasets_of(TRANSPORT, None, u32::MAX);
		assert_eq!((huge.items.len(), huge.next), (7, None));
		let last = Datasets::datasets_of(TRANSPORT, Some(transport[3]), 3);
		assert_eq!(last.items.iter().map(|i| i.id).collect::<Vec<_>>(), transport[4..].to_vec());
		assert_eq!(last.next, None, "no next page when nothing follows");
		assert!(Datasets::datasets_of(99, None, 10).items.is_empty());
	});
}

#[test]
fn invalid_queries_are_named() {
	new_test_ext().execute_with(|| {
		let err = |q: DatasetQuery| q.validate().unwrap_err();
		assert_eq!(err(DatasetQuery { limit: 0, ..query() }), QueryError::ZeroLimit);
		assert_eq!(
			err(DatasetQuery { limit: MAX_PAGE_SIZE + 1, ..query() }),
			QueryError::LimitTooLarge
		);
		assert_eq!(
			err(DatasetQuery { bbox: Some(bbox(0.0, 10.0, 1.0, 5.0)), ..query() }),
			QueryError::InvalidBoundingBox(BoundingBoxError::SouthAboveNorth)
		);
		assert_eq!(
			err(DatasetQuery {
				time: Some(TimeInterval { start: Some(10), end: Some(5) }),
				..query()
			}),
			QueryError::InvalidTimeInterval(TimeRangeError::EndBeforeStart)
		);
		assert_eq!(
			err(DatasetQuery { text: Some(vec![b'a'; 65]), ..query() }),
			QueryError::TextTooLong
		);
	});
}
