//! The pallets whose benchmarks `scripts/benchmark.sh` runs.

frame_benchmarking::define_benchmarks!(
	[frame_benchmarking, BaselineBench::<Runtime>]
	[frame_system, SystemBench::<Runtime>]
	[frame_system_extensions, SystemExtensionsBench::<Runtime>]
	[pallet_balances, Balances]
	[pallet_sudo, Sudo]
	[pallet_timestamp, Timestamp]
	[pallet_utility, Utility]
	[pallet_access, Access]
	[pallet_audit, Audit]
	[pallet_datasets, Datasets]
	[pallet_departments, Departments]
	[pallet_governance, Governance]
	[pallet_validator_set, ValidatorSet]
	[pallet_node_authorization, NodeAuthorizationBench::<Runtime>]
	[pallet_session, SessionBench::<Runtime>]
	[pallet_collective, Council]
	[pallet_migrations, MultiBlockMigrations]
);

pub mod node_authorization;
pub use node_authorization::Pallet as NodeAuthorizationBench;

impl node_authorization::Config for Runtime {}

pub mod session;
pub use session::Pallet as SessionBench;

impl session::Config for Runtime {
	fn generate_keys_and_proof(owner: &AccountId) -> (SessionKeys, alloc::vec::Vec<u8>) {
		use codec::Encode;
		let generated = SessionKeys::generate(&owner.encode(), None);
		(generated.keys, generated.proof.encode())
	}
}

use citychain_primitives::{
	access::DatasetsBenchmarkHelper, terms::Policy, AccessPolicy, DatasetId, DepartmentKind,
	DepartmentsBenchmarkHelper, EncryptionKey, Roles,
};

use crate::{AccountId, Datasets, Departments, Runtime, SessionKeys};

/// The departments and datasets pallets as one helper for the access
/// benchmarks.
pub struct Helper;

impl DepartmentsBenchmarkHelper<AccountId> for Helper {
	fn new_member(kind: DepartmentKind, roles: Roles) -> AccountId {
		Departments::new_member(kind, roles)
	}
	fn set_encryption_key(who: &AccountId, key: EncryptionKey) {
		<Departments as DepartmentsBenchmarkHelper<AccountId>>::set_encryption_key(who, key)
	}
}

impl DatasetsBenchmarkHelper<AccountId> for Helper {
	fn new_dataset(publisher: &AccountId, policy: AccessPolicy) -> DatasetId {
		Datasets::new_dataset(publisher, policy)
	}
	fn set_rules(publisher: &AccountId, dataset: DatasetId, rules: Policy) {
		Datasets::set_rules(publisher, dataset, rules)
	}
}

impl pallet_validator_set::BenchmarkHelper<AccountId> for Helper {
	fn candidate() -> AccountId {
		let who = Departments::new_member(DepartmentKind::Transport, Roles::NONE);
		use sp_runtime::traits::{BlakeTwo256, Hash};
		let seed: [u8; 32] = BlakeTwo256::hash(who.as_ref()).0;
		let keys = SessionKeys {
			aura: sp_core::sr25519::Public::from_raw(seed).into(),
			grandpa: sp_core::ed25519::Public::from_raw(seed).into(),
		};
		pallet_session::NextKeys::<Runtime>::insert(&who, keys);
		who
	}
}
