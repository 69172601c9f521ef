//! A test runtime with the datasets pallet and a department directory kept
//! in thread-local storage.

use crate as pallet_datasets;
use crate::*;
use citychain_primitives::{
	DepartmentKind, DepartmentStatus, DepartmentsBenchmarkHelper, EncryptionKey, Membership, Roles,
};
use core::cell::RefCell;
use frame_support::{derive_impl, traits::UnixTime};
use sp_runtime::BuildStorage;
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
	pub type Datasets = pallet_datasets;
}

#[derive_impl(frame_system::config_preludes::TestDefaultConfig)]
impl frame_system::Config for Test {
	type Block = Block;
	type AccountId = AccountId;
	type Lookup = sp_runtime::traits::IdentityLookup<AccountId>;
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
	static MEMBERS: RefCell<BTreeMap<AccountId, (DepartmentId, Roles)>> =
		RefCell::new(BTreeMap::new());
	static DEPARTMENTS: RefCell<BTreeMap<DepartmentId, (DepartmentKind, DepartmentStatus)>> =
		RefCell::new(BTreeMap::new());
	static NOW_MS: RefCell<u64> = const { RefCell::new(0) };
}

/// The department directory of the tests.
pub struct Directory;

impl Directory {
	pub fn add_department(id: DepartmentId, kind: DepartmentKind) {
		DEPARTMENTS.with(|d| d.borrow_mut().insert(id, (kind, DepartmentStatus::Active)));
	}

	pub fn add_member(who: AccountId, department: DepartmentId, roles: Roles) {
		MEMBERS.with(|m| m.borrow_mut().insert(who, (department, roles)));
	}

	pub fn set_status(id: DepartmentId, status: DepartmentStatus) {
		DEPARTMENTS.with(|d| {
			d.borrow_mut().entry(id).and_modify(|e| e.1 = status);
		});
	}
}

impl DepartmentDirectory<AccountId> for Directory {
	fn membership(who: &AccountId) -> Option<Membership> {
		let (department, roles) = MEMBERS.with(|m| m.borrow().get(who).copied())?;
		let (kind, status) = Self::department(department)?;
		Some(Membership { department, kind, status, roles })
	}

	fn department(id: DepartmentId) -> Option<(DepartmentKind, DepartmentStatus)> {
		DEPARTMENTS.with(|d| d.borrow().get(&id).copied())
	}

	fn encryption_key(_id: DepartmentId) -> Option<EncryptionKey> {
		None
	}
}

impl DepartmentsBenchmarkHelper<AccountId> for Directory {
	fn new_member(kind: DepartmentKind, roles: Roles) -> AccountId {
		let id = DEPARTMENTS.with(|d| d.borrow().len() as DepartmentId);
		let who = 1_000 + AccountId::from(id);
		Self::add_department(id, kind);
		Self::add_member(who, id, roles);
		who
	}

	fn set_encryption_key(_who: &AccountId, _key: EncryptionKey) {}
}

thread_local! {
	static WITHDRAWN: RefCell<Vec<DatasetId>> = const { RefCell::new(Vec::new()) };
}

/// Records the datasets it is told were withdrawn.
pub struct WithdrawalLog;

impl WithdrawalLog {
	pub fn withdrawn() -> Vec<DatasetId> {
		WITHDRAWN.with(|w| w.borrow().clone())
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
}

/// The clock of the tests, in ms since the epoch.
pub struct Clock;

impl Clock {
	pub fn set(ms: u64) {
		NOW_MS.with(|n| *n.borrow_mut() = ms);
	}
}

impl UnixTime for Clock {
	fn now() -> core::time::Duration {
		core::time::Duration::from_millis(NOW_MS.with(|n| *n.borrow()))
	}
}

impl pallet_datasets::Config for Test {
	type Departments = Directory;
	type Time = Clock;
	type OnWithdraw = WithdrawalLog;
	type WeightInfo = ();
	#[cfg(feature = "runtime-benchmarks")]
	type BenchmarkHelper = Directory;
}

/// Empty registry; Transport and Planning with their members.
pub fn new_test_ext() -> sp_io::TestExternalities {
	MEMBERS.with(|m| m.borrow_mut().clear());
	WITHDRAWN.with(|w| w.borrow_mut().clear());
	DEPARTMENTS.with(|d| d.borrow_mut().clear());
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
