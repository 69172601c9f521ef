//! Genesis presets: `development` (chain `dev`), `local_testnet` (chain
//! `local`) and `consortium`.
//!
//! Every preset uses the well-known development keys, so it is for local
//! networks only; a real consortium builds its chain spec from `consortium`
//! with its departments' own keys (see docs/operations.md).
//!
//! The authorized nodes of each preset run with the development node key of
//! their name: the SHA-256 of the lowercase name (`alice`, `bob`, …), the
//! convention zombienet uses, so `citychain-node --node-key
//! $(printf alice | sha256sum | cut -c1-64)` is Alice's node.

use crate::{
	AccountId, BalancesConfig, RuntimeGenesisConfig, SessionConfig, SessionKeys, SudoConfig, UNIT,
};
use alloc::{string::String, vec, vec::Vec};
use citychain_primitives::{DepartmentKind, DepartmentStatus, Role, Roles};
use frame_support::build_struct_json_patch;
use pallet_departments::GenesisDepartment;
use serde_json::Value;
use sp_core::OpaquePeerId;
use sp_genesis_builder::{self, PresetId};
use sp_keyring::{Ed25519Keyring, Sr25519Keyring};

/// Name of the preset for a consortium of four validator departments and a
/// regulator, without sudo.
pub const CONSORTIUM_RUNTIME_PRESET: &str = "consortium";

/// A validator's account and Aura key (sr25519) and GRANDPA key (ed25519)
/// from one well-known name.
type Validator = (Sr25519Keyring, Ed25519Keyring);

/// The libp2p peer ids of the development nodes: an identity multihash of
/// the protobuf-encoded Ed25519 public key of `sha256(name)`.
const NODE_ALICE: [u8; 38] = sp_core::hex2array!(
	"002408011220d5bf4a3fcce717b0388bcc2749ebc148ad9969b23f45ee1b605fd58778576ac4"
);
const NODE_BOB: [u8; 38] = sp_core::hex2array!(
	"002408011220ecc1b58727f3f12b3194881a9ecb9de0b28ce7b207230d8e930fe1bce75e256c"
);
const NODE_CHARLIE: [u8; 38] = sp_core::hex2array!(
	"002408011220c8bf2959a96bd99ffde4e7277b41e57331dba7f7918186c359cf7dce149bb567"
);
const NODE_DAVE: [u8; 38] = sp_core::hex2array!(
	"0024080112208d9293c327662be3c0faeb579b2aedd3b2cec33d74dadedceea76b7a94dc90c0"
);
const NODE_EVE: [u8; 38] = sp_core::hex2array!(
	"002408011220565a0f9555cb4f4d4e06b8111257865dccd75cc75135a9b10c9a44eca5041343"
);

/// The development nodes, each owned by the account of the same name.
pub const DEVELOPMENT_NODES: [(&str, [u8; 38], Sr25519Keyring); 5] = [
	("alice", NODE_ALICE, Sr25519Keyring::Alice),
	("bob", NODE_BOB, Sr25519Keyring::Bob),
	("charlie", NODE_CHARLIE, Sr25519Keyring::Charlie),
	("dave", NODE_DAVE, Sr25519Keyring::Dave),
	("eve", NODE_EVE, Sr25519Keyring::Eve),
];

fn department(
	name: &str,
	kind: DepartmentKind,
	members: Vec<(Sr25519Keyring, Roles)>,
	metadata_uri: &str,
) -> GenesisDepartment<AccountId> {
	GenesisDepartment {
		name: String::from(name),
		kind,
		status: DepartmentStatus::Active,
		members: members.into_iter().map(|(k, roles)| (k.to_account_id(), roles)).collect(),
		encryption_key: None,
		metadata_uri: String::from(metadata_uri),
	}
}

