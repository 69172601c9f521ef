//! Who may see which dataset records, for searches that name a `reader`:
//! the rule is `citychain_primitives::visibility`; this module reads what it
//! needs from state (the reader's membership, its department's live
//! contracts) once per reader and finalized block. The gateway names the
//! reader it authenticated; the node's own RPC is not authenticated, so a
//! search without a `reader` sees every record, which a node answers only on
//! loopback, to its operator (see docs/exchange.md).

use citychain_primitives::{
	access::{ContractQuery, ContractState, MAX_CONTRACT_PAGE},
	api::{AccessApi, DepartmentsApi},
	visibility::Visibility,
};
use citychain_rpc_api::Reader;
use citychain_runtime::{opaque::Block, AccountId, BlockNumber};
use jsonrpsee::core::RpcResult;
use sp_api::ProvideRuntimeApi;

use super::{invalid_params as invalid, runtime_error};
use crate::search_index::Reached;

/// Most live contracts of a reader's department a search takes into account;
/// a department holding more gets an error rather than a partial view.
pub const MAX_READER_CONTRACTS: usize = 10_000;

/// Readers whose view one block keeps, at most.
pub const VIEWS_PER_BLOCK: usize = 4096;

/// What each reader may see, computed once per reader and finalized block:
/// a reader's view needs a membership lookup and a walk through its
/// department's contracts, which a page of search results should not repeat.
#[derive(Default)]
pub struct Views {
	at: std::sync::Mutex<(Option<Reached>, ViewsAt)>,
}

/// Each reader's view at one block.
type ViewsAt = std::collections::HashMap<Reader, Option<Visibility>>;

impl Views {
	/// `reader`'s view at `at` ([`visible_to`]) unless known.
	pub fn get<C>(&self, client: &C, reader: &Reader, at: Reached) -> RpcResult<Option<Visibility>>
	where
		C: ProvideRuntimeApi<Block>,
		C::Api: AccessApi<Block, AccountId, BlockNumber>
			+ DepartmentsApi<Block, AccountId, BlockNumber>,
	{
		{
			let known = self.at.lock().unwrap_or_else(|p| p.into_inner());
			if known.0 == Some(at) {
				if let Some(view) = known.1.get(reader) {
					return Ok(view.clone());
				}
			}
		}
		let view = visible_to(client, reader, at)?;
		let mut known = self.at.lock().unwrap_or_else(|p| p.into_inner());
		if known.0 != Some(at) {
			*known = (Some(at), Default::default());
		}
		if known.1.len() >= VIEWS_PER_BLOCK {
			known.1.clear();
		}
		known.1.insert(reader.clone(), view.clone());
		Ok(view)
	}
}

/// What `reader` may see at block `at` (`Visibility::of`, from its
/// membership and its department's live contracts); `None` if every record.
pub fn visible_to<C>(client: &C, reader: &Reader, at: Reached) -> RpcResult<Option<Visibility>>
where
	C: ProvideRuntimeApi<Block>,
	C::Api:
		AccessApi<Block, AccountId, BlockNumber> + DepartmentsApi<Block, AccountId, BlockNumber>,
{
	let Reader::Account(account) = reader else { return Ok(Some(Visibility::public())) };
	let api = client.runtime_api();
	let membership = api.membership(at.hash, account.clone()).map_err(runtime_error)?;
	Visibility::of(membership.as_ref(), |department| {
		let mut contracted = Vec::new();
		let mut cursor = None;
		loop {
			let query = ContractQuery {
				consumer: Some(department),
				provider: None,
				dataset: None,
				state: Some(ContractState::Approved),
				cursor,
				limit: MAX_CONTRACT_PAGE,
			};
			let page = api.contracts(at.hash, query).map_err(runtime_error)?.map_err(|e| {
				runtime_error(format!("contracts of the reader's department: {e:?}"))
			})?;
			contracted.extend(
				page.items
					.iter()
					.filter(|c| c.contract.grants_at(at.number))
					.map(|c| c.contract.dataset),
			);
			if contracted.len() > MAX_READER_CONTRACTS {
				return Err(invalid(format!(
					"reader: its department holds more than {MAX_READER_CONTRACTS} live contracts, more than a search takes into account"
				)));
			}
			match page.next {
				Some(next) => cursor = Some(next),
				None => return Ok(contracted),
			}
		}
	})
}
