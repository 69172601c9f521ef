//! What happened in one block, as far as the catalogue and its contracts
//! are concerned: the `Datasets` and `Access` events and the `Audit` flags,
//! decoded through the node's metadata (see [`crate::chain`]) into one flat
//! shape ([`Happened`]) that says which dataset, contract, department and
//! account each names. Events of other pallets, and `Audit::Recorded`
//! (which repeats every other event), are left out.

use crate::{
	chain::{api, Client},
	rpc::invalid,
	Error, Result,
};
use api::runtime_types::citychain_primitives::audit::Subject;
use serde::{Deserialize, Serialize};
use sp_core::crypto::Ss58Codec;

/// One event of a block, by its place among the block's events.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Happened {
	/// The event's index among all the block's events.
	pub index: u32,
	/// `Datasets`, `Access` or `Audit`.
	pub pallet: String,
	/// The event's name, e.g. `DatasetRegistered`.
	pub event: String,
	#[serde(default, skip_serializing_if = "Option::is_none")]
	pub dataset: Option<u64>,
	#[serde(default, skip_serializing_if = "Option::is_none")]
	pub contract: Option<u64>,
	/// The department that owns the dataset (the contract's provider), or a
	/// flagged department.
	#[serde(default, skip_serializing_if = "Option::is_none")]
	pub owner: Option<u32>,
	/// A contract's consumer department.
	#[serde(default, skip_serializing_if = "Option::is_none")]
	pub consumer: Option<u32>,
	/// The account that acted (publisher, requester, approver, auditor), in
	/// SS58.
	#[serde(default, skip_serializing_if = "Option::is_none")]
	pub by: Option<String>,
	/// A regulator's approval (`ApprovalRecorded`).
	#[serde(default, skip_serializing_if = "std::ops::Not::not")]
	pub as_regulator: bool,
}

fn ss58(account: &subxt::utils::AccountId32) -> String {
	sp_core::crypto::AccountId32::from(account.0).to_ss58check()
}

/// The events of finalized block `number` that concern the catalogue, in
/// their order in the block. Fails if the node no longer has the block's
/// state (pruned) or cannot be reached.
pub async fn of_block(chain: &Client, number: u32) -> Result<Vec<Happened>> {
	let at = chain
		.at_block(number)
		.await
		.map_err(|e| Error::Connection(format!("block #{number}: {e}")))?;
	let events = at
		.events()
		.fetch()
		.await
		.map_err(|e| Error::Connection(format!("the events of block #{number}: {e}")))?;
	let mut found = Vec::new();
	for event in events.iter() {
		let event = event.map_err(|e| invalid(format!("an event of #{number}: {e}")))?;
		if let Some(happened) = decode(&event)? {
			found.push(Happened { index: event.index(), ..happened });
		}
	}
	Ok(found)
}

/// `Happened` with `pallet`, `event` and what `fill` sets.
fn happened(pallet: &str, event: &str, fill: impl FnOnce(&mut Happened)) -> Option<Happened> {
	let mut h = Happened { pallet: pallet.into(), event: event.into(), ..Default::default() };
	fill(&mut h);
	Some(h)
}

