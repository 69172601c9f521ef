//! The runtime APIs: the standard ones polkadot.js apps and @polkadot/api
//! rely on, and CityChain's own (declared in `citychain-primitives`).

use alloc::vec::Vec;
use citychain_primitives::{
	access::{
		AccessCheck, Contract, ContractId, ContractPage, ContractQuery, ContractQueryError, Scope,
	},
	audit::{
		log_proof, AuditQueryError, Entry, EntryIndex, EntryPage, EntryQuery, Hash32,
		LogProofError, Verification,
	},
	terms::{
		ContractTerms, Evaluation, EvaluationError, Jurisdiction, JurisdictionId, Label, Policy,
		PurposeCode,
	},
	Dataset, DatasetId, DatasetPage, DepartmentDirectory, DepartmentId, DepartmentInfo, Membership,
};
use frame_support::{
	genesis_builder_helper::{build_state, get_preset},
	weights::Weight,
};
use pallet_grandpa::AuthorityId as GrandpaId;
use sp_api::impl_runtime_apis;
use sp_consensus_aura::sr25519::AuthorityId as AuraId;
use sp_core::{crypto::KeyTypeId, OpaqueMetadata};
use sp_runtime::{
	traits::{Block as BlockT, NumberFor},
	transaction_validity::{TransactionSource, TransactionValidity},
	ApplyExtrinsicResult,
};
use sp_version::RuntimeVersion;

use super::{
	Access, AccountId, Audit, Aura, Balance, Block, BlockNumber, Datasets, Departments, Executive,
	Grandpa, Historical, InherentDataExt, Nonce, Runtime, RuntimeCall, RuntimeGenesisConfig,
	SessionKeys, System, TransactionPayment, VERSION,
};

