//! Storage migrations, as multi-block migrations for `pallet-migrations`:
//! however large the registry, no block does more than its service weight
//! allows, and transactions wait until the migrations are done, so that no
//! call sees records of two formats. The runtime lists them in order:
//! `(v1::ClearLegacyIndex<Runtime>, v2::RecordLicenses<Runtime, Weights>,
//! v3::WebLinksOnly<Runtime, Weights>)`. Each returns at once on a chain
//! that is past its version.
//!
//! - Version 0 to 1 ([`v1`]): searches are answered by each node's own index
//!   of its finalized blocks, so the runtime's spatial and temporal index is
//!   gone. Its keys, one to five per dataset ever registered, are removed.
//! - Version 1 to 2 ([`v2`]): records state their licence. Every record is
//!   rewritten with the new field; a record filed before it says `None`.
//! - Version 2 to 3 ([`v3`]): stored links are http(s) URLs only
//!   (`is_web_url`), as calls now check. A record whose `uri` is another
//!   scheme (`javascript:`, `file:`) keeps no location (an empty `uri`, which
//!   no client renders; its owner sets a new one with `update_metadata`); a
//!   licence URL of another scheme is dropped, and with it a licence that
//!   needs one (`other`, a `LicenseRef-`), which then reads "not stated".

use crate::pallet::{Config, Pallet};
use frame_support::{
	migrations::{MigrationId, SteppedMigration, SteppedMigrationError},
	traits::{Get, GetStorageVersion, PalletInfoAccess, StorageVersion},
	weights::{Weight, WeightMeter},
};

/// The identifier of this pallet's migrations.
const MIGRATIONS_ID: &[u8; 18] = b"citychain:datasets";

/// `Ok` if `meter` has room for `reserved` and one item costing `per_item`;
/// else the error that tells `pallet-migrations` what one step needs.
fn ensure_room(
	meter: &WeightMeter,
	reserved: Weight,
	per_item: Weight,
) -> Result<(), SteppedMigrationError> {
	let required = reserved.saturating_add(per_item);
	if meter.remaining().any_lt(required) {
		return Err(SteppedMigrationError::InsufficientWeight { required });
	}
	Ok(())
}

/// The weight of `meter` left for items that each cost `per_item`, after
/// `reserved`: at most `cap` items (all of them when items cost nothing, as
/// in a test runtime).
fn items_that_fit(meter: &WeightMeter, reserved: Weight, per_item: Weight, cap: u32) -> u32 {
	let room = meter
		.remaining()
		.saturating_sub(reserved)
		.checked_div_per_component(&per_item)
		.unwrap_or(u64::MAX);
	u32::try_from(room).unwrap_or(u32::MAX).min(cap)
}

/// One block's step of a migration that visits every record in id order
/// (ids are dense from 0) on a chain of storage version `from`, moving it
/// to `to` after the last: the version and the next id read at the start,
/// the version written at the end, and `per_record` (at most
/// `max_per_block` of them) for each `visit` of a record. The cursor is the
/// next id to visit.
fn step_records<T: Config>(
	cursor: Option<crate::DatasetId>,
	meter: &mut WeightMeter,
	(from, to): (u16, u16),
	per_record: Weight,
	max_per_block: u32,
	visit: impl Fn(crate::DatasetId),
) -> Result<Option<crate::DatasetId>, SteppedMigrationError> {
	let db = T::DbWeight::get();
	ensure_room(meter, db.reads_writes(2, 1), per_record)?;
	meter.consume(db.reads(2));
	if Pallet::<T>::on_chain_storage_version() != from {
		return Ok(None);
	}
	let end = crate::pallet::NextDatasetId::<T>::get();
	let records = items_that_fit(meter, db.writes(1), per_record, max_per_block);
	let mut id = cursor.unwrap_or(0);
	for _ in 0..records {
		if id >= end {
			break;
		}
		meter.consume(per_record);
		visit(id);
		id += 1;
	}
	if id < end {
		return Ok(Some(id));
	}
	meter.consume(db.writes(1));
	StorageVersion::new(to).put::<Pallet<T>>();
	log::info!(target: "runtime::datasets", "{end} records at storage version {to}");
	Ok(None)
}

