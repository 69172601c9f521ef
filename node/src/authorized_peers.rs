//! The network as the offchain workers see it: node authorization's
//! settings reach the network only when they change.
//!
//! `pallet-node-authorization`'s offchain worker calls
//! `set_authorized_nodes(nodes, true)` after every imported block. The litep2p
//! backend's peerset (sc-network 0.60) handles each `SetReservedOnly(true)` by
//! moving *every* connected peer to `Closing` and every peer whose substream
//! is opening to `Canceled` — reserved peers included — while it asks litep2p
//! to close only the non-reserved ones. Repeated every 3 s, a reserved peer
//! whose substream takes longer than a block to open is canceled again and
//! again: on the consortium's zombienet network one authorized pair stayed
//! unconnected for minutes. The settings only change with the authorized set,
//! so forwarding changes alone is what the pallet means, and it leaves the
//! peerset's states alone between changes.

use std::{
	collections::HashSet,
	sync::{Arc, Mutex, MutexGuard},
};

use sc_network::{
	config::MultiaddrWithPeerId, Multiaddr, NetworkPeers, NetworkStateInfo, ObservedRole, PeerId,
	ProtocolName, ReputationChange,
};

/// The last authorization settings passed on; `None` until the first call.
#[derive(Default)]
struct Forwarded {
	peers: Option<HashSet<PeerId>>,
	only: Option<bool>,
}

impl Forwarded {
	/// Whether `peers` differs from what was last passed on (and remember it).
	fn peers_changed(&mut self, peers: &HashSet<PeerId>) -> bool {
		let changed = self.peers.as_ref() != Some(peers);
		if changed {
			self.peers = Some(peers.clone());
		}
		changed
	}

	/// Whether `only` differs from what was last passed on (and remember it).
	fn only_changed(&mut self, only: bool) -> bool {
		let changed = self.only != Some(only);
		self.only = Some(only);
		changed
	}
}

/// The node's network service for the offchain workers.
pub struct AuthorizedPeers<N> {
	network: N,
	forwarded: Mutex<Forwarded>,
}

impl<N> AuthorizedPeers<N> {
	/// Authorized peers kept in step with the chain, given to `network`.
	pub fn new(network: N) -> Arc<Self> {
		Arc::new(Self { network, forwarded: Mutex::default() })
	}

	fn forwarded(&self) -> MutexGuard<'_, Forwarded> {
		self.forwarded.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
	}
}

impl<N: NetworkStateInfo> NetworkStateInfo for AuthorizedPeers<N> {
	fn external_addresses(&self) -> Vec<Multiaddr> {
		self.network.external_addresses()
	}

	fn listen_addresses(&self) -> Vec<Multiaddr> {
		self.network.listen_addresses()
	}

	fn local_peer_id(&self) -> PeerId {
		self.network.local_peer_id()
	}
}

#[async_trait::async_trait]
impl<N: NetworkPeers + Send + Sync> NetworkPeers for AuthorizedPeers<N> {
	fn set_authorized_peers(&self, peers: HashSet<PeerId>) {
		if self.forwarded().peers_changed(&peers) {
			log::info!(target: "citychain", "🔐 Authorized peers: {} node(s)", peers.len());
			self.network.set_authorized_peers(peers);
		}
	}

	fn set_authorized_only(&self, reserved_only: bool) {
		if self.forwarded().only_changed(reserved_only) {
			self.network.set_authorized_only(reserved_only);
		}
	}

	fn add_known_address(&self, peer_id: PeerId, addr: Multiaddr) {
		self.network.add_known_address(peer_id, addr)
	}

	fn report_peer(&self, peer_id: PeerId, cost_benefit: ReputationChange) {
		self.network.report_peer(peer_id, cost_benefit)
	}

	fn peer_reputation(&self, peer_id: &PeerId) -> i32 {
		self.network.peer_reputation(peer_id)
	}

	fn disconnect_peer(&self, peer_id: PeerId, protocol: ProtocolName) {
		self.network.disconnect_peer(peer_id, protocol)
	}

	fn accept_unreserved_peers(&self) {
		self.network.accept_unreserved_peers()
	}

	fn deny_unreserved_peers(&self) {
		self.network.deny_unreserved_peers()
	}

	fn add_reserved_peer(&self, peer: MultiaddrWithPeerId) -> Result<(), String> {
		self.network.add_reserved_peer(peer)
	}

	fn remove_reserved_peer(&self, peer_id: PeerId) {
		self.network.remove_reserved_peer(peer_id)
	}

	fn set_reserved_peers(
		&self,
		protocol: ProtocolName,
		peers: HashSet<Multiaddr>,
	) -> Result<(), String> {
		self.network.set_reserved_peers(protocol, peers)
	}

	fn add_peers_to_reserved_set(
		&self,
		protocol: ProtocolName,
		peers: HashSet<Multiaddr>,
	) -> Result<(), String> {
		self.network.add_peers_to_reserved_set(protocol, peers)
	}

	fn remove_peers_from_reserved_set(
		&self,
		protocol: ProtocolName,
		peers: Vec<PeerId>,
	) -> Result<(), String> {
		self.network.remove_peers_from_reserved_set(protocol, peers)
	}

	fn sync_num_connected(&self) -> usize {
		self.network.sync_num_connected()
	}

	fn peer_role(&self, peer_id: PeerId, handshake: Vec<u8>) -> Option<ObservedRole> {
		self.network.peer_role(peer_id, handshake)
	}

	async fn reserved_peers(&self) -> Result<Vec<PeerId>, ()> {
		self.network.reserved_peers().await
	}
}

#[cfg(test)]
mod tests {
	use super::*;

	fn peers(n: u8) -> HashSet<PeerId> {
		(0..n).map(|_| PeerId::random()).collect()
	}

	#[test]
	fn the_authorized_set_is_passed_on_when_it_changes_only() {
		let mut forwarded = Forwarded::default();
		let four = peers(4);
		assert!(forwarded.peers_changed(&four), "the first set is passed on");
		assert!(!forwarded.peers_changed(&four.clone()), "the same set again is not");
		let mut five = four.clone();
		five.extend(peers(1));
		assert!(forwarded.peers_changed(&five), "a node added is passed on");
		assert!(!forwarded.peers_changed(&five));
		assert!(forwarded.peers_changed(&four), "a node removed is passed on");
		assert!(forwarded.peers_changed(&HashSet::new()), "so is an empty set");
	}

	#[test]
	fn authorized_only_is_passed_on_once_per_change() {
		let mut forwarded = Forwarded::default();
		assert!(forwarded.only_changed(true));
		assert!(!forwarded.only_changed(true), "every block's repeat is held back");
		assert!(forwarded.only_changed(false));
		assert!(forwarded.only_changed(true));
	}
}
