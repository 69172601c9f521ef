//! Tests of what a dataset's withdrawal does to its contracts, of the access
//! check and contract listing, and of the bounds every call shares.

use super::*;

#[test]
fn withdrawing_a_dataset_revokes_its_live_contracts() {
	new_test_ext().execute_with(|| {
		let approved = request(TRANSPORT_CLERK, APPROVAL);
		assert_ok!(approve(PLANNER, approved));
		let pending = request(ENVIRONMENT_CLERK, APPROVAL);
		let other = request(TRANSPORT_CLERK, OPEN);
		Registry::set_status(APPROVAL, DatasetStatus::Withdrawn);
		<Access as OnDatasetWithdrawn>::on_dataset_withdrawn(APPROVAL);
		assert_eq!(contract(approved).state, ContractState::Revoked);
		assert_eq!(contract(pending).state, ContractState::Revoked);
		assert_eq!(contract(other).state, ContractState::Approved);
		System::assert_has_event(Event::AccessRevoked { contract: approved, by: None }.into());
		assert_eq!(check(TRANSPORT_CLERK, APPROVAL), (false, AccessBasis::Withdrawn));
		try_state();
	});
}

#[test]
fn contracts_on_earlier_versions_of_a_withdrawn_dataset_are_revoked_as_blocks_have_room() {
	use frame_support::{traits::Hooks, weights::Weight};
	new_test_ext().execute_with(|| {
		// APPROVAL and RESTRICTED stand for two earlier versions of a dataset
		// being withdrawn; OPEN for an unrelated one.
		let first = request(TRANSPORT_CLERK, APPROVAL);
		assert_ok!(approve(PLANNER, first));
		let second = request(ENVIRONMENT_CLERK, RESTRICTED);
		let other = request(TRANSPORT_CLERK, OPEN);
		for version in [APPROVAL, RESTRICTED] {
			Registry::set_status(version, DatasetStatus::Withdrawn);
			<Access as OnDatasetWithdrawn>::on_earlier_version_withdrawn(version);
		}
		<Access as OnDatasetWithdrawn>::on_earlier_version_withdrawn(OPEN + 40);
		assert_eq!(
			crate::WithdrawnVersions::<Test>::iter_keys().count(),
			2,
			"only versions with live contracts wait"
		);
		assert_eq!(
			check(TRANSPORT_CLERK, APPROVAL),
			(false, AccessBasis::Withdrawn),
			"nothing granted meanwhile"
		);

		Access::on_idle(2, Weight::zero());
		assert_eq!(crate::WithdrawnVersions::<Test>::iter_keys().count(), 2, "no room, no work");
		Access::on_idle(2, Access::revoke_on_withdrawn_max_weight());
		assert_eq!(
			crate::WithdrawnVersions::<Test>::iter_keys().count(),
			1,
			"room for one version's worst case"
		);
		Access::on_idle(3, Weight::MAX);
		assert!(crate::WithdrawnVersions::<Test>::iter_keys().next().is_none());
		for id in [first, second] {
			assert_eq!(contract(id).state, ContractState::Revoked);
			System::assert_has_event(Event::AccessRevoked { contract: id, by: None }.into());
		}
		assert_eq!(contract(other).state, ContractState::Approved);
		try_state();
	});
}

#[test]
fn access_check_names_its_basis() {
	new_test_ext().execute_with(|| {
		assert_eq!(check(PLANNER, APPROVAL), (true, AccessBasis::Owner));
		assert_eq!(check(TRANSPORT_CLERK, OPEN), (true, AccessBasis::OpenData));
		assert_eq!(check(TRANSPORT_CLERK, APPROVAL), (false, AccessBasis::NoContract));
		assert_eq!(check(OUTSIDER, APPROVAL), (false, AccessBasis::NotMember));
		assert_eq!(check(TRANSPORT_CLERK, 77), (false, AccessBasis::UnknownDataset));
		let id = request(TRANSPORT_CLERK, APPROVAL);
		assert_ok!(approve(PLANNER, id));
		let answer = Access::check(&TRANSPORT_APPROVER, APPROVAL);
		assert_eq!(
			(answer.allowed, answer.contract, answer.expires_at),
			(true, Some(id), Some(1 + TERM))
		);
		Directory::set_status(TRANSPORT, DepartmentStatus::Suspended);
		assert_eq!(check(TRANSPORT_CLERK, APPROVAL), (false, AccessBasis::NotMember));
	});
}

