//! `citychain-search-bench [--sizes 10000,100000,1000000] [--queries 200]
//! [--contracts 1000] [--seed 42] [--node PATH]`: per size, writes the
//! catalogue into a development chain's genesis, starts the node on it
//! (which builds its search index from that state: the catch-up rate), and
//! runs the same calibrated searches over its WebSocket JSON-RPC and in
//! SQLite in process; prints latency percentiles, ratios and growth. Then
//! the state per dataset, contract and audit entry of a registry of the
//! smallest size built through the runtime.
//!
//! `citychain-search-bench --serve SIZE`: a node on a chain of SIZE datasets
//! of the same catalogue, its WebSocket URL on standard output, until
//! standard input closes (scripts/bench-stac.sh puts the gateway and
//! stac-fastapi-pgstac in front of it).
//!
//! `citychain-search-bench --spec SIZE --out FILE`: only writes that chain
//! spec (scripts/benchmark.sh measures the database on its state).

use citychain_search_bench::{
	baseline::Baseline, calibrated_queries, catalogue::catalogue, chain_spec, cost, measure,
	node::Node, percentile, registry::Registry, rpc::Rpc, Kind, Measured, TARGET,
};
use std::{
	path::PathBuf,
	time::{Duration, Instant},
};

struct Options {
	sizes: Vec<usize>,
	queries: usize,
	contracts: usize,
	seed: u64,
	node: PathBuf,
	serve: Option<usize>,
	spec: Option<usize>,
	out: Option<PathBuf>,
}

fn options() -> Options {
	let mut o = Options {
		sizes: vec![10_000, 100_000, 1_000_000],
		queries: 200,
		contracts: 1000,
		seed: 42,
		node: std::env::var_os("CITYCHAIN_NODE").map(PathBuf::from).unwrap_or_default(),
		serve: None,
		spec: None,
		out: None,
	};
	let args: Vec<String> = std::env::args().skip(1).collect();
	for pair in args.chunks(2) {
		let value = pair.get(1).unwrap_or_else(|| panic!("{} needs a value", pair[0]));
		match pair[0].as_str() {
			"--sizes" => o.sizes = value.split(',').map(|s| s.parse().expect("a size")).collect(),
			"--queries" => o.queries = value.parse().expect("a number of queries"),
			"--contracts" => o.contracts = value.parse().expect("a number of contracts"),
			"--seed" => o.seed = value.parse().expect("a seed"),
			"--node" => o.node = value.into(),
			"--serve" => o.serve = Some(value.parse().expect("a size")),
			"--spec" => o.spec = Some(value.parse().expect("a size")),
			"--out" => o.out = Some(value.into()),
			other => panic!("unknown option {other}"),
		}
	}
	assert!(o.node.is_file(), "--node (or CITYCHAIN_NODE) must name the citychain-node binary");
	o
}

fn us(d: Duration) -> f64 {
	d.as_secs_f64() * 1e6
}

