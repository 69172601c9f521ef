//! A `citychain-node` on a chain spec, on free ports with a throw-away base
//! path, as its operator would run it; stopped when dropped.

use std::{
	io::{BufRead, BufReader},
	net::TcpListener,
	path::{Path, PathBuf},
	process::{Child, Command, Stdio},
	sync::mpsc,
	time::{Duration, Instant},
};

/// What the node logged when its search index was built from the state.
#[derive(Clone, Copy, Debug)]
pub struct Rebuild {
	pub datasets: u64,
	pub per_second: f64,
}

pub struct Node {
	child: Child,
	base: PathBuf,
	pub url: String,
	/// From the start of the process to the index built: genesis included.
	pub ready_after: Duration,
	pub rebuild: Rebuild,
}

fn free_port() -> u16 {
	TcpListener::bind("127.0.0.1:0")
		.and_then(|l| l.local_addr())
		.expect("a free port")
		.port()
}

const REBUILT: &str = "Search index rebuilt: ";

/// Reads `🔎 Search index rebuilt: N datasets and C contracts at #B in S s
/// (R datasets/s; …)`.
fn parse_rebuild(line: &str) -> Option<Rebuild> {
	let rest = line.split(REBUILT).nth(1)?.trim_end();
	let datasets = rest.split_whitespace().next()?.parse().ok()?;
	let rate = rest.rsplit('(').next()?.split_once(" datasets/s")?.0;
	Some(Rebuild { datasets, per_second: rate.trim().parse().ok()? })
}

impl Node {
	/// Starts the node on `spec` and waits (at most `patience`) until its
	/// search index is built.
	pub fn start(bin: &Path, spec: &Path, patience: Duration) -> Self {
		let base =
			std::env::temp_dir().join(format!("citychain-bench-search-{}", std::process::id()));
		let _ = std::fs::remove_dir_all(&base);
		let rpc = free_port();
		let started = Instant::now();
		let mut child = Command::new(bin)
			.arg(format!("--chain={}", spec.display()))
			.arg(format!("--base-path={}", base.display()))
			.arg(format!("--rpc-port={rpc}"))
			.arg(format!("--port={}", free_port()))
			.args([
				"--alice",
				"--force-authoring",
				"--no-prometheus",
				"--no-telemetry",
				"--no-mdns",
			])
			// A validator's network key is not generated for it; any will do.
			.args([
				"--node-key",
				"0000000000000000000000000000000000000000000000000000000000000001",
			])
			.stdout(Stdio::null())
			.stderr(Stdio::piped())
			.spawn()
			.expect("the node starts");
		let stderr = child.stderr.take().expect("stderr is piped");
		let (lines, received) = mpsc::channel();
		std::thread::spawn(move || {
			for line in BufReader::new(stderr).lines().map_while(Result::ok) {
				// Keep draining after the receiver is gone.
				let _ = lines.send(line);
			}
		});
		let mut tail = Vec::new();
		let rebuild = loop {
			let left = patience.checked_sub(started.elapsed()).unwrap_or_default();
			match received.recv_timeout(left) {
				Ok(line) => {
					if let Some(rebuild) = parse_rebuild(&line) {
						break rebuild;
					}
					// A rebuild line this reader no longer understands fails
					// now, not when the patience runs out.
					assert!(!line.contains(REBUILT), "the node's rebuild line changed: {line}");
					tail.push(line);
					if tail.len() > 40 {
						tail.remove(0);
					}
				},
				Err(why) => {
					let _ = child.kill();
					let what = match why {
						mpsc::RecvTimeoutError::Timeout => {
							format!("did not build its search index within {patience:?}")
						},
						mpsc::RecvTimeoutError::Disconnected => "exited".to_string(),
					};
					panic!("the node {what}:\n{}", tail.join("\n"));
				},
			}
		};
		Self {
			child,
			base,
			url: format!("ws://127.0.0.1:{rpc}"),
			ready_after: started.elapsed(),
			rebuild,
		}
	}
}

impl Drop for Node {
	fn drop(&mut self) {
		let _ = self.child.kill();
		let _ = self.child.wait();
		let _ = std::fs::remove_dir_all(&self.base);
	}
}

#[cfg(test)]
mod tests {
	use super::parse_rebuild;

	#[test]
	fn the_rebuild_line_is_read() {
		let line =
			"2026-12-02 05:01:02 🔎 Search index rebuilt: 100000 datasets and 0 contracts at \
			#0 in 3.2 s (31250 datasets/s; rows written in 2.1 s, indexes made in 0.4 s)    ";
		let r = parse_rebuild(line).unwrap();
		assert_eq!((r.datasets, r.per_second), (100_000, 31_250.0));
		assert!(parse_rebuild("🔎 Rebuilding the search index from the state at #0").is_none());
	}
}
