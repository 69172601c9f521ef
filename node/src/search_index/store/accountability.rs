//! The index's access contracts: a row per contract and block range it
//! held in (as datasets have), an R*Tree over the extent each covers in
//! space and data time and over its access time, and the audit entries
//! about each contract. Applied in the transaction of the block that
//! changed them; searched like datasets (SQL narrows, `AccessSearch::matches`
//! decides), in contract id order.

use citychain_primitives::{
	access::{ContractId, ContractState},
	audit::EntryIndex,
	time::{MAX_TIME, MIN_TIME},
	BoundingBox, TimeInterval, TimeRange,
};
use citychain_rpc_api::accountability::MAX_ITEM_ENTRIES;
use citychain_runtime::BlockNumber;
use codec::{Decode, Encode};
use rusqlite::{params, params_from_iter, types::Value as Sql, Connection, OptionalExtension};

use super::{
	super::{
		accesses::{Access, AccessCursor, AccessSearch, Contracted, EntryAbout},
		sql::{around, minutes, one_of, HELD_AT, MAX_CANDIDATES},
	},
	Error, Result, Store, MAX_QUERY_TIME,
};

/// The tables of access contracts (`INDEXES` after them, as for datasets).
/// The R*Tree's four dimensions: longitude, latitude, data time and access
/// time, the times in minutes rounded outward (exact in `accesses`).
pub const TABLES: &str = "
	CREATE TABLE IF NOT EXISTS accesses (
		rid INTEGER PRIMARY KEY,
		contract INTEGER NOT NULL,
		since INTEGER NOT NULL,
		until INTEGER,
		consumer INTEGER NOT NULL,
		provider INTEGER NOT NULL,
		purpose BLOB,
		state INTEGER NOT NULL,
		disputed INTEGER NOT NULL,
		start_ms INTEGER NOT NULL,
		end_ms INTEGER NOT NULL,
		from_ms INTEGER NOT NULL,
		to_ms INTEGER NOT NULL,
		west INTEGER NOT NULL,
		south INTEGER NOT NULL,
		east INTEGER NOT NULL,
		north INTEGER NOT NULL,
		record BLOB NOT NULL
	);
	CREATE VIRTUAL TABLE IF NOT EXISTS access_extents USING rtree_i32 (
		slot, west, east, south, north, start, end, accessed_from, accessed_to
	);
	CREATE TABLE IF NOT EXISTS access_entries (
		contract INTEGER NOT NULL,
		entry INTEGER NOT NULL,
		block INTEGER NOT NULL,
		time_ms INTEGER NOT NULL,
		PRIMARY KEY (contract, entry)
	) WITHOUT ROWID;
";

pub const INDEXES: &str = "
	CREATE UNIQUE INDEX IF NOT EXISTS accesses_current ON accesses (contract) WHERE until IS NULL;
	CREATE INDEX IF NOT EXISTS accesses_contract ON accesses (contract, since);
	CREATE INDEX IF NOT EXISTS accesses_ended ON accesses (until) WHERE until IS NOT NULL;
	CREATE INDEX IF NOT EXISTS access_entries_block ON access_entries (contract, block, entry);
";

/// What a finalized block changed of the access contracts: the contracts
/// its events name (as state held them then), the audit entries about
/// contracts it recorded, where the audit log's pruning reached, and the
/// block's own time (to place blocks that no entry dates).
#[derive(Clone, Debug, Default)]
pub struct AccessBlock {
	pub contracts: Vec<Contracted>,
	pub entries: Vec<EntryAbout>,
	/// Entries before this index were pruned.
	pub pruned_before: Option<EntryIndex>,
	/// The block and its timestamp (ms).
	pub known: (BlockNumber, i64),
}

/// A contract a search found, with the audit entries about it.
#[derive(Clone, Debug, PartialEq)]
pub struct Found {
	/// The contract as the index keeps it.
	pub access: Access,
	/// The first `MAX_ITEM_ENTRIES`, in index order.
	pub entries: Vec<EntryIndex>,
	/// How many there are.
	pub entry_count: u64,
}

