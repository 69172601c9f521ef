//! Why a command failed, by kind, and the exit code of each kind (the
//! only place that chooses one).

use citychain_client::Error;
use std::fmt;

/// Why a command failed.
#[derive(Debug)]
pub enum Failure {
	/// The command line, or a file it names, is not what the command needs.
	Usage(String),
	/// What the command names does not exist: a dataset, a contract, a
	/// department.
	NotFound(String),
	/// The node, the chain or a gateway refused, or a check did not hold.
	Refused(String),
	/// The data fetched does not match the hash on chain.
	HashMismatch(String),
	/// The client library failed: the node unreachable, a transaction
	/// refused or failed, a file that cannot be read or written.
	Client(Error),
}

impl Failure {
	/// 1 refused or failed, 2 a usage error (as clap's own), 3 the data does
	/// not match its hash, 4 not found.
	pub fn exit_code(&self) -> u8 {
		match self {
			Self::Refused(_) | Self::Client(_) => 1,
			Self::Usage(_) => 2,
			Self::HashMismatch(_) => 3,
			Self::NotFound(_) => 4,
		}
	}
}

impl fmt::Display for Failure {
	fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
		match self {
			Self::Usage(m) | Self::NotFound(m) | Self::Refused(m) => f.write_str(m),
			Self::HashMismatch(m) => write!(f, "hash mismatch: {m}"),
			Self::Client(e) => e.fmt(f),
		}
	}
}

impl<E: Into<Error>> From<E> for Failure {
	fn from(e: E) -> Self {
		Self::Client(e.into())
	}
}
