//! Benchmarks of `pallet_session`'s two calls. Upstream's live in
//! `pallet-session-benchmarking`, which needs `pallet_staking`; this chain
//! has no staking, so the pallet is wrapped here as in `node_authorization`.
//!
//! Each call is measured on its worst case: the caller already has keys,
//! so `set_keys` takes the old ones' owners out before it puts the new ones
//! in, and `purge_keys` takes them all out.

use alloc::vec::Vec;
use codec::Encode;
use frame_benchmarking::v2::*;
use frame_system::RawOrigin;

/// The wrapped pallet.
pub struct Pallet<T: Config>(pallet_session::Pallet<T>);

/// The runtime's session pallet, benchmarked.
pub trait Config:
	pallet_session::Config<ValidatorId = <Self as frame_system::Config>::AccountId>
{
	/// New session keys of `owner`'s, in the keystore of the benchmark, and
	/// the proof that `owner` holds them.
	fn generate_keys_and_proof(owner: &Self::AccountId) -> (Self::Keys, Vec<u8>);
}

/// An account that exists (the pallet counts a consumer on it) and holds
/// session keys already.
fn validator<T: Config>() -> T::AccountId {
	let who: T::AccountId = whitelisted_caller();
	frame_system::Pallet::<T>::inc_providers(&who);
	let (keys, proof) = T::generate_keys_and_proof(&who);
	pallet_session::Pallet::<T>::set_keys(RawOrigin::Signed(who.clone()).into(), keys, proof)
		.expect("a new account with generated keys sets them");
	who
}

#[benchmarks]
mod benchmarks {
	use super::*;

	#[benchmark]
	fn set_keys() -> Result<(), BenchmarkError> {
		let who = validator::<T>();
		let (keys, proof) = T::generate_keys_and_proof(&who);

		#[block]
		{
			pallet_session::Pallet::<T>::set_keys(
				RawOrigin::Signed(who.clone()).into(),
				keys.clone(),
				proof,
			)?;
		}

		assert_eq!(
			pallet_session::NextKeys::<T>::get(&who).map(|k| k.encode()),
			Some(keys.encode())
		);
		Ok(())
	}

	#[benchmark]
	fn purge_keys() -> Result<(), BenchmarkError> {
		let who = validator::<T>();

		#[block]
		{
			pallet_session::Pallet::<T>::purge_keys(RawOrigin::Signed(who.clone()).into())?;
		}

		assert!(pallet_session::NextKeys::<T>::get(&who).is_none());
		Ok(())
	}
}
