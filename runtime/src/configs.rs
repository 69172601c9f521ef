//! Configuration of each pallet of the runtime.

use frame_support::{
	derive_impl,
	dispatch::DispatchClass,
	parameter_types,
	traits::{ConstBool, ConstU128, ConstU32, ConstU64, ConstU8, EitherOfDiverse, VariantCountOf},
	weights::{constants::WEIGHT_REF_TIME_PER_SECOND, ConstantMultiplier, Weight},
};
use frame_system::{
	limits::{BlockLength, BlockWeights},
	EnsureRoot,
};
use pallet_transaction_payment::{ConstFeeMultiplier, FungibleAdapter, Multiplier};
use sp_consensus_aura::sr25519::AuthorityId as AuraId;
use sp_runtime::{
	traits::{ConvertInto, One, OpaqueKeys},
	Perbill,
};
use sp_version::RuntimeVersion;

use crate::weights::{
	self, block_weights::BlockExecutionWeight, extrinsic_weights::ExtrinsicBaseWeight,
	node_authorization, paritydb_weights::constants::ParityDbWeight,
};

use crate::call_policy::ConsortiumCallFilter;

use super::{
	AccountId, Aura, Balance, Balances, Block, BlockNumber, Hash, Nonce, PalletInfo, Runtime,
	RuntimeCall, RuntimeEvent, RuntimeFreezeReason, RuntimeHoldReason, RuntimeOrigin, RuntimeTask,
	SessionKeys, System, DAYS, EXISTENTIAL_DEPOSIT, MINUTES, SLOT_DURATION, VERSION,
};

const NORMAL_DISPATCH_RATIO: Perbill = Perbill::from_percent(75);

parameter_types! {
	pub const BlockHashCount: BlockNumber = super::BLOCK_HASH_COUNT;
	pub const Version: RuntimeVersion = VERSION;

	/// A third of the 3 s slot for computation, leaving time to import and
	/// gossip the block; the base weights of a block and of a transaction
	/// as `benchmark overhead` measured them on this machine.
	pub RuntimeBlockWeights: BlockWeights = block_weights(
		Weight::from_parts(WEIGHT_REF_TIME_PER_SECOND, u64::MAX),
	);
	/// 5 MiB, 75 % of it for normal transactions.
	pub RuntimeBlockLength: BlockLength = BlockLength::builder()
		.max_length(5 * 1024 * 1024)
		.modify_max_length_for_class(DispatchClass::Normal, |max| *max = NORMAL_DISPATCH_RATIO * *max)
		.build();
	/// The generic Substrate address format.
	pub const SS58Prefix: u8 = 42;
}

/// `max` for a block: 75 % of it for normal transactions, the rest kept for
/// operational ones, the measured base weights.
fn block_weights(max: Weight) -> BlockWeights {
	let normal = NORMAL_DISPATCH_RATIO * max;
	BlockWeights::builder()
		.base_block(BlockExecutionWeight::get())
		.for_class(DispatchClass::all(), |class| {
			class.base_extrinsic = ExtrinsicBaseWeight::get();
		})
		.for_class(DispatchClass::Normal, |class| class.max_total = Some(normal))
		.for_class(DispatchClass::Operational, |class| {
			class.max_total = Some(max);
			class.reserved = Some(max - normal);
		})
		.avg_block_initialization(Perbill::from_percent(10))
		.build()
		.expect("the normal class fits in the block; qed")
}

#[derive_impl(frame_system::config_preludes::SolochainDefaultConfig)]
impl frame_system::Config for Runtime {
	type BaseCallFilter = ConsortiumCallFilter;
	type Block = Block;
	type BlockWeights = RuntimeBlockWeights;
	type BlockLength = RuntimeBlockLength;
	type AccountId = AccountId;
	type Nonce = Nonce;
	type Hash = Hash;
	type BlockHashCount = BlockHashCount;
	/// This node's ParityDb, measured (`benchmark storage`).
	type DbWeight = ParityDbWeight;
	type SystemWeightInfo = weights::frame_system::WeightInfo<Runtime>;
	type ExtensionsWeightInfo = weights::frame_system_extensions::WeightInfo<Runtime>;
	type Version = Version;
	type AccountData = pallet_balances::AccountData<Balance>;
	type SS58Prefix = SS58Prefix;
	type MaxConsumers = ConstU32<16>;
	type MultiBlockMigrator = super::MultiBlockMigrations;
}