/// A page of an access search.
#[derive(Clone, Debug, PartialEq)]
pub struct AccessPage {
	/// In contract id order.
	pub items: Vec<Found>,
	/// The page after this one, if one is.
	pub next: Option<AccessCursor>,
}

fn state_code(state: ContractState) -> i64 {
	ContractState::ALL.iter().position(|s| *s == state).unwrap_or_default() as i64
}

/// Adds `entries` (once each).
pub fn insert_entries(db: &Connection, entries: &[EntryAbout]) -> rusqlite::Result<()> {
	let mut add = db.prepare_cached(
		"INSERT OR IGNORE INTO access_entries (contract, entry, block, time_ms) VALUES (?1, ?2, ?3, ?4)",
	)?;
	for e in entries {
		add.execute(params![e.contract as i64, e.index as i64, e.block, e.time])?;
	}
	Ok(())
}

/// Adds a row for `a` holding from block `since`, with its extent.
pub fn insert(db: &Connection, a: &Access, since: i64) -> rusqlite::Result<()> {
	let TimeRange { start, end } = a.extent.time;
	let accessed = a.accessed();
	let (end, to) = (end.unwrap_or(MAX_TIME), accessed.end.unwrap_or(MAX_TIME));
	let b = a.extent.bbox;
	db.prepare_cached(
		"INSERT INTO accesses
		 (contract, since, consumer, provider, purpose, state, disputed, start_ms, end_ms, from_ms,
		  to_ms, west, south, east, north, record)
		 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16)",
	)?
	.execute(params![
		a.contract as i64,
		since,
		a.consumer,
		a.provider,
		a.purpose_code,
		state_code(a.state),
		a.disputed,
		start,
		end,
		accessed.start,
		to,
		b.west,
		b.south,
		b.east,
		b.north,
		a.encode(),
	])?;
	let rid = db.last_insert_rowid();
	// The R*Tree holds no interval that ends before it starts (a scope the
	// chain would have refused, a clock that went back): such a one is kept
	// as its start, and the exact columns decide.
	let (rtree_end, rtree_to) = (end.max(start), to.max(accessed.start));
	let mut place = db.prepare_cached(
		"INSERT INTO access_extents
		 (slot, west, east, south, north, start, end, accessed_from, accessed_to)
		 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
	)?;
	for (half, (west, east)) in (0..).zip(b.longitude_spans()) {
		place.execute(params![
			2 * rid + half,
			west,
			east,
			b.south,
			b.north,
			minutes(start, false),
			minutes(rtree_end, true),
			minutes(accessed.start, false),
			minutes(rtree_to, true),
		])?;
	}
	Ok(())
}

/// Applies `block`'s changes as they hold from block `since` on: its
/// entries first, then each contract it names, dated by the entries.
pub fn apply(db: &Connection, block: &AccessBlock, since: i64) -> rusqlite::Result<usize> {
	if let Some(before) = block.pruned_before {
		db.prepare_cached("DELETE FROM access_entries WHERE entry < ?1")?
			.execute([before as i64])?;
	}
	insert_entries(db, &block.entries)?;
	let mut end =
		db.prepare_cached("UPDATE accesses SET until = ?2 WHERE contract = ?1 AND until IS NULL")?;
	let mut dated = db.prepare_cached(
		"SELECT time_ms FROM access_entries WHERE contract = ?1 AND block = ?2 ORDER BY entry LIMIT 1",
	)?;
	for c in &block.contracts {
		let mut failed = None;
		let access = Access::new(
			c,
			|b| match dated.query_row(params![c.id as i64, b], |r| r.get(0)).optional() {
				Ok(time) => time,
				Err(e) => {
					failed = Some(e);
					None
				},
			},
			block.known,
		);
		if let Some(e) = failed {
			return Err(e);
		}
		end.execute(params![c.id as i64, since])?;
		insert(db, &access, since)?;
	}
	Ok(block.contracts.len())
}

