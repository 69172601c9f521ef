//! # CityChain runtime
//!
//! The FRAME runtime of the CityChain consortium chain: Aura block
//! authoring, GRANDPA finality, a council of department delegates, and the
//! CityChain pallets. Only members of active departments (and the council,
//! and the sudo key where a dev chain has one) may submit signed
//! transactions: see [`permissioning`].

#![cfg_attr(not(feature = "std"), no_std)]
// `construct_runtime` can generate more than the default recursion limit allows.
#![recursion_limit = "256"]

#[cfg(feature = "std")]
include!(concat!(env!("OUT_DIR"), "/wasm_binary.rs"));

extern crate alloc;

use alloc::vec::Vec;

pub mod apis;
#[cfg(feature = "runtime-benchmarks")]
mod benchmarks;
pub mod call_policy;
pub mod configs;
pub mod genesis_config_presets;
pub mod permissioning;
pub mod weights;

use sp_runtime::{
	generic, impl_opaque_keys,
	traits::{BlakeTwo256, IdentifyAccount, Verify},
	MultiAddress, MultiSignature,
};
use sp_version::RuntimeVersion;

pub use frame_system::Call as SystemCall;
pub use pallet_balances::Call as BalancesCall;
pub use pallet_timestamp::Call as TimestampCall;
pub use pallet_utility::Call as UtilityCall;
#[cfg(any(feature = "std", test))]
pub use sp_runtime::BuildStorage;

/// Opaque types: what the node knows of the runtime's types without
/// depending on their details.
pub mod opaque {
	use super::*;
	use sp_runtime::traits::Hash as HashT;

	pub use sp_runtime::OpaqueExtrinsic as UncheckedExtrinsic;

	/// Opaque block header type.
	pub type Header = generic::Header<BlockNumber, BlakeTwo256>;
	/// Opaque block type.
	pub type Block = generic::Block<Header, UncheckedExtrinsic>;
	/// Opaque block hash type.
	pub type Hash = <BlakeTwo256 as HashT>::Output;
}

impl_opaque_keys! {
	pub struct SessionKeys {
		pub aura: Aura,
		pub grandpa: Grandpa,
	}
}

#[sp_version::runtime_version]
pub const VERSION: RuntimeVersion = RuntimeVersion {
	spec_name: alloc::borrow::Cow::Borrowed("citychain"),
	impl_name: alloc::borrow::Cow::Borrowed("citychain-node"),
	authoring_version: 1,
	spec_version: 115,
	impl_version: 1,
	apis: apis::RUNTIME_API_VERSIONS,
	transaction_version: 2,
	system_version: 1,
};

/// Block time. Aura authors one block per slot.
pub const MILLI_SECS_PER_BLOCK: u64 = 3000;
pub const SLOT_DURATION: u64 = MILLI_SECS_PER_BLOCK;

pub const MINUTES: BlockNumber = 60_000 / (MILLI_SECS_PER_BLOCK as BlockNumber);
pub const HOURS: BlockNumber = MINUTES * 60;
pub const DAYS: BlockNumber = HOURS * 24;

pub const BLOCK_HASH_COUNT: BlockNumber = 2400;

/// The chain has no token economy; the unit exists for the dev accounts'
/// balances and the existential deposit.
pub const UNIT: Balance = 1_000_000_000_000;
pub const MILLI_UNIT: Balance = 1_000_000_000;
pub const EXISTENTIAL_DEPOSIT: Balance = MILLI_UNIT;

/// Alias to 512-bit hash when used in the context of a transaction signature on the chain.
pub type Signature = MultiSignature;
/// Some way of identifying an account on the chain.
pub type AccountId = <<Signature as Verify>::Signer as IdentifyAccount>::AccountId;
pub type Balance = u128;
pub type Nonce = u32;
pub type Hash = sp_core::H256;
pub type BlockNumber = u32;
pub type Address = MultiAddress<AccountId, ()>;
pub type Header = generic::Header<BlockNumber, BlakeTwo256>;
pub type Block = generic::Block<Header, UncheckedExtrinsic>;
pub type SignedBlock = generic::SignedBlock<Block>;

/// The extensions every signed transaction carries. `CheckMembership` refuses
/// signers who are not members of an active department and spends their
/// department's allowance; `CheckMortality` refuses immortal and long-lived
/// transactions; `CheckNonce` bounds each sender's waiting transactions (see
/// [`permissioning`]). There is no fee extension: transactions cost nothing
/// (see `configs`), so charging a fee of zero would only cost weight.
pub type TxExtension = (
	frame_system::CheckNonZeroSender<Runtime>,
	permissioning::CheckMembership,
	frame_system::CheckSpecVersion<Runtime>,
	frame_system::CheckTxVersion<Runtime>,
	frame_system::CheckGenesis<Runtime>,
	permissioning::CheckMortality,
	permissioning::CheckNonce,
	frame_system::CheckWeight<Runtime>,
	frame_metadata_hash_extension::CheckMetadataHash<Runtime>,
	frame_system::WeightReclaim<Runtime>,
);

