//! `audit_accessSearch`: who obtained data about a place and time, from the
//! node's search index at a finalized block, as `datasets_search` answers
//! (the same box, geometry and datetime parsers and bounds, the same
//! admission, the same cursors bound to this node). Like `audit_entries`,
//! public to every RPC caller: no reader.

use std::sync::Arc;

use citychain_primitives::{datasets::Extent, TimeInterval};
use citychain_rpc_api::{
	accountability::{
		AccessItem, AccessPage, AccessSearchParams, Deliveries, Interval, Moment, DEFAULT_LIMIT,
	},
	text, AccountabilityApiServer,
};
use citychain_runtime::opaque::Block;
use jsonrpsee::{
	core::{async_trait, RpcResult},
	types::ErrorObjectOwned,
};
use sp_blockchain::HeaderBackend;

use super::{
	datasets::{
		admission, answered_at, index_error, index_failure, indexed, parse_bbox, parse_datetime,
		parse_intersects, sealed, unsealed,
	},
	invalid_params as invalid, Hash,
};
use crate::search_index::{AccessCursor, AccessMoment, AccessSearch, Found, SearchIndex};

/// The search `p` asks for.
fn parse(p: &AccessSearchParams) -> Result<AccessSearch, ErrorObjectOwned> {
	p.check().map_err(invalid)?;
	let cursor = p
		.cursor
		.as_deref()
		.map(|token| unsealed("cursor", token, None, AccessCursor::parse))
		.transpose()?;
	let accessed = (p.accessed_from.is_some() || p.accessed_to.is_some())
		.then_some(TimeInterval { start: p.accessed_from, end: p.accessed_to });
	Ok(AccessSearch {
		bbox: p.bbox.as_ref().map(parse_bbox).transpose()?,
		intersects: p.intersects.as_ref().map(parse_intersects).transpose()?,
		time: p.datetime.as_deref().map(parse_datetime).transpose()?,
		accessed,
		consumers: p.consumer.clone(),
		providers: p.provider.clone(),
		purpose: p.purpose.as_ref().map(|c| c.as_bytes().to_vec()),
		outcomes: p.outcome.clone(),
		cursor,
		limit: p.limit.unwrap_or(DEFAULT_LIMIT),
	})
}

fn moment(m: AccessMoment) -> Moment {
	Moment { block: m.block, time: m.time, estimated: m.estimated }
}

/// A contract the index found, as JSON-RPC answers it.
fn item(found: Found) -> AccessItem {
	let Found { access: a, entries, entry_count } = found;
	let Extent { bbox, time } = a.extent;
	let accessed = a.accessed();
	AccessItem {
		contract: a.contract,
		dataset: a.dataset,
		version: a.version,
		consumer: a.consumer,
		provider: a.provider,
		purpose: text(&a.purpose),
		purpose_code: a.purpose_code.as_deref().map(text),
		outcome: a.outcome(),
		state: a.state,
		disputed: a.disputed,
		requested: moment(a.requested),
		decided: a.decided.map(moment),
		expires: a.expires.map(moment),
		ended: a.ended.map(moment),
		bbox: bbox.degrees(),
		datetime: Interval { start: time.start, end: time.end },
		scoped: a.scoped,
		accessed: Interval { start: accessed.start, end: accessed.end },
		deliveries: Deliveries { used: a.used, allowed: a.uses },
		audit_entries: entries,
		audit_count: entry_count,
	}
}

/// Serves `audit_accessSearch` from the node's search index.
pub struct Accountability<C> {
	client: Arc<C>,
	index: Option<Arc<SearchIndex>>,
}

impl<C> Accountability<C> {
	/// The accountability RPC over `client`'s finalized chain; it needs
	/// `index` (`None`: the node runs with `--search-index off`).
	pub fn new(client: Arc<C>, index: Option<Arc<SearchIndex>>) -> Self {
		Self { client, index }
	}
}

