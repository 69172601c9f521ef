//! The event feed, saved searches and webhooks (docs/feed.md).
//!
//! - The gateway follows the chain's finalized blocks (`follow`) and keeps
//!   the events that concern the catalogue and its contracts in its data
//!   directory (`journal`): the history outlives the node's pruning and
//!   the gateway's restarts, and each event has one cursor `(block, index)`
//!   for good.
//! - `GET /events` serves that history after a cursor, as a paged JSON feed
//!   or as Server-Sent Events (`http`). Each reader gets the events of the
//!   datasets it may see, as the node's visibility rule decides
//!   (`datasets_search` with the reader, asked for the datasets of each page
//!   of events): an anonymous reader the catalogue's events of public
//!   datasets only; a member also the contracts' events of the datasets it
//!   may see. Each event a member gets says what it has to do with it
//!   (`concerns`): a request it may decide, a decision on its department's
//!   request, a dispute for a regulator, a new dataset its saved search
//!   matches.
//! - Saved searches and inboxes (`subscriptions`), matched as each block is
//!   followed by the node's own search (the saved STAC search with the new
//!   datasets' ids, as the member), delivered on the feed and to webhooks
//!   (`webhook`).

mod cursor;
mod follow;
mod http;
mod journal;
mod subscriptions;
mod webhook;

pub use cursor::Cursor;
pub use follow::run as follow;
pub use http::{
	delete_subscription, deliveries, events, list_subscriptions, mark_read, new_subscription,
	read_marker,
};
pub use journal::{Entry, Journal};
pub use subscriptions::Subscriptions;
pub use webhook::Webhooks;

use crate::{error::ApiError, reader::Reader, AppState};
use citychain_client::{
	primitives::departments::Membership,
	rpc::api::{datasets::SearchParams, DatasetsApiClient, Reader as R},
};
use serde_json::Value;
use std::{
	collections::BTreeSet,
	path::PathBuf,
	sync::{Arc, OnceLock},
};

/// Event streams open at once from one network address, at most.
pub const STREAMS_PER_ADDRESS: usize = 4;
/// Events one page of the JSON feed holds, at most (and by default 50).
pub const MAX_PAGE: usize = 100;
/// Events looked at to fill one page, at most: a reader who may see few of
/// them gets a short page and the cursor to go on from.
pub const MAX_SCAN: usize = 1000;

/// What the feed keeps and shares.
pub struct Feed {
	dir: PathBuf,
	/// Opened once the node has said which chain it follows.
	journal: OnceLock<Journal>,
	pub subscriptions: Arc<Subscriptions>,
	pub webhooks: Arc<Webhooks>,
	/// Event streams open, in all.
	streams: Arc<tokio::sync::Semaphore>,
	/// Event streams open, per network address.
	streams_by_address: Arc<crate::guard::InFlight>,
}

impl Feed {
	pub fn open(settings: &crate::config::Settings) -> std::io::Result<Self> {
		let dir = settings.data_dir.clone();
		std::fs::create_dir_all(&dir)?;
		Ok(Self {
			journal: OnceLock::new(),
			subscriptions: Arc::new(Subscriptions::open(&dir)?),
			webhooks: Arc::new(Webhooks::open(
				&dir,
				settings.webhook_retry_ms,
				settings.webhook_attempts,
				settings.webhook_allow_private,
			)?),
			streams: Arc::new(tokio::sync::Semaphore::new(settings.max_event_streams)),
			streams_by_address: Arc::new(crate::guard::InFlight::new(
				STREAMS_PER_ADDRESS,
				settings.max_event_streams,
			)),
			dir,
		})
	}

	/// The journal, once the follower has opened it.
	pub fn journal(&self) -> Result<&Journal, ApiError> {
		self.journal.get().ok_or_else(|| {
			ApiError::new(
				axum::http::StatusCode::SERVICE_UNAVAILABLE,
				"the feed is starting: the gateway has not reached the node yet",
			)
		})
	}
}

