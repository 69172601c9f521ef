//! Metered deliveries and running downloads that stop when access ends.
//!
//! A contract whose deciding rule limits its uses allows that many
//! deliveries. A delivery is a read of the data that begins at its first
//! byte (a whole download, or the first range of a GIS tool's reads); a
//! range further on continues one and spends nothing. Before each delivery
//! the gateway checks the uses the finalized chain leaves less those it has
//! delivered and not yet seen finalized; it then reports each contract's
//! deliveries on chain (`Access::record_deliveries`), in batches of up to
//! 32, signed by an account of the provider department named in
//! `--reporter-keys`, so that the count is on chain and in the audit log. A
//! contract with limited uses is served only by a gateway that can report
//! for its provider. Deliveries under unlimited contracts are reported too,
//! when the gateway has a key for the provider.
//!
//! A download under a contract (or of open data) re-checks the access at
//! every finalized block while it streams; when the contract is revoked,
//! relinquished or expires, or the dataset is withdrawn, the stream ends
//! with an error within a block of the finalization. One task follows the
//! finalized head for all downloads, and the downloads of one account and
//! dataset share one check per block.

use crate::{error::ApiError, AppState};
use axum::body::Bytes;
use citychain_client::{
	chain::api,
	primitives::{access::AccessBasis, DepartmentId},
	rpc::api::{AccessApiClient, AccountId},
	tx::{self, Signer},
};
use futures::Stream;
use sp_core::H256;
use std::{
	collections::{BTreeMap, HashMap, HashSet},
	pin::Pin,
	sync::{Arc, Mutex},
	task::{Context, Poll},
	time::{Duration, Instant},
};

/// How often the reporter looks for deliveries to report.
const REPORT_EVERY: Duration = Duration::from_secs(2);
/// Most `(contract, count)` pairs of one report (the runtime's bound).
const MAX_BATCH: usize = 32;
/// How often the gateway looks for a new finalized block for the running
/// downloads.
const WATCH_EVERY: Duration = Duration::from_secs(1);

/// How long a delivery lasts: ranges of the data that do not start at its
/// first byte are part of the delivery a contract opened within it.
const SESSION: Duration = Duration::from_secs(600);
/// Most open deliveries remembered; beyond, a later range opens a new one
/// (and spends a use).
const MAX_SESSIONS: usize = 65_536;

/// One contract's deliveries the chain does not count yet.
#[derive(Clone, Copy, Debug, Default)]
struct Count {
	provider: DepartmentId,
	/// Delivered, not yet reported.
	unreported: u32,
	/// Reported, not yet finalized.
	in_flight: u32,
}

/// The deliveries not yet on chain, and the accounts that report them.
pub struct Meter {
	reporters: Vec<Signer>,
	/// The departments the reporters are members of, as the last round found.
	reporting: Mutex<HashMap<DepartmentId, usize>>,
	counts: Mutex<BTreeMap<u64, Count>>,
	/// When each contract's open delivery began.
	sessions: Mutex<HashMap<u64, Instant>>,
}

impl Meter {
	/// A meter whose reports `reporters` sign.
	pub fn new(reporters: Vec<Signer>) -> Self {
		Self {
			reporters,
			reporting: Mutex::default(),
			counts: Mutex::default(),
			sessions: Mutex::default(),
		}
	}

	/// Reads the secret URIs of the reporting accounts, one per line, from
	/// `path` (readable by its owner only).
	pub fn open(path: Option<&std::path::Path>) -> Result<Self, String> {
		let Some(path) = path else { return Ok(Self::new(Vec::new())) };
		let text = citychain_client::keys::read_secret(path).map_err(|e| e.to_string())?;
		let reporters = text
			.lines()
			.map(str::trim)
			.filter(|l| !l.is_empty() && !l.starts_with('#'))
			.map(|suri| Signer::from_suri(suri).map_err(|e| format!("{}: {e}", path.display())))
			.collect::<Result<Vec<_>, _>>()?;
		Ok(Self::new(reporters))
	}

