//! The feed's history, kept by the gateway in its data directory: every
//! event it followed, in chain order, so that a cursor stays good whatever
//! the node has pruned since (a node keeps recent states only; events are
//! state). `feed.jsonl` holds a line per followed block that had events;
//! `feed.state` says which chain (its genesis) and up to which block the
//! lines are complete. A line is written and synced before the state moves
//! past its block, so a gateway stopped at any moment follows an unfinished
//! block again, and its line once.

use super::cursor::Cursor;
use citychain_client::events::Happened;
use serde::{Deserialize, Serialize};
use std::{
	fs::{File, OpenOptions},
	io::{self, BufRead, Write},
	os::unix::fs::OpenOptionsExt,
	path::{Path, PathBuf},
	sync::{Arc, RwLock},
};
use tokio::sync::watch;

const LINES: &str = "feed.jsonl";
const STATE: &str = "feed.state";

/// One followed event, with what the gateway found out about it at its
/// block.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Entry {
	pub block: u32,
	#[serde(flatten)]
	pub happened: Happened,
	/// The dataset's access policy is `Restricted` (the regulator decides
	/// too).
	#[serde(default, skip_serializing_if = "std::ops::Not::not")]
	pub restricted: bool,
	/// The saved searches the event's new dataset matched, as
	/// `(account, subscription)`.
	#[serde(default, skip_serializing_if = "Vec::is_empty")]
	pub matched: Vec<(String, String)>,
}

impl Entry {
	pub fn cursor(&self) -> Cursor {
		Cursor { block: self.block, index: self.happened.index }
	}
}

#[derive(Debug, Default, Serialize, Deserialize)]
struct State {
	genesis: String,
	/// The first block followed (blocks before it were pruned from the node
	/// before the gateway followed them).
	since: u32,
	followed: u32,
}

#[derive(Deserialize)]
struct Line {
	block: u32,
	entries: Vec<Entry>,
}

#[derive(Serialize)]
struct LineRef<'a> {
	block: u32,
	entries: &'a [Entry],
}

struct Inner {
	state: State,
	entries: Vec<Arc<Entry>>,
	file: File,
}

pub struct Journal {
	dir: PathBuf,
	inner: RwLock<Inner>,
	followed: watch::Sender<u32>,
}

fn write_state(dir: &Path, state: &State) -> io::Result<()> {
	super::replace_file(&dir.join(STATE), &serde_json::to_vec(state)?)
}

/// The entries of the lines of blocks up to `followed`, and the length of
/// those lines. A line past `followed` (a block being written when the
/// gateway stopped) ends the history, as does a last line cut short (no
/// newline: its write never finished, and the state never moved past its
/// block); any other line that does not read is damage to the history the
/// state vouches for, and refused.
fn read_lines(mut file: impl BufRead, followed: u32) -> io::Result<(Vec<Arc<Entry>>, u64)> {
	let (mut entries, mut kept, mut number) = (Vec::new(), 0u64, 0usize);
	let mut line = Vec::new();
	loop {
		line.clear();
		if file.read_until(b'\n', &mut line)? == 0 {
			return Ok((entries, kept));
		}
		number += 1;
		let whole = line.last() == Some(&b'\n');
		let parsed = match (serde_json::from_slice::<Line>(&line), whole) {
			(Ok(parsed), true) => parsed,
			(_, false) => return Ok((entries, kept)),
			(Err(e), true) => {
				return Err(io::Error::new(
					io::ErrorKind::InvalidData,
					format!(
						"{LINES} line {number} is not a line of the feed's history ({e}); the \
						 history up to block {followed} is damaged: move {LINES} and {STATE} \
						 aside to follow the chain again from what the node keeps"
					),
				))
			},
		};
		if parsed.block > followed {
			return Ok((entries, kept));
		}
		kept += line.len() as u64;
		entries.extend(parsed.entries.into_iter().map(Arc::new));
	}
}

impl Journal {
	/// The journal in `dir` of the chain whose genesis is `genesis`; the
	/// lines of another chain are moved aside (`feed-<genesis>.jsonl`), and
	/// lines past the state's block (a block being written when the gateway
	/// stopped) dropped.
	pub fn open(dir: &Path, genesis: &str) -> io::Result<Self> {
		std::fs::create_dir_all(dir)?;
		let lines = dir.join(LINES);
		let state = match std::fs::read(dir.join(STATE)) {
			Ok(bytes) => serde_json::from_slice::<State>(&bytes)?,
			Err(e) if e.kind() == io::ErrorKind::NotFound => State::default(),
			Err(e) => return Err(e),
		};
		let state = if state.genesis == genesis {
			state
		} else {
			if lines.exists() {
				let old =
					state.genesis.trim_start_matches("0x").chars().take(16).collect::<String>();
				std::fs::rename(&lines, dir.join(format!("feed-{old}.jsonl")))?;
				super::sync_dir(&lines)?;
			}
			let fresh = State { genesis: genesis.into(), since: 0, followed: 0 };
			write_state(dir, &fresh)?;
			fresh
		};
		let (entries, kept) = match File::open(&lines) {
			Ok(file) => read_lines(io::BufReader::new(file), state.followed)?,
			Err(e) if e.kind() == io::ErrorKind::NotFound => (Vec::new(), 0),
			Err(e) => return Err(e),
		};
		let file = OpenOptions::new().create(true).append(true).mode(0o600).open(&lines)?;
		file.set_len(kept)?;
		super::sync_dir(&lines)?;
		let (followed, _) = watch::channel(state.followed);
		Ok(Self { dir: dir.into(), inner: RwLock::new(Inner { state, entries, file }), followed })
	}

