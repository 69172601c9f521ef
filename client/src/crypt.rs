//! A file encrypted for one consumer: XChaCha20-Poly1305 in the STREAM
//! construction (big-endian 32-bit chunk counter and a last-chunk flag), so
//! that files of any size are encrypted and checked chunk by chunk, and a
//! truncated, reordered or altered file fails to decrypt.
//!
//! Layout: the 8-byte magic `CCENC\0\0\x01`, a 19-byte random nonce prefix,
//! then the segments: 64 KiB of plaintext each (the last one shorter or
//! empty), each followed by its 16-byte tag.
//!
//! How it runs: XChaCha20-Poly1305 under nonce N is ChaCha20-Poly1305
//! (RFC 8439) under the subkey HChaCha20(key, N[..16]) with the nonce
//! 0⁴ ‖ N[16..24]. A STREAM nonce is the prefix, the counter and the flag,
//! so its first 16 bytes are the same for every chunk of a file: the subkey
//! is derived once per file, and each chunk is sealed by OpenSSL's
//! ChaCha20-Poly1305 (AVX-512 or AVX2 where the CPU has them; the workspace
//! builds OpenSSL for libp2p already), the chunks of a batch on every core.
//! The format is the one the `chacha20poly1305` crate's `EncryptorBE32`
//! writes (the tests check both ways).

use crate::{rpc::invalid, Result};
use chacha20::cipher::{consts::U10, generic_array::GenericArray};
use openssl::{cipher::Cipher, cipher_ctx::CipherCtx};

/// The first bytes of an encrypted file.
pub const MAGIC: &[u8; 8] = b"CCENC\0\0\x01";
/// Plaintext bytes per chunk.
pub const CHUNK: usize = 64 * 1024;
/// Bytes of a chunk's tag.
pub const TAG: usize = 16;
/// A sealed chunk: its ciphertext and its tag.
pub const SEGMENT: usize = CHUNK + TAG;
const NONCE_PREFIX: usize = 19;
/// The bytes that open an encrypted file: the magic and the nonce prefix.
pub const HEADER: usize = MAGIC.len() + NONCE_PREFIX;
/// Chunks sealed or opened together, spread over the cores (4 MiB).
pub const BATCH_CHUNKS: usize = 64;
/// Bytes of a batch of sealed chunks.
pub const BATCH: usize = BATCH_CHUNKS * SEGMENT;
/// Bytes of a data key.
pub const KEY_LEN: usize = 32;

/// A new random data key.
pub fn data_key() -> [u8; KEY_LEN] {
	rand::random()
}

/// The size of the encryption of `plain` bytes.
pub fn encrypted_len(plain: u64) -> u64 {
	HEADER as u64 + sealed_len(plain)
}

/// The bytes that `plain` bytes of plaintext take as segments, when they
/// end the file (`last`: a file ends with a chunk, empty if need be) or not.
fn sealed_len(plain: u64) -> u64 {
	let chunks = plain.div_ceil(CHUNK as u64).max(1);
	plain + chunks * TAG as u64
}

/// The bytes that `plain` bytes of plaintext take as segments in a batch,
/// the last of the file or not.
pub fn laid_len(plain: usize, last: bool) -> usize {
	if last {
		sealed_len(plain as u64) as usize
	} else {
		debug_assert!(plain.is_multiple_of(CHUNK), "only the last batch ends in a short chunk");
		plain / CHUNK * SEGMENT
	}
}

/// The plaintext places of `segments`: each segment's bytes before its tag.
pub fn plain_parts(segments: &[u8]) -> impl Iterator<Item = &[u8]> {
	segments
		.chunks(SEGMENT)
		.map(|segment| &segment[..segment.len().saturating_sub(TAG)])
}

/// The plaintext places of `segments`, to fill.
pub fn plain_parts_mut(segments: &mut [u8]) -> impl Iterator<Item = &mut [u8]> {
	segments.chunks_mut(SEGMENT).map(|segment| {
		let len = segment.len().saturating_sub(TAG);
		&mut segment[..len]
	})
}

