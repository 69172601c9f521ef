//! Externalities that count the storage reads the runtime makes: every
//! `get` of a value and every step to the next key, the two host calls a
//! search is made of, and the two the weight of a read is charged for.

use sp_externalities::{Extension, Externalities, ExtensionStore, MultiRemovalResults};
use sp_core::storage::{ChildInfo, StateVersion, TrackedStorageKey};
use std::any::{Any, TypeId};

/// Reads of one run.
#[derive(Clone, Copy, Default, Debug, PartialEq, Eq)]
pub struct Reads {
	/// Values read by key.
	pub gets: u32,
	/// Steps to the next key.
	pub next_keys: u32,
}

impl Reads {
	pub fn total(&self) -> u32 {
		self.gets + self.next_keys
	}
}

/// Runs `f` against `ext` and returns its result and the reads it made.
pub fn count_reads<R>(ext: &mut sp_io::TestExternalities, f: impl FnOnce() -> R) -> (R, Reads) {
	let mut inner = ext.ext();
	let mut counting = Counting { inner: &mut inner, reads: Reads::default() };
	let result = sp_externalities::set_and_run_with_externalities(&mut counting, f);
	(result, counting.reads)
}

struct Counting<'a> {
	inner: &'a mut dyn Externalities,
	reads: Reads,
}

impl ExtensionStore for Counting<'_> {
	fn extension_by_type_id(&mut self, type_id: TypeId) -> Option<&mut dyn Any> {
		self.inner.extension_by_type_id(type_id)
	}

	fn register_extension_with_type_id(
		&mut self,
		type_id: TypeId,
		extension: Box<dyn Extension>,
	) -> Result<(), sp_externalities::Error> {
		self.inner.register_extension_with_type_id(type_id, extension)
	}

	fn deregister_extension_by_type_id(&mut self, type_id: TypeId) -> Result<(), sp_externalities::Error> {
		self.inner.deregister_extension_by_type_id(type_id)
	}
}

impl Externalities for Counting<'_> {
	fn set_offchain_storage(&mut self, key: &[u8], value: Option<&[u8]>) {
		self.inner.set_offchain_storage(key, value)
	}

	fn storage(&mut self, key: &[u8]) -> Option<Vec<u8>> {
		self.reads.gets += 1;
		self.inner.storage(key)
	}

	fn storage_hash(&mut self, key: &[u8]) -> Option<Vec<u8>> {
		self.reads.gets += 1;
		self.inner.storage_hash(key)
	}

	fn child_storage_hash(&mut self, child_info: &ChildInfo, key: &[u8]) -> Option<Vec<u8>> {
		self.reads.gets += 1;
		self.inner.child_storage_hash(child_info, key)
	}

	fn child_storage(&mut self, child_info: &ChildInfo, key: &[u8]) -> Option<Vec<u8>> {
		self.reads.gets += 1;
		self.inner.child_storage(child_info, key)
	}

	fn exists_storage(&mut self, key: &[u8]) -> bool {
		self.reads.gets += 1;
		self.inner.exists_storage(key)
	}

	fn next_storage_key(&mut self, key: &[u8]) -> Option<Vec<u8>> {
		self.reads.next_keys += 1;
		self.inner.next_storage_key(key)
	}

	fn next_child_storage_key(&mut self, child_info: &ChildInfo, key: &[u8]) -> Option<Vec<u8>> {
		self.reads.next_keys += 1;
		self.inner.next_child_storage_key(child_info, key)
	}

	fn kill_child_storage(
		&mut self,
		child_info: &ChildInfo,
		maybe_limit: Option<u32>,
		maybe_cursor: Option<&[u8]>,
	) -> MultiRemovalResults {
		self.inner.kill_child_storage(child_info, maybe_limit, maybe_cursor)
	}

	fn clear_prefix(
		&mut self,
		prefix: &[u8],
		maybe_limit: Option<u32>,
		maybe_cursor: Option<&[u8]>,
	) -> MultiRemovalResults {
		self.inner.clear_prefix(prefix, maybe_limit, maybe_cursor)
	}

	fn clear_child_prefix(
		&mut self,
		child_info: &ChildInfo,
		prefix: &[u8],
		maybe_limit: Option<u32>,
		maybe_cursor: Option<&[u8]>,
	) -> MultiRemovalResults {
		self.inner.clear_child_prefix(child_info, prefix, maybe_limit, maybe_cursor)
	}

	fn place_storage(&mut self, key: Vec<u8>, value: Option<Vec<u8>>) {
		self.inner.place_storage(key, value)
	}

	fn place_child_storage(&mut self, child_info: &ChildInfo, key: Vec<u8>, value: Option<Vec<u8>>) {
		self.inner.place_child_storage(child_info, key, value)
	}

	fn storage_root(&mut self, state_version: StateVersion) -> Vec<u8> {
		self.inner.storage_root(state_version)
	}

	fn child_storage_root(&mut self, child_info: &ChildInfo, state_version: StateVersion) -> Vec<u8> {
		self.inner.child_storage_root(child_info, state_version)
	}

	fn storage_append(&mut self, key: Vec<u8>, value: Vec<u8>) {
		self.inner.storage_append(key, value)
	}

	fn storage_start_transaction(&mut self) {
		self.inner.storage_start_transaction()
	}

	fn storage_rollback_transaction(&mut self) -> Result<(), ()> {
		self.inner.storage_rollback_transaction()
	}

	fn storage_commit_transaction(&mut self) -> Result<(), ()> {
		self.inner.storage_commit_transaction()
	}

	fn wipe(&mut self) {
		self.inner.wipe()
	}

	fn commit(&mut self) {
		self.inner.commit()
	}

	fn read_write_count(&self) -> (u32, u32, u32, u32) {
		self.inner.read_write_count()
	}

	fn reset_read_write_count(&mut self) {
		self.inner.reset_read_write_count()
	}

	fn get_whitelist(&self) -> Vec<TrackedStorageKey> {
		self.inner.get_whitelist()
	}

	fn set_whitelist(&mut self, new: Vec<TrackedStorageKey>) {
		self.inner.set_whitelist(new)
	}

	fn get_read_and_written_keys(&self) -> Vec<(Vec<u8>, u32, u32, bool)> {
		self.inner.get_read_and_written_keys()
	}
}

