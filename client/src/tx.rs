//! Signed transactions: an sr25519 account signs a runtime call, the node
//! gossips it, and [`submit`] resolves once its block is finalized, with the
//! transaction's own events, or fails with the dispatch error's name.
//!
//! Calls and events use the runtime crate's own types, so a client is built
//! for one runtime version and refuses to sign for another.

use crate::{rpc::invalid, rpc::Node, Error, Result};
use citychain_runtime::{RuntimeCall, RuntimeError, RuntimeEvent};
use codec::{Decode, Encode};
use frame_system::{EventRecord, Phase};
use serde_json::{json, Value};
use sp_core::{crypto::Ss58Codec, sr25519, Pair, H256};
use sp_runtime::{generic::Era, AccountId32, DispatchError};

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

	pub fn account(&self) -> AccountId32 {
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

/// A transaction in a finalized block, with the events it raised.
pub struct Included {
	pub block: H256,
	pub events: Vec<RuntimeEvent>,
}

/// How many blocks a transaction stays valid (6.4 minutes).
pub const TRANSACTION_LIFETIME: u64 = 128;

/// Signs `call` as `signer` (mortal from the finalized head for
/// [`TRANSACTION_LIFETIME`] blocks, the account's next nonce), submits it and
/// waits until its block is finalized.
pub async fn submit(node: &Node, signer: &Signer, call: RuntimeCall) -> Result<Included> {
	let genesis = node.genesis_hash().await?;
	let version = node.runtime_version().await?;
	// Calls and events are encoded with the runtime this client was built with.
	let built = citychain_runtime::VERSION.spec_version;
	if version.spec_version != built {
		return Err(invalid(format!(
			"the node runs runtime spec version {}, this client was built for {built}: rebuild it from the matching release",
			version.spec_version
		)));
	}
	let nonce = node.next_index(&signer.ss58()).await?;
	// Mortal from the finalized head: the runtime refuses immortal
	// transactions, so these bytes cannot be replayed later.
	let birth = node.finalized_head().await?;
	let era = Era::mortal(TRANSACTION_LIFETIME, node.block_number(birth).await?.into());
	let xt = citychain_runtime::signed_transaction(call, &signer.pair, nonce, era, genesis, birth);
	let encoded = format!("0x{}", hex::encode(xt.encode()));

	let mut watch = node
		.subscribe::<Value>(
			"author_submitAndWatchExtrinsic",
			vec![json!(encoded)],
			"author_unwatchExtrinsic",
		)
		.await
		.map_err(|e| match e {
			Error::Rpc { message, .. } => Error::Rejected(message),
			other => other,
		})?;
	let block = loop {
		let status = match watch.next().await {
			Some(Ok(status)) => status,
			Some(Err(e)) => return Err(Error::Connection(e.to_string())),
			None => {
				return Err(Error::Connection(
					"the node closed the transaction's subscription".into(),
				))
			},
		};
		if let Some(hash) = status.get("finalized") {
			break serde_json::from_value::<H256>(hash.clone())
				.map_err(|_| invalid("a finalized status without a block hash"))?;
		}
		let ended = ["usurped", "finalityTimeout", "dropped", "invalid"]
			.into_iter()
			.find(|s| status.get(s).is_some() || status.as_str() == Some(s));
		if let Some(ended) = ended {
			return Err(Error::Rejected(format!("the transaction was {ended}")));
		}
	};
	let _ = watch.unsubscribe().await;

	let events = events_of(node, block, &encoded).await?;
	if let Some(error) = events.iter().find_map(|e| match e {
		RuntimeEvent::System(frame_system::Event::ExtrinsicFailed { dispatch_error, .. }) => {
			Some(*dispatch_error)
		},
		_ => None,
	}) {
		return Err(Error::Dispatch(describe(error)));
	}
	Ok(Included { block, events })
}

/// The events of the extrinsic `encoded` (0x-hex) in block `hash`.
async fn events_of(node: &Node, hash: H256, encoded: &str) -> Result<Vec<RuntimeEvent>> {
	let block: Value = node.request("chain_getBlock", vec![json!(hash)]).await?;
	let index = block["block"]["extrinsics"]
		.as_array()
		.and_then(|xts| xts.iter().position(|x| x.as_str() == Some(encoded)))
		.ok_or_else(|| invalid("the transaction is not in the block that finalized it"))?;
	let bytes = node.storage_value("System", "Events", hash).await?.unwrap_or_default();
	let records = Vec::<EventRecord<RuntimeEvent, H256>>::decode(&mut &bytes[..])
		.map_err(|_| invalid("the block's events do not decode with this client's runtime"))?;
	Ok(records
		.into_iter()
		.filter(|r| r.phase == Phase::ApplyExtrinsic(index as u32))
		.map(|r| r.event)
		.collect())
}

/// A dispatch error by name, e.g. `Access::NotApprover`.
pub fn describe(error: DispatchError) -> String {
	match RuntimeError::from_dispatch_error(error) {
		Some(runtime_error) => {
			let text = format!("{runtime_error:?}");
			match text.split_once('(') {
				Some((pallet, rest)) => format!("{pallet}::{}", rest.trim_end_matches(')')),
				None => text,
			}
		},
		None => format!("{error:?}"),
	}
}

/// The account `ss58` as a runtime account id.
pub fn account_id(ss58: &str) -> Result<AccountId32> {
	AccountId32::from_ss58check(ss58).map_err(|_| invalid(format!("not an SS58 account: {ss58}")))
}
