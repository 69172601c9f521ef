//! The `benchmark` subcommand (built with `--features runtime-benchmarks`):
//! measures this machine and this node's database, for the weights the
//! runtime charges (`scripts/benchmark.sh`).

use crate::service::{self, FullClient};
use citychain_runtime::{opaque::Block, SystemCall};
use frame_benchmarking_cli::{BenchmarkCmd, ExtrinsicBuilder, SUBSTRATE_REFERENCE_HARDWARE};
use sc_client_api::{BlockBackend, HeaderBackend};
use sc_service::{Configuration, PartialComponents};
use sp_inherents::{InherentData, InherentDataProvider};
use sp_keyring::Sr25519Keyring;
use sp_runtime::{generic::Era, OpaqueExtrinsic};
use std::time::Duration;

/// Runs `cmd` on the node's chain and database.
pub fn run(cmd: &BenchmarkCmd, config: Configuration) -> sc_cli::Result<()> {
	match cmd {
		BenchmarkCmd::Pallet(cmd) => {
			cmd.run_with_spec::<sp_runtime::traits::HashingFor<Block>, ()>(Some(config.chain_spec))
		},
		BenchmarkCmd::Block(cmd) => {
			let PartialComponents { client, .. } = service::new_partial(&config)?;
			cmd.run(client)
		},
		BenchmarkCmd::Storage(cmd) => {
			let PartialComponents { client, backend, .. } = service::new_partial(&config)?;
			let (db, storage, cache) =
				(backend.expose_db(), backend.expose_storage(), backend.expose_shared_trie_cache());
			cmd.run(config, client, db, storage, cache)
		},
		BenchmarkCmd::Overhead(cmd) => {
			let PartialComponents { client, .. } = service::new_partial(&config)?;
			let remarks = RemarkBuilder::new(&client)?;
			cmd.run(
				config.chain_spec.name().into(),
				client,
				inherent_data()?,
				Vec::new(),
				&remarks,
				false,
			)
		},
		BenchmarkCmd::Extrinsic(cmd) => {
			let PartialComponents { client, .. } = service::new_partial(&config)?;
			let remarks = RemarkBuilder::new(&client)?;
			let factory = frame_benchmarking_cli::ExtrinsicFactory(vec![Box::new(remarks)]);
			cmd.run(client, inherent_data()?, Vec::new(), &factory)
		},
		BenchmarkCmd::Machine(cmd) => cmd.run(&config, SUBSTRATE_REFERENCE_HARDWARE.clone()),
	}
}

/// Empty `System::remark` transactions signed by //Alice (a member on the
/// development chains), as the overhead benchmark needs them; all valid
/// from the best block when the builder was made.
struct RemarkBuilder {
	signer: sp_core::sr25519::Pair,
	genesis: citychain_runtime::Hash,
	birth: citychain_runtime::Hash,
	era: Era,
}

impl RemarkBuilder {
	fn new(client: &FullClient) -> sc_cli::Result<Self> {
		let genesis = client.block_hash(0)?.ok_or("no genesis block")?;
		let info = client.info();
		let era = Era::mortal(
			u64::from(citychain_runtime::permissioning::MAX_TRANSACTION_LIFETIME),
			info.best_number.into(),
		);
		Ok(Self { signer: Sr25519Keyring::Alice.pair(), genesis, birth: info.best_hash, era })
	}
}

impl ExtrinsicBuilder for RemarkBuilder {
	fn pallet(&self) -> &str {
		"system"
	}

	fn extrinsic(&self) -> &str {
		"remark"
	}

	fn build(&self, nonce: u32) -> Result<OpaqueExtrinsic, &'static str> {
		let xt = citychain_runtime::signed_transaction(
			SystemCall::remark { remark: Vec::new() }.into(),
			&self.signer,
			nonce,
			self.era,
			self.genesis,
			self.birth,
		);
		Ok(xt.into())
	}
}

/// The inherents of a benchmarked block: its timestamp.
fn inherent_data() -> sc_cli::Result<InherentData> {
	let mut data = InherentData::new();
	let timestamp = sp_timestamp::InherentDataProvider::new(Duration::ZERO.into());
	futures::executor::block_on(timestamp.provide_inherent_data(&mut data))
		.map_err(|e| format!("creating inherent data: {e:?}"))?;
	Ok(data)
}
