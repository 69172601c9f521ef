use crate::{
	mock::*, pallet::Datasets as Records, AccessPolicy, BoundingBox, DatasetContent,
	DatasetDescription, DatasetId, DatasetOf, DatasetStatus, DepartmentId, Error, Event,
	MetadataUpdate, NextDatasetId, Sensitivity, Stamp, TimeRange, TopicCategory, WeightInfo,
	MAX_DESCRIPTION_LEN, MAX_FORMAT_LEN, MAX_HISTORY, MAX_KEYWORDS, MAX_KEYWORD_LEN, MAX_TITLE_LEN,
	MAX_URI_LEN,
};
use citychain_primitives::{
	datasets::MAX_PAGE_SIZE,
	geometry::{BoundingBoxError, DEGREE},
	time::{TimeRangeError, MAX_TIME},
	DatasetQuery, DepartmentStatus, QueryError, TimeInterval,
};
use citychain_primitives::{license::MAX_LICENSE_LEN, LicenseInput};
use frame_support::{assert_noop, assert_ok};
use sp_runtime::{DispatchError, DispatchResult};

fn deg(d: f64) -> i32 {
	(d * DEGREE as f64).round() as i32
}

fn bbox(west: f64, south: f64, east: f64, north: f64) -> BoundingBox {
	BoundingBox { west: deg(west), south: deg(south), east: deg(east), north: deg(north) }
}

/// Central Beijing, the city of the examples.
fn city() -> BoundingBox {
	bbox(116.20, 39.80, 116.55, 40.05)
}

const DAY: i64 = 86_400_000;
const JAN_2024: i64 = 1_704_067_200_000;

fn description(title: &str) -> DatasetDescription {
	DatasetDescription {
		title: title.as_bytes().to_vec(),
		description: b"Traffic counts at signalised junctions".to_vec(),
		topic: TopicCategory::Transportation,
		keywords: vec![b"traffic".to_vec(), b"junctions".to_vec()],
		uri: b"https://data.transport.city.example/counts.parquet".to_vec(),
		license: license("CC-BY-4.0", None),
	}
}

fn license(expression: &str, url: Option<&str>) -> LicenseInput {
	LicenseInput { expression: expression.into(), url: url.map(Into::into) }
}

fn content(bbox: BoundingBox, time: TimeRange) -> DatasetContent {
	DatasetContent {
		bbox,
		crs: 4326,
		time,
		format: b"application/vnd.apache.parquet".to_vec(),
		hash_code: 0xb220,
		digest: vec![0xab; 32],
		size: 1_234_567,
	}
}

fn year_2024() -> TimeRange {
	TimeRange { start: JAN_2024, end: Some(JAN_2024 + 365 * DAY) }
}

fn register_as(who: AccountId, title: &str, bbox: BoundingBox, time: TimeRange) -> DatasetId {
	let id = NextDatasetId::<Test>::get();
	assert_ok!(Datasets::register_dataset(
		RuntimeOrigin::signed(who),
		description(title),
		content(bbox, time),
		AccessPolicy::ApprovalRequired,
		Sensitivity::Internal,
	));
	id
}

fn register(title: &str) -> DatasetId {
	register_as(TRANSPORT_PUBLISHER, title, city(), year_2024())
}

fn register_content(c: DatasetContent) -> DispatchResult {
	Datasets::register_dataset(
		RuntimeOrigin::signed(TRANSPORT_PUBLISHER),
		description("Counts"),
		c,
		AccessPolicy::Open,
		Sensitivity::Public,
	)
}

fn register_description(d: DatasetDescription) -> DispatchResult {
	Datasets::register_dataset(
		RuntimeOrigin::signed(TRANSPORT_PUBLISHER),
		d,
		content(city(), year_2024()),
		AccessPolicy::Open,
		Sensitivity::Public,
	)
}

fn record(id: DatasetId) -> DatasetOf<Test> {
	Records::<Test>::get(id).expect("dataset exists")
}

