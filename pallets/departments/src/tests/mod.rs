use crate::{
	mock::*, DepartmentMembers, Departments as DepartmentRecords, Error, Event, Members,
	NextDepartmentId, WeightInfo,
};
use citychain_primitives::{DepartmentDirectory, DepartmentKind, DepartmentStatus, Role, Roles};
use frame_support::{assert_noop, assert_ok};
use sp_runtime::DispatchError;

fn signed(who: AccountId) -> RuntimeOrigin {
	RuntimeOrigin::signed(who)
}

fn register(name: &[u8], kind: DepartmentKind, admin: AccountId) -> u32 {
	let id = NextDepartmentId::<Test>::get();
	assert_ok!(Departments::register_department(
		RuntimeOrigin::root(),
		name.to_vec(),
		kind,
		admin,
		b"https://city.example/dept".to_vec()
	));
	id
}

fn check_invariants() {
	crate::Pallet::<Test>::do_try_state().expect("invariants hold");
}

mod genesis {
	use super::*;

	#[test]
	fn builds_departments_members_and_council() {
		new_test_ext().execute_with(|| {
			assert_eq!(NextDepartmentId::<Test>::get(), 3);
			let planning = DepartmentRecords::<Test>::get(PLANNING).unwrap();
			assert_eq!(planning.name.to_vec(), b"Planning".to_vec());
			assert_eq!((planning.members, planning.admins), (2, 1));
			assert_eq!(planning.delegate, PLANNING_ADMIN);
			assert_eq!(Council::members(), vec![PLANNING_ADMIN, TRANSPORT_ADMIN, REGULATOR_ADMIN]);
			// membership provides the account, so it exists without funds
			assert!(System::account_exists(&PLANNING_PUBLISHER));
			check_invariants();
		});
	}
}

mod register_department {
	use super::*;

	#[test]
	fn admits_department_with_admin_as_delegate() {
		new_test_ext().execute_with(|| {
			let id = register(b"Water", DepartmentKind::Water, 10);
			let dept = DepartmentRecords::<Test>::get(id).unwrap();
			assert_eq!(
				(dept.kind, dept.status, dept.delegate),
				(DepartmentKind::Water, DepartmentStatus::Active, 10)
			);
			assert_eq!(
				Members::<Test>::get(10).map(|m| (m.department, m.roles)),
				Some((id, Roles::only(Role::Admin)))
			);
			assert!(Council::members().contains(&10));
			assert!(System::account_exists(&10));
			System::assert_last_event(
				Event::DepartmentRegistered {
					department: id,
					kind: DepartmentKind::Water,
					admin: 10,
				}
				.into(),
			);
			check_invariants();
		});
	}

	#[test]
	fn requires_governance() {
		new_test_ext().execute_with(|| {
			assert_noop!(
				Departments::register_department(
					signed(PLANNING_ADMIN),
					b"X".to_vec(),
					DepartmentKind::Other,
					10,
					vec![]
				),
				DispatchError::BadOrigin
			);
		});
	}

	#[test]
	fn rejects_bad_names_and_uris() {
		new_test_ext().execute_with(|| {
			let root = RuntimeOrigin::root;
			assert_noop!(
				Departments::register_department(root(), vec![], DepartmentKind::Other, 10, vec![]),
				Error::<Test>::EmptyName
			);
			assert_noop!(
				Departments::register_department(
					root(),
					vec![b'a'; MAX_NAME as usize + 1],
					DepartmentKind::Other,
					10,
					vec![]
				),
				Error::<Test>::NameTooLong
			);
			assert_noop!(
				Departments::register_department(
					root(),
					b"X".to_vec(),
					DepartmentKind::Other,
					10,
					vec![b'u'; MAX_URI as usize + 1]
				),
				Error::<Test>::UriTooLong
			);
		});
	}

	#[test]
	fn rejects_admin_who_is_already_a_member() {
		new_test_ext().execute_with(|| {
			assert_noop!(
				Departments::register_department(
					RuntimeOrigin::root(),
					b"X".to_vec(),
					DepartmentKind::Other,
					PLANNING_PUBLISHER,
					vec![]
				),
				Error::<Test>::AlreadyMember
			);
		});
	}

