//! Benchmarks of the datasets pallet at worst-case sizes: every text at its
//! longest, the most keywords, the longest format and digest, so that the
//! record written and the audit entry hashed are the largest there are.

use super::*;
use alloc::{vec, vec::Vec};
use citychain_primitives::{
	geometry::DEGREE, license::MAX_LICENSE_LEN, DepartmentKind, DepartmentsBenchmarkHelper, Roles,
};
use frame_benchmarking::v2::*;
use frame_system::RawOrigin;

fn text(len: u32) -> Vec<u8> {
	vec![b'x'; len as usize]
}

/// An http(s) URL of `len` bytes, all of which the link check reads.
fn web_url(len: u32) -> Vec<u8> {
	let mut url = b"https://x.example/".to_vec();
	url.resize(len as usize, b'x');
	url
}

pub(crate) fn description() -> DatasetDescription {
	DatasetDescription {
		title: text(MAX_TITLE_LEN),
		description: text(MAX_DESCRIPTION_LEN),
		topic: TopicCategory::Transportation,
		keywords: vec![text(MAX_KEYWORD_LEN); MAX_KEYWORDS as usize],
		uri: web_url(MAX_URI_LEN),
		license: license(),
	}
}

/// The costliest licence to check: an expression of the most terms at the
/// longest, one of them custom, so that the longest URL goes with it.
pub(crate) fn license() -> LicenseInput {
	let mut expression = b"LicenseRef-x".to_vec();
	while expression.len() + b" OR A".len() <= MAX_LICENSE_LEN as usize {
		expression.extend_from_slice(b" OR A");
	}
	LicenseInput { expression, url: Some(web_url(MAX_URI_LEN)) }
}

/// The largest content: the longest format and digest (BLAKE2b-512).
pub(crate) fn content() -> DatasetContent {
	let mut format = b"application/".to_vec();
	format.resize(MAX_FORMAT_LEN as usize, b'x');
	DatasetContent {
		bbox: BoundingBox {
			west: -100 * DEGREE,
			south: -50 * DEGREE,
			east: 100 * DEGREE,
			north: 50 * DEGREE,
		},
		crs: 4326,
		time: TimeRange { start: -(1 << 44), end: Some(1 << 44) },
		format,
		hash_code: 0xb240,
		digest: vec![7; 64],
		size: u64::MAX,
	}
}

/// A Publisher of a new department, in block 1 (the runtime's clock refuses
/// to tell the time at genesis).
fn publisher<T: Config>() -> T::AccountId {
	frame_system::Pallet::<T>::set_block_number(1u32.into());
	T::BenchmarkHelper::new_member(DepartmentKind::Transport, Roles::only(Role::Publisher))
}

fn registered<T: Config>(who: &T::AccountId) -> DatasetId {
	let id = NextDatasetId::<T>::get();
	Pallet::<T>::register_dataset(
		RawOrigin::Signed(who.clone()).into(),
		description(),
		content(),
		AccessPolicy::ApprovalRequired,
		Sensitivity::Internal,
	)
	.expect("a valid dataset");
	id
}

#[benchmarks]
mod benchmarks {
	use super::*;

	#[benchmark]
	fn register_dataset() {
		let who = publisher::<T>();

		#[extrinsic_call]
		_(
			RawOrigin::Signed(who),
			description(),
			content(),
			AccessPolicy::Restricted,
			Sensitivity::Secret,
		);

		assert_eq!(NextDatasetId::<T>::get(), 1);
	}

	/// A version whose predecessor's largest policy moves to it.
	#[benchmark]
	fn publish_version() {
		let who = publisher::<T>();
		let id = registered::<T>(&who);
		Pallet::<T>::set_access_policy(
			RawOrigin::Signed(who.clone()).into(),
			id,
			T::Terms::largest_policy(0),
			Sensitivity::Internal,
		)
		.expect("the publisher sets the largest policy");

		#[extrinsic_call]
		_(RawOrigin::Signed(who), id, content(), Some(description()));

		assert_eq!(Datasets::<T>::get(id).and_then(|d| d.successor), Some(id + 1));
		assert!(Rules::<T>::contains_key(id + 1));
	}

	#[benchmark]
	fn update_metadata() {
		let who = publisher::<T>();
		let id = registered::<T>(&who);
		let d = description();
		let update = MetadataUpdate {
			title: Some(d.title),
			description: Some(d.description),
			topic: Some(TopicCategory::Location),
			keywords: Some(d.keywords),
			uri: Some(d.uri),
			license: Some(d.license),
		};

		#[extrinsic_call]
		_(RawOrigin::Signed(who), id, update);

		assert_eq!(Datasets::<T>::get(id).map(|d| d.topic), Some(TopicCategory::Location));
	}

	/// The largest policy, every purpose and jurisdiction it names looked
	/// up.
	#[benchmark]
	fn set_access_policy() {
		let who = publisher::<T>();
		let id = registered::<T>(&who);
		let rules = T::Terms::largest_policy(0);

		#[extrinsic_call]
		_(RawOrigin::Signed(who), id, rules.clone(), Sensitivity::Internal);

		assert_eq!(Rules::<T>::get(id), Some(rules));
	}

	#[benchmark]
	fn deprecate_dataset() {
		let who = publisher::<T>();
		let id = registered::<T>(&who);

		#[extrinsic_call]
		_(RawOrigin::Signed(who), id);

		assert_eq!(Datasets::<T>::get(id).map(|d| d.status), Some(DatasetStatus::Deprecated));
	}

	#[benchmark]
	fn withdraw_dataset() {
		let who = publisher::<T>();
		let id = registered::<T>(&who);

		#[extrinsic_call]
		_(RawOrigin::Signed(who), id);

		assert_eq!(Datasets::<T>::get(id).map(|d| d.status), Some(DatasetStatus::Withdrawn));
	}

	/// The migration to version 2 rewriting one record of the largest size.
	#[benchmark]
	fn upgrade_record_v2() {
		let who = publisher::<T>();
		let id = registered::<T>(&who);
		let record = Datasets::<T>::get(id).expect("registered");
		migrations::v2::old::Datasets::<T>::insert(id, migrations::v2::downgrade(record));

		#[block]
		{
			assert!(migrations::v2::upgrade_record::<T>(id));
		}

		assert_eq!(Datasets::<T>::get(id).map(|d| d.license), Some(None));
	}

	impl_benchmark_test_suite!(Pallet, crate::mock::new_test_ext(), crate::mock::Test);
}
