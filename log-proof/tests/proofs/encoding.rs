use crate::log::{leaves, Log};
use citychain_log_proof::{
	consistency_proof, inclusion_proof, ConsistencyProof, InclusionProof, Peaks,
	MAX_CONSISTENCY_PROOF_LEN, MAX_INCLUSION_PROOF_LEN, MAX_PEAKS,
};
use codec::{Compact, Decode, Encode, MaxEncodedLen};
use serde_json::json;

#[test]
fn peaks_round_trip_through_scale() {
	let log = Log::new(leaves(300));
	let encoded = log.peaks.encode();
	assert_eq!(encoded.len(), 8 + 1 + 4 * 32);
	assert_eq!(Peaks::decode(&mut &encoded[..]), Ok(log.peaks.clone()));
	let full = Peaks::from_parts(u64::MAX, vec![[3; 32]; MAX_PEAKS]).unwrap();
	assert!(full.encoded_size() <= Peaks::max_encoded_len());
	assert_eq!(Peaks::decode(&mut &full.encode()[..]), Ok(full));
}

#[test]
fn peaks_that_do_not_match_their_size_are_not_decoded() {
	for (size, count) in [(300u64, 3usize), (300, 5), (0, 1), (u64::MAX, 65)] {
		let encoded = (size, vec![[0u8; 32]; count]).encode();
		assert!(Peaks::decode(&mut &encoded[..]).is_err(), "{count} peaks for {size}");
	}
}

#[test]
fn proofs_round_trip_through_scale() {
	let log = Log::new(leaves(100));
	let inclusion = inclusion_proof(&log.store, 37, 99).unwrap();
	let encoded = inclusion.encode();
	assert_eq!(encoded, (37u64, 99u64, &inclusion.path).encode());
	assert_eq!(InclusionProof::decode(&mut &encoded[..]), Ok(inclusion));
	let consistency = consistency_proof(&log.store, 37, 99).unwrap();
	let encoded = consistency.encode();
	assert_eq!(encoded, (37u64, 99u64, &consistency.path).encode());
	assert_eq!(ConsistencyProof::decode(&mut &encoded[..]), Ok(consistency));
}

#[test]
fn proofs_longer_than_any_are_not_decoded() {
	let at_most = |len: usize| (1u64, 2u64, vec![[0u8; 32]; len]).encode();
	assert!(InclusionProof::decode(&mut &at_most(MAX_INCLUSION_PROOF_LEN)[..]).is_ok());
	assert!(InclusionProof::decode(&mut &at_most(MAX_INCLUSION_PROOF_LEN + 1)[..]).is_err());
	assert!(ConsistencyProof::decode(&mut &at_most(MAX_CONSISTENCY_PROOF_LEN)[..]).is_ok());
	assert!(ConsistencyProof::decode(&mut &at_most(MAX_CONSISTENCY_PROOF_LEN + 1)[..]).is_err());
	// A length prefix of 2^32 − 1 hashes is refused from the prefix alone.
	let huge = (1u64, 2u64, Compact(u32::MAX)).encode();
	assert!(InclusionProof::decode(&mut &huge[..]).is_err());
	assert!(ConsistencyProof::decode(&mut &huge[..]).is_err());
}

fn hex(hash: &[u8; 32]) -> String {
	format!("0x{}", hash.iter().map(|b| format!("{b:02x}")).collect::<String>())
}

#[test]
fn proofs_as_json_have_hex_hashes() {
	let log = Log::new(leaves(3));
	let inclusion = inclusion_proof(&log.store, 0, 3).unwrap();
	let value = serde_json::to_value(&inclusion).unwrap();
	let path: Vec<_> = inclusion.path.iter().map(hex).collect();
	assert_eq!(value, json!({ "leafIndex": 0, "size": 3, "path": path }));
	assert_eq!(serde_json::from_value::<InclusionProof>(value).unwrap(), inclusion);

	let consistency = consistency_proof(&log.store, 1, 3).unwrap();
	let value = serde_json::to_value(&consistency).unwrap();
	let path: Vec<_> = consistency.path.iter().map(hex).collect();
	assert_eq!(value, json!({ "oldSize": 1, "newSize": 3, "path": path }));
	assert_eq!(serde_json::from_value::<ConsistencyProof>(value).unwrap(), consistency);
}

#[test]
fn hashes_in_json_are_0x_and_64_hex_digits() {
	let proof = |hash: serde_json::Value| {
		serde_json::from_value::<ConsistencyProof>(
			json!({ "oldSize": 1, "newSize": 2, "path": [hash] }),
		)
	};
	assert_eq!(proof(json!(format!("0x{}", "aB".repeat(32)))).unwrap().path, [[0xab; 32]]);
	let wrong = [
		json!("ab".repeat(32)),
		json!(format!("0x{}", "ab".repeat(31))),
		json!(format!("0x{}", "ab".repeat(33))),
		json!(format!("0x{}zz", "ab".repeat(31))),
		json!(format!("0x{}é", "ab".repeat(31))),
		json!("0x"),
		json!(7),
		json!(vec![0; 32]),
	];
	for hash in wrong {
		assert!(proof(hash.clone()).is_err(), "{hash}");
	}
}