pub mod v1 {
	//! Version 0 to 1: the legacy search index is removed.
	use super::*;
	use frame_support::storage::{storage_prefix, unhashed};

	/// The storage items of version 0 that version 1 no longer has.
	pub const LEGACY_ITEMS: [&str; 4] =
		["SpatialIndex", "TemporalIndex", "OngoingIndex", "OccupiedDepths"];

	/// Most legacy keys removed in one block.
	pub const MAX_KEYS_PER_BLOCK: u32 = 4_096;

	/// The storage prefix of the legacy item `item`.
	pub fn legacy_prefix<T: Config>(item: &str) -> [u8; 32] {
		storage_prefix(<Pallet<T> as PalletInfoAccess>::name().as_bytes(), item.as_bytes())
	}

	/// Removes the legacy index's keys, item by item; the cursor is the item
	/// it works on.
	pub struct ClearLegacyIndex<T>(core::marker::PhantomData<T>);

	impl<T: Config> SteppedMigration for ClearLegacyIndex<T> {
		type Cursor = u32;
		type Identifier = MigrationId<18>;

		fn id() -> Self::Identifier {
			MigrationId { pallet_id: *MIGRATIONS_ID, version_from: 0, version_to: 1 }
		}

		/// A read and a write per key visited, the version read at the start
		/// and written at the end.
		fn step(
			cursor: Option<u32>,
			meter: &mut WeightMeter,
		) -> Result<Option<u32>, SteppedMigrationError> {
			let db = T::DbWeight::get();
			let reserved = db.reads_writes(1, 1);
			let per_key = db.reads_writes(1, 1);
			ensure_room(meter, reserved, per_key)?;
			meter.consume(db.reads(1));
			if Pallet::<T>::on_chain_storage_version() >= 1 {
				return Ok(None);
			}
			let mut keys = items_that_fit(meter, db.writes(1), per_key, MAX_KEYS_PER_BLOCK);
			let mut item = cursor.unwrap_or(0);
			while let Some(name) = LEGACY_ITEMS.get(item as usize) {
				let removed = unhashed::clear_prefix(&legacy_prefix::<T>(name), Some(keys), None);
				meter.consume(db.reads_writes(removed.loops.into(), removed.unique.into()));
				if removed.maybe_cursor.is_some() {
					// The next block goes on with what is left of this item.
					return Ok(Some(item));
				}
				keys = keys.saturating_sub(removed.loops);
				item += 1;
				if keys == 0 {
					return Ok(Some(item));
				}
			}
			meter.consume(db.writes(1));
			StorageVersion::new(1).put::<Pallet<T>>();
			log::info!(target: "runtime::datasets", "the legacy search index is cleared");
			Ok(None)
		}
	}
}

pub mod v2 {
	//! Version 1 to 2: every record gets its licence field.
	use super::*;
	use crate::{pallet::Datasets, weights::WeightInfo, BoundedBytes, DatasetId};
	use citychain_primitives::{
		datasets::{MAX_DESCRIPTION_LEN, MAX_FORMAT_LEN, MAX_TITLE_LEN, MAX_URI_LEN},
		AccessPolicy, BoundingBox, ContentHash, Dataset, DatasetStatus, Sensitivity, Stamp,
		TimeRange, TopicCategory,
	};
	use codec::{Decode, Encode, MaxEncodedLen};
	use frame_support::{storage::StoragePrefixedMap, storage_alias, Twox64Concat};
	use frame_system::pallet_prelude::BlockNumberFor;
	use scale_info::TypeInfo;

