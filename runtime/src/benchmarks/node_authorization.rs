//! Benchmarks of `pallet_node_authorization`'s governance calls, which the
//! upstream pallet ships without (only flat 50 µs weights). A benchmark is
//! implemented on a local type, so the pallet is wrapped, as
//! `pallet-session-benchmarking` wraps the session pallet.
//!
//! Each call is measured on its worst case: the set of well-known nodes as
//! full as the pallet lets it be (`MaxWellKnownNodes - 1` before a call
//! that adds, full otherwise), every peer id as long as it may be
//! (`MaxPeerIdLength - 1` bytes), every node owned. The node owners' calls
//! are not benchmarked: the runtime's call filter refuses them.

use alloc::{collections::BTreeSet, vec, vec::Vec};
use frame_benchmarking::v2::*;
use frame_support::traits::{EnsureOrigin, Get};
use pallet_node_authorization::{Owners, WellKnownNodes};
use sp_core::OpaquePeerId as PeerId;
use sp_runtime::traits::StaticLookup;

/// The wrapped pallet.
pub struct Pallet<T: Config>(pallet_node_authorization::Pallet<T>);

/// The runtime's node authorization, benchmarked.
pub trait Config: pallet_node_authorization::Config {}

/// The `i`-th peer id, as long as the pallet accepts.
fn peer<T: Config>(i: u32) -> PeerId {
	let mut id = vec![7u8; T::MaxPeerIdLength::get() as usize - 1];
	id[..4].copy_from_slice(&i.to_be_bytes());
	PeerId(id)
}

/// The most nodes the set can hold: each call that adds refuses a set of
/// `MaxWellKnownNodes` or more.
fn most<T: Config>() -> u32 {
	T::MaxWellKnownNodes::get()
}

/// Makes the set `n` owned nodes of the longest ids.
fn fill<T: Config>(n: u32) -> Vec<PeerId> {
	let nodes: Vec<PeerId> = (0..n).map(peer::<T>).collect();
	for node in &nodes {
		Owners::<T>::insert(node, account::<T::AccountId>("owner", 0, 0));
	}
	WellKnownNodes::<T>::put(nodes.iter().cloned().collect::<BTreeSet<_>>());
	nodes
}

#[benchmarks]
mod benchmarks {
	use super::*;

	#[benchmark]
	fn add_well_known_node() -> Result<(), BenchmarkError> {
		fill::<T>(most::<T>() - 1);
		let origin =
			T::AddOrigin::try_successful_origin().map_err(|_| BenchmarkError::Weightless)?;
		let node = peer::<T>(u32::MAX);
		let owner = T::Lookup::unlookup(account("owner", 1, 0));

		#[block]
		{
			pallet_node_authorization::Pallet::<T>::add_well_known_node(
				origin,
				node.clone(),
				owner,
			)?;
		}

		assert_eq!(WellKnownNodes::<T>::get().len() as u32, most::<T>());
		Ok(())
	}

	#[benchmark]
	fn remove_well_known_node() -> Result<(), BenchmarkError> {
		let nodes = fill::<T>(most::<T>());
		let origin =
			T::RemoveOrigin::try_successful_origin().map_err(|_| BenchmarkError::Weightless)?;

		#[block]
		{
			pallet_node_authorization::Pallet::<T>::remove_well_known_node(
				origin,
				nodes[0].clone(),
			)?;
		}

		assert!(!WellKnownNodes::<T>::get().contains(&nodes[0]));
		Ok(())
	}

	#[benchmark]
	fn swap_well_known_node() -> Result<(), BenchmarkError> {
		let nodes = fill::<T>(most::<T>());
		let origin =
			T::SwapOrigin::try_successful_origin().map_err(|_| BenchmarkError::Weightless)?;
		let new = peer::<T>(u32::MAX);

		#[block]
		{
			pallet_node_authorization::Pallet::<T>::swap_well_known_node(
				origin,
				nodes[0].clone(),
				new.clone(),
			)?;
		}

		assert!(WellKnownNodes::<T>::get().contains(&new));
		Ok(())
	}

	/// A full set replaced by another of `n` nodes.
	#[benchmark]
	fn reset_well_known_nodes(n: Linear<1, { most::<T>() - 1 }>) -> Result<(), BenchmarkError> {
		fill::<T>(most::<T>());
		let origin =
			T::ResetOrigin::try_successful_origin().map_err(|_| BenchmarkError::Weightless)?;
		let owner: T::AccountId = account("owner", 2, 0);
		let nodes: Vec<(PeerId, T::AccountId)> =
			(0..n).map(|i| (peer::<T>(u32::MAX - i), owner.clone())).collect();

		#[block]
		{
			pallet_node_authorization::Pallet::<T>::reset_well_known_nodes(origin, nodes)?;
		}

		assert_eq!(WellKnownNodes::<T>::get().len() as u32, n);
		Ok(())
	}
}
