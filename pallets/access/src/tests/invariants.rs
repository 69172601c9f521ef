//! Random sequences of calls keep every invariant.

use super::*;

#[derive(Clone, Debug)]
enum Op {
	Request(usize, u64),
	Approve(usize, u64),
	Reject(usize, u64),
	Cancel(usize, u64),
	Revoke(usize, u64),
	Relinquish(usize, u64),
	Confirm(usize, u64, bool),
	Withdraw(u64),
	Advance(u64),
}

const ACTORS: [AccountId; 6] = [
	PLANNER,
	TRANSPORT_CLERK,
	TRANSPORT_APPROVER,
	REGULATOR_APPROVER,
	REGULATOR_AUDITOR,
	ENVIRONMENT_CLERK,
];

fn arb_op() -> impl Strategy<Value = Op> {
	let who = 0..ACTORS.len();
	let id = 0u64..12;
	prop_oneof![
		3 => (who.clone(), 0u64..3).prop_map(|(w, d)| Op::Request(w, d)),
		3 => (who.clone(), id.clone()).prop_map(|(w, c)| Op::Approve(w, c)),
		1 => (who.clone(), id.clone()).prop_map(|(w, c)| Op::Reject(w, c)),
		1 => (who.clone(), id.clone()).prop_map(|(w, c)| Op::Cancel(w, c)),
		1 => (who.clone(), id.clone()).prop_map(|(w, c)| Op::Revoke(w, c)),
		1 => (who.clone(), id.clone()).prop_map(|(w, c)| Op::Relinquish(w, c)),
		1 => (who.clone(), id.clone(), any::<bool>()).prop_map(|(w, c, ok)| Op::Confirm(w, c, ok)),
		1 => (0u64..3).prop_map(Op::Withdraw),
		2 => (1u64..60).prop_map(Op::Advance),
	]
}

fn apply(op: Op) {
	let signed = |w: usize| RuntimeOrigin::signed(ACTORS[w]);
	// Calls may fail; a failed call must change nothing, which
	// `frame_support::storage::with_transaction` in dispatch guarantees and
	// try_state checks after every step.
	let _ = match op {
		Op::Request(w, d) => Access::request_access(signed(w), d, b"p".to_vec(), 1 + d * 40, None),
		Op::Approve(w, c) => Access::approve_request(signed(w), c, None),
		Op::Reject(w, c) => Access::reject_request(signed(w), c, b"r".to_vec()),
		Op::Cancel(w, c) => Access::cancel_request(signed(w), c),
		Op::Revoke(w, c) => Access::revoke_access(signed(w), c, b"r".to_vec()),
		Op::Relinquish(w, c) => Access::relinquish_access(signed(w), c),
		Op::Confirm(w, c, ok) => {
			let digest = if ok { vec![0xab; 32] } else { vec![0x00; 32] };
			Access::confirm_receipt(signed(w), c, 0xb220, digest)
		},
		Op::Withdraw(d) => {
			if Registry::dataset_status(d) != Some(DatasetStatus::Withdrawn) {
				Registry::set_status(d, DatasetStatus::Withdrawn);
				<Access as OnDatasetWithdrawn>::on_dataset_withdrawn(d);
			}
			Ok(())
		},
		Op::Advance(n) => {
			run_to_block(System::block_number() + n);
			Ok(())
		},
	};
}

impl Registry {
	fn dataset_status(id: u64) -> Option<DatasetStatus> {
		<Registry as DatasetRegistry>::dataset(id).map(|d| d.status)
	}
}

proptest! {
	#![proptest_config(ProptestConfig::with_cases(128))]

	#[test]
	fn random_sequences_keep_every_invariant(ops in prop::collection::vec(arb_op(), 1..60)) {
		new_test_ext().execute_with(|| {
			for op in ops {
				frame_support::storage::with_storage_layer::<(), DispatchError, _>(|| {
					apply(op.clone());
					Ok(())
				}).unwrap();
				Access::do_try_state().unwrap();
				let now = System::block_number();
				// access_check agrees with the contract states
				for who in ACTORS {
					for dataset in 0u64..3 {
						let answer = Access::check(&who, dataset);
						let membership = <Directory as crate::DepartmentDirectory<AccountId>>::membership(&who).unwrap();
						let summary = <Registry as DatasetRegistry>::dataset(dataset).unwrap();
						let granting = Contracts::<Test>::iter().any(|(_, c)| {
							c.dataset == dataset && c.consumer == membership.department && c.grants_at(now)
						});
						let expected = summary.status != DatasetStatus::Withdrawn &&
							(summary.owner == membership.department ||
								summary.policy == AccessPolicy::Open ||
								granting);
						prop_assert_eq!(answer.allowed, expected, "{:?} on {} at {}", who, dataset, now);
					}
				}
				// no contract in two states: the live index names one per pair
				for (dataset, consumer, id) in LiveContracts::<Test>::iter() {
					let c = Contracts::<Test>::get(id).unwrap();
					prop_assert_eq!((c.dataset, c.consumer), (dataset, consumer));
					prop_assert!(c.state.is_live());
				}
			}
			Ok(())
		})?;
	}
}