/// The chunks of one encrypted file, sealed or opened in place, in order,
/// a batch at a time.
pub struct Stream {
	/// HChaCha20 of the key and the nonce prefix's first 16 bytes.
	subkey: [u8; KEY_LEN],
	/// The nonce prefix's last 3 bytes.
	tail: [u8; 3],
	/// The counter of the next chunk.
	next: u32,
	ended: bool,
}

impl Stream {
	/// A new encryption under `key`, with a random nonce prefix; and the
	/// header that opens it.
	pub fn seal(key: &[u8; KEY_LEN]) -> (Self, [u8; HEADER]) {
		let mut header = [0u8; HEADER];
		header[..MAGIC.len()].copy_from_slice(MAGIC);
		header[MAGIC.len()..].copy_from_slice(&rand::random::<[u8; NONCE_PREFIX]>());
		(Self::new(key, &header), header)
	}

	/// The encryption that `header` opens, under `key`.
	pub fn open(key: &[u8; KEY_LEN], header: &[u8]) -> Result<Self> {
		if header.len() != HEADER || &header[..MAGIC.len()] != MAGIC {
			return Err(invalid("not a CityChain encrypted file"));
		}
		Ok(Self::new(key, header))
	}

	fn new(key: &[u8; KEY_LEN], header: &[u8]) -> Self {
		let prefix = &header[MAGIC.len()..];
		let subkey = chacha20::hchacha::<U10>(
			GenericArray::from_slice(key),
			GenericArray::from_slice(&prefix[..16]),
		);
		let tail = prefix[16..].try_into().expect("19 bytes of prefix");
		Self { subkey: subkey.into(), tail, next: 0, ended: false }
	}

	/// Seals `segments` in place: consecutive segments, each a chunk of
	/// plaintext followed by [`TAG`] bytes that receive its tag. If `last`,
	/// the final segment is the file's last chunk, and may be shorter (a
	/// file's last chunk may be empty: [`TAG`] bytes); otherwise every
	/// segment is whole.
	pub fn seal_segments(&mut self, segments: &mut [u8], last: bool) -> Result<()> {
		self.run(segments, last, Direction::Seal)
	}

	/// Opens `segments` in place (laid out as [`Stream::seal_segments`]
	/// leaves them): each segment's bytes before its tag become its
	/// plaintext. An error, naming the byte of the encryption where the
	/// failing chunk starts, if a tag does not match: a wrong key, or
	/// an altered, reordered or cut file.
	pub fn open_segments(&mut self, segments: &mut [u8], last: bool) -> Result<()> {
		self.run(segments, last, Direction::Open)
	}

	fn run(&mut self, segments: &mut [u8], last: bool, direction: Direction) -> Result<()> {
		let start = self.next;
		let offset = |counter: u32| HEADER as u64 + u64::from(counter) * SEGMENT as u64;
		let cut = || invalid(format!("the encryption was cut short at byte {}", offset(start)));
		if self.ended {
			return Err(invalid("the encryption's last chunk is done: nothing follows it"));
		}
		let whole = segments.len().is_multiple_of(SEGMENT);
		let short = segments.len() % SEGMENT;
		if (!last && !whole) || (last && (segments.is_empty() || (!whole && short < TAG))) {
			return Err(cut());
		}
		let count = segments.len().div_ceil(SEGMENT);
		if count == 0 {
			return Ok(());
		}
		// A chunk that is not the last leaves a counter for the next.
		let end = u64::from(start) + count as u64 - u64::from(last);
		self.next = u32::try_from(end)
			.map_err(|_| invalid("the encryption is longer than the format allows (256 TiB)"))?;
		self.ended = last;
		let threads = std::thread::available_parallelism().map_or(1, |n| n.get()).min(count);
		let per_thread = count.div_ceil(threads);
		let this = &*self;
		let failed = std::thread::scope(|scope| {
			let mut shares =
				segments.chunks_mut(per_thread * SEGMENT).enumerate().map(|(t, share)| {
					let first = start + (t * per_thread) as u32;
					let ends = last && (t + 1) * per_thread >= count;
					move || this.run_share(share, first, ends, direction)
				});
			let mut own = shares.next().expect("at least one segment");
			let others: Vec<_> = shares.map(|share| scope.spawn(share)).collect();
			// The first chunk that failed, in the file's order.
			std::iter::once(own())
				.chain(others.into_iter().map(|t| t.join().expect("a cipher thread panicked")))
				.find(|result| result.is_err())
				.unwrap_or(Ok(()))
		});
		match failed {
			Ok(()) => Ok(()),
			Err(counter) => {
				self.ended = true;
				Err(invalid(match direction {
					Direction::Open => format!(
						"decryption failed at byte {} of the encryption (chunk {counter}): wrong \
						 key, or the file was altered or cut short",
						offset(counter)
					),
					Direction::Seal => format!("encryption failed at chunk {counter}"),
				}))
			},
		}
	}