impl_runtime_apis! {
	impl sp_api::Core<Block> for Runtime {
		fn version() -> RuntimeVersion {
			VERSION
		}

		fn execute_block(block: <Block as BlockT>::LazyBlock) {
			Executive::execute_block(block);
		}

		fn initialize_block(header: &<Block as BlockT>::Header) -> sp_runtime::ExtrinsicInclusionMode {
			Executive::initialize_block(header)
		}
	}

	impl sp_api::Metadata<Block> for Runtime {
		fn metadata() -> OpaqueMetadata {
			OpaqueMetadata::new(Runtime::metadata().into())
		}

		fn metadata_at_version(version: u32) -> Option<OpaqueMetadata> {
			Runtime::metadata_at_version(version)
		}

		fn metadata_versions() -> Vec<u32> {
			Runtime::metadata_versions()
		}
	}

	impl frame_support::view_functions::runtime_api::RuntimeViewFunction<Block> for Runtime {
		fn execute_view_function(
			id: frame_support::view_functions::ViewFunctionId,
			input: Vec<u8>,
		) -> Result<Vec<u8>, frame_support::view_functions::ViewFunctionDispatchError> {
			Runtime::execute_view_function(id, input)
		}
	}

	impl sp_block_builder::BlockBuilder<Block> for Runtime {
		fn apply_extrinsic(extrinsic: <Block as BlockT>::Extrinsic) -> ApplyExtrinsicResult {
			Executive::apply_extrinsic(extrinsic)
		}

		fn finalize_block() -> <Block as BlockT>::Header {
			Executive::finalize_block()
		}

		fn inherent_extrinsics(data: sp_inherents::InherentData) -> Vec<<Block as BlockT>::Extrinsic> {
			data.create_extrinsics()
		}

		fn check_inherents(
			block: <Block as BlockT>::LazyBlock,
			data: sp_inherents::InherentData,
		) -> sp_inherents::CheckInherentsResult {
			data.check_extrinsics(&block)
		}
	}

	impl sp_transaction_pool::runtime_api::TaggedTransactionQueue<Block> for Runtime {
		fn validate_transaction(
			source: TransactionSource,
			tx: <Block as BlockT>::Extrinsic,
			block_hash: <Block as BlockT>::Hash,
		) -> TransactionValidity {
			Executive::validate_transaction(source, tx, block_hash)
		}
	}

	impl sp_offchain::OffchainWorkerApi<Block> for Runtime {
		fn offchain_worker(header: &<Block as BlockT>::Header) {
			Executive::offchain_worker(header)
		}
	}

	impl sp_consensus_aura::AuraApi<Block, AuraId> for Runtime {
		fn slot_duration() -> sp_consensus_aura::SlotDuration {
			sp_consensus_aura::SlotDuration::from_millis(Aura::slot_duration())
		}

		fn authorities() -> Vec<AuraId> {
			pallet_aura::Authorities::<Runtime>::get().into_inner()
		}
	}

	impl sp_session::SessionKeys<Block> for Runtime {
		fn generate_session_keys(
			owner: Vec<u8>,
			seed: Option<Vec<u8>>,
		) -> sp_session::OpaqueGeneratedSessionKeys {
			SessionKeys::generate(&owner, seed).into()
		}

		fn decode_session_keys(encoded: Vec<u8>) -> Option<Vec<(Vec<u8>, KeyTypeId)>> {
			SessionKeys::decode_into_raw_public_keys(&encoded)
		}
	}

	impl sp_consensus_grandpa::GrandpaApi<Block> for Runtime {
		fn grandpa_authorities() -> sp_consensus_grandpa::AuthorityList {
			Grandpa::grandpa_authorities()
		}

		fn current_set_id() -> sp_consensus_grandpa::SetId {
			Grandpa::current_set_id()
		}

		fn submit_report_equivocation_unsigned_extrinsic(
			equivocation_proof: sp_consensus_grandpa::EquivocationProof<
				<Block as BlockT>::Hash,
				NumberFor<Block>,
			>,
			key_owner_proof: sp_consensus_grandpa::OpaqueKeyOwnershipProof,
		) -> Option<()> {
			let key_owner_proof = key_owner_proof.decode()?;
			Grandpa::submit_unsigned_equivocation_report(equivocation_proof, key_owner_proof)
		}

		fn generate_key_ownership_proof(
			_set_id: sp_consensus_grandpa::SetId,
			authority_id: GrandpaId,
		) -> Option<sp_consensus_grandpa::OpaqueKeyOwnershipProof> {
			use codec::Encode;
			use frame_support::traits::KeyOwnerProofSystem;
			Historical::prove((sp_consensus_grandpa::KEY_TYPE, authority_id))
				.map(|proof| proof.encode())
				.map(sp_consensus_grandpa::OpaqueKeyOwnershipProof::new)
		}
	}

	impl frame_system_rpc_runtime_api::AccountNonceApi<Block, AccountId, Nonce> for Runtime {
		fn account_nonce(account: AccountId) -> Nonce {
			System::account_nonce(account)
		}
	}

	impl pallet_transaction_payment_rpc_runtime_api::TransactionPaymentApi<Block, Balance> for Runtime {
		fn query_info(
			uxt: <Block as BlockT>::Extrinsic,
			len: u32,
		) -> pallet_transaction_payment_rpc_runtime_api::RuntimeDispatchInfo<Balance> {
			TransactionPayment::query_info(uxt, len)
		}
		fn query_fee_details(
			uxt: <Block as BlockT>::Extrinsic,
			len: u32,
		) -> pallet_transaction_payment::FeeDetails<Balance> {
			TransactionPayment::query_fee_details(uxt, len)
		}
		fn query_weight_to_fee(weight: Weight) -> Balance {
			TransactionPayment::weight_to_fee(weight)
		}
		fn query_length_to_fee(length: u32) -> Balance {
			TransactionPayment::length_to_fee(length)
		}
	}

	impl pallet_transaction_payment_rpc_runtime_api::TransactionPaymentCallApi<Block, Balance, RuntimeCall>
		for Runtime
	{
		fn query_call_info(
			call: RuntimeCall,
			len: u32,
		) -> pallet_transaction_payment::RuntimeDispatchInfo<Balance> {
			TransactionPayment::query_call_info(call, len)
		}
		fn query_call_fee_details(
			call: RuntimeCall,
			len: u32,
		) -> pallet_transaction_payment::FeeDetails<Balance> {
			TransactionPayment::query_call_fee_details(call, len)
		}
		fn query_weight_to_fee(weight: Weight) -> Balance {
			TransactionPayment::weight_to_fee(weight)
		}
		fn query_length_to_fee(length: u32) -> Balance {
			TransactionPayment::length_to_fee(length)
		}
	}

	impl citychain_primitives::api::DatasetsApi<Block, AccountId, BlockNumber> for Runtime {
		fn dataset(id: DatasetId) -> Option<Dataset<AccountId, BlockNumber>> {
			pallet_datasets::Datasets::<Runtime>::get(id)
		}

		fn datasets_of(
			owner: DepartmentId,
			cursor: Option<DatasetId>,
			limit: u32,
		) -> DatasetPage<AccountId, BlockNumber> {
			Datasets::datasets_of(owner, cursor, limit)
		}

		fn history(id: DatasetId) -> Vec<DatasetId> {
			Datasets::history(id)
		}
	}

	#[api_version(2)]
	impl citychain_primitives::api::AuditApi<Block, AccountId, BlockNumber> for Runtime {
		fn entry(index: EntryIndex) -> Option<Entry<AccountId, BlockNumber>> {
			pallet_audit::Entries::<Runtime>::get(index)
		}

		fn entries(
			query: EntryQuery,
		) -> Result<EntryPage<AccountId, BlockNumber>, AuditQueryError> {
			Audit::entries(query)
		}

		fn verify(
			from: Option<EntryIndex>,
			to: Option<EntryIndex>,
		) -> Result<Verification, AuditQueryError> {
			Audit::verify(from, to)
		}

		fn peaks() -> log_proof::Peaks {
			pallet_audit::Peaks::<Runtime>::get()
		}

		fn root(size: Option<u64>) -> Result<(u64, Hash32), LogProofError> {
			Audit::root(size)
		}

		fn inclusion_proof(
			index: EntryIndex,
			size: Option<u64>,
		) -> Result<log_proof::InclusionProof, LogProofError> {
			Audit::inclusion_proof(index, size)
		}

		fn consistency_proof(
			old_size: u64,
			new_size: Option<u64>,
		) -> Result<log_proof::ConsistencyProof, LogProofError> {
			Audit::consistency_proof(old_size, new_size)
		}
	}

	#[api_version(2)]
	impl citychain_primitives::api::AccessApi<Block, AccountId, BlockNumber> for Runtime {
		fn contract(id: ContractId) -> Option<Contract<AccountId, BlockNumber>> {
			pallet_access::Contracts::<Runtime>::get(id)
		}

		fn check(who: AccountId, dataset: DatasetId) -> AccessCheck<BlockNumber> {
			Access::check(&who, dataset)
		}

		fn contracts(
			query: ContractQuery,
		) -> Result<ContractPage<AccountId, BlockNumber>, ContractQueryError> {
			Access::contracts(query)
		}

		fn evaluate(
			who: AccountId,
			dataset: DatasetId,
			purpose: Vec<u8>,
			term: BlockNumber,
			scope: Option<Scope>,
		) -> Result<Evaluation, EvaluationError> {
			Access::evaluate(&who, dataset, &purpose, term, scope)
		}

		fn rules(dataset: DatasetId) -> Option<Policy> {
			pallet_datasets::Datasets::<Runtime>::get(dataset)
				.map(|record| Datasets::rules_of(dataset, &record))
		}

		fn terms(id: ContractId) -> Option<ContractTerms> {
			pallet_access::Terms::<Runtime>::get(id)
		}

		fn purposes() -> Vec<(PurposeCode, Label)> {
			let mut purposes: Vec<_> = pallet_access::Purposes::<Runtime>::iter().collect();
			purposes.sort();
			purposes
		}

		fn jurisdictions() -> Vec<(JurisdictionId, Jurisdiction)> {
			let mut jurisdictions: Vec<_> = pallet_access::Jurisdictions::<Runtime>::iter().collect();
			jurisdictions.sort_by_key(|(id, _)| *id);
			jurisdictions
		}
	}

	impl citychain_primitives::api::DepartmentsApi<Block, AccountId, BlockNumber> for Runtime {
		fn department(id: DepartmentId) -> Option<DepartmentInfo<AccountId, BlockNumber>> {
			let d = pallet_departments::Departments::<Runtime>::get(id)?;
			Some(DepartmentInfo {
				id,
				name: d.name.into_inner(),
				kind: d.kind,
				status: d.status,
				delegate: d.delegate,
				encryption_key: d.encryption_key,
				metadata_uri: d.metadata_uri.into_inner(),
				registered_at: d.registered_at,
				members: Departments::members_of(id),
			})
		}

		fn membership(who: AccountId) -> Option<Membership> {
			<Departments as DepartmentDirectory<AccountId>>::membership(&who)
		}
	}

	#[cfg(feature = "runtime-benchmarks")]
	impl frame_benchmarking::Benchmark<Block> for Runtime {
		fn benchmark_metadata(extra: bool) -> (
			Vec<frame_benchmarking::BenchmarkList>,
			Vec<frame_support::traits::StorageInfo>,
		) {
			use frame_benchmarking::{baseline, BenchmarkList};
			use frame_support::traits::StorageInfoTrait;
			use frame_system_benchmarking::{
				extensions::Pallet as SystemExtensionsBench, Pallet as SystemBench,
			};
			use baseline::Pallet as BaselineBench;
			use super::*;
			use crate::benchmarks::{NodeAuthorizationBench, SessionBench};

			let mut list = Vec::<BenchmarkList>::new();
			list_benchmarks!(list, extra);

			let storage_info = AllPalletsWithSystem::storage_info();

			(list, storage_info)
		}

		#[allow(non_local_definitions)]
		fn dispatch_benchmark(
			config: frame_benchmarking::BenchmarkConfig
		) -> Result<Vec<frame_benchmarking::BenchmarkBatch>, alloc::string::String> {
			use frame_benchmarking::{baseline, BenchmarkBatch};
			use frame_system_benchmarking::{
				extensions::Pallet as SystemExtensionsBench, Pallet as SystemBench,
			};
			use baseline::Pallet as BaselineBench;
			use super::*;
			use crate::benchmarks::{NodeAuthorizationBench, SessionBench};

			impl frame_system_benchmarking::Config for Runtime {}
			impl baseline::Config for Runtime {}

			use frame_support::traits::WhitelistedStorageKeys;
			let mut whitelist: Vec<_> = AllPalletsWithSystem::whitelisted_storage_keys();
			// The timestamp inherent, first in every block, writes `Now`, and
			// its own weight (its benchmark, without this entry) charges that;
			// any other call that reads `Now` reads the block's overlay.
			if config.pallet.as_slice() != b"pallet_timestamp" {
				whitelist.push(pallet_timestamp::Now::<Runtime>::hashed_key().to_vec().into());
			}

			let mut batches = Vec::<BenchmarkBatch>::new();
			let params = (&config, &whitelist);
			add_benchmarks!(params, batches);

			Ok(batches)
		}
	}

	#[cfg(feature = "try-runtime")]
	impl frame_try_runtime::TryRuntime<Block> for Runtime {
		fn on_runtime_upgrade(checks: frame_try_runtime::UpgradeCheckSelect) -> (Weight, Weight) {
			let weight = Executive::try_runtime_upgrade(checks).unwrap();
			(weight, super::configs::RuntimeBlockWeights::get().max_block)
		}

		fn execute_block(
			block: <Block as BlockT>::LazyBlock,
			state_root_check: bool,
			signature_check: bool,
			select: frame_try_runtime::TryStateSelect
		) -> Weight {
			Executive::try_execute_block(block, state_root_check, signature_check, select)
				.expect("execute-block failed")
		}
	}

	impl sp_genesis_builder::GenesisBuilder<Block> for Runtime {
		fn build_state(config: Vec<u8>) -> sp_genesis_builder::Result {
			build_state::<RuntimeGenesisConfig>(config)
		}

		fn get_preset(id: &Option<sp_genesis_builder::PresetId>) -> Option<Vec<u8>> {
			get_preset::<RuntimeGenesisConfig>(id, crate::genesis_config_presets::get_preset)
		}

		fn preset_names() -> Vec<sp_genesis_builder::PresetId> {
			crate::genesis_config_presets::preset_names()
		}
	}
}
