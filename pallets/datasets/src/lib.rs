//! # Datasets
//!
//! The registry of the city's spatio-temporal datasets: step 1 of the
//! sharing process. A provider department files a dataset's catalogue
//! record — what it is, where and when it covers, and the hash of its
//! content — while the data itself stays off chain.
//!
//! ## Concepts
//!
//! - A **dataset record** ([`Dataset`]) is modelled on a STAC Item and an ISO
//!   19115 record: title, description, topic category, keywords, bounding box
//!   (WGS84, 1e-7 degrees, may cross the antimeridian), CRS, time range (open
//!   end: ongoing), media type, content hash (a multihash), size, URI, access
//!   policy and sensitivity.
//! - **Versions**: new content is a new record whose `predecessor` is the
//!   record it replaces; that record becomes `Superseded` and points to it as
//!   `successor`. The history is walkable both ways and never rewritten: the
//!   content fields (extent, format, hash, size) of a record never change.
//! - **Status**: `Active`, `Superseded`, `Deprecated` (discouraged but
//!   current) and `Withdrawn` (final).
//! - **Search** is not the runtime's work: every node keeps its own index of
//!   the records in its finalized blocks (the node's `search_index`), which
//!   is as trustworthy as the chain it verified. The runtime keeps only what
//!   consensus needs: the records, their versions, and each department's
//!   datasets in id order.
//!
//! ## Dispatchables
//!
//! All of them for a member with the Publisher role of an active department;
//! all but the first only on datasets that department owns.
//! - [`register_dataset`](Pallet::register_dataset): file a new dataset.
//! - [`publish_version`](Pallet::publish_version): file new content as the
//!   next version of a current dataset.
//! - [`update_metadata`](Pallet::update_metadata): change descriptive fields.
//! - [`set_access_policy`](Pallet::set_access_policy): change who decides
//!   requests, and the sensitivity.
//! - [`deprecate_dataset`](Pallet::deprecate_dataset): discourage its use.
//! - [`withdraw_dataset`](Pallet::withdraw_dataset): withdraw it for good.
//!
//! ## Queries
//!
//! [`Pallet::datasets_of`] and [`Pallet::history`] back the `DatasetsApi`
//! runtime API (with the records themselves), which the node serves as
//! `datasets_*` JSON-RPC methods and polkadot.js apps calls directly.
//!
//! ## For other pallets
//!
//! [`Pallet`] implements [`DatasetRegistry`] (owner, status, policy, extent
//! and hash of a dataset), and tells [`Config::OnWithdraw`] when a dataset is
//! withdrawn so that the access contracts resting on it end.

#![cfg_attr(not(feature = "std"), no_std)]

extern crate alloc;

pub use pallet::*;

#[cfg(feature = "runtime-benchmarks")]
mod benchmarking;
pub mod migrations;
#[cfg(test)]
mod mock;
pub mod owners;
mod queries;
#[cfg(test)]
mod tests;
#[cfg(any(feature = "try-runtime", feature = "std"))]
mod try_state;
mod types;
mod validation;
pub mod weights;

pub use citychain_primitives::{
	access::{
		DatasetRegistry, DatasetSummary, OnDatasetPolicyChanged, OnDatasetWithdrawn, TermsRegistry,
	},
	audit::{Actor, AuditAction, AuditSink, Subject},
	datasets::{
		BoundedBytes, MAX_DESCRIPTION_LEN, MAX_FORMAT_LEN, MAX_HISTORY, MAX_KEYWORDS,
		MAX_KEYWORD_LEN, MAX_PAGE_SIZE, MAX_TITLE_LEN, MAX_URI_LEN,
	},
	hashing::HashFunction,
	terms::{self, Policy, PolicyError},
	AccessPolicy, BoundingBox, ContentHash, Dataset, DatasetContent, DatasetDescription, DatasetId,
	DatasetItem, DatasetPage, DatasetStatus, DepartmentDirectory, DepartmentId, License,
	LicenseInput, MetadataUpdate, Role, Sensitivity, Stamp, TimeRange, TopicCategory,
};
pub use weights::WeightInfo;