	/// A record as version 1 stores it: without a licence.
	#[derive(Clone, PartialEq, Eq, Debug, Encode, Decode, MaxEncodedLen, TypeInfo)]
	pub struct DatasetV1<AccountId, BlockNumber> {
		pub owner: crate::DepartmentId,
		pub publisher: AccountId,
		pub title: BoundedBytes<MAX_TITLE_LEN>,
		pub description: BoundedBytes<MAX_DESCRIPTION_LEN>,
		pub topic: TopicCategory,
		pub keywords: crate::pallet::Keywords,
		pub bbox: BoundingBox,
		pub crs: u32,
		pub time: TimeRange,
		pub format: BoundedBytes<MAX_FORMAT_LEN>,
		pub content_hash: ContentHash,
		pub size: u64,
		pub uri: BoundedBytes<MAX_URI_LEN>,
		pub policy: AccessPolicy,
		pub sensitivity: Sensitivity,
		pub version: u32,
		pub predecessor: Option<DatasetId>,
		pub successor: Option<DatasetId>,
		pub status: DatasetStatus,
		pub created: Stamp<BlockNumber>,
		pub updated: Stamp<BlockNumber>,
	}

	/// `$record` with the fields of `$d` that versions 1 and 2 share, and
	/// `$extra`.
	macro_rules! shared_fields {
		($record:ident, $d:ident, { $($extra:tt)* }) => {
			$record {
				owner: $d.owner, publisher: $d.publisher, title: $d.title,
				description: $d.description, topic: $d.topic, keywords: $d.keywords,
				bbox: $d.bbox, crs: $d.crs, time: $d.time, format: $d.format,
				content_hash: $d.content_hash, size: $d.size, uri: $d.uri,
				policy: $d.policy, sensitivity: $d.sensitivity, version: $d.version,
				predecessor: $d.predecessor, successor: $d.successor, status: $d.status,
				created: $d.created, updated: $d.updated,
				$($extra)*
			}
		};
	}

	/// The record of version 1 as version 2 has it: its licence unknown.
	pub fn upgrade<A, B>(d: DatasetV1<A, B>) -> Dataset<A, B> {
		shared_fields!(Dataset, d, { license: None })
	}

	/// A record of version 2 as version 1 stored it, for tests and
	/// benchmarks to start from.
	#[cfg(any(feature = "std", feature = "runtime-benchmarks"))]
	pub fn downgrade<A, B>(d: Dataset<A, B>) -> DatasetV1<A, B> {
		shared_fields!(DatasetV1, d, {})
	}

	/// Version 1's records, as version 1 stores them.
	pub mod old {
		use super::*;

		/// `Datasets::Datasets` of version 1: the same keys as version 2's.
		#[storage_alias]
		pub type Datasets<T: Config> = StorageMap<
			Pallet<T>,
			Twox64Concat,
			DatasetId,
			DatasetV1<<T as frame_system::Config>::AccountId, BlockNumberFor<T>>,
		>;
	}

	/// Most records rewritten in one block.
	pub const MAX_RECORDS_PER_BLOCK: u32 = 10_000;

	/// Rewrites the record `id` in the format of version 2; `false` if there
	/// is none in version 1's.
	pub fn upgrade_record<T: Config>(id: DatasetId) -> bool {
		let Some(old) = old::Datasets::<T>::get(id) else { return false };
		Datasets::<T>::insert(id, upgrade(old));
		true
	}

	/// Rewrites every record in id order (ids are dense from 0); the cursor
	/// is the next id to rewrite.
	pub struct RecordLicenses<T, W>(core::marker::PhantomData<(T, W)>);

	impl<T: Config, W: WeightInfo> SteppedMigration for RecordLicenses<T, W> {
		type Cursor = DatasetId;
		type Identifier = MigrationId<18>;

		fn id() -> Self::Identifier {
			MigrationId { pallet_id: *MIGRATIONS_ID, version_from: 1, version_to: 2 }
		}

		fn migrating_prefixes() -> Option<impl IntoIterator<Item = alloc::vec::Vec<u8>>> {
			Some([Datasets::<T>::final_prefix().to_vec()])
		}

		/// Each record's measured rewrite (see `step_records`).
		fn step(
			cursor: Option<DatasetId>,
			meter: &mut WeightMeter,
		) -> Result<Option<DatasetId>, SteppedMigrationError> {
			step_records::<T>(
				cursor,
				meter,
				(1, 2),
				W::upgrade_record_v2(),
				MAX_RECORDS_PER_BLOCK,
				|id| {
					if !upgrade_record::<T>(id) {
						log::error!(target: "runtime::datasets", "record {id} is missing or not of version 1");
					}
				},
			)
		}

