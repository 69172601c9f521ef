//! Seeded random records and searches for the index's tests (and the RPC's
//! and STAC's), so that a failure can be replayed.

use citychain_primitives::terms::{ContractTerms, Outcome as RuleOutcome, PurposeCode, Rule};
use citychain_primitives::{
	access::{Approvals, Contract, ContractId, ContractState, Receipt, Scope},
	datasets::{Extent, Stamp},
	geometry::{degrees, DEGREE, MAX_LATITUDE, MAX_LONGITUDE},
	hashing::ContentHash,
	AccessPolicy, BoundingBox, Dataset, DatasetId, DatasetQuery, DatasetStatus, DepartmentId,
	License, LicenseInput, Sensitivity, TimeInterval, TimeRange, TopicCategory,
};
use citychain_rpc_api::accountability::Outcome;
use citychain_runtime::{AccountId, BlockNumber, SLOT_DURATION};
use geo::{line_string, point, Geometry};
use sp_runtime::BoundedVec;

use citychain_primitives::visibility::Visibility;

use super::{
	accesses::{Access, AccessSearch, Contracted},
	query::{Filter, Record, Search, SortKey, Sortable},
	text::FreeText,
};

/// xorshift64*: a seeded generator, so a failure can be replayed.
pub(crate) struct Rng(pub(crate) u64);
impl Rng {
	pub(crate) fn next(&mut self) -> u64 {
		self.0 ^= self.0 >> 12;
		self.0 ^= self.0 << 25;
		self.0 ^= self.0 >> 27;
		self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
	}
	pub(crate) fn below(&mut self, n: u64) -> u64 {
		self.next() % n
	}
	pub(crate) fn range(&mut self, low: i64, high: i64) -> i64 {
		low + self.below((high - low) as u64 + 1) as i64
	}
	pub(crate) fn pick<T: Copy>(&mut self, from: &[T]) -> T {
		from[self.below(from.len() as u64) as usize]
	}
}

pub(crate) const WORDS: &[&str] =
	&["Traffic", "counts", "Parcels", "air", "quality", "roads", "river", "ab", "Noise"];

pub(crate) fn bbox(rng: &mut Rng) -> BoundingBox {
	// Mostly around one city, some anywhere, some across the antimeridian.
	let (west, south) = match rng.below(4) {
		0 => (
			rng.range(-180 * DEGREE as i64, 179 * DEGREE as i64),
			rng.range(-89 * DEGREE as i64, 88 * DEGREE as i64),
		),
		1 => (
			rng.range(175 * DEGREE as i64, 179 * DEGREE as i64),
			rng.range(-20 * DEGREE as i64, -10 * DEGREE as i64),
		),
		_ => (
			rng.range(116 * DEGREE as i64, 117 * DEGREE as i64),
			rng.range(39 * DEGREE as i64, 40 * DEGREE as i64),
		),
	};
	let width = rng.range(0, 3 * DEGREE as i64);
	let mut east = west + width;
	if east > MAX_LONGITUDE as i64 {
		east -= 360 * DEGREE as i64;
	}
	let north = (south + rng.range(0, DEGREE as i64)).min(MAX_LATITUDE as i64);
	BoundingBox { west: west as i32, south: south as i32, east: east as i32, north: north as i32 }
}

pub(crate) fn time(rng: &mut Rng) -> TimeRange {
	let start = rng.range(1_500_000_000_000, 1_800_000_000_000);
	let end = match rng.below(3) {
		0 => None,
		1 => Some(start),
		_ => Some(start + rng.range(0, 100_000_000_000)),
	};
	TimeRange { start, end }
}