#[test]
fn contracts_are_listed_by_consumer_provider_dataset_and_state() {
	new_test_ext().execute_with(|| {
		let a = request(TRANSPORT_CLERK, OPEN);
		let b = request(TRANSPORT_CLERK, APPROVAL);
		let c = request(ENVIRONMENT_CLERK, APPROVAL);
		let d = request(ENVIRONMENT_CLERK, RESTRICTED);
		let ids = |q: ContractQuery| -> Vec<ContractId> {
			Access::contracts(ContractQuery { limit: 10, ..q })
				.unwrap()
				.items
				.iter()
				.map(|i| i.id)
				.collect()
		};
		assert_eq!(
			ids(ContractQuery { consumer: Some(TRANSPORT), ..Default::default() }),
			vec![a, b]
		);
		assert_eq!(
			ids(ContractQuery { provider: Some(PLANNING), ..Default::default() }),
			vec![a, b, c, d]
		);
		assert_eq!(
			ids(ContractQuery { dataset: Some(APPROVAL), ..Default::default() }),
			vec![b, c]
		);
		assert_eq!(
			ids(ContractQuery { state: Some(ContractState::Requested), ..Default::default() }),
			vec![b, c, d]
		);
		let page = Access::contracts(ContractQuery {
			provider: Some(PLANNING),
			limit: 3,
			..Default::default()
		})
		.unwrap();
		assert_eq!(page.next, Some(c));
		let rest = Access::contracts(ContractQuery {
			provider: Some(PLANNING),
			cursor: page.next,
			limit: 3,
			..Default::default()
		})
		.unwrap();
		assert_eq!((rest.items.len(), rest.next), (1, None));
		assert_eq!(
			Access::contracts(ContractQuery::default()).unwrap_err(),
			ContractQueryError::ZeroLimit
		);
		assert_eq!(
			Access::contracts(ContractQuery { limit: 101, ..Default::default() }).unwrap_err(),
			ContractQueryError::LimitTooLarge
		);
	});
}

#[test]
fn a_dataset_holds_at_most_max_departments_live_contracts_whatever_the_ids() {
	new_test_ext().execute_with(|| {
		use citychain_primitives::{DepartmentKind, Roles};
		// Ids far beyond the cap: retired departments do not use them up.
		let first = 5_000;
		let mut clerks = Vec::new();
		for i in 0..MAX_DEPARTMENTS {
			Directory::add_department(first + i, DepartmentKind::Other);
			Directory::add_member(100 + u64::from(i), first + i, Roles::NONE);
			clerks.push(100 + u64::from(i));
		}
		let request = |who: AccountId| {
			Access::request_access(RuntimeOrigin::signed(who), APPROVAL, b"x".to_vec(), TERM, None)
		};
		for clerk in &clerks[..MAX_DEPARTMENTS as usize - 1] {
			assert_ok!(request(*clerk));
		}
		assert_ok!(request(TRANSPORT_CLERK));
		assert_eq!(crate::LiveCount::<Test>::get(APPROVAL), MAX_DEPARTMENTS);
		assert_noop!(request(*clerks.last().unwrap()), Error::<Test>::TooManyContracts);

		// A contract that ends frees its place.
		let transport = LiveContracts::<Test>::get(APPROVAL, TRANSPORT).unwrap();
		assert_ok!(Access::cancel_request(RuntimeOrigin::signed(TRANSPORT_CLERK), transport));
		assert_ok!(request(*clerks.last().unwrap()));
		Access::do_try_state().unwrap();
	});
}

#[test]
fn unsigned_calls_are_refused() {
	new_test_ext().execute_with(|| {
		assert_noop!(
			Access::request_access(RuntimeOrigin::none(), APPROVAL, b"x".to_vec(), TERM, None),
			DispatchError::BadOrigin
		);
	});
}