#[frame_support::pallet]
pub mod pallet {
	use super::*;
	use citychain_primitives::datasets::MAX_KEYWORDS;
	use frame_support::{pallet_prelude::*, traits::UnixTime};
	use frame_system::pallet_prelude::*;
	use sp_runtime::traits::ConstU32;

	/// What frame-benchmarking adds to a map entry's largest encoding for
	/// its place in the storage proof (`Twox64Concat` key, trie nodes):
	/// `Datasets::Datasets` measures `max_size` 4876, `added` 7351.
	pub const MAP_ENTRY_PROOF_OVERHEAD: u64 = 2475;

	/// The dataset record as stored.
	pub type DatasetOf<T> = Dataset<<T as frame_system::Config>::AccountId, BlockNumberFor<T>>;

	/// Keywords as stored.
	pub type Keywords = BoundedVec<BoundedBytes<MAX_KEYWORD_LEN>, ConstU32<MAX_KEYWORDS>>;

	/// Version 1: no on-chain search index; version 2: records state their
	/// licence ([`crate::migrations`]).
	const STORAGE_VERSION: StorageVersion = StorageVersion::new(3);

	#[pallet::pallet]
	#[pallet::storage_version(STORAGE_VERSION)]
	pub struct Pallet<T>(_);

	#[pallet::config]
	pub trait Config: frame_system::Config<RuntimeEvent: From<Event<Self>>> {
		/// Who is a member of which department, with which roles.
		type Departments: DepartmentDirectory<Self::AccountId>;

		/// The time of the current block, for the records' stamps.
		type Time: UnixTime;

		/// Told when a dataset is withdrawn (the access pallet revokes its
		/// contracts).
		type OnWithdraw: OnDatasetWithdrawn;

		/// Told when a dataset's policy changes (the access pallet decides
		/// the pending requests under the new one).
		type OnPolicyChange: OnDatasetPolicyChanged;

		/// The purposes and jurisdictions a policy may name (the access
		/// pallet keeps them).
		type Terms: TermsRegistry;

		/// The audit log every call records in.
		type Audit: AuditSink<Self::AccountId>;

		/// Weights of this pallet's calls.
		type WeightInfo: WeightInfo;

		/// Makes publishers for the benchmarks.
		#[cfg(feature = "runtime-benchmarks")]
		type BenchmarkHelper: citychain_primitives::DepartmentsBenchmarkHelper<Self::AccountId>;
	}

	/// The id the next registered dataset record gets. Whitelisted: charged
	/// once a block, in `on_initialize`, not by each registration.
	#[pallet::storage]
	#[pallet::whitelist_storage]
	pub type NextDatasetId<T> = StorageValue<_, DatasetId, ValueQuery>;

	/// Dataset records by id.
	#[pallet::storage]
	pub type Datasets<T: Config> = StorageMap<_, Twox64Concat, DatasetId, DatasetOf<T>>;

	/// The datasets of each department: (department, dataset), see
	/// [`owners`].
	#[pallet::storage]
	pub type OwnerIndex<T: Config> = StorageMap<_, Identity, owners::OwnerKey, ()>;

	/// The rules of a current version whose policy is more than the one
	/// unconstrained rule its record's `policy` names; without an entry, a
	/// record's rules are that one rule (so records filed before rules read
	/// as the one-rule policies their fixed policies were). A new version
	/// takes its predecessor's entry.
	#[pallet::storage]
	pub type Rules<T: Config> = StorageMap<_, Twox64Concat, DatasetId, Policy>;

	#[pallet::event]
	#[pallet::generate_deposit(pub(super) fn deposit_event)]
	pub enum Event<T: Config> {
		/// A department filed a new dataset.
		DatasetRegistered { dataset: DatasetId, owner: DepartmentId, publisher: T::AccountId },
		/// A new version of `predecessor` was filed as `dataset`.
		VersionPublished {
			dataset: DatasetId,
			predecessor: DatasetId,
			version: u32,
			publisher: T::AccountId,
		},
		/// Descriptive fields of a dataset changed.
		MetadataUpdated { dataset: DatasetId },
		/// A dataset's access policy or sensitivity changed.
		AccessPolicyChanged { dataset: DatasetId, policy: AccessPolicy, sensitivity: Sensitivity },
		/// A dataset was deprecated.
		DatasetDeprecated { dataset: DatasetId },
		/// A dataset was withdrawn.
		DatasetWithdrawn { dataset: DatasetId },
	}