	/// Seals or opens consecutive segments whose first has counter `first`;
	/// the first counter that failed.
	fn run_share(
		&self,
		share: &mut [u8],
		first: u32,
		ends: bool,
		direction: Direction,
	) -> std::result::Result<(), u32> {
		// The cipher and the subkey once; each chunk sets only its nonce
		// (OpenSSL 3 looks the cipher up again on every init that names it).
		let mut ctx = CipherCtx::new().map_err(|_| first)?;
		let cipher = Some(Cipher::chacha20_poly1305());
		let key = Some(&self.subkey[..]);
		match direction {
			Direction::Seal => ctx.encrypt_init(cipher, key, None),
			Direction::Open => ctx.decrypt_init(cipher, key, None),
		}
		.map_err(|_| first)?;
		let pieces = share.len().div_ceil(SEGMENT);
		for (i, segment) in share.chunks_mut(SEGMENT).enumerate() {
			let counter = first + i as u32;
			let last = ends && i + 1 == pieces;
			let mut nonce = [0u8; 12];
			nonce[4..7].copy_from_slice(&self.tail);
			nonce[7..11].copy_from_slice(&counter.to_be_bytes());
			nonce[11] = u8::from(last);
			let (text, tag) = segment.split_at_mut(segment.len() - TAG);
			let done = match direction {
				Direction::Seal => ctx
					.encrypt_init(None, None, Some(&nonce))
					.and_then(|()| ctx.cipher_update_inplace(text, text.len()))
					.and_then(|_| ctx.cipher_final(&mut []))
					.and_then(|_| ctx.tag(tag)),
				Direction::Open => ctx
					.decrypt_init(None, None, Some(&nonce))
					.and_then(|()| ctx.set_tag(tag))
					.and_then(|()| ctx.cipher_update_inplace(text, text.len()))
					.and_then(|_| ctx.cipher_final(&mut []))
					.map(drop),
			};
			done.map_err(|_| counter)?;
		}
		Ok(())
	}
}

#[derive(Clone, Copy)]
enum Direction {
	Seal,
	Open,
}

/// Opens an encryption as its bytes arrive, in pieces of any size: the
/// plaintext comes out a batch at a time, each chunk checked before it is
/// given out.
pub struct Opener {
	key: [u8; KEY_LEN],
	stream: Option<Stream>,
	/// The header, then the sealed bytes not opened yet.
	pending: Vec<u8>,
}

impl Opener {
	/// An opener of an encryption under `key`.
	pub fn new(key: &[u8; KEY_LEN]) -> Self {
		Self { key: *key, stream: None, pending: Vec::with_capacity(BATCH) }
	}

	/// Takes the next `bytes` of the encryption; `out` gets the plaintext
	/// opened meanwhile, in order.
	pub fn push(
		&mut self,
		mut bytes: &[u8],
		mut out: impl FnMut(&[u8]) -> Result<()>,
	) -> Result<()> {
		while !bytes.is_empty() {
			let Some(stream) = &mut self.stream else {
				let take = (HEADER - self.pending.len()).min(bytes.len());
				self.pending.extend_from_slice(&bytes[..take]);
				bytes = &bytes[take..];
				if self.pending.len() == HEADER {
					self.stream = Some(Stream::open(&self.key, &self.pending)?);
					self.pending.clear();
				}
				continue;
			};
			// A full batch is opened once a byte follows it: only then is
			// it known not to end the file.
			if self.pending.len() == BATCH {
				stream.open_segments(&mut self.pending, false)?;
				plain_parts(&self.pending).try_for_each(&mut out)?;
				self.pending.clear();
			}
			let take = (BATCH - self.pending.len()).min(bytes.len());
			self.pending.extend_from_slice(&bytes[..take]);
			bytes = &bytes[take..];
		}
		Ok(())
	}

