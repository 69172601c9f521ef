//! Runtime APIs that the node serves over JSON-RPC and polkadot.js apps
//! shows under Developer → Runtime calls.

use crate::{
	access::{
		AccessCheck, Contract, ContractId, ContractPage, ContractQuery, ContractQueryError, Scope,
	},
	audit::{
		log_proof, AuditQueryError, Entry, EntryIndex, EntryPage, EntryQuery, Hash32,
		LogProofError, Verification,
	},
	datasets::{Dataset, DatasetId, DatasetPage},
	departments::{
		DepartmentId, DepartmentKind, DepartmentStatus, EncryptionKey, Membership, Roles,
	},
	terms::{
		ContractTerms, Evaluation, EvaluationError, Jurisdiction, JurisdictionId, Label, Policy,
		PurposeCode,
	},
};
use alloc::vec::Vec;
use codec::{Codec, Decode, Encode};
use scale_info::TypeInfo;

/// A department with its members, as the `DepartmentsApi` returns it.
#[derive(Clone, PartialEq, Eq, Debug, Encode, Decode, TypeInfo)]
pub struct DepartmentInfo<AccountId, BlockNumber> {
	pub id: DepartmentId,
	/// UTF-8 name.
	pub name: Vec<u8>,
	pub kind: DepartmentKind,
	pub status: DepartmentStatus,
	pub delegate: AccountId,
	pub encryption_key: Option<EncryptionKey>,
	/// UTF-8 URI.
	pub metadata_uri: Vec<u8>,
	pub registered_at: BlockNumber,
	pub members: Vec<(AccountId, Roles)>,
}

sp_api::decl_runtime_apis! {
	/// Reads of the department directory.
	pub trait DepartmentsApi<AccountId, BlockNumber>
	where
		AccountId: Codec,
		BlockNumber: Codec,
	{
		/// One department and its members.
		fn department(id: DepartmentId) -> Option<DepartmentInfo<AccountId, BlockNumber>>;
		/// The department and roles of an account.
		fn membership(who: AccountId) -> Option<Membership>;
	}

	/// Reads of the dataset registry. Searches are the node's work
	/// (`datasets_search`, from its own index of finalized blocks); version
	/// 2 dropped `search` and added `datasets_of`.
	#[api_version(2)]
	pub trait DatasetsApi<AccountId, BlockNumber>
	where
		AccountId: Codec,
		BlockNumber: Codec,
	{
		/// One dataset record.
		fn dataset(id: DatasetId) -> Option<Dataset<AccountId, BlockNumber>>;
		/// A page of the datasets of `owner` after `cursor`, in ascending id
		/// order: `limit` of them, clamped to 1..=`MAX_PAGE_SIZE`.
		fn datasets_of(
			owner: DepartmentId,
			cursor: Option<DatasetId>,
			limit: u32,
		) -> DatasetPage<AccountId, BlockNumber>;
		/// The ids of every version of the dataset `id` belongs to, oldest
		/// first (at most `MAX_HISTORY`); empty if `id` is unknown.
		fn history(id: DatasetId) -> Vec<DatasetId>;
	}

	/// Reads of the access contracts and of the terms that decide them.
	/// Version 2 added `evaluate`, `rules`, `terms`, `purposes` and
	/// `jurisdictions`.
	#[api_version(2)]
	pub trait AccessApi<AccountId, BlockNumber>
	where
		AccountId: Codec,
		BlockNumber: Codec,
	{
		/// One contract.
		fn contract(id: ContractId) -> Option<Contract<AccountId, BlockNumber>>;
		/// Whether `who` may read `dataset` at this block, on what basis, and
		/// until when.
		fn check(who: AccountId, dataset: DatasetId) -> AccessCheck<BlockNumber>;
		/// A page of the contracts that match every filter of `query`, in
		/// ascending id order.
		fn contracts(
			query: ContractQuery,
		) -> Result<ContractPage<AccountId, BlockNumber>, ContractQueryError>;
		/// What a request of `who` for `dataset` with `purpose`, `term` and
		/// `scope` would meet at this block: the deciding rule and every
		/// rule's verdict, without a transaction.
		#[api_version(2)]
		fn evaluate(
			who: AccountId,
			dataset: DatasetId,
			purpose: Vec<u8>,
			term: BlockNumber,
			scope: Option<Scope>,
		) -> Result<Evaluation, EvaluationError>;
		/// The rules that decide requests for `dataset`.
		#[api_version(2)]
		fn rules(dataset: DatasetId) -> Option<Policy>;
		/// The terms contract `id` was decided under, and its deliveries.
		#[api_version(2)]
		fn terms(id: ContractId) -> Option<ContractTerms>;
		/// The purpose vocabulary, by code.
		#[api_version(2)]
		fn purposes() -> Vec<(PurposeCode, Label)>;
		/// The jurisdictions, by id.
		#[api_version(2)]
		fn jurisdictions() -> Vec<(JurisdictionId, Jurisdiction)>;
	}

	/// Reads and verification of the audit log. Version 2 adds the log's
	/// Merkle Mountain Range: its root and proofs.
	#[api_version(2)]
	pub trait AuditApi<AccountId, BlockNumber>
	where
		AccountId: Codec,
		BlockNumber: Codec,
	{
		/// One entry, if its body is stored.
		fn entry(index: EntryIndex) -> Option<Entry<AccountId, BlockNumber>>;
		/// A page of the stored entries that match every filter of `query`,
		/// in ascending index order.
		fn entries(query: EntryQuery) -> Result<EntryPage<AccountId, BlockNumber>, AuditQueryError>;
		/// Recomputes the hash chain over `from..=to` (default: every stored
		/// entry) and names the first entry that does not chain.
		fn verify(from: Option<EntryIndex>, to: Option<EntryIndex>) -> Result<Verification, AuditQueryError>;
		/// The log's Merkle Mountain Range: its size and peaks (whose bag is
		/// its root), as stored under `Audit::Peaks`.
		#[api_version(2)]
		fn peaks() -> log_proof::Peaks;
		/// The root of the log when it had `size` entries (default: now).
		#[api_version(2)]
		fn root(size: Option<u64>) -> Result<(u64, Hash32), LogProofError>;
		/// That entry `index` is in the log of `size` entries (default: now).
		#[api_version(2)]
		fn inclusion_proof(index: EntryIndex, size: Option<u64>) -> Result<log_proof::InclusionProof, LogProofError>;
		/// That the log of `new_size` entries (default: now) extends the log
		/// of `old_size`.
		#[api_version(2)]
		fn consistency_proof(old_size: u64, new_size: Option<u64>) -> Result<log_proof::ConsistencyProof, LogProofError>;
	}
}