parameter_types! {
	/// What a block may spend on multi-block migrations: half of its
	/// weight, the rest left for the inherents and the block's accounting.
	/// Transactions wait while migrations run.
	pub MigrationServiceWeight: Weight = Perbill::from_percent(50) * RuntimeBlockWeights::get().max_block;
}

/// The storage migrations that may take many blocks; each returns at once
/// on a chain past its version.
impl pallet_migrations::Config for Runtime {
	type RuntimeEvent = RuntimeEvent;
	#[cfg(not(feature = "runtime-benchmarks"))]
	type Migrations = (
		pallet_datasets::migrations::v1::ClearLegacyIndex<Runtime>,
		pallet_datasets::migrations::v2::RecordLicenses<
			Runtime,
			pallet_datasets::weights::SubstrateWeight<Runtime>,
		>,
		pallet_datasets::migrations::v3::WebLinksOnly<
			Runtime,
			pallet_datasets::weights::SubstrateWeight<Runtime>,
		>,
	);
	#[cfg(feature = "runtime-benchmarks")]
	type Migrations = pallet_migrations::mock_helpers::MockedMigrations;
	type CursorMaxLen = ConstU32<65_536>;
	type IdentifierMaxLen = ConstU32<256>;
	type MigrationStatusHandler = ();
	type FailedMigrationHandler = frame_support::migrations::FreezeChainOnFailedMigration;
	type MaxServiceWeight = MigrationServiceWeight;
	type WeightInfo = weights::pallet_migrations::WeightInfo<Runtime>;
}

impl pallet_aura::Config for Runtime {
	type AuthorityId = AuraId;
	type DisabledValidators = ();
	type MaxAuthorities = ConstU32<MAX_VALIDATORS>;
	type AllowMultipleBlocksPerSlot = ConstBool<false>;
	type SlotDuration = pallet_aura::MinimumPeriodTimesTwo<Runtime>;
}

/// How many sessions back a GRANDPA equivocation can be reported: the
/// validator tries of as many sessions are kept (an hour at a minute a
/// session).
pub const REPORTABLE_SESSIONS: u32 = 64;

parameter_types! {
	/// An equivocation report stays valid in the pool while its session can
	/// still be reported.
	pub ReportLongevity: u64 = u64::from(REPORTABLE_SESSIONS) * u64::from(SessionPeriod::get());
}

impl pallet_grandpa::Config for Runtime {
	type RuntimeEvent = RuntimeEvent;
	type WeightInfo = ();
	type MaxAuthorities = ConstU32<MAX_VALIDATORS>;
	type MaxNominators = ConstU32<0>;
	type MaxSetIdSessionEntries = ConstU64<{ REPORTABLE_SESSIONS as u64 }>;
	/// A proof that the offender's GRANDPA key belonged to a validator of
	/// the session, from `Historical`'s tries.
	type KeyOwnerProof = sp_session::MembershipProof;
	/// Reports (made by the node's GRANDPA voter, included unsigned by the
	/// block's author) go to `Offences`, which hands them to `ValidatorSet`.
	type EquivocationReportSystem = pallet_grandpa::EquivocationReportSystem<
		Self,
		super::Offences,
		super::Historical,
		ReportLongevity,
	>;
}

/// Who authored the block (reporters of offences), from Aura's slot.
impl pallet_authorship::Config for Runtime {
	type FindAuthor = pallet_session::FindAccountFromAuthorIndex<Self, Aura>;
	type EventHandler = ();
}

impl pallet_session::historical::Config for Runtime {
	type RuntimeEvent = RuntimeEvent;
	type FullIdentification = ();
	type FullIdentificationOf = pallet_validator_set::NoIdentification;
}

impl pallet_offences::Config for Runtime {
	type RuntimeEvent = RuntimeEvent;
	type IdentificationTuple = pallet_session::historical::IdentificationTuple<Self>;
	/// An equivocating validator leaves the set, within its minimum.
	type OnOffenceHandler = super::ValidatorSet;
}

/// Unsigned transactions the runtime itself creates: equivocation reports.
impl<C> frame_system::offchain::CreateTransactionBase<C> for Runtime
where
	RuntimeCall: From<C>,
{
	type Extrinsic = super::UncheckedExtrinsic;
	type RuntimeCall = RuntimeCall;
}

