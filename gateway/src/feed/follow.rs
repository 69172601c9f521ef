//! Following the chain: block after finalized block, the catalogue's events
//! (`citychain_client::events`) with their dataset, owner, consumer and
//! policy read at that block, the saved searches each new dataset or
//! version matches, and the webhook deliveries they make — queued, then
//! recorded in the journal, then the block counts as followed. A block
//! that fails half-way (the node restarted) is followed again from the
//! start; deliveries are queued once per event (`Webhooks::enqueue`).

use super::{concerns, journal::Entry, subscriptions::Subscription, Cursor, Journal, Viewer};
use crate::{error::ApiError, reader::Reader, stac, AppState};
use citychain_client::{
	chain,
	events::{self, Happened},
	primitives::AccessPolicy,
	rpc::api::{AccessApiClient, AccountId, DatasetsApiClient},
};
use serde_json::{json, Map, Value};
use sp_core::{crypto::Ss58Codec, H256};
use std::{sync::Arc, time::Duration};

/// How often the finalized head is asked for.
const POLL: Duration = Duration::from_millis(500);
/// How long to wait after a failure (the node away) before trying again.
const RETRY: Duration = Duration::from_secs(2);

/// Follows the chain for as long as the gateway runs.
pub async fn run(state: Arc<AppState>) {
	let mut client: Option<chain::Client> = None;
	loop {
		match step(&state, &mut client).await {
			Ok(true) => {},
			Ok(false) => tokio::time::sleep(POLL).await,
			Err(e) => {
				tracing::warn!(target: "feed", "following the chain: {e}; trying again");
				client = None;
				tokio::time::sleep(RETRY).await;
			},
		}
	}
}

/// Follows the next finalized block, if there is one; whether there was.
async fn step(state: &AppState, client: &mut Option<chain::Client>) -> Result<bool, String> {
	let feed = &state.feed;
	let journal = match feed.journal.get() {
		Some(journal) => journal,
		None => {
			let genesis = state.node.genesis_hash().await.map_err(|e| e.to_string())?;
			let journal = Journal::open(&feed.dir, &format!("{genesis:?}"))
				.map_err(|e| format!("cannot open the feed's journal: {e}"))?;
			feed.journal.get_or_init(|| journal)
		},
	};
	let head = state.node.finalized_head().await.map_err(|e| e.to_string())?;
	let finalized = state.node.block_number(head).await.map_err(|e| e.to_string())?;
	let next = journal.followed() + 1;
	if next > finalized {
		return Ok(false);
	}
	let chain = match client {
		Some(c) => c,
		None => client.insert(chain::client(&state.node).await.map_err(|e| e.to_string())?),
	};
	let happened = match events::of_block(chain, next).await {
		Ok(happened) => happened,
		Err(e) if e.to_string().contains("discarded") => {
			tracing::warn!(
				target: "feed",
				"the node no longer has the state of #{next}: the feed goes on from #{finalized} ({e})"
			);
			journal.skip_to(finalized - 1).map_err(|e| e.to_string())?;
			return Ok(true);
		},
		Err(e) => return Err(e.to_string()),
	};
	let hash = state.node.block_hash(next).await.map_err(|e| e.to_string())?;
	let mut entries = Vec::with_capacity(happened.len());
	for h in happened {
		entries.push(resolve(state, hash, next, h).await.map_err(|e| e.message)?);
	}
	let deliveries = route(state, hash, &mut entries).await;
	feed.webhooks
		.enqueue(deliveries, citychain_client::auth::now_ms())
		.map_err(|e| format!("cannot queue the webhook deliveries: {e}"))?;
	let count = entries.len();
	journal
		.append(next, entries)
		.map_err(|e| format!("cannot record block #{next}: {e}"))?;
	tracing::debug!(target: "feed", block = next, events = count, "followed");
	Ok(true)
}

