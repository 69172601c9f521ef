//! `citychain store migrate`: a store that holds copies encrypted one per
//! contract (`<dataset>/contract-<id>.enc`, as stores did before one
//! encryption per dataset) is turned into one encryption per dataset. For
//! each dataset with such copies: the dataset is encrypted once from the
//! store's copy (or its encryption's key is opened, if it has one already),
//! the key is sealed anew to each live contract's consumer and attached on
//! chain (`access.resealEnvelope`, audited), and the contract's copy goes.

use crate::{
	common::Context,
	exchange::{data_key, encryption_key, found, open_store},
	failure::Failure,
};
use citychain_client::{
	chain::api, envelope, primitives::access::ContractState, rpc::api::AccessApiClient,
	store::object,
};
use std::{collections::BTreeMap, path::Path};

pub async fn migrate(ctx: &Context, store: &str, key_file: Option<&Path>) -> Result<(), Failure> {
	let store = open_store(store)?;
	let mut copies: BTreeMap<u64, Vec<u64>> = BTreeMap::new();
	for name in store.list().await? {
		if let Some((dataset, contract)) = object::parse_contract_copy(&name) {
			copies.entry(dataset).or_default().push(contract);
		}
	}
	if copies.is_empty() {
		println!("{}: no copies encrypted per contract; nothing to migrate", store.location());
		return Ok(());
	}
	// A contract lives on until its lapse or expiry block, whether or not
	// the chain has processed that yet.
	let now = ctx.node.block_number(ctx.node.finalized_head().await?).await? + 1;
	for (dataset, contracts) in copies {
		// Made (or opened) once per dataset, when a live contract needs it.
		let mut key = None;
		for &contract in &contracts {
			let c = found(ctx.node.contract(contract, None).await?, "contract", contract)?;
			let live = match c.state {
				ContractState::Requested => now < c.lapses_at,
				ContractState::Approved => c.expires_at.is_none_or(|at| now < at),
				_ => false,
			};
			if live && c.envelope.is_some() {
				let key = match key {
					Some(key) => key,
					None => *key
						.insert(data_key(ctx, &store, dataset, c.provider, None, key_file).await?),
				};
				let sealed = envelope::seal(&key, &encryption_key(ctx, c.consumer).await?);
				ctx.submit(&api::tx().access().reseal_envelope(contract, sealed)).await?;
				println!("contract {contract}: the key of dataset {dataset}'s one encryption, sealed anew");
			} else {
				println!("contract {contract}: {:?}, nothing to seal", c.state);
			}
			store.remove(&object::contract_copy(dataset, contract)).await?;
		}
		println!("dataset {dataset}: {} copies per contract removed", contracts.len());
	}
	Ok(())
}
