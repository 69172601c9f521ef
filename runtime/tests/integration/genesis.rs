//! The chain specs' genesis: the development chain's sample departments and
//! council, and the consortium's delegates without a sudo key.

use crate::*;

#[test]
fn dev_genesis_has_sample_departments_and_council() {
	dev_ext().execute_with(|| {
		let alice = Departments::membership(&Sr25519Keyring::Alice.to_account_id()).unwrap();
		assert_eq!((alice.kind, alice.roles), (DepartmentKind::NaturalResources, Roles::ALL));
		let eve = Departments::membership(&Sr25519Keyring::Eve.to_account_id()).unwrap();
		assert_eq!((eve.department, eve.roles), (alice.department, Roles::only(Role::Publisher)));
		assert!(Departments::membership(&Sr25519Keyring::Ferdie.to_account_id()).is_none());
		let regulator = Departments::membership(&Sr25519Keyring::Dave.to_account_id()).unwrap();
		assert!(Departments::is_active_regulator(regulator.department));
		assert_eq!(
			pallet_collective::Members::<Runtime, citychain_runtime::configs::CouncilCollective>::get().len(),
			4
		);
		pallet_departments::Pallet::<Runtime>::do_try_state().unwrap();
	});
}

#[test]
fn consortium_genesis_has_no_sudo_and_five_delegates() {
	sp_io::TestExternalities::new(preset("consortium")).execute_with(|| {
		assert_eq!(pallet_sudo::Key::<Runtime>::get(), None);
		assert_eq!(pallet_aura::Authorities::<Runtime>::get().len(), 4);
		let council = pallet_collective::Members::<
			Runtime,
			citychain_runtime::configs::CouncilCollective,
		>::get();
		assert_eq!(council.len(), 5);
		let eve = Departments::membership(&Sr25519Keyring::Eve.to_account_id()).unwrap();
		assert!(Departments::is_active_regulator(eve.department));
		// without sudo, Ferdie stays outside
		assert_eq!(validate(signed_by(&Sr25519Keyring::Ferdie.pair(), remark())), refused());
	});
}