impl<C> frame_system::offchain::CreateBare<C> for Runtime
where
	RuntimeCall: From<C>,
{
	fn create_bare(call: RuntimeCall) -> super::UncheckedExtrinsic {
		super::UncheckedExtrinsic::new_bare(call)
	}
}

impl pallet_timestamp::Config for Runtime {
	type Moment = u64;
	type OnTimestampSet = Aura;
	type MinimumPeriod = ConstU64<{ SLOT_DURATION / 2 }>;
	type WeightInfo = weights::pallet_timestamp::WeightInfo<Runtime>;
}

impl pallet_balances::Config for Runtime {
	type MaxLocks = ConstU32<50>;
	type MaxReserves = ();
	type ReserveIdentifier = [u8; 8];
	type Balance = Balance;
	type RuntimeEvent = RuntimeEvent;
	type DustRemoval = ();
	type ExistentialDeposit = ConstU128<EXISTENTIAL_DEPOSIT>;
	type AccountStore = System;
	type WeightInfo = weights::pallet_balances::WeightInfo<Runtime>;
	type FreezeIdentifier = RuntimeFreezeReason;
	type MaxFreezes = VariantCountOf<RuntimeFreezeReason>;
	type RuntimeHoldReason = RuntimeHoldReason;
	type RuntimeFreezeReason = RuntimeFreezeReason;
	type DoneSlashHandler = ();
}

parameter_types! {
	pub FeeMultiplier: Multiplier = Multiplier::one();
}

/// A consortium has no token economy: transactions cost nothing, so a member
/// can transact from the moment it is admitted. Spam is bounded by
/// membership (see `permissioning`) and by the block weight.
type NoFee = ConstantMultiplier<Balance, ConstU128<0>>;

impl pallet_transaction_payment::Config for Runtime {
	type RuntimeEvent = RuntimeEvent;
	type OnChargeTransaction = FungibleAdapter<Balances, ()>;
	type OperationalFeeMultiplier = ConstU8<5>;
	type WeightToFee = NoFee;
	type LengthToFee = NoFee;
	type FeeMultiplierUpdate = ConstFeeMultiplier<FeeMultiplier>;
	type WeightInfo = pallet_transaction_payment::weights::SubstrateWeight<Runtime>;
}

/// Batches, so that a department registers or approves many at once; each
/// call in a batch spends its department's allowance (`permissioning`).
impl pallet_utility::Config for Runtime {
	type RuntimeEvent = RuntimeEvent;
	type RuntimeCall = RuntimeCall;
	type PalletsOrigin = crate::OriginCaller;
	type WeightInfo = weights::pallet_utility::WeightInfo<Runtime>;
}

impl pallet_sudo::Config for Runtime {
	type RuntimeEvent = RuntimeEvent;
	type RuntimeCall = RuntimeCall;
	type WeightInfo = weights::pallet_sudo::WeightInfo<Runtime>;
}

/// The council: the delegates of the active departments.
pub type CouncilCollective = pallet_collective::Instance1;

/// Root, or a motion of at least two thirds of the council.
pub type GovernanceOrigin = EitherOfDiverse<
	EnsureRoot<AccountId>,
	pallet_collective::EnsureProportionAtLeast<AccountId, CouncilCollective, 2, 3>,
>;

/// Most departments, and so most council seats.
pub const MAX_DEPARTMENTS: u32 = 64;

/// Most council motions one delegate may have open at a time.
pub const MAX_OPEN_PROPOSALS_PER_MEMBER: u32 = 2;

/// Most open council motions: every seat's slots, so that no delegate can
/// take the slots another one needs.
pub const MAX_PROPOSALS: u32 = MAX_DEPARTMENTS * MAX_OPEN_PROPOSALS_PER_MEMBER;

parameter_types! {
	pub const CouncilMotionDuration: BlockNumber = 2 * DAYS;
	pub MaxProposalWeight: Weight = Perbill::from_percent(50) * RuntimeBlockWeights::get().max_block;
}