/// A random record: words for its text, a box mostly in one city.
pub(crate) fn record(rng: &mut Rng, id: DatasetId) -> Record {
	let mut words =
		|most| (0..1 + rng.below(most)).map(|_| rng.pick(WORDS)).collect::<Vec<_>>().join(" ");
	let (title, description) = (words(3), words(6));
	let keywords = (0..rng.below(3))
		.map(|_| BoundedVec::truncate_from(rng.pick(WORDS).to_lowercase().into_bytes()))
		.collect::<Vec<_>>();
	let stamp = Stamp { block: id as BlockNumber, time: id };
	Dataset {
		owner: rng.below(4) as u32,
		publisher: AccountId::new([id as u8; 32]),
		title: BoundedVec::truncate_from(title.into_bytes()),
		description: BoundedVec::truncate_from(description.into_bytes()),
		topic: rng.pick(TopicCategory::ALL),
		keywords: BoundedVec::truncate_from(keywords),
		bbox: bbox(rng),
		crs: 4326,
		time: time(rng),
		format: BoundedVec::truncate_from(b"application/geo+json".to_vec()),
		content_hash: ContentHash {
			code: 0x12,
			digest: BoundedVec::truncate_from(vec![id as u8; 32]),
		},
		size: id,
		uri: BoundedVec::truncate_from(b"https://data.city.example/x".to_vec()),
		license: [None, Some("CC-BY-4.0"), Some("ODbL-1.0 OR CC-BY-SA-4.0")][rng.below(3) as usize]
			.map(|expression| {
				License::new(LicenseInput { expression: expression.into(), url: None })
					.expect("a valid licence")
			}),
		policy: rng.pick(AccessPolicy::ALL),
		sensitivity: rng.pick(Sensitivity::ALL),
		version: 1,
		predecessor: None,
		successor: None,
		status: rng.pick(DatasetStatus::ALL),
		created: stamp,
		updated: stamp,
	}
}

/// A point or a line somewhere a random box could be.
pub(crate) fn geometry(rng: &mut Rng) -> Geometry<f64> {
	let a = bbox(rng);
	let b = bbox(rng);
	if rng.below(2) == 0 {
		point!(x: degrees(a.west), y: degrees(a.south)).into()
	} else {
		line_string![(x: degrees(a.west), y: degrees(a.north)), (x: degrees(b.east), y: degrees(b.south))].into()
	}
}

pub(crate) fn query(rng: &mut Rng, records: usize) -> Search {
	let mut search = Search::default();
	if rng.below(5) == 0 {
		search.owners = (0..1 + rng.below(2)).map(|_| rng.below(4) as u32).collect();
	}
	if rng.below(5) == 0 {
		search.ids = (0..1 + rng.below(8)).map(|_| rng.below(records as u64 + 2)).collect();
	}
	if rng.below(5) == 0 {
		search.keywords = (0..1 + rng.below(2))
			.map(|_| rng.pick(WORDS).to_uppercase().into_bytes())
			.collect();
	}
	if rng.below(5) == 0 {
		search.policies = vec![rng.pick(AccessPolicy::ALL)];
	}
	if rng.below(5) == 0 {
		search.sensitivities = (0..2).map(|_| rng.pick(Sensitivity::ALL)).collect();
	}
	if rng.below(4) == 0 {
		search.intersects = Some(geometry(rng));
	}
	if rng.below(4) == 0 {
		search.visible = Some(visible(rng, records));
	}
	if rng.below(4) == 0 {
		search.filter = Some(filter(rng));
	}
	if rng.below(4) == 0 {
		// Words and two-word phrases, in any case.
		let terms: Vec<String> = (0..1 + rng.below(3))
			.map(|_| match rng.below(3) {
				0 => format!("{} {}", rng.pick(WORDS), rng.pick(WORDS)),
				_ => rng.pick(WORDS).to_uppercase(),
			})
			.collect();
		search.free_text = Some(FreeText::parse(terms.iter().map(String::as_str)).unwrap());
	}
	if rng.below(3) == 0 {
		let fields = [
			Sortable::Start,
			Sortable::End,
			Sortable::Title,
			Sortable::Owner,
			Sortable::Topic,
			Sortable::Status,
			Sortable::Updated,
		];
		for _ in 0..1 + rng.below(2) {
			let field = rng.pick(&fields);
			if search.sort.iter().all(|k| k.field != field) {
				search.sort.push(SortKey { field, descending: rng.below(2) == 0 });
			}
		}
	}
	search.query = dataset_query(rng);
	search
}

/// Any sensitivities, department and contracts.
pub(crate) fn visible(rng: &mut Rng, records: usize) -> Visibility {
	Visibility::new(
		(0..rng.below(3)).map(|_| rng.pick(Sensitivity::ALL)).collect(),
		(rng.below(2) == 0).then(|| rng.below(4) as DepartmentId),
		(0..rng.below(4)).map(|_| rng.below(records as u64 + 2)).collect(),
	)
}

