//! What keeps one client from wearing the gateway out or replaying a signed
//! request: the nonces of delivered requests, remembered across restarts in
//! the data store, and request rates per account and per network address.

use std::{
	collections::{HashMap, VecDeque},
	fs::{self, File, OpenOptions},
	io::{self, BufRead, BufReader, Write},
	path::{Path, PathBuf},
	sync::Mutex,
};

/// A nonce of `citychain_client::auth`.
type Nonce = [u8; 16];

/// Lines the journal may hold beyond twice the live entries before it is
/// rewritten.
pub const COMPACT_SLACK: usize = 4096;

/// Nonces taken within the clock window, so that a signed request is served
/// once. Entries leave once their time is outside the window, where the
/// time check alone refuses them. Each taken nonce is appended to a journal
/// in the data store, which the next start reads back (the still-live
/// entries), so a restart forgets nothing a replay could use. The journal
/// is rewritten with the live entries only, at start and whenever it has
/// grown to twice them and [`COMPACT_SLACK`] lines more, so that it stays
/// bounded by the table while the gateway runs.
pub struct Nonces {
	capacity: usize,
	journal: PathBuf,
	state: Mutex<Table>,
}

struct Table {
	seen: HashMap<Nonce, u64>,
	order: VecDeque<(Nonce, u64)>,
	file: File,
	/// Lines in the journal.
	lines: usize,
}

/// Rewrites the journal with `entries` only; the file to append to.
fn compact(journal: &Path, entries: &VecDeque<(Nonce, u64)>) -> io::Result<File> {
	let kept: String = entries.iter().map(|(n, e)| format!("{} {e}\n", hex::encode(n))).collect();
	let compacted = journal.with_extension("compacting");
	fs::write(&compacted, kept)?;
	fs::rename(&compacted, journal)?;
	OpenOptions::new().append(true).open(journal)
}

/// Why a nonce was not taken.
#[derive(Debug, PartialEq, Eq)]
pub enum NonceError {
	Replayed,
	Full,
	/// The journal could not be written: refused rather than forgotten.
	Journal(String),
}

impl Nonces {
	/// Opens the journal at `journal` (made if missing, with its directory),
	/// keeping the entries that expire at `now` (ms) or later.
	pub fn open(journal: &Path, capacity: usize, now: u64) -> io::Result<Self> {
		if let Some(dir) = journal.parent() {
			fs::create_dir_all(dir)?;
		}
		let mut order = VecDeque::new();
		if let Ok(file) = File::open(journal) {
			for line in BufReader::new(file).lines() {
				if let Some(entry) = parse_entry(&line?).filter(|&(_, expires)| expires >= now) {
					order.push_back(entry);
				}
			}
		}
		// The journal is appended in time order per request, but clocks
		// skew: keep the queue sorted by expiry so that pruning stays exact.
		order.make_contiguous().sort_by_key(|&(_, expires)| expires);
		let file = compact(journal, &order)?;
		let seen = order.iter().copied().collect();
		let lines = order.len();
		Ok(Self {
			capacity,
			journal: journal.to_path_buf(),
			state: Mutex::new(Table { seen, order, file, lines }),
		})
	}

	/// Takes `nonce` until `expires` (ms); refuses one already taken.
	pub fn take(&self, nonce: Nonce, expires: u64, now: u64) -> Result<(), NonceError> {
		let mut guard = self.state.lock().expect("nonce table poisoned");
		let table = &mut *guard;
		while table.order.front().is_some_and(|&(_, e)| e < now) {
			let (old, e) = table.order.pop_front().expect("front exists");
			if table.seen.get(&old) == Some(&e) {
				table.seen.remove(&old);
			}
		}
		if table.seen.get(&nonce).is_some_and(|&e| e >= now) {
			return Err(NonceError::Replayed);
		}
		if table.seen.len() >= self.capacity {
			return Err(NonceError::Full);
		}
		let journal_error =
			|e: io::Error| NonceError::Journal(format!("{}: {e}", self.journal.display()));
		if table.lines > 2 * table.order.len() + COMPACT_SLACK {
			table.file = compact(&self.journal, &table.order).map_err(journal_error)?;
			table.lines = table.order.len();
		}
		writeln!(table.file, "{} {expires}", hex::encode(nonce)).map_err(journal_error)?;
		table.lines += 1;
		table.seen.insert(nonce, expires);
		table.order.push_back((nonce, expires));
		Ok(())
	}
}

fn parse_entry(line: &str) -> Option<(Nonce, u64)> {
	let (nonce, expires) = line.split_once(' ')?;
	let mut out = [0u8; 16];
	hex::decode_to_slice(nonce, &mut out).ok()?;
	Some((out, expires.parse().ok()?))
}

/// At most `per_minute` requests per key (an account, an address) in each
/// minute of the clock. Counters of past minutes are dropped when the table
/// reaches its capacity, and a full table of current keys refuses new ones,
/// so memory stays bounded under a flood of keys.
pub struct RateLimit {
	per_minute: u32,
	capacity: usize,
	windows: Mutex<HashMap<String, (u64, u32)>>,
}

