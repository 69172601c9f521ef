//! Permissioned transactions.
//!
//! CityChain is a consortium chain: only the accounts of its member
//! departments may transact, and no department may take more than its share.
//! Three transaction extensions hold that, each checked when the pool
//! validates a transaction and again when a block includes it:
//!
//! - [`CheckMembership`] refuses any signed transaction whose signer is not a
//!   member of an active department (members of suspended or retired
//!   departments are refused too), a member of the council, or the sudo key
//!   on chains that have one (`InvalidTransaction::BadSigner`); and a call
//!   only Root may make (`call_policy::ConsortiumCallFilter`,
//!   `InvalidTransaction::Call`). A member's transaction spends its
//!   department's allowance (`pallet_departments`: transactions and bytes per
//!   period, set by governance): one that does not fit is invalid with
//!   `Custom(`[`ALLOWANCE_SPENT`]`)`.
//! - [`CheckMortality`] takes the place of `frame_system`'s extension of the
//!   same name and encoding, and refuses transactions that are immortal or
//!   live longer than [`MAX_TRANSACTION_LIFETIME`] blocks
//!   (`Custom(`[`TOO_LONG_LIVED`]`)`), so signed bytes cannot be replayed
//!   later (after a member is removed and readmitted, say).
//!   It also writes the audit entries of the signed calls whose pallets keep
//!   no audit log of their own: council motions (proposed, voted, closed,
//!   executed), session keys (set, purged) and the sudo key's calls, with
//!   subject `Chain` and the signer's department, once the call succeeded
//!   (see [`call_policy::audited`](crate::call_policy::audited)).
//! - [`CheckNonce`] takes the place of `frame_system`'s, and refuses a nonce
//!   more than [`MAX_PENDING_PER_SENDER`] ahead of the account's
//!   (`Custom(`[`TOO_FAR_AHEAD`]`)`): no sender holds more than that many
//!   transactions in the pool. A member holds fewer: its equal share of
//!   what its department's allowance has left
//!   (`pallet_departments::Pallet::pool_standing`; past it,
//!   `Custom(`[`ALLOWANCE_SPENT`]`)`), so what a department's members hold
//!   in the pool, with what it has spent, stays within its allowance. The
//!   more a department would have left once the transactions ahead of one
//!   were in, the higher its priority: a department that floods the pool
//!   goes to the back of it, behind every other department's next
//!   transaction.
//!
//! Unsigned transactions and inherents are left to their own checks.

use crate::{
	call_policy::{audited, calls_in, ConsortiumCallFilter},
	configs::CouncilCollective,
	AccountId, BlockNumber, Hash, Nonce, Runtime, RuntimeCall,
};
use alloc::vec::Vec;
use citychain_primitives::{
	audit::{Actor, AuditAction, AuditSink, Subject},
	DepartmentDirectory, DepartmentId,
};
use codec::{Decode, DecodeWithMemTracking, Encode};
use frame_support::{
	pallet_prelude::TransactionSource,
	traits::{Contains, OriginTrait},
	weights::Weight,
};
use scale_info::TypeInfo;
use sp_runtime::{
	generic::Era,
	impl_tx_ext_default,
	traits::{
		DispatchInfoOf, Dispatchable, PostDispatchInfoOf, TransactionExtension, ValidateResult,
	},
	transaction_validity::{InvalidTransaction, TransactionValidityError, ValidTransaction},
	DispatchResult,
};

type Departments = pallet_departments::Pallet<Runtime>;
type Origin = <RuntimeCall as Dispatchable>::RuntimeOrigin;

/// `InvalidTransaction::Custom` code of a transaction that is immortal or
/// whose era is longer than [`MAX_TRANSACTION_LIFETIME`].
pub const TOO_LONG_LIVED: u8 = 1;

/// `InvalidTransaction::Custom` code of a transaction that its department's
/// allowance cannot pay for, or that would wait in the pool past its
/// sender's share of what the allowance has left.
pub const ALLOWANCE_SPENT: u8 = 2;

/// `InvalidTransaction::Custom` code of a transaction whose nonce is more
/// than [`MAX_PENDING_PER_SENDER`] ahead of its account's.
pub const TOO_FAR_AHEAD: u8 = 3;

/// The longest a signed transaction may stay valid, in blocks (12.8 minutes):
/// room for @polkadot/api's default of 64 to 128 blocks.
pub const MAX_TRANSACTION_LIFETIME: BlockNumber = 256;

/// The most transactions one account may have waiting: its nonce and this
/// many after it.
pub const MAX_PENDING_PER_SENDER: Nonce = 256;

/// Priority of a transaction whose department has all of its allowance
/// left; it falls in proportion as the department spends it.
const FULL_ALLOWANCE_PRIORITY: u64 = 1_000_000;

/// An audit entry to write once the call succeeds.
pub struct PendingEntry {
	who: AccountId,
	department: Option<DepartmentId>,
	action: AuditAction,
	details: Vec<u8>,
}

