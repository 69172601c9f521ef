//! Declared weights against the time calls take, on their worst cases, and
//! the keys charged once a block instead of by each call.

use crate::*;

/// Values every call of a kind reads and writes are charged once a block,
/// not by each call: the benchmarks leave out (whitelist) exactly these keys
/// of our pallets, and the pallets' `on_initialize` charges each one read
/// and one write. A key whitelisted without its charge fails here; so does
/// a departments pallet that stops charging the membership checks' values.
#[test]
fn keys_left_out_of_call_weights_are_charged_once_a_block() {
	use frame_support::traits::{Hooks, WhitelistedStorageKeys};
	use std::collections::BTreeSet;
	// Upstream's: frame_system's, Balances' issuance, Authorship's author,
	// TransactionPayment's multiplier and credit.
	let upstream = [b"System".as_slice(), b"Balances", b"Authorship", b"TransactionPayment"]
		.map(sp_io::hashing::twox_128);
	let ours: BTreeSet<Vec<u8>> =
		citychain_runtime::AllPalletsWithSystem::whitelisted_storage_keys()
			.into_iter()
			.map(|k| k.key)
			.filter(|k| !upstream.iter().any(|p| k.starts_with(p)))
			.collect();
	let charged: BTreeSet<Vec<u8>> = [
		pallet_audit::Head::<Runtime>::hashed_key(),
		pallet_audit::Count::<Runtime>::hashed_key(),
		pallet_audit::Peaks::<Runtime>::hashed_key(),
		pallet_datasets::NextDatasetId::<Runtime>::hashed_key(),
		pallet_access::NextContractId::<Runtime>::hashed_key(),
	]
	.iter()
	.map(|k| k.to_vec())
	.collect();
	assert_eq!(ours, charged);
	dev_ext().execute_with(|| {
		let db = <Runtime as frame_system::Config>::DbWeight::get();
		let n = System::block_number();
		assert!(pallet_audit::Pallet::<Runtime>::on_initialize(n).all_gte(db.reads_writes(3, 3)));
		assert!(pallet_datasets::Pallet::<Runtime>::on_initialize(n).all_gte(db.reads_writes(1, 1)));
		assert!(pallet_access::Pallet::<Runtime>::on_initialize(n).all_gte(db.reads_writes(1, 1)));
		// CheckMembership charges a transaction its signer's record only:
		// every department's record, allowance and spending, the council
		// and the sudo key are charged here.
		let most = u64::from(citychain_runtime::configs::MAX_DEPARTMENTS);
		assert!(Departments::on_initialize(n).all_gte(db.reads_writes(3 * most + 2, most)));
	});
}

#[test]
fn dataset_calls_have_benchmarked_weights_that_fit_a_block() {
	let max = citychain_runtime::configs::RuntimeBlockWeights::get().max_block;
	let weight = register_dataset_call("Land use").get_dispatch_info().call_weight;
	assert!(weight.ref_time() > 0, "register_dataset has a measured weight");
	assert!(weight.ref_time() * 100 < max.ref_time(), "at least 100 registrations fit a block");
}

/// The CPU time this thread has spent. Unlike the wall clock, it does not
/// count the time the thread waits for a core, so the checks below hold when
/// the tests run at low priority beside other suites (scripts/test.sh).
fn thread_cpu_time() -> std::time::Duration {
	let mut now = libc::timespec { tv_sec: 0, tv_nsec: 0 };
	// SAFETY: `now` is a valid timespec for the call to write.
	let rc = unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut now) };
	assert_eq!(rc, 0, "clock_gettime(CLOCK_THREAD_CPUTIME_ID)");
	std::time::Duration::new(now.tv_sec as u64, now.tv_nsec as u32)
}

