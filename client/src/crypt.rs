//! A file encrypted for one consumer: XChaCha20-Poly1305 in the STREAM
//! construction (big-endian 32-bit chunk counter and a last-chunk flag), so
//! that files of any size are encrypted and checked chunk by chunk, and a
//! truncated, reordered or altered file fails to decrypt.
//!
//! Layout: the 8-byte magic `CCENC\0\0\x01`, a 19-byte random nonce prefix,
//! then the chunks: 64 KiB of plaintext each (the last one shorter or
//! empty), each followed by its 16-byte tag.

use crate::{rpc::invalid, Result};
use chacha20poly1305::{
	aead::{
		generic_array::GenericArray,
		stream::{DecryptorBE32, EncryptorBE32},
		KeyInit,
	},
	Key, XChaCha20Poly1305,
};
use std::io::{Read, Write};

/// The first bytes of an encrypted file.
pub const MAGIC: &[u8; 8] = b"CCENC\0\0\x01";
/// Plaintext bytes per chunk.
pub const CHUNK: usize = 64 * 1024;
const TAG: usize = 16;
const NONCE_PREFIX: usize = 19;
/// Bytes of a data key.
pub const KEY_LEN: usize = 32;

/// A new random data key.
pub fn data_key() -> [u8; KEY_LEN] {
	rand::random()
}

/// The size of the encryption of `plain` bytes.
pub fn encrypted_len(plain: u64) -> u64 {
	let chunks = (plain / CHUNK as u64 + u64::from(!plain.is_multiple_of(CHUNK as u64))).max(1);
	(MAGIC.len() + NONCE_PREFIX) as u64 + plain + chunks * TAG as u64
}

/// Encrypts a file a chunk at a time, for writers that are not
/// `std::io::Write` (a store's multipart upload): [`Sealer::header`] first,
/// then each [`CHUNK`] of plaintext through [`Sealer::next`], and the rest
/// (shorter, possibly empty) through [`Sealer::last`].
pub struct Sealer {
	stream: EncryptorBE32<XChaCha20Poly1305>,
	header: [u8; MAGIC.len() + NONCE_PREFIX],
}

impl Sealer {
	/// A sealer under `key`, with a new random nonce prefix.
	pub fn new(key: &[u8; KEY_LEN]) -> Self {
		let prefix: [u8; NONCE_PREFIX] = rand::random();
		let mut header = [0u8; MAGIC.len() + NONCE_PREFIX];
		header[..MAGIC.len()].copy_from_slice(MAGIC);
		header[MAGIC.len()..].copy_from_slice(&prefix);
		let stream = EncryptorBE32::from_aead(cipher(key), GenericArray::from_slice(&prefix));
		Self { stream, header }
	}

	/// The bytes that open the encryption.
	pub fn header(&self) -> &[u8] {
		&self.header
	}

	/// A full chunk of plaintext that is not the last, sealed.
	pub fn next(&mut self, chunk: &[u8]) -> Result<Vec<u8>> {
		debug_assert_eq!(chunk.len(), CHUNK);
		self.stream.encrypt_next(chunk).map_err(|_| invalid("encryption failed"))
	}

	/// The last chunk of plaintext, sealed and marked last.
	pub fn last(self, chunk: &[u8]) -> Result<Vec<u8>> {
		self.stream.encrypt_last(chunk).map_err(|_| invalid("encryption failed"))
	}
}

/// Encrypts everything `input` yields into `output`; `progress` gets the
/// plaintext bytes of each chunk done.
pub fn encrypt(
	key: &[u8; KEY_LEN],
	mut input: impl Read,
	mut output: impl Write,
	mut progress: impl FnMut(u64),
) -> Result<()> {
	let mut sealer = Sealer::new(key);
	output.write_all(sealer.header())?;
	let mut chunk = vec![0u8; CHUNK];
	let mut next = vec![0u8; CHUNK];
	let mut len = read_full(&mut input, &mut chunk)?;
	loop {
		let next_len = if len == CHUNK { read_full(&mut input, &mut next)? } else { 0 };
		if next_len == 0 {
			output.write_all(&sealer.last(&chunk[..len])?)?;
			progress(len as u64);
			return Ok(output.flush()?);
		}
		output.write_all(&sealer.next(&chunk[..len])?)?;
		progress(len as u64);
		std::mem::swap(&mut chunk, &mut next);
		len = next_len;
	}
}

