//! Signed transactions: an sr25519 account signs a call, the node gossips
//! it, and [`submit`] resolves once its block is finalized, with the
//! transaction's own events, or fails with the dispatch error's name.
//!
//! Calls and events are subxt's, generated from the runtime's metadata
//! ([`crate::chain`]); subxt checks each call against the node's metadata
//! before signing, so a runtime upgrade that leaves a call as it was does
//! not need a new client.

use crate::{
	chain::{self, CityChain, Hash},
	rpc::{invalid, Node},
	Error, Result,
};
use sp_core::{crypto::Ss58Codec, sr25519, Pair};
use subxt::{
	config::transaction_extensions::{CheckMortalityParams, CheckNonceParams},
	error::{
		BackendError, DispatchError, ExtrinsicError, RpcError, TransactionEventsError,
		TransactionProgressError, TransactionStatusError,
	},
	events::DecodeAsEvent,
	extrinsics::ExtrinsicEvents,
	utils::{AccountId32, MultiSignature},
};

pub use subxt::tx::Payload;

/// An account that signs: an sr25519 key pair from a secret URI (a
/// mnemonic, a `0x` seed, or a development URI such as `//Alice`).
pub struct Signer {
	pair: sr25519::Pair,
}

impl Signer {
	pub fn from_suri(suri: &str) -> Result<Self> {
		let pair = sr25519::Pair::from_string(suri.trim(), None)
			.map_err(|e| invalid(format!("not a secret key URI: {e:?}")))?;
		Ok(Self { pair })
	}

	pub fn account(&self) -> sp_core::crypto::AccountId32 {
		self.pair.public().into()
	}

	/// The account in SS58 (prefix 42).
	pub fn ss58(&self) -> String {
		self.pair.public().to_ss58check()
	}

	pub fn sign(&self, message: &[u8]) -> sr25519::Signature {
		self.pair.sign(message)
	}
}

impl subxt::tx::Signer<CityChain> for Signer {
	fn account_id(&self) -> AccountId32 {
		AccountId32(self.pair.public().0)
	}

	fn sign(&self, payload: &[u8]) -> MultiSignature {
		MultiSignature::Sr25519(self.pair.sign(payload).0)
	}
}

/// A transaction in a finalized block, with the events it raised.
pub struct Included {
	pub block: Hash,
	pub events: ExtrinsicEvents<CityChain>,
}

impl Included {
	/// Every event of type `E` the transaction raised, in order.
	pub fn all<E: DecodeAsEvent>(&self) -> Result<Vec<E>> {
		self.events
			.find::<E>()
			.collect::<Result<_, _>>()
			.map_err(|e| invalid(format!("an event of the transaction does not decode: {e}")))
	}

	/// The first event of type `E`, or an error naming `what`.
	pub fn first<E: DecodeAsEvent>(&self, what: &str) -> Result<E> {
		self.all::<E>()?
			.into_iter()
			.next()
			.ok_or_else(|| invalid(format!("the transaction raised no {what} event")))
	}
}

/// How many blocks a transaction stays valid (6.4 minutes).
pub const TRANSACTION_LIFETIME: u64 = 128;

/// Signs `call` as `signer` (mortal from the finalized head for
/// [`TRANSACTION_LIFETIME`] blocks, the account's next nonce counting the
/// transactions it has in the pool), submits it over `node`'s connection
/// and waits until its block is finalized.
pub async fn submit(node: &Node, signer: &Signer, call: &impl Payload) -> Result<Included> {
	let api = chain::client(node).await?;
	let nonce = node.next_index(&signer.ss58()).await?;
	let params = (
		(),
		(),
		(),
		(),
		// Mortal: the runtime refuses immortal transactions, so these bytes
		// cannot be replayed later.
		CheckMortalityParams::mortal(TRANSACTION_LIFETIME),
		CheckNonceParams::with_nonce(nonce.into()),
		(),
	);
	let mut transactions = api.tx().await.map_err(|e| Error::Connection(e.to_string()))?;
	let progress = transactions
		.sign_and_submit_then_watch(call, signer, params)
		.await
		.map_err(refused)?;
	let in_block = progress.wait_for_finalized().await.map_err(|e| match e {
		TransactionProgressError::TransactionStatusError(status) => Error::Rejected(match status {
			TransactionStatusError::Invalid(m) => format!("the transaction was invalid: {m}"),
			TransactionStatusError::Dropped(m) => format!("the transaction was dropped: {m}"),
			other => other.to_string(),
		}),
		other => Error::Connection(other.to_string()),
	})?;
	let events = in_block.wait_for_success().await.map_err(|e| match e {
		TransactionEventsError::ExtrinsicFailed(error) => Error::Dispatch(describe(&error)),
		other => invalid(other.to_string()),
	})?;
	Ok(Included { block: in_block.block_hash(), events })
}

/// Why a transaction was not accepted: the call does not match the node's
/// runtime, or the pool refused it.
fn refused(error: ExtrinsicError) -> Error {
	match error {
		// The pool's reason, with its detail: "Invalid Transaction: Custom error: 3".
		ExtrinsicError::ErrorSubmittingTransaction(BackendError::Rpc(RpcError::ClientError(
			subxt::rpcs::Error::User(e),
		))) => Error::Rejected(match e.data {
			Some(data) => format!("{}: {}", e.message, data.get().trim_matches('"')),
			None => e.message,
		}),
		ExtrinsicError::ErrorSubmittingTransaction(e) => Error::Rejected(e.to_string()),
		ExtrinsicError::TransactionStatusStreamError(e) => Error::Connection(e.to_string()),
		other => Error::Rejected(other.to_string()),
	}
}

/// A dispatch error by name, e.g. `Access::NotApprover`.
pub fn describe(error: &DispatchError) -> String {
	match error {
		DispatchError::Module(module) => module.details_string(),
		other => format!("{other:?}"),
	}
}