	#[pallet::error]
	pub enum Error<T> {
		/// The caller is not a member of any department.
		NotMember,
		/// The caller's department is suspended or retired.
		DepartmentNotActive,
		/// The caller does not hold the Publisher role.
		NotPublisher,
		/// The dataset belongs to another department.
		NotOwner,
		/// No dataset has this id.
		UnknownDataset,
		/// The title is empty.
		EmptyTitle,
		/// The title is longer than `MAX_TITLE_LEN`.
		TitleTooLong,
		/// The description is longer than `MAX_DESCRIPTION_LEN`.
		DescriptionTooLong,
		/// More than `MAX_KEYWORDS` keywords.
		TooManyKeywords,
		/// A keyword is empty.
		EmptyKeyword,
		/// A keyword is longer than `MAX_KEYWORD_LEN`.
		KeywordTooLong,
		/// The URI is empty.
		EmptyUri,
		/// The URI is longer than `MAX_URI_LEN`.
		UriTooLong,
		/// A latitude is outside ±90°.
		InvalidLatitude,
		/// A longitude is outside ±180°.
		InvalidLongitude,
		/// The southern edge is north of the northern edge.
		InvalidBoundingBox,
		/// The CRS is not an EPSG code (1024 to 32767).
		InvalidCrs,
		/// A time is before `MIN_TIME` or after `MAX_TIME`.
		TimeOutOfRange,
		/// The time range ends before it starts.
		EndBeforeStart,
		/// The format is not a media type (`type/subtype`).
		InvalidMediaType,
		/// The format is longer than `MAX_FORMAT_LEN`.
		FormatTooLong,
		/// The hash code is not a supported multihash function.
		UnknownHashFunction,
		/// The digest length does not match the hash function.
		WrongDigestLength,
		/// The content is empty.
		EmptyContent,
		/// Open access is not allowed for confidential or secret data.
		PolicyTooPermissive,
		/// The policy has no rule.
		EmptyPolicy,
		/// Every rule of the policy refuses: nobody could obtain the data.
		PolicyRefusesAll,
		/// A constraint of the policy names an empty list.
		EmptyConstraint,
		/// A term limit of zero days or a uses limit of zero.
		ZeroLimit,
		/// A window that ends before it starts.
		InvalidWindow,
		/// A purpose of the policy is not of the vocabulary's form.
		InvalidPurpose,
		/// The policy names a purpose or jurisdiction governance has not
		/// registered.
		UnknownTerms,
		/// The dataset has a newer version.
		DatasetSuperseded,
		/// The dataset was withdrawn.
		DatasetWithdrawn,
		/// The dataset is deprecated already.
		AlreadyDeprecated,
		/// The dataset has `MAX_HISTORY` versions: register the next content
		/// as a new dataset.
		TooManyVersions,
		/// An update that changes nothing.
		NothingToUpdate,
		/// The licence is neither an SPDX licence expression nor `other`.
		InvalidLicense,
		/// The licence expression is longer than `MAX_LICENSE_LEN`.
		LicenseTooLong,
		/// The licence is `other` or names a `LicenseRef-`, and no URL says
		/// where its terms are.
		LicenseUrlMissing,
		/// The licence URL is empty.
		EmptyLicenseUrl,
		/// The licence URL is longer than `MAX_URI_LEN`.
		LicenseUrlTooLong,
		/// The URI is not an http(s) URL with a host: a link that clients
		/// render must never be a script (`javascript:`) or another scheme.
		InvalidUri,
		/// The licence URL is not an http(s) URL with a host.
		InvalidLicenseUrl,
	}

	citychain_primitives::not_acting_errors!(Error, NotPublisher);

	#[pallet::hooks]
	impl<T: Config> Hooks<BlockNumberFor<T>> for Pallet<T> {
		/// [`NextDatasetId`], whitelisted: read and written once a block
		/// however many registrations the block holds.
		fn on_initialize(_now: BlockNumberFor<T>) -> Weight {
			T::DbWeight::get().reads_writes(1, 1)
		}

