//! # Access
//!
//! Access contracts between departments: steps 2 to 4 of the sharing
//! process. A consumer department requests a dataset, the dataset's policy
//! decides who must approve, and the consumer confirms that what it fetched
//! off chain matches the hash on chain.
//!
//! ## Concepts
//!
//! - A **contract** ([`Contract`]) names the dataset (and the version it was
//!   requested on), the provider and consumer departments, the requester, a
//!   purpose, a term in blocks and an optional scope within the dataset's
//!   extent.
//! - Its **state** follows [`ContractState`]: `Requested` until the approvals
//!   the dataset's policy requires are in (`Open`: none, the request is
//!   approved in the same call; `ApprovalRequired`: the provider's Approver;
//!   `Restricted`: the provider's Approver and a regulator's Approver, in
//!   either order), then `Approved` until it expires, is revoked or
//!   relinquished. A request can be rejected, cancelled, or lapse unanswered.
//! - One live (Requested or Approved) contract per consumer department and
//!   dataset.
//! - **Deadlines**: a request's lapse and an approval's expiry are queued by
//!   block and processed in `on_initialize`, at most
//!   [`Config::MaxDeadlinesPerBlock`] per block. Every check also honours them
//!   before the queue gets there.
//! - A **key envelope** is the dataset key sealed (x25519 sealed box) to the
//!   consumer department's published key; the chain never sees the key.
//! - A **receipt**: the consumer reports the hash of what it fetched; a
//!   mismatch is recorded and raises [`Event::HashMismatch`] for the regulator.
//!
//! ## Dispatchables
//!
//! - [`request_access`](Pallet::request_access): a member of the consumer
//!   department asks for a dataset.
//! - [`approve_request`](Pallet::approve_request): an Approver of the provider
//!   (optionally attaching a key envelope) or of a regulator department.
//! - [`reject_request`](Pallet::reject_request): an Approver of the provider,
//!   or of a regulator for restricted data, with a reason.
//! - [`cancel_request`](Pallet::cancel_request): the consumer withdraws a
//!   request.
//! - [`revoke_access`](Pallet::revoke_access): an Approver of the provider or
//!   of a regulator ends an approved contract, with a reason.
//! - [`relinquish_access`](Pallet::relinquish_access): the consumer gives up
//!   an approved contract.
//! - [`confirm_receipt`](Pallet::confirm_receipt): the consumer reports the
//!   hash it computed.
//!
//! ## For other pallets
//!
//! [`Pallet`] implements [`OnDatasetWithdrawn`]: the registry calls it when a
//! dataset is withdrawn, and the dataset's live contracts are revoked; those
//! on its earlier versions are revoked in `on_idle`, a version at a time
//! (they grant nothing from the withdrawal on: the check answers
//! `Withdrawn`).

#![cfg_attr(not(feature = "std"), no_std)]

extern crate alloc;

pub use pallet::*;

#[cfg(feature = "runtime-benchmarks")]
mod benchmarking;
mod lifecycle;
pub mod migrations;
#[cfg(test)]
mod mock;
mod queries;
mod registry;
mod rules;
#[cfg(test)]
mod tests;
#[cfg(any(feature = "try-runtime", feature = "std"))]
mod try_state;
pub mod weights;

pub use citychain_primitives::{
	access::{
		AccessBasis, AccessCheck, Approvals, Contract, ContractId, ContractItem, ContractPage,
		ContractQuery, ContractQueryError, ContractState, DatasetRegistry, OnDatasetPolicyChanged,
		OnDatasetWithdrawn, Receipt, Scope, MAX_ENVELOPE_LEN, MAX_PURPOSE_LEN, MAX_REASON_LEN,
	},
	audit::{Actor, AuditAction, AuditSink, Subject},
	datasets::{BoundedBytes, MAX_SEARCH_SCAN},
	hashing::HashFunction,
	terms::{
		self, ContractTerms, Evaluation, Jurisdiction, JurisdictionId, Label, Policy, PurposeCode,
		Ring, MAX_JURISDICTIONS, MAX_PURPOSES,
	},
	AccessPolicy, BoundingBox, ContentHash, DatasetId, DatasetStatus, DepartmentDirectory,
	DepartmentId, Membership, NotActing, Role, Sensitivity, TimeInterval,
};
pub use frame_support::weights::Weight;
pub use weights::WeightInfo;

#[frame_support::pallet]
pub mod pallet {
	use super::*;
	use alloc::vec::Vec;
	use frame_support::pallet_prelude::*;
	use frame_system::pallet_prelude::*;
	use sp_runtime::{
		traits::{Saturating, Zero},
		BoundedVec,
	};

	/// The contract record as stored.
	pub type ContractOf<T> = Contract<<T as frame_system::Config>::AccountId, BlockNumberFor<T>>;

	/// Most `(contract, count)` pairs of one `record_deliveries`.
	pub const MAX_DELIVERY_BATCH: u32 = 32;

	/// 1: [`LiveCount`] counts each dataset's live contracts.
	pub const STORAGE_VERSION: StorageVersion = StorageVersion::new(1);

	#[pallet::pallet]
	#[pallet::storage_version(STORAGE_VERSION)]
	pub struct Pallet<T>(_);

	#[pallet::config]
	pub trait Config: frame_system::Config<RuntimeEvent: From<Event<Self>>> {
		/// Who is a member of which department, with which roles and keys.
		type Departments: DepartmentDirectory<Self::AccountId>;