/// The event as [`Happened`] (its index left 0), if it is one the catalogue
/// follows.
fn decode(event: &subxt::events::Event<'_, crate::chain::CityChain>) -> Result<Option<Happened>> {
	use api::{access::events as access, audit::events as audit, datasets::events as datasets};
	macro_rules! fields {
		($ty:ty) => {
			event
				.decode_fields_as::<$ty>()
				.ok_or_else(|| {
					invalid(format!("{} is not {}", event.event_name(), stringify!($ty)))
				})?
				.map_err(|e| invalid(format!("{}: {e}", event.event_name())))?
		};
	}
	let (pallet, name) = (event.pallet_name(), event.event_name());
	// An event that names one dataset or one contract, and nothing else kept.
	macro_rules! naming {
		($ty:ty, $id:ident) => {{
			let e = fields!($ty);
			happened(pallet, name, |h| h.$id = Some(e.$id))
		}};
	}
	Ok(match (pallet, name) {
		("Datasets", "DatasetRegistered") => {
			let e = fields!(datasets::DatasetRegistered);
			happened(pallet, name, |h| {
				(h.dataset, h.owner, h.by) =
					(Some(e.dataset), Some(e.owner), Some(ss58(&e.publisher)))
			})
		},
		("Datasets", "VersionPublished") => {
			let e = fields!(datasets::VersionPublished);
			happened(pallet, name, |h| {
				(h.dataset, h.by) = (Some(e.dataset), Some(ss58(&e.publisher)))
			})
		},
		("Datasets", "MetadataUpdated") => naming!(datasets::MetadataUpdated, dataset),
		("Datasets", "AccessPolicyChanged") => naming!(datasets::AccessPolicyChanged, dataset),
		("Datasets", "DatasetDeprecated") => naming!(datasets::DatasetDeprecated, dataset),
		("Datasets", "DatasetWithdrawn") => naming!(datasets::DatasetWithdrawn, dataset),
		("Access", "AccessRequested") => {
			let e = fields!(access::AccessRequested);
			happened(pallet, name, |h| {
				(h.contract, h.dataset, h.consumer, h.by) =
					(Some(e.contract), Some(e.dataset), Some(e.consumer), Some(ss58(&e.requester)))
			})
		},
		("Access", "ApprovalRecorded") => {
			let e = fields!(access::ApprovalRecorded);
			happened(pallet, name, |h| {
				(h.contract, h.by, h.as_regulator) =
					(Some(e.contract), Some(ss58(&e.approver)), e.as_regulator)
			})
		},
		("Access", "AccessApproved") => naming!(access::AccessApproved, contract),
		("Access", "RequestRejected") => {
			let e = fields!(access::RequestRejected);
			happened(pallet, name, |h| (h.contract, h.by) = (Some(e.contract), Some(ss58(&e.by))))
		},
		("Access", "AccessRevoked") => {
			let e = fields!(access::AccessRevoked);
			happened(pallet, name, |h| {
				(h.contract, h.by) = (Some(e.contract), e.by.as_ref().map(ss58))
			})
		},
		("Access", "HashMismatch") => {
			let e = fields!(access::HashMismatch);
			happened(pallet, name, |h| {
				(h.contract, h.dataset, h.owner, h.consumer) =
					(Some(e.contract), Some(e.dataset), Some(e.provider), Some(e.consumer))
			})
		},
		("Access", "RequestCancelled") => naming!(access::RequestCancelled, contract),
		("Access", "RequestLapsed") => naming!(access::RequestLapsed, contract),
		("Access", "AccessExpired") => naming!(access::AccessExpired, contract),
		("Access", "AccessRelinquished") => naming!(access::AccessRelinquished, contract),
		("Access", "ReceiptVerified") => naming!(access::ReceiptVerified, contract),
		("Access", "RequestPolicyChanged") => naming!(access::RequestPolicyChanged, contract),
		("Access", "RequestRefusedByPolicy") => naming!(access::RequestRefusedByPolicy, contract),
		("Access", "TermsApplied") => naming!(access::TermsApplied, contract),
		("Access", "DeliveriesRecorded") => naming!(access::DeliveriesRecorded, contract),
		("Access", "EnvelopeResealed") => {
			let e = fields!(access::EnvelopeResealed);
			happened(pallet, name, |h| (h.contract, h.by) = (Some(e.contract), Some(ss58(&e.by))))
		},
		("Audit", "Flagged") => {
			let e = fields!(audit::Flagged);
			happened(pallet, name, |h| {
				h.by = Some(ss58(&e.auditor));
				match e.subject {
					Subject::Dataset(d) => h.dataset = Some(d),
					Subject::Contract(c) => h.contract = Some(c),
					Subject::Department(d) => h.owner = Some(d),
					Subject::Chain => {},
				}
			})
		},
		_ => None,
	})
}