/// The records `query` matches, by id: what every node's search index
/// answers (it filters with `DatasetQuery::matches` too).
fn search(query: DatasetQuery) -> Vec<DatasetId> {
	let mut ids: Vec<_> = Records::<Test>::iter()
		.filter(|(_, d)| query.matches(d))
		.map(|(id, _)| id)
		.collect();
	ids.sort_unstable();
	ids
}

/// Every page of `owner`'s datasets, `limit` at a time.
fn all_pages_of(owner: DepartmentId, limit: u32) -> Vec<DatasetId> {
	let mut seen = Vec::new();
	let mut cursor = None;
	loop {
		let page = Datasets::datasets_of(owner, cursor, limit);
		assert!(page.items.len() <= limit.clamp(1, MAX_PAGE_SIZE) as usize);
		assert!(page.items.iter().all(|i| i.dataset.owner == owner));
		seen.extend(page.items.iter().map(|i| i.id));
		match page.next {
			Some(next) => cursor = Some(next),
			None => return seen,
		}
	}
}

fn query() -> DatasetQuery {
	DatasetQuery { limit: MAX_PAGE_SIZE, ..Default::default() }
}

// --- register_dataset ---

#[test]
fn register_dataset_files_the_record_with_owner_publisher_and_stamps() {
	new_test_ext().execute_with(|| {
		System::set_block_number(7);
		let id = register("Junction counts 2024");
		let d = record(id);
		assert_eq!((d.owner, d.publisher), (TRANSPORT, TRANSPORT_PUBLISHER));
		assert_eq!(d.title.to_vec(), b"Junction counts 2024".to_vec());
		assert_eq!((d.version, d.predecessor, d.successor), (1, None, None));
		assert_eq!(d.status, DatasetStatus::Active);
		assert_eq!(d.content_hash.code, 0xb220);
		let license = d.license.expect("a new record states its licence");
		assert_eq!((&license.expression[..], license.url), (&b"CC-BY-4.0"[..], None));
		assert_eq!(d.created, Stamp { block: 7, time: 1_700_000_000_000 });
		assert_eq!(d.updated, d.created);
		assert_eq!(NextDatasetId::<Test>::get(), 1);
		System::assert_last_event(
			Event::DatasetRegistered {
				dataset: 0,
				owner: TRANSPORT,
				publisher: TRANSPORT_PUBLISHER,
			}
			.into(),
		);
		Datasets::do_try_state().unwrap();
	});
}

#[test]
fn register_dataset_requires_a_publisher_of_an_active_department() {
	new_test_ext().execute_with(|| {
		let call = |who| {
			Datasets::register_dataset(
				RuntimeOrigin::signed(who),
				description("Counts"),
				content(city(), year_2024()),
				AccessPolicy::Open,
				Sensitivity::Public,
			)
		};
		assert_noop!(call(OUTSIDER), Error::<Test>::NotMember);
		assert_noop!(call(TRANSPORT_CLERK), Error::<Test>::NotPublisher);
		Directory::set_status(TRANSPORT, DepartmentStatus::Suspended);
		assert_noop!(call(TRANSPORT_PUBLISHER), Error::<Test>::DepartmentNotActive);
		assert_noop!(
			Datasets::register_dataset(
				RuntimeOrigin::none(),
				description("Counts"),
				content(city(), year_2024()),
				AccessPolicy::Open,
				Sensitivity::Public,
			),
			DispatchError::BadOrigin
		);
	});
}