fn print_storage(registry: &mut Registry) {
	let items = registry.execute_with(cost::items);
	println!("\nState per record (keys + values; trie nodes not counted)");
	println!(
		"{:<10} {:<18} {:>9} {:>12} {:>12} {:>18}",
		"pallet", "item", "entries", "bytes", "per record", "w/o item prefix"
	);
	for (pallet, record) in
		[("Datasets", "Datasets"), ("Access", "Contracts"), ("Audit", "Entries")]
	{
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

fn p50(values: &[Duration]) -> f64 {
	us(percentile(values, 50))
}

/// Runs a node on a chain of `size` datasets until standard input closes.
fn serve(o: &Options, size: usize) {
	let spec =
		std::env::temp_dir().join(format!("citychain-bench-serve-{}.json", std::process::id()));
	chain_spec::write(&o.node, &catalogue(size, o.seed), &spec);
	let node = Node::start(&o.node, &spec, Duration::from_secs(3600));
	println!("{}", node.url);
	std::io::Write::flush(&mut std::io::stdout()).expect("stdout");
	let _ = std::io::Read::read_to_end(&mut std::io::stdin(), &mut Vec::new());
	drop(node);
	let _ = std::fs::remove_file(&spec);
}

fn main() {
	let o = options();
	if let Some(size) = o.serve {
		return serve(&o, size);
	}
	if let Some(size) = o.spec {
		let out = o.out.as_ref().expect("--spec needs --out FILE");
		return chain_spec::write(&o.node, &catalogue(size, o.seed), out);
	}
	println!(
		"Search benchmark: {} calibrated queries per size ({}..{} matches for bbox+time), each as {}",
		o.queries,
		TARGET / 2,
		TARGET * 2,
		Kind::ALL.map(Kind::name).join(", ")
	);
	let spec =
		std::env::temp_dir().join(format!("citychain-bench-search-{}.json", std::process::id()));
	let mut results: Vec<Measured> = Vec::new();
	let mut catch_up = Vec::new();
	for &size in &o.sizes {
		let entries = catalogue(size, o.seed);
		let started = Instant::now();
		let baseline = Baseline::build(&entries);
		let sqlite_build = started.elapsed();
		let queries = calibrated_queries(&baseline, o.queries, o.seed ^ size as u64);
		let started = Instant::now();
		chain_spec::write(&o.node, &entries, &spec);
		let spec_written = started.elapsed();
		drop(entries);
		let node = Node::start(&o.node, &spec, Duration::from_secs(3600));
		assert_eq!(
			node.rebuild.datasets, size as u64,
			"the node indexed every dataset in its state"
		);
		println!(
			"\n{size} datasets: SQLite loaded in {:.1} s; chain spec written in {:.1} s; node up with its index \
			 built {:.1} s after start (index rebuilt at {:.0} datasets/s); {} queries calibrated",
			sqlite_build.as_secs_f64(),
			spec_written.as_secs_f64(),
			node.ready_after.as_secs_f64(),
			node.rebuild.per_second,
			queries.len()
		);
		catch_up.push((size, node.rebuild.per_second));
		let mut rpc = Rpc::connect(&node.url);
		for kind in Kind::ALL {
			results.push(measure(size, kind, &mut rpc, &baseline, &queries));
		}
		drop(rpc);
		drop(node);
		let _ = std::fs::remove_file(&spec);
	}

	println!("\nrpc: pages of whole records; ids: the same pages with fields [\"id\"], as SQLite's side returns");
	println!(
		"{:>9} {:<15} {:>8} {:>10} {:>10} {:>10} {:>11} {:>11} {:>7} {:>7} {:>7}",
		"datasets",
		"search",
		"matches",
		"rpc p50",
		"rpc p95",
		"ids p50",
		"sqlite p50",
		"sqlite p95",
		"x p50",
		"x p95",
		"x ids"
	);
	for m in &results {
		let (r95, s95) = (us(percentile(&m.rpc, 95)), us(percentile(&m.sqlite, 95)));
		println!(
			"{:>9} {:<15} {:>8.1} {:>8.0}µs {:>8.0}µs {:>8.0}µs {:>9.0}µs {:>9.0}µs {:>7.2} {:>7.2} {:>7.2}",
			m.size,
			m.kind.name(),
			m.mean_matches,
			p50(&m.rpc),
			r95,
			p50(&m.rpc_ids),
			p50(&m.sqlite),
			s95,
			p50(&m.rpc) / p50(&m.sqlite),
			r95 / s95,
			p50(&m.rpc_ids) / p50(&m.sqlite)
		);
	}
	let (first, last) = (o.sizes[0], o.sizes[o.sizes.len() - 1]);
	println!("\nGrowth of p50 from {first} to {last} datasets (goal: rpc no more than SQLite's)");
	for kind in Kind::ALL {
		let at =
			|size| results.iter().find(|m| m.size == size && m.kind == kind).expect("measured");
		let (a, b) = (at(first), at(last));
		println!(
			"{:<15} rpc {:.2} x (ids {:.2} x), SQLite {:.2} x; rpc / SQLite p50 at {last}: {:.2} x, ids {:.2} x (goal <= 2)",
			kind.name(),
			p50(&b.rpc) / p50(&a.rpc),
			p50(&b.rpc_ids) / p50(&a.rpc_ids),
			p50(&b.sqlite) / p50(&a.sqlite),
			p50(&b.rpc) / p50(&b.sqlite),
			p50(&b.rpc_ids) / p50(&b.sqlite)
		);
	}
	println!("\nIndex catch-up (rebuild from state; goal >= 20000 datasets/s)");
	for (size, rate) in catch_up {
		println!("{size:>9} datasets: {rate:.0} datasets/s");
	}

	if o.contracts > 0 {
		let entries = catalogue(first, o.seed);
		let mut registry = Registry::build(&entries, o.contracts.min(first));
		print_storage(&mut registry);
	}
}