		/// The datasets that contracts are about.
		type Datasets: DatasetRegistry;

		/// Longest term of a contract, in blocks.
		#[pallet::constant]
		type MaxTerm: Get<BlockNumberFor<Self>>;

		/// Blocks a request waits for its approvals before it lapses.
		#[pallet::constant]
		type RequestTimeout: Get<BlockNumberFor<Self>>;

		/// Most lapses and expiries processed in one block; the rest wait for
		/// the next blocks (and checks honour them meanwhile).
		#[pallet::constant]
		type MaxDeadlinesPerBlock: Get<u32>;

		/// Most live contracts of one dataset: the registry's most standing
		/// departments, so that each can hold one. Bounds what a withdrawal
		/// or a policy change of one dataset touches.
		#[pallet::constant]
		type MaxDepartments: Get<u32>;

		/// The audit log every call and deadline records in.
		type Audit: AuditSink<Self::AccountId>;

		/// Root or a council motion: keeps the purpose vocabulary and the
		/// jurisdictions that policies name.
		type GovernanceOrigin: EnsureOrigin<Self::RuntimeOrigin>;

		/// Blocks in one day: a rule's term limit is in days.
		#[pallet::constant]
		type BlocksPerDay: Get<BlockNumberFor<Self>>;

		/// The time of the block: a rule's window is in dates.
		type Time: frame_support::traits::UnixTime;

		/// Weights of this pallet's calls and hooks.
		type WeightInfo: WeightInfo;

		/// Makes departments and datasets for the benchmarks.
		#[cfg(feature = "runtime-benchmarks")]
		type BenchmarkHelper: citychain_primitives::DepartmentsBenchmarkHelper<Self::AccountId>
			+ citychain_primitives::access::DatasetsBenchmarkHelper<Self::AccountId>;
	}

	/// The id the next contract gets. Whitelisted: charged once a block,
	/// in `on_initialize`, not by each request.
	#[pallet::storage]
	#[pallet::whitelist_storage]
	pub type NextContractId<T> = StorageValue<_, ContractId, ValueQuery>;

	/// Contracts by id, kept after they end.
	#[pallet::storage]
	pub type Contracts<T: Config> = StorageMap<_, Twox64Concat, ContractId, ContractOf<T>>;

	/// The live (Requested or Approved) contract of each dataset and consumer
	/// department; entries go when contracts end.
	#[pallet::storage]
	pub type LiveContracts<T: Config> =
		StorageDoubleMap<_, Twox64Concat, DatasetId, Twox64Concat, DepartmentId, ContractId>;

	/// How many live contracts each dataset has (entries in
	/// [`LiveContracts`]); at most `MaxDepartments`.
	#[pallet::storage]
	pub type LiveCount<T: Config> = StorageMap<_, Twox64Concat, DatasetId, u32, ValueQuery>;

	/// Lapses and expiries to process, by block; entries go when processed or
	/// when their contract ends otherwise.
	#[pallet::storage]
	pub type Deadlines<T: Config> =
		StorageDoubleMap<_, Twox64Concat, BlockNumberFor<T>, Twox64Concat, ContractId, ()>;

	/// The first block whose deadlines are not all processed.
	#[pallet::storage]
	pub type DeadlineCursor<T: Config> = StorageValue<_, BlockNumberFor<T>, ValueQuery>;

	/// Earlier versions of withdrawn datasets whose live contracts are still
	/// to be revoked; `on_idle` revokes them, a version at a time.
	#[pallet::storage]
	pub type WithdrawnVersions<T: Config> = StorageMap<_, Twox64Concat, DatasetId, ()>;

	/// Contracts by consumer department: (department, contract), big-endian.
	#[pallet::storage]
	pub type ByConsumer<T: Config> = StorageMap<_, Identity, ([u8; 4], [u8; 8]), ()>;

	/// Contracts by provider department: (department, contract), big-endian.
	#[pallet::storage]
	pub type ByProvider<T: Config> = StorageMap<_, Identity, ([u8; 4], [u8; 8]), ()>;

	/// Contracts by dataset: (dataset, contract), big-endian.
	#[pallet::storage]
	pub type ByDataset<T: Config> = StorageMap<_, Identity, ([u8; 8], [u8; 8]), ()>;

	/// The purpose vocabulary: code → label. At most `MAX_PURPOSES`.
	#[pallet::storage]
	pub type Purposes<T> = CountedStorageMap<_, Blake2_128Concat, PurposeCode, Label>;

	/// The jurisdictions policies may name. At most `MAX_JURISDICTIONS`.
	#[pallet::storage]
	pub type Jurisdictions<T> = CountedStorageMap<_, Twox64Concat, JurisdictionId, Jurisdiction>;

	/// The id the next jurisdiction gets (ids are never reused).
	#[pallet::storage]
	pub type NextJurisdictionId<T> = StorageValue<_, JurisdictionId, ValueQuery>;

	/// The terms a contract was decided under (for contracts requested since
	/// policies are rules): its purpose code, deciding rule and metered
	/// deliveries.
	#[pallet::storage]
	pub type Terms<T> = StorageMap<_, Twox64Concat, ContractId, ContractTerms>;

	/// A jurisdiction at genesis: its label and its boundary's vertices.
	pub type GenesisJurisdiction = (Vec<u8>, Vec<(i32, i32)>);

