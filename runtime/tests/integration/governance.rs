//! Governance by council motion: what a motion may do as Root, and what one
//! delegate alone may not.

use crate::*;

/// Proposes `call` in the council of the dev chain as Alice and passes it with
/// the votes of Alice, Bob and Charlie (3 of 4 delegates ≥ 2/3).
fn pass_council_motion(call: RuntimeCall) {
	pass_motion(&[Sr25519Keyring::Alice, Sr25519Keyring::Bob, Sr25519Keyring::Charlie], call)
}

#[test]
fn council_motion_registers_a_department() {
	dev_ext().execute_with(|| {
		let water_admin = Sr25519Keyring::Ferdie.to_account_id();
		pass_council_motion(RuntimeCall::Departments(pallet_departments::Call::register_department {
			name: b"Water Authority".to_vec(),
			kind: DepartmentKind::Water,
			admin: water_admin.clone(),
			metadata_uri: vec![],
		}));
		let m = Departments::membership(&water_admin).expect("Ferdie admitted by the council");
		assert_eq!(m.kind, DepartmentKind::Water);
		assert!(pallet_collective::Members::<Runtime, citychain_runtime::configs::CouncilCollective>::get()
			.contains(&water_admin));
	});
}

#[test]
fn council_motion_upgrades_the_runtime_as_root() {
	dev_ext().execute_with(|| {
		let code = citychain_runtime::WASM_BINARY.expect("wasm built").to_vec();
		let upgrade =
			RuntimeCall::System(frame_system::Call::set_code_without_checks { code: code.clone() });
		pass_council_motion(RuntimeCall::Governance(pallet_governance::Call::dispatch_as_root {
			call: Box::new(upgrade),
		}));
		System::assert_has_event(
			pallet_governance::Event::DispatchedAsRoot { result: Ok(()) }.into(),
		);
		assert_eq!(
			sp_io::storage::get(sp_core::storage::well_known_keys::CODE).map(|c| c.to_vec()),
			Some(code)
		);
	});
}

#[test]
fn a_single_delegate_cannot_act_as_governance() {
	dev_ext().execute_with(|| {
		let call = RuntimeCall::System(frame_system::Call::set_heap_pages { pages: 1 });
		assert!(Governance::dispatch_as_root(
			RuntimeOrigin::signed(Sr25519Keyring::Alice.to_account_id()),
			Box::new(call)
		)
		.is_err());
	});
}

#[test]
fn one_delegate_cannot_take_the_council_slots_a_status_motion_needs() {
	dev_ext().execute_with(|| {
		let bob = Sr25519Keyring::Bob;
		let origin = |k: Sr25519Keyring| RuntimeOrigin::signed(k.to_account_id());
		let remark = |i: u8| RuntimeCall::System(frame_system::Call::remark { remark: vec![i] });
		let propose = |k, call: RuntimeCall| {
			let length = call.encoded_size() as u32;
			Council::propose(origin(k), 3, Box::new(call), length)
		};
		let slots = citychain_runtime::configs::MAX_OPEN_PROPOSALS_PER_MEMBER;
		for i in 0..slots as u8 {
			assert_ok!(propose(bob, remark(i)));
		}
		assert_eq!(
			propose(bob, remark(99)).map_err(|e| e.error),
			Err(pallet_governance::Error::<Runtime>::TooManyOpenProposals.into())
		);
		// the others can still suspend Bob's department
		let transport = Departments::membership(&bob.to_account_id()).unwrap().department;
		pass_motion(
			&[Sr25519Keyring::Alice, Sr25519Keyring::Charlie, Sr25519Keyring::Dave],
			RuntimeCall::Departments(pallet_departments::Call::set_department_status {
				department: transport,
				status: DepartmentStatus::Suspended,
			}),
		);
		assert_eq!(
			Departments::department(transport).map(|d| d.1),
			Some(DepartmentStatus::Suspended)
		);
		// and every seat together cannot fill the council's slots
		assert!(
			citychain_runtime::configs::MAX_PROPOSALS
				>= citychain_runtime::configs::MAX_DEPARTMENTS * slots
		);
	});
}