/// Removes the rows that ended at `horizon` or before.
pub fn prune(db: &Connection, horizon: i64) -> rusqlite::Result<()> {
	let ended: Vec<i64> = db
		.prepare_cached("SELECT rid FROM accesses WHERE until <= ?1")
		.and_then(|mut q| q.query_map([horizon], |r| r.get(0))?.collect())?;
	let mut unplace = db.prepare_cached("DELETE FROM access_extents WHERE slot IN (?1, ?1 + 1)")?;
	let mut unrow = db.prepare_cached("DELETE FROM accesses WHERE rid = ?1")?;
	for rid in ended {
		unplace.execute([2 * rid])?;
		unrow.execute([rid])?;
	}
	Ok(())
}

/// Narrows `filters` to the rows whose extent meets `bbox` (any place if
/// none) and `time` (any if none) and whose access time meets `accessed`
/// (any if none), in one R*Tree lookup.
fn placed(
	filters: &mut Vec<String>,
	args: &mut Vec<Sql>,
	bbox: Option<&BoundingBox>,
	time: Option<&TimeInterval>,
	accessed: Option<&TimeInterval>,
) {
	use citychain_primitives::geometry::{MAX_LATITUDE, MAX_LONGITUDE};
	let (south, north) = bbox.map_or((-MAX_LATITUDE, MAX_LATITUDE), |b| (b.south, b.north));
	let span = |t: Option<&TimeInterval>| {
		t.map_or((MIN_TIME, MAX_TIME), |t| (t.start.unwrap_or(MIN_TIME), t.end.unwrap_or(MAX_TIME)))
	};
	let ((start, end), (from, to)) = (span(time), span(accessed));
	let parts: Vec<(i32, i32)> =
		bbox.map_or(vec![(-MAX_LONGITUDE, MAX_LONGITUDE)], |b| b.longitude_spans().collect());
	let select = "SELECT slot >> 1 FROM access_extents WHERE west <= ? AND east >= ? \
		AND south <= ? AND north >= ? AND start <= ? AND end >= ? AND accessed_from <= ? \
		AND accessed_to >= ?";
	filters.push(format!("rid IN ({})", vec![select; parts.len()].join(" UNION ")));
	for (west, east) in parts {
		args.extend([east, west, north, south].map(|v| Sql::Integer(v.into())));
		args.extend(
			[minutes(end, true), minutes(start, false), minutes(to, true), minutes(from, false)]
				.map(Sql::Integer),
		);
	}
}

/// The query of a search's candidates at block `at`: rows `contract, rid,
/// west, south, east, north` in contract order, at most `MAX_CANDIDATES`.
fn candidates(search: &AccessSearch, at: BlockNumber) -> (String, Vec<Sql>) {
	let mut filters = vec![HELD_AT.to_string()];
	let mut args = vec![Sql::Integer(at.into()), Sql::Integer(at.into())];
	if let Some(cursor) = &search.cursor {
		filters.push("contract > ?".into());
		args.push(Sql::Integer(cursor.after as i64));
	}
	let states: Vec<i64> = search
		.outcomes
		.iter()
		.flat_map(|o| o.states())
		.map(|s| state_code(*s))
		.collect();
	let lists = [
		one_of("consumer", search.consumers.iter().map(|d| i64::from(*d)).collect()),
		one_of("provider", search.providers.iter().map(|d| i64::from(*d)).collect()),
	];
	for condition in lists.into_iter().flatten() {
		filters.push(condition.sql);
		args.extend(condition.args);
	}
	if let Some(purpose) = &search.purpose {
		filters.push("purpose = ?".into());
		args.push(Sql::Blob(purpose.clone()));
	}
	if !search.outcomes.is_empty() {
		let disputed =
			search.outcomes.contains(&citychain_rpc_api::accountability::Outcome::Disputed);
		let mut any = Vec::new();
		if let Some(condition) = one_of("state", states) {
			any.push(condition.sql);
			args.extend(condition.args);
		}
		if disputed {
			any.push("disputed = 1".into());
		}
		filters.push(format!("({})", any.join(" OR ")));
	}
	let (time, accessed) = (search.time.as_ref(), search.accessed.as_ref());
	let around = search.intersects.as_ref().and_then(around);
	let boxes: Vec<&BoundingBox> = search.bbox.iter().chain(around.iter()).collect();
	match boxes.as_slice() {
		[] if time.is_none() && accessed.is_none() => {},
		[] => placed(&mut filters, &mut args, None, time, accessed),
		[first, rest @ ..] => {
			placed(&mut filters, &mut args, Some(*first), time, accessed);
			for b in rest {
				placed(&mut filters, &mut args, Some(*b), None, None);
			}
		},
	}
	let mut exact = |column_start: &str, column_end: &str, t: Option<&TimeInterval>| {
		if let Some(t) = t {
			filters.push(format!("{column_start} <= ? AND {column_end} >= ?"));
			args.extend([t.end.unwrap_or(MAX_TIME), t.start.unwrap_or(MIN_TIME)].map(Sql::Integer));
		}
	};
	exact("start_ms", "end_ms", time);
	exact("from_ms", "to_ms", accessed);
	let sql = format!(
		"SELECT contract, rid, west, south, east, north FROM accesses WHERE {} ORDER BY contract LIMIT {MAX_CANDIDATES}",
		filters.join(" AND ")
	);
	(sql, args)
}