	#[pallet::genesis_config]
	#[derive(frame_support::DefaultNoBound)]
	pub struct GenesisConfig<T: Config> {
		/// The purpose vocabulary: (code, label).
		pub purposes: Vec<(Vec<u8>, Vec<u8>)>,
		/// Jurisdictions: (label, boundary).
		pub jurisdictions: Vec<GenesisJurisdiction>,
		#[serde(skip)]
		pub _config: core::marker::PhantomData<T>,
	}

	#[pallet::genesis_build]
	impl<T: Config> BuildGenesisConfig for GenesisConfig<T> {
		fn build(&self) {
			for (code, label) in &self.purposes {
				Pallet::<T>::put_purpose(code.clone(), label.clone())
					.expect("a genesis purpose is a code of the vocabulary's form with a label");
			}
			for (label, ring) in &self.jurisdictions {
				Pallet::<T>::put_jurisdiction(label.clone(), ring.clone())
					.expect("a genesis jurisdiction is a labelled simple polygon");
			}
		}
	}

	#[pallet::event]
	#[pallet::generate_deposit(pub(super) fn deposit_event)]
	pub enum Event<T: Config> {
		/// A consumer department asked for a dataset.
		AccessRequested {
			contract: ContractId,
			dataset: DatasetId,
			consumer: DepartmentId,
			requester: T::AccountId,
		},
		/// An approval was recorded; more are needed.
		ApprovalRecorded { contract: ContractId, approver: T::AccountId, as_regulator: bool },
		/// All required approvals are in: access granted until `expires_at`.
		AccessApproved { contract: ContractId, expires_at: BlockNumberFor<T> },
		/// The request was refused.
		RequestRejected { contract: ContractId, by: T::AccountId },
		/// The consumer withdrew its request.
		RequestCancelled { contract: ContractId },
		/// The request was left unanswered past its deadline.
		RequestLapsed { contract: ContractId },
		/// The contract's term ran out.
		AccessExpired { contract: ContractId },
		/// The contract was ended by the provider, the regulator or (with
		/// `by: None`) the withdrawal of its dataset.
		AccessRevoked { contract: ContractId, by: Option<T::AccountId> },
		/// The consumer gave the contract up.
		AccessRelinquished { contract: ContractId },
		/// The dataset's policy changed while the request awaited approval:
		/// it now needs the approvals of `policy` (a provider approval
		/// without a key envelope no longer counts for confidential or
		/// secret data).
		RequestPolicyChanged { contract: ContractId, policy: AccessPolicy },
		/// The consumer's hash matches the dataset's.
		ReceiptVerified { contract: ContractId },
		/// The consumer's hash differs from the dataset's: a dispute for the
		/// regulator.
		HashMismatch {
			contract: ContractId,
			dataset: DatasetId,
			provider: DepartmentId,
			consumer: DepartmentId,
		},
		/// The provider sealed the data key anew to the consumer.
		EnvelopeResealed { contract: ContractId, by: T::AccountId },
		/// The dataset's new policy refuses the request that awaited
		/// approval: it is Rejected.
		RequestRefusedByPolicy { contract: ContractId },
		/// A request was decided by rule `rule` of the dataset's policy,
		/// naming the purpose `purpose`, with at most `uses` deliveries.
		TermsApplied {
			contract: ContractId,
			rule: u32,
			purpose: Option<PurposeCode>,
			uses: Option<u32>,
		},
		/// The provider's gateway delivered the data `count` more times under
		/// the contract: `used` in all.
		DeliveriesRecorded { contract: ContractId, count: u32, used: u32 },
		/// Governance added or relabelled a purpose of the vocabulary.
		PurposeSet { code: PurposeCode },
		/// Governance removed a purpose from the vocabulary.
		PurposeRemoved { code: PurposeCode },
		/// Governance registered a jurisdiction.
		JurisdictionRegistered { id: JurisdictionId },
		/// Governance removed a jurisdiction.
		JurisdictionRemoved { id: JurisdictionId },
	}

