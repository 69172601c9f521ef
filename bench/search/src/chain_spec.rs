//! A chain whose genesis state holds the catalogue: the development chain's
//! raw chain spec (`citychain-node build-spec --chain dev --raw`) with every
//! record written under the keys and in the encoding the runtime writes it
//! (`Datasets::Datasets`, `Datasets::OwnerIndex`, `Datasets::NextDatasetId`),
//! so that a node started on it holds the catalogue in state exactly as if
//! each dataset had been registered.

use crate::{catalogue::Entry, records};
use codec::Encode;
use serde_json::{Map, Value};
use sp_io::hashing::{twox_128, twox_64};
use std::{fs::File, io::BufWriter, path::Path, process::Command};

fn item(pallet: &str, name: &str) -> Vec<u8> {
	[twox_128(pallet.as_bytes()), twox_128(name.as_bytes())].concat()
}

fn hex(bytes: &[u8]) -> Value {
	let mut s = String::with_capacity(2 + 2 * bytes.len());
	s.push_str("0x");
	for b in bytes {
		s.push_str(&format!("{b:02x}"));
	}
	Value::String(s)
}

/// The storage entries that `entries`, registered in order from id 0, leave.
pub fn storage(entries: &[Entry]) -> Vec<(Vec<u8>, Vec<u8>)> {
	let (datasets, owners) = (item("Datasets", "Datasets"), item("Datasets", "OwnerIndex"));
	let mut pairs = Vec::with_capacity(2 * entries.len() + 1);
	for (id, entry) in entries.iter().enumerate() {
		let record = records::record(id, entry);
		let id = id as u64;
		pairs.push((
			[datasets.as_slice(), &twox_64(&id.encode()), &id.encode()].concat(),
			record.encode(),
		));
		let owner_key =
			[owners.as_slice(), &record.owner.to_be_bytes(), &id.to_be_bytes()].concat();
		pairs.push((owner_key, Vec::new()));
	}
	pairs.push((item("Datasets", "NextDatasetId"), (entries.len() as u64).encode()));
	pairs
}

/// Writes to `out` the development chain spec of `node` with `entries` in
/// its genesis state.
pub fn write(node: &Path, entries: &[Entry], out: &Path) {
	let built = Command::new(node)
		.args(["build-spec", "--chain", "dev", "--raw", "--disable-default-bootnode"])
		.output()
		.expect("the node runs");
	assert!(
		built.status.success(),
		"build-spec failed: {}",
		String::from_utf8_lossy(&built.stderr)
	);
	let mut spec: Value = serde_json::from_slice(&built.stdout).expect("a JSON chain spec");
	let top: &mut Map<String, Value> = spec
		.pointer_mut("/genesis/raw/top")
		.and_then(Value::as_object_mut)
		.expect("a raw chain spec has genesis.raw.top");
	for (key, value) in storage(entries) {
		let Value::String(key) = hex(&key) else { unreachable!("hex is a string") };
		top.insert(key, hex(&value));
	}
	let file = BufWriter::new(File::create(out).expect("the chain spec file can be created"));
	serde_json::to_writer(file, &spec).expect("the chain spec is written");
}