fn decoded(row: &rusqlite::Row<'_>) -> rusqlite::Result<Access> {
	let blob = row.get_ref(0)?.as_blob()?;
	Access::decode(&mut &blob[..]).map_err(|e| {
		rusqlite::Error::FromSqlConversionFailure(0, rusqlite::types::Type::Blob, Box::new(e))
	})
}

impl Store {
	/// A page of the contracts that match every filter of `search`, as
	/// block `at` held them (the cursor's block, if there is one), in
	/// contract id order, each with the audit entries about it recorded by
	/// then. At most `MAX_CANDIDATES` candidates are examined; a page cut
	/// short by that bound carries a cursor to continue from.
	pub fn search_accesses(&self, search: &AccessSearch, at: BlockNumber) -> Result<AccessPage> {
		let oldest = self.oldest()?;
		if at < oldest {
			return Err(Error::Expired { at, oldest });
		}
		self.within(MAX_QUERY_TIME, || self.run_accesses(search, at))
	}

	fn run_accesses(&self, search: &AccessSearch, at: BlockNumber) -> rusqlite::Result<AccessPage> {
		let (sql, args) = candidates(search, at);
		let mut statement = self.db.prepare_cached(&sql)?;
		let mut rows = statement.query(params_from_iter(args))?;
		let mut read = self.db.prepare_cached("SELECT record FROM accesses WHERE rid = ?1")?;
		let (mut matched, mut examined, mut last) = (Vec::new(), 0, None);
		let mut next = None;
		while let Some(row) = rows.next()? {
			let contract = row.get::<_, i64>(0)? as ContractId;
			examined += 1;
			let b = BoundingBox {
				west: row.get(2)?,
				south: row.get(3)?,
				east: row.get(4)?,
				north: row.get(5)?,
			};
			if search.meets(&b) {
				let access = read.query_row([row.get::<_, i64>(1)?], decoded)?;
				if search.matches(&access) {
					if matched.len() == search.limit as usize {
						next = matched.last().map(|a: &Access| a.contract);
						break;
					}
					matched.push(access);
				}
			}
			last = Some(contract);
		}
		if next.is_none() && examined == MAX_CANDIDATES {
			next = last;
		}
		let mut listed = self.db.prepare_cached(&format!(
			"SELECT entry FROM access_entries WHERE contract = ?1 AND block <= ?2 ORDER BY entry LIMIT {MAX_ITEM_ENTRIES}"
		))?;
		let mut counted = self.db.prepare_cached(
			"SELECT count(*) FROM access_entries WHERE contract = ?1 AND block <= ?2",
		)?;
		let items = matched
			.into_iter()
			.map(|access| {
				let id = access.contract as i64;
				let entries = listed
					.query_map(params![id, at], |r| r.get::<_, i64>(0).map(|e| e as EntryIndex))?
					.collect::<rusqlite::Result<_>>()?;
				let entry_count =
					counted.query_row(params![id, at], |r| r.get::<_, i64>(0))? as u64;
				Ok(Found { access, entries, entry_count })
			})
			.collect::<rusqlite::Result<_>>()?;
		Ok(AccessPage { items, next: next.map(|after| AccessCursor { block: at, after }) })
	}
}