	#[test]
	fn stops_at_max_departments() {
		new_test_ext().execute_with(|| {
			for i in 3..MAX_DEPARTMENTS {
				register(b"Filler", DepartmentKind::Other, 100 + i as u64);
			}
			assert_noop!(
				Departments::register_department(
					RuntimeOrigin::root(),
					b"X".to_vec(),
					DepartmentKind::Other,
					10,
					vec![]
				),
				Error::<Test>::TooManyDepartments
			);
			assert_eq!(Council::members().len(), MAX_DEPARTMENTS as usize);
			check_invariants();
		});
	}

	#[test]
	fn a_retired_department_frees_its_place_and_a_suspended_one_keeps_it() {
		new_test_ext().execute_with(|| {
			for i in 3..MAX_DEPARTMENTS {
				register(b"Filler", DepartmentKind::Other, 100 + i as u64);
			}
			let register_one = || {
				Departments::register_department(
					RuntimeOrigin::root(),
					b"X".to_vec(),
					DepartmentKind::Other,
					10,
					vec![],
				)
			};
			assert_ok!(Departments::set_department_status(
				RuntimeOrigin::root(),
				TRANSPORT,
				DepartmentStatus::Suspended
			));
			assert_noop!(register_one(), Error::<Test>::TooManyDepartments);

			assert_ok!(Departments::set_department_status(
				RuntimeOrigin::root(),
				TRANSPORT,
				DepartmentStatus::Retired
			));
			assert_ok!(register_one());
			assert_eq!(crate::StandingDepartments::<Test>::get(), MAX_DEPARTMENTS);
			assert_eq!(NextDepartmentId::<Test>::get(), MAX_DEPARTMENTS + 1);
			assert_noop!(
				Departments::register_department(
					RuntimeOrigin::root(),
					b"Y".to_vec(),
					DepartmentKind::Other,
					11,
					vec![]
				),
				Error::<Test>::TooManyDepartments
			);
			check_invariants();
		});
	}
}

mod set_department_status {
	use super::*;

	#[test]
	fn refunds_the_seat_change_when_the_department_stays_inactive() {
		new_test_ext().execute_with(|| {
			let base = <() as WeightInfo>::set_department_status();
			let suspended = Departments::set_department_status(
				RuntimeOrigin::root(),
				TRANSPORT,
				DepartmentStatus::Suspended,
			)
			.unwrap();
			assert_eq!(suspended.actual_weight, Some(base + CouncilChangeWeight::get()));
			let retired = Departments::set_department_status(
				RuntimeOrigin::root(),
				TRANSPORT,
				DepartmentStatus::Retired,
			)
			.unwrap();
			assert_eq!(retired.actual_weight, Some(base));
		});
	}

	#[test]
	fn suspension_removes_delegate_from_council_and_reactivation_restores_it() {
		new_test_ext().execute_with(|| {
			assert_ok!(Departments::set_department_status(
				RuntimeOrigin::root(),
				TRANSPORT,
				DepartmentStatus::Suspended
			));
			System::assert_last_event(
				Event::DepartmentStatusChanged {
					department: TRANSPORT,
					status: DepartmentStatus::Suspended,
				}
				.into(),
			);
			assert!(!Council::members().contains(&TRANSPORT_ADMIN));
			assert_eq!(Departments::active_department_of(&TRANSPORT_ADMIN), None);
			check_invariants();

			assert_ok!(Departments::set_department_status(
				RuntimeOrigin::root(),
				TRANSPORT,
				DepartmentStatus::Active
			));
			assert!(Council::members().contains(&TRANSPORT_ADMIN));
			assert_eq!(Departments::active_department_of(&TRANSPORT_ADMIN), Some(TRANSPORT));
			check_invariants();
		});
	}

	#[test]
	fn retirement_is_final() {
		new_test_ext().execute_with(|| {
			assert_ok!(Departments::set_department_status(
				RuntimeOrigin::root(),
				TRANSPORT,
				DepartmentStatus::Retired
			));
			assert!(!Council::members().contains(&TRANSPORT_ADMIN));
			assert_noop!(
				Departments::set_department_status(
					RuntimeOrigin::root(),
					TRANSPORT,
					DepartmentStatus::Active
				),
				Error::<Test>::InvalidStatusTransition
			);
		});
	}

