//! citychain-node: the node of the CityChain consortium chain.
#![warn(missing_docs)]
// `sc_cli::Error`, which the node's commands and service return as
// polkadot-sdk's own nodes do, is large; it is returned once per process.
#![allow(clippy::result_large_err)]

#[cfg(feature = "runtime-benchmarks")]
mod benchmarking;
mod chain_spec;
mod cli;
mod command;
mod service;

fn main() -> sc_cli::Result<()> {
	command::run()
}
