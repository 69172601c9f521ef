//! `citychain-crypt-bench [--mib N]`: the encryption of the data path
//! (`citychain_client::crypt`, as `approve` and `fetch` run it: batches of
//! 64 chunks of 64 KiB, on every core) over N MiB in memory (default 1024),
//! sealed and then opened in place. Prints two lines, `seal MB/s` and
//! `open MB/s` (10⁶ bytes of plaintext a second), which
//! scripts/bench-data.sh sets against `openssl speed -evp
//! chacha20-poly1305` measured in the same run. The memory is written once
//! before the clock starts, so that neither figure counts first touches.

use citychain_client::crypt::{self, Stream};
use std::time::Instant;

fn main() {
	let args: Vec<String> = std::env::args().skip(1).collect();
	let mib: usize = match args.as_slice() {
		[] => 1024,
		[flag, n] if flag == "--mib" => n.parse().unwrap_or_else(|_| usage()),
		_ => usage(),
	};
	let per_batch = crypt::BATCH_CHUNKS * crypt::CHUNK;
	let count = (mib << 20).div_ceil(per_batch).max(1);
	let mut batches: Vec<Vec<u8>> = (0..count)
		.map(|i| {
			let mut batch = vec![0u8; crypt::BATCH];
			for (j, byte) in batch.iter_mut().enumerate() {
				*byte = (i * 7 + j * 31 % 251) as u8;
			}
			batch
		})
		.collect();
	let plain = (count * per_batch) as f64;
	let key = crypt::data_key();

	let (mut stream, header) = Stream::seal(&key);
	let start = Instant::now();
	for (i, batch) in batches.iter_mut().enumerate() {
		stream
			.seal_segments(batch, i + 1 == count)
			.expect("sealing memory does not fail");
	}
	let sealed = start.elapsed().as_secs_f64();

	let mut stream = Stream::open(&key, &header).expect("the header just made");
	let start = Instant::now();
	for (i, batch) in batches.iter_mut().enumerate() {
		stream.open_segments(batch, i + 1 == count).expect("what was sealed opens");
	}
	let opened = start.elapsed().as_secs_f64();
	println!("seal {:.0}", plain / sealed / 1e6);
	println!("open {:.0}", plain / opened / 1e6);
}

fn usage() -> ! {
	eprintln!("usage: citychain-crypt-bench [--mib N]");
	std::process::exit(2)
}