/// The sample departments of the `dev` and `local` chains. Each delegate
/// holds every role; Eve publishes for Natural Resources and Planning; Ferdie
/// belongs to no department.
fn sample_departments() -> Vec<GenesisDepartment<AccountId>> {
	use Sr25519Keyring::*;
	vec![
		department(
			"Natural Resources and Planning Bureau",
			DepartmentKind::NaturalResources,
			vec![(Alice, Roles::ALL), (Eve, Roles::only(Role::Publisher))],
			"https://nrp.city.example/about",
		),
		department(
			"Transport Bureau",
			DepartmentKind::Transport,
			vec![(Bob, Roles::ALL)],
			"https://transport.city.example/about",
		),
		department(
			"Ecology and Environment Bureau",
			DepartmentKind::Environment,
			vec![(Charlie, Roles::ALL)],
			"https://environment.city.example/about",
		),
		department(
			"City Data Regulator",
			DepartmentKind::Regulator,
			vec![(Dave, Roles::ALL)],
			"https://regulator.city.example/about",
		),
	]
}

/// The departments of the `consortium` chain: four validator departments and
/// a regulator, each represented by its delegate.
fn consortium_departments() -> Vec<GenesisDepartment<AccountId>> {
	use Sr25519Keyring::*;
	vec![
		department(
			"Natural Resources and Planning Bureau",
			DepartmentKind::NaturalResources,
			vec![(Alice, Roles::ALL)],
			"https://nrp.city.example/about",
		),
		department("Transport Bureau", DepartmentKind::Transport, vec![(Bob, Roles::ALL)], ""),
		department(
			"Ecology and Environment Bureau",
			DepartmentKind::Environment,
			vec![(Charlie, Roles::ALL)],
			"",
		),
		department("Water Authority", DepartmentKind::Water, vec![(Dave, Roles::ALL)], ""),
		department("City Data Regulator", DepartmentKind::Regulator, vec![(Eve, Roles::ALL)], ""),
	]
}

/// The purpose vocabulary every preset starts with: (code, label).
fn purposes() -> Vec<(Vec<u8>, Vec<u8>)> {
	[
		("planning", "Urban and transport planning"),
		("research", "Research and studies"),
		("emergency", "Emergency response"),
		("law-enforcement", "Law enforcement"),
		("public-service", "Delivery of a public service"),
		("statistics", "Official statistics"),
		("supervision", "Regulatory supervision"),
	]
	.iter()
	.map(|(code, label)| (code.as_bytes().to_vec(), label.as_bytes().to_vec()))
	.collect()
}

/// The sample city's jurisdictions (development chains): the area inside
/// the 4th Ring Road and inside the 2nd, as boxes of their corners (1e-7
/// degrees).
fn sample_jurisdictions() -> Vec<pallet_access::GenesisJurisdiction> {
	let square = |w: i32, s: i32, e: i32, n: i32| vec![(w, s), (e, s), (e, n), (w, n)];
	vec![
		(
			b"Inside the 4th Ring Road".to_vec(),
			square(1_162_700_000, 398_300_000, 1_164_900_000, 399_900_000),
		),
		(
			b"Inside the 2nd Ring Road".to_vec(),
			square(1_163_500_000, 398_600_000, 1_164_400_000, 399_500_000),
		),
	]
}

/// `validators` author and vote from genesis, each with its session keys;
/// the first `nodes` of [`DEVELOPMENT_NODES`] may join the network.
fn genesis(
	validators: Vec<Validator>,
	nodes: usize,
	departments: Vec<GenesisDepartment<AccountId>>,
	jurisdictions: Vec<pallet_access::GenesisJurisdiction>,
	sudo: Option<Sr25519Keyring>,
) -> Value {
	let keys = validators
		.iter()
		.map(|(s, e)| {
			let keys = SessionKeys { aura: s.public().into(), grandpa: e.public().into() };
			(s.to_account_id(), s.to_account_id(), keys)
		})
		.collect::<Vec<_>>();
	build_struct_json_patch!(RuntimeGenesisConfig {
		balances: BalancesConfig {
			balances: Sr25519Keyring::well_known()
				.map(|k| (k.to_account_id(), 1_000 * UNIT))
				.collect::<Vec<_>>(),
		},
		sudo: SudoConfig { key: sudo.map(|k| k.to_account_id()) },
		departments: pallet_departments::GenesisConfig { departments },
		access: pallet_access::GenesisConfig { purposes: purposes(), jurisdictions },
		validator_set: pallet_validator_set::GenesisConfig {
			validators: validators.iter().map(|(s, _)| s.to_account_id()).collect::<Vec<_>>(),
		},
		session: SessionConfig { keys },
		node_authorization: pallet_node_authorization::GenesisConfig {
			nodes: DEVELOPMENT_NODES[..nodes]
				.iter()
				.map(|(_, peer, owner)| (OpaquePeerId(peer.to_vec()), owner.to_account_id()))
				.collect::<Vec<_>>(),
		},
	})
}