#[cfg(test)]
mod tests {
	use super::*;
	use crate::search_index::{
		fixtures::{access, access_search, block_time, contracted, step, Rng},
		store::{Bulk, Reached},
	};
	use citychain_primitives::{
		access::{Receipt, Scope},
		geometry::fixed,
		hashing::ContentHash,
	};
	use citychain_rpc_api::accountability::Outcome;
	use citychain_runtime::Hash;
	use geo::polygon;
	use sp_runtime::BoundedVec;

	fn reached(number: BlockNumber) -> Reached {
		Reached { number, hash: Hash::repeat_byte(number as u8) }
	}

	/// An index in memory, rebuilt with `accesses` at block `number`.
	fn built(accesses: Vec<(Access, Vec<EntryAbout>)>, number: BlockNumber) -> Store {
		let mut bulk = Bulk::new(Connection::open_in_memory().unwrap()).unwrap();
		bulk.load_accesses(accesses, number).unwrap();
		bulk.finish(reached(number), Hash::zero()).unwrap()
	}

	/// An empty index that has reached block `number`.
	fn empty(number: BlockNumber) -> Store {
		built(Vec::new(), number)
	}

	/// Every page of `search` at block `at`, followed by its cursors.
	fn all_pages(store: &Store, search: &AccessSearch, at: BlockNumber) -> Vec<Found> {
		let mut search = search.clone();
		let mut found = Vec::new();
		loop {
			let page = store.search_accesses(&search, at).unwrap();
			assert!(page.items.len() <= search.limit as usize);
			found.extend(page.items);
			match page.next {
				Some(next) => {
					assert_eq!(next.block, at, "a cursor carries the block it was made at");
					search.cursor = AccessCursor::parse(&next.token());
				},
				None => return found,
			}
		}
	}

	/// What a full scan answers: the contracts that match, in id order,
	/// with their entries recorded by block `at`.
	fn full_scan(
		accesses: &[Access],
		entries: &[EntryAbout],
		search: &AccessSearch,
		at: BlockNumber,
	) -> Vec<Found> {
		accesses
			.iter()
			.filter(|a| search.matches(a))
			.map(|a| {
				let of: Vec<EntryIndex> = entries
					.iter()
					.filter(|e| e.contract == a.contract && e.block <= at)
					.map(|e| e.index)
					.collect();
				Found {
					access: a.clone(),
					entries: of.iter().copied().take(MAX_ITEM_ENTRIES).collect(),
					entry_count: of.len() as u64,
				}
			})
			.collect()
	}

	/// The contracts as a rebuild makes them: each dated by its entries.
	fn dated(
		contracts: &[Contracted],
		entries: &[EntryAbout],
		known: (BlockNumber, i64),
	) -> Vec<Access> {
		contracts
			.iter()
			.map(|c| {
				let of: Vec<EntryAbout> =
					entries.iter().filter(|e| e.contract == c.id).copied().collect();
				Access::from_entries(c, &of, known)
			})
			.collect()
	}