/// The benchmarked cost of one audit entry (`flag` writes one, after
/// reading the flagger's membership).
fn audit_entry_weight() -> Weight {
	use pallet_audit::WeightInfo;
	<Runtime as pallet_audit::Config>::WeightInfo::flag()
}

/// Encoding and hashing an audited call's details, which can be as long as
/// the call (a sudo or council `execute` carries a whole call).
fn details_weight(call: &RuntimeCall) -> Weight {
	crate::configs::bytes_weight(u32::try_from(call.encoded_size()).unwrap_or(u32::MAX))
}

/// Refuses signed transactions from accounts outside the consortium, and
/// those its department's allowance cannot pay for; records council,
/// session and sudo calls in the audit log.
#[derive(Encode, Decode, DecodeWithMemTracking, Default, Clone, Eq, PartialEq, Debug, TypeInfo)]
pub struct CheckMembership;

impl CheckMembership {
	/// The department whose allowance `who`'s transactions spend; `Ok(None)`
	/// for a council member or the sudo key outside every active department;
	/// `Err` for anyone else.
	fn payer(who: &AccountId) -> Result<Option<DepartmentId>, TransactionValidityError> {
		match Departments::active_department_of(who) {
			Some(department) => Ok(Some(department)),
			None if pallet_collective::Pallet::<Runtime, CouncilCollective>::is_member(who)
				|| pallet_sudo::Key::<Runtime>::get().as_ref() == Some(who) =>
			{
				Ok(None)
			},
			None => Err(InvalidTransaction::BadSigner.into()),
		}
	}
}

impl TransactionExtension<RuntimeCall> for CheckMembership {
	const IDENTIFIER: &'static str = "CheckMembership";
	type Implicit = ();
	/// The department that pays, found in `validate`.
	type Val = Option<DepartmentId>;
	/// The audit entry the call earns if it succeeds.
	type Pre = Option<PendingEntry>;

	/// The signer's member record, and an audit entry for the calls
	/// [`audited`] names. What the checks read beside it is the same for
	/// every transaction of a block and is charged once a block
	/// ([`ChecksPerBlock`](crate::configs::ChecksPerBlock)).
	fn weight(&self, call: &RuntimeCall) -> Weight {
		let checks = <Runtime as frame_system::Config>::DbWeight::get().reads(1);
		match audited(call) {
			Some(_) => {
				checks.saturating_add(audit_entry_weight()).saturating_add(details_weight(call))
			},
			None => checks,
		}
	}

	fn validate(
		&self,
		origin: Origin,
		call: &RuntimeCall,
		_info: &DispatchInfoOf<RuntimeCall>,
		len: usize,
		_self_implicit: Self::Implicit,
		_inherited_implication: &impl Encode,
		_source: TransactionSource,
	) -> ValidateResult<Self::Val, RuntimeCall> {
		let Some(who) = origin.as_signer() else {
			return Ok((ValidTransaction::default(), None, origin));
		};
		let payer = Self::payer(who)?;
		if !ConsortiumCallFilter::contains(call) {
			return Err(InvalidTransaction::Call.into());
		}
		if let Some(department) = payer {
			let ((transactions, bytes), _) = Departments::allowance_left(department);
			if transactions < calls_in(call) || (bytes as usize) < len {
				return Err(InvalidTransaction::Custom(ALLOWANCE_SPENT).into());
			}
		}
		Ok((ValidTransaction::default(), payer, origin))
	}

	fn prepare(
		self,
		payer: Self::Val,
		origin: &Origin,
		call: &RuntimeCall,
		_info: &DispatchInfoOf<RuntimeCall>,
		len: usize,
	) -> Result<Self::Pre, TransactionValidityError> {
		if let Some(department) = payer {
			if !Departments::spend_allowance(department, calls_in(call), len as u32) {
				return Err(InvalidTransaction::Custom(ALLOWANCE_SPENT).into());
			}
		}
		Ok(origin.as_signer().cloned().zip(audited(call)).map(|(who, (action, details))| {
			PendingEntry { who, department: payer, action, details: details() }
		}))
	}

	/// Writes the call's audit entry if it succeeded; a failed call (whose
	/// own changes were rolled back) gets the entry's weight back.
	fn post_dispatch_details(
		pre: Self::Pre,
		_info: &DispatchInfoOf<RuntimeCall>,
		_post_info: &PostDispatchInfoOf<RuntimeCall>,
		_len: usize,
		result: &DispatchResult,
	) -> Result<Weight, TransactionValidityError> {
		let Some(entry) = pre else { return Ok(Weight::zero()) };
		if result.is_err() {
			return Ok(audit_entry_weight());
		}
		pallet_audit::Pallet::<Runtime>::record(
			Actor::Account(entry.who),
			entry.department,
			entry.action,
			Subject::Chain,
			&entry.details,
		);
		Ok(Weight::zero())
	}
}

/// `frame_system::CheckMortality` for mortal transactions only. Same
/// identifier, encoding and signed data, so every client that signs for a
/// Substrate chain signs for this one; an immortal era, or one longer than
/// [`MAX_TRANSACTION_LIFETIME`], is invalid with
/// `InvalidTransaction::Custom(TOO_LONG_LIVED)`.
#[derive(Encode, Decode, DecodeWithMemTracking, Clone, Eq, PartialEq, Debug, TypeInfo)]
pub struct CheckMortality(pub frame_system::CheckMortality<Runtime>);

