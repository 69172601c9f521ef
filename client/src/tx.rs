//! Signed transactions: an sr25519 account signs a call, the node gossips
//! it, and [`submit`] resolves once its block is finalized, with the
//! transaction's own events, or fails with the dispatch error's name.
//! [`sign`] keeps the signed transaction, for a caller that must not do a
//! call twice: when the connection breaks while it waits, it sends the same
//! bytes again until [`Signed::fate`] finds them finalized or dead.
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
	let signed = sign_with(&api, node, signer, call).await?;
	signed.watch_with(&api).await
}

/// Signs `call` as `signer` as [`submit`] does, without sending it: the
/// bytes are kept, so that a caller whose connection breaks while it waits
/// sends the same transaction again ([`Signed::fate`]) rather than a new one
/// that would do the call twice.
pub async fn sign(node: &Node, signer: &Signer, call: &impl Payload) -> Result<Signed> {
	sign_with(&chain::client(node).await?, node, signer, call).await
}

async fn sign_with(
	api: &chain::Client,
	node: &Node,
	signer: &Signer,
	call: &impl Payload,
) -> Result<Signed> {
	let nonce = node.next_index(&signer.ss58()).await?;
	let params = (
		(),
		(),
		(),
		(),
		// Mortal: the runtime refuses immortal transactions, so these bytes
		// cannot be replayed later, and a transaction not in a block when
		// its era ends never will be.
		CheckMortalityParams::mortal(TRANSACTION_LIFETIME),
		CheckNonceParams::with_nonce(nonce.into()),
		(),
	);
	// At the finalized head, where the era begins.
	let at = api.at_current_block().await.map_err(connection)?;
	let signed = at.transactions().create_signed(call, signer, params).await.map_err(refused)?;
	Ok(Signed {
		hash: signed.hash(),
		bytes: signed.into_encoded(),
		account: subxt::tx::Signer::<CityChain>::account_id(signer),
		nonce: nonce.into(),
		born: at.block_number(),
	})
}

/// A signed transaction, kept as bytes so that it is sent again as it is.
pub struct Signed {
	bytes: Vec<u8>,
	hash: Hash,
	account: AccountId32,
	nonce: u64,
	/// The finalized block it was signed at, where its era begins.
	born: u64,
}

/// What became of a [`Signed`] transaction, as the finalized head shows it.
pub enum Fate {
	/// In a finalized block: its outcome, as [`Signed::watch`] gives it.
	Finalized(Result<Included>),
	/// Never to be in a block: another transaction used its nonce in a
	/// finalized block, or its era ended before a finalized block took it.
	Dead,
	/// Neither yet: sent again (the pool keeps one copy).
	Pending,
}

impl Signed {
	/// Sends the transaction over `node`'s connection and waits until its
	/// block is finalized. An error other than [`Error::Dispatch`] leaves
	/// its fate open: it may be in a block already ([`Signed::fate`] tells).
	pub async fn watch(&self, node: &Node) -> Result<Included> {
		self.watch_with(&chain::client(node).await?).await
	}

	async fn watch_with(&self, api: &chain::Client) -> Result<Included> {
		let at = api.at_current_block().await.map_err(connection)?;
		let progress = at
			.transactions()
			.from_bytes(self.bytes.clone())
			.submit_and_watch()
			.await
			.map_err(refused)?;
		let in_block = progress.wait_for_finalized().await.map_err(|e| match e {
			TransactionProgressError::TransactionStatusError(status) => {
				Error::Rejected(match status {
					TransactionStatusError::Invalid(m) => {
						format!("the transaction was invalid: {m}")
					},
					TransactionStatusError::Dropped(m) => {
						format!("the transaction was dropped: {m}")
					},
					other => other.to_string(),
				})
			},
			other => Error::Connection(other.to_string()),
		})?;
		let events = in_block.wait_for_success().await.map_err(|e| match e {
			TransactionEventsError::ExtrinsicFailed(error) => Error::Dispatch(describe(&error)),
			other => invalid(other.to_string()),
		})?;
		Ok(Included { block: in_block.block_hash(), events })
	}

	/// Where the transaction stands at the finalized head. Its nonce not
	/// used yet there: dead if its era has ended, else sent again and
	/// pending. Used: the first finalized block whose state has it used
	/// (found by bisection within the era) holds the transaction that used
	/// it, which is this one or another.
	pub async fn fate(&self, node: &Node) -> Result<Fate> {
		let api = chain::client(node).await?;
		let head = api.at_current_block().await.map_err(connection)?;
		if !self.nonce_used(&head).await? {
			if head.block_number() >= self.born + TRANSACTION_LIFETIME {
				return Ok(Fate::Dead);
			}
			// The pool may hold it already, or refuse it for now: either
			// way the next look at the finalized head tells.
			if let Err(e) = head.transactions().from_bytes(self.bytes.clone()).submit().await {
				tracing::debug!(target: "tx", hash = ?self.hash, "sent again: {}", refused(e));
			}
			return Ok(Fate::Pending);
		}
		// Unused where it was signed (its nonce counted the finalized
		// chain's and more), used at the head.
		let (mut unused, mut used) = (self.born, head.block_number());
		while used.saturating_sub(unused) > 1 {
			let mid = unused + (used - unused) / 2;
			let at = api.at_block(mid).await.map_err(connection)?;
			if self.nonce_used(&at).await? {
				used = mid;
			} else {
				unused = mid;
			}
		}
		let block = api.at_block(used).await.map_err(connection)?;
		let extrinsics = block
			.extrinsics()
			.fetch()
			.await
			.map_err(|e| Error::Connection(format!("block #{used}'s transactions: {e}")))?;
		for extrinsic in extrinsics.iter() {
			let extrinsic =
				extrinsic.map_err(|e| invalid(format!("a transaction of block #{used}: {e}")))?;
			if extrinsic.bytes() != self.bytes {
				continue;
			}
			let events = extrinsic
				.events()
				.await
				.map_err(|e| Error::Connection(format!("block #{used}'s events: {e}")))?;
			let failed = events
				.iter()
				.filter_map(|e| e.ok())
				.find(|e| e.pallet_name() == "System" && e.event_name() == "ExtrinsicFailed");
			let outcome = match failed {
				Some(event) => {
					Err(match DispatchError::decode_from(event.field_bytes(), block.metadata()) {
						Ok(error) => Error::Dispatch(describe(&error)),
						Err(e) => invalid(format!("a dispatch error that does not decode: {e}")),
					})
				},
				None => Ok(Included { block: block.block_hash(), events }),
			};
			return Ok(Fate::Finalized(outcome));
		}
		Ok(Fate::Dead)
	}

	/// Whether the signer's nonce at block `at` is past this transaction's.
	async fn nonce_used(&self, at: &subxt::OnlineClientAtBlock<CityChain>) -> Result<bool> {
		let next = at
			.transactions()
			.account_nonce(&self.account)
			.await
			.map_err(|e| Error::Connection(format!("the reporter's nonce: {e}")))?;
		Ok(next > self.nonce)
	}
}

fn connection(e: impl std::fmt::Display) -> Error {
	Error::Connection(e.to_string())
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
