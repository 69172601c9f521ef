//! Runtime integration: the dev genesis, permissioned transactions at the
//! pool (`validate_transaction`) and at inclusion (`apply_extrinsic`), free
//! transactions for members, and governance by council motion.
//!
//! One module a concern, in one test target so that the runtime is linked
//! once; this file holds what several modules use: externalities from the
//! presets, signed extrinsics, the pool's and a block's entry points, council
//! motions and the audit log's entries.

use citychain_primitives::{DepartmentDirectory, DepartmentKind, DepartmentStatus, Role, Roles};
use citychain_runtime::{
	genesis_config_presets, AccountId, Council, Executive, Governance, Runtime, RuntimeCall,
	RuntimeOrigin, SignedPayload, System, TxExtension, UncheckedExtrinsic,
};
use codec::Encode;
use frame_support::{assert_ok, dispatch::GetDispatchInfo, weights::Weight};
use sp_core::{crypto::Pair, sr25519, H256};
use sp_keyring::Sr25519Keyring;
use sp_runtime::{
	generic::Era,
	traits::{Hash as _, Header as _},
	transaction_validity::{InvalidTransaction, TransactionSource, TransactionValidityError},
};

mod audit;
mod batches;
mod datasets;
mod genesis;
mod governance;
mod permissioning;
mod upgrade;
mod validators;
mod weights;

type Departments = pallet_departments::Pallet<Runtime>;

fn preset(id: &str) -> sp_runtime::Storage {
	genesis_config_presets::preset_storage(id).expect("a preset of the runtime")
}

fn dev_ext() -> sp_io::TestExternalities {
	let mut ext = sp_io::TestExternalities::new(preset("development"));
	ext.execute_with(|| System::set_block_number(1));
	ext
}

/// Clients' default: mortal for 64 blocks from the parent block.
fn default_era() -> Era {
	Era::mortal(64, System::block_number().saturating_sub(1).into())
}

fn signed_by(pair: &sr25519::Pair, call: RuntimeCall) -> UncheckedExtrinsic {
	signed_in(pair, call, default_era())
}

fn signed_in(pair: &sr25519::Pair, call: RuntimeCall, era: Era) -> UncheckedExtrinsic {
	let who: AccountId = pair.public().into();
	signed_with(pair, call, era, System::account_nonce(&who))
}

fn signed_with(
	pair: &sr25519::Pair,
	call: RuntimeCall,
	era: Era,
	nonce: u32,
) -> UncheckedExtrinsic {
	let who: AccountId = pair.public().into();
	let ext: TxExtension = citychain_runtime::tx_extension(nonce, era);
	let payload = SignedPayload::new(call.clone(), ext.clone()).unwrap();
	let signature = payload.using_encoded(|p| pair.sign(p));
	UncheckedExtrinsic::new_signed(call, who.into(), signature.into(), ext)
}

fn remark() -> RuntimeCall {
	RuntimeCall::System(frame_system::Call::remark_with_event { remark: b"hello".to_vec() })
}

fn validate(xt: UncheckedExtrinsic) -> Result<(), TransactionValidityError> {
	validity(xt).map(|_| ())
}

fn validity(
	xt: UncheckedExtrinsic,
) -> Result<sp_runtime::transaction_validity::ValidTransaction, TransactionValidityError> {
	let parent = System::block_hash(0);
	Executive::validate_transaction(TransactionSource::External, xt, parent)
}

fn refused() -> Result<(), TransactionValidityError> {
	Err(TransactionValidityError::Invalid(InvalidTransaction::BadSigner))
}

/// Starts the next block so that extrinsics can be applied; whether it may
/// carry transactions.
fn start_block() -> sp_runtime::ExtrinsicInclusionMode {
	let header = citychain_runtime::Header::new(
		System::block_number() + 1,
		H256::zero(),
		H256::zero(),
		System::block_hash(0),
		Default::default(),
	);
	Executive::initialize_block(&header)
}

