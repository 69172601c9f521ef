//! A test runtime with the departments pallet and a recording council.

use crate as pallet_departments;
use crate::{DepartmentKind, GenesisDepartment, Role, Roles};
use core::cell::RefCell;
use frame_support::{
	derive_impl,
	traits::{ChangeMembers, ConstU32, InitializeMembers},
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
	pub type Departments = pallet_departments;
}

#[derive_impl(frame_system::config_preludes::TestDefaultConfig)]
impl frame_system::Config for Test {
	type Block = Block;
	type AccountId = AccountId;
	type Lookup = sp_runtime::traits::IdentityLookup<AccountId>;
}

thread_local! {
	static COUNCIL: RefCell<Vec<AccountId>> = const { RefCell::new(Vec::new()) };
}

/// Stands in for the council: remembers the membership it is given.
pub struct Council;

impl Council {
	pub fn members() -> Vec<AccountId> {
		COUNCIL.with(|c| c.borrow().clone())
	}
}

impl ChangeMembers<AccountId> for Council {
	fn change_members_sorted(_incoming: &[AccountId], _outgoing: &[AccountId], new: &[AccountId]) {
		COUNCIL.with(|c| *c.borrow_mut() = new.to_vec());
	}
}

impl InitializeMembers<AccountId> for Council {
	fn initialize_members(members: &[AccountId]) {
		COUNCIL.with(|c| *c.borrow_mut() = members.to_vec());
	}
}

pub const MAX_DEPARTMENTS: u32 = 8;
pub const MAX_MEMBERS: u32 = 4;
pub const MAX_NAME: u32 = 16;
pub const MAX_URI: u32 = 32;

/// Allowances are counted per 10 blocks.
pub const ALLOWANCE_PERIOD: u32 = 10;

frame_support::parameter_types! {
	pub const DefaultAllowance: crate::Allowance = crate::Allowance { transactions: 3, bytes: 1_000 };
	/// Not zero, so that the tests see whether a call charges it.
	pub const CouncilChangeWeight: frame_support::weights::Weight =
		frame_support::weights::Weight::from_parts(1_000_000, 1_000);
}

impl pallet_departments::Config for Test {
	type Audit = ();
	type GovernanceOrigin = EnsureRoot<AccountId>;
	type Council = Council;
	type MaxDepartments = ConstU32<MAX_DEPARTMENTS>;
	type MaxMembersPerDepartment = ConstU32<MAX_MEMBERS>;
	type MaxNameLength = ConstU32<MAX_NAME>;
	type MaxUriLength = ConstU32<MAX_URI>;
	type OnStatusChanged = ();
	type AllowancePeriod = ConstU32<ALLOWANCE_PERIOD>;
	type DefaultAllowance = DefaultAllowance;
	type CouncilChangeWeight = CouncilChangeWeight;
	type TransactionChecksPerBlock = ();
	type WeightInfo = ();
}

/// Accounts of the genesis departments.
pub const PLANNING_ADMIN: AccountId = 1;
pub const PLANNING_PUBLISHER: AccountId = 2;
pub const TRANSPORT_ADMIN: AccountId = 3;
pub const REGULATOR_ADMIN: AccountId = 4;
/// An account that belongs to no department.
pub const OUTSIDER: AccountId = 99;

pub const PLANNING: u32 = 0;
pub const TRANSPORT: u32 = 1;
pub const REGULATOR: u32 = 2;

fn department(
	name: &str,
	kind: DepartmentKind,
	members: Vec<(AccountId, Roles)>,
) -> GenesisDepartment<AccountId> {
	GenesisDepartment {
		name: name.into(),
		kind,
		status: Default::default(),
		members,
		encryption_key: None,
		metadata_uri: Default::default(),
	}
}

/// Planning (admin 1, publisher 2), Transport (admin 3), Regulator (admin 4).
pub fn new_test_ext() -> sp_io::TestExternalities {
	let departments = vec![
		department(
			"Planning",
			DepartmentKind::Planning,
			vec![
				(PLANNING_ADMIN, Roles::only(Role::Admin)),
				(PLANNING_PUBLISHER, Roles::only(Role::Publisher)),
			],
		),
		department("Transport", DepartmentKind::Transport, vec![(TRANSPORT_ADMIN, Roles::ALL)]),
		department("Regulator", DepartmentKind::Regulator, vec![(REGULATOR_ADMIN, Roles::ALL)]),
	];
	let storage = RuntimeGenesisConfig {
		system: Default::default(),
		departments: pallet_departments::GenesisConfig { departments },
	}
	.build_storage()
	.expect("mock genesis builds");
	let mut ext = sp_io::TestExternalities::new(storage);
	ext.execute_with(|| System::set_block_number(1));
	ext
}