/// A CQL2 filter: comparisons SQL can narrow by (alone, in `and`s,
/// reversed) and ones it cannot (`or`, `not`, other properties).
pub(crate) fn filter(rng: &mut Rng) -> Filter {
	let comparison = |rng: &mut Rng| -> String {
		let topic = rng.pick(TopicCategory::ALL).as_str();
		let op = rng.pick(&["=", "<>", "<", "<=", ">", ">="]);
		match rng.below(10) {
			0 => format!("\"citychain:topic\" = '{topic}'"),
			1 => format!("\"citychain:owner\" {op} {}", rng.below(4)),
			2 => format!("{} {op} \"citychain:owner\"", rng.below(4)),
			3 => format!(
				"collection IN ('department-{}', 'department-{}')",
				rng.below(4),
				rng.below(4)
			),
			4 => format!("\"citychain:status\" <> '{}'", rng.pick(DatasetStatus::ALL).as_str()),
			5 => format!("title = '{}'", rng.pick(WORDS)),
			6 => format!(
				"\"citychain:sensitivity\" IN ('{}', 'nonsense')",
				rng.pick(Sensitivity::ALL).as_str()
			),
			7 => {
				format!("version = '1' AND \"citychain:created_block\" {op} {}", rng.below(30))
			},
			8 => format!("license = '{}'", rng.pick(&["CC-BY-4.0", "other", "ODbL-1.0"])),
			_ => format!("id {op} '{}'", rng.below(60)),
		}
	};
	let text = match rng.below(4) {
		0 => comparison(rng),
		1 => format!("{} AND {}", comparison(rng), comparison(rng)),
		2 => format!("{} OR {}", comparison(rng), comparison(rng)),
		_ => format!("NOT ({}) AND {}", comparison(rng), comparison(rng)),
	};
	Filter::parse(&text, false).unwrap_or_else(|e| panic!("{text}: {e}"))
}

pub(crate) fn dataset_query(rng: &mut Rng) -> DatasetQuery {
	let mut q = DatasetQuery { limit: 1 + rng.below(20) as u32, ..Default::default() };
	if rng.below(2) == 0 {
		q.bbox = Some(bbox(rng));
	}
	if rng.below(2) == 0 {
		let t = time(rng);
		let open = rng.below(3);
		q.time = Some(TimeInterval {
			start: (open != 0).then_some(t.start),
			end: (open != 1).then_some(t.end.unwrap_or(t.start)),
		});
	}
	if rng.below(4) == 0 {
		q.topics = (0..1 + rng.below(3)).map(|_| rng.pick(TopicCategory::ALL)).collect();
		q.topics.sort();
		q.topics.dedup();
	}
	if rng.below(4) == 0 {
		q.owner = Some(rng.below(4) as u32);
	}
	if rng.below(4) == 0 {
		q.status = Some(rng.pick(DatasetStatus::ALL));
	}
	if rng.below(3) == 0 {
		let word = rng.pick(WORDS);
		let cut = rng.below(word.len() as u64) as usize;
		q.text = Some(word[cut..].to_uppercase().into_bytes());
	}
	q
}

/// The time of block `block` in the access fixtures (3 s blocks).
pub(crate) fn block_time(block: BlockNumber) -> i64 {
	1_700_000_000_000 + i64::from(block) * SLOT_DURATION as i64
}

/// Purpose codes of the access fixtures, and one no contract names.
pub(crate) const PURPOSES: &[&str] = &["planning", "research", "emergency", "nonsense"];

/// A random request made at block `block`: of 4 departments for 4, with a
/// purpose that names a code or none, a scope now and then, over a random
/// dataset extent, with terms (and a limit of deliveries) or none.
pub(crate) fn contracted(rng: &mut Rng, id: ContractId, block: BlockNumber) -> Contracted {
	let dataset = Extent { bbox: bbox(rng), time: time(rng) };
	let code = (rng.below(4) != 0).then(|| rng.pick(&PURPOSES[..3]));
	let purpose = match code {
		Some(code) => format!("{code}: study {id}"),
		None => format!("study {id}"),
	};
	let scope = (rng.below(3) == 0).then(|| Scope {
		bbox: (rng.below(2) == 0).then(|| bbox(rng)),
		time: (rng.below(2) == 0).then(|| {
			let t = time(rng);
			TimeInterval { start: Some(t.start), end: t.end }
		}),
	});
	let contract = Contract {
		dataset: rng.below(50),
		version: 1,
		provider: rng.below(4) as DepartmentId,
		consumer: rng.below(4) as DepartmentId,
		requester: AccountId::new([7; 32]),
		purpose: BoundedVec::truncate_from(purpose.into_bytes()),
		term: 1 + rng.below(40) as BlockNumber,
		scope,
		policy: AccessPolicy::ApprovalRequired,
		state: ContractState::Requested,
		approvals: Approvals { provider: None, regulator: None },
		requested_at: block,
		lapses_at: block + 100,
		decided_at: None,
		expires_at: None,
		ended_at: None,
		reason: None,
		envelope: None,
		receipt: Receipt::Pending,
	};
	let terms = (rng.below(4) != 0).then(|| ContractTerms {
		purpose: code.map(|c| PurposeCode::truncate_from(c.as_bytes().to_vec())),
		rule: 0,
		decided_by: Rule {
			uses: (rng.below(2) == 0).then_some(5),
			..Rule::always(RuleOutcome::Grant)
		},
		used: 0,
	});
	Contracted { id, contract, terms, dataset }
}

