//! The catalogue registered on chain to measure its state: the real
//! runtime run natively from the development genesis, every dataset
//! registered through `Datasets::register_dataset` and contracts approved
//! through `Access` (so every record, owner entry and audit entry is written
//! as on a node), the state committed into an in-memory trie.

use crate::{
	catalogue::Entry,
	records::{publisher, registration, NOW},
};
use citychain_primitives::{AccessPolicy, DatasetId, Sensitivity};
use citychain_runtime::{genesis_config_presets, Runtime, RuntimeOrigin, System};
use sp_keyring::Sr25519Keyring;

type Datasets = pallet_datasets::Pallet<Runtime>;
type Access = pallet_access::Pallet<Runtime>;

pub struct Registry {
	ext: sp_io::TestExternalities,
	pub datasets: usize,
	pub contracts: usize,
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
				let (description, content) = registration(id, entry);
				Datasets::register_dataset(
					RuntimeOrigin::signed(publisher(id).1.to_account_id()),
					description,
					content,
					AccessPolicy::ApprovalRequired,
					Sensitivity::Public,
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
				let provider = publisher(id).1.to_account_id();
				let contract = pallet_access::NextContractId::<Runtime>::get();
				Access::request_access(
					RuntimeOrigin::signed(consumer.clone()),
					id as DatasetId,
					b"Exposure assessment for the annual environment report".to_vec(),
					100_000,
					None,
				)
				.expect("the regulator may request any dataset");
				Access::approve_request(
					RuntimeOrigin::signed(provider),
					contract,
					Some(vec![7; 80]),
				)
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

	/// Runs `f` against the registry's state.
	pub fn execute_with<R>(&mut self, f: impl FnOnce() -> R) -> R {
		self.ext.execute_with(f)
	}
}
