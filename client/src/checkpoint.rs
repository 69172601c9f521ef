//! Audit checkpoints: the audit log's hash at one entry, signed by the
//! account that took it (a regulator's Auditor, say) and kept off chain.
//!
//! The log is a hash chain, so one entry's hash pins every entry before it.
//! A checkpoint taken today and checked later shows that nobody rewrote the
//! log since (not even with a runtime upgrade or a fork of the whole chain):
//! the entry at the checkpoint's index must still have the checkpoint's hash,
//! and every entry after it must chain to it.
//!
//! A checkpoint also carries the log's size and the root of its Merkle
//! Mountain Range, read with a storage proof (`proven`). Checking it
//! later then takes one consistency proof, O(log n) hashes, against the
//! root the state proves now: the log of today extends the log of the
//! checkpoint, entry for entry, even where old bodies were pruned.

use crate::{
	chain, proven,
	rpc::{
		api::{
			audit::{ConsistencyParams, EntriesParams, Entry, VerifyParams},
			AuditApiClient,
		},
		Node,
	},
	tx::Signer,
	Error, Result,
};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use sp_core::{crypto::Ss58Codec, sr25519, Pair, H256};

/// The most entries one `audit_verify` call recomputes
/// (`citychain_primitives::audit::MAX_VERIFY_SPAN`).
const VERIFY_SPAN: u64 = citychain_primitives::audit::MAX_VERIFY_SPAN;

/// A signed statement: on chain `chain`, audit entry `index` (in block
/// `block`) has hash `head`, and the log of `size` entries has root `root`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Checkpoint {
	/// The chain's genesis hash.
	pub chain: H256,
	pub index: u64,
	pub head: H256,
	pub block: u32,
	/// The log's size and root; absent from checkpoints taken before the log
	/// had a root.
	#[serde(default, skip_serializing_if = "Option::is_none")]
	pub size: Option<u64>,
	#[serde(default, skip_serializing_if = "Option::is_none")]
	pub root: Option<H256>,
	/// The signing account, SS58.
	pub signer: String,
	/// sr25519 over [`message`], 0x-hex.
	pub signature: String,
}

/// The text a checkpoint's signature covers: version 1 without the log's
/// root, version 2 with it.
pub fn message(chain: &H256, index: u64, head: &H256, root: Option<(u64, H256)>) -> Vec<u8> {
	match root {
		None => format!("citychain-audit-checkpoint/1\n{chain:?}\n{index}\n{head:?}"),
		Some((size, root)) => {
			format!("citychain-audit-checkpoint/2\n{chain:?}\n{index}\n{head:?}\n{size}\n{root:?}")
		},
	}
	.into_bytes()
}

impl Checkpoint {
	pub fn sign(
		signer: &Signer,
		chain: H256,
		(index, head, block): (u64, H256, u32),
		root: Option<(u64, H256)>,
	) -> Self {
		let signature = signer.sign(&message(&chain, index, &head, root));
		Self {
			chain,
			index,
			head,
			block,
			size: root.map(|r| r.0),
			root: root.map(|r| r.1),
			signer: signer.ss58(),
			signature: format!("0x{}", hex::encode(signature.0)),
		}
	}

	/// The size and root it holds, if it is of version 2.
	fn log_root(&self) -> Result<Option<(u64, H256)>> {
		match (self.size, self.root) {
			(Some(size), Some(root)) => Ok(Some((size, root))),
			(None, None) => Ok(None),
			_ => Err(Error::Invalid("the checkpoint has a size or a root, not both".into())),
		}
	}

