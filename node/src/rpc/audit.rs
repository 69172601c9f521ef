//! `audit_*`: the audit log over JSON-RPC, for the regulator and anyone
//! who wants to check it.

use std::sync::Arc;

use citychain_primitives::{
	api::AuditApi as RuntimeApi,
	audit::{AuditQueryError, EntryQuery, LogProofError, MAX_ENTRY_PAGE, MAX_VERIFY_SPAN},
};
use citychain_rpc_api::{
	audit::{
		proof_error_message, Consistency, ConsistencyParams, Entries, EntriesParams, Finality,
		Inclusion, InclusionParams, ProvenEntry, Root, RootParams, Verified, VerifyParams,
	},
	AuditApiServer,
};
use citychain_runtime::{opaque::Block, AccountId, BlockNumber};
use jsonrpsee::{core::RpcResult, types::ErrorObjectOwned};
use sp_api::ProvideRuntimeApi;
use sp_blockchain::HeaderBackend;

use super::{block_or_best, invalid_params, runtime_error, Hash};
use codec::Encode;
use sc_client_api::AuxStore;
use sc_consensus_grandpa::{FinalityProofProvider, GrandpaJustification, SharedAuthoritySet};
use sp_core::{Bytes, H256};
use sp_runtime::traits::Header as _;

fn proof_error(e: LogProofError) -> ErrorObjectOwned {
	invalid_params(proof_error_message(e))
}

/// The page size when a query names none.
const DEFAULT_LIMIT: u32 = 10;

fn query_error(e: AuditQueryError) -> ErrorObjectOwned {
	invalid_params(match e {
		AuditQueryError::ZeroLimit => "limit must be at least 1".to_string(),
		AuditQueryError::LimitTooLarge => format!("limit must be at most {MAX_ENTRY_PAGE}"),
		AuditQueryError::InvertedRange => "range ends before it starts".into(),
		AuditQueryError::Pruned => "range reaches entries whose bodies were pruned".into(),
		AuditQueryError::RangeTooLong => format!("range longer than {MAX_VERIFY_SPAN} entries"),
	})
}

/// Finality proofs from the node's stored GRANDPA justifications.
pub type Finalities = FinalityProofProvider<sc_service::TFullBackend<Block>, Block>;

/// What `audit_finality` reads: the node's finality proofs and the
/// authority set in force.
#[derive(Clone)]
pub struct Justifications {
	/// Finality proofs from the stored justifications.
	pub proofs: Arc<Finalities>,
	/// The authority set, for its id.
	pub authority_set: SharedAuthoritySet<Hash, BlockNumber>,
}

/// Serves `audit_*` from the `AuditApi` runtime API, and the justifications
/// that make its answers checkable without the node.
pub struct Audit<C> {
	client: Arc<C>,
	justifications: Justifications,
}

impl<C> Audit<C> {
	/// The audit log RPC over `client`'s state and its GRANDPA
	/// justifications.
	pub fn new(client: Arc<C>, justifications: Justifications) -> Self {
		Self { client, justifications }
	}
}