/// Builds the state `setup` makes in three fresh copies of the development
/// genesis, dispatches the call `make` returns in each, and asserts that its
/// declared weight covers the fastest of the three runs, in the CPU time of
/// the dispatch. The declared weight also prices every storage access at
/// the database's measured latency, which an in-memory run does not spend,
/// so a call that fails this is priced below its computation alone.
fn assert_declared_weight_covers(
	name: &str,
	setup: impl Fn(),
	make: impl Fn() -> (RuntimeCall, RuntimeOrigin),
) {
	use sp_runtime::traits::Dispatchable;
	let (mut fastest, mut declared) = (std::time::Duration::MAX, Weight::zero());
	for _ in 0..3 {
		dev_ext().execute_with(|| {
			start_block();
			setup();
			let (call, origin) = make();
			declared = call.get_dispatch_info().call_weight;
			let started = thread_cpu_time();
			let result = call.dispatch(origin);
			fastest = fastest.min(thread_cpu_time() - started);
			assert!(result.is_ok(), "{name}: {result:?}");
		});
	}
	let measured = fastest.as_nanos() as u64 * 1_000;
	eprintln!(
		"{name}: declared {} µs, measured {} µs",
		declared.ref_time() / 1_000_000,
		measured / 1_000_000
	);
	assert!(
		declared.ref_time() >= measured,
		"{name}: declared {} ps < measured {measured} ps",
		declared.ref_time()
	);
}

/// A dataset of department 0 in `MAX_HISTORY` versions whose current
/// version has a request waiting from every other department the registry
/// can hold.
fn longest_history_with_most_requests() {
	use citychain_primitives::datasets::MAX_HISTORY;
	let alice = || RuntimeOrigin::signed(Sr25519Keyring::Alice.to_account_id());
	let RuntimeCall::Datasets(pallet_datasets::Call::register_dataset {
		description,
		content,
		policy,
		sensitivity,
	}) = register_dataset_call("History")
	else {
		unreachable!()
	};
	assert_ok!(citychain_runtime::Datasets::register_dataset(
		alice(),
		description,
		content.clone(),
		policy,
		sensitivity
	));
	for version in 0..MAX_HISTORY - 1 {
		assert_ok!(citychain_runtime::Datasets::publish_version(
			alice(),
			version.into(),
			content.clone(),
			None
		));
	}
	let current = u64::from(MAX_HISTORY - 1);
	full_council();
	for (who, record) in pallet_departments::Members::<Runtime>::iter() {
		let active = Departments::membership(&who).is_some_and(|m| m.status.is_active());
		if record.department != 0
			&& active && !pallet_access::LiveContracts::<Runtime>::contains_key(
			current,
			record.department,
		) {
			assert_ok!(citychain_runtime::Access::request_access(
				RuntimeOrigin::signed(who),
				current,
				b"p".to_vec(),
				100,
				None
			));
		}
	}
	assert_eq!(
		pallet_access::LiveCount::<Runtime>::get(current),
		citychain_runtime::configs::MAX_DEPARTMENTS - 1
	);
}

#[test]
fn dataset_policy_and_withdrawal_weights_cover_the_longest_history_and_most_requests() {
	use citychain_primitives::{datasets::MAX_HISTORY, AccessPolicy, Sensitivity};
	let current = u64::from(MAX_HISTORY - 1);
	let alice = || RuntimeOrigin::signed(Sr25519Keyring::Alice.to_account_id());
	assert_declared_weight_covers("set_access_policy", longest_history_with_most_requests, || {
		let call = pallet_datasets::Call::set_access_policy {
			dataset: current,
			rules: citychain_primitives::terms::single_rule(AccessPolicy::Open),
			sensitivity: Sensitivity::Public,
		};
		(RuntimeCall::Datasets(call), alice())
	});
	assert_declared_weight_covers("withdraw_dataset", longest_history_with_most_requests, || {
		(
			RuntimeCall::Datasets(pallet_datasets::Call::withdraw_dataset { dataset: current }),
			alice(),
		)
	});
}