		#[cfg(feature = "try-runtime")]
		fn pre_upgrade() -> Result<alloc::vec::Vec<u8>, sp_runtime::TryRuntimeError> {
			Ok((old::Datasets::<T>::iter_keys().count() as u64).encode())
		}

		#[cfg(feature = "try-runtime")]
		fn post_upgrade(count: alloc::vec::Vec<u8>) -> Result<(), sp_runtime::TryRuntimeError> {
			let before = u64::decode(&mut &count[..]).map_err(|_| "pre_upgrade count")?;
			frame_support::ensure!(
				Datasets::<T>::iter_values().count() as u64 == before,
				"a record did not decode as version 2"
			);
			Pallet::<T>::do_try_state()
		}
	}
}

pub mod v3 {
	//! Version 2 to 3: every stored link is an http(s) URL, or none.
	use super::*;
	use crate::{pallet::Datasets, weights::WeightInfo, DatasetId};
	use citychain_primitives::datasets::is_web_url;
	use frame_support::storage::StoragePrefixedMap;

	/// Most records checked in one block.
	pub const MAX_RECORDS_PER_BLOCK: u32 = 10_000;

	/// Makes the record `id` keep only http(s) links; whether it changed.
	pub fn restrict_links<T: Config>(id: DatasetId) -> bool {
		let Some(mut record) = Datasets::<T>::get(id) else { return false };
		let mut changed = false;
		if !record.uri.is_empty() && !is_web_url(&record.uri) {
			record.uri = Default::default();
			changed = true;
		}
		if let Some(license) = &mut record.license {
			if license.url.as_ref().is_some_and(|url| !is_web_url(url)) {
				changed = true;
				license.url = None;
				let needs_url = &license.expression[..] == citychain_primitives::license::OTHER
					|| license.expression.windows(11).any(|w| w == b"LicenseRef-");
				if needs_url {
					record.license = None;
				}
			}
		}
		if changed {
			Datasets::<T>::insert(id, record);
		}
		changed
	}

	/// Checks every record in id order (ids are dense from 0); the cursor
	/// is the next id to check. A record is read and, if it holds a link of
	/// another scheme, written once: at most what version 2's rewrite of a
	/// record costs (`upgrade_record_v2`, measured at the largest record),
	/// plus a scan of its two links, each at most `MAX_URI_LEN` bytes.
	pub struct WebLinksOnly<T, W>(core::marker::PhantomData<(T, W)>);

	impl<T: Config, W: WeightInfo> SteppedMigration for WebLinksOnly<T, W> {
		type Cursor = DatasetId;
		type Identifier = MigrationId<18>;

		fn id() -> Self::Identifier {
			MigrationId { pallet_id: *MIGRATIONS_ID, version_from: 2, version_to: 3 }
		}

		fn migrating_prefixes() -> Option<impl IntoIterator<Item = alloc::vec::Vec<u8>>> {
			Some([Datasets::<T>::final_prefix().to_vec()])
		}

		fn step(
			cursor: Option<DatasetId>,
			meter: &mut WeightMeter,
		) -> Result<Option<DatasetId>, SteppedMigrationError> {
			step_records::<T>(
				cursor,
				meter,
				(2, 3),
				W::upgrade_record_v2(),
				MAX_RECORDS_PER_BLOCK,
				|id| {
					if restrict_links::<T>(id) {
						log::info!(target: "runtime::datasets", "record {id}: a link that is not http(s) was dropped");
					}
				},
			)
		}

		#[cfg(feature = "try-runtime")]
		fn pre_upgrade() -> Result<alloc::vec::Vec<u8>, sp_runtime::TryRuntimeError> {
			use codec::Encode;
			Ok((Datasets::<T>::iter_keys().count() as u64).encode())
		}

		#[cfg(feature = "try-runtime")]
		fn post_upgrade(count: alloc::vec::Vec<u8>) -> Result<(), sp_runtime::TryRuntimeError> {
			use codec::Decode;
			let before = u64::decode(&mut &count[..]).map_err(|_| "pre_upgrade count")?;
			frame_support::ensure!(
				Datasets::<T>::iter_keys().count() as u64 == before,
				"a record was lost"
			);
			Pallet::<T>::do_try_state()
		}
	}
}

