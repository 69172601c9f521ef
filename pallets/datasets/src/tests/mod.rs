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

mod deprecate_and_withdraw;
mod publish_version;
mod queries;
mod register_dataset;
mod set_access_policy;
mod update_metadata;