#[test]
fn registry_and_audit_weights_cover_their_largest_inputs() {
	use citychain_primitives::{
		audit::{Subject, MAX_NOTE_LEN},
		datasets::{
			MAX_DESCRIPTION_LEN, MAX_FORMAT_LEN, MAX_KEYWORDS, MAX_KEYWORD_LEN, MAX_TITLE_LEN,
			MAX_URI_LEN,
		},
		time::{MAX_TIME, MIN_TIME},
		BoundingBox, TimeRange,
	};
	let signed = |k: Sr25519Keyring| RuntimeOrigin::signed(k.to_account_id());
	assert_declared_weight_covers(
		"register_dataset (longest texts, the whole world)",
		|| {},
		|| {
			let RuntimeCall::Datasets(pallet_datasets::Call::register_dataset {
				mut description,
				mut content,
				policy,
				sensitivity,
			}) = register_dataset_call("x")
			else {
				unreachable!()
			};
			description.title = vec![b't'; MAX_TITLE_LEN as usize];
			description.description = vec![b'd'; MAX_DESCRIPTION_LEN as usize];
			description.keywords = (0..MAX_KEYWORDS)
				.map(|i| vec![b'a' + i as u8; MAX_KEYWORD_LEN as usize])
				.collect();
			description.uri =
				[b"https://x.example/".as_slice(), &vec![b'u'; MAX_URI_LEN as usize - 18]].concat();
			content.format =
				[b"application/".as_slice(), &vec![b'f'; MAX_FORMAT_LEN as usize - 12]].concat();
			content.bbox = BoundingBox {
				west: -1_800_000_000,
				south: -900_000_000,
				east: 1_800_000_000,
				north: 900_000_000,
			};
			content.time = TimeRange { start: MIN_TIME, end: Some(MAX_TIME) };
			let call = pallet_datasets::Call::register_dataset {
				description,
				content,
				policy,
				sensitivity,
			};
			(RuntimeCall::Datasets(call), signed(Sr25519Keyring::Alice))
		},
	);
	assert_declared_weight_covers(
		"audit flag (longest note)",
		|| {},
		|| {
			let call = pallet_audit::Call::flag {
				subject: Subject::Department(0),
				note: vec![b'n'; MAX_NOTE_LEN as usize],
			};
			(RuntimeCall::Audit(call), signed(Sr25519Keyring::Dave))
		},
	);
}

/// Registers departments until the council has its most seats (one per
/// department); returns its members.
fn full_council() -> Vec<AccountId> {
	let mut standing = pallet_departments::StandingDepartments::<Runtime>::get();
	let mut i = 0;
	while standing < citychain_runtime::configs::MAX_DEPARTMENTS {
		let admin = sp_core::sr25519::Pair::from_string(&format!("//Delegate{i}"), None)
			.unwrap()
			.public()
			.into();
		assert_ok!(Departments::register_department(
			RuntimeOrigin::root(),
			b"Bureau".to_vec(),
			DepartmentKind::Other,
			admin,
			Vec::new()
		));
		(standing, i) = (standing + 1, i + 1);
	}
	council_members()
}

fn council_members() -> Vec<AccountId> {
	pallet_collective::Members::<Runtime, citychain_runtime::configs::CouncilCollective>::get()
}

#[test]
fn council_weights_cover_a_full_council_closing_a_motion() {
	let origin = |k: &AccountId| RuntimeOrigin::signed(k.clone());
	let motion = RuntimeCall::Departments(pallet_departments::Call::set_department_status {
		department: 2,
		status: DepartmentStatus::Suspended,
	});
	let hash = <Runtime as frame_system::Config>::Hashing::hash_of(&motion);
	let full_council_voted = || {
		let members = full_council();
		let length = motion.encoded_size() as u32;
		assert_ok!(Council::propose(
			origin(&members[0]),
			members.len() as u32,
			Box::new(motion.clone()),
			length
		));
		for member in &members {
			assert_ok!(Council::vote(origin(member), hash, 0, true));
		}
	};
	assert_declared_weight_covers(
		"council close (64 votes, executing a suspension)",
		full_council_voted,
		|| {
			let call = pallet_collective::Call::close {
				proposal_hash: hash,
				index: 0,
				proposal_weight_bound: motion.get_dispatch_info().call_weight,
				length_bound: motion.encoded_size() as u32,
			};
			(RuntimeCall::Council(call), origin(&council_members()[0]))
		},
	);
}