#[cfg(test)]
mod tests {
	use super::{v1::*, v2::*, v3::*, *};
	use crate::{
		mock::*,
		pallet::{Datasets as Records, NextDatasetId},
		AccessPolicy, DatasetContent, DatasetDescription, LicenseInput, Sensitivity, TimeRange,
		TopicCategory, WeightInfo,
	};
	use codec::DecodeAll;
	use frame_support::{
		migrations::MultiStepMigrator,
		storage::unhashed,
		traits::{OnRuntimeUpgrade, StorageVersion},
	};
	use sp_io::TestExternalities;

	fn legacy_keys() -> usize {
		LEGACY_ITEMS
			.iter()
			.map(|item| {
				let prefix = legacy_prefix::<Test>(item);
				let mut count = 0;
				let mut key = prefix.to_vec();
				while let Some(next) =
					sp_io::storage::next_key(&key).filter(|k| k.starts_with(&prefix))
				{
					count += 1;
					key = next;
				}
				count
			})
			.sum()
	}

	/// A chain of version 0: `keys` legacy index keys per item, and
	/// `records` datasets stored as version 1 stores them. Committed, so
	/// that a block sees them in the backend, not only in its overlay.
	fn version_0(keys: u32, records: u64) -> TestExternalities {
		let mut ext = new_test_ext();
		ext.execute_with(|| {
			for i in 0..records {
				register(i);
				let record = Records::<Test>::get(i).unwrap();
				old::Datasets::<Test>::insert(i, downgrade(record));
			}
			for (i, item) in LEGACY_ITEMS.iter().enumerate() {
				for n in 0..keys {
					let key = [legacy_prefix::<Test>(item).as_slice(), &n.to_be_bytes()].concat();
					unhashed::put_raw(&key, &[i as u8]);
				}
			}
			StorageVersion::new(0).put::<Pallet<Test>>();
		});
		ext.commit_all().unwrap();
		ext
	}

	fn register(n: u64) {
		crate::Pallet::<Test>::register_dataset(
			RuntimeOrigin::signed(TRANSPORT_PUBLISHER),
			DatasetDescription {
				title: format!("Counts {n}").into_bytes(),
				description: Vec::new(),
				topic: TopicCategory::Transportation,
				keywords: Vec::new(),
				uri: b"https://data.city.example/counts".to_vec(),
				license: LicenseInput { expression: b"CC0-1.0".to_vec(), url: None },
			},
			DatasetContent {
				bbox: crate::BoundingBox { west: 0, south: 0, east: 10, north: 10 },
				crs: 4326,
				time: TimeRange { start: 0, end: None },
				format: b"text/csv".to_vec(),
				hash_code: 0x12,
				digest: vec![1; 32],
				size: 1,
			},
			AccessPolicy::ApprovalRequired,
			Sensitivity::Internal,
		)
		.unwrap();
	}

	/// The version whose format the stored record `id` has, exactly (0 for
	/// neither): a record of one does not always fail to decode as the other.
	fn format_of(id: u64) -> u8 {
		let raw = unhashed::get_raw(&Records::<Test>::hashed_key_for(id)).unwrap_or_default();
		if DatasetV1::<AccountId, u64>::decode_all(&mut &raw[..]).is_ok() {
			1
		} else if crate::DatasetOf::<Test>::decode_all(&mut &raw[..]).is_ok() {
			2
		} else {
			0
		}
	}

	/// Runs one step of `M` as a block would, with `limit`, and commits.
	fn block<M: SteppedMigration>(
		ext: &mut TestExternalities,
		cursor: Option<M::Cursor>,
		limit: Weight,
	) -> (Result<Option<M::Cursor>, SteppedMigrationError>, Weight) {
		let out = ext.execute_with(|| {
			let mut meter = WeightMeter::with_limit(limit);
			(M::step(cursor, &mut meter), meter.consumed())
		});
		ext.commit_all().unwrap();
		out
	}

