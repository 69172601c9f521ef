//! CityChain's Rust client library, shared by the data gateway and the
//! `citychain` command line.
//!
//! - [`rpc::Node`]: JSON-RPC over WebSocket to a node, reconnecting when the
//!   node restarts, with typed helpers for CityChain's methods.
//! - [`tx`]: signing a runtime call with an sr25519 account and submitting
//!   it, waiting for finality and decoding the outcome from the block's
//!   events.
//! - [`checkpoint`]: the audit log's hash at one entry, signed and kept off
//!   chain, and checked against the chain later.
//! - [`auth`]: the gateway's request signature (an account signs method,
//!   path, time and nonce), made by clients and checked by the gateway.
//! - [`envelope`]: a data key sealed to a department's x25519 key
//!   (libsodium's sealed box, as `@citychain/api` makes them).
//! - [`crypt`]: a file encrypted in chunks with XChaCha20-Poly1305.
//! - [`hash`]: a file's multihash in each function the chain knows.
//! - [`keys`]: key files, written and read with owner-only permissions.
//! - [`store`]: where a provider's gateway keeps the files it serves.

pub mod auth;
pub mod checkpoint;
pub mod crypt;
pub mod envelope;
pub mod hash;
pub mod keys;
pub mod rpc;
pub mod store;
pub mod tx;

pub use citychain_primitives as primitives;
pub use citychain_runtime as runtime;

/// An error of any client operation, with a message for a person.
#[derive(Debug)]
pub enum Error {
	/// The node could not be reached or the connection broke.
	Connection(String),
	/// The node answered a JSON-RPC error.
	Rpc { code: i32, message: String },
	/// The transaction pool refused the transaction.
	Rejected(String),
	/// The transaction was included but its dispatch failed.
	Dispatch(String),
	/// An answer or a file was not what it should be.
	Invalid(String),
	/// A local file could not be read or written.
	Io(std::io::Error),
}

impl std::fmt::Display for Error {
	fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
		match self {
			Self::Connection(m) => write!(f, "node connection: {m}"),
			Self::Rpc { code, message } => write!(f, "node error {code}: {message}"),
			Self::Rejected(m) => write!(f, "transaction rejected: {m}"),
			Self::Dispatch(m) => write!(f, "transaction failed: {m}"),
			Self::Invalid(m) => f.write_str(m),
			Self::Io(e) => write!(f, "{e}"),
		}
	}
}

impl std::error::Error for Error {}

impl From<std::io::Error> for Error {
	fn from(e: std::io::Error) -> Self {
		Self::Io(e)
	}
}

pub type Result<T, E = Error> = std::result::Result<T, E>;
