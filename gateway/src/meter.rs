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
//! with an error within a block of the finalization.

use crate::{error::ApiError, AppState};
use axum::body::Bytes;
use citychain_client::{
	chain::api,
	primitives::{access::AccessBasis, DepartmentId},
	rpc::api::{AccessApiClient, AccountId},
	tx::{self, Signer},
};
use futures::Stream;
use std::{
	collections::{BTreeMap, HashMap, HashSet},
	pin::Pin,
	sync::{Arc, Mutex},
	task::{Context, Poll},
	time::Duration,
};

/// How often the reporter looks for deliveries to report.
const REPORT_EVERY: Duration = Duration::from_secs(2);
/// Most `(contract, count)` pairs of one report (the runtime's bound).
const MAX_BATCH: usize = 32;
/// How often a running download looks for a new finalized block.
const WATCH_EVERY: Duration = Duration::from_secs(1);

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
}

impl Meter {
	/// A meter whose reports `reporters` sign.
	pub fn new(reporters: Vec<Signer>) -> Self {
		Self { reporters, reporting: Mutex::default(), counts: Mutex::default() }
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
	/// leaves `uses_left` (`None`: unlimited).
	pub fn spend(
		&self,
		contract: u64,
		provider: DepartmentId,
		uses_left: Option<u32>,
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
		if !reports {
			return Ok(());
		}
		let mut counts = self.counts.lock().expect("not poisoned");
		let count = counts.entry(contract).or_insert(Count { provider, ..Count::default() });
		let pending = count.unreported.saturating_add(count.in_flight);
		if let Some(left) = uses_left {
			if pending >= left {
				return Err(ApiError::forbidden(format!(
					"contract {contract}'s deliveries are spent: none of its uses is left"
				)));
			}
		}
		count.unreported = count.unreported.saturating_add(1);
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

/// Ends (with an error) when `account` may no longer read `dataset` under
/// `contract` (`None`: as open data) at a finalized block.
async fn access_ends(
	state: Arc<AppState>,
	account: AccountId,
	dataset: u64,
	contract: Option<u64>,
) -> std::io::Error {
	let mut seen = None;
	loop {
		tokio::time::sleep(WATCH_EVERY).await;
		let Ok(head) = state.node.finalized_head().await else { continue };
		if seen == Some(head) {
			continue;
		}
		seen = Some(head);
		let Ok(check) = state.node.check(account.clone(), dataset, Some(head)).await else {
			continue;
		};
		// A download that spent the last use finishes.
		let still = match check.basis {
			AccessBasis::UsesSpent => check.contract == contract,
			_ => check.allowed && check.contract == contract,
		};
		if !still {
			tracing::warn!(target: "delivery", dataset, ?contract, basis = ?check.basis, "access ended: download stopped");
			return std::io::Error::other(format!(
				"access to dataset {dataset} ended during the download ({:?})",
				check.basis
			));
		}
	}
}

type Ends = Pin<Box<dyn std::future::Future<Output = std::io::Error> + Send>>;

/// A download's bytes, until its access ends.
pub struct Watched<S> {
	bytes: S,
	ends: Option<Ends>,
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
		Self { bytes, ends: Some(Box::pin(access_ends(state, account, dataset, contract))) }
	}
}

impl<S, E> Stream for Watched<S>
where
	S: Stream<Item = Result<Bytes, E>> + Unpin,
	E: std::fmt::Display,
{
	type Item = Result<Bytes, std::io::Error>;

	fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
		if let Some(ends) = self.ends.as_mut() {
			if let Poll::Ready(e) = ends.as_mut().poll(cx) {
				self.ends = None;
				return Poll::Ready(Some(Err(e)));
			}
		} else {
			return Poll::Ready(None);
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
			meter.spend(7, 1, Some(3)).unwrap();
		}
		assert_eq!(meter.spend(7, 1, Some(3)).unwrap_err().status.as_u16(), 403);
		let batch = meter.take_batch(1);
		assert_eq!(batch, vec![(7, 3)]);
		// In flight, the deliveries still count against what the finalized
		// chain says is left.
		assert!(meter.spend(7, 1, Some(3)).is_err());
		meter.settle(&batch, false);
		assert_eq!(meter.take_batch(1), vec![(7, 3)], "a failed report is tried again");
		meter.settle(&[(7, 3)], true);
		// Finalized: the chain now leaves 0 of 3, and the meter holds none.
		assert!(meter.counts.lock().unwrap().is_empty());
		assert!(meter.spend(7, 1, Some(0)).is_err());
		meter.spend(7, 1, Some(2)).unwrap();
	}

	#[test]
	fn a_gateway_that_cannot_report_serves_no_metered_contract() {
		let meter = meter_reporting_for(1);
		assert_eq!(meter.spend(9, 2, Some(5)).unwrap_err().status.as_u16(), 503);
		meter.spend(9, 2, None).unwrap();
		assert!(meter.take_batch(2).is_empty(), "unlimited and unreportable: not counted");
	}

	#[test]
	fn batches_hold_at_most_the_runtimes_bound() {
		let meter = meter_reporting_for(1);
		for contract in 0..40 {
			meter.spend(contract, 1, None).unwrap();
		}
		assert_eq!(meter.take_batch(1).len(), MAX_BATCH);
		assert_eq!(meter.take_batch(1).len(), 40 - MAX_BATCH);
	}
}
