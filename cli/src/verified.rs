//! `citychain fetch` of BLAKE3 data: the gateway's verified ranges
//! (`GET /data/{id}/verified`), each 16 KiB chunk group checked against
//! the hash on chain as it arrives and written to `<out>.part` at its
//! offset. A bad group stops the download at once, naming its offset, and
//! keeps the groups checked before it; a cut download, run again, asks only
//! for the groups it lacks, and the proof that comes with them checks the
//! groups it kept (read again from the disk, not the network).

use crate::{
	common::{bytes_bar, Context},
	exchange::{delivered_contract, report_receipt, signed_get, FetchArgs},
	failure::Failure,
};
use citychain_client::{
	primitives::hashing::HashFunction,
	tx::Signer,
	verified::{self, group_range, stream_len, VerifyError, GROUP},
	Error,
};
use futures::StreamExt;
use std::{
	fs::{self, OpenOptions},
	io::{self, Read},
	path::{Path, PathBuf},
};
use tokio::sync::mpsc;

/// Where the groups checked so far are kept: `<out>.part`.
fn part_file(out: &Path) -> PathBuf {
	let mut name = out.as_os_str().to_owned();
	name.push(".part");
	PathBuf::from(name)
}

/// The response body, read on the blocking thread that decodes it: the
/// pieces that had arrived together come in one message (one wake-up).
struct BodyReader<B> {
	receiver: mpsc::Receiver<Vec<io::Result<B>>>,
	pieces: std::vec::IntoIter<io::Result<B>>,
	piece: Option<B>,
	at: usize,
}

impl<B> BodyReader<B> {
	fn new(receiver: mpsc::Receiver<Vec<io::Result<B>>>) -> Self {
		Self { receiver, pieces: Vec::new().into_iter(), piece: None, at: 0 }
	}
}

impl<B: AsRef<[u8]>> Read for BodyReader<B> {
	fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
		loop {
			if let Some(piece) = self.piece.as_ref().map(AsRef::as_ref) {
				if self.at < piece.len() {
					let n = out.len().min(piece.len() - self.at);
					out[..n].copy_from_slice(&piece[self.at..self.at + n]);
					self.at += n;
					return Ok(n);
				}
			}
			if let Some(piece) = self.pieces.next() {
				(self.piece, self.at) = (Some(piece?), 0);
				continue;
			}
			match self.receiver.blocking_recv() {
				Some(pieces) => self.pieces = pieces.into_iter(),
				None => return Ok(0),
			}
		}
	}
}

pub async fn fetch(
	ctx: &Context,
	signer: &Signer,
	a: &FetchArgs,
	size: u64,
	root: verified::Hash,
) -> Result<(), Failure> {
	let part = part_file(&a.out);
	let mut file = OpenOptions::new()
		.read(true)
		.write(true)
		.create(true)
		.truncate(false)
		.open(&part)?;
	// Whole groups only (a group cut while it was written comes again), and
	// never all of them: the proof of the last group checks what is kept.
	let held = file.metadata()?.len();
	let kept = held.min(size.saturating_sub(1)) / GROUP * GROUP;
	file.set_len(kept)?;
	if kept > 0 {
		eprintln!("resuming {}: {kept} bytes kept, to be checked", part.display());
	}
	let range = group_range(size, kept, size);
	let path = format!("/data/{}/verified?start={}&end={}", a.dataset, range.start, range.end);
	let response = signed_get(signer, &a.gateway, &path).await?;
	let contract = delivered_contract(ctx, signer, a.dataset, &response).await?;
	let expected_len = stream_len(size, &range);
	if response.content_length().is_some_and(|n| n != expected_len) {
		return Err(Failure::Refused(format!(
			"the gateway announces {} bytes for bytes {}..{} of dataset {}; their stream has {expected_len}",
			response.content_length().unwrap_or(0),
			range.start,
			range.end,
			a.dataset
		)));
	}

	let bar = bytes_bar(size, "downloading");
	bar.set_position(kept);
	let (sender, receiver) = mpsc::channel(4);
	let decoding = {
		let (bar, range) = (bar.clone(), range.clone());
		tokio::task::spawn_blocking(move || {
			let body = BodyReader::new(receiver);
			verified::decode(root, size, &range, kept, body, &mut file, |n| bar.inc(n))
				.and_then(|()| Ok(file.sync_all()?))
		})
	};
	let mut body = response.bytes_stream().ready_chunks(16);
	while let Some(pieces) = body.next().await {
		// A broken connection ends the stream where it broke.
		let pieces = pieces
			.into_iter()
			.map(|piece| piece.map_err(|e| io::Error::new(io::ErrorKind::UnexpectedEof, e)))
			.collect();
		if sender.send(pieces).await.is_err() {
			// The decoder stopped at a bad group: read no further.
			break;
		}
	}
	drop((sender, body));
	let result = decoding.await.map_err(|e| Error::Invalid(format!("the decoder failed: {e}")))?;
	bar.finish_and_clear();

	let checked = || fs::metadata(&part).map(|m| m.len()).unwrap_or(0);
	match result {
		Ok(()) => {},
		Err(VerifyError::Truncated { offset }) => {
			return Err(Failure::Client(Error::Invalid(format!(
				"the download of dataset {} was cut at byte offset {offset}; the {} bytes checked \
				 are kept in {}: run the command again to fetch the rest",
				a.dataset,
				checked(),
				part.display()
			))))
		},
		Err(e @ VerifyError::BadPrefix { .. }) => {
			return Err(Failure::HashMismatch(format!(
				"{e}: delete {} and fetch again",
				part.display()
			)))
		},
		// No receipt: the download stopped, and the file's hash is unknown.
		Err(e @ (VerifyError::BadGroup { .. } | VerifyError::BadProof { .. })) => {
			return Err(Failure::HashMismatch(format!(
				"dataset {}: {e}; download stopped there, the {} bytes checked before it are kept in {}",
				a.dataset,
				checked(),
				part.display()
			)));
		},
		Err(e @ VerifyError::TooLong) => return Err(Failure::Refused(e.to_string())),
		Err(VerifyError::Io(e)) => return Err(e.into()),
	}
	// Every group checked against the root: the file's BLAKE3 hash is it.
	let root = root.as_bytes().to_vec();
	report_receipt(ctx, contract, a.no_confirm, HashFunction::Blake3.code(), root, true).await?;
	fs::rename(&part, &a.out)?;
	println!("{}: {size} bytes, hash verified chunk by chunk", a.out.display());
	Ok(())
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn the_part_file_is_beside_the_output() {
		assert_eq!(part_file(Path::new("/tmp/x.csv")), Path::new("/tmp/x.csv.part"));
	}

	#[test]
	fn the_body_reader_yields_the_pieces_in_order_then_their_error() {
		let (sender, receiver) = mpsc::channel(4);
		sender.try_send(vec![Ok(vec![1, 2, 3])]).unwrap();
		sender
			.try_send(vec![Ok(vec![4]), Err(io::Error::new(io::ErrorKind::UnexpectedEof, "cut"))])
			.unwrap();
		drop(sender);
		let mut reader = BodyReader::new(receiver);
		let mut out = [0u8; 2];
		assert_eq!(reader.read(&mut out).unwrap(), 2);
		assert_eq!(reader.read(&mut out).unwrap(), 1);
		assert_eq!(reader.read(&mut out[..1]).unwrap(), 1);
		assert_eq!(out[0], 4);
		assert_eq!(reader.read(&mut out).unwrap_err().kind(), io::ErrorKind::UnexpectedEof);
		assert_eq!(reader.read(&mut out).unwrap(), 0);
	}
}