	#[test]
	fn rejects_same_status_unknown_department_and_plain_signed_origin() {
		new_test_ext().execute_with(|| {
			assert_noop!(
				Departments::set_department_status(
					RuntimeOrigin::root(),
					TRANSPORT,
					DepartmentStatus::Active
				),
				Error::<Test>::InvalidStatusTransition
			);
			assert_noop!(
				Departments::set_department_status(
					RuntimeOrigin::root(),
					42,
					DepartmentStatus::Suspended
				),
				Error::<Test>::UnknownDepartment
			);
			assert_noop!(
				Departments::set_department_status(
					signed(REGULATOR_ADMIN),
					TRANSPORT,
					DepartmentStatus::Suspended
				),
				DispatchError::BadOrigin
			);
		});
	}
}

mod add_member {
	use super::*;

	#[test]
	fn admin_adds_member_who_exists_at_once() {
		new_test_ext().execute_with(|| {
			let roles = Roles::only(Role::Approver);
			assert!(!System::account_exists(&20));
			assert_ok!(Departments::add_member(signed(PLANNING_ADMIN), 20, roles));
			System::assert_last_event(
				Event::MemberAdded { department: PLANNING, who: 20, roles }.into(),
			);
			assert!(System::account_exists(&20));
			assert_eq!(Departments::department_where(&20, Role::Approver), Some(PLANNING));
			assert_eq!(Departments::department_where(&20, Role::Publisher), None);
			assert!(DepartmentMembers::<Test>::contains_key(PLANNING, 20));
			assert_eq!(DepartmentRecords::<Test>::get(PLANNING).unwrap().members, 3);
			check_invariants();
		});
	}

	#[test]
	fn one_department_per_account() {
		new_test_ext().execute_with(|| {
			assert_noop!(
				Departments::add_member(signed(PLANNING_ADMIN), TRANSPORT_ADMIN, Roles::NONE),
				Error::<Test>::AlreadyMember
			);
		});
	}

	#[test]
	fn only_admins_of_active_departments() {
		new_test_ext().execute_with(|| {
			assert_noop!(
				Departments::add_member(signed(OUTSIDER), 20, Roles::NONE),
				Error::<Test>::NotMember
			);
			assert_noop!(
				Departments::add_member(signed(PLANNING_PUBLISHER), 20, Roles::NONE),
				Error::<Test>::NotAdmin
			);
			assert_ok!(Departments::set_department_status(
				RuntimeOrigin::root(),
				PLANNING,
				DepartmentStatus::Suspended
			));
			assert_noop!(
				Departments::add_member(signed(PLANNING_ADMIN), 20, Roles::NONE),
				Error::<Test>::DepartmentNotActive
			);
			assert_noop!(
				Departments::add_member(RuntimeOrigin::root(), 20, Roles::NONE),
				DispatchError::BadOrigin
			);
		});
	}

	#[test]
	fn stops_at_max_members() {
		new_test_ext().execute_with(|| {
			for who in 20..(20 + MAX_MEMBERS as u64 - 2) {
				assert_ok!(Departments::add_member(signed(PLANNING_ADMIN), who, Roles::NONE));
			}
			assert_noop!(
				Departments::add_member(signed(PLANNING_ADMIN), 30, Roles::NONE),
				Error::<Test>::TooManyMembers
			);
		});
	}
}

mod set_member_roles {
	use super::*;

	#[test]
	fn admin_changes_roles_and_counts_admins() {
		new_test_ext().execute_with(|| {
			let roles = Roles::only(Role::Admin).with(Role::Publisher);
			assert_ok!(Departments::set_member_roles(
				signed(PLANNING_ADMIN),
				PLANNING_PUBLISHER,
				roles
			));
			System::assert_last_event(
				Event::MemberRolesChanged { department: PLANNING, who: PLANNING_PUBLISHER, roles }
					.into(),
			);
			assert_eq!(DepartmentRecords::<Test>::get(PLANNING).unwrap().admins, 2);
			// with a second admin, the first may drop the role
			assert_ok!(Departments::set_member_roles(
				signed(PLANNING_ADMIN),
				PLANNING_ADMIN,
				Roles::NONE
			));
			assert_eq!(DepartmentRecords::<Test>::get(PLANNING).unwrap().admins, 1);
			check_invariants();
		});
	}

