//! A test runtime with the access pallet, a department directory and a
//! dataset registry kept in thread-local storage.

use crate as pallet_access;
use crate::*;
pub use citychain_primitives::testing::{TestClock as Clock, TestDirectory as Directory};
use citychain_primitives::{
	access::{DatasetSummary, DatasetsBenchmarkHelper},
	DepartmentKind, Roles, TimeRange,
};
use core::cell::RefCell;
use frame_support::{
	derive_impl,
	traits::{ConstU32, ConstU64},
};
use sp_runtime::{BoundedVec, BuildStorage};
use std::collections::BTreeMap;

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
	pub type Access = pallet_access;
}

#[derive_impl(frame_system::config_preludes::TestDefaultConfig)]
impl frame_system::Config for Test {
	type Block = Block;
	type AccountId = AccountId;
	type Lookup = sp_runtime::traits::IdentityLookup<AccountId>;
}

/// Planning (department 0) provides the datasets: 1 Approver and Publisher.
pub const PLANNING: DepartmentId = 0;
pub const PLANNER: AccountId = 1;
/// Transport (department 1) consumes: 2 a clerk without roles, 3 an Approver.
pub const TRANSPORT: DepartmentId = 1;
pub const TRANSPORT_CLERK: AccountId = 2;
pub const TRANSPORT_APPROVER: AccountId = 3;
/// The regulator (department 2): 4 an Approver, 5 an Auditor only.
pub const REGULATOR: DepartmentId = 2;
pub const REGULATOR_APPROVER: AccountId = 4;
pub const REGULATOR_AUDITOR: AccountId = 5;
/// Environment (department 3) consumes too: 6 a clerk.
pub const ENVIRONMENT: DepartmentId = 3;
pub const ENVIRONMENT_CLERK: AccountId = 6;
pub const OUTSIDER: AccountId = 9;

/// Datasets 0, 1, 2 of Planning: Open, ApprovalRequired, Restricted.
pub const OPEN: DatasetId = 0;
pub const APPROVAL: DatasetId = 1;
pub const RESTRICTED: DatasetId = 2;

pub const TERM: u64 = 100;
/// A day of the tests, in blocks.
pub const BLOCKS_PER_DAY: u64 = 10;
pub const TIMEOUT: u64 = 20;
pub const MAX_DEADLINES: u32 = 4;
/// Department ids are below this (the benchmark tests make many departments
/// in one thread).
pub const MAX_DEPARTMENTS: u32 = 8;

thread_local! {
	static DATASETS: RefCell<BTreeMap<DatasetId, DatasetSummary>> = const { RefCell::new(BTreeMap::new()) };
}

/// The dataset registry of the tests.
pub struct Registry;

/// The hash of every test dataset: blake2b-256 of 0xab…
pub fn content_hash() -> ContentHash {
	ContentHash { code: 0xb220, digest: BoundedVec::truncate_from(vec![0xab; 32]) }
}

/// Central Beijing.
pub fn city() -> BoundingBox {
	BoundingBox { west: 1_162_000_000, south: 398_000_000, east: 1_165_500_000, north: 400_500_000 }
}

/// 2024.
pub fn year() -> TimeRange {
	TimeRange { start: 1_704_067_200_000, end: Some(1_735_689_599_999) }
}

impl Registry {
	pub fn add(id: DatasetId, owner: DepartmentId, policy: AccessPolicy) {
		let summary = DatasetSummary {
			owner,
			status: DatasetStatus::Active,
			policy,
			rules: terms::single_rule(policy),
			sensitivity: if policy == AccessPolicy::Open {
				Sensitivity::Public
			} else {
				Sensitivity::Internal
			},
			version: 1,
			bbox: city(),
			time: year(),
			content_hash: content_hash(),
		};
		DATASETS.with(|d| d.borrow_mut().insert(id, summary));
	}

	pub fn set_sensitivity(id: DatasetId, sensitivity: Sensitivity) {
		DATASETS.with(|d| {
			d.borrow_mut().entry(id).and_modify(|s| s.sensitivity = sensitivity);
		});
	}

	pub fn set_policy(id: DatasetId, policy: AccessPolicy, sensitivity: Sensitivity) {
		Self::set_rules(id, terms::single_rule(policy), sensitivity);
	}

	/// Sets the dataset's rules (and the policy the catalogue shows).
	pub fn set_rules(id: DatasetId, rules: Policy, sensitivity: Sensitivity) {
		DATASETS.with(|d| {
			d.borrow_mut().entry(id).and_modify(|s| {
				(s.policy, s.sensitivity) = (terms::headline(&rules), sensitivity);
				s.rules = rules;
			});
		});
	}

	pub fn set_status(id: DatasetId, status: DatasetStatus) {
		DATASETS.with(|d| {
			d.borrow_mut().entry(id).and_modify(|s| s.status = status);
		});
	}
}