	/// The encryption ended: opens the rest, its last chunk marked last.
	pub fn finish(mut self, mut out: impl FnMut(&[u8]) -> Result<()>) -> Result<()> {
		let Some(mut stream) = self.stream.take() else {
			return Err(invalid("not a CityChain encrypted file"));
		};
		stream.open_segments(&mut self.pending, true)?;
		plain_parts(&self.pending).try_for_each(&mut out)
	}
}

#[cfg(test)]
pub(crate) mod tests {
	use super::*;
	use chacha20poly1305::{
		aead::{
			stream::{DecryptorBE32, EncryptorBE32},
			KeyInit,
		},
		XChaCha20Poly1305,
	};

	/// `plain` encrypted under `key`, a batch at a time.
	pub(crate) fn seal(key: &[u8; KEY_LEN], plain: &[u8]) -> Vec<u8> {
		let (mut stream, header) = Stream::seal(key);
		let mut sealed = header.to_vec();
		let mut batches: Vec<&[u8]> = plain.chunks(BATCH_CHUNKS * CHUNK).collect();
		if batches.is_empty() {
			// A file ends with a chunk, empty if need be.
			batches.push(&[]);
		}
		for (i, batch) in batches.iter().enumerate() {
			let last = i + 1 == batches.len();
			let mut segments = vec![0u8; laid_len(batch.len(), last)];
			for (place, piece) in plain_parts_mut(&mut segments).zip(batch.chunks(CHUNK)) {
				place.copy_from_slice(piece);
			}
			stream.seal_segments(&mut segments, last).unwrap();
			sealed.extend_from_slice(&segments);
		}
		sealed
	}

	/// `sealed` opened under `key`, given to the opener in pieces of `piece` bytes.
	pub(crate) fn open(key: &[u8; KEY_LEN], sealed: &[u8], piece: usize) -> Result<Vec<u8>> {
		let mut opener = Opener::new(key);
		let mut plain = Vec::new();
		let mut keep = |p: &[u8]| {
			plain.extend_from_slice(p);
			Ok(())
		};
		for bytes in sealed.chunks(piece) {
			opener.push(bytes, &mut keep)?;
		}
		opener.finish(&mut keep)?;
		Ok(plain)
	}

	fn text(len: usize) -> Vec<u8> {
		(0..len).map(|i| (i * 31 % 251) as u8).collect()
	}

	const SHAPES: [usize; 9] = [
		0,
		1,
		CHUNK - 1,
		CHUNK,
		CHUNK + 1,
		3 * CHUNK + 17,
		BATCH_CHUNKS * CHUNK,
		BATCH_CHUNKS * CHUNK + 1,
		2 * BATCH_CHUNKS * CHUNK + 5 * CHUNK,
	];

	#[test]
	fn files_of_every_shape_roundtrip_in_pieces_of_any_size() {
		for len in SHAPES {
			let key = data_key();
			let plain = text(len);
			let sealed = seal(&key, &plain);
			assert_eq!(sealed.len() as u64, encrypted_len(len as u64), "length of {len}");
			for piece in [1 + len / 7, 7, SEGMENT, BATCH + 3] {
				assert_eq!(
					open(&key, &sealed, piece).unwrap(),
					plain,
					"{len} in pieces of {piece}"
				);
			}
		}
	}