	fn read(&self) -> std::sync::RwLockReadGuard<'_, Inner> {
		self.inner.read().unwrap_or_else(|p| p.into_inner())
	}

	/// The last block followed.
	pub fn followed(&self) -> u32 {
		self.read().state.followed
	}

	/// The first block followed.
	pub fn since(&self) -> u32 {
		self.read().state.since
	}

	/// Tells of every block followed from now on.
	pub fn watch(&self) -> watch::Receiver<u32> {
		self.followed.subscribe()
	}

	/// Records block `block` (the one after the last followed) with its
	/// `entries`, durably.
	pub fn append(&self, block: u32, entries: Vec<Entry>) -> io::Result<()> {
		let mut inner = self.inner.write().unwrap_or_else(|p| p.into_inner());
		debug_assert!(block > inner.state.followed);
		let before = inner.file.metadata()?.len();
		let recorded = Self::record(&mut inner, &self.dir, block, &entries);
		if let Err(e) = recorded {
			// No part of the block stays: it is followed again whole.
			inner.file.set_len(before)?;
			return Err(e);
		}
		inner.entries.extend(entries.into_iter().map(Arc::new));
		drop(inner);
		self.followed.send_replace(block);
		Ok(())
	}

	/// Writes block `block`'s line (if it has entries) and the state that
	/// says it was followed.
	fn record(inner: &mut Inner, dir: &Path, block: u32, entries: &[Entry]) -> io::Result<()> {
		if !entries.is_empty() {
			let mut line = serde_json::to_vec(&LineRef { block, entries })?;
			line.push(b'\n');
			inner.file.write_all(&line)?;
			inner.file.sync_data()?;
		}
		let mut state = State { genesis: inner.state.genesis.clone(), ..inner.state };
		if state.since == 0 {
			state.since = block;
		}
		state.followed = block;
		write_state(dir, &state)?;
		inner.state = state;
		Ok(())
	}

	/// Jumps over blocks the node no longer has the state of: the feed
	/// starts again at `block + 1`, and says so (`since`) if nothing was
	/// followed before.
	pub fn skip_to(&self, block: u32) -> io::Result<()> {
		let mut inner = self.inner.write().unwrap_or_else(|p| p.into_inner());
		if inner.state.since == 0 {
			inner.state.since = block + 1;
		}
		inner.state.followed = block;
		write_state(&self.dir, &inner.state)?;
		drop(inner);
		self.followed.send_replace(block);
		Ok(())
	}

	/// At most `limit` entries after `after` (from the first without it).
	pub fn after(&self, after: Option<Cursor>, limit: usize) -> Vec<Arc<Entry>> {
		let inner = self.read();
		let start = match after {
			None => 0,
			Some(c) => inner.entries.partition_point(|e| e.cursor() <= c),
		};
		inner.entries[start..].iter().take(limit).cloned().collect()
	}

	/// The cursor of the last entry, if any.
	pub fn last(&self) -> Option<Cursor> {
		self.read().entries.last().map(|e| e.cursor())
	}
}

#[cfg(test)]
pub(super) mod tests {
	use super::*;

	/// A `DatasetRegistered` of dataset `block` at `block-index`.
	pub(in crate::feed) fn entry(block: u32, index: u32) -> Entry {
		Entry {
			block,
			happened: Happened {
				index,
				pallet: "Datasets".into(),
				event: "DatasetRegistered".into(),
				dataset: Some(u64::from(block)),
				..Default::default()
			},
			..Default::default()
		}
	}

	fn cursors(entries: &[Arc<Entry>]) -> Vec<String> {
		entries.iter().map(|e| e.cursor().to_string()).collect()
	}

	#[test]
	fn entries_after_a_cursor_come_once_in_chain_order_and_survive_a_restart() {
		let dir = tempfile::tempdir().unwrap();
		let journal = Journal::open(dir.path(), "0xaa").unwrap();
		journal.append(1, vec![]).unwrap();
		journal.append(2, vec![entry(2, 0), entry(2, 4)]).unwrap();
		journal.append(3, vec![entry(3, 1)]).unwrap();
		assert_eq!(cursors(&journal.after(None, 10)), ["2-0", "2-4", "3-1"]);
		let at = |text: &str| Some(text.parse::<Cursor>().unwrap());
		assert_eq!(cursors(&journal.after(at("2-0"), 10)), ["2-4", "3-1"]);
		assert_eq!(cursors(&journal.after(at("2-1"), 1)), ["2-4"], "a cursor between two");
		assert!(journal.after(at("3-1"), 10).is_empty());
		drop(journal);
		let again = Journal::open(dir.path(), "0xaa").unwrap();
		assert_eq!((again.since(), again.followed()), (1, 3));
		assert_eq!(cursors(&again.after(at("2-0"), 10)), ["2-4", "3-1"]);
	}