impl pallet_collective::Config<CouncilCollective> for Runtime {
	type RuntimeOrigin = RuntimeOrigin;
	type Proposal = RuntimeCall;
	type RuntimeEvent = RuntimeEvent;
	type MotionDuration = CouncilMotionDuration;
	type MaxProposals = ConstU32<MAX_PROPOSALS>;
	type MaxMembers = ConstU32<MAX_DEPARTMENTS>;
	type DefaultVote = pallet_collective::PrimeDefaultVote;
	type WeightInfo = CouncilWeights;
	/// Only the departments pallet changes the council's membership.
	#[cfg(not(feature = "runtime-benchmarks"))]
	type SetMembersOrigin = frame_system::EnsureNever<()>;
	/// pallet-collective's benchmarks set the members as Root.
	#[cfg(feature = "runtime-benchmarks")]
	type SetMembersOrigin = EnsureRoot<AccountId>;
	type MaxProposalWeight = MaxProposalWeight;
	type DisapproveOrigin = EnsureRoot<AccountId>;
	type KillOrigin = EnsureRoot<AccountId>;
	/// A slot of the proposer's, not a deposit: see `pallet_governance`.
	type Consideration = pallet_governance::ProposalSlot<Runtime>;
}

/// Hashing and copying `bytes` bytes: `frame_system`'s benchmarked
/// `remark_with_event`, which hashes as many.
pub fn bytes_weight(bytes: u32) -> Weight {
	use frame_system::WeightInfo;
	<Runtime as frame_system::Config>::SystemWeightInfo::remark_with_event(bytes)
}

/// The council's weights: measured here (`weights::pallet_collective`),
/// plus, for each call that takes a motion of `b` bytes, hashing and copying
/// them at this chain's price ([`bytes_weight`]): the benchmark's motions are
/// at most 1 KiB, a motion may be as large as a transaction (runtime test
/// `council_weights_cover_the_largest_motion_among_the_most_open_ones`).
pub struct CouncilWeights;

type MeasuredCouncil = weights::pallet_collective::WeightInfo<Runtime>;

impl pallet_collective::WeightInfo for CouncilWeights {
	fn set_members(m: u32, n: u32, p: u32) -> Weight {
		MeasuredCouncil::set_members(m, n, p)
	}
	fn execute(b: u32, m: u32) -> Weight {
		MeasuredCouncil::execute(b, m).saturating_add(bytes_weight(b))
	}
	fn propose_execute(b: u32, m: u32) -> Weight {
		MeasuredCouncil::propose_execute(b, m).saturating_add(bytes_weight(b))
	}
	fn propose_proposed(b: u32, m: u32, p: u32) -> Weight {
		MeasuredCouncil::propose_proposed(b, m, p).saturating_add(bytes_weight(b))
	}
	fn vote(m: u32) -> Weight {
		MeasuredCouncil::vote(m)
	}
	fn close_early_disapproved(m: u32, p: u32) -> Weight {
		MeasuredCouncil::close_early_disapproved(m, p)
	}
	fn close_early_approved(b: u32, m: u32, p: u32) -> Weight {
		MeasuredCouncil::close_early_approved(b, m, p).saturating_add(bytes_weight(b))
	}
	fn close_disapproved(m: u32, p: u32) -> Weight {
		MeasuredCouncil::close_disapproved(m, p)
	}
	fn close_approved(b: u32, m: u32, p: u32) -> Weight {
		MeasuredCouncil::close_approved(b, m, p).saturating_add(bytes_weight(b))
	}
	fn disapprove_proposal(p: u32) -> Weight {
		MeasuredCouncil::disapprove_proposal(p)
	}
	fn kill(d: u32, p: u32) -> Weight {
		MeasuredCouncil::kill(d, p)
	}
	fn release_proposal_cost() -> Weight {
		MeasuredCouncil::release_proposal_cost()
	}
}

impl pallet_governance::Config for Runtime {
	type RuntimeCall = RuntimeCall;
	type GovernanceOrigin = GovernanceOrigin;
	type MaxOpenProposalsPerMember = ConstU32<MAX_OPEN_PROPOSALS_PER_MEMBER>;
	type WeightInfo = pallet_governance::weights::SubstrateWeight<Runtime>;
}