#[test]
fn register_dataset_refuses_bad_descriptions() {
	new_test_ext().execute_with(|| {
		let with = |f: fn(&mut DatasetDescription)| {
			let mut d = description("Counts");
			f(&mut d);
			register_description(d)
		};
		assert_noop!(with(|d| d.title.clear()), Error::<Test>::EmptyTitle);
		assert_noop!(
			with(|d| d.title = vec![b't'; MAX_TITLE_LEN as usize + 1]),
			Error::<Test>::TitleTooLong
		);
		assert_noop!(
			with(|d| d.description = vec![b'd'; MAX_DESCRIPTION_LEN as usize + 1]),
			Error::<Test>::DescriptionTooLong
		);
		assert_noop!(
			with(|d| d.keywords = vec![b"k".to_vec(); MAX_KEYWORDS as usize + 1]),
			Error::<Test>::TooManyKeywords
		);
		assert_noop!(with(|d| d.keywords.push(Vec::new())), Error::<Test>::EmptyKeyword);
		assert_noop!(
			with(|d| d.keywords.push(vec![b'k'; MAX_KEYWORD_LEN as usize + 1])),
			Error::<Test>::KeywordTooLong
		);
		assert_noop!(with(|d| d.uri.clear()), Error::<Test>::EmptyUri);
		assert_noop!(
			with(|d| d.uri = vec![b'u'; MAX_URI_LEN as usize + 1]),
			Error::<Test>::UriTooLong
		);
		assert_noop!(
			with(|d| d.uri = b"javascript:alert(document.cookie)".to_vec()),
			Error::<Test>::InvalidUri
		);
		assert_noop!(with(|d| d.uri = b"data:text/html,x".to_vec()), Error::<Test>::InvalidUri);
		assert_noop!(with(|d| d.uri = b"file:///etc/passwd".to_vec()), Error::<Test>::InvalidUri);
		assert_ok!(with(|d| {
			d.title = vec![b't'; MAX_TITLE_LEN as usize];
			d.keywords = vec![vec![b'k'; MAX_KEYWORD_LEN as usize]; MAX_KEYWORDS as usize];
		}));
	});
}

#[test]
fn register_dataset_refuses_bad_licences() {
	new_test_ext().execute_with(|| {
		let with = |expression: &str, url: Option<&str>| {
			let mut d = description("Counts");
			d.license = license(expression, url);
			register_description(d)
		};
		assert_noop!(with("CC BY 4.0", None), Error::<Test>::InvalidLicense);
		assert_noop!(with("", None), Error::<Test>::InvalidLicense);
		assert_noop!(
			with(&"A".repeat(MAX_LICENSE_LEN as usize + 1), None),
			Error::<Test>::LicenseTooLong
		);
		assert_noop!(with("other", None), Error::<Test>::LicenseUrlMissing);
		assert_noop!(with("LicenseRef-City-Terms", None), Error::<Test>::LicenseUrlMissing);
		assert_noop!(with("MIT", Some("")), Error::<Test>::EmptyLicenseUrl);
		let long = "u".repeat(MAX_URI_LEN as usize + 1);
		assert_noop!(with("MIT", Some(&long)), Error::<Test>::LicenseUrlTooLong);
		assert_noop!(
			with("other", Some("javascript:alert(document.cookie)")),
			Error::<Test>::InvalidLicenseUrl
		);
		assert_ok!(with("other", Some("https://city.example/terms")));
		assert_ok!(with("ODbL-1.0 OR CC-BY-SA-4.0", None));
	});
}

#[test]
fn register_dataset_refuses_bad_extents() {
	new_test_ext().execute_with(|| {
		let with_box = |b| register_content(content(b, year_2024()));
		assert_noop!(with_box(bbox(116.0, 39.0, 117.0, 90.5)), Error::<Test>::InvalidLatitude);
		assert_noop!(with_box(bbox(116.0, -91.0, 117.0, 40.0)), Error::<Test>::InvalidLatitude);
		assert_noop!(with_box(bbox(180.5, 39.0, 117.0, 40.0)), Error::<Test>::InvalidLongitude);
		assert_noop!(with_box(bbox(116.0, 41.0, 117.0, 40.0)), Error::<Test>::InvalidBoundingBox);
		let with_time = |t| register_content(content(city(), t));
		assert_noop!(
			with_time(TimeRange { start: JAN_2024, end: Some(JAN_2024 - 1) }),
			Error::<Test>::EndBeforeStart
		);
		assert_noop!(
			with_time(TimeRange { start: JAN_2024, end: Some(MAX_TIME + 1) }),
			Error::<Test>::TimeOutOfRange
		);
		// Across the antimeridian, a point, an instant and an ongoing range are fine.
		assert_ok!(with_box(bbox(179.0, -18.0, -179.0, -16.0)));
		assert_ok!(with_box(bbox(116.4, 39.9, 116.4, 39.9)));
		assert_ok!(with_time(TimeRange { start: JAN_2024, end: Some(JAN_2024) }));
		assert_ok!(with_time(TimeRange { start: JAN_2024, end: None }));
		Datasets::do_try_state().unwrap();
	});
}