/// Replaces the file at `path` with `bytes`, whole or not at all: written to
/// `<path>.new` (readable by the gateway's user only: the feed's files hold
/// webhooks' secrets and who subscribed to what), synced, renamed into
/// place, and the directory synced so that the rename outlives a crash.
pub(crate) fn replace_file(path: &std::path::Path, bytes: &[u8]) -> std::io::Result<()> {
	use std::{io::Write, os::unix::fs::OpenOptionsExt};
	let mut temporary = path.as_os_str().to_owned();
	temporary.push(".new");
	let mut file = std::fs::OpenOptions::new()
		.write(true)
		.create(true)
		.truncate(true)
		.mode(0o600)
		.open(&temporary)?;
	file.write_all(bytes)?;
	file.sync_all()?;
	std::fs::rename(&temporary, path)?;
	sync_dir(path)
}

/// Syncs the directory holding `path` (its entries: a file made or
/// renamed there).
pub(crate) fn sync_dir(path: &std::path::Path) -> std::io::Result<()> {
	let dir = path.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(".".as_ref());
	std::fs::File::open(dir)?.sync_all()
}

/// What an event has to do with a member: `decide` (a request for its
/// department's dataset, to an approver; for a restricted one, also to a
/// regulator's approver), `decision` (on its department's request),
/// `dispute` (a hash mismatch or an auditor's flag, to a regulator).
pub fn concerns(entry: &Entry, member: Option<&Membership>) -> Vec<&'static str> {
	let Some(m) = member.filter(|m| m.status.is_active()) else { return Vec::new() };
	let h = &entry.happened;
	let regulator = m.kind.is_regulator();
	let mut found = Vec::new();
	match h.event.as_str() {
		"AccessRequested"
			if m.roles.approver
				&& (h.owner == Some(m.department) || (entry.restricted && regulator)) =>
		{
			found.push("decide")
		},
		"AccessApproved"
		| "RequestRejected"
		| "RequestRefusedByPolicy"
		| "AccessRevoked"
		| "RequestLapsed"
			if h.consumer == Some(m.department) =>
		{
			found.push("decision")
		},
		"HashMismatch" | "Flagged" if regulator => found.push("dispute"),
		_ => {},
	}
	found
}

/// A reader, as the feed sees it: who, and its membership at the finalized
/// head.
pub struct Viewer {
	pub reader: Reader,
	pub account: Option<String>,
	pub member: Option<Membership>,
}

impl Viewer {
	pub async fn of(state: &AppState, reader: Reader) -> Result<Self, ApiError> {
		use sp_core::crypto::Ss58Codec;
		let account = match &reader.0 {
			R::Anonymous => None,
			R::Account(a) => Some(a.to_ss58check()),
		};
		let mut viewer = Self { reader, account, member: None };
		viewer.refresh(state).await?;
		Ok(viewer)
	}

	/// Reads the reader's membership at the finalized head again (a stream
	/// does before each page: a member removed stops seeing members' events).
	pub async fn refresh(&mut self, state: &AppState) -> Result<(), ApiError> {
		self.member = match &self.reader.0 {
			R::Anonymous => None,
			R::Account(a) => {
				let head = state.node.finalized_head().await?;
				state.node.membership(a, head).await?
			},
		};
		Ok(())
	}

	/// The reader's department, if it is a member of an active one: any key
	/// pair or read token vouches for an account, only membership makes it
	/// more than anonymous.
	fn active_member(&self) -> Option<&Membership> {
		self.member.as_ref().filter(|m| m.status.is_active())
	}

	/// `entry` as this reader gets it: with its cursor, what it concerns
	/// and which of the reader's saved searches it matched.
	pub fn render(&self, entry: &Entry) -> Value {
		let mut shown = serde_json::to_value(entry).expect("an entry is JSON");
		let object = shown.as_object_mut().expect("an entry is an object");
		object.remove("matched");
		object.remove("restricted");
		object.insert("cursor".into(), entry.cursor().to_string().into());
		let mut about: Vec<&str> = concerns(entry, self.member.as_ref());
		if let Some(account) = &self.account {
			let matches: Vec<&str> = entry
				.matched
				.iter()
				.filter(|(a, _)| a == account)
				.map(|(_, s)| s.as_str())
				.collect();
			if !matches.is_empty() {
				about.push("match");
				object.insert("matches".into(), matches.into());
			}
		}
		if !about.is_empty() {
			object.insert("concerns".into(), about.into());
		}
		shown
	}