	#[test]
	fn keeps_the_last_admin() {
		new_test_ext().execute_with(|| {
			assert_noop!(
				Departments::set_member_roles(
					signed(PLANNING_ADMIN),
					PLANNING_ADMIN,
					Roles::only(Role::Publisher)
				),
				Error::<Test>::LastAdmin
			);
		});
	}

	#[test]
	fn only_members_of_the_callers_department() {
		new_test_ext().execute_with(|| {
			assert_noop!(
				Departments::set_member_roles(signed(PLANNING_ADMIN), TRANSPORT_ADMIN, Roles::NONE),
				Error::<Test>::NotMemberOfDepartment
			);
			assert_noop!(
				Departments::set_member_roles(
					signed(PLANNING_PUBLISHER),
					PLANNING_PUBLISHER,
					Roles::ALL
				),
				Error::<Test>::NotAdmin
			);
		});
	}
}

mod remove_member {
	use super::*;

	#[test]
	fn admin_removes_member_whose_account_stays() {
		new_test_ext().execute_with(|| {
			assert_ok!(Departments::remove_member(signed(PLANNING_ADMIN), PLANNING_PUBLISHER));
			System::assert_last_event(
				Event::MemberRemoved { department: PLANNING, who: PLANNING_PUBLISHER }.into(),
			);
			assert!(Members::<Test>::get(PLANNING_PUBLISHER).is_none());
			assert!(!DepartmentMembers::<Test>::contains_key(PLANNING, PLANNING_PUBLISHER));
			assert!(System::account_exists(&PLANNING_PUBLISHER), "kept, with its nonce");
			assert_eq!(DepartmentRecords::<Test>::get(PLANNING).unwrap().members, 1);
			// free to join another department now
			assert_ok!(Departments::add_member(
				signed(TRANSPORT_ADMIN),
				PLANNING_PUBLISHER,
				Roles::NONE
			));
			check_invariants();
		});
	}

	#[test]
	fn keeps_delegate_and_last_admin() {
		new_test_ext().execute_with(|| {
			assert_noop!(
				Departments::remove_member(signed(PLANNING_ADMIN), PLANNING_ADMIN),
				Error::<Test>::MemberIsDelegate
			);
			// a second admin who is not the delegate; then the delegate drops Admin
			assert_ok!(Departments::set_member_roles(
				signed(PLANNING_ADMIN),
				PLANNING_PUBLISHER,
				Roles::ALL
			));
			assert_ok!(Departments::set_member_roles(
				signed(PLANNING_ADMIN),
				PLANNING_ADMIN,
				Roles::NONE
			));
			assert_noop!(
				Departments::remove_member(signed(PLANNING_PUBLISHER), PLANNING_PUBLISHER),
				Error::<Test>::LastAdmin
			);
		});
	}

	#[test]
	fn is_not_blocked_by_what_the_member_holds_elsewhere() {
		new_test_ext().execute_with(|| {
			// session keys, for example, make the account a consumer
			assert_ok!(frame_system::Pallet::<Test>::inc_consumers(&PLANNING_PUBLISHER));
			assert_ok!(Departments::remove_member(signed(PLANNING_ADMIN), PLANNING_PUBLISHER));
			assert!(Members::<Test>::get(PLANNING_PUBLISHER).is_none());
		});
	}

	#[test]
	fn keeps_the_account_and_its_nonce_through_readmission() {
		new_test_ext().execute_with(|| {
			frame_system::Pallet::<Test>::inc_account_nonce(PLANNING_PUBLISHER);
			frame_system::Pallet::<Test>::inc_account_nonce(PLANNING_PUBLISHER);
			assert_ok!(Departments::remove_member(signed(PLANNING_ADMIN), PLANNING_PUBLISHER));
			assert!(frame_system::Pallet::<Test>::account_exists(&PLANNING_PUBLISHER));
			assert_eq!(frame_system::Pallet::<Test>::account_nonce(PLANNING_PUBLISHER), 2);
			assert_ok!(Departments::add_member(
				signed(PLANNING_ADMIN),
				PLANNING_PUBLISHER,
				Roles::only(Role::Publisher)
			));
			assert_ok!(Departments::remove_member(signed(PLANNING_ADMIN), PLANNING_PUBLISHER));
			assert_eq!(frame_system::Pallet::<Test>::account_nonce(PLANNING_PUBLISHER), 2);
		});
	}