#[test]
fn register_dataset_refuses_bad_content_fields() {
	new_test_ext().execute_with(|| {
		let with = |f: fn(&mut DatasetContent)| {
			let mut c = content(city(), year_2024());
			f(&mut c);
			register_content(c)
		};
		assert_noop!(with(|c| c.crs = 0), Error::<Test>::InvalidCrs);
		assert_noop!(with(|c| c.crs = 102_100), Error::<Test>::InvalidCrs);
		assert_noop!(with(|c| c.format = b"parquet".to_vec()), Error::<Test>::InvalidMediaType);
		assert_noop!(with(|c| c.format = b"text/".to_vec()), Error::<Test>::InvalidMediaType);
		assert_noop!(with(|c| c.format = b"a/b/c".to_vec()), Error::<Test>::InvalidMediaType);
		assert_noop!(
			with(|c| {
				c.format = b"application/".to_vec();
				c.format.resize(MAX_FORMAT_LEN as usize + 1, b'x');
			}),
			Error::<Test>::FormatTooLong
		);
		assert_noop!(with(|c| c.hash_code = 0x11), Error::<Test>::UnknownHashFunction);
		assert_noop!(with(|c| c.digest.pop().map(drop).unwrap()), Error::<Test>::WrongDigestLength);
		assert_noop!(
			with(|c| {
				c.hash_code = 0x12;
				c.digest = vec![1; 64];
			}),
			Error::<Test>::WrongDigestLength
		);
		assert_noop!(with(|c| c.size = 0), Error::<Test>::EmptyContent);
		assert_ok!(with(|c| {
			c.hash_code = 0x12;
			c.format = b"application/geo+json; charset=utf-8".to_vec();
		}));
	});
}

#[test]
fn confidential_data_cannot_be_open() {
	new_test_ext().execute_with(|| {
		assert_noop!(
			Datasets::register_dataset(
				RuntimeOrigin::signed(TRANSPORT_PUBLISHER),
				description("Camera locations"),
				content(city(), year_2024()),
				AccessPolicy::Open,
				Sensitivity::Confidential,
			),
			Error::<Test>::PolicyTooPermissive
		);
	});
}

// --- publish_version ---

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

// --- update_metadata ---

#[test]
fn update_metadata_changes_descriptive_fields_only() {
	new_test_ext().execute_with(|| {
		let id = register("Counts");
		let before = record(id);
		System::set_block_number(3);
		let update = MetadataUpdate {
			title: Some(b"Junction counts".to_vec()),
			keywords: Some(vec![b"mobility".to_vec()]),
			topic: Some(TopicCategory::Society),
			..Default::default()
		};
		assert_ok!(Datasets::update_metadata(
			RuntimeOrigin::signed(TRANSPORT_PUBLISHER),
			id,
			update
		));
		System::assert_last_event(Event::MetadataUpdated { dataset: id }.into());
		let after = record(id);
		assert_eq!(after.title.to_vec(), b"Junction counts".to_vec());
		assert_eq!(after.keywords.len(), 1);
		assert_eq!(after.topic, TopicCategory::Society);
		assert_eq!(after.description, before.description);
		assert_eq!((after.content_hash.clone(), after.bbox), (before.content_hash, before.bbox));
		assert_eq!(after.updated.block, 3);
		assert_eq!(after.license, before.license);
		let relicense = MetadataUpdate {
			license: Some(license("LicenseRef-Transport-1", Some("https://transport.example/t"))),
			..Default::default()
		};
		assert_ok!(Datasets::update_metadata(
			RuntimeOrigin::signed(TRANSPORT_PUBLISHER),
			id,
			relicense
		));
		let license = record(id).license.unwrap();
		assert_eq!(license.expression.to_vec(), b"LicenseRef-Transport-1".to_vec());
		assert_eq!(license.url.map(|u| u.to_vec()), Some(b"https://transport.example/t".to_vec()));
	});
}

