//! The store's tests: searches against a full scan of random records, across
//! restarts, blocks, pages and bounds.

use super::*;
use crate::search_index::{
	fixtures::{query, record, visible, Rng},
	query::{Filter, Invalid, SortKey, Sortable},
	text::FreeText,
};
use citychain_primitives::{
	geometry::{fixed, DEGREE},
	Dataset, DatasetQuery, TimeInterval, TimeRange, TopicCategory,
};
use geo::MultiPoint;
use sp_runtime::BoundedVec;

/// Every page of a search at block `at`, followed by its cursors.
/// Every page's ids, following `next` from the first page; then checks
/// that following `prev` from the last page reads them all back.
fn all_pages_at(store: &Store, search: &Search, at: BlockNumber) -> Vec<DatasetId> {
	let mut search = search.clone();
	let mut found = Vec::new();
	let last = loop {
		let page = store.search(&search, at).unwrap();
		assert!(page.items.len() <= search.query.limit as usize);
		assert_eq!(
			page.prev.is_some(),
			search.cursor.is_some(),
			"a page a cursor led to has a prev"
		);
		found.extend(page.items.iter().map(|i| i.id));
		match page.next {
			Some(next) => {
				assert_eq!(next.block, at, "a cursor carries the block it was made at");
				// Through its token, as a client passes it back.
				search.cursor = Cursor::parse(&next.token());
				assert_eq!(search.cursor.as_ref(), Some(&next));
			},
			None => break page,
		}
	};
	let mut back: Vec<DatasetId> = last.items.iter().rev().map(|i| i.id).collect();
	let mut prev = last.prev;
	while let Some(cursor) = prev {
		search.cursor = Cursor::parse(&cursor.token());
		let page = store.search(&search, at).unwrap();
		assert!(page.items.len() <= search.query.limit as usize);
		let next = page.next.as_ref().expect("a page before another has a next");
		assert!(!next.backward);
		back.extend(page.items.iter().rev().map(|i| i.id));
		prev = page.prev;
	}
	back.reverse();
	assert_eq!(back, found, "prev pages read back what next pages read");
	found
}

fn all_pages(store: &Store, search: &Search) -> Vec<DatasetId> {
	all_pages_at(store, search, 1)
}

/// How the free text of a search ranks a record, as the index does.
fn rank(text: &FreeText, r: &Record) -> i64 {
	let text_of = |bytes: &[u8]| String::from_utf8_lossy(bytes).into_owned();
	text.rank([&text_of(&r.title), &keywords(r), &text_of(&r.description)])
}

/// The sort keys of a record, as `Sortable::sql` orders them.
fn sort_value(r: &Record, id: DatasetId, field: Sortable, text: Option<&FreeText>) -> KeyValue {
	let by_name = |name: &str| KeyValue::Text(name.to_string());
	match field {
		Sortable::Id => KeyValue::Int(id as i64),
		Sortable::Start => KeyValue::Int(r.time.start),
		Sortable::End => KeyValue::Int(r.time.end.unwrap_or(MAX_TIME)),
		Sortable::Title => KeyValue::Text(String::from_utf8_lossy(&r.title).to_lowercase()),
		Sortable::Created => KeyValue::Int(r.created.time as i64),
		Sortable::Updated => KeyValue::Int(r.updated.time as i64),
		Sortable::Version => KeyValue::Int(r.version.into()),
		Sortable::Owner => KeyValue::Int(r.owner.into()),
		Sortable::Topic => by_name(r.topic.as_str()),
		Sortable::Status => by_name(r.status.as_str()),
		Sortable::Policy => by_name(r.policy.as_str()),
		Sortable::Sensitivity => by_name(r.sensitivity.as_str()),
		Sortable::CreatedBlock => KeyValue::Int(r.created.block.into()),
		Sortable::UpdatedBlock => KeyValue::Int(r.updated.block.into()),
		Sortable::Relevance => KeyValue::Int(text.map_or(0, |t| rank(t, r))),
	}
}

