//! citychain-node: the node of the CityChain consortium chain.
#![warn(missing_docs)]

mod authorized_peers;
#[cfg(feature = "runtime-benchmarks")]
mod benchmarking;
mod chain_spec;
mod cli;
mod command;
mod rpc;
mod search_index;
mod service;
mod stac;

fn main() -> sc_cli::Result<()> {
	command::run()
}