	/// Whether `signer` signed exactly this checkpoint.
	pub fn verify_signature(&self) -> Result<()> {
		let public = sr25519::Public::from_ss58check(&self.signer).map_err(|e| {
			Error::Invalid(format!("the checkpoint's signer is not an SS58 account: {e:?}"))
		})?;
		let mut raw = [0u8; 64];
		hex::decode_to_slice(self.signature.trim_start_matches("0x"), &mut raw).map_err(|_| {
			Error::Invalid("the checkpoint's signature is not 64 bytes of hex".into())
		})?;
		let signature = sr25519::Signature::from_raw(raw);
		let signed = message(&self.chain, self.index, &self.head, self.log_root()?);
		if sr25519::Pair::verify(&signature, signed, &public) {
			Ok(())
		} else {
			Err(Error::Invalid(format!(
				"the checkpoint is not signed by {}: it was altered",
				self.signer
			)))
		}
	}
}

/// The finalized log's last entry and root, signed by `signer`.
pub async fn take(node: &Node, signer: &Signer) -> Result<Checkpoint> {
	let at = node.finalized_head().await?;
	let chain = node.genesis_hash().await?;
	let count = audit_count(node, at).await?;
	let log = proven::root_at(node, at).await?;
	if log.size != count {
		return Err(Error::Invalid(format!(
			"the log's root is of {} entries, its count {count}",
			log.size
		)));
	}
	let index = count
		.checked_sub(1)
		.ok_or_else(|| Error::Invalid("the audit log is empty: nothing to checkpoint".into()))?;
	let last = entry(node, index, Some(at))
		.await?
		.ok_or_else(|| Error::Invalid(format!("entry {index} is not stored")))?;
	Ok(Checkpoint::sign(signer, chain, (index, last.hash, last.block), Some((log.size, log.root))))
}

/// How many entries the log has had (`Audit::Count`) at block `at`.
async fn audit_count(node: &Node, at: H256) -> Result<u64> {
	let chain = chain::client(node).await?;
	let block = chain.at_block(at).await.map_err(|e| Error::Connection(e.to_string()))?;
	let bad = |e: &dyn std::fmt::Display| Error::Invalid(format!("Audit::Count at {at:?}: {e}"));
	let value = block
		.storage()
		.fetch(chain::api::storage().audit().count(), ())
		.await
		.map_err(|e| bad(&e))?;
	value.decode().map_err(|e| bad(&e))
}

/// Checks `checkpoint` against the node's finalized log: the signature and
/// the chain, then that today's log extends the checkpoint's (a
/// consistency proof to the root the state proves), or, for a checkpoint
/// without a root, the entry's hash and that every later entry chains to
/// it. Returns what it checked.
pub async fn verify(node: &Node, checkpoint: &Checkpoint) -> Result<Value> {
	checkpoint.verify_signature()?;
	if node.genesis_hash().await? != checkpoint.chain {
		return Err(Error::Invalid(format!(
			"the checkpoint is of another chain (genesis {:?})",
			checkpoint.chain
		)));
	}
	let at = node.finalized_head().await?;
	if let Some((size, root)) = checkpoint.log_root()? {
		return grew(node, checkpoint, at, (size, root)).await;
	}
	let index = checkpoint.index;
	let stored = entry(node, index, Some(at)).await?.ok_or_else(|| {
		Error::Invalid(format!(
			"entry {index} is not in the log (pruned, or the log is shorter than the checkpoint)"
		))
	})?;
	let hash = stored.hash;
	if hash != checkpoint.head {
		return Err(Error::Invalid(format!(
			"entry {index} has hash {hash:?} on chain, the checkpoint says {:?}: the log was rewritten",
			checkpoint.head
		)));
	}
	let mut from = index;
	let last = loop {
		let to = from.saturating_add(VERIFY_SPAN - 1);
		let range = node
			.verify(Some(VerifyParams { from: Some(from), to: Some(to) }), Some(at))
			.await?;
		if !range.ok {
			return Err(Error::Invalid(format!(
				"the log does not chain after the checkpoint: entry {}",
				range.first_bad_index.unwrap_or(from)
			)));
		}
		let reached = range.to.unwrap_or(from);
		if reached < to {
			break reached;
		}
		from = reached;
	};
	Ok(json!({
		"ok": true,
		"signer": checkpoint.signer,
		"checkpoint": index,
		"head": checkpoint.head,
		"verifiedTo": last,
		"at": at,
	}))
}

