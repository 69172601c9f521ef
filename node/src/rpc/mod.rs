//! The node's JSON-RPC: the standard Substrate methods (system, chain, state,
//! author come from `sc-service`; account nonce and payment are merged here)
//! and CityChain's own modules, one per runtime API.

#![warn(missing_docs)]

mod access;
mod accountability;
mod audit;
mod datasets;
mod departments;
mod visibility;

use std::sync::Arc;

use citychain_runtime::{opaque::Block, AccountId, Balance, BlockNumber, Nonce};
use jsonrpsee::{
	types::{error::ErrorObject, ErrorObjectOwned},
	RpcModule,
};
use sc_transaction_pool_api::TransactionPool;
use sp_api::ProvideRuntimeApi;
use sp_block_builder::BlockBuilder;
use sp_blockchain::{Error as BlockChainError, HeaderBackend, HeaderMetadata};

pub use access::Access;
pub use accountability::Accountability;
pub use audit::{Audit, Justifications};
use citychain_rpc_api::{
	AccessApiServer, AccountabilityApiServer, AuditApiServer, DatasetsApiServer,
	DepartmentsApiServer,
};
pub use datasets::Datasets;
pub use departments::Departments;

/// The hash of a block, as the methods' `at` names it.
type Hash = citychain_rpc_api::BlockHash;

/// JSON-RPC error code of a failed runtime API call.
const RUNTIME_ERROR: i32 = 1;

/// JSON-RPC code of invalid method parameters.
const INVALID_PARAMS: i32 = -32602;

fn runtime_error(e: impl std::fmt::Display) -> ErrorObjectOwned {
	ErrorObject::owned(RUNTIME_ERROR, "runtime API call failed", Some(e.to_string()))
}

/// The block a query reads: `at`, or else the best block.
fn block_or_best<C: HeaderBackend<Block>>(client: &C, at: Option<Hash>) -> Hash {
	at.unwrap_or_else(|| client.info().best_hash)
}

fn invalid_params(message: impl Into<String>) -> ErrorObjectOwned {
	ErrorObject::owned(INVALID_PARAMS, message.into(), None::<()>)
}

/// What the RPC modules need from the node.
pub struct FullDeps<C, P> {
	/// The client, to call runtime APIs.
	pub client: Arc<C>,
	/// The transaction pool.
	pub pool: Arc<P>,
	/// The search index, unless the node runs with `--search-index off`.
	pub search_index: Option<Arc<crate::search_index::SearchIndex>>,
	/// GRANDPA's justifications, for `audit_finality`.
	pub justifications: audit::Justifications,
	/// Whether every search must name its `reader`: so on a node whose RPC
	/// listens beyond loopback, where a caller may be anyone. Only the
	/// node's operator, on loopback, reads everything without one.
	pub reader_required: bool,
}

/// All RPC modules of a full node beyond those `sc-service` provides.
pub fn create_full<C, P>(
	deps: FullDeps<C, P>,
) -> Result<RpcModule<()>, Box<dyn std::error::Error + Send + Sync>>
where
	C: ProvideRuntimeApi<Block>,
	C: HeaderBackend<Block> + HeaderMetadata<Block, Error = BlockChainError> + 'static,
	C: sc_client_api::AuxStore,
	C: sc_client_api::StorageProvider<Block, sc_service::TFullBackend<Block>>,
	C: Send + Sync + 'static,
	C::Api: substrate_frame_rpc_system::AccountNonceApi<Block, AccountId, Nonce>,
	C::Api: pallet_transaction_payment_rpc::TransactionPaymentRuntimeApi<Block, Balance>,
	C::Api: citychain_primitives::api::AccessApi<Block, AccountId, BlockNumber>,
	C::Api: citychain_primitives::api::AuditApi<Block, AccountId, BlockNumber>,
	C::Api: citychain_primitives::api::DatasetsApi<Block, AccountId, BlockNumber>,
	C::Api: citychain_primitives::api::DepartmentsApi<Block, AccountId, BlockNumber>,
	C::Api: BlockBuilder<Block>,
	P: TransactionPool + 'static,
{
	use pallet_transaction_payment_rpc::{TransactionPayment, TransactionPaymentApiServer};
	use substrate_frame_rpc_system::{System, SystemApiServer};

	let mut module = RpcModule::new(());
	let FullDeps { client, pool, search_index, justifications, reader_required } = deps;

	module.merge(System::new(client.clone(), pool).into_rpc())?;
	module.merge(TransactionPayment::new(client.clone()).into_rpc())?;
	module.merge(Access::new(client.clone()).into_rpc())?;
	module.merge(Audit::new(client.clone(), justifications).into_rpc())?;
	module.merge(Accountability::new(client.clone(), search_index.clone()).into_rpc())?;
	module.merge(Datasets::new(client.clone(), search_index, reader_required).into_rpc())?;
	module.merge(Departments::new(client).into_rpc())?;

	Ok(module)
}