#[test]
fn council_weights_cover_the_largest_motion_among_the_most_open_ones() {
	use citychain_runtime::configs::{RuntimeBlockLength, MAX_PROPOSALS};
	let origin = |k: &AccountId| RuntimeOrigin::signed(k.clone());
	let largest = *RuntimeBlockLength::get()
		.max
		.get(frame_support::dispatch::DispatchClass::Normal) as usize
		- 1024;
	let motion = || RuntimeCall::System(frame_system::Call::remark { remark: vec![b'm'; largest] });
	let length = motion().encoded_size() as u32;
	// All slots but one taken, two motions per delegate at most.
	let all_but_one_slot_taken = || {
		let members = full_council();
		for n in 0..MAX_PROPOSALS - 1 {
			let small = RuntimeCall::System(frame_system::Call::remark {
				remark: n.to_le_bytes().to_vec(),
			});
			let proposer = &members[members.len() - 1 - (n as usize / 2)];
			assert_ok!(Council::propose(origin(proposer), 2, Box::new(small), 64));
		}
	};
	assert_declared_weight_covers(
		"council propose (largest motion, 127 open)",
		all_but_one_slot_taken,
		|| {
			let call = pallet_collective::Call::propose {
				threshold: 2,
				proposal: Box::new(motion()),
				length_bound: length,
			};
			(RuntimeCall::Council(call), origin(&council_members()[0]))
		},
	);
	assert_declared_weight_covers(
		"council execute (largest motion, 64 seats)",
		|| drop(full_council()),
		|| {
			let call = pallet_collective::Call::execute {
				proposal: Box::new(motion()),
				length_bound: length,
			};
			(RuntimeCall::Council(call), origin(&council_members()[0]))
		},
	);
}

#[test]
fn a_grandpa_equivocation_reports_weight_covers_its_checks() {
	use frame_support::traits::KeyOwnerProofSystem;
	assert_declared_weight_covers(
		"grandpa report_equivocation_unsigned",
		|| {},
		|| {
			let key = sp_keyring::Ed25519Keyring::Alice;
			let key_owner_proof = citychain_runtime::Historical::prove((
				sp_consensus_grandpa::KEY_TYPE,
				sp_consensus_grandpa::AuthorityId::from(key.public()),
			))
			.expect("Alice validates the development chain");
			let call = pallet_grandpa::Call::report_equivocation_unsigned {
				equivocation_proof: Box::new(prevote_equivocation(key, 1, (1, 2))),
				key_owner_proof,
			};
			(RuntimeCall::Grandpa(call), RuntimeOrigin::none())
		},
	);
}