#[test]
fn update_metadata_refuses_empty_invalid_and_unauthorised_updates() {
	new_test_ext().execute_with(|| {
		let id = register("Counts");
		let update = |who, u| Datasets::update_metadata(RuntimeOrigin::signed(who), id, u);
		assert_noop!(
			update(TRANSPORT_PUBLISHER, MetadataUpdate::default()),
			Error::<Test>::NothingToUpdate
		);
		let empty_title = MetadataUpdate { title: Some(Vec::new()), ..Default::default() };
		assert_noop!(update(TRANSPORT_PUBLISHER, empty_title), Error::<Test>::EmptyTitle);
		let long_uri = MetadataUpdate {
			uri: Some(vec![b'u'; MAX_URI_LEN as usize + 1]),
			..Default::default()
		};
		assert_noop!(update(TRANSPORT_PUBLISHER, long_uri), Error::<Test>::UriTooLong);
		let script_uri =
			MetadataUpdate { uri: Some(b"javascript:alert(1)".to_vec()), ..Default::default() };
		assert_noop!(update(TRANSPORT_PUBLISHER, script_uri), Error::<Test>::InvalidUri);
		let long_desc = MetadataUpdate {
			description: Some(vec![b'd'; MAX_DESCRIPTION_LEN as usize + 1]),
			..Default::default()
		};
		assert_noop!(update(TRANSPORT_PUBLISHER, long_desc), Error::<Test>::DescriptionTooLong);
		let many = MetadataUpdate {
			keywords: Some(vec![b"k".to_vec(); MAX_KEYWORDS as usize + 1]),
			..Default::default()
		};
		assert_noop!(update(TRANSPORT_PUBLISHER, many), Error::<Test>::TooManyKeywords);
		let custom = MetadataUpdate { license: Some(license("other", None)), ..Default::default() };
		assert_noop!(update(TRANSPORT_PUBLISHER, custom), Error::<Test>::LicenseUrlMissing);
		let title = MetadataUpdate { title: Some(b"New".to_vec()), ..Default::default() };
		assert_noop!(update(PLANNING_PUBLISHER, title.clone()), Error::<Test>::NotOwner);
		assert_ok!(Datasets::withdraw_dataset(RuntimeOrigin::signed(TRANSPORT_PUBLISHER), id));
		assert_noop!(update(TRANSPORT_PUBLISHER, title), Error::<Test>::DatasetWithdrawn);
	});
}

// --- set_access_policy ---

#[test]
fn set_access_policy_changes_policy_and_sensitivity() {
	new_test_ext().execute_with(|| {
		let id = register("Counts");
		assert_ok!(Datasets::set_access_policy(
			RuntimeOrigin::signed(TRANSPORT_PUBLISHER),
			id,
			AccessPolicy::Restricted,
			Sensitivity::Confidential,
		));
		System::assert_last_event(
			Event::AccessPolicyChanged {
				dataset: id,
				policy: AccessPolicy::Restricted,
				sensitivity: Sensitivity::Confidential,
			}
			.into(),
		);
		let d = record(id);
		assert_eq!(
			(d.policy, d.sensitivity),
			(AccessPolicy::Restricted, Sensitivity::Confidential)
		);
	});
}

