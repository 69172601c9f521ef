//! The parts of the CityChain node that stand on their own: the search index
//! over the finalized registry, the node's JSON-RPC, the STAC rendering of a
//! record and the network's authorized peers. The `citychain-node` program
//! (`main.rs`: command line, chain specs, service) puts them together.
//!
//! They are a library so that their tests compile them alone: the program's
//! service instantiates Substrate's client, and compiling it again as a test
//! harness would take as long as the node itself (docs/operations.md).
#![warn(missing_docs)]

pub mod authorized_peers;
pub mod rpc;
pub mod search_index;
pub mod stac;
