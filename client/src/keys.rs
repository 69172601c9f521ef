//! Key files: an account's secret URI (`citychain key account`) and a
//! department's x25519 secret (`citychain key encryption`), one line of text
//! each. They are created readable by their owner only (0600), never
//! overwritten, and refused when group or others may read them.

use crate::{envelope, rpc::invalid, tx::Signer, Result};
use std::{
	fs::{self, OpenOptions},
	io::Write,
	os::unix::fs::{OpenOptionsExt, PermissionsExt},
	path::Path,
};

/// Writes `secret` to a new file at `path` with mode 0600.
pub fn write_secret(path: &Path, secret: &str) -> Result<()> {
	let mut file =
		OpenOptions::new()
			.write(true)
			.create_new(true)
			.mode(0o600)
			.open(path)
			.map_err(|e| {
				if e.kind() == std::io::ErrorKind::AlreadyExists {
					invalid(format!("{} exists; key files are never overwritten", path.display()))
				} else {
					e.into()
				}
			})?;
	writeln!(file, "{secret}")?;
	Ok(file.sync_all()?)
}

/// Reads the secret in `path`, refusing a file that group or others can read.
pub fn read_secret(path: &Path) -> Result<String> {
	let mode = fs::metadata(path)
		.map_err(|e| invalid(format!("{}: {e}", path.display())))?
		.permissions()
		.mode();
	if mode & 0o077 != 0 {
		return Err(invalid(format!(
			"{} is accessible to others (mode {:o}); chmod 600 it",
			path.display(),
			mode & 0o777
		)));
	}
	Ok(fs::read_to_string(path)?.trim().to_string())
}

/// The signing account in a key file.
pub fn read_account(path: &Path) -> Result<Signer> {
	Signer::from_suri(&read_secret(path)?)
}

/// The x25519 secret in a key file (64 hex digits).
pub fn read_encryption_key(path: &Path) -> Result<envelope::SecretKey> {
	let text = read_secret(path)?;
	let mut bytes = [0u8; 32];
	hex::decode_to_slice(text.trim_start_matches("0x"), &mut bytes).map_err(|_| {
		invalid(format!("{} does not hold an x25519 secret (64 hex digits)", path.display()))
	})?;
	Ok(envelope::SecretKey::from_bytes(bytes))
}

/// Writes a new x25519 secret to `path`; returns it.
pub fn write_encryption_key(path: &Path) -> Result<envelope::SecretKey> {
	let secret = envelope::generate();
	write_secret(path, &hex::encode(secret.to_bytes()))?;
	Ok(secret)
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn key_files_are_private_and_never_overwritten() {
		let dir = tempfile::tempdir().unwrap();
		let path = dir.path().join("officer.key");
		write_secret(&path, "//Alice").unwrap();
		assert_eq!(fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o600);
		assert_eq!(
			read_account(&path).unwrap().ss58(),
			Signer::from_suri("//Alice").unwrap().ss58()
		);
		assert!(write_secret(&path, "//Bob").is_err());
		fs::set_permissions(&path, fs::Permissions::from_mode(0o644)).unwrap();
		assert!(read_secret(&path).unwrap_err().to_string().contains("chmod 600"));
	}

	#[test]
	fn an_encryption_key_file_roundtrips() {
		let dir = tempfile::tempdir().unwrap();
		let path = dir.path().join("dept.x25519");
		let written = write_encryption_key(&path).unwrap();
		assert_eq!(read_encryption_key(&path).unwrap().to_bytes(), written.to_bytes());
	}
}
