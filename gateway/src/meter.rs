//! Metered deliveries and running downloads that stop when access ends.
//!
//! A contract whose deciding rule limits its uses allows that many
//! deliveries. A delivery is a read of the data that begins at its first
//! byte (a whole download, or the first range of a GIS tool's reads); a
//! range further on continues one and spends nothing. Before each delivery
//! the gateway checks the uses a finalized block leaves less the
//! deliveries that block does not count: not reported, reported and not
//! finalized, or finalized in a later block. It reports each contract's
//! deliveries on chain (`Access::record_deliveries`), in batches of up to
//! 32, signed by an account of the provider department named in
//! `--reporter-keys`, so that the count is on chain and in the audit log. A
//! contract with limited uses is served only by a gateway that can report
//! for its provider. Deliveries under unlimited contracts are reported too,
//! when the gateway has a key for the provider.
//!
//! A report is one signed transaction, sent again as it is until it is
//! finalized or provably never will be, so that a broken connection never
//! counts deliveries twice; a report the chain refuses is sent again in
//! halves, so that only the contracts it refuses are dropped.
//!
//! A download under a contract (or of open data) re-checks the access at
//! every finalized block while it streams; when the contract is revoked,
//! relinquished or expires, or the dataset is withdrawn, the stream ends
//! with an error within a block of the finalization. One task follows the
//! finalized head for all downloads, and the downloads of one account and
//! dataset share one check per block, which the first asks and the others
//! await.

