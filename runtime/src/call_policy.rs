//! The runtime's call policy: which calls a signed origin may make
//! ([`ConsortiumCallFilter`], the runtime's `BaseCallFilter`), what a
//! `Utility` batch may carry ([`batched`]), which calls the audit log records
//! for the signer because their pallets keep no log of their own
//! ([`audited`]), and how many calls a transaction makes for its
//! department's allowance ([`calls_in`]). `configs` and `permissioning` both
//! apply it; it depends on neither.

use crate::RuntimeCall;
use alloc::{boxed::Box, vec::Vec};
use citychain_primitives::audit::AuditAction;
use codec::Encode;
use frame_support::traits::Contains;

/// The calls no origin but Root may dispatch: the node owners' calls of
/// `NodeAuthorization`. In the consortium, governance decides which nodes
/// join (well-known nodes, each owned by a department's account); a member
/// cannot claim nodes or grow their connection sets. Signed transactions
/// with these calls are refused at the pool (see `permissioning`).
pub struct ConsortiumCallFilter;

impl Contains<RuntimeCall> for ConsortiumCallFilter {
	fn contains(call: &RuntimeCall) -> bool {
		use pallet_node_authorization::Call as Nodes;
		match call {
			RuntimeCall::NodeAuthorization(
				Nodes::claim_node { .. }
				| Nodes::remove_claim { .. }
				| Nodes::transfer_node { .. }
				| Nodes::add_connections { .. }
				| Nodes::remove_connections { .. },
			) => false,
			// A batch may carry the calls whose pallets record their own audit
			// entries; the calls `permissioning` audits for the signer
			// (council, session keys, sudo) go one per transaction.
			RuntimeCall::Utility(_) => batched(call).is_some_and(|calls| {
				calls.iter().all(|c| Self::contains(c) && audited(c).is_none())
			}),
			_ => true,
		}
	}
}

/// The calls of a `Utility` batch (`batch`, `batch_all`, `force_batch`);
/// `None` for any other call, the other `Utility` calls included (signed
/// origins may not use them: `ConsortiumCallFilter`).
pub fn batched(call: &RuntimeCall) -> Option<&[RuntimeCall]> {
	use pallet_utility::Call as Utility;
	match call {
		RuntimeCall::Utility(
			Utility::batch { calls }
			| Utility::batch_all { calls }
			| Utility::force_batch { calls },
		) => Some(calls),
		_ => None,
	}
}

/// The details of an audited call that its entry's digest hashes, computed
/// only when the call is about to be dispatched.
pub type AuditDetails<'a> = Box<dyn FnOnce() -> Vec<u8> + 'a>;

/// What the audit log records of a signed `call` that its own pallet does
/// not record: the action, known at once, and the details.
pub fn audited(call: &RuntimeCall) -> Option<(AuditAction, AuditDetails<'_>)> {
	use pallet_collective::Call as Council;
	use sp_runtime::traits::Hash as _;
	Some(match call {
		RuntimeCall::Council(Council::propose { proposal, .. }) => (
			AuditAction::MotionProposed,
			Box::new(move || sp_runtime::traits::BlakeTwo256::hash_of(proposal).encode()),
		),
		RuntimeCall::Council(Council::vote { proposal, index, approve }) => (
			AuditAction::MotionVoted { aye: *approve },
			Box::new(move || (proposal, index).encode()),
		),
		RuntimeCall::Council(Council::close { proposal_hash, index, .. }) => {
			(AuditAction::MotionClosed, Box::new(move || (proposal_hash, index).encode()))
		},
		RuntimeCall::Council(Council::execute { proposal, .. }) => {
			(AuditAction::CouncilExecuted, Box::new(move || proposal.encode()))
		},
		RuntimeCall::Session(pallet_session::Call::set_keys { keys, .. }) => {
			(AuditAction::SessionKeysSet, Box::new(move || keys.encode()))
		},
		RuntimeCall::Session(pallet_session::Call::purge_keys {}) => {
			(AuditAction::SessionKeysPurged, Box::new(Vec::new))
		},
		RuntimeCall::Sudo(call) => (AuditAction::SudoCall, Box::new(move || call.encode())),
		_ => return None,
	})
}

/// How many calls a transaction carrying `call` makes, for its department's
/// allowance: each call of a `Utility` batch, one otherwise.
pub fn calls_in(call: &RuntimeCall) -> u32 {
	match batched(call) {
		Some(calls) => calls.iter().map(calls_in).fold(0u32, u32::saturating_add).max(1),
		None => 1,
	}
}