	/// Which of `entries` this reader may see: those whose dataset the node
	/// shows it (`datasets_search` with the reader); of a reader that is not
	/// a member of an active department (anonymous, or an account anyone can
	/// make), only the catalogue's events (`Datasets`); an event without a
	/// dataset (a flagged department) only to that department and to a
	/// regulator.
	pub async fn sees(
		&self,
		state: &AppState,
		entries: &[Arc<Entry>],
	) -> Result<Vec<bool>, ApiError> {
		let member = self.active_member();
		let ids: BTreeSet<u64> = entries
			.iter()
			.filter(|e| asked(e, member))
			.filter_map(|e| e.happened.dataset)
			.collect();
		let mut visible = BTreeSet::new();
		let ids: Vec<u64> = ids.into_iter().collect();
		for chunk in ids.chunks(MAX_PAGE) {
			let params = SearchParams {
				ids: chunk.to_vec(),
				fields: Some(vec!["id".into()]),
				limit: Some(MAX_PAGE as u32),
				reader: Some(self.reader.0.clone()),
				..Default::default()
			};
			let page = state.node.search(params, None).await?;
			visible.extend(page.items.iter().map(|d| d.id));
		}
		Ok(entries.iter().map(|e| shown(e, member, &visible)).collect())
	}

	/// Up to `limit` events after `after` that this reader sees (only those
	/// that concern it, if `concerning`), and the cursor to go on from
	/// ([`Scan`]).
	pub async fn page(
		&self,
		state: &AppState,
		after: Option<Cursor>,
		limit: usize,
		concerning: bool,
	) -> Result<(Vec<(Cursor, Value)>, Cursor), ApiError> {
		let journal = state.feed.journal()?;
		let mut scan = Scan::new(after, limit);
		while let Some(batch) = scan.batch(journal) {
			let seen = self.sees(state, &batch).await?;
			let kept = batch
				.iter()
				.zip(seen)
				.map(|(entry, seen)| {
					let shown = self.render(entry);
					(seen && (!concerning || shown.get("concerns").is_some())).then_some(shown)
				})
				.collect();
			if scan.take(&batch, kept) {
				break;
			}
		}
		Ok(scan.end())
	}
}

/// Whether the node is asked about `entry`'s dataset for a reader whose
/// active membership is `member`: for a non-member, only of the
/// catalogue's events.
fn asked(entry: &Entry, member: Option<&Membership>) -> bool {
	member.is_some() || entry.happened.pallet == "Datasets"
}

/// The visibility rule of the feed: whether a reader whose active
/// membership is `member` sees `entry`, the node having shown it the
/// datasets `visible`.
fn shown(entry: &Entry, member: Option<&Membership>, visible: &BTreeSet<u64>) -> bool {
	match entry.happened.dataset {
		Some(d) => asked(entry, member) && visible.contains(&d),
		None => member
			.is_some_and(|m| m.kind.is_regulator() || entry.happened.owner == Some(m.department)),
	}
}

/// A page being filled: up to `limit` of the events after `after` that the
/// reader is given (it is asked about batches of events, in order), looking
/// at [`MAX_SCAN`] events or a little more, and the cursor to go on from,
/// which never names an event the reader was not given: the last event
/// given if the page is full; else the journal's end
/// (`{followed}-4294967295`) if the scan reached it; else the end of the
/// last block looked at whole (`{block}-4294967295`) — the scan stops at
/// the first block boundary past [`MAX_SCAN`] events, so a block is looked
/// at whole and the cursor always moves on.
struct Scan {
	limit: usize,
	found: Vec<(Cursor, Value)>,
	/// The last event looked at.
	at: Option<Cursor>,
	next: Cursor,
	scanned: usize,
}

fn block_end(block: u32) -> Cursor {
	Cursor { block, index: u32::MAX }
}

impl Scan {
	fn new(after: Option<Cursor>, limit: usize) -> Self {
		Self { limit, found: Vec::new(), at: after, next: after.unwrap_or_default(), scanned: 0 }
	}

	/// The next events to look at, or none at the journal's end.
	fn batch(&mut self, journal: &Journal) -> Option<Vec<Arc<Entry>>> {
		// Read before the batch: every event of a block up to `followed` is
		// in the journal by then.
		let followed = journal.followed();
		let batch = journal.after(self.at, MAX_PAGE);
		if batch.is_empty() {
			self.next = self.next.max(block_end(followed));
			return None;
		}
		Some(batch)
	}

