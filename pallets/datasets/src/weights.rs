//! Weights for `pallet_datasets`: replaced by `scripts/benchmark.sh`.

use frame_support::weights::Weight;

/// Weight functions needed for `pallet_datasets`.
pub trait WeightInfo {
	fn register_dataset() -> Weight;
	fn publish_version() -> Weight;
	fn update_metadata() -> Weight;
	fn set_access_policy() -> Weight;
	fn deprecate_dataset() -> Weight;
	fn withdraw_dataset() -> Weight;
}

impl WeightInfo for () {
	fn register_dataset() -> Weight { Weight::zero() }
	fn publish_version() -> Weight { Weight::zero() }
	fn update_metadata() -> Weight { Weight::zero() }
	fn set_access_policy() -> Weight { Weight::zero() }
	fn deprecate_dataset() -> Weight { Weight::zero() }
	fn withdraw_dataset() -> Weight { Weight::zero() }
}

pub struct SubstrateWeight<T>(core::marker::PhantomData<T>);
impl<T> WeightInfo for SubstrateWeight<T> {
	fn register_dataset() -> Weight { Weight::zero() }
	fn publish_version() -> Weight { Weight::zero() }
	fn update_metadata() -> Weight { Weight::zero() }
	fn set_access_policy() -> Weight { Weight::zero() }
	fn deprecate_dataset() -> Weight { Weight::zero() }
	fn withdraw_dataset() -> Weight { Weight::zero() }
}
