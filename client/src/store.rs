//! The layout of a provider's file store: the gateway's `data_dir`, which
//! `citychain register --store` and `citychain approve --store` fill and the
//! gateway serves from.
//!
//! ```text
//! <store>/<dataset>/data                 the registered file
//! <store>/<dataset>/data.obao            its BLAKE3 outboard, when its hash
//!                                        is blake3 (`crate::verified`)
//! <store>/<dataset>/contract-<id>.enc    the copy encrypted for one contract
//! ```

use std::path::{Path, PathBuf};

/// The directory of `dataset`'s files.
pub fn dataset_dir(store: &Path, dataset: u64) -> PathBuf {
	store.join(dataset.to_string())
}

/// The registered file of `dataset`, whose hash is the one on chain.
pub fn data_file(store: &Path, dataset: u64) -> PathBuf {
	dataset_dir(store, dataset).join("data")
}

/// The BLAKE3 outboard of `dataset`'s file (bao-tree's post-order hash
/// pairs, see [`crate::verified`]), from which the gateway serves verified
/// ranges; only for a file whose content hash is blake3.
pub fn outboard_file(store: &Path, dataset: u64) -> PathBuf {
	dataset_dir(store, dataset).join("data.obao")
}

/// `dataset`'s file encrypted for `contract` alone (the contract's envelope
/// seals its key).
pub fn sealed_file(store: &Path, dataset: u64, contract: u64) -> PathBuf {
	dataset_dir(store, dataset).join(format!("contract-{contract}.enc"))
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn files_live_in_the_datasets_directory() {
		let store = Path::new("/srv/store");
		assert_eq!(data_file(store, 7), Path::new("/srv/store/7/data"));
		assert_eq!(outboard_file(store, 7), Path::new("/srv/store/7/data.obao"));
		assert_eq!(sealed_file(store, 7, 12), Path::new("/srv/store/7/contract-12.enc"));
		assert_eq!(data_file(store, 7).parent(), Some(dataset_dir(store, 7).as_path()));
	}
}