	#[test]
	fn followed_blocks_answer_what_a_full_scan_answers_and_a_rebuild_the_same() {
		let mut rng = Rng(0x5eed_acc0_0001);
		let mut store = empty(0);
		let mut contracts: Vec<Contracted> = Vec::new();
		let mut entries: Vec<EntryAbout> = Vec::new();
		let mut history: Vec<Vec<Access>> = vec![Vec::new()];
		for block in 1..=40 {
			let known = (block, block_time(block));
			let mut changed = Vec::new();
			for _ in 0..rng.below(8) {
				let id = contracts.len() as ContractId;
				contracts.push(contracted(&mut rng, id, block));
				changed.push(id);
			}
			for _ in 0..rng.below(6).min(contracts.len() as u64) {
				let id = rng.below(contracts.len() as u64);
				if !changed.contains(&id) && step(&mut rng, &mut contracts[id as usize], block) {
					changed.push(id);
				}
			}
			// One audit entry per change, and a flag now and then.
			let mut recorded: Vec<ContractId> = changed.clone();
			if !contracts.is_empty() && rng.below(3) == 0 {
				recorded.push(rng.below(contracts.len() as u64));
			}
			let first = entries.len() as EntryIndex;
			let new: Vec<EntryAbout> = recorded
				.iter()
				.enumerate()
				.map(|(i, &contract)| EntryAbout {
					contract,
					index: first + i as EntryIndex,
					block,
					time: block_time(block),
				})
				.collect();
			entries.extend(&new);
			let access_block = AccessBlock {
				contracts: changed.iter().map(|id| contracts[*id as usize].clone()).collect(),
				entries: new,
				pruned_before: None,
				known,
			};
			store.apply(Vec::new(), &access_block, reached(block)).unwrap();
			history.push(dated(&contracts, &entries, known));
			for _ in 0..30 {
				// At this block, or an earlier one as a cursor made then.
				let at = if rng.below(3) == 0 {
					rng.below(u64::from(block) + 1) as BlockNumber
				} else {
					block
				};
				let search = access_search(&mut rng, block);
				assert_eq!(
					all_pages(&store, &search, at),
					full_scan(&history[at as usize], &entries, &search, at),
					"at #{at}: {search:?}"
				);
			}
		}
		// A rebuild from the contracts and entries in state at the head.
		let head = 40;
		let known = (head, block_time(head));
		let rebuilt = built(
			dated(&contracts, &entries, known)
				.into_iter()
				.map(|a| {
					let of = entries.iter().filter(|e| e.contract == a.contract).copied().collect();
					(a, of)
				})
				.collect(),
			head,
		);
		let everything = AccessSearch { limit: 100, ..Default::default() };
		let all = all_pages(&rebuilt, &everything, head);
		assert_eq!(all.len(), contracts.len());
		assert_eq!(all, all_pages(&store, &everything, head), "rebuilt as followed");
		for _ in 0..200 {
			let search = access_search(&mut rng, head);
			assert_eq!(all_pages(&rebuilt, &search, head), all_pages(&store, &search, head));
		}
	}

	#[test]
	fn a_contract_has_one_row_per_block_range_and_past_blocks_keep_their_outcome() {
		let mut rng = Rng(5);
		let mut store = empty(0);
		let mut c = contracted(&mut rng, 0, 1);
		c.contract.consumer = 2;
		let entry =
			|index, block| EntryAbout { contract: 0, index, block, time: block_time(block) };
		let apply = |store: &mut Store, c: &Contracted, block| {
			let access_block = AccessBlock {
				contracts: vec![c.clone()],
				entries: vec![entry(u64::from(block), block)],
				pruned_before: None,
				known: (block, block_time(block)),
			};
			store.apply(Vec::new(), &access_block, reached(block)).unwrap();
		};
		apply(&mut store, &c, 1);
		c.contract.state = ContractState::Approved;
		(c.contract.decided_at, c.contract.expires_at) = (Some(2), Some(2 + c.contract.term));
		apply(&mut store, &c, 2);
		c.contract.state = ContractState::Revoked;
		c.contract.ended_at = Some(3);
		apply(&mut store, &c, 3);
		let outcome = |at| {
			let page = store.search_accesses(&AccessSearch { limit: 10, ..Default::default() }, at);
			let found = page.unwrap().items;
			assert_eq!(found.len(), 1, "one contract, whatever its rows");
			(found[0].access.outcome(), found[0].entries.clone())
		};
		assert_eq!(outcome(1), (Outcome::Pending, vec![1]));
		assert_eq!(outcome(2), (Outcome::Granted, vec![1, 2]));
		assert_eq!(outcome(3), (Outcome::Revoked, vec![1, 2, 3]));
		let revoked =
			AccessSearch { outcomes: vec![Outcome::Revoked], limit: 10, ..Default::default() };
		assert!(store.search_accesses(&revoked, 2).unwrap().items.is_empty());
		let found = &store.search_accesses(&revoked, 3).unwrap().items[0].access;
		assert_eq!(found.accessed().start, block_time(1));
		assert_eq!(found.accessed().end, Some(block_time(3)), "until it was revoked");
		// A dispute is found among the outcomes too.
		c.contract.receipt = Receipt::Mismatch(ContentHash {
			code: 0x12,
			digest: BoundedVec::truncate_from(vec![1; 32]),
		});
		apply(&mut store, &c, 4);
		let disputed =
			AccessSearch { outcomes: vec![Outcome::Disputed], limit: 10, ..Default::default() };
		assert_eq!(store.search_accesses(&disputed, 4).unwrap().items.len(), 1);
		assert!(store.search_accesses(&disputed, 3).unwrap().items.is_empty());
		// RETAIN_BLOCKS later the old rows are gone.
		let later = 4 + super::super::RETAIN_BLOCKS;
		store
			.apply(
				Vec::new(),
				&AccessBlock { known: (later, 0), ..Default::default() },
				reached(later),
			)
			.unwrap();
		let rows: i64 =
			store.db.query_row("SELECT count(*) FROM accesses", [], |r| r.get(0)).unwrap();
		let places: i64 = store
			.db
			.query_row("SELECT count(*) FROM access_extents", [], |r| r.get(0))
			.unwrap();
		assert_eq!((rows, places), (1, c.dataset.bbox.longitude_spans().count() as i64));
	}

