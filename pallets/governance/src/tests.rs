use crate::{mock::*, Event};
use frame_support::{assert_noop, assert_ok, weights::Weight};
use sp_runtime::DispatchError;

/// Where `System::set_heap_pages` writes.
const HEAP_PAGES: &[u8] = b":heappages";

fn set_heap_pages() -> Box<RuntimeCall> {
	Box::new(RuntimeCall::System(frame_system::Call::set_heap_pages { pages: 64 }))
}

#[test]
fn governance_dispatches_root_only_call() {
	new_test_ext().execute_with(|| {
		assert_ok!(Governance::dispatch_as_root(RuntimeOrigin::signed(1), set_heap_pages()));
		System::assert_last_event(Event::DispatchedAsRoot { result: Ok(()) }.into());
		assert_eq!(frame_support::storage::unhashed::get::<u64>(HEAP_PAGES), Some(64));
	});
}

#[test]
fn inner_failure_is_reported_in_the_event() {
	new_test_ext().execute_with(|| {
		// no upgrade was authorized, so applying one fails
		let call = Box::new(RuntimeCall::System(frame_system::Call::apply_authorized_upgrade {
			code: vec![1, 2, 3],
		}));
		assert_ok!(Governance::dispatch_as_root(RuntimeOrigin::signed(1), call));
		System::assert_last_event(
			Event::DispatchedAsRoot {
				result: Err(frame_system::Error::<Test>::NothingAuthorized.into()),
			}
			.into(),
		);
	});
}

#[test]
fn others_may_not_dispatch_as_root() {
	new_test_ext().execute_with(|| {
		assert_noop!(
			Governance::dispatch_as_root(RuntimeOrigin::signed(2), set_heap_pages()),
			DispatchError::BadOrigin
		);
		assert_noop!(
			Governance::dispatch_as_root(RuntimeOrigin::none(), set_heap_pages()),
			DispatchError::BadOrigin
		);
	});
}

#[test]
fn weight_includes_the_inner_call() {
	let inner =
		frame_support::dispatch::GetDispatchInfo::get_dispatch_info(&*set_heap_pages()).call_weight;
	let outer = frame_support::dispatch::GetDispatchInfo::get_dispatch_info(
		&RuntimeCall::Governance(crate::Call::dispatch_as_root { call: set_heap_pages() }),
	)
	.call_weight;
	assert!(outer.all_gte(inner.saturating_add(Weight::from_parts(1, 0))));
}

#[test]
fn each_account_holds_at_most_its_proposal_slots() {
	use crate::{Error, OpenProposals, ProposalSlot};
	use frame_support::traits::Consideration;
	new_test_ext().execute_with(|| {
		let first = ProposalSlot::<Test>::new(&7, 0).unwrap();
		let second = ProposalSlot::<Test>::new(&7, 1).unwrap();
		assert_eq!(
			ProposalSlot::<Test>::new(&7, 2),
			Err(Error::<Test>::TooManyOpenProposals.into())
		);
		// another account is not affected
		let other = ProposalSlot::<Test>::new(&8, 2).unwrap();
		assert_eq!(OpenProposals::<Test>::get(7), 2);
		first.drop(&7).unwrap();
		let third = ProposalSlot::<Test>::new(&7, 2).unwrap();
		second.burn(&7);
		third.drop(&7).unwrap();
		other.drop(&8).unwrap();
		assert_eq!(OpenProposals::<Test>::iter().count(), 0, "no state left behind");
	});
}