	/// Spends one use of `contract`, of `provider`, whose finalized count
	/// leaves `uses_left` (`None`: unlimited), for a read starting at byte
	/// `from`: a read from the first byte is a new delivery; a later range
	/// continues the delivery the contract opened in the last
	/// [`SESSION`], else it spends one (and opens one).
	pub fn spend(
		&self,
		contract: u64,
		provider: DepartmentId,
		uses_left: Option<u32>,
		from: u64,
	) -> Result<(), ApiError> {
		let reports = self.reporting.lock().expect("not poisoned").contains_key(&provider);
		if uses_left.is_some() && !reports {
			return Err(ApiError::new(
				axum::http::StatusCode::SERVICE_UNAVAILABLE,
				format!(
					"contract {contract} limits its deliveries, and this gateway has no account of \
					 department {provider} to count them on chain"
				),
			));
		}
		let now = Instant::now();
		let mut counts = self.counts.lock().expect("not poisoned");
		let mut sessions = self.sessions.lock().expect("not poisoned");
		sessions.retain(|_, opened| now.duration_since(*opened) < SESSION);
		if from > 0 && sessions.contains_key(&contract) {
			return Ok(());
		}
		if reports {
			let count = counts.entry(contract).or_insert(Count { provider, ..Count::default() });
			let pending = count.unreported.saturating_add(count.in_flight);
			if uses_left.is_some_and(|left| pending >= left) {
				return Err(ApiError::forbidden(format!(
					"contract {contract}'s deliveries are spent: none of its uses is left"
				)));
			}
			count.unreported = count.unreported.saturating_add(1);
		}
		if sessions.len() < MAX_SESSIONS {
			sessions.insert(contract, now);
		}
		Ok(())
	}

	/// Takes up to [`MAX_BATCH`] contracts' unreported deliveries of
	/// `provider` into flight.
	fn take_batch(&self, provider: DepartmentId) -> Vec<(u64, u32)> {
		let mut counts = self.counts.lock().expect("not poisoned");
		counts
			.iter_mut()
			.filter(|(_, c)| c.provider == provider && c.unreported > 0)
			.take(MAX_BATCH)
			.map(|(id, c)| {
				let n = std::mem::take(&mut c.unreported);
				c.in_flight += n;
				(*id, n)
			})
			.collect()
	}

	/// Lands `batch`: finalized (`landed`), or back to unreported to try
	/// again.
	fn settle(&self, batch: &[(u64, u32)], landed: bool) {
		let mut counts = self.counts.lock().expect("not poisoned");
		for (id, n) in batch {
			if let Some(c) = counts.get_mut(id) {
				c.in_flight -= n;
				if !landed {
					c.unreported += n;
				}
			}
		}
		counts.retain(|_, c| c.unreported > 0 || c.in_flight > 0);
	}

	fn providers(&self) -> HashSet<DepartmentId> {
		let counts = self.counts.lock().expect("not poisoned");
		counts.values().filter(|c| c.unreported > 0).map(|c| c.provider).collect()
	}
}

/// Reports the deliveries on chain, for as long as the gateway runs.
pub async fn report(state: Arc<AppState>) {
	let meter = &state.meter;
	if meter.reporters.is_empty() {
		return;
	}
	loop {
		tokio::time::sleep(REPORT_EVERY).await;
		if let Err(e) = find_departments(&state).await {
			tracing::warn!(target: "meter", "cannot read the reporters' departments: {e}");
			continue;
		}
		for provider in meter.providers() {
			let Some(signer) =
				meter.reporting.lock().expect("not poisoned").get(&provider).copied()
			else {
				continue;
			};
			let batch = meter.take_batch(provider);
			let call = api::tx().access().record_deliveries(
				api::runtime_types::bounded_collections::bounded_vec::BoundedVec(batch.clone()),
			);
			match tx::submit(&state.node, &meter.reporters[signer], &call).await {
				Ok(_) => meter.settle(&batch, true),
				Err(citychain_client::Error::Dispatch(e)) => {
					// The chain refused the count (a contract's uses were
					// spent by another gateway of the provider): the
					// deliveries happened, and the log says so.
					tracing::error!(target: "meter", ?batch, "deliveries not recorded: {e}");
					meter.settle(&batch, true);
				},
				Err(e) => {
					tracing::warn!(target: "meter", "cannot report deliveries yet: {e}");
					meter.settle(&batch, false);
				},
			}
		}
	}
}

/// Finds which department each reporter is a member of, at the finalized
/// head.
async fn find_departments(state: &AppState) -> Result<(), citychain_client::Error> {
	let at = state.node.finalized_head().await?;
	let mut found = HashMap::new();
	for (i, signer) in state.meter.reporters.iter().enumerate() {
		if let Some(m) = state.node.membership(&signer.account(), at).await? {
			found.entry(m.department).or_insert(i);
		}
	}
	*state.meter.reporting.lock().expect("not poisoned") = found;
	Ok(())
}