	#[test]
	fn only_members_of_the_callers_department() {
		new_test_ext().execute_with(|| {
			assert_noop!(
				Departments::remove_member(signed(PLANNING_ADMIN), TRANSPORT_ADMIN),
				Error::<Test>::NotMemberOfDepartment
			);
			assert_noop!(
				Departments::remove_member(signed(OUTSIDER), PLANNING_ADMIN),
				Error::<Test>::NotMember
			);
		});
	}
}

mod set_encryption_key {
	use super::*;

	#[test]
	fn admin_publishes_key() {
		new_test_ext().execute_with(|| {
			assert_ok!(Departments::set_encryption_key(signed(PLANNING_ADMIN), [9u8; 32]));
			System::assert_last_event(
				Event::EncryptionKeySet { department: PLANNING, key: [9u8; 32] }.into(),
			);
			assert_eq!(Departments::encryption_key(PLANNING), Some([9u8; 32]));
		});
	}

	#[test]
	fn rejects_zero_key_and_non_admin() {
		new_test_ext().execute_with(|| {
			assert_noop!(
				Departments::set_encryption_key(signed(PLANNING_ADMIN), [0u8; 32]),
				Error::<Test>::InvalidEncryptionKey
			);
			let mut p_plus_1 = [0xffu8; 32];
			(p_plus_1[0], p_plus_1[31]) = (0xee, 0x7f);
			assert_noop!(
				Departments::set_encryption_key(signed(PLANNING_ADMIN), p_plus_1),
				Error::<Test>::InvalidEncryptionKey
			);
			assert_noop!(
				Departments::set_encryption_key(signed(PLANNING_PUBLISHER), [9u8; 32]),
				Error::<Test>::NotAdmin
			);
		});
	}
}

mod update_department {
	use super::*;

	#[test]
	fn refunds_the_council_change_when_the_delegate_stays() {
		new_test_ext().execute_with(|| {
			let base = <() as WeightInfo>::update_department();
			let renamed = Departments::update_department(
				signed(PLANNING_ADMIN),
				Some(b"Planning Bureau".to_vec()),
				None,
				Some(PLANNING_ADMIN),
			)
			.unwrap();
			assert_eq!(renamed.actual_weight, Some(base));
			let moved = Departments::update_department(
				signed(PLANNING_ADMIN),
				None,
				None,
				Some(PLANNING_PUBLISHER),
			)
			.unwrap();
			assert_eq!(moved.actual_weight, Some(base + CouncilChangeWeight::get()));
		});
	}

	#[test]
	fn admin_renames_and_changes_delegate() {
		new_test_ext().execute_with(|| {
			assert_ok!(Departments::update_department(
				signed(PLANNING_ADMIN),
				Some(b"Planning Bureau".to_vec()),
				Some(b"ipfs://planning".to_vec()),
				Some(PLANNING_PUBLISHER)
			));
			System::assert_has_event(Event::DepartmentUpdated { department: PLANNING }.into());
			System::assert_last_event(
				Event::DelegateChanged { department: PLANNING, delegate: PLANNING_PUBLISHER }
					.into(),
			);
			let dept = DepartmentRecords::<Test>::get(PLANNING).unwrap();
			assert_eq!(dept.name.to_vec(), b"Planning Bureau".to_vec());
			assert_eq!(dept.metadata_uri.to_vec(), b"ipfs://planning".to_vec());
			assert!(Council::members().contains(&PLANNING_PUBLISHER));
			assert!(!Council::members().contains(&PLANNING_ADMIN));
			// the former delegate may now be removed by another admin
			check_invariants();
		});
	}