	#[pallet::error]
	pub enum Error<T> {
		/// The caller is not a member of any department.
		NotMember,
		/// The caller's department is suspended or retired.
		DepartmentNotActive,
		/// The caller does not hold the Approver role.
		NotApprover,
		/// The caller's department is neither the provider nor a regulator
		/// (for this decision).
		WrongDepartment,
		/// The caller is not a member of the consumer department.
		NotConsumer,
		/// No dataset has this id.
		UnknownDataset,
		/// The dataset is not active (deprecated, superseded or withdrawn).
		DatasetNotActive,
		/// A department cannot request its own dataset.
		OwnDataset,
		/// The department has a live request or contract for this dataset.
		DuplicateRequest,
		/// The dataset has `MaxDepartments` live contracts already (retired
		/// departments' contracts count until they end).
		TooManyContracts,
		/// The purpose is empty.
		EmptyPurpose,
		/// The purpose is longer than `MAX_PURPOSE_LEN`.
		PurposeTooLong,
		/// The term is zero blocks.
		ZeroTerm,
		/// The term is longer than `MaxTerm`.
		TermTooLong,
		/// The scope's box or interval is not valid.
		InvalidScope,
		/// The scope is not within the dataset's extent.
		ScopeOutsideExtent,
		/// No contract has this id.
		UnknownContract,
		/// The contract has ended.
		ContractEnded,
		/// The call needs a request awaiting approval.
		NotRequested,
		/// The call needs an approved contract.
		NotApproved,
		/// The caller's side has approved already.
		AlreadyApproved,
		/// Only Restricted datasets need (or take) a regulator's approval.
		RegulatorApprovalNotNeeded,
		/// Only the provider can attach the key envelope.
		EnvelopeFromRegulator,
		/// The envelope is empty.
		EmptyEnvelope,
		/// The envelope is longer than `MAX_ENVELOPE_LEN`.
		EnvelopeTooLong,
		/// The consumer department has published no encryption key to seal to.
		NoEncryptionKey,
		/// Confidential and secret data are delivered only encrypted: the
		/// provider's approval must carry a key envelope.
		EnvelopeRequired,
		/// A regulator cannot approve its own department's request; another
		/// regulator department must.
		OwnRequest,
		/// The reason is empty.
		EmptyReason,
		/// The reason is longer than `MAX_REASON_LEN`.
		ReasonTooLong,
		/// The hash code is not a supported multihash function.
		UnknownHashFunction,
		/// The digest length does not match the hash function.
		WrongDigestLength,
		/// The hash was computed with another function than the dataset's.
		HashFunctionDiffers,
		/// The receipt was verified already.
		AlreadyVerified,
		/// The contract carries no key envelope to replace: it is delivered
		/// unencrypted.
		NoEnvelope,
		/// Refused by the dataset's policy: no rule admits this consumer.
		RefusedByConsumer,
		/// Refused by the dataset's policy: no rule admits this purpose.
		RefusedByPurpose,
		/// Refused by the dataset's policy: the term is longer than the rules
		/// allow.
		RefusedByTerm,
		/// Refused by the dataset's policy: the requested area lies outside
		/// every jurisdiction the rules allow (or the rules want a scope).
		RefusedByScope,
		/// Refused by the dataset's policy: requests are not taken at this
		/// date.
		RefusedByWindow,
		/// Refused by the dataset's policy: a rule refuses this request.
		RefusedByRule,
		/// The purpose code is not of the vocabulary's form (`a-z`, `0-9`,
		/// inner `-`, at most 32 bytes).
		InvalidPurposeCode,
		/// No purpose of the vocabulary has this code.
		UnknownPurpose,
		/// The vocabulary has `MAX_PURPOSES` purposes already.
		TooManyPurposes,
		/// The label is empty.
		EmptyLabel,
		/// The label is longer than `MAX_LABEL_LEN`.
		LabelTooLong,
		/// The boundary has more than `MAX_VERTICES` vertices.
		TooManyVertices,
		/// The boundary has fewer than three vertices.
		TooFewVertices,
		/// A vertex lies outside ±180, ±90.
		VertexOutOfRange,
		/// Two consecutive vertices are the same.
		RepeatedVertex,
		/// The boundary crosses or touches itself (or encloses no area).
		SelfIntersecting,
		/// `MAX_JURISDICTIONS` jurisdictions are registered already.
		TooManyJurisdictions,
		/// No jurisdiction has this id.
		UnknownJurisdiction,
		/// A delivery report of zero deliveries.
		ZeroDeliveries,
		/// Deliveries are reported by a Publisher of the provider.
		NotPublisher,
		/// More deliveries than the contract's uses allow.
		UsesExceeded,
		/// The contract was never approved: nothing was delivered under it.
		NeverApproved,
	}

	citychain_primitives::not_acting_errors!(Error, NotApprover);

	#[pallet::hooks]
	impl<T: Config> Hooks<BlockNumberFor<T>> for Pallet<T> {
		fn on_initialize(now: BlockNumberFor<T>) -> Weight {
			let (processed, steps) = Self::process_deadlines(now);
			// The benchmark covers one block's step; a queue catching up
			// steps over more blocks, one read each.
			T::WeightInfo::process_deadlines(processed)
				.saturating_add(T::DbWeight::get().reads(u64::from(steps.saturating_sub(1))))
				// `NextContractId`, whitelisted: read and written once a
				// block however many requests the block holds.
				.saturating_add(T::DbWeight::get().reads_writes(1, 1))
		}

		fn on_idle(_now: BlockNumberFor<T>, remaining: Weight) -> Weight {
			Self::revoke_on_withdrawn_versions(remaining)
		}

		#[cfg(feature = "try-runtime")]
		fn try_state(_n: BlockNumberFor<T>) -> Result<(), sp_runtime::TryRuntimeError> {
			Self::do_try_state()
		}
	}

