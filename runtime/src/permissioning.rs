//! Permissioned transactions.
//!
//! CityChain is a consortium chain: only the accounts of its member
//! departments may transact. [`CheckMembership`] is a transaction extension
//! that refuses, when the pool validates a transaction and again when a block
//! includes it, any signed transaction whose signer is not
//!
//! - a member of an active department (members of suspended or retired
//!   departments are refused too),
//! - a member of the council, or
//! - the sudo key, on chains that have one.
//!
//! Such a transaction is invalid with `InvalidTransaction::BadSigner`, so a
//! non-member cannot fill the pool. Unsigned transactions and inherents are
//! left to their own checks.

use crate::{configs::CouncilCollective, AccountId, Runtime, RuntimeCall};
use citychain_primitives::DepartmentDirectory;
use codec::{Decode, DecodeWithMemTracking, Encode};
use frame_support::{
	pallet_prelude::TransactionSource,
	traits::OriginTrait,
	weights::Weight,
};
use scale_info::TypeInfo;
use sp_runtime::{
	impl_tx_ext_default,
	traits::{DispatchInfoOf, TransactionExtension},
	transaction_validity::{InvalidTransaction, ValidTransaction},
};

/// Refuses signed transactions from accounts outside the consortium.
#[derive(Encode, Decode, DecodeWithMemTracking, Default, Clone, Eq, PartialEq, Debug, TypeInfo)]
pub struct CheckMembership;

impl CheckMembership {
	/// Whether `who` may sign transactions.
	pub fn is_allowed(who: &AccountId) -> bool {
		pallet_departments::Pallet::<Runtime>::active_department_of(who).is_some() ||
			pallet_collective::Pallet::<Runtime, CouncilCollective>::is_member(who) ||
			pallet_sudo::Key::<Runtime>::get().as_ref() == Some(who)
	}
}

impl TransactionExtension<RuntimeCall> for CheckMembership {
	const IDENTIFIER: &'static str = "CheckMembership";
	type Implicit = ();
	type Val = ();
	type Pre = ();

	/// The member record and its department, the council's members and the
	/// sudo key: at most four reads.
	fn weight(&self, _call: &RuntimeCall) -> Weight {
		<Runtime as frame_system::Config>::DbWeight::get().reads(4)
	}

	fn validate(
		&self,
		origin: <RuntimeCall as sp_runtime::traits::Dispatchable>::RuntimeOrigin,
		_call: &RuntimeCall,
		_info: &DispatchInfoOf<RuntimeCall>,
		_len: usize,
		_self_implicit: Self::Implicit,
		_inherited_implication: &impl Encode,
		_source: TransactionSource,
	) -> sp_runtime::traits::ValidateResult<Self::Val, RuntimeCall> {
		if let Some(who) = origin.as_signer() {
			if !Self::is_allowed(who) {
				return Err(InvalidTransaction::BadSigner.into());
			}
		}
		Ok((ValidTransaction::default(), (), origin))
	}

	impl_tx_ext_default!(RuntimeCall; prepare);
}