	/// The format is the one of the `chacha20poly1305` crate's STREAM
	/// (XChaCha20-Poly1305, big-endian 32-bit counter): what either seals,
	/// the other opens.
	#[test]
	fn the_format_is_xchacha20_poly1305_stream_be32() {
		for len in SHAPES {
			let key = data_key();
			let plain = text(len);
			let sealed = seal(&key, &plain);
			let prefix = &sealed[MAGIC.len()..HEADER];
			let mut reference =
				DecryptorBE32::from_aead(XChaCha20Poly1305::new(&key.into()), prefix.into());
			let segments: Vec<_> = sealed[HEADER..].chunks(SEGMENT).collect();
			let mut opened = Vec::new();
			for (i, segment) in segments.iter().enumerate() {
				if i + 1 == segments.len() {
					opened.extend(reference.decrypt_last(*segment).unwrap());
					break;
				}
				opened.extend(reference.decrypt_next(*segment).unwrap());
			}
			assert_eq!(opened, plain, "the reference opens ours, {len} bytes");

			let mut theirs = sealed[..HEADER].to_vec();
			let mut encryptor =
				EncryptorBE32::from_aead(XChaCha20Poly1305::new(&key.into()), prefix.into());
			let chunks: Vec<_> = plain.chunks(CHUNK).collect();
			for chunk in &chunks[..chunks.len().saturating_sub(1)] {
				theirs.extend(encryptor.encrypt_next(*chunk).unwrap());
			}
			theirs.extend(encryptor.encrypt_last(chunks.last().copied().unwrap_or(&[])).unwrap());
			assert_eq!(theirs, sealed, "the reference seals as we do, {len} bytes");
		}
	}

	#[test]
	fn a_wrong_key_or_an_altered_file_fails_naming_where() {
		let key = data_key();
		let plain = text(2 * BATCH_CHUNKS * CHUNK + 10);
		let sealed = seal(&key, &plain);
		let error =
			|key: &[u8; KEY_LEN], bytes: &[u8]| open(key, bytes, 4096).unwrap_err().to_string();
		assert!(
			error(&data_key(), &sealed).contains("at byte 27 "),
			"{}",
			error(&data_key(), &sealed)
		);
		// A flipped bit in chunk 70 is refused there, not before.
		let at = HEADER + 70 * SEGMENT + 100;
		let mut flipped = sealed.clone();
		flipped[at] ^= 1;
		let message = error(&key, &flipped);
		assert!(message.contains(&format!("at byte {} ", HEADER + 70 * SEGMENT)), "{message}");
		let mut opener = Opener::new(&key);
		let mut given = 0;
		let result = opener.push(&flipped, |p| {
			given += p.len();
			Ok(())
		});
		assert!(result.is_err());
		assert_eq!(given, BATCH_CHUNKS * CHUNK, "the batch before the altered chunk was given out");
		// Two chunks swapped, a cut after a whole chunk, one byte missing,
		// a file that is not ours.
		let mut swapped = sealed.clone();
		swapped[HEADER..HEADER + 2 * SEGMENT].rotate_left(SEGMENT);
		assert!(error(&key, &swapped).contains("at byte 27 "));
		assert!(open(&key, &sealed[..HEADER + SEGMENT], 99).is_err());
		assert!(open(&key, &sealed[..sealed.len() - 1], 99).is_err());
		assert!(open(&key, &sealed[..HEADER], 99).is_err());
		assert!(open(&key, b"plain text, not encrypted", 5)
			.unwrap_err()
			.to_string()
			.contains("not a CityChain"));
		assert!(open(&key, &sealed[..10], 5)
			.unwrap_err()
			.to_string()
			.contains("not a CityChain"));
	}

	#[test]
	fn nothing_follows_the_last_chunk() {
		let key = data_key();
		let (mut stream, _) = Stream::seal(&key);
		let mut segments = vec![0u8; laid_len(5, true)];
		stream.seal_segments(&mut segments, true).unwrap();
		assert!(stream.seal_segments(&mut [0u8; SEGMENT], false).is_err());
		let (mut stream, _) = Stream::seal(&key);
		assert!(
			stream.seal_segments(&mut [0u8; SEGMENT - 1], false).is_err(),
			"a short chunk not last"
		);
		assert!(stream.seal_segments(&mut [0u8; TAG - 1], true).is_err(), "no room for the tag");
	}
}
