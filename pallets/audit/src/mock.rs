//! A test runtime with the audit pallet, the test department directory and
//! a fixed set of known subjects.

use crate as pallet_audit;
use crate::*;
pub use citychain_primitives::testing::TestDirectory as Directory;
use citychain_primitives::{DepartmentKind, Roles};
use core::{cell::RefCell, time::Duration};
use frame_support::{
	derive_impl,
	traits::{ConstU32, ConstU64, Contains, UnixTime},
};
use frame_system::EnsureRoot;
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
	pub type Audit = pallet_audit;
}

#[derive_impl(frame_system::config_preludes::TestDefaultConfig)]
impl frame_system::Config for Test {
	type Block = Block;
	type AccountId = AccountId;
	type Lookup = sp_runtime::traits::IdentityLookup<AccountId>;
}

/// The regulator (department 0): 1 an Auditor, 2 an Approver only.
pub const REGULATOR: DepartmentId = 0;
pub const AUDITOR: AccountId = 1;
pub const APPROVER: AccountId = 2;
pub const OUTSIDER: AccountId = 9;
pub const MIN_RETENTION: u64 = 10;

thread_local! {
	static NOW_MS: RefCell<u64> = const { RefCell::new(0) };
}

/// Departments 0–3, datasets 0–9 and contracts 0–9 exist.
pub struct KnownSubjects;

impl Contains<Subject> for KnownSubjects {
	fn contains(s: &Subject) -> bool {
		match s {
			Subject::Department(id) => *id < 4,
			Subject::Dataset(id) | Subject::Contract(id) => *id < 10,
			Subject::Chain => true,
		}
	}
}

/// The clock of the tests: 1 s per block.
pub struct Clock;

impl UnixTime for Clock {
	fn now() -> Duration {
		Duration::from_millis(NOW_MS.with(|n| *n.borrow()))
	}
}

impl pallet_audit::Config for Test {
	type Departments = Directory;
	type KnownSubjects = KnownSubjects;
	type Time = Clock;
	type GovernanceOrigin = EnsureRoot<AccountId>;
	type MinRetention = ConstU64<MIN_RETENTION>;
	type MaxPrunePerBlock = ConstU32<3>;
	type WeightInfo = ();
	#[cfg(feature = "runtime-benchmarks")]
	type BenchmarkHelper = Directory;
}

/// The regulator with an auditor and an approver; block 1.
pub fn new_test_ext() -> sp_io::TestExternalities {
	Directory::clear();
	Directory::add_department(REGULATOR, DepartmentKind::Regulator);
	Directory::add_member(AUDITOR, REGULATOR, Roles::only(Role::Auditor));
	Directory::add_member(APPROVER, REGULATOR, Roles::only(Role::Approver));
	let storage = frame_system::GenesisConfig::<Test>::default().build_storage().unwrap();
	let mut ext = sp_io::TestExternalities::new(storage);
	ext.execute_with(|| set_block(1));
	ext
}

/// Moves to block `n` at `n` seconds.
pub fn set_block(n: u64) {
	System::set_block_number(n);
	NOW_MS.with(|t| *t.borrow_mut() = n * 1_000);
}