/// The finalized head, followed once for every running download, and the
/// access checks made at it: many downloads of one account and dataset
/// cost one check per finalized block.
pub struct Watch {
	head: tokio::sync::watch::Sender<Option<H256>>,
	/// The checks at the head: (account, dataset, contract) → whether the
	/// download may go on, and the check's basis.
	checked: Mutex<(Option<H256>, Checks)>,
}

type Checks = HashMap<(AccountId, u64, Option<u64>), (bool, AccessBasis)>;

impl Default for Watch {
	fn default() -> Self {
		Self { head: tokio::sync::watch::channel(None).0, checked: Mutex::default() }
	}
}

/// Finalized blocks a download goes on without the node confirming its
/// access.
const MAX_UNANSWERED: u32 = 3;

/// Most distinct (account, dataset, contract) checks remembered for one
/// block: beyond, each is asked again.
const MAX_CHECKS_PER_BLOCK: usize = 4096;

impl Watch {
	/// Whether `account` may still read `dataset` under `contract` at
	/// `head`: asked once per block, then remembered.
	async fn allowed(
		&self,
		state: &AppState,
		head: H256,
		(account, dataset, contract): (&AccountId, u64, Option<u64>),
	) -> Option<(bool, AccessBasis)> {
		let key = (account.clone(), dataset, contract);
		{
			let checked = self.checked.lock().expect("not poisoned");
			if checked.0 == Some(head) {
				if let Some(known) = checked.1.get(&key) {
					return Some(*known);
				}
			}
		}
		let check = state.node.check(account.clone(), dataset, Some(head)).await.ok()?;
		let still = match check.basis {
			// A download that spent the last use finishes.
			AccessBasis::UsesSpent => check.contract == contract,
			// Open data, or the reader's own: whatever contract it holds.
			AccessBasis::OpenData | AccessBasis::Owner => check.allowed,
			_ => check.allowed && check.contract == contract,
		};
		let mut checked = self.checked.lock().expect("not poisoned");
		// Remembered for the newest head only: an answer about an older one
		// that comes late is not.
		if checked.0 != Some(head) && *self.head.borrow() == Some(head) {
			*checked = (Some(head), HashMap::new());
		}
		if checked.0 == Some(head) && checked.1.len() < MAX_CHECKS_PER_BLOCK {
			checked.1.insert(key, (still, check.basis));
		}
		Some((still, check.basis))
	}
}

/// Follows the finalized head for the running downloads, for as long as the
/// gateway runs: one request to the node per [`WATCH_EVERY`].
pub async fn follow(state: Arc<AppState>) {
	loop {
		tokio::time::sleep(WATCH_EVERY).await;
		if let Ok(head) = state.node.finalized_head().await {
			state.watch.head.send_if_modified(|seen| {
				let new = *seen != Some(head);
				*seen = Some(head);
				new
			});
		}
	}
}

/// Ends (with an error) when `account` may no longer read `dataset` under
/// `contract` (`None`: as open data) at a finalized block.
async fn access_ends(
	state: Arc<AppState>,
	account: AccountId,
	dataset: u64,
	contract: Option<u64>,
) -> std::io::Error {
	let mut heads = state.watch.head.subscribe();
	let mut unanswered = 0;
	loop {
		if heads.changed().await.is_err() {
			// The gateway is shutting down: the download ends with it.
			return std::io::Error::other("the gateway is shutting down");
		}
		let Some(head) = *heads.borrow_and_update() else { continue };
		match state.watch.allowed(&state, head, (&account, dataset, contract)).await {
			Some((true, _)) => unanswered = 0,
			Some((false, basis)) => {
				tracing::warn!(target: "delivery", dataset, ?contract, ?basis, "access ended: download stopped");
				return std::io::Error::other(format!(
					"access to dataset {dataset} ended during the download ({basis:?})"
				));
			},
			// The node cannot say: a download goes on for a few blocks at
			// most without an answer.
			None => {
				unanswered += 1;
				if unanswered >= MAX_UNANSWERED {
					tracing::warn!(target: "delivery", dataset, ?contract, "access unconfirmed: download stopped");
					return std::io::Error::other(format!(
						"access to dataset {dataset} could not be confirmed for {MAX_UNANSWERED} blocks"
					));
				}
			},
		}
	}
}

type Ends = Pin<Box<dyn std::future::Future<Output = std::io::Error> + Send>>;