parameter_types! {
	/// The council's membership change at its largest: every seat and every
	/// open motion (pallet-collective's `set_members` benchmark, which makes
	/// the same change and more).
	pub CouncilChangeWeight: Weight =
		<CouncilWeights as pallet_collective::WeightInfo>::set_members(
			MAX_DEPARTMENTS,
			MAX_DEPARTMENTS,
			MAX_PROPOSALS,
		);
}

parameter_types! {
	/// Allowances are counted per 100 blocks (five minutes).
	pub const AllowancePeriod: u32 = 100;
	/// What a department may spend per period unless governance says
	/// otherwise: 6,000 transactions (20 a second) and 8 MiB of them.
	pub const DefaultAllowance: pallet_departments::Allowance =
		pallet_departments::Allowance { transactions: 6_000, bytes: 8 << 20 };
	/// What the membership check (`permissioning::CheckMembership`) reads
	/// beside the signer's member record, charged once a block by the
	/// departments pallet: for each of the at most `MAX_DEPARTMENTS`
	/// departments that are not retired (a member of a retired one cannot
	/// transact), its record, allowance and spending, and the spending
	/// written back; the council's members and the sudo key. About 1.9 ms of
	/// the block at the measured `ParityDbWeight`; each transaction is
	/// charged 5 reads and a write less.
	pub ChecksPerBlock: Weight = <Runtime as frame_system::Config>::DbWeight::get().reads_writes(
		3 * u64::from(MAX_DEPARTMENTS) + 2,
		u64::from(MAX_DEPARTMENTS),
	);
}

impl pallet_departments::Config for Runtime {
	type GovernanceOrigin = GovernanceOrigin;
	type Council = super::Council;
	type MaxDepartments = ConstU32<MAX_DEPARTMENTS>;
	type MaxMembersPerDepartment = ConstU32<256>;
	type MaxNameLength = ConstU32<128>;
	type MaxUriLength = ConstU32<256>;
	type Audit = super::Audit;
	type OnStatusChanged = (super::ValidatorSet, RemoveDepartmentNodes);
	type AllowancePeriod = AllowancePeriod;
	type DefaultAllowance = DefaultAllowance;
	type CouncilChangeWeight = CouncilChangeWeight;
	type TransactionChecksPerBlock = ChecksPerBlock;
	type WeightInfo = pallet_departments::weights::SubstrateWeight<Runtime>;
}

impl pallet_datasets::Config for Runtime {
	type Departments = super::Departments;
	type Time = super::Timestamp;
	type OnWithdraw = super::Access;
	type OnPolicyChange = super::Access;
	type Terms = super::Access;
	type Audit = super::Audit;
	type WeightInfo = pallet_datasets::weights::SubstrateWeight<Runtime>;
	#[cfg(feature = "runtime-benchmarks")]
	type BenchmarkHelper = super::Departments;
}

parameter_types! {
	/// Longest access term: five years.
	pub const MaxAccessTerm: BlockNumber = 5 * 365 * DAYS;
	/// A request unanswered for 30 days lapses.
	pub const AccessRequestTimeout: BlockNumber = 30 * DAYS;
	/// A day in blocks, for rules' term limits.
	pub const BlocksPerDay: BlockNumber = DAYS;
}

impl pallet_access::Config for Runtime {
	type Departments = super::Departments;
	type Datasets = super::Datasets;
	type MaxTerm = MaxAccessTerm;
	type RequestTimeout = AccessRequestTimeout;
	type MaxDeadlinesPerBlock = ConstU32<64>;
	type MaxDepartments = ConstU32<MAX_DEPARTMENTS>;
	type Audit = super::Audit;
	type GovernanceOrigin = GovernanceOrigin;
	type BlocksPerDay = BlocksPerDay;
	type Time = super::Timestamp;
	type WeightInfo = pallet_access::weights::SubstrateWeight<Runtime>;
	#[cfg(feature = "runtime-benchmarks")]
	type BenchmarkHelper = crate::benchmarks::Helper;
}

parameter_types! {
	/// Governance may not keep audit entry bodies for less than a year.
	pub const MinAuditRetention: BlockNumber = 365 * DAYS;
}

/// The departments, datasets and contracts that exist, and the chain itself:
/// what an Auditor may flag.
pub struct KnownSubjects;

