//! # Audit
//!
//! Step 5 of the sharing process: every state change of the departments,
//! datasets and access pallets is appended to a hash-chained log that the
//! regulator supervises and that anyone can verify.
//!
//! ## Concepts
//!
//! - An **entry** ([`Entry`]) has an index, block, time, actor (an account,
//!   governance or the chain itself), the actor's department, an action from a
//!   closed list ([`AuditAction`]), a subject (department, dataset or
//!   contract), the digest of the action's details, and
//!   `hash = blake2_256(previous hash ++ SCALE(body))`. [`Head`] and [`Count`]
//!   are the chain's end.
//! - Beside the hash chain, a **Merkle Mountain Range** over the entries
//!   (`citychain-log-proof`): entry `i`'s leaf is
//!   `blake2_256(0x00 ++ SCALE(body))`, [`Peaks`] holds the log's size and
//!   peaks (their bag is the log's root, the RFC 9162 Merkle tree hash), and
//!   [`Nodes`] the nodes each append created, so that anyone can be given an
//!   O(log n) proof that an entry is in the log ([`inclusion_proof`](Pallet::inclusion_proof))
//!   and that the log only grew between two sizes
//!   ([`consistency_proof`](Pallet::consistency_proof)), and check it
//!   against the root read with a storage proof. Appending costs one write
//!   and, on average, two hashes per entry.
//! - The other pallets record through the [`AuditSink`] trait inside their own
//!   calls, so a failed call records nothing. This pallet's [`AuditSink`]
//!   implementation is what the runtime wires in.
//! - Entries are indexed by department and by subject. No call edits or
//!   deletes an entry.
//! - **Retention**: governance may set a horizon; entry bodies older than it
//!   are pruned in `on_idle`, keeping the hash of the last pruned entry
//!   ([`Pruned`]) so the chain stays verifiable from there on. The pruned
//!   bodies remain in the chain's events and in off-chain exports. Pruning
//!   also drops the nodes no proof about a stored entry needs: what remains
//!   of the pruned part is the peaks of the log at the pruning point.
//!
//! ## Dispatchables
//!
//! - [`flag`](Pallet::flag): an Auditor annotates a subject.
//! - [`set_retention`](Pallet::set_retention): governance sets or clears the
//!   retention horizon.

#![cfg_attr(not(feature = "std"), no_std)]

extern crate alloc;

pub use pallet::*;

#[cfg(feature = "runtime-benchmarks")]
mod benchmarking;
#[cfg(test)]
mod mock;
#[cfg(test)]
mod tests;
#[cfg(any(feature = "try-runtime", feature = "std"))]
mod try_state;
pub mod weights;

pub use citychain_primitives::{
	audit::{
		log_proof, Actor, AuditAction, AuditQueryError, AuditSink, Entry, EntryBody, EntryIndex,
		EntryPage, EntryQuery, Hash32, LogProofError, Subject, Verification, MAX_NOTE_LEN,
		MAX_VERIFY_SPAN,
	},
	datasets::{BoundedBytes, MAX_SEARCH_SCAN},
	DepartmentDirectory, DepartmentId, Role,
};
pub use weights::WeightInfo;

#[frame_support::pallet]
pub mod pallet {
	use super::*;
	use alloc::{boxed::Box, vec::Vec};
	use codec::{Decode, Encode, MaxEncodedLen};
	use frame_support::{
		pallet_prelude::*,
		storage::StoragePrefixedMap,
		traits::{Contains, UnixTime},
	};
	use frame_system::pallet_prelude::*;
	use sp_runtime::traits::Saturating;

	/// The entry as stored.
	pub type EntryOf<T> = Entry<<T as frame_system::Config>::AccountId, BlockNumberFor<T>>;