/// One validator (Alice) and her node, sudo Alice, the sample departments.
pub fn development_config_genesis() -> Value {
	genesis(
		vec![(Sr25519Keyring::Alice, Ed25519Keyring::Alice)],
		1,
		sample_departments(),
		sample_jurisdictions(),
		Some(Sr25519Keyring::Alice),
	)
}

/// Two validators (Alice, Bob) and their nodes, sudo Alice, the sample
/// departments.
pub fn local_config_genesis() -> Value {
	genesis(
		vec![
			(Sr25519Keyring::Alice, Ed25519Keyring::Alice),
			(Sr25519Keyring::Bob, Ed25519Keyring::Bob),
		],
		2,
		sample_departments(),
		sample_jurisdictions(),
		Some(Sr25519Keyring::Alice),
	)
}

/// Four validator departments (Alice, Bob, Charlie, Dave) and a regulator
/// (Eve), each with a node; no sudo: governance is a 2/3 council motion.
pub fn consortium_config_genesis() -> Value {
	let validators = vec![
		(Sr25519Keyring::Alice, Ed25519Keyring::Alice),
		(Sr25519Keyring::Bob, Ed25519Keyring::Bob),
		(Sr25519Keyring::Charlie, Ed25519Keyring::Charlie),
		(Sr25519Keyring::Dave, Ed25519Keyring::Dave),
	];
	genesis(validators, DEVELOPMENT_NODES.len(), consortium_departments(), vec![], None)
}

/// The JSON patch of a preset.
pub fn get_preset(id: &PresetId) -> Option<Vec<u8>> {
	let patch = match id.as_ref() {
		sp_genesis_builder::DEV_RUNTIME_PRESET => development_config_genesis(),
		sp_genesis_builder::LOCAL_TESTNET_RUNTIME_PRESET => local_config_genesis(),
		CONSORTIUM_RUNTIME_PRESET => consortium_config_genesis(),
		_ => return None,
	};
	Some(
		serde_json::to_string(&patch)
			.expect("serialization to json is expected to work. qed.")
			.into_bytes(),
	)
}

/// The names of the presets.
pub fn preset_names() -> Vec<PresetId> {
	vec![
		PresetId::from(sp_genesis_builder::DEV_RUNTIME_PRESET),
		PresetId::from(sp_genesis_builder::LOCAL_TESTNET_RUNTIME_PRESET),
		PresetId::from(CONSORTIUM_RUNTIME_PRESET),
	]
}

/// The genesis storage of a preset: its patch applied to the default
/// configuration, as the node does for a chain spec built from it. For tests
/// and benchmarks that run the runtime natively.
#[cfg(feature = "std")]
pub fn preset_storage(id: &str) -> Option<sp_runtime::Storage> {
	use sp_runtime::BuildStorage;
	fn merge(base: &mut Value, patch: Value) {
		match (base, patch) {
			(Value::Object(base), Value::Object(patch)) => {
				for (k, v) in patch {
					merge(base.entry(k).or_insert(Value::Null), v);
				}
			},
			(base, patch) => *base = patch,
		}
	}
	let patch = serde_json::from_slice(&get_preset(&PresetId::from(id))?).ok()?;
	let mut config = serde_json::to_value(RuntimeGenesisConfig::default()).ok()?;
	merge(&mut config, patch);
	serde_json::from_value::<RuntimeGenesisConfig>(config)
		.ok()?
		.build_storage()
		.ok()
}
