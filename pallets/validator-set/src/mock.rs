//! A test runtime with the validator-set pallet, the test department
//! directory and a session-key registry of its own.

use crate as pallet_validator_set;
pub use citychain_primitives::testing::TestDirectory as Directory;
use citychain_primitives::{DepartmentKind, Roles};
use core::cell::RefCell;
use frame_support::{
	derive_impl, ord_parameter_types,
	traits::{ConstU32, ValidatorRegistration},
};
use frame_system::{EnsureRoot, EnsureSignedBy};
use sp_runtime::BuildStorage;
use std::collections::BTreeSet;

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
	pub type ValidatorSet = pallet_validator_set;
}

#[derive_impl(frame_system::config_preludes::TestDefaultConfig)]
impl frame_system::Config for Test {
	type Block = Block;
	type AccountId = AccountId;
	type Lookup = sp_runtime::traits::IdentityLookup<AccountId>;
}

thread_local! {
	static KEYS: RefCell<BTreeSet<AccountId>> = const { RefCell::new(BTreeSet::new()) };
}

/// Accounts with session keys.
pub struct Keys;

impl Keys {
	pub fn register(who: AccountId) {
		KEYS.with(|k| k.borrow_mut().insert(who));
	}
}

impl ValidatorRegistration<AccountId> for Keys {
	fn is_registered(who: &AccountId) -> bool {
		KEYS.with(|k| k.borrow().contains(who))
	}
}

ord_parameter_types! {
	pub const Council: AccountId = 100;
}

pub const MIN_VALIDATORS: u32 = 3;
pub const MAX_VALIDATORS: u32 = 5;

impl pallet_validator_set::Config for Test {
	type GovernanceOrigin = frame_support::traits::EitherOfDiverse<
		EnsureRoot<AccountId>,
		EnsureSignedBy<Council, AccountId>,
	>;
	type Departments = Directory;
	type KeysRegistered = Keys;
	type MinValidators = ConstU32<MIN_VALIDATORS>;
	type MaxValidators = ConstU32<MAX_VALIDATORS>;
	type Audit = ();
	type WeightInfo = ();
	#[cfg(feature = "runtime-benchmarks")]
	type BenchmarkHelper = Keys;
}

#[cfg(feature = "runtime-benchmarks")]
impl crate::BenchmarkHelper<AccountId> for Keys {
	fn candidate() -> AccountId {
		use citychain_primitives::DepartmentsBenchmarkHelper;
		let who = Directory::new_member(DepartmentKind::Transport, Roles::NONE);
		Keys::register(who);
		who
	}
}

/// Departments 0–6, each with one member: account `10 + id`, all with session
/// keys except account 16. Account 20 is a second member of department 0.
/// Accounts 10, 11 and 12 are the genesis validators.
pub fn new_test_ext() -> sp_io::TestExternalities {
	Directory::clear();
	KEYS.with(|k| k.borrow_mut().clear());
	for id in 0..7 {
		Directory::add_department(id, DepartmentKind::Transport);
		Directory::add_member(10 + u64::from(id), id, Roles::NONE);
		if id != 6 {
			Keys::register(10 + u64::from(id));
		}
	}
	Directory::add_member(20, 0, Roles::NONE);
	Keys::register(20);
	let storage = RuntimeGenesisConfig {
		system: Default::default(),
		validator_set: pallet_validator_set::GenesisConfig { validators: vec![10, 11, 12] },
	}
	.build_storage()
	.expect("builds");
	let mut ext = sp_io::TestExternalities::new(storage);
	ext.execute_with(|| System::set_block_number(1));
	ext
}