	/// Takes what the reader is given of `batch` (`kept`, in its order);
	/// whether the page is done.
	fn take(&mut self, batch: &[Arc<Entry>], kept: Vec<Option<Value>>) -> bool {
		for (entry, kept) in batch.iter().zip(kept) {
			let c = entry.cursor();
			if let Some(previous) = self.at.filter(|a| a.block < c.block) {
				self.next = self.next.max(block_end(previous.block));
				if self.scanned >= MAX_SCAN {
					return true;
				}
			}
			self.at = Some(c);
			self.scanned += 1;
			if let Some(shown) = kept {
				self.found.push((c, shown));
				self.next = c;
				if self.found.len() == self.limit {
					return true;
				}
			}
		}
		false
	}

	fn end(self) -> (Vec<(Cursor, Value)>, Cursor) {
		(self.found, self.next)
	}
}

#[cfg(test)]
mod tests {
	use super::*;
	use citychain_client::{
		events::Happened,
		primitives::departments::{DepartmentKind, DepartmentStatus, Roles},
	};
	use serde_json::json;

	fn member(department: u32, kind: DepartmentKind, roles: Roles) -> Membership {
		Membership { department, kind, status: DepartmentStatus::Active, roles }
	}

	fn entry(event: &str, owner: u32, consumer: u32, restricted: bool) -> Entry {
		Entry {
			block: 5,
			happened: Happened {
				index: 1,
				pallet: "Access".into(),
				event: event.into(),
				dataset: Some(3),
				contract: Some(8),
				owner: Some(owner),
				consumer: Some(consumer),
				..Default::default()
			},
			restricted,
			matched: vec![("alice".into(), "s1".into()), ("bob".into(), "s2".into())],
		}
	}

	#[test]
	fn requests_go_to_the_owners_approvers_decisions_to_the_consumer_disputes_to_the_regulator() {
		let approver = member(1, DepartmentKind::Transport, Roles::ALL);
		let publisher =
			member(1, DepartmentKind::Transport, Roles { approver: false, ..Roles::ALL });
		let consumer = member(2, DepartmentKind::Environment, Roles::ALL);
		let regulator = member(4, DepartmentKind::Regulator, Roles::ALL);
		let requested = entry("AccessRequested", 1, 2, false);
		assert_eq!(concerns(&requested, Some(&approver)), ["decide"]);
		assert!(concerns(&requested, Some(&publisher)).is_empty(), "not an approver");
		assert!(concerns(&requested, Some(&consumer)).is_empty());
		assert!(concerns(&requested, Some(&regulator)).is_empty(), "not restricted");
		assert_eq!(concerns(&entry("AccessRequested", 1, 2, true), Some(&regulator)), ["decide"]);
		for decided in [
			"AccessApproved",
			"RequestRejected",
			"RequestRefusedByPolicy",
			"AccessRevoked",
			"RequestLapsed",
		] {
			assert_eq!(concerns(&entry(decided, 1, 2, false), Some(&consumer)), ["decision"]);
			assert!(concerns(&entry(decided, 1, 2, false), Some(&approver)).is_empty());
		}
		assert_eq!(concerns(&entry("HashMismatch", 1, 2, false), Some(&regulator)), ["dispute"]);
		assert!(concerns(&entry("HashMismatch", 1, 2, false), Some(&consumer)).is_empty());
		let suspended = Membership { status: DepartmentStatus::Suspended, ..approver };
		assert!(concerns(&requested, Some(&suspended)).is_empty(), "a suspended department");
		assert!(concerns(&requested, None).is_empty());
	}