	/// Where the stored part of the chain starts.
	#[derive(
		Clone, Copy, PartialEq, Eq, Default, Debug, Encode, Decode, MaxEncodedLen, TypeInfo,
	)]
	pub struct PrunedTo {
		/// The first entry whose body is still stored.
		pub before: EntryIndex,
		/// The hash of entry `before - 1` (zeroes if nothing was pruned).
		pub head: Hash32,
	}

	/// 0: the layout as first released.
	pub const STORAGE_VERSION: StorageVersion = StorageVersion::new(0);

	#[pallet::pallet]
	#[pallet::storage_version(STORAGE_VERSION)]
	pub struct Pallet<T>(_);

	#[pallet::config]
	pub trait Config: frame_system::Config<RuntimeEvent: From<Event<Self>>> {
		/// Who is a member of which department, with which roles.
		type Departments: DepartmentDirectory<Self::AccountId>;

		/// The subjects that exist (departments, datasets, contracts).
		type KnownSubjects: Contains<Subject>;

		/// The time of the current block, for the entries.
		type Time: UnixTime;

		/// Who may set the retention horizon: Root or a council motion.
		type GovernanceOrigin: EnsureOrigin<Self::RuntimeOrigin>;

		/// The shortest retention horizon governance may set, in blocks.
		#[pallet::constant]
		type MinRetention: Get<BlockNumberFor<Self>>;

		/// Most entry bodies pruned in one block.
		#[pallet::constant]
		type MaxPrunePerBlock: Get<u32>;

		/// Weights of this pallet's calls and hooks.
		type WeightInfo: WeightInfo;

		/// Makes auditors for the benchmarks.
		#[cfg(feature = "runtime-benchmarks")]
		type BenchmarkHelper: citychain_primitives::DepartmentsBenchmarkHelper<Self::AccountId>;
	}

	/// Entries by index.
	#[pallet::storage]
	pub type Entries<T: Config> = StorageMap<_, Twox64Concat, EntryIndex, EntryOf<T>>;

	/// The hash of the last entry (zeroes before the first). Whitelisted,
	/// like [`Count`]: every call that records an entry reads and writes
	/// both, so their first read and their one write of a block are
	/// charged once, in `on_initialize`, not by each call.
	#[pallet::storage]
	#[pallet::whitelist_storage]
	pub type Head<T> = StorageValue<_, Hash32, ValueQuery>;

	/// How many entries were ever appended: the index of the next one.
	#[pallet::storage]
	#[pallet::whitelist_storage]
	pub type Count<T> = StorageValue<_, EntryIndex, ValueQuery>;

	/// The log's Merkle Mountain Range: its size (equal to [`Count`]) and its
	/// peaks, left to right; their bag is the log's root. Whitelisted like
	/// [`Head`]: read and written once a block, charged in `on_initialize`.
	#[pallet::storage]
	#[pallet::whitelist_storage]
	pub type Peaks<T> = StorageValue<_, log_proof::Peaks, ValueQuery>;

	/// The nodes the append of entry `i` created, by height: its leaf, then
	/// one parent per trailing 1 bit of `i` (node `(h, j)` is the `h`-th of
	/// entry `(j + 1)·2^h − 1`). One write per entry, two hashes on average.
	#[pallet::storage]
	pub type Nodes<T: Config> = StorageMap<
		_,
		Twox64Concat,
		EntryIndex,
		BoundedVec<Hash32, ConstU32<{ log_proof::MAX_PEAKS as u32 }>>,
	>;

	/// Entries by the actor's department: (department, index), big-endian.
	#[pallet::storage]
	pub type ByDepartment<T: Config> = StorageMap<_, Identity, ([u8; 4], [u8; 8]), ()>;

	/// Entries by subject: ((kind, id), index), big-endian.
	#[pallet::storage]
	pub type BySubject<T: Config> = StorageMap<_, Identity, ((u8, [u8; 8]), [u8; 8]), ()>;

	/// Blocks an entry body is kept; `None` keeps every body.
	#[pallet::storage]
	pub type Retention<T: Config> = StorageValue<_, BlockNumberFor<T>>;

	/// Where the stored part of the chain starts.
	#[pallet::storage]
	pub type Pruned<T: Config> = StorageValue<_, PrunedTo, ValueQuery>;

	#[pallet::event]
	#[pallet::generate_deposit(pub(super) fn deposit_event)]
	pub enum Event<T: Config> {
		/// An entry was appended.
		Recorded { index: EntryIndex, action: AuditAction, subject: Subject, hash: Hash32 },
		/// An Auditor annotated a subject (entry `index`).
		Flagged { index: EntryIndex, subject: Subject, auditor: T::AccountId },
		/// Governance set the retention horizon (`None`: keep everything).
		RetentionSet { horizon: Option<BlockNumberFor<T>> },
		/// Entry bodies before `before` were pruned; `head` is the hash of
		/// the last pruned entry.
		EntriesPruned { before: EntryIndex, head: Hash32 },
	}

	#[pallet::error]
	pub enum Error<T> {
		/// The caller is not a member of any department.
		NotMember,
		/// The caller's department is suspended or retired.
		DepartmentNotActive,
		/// The caller does not hold the Auditor role.
		NotAuditor,
		/// No department, dataset or contract has this id.
		UnknownSubject,
		/// The note is empty.
		EmptyNote,
		/// The note is longer than `MAX_NOTE_LEN`.
		NoteTooLong,
		/// The horizon is shorter than `MinRetention`.
		HorizonTooShort,
		/// The horizon is the one in force.
		NothingToUpdate,
	}

	citychain_primitives::not_acting_errors!(Error, NotAuditor);

	#[pallet::hooks]
	impl<T: Config> Hooks<BlockNumberFor<T>> for Pallet<T> {
		/// [`Head`], [`Count`] and [`Peaks`]: one read and one write each a
		/// block, however many entries the block records (after the first
		/// access they are in the block's overlay, and the block commits each
		/// once).
		fn on_initialize(_now: BlockNumberFor<T>) -> Weight {
			T::DbWeight::get().reads_writes(3, 3)
		}

		fn on_idle(now: BlockNumberFor<T>, remaining: Weight) -> Weight {
			let Some(horizon) = Retention::<T>::get() else { return Weight::zero() };
			let per_entry = T::WeightInfo::prune(1).saturating_sub(T::WeightInfo::prune(0));
			// Pruning may drop, beyond one record of nodes per entry (which
			// the benchmark measures), every peak's record it started with.
			let base = T::WeightInfo::prune(0)
				.saturating_add(T::DbWeight::get().writes(log_proof::MAX_PEAKS as u64));
			if remaining.any_lt(base.saturating_add(per_entry)) {
				return Weight::zero();
			}
			let affordable = remaining
				.saturating_sub(base)
				.checked_div_per_component(&per_entry)
				.unwrap_or(0)
				.min(u64::from(T::MaxPrunePerBlock::get())) as u32;
			let (pruned, dropped) = Self::prune(now.saturating_sub(horizon), affordable);
			T::WeightInfo::prune(pruned)
				.saturating_add(T::DbWeight::get().writes(dropped.saturating_sub(pruned).into()))
		}

		#[cfg(feature = "try-runtime")]
		fn try_state(_n: BlockNumberFor<T>) -> Result<(), sp_runtime::TryRuntimeError> {
			Self::do_try_state()
		}
	}

	#[pallet::call]
	impl<T: Config> Pallet<T> {
		/// Annotate `subject` with `note` (suspected misuse, dispute resolved,
		/// ...), as a member with the Auditor role.
		#[pallet::call_index(0)]
		#[pallet::weight(T::WeightInfo::flag())]
		pub fn flag(origin: OriginFor<T>, subject: Subject, note: Vec<u8>) -> DispatchResult {
			let who = ensure_signed(origin)?;
			let membership = T::Departments::active_member(&who, Some(Role::Auditor))
				.map_err(Error::<T>::from)?;
			ensure!(T::KnownSubjects::contains(&subject), Error::<T>::UnknownSubject);
			ensure!(!note.is_empty(), Error::<T>::EmptyNote);
			let note: BoundedBytes<MAX_NOTE_LEN> =
				note.try_into().map_err(|_| Error::<T>::NoteTooLong)?;
			let index = Self::append(
				Actor::Account(who.clone()),
				Some(membership.department),
				AuditAction::Flagged,
				subject,
				&note,
			);
			Self::deposit_event(Event::Flagged { index, subject, auditor: who });
			Ok(())
		}

		/// Keep entry bodies for `horizon` blocks (at least `MinRetention`);
		/// `None` keeps them all. Older bodies are pruned when blocks have
		/// room to spare.
		#[pallet::call_index(1)]
		#[pallet::weight(T::WeightInfo::set_retention())]
		pub fn set_retention(
			origin: OriginFor<T>,
			horizon: Option<BlockNumberFor<T>>,
		) -> DispatchResult {
			T::GovernanceOrigin::ensure_origin(origin)?;
			ensure!(Retention::<T>::get() != horizon, Error::<T>::NothingToUpdate);
			if let Some(h) = horizon {
				ensure!(h >= T::MinRetention::get(), Error::<T>::HorizonTooShort);
			}
			Retention::<T>::set(horizon);
			Self::deposit_event(Event::RetentionSet { horizon });
			Ok(())
		}
	}

	impl<T: Config> Pallet<T> {
		/// Appends an entry and returns its index.
		pub(crate) fn append(
			actor: Actor<T::AccountId>,
			department: Option<DepartmentId>,
			action: AuditAction,
			subject: Subject,
			details: &[u8],
		) -> EntryIndex {
			let index = Count::<T>::get();
			let body = EntryBody {
				index,
				block: frame_system::Pallet::<T>::block_number(),
				time: T::Time::now().as_millis().try_into().unwrap_or(u64::MAX),
				actor,
				department,
				action,
				subject,
				digest: sp_io::hashing::blake2_256(details),
			};
			let hash = body.chain(&Head::<T>::get());
			let mut peaks = Peaks::<T>::get();
			// Refused only for the 2^64-th entry, which `Count` cannot index.
			if let Ok(created) = peaks.append(body.leaf()) {
				let hashes = created.into_iter().map(|(_, h)| h).collect::<Vec<_>>();
				Nodes::<T>::insert(index, BoundedVec::truncate_from(hashes));
				Peaks::<T>::put(peaks);
			}
			if let Some(d) = department {
				ByDepartment::<T>::insert((d.to_be_bytes(), index.to_be_bytes()), ());
			}
			BySubject::<T>::insert((subject.key(), index.to_be_bytes()), ());
			Entries::<T>::insert(index, Entry { body, hash });
			Head::<T>::put(hash);
			Count::<T>::put(index.saturating_add(1));
			Self::deposit_event(Event::Recorded { index, action, subject, hash });
			index
		}

		/// Prunes up to `max` entry bodies from blocks before `cutoff`, and
		/// the nodes no proof about a later entry reads; returns how many
		/// bodies, and how many entries' nodes.
		pub(crate) fn prune(cutoff: BlockNumberFor<T>, max: u32) -> (u32, u32) {
			let mut pruned = Pruned::<T>::get();
			let mut done = 0;
			let mut dropped = 0u32;
			while done < max && pruned.before < Count::<T>::get() {
				let Some(entry) = Entries::<T>::get(pruned.before) else { break };
				if entry.body.block >= cutoff {
					break;
				}
				let index = entry.body.index.to_be_bytes();
				if let Some(d) = entry.body.department {
					ByDepartment::<T>::remove((d.to_be_bytes(), index));
				}
				BySubject::<T>::remove((entry.body.subject.key(), index));
				Entries::<T>::remove(pruned.before);
				let before = pruned.before.saturating_add(1);
				// A proof about entries from `before` on reads, of the nodes
				// before it, only the peaks of the log of `before` entries.
				let kept: Vec<EntryIndex> = peak_records(before).collect();
				for record in peak_records(pruned.before).filter(|r| !kept.contains(r)) {
					Nodes::<T>::remove(record);
					dropped += 1;
				}
				pruned = PrunedTo { before, head: entry.hash };
				done += 1;
			}
			if done > 0 {
				Pruned::<T>::put(pruned);
				Self::deposit_event(Event::EntriesPruned {
					before: pruned.before,
					head: pruned.head,
				});
			}
			(done, dropped)
		}

		/// The size and root of the log when it had `size` entries (default:
		/// now).
		pub fn root(size: Option<u64>) -> Result<(u64, Hash32), LogProofError> {
			let size = Self::proof_size(size)?;
			if size == Count::<T>::get() {
				return Ok((size, Peaks::<T>::get().root()));
			}
			let root = log_proof::root_at(&StoredNodes::<T>(PhantomData), size)
				.map_err(Self::proof_error)?;
			Ok((size, root))
		}

		/// The proof that entry `index` is in the log of `size` entries
		/// (default: now): at most 64 hashes, as many reads.
		pub fn inclusion_proof(
			index: EntryIndex,
			size: Option<u64>,
		) -> Result<log_proof::InclusionProof, LogProofError> {
			let size = Self::proof_size(size)?;
			log_proof::inclusion_proof(&StoredNodes::<T>(PhantomData), index, size)
				.map_err(Self::proof_error)
		}

		/// The proof that the log of `new_size` entries (default: now)
		/// extends the log of `old_size`: at most 65 hashes.
		pub fn consistency_proof(
			old_size: u64,
			new_size: Option<u64>,
		) -> Result<log_proof::ConsistencyProof, LogProofError> {
			let new_size = Self::proof_size(new_size)?;
			log_proof::consistency_proof(&StoredNodes::<T>(PhantomData), old_size, new_size)
				.map_err(Self::proof_error)
		}

		fn proof_size(size: Option<u64>) -> Result<u64, LogProofError> {
			let count = Count::<T>::get();
			let size = size.unwrap_or(count);
			ensure!(size <= count, LogProofError::BeyondLog { size, count });
			Ok(size)
		}

		fn proof_error(e: log_proof::Error) -> LogProofError {
			match e {
				log_proof::Error::MissingNode(_) => {
					LogProofError::Pruned { pruned_before: Pruned::<T>::get().before }
				},
				e => LogProofError::Invalid(e),
			}
		}

		/// A page of the stored entries matching `query`, in index order. A
		/// department or subject filter is looked up in its index; at most
		/// `MAX_SEARCH_SCAN` entries are read per call.
		pub fn entries(
			query: EntryQuery,
		) -> Result<EntryPage<T::AccountId, BlockNumberFor<T>>, AuditQueryError> {
			let query = query.validate()?;
			let first = Pruned::<T>::get()
				.before
				.max(query.from_index.unwrap_or(0))
				.max(query.cursor.map_or(0, |c| c.saturating_add(1)));
			let last =
				Count::<T>::get().min(query.to_index.map_or(u64::MAX, |t| t.saturating_add(1)));
			let under = |prefix: &[u8], group: &[u8]| {
				citychain_primitives::paging::ids_after(
					[prefix, group].concat(),
					first.checked_sub(1),
				)
				.take_while(move |i| *i < last)
			};
			let ids: Box<dyn Iterator<Item = EntryIndex>> = if let Some(d) = query.department {
				Box::new(under(&ByDepartment::<T>::final_prefix(), &d.to_be_bytes()))
			} else if let Some(subject) = query.subject {
				Box::new(under(&BySubject::<T>::final_prefix(), &subject.key().encode()))
			} else {
				Box::new(first..last)
			};
			let (items, next) = citychain_primitives::paging::page(
				ids,
				query.limit as usize,
				MAX_SEARCH_SCAN as usize,
				Entries::<T>::get,
				|e| query.matches(&e.body),
			);
			Ok(EntryPage { items: items.into_iter().map(|(_, e)| e).collect(), next })
		}

		/// Recomputes the chain over the entries `from..=to` (default: every
		/// stored entry) from the hash before `from`; the first entry whose
		/// hash differs, or `Ok` with the last hash. A range that ends at the
		/// last entry is also checked against `Head`.
		pub fn verify(
			from: Option<EntryIndex>,
			to: Option<EntryIndex>,
		) -> Result<Verification, AuditQueryError> {
			let pruned = Pruned::<T>::get();
			let count = Count::<T>::get();
			let from = from.unwrap_or(pruned.before);
			if count == 0 || count == pruned.before {
				return Ok(Verification::Empty);
			}
			let to = to.unwrap_or(count - 1).min(count - 1);
			ensure!(from <= to, AuditQueryError::InvertedRange);
			ensure!(from >= pruned.before, AuditQueryError::Pruned);
			ensure!(to - from < MAX_VERIFY_SPAN, AuditQueryError::RangeTooLong);
			let mut previous = if from == pruned.before {
				pruned.head
			} else {
				match Entries::<T>::get(from - 1) {
					Some(e) => e.hash,
					None => return Ok(Verification::Broken { at: from - 1 }),
				}
			};
			for index in from..=to {
				let Some(entry) = Entries::<T>::get(index) else {
					return Ok(Verification::Broken { at: index });
				};
				if entry.body.index != index || entry.body.chain(&previous) != entry.hash {
					return Ok(Verification::Broken { at: index });
				}
				previous = entry.hash;
			}
			if to == count - 1 && previous != Head::<T>::get() {
				return Ok(Verification::Broken { at: to });
			}
			Ok(Verification::Ok { from, to, head: previous })
		}
	}
}

/// The entries whose append created the peaks of the log of `size`
/// entries: node `(h, j)` is the `h`-th [`Nodes`] of entry `(j + 1)·2^h − 1`.
fn peak_records(size: u64) -> impl Iterator<Item = EntryIndex> {
	log_proof::peak_ids(size).map(|p| ((p.index + 1) << p.height) - 1)
}

/// The nodes as [`Nodes`] stores them.
struct StoredNodes<T>(core::marker::PhantomData<T>);

impl<T: Config> log_proof::NodeStore for StoredNodes<T> {
	fn node(&self, id: log_proof::NodeId) -> Option<log_proof::Hash> {
		let end = id.index.checked_add(1)?.checked_mul(1u64.checked_shl(id.height.into())?)?;
		Nodes::<T>::get(end - 1)?.get(usize::from(id.height)).copied()
	}
}

impl<T: Config> AuditSink<T::AccountId> for Pallet<T> {
	fn record(
		actor: Actor<T::AccountId>,
		department: Option<DepartmentId>,
		action: AuditAction,
		subject: Subject,
		details: &[u8],
	) {
		Self::append(actor, department, action, subject, details);
	}
}