impl CheckMortality {
	pub fn from(era: Era) -> Self {
		Self(frame_system::CheckMortality::from(era))
	}
}

impl TransactionExtension<RuntimeCall> for CheckMortality {
	const IDENTIFIER: &'static str = "CheckMortality";
	type Implicit = Hash;
	type Val = ();
	type Pre = ();

	fn implicit(&self) -> Result<Self::Implicit, TransactionValidityError> {
		self.0.implicit()
	}

	fn weight(&self, call: &RuntimeCall) -> Weight {
		self.0.weight(call)
	}

	fn validate(
		&self,
		origin: Origin,
		call: &RuntimeCall,
		info: &DispatchInfoOf<RuntimeCall>,
		len: usize,
		self_implicit: Self::Implicit,
		inherited_implication: &impl sp_runtime::traits::Implication,
		source: TransactionSource,
	) -> ValidateResult<Self::Val, RuntimeCall> {
		match self.0 .0 {
			Era::Mortal(period, _) if period <= MAX_TRANSACTION_LIFETIME.into() => {},
			_ => return Err(InvalidTransaction::Custom(TOO_LONG_LIVED).into()),
		}
		self.0
			.validate(origin, call, info, len, self_implicit, inherited_implication, source)
	}

	impl_tx_ext_default!(RuntimeCall; prepare);
}

/// `frame_system::CheckNonce` with a window: same identifier, encoding and
/// checks, and a nonce more than [`MAX_PENDING_PER_SENDER`] ahead of the
/// account's is invalid with `InvalidTransaction::Custom(TOO_FAR_AHEAD)`;
/// a member's past its share of its department's allowance, with
/// `Custom(ALLOWANCE_SPENT)`. Only the pool sees nonces ahead: a block
/// takes each account's transactions at its nonce.
#[derive(Encode, Decode, DecodeWithMemTracking, Clone, Eq, PartialEq, Debug, TypeInfo)]
pub struct CheckNonce(pub frame_system::CheckNonce<Runtime>);

impl CheckNonce {
	pub fn from(nonce: Nonce) -> Self {
		Self(frame_system::CheckNonce::from(nonce))
	}
}

impl TransactionExtension<RuntimeCall> for CheckNonce {
	const IDENTIFIER: &'static str = "CheckNonce";
	type Implicit = ();
	type Val = <frame_system::CheckNonce<Runtime> as TransactionExtension<RuntimeCall>>::Val;
	type Pre = <frame_system::CheckNonce<Runtime> as TransactionExtension<RuntimeCall>>::Pre;

	fn weight(&self, call: &RuntimeCall) -> Weight {
		self.0.weight(call)
	}

	fn validate(
		&self,
		origin: Origin,
		call: &RuntimeCall,
		info: &DispatchInfoOf<RuntimeCall>,
		len: usize,
		self_implicit: Self::Implicit,
		inherited_implication: &impl sp_runtime::traits::Implication,
		source: TransactionSource,
	) -> ValidateResult<Self::Val, RuntimeCall> {
		let mut priority = 0;
		if let Some(who) = origin.as_signer() {
			let next = frame_system::Pallet::<Runtime>::account_nonce(who);
			if self.0 .0 > next.saturating_add(MAX_PENDING_PER_SENDER) {
				return Err(InvalidTransaction::Custom(TOO_FAR_AHEAD).into());
			}
			if let Some(department) = Departments::active_department_of(who) {
				let ahead = self.0 .0.saturating_sub(next);
				let (left, allowance) = Departments::pool_standing(department, ahead)
					.ok_or(InvalidTransaction::Custom(ALLOWANCE_SPENT))?;
				priority = FULL_ALLOWANCE_PRIORITY.saturating_mul(left.into())
					/ u64::from(allowance.max(1));
			}
		}
		let (mut valid, val, origin) = self.0.validate(
			origin,
			call,
			info,
			len,
			self_implicit,
			inherited_implication,
			source,
		)?;
		valid.priority = valid.priority.saturating_add(priority);
		Ok((valid, val, origin))
	}

	fn prepare(
		self,
		val: Self::Val,
		origin: &Origin,
		call: &RuntimeCall,
		info: &DispatchInfoOf<RuntimeCall>,
		len: usize,
	) -> Result<Self::Pre, TransactionValidityError> {
		self.0.prepare(val, origin, call, info, len)
	}

	fn post_dispatch_details(
		pre: Self::Pre,
		info: &DispatchInfoOf<RuntimeCall>,
		post_info: &PostDispatchInfoOf<RuntimeCall>,
		len: usize,
		result: &DispatchResult,
	) -> Result<Weight, TransactionValidityError> {
		<frame_system::CheckNonce<Runtime> as TransactionExtension<RuntimeCall>>::post_dispatch_details(
			pre, info, post_info, len, result,
		)
	}
}