/// `h` of block `number` (`hash`) with the dataset, owner, consumer and
/// policy it leaves out, read at that block.
async fn resolve(
	state: &AppState,
	hash: H256,
	number: u32,
	h: Happened,
) -> Result<Entry, ApiError> {
	let mut entry = Entry { block: number, happened: h, ..Default::default() };
	let h = &mut entry.happened;
	if let Some(id) = h.contract {
		if let Some(c) = state.node.contract(id, Some(hash)).await? {
			h.dataset.get_or_insert(c.dataset);
			h.owner.get_or_insert(c.provider);
			h.consumer.get_or_insert(c.consumer);
			entry.restricted = c.policy == AccessPolicy::Restricted;
		}
	} else if let Some(id) = h.dataset {
		if let Some(d) = state.node.dataset(id, Some(hash), None).await? {
			h.owner = h.owner.or(d.owner);
			entry.restricted = d.policy == Some(AccessPolicy::Restricted);
		}
	}
	Ok(entry)
}

/// The saved searches each new dataset or version of `entries` matches
/// (recorded in the entries), and the webhook deliveries of the block:
/// of each saved search to the datasets it matched, of each inbox to the
/// events that concern its account. A subscription that cannot be routed
/// (its saved search refused, the node failing its query) is logged,
/// counted and left out of this block; the others are routed.
async fn route(
	state: &AppState,
	hash: H256,
	entries: &mut [Entry],
) -> Vec<(String, Cursor, String)> {
	let subscriptions = state.feed.subscriptions.all();
	let read: &[Entry] = entries;
	let routed = each_apart(&subscriptions, |sub| route_one(state, hash, sub, read)).await;
	let mut deliveries = Vec::new();
	for (sub, (matched, delivered)) in routed {
		for i in matched {
			entries[i].matched.push((sub.account.clone(), sub.id.clone()));
		}
		deliveries.extend(delivered);
	}
	deliveries
}

/// What one subscription makes of a block: the entries its saved search
/// matched, and its webhook's deliveries.
type Routed = (Vec<usize>, Vec<(String, Cursor, String)>);

/// `one` of each subscription, in turn; a subscription whose `one` fails is
/// logged with its id, counted (`feed_subscription_errors_total`) and left
/// out, and never stops the others.
async fn each_apart<'s, T, F: std::future::Future<Output = Result<T, ApiError>>>(
	subscriptions: &'s [Subscription],
	mut one: impl FnMut(&'s Subscription) -> F,
) -> Vec<(&'s Subscription, T)> {
	let mut done = Vec::with_capacity(subscriptions.len());
	for sub in subscriptions {
		match one(sub).await {
			Ok(t) => done.push((sub, t)),
			Err(e) => {
				crate::metrics::get().feed_subscription_error();
				tracing::warn!(
					target: "feed",
					subscription = %sub.id,
					"this subscription is left out of this block: {}",
					e.message
				);
			},
		}
	}
	done
}

async fn route_one(
	state: &AppState,
	hash: H256,
	sub: &Subscription,
	entries: &[Entry],
) -> Result<Routed, ApiError> {
	let is_new =
		|e: &Entry| matches!(e.happened.event.as_str(), "DatasetRegistered" | "VersionPublished");
	let new: Vec<u64> = entries
		.iter()
		.filter(|e| is_new(e))
		.filter_map(|e| e.happened.dataset)
		.collect();
	let account = AccountId::from_ss58check(&sub.account)
		.map_err(|_| ApiError::bad_request("the subscription's account is not SS58"))?;
	let reader = Reader(citychain_client::rpc::api::Reader::Account(account.clone()));
	let (matched, chosen): (Vec<usize>, Vec<usize>) = match &sub.search {
		Some(search) if !new.is_empty() => {
			let found = matching(state, search, &new, &reader, hash).await?;
			let matched: Vec<usize> = (0..entries.len())
				.filter(|&i| {
					is_new(&entries[i])
						&& entries[i].happened.dataset.is_some_and(|d| found.contains(&d))
				})
				.collect();
			(matched.clone(), matched)
		},
		Some(_) => (Vec::new(), Vec::new()),
		None if sub.webhook.is_some() && !entries.is_empty() => {
			let member = state.node.membership(&account, hash).await?;
			let chosen = (0..entries.len())
				.filter(|&i| !concerns(&entries[i], member.as_ref()).is_empty())
				.collect();
			(Vec::new(), chosen)
		},
		None => (Vec::new(), Vec::new()),
	};
	if sub.webhook.is_none() || chosen.is_empty() {
		return Ok((matched, Vec::new()));
	}
	let viewer = Viewer::of(state, reader).await?;
	let deliveries = chosen
		.into_iter()
		.map(|i| {
			let mut entry = entries[i].clone();
			if matched.contains(&i) {
				entry.matched.push((sub.account.clone(), sub.id.clone()));
			}
			let body = json!({ "subscription": sub.id, "event": viewer.render(&entry) });
			(sub.id.clone(), entries[i].cursor(), body.to_string())
		})
		.collect();
	Ok((matched, deliveries))
}

