//! What can go wrong when the index answers a search or follows a block.
//! The node's RPC maps it to JSON-RPC errors in one place
//! (`rpc::datasets`). A search's parameters are refused before anything is
//! read, by the parsers of `query` and `text`.

use std::{fmt, path::PathBuf, time::Duration};

use citychain_runtime::BlockNumber;

/// Why the index could not answer a search or follow a block.
#[derive(Debug)]
pub enum Error {
	/// Every reader is reading and the queue is full: the search is refused
	/// rather than queued.
	Busy {
		/// Searches in progress.
		searches: usize,
	},
	/// The block asked for (a cursor's) is older than the index keeps.
	Expired {
		/// The block asked for.
		at: BlockNumber,
		/// The oldest block the index can answer at.
		oldest: BlockNumber,
	},
	/// The queries ran longer than they may and were interrupted.
	Stopped(Duration),
	/// An aggregation's search matches more candidates than one aggregation
	/// examines.
	TooMany {
		/// The bound.
		most: usize,
	},
	/// SQLite failed.
	Sqlite(rusqlite::Error),
	/// A file of the index could not be removed or moved.
	File {
		/// The file.
		path: PathBuf,
		/// What the system said.
		source: std::io::Error,
	},
	/// The node's state could not be read.
	State(String),
	/// What state or the index holds does not decode.
	Decode {
		/// What it is (`dataset 7`, `events`, a meta key).
		what: String,
		/// What the decoder said.
		source: codec::Error,
	},
	/// What a finalized block implies is missing (a block's hash, a record
	/// an event names).
	Missing(String),
	/// The rebuild's writing thread panicked.
	WriterPanicked,
}

impl fmt::Display for Error {
	fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
		match self {
			Error::Busy { searches } => write!(
				f,
				"the search index is busy ({searches} searches in progress); try again shortly"
			),
			Error::Expired { at, oldest } => write!(
				f,
				"block #{at} is older than the search index keeps (from #{oldest}): the cursor expired; search again"
			),
			Error::Stopped(budget) => write!(
				f,
				"the search ran for {} s and was stopped; narrow it",
				budget.as_secs_f64()
			),
			Error::TooMany { most } => write!(
				f,
				"the search has more than {most} candidates to aggregate; narrow it"
			),
			Error::Sqlite(e) => write!(f, "search index: {e}"),
			Error::File { path, source } => write!(f, "{}: {source}", path.display()),
			Error::State(e) => write!(f, "reading state: {e}"),
			Error::Decode { what, source } => write!(f, "{what}: {source}"),
			Error::Missing(what) => f.write_str(what),
			Error::WriterPanicked => f.write_str("the search index writer panicked"),
		}
	}
}

impl std::error::Error for Error {}

impl From<rusqlite::Error> for Error {
	fn from(e: rusqlite::Error) -> Self {
		Error::Sqlite(e)
	}
}

impl From<sp_blockchain::Error> for Error {
	fn from(e: sp_blockchain::Error) -> Self {
		Error::State(e.to_string())
	}
}