	#[test]
	fn rejects_bad_input() {
		new_test_ext().execute_with(|| {
			let admin = || signed(PLANNING_ADMIN);
			assert_noop!(
				Departments::update_department(admin(), None, None, None),
				Error::<Test>::NothingToUpdate
			);
			assert_noop!(
				Departments::update_department(admin(), None, None, Some(PLANNING_ADMIN)),
				Error::<Test>::NothingToUpdate
			);
			assert_noop!(
				Departments::update_department(admin(), Some(vec![]), None, None),
				Error::<Test>::EmptyName
			);
			assert_noop!(
				Departments::update_department(
					admin(),
					Some(vec![b'a'; MAX_NAME as usize + 1]),
					None,
					None
				),
				Error::<Test>::NameTooLong
			);
			assert_noop!(
				Departments::update_department(
					admin(),
					None,
					Some(vec![b'u'; MAX_URI as usize + 1]),
					None
				),
				Error::<Test>::UriTooLong
			);
			assert_noop!(
				Departments::update_department(admin(), None, None, Some(TRANSPORT_ADMIN)),
				Error::<Test>::DelegateNotMember
			);
			assert_noop!(
				Departments::update_department(
					signed(PLANNING_PUBLISHER),
					Some(b"X".to_vec()),
					None,
					None
				),
				Error::<Test>::NotAdmin
			);
		});
	}
}

mod directory {
	use super::*;

	#[test]
	fn reports_roles_status_and_regulators() {
		new_test_ext().execute_with(|| {
			let m = Departments::membership(&PLANNING_PUBLISHER).unwrap();
			assert_eq!(
				(m.department, m.kind, m.roles),
				(PLANNING, DepartmentKind::Planning, Roles::only(Role::Publisher))
			);
			assert!(Departments::membership(&OUTSIDER).is_none());
			assert!(Departments::is_active_regulator(REGULATOR));
			assert!(!Departments::is_active_regulator(PLANNING));
			assert_ok!(Departments::set_department_status(
				RuntimeOrigin::root(),
				REGULATOR,
				DepartmentStatus::Suspended
			));
			assert!(!Departments::is_active_regulator(REGULATOR));
			assert_eq!(Departments::department_where(&REGULATOR_ADMIN, Role::Auditor), None);
		});
	}

	#[test]
	fn lists_members_of_a_department() {
		new_test_ext().execute_with(|| {
			let mut members = crate::Pallet::<Test>::members_of(PLANNING);
			members.sort_by_key(|(who, _)| *who);
			assert_eq!(
				members,
				vec![
					(PLANNING_ADMIN, Roles::only(Role::Admin)),
					(PLANNING_PUBLISHER, Roles::only(Role::Publisher))
				]
			);
		});
	}
}

mod allowance {
	use super::*;
	use crate::{Allowance, Allowances, Spent};

	#[test]
	fn a_department_spends_its_default_allowance_per_period() {
		new_test_ext().execute_with(|| {
			System::set_block_number(ALLOWANCE_PERIOD as u64 * 3 + 1);
			assert_eq!(Departments::allowance_left(PLANNING).0, (3, 1_000));
			assert!(Departments::spend_allowance(PLANNING, 1, 400));
			assert!(
				!Departments::spend_allowance(PLANNING, 3, 10),
				"a batch over the transactions"
			);
			assert!(Departments::spend_allowance(PLANNING, 1, 400));
			assert!(!Departments::spend_allowance(PLANNING, 1, 400), "over the bytes");
			assert_eq!(
				Departments::allowance_left(PLANNING).0,
				(1, 200),
				"nothing spent by a refusal"
			);
			assert!(Departments::spend_allowance(PLANNING, 1, 200));
			assert_eq!(Departments::allowance_left(PLANNING).0, (0, 0));
			assert!(!Departments::spend_allowance(PLANNING, 1, 1), "over the transactions");
			assert_eq!(Departments::allowance_left(1).0, (3, 1_000), "each department its own");
			// what was spent counts until SLOTS + 1 slots have begun since
			let slot_length = ALLOWANCE_PERIOD.div_ceil(crate::SLOTS) as u64;
			let forgotten = (Departments::current_slot() as u64 + 5) * slot_length;
			System::set_block_number(forgotten - 1);
			assert_eq!(Departments::allowance_left(PLANNING).0, (0, 0));
			System::set_block_number(forgotten);
			assert_eq!(Departments::allowance_left(PLANNING).0, (3, 1_000));
			assert!(Departments::spend_allowance(PLANNING, 2, 10));
			assert_eq!(Spent::<Test>::get(PLANNING).total(), (2, 10), "a batch of two calls");
		});
	}