use crate::{error::ApiError, AppState};
use axum::body::Bytes;
use citychain_client::{
	chain::api,
	primitives::{access::AccessBasis, DepartmentId},
	rpc::api::{AccessApiClient, AccountId, BlockNumber},
	tx::{self, Fate, Signer},
};
use futures::{future::Shared, FutureExt, Stream};
use sp_core::H256;
use std::{
	collections::{BTreeMap, HashMap, HashSet},
	future::Future,
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

/// Blocks a landed count is kept after its block, for the requests that
/// read the uses left at an older finalized head (which does not count it
/// yet). A request that read them further back is asked to try again.
const KEEP_LANDED: BlockNumber = 64;

/// The uses a contract leaves, as the finalized block `at` counts them.
#[derive(Clone, Copy, Debug)]
pub struct Left {
	pub uses: u32,
	pub at: BlockNumber,
}

/// A report: `(contract, deliveries)` pairs of one provider.
type Batch = Vec<(u64, u32)>;

/// One contract's deliveries that a finalized head may not count yet.
#[derive(Clone, Debug, Default)]
struct Count {
	provider: DepartmentId,
	/// Delivered, not yet reported.
	unreported: u32,
	/// Reported, not yet finalized (or the report's fate not known yet).
	in_flight: u32,
	/// Finalized in a block, by block number: counted by heads from that
	/// block on, not by older ones.
	landed: Vec<(BlockNumber, u32)>,
}

impl Count {
	/// The deliveries the chain does not count at block `at`.
	fn pending_at(&self, at: BlockNumber) -> u32 {
		let landed_after: u32 = self.landed.iter().filter(|(b, _)| *b > at).map(|(_, n)| n).sum();
		self.unreported.saturating_add(self.in_flight).saturating_add(landed_after)
	}
}

/// How a report ended.
#[derive(Clone, Debug)]
enum Settled {
	/// Counted in a finalized block (its number).
	Landed(BlockNumber),
	/// The chain refused it (its error): a contract's uses would be
	/// exceeded.
	Refused(String),
	/// Never to be counted: not sent, or provably never in a block.
	Dead,
}

/// The counts, and the refused reports to be sent again in halves.
#[derive(Default)]
struct Ledger {
	counts: BTreeMap<u64, Count>,
	/// Parts of refused reports, per provider, in flight until sent.
	queued: HashMap<DepartmentId, Vec<Batch>>,
	/// The newest block of a landed count no longer kept: a request that
	/// read the uses before it cannot be told what it misses.
	forgotten: BlockNumber,
}

impl Ledger {
	/// Lets go of the counts landed [`KEEP_LANDED`] blocks before `head`.
	fn forget_before(&mut self, head: BlockNumber) {
		let mut forgotten = self.forgotten;
		for count in self.counts.values_mut() {
			count.landed.retain(|(block, _)| {
				let keep = block.saturating_add(KEEP_LANDED) > head;
				if !keep {
					forgotten = forgotten.max(*block);
				}
				keep
			});
		}
		self.forgotten = forgotten;
		self.counts
			.retain(|_, c| c.unreported > 0 || c.in_flight > 0 || !c.landed.is_empty());
	}
}

/// The deliveries not yet on chain, and the accounts that report them.
pub struct Meter {
	reporters: Vec<Signer>,
	/// The departments the reporters are members of, as the last round found.
	reporting: Mutex<HashMap<DepartmentId, usize>>,
	ledger: Mutex<Ledger>,
	/// When each contract's open delivery began.
	sessions: Mutex<HashMap<u64, Instant>>,
}

impl Meter {
	/// A meter whose reports `reporters` sign.
	pub fn new(reporters: Vec<Signer>) -> Self {
		Self {
			reporters,
			reporting: Mutex::default(),
			ledger: Mutex::default(),
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

	/// Spends one use of `contract`, of `provider`, which leaves `left` at a
	/// finalized block (`None`: unlimited), for a read starting at byte
	/// `from`: a read from the first byte is a new delivery; a later range
	/// continues the delivery the contract opened in the last
	/// [`SESSION`], else it spends one (and opens one). The deliveries that
	/// block does not count are those not reported, those in flight, and
	/// those landed in a later block.
	pub fn spend(
		&self,
		contract: u64,
		provider: DepartmentId,
		left: Option<Left>,
		from: u64,
	) -> Result<(), ApiError> {
		let reports = self.reporting.lock().expect("not poisoned").contains_key(&provider);
		if left.is_some() && !reports {
			return Err(ApiError::new(
				axum::http::StatusCode::SERVICE_UNAVAILABLE,
				format!(
					"contract {contract} limits its deliveries, and this gateway has no account of \
					 department {provider} to count them on chain"
				),
			));
		}
		let now = Instant::now();
		let mut ledger = self.ledger.lock().expect("not poisoned");
		let mut sessions = self.sessions.lock().expect("not poisoned");
		sessions.retain(|_, opened| now.duration_since(*opened) < SESSION);
		if from > 0 && sessions.contains_key(&contract) {
			return Ok(());
		}
		if reports {
			if let Some(left) = left {
				ledger.forget_before(left.at);
				if left.at < ledger.forgotten {
					return Err(ApiError::new(
						axum::http::StatusCode::SERVICE_UNAVAILABLE,
						format!(
							"contract {contract}'s uses were read at block #{}, too far behind the \
							 finalized head; try again",
							left.at
						),
					));
				}
			}
			let count =
				ledger.counts.entry(contract).or_insert(Count { provider, ..Count::default() });
			if left.is_some_and(|left| count.pending_at(left.at) >= left.uses) {
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

	/// The next report of `provider`: a part of a refused one, else up to
	/// [`MAX_BATCH`] contracts' unreported deliveries, taken into flight.
	fn next_batch(&self, provider: DepartmentId) -> Batch {
		let mut ledger = self.ledger.lock().expect("not poisoned");
		if let Some(part) = ledger.queued.get_mut(&provider).and_then(Vec::pop) {
			return part;
		}
		ledger
			.counts
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

	/// Settles `provider`'s report `batch`: landed, dead (back to
	/// unreported, to be reported again), or refused: a report of several
	/// contracts is sent again in halves, so that the contracts the chain
	/// accepts land; a report of one is dropped (the deliveries happened,
	/// and the log says so).
	fn settle(&self, provider: DepartmentId, batch: &[(u64, u32)], settled: &Settled) {
		let mut ledger = self.ledger.lock().expect("not poisoned");
		if matches!(settled, Settled::Refused(_)) && batch.len() > 1 {
			let (first, second) = batch.split_at(batch.len() / 2);
			// Popped from the end: the first half goes first.
			ledger
				.queued
				.entry(provider)
				.or_default()
				.extend([second.to_vec(), first.to_vec()]);
			return;
		}
		for (id, n) in batch {
			let Some(c) = ledger.counts.get_mut(id) else { continue };
			c.in_flight -= n;
			match settled {
				Settled::Landed(block) => match c.landed.last_mut() {
					Some((last, landed)) if last == block => *landed += n,
					_ => c.landed.push((*block, *n)),
				},
				Settled::Dead => c.unreported += n,
				Settled::Refused(e) => {
					tracing::error!(target: "meter", contract = id, deliveries = n, "deliveries not recorded: {e}");
				},
			}
		}
		ledger.queued.retain(|_, parts| !parts.is_empty());
		ledger
			.counts
			.retain(|_, c| c.unreported > 0 || c.in_flight > 0 || !c.landed.is_empty());
	}

	/// The providers with deliveries to report.
	fn providers(&self) -> HashSet<DepartmentId> {
		let ledger = self.ledger.lock().expect("not poisoned");
		let unreported = ledger.counts.values().filter(|c| c.unreported > 0).map(|c| c.provider);
		unreported.chain(ledger.queued.keys().copied()).collect()
	}
}

/// A report's outcome: settled, or not known yet (why).
type Outcome = Result<Settled, String>;

/// What the reporter asks of the chain, so that its rounds can be tested
/// without a node.
trait Chain {
	/// A signed report, sent again as it is until its fate is known.
	type Tx;
	/// Signs a report of `batch` by reporter `signer`; an error: nothing
	/// was sent.
	async fn sign(&self, signer: usize, batch: &[(u64, u32)]) -> Result<Self::Tx, String>;
	/// Sends `tx` and waits for its finalized block.
	async fn watch(&self, tx: &Self::Tx) -> Outcome;
	/// Where `tx` stands at the finalized head; sent again if it may still
	/// be included.
	async fn fate(&self, tx: &Self::Tx) -> Outcome;
}

/// A report whose fate is not known yet.
struct Flight<T> {
	tx: T,
	batch: Batch,
}

/// The reports in flight, by provider: one each, so that a provider's
/// reports take its reporter's nonces in turn.
type Flights<T> = HashMap<DepartmentId, Flight<T>>;

/// One round of reports: for each provider, the fate of its report in
/// flight, or else its next report, signed and sent. A report whose fate is
/// not known (the connection broke while it waited) stays in flight, and
/// its deliveries with it: sending the call again as a new transaction
/// could count them twice.
async fn round<C: Chain>(meter: &Meter, chain: &C, flights: &mut Flights<C::Tx>) {
	let mut providers = meter.providers();
	providers.extend(flights.keys().copied());
	for provider in providers {
		let outcome = match flights.get(&provider) {
			Some(flight) => chain.fate(&flight.tx).await,
			None => {
				let Some(signer) =
					meter.reporting.lock().expect("not poisoned").get(&provider).copied()
				else {
					continue;
				};
				let batch = meter.next_batch(provider);
				if batch.is_empty() {
					continue;
				}
				let tx = match chain.sign(signer, &batch).await {
					Ok(tx) => tx,
					Err(e) => {
						tracing::warn!(target: "meter", "cannot report deliveries yet: {e}");
						meter.settle(provider, &batch, &Settled::Dead);
						continue;
					},
				};
				let outcome = chain.watch(&tx).await;
				flights.insert(provider, Flight { tx, batch });
				outcome
			},
		};
		match outcome {
			Ok(settled) => {
				if let Some(flight) = flights.remove(&provider) {
					if let Settled::Refused(e) = &settled {
						tracing::warn!(target: "meter", batch = ?flight.batch, "report refused: {e}");
					}
					meter.settle(provider, &flight.batch, &settled);
				}
			},
			Err(e) => {
				tracing::warn!(target: "meter", provider, "a report's fate is not known yet: {e}")
			},
		}
	}
}

/// The chain, through the gateway's node.
struct Node<'a>(&'a AppState);

impl Node<'_> {
	/// Landed in block `hash`.
	async fn landed(&self, hash: H256) -> Outcome {
		self.0
			.node
			.block_number(hash)
			.await
			.map(Settled::Landed)
			.map_err(|e| e.to_string())
	}

	/// What a transaction's outcome says of the report.
	async fn settled(&self, included: citychain_client::Result<tx::Included>) -> Outcome {
		match included {
			Ok(included) => self.landed(included.block).await,
			Err(citychain_client::Error::Dispatch(e)) => Ok(Settled::Refused(e)),
			Err(e) => Err(e.to_string()),
		}
	}
}

impl Chain for Node<'_> {
	type Tx = tx::Signed;

	async fn sign(&self, signer: usize, batch: &[(u64, u32)]) -> Result<tx::Signed, String> {
		let call = api::tx().access().record_deliveries(
			api::runtime_types::bounded_collections::bounded_vec::BoundedVec(batch.to_vec()),
		);
		tx::sign(&self.0.node, &self.0.meter.reporters[signer], &call)
			.await
			.map_err(|e| e.to_string())
	}

	async fn watch(&self, tx: &tx::Signed) -> Outcome {
		self.settled(tx.watch(&self.0.node).await).await
	}

	async fn fate(&self, tx: &tx::Signed) -> Outcome {
		match tx.fate(&self.0.node).await.map_err(|e| e.to_string())? {
			Fate::Finalized(included) => self.settled(included).await,
			Fate::Dead => Ok(Settled::Dead),
			Fate::Pending => Err("not in a finalized block yet: sent again".into()),
		}
	}
}

/// Reports the deliveries on chain, for as long as the gateway runs.
pub async fn report(state: Arc<AppState>) {
	if state.meter.reporters.is_empty() {
		return;
	}
	let mut flights = Flights::default();
	loop {
		tokio::time::sleep(REPORT_EVERY).await;
		if let Err(e) = find_departments(&state).await {
			tracing::warn!(target: "meter", "cannot read the reporters' departments: {e}");
			continue;
		}
		round(&state.meter, &Node(&state), &mut flights).await;
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

/// Whether a download may go on, and the basis of the check that said so;
/// `None`: the node could not say.
type Answer = Option<(bool, AccessBasis)>;
/// A check at the node, shared by every download that waits for it.
type Asking = Shared<Pin<Box<dyn Future<Output = Answer> + Send>>>;
/// The downloads' key: (account, dataset, contract).
type Key = (AccountId, u64, Option<u64>);

/// The finalized head, followed once for every running download, and the
/// access checks made at it: many downloads of one account and dataset
/// cost one check per finalized block, asked once however many wait for it.
pub struct Watch {
	head: tokio::sync::watch::Sender<Option<H256>>,
	/// The checks at the newest head, asked or answered.
	checked: Mutex<(Option<H256>, HashMap<Key, Asking>)>,
}

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
	/// Whether the download of `key` may go on at `head`, as `ask` finds
	/// out: asked once per block and key, by the first that wants it, and
	/// awaited by all that want it meanwhile; remembered for the newest
	/// head only. An answer that the node could not give is forgotten, so
	/// that the next caller asks again.
	async fn allowed<F, Fut>(&self, head: H256, key: Key, ask: F) -> Answer
	where
		F: FnOnce() -> Fut,
		Fut: Future<Output = Answer> + Send + 'static,
	{
		let asking = {
			let mut checked = self.checked.lock().expect("not poisoned");
			// An older head's checks give way to the newest head's; a late
			// caller about an older head asks alone.
			if checked.0 != Some(head) && *self.head.borrow() == Some(head) {
				*checked = (Some(head), HashMap::new());
			}
			let known = (checked.0 == Some(head)).then(|| checked.1.get(&key).cloned());
			match known {
				Some(Some(asking)) => Ok(asking),
				Some(None) if checked.1.len() < MAX_CHECKS_PER_BLOCK => {
					let asking: Asking = ask().boxed().shared();
					checked.1.insert(key.clone(), asking.clone());
					Ok(asking)
				},
				_ => Err(ask),
			}
		};
		let asking = match asking {
			Ok(asking) => asking,
			// Not remembered (an older head, or the block's checks are
			// full): asked alone.
			Err(ask) => return ask().await,
		};
		let answer = asking.clone().await;
		if answer.is_none() {
			let mut checked = self.checked.lock().expect("not poisoned");
			if checked.0 == Some(head) && checked.1.get(&key).is_some_and(|a| a.ptr_eq(&asking)) {
				checked.1.remove(&key);
			}
		}
		answer
	}
}

/// Asks the node whether `account` may still read `dataset` under
/// `contract` at `head`.
async fn check(state: Arc<AppState>, head: H256, (account, dataset, contract): Key) -> Answer {
	let check = state.node.check(account, dataset, Some(head)).await.ok()?;
	let still = match check.basis {
		// A download that spent the last use finishes.
		AccessBasis::UsesSpent => check.contract == contract,
		// Open data, or the reader's own: whatever contract it holds.
		AccessBasis::OpenData | AccessBasis::Owner => check.allowed,
		_ => check.allowed && check.contract == contract,
	};
	Some((still, check.basis))
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
		let key = (account.clone(), dataset, contract);
		let ask = || check(state.clone(), head, key.clone());
		match state.watch.allowed(head, key.clone(), ask).await {
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
	use std::sync::atomic::{AtomicUsize, Ordering};

	fn meter_reporting_for(provider: DepartmentId) -> Meter {
		let meter = Meter::new(vec![Signer::from_suri("//Alice").unwrap()]);
		meter.reporting.lock().unwrap().insert(provider, 0);
		meter
	}

	/// `uses` left at block 0.
	fn left(uses: u32) -> Option<Left> {
		Some(Left { uses, at: 0 })
	}

	fn in_flight(meter: &Meter, contract: u64) -> u32 {
		meter.ledger.lock().unwrap().counts.get(&contract).map_or(0, |c| c.in_flight)
	}

	#[test]
	fn uses_left_less_those_not_yet_finalized_bound_the_deliveries() {
		let meter = meter_reporting_for(1);
		for _ in 0..3 {
			meter.spend(7, 1, left(3), 0).unwrap();
		}
		assert_eq!(meter.spend(7, 1, left(3), 0).unwrap_err().status.as_u16(), 403);
		let batch = meter.next_batch(1);
		assert_eq!(batch, vec![(7, 3)]);
		// In flight, the deliveries still count against what the finalized
		// chain says is left.
		assert!(meter.spend(7, 1, left(3), 0).is_err());
		meter.settle(1, &batch, &Settled::Dead);
		assert_eq!(meter.next_batch(1), vec![(7, 3)], "a report never sent is sent again");
		meter.settle(1, &[(7, 3)], &Settled::Landed(5));
		// Finalized in block 5: a head from 5 on counts them.
		assert!(meter.spend(7, 1, Some(Left { uses: 0, at: 5 }), 0).is_err());
		meter.spend(7, 1, Some(Left { uses: 2, at: 5 }), 0).unwrap();
	}

	#[test]
	fn a_later_range_continues_a_delivery_and_opens_one_if_none_is_open() {
		let meter = meter_reporting_for(1);
		// Ranges that never start at byte 0 still spend: the first opens a
		// delivery, the next ones continue it.
		meter.spend(5, 1, left(2), 1).unwrap();
		meter.spend(5, 1, left(2), 4096).unwrap();
		assert_eq!(meter.next_batch(1), vec![(5, 1)]);
		// A read from the first byte is a new delivery even then.
		meter.spend(5, 1, left(2), 0).unwrap();
		assert!(meter.spend(5, 1, left(2), 0).is_err(), "two spent, one in flight and one not");
		meter.sessions.lock().unwrap().clear();
		assert!(meter.spend(5, 1, left(2), 1).is_err(), "no delivery open, none left to open");
	}

	#[test]
	fn a_gateway_that_cannot_report_serves_no_metered_contract() {
		let meter = meter_reporting_for(1);
		assert_eq!(meter.spend(9, 2, left(5), 0).unwrap_err().status.as_u16(), 503);
		meter.spend(9, 2, None, 0).unwrap();
		assert!(meter.next_batch(2).is_empty(), "unlimited and unreportable: not counted");
	}

	#[test]
	fn batches_hold_at_most_the_runtimes_bound() {
		let meter = meter_reporting_for(1);
		for contract in 0..40 {
			meter.spend(contract, 1, None, 0).unwrap();
		}
		assert_eq!(meter.next_batch(1).len(), MAX_BATCH);
		assert_eq!(meter.next_batch(1).len(), 40 - MAX_BATCH);
	}

	/// A chain as the reporter sees it: `record_deliveries` counts a
	/// report's deliveries in a new block, or refuses the whole report if a
	/// contract would exceed its uses.
	#[derive(Default)]
	struct FakeChain {
		/// The uses of the contracts that limit them.
		uses: HashMap<u64, u32>,
		/// The deliveries each contract's count holds.
		used: Mutex<HashMap<u64, u32>>,
		/// The reports included, by transaction, with how they ended.
		included: Mutex<HashMap<usize, Settled>>,
		signed: AtomicUsize,
		/// The next `watch` includes its report, but its answer is lost.
		lose_next_answer: std::sync::atomic::AtomicBool,
	}

	impl FakeChain {
		fn used(&self, contract: u64) -> u32 {
			self.used.lock().unwrap().get(&contract).copied().unwrap_or(0)
		}
	}

	impl Chain for FakeChain {
		type Tx = (usize, Batch);

		async fn sign(&self, _: usize, batch: &[(u64, u32)]) -> Result<Self::Tx, String> {
			Ok((self.signed.fetch_add(1, Ordering::SeqCst), batch.to_vec()))
		}

		async fn watch(&self, (id, batch): &Self::Tx) -> Outcome {
			let mut used = self.used.lock().unwrap();
			let exceeds = batch.iter().any(|(c, n)| {
				self.uses.get(c).is_some_and(|u| used.get(c).copied().unwrap_or(0) + n > *u)
			});
			let settled = if exceeds {
				Settled::Refused("Access::UsesExceeded".into())
			} else {
				for (c, n) in batch {
					*used.entry(*c).or_default() += n;
				}
				Settled::Landed(*id as BlockNumber + 1)
			};
			self.included.lock().unwrap().insert(*id, settled.clone());
			if self.lose_next_answer.swap(false, Ordering::SeqCst) {
				return Err("node connection: the connection closed".into());
			}
			Ok(settled)
		}

		async fn fate(&self, (id, _): &Self::Tx) -> Outcome {
			Ok(self.included.lock().unwrap().get(id).cloned().unwrap_or(Settled::Dead))
		}
	}

	/// Runs reporting rounds until nothing is left to report or in flight.
	async fn report_all(meter: &Meter, chain: &FakeChain) {
		let mut flights = Flights::default();
		for _ in 0..100 {
			round(meter, chain, &mut flights).await;
			if flights.is_empty() && meter.providers().is_empty() {
				return;
			}
		}
		panic!("reports still to make after 100 rounds");
	}

	#[tokio::test]
	async fn a_refused_report_lands_the_contracts_the_chain_accepts() {
		let meter = meter_reporting_for(1);
		let chain = FakeChain { uses: HashMap::from([(2, 1), (4, 5)]), ..Default::default() };
		for contract in [1, 2, 3, 4, 5] {
			meter.spend(contract, 1, None, 0).unwrap();
		}
		// Contract 2's last use was spent through another gateway.
		chain.used.lock().unwrap().insert(2, 1);
		report_all(&meter, &chain).await;
		for contract in [1, 3, 4, 5] {
			assert_eq!(chain.used(contract), 1, "contract {contract} counted");
		}
		assert_eq!(chain.used(2), 1, "the refused delivery is dropped");
		assert!(meter.ledger.lock().unwrap().counts.values().all(|c| c.in_flight == 0));
	}

	#[tokio::test]
	async fn a_report_whose_answer_is_lost_is_not_counted_twice() {
		let meter = meter_reporting_for(1);
		let chain = FakeChain { uses: HashMap::from([(7, 3)]), ..Default::default() };
		for _ in 0..3 {
			meter.spend(7, 1, left(3), 0).unwrap();
		}
		chain.lose_next_answer.store(true, Ordering::SeqCst);
		let mut flights = Flights::default();
		round(&meter, &chain, &mut flights).await;
		// Counted on chain, but the gateway does not know it: the report
		// stays in flight, and so do its deliveries.
		assert_eq!((chain.used(7), in_flight(&meter, 7), flights.len()), (3, 3, 1));
		assert!(meter.spend(7, 1, left(3), 0).is_err());
		round(&meter, &chain, &mut flights).await;
		assert_eq!(chain.used(7), 3, "the same transaction, counted once");
		assert_eq!(chain.signed.load(Ordering::SeqCst), 1, "no second transaction");
		assert!(flights.is_empty());
		assert_eq!(meter.ledger.lock().unwrap().counts[&7].landed, vec![(1, 3)]);
	}

	#[tokio::test]
	async fn a_report_never_included_is_reported_again() {
		let meter = meter_reporting_for(1);
		let chain = FakeChain::default();
		meter.spend(7, 1, None, 0).unwrap();
		let mut flights = Flights::default();
		flights.insert(1, Flight { tx: (99, vec![(7, 1)]), batch: meter.next_batch(1) });
		// Its nonce used by another transaction, or its era ended.
		round(&meter, &chain, &mut flights).await;
		assert_eq!(meter.ledger.lock().unwrap().counts[&7].unreported, 1);
		report_all(&meter, &chain).await;
		assert_eq!(chain.used(7), 1);
	}

	/// With `uses` uses, no interleaving of requests (reading the uses at
	/// a lagging finalized head), reports, blocks and finality serves more.
	#[test]
	fn no_sequence_of_spends_reports_and_heads_serves_more_than_the_uses() {
		const USES: u32 = 5;
		for seed in 1..=200u64 {
			let meter = meter_reporting_for(1);
			let mut rng = seed;
			let mut next = |bound: u64| {
				// xorshift64
				rng ^= rng << 13;
				rng ^= rng >> 7;
				rng ^= rng << 17;
				rng % bound
			};
			// The chain: the count at each block (block 0: none).
			let mut counted = vec![0u32];
			let mut finalized = 0usize;
			let mut sent: Vec<Batch> = Vec::new();
			// Included, not yet settled: the block and the outcome.
			let mut included: Vec<(Batch, Settled)> = Vec::new();
			let mut served = 0;
			for _ in 0..400 {
				match next(6) {
					0 | 1 => {
						let at = finalized.saturating_sub(next(3) as usize);
						let uses = USES - counted[at];
						let read = Some(Left { uses, at: at as BlockNumber });
						if meter.spend(7, 1, read, 0).is_ok() {
							served += 1;
						}
					},
					2 => {
						let batch = meter.next_batch(1);
						if !batch.is_empty() {
							sent.push(batch);
						}
					},
					3 if !sent.is_empty() => {
						let batch = sent.remove(0);
						let total: u32 = batch.iter().map(|(_, n)| n).sum();
						let now = *counted.last().unwrap();
						let settled = if now + total > USES {
							counted.push(now);
							Settled::Refused("Access::UsesExceeded".into())
						} else {
							counted.push(now + total);
							Settled::Landed((counted.len() - 1) as BlockNumber)
						};
						included.push((batch, settled));
					},
					4 => finalized = counted.len() - 1,
					_ => {
						let (ready, later): (Vec<_>, Vec<_>) =
							std::mem::take(&mut included).into_iter().partition(
								|(_, s)| !matches!(s, Settled::Landed(b) if *b as usize > finalized),
							);
						included = later;
						for (batch, settled) in ready {
							meter.settle(1, &batch, &settled);
						}
					},
				}
				assert!(served <= USES, "seed {seed}: {served} deliveries of {USES} uses");
			}
		}
	}

	#[tokio::test]
	async fn downloads_waiting_on_one_check_ask_the_node_once() {
		let watch = Watch::default();
		let head = H256::repeat_byte(1);
		watch.head.send_replace(Some(head));
		let asked = Arc::new(AtomicUsize::new(0));
		let account = AccountId::new([1; 32]);
		let callers = (0..50).map(|_| {
			let asked = asked.clone();
			watch.allowed(head, (account.clone(), 3, Some(9)), move || async move {
				asked.fetch_add(1, Ordering::SeqCst);
				tokio::time::sleep(Duration::from_millis(20)).await;
				Some((true, AccessBasis::Contract))
			})
		});
		let answers = futures::future::join_all(callers).await;
		assert!(answers.iter().all(|a| *a == Some((true, AccessBasis::Contract))));
		assert_eq!(asked.load(Ordering::SeqCst), 1);
		// Remembered for the head; a new head asks again.
		let again = || async { Some((false, AccessBasis::Expired)) };
		let key = (account.clone(), 3, Some(9));
		assert_eq!(
			watch.allowed(head, key.clone(), again).await,
			Some((true, AccessBasis::Contract))
		);
		let newer = H256::repeat_byte(2);
		watch.head.send_replace(Some(newer));
		assert_eq!(watch.allowed(newer, key, again).await, Some((false, AccessBasis::Expired)));
	}

	#[tokio::test]
	async fn a_check_the_node_could_not_answer_is_asked_again() {
		let watch = Watch::default();
		let head = H256::repeat_byte(1);
		watch.head.send_replace(Some(head));
		let key = (AccountId::new([1; 32]), 3, None);
		assert_eq!(watch.allowed(head, key.clone(), || async { None }).await, None);
		let answered = || async { Some((true, AccessBasis::OpenData)) };
		assert_eq!(watch.allowed(head, key, answered).await, Some((true, AccessBasis::OpenData)));
	}
}