	#[test]
	fn a_block_written_but_not_recorded_as_followed_is_dropped_and_followed_again() {
		let dir = tempfile::tempdir().unwrap();
		let journal = Journal::open(dir.path(), "0xaa").unwrap();
		journal.append(5, vec![entry(5, 0)]).unwrap();
		drop(journal);
		// A line of block 6 whose state was not written, and half a line.
		let mut lines = OpenOptions::new().append(true).open(dir.path().join(LINES)).unwrap();
		let line = serde_json::to_string(&LineRef { block: 6, entries: &[entry(6, 0)] }).unwrap();
		writeln!(lines, "{line}").unwrap();
		write!(lines, "{{\"block\":7,\"entr").unwrap();
		let again = Journal::open(dir.path(), "0xaa").unwrap();
		assert_eq!(again.followed(), 5);
		assert_eq!(cursors(&again.after(None, 10)), ["5-0"]);
		again.append(6, vec![entry(6, 0)]).unwrap();
		drop(again);
		let third = Journal::open(dir.path(), "0xaa").unwrap();
		assert_eq!(cursors(&third.after(None, 10)), ["5-0", "6-0"], "block 6 once");
	}

	#[test]
	fn a_failed_append_leaves_no_part_of_its_block() {
		let dir = tempfile::tempdir().unwrap();
		let journal = Journal::open(dir.path(), "0xaa").unwrap();
		journal.append(5, vec![entry(5, 0)]).unwrap();
		// The state cannot be written: the line of block 6 is written first.
		let blocker = dir.path().join(format!("{STATE}.new"));
		std::fs::create_dir(&blocker).unwrap();
		assert!(journal.append(6, vec![entry(6, 0)]).is_err());
		assert_eq!(
			(journal.followed(), cursors(&journal.after(None, 10))),
			(5, vec!["5-0".into()])
		);
		std::fs::remove_dir(&blocker).unwrap();
		journal.append(6, vec![entry(6, 0)]).unwrap();
		drop(journal);
		let again = Journal::open(dir.path(), "0xaa").unwrap();
		assert_eq!(cursors(&again.after(None, 10)), ["5-0", "6-0"], "block 6 once");
	}

	#[test]
	fn a_damaged_line_of_a_followed_block_refuses_to_start() {
		let dir = tempfile::tempdir().unwrap();
		let journal = Journal::open(dir.path(), "0xaa").unwrap();
		journal.append(5, vec![entry(5, 0)]).unwrap();
		journal.append(6, vec![entry(6, 0)]).unwrap();
		drop(journal);
		let path = dir.path().join(LINES);
		let text = std::fs::read_to_string(&path).unwrap();
		std::fs::write(&path, text.replacen("\"block\":5", "\"block\":\"5", 1)).unwrap();
		let refused = Journal::open(dir.path(), "0xaa").err().expect("refused");
		assert_eq!(refused.kind(), io::ErrorKind::InvalidData);
		assert!(refused.to_string().contains("feed.jsonl line 1"), "{refused}");
	}

	#[test]
	fn the_feeds_files_are_the_gateways_users_only() {
		use std::os::unix::fs::PermissionsExt;
		let dir = tempfile::tempdir().unwrap();
		let journal = Journal::open(dir.path(), "0xaa").unwrap();
		journal.append(1, vec![entry(1, 0)]).unwrap();
		super::super::Webhooks::open(dir.path(), 100, 1, false)
			.unwrap()
			.enqueue(vec![("s".into(), entry(1, 0).cursor(), "{}".into())], 0)
			.unwrap();
		for file in [LINES, STATE, "webhooks.json"] {
			let mode = std::fs::metadata(dir.path().join(file)).unwrap().permissions().mode();
			assert_eq!(mode & 0o777, 0o600, "{file}");
		}
	}

	#[test]
	fn another_chains_history_is_moved_aside() {
		let dir = tempfile::tempdir().unwrap();
		Journal::open(dir.path(), "0xaa").unwrap().append(1, vec![entry(1, 0)]).unwrap();
		let other = Journal::open(dir.path(), "0xbb").unwrap();
		assert_eq!((other.followed(), other.after(None, 10).len()), (0, 0));
		assert!(dir.path().join("feed-aa.jsonl").exists());
	}

	#[test]
	fn a_pruned_stretch_is_skipped_and_the_feed_says_where_it_starts() {
		let dir = tempfile::tempdir().unwrap();
		let journal = Journal::open(dir.path(), "0xaa").unwrap();
		journal.skip_to(499).unwrap();
		journal.append(500, vec![entry(500, 2)]).unwrap();
		assert_eq!((journal.since(), journal.followed()), (500, 500));
	}
}
