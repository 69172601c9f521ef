//! Weights for `pallet_access`: replaced by `scripts/benchmark.sh`.

use frame_support::weights::Weight;

/// Weight functions needed for `pallet_access`.
pub trait WeightInfo {
	fn request_access() -> Weight;
	fn approve_request() -> Weight;
	fn reject_request() -> Weight;
	fn cancel_request() -> Weight;
	fn revoke_access() -> Weight;
	fn relinquish_access() -> Weight;
	fn confirm_receipt() -> Weight;
	fn process_deadlines(n: u32) -> Weight;
	fn revoke_by_registry(n: u32) -> Weight;
}

impl WeightInfo for () {
	fn request_access() -> Weight { Weight::zero() }
	fn approve_request() -> Weight { Weight::zero() }
	fn reject_request() -> Weight { Weight::zero() }
	fn cancel_request() -> Weight { Weight::zero() }
	fn revoke_access() -> Weight { Weight::zero() }
	fn relinquish_access() -> Weight { Weight::zero() }
	fn confirm_receipt() -> Weight { Weight::zero() }
	fn process_deadlines(_n: u32) -> Weight { Weight::zero() }
	fn revoke_by_registry(_n: u32) -> Weight { Weight::zero() }
}

pub struct SubstrateWeight<T>(core::marker::PhantomData<T>);
impl<T> WeightInfo for SubstrateWeight<T> {
	fn request_access() -> Weight { Weight::zero() }
	fn approve_request() -> Weight { Weight::zero() }
	fn reject_request() -> Weight { Weight::zero() }
	fn cancel_request() -> Weight { Weight::zero() }
	fn revoke_access() -> Weight { Weight::zero() }
	fn relinquish_access() -> Weight { Weight::zero() }
	fn confirm_receipt() -> Weight { Weight::zero() }
	fn process_deadlines(_n: u32) -> Weight { Weight::zero() }
	fn revoke_by_registry(_n: u32) -> Weight { Weight::zero() }
}