/// That the log at `at` extends the checkpoint's log of `size` entries with
/// root `root`.
async fn grew(
	node: &Node,
	checkpoint: &Checkpoint,
	at: H256,
	(size, root): (u64, H256),
) -> Result<Value> {
	let now = proven::root_at(node, at).await?;
	if now.size < size {
		return Err(Error::Invalid(format!(
			"the log has {} entries, fewer than the checkpoint's {size}: it was rewritten",
			now.size
		)));
	}
	let asked = ConsistencyParams { old_size: size, new_size: Some(now.size) };
	let answer = node.consistency_proof(asked, Some(at)).await?;
	if answer.proof.old_size != size || answer.proof.new_size != now.size {
		return Err(Error::Invalid("the node's consistency proof is of other sizes".into()));
	}
	answer.proof.verify(&root.0, &now.root.0).map_err(|e| {
		Error::Invalid(format!(
			"the log of {} entries does not extend the checkpoint's log of {size} ({e}): it was \
			 rewritten",
			now.size
		))
	})?;
	Ok(json!({
		"ok": true,
		"signer": checkpoint.signer,
		"checkpoint": checkpoint.index,
		"size": size,
		"root": root,
		"grewTo": now.size,
		"rootNow": now.root,
		"proof": "consistency",
		"proofHashes": answer.proof.path.len(),
		"at": at,
	}))
}

/// The stored entry `index` at block `at`, if any.
async fn entry(node: &Node, index: u64, at: Option<H256>) -> Result<Option<Entry>> {
	let only = EntriesParams {
		from_index: Some(index),
		to_index: Some(index),
		limit: Some(1),
		..Default::default()
	};
	Ok(node.entries(only, at).await?.items.into_iter().next())
}

#[cfg(test)]
mod tests {
	use super::*;

	fn checkpoint() -> Checkpoint {
		let alice = Signer::from_suri("//Alice").unwrap();
		let root = Some((42, H256::repeat_byte(5)));
		Checkpoint::sign(&alice, H256::repeat_byte(1), (41, H256::repeat_byte(2), 7), root)
	}

	#[test]
	fn a_signed_checkpoint_verifies_and_round_trips_as_json() {
		let c = checkpoint();
		c.verify_signature().unwrap();
		let text = serde_json::to_string(&c).unwrap();
		assert!(text.contains("\"index\":41"), "{text}");
		assert_eq!(serde_json::from_str::<Checkpoint>(&text).unwrap(), c);
	}

	#[test]
	fn any_change_to_a_checkpoint_breaks_its_signature() {
		let changes: [fn(&mut Checkpoint); 7] = [
			|c| c.index += 1,
			|c| c.head = H256::repeat_byte(3),
			|c| c.chain = H256::repeat_byte(4),
			|c| c.signer = Signer::from_suri("//Bob").unwrap().ss58(),
			|c| c.size = Some(43),
			|c| c.root = Some(H256::repeat_byte(6)),
			|c| (c.size, c.root) = (None, None),
		];
		for change in changes {
			let mut c = checkpoint();
			change(&mut c);
			assert!(c.verify_signature().is_err(), "{c:?}");
		}
	}

	#[test]
	fn a_checkpoint_without_a_root_keeps_verifying() {
		let alice = Signer::from_suri("//Alice").unwrap();
		let old =
			Checkpoint::sign(&alice, H256::repeat_byte(1), (41, H256::repeat_byte(2), 7), None);
		old.verify_signature().unwrap();
		let text = serde_json::to_string(&old).unwrap();
		assert!(!text.contains("root"), "{text}");
		assert_eq!(serde_json::from_str::<Checkpoint>(&text).unwrap(), old);
	}
}