/// The new datasets `ids` a saved search may match: those among the ids it
/// names (a list or comma-separated text), if it names any.
fn candidates(saved: Option<&Value>, ids: &[u64]) -> Vec<Value> {
	let saved: Option<Vec<String>> = match saved {
		Some(Value::Array(saved)) => {
			Some(saved.iter().filter_map(|s| s.as_str().map(str::to_owned)).collect())
		},
		Some(Value::String(saved)) => Some(saved.split(',').map(|s| s.trim().to_owned()).collect()),
		_ => None,
	};
	ids.iter()
		.map(u64::to_string)
		.filter(|i| saved.as_ref().is_none_or(|saved| saved.contains(i)))
		.map(Value::from)
		.collect()
}

/// Which of the datasets `ids` saved search `search` matches, for its
/// account `reader`, at block `hash`: the node's STAC search with the
/// saved parameters and these ids (within the saved ids, if it names some).
async fn matching(
	state: &AppState,
	search: &Map<String, Value>,
	ids: &[u64],
	reader: &Reader,
	hash: H256,
) -> Result<Vec<u64>, ApiError> {
	let mut params = stac::body_params(search, citychain_stac::query::SEARCH_FIELDS)?;
	let wanted = candidates(params.get("ids"), ids);
	if wanted.is_empty() {
		return Ok(Vec::new());
	}
	let mut found = Vec::new();
	for chunk in wanted.chunks(super::MAX_PAGE) {
		params.insert("ids".into(), chunk.to_vec().into());
		params.insert("limit".into(), super::MAX_PAGE.into());
		let answer = stac::find(state, params.clone(), reader, Some(hash)).await?;
		found.extend(
			answer["features"]
				.as_array()
				.into_iter()
				.flatten()
				.filter_map(|f| f["id"].as_str()?.parse::<u64>().ok()),
		);
	}
	Ok(found)
}

#[cfg(test)]
mod tests {
	use super::*;

	fn subscription(id: &str) -> Subscription {
		Subscription {
			id: id.into(),
			account: "alice".into(),
			department: 1,
			name: id.into(),
			search: None,
			webhook: None,
			secret: None,
			created: 0,
		}
	}

	#[tokio::test]
	async fn a_subscription_that_fails_is_left_out_and_the_others_are_routed() {
		let subs = [subscription("a"), subscription("broken"), subscription("c")];
		let before = crate::metrics::get().render();
		let done = each_apart(&subs, |sub| async move {
			if sub.id == "broken" {
				Err(ApiError::bad_request("the node refused the saved search"))
			} else {
				Ok(sub.id.len())
			}
		})
		.await;
		let ids: Vec<&str> = done.iter().map(|(s, _)| s.id.as_str()).collect();
		assert_eq!(ids, ["a", "c"]);
		assert_ne!(crate::metrics::get().render(), before, "the failure is counted");
	}

	#[test]
	fn a_saved_search_naming_ids_is_asked_about_those_of_the_new_ones_only() {
		let new = [4, 7, 9];
		assert_eq!(candidates(None, &new), [json!("4"), json!("7"), json!("9")]);
		assert_eq!(candidates(Some(&json!(["9", "2", "4"])), &new), [json!("4"), json!("9")]);
		assert_eq!(candidates(Some(&json!("7, 8")), &new), [json!("7")]);
		assert!(
			candidates(Some(&json!(["1"])), &new).is_empty(),
			"none of them: the node is not asked"
		);
	}
}