/// What a full scan answers: the matching ids in the search's order.
fn full_scan(records: &[Record], q: &Search) -> Vec<DatasetId> {
	let text = q.free_text.as_ref();
	let mut ids: Vec<DatasetId> = (0..records.len() as DatasetId)
		.filter(|id| q.matches(*id, &records[*id as usize]))
		.filter(|id| text.is_none_or(|t| rank(t, &records[*id as usize]) > 0))
		.collect();
	ids.sort_by(|a, b| {
		let (ra, rb) = (&records[*a as usize], &records[*b as usize]);
		q.order()
			.iter()
			.map(|k| {
				let order =
					sort_value(ra, *a, k.field, text).cmp(&sort_value(rb, *b, k.field, text));
				if k.descending {
					order.reverse()
				} else {
					order
				}
			})
			.find(|o| o.is_ne())
			.unwrap_or(std::cmp::Ordering::Equal)
			.then(a.cmp(b))
	});
	ids
}

fn reached(number: BlockNumber) -> Reached {
	Reached { number, hash: Hash::repeat_byte(number as u8) }
}

/// An index in memory, rebuilt with `records` at block `number`.
fn built(records: impl IntoIterator<Item = (DatasetId, Record)>, number: BlockNumber) -> Store {
	let mut bulk = Bulk::new(Connection::open_in_memory().unwrap()).unwrap();
	bulk.load(records, number).unwrap();
	bulk.finish(reached(number), Hash::zero()).unwrap()
}