	#[test]
	fn an_account_that_is_no_active_member_sees_what_an_anonymous_reader_sees() {
		let visible: BTreeSet<u64> = [3].into();
		let requested = entry("AccessRequested", 1, 2, false);
		let registered = Entry {
			happened: Happened { pallet: "Datasets".into(), ..requested.happened.clone() },
			..requested.clone()
		};
		let flagged = Entry {
			happened: Happened {
				pallet: "Audit".into(),
				event: "Flagged".into(),
				dataset: None,
				..requested.happened.clone()
			},
			..requested.clone()
		};
		let stranger =
			Viewer { reader: Reader::anonymous(), account: Some("ferdie".into()), member: None };
		let suspended = Viewer {
			member: Some(Membership {
				status: DepartmentStatus::Suspended,
				..member(2, DepartmentKind::Regulator, Roles::ALL)
			}),
			..stranger_like()
		};
		let regulator = Viewer {
			member: Some(member(4, DepartmentKind::Regulator, Roles::ALL)),
			..stranger_like()
		};
		for outsider in [&stranger, &suspended] {
			let m = outsider.active_member();
			assert!(shown(&registered, m, &visible), "the catalogue's events");
			assert!(!asked(&requested, m) && !shown(&requested, m, &visible), "no contracts");
			assert!(!shown(&flagged, m, &visible), "no flags");
		}
		let m = regulator.active_member();
		assert!(shown(&requested, m, &visible) && shown(&flagged, m, &visible));
		assert!(!shown(&requested, m, &BTreeSet::new()), "not a dataset it may see");
	}

	fn stranger_like() -> Viewer {
		Viewer { reader: Reader::anonymous(), account: Some("ferdie".into()), member: None }
	}

	/// A page of `limit` after `after`, of a reader who sees the events of
	/// the blocks `seen`.
	fn page_of(
		journal: &Journal,
		after: &str,
		limit: usize,
		seen: &[u32],
	) -> (Vec<String>, String) {
		let mut scan = Scan::new((!after.is_empty()).then(|| after.parse().unwrap()), limit);
		while let Some(batch) = scan.batch(journal) {
			let kept =
				batch.iter().map(|e| seen.contains(&e.block).then(|| json!(e.block))).collect();
			if scan.take(&batch, kept) {
				break;
			}
		}
		let (found, next) = scan.end();
		(found.iter().map(|(c, _)| c.to_string()).collect(), next.to_string())
	}

	#[test]
	fn the_cursor_to_go_on_from_never_names_an_event_the_reader_was_not_given() {
		let dir = tempfile::tempdir().unwrap();
		let journal = Journal::open(dir.path(), "0xaa").unwrap();
		journal
			.append(2, vec![journal::tests::entry(2, 0), journal::tests::entry(2, 5)])
			.unwrap();
		journal.append(3, vec![journal::tests::entry(3, 7)]).unwrap();
		journal.append(4, vec![]).unwrap();
		// Hidden events to the end: the journal's end.
		assert_eq!(
			page_of(&journal, "", 10, &[2]),
			(vec!["2-0".into(), "2-5".into()], "4-4294967295".into())
		);
		assert_eq!(page_of(&journal, "", 10, &[]), (vec![], "4-4294967295".into()));
		// A full page: its last event.
		assert_eq!(page_of(&journal, "", 1, &[2, 3]), (vec!["2-0".into()], "2-0".into()));
		// Past the scan's bound: the end of the last block looked at whole.
		let many: Vec<Entry> =
			(0..MAX_SCAN as u32 + 50).map(|i| journal::tests::entry(5, i)).collect();
		journal.append(5, many).unwrap();
		journal
			.append(6, (0..10).map(|i| journal::tests::entry(6, i)).collect())
			.unwrap();
		journal.append(7, vec![journal::tests::entry(7, 0)]).unwrap();
		let (found, next) = page_of(&journal, "4-4294967295", 10, &[7]);
		assert!(found.is_empty());
		assert_eq!(next, "5-4294967295", "block 5 whole, then the bound");
		let (found, next) = page_of(&journal, &next, 10, &[7]);
		assert_eq!((found, next), (vec!["7-0".into()], "7-4294967295".into()));
	}

	#[test]
	fn a_reader_sees_its_own_matches_only() {
		let viewer = |account: Option<&str>| Viewer {
			reader: Reader::anonymous(),
			account: account.map(str::to_owned),
			member: None,
		};
		let e = entry("DatasetRegistered", 1, 2, false);
		let alice = viewer(Some("alice")).render(&e);
		assert_eq!(
			(alice["matches"].clone(), alice["concerns"].clone()),
			(json!(["s1"]), json!(["match"]))
		);
		assert_eq!(alice["cursor"], "5-1");
		assert!(alice.get("matched").is_none() && alice.get("restricted").is_none());
		let nobody = viewer(None).render(&e);
		assert!(nobody.get("matches").is_none() && nobody.get("concerns").is_none());
	}
}