	#[test]
	fn no_window_of_a_period_holds_more_than_the_allowance() {
		new_test_ext().execute_with(|| {
			// A department that spends all it can at every block, for 50
			// periods: what any ALLOWANCE_PERIOD consecutive blocks hold
			// stays within the allowance, a period's boundary included, and
			// the department still gets all of it every SLOTS + 1 slots.
			let period = ALLOWANCE_PERIOD as usize;
			let mut spent = Vec::new();
			for block in 1..=(50 * ALLOWANCE_PERIOD as u64) {
				System::set_block_number(block);
				let mut here = 0;
				while Departments::spend_allowance(PLANNING, 1, 1) {
					here += 1;
				}
				spent.push(here);
			}
			let most = spent.windows(period).map(|w| w.iter().sum::<u32>()).max();
			assert_eq!(most, Some(3), "any {period} blocks hold at most the allowance");
			let total: u32 = spent.iter().sum();
			let renewal = (crate::SLOTS + 1) * ALLOWANCE_PERIOD.div_ceil(crate::SLOTS);
			assert!(total >= 3 * (50 * ALLOWANCE_PERIOD / renewal), "{total} spent");
		});
	}

	#[test]
	fn members_share_what_is_left_while_their_transactions_wait() {
		new_test_ext().execute_with(|| {
			let more = Allowance { transactions: 10, bytes: 50_000 };
			assert_ok!(Departments::set_allowance(RuntimeOrigin::root(), PLANNING, Some(more)));
			// Planning has two members: five transactions each, and a later
			// one stands behind its sender's earlier ones.
			assert_eq!(Departments::pool_standing(PLANNING, 0), Some((10, 10)));
			assert_eq!(Departments::pool_standing(PLANNING, 4), Some((2, 10)));
			assert_eq!(Departments::pool_standing(PLANNING, 5), None, "past its share");
			assert!(Departments::spend_allowance(PLANNING, 9, 10));
			assert_eq!(
				Departments::pool_standing(PLANNING, 0),
				Some((1, 10)),
				"each member's next transaction, while any is left"
			);
			assert_eq!(Departments::pool_standing(PLANNING, 1), None);
		});
	}

	#[test]
	fn governance_sets_and_clears_a_departments_allowance() {
		new_test_ext().execute_with(|| {
			let more = Allowance { transactions: 50, bytes: 50_000 };
			assert_ok!(Departments::set_allowance(RuntimeOrigin::root(), PLANNING, Some(more)));
			System::assert_last_event(
				Event::AllowanceSet { department: PLANNING, allowance: Some(more) }.into(),
			);
			assert_eq!(Departments::allowance_left(PLANNING).0, (50, 50_000));
			assert_ok!(Departments::set_allowance(RuntimeOrigin::root(), PLANNING, None));
			assert!(Allowances::<Test>::get(PLANNING).is_none());
			assert_eq!(Departments::allowance_left(PLANNING).0, (3, 1_000));
		});
	}

	#[test]
	fn set_allowance_refuses_bad_input() {
		new_test_ext().execute_with(|| {
			let some = Some(Allowance { transactions: 5, bytes: 5 });
			assert_noop!(
				Departments::set_allowance(signed(PLANNING_ADMIN), PLANNING, some),
				DispatchError::BadOrigin
			);
			assert_noop!(
				Departments::set_allowance(RuntimeOrigin::root(), 99, some),
				Error::<Test>::UnknownDepartment
			);
			for empty in
				[Allowance { transactions: 0, bytes: 5 }, Allowance { transactions: 5, bytes: 0 }]
			{
				assert_noop!(
					Departments::set_allowance(RuntimeOrigin::root(), PLANNING, Some(empty)),
					Error::<Test>::EmptyAllowance
				);
			}
		});
	}
}
