//! Tests of `confirm_receipt`.

use super::*;

#[test]
fn confirm_receipt_verifies_a_match_and_records_a_mismatch() {
	new_test_ext().execute_with(|| {
		let id = request(TRANSPORT_CLERK, OPEN);
		let confirm = |who, code, digest: Vec<u8>| {
			Access::confirm_receipt(RuntimeOrigin::signed(who), id, code, digest)
		};
		assert_noop!(confirm(PLANNER, 0xb220, vec![0xab; 32]), Error::<Test>::NotConsumer);
		assert_noop!(
			confirm(TRANSPORT_CLERK, 0x99, vec![0xab; 32]),
			Error::<Test>::UnknownHashFunction
		);
		assert_noop!(
			confirm(TRANSPORT_CLERK, 0xb220, vec![0xab; 31]),
			Error::<Test>::WrongDigestLength
		);
		assert_noop!(
			confirm(TRANSPORT_CLERK, 0x12, vec![0xab; 32]),
			Error::<Test>::HashFunctionDiffers
		);

		assert_ok!(confirm(TRANSPORT_CLERK, 0xb220, vec![0xcd; 32]));
		System::assert_last_event(
			Event::HashMismatch {
				contract: id,
				dataset: OPEN,
				provider: PLANNING,
				consumer: TRANSPORT,
			}
			.into(),
		);
		assert!(
			matches!(contract(id).receipt, Receipt::Mismatch(ref h) if h.digest.to_vec() == vec![0xcd; 32])
		);

		assert_ok!(confirm(TRANSPORT_CLERK, 0xb220, vec![0xab; 32]));
		System::assert_last_event(Event::ReceiptVerified { contract: id }.into());
		assert_eq!(contract(id).receipt, Receipt::Verified);
		assert_noop!(
			confirm(TRANSPORT_CLERK, 0xb220, vec![0xab; 32]),
			Error::<Test>::AlreadyVerified
		);

		let pending = request(TRANSPORT_CLERK, APPROVAL);
		assert_noop!(
			Access::confirm_receipt(
				RuntimeOrigin::signed(TRANSPORT_CLERK),
				pending,
				0xb220,
				vec![0xab; 32]
			),
			Error::<Test>::NotApproved
		);
	});
}
