//! An in-memory department directory for the unit tests of pallets that
//! depend on [`DepartmentDirectory`], with `u64` accounts, and a clock. Each
//! test thread has its own; [`TestDirectory::clear`] empties it.

use crate::departments::{
	DepartmentDirectory, DepartmentId, DepartmentKind, DepartmentStatus,
	DepartmentsBenchmarkHelper, EncryptionKey, Membership, Roles,
};
use core::cell::RefCell;
use std::collections::BTreeMap;

struct DepartmentEntry {
	kind: DepartmentKind,
	status: DepartmentStatus,
	key: Option<EncryptionKey>,
}

thread_local! {
	static NOW_MS: RefCell<u64> = const { RefCell::new(0) };
	static MEMBERS: RefCell<BTreeMap<u64, (DepartmentId, Roles)>> = const { RefCell::new(BTreeMap::new()) };
	static DEPARTMENTS: RefCell<BTreeMap<DepartmentId, DepartmentEntry>> =
		const { RefCell::new(BTreeMap::new()) };
}

/// The department directory of a test.
pub struct TestDirectory;

impl TestDirectory {
	/// Forgets every department and member.
	pub fn clear() {
		MEMBERS.with(|m| m.borrow_mut().clear());
		DEPARTMENTS.with(|d| d.borrow_mut().clear());
	}

	pub fn add_department(id: DepartmentId, kind: DepartmentKind) {
		let entry = DepartmentEntry { kind, status: DepartmentStatus::Active, key: None };
		DEPARTMENTS.with(|d| d.borrow_mut().insert(id, entry));
	}

	pub fn add_member(who: u64, department: DepartmentId, roles: Roles) {
		MEMBERS.with(|m| m.borrow_mut().insert(who, (department, roles)));
	}

	pub fn set_status(id: DepartmentId, status: DepartmentStatus) {
		DEPARTMENTS.with(|d| {
			if let Some(entry) = d.borrow_mut().get_mut(&id) {
				entry.status = status;
			}
		});
	}

	pub fn set_key(id: DepartmentId, key: EncryptionKey) {
		DEPARTMENTS.with(|d| {
			if let Some(entry) = d.borrow_mut().get_mut(&id) {
				entry.key = Some(key);
			}
		});
	}
}

impl DepartmentDirectory<u64> for TestDirectory {
	fn membership(who: &u64) -> Option<Membership> {
		let (department, roles) = MEMBERS.with(|m| m.borrow().get(who).copied())?;
		let (kind, status) = Self::department(department)?;
		Some(Membership { department, kind, status, roles })
	}

	fn department(id: DepartmentId) -> Option<(DepartmentKind, DepartmentStatus)> {
		DEPARTMENTS.with(|d| d.borrow().get(&id).map(|e| (e.kind, e.status)))
	}

	fn encryption_key(id: DepartmentId) -> Option<EncryptionKey> {
		DEPARTMENTS.with(|d| d.borrow().get(&id).and_then(|e| e.key))
	}
}

impl DepartmentsBenchmarkHelper<u64> for TestDirectory {
	fn new_member(kind: DepartmentKind, roles: Roles) -> u64 {
		let id = DEPARTMENTS.with(|d| d.borrow().len() as DepartmentId);
		let who = 1_000 + u64::from(id);
		Self::add_department(id, kind);
		Self::add_member(who, id, roles);
		who
	}

	fn set_encryption_key(who: &u64, key: EncryptionKey) {
		if let Some(m) = Self::membership(who) {
			Self::set_key(m.department, key);
		}
	}
}

/// The clock of a test, in ms since the epoch (0 until set).
pub struct TestClock;

impl TestClock {
	pub fn set(ms: u64) {
		NOW_MS.with(|n| *n.borrow_mut() = ms);
	}
}

impl frame_support::traits::UnixTime for TestClock {
	fn now() -> core::time::Duration {
		core::time::Duration::from_millis(NOW_MS.with(|n| *n.borrow()))
	}
}