/// Moves a live contract one step at block `now`, as the pallet would:
/// decided, ended, its receipt disputed or a delivery recorded. Returns
/// whether it changed (an ended contract does not).
pub(crate) fn step(rng: &mut Rng, c: &mut Contracted, now: BlockNumber) -> bool {
	use ContractState as S;
	let contract = &mut c.contract;
	match contract.state {
		S::Requested => match rng.below(5) {
			0 | 1 => {
				contract.state = S::Approved;
				contract.decided_at = Some(now);
				contract.expires_at = Some(now + contract.term);
			},
			choice => {
				contract.state = [S::Rejected, S::Cancelled, S::Lapsed][choice as usize - 2];
				contract.decided_at = Some(now);
				contract.ended_at = Some(now);
			},
		},
		S::Approved => match rng.below(6) {
			0 => {
				contract.state = S::Expired;
				contract.expires_at = Some(now);
				contract.ended_at = Some(now);
			},
			1 | 2 => {
				contract.state = rng.pick(&[S::Revoked, S::Relinquished]);
				contract.ended_at = Some(now);
			},
			3 => {
				contract.receipt = Receipt::Mismatch(ContentHash {
					code: 0xb220,
					digest: BoundedVec::truncate_from(vec![9; 32]),
				})
			},
			_ => match c.terms.as_mut() {
				Some(terms) => terms.used += 1,
				None => return false,
			},
		},
		_ => return false,
	}
	true
}

/// A random contract, some steps along, dated by one entry per step.
pub(crate) fn access(rng: &mut Rng, id: ContractId) -> Access {
	let mut c = contracted(rng, id, 1);
	for now in 2..2 + rng.below(3) as BlockNumber {
		step(rng, &mut c, now);
	}
	Access::new(&c, |b| Some(block_time(b)), (0, block_time(0)))
}

/// A random access search over the fixtures' contracts in blocks up to
/// `blocks`.
pub(crate) fn access_search(rng: &mut Rng, blocks: BlockNumber) -> AccessSearch {
	let mut search = AccessSearch { limit: 1 + rng.below(8) as u32, ..Default::default() };
	if rng.below(2) == 0 {
		search.bbox = Some(bbox(rng));
	} else if rng.below(3) == 0 {
		search.intersects = Some(geometry(rng));
	}
	if rng.below(2) == 0 {
		let t = time(rng);
		search.time = Some(TimeInterval { start: Some(t.start), end: t.end });
	}
	if rng.below(3) == 0 {
		let from = block_time(rng.below(u64::from(blocks) + 1) as BlockNumber);
		let to = from + rng.range(0, 20) * SLOT_DURATION as i64;
		search.accessed = Some(match rng.below(3) {
			0 => TimeInterval { start: Some(from), end: None },
			1 => TimeInterval { start: None, end: Some(to) },
			_ => TimeInterval { start: Some(from), end: Some(to) },
		});
	}
	if rng.below(4) == 0 {
		search.consumers = (0..1 + rng.below(2)).map(|_| rng.below(5) as DepartmentId).collect();
	}
	if rng.below(4) == 0 {
		search.providers = vec![rng.below(5) as DepartmentId];
	}
	if rng.below(4) == 0 {
		search.purpose = Some(rng.pick(PURPOSES).as_bytes().to_vec());
	}
	if rng.below(3) == 0 {
		search.outcomes = (0..1 + rng.below(2)).map(|_| rng.pick(Outcome::ALL)).collect();
	}
	search
}
