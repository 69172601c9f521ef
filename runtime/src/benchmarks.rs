//! The pallets whose benchmarks `scripts/benchmark.sh` runs.

frame_benchmarking::define_benchmarks!(
	[frame_benchmarking, BaselineBench::<Runtime>]
	[frame_system, SystemBench::<Runtime>]
	[pallet_datasets, Datasets]
	[pallet_departments, Departments]
	[pallet_governance, Governance]
);
