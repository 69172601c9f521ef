//! Saved searches and inboxes, per account, kept in the data directory
//! (`subscriptions.json`, rewritten whole and renamed into place at each
//! change, readable by the gateway's user only: it holds the webhooks'
//! secrets). Each account also keeps the cursor up to which it has read its
//! notifications.
//!
//! A subscription is either a saved search (a STAC item-search body, matched
//! by the node's index against each new dataset or version) or the
//! account's inbox (requests it may decide, decisions on its department's
//! requests, disputes for a regulator); either may name a webhook.

use super::cursor::Cursor;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use std::{
	collections::BTreeMap,
	io,
	path::{Path, PathBuf},
	sync::Mutex,
};

const FILE: &str = "subscriptions.json";

/// Subscriptions one account may hold.
pub const MAX_PER_ACCOUNT: usize = 20;
/// Subscriptions the accounts of one department hold together.
pub const MAX_PER_DEPARTMENT: usize = 200;
/// Subscriptions the gateway holds in all.
pub const MAX_TOTAL: usize = 10_000;
/// The longest name, in characters.
pub const MAX_NAME_CHARS: usize = 100;
/// The largest subscription body, in bytes (a search with a detailed
/// polygon fits).
pub const MAX_BODY_BYTES: usize = 16 * 1024;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Subscription {
	pub id: String,
	/// SS58.
	pub account: String,
	/// The account's department when it subscribed.
	#[serde(default)]
	pub department: u32,
	pub name: String,
	/// The STAC item-search body (without `limit`, `token`, `sortby`,
	/// `fields`), or none for the inbox.
	#[serde(default, skip_serializing_if = "Option::is_none")]
	pub search: Option<Map<String, Value>>,
	#[serde(default, skip_serializing_if = "Option::is_none")]
	pub webhook: Option<String>,
	/// The webhook's signing key, hex; never shown after it is made.
	#[serde(default, skip_serializing_if = "Option::is_none")]
	pub secret: Option<String>,
	/// ms since the epoch.
	pub created: u64,
}

impl Subscription {
	/// As its owner sees it: everything but the secret.
	pub fn shown(&self) -> Value {
		let mut shown = serde_json::to_value(Subscription { secret: None, ..self.clone() })
			.expect("a subscription is JSON");
		shown["kind"] = if self.search.is_some() { "search" } else { "inbox" }.into();
		shown
	}
}

#[derive(Default, Serialize, Deserialize)]
struct Stored {
	subscriptions: Vec<Subscription>,
	/// Per account (SS58), the last notification it has read.
	read: BTreeMap<String, Cursor>,
}

/// Why a subscription was refused: whose share is full.
#[derive(Debug, PartialEq, Eq)]
pub enum Refused {
	/// The account holds [`MAX_PER_ACCOUNT`] already.
	Account,
	/// The department's accounts hold [`MAX_PER_DEPARTMENT`] already.
	Department,
	/// The gateway holds [`MAX_TOTAL`] already.
	Gateway,
}

pub struct Subscriptions {
	path: PathBuf,
	stored: Mutex<Stored>,
}

impl Subscriptions {
	pub fn open(dir: &Path) -> io::Result<Self> {
		let path = dir.join(FILE);
		let stored = match std::fs::read(&path) {
			Ok(bytes) => serde_json::from_slice(&bytes)?,
			Err(e) if e.kind() == io::ErrorKind::NotFound => Stored::default(),
			Err(e) => return Err(e),
		};
		Ok(Self { path, stored: Mutex::new(stored) })
	}

