//! Weights measured on this machine by `scripts/benchmark.sh`, each file
//! with the command that made it: the database's read and write
//! (`benchmark storage` on a state of 100,000 datasets), the base weights of
//! a block and of a transaction (`benchmark overhead`), and the calls of the
//! upstream pallets the runtime uses (`benchmark pallet`).

pub mod block_weights;
pub mod extrinsic_weights;
pub mod frame_system;
pub mod frame_system_extensions;
pub mod node_authorization;
pub mod pallet_balances;
pub mod pallet_collective;
pub mod pallet_migrations;
pub mod pallet_session;
pub mod pallet_sudo;
pub mod pallet_timestamp;
pub mod pallet_utility;
// The storage template documents the fields of a value with doc comments.
#[allow(unused_doc_comments)]
pub mod paritydb_weights;