impl RateLimit {
	pub fn new(per_minute: u32, capacity: usize) -> Self {
		Self { per_minute, capacity, windows: Mutex::new(HashMap::new()) }
	}

	/// Counts a request of `key` at `now` (ms); false if over the limit.
	pub fn allow(&self, key: &str, now: u64) -> bool {
		let minute = now / 60_000;
		let mut windows = self.windows.lock().expect("rate table poisoned");
		if windows.len() >= self.capacity && !windows.contains_key(key) {
			windows.retain(|_, (m, _)| *m == minute);
			if windows.len() >= self.capacity {
				return false;
			}
		}
		let (m, count) = windows.entry(key.to_string()).or_insert((minute, 0));
		if *m != minute {
			(*m, *count) = (minute, 0);
		}
		if *count >= self.per_minute {
			return false;
		}
		*count += 1;
		true
	}
}

/// The network address a request comes from, as the middleware of every
/// route found it ([`client_address`]); what the handlers count rates by.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ClientAddress(pub std::net::IpAddr);

/// The connection's peer, on either listener (plain or TLS): the
/// `ConnectInfo` `client_address` starts from.
#[derive(Clone, Copy, Debug)]
pub struct Peer(pub std::net::SocketAddr);

impl
	axum::extract::connect_info::Connected<axum::serve::IncomingStream<'_, tokio::net::TcpListener>>
	for Peer
{
	fn connect_info(stream: axum::serve::IncomingStream<'_, tokio::net::TcpListener>) -> Self {
		Peer(*stream.remote_addr())
	}
}

/// Most `X-Forwarded-For` entries read.
const MAX_FORWARDED: usize = 16;

/// The address a request comes from: its peer's, or, when the peer is one
/// of the `trusted` proxies, the nearest address their `X-Forwarded-For`
/// names that is not itself a trusted proxy (read from the right, where
/// each proxy appends what it saw; what a client wrote on the left is never
/// taken for an address a proxy vouched for).
pub fn client_address(
	peer: std::net::IpAddr,
	forwarded_for: Option<&str>,
	trusted: &[std::net::IpAddr],
) -> std::net::IpAddr {
	if !trusted.contains(&peer) {
		return peer;
	}
	for entry in forwarded_for.into_iter().flat_map(|h| h.rsplit(',')).take(MAX_FORWARDED) {
		match entry.trim().parse::<std::net::IpAddr>() {
			Ok(address) if trusted.contains(&address) => continue,
			Ok(address) => return address,
			Err(_) => break,
		}
	}
	peer
}

/// Requests in progress per key (a network address), at most `most` each:
/// one client cannot take every search the node answers at once.
pub struct InFlight {
	most: usize,
	capacity: usize,
	running: Mutex<HashMap<String, usize>>,
}

/// A request in progress, counted until dropped.
pub struct Running {
	table: std::sync::Arc<InFlight>,
	key: String,
}

impl InFlight {
	pub fn new(most: usize, capacity: usize) -> Self {
		Self { most, capacity, running: Mutex::new(HashMap::new()) }
	}

	/// Counts a request of `key`, if it has fewer than `most` in progress
	/// and the table has room for it.
	pub fn start(self: &std::sync::Arc<Self>, key: &str) -> Option<Running> {
		let mut running = self.running.lock().expect("in-flight table poisoned");
		if !running.contains_key(key) && running.len() >= self.capacity {
			return None;
		}
		let count = running.entry(key.to_string()).or_default();
		if *count >= self.most {
			return None;
		}
		*count += 1;
		Some(Running { table: self.clone(), key: key.to_string() })
	}
}

impl Drop for Running {
	fn drop(&mut self) {
		let mut running = self.table.running.lock().expect("in-flight table poisoned");
		if let Some(count) = running.get_mut(&self.key) {
			*count -= 1;
			if *count == 0 {
				running.remove(&self.key);
			}
		}
	}
}

#[cfg(test)]
mod tests {
	use super::*;

	fn journal() -> (tempfile::TempDir, PathBuf) {
		let dir = tempfile::tempdir().unwrap();
		let path = dir.path().join("store-not-made-yet").join("nonces");
		(dir, path)
	}

	#[test]
	fn a_nonce_is_taken_once_within_its_window() {
		let (_dir, path) = journal();
		let nonces = Nonces::open(&path, 10, 0).unwrap();
		assert_eq!(nonces.take([1; 16], 2_000, 1_000), Ok(()));
		assert_eq!(nonces.take([1; 16], 2_000, 1_500), Err(NonceError::Replayed));
		assert_eq!(nonces.take([2; 16], 2_000, 1_500), Ok(()));
		// After the window the entry is gone (and the time check refuses it).
		assert_eq!(nonces.take([1; 16], 4_000, 3_000), Ok(()));
	}

	#[test]
	fn a_full_table_refuses_instead_of_forgetting() {
		let (_dir, path) = journal();
		let nonces = Nonces::open(&path, 2, 0).unwrap();
		nonces.take([1; 16], 10, 0).unwrap();
		nonces.take([2; 16], 10, 0).unwrap();
		assert_eq!(nonces.take([3; 16], 10, 0), Err(NonceError::Full));
		assert_eq!(nonces.take([3; 16], 30, 20), Ok(()));
	}

