//! The state a registry holds: bytes of keys and values of every storage
//! item of a pallet, read from the trie after the registry was built. Trie
//! nodes are not counted: what is measured is what the runtime stores.

use citychain_runtime::Runtime;

/// One storage item's entries and bytes.
#[derive(Clone, Debug)]
pub struct Item {
	pub pallet: String,
	pub name: String,
	pub entries: u64,
	pub key_bytes: u64,
	pub value_bytes: u64,
}

/// The part of every key that names the pallet and the item
/// (`twox128 ++ twox128`): the trie stores it once per item, in the branch
/// nodes all its keys share.
pub const ITEM_PREFIX: u64 = 32;

impl Item {
	pub fn bytes(&self) -> u64 {
		self.key_bytes + self.value_bytes
	}

	/// Bytes without each key's item prefix.
	pub fn unprefixed_bytes(&self) -> u64 {
		self.bytes() - ITEM_PREFIX * self.entries
	}
}

/// Every storage item of the Datasets, Access and Audit pallets, in
/// metadata order; call inside the registry's externalities.
pub fn items() -> Vec<Item> {
	let pallets = [
		("Datasets", pallet_datasets::Pallet::<Runtime>::storage_metadata()),
		("Access", pallet_access::Pallet::<Runtime>::storage_metadata()),
		("Audit", pallet_audit::Pallet::<Runtime>::storage_metadata()),
	];
	let mut items = Vec::new();
	for (pallet, storage) in pallets {
		for entry in &storage.entries {
			let prefix = frame_support::storage::storage_prefix(
				storage.prefix.as_bytes(),
				entry.name.as_bytes(),
			);
			let mut item = Item {
				pallet: pallet.to_string(),
				name: entry.name.to_string(),
				entries: 0,
				key_bytes: 0,
				value_bytes: 0,
			};
			let mut key = prefix.to_vec();
			if let Some(value) = sp_io::storage::get(&key) {
				item.entries += 1;
				item.key_bytes += key.len() as u64;
				item.value_bytes += value.len() as u64;
			}
			while let Some(next) = sp_io::storage::next_key(&key).filter(|k| k.starts_with(&prefix))
			{
				let value = sp_io::storage::get(&next).unwrap_or_default();
				item.entries += 1;
				item.key_bytes += next.len() as u64;
				item.value_bytes += value.len() as u64;
				key = next;
			}
			items.push(item);
		}
	}
	items
}