	#[pallet::call]
	impl<T: Config> Pallet<T> {
		/// Ask for `dataset` for the caller's department, for `term` blocks
		/// once approved, optionally limited to `scope`, for `purpose`: a code
		/// of the purpose vocabulary, optionally followed by `": "` and a
		/// statement (`planning: the 2027 bus network`). The dataset's rules
		/// decide: the first whose constraints hold grants at once, asks the
		/// provider (and the regulator) or refuses, naming the constraint
		/// that failed.
		#[pallet::call_index(0)]
		#[pallet::weight(T::WeightInfo::request_access())]
		pub fn request_access(
			origin: OriginFor<T>,
			dataset: DatasetId,
			purpose: Vec<u8>,
			term: BlockNumberFor<T>,
			scope: Option<Scope>,
		) -> DispatchResult {
			let (requester, consumer) = Self::ensure_member(origin)?;
			let d = T::Datasets::dataset(dataset).ok_or(Error::<T>::UnknownDataset)?;
			ensure!(d.status == DatasetStatus::Active, Error::<T>::DatasetNotActive);
			ensure!(d.owner != consumer, Error::<T>::OwnDataset);
			ensure!(
				!LiveContracts::<T>::contains_key(dataset, consumer),
				Error::<T>::DuplicateRequest
			);
			let live = LiveCount::<T>::get(dataset);
			ensure!(live < T::MaxDepartments::get(), Error::<T>::TooManyContracts);
			ensure!(!purpose.is_empty(), Error::<T>::EmptyPurpose);
			let purpose: BoundedBytes<MAX_PURPOSE_LEN> =
				purpose.try_into().map_err(|_| Error::<T>::PurposeTooLong)?;
			ensure!(!term.is_zero(), Error::<T>::ZeroTerm);
			ensure!(term <= T::MaxTerm::get(), Error::<T>::TermTooLong);
			if let Some(scope) = &scope {
				Self::check_scope(scope, &d)?;
			}
			let (evaluation, code) =
				Self::evaluate_request(&d, consumer, &purpose, term, scope.as_ref());
			let approvals = Self::approvals_of(&evaluation)?;
			let now = frame_system::Pallet::<T>::block_number();
			let id = NextContractId::<T>::get();
			let mut contract = Contract::requested(
				(dataset, &d),
				consumer,
				requester.clone(),
				(purpose, term, scope),
				now,
				now.saturating_add(T::RequestTimeout::get()),
			);
			contract.policy = approvals;
			let terms = ContractTerms::decided(code, &evaluation, &d.rules)
				.ok_or_else(|| Self::refusal(&evaluation))?;
			let mut events = Vec::from([
				Event::AccessRequested {
					contract: id,
					dataset,
					consumer,
					requester: requester.clone(),
				},
				Event::TermsApplied {
					contract: id,
					rule: terms.rule,
					purpose: terms.purpose.clone(),
					uses: terms.uses(),
				},
			]);
			let granted = contract.approvals.satisfy(contract.policy);
			if granted {
				events.push(Self::grant(id, &mut contract, now));
			} else {
				Deadlines::<T>::insert(contract.lapses_at, id, ());
			}
			Self::emit(
				Actor::Account(requester),
				Some(consumer),
				AuditAction::AccessRequested { granted },
				id,
				events,
			);
			LiveContracts::<T>::insert(dataset, consumer, id);
			LiveCount::<T>::insert(dataset, live.saturating_add(1));
			ByConsumer::<T>::insert((consumer.to_be_bytes(), id.to_be_bytes()), ());
			ByProvider::<T>::insert((d.owner.to_be_bytes(), id.to_be_bytes()), ());
			ByDataset::<T>::insert((dataset.to_be_bytes(), id.to_be_bytes()), ());
			Contracts::<T>::insert(id, contract);
			Terms::<T>::insert(id, terms);
			NextContractId::<T>::put(id.saturating_add(1));
			Ok(())
		}

		/// Approve a request as an Approver of the provider (who may attach
		/// the dataset key sealed to the consumer department's key) or, for a
		/// Restricted dataset, of a regulator department. The contract is
		/// Approved once the approvals its policy requires are in.
		#[pallet::call_index(1)]
		#[pallet::weight(T::WeightInfo::approve_request())]
		pub fn approve_request(
			origin: OriginFor<T>,
			contract: ContractId,
			envelope: Option<Vec<u8>>,
		) -> DispatchResult {
			let (approver, department, as_regulator, mut c) =
				Self::ensure_decider(origin, contract)?;
			match Self::state_now(&c) {
				ContractState::Requested => {},
				ContractState::Approved => return Err(Error::<T>::AlreadyApproved.into()),
				_ => return Err(Error::<T>::ContractEnded.into()),
			}
			// A request on a version since superseded can no longer be
			// approved (its policy is the current version's business): it
			// lapses, and the consumer asks for the current version.
			let d = T::Datasets::dataset(c.dataset).ok_or(Error::<T>::UnknownDataset)?;
			ensure!(
				matches!(d.status, DatasetStatus::Active | DatasetStatus::Deprecated),
				Error::<T>::DatasetNotActive
			);
			ensure!(!as_regulator || department != c.consumer, Error::<T>::OwnRequest);
			let slot =
				if as_regulator { &mut c.approvals.regulator } else { &mut c.approvals.provider };
			ensure!(slot.is_none(), Error::<T>::AlreadyApproved);
			*slot = Some(approver.clone());
			if !as_regulator && envelope.is_none() {
				ensure!(!needs_envelope(d.sensitivity), Error::<T>::EnvelopeRequired);
			}
			if let Some(envelope) = envelope {
				ensure!(!as_regulator, Error::<T>::EnvelopeFromRegulator);
				c.envelope = Some(Self::check_envelope(envelope, c.consumer)?);
			}
			let mut events = Vec::from([Event::ApprovalRecorded {
				contract,
				approver: approver.clone(),
				as_regulator,
			}]);
			let granted = c.approvals.satisfy(c.policy);
			if granted {
				Deadlines::<T>::remove(c.lapses_at, contract);
				events.push(Self::grant(
					contract,
					&mut c,
					frame_system::Pallet::<T>::block_number(),
				));
			}
			Contracts::<T>::insert(contract, c);
			Self::emit(
				Actor::Account(approver),
				Some(department),
				AuditAction::RequestApproved { granted },
				contract,
				events,
			);
			Ok(())
		}