impl<C> AuditApiServer for Audit<C>
where
	C: ProvideRuntimeApi<Block> + HeaderBackend<Block> + AuxStore + Send + Sync + 'static,
	C::Api: RuntimeApi<Block, AccountId, BlockNumber>,
{
	fn entries(&self, params: EntriesParams, at: Option<Hash>) -> RpcResult<Entries> {
		let at = block_or_best(&*self.client, at);
		let query = EntryQuery {
			department: params.department,
			subject: params.subject,
			action: params.action,
			from_index: params.from_index,
			to_index: params.to_index,
			from_time: params.from_time,
			to_time: params.to_time,
			cursor: params.cursor,
			limit: params.limit.unwrap_or(DEFAULT_LIMIT),
		};
		let page = self
			.client
			.runtime_api()
			.entries(at, query)
			.map_err(runtime_error)?
			.map_err(query_error)?;
		Ok(page.into())
	}

	fn verify(&self, params: Option<VerifyParams>, at: Option<Hash>) -> RpcResult<Verified> {
		let at = block_or_best(&*self.client, at);
		let asked = params.unwrap_or_default();
		let outcome = self
			.client
			.runtime_api()
			.verify(at, asked.from, asked.to)
			.map_err(runtime_error)?
			.map_err(query_error)?;
		Ok(Verified::new(asked, outcome))
	}

	fn root(&self, params: Option<RootParams>, at: Option<Hash>) -> RpcResult<Root> {
		let at = at.unwrap_or_else(|| self.client.info().finalized_hash);
		let api = self.client.runtime_api();
		let count = api.peaks(at).map_err(runtime_error)?.size();
		let size = params.unwrap_or_default().size;
		let (size, root) = api.root(at, size).map_err(runtime_error)?.map_err(proof_error)?;
		Ok(Root { at, count, size, root: H256(root) })
	}

	fn inclusion_proof(&self, params: InclusionParams, at: Option<Hash>) -> RpcResult<Inclusion> {
		let at = at.unwrap_or_else(|| self.client.info().finalized_hash);
		let api = self.client.runtime_api();
		let (size, root) =
			api.root(at, params.size).map_err(runtime_error)?.map_err(proof_error)?;
		let items = params
			.indices
			.iter()
			.map(|&index| {
				let proof = api
					.inclusion_proof(at, index, Some(size))
					.map_err(runtime_error)?
					.map_err(proof_error)?;
				let entry = api.entry(at, index).map_err(runtime_error)?.map(Into::into);
				Ok(ProvenEntry { entry, proof })
			})
			.collect::<RpcResult<_>>()?;
		Ok(Inclusion { at, size, root: H256(root), items })
	}

	fn consistency_proof(
		&self,
		params: ConsistencyParams,
		at: Option<Hash>,
	) -> RpcResult<Consistency> {
		let at = at.unwrap_or_else(|| self.client.info().finalized_hash);
		let api = self.client.runtime_api();
		let proof = api
			.consistency_proof(at, params.old_size, params.new_size)
			.map_err(runtime_error)?
			.map_err(proof_error)?;
		let root = |size| -> RpcResult<H256> {
			let (_, root) =
				api.root(at, Some(size)).map_err(runtime_error)?.map_err(proof_error)?;
			Ok(H256(root))
		};
		Ok(Consistency {
			at,
			old_root: root(proof.old_size)?,
			new_root: root(proof.new_size)?,
			proof,
		})
	}

	fn finality(&self, number: Option<BlockNumber>) -> RpcResult<Option<Finality>> {
		let finalized = self.client.info().finalized_number;
		let number = number.unwrap_or(finalized);
		if number > finalized {
			return Err(invalid_params(format!(
				"block {number} is not finalized yet (the finalized head is {finalized})"
			)));
		}
		// Until the first set's last block, the node records no set change,
		// and its finality proofs place no block: every block is the first
		// set's, and the latest justification is the answer.
		let justified = if self.justifications.authority_set.set_id() == 0 {
			sc_consensus_grandpa::best_justification::<_, Block>(&*self.client)
				.map_err(runtime_error)?
				.map(|j: GrandpaJustification<Block>| (j.target().1, j.encode()))
		} else {
			// Without the headers in between: one justification read,
			// whatever the block.
			self.justifications
				.proofs
				.prove_finality_proof(number, false)
				.map_err(runtime_error)?
				.map(|proof| (proof.block, proof.justification))
		};
		let Some((block, justification)) = justified else { return Ok(None) };
		let header = self
			.client
			.header(block)
			.map_err(runtime_error)?
			.ok_or_else(|| runtime_error("the justified block has no header"))?;
		Ok(Some(Finality {
			block,
			number: *header.number(),
			header: Bytes(header.encode()),
			justification: Bytes(justification),
		}))
	}
}
