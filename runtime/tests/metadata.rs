//! The runtime's metadata that the Rust clients are generated from
//! (`client/metadata/citychain.scale`, read by subxt's codegen) is this
//! runtime's own. When a pallet's calls, events, errors or storage change,
//! this test fails until `./scripts/metadata.sh` has refreshed the file, so
//! the clients are never generated from a runtime that no longer exists.

use citychain_runtime::Runtime;
use std::path::PathBuf;

/// The metadata version the clients are generated from.
const VERSION: u32 = 16;

fn committed() -> PathBuf {
	PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../client/metadata/citychain.scale")
}

#[test]
fn clients_are_generated_from_this_runtimes_metadata() {
	let metadata = Runtime::metadata_at_version(VERSION).expect("the runtime serves metadata v16");
	let path = committed();
	if std::env::var_os("CITYCHAIN_WRITE_METADATA").is_some() {
		std::fs::write(&path, &metadata[..]).expect("client/metadata is writable");
	}
	let file = std::fs::read(&path).unwrap_or_default();
	assert!(
		file == metadata[..],
		"{} is not this runtime's metadata v{VERSION}: run ./scripts/metadata.sh and commit it",
		path.display()
	);
}