#[async_trait]
impl<C> AccountabilityApiServer for Accountability<C>
where
	C: HeaderBackend<Block> + Send + Sync + 'static,
{
	async fn access_search(
		&self,
		params: AccessSearchParams,
		at: Option<Hash>,
	) -> RpcResult<AccessPage> {
		let admitted = admission(self.index.as_ref())?;
		// The geometry's parse is bounded (`citychain_stac::intersects`), as
		// in `datasets_search`; the rest is a few comparisons.
		let search = parse(&params)?;
		let cursor = search.cursor.map(|c| c.block);
		let (index, answered) = indexed(&*self.client, self.index.as_ref(), at, cursor).await?;
		let page = tokio::task::spawn_blocking(move || {
			let _admitted = admitted;
			index.search_accesses(&search, answered.number).map_err(index_failure)
		})
		.await
		.map_err(|e| index_error(e.to_string()))??;
		Ok(AccessPage {
			at: answered_at(answered),
			items: page.items.into_iter().map(item).collect(),
			next: page.next.map(|c| sealed(c.token(), None)),
		})
	}
}

#[cfg(test)]
mod tests {
	use super::*;
	use citychain_rpc_api::accountability::Outcome;

	fn params(json: &str) -> AccessSearchParams {
		serde_json::from_str(json).unwrap()
	}

	#[test]
	fn parameters_become_the_search_and_a_cursor_must_be_this_nodes() {
		let search = parse(&params(
			r#"{"bbox":[116.2,39.8,116.3,39.9],"datetime":"2024-01-01T00:00:00Z/..","accessedTo":5,"consumer":[1,2],"purpose":"planning","outcome":["refused"]}"#,
		))
		.unwrap();
		assert_eq!(search.bbox.map(|b| b.degrees()), Some([116.2, 39.8, 116.3, 39.9]));
		assert_eq!(search.time.and_then(|t| t.start), Some(1_704_067_200_000));
		assert_eq!(search.accessed, Some(TimeInterval { start: None, end: Some(5) }));
		assert_eq!((search.consumers, search.purpose), (vec![1, 2], Some(b"planning".to_vec())));
		assert_eq!((search.outcomes, search.limit), (vec![Outcome::Refused], DEFAULT_LIMIT));
		let token = sealed(AccessCursor { block: 9, after: 4 }.token(), None);
		let continued = parse(&params(&format!(r#"{{"cursor":"{token}"}}"#))).unwrap();
		assert_eq!(continued.cursor, Some(AccessCursor { block: 9, after: 4 }));
		let forged = format!("{}.{}", AccessCursor { block: 9, after: 0 }.token(), "00".repeat(16));
		let refused = parse(&params(&format!(r#"{{"cursor":"{forged}"}}"#))).unwrap_err();
		assert!(refused.message().starts_with("cursor: not a cursor of this node"));
		// Refused by the parsers `datasets_search` uses.
		for json in [
			r#"{"bbox":[0,0,1]}"#,
			r#"{"datetime":"2024-01-01T00:00:00Z/2023-01-01T00:00:00Z"}"#,
			r#"{"intersects":{"type":"Point","coordinates":[200,0]}}"#,
			r#"{"purpose":"NOT A CODE"}"#,
		] {
			assert_eq!(parse(&params(json)).unwrap_err().code(), -32602, "{json}");
		}
	}

	#[test]
	fn an_item_carries_the_contract_and_its_entries() {
		let a =
			crate::search_index::fixtures::access(&mut crate::search_index::fixtures::Rng(3), 5);
		let shown = item(Found { access: a.clone(), entries: vec![1, 2], entry_count: 70 });
		assert_eq!((shown.contract, shown.consumer), (5, a.consumer));
		assert_eq!((shown.audit_entries, shown.audit_count), (vec![1, 2], 70));
		assert_eq!(shown.outcome, a.outcome());
		assert_eq!(shown.accessed.start, a.requested.time);
	}
}