		/// Refuse a request, as an Approver of the provider or, for a
		/// Restricted dataset, of a regulator department.
		#[pallet::call_index(2)]
		#[pallet::weight(T::WeightInfo::reject_request())]
		pub fn reject_request(
			origin: OriginFor<T>,
			contract: ContractId,
			reason: Vec<u8>,
		) -> DispatchResult {
			let (by, department, _, mut c) = Self::ensure_decider(origin, contract)?;
			Self::ensure_state(&c, ContractState::Requested)?;
			c.reason = Some(Self::check_reason(reason)?);
			Self::end(contract, &mut c, ContractState::Rejected);
			Contracts::<T>::insert(contract, c);
			Self::emit(
				Actor::Account(by.clone()),
				Some(department),
				AuditAction::RequestRejected,
				contract,
				[Event::RequestRejected { contract, by }],
			);
			Ok(())
		}

		/// Withdraw a request of the caller's department.
		#[pallet::call_index(3)]
		#[pallet::weight(T::WeightInfo::cancel_request())]
		pub fn cancel_request(origin: OriginFor<T>, contract: ContractId) -> DispatchResult {
			let (who, mut c) = Self::ensure_consumer(origin, contract)?;
			Self::ensure_state(&c, ContractState::Requested)?;
			Self::end(contract, &mut c, ContractState::Cancelled);
			let consumer = c.consumer;
			Contracts::<T>::insert(contract, c);
			Self::emit(
				Actor::Account(who),
				Some(consumer),
				AuditAction::RequestCancelled,
				contract,
				[Event::RequestCancelled { contract }],
			);
			Ok(())
		}

		/// End an approved contract, as an Approver of the provider or of a
		/// regulator department.
		#[pallet::call_index(4)]
		#[pallet::weight(T::WeightInfo::revoke_access())]
		pub fn revoke_access(
			origin: OriginFor<T>,
			contract: ContractId,
			reason: Vec<u8>,
		) -> DispatchResult {
			let who = ensure_signed(origin)?;
			let membership = Self::active_membership(&who, Some(Role::Approver))?;
			let mut c = Contracts::<T>::get(contract).ok_or(Error::<T>::UnknownContract)?;
			ensure!(
				membership.department == c.provider
					|| T::Departments::is_active_regulator(membership.department),
				Error::<T>::WrongDepartment
			);
			Self::ensure_state(&c, ContractState::Approved)?;
			c.reason = Some(Self::check_reason(reason)?);
			Self::end(contract, &mut c, ContractState::Revoked);
			Contracts::<T>::insert(contract, c);
			Self::emit(
				Actor::Account(who.clone()),
				Some(membership.department),
				AuditAction::AccessRevoked,
				contract,
				[Event::AccessRevoked { contract, by: Some(who) }],
			);
			Ok(())
		}

		/// Give up an approved contract of the caller's department.
		#[pallet::call_index(5)]
		#[pallet::weight(T::WeightInfo::relinquish_access())]
		pub fn relinquish_access(origin: OriginFor<T>, contract: ContractId) -> DispatchResult {
			let (who, mut c) = Self::ensure_consumer(origin, contract)?;
			Self::ensure_state(&c, ContractState::Approved)?;
			Self::end(contract, &mut c, ContractState::Relinquished);
			let consumer = c.consumer;
			Contracts::<T>::insert(contract, c);
			Self::emit(
				Actor::Account(who),
				Some(consumer),
				AuditAction::AccessRelinquished,
				contract,
				[Event::AccessRelinquished { contract }],
			);
			Ok(())
		}

		/// Report the hash of what the caller's department fetched under an
		/// approved contract: a match verifies the receipt, a mismatch is
		/// recorded and raises `HashMismatch`.
		#[pallet::call_index(6)]
		#[pallet::weight(T::WeightInfo::confirm_receipt())]
		pub fn confirm_receipt(
			origin: OriginFor<T>,
			contract: ContractId,
			hash_code: u64,
			digest: Vec<u8>,
		) -> DispatchResult {
			let (who, mut c) = Self::ensure_consumer(origin, contract)?;
			Self::ensure_state(&c, ContractState::Approved)?;
			ensure!(c.receipt != Receipt::Verified, Error::<T>::AlreadyVerified);
			let function =
				HashFunction::from_code(hash_code).ok_or(Error::<T>::UnknownHashFunction)?;
			ensure!(digest.len() == function.digest_len(), Error::<T>::WrongDigestLength);
			let expected =
				T::Datasets::dataset(c.dataset).ok_or(Error::<T>::UnknownDataset)?.content_hash;
			ensure!(expected.code == hash_code, Error::<T>::HashFunctionDiffers);
			let matched = expected.digest.as_slice() == digest.as_slice();
			let event = if matched {
				c.receipt = Receipt::Verified;
				Event::ReceiptVerified { contract }
			} else {
				let observed =
					ContentHash { code: hash_code, digest: BoundedVec::truncate_from(digest) };
				c.receipt = Receipt::Mismatch(observed);
				Event::HashMismatch {
					contract,
					dataset: c.dataset,
					provider: c.provider,
					consumer: c.consumer,
				}
			};
			let consumer = c.consumer;
			Contracts::<T>::insert(contract, c);
			Self::emit(
				Actor::Account(who),
				Some(consumer),
				AuditAction::ReceiptConfirmed { matched },
				contract,
				[event],
			);
			Ok(())
		}