	#[test]
	fn districts_and_years_select_exactly_the_contracts_that_cover_them() {
		let mut rng = Rng(9);
		let district = |west: f64| BoundingBox {
			west: fixed(west),
			south: fixed(39.9),
			east: fixed(west + 0.05),
			north: fixed(39.95),
		};
		// 2023 and 2024, to the last ms.
		let year = |y: i32| {
			let start = if y == 2023 { 1_672_531_200_000 } else { 1_704_067_200_000 };
			let days = if y == 2024 { 366 } else { 365 };
			TimeRange { start, end: Some(start + days * 86_400_000 - 1) }
		};
		let mut accesses = Vec::new();
		for (id, (west, y)) in
			[(116.2, 2023), (116.2, 2024), (116.3, 2023), (116.3, 2024), (116.4, 2024)]
				.into_iter()
				.enumerate()
		{
			let mut c = contracted(&mut rng, id as ContractId, 1);
			(c.dataset.bbox, c.dataset.time, c.contract.scope) = (district(west), year(y), None);
			accesses
				.push((Access::new(&c, |b| Some(block_time(b)), (1, block_time(1))), Vec::new()));
		}
		// A scope within the third district's 2024 data, of a dataset that
		// covers all three.
		let mut c = contracted(&mut rng, 5, 1);
		(c.dataset.bbox, c.dataset.time) = (
			BoundingBox {
				west: fixed(116.2),
				south: fixed(39.9),
				east: fixed(116.45),
				north: fixed(39.95),
			},
			TimeRange { start: year(2023).start, end: year(2024).end },
		);
		c.contract.scope = Some(Scope {
			bbox: Some(district(116.4)),
			time: Some(TimeInterval { start: Some(year(2024).start), end: year(2024).end }),
		});
		accesses.push((Access::new(&c, |b| Some(block_time(b)), (1, block_time(1))), Vec::new()));
		let store = built(accesses, 1);
		let found = |search: AccessSearch| -> Vec<ContractId> {
			all_pages(&store, &AccessSearch { limit: 2, ..search }, 1)
				.iter()
				.map(|f| f.access.contract)
				.collect()
		};
		let y2024 = TimeInterval { start: Some(year(2024).start), end: year(2024).end };
		let inside = |west: f64| BoundingBox {
			west: fixed(west + 0.01),
			south: fixed(39.91),
			east: fixed(west + 0.02),
			north: fixed(39.92),
		};
		assert_eq!(
			found(AccessSearch {
				bbox: Some(inside(116.3)),
				time: Some(y2024),
				..Default::default()
			}),
			vec![3]
		);
		assert_eq!(
			found(AccessSearch {
				bbox: Some(inside(116.4)),
				time: Some(y2024),
				..Default::default()
			}),
			vec![4, 5]
		);
		assert_eq!(
			found(AccessSearch { bbox: Some(inside(116.2)), ..Default::default() }),
			vec![0, 1]
		);
		// A triangle whose box covers the second district's corner but
		// which misses it: the exact test decides.
		let triangle = polygon![(x: 116.345, y: 39.96), (x: 116.36, y: 39.96), (x: 116.36, y: 39.945), (x: 116.345, y: 39.96)];
		assert_eq!(
			found(AccessSearch { intersects: Some(triangle.into()), ..Default::default() }),
			Vec::<ContractId>::new()
		);
		let crossing = polygon![(x: 116.36, y: 39.96), (x: 116.44, y: 39.96), (x: 116.44, y: 39.94), (x: 116.36, y: 39.96)];
		assert_eq!(
			found(AccessSearch { intersects: Some(crossing.into()), ..Default::default() }),
			vec![4, 5]
		);
	}