impl frame_support::traits::Contains<citychain_primitives::audit::Subject> for KnownSubjects {
	fn contains(subject: &citychain_primitives::audit::Subject) -> bool {
		use citychain_primitives::audit::Subject;
		match subject {
			Subject::Department(id) => pallet_departments::Departments::<Runtime>::contains_key(id),
			Subject::Dataset(id) => pallet_datasets::Datasets::<Runtime>::contains_key(id),
			Subject::Contract(id) => pallet_access::Contracts::<Runtime>::contains_key(id),
			Subject::Chain => true,
		}
	}
}

impl pallet_audit::Config for Runtime {
	type Departments = super::Departments;
	type KnownSubjects = KnownSubjects;
	type Time = super::Timestamp;
	type GovernanceOrigin = GovernanceOrigin;
	type MinRetention = MinAuditRetention;
	type MaxPrunePerBlock = ConstU32<64>;
	type WeightInfo = pallet_audit::weights::SubstrateWeight<Runtime>;
	#[cfg(feature = "runtime-benchmarks")]
	type BenchmarkHelper = super::Departments;
}

/// Most validators: Aura's and GRANDPA's `MaxAuthorities`.
pub const MAX_VALIDATORS: u32 = 32;

impl pallet_validator_set::Config for Runtime {
	type GovernanceOrigin = GovernanceOrigin;
	type Departments = super::Departments;
	type KeysRegistered = super::Session;
	/// Four validators tolerate one faulty or absent validator (GRANDPA needs
	/// more than two thirds of the votes).
	type MinValidators = ConstU32<4>;
	type MaxValidators = ConstU32<MAX_VALIDATORS>;
	type Audit = super::Audit;
	type WeightInfo = pallet_validator_set::weights::SubstrateWeight<Runtime>;
	#[cfg(feature = "runtime-benchmarks")]
	type BenchmarkHelper = crate::benchmarks::Helper;
}

parameter_types! {
	/// A session lasts a minute, so a validator change decided by governance
	/// is in force within two minutes. Rotating costs one block's weight.
	/// Kept in storage under [`SESSION_PERIOD_KEY`] so that a test network's
	/// raw chain spec can shorten it (`scripts/zombienet.sh` does); only Root
	/// could change it afterwards.
	pub storage SessionPeriod: BlockNumber = MINUTES;
	pub const SessionOffset: BlockNumber = 0;
}

/// Where [`SessionPeriod`] is stored: `twox_128(b":SessionPeriod:")`.
pub const SESSION_PERIOD_KEY: [u8; 16] = [
	0xbc, 0xaa, 0x06, 0xfe, 0x04, 0xf0, 0x83, 0x27, 0x48, 0x63, 0x58, 0xaf, 0x0f, 0xd6, 0x36, 0xb8,
];

type Sessions = pallet_session::PeriodicSessions<SessionPeriod, SessionOffset>;

/// `ValidatorSet`'s sets, with each session's validator trie noted for
/// offence reports and only the last [`REPORTABLE_SESSIONS`] of them kept.
pub struct ReportableSessions;

type NoteRoots = pallet_session::historical::NoteHistoricalRoot<Runtime, super::ValidatorSet>;

impl pallet_session::SessionManager<AccountId> for ReportableSessions {
	fn new_session(new_index: u32) -> Option<alloc::vec::Vec<AccountId>> {
		if let Some(oldest) = new_index.checked_sub(REPORTABLE_SESSIONS) {
			super::Historical::prune_up_to(oldest);
		}
		NoteRoots::new_session(new_index)
	}

	fn new_session_genesis(new_index: u32) -> Option<alloc::vec::Vec<AccountId>> {
		NoteRoots::new_session_genesis(new_index)
	}

	fn start_session(start_index: u32) {
		NoteRoots::start_session(start_index)
	}

	fn end_session(end_index: u32) {
		NoteRoots::end_session(end_index)
	}
}

impl pallet_session::Config for Runtime {
	type RuntimeEvent = RuntimeEvent;
	/// A validator is identified by its department member's account.
	type ValidatorId = AccountId;
	type ValidatorIdOf = ConvertInto;
	type ShouldEndSession = Sessions;
	type NextSessionRotation = Sessions;
	type SessionManager = ReportableSessions;
	type SessionHandler = <SessionKeys as OpaqueKeys>::KeyTypeIdProviders;
	type Keys = SessionKeys;
	/// Misbehaviour is handled by governance removing the validator.
	type DisablingStrategy = ();
	type WeightInfo = weights::pallet_session::WeightInfo<Runtime>;
	type Currency = Balances;
	/// Validators are admitted by governance; no deposit for keys.
	type KeyDeposit = ();
}

