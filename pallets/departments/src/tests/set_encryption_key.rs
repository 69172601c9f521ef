//! Tests of `set_encryption_key`.

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