		#[cfg(feature = "try-runtime")]
		fn try_state(_n: BlockNumberFor<T>) -> Result<(), sp_runtime::TryRuntimeError> {
			Self::do_try_state()
		}
	}

	#[pallet::call]
	impl<T: Config> Pallet<T> {
		/// File a new dataset (version 1) of the caller's department.
		#[pallet::call_index(0)]
		#[pallet::weight(T::WeightInfo::register_dataset())]
		pub fn register_dataset(
			origin: OriginFor<T>,
			description: DatasetDescription,
			content: DatasetContent,
			policy: AccessPolicy,
			sensitivity: Sensitivity,
		) -> DispatchResult {
			let (publisher, owner) = Self::ensure_publisher(origin)?;
			ensure!(sensitivity.allows(policy), Error::<T>::PolicyTooPermissive);
			let description = Self::check_description(description)?;
			let content = Self::check_content(content)?;
			let stamp = Self::now();
			let record = content.first_version(
				description,
				owner,
				publisher.clone(),
				(policy, sensitivity),
				stamp,
			);
			let dataset = Self::insert_record(record);
			Self::emit(
				publisher.clone(),
				owner,
				AuditAction::DatasetRegistered,
				dataset,
				Event::DatasetRegistered { dataset, owner, publisher },
			);
			Ok(())
		}

		/// File `content` as the next version of `dataset`, which becomes
		/// `Superseded`. The new version keeps the access policy and, unless
		/// `description` is given, the descriptive fields.
		#[pallet::call_index(1)]
		#[pallet::weight(T::WeightInfo::publish_version())]
		pub fn publish_version(
			origin: OriginFor<T>,
			dataset: DatasetId,
			content: DatasetContent,
			description: Option<DatasetDescription>,
		) -> DispatchResult {
			let (publisher, mut previous) = Self::ensure_owner_publisher(origin, dataset)?;
			Self::ensure_current(&previous)?;
			ensure!(previous.version < MAX_HISTORY, Error::<T>::TooManyVersions);
			let description = description.map(Self::check_description).transpose()?;
			let content = Self::check_content(content)?;
			let stamp = Self::now();
			let mut record = previous.next_version(dataset, publisher.clone(), stamp);
			if let Some(d) = description {
				d.write_to(&mut record);
			}
			content.write_to(&mut record);
			let (version, owner) = (record.version, record.owner);
			let new = Self::insert_record(record);
			if let Some(rules) = Rules::<T>::take(dataset) {
				Rules::<T>::insert(new, rules);
			}
			previous.supersede(new, stamp);
			Datasets::<T>::insert(dataset, previous);
			Self::emit(
				publisher.clone(),
				owner,
				AuditAction::VersionPublished,
				new,
				Event::VersionPublished { dataset: new, predecessor: dataset, version, publisher },
			);
			Ok(())
		}

		/// Change descriptive fields of `dataset`: title, description, topic,
		/// keywords, URI, licence. Content fields need a new version.
		#[pallet::call_index(2)]
		#[pallet::weight(T::WeightInfo::update_metadata())]
		pub fn update_metadata(
			origin: OriginFor<T>,
			dataset: DatasetId,
			update: MetadataUpdate,
		) -> DispatchResult {
			let (who, mut record) = Self::ensure_owner_publisher(origin, dataset)?;
			ensure!(record.status != DatasetStatus::Withdrawn, Error::<T>::DatasetWithdrawn);
			ensure!(!update.is_empty(), Error::<T>::NothingToUpdate);
			if let Some(title) = update.title {
				record.title = Self::check_title(title)?;
			}
			if let Some(description) = update.description {
				record.description =
					description.try_into().map_err(|_| Error::<T>::DescriptionTooLong)?;
			}
			if let Some(topic) = update.topic {
				record.topic = topic;
			}
			if let Some(keywords) = update.keywords {
				record.keywords = Self::check_keywords(keywords)?;
			}
			if let Some(uri) = update.uri {
				record.uri = Self::check_uri(uri)?;
			}
			if let Some(license) = update.license {
				record.license = Some(Self::check_license(license)?);
			}
			record.updated = Self::now();
			let owner = record.owner;
			Datasets::<T>::insert(dataset, record);
			Self::emit(
				who,
				owner,
				AuditAction::MetadataUpdated,
				dataset,
				Event::MetadataUpdated { dataset },
			);
			Ok(())
		}