/// Takes a department that stops being active off the network: its
/// well-known nodes (those its members own) leave `NodeAuthorization`, so
/// the other nodes stop connecting to them. Reactivation does not bring them
/// back; governance adds them again.
pub struct RemoveDepartmentNodes;

impl citychain_primitives::departments::OnDepartmentStatusChanged for RemoveDepartmentNodes {
	fn on_status_changed(
		department: citychain_primitives::DepartmentId,
		active: bool,
	) -> sp_runtime::DispatchResult {
		use citychain_primitives::DepartmentDirectory;
		if active {
			return Ok(());
		}
		let nodes = pallet_node_authorization::Owners::<Runtime>::iter()
			.filter(|(_, owner)| {
				super::Departments::membership(owner).is_some_and(|m| m.department == department)
			})
			.map(|(node, _)| node)
			.collect::<alloc::vec::Vec<_>>();
		for node in nodes {
			super::NodeAuthorization::remove_well_known_node(RuntimeOrigin::root(), node)?;
		}
		Ok(())
	}

	/// Every owner read and its membership, and one removal per well-known
	/// node at most.
	fn max_weight() -> Weight {
		use pallet_node_authorization::WeightInfo as _;
		let nodes = u64::from(MAX_WELL_KNOWN_NODES);
		<Runtime as frame_system::Config>::DbWeight::get()
			.reads(3 * nodes)
			.saturating_add(
				<Runtime as pallet_node_authorization::Config>::WeightInfo::remove_well_known_node(
				)
				.saturating_mul(nodes),
			)
	}
}

/// Two nodes per department.
pub const MAX_WELL_KNOWN_NODES: u32 = 2 * MAX_DEPARTMENTS;

impl pallet_node_authorization::Config for Runtime {
	type RuntimeEvent = RuntimeEvent;
	type MaxWellKnownNodes = ConstU32<MAX_WELL_KNOWN_NODES>;
	/// An encoded libp2p peer id is 38 bytes for an Ed25519 node key (the
	/// pallet accepts lengths below this bound).
	type MaxPeerIdLength = ConstU32<64>;
	type AddOrigin = GovernanceOrigin;
	type RemoveOrigin = GovernanceOrigin;
	type SwapOrigin = GovernanceOrigin;
	type ResetOrigin = GovernanceOrigin;
	type WeightInfo = NodeAuthorizationWeights;
}

/// `NodeAuthorization`'s weights: its governance calls as the runtime
/// benchmarks them (`benchmarks::node_authorization`, generated into
/// `weights::node_authorization`), a reset at its most nodes; the node
/// owners' calls, which the call filter refuses, at a whole block, so that
/// none could ever be included.
pub struct NodeAuthorizationWeights;

type MeasuredNodeAuthorization = node_authorization::SubstrateWeight<Runtime>;

impl pallet_node_authorization::WeightInfo for NodeAuthorizationWeights {
	fn add_well_known_node() -> Weight {
		<MeasuredNodeAuthorization as node_authorization::WeightInfo>::add_well_known_node()
	}
	fn remove_well_known_node() -> Weight {
		<MeasuredNodeAuthorization as node_authorization::WeightInfo>::remove_well_known_node()
	}
	fn swap_well_known_node() -> Weight {
		<MeasuredNodeAuthorization as node_authorization::WeightInfo>::swap_well_known_node()
	}
	fn reset_well_known_nodes() -> Weight {
		<MeasuredNodeAuthorization as node_authorization::WeightInfo>::reset_well_known_nodes(
			MAX_WELL_KNOWN_NODES - 1,
		)
	}
	fn claim_node() -> Weight {
		RuntimeBlockWeights::get().max_block
	}
	fn remove_claim() -> Weight {
		RuntimeBlockWeights::get().max_block
	}
	fn transfer_node() -> Weight {
		RuntimeBlockWeights::get().max_block
	}
	fn add_connections() -> Weight {
		RuntimeBlockWeights::get().max_block
	}
	fn remove_connections() -> Weight {
		RuntimeBlockWeights::get().max_block
	}
}
