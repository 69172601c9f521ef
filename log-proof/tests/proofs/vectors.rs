//! The test vectors of `docs/audit.md`: a log of 7 entries whose entry `i`
//! has the 8 bytes of `i`, little endian, as its data.

use crate::log::{leaves, Log};
use citychain_log_proof::{consistency_proof, inclusion_proof, EMPTY_ROOT};

fn hex(hash: &[u8; 32]) -> String {
	hash.iter().map(|b| format!("{b:02x}")).collect()
}

fn log() -> Log {
	Log::new(leaves(7))
}

#[test]
fn leaves_and_roots() {
	let log = log();
	assert_eq!(
		hex(&EMPTY_ROOT),
		"0e5751c026e543b2e8ab2eb06099daa1d1e5df47778f7787faab45cdf12fe3a8"
	);
	assert_eq!(
		hex(&log.leaves[0]),
		"5187b7a8021bf4f2c004ea3a54cfece1754f11c7624d2363c7f4cf4fddd1441e"
	);
	assert_eq!(
		hex(&log.roots[1]),
		"5187b7a8021bf4f2c004ea3a54cfece1754f11c7624d2363c7f4cf4fddd1441e"
	);
	assert_eq!(
		hex(&log.roots[2]),
		"ee86f5cf8beac0c795bc5101c691752a11b23bb3b462cac16eef040be6bba3dd"
	);
	assert_eq!(
		hex(&log.roots[3]),
		"aeb6c268c415c83013fac3ddbafb1af79de8ac4ddf5433745cb0048ee9aeb0ff"
	);
	assert_eq!(
		hex(&log.roots[4]),
		"0e92fba53e77d2849fc4b6ecaf5baf6bd78ee08f98b7af7744f16050438db49b"
	);
	assert_eq!(
		hex(&log.roots[7]),
		"5706d6eca58829312a18010455f53a40adae3ab2ca4f874ca5ddf865eedfa37d"
	);
}

#[test]
fn inclusion_of_leaf_5_in_7() {
	let log = log();
	assert_eq!(
		hex(&log.leaves[5]),
		"c367727fc8a6ba590f588ab1992d2e12ab7f43bd79eae397afa9e37ce311f961"
	);
	let path: Vec<_> = inclusion_proof(&log.store, 5, 7).unwrap().path.iter().map(hex).collect();
	assert_eq!(
		path,
		[
			"7a9d37eb4c4026ad79e3513d598c316720cda462eb5739954a52247291404f53",
			"128841d768acef1b0497ec36b16ebe2f019751e429fe35b2b784abb73fd05cc6",
			"0e92fba53e77d2849fc4b6ecaf5baf6bd78ee08f98b7af7744f16050438db49b",
		]
	);
}

#[test]
fn consistency_from_3_and_from_4_to_7() {
	let log = log();
	let path = |old_size| -> Vec<_> {
		consistency_proof(&log.store, old_size, 7)
			.unwrap()
			.path
			.iter()
			.map(hex)
			.collect()
	};
	assert_eq!(
		path(3),
		[
			"0e6c0d989d8cda33da8bf3b18c8b14ce1040845ca586f449c280be0605630a00",
			"286c8ea5c5161befe27171bc9af22a4c443e484b3b068baba93d628a288246d4",
			"ee86f5cf8beac0c795bc5101c691752a11b23bb3b462cac16eef040be6bba3dd",
			"27975a14ebf50e89ce9f93ebdb4da75d07418fb7fec65ce00f9d3b9987e30c6c",
		]
	);
	assert_eq!(path(4), ["27975a14ebf50e89ce9f93ebdb4da75d07418fb7fec65ce00f9d3b9987e30c6c"]);
}