		/// Set the rules that decide requests for `dataset`, its current
		/// version, and how sensitive it is. The first rule whose constraints
		/// all hold decides (grant, ask the provider, ask the provider and the
		/// regulator, refuse); with none the request is refused. Every earlier
		/// version takes the same catalogue policy and sensitivity, and the
		/// requests awaiting approval are decided under the new rules
		/// ([`Config::OnPolicyChange`]). Confidential and secret data cannot
		/// be granted at once.
		#[pallet::call_index(3)]
		#[pallet::weight(
			T::WeightInfo::set_access_policy()
				.saturating_add(Pallet::<T>::earlier_versions_weight(MAX_HISTORY - 1))
				.saturating_add(T::OnPolicyChange::max_weight())
		)]
		pub fn set_access_policy(
			origin: OriginFor<T>,
			dataset: DatasetId,
			rules: Policy,
			sensitivity: Sensitivity,
		) -> DispatchResultWithPostInfo {
			terms::check_policy(&rules).map_err(|e| match e {
				PolicyError::Empty => Error::<T>::EmptyPolicy,
				PolicyError::RefusesAll => Error::<T>::PolicyRefusesAll,
				PolicyError::EmptyList => Error::<T>::EmptyConstraint,
				PolicyError::ZeroLimit => Error::<T>::ZeroLimit,
				PolicyError::InvalidWindow => Error::<T>::InvalidWindow,
				PolicyError::InvalidPurpose => Error::<T>::InvalidPurpose,
			})?;
			ensure!(T::Terms::knows(&rules), Error::<T>::UnknownTerms);
			let policy = terms::headline(&rules);
			let earlier = Self::change_every_version(
				origin,
				dataset,
				|record| {
					ensure!(
						(Self::rules_of(dataset, record), record.sensitivity)
							!= (rules.clone(), sensitivity),
						Error::<T>::NothingToUpdate
					);
					ensure!(
						sensitivity <= Sensitivity::Internal || !terms::grants_at_once(&rules),
						Error::<T>::PolicyTooPermissive
					);
					Ok(())
				},
				|r, stamp| (r.policy, r.sensitivity, r.updated) = (policy, sensitivity, stamp),
				|_| {},
				(
					AuditAction::AccessPolicyChanged,
					Event::AccessPolicyChanged { dataset, policy, sensitivity },
				),
			)?;
			if rules == terms::single_rule(policy) {
				Rules::<T>::remove(dataset);
			} else {
				Rules::<T>::insert(dataset, rules);
			}
			let hook = T::OnPolicyChange::on_policy_changed(dataset, policy, sensitivity);
			Ok(Some(
				T::WeightInfo::set_access_policy()
					.saturating_add(Self::earlier_versions_weight(earlier))
					.saturating_add(hook),
			)
			.into())
		}

		/// Mark the active `dataset` as deprecated: still current, but its use
		/// is discouraged.
		#[pallet::call_index(4)]
		#[pallet::weight(T::WeightInfo::deprecate_dataset())]
		pub fn deprecate_dataset(origin: OriginFor<T>, dataset: DatasetId) -> DispatchResult {
			let (who, mut record) = Self::ensure_owner_publisher(origin, dataset)?;
			match record.status {
				DatasetStatus::Active => {},
				DatasetStatus::Deprecated => return Err(Error::<T>::AlreadyDeprecated.into()),
				DatasetStatus::Superseded => return Err(Error::<T>::DatasetSuperseded.into()),
				DatasetStatus::Withdrawn => return Err(Error::<T>::DatasetWithdrawn.into()),
			}
			record.status = DatasetStatus::Deprecated;
			record.updated = Self::now();
			let owner = record.owner;
			Datasets::<T>::insert(dataset, record);
			Self::emit(
				who,
				owner,
				AuditAction::DatasetDeprecated,
				dataset,
				Event::DatasetDeprecated { dataset },
			);
			Ok(())
		}

		/// Withdraw `dataset`, its current version, and every earlier version
		/// for good. The records stay, as history; [`Config::OnWithdraw`] is
		/// told of each version: the access contracts of the current version
		/// end at once, those of earlier versions grant nothing from now on
		/// and end as later blocks have room.
		#[pallet::call_index(5)]
		#[pallet::weight(
			T::WeightInfo::withdraw_dataset()
				.saturating_add(Pallet::<T>::earlier_withdrawals_weight(MAX_HISTORY - 1))
				.saturating_add(T::OnWithdraw::max_weight())
		)]
		pub fn withdraw_dataset(
			origin: OriginFor<T>,
			dataset: DatasetId,
		) -> DispatchResultWithPostInfo {
			let earlier = Self::change_every_version(
				origin,
				dataset,
				|_| Ok(()),
				|r, stamp| (r.status, r.updated) = (DatasetStatus::Withdrawn, stamp),
				|id| {
					T::OnWithdraw::on_earlier_version_withdrawn(id);
				},
				(AuditAction::DatasetWithdrawn, Event::DatasetWithdrawn { dataset }),
			)?;
			let hook = T::OnWithdraw::on_dataset_withdrawn(dataset);
			Ok(Some(
				T::WeightInfo::withdraw_dataset()
					.saturating_add(Self::earlier_withdrawals_weight(earlier))
					.saturating_add(hook),
			)
			.into())
		}
	}

	impl<T: Config> Pallet<T> {
		/// The record is its dataset's current version: not superseded, not
		/// withdrawn.
		fn ensure_current(record: &DatasetOf<T>) -> DispatchResult {
			match record.status {
				DatasetStatus::Superseded => Err(Error::<T>::DatasetSuperseded.into()),
				DatasetStatus::Withdrawn => Err(Error::<T>::DatasetWithdrawn.into()),
				DatasetStatus::Active | DatasetStatus::Deprecated => Ok(()),
			}
		}

		/// What `set_access_policy` and `withdraw_dataset` share: if the
		/// signer is a Publisher of the department that owns `dataset`, the
		/// current version, and `check` passes, applies `change` (with the
		/// block's stamp) to the record and to every earlier version,
		/// telling `on_earlier` of each earlier one, then records `action`
		/// and deposits `event`. Returns how many earlier versions changed.
		fn change_every_version(
			origin: OriginFor<T>,
			dataset: DatasetId,
			check: impl FnOnce(&DatasetOf<T>) -> DispatchResult,
			change: impl Fn(&mut DatasetOf<T>, Stamp<BlockNumberFor<T>>),
			on_earlier: impl Fn(DatasetId),
			(action, event): (AuditAction, Event<T>),
		) -> Result<u32, DispatchError> {
			let (who, mut record) = Self::ensure_owner_publisher(origin, dataset)?;
			Self::ensure_current(&record)?;
			check(&record)?;
			let stamp = Self::now();
			let earlier = Self::update_earlier_versions(&record, |id, r| {
				change(r, stamp);
				on_earlier(id);
			});
			change(&mut record, stamp);
			let owner = record.owner;
			Datasets::<T>::insert(dataset, record);
			Self::emit(who, owner, action, dataset, event);
			Ok(earlier)
		}

		/// Applies `change` to every earlier version of `record` (at most
		/// `MAX_HISTORY - 1`: `publish_version` stops there); returns how
		/// many it changed.
		fn update_earlier_versions(
			record: &DatasetOf<T>,
			change: impl Fn(DatasetId, &mut DatasetOf<T>),
		) -> u32 {
			let mut changed = 0;
			let mut next = record.predecessor;
			while let Some(id) = next {
				let Some(mut earlier) = Datasets::<T>::get(id) else { break };
				next = earlier.predecessor;
				change(id, &mut earlier);
				Datasets::<T>::insert(id, earlier);
				changed += 1;
			}
			changed
		}

		/// Reading and writing `n` earlier versions' records, on top of a
		/// call's benchmarked weight: each one read and written, and its
		/// largest encoding (plus the trie overhead frame-benchmarking counts
		/// for a map entry) in the proof.
		pub fn earlier_versions_weight(n: u32) -> Weight {
			let proof =
				(DatasetOf::<T>::max_encoded_len() as u64).saturating_add(MAP_ENTRY_PROOF_OVERHEAD);
			T::DbWeight::get()
				.reads_writes(n.into(), n.into())
				.saturating_add(Weight::from_parts(0, proof.saturating_mul(n.into())))
		}

		/// [`Self::earlier_versions_weight`] and telling
		/// [`Config::OnWithdraw`] of each of the `n` versions.
		pub fn earlier_withdrawals_weight(n: u32) -> Weight {
			Self::earlier_versions_weight(n).saturating_add(
				T::OnWithdraw::earlier_version_max_weight().saturating_mul(n.into()),
			)
		}

		/// The signer and their department, if the signer is a Publisher of an
		/// active department.
		pub fn ensure_publisher(
			origin: OriginFor<T>,
		) -> Result<(T::AccountId, DepartmentId), DispatchError> {
			let who = ensure_signed(origin)?;
			let membership = T::Departments::active_member(&who, Some(Role::Publisher))
				.map_err(Error::<T>::from)?;
			Ok((who, membership.department))
		}

		/// The signer and the record of `dataset`, if the signer is a
		/// Publisher of the active department that owns it.
		fn ensure_owner_publisher(
			origin: OriginFor<T>,
			dataset: DatasetId,
		) -> Result<(T::AccountId, DatasetOf<T>), DispatchError> {
			let (who, department) = Self::ensure_publisher(origin)?;
			let record = Datasets::<T>::get(dataset).ok_or(Error::<T>::UnknownDataset)?;
			ensure!(record.owner == department, Error::<T>::NotOwner);
			Ok((who, record))
		}

		/// Records the call's entry in the audit log and deposits its event.
		fn emit(
			publisher: T::AccountId,
			owner: DepartmentId,
			action: AuditAction,
			dataset: DatasetId,
			event: Event<T>,
		) {
			T::Audit::record_events(
				Actor::Account(publisher),
				Some(owner),
				action,
				Subject::Dataset(dataset),
				[event],
				Self::deposit_event,
			);
		}

		fn now() -> Stamp<BlockNumberFor<T>> {
			Stamp {
				block: frame_system::Pallet::<T>::block_number(),
				time: T::Time::now().as_millis().try_into().unwrap_or(u64::MAX),
			}
		}

		/// The rules of `record`, stored under `id`.
		pub fn rules_of(id: DatasetId, record: &DatasetOf<T>) -> Policy {
			Rules::<T>::get(id).unwrap_or_else(|| terms::single_rule(record.policy))
		}

		/// Stores a new record under the next id and files it under its
		/// owner.
		fn insert_record(record: DatasetOf<T>) -> DatasetId {
			let id = NextDatasetId::<T>::get();
			owners::insert::<T>(record.owner, id);
			Datasets::<T>::insert(id, record);
			NextDatasetId::<T>::put(id.saturating_add(1));
			id
		}
	}
}