		/// Replace the key envelope of a live contract, as an Approver of its
		/// provider: the dataset's data key sealed anew to the consumer
		/// department's key, when the provider encrypts the dataset once for
		/// all its contracts (a store migrated from one copy per contract) or
		/// when the consumer department changed its key.
		#[pallet::call_index(7)]
		#[pallet::weight(T::WeightInfo::reseal_envelope())]
		pub fn reseal_envelope(
			origin: OriginFor<T>,
			contract: ContractId,
			envelope: Vec<u8>,
		) -> DispatchResult {
			let who = ensure_signed(origin)?;
			let membership = Self::active_membership(&who, Some(Role::Approver))?;
			let mut c = Contracts::<T>::get(contract).ok_or(Error::<T>::UnknownContract)?;
			ensure!(membership.department == c.provider, Error::<T>::WrongDepartment);
			ensure!(
				matches!(Self::state_now(&c), ContractState::Requested | ContractState::Approved),
				Error::<T>::ContractEnded
			);
			ensure!(c.envelope.is_some(), Error::<T>::NoEnvelope);
			c.envelope = Some(Self::check_envelope(envelope, c.consumer)?);
			Contracts::<T>::insert(contract, c);
			Self::emit(
				Actor::Account(who.clone()),
				Some(membership.department),
				AuditAction::EnvelopeResealed,
				contract,
				[Event::EnvelopeResealed { contract, by: who }],
			);
			Ok(())
		}

		/// Add purpose `code` to the vocabulary, or relabel it (governance).
		#[pallet::call_index(8)]
		#[pallet::weight(T::WeightInfo::set_purpose())]
		pub fn set_purpose(origin: OriginFor<T>, code: Vec<u8>, label: Vec<u8>) -> DispatchResult {
			T::GovernanceOrigin::ensure_origin(origin)?;
			let code = Self::put_purpose(code, label)?;
			Self::emit_governance(AuditAction::PurposeSet, Event::PurposeSet { code });
			Ok(())
		}

		/// Remove purpose `code` from the vocabulary (governance): rules that
		/// name it no longer admit any request for it.
		#[pallet::call_index(9)]
		#[pallet::weight(T::WeightInfo::remove_purpose())]
		pub fn remove_purpose(origin: OriginFor<T>, code: Vec<u8>) -> DispatchResult {
			T::GovernanceOrigin::ensure_origin(origin)?;
			let code: PurposeCode = code.try_into().map_err(|_| Error::<T>::UnknownPurpose)?;
			ensure!(Purposes::<T>::contains_key(&code), Error::<T>::UnknownPurpose);
			Purposes::<T>::remove(&code);
			Self::emit_governance(AuditAction::PurposeRemoved, Event::PurposeRemoved { code });
			Ok(())
		}

		/// Register a jurisdiction bounded by `ring`, a simple polygon's
		/// vertices in 1e-7 degrees (governance).
		#[pallet::call_index(10)]
		#[pallet::weight(T::WeightInfo::register_jurisdiction(ring.len() as u32))]
		pub fn register_jurisdiction(
			origin: OriginFor<T>,
			label: Vec<u8>,
			ring: Vec<(i32, i32)>,
		) -> DispatchResult {
			T::GovernanceOrigin::ensure_origin(origin)?;
			let id = Self::put_jurisdiction(label, ring)?;
			Self::emit_governance(
				AuditAction::JurisdictionRegistered,
				Event::JurisdictionRegistered { id },
			);
			Ok(())
		}

		/// Remove a jurisdiction (governance): rules that name it no longer
		/// admit any area by it.
		#[pallet::call_index(11)]
		#[pallet::weight(T::WeightInfo::remove_jurisdiction())]
		pub fn remove_jurisdiction(origin: OriginFor<T>, id: JurisdictionId) -> DispatchResult {
			T::GovernanceOrigin::ensure_origin(origin)?;
			ensure!(Jurisdictions::<T>::contains_key(id), Error::<T>::UnknownJurisdiction);
			Jurisdictions::<T>::remove(id);
			Self::emit_governance(
				AuditAction::JurisdictionRemoved,
				Event::JurisdictionRemoved { id },
			);
			Ok(())
		}

		/// Report deliveries made under contracts of the caller's department,
		/// as a Publisher of it (its gateway's account: the role that stores
		/// its files): `(contract, count)` pairs, each adding to the
		/// contract's used deliveries, within its uses. All or nothing.
		#[pallet::call_index(12)]
		#[pallet::weight(T::WeightInfo::record_deliveries(deliveries.len() as u32))]
		pub fn record_deliveries(
			origin: OriginFor<T>,
			deliveries: BoundedVec<(ContractId, u32), ConstU32<MAX_DELIVERY_BATCH>>,
		) -> DispatchResult {
			let who = ensure_signed(origin)?;
			let provider = match T::Departments::active_member(&who, Some(Role::Publisher)) {
				Ok(membership) => membership.department,
				Err(NotActing::MissingRole(_)) => return Err(Error::<T>::NotPublisher.into()),
				Err(refusal) => return Err(Error::<T>::from(refusal).into()),
			};
			for (contract, count) in deliveries {
				let used = Self::meter(contract, provider, count)?;
				Self::emit(
					Actor::Account(who.clone()),
					Some(provider),
					AuditAction::DeliveriesRecorded { count },
					contract,
					[Event::DeliveriesRecorded { contract, count, used }],
				);
			}
			Ok(())
		}
	}