#[test]
fn searches_answer_what_a_full_scan_of_the_records_answers_across_a_restart() {
	let mut rng = Rng(0x5eed_c17c_4a11_0001);
	let dir = std::env::temp_dir().join(format!("citychain-index-test-{}", std::process::id()));
	std::fs::create_dir_all(&dir).unwrap();
	let path = dir.join("search-index.sqlite");
	let mut store = Store::open(&path).unwrap();
	let mut records: Vec<Record> = Vec::new();
	// What each block held, to search the past as a cursor does.
	let mut history: Vec<Vec<Record>> = vec![Vec::new()];
	for block in 1..=30 {
		if block == 16 {
			// The node stops and starts again: the file holds block 15.
			drop(store);
			store = Store::open(&path).unwrap();
			assert_eq!(store.reached(Hash::zero()).unwrap(), Ok(reached(15)));
		}
		// New records, and changes to earlier ones, block by block.
		let mut changed = Vec::new();
		for _ in 0..rng.below(40) {
			let id = records.len() as DatasetId;
			records.push(record(&mut rng, id));
			changed.push(id);
		}
		for _ in 0..rng.below(5).min(records.len() as u64) {
			let id = rng.below(records.len() as u64);
			let fresh = record(&mut rng, id);
			records[id as usize] = Dataset { owner: records[id as usize].owner, ..fresh };
			changed.push(id);
		}
		// A block's changes name each record once, as the follower's do.
		changed.sort_unstable();
		changed.dedup();
		let writes = changed.iter().map(|id| (*id, records[*id as usize].clone()));
		if block == 1 {
			// Rebuilt beside the index in use, then put in its place.
			let beside = dir.join("rebuild.sqlite");
			let mut bulk = Store::create(&beside).unwrap();
			bulk.load(writes, block).unwrap();
			drop(bulk.finish(reached(block), Hash::zero()).unwrap());
			store.replace(&path, &beside).unwrap();
			assert!(!beside.exists());
		} else {
			store
				.apply(writes.collect::<Vec<_>>(), &AccessBlock::default(), reached(block))
				.unwrap();
		}
		assert_eq!(store.reached(Hash::zero()).unwrap(), Ok(reached(block)));
		history.push(records.clone());
		for _ in 0..40 {
			// At this block, or an earlier one as a cursor made then.
			let at =
				if rng.below(3) == 0 { 1 + rng.below(block as u64) as BlockNumber } else { block };
			let held = &history[at as usize];
			let q = query(&mut rng, held.len());
			assert_eq!(all_pages_at(&store, &q, at), full_scan(held, &q), "at #{at}: {q:?}");
		}
	}
	drop(store);
	std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn a_department_extent_covers_exactly_the_records_a_reader_may_see() {
	let mut rng = Rng(0x5eed_c17c_4a11_e7e7);
	let records: Vec<Record> = (0..300).map(|id| record(&mut rng, id)).collect();
	let store = built(records.iter().cloned().enumerate().map(|(id, r)| (id as DatasetId, r)), 1);
	for round in 0..60 {
		// Owner 4 has no records.
		let owner = rng.below(5) as DepartmentId;
		let visible = (round % 3 != 0).then(|| visible(&mut rng, records.len()));
		let seen: Vec<(DatasetId, &Record)> = records
			.iter()
			.enumerate()
			.map(|(id, r)| (id as DatasetId, r))
			.filter(|(id, r)| {
				r.owner == owner
					&& visible.as_ref().is_none_or(|v| v.admits(*id, r.sensitivity, r.owner))
			})
			.collect();
		let one = store.extents(Some(owner), visible.as_ref(), 1).unwrap();
		let all = store.extents(None, visible.as_ref(), 1).unwrap();
		let extent = one.first().map_or_else(Extent::default, |(o, e)| {
			assert_eq!(*o, owner);
			*e
		});
		assert_eq!(
			all.iter().find(|(o, _)| *o == owner).map(|(_, e)| *e),
			one.first().map(|(_, e)| *e),
			"every department's extents in one query are each one's"
		);
		assert!(all.windows(2).all(|w| w[0].0 < w[1].0), "in the order of the ids");
		assert!(all.iter().all(|(_, e)| e.count > 0), "only departments with records");
		assert_eq!(extent.count, seen.len() as u64, "{visible:?}");
		assert_eq!(extent.start, seen.iter().map(|(_, r)| r.time.start).min());
		let ongoing = seen.iter().any(|(_, r)| r.time.end.is_none());
		let end = seen.iter().filter_map(|(_, r)| r.time.end).max();
		assert_eq!(extent.end, if ongoing { None } else { end });
		let Some([w, s, e, n]) = extent.bbox else {
			assert!(seen.is_empty());
			continue;
		};
		let across = seen.iter().any(|(_, r)| r.bbox.crosses_antimeridian());
		let west = if across {
			-180.0
		} else {
			seen.iter().map(|(_, r)| degrees(r.bbox.west)).fold(180.0, f64::min)
		};
		let east = if across {
			180.0
		} else {
			seen.iter().map(|(_, r)| degrees(r.bbox.east)).fold(-180.0, f64::max)
		};
		let south = seen.iter().map(|(_, r)| degrees(r.bbox.south)).fold(90.0, f64::min);
		let north = seen.iter().map(|(_, r)| degrees(r.bbox.north)).fold(-90.0, f64::max);
		assert_eq!([w, s, e, n], [west, south, east, north]);
	}
}

#[test]
fn an_index_of_another_chain_or_version_or_an_unfinished_one_is_stale() {
	let empty = Bulk::new(Connection::open_in_memory().unwrap()).unwrap();
	assert_eq!(Store { db: empty.db }.reached(Hash::zero()).unwrap(), Err(Stale::Empty));
	let store = built(vec![], 3);
	assert_eq!(store.reached(Hash::zero()).unwrap(), Ok(reached(3)));
	assert_eq!(store.reached(Hash::repeat_byte(1)).unwrap(), Err(Stale::Genesis));
	store
		.db
		.execute("UPDATE meta SET value = ?1 WHERE key = 'schema'", [(SCHEMA_VERSION + 1).encode()])
		.unwrap();
	assert_eq!(store.reached(Hash::zero()).unwrap(), Err(Stale::Schema(SCHEMA_VERSION + 1)));
	// A rebuild that stops before it finishes leaves a file that reads
	// as empty.
	let dir =
		std::env::temp_dir().join(format!("citychain-index-unfinished-{}", std::process::id()));
	std::fs::create_dir_all(&dir).unwrap();
	let path = dir.join("rebuild.sqlite");
	let mut bulk = Store::create(&path).unwrap();
	bulk.load(vec![(0, record(&mut Rng(7), 0))], 3).unwrap();
	drop(bulk);
	assert_eq!(Store::open(&path).unwrap().reached(Hash::zero()).unwrap(), Err(Stale::Empty));
	// The next rebuild starts over in a new file.
	let bulk = Store::create(&path).unwrap();
	let rows: i64 = bulk.db.query_row("SELECT count(*) FROM datasets", [], |r| r.get(0)).unwrap();
	assert_eq!(rows, 0);
	drop(bulk);
	std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn old_versions_are_kept_for_retain_blocks_and_then_pruned() {
	let mut rng = Rng(3);
	let first = record(&mut rng, 0);
	let mut store = built(vec![(0, first.clone())], 10);
	let mut second = first.clone();
	second.title = BoundedVec::truncate_from(b"renamed".to_vec());
	store.apply(vec![(0, second)], &AccessBlock::default(), reached(11)).unwrap();
	let titles = |store: &Store, at| {
		let page = store
			.search(&DatasetQuery { limit: 10, ..Default::default() }.into(), at)
			.unwrap();
		page.items
			.iter()
			.map(|i| String::from_utf8_lossy(&i.dataset.title).into_owned())
			.collect::<Vec<_>>()
	};
	assert_eq!(titles(&store, 10), vec![String::from_utf8_lossy(&first.title).into_owned()]);
	assert_eq!(titles(&store, 11), vec!["renamed".to_string()]);
	// Before the rebuild's head nothing is known.
	assert!(matches!(
		store.search(&Search::default(), 9),
		Err(Error::Expired { at: 9, oldest: 10 })
	));
	// RETAIN_BLOCKS later the first version is gone, and so is block 10.
	let later = 11 + RETAIN_BLOCKS;
	store.apply(vec![], &AccessBlock::default(), reached(later)).unwrap();
	assert_eq!(store.oldest().unwrap(), 11);
	let expired = store.search(&Search::default(), 10).unwrap_err();
	assert_eq!(
		expired.to_string(),
		"block #10 is older than the search index keeps (from #11): the cursor expired; search again"
	);
	assert_eq!(titles(&store, 11), vec!["renamed".to_string()]);
	let count = |table: &str| -> i64 {
		store
			.db
			.query_row(&format!("SELECT count(*) FROM {table}"), [], |r| r.get(0))
			.unwrap()
	};
	assert_eq!(
		(count("datasets"), count("records"), count("extents")),
		(1, 1, first.bbox.longitude_spans().count() as i64)
	);
}

#[test]
fn sortby_orders_and_pages_and_a_cursor_must_match_it() {
	let mut rng = Rng(17);
	let records: Vec<Record> = (0..200).map(|id| record(&mut rng, id)).collect();
	let store = built(records.iter().cloned().enumerate().map(|(i, r)| (i as DatasetId, r)), 1);
	for sort in [
		vec![SortKey { field: Sortable::Title, descending: false }],
		vec![
			SortKey { field: Sortable::Topic, descending: true },
			SortKey { field: Sortable::Start, descending: false },
		],
		vec![SortKey { field: Sortable::End, descending: true }],
	] {
		let q = Search {
			sort,
			query: DatasetQuery { limit: 7, ..Default::default() },
			..Default::default()
		};
		let found = all_pages(&store, &q);
		assert_eq!(found.len(), 200);
		assert_eq!(found, full_scan(&records, &q));
	}
}

#[test]
fn times_that_touch_the_interval_to_the_millisecond_match_and_one_ms_apart_do_not() {
	let mut rng = Rng(11);
	// Within one minute, so that the R*Tree's minutes cannot tell them
	// apart: the exact times decide.
	let t = 1_700_000_000_123;
	let spans = [(t - 5, Some(t)), (t + 30, None), (t - 5, Some(t - 1)), (t + 31, Some(t + 40))];
	let store = built(
		spans.iter().enumerate().map(|(id, &(start, end))| {
			let mut r = record(&mut rng, id as DatasetId);
			r.time = TimeRange { start, end };
			(id as DatasetId, r)
		}),
		1,
	);
	let query = DatasetQuery {
		time: Some(TimeInterval { start: Some(t), end: Some(t + 30) }),
		limit: 10,
		..Default::default()
	};
	let found: Vec<DatasetId> =
		store.search(&query.into(), 1).unwrap().items.iter().map(|i| i.id).collect();
	assert_eq!(found, vec![0, 1]);
}

#[test]
fn a_scan_stops_at_the_candidate_bound_with_a_cursor() {
	let mut rng = Rng(11);
	let bound = MAX_CANDIDATES as DatasetId;
	let placed = |rng: &mut Rng, id, degrees: f64| {
		let mut r = record(rng, id);
		r.bbox = BoundingBox {
			west: fixed(degrees),
			south: fixed(degrees),
			east: fixed(degrees + 1.0),
			north: fixed(degrees + 1.0),
		};
		(id, r)
	};
	let mut records: Vec<_> = (0..bound + 5).map(|id| placed(&mut rng, id, 0.0)).collect();
	records.push(placed(&mut rng, bound + 5, 2.0));
	let store = built(records, 1);
	// Two points whose box covers every record, of which only the last
	// meets one: every row is a candidate.
	let search = Search {
		intersects: Some(MultiPoint::from(vec![(-1.0, -1.0), (2.5, 2.5)]).into()),
		query: DatasetQuery { limit: 10, ..Default::default() },
		..Default::default()
	};
	let first = store.search(&search, 1).unwrap();
	assert!(first.items.is_empty());
	assert_eq!(
		first.next.as_ref().map(|c| c.id),
		Some(bound - 1),
		"the bound ends the scan, the cursor continues it"
	);
	let rest = store.search(&Search { cursor: first.next, ..search }, 1).unwrap();
	assert_eq!(rest.items.iter().map(|i| i.id).collect::<Vec<_>>(), vec![bound + 5]);
	assert_eq!(rest.next, None);
}

#[test]
fn free_text_finds_whole_words_ranked_title_then_keywords_then_description() {
	let mut rng = Rng(23);
	let mut with = |id, title: &str, keywords: &[&str], description: &str| {
		let mut r = record(&mut rng, id);
		r.title = BoundedVec::truncate_from(title.as_bytes().to_vec());
		r.keywords = BoundedVec::truncate_from(
			keywords
				.iter()
				.map(|k| BoundedVec::truncate_from(k.as_bytes().to_vec()))
				.collect(),
		);
		r.description = BoundedVec::truncate_from(description.as_bytes().to_vec());
		(id, r)
	};
	let records = vec![
		with(0, "Ring road", &[], "Noise map of the ring road"),
		with(1, "Noise barriers", &[], "Walls"),
		with(2, "Night readings", &["noise"], ""),
		with(3, "Noisescape", &["sound"], "Soundscape"),
		with(4, "NOISE complaints", &[], "Each noise complaint"),
	];
	let store = built(records, 1);
	let text = FreeText::parse(["noise"]).unwrap();
	let search = Search {
		free_text: Some(text),
		query: DatasetQuery { limit: 2, ..Default::default() },
		..Default::default()
	};
	// 4 + 1, 4, 2, 1; "Noisescape" is another word.
	assert_eq!(all_pages(&store, &search), vec![4, 1, 2, 0]);
	let by_title =
		Search { sort: vec![SortKey { field: Sortable::Title, descending: false }], ..search };
	assert_eq!(all_pages(&store, &by_title), vec![2, 1, 4, 0]);
}

#[test]
fn a_search_that_runs_too_long_is_stopped_and_the_next_one_is_not() {
	let mut rng = Rng(5);
	let records: Vec<_> = (0..2_000).map(|id| (id, record(&mut rng, id))).collect();
	let store = built(records, 1);
	// Two letters: no trigram filter, every row is read.
	let everything: Search =
		DatasetQuery { text: Some(b"zz".to_vec()), limit: 100, ..Default::default() }.into();
	let error = store.search_within(&everything, 1, Duration::ZERO).unwrap_err();
	assert!(matches!(error, Error::Stopped(budget) if budget.is_zero()));
	assert_eq!(error.to_string(), "the search ran for 0 s and was stopped; narrow it");
	assert!(store.search(&everything, 1).is_ok(), "the clock is reset for each search");
}

#[test]
fn a_cql2_filter_is_evaluated_on_each_item_as_a_full_scan_would() {
	let mut rng = Rng(21);
	let records: Vec<_> = (0..300).map(|id| (id, record(&mut rng, id))).collect();
	let store = built(records.clone(), 1);
	let found = |filter: &str, json: bool| {
		let filter = Some(Filter::parse(filter, json).unwrap());
		all_pages(
			&store,
			&Search {
				filter,
				query: DatasetQuery { limit: 100, ..Default::default() },
				..Default::default()
			},
		)
	};
	let expected = |keep: &dyn Fn(&Record) -> bool| {
		records.iter().filter(|(_, r)| keep(r)).map(|(id, _)| *id).collect::<Vec<_>>()
	};
	let health = expected(&|r| r.topic == TopicCategory::Health && [1, 2].contains(&r.owner));
	assert!(!health.is_empty());
	assert_eq!(
		found("\"citychain:topic\" = 'health' AND \"citychain:owner\" IN (1, 2)", false),
		health
	);
	let (x, y) = (116 * DEGREE + DEGREE / 2, 39 * DEGREE + DEGREE / 2);
	let covers = expected(&|r| {
		let b = r.bbox;
		let across = if b.crosses_antimeridian() {
			x >= b.west || x <= b.east
		} else {
			b.west <= x && x <= b.east
		};
		across && b.south <= y && y <= b.north
	});
	assert!(!covers.is_empty());
	let point = r#"{"op":"s_intersects","args":[{"property":"geometry"},{"type":"Point","coordinates":[116.5,39.5]}]}"#;
	assert_eq!(found(point, true), covers);
	let error = Filter::parse("colour = 'red'", false).unwrap_err();
	assert_eq!(error, Invalid::NotQueryable("colour".into()));
	assert!(
		error
			.to_string()
			.starts_with("\"colour\" is not queryable (queryables: id, collection"),
		"{error}"
	);
	assert!(matches!(Filter::parse("title = ", false), Err(Invalid::NotCql2Text(_))));
}

/// Every aggregation of a search, at block 1.
fn aggregated(store: &Store, search: &Search) -> Vec<crate::search_index::Counted> {
	use crate::search_index::{Aggregation, Tally, AGGREGATIONS};
	let asked = AGGREGATIONS
		.iter()
		.map(|(name, _)| Aggregation::parse(name, Some(3), Some(6)).unwrap())
		.collect();
	let mut tally = Tally::new(asked);
	store.aggregate(search, &mut tally, 1).unwrap();
	tally.finish()
}

#[test]
fn aggregations_count_exactly_what_the_reader_may_see_of_a_full_scan() {
	use crate::search_index::Aggregation;
	use citychain_primitives::{visibility::Visibility, Sensitivity};
	use std::collections::BTreeMap;
	let mut rng = Rng(0x5eed_c17c_a66e_0001);
	for catalogue in 0..6 {
		let records: Vec<Record> =
			(0..50 + rng.below(250)).map(|id| record(&mut rng, id)).collect();
		let store =
			built(records.iter().cloned().enumerate().map(|(id, r)| (id as DatasetId, r)), 1);
		for round in 0..30 {
			let mut q = query(&mut rng, records.len());
			// Anonymous, a member of a department (with contracts), the
			// regulator (every record).
			q.visible = match round % 3 {
				0 => Some(Visibility::public()),
				1 => Some(Visibility::new(
					vec![Sensitivity::Public, Sensitivity::Internal, Sensitivity::Confidential],
					Some(rng.below(4) as DepartmentId),
					(0..rng.below(6)).map(|_| rng.below(records.len() as u64)).collect(),
				)),
				_ => None,
			};
			let seen = full_scan(&records, &q);
			assert_eq!(all_pages(&store, &q), seen, "the pages a reader reads");
			let count = |key: &dyn Fn(&Record) -> String| {
				let mut counts = BTreeMap::<String, u64>::new();
				for id in &seen {
					*counts.entry(key(&records[*id as usize])).or_default() += 1;
				}
				counts
			};
			// The year of the start, from its days since the epoch (Howard
			// Hinnant's civil-from-days).
			let year = |r: &Record| {
				let days = r.time.start.div_euclid(86_400_000) + 719_468;
				let era = days.div_euclid(146_097);
				let day_of_era = days - era * 146_097;
				let year_of_era = (day_of_era - day_of_era / 1460 + day_of_era / 36_524
					- day_of_era / 146_096)
					/ 365;
				let day_of_year =
					day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
				let month = (5 * day_of_year + 2) / 153;
				let y = year_of_era + era * 400 + i64::from(month >= 10);
				format!("{y}-01-01T00:00:00.000Z")
			};
			for counted in aggregated(&store, &q) {
				let buckets: BTreeMap<String, u64> = counted.buckets.iter().cloned().collect();
				let expected = match counted.aggregation {
					Aggregation::TotalCount => {
						assert_eq!(counted.value, Some(seen.len() as i64));
						continue;
					},
					Aggregation::DatetimeMin => {
						let min = seen.iter().map(|id| records[*id as usize].time.start).min();
						assert_eq!(counted.value, min);
						continue;
					},
					Aggregation::DatetimeMax => {
						let r = |id: &DatasetId| &records[*id as usize];
						let max = seen.iter().map(|id| r(id).time.end.unwrap_or(r(id).time.start));
						assert_eq!(counted.value, max.max());
						continue;
					},
					Aggregation::Collection => count(&|r| format!("department-{}", r.owner)),
					Aggregation::Topic => count(&|r| r.topic.as_str().into()),
					Aggregation::Policy => count(&|r| r.policy.as_str().into()),
					Aggregation::License => count(&|r| {
						r.license.as_ref().map_or("other".into(), |l| {
							String::from_utf8(l.expression.to_vec()).unwrap()
						})
					}),
					Aggregation::Year => count(&year),
					Aggregation::Geohash(_) | Aggregation::Geotile(_) => {
						let total: u64 = buckets.values().sum();
						assert_eq!(total + counted.overflow, seen.len() as u64);
						continue;
					},
				};
				assert_eq!(counted.overflow, 0);
				assert_eq!(
					buckets, expected,
					"catalogue {catalogue} round {round}: {:?} of {q:?}",
					counted.aggregation
				);
			}
		}
	}
}

#[test]
fn an_aggregation_beyond_its_candidate_bound_is_refused_not_counted_in_part() {
	use crate::search_index::{Aggregation, Tally, MAX_AGGREGATED};
	let mut rng = Rng(11);
	let one = record(&mut rng, 0);
	let store = built((0..=MAX_AGGREGATED as DatasetId).map(|id| (id, one.clone())), 1);
	let mut tally = Tally::new(vec![Aggregation::TotalCount]);
	let refused = store.aggregate(&Search::default(), &mut tally, 1).unwrap_err();
	assert!(matches!(refused, Error::TooMany { most } if most == MAX_AGGREGATED), "{refused}");
	// One fewer candidate (a narrower search) is counted in full.
	let narrower = Search { ids: Vec::new(), owners: vec![one.owner], ..Default::default() };
	let store = built((0..MAX_AGGREGATED as DatasetId).map(|id| (id, one.clone())), 1);
	let mut tally = Tally::new(vec![Aggregation::TotalCount]);
	store.aggregate(&narrower, &mut tally, 1).unwrap();
	assert_eq!(tally.total(), MAX_AGGREGATED as u64);
}