/// The extensions of a transaction with `nonce`, valid in `era`, as every
/// client of this runtime signs them (no metadata hash).
pub fn tx_extension(nonce: Nonce, era: generic::Era) -> TxExtension {
	(
		frame_system::CheckNonZeroSender::new(),
		permissioning::CheckMembership,
		frame_system::CheckSpecVersion::new(),
		frame_system::CheckTxVersion::new(),
		frame_system::CheckGenesis::new(),
		permissioning::CheckMortality::from(era),
		permissioning::CheckNonce::from(nonce),
		frame_system::CheckWeight::new(),
		frame_metadata_hash_extension::CheckMetadataHash::new(false),
		frame_system::WeightReclaim::new(),
	)
}

pub type UncheckedExtrinsic =
	generic::UncheckedExtrinsic<Address, RuntimeCall, Signature, TxExtension>;
pub type SignedPayload = generic::SignedPayload<RuntimeCall, TxExtension>;

/// `call` signed by `signer` with `nonce`, valid in `era` (which begins at
/// block `birth`) on the chain whose genesis block is `genesis`, for this
/// runtime's version: the transaction every client of this runtime builds.
#[cfg(feature = "std")]
pub fn signed_transaction(
	call: RuntimeCall,
	signer: &sp_core::sr25519::Pair,
	nonce: Nonce,
	era: generic::Era,
	genesis: Hash,
	birth: Hash,
) -> UncheckedExtrinsic {
	use codec::Encode;
	use sp_core::Pair;
	let extension = tx_extension(nonce, era);
	// What the extensions add to the signed payload without carrying it.
	let implicit = (
		(),
		(),
		VERSION.spec_version,
		VERSION.transaction_version,
		genesis,
		birth,
		(),
		(),
		None,
		(),
	);
	let payload = SignedPayload::from_raw(call.clone(), extension.clone(), implicit);
	let signature = payload.using_encoded(|bytes| signer.sign(bytes));
	UncheckedExtrinsic::new_signed(
		call,
		MultiAddress::Id(signer.public().into()),
		MultiSignature::Sr25519(signature),
		extension,
	)
}

/// Storage migrations run on the next runtime upgrade; each checks its
/// pallet's storage version, so running one twice does nothing.
type Migrations = (
	pallet_departments::migrations::MigrateToV1<Runtime>,
	pallet_departments::migrations::MigrateToV2<Runtime>,
	pallet_access::migrations::MigrateToV1<Runtime>,
);

pub type Executive = frame_executive::Executive<
	Runtime,
	Block,
	frame_system::ChainContext<Runtime>,
	Runtime,
	AllPalletsWithSystem,
	Migrations,
>;

#[frame_support::runtime]
mod runtime {
	#[runtime::runtime]
	#[runtime::derive(
		RuntimeCall,
		RuntimeEvent,
		RuntimeError,
		RuntimeOrigin,
		RuntimeFreezeReason,
		RuntimeHoldReason,
		RuntimeSlashReason,
		RuntimeLockId,
		RuntimeTask,
		RuntimeViewFunction
	)]
	pub struct Runtime;

	#[runtime::pallet_index(0)]
	pub type System = frame_system;

	#[runtime::pallet_index(1)]
	pub type Timestamp = pallet_timestamp;

	#[runtime::pallet_index(2)]
	pub type Aura = pallet_aura;

	#[runtime::pallet_index(3)]
	pub type Grandpa = pallet_grandpa;

	#[runtime::pallet_index(4)]
	pub type Balances = pallet_balances;

	#[runtime::pallet_index(5)]
	pub type TransactionPayment = pallet_transaction_payment;

	#[runtime::pallet_index(6)]
	pub type Sudo = pallet_sudo;

	#[runtime::pallet_index(7)]
	pub type Council = pallet_collective<Instance1>;

	#[runtime::pallet_index(8)]
	pub type Governance = pallet_governance;

	#[runtime::pallet_index(10)]
	pub type Departments = pallet_departments;

	#[runtime::pallet_index(11)]
	pub type Datasets = pallet_datasets;

	#[runtime::pallet_index(12)]
	pub type Access = pallet_access;

	#[runtime::pallet_index(13)]
	pub type Audit = pallet_audit;

	// After Departments, whose genesis it reads, and before Session, whose
	// genesis asks it for the first set.
	#[runtime::pallet_index(14)]
	pub type ValidatorSet = pallet_validator_set;

	#[runtime::pallet_index(15)]
	pub type Session = pallet_session;

	#[runtime::pallet_index(16)]
	pub type NodeAuthorization = pallet_node_authorization;

	// GRANDPA equivocation reports: the block's author reports, the
	// session's validator tries prove the offender's keys, and offences go
	// to ValidatorSet.
	#[runtime::pallet_index(17)]
	pub type Authorship = pallet_authorship;

	#[runtime::pallet_index(18)]
	pub type Historical = pallet_session::historical;

	#[runtime::pallet_index(19)]
	pub type Offences = pallet_offences;

	#[runtime::pallet_index(20)]
	pub type MultiBlockMigrations = pallet_migrations;

	#[runtime::pallet_index(21)]
	pub type Utility = pallet_utility;
}
