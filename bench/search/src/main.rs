//! `citychain-search-bench [--sizes 10000,100000,1000000] [--queries 200]
//! [--contracts 1000] [--seed 42]`: builds a registry and its SQLite baseline
//! per size, runs the same calibrated bbox + time queries on both and prints
//! latency, storage reads and ratios; then the state per dataset, contract
//! and audit entry of the first registry.

use citychain_search_bench::{
	baseline::Baseline, calibrated_queries, catalogue::catalogue, cost, measure, percentile,
	registry::Registry, Measured, TARGET,
};
use std::time::{Duration, Instant};

struct Options {
	sizes: Vec<usize>,
	queries: usize,
	contracts: usize,
	seed: u64,
}

fn options() -> Options {
	let mut o = Options { sizes: vec![10_000, 100_000, 1_000_000], queries: 200, contracts: 1000, seed: 42 };
	let args: Vec<String> = std::env::args().skip(1).collect();
	for pair in args.chunks(2) {
		let value = pair.get(1).unwrap_or_else(|| panic!("{} needs a value", pair[0]));
		match pair[0].as_str() {
			"--sizes" => o.sizes = value.split(',').map(|s| s.parse().expect("a size")).collect(),
			"--queries" => o.queries = value.parse().expect("a number of queries"),
			"--contracts" => o.contracts = value.parse().expect("a number of contracts"),
			"--seed" => o.seed = value.parse().expect("a seed"),
			other => panic!("unknown option {other}"),
		}
	}
	o
}

fn us(d: Duration) -> f64 {
	d.as_secs_f64() * 1e6
}

fn print_storage(registry: &mut Registry) {
	let items = registry.execute_with(|| cost::items());
	println!("\nState per record (keys + values; trie nodes not counted)");
	println!(
		"{:<10} {:<18} {:>9} {:>12} {:>12} {:>18}",
		"pallet", "item", "entries", "bytes", "per record", "w/o item prefix"
	);
	for (pallet, record) in [("Datasets", "Datasets"), ("Access", "Contracts"), ("Audit", "Entries")] {
		let of_pallet: Vec<_> = items.iter().filter(|i| i.pallet == pallet).collect();
		let main = of_pallet.iter().find(|i| i.name == record).expect("the record item");
		let n = main.entries.max(1) as f64;
		for item in &of_pallet {
			let (per, bare) = (item.bytes() as f64 / n, item.unprefixed_bytes() as f64 / n);
			println!(
				"{:<10} {:<18} {:>9} {:>12} {:>12.1} {:>18.1}",
				pallet,
				item.name,
				item.entries,
				item.bytes(),
				per,
				bare
			);
		}
		let record_value = main.value_bytes as f64 / n;
		let others = || of_pallet.iter().filter(|i| i.name != record);
		let overhead = others().map(|i| i.bytes()).sum::<u64>() as f64 / n;
		let bare = others().map(|i| i.unprefixed_bytes()).sum::<u64>() as f64 / n;
		println!(
			"{pallet}: record {record_value:.0} B (SCALE value) + key {:.0} B; indexes and counters \
			 {overhead:.0} B per record = {:.2} x the record, {bare:.0} B = {:.2} x without item \
			 prefixes (goal <= 1)\n",
			main.key_bytes as f64 / n,
			overhead / record_value,
			bare / record_value
		);
	}
}

fn main() {
	let o = options();
	println!(
		"Search benchmark: {} calibrated bbox + time queries per size, each matching {}..{} datasets",
		o.queries,
		TARGET / 2,
		TARGET * 2
	);
	let mut results: Vec<Measured> = Vec::new();
	for (i, &size) in o.sizes.iter().enumerate() {
		let entries = catalogue(size, o.seed);
		let started = Instant::now();
		let contracts = if i == 0 { o.contracts.min(size) } else { 0 };
		let mut registry = Registry::build(&entries, contracts);
		let chain_build = started.elapsed();
		let started = Instant::now();
		let baseline = Baseline::build(&entries);
		let sqlite_build = started.elapsed();
		let queries = calibrated_queries(&baseline, o.queries, o.seed ^ size as u64);
		println!(
			"\n{size} datasets: registered in {:.1} s ({:.1} µs each), SQLite loaded in {:.1} s; {} queries calibrated",
			chain_build.as_secs_f64(),
			us(chain_build) / size as f64,
			sqlite_build.as_secs_f64(),
			queries.len()
		);
		if i == 0 {
			print_storage(&mut registry);
		}
		results.push(measure(&mut registry, &baseline, &queries));
	}

	println!(
		"\n{:>9} {:>7} {:>8} {:>10} {:>10} {:>9} {:>9} {:>10} {:>10} {:>8} {:>8} {:>6}",
		"datasets", "queries", "matches", "chain p50", "chain p95", "reads p50", "reads p95", "sqlite p50",
		"sqlite p95", "x p50", "x p95", "short"
	);
	for m in &results {
		let (c50, c95) = (percentile(&m.chain, 50), percentile(&m.chain, 95));
		let (s50, s95) = (percentile(&m.sqlite, 50), percentile(&m.sqlite, 95));
		println!(
			"{:>9} {:>7} {:>8.1} {:>8.0}µs {:>8.0}µs {:>9} {:>9} {:>8.0}µs {:>8.0}µs {:>8.2} {:>8.2} {:>6}",
			m.size,
			m.queries,
			m.mean_matches,
			us(c50),
			us(c95),
			percentile(&m.reads, 50),
			percentile(&m.reads, 95),
			us(s50),
			us(s95),
			us(c50) / us(s50),
			us(c95) / us(s95),
			m.short_pages
		);
	}
	if let (Some(first), Some(last)) = (results.first(), results.last()) {
		let growth = us(percentile(&last.chain, 50)) / us(percentile(&first.chain, 50));
		let reads = percentile(&last.reads, 50) as f64 / percentile(&first.reads, 50) as f64;
		println!(
			"\nchain p50 at {} / at {}: {growth:.2} x latency, {reads:.2} x reads (goal <= 1.5)",
			last.size, first.size
		);
		let worst = results
			.iter()
			.map(|m| us(percentile(&m.chain, 50)) / us(percentile(&m.sqlite, 50)))
			.fold(0.0, f64::max);
		println!("chain / SQLite p50, worst size: {worst:.2} x (goal <= 3)");
	}
}