#[test]
fn upstream_weights_cover_their_largest_inputs() {
	let signed = |k: Sr25519Keyring| RuntimeOrigin::signed(k.to_account_id());
	let largest = citychain_runtime::configs::RuntimeBlockLength::get()
		.max
		.get(frame_support::dispatch::DispatchClass::Normal)
		.saturating_sub(1024) as usize;
	let remark = move || frame_system::Call::remark_with_event { remark: vec![b'r'; largest] };
	assert_declared_weight_covers(
		"system remark_with_event (largest transaction)",
		|| {},
		|| (RuntimeCall::System(remark()), signed(Sr25519Keyring::Dave)),
	);
	assert_declared_weight_covers(
		"sudo (setting as many storage items as fit)",
		|| {},
		|| {
			let items = (0..largest as u32 / 72)
				.map(|i| (sp_io::hashing::blake2_256(&i.to_le_bytes()).to_vec(), vec![1; 32]))
				.collect();
			let call = pallet_sudo::Call::sudo {
				call: Box::new(RuntimeCall::System(frame_system::Call::set_storage { items })),
			};
			(RuntimeCall::Sudo(call), signed(Sr25519Keyring::Alice))
		},
	);

	let mut keyed = sp_io::TestExternalities::default();
	keyed.register_extension(sp_keystore::KeystoreExt::new(
		sp_keystore::testing::MemoryKeystore::new(),
	));
	let eve = Sr25519Keyring::Eve;
	let generated = keyed.execute_with(|| {
		citychain_runtime::SessionKeys::generate(
			&eve.to_account_id().encode(),
			Some(b"//Eve".to_vec()),
		)
	});
	assert_declared_weight_covers(
		"session set_keys",
		|| {},
		|| {
			let call = pallet_session::Call::set_keys {
				keys: generated.keys.clone(),
				proof: generated.proof.encode(),
			};
			(RuntimeCall::Session(call), signed(eve))
		},
	);

	// Upgrading as many existing accounts as fit a transaction.
	let accounts = || -> Vec<AccountId> {
		(0..largest as u32 / 32)
			.map(|i| sp_io::hashing::blake2_256(&i.to_le_bytes()).into())
			.collect()
	};
	let existing = || {
		for who in accounts() {
			frame_system::Account::<Runtime>::mutate(&who, |a| a.data.free = 1_000_000_000_000);
		}
	};
	assert_declared_weight_covers("balances upgrade_accounts (as many as fit)", existing, || {
		(
			RuntimeCall::Balances(pallet_balances::Call::upgrade_accounts { who: accounts() }),
			signed(Sr25519Keyring::Dave),
		)
	});
}

/// A peer id as long as node authorization accepts.
fn long_peer_id(i: u32) -> sp_core::OpaquePeerId {
	let mut id = vec![7u8; 63];
	id[..4].copy_from_slice(&i.to_be_bytes());
	sp_core::OpaquePeerId(id)
}

/// The well-known nodes as many and as long as they may be, each owned.
fn full_node_set() {
	use citychain_runtime::configs::MAX_WELL_KNOWN_NODES;
	let nodes: std::collections::BTreeSet<_> =
		(0..MAX_WELL_KNOWN_NODES).map(long_peer_id).collect();
	for node in &nodes {
		pallet_node_authorization::Owners::<Runtime>::insert(
			node,
			Sr25519Keyring::Alice.to_account_id(),
		);
	}
	pallet_node_authorization::WellKnownNodes::<Runtime>::put(nodes);
}

#[test]
fn node_authorization_weights_cover_a_full_set_of_the_longest_ids() {
	use citychain_runtime::configs::MAX_WELL_KNOWN_NODES;
	use pallet_node_authorization::Call as Nodes;
	let root = || RuntimeOrigin::root();
	let nodes = |call| RuntimeCall::NodeAuthorization(call);
	assert_declared_weight_covers("reset_well_known_nodes", full_node_set, || {
		let new = (0..MAX_WELL_KNOWN_NODES - 1)
			.map(|i| (long_peer_id(u32::MAX - i), Sr25519Keyring::Bob.to_account_id()))
			.collect();
		(nodes(Nodes::reset_well_known_nodes { nodes: new }), root())
	});
	let one_less = || {
		full_node_set();
		pallet_node_authorization::Pallet::<Runtime>::remove_well_known_node(
			root(),
			long_peer_id(0),
		)
		.unwrap();
	};
	assert_declared_weight_covers("add_well_known_node", one_less, || {
		let owner = Sr25519Keyring::Bob.to_account_id().into();
		(nodes(Nodes::add_well_known_node { node: long_peer_id(u32::MAX), owner }), root())
	});
	assert_declared_weight_covers("remove_well_known_node", full_node_set, || {
		(nodes(Nodes::remove_well_known_node { node: long_peer_id(1) }), root())
	});
	assert_declared_weight_covers("swap_well_known_node", full_node_set, || {
		(
			nodes(Nodes::swap_well_known_node {
				remove: long_peer_id(1),
				add: long_peer_id(u32::MAX),
			}),
			root(),
		)
	});
}
