//! A test runtime with the datasets pallet and a department directory kept
//! in thread-local storage.

use crate as pallet_datasets;
use crate::*;
pub use citychain_primitives::testing::{TestClock as Clock, TestDirectory as Directory};
use citychain_primitives::{DepartmentKind, Roles};
use core::cell::RefCell;
use frame_support::derive_impl;
use sp_runtime::BuildStorage;

type Block = frame_system::mocking::MockBlock<Test>;
pub type AccountId = u64;

#[frame_support::runtime]
mod runtime {
	#[runtime::runtime]
	#[runtime::derive(RuntimeCall, RuntimeEvent, RuntimeError, RuntimeOrigin, RuntimeTask)]
	pub struct Test;

	#[runtime::pallet_index(0)]
	pub type System = frame_system;

	#[runtime::pallet_index(1)]
	pub type Datasets = pallet_datasets;

	#[runtime::pallet_index(2)]
	pub type Migrator = pallet_migrations;
}

#[derive_impl(frame_system::config_preludes::TestDefaultConfig)]
impl frame_system::Config for Test {
	type Block = Block;
	type AccountId = AccountId;
	type Lookup = sp_runtime::traits::IdentityLookup<AccountId>;
	// Storage priced as on a node, so that weights bound work in the tests.
	type DbWeight = frame_support::weights::constants::RocksDbWeight;
	type MultiBlockMigrator = Migrator;
}

frame_support::parameter_types! {
	/// What a block may spend on migrations; a test sets it.
	pub storage MigratorServiceWeight: frame_support::weights::Weight =
		frame_support::weights::Weight::from_parts(1_000_000_000_000, u64::MAX);
}

#[derive_impl(pallet_migrations::config_preludes::TestDefaultConfig)]
impl pallet_migrations::Config for Test {
	#[cfg(not(feature = "runtime-benchmarks"))]
	type Migrations = (
		migrations::v1::ClearLegacyIndex<Test>,
		migrations::v2::RecordLicenses<Test, ()>,
		migrations::v3::WebLinksOnly<Test, ()>,
	);
	#[cfg(feature = "runtime-benchmarks")]
	type Migrations = pallet_migrations::mock_helpers::MockedMigrations;
	type MaxServiceWeight = MigratorServiceWeight;
}

/// Transport (department 0): 1 Publisher, 2 member without roles.
pub const TRANSPORT_PUBLISHER: AccountId = 1;
pub const TRANSPORT_CLERK: AccountId = 2;
/// Planning (department 1): 3 Publisher.
pub const PLANNING_PUBLISHER: AccountId = 3;
/// An account of no department.
pub const OUTSIDER: AccountId = 9;
pub const TRANSPORT: DepartmentId = 0;
pub const PLANNING: DepartmentId = 1;

thread_local! {
	static WITHDRAWN: RefCell<Vec<DatasetId>> = const { RefCell::new(Vec::new()) };
	static EARLIER_WITHDRAWN: RefCell<Vec<DatasetId>> = const { RefCell::new(Vec::new()) };
	static POLICIES: RefCell<Vec<(DatasetId, AccessPolicy, Sensitivity)>> = const { RefCell::new(Vec::new()) };
}

/// Records the datasets, and the earlier versions, it is told were
/// withdrawn.
pub struct WithdrawalLog;

impl WithdrawalLog {
	pub fn withdrawn() -> Vec<DatasetId> {
		WITHDRAWN.with(|w| w.borrow().clone())
	}
	pub fn earlier_withdrawn() -> Vec<DatasetId> {
		EARLIER_WITHDRAWN.with(|w| w.borrow().clone())
	}
}

impl OnDatasetWithdrawn for WithdrawalLog {
	fn on_dataset_withdrawn(dataset: DatasetId) -> frame_support::weights::Weight {
		WITHDRAWN.with(|w| w.borrow_mut().push(dataset));
		frame_support::weights::Weight::from_parts(1_000, 0)
	}
	fn max_weight() -> frame_support::weights::Weight {
		frame_support::weights::Weight::from_parts(5_000, 0)
	}
	fn on_earlier_version_withdrawn(version: DatasetId) -> frame_support::weights::Weight {
		EARLIER_WITHDRAWN.with(|w| w.borrow_mut().push(version));
		Self::earlier_version_max_weight()
	}
	fn earlier_version_max_weight() -> frame_support::weights::Weight {
		frame_support::weights::Weight::from_parts(300, 0)
	}
}

/// Records the policy changes it is told of.
pub struct PolicyLog;

impl PolicyLog {
	pub fn changes() -> Vec<(DatasetId, AccessPolicy, Sensitivity)> {
		POLICIES.with(|p| p.borrow().clone())
	}
}

impl OnDatasetPolicyChanged for PolicyLog {
	fn on_policy_changed(
		dataset: DatasetId,
		policy: AccessPolicy,
		sensitivity: Sensitivity,
	) -> frame_support::weights::Weight {
		POLICIES.with(|p| p.borrow_mut().push((dataset, policy, sensitivity)));
		frame_support::weights::Weight::from_parts(1_000, 0)
	}
	fn max_weight() -> frame_support::weights::Weight {
		frame_support::weights::Weight::from_parts(5_000, 0)
	}
}

impl pallet_datasets::Config for Test {
	type Departments = Directory;
	type Time = Clock;
	type OnWithdraw = WithdrawalLog;
	type OnPolicyChange = PolicyLog;
	type Terms = ();
	type Audit = ();
	type WeightInfo = ();
	#[cfg(feature = "runtime-benchmarks")]
	type BenchmarkHelper = Directory;
}

/// Empty registry; Transport and Planning with their members.
pub fn new_test_ext() -> sp_io::TestExternalities {
	Directory::clear();
	WITHDRAWN.with(|w| w.borrow_mut().clear());
	EARLIER_WITHDRAWN.with(|w| w.borrow_mut().clear());
	POLICIES.with(|p| p.borrow_mut().clear());
	Clock::set(1_700_000_000_000);
	Directory::add_department(TRANSPORT, DepartmentKind::Transport);
	Directory::add_department(PLANNING, DepartmentKind::Planning);
	Directory::add_member(TRANSPORT_PUBLISHER, TRANSPORT, Roles::only(Role::Publisher));
	Directory::add_member(TRANSPORT_CLERK, TRANSPORT, Roles::NONE);
	Directory::add_member(PLANNING_PUBLISHER, PLANNING, Roles::only(Role::Publisher));
	let storage = frame_system::GenesisConfig::<Test>::default().build_storage().unwrap();
	let mut ext = sp_io::TestExternalities::new(storage);
	ext.execute_with(|| System::set_block_number(1));
	ext
}