#[test]
fn set_access_policy_refuses_no_change_open_sensitive_data_and_strangers() {
	new_test_ext().execute_with(|| {
		let id = register("Counts");
		let set = |who, p, s| Datasets::set_access_policy(RuntimeOrigin::signed(who), id, p, s);
		assert_noop!(
			set(TRANSPORT_PUBLISHER, AccessPolicy::ApprovalRequired, Sensitivity::Internal),
			Error::<Test>::NothingToUpdate
		);
		assert_noop!(
			set(TRANSPORT_PUBLISHER, AccessPolicy::Open, Sensitivity::Secret),
			Error::<Test>::PolicyTooPermissive
		);
		assert_noop!(
			set(PLANNING_PUBLISHER, AccessPolicy::Open, Sensitivity::Public),
			Error::<Test>::NotOwner
		);
		assert_noop!(
			Datasets::set_access_policy(
				RuntimeOrigin::signed(TRANSPORT_PUBLISHER),
				7,
				AccessPolicy::Open,
				Sensitivity::Public
			),
			Error::<Test>::UnknownDataset
		);
		assert_ok!(Datasets::withdraw_dataset(RuntimeOrigin::signed(TRANSPORT_PUBLISHER), id));
		assert_noop!(
			set(TRANSPORT_PUBLISHER, AccessPolicy::Open, Sensitivity::Public),
			Error::<Test>::DatasetWithdrawn
		);
	});
}

// --- deprecate_dataset and withdraw_dataset ---

#[test]
fn deprecate_dataset_only_from_active() {
	new_test_ext().execute_with(|| {
		let id = register("Counts");
		let deprecate = |who, id| Datasets::deprecate_dataset(RuntimeOrigin::signed(who), id);
		assert_noop!(deprecate(PLANNING_PUBLISHER, id), Error::<Test>::NotOwner);
		assert_ok!(deprecate(TRANSPORT_PUBLISHER, id));
		System::assert_last_event(Event::DatasetDeprecated { dataset: id }.into());
		assert_eq!(record(id).status, DatasetStatus::Deprecated);
		assert_noop!(deprecate(TRANSPORT_PUBLISHER, id), Error::<Test>::AlreadyDeprecated);
		assert_ok!(Datasets::publish_version(
			RuntimeOrigin::signed(TRANSPORT_PUBLISHER),
			id,
			content(city(), year_2024()),
			None,
		));
		assert_noop!(deprecate(TRANSPORT_PUBLISHER, id), Error::<Test>::DatasetSuperseded);
		assert_ok!(Datasets::withdraw_dataset(RuntimeOrigin::signed(TRANSPORT_PUBLISHER), id + 1));
		assert_noop!(deprecate(TRANSPORT_PUBLISHER, id + 1), Error::<Test>::DatasetWithdrawn);
		assert_noop!(deprecate(TRANSPORT_PUBLISHER, 77), Error::<Test>::UnknownDataset);
	});
}

#[test]
fn withdraw_dataset_is_final_and_keeps_the_record() {
	new_test_ext().execute_with(|| {
		let id = register("Counts");
		let withdraw = |who| Datasets::withdraw_dataset(RuntimeOrigin::signed(who), id);
		assert_noop!(withdraw(PLANNING_PUBLISHER), Error::<Test>::NotOwner);
		assert_noop!(withdraw(TRANSPORT_CLERK), Error::<Test>::NotPublisher);
		assert!(WithdrawalLog::withdrawn().is_empty());
		assert_ok!(withdraw(TRANSPORT_PUBLISHER));
		System::assert_last_event(Event::DatasetWithdrawn { dataset: id }.into());
		assert_eq!(WithdrawalLog::withdrawn(), vec![id], "the hook hears of it");
		assert_eq!(record(id).status, DatasetStatus::Withdrawn);
		assert_noop!(withdraw(TRANSPORT_PUBLISHER), Error::<Test>::DatasetWithdrawn);
		Directory::set_status(TRANSPORT, DepartmentStatus::Retired);
		assert_noop!(withdraw(TRANSPORT_PUBLISHER), Error::<Test>::DepartmentNotActive);
		Datasets::do_try_state().unwrap();
	});
}