/// Proposes `call` as the first of `voters`, who all vote aye, closes it and
/// gives the proposer's slot back.
fn pass_motion(voters: &[Sr25519Keyring], call: RuntimeCall) {
	let length = call.encoded_size() as u32;
	let weight = call.get_dispatch_info().call_weight;
	let hash = <Runtime as frame_system::Config>::Hashing::hash_of(&call);
	let origin = |k: Sr25519Keyring| RuntimeOrigin::signed(k.to_account_id());
	assert_ok!(Council::propose(origin(voters[0]), voters.len() as u32, Box::new(call), length));
	let index = pallet_collective::ProposalCount::<
		Runtime,
		citychain_runtime::configs::CouncilCollective,
	>::get()
		- 1;
	for v in voters {
		assert_ok!(Council::vote(origin(*v), hash, index, true));
	}
	assert_ok!(Council::close(
		origin(voters[0]),
		hash,
		index,
		weight.saturating_add(Weight::from_parts(1, 1)),
		length
	));
	assert_ok!(Council::release_proposal_cost(origin(voters[0]), hash));
}

fn register_dataset_call(title: &str) -> RuntimeCall {
	use citychain_primitives::{
		BoundingBox, DatasetContent, DatasetDescription, LicenseInput, TimeRange, TopicCategory,
	};
	RuntimeCall::Datasets(pallet_datasets::Call::register_dataset {
		description: DatasetDescription {
			title: title.as_bytes().to_vec(),
			description: b"Land use plan of the central districts".to_vec(),
			topic: TopicCategory::PlanningCadastre,
			keywords: vec![b"land use".to_vec()],
			uri: b"https://nrp.city.example/landuse.gpkg".to_vec(),
			license: LicenseInput { expression: b"ODbL-1.0".to_vec(), url: None },
		},
		content: DatasetContent {
			bbox: BoundingBox {
				west: 1_162_000_000,
				south: 398_000_000,
				east: 1_165_000_000,
				north: 400_000_000,
			},
			crs: 4547,
			time: TimeRange { start: 1_704_067_200_000, end: None },
			format: b"application/geopackage+sqlite3".to_vec(),
			hash_code: 0x12,
			digest: vec![9; 32],
			size: 42_000_000,
		},
		policy: citychain_primitives::AccessPolicy::ApprovalRequired,
		sensitivity: citychain_primitives::Sensitivity::Internal,
	})
}

/// An audit entry as the tests compare it: (actor, department, action,
/// subject).
type Audited = (
	citychain_primitives::audit::Actor<AccountId>,
	Option<u32>,
	citychain_primitives::audit::AuditAction,
	citychain_primitives::audit::Subject,
);

/// The audit log's entries from `from` on.
fn audit_since(from: u64) -> Vec<Audited> {
	(from..pallet_audit::Count::<Runtime>::get())
		.map(|i| {
			let b = pallet_audit::Entries::<Runtime>::get(i).unwrap().body;
			(b.actor, b.department, b.action, b.subject)
		})
		.collect()
}

/// Applies `call` signed by `pair` in the current block and returns the audit
/// entries it left.
fn audited(pair: &sr25519::Pair, call: RuntimeCall) -> Vec<Audited> {
	let before = pallet_audit::Count::<Runtime>::get();
	let outcome = Executive::apply_extrinsic(signed_by(pair, call)).unwrap();
	if outcome.is_err() {
		assert_eq!(pallet_audit::Count::<Runtime>::get(), before, "a failed call records nothing");
	}
	audit_since(before)
}

type Session = pallet_session::Pallet<Runtime>;

/// Two prevotes that `key` signed in one round of the first authority set,
/// for the blocks of hashes `targets` (an equivocation if they differ).
fn prevote_equivocation(
	key: sp_keyring::Ed25519Keyring,
	round: u64,
	targets: (u8, u8),
) -> sp_consensus_grandpa::EquivocationProof<H256, citychain_runtime::BlockNumber> {
	let set_id = 0;
	let vote = |target: u8| {
		let prevote =
			finality_grandpa::Prevote { target_hash: H256::repeat_byte(target), target_number: 1 };
		let message = finality_grandpa::Message::Prevote(prevote.clone());
		let payload = sp_consensus_grandpa::localized_payload(round, set_id, &message);
		(prevote, key.pair().sign(&payload).into())
	};
	let equivocation = finality_grandpa::Equivocation {
		round_number: round,
		identity: key.public().into(),
		first: vote(targets.0),
		second: vote(targets.1),
	};
	sp_consensus_grandpa::EquivocationProof::new(
		set_id,
		sp_consensus_grandpa::Equivocation::Prevote(equivocation),
	)
}