	impl<T: Config> Pallet<T> {
		/// The signer's membership if its department is active and, with
		/// `role`, the signer holds it.
		fn active_membership(
			who: &T::AccountId,
			role: Option<Role>,
		) -> Result<Membership, DispatchError> {
			Ok(T::Departments::active_member(who, role).map_err(Error::<T>::from)?)
		}

		/// The signer and their department, if it is active.
		fn ensure_member(
			origin: OriginFor<T>,
		) -> Result<(T::AccountId, DepartmentId), DispatchError> {
			let who = ensure_signed(origin)?;
			let department = Self::active_membership(&who, None)?.department;
			Ok((who, department))
		}

		/// The contract, if the signer is a member of its consumer department.
		fn ensure_consumer(
			origin: OriginFor<T>,
			contract: ContractId,
		) -> Result<(T::AccountId, ContractOf<T>), DispatchError> {
			let (who, department) = Self::ensure_member(origin)?;
			let c = Contracts::<T>::get(contract).ok_or(Error::<T>::UnknownContract)?;
			ensure!(c.consumer == department, Error::<T>::NotConsumer);
			Ok((who, c))
		}

		/// The signer, their department, whether they decide as a regulator,
		/// and the contract, if the signer is an Approver of the provider or,
		/// for a Restricted dataset, of an active regulator department.
		fn ensure_decider(
			origin: OriginFor<T>,
			contract: ContractId,
		) -> Result<(T::AccountId, DepartmentId, bool, ContractOf<T>), DispatchError> {
			let who = ensure_signed(origin)?;
			let membership = Self::active_membership(&who, Some(Role::Approver))?;
			let c = Contracts::<T>::get(contract).ok_or(Error::<T>::UnknownContract)?;
			if membership.department == c.provider {
				return Ok((who, membership.department, false, c));
			}
			ensure!(membership.kind.is_regulator(), Error::<T>::WrongDepartment);
			ensure!(c.policy == AccessPolicy::Restricted, Error::<T>::RegulatorApprovalNotNeeded);
			Ok((who, membership.department, true, c))
		}

		/// The contract's state at the current block, counting a lapse or an
		/// expiry the queue has not processed yet.
		pub fn state_now(c: &ContractOf<T>) -> ContractState {
			let now = frame_system::Pallet::<T>::block_number();
			match c.state {
				ContractState::Requested if now >= c.lapses_at => ContractState::Lapsed,
				ContractState::Approved if !c.grants_at(now) => ContractState::Expired,
				state => state,
			}
		}

		/// Checks that the contract is in `expected` now; names what it is in
		/// otherwise.
		fn ensure_state(c: &ContractOf<T>, expected: ContractState) -> DispatchResult {
			match Self::state_now(c) {
				s if s == expected => Ok(()),
				ContractState::Requested => Err(Error::<T>::NotApproved.into()),
				ContractState::Approved => Err(Error::<T>::NotRequested.into()),
				_ => Err(Error::<T>::ContractEnded.into()),
			}
		}

		/// A key envelope must hold something, fit `MAX_ENVELOPE_LEN`, and be
		/// for a consumer that published a key to seal to.
		fn check_envelope(
			envelope: Vec<u8>,
			consumer: DepartmentId,
		) -> Result<BoundedBytes<MAX_ENVELOPE_LEN>, DispatchError> {
			ensure!(!envelope.is_empty(), Error::<T>::EmptyEnvelope);
			let envelope: BoundedBytes<MAX_ENVELOPE_LEN> =
				envelope.try_into().map_err(|_| Error::<T>::EnvelopeTooLong)?;
			ensure!(
				T::Departments::encryption_key(consumer).is_some(),
				Error::<T>::NoEncryptionKey
			);
			Ok(envelope)
		}

		fn check_reason(reason: Vec<u8>) -> Result<BoundedBytes<MAX_REASON_LEN>, DispatchError> {
			ensure!(!reason.is_empty(), Error::<T>::EmptyReason);
			reason.try_into().map_err(|_| Error::<T>::ReasonTooLong.into())
		}

		/// A scope must be a valid box and interval within the dataset's
		/// extent.
		pub(crate) fn check_scope(
			scope: &Scope,
			d: &citychain_primitives::access::DatasetSummary,
		) -> DispatchResult {
			if let Some(bbox) = scope.bbox {
				let bbox = bbox.validate().map_err(|_| Error::<T>::InvalidScope)?;
				ensure!(d.bbox.contains(&bbox), Error::<T>::ScopeOutsideExtent);
			}
			if let Some(time) = scope.time {
				let time = time.validate().map_err(|_| Error::<T>::InvalidScope)?;
				ensure!(d.time.contains(&time), Error::<T>::ScopeOutsideExtent);
			}
			Ok(())
		}
	}
}

/// Confidential and secret data are delivered only encrypted.
fn needs_envelope(sensitivity: Sensitivity) -> bool {
	sensitivity >= Sensitivity::Confidential
}
