//! The node's search index: the dataset registry as of the finalized head
//! (and of the finalized blocks of the last hour, for stable cursors), in
//! SQLite beside the chain's database.
//!
//! It also follows the access contracts (the regulator's question: who
//! obtained data about a place and time, and for what): each contract with
//! the extent it covers and its times, and the audit entries about it.
//!
//! Searching needs no consensus: this node verified every block it indexes,
//! so an index derived from its own finalized blocks is as trustworthy as the
//! chain. A task follows finality and applies each finalized block's dataset
//! changes (the records its `Datasets` events name, with their earlier
//! versions) in one SQLite transaction together with the block it reached.
//! On start it catches up from where it stopped; an index that is missing,
//! of another chain or node version, not on the finalized chain, or behind
//! what the node can still read is rebuilt from the records in state at the
//! finalized head.
//!
//! Its seams, each file using only those listed before it:
//! - `text`: free-text terms and how they are ranked;
//! - `query`: what a search means (`Search`, `Filter`, the sort order and
//!   the cursor) and `Search::matches`, which decides (the reader's
//!   visibility by `citychain_primitives::visibility`); no SQL;
//! - `accesses`: what the index keeps of an access contract (`Access`) and
//!   what an access search means (`AccessSearch::matches`); no SQL;
//! - `aggregate`: what an aggregation counts of a search's matches, and
//!   the tally the store feeds; no SQL;
//! - `terms`: what a dataset's rules decide for a request, for a filter's
//!   `citychain:outcome` calls (state read at the finalized head);
//! - `sql`: the SQL that narrows and orders a search's candidates;
//! - `error`: what can go wrong, mapped to JSON-RPC errors by `rpc::datasets`;
//! - `store`: the SQLite schema, applying blocks, rebuilding, and running a
//!   search's SQL;
//! - `index`: the shared index, its readers and admission;
//! - `follower`: following finality, reading state under the runtime's own
//!   storage keys.

mod accesses;
mod aggregate;
mod error;
mod follower;
mod index;
mod query;
mod sql;
mod store;
mod terms;
mod text;

#[cfg(test)]
pub(crate) mod fixtures;

use std::path::{Path, PathBuf};

pub use accesses::{AccessCursor, AccessSearch, Moment as AccessMoment};
pub use aggregate::{
	Aggregation, Counted, Tally, Unknown as UnknownAggregation, AGGREGATIONS, MAX_AGGREGATED,
	MAX_AGGREGATIONS, MAX_BUCKETS, MAX_GEOHASH_PRECISION, MAX_GEOTILE_ZOOM,
};
pub use error::Error;
pub use follower::{start, Chain};
pub use index::{SearchIndex, QUEUED, READERS};
pub use query::{
	Cursor, Filter, Invalid, Record, Search, SortKey, Sortable, MAX_IDS, MAX_KEYWORDS, MAX_OWNERS,
	MAX_POSITIONS, MAX_SORT_KEYS, QUERYABLES,
};
pub use store::{files, AccessPage, Extent, Found, Page, Reached};
pub use terms::{Terms, OUTCOME};
pub use text::{FreeText, TextError, MAX_TERMS};

/// The file's name in the chain's directory (`<base>/chains/<id>/`).
pub const FILE_NAME: &str = "search-index.sqlite";

/// Where the index of a chain lives.
pub fn path(chain_dir: &Path) -> PathBuf {
	chain_dir.join(FILE_NAME)
}