	#[test]
	fn an_item_lists_its_first_entries_and_counts_them_all_and_pruned_ones_go() {
		let mut store = empty(0);
		let mut rng = Rng(2);
		let c = contracted(&mut rng, 0, 1);
		let many: Vec<EntryAbout> = (0..100)
			.map(|index| EntryAbout { contract: 0, index, block: 1, time: block_time(1) })
			.collect();
		let block = AccessBlock {
			contracts: vec![c],
			entries: many,
			pruned_before: None,
			known: (1, block_time(1)),
		};
		store.apply(Vec::new(), &block, reached(1)).unwrap();
		let search = AccessSearch { limit: 1, ..Default::default() };
		let found = &store.search_accesses(&search, 1).unwrap().items[0];
		assert_eq!(found.entries, (0..MAX_ITEM_ENTRIES as EntryIndex).collect::<Vec<_>>());
		assert_eq!(found.entry_count, 100);
		let pruned = AccessBlock {
			pruned_before: Some(90),
			known: (2, block_time(2)),
			..Default::default()
		};
		store.apply(Vec::new(), &pruned, reached(2)).unwrap();
		let found = &store.search_accesses(&search, 2).unwrap().items[0];
		assert_eq!((found.entries.clone(), found.entry_count), ((90..100).collect(), 10));
	}

	#[test]
	fn a_scan_stops_at_the_candidate_bound_with_a_cursor_and_old_cursors_expire() {
		let mut rng = Rng(4);
		let bound = MAX_CANDIDATES as ContractId;
		let placed = |rng: &mut Rng, id, degrees: f64| {
			let mut a = access(rng, id);
			a.extent.bbox = BoundingBox {
				west: fixed(degrees),
				south: fixed(degrees),
				east: fixed(degrees + 1.0),
				north: fixed(degrees + 1.0),
			};
			(a, Vec::new())
		};
		let mut accesses: Vec<_> = (0..bound + 5).map(|id| placed(&mut rng, id, 0.0)).collect();
		accesses.push(placed(&mut rng, bound + 5, 2.0));
		let store = built(accesses, 5);
		// Two points whose box covers every contract, of which only the last
		// meets one: every row is a candidate.
		let search = AccessSearch {
			intersects: Some(geo::MultiPoint::from(vec![(-1.0, -1.0), (2.5, 2.5)]).into()),
			limit: 10,
			..Default::default()
		};
		let first = store.search_accesses(&search, 5).unwrap();
		assert!(first.items.is_empty());
		assert_eq!(
			first.next.map(|c| c.after),
			Some(bound - 1),
			"the bound ends the scan, the cursor continues it"
		);
		let found: Vec<ContractId> =
			all_pages(&store, &search, 5).iter().map(|f| f.access.contract).collect();
		assert_eq!(found, vec![bound + 5]);
		assert!(matches!(
			store.search_accesses(&AccessSearch { limit: 1, ..Default::default() }, 4),
			Err(Error::Expired { at: 4, oldest: 5 })
		));
	}
}