	#[test]
	fn the_legacy_index_is_cleared_a_bounded_number_of_keys_per_block() {
		let mut ext = version_0(3_000, 0);
		let untouched = [legacy_prefix::<Test>("Datasets").as_slice(), &[1]].concat();
		ext.execute_with(|| unhashed::put_raw(&untouched, b"record"));
		ext.commit_all().unwrap();
		let db = <Test as frame_system::Config>::DbWeight::get();

		// No room for a key: the framework is told what one step needs.
		let (out, used) = block::<ClearLegacyIndex<Test>>(&mut ext, None, db.reads(1));
		assert!(matches!(out, Err(SteppedMigrationError::InsufficientWeight { .. })));
		assert_eq!(used, Weight::zero());

		// Room for 100 keys: exactly 100 go, within the room.
		let room = db.reads_writes(1, 1).saturating_add(db.reads_writes(100, 100));
		let (out, used) = block::<ClearLegacyIndex<Test>>(&mut ext, None, room);
		assert_eq!(out, Ok(Some(0)));
		assert!(used.all_lte(room));
		assert_eq!(ext.execute_with(legacy_keys), 11_900);

		// Plenty of room: at most MAX_KEYS_PER_BLOCK per block until done.
		let (mut cursor, mut before, mut blocks) = (Some(0), 11_900, 0);
		while let Some(c) = cursor {
			let (out, _) = block::<ClearLegacyIndex<Test>>(&mut ext, Some(c), Weight::MAX);
			let left = ext.execute_with(legacy_keys);
			assert!(before - left <= MAX_KEYS_PER_BLOCK as usize);
			(cursor, before, blocks) = (out.unwrap(), left, blocks + 1);
		}
		assert_eq!((before, blocks), (0, 3));
		ext.execute_with(|| {
			assert_eq!(Pallet::<Test>::on_chain_storage_version(), 1);
			assert_eq!(unhashed::get_raw(&untouched), Some(b"record".to_vec()));
		});
		// Past version 0 it has nothing to do.
		assert_eq!(block::<ClearLegacyIndex<Test>>(&mut ext, None, Weight::MAX).0, Ok(None));
	}

	#[test]
	fn records_are_rewritten_with_a_licence_a_bounded_number_per_block() {
		let mut ext = version_0(0, 25);
		ext.execute_with(|| {
			StorageVersion::new(1).put::<Pallet<Test>>();
			assert_eq!(format_of(0), 1);
		});
		ext.commit_all().unwrap();
		let db = <Test as frame_system::Config>::DbWeight::get();
		let per_record = <() as WeightInfo>::upgrade_record_v2();
		let room = db.reads_writes(2, 1).saturating_add(per_record.saturating_mul(10));

		let (out, used) = block::<RecordLicenses<Test, ()>>(&mut ext, None, room);
		assert_eq!(out, Ok(Some(10)));
		assert!(used.all_lte(room));
		let (out, _) = block::<RecordLicenses<Test, ()>>(&mut ext, Some(10), room);
		assert_eq!(out, Ok(Some(20)));
		ext.execute_with(|| {
			assert_eq!((format_of(19), format_of(20)), (2, 1));
			assert_eq!(Pallet::<Test>::on_chain_storage_version(), 1);
		});
		let (out, _) = block::<RecordLicenses<Test, ()>>(&mut ext, Some(20), room);
		assert_eq!(out, Ok(None));
		ext.execute_with(|| {
			assert_eq!(Pallet::<Test>::on_chain_storage_version(), 2);
			for id in 0..NextDatasetId::<Test>::get() {
				let record = Records::<Test>::get(id).expect("every record decodes");
				assert_eq!(
					(record.license, record.title.to_vec()),
					(None, format!("Counts {id}").into_bytes())
				);
			}
			Pallet::<Test>::do_try_state().unwrap();
		});
		assert_eq!(block::<RecordLicenses<Test, ()>>(&mut ext, None, room).0, Ok(None));
	}

