//! A runtime upgrade whose migrations rewrite the records while transactions
//! wait in the pool.

use crate::*;

/// A runtime upgrade onto records of datasets storage version 1: the
/// migration to version 2 runs in the blocks after it, which carry only
/// inherents until every record is rewritten with its licence field.
#[test]
fn an_upgrade_rewrites_the_records_while_transactions_wait() {
	use frame_support::traits::{GetStorageVersion, StorageVersion};
	use pallet_datasets::migrations::v2::{downgrade, old};
	use sp_runtime::ExtrinsicInclusionMode;
	type Datasets = pallet_datasets::Pallet<Runtime>;
	dev_ext().execute_with(|| {
		let alice = Sr25519Keyring::Alice.pair();
		start_block();
		for title in ["Land use", "Parcels", "Roads"] {
			assert_ok!(Executive::apply_extrinsic(signed_by(&alice, register_dataset_call(title)))
				.unwrap());
		}
		for (id, record) in pallet_datasets::Datasets::<Runtime>::iter().collect::<Vec<_>>() {
			old::Datasets::<Runtime>::insert(id, downgrade(record));
		}
		StorageVersion::new(1).put::<Datasets>();
		// The chain last upgraded to an older runtime.
		frame_system::LastRuntimeUpgrade::<Runtime>::put(
			frame_system::LastRuntimeUpgradeInfo::from(sp_version::RuntimeVersion {
				spec_version: citychain_runtime::VERSION.spec_version - 1,
				..citychain_runtime::VERSION
			}),
		);

		let mut blocks = 0;
		while start_block() == ExtrinsicInclusionMode::OnlyInherents {
			Executive::inherents_applied();
			blocks += 1;
			assert!(blocks < 10, "the migration ends");
		}
		assert_eq!(blocks, 1, "three records take one block");
		assert_eq!(Datasets::on_chain_storage_version(), 3);
		for id in 0..3 {
			let record = pallet_datasets::Datasets::<Runtime>::get(id).expect("decodes");
			assert_eq!(record.license, None, "filed before licences were recorded");
		}
		Datasets::do_try_state().unwrap();
		// Transactions are back.
		assert_ok!(
			Executive::apply_extrinsic(signed_by(&alice, register_dataset_call("Rivers"))).unwrap()
		);
		assert!(pallet_datasets::Datasets::<Runtime>::get(3).unwrap().license.is_some());
	});
}