/// Decrypts `input` (as made by [`encrypt`]) into `output`; fails, naming
/// why, if the key is wrong or the file was altered or cut short. Output
/// written before a failure must be discarded.
pub fn decrypt(
	key: &[u8; KEY_LEN],
	mut input: impl Read,
	mut output: impl Write,
	mut progress: impl FnMut(u64),
) -> Result<()> {
	let mut header = [0u8; 8 + NONCE_PREFIX];
	if read_full(&mut input, &mut header)? < header.len() || &header[..8] != MAGIC {
		return Err(invalid("not a CityChain encrypted file"));
	}
	let prefix: [u8; NONCE_PREFIX] = header[8..].try_into().expect("19 bytes");
	let mut stream = DecryptorBE32::from_aead(cipher(key), GenericArray::from_slice(&prefix));
	let size = CHUNK + TAG;
	let mut chunk = vec![0u8; size];
	let mut next = vec![0u8; size];
	let mut len = read_full(&mut input, &mut chunk)?;
	let failed = || invalid("decryption failed: wrong key, or the file was altered or cut short");
	loop {
		let next_len = if len == size { read_full(&mut input, &mut next)? } else { 0 };
		if next_len == 0 {
			let plain = stream.decrypt_last(&chunk[..len]).map_err(|_| failed())?;
			output.write_all(&plain)?;
			progress(plain.len() as u64);
			return Ok(output.flush()?);
		}
		let plain = stream.decrypt_next(&chunk[..len]).map_err(|_| failed())?;
		output.write_all(&plain)?;
		progress(plain.len() as u64);
		std::mem::swap(&mut chunk, &mut next);
		len = next_len;
	}
}

fn cipher(key: &[u8; KEY_LEN]) -> XChaCha20Poly1305 {
	XChaCha20Poly1305::new(Key::from_slice(key))
}

/// Reads until `buf` is full or the input ends; the bytes read.
fn read_full(input: &mut impl Read, buf: &mut [u8]) -> std::io::Result<usize> {
	let mut filled = 0;
	while filled < buf.len() {
		match input.read(&mut buf[filled..]) {
			Ok(0) => break,
			Ok(n) => filled += n,
			Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {},
			Err(e) => return Err(e),
		}
	}
	Ok(filled)
}

#[cfg(test)]
mod tests {
	use super::*;

	fn roundtrip(len: usize) {
		let key = data_key();
		let plain: Vec<u8> = (0..len).map(|i| (i * 31 % 251) as u8).collect();
		let mut sealed = Vec::new();
		encrypt(&key, &plain[..], &mut sealed, |_| {}).unwrap();
		assert_eq!(sealed.len() as u64, encrypted_len(len as u64), "length of {len}");
		let mut opened = Vec::new();
		let mut seen = 0;
		decrypt(&key, &sealed[..], &mut opened, |n| seen += n).unwrap();
		assert_eq!((opened, seen), (plain, len as u64));
	}

	#[test]
	fn files_of_every_shape_roundtrip() {
		for len in [0, 1, CHUNK - 1, CHUNK, CHUNK + 1, 3 * CHUNK, 3 * CHUNK + 17] {
			roundtrip(len);
		}
	}

	#[test]
	fn a_wrong_key_or_an_altered_file_fails() {
		let key = data_key();
		let plain = vec![5u8; 2 * CHUNK + 10];
		let mut sealed = Vec::new();
		encrypt(&key, &plain[..], &mut sealed, |_| {}).unwrap();
		let fails =
			|key: &[u8; KEY_LEN], bytes: &[u8]| decrypt(key, bytes, Vec::new(), |_| {}).is_err();
		assert!(fails(&data_key(), &sealed));
		let mut flipped = sealed.clone();
		flipped[100] ^= 1;
		assert!(fails(&key, &flipped));
		// Cut after the first full chunk: that chunk is not marked last.
		assert!(fails(&key, &sealed[..8 + NONCE_PREFIX + CHUNK + TAG]));
		assert!(fails(&key, &sealed[..sealed.len() - 1]));
		assert!(fails(&key, b"plain text, not encrypted"));
	}
}