/// A download's bytes, until its access ends.
pub struct Watched<S> {
	bytes: S,
	ends: Option<Ends>,
	/// The access ended: the stream has ended with an error.
	ended: bool,
}

impl<S> Watched<S> {
	/// `bytes` for `account` of `dataset` under `contract`.
	pub fn new(
		bytes: S,
		state: Arc<AppState>,
		account: AccountId,
		dataset: u64,
		contract: Option<u64>,
	) -> Self {
		let ends: Ends = Box::pin(access_ends(state, account, dataset, contract));
		Self { bytes, ends: Some(ends), ended: false }
	}

	/// `bytes` with no watch (the owner's own reads).
	pub fn unwatched(bytes: S) -> Self {
		Self { bytes, ends: None, ended: false }
	}
}

impl<S, E> Stream for Watched<S>
where
	S: Stream<Item = Result<Bytes, E>> + Unpin,
	E: std::fmt::Display,
{
	type Item = Result<Bytes, std::io::Error>;

	fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
		if self.ended {
			return Poll::Ready(None);
		}
		if let Some(ends) = self.ends.as_mut() {
			if let Poll::Ready(e) = ends.as_mut().poll(cx) {
				(self.ends, self.ended) = (None, true);
				return Poll::Ready(Some(Err(e)));
			}
		}
		Pin::new(&mut self.bytes)
			.poll_next(cx)
			.map(|item| item.map(|r| r.map_err(|e| std::io::Error::other(e.to_string()))))
	}
}

#[cfg(test)]
mod tests {
	use super::*;

	fn meter_reporting_for(provider: DepartmentId) -> Meter {
		let meter = Meter::new(vec![Signer::from_suri("//Alice").unwrap()]);
		meter.reporting.lock().unwrap().insert(provider, 0);
		meter
	}

	#[test]
	fn uses_left_less_those_not_yet_finalized_bound_the_deliveries() {
		let meter = meter_reporting_for(1);
		for _ in 0..3 {
			meter.spend(7, 1, Some(3), 0).unwrap();
		}
		assert_eq!(meter.spend(7, 1, Some(3), 0).unwrap_err().status.as_u16(), 403);
		let batch = meter.take_batch(1);
		assert_eq!(batch, vec![(7, 3)]);
		// In flight, the deliveries still count against what the finalized
		// chain says is left.
		assert!(meter.spend(7, 1, Some(3), 0).is_err());
		meter.settle(&batch, false);
		assert_eq!(meter.take_batch(1), vec![(7, 3)], "a failed report is tried again");
		meter.settle(&[(7, 3)], true);
		// Finalized: the chain now leaves 0 of 3, and the meter holds none.
		assert!(meter.counts.lock().unwrap().is_empty());
		assert!(meter.spend(7, 1, Some(0), 0).is_err());
		meter.spend(7, 1, Some(2), 0).unwrap();
	}

	#[test]
	fn a_later_range_continues_a_delivery_and_opens_one_if_none_is_open() {
		let meter = meter_reporting_for(1);
		// Ranges that never start at byte 0 still spend: the first opens a
		// delivery, the next ones continue it.
		meter.spend(5, 1, Some(2), 1).unwrap();
		meter.spend(5, 1, Some(2), 4096).unwrap();
		assert_eq!(meter.take_batch(1), vec![(5, 1)]);
		// A read from the first byte is a new delivery even then.
		meter.spend(5, 1, Some(2), 0).unwrap();
		assert!(meter.spend(5, 1, Some(2), 0).is_err(), "two spent, one in flight and one not");
		meter.sessions.lock().unwrap().clear();
		assert!(meter.spend(5, 1, Some(2), 1).is_err(), "no delivery open, none left to open");
	}

	#[test]
	fn a_gateway_that_cannot_report_serves_no_metered_contract() {
		let meter = meter_reporting_for(1);
		assert_eq!(meter.spend(9, 2, Some(5), 0).unwrap_err().status.as_u16(), 503);
		meter.spend(9, 2, None, 0).unwrap();
		assert!(meter.take_batch(2).is_empty(), "unlimited and unreportable: not counted");
	}

	#[test]
	fn batches_hold_at_most_the_runtimes_bound() {
		let meter = meter_reporting_for(1);
		for contract in 0..40 {
			meter.spend(contract, 1, None, 0).unwrap();
		}
		assert_eq!(meter.take_batch(1).len(), MAX_BATCH);
		assert_eq!(meter.take_batch(1).len(), 40 - MAX_BATCH);
	}
}
