//! The catalogue registered on chain: the real runtime run natively from the
//! development genesis, every dataset registered through
//! `Datasets::register_dataset` (so every index entry and audit entry is
//! written as on a node), the state committed into an in-memory trie, and
//! searches through the code behind `DatasetsApi::search`.

use crate::{
	catalogue::Entry,
	counting::{count_reads, Reads},
};
use citychain_primitives::{
	AccessPolicy, DatasetContent, DatasetDescription, DatasetId, DatasetQuery, Sensitivity,
};
use citychain_runtime::{genesis_config_presets, Runtime, RuntimeOrigin, System};
use sp_keyring::Sr25519Keyring;
use std::time::{Duration, Instant};

type Datasets = pallet_datasets::Pallet<Runtime>;
type Access = pallet_access::Pallet<Runtime>;

/// 2026-11-25T00:00:00Z: when the registry is built.
const NOW: u64 = 1_795_564_800_000;

/// The publishers of the development chain: one per department.
const PUBLISHERS: [Sr25519Keyring; 3] =
	[Sr25519Keyring::Alice, Sr25519Keyring::Bob, Sr25519Keyring::Charlie];

pub struct Registry {
	ext: sp_io::TestExternalities,
	pub datasets: usize,
	pub contracts: usize,
}

/// What a dataset of the catalogue is registered as: realistic lengths of
/// the descriptive fields.
pub fn registration(id: usize, entry: &Entry) -> (DatasetDescription, DatasetContent) {
	let title = format!("{} {} #{id}", entry.kind.name(), entry.time.start / 86_400_000);
	let description = DatasetDescription {
		title: title.into_bytes(),
		description: format!(
			"{} data of the municipal {} programme, quality-controlled and published daily.",
			entry.kind.name(),
			entry.kind.topic().as_str()
		)
		.into_bytes(),
		topic: entry.kind.topic(),
		keywords: vec![entry.kind.name().as_bytes().to_vec(), b"beijing".to_vec()],
		uri: format!("https://data.city.example/{}/{id}.parquet", entry.kind.topic().as_str())
			.into_bytes(),
	};
	let mut digest = [0u8; 32];
	digest[..8].copy_from_slice(&(id as u64).to_le_bytes());
	let content = DatasetContent {
		bbox: entry.bbox,
		crs: 4326,
		time: entry.time,
		format: b"application/vnd.apache.parquet".to_vec(),
		hash_code: 0x12,
		digest: digest.to_vec(),
		size: 1_000_000 + id as u64,
	};
	(description, content)
}

impl Registry {
	/// Registers every entry, then `contracts` approved contracts on the
	/// first datasets of departments other than the consumer's.
	pub fn build(entries: &[Entry], contracts: usize) -> Self {
		let storage = genesis_config_presets::preset_storage("development")
			.expect("the runtime has a development preset");
		let mut ext = sp_io::TestExternalities::new(storage);
		ext.execute_with(|| {
			System::set_block_number(1);
			pallet_timestamp::Now::<Runtime>::put(NOW);
			for (id, entry) in entries.iter().enumerate() {
				let publisher = PUBLISHERS[id % PUBLISHERS.len()].to_account_id();
				let (description, content) = registration(id, entry);
				Datasets::register_dataset(
					RuntimeOrigin::signed(publisher),
					description,
					content,
					AccessPolicy::ApprovalRequired,
					Sensitivity::Internal,
				)
				.expect("a catalogue entry registers");
				if id % 1000 == 999 {
					System::reset_events();
				}
			}
			let consumer = Sr25519Keyring::Dave.to_account_id();
			pallet_departments::Pallet::<Runtime>::set_encryption_key(
				RuntimeOrigin::signed(consumer.clone()),
				[5; 32],
			)
			.expect("the regulator's delegate administers its department");
			for id in 0..contracts {
				let provider = PUBLISHERS[id % PUBLISHERS.len()].to_account_id();
				let contract = pallet_access::NextContractId::<Runtime>::get();
				Access::request_access(
					RuntimeOrigin::signed(consumer.clone()),
					id as DatasetId,
					b"Exposure assessment for the annual environment report".to_vec(),
					100_000,
					None,
				)
				.expect("the regulator may request any dataset");
				Access::approve_request(RuntimeOrigin::signed(provider), contract, Some(vec![7; 80]))
					.expect("the provider approves");
				if id % 1000 == 999 {
					System::reset_events();
				}
			}
			System::reset_events();
		});
		ext.commit_all().expect("the registry commits into the trie");
		Self { ext, datasets: entries.len(), contracts }
	}

	/// The ids a search returns, the reads it made and how long it took.
	pub fn search(&mut self, query: DatasetQuery) -> (Vec<DatasetId>, Reads, Duration) {
		let started = Instant::now();
		let (page, reads) = count_reads(&mut self.ext, || Datasets::search(query));
		let elapsed = started.elapsed();
		let ids = page.expect("a valid query").items.into_iter().map(|i| i.id).collect();
		(ids, reads, elapsed)
	}

	/// Runs `f` against the registry's state.
	pub fn execute_with<R>(&mut self, f: impl FnOnce() -> R) -> R {
		self.ext.execute_with(f)
	}
}