impl<T: Config> DatasetRegistry for Pallet<T> {
	fn dataset(id: DatasetId) -> Option<DatasetSummary> {
		Datasets::<T>::get(id).map(|d| DatasetSummary {
			owner: d.owner,
			status: d.status,
			policy: d.policy,
			rules: Self::rules_of(id, &d),
			sensitivity: d.sensitivity,
			version: d.version,
			bbox: d.bbox,
			time: d.time,
			content_hash: d.content_hash,
		})
	}
}

#[cfg(feature = "runtime-benchmarks")]
impl<T: Config> citychain_primitives::access::DatasetsBenchmarkHelper<T::AccountId> for Pallet<T> {
	fn new_dataset(publisher: &T::AccountId, policy: AccessPolicy) -> DatasetId {
		let id = NextDatasetId::<T>::get();
		Self::register_dataset(
			frame_system::RawOrigin::Signed(publisher.clone()).into(),
			benchmarking::description(),
			benchmarking::content(),
			policy,
			Sensitivity::Internal,
		)
		.expect("the publisher may register a valid dataset");
		id
	}

	fn set_rules(publisher: &T::AccountId, dataset: DatasetId, rules: Policy) {
		let sensitivity =
			Datasets::<T>::get(dataset).map_or(Sensitivity::Internal, |d| d.sensitivity);
		Self::set_access_policy(
			frame_system::RawOrigin::Signed(publisher.clone()).into(),
			dataset,
			rules,
			sensitivity,
		)
		.expect("the publisher may set the rules");
	}
}