/// A dataset in three versions: (v1, v2, v3), v3 current.
fn three_versions() -> (DatasetId, DatasetId, DatasetId) {
	let v1 = register("Counts");
	for id in [v1, v1 + 1] {
		assert_ok!(Datasets::publish_version(
			RuntimeOrigin::signed(TRANSPORT_PUBLISHER),
			id,
			content(city(), year_2024()),
			None,
		));
	}
	(v1, v1 + 1, v1 + 2)
}

#[test]
fn a_policy_change_reaches_every_earlier_version_and_the_access_pallet() {
	new_test_ext().execute_with(|| {
		let (v1, v2, v3) = three_versions();
		let set = |id| {
			Datasets::set_access_policy(
				RuntimeOrigin::signed(TRANSPORT_PUBLISHER),
				id,
				AccessPolicy::Restricted,
				Sensitivity::Confidential,
			)
		};
		assert_noop!(set(v2), Error::<Test>::DatasetSuperseded);
		let info = set(v3).unwrap();
		for id in [v1, v2, v3] {
			let d = record(id);
			assert_eq!(
				(d.policy, d.sensitivity),
				(AccessPolicy::Restricted, Sensitivity::Confidential)
			);
		}
		assert_eq!(record(v1).status, DatasetStatus::Superseded, "only the policy changes");
		assert_eq!(
			PolicyLog::changes(),
			vec![(v3, AccessPolicy::Restricted, Sensitivity::Confidential)]
		);
		// Charged for the two earlier versions it walked, not for the most.
		let charged = info.actual_weight.expect("refunded to what it did");
		assert_eq!(
			charged,
			<() as WeightInfo>::set_access_policy()
				.saturating_add(Datasets::earlier_versions_weight(2))
				.saturating_add(frame_support::weights::Weight::from_parts(1_000, 0))
		);
		Datasets::do_try_state().unwrap();
	});
}

#[test]
fn withdrawing_the_current_version_withdraws_every_earlier_one() {
	new_test_ext().execute_with(|| {
		let (v1, v2, v3) = three_versions();
		let withdraw =
			|id| Datasets::withdraw_dataset(RuntimeOrigin::signed(TRANSPORT_PUBLISHER), id);
		assert_noop!(withdraw(v1), Error::<Test>::DatasetSuperseded);
		let info = withdraw(v3).unwrap();
		assert_eq!(
			info.actual_weight,
			Some(
				<() as WeightInfo>::withdraw_dataset()
					.saturating_add(Datasets::earlier_withdrawals_weight(2))
					.saturating_add(frame_support::weights::Weight::from_parts(1_000, 0))
			),
			"charged for the two earlier versions and the hooks"
		);
		for id in [v1, v2, v3] {
			assert_eq!(record(id).status, DatasetStatus::Withdrawn);
		}
		assert_eq!(record(v1).successor, Some(v2), "the history stays walkable");
		assert_eq!(WithdrawalLog::withdrawn(), vec![v3]);
		assert_eq!(
			WithdrawalLog::earlier_withdrawn(),
			vec![v2, v1],
			"each earlier version is told, newest first"
		);
		assert_noop!(withdraw(v2), Error::<Test>::DatasetWithdrawn);
		Datasets::do_try_state().unwrap();
	});
}

#[test]
fn a_dataset_has_at_most_max_history_versions() {
	new_test_ext().execute_with(|| {
		let id = register("Counts");
		Records::<Test>::mutate(id, |d| d.as_mut().expect("registered").version = MAX_HISTORY);
		assert_noop!(
			Datasets::publish_version(
				RuntimeOrigin::signed(TRANSPORT_PUBLISHER),
				id,
				content(city(), year_2024()),
				None,
			),
			Error::<Test>::TooManyVersions
		);
	});
}

// --- queries ---

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
