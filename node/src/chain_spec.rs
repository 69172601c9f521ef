//! The chain specifications the node knows by name: `dev`, `local` and
//! `consortium`, each built from the runtime's genesis preset of that name.

use citychain_runtime::{genesis_config_presets::CONSORTIUM_RUNTIME_PRESET, WASM_BINARY};
use sc_service::{ChainType, Properties};

pub type ChainSpec = sc_service::GenericChainSpec;

fn properties() -> Properties {
	let mut p = Properties::new();
	p.insert("tokenSymbol".into(), "CITY".into());
	p.insert("tokenDecimals".into(), 12.into());
	p.insert("ss58Format".into(), 42.into());
	p
}

fn spec(name: &str, id: &str, chain_type: ChainType, preset: &str) -> Result<ChainSpec, String> {
	let wasm = WASM_BINARY.ok_or_else(|| "the runtime's wasm binary was not built".to_string())?;
	Ok(ChainSpec::builder(wasm, None)
		.with_name(name)
		.with_id(id)
		.with_chain_type(chain_type)
		.with_protocol_id("citychain")
		.with_genesis_config_preset_name(preset)
		.with_properties(properties())
		.build())
}

/// One validator (Alice), sudo, the sample departments.
pub fn development_chain_spec() -> Result<ChainSpec, String> {
	spec(
		"CityChain Development",
		"citychain_dev",
		ChainType::Development,
		sp_genesis_builder::DEV_RUNTIME_PRESET,
	)
}

/// Two validators (Alice, Bob), sudo, the sample departments.
pub fn local_chain_spec() -> Result<ChainSpec, String> {
	spec(
		"CityChain Local",
		"citychain_local",
		ChainType::Local,
		sp_genesis_builder::LOCAL_TESTNET_RUNTIME_PRESET,
	)
}

/// Four validator departments and a regulator, governed by their council;
/// no sudo. Its keys and node ids are the well-known development ones, so it
/// is a `Local` chain: a real consortium exports it with `build-spec`, puts
/// its own keys, accounts and node ids in, and marks it `Live`
/// (docs/operations.md).
pub fn consortium_chain_spec() -> Result<ChainSpec, String> {
	spec(
		"CityChain Consortium (development keys)",
		"citychain_consortium",
		ChainType::Local,
		CONSORTIUM_RUNTIME_PRESET,
	)
}