	fn lock(&self) -> std::sync::MutexGuard<'_, Stored> {
		self.stored.lock().unwrap_or_else(|p| p.into_inner())
	}

	fn save(&self, stored: &Stored) -> io::Result<()> {
		super::replace_file(&self.path, &serde_json::to_vec(stored)?)
	}

	/// Adds `subscription`, within the bounds.
	pub fn add(&self, subscription: Subscription) -> io::Result<Result<(), Refused>> {
		let mut stored = self.lock();
		if stored.subscriptions.len() >= MAX_TOTAL {
			return Ok(Err(Refused::Gateway));
		}
		let held = stored.subscriptions.iter().filter(|s| s.account == subscription.account);
		if held.count() >= MAX_PER_ACCOUNT {
			return Ok(Err(Refused::Account));
		}
		let department =
			stored.subscriptions.iter().filter(|s| s.department == subscription.department);
		if department.count() >= MAX_PER_DEPARTMENT {
			return Ok(Err(Refused::Department));
		}
		stored.subscriptions.push(subscription);
		self.save(&stored).map(Ok)
	}

	/// Removes `account`'s subscription `id`; whether there was one.
	pub fn remove(&self, account: &str, id: &str) -> io::Result<bool> {
		let mut stored = self.lock();
		let before = stored.subscriptions.len();
		stored.subscriptions.retain(|s| !(s.id == id && s.account == account));
		if stored.subscriptions.len() == before {
			return Ok(false);
		}
		self.save(&stored).map(|()| true)
	}

	/// `account`'s subscriptions.
	pub fn of(&self, account: &str) -> Vec<Subscription> {
		self.lock()
			.subscriptions
			.iter()
			.filter(|s| s.account == account)
			.cloned()
			.collect()
	}

	/// Subscription `id`.
	pub fn get(&self, id: &str) -> Option<Subscription> {
		self.lock().subscriptions.iter().find(|s| s.id == id).cloned()
	}

	/// Every subscription.
	pub fn all(&self) -> Vec<Subscription> {
		self.lock().subscriptions.clone()
	}

	/// The last notification `account` has read.
	pub fn read(&self, account: &str) -> Option<Cursor> {
		self.lock().read.get(account).copied()
	}

	/// Records that `account` has read up to `cursor` (never backwards).
	pub fn mark_read(&self, account: &str, cursor: Cursor) -> io::Result<Cursor> {
		let mut stored = self.lock();
		let read = stored.read.entry(account.to_string()).or_default();
		*read = (*read).max(cursor);
		let read = *read;
		self.save(&stored).map(|()| read)
	}
}

/// A subscription's name: its given one (at most [`MAX_NAME_CHARS`], no
/// control characters) or `default`.
pub fn name(given: Option<&str>, default: &str) -> Result<String, String> {
	match given.map(str::trim) {
		None | Some("") => Ok(default.into()),
		Some(n) if n.chars().count() > MAX_NAME_CHARS => {
			Err(format!("name: at most {MAX_NAME_CHARS} characters"))
		},
		Some(n) if n.chars().any(char::is_control) => Err("name: no control characters".into()),
		Some(n) => Ok(n.into()),
	}
}

#[cfg(test)]
mod tests {
	use super::*;

	fn subscription(account: &str, id: &str) -> Subscription {
		Subscription {
			id: id.into(),
			account: account.into(),
			department: account.len() as u32,
			name: "roads".into(),
			search: Some(Map::new()),
			webhook: Some("https://hooks.example/x".into()),
			secret: Some("00".repeat(32)),
			created: 1,
		}
	}

	#[test]
	fn an_account_holds_at_most_its_share_and_a_restart_keeps_them() {
		let dir = tempfile::tempdir().unwrap();
		let store = Subscriptions::open(dir.path()).unwrap();
		for i in 0..MAX_PER_ACCOUNT {
			assert_eq!(store.add(subscription("alice", &format!("a{i}"))).unwrap(), Ok(()));
		}
		assert_eq!(store.add(subscription("alice", "one-more")).unwrap(), Err(Refused::Account));
		assert_eq!(store.add(subscription("bob", "b0")).unwrap(), Ok(()));
		assert!(!store.remove("bob", "a0").unwrap(), "not Bob's to remove");
		assert!(store.remove("alice", "a0").unwrap());
		store.mark_read("alice", Cursor { block: 9, index: 1 }).unwrap();
		store.mark_read("alice", Cursor { block: 3, index: 0 }).unwrap();
		drop(store);
		let again = Subscriptions::open(dir.path()).unwrap();
		assert_eq!(again.of("alice").len(), MAX_PER_ACCOUNT - 1);
		assert_eq!(again.read("alice"), Some(Cursor { block: 9, index: 1 }), "never backwards");
		assert!(
			again.get("b0").unwrap().shown().get("secret").is_none(),
			"the secret is not shown"
		);
	}

	#[test]
	fn a_departments_accounts_hold_at_most_its_share_together() {
		let dir = tempfile::tempdir().unwrap();
		let store = Subscriptions::open(dir.path()).unwrap();
		// Accounts of one department (names of one length): each within
		// its own share, the department's filled.
		let accounts = MAX_PER_DEPARTMENT / MAX_PER_ACCOUNT;
		for a in 0..accounts {
			for i in 0..MAX_PER_ACCOUNT {
				let added = store.add(subscription(&format!("m{a:03}"), &format!("{a}-{i}")));
				assert_eq!(added.unwrap(), Ok(()));
			}
		}
		assert_eq!(store.add(subscription("m999", "one-more")).unwrap(), Err(Refused::Department));
		assert_eq!(store.add(subscription("other", "o0")).unwrap(), Ok(()), "another department");
	}

	#[test]
	fn names_are_bounded() {
		assert_eq!(name(None, "inbox").unwrap(), "inbox");
		assert_eq!(name(Some("  roads "), "x").unwrap(), "roads");
		assert!(name(Some(&"x".repeat(MAX_NAME_CHARS + 1)), "x").is_err());
		assert!(name(Some("a\u{7}b"), "x").is_err());
	}
}