	#[test]
	fn links_of_other_schemes_are_dropped_a_bounded_number_of_records_per_block() {
		use citychain_primitives::{License, LicenseInput as Input};
		let mut ext = new_test_ext();
		let license = |expression: &str, url: &str| {
			let mut l = License::new(Input {
				expression: expression.as_bytes().to_vec(),
				url: Some(b"https://terms.example/t".to_vec()),
			})
			.unwrap();
			l.url = Some(url.as_bytes().to_vec().try_into().unwrap());
			l
		};
		ext.execute_with(|| {
			for id in 0..12 {
				register(id);
				let mut record = Records::<Test>::get(id).unwrap();
				record.license = None;
				match id % 4 {
					// Planted before calls checked schemes.
					0 => {
						record.uri =
							b"javascript:alert(document.cookie)".to_vec().try_into().unwrap()
					},
					1 => record.license = Some(license("other", "javascript:alert(1)")),
					2 => record.license = Some(license("CC-BY-4.0", "data:text/html,x")),
					_ => {
						record.license = Some(license(
							"CC-BY-4.0",
							"https://creativecommons.org/licenses/by/4.0/",
						))
					},
				}
				Records::<Test>::insert(id, record);
			}
			StorageVersion::new(2).put::<Pallet<Test>>();
		});
		ext.commit_all().unwrap();
		let db = <Test as frame_system::Config>::DbWeight::get();
		let per_record = <() as WeightInfo>::upgrade_record_v2();
		let room = db.reads_writes(2, 1).saturating_add(per_record.saturating_mul(5));
		let (out, used) = block::<WebLinksOnly<Test, ()>>(&mut ext, None, room);
		assert_eq!(out, Ok(Some(5)));
		assert!(used.all_lte(room));
		let (out, _) = block::<WebLinksOnly<Test, ()>>(&mut ext, Some(5), room);
		assert_eq!(out, Ok(Some(10)));
		assert_eq!(block::<WebLinksOnly<Test, ()>>(&mut ext, Some(10), room).0, Ok(None));
		ext.execute_with(|| {
			assert_eq!(Pallet::<Test>::on_chain_storage_version(), 3);
			for id in 0..12 {
				let d = Records::<Test>::get(id).unwrap();
				match id % 4 {
					0 => assert!(d.uri.is_empty(), "the script location is gone"),
					1 => assert_eq!(d.license, None, "custom terms without their URL: not stated"),
					2 => {
						let l = d.license.expect("a listed licence stays");
						assert_eq!((&l.expression[..], l.url), (&b"CC-BY-4.0"[..], None));
					},
					_ => {
						assert_eq!(&d.uri[..], b"https://data.city.example/counts");
						assert!(d.license.unwrap().url.is_some(), "web links are kept");
					},
				}
			}
			Pallet::<Test>::do_try_state().unwrap();
		});
		assert_eq!(block::<WebLinksOnly<Test, ()>>(&mut ext, None, room).0, Ok(None));
	}

	/// Both migrations as the runtime runs them: started by the upgrade,
	/// stepped by each block, with transactions held back until they end.
	#[test]
	fn an_upgrade_from_version_0_runs_both_over_several_blocks() {
		let mut ext = version_0(5_000, 30);
		let db = <Test as frame_system::Config>::DbWeight::get();
		ext.execute_with(|| {
			// Room for about 2,000 keys per block (and any proof size: the
			// framework's own weights have one).
			MigratorServiceWeight::set(&db.reads_writes(2_002, 2_002).set_proof_size(u64::MAX));
			AllPalletsWithSystem::on_runtime_upgrade();
		});
		ext.commit_all().unwrap();
		let mut blocks = 0;
		while ext.execute_with(<Test as frame_system::Config>::MultiBlockMigrator::ongoing) {
			ext.execute_with(<Test as frame_system::Config>::MultiBlockMigrator::step);
			ext.commit_all().unwrap();
			blocks += 1;
			assert!(blocks < 100, "the migrations progress");
		}
		// 20,000 keys at at most 2,001 a block (less the framework's own
		// weight); the records fit in the last block.
		assert!((10..=11).contains(&blocks), "{blocks} blocks");
		ext.execute_with(|| {
			assert_eq!(Pallet::<Test>::on_chain_storage_version(), 3);
			assert_eq!(legacy_keys(), 0);
			assert!(Records::<Test>::iter_values().all(|d| d.license.is_none()));
			assert_eq!(Records::<Test>::iter_values().count(), 30);
			Pallet::<Test>::do_try_state().unwrap();
		});
	}
}
