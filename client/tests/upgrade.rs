//! A client built from this runtime's metadata keeps signing for a runtime
//! upgrade that leaves the calls it uses as they were, and refuses, before
//! signing, a call whose shape the upgrade changed.
//!
//! The upgraded runtime is this runtime's metadata with a higher
//! `spec_version` and a call added to the access pallet, or with one of
//! `request_access`'s parameters changed: the node answers with exactly
//! such metadata after a `set_code`, and subxt checks each call against it.

use citychain_client::{
	chain::{api, CityChain},
	tx::Signer,
};
use codec::{Decode, Encode};
use scale_info::{form::PortableForm, TypeDef, Variant};
use subxt::{
	config::{
		substrate::SpecVersionForRange,
		transaction_extensions::{CheckMortalityParams, CheckNonceParams},
		SubstrateConfig,
	},
	error::ExtrinsicError,
	ext::frame_metadata::{RuntimeMetadata, RuntimeMetadataPrefixed},
	tx::Payload,
	utils::H256,
	Metadata, OfflineClient,
};

const COMMITTED: &[u8] = include_bytes!("../metadata/citychain.scale");
const GENESIS: H256 = H256::repeat_byte(7);

fn committed() -> RuntimeMetadataPrefixed {
	RuntimeMetadataPrefixed::decode(&mut &COMMITTED[..]).expect("the committed metadata decodes")
}

fn spec_version() -> u32 {
	let RuntimeMetadata::V16(v16) = &committed().1 else { panic!("metadata v16") };
	let system = v16.pallets.iter().find(|p| p.name == "System").expect("System");
	let version = system.constants.iter().find(|c| c.name == "Version").expect("Version");
	// RuntimeVersion: spec_name, impl_name (strings), authoring_version, spec_version.
	let mut input = &version.value[..];
	String::decode(&mut input).and_then(|_| String::decode(&mut input)).unwrap();
	u32::decode(&mut input).unwrap();
	u32::decode(&mut input).unwrap()
}

/// An offline client for a chain whose runtime has `metadata` at `spec_version`.
fn chain(metadata: &RuntimeMetadataPrefixed, spec_version: u32) -> OfflineClient<CityChain> {
	let metadata = Metadata::decode_from(&metadata.encode()).expect("valid metadata").arc();
	let config = SubstrateConfig::builder()
		.set_genesis_hash(GENESIS)
		.set_spec_version_for_block_ranges([SpecVersionForRange {
			block_range: 0..u64::MAX,
			spec_version,
			transaction_version: 1,
		}])
		.set_metadata_for_spec_versions([(spec_version, metadata)])
		.build();
	OfflineClient::new_with_config(CityChain(config))
}

/// The variants of `pallet`'s call enum in `metadata`.
fn calls<'a>(
	metadata: &'a mut RuntimeMetadataPrefixed,
	pallet: &str,
) -> &'a mut Vec<Variant<PortableForm>> {
	let RuntimeMetadata::V16(v16) = &mut metadata.1 else { panic!("metadata v16") };
	let id = v16
		.pallets
		.iter()
		.find(|p| p.name == pallet)
		.unwrap()
		.calls
		.as_ref()
		.unwrap()
		.ty
		.id;
	match &mut v16.types.types.iter_mut().find(|t| t.id == id).unwrap().ty.type_def {
		TypeDef::Variant(v) => &mut v.variants,
		_ => panic!("{pallet}'s calls are an enum"),
	}
}

/// The call data and the signer payload of `call` signed by //Alice on
/// `chain` (nonce 5, mortal from the genesis block).
fn sign(
	chain: &OfflineClient<CityChain>,
	call: &impl Payload,
) -> Result<(Vec<u8>, Vec<u8>), ExtrinsicError> {
	let params = (
		(),
		(),
		(),
		(),
		CheckMortalityParams::mortal_from_unchecked(128, 0, GENESIS),
		CheckNonceParams::with_nonce(5),
		(),
	);
	let at = chain.at_block(0u64).expect("a block of the chain");
	let mut signable = at.tx().create_signable_offline(call, params)?;
	let payload = signable.signer_payload()?;
	signable.sign(&Signer::from_suri("//Alice").unwrap())?;
	Ok((at.tx().call_data(call)?, payload))
}

#[test]
fn calls_sign_unchanged_for_an_upgrade_that_adds_a_call() {
	let version = spec_version();
	let mut upgraded = committed();
	let access = calls(&mut upgraded, "Access");
	let index = access.iter().map(|v| v.index).max().unwrap() + 1;
	access.push(Variant {
		name: "added_by_the_upgrade".into(),
		fields: vec![],
		index,
		docs: vec![],
	});
	let (before, after) = (chain(&committed(), version), chain(&upgraded, version + 1));

	let purpose = b"flood forecasting".to_vec();
	let request = api::tx().access().request_access(7, purpose, 1_000, None);
	let (call, payload) = sign(&before, &request).unwrap();
	let (upgraded_call, upgraded_payload) = sign(&after, &request).unwrap();
	assert_eq!(upgraded_call, call, "the same call data");
	// What is signed differs in the spec version only: its implicit data
	// ends with spec and transaction versions, genesis, the era's block
	// and the (absent) metadata hash.
	let at = payload.len() - (4 + 4 + 32 + 32 + 1);
	assert_eq!(payload[at..at + 4], version.to_le_bytes());
	assert_eq!(upgraded_payload[at..at + 4], (version + 1).to_le_bytes());
	assert_eq!(upgraded_payload[..at], payload[..at]);
	assert_eq!(upgraded_payload[at + 4..], payload[at + 4..]);

	for call in [
		sign(&after, &api::tx().access().approve_request(7, Some(vec![1; 80]))),
		sign(&after, &api::tx().access().confirm_receipt(7, 0xb220, vec![2; 32])),
		sign(&after, &api::tx().access().reject_request(7, b"no".to_vec())),
		sign(&after, &api::tx().access().revoke_access(7, b"ended".to_vec())),
		sign(&after, &api::tx().departments().set_encryption_key([3; 32])),
	] {
		call.expect("signs for the upgraded runtime");
	}
}

#[test]
fn a_call_the_upgrade_changed_is_refused_before_signing() {
	let mut upgraded = committed();
	let request = calls(&mut upgraded, "Access")
		.iter_mut()
		.find(|v| v.name == "request_access")
		.expect("request_access");
	// `term` becomes the type of `purpose` (bytes).
	let purpose = request.fields.iter().find(|f| f.name.as_deref() == Some("purpose")).unwrap().ty;
	request
		.fields
		.iter_mut()
		.find(|f| f.name.as_deref() == Some("term"))
		.unwrap()
		.ty = purpose;
	let after = chain(&upgraded, spec_version() + 1);

	let request = api::tx().access().request_access(7, b"flood forecasting".to_vec(), 1_000, None);
	assert!(matches!(sign(&after, &request), Err(ExtrinsicError::IncompatibleCodegen)));
	// The calls the upgrade left alone still sign.
	sign(&after, &api::tx().access().reject_request(7, b"no".to_vec())).unwrap();
}