impl DatasetRegistry for Registry {
	fn dataset(id: DatasetId) -> Option<DatasetSummary> {
		DATASETS.with(|d| d.borrow().get(&id).cloned())
	}
}

impl DatasetsBenchmarkHelper<AccountId> for Registry {
	fn new_dataset(publisher: &AccountId, policy: AccessPolicy) -> DatasetId {
		let id = DATASETS.with(|d| d.borrow().len() as DatasetId);
		let owner = Directory::membership(publisher).expect("publisher is a member").department;
		Self::add(id, owner, policy);
		id
	}
	fn set_rules(_: &AccountId, dataset: DatasetId, rules: Policy) {
		let sensitivity = Self::dataset(dataset).map_or(Sensitivity::Internal, |d| d.sensitivity);
		Registry::set_rules(dataset, rules, sensitivity)
	}
}

impl pallet_access::Config for Test {
	type Departments = Directory;
	type Datasets = Registry;
	type MaxTerm = ConstU64<1_000>;
	type RequestTimeout = ConstU64<TIMEOUT>;
	type MaxDeadlinesPerBlock = ConstU32<MAX_DEADLINES>;
	type MaxDepartments = ConstU32<MAX_DEPARTMENTS>;
	type Audit = ();
	type GovernanceOrigin = frame_system::EnsureRoot<AccountId>;
	type BlocksPerDay = ConstU64<BLOCKS_PER_DAY>;
	type Time = Clock;
	type WeightInfo = ();
	#[cfg(feature = "runtime-benchmarks")]
	type BenchmarkHelper = MockHelper;
}

/// Both benchmark helpers in one type, as the runtime's config needs.
#[cfg(feature = "runtime-benchmarks")]
pub struct MockHelper;

#[cfg(feature = "runtime-benchmarks")]
use citychain_primitives::{DepartmentsBenchmarkHelper, EncryptionKey};

#[cfg(feature = "runtime-benchmarks")]
impl DepartmentsBenchmarkHelper<AccountId> for MockHelper {
	fn new_member(kind: DepartmentKind, roles: Roles) -> AccountId {
		Directory::new_member(kind, roles)
	}
	fn set_encryption_key(who: &AccountId, key: EncryptionKey) {
		Directory::set_encryption_key(who, key)
	}
}

#[cfg(feature = "runtime-benchmarks")]
impl DatasetsBenchmarkHelper<AccountId> for MockHelper {
	fn new_dataset(publisher: &AccountId, policy: AccessPolicy) -> DatasetId {
		Registry::new_dataset(publisher, policy)
	}
	fn set_rules(publisher: &AccountId, dataset: DatasetId, rules: Policy) {
		<Registry as DatasetsBenchmarkHelper<AccountId>>::set_rules(publisher, dataset, rules)
	}
}

/// Planning, Transport, the regulator and Environment with their members;
/// Planning's three datasets; Transport has published its key.
pub fn new_test_ext() -> sp_io::TestExternalities {
	Directory::clear();
	DATASETS.with(|d| d.borrow_mut().clear());
	Directory::add_department(PLANNING, DepartmentKind::Planning);
	Directory::add_department(TRANSPORT, DepartmentKind::Transport);
	Directory::add_department(REGULATOR, DepartmentKind::Regulator);
	Directory::add_department(ENVIRONMENT, DepartmentKind::Environment);
	Directory::set_key(TRANSPORT, [7; 32]);
	Directory::add_member(PLANNER, PLANNING, Roles::only(Role::Approver).with(Role::Publisher));
	Directory::add_member(TRANSPORT_CLERK, TRANSPORT, Roles::NONE);
	Directory::add_member(TRANSPORT_APPROVER, TRANSPORT, Roles::only(Role::Approver));
	Directory::add_member(REGULATOR_APPROVER, REGULATOR, Roles::only(Role::Approver));
	Directory::add_member(REGULATOR_AUDITOR, REGULATOR, Roles::only(Role::Auditor));
	Directory::add_member(ENVIRONMENT_CLERK, ENVIRONMENT, Roles::NONE);
	Registry::add(OPEN, PLANNING, AccessPolicy::Open);
	Registry::add(APPROVAL, PLANNING, AccessPolicy::ApprovalRequired);
	Registry::add(RESTRICTED, PLANNING, AccessPolicy::Restricted);
	let storage = frame_system::GenesisConfig::<Test>::default().build_storage().unwrap();
	let mut ext = sp_io::TestExternalities::new(storage);
	ext.execute_with(|| System::set_block_number(1));
	ext
}

/// Runs the hooks of the blocks up to `n`.
pub fn run_to_block(n: u64) {
	use frame_support::traits::Hooks;
	while System::block_number() < n {
		let next = System::block_number() + 1;
		System::set_block_number(next);
		Access::on_initialize(next);
	}
}
