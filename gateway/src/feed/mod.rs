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
	rpc::api::{datasets::SearchParams, DatasetsApiClient},
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
		"AccessApproved" | "RequestRejected" | "AccessRevoked" | "RequestLapsed"
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
		use citychain_client::rpc::api::Reader as R;
		use sp_core::crypto::Ss58Codec;
		let (account, member) = match &reader.0 {
			R::Anonymous => (None, None),
			R::Account(a) => {
				let head = state.node.finalized_head().await?;
				(Some(a.to_ss58check()), state.node.membership(a, head).await?)
			},
		};
		Ok(Self { reader, account, member })
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
	/// shows it (`datasets_search` with the reader); of an anonymous reader,
	/// only the catalogue's events (`Datasets`); an event without a dataset
	/// (a flagged department) only to that department and to a regulator.
	pub async fn sees(
		&self,
		state: &AppState,
		entries: &[Arc<Entry>],
	) -> Result<Vec<bool>, ApiError> {
		let anonymous = self.account.is_none();
		let ids: BTreeSet<u64> = entries
			.iter()
			.filter(|e| !anonymous || e.happened.pallet == "Datasets")
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
		let member = self.member.as_ref().filter(|m| m.status.is_active());
		Ok(entries
			.iter()
			.map(|e| match e.happened.dataset {
				Some(d) => (!anonymous || e.happened.pallet == "Datasets") && visible.contains(&d),
				None => member.is_some_and(|m| {
					m.kind.is_regulator() || e.happened.owner == Some(m.department)
				}),
			})
			.collect())
	}

	/// Up to `limit` events after `after` that this reader sees (only those
	/// that concern it, if `concerning`), and the cursor to go on from:
	/// the last event returned, or the last looked at.
	pub async fn page(
		&self,
		state: &AppState,
		after: Option<Cursor>,
		limit: usize,
		concerning: bool,
	) -> Result<(Vec<(Cursor, Value)>, Option<Cursor>), ApiError> {
		let journal = state.feed.journal()?;
		let (mut found, mut at, mut scanned) = (Vec::new(), after, 0);
		while found.len() < limit && scanned < MAX_SCAN {
			let batch = journal.after(at, MAX_PAGE);
			if batch.is_empty() {
				break;
			}
			scanned += batch.len();
			let seen = self.sees(state, &batch).await?;
			for (entry, seen) in batch.iter().zip(seen) {
				at = Some(entry.cursor());
				if !seen {
					continue;
				}
				let shown = self.render(entry);
				if concerning && shown.get("concerns").is_none() {
					continue;
				}
				found.push((entry.cursor(), shown));
				if found.len() == limit {
					break;
				}
			}
		}
		Ok((found, at))
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
		for decided in ["AccessApproved", "RequestRejected", "AccessRevoked", "RequestLapsed"] {
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
