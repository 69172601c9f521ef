//! What a catalogue entry is registered as: the same call arguments for the
//! runtime ([`registration`]), and the record the runtime stores for them
//! ([`record`]) when it is written into a chain's genesis state.

use crate::catalogue::Entry;
use citychain_primitives::{
	datasets::BoundedBytes, AccessPolicy, ContentHash, Dataset, DatasetContent, DatasetDescription,
	DatasetStatus, DepartmentId, License, LicenseInput, Sensitivity, Stamp,
};
use sp_core::crypto::AccountId32;
use sp_keyring::Sr25519Keyring;

/// 2026-11-25T00:00:00Z: when the catalogue was registered.
pub const NOW: u64 = 1_795_564_800_000;

/// The publishers of the development chain, one per department: Alice's is
/// department 0, Bob's 1, Charlie's 2.
pub const PUBLISHERS: [Sr25519Keyring; 3] =
	[Sr25519Keyring::Alice, Sr25519Keyring::Bob, Sr25519Keyring::Charlie];

/// The record as the runtime stores it.
pub type Record = Dataset<AccountId32, u32>;

/// The department and publisher of entry `id`.
pub fn publisher(id: usize) -> (DepartmentId, Sr25519Keyring) {
	let i = id % PUBLISHERS.len();
	(i as DepartmentId, PUBLISHERS[i])
}

/// The call arguments of entry `id`: realistic lengths of the descriptive
/// fields.
pub fn registration(id: usize, entry: &Entry) -> (DatasetDescription, DatasetContent) {
	let title = format!("{} {} #{id}", entry.kind.name(), entry.time.start / 86_400_000);
	let description = DatasetDescription {
		title: title.into_bytes(),
		description: format!(
			"{} data of the municipal {} programme, quality-controlled and published daily.",
			entry.kind.name(),
			entry.kind.topic().as_str()
		)
		.into_bytes(),
		topic: entry.kind.topic(),
		keywords: vec![entry.kind.name().as_bytes().to_vec(), b"beijing".to_vec()],
		uri: format!("https://data.city.example/{}/{id}.parquet", entry.kind.topic().as_str())
			.into_bytes(),
		license: LicenseInput { expression: b"CC-BY-4.0".to_vec(), url: None },
	};
	let mut digest = [0u8; 32];
	digest[..8].copy_from_slice(&(id as u64).to_le_bytes());
	let content = DatasetContent {
		bbox: entry.bbox,
		crs: 4326,
		time: entry.time,
		format: b"application/vnd.apache.parquet".to_vec(),
		hash_code: 0x12,
		digest: digest.to_vec(),
		size: 1_000_000 + id as u64,
	};
	(description, content)
}

fn bounded<const N: u32>(bytes: Vec<u8>) -> BoundedBytes<N> {
	bytes
		.try_into()
		.expect("the catalogue's fields are within the runtime's bounds")
}

/// The record `register_dataset` stores for entry `id` registered in block 0
/// at [`NOW`] with policy `ApprovalRequired` and sensitivity `Public` (so
/// that an anonymous STAC reader sees the whole catalogue).
pub fn record(id: usize, entry: &Entry) -> Record {
	let (description, content) = registration(id, entry);
	let (owner, publisher) = publisher(id);
	let stamp = Stamp { block: 0, time: NOW };
	Dataset {
		owner,
		publisher: publisher.to_account_id(),
		title: bounded(description.title),
		description: bounded(description.description),
		topic: description.topic,
		keywords: description
			.keywords
			.into_iter()
			.map(bounded)
			.collect::<Vec<_>>()
			.try_into()
			.expect("two keywords"),
		bbox: content.bbox,
		crs: content.crs,
		time: content.time,
		format: bounded(content.format),
		content_hash: ContentHash {
			code: content.hash_code,
			digest: content.digest.try_into().expect("32 bytes"),
		},
		size: content.size,
		uri: bounded(description.uri),
		license: Some(License::new(description.license).expect("a valid licence")),
		policy: AccessPolicy::ApprovalRequired,
		sensitivity: Sensitivity::Public,
		version: 1,
		predecessor: None,
		successor: None,
		status: DatasetStatus::Active,
		created: stamp,
		updated: stamp,
	}
}