	#[test]
	fn a_restart_remembers_the_live_nonces_and_drops_the_expired() {
		let (_dir, path) = journal();
		let nonces = Nonces::open(&path, 10, 0).unwrap();
		nonces.take([1; 16], 5_000, 1_000).unwrap();
		nonces.take([2; 16], 1_500, 1_000).unwrap();
		drop(nonces);
		let reopened = Nonces::open(&path, 10, 2_000).unwrap();
		assert_eq!(reopened.take([1; 16], 5_000, 2_000), Err(NonceError::Replayed));
		assert_eq!(reopened.take([2; 16], 6_000, 2_000), Ok(()), "expired before the restart");
		let lines = fs::read_to_string(&path).unwrap().lines().count();
		assert_eq!(lines, 2, "the journal was compacted to the live entries, then appended");
		// a damaged line is skipped, not fatal
		fs::write(&path, "zz 1\n01010101010101010101010101010101 9000\n").unwrap();
		let damaged = Nonces::open(&path, 10, 2_000).unwrap();
		assert_eq!(damaged.take([1; 16], 9_000, 2_000), Err(NonceError::Replayed));
	}

	#[test]
	fn the_journal_is_compacted_while_running() {
		let (_dir, path) = journal();
		let nonces = Nonces::open(&path, 1_000_000, 0).unwrap();
		// Requests for an hour, 20 a second, each live for 2 minutes.
		let (mut most, mut now) = (0, 0u64);
		for i in 0u32..72_000 {
			now = u64::from(i) * 50;
			let mut nonce = [0u8; 16];
			nonce[..4].copy_from_slice(&i.to_le_bytes());
			nonces.take(nonce, now + 120_000, now).unwrap();
			if i % 1000 == 0 {
				most = most.max(fs::read_to_string(&path).unwrap().lines().count());
			}
		}
		let live = 2_400;
		assert!(most <= 2 * live + COMPACT_SLACK + 1, "the journal grew to {most} lines");
		// What it kept still refuses a replay after a restart.
		drop(nonces);
		let mut last = [0u8; 16];
		last[..4].copy_from_slice(&71_999u32.to_le_bytes());
		let reopened = Nonces::open(&path, 10_000, now).unwrap();
		assert_eq!(reopened.take(last, now + 120_000, now), Err(NonceError::Replayed));
	}

	#[test]
	fn rates_are_counted_per_key_and_minute() {
		let limit = RateLimit::new(2, 100);
		assert!(limit.allow("a", 0) && limit.allow("a", 1));
		assert!(!limit.allow("a", 2));
		assert!(limit.allow("b", 2), "another key has its own count");
		assert!(limit.allow("a", 60_000), "a new minute");
	}

	#[test]
	fn behind_a_trusted_proxy_the_client_is_the_address_it_forwarded() {
		let ip = |s: &str| s.parse::<std::net::IpAddr>().unwrap();
		let proxy = [ip("10.0.0.1")];
		assert_eq!(
			client_address(ip("203.0.113.9"), Some("1.2.3.4"), &proxy),
			ip("203.0.113.9"),
			"a peer that is no proxy of ours"
		);
		assert_eq!(
			client_address(ip("10.0.0.1"), Some("198.51.100.7"), &proxy),
			ip("198.51.100.7")
		);
		// A client's own entries are on the left: the proxy's is the last.
		assert_eq!(
			client_address(ip("10.0.0.1"), Some("1.1.1.1, 2.2.2.2, 198.51.100.7"), &proxy),
			ip("198.51.100.7")
		);
		assert_eq!(
			client_address(ip("10.0.0.1"), Some("198.51.100.7, 10.0.0.1"), &proxy),
			ip("198.51.100.7"),
			"proxies in a chain are skipped"
		);
		assert_eq!(client_address(ip("10.0.0.1"), Some("garbage"), &proxy), ip("10.0.0.1"));
		assert_eq!(client_address(ip("10.0.0.1"), None, &proxy), ip("10.0.0.1"));
	}

	#[test]
	fn requests_in_progress_are_bounded_per_key_and_counted_until_done() {
		let table = std::sync::Arc::new(InFlight::new(2, 2));
		let first = table.start("a").unwrap();
		let _second = table.start("a").unwrap();
		assert!(table.start("a").is_none(), "a third at once");
		let _other = table.start("b").expect("another key has its own count");
		assert!(table.start("c").is_none(), "the table is full of keys in progress");
		drop(first);
		assert!(table.start("a").is_some(), "one ended, one more may start");
	}

	#[test]
	fn a_flood_of_keys_keeps_the_table_bounded() {
		let limit = RateLimit::new(5, 3);
		for key in ["a", "b", "c"] {
			assert!(limit.allow(key, 0));
		}
		assert!(!limit.allow("d", 0), "full with keys of this minute");
		assert!(limit.allow("d", 60_000), "last minute's keys make room");
		assert!(limit.windows.lock().unwrap().len() <= 3);
	}
}
